"""Data guardrails: checks run before the search, each with plain-language advice."""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, r2_score, roc_auc_score
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from automl_nb.data.profile import DataProfile
from automl_nb.data.values import (
    guess_datetime_format,
    parse_datetimes,
    to_bool_float,
)

STATUSES = ("passed", "fixed", "alerted")
TASKS = ("binary", "multiclass", "regression")

HIGH_CARDINALITY = 50
IMBALANCE_RATIO = 0.1
MIN_CLASS_SIZE = 5
LEAK_SAMPLE = 2000
LEAK_THRESHOLD = 0.99
LEAK_DEPTH = 4
REGRESSION_LEAK_DEPTH = 8
MEMORY_SHARE = 0.25
_SHOWN = 8  # columns named in a message before "and N more"


@dataclass(frozen=True)
class Guardrail:
    """Outcome of one data check.

    Attributes
    ----------
    check : str
        Short stable name, e.g. ``"missing_values"``.
    status : str
        ``"passed"``, ``"fixed"`` (found and handled automatically) or ``"alerted"``
        (found; the user should look).
    message : str
        What was found, with numbers.
    advice : str
        What the user can do, or what was done.
    columns : tuple[str, ...]
        Columns concerned, if any.
    """

    check: str
    status: str
    message: str
    advice: str
    columns: tuple[str, ...] = ()


def check_data(
    X: pd.DataFrame,
    y: pd.Series,
    profile: DataProfile,
    task: str,
    *,
    n_missing_target: int = 0,
    inf_columns: Mapping[str, int] | None = None,
    validation: str = "",
    n_folds: int | None = None,
    seed: int = 0,
    time_limit: float = 2.0,
) -> list[Guardrail]:
    """Run every data check; each appears in the result, in a fixed order.

    Parameters
    ----------
    X : pandas.DataFrame
        Features, without the target and without rows whose target is missing.
    y : pandas.Series
        Target, aligned with ``X``.
    profile : DataProfile
        Profile of ``X``.
    task : str
        ``"binary"``, ``"multiclass"`` or ``"regression"``.
    n_missing_target : int
        Rows dropped earlier because their target was missing.
    inf_columns : Mapping[str, int], optional
        Per column, how many ±inf values were replaced by NaN before ``X`` was passed in.
    validation : str
        The engine's description of the validation scheme.
    n_folds : int, optional
        Cross-validation folds, if any; classes smaller than this are flagged.
    seed : int
        Seed for the leakage check's sample and folds.
    time_limit : float
        Seconds the leakage check may spend before it stops.

    Returns
    -------
    list[Guardrail]
        missing_target, missing_values, infinite_values, high_cardinality,
        constant_columns, id_columns, class_imbalance, tiny_classes, duplicated_rows,
        target_leakage, validation, memory.
    """
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {TASKS}")
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
    y = pd.Series(np.asarray(y), index=X.index, name=getattr(y, "name", None))
    classification = task != "regression"
    return [
        _missing_target(n_missing_target, len(X)),
        _missing_values(X, profile),
        _infinite_values(dict(inf_columns or {})),
        _high_cardinality(profile),
        _constant_columns(profile),
        _id_columns(profile),
        _class_imbalance(y) if classification else _not_for_regression("class_imbalance"),
        _tiny_classes(y, n_folds) if classification else _not_for_regression("tiny_classes"),
        _duplicated_rows(X, y),
        _target_leakage(X, y, profile, task, seed, time_limit),
        Guardrail("validation", "passed", validation or "no validation scheme described", ""),
        _memory(profile),
    ]


def guardrails_frame(guardrails: Sequence[Guardrail]) -> pd.DataFrame:
    """Guardrails as a table with columns check, status, message, advice, columns.

    Parameters
    ----------
    guardrails : Sequence[Guardrail]
        Output of :func:`check_data`.

    Returns
    -------
    pandas.DataFrame
        One row per check; ``columns`` is a comma-separated string.
    """
    rows = [
        {
            "check": g.check,
            "status": g.status,
            "message": g.message,
            "advice": g.advice,
            "columns": ", ".join(str(c) for c in g.columns),
        }
        for g in guardrails
    ]
    return pd.DataFrame(rows, columns=["check", "status", "message", "advice", "columns"])


# ---------------------------------------------------------------------------------------
# individual checks
# ---------------------------------------------------------------------------------------


def _missing_target(n_missing: int, n_kept: int) -> Guardrail:
    if n_missing <= 0:
        return Guardrail("missing_target", "passed", "every row has a target value", "")
    total = n_missing + n_kept
    return Guardrail(
        "missing_target",
        "fixed",
        f"dropped {n_missing} rows whose target is missing ({n_missing / total:.1%} of {total})",
        "Rows without a target cannot be learned from. If the target is missing for a "
        "reason, that reason may be worth modelling separately.",
    )


def _missing_values(X: pd.DataFrame, profile: DataProfile) -> Guardrail:
    counts = X.isna().sum()
    counts = counts[counts > 0].sort_values(ascending=False)
    if counts.empty:
        return Guardrail("missing_values", "passed", "no feature has missing values", "")
    n = len(X)
    parts = []
    for name, count in counts.items():
        kind = profile.columns[name].kind if name in profile.columns else "numeric"
        parts.append(f"{name}: {count} ({count / n:.1%}, {_imputation(kind)})")
    return Guardrail(
        "missing_values",
        "fixed",
        f"{len(counts)} column(s) have missing values: {_listing(parts)}",
        "Numeric columns are filled with the median plus a missing-indicator column; "
        "categorical columns get a '__missing__' category; gradient-boosted trees (the gbm "
        "family) keep NaN natively. If values are missing by mistake, fixing the source "
        "beats any imputation.",
        tuple(str(c) for c in counts.index),
    )


def _imputation(kind: str) -> str:
    return {
        "numeric": "median + missing indicator",
        "boolean": "median + missing indicator",
        "datetime": "date parts filled with the median + missing indicator",
        "categorical": "'__missing__' category",
        "text": "treated as empty text",
        "id": "column dropped anyway",
        "constant": "column dropped anyway",
    }.get(kind, "imputed")


def _infinite_values(inf_columns: dict[str, int]) -> Guardrail:
    inf_columns = {c: n for c, n in inf_columns.items() if n > 0}
    if not inf_columns:
        return Guardrail("infinite_values", "passed", "no infinite values", "")
    parts = [f"{c}: {n}" for c, n in sorted(inf_columns.items(), key=lambda p: -p[1])]
    return Guardrail(
        "infinite_values",
        "fixed",
        f"{sum(inf_columns.values())} infinite value(s) in {len(inf_columns)} column(s) "
        f"({_listing(parts)}) were replaced by missing values",
        "They are then imputed like other missing values. Infinities often come from "
        "dividing by zero upstream; a capped or explicit value may carry more meaning.",
        tuple(str(c) for c in inf_columns),
    )


def _high_cardinality(profile: DataProfile) -> Guardrail:
    high = [
        c
        for c in profile.columns.values()
        if c.kind == "categorical" and c.n_unique > HIGH_CARDINALITY
    ]
    if not high:
        return Guardrail(
            "high_cardinality",
            "passed",
            f"no categorical column has more than {HIGH_CARDINALITY} distinct values",
            "",
        )
    n_rows = max(profile.n_rows, 1)
    # near one level per row, a category barely repeats and target encoding learns little
    near_unique = [c for c in high if c.n_unique > 0.5 * n_rows]
    parts = [f"{c.name}: {c.n_unique} distinct" for c in high]
    advice = (
        "These are target-encoded with cross-fitting (each row's encoding is learned on "
        "other folds), so models cannot memorise the target through rare levels."
    )
    if near_unique:
        names = ", ".join(str(c.name) for c in near_unique)
        advice += (
            f" {names} has more than one level per two rows: check that it is not an "
            "identifier, and consider grouping rare levels or dropping it."
        )
    return Guardrail(
        "high_cardinality",
        "alerted" if near_unique else "fixed",
        f"{len(high)} categorical column(s) have more than {HIGH_CARDINALITY} distinct "
        f"values: {_listing(parts)}",
        advice,
        tuple(str(c.name) for c in high),
    )


def _constant_columns(profile: DataProfile) -> Guardrail:
    constant = [c for c in profile.columns.values() if c.kind == "constant"]
    if not constant:
        return Guardrail("constant_columns", "passed", "no constant columns", "")
    parts = [f"{c.name} ({c.evidence})" for c in constant]
    return Guardrail(
        "constant_columns",
        "fixed",
        f"{len(constant)} constant column(s) dropped: {_listing(parts)}",
        "A column with a single value cannot help any model; nothing to do.",
        tuple(str(c.name) for c in constant),
    )


def _id_columns(profile: DataProfile) -> Guardrail:
    ids = [c for c in profile.columns.values() if c.kind == "id"]
    if not ids:
        return Guardrail("id_columns", "passed", "no identifier columns", "")
    parts = [f"{c.name} ({c.evidence})" for c in ids]
    return Guardrail(
        "id_columns",
        "fixed",
        f"{len(ids)} identifier column(s) dropped: {_listing(parts)}",
        "Identifiers do not generalise to new rows. If one actually encodes information "
        "(e.g. a date or a group), convert it to that meaning before training.",
        tuple(str(c.name) for c in ids),
    )


def _not_for_regression(check: str) -> Guardrail:
    return Guardrail(check, "passed", "does not apply to regression", "")


def _class_imbalance(y: pd.Series) -> Guardrail:
    counts = y.value_counts()
    if len(counts) < 2:
        return Guardrail("class_imbalance", "passed", "fewer than two classes", "")
    smallest, largest = counts.iloc[-1], counts.iloc[0]
    ratio = smallest / largest
    found = (
        f"smallest class {_label(counts.index[-1])} has {smallest} rows, largest "
        f"{_label(counts.index[0])} has {largest} (ratio {ratio:.3f})"
    )
    if ratio >= IMBALANCE_RATIO:
        return Guardrail("class_imbalance", "passed", found, "")
    return Guardrail(
        "class_imbalance",
        "alerted",
        f"classes are imbalanced: {found}",
        "Accuracy is misleading here (always predicting the largest class scores "
        f"{largest / counts.sum():.1%}); prefer balanced_accuracy, roc_auc or "
        "average_precision as the metric. Folds are stratified so every fold keeps the "
        "class proportions.",
    )


def _tiny_classes(y: pd.Series, n_folds: int | None) -> Guardrail:
    counts = y.value_counts()
    threshold = max(MIN_CLASS_SIZE, n_folds or 0)
    tiny = counts[counts < threshold]
    if tiny.empty:
        return Guardrail("tiny_classes", "passed", f"every class has at least {threshold} rows", "")
    parts = [f"{_label(label)}: {n}" for label, n in tiny.items()]
    folds = f"; with {n_folds} folds some folds will not contain them" if n_folds else ""
    return Guardrail(
        "tiny_classes",
        "alerted",
        f"{len(tiny)} class(es) have fewer than {threshold} rows ({_listing(parts)}){folds}",
        "Models cannot learn a class from a handful of rows and its scores are noise. "
        "Collect more rows, merge these classes into a related one, or drop them.",
    )


def _duplicated_rows(X: pd.DataFrame, y: pd.Series) -> Guardrail:
    frame = X.assign(**{"__target__": y.to_numpy()})
    try:
        n_dup = int(frame.duplicated().sum())
    except TypeError:  # unhashable cells (lists, dicts): compare their text instead
        n_dup = int(frame.astype(str).duplicated().sum())
    if n_dup == 0:
        return Guardrail("duplicated_rows", "passed", "no duplicated rows", "")
    return Guardrail(
        "duplicated_rows",
        "alerted",
        f"{n_dup} row(s) ({n_dup / len(frame):.1%}) repeat an earlier row exactly, target included",
        "Copies of a row can land in both the training and the validation fold, which "
        "inflates scores. Drop them if they are data-entry repeats; keep them if they are "
        "genuine repeated observations.",
    )


def _target_leakage(
    X: pd.DataFrame,
    y: pd.Series,
    profile: DataProfile,
    task: str,
    seed: int,
    time_limit: float,
) -> Guardrail:
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    n = len(X)
    rows = np.sort(rng.choice(n, size=LEAK_SAMPLE, replace=False)) if n > LEAK_SAMPLE else None
    Xs = X.iloc[rows] if rows is not None else X
    target, splitter, metric = _leak_setup(y.iloc[rows] if rows is not None else y, task, seed)
    skipped_kinds = ("id", "constant", "text")
    candidates = [
        c
        for c in X.columns
        if c not in profile.columns or profile.columns[c].kind not in skipped_kinds
    ]
    leaks, checked, stopped = [], 0, False
    for name in candidates if splitter is not None else []:
        if time.perf_counter() - start > time_limit:
            stopped = True
            break
        kind = profile.columns[name].kind if name in profile.columns else "numeric"
        score = _single_column_score(_encode(Xs[name], kind), target, task, splitter, metric)
        checked += 1
        if score is not None and score >= LEAK_THRESHOLD:
            leaks.append((name, score))
    metric_name = {"binary": "ROC AUC", "multiclass": "accuracy", "regression": "R²"}[task]
    note = ""
    if stopped:
        note = (
            f"; stopped after {time_limit:g} s with {checked} of {len(candidates)} columns checked"
        )
    if splitter is None:
        note = "; not checked: the target has too few rows per class"
    scope = f"{checked} column(s) checked one at a time on {len(Xs)} rows{note}"
    if not leaks:
        return Guardrail(
            "target_leakage",
            "passed",
            f"no single column predicts the target almost perfectly ({scope})",
            "",
        )
    parts = [f"{name} alone scores {metric_name} {score:.3f}" for name, score in leaks]
    return Guardrail(
        "target_leakage",
        "alerted",
        f"{len(leaks)} column(s) predict the target almost perfectly on their own: "
        f"{_listing(parts)} ({scope})",
        "A single column this predictive is often a copy of the target or is only known "
        "after the outcome (leakage); the model will look great here and fail in use. "
        "Drop it unless it will truly be available at prediction time.",
        tuple(str(name) for name, _ in leaks),
    )


def _leak_setup(y: pd.Series, task: str, seed: int) -> tuple[np.ndarray, object, object]:
    if task == "regression":
        target = pd.to_numeric(y, errors="coerce").to_numpy(dtype=np.float64)
        splitter = KFold(3, shuffle=True, random_state=seed) if len(y) >= 6 else None
        return target, splitter, None
    target, _ = pd.factorize(y)
    counts = np.bincount(target)
    if len(counts) < 2 or counts.min() < 3:
        # stratified folds need every class in every fold
        return target, None, None
    majority = counts.max() / counts.sum()
    return target, StratifiedKFold(3, shuffle=True, random_state=seed), majority


def _encode(col: pd.Series, kind: str) -> np.ndarray:
    """One column as floats for a tree; missing values get a sentinel below all values."""
    if kind == "boolean":
        values = to_bool_float(col)
    elif kind == "datetime":
        fmt = None
        if not pd.api.types.is_datetime64_any_dtype(col.dtype):
            fmt = guess_datetime_format(col.dropna().head(200))[0]
        stamps = parse_datetimes(col, fmt)
        if getattr(stamps.dt, "tz", None) is not None:
            stamps = stamps.dt.tz_convert(None)
        seconds = stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64) / 1e9
        values = np.where(stamps.notna().to_numpy(), seconds, np.nan)
    elif kind == "categorical":
        codes, _ = pd.factorize(col.astype(object), use_na_sentinel=True)
        values = np.where(codes < 0, np.nan, codes).astype(np.float64)
    else:
        values = pd.to_numeric(pd.Series(col), errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
    values = np.where(np.isfinite(values), values, np.nan)
    finite = values[~np.isnan(values)]
    sentinel = (finite.min() - 1.0) if finite.size else 0.0
    return np.where(np.isnan(values), sentinel, values).reshape(-1, 1)


def _single_column_score(
    x: np.ndarray, target: np.ndarray, task: str, splitter: object, majority: float | None
) -> float | None:
    if task == "regression":
        # 16 leaves (depth 4) cap R² near 0.99 even for an exact copy of a skewed target
        model = DecisionTreeRegressor(max_depth=REGRESSION_LEAK_DEPTH, random_state=0)
    else:
        # a tree needs at least one leaf per class to reach 99% accuracy
        n_classes = int(target.max()) + 1
        depth = max(LEAK_DEPTH, int(np.ceil(np.log2(max(n_classes, 2)))))
        model = DecisionTreeClassifier(max_depth=depth, random_state=0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if task == "binary":
                proba = cross_val_predict(model, x, target, cv=splitter, method="predict_proba")
                return float(roc_auc_score(target, proba[:, 1]))
            pred = cross_val_predict(model, x, target, cv=splitter)
    except ValueError:
        return None
    if task == "multiclass":
        accuracy = float(accuracy_score(target, pred))
        # a column that only finds the majority class is not a leak
        return accuracy if accuracy > majority else None
    return float(r2_score(target, pred))


def _memory(profile: DataProfile) -> Guardrail:
    data_mb = profile.memory_bytes / 2**20
    featurized_mb = _featurized_width(profile) * profile.n_rows * 8 / 2**20
    total_mb = _total_ram_mb()
    message = (
        f"the data takes {data_mb:,.1f} MB in memory; each worker holds a copy; featurized "
        f"copies take about {featurized_mb:,.1f} MB"
    )
    if total_mb is None:
        return Guardrail("memory", "passed", message + " (total RAM unknown)", "")
    message += f"; this machine has {total_mb / 1024:,.1f} GB of RAM"
    if data_mb + featurized_mb <= MEMORY_SHARE * total_mb:
        return Guardrail("memory", "passed", message, "")
    return Guardrail(
        "memory",
        "alerted",
        message,
        f"The data and one featurized copy exceed {MEMORY_SHARE:.0%} of RAM. Use fewer "
        "parallel workers, sample rows for the search, or drop unneeded columns.",
    )


def _featurized_width(profile: DataProfile) -> int:
    """Rough number of float columns a featurizer makes (one-hot and text are wider)."""
    width = 0
    for col in profile.columns.values():
        if col.kind in ("numeric", "boolean"):
            width += 2 if col.n_missing else 1
        elif col.kind == "categorical":
            width += min(col.n_unique, 20) + 1 if col.n_unique <= 20 else 1
        elif col.kind == "datetime":
            width += 7
        elif col.kind == "text":
            width += 50
    return max(width, 1)


def _total_ram_mb() -> float | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20
    except (AttributeError, ValueError, OSError):  # not available on Windows
        return None


def _label(value: object) -> str:
    if isinstance(value, (int, float, np.number, np.bool_)):
        return str(value)
    return repr(str(value))


def _listing(parts: Sequence[str]) -> str:
    shown = "; ".join(parts[:_SHOWN])
    if len(parts) > _SHOWN:
        shown += f"; and {len(parts) - _SHOWN} more"
    return shown
