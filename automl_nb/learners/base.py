"""The learner protocol: what the searcher and the trial need to know about one model family.

A new learner is one new module in ``automl_nb/learners/`` that builds a :class:`LearnerSpec`
and is listed in ``automl_nb/learners/__init__.py``; nothing else in the engine changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

Params = dict[str, Any]

#: featurization families (see automl_nb.featurize.plan.build_featurizer)
FAMILIES = ("gbm", "tree", "linear", "neural", "knn", "dummy", "forecast")
TASKS = ("binary", "multiclass", "regression", "forecast")


#: class weightings a classifier's space searches: None (every row counts the same) or
#: "balanced" (rows weighted inversely to their class's frequency, as scikit-learn and
#: LightGBM define it; it works with any labels, so the refit on the user's labels and the
#: exported code keep it as it is)
CLASS_WEIGHTS = (None, "balanced")


def class_weight(trial: Any, task: str) -> str | None:
    """The searched class weighting of a classifier; regression has none (None, not searched).
    The portfolio defaults say None: unweighted, as before, so balanced data loses nothing."""
    if task == "regression":
        return None
    return trial.suggest_categorical("class_weight", list(CLASS_WEIGHTS))


class TrialTimeout(Exception):
    """Raised inside a fit when the trial's deadline has passed."""


def default_fit(
    estimator: Any,
    X: Any,
    y: Any,
    X_val: Any = None,
    y_val: Any = None,
    deadline: float | None = None,
) -> Params:
    """Fit ``estimator`` on featurized ``X``; return learned parameters for the refit (none)."""
    estimator.fit(X, y)
    return {}


def default_refit_params(params: Params, learned: Sequence[Params]) -> Params:
    """Parameters for the refit on all data, given each fold's learned parameters."""
    return dict(params)


def check_deadline(deadline: float | None) -> None:
    if deadline is not None and time.time() > deadline:
        raise TrialTimeout("trial passed its deadline")


@dataclass(frozen=True)
class LearnerSpec:
    """Everything the engine knows about one learner.

    Attributes
    ----------
    name : registry key shown in the leaderboard, e.g. ``"lightgbm"``.
    family : featurization family, one of :data:`FAMILIES`.
    tasks : the tasks this learner supports.
    make : ``make(params, task, seed, n_jobs) -> estimator`` — an unfitted sklearn estimator.
    space : ``space(optuna_trial, task, n_rows) -> params`` — samples a configuration
        (define-by-run). Every portfolio default must be a point of this space.
    defaults : portfolio configurations, strongest first; tried before model-based search.
    cost : relative cost hint (LightGBM defaults on 10k rows = 1.0).
    fit : ``fit(estimator, X, y, X_val, y_val, deadline) -> learned params``; X is already
        featurized. A learner that can early-stop on ``X_val`` does so here.
    refit_params : combines the fold's learned params into params for the refit on all data.
    requires : an optional module that must be importable (e.g. ``"torch"``).
    min_budget : the shortest ``time_budget`` (seconds) at which the learner joins a run
        unless ``allowed_learners`` names it: below it, its trials rarely finish in time.
    """

    name: str
    family: str
    tasks: frozenset[str]
    make: Callable[[Params, str, int, int], Any]
    space: Callable[[Any, str, int], Params]
    defaults: tuple[Params, ...] = ()
    cost: float = 1.0
    fit: Callable[..., Params] = default_fit
    refit_params: Callable[[Params, Sequence[Params]], Params] = default_refit_params
    requires: str | None = None
    min_budget: float = 0.0
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def available(self) -> bool:
        if self.requires is None:
            return True
        from ..extras import installed

        return installed(self.requires)
