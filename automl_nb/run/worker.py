"""The worker process: loads the trial data once, then evaluates trials and refits on request.

It never asks which task it serves: the trial data evaluates and refits itself
(:class:`~automl_nb.run.trial.TrialData`).

Only the standard library is imported at module level: the parent sets OMP_WAIT_POLICY and
thread counts in the environment before spawning, and they must be in place before numpy,
scikit-learn or LightGBM load their threading runtimes.
"""

from __future__ import annotations

import os
import traceback
from typing import Any


def thread_env(threads: int) -> dict[str, str]:
    """Environment for a worker: passive OpenMP waiting and a deliberate thread count.

    OpenMP's spin-wait made LightGBM 10-20x slower on these 2-core machines when the other
    core was busy, so workers never spin.
    """
    n = str(threads)
    return {
        "OMP_WAIT_POLICY": "PASSIVE",
        "OMP_NUM_THREADS": n,
        "OPENBLAS_NUM_THREADS": n,
        "MKL_NUM_THREADS": n,
        "LOKY_MAX_CPU_COUNT": n,
        "PYTHONWARNINGS": "ignore",
    }


def _warm_up() -> None:
    """Import what trials need while the parent is still profiling the data."""
    import joblib  # noqa: F401
    import lightgbm  # noqa: F401
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import sklearn.ensemble  # noqa: F401
    import sklearn.linear_model  # noqa: F401
    import sklearn.pipeline  # noqa: F401

    from ..featurize import plan  # noqa: F401


def worker_main(conn: Any, threads: int) -> None:
    """Serve experiments over ``conn`` until told to stop or the parent goes away.

    For each experiment the parent sends ("load", path): the worker loads the data file once,
    answers "ready", then evaluates trials and refits until ("unload",), when it drops the
    data and waits for the next experiment (the parent keeps warm workers between runs).
    """
    import gc
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.getLogger("optuna").setLevel(logging.WARNING)
    _warm_up()
    import joblib

    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg[0] != "load":
            if msg[0] == "stop":
                return
            continue
        data = joblib.load(msg[1])
        data.threads = threads
        conn.send(("ready", os.getpid()))
        keep_going = _serve(conn, data, os.path.dirname(msg[1]))
        del data
        gc.collect()
        if not keep_going:
            return


def _serve(conn: Any, data: Any, folder: str) -> bool:
    """Answer trial and refit requests; False when the worker should exit.

    A refit model (tens of MB for a forest) goes back as a file in the experiment folder, not
    through the socket: pickling it into one message would hold a full extra copy in memory
    on both sides."""
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return False
        kind = msg[0]
        if kind == "stop":
            return False
        if kind == "unload":
            return True
        try:
            if kind == "trial":
                _, config, deadline = msg
                conn.send(("done", data.evaluate(config, deadline)))
            elif kind == "refit":
                _, learner, params, deadline, *rows = msg  # rows: a sample size (large data)
                model = data.refit(learner, params, deadline, *rows)
                try:
                    path = _to_file(model, folder)
                except OSError:  # the folder cannot take it (disk full): send the model itself
                    conn.send(("done", model))
                else:
                    conn.send(("done_file", path))
                del model
        except Exception as exc:  # report, keep serving
            conn.send(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=-3)}"))


def _to_file(obj: Any, folder: str) -> str:
    import pickle
    import tempfile

    fd, path = tempfile.mkstemp(dir=folder, prefix=".refit-", suffix=".pkl")
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:  # no half-written file is left behind
        try:
            os.unlink(path)
        except OSError:
            pass
        raise
    return path


# ---- the portable start (see spawn.py): connect back and prove the key -------------------
NONCE = 32  # bytes of a challenge; the answers are HMAC-SHA256, 32 bytes too


def mac(key: bytes, who: bytes, challenge: bytes) -> bytes:
    import hmac

    return hmac.new(key, who + challenge, "sha256").digest()


def recv_exact(sock: Any, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("the peer closed the connection")
        buf += chunk
    return buf


def connect_back(address: str, key: bytes, timeout: float = 60.0) -> Any:
    """Connect to the runner at ``address`` ("127.0.0.1:port"), answer its challenge and check
    its answer to ours (both prove they know ``key`` before anything is unpickled); the
    Connection to serve on."""
    import hmac
    import socket
    from multiprocessing import AuthenticationError
    from multiprocessing.connection import Connection

    host, port = address.rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=timeout)
    try:
        # no timeout from here: the runner takes the call when it next polls, which may be after
        # profiling a large table; a runner that is gone closes the socket
        sock.settimeout(None)
        challenge = recv_exact(sock, NONCE)
        ours = os.urandom(NONCE)
        sock.sendall(mac(key, b"worker", challenge) + ours)
        if not hmac.compare_digest(recv_exact(sock, NONCE), mac(key, b"parent", ours)):
            raise AuthenticationError("the runner did not prove it knows the key")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except BaseException:
        sock.close()
        raise
    return Connection(sock.detach())


def main(argv: list[str]) -> None:
    """``FD THREADS``: serve on an inherited socket (POSIX); ``--connect HOST:PORT THREADS``:
    connect back, the key read from stdin (portable)."""
    import sys

    if argv[0] == "--connect":
        key = bytes.fromhex(sys.stdin.readline().strip())
        _warm_up()  # first, while the parent prepares the data: it takes the call when it next polls
        worker_main(connect_back(argv[1], key), int(argv[2]))
    else:
        from multiprocessing.connection import Connection

        worker_main(Connection(int(argv[0])), int(argv[1]))


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
