"""The Studio's view of a forecasting experiment: the ``forecast`` trait, the backtest plot
of a trial and the featurization records (see ``js/CONTRACT.md``)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..records import jsonable

MAX_SERIES_IDS = 1000
HISTORY_POINTS = 600


def _iso(times: Any) -> list[str]:
    return [pd.Timestamp(t).isoformat() for t in times]


def featurization_records_forecast(panel: Any, info: Any, horizon: int) -> list[dict[str, Any]]:
    """What each raw column becomes for the machine-learning forecasters."""
    from .summary import forecast_features

    feats = forecast_features(panel, horizon)
    by_kind = {k: g["feature"].tolist() for k, g in feats.groupby("kind", sort=False)}
    rows = [{"raw_column": info.target, "kind": "target",
             "steps": ["lags", "rolling windows", "relative to the recent level"],
             "engineered_features": by_kind.get("lag", []) + by_kind.get("rolling window", [])},
            {"raw_column": info.time_column, "kind": "datetime",
             "steps": ["calendar parts"] + (["public holidays"] if "holiday" in by_kind else []),
             "engineered_features": by_kind.get("calendar", []) + by_kind.get("holiday", [])}]
    if info.series_id:
        rows.append({"raw_column": info.series_id, "kind": "series id", "steps": ["one global model, series as a feature"],
                     "engineered_features": ["series"]})
    for c in info.exog_columns:
        steps = ["category codes"] if c in info.exog_categories else ["as is"]
        rows.append({"raw_column": c, "kind": "exogenous (known in the future)", "steps": steps,
                     "engineered_features": [c]})
    for r in rows:
        r["n_features"] = len(r["engineered_features"])
        r["dropped"] = ""
    return jsonable(rows)


def _no_forecast(info: Any) -> pd.DataFrame:
    """An empty forecast frame: the series view without its forecast part."""
    keys = [c for c in (info.series_id, info.time_column) if c]
    return pd.DataFrame(columns=[*keys, "forecast", "lower", "upper"])


def _series_ids(panel: Any) -> list[str]:
    return ["" if k is None else str(k) for k in panel.ids[:MAX_SERIES_IDS]]


def forecast_trait(exp: Any, forecast: pd.DataFrame | None, series_id: str | None = None, note: str = "") -> dict[str, Any]:
    """The ``forecast`` trait: history, the final model's backtest windows and the forecast
    of one series (``forecast`` None: the forecast part is empty and ``note`` says why)."""
    from .summary import series_view

    frame = forecast if forecast is not None else _no_forecast(exp.prepared.info)
    view = series_view(exp, frame, series_id or None, HISTORY_POINTS)
    return jsonable({
        "series_ids": _series_ids(exp.data.panel),
        "series_id": view["series_id"],
        "metric": exp.data.metric,
        "horizon": exp.data.horizon,
        "level": round(100 * exp.config.interval_level, 1),
        "model": exp.outcome.description,
        "note": note,
        "history": {"t": _iso(view["history"]["t"]), "y": view["history"]["y"]},
        "backtest": [{"window": w["window"], "cutoff": pd.Timestamp(w["cutoff"]).isoformat(), "t": _iso(w["t"]),
                      "y_pred": w["y_pred"], "score": w["score"]} for w in view["backtest"]],
        "forecast": {"t": _iso(view["forecast"]["t"]), "mean": view["forecast"]["mean"],
                     "lower": view["forecast"]["lower"], "upper": view["forecast"]["upper"]},
    })


def forecast_trial_plots(exp: Any, weights: dict[int, float], series_id: str | None = None) -> dict[str, Any]:
    """``trial_details.plots`` of a forecasting trial (or blend): its backtest windows."""
    from .summary import series_view

    data = exp.data
    history = max(data.windows) + 3 * data.horizon
    view = series_view(exp, _no_forecast(exp.prepared.info), series_id or None, history, weights=weights)
    return jsonable({
        "kind": "forecast", "series_id": view["series_id"],
        "history": {"t": _iso(view["history"]["t"]), "y": view["history"]["y"]},
        "backtest": [{"window": w["window"], "cutoff": pd.Timestamp(w["cutoff"]).isoformat(), "t": _iso(w["t"]),
                      "y": w["y"], "y_pred": w["y_pred"]} for w in view["backtest"]],
    })
