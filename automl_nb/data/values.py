"""Reading values the same way when profiling and when featurizing: true/false tokens,
numbers written as text, dates and their formats.

Self-contained (numpy and pandas only): fitted pipelines carry these functions by value
(see :mod:`automl_nb.persist`), so a model file loads without automl_nb.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

#: lower-cased spellings read as True / False by :func:`to_bool_float`
TRUE_TOKENS = frozenset({"true", "yes", "y", "1", "1.0"})
FALSE_TOKENS = frozenset({"false", "no", "n", "0", "0.0"})

_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")


def bool_token(value: object) -> float:
    """Read one value as 1.0 (true-like), 0.0 (false-like) or NaN (anything else)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return np.nan
    token = str(value).strip().lower()
    if token in TRUE_TOKENS:
        return 1.0
    if token in FALSE_TOKENS:
        return 0.0
    return np.nan


def to_bool_float(values: pd.Series) -> np.ndarray:
    """Map a boolean-like column to floats 1.0 / 0.0, with NaN for missing or unknown values.

    Parameters
    ----------
    values : pandas.Series
        Bools, 0/1 numbers or strings such as ``"yes"``/``"no"`` (case-insensitive).

    Returns
    -------
    numpy.ndarray
        Float array of the same length.
    """
    # factorize first so the per-value Python work is per distinct value, not per row
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.array([bool_token(u) for u in np.asarray(uniques, dtype=object)] + [np.nan])
    return mapped[np.where(codes < 0, len(uniques), codes)].astype(np.float64)


def is_number_string(value: str) -> bool:
    """True for strings such as ``"12"``, ``"-3.5"`` or ``"1e3"`` (never read as dates)."""
    return bool(_NUMBER.match(value))


def _guess_format(first: str) -> str | None:
    try:  # public since pandas 2.2
        from pandas.tseries.api import guess_datetime_format
    except ImportError:  # pragma: no cover - pandas 2.0/2.1
        from pandas._libs.tslibs.parsing import guess_datetime_format
    try:
        return guess_datetime_format(first)
    except (TypeError, ValueError):
        return None


def _to_datetime(values: pd.Series, fmt: str) -> pd.Series:
    with warnings.catch_warnings():
        # pandas warns when it falls back to per-element parsing; that is expected here
        warnings.simplefilter("ignore", UserWarning)
        try:
            return pd.to_datetime(values, errors="coerce", format=fmt)
        except (TypeError, ValueError):
            # mixed time zones cannot share one tz-aware dtype; compare them in UTC instead
            return pd.to_datetime(values, errors="coerce", format=fmt, utc=True)


def guess_datetime_format(values: pd.Series, min_share: float = 0.9) -> tuple[str | None, float]:
    """Find a format that parses string values as dates.

    Parameters
    ----------
    values : pandas.Series
        Non-missing string values (a sample is enough).
    min_share : float
        Share of values that must parse for a format to be accepted.

    Returns
    -------
    (format, share) : tuple
        The format (a strftime pattern, ``"ISO8601"`` or ``"mixed"``) or None when fewer
        than ``min_share`` of the values parse, and the share that parsed. Purely numeric
        strings never count as dates.
    """
    text = pd.Series(values, dtype=object).dropna().astype(str)
    if text.empty:
        return None, 0.0
    datelike = text[~text.map(is_number_string) & text.str.contains(r"\d", regex=True)]
    if len(datelike) < min_share * len(text):
        return None, len(datelike) / len(text)
    candidates = [f for f in (_guess_format(datelike.iloc[0]), "ISO8601", "mixed") if f]
    best = 0.0
    for fmt in candidates:
        share = float(_to_datetime(datelike, fmt).notna().sum()) / len(text)
        best = max(best, share)
        if share >= min_share:
            return fmt, share
    return None, best


def parse_datetimes(values: pd.Series, fmt: str | None = None) -> pd.Series:
    """Parse a column to datetimes; values that do not parse become NaT.

    Parameters
    ----------
    values : pandas.Series
        datetime64 (naive or tz-aware) values, or strings.
    fmt : str, optional
        Format from :func:`guess_datetime_format`; ``"mixed"`` when None.

    Returns
    -------
    pandas.Series
        A datetime64 series.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    series = pd.Series(values)
    # dates repeat a lot: parse each distinct value once (a big saving with "mixed")
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    parsed = _to_datetime(
        pd.Series(np.asarray(uniques, dtype=object), dtype=object), fmt or "mixed"
    )
    parsed = pd.concat([parsed, pd.Series([pd.NaT], dtype=parsed.dtype)], ignore_index=True)
    out = parsed.take(np.where(codes < 0, len(uniques), codes))
    out.index = series.index
    return out


