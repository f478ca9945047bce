"""Validation splits: the folds every trial is scored on."""

from __future__ import annotations

import numpy as np

from ..config import HOLDOUT_FRACTION, ValidationPlan

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
