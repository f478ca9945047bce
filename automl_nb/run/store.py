"""The store: an experiment folder that outlives the kernel.

``experiment.sqlite`` holds the settings and every trial (config, fold scores, timings,
errors); out-of-fold predictions sit in ``oof/`` and the final model in ``model.pkl``.
Files are written to a temporary name and renamed, so a crash never leaves half a file.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from .trial import TrialResult

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS trials (
    trial_id INTEGER PRIMARY KEY,
    learner TEXT NOT NULL,
    phase TEXT,
    status TEXT NOT NULL,
    score REAL,
    score_std REAL,
    params TEXT,
    fold_scores TEXT,
    metrics TEXT,
    refit_params TEXT,
    fit_seconds REAL,
    predict_seconds REAL,
    duration REAL,
    started_at REAL,
    error TEXT
);
"""


def _json_default(o: Any) -> Any:
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def dumps(o: Any) -> str:
    return json.dumps(o, default=_json_default)


def _nan_to_none(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def atomic_write_bytes(path: Path, payload: bytes) -> None:
    atomic_write(path, lambda f: f.write(payload))


def atomic_write(path: Path, write: Callable[[BinaryIO], Any]) -> None:
    """``write(file)`` into a temporary file beside ``path``, then rename: never half-written."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class Store:
    """One experiment folder. Safe to use from the driver thread and the kernel's thread."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "oof").mkdir(exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.folder / "experiment.sqlite", check_same_thread=False)
        with self._lock, self._db:
            self._db.executescript(_SCHEMA)

    @staticmethod
    def exists(folder: str | os.PathLike) -> bool:
        return (Path(folder) / "experiment.sqlite").exists()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ---- meta ----------------------------------------------------------------------------

    def put(self, key: str, value: Any) -> None:
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, dumps(value)))

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    # ---- trials --------------------------------------------------------------------------

    def add_trial(self, r: TrialResult) -> None:
        if r.oof is not None:
            buf = _npy_bytes(r.oof)
            atomic_write_bytes(self.folder / "oof" / f"{r.trial_id}.npy", buf)
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO trials VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    r.trial_id, r.learner, r.phase, r.status, _nan_to_none(r.score), _nan_to_none(r.score_std),
                    dumps(r.params), dumps(r.fold_scores), dumps(r.metrics), dumps(r.refit_params),
                    r.fit_seconds, r.predict_seconds, r.duration, r.started_at, r.error,
                ),
            )

    def trials(self, with_oof: bool = False) -> list[TrialResult]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM trials ORDER BY trial_id").fetchall()
        out = []
        for row in rows:
            (tid, learner, phase, status, score, std, params, folds, metrics, refit_params,
             fit_s, pred_s, dur, started, error) = row
            r = TrialResult(
                tid, learner, json.loads(params), status, phase,
                score=float("nan") if score is None else score,
                score_std=float("nan") if std is None else std,
                fold_scores=json.loads(folds), metrics=json.loads(metrics),
                fit_seconds=fit_s, predict_seconds=pred_s, duration=dur, started_at=started,
                error=error, refit_params=json.loads(refit_params),
            )
            path = self.folder / "oof" / f"{tid}.npy"
            if with_oof and status == "ok" and path.exists():
                r.oof = np.load(path)
            out.append(r)
        return out

    # ---- files ---------------------------------------------------------------------------

    def write_stream(self, name: str, write: Callable[[BinaryIO], Any]) -> Path:
        """Write a file of the folder atomically: ``write(file)`` streams into it."""
        path = self.folder / name
        atomic_write(path, write)
        return path


def _npy_bytes(a: np.ndarray) -> bytes:
    import io

    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()
