"""JSON-safe records of engine objects: the shapes ``js/CONTRACT.md`` documents.

The tasks build their records (trial details, featurization, forecasts) from these, and the
Studio sends them to the browser; nothing here knows a widget.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np


def jsonable(x: Any) -> Any:
    """``x`` with NaN/inf/NA → None, numpy scalars and arrays → Python, tuples → lists."""
    if x is None or isinstance(x, (str, bool)):
        return x
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return x if math.isfinite(x) else None
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, set, frozenset, np.ndarray)):
        return [jsonable(v) for v in x]
    try:
        import pandas as pd

        if x is pd.NA or x is pd.NaT:
            return None
    except ImportError:  # pragma: no cover
        pass
    return str(x)


def guardrail_records(guardrails: Iterable[Any]) -> list[dict[str, Any]]:
    """``[{check, status, message, advice, columns}]`` from :class:`~automl_nb.data.guardrails.Guardrail` objects."""
    return jsonable([
        {"check": g.check, "status": g.status, "message": g.message, "advice": g.advice,
         "columns": [str(c) for c in g.columns]}
        for g in guardrails
    ])


def featurization_records(summary: Any) -> list[dict[str, Any]]:
    """Rows of :func:`~automl_nb.featurize.plan.featurization_summary` for the widget.

    ``steps`` becomes a list (the summary joins steps with " → "); ``dropped`` stays the
    reason a column was dropped, ``""`` when it is used.
    """
    rows = []
    for rec in summary.to_dict("records"):
        steps = str(rec["steps"] or "")
        rows.append({
            "raw_column": str(rec["raw_column"]),
            "kind": rec["kind"],
            "steps": [s for s in steps.split(" → ") if s],
            "engineered_features": [str(f) for f in rec["engineered_features"]],
            "n_features": rec["n_features"],
            "dropped": rec["dropped"] or "",
            "set_by_you": bool(rec.get("set_by_you", False)),
        })
    return jsonable(rows)


def trial_record(r: Any, plots: dict[str, Any]) -> dict[str, Any]:
    """A finished (or failed) trial as the Studio's details panel shows it."""
    return jsonable({
        "trial_id": r.trial_id, "learner": r.learner, "params": dict(r.params),
        "fold_scores": list(r.fold_scores), "metrics": dict(r.metrics or {}),
        "fit_seconds": r.fit_seconds, "predict_seconds": r.predict_seconds, "duration": r.duration,
        "status": r.status, "reason": r.reason or r.phase, "error": r.error or "", "plots": plots,
    })


def ensemble_record(members: dict[int, float], metrics: dict[str, float], plots: dict[str, Any]) -> dict[str, Any]:
    """The final ensemble as the details panel shows it: members with weights, blended metrics."""
    return jsonable({
        "trial_id": None, "learner": "ensemble",
        "params": {f"trial {t}": round(w, 3) for t, w in members.items()},
        "fold_scores": [], "metrics": metrics,
        "fit_seconds": None, "predict_seconds": None, "duration": None, "status": "ok", "error": "",
        "plots": plots,
    })
