// Config panel: task, metric, budget, trials, validation, learners, dropped columns,
// ensemble, seed — and for task "forecast" the time column, horizon, series id, frequency,
// season length, holidays and backtest windows instead of validation and folds. Writes the
// `config` trait; shows `config_errors` beside each field.
import { empty, fieldError, h, panel, renderFailure, replace, select, setOptions } from "./dom";
import { traits, subscribe, write } from "./traits";
import type { AnyModel, Choices, Config, LearnerChoice } from "./types";

const AUTO = "auto";
export const FORECAST = "forecast";
/** The series-id select's first option: one series (`series_id: null`). */
export const SINGLE_SERIES = "(single series)";

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

/** The forecasting keys of `config` and their values when unused (any task but "forecast"). */
export const FORECAST_UNUSED: Partial<Config> = {
  time_column: null,
  horizon: null,
  series_id: null,
  frequency: AUTO,
  season_length: AUTO,
  country_holidays: null,
  n_windows: null,
};

/**
 * A new config for a changed task: a metric that no longer applies goes back to "auto";
 * choosing "forecast" without a time column picks the first column that parses as datetimes;
 * choosing another task resets the forecasting keys the config has to their unused values
 * (the engine refuses forecasting settings for other tasks).
 */
export function withTask(config: Config, choices: Choices, task: string): Config {
  const next: Config = { ...config, task };
  const metric = typeof config.metric === "string" ? config.metric : AUTO;
  if (metric !== AUTO && !metricOptions(choices, task).includes(metric)) next.metric = AUTO;
  if (task === FORECAST) {
    const times = Array.isArray(choices.time_columns) ? choices.time_columns : [];
    if ((config.time_column == null || config.time_column === "") && times.length) next.time_column = String(times[0]);
  } else {
    for (const [k, v] of Object.entries(FORECAST_UNUSED)) if (k in config) next[k] = v;
  }
  return next;
}

/** Time-column options: the datetime columns, plus the current value, plus "" while it is null. */
export function timeColumnOptions(config: Config, choices: Choices): [string, string][] {
  const names = (Array.isArray(choices.time_columns) ? choices.time_columns : []).map(String);
  const current = typeof config.time_column === "string" && config.time_column ? config.time_column : null;
  const opts: [string, string][] = names.map((n) => [n, n]);
  if (current && !names.includes(current)) opts.push([current, current]);
  if (!current) opts.unshift(["", names.length ? "— choose the time column —" : "— no datetime column —"]);
  return opts;
}

/** Series-id options: "(single series)" (value "" = null), then every column but the target and the time column. */
export function seriesIdOptions(config: Config, columns: string[], target: string): [string, string][] {
  const time = typeof config.time_column === "string" ? config.time_column : null;
  const names = columns.filter((c) => c !== target && c !== time);
  const current = typeof config.series_id === "string" && config.series_id ? config.series_id : null;
  if (current && !names.includes(current)) names.push(current);
  return [["", SINGLE_SERIES], ...names.map((n): [string, string] => [n, n])];
}

/** Parse an integer input: "" → null (when allowed), not an integer → undefined (reject). */
export function parseInteger(text: string, nullable: boolean): number | null | undefined {
  const t = text.trim();
  if (t === "") return nullable ? null : undefined;
  return /^[+-]?\d+$/.test(t) ? Number(t) : undefined;
}

/** The season length: "" or "auto" → "auto", an integer → that number, else undefined (reject). */
export function parseSeasonLength(text: string): number | "auto" | undefined {
  const t = text.trim();
  if (t === "" || t.toLowerCase() === AUTO) return AUTO;
  const v = parseInteger(t, false);
  return v == null ? undefined : v;
}

/** The frequency: "" or "auto" (any case) → "auto", else the alias as typed (pandas aliases are case-sensitive). */
export function parseFrequency(text: string): string {
  const t = text.trim();
  return t === "" || t.toLowerCase() === AUTO ? AUTO : t;
}

/** Country holidays: "" → null, else the code as typed ("US", "AU-VIC"). */
export function parseHolidays(text: string): string | null {
  const t = text.trim();
  return t === "" ? null : t;
}

/** "auto (12)" when the kernel has a guess, else "auto". */
export function autoPlaceholder(guess: unknown): string {
  return guess != null && guess !== "" ? `auto (${String(guess)})` : AUTO;
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
  time_column: ["time_column"],
  horizon: ["horizon"],
  series_id: ["series_id"],
  frequency: ["frequency"],
  season_length: ["season_length"],
  country_holidays: ["country_holidays"],
  n_windows: ["n_windows"],
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
    field: "time_budget" | "max_trials" | "n_folds" | "seed" | "horizon" | "n_windows",
    label: string,
    opts: {
      nullable: boolean;
      min?: number;
      step?: number;
      placeholder?: string;
      testid?: string;
      unit?: string;
      integer?: boolean;
      /** A placeholder that follows the traits (e.g. the kernel's guess). */
      livePlaceholder?: () => string;
    },
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
      const v = opts.integer ? parseInteger(input.value, opts.nullable) : parseNumber(input.value, opts.nullable);
      if (v === undefined) show();
      else patch({ [field]: v });
    });
    syncers.push(() => {
      if (document.activeElement !== input) show();
      if (opts.livePlaceholder) input.placeholder = opts.livePlaceholder();
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

  /** A text input written on change through `parse` (undefined: rejected, the value is restored). */
  const textField = (
    field: "frequency" | "season_length" | "country_holidays",
    label: string,
    opts: {
      testid: string;
      parse: (text: string) => unknown;
      placeholder?: () => string;
      title?: string;
    },
  ): HTMLElement => {
    const input = h("input", {
      type: "text",
      class: "ans-input",
      testid: opts.testid,
      "aria-label": label,
      title: opts.title,
      spellcheck: "false",
      autocomplete: "off",
    });
    const show = () => {
      const v = traits.config(model)[field];
      input.value = v == null ? "" : String(v);
    };
    input.addEventListener("change", () => {
      const v = opts.parse(input.value);
      if (v === undefined) show();
      else {
        patch({ [field]: v });
        show(); // the normalized value ("Auto" → "auto", " US " → "US")
      }
    });
    syncers.push(() => {
      if (document.activeElement !== input) show();
      if (opts.placeholder) input.placeholder = opts.placeholder();
    });
    return fieldBox(field, label, input);
  };

  /** The forecasting fields (task "forecast" only). */
  const forecastFields = (): HTMLElement[] => {
    const defaults = () => {
      const d = traits.choices(model).forecast_defaults;
      return d && typeof d === "object" ? d : {};
    };

    // time column: options follow choices.time_columns and the current value, updated in place
    const timeSel = select([], "", { testid: "time-column-select", class: "ans-input", "aria-label": "Time column" });
    // a column that becomes the time (or series id) column is no longer dropped
    const undrop = (name: string) => (traits.config(model).drop_columns ?? []).filter((c) => c !== name);
    timeSel.addEventListener("change", () =>
      patch({ time_column: timeSel.value || null, drop_columns: undrop(timeSel.value) }),
    );
    const timeHint = h("div", { class: "ans-hint", testid: "forecast-defaults" });
    syncers.push(() => {
      const c = traits.config(model);
      const opts = timeColumnOptions(c, traits.choices(model));
      setOptions(timeSel, opts, typeof c.time_column === "string" ? c.time_column : "");
      timeSel.disabled = opts.length === 1 && opts[0][0] === "";
      const d = defaults();
      const parts = [
        d.frequency ? `frequency ${d.frequency}` : "",
        d.season_length != null ? `season ${d.season_length}` : "",
        d.horizon != null ? `horizon ${d.horizon}` : "",
        d.n_windows != null ? `${d.n_windows} window${d.n_windows === 1 ? "" : "s"}` : "",
      ].filter(Boolean);
      timeHint.textContent = parts.length ? `Detected: ${parts.join(" · ")}` : "";
    });

    // series id: "(single series)" = null, then the columns but the target and the time column
    const seriesSel = select([], "", { testid: "series-id-select", class: "ans-input", "aria-label": "Series id" });
    seriesSel.addEventListener("change", () =>
      patch({ series_id: seriesSel.value || null, drop_columns: undrop(seriesSel.value) }),
    );
    syncers.push(() => {
      const c = traits.config(model);
      const columns = (traits.dataInfo(model).columns ?? []).map((col) => String(col.name));
      setOptions(
        seriesSel,
        seriesIdOptions(c, columns, traits.target(model)),
        typeof c.series_id === "string" ? c.series_id : "",
      );
    });

    return [
      fieldBox("time_column", "Time column", timeSel, timeHint),
      fieldBox("series_id", "Series id", seriesSel),
      numberField("horizon", "Horizon", {
        nullable: true,
        min: 1,
        integer: true,
        testid: "horizon-input",
        unit: "steps",
        livePlaceholder: () => autoPlaceholder(defaults().horizon),
      }),
      numberField("n_windows", "Backtest windows", {
        nullable: true,
        min: 1,
        integer: true,
        testid: "windows-input",
        livePlaceholder: () => autoPlaceholder(defaults().n_windows),
      }),
      textField("frequency", "Frequency", {
        testid: "frequency-input",
        parse: parseFrequency,
        placeholder: () => autoPlaceholder(defaults().frequency),
        title: 'a pandas offset alias ("D", "W", "MS", "h", "30min") or "auto"',
      }),
      textField("season_length", "Season length", {
        testid: "season-length-input",
        parse: parseSeasonLength,
        placeholder: () => autoPlaceholder(defaults().season_length),
        title: 'steps in a season (12 for monthly data, 7 for daily) or "auto"',
      }),
      textField("country_holidays", "Holidays", {
        testid: "holidays-input",
        parse: parseHolidays,
        placeholder: () => "none (e.g. US, AU-VIC)",
        title: "a country (and subdivision) code whose public holidays become features; empty: none",
      }),
    ];
  };

  const build = () => {
    syncers = [];
    for (const k of Object.keys(slots)) delete slots[k];
    const config = traits.config(model);
    const choices = traits.choices(model);
    const task = effectiveTask(config, choices);
    const forecasting = task === FORECAST;

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
      const box = h("label", { class: "ans-check", title: name }, cb, h("span", { text: name }));
      syncers.push(() => {
        const c = traits.config(model);
        cb.checked = (c.drop_columns ?? []).includes(name);
        // forecasting: the time column and the series id are not features to drop
        box.hidden = forecasting && (name === c.time_column || name === c.series_id);
      });
      return box;
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
        forecasting ? forecastFields() : null,
        numberField("time_budget", "Time budget", { nullable: false, min: 1, testid: "budget-input", unit: "s" }),
        numberField("max_trials", "Max trials", {
          nullable: true,
          min: 1,
          placeholder: "no limit",
          testid: "max-trials-input",
        }),
        // forecasting validates by rolling-origin backtest windows instead
        forecasting ? null : fieldBox("validation", "Validation", valSel),
        forecasting
          ? null
          : numberField("n_folds", "Folds", { nullable: true, min: 2, placeholder: "auto", testid: "folds-input" }),
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
    // time_columns and forecast_defaults follow the time column: updated in place, no rebuild
    const key = JSON.stringify([
      { ...choices, time_columns: undefined, forecast_defaults: undefined },
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
      const slot = slots[field];
      if (!slot) continue; // a field not shown for this task: its error goes to the general slot
      const msgs = keys.filter((k) => errors[k]).map((k) => errors[k]);
      keys.forEach((k) => claimed.add(k));
      fieldError(slot, field, msgs.join("; ") || undefined);
      slot.parentElement?.classList.toggle("ans-invalid", msgs.length > 0);
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
