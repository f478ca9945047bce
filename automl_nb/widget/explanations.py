"""The Studio's ``explanation`` trait, built from an :class:`~automl_nb.explain.Explanation`.

Pure functions (no widget, no engine): :func:`explanation_payload` slices one Explanation into
the JSON-safe shape of ``js/CONTRACT.md`` ("Explanations") — global importance in both spaces,
a sampled beeswarm, the dependence data of one feature and the waterfall of one row. The SHAP
values are computed once per model (``AutoML.explain``); changing the feature, the row or the
space only reslices them here.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..records import jsonable

SPACES = ("raw", "engineered")
TOP_IMPORTANCE = 30
TOP_BEESWARM = 15
MAX_BEESWARM_POINTS = 3000  # both spaces together
MAX_DEPENDENCE_POINTS = 1000
TOP_WATERFALL = 12
OTHER = "other features"


def explanation_payload(exp: Any, *, space: str = "raw", feature: str | None = None, row: int = 0,
                        seed: int = 0) -> dict[str, Any]:
    """The ``explanation`` trait for ``exp``: everything the panel shows, JSON-safe.

    ``space`` ("raw" or "engineered") is the space of the dependence plot and the waterfall
    (importance and beeswarm are sent for both); ``feature`` the dependence plot's feature
    (default, or when it is not a feature of ``space``: the most important one); ``row`` the
    waterfall's row, clipped to the rows explained.
    """
    space = space if space in SPACES else "raw"
    values, data = _frames(exp, space)
    n_rows = int(len(values))
    names = [str(c) for c in values.columns]
    importance = {s: importance_records(_importance(exp, s)) for s in SPACES}
    if feature is None or str(feature) not in names:
        top = importance[space]
        feature = top[0]["feature"] if top else (names[0] if names else None)
    row = min(max(int(row or 0), 0), max(n_rows - 1, 0))
    per_space = MAX_BEESWARM_POINTS // len(SPACES)
    return jsonable({
        "trial_id": getattr(exp, "trial_id", None),
        "explainer": str(getattr(exp, "explainer", "")),
        "note": str(getattr(exp, "note", "")),
        "n_rows": n_rows,
        "class_name": _scalar(getattr(exp, "class_name", None)),
        "base_value": _num(getattr(exp, "base_value", None)),
        "importance": importance,
        "beeswarm": {s: beeswarm(*_frames(exp, s), _importance(exp, s), max_points=per_space, seed=seed)
                     for s in SPACES},
        "dependence": dependence(values, data, feature) if feature is not None else {},
        "waterfall": waterfall(exp, values, data, row) if n_rows else {},
        "rows": n_rows,
        "space": space,
    })


def _frames(exp: Any, space: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(SHAP values, feature values) of one space, rows aligned by position."""
    if space == "engineered":
        return exp.values, exp.data_engineered
    return exp.raw_values, exp.data


def _importance(exp: Any, space: str) -> pd.DataFrame:
    return exp.importance_engineered if space == "engineered" else exp.importance


def importance_records(frame: pd.DataFrame, top: int = TOP_IMPORTANCE) -> list[dict[str, Any]]:
    """``[{feature, importance}]``, descending, at most ``top``."""
    if frame is None or not len(frame):
        return []
    f = frame.sort_values("importance", ascending=False, kind="stable").head(top)
    return [{"feature": str(n), "importance": _num(v)} for n, v in zip(f["feature"], f["importance"])]


def normalized(column: pd.Series) -> list[float | None]:
    """A feature's values scaled to 0..1 for the beeswarm's colour: numeric (and boolean)
    columns between their 5th and 95th percentile, clipped; anything else (categories,
    text, missing values) is None."""
    s = column
    if pd.api.types.is_bool_dtype(s):
        s = s.astype(float)
    if not pd.api.types.is_numeric_dtype(s):
        return [None] * len(s)
    x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(x)
    if not ok.any():
        return [None] * len(x)
    lo, hi = np.nanpercentile(x[ok], [5, 95])
    if not hi > lo:
        lo, hi = float(np.min(x[ok])), float(np.max(x[ok]))
    scaled = np.full(len(x), 0.5) if not hi > lo else np.clip((x - lo) / (hi - lo), 0.0, 1.0)
    return [round(float(v), 3) if o else None for v, o in zip(scaled, ok)]


def beeswarm(values: pd.DataFrame, data: pd.DataFrame, importance: pd.DataFrame, *,
             top: int = TOP_BEESWARM, max_points: int = MAX_BEESWARM_POINTS // 2,
             seed: int = 0) -> dict[str, Any]:
    """``{features: [top ≤ 15 by importance], points: [{feature, shap, value}]}``: the same
    sampled rows for every feature, at most ``max_points`` points."""
    names = [str(c) for c in values.columns]
    ranked = [str(f) for f in importance["feature"]] if importance is not None and len(importance) else names
    features = [f for f in ranked if f in names][:top]
    if not features or not len(values):
        return {"features": features, "points": []}
    n = min(len(values), max(1, max_points // len(features)))
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(values), size=n, replace=False)) if n < len(values) else np.arange(len(values))
    cols = {str(c): c for c in values.columns}
    dcols = {str(c): c for c in data.columns}
    points = []
    for f in features:
        shap = values[cols[f]].to_numpy(dtype=float)[rows]
        norm = normalized(data[dcols[f]].iloc[rows]) if f in dcols else [None] * len(rows)
        for s, v in zip(shap, norm):
            if math.isfinite(s):
                points.append({"feature": f, "shap": round(float(s), 6), "value": v})
    return {"features": features, "points": points}


def dependence(values: pd.DataFrame, data: pd.DataFrame, feature: str, *,
               max_points: int = MAX_DEPENDENCE_POINTS) -> dict[str, Any]:
    """``{feature, x, shap, categorical}`` of one feature; numeric x (missing values dropped)
    or, for a non-numeric column, its values as strings (missing: None)."""
    cols = {str(c): c for c in values.columns}
    dcols = {str(c): c for c in data.columns}
    if feature not in cols:
        return {}
    shap = values[cols[feature]].to_numpy(dtype=float)[:max_points]
    col = data[dcols[feature]].iloc[:max_points] if feature in dcols else pd.Series([None] * len(shap))
    categorical = not (pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col))
    xs: list[Any] = []
    ss: list[float] = []
    if categorical:
        for x, s in zip(col.tolist(), shap):
            if math.isfinite(s):
                xs.append(None if _missing(x) else str(x))
                ss.append(round(float(s), 6))
    else:
        for x, s in zip(pd.to_numeric(col, errors="coerce").to_numpy(dtype=float), shap):
            if math.isfinite(x) and math.isfinite(s):
                xs.append(float(x))
                ss.append(round(float(s), 6))
    return {"feature": feature, "x": xs, "shap": ss, "categorical": bool(categorical)}


def waterfall(exp: Any, values: pd.DataFrame, data: pd.DataFrame, row: int, *,
              top: int = TOP_WATERFALL) -> dict[str, Any]:
    """``{row, base_value, output, contributions: [{feature, value, shap}]}``: the top ``top``
    features of the row by |SHAP|, then one "other features" bar with the rest's sum."""
    shap_row = values.iloc[row].to_numpy(dtype=float)
    names = [str(c) for c in values.columns]
    dcols = {str(c): c for c in data.columns}
    order = np.argsort(-np.abs(np.nan_to_num(shap_row)), kind="stable")
    contributions = []
    for j in order[:top]:
        raw = data.iloc[row][dcols[names[j]]] if names[j] in dcols else None
        contributions.append({"feature": names[j], "value": fmt_value(raw), "shap": _num(shap_row[j])})
    rest = order[top:]
    if len(rest):
        contributions.append({"feature": f"{OTHER} ({len(rest)})" if len(rest) > 1 else names[rest[0]],
                              "value": "" if len(rest) > 1 else fmt_value(data.iloc[row][dcols[names[rest[0]]]]
                                                                           if names[rest[0]] in dcols else None),
                              "shap": _num(float(np.nansum(shap_row[rest])))})
    base = _num(getattr(exp, "base_value", None))
    output = None
    out = np.asarray(getattr(exp, "output", []))
    if out.ndim == 1 and row < len(out):
        output = _num(out[row])
    if output is None and base is not None:
        output = base + float(np.nansum(shap_row))
    return {"row": int(row), "base_value": base, "output": output, "contributions": contributions}


def fmt_value(v: Any) -> str:
    """A feature value as the waterfall's label shows it: numbers to 4 significant digits."""
    if _missing(v):
        return "missing"
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.4g}"
    s = str(v)
    return s if len(s) <= 40 else s[:39] + "…"


def _missing(v: Any) -> bool:
    try:
        return v is None or bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _scalar(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return v if v is None or isinstance(v, (str, int, float, bool)) else str(v)
