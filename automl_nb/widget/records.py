"""The Studio's own JSON-safe records: the leaderboard, the score history, the final model,
the data's description and a held-out test, in the shapes of ``js/CONTRACT.md``.

Pure functions of engine objects; the records every task shares (guardrails, trials,
featurization) are in :mod:`automl_nb.records`, a task's own in its package.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..records import jsonable


def leaderboard_rows(results: Iterable[Any], metric: str, outcome: Any = None) -> list[dict[str, Any]]:
    """Leaderboard rows of the contract, best first, from :func:`~automl_nb.leaderboard.leaderboard_frame`."""
    from ..leaderboard import leaderboard_frame
    from ..metrics import METRICS

    results = list(results)
    reasons = {r.trial_id: getattr(r, "reason", "") or r.phase for r in results}
    frame = leaderboard_frame(results, metric, outcome)
    metric_columns = [c for c in frame.columns if c in METRICS]
    rows = []
    for rec in frame.to_dict("records"):
        params = rec.get("params")
        rows.append({
            "trial_id": rec.get("trial_id"),
            "rank": rec.get("rank"),
            "learner": rec.get("learner"),
            "score": rec.get(metric),
            "score_std": rec.get(f"{metric}_std"),
            "metrics": {c: rec.get(c) for c in metric_columns},
            "fit_seconds": rec.get("fit_seconds"),
            "predict_seconds": rec.get("predict_seconds"),
            "duration": rec.get("duration"),
            "status": rec.get("status"),
            "phase": rec.get("phase"),
            "reason": "" if _missing(rec.get("trial_id")) else reasons.get(int(rec["trial_id"]), ""),
            "error": rec.get("error") or "",
            "params": params if isinstance(params, dict) else {},
        })
        if "p_best" in frame.columns:  # the chance the trial is truly best (automl_nb.reliability)
            rows[-1]["p_best"] = None if _missing(rec.get("p_best")) else float(rec["p_best"])
    return jsonable(rows)


def data_info(df: Any, profile: Any, n_head: int = 5) -> dict[str, Any]:
    """``{n_rows, n_columns, columns, head}`` of a frame and its profile; head values as strings."""
    head = df.head(n_head)
    return jsonable({
        "n_rows": len(df),
        "n_columns": df.shape[1],
        "columns": [
            {"name": str(c.name), "kind": c.kind, "dtype": c.dtype, "missing": c.n_missing,
             "unique": c.n_unique, "evidence": c.evidence, "set_by_you": c.set_by_user}
            for c in profile.columns.values()
        ],
        "head": {
            "columns": [str(c) for c in head.columns],
            "rows": [["" if _missing(v) else str(v) for v in row] for row in head.itertuples(index=False)],
        },
    })


def history_points(results: Iterable[Any], t0: float) -> list[dict[str, Any]]:
    """One point per finished trial, in the order they finished: ``{trial_id, t, score, learner, status}``."""
    done = sorted(results, key=lambda r: (r.started_at + r.duration, r.trial_id))
    return jsonable([
        {"trial_id": r.trial_id, "t": round(max(0.0, r.started_at + r.duration - t0), 3),
         "score": r.score if r.status == "ok" else None, "learner": r.learner, "status": r.status}
        for r in done
    ])


def steering_record(experiment: Any, t0: float, enabled: bool) -> dict[str, Any]:
    """The ``steering`` trait: ``{enabled, learners: [{name, state, note, baseline}], log:
    [{seq, at, t, action, learner, detail, by}], stop_reason}``; ``t`` places a record on the
    best-score chart's axis (seconds since ``t0``, the chart's start)."""
    searcher = getattr(experiment, "_searcher", None)
    try:
        given_up = set(getattr(searcher, "_skip", ()) or ())
    except RuntimeError:  # the driver changed it meanwhile: said at the next push
        given_up = set()
    learners = []
    for name, state in experiment.steerer.learner_states().items():
        note = state.get("note", "")
        if state["state"] == "searched" and name in given_up:
            note = "the searcher stopped trying it (failing, or its space exhausted)"
        learners.append({"name": name, "state": state["state"], "note": note, "baseline": name == experiment.baseline})
    log = [{"seq": r.get("seq"), "at": r.get("at"), "t": round(max(0.0, float(r.get("time") or t0) - t0), 3),
            "action": r.get("action"), "learner": r.get("learner"), "detail": r.get("detail") or "",
            "by": r.get("by") or "api"} for r in list(experiment.steering)]
    return jsonable({"enabled": bool(enabled), "learners": learners, "log": log,
                     "stop_reason": getattr(experiment, "stop_reason", None)})


def best_record(experiment: Any, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """``{description, score, members}`` of the final model, ``{}`` before one exists."""
    outcome = experiment.outcome
    if outcome.model is None or not outcome.members:
        return {}
    results = dict(experiment.results)
    if len(outcome.members) > 1 and not math.isnan(outcome.ensemble_score):
        score = outcome.ensemble_score
    else:
        tid = next(iter(outcome.members))
        score = results[tid].score if tid in results else None
    members = [
        {"trial_id": t, "learner": results[t].learner if t in results else "?", "weight": w}
        for t, w in sorted(outcome.members.items(), key=lambda kv: -kv[1])
    ]
    return jsonable({"description": outcome.description, "score": score, "members": members})


def held_out_record(report: Any) -> dict[str, Any]:
    """A held-out test of the final model (:class:`~automl_nb.testing.TestReport`) as the
    details panel shows a trial."""
    return jsonable({
        "trial_id": None, "learner": f"final model · held-out test on {report.n_rows:,} rows",
        "params": {}, "fold_scores": [], "metrics": report.metrics, "fit_seconds": None,
        "predict_seconds": None, "duration": None, "status": "ok", "error": "", "plots": report.plots,
    })



def _missing(v: Any) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(v)) if np.ndim(v) == 0 else False
    except (TypeError, ValueError):
        return False
