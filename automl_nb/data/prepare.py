"""Input checks and preparation: every bad input is refused here, before any work starts.

Errors name the argument or column and say how to fix it. Nothing is written to disk until
these checks pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError

if TYPE_CHECKING:
    from ..config import ExperimentConfig

__all__ = ["ConfigError", "DataError", "PreparedData", "prepare"]


@dataclass
class PreparedData:
    X: pd.DataFrame  # features (training rows, then validation_data rows if given)
    y: np.ndarray  # encoded labels 0..K-1, or float targets
    y_original: np.ndarray  # the user's labels, aligned with X
    task: str
    task_reason: str
    metric: str
    classes: np.ndarray | None
    n_train: int  # rows before validation_data's
    groups: np.ndarray | None = None
    n_missing_target: int = 0
    inf_columns: dict[str, int] = field(default_factory=dict)
    dropped_columns: tuple[str, ...] = ()
    target: str | None = None  # the target column's name, when y had one

    @property
    def n_classes(self) -> int:
        return 0 if self.classes is None else len(self.classes)


def as_frame(X: Any, name: str = "X") -> pd.DataFrame:
    """A DataFrame from what the user passed: a pandas DataFrame, a 2-D numpy array, a dict of
    columns, or a polars / pyarrow (or other narwhals-supported) table, converted once here."""
    if isinstance(X, pd.DataFrame):
        return X
    if isinstance(X, np.ndarray) and X.ndim == 2:
        return pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    if isinstance(X, dict):
        return pd.DataFrame(X)
    frame = table_as_frame(X, name)
    if frame is not None:
        return frame
    raise DataError(f"{name} must be a pandas DataFrame (or a polars / pyarrow table, or a 2-D numpy array), "
                    f"got {type(X).__name__}")


def table_as_frame(X: Any, name: str = "X") -> pd.DataFrame | None:
    """A polars / pyarrow (or other narwhals-supported) table as pandas; None for anything else."""
    return _from_other_library(X, name, series=False)


def as_series(y: Any, name: str = "y") -> pd.Series | None:
    """A pandas Series from a polars / pyarrow column (None when ``y`` is none of those)."""
    if isinstance(y, pd.Series):
        return y
    return _from_other_library(y, name, series=True)


def _from_other_library(obj: Any, name: str, series: bool) -> Any:
    """``obj`` as pandas when narwhals knows its library (polars, pyarrow, modin, cuDF...), else None."""
    if type(obj).__module__.split(".")[0] in ("numpy", "builtins", "pandas"):
        return None
    try:
        import narwhals.stable.v1 as nw
    except ImportError:  # pragma: no cover - narwhals is a dependency
        return None
    try:
        native = nw.from_native(obj, eager_only=True, series_only=series, allow_series=series or None)
    except TypeError:
        lazy = hasattr(obj, "collect") and not series
        if lazy:
            raise DataError(f"{name} is a lazy frame ({type(obj).__name__}); collect() it first") from None
        return None
    try:
        out = native.to_pandas()
    except ModuleNotFoundError as exc:  # polars converts through pyarrow
        raise DataError(f"{name} ({type(obj).__name__}) converts to pandas through {exc.name!r}, which is not "
                        f"installed: pip install {exc.name}") from None
    if not series:
        out.columns = [str(c) for c in out.columns]
    return out


def _check_columns(X: pd.DataFrame, name: str) -> pd.DataFrame:
    """``X`` checked, with its column names as strings (a new frame: the user's is untouched)."""
    if X.shape[1] == 0:
        raise DataError(f"{name} has no columns")
    if len(X) == 0:
        raise DataError(f"{name} is empty: it has no rows")
    dup = X.columns[X.columns.duplicated()].unique().tolist()
    if dup:
        raise DataError(f"{name} has duplicate column names {dup}; rename them so every column is unique")
    if any(not isinstance(c, str) for c in X.columns):
        X = X.set_axis([str(c) for c in X.columns], axis=1)
    return X


def split_target(X: Any, y: Any, name: str = "X") -> tuple[pd.DataFrame, pd.Series]:
    """Features and target from ``fit(X, y)``; ``y`` may be a column name of ``X``."""
    X = as_frame(X, name)
    if isinstance(y, str):
        if y not in X.columns:
            raise DataError(f"target column {y!r} is not in {name}; columns are: {list(X.columns)[:30]}")
        return X.drop(columns=[y]), X[y]
    if y is None:
        raise DataError("y is missing: pass the target as a Series/array, or its column name")
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise DataError(f"y must be one column, got a frame with {y.shape[1]} columns")
        y = y.iloc[:, 0]
    converted = as_series(y)
    y = pd.Series(converted) if converted is not None else pd.Series(np.asarray(y))  # a new object: never
    # re-index the user's own Series
    if len(y) != len(X):
        raise DataError(f"y has {len(y)} values but {name} has {len(X)} rows")
    y.index = X.index
    return X, y


def prepare(
    X: Any,
    y: Any,
    config: ExperimentConfig,
    validation_data: Any = None,
    groups: Any = None,
) -> PreparedData:
    """Check and prepare the user's data for an experiment; raise before any work on bad input."""
    from ..metrics import default_metric

    X, y = split_target(X, y)
    target_name = y.name if y.name is not None else "y"
    X = _check_columns(X, "X")
    if len(X) == 0:
        raise DataError("X is empty: it has no rows")
    drop = tuple(config.drop_columns)
    missing = [c for c in drop if c not in X.columns]
    if missing:
        raise DataError(f"drop_columns names columns that are not in X: {missing}", field="drop_columns")
    X = X.drop(columns=list(drop))
    if X.shape[1] == 0:
        raise DataError("no feature columns are left after drop_columns", field="drop_columns")

    X_val = y_val = None
    if validation_data is not None:
        if not isinstance(validation_data, tuple) or len(validation_data) != 2:
            raise DataError("validation_data must be a tuple (X_val, y_val)")
        X_val, y_val = split_target(*validation_data, name="validation_data")
        X_val = X_val.drop(columns=[c for c in drop if c in X_val.columns])
        missing_cols = [c for c in X.columns if c not in X_val.columns]
        extra_cols = [c for c in X_val.columns if c not in X.columns]
        if missing_cols or extra_cols:
            raise DataError(
                f"validation_data's columns differ from X: missing {missing_cols}, extra {extra_cols}"
            )
        X_val = X_val[list(X.columns)]

    if groups is not None:
        groups = np.asarray(groups)
        if len(groups) != len(X):
            raise DataError(f"groups has {len(groups)} values but X has {len(X)} rows")
        if validation_data is not None:
            raise ConfigError("give either groups or validation_data, not both")

    # rows with a missing target are dropped (a guardrail says how many)
    keep = y.notna().to_numpy()
    n_missing_target = int((~keep).sum())
    if n_missing_target == len(y):
        raise DataError(f"the target {target_name!r} is missing in every row")
    X, y = X.loc[keep], y.loc[keep]
    if groups is not None:
        groups = groups[keep]
    if y_val is not None:
        keep_val = y_val.notna().to_numpy()
        X_val, y_val = X_val.loc[keep_val], y_val.loc[keep_val]
        if len(y_val) == 0:
            raise DataError("validation_data has no rows with a target")

    if config.task == "auto":
        task, reason = infer_task(y)
    else:
        task, reason = config.task, "set by you (task=...)"
    y_all = y if y_val is None else pd.concat([y, y_val], ignore_index=True)
    if task == "regression":
        if not pd.api.types.is_numeric_dtype(y_all) or pd.api.types.is_bool_dtype(y_all):
            raise DataError(f"the target {target_name!r} is not numeric ({y_all.dtype}), so it cannot be a regression target; use task='auto' or a classification task")
        y_float = y_all.astype(float).to_numpy()
        if not np.all(np.isfinite(y_float)):
            raise DataError(f"the target {target_name!r} holds infinite values; remove or cap them")
        if np.unique(y_float).size < 2:
            raise DataError(f"the target {target_name!r} holds a single value ({y_float[0]:g}); there is nothing to predict")
        y_enc, y_orig, classes = y_float, y_float, None
    else:
        y_orig = _labels(y_all)
        classes, y_enc = np.unique(y_orig, return_inverse=True)
        if len(classes) < 2:
            raise DataError(f"the target {target_name!r} has only one class ({classes[0]!r}); a classifier needs at least two")
        if task == "binary" and len(classes) > 2:
            raise DataError(f"task='binary' but the target {target_name!r} has {len(classes)} classes; use task='multiclass'")
        if task == "multiclass" and len(classes) == 2:
            task, reason = "binary", "the target has 2 classes"
    metric = config.metric if config.metric != "auto" else default_metric(task)

    X_all = X if X_val is None else pd.concat([X, X_val], ignore_index=True)
    X_all = X_all.reset_index(drop=True)
    X_all, inf_columns = _replace_inf(X_all)
    return PreparedData(
        X=X_all, y=y_enc, y_original=y_orig, task=task, task_reason=reason, metric=metric,
        classes=classes, n_train=len(X), groups=groups, n_missing_target=n_missing_target,
        inf_columns=inf_columns, dropped_columns=drop, target=None if y.name is None else str(y.name),
    )


def infer_task(y: pd.Series) -> tuple[str, str]:
    """The task a target implies, with the reason in plain words."""
    values = y.dropna()
    n_unique = int(values.nunique())
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        task = "binary" if n_unique == 2 else "multiclass"
        return task, f"the target holds {n_unique} distinct non-numeric labels"
    as_float = values.astype(float)
    integral = bool(np.all(np.mod(as_float, 1) == 0))
    if integral and n_unique == 2:
        return "binary", "the target holds exactly 2 distinct integer values"
    if integral and 2 < n_unique <= 20 and n_unique <= max(3, 0.05 * len(values)):
        return "multiclass", f"the target holds {n_unique} distinct integer values (few for {len(values)} rows)"
    return "regression", f"the target is numeric with {n_unique} distinct values"


def _labels(y: pd.Series) -> np.ndarray:
    """Class labels as a plain numpy array (pandas 3 strings become objects)."""
    if isinstance(y.dtype, pd.CategoricalDtype):
        y = y.astype(y.cat.categories.dtype)
    if pd.api.types.is_string_dtype(y) or y.dtype == object:
        return y.astype(object).to_numpy()
    return y.to_numpy()


def _replace_inf(X: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    counts: dict[str, int] = {}
    num = X.select_dtypes(include="number").columns
    for c in num:
        n = int(np.isinf(X[c].to_numpy(dtype=float, na_value=np.nan)).sum())
        if n:
            counts[c] = n
    if counts:
        X = X.copy()
        for c in counts:
            X[c] = X[c].replace([np.inf, -np.inf], np.nan)
    return X, counts


def check_predict_columns(X: Any, columns: Sequence[str], name: str = "X") -> pd.DataFrame:
    """X for prediction: the training columns, in training order; missing ones are named."""
    X = as_frame(X, name)
    if len(X) == 0:
        raise DataError(f"{name} is empty: it has no rows")
    if any(not isinstance(c, str) for c in X.columns):  # named as at fit (see _check_columns)
        X = X.set_axis([str(c) for c in X.columns], axis=1)
    missing = [c for c in columns if c not in X.columns]
    if missing:
        raise DataError(f"{name} lacks columns the model was trained on: {missing}")
    X = X[list(columns)]
    X, _ = _replace_inf(X)
    return X
