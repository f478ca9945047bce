"""The Studio's settings form: which settings the browser edits, the ``config`` trait's
normal form, the checks of each field, the choices offered, and what a DataFrame offers.

Everything derives from the declarations of :class:`~automl_nb.config.ExperimentConfig`
(``browser_names``/``python_names``, the tasks' settings groups) and from the tasks: a
task's own settings group applies only with that task, and the settings a task ignores are
left out. An error is put beside the field its exception names (``.field``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..config import TASK_SETTINGS, TASKS, VALIDATIONS, ExperimentConfig
from ..errors import ConfigError, DataError
from ..records import jsonable
from ..task import Task, get_task

#: settings the browser edits (the ``config`` trait)
BROWSER_SETTINGS: tuple[str, ...] = ExperimentConfig.browser_names()
#: settings only Python sets: where and how the engine runs (``folder``: where the runs go)
PYTHON_SETTINGS: tuple[str, ...] = ExperimentConfig.python_names()
#: each setting of a task's own group -> the group's name
GROUP_OF: dict[str, str] = {n: g for g, cls in TASK_SETTINGS.items() for n in cls.field_names()}
DEFAULTS: dict[str, Any] = ExperimentConfig().to_dict()
#: settings the preparation of the data reads (its result is cached while they stay the same)
PREPARED_SETTINGS = ("task", "metric", "drop_columns", *(n for n in BROWSER_SETTINGS if n in GROUP_OF))
#: settings that change what the pre-run checks and the featurization preview see
CHECKED_SETTINGS = ("task", "drop_columns", "validation", "n_folds", "seed",
                    *(n for n in BROWSER_SETTINGS if n in GROUP_OF))


def task_for(settings: dict[str, Any]) -> Task:
    """The task serving the form's ``task`` (the default task while it names none: its
    field shows the error)."""
    name = settings.get("task", "auto")
    return get_task(name if _known_task(name) else "auto")


def _known_task(name: Any) -> bool:
    return isinstance(name, str) and name in ("auto", *TASKS)


def effective(settings: dict[str, Any]) -> dict[str, Any]:
    """The settings that apply to the chosen task: a task's own settings group only with
    that task (the others' stay at their defaults), without the settings the task ignores."""
    task = task_for(settings)
    return {k: (DEFAULTS[k] if GROUP_OF.get(k, task.settings_group) != task.settings_group else v)
            for k, v in settings.items() if k not in task.ignored_settings}


def config_from(settings: dict[str, Any]) -> ExperimentConfig:
    """An (unvalidated) ExperimentConfig of flat settings as the form holds them: lists
    for name lists, and null for a cleared list (its default)."""
    d = {k: v for k, v in settings.items() if k in BROWSER_SETTINGS or k in PYTHON_SETTINGS}
    for k, v in d.items():
        if v is None and isinstance(DEFAULTS.get(k), list):
            d[k] = DEFAULTS[k]
    return ExperimentConfig.from_dict(d)


def error_field(exc: BaseException, default: str = "target") -> str:
    """The form's field an engine error is about: the one it names (``.field``), else ``default``."""
    field = exc.field if isinstance(exc, (ConfigError, DataError)) else None
    return field or default


def settings_errors(config: dict[str, Any]) -> dict[str, str]:
    """``{field: message}`` for the settings alone (the target is checked elsewhere).

    Each field is checked on its own first (beside the chosen task), so every bad field is
    named at once; then all of them together, each bad one left at its default in turn —
    the combinations (metric vs task, allowed vs blocked learners) and a task's own group,
    which may need its required settings before it checks the others.
    """
    errors = {k: f"unknown setting {k!r}; valid: {', '.join(BROWSER_SETTINGS)}"
              for k in config if k not in BROWSER_SETTINGS}
    settings = effective({k: v for k, v in config.items() if k in BROWSER_SETTINGS})
    context = {"task": settings["task"]} if _known_task(settings.get("task")) else {}
    for key, value in settings.items():
        if key == "ensemble" and not isinstance(value, bool):
            errors[key] = f"ensemble must be true or false, got {value!r}"
            continue
        found = _first_error({**context, key: value})
        if found is not None and found[0] in (key, None):
            errors[key] = found[1]
    rest = {k: v for k, v in settings.items() if k not in errors}
    while (found := _first_error(rest)) is not None:
        field = found[0] or "task"
        if field in errors:  # its default is refused too (a required setting): the rest waits
            break
        errors[field] = found[1]
        rest.pop(field, None)
    return errors


def _first_error(settings: dict[str, Any]) -> tuple[str | None, str] | None:
    """``(field, message)`` of the first setting the engine refuses, or None."""
    try:
        config_from(settings).validate()
    except ConfigError as exc:
        return exc.field, str(exc)
    except (ValueError, TypeError) as exc:
        return None, str(exc)
    return None


def normalized(config: dict[str, Any]) -> dict[str, Any]:
    """The ``config`` trait: every browser setting present (defaults fill gaps), JSON-safe.
    Unknown keys stay, so that validation names them."""
    defaults = {k: DEFAULTS[k] for k in BROWSER_SETTINGS}
    given = {k: v for k, v in config.items() if k not in PYTHON_SETTINGS and k != "extra"}
    return jsonable({**defaults, **given})


def choices() -> dict[str, Any]:
    """The ``choices`` trait before a target is chosen: tasks, metrics, learners, validations."""
    from ..learners import LEARNERS
    from ..metrics import METRICS

    return {
        "tasks": ["auto", *TASKS],
        "metrics": {t: [m for m, spec in METRICS.items() if t in spec.tasks] for t in TASKS},
        "learners": [
            {"name": name, "description": spec.description, "tasks": sorted(spec.tasks),
             "available": spec.available()}
            for name, spec in LEARNERS.items()
        ],
        "validations": list(VALIDATIONS),
        "inferred_task": "",
        "task_reason": "",
        "default_metric": "",
    }


def time_columns(df: pd.DataFrame) -> list[str]:
    """Columns that hold timestamps, or text that parses as dates (checked on a sample)."""
    out = []
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_datetime64_any_dtype(s) or isinstance(s.dtype, pd.PeriodDtype):
            out.append(str(c))
        elif pd.api.types.is_string_dtype(s) or s.dtype == object:
            sample = s.dropna().astype(str).head(50)
            if len(sample) and pd.to_datetime(sample, errors="coerce", format="mixed").notna().all():
                out.append(str(c))
    return out


def data_problem(df: pd.DataFrame) -> str:
    """Why a frame cannot be used at all, or ``""``."""
    if df.shape[1] == 0:
        return "the DataFrame has no columns"
    if len(df) == 0:
        return "the DataFrame is empty: it has no rows"
    if df.columns.has_duplicates:
        dupes = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        return f"the DataFrame has duplicate column names {dupes}; rename them so every column is unique"
    return ""
