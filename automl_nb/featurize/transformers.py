"""Small sklearn transformers used by the featurization plan.

This module is deliberately self-contained (numpy, pandas and scikit-learn, and the value
readers of :mod:`automl_nb.data.values`, which profiling shares): fitted pipelines are
pickled *by value*, both modules, so they can be loaded where automl_nb is not installed.
Every transformer accepts a DataFrame (pandas 2 or 3; ``object``, ``str``, ``string`` and
``category`` columns alike) and returns a dense float array, except :class:`CategoryAsString`
whose output feeds an sklearn encoder.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from automl_nb.data.values import (  # noqa: F401 (pickled by value beside this module)
    FALSE_TOKENS,
    TRUE_TOKENS,
    bool_token,
    guess_datetime_format,
    is_number_string,
    parse_datetimes,
    to_bool_float,
)

#: placeholder category for missing values of categorical columns
MISSING = "__missing__"
#: placeholder category for levels too rare (or unseen) to get their own one-hot column
INFREQUENT = "__infrequent__"
_DATE_PARTS = ("year", "month", "day", "dayofweek", "dayofyear")
#: pandas 3 deprecates the short accessor names that the output names keep
_ACCESSORS = {"dayofweek": "day_of_week", "dayofyear": "day_of_year"}
_TIME_PARTS = ("hour", "minute")


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


class YourTransformer(_FrameTransformer):
    """Your transformer of one column (``AutoML(column_transformers={"col": t})``), as the
    featurizer uses it: fitted on a clone, its output a dense float array whose features
    are named ``<column>__<its own name>`` (``<column>__<i>`` when it names none).

    A text vectorizer (anything with ``build_analyzer``, e.g. ``TfidfVectorizer``) gets the
    column as one series of strings, as scikit-learn's vectorizers take it; any other
    transformer gets a one-column frame.
    """

    def __init__(self, transformer: object = None) -> None:
        self.transformer = transformer

    def _input(self, X: object) -> object:
        frame = _as_frame(X)
        if hasattr(self.transformer, "build_analyzer"):
            return frame.iloc[:, 0].astype(object).where(frame.iloc[:, 0].notna(), "").astype(str)
        return frame

    def fit(self, X: object, y: object = None) -> YourTransformer:
        from sklearn.base import clone

        self._remember_input(_as_frame(X))
        self.transformer_ = clone(self.transformer)
        out = self.transformer_.fit_transform(self._input(X), y)
        self.n_features_out_ = _dense(out).shape[1]
        return self

    def transform(self, X: object) -> np.ndarray:
        check_is_fitted(self, "transformer_")
        return _dense(self.transformer_.transform(self._input(X)))

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        column = self._input_names(input_features)[0]
        try:
            own = [str(n) for n in self.transformer_.get_feature_names_out()]
        except Exception:  # noqa: BLE001 - a transformer without names (or one that cannot say)
            own = []
        if len(own) != self.n_features_out_:
            own = [str(i) for i in range(self.n_features_out_)]
        return np.asarray([f"{column}__{n}" for n in own], dtype=object)


def _dense(out: object) -> np.ndarray:
    """A transformer's output as a 2-D float array (sparse matrices made dense)."""
    if hasattr(out, "toarray"):
        out = out.toarray()
    out = np.asarray(out, dtype=np.float64)
    return out.reshape(len(out), -1)
