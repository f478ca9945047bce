// Safe reads of the traits and the one way panels subscribe to them.
import type {
  AnyModel,
  Best,
  Choices,
  Config,
  DataInfo,
  FeaturizationRow,
  Forecast,
  Guardrail,
  HistoryPoint,
  LeaderboardRow,
  Message,
  Status,
  Steering,
  TrialDetails,
} from "./types";

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A dict trait, `{}` when missing or of the wrong type. */
export function getDict<T>(model: AnyModel, name: string): T {
  const v = model.get(name);
  return (isRecord(v) ? v : {}) as T;
}

/** A list trait, `[]` when missing or of the wrong type; non-object items are dropped. */
export function getList<T>(model: AnyModel, name: string): T[] {
  const v = model.get(name);
  return Array.isArray(v) ? (v.filter(isRecord) as T[]) : [];
}

export function getStr(model: AnyModel, name: string): string {
  const v = model.get(name);
  return typeof v === "string" ? v : "";
}

export function getBool(model: AnyModel, name: string): boolean {
  return model.get(name) === true;
}

/** Typed accessors, one per trait of the contract. */
export const traits = {
  phase: (m: AnyModel) => getStr(m, "phase") || "configuring",
  readOnly: (m: AnyModel) => getBool(m, "read_only"),
  dataInfo: (m: AnyModel) => getDict<DataInfo>(m, "data_info"),
  target: (m: AnyModel) => getStr(m, "target"),
  config: (m: AnyModel) => getDict<Config>(m, "config"),
  choices: (m: AnyModel) => getDict<Choices>(m, "choices"),
  configErrors: (m: AnyModel): Record<string, string> => {
    const errs = getDict<Record<string, unknown>>(m, "config_errors");
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(errs)) if (v != null && v !== "") out[k] = String(v);
    return out;
  },
  status: (m: AnyModel) => getDict<Status>(m, "status"),
  leaderboard: (m: AnyModel) => getList<LeaderboardRow>(m, "leaderboard"),
  history: (m: AnyModel) => getList<HistoryPoint>(m, "history"),
  guardrails: (m: AnyModel) => getList<Guardrail>(m, "guardrails"),
  featurization: (m: AnyModel) => getList<FeaturizationRow>(m, "featurization"),
  trialDetails: (m: AnyModel) => getDict<TrialDetails>(m, "trial_details"),
  best: (m: AnyModel) => getDict<Best>(m, "best"),
  error: (m: AnyModel) => getStr(m, "error"),
  forecast: (m: AnyModel) => getDict<Forecast>(m, "forecast"),
  steering: (m: AnyModel) => getDict<Steering>(m, "steering"),
};

export function send(model: AnyModel, msg: Message): void {
  model.send(msg);
}

/** Write a trait the browser owns (`target`, `config`) and sync it to the kernel. */
export function write(model: AnyModel, name: "target" | "config", value: unknown): void {
  model.set(name, value);
  model.save_changes();
}

/**
 * Call `render` now and again whenever one of `names` changes. A kernel batch (hold_sync)
 * fires one change event per trait; they are coalesced into one render per microtask, so a
 * panel that shows three traits re-renders once per batch. A render that throws shows the
 * error inside its panel instead of breaking the widget. Returns the unsubscribe function.
 */
export function subscribe(
  model: AnyModel,
  names: string[],
  render: () => void,
  onError?: (e: unknown) => void,
): () => void {
  let pending = false;
  let alive = true;
  const run = () => {
    pending = false;
    if (!alive) return;
    try {
      render();
    } catch (e) {
      if (onError) onError(e);
      else console.error("automl_nb studio: render failed", e);
    }
  };
  const onChange = () => {
    if (pending) return;
    pending = true;
    queueMicrotask(run);
  };
  for (const n of names) model.on(`change:${n}`, onChange);
  run();
  return () => {
    alive = false;
    for (const n of names) model.off(`change:${n}`, onChange);
  };
}
