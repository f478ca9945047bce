"""Linear models: L2 logistic regression (classification), ridge / elastic net (regression).

One parameterisation serves every task so that the portfolio defaults are points of every
task's space: ``penalty`` ("l2" everywhere, "elasticnet" for regression only) and ``alpha``,
the L2 strength relative to the summed loss (``Ridge(alpha)``; ``LogisticRegression(C=1/alpha)``).
The elastic net, fitted on a standardized target, has its own per-sample ``enet_alpha``.
"""

from __future__ import annotations

import warnings
from typing import Any

from automl_nb.learners.base import LearnerSpec, Params, check_deadline, class_weight


def make(params: Params, task: str, seed: int, n_jobs: int) -> Any:
    # n_jobs is unused: LogisticRegression's n_jobs has no effect since sklearn 1.8 (and warns);
    # Ridge and ElasticNet have none.
    penalty = params.get("penalty", "l2")
    if task != "regression":
        if penalty != "l2":
            raise ValueError(f"linear classification supports penalty='l2', got {penalty!r}")
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(
            C=1.0 / params.get("alpha", 1.0), solver="lbfgs", max_iter=500, random_state=seed,
            class_weight=params.get("class_weight"),
        )
    if penalty == "l2":
        from sklearn.linear_model import Ridge

        return Ridge(alpha=params.get("alpha", 1.0), random_state=seed)
    if penalty == "elasticnet":
        from sklearn.compose import TransformedTargetRegressor
        from sklearn.linear_model import ElasticNet
        from sklearn.preprocessing import StandardScaler

        # standardizing y makes enet_alpha independent of the target's scale
        return TransformedTargetRegressor(
            regressor=ElasticNet(
                alpha=params.get("enet_alpha", 1e-2),
                l1_ratio=params.get("l1_ratio", 0.5),
                max_iter=5000,
                random_state=seed,
            ),
            transformer=StandardScaler(),
        )
    raise ValueError(f"unknown penalty {penalty!r}; expected 'l2' or 'elasticnet'")


def space(trial: Any, task: str, n_rows: int) -> Params:
    choices = ["l2", "elasticnet"] if task == "regression" else ["l2"]
    penalty = trial.suggest_categorical("penalty", choices)
    if penalty == "l2":
        # classification: C = 1/alpha in 1e-3..1e3
        return {"penalty": penalty, "alpha": trial.suggest_float("alpha", 1e-3, 1e3, log=True),
                "class_weight": class_weight(trial, task)}
    return {
        "penalty": penalty,
        "enet_alpha": trial.suggest_float("enet_alpha", 1e-4, 1.0, log=True),
        "l1_ratio": trial.suggest_float("l1_ratio", 0.0, 1.0),
    }


def fit(
    estimator: Any,
    X: Any,
    y: Any,
    X_val: Any = None,
    y_val: Any = None,
    deadline: float | None = None,
) -> Params:
    from sklearn.exceptions import ConvergenceWarning

    check_deadline(deadline)
    with warnings.catch_warnings():
        # an unconverged linear model is still a valid (regularized) candidate; don't spam
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X, y)
    return {}


SPEC = LearnerSpec(
    name="linear",
    family="linear",
    tasks=frozenset({"binary", "multiclass", "regression"}),
    make=make,
    space=space,
    defaults=(
        {"penalty": "l2", "alpha": 1.0, "class_weight": None},  # C=1 / Ridge(alpha=1)
        {"penalty": "l2", "alpha": 30.0, "class_weight": None},  # strongly regularized: small or wide data
        {"penalty": "l2", "alpha": 0.03, "class_weight": None},  # nearly unregularized: large data
    ),
    cost=0.05,
    fit=fit,
    description=(
        "LogisticRegression (lbfgs, C=1/alpha) for classification; "
        "Ridge(alpha) or ElasticNet on a standardized target for regression."
    ),
)
