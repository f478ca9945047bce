"""Metric registry: name, direction, whether it needs probabilities, and the scorer.

Every scorer takes ``(y_true, y_pred, n_classes)`` where ``y_true`` holds encoded labels
``0..K-1`` for classification and ``y_pred`` is a probability matrix ``(n, K)``; for
regression both are float vectors. For forecasting the third argument is the per-point
scale instead: each point's series' in-sample seasonal-naive mean absolute error (MASE's
denominator), so one call scores every series of every backtest window. Scores are reported in their natural direction; the
searcher minimizes :meth:`Metric.loss`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

CLASSIFICATION = frozenset({"binary", "multiclass"})
REGRESSION = frozenset({"regression"})
FORECAST = frozenset({"forecast"})


@dataclass(frozen=True)
class Metric:
    name: str
    greater_is_better: bool
    tasks: frozenset[str]
    scorer: Callable[[np.ndarray, np.ndarray, int], float]
    description: str = ""
    perfect: float | None = None  # the best score there is (the smoke test measures the way to it)
    #: scores the predicted labels (the argmax of the probabilities), so a binary model's
    #: decision threshold changes it (automl_nb.tabular.threshold tunes it)
    scores_labels: bool = False

    def score(self, y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = 0) -> float:
        return float(self.scorer(np.asarray(y_true), np.asarray(y_pred), n_classes))

    def loss(self, score: float) -> float:
        """The value the searcher minimizes."""
        return -score if self.greater_is_better else score


def _labels(proba: np.ndarray) -> np.ndarray:
    return np.argmax(proba, axis=1)


def _binary_auc(positive: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC by the rank-sum (Mann-Whitney) formula, ties averaged; equals sklearn's
    roc_auc_score, ~20x faster (ensemble selection scores thousands of candidates)."""
    from scipy.stats import rankdata

    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("ROC AUC needs both classes in y_true")
    ranks = rankdata(score)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _roc_auc(y, p, k):
    if k == 2:
        return _binary_auc(y == 1, p[:, 1])
    # one-vs-rest, macro average over the classes present (a fold may miss a tiny class)
    present = np.unique(y)
    if len(present) < 2:
        raise ValueError("ROC AUC needs at least two classes in y_true")
    q = p[:, present] / np.clip(p[:, present].sum(axis=1, keepdims=True), 1e-15, None)
    return float(np.mean([_binary_auc(y == c, q[:, j]) for j, c in enumerate(present)]))


def _log_loss(y, p, k):
    p = np.clip(p, 1e-15, 1.0)
    p = p / p.sum(axis=1, keepdims=True)
    return float(-np.mean(np.log(p[np.arange(len(y)), y.astype(int)])))


def _accuracy(y, p, k):
    return float(np.mean(_labels(p) == y))


def _balanced_accuracy(y, p, k):
    from sklearn.metrics import balanced_accuracy_score

    return balanced_accuracy_score(y, _labels(p))


def _f1(average: str) -> Callable:
    def f1(y, p, k):
        from sklearn.metrics import f1_score

        if average == "auto":
            avg = "binary" if k == 2 else "macro"
        else:
            avg = average
        return f1_score(y, _labels(p), average=avg, labels=None if avg == "binary" else range(k), zero_division=0)

    return f1


def _average_precision(y, p, k):
    from sklearn.metrics import average_precision_score

    if k == 2:
        return average_precision_score(y, p[:, 1])
    onehot = np.eye(k)[y]
    keep = onehot.sum(axis=0) > 0
    return average_precision_score(onehot[:, keep], p[:, keep], average="macro")


def _rmse(y, p, k):
    return float(np.sqrt(np.mean((y - p) ** 2)))


def _mae(y, p, k):
    return float(np.mean(np.abs(y - p)))


def _mase(y, p, scale):
    return float(np.mean(np.abs(y - p) / np.asarray(scale, dtype=float)))


def _smape(y, p, k):
    denom = np.abs(y) + np.abs(p)
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = np.where(denom > 0, 200.0 * np.abs(y - p) / denom, 0.0)
    return float(np.mean(terms))


def _r2(y, p, k):
    ss = float(np.sum((y - y.mean()) ** 2))
    return 1.0 - float(np.sum((y - p) ** 2)) / ss if ss > 0 else 0.0


def _mape(y, p, k):
    return float(np.mean(np.abs(y - p) / np.maximum(np.abs(y), 1e-12)))


_ALL = (
    Metric("roc_auc", True, CLASSIFICATION, _roc_auc, "area under the ROC curve (one-vs-rest for multiclass)", perfect=1.0),
    Metric("log_loss", False, CLASSIFICATION, _log_loss, "cross-entropy of the predicted probabilities", perfect=0.0),
    Metric("accuracy", True, CLASSIFICATION, _accuracy, "share of correct labels", perfect=1.0, scores_labels=True),
    Metric("balanced_accuracy", True, CLASSIFICATION, _balanced_accuracy, "mean recall over classes", perfect=1.0, scores_labels=True),
    Metric("f1", True, CLASSIFICATION, _f1("auto"), "F1 of the positive class (macro for multiclass)", perfect=1.0, scores_labels=True),
    Metric("f1_macro", True, CLASSIFICATION, _f1("macro"), "unweighted mean F1 over classes", perfect=1.0, scores_labels=True),
    Metric("f1_weighted", True, CLASSIFICATION, _f1("weighted"), "support-weighted mean F1 over classes", perfect=1.0, scores_labels=True),
    Metric("average_precision", True, CLASSIFICATION, _average_precision, "area under the precision-recall curve", perfect=1.0),
    Metric("rmse", False, REGRESSION | FORECAST, _rmse, "root mean squared error", perfect=0.0),
    Metric("mae", False, REGRESSION | FORECAST, _mae, "mean absolute error", perfect=0.0),
    Metric("r2", True, REGRESSION, _r2, "coefficient of determination", perfect=1.0),
    Metric("mape", False, REGRESSION, _mape, "mean absolute percentage error", perfect=0.0),
    Metric("mase", False, FORECAST, _mase, "mean absolute scaled error: the error relative to the seasonal naive forecast's in-sample error", perfect=0.0),
    Metric("smape", False, FORECAST, _smape, "symmetric mean absolute percentage error (0-200)", perfect=0.0),
)
METRICS: dict[str, Metric] = {m.name: m for m in _ALL}

#: metrics shown beside the optimized one in the leaderboard
REPORTED = {
    "binary": ("roc_auc", "log_loss", "accuracy", "f1"),
    "multiclass": ("log_loss", "accuracy", "balanced_accuracy", "f1_macro"),
    "regression": ("rmse", "mae", "r2"),
    "forecast": ("mase", "smape", "rmse", "mae"),
}


def default_metric(task: str) -> str:
    """The metric used when ``metric="auto"`` (as in the AutoML Benchmark)."""
    return {"binary": "roc_auc", "multiclass": "log_loss", "regression": "rmse", "forecast": "mase"}[task]


def get_metric(name: str, task: str | None = None) -> Metric:
    """Look up a metric by name; a clear error names the valid ones."""
    if name not in METRICS:
        raise ValueError(f"metric={name!r} is not known; valid metrics: {', '.join(METRICS)}")
    metric = METRICS[name]
    if task is not None and task not in metric.tasks:
        valid = [m.name for m in _ALL if task in m.tasks]
        raise ValueError(f"metric={name!r} does not apply to a {task} task; valid: {', '.join(valid)}")
    return metric


def all_scores(task: str, y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> dict[str, float]:
    """Every reported metric of the task; a metric that cannot be computed is NaN."""
    out = {}
    for name in REPORTED[task]:
        try:
            out[name] = METRICS[name].score(y_true, y_pred, n_classes)
        except ValueError:
            out[name] = float("nan")
    return out
