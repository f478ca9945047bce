"""Your own featurization: a column's kind, a column's own transformer, or none at all.

``AutoML(column_kinds={"zip": "categorical", "notes": "text"})`` replaces the profile's
kind of those columns (the featurization of that kind follows, in every family);
``column_transformers={"col": transformer}`` gives a column its own scikit-learn transformer,
whose output is that column's features in every family (as it is: no imputation or scaling
is added; :class:`~automl_nb.featurize.transformers.YourTransformer` names its outputs);
``featurization="off"`` passes every column as a number (the frame must be numeric or
boolean), keeping only what each family needs of numeric columns (impute, scale).

The settings are checked in ``ExperimentConfig.validate``; the columns they name, against
the data at fit, before any work. The profile says "set by you" where they changed a column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pandas as pd

from ..data.profile import KINDS, DataProfile
from ..errors import ConfigError, DataError

FEATURIZATION = ("auto", "off")


def check_settings(column_kinds: Any, column_transformers: Any, featurization: Any) -> None:
    """The three settings, before the data is seen; ConfigError naming the setting."""
    from sklearn.base import clone

    if featurization not in FEATURIZATION:
        raise ConfigError(f"featurization={featurization!r} is not valid; choose 'auto' or 'off' (a frame that is "
                          "already numeric)", field="featurization")
    if column_kinds is not None:
        if not isinstance(column_kinds, Mapping):
            raise ConfigError(f"column_kinds must be a dict {{column: kind}}, got {type(column_kinds).__name__}",
                              field="column_kinds")
        for col, kind in column_kinds.items():
            if kind not in KINDS:
                raise ConfigError(f"column_kinds[{col!r}] = {kind!r} is not a kind; choose one of: "
                                  f"{', '.join(KINDS)} ('id' and 'constant' drop the column)", field="column_kinds")
    if column_transformers is None:
        return
    if not isinstance(column_transformers, Mapping):
        raise ConfigError(f"column_transformers must be a dict {{column: transformer}}, got "
                          f"{type(column_transformers).__name__}", field="column_transformers")
    for col, trans in column_transformers.items():
        def bad(message: str, col: Any = col) -> ConfigError:
            return ConfigError(f"column_transformers[{col!r}]: {message}", field="column_transformers")

        if isinstance(trans, str):
            raise bad(f"{trans!r} is a string; give a transformer (the settings of a folder loaded with "
                      "trusted=False are only their descriptions)")
        if isinstance(trans, type):
            raise bad(f"give a transformer instance, {trans.__name__}(...), not the class")
        missing = [m for m in ("fit", "transform") if not callable(getattr(trans, m, None))]
        if missing:
            raise bad(f"{type(trans).__name__} is not a scikit-learn transformer (it has no {', '.join(missing)})")
        try:
            clone(trans)
        except Exception as exc:  # noqa: BLE001 - said as it is
            raise bad(f"sklearn.base.clone fails on it ({type(exc).__name__}: {exc})") from None
        try:
            import cloudpickle

            cloudpickle.dumps(trans)
        except Exception as exc:  # noqa: BLE001 - pickling fails in many ways
            raise bad(f"{type(trans).__name__} cannot be pickled ({type(exc).__name__}: {exc}); the worker "
                      "processes receive it pickled") from None
        if column_kinds is not None and col in column_kinds:
            raise bad("the column is also in column_kinds; give it a kind or a transformer, not both")


def check_columns(X: pd.DataFrame, config: Any) -> None:
    """The columns the settings name exist in ``X`` (after drop_columns); with
    ``featurization="off"`` every column is numeric or boolean. DataError naming them."""
    for arg in ("column_kinds", "column_transformers"):
        named = list(getattr(config, arg) or {})
        missing = [c for c in named if c not in X.columns]
        if missing:
            raise DataError(f"{arg} names columns that are not in X: {missing}"
                            + (" (they are in drop_columns)" if set(missing) & set(config.drop_columns) else ""),
                            field=arg)
    if config.featurization == "off":
        mine = set(config.column_transformers or {})
        other = [c for c in X.columns if c not in mine and not pd.api.types.is_numeric_dtype(X[c])]
        if other:
            shown = ", ".join(f"{c!r} ({X[c].dtype})" for c in other[:5]) + (" ..." if len(other) > 5 else "")
            raise DataError(f"featurization='off' needs numeric or boolean columns, but {len(other)} are not: "
                            f"{shown}; encode them first, give them column_transformers, or use "
                            "featurization='auto'", field="featurization")


def apply_overrides(profile: DataProfile, config: Any) -> DataProfile:
    """The profile with your kinds, transformers and featurization; the columns they
    changed say "set by you" in their evidence (``set_by_user``)."""
    kinds = dict(config.column_kinds or {})
    transformers = dict(config.column_transformers or {})
    off = config.featurization == "off"
    if not (kinds or transformers or off):
        return profile
    columns = {}
    for name, col in profile.columns.items():
        if name in transformers:
            t = transformers[name]
            columns[name] = replace(col, set_by_user=True, evidence=(
                f"set by you: column_transformers gives it {type(t).__name__} (detected: {col.kind}, {col.evidence})"))
        elif name in kinds:
            columns[name] = replace(col, kind=kinds[name], set_by_user=True, evidence=(
                f"set by you: column_kinds={kinds[name]!r} (detected: {col.kind}, {col.evidence})"))
        elif off:
            columns[name] = replace(col, kind="numeric", set_by_user=True, evidence=(
                f"set by you: featurization='off' uses it as a number (detected: {col.kind}, {col.evidence})"))
        else:
            columns[name] = col
    return replace(profile, columns=columns, transformers=transformers or None)


def describe_transformers(transformers: Mapping[str, Any] | None) -> dict[str, str] | None:
    """JSON for the stored settings: each transformer as its one-line repr."""
    if transformers is None:
        return None
    return {c: t if isinstance(t, str) else " ".join(repr(t).split()) for c, t in transformers.items()}
