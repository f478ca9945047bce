"""The errors a user meets before any work starts: a bad setting or unusable data.

Each names what it is about, so a form (the Studio) can put the message beside its field
instead of searching the text.
"""

from __future__ import annotations


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


class NotFittedError(RuntimeError):
    """The AutoML has no model yet: call fit() or wait for the run to finish."""
