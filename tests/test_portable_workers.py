"""The portable way to start workers (each its own interpreter, connecting back over
127.0.0.1 with a key read from its stdin): what Windows gets, where ``pass_fds`` is refused,
and macOS, where there is no fork server. Forced here on Linux with
``AUTOML_NB_WORKER_START=portable``; real searches on real data, real learners.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

import automl_nb as an
from automl_nb.run import local_runner, spawn
from automl_nb.run.local_runner import LocalRunner, _WarmPool
from automl_nb.run.runner import Job
from automl_nb.run.trial import TrialConfig

pytestmark = pytest.mark.slow

#: learners whose trials take a second or two on credit_data, even on a busy machine
FAST = ["linear", "lightgbm"]


@pytest.fixture
def portable(monkeypatch):
    monkeypatch.setenv("AUTOML_NB_WORKER_START", "portable")
    monkeypatch.delenv("AUTOML_NB_FORKSERVER", raising=False)


@pytest.fixture
def fresh_pool(monkeypatch):
    """A warm pool of this test's own: its workers start here, and end with the test."""
    pool = _WarmPool()
    monkeypatch.setattr(local_runner, "WARM_POOL", pool)
    yield pool
    for w in pool._idle:
        w.kill()


def _portable_workers() -> list[psutil.Process]:
    out = []
    for p in psutil.Process().children():
        try:
            cmd = p.cmdline()
        except psutil.Error:
            continue
        if "automl_nb.run.worker" in cmd and "--connect" in cmd:
            out.append(p)
    return out


def _pooled(pool: _WarmPool) -> list:
    return [w for w in pool._idle if w.method == "portable" and w.alive()]


def test_a_search_runs_on_portable_workers_whose_key_is_on_no_command_line(credit, tmp_path, portable, monkeypatch,
                                                                          fresh_pool):
    keys = {}  # pid -> the key its worker was given
    start = spawn.PortableStart.__init__

    def remembering(self, *args, **kwargs):
        start(self, *args, **kwargs)
        keys[self.proc.pid] = self.key.hex()

    monkeypatch.setattr(spawn.PortableStart, "__init__", remembering)
    # a trial limit, not a short budget: separate interpreters import for seconds (more on a
    # busy machine), and the test is about trials finishing on them
    aml = an.AutoML(time_budget=90, max_trials=4, allowed_learners=FAST, folder=tmp_path / "a", show=False).fit(credit, "Status")
    lb = aml.leaderboard()
    in_workers = lb[(lb["status"] == "ok") & lb["trial_id"].notna() & (lb["learner"] != "dummy")]
    assert len(in_workers) == 3, lb[["learner", "status", "error"]]
    assert aml.predict(credit.drop(columns="Status").head(3)).shape == (3,)
    # refit models came back as files in the folder, each read and removed
    assert not list((tmp_path / "a").glob(".refit-*"))
    # the run's workers wait, connected, in the warm pool
    pooled = _pooled(fresh_pool)
    assert len(pooled) >= 2
    for w in pooled:
        assert w.conn is not None
        proc = psutil.Process(w.proc.pid)
        assert proc.ppid() == os.getpid()
        cmd = " ".join(proc.cmdline())
        assert "--connect 127.0.0.1:" in cmd
        key = keys[w.proc.pid]
        assert key not in cmd and key.upper() not in cmd
        assert not any(key in v for v in proc.environ().values())
    # the next run in this process takes them at once
    pids = {w.proc.pid for w in pooled}
    t = time.time()
    aml2 = an.AutoML(time_budget=90, max_trials=3, allowed_learners=FAST, folder=tmp_path / "b", show=False).fit(credit, "Status")
    assert (aml2.leaderboard()["status"] == "ok").sum() >= 3
    assert time.time() - t < 30
    assert pids & {w.proc.pid for w in _pooled(fresh_pool)}


def test_a_portable_worker_killed_from_outside_fails_its_trial_and_the_run_goes_on(credit, folder, portable):
    aml = an.AutoML(time_budget=90, max_trials=7, allowed_learners=FAST, folder=folder, show=False)
    run = aml.start(credit, "Status")
    exp = aml._experiment
    killed: set[int] = set()
    deadline = time.time() + 60
    while time.time() < deadline and not killed:
        if sum(r.ok for r in exp.results.values()) >= 3:  # searching: the workers have trials
            for p in _portable_workers():
                p.kill()
                killed.add(p.pid)
        time.sleep(0.3)
    assert killed
    assert run.wait(timeout=120) == "finished"
    lb = aml.leaderboard()
    died = "SIGKILL" if os.name == "posix" else "exited with code"
    failed = lb[lb["error"].fillna("").str.contains(died)]
    assert len(failed) >= 1, lb[["learner", "status", "error"]]
    later = lb[(lb["status"] == "ok") & lb["trial_id"].notna()]
    assert (later["trial_id"].astype(int) > int(failed["trial_id"].max())).any()  # replacements ran more
    assert not killed & {p.pid for p in _portable_workers()}


# ---- the runner on its own: deadlines and memory ------------------------------------------


@pytest.fixture(scope="module")
def credit_data(credit, tmp_path_factory):
    """The trial data of a credit_data experiment, written where workers load it."""
    from automl_nb.experiment import Experiment
    from automl_nb.task import get_task

    folder = tmp_path_factory.mktemp("runner") / "experiment"
    config = an.AutoML(time_budget=30, seed=0).config()
    task = get_task(config.task)
    exp = Experiment(config, task.prepare(credit, "Status", config), folder, task=task)
    exp.profile_and_plan()
    return exp.data, str(folder / "data.joblib")


def _ready_runner(data, memory_limit_mb=None) -> LocalRunner:
    runner = LocalRunner(1, 1, memory_limit_mb)
    runner.start()
    runner.load(*data)
    _until_idle(runner)
    return runner


def _until_idle(runner: LocalRunner, timeout: float = 60) -> None:
    end = time.time() + timeout
    while runner.idle() == 0:
        assert not runner.poll(0.1)
        assert time.time() < end, "no worker became ready"


def _run(runner: LocalRunner, job: Job, timeout: float = 60):
    runner.submit(job)
    end = time.time() + timeout
    while time.time() < end:
        done = runner.poll(0.05)
        if done:
            return done[0]
    raise AssertionError(f"{job.kind} {job.key} did not end")


def test_a_trial_past_its_deadline_is_killed_and_its_worker_replaced(credit_data, portable):
    runner = _ready_runner(credit_data)
    try:
        first = runner._workers[0].proc.pid
        # a forest of 3000 trees that is not told its deadline (as a learner that ignores it):
        # the runner kills it a grace second after the deadline
        forest = TrialConfig(1, "random_forest", {"n_estimators": 3000})
        t = time.time()
        c = _run(runner, Job("trial", 1, (forest, None), deadline=t + 0.5))
        assert c.status == "timeout" and not c.ok
        assert "past its deadline" in c.error
        assert time.time() - t < 5
        # its replacement is a new interpreter that connects, loads the data and runs trials
        _until_idle(runner)
        assert runner._workers[0].proc.pid != first
        assert not psutil.pid_exists(first) or psutil.Process(first).status() == psutil.STATUS_ZOMBIE
        ok = _run(runner, Job("trial", 2, (TrialConfig(2, "linear", {}), None), None))
        assert ok.ok and ok.value.score > 0.7
        # a refit comes back as a file, read and removed
        model = _run(runner, Job("refit", 2, ("linear", {}, None), None))
        assert model.ok and hasattr(model.value, "predict")
        assert not list(Path(credit_data[1]).parent.glob(".refit-*"))
    finally:
        runner.shutdown()


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="the MLP needs torch")
def test_a_worker_that_grows_past_the_memory_limit_is_killed(credit_data, portable):
    runner = _ready_runner(credit_data)
    try:
        _run(runner, Job("trial", 1, (TrialConfig(1, "linear", {}), None), None))
        baseline = runner._workers[0].rss_mb()
        assert baseline > 50  # psutil reads it
        # room for ordinary trials, not for an MLP of three 4096-wide layers (and torch)
        runner.memory_limit_mb = baseline + 150
        assert _run(runner, Job("trial", 2, (TrialConfig(2, "linear", {}), None), None)).ok
        mlp = TrialConfig(3, "mlp", {"n_layers": 3, "width": 4096, "max_epochs": 50})
        c = _run(runner, Job("trial", 3, (mlp, None), None))
        assert c.status == "failed" and "killed: out of memory" in c.error
        assert f"memory_limit_mb={baseline + 150:g}" in c.error
        _until_idle(runner)  # replaced
        assert _run(runner, Job("trial", 4, (TrialConfig(4, "linear", {}), None), None)).ok
    finally:
        runner.shutdown()


# ---- choosing the way: Windows-like machines, the variable, the key ------------------------


def test_where_pass_fds_is_refused_the_automatic_choice_is_portable(credit, folder, monkeypatch, fresh_pool):
    from automl_nb.run import forkserver

    monkeypatch.delenv("AUTOML_NB_WORKER_START", raising=False)
    monkeypatch.delenv("AUTOML_NB_FORKSERVER", raising=False)
    monkeypatch.setattr(forkserver, "AVAILABLE", False)  # no fork server (macOS, Windows)
    monkeypatch.setattr(spawn, "PASS_FDS_AVAILABLE", False)  # no pass_fds (Windows)
    launched = []
    real_popen = subprocess.Popen

    class WindowsLikePopen(real_popen):  # CPython on Windows refuses pass_fds
        def __init__(self, args, *a, pass_fds=(), **kw):
            if pass_fds:
                raise ValueError("pass_fds is not supported on Windows")
            launched.append(list(args))
            super().__init__(args, *a, **kw)

    monkeypatch.setattr(subprocess, "Popen", WindowsLikePopen)
    assert spawn.start_method() == "portable"
    for forced in ("fork", "spawn"):
        monkeypatch.setenv("AUTOML_NB_WORKER_START", forced)
        with pytest.raises(ValueError, match="AUTOML_NB_WORKER_START"):
            spawn.start_method()
    monkeypatch.delenv("AUTOML_NB_WORKER_START")
    aml = an.AutoML(time_budget=90, max_trials=4, allowed_learners=FAST, folder=folder, show=False).fit(credit, "Status")
    lb = aml.leaderboard()
    assert ((lb["status"] == "ok") & (lb["learner"] != "dummy") & lb["trial_id"].notna()).sum() >= 2
    workers = [a for a in launched if "automl_nb.run.worker" in a]
    assert len(workers) >= 2 and all("--connect" in a for a in workers)
    assert not [a for a in launched if "automl_nb.run.forkserver" in a]


def test_the_variable_chooses_the_way(monkeypatch):
    monkeypatch.delenv("AUTOML_NB_FORKSERVER", raising=False)
    monkeypatch.setenv("AUTOML_NB_WORKER_START", "portable")
    assert spawn.start_method() == "portable"
    monkeypatch.setenv("AUTOML_NB_WORKER_START", "threads")
    with pytest.raises(ValueError, match="auto, fork, spawn, portable"):
        LocalRunner(1)
    monkeypatch.setenv("AUTOML_NB_WORKER_START", "auto")
    expected = "fork" if spawn.fork_available() else "spawn" if os.name == "posix" else "portable"
    assert spawn.start_method() == expected
    if os.name == "posix":
        monkeypatch.setenv("AUTOML_NB_FORKSERVER", "0")
        assert spawn.start_method() == "spawn"


def test_in_a_windows_venv_the_worker_is_the_real_interpreter_not_the_launcher(monkeypatch):
    # a venv's python.exe on Windows starts the base interpreter as its child: the runner
    # would watch (and kill) the launcher; multiprocessing starts the base one, and so do we
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(sys, "executable", r"C:\env\Scripts\python.exe")
    monkeypatch.setattr(sys, "_base_executable", r"C:\Python312\python.exe", raising=False)
    env: dict[str, str] = {}
    assert spawn._interpreter(env) == r"C:\Python312\python.exe"
    assert env == {"__PYVENV_LAUNCHER__": r"C:\env\Scripts\python.exe"}
    monkeypatch.setattr(sys, "_base_executable", sys.executable)  # no venv: as it is
    env = {}
    assert spawn._interpreter(env) == sys.executable and env == {}


def test_a_peer_without_the_key_is_turned_away(tmp_path):
    start = spawn.PortableStart(1, str(tmp_path / "worker.log"))
    try:
        # a stranger connects first (before the worker's interpreter has started)
        stranger = socket.create_connection(start._server.getsockname(), timeout=30)
        heard: list[bytes] = []

        def answer_wrong():
            heard.append(stranger.recv(64))  # the challenge
            stranger.sendall(os.urandom(64))  # not the answer
            heard.append(stranger.recv(64))  # then nothing: closed

        talk = threading.Thread(target=answer_wrong)
        talk.start()
        end = time.time() + 30
        conn = None
        while conn is None and time.time() < end:
            conn = start.accept()  # turns the stranger away, then takes the real worker
            time.sleep(0.02)
        assert conn is not None
        talk.join(30)
        assert len(heard[0]) == 32 and heard[1] == b""  # challenged, then turned away
        stranger.close()
        conn.send(("stop",))
        assert start.proc.wait(timeout=30) == 0
    finally:
        start.close()
        if start.proc.poll() is None:
            start.proc.kill()


def test_without_psutil_the_memory_limit_warns_once(monkeypatch):
    monkeypatch.setitem(sys.modules, "psutil", None)  # import psutil fails
    monkeypatch.setattr(local_runner, "_psutil_warned", False)
    with pytest.warns(RuntimeWarning, match="memory_limit_mb is not enforced.*psutil"):
        LocalRunner(1, 1, 500.0)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LocalRunner(1, 1, 500.0)  # once
        LocalRunner(1, 1, None)  # no limit, nothing to say
