"""LocalRunner: the default :class:`~automl_nb.run.runner.Runner`, worker processes on
this machine.

One process per worker slot, forked from a fork server that imported the heavy libraries
once (Linux), or started as its own interpreter where forking is not possible. The trial
data is written once to the experiment folder and each worker loads it once. A job that
passes its deadline (plus a short grace), grows beyond the memory limit, or crashes its
process is ended by killing that one worker, which is then replaced; the job comes back as
a failure and the run goes on.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Connection, wait
from typing import Any

from .runner import Completion, Job
from .worker import thread_env

GRACE_SECONDS = 1.0
MAX_START_FAILURES = 3


class WorkerStartError(RuntimeError):
    """Worker processes die before they are ready; the message holds their last words."""


class _Worker:
    """One worker process, started with ``python -m automl_nb.run.worker`` and talked to over
    a socket pair. Not multiprocessing's spawn: that re-runs the user's main script in the
    child, and it cannot give the child its own environment."""

    def __init__(self, threads: int, preload: tuple[str, ...] = ()) -> None:
        self.threads, self.preload = threads, preload
        self.log_path = os.path.join(tempfile.gettempdir(), f"automl_nb-worker-{os.getpid()}.log")
        self.loading = False
        self.proc, parent = _forked(threads, preload, self.log_path) or self._spawned(threads)
        self.conn = Connection(parent.detach())
        self.ready = False
        self.job: Job | None = None
        self.spawned = time.time()

    def _spawned(self, threads: int) -> tuple[subprocess.Popen, socket.socket]:
        parent, child = socket.socketpair()
        env = {**os.environ, **thread_env(threads)}
        with open(self.log_path, "ab") as log:  # a file, not a pipe: a chatty learner never blocks
            proc = subprocess.Popen(
                [sys.executable, "-m", "automl_nb.run.worker", str(child.fileno()), str(threads)],
                pass_fds=(child.fileno(),), env=env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=log,
            )
        child.close()
        return proc, parent

    def alive(self) -> bool:
        return self.proc.poll() is None

    def rss_mb(self) -> float:
        if self.proc.pid is None:
            return 0.0
        try:
            with open(f"/proc/{self.proc.pid}/statm") as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        except (OSError, ValueError, IndexError):
            return 0.0

    def stderr_tail(self) -> str:
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-2000:].decode(errors="replace")
        except OSError:
            return ""

    def kill(self) -> None:
        if self.alive():
            self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.conn.close()


#: one fork server per worker thread count (see forkserver.py); set AUTOML_NB_FORKSERVER=0
#: to start every worker as its own interpreter instead
_FORK_SERVERS: dict[tuple[int, tuple[str, ...]], Any] = {}


def _forked(threads: int, preload: tuple[str, ...], log_path: str) -> tuple[Any, socket.socket] | None:
    """A worker forked from the fork server for ``threads`` that imported ``preload``, or None
    where forking is not possible."""
    from .forkserver import AVAILABLE, ForkServer, ForkServerError

    if not AVAILABLE or os.environ.get("AUTOML_NB_FORKSERVER", "1") == "0":
        return None
    key = (threads, preload)
    server = _FORK_SERVERS.get(key)
    if server is None or not server.alive():
        server = _FORK_SERVERS[key] = ForkServer(threads, preload, log_path)
    try:
        return server.fork()
    except ForkServerError:
        _FORK_SERVERS.pop(key, None)
        return None


class _WarmPool:
    """Idle workers kept between experiments in this process: the second run in a kernel
    starts its trials at once instead of waiting for imports."""

    def __init__(self) -> None:
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()

    def take(self, threads: int, preload: tuple[str, ...]) -> _Worker | None:
        with self._lock:
            for w in self._idle:
                if w.threads == threads and w.preload == preload and w.alive():
                    self._idle.remove(w)
                    return w
        return None

    def give(self, worker: _Worker) -> None:
        try:
            worker.conn.send(("unload",))
        except OSError:
            worker.kill()
            return
        worker.ready = worker.loading = False
        with self._lock:
            self._idle.append(worker)
            extra = self._idle[:-MAX_IDLE_WORKERS] if len(self._idle) > MAX_IDLE_WORKERS else []
            self._idle = self._idle[-MAX_IDLE_WORKERS:]
        for w in extra:
            w.kill()


MAX_IDLE_WORKERS = 8
WARM_POOL = _WarmPool()


def _from_file(job: Job, path: str) -> Completion:
    """A result the worker wrote to a file (a refit model): loaded streaming, then removed."""
    import pickle

    try:
        with open(path, "rb") as f:
            return Completion(job, True, pickle.load(f))
    except Exception as exc:  # noqa: BLE001 - a broken result fails this job, not the run
        return Completion(job, False, error=f"could not read the worker's result: {exc}", status="failed")
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass


class LocalRunner:
    """Worker processes on this machine."""

    def __init__(
        self, n_workers: int, threads: int = 1, memory_limit_mb: float | None = None,
        preload: tuple[str, ...] = (),
    ) -> None:
        self.preload = preload
        self.data_path = ""
        self.n_workers = max(1, n_workers)
        self.threads = max(1, threads)
        self.memory_limit_mb = memory_limit_mb
        self._workers: list[_Worker] = []
        self._start_failures = 0

    def start(self) -> None:
        """Take warm workers or start new ones; new ones import their libraries meanwhile."""
        self._workers = []
        for _ in range(self.n_workers):
            worker = WARM_POOL.take(self.threads, self.preload)
            if worker is None:
                worker = _Worker(self.threads, self.preload)
            self._workers.append(worker)

    def load(self, data: Any, path: str) -> None:
        """The trial data is written at ``path``: every worker loads it from there, once."""
        self.data_path = path
        self._data_ready = True
        for worker in self._workers:
            self._send_load(worker)

    _data_ready = False

    def _send_load(self, worker: _Worker) -> None:
        if self._data_ready and not worker.loading:
            worker.loading = True
            try:
                worker.conn.send(("load", self.data_path))
            except OSError:
                pass

    def _spawn(self) -> _Worker:
        worker = _Worker(self.threads, self.preload)
        self._send_load(worker)
        return worker

    # ---- state ---------------------------------------------------------------------------

    def idle(self) -> int:
        return sum(1 for w in self._workers if w.ready and w.job is None)

    def busy(self) -> int:
        return sum(1 for w in self._workers if w.job is not None)

    def running(self) -> list[Job]:
        return [w.job for w in self._workers if w.job is not None]

    # ---- work ----------------------------------------------------------------------------

    def submit(self, job: Job) -> None:
        worker = next(w for w in self._workers if w.ready and w.job is None)
        worker.job = job
        job.started = time.time()
        worker.conn.send((job.kind, *job.payload))

    def poll(self, timeout: float = 0.05) -> list[Completion]:
        out: list[Completion] = []
        conns = {w.conn: w for w in self._workers}
        try:
            readable = wait(list(conns), timeout=timeout)
        except OSError:
            readable = []
        for conn in readable:
            worker = conns[conn]
            try:
                kind, value = conn.recv()
            except (EOFError, OSError):
                self._replace(worker, out, "failed", self._death_message(worker))
                continue
            if kind == "ready":
                worker.ready = True
            elif worker.job is not None:
                job, worker.job = worker.job, None
                if kind == "done":
                    out.append(Completion(job, True, value))
                elif kind == "done_file":
                    out.append(_from_file(job, value))
                else:
                    out.append(Completion(job, False, error=value, status="failed"))
        now = time.time()
        for worker in list(self._workers):
            job = worker.job
            if job is None:
                if not worker.alive() and worker in self._workers:
                    if not worker.ready:
                        self._start_failures += 1
                        if self._start_failures >= MAX_START_FAILURES:
                            raise WorkerStartError(f"worker processes die at start: {worker.stderr_tail()}")
                    self._replace(worker, out, "failed", "")
                continue
            if job.deadline is not None and now > job.deadline + GRACE_SECONDS:
                self._replace(worker, out, "timeout", f"killed: still running {now - job.started:.1f} s after its start, past its deadline")
            elif self.memory_limit_mb and worker.rss_mb() > self.memory_limit_mb:
                self._replace(worker, out, "failed", f"killed: out of memory (worker used more than {self.memory_limit_mb:.0f} MB)")
            elif not worker.alive():
                self._replace(worker, out, "failed", self._death_message(worker))
        return out

    def kill_running(self, status: str = "cancelled", reason: str = "cancelled") -> list[Completion]:
        out: list[Completion] = []
        for worker in list(self._workers):
            if worker.job is not None:
                self._replace(worker, out, status, reason)
        return out

    def shutdown(self) -> None:
        """Idle workers go back to the warm pool; busy ones are ended."""
        for worker in self._workers:
            if worker.job is None and worker.alive():
                WARM_POOL.give(worker)
            else:
                worker.kill()
        self._workers = []

    # ---- internals -----------------------------------------------------------------------

    @staticmethod
    def _death_message(worker: _Worker) -> str:
        try:
            code = worker.proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            code = None
        if code is not None and code < 0:
            import signal

            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = str(-code)
            hint = " (probably out of memory)" if name == "SIGKILL" else ""
            return f"the worker process died from {name}{hint}"
        return f"the worker process exited with code {code}"

    def _replace(self, worker: _Worker, out: list[Completion], status: str, error: str) -> None:
        job = worker.job
        worker.kill()
        if job is not None:
            out.append(Completion(job, False, error=error, status=status))
        i = self._workers.index(worker)
        self._workers[i] = self._spawn()
