// The Stability panel: how far to trust the final model's score. "Check stability" asks the
// kernel (`{type: "reliability"}`) to refit the final model on other splits (`aml.stability`)
// and at growing shares of the rows (`aml.learning_curve`); the records come back in the
// `reliability` trait. Two charts: a strip plot of each model's score on every split (the
// final model's 95 % interval as a band) and the learning curve (mean ± std over the folds),
// each with its verdict as a sentence.
import { areaY, dot, line, rect, tickX, type PlotOptions } from "@observablehq/plot";
import type { Alt } from "./describe";
import { empty, h, panel, renderFailure, replace } from "./dom";
import { fmtInt, fmtNum, fmtSeconds, plural } from "./format";
import { ACCENT, BACKGROUND, figure, MUTED } from "./plots";
import { getDict, isRecord, send, subscribe, traits } from "./traits";
import type { AnyModel, Reliability } from "./types";

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** Phases in which the run has ended, so its final model can be checked. */
const ENDED = ["finished", "cancelled"];

/** Whether the panel shows: the run ended with a final model. */
export function canCheck(phase: string, hasModel: boolean): boolean {
  return ENDED.includes(phase) && hasModel;
}

// ---- record parsing -------------------------------------------------------------------------

export interface StripRow {
  /** the row's label on the chart (unique: a repeated label gets its trial id) */
  label: string;
  trialId: number | null;
  final: boolean;
  mean: number | null;
}

export interface StripDot {
  label: string;
  split: number; // 1-based
  score: number;
  final: boolean;
}

export interface ParsedStability {
  metric: string;
  greaterIsBetter: boolean;
  mode: string;
  n: number;
  mean: number | null;
  interval: [number, number] | null;
  verdict: string;
  winRate: number | null;
  seconds: number | null;
  rows: StripRow[];
  dots: StripDot[];
}

/** The stability record as the chart draws it; null when it holds no finite score. */
export function parseStability(v: unknown): ParsedStability | null {
  if (!isRecord(v)) return null;
  const models = Array.isArray(v.models) ? v.models.filter(isRecord) : [];
  const rows: StripRow[] = [];
  const dots: StripDot[] = [];
  const seen = new Set<string>();
  models.forEach((m, i) => {
    const trialId = finite(m.trial_id) ? m.trial_id : null;
    let label =
      typeof m.label === "string" && m.label ? m.label : trialId != null ? `trial ${trialId}` : `model ${i + 1}`;
    if (seen.has(label)) label = `${label} (${trialId != null ? `trial ${trialId}` : `#${i + 1}`})`;
    seen.add(label);
    const scores = Array.isArray(m.scores) ? m.scores : [];
    const ok: number[] = [];
    scores.forEach((s, k) => {
      if (finite(s)) {
        ok.push(s);
        dots.push({ label, split: k + 1, score: s, final: i === 0 });
      }
    });
    rows.push({ label, trialId, final: i === 0, mean: ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : null });
  });
  if (!dots.length) return null;
  const iv = Array.isArray(v.interval) ? v.interval : [];
  const interval: [number, number] | null =
    finite(iv[0]) && finite(iv[1]) ? [Math.min(iv[0], iv[1]), Math.max(iv[0], iv[1])] : null;
  return {
    metric: typeof v.metric === "string" && v.metric ? v.metric : "score",
    greaterIsBetter: v.greater_is_better !== false,
    mode: typeof v.mode === "string" ? v.mode : "retrain",
    n: finite(v.n) ? v.n : Math.max(0, ...models.map((m) => (Array.isArray(m.scores) ? m.scores.length : 0))),
    mean: finite(v.mean) ? v.mean : (rows[0]?.mean ?? null),
    interval,
    verdict: typeof v.verdict === "string" ? v.verdict : "",
    winRate: finite(v.win_rate) ? v.win_rate : null,
    seconds: finite(v.seconds) ? v.seconds : null,
    rows,
    dots,
  };
}

export interface CurvePoint {
  n: number; // training rows
  fraction: number | null;
  mean: number;
  std: number | null;
  lo: number; // mean − std (mean when no std)
  hi: number; // mean + std
}

export interface CurveDot {
  n: number;
  score: number;
}

export interface ParsedCurve {
  metric: string;
  greaterIsBetter: boolean;
  verdict: string;
  slope: number | null;
  seconds: number | null;
  points: CurvePoint[];
  dots: CurveDot[];
}

/** The learning-curve record as the chart draws it (points by training rows); null when empty. */
export function parseLearningCurve(v: unknown): ParsedCurve | null {
  if (!isRecord(v)) return null;
  const raw = Array.isArray(v.points) ? v.points.filter(isRecord) : [];
  const points: CurvePoint[] = [];
  const dots: CurveDot[] = [];
  for (const p of raw) {
    if (!finite(p.n_rows) || p.n_rows <= 0) continue;
    const scores = (Array.isArray(p.scores) ? p.scores : []).filter(finite);
    for (const s of scores) dots.push({ n: p.n_rows, score: s });
    const mean = finite(p.mean) ? p.mean : scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null;
    if (mean == null) continue;
    const std = finite(p.std) ? Math.abs(p.std) : null;
    points.push({
      n: p.n_rows,
      fraction: finite(p.fraction) ? p.fraction : null,
      mean,
      std,
      lo: mean - (std ?? 0),
      hi: mean + (std ?? 0),
    });
  }
  if (!points.length) return null;
  points.sort((a, b) => a.n - b.n);
  return {
    metric: typeof v.metric === "string" && v.metric ? v.metric : "score",
    greaterIsBetter: v.greater_is_better !== false,
    verdict: typeof v.verdict === "string" ? v.verdict : "",
    slope: finite(v.slope) ? v.slope : null,
    seconds: finite(v.seconds) ? v.seconds : null,
    points,
    dots,
  };
}

// ---- scales -----------------------------------------------------------------------------------

/** [low, high] covering `values`, padded by `pad` of the span on each side (a zero span gets room). */
export function paddedExtent(values: readonly number[], pad = 0.08): [number, number] {
  const ok = values.filter(finite);
  if (!ok.length) return [0, 1];
  let lo = Math.min(...ok);
  let hi = Math.max(...ok);
  const span = hi - lo || Math.abs(hi) * 0.02 || 1;
  lo -= span * pad;
  hi += span * pad;
  return [lo, hi];
}

/** Whether the training rows read better on a log scale: they grow by a factor of 4 or more. */
export function useLogRows(ns: readonly number[]): boolean {
  const ok = ns.filter((n) => finite(n) && n > 0);
  return ok.length >= 2 && Math.max(...ok) / Math.min(...ok) >= 4;
}

/** The x ticks of the learning curve: the rows of each share, at most one per ~60 px. */
export function rowTicks(ns: readonly number[], width: number): number[] {
  const sorted = [...new Set(ns.filter((n) => finite(n) && n > 0))].sort((a, b) => a - b);
  const room = Math.max(2, Math.floor(width / 60));
  if (sorted.length <= room) return sorted;
  const step = Math.ceil((sorted.length - 1) / (room - 1));
  return sorted.filter((_, i) => i % step === 0 || i === sorted.length - 1);
}

/** "higher is better" / "lower is better". */
export function direction(greaterIsBetter: boolean): string {
  return greaterIsBetter ? "higher is better" : "lower is better";
}

/** The score axis' label: the metric and an arrow pointing the better way. */
export function scoreLabel(metric: string, greaterIsBetter: boolean, horizontal: boolean): string {
  if (horizontal) return greaterIsBetter ? `${metric} → better` : `← better ${metric}`;
  return `${greaterIsBetter ? "↑" : "↓"} ${metric} (${direction(greaterIsBetter)})`;
}

// ---- text alternatives -------------------------------------------------------------------------

/** "roc_auc of 3 models on 5 splits; final model 0.91, 95% interval 0.89 to 0.93, best on 4 of 5". */
export function stabilityAlt(s: ParsedStability): Alt {
  const final = s.rows[0];
  const iv = s.interval ? `, 95% interval ${fmtNum(s.interval[0])} to ${fmtNum(s.interval[1])}` : "";
  const wins = s.winRate != null && s.rows.length > 1 ? `, best on ${fmtNum(100 * s.winRate, 3)}% of the splits` : "";
  const label =
    `${s.metric} of ${plural(s.rows.length, "model")} on ${plural(s.n, "split")}: ` +
    `${/final/i.test(final.label) ? final.label : `final model (${final.label})`} ${fmtNum(s.mean)}${iv}${wins}`;
  const description =
    `${s.metric}, ${direction(s.greaterIsBetter)}. ` +
    s.rows
      .map((r) => {
        const scores = s.dots.filter((d) => d.label === r.label).map((d) => fmtNum(d.score));
        return `${r.label}${r.final ? " (final)" : ""}: ${scores.join(", ")}`;
      })
      .join("; ") +
    ".";
  return { label, description };
}

/** "Learning curve of roc_auc: 0.84 at 120 rows to 0.91 at 1,200 rows". */
export function learningCurveAlt(c: ParsedCurve): Alt {
  const a = c.points[0];
  const b = c.points[c.points.length - 1];
  const label = `Learning curve of ${c.metric}: ${fmtNum(a.mean)} at ${fmtInt(a.n)} rows to ${fmtNum(b.mean)} at ${fmtInt(b.n)} rows`;
  const description =
    `${c.metric}, ${direction(c.greaterIsBetter)}; mean ± std over the folds: ` +
    c.points
      .map((p) => `${fmtInt(p.n)} rows ${fmtNum(p.mean)}${p.std != null ? ` ± ${fmtNum(p.std, 2)}` : ""}`)
      .join(", ") +
    ".";
  return { label, description };
}

// ---- charts ---------------------------------------------------------------------------------

/** The strip plot's Plot options: a row per model (final first), a dot per split, the band. */
export function stripOptions(s: ParsedStability, width: number): PlotOptions {
  const labels = s.rows.map((r) => r.label);
  const [lo, hi] = paddedExtent([...s.dots.map((d) => d.score), ...(s.interval ?? [])]);
  const longest = Math.max(...labels.map((l) => l.length));
  return {
    width,
    height: 46 + 30 * labels.length,
    marginLeft: Math.min(220, 14 + 6 * longest),
    marginRight: 20,
    x: { domain: [lo, hi], label: scoreLabel(s.metric, s.greaterIsBetter, true), grid: true, labelAnchor: "center" },
    y: { domain: labels, label: null, padding: 0.2 },
    marks: [
      s.interval
        ? rect([{ x1: s.interval[0], x2: s.interval[1] }], {
            x1: "x1",
            x2: "x2",
            fill: ACCENT,
            fillOpacity: 0.14,
            title: () => `final model's 95% interval: ${fmtNum(s.interval![0])} … ${fmtNum(s.interval![1])}`,
          })
        : null,
      tickX(
        s.rows.filter((r) => r.mean != null),
        { x: "mean", y: "label", stroke: (r: StripRow) => (r.final ? ACCENT : MUTED), strokeWidth: 2 },
      ),
      dot(s.dots, {
        x: "score",
        y: "label",
        r: 4.5,
        fill: (d: StripDot) => (d.final ? ACCENT : MUTED),
        fillOpacity: 0.7,
        stroke: BACKGROUND,
        strokeWidth: 0.8,
        tip: true,
        title: (d: StripDot) => `${d.label}\nsplit ${d.split}: ${s.metric} ${fmtNum(d.score)}`,
      }),
    ],
  };
}

/** The learning curve's Plot options: ± std band, mean line and points, each fold's score faint. */
export function curveOptions(c: ParsedCurve, width: number): PlotOptions {
  const ns = c.points.map((p) => p.n);
  const log = useLogRows(ns);
  const [ylo, yhi] = paddedExtent([...c.points.flatMap((p) => [p.lo, p.hi]), ...c.dots.map((d) => d.score)]);
  return {
    width,
    height: 240,
    marginLeft: 56,
    marginRight: 20,
    x: {
      type: log ? "log" : "linear",
      label: `training rows${log ? " (log scale)" : ""}`,
      domain: log ? [Math.min(...ns) / 1.15, Math.max(...ns) * 1.15] : undefined,
      nice: !log,
      // a tick at each share's rows (thinned when they would crowd)
      ticks: rowTicks(ns, width),
      tickFormat: (n: number) => fmtInt(n),
      grid: true,
    },
    y: { domain: [ylo, yhi], label: scoreLabel(c.metric, c.greaterIsBetter, false), grid: true },
    marks: [
      areaY(c.points, { x: "n", y1: "lo", y2: "hi", fill: ACCENT, fillOpacity: 0.16 }),
      dot(c.dots, { x: "n", y: "score", r: 2, fill: MUTED, fillOpacity: 0.55 }),
      line(c.points, { x: "n", y: "mean", stroke: ACCENT, strokeWidth: 2 }),
      dot(c.points, {
        x: "n",
        y: "mean",
        r: 4,
        fill: ACCENT,
        stroke: BACKGROUND,
        strokeWidth: 1,
        tip: true,
        title: (p: CurvePoint) =>
          `${fmtInt(p.n)} training rows${p.fraction != null ? ` (${fmtNum(100 * p.fraction, 3)}%)` : ""}\n` +
          `${c.metric} ${fmtNum(p.mean)}${p.std != null ? ` ± ${fmtNum(p.std, 2)}` : ""}`,
      }),
    ],
  };
}

/** The status line's text for the trait, or "" when there is nothing to say. */
export function statusText(r: Reliability, s: ParsedStability | null, c: ParsedCurve | null): string {
  if (r.state === "working") return r.message || "working…";
  if (r.state === "failed") return r.message || "the check failed";
  const done = [
    s
      ? `stability: ${plural(s.n, "split")}${s.mode === "retune" ? " (whole searches)" : ""}${s.seconds != null ? ` in ${fmtSeconds(s.seconds)}` : ""}`
      : "",
    c
      ? `learning curve: ${plural(c.points.length, "share")} of the rows${c.seconds != null ? ` in ${fmtSeconds(c.seconds)}` : ""}`
      : "",
  ].filter(Boolean);
  if (done.length) return `Checked — ${done.join(" · ")}`;
  return (
    "Refits the final model on 5 other splits and on growing shares of the training rows: " +
    "how far its score would move, whether it is really the best, and whether more data would help."
  );
}

// ---- the panel ----------------------------------------------------------------------------------

export function mountStability(model: AnyModel, parent: HTMLElement): () => void {
  const { section, body, aside } = panel("stability", "Stability", "stability");
  section.hidden = true;
  parent.append(section);
  const button = h("button", {
    type: "button",
    class: "ans-btn ans-btn-primary",
    testid: "stability-run",
    title: "aml.stability(n=5), then aml.learning_curve(), in the kernel",
    text: "Check stability",
    onclick: () => send(model, { type: "reliability" }),
  });
  const status = h("div", { class: "ans-stability-status", testid: "stability-status", "aria-live": "polite" });
  const charts = h("div", { class: "ans-stability-charts" });
  replace(
    body,
    h("div", { class: "ans-controls", role: "toolbar", "aria-label": "Stability" }, button, status),
    charts,
  );

  let lastKey = "";
  let measured = 0;
  const render = () => {
    const shown = canCheck(traits.phase(model), Object.keys(traits.best(model)).length > 0);
    section.hidden = !shown;
    if (!shown) return;
    const r = getDict<Reliability>(model, "reliability");
    const s = parseStability(r.stability);
    const c = parseLearningCurve(r.learning_curve);
    const working = r.state === "working";
    button.disabled = working;
    button.textContent = working ? "Checking…" : s || c ? "Check again" : "Check stability";
    status.textContent = statusText(r, s, c);
    status.className = `ans-stability-status ${r.state === "failed" ? "ans-fail" : "ans-hint"}`;
    status.setAttribute("role", r.state === "failed" ? "alert" : "status");
    status.dataset.state = r.state || "idle";
    aside.textContent = s
      ? `final model ${s.metric} ${fmtNum(s.mean, 3)}` +
        (s.interval ? ` (95%: ${fmtNum(s.interval[0], 3)} … ${fmtNum(s.interval[1], 3)})` : "")
      : "";

    measured = Math.floor(charts.clientWidth);
    const width = Math.max(300, measured || 640);
    const key = JSON.stringify([r.stability ?? null, r.learning_curve ?? null, width, working]);
    if (key === lastKey) return;
    lastKey = key;
    if (!s && !c) {
      replace(charts, working ? null : empty("Not checked yet."));
      return;
    }
    const half = width >= 760 ? Math.floor((width - 16) / 2) : width;
    replace(
      charts,
      h(
        "div",
        { class: "ans-stability-part" },
        s
          ? [
              figure(
                `Score on each split (${s.mode === "retune" ? "whole searches" : "refits"})`,
                () => stripOptions(s, half),
                "stability-chart",
                () => stabilityAlt(s),
              ),
              h("p", { class: "ans-stability-legend ans-hint" }, stripLegend(s)),
              h("p", { class: "ans-verdict", testid: "stability-verdict", text: s.verdict }),
            ]
          : empty("Stability not checked yet."),
      ),
      h(
        "div",
        { class: "ans-stability-part" },
        c
          ? [
              figure(
                "Learning curve",
                () => curveOptions(c, half),
                "learning-curve-chart",
                () => learningCurveAlt(c),
              ),
              h(
                "p",
                { class: "ans-stability-legend ans-hint" },
                "line: mean over the folds · band: ± one std · small dots: each fold",
              ),
              h("p", { class: "ans-verdict", testid: "learning-curve-verdict", text: c.verdict }),
            ]
          : empty(working ? "Learning curve: waiting for the stability check." : "Learning curve not measured yet."),
      ),
    );
  };

  const off = subscribe(model, ["phase", "best", "reliability"], render, (e) => renderFailure(charts, e));
  let frame = 0;
  const ro =
    typeof ResizeObserver === "undefined"
      ? null
      : new ResizeObserver((entries) => {
          const w = Math.floor(entries[0]?.contentRect.width ?? 0);
          if (!w || Math.abs(w - measured) < 8) return;
          cancelAnimationFrame(frame);
          frame = requestAnimationFrame(() => {
            try {
              render();
            } catch (e) {
              renderFailure(charts, e);
            }
          });
        });
  ro?.observe(charts);
  return () => {
    off();
    ro?.disconnect();
    cancelAnimationFrame(frame);
    section.remove();
  };
}

/** What the strip plot's marks are, in words under it. */
function stripLegend(s: ParsedStability): string {
  const band = s.interval ? " · band: the final model's 95% interval" : "";
  const wins =
    s.winRate != null && s.rows.length > 1
      ? ` · the final model is best on ${fmtNum(100 * s.winRate, 3)}% of the splits`
      : "";
  return `a dot per split, a tick at each model's mean (final model first, in colour)${band}${wins}`;
}
