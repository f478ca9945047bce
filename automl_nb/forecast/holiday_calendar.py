"""Public holidays of a country (and optionally a subdivision), from the `holidays` package
(offline): flags for the global models and a holiday table for Prophet."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


def parse_country(country_holidays: Any) -> tuple[str, str | None] | None:
    """``"US"`` -> ("US", None); ``("AU", "VIC")`` or ``"AU-VIC"`` -> ("AU", "VIC"); None -> None.

    Raises ValueError naming ``country_holidays`` when the country or subdivision is unknown.
    """
    if country_holidays is None:
        return None
    if isinstance(country_holidays, str):
        parts = country_holidays.replace("/", "-").split("-", 1)
    elif isinstance(country_holidays, (list, tuple)) and 1 <= len(country_holidays) <= 2:
        parts = [str(p) for p in country_holidays]
    else:
        raise ValueError(
            f"country_holidays must be a country code such as 'US', or (country, subdivision) such as "
            f"('AU', 'VIC'); got {country_holidays!r}"
        )
    country = parts[0].strip().upper()
    subdiv = parts[1].strip().upper() if len(parts) > 1 and parts[1].strip() else None
    from ..extras import require

    require("holidays", "country_holidays")
    import holidays

    supported = holidays.list_supported_countries()
    if country not in supported:
        raise ValueError(f"country_holidays: the holidays package does not know the country {country!r} "
                         f"(use an ISO code such as US, GB, DE, AU)")
    if subdiv is not None and subdiv not in supported[country]:
        raise ValueError(f"country_holidays: {country} has no subdivision {subdiv!r}; "
                         f"its subdivisions: {', '.join(supported[country]) or 'none'}")
    return country, subdiv


@dataclass(frozen=True)
class HolidayCalendar:
    country: str
    subdiv: str | None = None

    @property
    def label(self) -> str:
        return self.country if self.subdiv is None else f"{self.country}-{self.subdiv}"

    def _dates(self, years: range) -> dict:
        import holidays

        return dict(holidays.country_holidays(self.country, subdiv=self.subdiv, years=list(years)))

    def flags(self, times: pd.DatetimeIndex, freq: str) -> np.ndarray:
        """Holidays falling in each period: 0/1 for daily or finer grids (the day of the
        timestamp), the number of holiday days in the period for weekly and coarser grids."""
        if len(times) == 0:
            return np.zeros(0)
        days = self._dates(range(times.min().year - 1, times.max().year + 2))
        if not days:
            return np.zeros(len(times))
        day_set = pd.DatetimeIndex(pd.to_datetime(list(days)))
        step = pd.tseries.frequencies.to_offset(freq)
        if pd.Timestamp("2000-01-01") + step <= pd.Timestamp("2000-01-02"):
            return np.asarray(times.normalize().isin(day_set), dtype=float)
        # coarser than a day: count holiday days in [t, t + step)
        ends = times + step
        sorted_days = np.sort(day_set.values)
        lo = np.searchsorted(sorted_days, times.values, side="left")
        hi = np.searchsorted(sorted_days, ends.values, side="left")
        return (hi - lo).astype(float)

    def frame(self, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
        """Prophet's holiday table ``(ds, holiday)`` covering ``start``..``end``."""
        days = self._dates(range(start.year - 1, end.year + 2))
        return pd.DataFrame({"ds": pd.to_datetime(list(days)), "holiday": [str(v) for v in days.values()]})
