"""Seasonality helpers shared by the statistical forecasters: a classical decomposition's
seasonal indices, the strength of seasonality (STL), and a context that silences
statsmodels' warnings."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

#: seasonal strength (0..1, see :func:`seasonal_strength`) above which a long season is
#: removed before fitting (white noise scores up to ~0.5)
STRENGTH_TO_DESEASONALIZE = 0.5


@contextmanager
def quiet() -> Iterator[None]:
    """Silence the warnings (convergence, interpolation, ...) and floating-point errors of
    statsmodels fits."""
    # importing statsmodels turns some warnings to "always": done before silencing them
    import statsmodels.tools.sm_exceptions  # noqa: F401

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def _trend_of(y: np.ndarray, m: int) -> tuple[np.ndarray, int]:
    """Centred moving average of length ``m`` (2 x m for even m) and the offset of its first
    value in ``y``."""
    w = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    half = (len(w) - 1) // 2
    return np.convolve(y, w, mode="valid"), half


def seasonal_indices(y: np.ndarray, m: int, multiplicative: bool = False) -> np.ndarray:
    """Seasonal indices of a classical decomposition, aligned with the last ``m`` points.

    The trend is a centred moving average; the detrended values (differences, or ratios when
    ``multiplicative``) are averaged by position in the season and normalised to mean 0 (1).
    Index ``k`` belongs to ``y[len(y) - m + k]``, so step ``j`` after the end of ``y`` has the
    index ``j % m`` and point ``t`` of ``y`` the index ``(t - len(y)) % m``. Needs ``len(y) >= 2m``.
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    if m <= 1 or n < 2 * m:
        raise ValueError(f"a seasonal decomposition needs two seasons ({2 * m} points), got {n}")
    trend, half = _trend_of(y, m)
    seg = y[half: half + len(trend)]
    detrended = seg / trend if multiplicative else seg - trend
    pos = (np.arange(half, half + len(trend)) - n) % m
    idx = np.bincount(pos, detrended, minlength=m) / np.maximum(np.bincount(pos, minlength=m), 1)
    return idx / idx.mean() if multiplicative else idx - idx.mean()


def seasonal_strength(y: np.ndarray, m: int) -> float:
    """Strength of seasonality ``max(0, 1 - Var(remainder) / Var(seasonal + remainder))`` of an
    STL decomposition (Wang, Smith & Hyndman 2006; R's ``nsdiffs(test="seas")``); 0 with less
    than two seasons of data. White noise scores ~0.3-0.5, clearly seasonal series > 0.64."""
    from statsmodels.tsa.seasonal import STL

    y = np.asarray(y, dtype=float)
    if m <= 1 or len(y) < 2 * m or np.ptp(y) == 0:
        return 0.0
    res = STL(y, period=m).fit()
    resid = np.asarray(res.resid)
    var = float(np.var(resid + np.asarray(res.seasonal)))
    return 0.0 if var <= 0 else float(max(0.0, 1.0 - np.var(resid) / var))


def seasonal_pattern(idx: np.ndarray, start: int, length: int) -> np.ndarray:
    """The indices of ``length`` steps from ``start`` (0 = the first step after the data,
    negative = inside the data) for indices from :func:`seasonal_indices`."""
    return idx[(np.arange(start, start + length)) % len(idx)]
