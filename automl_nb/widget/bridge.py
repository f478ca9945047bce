"""Engine events → throttled, full trait snapshots of a Studio widget.

The engine emits events on its driver thread (``automl_nb.run.events``); the bridge only
notes what changed. A flusher thread builds the *whole* state from the experiment (its
results, guardrails, outcome) and pushes it in one ``hold_sync`` batch, at most
``max_rate`` times a second and only when something changed — plus a status tick every
``tick`` seconds while the run goes on, and always a final snapshot when it ends. Full,
idempotent snapshots heal any message the browser missed (see TESTING.md, section d).

The records it pushes (leaderboard rows, history, the best model) are built by
:mod:`automl_nb.widget.records`; a task builds its own (featurization) through its methods.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from ..records import guardrail_records, jsonable
from ..run.events import (
    Event,
    PhaseChanged,
    RunFailed,
    RunFinished,
    RunStarted,
    Steered,
    TrialStarted,
)
from ..run.trial import STOPPED
from .records import best_record, data_info, history_points, leaderboard_rows, steering_record

log = logging.getLogger("automl_nb")

#: statuses of an experiment that no longer runs ("unknown": restored from an interrupted run)
ENDED = frozenset({"finished", "cancelled", "failed", "unknown"})
PHASES = ("configuring", "profiling", "searching", "paused", "ensembling", "refitting",
          "finished", "cancelled", "failed")
INTERRUPTED = ("the run was interrupted before it finished (kernel restart?); "
               "an.load(folder).resume() continues it")

# ---- the bridge ------------------------------------------------------------------------------


class Bridge:
    """Keeps a widget's traits in step with one experiment.

    Parameters
    ----------
    widget : the Studio or StudioView (any ipywidget with the contract's traits and a ``_write_lock``).
    experiment : the :class:`~automl_nb.experiment.Experiment` to follow, running or ended.
    max_rate : most snapshots pushed per second.
    tick : seconds between status-only pushes (elapsed, eta) while the run goes on.
    on_end : called (on the flusher thread) after the final snapshot was pushed.
    """

    def __init__(self, widget: Any, experiment: Any, *, max_rate: float = 10.0, tick: float = 0.5,
                 on_end: Callable[[], None] | None = None) -> None:
        self.widget = widget
        self.experiment = experiment
        self.min_interval = 1.0 / max_rate
        self.tick = tick
        self.on_end = on_end
        self.n_pushes = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._final = threading.Event()
        self._stop = threading.Event()
        self._seen: set[int] = set()
        self._phase_event: PhaseChanged | None = None
        self._end: Event | None = None
        self._started_ids: set[int] = set()
        self._paused_eta: float | None = None
        self._last_budget: float | None = None
        self._dirty = True
        self._featurization: list[dict[str, Any]] | None = None
        self._data_info_sent = False
        self._unsubscribe: Callable[[], None] | None = None
        self._thread: threading.Thread | None = None
        self._t0 = time.time() - experiment.elapsed()

    # ---- lifecycle ------------------------------------------------------------------------

    def attach(self) -> Bridge:
        """Subscribe, catch up on past events, and push: live runs get a flusher thread,
        ended ones one final snapshot at once."""
        exp = self.experiment
        if exp.status in ENDED and not exp.bus.history:  # restored from its folder
            self._t0 = min((r.started_at for r in dict(exp.results).values()), default=self._t0)
            self._push(self.snapshot())
            self._final.set()
            return self
        self._unsubscribe = exp.bus.subscribe(self._on_event)
        for event in list(exp.bus.history):  # events before we subscribed; duplicates are skipped
            self._on_event(event)
        if self._end is not None:  # it ended before we came: the final state, now
            self._unsubscribe()
            self._push(self.snapshot())
            self._final.set()
            return self
        self._thread = threading.Thread(target=self._loop, name="automl_nb-studio-bridge", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop following the experiment (the run itself goes on)."""
        self._stop.set()
        self._wake.set()
        if self._unsubscribe is not None:
            self._unsubscribe()

    def refresh(self) -> None:
        """Push a snapshot now (the final model changed after the run: ``AutoML.best_by``)."""
        self._push(self.snapshot())

    def wait_final(self, timeout: float | None = None) -> bool:
        """Block until the final snapshot has been pushed; False on timeout."""
        return self._final.wait(timeout)

    @property
    def ended(self) -> bool:
        return self._final.is_set()

    # ---- events (driver thread) -------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        with self._lock:
            if id(event) in self._seen:
                return
            self._seen.add(id(event))
            if isinstance(event, PhaseChanged):
                if self._phase_event is None or event.time >= self._phase_event.time:
                    self._phase_event = event
                    if event.phase == "paused":
                        self._paused_eta = max(0.0, self.experiment.remaining())
            elif isinstance(event, TrialStarted):
                self._started_ids.add(event.trial_id)
            elif isinstance(event, Steered):
                exp = self.experiment
                paused_at = getattr(exp, "_paused_at", None)
                if event.record.get("action") == "time_left" and paused_at is not None:
                    self._paused_eta = max(0.0, exp.deadline - paused_at)  # the clock stands while paused
            elif isinstance(event, RunStarted):
                if not self.widget.featurization:
                    threading.Thread(target=self._featurize, name="automl_nb-studio-featurize",
                                     daemon=True).start()
            elif isinstance(event, (RunFinished, RunFailed)):
                self._end = event
            self._dirty = True
        if isinstance(event, (RunFinished, RunFailed)):
            self._wake.set()

    def _featurize(self) -> None:
        """The featurization of the run's data before the final model exists (the task's
        preview: the gbm family's plan for tables)."""
        exp = self.experiment
        try:
            records = exp.task.featurization_records(exp, final=False)
        except Exception:  # the panel stays empty; the run is unaffected
            log.exception("automl_nb studio: featurization summary failed")
            return
        with self._lock:
            if self._featurization is None:
                self._featurization = records
                self._dirty = True

    # ---- snapshots ---------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Every trait the bridge owns, as it should be now."""
        from ..metrics import get_metric

        exp = self.experiment
        with self._lock:
            phase_event, end, started = self._phase_event, self._end, set(self._started_ids)
            paused_eta = self._paused_eta
        results = dict(exp.results)
        metric_name = exp.prepared.metric
        metric = get_metric(metric_name)
        ended = end is not None or (exp.status in ENDED and not exp.bus.history)
        final = ended and exp.outcome.model is not None
        rows = leaderboard_rows(results.values(), metric_name, exp.outcome if final else None)
        top = rows[0] if rows and rows[0]["rank"] == 1 else None

        message = phase_event.message if phase_event else ""
        if isinstance(end, RunFailed):
            phase, message = "failed", end.error
        elif isinstance(end, RunFinished):
            phase = end.status if end.status in PHASES else "finished"
        elif end is None and ended:  # restored from the folder
            phase = exp.status if exp.status in PHASES else "cancelled"
            message = INTERRUPTED if exp.status == "unknown" else exp.outcome.description
        else:
            phase = phase_event.phase if phase_event and phase_event.phase in PHASES else "profiling"

        if isinstance(end, RunFinished):
            elapsed, eta = end.seconds, None
        elif ended:
            ends = [r.started_at + r.duration for r in results.values()]
            elapsed, eta = (max(ends) - self._t0 if ends else 0.0), None
        else:
            elapsed = exp.elapsed()
            eta = paused_eta if phase == "paused" else max(0.0, exp.remaining())
            self._last_budget = elapsed + eta
        budget = self._last_budget if self._last_budget is not None else exp.config.time_budget
        status = {
            "elapsed": round(elapsed, 1),
            "budget": round(budget, 1),
            "eta": None if eta is None else round(eta, 1),
            "n_done": sum(r.status == "ok" for r in results.values()),
            "n_failed": sum(r.status == "failed" for r in results.values()),
            "n_stopped": sum(r.status in STOPPED for r in results.values()),
            "n_running": 0 if ended else len(started - set(results)),
            "best_score": top["score"] if top else None,
            "best_learner": top["learner"] if top else None,
            "metric": metric_name,
            "greater_is_better": metric.greater_is_better,
            "message": message,
            "stop_reason": exp.stop_reason,
        }
        snap: dict[str, Any] = {
            "phase": phase,
            "status": jsonable(status),
            "leaderboard": rows,
            "history": history_points(results.values(), self._t0),
            "best": best_record(exp, rows) if final else {},
            "steering": steering_record(exp, self._t0, self._steerable(ended, phase)),
        }
        if exp.guardrails:  # the engine's checks (after profiling) replace the pre-run ones
            snap["guardrails"] = guardrail_records(exp.guardrails)
        featurization = self._final_featurization() if final else self._featurization
        if featurization:
            snap["featurization"] = featurization
        if isinstance(end, RunFailed):
            snap["error"] = end.error
        if (exp.profile is not None and hasattr(exp.prepared, "X") and not self._data_info_sent
                and not self.widget.data_info):
            snap["data_info"] = data_info(exp.prepared.X, exp.profile)
            self._data_info_sent = True
        return snap

    def _steerable(self, ended: bool, phase: str) -> bool:
        """Whether the widget's controls may steer: the search goes on and the widget holds
        this experiment's run handle."""
        exp = self.experiment
        run = getattr(self.widget, "_run", None)
        return (not ended and phase in ("profiling", "searching", "paused") and run is not None
                and getattr(self.widget, "steer_controls", True)
                and getattr(run, "experiment", None) is exp and not run.done() and not exp.steerer.search_over)

    def _final_featurization(self) -> list[dict[str, Any]] | None:
        """The featurization of the final model (its first member's featurizer)."""
        exp = self.experiment
        try:
            return exp.task.featurization_records(exp, final=True)
        except Exception:
            log.debug("automl_nb studio: no featurization of the final model", exc_info=True)
            return self._featurization

    def _push(self, snap: dict[str, Any]) -> None:
        w = self.widget
        with w._write_lock, w.hold_sync():
            for name, value in snap.items():
                setattr(w, name, value)
        self.n_pushes += 1

    # ---- flusher thread ----------------------------------------------------------------------

    def _loop(self) -> None:
        last_push = 0.0
        while not self._stop.is_set():
            self._wake.wait(self.min_interval)
            self._wake.clear()
            pause = self.min_interval - (time.monotonic() - last_push)
            if pause > 0:  # never more than max_rate pushes a second
                time.sleep(pause)
            if self.widget.comm is None:  # the widget was closed
                break
            with self._lock:
                ended, dirty = self._end is not None, self._dirty
                self._dirty = False
            if not (dirty or ended or time.monotonic() - last_push >= self.tick):
                continue
            try:
                self._push(self.snapshot())
            except Exception:  # never let a snapshot error end the updates
                log.exception("automl_nb studio: snapshot failed")
            last_push = time.monotonic()
            if ended:
                break
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self.on_end is not None and not self._stop.is_set():
            try:
                self.on_end()
            except Exception:
                log.exception("automl_nb studio: end-of-run callback failed")
        self._final.set()
