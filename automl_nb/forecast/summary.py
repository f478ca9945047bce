"""What the user sees of a forecasting experiment: the features of the machine-learning
forecasters, the score of a forecast against actual values, the forecast plot and the
per-series view the Studio draws."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..data.prepare import DataError, as_frame
from .panel import Panel


def forecast_features(panel: Panel, horizon: int) -> pd.DataFrame:
    """The features the global LightGBM (and TCN windows) are built from: one row each."""
    from .features import calendar_features
    from .forecasters.global_lightgbm import GlobalLightGBM

    model = GlobalLightGBM({"horizon": horizon})
    model._setup(panel)
    rows = []
    ref = f"the mean of the last {model.ref_window_} values"
    how = f"divided by {ref}" if model.multiplicative_ else f"minus {ref}, over the series' mean step"
    for k in model.lags_:
        rows.append(("lag", f"lag_{k}", f"the target {k} step(s) before, {how}"))
    for w in model.rolling_:
        rows.append(("rolling window", f"rolling_mean_{w}", f"mean of the last {w} values, {how}"))
        rows.append(("rolling window", f"rolling_std_{w}", f"standard deviation of the last {w} values"))
    _, cal = calendar_features(panel.times(0)[:2], panel.freq, panel.season_length)
    for c in cal:
        rows.append(("calendar", c, f"{c.replace('_', ' ')} of the forecast timestamp"))
    if panel.holidays is not None:
        rows.append(("holiday", "holiday", f"public holidays of {panel.holidays.label} in the period"))
    for c in panel.exog_names:
        rows.append(("exogenous", c, "your column, known in the future (values for the horizon go to predict(X))"))
    if panel.n_series > 1:
        rows.append(("series", "series", f"which of the {panel.n_series} series (one global model learns from all)"))
    rows.append(("target", "target", f"the value to forecast, {how}; recursive: one step at a time, "
                 "direct: every step of the horizon from the last known values"))
    return pd.DataFrame(rows, columns=["kind", "feature", "description"])


def score_forecast(forecast: pd.DataFrame, X: Any, y: Any, info: Any, model: Any, metric: Any) -> float:
    """The experiment's metric of ``forecast`` against the actual values in (X, y)."""
    X = as_frame(X, "X")
    keys = [info.time_column] + ([info.series_id] if info.series_id else [])
    missing = [k for k in keys if k not in X.columns]
    if missing:
        raise DataError(f"X lacks column(s) {missing} to match the forecast's timestamps")
    if isinstance(y, str):
        if y not in X.columns:
            raise DataError(f"target column {y!r} is not in X")
        actual = X[y]
    else:
        actual = pd.Series(np.asarray(y, dtype=float), index=X.index)
    frame = X[keys].assign(_actual=np.asarray(actual, dtype=float))
    frame[info.time_column] = pd.to_datetime(frame[info.time_column])
    merged = forecast.merge(frame, on=keys, how="inner")
    if merged.empty:
        raise DataError("none of X's timestamps fall in the forecast horizon")
    if info.series_id:
        pos = {str(k): i for i, k in enumerate(model.panel.ids)}
        idx = merged[info.series_id].astype(str).map(pos).to_numpy()
    else:
        idx = np.zeros(len(merged), dtype=int)
    scale = model.scales[idx]
    return float(metric.score(merged["_actual"].to_numpy(float), merged["forecast"].to_numpy(float), scale))


def series_index(panel: Panel, series: Any) -> int:
    if series is None:
        return 0
    names = ["" if k is None else str(k) for k in panel.ids]
    if str(series) not in names:
        shown = names[:10]
        raise ValueError(f"series={series!r} is not a series id; ids include {shown}")
    return names.index(str(series))


def series_view(exp: Any, forecast: pd.DataFrame, series: Any = None, history: int | None = 600,
                weights: dict[int, float] | None = None) -> dict[str, Any]:
    """History, the backtest windows (of ``weights``' blend, default the final model) and the
    forecast of one series, as plain lists (for the Studio and the plot)."""
    data, info = exp.data, exp.prepared.info
    panel = data.panel
    i = series_index(panel, series)
    y = panel.values[i]
    times = panel.times(i)
    keep = len(y) if history is None else min(len(y), history)
    weights = weights if weights is not None else exp.outcome.members
    backtest = []
    if weights:
        from ..metrics import get_metric

        metric = get_metric(data.metric)
        from ..finalize import blend as blend_of

        blend = blend_of(exp.results, weights)
        for k, offset in enumerate(data.windows):
            sl = data.window_slice(k)
            block = blend[sl].reshape(panel.n_series, data.horizon)[i]
            actual = data.actual[sl].reshape(panel.n_series, data.horizon)[i]
            scale = data.scale[sl].reshape(panel.n_series, data.horizon)[i]
            cut = len(y) - offset
            score = metric.score(actual, block, scale)
            backtest.append({"window": k + 1, "cutoff": times[cut - 1], "t": list(times[cut: cut + data.horizon]),
                             "y": actual.tolist(), "y_pred": block.tolist(), "score": float(score)})
    if info.series_id:
        fc = forecast[forecast[info.series_id].astype(str) == ("" if panel.ids[i] is None else str(panel.ids[i]))]
    else:
        fc = forecast
    return {"series_id": "" if panel.ids[i] is None else str(panel.ids[i]),
            "history": {"t": list(times[-keep:]), "y": y[-keep:].tolist()},
            "backtest": backtest,
            "forecast": {"t": list(pd.DatetimeIndex(fc[info.time_column])), "mean": fc["forecast"].tolist(),
                         "lower": fc["lower"].tolist(), "upper": fc["upper"].tolist()}}


def plot_forecast(exp: Any, forecast: pd.DataFrame, series: Any = None, ax: Any = None, history: int | None = None):
    """History, dashed backtest windows and the forecast with its interval band (matplotlib)."""
    from ..extras import require

    require("matplotlib", "forecast_plot()")
    import matplotlib.pyplot as plt

    data = exp.data
    if history is None:
        history = max(4 * data.horizon + max(data.windows), 3 * data.panel.season_length)
    view = series_view(exp, forecast, series, history)
    if ax is None:
        fig, ax = plt.subplots(figsize=(10, 4))
    else:
        fig = ax.figure
    ax.plot(view["history"]["t"], view["history"]["y"], color="0.2", lw=1.2, label="history")
    colors = plt.cm.tab10.colors
    for w in view["backtest"]:
        ax.plot(w["t"], w["y_pred"], ls="--", lw=1.2, color=colors[(w["window"] + 1) % 10],
                label=f"backtest window {w['window']} ({data.metric} {w['score']:.3g})")
        ax.axvline(w["cutoff"], color=colors[(w["window"] + 1) % 10], lw=0.6, alpha=0.5)
    f = view["forecast"]
    level = exp.config.interval_level
    ax.fill_between(f["t"], f["lower"], f["upper"], color=colors[0], alpha=0.2, label=f"{level:.0%} interval")
    ax.plot(f["t"], f["mean"], color=colors[0], lw=1.8, label="forecast")
    title = exp.outcome.description or "forecast"
    sid = view["series_id"]
    ax.set_title(f"{sid + ': ' if sid else ''}{title}")
    ax.set_xlabel(exp.prepared.info.time_column)
    ax.set_ylabel(exp.prepared.info.target)
    ax.legend(loc="upper left", fontsize=8, ncol=2)
    fig.autofmt_xdate()
    return fig
