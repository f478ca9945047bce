"""A fork server: worker processes forked from one process that imported their libraries.

Each worker started with ``python -m automl_nb.run.worker`` imports NumPy, pandas,
scikit-learn and LightGBM itself: 2-5 s and ~170 MB per worker. The fork server imports them
once; a worker forked from it starts in milliseconds and shares those pages with the server
and with every other worker (copy-on-write), so each worker adds only what its trials
allocate (~20-60 MB instead of ~260 MB), and a worker killed for a timeout is replaced at once.

The server never computes anything (no OpenMP region runs before a fork). Linux only; where
forking is not available the runner starts workers as separate interpreters.

Protocol on the control socket, in order (replies come in request order):
``b"F"`` with one file descriptor (the worker's end of its socket pair) -> the child's pid;
``b"S" + pid`` -> the child's exit code, or ``NO_STATUS`` while it runs.
"""

from __future__ import annotations

import os
import signal
import socket
import struct
import subprocess
import sys
import threading
from collections import deque
from typing import Any

from .worker import thread_env

NO_STATUS = -(2**31)
_INT = struct.Struct("i")

AVAILABLE = sys.platform.startswith("linux") and hasattr(socket, "send_fds")


class ForkServerError(OSError):
    """The fork server is gone; the caller starts the worker as a separate interpreter."""


class ForkServer:
    """The parent's handle on one server process (one per thread count)."""

    def __init__(self, threads: int, preload: tuple[str, ...], log_path: str) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)  # keeps message bounds
        env = {**os.environ, **thread_env(threads)}
        with open(log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "automl_nb.run.forkserver", str(theirs.fileno()), str(threads),
                 ",".join(preload)],
                pass_fds=(theirs.fileno(),), env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            )
        theirs.close()
        self._sock = ours
        self._lock = threading.Lock()
        self._waiting: deque[ForkedProcess | None] = deque()  # one per request sent, None: a status

    def alive(self) -> bool:
        return self.proc.poll() is None

    def fork(self) -> tuple[ForkedProcess, socket.socket]:
        """Ask for a worker; returns at once (the pid comes when the server has imported)."""
        parent, child = socket.socketpair()
        try:
            with self._lock:
                socket.send_fds(self._sock, [b"F"], [child.fileno()])
                proc = ForkedProcess(self)
                self._waiting.append(proc)
        except OSError as exc:
            parent.close()
            raise ForkServerError(f"the fork server is gone: {exc}") from None
        finally:
            child.close()
        return proc, parent

    def exit_code(self, pid: int) -> int | None:
        """The exit code of a child that ended (negative: the signal), None while it runs."""
        with self._lock:
            try:
                self._sock.sendall(b"S" + _INT.pack(pid))
                self._waiting.append(None)
                code = NO_STATUS
                while self._waiting:  # replies come in request order: ours is the last
                    code = self._read_reply()
            except OSError:
                return None
        return None if code == NO_STATUS else code

    def resolve(self, proc: ForkedProcess, block: bool = True) -> None:
        """Read replies until ``proc`` knows its pid; with ``block``, wait while the server
        imports, else read only replies already there."""
        import select

        with self._lock:
            while proc.pid is None and self._waiting:
                if not block and not select.select([self._sock], [], [], 0)[0]:
                    return
                self._read_reply()

    def _read_reply(self) -> int:
        """The next reply: a pid goes to the ForkedProcess that asked for it; returns the value."""
        data = self._sock.recv(16)
        if len(data) < _INT.size:
            raise ForkServerError("the fork server closed its socket")
        value = _INT.unpack(data[:_INT.size])[0]
        head = self._waiting.popleft()
        if head is not None:
            head.pid = value
        return value

    def stop(self) -> None:
        try:
            self._sock.close()
        finally:
            if self.alive():
                self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass


class ForkedProcess:
    """The parts of ``subprocess.Popen`` the runner uses, for a child of the fork server."""

    def __init__(self, server: ForkServer) -> None:
        self.server = server
        self.pid: int | None = None
        self.returncode: int | None = None

    def _known_pid(self) -> int | None:
        if self.pid is None:
            try:
                self.server.resolve(self)
            except OSError:
                return None
        return self.pid

    def poll(self) -> int | None:
        if self.returncode is not None:
            return self.returncode
        if self.pid is None and self.server.alive():
            try:
                self.server.resolve(self, block=False)
            except OSError:
                pass
            if self.pid is None:
                return None  # not forked yet: the server is still importing
        pid = self._known_pid()
        if pid is None:
            self.returncode = 1
            return 1
        try:
            os.kill(pid, 0)
            return None
        except ProcessLookupError:
            pass
        except PermissionError:
            return None
        code = self.server.exit_code(pid)
        self.returncode = code if code is not None else 1
        return self.returncode

    def kill(self) -> None:
        pid = self._known_pid()
        if pid is not None and self.returncode is None:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def wait(self, timeout: float | None = None) -> int:
        import time

        end = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if end is not None and time.monotonic() > end:
                raise subprocess.TimeoutExpired("automl_nb worker", timeout)
            time.sleep(0.01)
        return code


# ============================================================================ the server
def serve(ctl: socket.socket, threads: int, preload: list[str]) -> None:
    """Import, then fork a worker per request until the parent closes the socket."""
    import gc
    import importlib

    from .worker import _warm_up, worker_main

    _warm_up()
    for name in preload:  # e.g. torch: ~190 MB once instead of in every worker that runs the MLP
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the learner that needs it reports the error itself
            pass
    gc.collect()
    gc.freeze()  # objects imported so far stay out of the children's collections: fewer copied pages
    statuses: dict[int, int] = {}

    def reap(*_: Any) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            statuses[pid] = os.waitstatus_to_exitcode(status)

    signal.signal(signal.SIGCHLD, reap)
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(ctl, 16, 1)
        except OSError:
            return
        if not msg:
            return
        if msg[:1] == b"F" and fds:
            pid = os.fork()
            if pid == 0:
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                ctl.close()
                from multiprocessing.connection import Connection

                code = 0
                try:
                    worker_main(Connection(fds[0]), threads)
                except BaseException:  # its last words go to the worker log (stderr_tail)
                    import traceback

                    traceback.print_exc()
                    code = 1
                finally:
                    os._exit(code)
            os.close(fds[0])
            ctl.sendall(_INT.pack(pid))
        elif msg[:1] == b"S" and len(msg) >= 1 + _INT.size:
            reap()
            asked = _INT.unpack(msg[1:1 + _INT.size])[0]
            ctl.sendall(_INT.pack(statuses.pop(asked, NO_STATUS)))
        for fd in fds if msg[:1] != b"F" else ():
            os.close(fd)


if __name__ == "__main__":
    serve(socket.socket(fileno=int(sys.argv[1])), int(sys.argv[2]), [m for m in sys.argv[3].split(",") if m])
