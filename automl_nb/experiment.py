"""Experiment: one run's lifecycle (start, pause, resume, cancel, finish), task-agnostic.

The kernel's thread never trains: :meth:`Experiment.start` returns a :class:`Run` at once,
a driver thread owns the searcher and the runner, and trials run in worker processes
behind a :class:`~automl_nb.run.runner.Runner`. What differs between tasks is asked of the
experiment's :class:`~automl_nb.task.Task`; the ensemble and the final model are built by
:mod:`automl_nb.finalize`; what the folder keeps and how it comes back is
:mod:`automl_nb.experiment_folder`.
"""

from __future__ import annotations

import math
import os
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from .config import ExperimentConfig
from .data.validation import ValidationPlan
from .finalize import Outcome
from .run.events import (
    BestChanged,
    EventBus,
    PhaseChanged,
    RunFailed,
    RunFinished,
    RunStarted,
    TrialFailed,
    TrialFinished,
    TrialStarted,
)
from .run.runner import Completion, Job, RunnerFactory
from .run.store import Store
from .run.trial import TrialConfig, TrialData, TrialResult


class Run:
    """A handle on a running experiment, returned at once by ``start()``."""

    def __init__(self, experiment: Experiment) -> None:
        self._exp = experiment

    @property
    def status(self) -> str:
        return self._exp.status

    def done(self) -> bool:
        return self._exp.status in ("finished", "cancelled", "failed")

    def wait(self, timeout: float | None = None) -> str:
        """Block until the run ends (or ``timeout`` seconds pass); return the status."""
        self._exp._finished.wait(timeout)
        if self._exp.error is not None and self._exp.status == "failed":
            raise RuntimeError(f"the run failed: {self._exp.error}")
        return self._exp.status

    def cancel(self, finalize: bool = True) -> None:
        """Stop searching now; finished trials are kept. With ``finalize`` the best of
        them is still refit so a model is available."""
        self._exp._control("cancel", finalize)

    def pause(self) -> None:
        """Start no new trials; running ones finish. The budget clock stops."""
        self._exp._control("pause")

    def resume(self) -> None:
        self._exp._control("resume")

    def extend(self, seconds: float) -> None:
        """Give the running search more time."""
        if not seconds > 0:
            raise ValueError(f"seconds must be positive, got {seconds!r}")
        self._exp._control("extend", seconds)

    @property
    def elapsed(self) -> float:
        return self._exp.elapsed()

    def __repr__(self) -> str:
        return f"<automl_nb.Run status={self.status!r} trials={len(self._exp.results)}>"


class Experiment:
    """Settings, prepared data and a task; the driver thread runs the search.

    Parameters
    ----------
    config : the validated settings.
    prepared : the task's prepared data (``task.prepare``).
    folder : the experiment folder (the store, the trial data, the model).
    task : the :class:`~automl_nb.task.Task` (default: the one serving ``prepared.task``).
    bus : the event bus (a new one by default).
    runner : builds the :class:`~automl_nb.run.runner.Runner` (default: worker processes on
        this machine).
    """

    def __init__(self, config: ExperimentConfig, prepared: Any, folder: Path, task: Any = None,
                 bus: EventBus | None = None, runner: RunnerFactory | None = None) -> None:
        from .task import get_task

        self.config = config
        self.prepared = prepared
        self.task = task if task is not None else get_task(prepared.task)
        self.folder = folder
        self.bus = bus or EventBus()
        self.store = Store(folder)
        self.make_runner = runner
        self.status = "pending"
        self.error: str | None = None
        self.results: dict[int, TrialResult] = {}
        self.outcome = Outcome()
        self.profile: Any = None
        self.guardrails: list[Any] = []
        self.plan: ValidationPlan | None = None
        self.data: TrialData | None = None
        self.first_row_seconds: float | None = None
        self.refit_rows: dict[int, int] = {}  # trial id -> rows its final model was trained on
        #: checks made after training (the leakage check once a model is explained), by name
        self.post_training_checks: dict[str, Any] = {}
        #: trials' models refit on all rows on request (to explain one trial), by trial id
        self.trial_models: dict[int, Any] = {}
        self._finished = threading.Event()
        self._lock = threading.Lock()
        self._commands: list[tuple] = []
        self._t0 = time.time()
        self._deadline = self._t0 + config.time_budget
        self._paused_at: float | None = None
        self._best_loss = math.inf
        self._previous: list[TrialResult] = []  # restored trials when resuming
        self._searcher: Any = None

    # ---- what the run is judged by -----------------------------------------------------------

    @property
    def baseline(self) -> str:
        """The learner every score is compared with; it runs first, on the driver."""
        return self.task.baseline

    @property
    def metric(self) -> Any:
        from .metrics import get_metric

        return get_metric(self.prepared.metric)

    def loss(self, r: TrialResult) -> float:
        """A trial's score as a loss (lower is better), whatever the metric's direction."""
        return self.metric.loss(r.score)

    def best_score(self) -> float | None:
        """The final ensemble's out-of-fold score, else the best trial's; None before any."""
        if not math.isnan(self.outcome.ensemble_score):
            return self.outcome.ensemble_score
        ok = [r for r in dict(self.results).values() if r.ok]
        return min(ok, key=self.loss).score if ok else None

    def n_rows(self) -> int:
        return self.task.n_rows(self.prepared)

    # ---- preparation (profile, guardrails, validation, the trial data) ----------------------

    def profile_and_plan(self) -> None:
        """Profile the data, choose validation, run the guardrails, write the data for workers."""
        from .experiment_folder import write_plan

        self._phase("profiling", "profiling the data and checking it")
        planned = self.task.plan(self.prepared, self.config)
        self.profile, self.plan, self.guardrails, self.data = (
            planned.profile, planned.plan, planned.guardrails, planned.data)
        write_plan(self, planned)

    # ---- lifecycle -------------------------------------------------------------------------

    @classmethod
    def restore(cls, folder: Path, config: ExperimentConfig | None = None) -> Experiment:
        """An experiment as its folder left it: settings, data, trials, guardrails, model."""
        from .experiment_folder import restore

        return restore(cls, Path(folder), config)

    def start(self, started: float | None = None) -> Run:
        self._t0 = started if started is not None else time.time()
        self._deadline = self._t0 + self.config.time_budget
        self._finished.clear()
        self.status = "starting"
        thread = threading.Thread(target=self._drive, name="automl_nb-driver", daemon=True)
        thread.start()
        return Run(self)

    def elapsed(self) -> float:
        return time.time() - self._t0

    def remaining(self) -> float:
        return self._deadline - time.time()

    @property
    def deadline(self) -> float:
        return self._deadline

    def _control(self, command: str, *args: Any) -> None:
        with self._lock:
            self._commands.append((command, *args))

    def _phase(self, phase: str, message: str = "") -> None:
        self.status = phase
        self.bus.emit(PhaseChanged(phase, message))

    def _drive(self) -> None:
        from .experiment_folder import save_model
        from .finalize import finalize
        from .learners import get_learner

        runner = None
        cancelled = False
        try:
            cfg = self.config
            n_workers = cfg.n_workers()
            threads = max(1, (os.cpu_count() or 1) // n_workers)
            # workers start (and import their libraries) while the data is profiled
            # what the learners import beyond the warm-up (torch) is imported once, before forking
            preload = tuple(sorted({r for n in self._learner_names() if (r := get_learner(n).requires)}))
            make_runner = self.make_runner
            if make_runner is None:
                from .run.local_runner import LocalRunner as make_runner
            runner = make_runner(n_workers, threads, cfg.memory_limit_mb, preload)
            runner.start()
            if self.data is None:
                self.profile_and_plan()
            runner.load(self.data, str(self.folder / "data.joblib"))
            rows, columns = self.task.shape(self.prepared)
            self.bus.emit(RunStarted(self.prepared.task, self.prepared.metric, cfg.time_budget,
                                     self.plan.description, rows, columns))
            self._searcher = self._make_searcher(n_workers)
            self._phase("searching", "baselines first, then a portfolio of strong defaults, then model-based search")
            cancelled, do_finalize = self._search(runner)
            if cancelled and not do_finalize:
                self.status = "cancelled"
            else:
                finalize(self, runner)
                save_model(self)
                self.status = "cancelled" if cancelled else "finished"
            self._phase(self.status, self.outcome.description)
            self.bus.emit(RunFinished(self.status, self.best_score(), self.elapsed(), len(self.results)))
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"
            self.status = "failed"
            self.store.put("error", traceback.format_exc())
            self.bus.emit(RunFailed(self.error))
        finally:
            if runner is not None:
                runner.shutdown()
            self.store.put("status", self.status)
            self._finished.set()

    def _learner_names(self) -> list[str]:
        """The learners this run may try: those for the task that are installed, allowed (or,
        when none are named, whose ``min_budget`` the time budget reaches) and not blocked."""
        from .learners import LEARNERS

        cfg, task = self.config, self.prepared.task
        names = [n for n, s in LEARNERS.items() if task in s.tasks and s.available()]
        if cfg.allowed_learners is not None:
            names = [n for n in names if n in cfg.allowed_learners or n == self.baseline]
        else:
            names = [n for n in names if LEARNERS[n].min_budget <= cfg.time_budget]
        return [n for n in names if n not in cfg.blocked_learners]

    def _make_searcher(self, n_workers: int):
        from .learners import LEARNERS
        from .search.searcher import Searcher

        cfg, p = self.config, self.prepared
        names = self._learner_names()
        searcher = Searcher([LEARNERS[n] for n in names], p.task, self.n_rows(), cfg.seed, n_workers,
                            deterministic=cfg.max_trials is not None, baseline=self.baseline,
                            portfolio=self.task.portfolio(), loss_of=self.metric.loss)
        searcher.restore(self._previous)  # resuming: the searcher knows what was tried
        return searcher

    # ---- the search loop -------------------------------------------------------------------

    def _search(self, runner) -> tuple[bool, bool]:
        """Ask, submit, record until the budget, the trial limit or a cancel ends the search;
        ``(cancelled, finalize)``."""
        searcher = self._searcher
        cfg = self.config
        max_trials = cfg.max_trials
        n_started = 0
        # the dummy baseline runs here at once (microseconds), so the first row comes immediately
        first = searcher.ask_baseline()
        if first is not None:
            self.bus.emit(TrialStarted(first.trial_id, first.learner, first.params))
            self.record(self.data.evaluate(first, None))
            n_started += 1
        while True:
            for c in runner.poll(0.05):
                self.complete(c)
            command = self._next_command()
            if command is not None:
                if command[0] == "cancel":
                    for c in runner.kill_running("cancelled", "cancelled by you"):
                        self.complete(c)
                    return True, bool(command[1])
                if command[0] == "pause" and self._paused_at is None:
                    self._paused_at = time.time()
                    self._phase("paused", "no new trials start until resume()")
                if command[0] == "resume" and self._paused_at is not None:
                    self._deadline += time.time() - self._paused_at
                    self._paused_at = None
                    self._phase("searching")
                if command[0] == "extend":
                    self._deadline += float(command[1])
            if self._paused_at is not None:
                continue
            now = time.time()
            search_deadline = self._deadline - self._reserve()
            done_trials = max_trials is not None and n_started >= max_trials
            if now >= search_deadline or (done_trials and runner.busy() == 0):
                break
            if done_trials:
                continue
            while runner.idle() > 0 and (max_trials is None or n_started < max_trials):
                config = searcher.ask()
                if config is None:
                    break
                deadline = search_deadline
                if cfg.trial_timeout is not None:
                    deadline = min(deadline, now + cfg.trial_timeout)
                runner.submit(Job("trial", config.trial_id, (config, deadline), deadline))
                self.bus.emit(TrialStarted(config.trial_id, config.learner, config.params))
                n_started += 1
            if runner.busy() == 0 and runner.idle() > 0 and not searcher.has_more():
                break
        # time is up: trials stop at their deadline by themselves; stragglers are killed
        # killing a worker means a cold restart, so stragglers are killed only when no worker
        # is free for the refit; otherwise they end at their own deadline (or are killed then)
        grace_until = time.time() + 1.0
        while runner.busy() and runner.idle() == 0 and time.time() < grace_until:
            for c in runner.poll(0.05):
                self.complete(c)
        if runner.idle() == 0:
            for c in runner.kill_running("timeout", "stopped: the search's time ran out"):
                self.complete(c)
        return False, True

    def _next_command(self) -> tuple | None:
        with self._lock:
            return self._commands.pop(0) if self._commands else None

    def complete(self, c: Completion) -> None:
        """Record a trial job's completion (refits are the finalizer's)."""
        if c.job.kind != "trial":
            return
        config: TrialConfig = c.job.payload[0]
        if c.ok:
            result = c.value
        else:
            result = TrialResult(config.trial_id, config.learner, dict(config.params), c.status, config.phase,
                                 started_at=c.job.started, duration=time.time() - c.job.started, error=c.error)
        self.record(result)

    def record(self, result: TrialResult) -> None:
        self.results[result.trial_id] = result
        self._searcher.tell(result)
        self.store.add_trial(result)
        if self.first_row_seconds is None:
            self.first_row_seconds = time.time() - self._t0
        if result.ok:
            self.bus.emit(TrialFinished(result))
            loss = self.loss(result)
            if loss < self._best_loss:
                self._best_loss = loss
                self.bus.emit(BestChanged(result.trial_id, result.learner, result.score))
        else:
            self.bus.emit(TrialFailed(result))

    def _reserve(self) -> float:
        """Seconds kept for ensemble selection and the refit on all data."""
        from .finalize import refit_reserve

        return refit_reserve(self)
