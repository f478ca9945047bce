// Leaderboard: one row per trial (and the ensemble), sortable by any column, click to select.
import { badge, empty, h, panel, renderFailure, replace } from "./dom";
import { DASH, fmtInt, fmtNum, fmtSeconds, sortRows, type SortDir } from "./format";
import { send, subscribe, traits } from "./traits";
import type { AnyModel, LeaderboardRow } from "./types";

/** Statuses of trials stopped by the budget, the user or pruning: not failures (js/CONTRACT.md). */
const STOPPED = ["timeout", "cancelled", "pruned"];

export interface Column {
  id: string;
  label: string;
  title?: string;
  numeric: boolean;
  value: (r: LeaderboardRow) => unknown;
}

/** The row's key in the DOM: its trial id, or "ensemble" for the ensemble row. */
export function rowKey(r: LeaderboardRow, index: number): string {
  if (typeof r.trial_id === "number") return String(r.trial_id);
  return r.learner === "ensemble" ? "ensemble" : `row-${index}`;
}

/** The P(best) column's explanation (its header's title). */
export const P_BEST_TITLE = "chance this trial is truly the best, from paired fold differences";

/** Whether any row carries the chance-best value (the column is hidden otherwise). */
export function hasPBest(rows: readonly LeaderboardRow[]): boolean {
  return rows.some((r) => typeof r.p_best === "number" && Number.isFinite(r.p_best));
}

/** A chance as a percent with one decimal: 0.4567 → "45.7%"; missing → "—". */
export function fmtPercent(v: unknown): string {
  return typeof v === "number" && Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : DASH;
}

/** The columns for these rows: fixed ones plus one per extra metric any row reports, and
 * "P(best)" when the rows carry it. */
export function columnsFor(rows: readonly LeaderboardRow[], primaryMetric: string | null | undefined): Column[] {
  const extra: string[] = [];
  for (const r of rows) {
    for (const k of Object.keys(r.metrics ?? {})) if (k !== primaryMetric && !extra.includes(k)) extra.push(k);
  }
  return [
    { id: "rank", label: "#", title: "rank", numeric: true, value: (r) => r.rank },
    { id: "trial_id", label: "trial", numeric: true, value: (r) => r.trial_id },
    { id: "learner", label: "learner", numeric: false, value: (r) => r.learner },
    {
      id: "score",
      label: primaryMetric || "score",
      title: "mean score over folds ± std",
      numeric: true,
      value: (r) => r.score,
    },
    ...(hasPBest(rows)
      ? [{ id: "p_best", label: "P(best)", title: P_BEST_TITLE, numeric: true, value: (r: LeaderboardRow) => r.p_best }]
      : []),
    ...extra.map((m) => ({ id: `metric:${m}`, label: m, numeric: true, value: (r: LeaderboardRow) => r.metrics?.[m] })),
    { id: "fit_seconds", label: "fit", title: "fit seconds", numeric: true, value: (r) => r.fit_seconds },
    {
      id: "predict_seconds",
      label: "predict",
      title: "predict seconds",
      numeric: true,
      value: (r) => r.predict_seconds,
    },
    {
      id: "duration",
      label: "duration",
      title: "wall-clock seconds of the trial",
      numeric: true,
      value: (r) => r.duration,
    },
    { id: "status", label: "status", numeric: false, value: (r) => r.status },
  ];
}

/** The direction of a first click on a column: best-first for the score and P(best), else ascending. */
export function firstDirection(columnId: string, greaterIsBetter: boolean | null | undefined): SortDir {
  if (columnId === "p_best") return "desc";
  return columnId === "score" && greaterIsBetter !== false ? "desc" : "asc";
}

function cell(col: Column, r: LeaderboardRow): HTMLTableCellElement {
  const v = col.value(r);
  switch (col.id) {
    case "rank":
      return h("td", { class: "ans-num ans-rank", text: v == null ? DASH : fmtInt(v as number) });
    case "trial_id":
      // hovering the trial id tells why the searcher tried it
      return h("td", { class: "ans-num ans-muted", text: v == null ? DASH : String(v), title: r.reason || null });
    case "learner":
      return h("td", {
        class: "ans-learner",
        text: String(v ?? DASH),
        title: r.params && Object.keys(r.params).length ? JSON.stringify(r.params, null, 1) : "",
      });
    case "score":
      return h(
        "td",
        { class: "ans-num ans-score" },
        fmtNum(r.score),
        typeof r.score === "number" && typeof r.score_std === "number"
          ? h("span", { class: "ans-std", text: ` ±${fmtNum(r.score_std, 2)}` })
          : null,
      );
    case "p_best":
      return h("td", { class: "ans-num", text: fmtPercent(v), title: v == null ? null : P_BEST_TITLE });
    case "fit_seconds":
    case "predict_seconds":
    case "duration":
      return h("td", { class: "ans-num", text: fmtSeconds(v as number | null) });
    case "status": {
      const status = String(r.status ?? "");
      const failed = status === "failed"; // stopped (timeout, cancelled, pruned) is no failure
      return h(
        "td",
        { class: "ans-status" },
        status ? badge(status, failed ? "failed" : status === "ok" || status === "finished" ? "ok" : "neutral") : null,
        r.error ? h("span", { class: "ans-row-error", text: ` ${r.error}`, title: r.error }) : null,
      );
    }
    default:
      return h("td", { class: "ans-num", text: fmtNum(v as number | null) });
  }
}

export function mountLeaderboard(model: AnyModel, parent: HTMLElement): () => void {
  const { section, body, aside } = panel("leaderboard", "Leaderboard", "leaderboard-panel");
  parent.append(section);

  const thead = h("thead");
  const tbody = h("tbody");
  const table = h("table", { class: "ans-table ans-lb", testid: "leaderboard" }, thead, tbody);
  const placeholder = empty("No trials yet — rows appear here as trials finish.");
  const scroller = h("div", { class: "ans-lb-scroll" }, table);
  replace(body, scroller, placeholder);

  // View state that survives every update.
  let sort: { id: string; dir: SortDir } | null = null;
  let selected: string | null = null;
  let columns: Column[] = [];
  let headKey = "";
  const rowCache = new Map<string, { sig: string; tr: HTMLTableRowElement }>();

  const select = (key: string, r: LeaderboardRow) => {
    selected = key;
    markSelected();
    if (typeof r.trial_id === "number") send(model, { type: "select_trial", trial_id: r.trial_id });
  };

  const markSelected = () => {
    for (const [key, { tr }] of rowCache) {
      const on = key === selected;
      tr.classList.toggle("ans-selected", on);
      tr.setAttribute("aria-selected", String(on));
    }
  };

  const renderHead = () => {
    replace(
      thead,
      h(
        "tr",
        {},
        columns.map((c) => {
          const active = sort?.id === c.id;
          const th = h(
            "th",
            {
              class: `${c.numeric ? "ans-num " : ""}ans-sortable${active ? " ans-sorted" : ""}`,
              title: c.title ? `${c.title} — click to sort` : "click to sort",
              "aria-sort": active ? (sort!.dir === "asc" ? "ascending" : "descending") : "none",
              "data-column": c.id,
              tabindex: 0,
            },
            c.label,
            h("span", { class: "ans-sort-arrow", text: active ? (sort!.dir === "asc" ? " ▲" : " ▼") : "" }),
          );
          const toggle = () => {
            const gib = traits.status(model).greater_is_better;
            sort =
              sort?.id === c.id
                ? { id: c.id, dir: sort.dir === "asc" ? "desc" : "asc" }
                : { id: c.id, dir: firstDirection(c.id, gib) };
            renderHead();
            renderBody();
          };
          th.addEventListener("click", toggle);
          th.addEventListener("keydown", (ev) => {
            if ((ev as KeyboardEvent).key === "Enter" || (ev as KeyboardEvent).key === " ") {
              ev.preventDefault();
              toggle();
            }
          });
          return th;
        }),
      ),
    );
  };

  const renderBody = () => {
    const rows = traits.leaderboard(model);
    const keyed = rows.map((r, i) => ({ r, key: rowKey(r, i) }));
    const col = sort && columns.find((c) => c.id === sort!.id);
    const ordered = col ? sortRows(keyed, (e) => col.value(e.r), sort!.dir) : keyed;

    const seen = new Set<string>();
    const trs: HTMLTableRowElement[] = [];
    for (const { r, key } of ordered) {
      seen.add(key);
      const sig = headKey + JSON.stringify(r);
      let entry = rowCache.get(key);
      if (!entry || entry.sig !== sig) {
        const failed = r.status === "failed" || !!r.error;
        const tr = h(
          "tr",
          {
            testid: "leaderboard-row",
            "data-trial-id": key,
            class:
              [
                failed ? "ans-row-failed" : "",
                r.learner === "ensemble" ? "ans-row-ensemble" : "",
                r.rank === 1 ? "ans-row-best" : "",
              ]
                .filter(Boolean)
                .join(" ") || null,
            tabindex: 0,
          },
          columns.map((c) => cell(c, r)),
        );
        tr.addEventListener("click", () => select(key, r));
        tr.addEventListener("keydown", (ev) => {
          if ((ev as KeyboardEvent).key === "Enter") select(key, r);
        });
        entry = { sig, tr };
        rowCache.set(key, entry);
      }
      trs.push(entry.tr);
    }
    for (const key of [...rowCache.keys()]) if (!seen.has(key)) rowCache.delete(key);
    // Reorder/replace only when the sequence changed, so scroll and focus stay put.
    const current = Array.from(tbody.children);
    if (current.length !== trs.length || trs.some((tr, i) => current[i] !== tr)) tbody.replaceChildren(...trs);
    markSelected();

    placeholder.hidden = rows.length > 0;
    const failed = rows.filter((r) => r.status === "failed").length;
    const stopped = rows.filter((r) => STOPPED.includes(String(r.status))).length;
    aside.textContent = rows.length
      ? `${rows.length} rows${failed ? ` · ${failed} failed` : ""}${stopped ? ` · ${stopped} stopped` : ""}`
      : "";
  };

  const render = () => {
    const rows = traits.leaderboard(model);
    const metric = traits.status(model).metric;
    columns = columnsFor(rows, metric);
    const key = JSON.stringify([columns.map((c) => c.id + c.label), sort]);
    if (key !== headKey) {
      headKey = key;
      if (sort && !columns.some((c) => c.id === sort!.id)) sort = null;
      renderHead();
    }
    renderBody();
  };

  const syncSelection = () => {
    const id = traits.trialDetails(model).trial_id;
    if (typeof id === "number" && String(id) !== selected) {
      selected = String(id);
      markSelected();
    }
  };

  const offs = [
    subscribe(model, ["leaderboard", "status"], render, (e) => renderFailure(body, e)),
    subscribe(model, ["trial_details"], syncSelection),
  ];
  return () => {
    offs.forEach((off) => off());
    section.remove();
  };
}
