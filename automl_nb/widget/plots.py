"""Evaluation plots of one trial, from its out-of-fold predictions, as JSON-safe data.

Pure functions: (task, encoded target, out-of-fold predictions, classes) in, the ``plots``
dict of ``js/CONTRACT.md`` out. Every array holds at most ``MAX_POINTS`` values.

Choices the contract leaves open:

- binary: ROC and precision-recall curves of the positive class, the second of the sorted
  class labels (the column ``roc_auc`` scores);
- multiclass: one curve that pools every class one-vs-rest (the *micro-average*: each
  (row, class) pair is one binary decision), so its AUC summarizes all classes in one line;
  the confusion matrix keeps the ``MAX_CLASSES - 1`` most frequent classes and pools the
  rest into ``"(other)"``;
- regression: the same random sample of rows (fixed seed) for the scatter and the residuals;
- rows that no fold validated (the training part of a holdout) are left out.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

MAX_POINTS = 2000
MAX_CLASSES = 30
OTHER = "(other)"


def trial_plots(
    task: str,
    y: np.ndarray,
    oof: np.ndarray | None,
    classes: np.ndarray | None = None,
    max_points: int = MAX_POINTS,
    seed: int = 0,
) -> dict[str, Any]:
    """The ``plots`` dict for one trial; ``{}`` when there are no predictions to plot.

    Parameters
    ----------
    task : "binary", "multiclass" or "regression".
    y : encoded labels ``0..K-1`` (classification) or float targets, one per row.
    oof : out-of-fold predictions: probabilities ``(n, K)`` or values ``(n,)``; NaN rows
        were not validated.
    classes : the user's class labels, in encoded order.
    max_points : most values per array.
    seed : seed of the row sample for regression plots.
    """
    if oof is None or len(oof) == 0:
        return {}
    y = np.asarray(y)
    oof = np.asarray(oof, dtype=np.float64)
    valid = ~np.isnan(oof).any(axis=1) if oof.ndim > 1 else ~np.isnan(oof)
    if not valid.any():
        return {}
    y, oof = y[valid], oof[valid]
    if task == "regression":
        return regression_plots(y.astype(np.float64), oof, max_points, seed)
    if classes is None:
        classes = np.arange(oof.shape[1])
    return classification_plots(y.astype(int), oof, classes, max_points)


def classification_plots(
    y: np.ndarray, proba: np.ndarray, classes: np.ndarray, max_points: int = MAX_POINTS
) -> dict[str, Any]:
    """ROC, precision-recall and confusion matrix; see the module docstring for multiclass."""
    from sklearn.metrics import auc, average_precision_score, precision_recall_curve, roc_curve

    k = proba.shape[1]
    if k == 2:
        truth, score = (y == 1), proba[:, 1]
        positive = f"positive class: {classes[1]}"
    else:
        truth = (y[:, None] == np.arange(k)[None, :]).ravel()
        score = proba.ravel()
        positive = f"micro-average of {k} classes, one-vs-rest"
    plots: dict[str, Any] = {"kind": "classification", "positive": positive}
    if truth.all() or not truth.any():  # one class only: no curve is defined
        plots["roc"] = {"fpr": [], "tpr": [], "auc": None}
        plots["pr"] = {"recall": [], "precision": [], "ap": None}
    else:
        fpr, tpr, _ = roc_curve(truth, score)
        precision, recall, _ = precision_recall_curve(truth, score)
        keep = _thin(len(fpr), max_points)
        plots["roc"] = {"fpr": _floats(fpr[keep]), "tpr": _floats(tpr[keep]), "auc": _float(auc(fpr, tpr))}
        keep = _thin(len(recall), max_points)
        plots["pr"] = {
            "recall": _floats(recall[keep]),
            "precision": _floats(precision[keep]),
            "ap": _float(average_precision_score(truth, score)),
        }
    plots["confusion"] = confusion(y, proba.argmax(axis=1), classes)
    return plots


def confusion(y: np.ndarray, predicted: np.ndarray, classes: np.ndarray, max_classes: int = MAX_CLASSES) -> dict[str, Any]:
    """Rows: true class, columns: predicted class; rare classes pooled beyond ``max_classes``."""
    from sklearn.metrics import confusion_matrix

    k = len(classes)
    labels = [str(c) for c in classes]
    if k > max_classes:
        counts = np.bincount(y, minlength=k)
        top = np.sort(np.argsort(-counts, kind="stable")[: max_classes - 1])
        remap = np.full(k, max_classes - 1)
        remap[top] = np.arange(len(top))
        y, predicted = remap[y], remap[predicted]
        labels = [labels[i] for i in top] + [OTHER]
        k = max_classes
    matrix = confusion_matrix(y, predicted, labels=np.arange(k))
    return {"labels": labels, "matrix": matrix.astype(int).tolist()}


def regression_plots(
    y: np.ndarray, predicted: np.ndarray, max_points: int = MAX_POINTS, seed: int = 0
) -> dict[str, Any]:
    """Actual vs predicted, and residual (actual - predicted) vs predicted, on one row sample."""
    rows = np.arange(len(y))
    if len(rows) > max_points:
        rows = np.sort(np.random.default_rng(seed).choice(rows, max_points, replace=False))
    actual, pred = y[rows], predicted[rows]
    return {
        "kind": "regression",
        "scatter": {"actual": _floats(actual), "predicted": _floats(pred)},
        "residuals": {"predicted": _floats(pred), "residual": _floats(actual - pred)},
    }


def _thin(n: int, max_points: int) -> np.ndarray:
    """Indices of at most ``max_points`` evenly spaced points of a curve, ends included."""
    if n <= max_points:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, max_points).round().astype(int))


def _float(x: Any) -> float | None:
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def _floats(a: np.ndarray) -> list[float | None]:
    a = np.asarray(a, dtype=np.float64)
    out: list[float | None] = a.tolist()
    if not np.isfinite(a).all():
        out = [v if math.isfinite(v) else None for v in out]  # type: ignore[arg-type]
    return out
