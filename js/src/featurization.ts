// Featurization summary: raw column → kind → steps → engineered features.
import { badge, empty, h, panel, renderFailure, replace, setByYou } from "./dom";
import { fmtInt } from "./format";
import { subscribe, traits } from "./traits";
import type { AnyModel } from "./types";

const SHOWN_FEATURES = 4;

export function mountFeaturization(model: AnyModel, parent: HTMLElement): () => void {
  const { section, body, aside } = panel("featurization", "Featurization");
  parent.append(section);

  const render = () => {
    const rows = traits.featurization(model);
    if (!rows.length) {
      aside.textContent = "";
      replace(body, empty("The feature plan appears when the data is profiled."));
      return;
    }
    const total = rows.reduce((n, r) => n + (r.dropped ? 0 : (r.n_features ?? r.engineered_features?.length ?? 0)), 0);
    const dropped = rows.filter((r) => r.dropped).length;
    aside.textContent = `${rows.length} columns → ${fmtInt(total)} features${dropped ? ` · ${dropped} dropped` : ""}`;
    replace(
      body,
      h(
        "div",
        { class: "ans-scroll-y ans-feat-wrap" },
        h(
          "table",
          { class: "ans-table ans-feat" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ["column", "kind", "steps", "features"].map((t) => h("th", { text: t })),
            ),
          ),
          h(
            "tbody",
            {},
            rows.map((r) => {
              const feats = Array.isArray(r.engineered_features) ? r.engineered_features : [];
              const n = r.n_features ?? feats.length;
              const steps = Array.isArray(r.steps) ? r.steps : [];
              return h(
                "tr",
                { class: r.dropped ? "ans-row-dropped" : null, "data-column": r.raw_column },
                h("td", { class: "ans-colname", text: r.raw_column, title: r.raw_column }),
                h(
                  "td",
                  {},
                  badge(r.kind ?? "?", `kind-${(r.kind ?? "unknown").toLowerCase().replace(/[^a-z0-9]+/g, "-")}`),
                  setByYou(r.set_by_you),
                ),
                h(
                  "td",
                  { class: "ans-steps" },
                  r.dropped
                    ? [
                        badge("dropped", "dropped"),
                        typeof r.dropped === "string" ? h("span", { class: "ans-muted", text: ` ${r.dropped}` }) : null,
                      ]
                    : steps.length
                      ? steps.flatMap((s, i) => [
                          i ? h("span", { class: "ans-arrow", text: "→" }) : null,
                          h("span", { class: "ans-chip", text: s }),
                        ])
                      : h("span", { class: "ans-muted", text: "as is" }),
                ),
                h(
                  "td",
                  { class: "ans-features", title: feats.join("\n") },
                  r.dropped
                    ? null
                    : [
                        h("span", { class: "ans-nfeat", text: `${fmtInt(n)} ` }),
                        feats.slice(0, SHOWN_FEATURES).map((f) => h("code", { text: f })),
                        feats.length > SHOWN_FEATURES
                          ? h("span", { class: "ans-muted", text: ` +${feats.length - SHOWN_FEATURES} more` })
                          : null,
                      ],
                ),
              );
            }),
          ),
        ),
      ),
    );
  };
  const off = subscribe(model, ["featurization"], render, (e) => renderFailure(body, e));
  return () => {
    off();
    section.remove();
  };
}
