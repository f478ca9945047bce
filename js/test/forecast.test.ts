// @vitest-environment happy-dom
// Forecasting: the forecast panel's data shaping, the panel itself, the forecasting fields of
// the config panel, and the details panel's backtest plot — rendered with the dev harness's
// fake model and its "forecast" state (three stores' monthly sales).
import { describe, expect, it } from "vitest";
import {
  autoPlaceholder,
  parseFrequency,
  parseHolidays,
  parseInteger,
  parseSeasonLength,
  seriesIdOptions,
  timeColumnOptions,
  withTask,
} from "../src/config";
import { foldLabel, isForecastTrial } from "../src/details";
import {
  backtestLines,
  fmtTime,
  forecastPoints,
  hasForecastData,
  hasTimeOfDay,
  parseTime,
  seriesOptions,
  TABLE_ROWS,
  timePoints,
  WINDOW_COLORS,
} from "../src/forecast";
import type { Choices } from "../src/types";
import { STATES, mount, salesForecast, tick, unmountAll } from "./mount";
const iso = (d: Date | null) => d?.toISOString();

// ---- pure helpers ------------------------------------------------------------------------

describe("forecast helpers", () => {
  it("parses ISO times on their wall clock, whatever the offset", () => {
    expect(iso(parseTime("2024-03-01"))).toBe("2024-03-01T00:00:00.000Z");
    expect(iso(parseTime("2024-03-01T06:30:00"))).toBe("2024-03-01T06:30:00.000Z");
    expect(iso(parseTime("2024-03-01 06:30"))).toBe("2024-03-01T06:30:00.000Z");
    expect(iso(parseTime("2024-03-01T06:30:00+11:00"))).toBe("2024-03-01T06:30:00.000Z");
    expect(iso(parseTime("2024-03-01T06:30:00Z"))).toBe("2024-03-01T06:30:00.000Z");
    expect(iso(parseTime("2024-03-01T06:30:00.123456789"))).toBe("2024-03-01T06:30:00.123Z");
    for (const bad of ["", "soon", null, undefined, 1700000000, {}, []]) expect(parseTime(bad)).toBeNull();
  });

  it("pairs times and values, breaking lines at missing values", () => {
    const pts = timePoints(["2024-01-01", "bad", "2024-03-01", "2024-04-01"], [1, 2, null, 4, 5]);
    expect(pts.map((p) => p.y)).toEqual([1, NaN, 4]);
    expect(timePoints("x", [1])).toEqual([]);
    expect(timePoints(["2024-01-01"], undefined)).toEqual([]);
  });

  it("keeps drawable backtest windows, each with its own colour", () => {
    const w = (window: unknown, y_pred: unknown) => ({ window, cutoff: "2023-12-01", t: ["2024-01-01"], y_pred });
    const lines = backtestLines([w(1, [3]), null, "x", w(2, [null]), w("3", [5]), w(4, [6])]);
    expect(lines.map((l) => l.window)).toEqual([1, 5, 4]); // a non-numeric window: its position
    expect(new Set(lines.map((l) => l.color)).size).toBe(3);
    expect(lines[0].color).toBe(WINDOW_COLORS[0]);
    expect(iso(lines[0].cutoff)).toBe("2023-12-01T00:00:00.000Z");
    expect(lines[0].score).toBeNull();
    expect(backtestLines({})).toEqual([]);
  });

  it("reads the forecast and its interval", () => {
    const pts = forecastPoints({ t: ["2025-01-01", "2025-02-01"], mean: [10, 11], lower: [8], upper: "x" });
    expect(pts).toHaveLength(2);
    expect(pts[0]).toMatchObject({ mean: 10, lower: 8 });
    expect(pts[0].upper).toBeNaN();
    expect(forecastPoints({ t: 3, mean: [] })).toEqual([]);
    expect(forecastPoints(null)).toEqual([]);
  });

  it("knows when there is something to draw and which series to offer", () => {
    expect(hasForecastData(salesForecast())).toBe(true);
    expect(hasForecastData({})).toBe(false);
    expect(hasForecastData({ computing: true, history: { t: ["2024-01-01"], y: [null] } })).toBe(false);
    expect(seriesOptions({ series_ids: ["a", "b", "a", 3 as never, null as never], series_id: "z" })).toEqual([
      "z",
      "a",
      "b",
      "3",
    ]);
    expect(seriesOptions({ series_ids: "x" as never })).toEqual([]);
  });

  it("formats times for the table", () => {
    const d = parseTime("2025-01-01")!;
    const h = parseTime("2025-01-01T13:30")!;
    expect(hasTimeOfDay([d])).toBe(false);
    expect(hasTimeOfDay([d, h])).toBe(true);
    expect(fmtTime(d, false)).toBe("2025-01-01");
    expect(fmtTime(h, true)).toBe("2025-01-01 13:30");
    expect(fmtTime(parseTime("2025-01-01T13:30:15")!, true)).toBe("2025-01-01 13:30:15");
  });

  it("parses the forecasting inputs", () => {
    expect(parseInteger("12", true)).toBe(12);
    expect(parseInteger(" ", true)).toBeNull();
    expect(parseInteger("", false)).toBeUndefined();
    expect(parseInteger("2.5", true)).toBeUndefined();
    expect(parseInteger("0", true)).toBe(0); // the kernel says why 0 is wrong
    expect(parseSeasonLength("Auto")).toBe("auto");
    expect(parseSeasonLength("")).toBe("auto");
    expect(parseSeasonLength("7")).toBe(7);
    expect(parseSeasonLength("weekly")).toBeUndefined();
    expect(parseFrequency(" MS ")).toBe("MS");
    expect(parseFrequency("")).toBe("auto");
    expect(parseFrequency("AUTO")).toBe("auto");
    expect(parseHolidays(" AU-VIC ")).toBe("AU-VIC");
    expect(parseHolidays("")).toBeNull();
    expect(autoPlaceholder(12)).toBe("auto (12)");
    expect(autoPlaceholder(null)).toBe("auto");
  });

  it("offers time columns and series ids", () => {
    const choices: Choices = { time_columns: ["month", "opened"] };
    expect(timeColumnOptions({ time_column: "month" }, choices).map((o) => o[0])).toEqual(["month", "opened"]);
    expect(timeColumnOptions({ time_column: null }, choices).map((o) => o[0])).toEqual(["", "month", "opened"]);
    expect(timeColumnOptions({ time_column: "date" }, {}).map((o) => o[0])).toEqual(["date"]);
    expect(timeColumnOptions({}, { time_columns: [] })).toEqual([["", "— no datetime column —"]]);
    const cols = ["month", "store", "promo", "sales"];
    expect(seriesIdOptions({ time_column: "month" }, cols, "sales")).toEqual([
      ["", "(single series)"],
      ["store", "store"],
      ["promo", "promo"],
    ]);
    expect(seriesIdOptions({ series_id: "gone" }, [], "").map((o) => o[0])).toEqual(["", "gone"]);
  });

  it("picks a time column when the task becomes forecast", () => {
    const choices: Choices = { metrics: { forecast: ["mase"], binary: ["roc_auc"] }, time_columns: ["month"] };
    expect(withTask({ task: "binary", metric: "roc_auc", time_column: null }, choices, "forecast")).toEqual({
      task: "forecast",
      metric: "auto",
      time_column: "month",
    });
    expect(withTask({ task: "binary", time_column: "day" }, choices, "forecast").time_column).toBe("day");
    expect(withTask({ task: "binary", time_column: null }, {}, "forecast").time_column).toBeNull();
  });

  it("resets the forecasting keys when the task is no longer forecast", () => {
    const forecasting = {
      task: "forecast",
      metric: "mase",
      time_column: "month",
      horizon: 12,
      series_id: "store",
      frequency: "MS",
      season_length: 12,
      country_holidays: "US",
      n_windows: 3,
    };
    expect(withTask(forecasting, { metrics: { regression: ["rmse"] } }, "regression")).toEqual({
      task: "regression",
      metric: "auto",
      time_column: null,
      horizon: null,
      series_id: null,
      frequency: "auto",
      season_length: "auto",
      country_holidays: null,
      n_windows: null,
    });
    // a config without the forecasting keys (an older kernel) does not get them
    expect(withTask({ task: "binary", metric: "auto" }, {}, "regression")).toEqual({
      task: "regression",
      metric: "auto",
    });
  });

  it("labels backtest windows", () => {
    expect(isForecastTrial({ plots: { kind: "forecast" } }, "")).toBe(true);
    expect(isForecastTrial({ plots: {} }, "forecast")).toBe(true);
    expect(isForecastTrial({ plots: { kind: "regression" } }, "regression")).toBe(false);
    expect(foldLabel(0, true)).toBe("window 1");
    expect(foldLabel(2, false)).toBe("fold 3");
  });
});

// ---- the widget --------------------------------------------------------------------------

/** Elements of the Observable Plot chart (not of the legend's samples) with this dash pattern. */
const dashed = (root: Element, dash: string) =>
  [...root.querySelectorAll('svg[class^="plot"] [stroke-dasharray]')].filter(
    (e) => e.getAttribute("stroke-dasharray") === dash,
  );

describe("forecast panel", () => {
  it("draws history, three backtest windows, the forecast and its band", () => {
    const { el, q, one } = mount("forecast");
    const panel = one("forecast");
    expect(panel.hidden).toBe(false);
    expect(el.querySelectorAll(".ans-fail").length).toBe(0);
    expect(q("forecast-title")[0].textContent).toContain("ensemble of ets (trial 2) and lightgbm");
    expect(q("forecast-title")[0].textContent).toContain("mase");
    expect(q("forecast-title")[0].textContent).toMatch(/mase [\d.]+ on store A \(mean of 3 backtest windows\)$/);
    expect(panel.querySelector(".ans-panel-aside")!.textContent).toBe("horizon 12 · 80% interval");

    const chart = q("forecast-chart", panel)[0];
    expect(chart.querySelectorAll("svg").length).toBe(1);
    // one dashed line per window (its predictions) and one dotted rule per cutoff
    const windows = dashed(chart, "4,3");
    expect(windows.length).toBe(3);
    expect(new Set(windows.map((e) => e.getAttribute("stroke"))).size).toBe(3);
    expect(dashed(chart, "2,3").length).toBe(3);
    expect(chart.querySelector('svg [aria-label="area"] path')).not.toBeNull(); // the interval band
    expect(chart.querySelectorAll('svg [aria-label="line"] path').length).toBe(5); // history + 3 windows + forecast
    const x = [...chart.querySelectorAll('[aria-label="x-axis tick label"] text')].map((t) => t.textContent);
    expect(x).toContain("2020"); // a time axis

    const legend = q("forecast-legend", panel)[0].textContent!;
    for (const label of ["history", "window 1 (mase", "window 3", "forecast", "80% interval"])
      expect(legend).toContain(label);

    const rows = q("forecast-table", panel)[0].querySelectorAll("tbody tr");
    expect(rows.length).toBe(12);
    expect(rows[0].textContent).toMatch(/^2025-01-01/);
    const select = q("forecast-series-select", panel)[0] as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual(["store A", "store B", "store C"]);
    expect(select.value).toBe("store A");
  });

  it("caps the table at 48 rows", () => {
    const f = salesForecast();
    const n = 60;
    const t = Array.from({ length: n }, (_, i) => new Date(Date.UTC(2025, 0, 1 + i)).toISOString().slice(0, 10));
    const { one } = mount("forecast", {
      forecast: { ...f, forecast: { t, mean: t.map((_, i) => i), lower: t.map(() => null), upper: [] } },
    });
    const rows = one("forecast-table").querySelectorAll("tbody tr");
    expect(rows.length).toBe(TABLE_ROWS + 1);
    expect(rows[TABLE_ROWS].textContent).toBe(`… ${n - TABLE_ROWS} more`);
    expect(rows[0].textContent).toContain("—"); // no interval
    expect(one("forecast-legend").textContent).not.toContain("interval");
  });

  it("is hidden for {} and renders nothing rather than crash for broken traits", async () => {
    for (const forecast of [{}, undefined, null, "nonsense", [], 3]) {
      const { el, one } = mount("forecast", { forecast });
      expect(one("forecast").hidden, JSON.stringify(forecast)).toBe(true);
      expect(el.querySelectorAll(".ans-fail").length).toBe(0);
      unmountAll();
    }
    const broken = [
      { history: 5, backtest: "x", forecast: { t: 3 } },
      { series_ids: "x", series_id: 5, level: "x", horizon: null, model: 3, metric: [] },
      { history: { t: ["garbage", null], y: [1, 2] }, backtest: [null, { window: 1, t: "x", y_pred: [1] }] },
      { forecast: { t: ["2025-01-01"], mean: ["x"], lower: [1], upper: [2] }, series_ids: [null, {}] },
    ];
    for (const forecast of broken) {
      const { el, q, one } = mount("forecast", { forecast });
      expect(one("forecast").hidden).toBe(false);
      expect(el.querySelectorAll(".ans-fail").length, JSON.stringify(forecast)).toBe(0);
      expect(q("forecast-chart").length).toBe(0);
      expect(one("forecast").textContent).toContain("No forecast to show.");
      unmountAll();
    }
    const { model, one, q } = mount("forecast", { forecast: { computing: true } });
    expect(one("forecast").textContent).toContain("Computing the forecast");
    model.set("forecast", salesForecast());
    await tick();
    expect(q("forecast-chart").length).toBe(1);
    model.set("forecast", {});
    await tick();
    expect(one("forecast").hidden).toBe(true);
  });

  it("shows the kernel's note", () => {
    const f = salesForecast();
    const { one } = mount("forecast", {
      forecast: { ...f, forecast: { t: [], mean: [], lower: [], upper: [] }, note: "the final model failed to refit" },
    });
    expect(one("forecast-note").textContent).toBe("the final model failed to refit");
    expect(one("forecast-chart")).toBeTruthy(); // history and backtest are still drawn
    expect(one("forecast").querySelectorAll('[data-testid="forecast-table"]').length).toBe(0);
  });

  it("shows the series select only with more than one series", () => {
    const f = salesForecast();
    const { q, one } = mount("forecast", { forecast: { ...f, series_ids: [""], series_id: "" } });
    expect(q("forecast-series-select").length).toBe(0);
    expect(q("forecast-chart").length).toBe(1);
    expect(one("forecast").textContent).not.toContain("(single series)");
  });

  it("asks the kernel for another series and keeps the choice while it computes", async () => {
    const { model, one } = mount("forecast");
    const select = one<HTMLSelectElement>("forecast-series-select");
    // the kernel first answers with the old series, computing
    const fakeSend = model.send.bind(model);
    model.send = (msg: { type: string }) => {
      if (msg.type !== "forecast_series") return fakeSend(msg);
      model.sent.push(msg);
      model.set("forecast", { ...model.get("forecast"), computing: true });
    };
    select.value = "store B";
    select.dispatchEvent(new Event("change"));
    expect(model.sent).toContainEqual({ type: "forecast_series", series_id: "store B" });
    await tick();
    expect(one<HTMLSelectElement>("forecast-series-select").value).toBe("store B");
    expect(one("forecast").textContent).toContain("computing");
    // then with the new one
    model.set("forecast", salesForecast("store B"));
    await tick();
    expect(one<HTMLSelectElement>("forecast-series-select").value).toBe("store B");
    expect(one("forecast").textContent).not.toContain("computing");
  });

  it("goes back to the shown series when the kernel refuses the request", async () => {
    const { model, one } = mount("forecast");
    model.send = (msg: unknown) => model.sent.push(msg); // a kernel that does not answer…
    const select = one<HTMLSelectElement>("forecast-series-select");
    select.value = "store C";
    select.dispatchEvent(new Event("change"));
    model.set("error", "unknown series 'store C'"); // …but says why
    await tick();
    expect(one<HTMLSelectElement>("forecast-series-select").value).toBe("store A");
  });

  it("switches series through the fake kernel, and shows in the read-only widget", async () => {
    const { model, one } = mount("forecast", { read_only: true });
    const select = one<HTMLSelectElement>("forecast-series-select");
    select.value = "store C";
    select.dispatchEvent(new Event("change"));
    await tick();
    expect(model.get("forecast").series_id).toBe("store C");
    expect(one<HTMLSelectElement>("forecast-series-select").value).toBe("store C");
    expect(one("forecast-chart")).toBeTruthy();
  });
});

describe("forecast config", () => {
  const FIELDS = [
    "time-column-select",
    "horizon-input",
    "series-id-select",
    "frequency-input",
    "season-length-input",
    "holidays-input",
    "windows-input",
  ];

  it("shows the forecasting fields only for task forecast", async () => {
    const { model, q } = mount("forecast");
    for (const id of FIELDS) expect(q(id).length, id).toBe(1);
    expect(q("validation-select").length).toBe(0);
    expect(q("folds-input").length).toBe(0);
    expect(q("budget-input").length).toBe(1);

    const learners = [...q("learners")[0].querySelectorAll<HTMLElement>("[data-learner]")].map(
      (e) => e.dataset.learner,
    );
    expect(learners).toEqual(["seasonal_naive", "ets", "theta", "lightgbm"]);

    model.set("config", { ...model.get("config"), task: "regression" });
    await tick();
    for (const id of FIELDS) expect(q(id).length, id).toBe(0);
    expect(q("validation-select").length).toBe(1);
    expect(q("folds-input").length).toBe(1);

    const { q: qb } = mount("binary");
    for (const id of FIELDS) expect(qb(id).length, id).toBe(0);
  });

  it("shows the config's values, the kernel's guesses and the right series columns", () => {
    const { one, el } = mount("forecast", { config: { ...STATES.forecast().state.config, n_windows: null } });
    expect(one<HTMLSelectElement>("time-column-select").value).toBe("month");
    expect(one<HTMLInputElement>("horizon-input").value).toBe("12");
    expect(one<HTMLInputElement>("horizon-input").placeholder).toBe("auto (12)");
    expect(one<HTMLInputElement>("windows-input").value).toBe("");
    expect(one<HTMLInputElement>("windows-input").placeholder).toBe("auto (3)");
    expect(one<HTMLInputElement>("frequency-input").value).toBe("auto");
    expect(one<HTMLInputElement>("season-length-input").value).toBe("auto");
    expect(one<HTMLInputElement>("holidays-input").value).toBe("US");
    expect(one("forecast-defaults").textContent).toBe("Detected: frequency MS · season 12 · horizon 12 · 3 windows");
    const series = one<HTMLSelectElement>("series-id-select");
    expect([...series.options].map((o) => o.textContent)).toEqual(["(single series)", "store", "promo"]);
    expect(series.value).toBe("store");
    // the time column and the series id are not offered as columns to drop
    const drop = [...el.querySelectorAll<HTMLElement>("[data-testid=drop-columns] label")];
    expect(drop.filter((l) => !l.hidden).map((l) => l.textContent)).toEqual(["promo"]);
  });

  it("writes the full config from every forecasting input", async () => {
    const { model, one } = mount("forecast");
    const before = { ...model.get("config") };
    const edit = (id: string, value: string) => {
      const el = one<HTMLInputElement | HTMLSelectElement>(id);
      el.value = value;
      el.dispatchEvent(new Event("change"));
    };
    edit("horizon-input", "24");
    expect(model.get("config")).toEqual({ ...before, horizon: 24 });
    edit("windows-input", "5");
    edit("frequency-input", " W ");
    edit("season-length-input", "52");
    edit("holidays-input", "AU-VIC");
    edit("series-id-select", "");
    expect(model.get("config")).toEqual({
      ...before,
      horizon: 24,
      n_windows: 5,
      frequency: "W",
      season_length: 52,
      country_holidays: "AU-VIC",
      series_id: null,
    });
    const saves = model.saves;
    edit("horizon-input", "2.5"); // not an integer: rejected, the value is restored
    expect(model.saves).toBe(saves);
    expect(one<HTMLInputElement>("horizon-input").value).toBe("24");
    edit("season-length-input", "weekly");
    expect(one<HTMLInputElement>("season-length-input").value).toBe("52");
    edit("windows-input", "");
    edit("holidays-input", "");
    edit("frequency-input", "");
    edit("season-length-input", "auto");
    expect(model.get("config")).toMatchObject({
      n_windows: null,
      country_holidays: null,
      frequency: "auto",
      season_length: "auto",
    });
    model.set("choices", { ...model.get("choices"), time_columns: ["month", "opened"] });
    model.set("config", { ...model.get("config"), drop_columns: ["opened", "promo"] });
    await tick();
    edit("time-column-select", "opened");
    expect(model.get("config").time_column).toBe("opened");
    expect(model.get("config").drop_columns).toEqual(["promo"]); // the time column is not dropped
    await tick();
    // the series select now offers the old time column
    expect([...one<HTMLSelectElement>("series-id-select").options].map((o) => o.value)).toContain("month");
  });

  it("switches to forecast with the first time column", async () => {
    const { model, one, q } = mount("configuring", {
      choices: { ...STATES.forecast().state.choices, inferred_task: "binary" },
      config_errors: {},
    });
    expect(q("horizon-input").length).toBe(0);
    const task = one<HTMLSelectElement>("task-select");
    task.value = "forecast";
    task.dispatchEvent(new Event("change"));
    expect(model.get("config")).toMatchObject({ task: "forecast", metric: "auto", time_column: "month" });
    await tick();
    expect(q("horizon-input").length).toBe(1);
    expect(one<HTMLSelectElement>("metric-select").value).toBe("mase");
  });

  it("shows each forecasting error under its input", async () => {
    const { model, q, one } = mount("forecast");
    model.set("config_errors", {
      horizon: "horizon must be a whole number of steps ≥ 1, got 0",
      n_windows: "the series are too short for 9 backtest windows of 12",
      country_holidays: "unknown country 'XX'",
    });
    await tick();
    const errors = [...q("config-error")];
    expect(errors.map((e) => e.dataset.field).sort()).toEqual(["country_holidays", "horizon", "n_windows"]);
    const horizon = errors.find((e) => e.dataset.field === "horizon")!;
    expect(horizon.textContent).toContain("got 0");
    expect(horizon.closest(".ans-field")!.contains(one("horizon-input"))).toBe(true);
    expect(horizon.closest(".ans-field")!.classList.contains("ans-invalid")).toBe(true);
    // for another task the fields are gone, and their errors are listed at the top instead
    model.set("config", { ...model.get("config"), task: "regression" });
    await tick();
    const general = [...q("config-error")];
    expect(general.map((e) => e.dataset.field).sort()).toEqual(["country_holidays", "horizon", "n_windows"]);
    expect(general[0].closest(".ans-field")).toBeNull();
  });
});

describe("forecast trial details", () => {
  it("draws the backtest plot and labels the scores by window", () => {
    const { one } = mount("forecast");
    const details = one("trial-details");
    const plot = details.querySelector<HTMLElement>('[data-testid="backtest-plot"]')!;
    expect(plot).not.toBeNull();
    expect(plot.textContent).toContain("Backtest · series store A");
    expect(dashed(plot, "4,3").length).toBe(3);
    expect(dashed(plot, "2,3").length).toBe(3);
    // history tail + the actuals of 3 windows + 3 windows' predictions
    expect(plot.querySelectorAll('svg [aria-label="line"] path').length).toBe(7);
    expect(plot.textContent).toContain("actual");
    const folds = details.querySelector<HTMLElement>('[data-testid="fold-scores"]')!;
    expect(folds.textContent).toContain("backtest windows");
    expect(folds.textContent).toContain("window 1 0.86");
    expect([...folds.querySelectorAll<HTMLElement>(".ans-chip")].map((c) => c.title)).toEqual([
      "window 1",
      "window 2",
      "window 3",
    ]);
    expect(details.textContent).toContain("mean over backtest windows");
  });

  it("labels windows in the read-only widget (no config) and folds for other tasks", async () => {
    const { model, one } = mount("forecast", { read_only: true, config: {}, choices: {} });
    expect(one("fold-scores").textContent).toContain("window 3");
    model.set("trial_details", { ...model.get("trial_details"), plots: {} });
    await tick();
    expect(one("fold-scores").textContent).not.toContain("window"); // no task, no forecast plots
    const { q } = mount("regression");
    const chips = [...q("fold-scores")[0].querySelectorAll<HTMLElement>(".ans-chip")];
    expect(chips[0].title).toBe("fold 1");
  });

  it("survives broken forecast plots", async () => {
    const { model, el, q } = mount("forecast");
    for (const plots of [
      { kind: "forecast" },
      { kind: "forecast", history: 3, backtest: [null, { window: 1, t: "x" }] },
      { kind: "forecast", history: { t: ["2024-01-01"], y: ["x"] }, backtest: {} },
      { kind: "forecast", history: "x", backtest: [{ window: 1, t: ["2024-01-01"], y: "x", y_pred: [null] }] },
    ]) {
      model.set("trial_details", { ...model.get("trial_details"), plots });
      await tick();
      expect(el.querySelectorAll(".ans-fail").length, JSON.stringify(plots)).toBe(0);
      expect(q("backtest-plot").length).toBe(0);
      expect(q("fold-scores")[0].textContent).toContain("window 1");
    }
  });
});
