"""Time-series guardrails and profile: frequency, sorting, gaps, duplicates, missing target
values, series length against the horizon and season, the series themselves, holidays and
exogenous columns — each passed, fixed (said how) or alerted, with advice."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .panel import Panel
from .prepare import SeriesInfo

_SHOWN = 5


def _names(d: dict[str, int] | list[str]) -> str:
    keys = list(d)
    shown = ", ".join(repr(k) if k else "the series" for k in keys[:_SHOWN])
    return shown + (f" and {len(keys) - _SHOWN} more" if len(keys) > _SHOWN else "")


def check_series(panel: Panel, info: SeriesInfo, horizon: int) -> list:
    from ..data.guardrails import Guardrail

    g = []
    tc = info.time_column
    g.append(Guardrail("frequency", "passed", f"grid {info.freq!r}: {info.freq_reason}; season length "
                       f"{info.season_length} ({info.season_reason})",
                       "set frequency= or season_length= if this is wrong", (tc,)))
    if info.sorted_fix:
        g.append(Guardrail("sorted_timestamps", "fixed", "the rows were not in time order (per series)",
                           "sorted by series and time; your frame is unchanged", (tc,)))
    else:
        g.append(Guardrail("sorted_timestamps", "passed", "rows are in time order", "", (tc,)))
    g.append(Guardrail("duplicate_timestamps", "passed", "one row per series and timestamp", "", (tc,)))
    if info.gaps_filled:
        n = sum(info.gaps_filled.values())
        g.append(Guardrail("gaps", "fixed", f"{n} missing timestamp(s) on the {info.freq!r} grid in {_names(info.gaps_filled)}",
                           "added them with the target interpolated linearly and exogenous values carried forward; "
                           "if the gaps mean 'zero' (no sales), fill them with 0 yourself", (tc,)))
    else:
        g.append(Guardrail("gaps", "passed", f"no gaps on the {info.freq!r} grid", "", (tc,)))
    if info.missing_target_filled or info.leading_missing_dropped:
        parts = []
        if info.missing_target_filled:
            parts.append(f"{sum(info.missing_target_filled.values())} missing value(s) in {_names(info.missing_target_filled)} interpolated linearly")
        if info.leading_missing_dropped:
            parts.append(f"{info.leading_missing_dropped} leading missing value(s) dropped")
        g.append(Guardrail("missing_target", "fixed", "; ".join(parts),
                           "check that interpolation suits your data", (info.target,)))
    else:
        g.append(Guardrail("missing_target", "passed", "no missing target values", "", (info.target,)))
    if info.missing_time_dropped:
        g.append(Guardrail("missing_timestamps", "fixed", f"{info.missing_time_dropped} row(s) without a timestamp dropped",
                           "give every row a timestamp", (tc,)))
    m = info.season_length
    short = {("" if k is None else str(k)): n for k, n in zip(panel.ids, info.lengths) if n < 2 * m + horizon and m > 1}
    if short:
        g.append(Guardrail("series_length", "alerted",
                           f"{len(short)} series shorter than two seasons plus the horizon ({2 * m + horizon} points): {_names(short)}",
                           "seasonal models fall back to non-seasonal ones there; more history helps", ()))
    else:
        g.append(Guardrail("series_length", "passed",
                           f"every series has at least two seasons plus the horizon ({max(2 * m, 1) + horizon} points)", "", ()))
    lengths = pd.Series(info.lengths)
    g.append(Guardrail("series", "passed",
                       f"{info.n_series} series; length min {lengths.min()}, median {int(lengths.median())}, max {lengths.max()}; "
                       f"backtest: {info.windows_reason}", "", (info.series_id,) if info.series_id else ()))
    if info.constant_series:
        g.append(Guardrail("constant_series", "alerted", f"{len(info.constant_series)} constant series: {_names(info.constant_series)}",
                           "nothing to learn there; their forecast is the constant", ()))
    if info.non_positive:
        g.append(Guardrail("non_positive_values", "passed", "the target has zero or negative values",
                           "multiplicative models are not used for those series", (info.target,)))
    if info.holidays:
        g.append(Guardrail("holidays", "passed", f"public holidays of {info.holidays} used as features",
                           "", ()))
    if info.exog_columns:
        cats = [c for c in info.exog_columns if c in info.exog_categories]
        msg = f"{len(info.exog_columns)} column(s) used as exogenous regressors known in the future: {info.exog_columns[:10]}"
        if cats:
            msg += f" (text/categories encoded as codes: {cats[:10]})"
        g.append(Guardrail("exogenous_columns", "alerted", msg,
                           f"predict(X) will need their values for the {horizon} steps after the data; drop_columns=[...] "
                           "removes columns not known in advance (they would leak the future)", tuple(info.exog_columns)))
    return g


@dataclass
class SeriesProfile:
    """One row per series: id, start, end, length, gaps and missing values filled, level and spread."""

    frame: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()


def profile_series(panel: Panel, info: SeriesInfo) -> SeriesProfile:
    rows = []
    for i, (k, y) in enumerate(zip(panel.ids, panel.values)):
        name = "" if k is None else str(k)
        t = panel.times(i)
        rows.append({"series": name, "start": t[0], "end": t[-1], "length": len(y),
                     "gaps_filled": info.gaps_filled.get(name, 0),
                     "missing_filled": info.missing_target_filled.get(name, 0),
                     "mean": float(y.mean()), "std": float(y.std()), "min": float(y.min()), "max": float(y.max())})
    return SeriesProfile(pd.DataFrame(rows))
