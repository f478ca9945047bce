"""What a run leaves, read from the AutoML facade: the final model and its facts (the
fitted attributes), the leaderboard, the guardrails, the data profile, the featurization
summary, and the choice of the final model by another metric (``best_by``).

A mixin of :class:`~automl_nb.AutoML`; every member reads its experiment
(``_require_experiment``, from :mod:`automl_nb.estimator`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .errors import NotFittedError


class ResultMethods:
    @property
    def experiment_(self):
        """The :class:`~automl_nb.experiment.Experiment` behind this AutoML (its results,
        plan, guardrails and outcome)."""
        return self._require_experiment()

    @property
    def best_pipeline_(self):
        """The final model: a plain scikit-learn Pipeline (featurizer + model, or an ensemble)."""
        exp = self._require_experiment()
        if exp.outcome.model is None:
            raise NotFittedError(f"no final model yet (run status: {exp.status})"
                                 + (f": {exp.error}" if exp.error else ""))
        return exp.outcome.model

    @property
    def classes_(self) -> np.ndarray:
        """The class labels (classification, once fitted); else an AttributeError, as scikit-learn's."""
        classes = None if self._experiment is None else getattr(self._experiment.prepared, "classes", None)
        if classes is None:
            raise AttributeError("classes_ is set by fitting a classifier" if self._experiment is None
                                 else "classes_ is only available for classification")
        return classes

    @property
    def task_(self) -> str:
        return self._require_experiment().prepared.task

    @property
    def task_reason_(self) -> str:
        return self._require_experiment().prepared.task_reason

    @property
    def metric_(self) -> str:
        return self._require_experiment().prepared.metric

    @property
    def folder_(self) -> Path:
        return self._require_experiment().folder

    @property
    def validation_(self) -> str:
        exp = self._require_experiment()
        return exp.plan.description if exp.plan else ""

    @property
    def first_row_seconds_(self) -> float | None:
        return self._require_experiment().first_row_seconds

    @property
    def ensemble_(self) -> dict[int, float]:
        """Trial id -> weight of the final model's members."""
        return dict(self._require_experiment().outcome.members)

    def leaderboard(self) -> pd.DataFrame:
        """Every trial so far, best first: rank, learner, score ± std over folds, other
        metrics, seconds, trial id, status and error. Works while the run goes on."""
        from .leaderboard import leaderboard_frame

        exp = self._require_experiment()
        return leaderboard_frame(list(dict(exp.results).values()), exp.prepared.metric, exp.outcome,
                                 windows=exp.task.score_unit == "window")

    def best_by(self, metric: str) -> ResultMethods:
        """Make the best model by ``metric`` (another reported metric, e.g. "f1", scored out of
        fold over every finished trial and the run's own final model) the final model, once
        the run has ended. A trial is refit on all rows in this process; the choice is saved in
        the folder (``an.load`` gives the chosen model). ``best_by(aml.metric_)`` goes back to
        the run's own final model. See :mod:`automl_nb.final_choice`."""
        from .final_choice import best_by

        running = self._run is not None and not self._run.done()
        best_by(self._require_experiment(), metric, running=running)
        return self

    def guardrails(self) -> pd.DataFrame:
        """Data checks: passed / fixed / alerted, each with plain-language advice. After
        :meth:`explain` has run once, also the post-training leakage check."""
        from .data.guardrails import guardrails_frame

        exp = self._require_experiment()
        return guardrails_frame([*exp.guardrails, *exp.post_training_checks.values()])

    def profile(self) -> pd.DataFrame:
        """Each column's detected kind, with the evidence."""
        exp = self._require_experiment()
        return exp.profile.to_frame() if exp.profile is not None else pd.DataFrame()

    def featurization_summary(self, family: str | None = None) -> pd.DataFrame:
        """Raw column → kind → steps → engineered features (from ``get_feature_names_out``).

        By default for the final model's (first) featurizer; ``family`` ("gbm", "tree",
        "linear", "neural", "knn") shows another learner family's plan, fitted on the data.
        Forecasting: the lags, rolling windows, calendar and holiday features of the
        machine-learning forecasters.
        """
        exp = self._require_experiment()
        return exp.task.featurization_summary(exp, family)
