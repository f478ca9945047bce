// The `error` trait as a banner; hidden while it is empty.
import { h } from "./dom";
import { subscribe, traits } from "./traits";
import type { AnyModel } from "./types";

export function mountError(model: AnyModel, parent: HTMLElement): () => void {
  const text = h("span", { class: "ans-error-text" });
  const el = h(
    "div",
    { class: "ans-error-banner", testid: "error", role: "alert", hidden: true },
    h("b", { text: "Error: " }),
    text,
  );
  parent.append(el);
  const off = subscribe(model, ["error"], () => {
    const msg = traits.error(model);
    text.textContent = msg;
    el.hidden = !msg;
  });
  return () => {
    off();
    el.remove();
  };
}
