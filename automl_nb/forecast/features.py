"""Features for the machine-learning forecasters: target lags, rolling-window statistics,
calendar parts, holiday flags and exogenous columns.

Lag and rolling features are computed on a matrix ``Z`` (series x time, NaN where unknown)
for a set of target columns, by the same code in training (every column of the history) and
in recursive prediction (one new column at a time), so the two can never disagree. They are
normalized by a reference level (the mean of the last ``ref_window`` values before the target
time): as ratios for positive series, as differences scaled by the series' spread otherwise.
Trees cannot extrapolate a level they never saw; relative to the recent level they need not.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .panel import Panel


def auto_lags(m: int, min_length: int, horizon: int) -> list[int]:
    """Lags 1..min(m, 24), the season around m and 2m (and a week for sub-daily data with a
    daily season), kept below a third of the shortest series."""
    lags = set(range(1, min(max(m, 4), 24) + 1))
    if m > 1:
        lags |= {m - 1, m, m + 1, 2 * m}
    if m in (24, 48, 96):  # daily season of hourly / half-hourly data: the same time last week
        lags.add(7 * m)
    limit = max(4, min_length // 3)
    return sorted(k for k in lags if 1 <= k <= limit)


def auto_rolling(m: int, min_length: int) -> list[int]:
    windows = {3, m} if m > 3 else {3}
    if m >= 12:
        windows.add(max(2, m // 4))
    limit = max(3, min_length // 3)
    return sorted(w for w in windows if 2 <= w <= limit)


def _window_sums(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Prefix sums of values, squares and counts (NaN-aware), with a leading zero column."""
    known = ~np.isnan(Z)
    v = np.where(known, Z, 0.0)
    pad = np.zeros((Z.shape[0], 1))
    return (np.concatenate([pad, np.cumsum(v, axis=1)], axis=1),
            np.concatenate([pad, np.cumsum(v * v, axis=1)], axis=1),
            np.concatenate([pad, np.cumsum(known, axis=1)], axis=1))


def _window_mean(sums: tuple, cols: np.ndarray, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std of Z[:, c-w:c] for each c in ``cols`` (NaN where no value is known)."""
    s, s2, n = sums
    lo = np.clip(cols - w, 0, None)
    cnt = n[:, cols] - n[:, lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (s[:, cols] - s[:, lo]) / cnt
        var = (s2[:, cols] - s2[:, lo]) / cnt - mean * mean
    mean = np.where(cnt > 0, mean, np.nan)
    std = np.sqrt(np.clip(np.where(cnt > 1, var, np.nan), 0, None))
    return mean, std


def lag_block(Z: np.ndarray, cols: np.ndarray, lags: Sequence[int], rolling: Sequence[int],
              ref_window: int, multiplicative: bool, spread: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Normalized lag/rolling features for target columns ``cols`` of every row of ``Z``.

    Returns ``(features (n_rows, len(cols), n_features), ref (n_rows, len(cols)))``; the
    target normalized the same way is ``(y / ref)`` or ``(y - ref) / spread``.
    """
    sums = _window_sums(Z)
    ref, _ = _window_mean(sums, cols, ref_window)
    ref = np.where(np.isnan(ref), np.nanmean(Z, axis=1, keepdims=True), ref)
    feats = []
    for k in lags:
        idx = cols - k
        lag = np.where(idx[None, :] >= 0, Z[:, np.clip(idx, 0, None)], np.nan)
        feats.append(lag)
    for w in rolling:
        mean, std = _window_mean(sums, cols, w)
        feats.append(mean)
        feats.append(std)
    F = np.stack(feats, axis=-1) if feats else np.zeros((*Z[:, cols].shape, 0))
    n_lag = len(lags)
    if multiplicative:
        F = F / ref[..., None]
    else:
        F[..., : n_lag] = (F[..., : n_lag] - ref[..., None]) / spread[:, None, None]
        F[..., n_lag::2] = (F[..., n_lag::2] - ref[..., None]) / spread[:, None, None]
        F[..., n_lag + 1::2] = F[..., n_lag + 1::2] / spread[:, None, None]
    return F, ref


def lag_names(lags: Sequence[int], rolling: Sequence[int]) -> list[str]:
    return [f"lag_{k}" for k in lags] + [n for w in rolling for n in (f"rolling_mean_{w}", f"rolling_std_{w}")]


def calendar_features(times: pd.DatetimeIndex, freq: str, m: int) -> tuple[np.ndarray, list[str]]:
    """Calendar parts that vary on this grid: month, quarter, week of year, day of week, day
    of month, day of year, hour, minute of day; and the position in the season."""
    step = pd.tseries.frequencies.to_offset(freq)
    base = pd.Timestamp("2000-01-03")
    span = (base + step) - base
    cols: dict[str, np.ndarray] = {}
    if span < pd.Timedelta(days=1):
        cols["minute_of_day"] = (times.hour * 60 + times.minute).to_numpy()
        cols["day_of_week"] = times.day_of_week.to_numpy()
    elif span < pd.Timedelta(days=7):
        cols["day_of_week"] = times.day_of_week.to_numpy()
        cols["day_of_month"] = times.day.to_numpy()
        cols["day_of_year"] = times.day_of_year.to_numpy()
        cols["month"] = times.month.to_numpy()
    elif span < pd.Timedelta(days=28):
        cols["week_of_year"] = times.isocalendar().week.to_numpy().astype(int)
        cols["month"] = times.month.to_numpy()
    elif span < pd.Timedelta(days=80):
        cols["month"] = times.month.to_numpy()
        cols["quarter"] = times.quarter.to_numpy()
    elif span < pd.Timedelta(days=300):
        cols["quarter"] = times.quarter.to_numpy()
    if not cols:
        return np.zeros((len(times), 0)), []
    names = list(cols)
    return np.column_stack([np.asarray(cols[n], dtype=float) for n in names]), names


def series_spread(y: np.ndarray) -> float:
    """A robust scale of a series: the mean absolute one-step change (or its level's size)."""
    y = y[~np.isnan(y)]
    if len(y) > 1:
        d = float(np.mean(np.abs(np.diff(y))))
        if d > 0:
            return d
    a = float(np.mean(np.abs(y))) if len(y) else 0.0
    return a if a > 0 else 1.0


def exog_and_calendar(panel: Panel, i: int, times: pd.DatetimeIndex, exog: np.ndarray | None) -> tuple[np.ndarray, list[str]]:
    """Calendar parts, holiday flags and exogenous columns at ``times`` for series ``i``."""
    cal, names = calendar_features(times, panel.freq, panel.season_length)
    parts = [cal]
    if panel.holidays is not None:
        flags = panel.holidays.flags(times, panel.freq)
        parts.append(flags[:, None])
        names = [*names, "holiday"]
        step = pd.tseries.frequencies.to_offset(panel.freq)
        if (pd.Timestamp("2000-01-03") + step) - pd.Timestamp("2000-01-03") <= pd.Timedelta(days=1):
            before = panel.holidays.flags(times + pd.Timedelta(days=1), "D")
            after = panel.holidays.flags(times - pd.Timedelta(days=1), "D")
            parts += [before[:, None], after[:, None]]
            names = [*names, "holiday_tomorrow", "holiday_yesterday"]
    if exog is not None and exog.shape[1]:
        parts.append(np.asarray(exog, dtype=float))
        names = [*names, *panel.exog_names]
    return np.concatenate(parts, axis=1) if parts else np.zeros((len(times), 0)), names
