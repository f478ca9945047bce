// Shared by the rendering tests: the widget mounted into the (happy-dom) document with the dev
// harness's fake model and states, and unmounted after each test of the file that imports this.
import { afterEach } from "vitest";
import widget from "../src/index";
// @ts-expect-error plain JS dev helpers without type declarations
import { FakeModel } from "../dev/fake-model.js";
// @ts-expect-error plain JS dev helpers without type declarations
import { STATES, binarySteering, churnExplanation, salesForecast } from "../dev/states.js";

export { FakeModel, STATES, binarySteering, churnExplanation, salesForecast };

/** Let the widget's queued work (setTimeout 0) run. */
export const tick = () => new Promise((r) => setTimeout(r, 0));

let cleanups: (() => void)[] = [];

/** Unmount every widget mounted so far (done after each test; call it to remount within one test). */
export function unmountAll() {
  cleanups.forEach((c) => c());
  cleanups = [];
}

afterEach(() => {
  unmountAll();
  document.body.replaceChildren();
});

/**
 * Render the widget for the dev state `name` (a key of STATES), with `patch` merged over its traits;
 * the state's trial details and, when it has them, its per-series forecasts back the fake kernel.
 */
export function mount(name: string, patch: Record<string, unknown> = {}) {
  const { state, details, forecasts } = STATES[name]();
  const model = new FakeModel({ ...state, ...patch }, { trialDetails: details, forecasts });
  const el = document.createElement("div");
  document.body.append(el);
  cleanups.push(widget.render({ model, el }));
  /** Every element with this data-testid, inside `root` (the widget by default). */
  const q = (id: string, root: ParentNode = el) => root.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`);
  /** The first element with this data-testid (null at run time when there is none). */
  const one = <T extends HTMLElement = HTMLElement>(id: string) => el.querySelector<T>(`[data-testid="${id}"]`) as T;
  return { model, el, q, one };
}
