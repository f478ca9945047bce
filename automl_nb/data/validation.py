"""Validation splits: the folds every trial is scored on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

#: the rule for validation="auto", stated in the docs and in each run's summary
CV_MAX_ROWS = 100_000
HOLDOUT_FRACTION = 0.1
#: above this many training rows, trials train on a random sample of this size (multi-fidelity:
#: the search compares configurations cheaply; the final model is refit on all rows, or on as
#: many as the time left allows)
SEARCH_MAX_ROWS = 100_000


@dataclass(frozen=True)
class ValidationPlan:
    scheme: str  # "cv", "group_cv", "holdout", "user"
    n_folds: int
    description: str
    search_rows: int | None = None  # trials train on a sample of this many rows (holdout only)


def resolve_validation(
    config: Any, task: str, n_rows: int, *, has_groups: bool, has_validation_data: bool
) -> ValidationPlan:
    """Choose the validation scheme; the rule is stated in the description."""
    if has_validation_data:
        return ValidationPlan("user", 1, "validated on the validation_data you gave; the final model is refit on training + validation data")
    strat = "stratified " if task in ("binary", "multiclass") else ""
    rule = f"(rule: k-fold cross-validation up to {CV_MAX_ROWS:,} rows, a {HOLDOUT_FRACTION:.0%} holdout above)"
    scheme = config.validation
    if scheme == "auto":
        scheme = "cv" if n_rows <= CV_MAX_ROWS else "holdout"
    if scheme == "holdout":
        text = f"{strat}{HOLDOUT_FRACTION:.0%} holdout of {n_rows:,} rows {rule}"
        n_fit = int(n_rows * (1 - HOLDOUT_FRACTION))
        if n_fit <= SEARCH_MAX_ROWS:
            return ValidationPlan("holdout", 1, text)
        return ValidationPlan("holdout", 1, f"{text}; trials train on a random {SEARCH_MAX_ROWS:,}-row sample of the "
                              f"{n_fit:,} training rows, the final model on all rows (or as many as the time left allows)",
                              search_rows=SEARCH_MAX_ROWS)
    k = config.n_folds or (5 if n_rows <= 20_000 else 3)
    if has_groups:
        return ValidationPlan("group_cv", k, f"{k}-fold group cross-validation (no group in both train and validation) {rule}")
    return ValidationPlan("cv", k, f"{strat}{k}-fold cross-validation on {n_rows:,} rows; out-of-fold predictions kept for ensembling {rule}")



Fold = tuple[np.ndarray, np.ndarray]


def make_folds(
    plan: ValidationPlan,
    y: np.ndarray,
    task: str,
    seed: int,
    groups: np.ndarray | None = None,
    n_train: int | None = None,
) -> list[Fold]:
    """Index pairs (train, validation) for the plan.

    ``y`` holds encoded labels for classification. With ``plan.scheme == "user"`` the first
    ``n_train`` rows are the training data and the rest the user's validation data.
    """
    from sklearn.model_selection import (
        GroupKFold,
        KFold,
        ShuffleSplit,
        StratifiedKFold,
        StratifiedShuffleSplit,
    )

    n = len(y)
    idx = np.arange(n)
    classification = task in ("binary", "multiclass")
    # stratify only when every class can appear in every fold; otherwise sklearn warns or fails
    stratify = classification and np.bincount(y).min() >= max(plan.n_folds, 2)
    if plan.scheme == "user":
        assert n_train is not None
        return [(idx[:n_train], idx[n_train:])]
    if plan.scheme == "holdout":
        splitter = (
            StratifiedShuffleSplit(1, test_size=HOLDOUT_FRACTION, random_state=seed)
            if stratify
            else ShuffleSplit(1, test_size=HOLDOUT_FRACTION, random_state=seed)
        )
        tr, va = next(splitter.split(idx, y))
        if plan.search_rows is not None:  # large data: trials train on a sample (see config)
            rng = np.random.default_rng(seed)
            tr = rng.choice(tr, min(len(tr), plan.search_rows), replace=False)
            va = rng.choice(va, min(len(va), 2 * plan.search_rows), replace=False)
        return [(np.sort(tr), np.sort(va))]
    if plan.scheme == "group_cv":
        assert groups is not None
        return [(tr, va) for tr, va in GroupKFold(plan.n_folds).split(idx, y, groups)]
    splitter = (
        StratifiedKFold(plan.n_folds, shuffle=True, random_state=seed)
        if stratify
        else KFold(plan.n_folds, shuffle=True, random_state=seed)
    )
    return [(tr, va) for tr, va in splitter.split(idx, y)]


def validation_mask(folds: list[Fold], n: int) -> np.ndarray:
    """Rows that receive an out-of-fold prediction."""
    mask = np.zeros(n, dtype=bool)
    for _, va in folds:
        mask[va] = True
    return mask
