"""Fit pipelines on some rows and score them on others: the step ``stability`` and
``learning_curve`` share.

A *model* here is what the run builds from trials: ``{trial id: weight}`` — one trial
(``{12: 1.0}``, that trial's pipeline as ``exp.data.refit(learner, params)`` builds it) or the
final model (``exp.outcome.members``: the members refit and assembled as the run assembles
them, the class-prior blend included). The task does the work (``Task.fit_score``), so
nothing here knows what the rows are; a task that cannot (forecasting) says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


def fit_score(exp: Any, models: Sequence[Mapping[int, float]], train: np.ndarray, test: np.ndarray,
              seed: int, threads: int = 1, deadline: float | None = None) -> list[float]:
    """Each model of ``models`` trained on rows ``train`` and scored on rows ``test`` with the
    run's metric (in the metric's own direction), in order.

    Rows are positions in the run's training data (``exp.task.n_rows(exp.prepared)`` of them;
    validation_data rows follow the training rows). Every ``random_state`` (featurizers and
    learners) is ``seed``; learners use ``threads`` threads. Each distinct trial is fitted once
    and shared by the models that hold it. Past ``deadline`` (a ``time.time()``), the next fit
    does not start and :class:`~automl_nb.learners.base.TrialTimeout` is raised; learners that
    check the deadline while fitting stop too.
    """
    return exp.task.fit_score(exp, [dict(m) for m in models], np.asarray(train), np.asarray(test),
                              int(seed), int(threads), deadline)


def fit_seconds_estimate(exp: Any, trial_ids: Sequence[int], n_train: int) -> float:
    """Seconds to fit these trials' pipelines once on ``n_train`` rows and predict, from what
    their trials took: each trial's time per fold (featurizing, fitting, predicting) scaled by
    rows (linearly, a floor for what most learners cost)."""
    total = 0.0
    fold_rows = max(1, int(exp.data.trial_rows()))
    for tid in dict.fromkeys(trial_ids):
        r = exp.results[tid]
        folds = max(1, len(r.fold_scores))
        per_fold = max(r.duration, r.fit_seconds + r.predict_seconds) / folds
        total += per_fold * max(1.0, n_train / fold_rows)
    return total
