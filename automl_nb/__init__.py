"""automl_nb: AutoML that lives in the Jupyter notebook.

>>> import automl_nb as an
>>> aml = an.AutoML(time_budget=60).fit(df, "target")     # doctest: +SKIP

Public names are imported on first use, so ``import automl_nb`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_PUBLIC = {
    "AutoML": ".automl",
    "load": ".automl",
    "NotFittedError": ".automl",
    "ExperimentConfig": ".config",
    "ConfigError": ".config",
    "DataError": ".data.prepare",
    "Run": ".experiment",
    "METRICS": ".metrics",
    "LEARNERS": ".learners",
    "Studio": ".studio",
    "smoke_test": ".smoke",
    "Explanation": ".explain",
    "Learner": ".learners.custom",
    "log_uniform": ".learners.custom",
    "uniform": ".learners.custom",
    "int_uniform": ".learners.custom",
    "choice": ".learners.custom",
}

__all__ = [*_PUBLIC, "__version__", "load_ipython_extension"]

if TYPE_CHECKING:  # pragma: no cover
    from .automl import AutoML, NotFittedError, load  # noqa: F401
    from .config import ConfigError, ExperimentConfig  # noqa: F401
    from .data.prepare import DataError  # noqa: F401
    from .experiment import Run  # noqa: F401
    from .explain import Explanation  # noqa: F401
    from .learners.custom import Learner, choice, int_uniform, log_uniform, uniform  # noqa: F401
    from .smoke import smoke_test  # noqa: F401
    from .studio import Studio  # noqa: F401


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext automl_nb``: registers the ``%automl`` magic (see :mod:`automl_nb.magics`)."""
    from .magics import load_ipython_extension as load

    load(ipython)


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        import importlib

        value = getattr(importlib.import_module(_PUBLIC[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'automl_nb' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
