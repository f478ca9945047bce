// Config panel: task, metric, budget, trials, validation, learners, dropped columns,
// ensemble, seed. Writes the `config` trait; shows `config_errors` beside each field.
import { empty, fieldError, h, panel, renderFailure, replace, select } from "./dom";
import { traits, subscribe, write } from "./traits";
import type { AnyModel, Choices, Config, LearnerChoice } from "./types";

const AUTO = "auto";

// ---- pure logic (unit-tested) ----------------------------------------------------------

/** The task the run will have: the chosen one, or the one inferred from the target. */
export function effectiveTask(config: Config, choices: Choices): string {
  const t = typeof config.task === "string" ? config.task : "";
  return t && t !== AUTO ? t : (choices.inferred_task ?? "");
}

/** Tasks offered in the select ("auto" is shown as the inferred task, not as an option). */
export function taskOptions(choices: Choices): string[] {
  return (choices.tasks ?? []).filter((t) => t !== AUTO);
}

/** Metrics valid for `task`; all known metrics when the task is unknown. */
export function metricOptions(choices: Choices, task: string): string[] {
  const m = choices.metrics ?? {};
  if (task && Array.isArray(m[task])) return m[task].filter((x) => x !== AUTO);
  return [...new Set(Object.values(m).flat())].filter((x) => x !== AUTO);
}

/** The metric the select shows: the chosen one, else the default for "auto". */
export function shownMetric(config: Config, choices: Choices, task: string): string {
  const opts = metricOptions(choices, task);
  const m = typeof config.metric === "string" ? config.metric : AUTO;
  if (opts.includes(m)) return m;
  if (choices.default_metric && opts.includes(choices.default_metric)) return choices.default_metric;
  return opts[0] ?? "";
}

/** A new config for a changed task: a metric that no longer applies goes back to "auto". */
export function withTask(config: Config, choices: Choices, task: string): Config {
  const next: Config = { ...config, task };
  const metric = typeof config.metric === "string" ? config.metric : AUTO;
  if (metric !== AUTO && !metricOptions(choices, task).includes(metric)) next.metric = AUTO;
  return next;
}

/** Learners that apply to `task` (all when the task or the learner's tasks are unknown). */
export function learnersFor(choices: Choices, task: string): LearnerChoice[] {
  return (choices.learners ?? []).filter((l) => !task || !l.tasks || !l.tasks.length || l.tasks.includes(task));
}

export function learnerOn(config: Config, name: string): boolean {
  const allowed = config.allowed_learners;
  if (Array.isArray(allowed) && !allowed.includes(name)) return false;
  return !(config.blocked_learners ?? []).includes(name);
}

/**
 * A new config with learner `name` switched on or off. With an explicit `allowed_learners`
 * list the list is edited; otherwise (null = all allowed) `blocked_learners` is.
 */
export function withLearner(config: Config, name: string, on: boolean): Config {
  const blocked = (config.blocked_learners ?? []).filter((n) => n !== name);
  const allowed = config.allowed_learners;
  if (Array.isArray(allowed)) {
    const next = allowed.filter((n) => n !== name);
    if (on) next.push(name);
    return { ...config, allowed_learners: next, blocked_learners: blocked };
  }
  return { ...config, blocked_learners: on ? blocked : [...blocked, name] };
}

/** A new config with `column` added to or removed from `drop_columns`. */
export function withDropped(config: Config, column: string, dropped: boolean): Config {
  const rest = (config.drop_columns ?? []).filter((c) => c !== column);
  return { ...config, drop_columns: dropped ? [...rest, column] : rest };
}

/** Parse a number input: "" → null (when allowed), garbage → undefined (reject). */
export function parseNumber(text: string, nullable: boolean): number | null | undefined {
  const t = text.trim();
  if (t === "") return nullable ? null : undefined;
  const v = Number(t);
  return Number.isFinite(v) ? v : undefined;
}

/** Which error keys each field shows; others go to the panel's general error slot. */
const FIELD_ERRORS: Record<string, string[]> = {
  task: ["task"],
  metric: ["metric"],
  time_budget: ["time_budget"],
  max_trials: ["max_trials"],
  validation: ["validation"],
  n_folds: ["n_folds"],
  learners: ["allowed_learners", "blocked_learners", "learners"],
  drop_columns: ["drop_columns"],
  ensemble: ["ensemble"],
  seed: ["seed"],
};
const SHOWN_ELSEWHERE = new Set(["target"]); // the data panel shows the target's error

// ---- the panel -------------------------------------------------------------------------

export function mountConfig(model: AnyModel, parent: HTMLElement): () => void {
  const { section, body } = panel("config", "Configure");
  parent.append(section);

  const update = (next: Config) => write(model, "config", next);
  const patch = (p: Partial<Config>) => update({ ...traits.config(model), ...p });

  // Controls that are kept across renders; `sync` refreshes their values in place so a
  // kernel update never steals focus or a half-typed number.
  let structureKey = "";
  let syncers: (() => void)[] = [];
  const slots: Record<string, HTMLElement> = {};
  const generalErrors = h("div", { class: "ans-error-slot" });

  const numberField = (
    field: "time_budget" | "max_trials" | "n_folds" | "seed",
    label: string,
    opts: { nullable: boolean; min?: number; step?: number; placeholder?: string; testid?: string; unit?: string },
  ): HTMLElement => {
    const input = h("input", {
      type: "number",
      class: "ans-input",
      min: opts.min,
      step: opts.step ?? 1,
      placeholder: opts.placeholder,
      testid: opts.testid,
      "aria-label": label,
    });
    const show = () => {
      const v = traits.config(model)[field];
      input.value = typeof v === "number" ? String(v) : "";
    };
    input.addEventListener("change", () => {
      const v = parseNumber(input.value, opts.nullable);
      if (v === undefined) show();
      else patch({ [field]: v });
    });
    syncers.push(() => {
      if (document.activeElement !== input) show();
    });
    if (field === "n_folds") {
      syncers.push(() => {
        input.disabled = traits.config(model).validation === "holdout";
      });
    }
    return fieldBox(
      field,
      label,
      h("span", { class: "ans-input-unit" }, input, opts.unit ? h("span", { text: opts.unit }) : null),
    );
  };

  const fieldBox = (field: string, label: string, control: HTMLElement, hint?: HTMLElement): HTMLElement => {
    const slot = h("div", { class: "ans-error-slot" });
    slots[field] = slot;
    return h(
      "div",
      { class: `ans-field ans-field-${field}` },
      h("label", { class: "ans-field-label" }, h("span", { text: label }), control),
      hint,
      slot,
    );
  };

  const build = () => {
    syncers = [];
    for (const k of Object.keys(slots)) delete slots[k];
    const config = traits.config(model);
    const choices = traits.choices(model);
    const task = effectiveTask(config, choices);

    // task
    const tasks = taskOptions(choices);
    const taskSel = select(tasks.length ? tasks.map((t) => [t, t]) : [["", "auto (choose a target)"]], "", {
      testid: "task-select",
      class: "ans-input",
      "aria-label": "Task",
      disabled: !tasks.length,
    });
    taskSel.addEventListener("change", () =>
      update(withTask(traits.config(model), traits.choices(model), taskSel.value)),
    );
    const taskHint = h("div", { class: "ans-hint", testid: "task-reason" });
    syncers.push(() => {
      const c = traits.config(model);
      const ch = traits.choices(model);
      const t = effectiveTask(c, ch);
      if (tasks.includes(t)) taskSel.value = t;
      const inferred = ch.inferred_task;
      const reason = ch.task_reason;
      taskHint.textContent = inferred
        ? `${c.task && c.task !== AUTO && c.task !== inferred ? "Inferred" : "Inferred from the target"}: ${inferred}${reason ? ` — ${reason}` : ""}`
        : "";
    });

    // metric
    const metrics = metricOptions(choices, task);
    const metricSel = select(metrics.length ? metrics.map((m) => [m, m]) : [["", "auto"]], "", {
      testid: "metric-select",
      class: "ans-input",
      "aria-label": "Metric",
      disabled: !metrics.length,
    });
    metricSel.addEventListener("change", () => patch({ metric: metricSel.value }));
    syncers.push(() => {
      const c = traits.config(model);
      const ch = traits.choices(model);
      metricSel.value = shownMetric(c, ch, effectiveTask(c, ch));
    });

    // validation
    const validations = choices.validations?.length ? choices.validations : [AUTO, "cv", "holdout"];
    const valSel = select(
      validations.map((v) => [v, v === AUTO ? "auto" : v === "cv" ? "cross-validation" : v]),
      "",
      { class: "ans-input", "aria-label": "Validation", testid: "validation-select" },
    );
    valSel.addEventListener("change", () => patch({ validation: valSel.value }));
    syncers.push(() => {
      valSel.value = String(traits.config(model).validation ?? AUTO);
    });

    // learners
    const learners = learnersFor(choices, task);
    const learnerBoxes = learners.map((l) => {
      const cb = h("input", { type: "checkbox", "data-learner": l.name });
      cb.addEventListener("change", () => update(withLearner(traits.config(model), l.name, cb.checked)));
      syncers.push(() => {
        cb.checked = learnerOn(traits.config(model), l.name);
      });
      return h("label", { class: "ans-check", title: l.description ?? "" }, cb, h("span", { text: l.name }));
    });

    // columns to drop
    const target = traits.target(model);
    const columns = (traits.dataInfo(model).columns ?? []).map((c) => String(c.name)).filter((n) => n !== target);
    const dropBoxes = columns.map((name) => {
      const cb = h("input", { type: "checkbox", "data-column": name });
      cb.addEventListener("change", () => update(withDropped(traits.config(model), name, cb.checked)));
      syncers.push(() => {
        cb.checked = (traits.config(model).drop_columns ?? []).includes(name);
      });
      return h("label", { class: "ans-check", title: name }, cb, h("span", { text: name }));
    });

    // ensemble
    const ens = h("input", { type: "checkbox", testid: "ensemble-checkbox" });
    ens.addEventListener("change", () => patch({ ensemble: ens.checked }));
    syncers.push(() => {
      ens.checked = traits.config(model).ensemble !== false;
    });

    replace(
      body,
      generalErrors,
      h(
        "div",
        { class: "ans-form" },
        fieldBox("task", "Task", taskSel, taskHint),
        fieldBox("metric", "Metric", metricSel),
        numberField("time_budget", "Time budget", { nullable: false, min: 1, testid: "budget-input", unit: "s" }),
        numberField("max_trials", "Max trials", {
          nullable: true,
          min: 1,
          placeholder: "no limit",
          testid: "max-trials-input",
        }),
        fieldBox("validation", "Validation", valSel),
        numberField("n_folds", "Folds", { nullable: true, min: 2, placeholder: "auto", testid: "folds-input" }),
        numberField("seed", "Seed", { nullable: true, placeholder: "none", testid: "seed-input" }),
        fieldBox(
          "ensemble",
          "Ensemble",
          h("span", { class: "ans-check" }, ens, h("span", { text: "build an ensemble of the best trials" })),
        ),
      ),
      fieldBox(
        "learners",
        "Learners",
        learnerBoxes.length
          ? h("div", { class: "ans-checks", testid: "learners" }, learnerBoxes)
          : empty("No learner list yet."),
      ),
      fieldBox(
        "drop_columns",
        "Columns to drop",
        dropBoxes.length
          ? h("div", { class: "ans-checks ans-checks-scroll", testid: "drop-columns" }, dropBoxes)
          : empty("No columns yet."),
      ),
    );
  };

  const render = () => {
    const config = traits.config(model);
    const choices = traits.choices(model);
    const key = JSON.stringify([
      choices,
      effectiveTask(config, choices),
      traits.target(model),
      (traits.dataInfo(model).columns ?? []).map((c) => c.name),
    ]);
    if (key !== structureKey) {
      structureKey = key;
      build();
    }
    for (const s of syncers) s();
    renderErrors();
  };

  const renderErrors = () => {
    const errors = traits.configErrors(model);
    const claimed = new Set<string>(SHOWN_ELSEWHERE);
    for (const [field, keys] of Object.entries(FIELD_ERRORS)) {
      const msgs = keys.filter((k) => errors[k]).map((k) => errors[k]);
      keys.forEach((k) => claimed.add(k));
      const slot = slots[field];
      if (slot) fieldError(slot, field, msgs.join("; ") || undefined);
      slot?.parentElement?.classList.toggle("ans-invalid", msgs.length > 0);
    }
    const rest = Object.entries(errors).filter(([k]) => !claimed.has(k));
    replace(
      generalErrors,
      rest.map(([k, msg]) =>
        h("div", {
          class: "ans-field-error",
          testid: "config-error",
          "data-field": k,
          role: "alert",
          text: `${k}: ${msg}`,
        }),
      ),
    );
  };

  const off = subscribe(model, ["config", "choices", "config_errors", "target", "data_info"], render, (e) =>
    renderFailure(body, e),
  );
  return () => {
    off();
    section.remove();
  };
}
