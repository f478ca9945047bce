"""What converts to ONNX: the one place the settings, the search and the export read.

Light on purpose (no scikit-learn, no skl2onnx): the settings import it to check
``AutoML(exportable="onnx")`` before any work.
"""

from __future__ import annotations

from collections.abc import Iterable

#: the values of ``AutoML(exportable=...)`` besides None
EXPORT_FORMATS = ("onnx",)

#: learners whose fitted models convert (with :mod:`automl_nb.export.onnx_converters`)
ONNX_LEARNERS = frozenset({"dummy", "linear", "lightgbm", "extra_trees", "random_forest", "hist_gb", "knn"})

#: learners that do not convert, and why (said once when exportable="onnx" leaves them out)
NOT_CONVERTIBLE = {
    "mlp": "the PyTorch MLP has no ONNX converter here",
}

#: featurization steps (class names) whose fitted form converts; a final model holding any
#: other step gets an ExportError naming it
ONNX_STEPS = frozenset({
    "AsFloat", "BooleanToFloat", "CategoryAsString", "DatetimeFeatures", "TextSVD", "ConstantFeature",
    "OneHotEncoder", "TargetEncoder", "SimpleImputer", "StandardScaler",
})


def learner_converts(name: str) -> bool:
    """Whether a learner's fitted models convert to ONNX."""
    return name in ONNX_LEARNERS


def learner_reason(name: str) -> str:
    """Why a learner is left out of an ``exportable="onnx"`` run."""
    return NOT_CONVERTIBLE.get(name, f"{name} models do not convert to ONNX")


def convertible(names: Iterable[str]) -> list[str]:
    """The learners among ``names`` that convert, in order."""
    return [n for n in names if learner_converts(n)]


def left_out_note(names: Iterable[str]) -> str:
    """One sentence for the run: which learners exportable="onnx" left out and why ("" for none)."""
    parts = [f"the {n} learner ({learner_reason(n)})" for n in names if not learner_converts(n)]
    return f"exportable='onnx' leaves out {'; '.join(parts)}" if parts else ""
