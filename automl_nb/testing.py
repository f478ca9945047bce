"""Testing a model on held-out data: every reported metric of the task and evaluation plots.

The plots dict has the format of :mod:`automl_nb.widget.plots` (the widget draws it as it
draws a trial's out-of-fold plots); binary classification adds a ``calibration`` entry.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

CALIBRATION_BINS = 10


@dataclass
class TestReport:
    """The final model's scores and plots on a test set.

    Attributes
    ----------
    task : "binary", "multiclass" or "regression".
    metric : the metric the search optimized.
    metrics : metric name -> score on the test set (the optimized one first).
    plots : the ``plots`` dict of :mod:`automl_nb.widget.plots`, plus ``calibration``
        (binary: per bin of predicted probability, ``mean_predicted``, ``fraction_positive``
        and ``count``).
    n_rows : rows tested.
    """

    __test__ = False  # not a pytest test class

    task: str
    metric: str
    metrics: dict[str, float]
    plots: dict[str, Any] = field(default_factory=dict)
    n_rows: int = 0

    def to_frame(self) -> pd.DataFrame:
        """One row per metric: metric, value, optimized (True for the searched metric)."""
        return pd.DataFrame({
            "metric": list(self.metrics),
            "value": list(self.metrics.values()),
            "optimized": [m == self.metric for m in self.metrics],
        })

    def __repr__(self) -> str:
        scores = ", ".join(f"{k}={v:.4g}" for k, v in self.metrics.items())
        return f"TestReport({self.task}, {self.n_rows:,} rows: {scores})"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(k)}{' (optimized)' if k == self.metric else ''}</td>"
            f"<td style='text-align:right'>{'—' if math.isnan(v) else f'{v:.4g}'}</td></tr>"
            for k, v in self.metrics.items()
        )
        return (f"<div class='automl-nb-test'><b>Test set</b>: {self.n_rows:,} rows, {html.escape(self.task)}"
                f"<table><tr><th>metric</th><th>value</th></tr>{rows}</table></div>")


def make_test_report(task: str, metric: str, y: Any, predicted: np.ndarray, classes: np.ndarray | None) -> TestReport:
    """Score ``predicted`` (probabilities in the order of ``classes``, or values) against ``y``
    (the user's labels or values)."""
    from .metrics import METRICS, REPORTED
    from .widget.plots import trial_plots

    y = np.asarray(y)
    predicted = np.asarray(predicted, dtype=float)
    if len(y) != len(predicted):
        raise ValueError(f"y has {len(y)} values but X has {len(predicted)} rows")
    if task == "regression":
        y_true = y.astype(float)
        n_classes = 0
    else:
        unknown = set(pd.unique(y).tolist()) - set(classes.tolist())
        if unknown:
            raise ValueError(f"y holds labels the model never saw: {sorted(map(str, unknown))[:10]}")
        y_true = np.searchsorted(classes, y)
        n_classes = len(classes)
    metrics: dict[str, float] = {}
    for name in (metric, *REPORTED[task]):
        if name in metrics:
            continue
        try:
            metrics[name] = METRICS[name].score(y_true, predicted, n_classes)
        except ValueError:  # e.g. ROC AUC with one class in y
            metrics[name] = float("nan")
    plots = trial_plots(task, y_true, predicted, classes)
    if task == "binary":
        plots["calibration"] = calibration_curve(y_true, predicted[:, 1])
    return TestReport(task, metric, metrics, plots, len(y))




def calibration_curve(y: np.ndarray, p: np.ndarray, bins: int = CALIBRATION_BINS) -> dict[str, list]:
    """Fraction of positives vs mean predicted probability in equal-width bins (empty bins left out)."""
    idx = np.clip((p * bins).astype(int), 0, bins - 1)
    count = np.bincount(idx, minlength=bins)
    keep = count > 0
    mean_pred = np.bincount(idx, weights=p, minlength=bins)[keep] / count[keep]
    frac = np.bincount(idx, weights=(y == 1).astype(float), minlength=bins)[keep] / count[keep]
    return {"mean_predicted": mean_pred.tolist(), "fraction_positive": frac.tolist(),
            "count": count[keep].astype(int).tolist()}
