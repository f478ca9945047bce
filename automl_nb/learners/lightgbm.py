"""LightGBM gradient boosting with early stopping on the validation fold."""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from automl_nb.learners.base import LearnerSpec, Params, TrialTimeout, check_deadline, class_weight

#: cap on boosting rounds; early stopping on the validation fold picks the actual number
MAX_ROUNDS = 3000


def _num_leaves_high(n_rows: int) -> int:
    # a tree cannot usefully have more leaves than ~n_rows/2; never below the largest default
    return int(min(256, max(128, n_rows // 2)))


def _min_child_high(n_rows: int) -> int:
    # leaves of >10% of the rows make trees stumps; never below the largest default
    return int(min(100, max(20, n_rows // 10)))


def make(params: Params, task: str, seed: int, n_jobs: int) -> Any:
    import lightgbm

    cls = lightgbm.LGBMRegressor if task == "regression" else lightgbm.LGBMClassifier
    subsample = float(params.get("subsample", 1.0))
    weighted = {} if task == "regression" else {"class_weight": params.get("class_weight")}
    return cls(
        n_estimators=int(params.get("n_estimators", MAX_ROUNDS)),
        learning_rate=params.get("learning_rate", 0.05),
        num_leaves=int(params.get("num_leaves", 31)),
        min_child_samples=int(params.get("min_child_samples", 20)),
        subsample=subsample,
        subsample_freq=1 if subsample < 1.0 else 0,
        colsample_bytree=params.get("colsample_bytree", 1.0),
        reg_lambda=params.get("reg_lambda", 1e-3),
        reg_alpha=params.get("reg_alpha", 1e-3),
        extra_trees=bool(params.get("extra_trees", False)),
        random_state=seed,
        n_jobs=n_jobs,
        verbose=-1,
        **weighted,
    )


def space(trial: Any, task: str, n_rows: int) -> Params:
    return {
        # not searched: an upper bound, early stopping picks the number of rounds
        "n_estimators": MAX_ROUNDS,
        "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
        "num_leaves": trial.suggest_int("num_leaves", 4, _num_leaves_high(n_rows), log=True),
        "min_child_samples": trial.suggest_int(
            "min_child_samples", 2, _min_child_high(n_rows), log=True
        ),
        "subsample": trial.suggest_float("subsample", 0.5, 1.0),
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.3, 1.0),
        "reg_lambda": trial.suggest_float("reg_lambda", 1e-3, 10.0, log=True),
        "reg_alpha": trial.suggest_float("reg_alpha", 1e-3, 10.0, log=True),
        "extra_trees": trial.suggest_categorical("extra_trees", [False, True]),
        "class_weight": class_weight(trial, task),
    }


def _deadline_callback(deadline: float) -> Any:
    def callback(env: Any) -> None:
        if time.time() > deadline:
            raise TrialTimeout(
                f"lightgbm passed its deadline after {env.iteration + 1} boosting rounds"
            )

    callback.order = 5  # type: ignore[attr-defined]  # before early stopping (order 30)
    return callback


def _patience(learning_rate: float) -> int:
    # ~50 rounds at lr >= 0.05, longer for slow learning rates (200 at lr 0.0125 and below)
    return int(min(200, max(50, round(2.5 / learning_rate))))


@functools.cache
def _has_eval_xy() -> bool:
    import lightgbm

    return "eval_X" in inspect.signature(lightgbm.LGBMModel.fit).parameters


def fit(
    estimator: Any,
    X: Any,
    y: Any,
    X_val: Any = None,
    y_val: Any = None,
    deadline: float | None = None,
) -> Params:
    import lightgbm

    check_deadline(deadline)
    callbacks = []
    if deadline is not None:
        callbacks.append(_deadline_callback(deadline))
    kwargs: dict[str, Any] = {}
    use_val = X_val is not None and y_val is not None
    if use_val:
        if _has_eval_xy():
            kwargs.update(eval_X=X_val, eval_y=y_val)  # lightgbm >= 4.7
        else:
            kwargs["eval_set"] = [(X_val, y_val)]  # deprecated in lightgbm 4.7
        callbacks.append(
            lightgbm.early_stopping(
                _patience(estimator.learning_rate), first_metric_only=True, verbose=False
            )
        )
    estimator.fit(X, y, callbacks=callbacks, **kwargs)
    if not use_val:
        return {}
    best = int(estimator.best_iteration_ or 0)
    if best <= 0:  # ran to n_estimators without early stopping
        best = int(estimator.booster_.current_iteration())
    return {"n_estimators": best}


def refit_params(params: Params, learned: Sequence[Params]) -> Params:
    out = dict(params)
    rounds = [lp["n_estimators"] for lp in learned if lp.get("n_estimators")]
    if rounds:
        # the refit sees more rows than each fold: a few more rounds than the folds' mean
        out["n_estimators"] = max(1, int(round(1.1 * float(np.mean(rounds)))))
    return out


SPEC = LearnerSpec(
    name="lightgbm",
    family="gbm",
    tasks=frozenset({"binary", "multiclass", "regression"}),
    make=make,
    space=space,
    defaults=(
        # LightGBM's defaults, early-stopped: strong and fast, so it comes first
        {
            "n_estimators": MAX_ROUNDS,
            "learning_rate": 0.1,
            "num_leaves": 31,
            "min_child_samples": 20,
            "subsample": 1.0,
            "colsample_bytree": 0.9,
            "reg_lambda": 1e-3,
            "reg_alpha": 1e-3,
            "extra_trees": False,
            "class_weight": None,
        },
        # extra-trees-ish: random split thresholds, half the features per tree
        {
            "n_estimators": MAX_ROUNDS,
            "learning_rate": 0.05,
            "num_leaves": 31,
            "min_child_samples": 20,
            "subsample": 1.0,
            "colsample_bytree": 0.5,
            "reg_lambda": 1e-3,
            "reg_alpha": 1e-3,
            "extra_trees": True,
            "class_weight": None,
        },
        # large leaves, small leaf size (AutoGluon's "GBMLarge"): large data
        {
            "n_estimators": MAX_ROUNDS,
            "learning_rate": 0.03,
            "num_leaves": 128,
            "min_child_samples": 3,
            "subsample": 1.0,
            "colsample_bytree": 0.9,
            "reg_lambda": 1e-3,
            "reg_alpha": 1e-3,
            "extra_trees": False,
            "class_weight": None,
        },
        # small, regularized, bagged trees: small / noisy data
        {
            "n_estimators": MAX_ROUNDS,
            "learning_rate": 0.03,
            "num_leaves": 8,
            "min_child_samples": 5,
            "subsample": 0.8,
            "colsample_bytree": 0.7,
            "reg_lambda": 1.0,
            "reg_alpha": 1e-3,
            "extra_trees": False,
            "class_weight": None,
        },
        # slow and wide-ish (an AutoGluon zero-shot config)
        {
            "n_estimators": MAX_ROUNDS,
            "learning_rate": 0.012,
            "num_leaves": 53,
            "min_child_samples": 14,
            "subsample": 1.0,
            "colsample_bytree": 0.7,
            "reg_lambda": 1e-3,
            "reg_alpha": 1e-3,
            "extra_trees": False,
            "class_weight": None,
        },
    ),
    cost=1.0,
    fit=fit,
    refit_params=refit_params,
    description="LightGBM (LGBMClassifier/LGBMRegressor), early-stopped on the validation fold.",
)
