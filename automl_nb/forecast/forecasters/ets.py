"""Exponential smoothing (ETS) with automatic model selection per series, like R's ``ets`` and
statsforecast's AutoETS: every admissible combination of error (additive/multiplicative),
trend (none/additive/damped) and seasonality (none/additive/multiplicative) is fitted with
statsmodels' ``ETSModel`` and the one with the lowest AICc forecasts.

Also home of the classical seasonal decomposition (:func:`seasonal_indices`,
:func:`seasonal_strength`) that the ARIMA forecaster reuses for long seasons.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...learners.base import LearnerSpec
from ..panel import Panel
from .base import FORECAST_TASKS, LocalForecaster, check_deadline, make_factory
from .seasonality import (
    STRENGTH_TO_DESEASONALIZE,
    quiet,
    seasonal_indices,
    seasonal_pattern,
    seasonal_strength,
)

#: above this season length the seasonal pattern is removed by a classical decomposition and
#: a non-seasonal ETS fitted to the rest: seasonal ETS with m = 48 or 52 states is slow and
#: its heuristic initial states are noisy
MAX_SEASON = 24

#: (trend, damped) choices
_TRENDS = ((None, False), ("add", False), ("add", True))


def train_length(m: int) -> int:
    """Points of history an ETS fit uses: the last 20 seasons, at least 600 points.

    The smoothing weights of older points are negligible (the level forgets geometrically)
    and the fit time grows linearly with the length; 600 points is 50 years of monthly data.
    """
    return max(20 * m, 600)


def _candidates(n: int, m: int, positive: bool, params: dict[str, Any]) -> list[tuple]:
    """Admissible (error, trend, damped, seasonal) models, R's ``ets`` restrictions: no
    multiplicative trend, no additive error with multiplicative season (infinite variance),
    multiplicative terms only for a strictly positive series, a season only with two of them."""
    seasons: list[str | None] = [None]
    if m > 1 and n >= 2 * m:
        seasons += ["add", "mul"] if positive else ["add"]
    trends = _TRENDS if n >= 4 else ((None, False),)
    out = []
    for error in ("add", "mul") if positive else ("add",):
        for trend, damped in trends:
            for season in seasons:
                if error == "add" and season == "mul":
                    continue
                out.append((error, trend, damped, season))
    if params.get("model", "auto" if "trend" not in params else "fixed") == "auto":
        return out
    # an explicit model: the nearest admissible one (mul -> add season for a non-positive
    # series, no season without two of them), the error type still chosen by AICc
    trend = params.get("trend")
    damped = bool(params.get("damped", False)) and trend is not None
    season = params.get("seasonal")
    if season is not None and not any(c[3] == season for c in out):
        season = "add" if any(c[3] == "add" for c in out) else None
    if trend is not None and not any(c[1] == trend for c in out):
        trend, damped = None, False
    return [c for c in out if c[1:] == (trend, damped, season)]


def _fit(y: np.ndarray, m: int, error: str, trend: str | None, damped: bool, season: str | None) -> Any:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    n = len(y)
    # heuristic initial states (Hyndman & Athanasopoulos, sect. 2.6) are ~10x faster than
    # estimating them with the smoothing parameters, and forecast as well
    heuristic = n >= 10 and (season is None or n >= max(2 * m, 10 + 2 * (m // 2)))
    model = ETSModel(y, error=error, trend=trend, damped_trend=damped, seasonal=season,
                     seasonal_periods=m if season else None,
                     initialization_method="heuristic" if heuristic else "estimated")
    return model.fit(disp=False, maxiter=200)


class ETS(LocalForecaster):
    """Exponential smoothing state-space models, selected per series by AICc.

    Parameters (``params``)
    -----------------------
    model : ``"auto"`` (default) searches every admissible model; ``"fixed"`` uses
        ``trend`` (None/"add"), ``damped`` and ``seasonal`` (None/"add"/"mul"), changed to the
        nearest admissible model for a series that cannot take it (e.g. "mul" for a series
        with zeros). The error type is always chosen by AICc.

    Seasons longer than :data:`MAX_SEASON` (half-hourly, weekly data) are removed by a classical
    decomposition when the seasonality is strong, and a non-seasonal ETS is fitted to the rest.
    """

    name = "ets"

    def fit_one(self, y: np.ndarray, m: int, exog: np.ndarray | None, panel: Panel, i: int,
                deadline: float | None) -> Any:
        y = np.asarray(y, dtype=float)[-train_length(m):]
        if np.ptp(y) == 0:  # a constant series (e.g. all zeros) stays constant
            return float(y[-1])
        with quiet():
            return self._fit_series(y, m, deadline)

    def _fit_series(self, y: np.ndarray, m: int, deadline: float | None) -> Any:
        positive = bool(np.all(y > 0))
        candidates = _candidates(len(y), m, positive, self.params)
        idx, multiplicative = None, False
        if m > MAX_SEASON:
            wanted = {c[3] for c in candidates} - {None}
            if wanted and (self.params.get("seasonal") is not None
                           or seasonal_strength(y, m) >= STRENGTH_TO_DESEASONALIZE):
                multiplicative = positive and wanted == {"mul"}
                idx = seasonal_indices(y, m, multiplicative)
                pattern = seasonal_pattern(idx, -len(y), len(y))
                y = y / pattern if multiplicative else y - pattern
            still_positive = bool(np.all(y > 0))
            candidates = sorted({(e, t, d, None) for e, t, d, _ in candidates
                                 if e == "add" or still_positive}, key=str)
        best, best_aicc = None, np.inf
        for error, trend, damped, season in candidates:
            check_deadline(deadline)
            try:
                res = _fit(y, m, error, trend, damped, season)
                aicc = float(res.aicc)
            except (ValueError, np.linalg.LinAlgError, ZeroDivisionError, FloatingPointError):
                continue
            if np.isfinite(aicc) and aicc < best_aicc and np.all(np.isfinite(res.fittedvalues)):
                best, best_aicc = res, aicc
        if best is None:
            raise RuntimeError("no ETS model could be fitted")
        return best, idx, multiplicative

    def predict_one(self, state: Any, horizon: int, future_exog: np.ndarray | None) -> np.ndarray:
        if isinstance(state, float):
            return np.full(horizon, state)
        res, idx, multiplicative = state
        with quiet():
            pred = np.asarray(res.forecast(horizon), dtype=float)
        if idx is not None:
            pattern = seasonal_pattern(idx, 0, horizon)
            pred = pred * pattern if multiplicative else pred + pattern
        return pred

    def describe(self) -> list[str | None]:
        """The selected model of each series, e.g. ``"ETS(M,Ad,M)"`` (None: seasonal naive)."""
        out = []
        for state in self.states_:
            if state is None or isinstance(state, float):
                out.append(None if state is None else "constant")
                continue
            model = state[0].model
            trend = "N" if model.trend is None else ("Ad" if model.damped_trend else "A")
            season = "N" if model.seasonal is None else model.seasonal[0].upper()
            if state[1] is not None:
                season = "M*" if state[2] else "A*"  # removed by decomposition
            out.append(f"ETS({model.error[0].upper()},{trend},{season})")
        return out


def _space(trial: Any, task: str, n_rows: int) -> dict:
    if trial.suggest_categorical("model", ["auto", "fixed"]) == "auto":
        return {"model": "auto"}
    trend = trial.suggest_categorical("trend", [None, "add"])
    damped = trial.suggest_categorical("damped", [False, True]) if trend is not None else False
    seasonal = trial.suggest_categorical("seasonal", [None, "add", "mul"])
    return {"model": "fixed", "trend": trend, "damped": damped, "seasonal": seasonal}


SPEC = LearnerSpec(
    name="ets",
    family="forecast",
    tasks=FORECAST_TASKS,
    make=make_factory(ETS),
    space=_space,
    defaults=({"model": "auto"},),
    cost=0.3,
    description="exponential smoothing (ETS), the model of each series chosen by AICc",
)
