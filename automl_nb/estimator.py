"""What scikit-learn asks of an estimator, for :class:`~automl_nb.AutoML`.

Tags decided by the task (``Task.estimator_type``: classifier, regressor or neither),
``__sklearn_is_fitted__``, input checks with scikit-learn's messages (arrays: 2-D, dense,
not complex, the fitted number of columns; a one-column target), ``n_features_in_`` and
``feature_names_in_``, and pickling (a fitted AutoML is restored from its experiment folder).
``get_params``/``set_params``/``clone`` are scikit-learn's own, from AutoML's keyword arguments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from .config import ExperimentConfig
from .errors import DataError, NotFittedError

#: keyword arguments of AutoML that are not settings of ExperimentConfig: data given with the
#: fit (validation_data, groups), how the facade shows progress (show)
FACADE_ONLY = ("validation_data", "groups", "show")

__all__ = ["FACADE_ONLY", "Estimator", "check_labels", "check_y", "has_predict_proba"]


class Estimator(BaseEstimator):
    """What scikit-learn asks of an estimator, beside its parameters: tags decided from the
    task, whether it is fitted, input checks with scikit-learn's messages, and pickling.

    Tags: a classifier for task="binary"/"multiclass" (or a classification metric), a
    regressor for task="regression" (or metric="r2"/"mape"), neither for forecasting. With
    task="auto" the target decides: neither before fit, the fitted task's type after.
    """

    # fitted state, set by start(); class defaults so __init__ sets nothing but parameters
    _experiment: Any = None
    _run: Any = None

    def config(self) -> ExperimentConfig:
        """The validated settings of this AutoML."""
        params = self.get_params()
        return ExperimentConfig.from_params(**{k: v for k, v in params.items() if k not in FACADE_ONLY})

    def _estimator_type(self) -> str | None:
        """"classifier", "regressor" or None, as the task (or the fitted task) says."""
        from .metrics import METRICS
        from .task import get_task

        exp = self._experiment
        if exp is not None:
            return exp.task.estimator_type(exp.prepared.task)
        try:
            config = self.config()
        except ValueError:  # invalid settings: fit() names them
            return None
        types = {config.task} if config.task != "auto" or config.metric == "auto" else METRICS[config.metric].tasks
        kinds = {get_task(t).estimator_type(t) for t in types}
        return kinds.pop() if len(kinds) == 1 else None

    def __sklearn_tags__(self) -> Any:
        from sklearn.utils import ClassifierTags, RegressorTags

        tags = super().__sklearn_tags__()
        tags.estimator_type = self._estimator_type()
        if tags.estimator_type == "classifier":
            tags.classifier_tags = ClassifierTags()
        elif tags.estimator_type == "regressor":
            tags.regressor_tags = RegressorTags()
        tags.target_tags.required = True
        tags.input_tags.allow_nan = True  # missing values are imputed (infinite ones too)
        # with max_trials and seed a run repeats exactly; a time budget alone depends on the machine
        tags.non_deterministic = getattr(self, "max_trials", None) is None
        return tags

    def __sklearn_is_fitted__(self) -> bool:
        exp = self._experiment
        return exp is not None and exp.outcome.model is not None

    def _require_experiment(self):
        if self._experiment is None:
            raise NotFittedError("this AutoML has not been fitted: call fit(X, y) first")
        return self._experiment

    def _check_X(self, X: Any, reset: bool) -> Any:
        """X as the task takes it. Data frames (pandas, polars, pyarrow...), dicts of columns
        and None pass unchanged (the task checks them); arrays (lists of rows, anything else
        with ``__array__``, sparse matrices) are checked as
        scikit-learn checks them (2-D, not complex, not empty, dense), and at prediction must
        have the fitted number of columns, which then get the fitted names."""
        from scipy.sparse import issparse

        if not issparse(X) and (X is None or _is_frame(X) or isinstance(X, str)
                                or not (hasattr(X, "__array__") or isinstance(X, (list, tuple)))):
            return X
        from sklearn.utils.validation import check_array

        # sparse: a TypeError; one row: "1 sample(s)" (validation needs two at least)
        X = check_array(X, dtype=None, ensure_all_finite=False, ensure_min_samples=2 if reset else 1, input_name="X")
        if X.dtype == object:  # numbers held as objects are numbers; text stays text
            try:
                X = X.astype(float)
            except ValueError:
                pass  # a TypeError (a dict, a list in a cell) says which value cannot be used
        if reset:
            return X
        n = getattr(self, "n_features_in_", None)
        if n is not None and X.shape[1] != n:
            raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} is expecting {n} features "
                             "as input")
        names = getattr(self, "feature_names_in_", None)
        if names is None:  # an array now, a frame (of unnamed columns) at fit: the fitted columns, in order
            trained = getattr(getattr(self._experiment, "prepared", None), "X", None)
            names = None if trained is None or trained.shape[1] != X.shape[1] else trained.columns
        return pd.DataFrame(X, columns=list(names)) if names is not None else X

    def _check_fit_input(self, X: Any, y: Any, config: ExperimentConfig) -> tuple[Any, Any]:
        """``(X, y)`` of ``fit`` checked as scikit-learn checks them, before the task's checks."""
        X, y = self._check_X(X, reset=True), check_y(y)
        kind = self._estimator_type()
        if kind == "classifier":
            check_labels(X[y] if isinstance(y, str) and isinstance(X, pd.DataFrame) and y in X else y, config.task)
        elif kind == "regressor" and isinstance(y, np.ndarray) and y.dtype == object:
            try:  # numbers held as objects are numbers
                y = y.astype(float)
            except (TypeError, ValueError):
                pass  # the task names what is not a number
        return X, y

    def _record_features(self, X: Any, y: Any) -> None:
        """``n_features_in_`` (and ``feature_names_in_`` for a frame with named columns):
        the columns of the fitted X, the target's column aside."""
        columns = _column_names(X)
        if columns is not None and isinstance(y, str):
            columns = [c for c in columns if c != y]
        self.n_features_in_ = len(columns) if columns is not None else np.shape(X)[1]
        if columns is not None and all(isinstance(c, str) for c in columns):
            self.feature_names_in_ = np.asarray(columns, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_

    def __getstate__(self) -> dict[str, Any]:
        """A fitted AutoML pickles as its parameters and its experiment folder's path: it is
        restored from that folder when unpickled (as ``an.load`` does)."""
        state = dict(super().__getstate__())
        exp, run = state.pop("_experiment", None), state.pop("_run", None)
        if exp is not None:
            if run is not None and not run.done():
                raise RuntimeError("the run is still going; wait() for it before pickling")
            state["_experiment_folder"] = str(Path(exp.folder).absolute())
            state["_experiment_trusted"] = exp.trusted
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        folder = state.pop("_experiment_folder", None)
        trusted = state.pop("_experiment_trusted", True)  # loaded with trusted=False: again so
        super().__setstate__(state)
        if folder is not None:
            from .experiment import Experiment
            from .experiment_folder import restore

            self._experiment = restore(Experiment, Path(folder), trusted=trusted)


def _is_frame(X: Any) -> bool:
    """A table of named columns: pandas, polars, pyarrow (the dataframe or Arrow stream
    protocols), or a dict of columns."""
    return isinstance(X, dict) or hasattr(X, "__dataframe__") or hasattr(X, "__arrow_c_stream__")


def _column_names(X: Any) -> list[Any] | None:
    """The column names of a table (see :func:`_is_frame`); None for arrays."""
    if not _is_frame(X):
        return None
    if isinstance(X, dict):
        return list(X)
    names = getattr(X, "column_names", None)  # pyarrow (whose .columns are the data)
    names = getattr(X, "columns", None) if names is None else names
    return None if names is None else list(names)


def has_predict_proba(aml: Estimator) -> bool:
    """Classifiers predict probabilities; so may an unfitted AutoML whose task is not decided."""
    kind = aml._estimator_type()
    if kind == "classifier" or (kind is None and aml._experiment is None and _problem_type(aml) == "auto"):
        return True
    raise AttributeError("predict_proba is only available for classification")


def _problem_type(aml: Estimator) -> str | None:
    try:
        return aml.config().task
    except ValueError:
        return None


def check_y(y: Any) -> Any:
    """The target as the task takes it: a column name, a Series or frame unchanged; an array
    must be one column (a column vector is flattened with a DataConversionWarning)."""
    if y is None:
        raise DataError("AutoML requires y to be passed, but the target y is None: give the target values, "
                        "or the name of a column of X", field="target")
    if isinstance(y, (str, pd.Series, pd.DataFrame)) or not (hasattr(y, "__array__") or isinstance(y, (list, tuple))):
        return y
    from sklearn.utils.validation import column_or_1d

    return column_or_1d(y, warn=True)


def check_labels(y: Any, task: str) -> None:
    """A classifier's target holds labels: continuous numbers are refused as scikit-learn's
    classifiers refuse them ("Unknown label type: continuous")."""
    from sklearn.utils.multiclass import type_of_target

    if isinstance(y, str) or not hasattr(y, "__len__"):
        return
    values = (y if isinstance(y, pd.Series) else pd.Series(np.asarray(y).ravel())).dropna().to_numpy()
    try:
        kind = type_of_target(values)
    except ValueError:  # labels of mixed types: the task's checks name them
        return
    if kind.startswith("continuous"):
        raise DataError(f"Unknown label type: continuous. task={task!r} needs class labels, but the target holds "
                        f"{len(np.unique(values))} distinct non-integer numbers; use task='regression' or 'auto'",
                        field="target")
