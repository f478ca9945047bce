// The "Final model" choice: once a run has ended with a final model, a select "final model
// by: <metric>" (the `final_choice` trait's options, the optimized metric first). Choosing a
// metric sends `{type: "best_by", metric}`; the kernel picks the best model by that metric out
// of fold (refitting a trial if needed) in a background thread, then updates `best`,
// `leaderboard` and `final_choice` (state, message).
import { h, panel, renderFailure, replace } from "./dom";
import { getDict, isRecord, send, subscribe } from "./traits";
import type { AnyModel, FinalChoice } from "./types";

/** The trait's record, or null when the choice is not offered (no options). */
export function parseFinalChoice(v: unknown): (Required<Omit<FinalChoice, "state">> & { state: string }) | null {
  if (!isRecord(v)) return null;
  const options = Array.isArray(v.options) ? v.options.filter((o): o is string => typeof o === "string") : [];
  if (!options.length) return null;
  const optimized = typeof v.optimized === "string" ? v.optimized : options[0];
  const metric = typeof v.metric === "string" && options.includes(v.metric) ? v.metric : optimized;
  const state = v.state === "working" || v.state === "failed" ? v.state : "idle";
  return { options, optimized, metric, state, message: typeof v.message === "string" ? v.message : "" };
}

/** An option's label: the optimized metric says so. */
export function optionLabel(metric: string, optimized: string): string {
  return metric === optimized ? `${metric} (optimized)` : metric;
}

export function mountFinalChoice(model: AnyModel, parent: HTMLElement): () => void {
  const { section, body, aside } = panel("final-choice", "Final model", "final-choice");
  section.hidden = true;
  parent.append(section);
  const select = h("select", {
    class: "ans-select",
    testid: "final-choice-select",
    "aria-label": "final model by metric",
    onchange: () => send(model, { type: "best_by", metric: select.value }),
  }) as HTMLSelectElement;
  const status = h("div", { class: "ans-hint", testid: "final-choice-status", "aria-live": "polite" });
  replace(
    body,
    h("label", { class: "ans-field" }, h("span", { text: "final model by: " }), select),
    h("p", {
      class: "ans-hint",
      text: "the best model by this metric out of fold, among the finished trials and the run's final model",
    }),
    status,
  );
  let lastOptions = "";
  const render = () => {
    const c = parseFinalChoice(getDict(model, "final_choice"));
    section.hidden = c === null;
    if (!c) return;
    const key = JSON.stringify([c.options, c.optimized]);
    if (key !== lastOptions) {
      lastOptions = key;
      replace(
        select,
        c.options.map((m) => h("option", { value: m, text: optionLabel(m, c.optimized) })),
      );
    }
    select.value = c.metric;
    select.disabled = c.state === "working";
    aside.textContent = c.metric === c.optimized ? `by ${c.optimized}, as optimized` : `by ${c.metric}`;
    status.className = c.state === "failed" ? "ans-error-box" : "ans-hint";
    status.setAttribute("role", c.state === "failed" ? "alert" : "status");
    status.setAttribute("data-state", c.state);
    status.textContent = c.message;
  };
  const off = subscribe(model, ["final_choice"], render, (e) => renderFailure(body, e));
  return () => {
    off();
    section.remove();
  };
}
