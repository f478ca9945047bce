"""A panel of time series on a regular grid: what every forecaster is fitted on.

Series may differ in length and start; each has its own target array (float64, gaps already
filled) and, optionally, exogenous columns known in the future (a float matrix aligned with
the target). Truncating a panel (the history before a backtest cutoff) is cheap: arrays are
sliced, not copied.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

#: season length implied by a pandas frequency (first matching prefix of the offset name)
_SEASONS = (
    ("30min", 48), ("30T", 48), ("15min", 96), ("15T", 96), ("10min", 144), ("5min", 288),
    ("min", 60), ("T", 60), ("h", 24), ("H", 24), ("B", 5), ("D", 7), ("W", 52),
    ("SM", 24), ("M", 12), ("BM", 12), ("MS", 12), ("ME", 12), ("Q", 4), ("BQ", 4),
    ("QS", 4), ("QE", 4), ("Y", 1), ("A", 1), ("YS", 1), ("YE", 1), ("AS", 1),
)


def season_length_for(freq: str) -> int:
    """The usual season length of a frequency: 12 for monthly, 7 for daily, 24 for hourly,
    48 for half-hourly, 4 for quarterly, 52 for weekly, 1 for yearly."""
    offset = pd.tseries.frequencies.to_offset(freq)
    name = (offset.rule_code if hasattr(offset, "rule_code") else offset.name).split("-")[0]
    n = getattr(offset, "n", 1) or 1
    if name in ("min", "T"):
        return max(1, int(round(24 * 60 / n))) if n >= 5 else 60
    if name in ("h", "H"):
        return max(1, 24 // n) if 24 % n == 0 else 24
    if name in ("s", "S"):
        return 60
    for prefix, m in _SEASONS:
        if name == prefix or name == prefix.rstrip("S") or name.startswith(prefix):
            return m if n == 1 else max(1, m // n)
    return 1


@dataclass
class Panel:
    """Series on a regular grid.

    Attributes
    ----------
    ids : series ids in order (a single series has the id ``None``).
    starts : first timestamp of each series.
    values : target of each series, float64, no missing values.
    freq : pandas offset alias of the grid (e.g. ``"MS"``, ``"D"``, ``"30min"``).
    season_length : the seasonal period in steps (1 = no seasonality).
    exog : per series, a float matrix ``(len, n_exog)`` of future-known columns, or None.
    exog_names : names of the exogenous columns.
    holidays : a :class:`~automl_nb.forecast.features.HolidayCalendar` or None.
    """

    ids: list[Any]
    starts: list[pd.Timestamp]
    values: list[np.ndarray]
    freq: str
    season_length: int
    exog: list[np.ndarray] | None = None
    exog_names: tuple[str, ...] = ()
    holidays: Any = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_series(self) -> int:
        return len(self.values)

    @property
    def lengths(self) -> list[int]:
        return [len(v) for v in self.values]

    def times(self, i: int) -> pd.DatetimeIndex:
        """Timestamps of series ``i``."""
        return pd.date_range(self.starts[i], periods=len(self.values[i]), freq=self.freq)

    def future_times(self, i: int, horizon: int) -> pd.DatetimeIndex:
        """The ``horizon`` timestamps after the end of series ``i``."""
        return pd.date_range(self.starts[i], periods=len(self.values[i]) + horizon, freq=self.freq)[-horizon:]

    def truncate(self, n_last: int) -> Panel:
        """The panel without the last ``n_last`` points of every series."""
        if n_last <= 0:
            return self
        values = [v[:-n_last] for v in self.values]
        exog = None if self.exog is None else [x[:-n_last] for x in self.exog]
        return replace(self, values=values, exog=exog)

    def tail_exog(self, n_last: int) -> list[np.ndarray] | None:
        """The exogenous rows of the last ``n_last`` points (the 'future' of a truncated panel)."""
        if self.exog is None:
            return None
        return [x[len(x) - n_last:] for x in self.exog]

    def tail_values(self, n_last: int) -> list[np.ndarray]:
        return [v[len(v) - n_last:] for v in self.values]
