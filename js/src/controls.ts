// Run / Pause / Resume / Cancel / Extend buttons, enabled by `phase`; each sends a message.
import { h } from "./dom";
import { send, subscribe, traits } from "./traits";
import type { AnyModel, Message } from "./types";

export const EXTEND_SECONDS = 30;

export type Action = "run" | "pause" | "resume" | "cancel" | "extend";

const ACTIVE = ["profiling", "searching", "paused", "ensembling", "refitting"];

/** Which buttons are enabled in `phase` (Run also needs a config without errors). */
export function controlStates(phase: string, hasErrors: boolean): Record<Action, boolean> {
  const idle = !ACTIVE.includes(phase); // configuring, finished, cancelled, failed (or unknown)
  return {
    run: idle && !hasErrors,
    pause: phase === "searching",
    resume: phase === "paused",
    cancel: ACTIVE.includes(phase),
    extend: phase === "searching" || phase === "paused",
  };
}

const BUTTONS: { action: Action; label: string; title: string; message: Message; primary?: boolean }[] = [
  {
    action: "run",
    label: "Run",
    title: "Start a run with this target and configuration",
    message: { type: "run" },
    primary: true,
  },
  { action: "pause", label: "Pause", title: "Pause the search (running trials finish)", message: { type: "pause" } },
  { action: "resume", label: "Resume", title: "Resume the search", message: { type: "resume" } },
  { action: "cancel", label: "Cancel", title: "Stop the run, keep the finished trials", message: { type: "cancel" } },
  {
    action: "extend",
    label: `+${EXTEND_SECONDS} s`,
    title: `Give the search ${EXTEND_SECONDS} more seconds`,
    message: { type: "extend", seconds: EXTEND_SECONDS },
  },
];

export function mountControls(model: AnyModel, parent: HTMLElement): () => void {
  const buttons = BUTTONS.map((b) =>
    h("button", {
      type: "button",
      class: `ans-btn${b.primary ? " ans-btn-primary" : ""}`,
      testid: b.action,
      title: b.title,
      text: b.label,
      disabled: true,
      onclick: () => send(model, b.message),
    }),
  );
  const reason = h("span", { class: "ans-hint ans-controls-reason" });
  const bar = h("div", { class: "ans-controls", role: "toolbar", "aria-label": "Run controls" }, buttons, reason);
  parent.append(bar);

  const render = () => {
    const errors = traits.configErrors(model);
    const n = Object.keys(errors).length;
    const states = controlStates(traits.phase(model), n > 0);
    BUTTONS.forEach((b, i) => {
      buttons[i].disabled = !states[b.action];
    });
    reason.textContent =
      n > 0 && !ACTIVE.includes(traits.phase(model))
        ? `Fix ${n === 1 ? "the error" : `${n} errors`} below to run.`
        : "";
  };
  const off = subscribe(model, ["phase", "config_errors"], render);
  return () => {
    off();
    bar.remove();
  };
}
