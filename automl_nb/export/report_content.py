"""What the run report says, gathered from a finished experiment as plain blocks (paragraphs,
tables, facts, charts), so the HTML and the Markdown renderings say the same thing.

Nothing here asks which task it is: a section a task cannot fill (explanations of a forecast,
a test that was never run) says why, in the task's own words.
"""

from __future__ import annotations

import json
import math
import platform
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import report_svg

#: rows explained for the report's importance and beeswarm charts
EXPLAIN_ROWS = 200
#: features shown in the importance chart and the beeswarm
TOP_FEATURES = 12
#: distributions whose versions the report lists (those installed)
LIBRARIES = ("automl_nb", "numpy", "pandas", "scikit-learn", "scipy", "lightgbm", "optuna", "shap", "joblib",
             "cloudpickle", "torch", "statsmodels", "holidays", "prophet", "matplotlib", "skl2onnx",
             "onnxruntime", "mlflow-skinny")


@dataclass
class Block:
    """One piece of a section: ``kind`` is "p" (text), "facts" (label: value pairs), "table"
    (columns, rows of strings), "chart" (an inline SVG with its ``text`` as alt text) or "pre"."""

    kind: str
    text: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    svg: str = ""


@dataclass
class Section:
    key: str  # the anchor
    title: str
    blocks: list[Block]


@dataclass
class Report:
    title: str
    subtitle: str
    sections: list[Section]


def p(text: str) -> Block:
    return Block("p", text)


def facts(pairs: Sequence[tuple[str, Any]]) -> Block:
    return Block("facts", rows=[[k, fmt(v)] for k, v in pairs])


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Block:
    return Block("table", columns=list(columns), rows=[[fmt(v) for v in r] for r in rows])


def chart(svg: str, alt: str) -> Block:
    return Block("chart", text=alt, svg=svg)


def fmt(v: Any) -> str:
    """A cell: numbers to 4 significant digits, missing as "—", dicts as compact JSON."""
    if v is None:
        return "—"
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}" if abs(int(v)) >= 10_000 else str(int(v))
    if isinstance(v, (float, np.floating)):
        return "—" if not math.isfinite(float(v)) else f"{float(v):.4g}"
    if isinstance(v, dict):
        return json.dumps(v, default=str, separators=(", ", ": "))
    if isinstance(v, (list, tuple, np.ndarray)):
        return ", ".join(fmt(x) for x in v)
    try:
        import pandas as pd

        if pd.isna(v):
            return "—"
    except (TypeError, ValueError):
        pass
    return str(v)


# ---- the report ------------------------------------------------------------------------------


def build(aml: Any, exp: Any) -> Report:
    """Every section of the report of the finished experiment ``exp`` (held by ``aml``)."""
    prep = exp.prepared
    results = sorted(dict(exp.results).values(), key=lambda r: r.trial_id)
    # explained first: the explanation adds the post-training leakage check to the guardrails
    explanations = explanations_section(aml, exp)
    sections: list[Section | None] = [
        overview(aml, exp, results),
        profile_section(aml, exp),
        guardrails_section(aml),
        validation_section(exp),
        featurization_section(aml),
        trials_section(exp, results),
        steering_section(exp),
        leaderboard_section(aml, exp),
        curve_section(exp, results),
        ensemble_section(exp),
        explanations,
        test_section(exp),
        stability_section(exp),
        environment_section(exp),
    ]
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return Report(
        title=f"automl_nb run report: {prep.task}, {prep.metric}",
        subtitle=f"written {when} from the experiment folder {exp.folder}",
        sections=[s for s in sections if s is not None],
    )


def overview(aml: Any, exp: Any, results: list[Any]) -> Section:
    prep, cfg, outcome = exp.prepared, exp.config, exp.outcome
    ok = [r for r in results if r.ok]
    stopped = [r for r in results if r.status not in ("ok", "failed")]  # by the budget, the user or pruning
    failed = [r for r in results if r.status == "failed"]
    score = final_score(exp)
    pairs = [
        ("task", f"{prep.task} ({prep.task_reason})" if getattr(prep, "task_reason", "") else prep.task),
        ("metric optimized", f"{prep.metric} ({'greater' if exp.metric.greater_is_better else 'lower'} is better)"),
        ("final model", outcome.description),
        (f"final model's {prep.metric} ({'out-of-fold' if exp.task.score_unit != 'window' else 'backtest'})", score),
        ("trials", f"{len(results)}: {len(ok)} ok, {len(failed)} failed, {len(stopped)} stopped"),
        ("run status", exp.status),
        ("stopped because", getattr(exp, "stop_reason", None)),
        ("time budget", f"{cfg.time_budget} s"),
        ("trial limit", cfg.max_trials),
        ("seed", cfg.seed),
    ]
    if getattr(cfg, "target_score", None) is not None:
        pairs.insert(pairs.index(("seed", cfg.seed)), ("target score", cfg.target_score))
    if getattr(exp, "steering", None):
        pairs.append(("steering actions", f"{len(exp.steering)} (see \"Steering\")"))
    if exp.first_row_seconds is not None:
        pairs.append(("first leaderboard row after", f"{exp.first_row_seconds:.2f} s"))
    return Section("overview", "Overview", [facts(pairs)])


def final_score(exp: Any) -> float | None:
    """The final model's score: the ensemble's out-of-fold score, or its single trial's."""
    outcome = exp.outcome
    if len(outcome.members) > 1 and not math.isnan(outcome.ensemble_score):
        return float(outcome.ensemble_score)
    tid = outcome.best_trial if outcome.best_trial is not None else next(iter(outcome.members), None)
    r = exp.results.get(tid)
    return None if r is None else float(r.score)


def profile_section(aml: Any, exp: Any) -> Section:
    frame = aml.profile()
    blocks = []
    X = getattr(exp.prepared, "X", None)
    if X is not None:
        blocks.append(p(f"{len(X):,} rows and {X.shape[1]} columns after preparation (the target removed)."))
    if frame.empty:
        blocks.append(p("No column profile was kept for this task."))
    else:
        cols = [c for c in ("column", "kind", "dtype", "missing", "unique", "evidence") if c in frame.columns]
        cols = cols if "column" in cols else [str(c) for c in frame.columns]  # a task's own profile (series)
        blocks.append(table(cols, frame[cols].itertuples(index=False)))
    return Section("profile", "Data profile", blocks)


def guardrails_section(aml: Any) -> Section:
    frame = aml.guardrails()
    if frame.empty:
        return Section("guardrails", "Guardrails", [p("No data checks were recorded.")])
    counts = frame["status"].value_counts()
    summary = ", ".join(f"{n} {s}" for s, n in counts.items())
    cols = [c for c in ("check", "status", "message", "advice", "columns") if c in frame.columns]
    return Section("guardrails", "Guardrails", [p(f"Data checks: {summary}."), table(cols, frame[cols].itertuples(index=False))])


def validation_section(exp: Any) -> Section:
    plan = exp.plan
    if plan is None:
        return Section("validation", "Validation scheme", [p("No validation plan was recorded.")])
    pairs = [("scheme", plan.scheme), ("folds or windows", plan.n_folds), ("how", plan.description)]
    if getattr(plan, "search_rows", None):
        pairs.append(("rows per search trial", plan.search_rows))
    return Section("validation", "Validation scheme", [facts(pairs)])


def featurization_section(aml: Any) -> Section:
    try:
        frame = aml.featurization_summary()
    except Exception as exc:  # the report still says everything else
        return Section("featurization", "Featurization per column",
                       [p(f"The featurization could not be summarized: {type(exc).__name__}: {exc}")])
    frame = frame.copy()
    for c in frame.columns:
        if frame[c].map(lambda v: isinstance(v, (list, tuple))).any():
            frame[c] = frame[c].map(lambda v: ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
    return Section("featurization", "Featurization per column",
                   [p("How the data becomes the final model's features (aml.featurization_summary()): per raw "
                      "column its kind, steps and engineered features, or a forecaster's lags, windows and "
                      "calendar features."),
                    table([str(c) for c in frame.columns], frame.itertuples(index=False))])


def trials_section(exp: Any, results: list[Any]) -> Section:
    rows = []
    for r in results:
        error = (r.error or "").strip().splitlines()[0] if r.error else ""
        status = r.status if not error else f"{r.status}: {error}"
        rows.append([r.trial_id, r.learner, r.phase, status, r.score, r.score_std, r.duration,
                     r.reason or r.phase, r.params])
    metric = exp.prepared.metric
    return Section("trials", "Every trial and why it was tried", [
        p("In the order they were asked. The reason is the searcher's: a baseline, a portfolio slot "
          "(strong defaults, tried before any search), or Optuna's TPE on a learner chosen by its "
          "score and its cost; \"resumed:\" marks trials asked after the run was resumed, and \"asked by "
          "you\" the configurations you asked for (run.try_next, or Try next in the Studio)."),
        table(["trial", "learner", "phase", "status", metric, "± std", "seconds", "reason", "parameters"], rows),
    ])


def steering_section(exp: Any) -> Section | None:
    """What the user did to the running search (the steering log); None when nothing."""
    log = list(getattr(exp, "steering", None) or [])
    if not log:
        return None
    rows = [[r.get("at"), r.get("action"), r.get("learner") or "", r.get("detail") or "",
             "the Studio" if r.get("by") == "studio" else "the API"] for r in log]
    return Section("steering", "Steering", [
        p("What you changed while the search ran, in order (aml.steering_log()): learners blocked or "
          "allowed, the time left set, configurations asked to run next. Each is a dashed mark on the best "
          "score curve."),
        table(["seconds since the run started", "action", "learner", "what happened", "by"], rows),
    ])


def leaderboard_section(aml: Any, exp: Any) -> Section:
    frame = aml.leaderboard()
    frame = frame[frame["rank"].notna()]
    skip = {"params", "error", "phase", "status", "predict_seconds"}
    cols = [c for c in frame.columns if c not in skip and not str(c).startswith("window_")]
    chance = "p_best" in cols and frame["p_best"].notna().any()
    if "p_best" in cols:  # the chance each trial is truly best, as a percent
        import pandas as pd

        frame = frame.assign(p_best=[None if pd.isna(v) else f"{100 * float(v):.1f}%" for v in frame["p_best"]])
        if not chance:
            cols.remove("p_best")
    return Section("leaderboard", "Leaderboard", [
        p(f"Trials that finished, best first by {exp.prepared.metric}"
          f"{' (the ensemble on top when the final model is one)' if len(exp.outcome.members) > 1 else ''}."
          + (" P(best): the chance the trial is truly the best, from paired fold differences." if chance else "")),
        table(["P(best)" if c == "p_best" else str(c) for c in cols], frame[cols].itertuples(index=False)),
    ])


def curve_section(exp: Any, results: list[Any]) -> Section:
    done = [r for r in results if r.status in ("ok", "failed") and r.started_at]
    if not done:
        return Section("curve", "Best score over time", [p("No trial finished.")])
    t0 = min(r.started_at for r in done)
    points = [(r.started_at + r.duration - t0, r.score if r.ok and math.isfinite(r.score) else None) for r in done]
    metric = exp.prepared.metric
    others = [r.score for r in done if r.ok and r.learner != exp.baseline and math.isfinite(r.score)]
    ylim = (min(others), max(others)) if len(others) >= 2 else None  # the baseline may fall off the chart
    marks = [(float(r["time"]) - t0, _mark_label(r)) for r in getattr(exp, "steering", None) or []
             if r.get("time") is not None]
    svg = report_svg.score_curve(points, exp.metric.greater_is_better, f"best {metric} over the run",
                                 "seconds since the first trial started", metric, ylim, marks=marks)
    steered = f"; your {len(marks)} steering action(s) as dashed vertical lines" if marks else ""
    return Section("curve", "Best score over time", [
        chart(svg, f"Each trial's {metric} (dots; failures as crosses; a baseline far off as a triangle on the "
                   f"edge) and the best so far (line) against seconds since the first trial started{steered}"),
    ])


def _mark_label(r: dict) -> str:
    """A steering record as a chart mark's label: "block knn", "time left", "try next linear"."""
    words = {"time_left": "time left", "try_next": "try next"}.get(r.get("action"), r.get("action"))
    return f"{words} {r.get('learner') or ''}".strip()


def ensemble_section(exp: Any) -> Section:
    outcome, metric = exp.outcome, exp.prepared.metric
    members = sorted(outcome.members.items(), key=lambda kv: -kv[1])
    results = exp.results
    if len(members) <= 1:
        tid = members[0][0] if members else outcome.best_trial
        r = results.get(tid)
        predictions = "backtest forecasts" if exp.task.score_unit == "window" else "out-of-fold predictions"
        why = ("ensembling is off" if not exp.config.ensemble else
               f"no blend of the best trials beat the best single trial on the {predictions}")
        text = (f"The final model is trial {tid} ({r.learner if r else '?'}) alone, refit on all rows: {why}.")
        return Section("ensemble", "The final model", [p(text)])
    picks = _picks([w for _, w in members])
    rows = []
    for tid, w in members:
        r = results.get(tid)
        n = f"{round(w * picks)} of {picks}" if picks else "—"
        rows.append([tid, r.learner if r else "?", w, n, r.score if r else None, (r.reason or r.phase) if r else ""])
    best = max((results[t] for t, _ in members if t in results), key=lambda r: -exp.loss(r), default=None)
    predictions = "backtest forecasts" if exp.task.score_unit == "window" else "out-of-fold predictions"
    # (inside a FixedThresholdClassifier when a decision threshold was tuned)
    steps = getattr(getattr(outcome.model, "estimator_", outcome.model), "named_steps", {})
    built = (f"a scikit-learn {type(steps['ensemble']).__name__} over those pipelines with these weights"
             if "ensemble" in steps else "the weighted blend of their predictions")
    blocks = [
        p(f"{outcome.description}: greedy ensemble selection with replacement (Caruana et al., 2004) over the "
          f"{predictions} of the best trials. Each round adds the trial that most improves the blend's "
          f"{metric}; a member's weight is the share of rounds that picked it (the weights sum to "
          f"{sum(w for _, w in members):.3g}). The blend was kept because it beat the best single trial: "
          f"{metric} {fmt(outcome.ensemble_score)} against {fmt(best.score if best else None)}"
          f"{f' (trial {best.trial_id})' if best else ''}. Each member is refit on all the data; the final "
          f"model is {built}."),
        table(["trial", "learner", "weight", "rounds picked", f"its own {metric}", "why it was tried"], rows),
    ]
    return Section("ensemble", "Ensemble members and weights", blocks)


def _picks(weights: list[float]) -> int:
    """The number of selection rounds the weights are shares of (the smallest that fits)."""
    for n in range(1, 201):
        if all(abs(w * n - round(w * n)) < 1e-6 for w in weights):
            return n
    return 0


def explanations_section(aml: Any, exp: Any) -> Section:
    title = "Explanations"
    try:
        e = aml.explain(max_rows=EXPLAIN_ROWS)
    except (ValueError, NotImplementedError) as exc:  # the task does not explain: its words
        return Section("explanations", title, [p(f"Not available for this run: {exc}")])
    except Exception as exc:  # the report still says everything else
        return Section("explanations", title,
                       [p(f"The explanation failed: {type(exc).__name__}: {exc}")])
    imp = e.importance.head(TOP_FEATURES)
    features = [str(f) for f in imp["feature"]]
    what = f"SHAP values on {e.output_space}" + (f" of class {e.class_name!r}" if e.class_name is not None else "")
    bars = report_svg.bar_chart(features, [float(v) for v in imp["importance"]], "global importance",
                                f"mean |SHAP value| ({e.output_space})")
    values = e.raw_values[features].to_numpy(dtype=float)
    colour = np.column_stack([_scaled(e.data[f]) for f in features]) if features else np.zeros((len(values), 0))
    swarm = report_svg.beeswarm(values, colour, features, "SHAP values per row", f"SHAP value ({e.output_space})",
                                seed=exp.config.seed)
    return Section("explanations", title, [
        p(f"{what}, on {e.n_rows} rows, summed back to the raw columns. {e.note}"),
        chart(bars, f"Global importance: mean absolute SHAP value of the {len(features)} most important columns"),
        table(["column", "mean |SHAP|"], imp.itertuples(index=False)),
        chart(swarm, "Beeswarm: each row's SHAP value per column, coloured by the column's value (blue low, red high, "
                     "grey not numeric)"),
    ])


def _scaled(col: Any) -> np.ndarray:
    """A column's values ranked into [0, 1] for colouring; NaN for non-numbers."""
    import pandas as pd

    v = pd.to_numeric(col, errors="coerce") if not pd.api.types.is_bool_dtype(col) else col.astype(float)
    v = np.asarray(v, dtype=float)
    out = np.full(len(v), np.nan)
    ok = np.isfinite(v)
    if ok.sum() > 1:
        ranks = pd.Series(v[ok]).rank(pct=True).to_numpy()
        lo, hi = ranks.min(), ranks.max()
        out[ok] = (ranks - lo) / ((hi - lo) or 1.0)
    return out


def test_section(exp: Any) -> Section:
    report = exp.last_test
    if report is None:
        return Section("test", "Test metrics", [p("No held-out test: call aml.test(X_test, y_test) before writing "
                                                  "the report to include one.")])
    rows = [[k, v, "yes" if k == report.metric else ""] for k, v in report.metrics.items()]
    return Section("test", "Test metrics", [
        p(f"The final model on {report.n_rows:,} held-out rows (the last aml.test call)."),
        table(["metric", "value", "optimized"], rows),
    ])


def stability_section(exp: Any) -> Section | None:
    """How far to trust the number (``aml.stability`` / ``aml.learning_curve``); None when
    neither was run before the report was written."""
    records = getattr(exp, "reliability", None) or {}
    stability, curve = records.get("stability"), records.get("learning_curve")
    if not stability and not curve:
        return None
    blocks = []
    if stability:
        metric = stability.get("metric") or exp.prepared.metric
        how = ("whole searches repeated with other seeds" if stability.get("mode") == "retune"
               else "the final pipeline (and the runners-up) refit and scored on other splits")
        svg, alt = report_svg.stability_record_chart(stability)
        interval = stability.get("interval") or [None, None]
        blocks += [
            p(f"Would the score hold on another split? {stability.get('n')} splits: {how} "
              "(aml.stability)."),
            p(str(stability.get("verdict") or "")),
            facts([(f"final model's {metric}, mean", stability.get("mean")),
                   ("95% interval", f"{fmt(interval[0])} to {fmt(interval[-1])}"),
                   ("final model best on", "—" if stability.get("win_rate") is None
                    else f"{100 * float(stability['win_rate']):.0f}% of the splits"),
                   ("seconds", stability.get("seconds"))]),
            chart(svg, f"{alt}. A dot per split, a tick at each model's mean; the band is the final model's 95% "
                       "interval."),
            table(["model", "trial", "mean", "std", "min", "max", "scores"],
                  [_score_row(m) for m in stability.get("models") or [] if isinstance(m, dict)]),
        ]
    if curve:
        svg, alt = report_svg.learning_curve_record_chart(curve)
        blocks += [
            p("Would more rows help? The best pipeline scored at growing shares of the training rows "
              "(aml.learning_curve)."),
            p(str(curve.get("verdict") or "")),
            chart(svg, f"{alt}. The line is the mean over the folds, the band ± one std, small dots each fold."),
            table(["share of rows", "training rows", "mean", "std"],
                  [[f"{100 * float(pt.get('fraction') or 0):.0f}%", pt.get("n_rows"), pt.get("mean"), pt.get("std")]
                   for pt in curve.get("points") or [] if isinstance(pt, dict)]),
        ]
    return Section("stability", "Stability", blocks)


def _score_row(model: dict) -> list[Any]:
    scores = np.array([s for s in model.get("scores") or [] if isinstance(s, (int, float))], dtype=float)
    scores = scores[np.isfinite(scores)]
    stats = [float(scores.mean()), float(scores.std(ddof=1)) if scores.size > 1 else None,
             float(scores.min()), float(scores.max())] if scores.size else [None] * 4
    return [model.get("label"), model.get("trial_id"), *stats, [float(s) for s in scores]]


def environment_section(exp: Any) -> Section:
    from importlib import metadata

    cfg = exp.config
    versions = [("python", f"{platform.python_version()} ({platform.python_implementation()})"),
                ("platform", platform.platform())]
    for name in LIBRARIES:
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            continue
    settings = {k: v for k, v in cfg.to_dict().items() if v not in (None, [], {}, ())}
    return Section("environment", "Settings, seed and library versions", [
        facts([("seed", cfg.seed)]),
        table(["setting", "value"], sorted(settings.items())),
        table(["library", "version"], versions),
    ])
