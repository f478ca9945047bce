// Observable Plot with the studio's defaults: transparent background, the theme's text
// colour (axes use currentColor), compact fonts. Every figure is built through `figure`,
// which turns a bad input into a message instead of an exception.
import { cell, dot, line, plot, ruleY, text, type PlotOptions } from "@observablehq/plot";
import { h } from "./dom";

/** The marks the studio uses (named imports keep the bundle to what is used). */
export const Plot = { cell, dot, line, ruleY, text };

/** The accent colour, following JupyterLab's theme. */
export const ACCENT = "var(--jp-brand-color1, #1976d2)";
export const MUTED = "var(--jp-ui-font-color2, #888)";

export function figure(title: string, build: () => PlotOptions, testid?: string): HTMLElement {
  const caption = h("div", { class: "ans-plot-title", text: title });
  let chart: Element;
  try {
    const options = build();
    chart = plot({
      ...options,
      style: {
        background: "transparent",
        color: "currentColor",
        fontSize: "10px",
        overflow: "visible",
        ...(options.style as object),
      },
    });
  } catch (e) {
    chart = h("div", { class: "ans-empty", text: `cannot plot: ${String(e)}` });
  }
  return h("div", { class: "ans-plot", testid }, caption, chart);
}

/** Pairs (x[i], y[i]) of finite numbers; mismatched lengths are cut to the shorter. */
export function pairs(x: unknown, y: unknown): { x: number; y: number }[] {
  if (!Array.isArray(x) || !Array.isArray(y)) return [];
  const n = Math.min(x.length, y.length);
  const out: { x: number; y: number }[] = [];
  for (let i = 0; i < n; i++) {
    const a = x[i];
    const b = y[i];
    if (typeof a === "number" && typeof b === "number" && Number.isFinite(a) && Number.isFinite(b))
      out.push({ x: a, y: b });
  }
  return out;
}
