"""The Runner seam: where trials run is the runner's business, not the experiment's.

A runner has the shape of ``concurrent.futures`` and ``dask.distributed``: jobs are
submitted while workers are free, completions are polled, running jobs can be killed. The
trial data reaches each worker once (:meth:`Runner.load`), never with every job. The
experiment receives a runner from a :data:`RunnerFactory` and never asks which one it has;
:class:`~automl_nb.run.local_runner.LocalRunner` (worker processes on this machine) is the
default.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class Job:
    kind: str  # "trial" or "refit"
    key: Any  # trial id, or the refit's key
    payload: tuple
    deadline: float | None
    started: float = field(default_factory=time.time)


@dataclass
class Completion:
    job: Job
    ok: bool
    value: Any = None  # TrialResult, fitted pipeline
    error: str = ""
    status: str = "ok"  # ok, failed, timeout, cancelled


class Runner(Protocol):
    n_workers: int

    def start(self) -> None:
        """Acquire workers; they may import their libraries while the data is prepared."""

    def load(self, data: Any, path: str) -> None:
        """The trial data (a :class:`~automl_nb.run.trial.TrialData`), also written at
        ``path``, is ready: it reaches every worker once."""

    def idle(self) -> int:
        """Workers ready for a job."""

    def busy(self) -> int:
        """Jobs running."""

    def submit(self, job: Job) -> None:
        """Start ``job`` on an idle worker (call only when ``idle() > 0``)."""

    def poll(self, timeout: float = 0.05) -> list[Completion]:
        """Jobs that ended (done, failed, past their deadline, out of memory), waiting at
        most ``timeout`` seconds for the first."""

    def kill_running(self, status: str = "cancelled", reason: str = "cancelled") -> list[Completion]:
        """Stop every running job now; each comes back with ``status`` and ``reason``."""

    def shutdown(self) -> None:
        """Release the workers (no job survives)."""


#: builds a runner: (n_workers, threads per worker, memory limit in MB, modules to preload);
#: ``LocalRunner`` is one
RunnerFactory = Callable[[int, int, "float | None", "tuple[str, ...]"], Runner]

