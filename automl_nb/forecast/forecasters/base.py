"""The forecaster protocol: fit on a :class:`~automl_nb.forecast.panel.Panel`, predict the
next ``horizon`` steps of every series.

A forecaster is one module in ``automl_nb/forecast/forecasters/`` holding a class with
``fit``/``predict`` and a :class:`~automl_nb.learners.base.LearnerSpec` named ``SPEC``
(family ``"forecast"``, task ``"forecast"``); ``make(params, task, seed, n_jobs)`` returns an
unfitted forecaster. Heavy libraries (statsmodels, Prophet, LightGBM, torch) are imported
inside the methods.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ...learners.base import TrialTimeout
from ..panel import Panel

FORECAST_TASKS = frozenset({"forecast"})


def check_deadline(deadline: float | None) -> None:
    if deadline is not None and time.time() > deadline:
        raise TrialTimeout("the forecaster passed its deadline")


class Forecaster:
    """Base class. Subclasses set ``name`` and implement :meth:`fit` and :meth:`predict`."""

    name = "forecaster"

    def __init__(self, params: dict[str, Any] | None = None, seed: int = 0, n_jobs: int = 1) -> None:
        self.params = dict(params or {})
        self.seed = seed
        self.n_jobs = n_jobs

    def fit(self, panel: Panel, deadline: float | None = None) -> Forecaster:
        raise NotImplementedError

    def predict(self, horizon: int, future_exog: list[np.ndarray] | None = None) -> np.ndarray:
        """Point forecasts, shape ``(n_series, horizon)``, for the steps after the fitted data.
        ``future_exog`` holds, per series, the exogenous rows of those steps."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.params})"


class LocalForecaster(Forecaster):
    """A forecaster that fits one statistical model per series.

    Subclasses implement :meth:`fit_one` (returning a fitted state) and :meth:`predict_one`.
    A series whose model fails to fit falls back to the seasonal naive forecast, and the
    number of fallbacks is kept in ``fallbacks`` (a failing series never fails the trial,
    but a model that fails on every series does).
    """

    def fit(self, panel: Panel, deadline: float | None = None) -> LocalForecaster:
        self.panel_ = panel
        self.states_: list[Any] = []
        self.fallbacks = 0
        errors = []
        for i, y in enumerate(panel.values):
            check_deadline(deadline)
            exog = None if panel.exog is None else panel.exog[i]
            try:
                self.states_.append(self.fit_one(y, panel.season_length, exog, panel, i, deadline))
            except TrialTimeout:
                raise
            except Exception as exc:  # one bad series: seasonal naive for it
                errors.append(f"{type(exc).__name__}: {exc}")
                self.states_.append(None)
                self.fallbacks += 1
        if self.fallbacks == panel.n_series:
            raise RuntimeError(f"{self.name} failed on every series: {errors[0]}")
        return self

    def predict(self, horizon: int, future_exog: list[np.ndarray] | None = None) -> np.ndarray:
        out = np.empty((self.panel_.n_series, horizon))
        for i, state in enumerate(self.states_):
            y = self.panel_.values[i]
            if state is None:
                out[i] = seasonal_naive(y, self.panel_.season_length, horizon)
                continue
            fx = None if future_exog is None else future_exog[i]
            pred = np.asarray(self.predict_one(state, horizon, fx), dtype=float)
            if pred.shape != (horizon,) or not np.all(np.isfinite(pred)):
                pred = seasonal_naive(y, self.panel_.season_length, horizon)
            out[i] = pred
        return out

    def fit_one(self, y: np.ndarray, m: int, exog: np.ndarray | None, panel: Panel, i: int,
                deadline: float | None) -> Any:
        raise NotImplementedError

    def predict_one(self, state: Any, horizon: int, future_exog: np.ndarray | None) -> np.ndarray:
        raise NotImplementedError


def seasonal_naive(y: np.ndarray, m: int, horizon: int) -> np.ndarray:
    """Repeat the last season (the last value when the series is shorter than a season)."""
    y = np.asarray(y, dtype=float)
    if m <= 1 or len(y) < m:
        return np.full(horizon, y[-1])
    last = y[-m:]
    return np.resize(last, horizon) if horizon > m else last[:horizon].copy()


def make_factory(cls: type[Forecaster]) -> Callable[[dict, str, int, int], Forecaster]:
    def make(params: dict, task: str, seed: int, n_jobs: int) -> Forecaster:
        return cls(params, seed, n_jobs)

    return make


def no_space(trial: Any, task: str, n_rows: int) -> dict:
    return {}
