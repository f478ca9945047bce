// Data panel: shape, the first rows, each column's kind, and the target select.
import { badge, empty, fieldError, h, panel, renderFailure, replace, select, setByYou } from "./dom";
import { fmtInt, fmtNum } from "./format";
import { traits, subscribe, write } from "./traits";
import type { AnyModel, ColumnInfo } from "./types";

export function mountData(model: AnyModel, parent: HTMLElement): () => void {
  const { section, body, aside } = panel("data", "Data", "data-panel");
  parent.append(section);

  // The target select lives outside the re-rendered body so it keeps focus across updates.
  const targetError = h("div", { class: "ans-error-slot" });
  const targetSelect = select([], "", {
    testid: "target-select",
    "aria-label": "Target column",
    onchange: () => write(model, "target", targetSelect.value),
  });
  const targetRow = h(
    "div",
    { class: "ans-target" },
    h("label", { class: "ans-field-label" }, "Target ", targetSelect),
    targetError,
  );
  const content = h("div", { class: "ans-data-content" });
  replace(body, targetRow, content);

  let columnsKey = "";
  const renderTarget = () => {
    const columns = traits.dataInfo(model).columns ?? [];
    const target = traits.target(model);
    const key = JSON.stringify([columns.map((c) => c.name), target]);
    if (key !== columnsKey) {
      columnsKey = key;
      const names = columns.map((c) => String(c.name));
      const options: [string, string][] = [["", "— choose the column to predict —"]];
      for (const n of names) options.push([n, n]);
      // A target the kernel set that is not a known column is still shown, not silently lost.
      if (target && !names.includes(target)) options.push([target, target]);
      replace(targetSelect, ...options.map(([v, l]) => h("option", { value: v, text: l })));
      targetSelect.value = target;
    }
    const err = traits.configErrors(model).target;
    fieldError(targetError, "target", err);
    targetSelect.classList.toggle("ans-invalid", !!err);
    for (const tr of content.querySelectorAll<HTMLElement>("tr[data-column]")) {
      tr.classList.toggle("ans-is-target", tr.dataset.column === target);
    }
  };

  const renderInfo = () => {
    const info = traits.dataInfo(model);
    const columns = (info.columns ?? []).filter((c): c is ColumnInfo => c != null && c.name != null);
    const nRows = info.n_rows;
    const nCols = info.n_columns ?? (columns.length || undefined);
    aside.textContent = nRows != null || nCols != null ? `${fmtInt(nRows)} rows × ${fmtInt(nCols)} columns` : "";
    if (!columns.length) {
      replace(content, empty("No data yet."));
      columnsKey = "";
      renderTarget();
      return;
    }
    const target = traits.target(model);
    const colTable = h(
      "table",
      { class: "ans-table ans-columns" },
      h("thead", {}, h("tr", {}, ...["column", "kind", "dtype", "missing", "unique"].map((t) => h("th", { text: t })))),
      h(
        "tbody",
        {},
        ...columns.map((c) =>
          h(
            "tr",
            { "data-column": c.name, class: c.name === target ? "ans-is-target" : null },
            h("td", { class: "ans-colname", text: c.name, title: c.name }),
            h(
              "td",
              {},
              badge(c.kind ?? "?", `kind-${kindClass(c.kind)}`, { title: c.evidence ?? "" }),
              setByYou(c.set_by_you, c.evidence),
            ),
            h("td", { class: "ans-muted", text: c.dtype ?? "" }),
            h("td", { class: "ans-num", text: missingText(c.missing, nRows) }),
            h("td", { class: "ans-num", text: fmtInt(c.unique) }),
          ),
        ),
      ),
    );
    const headCols = info.head?.columns ?? [];
    const headRows = info.head?.rows ?? [];
    const head = headCols.length
      ? h(
          "div",
          { class: "ans-scroll-x" },
          h(
            "table",
            { class: "ans-table ans-head" },
            h("thead", {}, h("tr", {}, ...headCols.map((c) => h("th", { text: String(c), title: String(c) })))),
            h(
              "tbody",
              {},
              ...headRows.map((r) =>
                h("tr", {}, ...headCols.map((_, i) => h("td", { text: r?.[i] ?? "", title: r?.[i] ?? "" }))),
              ),
            ),
          ),
        )
      : null;
    replace(
      content,
      h("div", { class: "ans-data-grid" }, h("div", { class: "ans-scroll-y ans-columns-wrap" }, colTable), head),
    );
    columnsKey = "";
    renderTarget();
  };

  const offs = [
    subscribe(model, ["data_info"], renderInfo, (e) => renderFailure(content, e)),
    subscribe(model, ["target", "config_errors"], renderTarget, (e) => renderFailure(content, e)),
  ];
  return () => {
    offs.forEach((off) => off());
    section.remove();
  };
}

function kindClass(kind: string | undefined): string {
  return (kind ?? "unknown").toLowerCase().replace(/[^a-z0-9]+/g, "-");
}

function missingText(missing: number | null | undefined, nRows: number | undefined): string {
  if (missing == null) return "—";
  if (!missing) return "0";
  return nRows ? `${fmtInt(missing)} (${fmtNum((100 * missing) / nRows, 2)}%)` : fmtInt(missing);
}
