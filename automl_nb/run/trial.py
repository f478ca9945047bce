"""A trial is data: a :class:`TrialConfig` in, a :class:`TrialResult` out.

What a worker needs to run trials is a task's *trial data* (tabular folds, forecasting
backtests): it holds the data sent to each worker once and knows how to ``evaluate`` a
configuration and ``refit`` the final model, so a worker (local or on a cluster) runs it
without knowing the task (:class:`TrialData`).
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

STATUSES = ("ok", "failed", "timeout", "pruned", "cancelled")
#: trials stopped by the budget, the user or pruning (or their own trial_timeout): not failures
STOPPED = frozenset({"timeout", "cancelled", "pruned"})


@dataclass(frozen=True)
class TrialConfig:
    trial_id: int
    learner: str
    params: dict[str, Any]
    phase: str = "search"  # baseline, portfolio, search
    prune_above: float | None = None  # loss after the first fold above which the trial stops
    reason: str = ""  # why the searcher chose it, in words ("portfolio slot 3: lightgbm default 1")


@dataclass
class TrialResult:
    trial_id: int
    learner: str
    params: dict[str, Any]
    status: str
    phase: str = "search"
    score: float = float("nan")  # the optimized metric, mean over folds
    score_std: float = float("nan")
    fold_scores: list[float] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)  # other metrics on the OOF predictions
    fit_seconds: float = 0.0
    predict_seconds: float = 0.0
    duration: float = 0.0
    started_at: float = 0.0
    error: str = ""
    refit_params: dict[str, Any] = field(default_factory=dict)
    reason: str = ""  # why it was tried (the searcher's words); a trial stored without one: its phase
    oof: np.ndarray | None = None  # out-of-fold predictions (rows outside every fold are NaN)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def summary(self) -> dict[str, Any]:
        """The result without the arrays, for the store and the leaderboard."""
        return {k: v for k, v in self.__dict__.items() if k != "oof"}


@contextmanager
def trial_errors(result: TrialResult) -> Iterator[None]:
    """Whatever a trial raises becomes its status and error: a failing trial never ends a run."""
    from ..learners.base import TrialTimeout

    try:
        yield
    except TrialTimeout as exc:
        result.status, result.error = "timeout", str(exc)
    except MemoryError:
        result.status, result.error = "failed", "MemoryError: the trial ran out of memory"
    except Exception as exc:
        result.status = "failed"
        result.error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=-3)}"


def summarize_folds(result: TrialResult) -> None:
    """The score (mean) and its spread (std) over the folds or windows scored."""
    if result.fold_scores:
        result.score = float(np.mean(result.fold_scores))
        result.score_std = float(np.std(result.fold_scores))


class TrialData(Protocol):
    """What every trial of an experiment needs; sent to each worker once, then asked to
    evaluate configurations and refit final models. Both are pure functions of their inputs;
    ``evaluate`` never raises for a bad configuration (the error goes in its result)."""

    seed: int
    threads: int  # set by the worker: threads its learners may use

    def evaluate(self, config: TrialConfig, deadline: float | None = None) -> TrialResult: ...

    def refit(self, learner: str, params: dict[str, Any], deadline: float | None = None,
              rows: int | None = None) -> Any: ...

    def trial_rows(self) -> int:
        """Rows a trial trains on (to estimate what a refit on more rows costs)."""
        ...
