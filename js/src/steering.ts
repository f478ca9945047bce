// Steering a running search (CONTRACT.md, "Steering"): a panel next to the leaderboard with
// a toggle per learner (block / allow), the time left, and the steering log; the "Try next"
// box of a trial's details (its parameters editable as JSON); the log's marks on the
// best-score chart. Every action is a message; the kernel checks it and says why in `error`
// when it refuses.
import { h, panel, renderFailure, replace } from "./dom";
import { fmtSeconds } from "./format";
import { send, subscribe, traits } from "./traits";
import type { AnyModel, Message, Steering, SteeringLearner, SteeringRecord, TrialDetails } from "./types";

/** The learner states the kernel sends. */
export const SEARCHED = "searched";

/** Whether the kernel accepts steering now (the search goes on and this widget holds its run). */
export function steerable(s: Steering): boolean {
  return s.enabled === true;
}

/** The learners of `steering`, dropping malformed entries. */
export function learnersOf(s: Steering): SteeringLearner[] {
  return Array.isArray(s.learners)
    ? s.learners.filter((l): l is SteeringLearner => !!l && typeof l.name === "string" && !!l.name)
    : [];
}

/** The log's records, dropping malformed entries. */
export function logOf(s: Steering): SteeringRecord[] {
  return Array.isArray(s.log) ? s.log.filter((r): r is SteeringRecord => !!r && typeof r.action === "string") : [];
}

/**
 * What clicking a learner's toggle sends: block a searched learner, allow a blocked or
 * left-out one; null when it cannot be toggled (the baseline, or the last learner searched).
 */
export function toggleMessage(learner: SteeringLearner, all: readonly SteeringLearner[]): Message | null {
  if (learner.baseline) return null;
  if (learner.state !== SEARCHED) return { type: "allow", learner: learner.name };
  const others = all.filter((l) => l.state === SEARCHED && !l.baseline && l.name !== learner.name);
  return others.length ? { type: "block", learner: learner.name } : null;
}

/** The toggle's tooltip: its state, why, and what a click does. */
export function toggleTitle(learner: SteeringLearner, all: readonly SteeringLearner[], enabled: boolean): string {
  const note = learner.note ? ` (${learner.note})` : "";
  const state = learner.baseline ? "the baseline: runs once, first" : `${learner.state}${note}`;
  if (!enabled) return `${learner.name}: ${state}`;
  const msg = toggleMessage(learner, all);
  const action =
    msg?.type === "block"
      ? "click to block it: no new trial of it starts (running ones finish)"
      : msg?.type === "allow"
        ? "click to allow it: it is searched from the next trial"
        : learner.baseline
          ? "it cannot be blocked"
          : "the last learner searched cannot be blocked";
  return `${learner.name}: ${state} — ${action}`;
}

/**
 * Seconds typed in the time-left box: "90", "90 s", "1.5 min", "2m", "1:30"; null when it is
 * not a positive time.
 */
export function parseSeconds(text: string): number | null {
  const t = text.trim().toLowerCase();
  let m = /^(\d+):([0-5]?\d)$/.exec(t);
  if (m) return positive(60 * Number(m[1]) + Number(m[2]));
  m = /^(\d*\.?\d+)\s*(s|sec|secs|seconds?|m|min|mins|minutes?)?$/.exec(t);
  if (!m) return null;
  const n = Number(m[1]);
  return positive(m[2] && m[2].startsWith("m") ? 60 * n : n);
}

function positive(n: number): number | null {
  return Number.isFinite(n) && n > 0 ? n : null;
}

/** Parameters as the editor shows them: JSON, one parameter a line. */
export function paramsText(params: unknown): string {
  const p = params && typeof params === "object" && !Array.isArray(params) ? params : {};
  return JSON.stringify(p, null, 2);
}

/** The editor's text as parameters, or why it is not (checked again by the kernel). */
export function parseParams(text: string): { params: Record<string, unknown> } | { error: string } {
  let v: unknown;
  try {
    v = JSON.parse(text.trim() || "{}");
  } catch (e) {
    return { error: `not JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) {
    return { error: 'the parameters must be a JSON object, e.g. {"n_neighbors": 7}' };
  }
  return { params: v as Record<string, unknown> };
}

/** A record's short label: "block knn", "allow mlp", "time left", "try next linear". */
export function markLabel(r: SteeringRecord): string {
  const action = r.action === "time_left" ? "time left" : r.action === "try_next" ? "try next" : String(r.action);
  return `${action}${r.learner ? ` ${r.learner}` : ""}`;
}

/** The log's records with a time on the chart's axis (seconds since the run started). */
export function chartMarks(log: readonly SteeringRecord[]): { t: number; label: string; detail: string }[] {
  return log
    .filter((r) => typeof r.t === "number" && Number.isFinite(r.t))
    .map((r) => ({ t: r.t as number, label: markLabel(r), detail: r.detail ?? "" }));
}

/** One line of the log: "12 s · block knn — blocked: … · Studio". */
export function logLine(r: SteeringRecord): string {
  const at = typeof r.at === "number" ? `${fmtSeconds(r.at)} · ` : "";
  return `${at}${markLabel(r)}${r.detail ? ` — ${r.detail}` : ""} · ${r.by === "studio" ? "Studio" : "API"}`;
}

export function mountSteering(model: AnyModel, parent: HTMLElement): () => void {
  const { section, body, aside } = panel("steering", "Steer the search", "steering");
  parent.append(section);

  const learnerRow = h("div", { class: "ans-steer-learners", role: "group", "aria-label": "Learners searched" });
  const input = h("input", {
    class: "ans-input ans-steer-time",
    type: "text",
    inputmode: "decimal",
    testid: "time-left-input",
    "aria-label": "Seconds left of the budget",
    placeholder: "seconds",
  });
  const setTime = h("button", {
    type: "button",
    class: "ans-btn",
    testid: "time-left-set",
    text: "Set",
    title: "Set the seconds left of the budget (ensembling and the refit included), from now",
  });
  const timeHint = h("span", { class: "ans-hint", testid: "time-left-hint" });
  const apply = () => {
    const seconds = parseSeconds(input.value);
    if (seconds == null) {
      timeHint.textContent = "give a positive time: 90, 90 s, 2 min or 1:30";
      input.classList.add("ans-invalid-input");
      return;
    }
    input.classList.remove("ans-invalid-input");
    send(model, { type: "set_time_left", seconds });
    timeHint.textContent = `asked: ${fmtSeconds(seconds)} left`;
    input.value = "";
  };
  setTime.addEventListener("click", apply);
  input.addEventListener("keydown", (ev) => {
    if ((ev as KeyboardEvent).key === "Enter") apply();
  });
  const timeRow = h(
    "div",
    { class: "ans-steer-time-row" },
    h("label", { class: "ans-muted", text: "Time left " }, input),
    setTime,
    timeHint,
  );
  const controls = h(
    "div",
    { class: "ans-steer-controls" },
    h("div", { class: "ans-hint", text: "Learners — click to block or allow (from the next trial on):" }),
    learnerRow,
    timeRow,
  );
  const closed = h("div", { class: "ans-hint ans-steer-closed" });
  const log = h("ol", { class: "ans-steer-log", testid: "steering-log", "aria-label": "Steering log" });
  replace(body, controls, closed, log);

  let learnersKey = "";
  let logKey = "";
  const render = () => {
    const s = traits.steering(model);
    const enabled = steerable(s);
    const learners = learnersOf(s);
    const records = logOf(s);
    section.hidden = !enabled && !records.length;
    controls.hidden = !enabled;
    closed.textContent =
      !enabled && records.length
        ? `The search is over${s.stop_reason ? ` (${s.stop_reason})` : ""}: steering is closed.`
        : "";
    aside.textContent = records.length ? `${records.length} action${records.length === 1 ? "" : "s"}` : "";

    const key = JSON.stringify([learners, enabled]);
    if (key !== learnersKey) {
      learnersKey = key;
      replace(
        learnerRow,
        learners.map((l) => {
          const msg = toggleMessage(l, learners);
          const on = l.state === SEARCHED;
          return h(
            "button",
            {
              type: "button",
              class: `ans-steer-learner ans-steer-${on ? "on" : l.state === "blocked" ? "blocked" : "out"}`,
              testid: "steer-learner",
              "data-learner": l.name,
              "data-state": l.state,
              "aria-pressed": String(on),
              title: toggleTitle(l, learners, enabled),
              disabled: !enabled || msg == null,
              onclick: () => {
                if (msg) send(model, msg);
              },
            },
            h("span", { class: "ans-steer-mark", "aria-hidden": "true", text: on ? "✓" : "⊘" }),
            l.name,
          );
        }),
      );
    }
    const eta = traits.status(model).eta;
    input.placeholder = typeof eta === "number" ? `${Math.round(eta)} s now` : "seconds";
    input.disabled = setTime.disabled = !enabled;

    const lk = JSON.stringify(records);
    if (lk !== logKey) {
      logKey = lk;
      replace(
        log,
        records.map((r) =>
          h("li", {
            testid: "steering-record",
            "data-action": r.action,
            class: "ans-steer-record",
            text: logLine(r),
          }),
        ),
      );
    }
  };
  const off = subscribe(model, ["steering", "status"], render, (e) => renderFailure(body, e));
  return () => {
    off();
    section.remove();
  };
}

/**
 * The "Try next" box of a trial's details: its learner with the parameters editable, sent as
 * `{type: "try_next", learner, params, from_trial}`; null when the trial cannot be asked again
 * (no run to steer, the ensemble, a held-out test, a learner not in the steering list).
 */
export function tryNextBox(model: AnyModel, d: TrialDetails, s: Steering): HTMLElement | null {
  if (!steerable(s) || typeof d.trial_id !== "number" || !d.learner) return null;
  const learner = learnersOf(s).find((l) => l.name === d.learner);
  if (!learner) return null;
  const searched = learner.state === SEARCHED;
  const editor = h("textarea", {
    class: "ans-input ans-try-next-params",
    testid: "try-next-params",
    rows: 4,
    spellcheck: "false",
    "aria-label": `Parameters of ${d.learner} to try next (JSON)`,
  });
  editor.value = paramsText(d.params);
  const note = h("div", { class: "ans-hint", testid: "try-next-note" });
  const button = h("button", {
    type: "button",
    class: "ans-btn ans-btn-primary",
    testid: "try-next",
    text: "Try next",
    title: searched ? `Run ${d.learner} with these parameters as the next trial` : "",
    disabled: !searched,
  });
  button.addEventListener("click", () => {
    const parsed = parseParams(editor.value);
    if ("error" in parsed) {
      note.textContent = parsed.error;
      note.classList.add("ans-try-next-error");
      return;
    }
    note.classList.remove("ans-try-next-error");
    send(model, {
      type: "try_next",
      learner: d.learner as string,
      params: parsed.params,
      from_trial: d.trial_id as number,
    });
    note.textContent = `sent: once the kernel accepts it, ${d.learner} runs next and the steering log shows it`;
  });
  if (!searched) note.textContent = `${d.learner} is ${learner.state}: allow it in "Steer the search" first`;
  return h(
    "div",
    { class: "ans-try-next", testid: "try-next-box" },
    h("h4", { text: `Try next: ${d.learner}` }),
    h("div", {
      class: "ans-hint",
      text: "Edit the parameters (JSON), then ask for this configuration as the next trial.",
    }),
    editor,
    h("div", { class: "ans-try-next-actions" }, button, note),
  );
}
