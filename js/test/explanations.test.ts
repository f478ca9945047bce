// @vitest-environment happy-dom
// The explanations panel: its pure data-shaping helpers, and the panel rendered with the
// dev harness's fake model.
import { describe, expect, it } from "vitest";
import {
  clampRow,
  dependencePoints,
  explainMessage,
  featureOptions,
  hasExplanation,
  importanceBars,
  labelMargin,
  spread,
  swarmDots,
  waterfallBars,
} from "../src/explanations";
import { churnExplanation, mount as mountState, tick, unmountAll } from "./mount";

describe("explanation helpers", () => {
  it("knows an empty explanation", () => {
    expect(hasExplanation({})).toBe(false);
    expect(hasExplanation({ computing: true, trial_id: 3 })).toBe(false);
    expect(hasExplanation(churnExplanation())).toBe(true);
  });

  it("sorts importances, drops bad items and caps the bars", () => {
    const e = {
      importance: {
        raw: [
          { feature: "b", importance: 0.1 },
          { feature: "a", importance: 0.5 },
          { feature: "nan", importance: null },
          null,
          { importance: 3 },
        ],
      },
    } as never;
    expect(importanceBars(e, "raw")).toEqual([
      { feature: "a", importance: 0.5 },
      { feature: "b", importance: 0.1 },
    ]);
    expect(importanceBars(e, "engineered")).toEqual([]);
    expect(importanceBars({}, "raw")).toEqual([]);
    const many = {
      importance: { raw: Array.from({ length: 30 }, (_, i) => ({ feature: `f${i}`, importance: 30 - i })) },
    };
    expect(importanceBars(many, "raw", 20)).toHaveLength(20);
    expect(featureOptions(many, "raw")).toHaveLength(30);
  });

  it("keeps the dependence feature among the options", () => {
    const e = {
      importance: { raw: [{ feature: "a", importance: 1 }] },
      dependence: { feature: "z", x: [], shap: [] },
      space: "raw" as const,
    };
    expect(featureOptions(e, "raw")).toEqual(["z", "a"]);
  });

  it("lays the beeswarm out one row per feature, jittered within the row", () => {
    const { features, dots } = swarmDots({
      features: ["a", "b"],
      points: [
        { feature: "a", shap: 0.5, value: 0.2 },
        { feature: "a", shap: -0.5, value: 1.7 },
        { feature: "b", shap: 0.1, value: null },
        { feature: "c", shap: 0.1, value: 0.5 }, // not a listed feature
        { feature: "b", shap: null, value: 0.5 }, // no SHAP value
      ],
    });
    expect(features).toEqual(["a", "b"]);
    expect(dots).toHaveLength(3);
    for (const d of dots) expect(Math.abs(d.y - features.indexOf(d.feature))).toBeLessThanOrEqual(0.35);
    expect(dots[1].value).toBe(1); // clipped to 0..1
    expect(dots[2].value).toBeNull();
    expect(swarmDots(undefined)).toEqual({ features: [], dots: [] });
    expect(swarmDots({ points: [{ feature: "x", shap: 1, value: 0 }] }).features).toEqual(["x"]);
  });

  it("reads numeric and categorical dependence data", () => {
    expect(dependencePoints({ x: [1, null, 3, 4], shap: [0.1, 0.2, null, 0.4], categorical: false }).points).toEqual([
      { x: 1, shap: 0.1 },
      { x: 4, shap: 0.4 },
    ]);
    const cat = dependencePoints({ x: ["u", null], shap: [1, 2], categorical: true });
    expect(cat.categorical).toBe(true);
    expect(cat.points.map((p) => p.x)).toEqual(["u", "missing"]);
    expect(dependencePoints({ x: [1, 2] }).points).toEqual([]);
  });

  it("stacks the waterfall from the base value up to the output", () => {
    const { base, output, bars } = waterfallBars({
      row: 0,
      base_value: 1,
      output: 1.5,
      contributions: [
        { feature: "a", value: "x", shap: 0.7 },
        { feature: "b", value: "2.5", shap: -0.3 },
        { feature: "other features", value: "", shap: 0.1 },
      ],
    });
    expect(base).toBe(1);
    expect(output).toBe(1.5);
    expect(bars.map((b) => b.label)).toEqual(["a = x", "b = 2.5", "other features"]);
    expect(bars[2]).toMatchObject({ start: 1, end: 1.1 });
    expect(bars[1].start).toBeCloseTo(1.1);
    expect(bars[1].end).toBeCloseTo(0.8);
    expect(bars[0].start).toBeCloseTo(0.8);
    expect(bars[0].end).toBeCloseTo(1.5); // = output
    expect(waterfallBars(undefined).bars).toEqual([]);
    expect(waterfallBars({ contributions: [{ feature: "a", shap: 2 }] }).output).toBe(2);
  });

  it("never gives an axis a zero-width domain", () => {
    expect(spread([0, 0], [0])).toEqual([-0.01, 0.01]);
    expect(spread([0.7, 0.7])[0]).toBeCloseTo(0.665);
    expect(spread([], [])).toEqual([-1, 1]);
    expect(spread([1, 3], [0])).toEqual([0, 3]);
  });

  it("clamps the row and builds the Explain message", () => {
    expect(clampRow(5, 3)).toBe(2);
    expect(clampRow(-1, 3)).toBe(0);
    expect(clampRow("7", undefined)).toBe(7);
    expect(clampRow("x", 3)).toBe(0);
    expect(clampRow(1.6, 10)).toBe(2);
    expect(explainMessage(4, "raw")).toEqual({ type: "explain", trial_id: 4, space: "raw" });
    expect(explainMessage(undefined, "engineered")).toEqual({ type: "explain", trial_id: null, space: "engineered" });
    expect(labelMargin([])).toBe(40);
    expect(labelMargin(["x".repeat(500)])).toBe(200);
  });
});

// ---- the panel ---------------------------------------------------------------------------

/** The shared mount, with the explanations `panel` and a `q` that looks only inside it. */
function mount(name: string, patch: Record<string, unknown> = {}) {
  const { model, el, q } = mountState(name, patch);
  const panel = el.querySelector<HTMLElement>('[data-testid="explanations"]')!;
  return { model, el, panel, q: (id: string) => q(id, panel) };
}

describe("explanations panel", () => {
  it("shows every chart and control of an explanation", () => {
    const { panel, q } = mount("explanations");
    expect(panel.hidden).toBe(false);
    for (const id of [
      "importance-chart",
      "space-toggle",
      "beeswarm-chart",
      "dependence-chart",
      "feature-select",
      "waterfall-chart",
      "row-input",
    ]) {
      expect(q(id).length, id).toBe(1);
    }
    expect(panel.querySelectorAll(".ans-fail").length).toBe(0);
    expect(q("importance-chart")[0].querySelectorAll("svg rect").length).toBeGreaterThanOrEqual(9);
    expect(q("beeswarm-chart")[0].querySelectorAll("svg circle").length).toBeGreaterThan(100);
    expect(q("waterfall-chart")[0].querySelectorAll("svg rect").length).toBe(10);
    expect(q("explain-note")[0].textContent).toContain("TreeExplainer");
  });

  it("shows an empty state for {} and for missing or broken fields", async () => {
    for (const explanation of [{}, undefined, "nonsense", { computing: true }, { importance: 3, waterfall: [] }]) {
      const { panel, q } = mount("binary", { explanation });
      expect(panel.querySelectorAll(".ans-fail").length, String(explanation)).toBe(0);
      expect(q("importance-chart").length).toBe(0);
      unmountAll();
    }
    const { panel } = mount("binary", {
      explanation: { importance: { raw: "x" }, beeswarm: { raw: { points: 5 } }, dependence: { x: 1 }, waterfall: {} },
    });
    expect(panel.querySelectorAll(".ans-fail").length).toBe(0);
    await tick();
  });

  it("sends explain messages for the button, the space, the feature and the row", async () => {
    const { model, q, panel } = mount("explanations");
    model.sent.length = 0;
    (panel.querySelector('[data-testid="explain"]') as HTMLButtonElement).click();
    expect(model.sent.at(-1)).toEqual({ type: "explain", trial_id: 10, space: "raw" });

    q("space-toggle")[0].querySelector<HTMLButtonElement>('button[data-space="engineered"]')!.click();
    expect(model.sent.at(-1)).toEqual({ type: "explain", space: "engineered" });
    await tick();
    const pressed = q("space-toggle")[0].querySelector('button[aria-pressed="true"]');
    expect(pressed?.getAttribute("data-space")).toBe("engineered");
    expect(q("importance-chart")[0].textContent).toContain("engineered");

    const sel = q("feature-select")[0] as HTMLSelectElement;
    sel.value = "tenure";
    sel.dispatchEvent(new Event("change"));
    expect(model.sent.at(-1)).toMatchObject({ type: "explain", feature: "tenure" });

    const row = q("row-input")[0] as HTMLInputElement;
    row.value = "5000";
    row.dispatchEvent(new Event("change"));
    expect(model.sent.at(-1)).toEqual({ type: "explain", row: 999 });
  });

  it("draws an explanation whose SHAP values are all zero (a constant model)", () => {
    const e = churnExplanation();
    const zero = {
      ...e,
      importance: { raw: e.importance.raw.map((d: object) => ({ ...d, importance: 0 })), engineered: [] },
      beeswarm: { raw: { ...e.beeswarm.raw, points: e.beeswarm.raw.points.map((p: object) => ({ ...p, shap: 0 })) } },
      waterfall: { ...e.waterfall, output: e.base_value, contributions: [{ feature: "a", value: "1", shap: 0 }] },
    };
    const { panel, q } = mount("explanations", { explanation: zero });
    expect(panel.querySelectorAll(".ans-fail, .ans-plot .ans-empty").length).toBe(0);
    expect(q("importance-chart")[0].querySelectorAll("svg rect").length).toBe(9);
  });

  it("re-renders when the kernel reslices the explanation", async () => {
    const { model, q } = mount("explanations");
    model.set("explanation", churnExplanation({ space: "raw", feature: "tenure", row: 3 }));
    await tick();
    expect((q("feature-select")[0] as HTMLSelectElement).value).toBe("tenure");
    expect((q("row-input")[0] as HTMLInputElement).value).toBe("3");
    expect(q("dependence-chart")[0].querySelectorAll("svg circle").length).toBe(300);
    model.set("explanation", { ...churnExplanation(), computing: true });
    await tick();
    expect((q("explain")[0] as HTMLButtonElement).disabled).toBe(true);
    model.set("explanation", {});
    await tick();
    expect(q("importance-chart").length).toBe(0);
  });
});
