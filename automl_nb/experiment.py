"""Experiment: one run's lifecycle (start, pause, resume, cancel, finish), task-agnostic.

The kernel's thread never trains: :meth:`Experiment.start` returns a :class:`Run` at once,
a driver thread owns the searcher and the runner, and trials run in worker processes
behind a :class:`~automl_nb.run.runner.Runner`. What differs between tasks is asked of the
experiment's :class:`~automl_nb.task.Task`; the ensemble and the final model are built by
:mod:`automl_nb.finalize`; what the folder keeps and how it comes back is
:mod:`automl_nb.experiment_folder`.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
import traceback
from collections.abc import Callable
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
from .search.steering import RunSteering, Steerer

log = logging.getLogger("automl_nb")


class Run(RunSteering):
    """A handle on a running experiment, returned at once by ``start()``."""

    def __init__(self, experiment: Experiment) -> None:
        self._exp = experiment

    @property
    def status(self) -> str:
        return self._exp.status

    @property
    def error(self) -> str | None:
        """Why the run failed (or, cancelled, why it has no model); None otherwise."""
        return self._exp.error

    @property
    def experiment(self) -> Experiment:
        """The experiment this run drives (its results, outcome and folder)."""
        return self._exp

    def done(self) -> bool:
        return self._exp._finished.is_set() and self._exp.status in ("finished", "cancelled", "failed")

    def wait(self, timeout: float | None = None) -> str:
        """Block until the run ends (or ``timeout`` seconds pass); return the status:
        "finished", "cancelled" or "failed" (the reason is :attr:`error`).

        It never raises for how the run ended: the finished trials, and the model when one
        was built, stay with the experiment either way. It waits in short slices, so an
        interrupt (Ctrl+C, the notebook's stop button) reaches the caller at once."""
        finished = self._exp._finished
        end = None if timeout is None else time.monotonic() + timeout
        while not finished.is_set():
            left = 0.2 if end is None else min(0.2, end - time.monotonic())
            if left <= 0:
                break
            finished.wait(left)
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
        self.folder = Path(folder).absolute()  # workers load from it whatever their working directory
        self.bus = bus or EventBus()
        self.store = Store(folder)
        self.make_runner = runner
        self.status = "pending"
        #: why the run failed (or, cancelled, why it has no model); None otherwise
        self.error: str | None = None
        #: the first failure to write the folder (disk full, folder gone); from then on the
        #: run goes on in memory and writes nothing more there (see ``_write``)
        self.store_error: str | None = None
        #: how the run itself ended ("finished", "cancelled") even when its folder failed
        self.ended_as: str | None = None
        #: what the store keeps for restore ("task", "prepared", the task's own), kept to
        #: write the experiment elsewhere when its folder fails
        self.records: dict[str, Any] = {}
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
        #: final models chosen by a metric (``AutoML.best_by``), by metric name; the run's own under its metric
        self.final_choices: dict[str, Any] = {}
        #: False when restored with ``an.load(folder, trusted=False)``: nothing was unpickled,
        #: and nothing that would unpickle the folder's files (resume) is allowed
        self.trusted = True
        #: the last ``AutoML.test`` report (the run report shows it); not kept in the folder
        self.last_test: Any = None
        #: records of ``AutoML.stability`` / ``learning_curve`` (automl_nb.reliability); not kept in the folder
        self.reliability: dict[str, Any] = {}
        self._finished = threading.Event()
        self._lock = threading.Lock()
        self._commands: list[tuple] = []
        self._t0 = time.time()
        self._deadline = self._t0 + config.time_budget
        self._paused_at: float | None = None
        self._best_loss = math.inf
        self._previous: list[TrialResult] = []  # restored trials when resuming
        self._searcher: Any = None
        self.steering: list[dict[str, Any]] = []  # the steering log (automl_nb.search.steering)
        self.stop_reason: str | None = None  # why the search stopped, in words
        self.steerer = Steerer(self)  # checks and applies the steering, watches target_score

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
        self.records = dict(planned.records)
        write_plan(self, planned)  # the workers read the data from the folder: a failure ends the run

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
        """The driver thread: whatever fails, the run ends (failed, with the reason) and
        ``wait()`` returns; the finished trials stay in ``results``."""
        runner = None
        try:
            runner = self._make_runner()
            runner.start()
            if self.data is None:
                self.profile_and_plan()
            runner.load(self.data, str(self.folder / "data.joblib"))
            rows, columns = self.task.shape(self.prepared)
            cfg = self.config
            self.bus.emit(RunStarted(self.prepared.task, self.prepared.metric, cfg.time_budget,
                                     self.plan.description, rows, columns))
            self._searcher = self._make_searcher(cfg.n_workers())
            self._phase("searching", "baselines first, then a portfolio of strong defaults, then model-based search")
            cancelled, do_finalize = self._search(runner)
            self._end(runner, cancelled, do_finalize)
        except BaseException as exc:  # noqa: BLE001 - a thread: nobody else would hear of it
            self._fail(f"{type(exc).__name__}: {exc}{self._folder_problem()}", traceback.format_exc())
        finally:
            self._release(runner)

    def _make_runner(self) -> Any:
        from .learners.custom import run_learners

        cfg, learners = self.config, run_learners(self.config.learners)
        n_workers = cfg.n_workers()
        threads = max(1, (os.cpu_count() or 1) // n_workers)
        # workers start (and import their libraries) while the data is profiled
        # what the learners import beyond the warm-up (torch) is imported once, before forking
        preload = tuple(sorted({r for n in self.steerer.initial_names() if (r := learners[n].requires)}))
        make_runner = self.make_runner
        if make_runner is None:
            from .run.local_runner import LocalRunner as make_runner
        return make_runner(n_workers, threads, cfg.memory_limit_mb, preload)

    def _end(self, runner: Any, cancelled: bool, do_finalize: bool) -> None:
        """The final model (unless cancelled without it), saved when the folder allows, and
        the end of the run: finished, cancelled, or failed when its folder failed."""
        from .experiment_folder import save_model
        from .finalize import finalize

        no_model = None
        if do_finalize:
            try:
                finalize(self, runner)
            except Exception as exc:
                if not cancelled:
                    raise
                # the user stopped the run: that is not a failure, even when no model could be built
                no_model = f"no final model: {type(exc).__name__}: {exc}"
            else:
                self._write("model.pkl", lambda: save_model(self))
        self.ended_as = "cancelled" if cancelled else "finished"
        if self.store_error is not None:
            kept = "the final model and " if self.outcome.model is not None else ""
            self._fail(f"{self.store_error} — the run went on in memory: {kept}its {len(self.results)} trials are "
                       "in this session only (aml.save(path) writes them to a folder that works; "
                       f"an.load({str(self.folder)!r}) would miss them)")
            return
        self.error = no_model
        self.status = self.ended_as
        self._phase(self.status, self.steerer.end_message(no_model or self.outcome.description))
        self.bus.emit(RunFinished(self.status, self.best_score(), self.elapsed(), len(self.results),
                                  self.stop_reason or ""))

    def _fail(self, error: str, trace: str = "") -> None:
        self.steerer.stop(self.stop_reason or "the run failed")
        self.error = error
        self._traceback = trace
        self.status = "failed"
        self.bus.emit(RunFailed(error))

    _traceback = ""

    def _folder_problem(self) -> str:
        """What went wrong with the folder, to add to a failure's message (workers that die
        at start because the data file is gone say nothing of it themselves)."""
        notes = []
        if self.data is not None and not (self.folder / "data.joblib").is_file():
            gone = "is gone" if not self.folder.is_dir() else "lost data.joblib"
            notes.append(f" — the experiment folder {str(self.folder)!r} {gone} (moved, deleted or replaced during "
                         "the run): workers read the data from it")
        if self.store_error is not None:
            notes.append(f" (before that, {self.store_error})")
        return "".join(notes)

    def _release(self, runner: Any) -> None:
        """Release the workers and note how the run ended in the folder (when it can still be
        written); then ``wait()`` returns, whatever failed here."""
        try:
            if runner is not None:
                try:
                    runner.shutdown()
                except Exception:  # noqa: BLE001 - the run's end must not depend on it
                    log.exception("automl_nb: the runner could not be shut down")
            try:
                if self.error is not None:
                    self.store.put("error", self.error)
                if self.stop_reason is not None:
                    self.store.put("stop_reason", self.stop_reason)
                if self._traceback:
                    self.store.put("traceback", self._traceback)
                self.store.put("status", self.status)
            except Exception as exc:  # noqa: BLE001 - the folder failed; the run already said so
                log.warning("automl_nb: could not note the run's end in %s: %s", self.folder, exc)
        finally:
            self._finished.set()

    def _write(self, what: str, write: Callable[[], Any]) -> bool:
        """Write ``what`` to the folder; False when it cannot be written.

        The first failure (a full disk, a folder deleted or moved) is kept in
        ``store_error`` and said at once (a PhaseChanged message); from then on nothing more
        is written, so the folder holds a consistent prefix of the run. The search goes on:
        trials run in the workers and come back in memory, so nothing is lost, and the run
        ends failed with the reason; ``save_copy`` writes it to another folder."""
        if self.store_error is not None:
            return False
        try:
            write()
            return True
        except Exception as exc:  # noqa: BLE001 - any failure to write: the run goes on in memory
            self.store_error = f"the experiment folder {str(self.folder)!r} could not be written ({what}): {exc}"
            log.warning("automl_nb: %s; the run goes on in memory", self.store_error)
            self.bus.emit(PhaseChanged(self.status, f"{self.store_error}; the run goes on in memory"))
            return False

    def _make_searcher(self, n_workers: int):
        from .learners.custom import run_learners
        from .search.searcher import Searcher

        cfg, p, learners = self.config, self.prepared, run_learners(self.config.learners)
        names = self.steerer.searched_names()  # as steered so far (a resumed run keeps its blocks)
        searcher = Searcher([learners[n] for n in names], p.task, self.n_rows(), cfg.seed, n_workers,
                            deterministic=cfg.max_trials is not None, baseline=self.baseline,
                            portfolio=self.task.portfolio(p), loss_of=self.metric.loss,
                            first=[n for n in cfg.learners or {} if n in names])
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
        steer = self.steerer
        steer.begin(self._previous)  # resumed: an earlier trial may have reached target_score already
        first = searcher.ask_baseline() if steer.target_hit is None else None
        if first is not None:
            self.bus.emit(TrialStarted(first.trial_id, first.learner, first.params))
            self.record(self.data.evaluate(first, None))
            n_started += 1
        while True:
            for c in runner.poll(0.05):
                self.complete(c)
            if steer.stopped_at_target(runner, self.complete):
                return False, True
            command = self._next_command()
            if command is not None:
                if command[0] == "cancel":
                    steer.stop("cancelled by you")
                    for c in runner.kill_running("cancelled", "cancelled by you"):
                        self.complete(c)
                    return True, bool(command[1])
                if command[0] == "steer":
                    steer.apply(*command[1:])
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
                steer.stop("time budget used" if now >= search_deadline else "max_trials reached")
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
                steer.stop("every configuration tried")
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
        self.steerer.note(result)
        self.results[result.trial_id] = result
        self._searcher.tell(result)
        self._write(f"trial {result.trial_id}", lambda: self.store.add_trial(result))
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
