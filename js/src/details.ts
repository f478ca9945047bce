// Trial details: learner, parameters, fold scores, timings, and the out-of-fold plots (or,
// for forecasting, the backtest plot and per-window scores).
import { effectiveTask } from "./config";
import { badge, empty, h, panel, renderFailure, replace } from "./dom";
import { backtestLines, fmtTime, hasTimeOfDay, seriesChartOptions, seriesLegend, timePoints } from "./forecast";
import { fmtNum, fmtSeconds, fmtValue, meanStd } from "./format";
import { confusionAlt, prAlt, residualsAlt, rocAlt, scatterAlt, seriesAlt } from "./describe";
import { ACCENT, BACKGROUND, figure, pairs, Plot } from "./plots";
import { tryNextBox, steerable } from "./steering";
import { isRecord, subscribe, traits } from "./traits";
import type {
  AnyModel,
  ClassificationPlots,
  ForecastPlots,
  LeaderboardRow,
  RegressionPlots,
  TrialDetails,
} from "./types";

const W = 250;
const H = 210;

export function mountDetails(model: AnyModel, parent: HTMLElement): () => void {
  const { section, body, aside } = panel("details", "Trial details", "trial-details");
  parent.append(section);

  // config and choices only matter for the task: an edit of another setting redraws nothing;
  // steering only as far as the Try next box goes (an edit of its parameters stays)
  let last: [unknown, boolean, string, string] | null = null;
  const render = () => {
    const d = traits.trialDetails(model);
    const forecasting = isForecastTrial(d, effectiveTask(traits.config(model), traits.choices(model)));
    const target = traits.target(model);
    const steering = traits.steering(model);
    const learner = (steering.learners ?? []).find((l) => l && l.name === d.learner);
    const steerKey = JSON.stringify([steerable(steering), learner?.state ?? null]);
    if (
      last &&
      last[0] === model.get("trial_details") &&
      last[1] === forecasting &&
      last[2] === target &&
      last[3] === steerKey
    )
      return;
    last = [model.get("trial_details"), forecasting, target, steerKey];
    if (!Object.keys(d).length) {
      aside.textContent = "";
      replace(body, empty("Click a leaderboard row to see that trial here."));
      return;
    }
    aside.textContent = d.trial_id != null ? `trial #${d.trial_id}` : "";
    const why = reasonOf(d, traits.leaderboard(model));
    replace(
      body,
      summary(d, forecasting),
      why
        ? h("div", { class: "ans-hint ans-details-reason", testid: "trial-reason", text: `Why tried: ${why}` })
        : null,
      d.error ? h("pre", { class: "ans-error-box", text: d.error }) : null,
      h("div", { class: "ans-details-main" }, facts(d, forecasting), plots(d.plots, target)),
      tryNextBox(model, d, steering),
    );
  };
  // config/choices/target: the task (fold or window labels) and the y axis label
  const off = subscribe(model, ["trial_details", "config", "choices", "target", "steering"], render, (e) =>
    renderFailure(body, e),
  );
  return () => {
    off();
    section.remove();
  };
}

/**
 * Whether the trial's scores are per backtest window: its plots are a forecast's, or the
 * run's task (the chosen or inferred one) is "forecast" — a failed trial has no plots, and a
 * read-only widget has no config, so both are asked.
 */
export function isForecastTrial(d: TrialDetails, task: string): boolean {
  return (isRecord(d.plots) && d.plots.kind === "forecast") || task === "forecast";
}

/** Why the searcher tried this trial: the details' own `reason`, else its leaderboard row's. */
export function reasonOf(d: TrialDetails, rows: LeaderboardRow[]): string {
  const own = (d as { reason?: unknown }).reason;
  if (typeof own === "string" && own) return own;
  if (d.trial_id == null) return "";
  return rows.find((r) => r.trial_id === d.trial_id)?.reason ?? "";
}

/** The label of the i-th (0-based) fold score. */
export function foldLabel(i: number, forecasting: boolean): string {
  return `${forecasting ? "window" : "fold"} ${i + 1}`;
}

function summary(d: TrialDetails, forecasting: boolean): HTMLElement {
  const failed = d.status === "failed" || !!d.error;
  const { mean, std } = meanStd(Array.isArray(d.fold_scores) ? d.fold_scores : []);
  return h(
    "div",
    { class: "ans-details-head" },
    h("b", { class: "ans-details-learner", text: d.learner ?? "?" }),
    d.status ? badge(d.status, failed ? "failed" : "ok") : null,
    mean != null
      ? h("span", {
          class: "ans-muted",
          text: ` mean over ${forecasting ? "backtest windows" : "folds"} ${fmtNum(mean)} ± ${fmtNum(std, 2)}`,
        })
      : null,
  );
}

function kv(rows: [string, string][], cls: string): HTMLElement {
  return h(
    "table",
    { class: `ans-kv ${cls}` },
    h(
      "tbody",
      {},
      rows.map(([k, v]) => h("tr", {}, h("th", { text: k, title: k }), h("td", { text: v, title: v }))),
    ),
  );
}

function facts(d: TrialDetails, forecasting: boolean): HTMLElement {
  const params = isRecord(d.params) ? Object.entries(d.params) : [];
  const metrics = isRecord(d.metrics) ? Object.entries(d.metrics) : [];
  const folds = Array.isArray(d.fold_scores) ? d.fold_scores : [];
  return h(
    "div",
    { class: "ans-details-facts" },
    h("h4", { text: "Parameters" }),
    params.length
      ? kv(
          params.map(([k, v]) => [k, fmtValue(v)]),
          "ans-params",
        )
      : empty("defaults"),
    h(
      "div",
      { class: "ans-details-col" },
      metrics.length || folds.length ? h("h4", { text: "Scores" }) : null,
      metrics.length
        ? kv(
            metrics.map(([k, v]) => [k, fmtNum(v)]),
            "ans-metrics",
          )
        : null,
      folds.length
        ? h(
            "div",
            { class: "ans-folds", testid: "fold-scores" },
            h("span", { class: "ans-muted", text: forecasting ? "backtest windows " : "folds " }),
            folds.map((s, i) =>
              h(
                "span",
                { class: "ans-chip", title: foldLabel(i, forecasting), "data-fold": i + 1 },
                forecasting ? h("span", { class: "ans-muted", text: `${foldLabel(i, true)} ` }) : null,
                fmtNum(s),
              ),
            ),
          )
        : null,
      h("h4", { text: "Timings" }),
      kv(
        [
          ["fit", fmtSeconds(d.fit_seconds)],
          ["predict", fmtSeconds(d.predict_seconds)],
          ["duration", fmtSeconds(d.duration)],
        ],
        "ans-timings",
      ),
    ),
  );
}

function plots(p: TrialDetails["plots"], target: string): HTMLElement | null {
  if (!isRecord(p) || !p.kind) return null;
  const figs =
    p.kind === "classification"
      ? classification(p as unknown as ClassificationPlots)
      : p.kind === "regression"
        ? regression(p as unknown as RegressionPlots)
        : p.kind === "forecast"
          ? forecast(p as unknown as ForecastPlots, target)
          : [];
  return figs.length ? h("div", { class: "ans-plots", testid: "trial-plots" }, figs) : null;
}

function classification(p: ClassificationPlots): HTMLElement[] {
  const out: HTMLElement[] = [];
  const roc = pairs(p.roc?.fpr, p.roc?.tpr);
  if (roc.length) {
    out.push(
      figure(
        `ROC${typeof p.roc?.auc === "number" ? ` · AUC ${fmtNum(p.roc.auc, 3)}` : ""}`,
        () => ({
          width: W,
          height: H,
          x: { domain: [0, 1], label: "false positive rate", ticks: 5 },
          y: { domain: [0, 1], label: "true positive rate", ticks: 5 },
          marks: [
            Plot.line(
              [
                { x: 0, y: 0 },
                { x: 1, y: 1 },
              ],
              { x: "x", y: "y", stroke: "currentColor", strokeOpacity: 0.3, strokeDasharray: "4,3" },
            ),
            Plot.line(roc, { x: "x", y: "y", stroke: ACCENT, strokeWidth: 2 }),
          ],
        }),
        "roc-plot",
        rocAlt(p.roc?.auc, roc.length),
      ),
    );
  }
  const pr = pairs(p.pr?.recall, p.pr?.precision);
  if (pr.length) {
    out.push(
      figure(
        `Precision–recall${typeof p.pr?.ap === "number" ? ` · AP ${fmtNum(p.pr.ap, 3)}` : ""}`,
        () => ({
          width: W,
          height: H,
          x: { domain: [0, 1], label: "recall", ticks: 5 },
          y: { domain: [0, 1], label: "precision", ticks: 5 },
          marks: [Plot.line(pr, { x: "x", y: "y", stroke: ACCENT, strokeWidth: 2 })],
        }),
        "pr-plot",
        prAlt(p.pr?.ap, pr.length),
      ),
    );
  }
  const cm = p.confusion;
  if (cm && Array.isArray(cm.matrix) && cm.matrix.length) {
    const labels = (cm.labels ?? cm.matrix.map((_, i) => i)).map(String);
    const cells: { actual: string; predicted: string; n: number }[] = [];
    cm.matrix.forEach((row, i) =>
      (Array.isArray(row) ? row : []).forEach((n, j) => {
        if (labels[i] != null && labels[j] != null)
          cells.push({ actual: labels[i], predicted: labels[j], n: Number(n) || 0 });
      }),
    );
    const max = Math.max(1, ...cells.map((c) => c.n));
    const side = Math.max(H, Math.min(360, 40 + 34 * labels.length));
    out.push(
      figure(
        "Confusion matrix",
        () => ({
          width: Math.max(W, side + 40),
          height: side,
          marginLeft: 60,
          padding: 0.04,
          x: { domain: labels, label: "predicted", tickFormat: short },
          y: { domain: labels, label: "actual", tickFormat: short },
          // the accent colour, more opaque the more rows: follows the theme (a colour scheme
          // would not); the counts are drawn in the text colour on a halo of the background
          opacity: { type: "linear", domain: [0, max], range: [0.06, 1] },
          marks: [
            Plot.cell(cells, {
              x: "predicted",
              y: "actual",
              fill: ACCENT,
              fillOpacity: "n",
              inset: 0.5,
              tip: true,
            }),
            labels.length <= 12
              ? Plot.text(cells, {
                  x: "predicted",
                  y: "actual",
                  text: (c: { n: number }) => String(c.n),
                  fill: "currentColor",
                  stroke: BACKGROUND,
                  strokeWidth: 3,
                  paintOrder: "stroke",
                })
              : null,
          ],
        }),
        "confusion-plot",
        confusionAlt(labels, cells),
      ),
    );
  }
  return out;
}

function regression(p: RegressionPlots): HTMLElement[] {
  const out: HTMLElement[] = [];
  const sc = pairs(p.scatter?.actual, p.scatter?.predicted);
  if (sc.length) {
    const lo = Math.min(...sc.map((d) => Math.min(d.x, d.y)));
    const hi = Math.max(...sc.map((d) => Math.max(d.x, d.y)));
    out.push(
      figure(
        "Predicted vs actual",
        () => ({
          width: W + 20,
          height: H + 20,
          x: { domain: [lo, hi], label: "actual", ticks: 5, nice: true, tickFormat: ticks([lo, hi]) },
          y: { domain: [lo, hi], label: "predicted", ticks: 5, nice: true, tickFormat: ticks([lo, hi]) },
          marks: [
            Plot.line(
              [
                { x: lo, y: lo },
                { x: hi, y: hi },
              ],
              { x: "x", y: "y", stroke: "currentColor", strokeOpacity: 0.35, strokeDasharray: "4,3" },
            ),
            Plot.dot(sc, { x: "x", y: "y", r: 1.8, fill: ACCENT, fillOpacity: 0.45 }),
          ],
        }),
        "scatter-plot",
        () => scatterAlt(sc),
      ),
    );
  }
  const res = pairs(p.residuals?.predicted, p.residuals?.residual);
  if (res.length) {
    out.push(
      figure(
        "Residuals",
        () => ({
          width: W + 20,
          height: H + 20,
          x: { label: "predicted", ticks: 5, nice: true, tickFormat: ticks(res.map((d) => d.x)) },
          y: { label: "residual (actual − predicted)", ticks: 5, nice: true, tickFormat: ticks(res.map((d) => d.y)) },
          marks: [
            Plot.ruleY([0], { stroke: "currentColor", strokeOpacity: 0.35 }),
            Plot.dot(res, { x: "x", y: "y", r: 1.8, fill: ACCENT, fillOpacity: 0.45 }),
          ],
        }),
        "residuals-plot",
        () => residualsAlt(res),
      ),
    );
  }
  return out;
}

/** History tail, each backtest window's actuals and (dashed) predictions, cutoffs as rules. */
function forecast(p: ForecastPlots, target: string): HTMLElement[] {
  const history = isRecord(p.history) ? timePoints(p.history.t, p.history.y) : [];
  const windows = backtestLines(p.backtest);
  if (!windows.length && !history.some((d) => Number.isFinite(d.y))) return [];
  const chart = { history, windows, forecast: [], yLabel: target || undefined };
  const series = typeof p.series_id === "string" && p.series_id ? ` · series ${p.series_id}` : "";
  const fig = figure(
    `Backtest${series}`,
    () => seriesChartOptions({ ...chart, width: 2 * W + 60, height: H + 30 }),
    "backtest-plot",
    () => {
      const wt = hasTimeOfDay([...history.map((d) => d.t), ...windows.flatMap((w) => w.predicted.map((d) => d.t))]);
      return seriesAlt({
        ...chart,
        when: (t) => fmtTime(t, wt),
        series: typeof p.series_id === "string" && p.series_id ? p.series_id : undefined,
      });
    },
  );
  fig.append(seriesLegend(chart, { actual: true }));
  return [fig];
}

/** Axis ticks for values that may be large (prices): SI-style "200k" instead of "200,000". */
function ticks(values: number[]): string | undefined {
  const max = Math.max(...values.map(Math.abs));
  return max >= 10000 ? "~s" : undefined;
}

function short(label: unknown): string {
  const s = String(label);
  return s.length > 8 ? `${s.slice(0, 7)}…` : s;
}
