"""AutoML: the scikit-learn estimator facade over an :class:`~automl_nb.experiment.Experiment`.

AutoML keeps scikit-learn's estimator contract (``get_params``/``set_params``/``clone``,
``check_is_fitted``, tags, ``score`` greater-is-better, pickling), so ``cross_val_score``,
``GridSearchCV`` and pipelines take it like any estimator; :mod:`automl_nb.estimator` holds that part.
"""

from __future__ import annotations

import math
import secrets
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils.metaestimators import available_if

from .errors import NotFittedError
from .estimator import FACADE_ONLY, Estimator, has_predict_proba
from .export.facade import ExportMethods
from .reliability.facade import ReliabilityMethods
from .results_facade import ResultMethods
from .search.facade import SteeringMethods

DEFAULT_ROOT = "automl_nb_runs"

__all__ = ["FACADE_ONLY", "AutoML", "NotFittedError", "load"]


class AutoML(ResultMethods, ExportMethods, ReliabilityMethods, SteeringMethods, Estimator):
    """Automated machine learning for a pandas DataFrame, in the background.

    Parameters
    ----------
    task : "auto", "binary", "multiclass" or "regression". With "auto" the task is inferred
        from the target and the reason is stated (``aml.task_reason_``).
    metric : metric to optimize, or "auto" (roc_auc, log_loss or rmse by task).
    time_budget : seconds for the whole fit: profiling, search, ensembling and refit.
    max_trials : stop after this many trials (with ``seed``, the run repeats exactly).
    target_score : stop the search as soon as a trial's score reaches this value of the
        metric (at least it where greater is better, at most it for losses: rmse, log_loss
        are given as they are, not negated). A value the metric cannot reach (an AUC of 1.5,
        a negative RMSE) is an error before any trial. ``stop_reason_`` says why a run stopped.
    seed : random seed.
    validation : "auto" (k-fold cross-validation up to 100,000 rows, a 10 % holdout above),
        "cv" or "holdout".
    n_folds : folds for cross-validation (default 5, or 3 above 20,000 rows).
    validation_data : ``(X_val, y_val)`` to validate on instead of folds.
    groups : group labels for group k-fold (no group in both train and validation).
    allowed_learners, blocked_learners : learner names (see ``automl_nb.learners.LEARNERS``).
    drop_columns : columns of X to ignore.
    ensemble : True or "greedy" (default): a greedy blend of the best trials when it scores
        better out of fold; "stack": a linear meta-learner over the best trials' out-of-fold
        predictions (a scikit-learn StackingClassifier/Regressor), kept when it beats the best
        trial out of fold; "auto": greedy blend, stack and best trial compared out of fold,
        the best kept; False: the best trial (see :mod:`automl_nb.stacking`).
    n_jobs : worker processes (-1: one per core).
    folder : the experiment folder (default ``automl_nb_runs/<time>-<id>``).
    trial_timeout : seconds after which a single trial is stopped (default: the budget).
    memory_limit_mb : a worker growing beyond this is killed and its trial fails.
    exportable : "onnx" to search only what converts to ONNX (``export_onnx``): the learners
        that do not convert (the PyTorch MLP) are left out, said once in the guardrails.
        None (default): every learner.
    tune_threshold : binary tasks with a metric of labels (f1, balanced_accuracy, accuracy):
        score trials and cut the final model's probabilities at a decision threshold tuned
        on out-of-fold predictions (stated in the model's description); False: at 0.5.
    learners : your own learners, ``{"svc": an.Learner(SVC(probability=True), space={...})}``
        (see :class:`~automl_nb.learners.custom.Learner`): searched beside the built-in ones.
    column_kinds : ``{"zip": "categorical", "notes": "text"}``: a column's kind, set by you
        (kinds: numeric, categorical, boolean, datetime, text, id, constant).
    column_transformers : ``{"col": transformer}``: a column's own scikit-learn transformer,
        whose output is that column's features in every learner family.
    featurization : "auto", or "off" for a frame that is already numeric (every column used
        as a number; imputation and scaling as each family needs).
    show : show progress while fitting (a progress line in terminals and notebooks).

    Forecasting (``task="forecast"``; giving ``time_column`` and ``horizon`` implies it):

    time_column : the column holding the timestamps.
    horizon : steps to forecast after the end of the data.
    series_id : the column naming each series of a long frame (None: one series).
    frequency : the grid, a pandas frequency ("D", "W-MON", "MS", "QS", "h", "30min"), or
        "auto" (inferred; an error says so when it cannot be).
    season_length : steps per season, or "auto" (12 for monthly, 7 for daily, 24 hourly...).
    country_holidays : "US", "GB-ENG", ("AU", "VIC"): public holidays as features.
    lags, rolling_windows : target lags and rolling-window lengths of the machine-learning
        forecasters ("auto": 1..season, the season and twice it).
    n_windows, window_step : rolling-origin backtest windows (default 3, ``horizon`` apart).
    interval_level : coverage of the prediction interval (0.8 = 80 %).

    Every other column of the frame is an exogenous regressor known in the future: its
    values for the forecast steps are passed to ``predict(X_future)``.

    AutoML is a scikit-learn estimator: ``clone``, ``cross_val_score``, ``GridSearchCV`` and
    ``Pipeline`` take it; ``score`` is greater-is-better (losses negated); X may be a numpy
    array. Whether it is a classifier or a regressor follows the task (see :mod:`automl_nb.estimator`).

    Examples
    --------
    >>> aml = AutoML(time_budget=30).fit(df, "target")      # doctest: +SKIP
    >>> aml.leaderboard()                                    # doctest: +SKIP
    """

    def __init__(
        self,
        task: str = "auto",
        metric: str = "auto",
        time_budget: float = 60,
        max_trials: int | None = None,
        target_score: float | None = None,
        seed: int = 0,
        validation: str = "auto",
        n_folds: int | None = None,
        validation_data: tuple[Any, Any] | None = None,
        groups: Any = None,
        allowed_learners: Sequence[str] | None = None,
        blocked_learners: Sequence[str] | None = None,
        drop_columns: Sequence[str] = (),
        ensemble: bool | str = True,
        n_jobs: int = -1,
        folder: str | Path | None = None,
        trial_timeout: float | None = None,
        memory_limit_mb: float | None = None,
        exportable: str | None = None,
        tune_threshold: bool = True,
        learners: dict[str, Any] | None = None,
        column_kinds: dict[str, str] | None = None,
        column_transformers: dict[str, Any] | None = None,
        featurization: str = "auto",
        show: bool = True,
        time_column: str | None = None,
        horizon: int | None = None,
        series_id: str | None = None,
        frequency: str = "auto",
        season_length: int | str = "auto",
        country_holidays: Any = None,
        lags: Sequence[int] | str = "auto",
        rolling_windows: Sequence[int] | str = "auto",
        n_windows: int | None = None,
        window_step: int | None = None,
        interval_level: float = 0.8,
    ) -> None:
        self.task = task
        self.metric = metric
        self.time_budget = time_budget
        self.max_trials = max_trials
        self.target_score = target_score
        self.seed = seed
        self.validation = validation
        self.n_folds = n_folds
        self.validation_data = validation_data
        self.groups = groups
        self.allowed_learners = allowed_learners
        self.blocked_learners = blocked_learners
        self.drop_columns = drop_columns
        self.ensemble = ensemble
        self.n_jobs = n_jobs
        self.folder = folder
        self.trial_timeout = trial_timeout
        self.memory_limit_mb = memory_limit_mb
        self.exportable = exportable
        self.tune_threshold = tune_threshold
        self.learners = learners
        self.column_kinds = column_kinds
        self.column_transformers = column_transformers
        self.featurization = featurization
        self.show = show
        self.time_column = time_column
        self.horizon = horizon
        self.series_id = series_id
        self.frequency = frequency
        self.season_length = season_length
        self.country_holidays = country_holidays
        self.lags = lags
        self.rolling_windows = rolling_windows
        self.n_windows = n_windows
        self.window_step = window_step
        self.interval_level = interval_level

    # ---- running -------------------------------------------------------------------------

    def start(self, X: Any, y: Any = None):
        """Start the search in the background and return a :class:`~automl_nb.experiment.Run` at once.

        ``y`` is the target: a Series/array aligned with ``X``, or the name of a column of ``X``.
        """
        return self._start(X, y, self.show)

    def _start(self, X: Any, y: Any, show: bool):
        from .experiment import Experiment
        from .task import get_task

        started = time.time()
        config = self.config()
        task = get_task(config.task)
        X, y = self._check_fit_input(X, y, config)
        prepared = task.prepare(X, y, config, self.validation_data, self.groups)
        if config.target_score is not None:  # metric="auto" is known now: still before any trial
            from .metrics import get_metric
            from .search.steering import check_target_score

            check_target_score(config.target_score, get_metric(prepared.metric))
        folder = _new_folder(config.folder)
        self._experiment = Experiment(config, prepared, folder, task=task)
        self._record_features(X, y)
        if show:
            from .progress import attach_progress

            attach_progress(self._experiment.bus, config.time_budget)
        self._run = self._experiment.start(started)
        return self._run

    def fit(self, X: Any, y: Any = None) -> AutoML:
        """Search within ``time_budget`` and keep the best model (or ensemble); blocks.

        Interrupting (Ctrl+C, the notebook's stop button) cancels the search and keeps the
        finished trials and the best model among them.
        """
        from .widget import live_notebook

        live = self.show and live_notebook()  # the read-only Studio replaces the progress line
        run = self._start(X, y, show=self.show and not live)
        studio = None
        if live:
            studio = self.studio(target=y if isinstance(y, str) else str(getattr(y, "name", "") or ""))
            studio.steer_controls = False  # fit() holds the kernel: clicks would only arrive after the run
            from IPython.display import display

            display(studio)
        try:
            _wait(run, self._experiment)
        finally:
            if studio is not None:  # the final state reaches the cell before it ends
                studio.wait(timeout=5)
        return self

    def studio(self, target: str = ""):
        """A :class:`~automl_nb.Studio` showing this AutoML's experiment: live while it runs,
        its results once finished (also after ``an.load(folder)``). Read-only: the settings
        are this AutoML's; pause, resume, cancel and extend act on a running run."""
        from .widget.view import StudioView

        return StudioView.for_experiment(self._require_experiment(), read_only=True, target=target,
                                         run=self._run, automl=self)

    def resume(self, time_budget: float | None = None) -> AutoML:
        """Continue the search of this experiment (for example after ``an.load``); blocks."""
        from .experiment import Experiment

        exp = self._require_experiment()
        if self._run is not None and not self._run.done():
            raise RuntimeError("the run is still going; wait() for it or cancel() it first")
        if not exp.trusted:
            raise PermissionError(f"this experiment was loaded with trusted=False: resuming it unpickles the files "
                                  f"of {str(exp.folder)!r}. If you trust whoever made the folder, "
                                  "an.load(folder, trusted=True) and resume that")
        budget = self.time_budget if time_budget is None else time_budget
        config = exp.config.replace(time_budget=budget).validate()
        self._experiment = Experiment.restore(exp.folder, config)
        if self.show:
            from .progress import attach_progress

            attach_progress(self._experiment.bus, budget)
        self._run = self._experiment.start()
        _wait(self._run, self._experiment)
        return self

    @property
    def run_(self):
        if self._run is None:
            raise NotFittedError("no run yet: call fit() or start()")
        return self._run

    # ---- prediction ----------------------------------------------------------------------

    def predict(self, X: Any = None) -> np.ndarray | pd.DataFrame:
        """Predicted labels (classification, in the user's labels) or values (regression).

        Forecasting: a tidy frame ``[series_id], time, forecast, lower, upper`` for the
        ``horizon`` steps after the data; ``X`` gives the exogenous columns' values at those
        steps (with the time column, and the series id) when the data had any.
        """
        exp = self._require_experiment()
        return exp.task.predict(exp, self.best_pipeline_, self._check_X(X, reset=False))

    @available_if(has_predict_proba)
    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_`` (classification only)."""
        exp = self._require_experiment()
        return exp.task.predict_proba(exp, self.best_pipeline_, self._check_X(X, reset=False))

    def score(self, X: Any, y: Any) -> float:
        """The experiment's metric on (X, y), greater is better as scikit-learn's scorers:
        the metric where greater is better (roc_auc, accuracy, r2), the negated loss for
        losses (rmse gives -rmse; log_loss, mae, mase likewise, as ``neg_...`` scorers do).
        ``metric_`` names the metric; ``test()`` reports every metric in its own direction."""
        exp = self._require_experiment()
        value = exp.task.score(self, exp, X, y)
        return value if exp.metric.greater_is_better else -value

    def test(self, X: Any, y: Any):
        """Evaluate the final model on held-out data: a :class:`~automl_nb.testing.TestReport`
        with every reported metric of the task and evaluation plots (ROC, precision-recall,
        confusion, calibration; or predicted vs actual and residuals)."""
        exp = self._require_experiment()
        exp.last_test = exp.task.test(self, exp, X, y)  # the run report shows the last test
        return exp.last_test

    def forecast_plot(self, series: Any = None, X: Any = None, ax: Any = None, history: int | None = None):
        """Forecasting: a matplotlib figure of the history, the final model's backtest
        windows (dashed) and the forecast with its interval, for one series (default: the
        first). ``X`` as for :meth:`predict` (exogenous values of the forecast steps);
        ``history`` limits the points of history shown."""
        exp = self._require_experiment()
        return exp.task.forecast_plot(self, exp, series=series, X=X, ax=ax, history=history)

    # ---- explanations --------------------------------------------------------------------

    def explain(self, X: Any = None, trial: int | None = None, max_rows: int | None = None,
                class_name: Any = None):
        """SHAP values of the final model (or of one trial's model), on engineered features and
        summed back to raw columns: an :class:`~automl_nb.explain.Explanation`.

        Parameters
        ----------
        X : rows to explain (the training columns); None explains a random sample of at most
            1,000 training rows.
        trial : a trial id; None explains the final model (the ensemble, when there is one).
            A trial's model is refit on all rows once, then cached.
        max_rows : most rows explained (a random sample when X has more). The model-agnostic
            explainer (knn, mlp, ensembles) explains at most 200 rows unless this says otherwise.
        class_name : classification: the class explained. Default: the positive class (the
            second of the sorted labels) for binary, the most frequent class for multiclass.
        """
        exp = self._require_experiment()
        return exp.task.explain(self, exp, X=X, trial=trial, max_rows=max_rows, class_name=class_name)

    # ---- persistence ---------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write the experiment (settings, trials, data, model) to the new folder ``path``, from
        memory: also after the experiment folder stopped taking writes (a full disk);
        ``an.load(path)`` restores it."""
        from .experiment_folder import save_copy

        exp = self._require_experiment()
        if self._run is not None and not self._run.done():
            raise RuntimeError("the run is still going; wait() for it before saving")
        return save_copy(exp, Path(path))

    def __repr__(self) -> str:
        if self._experiment is None:
            return f"AutoML(task={self.task!r}, metric={self.metric!r}, time_budget={self.time_budget!r})"
        exp = self._experiment
        best = exp.best_score()
        best_s = "—" if best is None or (isinstance(best, float) and math.isnan(best)) else f"{best:.4g}"
        return (f"AutoML(task={exp.prepared.task!r}, metric={exp.prepared.metric!r}, status={exp.status!r}, "
                f"trials={len(exp.results)}, best={best_s}, folder={str(exp.folder)!r})")


def load(folder: str | Path, show: bool = True, trusted: bool | Sequence[str] = True) -> AutoML:
    """Restore an experiment from its folder: leaderboard, guardrails and the final model.

    ``trusted=True`` (a folder you made, or got from someone you trust) unpickles
    ``model.pkl`` and ``data.joblib``: everything works, resume included. Unpickling runs
    code from the file, so for a folder from anyone else use ``trusted=False``: the model is
    loaded from ``model.skops``, which rebuilds only types automl_nb knows are safe (others
    are refused, named), and nothing is unpickled. predict, predict_proba, score, test,
    the leaderboard and guardrails work; resume, the data profile, explanations of the
    training rows and the featurization summary (they need the pickled training data) do
    not. ``trusted=["module.Type", ...]`` is trusted=False with those types trusted too.
    Forecasting models have no model.skops: they load only with ``trusted=True``.

    A UserWarning names each library whose version differs from the one the model was saved
    with (``versions.json``).
    """
    from .experiment import Experiment
    from .experiment_folder import restore

    exp = restore(Experiment, Path(folder).absolute(), trusted=trusted)
    aml = AutoML(**{k: v for k, v in exp.config.to_dict().items() if k in AutoML().get_params() and k not in ("folder",)})
    aml.folder = str(folder)
    aml.set_params(learners=exp.config.learners, column_transformers=exp.config.column_transformers)  # objects
    aml.show = show
    aml._experiment = exp
    return aml


def _wait(run: Any, exp: Any) -> None:
    """Wait for the run; an interrupt (Ctrl+C, the notebook's stop button) cancels it and
    keeps what finished. A failed run that left no model raises: fit() has nothing to give."""
    try:
        run.wait()
    except KeyboardInterrupt:
        run.cancel()
        run.wait()
    if exp.status == "failed" and exp.outcome.model is None:
        raise RuntimeError(f"the run failed: {exp.error}")
    if exp.status == "failed":  # a model was built, but something of the run broke (e.g. saving it)
        warnings.warn(f"the run failed: {exp.error}", RuntimeWarning, stacklevel=3)


def run_folder_name(root: str | Path | None = None) -> Path:
    """A new experiment folder's path under ``root`` (default ``automl_nb_runs/``): the start
    time and four random hex digits. Not created."""
    return Path(root or DEFAULT_ROOT) / f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"


def _new_folder(folder: str | None) -> Path:
    from .run.store import Store

    if folder is None:
        path = run_folder_name()
    else:
        path = Path(folder)
        if Store.exists(path):
            raise FileExistsError(
                f"folder {str(path)!r} already holds an experiment; open it with an.load({str(path)!r}) "
                "or choose another folder"
            )
    path.mkdir(parents=True, exist_ok=True)
    # absolute: the worker processes may have been started from another working directory
    return path.absolute()
