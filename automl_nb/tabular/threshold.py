"""The decision threshold of a binary classifier, tuned on out-of-fold predictions.

Metrics that score labels (f1, balanced_accuracy, accuracy, f1_macro, f1_weighted: a
:class:`~automl_nb.metrics.Metric` with ``scores_labels``) depend on where the predicted
probability of the positive class is cut. Scored at 0.5 (the argmax), they rank models
badly on imbalanced data: a model whose probabilities of a rare class rarely pass 0.5 scores
f1 near 0 however well it ranks the rows. So, for binary tasks:

- each trial is scored at a tuned threshold, *cross-fitted*: the rows of each fold are cut
  at the threshold that is best on the other folds' out-of-fold predictions (with one
  validation split, on the other four of five seeded parts of it). A fold's score never
  sees a threshold chosen on its own rows, so the trial's score is an honest estimate of
  "this model with a threshold tuned on data like this" (:func:`tuned_fold_scores`);
- ensemble selection compares blends at their best threshold on the selection rows
  (:func:`threshold_metric`): optimistic by one parameter for every candidate alike;
- the final model (a single trial or the blend) gets the threshold that is best on all its
  out-of-fold predictions, wrapped around the pipeline as scikit-learn's
  ``FixedThresholdClassifier``, which keeps ``predict_proba`` unchanged
  (:func:`decide`). Its description states the threshold, the out-of-fold score at 0.5 and
  the cross-fitted score at a tuned threshold.

A threshold is a cut between two distinct scores (their midpoint); a row is positive when
its probability is at least the threshold (as ``FixedThresholdClassifier`` decides). Ties
of the metric go to the threshold nearest 0.5.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

#: parts a single validation split is cut into to cross-fit its threshold
HOLDOUT_PARTS = 5


def tunes(task: str, metric: Any, config: Any) -> bool:
    """Whether runs of this problem type and metric tune their decision threshold."""
    return task == "binary" and bool(getattr(metric, "scores_labels", False)) and bool(
        getattr(config, "tune_threshold", True))


# ---- the metric at every threshold ---------------------------------------------------------


def _curve(y: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(thresholds, tp, fp)``: every distinct cut of ``score`` (descending) with the true and
    false positives of "positive when score >= threshold"; the first cut predicts no row
    positive, the last every row."""
    order = np.argsort(-score, kind="mergesort")
    s, pos = score[order], (y[order] == 1)
    last = np.r_[np.flatnonzero(np.diff(s) != 0), len(s) - 1]  # last row of each distinct score
    tp = np.r_[0, np.cumsum(pos)[last]]
    fp = np.r_[0, np.cumsum(~pos)[last]]
    distinct = s[last]
    cuts = np.r_[np.nextafter(distinct[0], np.inf), (distinct[:-1] + distinct[1:]) / 2, distinct[-1]]
    return cuts, tp.astype(float), fp.astype(float)


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), 0.0)


def metric_curve(name: str, tp: np.ndarray, fp: np.ndarray, n_pos: float, n_neg: float) -> np.ndarray:
    """A label metric at each cut, from the confusion counts (as the registry's scorers
    compute it with ``zero_division=0``)."""
    fn, tn = n_pos - tp, n_neg - fp
    n = n_pos + n_neg
    f1_pos = _ratio(2 * tp, 2 * tp + fp + fn)
    f1_neg = _ratio(2 * tn, 2 * tn + fn + fp)
    if name == "f1":
        return f1_pos
    if name == "accuracy":
        return (tp + tn) / n
    if name == "balanced_accuracy":  # mean recall over the classes present
        recalls = [r for r, m in ((_ratio(tp, np.full_like(tp, n_pos)), n_pos), (_ratio(tn, np.full_like(tn, n_neg)), n_neg)) if m > 0]
        return sum(recalls) / len(recalls)
    if name == "f1_macro":
        return (f1_pos + f1_neg) / 2
    if name == "f1_weighted":
        return (n_pos * f1_pos + n_neg * f1_neg) / n
    raise ValueError(f"no threshold curve for metric {name!r}")


def best_threshold(y: np.ndarray, p1: np.ndarray, name: str) -> tuple[float, float]:
    """``(threshold, score)``: the cut of the positive class's probabilities ``p1`` that scores
    best on labels ``y`` (0/1); ties go to the threshold nearest 0.5."""
    y, p1 = np.asarray(y), np.asarray(p1, dtype=float)
    cuts, tp, fp = _curve(y, p1)
    n_pos = float(np.sum(y == 1))
    values = metric_curve(name, tp, fp, n_pos, len(y) - n_pos)
    best = np.flatnonzero(values >= values.max() - 1e-12)
    k = best[np.argmin(np.abs(cuts[best] - 0.5))]
    return float(cuts[k]), float(values[k])


def as_proba(labels: np.ndarray) -> np.ndarray:
    """0/1 labels as a two-column matrix whose argmax is the label: what a label metric of
    the registry scores."""
    labels = np.asarray(labels, dtype=int)
    return np.eye(2)[labels]


def threshold_metric(metric: Any) -> Any:
    """``metric`` scored at the best threshold of the predictions it is given (ensemble
    selection: every candidate blend is optimistic by that one parameter alike)."""

    def scorer(y: np.ndarray, p: np.ndarray, k: int) -> float:
        return best_threshold(y, p[:, 1], metric.name)[1]

    return replace(metric, scorer=scorer, description=f"{metric.description}, at the best threshold")


# ---- cross-fitting --------------------------------------------------------------------------


def parts_of(folds: list[tuple[np.ndarray, np.ndarray]], y: np.ndarray, seed: int) -> list[np.ndarray]:
    """The row sets thresholds are cross-fitted over: each fold's validation rows, or with one
    validation split, HOLDOUT_PARTS seeded parts of it (stratified by class)."""
    if len(folds) > 1:
        return [np.asarray(va) for _, va in folds]
    va = np.asarray(folds[0][1])
    rng = np.random.default_rng(seed)
    parts: list[list[int]] = [[] for _ in range(HOLDOUT_PARTS)]
    for c in (0, 1):  # deal each class's rows round-robin, in a random order
        rows = rng.permutation(va[y[va] == c])
        for i, row in enumerate(rows):
            parts[i % HOLDOUT_PARTS].append(int(row))
    return [np.sort(np.asarray(p, dtype=int)) for p in parts if p]


def crossfit_labels(y: np.ndarray, p1: np.ndarray, parts: list[np.ndarray], name: str) -> np.ndarray:
    """Labels for the rows of ``parts``: each part cut at the threshold that is best on the
    other parts (rows outside every part stay -1)."""
    labels = np.full(len(y), -1)
    rows = np.concatenate(parts)
    for part in parts:
        rest = np.setdiff1d(rows, part, assume_unique=True)
        if len(rest) == 0 or len(np.unique(y[rest])) < 2:
            t = 0.5  # nothing to tune on: the default cut
        else:
            t, _ = best_threshold(y[rest], p1[rest], name)
        labels[part] = (p1[part] >= t).astype(int)
    return labels


@dataclass(frozen=True)
class Tuned:
    """A threshold tuned on out-of-fold predictions and what it changes."""

    threshold: float
    at_half: float  # the metric of the out-of-fold predictions cut at 0.5 (the argmax)
    at_threshold: float  # ... cut at the tuned threshold (in-sample: optimistic)
    crossfitted: float  # ... each part cut at the threshold tuned on the other parts


def tune(y: np.ndarray, oof: np.ndarray, folds: list, metric: Any, seed: int) -> tuple[Tuned, np.ndarray]:
    """The threshold tuned on all validated rows of ``oof`` (probabilities, two columns) and
    the cross-fitted labels of every validated row (-1 elsewhere)."""
    parts = parts_of(folds, y, seed)
    rows = np.concatenate(parts)
    p1 = np.asarray(oof[:, 1], dtype=float)
    t, at_t = best_threshold(y[rows], p1[rows], metric.name)
    labels = crossfit_labels(y, p1, parts, metric.name)
    tuned = Tuned(t, metric.score(y[rows], oof[rows], 2), at_t, metric.score(y[rows], as_proba(labels[rows]), 2))
    return tuned, labels


def tuned_fold_scores(y: np.ndarray, oof: np.ndarray, folds: list, metric: Any, seed: int) -> tuple[list[float], Tuned]:
    """Each fold's score at the threshold cross-fitted for its rows (see :func:`tune`)."""
    tuned, labels = tune(y, oof, folds, metric, seed)
    return [metric.score(y[va], as_proba(labels[va]), 2) for _, va in folds], tuned


def first_fold_bound(y: np.ndarray, pred: np.ndarray, metric: Any) -> float:
    """The first fold's score at its own best threshold: the most a tuned threshold could
    give it, which pruning compares (a score at 0.5 would prune good models of a rare class)."""
    return best_threshold(y, pred[:, 1], metric.name)[1]


# ---- the final model ------------------------------------------------------------------------


def with_threshold(model: Any, threshold: float) -> Any:
    """The fitted ``model`` behind scikit-learn's ``FixedThresholdClassifier`` (nothing is refit:
    ``predict_proba`` is the model's, ``predict`` cuts the positive class at ``threshold``)."""
    from sklearn.model_selection import FixedThresholdClassifier

    wrapped = FixedThresholdClassifier(model, threshold=threshold, response_method="predict_proba")
    wrapped.estimator_ = model
    return wrapped


def unwrap(model: Any) -> Any:
    """The pipeline inside a final model with a decision threshold (the model otherwise)."""
    if type(model).__name__ == "FixedThresholdClassifier":
        return model.estimator_
    return model


def threshold_of(model: Any) -> float | None:
    """A final model's decision threshold; None when it decides by the argmax."""
    if type(model).__name__ == "FixedThresholdClassifier":
        return float(model.threshold)
    return None


def describe(tuned: Tuned, metric_name: str) -> str:
    return (f"decision threshold {tuned.threshold:.3g} tuned on out-of-fold predictions for {metric_name} "
            f"(0.5 would give {metric_name}={tuned.at_half:.3g}; tuned {tuned.at_threshold:.3g} on the rows "
            f"it was tuned on, {tuned.crossfitted:.3g} cross-fitted: each fold cut at the threshold tuned "
            "on the others)")


def _stacked(model: Any) -> bool:
    from sklearn.ensemble import StackingClassifier

    return any(isinstance(step, StackingClassifier) for step in getattr(model, "named_steps", {}).values())


def decide(experiment: Any, outcome: Any) -> Any:
    """The outcome with its model cut at the threshold tuned on its out-of-fold predictions
    (of the blend, for an ensemble), the threshold stated in its description; an ensemble's
    score becomes the cross-fitted one (as every trial's)."""
    exp = experiment
    kept = outcome.members
    if _stacked(outcome.model):  # its probabilities are the meta-learner's, not a blend of the members'
        return replace(outcome, description=f"{outcome.description}; the decision threshold of a stack is not "
                                            "tuned: it cuts at 0.5 (ensemble='greedy' tunes it)")
    if any(exp.results.get(t) is None or exp.results[t].oof is None for t in kept):
        return outcome
    data = exp.data
    oof = sum(w * exp.results[t].oof.astype(np.float64) for t, w in kept.items())
    tuned, _ = tune(data.y, oof, data.folds, exp.metric, exp.config.seed)
    score = tuned.crossfitted if len(kept) > 1 else outcome.ensemble_score
    return replace(outcome, model=with_threshold(outcome.model, tuned.threshold), ensemble_score=score,
                   description=f"{outcome.description}; {describe(tuned, exp.metric.name)}")
