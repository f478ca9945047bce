// @vitest-environment happy-dom
// The Stability panel: the records' parsing, the scales, the text alternatives, the panel with
// hand-written records of the shapes in automl_nb/reliability/__init__.py, and the
// leaderboard's P(best) column.
import { describe, expect, it } from "vitest";
import { columnsFor, firstDirection, fmtPercent, hasPBest, P_BEST_TITLE } from "../src/leaderboard";
import {
  canCheck,
  curveOptions,
  learningCurveAlt,
  paddedExtent,
  parseLearningCurve,
  parseStability,
  rowTicks,
  scoreLabel,
  stabilityAlt,
  statusText,
  stripOptions,
  useLogRows,
} from "../src/stability";
import type { LeaderboardRow } from "../src/types";
import { mount, tick } from "./mount";

const STABILITY = {
  mode: "retrain",
  n: 5,
  metric: "roc_auc",
  greater_is_better: true,
  mean: 0.84,
  interval: [0.82, 0.86],
  verdict: "The score holds: 0.84 (95% interval 0.82 to 0.86) over 5 splits.",
  win_rate: 0.8,
  models: [
    { label: "lightgbm (trial 3)", trial_id: 3, scores: [0.83, 0.85, 0.84, 0.86, 0.82] },
    { label: "linear (trial 1)", trial_id: 1, scores: [0.8, 0.81, null, 0.83, 0.79] },
  ],
  seconds: 4.2,
};

const CURVE = {
  metric: "rmse",
  greater_is_better: false,
  verdict: "More rows would likely help: the error still falls.",
  slope: -0.3,
  points: [
    { fraction: 1, n_rows: 1000, mean: 2.0, std: 0.1, scores: [1.9, 2.1, 2.0] },
    { fraction: 0.1, n_rows: 100, mean: 3.0, std: 0.4, scores: [2.6, 3.4, 3.0] },
    { fraction: 0.3, n_rows: 300, mean: 2.4, std: 0.2, scores: [2.2, 2.6, 2.4] },
  ],
  seconds: 2.5,
};

describe("record parsing", () => {
  it("reads the stability record: final model first, a dot per finite split score", () => {
    const s = parseStability(STABILITY)!;
    expect(s.rows.map((r) => [r.label, r.final])).toEqual([
      ["lightgbm (trial 3)", true],
      ["linear (trial 1)", false],
    ]);
    expect(s.dots.length).toBe(9); // the null score is dropped
    expect(s.dots.filter((d) => d.final).map((d) => d.split)).toEqual([1, 2, 3, 4, 5]);
    expect(s.rows[1].mean).toBeCloseTo(0.8075);
    expect(s.interval).toEqual([0.82, 0.86]);
    expect([s.metric, s.greaterIsBetter, s.n, s.winRate]).toEqual(["roc_auc", true, 5, 0.8]);
  });

  it("makes repeated labels unique and tolerates wrong types", () => {
    const s = parseStability({
      models: [
        { label: "lightgbm", trial_id: 3, scores: [1, 2] },
        { label: "lightgbm", trial_id: 4, scores: [3] },
        { scores: [4] },
      ],
      interval: ["a", 2],
      greater_is_better: false,
    })!;
    expect(s.rows.map((r) => r.label)).toEqual(["lightgbm", "lightgbm (trial 4)", "model 3"]);
    expect(s.interval).toBeNull();
    expect(s.greaterIsBetter).toBe(false);
    expect(s.metric).toBe("score");
    expect(s.mean).toBe(1.5); // no mean in the record: the final model's own
    for (const bad of [null, undefined, 3, "x", [], {}, { models: "x" }, { models: [{ scores: [null] }] }])
      expect(parseStability(bad)).toBeNull();
  });

  it("reads the learning curve sorted by training rows, with the ± std band", () => {
    const c = parseLearningCurve(CURVE)!;
    expect(c.points.map((p) => p.n)).toEqual([100, 300, 1000]);
    expect(c.points[0]).toMatchObject({ lo: 2.6, hi: 3.4, std: 0.4, fraction: 0.1 });
    expect(c.dots.length).toBe(9);
    expect(c.greaterIsBetter).toBe(false);
    const noStd = parseLearningCurve({
      points: [
        { n_rows: 10, scores: [1, 3] },
        { n_rows: "x", mean: 1 },
      ],
    })!;
    expect(noStd.points).toEqual([{ n: 10, fraction: null, mean: 2, std: null, lo: 2, hi: 2 }]);
    for (const bad of [null, 1, [], {}, { points: [{ n_rows: 0, mean: 1 }] }, { points: [{ n_rows: 5 }] }])
      expect(parseLearningCurve(bad)).toBeNull();
  });
});

describe("scales and labels", () => {
  it("pads the extent and gives a zero span room", () => {
    expect(paddedExtent([0, 10], 0.1)).toEqual([-1, 11]);
    const [lo, hi] = paddedExtent([0.5, 0.5]);
    expect(lo).toBeLessThan(0.5);
    expect(hi).toBeGreaterThan(0.5);
    expect(paddedExtent([])).toEqual([0, 1]);
    expect(paddedExtent([NaN, Infinity, 2, 4], 0)).toEqual([2, 4]);
  });

  it("uses a log scale for rows that grow fourfold or more", () => {
    expect(useLogRows([100, 300, 1000])).toBe(true);
    expect(useLogRows([500, 1000])).toBe(false);
    expect(useLogRows([100])).toBe(false);
    expect(useLogRows([0, 100, 1000])).toBe(true); // a zero is ignored
  });

  it("ticks the learning curve at each share's rows, thinned when narrow", () => {
    expect(rowTicks([300, 100, 1000, 100], 600)).toEqual([100, 300, 1000]);
    expect(rowTicks([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 240)).toEqual([1, 4, 7, 10]);
    expect(rowTicks([], 600)).toEqual([]);
  });

  it("states the metric's direction", () => {
    expect(scoreLabel("roc_auc", true, true)).toBe("roc_auc → better");
    expect(scoreLabel("rmse", false, true)).toBe("← better rmse");
    expect(scoreLabel("rmse", false, false)).toBe("↓ rmse (lower is better)");
  });

  it("builds the charts' options with the band and every dot", () => {
    const s = parseStability(STABILITY)!;
    const o = stripOptions(s, 500);
    expect((o.y as { domain: string[] }).domain).toEqual(["lightgbm (trial 3)", "linear (trial 1)"]);
    const [lo, hi] = (o.x as { domain: number[] }).domain;
    expect(lo).toBeLessThan(0.79);
    expect(hi).toBeGreaterThan(0.86);
    const c = curveOptions(parseLearningCurve(CURVE)!, 500);
    expect((c.x as { type: string }).type).toBe("log");
  });

  it("describes both charts with their key numbers", () => {
    const a = stabilityAlt(parseStability(STABILITY)!);
    expect(a.label).toBe(
      "roc_auc of 2 models on 5 splits: final model (lightgbm (trial 3)) 0.84, 95% interval 0.82 to 0.86, best on 80% of the splits",
    );
    expect(a.description).toContain("higher is better");
    const named = parseStability({
      ...STABILITY,
      models: [{ label: "final model (linear, trial 1)", scores: [0.8] }],
    })!;
    expect(stabilityAlt(named).label).toMatch(/splits?: final model \(linear, trial 1\) 0\.84,/);
    expect(a.description).toContain("lightgbm (trial 3) (final): 0.83, 0.85, 0.84, 0.86, 0.82");
    const b = learningCurveAlt(parseLearningCurve(CURVE)!);
    expect(b.label).toBe("Learning curve of rmse: 3 at 100 rows to 2 at 1,000 rows");
    expect(b.description).toContain("lower is better");
  });

  it("says what the status is", () => {
    expect(statusText({ state: "working", message: "refitting…" }, null, null)).toBe("refitting…");
    expect(statusText({ state: "failed", message: "stability: boom" }, null, null)).toBe("stability: boom");
    expect(statusText({}, null, null)).toMatch(/^Refits the final model on 5 other splits/);
    expect(statusText({ state: "idle" }, parseStability(STABILITY), parseLearningCurve(CURVE))).toBe(
      "Checked — stability: 5 splits in 4.2 s · learning curve: 3 shares of the rows in 2.5 s",
    );
    expect(canCheck("finished", true)).toBe(true);
    expect(canCheck("finished", false)).toBe(false);
    expect(canCheck("searching", true)).toBe(false);
  });
});

describe("P(best) column", () => {
  const rows = (p: unknown[]): LeaderboardRow[] => p.map((v, i) => ({ trial_id: i, p_best: v as number }));
  it("shows only when a row carries it, as a percent with one decimal", () => {
    expect(hasPBest(rows([undefined, null]))).toBe(false);
    expect(columnsFor(rows([undefined]), "roc_auc").some((c) => c.id === "p_best")).toBe(false);
    const col = columnsFor(rows([0.4567, null]), "roc_auc").find((c) => c.id === "p_best")!;
    expect([col.label, col.title]).toEqual(["P(best)", P_BEST_TITLE]);
    expect(fmtPercent(0.4567)).toBe("45.7%");
    expect(fmtPercent(1)).toBe("100.0%");
    expect(fmtPercent(null)).toBe("—");
    expect(firstDirection("p_best", false)).toBe("desc");
  });
});

// ---- the panel -------------------------------------------------------------------------------

describe("Stability panel", () => {
  it("is hidden until the run ended with a model", () => {
    const { one } = mount("binary"); // mid-search
    expect(one("stability")!.hidden).toBe(true);
  });

  it("asks the kernel and shows progress, then both charts and verdicts", async () => {
    const { model, one } = mount("regression");
    expect(one("stability")!.hidden).toBe(false);
    expect(one("stability-run")!.textContent).toBe("Check stability");
    one("stability-run")!.click();
    expect(model.sent).toContainEqual({ type: "reliability" });

    model.set("reliability", { stability: null, learning_curve: null, state: "working", message: "refitting…" });
    await tick();
    expect((one("stability-run") as HTMLButtonElement).disabled).toBe(true);
    expect(one("stability-status")!.textContent).toBe("refitting…");
    expect(one("stability")!.textContent).not.toContain("Not checked yet."); // while working

    model.set("reliability", { stability: STABILITY, learning_curve: CURVE, state: "idle", message: "" });
    await tick();
    expect((one("stability-run") as HTMLButtonElement).disabled).toBe(false);
    const strip = one("stability-chart")!;
    expect(strip.querySelectorAll("circle").length).toBe(9);
    expect(strip.querySelector("svg")!.getAttribute("aria-label")).toMatch(/^roc_auc of 2 models on 5 splits/);
    const curve = one("learning-curve-chart")!;
    expect(curve.querySelector("svg")!.getAttribute("aria-label")).toMatch(/^Learning curve of rmse/);
    expect(one("stability-verdict")!.textContent).toBe(STABILITY.verdict);
    expect(one("learning-curve-verdict")!.textContent).toBe(CURVE.verdict);
  });

  it("shows a failure as a message, never a broken panel", async () => {
    const { model, one, el } = mount("regression");
    model.set("reliability", { state: "failed", message: "stability: ValueError: too few rows" });
    await tick();
    expect(one("stability-status")!.textContent).toBe("stability: ValueError: too few rows");
    expect(one("stability-status")!.getAttribute("role")).toBe("alert");
    expect(el.querySelectorAll(".ans-panel-stability .ans-fail").length).toBe(1);
    model.set("reliability", { stability: { models: "garbage" }, learning_curve: 7, state: "idle" });
    await tick();
    expect(one("stability-chart")).toBeNull();
    expect(el.querySelector(".ans-panel-stability")!.textContent).toContain("Not checked yet.");
  });
});
