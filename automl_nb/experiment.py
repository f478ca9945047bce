"""Experiment: settings + data + the run's lifecycle (start, pause, resume, cancel, finish).

The kernel's thread never trains: :meth:`Experiment.start` returns a :class:`Run` at once,
a driver thread owns the searcher and the runner, and trials run in worker processes.
Everything that matters is written to the experiment folder as it happens.
"""

from __future__ import annotations

import math
import os
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .config import ExperimentConfig, ValidationPlan, resolve_validation
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
from .run.store import Store
from .run.trial import TrialConfig, TrialData, TrialResult

SAFETY_SECONDS = 0.4  # kept free at the end of the budget for saving and bookkeeping
MAX_ENSEMBLE_CANDIDATES = 15
ENSEMBLE_MAX_ROWS = 20_000


@dataclass
class Outcome:
    """What a finished run leaves: the model, and how it was chosen."""

    model: Any = None  # fitted sklearn Pipeline
    members: dict[int, float] = field(default_factory=dict)  # trial id -> weight
    ensemble_score: float = float("nan")
    best_trial: int | None = None
    description: str = ""


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
    BASELINE = "dummy"  # the learner every score is compared with; runs first, on the driver

    def __init__(self, config: ExperimentConfig, prepared: Any, folder: Path, bus: EventBus | None = None) -> None:
        self.config = config
        self.prepared = prepared
        self.folder = folder
        self.bus = bus or EventBus()
        self.store = Store(folder)
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
        self._finished = threading.Event()
        self._lock = threading.Lock()
        self._commands: list[tuple] = []
        self._t0 = time.time()
        self._deadline = self._t0 + config.time_budget
        self._paused_at: float | None = None
        self._best_loss = math.inf
        self._previous: list[TrialResult] = []  # restored trials when resuming

    # ---- preparation (profile, guardrails, folds) ------------------------------------------

    def profile_and_plan(self) -> None:
        """Profile the data, choose validation, run the guardrails, write the data for workers."""
        import joblib

        from .data.guardrails import check_data
        from .data.profile import profile_frame
        from .data.validation import make_folds

        p = self.prepared
        self._phase("profiling", "profiling columns and checking the data")
        self.profile = profile_frame(p.X)
        self.plan = resolve_validation(
            self.config, p.task, p.n_train, has_groups=p.groups is not None,
            has_validation_data=p.n_train < len(p.X),
        )
        folds = make_folds(self.plan, p.y, p.task, self.config.seed, p.groups, p.n_train)
        self.guardrails = check_data(
            p.X.iloc[: p.n_train], _series(p.y_original[: p.n_train]), self.profile, p.task,
            n_missing_target=p.n_missing_target, inf_columns=p.inf_columns,
            validation=self.plan.description, n_folds=self.plan.n_folds, seed=self.config.seed,
            time_limit=min(2.0, 0.05 * self.config.time_budget),
        )
        self.data = TrialData(
            X=p.X, y=p.y, y_original=p.y_original, folds=folds, profile=self.profile, task=p.task,
            metric=p.metric, n_classes=p.n_classes, seed=self.config.seed,
        )
        tmp = self.folder / ".data.joblib.tmp"
        joblib.dump(self.data, tmp)
        tmp.replace(self.folder / "data.joblib")
        self.store.put("config", self.config.to_dict())
        self.store.put("task", {"task": p.task, "reason": p.task_reason, "metric": p.metric,
                                "classes": None if p.classes is None else p.classes.tolist(),
                                "columns": list(p.X.columns), "n_rows": len(p.X)})
        self.store.put("plan", self.plan.__dict__)
        self.store.put("prepared", {"task_reason": p.task_reason, "n_train": p.n_train,
                                    "n_missing_target": p.n_missing_target, "inf_columns": p.inf_columns,
                                    "dropped_columns": list(p.dropped_columns)})
        self.store.put("guardrails", [g.__dict__ for g in self.guardrails])

    # ---- lifecycle -------------------------------------------------------------------------

    @classmethod
    def restore(cls, folder: Path, config: ExperimentConfig | None = None) -> Experiment:
        """An experiment as its folder left it: settings, data, trials, guardrails, model."""
        import joblib

        from .data.prepare import PreparedData

        folder = Path(folder)
        if not Store.exists(folder):
            raise FileNotFoundError(f"{str(folder)!r} is not an automl_nb experiment folder (no experiment.sqlite)")
        store = Store(folder)
        saved = store.get("config")
        meta = store.get("prepared")
        task = (store.get("task") or {}).get("task")
        store.close()
        if task == "forecast" and cls is Experiment:
            from .forecast.experiment import ForecastExperiment

            return ForecastExperiment.restore(folder, config)
        if saved is None or meta is None or not (folder / "data.joblib").exists():
            raise FileNotFoundError(f"the experiment in {str(folder)!r} never got past its start; nothing to restore")
        data: TrialData = joblib.load(folder / "data.joblib")
        classes = None if data.task == "regression" else np.unique(data.y_original)
        prepared = PreparedData(
            X=data.X, y=data.y, y_original=data.y_original, task=data.task, task_reason=meta["task_reason"],
            metric=data.metric, classes=classes, n_train=meta["n_train"],
            n_missing_target=meta["n_missing_target"], inf_columns=meta["inf_columns"],
            dropped_columns=tuple(meta["dropped_columns"]),
        )
        exp = cls(config or ExperimentConfig.from_dict(saved), prepared, folder)
        exp.data, exp.profile = data, data.profile
        exp._restore_state()
        return exp

    def _restore_state(self) -> None:
        """Plan, guardrails, trials, status, the best loss so far and the final model, as the
        folder left them."""
        from .data.guardrails import Guardrail
        from .persist import load_pipeline

        exp, folder = self, self.folder
        exp.plan = ValidationPlan(**exp.store.get("plan"))
        exp.guardrails = [Guardrail(**{**g, "columns": tuple(g["columns"])}) for g in exp.store.get("guardrails", [])]
        trials = exp.store.trials(with_oof=True)
        exp.results = {r.trial_id: r for r in trials}
        exp._previous = trials
        exp.status = exp.store.get("status", "unknown")
        exp._best_loss = min((exp._loss(r) for r in trials if r.ok), default=math.inf)
        outcome = exp.store.get("outcome")
        if outcome is not None and (folder / "model.pkl").exists():
            exp.outcome = Outcome(
                model=load_pipeline(folder / "model.pkl"),
                members={int(k): v for k, v in outcome["members"].items()},
                ensemble_score=float("nan") if outcome["ensemble_score"] is None else outcome["ensemble_score"],
                best_trial=outcome["best_trial"], description=outcome["description"],
            )
        exp._finished.set()

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

    def _control(self, command: str, *args: Any) -> None:
        with self._lock:
            self._commands.append((command, *args))

    def _phase(self, phase: str, message: str = "") -> None:
        self.status = phase
        self.bus.emit(PhaseChanged(phase, message))

    def _drive(self) -> None:
        from .learners import get_learner
        from .metrics import get_metric
        from .run.runner import LocalRunner

        runner = None
        cancelled = False
        try:
            p, cfg = self.prepared, self.config
            metric = get_metric(p.metric)
            n_workers = cfg.n_workers()
            threads = max(1, (os.cpu_count() or 1) // n_workers)
            # workers start (and import their libraries) while the data is profiled
            # what the learners import beyond the warm-up (torch) is imported once, before forking
            preload = tuple(sorted({r for n in self._learner_names() if (r := get_learner(n).requires)}))
            runner = LocalRunner(str(self.folder / "data.joblib"), n_workers, threads, cfg.memory_limit_mb, preload)
            runner.start()
            if self.data is None:
                self.profile_and_plan()
            runner.load()
            self.bus.emit(self._started_event())
            searcher = self._make_searcher(n_workers)
            self._searcher, self._metric = searcher, metric
            self._phase("searching", "baselines first, then a portfolio of strong defaults, then model-based search")
            cancelled, finalize = self._search(searcher, runner, metric)
            if cancelled and not finalize:
                self.status = "cancelled"
            else:
                self._finalize(runner, metric, get_learner)
                self.status = "cancelled" if cancelled else "finished"
            self._phase(self.status, self.outcome.description)
            self.bus.emit(RunFinished(self.status, self._best_score(), self.elapsed(), len(self.results)))
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

    def _started_event(self) -> RunStarted:
        p = self.prepared
        return RunStarted(p.task, p.metric, self.config.time_budget, self.plan.description, len(p.X), p.X.shape[1])

    def _trial_functions(self) -> tuple[Any, Any]:
        """``(evaluate, refit)`` for this experiment's data."""
        from .run.trial import trial_functions

        return trial_functions(self.data)

    def _n_rows(self) -> int:
        return len(self.prepared.X)

    def _portfolio(self) -> list[tuple[str, int]] | None:
        """The portfolio phase's order, (learner, default index); None: the searcher's own."""
        return None

    def _n_validations(self) -> int:
        """Models fitted per trial (folds), to estimate a refit's cost."""
        return max(1, len(self.data.folds))

    def _learner_names(self) -> list[str]:
        """The learners this run may try: those for the task that are installed, allowed (or,
        when none are named, whose ``min_budget`` the time budget reaches) and not blocked."""
        from .learners import LEARNERS

        cfg, task = self.config, self.prepared.task
        names = [n for n, s in LEARNERS.items() if task in s.tasks and s.available()]
        if cfg.allowed_learners is not None:
            names = [n for n in names if n in cfg.allowed_learners or n == self.BASELINE]
        else:
            names = [n for n in names if LEARNERS[n].min_budget <= cfg.time_budget]
        return [n for n in names if n not in cfg.blocked_learners]

    def _make_searcher(self, n_workers: int):
        from .learners import LEARNERS
        from .metrics import get_metric
        from .search.searcher import Searcher

        cfg, p = self.config, self.prepared
        names = self._learner_names()
        searcher = Searcher([LEARNERS[n] for n in names], p.task, self._n_rows(), cfg.seed, n_workers,
                            deterministic=cfg.max_trials is not None, baseline=self.BASELINE,
                            portfolio=self._portfolio(), loss_of=get_metric(p.metric).loss)
        searcher.restore(self._previous)  # resuming: the searcher knows what was tried
        return searcher

    # ---- the search loop -------------------------------------------------------------------

    def _search(self, searcher, runner, metric) -> tuple[bool, bool]:
        from .run.runner import Job

        evaluate, _ = self._trial_functions()
        cfg = self.config
        max_trials = cfg.max_trials
        n_started = 0
        # the dummy baseline runs here at once (microseconds), so the first row comes immediately
        first = searcher.ask_baseline()
        if first is not None:
            self.bus.emit(TrialStarted(first.trial_id, first.learner, first.params))
            self._record(evaluate(first, self.data, None), searcher, metric)
            n_started += 1
        while True:
            for c in runner.poll(0.05):
                self._complete(c, searcher, metric)
            command = self._next_command()
            if command is not None:
                if command[0] == "cancel":
                    for c in runner.kill_running("cancelled", "cancelled by you"):
                        self._complete(c, searcher, metric)
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
                self._complete(c, searcher, metric)
        if runner.idle() == 0:
            for c in runner.kill_running("timeout", "stopped: the search's time ran out"):
                self._complete(c, searcher, metric)
        return False, True

    def _next_command(self) -> tuple | None:
        with self._lock:
            return self._commands.pop(0) if self._commands else None

    def _complete(self, c, searcher, metric) -> None:
        if c.job.kind != "trial":
            return
        config: TrialConfig = c.job.payload[0]
        if c.ok:
            result = c.value
        else:
            result = TrialResult(config.trial_id, config.learner, dict(config.params), c.status, config.phase,
                                 started_at=c.job.started, duration=time.time() - c.job.started, error=c.error)
        self._record(result, searcher, metric)

    def _record(self, result: TrialResult, searcher, metric) -> None:
        self.results[result.trial_id] = result
        searcher.tell(result)
        self.store.add_trial(result)
        if self.first_row_seconds is None:
            self.first_row_seconds = time.time() - self._t0
        if result.ok:
            self.bus.emit(TrialFinished(result))
            loss = metric.loss(result.score)
            if loss < self._best_loss:
                self._best_loss = loss
                self.bus.emit(BestChanged(result.trial_id, result.learner, result.score))
        else:
            self.bus.emit(TrialFailed(result))

    def _reserve(self) -> float:
        """Seconds kept for ensemble selection and the refit on all data."""
        budget = self.config.time_budget
        ok = sorted((r for r in self.results.values() if r.ok and r.learner != self.BASELINE),
                    key=lambda r: self._loss(r))[:5]
        n_folds = self._n_validations()
        if not ok:
            estimate = 0.1 * budget
        else:
            # a refit trains once on all rows: about one fold's fit, scaled to the full data
            scale = 1.0 / 0.9 if n_folds == 1 else n_folds / (n_folds - 1)
            each = sorted((r.duration / n_folds) * scale * 1.3 for r in ok)
            estimate = max(each[-1], sum(each) / self.config.n_workers())
        return min(0.4 * budget, estimate + 0.5) + SAFETY_SECONDS + 0.02 * budget

    def _loss(self, r: TrialResult) -> float:
        from .metrics import get_metric

        return get_metric(self.prepared.metric).loss(r.score)

    def _best_score(self) -> float | None:
        if not math.isnan(self.outcome.ensemble_score):
            return self.outcome.ensemble_score
        ok = [r for r in dict(self.results).values() if r.ok]
        return min(ok, key=self._loss).score if ok else None

    # ---- ensemble selection and refit ----------------------------------------------------

    def _finalize(self, runner, metric, get_learner) -> None:
        ok = sorted((r for r in self.results.values() if r.ok and r.oof is not None), key=self._loss)
        if not ok:
            raise RuntimeError("no trial finished successfully; see the leaderboard's errors")
        best = ok[0]
        members = {best.trial_id: 1.0}
        if self.config.ensemble:
            members = self._select_members(ok, metric) or members
        self._phase("refitting", f"training {len(members)} model(s) on all {self._n_rows():,} rows")
        fitted = self._refit_members(runner, members)
        if not fitted and best.trial_id not in members:
            members = {best.trial_id: 1.0}
            fitted = self._refit_members(runner, members)
        if not fitted:  # nothing could be refit in time: the baseline is always available
            _, refit = self._trial_functions()
            base = next((r for r in ok[::-1] if r.learner == self.BASELINE), None)
            if base is None:
                raise RuntimeError("no model could be refit within the time budget")
            fitted = {base.trial_id: refit(self.BASELINE, {}, self.data)}
            members = {base.trial_id: 1.0}
        kept = {t: w for t, w in members.items() if t in fitted}
        total = sum(kept.values())
        kept = {t: w / total for t, w in kept.items()}
        description = (f"ensemble of {len(kept)} trials" if len(kept) > 1
                       else f"trial {next(iter(kept))} ({self.results[next(iter(kept))].learner})")
        sampled = sorted({self.refit_rows[t] for t in kept if self.refit_rows.get(t, self._n_rows()) < self._n_rows()})
        if sampled:
            description += (f" (trained on {', '.join(f'{n:,}' for n in sampled)} of {self._n_rows():,} rows:"
                            " all would not fit in the time left)")
        smoothing = self._prior_smoothing(ok, kept, metric)
        if smoothing is not None:
            base, eps = smoothing
            if base not in fitted:
                _, refit = self._trial_functions()
                fitted[base] = refit(self.BASELINE, {}, self.data)
            kept = {**{t: w * (1 - eps) for t, w in kept.items()}, base: eps}
            description += f", blended with the class prior at weight {eps:.2g} (1/rows)"
        self.outcome = Outcome(
            model=self._assemble(fitted, kept), members=kept,
            ensemble_score=self._oof_score(kept, metric) if len(kept) > 1 else float("nan"),
            best_trial=best.trial_id, description=description,
        )
        self._save_model()

    def _prior_smoothing(self, ok: list[TrialResult], kept: dict[int, float], metric) -> tuple[int, float] | None:
        """For log loss: (baseline trial, weight 1/n) to blend the class prior into the model.

        A model trained on n rows has no evidence for a class probability far below 1/n, yet
        nearly separable classes drive regularized linear models and boosted trees to 1e-6 and
        less; one unusual row (on penguins: all measurements missing) then costs more than all
        other rows together. Additive smoothing at weight 1/n floors every probability at
        prior/n and moves the rest by at most 1/n."""
        if metric.name != "log_loss" or self.prepared.task not in ("binary", "multiclass"):
            return None
        base = next((r.trial_id for r in ok if r.learner == self.BASELINE), None)
        if base is None or base in kept:
            return None
        return base, 1.0 / max(self._n_rows(), 2)

    def _select_members(self, ok: list[TrialResult], metric) -> dict[int, float] | None:
        """Greedy ensemble selection over the best trials' out-of-fold predictions; None
        when no blend beats the best single trial."""
        from .data.validation import validation_mask
        from .ensemble import select

        p = self.prepared
        candidates = [r for r in ok if r.learner != self.BASELINE][:MAX_ENSEMBLE_CANDIDATES]
        if len(candidates) < 2:
            return None
        self._phase("ensembling", f"greedy selection over the {len(candidates)} best trials' out-of-fold predictions")
        mask = validation_mask(self.data.folds, len(p.y))
        rows = np.flatnonzero(mask)
        if len(rows) > ENSEMBLE_MAX_ROWS:
            keep = np.random.default_rng(self.config.seed).choice(rows, ENSEMBLE_MAX_ROWS, replace=False)
            mask = np.zeros_like(mask)
            mask[keep] = True
        sel = select([(r.trial_id, r.oof) for r in candidates], p.y, metric, p.n_classes, mask)
        if len(sel.weights) > 1 and metric.loss(sel.score) < metric.loss(sel.best_single_score):
            return sel.weights
        return None

    def _oof_score(self, weights: dict[int, float], metric) -> float:
        """The metric of the weighted out-of-fold predictions (every validated row)."""
        from .data.validation import validation_mask

        p = self.prepared
        mask = validation_mask(self.data.folds, len(p.y))
        blend = sum(w * self.results[t].oof[mask].astype(np.float64) for t, w in weights.items())
        return float(metric.score(p.y[mask], blend, p.n_classes))

    def _refit_members(self, runner, members: dict[int, float]) -> dict[int, Any]:
        from .run.runner import Job

        _, refit = self._trial_functions()
        base = self.BASELINE
        todo = sorted(members, key=lambda t: -members[t])
        fitted: dict[int, Any] = {}
        for tid in [t for t in todo if self.results[t].learner == base]:
            fitted[tid] = refit(base, {}, self.data)  # trivial: no worker needed
            todo.remove(tid)
        pending = set(todo)
        deadline = self._deadline - SAFETY_SECONDS
        while pending and time.time() < deadline + 0.5:
            while todo and runner.idle():
                waves = math.ceil(len(todo) / runner.n_workers)
                tid = todo.pop(0)
                r = self.results[tid]
                params = r.refit_params or r.params
                rows = self._refit_rows(r, (deadline - time.time()) / waves)
                self.refit_rows[tid] = rows or self._n_rows()
                runner.submit(Job("refit", tid, (r.learner, params, deadline, *([rows] if rows else [])), deadline))
            for c in runner.poll(0.05):
                if c.job.kind == "refit":
                    pending.discard(c.job.key)
                    if c.ok:
                        fitted[c.job.key] = c.value
                else:  # a search trial that ended late still gets its row
                    self._complete(c, self._searcher, self._metric)
        for c in runner.kill_running("timeout", "stopped: the time budget ran out"):
            if c.job.kind == "trial":
                self._complete(c, self._searcher, self._metric)
        return fitted

    def _refit_rows(self, r: TrialResult, seconds: float) -> int | None:
        """Rows to refit a trial's model on when the search trained on a sample (large data):
        as many as ``seconds`` allow at the trial's speed, None for all of them."""
        if self.plan is None or self.plan.search_rows is None:
            return None
        n_trial = len(self.data.folds[0][0])
        per_row = max(r.duration - r.predict_seconds, 0.01) / n_trial  # featurizing and fitting, per row
        rows = int(seconds / (1.3 * per_row))  # margin: trees grow deeper with more rows
        return None if rows >= self._n_rows() else max(n_trial, rows)

    def _assemble(self, fitted: dict[int, Any], weights: dict[int, float]) -> Any:
        from sklearn.pipeline import Pipeline

        from .ensemble import build_voting

        if len(weights) == 1:
            return fitted[next(iter(weights))]
        members = [(f"trial_{t}_{self.results[t].learner}", fitted[t]) for t in weights]
        ens = build_voting(members, list(weights.values()), self.prepared.task, self.prepared.classes)
        return Pipeline([("ensemble", ens)])

    def _save_model(self) -> None:
        from .persist import dump_pipeline

        self.store.write_stream("model.pkl", lambda f: dump_pipeline(self.outcome.model, f))
        self.store.put("outcome", {"members": {str(k): v for k, v in self.outcome.members.items()},
                                   "ensemble_score": None if math.isnan(self.outcome.ensemble_score) else self.outcome.ensemble_score,
                                   "best_trial": self.outcome.best_trial, "description": self.outcome.description})


def _series(a: np.ndarray):
    import pandas as pd

    return pd.Series(a)
