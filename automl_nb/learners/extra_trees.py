"""Extremely randomized trees (same space and fitting as the random forest)."""

from __future__ import annotations

from automl_nb.learners.random_forest import forest_spec

SPEC = forest_spec(
    "extra_trees",
    "extra_trees",
    cost=2.0,
    description="ExtraTreesClassifier/Regressor, grown in chunks of trees under a deadline.",
)
