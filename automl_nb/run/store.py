"""The store: an experiment folder that outlives the kernel.

``experiment.sqlite`` holds the settings and every trial (config, fold scores, timings,
errors); out-of-fold predictions sit in ``oof/`` and the final model in ``model.pkl``.
Files are written to a temporary name and renamed, so a crash never leaves half a file.

Whatever goes wrong with the folder (a full disk, a folder moved or replaced, a damaged
file) is raised as :class:`FolderError`, naming the file and what to do, instead of
sqlite's or the OS's own message.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
    error TEXT,
    reason TEXT
);
"""
#: the steering log's table (made on open; a read-only folder from before it reads as no log)
_STEERING_SCHEMA = """
CREATE TABLE IF NOT EXISTS steering (
    seq INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    time REAL NOT NULL,
    action TEXT NOT NULL,
    learner TEXT,
    detail TEXT,
    by TEXT
);
"""
#: the trials table's columns, in order (a folder written before ``reason`` gains it on open)
_TRIAL_COLUMNS = ("trial_id", "learner", "phase", "status", "score", "score_std", "params", "fold_scores",
                  "metrics", "refit_params", "fit_seconds", "predict_seconds", "duration", "started_at",
                  "error", "reason")


class FolderError(OSError):
    """An experiment folder, or one of its files, cannot be read or written: damaged,
    missing, on a full disk, moved away. The message names the file and what to do;
    ``path`` is that file (or the folder)."""

    def __init__(self, message: str, path: str | os.PathLike | None = None) -> None:
        super().__init__(message)
        self.path = None if path is None else Path(path)

    def __str__(self) -> str:  # OSError's own formatting would add "[Errno ...]" noise
        return str(self.args[0])


def damaged(path: Path, what: str, exc: BaseException | str) -> FolderError:
    """The error for a file of an experiment folder that cannot be read: damaged, or (an
    ImportError) written where a library was installed that is missing here."""
    if isinstance(exc, ImportError):
        return FolderError(f"{path} cannot be read here: {what}, and it needs a library that is not installed "
                           f"({type(exc).__name__}: {exc}); install it and load again", path)
    reason = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
    return FolderError(f"{path} is damaged ({reason}): {what}. Restore the folder from a copy "
                       "(aml.save(path) makes one) or start a new run", path)


def unwritable(path: Path, exc: BaseException) -> FolderError:
    """The error for a file of an experiment folder that cannot be written."""
    reason = f"{type(exc).__name__}: {exc}" if not isinstance(exc, FolderError) else str(exc)
    return FolderError(f"cannot write {path} ({reason}): the disk may be full, or the folder moved, "
                       "deleted or read-only", path)


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
        try:
            os.unlink(tmp)
        except OSError:  # never written, or the folder is gone: the first error is the one to report
            pass
        raise


class Store:
    """One experiment folder. Safe to use from the driver thread and the kernel's thread.

    Every failure to read or write raises :class:`FolderError` naming the file."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)
        self.path = self.folder / "experiment.sqlite"
        if self.folder.exists() and not self.folder.is_dir():
            raise FolderError(f"{self.folder} is a file, not an experiment folder: choose another folder", self.folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / "oof").mkdir(exist_ok=True)
        except OSError as exc:
            raise unwritable(self.folder, exc) from exc
        self._lock = threading.Lock()
        self._columns = _TRIAL_COLUMNS  # the trials table's columns in this folder
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False)
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        try:
            with self._sql(), self._db:
                self._db.executescript(_SCHEMA)
                columns = {row[1] for row in self._db.execute("PRAGMA table_info(trials)")}
                try:
                    self._db.executescript(_STEERING_SCHEMA)
                except sqlite3.OperationalError:  # read-only: steering() finds no table, reads no log
                    pass
                if "reason" not in columns:  # a folder from before trials had reasons
                    try:
                        self._db.execute("ALTER TABLE trials ADD COLUMN reason TEXT")
                    except sqlite3.OperationalError:  # read-only: its trials read without reasons
                        self._columns = _TRIAL_COLUMNS[:-1]
        except FolderError:
            self._db.close()
            raise

    @staticmethod
    def exists(folder: str | os.PathLike) -> bool:
        return (Path(folder) / "experiment.sqlite").exists()

    def close(self) -> None:
        with self._lock:
            try:
                self._db.close()
            except sqlite3.Error:  # closing a broken connection: nothing left to lose
                pass

    def _error(self, exc: BaseException) -> FolderError:
        """sqlite's error as one that names the file: damaged, or not writable."""
        if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
            return damaged(self.path, "it is not a readable SQLite database", exc)
        return unwritable(self.path, exc)

    @contextmanager
    def _sql(self) -> Iterator[None]:
        """Hold the lock; sqlite's errors become :class:`FolderError`."""
        with self._lock:
            try:
                yield
            except sqlite3.Error as exc:
                raise self._error(exc) from exc

    # ---- meta ----------------------------------------------------------------------------

    def put(self, key: str, value: Any) -> None:
        with self._sql(), self._db:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, dumps(value)))

    def get(self, key: str, default: Any = None) -> Any:
        with self._sql():
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            return default
        try:
            return json.loads(row[0])
        except ValueError as exc:
            raise damaged(self.path, f"its entry {key!r} is not readable", exc) from exc

    # ---- trials --------------------------------------------------------------------------

    def add_trial(self, r: TrialResult) -> None:
        if r.oof is not None:
            path = self.folder / "oof" / f"{r.trial_id}.npy"
            try:
                atomic_write_bytes(path, _npy_bytes(r.oof))
            except OSError as exc:
                raise unwritable(path, exc) from exc
        with self._sql(), self._db:
            self._db.execute(
                f"INSERT OR REPLACE INTO trials ({', '.join(_TRIAL_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(_TRIAL_COLUMNS))})",
                (
                    r.trial_id, r.learner, r.phase, r.status, _nan_to_none(r.score), _nan_to_none(r.score_std),
                    dumps(r.params), dumps(r.fold_scores), dumps(r.metrics), dumps(r.refit_params),
                    r.fit_seconds, r.predict_seconds, r.duration, r.started_at, r.error, r.reason,
                ),
            )

    def trials(self, with_oof: bool = False) -> list[TrialResult]:
        """Every trial, by id. With ``with_oof`` their out-of-fold predictions too; a damaged
        ``oof/<id>.npy`` is left out with a warning (that trial cannot join an ensemble)."""
        with self._sql():
            rows = self._db.execute(f"SELECT {', '.join(self._columns)} FROM trials ORDER BY trial_id").fetchall()
        out = []
        for row in rows:
            row = (*row, None)[:len(_TRIAL_COLUMNS)]  # no reason column: None
            (tid, learner, phase, status, score, std, params, folds, metrics, refit_params,
             fit_s, pred_s, dur, started, error, reason) = row
            try:
                r = TrialResult(
                    tid, learner, json.loads(params), status, phase,
                    score=float("nan") if score is None else score,
                    score_std=float("nan") if std is None else std,
                    fold_scores=json.loads(folds), metrics=json.loads(metrics),
                    fit_seconds=fit_s, predict_seconds=pred_s, duration=dur, started_at=started,
                    error=error, refit_params=json.loads(refit_params),
                    reason=(phase or "") if reason is None else reason,  # stored before reasons: the phase
                )
            except (TypeError, ValueError) as exc:
                raise damaged(self.path, f"the record of trial {tid} is not readable", exc) from exc
            path = self.folder / "oof" / f"{tid}.npy"
            if with_oof and status == "ok" and path.exists():
                try:
                    r.oof = np.load(path)
                except (OSError, ValueError, EOFError) as exc:
                    warnings.warn(f"{path} is damaged ({type(exc).__name__}: {exc}): trial {tid}'s out-of-fold "
                                  "predictions are left out (it cannot join an ensemble)", RuntimeWarning,
                                  stacklevel=2)
            out.append(r)
        return out

    # ---- the steering log (automl_nb.search.steering) ------------------------------------------

    def add_steering(self, record: dict[str, Any]) -> None:
        with self._sql(), self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO steering (seq, at, time, action, learner, detail, by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (record["seq"], record["at"], record["time"], record["action"], record.get("learner"),
                 record.get("detail", ""), record.get("by", "api")))

    def steering(self) -> list[dict[str, Any]]:
        """The steering log, in order (empty for a folder written before steering existed,
        or opened read-only before the table was made)."""
        with self._sql():
            try:
                rows = self._db.execute(
                    "SELECT seq, at, time, action, learner, detail, by FROM steering ORDER BY seq").fetchall()
            except sqlite3.OperationalError:  # no such table (a read-only folder from before)
                return []
        return [dict(zip(("seq", "at", "time", "action", "learner", "detail", "by"), row)) for row in rows]

    # ---- files ---------------------------------------------------------------------------

    def write_stream(self, name: str, write: Callable[[BinaryIO], Any]) -> Path:
        """Write a file of the folder atomically: ``write(file)`` streams into it. A failure
        of the disk or the folder is a :class:`FolderError`; what ``write`` raises otherwise
        (a model that cannot be pickled) comes through as it is."""
        path = self.folder / name
        try:
            atomic_write(path, write)
        except OSError as exc:
            raise unwritable(path, exc) from exc
        return path


def _npy_bytes(a: np.ndarray) -> bytes:
    import io

    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()
