"""What kind of data each column holds, with the evidence for the decision in plain words."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from automl_nb.data.values import (
    FALSE_TOKENS,
    TRUE_TOKENS,
    guess_datetime_format,
    to_bool_float,
)

KINDS = ("numeric", "categorical", "boolean", "datetime", "text", "id", "constant")

#: rows sampled for the string checks (date parsing, word counts); keeps profiling fast
SAMPLE_ROWS = 1000
#: values sampled for date parsing, which can fall back to slow per-value parsing
DATE_SAMPLE = 200
#: an id has (nearly) one distinct value per row
ID_SHARE = 0.95
ID_MIN_ROWS = 20
#: text: many distinct values that read like sentences
TEXT_UNIQUE_SHARE = 0.5
TEXT_MIN_DISTINCT = 100
TEXT_MIN_WORDS = 4.0


@dataclass(frozen=True)
class ColumnProfile:
    """The kind of one column and why.

    Attributes
    ----------
    name : str
        Column label.
    kind : str
        One of :data:`KINDS`.
    evidence : str
        Plain-language reason for ``kind``.
    dtype : str
        ``str(series.dtype)``.
    n_missing : int
        Missing values.
    n_unique : int
        Distinct non-missing values.
    set_by_user : bool
        The kind (or the column's transformer) was set by you (``column_kinds``,
        ``column_transformers``, ``featurization="off"``; :mod:`automl_nb.featurize.overrides`).
    """

    name: str
    kind: str
    evidence: str
    dtype: str
    n_missing: int
    n_unique: int
    set_by_user: bool = False


@dataclass(frozen=True)
class DataProfile:
    """Profiles of all columns of a frame.

    Attributes
    ----------
    n_rows : int
        Rows in the frame.
    columns : dict[str, ColumnProfile]
        One profile per column, in frame order.
    memory_bytes : int
        Deep memory usage of the frame.
    transformers : dict or None
        Your transformers of single columns (``column_transformers``), which the featurizer
        of every family uses for them.
    """

    n_rows: int
    columns: dict[str, ColumnProfile]
    memory_bytes: int
    transformers: dict | None = None

    def kind(self, name: Hashable) -> str:
        """Kind of column ``name``."""
        return self.columns[name].kind

    def columns_of(self, *kinds: str) -> list[str]:
        """Names of the columns whose kind is one of ``kinds``, in frame order."""
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown kind(s) {sorted(unknown)}; expected some of {KINDS}")
        return [name for name, col in self.columns.items() if col.kind in kinds]

    def to_frame(self) -> pd.DataFrame:
        """One row per column: column, kind, dtype, missing, unique, evidence."""
        rows = [
            {
                "column": c.name,
                "kind": c.kind,
                "dtype": c.dtype,
                "missing": c.n_missing,
                "unique": c.n_unique,
                "evidence": c.evidence,
            }
            for c in self.columns.values()
        ]
        columns = ["column", "kind", "dtype", "missing", "unique", "evidence"]
        return pd.DataFrame(rows, columns=columns)


def profile_frame(X: pd.DataFrame) -> DataProfile:
    """Decide the kind of every column of ``X`` and record the evidence.

    Parameters
    ----------
    X : pandas.DataFrame
        Features (pandas 2 or 3; numeric, bool, datetime, ``object``, ``str``, ``string``
        and ``category`` columns).

    Returns
    -------
    DataProfile
        Kinds follow these rules, first match wins: *constant* (at most one distinct
        value), *boolean* (bool dtype, or exactly two values such as 0/1 or yes/no),
        *datetime* (datetime dtype, or strings of which >= 90% of a sample parse as
        dates), *text* (strings, many distinct, >= 4 words on average), *id* (strings or
        integers with about one distinct value per row), *categorical* (other strings and
        categories), *numeric* (other numbers).
    """
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"profile_frame expects a pandas DataFrame, got {type(X).__name__}")
    if X.columns.has_duplicates:
        dupes = sorted({str(c) for c in X.columns[X.columns.duplicated()]})
        raise ValueError(f"column names must be unique; repeated: {', '.join(dupes)}")
    n_rows = len(X)
    columns = {name: _profile_column(name, X[name], n_rows) for name in X.columns}
    memory = int(X.memory_usage(deep=True, index=True).sum())
    return DataProfile(n_rows=n_rows, columns=columns, memory_bytes=memory)


# ---------------------------------------------------------------------------------------


def _profile_column(name: Hashable, col: pd.Series, n_rows: int) -> ColumnProfile:
    missing = col.isna()
    n_missing = int(missing.sum())
    values = col[~missing] if n_missing else col
    family = _value_family(col, values)
    # category columns: count categories that occur, not declared ones
    n_unique = int(values.nunique()) if len(values) else 0
    kind, evidence = _decide(family, values, n_unique, n_rows)
    if n_missing and kind not in ("constant", "id"):
        evidence += f"; {n_missing} missing ({n_missing / max(n_rows, 1):.1%})"
    return ColumnProfile(
        name=name,
        kind=kind,
        evidence=evidence,
        dtype=str(col.dtype),
        n_missing=n_missing,
        n_unique=n_unique,
    )


def _value_family(col: pd.Series, values: pd.Series) -> str:
    """Coarse storage family: bool, integer, float, datetime, timedelta, category, string."""
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "timedelta"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_numeric_dtype(dtype):
        return "float"
    if pd.api.types.is_object_dtype(dtype):
        # object columns may hold plain numbers, bools or dates rather than strings
        inferred = pd.api.types.infer_dtype(values, skipna=True)
        return {
            "integer": "integer",
            "floating": "float",
            "mixed-integer-float": "float",
            "decimal": "float",
            "boolean": "bool",
            "datetime": "datetime",
            "datetime64": "datetime",
            "date": "datetime",
        }.get(inferred, "string")
    return "string"


def _decide(family: str, values: pd.Series, n_unique: int, n_rows: int) -> tuple[str, str]:
    if n_unique == 0:
        return "constant", "every value is missing"
    if n_unique == 1:
        return "constant", f"only one distinct value ({_show(values.iloc[0])})"
    if family == "bool":
        return "boolean", f"{_kind_word(family)} values"
    if n_unique == 2 and family != "datetime":
        boolean = _boolean_evidence(values)
        if boolean:
            return "boolean", boolean
    if family == "datetime":
        what = "date/time objects" if pd.api.types.is_object_dtype(values.dtype) else values.dtype
        return "datetime", f"{what} from {values.min()} to {values.max()}"
    if family == "timedelta":
        return "numeric", "time spans, used as seconds"
    if family in ("integer", "float"):
        return _decide_number(family, values, n_unique, n_rows)
    if family == "category":
        return "categorical", _categorical_evidence(values, n_unique, "category dtype with")
    return _decide_string(values, n_unique, n_rows)


def _decide_number(family: str, values: pd.Series, n_unique: int, n_rows: int) -> tuple[str, str]:
    if family == "integer" and _looks_like_id(n_unique, n_rows):
        return "id", (
            f"{n_unique} distinct integers in {n_rows} rows{_per_row(n_unique, n_rows)}: "
            "looks like a row id"
        )
    low, high = values.min(), values.max()
    return "numeric", f"{n_unique} distinct {_kind_word(family)} values from {low:g} to {high:g}"


def _decide_string(values: pd.Series, n_unique: int, n_rows: int) -> tuple[str, str]:
    sample = _sample(values, SAMPLE_ROWS).astype(str)
    date_sample = sample.iloc[:DATE_SAMPLE]
    fmt, share = guess_datetime_format(date_sample)
    if fmt is not None:
        return "datetime", (
            f"{share:.0%} of {len(date_sample)} sampled values parse as dates "
            f"(e.g. {_show(date_sample.iloc[0])})"
        )
    many = n_unique >= TEXT_UNIQUE_SHARE * len(values) or n_unique > TEXT_MIN_DISTINCT
    if many:
        words = float(sample.str.split().str.len().mean())
        if words >= TEXT_MIN_WORDS:
            return "text", f"{n_unique} distinct strings averaging {words:.1f} words: free text"
    if _looks_like_id(n_unique, n_rows):
        return "id", (
            f"{n_unique} distinct strings in {n_rows} rows{_per_row(n_unique, n_rows)}: "
            "looks like an identifier"
        )
    return "categorical", _categorical_evidence(values, n_unique, "")


def _looks_like_id(n_unique: int, n_rows: int) -> bool:
    return n_rows >= ID_MIN_ROWS and n_unique >= ID_SHARE * n_rows


def _per_row(n_unique: int, n_rows: int) -> str:
    return ", one per row" if n_unique == n_rows else f" ({n_unique / n_rows:.0%} distinct)"


def _boolean_evidence(values: pd.Series) -> str:
    uniques = pd.unique(values)
    flags = to_bool_float(pd.Series(uniques, dtype=object))
    if np.isnan(flags).any() or set(flags) != {0.0, 1.0}:
        return ""
    ordered = [u for _, u in sorted(zip(flags, uniques, strict=True), key=lambda p: p[0])]
    shown = " and ".join(_show(u) for u in ordered)
    return f"exactly two values, {shown}, read as false/true"


def _categorical_evidence(values: pd.Series, n_unique: int, prefix: str) -> str:
    examples = [_show(v) for v in pd.unique(values.iloc[:10_000])[:5]]
    more = ", ..." if n_unique > len(examples) else ""
    lead = f"{prefix} " if prefix else ""
    return f"{lead}{n_unique} distinct values ({', '.join(examples)}{more})"


def _sample(values: pd.Series, n: int) -> pd.Series:
    if len(values) <= n:
        return values
    # fixed seed: the same frame always gets the same profile
    return values.sample(n, random_state=0)


def _kind_word(family: str) -> str:
    return {"integer": "integer", "float": "decimal", "bool": "true/false"}.get(family, family)


def _show(value: object, width: int = 30) -> str:
    if isinstance(value, (bool, int, float, np.number, np.bool_)):
        return str(value)
    text = str(value)
    return repr(text if len(text) <= width else text[: width - 3] + "...")


# token sets are re-exported so callers can explain what "boolean" accepts
__all__ = [
    "KINDS",
    "ColumnProfile",
    "DataProfile",
    "profile_frame",
    "TRUE_TOKENS",
    "FALSE_TOKENS",
]
