// Forecast: the final model's forecast of one series — its recent history, the backtest
// predictions of every rolling-origin window (dashed, with the cutoff as a rule), and the
// forecast after the data with its prediction interval as a band — plus a table of the
// forecast. Several series: a select asks the kernel for another one. See CONTRACT.md,
// "Forecast". The shaping helpers are shared with the details panel's backtest plot.
import { areaY, line, ruleX, type PlotOptions } from "@observablehq/plot";
import { seriesAlt } from "./describe";
import { badge, empty, h, panel, renderFailure, replace, select, setOptions } from "./dom";
import { fmtNum } from "./format";
import { ACCENT, figure } from "./plots";
import { isRecord, send, subscribe, traits } from "./traits";
import type { AnyModel, Forecast, ForecastBacktestWindow } from "./types";

/** Rows of the forecast table before "… N more". */
export const TABLE_ROWS = 48;
/** Backtest windows' colours (the forecast itself uses the accent colour: no blues here). */
export const WINDOW_COLORS = ["#efb118", "#ff725c", "#3ca951", "#a463f2", "#ff8ab7", "#6cc5b0", "#9c6b4e", "#9498a0"];
const HISTORY_COLOR = "currentColor";

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

// ---- pure data shaping (unit-tested) ---------------------------------------------------------

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * An ISO timestamp as a Date on its **wall clock**: "2024-03-01T06:00:00+11:00" is drawn at
 * 06:00 of March 1 (the offset is ignored), and a naive one likewise, whatever the browser's
 * time zone — the axes are UTC, so what is drawn is what the kernel wrote. null when the
 * value is not a parseable string.
 */
export function parseTime(v: unknown): Date | null {
  if (typeof v !== "string") return null;
  const s = v.trim();
  const m = ISO.exec(s);
  if (m) {
    const [, y, mo, d, hh, mi, ss, frac] = m;
    const ms = frac ? Number(frac.slice(0, 3).padEnd(3, "0")) : 0;
    const t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(hh ?? 0), Number(mi ?? 0), Number(ss ?? 0), ms);
    return Number.isFinite(t) ? new Date(t) : null;
  }
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isFinite(t) ? new Date(t) : null;
}

export interface TimePoint {
  t: Date;
  y: number; // NaN where the value is missing: lines break there
}

/** Points (t[i], y[i]) with a parseable time; missing/non-finite values become NaN (a gap). */
export function timePoints(t: unknown, y: unknown): TimePoint[] {
  if (!Array.isArray(t) || !Array.isArray(y)) return [];
  const n = Math.min(t.length, y.length);
  const out: TimePoint[] = [];
  for (let i = 0; i < n; i++) {
    const d = parseTime(t[i]);
    if (d) out.push({ t: d, y: finite(y[i]) ? (y[i] as number) : NaN });
  }
  return out;
}

export interface BacktestLine {
  window: number; // 1-based, as the kernel numbers them
  cutoff: Date | null;
  score: number | null;
  color: string;
  predicted: TimePoint[];
  actual: TimePoint[]; // the trial details' actuals; [] in the forecast trait
}

/** Backtest windows with something to draw, in the kernel's order, each with its colour. */
export function backtestLines(windows: unknown): BacktestLine[] {
  if (!Array.isArray(windows)) return [];
  const out: BacktestLine[] = [];
  windows.forEach((raw, i) => {
    if (!isRecord(raw)) return;
    const w = raw as unknown as ForecastBacktestWindow;
    const predicted = timePoints(w.t, w.y_pred);
    const actual = timePoints(w.t, w.y);
    const cutoff = parseTime(w.cutoff);
    if (!predicted.some((p) => finite(p.y)) && !actual.some((p) => finite(p.y))) return;
    out.push({
      window: finite(w.window) ? w.window : i + 1,
      cutoff,
      score: finite(w.score) ? w.score : null,
      color: WINDOW_COLORS[out.length % WINDOW_COLORS.length],
      predicted,
      actual,
    });
  });
  return out;
}

export interface ForecastPoint {
  t: Date;
  mean: number;
  lower: number;
  upper: number;
}

/** The forecast after the data; a point without a finite lower/upper has no band there. */
export function forecastPoints(f: unknown): ForecastPoint[] {
  if (!isRecord(f) || !Array.isArray(f.t) || !Array.isArray(f.mean)) return [];
  const lower = Array.isArray(f.lower) ? f.lower : [];
  const upper = Array.isArray(f.upper) ? f.upper : [];
  const out: ForecastPoint[] = [];
  f.t.forEach((s, i) => {
    const t = parseTime(s);
    if (!t) return;
    const num = (v: unknown) => (finite(v) ? v : NaN);
    out.push({ t, mean: num((f.mean as unknown[])[i]), lower: num(lower[i]), upper: num(upper[i]) });
  });
  return out;
}

/** The trait has anything to draw: history, a backtest window or a forecast. */
export function hasForecastData(f: Forecast): boolean {
  return (
    timePoints(f.history?.t, f.history?.y).some((p) => finite(p.y)) ||
    backtestLines(f.backtest).length > 0 ||
    forecastPoints(f.forecast).some((p) => finite(p.mean))
  );
}

/** The series ids to offer (strings, de-duplicated), with the shown one included. */
export function seriesOptions(f: Forecast): string[] {
  const ids = Array.isArray(f.series_ids) ? f.series_ids.filter((s) => typeof s === "string" || finite(s)) : [];
  const out = [...new Set(ids.map(String))];
  if (typeof f.series_id === "string" && !out.includes(f.series_id)) out.unshift(f.series_id);
  return out;
}

/** A time for the table: the date alone when every time is midnight, else date and time. */
export function fmtTime(t: Date, withTime: boolean): string {
  const iso = t.toISOString(); // UTC = the kernel's wall clock (see parseTime)
  if (!withTime) return iso.slice(0, 10);
  return iso.slice(11, 19).endsWith(":00")
    ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}`
    : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

export function hasTimeOfDay(ts: readonly Date[]): boolean {
  return ts.some((t) => t.getUTCHours() || t.getUTCMinutes() || t.getUTCSeconds() || t.getUTCMilliseconds());
}

/** Axis tick format for values that may be large (sales): SI-style "200k". */
function yTicks(values: number[]): string | undefined {
  const max = Math.max(0, ...values.filter(finite).map(Math.abs));
  return max >= 10000 ? "~s" : undefined;
}

// ---- charts (shared with the details panel) ---------------------------------------------------

export interface LegendItem {
  label: string;
  color: string;
  kind: "line" | "dashed" | "band" | "rule";
  title?: string;
}

/** A legend of line samples (Plot's own legend draws colour squares, not dashes or bands). */
export function legend(items: LegendItem[], testid?: string): HTMLElement {
  const ns = "http://www.w3.org/2000/svg";
  const sample = (it: LegendItem) => {
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", "22");
    svg.setAttribute("height", "10");
    svg.setAttribute("aria-hidden", "true");
    const el = it.kind === "band" ? document.createElementNS(ns, "rect") : document.createElementNS(ns, "line");
    if (it.kind === "band") {
      for (const [k, v] of Object.entries({
        x: "0",
        y: "1",
        width: "22",
        height: "8",
        fill: it.color,
        "fill-opacity": "0.2",
      }))
        el.setAttribute(k, v);
    } else {
      const vertical = it.kind === "rule";
      const attrs: Record<string, string> = vertical
        ? { x1: "11", x2: "11", y1: "0", y2: "10" }
        : { x1: "0", x2: "22", y1: "5", y2: "5" };
      Object.assign(attrs, { stroke: it.color, "stroke-width": it.kind === "line" ? "2" : "1.6" });
      if (it.kind !== "line") attrs["stroke-dasharray"] = it.kind === "rule" ? "2,2" : "4,3";
      for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    }
    svg.append(el);
    return svg;
  };
  return h(
    "div",
    { class: "ans-legend", testid },
    items.map((it) => h("span", { class: "ans-legend-item", title: it.title ?? it.label }, sample(it), it.label)),
  );
}

export interface SeriesChart {
  history: TimePoint[];
  windows: BacktestLine[];
  forecast: ForecastPoint[];
  yLabel?: string;
  width: number;
  height: number;
}

/** The Plot options of a history + backtest (+ forecast) chart. */
export function seriesChartOptions(c: SeriesChart): PlotOptions {
  const band = c.forecast.filter((p) => finite(p.lower) && finite(p.upper));
  const ys = [
    ...c.history.map((p) => p.y),
    ...c.windows.flatMap((w) => [...w.predicted, ...w.actual].map((p) => p.y)),
    ...c.forecast.flatMap((p) => [p.mean, p.lower, p.upper]),
  ];
  const wt = hasTimeOfDay([
    ...c.history.map((p) => p.t),
    ...c.windows.flatMap((w) => w.predicted.map((p) => p.t)),
    ...c.forecast.map((p) => p.t),
  ]);
  const when = (t: Date) => fmtTime(t, wt);
  return {
    width: c.width,
    height: c.height,
    marginLeft: 52,
    marginRight: 16,
    x: { type: "utc", label: null, ticks: Math.max(3, Math.round(c.width / 110)) },
    y: { label: c.yLabel ?? null, grid: true, nice: true, tickFormat: yTicks(ys) },
    marks: [
      band.length ? areaY(band, { x: "t", y1: "lower", y2: "upper", fill: ACCENT, fillOpacity: 0.18 }) : null,
      ...c.windows.map((w) =>
        w.cutoff ? ruleX([w.cutoff], { stroke: w.color, strokeOpacity: 0.7, strokeDasharray: "2,3" }) : null,
      ),
      c.history.length
        ? line(c.history, {
            x: "t",
            y: "y",
            stroke: HISTORY_COLOR,
            strokeOpacity: 0.75,
            strokeWidth: 1.2,
            tip: true,
            title: (p: TimePoint) => `${when(p.t)}\nactual ${fmtNum(p.y)}`,
          })
        : null,
      ...c.windows.flatMap((w) => [
        w.actual.length
          ? line(w.actual, {
              x: "t",
              y: "y",
              stroke: HISTORY_COLOR,
              strokeOpacity: 0.75,
              strokeWidth: 1.2,
              tip: true,
              title: (p: TimePoint) => `${when(p.t)}\nactual ${fmtNum(p.y)}`,
            })
          : null,
        line(w.predicted, {
          x: "t",
          y: "y",
          stroke: w.color,
          strokeWidth: 1.6,
          strokeDasharray: "4,3",
          tip: true,
          title: (p: TimePoint) => `window ${w.window} · ${when(p.t)}\npredicted ${fmtNum(p.y)}`,
        }),
      ]),
      c.forecast.length
        ? line(c.forecast, {
            x: "t",
            y: "mean",
            stroke: ACCENT,
            strokeWidth: 2,
            tip: true,
            title: (p: ForecastPoint) =>
              `${when(p.t)}\nforecast ${fmtNum(p.mean)}` +
              (finite(p.lower) && finite(p.upper) ? `\ninterval ${fmtNum(p.lower)} … ${fmtNum(p.upper)}` : ""),
          })
        : null,
    ],
  };
}

function windowLabel(w: BacktestLine, metric: string | undefined): string {
  return `window ${w.window}${w.score != null ? ` (${metric ? `${metric} ` : ""}${fmtNum(w.score, 3)})` : ""}`;
}

/** The legend of a series chart: history, each window (and its cutoff), the forecast and its band. */
export function seriesLegend(
  c: Pick<SeriesChart, "history" | "windows" | "forecast">,
  opts: { metric?: string; level?: number | null; actual?: boolean },
  testid?: string,
): HTMLElement {
  const items: LegendItem[] = [];
  if (c.history.length || (opts.actual && c.windows.some((w) => w.actual.length)))
    items.push({ label: opts.actual ? "actual" : "history", color: HISTORY_COLOR, kind: "line" });
  for (const w of c.windows)
    items.push({
      label: windowLabel(w, opts.metric),
      color: w.color,
      kind: "dashed",
      title: `backtest window ${w.window}: predictions from the cutoff${w.cutoff ? ` ${w.cutoff.toISOString().slice(0, 10)}` : ""} (dotted rule)`,
    });
  if (c.forecast.length) items.push({ label: "forecast", color: ACCENT, kind: "line" });
  if (c.forecast.some((p) => finite(p.lower) && finite(p.upper)))
    items.push({
      label: finite(opts.level) ? `${fmtNum(opts.level, 3)}% interval` : "interval",
      color: ACCENT,
      kind: "band",
    });
  return legend(items, testid);
}

// ---- the panel -----------------------------------------------------------------------------

export function mountForecast(model: AnyModel, parent: HTMLElement): () => void {
  const { section, body, aside } = panel("forecast", "Forecast", "forecast");
  section.hidden = true;
  parent.append(section);

  // The title and the series select live outside the re-rendered content so the select keeps
  // focus; `pending` is the series asked for until the kernel answers with it.
  let pending: string | null = null;
  const title = h("div", { class: "ans-forecast-title", testid: "forecast-title" });
  const seriesSelect = select([], "", {
    class: "ans-input",
    testid: "forecast-series-select",
    "aria-label": "Series",
    onchange: () => {
      pending = seriesSelect.value;
      send(model, { type: "forecast_series", series_id: seriesSelect.value });
    },
  });
  const seriesLabel = h(
    "label",
    { class: "ans-forecast-series" },
    h("span", { class: "ans-muted", text: "Series" }),
    seriesSelect,
  );
  const status = h("span", { class: "ans-forecast-status" });
  const bar = h("div", { class: "ans-forecast-bar" }, title, status); // + seriesLabel with > 1 series
  const content = h("div", { class: "ans-forecast-content" });
  replace(body, bar, content);

  let lastWidth = 0;
  const render = () => {
    const f = traits.forecast(model);
    if (!Object.keys(f).length) {
      section.hidden = true;
      aside.textContent = "";
      replace(content);
      pending = null;
      return;
    }
    section.hidden = false;
    const computing = f.computing === true;
    const shown = typeof f.series_id === "string" ? f.series_id : "";
    if (pending != null && (pending === shown || !computing)) pending = null;

    // title: the model and its backtest score on the shown series (the mean over the windows)
    const windows = backtestLines(f.backtest);
    const scores = windows.map((w) => w.score).filter(finite);
    const metric = typeof f.metric === "string" ? f.metric : "";
    const mean = scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null;
    const ids = seriesOptions(f);
    const where = ids.length > 1 && shown ? ` on ${shown}` : "";
    const nWindows = `${windows.length} backtest window${windows.length === 1 ? "" : "s"}`;
    replace(
      title,
      h("b", { text: typeof f.model === "string" && f.model ? f.model : "final model" }),
      metric
        ? h("span", {
            class: "ans-muted",
            text:
              mean != null
                ? ` · ${metric} ${fmtNum(mean)}${where} (mean of ${nWindows})`
                : ` · ${metric}${windows.length ? `, ${nWindows}` : ""}`,
          })
        : null,
    );
    const parts: string[] = [];
    if (finite(f.horizon)) parts.push(`horizon ${f.horizon}`);
    if (finite(f.level)) parts.push(`${fmtNum(f.level, 3)}% interval`);
    aside.textContent = parts.join(" · ");

    // series select: only with more than one series
    if (ids.length > 1 && seriesLabel.parentNode !== bar) title.after(seriesLabel);
    else if (ids.length <= 1) seriesLabel.remove();
    setOptions(
      seriesSelect,
      ids.map((id) => [id, id === "" ? "(single series)" : id]),
      pending ?? shown,
    );
    replace(status, computing ? badge("computing", "guard-fixed") : null);

    // chart + table
    const history = timePoints(f.history?.t, f.history?.y);
    const fc = forecastPoints(f.forecast);
    const note =
      typeof f.note === "string" && f.note
        ? h("div", { class: "ans-muted ans-forecast-note", testid: "forecast-note", text: f.note })
        : null;
    if (!hasForecastData(f)) {
      replace(content, note, empty(computing ? "Computing the forecast…" : "No forecast to show."));
      return;
    }
    // the measured width (0 while not laid out: redrawn once it is, see the observer below)
    lastWidth = Math.floor(content.clientWidth || body.clientWidth);
    const width = Math.max(320, lastWidth || 760);
    const target = traits.target(model);
    const chart = { history, windows, forecast: fc, yLabel: target || undefined };
    replace(
      content,
      note,
      seriesLegend(chart, { metric, level: finite(f.level) ? f.level : null }, "forecast-legend"),
      figure(
        "",
        () => seriesChartOptions({ ...chart, width, height: 280 }),
        "forecast-chart",
        () => {
          const wt = hasTimeOfDay([...history.map((p) => p.t), ...fc.map((p) => p.t)]);
          return seriesAlt({
            ...chart,
            when: (t) => fmtTime(t, wt),
            series: shown || undefined,
            metric,
            level: finite(f.level) ? f.level : null,
          });
        },
      ),
      fc.length ? forecastTable(fc, f.level) : null,
    );
  };

  // error: a refused series request leaves the trait as it was; the select goes back to it
  const off = subscribe(model, ["forecast", "target", "error"], render, (e) => renderFailure(content, e));
  // Redraw at the new width when the cell resizes (coalesced to one frame), like chart.ts.
  let frame = 0;
  const ro =
    typeof ResizeObserver === "undefined"
      ? null
      : new ResizeObserver((entries) => {
          const w = Math.floor(entries[0]?.contentRect.width ?? 0);
          if (!w || section.hidden || Math.abs(w - lastWidth) < 8) return;
          cancelAnimationFrame(frame);
          frame = requestAnimationFrame(() => {
            try {
              render();
            } catch (e) {
              renderFailure(content, e);
            }
          });
        });
  ro?.observe(content);
  return () => {
    off();
    ro?.disconnect();
    cancelAnimationFrame(frame);
    section.remove();
  };
}

function forecastTable(points: ForecastPoint[], level: unknown): HTMLElement {
  const withTime = hasTimeOfDay(points.map((p) => p.t));
  const shown = points.slice(0, TABLE_ROWS);
  const more = points.length - shown.length;
  const interval = finite(level) ? ` (${fmtNum(level, 3)}% interval)` : "";
  return h(
    "div",
    { class: "ans-scroll-y ans-forecast-table-wrap" },
    h(
      "table",
      { class: "ans-table ans-forecast-table", testid: "forecast-table" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { text: "time" }),
          h("th", { class: "ans-num", text: "forecast" }),
          h("th", { class: "ans-num", text: "lower", title: `lower bound${interval}` }),
          h("th", { class: "ans-num", text: "upper", title: `upper bound${interval}` }),
        ),
      ),
      h(
        "tbody",
        {},
        shown.map((p) =>
          h(
            "tr",
            {},
            h("td", { text: fmtTime(p.t, withTime) }),
            h("td", { class: "ans-num", text: fmtNum(p.mean) }),
            h("td", { class: "ans-num ans-muted", text: fmtNum(p.lower) }),
            h("td", { class: "ans-num ans-muted", text: fmtNum(p.upper) }),
          ),
        ),
        more > 0
          ? h("tr", { class: "ans-more" }, h("td", { colspan: 4, class: "ans-muted", text: `… ${more} more` }))
          : null,
      ),
    ),
  );
}
