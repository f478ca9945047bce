// @vitest-environment happy-dom
// Theming and accessibility: the charts' text alternatives (pure label builders, and the
// role="img" + aria-label every drawn chart carries), and the stylesheet's palette chains.
import { readFileSync } from "node:fs";
import { fileURLToPath, URL as NodeURL } from "node:url";
import { describe, expect, it } from "vitest";
import {
  bestScoreAlt,
  beeswarmAlt,
  confusionAlt,
  dependenceAlt,
  importanceAlt,
  prAlt,
  residualsAlt,
  rocAlt,
  rSquared,
  scatterAlt,
  seriesAlt,
  waterfallAlt,
} from "../src/describe";
import { STATES, mount } from "./mount";

const day = (d: number) => new Date(Date.UTC(2024, 0, 1 + d));
const when = (t: Date) => t.toISOString().slice(0, 10);

describe("chart labels", () => {
  it("reads the best score from the first to the last improvement", () => {
    const history = [
      { t: 2, score: 0.81 },
      { t: 10, score: 0.79 },
      { t: 30, score: 0.84 },
      { t: 58, score: 0.85 },
      { t: 60, score: null },
    ];
    const alt = bestScoreAlt(history, "roc_auc", true);
    expect(alt.label).toBe("Best roc_auc over time: 0.81 at 2.0 s to 0.85 at 58 s, 4 trials");
    expect(alt.description).toContain("3 improvements");
    expect(alt.description).toContain("higher is better");
    // lower is better: the first score stays the best
    expect(bestScoreAlt(history, "rmse", false).label).toBe(
      "Best rmse over time: 0.81 at 2.0 s to 0.79 at 10 s, 4 trials",
    );
    expect(bestScoreAlt([{ t: 5, score: 1.5 }], null, false).label).toBe(
      "Best score over time: 1.5 from 5.0 s, 1 trial",
    );
    expect(bestScoreAlt([], "mae", false).label).toContain("no scored trials");
  });

  it("names AUC and average precision, or the number of points", () => {
    expect(rocAlt(0.91234, 50).label).toBe("ROC curve, AUC 0.912");
    expect(rocAlt(null, 50).label).toContain("50 points");
    expect(prAlt(0.88, 40).label).toBe("Precision–recall curve, average precision 0.88");
    expect(prAlt(undefined, 1).label).toContain("1 point");
  });

  it("reads a small confusion matrix out in words, a larger one in the description", () => {
    const small = confusionAlt(
      ["no", "yes"],
      [
        { actual: "no", predicted: "no", n: 700 },
        { actual: "no", predicted: "yes", n: 50 },
        { actual: "yes", predicted: "no", n: 100 },
        { actual: "yes", predicted: "yes", n: 150 },
      ],
    );
    expect(small.label).toBe(
      "Confusion matrix of 2 classes, 850 of 1,000 correct (85%): " +
        "actual no: 700 predicted no, 50 predicted yes; actual yes: 100 predicted no, 150 predicted yes",
    );
    const labels = ["a", "b", "c", "d"];
    const cells = labels.flatMap((a) => labels.map((p) => ({ actual: a, predicted: p, n: a === p ? 10 : 1 })));
    const big = confusionAlt(labels, cells);
    expect(big.label).toBe("Confusion matrix of 4 classes, 40 of 52 correct (76.9%)");
    expect(big.description).toContain("actual d: 1 predicted a, 1 predicted b, 1 predicted c, 10 predicted d");
    const huge = labels.concat("e f g h i j k l m".split(" "));
    expect(confusionAlt(huge, []).description).toBeUndefined();
  });

  it("gives RMSE and R² of the regression plots", () => {
    const pts = [
      { x: 1, y: 1 },
      { x: 2, y: 3 },
      { x: 3, y: 2 },
    ];
    expect(rSquared(pts)).toBeCloseTo(0);
    expect(scatterAlt(pts).label).toBe("Predicted vs actual for 3 rows: RMSE 0.816, R² 0");
    const res = [
      { x: 1, y: -2 },
      { x: 2, y: 2 },
    ];
    expect(residualsAlt(res).label).toBe("Residuals of 2 predictions: RMSE 2, from -2 to 2");
    expect(residualsAlt(res).description).toBe("Mean residual (actual − predicted) 0.");
  });

  it("names the largest SHAP values of each explanation chart", () => {
    const bars = [
      { feature: "age", importance: 0.31 },
      { feature: "income", importance: 0.2 },
      { feature: "tenure", importance: 0.1 },
      { feature: "city", importance: 0.01 },
    ];
    const imp = importanceAlt(bars, "raw columns");
    expect(imp.label).toBe("Mean |SHAP| of 4 features (raw columns); largest: age 0.31, income 0.2, tenure 0.1");
    expect(imp.description).toContain("city 0.01");
    const swarm = beeswarmAlt(
      ["age", "city"],
      [
        { feature: "age", shap: -0.5 },
        { feature: "age", shap: 0.7 },
        { feature: "city", shap: 0.1 },
      ],
    );
    expect(swarm.label).toBe("SHAP values of 2 features over 3 points, from -0.5 to 0.7; widest spread: age");
    expect(
      dependenceAlt(
        "age",
        [
          { x: 30, shap: -0.2 },
          { x: 60, shap: 0.4 },
        ],
        false,
      ),
    ).toEqual({
      label: "SHAP of age against its value, 2 rows: SHAP from -0.2 to 0.4",
      description: "age ranges from 30 to 60.",
    });
    expect(
      dependenceAlt(
        "city",
        [
          { x: "a", shap: 1 },
          { x: "a", shap: 3 },
        ],
        true,
      ).description,
    ).toBe("Mean SHAP by value: a 2.");
    const wf = waterfallAlt(5, 0.2, 0.8, [
      { feature: "age = 61", shap: 0.4 },
      { feature: "income", shap: -0.1 },
    ]);
    expect(wf.label).toBe("Row 5: base 0.2, output 0.8; largest contributions: age = 61 +0.4, income -0.1");
  });

  it("summarizes a forecast and its backtest windows", () => {
    const history = [0, 1, 2].map((d) => ({ t: day(d), y: 10 + d }));
    const forecast = [3, 4].map((d) => ({ t: day(d), mean: 20 + d, lower: 15, upper: 30 }));
    const windows = [
      {
        window: 1,
        score: 0.5,
        predicted: [{ t: day(1), y: 12 }],
        actual: [],
      },
      { window: 2, score: 1.5, predicted: [{ t: day(2), y: 9 }], actual: [] },
    ];
    const fc = seriesAlt({ history, windows, forecast, when, series: "store A", metric: "mase", level: 80 });
    expect(fc.label).toBe(
      "Forecast of store A, 2 steps from 2024-01-04 to 2024-01-05: 23 to 24 (80% interval 15 to 30); " +
        "3 history points from 2024-01-01 to 2024-01-03; 2 backtest windows, mase 1 on average",
    );
    // a trial's backtest: no scores, but actuals to compare with
    const bt = seriesAlt({
      history,
      windows: windows.map((w) => ({ ...w, score: null, actual: [{ t: w.predicted[0].t, y: 10 }] })),
      forecast: [],
      when,
    });
    expect(bt.label).toBe(
      "Backtest; 3 history points from 2024-01-01 to 2024-01-03; 2 backtest windows, mean absolute error 1.5",
    );
  });
});

// ---- rendered -----------------------------------------------------------------------------

/** The aria-label of the chart inside `[data-testid=testid]` (its role="img" svg). */
function chartLabel(el: HTMLElement, testid: string): string {
  const svgs = el.querySelectorAll(`[data-testid="${testid}"] svg[role="img"]`);
  expect(svgs.length, testid).toBe(1);
  return svgs[0].getAttribute("aria-label") ?? "";
}

describe("charts in the widget", () => {
  it.each(Object.keys(STATES))("gives every drawn chart of the %s state a label with a number", (name) => {
    const { el } = mount(name);
    for (const fig of el.querySelectorAll("figure.ans-plot")) {
      const svg = fig.querySelector(":scope > svg, :scope > figure > svg");
      if (!svg) continue; // "cannot plot" or an empty state
      expect(svg.getAttribute("role"), fig.getAttribute("data-testid") ?? "").toBe("img");
      expect(svg.getAttribute("aria-label")).toMatch(/\d/);
      const described = svg.getAttribute("aria-describedby");
      if (described) expect(fig.querySelector(`#${described}`)?.textContent).toBeTruthy();
    }
  });

  it("labels the best-score chart, ROC, PR and the confusion matrix of a classification", () => {
    const { el } = mount("binary");
    expect(chartLabel(el, "best-score-chart")).toMatch(
      /^Best roc_auc over time: [\d.]+ at .+ to [\d.]+ at .+, \d+ trials$/,
    );
    expect(chartLabel(el, "roc-plot")).toMatch(/^ROC curve, AUC 0\.\d+$/);
    expect(chartLabel(el, "pr-plot")).toMatch(/^Precision–recall curve, average precision 0\.\d+$/);
    expect(chartLabel(el, "confusion-plot")).toMatch(/^Confusion matrix of 2 classes, .* correct .*: actual /);
    // the visible titles stay as they were
    expect(el.querySelector('[data-testid="roc-plot"] figcaption')?.textContent).toMatch(/^ROC · AUC/);
  });

  it("labels the regression plots with RMSE", () => {
    const { el } = mount("regression");
    expect(chartLabel(el, "scatter-plot")).toMatch(/RMSE [\d.,]+, R² /);
    expect(chartLabel(el, "residuals-plot")).toMatch(/^Residuals of [\d,]+ predictions: RMSE /);
  });

  it("labels the explanation charts", () => {
    const { el } = mount("explanations");
    expect(chartLabel(el, "importance-chart")).toMatch(/^Mean \|SHAP\| of \d+ features \(raw columns\); largest: /);
    expect(chartLabel(el, "beeswarm-chart")).toMatch(/^SHAP values of \d+ features over [\d,]+ points/);
    expect(chartLabel(el, "dependence-chart")).toMatch(/^SHAP of .+ against its value/);
    expect(chartLabel(el, "waterfall-chart")).toMatch(/^Row 0: base .*output .*largest contributions/);
  });

  it("labels the forecast and the backtest plot", () => {
    const { el } = mount("forecast");
    expect(chartLabel(el, "forecast-chart")).toMatch(/^Forecast of .+, \d+ steps from .* interval .*backtest windows/);
    expect(chartLabel(el, "backtest-plot")).toMatch(/backtest windows?, mean absolute error [\d.,]+$/);
  });

  it("draws no chart in hard-coded black or white", () => {
    for (const name of Object.keys(STATES)) {
      const { el } = mount(name);
      for (const node of el.querySelectorAll("svg [fill], svg [stroke]")) {
        for (const attr of ["fill", "stroke"]) {
          const v = (node.getAttribute(attr) ?? "").toLowerCase();
          expect(["black", "white", "#000", "#fff", "#000000", "#ffffff"], `${name} ${attr}`).not.toContain(v);
        }
      }
    }
  });
});

describe("stylesheet", () => {
  const css = readFileSync(fileURLToPath(new NodeURL("../src/studio.css", import.meta.url)), "utf8");

  it("chains every palette slot: JupyterLab, then VS Code, then the default", () => {
    const slot = (name: string) => new RegExp(`--ans-${name}: var\\(\\s*--jp-[\\w-]+,\\s*var\\(--vscode-[\\w-]+,`);
    for (const name of ["bg", "bg2", "bg3", "fg", "fg2", "fg3", "border", "border1", "accent", "error", "warn", "ok"])
      expect(css, name).toMatch(slot(name));
    expect(css).toMatch(/@media \(prefers-color-scheme: dark\)/);
    expect(css).toMatch(/\[data-jp-theme-light="false"\] \.automl-nb-studio/);
  });

  it("has colour literals only in the defaults", () => {
    const outside = css
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .split("\n")
      .filter((l) => /#[0-9a-f]{3,8}\b|rgba?\(/i.test(l) && !/^\s*--ans-(d|kind)-[\w-]+:/.test(l));
    expect(outside).toEqual([]);
  });
});
