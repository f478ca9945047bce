"""k-nearest neighbours on the scaled features."""

from __future__ import annotations

from typing import Any

from automl_nb.learners.base import LearnerSpec, Params, check_deadline


def _n_neighbors_high(n_rows: int) -> int:
    # at most half the rows, at most 50; never below the largest default
    return int(min(50, max(15, n_rows // 2)))


def make(params: Params, task: str, seed: int, n_jobs: int) -> Any:
    from sklearn import neighbors

    cls = neighbors.KNeighborsRegressor if task == "regression" else neighbors.KNeighborsClassifier
    return cls(
        n_neighbors=int(params.get("n_neighbors", 15)),
        weights=params.get("weights", "distance"),
        n_jobs=n_jobs,
    )


def space(trial: Any, task: str, n_rows: int) -> Params:
    return {
        "n_neighbors": trial.suggest_int("n_neighbors", 1, _n_neighbors_high(n_rows), log=True),
        "weights": trial.suggest_categorical("weights", ["uniform", "distance"]),
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
    # tiny folds: k may not exceed the number of training rows
    if estimator.n_neighbors > len(X):
        estimator.set_params(n_neighbors=max(1, len(X)))
    estimator.fit(X, y)
    return {}


SPEC = LearnerSpec(
    name="knn",
    family="knn",
    tasks=frozenset({"binary", "multiclass", "regression"}),
    make=make,
    space=space,
    defaults=(
        {"n_neighbors": 15, "weights": "distance"},
        {"n_neighbors": 5, "weights": "uniform"},
    ),
    cost=0.2,
    fit=fit,
    description="KNeighborsClassifier/Regressor (prediction cost grows with the training rows).",
)
