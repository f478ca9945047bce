"""Featurization plan: one sklearn ColumnTransformer per learner family, built from a profile.

Families differ in what their learners tolerate: gradient-boosted trees keep NaN, other trees
need imputation, and distance- or gradient-based learners (linear, neural, knn) also need
features on one scale.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler, TargetEncoder

from automl_nb.data.profile import DataProfile
from automl_nb.featurize.transformers import (
    AsFloat,
    BooleanToFloat,
    CategoryAsString,
    ConstantFeature,
    DatetimeFeatures,
    TextSVD,
    YourTransformer,
    onehot_name,
)

FAMILIES = ("gbm", "tree", "linear", "neural", "knn", "dummy")
TASKS = ("binary", "multiclass", "regression")
#: families whose learners need features on a common scale
SCALED = frozenset({"linear", "neural", "knn"})
#: most distinct values for one-hot encoding; more are target-encoded
ONEHOT_MAX = {"gbm": 10, "tree": 10, "linear": 20, "neural": 20, "knn": 20}
#: categories seen fewer times than this share one "infrequent" column
MIN_FREQUENCY = 5
TARGET_ENCODER_FOLDS = 5
_INDICATOR = "missingindicator_"


def build_featurizer(
    profile: DataProfile, family: str, task: str, seed: int = 0
) -> ColumnTransformer:
    """Build the (unfitted) featurizer for one learner family.

    Parameters
    ----------
    profile : DataProfile
        Profile of the training features (see :func:`automl_nb.data.profile.profile_frame`).
    family : str
        One of :data:`FAMILIES`.
    task : str
        ``"binary"``, ``"multiclass"`` or ``"regression"``; sets the target encoding.
    seed : int
        Seed for the target encoder's cross-fitting folds and the text SVD.

    Returns
    -------
    sklearn.compose.ColumnTransformer
        Takes a DataFrame with the training columns, outputs a dense float array. Needs
        ``y`` in ``fit`` when any column is target-encoded. Id and constant columns are
        dropped; the ``gbm`` family keeps NaN in numeric features.
    """
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; expected one of {FAMILIES}")
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {TASKS}")
    names = _Names()
    transformers: list[tuple[str, object, list]] = []
    outputs: dict[str, tuple[list[str], list[str]]] = {}  # column -> (exact names, prefixes)
    yours = dict(profile.transformers or {}) if family != "dummy" else {}

    def columns_of(kind: str) -> list[str]:  # a column with your transformer has no kind's steps
        return [c for c in profile.columns_of(kind) if c not in yours]

    if family != "dummy":
        numeric = columns_of("numeric")
        if numeric:
            steps = [("as_float", AsFloat()), *_numeric_tail(family)]
            transformers.append((names.new("numeric"), Pipeline(steps), numeric))
            outputs.update({str(c): ([str(c), f"{_INDICATOR}{c}"], []) for c in numeric})
        boolean = columns_of("boolean")
        if boolean:
            steps = [("to_0_1", BooleanToFloat()), *_numeric_tail(family)]
            transformers.append((names.new("boolean"), Pipeline(steps), boolean))
            outputs.update({str(c): ([str(c), f"{_INDICATOR}{c}"], []) for c in boolean})
        for col in columns_of("categorical"):
            pipe, onehot = _categorical(profile.columns[col].n_unique, family, task, seed)
            transformers.append((names.new("categorical", col), pipe, [col]))
            if onehot:
                outputs[str(col)] = ([], [onehot_name(col, "")])
            else:
                outputs[str(col)] = ([str(col)], [f"{col}_"] if task == "multiclass" else [])
        for col in columns_of("datetime"):
            steps = [("date_parts", DatetimeFeatures()), *_numeric_tail(family)]
            transformers.append((names.new("datetime", col), Pipeline(steps), [col]))
            outputs[str(col)] = ([], [f"{col}__", f"{_INDICATOR}{col}__"])
        for col in columns_of("text"):
            steps = [("tfidf_svd", TextSVD(random_state=seed))]
            if family in SCALED:
                steps.append(("scale", StandardScaler()))
            transformers.append((names.new("text", col), Pipeline(steps), [col]))
            outputs[str(col)] = ([], [f"{col}__"])
        for col, trans in yours.items():
            transformers.append((names.new("yours", col), YourTransformer(trans), [col]))
            outputs[str(col)] = ([], [f"{col}__"])

    if not transformers:
        # zero output columns break estimators; Dummy* learners only need the row count
        transformers.append(("constant", ConstantFeature(), list(profile.columns)))
        outputs = {"": (["constant"], [])}
    for kind in ("id", "constant"):
        dropped = columns_of(kind)
        if dropped and family != "dummy":
            transformers.append((names.new(f"drop_{kind}"), "drop", dropped))

    return ColumnTransformer(
        transformers,
        remainder="drop",
        sparse_threshold=0.0,
        n_jobs=None,
        verbose_feature_names_out=_may_collide(outputs),
    )


def featurization_summary(featurizer: ColumnTransformer, profile: DataProfile) -> pd.DataFrame:
    """What happened to each raw column in a fitted featurizer.

    Parameters
    ----------
    featurizer : ColumnTransformer
        A featurizer from :func:`build_featurizer`, already fitted.
    profile : DataProfile
        The profile it was built from.

    Returns
    -------
    pandas.DataFrame
        One row per raw column with ``raw_column``, ``kind``, ``steps`` (e.g. "impute
        median + missing indicator → scale"), ``engineered_features`` (output names from
        ``get_feature_names_out``), ``n_features``, ``dropped`` (reason, or "") and
        ``set_by_you`` (its kind or transformer came from ``column_kinds``,
        ``column_transformers`` or ``featurization="off"``).
    """
    if not hasattr(featurizer, "transformers_"):
        raise ValueError("featurization_summary needs a fitted featurizer; call fit first")
    out_names = [str(n) for n in featurizer.get_feature_names_out()]
    rows = {
        name: {
            "raw_column": name,
            "kind": col.kind,
            "steps": "",
            "engineered_features": [],
            "n_features": 0,
            "dropped": "",
            "set_by_you": col.set_by_user,
        }
        for name, col in profile.columns.items()
    }
    for tname, trans, cols in featurizer.transformers_:
        cols = [c for c in _as_list(cols) if c in rows]
        if isinstance(trans, str) and trans == "drop":
            for c in cols:
                col = profile.columns[c]
                rows[c]["steps"] = "drop"
                rows[c]["dropped"] = f"{col.kind} column: {col.evidence}"
            continue
        if not cols or tname not in featurizer.output_indices_:
            continue
        if isinstance(trans, ConstantFeature):
            for c in cols:
                rows[c]["steps"] = _describe(trans)
                rows[c]["dropped"] = "unused: one constant column stands in for all columns"
            continue
        names = out_names[featurizer.output_indices_[tname]]
        owners = _owners(trans, cols, len(names))
        for c in cols:
            rows[c]["steps"] = _describe(trans)
        for name, owner in zip(names, owners, strict=True):
            if owner is not None:
                rows[owner]["engineered_features"].append(name)
    for row in rows.values():
        row["n_features"] = len(row["engineered_features"])
        if not row["steps"]:
            row["dropped"] = "not used by this featurizer"
        elif not row["dropped"] and not row["n_features"]:
            row["dropped"] = "no features left after fitting (e.g. every value missing)"
    columns = ["raw_column", "kind", "steps", "engineered_features", "n_features", "dropped", "set_by_you"]
    return pd.DataFrame(list(rows.values()), columns=columns)


# ---------------------------------------------------------------------------------------
# building blocks
# ---------------------------------------------------------------------------------------


def _numeric_tail(family: str) -> list[tuple[str, BaseEstimator]]:
    if family == "gbm":
        return []  # LightGBM and HistGradientBoosting route NaN natively
    steps: list[tuple[str, BaseEstimator]] = [
        ("impute", SimpleImputer(strategy="median", add_indicator=True))
    ]
    if family in SCALED:
        steps.append(("scale", StandardScaler()))
    return steps


def _categorical(n_unique: int, family: str, task: str, seed: int) -> tuple[Pipeline, bool]:
    onehot = n_unique <= ONEHOT_MAX.get(family, 10)
    if onehot:
        # rare and unseen levels are grouped by CategoryAsString (fast); the encoder then
        # gives that group a column if it occurred in fit, and all zeros otherwise
        encoder = OneHotEncoder(
            handle_unknown="ignore",
            sparse_output=False,
            dtype=np.float64,
            feature_name_combiner=onehot_name,
        )
        steps = [
            ("as_string", CategoryAsString(min_frequency=MIN_FREQUENCY)),
            ("onehot", encoder),
        ]
    else:
        # target encoding smooths rare levels itself
        steps = [("as_string", CategoryAsString()), ("target_encode", _target_encoder(task, seed))]
        if family in SCALED:
            steps.append(("scale", StandardScaler()))
    return Pipeline(steps), onehot


def _target_encoder(task: str, seed: int) -> TargetEncoder:
    target_type = {"binary": "binary", "multiclass": "multiclass"}.get(task, "continuous")
    if TargetEncoder().random_state == "deprecated":
        # scikit-learn >= 1.9 takes the cross-fitting splitter itself
        splitter_cls = KFold if target_type == "continuous" else StratifiedKFold
        splitter = splitter_cls(TARGET_ENCODER_FOLDS, shuffle=True, random_state=seed)
        return TargetEncoder(target_type=target_type, cv=splitter)
    return TargetEncoder(  # pragma: no cover - scikit-learn < 1.9
        target_type=target_type, cv=TARGET_ENCODER_FOLDS, shuffle=True, random_state=seed
    )


class _Names:
    """Unique ColumnTransformer step names (sklearn forbids '__' and duplicates)."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def new(self, kind: str, column: object = None) -> str:
        base = kind if column is None else f"{kind}:{column}"
        base = re.sub(r"_{2,}", "_", base)
        name, i = base, 1
        while name in self.used:
            i += 1
            name = f"{base}#{i}"
        self.used.add(name)
        return name


def _may_collide(outputs: dict[str, tuple[list[str], list[str]]]) -> bool:
    """True when two raw columns could produce the same output name without prefixes.

    Each column yields exact names (e.g. ``Income``, ``missingindicator_Income``) and name
    prefixes (``Home=``, ``arrival_date__``). Names can clash only if an exact name repeats,
    or an exact name or prefix of one column starts with a prefix of another.
    """
    items = sorted(
        (
            (name, col, is_prefix)
            for col, (exact, prefixes) in outputs.items()
            for names, is_prefix in ((exact, False), (prefixes, True))
            for name in names
        ),
        key=lambda item: item[0],
    )
    keys = [name for name, _, _ in items]
    for name, col, is_prefix in items:
        # a clash returns at once, so each scan only passes over the column's own names
        for other, other_col, _ in items[bisect.bisect_left(keys, name) :]:
            if not (other.startswith(name) if is_prefix else other == name):
                break
            if other_col != col:
                return True
    return False


def _as_list(cols: object) -> list:
    if isinstance(cols, (list, tuple, np.ndarray, pd.Index)):
        return list(cols)
    return [cols]


def _owners(trans: object, cols: Sequence, n_out: int) -> list:
    """Raw column behind each output of one fitted ColumnTransformer entry."""
    if len(cols) == 1:
        return [cols[0]] * n_out
    # grouped numeric/boolean columns: outputs are the column itself or its indicator
    sub = [str(n) for n in trans.get_feature_names_out(np.asarray(cols, dtype=object))]
    lookup = {str(c): c for c in cols}
    lookup.update({f"{_INDICATOR}{c}": c for c in cols if f"{_INDICATOR}{c}" not in lookup})
    return [lookup.get(name) for name in sub]


def _describe(trans: object) -> str:
    if isinstance(trans, Pipeline):
        labels = [_describe_step(step) for _, step in trans.steps]
        if not any(isinstance(s, SimpleImputer) for _, s in trans.steps) and isinstance(
            trans.steps[0][1], (AsFloat, BooleanToFloat, DatetimeFeatures)
        ):
            labels.append("NaN kept")
        return " → ".join(labels)
    return _describe_step(trans)


def _describe_step(step: object) -> str:
    if isinstance(step, AsFloat):
        return "as number"
    if isinstance(step, BooleanToFloat):
        return "map to 0/1"
    if isinstance(step, CategoryAsString):
        label = f"as text, missing → {step.missing_value!r}"
        if step.min_frequency > 1:
            label += (
                f", levels seen < {step.min_frequency} times or unseen → {step.infrequent_value!r}"
            )
        return label
    if isinstance(step, OneHotEncoder):
        return "one-hot"
    if isinstance(step, TargetEncoder):
        return "target-encode (cross-fitted)"
    if isinstance(step, SimpleImputer):
        return f"impute {step.strategy}" + (" + missing indicator" if step.add_indicator else "")
    if isinstance(step, StandardScaler):
        return "scale"
    if isinstance(step, DatetimeFeatures):
        return "date parts (year, month, day, day of week, day of year, time if any)"
    if isinstance(step, TextSVD):
        n = getattr(step, "n_components_", step.max_components)
        return f"tf-idf of words and word pairs → {n} SVD components"
    if isinstance(step, ConstantFeature):
        return "constant 1 (no information)"
    if isinstance(step, YourTransformer):
        return f"yours (set by you): {type(step.transformer).__name__}"
    return type(step).__name__
