// Room for the forecast panel: an empty container until the kernel side has a trait for it.
import { h } from "./dom";

export function mountForecast(_model: unknown, parent: HTMLElement): () => void {
  const el = h("section", { class: "ans-panel ans-panel-forecast", testid: "forecast", hidden: true });
  parent.append(el);
  return () => el.remove();
}
