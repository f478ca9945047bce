"""How a worker process is started, and which way is chosen.

Three ways, the first that works here is taken:

``fork``
    forked from a fork server that imported the libraries once (Linux: ``forkserver.py``);
``spawn``
    its own interpreter (``python -m automl_nb.run.worker``) holding one end of a socket pair
    passed with ``pass_fds`` (POSIX: macOS, the BSDs, Linux without the fork server);
``portable``
    its own interpreter that connects back to a listening socket on 127.0.0.1 and proves it
    knows a random key, which it reads from its stdin (never the command line, where other
    users see it; not the environment, which the worker's own children would inherit). Works
    wherever Python has TCP sockets: Windows, where ``pass_fds`` is refused, macOS, Linux.

None of them is multiprocessing's spawn start method: that re-runs the user's ``__main__`` (a
script, a notebook's launcher) in the child and cannot give the child its own environment.

``AUTOML_NB_WORKER_START=fork|spawn|portable`` forces a way (``auto``, the default, chooses);
``AUTOML_NB_FORKSERVER=0`` (older) means: anything but the fork server.
"""

from __future__ import annotations

import hmac
import os
import select
import socket
import subprocess
import sys
import time
from typing import Any

from .worker import NONCE, mac, recv_exact, thread_env

ENV = "AUTOML_NB_WORKER_START"
METHODS = ("fork", "spawn", "portable")
#: passing a socket to a child by its descriptor (``subprocess.Popen(pass_fds=...)``): POSIX only
PASS_FDS_AVAILABLE = os.name == "posix"
#: seconds a portable worker has to call back (it imports its libraries first)
CONNECT_SECONDS = 120.0
#: seconds a connected peer has to answer the challenge: a stranger that connects and stalls
#: never blocks the runner longer
HANDSHAKE_SECONDS = 5.0


def fork_available() -> bool:
    from .forkserver import AVAILABLE

    return AVAILABLE and os.environ.get("AUTOML_NB_FORKSERVER", "1") != "0"


def start_method() -> str:
    """The way new workers start: forced by ``AUTOML_NB_WORKER_START``, else the first
    available of fork server, socket pair + ``pass_fds``, portable."""
    forced = os.environ.get(ENV, "auto").strip().lower() or "auto"
    if forced == "auto":
        return fallback("fork")
    if forced not in METHODS:
        raise ValueError(f"{ENV}={forced!r}: use one of auto, {', '.join(METHODS)}")
    if forced == "fork" and not fork_available():
        raise ValueError(f"{ENV}=fork: the fork server needs Linux (and AUTOML_NB_FORKSERVER not 0)")
    if forced == "spawn" and not PASS_FDS_AVAILABLE:
        raise ValueError(f"{ENV}=spawn: passing descriptors to a child needs POSIX; use portable")
    return forced


def fallback(method: str) -> str:
    """``method`` if available here, else the next way down the list."""
    if method == "fork" and fork_available():
        return "fork"
    if method in ("fork", "spawn") and PASS_FDS_AVAILABLE:
        return "spawn"
    return "portable"


def _log(log_path: str) -> Any:
    return open(log_path, "ab")  # a file, not a pipe: a chatty learner never blocks


def _worker_command(*args: str, python: str = "") -> list[str]:
    return [python or sys.executable, "-m", "automl_nb.run.worker", *args]


def _interpreter(env: dict[str, str]) -> str:
    """The Python to start a worker with. In a Windows venv ``sys.executable`` is a launcher
    that starts the real interpreter as its own child: its pid would be the launcher's (the
    memory limit would read the launcher, a kill would leave the worker running). As
    multiprocessing does there, start the base interpreter and point it at the venv."""
    exe, base = sys.executable, getattr(sys, "_base_executable", sys.executable)
    if sys.platform == "win32" and base and os.path.normcase(base) != os.path.normcase(exe):
        env["__PYVENV_LAUNCHER__"] = exe
        return base
    return exe


def start_spawn(threads: int, log_path: str) -> tuple[subprocess.Popen, socket.socket]:
    """A worker as its own interpreter holding its end of a socket pair (POSIX)."""
    parent, child = socket.socketpair()
    env = {**os.environ, **thread_env(threads)}
    try:
        with _log(log_path) as log:
            proc = subprocess.Popen(
                _worker_command(str(child.fileno()), str(threads)),
                pass_fds=(child.fileno(),), env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            )
    except BaseException:
        parent.close()
        raise
    finally:
        child.close()
    return proc, parent


# ============================================================================ portable
class PortableStart:
    """A worker started as its own interpreter that connects back over 127.0.0.1.

    The parent listens on a free port, starts ``python -m automl_nb.run.worker --connect
    127.0.0.1:PORT THREADS`` and writes a fresh 32-byte key to the child's stdin. The child
    imports its libraries, then connects; both sides prove they know the key (HMAC-SHA256 of
    the other side's random challenge) before anything is unpickled; after that the socket is
    a ``multiprocessing.connection.Connection`` like the other ways. :meth:`accept` never
    blocks: the runner calls it while polling.
    """

    def __init__(self, threads: int, log_path: str) -> None:
        self.key = os.urandom(32)
        self.started = time.monotonic()
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if hasattr(socket, "SO_EXCLUSIVEADDRUSE"):  # Windows: no other socket may bind our port
            server.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
        try:
            server.bind(("127.0.0.1", 0))
            server.listen(4)
            host, port = server.getsockname()[:2]
            env = {**os.environ, **thread_env(threads)}
            command = _worker_command("--connect", f"{host}:{port}", str(threads), python=_interpreter(env))
            with _log(log_path) as log:
                self.proc = subprocess.Popen(
                    command, env=env, stdin=subprocess.PIPE, stdout=log, stderr=log,
                    creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),  # no console window on Windows
                )
        except BaseException:
            server.close()
            raise
        self._server: socket.socket | None = server
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(self.key.hex().encode() + b"\n")
            self.proc.stdin.close()
        except OSError:
            pass  # the child is already gone: the runner sees it die

    def expired(self) -> bool:
        """True when the child has not connected within :data:`CONNECT_SECONDS`."""
        return self._server is not None and time.monotonic() - self.started > CONNECT_SECONDS

    def accept(self) -> Any:
        """The worker's authenticated Connection once it has called back, else None (never
        blocks beyond a connected peer's handshake)."""
        from multiprocessing.connection import Connection

        while self._server is not None and select.select([self._server], [], [], 0)[0]:
            try:
                sock, _ = self._server.accept()
            except OSError:
                return None
            if self._handshake(sock):
                self.close()
                return Connection(sock.detach())
            sock.close()  # a stranger, or a peer without the key: keep listening
        return None

    def _handshake(self, sock: socket.socket) -> bool:
        try:
            sock.settimeout(HANDSHAKE_SECONDS)
            challenge = os.urandom(NONCE)
            sock.sendall(challenge)
            reply = recv_exact(sock, 2 * NONCE)
            if not hmac.compare_digest(reply[:NONCE], mac(self.key, b"worker", challenge)):
                return False
            sock.sendall(mac(self.key, b"parent", reply[NONCE:]))
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return True
        except (OSError, EOFError):
            return False

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
