"""The final forecasting model: one forecaster or a weighted blend, fitted on all the data,
with prediction intervals from its backtest errors. ``forecast()`` gives a tidy frame."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .panel import Panel


class ForecastModel:
    """Fitted forecasters and their weights, the history they continue, and the interval.

    Attributes
    ----------
    members : list of (name, fitted forecaster, weight).
    panel : the history (every series on its grid).
    horizon : steps forecast after the end of each series.
    widths : half-width of the interval per step, in units of each series' scale.
    scales : per series, the scale the widths multiply (in-sample seasonal naive MAE).
    level : the interval's nominal coverage (e.g. 0.8).
    non_negative : forecasts and lower bounds are clipped at 0 (the history never went below).
    """

    def __init__(self, members: list[tuple[str, Any, float]], panel: Panel, horizon: int, widths: np.ndarray,
                 scales: np.ndarray, level: float, time_column: str, series_id: str | None,
                 non_negative: bool) -> None:
        self.members = members
        self.panel = panel
        self.horizon = horizon
        self.widths = np.asarray(widths, dtype=float)
        self.scales = np.asarray(scales, dtype=float)
        self.level = level
        self.time_column = time_column
        self.series_id = series_id
        self.non_negative = non_negative

    def point_forecast(self, future_exog: list[np.ndarray] | None = None) -> np.ndarray:
        """The blended point forecasts, shape ``(n_series, horizon)``."""
        total = sum(w * np.asarray(f.predict(self.horizon, future_exog), dtype=float) for _, f, w in self.members)
        return np.clip(total, 0, None) if self.non_negative else total

    def forecast(self, future_exog: list[np.ndarray] | None = None) -> pd.DataFrame:
        """``[series_id], time, forecast, lower, upper`` for the horizon after the data."""
        mean = self.point_forecast(future_exog)
        half = self.widths[None, :] * self.scales[:, None]
        lower, upper = mean - half, mean + half
        if self.non_negative:
            lower = np.clip(lower, 0, None)
        parts = []
        for i in range(self.panel.n_series):
            part = {self.time_column: self.panel.future_times(i, self.horizon),
                    "forecast": mean[i], "lower": lower[i], "upper": upper[i]}
            if self.series_id is not None:
                part = {self.series_id: [self.panel.ids[i]] * self.horizon, **part}
            parts.append(pd.DataFrame(part))
        return pd.concat(parts, ignore_index=True)

    def __repr__(self) -> str:
        names = ", ".join(f"{n} ({w:.2f})" for n, _, w in self.members)
        return f"ForecastModel({names}; horizon={self.horizon}, {self.level:.0%} interval)"
