"""Random forest; the forest machinery here is shared with :mod:`.extra_trees`."""

from __future__ import annotations

from typing import Any

from automl_nb.learners.base import LearnerSpec, Params, check_deadline

#: trees grown between two deadline checks
CHUNK = 50


def _min_samples_leaf_high(n_rows: int) -> int:
    return int(min(20, max(5, n_rows // 20)))


def _forest_class(kind: str, task: str) -> Any:
    from sklearn import ensemble

    suffix = "Regressor" if task == "regression" else "Classifier"
    prefix = {"random_forest": "RandomForest", "extra_trees": "ExtraTrees"}[kind]
    return getattr(ensemble, prefix + suffix)


def forest_make(kind: str) -> Any:
    def make(params: Params, task: str, seed: int, n_jobs: int) -> Any:
        return _forest_class(kind, task)(
            n_estimators=int(params.get("n_estimators", 300)),
            max_features=params.get("max_features", "sqrt"),
            min_samples_leaf=int(params.get("min_samples_leaf", 1)),
            random_state=seed,
            n_jobs=n_jobs,
        )

    return make


def space(trial: Any, task: str, n_rows: int) -> Params:
    return {
        "n_estimators": trial.suggest_int("n_estimators", 100, 500, step=50),
        "max_features": trial.suggest_categorical("max_features", ["sqrt", 0.5, 1.0]),
        "min_samples_leaf": trial.suggest_int(
            "min_samples_leaf", 1, _min_samples_leaf_high(n_rows), log=True
        ),
    }


def forest_fit(
    estimator: Any,
    X: Any,
    y: Any,
    X_val: Any = None,
    y_val: Any = None,
    deadline: float | None = None,
) -> Params:
    """Grow the forest CHUNK trees at a time (warm start), checking the deadline in between."""
    check_deadline(deadline)
    total = int(estimator.n_estimators)
    if deadline is None or total <= CHUNK:
        estimator.fit(X, y)
        return {}
    estimator.set_params(warm_start=True)
    try:
        for n in range(CHUNK, total + CHUNK, CHUNK):
            if n > CHUNK:
                check_deadline(deadline)
            estimator.set_params(n_estimators=min(n, total))
            estimator.fit(X, y)
    finally:
        # a later .fit() on this object must start from scratch
        estimator.set_params(warm_start=False, n_estimators=total)
    return {}


def forest_spec(kind: str, name: str, cost: float, description: str) -> LearnerSpec:
    return LearnerSpec(
        name=name,
        family="tree",
        tasks=frozenset({"binary", "multiclass", "regression"}),
        make=forest_make(kind),
        space=space,
        defaults=(
            {"n_estimators": 300, "max_features": "sqrt", "min_samples_leaf": 1},
            {"n_estimators": 300, "max_features": 0.5, "min_samples_leaf": 1},
        ),
        cost=cost,
        fit=forest_fit,
        description=description,
    )


SPEC = forest_spec(
    "random_forest",
    "random_forest",
    cost=4.0,
    description="RandomForestClassifier/Regressor, grown in chunks of trees under a deadline.",
)
