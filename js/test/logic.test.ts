import { describe, expect, it } from "vitest";
import { stepLine } from "../src/chart";
import {
  effectiveTask,
  learnerOn,
  metricOptions,
  parseNumber,
  shownMetric,
  taskOptions,
  withDropped,
  withLearner,
  withTask,
} from "../src/config";
import { controlStates } from "../src/controls";
import { orderGuardrails } from "../src/guardrails";
import { columnsFor, firstDirection, rowKey } from "../src/leaderboard";
import { timeText } from "../src/progress";
import type { Choices, Config } from "../src/types";

const choices: Choices = {
  tasks: ["auto", "binary", "multiclass", "regression"],
  metrics: { binary: ["roc_auc", "log_loss"], multiclass: ["log_loss"], regression: ["rmse", "mae"] },
  inferred_task: "binary",
  default_metric: "roc_auc",
  learners: [
    { name: "lightgbm", tasks: ["binary", "regression"] },
    { name: "logreg", tasks: ["binary"] },
  ],
};

describe("config", () => {
  it("shows the inferred task while the task is auto", () => {
    expect(effectiveTask({ task: "auto" }, choices)).toBe("binary");
    expect(effectiveTask({}, choices)).toBe("binary");
    expect(effectiveTask({ task: "regression" }, choices)).toBe("regression");
    expect(taskOptions(choices)).toEqual(["binary", "multiclass", "regression"]);
  });
  it("filters metrics by task and shows the default for auto", () => {
    expect(metricOptions(choices, "regression")).toEqual(["rmse", "mae"]);
    expect(metricOptions(choices, "")).toEqual(["roc_auc", "log_loss", "rmse", "mae"]);
    expect(shownMetric({ metric: "auto" }, choices, "binary")).toBe("roc_auc");
    expect(shownMetric({ metric: "log_loss" }, choices, "binary")).toBe("log_loss");
    expect(shownMetric({ metric: "auto" }, choices, "regression")).toBe("rmse");
  });
  it("resets a metric that does not apply to a new task to auto", () => {
    expect(withTask({ task: "auto", metric: "roc_auc" }, choices, "regression")).toEqual({
      task: "regression",
      metric: "auto",
    });
    expect(withTask({ task: "auto", metric: "log_loss" }, choices, "multiclass")).toEqual({
      task: "multiclass",
      metric: "log_loss",
    });
  });
  it("edits blocked_learners when all are allowed, allowed_learners when listed", () => {
    const open: Config = { allowed_learners: null, blocked_learners: [] };
    const off = withLearner(open, "knn", false);
    expect(off).toEqual({ allowed_learners: null, blocked_learners: ["knn"] });
    expect(learnerOn(off, "knn")).toBe(false);
    expect(withLearner(off, "knn", true).blocked_learners).toEqual([]);

    const listed: Config = { allowed_learners: ["lightgbm", "linear"], blocked_learners: [] };
    expect(withLearner(listed, "linear", false).allowed_learners).toEqual(["lightgbm"]);
    expect(withLearner(listed, "knn", true).allowed_learners).toEqual(["lightgbm", "linear", "knn"]);
    expect(learnerOn(listed, "knn")).toBe(false);
  });
  it("adds and removes dropped columns", () => {
    const c = withDropped({ drop_columns: ["id"] }, "notes", true);
    expect(c.drop_columns).toEqual(["id", "notes"]);
    expect(withDropped(c, "id", false).drop_columns).toEqual(["notes"]);
  });
  it("parses number inputs", () => {
    expect(parseNumber("60", false)).toBe(60);
    expect(parseNumber(" ", true)).toBeNull();
    expect(parseNumber("", false)).toBeUndefined();
    expect(parseNumber("abc", true)).toBeUndefined();
    expect(parseNumber("-5", false)).toBe(-5);
  });
});

describe("controls", () => {
  it("enables Run only when idle and valid", () => {
    expect(controlStates("configuring", false)).toEqual({
      run: true,
      pause: false,
      resume: false,
      cancel: false,
      extend: false,
    });
    expect(controlStates("configuring", true).run).toBe(false);
    expect(controlStates("finished", false).run).toBe(true);
  });
  it("enables pause/cancel/extend while searching and resume while paused", () => {
    expect(controlStates("searching", false)).toEqual({
      run: false,
      pause: true,
      resume: false,
      cancel: true,
      extend: true,
    });
    expect(controlStates("paused", false)).toEqual({
      run: false,
      pause: false,
      resume: true,
      cancel: true,
      extend: true,
    });
    expect(controlStates("refitting", false)).toEqual({
      run: false,
      pause: false,
      resume: false,
      cancel: true,
      extend: false,
    });
  });
});

describe("leaderboard", () => {
  it("keys rows by trial id and the ensemble row as 'ensemble'", () => {
    expect(rowKey({ trial_id: 7 }, 0)).toBe("7");
    expect(rowKey({ trial_id: null, learner: "ensemble" }, 0)).toBe("ensemble");
  });
  it("adds one column per extra metric, not the primary one", () => {
    const cols = columnsFor(
      [
        { trial_id: 1, metrics: { roc_auc: 0.8, log_loss: 0.4 } },
        { trial_id: 2, metrics: { accuracy: 0.7 } },
      ],
      "roc_auc",
    );
    expect(cols.map((c) => c.id)).toEqual([
      "rank",
      "trial_id",
      "learner",
      "score",
      "metric:log_loss",
      "metric:accuracy",
      "fit_seconds",
      "predict_seconds",
      "duration",
      "status",
    ]);
    expect(cols.find((c) => c.id === "score")?.label).toBe("roc_auc");
  });
  it("sorts the score best-first on the first click", () => {
    expect(firstDirection("score", true)).toBe("desc");
    expect(firstDirection("score", false)).toBe("asc");
    expect(firstDirection("learner", true)).toBe("asc");
  });
});

describe("guardrails, chart, progress", () => {
  it("orders alerts first, then fixes, then passed checks", () => {
    const g = orderGuardrails([
      { check: "a", status: "passed" },
      { check: "b", status: "alerted" },
      { check: "c", status: "fixed" },
      { check: "d", status: "alerted" },
    ]);
    expect(g.map((x) => x.check)).toEqual(["b", "d", "c", "a"]);
  });
  it("carries the best-so-far line on to the current time", () => {
    const line = stepLine(
      [
        { t: 1, score: 0.5 },
        { t: 3, score: 0.8 },
      ],
      true,
      10,
    );
    expect(line).toEqual([
      { t: 1, best: 0.5 },
      { t: 3, best: 0.8 },
      { t: 10, best: 0.8 },
    ]);
    expect(stepLine([], true, 10)).toEqual([]);
  });
  it("describes time used and left", () => {
    expect(timeText(12, 60, 48, "searching")).toBe("12 s of 1 min · about 48 s left");
    expect(timeText(60.2, 60, null, "finished")).toBe("1 min of 1 min");
    expect(timeText(undefined, undefined, undefined, "configuring")).toBe("");
  });
});
