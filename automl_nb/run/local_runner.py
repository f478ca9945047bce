"""LocalRunner: the default :class:`~automl_nb.run.runner.Runner`, worker processes on
this machine.

One process per worker slot, forked from a fork server that imported the heavy libraries
once (Linux), or started as its own interpreter where forking is not possible: holding a
socket pair (POSIX) or connecting back over 127.0.0.1 (everywhere, Windows included; see
spawn.py for the choice and ``AUTOML_NB_WORKER_START``). The trial data is written once to
the experiment folder and each worker loads it once. A job that passes its deadline (plus a
short grace), grows beyond the memory limit (resident memory read with psutil), or crashes
its process is ended by killing that one worker, which is then replaced; the job comes back
as a failure and the run goes on.
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import tempfile
import threading
import time
import warnings
from multiprocessing.connection import Connection, wait
from typing import Any

from .runner import Completion, Job
from .spawn import PortableStart, fallback, start_method, start_spawn

GRACE_SECONDS = 1.0
MAX_START_FAILURES = 3


class WorkerStartError(RuntimeError):
    """Worker processes die before they are ready; the message holds their last words."""


_psutil_warned = False


def _psutil() -> Any:
    """psutil, or None (the memory limit then cannot be enforced)."""
    try:
        import psutil
    except ImportError:
        return None
    return psutil


def _warn_no_psutil() -> None:
    global _psutil_warned
    if not _psutil_warned:
        _psutil_warned = True
        warnings.warn("memory_limit_mb is not enforced: it needs psutil (pip install psutil)",
                      RuntimeWarning, stacklevel=3)


class _Worker:
    """One worker process, talked to over a ``multiprocessing.connection.Connection``.

    Started the way ``method`` says (see spawn.py): forked from the fork server, its own
    interpreter holding a socket pair, or its own interpreter connecting back over 127.0.0.1
    (``conn`` is None until it has). Never multiprocessing's spawn: that re-runs the user's main
    script in the child, and it cannot give the child its own environment."""

    def __init__(self, threads: int, preload: tuple[str, ...] = (), method: str = "fork") -> None:
        self.threads, self.preload, self.method = threads, preload, method
        self.log_path = os.path.join(tempfile.gettempdir(), f"automl_nb-worker-{os.getpid()}.log")
        self.loading = False
        self.ready = False
        self.job: Job | None = None
        self.spawned = time.time()
        self.conn: Connection | None = None
        self.pending: PortableStart | None = None  # a portable worker that has not called back yet
        self._ps: Any = None  # psutil.Process, for the memory limit
        how = method
        started = _forked(threads, preload, self.log_path) if how == "fork" else None
        if how == "fork" and started is None:  # the fork server is gone: the next way down
            how = fallback("spawn")
        if how == "spawn":
            started = start_spawn(threads, self.log_path)
        if started is not None:
            self.proc, parent = started
            self.conn = Connection(parent.detach())
        else:
            self.pending = PortableStart(threads, self.log_path)
            self.proc = self.pending.proc

    def connect(self) -> bool:
        """A portable worker: take its connection if it has called back; True when connected."""
        if self.conn is None and self.pending is not None:
            conn = self.pending.accept()
            if conn is not None:
                self.conn, self.pending = conn, None
        return self.conn is not None

    def alive(self) -> bool:
        return self.proc.poll() is None

    def rss_mb(self) -> float:
        """Resident memory (psutil: every platform); 0 when unknown."""
        pid = self.proc.pid
        psutil = _psutil()
        if pid is None or psutil is None:
            return 0.0
        try:
            if self._ps is None or self._ps.pid != pid:
                self._ps = psutil.Process(pid)
            return self._ps.memory_info().rss / 2**20
        except psutil.Error:
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
        if self.pending is not None:
            self.pending.close()
        if self.conn is not None:
            self.conn.close()


#: one fork server per worker thread count (see forkserver.py)
_FORK_SERVERS: dict[tuple[int, tuple[str, ...]], Any] = {}
_FORK_SERVERS_LOCK = threading.Lock()


def _forked(threads: int, preload: tuple[str, ...], log_path: str) -> tuple[Any, socket.socket] | None:
    """A worker forked from the fork server for ``threads`` that imported ``preload``, or None
    when the fork server is gone."""
    from .forkserver import ForkServer, ForkServerError

    key = (threads, preload)
    with _FORK_SERVERS_LOCK:  # two runs starting at once share one server, never leak one
        server = _FORK_SERVERS.get(key)
        if server is None or not server.alive():
            server = _FORK_SERVERS[key] = ForkServer(threads, preload, log_path)
    try:
        return server.fork()
    except ForkServerError:
        with _FORK_SERVERS_LOCK:
            if _FORK_SERVERS.get(key) is server:
                del _FORK_SERVERS[key]
        return None


class _WarmPool:
    """Idle workers kept between experiments in this process: the second run in a kernel
    starts its trials at once instead of waiting for imports."""

    def __init__(self) -> None:
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()

    def take(self, threads: int, preload: tuple[str, ...], method: str) -> _Worker | None:
        with self._lock:
            for w in self._idle:
                if w.threads == threads and w.preload == preload and w.method == method and w.alive():
                    self._idle.remove(w)
                    return w
        return None

    def give(self, worker: _Worker) -> None:
        try:
            if worker.conn is not None:
                worker.conn.send(("unload",))
            elif worker.pending is None:
                raise OSError("no connection")
            # else: a portable worker still starting; the next runner takes its call
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

    def close(self) -> None:
        """End the idle workers (at exit: no worker outlives the kernel)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for w in idle:
            w.kill()


MAX_IDLE_WORKERS = 8
WARM_POOL = _WarmPool()


@atexit.register
def _at_exit() -> None:
    WARM_POOL.close()
    for server in _FORK_SERVERS.values():
        server.stop()


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
        if memory_limit_mb and _psutil() is None:
            _warn_no_psutil()
        self.method = start_method()  # raises for a bad AUTOML_NB_WORKER_START
        self._workers: list[_Worker] = []
        self._start_failures = 0

    def start(self) -> None:
        """Take warm workers or start new ones; new ones import their libraries meanwhile."""
        self._workers = []
        for _ in range(self.n_workers):
            worker = WARM_POOL.take(self.threads, self.preload, self.method)
            if worker is None:
                worker = _Worker(self.threads, self.preload, self.method)
            self._workers.append(worker)

    def load(self, data: Any, path: str) -> None:
        """The trial data is written at ``path``: every worker loads it from there, once."""
        self.data_path = path
        self._data_ready = True
        for worker in self._workers:
            worker.connect()  # a portable worker that called back meanwhile
            self._send_load(worker)

    _data_ready = False

    def _send_load(self, worker: _Worker) -> None:
        if self._data_ready and not worker.loading and worker.conn is not None:
            worker.loading = True
            try:
                worker.conn.send(("load", self.data_path))
            except OSError:
                pass

    def _spawn(self) -> _Worker:
        worker = _Worker(self.threads, self.preload, self.method)
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
        assert worker.conn is not None  # ready: it answered over its connection
        worker.conn.send((job.kind, *job.payload))

    def poll(self, timeout: float = 0.05) -> list[Completion]:
        out: list[Completion] = []
        for worker in self._workers:
            if worker.conn is None and worker.connect():  # a portable worker called back
                self._send_load(worker)
        conns = {w.conn: w for w in self._workers if w.conn is not None}
        if not conns:  # every worker still calling back (wait() on nothing returns at once on Windows)
            time.sleep(timeout)
        try:
            readable = wait(list(conns), timeout=timeout) if conns else []
        except OSError:
            readable = []
        for conn in readable:
            worker = conns[conn]
            try:
                kind, value = conn.recv()
            except (EOFError, OSError):
                self._count_failed_start(worker)
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
                if worker.pending is not None and worker.pending.expired():
                    worker.kill()  # never called back: a failed start, counted below
                if not worker.alive() and worker in self._workers:
                    self._count_failed_start(worker)
                    self._replace(worker, out, "failed", "")
                continue
            if job.deadline is not None and now > job.deadline + GRACE_SECONDS:
                self._replace(worker, out, "timeout", f"killed: still running {now - job.started:.1f} s after its start, past its deadline")
            elif self.memory_limit_mb and (rss := worker.rss_mb()) > self.memory_limit_mb:
                self._replace(worker, out, "failed", f"killed: out of memory (the worker used {rss:.0f} MB, more than memory_limit_mb={self.memory_limit_mb:g})")
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

    def _count_failed_start(self, worker: _Worker) -> None:
        """A worker lost before it was ready: after a few, the run fails with their last words
        instead of starting workers forever."""
        if worker.job is None and not worker.ready:
            self._start_failures += 1
            if self._start_failures >= MAX_START_FAILURES:
                raise WorkerStartError(f"worker processes die at start: {worker.stderr_tail()}")

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
