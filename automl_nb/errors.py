"""The errors a user meets before any work starts: a bad setting or unusable data.

Each names what it is about, so a form (the Studio) can put the message beside its field
instead of searching the text.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from sklearn.exceptions import NotFittedError  # noqa: F401  (the class below subclasses it)


class ConfigError(ValueError):
    """A setting is invalid; the message names the argument and the valid choices.

    ``field`` is the setting the error is about (``"time_budget"``, ``"horizon"``...).
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class DataError(ValueError):
    """The data cannot be used as given; the message names the column or argument.

    ``field`` is the argument the error is about when it is a setting of the form
    (``"target"``, ``"time_column"``...), else None.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ExportError(ValueError):
    """A model (or a step of it) cannot be taken out this way; the message names the step
    or trial and, where there is one, the way that works (``AutoML(exportable="onnx")``...)."""


_lock = threading.Lock()


def __getattr__(name: str) -> Any:
    # NotFittedError subclasses scikit-learn's, whose import takes a second: it is made on
    # first use, so importing this module (the settings, the Studio's form) stays light
    if name != "NotFittedError":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    with _lock:
        if "NotFittedError" not in globals():
            globals()["NotFittedError"] = _not_fitted_error()
    return globals()["NotFittedError"]


def _not_fitted_error() -> type:
    from sklearn.exceptions import NotFittedError as SklearnNotFittedError

    class NotFittedError(SklearnNotFittedError, RuntimeError):
        """The AutoML has no model yet: call fit() or wait for the run to finish.

        scikit-learn's ``NotFittedError`` (so ``check_is_fitted`` and meta-estimators
        recognize it; it is a ValueError and an AttributeError) and a RuntimeError.
        """

    NotFittedError.__module__, NotFittedError.__qualname__ = __name__, "NotFittedError"
    return NotFittedError
