"""ExperimentConfig: every setting of an experiment, validated in one place.

The user's arguments arrive unchanged (as sklearn asks of estimator parameters); `validate`
checks them before any work starts (the data-dependent choices, such as the task of
task="auto" and the validation scheme, are made in :mod:`automl_nb.data`). Each field declares whether the Studio's form
may edit it (:func:`~automl_nb.settings_fields.setting`); a task's own settings form a
group (``forecast``) that the task validates. :class:`ConfigError` carries the field.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from .errors import ConfigError
from .forecast.settings import ForecastSettings
from .settings_fields import browser_fields, is_int, is_number, python_fields, setting
from .task import PROBLEM_TYPES, REGISTRY, implied_problem_type

TASKS = PROBLEM_TYPES
VALIDATIONS = ("auto", "cv", "holdout")

#: the settings groups of tasks: ExperimentConfig field -> its dataclass
TASK_SETTINGS: dict[str, type] = {"forecast": ForecastSettings}
_TUPLES = ("allowed_learners", "blocked_learners", "drop_columns", "lags", "rolling_windows")

__all__ = ["ConfigError", "ExperimentConfig", "ForecastSettings", "TASKS", "VALIDATIONS"]


@dataclass(frozen=True)
class ExperimentConfig:
    task: str = setting("auto")
    metric: str = setting("auto")
    time_budget: float = setting(60.0)
    max_trials: int | None = setting(None)
    #: stop the search once a trial's score reaches this (checked against the metric's range)
    target_score: float | None = setting(None, browser=False)
    seed: int = setting(0)
    validation: str = setting("auto")
    n_folds: int | None = setting(None)
    allowed_learners: tuple[str, ...] | None = setting(None)
    blocked_learners: tuple[str, ...] = setting(())
    drop_columns: tuple[str, ...] = setting(())
    #: True/"greedy", False, "stack" or "auto" (automl_nb.stacking)
    ensemble: bool | str = setting(True)
    n_jobs: int = setting(-1, browser=False)
    folder: str | None = setting(None, browser=False)
    trial_timeout: float | None = setting(None, browser=False)
    memory_limit_mb: float | None = setting(None, browser=False)
    #: "onnx": search only learners and featurization steps that convert to ONNX
    exportable: str | None = setting(None, browser=False)
    #: binary tasks with a metric of labels (f1, accuracy...): tune the decision threshold on
    #: out-of-fold predictions (automl_nb.tabular.threshold); False: cut at 0.5
    tune_threshold: bool = setting(True, browser=False)
    #: your own learners, {name: an.Learner(...)} (automl_nb.learners.custom)
    learners: dict[str, Any] | None = setting(None, browser=False)
    #: featurization overrides (automl_nb.featurize.overrides)
    column_kinds: dict[str, str] | None = setting(None, browser=False)
    column_transformers: dict[str, Any] | None = setting(None, browser=False)
    featurization: str = setting("auto", browser=False)
    forecast: ForecastSettings = field(default_factory=ForecastSettings)
    extra: dict[str, Any] = field(default_factory=dict)

    # ---- the flat view: AutoML's keyword arguments, the store, the Studio's form ---------------

    @classmethod
    def flat_names(cls) -> tuple[str, ...]:
        """Every setting by its flat name (a group's fields by their own names)."""
        own = [f.name for f in fields(cls) if f.name not in TASK_SETTINGS and f.name != "extra"]
        return (*own, *(n for g in TASK_SETTINGS.values() for n in g.field_names()))

    @classmethod
    def browser_names(cls) -> tuple[str, ...]:
        """The settings the Studio's form edits, declared with each field."""
        return (*browser_fields(cls), *(n for g in TASK_SETTINGS.values() for n in browser_fields(g)))

    @classmethod
    def python_names(cls) -> tuple[str, ...]:
        """The settings only Python sets: where and how the engine runs."""
        return (*python_fields(cls), *(n for g in TASK_SETTINGS.values() for n in python_fields(g)))

    @classmethod
    def from_flat(cls, **settings: Any) -> ExperimentConfig:
        """A config from flat settings (``time_column=...`` beside ``task=...``)."""
        groups = {g: {k: settings.pop(k) for k in list(settings) if k in c.field_names()}
                  for g, c in TASK_SETTINGS.items()}
        unknown = [k for k in settings if k not in {f.name for f in fields(cls)}]
        if unknown:
            raise ConfigError(f"unknown setting(s) {unknown}; valid: {', '.join(cls.flat_names())}", field=unknown[0])
        return cls(**settings, **{g: TASK_SETTINGS[g](**v) for g, v in groups.items()})

    @classmethod
    def from_params(cls, **params: Any) -> ExperimentConfig:
        """The validated config of an estimator's parameters (``AutoML.get_params()``), as a
        user writes them: lists for names, ("AU", "VIC") for holidays, task="auto" with a
        task's own settings (forecasting's time_column, horizon) meaning that task."""

        def names(x: Any, arg: str) -> tuple[str, ...] | None:
            if x is None:
                return None
            if isinstance(x, str):
                raise ConfigError(f"{arg} must be a list of names, not the string {x!r}", field=arg)
            return tuple(x)

        def ints(x: Any, arg: str) -> tuple[int, ...] | str:
            if isinstance(x, str) or x is None:
                return x
            try:
                return tuple(x)
            except TypeError:
                raise ConfigError(f"{arg} must be 'auto' or a list of integers, got {x!r}", field=arg) from None

        p = dict(params)
        holidays = p.get("country_holidays")
        if isinstance(holidays, (list, tuple)):
            p["country_holidays"] = "-".join(str(h) for h in holidays)
        for arg in ("allowed_learners", "blocked_learners", "drop_columns"):
            if arg in p:
                p[arg] = names(p[arg], arg)
        for arg in ("blocked_learners", "drop_columns"):
            if arg in p and p[arg] is None:
                p[arg] = ()
        for arg in ("lags", "rolling_windows"):
            if arg in p:
                p[arg] = ints(p[arg], arg)
        if "ensemble" in p and not isinstance(p["ensemble"], str):
            p["ensemble"] = bool(p["ensemble"])  # numpy booleans too; the words are validated
        if p.get("folder") is not None:
            p["folder"] = str(p["folder"])
        config = cls.from_flat(**p)
        return config.replace(task=config.problem_type()).validate()

    def replace(self, **changes: Any) -> ExperimentConfig:
        groups = {g: {k: changes.pop(k) for k in list(changes) if k in c.field_names()}
                  for g, c in TASK_SETTINGS.items()}
        changes.update({g: replace(getattr(self, g), **v) for g, v in groups.items() if v})
        return replace(self, **changes)

    def __getattr__(self, name: str) -> Any:
        # a group's setting read by its flat name: config.horizon is config.forecast.horizon
        for g, c in TASK_SETTINGS.items():
            if name in c.field_names():
                return getattr(self.__dict__[g] if g in self.__dict__ else c(), name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def to_dict(self) -> dict[str, Any]:
        """Flat and JSON-able: what the store keeps and the Studio's form shows."""
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in TASK_SETTINGS}
        d["extra"] = dict(self.extra)
        for g in TASK_SETTINGS:
            d.update(getattr(self, g).to_dict())
        for k in _TUPLES:
            if d[k] is not None and not isinstance(d[k], str):
                d[k] = list(d[k])
        d.update(described_objects(self))  # your learners and transformers, in words
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ExperimentConfig:
        d = dict(d)
        for k in _TUPLES:
            if d.get(k) is not None and not isinstance(d[k], str):
                d[k] = tuple(d[k])
        return cls.from_flat(**d)

    def validate(self) -> ExperimentConfig:
        """Check every setting; raise :class:`ConfigError` naming the first bad one (``.field``)."""
        from .featurize.overrides import check_settings
        from .learners import LEARNERS
        from .learners.custom import check_learners
        from .metrics import METRICS

        def bad(name: str, message: str) -> ConfigError:
            return ConfigError(message, field=name)

        if self.task not in ("auto", *TASKS):
            raise bad("task", f"task={self.task!r} is not valid; choose one of: auto, {', '.join(TASKS)}")
        if self.metric != "auto" and self.metric not in METRICS:
            raise bad("metric", f"metric={self.metric!r} is not known; valid metrics: auto, {', '.join(METRICS)}")
        if self.metric != "auto" and self.task != "auto" and self.task not in METRICS[self.metric].tasks:
            valid = [m for m, s in METRICS.items() if self.task in s.tasks]
            raise bad("metric", f"metric={self.metric!r} does not apply to task={self.task!r}; valid: {', '.join(valid)}")
        if not is_number(self.time_budget) or not self.time_budget > 0 or not np.isfinite(self.time_budget):
            raise bad("time_budget", f"time_budget must be a positive number of seconds, got {self.time_budget!r}")
        if self.max_trials is not None and (not is_int(self.max_trials) or self.max_trials < 1):
            raise bad("max_trials", f"max_trials must be a positive integer or None, got {self.max_trials!r}")
        from .search.steering import check_target_score, check_target_score_type

        check_target_score_type(self.target_score)
        if self.metric != "auto":  # with "auto" the metric is known after the data: checked then
            check_target_score(self.target_score, METRICS[self.metric])
        if not is_int(self.seed):
            raise bad("seed", f"seed must be an integer, got {self.seed!r}")
        if self.validation not in VALIDATIONS:
            raise bad("validation", f"validation={self.validation!r} is not valid; choose one of: {', '.join(VALIDATIONS)}")
        if self.n_folds is not None and (not is_int(self.n_folds) or self.n_folds < 2):
            raise bad("n_folds", f"n_folds must be an integer of at least 2, got {self.n_folds!r}")
        check_learners(self.learners, LEARNERS)
        for arg in ("allowed_learners", "blocked_learners"):
            names = getattr(self, arg)
            if names is None:
                continue
            if isinstance(names, str):
                raise bad(arg, f"{arg} must be a list of learner names, not the string {names!r}")
            unknown = [n for n in names if n not in LEARNERS and n not in (self.learners or {})]
            if unknown:
                valid = ", ".join([*LEARNERS, *(self.learners or {})])
                raise bad(arg, f"{arg}: unknown learner(s) {unknown}; valid learners: {valid}")
        if self.allowed_learners is not None and not [
            n for n in self.allowed_learners if n not in self.blocked_learners
        ]:
            raise bad("allowed_learners", "allowed_learners minus blocked_learners leaves no learner to try")
        if isinstance(self.drop_columns, str):
            raise bad("drop_columns", f"drop_columns must be a list of column names, not the string {self.drop_columns!r}")
        if not is_int(self.n_jobs) or self.n_jobs == 0 or self.n_jobs < -1:
            raise bad("n_jobs", f"n_jobs must be -1 (all cores) or a positive integer, got {self.n_jobs!r}")
        if self.trial_timeout is not None and (not is_number(self.trial_timeout) or self.trial_timeout <= 0):
            raise bad("trial_timeout", f"trial_timeout must be a positive number of seconds or None, got {self.trial_timeout!r}")
        if self.memory_limit_mb is not None and (not is_number(self.memory_limit_mb) or self.memory_limit_mb <= 0):
            raise bad("memory_limit_mb", f"memory_limit_mb must be positive or None, got {self.memory_limit_mb!r}")
        if not isinstance(self.tune_threshold, (bool, np.bool_)):
            raise bad("tune_threshold", f"tune_threshold must be True or False, got {self.tune_threshold!r}")
        check_settings(self.column_kinds, self.column_transformers, self.featurization)
        self._validate_ensemble()
        self._validate_exportable()
        for group in TASK_SETTINGS:
            owner = next(e for e in REGISTRY if e.name == group)
            getattr(self, group).validate(active=self.task in owner.problem_types, task=self.task,
                                          validation=self.validation)
        return self

    def _validate_ensemble(self) -> None:
        """ensemble: True/"greedy", False, "stack" or "auto"; stacking only where the task stacks."""
        from .stacking import ENSEMBLE_CHOICES
        from .task import get_task

        if not any(self.ensemble is c or (isinstance(self.ensemble, str) and self.ensemble == c)
                   for c in ENSEMBLE_CHOICES):
            raise ConfigError(f"ensemble={self.ensemble!r} is not valid; choose True (or \"greedy\"), False, "
                              "\"stack\" or \"auto\"", field="ensemble")
        if self.ensemble == "stack" and self.task != "auto" and not get_task(self.task).stacks:
            raise ConfigError(f"ensemble='stack' is not available for task={self.task!r}: its models are not "
                              "stacked; use ensemble=True (greedy blend) or False", field="ensemble")

    def _validate_exportable(self) -> None:
        """exportable: None or "onnx", with some learner left that converts."""
        from .export.onnx_support import EXPORT_FORMATS, convertible, learner_reason
        from .learners import LEARNERS

        if self.exportable is None:
            return
        if self.exportable not in EXPORT_FORMATS:
            raise ConfigError(f"exportable={self.exportable!r} is not valid; choose None or one of: "
                              f"{', '.join(EXPORT_FORMATS)}", field="exportable")
        if self.allowed_learners is not None:
            wanted = [n for n in self.allowed_learners if n not in self.blocked_learners]
            if wanted and not convertible(wanted) and not set(wanted) & set(self.learners or {}):  # yours may
                why = "; ".join(f"{n}: {learner_reason(n)}" for n in wanted)
                raise ConfigError(f"exportable={self.exportable!r}: none of allowed_learners converts ({why})",
                                  field="exportable")
        if self.task != "auto" and not convertible(n for n, s in LEARNERS.items() if self.task in s.tasks):
            raise ConfigError(f"exportable={self.exportable!r}: no learner for task={self.task!r} converts; "
                              "leave exportable=None (to_code and log_mlflow take every model)", field="exportable")

    # ---- resolution of "auto" -------------------------------------------------------------

    def n_workers(self) -> int:
        cores = os.cpu_count() or 1
        return cores if self.n_jobs == -1 else min(self.n_jobs, max(cores, 1) * 4)

    def problem_type(self) -> str:
        """``task``, or with "auto" the problem type a task's own settings ask for."""
        return implied_problem_type(self.task, [k for g in TASK_SETTINGS for k in getattr(self, g).given()])


def described_objects(config: ExperimentConfig) -> dict[str, Any]:
    """The settings that hold Python objects, as JSON for the store: your learners and column
    transformers in words (the objects themselves are pickled beside it, see
    :mod:`automl_nb.experiment_folder`)."""
    from .featurize.overrides import describe_transformers
    from .learners.custom import describe_learners

    return {"learners": describe_learners(config.learners),
            "column_transformers": describe_transformers(config.column_transformers)}


def as_tuple(x: Sequence[str] | str | None) -> tuple[str, ...] | None:
    if x is None:
        return None
    if isinstance(x, str):
        return (x,)
    return tuple(x)
