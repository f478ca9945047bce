"""How a setting is declared: its default and who may edit it, in one place.

``setting(default, browser=True)`` marks a dataclass field the Studio's form edits;
``browser=False`` keeps it to Python (where and how the engine runs). The form's list of
fields, the facade's keyword arguments and the stored settings all derive from these
declarations.
"""

from __future__ import annotations

from dataclasses import field, fields
from typing import Any

import numpy as np


def setting(default: Any, *, browser: bool = True) -> Any:
    return field(default=default, metadata={"browser": browser})


def browser_fields(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls) if f.metadata.get("browser"))


def python_fields(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls) if f.metadata.get("browser") is False)


def is_int(x: Any) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def is_number(x: Any) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)
