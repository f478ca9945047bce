"""The chance each trial is truly the best: a paired bootstrap over the folds (the
leaderboard's ``p_best`` column).

A leaderboard ranks trials by their mean over k folds; with few folds and close scores the
order at the top is partly luck. Every trial of a run is scored on the same folds, so the
folds pair the trials: a fold that is hard for one is hard for all. Resampling the fold
indices with replacement (the same draw for every trial) and asking which trial has the
best mean in each resample keeps that pairing: two trials whose difference is steady across
folds stay apart, two that trade places fold by fold share the chance. ``p_best`` is the
share of resamples a trial is best in (ties share the credit), so it sums to 1 over the
trials compared; a trial at or below another on every fold (below on one) gets 0.

It is a statement about these folds (the variation between them), not about new data, and
with few folds it is coarse (5 folds give at most 126 distinct resamples); runs validated
on a single holdout have nothing to resample (NaN).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import numpy as np

#: bootstrap resamples; seeded, so a leaderboard shows the same numbers each time
N_BOOT = 2000


def chance_best(results: Iterable[Any], greater_is_better: bool, n_boot: int = N_BOOT,
                seed: int = 0) -> dict[int, float]:
    """Trial id -> the chance it has the best mean score, for the finished ("ok") trials
    with a complete set of finite fold scores (the most common number of them, at least 2).
    Other trials are not in the dict; an empty dict when fewer than two folds were scored."""
    candidates = [r for r in results if r.status == "ok" and len(r.fold_scores or []) >= 2
                  and all(isinstance(v, (int, float)) and math.isfinite(v) for v in r.fold_scores)]
    if not candidates:
        return {}
    k = Counter(len(r.fold_scores) for r in candidates).most_common(1)[0][0]
    trials = [r for r in candidates if len(r.fold_scores) == k]
    if len(trials) == 1:
        return {trials[0].trial_id: 1.0}
    scores = np.asarray([r.fold_scores for r in trials], dtype=np.float64)
    if not greater_is_better:
        scores = -scores
    p = _resampled(scores.tobytes(), scores.shape, n_boot, seed)
    return {r.trial_id: float(v) for r, v in zip(trials, p)}


@lru_cache(maxsize=32)
def _resampled(key: bytes, shape: tuple[int, int], n_boot: int, seed: int) -> tuple[float, ...]:
    """P(best) of each row of the scores (greater is better), cached: the Studio redraws the
    leaderboard many times a second while the trials stay the same."""
    scores = np.frombuffer(key, dtype=np.float64).reshape(shape)
    k = shape[1]
    # a trial at or below another on every fold (below on one) is never best alone: it gets 0,
    # and the resampling runs over the others only (on a real run, most trials)
    ge = (scores[:, None, :] >= scores[None, :, :]).all(axis=2) & (scores[:, None, :] > scores[None, :, :]).any(axis=2)
    keep = np.flatnonzero(~ge.any(axis=0))
    kept = scores[keep]
    draws = np.random.default_rng(seed).integers(0, k, size=(n_boot, k))
    wins = np.zeros(len(keep))
    for chunk in np.array_split(np.arange(n_boot), max(1, n_boot * len(keep) // 100_000)):  # bounded memory
        means = kept[:, draws[chunk]].mean(axis=2)  # trials x resamples
        best = means.max(axis=0)
        ties = means >= best - 1e-12 * np.maximum(1.0, np.abs(best))
        wins += (ties / ties.sum(axis=0)).sum(axis=1)
    p = np.zeros(shape[0])
    p[keep] = wins / n_boot
    return tuple(p.tolist())
