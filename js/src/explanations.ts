// Room for the explanations panel (SHAP importances): an empty container until the kernel
// side has a trait for it.
import { h } from "./dom";

export function mountExplanations(_model: unknown, parent: HTMLElement): () => void {
  const el = h("section", { class: "ans-panel ans-panel-explanations", testid: "explanations", hidden: true });
  parent.append(el);
  return () => el.remove();
}
