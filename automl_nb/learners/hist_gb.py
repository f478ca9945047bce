"""scikit-learn's histogram gradient boosting, early-stopped on the validation fold.

The estimators are the plain sklearn classes, so a fitted pipeline needs nothing of ours.
Their OpenMP threads follow OMP_NUM_THREADS, which the runner sets for each worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from automl_nb.learners.base import LearnerSpec, Params, check_deadline, class_weight

#: cap on boosting iterations; early stopping picks the actual number
MAX_ITER = 1000
#: iterations between two deadline checks (warm start)
CHUNK = 100
N_ITER_NO_CHANGE = 20


def _min_samples_leaf_high(n_rows: int) -> int:
    return int(min(100, max(20, n_rows // 10)))


def make(params: Params, task: str, seed: int, n_jobs: int) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    cls = HistGradientBoostingRegressor if task == "regression" else HistGradientBoostingClassifier
    weighted = {} if task == "regression" else {"class_weight": params.get("class_weight")}
    return cls(
        learning_rate=params.get("learning_rate", 0.1),
        max_iter=int(params.get("max_iter", MAX_ITER)),
        max_leaf_nodes=int(params.get("max_leaf_nodes", 31)),
        min_samples_leaf=int(params.get("min_samples_leaf", 20)),
        l2_regularization=params.get("l2_regularization", 1e-3),
        max_features=params.get("max_features", 1.0),
        # on by default: fit() passes the validation fold, else a 10% internal split is used
        early_stopping=bool(params.get("early_stopping", True)),
        validation_fraction=0.1,
        n_iter_no_change=N_ITER_NO_CHANGE,
        random_state=seed,
        **weighted,
    )


def space(trial: Any, task: str, n_rows: int) -> Params:
    return {
        "max_iter": MAX_ITER,  # not searched: an upper bound for early stopping
        "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
        "max_leaf_nodes": trial.suggest_int("max_leaf_nodes", 4, 128, log=True),
        "min_samples_leaf": trial.suggest_int(
            "min_samples_leaf", 2, _min_samples_leaf_high(n_rows), log=True
        ),
        "l2_regularization": trial.suggest_float("l2_regularization", 1e-3, 10.0, log=True),
        "max_features": trial.suggest_float("max_features", 0.3, 1.0),
        "class_weight": class_weight(trial, task),
    }


def fit(
    estimator: Any,
    X: Any,
    y: Any,
    X_val: Any = None,
    y_val: Any = None,
    deadline: float | None = None,
) -> Params:
    check_deadline(deadline)
    early = bool(estimator.early_stopping)
    kwargs = {"X_val": X_val, "y_val": y_val} if early and X_val is not None else {}
    total = int(estimator.max_iter)
    if deadline is None or total <= CHUNK:
        estimator.fit(X, y, **kwargs)
    else:
        # grow CHUNK iterations at a time, checking the deadline in between
        estimator.set_params(warm_start=True)
        try:
            for n in range(CHUNK, total + CHUNK, CHUNK):
                if n > CHUNK:
                    check_deadline(deadline)
                estimator.set_params(max_iter=min(n, total))
                estimator.fit(X, y, **kwargs)
                if estimator.n_iter_ < min(n, total):  # early-stopped
                    break
        finally:
            estimator.set_params(warm_start=False, max_iter=total)
    if not early:
        return {}
    # validation_score_[i] is the score after i iterations (higher is better)
    best = int(np.argmax(estimator.validation_score_))
    return {"max_iter": max(1, best)}


def refit_params(params: Params, learned: Sequence[Params]) -> Params:
    out = dict(params)
    iters = [lp["max_iter"] for lp in learned if lp.get("max_iter")]
    if iters:
        out["max_iter"] = max(1, int(round(1.1 * float(np.mean(iters)))))
        out["early_stopping"] = False
    return out


SPEC = LearnerSpec(
    name="hist_gb",
    family="gbm",
    tasks=frozenset({"binary", "multiclass", "regression"}),
    make=make,
    space=space,
    defaults=(
        {
            "max_iter": MAX_ITER,
            "learning_rate": 0.1,
            "max_leaf_nodes": 31,
            "min_samples_leaf": 20,
            "l2_regularization": 1e-3,
            "max_features": 1.0,
            "class_weight": None,
        },
        {
            "max_iter": MAX_ITER,
            "learning_rate": 0.05,
            "max_leaf_nodes": 15,
            "min_samples_leaf": 10,
            "l2_regularization": 1.0,
            "max_features": 0.5,
            "class_weight": None,
        },
        {
            "max_iter": MAX_ITER,
            "learning_rate": 0.03,
            "max_leaf_nodes": 63,
            "min_samples_leaf": 5,
            "l2_regularization": 0.1,
            "max_features": 0.8,
            "class_weight": None,
        },
    ),
    cost=1.0,
    fit=fit,
    refit_params=refit_params,
    description="HistGradientBoostingClassifier/Regressor, early-stopped on the validation fold.",
)
