// Data guardrails: one line per check with a passed / fixed / alerted badge, message and advice.
import { badge, empty, h, panel, renderFailure, replace } from "./dom";
import { subscribe, traits } from "./traits";
import type { AnyModel, Guardrail } from "./types";

const ORDER: Record<string, number> = { alerted: 0, fixed: 1, passed: 2 };

/** Alerts first, then fixes, then passed checks; the kernel's order within each. */
export function orderGuardrails(rows: readonly Guardrail[]): Guardrail[] {
  return rows
    .map((g, i) => ({ g, i }))
    .sort((a, b) => (ORDER[a.g.status] ?? 3) - (ORDER[b.g.status] ?? 3) || a.i - b.i)
    .map((e) => e.g);
}

export function mountGuardrails(model: AnyModel, parent: HTMLElement): () => void {
  const { section, body, aside } = panel("guardrails", "Data guardrails");
  parent.append(section);

  const render = () => {
    const rows = orderGuardrails(traits.guardrails(model));
    const counts = { passed: 0, fixed: 0, alerted: 0 } as Record<string, number>;
    for (const g of rows) counts[g.status] = (counts[g.status] ?? 0) + 1;
    replace(
      aside,
      rows.length
        ? (["alerted", "fixed", "passed"] as const)
            .filter((s) => counts[s])
            .map((s) => badge(`${counts[s]} ${s}`, `guard-${s}`))
        : null,
    );
    if (!rows.length) {
      replace(body, empty("Checks run when the data is profiled."));
      return;
    }
    replace(
      body,
      h(
        "ul",
        { class: "ans-guardrails" },
        rows.map((g) =>
          h(
            "li",
            { class: `ans-guardrail ans-guardrail-${g.status}`, "data-check": g.check, "data-status": g.status },
            badge(g.status, `guard-${g.status}`),
            h(
              "div",
              { class: "ans-guardrail-text" },
              h("div", {}, h("b", { text: g.check }), g.message ? h("span", { text: ` — ${g.message}` }) : null),
              g.advice ? h("div", { class: "ans-advice", text: g.advice }) : null,
              g.columns?.length
                ? h(
                    "div",
                    { class: "ans-guard-columns" },
                    g.columns.slice(0, 12).map((c) => h("code", { text: c })),
                    g.columns.length > 12
                      ? h("span", { class: "ans-muted", text: ` +${g.columns.length - 12} more` })
                      : null,
                  )
                : null,
            ),
          ),
        ),
      ),
    );
  };
  const off = subscribe(model, ["guardrails"], render, (e) => renderFailure(body, e));
  return () => {
    off();
    section.remove();
  };
}
