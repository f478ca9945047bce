"""``%automl``: open a Studio on a DataFrame of the notebook in one line.

>>> %load_ext automl_nb                                   # doctest: +SKIP
>>> %automl df target=churn budget=60                     # doctest: +SKIP

The first word names a DataFrame in the notebook; then ``key=value`` settings. ``budget``
stands for ``time_budget``, ``trials`` for ``max_trials`` and ``folds`` for ``n_folds``;
values are read as Python literals when they are one (``60``, ``True``, ``None``,
``['a', 'b']``) and as text otherwise; learner and column lists may also be written
``a,b``. Quote values with spaces: ``target="monthly charges"``.
"""

from __future__ import annotations

import ast
import shlex
from typing import Any

ALIASES = {"budget": "time_budget", "trials": "max_trials", "folds": "n_folds", "drop": "drop_columns",
           "allowed": "allowed_learners", "blocked": "blocked_learners"}
_LISTS = ("allowed_learners", "blocked_learners", "drop_columns")
USAGE = "usage: %automl <dataframe> [target=<column>] [budget=<seconds>] [key=value ...]"


def parse_line(line: str) -> tuple[str, dict[str, Any]]:
    """The DataFrame's name and the settings of an ``%automl`` line."""
    words = shlex.split(line)
    if not words or "=" in words[0]:
        raise ValueError(USAGE)
    settings: dict[str, Any] = {}
    for word in words[1:]:
        key, sep, text = word.partition("=")
        if not sep or not key:
            raise ValueError(f"expected key=value, got {word!r}; {USAGE}")
        key = ALIASES.get(key, key)
        settings[key] = _value(key, text)
    return words[0], settings


def _value(key: str, text: str) -> Any:
    if key == "target":
        return text
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        value = text
    if key in _LISTS and isinstance(value, str):
        return [v for v in value.split(",") if v]
    if key in _LISTS and isinstance(value, tuple):
        return list(value)
    return value


def automl_magic(line: str, local_ns: dict[str, Any] | None = None) -> Any:
    """``%automl df target=y budget=60``: a Studio on ``df`` (shown when it ends the cell)."""
    from IPython import get_ipython

    from .studio import Studio

    name, settings = parse_line(line)
    namespace = dict(get_ipython().user_ns if get_ipython() is not None else {})
    namespace.update(local_ns or {})
    if name not in namespace:
        raise NameError(f"%automl: no variable {name!r} in the notebook; {USAGE}")
    target = settings.pop("target", None)
    return Studio(namespace[name], target=target, **settings)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext automl_nb`` registers the ``%automl`` line magic."""
    from IPython.core.magic import needs_local_scope

    ipython.register_magic_function(needs_local_scope(automl_magic), magic_kind="line", magic_name="automl")
