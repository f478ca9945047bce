"""ExperimentConfig: every setting of an experiment, validated in one place.

The user's arguments arrive unchanged (as sklearn asks of estimator parameters); `validate`
checks them before any work starts, and `resolve_*` turns "auto" into concrete choices,
each with the reason stated in plain words.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

TASKS = ("binary", "multiclass", "regression", "forecast")
TABULAR_TASKS = ("binary", "multiclass", "regression")
VALIDATIONS = ("auto", "cv", "holdout")

#: the rule for validation="auto", stated in the docs and in each run's summary
CV_MAX_ROWS = 100_000
HOLDOUT_FRACTION = 0.1
#: above this many training rows, trials train on a random sample of this size (multi-fidelity:
#: the search compares configurations cheaply; the final model is refit on all rows, or on as
#: many as the time left allows)
SEARCH_MAX_ROWS = 100_000


class ConfigError(ValueError):
    """A setting is invalid; the message names the argument and the valid choices."""


@dataclass(frozen=True)
class ExperimentConfig:
    task: str = "auto"
    metric: str = "auto"
    time_budget: float = 60.0
    max_trials: int | None = None
    seed: int = 0
    validation: str = "auto"
    n_folds: int | None = None
    allowed_learners: tuple[str, ...] | None = None
    blocked_learners: tuple[str, ...] = ()
    drop_columns: tuple[str, ...] = ()
    ensemble: bool = True
    n_jobs: int = -1
    folder: str | None = None
    trial_timeout: float | None = None
    memory_limit_mb: float | None = None
    # forecasting (task="forecast")
    time_column: str | None = None
    horizon: int | None = None
    series_id: str | None = None
    frequency: str = "auto"
    season_length: int | str = "auto"
    country_holidays: str | None = None
    lags: tuple[int, ...] | str = "auto"
    rolling_windows: tuple[int, ...] | str = "auto"
    n_windows: int | None = None
    window_step: int | None = None
    interval_level: float = 0.8
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_forecast(self) -> bool:
        return self.task == "forecast"

    def replace(self, **changes: Any) -> ExperimentConfig:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("allowed_learners", "blocked_learners", "drop_columns", "lags", "rolling_windows"):
            if d[k] is not None and not isinstance(d[k], str):
                d[k] = list(d[k])
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ExperimentConfig:
        d = dict(d)
        for k in ("allowed_learners", "blocked_learners", "drop_columns", "lags", "rolling_windows"):
            if d.get(k) is not None and not isinstance(d[k], str):
                d[k] = tuple(d[k])
        return cls(**d)

    def validate(self) -> ExperimentConfig:
        """Check every setting; raise :class:`ConfigError` naming the first bad one."""
        from .learners import LEARNERS
        from .metrics import METRICS

        if self.task not in ("auto", *TASKS):
            raise ConfigError(f"task={self.task!r} is not valid; choose one of: auto, {', '.join(TASKS)}")
        if self.metric != "auto" and self.metric not in METRICS:
            raise ConfigError(f"metric={self.metric!r} is not known; valid metrics: auto, {', '.join(METRICS)}")
        if self.metric != "auto" and self.task != "auto" and self.task not in METRICS[self.metric].tasks:
            valid = [m for m, s in METRICS.items() if self.task in s.tasks]
            raise ConfigError(f"metric={self.metric!r} does not apply to task={self.task!r}; valid: {', '.join(valid)}")
        if not _is_number(self.time_budget) or not self.time_budget > 0 or not np.isfinite(self.time_budget):
            raise ConfigError(f"time_budget must be a positive number of seconds, got {self.time_budget!r}")
        if self.max_trials is not None and (not _is_int(self.max_trials) or self.max_trials < 1):
            raise ConfigError(f"max_trials must be a positive integer or None, got {self.max_trials!r}")
        if not _is_int(self.seed):
            raise ConfigError(f"seed must be an integer, got {self.seed!r}")
        if self.validation not in VALIDATIONS:
            raise ConfigError(f"validation={self.validation!r} is not valid; choose one of: {', '.join(VALIDATIONS)}")
        if self.n_folds is not None and (not _is_int(self.n_folds) or self.n_folds < 2):
            raise ConfigError(f"n_folds must be an integer of at least 2, got {self.n_folds!r}")
        for arg in ("allowed_learners", "blocked_learners"):
            names = getattr(self, arg)
            if names is None:
                continue
            if isinstance(names, str):
                raise ConfigError(f"{arg} must be a list of learner names, not the string {names!r}")
            unknown = [n for n in names if n not in LEARNERS]
            if unknown:
                raise ConfigError(f"{arg}: unknown learner(s) {unknown}; valid learners: {', '.join(LEARNERS)}")
        if self.allowed_learners is not None and not [
            n for n in self.allowed_learners if n not in self.blocked_learners
        ]:
            raise ConfigError("allowed_learners minus blocked_learners leaves no learner to try")
        if isinstance(self.drop_columns, str):
            raise ConfigError(f"drop_columns must be a list of column names, not the string {self.drop_columns!r}")
        if not _is_int(self.n_jobs) or self.n_jobs == 0 or self.n_jobs < -1:
            raise ConfigError(f"n_jobs must be -1 (all cores) or a positive integer, got {self.n_jobs!r}")
        if self.trial_timeout is not None and (not _is_number(self.trial_timeout) or self.trial_timeout <= 0):
            raise ConfigError(f"trial_timeout must be a positive number of seconds or None, got {self.trial_timeout!r}")
        if self.memory_limit_mb is not None and (not _is_number(self.memory_limit_mb) or self.memory_limit_mb <= 0):
            raise ConfigError(f"memory_limit_mb must be positive or None, got {self.memory_limit_mb!r}")
        self._validate_forecast()
        return self

    def _validate_forecast(self) -> None:
        """Forecasting settings: required with task="forecast", refused without it."""
        given = [k for k in ("time_column", "horizon", "series_id", "country_holidays", "n_windows", "window_step")
                 if getattr(self, k) is not None]
        if not self.is_forecast:
            if given:
                raise ConfigError(f"{given[0]}= applies to forecasting only; set task='forecast' (got task={self.task!r})")
            return
        if not isinstance(self.time_column, str) or not self.time_column:
            raise ConfigError("time_column is required for task='forecast': the name of the column holding the timestamps")
        if self.horizon is None or not _is_int(self.horizon) or self.horizon < 1:
            raise ConfigError(f"horizon must be a positive integer (steps to forecast), got {self.horizon!r}")
        if self.series_id is not None and (not isinstance(self.series_id, str) or not self.series_id):
            raise ConfigError(f"series_id must be a column name or None, got {self.series_id!r}")
        if self.series_id is not None and self.series_id == self.time_column:
            raise ConfigError("series_id and time_column must be different columns")
        if self.frequency != "auto":
            import pandas as pd

            try:
                pd.tseries.frequencies.to_offset(self.frequency)
            except (ValueError, TypeError):
                raise ConfigError(f"frequency={self.frequency!r} is not a pandas frequency (e.g. 'D', 'W-MON', 'MS', 'QS', 'h', '30min') or 'auto'") from None
        if self.season_length != "auto" and (not _is_int(self.season_length) or self.season_length < 1):
            raise ConfigError(f"season_length must be 'auto' or a positive integer, got {self.season_length!r}")
        if self.country_holidays is not None:
            from .forecast.holiday_calendar import parse_country

            try:
                parse_country(self.country_holidays)
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
        for arg, low in (("lags", 1), ("rolling_windows", 2)):
            v = getattr(self, arg)
            if v == "auto":
                continue
            if isinstance(v, str) or not v or not all(_is_int(x) and x >= low for x in v):
                raise ConfigError(f"{arg} must be 'auto' or a non-empty list of integers >= {low}, got {v!r}")
        for arg in ("n_windows", "window_step"):
            v = getattr(self, arg)
            if v is not None and (not _is_int(v) or v < 1):
                raise ConfigError(f"{arg} must be a positive integer or None, got {v!r}")
        if not _is_number(self.interval_level) or not 0 < self.interval_level < 1:
            raise ConfigError(f"interval_level must be between 0 and 1 (e.g. 0.8 for an 80 % interval), got {self.interval_level!r}")
        if self.validation != "auto":
            raise ConfigError("validation= does not apply to forecasting: backtests use rolling origins (set n_windows and window_step)")

    # ---- resolution of "auto" -------------------------------------------------------------

    def n_workers(self) -> int:
        cores = os.cpu_count() or 1
        return cores if self.n_jobs == -1 else min(self.n_jobs, max(cores, 1) * 4)


def _is_int(x: Any) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


def infer_task(y: pd.Series) -> tuple[str, str]:
    """The task a target implies, with the reason in plain words."""
    values = y.dropna()
    n_unique = int(values.nunique())
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        task = "binary" if n_unique == 2 else "multiclass"
        return task, f"the target holds {n_unique} distinct non-numeric labels"
    as_float = values.astype(float)
    integral = bool(np.all(np.mod(as_float, 1) == 0))
    if integral and n_unique == 2:
        return "binary", "the target holds exactly 2 distinct integer values"
    if integral and 2 < n_unique <= 20 and n_unique <= max(3, 0.05 * len(values)):
        return "multiclass", f"the target holds {n_unique} distinct integer values (few for {len(values)} rows)"
    return "regression", f"the target is numeric with {n_unique} distinct values"


@dataclass(frozen=True)
class ValidationPlan:
    scheme: str  # "cv", "group_cv", "holdout", "user"
    n_folds: int
    description: str
    search_rows: int | None = None  # trials train on a sample of this many rows (holdout only)


def resolve_validation(
    config: ExperimentConfig, task: str, n_rows: int, *, has_groups: bool, has_validation_data: bool
) -> ValidationPlan:
    """Choose the validation scheme; the rule is stated in the description."""
    if has_validation_data:
        return ValidationPlan("user", 1, "validated on the validation_data you gave; the final model is refit on training + validation data")
    strat = "stratified " if task in ("binary", "multiclass") else ""
    rule = f"(rule: k-fold cross-validation up to {CV_MAX_ROWS:,} rows, a {HOLDOUT_FRACTION:.0%} holdout above)"
    scheme = config.validation
    if scheme == "auto":
        scheme = "cv" if n_rows <= CV_MAX_ROWS else "holdout"
    if scheme == "holdout":
        text = f"{strat}{HOLDOUT_FRACTION:.0%} holdout of {n_rows:,} rows {rule}"
        n_fit = int(n_rows * (1 - HOLDOUT_FRACTION))
        if n_fit <= SEARCH_MAX_ROWS:
            return ValidationPlan("holdout", 1, text)
        return ValidationPlan("holdout", 1, f"{text}; trials train on a random {SEARCH_MAX_ROWS:,}-row sample of the "
                              f"{n_fit:,} training rows, the final model on all rows (or as many as the time left allows)",
                              search_rows=SEARCH_MAX_ROWS)
    k = config.n_folds or (5 if n_rows <= 20_000 else 3)
    if has_groups:
        return ValidationPlan("group_cv", k, f"{k}-fold group cross-validation (no group in both train and validation) {rule}")
    return ValidationPlan("cv", k, f"{strat}{k}-fold cross-validation on {n_rows:,} rows; out-of-fold predictions kept for ensembling {rule}")


def as_tuple(x: Sequence[str] | str | None) -> tuple[str, ...] | None:
    if x is None:
        return None
    if isinstance(x, str):
        return (x,)
    return tuple(x)
