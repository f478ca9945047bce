"""ForecastSettings: forecasting's own settings, grouped inside ExperimentConfig.

Required with task="forecast" (time_column, horizon), refused without it: the task that
owns a group validates it (see :meth:`ForecastSettings.validate`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from ..errors import ConfigError
from ..settings_fields import is_int, is_number, setting


@dataclass(frozen=True)
class ForecastSettings:
    time_column: str | None = setting(None)
    horizon: int | None = setting(None)
    series_id: str | None = setting(None)
    frequency: str = setting("auto")
    season_length: int | str = setting("auto")
    country_holidays: str | None = setting(None)
    lags: tuple[int, ...] | str = setting("auto", browser=False)
    rolling_windows: tuple[int, ...] | str = setting("auto", browser=False)
    n_windows: int | None = setting(None)
    window_step: int | None = setting(None, browser=False)
    interval_level: float = setting(0.8, browser=False)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def given(self) -> list[str]:
        """The settings set to something other than their default."""
        default = ForecastSettings()
        return [k for k in self.field_names() if getattr(self, k) != getattr(default, k)]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("lags", "rolling_windows"):
            if not isinstance(d[k], str):
                d[k] = list(d[k])
        return d

    def validate(self, active: bool, task: str = "forecast", validation: str = "auto") -> None:
        """Check the settings; ``active``: the experiment forecasts (else none may be given)."""
        if not active:
            given = [k for k in ("time_column", "horizon", "series_id", "country_holidays", "n_windows", "window_step")
                     if getattr(self, k) is not None]
            if given:
                raise ConfigError(f"{given[0]}= applies to forecasting only; set task='forecast' (got task={task!r})",
                              field=given[0])
            return
        if not isinstance(self.time_column, str) or not self.time_column:
            raise ConfigError("time_column is required for task='forecast': the name of the column holding the timestamps",
                              field="time_column")
        if self.horizon is None or not is_int(self.horizon) or self.horizon < 1:
            raise ConfigError(f"horizon must be a positive integer (steps to forecast), got {self.horizon!r}", field="horizon")
        if self.series_id is not None and (not isinstance(self.series_id, str) or not self.series_id):
            raise ConfigError(f"series_id must be a column name or None, got {self.series_id!r}", field="series_id")
        if self.series_id is not None and self.series_id == self.time_column:
            raise ConfigError("series_id and time_column must be different columns", field="series_id")
        if self.frequency != "auto":
            import pandas as pd

            try:
                pd.tseries.frequencies.to_offset(self.frequency)
            except (ValueError, TypeError):
                raise ConfigError(f"frequency={self.frequency!r} is not a pandas frequency (e.g. 'D', 'W-MON', 'MS', "
                                  "'QS', 'h', '30min') or 'auto'", field="frequency") from None
        if self.season_length != "auto" and (not is_int(self.season_length) or self.season_length < 1):
            raise ConfigError(f"season_length must be 'auto' or a positive integer, got {self.season_length!r}",
                              field="season_length")
        if self.country_holidays is not None:
            from .holiday_calendar import parse_country

            try:
                parse_country(self.country_holidays)
            except ValueError as exc:
                raise ConfigError(str(exc), field="country_holidays") from None
        for arg, low in (("lags", 1), ("rolling_windows", 2)):
            v = getattr(self, arg)
            if v == "auto":
                continue
            if isinstance(v, str) or not v or not all(is_int(x) and x >= low for x in v):
                raise ConfigError(f"{arg} must be 'auto' or a non-empty list of integers >= {low}, got {v!r}", field=arg)
        for arg in ("n_windows", "window_step"):
            v = getattr(self, arg)
            if v is not None and (not is_int(v) or v < 1):
                raise ConfigError(f"{arg} must be a positive integer or None, got {v!r}", field=arg)
        if not is_number(self.interval_level) or not 0 < self.interval_level < 1:
            raise ConfigError(f"interval_level must be between 0 and 1 (e.g. 0.8 for an 80 % interval), got "
                              f"{self.interval_level!r}", field="interval_level")
        if validation != "auto":
            raise ConfigError("validation= does not apply to forecasting: backtests use rolling origins (set n_windows "
                              "and window_step)", field="validation")
