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
                conn.send(("done_file", _to_file(model, folder)))
                del model
        except Exception as exc:  # report, keep serving
            conn.send(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=-3)}"))


def _to_file(obj: Any, folder: str) -> str:
    import pickle
    import tempfile

    fd, path = tempfile.mkstemp(dir=folder, prefix=".refit-", suffix=".pkl")
    with os.fdopen(fd, "wb") as f:
        pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
    return path


if __name__ == "__main__":
    import sys
    from multiprocessing.connection import Connection

    fd, n_threads = int(sys.argv[1]), int(sys.argv[2])
    worker_main(Connection(fd), n_threads)
