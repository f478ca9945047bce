"""Seasonal naive: every forecast repeats the last season. The baseline every score is
compared with (MASE is the error relative to its in-sample one-season-ahead error)."""

from __future__ import annotations

import numpy as np

from ...learners.base import LearnerSpec
from ..panel import Panel
from .base import FORECAST_TASKS, Forecaster, make_factory, no_space, seasonal_naive


class SeasonalNaive(Forecaster):
    name = "seasonal_naive"

    def fit(self, panel: Panel, deadline: float | None = None) -> SeasonalNaive:
        m = panel.season_length
        self.last_ = [np.asarray(v[-max(m, 1):], dtype=float).copy() for v in panel.values]
        self.m_ = m
        return self

    def predict(self, horizon: int, future_exog: list[np.ndarray] | None = None) -> np.ndarray:
        return np.stack([seasonal_naive(v, self.m_, horizon) for v in self.last_])


SPEC = LearnerSpec(
    name="seasonal_naive",
    family="forecast",
    tasks=FORECAST_TASKS,
    make=make_factory(SeasonalNaive),
    space=no_space,
    defaults=({},),
    cost=0.001,
    description="repeats the last season (the baseline)",
)
