// Explanations: SHAP values of a model (the final one, or the selected trial's). Global
// importance (raw columns or engineered features), a beeswarm, a dependence plot for one
// feature and a waterfall for one row. The kernel computes SHAP once per trial and reslices
// it on `explain` messages (feature, row, space); see CONTRACT.md, "Explanations".
import { barX, dot, ruleX, ruleY, text } from "@observablehq/plot";
import { badge, empty, h, panel, renderFailure, replace, select } from "./dom";
import { fmtNum } from "./format";
import { beeswarmAlt, dependenceAlt, importanceAlt, waterfallAlt } from "./describe";
import { ACCENT, figure, NEUTRAL } from "./plots";
import { getDict, isRecord, send, subscribe, traits } from "./traits";
import type {
  AnyModel,
  Beeswarm,
  Dependence,
  Explanation,
  ExplanationSpace,
  ImportanceItem,
  Message,
  Waterfall,
} from "./types";

/** SHAP's colours: pushes the output up (red) or down (blue); low → high feature values. */
export const POSITIVE = "#ff0051";
export const NEGATIVE = "#008bfb";
const W = 400;
const MAX_BARS = 20;

// ---- pure data shaping (unit-tested) ---------------------------------------------------------

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

export function isSpace(v: unknown): v is ExplanationSpace {
  return v === "raw" || v === "engineered";
}

/** The explanation has something to show (not `{}`, not only `computing`). */
export function hasExplanation(e: Explanation): boolean {
  return isRecord(e.importance) || isRecord(e.beeswarm) || isRecord(e.waterfall) || isRecord(e.dependence);
}

/** Importance bars of one space: named, finite, descending, at most `max`. */
export function importanceBars(e: Explanation, space: ExplanationSpace, max = MAX_BARS): ImportanceItem[] {
  const list = isRecord(e.importance) ? e.importance[space] : undefined;
  if (!Array.isArray(list)) return [];
  return list
    .filter((d): d is ImportanceItem => isRecord(d) && d.feature != null && finite(d.importance))
    .map((d) => ({ feature: String(d.feature), importance: d.importance as number }))
    .sort((a, b) => (b.importance as number) - (a.importance as number))
    .slice(0, max);
}

/** The features one can pick for the dependence plot: the space's importance order. */
export function featureOptions(e: Explanation, space: ExplanationSpace): string[] {
  const names = importanceBars(e, space, Infinity).map((d) => d.feature);
  const current = isRecord(e.dependence) && typeof e.dependence.feature === "string" ? e.dependence.feature : null;
  if (current && !names.includes(current) && (e.space ?? "raw") === space) names.unshift(current);
  return names;
}

export interface SwarmDot {
  feature: string;
  y: number; // the feature's row (0 = top) plus a deterministic jitter in [-0.35, 0.35]
  shap: number;
  value: number | null;
}

/** Beeswarm dots: one row per feature (in the given order), jittered so dots do not stack. */
export function swarmDots(b: Beeswarm | undefined): { features: string[]; dots: SwarmDot[] } {
  if (!isRecord(b)) return { features: [], dots: [] };
  const points = Array.isArray(b.points) ? b.points.filter(isRecord) : [];
  let features = Array.isArray(b.features) ? b.features.map(String) : [];
  if (!features.length) features = [...new Set(points.map((p) => String(p.feature)))];
  const index = new Map(features.map((f, i) => [f, i]));
  const seen = new Map<string, number>();
  const dots: SwarmDot[] = [];
  for (const p of points) {
    const f = String(p.feature);
    const i = index.get(f);
    if (i == null || !finite(p.shap)) continue;
    const k = seen.get(f) ?? 0;
    seen.set(f, k + 1);
    const jitter = (((k * 0.618033988749895) % 1) - 0.5) * 0.7; // golden-ratio spread
    const v = finite(p.value) ? Math.min(1, Math.max(0, p.value)) : null;
    dots.push({ feature: f, y: i + jitter, shap: p.shap, value: v });
  }
  return { features, dots };
}

export interface DependencePoint {
  x: number | string;
  shap: number;
}

/** Dependence points: numeric x (finite only) or category labels (missing → "missing"). */
export function dependencePoints(d: Dependence | undefined): { categorical: boolean; points: DependencePoint[] } {
  if (!isRecord(d) || !Array.isArray(d.x) || !Array.isArray(d.shap)) return { categorical: false, points: [] };
  const categorical = d.categorical === true;
  const n = Math.min(d.x.length, d.shap.length);
  const points: DependencePoint[] = [];
  for (let i = 0; i < n; i++) {
    const x = d.x[i];
    const s = d.shap[i];
    if (!finite(s)) continue;
    if (categorical) points.push({ x: x == null ? "missing" : String(x), shap: s });
    else if (finite(x)) points.push({ x, shap: s });
  }
  return { categorical, points };
}

export interface WaterfallBar {
  label: string;
  feature: string;
  start: number;
  end: number;
  shap: number;
}

/**
 * Waterfall bars, top to bottom in the given order (largest |SHAP| first, "other features"
 * last). As in SHAP's plot the bottom bar starts at the base value and each bar starts where
 * the one below it ends, so the top bar ends at base + ΣSHAP (the model output).
 */
export function waterfallBars(w: Waterfall | undefined): {
  base: number | null;
  output: number | null;
  bars: WaterfallBar[];
} {
  if (!isRecord(w)) return { base: null, output: null, bars: [] };
  const base = finite(w.base_value) ? w.base_value : null;
  const output = finite(w.output) ? w.output : null;
  const items = (Array.isArray(w.contributions) ? w.contributions : []).filter(
    (c) => isRecord(c) && c.feature != null && finite(c.shap),
  );
  const bars: WaterfallBar[] = new Array(items.length);
  let x = base ?? 0;
  for (let i = items.length - 1; i >= 0; i--) {
    const c = items[i];
    const shap = c.shap as number;
    const feature = String(c.feature);
    const value = c.value == null || c.value === "" ? "" : ` = ${shortText(String(c.value), 18)}`;
    bars[i] = { label: `${shortText(feature, 28)}${value}`, feature, start: x, end: x + shap, shap };
    x += shap;
  }
  return { base, output: output ?? (bars.length ? bars[0].end : base), bars };
}

/** An axis domain over `values` (and `extra`) that never has zero width (all-zero SHAP). */
export function spread(values: number[], extra: number[] = []): [number, number] {
  const all = [...values, ...extra].filter(finite);
  if (!all.length) return [-1, 1];
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (hi - lo < 1e-12) {
    const pad = Math.max(Math.abs(lo) * 0.05, 0.01);
    lo -= pad;
    hi += pad;
  }
  return [lo, hi];
}

/** The row to show: an integer in [0, rows − 1] (0 when rows is unknown). */
export function clampRow(value: unknown, rows: unknown): number {
  const n = typeof value === "number" ? value : Number(value);
  const max = finite(rows) && rows > 0 ? Math.floor(rows) - 1 : Infinity;
  if (!Number.isFinite(n)) return 0;
  return Math.max(0, Math.min(max, Math.round(n)));
}

/** The message of the Explain button: the selected trial (null: the final model / ensemble). */
export function explainMessage(trialId: unknown, space: ExplanationSpace): Message {
  return { type: "explain", trial_id: finite(trialId) ? trialId : null, space };
}

export function shortText(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** The left margin a list of y labels needs (10px font, ~5.6px a character). */
export function labelMargin(labels: string[], min = 40, max = 200): number {
  const longest = labels.reduce((m, l) => Math.max(m, l.length), 0);
  return Math.max(min, Math.min(max, Math.round(longest * 5.6) + 10));
}

// ---- the panel -----------------------------------------------------------------------------

export function mountExplanations(model: AnyModel, parent: HTMLElement): () => void {
  const { section, body, aside } = panel("explanations", "Explanations", "explanations");
  parent.append(section);
  let space: ExplanationSpace | null = null; // the user's choice; the kernel's until then

  const render = () => {
    const e = getDict<Explanation>(model, "explanation");
    const details = traits.trialDetails(model);
    const selected = finite(details.trial_id) ? details.trial_id : null;
    if (space == null && isSpace(e.space)) space = e.space;
    const sp: ExplanationSpace = space ?? "raw";
    const computing = e.computing === true;
    const canExplain = !!traits.leaderboard(model).length || hasExplanation(e);

    const explainBtn = h("button", {
      class: "ans-btn",
      testid: "explain",
      type: "button",
      text: computing ? "Explaining…" : selected != null ? `Explain trial #${selected}` : "Explain final model",
      title: "Compute SHAP values for the trial selected in the leaderboard (or the final model)",
      disabled: computing || !canExplain,
      onclick: () => send(model, explainMessage(selected, sp)),
    });
    const toggle = h(
      "div",
      {
        class: "ans-space-toggle",
        testid: "space-toggle",
        role: "group",
        "aria-label": "feature space",
        style: "display:inline-flex;gap:0",
      },
      (["raw", "engineered"] as const).map((s, i) =>
        h("button", {
          type: "button",
          class: `ans-btn${s === sp ? " ans-btn-primary" : ""}`,
          "data-space": s,
          "aria-pressed": s === sp ? "true" : "false",
          style:
            i === 0
              ? "border-top-right-radius:0;border-bottom-right-radius:0"
              : "border-top-left-radius:0;border-bottom-left-radius:0;margin-left:-1px",
          text: s === "raw" ? "raw columns" : "engineered",
          title:
            s === "raw"
              ? "SHAP summed over each raw column's engineered features"
              : "SHAP of each engineered feature the model sees",
          onclick: () => {
            if (space === s) return;
            space = s;
            render();
            if (hasExplanation(e)) send(model, { type: "explain", space: s });
          },
        }),
      ),
    );
    const bar = h(
      "div",
      { class: "ans-explain-bar", style: "display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin-bottom:6px" },
      explainBtn,
      toggle,
      computing ? badge("computing", "guard-fixed") : null,
    );

    const parts: string[] = [];
    if (e.trial_id != null) parts.push(`trial #${e.trial_id}`);
    else if (hasExplanation(e)) parts.push("final model");
    if (e.explainer) parts.push(`${e.explainer} explainer`);
    if (finite(e.n_rows)) parts.push(`${e.n_rows} rows`);
    aside.textContent = parts.join(" · ");

    if (!hasExplanation(e)) {
      replace(
        body,
        bar,
        empty(
          computing
            ? "Computing SHAP values…"
            : canExplain
              ? "No explanation yet: it is computed for the final model when the run ends, or click Explain."
              : "Explanations appear here once a run has a model.",
        ),
      );
      return;
    }

    const note = [
      e.class_name != null && e.class_name !== "" ? `SHAP values of the class “${e.class_name}”.` : "",
      e.note ?? "",
    ]
      .filter(Boolean)
      .join(" ");
    replace(
      body,
      bar,
      note
        ? h("div", {
            class: "ans-muted ans-explain-note",
            testid: "explain-note",
            text: note,
            style: "margin-bottom:6px",
          })
        : null,
      h(
        "div",
        {
          class: "ans-plots ans-explain-plots",
          style: "display:flex;flex-wrap:wrap;gap:14px 24px;align-items:flex-start",
        },
        importanceFigure(e, sp),
        beeswarmFigure(e, sp),
        dependenceFigure(model, e, sp),
        waterfallFigure(model, e),
      ),
    );
  };
  const off = subscribe(model, ["explanation", "trial_details", "leaderboard"], render, (err) =>
    renderFailure(body, err),
  );
  return () => {
    off();
    section.remove();
  };
}

function spaceNote(sp: ExplanationSpace): string {
  return sp === "raw" ? "raw columns" : "engineered features";
}

function importanceFigure(e: Explanation, sp: ExplanationSpace): HTMLElement {
  const bars = importanceBars(e, sp);
  if (!bars.length) return h("div", { class: "ans-plot", testid: "importance-chart" }, empty("No importances."));
  const labels = bars.map((d) => shortText(d.feature, 32));
  return figure(
    `Mean |SHAP| · ${spaceNote(sp)}`,
    () => ({
      width: W,
      height: 30 + 17 * bars.length,
      marginLeft: labelMargin(labels),
      marginRight: 12,
      x: {
        label: "mean |SHAP value|",
        grid: true,
        ticks: 4,
        nice: true,
        domain: spread(
          bars.map((d) => d.importance as number),
          [0],
        ),
      },
      y: { domain: labels, label: null, tickFormat: (l: string) => l },
      marks: [
        barX(
          bars.map((d, i) => ({ ...d, label: labels[i] })),
          {
            x: "importance",
            y: "label",
            fill: ACCENT,
            title: (d: ImportanceItem) => `${d.feature}: ${fmtNum(d.importance)}`,
          },
        ),
        ruleX([0], { stroke: "currentColor", strokeOpacity: 0.4 }),
      ],
    }),
    "importance-chart",
    importanceAlt(bars as { feature: string; importance: number }[], spaceNote(sp)),
  );
}

function beeswarmFigure(e: Explanation, sp: ExplanationSpace): HTMLElement {
  const { features, dots } = swarmDots(isRecord(e.beeswarm) ? e.beeswarm[sp] : undefined);
  if (!dots.length) return h("div", { class: "ans-plot", testid: "beeswarm-chart" }, empty("No SHAP values to plot."));
  const labels = features.map((f) => shortText(f, 32));
  const valued = dots.filter((d) => d.value != null);
  const unvalued = dots.filter((d) => d.value == null);
  return figure(
    "SHAP values per row (colour: feature value, low → high)",
    () => ({
      width: W + 40,
      height: 40 + 22 * features.length,
      marginLeft: labelMargin(labels),
      marginRight: 12,
      x: {
        label: "SHAP value (impact on the output)",
        grid: true,
        ticks: 5,
        nice: true,
        domain: spread(
          dots.map((d) => d.shap),
          [0],
        ),
      },
      y: {
        domain: [features.length - 0.5, -0.5],
        ticks: features.map((_, i) => i),
        tickFormat: (i: number) => labels[i] ?? "",
        label: null,
        tickSize: 0,
      },
      color: { type: "linear", domain: [0, 1], range: [NEGATIVE, POSITIVE], interpolate: "rgb" },
      marks: [
        ruleX([0], { stroke: "currentColor", strokeOpacity: 0.4 }),
        dot(unvalued, { x: "shap", y: "y", r: 1.8, fill: NEUTRAL, fillOpacity: 0.6 }),
        dot(valued, { x: "shap", y: "y", r: 1.8, fill: "value", fillOpacity: 0.75 }),
      ],
    }),
    "beeswarm-chart",
    () => beeswarmAlt(features, dots),
  );
}

function dependenceFigure(model: AnyModel, e: Explanation, sp: ExplanationSpace): HTMLElement {
  const dep = isRecord(e.dependence) ? e.dependence : {};
  const current = typeof dep.feature === "string" ? dep.feature : "";
  const options = featureOptions(e, (isSpace(e.space) ? e.space : sp) as ExplanationSpace);
  const picker = select(
    options.map((f) => [f, shortText(f, 40)]),
    current,
    {
      testid: "feature-select",
      "aria-label": "feature for the dependence plot",
      onchange: (ev: Event) =>
        send(model, { type: "explain", feature: (ev.target as HTMLSelectElement).value, space: sp }),
    },
  );
  const { categorical, points } = dependencePoints(dep);
  const chart = !points.length
    ? h(
        "div",
        { class: "ans-plot", testid: "dependence-chart" },
        empty(current ? `No values of ${current}.` : "Pick a feature."),
      )
    : figure(
        `SHAP of ${shortText(current, 40)} against its value`,
        () => {
          const xs = categorical ? [...new Set(points.map((p) => String(p.x)))].slice(0, 40) : [];
          const pos = new Map(xs.map((c, i) => [c, i]));
          const seen = new Map<string, number>();
          // categories: jittered around their index so the dots of one category do not stack
          const shown = categorical
            ? points.flatMap((p) => {
                const i = pos.get(String(p.x));
                if (i == null) return [];
                const k = seen.get(String(p.x)) ?? 0;
                seen.set(String(p.x), k + 1);
                return [{ x: i + (((k * 0.618033988749895) % 1) - 0.5) * 0.5, shap: p.shap }];
              })
            : points;
          return {
            width: W,
            height: 260,
            marginLeft: 48,
            marginBottom: categorical ? 56 : 34,
            x: categorical
              ? {
                  domain: [-0.5, xs.length - 0.5],
                  ticks: xs.map((_, i) => i),
                  tickFormat: (i: number) => shortText(xs[i] ?? "", 12),
                  tickRotate: xs.length > 4 ? -30 : 0,
                  label: current,
                }
              : { label: current, ticks: 5, nice: true, domain: spread(points.map((p) => p.x as number)) },
            y: {
              label: "SHAP value",
              grid: true,
              ticks: 5,
              nice: true,
              domain: spread(
                points.map((p) => p.shap),
                [0],
              ),
            },
            marks: [
              ruleY([0], { stroke: "currentColor", strokeOpacity: 0.4 }),
              dot(shown, { x: "x", y: "shap", r: 2, fill: ACCENT, fillOpacity: categorical ? 0.35 : 0.5 }),
            ],
          };
        },
        "dependence-chart",
        () => dependenceAlt(current, points, categorical),
      );
  return h(
    "div",
    { class: "ans-explain-block" },
    h(
      "label",
      { class: "ans-muted", style: "display:flex;gap:6px;align-items:center;margin-bottom:4px" },
      "Dependence on",
      picker,
    ),
    chart,
  );
}

function waterfallFigure(model: AnyModel, e: Explanation): HTMLElement {
  const w = isRecord(e.waterfall) ? e.waterfall : {};
  const row = clampRow(w.row ?? 0, e.rows);
  const rows = finite(e.rows) ? e.rows : null;
  const input = h("input", {
    type: "number",
    testid: "row-input",
    "aria-label": "row to explain",
    min: 0,
    max: rows != null ? Math.max(0, rows - 1) : null,
    step: 1,
    value: row,
    style: "width:6em",
    onchange: (ev: Event) => {
      const r = clampRow((ev.target as HTMLInputElement).value, rows);
      (ev.target as HTMLInputElement).value = String(r);
      send(model, { type: "explain", row: r });
    },
  });
  const { base, output, bars } = waterfallBars(w);
  const labels = bars.map((b) => b.label);
  const chart = !bars.length
    ? h("div", { class: "ans-plot", testid: "waterfall-chart" }, empty("No contributions for this row."))
    : figure(
        `Row ${row}: ${base != null ? `base ${fmtNum(base)} → ` : ""}output ${fmtNum(output)}`,
        () => ({
          width: W + 60,
          height: 40 + 20 * bars.length,
          marginLeft: labelMargin(labels, 40, 230),
          marginRight: 50,
          x: {
            label: "model output",
            grid: true,
            ticks: 5,
            nice: true,
            domain: spread(
              bars.flatMap((b) => [b.start, b.end]),
              [base, output].filter(finite),
            ),
          },
          y: { domain: labels, label: null },
          marks: [
            base != null ? ruleX([base], { stroke: "currentColor", strokeOpacity: 0.5, strokeDasharray: "3,3" }) : null,
            output != null ? ruleX([output], { stroke: "currentColor", strokeOpacity: 0.25 }) : null,
            barX(bars, {
              x1: "start",
              x2: "end",
              y: "label",
              fill: (b: WaterfallBar) => (b.shap > 0 ? POSITIVE : b.shap < 0 ? NEGATIVE : NEUTRAL),
              insetTop: 2,
              insetBottom: 2,
              title: (b: WaterfallBar) => `${b.feature}: ${b.shap >= 0 ? "+" : ""}${fmtNum(b.shap)}`,
            }),
            text(bars, {
              x: (b: WaterfallBar) => Math.max(b.start, b.end),
              y: "label",
              text: (b: WaterfallBar) => `${b.shap >= 0 ? "+" : ""}${fmtNum(b.shap, 3)}`,
              textAnchor: "start",
              dx: 4,
              fill: "currentColor",
            }),
          ],
        }),
        "waterfall-chart",
        () => waterfallAlt(row, base, output, bars),
      );
  return h(
    "div",
    { class: "ans-explain-block" },
    h(
      "label",
      { class: "ans-muted", style: "display:flex;gap:6px;align-items:center;margin-bottom:4px" },
      "Row",
      input,
      rows != null ? `of ${rows} explained rows (0–${Math.max(0, rows - 1)})` : "",
    ),
    chart,
  );
}
