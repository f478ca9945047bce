"""Events the engine emits; widgets, progress bars and loggers subscribe.

Plain dataclasses, emitted in order from the driver thread. A subscriber that raises is
reported once and never stops the run.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("automl_nb")


@dataclass(frozen=True)
class Event:
    time: float = field(default_factory=time.time, kw_only=True)


@dataclass(frozen=True)
class RunStarted(Event):
    task: str
    metric: str
    time_budget: float
    validation: str
    n_rows: int
    n_columns: int


@dataclass(frozen=True)
class PhaseChanged(Event):
    phase: str  # profiling, searching, ensembling, refitting, done
    message: str = ""


@dataclass(frozen=True)
class TrialStarted(Event):
    trial_id: int
    learner: str
    params: dict[str, Any]


@dataclass(frozen=True)
class TrialFinished(Event):
    result: Any  # TrialResult


@dataclass(frozen=True)
class TrialFailed(Event):
    result: Any  # TrialResult with status failed / timeout / pruned


@dataclass(frozen=True)
class BestChanged(Event):
    trial_id: int
    learner: str
    score: float


@dataclass(frozen=True)
class RunFinished(Event):
    status: str  # finished, cancelled
    best_score: float | None
    seconds: float
    n_trials: int
    stop_reason: str = ""  # why the search stopped ("time budget used", "target score 0.9 reached by trial 7")


@dataclass(frozen=True)
class Steered(Event):
    record: dict[str, Any]  # one record of the steering log (automl_nb.search.steering)


@dataclass(frozen=True)
class RunFailed(Event):
    error: str


Subscriber = Callable[[Event], None]


class EventBus:
    """Delivers each event to every subscriber, in subscription order."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()
        self.history: list[Event] = []

    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(fn)

        def unsubscribe() -> None:
            with self._lock:
                if fn in self._subscribers:
                    self._subscribers.remove(fn)

        return unsubscribe

    def emit(self, event: Event) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
            self.history.append(event)
        for fn in subscribers:
            try:
                fn(event)
            except Exception:  # a broken subscriber must not end a run
                log.exception("event subscriber %r failed on %s", fn, type(event).__name__)
