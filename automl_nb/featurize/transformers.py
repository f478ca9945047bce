"""Small sklearn transformers used by the featurization plan.

This module is deliberately self-contained (numpy, pandas and scikit-learn only): fitted
pipelines are pickled *by value* so they can be loaded where automl_nb is not installed.
Every transformer accepts a DataFrame (pandas 2 or 3; ``object``, ``str``, ``string`` and
``category`` columns alike) and returns a dense float array, except :class:`CategoryAsString`
whose output feeds an sklearn encoder.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

#: placeholder category for missing values of categorical columns
MISSING = "__missing__"
#: placeholder category for levels too rare (or unseen) to get their own one-hot column
INFREQUENT = "__infrequent__"
#: lower-cased spellings read as True / False by :func:`to_bool_float`
TRUE_TOKENS = frozenset({"true", "yes", "y", "1", "1.0"})
FALSE_TOKENS = frozenset({"false", "no", "n", "0", "0.0"})

_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
_DATE_PARTS = ("year", "month", "day", "dayofweek", "dayofyear")
#: pandas 3 deprecates the short accessor names that the output names keep
_ACCESSORS = {"dayofweek": "day_of_week", "dayofyear": "day_of_year"}
_TIME_PARTS = ("hour", "minute")


# ---------------------------------------------------------------------------------------
# value helpers (shared with automl_nb.data.profile so both read values the same way)
# ---------------------------------------------------------------------------------------


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


def _as_frame(X: object) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    if isinstance(X, pd.Series):
        return X.to_frame()
    array = np.asarray(X, dtype=object)
    return pd.DataFrame(array.reshape(len(array), -1))


class _FrameTransformer(TransformerMixin, BaseEstimator):
    """Shared input bookkeeping: remembers column names so output names can be derived."""

    def _remember_input(self, X: pd.DataFrame) -> None:
        self.n_features_in_ = X.shape[1]
        if all(isinstance(c, str) for c in X.columns):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)

    def _input_names(self, input_features: object = None) -> list[str]:
        check_is_fitted(self, "n_features_in_")
        if input_features is not None:
            return [str(f) for f in input_features]
        if hasattr(self, "feature_names_in_"):
            return [str(f) for f in self.feature_names_in_]
        return [f"x{i}" for i in range(self.n_features_in_)]


# ---------------------------------------------------------------------------------------
# column transformers
# ---------------------------------------------------------------------------------------


class AsFloat(_FrameTransformer):
    """Numbers as float64; pandas NA, unparseable values and ±inf become NaN.

    Plain ``"passthrough"`` would hand nullable (``Int64``) or ``object`` columns to the
    model as an object array, which LightGBM and most estimators reject.
    """

    def fit(self, X: object, y: object = None) -> AsFloat:
        self._remember_input(_as_frame(X))
        return self

    def transform(self, X: object) -> np.ndarray:
        check_is_fitted(self, "n_features_in_")
        frame = _as_frame(X)
        out = np.empty(frame.shape, dtype=np.float64)
        for j in range(frame.shape[1]):
            out[:, j] = _column_as_float(frame.iloc[:, j])
        out[~np.isfinite(out)] = np.nan
        return out

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.asarray(self._input_names(input_features), dtype=object)


def _column_as_float(col: pd.Series) -> np.ndarray:
    if pd.api.types.is_bool_dtype(col.dtype) or pd.api.types.is_numeric_dtype(col.dtype):
        return col.to_numpy(dtype=np.float64, na_value=np.nan)
    if pd.api.types.is_timedelta64_dtype(col.dtype):
        return col.dt.total_seconds().to_numpy(dtype=np.float64, na_value=np.nan)
    numbers = pd.to_numeric(pd.Series(col, dtype=object), errors="coerce")
    return numbers.to_numpy(dtype=np.float64, na_value=np.nan)


class BooleanToFloat(_FrameTransformer):
    """Boolean-like columns (bools, 0/1, yes/no, true/false, y/n) as 1.0 / 0.0, else NaN."""

    def fit(self, X: object, y: object = None) -> BooleanToFloat:
        self._remember_input(_as_frame(X))
        return self

    def transform(self, X: object) -> np.ndarray:
        check_is_fitted(self, "n_features_in_")
        frame = _as_frame(X)
        out = np.empty(frame.shape, dtype=np.float64)
        for j in range(frame.shape[1]):
            out[:, j] = to_bool_float(frame.iloc[:, j])
        return out

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.asarray(self._input_names(input_features), dtype=object)


class CategoryAsString(_FrameTransformer):
    """Categories as Python strings, missing values as ``missing_value``.

    Casting to ``str`` lets mixed-type object columns, pandas 3 ``str`` columns and
    ``category`` columns reach the encoders in one consistent form.

    Parameters
    ----------
    missing_value : str
        Label for missing values.
    min_frequency : int
        Levels seen fewer times than this in ``fit``, and levels never seen, become
        ``infrequent_value``. Grouping here (vectorized) instead of in OneHotEncoder, whose
        ``min_frequency`` counts object arrays in pure Python, is ~40x faster on large data.
    infrequent_value : str
        Label for rare and unseen levels.
    """

    def __init__(
        self,
        missing_value: str = MISSING,
        min_frequency: int = 1,
        infrequent_value: str = INFREQUENT,
    ) -> None:
        self.missing_value = missing_value
        self.min_frequency = min_frequency
        self.infrequent_value = infrequent_value

    def fit(self, X: object, y: object = None) -> CategoryAsString:
        frame = _as_frame(X)
        self._remember_input(frame)
        self.frequent_: list[frozenset[str]] = []
        for j in range(frame.shape[1]):
            labels = pd.Series(self._labels(frame.iloc[:, j]), dtype=object)
            counts = labels.value_counts()
            self.frequent_.append(frozenset(counts.index[counts >= self.min_frequency]))
        return self

    def _labels(self, col: pd.Series) -> np.ndarray:
        # factorize first so str() runs once per distinct value, not per row
        codes, uniques = pd.factorize(col, use_na_sentinel=True)
        labels = np.array(
            [str(u) for u in np.asarray(uniques, dtype=object)] + [self.missing_value],
            dtype=object,
        )
        return labels[np.where(codes < 0, len(uniques), codes)]

    def transform(self, X: object) -> np.ndarray:
        check_is_fitted(self, "frequent_")
        frame = _as_frame(X)
        out = np.empty(frame.shape, dtype=object)
        for j in range(frame.shape[1]):
            labels = self._labels(frame.iloc[:, j])
            if self.min_frequency > 1:
                known = pd.Series(labels, dtype=object).isin(self.frequent_[j]).to_numpy()
                labels = np.where(known, labels, self.infrequent_value)
            out[:, j] = labels
        return out

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.asarray(self._input_names(input_features), dtype=object)


def onehot_name(feature: str, category: object) -> str:
    """Name of a one-hot column: ``"Home=rent"`` (``=`` keeps names of columns apart)."""
    return f"{feature}={category}"


class DatetimeFeatures(_FrameTransformer):
    """Calendar parts of datetime (or parseable string) columns.

    Outputs ``<col>__year``, ``__month``, ``__day``, ``__dayofweek``, ``__dayofyear`` and,
    only when ``fit`` saw a time other than midnight, ``__hour`` and ``__minute``.
    Missing or unparseable values give NaN.
    """

    def fit(self, X: object, y: object = None) -> DatetimeFeatures:
        frame = _as_frame(X)
        self._remember_input(frame)
        self.formats_: list[str | None] = []
        self.has_time_: list[bool] = []
        for j in range(frame.shape[1]):
            col = frame.iloc[:, j]
            fmt = None
            if not pd.api.types.is_datetime64_any_dtype(col.dtype):
                sample = col.dropna()
                sample = sample.sample(min(len(sample), 500), random_state=0)
                fmt = guess_datetime_format(sample)[0] or "mixed"
            stamps = parse_datetimes(col, fmt).dropna()
            self.formats_.append(fmt)
            self.has_time_.append(bool((stamps != stamps.dt.normalize()).any()))
        return self

    def _parts(self, j: int) -> tuple[str, ...]:
        return _DATE_PARTS + (_TIME_PARTS if self.has_time_[j] else ())

    def transform(self, X: object) -> np.ndarray:
        check_is_fitted(self, "formats_")
        frame = _as_frame(X)
        blocks = []
        for j in range(frame.shape[1]):
            stamps = parse_datetimes(frame.iloc[:, j], self.formats_[j])
            for part in self._parts(j):
                values = getattr(stamps.dt, _ACCESSORS.get(part, part))
                blocks.append(values.to_numpy(dtype=np.float64, na_value=np.nan))
        if not blocks:
            return np.empty((len(frame), 0))
        return np.column_stack(blocks)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        names = self._input_names(input_features)
        return np.asarray(
            [f"{name}__{part}" for j, name in enumerate(names) for part in self._parts(j)],
            dtype=object,
        )


class TextSVD(_FrameTransformer):
    """Latent semantic features of ONE free-text column: TF-IDF (1-2 grams) then TruncatedSVD.

    Parameters
    ----------
    max_components : int
        Upper bound on SVD components; fewer when the vocabulary or the row count is small.
    random_state : int
        Seed for the randomized SVD.
    """

    def __init__(self, max_components: int = 50, random_state: int = 0) -> None:
        self.max_components = max_components
        self.random_state = random_state

    @staticmethod
    def _text(X: object) -> pd.Series:
        col = _as_frame(X).iloc[:, 0]
        return pd.Series(col, dtype=object).where(col.notna(), "").astype(str)

    def fit(self, X: object, y: object = None) -> TextSVD:
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X: object, y: object = None, **fit_params: object) -> np.ndarray:
        frame = _as_frame(X)
        if frame.shape[1] != 1:
            raise ValueError(f"TextSVD takes exactly one column, got {frame.shape[1]}")
        self._remember_input(frame)
        text = self._text(frame)
        self.vectorizer_, self.svd_ = None, None
        tfidf = None
        # tiny folds can leave no word seen twice; then fall back to words seen once
        for min_df in (2, 1):
            vectorizer = TfidfVectorizer(
                sublinear_tf=True, min_df=min_df, max_features=20000, ngram_range=(1, 2)
            )
            try:
                tfidf = vectorizer.fit_transform(text)
            except ValueError:  # empty vocabulary
                continue
            self.vectorizer_ = vectorizer
            break
        if tfidf is None:
            self.n_components_ = 1
            return np.zeros((len(text), 1))
        n_components = min(self.max_components, tfidf.shape[1] - 1, tfidf.shape[0] - 1)
        if n_components < 1:
            self.n_components_ = tfidf.shape[1]
            return tfidf.toarray()
        self.svd_ = TruncatedSVD(n_components=n_components, random_state=self.random_state)
        self.n_components_ = n_components
        # the SVD works on tall, thin blocks: threaded BLAS gains little there and, when
        # trials already run in parallel, oversubscribed OpenBLAS can be 100x slower
        with threadpool_limits(limits=1, user_api="blas"):
            return self.svd_.fit_transform(tfidf)

    def transform(self, X: object) -> np.ndarray:
        check_is_fitted(self, "n_components_")
        text = self._text(X)
        if self.vectorizer_ is None:
            return np.zeros((len(text), 1))
        tfidf = self.vectorizer_.transform(text)
        if self.svd_ is None:
            return tfidf.toarray()
        return self.svd_.transform(tfidf)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        name = self._input_names(input_features)[0]
        return np.asarray([f"{name}__svd{i}" for i in range(self.n_components_)], dtype=object)


class ConstantFeature(_FrameTransformer):
    """One column of ones, named ``constant``: lets Dummy* estimators sit in a Pipeline."""

    def fit(self, X: object, y: object = None) -> ConstantFeature:
        self._remember_input(_as_frame(X))
        return self

    def transform(self, X: object) -> np.ndarray:
        check_is_fitted(self, "n_features_in_")
        return np.ones((len(_as_frame(X)), 1))

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self, "n_features_in_")
        return np.asarray(["constant"], dtype=object)
