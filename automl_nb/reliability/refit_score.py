"""Fit pipelines on some rows and score them on others: the step ``stability`` and
``learning_curve`` share.

A *model* here is what the run builds from trials: ``{trial id: weight}`` — one trial
(``{12: 1.0}``, that trial's pipeline as ``exp.data.refit(learner, params)`` builds it) or the
final model (``exp.outcome.members``: the members refit and assembled as the run assembles
them, the class-prior blend included). The task does the work (``Task.fit_score``), so
nothing here knows what the rows are; a task that cannot (forecasting) says so.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np


def fit_score(exp: Any, models: Sequence[Mapping[int, float]], train: np.ndarray, test: np.ndarray,
              seed: int, threads: int = 1, deadline: float | None = None) -> list[float]:
    """Each model of ``models`` trained on rows ``train`` and scored on rows ``test`` with the
    run's metric (in the metric's own direction), in order.

    Rows are positions in the run's training data (``exp.task.n_rows(exp.prepared)`` of them;
    validation_data rows follow the training rows). Every ``random_state`` (featurizers and
    learners) is ``seed``; learners use ``threads`` threads. Each distinct trial is fitted once
    and shared by the models that hold it. Past ``deadline`` (a ``time.time()``), the next fit
    does not start and :class:`~automl_nb.learners.base.TrialTimeout` is raised; learners that
    check the deadline while fitting stop too.
    """
    return exp.task.fit_score(exp, [dict(m) for m in models], np.asarray(train), np.asarray(test),
                              int(seed), int(threads), deadline)


def fit_seconds_estimate(exp: Any, trial_ids: Sequence[int], n_train: int) -> float:
    """Seconds to fit these trials' pipelines once on ``n_train`` rows and predict, from what
    their trials took: each trial's time per fold (featurizing, fitting, predicting) scaled by
    rows (linearly, a floor for what most learners cost)."""
    total = 0.0
    fold_rows = max(1, int(exp.data.trial_rows()))
    for tid in dict.fromkeys(trial_ids):
        r = exp.results[tid]
        folds = max(1, len(r.fold_scores))
        per_fold = max(r.duration, r.fit_seconds + r.predict_seconds) / folds
        total += per_fold * max(1.0, n_train / fold_rows)
    return total


# ---- in the run's worker processes -----------------------------------------------------------


@dataclass
class Scored:
    """One job of :func:`fit_score_in_workers`: its scores (None unless ``status`` is "ok")."""

    index: int
    scores: list[float] | None
    seconds: float
    status: str  # ok, failed, timeout (its deadline passed), cancelled (Ctrl+C), skipped (no time to start)
    error: str = ""


@dataclass
class _WorkerExperiment:
    """What :func:`fit_score` reads of an experiment, light enough to send to workers."""

    data: Any
    prepared: Any
    results: dict[int, Any]
    config: Any
    task: Any

    @property
    def metric(self) -> Any:
        from ..metrics import get_metric

        return get_metric(self.prepared.metric)


@dataclass
class FitScoreData:
    """Trial data (:class:`~automl_nb.run.trial.TrialData`) whose "configurations" are
    fit-and-score jobs: evaluating job ``i`` fits ``jobs[i]``'s models on its train rows and
    scores its test rows; the scores come back as the result's ``fold_scores``."""

    experiment: _WorkerExperiment
    jobs: list[tuple[list[dict[int, float]], Any, Any, int]]  # (models, train, test, seed)
    seed: int = 0
    threads: int = 1

    def evaluate(self, config: Any, deadline: float | None = None) -> Any:
        from ..run.trial import TrialResult, trial_errors

        started = time.time()
        result = TrialResult(config.trial_id, config.learner, dict(config.params), "ok", "reliability",
                             started_at=started)
        with trial_errors(result):
            models, train, test, seed = self.jobs[config.params["job"]]
            result.fold_scores = fit_score(self.experiment, models, train, test, seed, self.threads, deadline)
        result.duration = time.time() - started
        return result

    def refit(self, learner: str, params: dict[str, Any], deadline: float | None = None,
              rows: int | None = None) -> Any:
        raise NotImplementedError("fit-and-score jobs have no refit")

    def trial_rows(self) -> int:
        return len(self.jobs[0][1]) if self.jobs else 0


def fit_score_in_workers(exp: Any, jobs: Sequence[tuple[Sequence[Mapping[int, float]], Any, Any, int]],
                         deadline: float | None = None, expected_seconds: float = 0.0) -> list[Scored]:
    """:func:`fit_score` for each job ``(models, train rows, test rows, seed)``, run as the run
    runs its trials: in worker processes behind the experiment's runner (``n_jobs`` of them, at
    most one per job), each job on one worker with the threads the run gives a worker.

    Why not in the kernel: the kernel's OpenMP runtime spin-waits (workers are started with
    passive waiting), which made LightGBM 10-100x slower here whenever the other core was busy;
    in workers a job past ``deadline`` is killed, not waited for, and the jobs run side by side.

    A job starts only when it would end by ``deadline`` (``expected_seconds`` each, from what
    the trials took; then the mean of the jobs done); the others come back "skipped". Ctrl+C
    stops the running jobs ("cancelled") and returns what finished. In job order.
    """
    import joblib

    from ..learners.custom import run_learners
    from ..run.runner import Job
    from ..run.trial import TrialConfig

    jobs = [([dict(m) for m in models], np.asarray(tr), np.asarray(te), int(seed)) for models, tr, te, seed in jobs]
    if not jobs:
        return []
    results = {t: replace(r, oof=None) for t, r in exp.results.items()}
    light = _WorkerExperiment(exp.data, exp.prepared, results, exp.config, exp.task)
    trial_ids = {t for models, *_ in jobs for m in models for t in m}
    preload = tuple(sorted({req for t in trial_ids if (req := run_learners(exp.config.learners)[exp.results[t].learner].requires)}))
    n_workers = max(1, min(exp.config.n_workers(), len(jobs)))
    threads = max(1, (os.cpu_count() or 1) // n_workers)
    make_runner = getattr(exp, "make_runner", None)
    if make_runner is None:
        from ..run.local_runner import LocalRunner as make_runner
    path = _data_path(exp)
    out: dict[int, Scored] = {}
    runner = None
    try:
        data = FitScoreData(light, jobs)
        joblib.dump(data, path)
        runner = make_runner(n_workers, threads, exp.config.memory_limit_mb, preload)
        runner.start()
        runner.load(data, str(path))
        todo = list(range(len(jobs)))
        done_seconds: list[float] = []
        try:
            while todo or runner.busy():
                while todo and runner.idle() > 0:
                    expected = float(np.mean(done_seconds)) if done_seconds else expected_seconds
                    if deadline is not None and time.time() + 0.8 * expected > deadline:
                        for i in todo:
                            out[i] = Scored(i, None, 0.0, "skipped", "no time left to start it")
                        todo = []
                        break
                    i = todo.pop(0)
                    config = TrialConfig(i, "fit_score", {"job": i}, phase="reliability")
                    runner.submit(Job("trial", i, (config, deadline), deadline))
                for c in runner.poll(0.05):
                    i = c.job.key
                    if c.ok and c.value.ok:
                        done_seconds.append(c.value.duration)
                        out[i] = Scored(i, list(c.value.fold_scores), c.value.duration, "ok")
                    else:
                        status = c.value.status if c.ok else c.status
                        error = c.value.error if c.ok else c.error
                        out[i] = Scored(i, None, time.time() - c.job.started, status, (error or "").strip())
        except KeyboardInterrupt:
            for c in runner.kill_running("cancelled", "stopped by you"):
                out[c.job.key] = Scored(c.job.key, None, time.time() - c.job.started, "cancelled", "stopped by you")
            for i in todo:
                out[i] = Scored(i, None, 0.0, "cancelled", "stopped by you")
    finally:
        if runner is not None:
            runner.shutdown()
        try:
            path.unlink()
        except OSError:
            pass
    return [out.get(i, Scored(i, None, 0.0, "failed", "no answer")) for i in range(len(jobs))]


def _data_path(exp: Any) -> Path:
    """Where the workers read the jobs from: the run folder, or a temporary folder when it
    cannot be written."""
    name = f".fit-score-{os.getpid()}-{time.time_ns()}.joblib"
    try:
        folder = Path(exp.folder)
        probe = folder / (name + ".probe")
        probe.write_bytes(b"")
        probe.unlink()
        return folder / name
    except (OSError, TypeError, AttributeError):
        return Path(tempfile.mkdtemp(prefix="automl_nb-fit-score-")) / name
