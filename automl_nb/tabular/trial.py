"""Tabular trials: cross-validated folds (or a holdout) of one frame.

:class:`TabularData` is sent to each worker once; ``evaluate`` scores a configuration on
every fold (featurized once per worker and learner family), ``refit`` trains the final
pipeline (featurizer + model) on all rows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..run.trial import TrialConfig, TrialResult, summarize_folds, trial_errors


@dataclass
class TabularData:
    """What every tabular trial needs; sent to each worker once (a
    :class:`~automl_nb.run.trial.TrialData`)."""

    X: pd.DataFrame
    y: np.ndarray  # encoded labels 0..K-1, or floats
    y_original: np.ndarray  # the user's labels (refit trains on them so predictions are the user's)
    folds: list[tuple[np.ndarray, np.ndarray]]
    profile: Any  # DataProfile
    task: str
    metric: str
    n_classes: int
    seed: int = 0
    threads: int = 1
    #: score trials at a decision threshold cross-fitted on their out-of-fold predictions
    #: (binary, a metric of labels: automl_nb.tabular.threshold)
    tune_threshold: bool = False
    cache: dict = field(default_factory=dict, repr=False)  # featurized folds, per family
    #: your learners (``AutoML(learners=...)``), by name: the workers know them from here
    learners: dict = field(default_factory=dict)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["cache"] = {}
        return state

    def evaluate(self, config: TrialConfig, deadline: float | None = None) -> TrialResult:
        return evaluate(config, self, deadline)

    def refit(self, learner: str, params: dict[str, Any], deadline: float | None = None,
              rows: int | None = None) -> Any:
        return refit(learner, params, self, deadline, rows)

    def trial_rows(self) -> int:
        return len(self.folds[0][0])

    def learner(self, name: str) -> Any:
        """The LearnerSpec named ``name``: one of yours, else a registered learner."""
        from ..learners import get_learner

        mine = self.__dict__.get("learners") or {}  # trial data written before there were learners of yours
        return mine[name].spec(name) if name in mine else get_learner(name)


def _featurized(data: TabularData, family: str, i: int) -> tuple[np.ndarray, np.ndarray]:
    """Featurize fold ``i`` for a family once per worker; later trials reuse it."""
    key = (family, i)
    if key in data.cache:
        return data.cache[key]
    tr, va = data.folds[i]
    if family == "dummy":  # the baseline ignores its features: skip featurizing them
        return np.zeros((len(tr), 1), np.float32), np.zeros((len(va), 1), np.float32)
    from ..featurize.plan import build_featurizer

    feat = build_featurizer(data.profile, family, data.task, data.seed)
    Xtr = feat.fit_transform(data.X.iloc[tr], data.y[tr])
    Xva = feat.transform(data.X.iloc[va])
    out = (np.asarray(Xtr, dtype=np.float32), np.asarray(Xva, dtype=np.float32))
    # cache small folds only: memory grows with families x folds
    if out[0].nbytes + out[1].nbytes < 256 * 2**20:
        data.cache[key] = out
    return out


def predict_output(estimator: Any, X: Any, task: str, n_classes: int) -> np.ndarray:
    """Probabilities in all K columns for classification (a fold may miss a class), values for regression."""
    if task == "regression":
        return np.asarray(estimator.predict(X), dtype=float)
    proba = np.asarray(estimator.predict_proba(X), dtype=float)
    classes = np.asarray(estimator.classes_)
    if proba.shape[1] == n_classes and np.array_equal(classes, np.arange(n_classes)):
        return proba
    full = np.zeros((proba.shape[0], n_classes))
    full[:, classes.astype(int)] = proba
    return full


def evaluate(config: TrialConfig, data: TabularData, deadline: float | None = None) -> TrialResult:
    """Score one configuration on every fold; never raises."""
    from ..learners.base import TrialTimeout
    from ..metrics import all_scores, get_metric

    started = time.time()
    result = TrialResult(config.trial_id, config.learner, dict(config.params), "ok", config.phase, started_at=started)
    metric = get_metric(data.metric)
    n = len(data.y)
    oof = np.full((n, data.n_classes) if data.task != "regression" else n, np.nan)
    learned: list[dict] = []
    with trial_errors(result):
        spec = data.learner(config.learner)
        for i, (_, va) in enumerate(data.folds):
            if deadline is not None and time.time() > deadline:
                raise TrialTimeout("the search's time ran out")
            Xtr, Xva = _featurized(data, spec.family, i)
            ytr = data.y[data.folds[i][0]]
            est = spec.make(config.params, data.task, data.seed, data.threads)
            t = time.perf_counter()
            learned.append(spec.fit(est, Xtr, ytr, Xva, data.y[va], deadline) or {})
            result.fit_seconds += time.perf_counter() - t
            t = time.perf_counter()
            pred = predict_output(est, Xva, data.task, data.n_classes)
            result.predict_seconds += time.perf_counter() - t
            oof[va] = pred
            fold_score = metric.score(data.y[va], pred, data.n_classes)
            result.fold_scores.append(fold_score)
            if (
                i == 0
                and len(data.folds) > 1
                and config.prune_above is not None
                and metric.loss(_prune_score(data, metric, va, pred, fold_score)) > config.prune_above
            ):
                result.status = "pruned"
                result.error = f"stopped after fold 1: {data.metric}={fold_score:.4g} is far from the best"
                break
        result.refit_params = spec.refit_params(dict(config.params), learned)
        if result.status == "ok" and data.tune_threshold:
            _score_at_threshold(result, data, metric, oof)
    summarize_folds(result)
    if result.status == "ok":
        mask = ~np.isnan(oof if oof.ndim == 1 else oof[:, 0])
        result.oof = oof.astype(np.float32)
        result.metrics = {**all_scores(data.task, data.y[mask], oof[mask], data.n_classes), **result.metrics}
    result.duration = time.time() - started
    return result


def _prune_score(data: TabularData, metric: Any, va: np.ndarray, pred: np.ndarray, score: float) -> float:
    """The first fold's score pruning compares: with a tuned threshold, the best any threshold
    gives it (at 0.5 a good model of a rare class may score f1 = 0)."""
    if not data.tune_threshold:
        return score
    from .threshold import first_fold_bound

    return first_fold_bound(data.y[va], pred, metric)


def _score_at_threshold(result: TrialResult, data: TabularData, metric: Any, oof: np.ndarray) -> None:
    """Fold scores at cross-fitted thresholds; the threshold tuned on all of them in ``metrics``."""
    from .threshold import tuned_fold_scores

    result.fold_scores, tuned = tuned_fold_scores(data.y, oof, data.folds, metric, data.seed)
    result.metrics = {"threshold": tuned.threshold}


def refit(
    learner: str, params: dict[str, Any], data: TabularData, deadline: float | None = None, rows: int | None = None
) -> Any:
    """The final pipeline (featurizer + model) trained on every row, on the user's labels;
    on a seeded random sample of ``rows`` rows when the time left allows no more (large data)."""
    from sklearn.pipeline import Pipeline

    from ..featurize.plan import build_featurizer

    spec = data.learner(learner)
    X, y = data.X, (data.y_original if data.task != "regression" else data.y)
    if rows is not None and rows < len(y):
        keep = np.sort(np.random.default_rng(data.seed).choice(len(y), rows, replace=False))
        X, y = X.iloc[keep], y[keep]
    feat = build_featurizer(data.profile, spec.family, data.task, data.seed)
    Xt = np.asarray(feat.fit_transform(X, y), dtype=np.float32)
    est = spec.make(params, data.task, data.seed, data.threads)
    spec.fit(est, Xt, y, None, None, deadline)
    return Pipeline([("featurize", feat), ("model", est)])


