// Progress panel: phase badge, elapsed of budget with ETA, trial counts, best so far.
import { badge, h, panel, renderFailure, replace } from "./dom";
import { DASH, fmtInt, fmtNum, fmtSeconds, fraction } from "./format";
import { subscribe, traits } from "./traits";
import type { AnyModel } from "./types";

const RUNNING = new Set(["profiling", "searching", "ensembling", "refitting"]);

/** "12 s of 60 s · about 48 s left" (pure; unit-tested). */
export function timeText(elapsed: unknown, budget: unknown, eta: unknown, phase: string): string {
  const e = typeof elapsed === "number" ? elapsed : null;
  const b = typeof budget === "number" ? budget : null;
  const parts = [e == null && b == null ? "" : b != null ? `${fmtSeconds(e ?? 0)} of ${fmtSeconds(b)}` : fmtSeconds(e)];
  if (typeof eta === "number" && Number.isFinite(eta) && (RUNNING.has(phase) || phase === "paused")) {
    parts.push(`about ${fmtSeconds(eta)} left`);
  }
  return parts.filter(Boolean).join(" · ");
}

export function mountProgress(model: AnyModel, parent: HTMLElement): () => void {
  const { section, body } = panel("progress", "Progress");
  parent.append(section);
  const phaseBadge = h("span", { class: "ans-badge ans-phase", testid: "phase", role: "status" });
  const barFill = h("div", { class: "ans-bar-fill" });
  const bar = h(
    "div",
    {
      class: "ans-bar",
      role: "progressbar",
      "aria-label": "Time used of the budget",
      "aria-valuemin": 0,
      "aria-valuemax": 100,
    },
    barFill,
  );
  const time = h("span", { class: "ans-time" });
  const counts = h("div", { class: "ans-counts" });
  const bestLine = h("div", { class: "ans-best" });
  const message = h("div", { class: "ans-hint ans-message" });
  const finalModel = h("div", { class: "ans-final" });
  replace(
    body,
    h("div", { class: "ans-progress-top" }, phaseBadge, h("div", { class: "ans-progress-time" }, bar, time)),
    h("div", { class: "ans-progress-stats" }, counts, bestLine),
    message,
    finalModel,
  );

  const render = () => {
    const phase = traits.phase(model);
    const st = traits.status(model);
    phaseBadge.textContent = phase;
    phaseBadge.className = `ans-badge ans-phase ans-phase-${phase}${RUNNING.has(phase) ? " ans-pulse" : ""}`;

    const done = phase === "finished";
    const f = done ? 1 : fraction(st.elapsed, st.budget);
    barFill.style.width = `${(100 * f).toFixed(1)}%`;
    bar.setAttribute("aria-valuenow", (100 * f).toFixed(0));
    bar.classList.toggle("ans-bar-idle", phase === "configuring");
    time.textContent = timeText(st.elapsed, st.budget, st.eta, phase);

    const n = (v: unknown) => (typeof v === "number" ? v : 0);
    replace(
      counts,
      h("span", { class: "ans-count", "data-count": "done" }, h("b", { text: fmtInt(n(st.n_done)) }), " done"),
      h(
        "span",
        { class: `ans-count${n(st.n_failed) ? " ans-count-failed" : ""}`, "data-count": "failed" },
        h("b", { text: fmtInt(n(st.n_failed)) }),
        " failed",
      ),
      // stopped: by the budget, the trial's own timeout, Cancel, or pruned as hopeless — not failures
      h(
        "span",
        {
          class: "ans-count",
          "data-count": "stopped",
          title: "trials stopped by the time budget, their trial_timeout, Cancel, or pruned as hopeless",
        },
        h("b", { text: fmtInt(n(st.n_stopped)) }),
        " stopped",
      ),
      h("span", { class: "ans-count", "data-count": "running" }, h("b", { text: fmtInt(n(st.n_running)) }), " running"),
    );
    const hasBest = typeof st.best_score === "number";
    replace(
      bestLine,
      hasBest
        ? [
            h("span", { class: "ans-muted", text: `best ${st.metric ?? "score"} ` }),
            h("b", { class: "ans-best-score", text: fmtNum(st.best_score) }),
            st.best_learner ? h("span", { class: "ans-muted", text: ` · ${st.best_learner}` }) : null,
            st.greater_is_better != null
              ? h("span", {
                  class: "ans-hint",
                  text: st.greater_is_better ? "  (higher is better)" : "  (lower is better)",
                })
              : null,
          ]
        : h("span", { class: "ans-muted", text: `best ${st.metric ?? "score"} ${DASH}` }),
    );
    message.textContent = st.message ?? "";

    const best = traits.best(model);
    const members = Array.isArray(best.members) ? best.members : [];
    replace(
      finalModel,
      best.description || members.length
        ? [
            badge("final model", "final"),
            h("span", { text: ` ${best.description ?? ""}` }),
            typeof best.score === "number" ? h("b", { text: ` ${fmtNum(best.score)}` }) : null,
            members.length > 1
              ? h(
                  "span",
                  { class: "ans-muted" },
                  ` — ${members
                    .map((m) => `${m.learner}${m.trial_id != null ? ` #${m.trial_id}` : ""} ×${fmtNum(m.weight, 2)}`)
                    .join(", ")}`,
                )
              : null,
          ]
        : null,
    );
  };
  const off = subscribe(model, ["phase", "status", "best"], render, (e) => renderFailure(body, e));
  return () => {
    off();
    section.remove();
  };
}
