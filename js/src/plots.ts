// Observable Plot with the studio's defaults: transparent background, the theme's text
// colour (axes use currentColor), compact fonts. Every figure is built through `figure`,
// which turns a bad input into a message instead of an exception, and gives the chart its
// text alternative: the svg is `role="img"` with an `aria-label` holding the key numbers
// (see describe.ts), described by a visually hidden paragraph when there is more to say.
import { cell, dot, line, plot, ruleX, ruleY, text, type PlotOptions } from "@observablehq/plot";
import type { Alt } from "./describe";
import { h } from "./dom";

/** The marks the studio uses (named imports keep the bundle to what is used). */
export const Plot = { cell, dot, line, ruleX, ruleY, text };

/**
 * Chart colours: the studio's palette variables (studio.css: the host's --jp-* or --vscode-*
 * colours, else light/dark defaults); the literal after the comma only matters outside the
 * studio's root (never, in practice).
 */
export const ACCENT = "var(--ans-accent, #1976d2)";
export const MUTED = "var(--ans-fg2, #888)";
/** Neutral marks (no value, zero contribution): the faintest text colour. */
export const NEUTRAL = "var(--ans-fg3, #999)";
/** The panel background, e.g. a halo behind text drawn over marks. */
export const BACKGROUND = "var(--ans-bg, #fff)";

let descriptions = 0;

export function figure(title: string, build: () => PlotOptions, testid?: string, alt?: Alt | (() => Alt)): HTMLElement {
  const caption = title ? h("figcaption", { class: "ans-plot-title", text: title }) : null;
  let chart: Element;
  let desc: HTMLElement | null = null;
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
    const text = typeof alt === "function" ? alt() : alt;
    // the chart's own svg (a legend makes Plot return a <figure> of the legend and the svg)
    const svg = chart instanceof SVGElement ? chart : chart.querySelector(":scope > svg");
    if (text && svg) {
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", text.label);
      if (text.description) {
        const id = `ans-chart-desc-${++descriptions}`;
        desc = h("p", { class: "ans-sr-only", id, text: text.description });
        svg.setAttribute("aria-describedby", id);
      }
    }
  } catch (e) {
    chart = h("div", { class: "ans-empty", text: `cannot plot: ${String(e)}` });
  }
  return h("figure", { class: "ans-plot", testid }, caption, chart, desc);
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
