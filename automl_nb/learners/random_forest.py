"""Random forest; the forest machinery here is shared with :mod:`.extra_trees`."""

from __future__ import annotations

import warnings
from typing import Any

from automl_nb.learners.base import LearnerSpec, Params, check_deadline, class_weight

#: trees grown first, to measure their size; then CHUNK at a time between deadline checks
FIRST = 10
CHUNK = 50
#: a forest is grown to at most this size (fewer trees when they are large): 300 fully grown
#: regression trees on 11,000 rows (hotel_rates) made a 500 MB model in the kernel
MAX_FOREST_MB = 64
#: a leaf holds at least rows / LEAF_ROWS rows: a fully grown tree has about as many nodes as
#: rows, and 300 of them on 1M rows would need tens of GB (no change below 20,000 rows)
LEAF_ROWS = 10_000


def _min_samples_leaf_high(n_rows: int) -> int:
    return int(min(20, max(5, n_rows // 20)))


def _forest_class(kind: str, task: str) -> Any:
    from sklearn import ensemble

    suffix = "Regressor" if task == "regression" else "Classifier"
    prefix = {"random_forest": "RandomForest", "extra_trees": "ExtraTrees"}[kind]
    return getattr(ensemble, prefix + suffix)


def forest_make(kind: str) -> Any:
    def make(params: Params, task: str, seed: int, n_jobs: int) -> Any:
        weighted = {} if task == "regression" else {"class_weight": params.get("class_weight")}
        return _forest_class(kind, task)(
            n_estimators=int(params.get("n_estimators", 300)),
            max_features=params.get("max_features", "sqrt"),
            min_samples_leaf=int(params.get("min_samples_leaf", 1)),
            random_state=seed,
            n_jobs=n_jobs,
            **weighted,
        )

    return make


def space(trial: Any, task: str, n_rows: int) -> Params:
    return {
        "n_estimators": trial.suggest_int("n_estimators", 100, 500, step=50),
        "max_features": trial.suggest_categorical("max_features", ["sqrt", 0.5, 1.0]),
        "min_samples_leaf": trial.suggest_int(
            "min_samples_leaf", 1, _min_samples_leaf_high(n_rows), log=True
        ),
        "class_weight": class_weight(trial, task),
    }


def _tree_bytes(tree: Any) -> int:
    t = tree.tree_
    return int(t.node_count) * 64 + int(t.value.nbytes)  # 64: sklearn's node struct


def forest_fit(
    estimator: Any,
    X: Any,
    y: Any,
    X_val: Any = None,
    y_val: Any = None,
    deadline: float | None = None,
) -> Params:
    """Grow the forest a few trees at a time (warm start): FIRST trees measure the size of a
    tree, the forest stops at MAX_FOREST_MB, and at the deadline the trees grown so far are
    kept (fewer trees, nearly the same predictions) instead of failing the trial."""
    check_deadline(deadline)
    leaf = max(int(estimator.min_samples_leaf), len(X) // LEAF_ROWS)
    total = int(estimator.n_estimators)
    chunk = CHUNK if len(X) < 20 * LEAF_ROWS else CHUNK // 5  # large data: check the deadline more often
    n = min(FIRST, total)
    estimator.set_params(min_samples_leaf=leaf, warm_start=True, n_estimators=n)
    with warnings.catch_warnings():  # "balanced" with warm_start: the same rows each time, so the same weights
        warnings.filterwarnings("ignore", message="class_weight presets", category=UserWarning)
        return _grow(estimator, X, y, n, total, chunk, deadline)


def _grow(estimator: Any, X: Any, y: Any, n: int, total: int, chunk: int, deadline: float | None) -> Params:
    import time

    try:
        estimator.fit(X, y)
        per_tree = sum(_tree_bytes(t) for t in estimator.estimators_) / n
        target = min(total, max(FIRST, int(MAX_FOREST_MB * 2**20 / max(per_tree, 1.0))))
        while n < target and not (deadline is not None and time.time() > deadline):
            n = min(n + chunk, target)
            estimator.set_params(n_estimators=n)
            estimator.fit(X, y)
    finally:
        # a later .fit() on this object must start from scratch
        estimator.set_params(warm_start=False, n_estimators=len(getattr(estimator, "estimators_", [])) or total)
    grown = len(estimator.estimators_)
    return {} if grown == total else {"n_estimators": grown}


def forest_refit_params(params: Params, learned: Any) -> Params:
    """The refit grows as many trees as the smallest forest a fold kept (deadline or size)."""
    out = dict(params)
    kept = [lp["n_estimators"] for lp in learned if lp.get("n_estimators")]
    if kept:
        out["n_estimators"] = min(kept)
    return out


def forest_spec(kind: str, name: str, cost: float, description: str) -> LearnerSpec:
    return LearnerSpec(
        name=name,
        family="tree",
        tasks=frozenset({"binary", "multiclass", "regression"}),
        make=forest_make(kind),
        space=space,
        defaults=(
            {"n_estimators": 300, "max_features": "sqrt", "min_samples_leaf": 1, "class_weight": None},
            {"n_estimators": 300, "max_features": 0.5, "min_samples_leaf": 1, "class_weight": None},
        ),
        cost=cost,
        fit=forest_fit,
        refit_params=forest_refit_params,
        description=description,
    )


SPEC = forest_spec(
    "random_forest",
    "random_forest",
    cost=4.0,
    description="RandomForestClassifier/Regressor, grown in chunks of trees under a deadline.",
)
