// The anywidget entry: lays out the panels and mounts each one. Every panel subscribes to
// the traits it shows and re-renders only itself (see traits.ts `subscribe`).
import css from "./studio.css";
import { mountChart } from "./chart";
import { mountConfig } from "./config";
import { mountControls } from "./controls";
import { mountData } from "./data";
import { mountDetails } from "./details";
import { h } from "./dom";
import { mountError } from "./error";
import { mountExplanations } from "./explanations";
import { mountExport } from "./export";
import { mountFeaturization } from "./featurization";
import { mountFinalChoice } from "./finalchoice";
import { mountForecast } from "./forecast";
import { mountGuardrails } from "./guardrails";
import { mountLeaderboard } from "./leaderboard";
import { mountProgress } from "./progress";
import { mountStability } from "./stability";
import { mountSteering } from "./steering";
import { traits } from "./traits";
import type { AnyModel } from "./types";

export const ROOT_CLASS = "automl-nb-studio";
const STYLE_ID = "automl-nb-studio-style";

type Mount = (model: AnyModel, parent: HTMLElement) => () => void;

/** Panels in document order; `interactive` ones are left out of read-only widgets. */
const PANELS: { mount: Mount; interactive: boolean }[] = [
  { mount: mountError, interactive: false },
  { mount: mountControls, interactive: true },
  { mount: mountProgress, interactive: false },
  { mount: mountFinalChoice, interactive: false },
  { mount: mountData, interactive: true },
  { mount: mountConfig, interactive: true },
  { mount: mountLeaderboard, interactive: false },
  { mount: mountSteering, interactive: false },
  { mount: mountChart, interactive: false },
  { mount: mountDetails, interactive: false },
  { mount: mountGuardrails, interactive: false },
  { mount: mountFeaturization, interactive: false },
  { mount: mountForecast, interactive: false },
  { mount: mountExplanations, interactive: false },
  { mount: mountStability, interactive: false },
  { mount: mountExport, interactive: false },
];

/** Add the stylesheet once per document (or shadow root) the widget renders into. */
function injectStyle(el: HTMLElement): void {
  const root = el.getRootNode();
  const shadow = root instanceof ShadowRoot ? root : null;
  if ((shadow ?? document).querySelector(`style#${STYLE_ID}`)) return;
  const style = document.createElement("style");
  style.id = STYLE_ID;
  style.textContent = css;
  (shadow ?? document.head).append(style);
}

export function render({ model, el }: { model: AnyModel; el: HTMLElement }): () => void {
  const grid = h("div", { class: "ans-grid" });
  const root = h("div", { class: ROOT_CLASS }, grid);
  el.append(root);
  injectStyle(el);

  let unmounts: (() => void)[] = [];
  let mode: boolean | null = null;
  const mount = () => {
    const readOnly = traits.readOnly(model);
    if (readOnly === mode) return;
    mode = readOnly;
    unmounts.forEach((u) => u());
    grid.replaceChildren();
    root.classList.toggle("ans-read-only", readOnly);
    unmounts = PANELS.filter((p) => !(readOnly && p.interactive)).map((p) => {
      try {
        return p.mount(model, grid);
      } catch (e) {
        console.error("automl_nb studio: a panel failed to mount", e);
        return () => {};
      }
    });
  };
  mount();
  model.on("change:read_only", mount);
  return () => {
    model.off("change:read_only", mount);
    unmounts.forEach((u) => u());
    root.remove();
  };
}

export default { render };
