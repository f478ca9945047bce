// The traits of js/CONTRACT.md as TypeScript types. Every field is optional because the
// kernel may not have filled it yet (and read-only widgets leave data/config traits empty):
// panels read through `traits.ts`, which never hands out undefined where a list/dict is due.

export type Phase =
  | "configuring"
  | "profiling"
  | "searching"
  | "paused"
  | "ensembling"
  | "refitting"
  | "finished"
  | "cancelled"
  | "failed";

export interface ColumnInfo {
  name: string;
  kind?: string;
  dtype?: string;
  missing?: number | null;
  unique?: number | null;
  evidence?: string;
  set_by_you?: boolean; // its kind or transformer came from column_kinds / column_transformers / featurization="off"
}

export interface DataInfo {
  n_rows?: number;
  n_columns?: number;
  columns?: ColumnInfo[];
  head?: { columns?: string[]; rows?: string[][] };
}

export interface Config {
  task?: string;
  metric?: string;
  time_budget?: number | null;
  max_trials?: number | null;
  validation?: string;
  n_folds?: number | null;
  allowed_learners?: string[] | null;
  blocked_learners?: string[];
  drop_columns?: string[];
  ensemble?: boolean;
  seed?: number | null;
  // forecasting (always present in the kernel's config; null when unused)
  time_column?: string | null;
  horizon?: number | null;
  series_id?: string | null;
  frequency?: string;
  season_length?: number | "auto";
  country_holidays?: string | null;
  n_windows?: number | null;
  [key: string]: unknown;
}

export interface LearnerChoice {
  name: string;
  description?: string;
  tasks?: string[];
}

export interface Choices {
  tasks?: string[];
  metrics?: Record<string, string[]>;
  learners?: LearnerChoice[];
  validations?: string[];
  inferred_task?: string;
  task_reason?: string;
  default_metric?: string;
  /** Columns that parse as datetimes (may be empty). */
  time_columns?: string[];
  /** The kernel's guesses for the current time column; any may be null. */
  forecast_defaults?: ForecastDefaults;
}

export interface ForecastDefaults {
  horizon?: number | null;
  frequency?: string | null;
  season_length?: number | null;
  n_windows?: number | null;
}

export interface Status {
  elapsed?: number | null;
  budget?: number | null;
  eta?: number | null;
  n_done?: number | null;
  /** trials whose status is "failed" (an error, a crash, out of memory) */
  n_failed?: number | null;
  /** trials stopped, not failed: status "timeout", "cancelled" or "pruned" */
  n_stopped?: number | null;
  n_running?: number | null;
  best_score?: number | null;
  best_learner?: string | null;
  metric?: string | null;
  greater_is_better?: boolean | null;
  message?: string | null;
  /** why the search stopped ("time budget used", "target score 0.9 reached by trial 7"); null while it goes on */
  stop_reason?: string | null;
}

export interface LeaderboardRow {
  trial_id: number | null;
  rank?: number | null;
  learner?: string;
  score?: number | null;
  score_std?: number | null;
  metrics?: Record<string, number | null>;
  fit_seconds?: number | null;
  predict_seconds?: number | null;
  duration?: number | null;
  status?: string;
  phase?: string;
  /** why the searcher tried it ("portfolio slot 3: lightgbm default 1", "TPE on …") */
  reason?: string;
  error?: string | null;
  params?: Record<string, unknown>;
  /** the chance the trial is truly the best, 0..1, from paired fold differences (absent: not computed) */
  p_best?: number | null;
}

export interface HistoryPoint {
  trial_id?: number | null;
  t: number;
  score: number | null;
  learner?: string;
  status?: string;
}

export interface Guardrail {
  check: string;
  status: "passed" | "fixed" | "alerted" | string;
  message?: string;
  advice?: string;
  columns?: string[];
}

export interface FeaturizationRow {
  raw_column: string;
  kind?: string;
  steps?: string[];
  engineered_features?: string[];
  n_features?: number;
  dropped?: boolean | string; // the kernel sends the reason ("" when kept)
  set_by_you?: boolean; // as ColumnInfo.set_by_you
}

export interface ClassificationPlots {
  kind: "classification";
  roc?: { fpr?: number[]; tpr?: number[]; auc?: number | null };
  pr?: { recall?: number[]; precision?: number[]; ap?: number | null };
  confusion?: { labels?: (string | number)[]; matrix?: number[][] };
}

export interface RegressionPlots {
  kind: "regression";
  scatter?: { actual?: number[]; predicted?: number[] };
  residuals?: { predicted?: number[]; residual?: number[] };
}

/** `{t, y}` of one series: ISO timestamps and values (null: missing). */
export interface TimeValues {
  t?: string[];
  y?: (number | null)[];
}

export interface ForecastBacktestWindow {
  window: number;
  cutoff?: string;
  t?: string[];
  y?: (number | null)[]; // actuals (trial details only)
  y_pred?: (number | null)[];
  score?: number | null; // the window's score (the `forecast` trait only)
}

export interface ForecastPlots {
  kind: "forecast";
  series_id?: string;
  history?: TimeValues;
  backtest?: ForecastBacktestWindow[];
}

/** The `forecast` trait (CONTRACT.md, "Forecast"); `{}` when there is none. */
export interface Forecast {
  series_ids?: string[];
  series_id?: string;
  metric?: string;
  horizon?: number;
  level?: number;
  model?: string;
  note?: string; // why part of it is missing ("" when nothing to say)
  history?: TimeValues;
  backtest?: ForecastBacktestWindow[];
  forecast?: { t?: string[]; mean?: (number | null)[]; lower?: (number | null)[]; upper?: (number | null)[] };
  computing?: boolean;
}

export interface TrialDetails {
  trial_id?: number | null;
  learner?: string;
  params?: Record<string, unknown>;
  fold_scores?: (number | null)[];
  metrics?: Record<string, number | null>;
  fit_seconds?: number | null;
  predict_seconds?: number | null;
  duration?: number | null;
  status?: string;
  error?: string | null;
  plots?: ClassificationPlots | RegressionPlots | ForecastPlots | Record<string, never>;
}

export interface Best {
  description?: string;
  score?: number | null;
  members?: { trial_id: number | null; learner: string; weight: number }[];
}

export type ExplanationSpace = "raw" | "engineered";

export interface ImportanceItem {
  feature: string;
  importance: number | null;
}

export interface BeeswarmPoint {
  feature: string;
  shap: number | null;
  value: number | null; // the feature's value normalized to 0..1 (null: missing or not numeric)
}

export interface Beeswarm {
  features?: string[];
  points?: BeeswarmPoint[];
}

export interface Dependence {
  feature?: string;
  x?: (number | string | null)[];
  shap?: (number | null)[];
  categorical?: boolean;
}

export interface WaterfallContribution {
  feature: string;
  value?: string | null;
  shap: number | null;
}

export interface Waterfall {
  row?: number;
  base_value?: number | null;
  output?: number | null;
  contributions?: WaterfallContribution[];
}

/** The `explanation` trait (CONTRACT.md, "Explanations"); `{}` when there is none. */
export interface Explanation {
  trial_id?: number | null;
  explainer?: string;
  note?: string;
  n_rows?: number;
  class_name?: string | number | null;
  base_value?: number | null;
  importance?: { raw?: ImportanceItem[]; engineered?: ImportanceItem[] };
  beeswarm?: { raw?: Beeswarm; engineered?: Beeswarm };
  dependence?: Dependence;
  waterfall?: Waterfall;
  rows?: number;
  space?: ExplanationSpace;
  computing?: boolean;
}

/** Messages the browser sends to the kernel (CONTRACT.md, "Messages from the browser"). */
export type Message =
  | { type: "run" }
  | { type: "pause" }
  | { type: "resume" }
  | { type: "cancel" }
  | { type: "extend"; seconds: number }
  | { type: "select_trial"; trial_id: number }
  | { type: "explain"; trial_id?: number | null; feature?: string; row?: number; space?: ExplanationSpace }
  | { type: "forecast_series"; series_id: string }
  | { type: "export"; kind: ExportKind }
  | { type: "reliability" }
  | { type: "block"; learner: string }
  | { type: "allow"; learner: string }
  | { type: "set_time_left"; seconds: number }
  | { type: "try_next"; learner: string; params: Record<string, unknown>; from_trial?: number | null }
  | { type: "best_by"; metric: string };

/** One learner of the `steering` trait: "searched", "blocked" (by you or blocked_learners) or "left out". */
export interface SteeringLearner {
  name: string;
  state: "searched" | "blocked" | "left out" | string;
  note?: string;
  baseline?: boolean;
}

/** One record of the steering log; `t`: seconds on the best-score chart's axis. */
export interface SteeringRecord {
  seq?: number;
  at?: number;
  t?: number;
  action: "block" | "allow" | "time_left" | "try_next" | string;
  learner?: string | null;
  detail?: string;
  by?: "api" | "studio" | string;
}

/** The `steering` trait (CONTRACT.md, "Steering"); `{}` before a run. */
export interface Steering {
  enabled?: boolean;
  learners?: SteeringLearner[];
  log?: SteeringRecord[];
  stop_reason?: string | null;
}

/** The `final_choice` trait: the metric the final model is chosen by, and the offered ones. */
export interface FinalChoice {
  metric?: string;
  optimized?: string;
  options?: string[];
  state?: "idle" | "working" | "failed";
  message?: string;
}

/** What the Export area can make (`exports` trait keys, `export` message kinds). */
export type ExportKind = "report" | "code" | "onnx";

/** The `exports` trait's entry for one kind: the kernel is making it, sent it, or could not. */
export interface ExportState {
  state?: "working" | "ready" | "failed";
  message?: string;
  filename?: string;
  bytes?: number;
}

/** One model of the stability record: its score on each split (`models[0]` is the final model). */
export interface StabilityModel {
  label?: string;
  trial_id?: number | null;
  scores?: (number | null)[];
}

/** `reliability.stability`: `aml.stability()`'s record (automl_nb/reliability/__init__.py). */
export interface StabilityRecord {
  mode?: "retrain" | "retune" | string;
  n?: number;
  metric?: string;
  greater_is_better?: boolean;
  mean?: number | null;
  interval?: (number | null)[];
  verdict?: string;
  win_rate?: number | null;
  models?: StabilityModel[];
  seconds?: number;
}

/** One share of the training rows in `reliability.learning_curve`. */
export interface LearningCurvePoint {
  fraction?: number;
  n_rows?: number;
  mean?: number | null;
  std?: number | null;
  scores?: (number | null)[];
}

/** `reliability.learning_curve`: `aml.learning_curve()`'s record. */
export interface LearningCurveRecord {
  metric?: string;
  greater_is_better?: boolean;
  verdict?: string;
  slope?: number | null;
  points?: LearningCurvePoint[];
  seconds?: number;
}

/** The `reliability` trait (the Stability panel); `{}` before anything was checked. */
export interface Reliability {
  stability?: StabilityRecord | null;
  learning_curve?: LearningCurveRecord | null;
  state?: "idle" | "working" | "failed";
  message?: string;
}

/** The part of anywidget's model API the front end uses (the dev harness fakes exactly this). */
export interface AnyModel {
  get(name: string): unknown;
  set(name: string, value: unknown): void;
  save_changes(): void;
  // custom messages ("msg:custom") pass the message's content to the callback
  on(event: string, callback: (...args: never[]) => void): void;
  off(event?: string | null, callback?: ((...args: never[]) => void) | null): void;
  send(content: unknown, callbacks?: unknown, buffers?: unknown): void;
}
