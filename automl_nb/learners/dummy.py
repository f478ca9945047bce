"""Baseline learner: class priors / target mean. Every real learner must beat it."""

from __future__ import annotations

from typing import Any

from automl_nb.learners.base import LearnerSpec, Params


def make(params: Params, task: str, seed: int, n_jobs: int) -> Any:
    if task == "regression":
        from sklearn.dummy import DummyRegressor

        return DummyRegressor(strategy="mean")
    from sklearn.dummy import DummyClassifier

    return DummyClassifier(strategy="prior", random_state=seed)


def space(trial: Any, task: str, n_rows: int) -> Params:
    return {}


SPEC = LearnerSpec(
    name="dummy",
    family="dummy",
    tasks=frozenset({"binary", "multiclass", "regression"}),
    make=make,
    space=space,
    defaults=({},),
    cost=0.01,
    description="Predicts the class priors (classification) or the mean (regression).",
)
