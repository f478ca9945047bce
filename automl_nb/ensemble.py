"""Greedy ensemble selection with replacement (Caruana et al., 2004) on out-of-fold predictions.

The chosen ensemble becomes a plain scikit-learn ``VotingClassifier`` (soft voting) or
``VotingRegressor`` over the members' refit pipelines, with the selection counts as weights.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .metrics import Metric


@dataclass(frozen=True)
class EnsembleSelection:
    weights: dict[int, float]  # trial id -> weight, summing to 1
    score: float  # the optimized metric of the weighted OOF predictions
    best_single_score: float
    oof: np.ndarray

    @property
    def members(self) -> list[int]:
        return list(self.weights)


def select(
    candidates: Sequence[tuple[int, np.ndarray]],
    y: np.ndarray,
    metric: Metric,
    n_classes: int,
    mask: np.ndarray,
    rounds: int = 40,
) -> EnsembleSelection:
    """Pick members greedily, with replacement, minimizing the metric's loss on ``mask`` rows.

    ``candidates`` are (trial id, out-of-fold predictions), best first.
    """
    yv = y[mask]
    preds = [np.asarray(p[mask], dtype=np.float64) for _, p in candidates]
    losses = [metric.loss(metric.score(yv, p, n_classes)) for p in preds]
    best = int(np.argmin(losses))
    counts: Counter[int] = Counter({best: 1})
    total = preds[best].copy()
    best_loss, best_counts = losses[best], Counter(counts)
    for _ in range(rounds - 1):
        k = sum(counts.values())
        trial_losses = [metric.loss(metric.score(yv, (total + p) / (k + 1), n_classes)) for p in preds]
        j = int(np.argmin(trial_losses))
        counts[j] += 1
        total += preds[j]
        if trial_losses[j] < best_loss - 1e-12:
            best_loss, best_counts = trial_losses[j], Counter(counts)
    k = sum(best_counts.values())
    weights = {candidates[i][0]: c / k for i, c in sorted(best_counts.items(), key=lambda t: -t[1])}
    full = sum(w * np.asarray(p, dtype=np.float64) for (tid, p) in candidates if (w := weights.get(tid)))
    score = metric.score(yv, full[mask], n_classes)
    return EnsembleSelection(weights, float(score), float(metric.score(yv, preds[best], n_classes)), full)


def build_voting(members: Sequence[tuple[str, object]], weights: Sequence[float], task: str, classes: np.ndarray | None):
    """A fitted sklearn voting ensemble over already-fitted pipelines (no refitting)."""
    from sklearn.preprocessing import LabelEncoder
    from sklearn.utils import Bunch

    if task == "regression":
        from sklearn.ensemble import VotingRegressor

        ens = VotingRegressor(list(members), weights=list(weights))
    else:
        from sklearn.ensemble import VotingClassifier

        ens = VotingClassifier(list(members), voting="soft", weights=list(weights))
        ens.le_ = LabelEncoder().fit(classes)
        ens.classes_ = ens.le_.classes_
    ens.estimators_ = [est for _, est in members]
    ens.named_estimators_ = Bunch(**dict(members))
    return ens
