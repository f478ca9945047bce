"""Studio: the notebook widget to configure an experiment on a DataFrame, run it, and watch it.

The :class:`~automl_nb.widget.view.StudioView` it extends follows the run; the Studio adds
the data, the settings form — checked the way the engine will check it
(:mod:`automl_nb.widget.form`), the data prepared by the chosen task and its checks before
a run (:mod:`automl_nb.widget.checks`) — and :meth:`Studio.run`, which starts an
:class:`~automl_nb.AutoML`.

It composes the facade and the widget, so it sits above both: the facade shows a
``StudioView`` (``AutoML.fit``/``studio()``), and nothing under ``widget/`` imports the facade.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .config import TASKS
from .data.prepare import infer_task
from .errors import ConfigError, DataError
from .widget.checks import PreRunChecks
from .widget.form import (
    BROWSER_SETTINGS,
    CHECKED_SETTINGS,
    PREPARED_SETTINGS,
    PYTHON_SETTINGS,
    choices,
    config_from,
    data_problem,
    effective,
    error_field,
    normalized,
    settings_errors,
    task_for,
    time_columns,
)
from .widget.records import data_info
from .widget.view import StudioView


class Studio(StudioView):
    """Configure, run and watch an AutoML experiment on a DataFrame, in the notebook.

    Parameters
    ----------
    df : the data: features and the target column.
    target : the column to predict; it can also be chosen in the widget.
    **config : the starting settings — those the form edits (``task``, ``metric``,
        ``time_budget``, ``max_trials``, ``validation``, ``n_folds``, ``allowed_learners``,
        ``blocked_learners``, ``drop_columns``, ``ensemble``, ``seed`` and forecasting's
        ``time_column``, ``horizon``... as for :class:`~automl_nb.AutoML`; invalid values show
        in ``config_errors``) — and those only Python sets (``n_jobs``, ``trial_timeout``,
        ``memory_limit_mb``...; ``folder``: the folder in which each run gets its own
        experiment folder, default ``automl_nb_runs/``).

    Raises
    ------
    DataError
        ``df`` is not a table (pandas, or polars / pyarrow: converted once). Other problems with the data (no rows, repeated
        column names) do not raise: they show in ``error`` and a run is refused.

    Examples
    --------
    >>> studio = an.Studio(df, target="churn", time_budget=60)   # doctest: +SKIP
    >>> studio                                                    # doctest: +SKIP
    >>> studio.run(); studio.automl.predict(new_df)               # doctest: +SKIP
    """

    def __init__(self, df: Any, target: str | None = None, **config: Any) -> None:
        if not isinstance(df, pd.DataFrame):
            if (converted := _table(df)) is None:
                raise DataError(f"Studio needs a pandas DataFrame (or a polars / pyarrow table), got "
                                f"{type(df).__name__}; for arrays use AutoML().fit(X, y)")
            df = converted
        valid = (*BROWSER_SETTINGS, *PYTHON_SETTINGS)
        unknown = [k for k in config if k not in valid]
        if unknown:
            raise ConfigError(f"Studio got unknown setting(s) {unknown}; valid: {', '.join(valid)}", field=unknown[0])
        super().__init__()
        self._engine_settings = {k: config[k] for k in PYTHON_SETTINGS if k in config}
        if not all(isinstance(c, str) for c in df.columns):  # the target trait is a string
            df = df.set_axis([str(c) for c in df.columns], axis=1)
        self._df = df
        problem = data_problem(df)
        with self._write_lock, self.hold_sync():
            self.choices = {**choices(), "time_columns": [] if problem else time_columns(df)}
            self.config = normalized(config)
            if problem:
                self._data_error = problem
                self.error = problem
            else:
                from .data.profile import profile_frame

                self.data_info = data_info(df, profile_frame(df))
        self.observe(self._on_settings, names=["target", "config"])
        if target:
            self.target = str(target)  # validates
        else:
            self._validate()

    def _setup(self) -> None:
        super()._setup()
        self._df: pd.DataFrame | None = None
        self._data_error = ""
        self._engine_settings: dict[str, Any] = {}
        self._prepared_key: tuple | None = None
        self._prepared: Any = None
        self._checks = PreRunChecks(self)

    # ---- settings → validation, task inference, data checks ----------------------------------

    def _on_settings(self, change: dict) -> None:
        if change["name"] == "config":
            normal = normalized(change["new"])
            if normal != change["new"]:
                self.config = normal  # fires this observer again, with the normalized dict
                return
        self._validate()

    def _settings(self) -> dict[str, Any]:
        """The settings that apply, the form's with the Python-only ones (but ``folder``)."""
        engine = {k: v for k, v in self._engine_settings.items() if k != "folder"}
        return effective({**engine, **self.config})

    def _validate(self) -> None:
        """Check ``target`` + ``config`` the way the engine will; fill ``config_errors`` and the
        inferred task at once, and start the data checks in the background."""
        if self._df is None:
            return
        from .metrics import default_metric, get_metric

        config = dict(self.config)
        errors = settings_errors(config)
        settings = self._settings()
        target = self.target
        inferred = reason = ""
        prepared = None
        target_error = ""
        if target and not self._data_error:
            try:
                prepared = self._prepare(target, settings, errors)
            except ValueError as exc:  # DataError and ConfigError are ValueErrors
                field = error_field(exc)
                errors.setdefault(field, str(exc))
                if field == "target":
                    target_error = str(exc)
            if prepared is not None:
                inferred, reason = prepared.task, prepared.task_reason
            elif target in self._df.columns:
                try:
                    inferred, reason = infer_task(self._df[target])
                except Exception:  # a column infer_task cannot read: the preparation said why
                    pass
            if prepared is not None and config.get("metric") not in (None, "auto") and "metric" not in errors:
                try:
                    get_metric(config["metric"], prepared.task)
                except ValueError as exc:
                    errors["metric"] = str(exc)
        problem_type = prepared.task if prepared is not None else (
            config.get("task") if config.get("task") in TASKS else inferred)
        task = task_for(settings)
        with self._write_lock, self.hold_sync():
            self.choices = {**self.choices, "inferred_task": inferred, "task_reason": reason,
                            "default_metric": default_metric(problem_type) if problem_type in TASKS else "",
                            "forecast_defaults": task.form_defaults(self._df, config)}
            self.config_errors = errors
            if target_error:
                self.error = self._validation_error = target_error
            elif self._validation_error and self.error == self._validation_error:
                self.error = self._validation_error = ""
            data_ok = prepared is not None and not any(k in errors for k in ("target", *CHECKED_SETTINGS))
            if not data_ok and not self._running():
                self._checks.invalidate()
                self.guardrails, self.featurization = [], []
        if data_ok and not self._running():
            key = (target, *(repr(settings.get(k)) for k in CHECKED_SETTINGS))
            self._checks.start(task, prepared, config_from(settings), key)

    def _prepare(self, target: str, settings: dict[str, Any], errors: dict[str, str]) -> Any:
        """The chosen task's own preparation of the data, with the settings it reads that
        are not in error (cached while they stay the same)."""
        safe = {k: v for k, v in settings.items()
                if k not in errors and (k in PREPARED_SETTINGS or k in PYTHON_SETTINGS)}
        key = (target, *(repr(safe.get(k)) for k in PREPARED_SETTINGS))
        if key != self._prepared_key:
            self._prepared = task_for(safe).prepare(self._df, target, config_from(safe).validate())
            self._prepared_key = key
        return self._prepared

    def _settle(self, timeout: float) -> None:
        self._checks.join(timeout)

    # ---- run ------------------------------------------------------------------------------------

    def run(self) -> Any:
        """Start a run with ``target`` + ``config``; returns the :class:`~automl_nb.Run` at once.

        Raises ConfigError/DataError when the settings or data are refused and RuntimeError
        while a run is going (the browser sees the message in ``error``).
        """
        if self.read_only or self._df is None:
            return super().run()
        if self._running():
            raise RuntimeError("a run is already going; cancel it or wait for it to end")
        if self._data_error:
            raise DataError(self._data_error)
        if not self.target:
            raise ConfigError("choose the target column to predict first", field="target")
        self._validate()
        if self.config_errors:
            raise ConfigError("fix the settings first: " + "; ".join(f"{k}: {v}" for k, v in self.config_errors.items()))
        from .automl import AutoML, run_folder_name

        settings = {k: v for k, v in self._settings().items() if k in BROWSER_SETTINGS or k in PYTHON_SETTINGS}
        aml = AutoML(**settings, folder=run_folder_name(self._engine_settings.get("folder")), show=False)
        with self._write_lock, self.hold_sync():
            self._checks.invalidate()  # data checks still computing belong to the settings, not the run
            self.phase = "profiling"
            self.error = ""
            self.leaderboard, self.history, self.best, self.trial_details = [], [], {}, {}
            self.steering = {}
            self.status = {}
            self.explanation = {}
            self.forecast = {}
            self._explanations.reset()
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


def _table(df: Any) -> pd.DataFrame | None:
    """A polars / pyarrow table as pandas, converted once (None for anything else)."""
    from .data.prepare import table_as_frame

    return table_as_frame(df, "df")
