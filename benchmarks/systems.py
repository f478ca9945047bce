"""The systems of the benchmark: one fit function per system, and the interpreter each runs with.

A fit function takes (task, X_train, y_train, budget, seed, workdir) and returns a `Fitted`: a
predict function (class probabilities in `classes` order for classification, values for
regression) and, where the system exposes it, the seconds from fit start to its first finished
model. Imports of the systems happen inside the fit functions, since each system runs in its own
interpreter (automl_nb in the repository's venv, AutoGluon in benchmarks/.venv-autogluon, the other
peers in benchmarks/.venv-peers).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.tasks import Task, sorted_labels

REPO = Path(__file__).resolve().parent.parent
AUTOML_NB_PYTHON = REPO / ".venv" / "bin" / "python"
PEERS_PYTHON = REPO / "benchmarks" / ".venv-peers" / "bin" / "python"
AUTOGLUON_PYTHON = REPO / "benchmarks" / ".venv-autogluon" / "bin" / "python"

FLAML_METRIC = {"roc_auc": "roc_auc", "log_loss": "log_loss", "rmse": "rmse"}
AUTOGLUON_METRIC = {"roc_auc": "roc_auc", "log_loss": "log_loss", "rmse": "root_mean_squared_error"}
AUTOGLUON_PRESETS = "medium_quality"


@dataclass
class Fitted:
    predict: Callable[[pd.DataFrame], np.ndarray]
    classes: list[Any] | None
    first_row_seconds: float | None = None
    version: str | None = None
    model: Any = None  # the system's fitted object (automl_nb: the AutoML), for reports


FitFn = Callable[[Task, pd.DataFrame, pd.Series, float, int, Path], Fitted]


# ----------------------------------------------------------------------------- frame helpers
def _is_stringish(s: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)


def _fit_categories(X: pd.DataFrame) -> dict[str, pd.Index]:
    """Categories of every string column, learned on the training frame."""
    return {
        c: pd.Index(sorted(X[c].dropna().astype(str).unique())) for c in X if _is_stringish(X[c])
    }


def _apply_categories(X: pd.DataFrame, categories: dict[str, pd.Index]) -> pd.DataFrame:
    """String columns as pandas category with the training categories (unseen -> NaN)."""
    X = X.copy()
    for col, cats in categories.items():
        X[col] = pd.Categorical(X[col].astype(str).where(X[col].notna()), categories=cats)
    return X


def _datetime_to_int64_ns(X: pd.DataFrame) -> pd.DataFrame:
    """Datetime columns as int64 nanoseconds since the epoch (float with NaN if any NaT)."""
    X = X.copy()
    for col in X:
        if pd.api.types.is_datetime64_any_dtype(X[col]):
            s = X[col]
            if getattr(s.dt, "tz", None) is not None:
                s = s.dt.tz_convert(None)
            ns = s.to_numpy(dtype="datetime64[ns]").view("int64")
            X[col] = np.where(s.isna(), np.nan, ns) if s.isna().any() else ns
    return X


def _proba_predictor(model: Any) -> Callable[[pd.DataFrame], np.ndarray]:
    return lambda X: np.asarray(model.predict_proba(X))


def _value_predictor(model: Any) -> Callable[[pd.DataFrame], np.ndarray]:
    return lambda X: np.asarray(model.predict(X), dtype=float)


# ----------------------------------------------------------------------------- systems
def fit_automl_nb(
    task: Task, X: pd.DataFrame, y: pd.Series, budget: float, seed: int, workdir: Path
) -> Fitted:
    import automl_nb as an

    if not hasattr(an, "AutoML"):
        raise ImportError("automl_nb has no AutoML (engine not available yet)")
    aml = an.AutoML(
        task=task.task,
        metric=task.metric,
        time_budget=budget,
        seed=seed,
        show=False,
        folder=str(workdir / "automl_nb"),
    )
    aml.fit(X, y)
    first_row = getattr(aml, "first_row_seconds_", None)
    version = getattr(an, "__version__", None)
    if not task.is_classification:
        return Fitted(_value_predictor(aml), None, first_row, version, aml)
    classes = list(aml.classes_)
    return Fitted(_proba_predictor(aml), classes, first_row, version, aml)


def _flaml_first_row_seconds(log_file: Path) -> float | None:
    """Wall-clock seconds (since fit start) of the first trial in FLAML's training log."""
    try:
        with open(log_file) as f:
            for line in f:
                record = json.loads(line)
                if "wall_clock_time" in record:
                    return float(record["wall_clock_time"])
    except (OSError, ValueError):
        return None
    return None


def _flaml_frame(X: pd.DataFrame, categories: dict[str, pd.Index]) -> pd.DataFrame:
    return _apply_categories(X, categories)  # datetimes are passed as is


def fit_flaml(
    task: Task, X: pd.DataFrame, y: pd.Series, budget: float, seed: int, workdir: Path
) -> Fitted:
    import flaml
    from flaml import AutoML

    categories = _fit_categories(X)
    log_file = workdir / "flaml.log"
    aml = AutoML()
    aml.fit(
        _flaml_frame(X, categories),
        y,
        task="classification" if task.is_classification else "regression",
        metric=FLAML_METRIC[task.metric],
        time_budget=budget,
        seed=seed,
        verbose=0,
        n_jobs=2,
        log_file_name=str(log_file),
    )
    first_row = _flaml_first_row_seconds(log_file)

    def predict(X_new: pd.DataFrame) -> np.ndarray:
        frame = _flaml_frame(X_new, categories)
        if task.is_classification:
            return np.asarray(aml.predict_proba(frame))
        return np.asarray(aml.predict(frame), dtype=float)

    classes = list(aml.classes_) if task.is_classification else None
    return Fitted(predict, classes, first_row, flaml.__version__)


def fit_lightgbm_default(
    task: Task, X: pd.DataFrame, y: pd.Series, budget: float, seed: int, workdir: Path
) -> Fitted:
    import lightgbm as lgb

    categories = _fit_categories(X)

    def frame(X_any: pd.DataFrame) -> pd.DataFrame:
        return _datetime_to_int64_ns(_apply_categories(X_any, categories))

    start = time.perf_counter()
    if task.is_classification:
        model = lgb.LGBMClassifier(verbose=-1, random_state=seed).fit(frame(X), y)
    else:
        model = lgb.LGBMRegressor(verbose=-1, random_state=seed).fit(frame(X), y)
    seconds = time.perf_counter() - start
    if task.is_classification:
        return Fitted(
            lambda Xn: model.predict_proba(frame(Xn)),
            list(model.classes_),
            seconds,
            lgb.__version__,
        )
    return Fitted(lambda Xn: model.predict(frame(Xn)), None, seconds, lgb.__version__)


def _autogluon_first_row_seconds(path: Path, start: float) -> float | None:
    """Seconds from fit start to the first model AutoGluon saved (`models/<name>/model.pkl`)."""
    times = [f.stat().st_mtime for f in path.glob("models/*/model.pkl")]
    return max(0.0, min(times) - start) if times else None


def fit_autogluon(
    task: Task, X: pd.DataFrame, y: pd.Series, budget: float, seed: int, workdir: Path
) -> Fitted:
    """AutoGluon's TabularPredictor with the `medium_quality` preset on the raw frame.

    AutoGluon does its own feature handling (categoricals, datetimes, free text as n-grams), so
    the frame is passed as loaded. The seed goes to the learner's `random_state` (its internal
    holdout split); the models keep AutoGluon's own fixed seeds.
    """
    from autogluon.tabular import TabularPredictor
    from autogluon.tabular import __version__ as ag_version

    label = "__target__"
    while label in X.columns:
        label += "_"
    train = X.copy()
    train[label] = y.to_numpy()
    path = workdir / "autogluon"
    start = time.time()
    predictor = TabularPredictor(
        label=label,
        problem_type=task.task,  # "binary" | "multiclass" | "regression", AutoGluon's names
        eval_metric=AUTOGLUON_METRIC[task.metric],
        path=str(path),
        verbosity=0,
        learner_kwargs={"random_state": seed},
    )
    predictor.fit(train, time_limit=budget, presets=AUTOGLUON_PRESETS)
    first_row = _autogluon_first_row_seconds(path, start)
    if not task.is_classification:
        return Fitted(
            lambda Xn: np.asarray(predictor.predict(Xn), dtype=float), None, first_row, ag_version
        )
    classes = list(predictor.class_labels)

    def predict(X_new: pd.DataFrame) -> np.ndarray:
        proba = predictor.predict_proba(X_new, as_multiclass=True)
        return proba[classes].to_numpy(dtype=float)

    return Fitted(predict, classes, first_row, ag_version)


def fit_constant(
    task: Task, X: pd.DataFrame, y: pd.Series, budget: float, seed: int, workdir: Path
) -> Fitted:
    """Class priors of the training target, or its mean: the normalization baseline."""
    if task.is_classification:
        classes = sorted_labels(y)
        priors = y.value_counts(normalize=True).reindex(classes).to_numpy(dtype=float)
        return Fitted(lambda Xn: np.tile(priors, (len(Xn), 1)), classes)
    mean = float(y.mean())
    return Fitted(lambda Xn: np.full(len(Xn), mean), None)


SYSTEMS: dict[str, FitFn] = {
    "automl_nb": fit_automl_nb,
    "flaml": fit_flaml,
    "lightgbm_default": fit_lightgbm_default,
    "autogluon": fit_autogluon,
    "constant": fit_constant,
}


def interpreter(
    system: str,
    peers_python: Path = PEERS_PYTHON,
    automl_nb_python: Path = AUTOML_NB_PYTHON,
    autogluon_python: Path = AUTOGLUON_PYTHON,
) -> Path:
    """The python that runs a system: the repository's venv for automl_nb, AutoGluon's own venv
    (pandas < 2.4) for autogluon, the peers' otherwise."""
    if system not in SYSTEMS:
        raise SystemExit(f"unknown system {system!r}; known: {sorted(SYSTEMS)}")
    if system == "automl_nb":
        return automl_nb_python
    if system == "autogluon":
        return autogluon_python
    return peers_python
