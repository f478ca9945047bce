"""The leaderboard: every trial as a row, best first."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .metrics import get_metric


def leaderboard_frame(results: list[Any], metric_name: str, outcome: Any = None, windows: bool = False) -> pd.DataFrame:
    """Rank, learner, score (mean and std over folds), the chance the trial is truly best
    (``p_best``, a paired bootstrap over the folds: :mod:`automl_nb.reliability.chance_best`;
    NaN where it does not apply), other metrics, seconds, trial id, status, why the trial was
    tried (``reason``).

    Successful trials are ranked by the optimized metric; failed, pruned and stopped trials
    follow with their error. When the final model is an ensemble, it is the first row.
    With ``windows`` (forecasting) each backtest window's score is a column ``window_k``
    (oldest first).
    """
    from .reliability.chance_best import chance_best

    metric = get_metric(metric_name)
    p_best = chance_best(results, metric.greater_is_better)
    rows = []
    for r in results:
        row = {
            "rank": pd.NA,
            "learner": r.learner,
            metric_name: r.score,
            f"{metric_name}_std": r.score_std,
            "p_best": p_best.get(r.trial_id, np.nan),
        }
        if windows:
            for k, v in enumerate(r.fold_scores or []):
                row[f"window_{k + 1}"] = v
        for k, v in (r.metrics or {}).items():
            if k != metric_name:
                row[k] = v
        row.update(
            fit_seconds=r.fit_seconds, predict_seconds=r.predict_seconds, duration=r.duration,
            trial_id=r.trial_id, status=r.status, phase=r.phase, reason=r.reason or r.phase,
            error=(r.error or "").strip().split("\n")[0],
            params=r.params,
        )
        rows.append(row)
    if outcome is not None and len(getattr(outcome, "members", {}) or {}) > 1 and not math.isnan(outcome.ensemble_score):
        rows.append({
            "learner": "ensemble", metric_name: outcome.ensemble_score, "p_best": np.nan, "status": "ok", "phase": "ensemble",
            "reason": "greedy selection over the best trials' out-of-fold predictions",
            "trial_id": pd.NA, "params": {f"trial {t}": round(w, 3) for t, w in outcome.members.items()},
        })
    chosen_by = getattr(outcome, "chosen_by", "") if outcome is not None else ""
    if chosen_by:  # AutoML.best_by: the final model's row says so
        final = next(iter(outcome.members)) if len(outcome.members) == 1 else None
        for row in rows:
            if row["trial_id"] is final or row["trial_id"] == final or (final is None and row["learner"] == "ensemble"):
                row["final"] = f"final model: chosen by {chosen_by} (the search optimized {metric_name})"
    columns = ["rank", "learner", metric_name, f"{metric_name}_std", "p_best"]
    if windows:
        n = max((len(r.fold_scores or []) for r in results), default=0)
        columns += [f"window_{k + 1}" for k in range(n)]
    if not rows:
        return pd.DataFrame(columns=[*columns, "fit_seconds", "predict_seconds", "duration", "trial_id", "status", "reason", "error", "params"])
    df = pd.DataFrame(rows)
    ok = df["status"].eq("ok") & df[metric_name].notna()
    key = df[metric_name].astype(float) * (-1 if metric.greater_is_better else 1)
    key = key.where(ok, np.inf)
    df = df.assign(_key=key, _ok=~ok).sort_values(["_ok", "_key", "trial_id"], kind="stable").drop(columns=["_key", "_ok"])
    df["rank"] = pd.array([i + 1 if o else pd.NA for i, o in enumerate(df["status"].eq("ok") & df[metric_name].notna())], dtype="Int64")
    df["trial_id"] = pd.array(df["trial_id"].tolist(), dtype="Int64")
    rest = [c for c in df.columns if c not in columns]
    return df[columns + rest].reset_index(drop=True)
