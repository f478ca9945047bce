"""Worker processes, seen from the outside: forked from one fork server that imported the
libraries, replaced when one dies, and started as separate interpreters when forking is off.
Processes are read with psutil (every platform); with ``AUTOML_NB_WORKER_START`` forced (CI
runs this file once more with ``portable``) the tests that do not depend on the way workers
start still run."""

from __future__ import annotations

import os
import signal
import time

import psutil
import pytest

import automl_nb as an
from automl_nb.run.spawn import start_method


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every process below this one."""
    out = {}
    for p in psutil.Process().children(recursive=True):
        try:
            out[p.pid] = (p.ppid(), " ".join(p.cmdline()))
        except psutil.Error:
            continue
    return out


def _fork_servers() -> list[int]:
    return [pid for pid, (ppid, cmd) in _processes().items()
            if ppid == os.getpid() and "automl_nb.run.forkserver" in cmd]


def _workers_of(server: int) -> list[int]:
    return [pid for pid, (ppid, _) in _processes().items() if ppid == server]


def _all_workers() -> list[int]:
    """Every worker process however it was started: forked, or its own interpreter."""
    servers = _fork_servers()
    return [pid for pid, (ppid, cmd) in _processes().items()
            if ppid in servers or "automl_nb.run.worker" in cmd]


pytestmark = pytest.mark.slow

#: trial limits, not short budgets: the tests hold on a busy machine (and with workers that
#: start as separate interpreters, slower than forked ones); these learners' trials are short
FAST = ["linear", "lightgbm"]


@pytest.mark.skipif(start_method() != "fork", reason="the fork server is not the way workers start here")
def test_workers_are_forked_from_one_server(credit, folder):
    def interpreters() -> set[int]:  # workers started as their own interpreter (e.g. by earlier
        # tests that forced the portable start, idle in the warm pool)
        return {p for p, (pp, cmd) in _processes().items() if pp == os.getpid() and "run.worker" in cmd}

    before = interpreters()
    aml = an.AutoML(time_budget=90, max_trials=5, allowed_learners=FAST, folder=folder, show=False)
    lb = aml.fit(credit, "Status").leaderboard()
    assert (lb["status"] == "ok").sum() >= 4
    servers = _fork_servers()
    assert len(servers) >= 1
    # the run's two workers wait, forked, in the warm pool for the next run in this process
    assert sum(len(_workers_of(s)) for s in servers) >= 2
    # no worker of this run was started as its own interpreter
    assert not interpreters() - before


def test_a_worker_killed_from_outside_fails_its_trial_and_the_run_goes_on(credit, folder):
    aml = an.AutoML(time_budget=90, max_trials=7, allowed_learners=FAST, folder=folder, show=False)
    run = aml.start(credit, "Status")
    exp = aml._experiment
    deadline = time.time() + 60
    while time.time() < deadline:
        failed = [r for r in exp.results.values() if "SIGKILL" in (r.error or "")]
        if failed:
            break
        busy = [r for r in exp.results.values() if r.ok]
        if len(busy) >= 3:  # searching: both workers have trials
            for pid in _all_workers():
                os.kill(pid, signal.SIGKILL)  # as the kernel's OOM killer would
        time.sleep(0.7)
    assert run.wait(timeout=120) == "finished"
    lb = aml.leaderboard()
    failed = lb[lb["error"].fillna("").str.contains("SIGKILL")]
    assert len(failed) >= 1
    assert failed["error"].str.contains("probably out of memory").all()
    later = lb[(lb["status"] == "ok") & (lb["trial_id"].notna())]
    assert (later["trial_id"].astype(int) > int(failed["trial_id"].max())).any()  # replaced workers ran more
    assert aml.predict(credit.drop(columns="Status").head(3)).shape == (3,)


@pytest.mark.skipif(os.name != "posix", reason="socket pairs passed by descriptor: POSIX")
def test_without_the_fork_server_workers_are_separate_interpreters(credit, folder, monkeypatch):
    monkeypatch.delenv("AUTOML_NB_WORKER_START", raising=False)
    monkeypatch.setenv("AUTOML_NB_FORKSERVER", "0")  # the older switch still works
    assert start_method() == "spawn"
    # one worker with all cores: a worker kind no earlier test left in the warm pool
    aml = an.AutoML(time_budget=90, max_trials=4, allowed_learners=FAST, n_jobs=1, folder=folder,
                    show=False).fit(credit, "Status")
    assert (aml.leaderboard()["status"] == "ok").sum() >= 3
    spawned = [p for p, (pp, cmd) in _processes().items()
               if pp == os.getpid() and "automl_nb.run.worker" in cmd and "--connect" not in cmd]
    assert len(spawned) == 1


class _CountingRunner:
    """A Runner that hands every call to a LocalRunner and counts the jobs by kind: the
    experiment must use whatever runner it is given."""

    def __init__(self, inner):
        self.inner, self.jobs, self.loaded = inner, [], []
        self.n_workers = inner.n_workers

    def start(self):
        self.inner.start()

    def load(self, data, path):
        self.loaded.append(path)
        self.inner.load(data, path)

    def idle(self):
        return self.inner.idle()

    def busy(self):
        return self.inner.busy()

    def submit(self, job):
        self.jobs.append(job.kind)
        self.inner.submit(job)

    def poll(self, timeout=0.05):
        return self.inner.poll(timeout)

    def kill_running(self, status="cancelled", reason="cancelled"):
        return self.inner.kill_running(status, reason)

    def shutdown(self):
        self.inner.shutdown()


def test_the_experiment_runs_its_trials_on_the_runner_it_is_given(credit, folder):
    from automl_nb.experiment import Experiment
    from automl_nb.run.local_runner import LocalRunner
    from automl_nb.task import get_task

    made = []

    def factory(n_workers, threads, memory_limit_mb, preload):
        made.append(_CountingRunner(LocalRunner(n_workers, threads, memory_limit_mb, preload)))
        return made[0]

    config = an.AutoML(time_budget=90, max_trials=6, allowed_learners=FAST, seed=0).config()
    task = get_task(config.task)
    exp = Experiment(config, task.prepare(credit, "Status", config), folder, task=task, runner=factory)
    exp.start().wait()
    runner = made[0]
    assert exp.status == "finished" and len(made) == 1
    # the data reached the runner once; every trial but the baseline (run on the driver) and
    # every refit went through it
    assert runner.loaded == [str(folder / "data.joblib")]
    assert runner.jobs.count("trial") == len(exp.results) - 1 >= 3
    assert runner.jobs.count("refit") >= 1
    assert exp.outcome.model is not None
