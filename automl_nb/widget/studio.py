"""Studio: the notebook widget to configure an experiment, run it, and watch it.

A thin anywidget: the traitlets below are the contract with the browser (``js/CONTRACT.md``),
the methods are the actions. The engine runs in its own driver thread and worker processes;
:class:`~automl_nb.widget.bridge.Bridge` turns its events into trait snapshots, and slow
work the widget does itself (data checks before a run, plots of a trial) runs in short
background threads, so the kernel stays free for the next cell and for button clicks.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from pathlib import Path
from typing import Any

import anywidget
import pandas as pd
import traitlets

from ..config import TASKS, VALIDATIONS, ConfigError, ExperimentConfig
from ..data.prepare import DataError, infer_task
from . import static_html
from .bridge import (
    Bridge,
    data_info,
    featurization_records,
    guardrail_records,
    jsonable,
    trial_details,
)

log = logging.getLogger("automl_nb")

_STATIC = Path(__file__).parent / "static"
_FALLBACK_ESM = """
export default { render({ el }) {
  el.textContent = "automl_nb Studio: the front end is not built (run `npm run build` in js/).";
} };
"""

#: settings the browser edits (the ``config`` trait)
CONFIG_KEYS = ("task", "metric", "time_budget", "max_trials", "validation", "n_folds",
               "allowed_learners", "blocked_learners", "drop_columns", "ensemble", "seed",
               "time_column", "horizon", "series_id", "frequency", "season_length", "country_holidays",
               "n_windows")
FORECAST_KEYS = ("time_column", "horizon", "series_id", "frequency", "season_length", "country_holidays",
                 "n_windows")
#: settings only Python sets: where and how the engine runs
ENGINE_KEYS = ("n_jobs", "folder", "trial_timeout", "memory_limit_mb")
_NAME_LISTS = ("allowed_learners", "blocked_learners", "drop_columns")
#: settings that change what the data checks and the featurization see
_DATA_KEYS = ("task", "drop_columns", "validation", "n_folds", "seed", *FORECAST_KEYS)
FEATURIZATION_ROWS = 5000
DEFAULT_RUNS_FOLDER = "automl_nb_runs"


STATIC_WAIT_SECONDS = 10.0
_KEEP: Any = object()  # Studio.explain: "leave this setting as it is"


class Studio(anywidget.AnyWidget):
    """Configure, run and watch an AutoML experiment on a DataFrame, in the notebook.

    Parameters
    ----------
    df : the data: features and the target column.
    target : the column to predict; it can also be chosen in the widget.
    **config : the starting settings — ``task``, ``metric``, ``time_budget``, ``max_trials``,
        ``validation``, ``n_folds``, ``allowed_learners``, ``blocked_learners``,
        ``drop_columns``, ``ensemble``, ``seed`` (as for :class:`~automl_nb.AutoML`; invalid
        values show in ``config_errors``) — and ``n_jobs``, ``trial_timeout``,
        ``memory_limit_mb`` and ``folder`` (the folder in which each run gets its own
        experiment folder; default ``automl_nb_runs/``).

    Raises
    ------
    DataError
        ``df`` is not a pandas DataFrame. Other problems with the data (no rows, repeated
        column names) do not raise: they show in ``error`` and a run is refused.

    Examples
    --------
    >>> studio = an.Studio(df, target="churn", time_budget=60)   # doctest: +SKIP
    >>> studio                                                    # doctest: +SKIP
    >>> studio.run(); studio.automl.predict(new_df)               # doctest: +SKIP
    """

    # studio.js injects its own stylesheet (scoped under .automl-nb-studio): no _css, so the
    # same CSS is not sent and loaded twice
    _esm = _STATIC / "studio.js" if (_STATIC / "studio.js").is_file() else _FALLBACK_ESM

    phase = traitlets.Unicode("configuring").tag(sync=True)
    read_only = traitlets.Bool(False).tag(sync=True)
    data_info = traitlets.Dict().tag(sync=True)
    target = traitlets.Unicode("").tag(sync=True)
    config = traitlets.Dict().tag(sync=True)
    choices = traitlets.Dict().tag(sync=True)
    config_errors = traitlets.Dict().tag(sync=True)
    status = traitlets.Dict().tag(sync=True)
    leaderboard = traitlets.List().tag(sync=True)
    history = traitlets.List().tag(sync=True)
    guardrails = traitlets.List().tag(sync=True)
    featurization = traitlets.List().tag(sync=True)
    trial_details = traitlets.Dict().tag(sync=True)
    best = traitlets.Dict().tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    explanation = traitlets.Dict().tag(sync=True)
    forecast = traitlets.Dict().tag(sync=True)

    #: explain the final model in the background when a run ends (the Explanations panel)
    auto_explain = True

    def __init__(self, df: Any, target: str | None = None, **config: Any) -> None:
        if not isinstance(df, pd.DataFrame):
            raise DataError(f"Studio needs a pandas DataFrame, got {type(df).__name__}; "
                            "for arrays use AutoML().fit(X, y)")
        unknown = [k for k in config if k not in CONFIG_KEYS + ENGINE_KEYS]
        if unknown:
            raise ConfigError(f"Studio got unknown setting(s) {unknown}; valid: {', '.join(CONFIG_KEYS + ENGINE_KEYS)}")
        super().__init__()
        self._setup()
        self._engine_settings = {k: config[k] for k in ENGINE_KEYS if k in config}
        if not all(isinstance(c, str) for c in df.columns):  # the target trait is a string
            df = df.set_axis([str(c) for c in df.columns], axis=1)
        self._df = df
        problem = _data_problem(df)
        with self._write_lock, self.hold_sync():
            self.choices = {**_choices(), "time_columns": [] if problem else _time_columns(df)}
            self.config = _normalized(config)
            if problem:
                self._data_error = problem
                self.error = problem
            else:
                from ..data.profile import profile_frame

                self.data_info = data_info(df, profile_frame(df))
        self.observe(self._on_settings, names=["target", "config"])
        if target:
            self.target = str(target)  # validates
        else:
            self._validate()

    @classmethod
    def for_experiment(cls, experiment: Any, *, read_only: bool = True, target: str = "",
                       run: Any = None, automl: Any = None) -> Studio:
        """A Studio that follows an experiment started elsewhere (``AutoML.fit``/``start``/``load``).

        With ``read_only`` the browser shows progress and results, no settings or Run button;
        pause/resume/cancel/extend still act on ``run`` when one is given.
        """
        self = cls.__new__(cls)
        super(Studio, self).__init__()
        self._setup()
        self._df = None
        self._run, self.automl = run, automl
        p = experiment.prepared
        from ..metrics import default_metric

        choices = _choices()
        choices.update(inferred_task=p.task, task_reason=p.task_reason, default_metric=default_metric(p.task))
        with self._write_lock, self.hold_sync():
            self.read_only = read_only
            self.target = str(target or "")
            self.choices = choices
            self.config = _normalized({k: v for k, v in experiment.config.to_dict().items() if k in CONFIG_KEYS})
            if experiment.profile is not None and hasattr(p, "X"):
                self.data_info = data_info(p.X, experiment.profile)
            self.phase = "profiling"
        self._follow(experiment)
        return self

    def _setup(self) -> None:
        self._write_lock = threading.RLock()
        self._df: pd.DataFrame | None = None
        self._data_error = ""
        self._engine_settings: dict[str, Any] = {}
        self._prepared_key: tuple | None = None
        self._prepared: Any = None
        self._checks_key: tuple | None = None
        self._generation = 0  # bumps when the data checks' inputs change; stale threads drop out
        self._selection = 0
        self._validation_error = ""
        self._experiment: Any = None
        self._run: Any = None
        self._bridge: Bridge | None = None
        self._display_id: str | None = None
        self._explain_lock = threading.Lock()  # one SHAP computation at a time
        self._explain_cache: tuple[int | None, Any] | None = None  # (trial_id, Explanation)
        self._explain_view: dict[str, Any] = {"space": "raw", "feature": None, "row": 0}
        self._explain_trial: int | None = None
        self._explain_gen = 0  # bumps with every request; stale threads do not write
        self._future_X: Any = None  # exogenous values of the forecast steps (show_forecast)
        #: the :class:`~automl_nb.AutoML` of the latest run (predict, save, explain with it)
        self.automl: Any = None
        self.on_msg(self._on_custom_msg)

    # ---- settings → validation, task inference, data checks ----------------------------------

    def _on_settings(self, change: dict) -> None:
        if change["name"] == "config":
            normalized = _normalized(change["new"])
            if normalized != change["new"]:
                self.config = normalized  # fires this observer again, with the normalized dict
                return
        self._validate()

    def _validate(self) -> None:
        """Check ``target`` + ``config`` the way the engine will; fill ``config_errors`` and the
        inferred task at once, and start the data checks in the background."""
        if self._df is None:
            return
        from ..metrics import default_metric, get_metric

        config = dict(self.config)
        errors = settings_errors(config)
        target = self.target
        inferred = reason = ""
        prepared = None
        target_error = ""
        if target and not self._data_error:
            column = self._df[target] if target in self._df.columns else None
            if config.get("task") == "forecast":
                inferred, reason = "forecast", "set by you: forecast the target along the time column"
            elif column is not None:
                try:
                    inferred, reason = infer_task(column)
                except Exception:  # a column infer_task cannot read: prepare says why below
                    pass
            try:
                if config.get("task") == "forecast" and any(k in errors for k in ("time_column", "horizon")):
                    raise ConfigError(errors.get("time_column") or errors["horizon"])
                prepared = self._prepare(target, _effective(config), errors)
                if prepared.task == "regression" and column is not None and column.nunique() == 1:
                    # the engine accepts a constant numeric target; nothing can be learned from it
                    prepared = None
                    raise DataError(f"the target {target!r} holds a single value ({column.dropna().iloc[0]!r}): "
                                    "there is nothing to predict; choose another column")
            except ValueError as exc:  # DataError and ConfigError are ValueErrors
                field = _field_of(str(exc), default="target")
                errors.setdefault(field, str(exc))
                if field == "target":
                    target_error = str(exc)
            if prepared is not None and config.get("metric") not in (None, "auto") and "metric" not in errors:
                try:
                    get_metric(config["metric"], prepared.task)
                except ValueError as exc:
                    errors["metric"] = str(exc)
        task = prepared.task if prepared is not None else (
            config.get("task") if config.get("task") in TASKS else inferred)
        defaults = {}
        if config.get("task") == "forecast":
            from ..forecast.prepare import guess_defaults

            defaults = guess_defaults(self._df, config.get("time_column"), config.get("series_id"))
        with self._write_lock, self.hold_sync():
            self.choices = {**self.choices, "inferred_task": inferred, "task_reason": reason,
                            "default_metric": default_metric(task) if task in TASKS else "",
                            "forecast_defaults": defaults}
            self.config_errors = errors
            if target_error:
                self.error = self._validation_error = target_error
            elif self._validation_error and self.error == self._validation_error:
                self.error = self._validation_error = ""
            data_ok = prepared is not None and not any(k in errors for k in ("target", *_DATA_KEYS))
            if not data_ok and not self._running():
                self._checks_key = None
                self._generation += 1
                self.guardrails, self.featurization = [], []
        if data_ok and not self._running():
            self._start_checks(prepared, config)

    def _prepare(self, target: str, config: dict[str, Any], errors: dict[str, str]) -> Any:
        """The engine's own preparation of the data (cached while its inputs stay the same)."""
        from ..data.prepare import prepare

        if config.get("task") == "forecast":
            from ..forecast.prepare import prepare_series

            keys = ("task", "drop_columns", "metric", *FORECAST_KEYS)
            safe = {k: config[k] for k in keys if k not in errors and k in config}
            key = (target, *(repr(safe.get(k)) for k in keys))
            if key != self._prepared_key:
                self._prepared = prepare_series(self._df, target, _experiment_config(safe).validate())
                self._prepared_key = key
            return self._prepared
        safe = {k: config[k] for k in ("task", "drop_columns") if k not in errors and k in config}
        key = (target, safe.get("task"), tuple(safe.get("drop_columns") or ()))
        if key != self._prepared_key:
            self._prepared = prepare(self._df, target, _experiment_config(safe))
            self._prepared_key = key
        return self._prepared

    def _start_checks(self, prepared: Any, config: dict[str, Any]) -> None:
        key = (self.target, *(repr(config.get(k)) for k in _DATA_KEYS))
        if key == self._checks_key:
            return
        self._checks_key = key
        self._generation += 1
        self._checks_thread = threading.Thread(
            target=self._run_checks, args=(self._generation, prepared, _experiment_config(config)),
            name="automl_nb-studio-checks", daemon=True)
        self._checks_thread.start()

    def _run_checks(self, generation: int, p: Any, config: ExperimentConfig) -> None:
        """Guardrails and the featurization summary before the search (background thread)."""
        from ..data.guardrails import check_data
        from ..data.profile import profile_frame
        from ..data.validation import resolve_validation
        from ..featurize.plan import build_featurizer, featurization_summary

        try:
            if p.task == "forecast":
                from ..forecast.guardrails import check_series
                from ..forecast.records import featurization_records_forecast

                guardrails = guardrail_records(check_series(p.panel, p.info, p.horizon))
                featurization = featurization_records_forecast(p.panel, p.info, p.horizon)
                with self._write_lock, self.hold_sync():
                    if generation == self._generation and not self._running():
                        self.guardrails, self.featurization = guardrails, featurization
                return
            profile = profile_frame(p.X)
            plan = resolve_validation(config, p.task, p.n_train, has_groups=False, has_validation_data=False)
            checks = check_data(
                p.X, pd.Series(p.y_original), profile, p.task, n_missing_target=p.n_missing_target,
                inf_columns=p.inf_columns, validation=plan.description, n_folds=plan.n_folds,
                seed=config.seed, time_limit=2.0,
            )
            n = min(len(p.X), FEATURIZATION_ROWS)
            feat = build_featurizer(profile, "gbm", p.task, config.seed).fit(p.X.iloc[:n], p.y[:n])
            guardrails = guardrail_records(checks)
            featurization = featurization_records(featurization_summary(feat, profile))
        except Exception as exc:
            log.exception("automl_nb studio: data checks failed")
            guardrails, featurization = [], []
            message = f"could not check the data: {type(exc).__name__}: {exc}"
            with self._write_lock:
                if generation == self._generation:
                    self.error = message
            return
        with self._write_lock, self.hold_sync():
            if generation == self._generation and not self._running():
                self.guardrails = guardrails
                self.featurization = featurization

    # ---- actions (the browser's messages call these) ----------------------------------------

    def run(self) -> Any:
        """Start a run with ``target`` + ``config``; returns the :class:`~automl_nb.Run` at once.

        Raises ConfigError/DataError when the settings or data are refused and RuntimeError
        while a run is going (the browser sees the message in ``error``).
        """
        from ..automl import AutoML

        if self.read_only or self._df is None:
            raise RuntimeError("this Studio only shows a run started elsewhere; it cannot start one")
        if self._running():
            raise RuntimeError("a run is already going; cancel it or wait for it to end")
        if self._data_error:
            raise DataError(self._data_error)
        if not self.target:
            raise ConfigError("choose the target column to predict first")
        self._validate()
        if self.config_errors:
            raise ConfigError("fix the settings first: " + "; ".join(f"{k}: {v}" for k, v in self.config_errors.items()))
        settings = {k: v for k, v in _effective(self.config).items() if k in CONFIG_KEYS}
        engine = dict(self._engine_settings)
        root = Path(engine.pop("folder", None) or DEFAULT_RUNS_FOLDER)
        folder = root / f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"
        aml = AutoML(**settings, **engine, folder=folder, show=False)
        with self._write_lock, self.hold_sync():
            self._generation += 1  # data checks still computing belong to the settings, not the run
            self._checks_key = None
            self.phase = "profiling"
            self.error = ""
            self.leaderboard, self.history, self.best, self.trial_details = [], [], {}, {}
            self.status = {}
            self.explanation = {}
            self.forecast = {}
            self._explain_cache, self._explain_trial = None, None
            self._explain_gen += 1
        try:
            run = aml.start(self._df, self.target)
        except Exception as exc:
            with self._write_lock, self.hold_sync():
                self.phase = "configuring"
                self.error = f"{type(exc).__name__}: {exc}" if not isinstance(exc, ValueError) else str(exc)
            raise
        self.automl, self._run = aml, run
        self._follow(aml._experiment)
        return run

    def pause(self) -> None:
        """Start no new trials (running ones finish); the budget clock stops."""
        self._require_run().pause()

    def resume(self) -> None:
        self._require_run().resume()

    def cancel(self) -> None:
        """Stop the search now; finished trials are kept and the best is refit."""
        self._require_run().cancel()

    def extend(self, seconds: float) -> None:
        """Give the running search ``seconds`` more."""
        self._require_run().extend(float(seconds))

    def test(self, X: Any, y: Any) -> Any:
        """Test the final model on held-out data; the scores and plots show in the details
        panel (as for a trial) and come back as a :class:`~automl_nb.testing.TestReport`."""
        from .bridge import jsonable

        if self.automl is None:
            raise RuntimeError("no model yet: run first")
        report = self.automl.test(X, y)
        self.trial_details = jsonable({
            "trial_id": None, "learner": f"final model · held-out test on {report.n_rows:,} rows",
            "params": {}, "fold_scores": [], "metrics": report.metrics, "fit_seconds": None,
            "predict_seconds": None, "duration": None, "status": "ok", "error": "", "plots": report.plots,
        })
        return report

    def select_trial(self, trial_id: int | None) -> None:
        """Fill ``trial_details`` for a trial (``None``: the ensemble), plots included; the
        plots are computed in a background thread."""
        exp = self._experiment
        if exp is None:
            raise RuntimeError("no run yet: there are no trials to show")
        tid = None if trial_id is None else int(trial_id)
        if tid is not None and tid not in exp.results:
            raise ValueError(f"there is no finished trial {tid}")
        self._selection += 1
        threading.Thread(target=self._fill_details, args=(self._selection, exp, tid),
                         name="automl_nb-studio-details", daemon=True).start()

    def _fill_details(self, selection: int, exp: Any, tid: int | None) -> None:
        try:
            details = trial_details(exp, tid)
            message = ""
        except Exception as exc:
            log.exception("automl_nb studio: trial details failed")
            details, message = {}, f"could not show trial {tid}: {type(exc).__name__}: {exc}"
        with self._write_lock, self.hold_sync():
            if selection == self._selection:
                self.trial_details = details
                if message:
                    self.error = message

    def explain(self, trial_id: Any = _KEEP, feature: Any = _KEEP, row: Any = _KEEP, space: Any = _KEEP) -> None:
        """Fill ``explanation`` (SHAP values, see :meth:`AutoML.explain`) in a background thread.

        ``trial_id``: the trial to explain (None: the final model; left out: the one shown);
        ``feature``: the dependence plot's feature; ``row``: the waterfall's row; ``space``:
        "raw" or "engineered". SHAP values are computed once per trial and then resliced.
        """
        from .explanations import SPACES

        if self.automl is None or self._experiment is None:
            raise RuntimeError("no model yet: explanations need a finished run")
        view = dict(self._explain_view)
        if space is not _KEEP:
            if space not in SPACES:
                raise ValueError(f"space must be one of {', '.join(SPACES)}, got {space!r}")
            view["space"] = space
        if feature is not _KEEP:
            view["feature"] = None if feature is None else str(feature)
        if row is not _KEEP:
            try:
                view["row"] = max(0, int(row))
            except (TypeError, ValueError):
                raise ValueError(f"row must be a row number, got {row!r}") from None
        tid = self._explain_trial if trial_id is _KEEP else (None if trial_id is None else int(trial_id))
        if tid is not None and tid not in self._experiment.results:
            raise ValueError(f"there is no finished trial {tid}")
        with self._write_lock:
            self._explain_view, self._explain_trial = view, tid
            self._explain_gen += 1
            gen = self._explain_gen
        threading.Thread(target=self._fill_explanation, args=(gen, self.automl, tid, view),
                         name="automl_nb-studio-explain", daemon=True).start()

    def _fill_explanation(self, gen: int, aml: Any, tid: int | None, view: dict[str, Any]) -> None:
        from .explanations import explanation_payload

        try:
            with self._explain_lock:
                cached = self._explain_cache
                if cached is not None and cached[0] == tid:
                    exp = cached[1]
                else:
                    if gen != self._explain_gen:  # superseded before it started
                        return
                    with self._write_lock:
                        current = dict(self.explanation)
                        self.explanation = ({**current, "computing": True} if current.get("importance")
                                            else {"trial_id": tid, "computing": True})
                    exp = aml.explain(trial=tid)
                    self._explain_cache = (tid, exp)
            payload = explanation_payload(exp, **view)
        except Exception as exc:
            log.exception("automl_nb studio: explanation failed")
            what = "the final model" if tid is None else f"trial {tid}"
            with self._write_lock, self.hold_sync():
                if gen == self._explain_gen:
                    current = {k: v for k, v in self.explanation.items() if k != "computing"}
                    self.explanation = current if current.get("importance") else {}
                    self.error = f"could not explain {what}: {type(exc).__name__}: {exc}"
            return
        with self._write_lock:
            if gen == self._explain_gen:
                self.explanation = payload

    def _auto_explain(self) -> None:
        """Explain the final model once a run has one (in the background)."""
        exp = self._experiment
        if not self.auto_explain or self.automl is None or exp is None or exp.outcome.model is None:
            return
        if self._explain_cache is not None or self.explanation:
            return
        if not _fast_to_explain(exp.outcome.model):
            return  # model-agnostic SHAP costs ~10 s of CPU: only on request (the Explain button)
        try:
            self.explain(trial_id=None)
        except Exception:
            log.exception("automl_nb studio: automatic explanation failed")

    def _on_run_end(self) -> None:
        try:
            self._refresh_display()
        finally:
            self._after_end()

    def _after_end(self) -> None:
        """Once a run has its final model: the forecast (forecasting) or the explanations."""
        if self._experiment is not None and self._experiment.prepared.task == "forecast":
            self._show_forecast_safely()
        else:
            self._auto_explain()

    # ---- forecasting --------------------------------------------------------------------------

    def show_forecast(self, X: Any = None, series_id: Any = None) -> None:
        """Fill the ``forecast`` trait (the Forecast panel): history, the final model's backtest
        windows and the forecast with its interval for one series. ``X`` holds the exogenous
        columns' values for the forecast steps when the model uses any (kept for later calls)."""
        exp, aml = self._experiment, self.automl
        if exp is None or exp.prepared.task != "forecast" or exp.outcome.model is None:
            raise RuntimeError("no forecast yet: run a forecasting experiment first")
        from ..forecast.records import forecast_trait

        if X is not None:
            self._future_X = X
        X = self._future_X
        sid = self.forecast.get("series_id") if series_id is None else str(series_id)
        note = ""
        if exp.prepared.info.exog_columns and X is None:
            frame = None
            note = (f"the model uses exogenous columns {exp.prepared.info.exog_columns}: "
                    "studio.show_forecast(X_future) draws the forecast")
        elif aml is not None:
            frame = aml.predict(X)
        else:
            from ..forecast.prepare import future_exog

            model = exp.outcome.model
            frame = model.forecast(future_exog(model.panel, exp.prepared.info, X, model.horizon))
        payload = forecast_trait(exp, frame, sid, note)
        with self._write_lock:
            self.forecast = payload

    def _show_forecast_safely(self) -> None:
        try:
            if self._experiment.outcome.model is not None:
                self.show_forecast()
        except Exception as exc:
            log.exception("automl_nb studio: forecast view failed")
            with self._write_lock:
                self.error = f"could not show the forecast: {type(exc).__name__}: {exc}"

    def _require_run(self) -> Any:
        if self._run is None or self._run.done():
            raise RuntimeError("no run is going")
        return self._run

    def _running(self) -> bool:
        """A run is followed and its final state has not been pushed yet."""
        return self._bridge is not None and not self._bridge.ended

    def _on_custom_msg(self, _widget: Any, content: Any, _buffers: Any = None) -> None:
        """Messages from the browser (``model.send``): ``{type: run|pause|resume|cancel|
        extend|select_trial|explain, ...}``. A refused action puts its reason in ``error``."""
        kind = content.get("type") if isinstance(content, dict) else None
        actions = {
            "run": self.run, "pause": self.pause, "resume": self.resume, "cancel": self.cancel,
            "extend": lambda: self.extend(content.get("seconds", 0)),
            "select_trial": lambda: self.select_trial(content.get("trial_id")),
            "explain": lambda: self.explain(**{k: content[k] for k in ("trial_id", "feature", "row", "space")
                                               if k in content}),
            "forecast_series": lambda: self.show_forecast(series_id=content.get("series_id")),
        }
        try:
            if kind not in actions:
                raise ValueError(f"unknown message {content!r}; expected a type among {', '.join(actions)}")
            actions[kind]()
        except Exception as exc:
            with self._write_lock:
                self.error = str(exc) if isinstance(exc, (ValueError, RuntimeError)) else f"{type(exc).__name__}: {exc}"
            return
        if kind not in ("select_trial", "explain", "forecast_series") and self.error and self.error != self._validation_error:
            with self._write_lock:
                self.error = ""

    # ---- following a run ------------------------------------------------------------------------

    def _follow(self, experiment: Any) -> None:
        if getattr(self, "_bridge", None) is not None:
            self._bridge.close()
        self._experiment = experiment
        self._bridge = Bridge(self, experiment, on_end=self._on_run_end).attach()
        if self._bridge.ended:  # it had ended before: no end-of-run callback comes
            self._after_end()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run has ended and its final state reached the widget; False on timeout."""
        return self._bridge.wait_final(timeout) if self._bridge is not None else True

    def close(self) -> None:
        if getattr(self, "_bridge", None) is not None:
            self._bridge.close()
        super().close()

    # ---- static rendering -------------------------------------------------------------------------

    def static_html(self) -> str:
        """The widget's state as self-contained HTML (what nbconvert, GitHub and nbviewer show)."""
        names = ("phase", "status", "best", "leaderboard", "guardrails", "featurization", "target",
                 "error", "data_info", "explanation")
        return static_html.render({n: getattr(self, n) for n in names})

    _checks_thread: threading.Thread | None = None

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        # the static summary saved in the notebook should hold the guardrails and the
        # featurization: give the pre-run checks a moment to finish (the live view is unaffected)
        if self._checks_thread is not None and self._checks_thread is not threading.current_thread():
            self._checks_thread.join(timeout=STATIC_WAIT_SECONDS)
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        return {**data, "text/html": self.static_html()}, metadata

    def _ipython_display_(self) -> None:
        # shown with a display id so the static HTML can be refreshed when a run ends
        from IPython.display import display

        data, metadata = self._repr_mimebundle_()
        self._display_id = self._display_id or f"automl-nb-studio-{self.model_id}"
        display(data, raw=True, metadata=metadata, display_id=self._display_id)

    def _refresh_display(self) -> None:
        """At the end of a run: the saved notebook's static HTML shows the final state."""
        if self._display_id is None:
            return
        from IPython.display import update_display

        data, metadata = self._repr_mimebundle_()
        update_display(data, raw=True, metadata=metadata, display_id=self._display_id)


def _fast_to_explain(model: Any) -> bool:
    """Whether the final model has an exact, fast explainer (trees, linear models)."""
    estimator = getattr(model, "named_steps", {}).get("model")
    return type(estimator).__name__.startswith((
        "LGBM", "RandomForest", "ExtraTrees", "HistGradientBoosting", "LogisticRegression",
        "Ridge", "ElasticNet", "TransformedTargetRegressor",
    ))


# ---- settings ----------------------------------------------------------------------------------


def settings_errors(config: dict[str, Any]) -> dict[str, str]:
    """``{field: message}`` for the settings alone (the target is checked elsewhere).

    Each field is checked on its own first, so every bad field is named at once; then the
    combinations (metric vs task, allowed vs blocked learners).
    """
    errors = {k: f"unknown setting {k!r}; valid: {', '.join(CONFIG_KEYS)}" for k in config if k not in CONFIG_KEYS}
    forecast = config.get("task") == "forecast"
    config = _effective(config)
    for key in CONFIG_KEYS:
        if key not in config:
            continue
        value = config[key]
        if key == "ensemble" and not isinstance(value, bool):
            errors[key] = f"ensemble must be true or false, got {value!r}"
            continue
        if key in FORECAST_KEYS and not forecast:
            continue  # not used: _effective left the default
        alone = {key: value}
        if forecast:
            # checked in a forecasting context: the other required settings as placeholders
            alone = {"task": "forecast", "time_column": "t", "horizon": 1, **alone}
        try:
            _experiment_config(alone).validate()
        except (ValueError, TypeError) as exc:
            errors[key] = str(exc)
    if not errors:
        try:
            _experiment_config(config).validate()
        except (ValueError, TypeError) as exc:
            errors[_field_of(str(exc), default="task")] = str(exc)
    return errors


def _effective(config: dict[str, Any]) -> dict[str, Any]:
    """The settings that apply: forecasting's only with task "forecast", tabular validation's
    only without it."""
    if config.get("task") == "forecast":
        return {k: v for k, v in config.items() if k not in ("validation", "n_folds")}
    defaults = ExperimentConfig()
    return {k: (getattr(defaults, k) if k in FORECAST_KEYS else v) for k, v in config.items()}


def _experiment_config(settings: dict[str, Any]) -> ExperimentConfig:
    d = {k: v for k, v in settings.items() if k in CONFIG_KEYS}
    for k in _NAME_LISTS:
        if isinstance(d.get(k), list):
            d[k] = tuple(d[k])
    if d.get("blocked_learners", ()) is None:
        d["blocked_learners"] = ()
    if d.get("drop_columns", ()) is None:
        d["drop_columns"] = ()
    return ExperimentConfig.from_flat(**d)


def _normalized(config: dict[str, Any]) -> dict[str, Any]:
    """The ``config`` trait: every contract key present (defaults fill gaps), JSON-safe.
    Unknown keys stay, so that validation names them."""
    defaults = {k: v for k, v in ExperimentConfig().to_dict().items() if k in CONFIG_KEYS}
    given = {k: v for k, v in config.items() if k not in ENGINE_KEYS and k != "extra"}
    return jsonable({**defaults, **given})


def _field_of(message: str, default: str) -> str:
    """The setting an engine error message is about: the one it names first."""
    found = [(message.find(k), k) for k in ("target", *CONFIG_KEYS) if k in message]
    return min(found)[1] if found else default


def _choices() -> dict[str, Any]:
    from ..learners import LEARNERS
    from ..metrics import METRICS

    return {
        "tasks": ["auto", *TASKS],
        "metrics": {t: [m for m, spec in METRICS.items() if t in spec.tasks] for t in TASKS},
        "learners": [
            {"name": name, "description": spec.description, "tasks": sorted(spec.tasks),
             "available": spec.available()}
            for name, spec in LEARNERS.items()
        ],
        "validations": list(VALIDATIONS),
        "inferred_task": "",
        "task_reason": "",
        "default_metric": "",
    }


def _time_columns(df: pd.DataFrame) -> list[str]:
    """Columns that hold timestamps, or text that parses as dates (checked on a sample)."""
    out = []
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_datetime64_any_dtype(s) or isinstance(s.dtype, pd.PeriodDtype):
            out.append(str(c))
        elif pd.api.types.is_string_dtype(s) or s.dtype == object:
            sample = s.dropna().astype(str).head(50)
            if len(sample) and pd.to_datetime(sample, errors="coerce", format="mixed").notna().all():
                out.append(str(c))
    return out


def _data_problem(df: pd.DataFrame) -> str:
    """Why a frame cannot be used at all, or ``""``."""
    if df.shape[1] == 0:
        return "the DataFrame has no columns"
    if len(df) == 0:
        return "the DataFrame is empty: it has no rows"
    if df.columns.has_duplicates:
        dupes = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        return f"the DataFrame has duplicate column names {dupes}; rename them so every column is unique"
    return ""
