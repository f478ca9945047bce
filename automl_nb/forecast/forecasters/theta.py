"""The Theta method (Assimakopoulos & Nikolopoulos 2000; SES with drift, Hyndman & Billah
2003) per series with statsmodels' ``ThetaModel``: the series is deseasonalized by a classical
decomposition when it has two seasons and its season-lag autocorrelation is significant."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...learners.base import LearnerSpec
from ..panel import Panel
from .base import FORECAST_TASKS, LocalForecaster, make_factory
from .ets import train_length
from .seasonality import quiet


class Theta(LocalForecaster):
    """Theta forecasts, one model per series.

    Parameters (``params``)
    -----------------------
    method : how the season is removed: ``"auto"`` (default; multiplicative for a strictly
        positive series, else additive), ``"additive"`` or ``"multiplicative"`` (additive for
        a series that is not strictly positive).
    theta : weight of the trend line, >= 1 (default 2: the classic Theta method; 1 is simple
        exponential smoothing, larger values extrapolate the trend more).
    """

    name = "theta"

    def fit_one(self, y: np.ndarray, m: int, exog: np.ndarray | None, panel: Panel, i: int,
                deadline: float | None) -> Any:
        from statsmodels.tsa.forecasting.theta import ThetaModel

        y = np.asarray(y, dtype=float)[-train_length(m):]
        if len(y) < 3:
            raise ValueError("Theta needs at least 3 points")
        if np.ptp(y) == 0:  # a constant series (e.g. all zeros) stays constant
            return float(y[-1])
        method = self.params.get("method", "auto")
        if method != "additive" and not np.all(y > 0):
            method = "additive"
        seasonal = m > 1 and len(y) >= 2 * m
        with quiet():
            model = ThetaModel(y, period=m if seasonal else 1, deseasonalize=seasonal,
                               use_test=True, method=method)
            return model.fit()

    def predict_one(self, state: Any, horizon: int, future_exog: np.ndarray | None) -> np.ndarray:
        if isinstance(state, float):
            return np.full(horizon, state)
        theta = float(self.params.get("theta", 2.0))
        with quiet():
            return np.asarray(state.forecast(horizon, theta=theta), dtype=float)


def _space(trial: Any, task: str, n_rows: int) -> dict:
    return {
        "method": trial.suggest_categorical("method", ["auto", "additive", "multiplicative"]),
        "theta": trial.suggest_float("theta", 1.0, 4.0),
    }


SPEC = LearnerSpec(
    name="theta",
    family="forecast",
    tasks=FORECAST_TASKS,
    make=make_factory(Theta),
    space=_space,
    # {} means the same; spelled out so that the default is a point of the space
    defaults=({"method": "auto", "theta": 2.0},),
    cost=0.05,
    description="the Theta method (simple exponential smoothing with drift), deseasonalized",
)
