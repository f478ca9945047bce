"""Registry of learners: name -> :class:`~automl_nb.learners.base.LearnerSpec`.

Importing this package is cheap: learner modules import scikit-learn, LightGBM and torch only
inside ``make``/``fit``.
"""

from __future__ import annotations

from automl_nb.learners import (
    dummy,
    extra_trees,
    hist_gb,
    knn,
    lightgbm,
    linear,
    mlp,
    random_forest,
)
from automl_nb.learners.base import FAMILIES, TASKS, LearnerSpec, TrialTimeout

__all__ = [
    "FAMILIES",
    "LEARNERS",
    "TASKS",
    "LearnerSpec",
    "TrialTimeout",
    "available_learners",
    "get_learner",
]

TABULAR: dict[str, LearnerSpec] = {
    spec.name: spec
    for spec in (
        dummy.SPEC,
        linear.SPEC,
        lightgbm.SPEC,
        extra_trees.SPEC,
        random_forest.SPEC,
        hist_gb.SPEC,
        knn.SPEC,
        mlp.SPEC,
    )
}


def _registry() -> dict[str, LearnerSpec]:
    """The tabular learners and every task's own (the forecasters). Built on first use, from
    the task registry: a task's learners build on ``learners.base``, this package never
    imports a task."""
    if "LEARNERS" not in globals():
        from automl_nb.task import task_learners

        globals()["LEARNERS"] = {**TABULAR, **task_learners()}
    return globals()["LEARNERS"]


def __getattr__(name: str):
    if name == "LEARNERS":
        return _registry()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get_learner(name: str) -> LearnerSpec:
    """The learner registered as ``name``; ValueError naming the valid names otherwise."""
    try:
        return _registry()[name]
    except (KeyError, TypeError):
        valid = ", ".join(_registry())
        raise ValueError(f"unknown learner {name!r}; valid learners: {valid}") from None


def available_learners(task: str) -> list[str]:
    """Names of the learners that support ``task`` and whose optional dependency is installed."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")
    return [name for name, spec in _registry().items() if task in spec.tasks and spec.available()]
