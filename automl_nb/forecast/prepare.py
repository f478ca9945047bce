"""Checks and preparation of a forecasting frame: every bad input is refused here, before any
work starts; every fix (sorting, filling gaps and missing targets) is recorded so the
guardrails can say what was done.

The frame is long ("tidy"): one row per (series, timestamp), with the time column, the target,
an optional series id column and optional exogenous columns known in the future.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..data.prepare import DataError, as_frame
from .panel import Panel, season_length_for

if TYPE_CHECKING:
    from ..config import ExperimentConfig

MIN_TRAIN = 8  # fewest points a model is fitted on in the oldest backtest window
DEFAULT_WINDOWS = 3


@dataclass
class SeriesInfo:
    """What preparation found and fixed (the guardrails and the Studio say it)."""

    target: str
    time_column: str
    series_id: str | None
    freq: str
    freq_reason: str
    season_length: int
    season_reason: str
    n_series: int
    lengths: list[int]
    exog_columns: list[str]
    exog_categories: dict[str, list[Any]] = field(default_factory=dict)
    sorted_fix: bool = False
    gaps_filled: dict[str, int] = field(default_factory=dict)  # series -> filled timestamps
    missing_target_filled: dict[str, int] = field(default_factory=dict)
    leading_missing_dropped: int = 0
    missing_time_dropped: int = 0
    parsed_time: str = ""  # how the time column was parsed, when it was not datetime already
    windows: list[int] = field(default_factory=list)  # backtest offsets from the end, oldest first
    window_step: int = 0
    windows_reason: str = ""
    non_positive: bool = False
    constant_series: list[str] = field(default_factory=list)
    holidays: str | None = None


@dataclass
class PreparedSeries:
    panel: Panel
    info: SeriesInfo
    horizon: int
    metric: str
    task: str = "forecast"
    task_reason: str = "set by you (task='forecast')"


def prepare_series(df: Any, y: Any, config: ExperimentConfig) -> PreparedSeries:
    """Check and prepare ``df`` for forecasting; raise :class:`DataError` naming the column."""
    from .holiday_calendar import HolidayCalendar, parse_country

    df = as_frame(df, "X")
    if len(df) == 0:
        raise DataError("X is empty: it has no rows")
    target = _target_name(df, y)
    if not isinstance(y, str):
        df = df.assign(**{target: np.asarray(y)})
    tcol, sid = config.time_column, config.series_id
    for arg, col in (("time_column", tcol), ("series_id", sid)):
        if col is not None and col not in df.columns:
            raise DataError(f"{arg}={col!r} is not a column of X; columns are: {list(df.columns)[:30]}", field=arg)
    if target in (tcol, sid):
        raise DataError(f"the target {target!r} cannot also be the time_column or series_id")
    missing_drop = [c for c in config.drop_columns if c not in df.columns]
    if missing_drop:
        raise DataError(f"drop_columns names columns that are not in X: {missing_drop}", field="drop_columns")
    df = df.drop(columns=list(config.drop_columns))

    info_kw: dict[str, Any] = {}
    times, parsed = _parse_times(df[tcol], tcol)
    info_kw["parsed_time"] = parsed
    df = df.assign(**{tcol: times})
    bad_time = df[tcol].isna()
    if bad_time.all():
        raise DataError(f"time_column {tcol!r} has no valid timestamps", field="time_column")
    info_kw["missing_time_dropped"] = int(bad_time.sum())
    df = df.loc[~bad_time]
    if not pd.api.types.is_numeric_dtype(df[target]) or pd.api.types.is_bool_dtype(df[target]):
        raise DataError(f"the target {target!r} must be numeric to forecast it; it is {df[target].dtype}")
    yv = df[target].astype(float)
    if np.isinf(yv.to_numpy()).any():
        raise DataError(f"the target {target!r} holds infinite values; remove or cap them")
    if yv.isna().all():
        raise DataError(f"the target {target!r} is missing in every row")
    if sid is not None and df[sid].isna().any():
        raise DataError(f"series_id column {sid!r} is missing in {int(df[sid].isna().sum())} rows; every row needs its series", field="series_id")

    keys = [sid, tcol] if sid is not None else [tcol]
    is_sorted = _is_sorted(df, keys)
    info_kw["sorted_fix"] = not is_sorted
    if not is_sorted:
        df = df.sort_values(keys, kind="stable")
    dup = df.duplicated(keys, keep=False)
    if dup.any():
        first = df.loc[dup].iloc[0]
        where = f"series {first[sid]!r} at " if sid is not None else ""
        raise DataError(
            f"time_column {tcol!r} has {int(dup.sum())} rows with duplicate timestamps ({where}{first[tcol]}); "
            "each series needs one row per timestamp: aggregate them first (e.g. df.groupby([...]).sum())",
            field="time_column",
        )
    groups = [(None, df)] if sid is None else list(df.groupby(sid, sort=False, observed=True))
    freq, freq_reason = _frequency(groups, tcol, config.frequency)
    m = config.season_length if config.season_length != "auto" else season_length_for(freq)
    season_reason = ("set by you (season_length=...)" if config.season_length != "auto"
                     else f"the usual season of a {freq!r} grid")

    exog_cols = [c for c in df.columns if c not in (tcol, sid, target)]
    exog_frame, categories = _encode_exog(df[exog_cols]) if exog_cols else (None, {})
    ids, starts, values, exogs = [], [], [], []
    gaps, filled = {}, {}
    lead_dropped = 0
    for key, g in groups:
        name = "" if key is None else str(key)
        t = pd.DatetimeIndex(g[tcol])
        grid = pd.date_range(t[0], t[-1], freq=freq)
        off = ~t.isin(grid)
        if off.any():
            raise DataError(
                f"time_column {tcol!r}: {int(off.sum())} timestamps{_in(name)} are not on the {freq!r} grid "
                f"(first: {t[off][0]}); set frequency= to the data's frequency or align the timestamps",
                field="time_column",
            )
        rows = pd.Series(g[target].astype(float).to_numpy(), index=t)
        first_valid = rows.first_valid_index()
        if first_valid is None:
            raise DataError(f"the target {target!r} is missing in every row{_in(name)}")
        lead_dropped += int(rows.loc[:first_valid].isna().sum())
        rows = rows.loc[first_valid:]
        s = rows.reindex(grid[grid >= first_valid])
        if len(s) > len(rows):
            gaps[name] = len(s) - len(rows)
        if rows.isna().any():
            filled[name] = int(rows.isna().sum())
        if s.isna().any():
            s = s.interpolate(method="linear", limit_direction="both")
        ids.append(key)
        starts.append(s.index[0])
        values.append(s.to_numpy(dtype=float))
        if exog_frame is not None:
            x = exog_frame.loc[g.index].set_axis(t).reindex(grid).loc[first_valid:]
            exogs.append(x.ffill().bfill().fillna(0.0).to_numpy(dtype=float))
    lengths = [len(v) for v in values]
    h = int(config.horizon)
    windows, step, w_reason = _windows(lengths, ids, h, config, m)
    calendar = None
    if config.country_holidays is not None:
        calendar = HolidayCalendar(*parse_country(config.country_holidays))
    panel = Panel(ids=ids, starts=starts, values=values, freq=freq, season_length=int(m),
                  exog=exogs if exog_frame is not None else None, exog_names=tuple(exog_cols),
                  holidays=calendar)
    info = SeriesInfo(
        target=target, time_column=tcol, series_id=sid, freq=freq, freq_reason=freq_reason,
        season_length=int(m), season_reason=season_reason, n_series=len(values), lengths=lengths,
        exog_columns=exog_cols, exog_categories=categories, gaps_filled=gaps, missing_target_filled=filled,
        leading_missing_dropped=lead_dropped, windows=windows, window_step=step, windows_reason=w_reason,
        non_positive=any(float(v.min()) <= 0 for v in values),
        constant_series=[("" if k is None else str(k)) for k, v in zip(ids, values) if np.ptp(v) == 0],
        holidays=None if calendar is None else calendar.label, **info_kw,
    )
    metric = config.metric if config.metric != "auto" else "mase"
    return PreparedSeries(panel=panel, info=info, horizon=h, metric=metric)


def future_exog(panel: Panel, info: SeriesInfo, X: Any, horizon: int) -> list[np.ndarray] | None:
    """Exogenous rows for the ``horizon`` steps after the data, from the user's future frame."""
    if not info.exog_columns:
        return None
    if X is None:
        raise DataError(
            f"the model uses the exogenous column(s) {info.exog_columns}: pass their values for the "
            f"{horizon} steps after the data as predict(X) (with {info.time_column!r}"
            + (f" and {info.series_id!r})" if info.series_id else ")")
        )
    X = as_frame(X, "X")
    need = [info.time_column, *([info.series_id] if info.series_id else []), *info.exog_columns]
    missing = [c for c in need if c not in X.columns]
    if missing:
        raise DataError(f"X lacks column(s) {missing} needed for the forecast; it needs {need}")
    times, _ = _parse_times(X[info.time_column], info.time_column)
    X = X.assign(**{info.time_column: times})
    encoded, _ = _encode_exog(X[info.exog_columns], info.exog_categories)
    out = []
    for i, key in enumerate(panel.ids):
        want = panel.future_times(i, horizon)
        rows = X if info.series_id is None else X[X[info.series_id].astype(str) == str(key)]
        sub = encoded.loc[rows.index].set_axis(pd.DatetimeIndex(rows[info.time_column]))
        sub = sub[~sub.index.duplicated()]
        absent = want[~want.isin(sub.index)]
        if len(absent):
            where = "" if key is None else f" for series {key!r}"
            raise DataError(
                f"X has no row{where} at {absent[0]} ({len(absent)} of the {horizon} forecast timestamps missing); "
                f"the exogenous columns {info.exog_columns} are needed at every forecast step"
            )
        block = sub.reindex(want)
        if block.isna().any().any():
            bad = block.columns[block.isna().any()].tolist()
            raise DataError(f"X has missing values in exogenous column(s) {bad} at forecast timestamps")
        out.append(block.to_numpy(dtype=float))
    return out


# ---- helpers -----------------------------------------------------------------------------


def _in(name: str) -> str:
    return f" in series {name!r}" if name else ""


def _target_name(df: pd.DataFrame, y: Any) -> str:
    if isinstance(y, str):
        if y not in df.columns:
            raise DataError(f"target column {y!r} is not in X; columns are: {list(df.columns)[:30]}")
        return y
    if y is None:
        raise DataError("y is missing: pass the target column's name (or a Series aligned with X)")
    if len(y) != len(df):
        raise DataError(f"y has {len(y)} values but X has {len(df)} rows")
    name = getattr(y, "name", None) or "y"
    if name in df.columns:
        raise DataError(f"y is named {name!r} like a column of X; pass the column's name instead")
    return str(name)


def _parse_times(col: pd.Series, name: str) -> tuple[pd.Series, str]:
    """Timestamps from a datetime, string or integer-year column; DataError naming the column."""
    if isinstance(col.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(col):
        return col, ""
    if isinstance(col.dtype, pd.PeriodDtype):
        return col.dt.to_timestamp(), "periods converted to their start timestamps"
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        v = col.dropna()
        if len(v) and bool(np.all(np.mod(v, 1) == 0)) and v.between(1000, 2999).all():
            return pd.to_datetime(col.astype("Int64").astype(str), format="%Y", errors="coerce"), "integer years read as January 1st"
        raise DataError(
            f"time_column {name!r} is numeric ({col.dtype}); give timestamps (datetime or date strings), "
            "or integer years; fractional years such as 1949.083 need converting first",
            field="time_column",
        )
    as_str = col.astype("string")
    parsed = pd.to_datetime(as_str, errors="coerce", format="mixed")
    bad = parsed.isna() & as_str.notna()
    if bad.mean() > 0.0 and bad.sum() == as_str.notna().sum():
        raise DataError(f"time_column {name!r} cannot be parsed as dates (e.g. {as_str[bad].iloc[0]!r})", field="time_column")
    if bad.any():
        raise DataError(
            f"time_column {name!r}: {int(bad.sum())} value(s) cannot be parsed as dates "
            f"(first: {as_str[bad].iloc[0]!r}); fix or drop those rows",
            field="time_column",
        )
    return parsed, "parsed from text"


def _is_sorted(df: pd.DataFrame, keys: list[str]) -> bool:
    if len(keys) == 1:
        return bool(df[keys[0]].is_monotonic_increasing)
    codes = pd.factorize(df[keys[0]], sort=False)[0]
    blocks_contiguous = bool((np.diff(codes) >= 0).all())
    if not blocks_contiguous:
        return False
    return bool(df.groupby(keys[0], sort=False, observed=True)[keys[1]].apply(lambda s: s.is_monotonic_increasing).all())


def _frequency(groups: list, tcol: str, frequency: str) -> tuple[str, str]:
    if frequency != "auto":
        return pd.tseries.frequencies.to_offset(frequency).freqstr, "set by you (frequency=...)"
    found: dict[str, int] = {}
    for _, g in groups[:200]:
        t = pd.DatetimeIndex(g[tcol])
        if len(t) >= 3:
            try:
                with warnings.catch_warnings():  # pandas 3 warns that pandas 4 returns an offset
                    warnings.simplefilter("ignore")
                    f = pd.infer_freq(t)
            except (TypeError, ValueError):
                f = None
            f = getattr(f, "freqstr", f)  # pandas 4 returns an offset
            if f:
                found[f] = found.get(f, 0) + 1
    if found:
        f = max(found, key=found.get)
        return f, f"inferred from the timestamps ({f!r}{'' if len(found) == 1 else f'; {len(found)} different frequencies seen, the most common used'})"
    # gaps break infer_freq: use the most common step between timestamps
    diffs = pd.Series(np.concatenate([np.diff(pd.DatetimeIndex(g[tcol]).values).astype("timedelta64[ns]")
                                      for _, g in groups[:200]]))
    diffs = diffs[diffs > pd.Timedelta(0)]
    if diffs.empty:
        raise DataError(f"cannot infer the frequency of time_column {tcol!r}: too few timestamps; pass frequency= (e.g. 'D', 'MS')", field="frequency")
    step = pd.Timedelta(diffs.mode().iloc[0])
    t = pd.DatetimeIndex(pd.concat([g[tcol] for _, g in groups[:200]]))
    for f, lo, hi in (("MS", 28, 31), ("QS", 89, 92), ("YS", 365, 366)):
        if pd.Timedelta(days=lo) <= step <= pd.Timedelta(days=hi):
            if (t.day == 1).all() and (f != "QS" or t.month.isin([1, 4, 7, 10]).all()) and (f != "YS" or (t.month == 1).all()):
                return f, f"inferred from the most common step between timestamps ({f!r}; the data has gaps)"
            ends = f.replace("S", "E")
            if t.is_month_end.all():
                return ends, f"inferred from the most common step between timestamps ({ends!r}; the data has gaps)"
    if step >= pd.Timedelta(days=28):
        raise DataError(f"cannot infer the frequency of time_column {tcol!r} (most common step {step}); pass frequency= (e.g. 'MS', 'QS')", field="frequency")
    if step == pd.Timedelta(days=7):
        f = f"W-{t[0].day_name()[:3].upper()}"
    else:
        f = pd.tseries.frequencies.to_offset(step).freqstr
    return f, f"inferred from the most common step between timestamps ({f!r}; the data has gaps)"


def _encode_exog(X: pd.DataFrame, categories: dict[str, list] | None = None) -> tuple[pd.DataFrame, dict[str, list]]:
    """Exogenous columns as floats: numbers as they are, booleans 0/1, text/categories as codes."""
    out, cats = {}, {}
    for c in X.columns:
        s = X[c]
        if pd.api.types.is_bool_dtype(s):
            out[c] = s.astype(float)
        elif pd.api.types.is_numeric_dtype(s):
            out[c] = s.astype(float)
        elif pd.api.types.is_datetime64_any_dtype(s):
            raise DataError(f"exogenous column {c!r} holds timestamps; drop it (drop_columns=[{c!r}]) or turn it into numbers", field="drop_columns")
        else:
            known = (categories or {}).get(c)
            if known is None:
                known = sorted(pd.unique(s.dropna().astype(str)).tolist())
            cats[c] = known
            codes = pd.Categorical(s.astype("string"), categories=known).codes.astype(float)
            out[c] = pd.Series(np.where(codes < 0, np.nan, codes), index=s.index)
    return pd.DataFrame(out, index=X.index), cats


def _windows(lengths: list[int], ids: list, h: int, config: ExperimentConfig, m: int) -> tuple[list[int], int, str]:
    """Backtest windows as offsets from the end of each series, oldest first."""
    step = int(config.window_step or h)
    shortest = min(lengths)
    short_i = int(np.argmin(lengths))
    who = "" if ids[short_i] is None else f"series {ids[short_i]!r} "
    if shortest < h + MIN_TRAIN:
        raise DataError(
            f"{who}has {shortest} points: too short to forecast horizon={h} and check it on a backtest "
            f"(at least {h + MIN_TRAIN} points needed); shorten the horizon or drop the short series"
        )
    fits = 1 + (shortest - h - MIN_TRAIN) // step
    if config.n_windows is not None:
        if config.n_windows > fits:
            raise DataError(
                f"n_windows={config.n_windows} does not fit: {who}has {shortest} points, room for {fits} "
                f"window(s) of {h} steps every {step} steps with at least {MIN_TRAIN} points to fit on"
            )
        n = int(config.n_windows)
        reason = f"{n} rolling-origin window(s), set by you"
    else:
        n = max(1, min(DEFAULT_WINDOWS, fits))
        reason = (f"{n} rolling-origin windows of {h} steps, {step} steps apart (default {DEFAULT_WINDOWS}"
                  + ("" if n == DEFAULT_WINDOWS else f"; the shortest series has room for {fits}") + ")")
    return [h + step * (n - 1 - k) for k in range(n)], step, reason


def guess_defaults(df: pd.DataFrame, time_column: str | None, series_id: str | None) -> dict[str, Any]:
    """What "auto" would mean for this time column (the Studio's placeholders): frequency,
    season length, a horizon of one season, the backtest windows; ``{}`` when unknown."""
    if not time_column or time_column not in df.columns or (series_id and series_id not in df.columns):
        return {}
    try:
        times, _ = _parse_times(df[time_column], time_column)
        frame = pd.DataFrame({time_column: times}).assign(_id=df[series_id].to_numpy() if series_id else 0).dropna()
        frame = frame.sort_values(["_id", time_column])
        groups = list(frame.groupby("_id", sort=False))
        freq, _ = _frequency(groups, time_column, "auto")
        m = season_length_for(freq)
        shortest = min(len(g) for _, g in groups)
    except (DataError, ValueError, TypeError):
        return {}
    horizon = max(1, min(m if m > 1 else 10, (shortest - MIN_TRAIN) // 2)) if shortest > MIN_TRAIN + 1 else None
    windows = None
    if horizon:
        windows = max(1, min(DEFAULT_WINDOWS, 1 + (shortest - horizon - MIN_TRAIN) // horizon))
    return {"horizon": horizon, "frequency": freq, "season_length": m, "n_windows": windows}
