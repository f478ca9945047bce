"""The final model as ONNX (skl2onnx, onnxmltools; extra ``automl_nb[onnx]``).

The graph takes the raw columns, one input per column of the frame given to ``fit``, named
as the column, each of shape ``[rows, 1]``:

- numeric columns: ``tensor(float)``; missing values as NaN (±inf counts as missing);
- boolean columns: ``tensor(float)`` (1.0 / 0.0 / NaN) when every boolean column is held as
  bools or numbers, else ``tensor(string)`` ("yes", "no", "true", "1"... as in the frame);
- categorical and free-text columns: ``tensor(string)``, ``str(value)``, with missing
  values as ``""`` (an empty string is read as missing);
- datetime columns: ``tensor(double)``, seconds since 1970-01-01 00:00 on the column's own
  clock (tz-aware values: their local time), missing as NaN; the graph computes the
  calendar parts itself;
- id and constant columns, which the model ignores, keep an input (float when numeric,
  else string) so that every column of the frame can be fed.

Outputs: classification ``label`` (the class, as the user's labels) and ``probabilities``
(one float tensor ``[rows, classes]``, the classes in ``metadata_props["classes"]``);
regression ``prediction`` (``[rows, 1]``). :func:`onnx_feed` turns a DataFrame into the
inputs; ``metadata_props["inputs"]`` holds each column's input type.

Before anything is written, onnxruntime runs the graph on a seeded sample of up to
:data:`CHECK_ROWS` rows of the training frame (with ``validation_data`` when given) and the
result must match the model's: probabilities within :data:`TOLERANCE`, labels equal
wherever the top two probabilities are further apart than that; regression predictions
within :data:`TOLERANCE` times ``max(1, |prediction|)`` (the graph computes in float32).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ExportError

#: rows of the training frame the exported graph is checked on
CHECK_ROWS = 1000
#: largest difference allowed between the graph's and the model's probabilities
TOLERANCE = 1e-4
TARGET_OPSET = {"": 18, "ai.onnx.ml": 3}


def onnx_bytes(exp: Any) -> bytes:
    """The experiment's final model as a checked, serialized ONNX graph (the task decides
    whether and how it converts); ``AutoML.export_onnx`` writes it."""
    return exp.task.onnx_model(exp)


# ---------------------------------------------------------------------------------------
# tabular models
# ---------------------------------------------------------------------------------------


def tabular_onnx(exp: Any) -> bytes:
    """The checked, serialized ONNX model of a tabular experiment's final model; an
    :class:`~automl_nb.errors.ExportError` naming the step that does not convert."""
    _require()
    from .onnx_converters import register

    p, model = exp.prepared, exp.outcome.model
    threshold, decided = _decision_threshold(model), model
    model = getattr(model, "estimator_", model) if threshold is not None else model
    if len(p.X) == 0 or exp.profile is None:
        raise ExportError("export_onnx() needs the training rows (the graph's inputs follow the columns' types "
                          "and the graph is checked on them), which an.load(folder, trusted=False) does not read; "
                          "load the folder with trusted=True (only if you trust it) to export its model")
    check_convertible(model, exp)
    register()
    inputs = graph_inputs(exp.profile, p.X, model)
    onx = _convert(model, inputs, p.X, exp)
    classes = None if p.classes is None else [_plain(c) for c in p.classes]
    if threshold is not None:
        _cut_at_threshold(onx, threshold, classes)
    _describe(onx, inputs, classes)
    rows = _check_rows(p.X, exp.config.seed)
    worst = _difference(onx, decided, rows, inputs, classes is not None, threshold)
    if worst is not None:
        raise ExportError(f"{_culprit(model, exp, inputs, rows)}the ONNX graph differs from the model on the "
                          f"check rows ({worst}); nothing was written")
    return onx.SerializeToString()


def _decision_threshold(model: Any) -> float | None:
    """The threshold of a scikit-learn ``FixedThresholdClassifier`` around the final pipeline
    (a binary model's tuned decision threshold), else None."""
    if type(model).__name__ == "FixedThresholdClassifier":
        return float(model.threshold)
    return None


def _cut_at_threshold(onx: Any, threshold: float, classes: list | None) -> None:
    """The graph's label output decided as ``FixedThresholdClassifier`` decides it: the second
    class when its probability is at least ``threshold`` (the probabilities are unchanged)."""
    from onnx import TensorProto, helper

    graph = onx.graph
    label, proba = graph.output[0].name, graph.output[1].name
    kind = graph.output[0].type.tensor_type.elem_type
    if classes is None or len(classes) != 2 or kind not in (TensorProto.INT64, TensorProto.STRING):
        raise ExportError("a decision threshold converts for two classes with integer or text labels only")
    for node in graph.node:  # the argmax label becomes an unused intermediate
        node.output[:] = [f"{label}_argmax" if o == label else o for o in node.output]
    values = [str(c).encode() for c in classes] if kind == TensorProto.STRING else [int(c) for c in classes]
    float_kind = graph.output[1].type.tensor_type.elem_type
    graph.initializer.extend([
        helper.make_tensor("threshold_column", TensorProto.INT64, [], [1]),
        helper.make_tensor("threshold_value", float_kind, [], [threshold]),
        helper.make_tensor("threshold_classes", kind, [2], values),
    ])
    graph.node.extend([
        helper.make_node("Gather", [proba, "threshold_column"], ["threshold_p1"], axis=1),
        helper.make_node("GreaterOrEqual", ["threshold_p1", "threshold_value"], ["threshold_positive"]),
        helper.make_node("Cast", ["threshold_positive"], ["threshold_index"], to=TensorProto.INT64),
        helper.make_node("Gather", ["threshold_classes", "threshold_index"], [label], axis=0),
    ])


def _require() -> None:
    from ..extras import MissingExtraError, installed

    missing = [m for m in ("skl2onnx", "onnxmltools", "onnxruntime", "onnx") if not installed(m)]
    if missing:
        raise MissingExtraError(f"export_onnx needs {', '.join(missing)}, which is not installed: "
                                "pip install 'automl_nb[onnx]'", name=missing[0])


def _members(model: Any, exp: Any) -> list[tuple[str, str | None, Any]]:
    """(label, learner, pipeline) of each member of the final model: ("trial 3 (lightgbm)",
    "lightgbm", pipeline); the learner is None when the trial is not known."""
    pipes = _pipelines(model)
    trials = list(exp.outcome.members) or [exp.outcome.best_trial]
    if len(trials) != len(pipes):
        trials = [None] * len(pipes)
    out = []
    for t, pipe in zip(trials, pipes, strict=True):
        learner = exp.results[t].learner if t in exp.results else None
        label = f"trial {t} ({learner})" if learner else type(pipe.steps[-1][1]).__name__
        out.append((label, learner, pipe))
    return out


def check_convertible(model: Any, exp: Any) -> None:
    """Raise ExportError naming the first step (or learner) of the final model that has no
    converter; nothing is converted yet."""
    from .onnx_support import ONNX_STEPS, learner_converts, learner_reason

    yours = set(exp.config.learners or {})  # whether skl2onnx converts yours is known by converting
    for label, learner, pipe in _members(model, exp):
        if learner is not None and learner not in yours and not learner_converts(learner):
            raise ExportError(f"{label}: {type(pipe.steps[-1][1]).__name__} does not convert to ONNX "
                              f"({learner_reason(learner)}); AutoML(exportable='onnx') leaves it out of the search")
        feat = pipe.steps[0][1]
        for name, trans, cols in getattr(feat, "transformers_", []):
            steps = trans.steps if hasattr(trans, "steps") else [(name, trans)]
            for _, step in steps:
                kind = type(step).__name__
                if not isinstance(step, str) and kind not in ONNX_STEPS:
                    cols = list(cols) if isinstance(cols, (list, tuple)) else [cols]
                    where = f"column {cols[0]!r}" if len(cols) == 1 else f"columns {cols}"
                    raise ExportError(f"{label}: step {name!r} ({kind} on {where}) has no ONNX converter; "
                                      f"steps that convert: {', '.join(sorted(ONNX_STEPS))}")


# ---------------------------------------------------------------------------------------
# the graph's inputs
# ---------------------------------------------------------------------------------------


def graph_inputs(profile: Any, X: pd.DataFrame, model: Any) -> dict[str, dict[str, Any]]:
    """Each raw column's graph input: ``{"type": "float" | "string" | "double"}``, and for
    datetime columns held as text the ``format`` they are parsed with."""

    def numeric(col: Any) -> bool:
        dtype = X[col].dtype
        return pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype)

    boolean = profile.columns_of("boolean")
    boolean_type = "float" if all(numeric(c) for c in boolean) else "string"
    formats = _datetime_formats(model)
    out: dict[str, dict[str, Any]] = {}
    for col in X.columns:
        kind = profile.columns[col].kind
        if kind == "numeric":
            out[str(col)] = {"type": "float"}
        elif kind == "boolean":
            out[str(col)] = {"type": boolean_type}
        elif kind == "datetime":
            out[str(col)] = {"type": "double", "format": formats.get(col)}
        elif kind in ("categorical", "text"):
            out[str(col)] = {"type": "string"}
        else:  # id, constant: ignored by the model
            out[str(col)] = {"type": "float" if numeric(col) and not pd.api.types.is_bool_dtype(X[col].dtype)
                             else "string"}
    return out


def _datetime_formats(model: Any) -> dict[Any, str | None]:
    from ..featurize.transformers import DatetimeFeatures

    formats: dict[Any, str | None] = {}
    for pipe in _pipelines(model):
        for _, trans, cols in getattr(pipe.steps[0][1], "transformers_", []):
            for _, step in getattr(trans, "steps", []):
                if isinstance(step, DatetimeFeatures):
                    formats.update(zip(list(cols), step.formats_, strict=True))
    return formats


def _pipelines(model: Any) -> list[Any]:
    step = model.steps[0][1]
    if hasattr(step, "estimators_"):
        return list(step.estimators_)
    return [model]


def onnx_feed(X: pd.DataFrame, inputs: dict[str, dict[str, Any]]) -> dict[str, np.ndarray]:
    """The graph's inputs for the rows of ``X`` (see the module's docstring): one
    ``[rows, 1]`` array per column, float32, float64 or str objects."""
    from ..data.values import parse_datetimes

    feed: dict[str, np.ndarray] = {}
    for col, spec in inputs.items():
        values = X[col]
        if spec["type"] == "float":
            if pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_numeric_dtype(values.dtype):
                array = values.to_numpy(dtype=np.float64, na_value=np.nan)
            else:
                array = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(
                    dtype=np.float64, na_value=np.nan)
            feed[col] = array.astype(np.float32).reshape(-1, 1)
        elif spec["type"] == "double":
            stamps = parse_datetimes(values, spec.get("format"))
            if getattr(stamps.dt, "tz", None) is not None:
                stamps = stamps.dt.tz_localize(None)
            seconds = (stamps - pd.Timestamp(0)).dt.total_seconds()
            feed[col] = seconds.to_numpy(dtype=np.float64, na_value=np.nan).reshape(-1, 1)
        else:
            codes, uniques = pd.factorize(values, use_na_sentinel=True)
            labels = np.array([str(u) for u in np.asarray(uniques, dtype=object)] + [""], dtype=object)
            feed[col] = labels[np.where(codes < 0, len(uniques), codes)].reshape(-1, 1)
    return feed


# ---------------------------------------------------------------------------------------
# conversion
# ---------------------------------------------------------------------------------------


def _convert(model: Any, inputs: dict[str, dict[str, Any]], X: pd.DataFrame, exp: Any) -> Any:
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType, StringTensorType

    types = {"float": FloatTensorType, "double": DoubleTensorType, "string": StringTensorType}
    initial = [(col, types[spec["type"]]([None, 1])) for col, spec in inputs.items()]
    ready = _for_conversion(model, next(iter(inputs)), X, inputs)
    final = ready.steps[-1][1]
    options = {id(final): {"zipmap": False}} if hasattr(final, "classes_") else None
    try:
        onx = convert_sklearn(ready, initial_types=initial, options=options, target_opset=TARGET_OPSET)
    except Exception as exc:  # noqa: BLE001 - any converter failure is said with the step
        raise ExportError(f"{_culprit(model, exp, inputs, None)}the conversion to ONNX failed: "
                          f"{type(exc).__name__}: {exc}") from exc
    _rename_output(onx, "variable", "prediction")
    _portable_locale(onx)
    return onx


def _portable_locale(onx: Any) -> None:
    """Lowercase text with the C.UTF-8 locale (skl2onnx asks for en_US.UTF-8, which many
    machines lack: onnxruntime would refuse the graph there)."""
    from onnx import helper

    for node in onx.graph.node:
        if node.op_type == "StringNormalizer":
            kept = [a for a in node.attribute if a.name != "locale"]
            del node.attribute[:]
            node.attribute.extend([*kept, helper.make_attribute("locale", "C.UTF-8")])


def _for_conversion(model: Any, first: str, X: pd.DataFrame, inputs: dict[str, dict[str, Any]]) -> Any:
    """A shallow copy of the fitted model that converts as our inputs are declared: the
    baseline's constant feature reads one column, not all of them (their types differ), and
    a boolean step held as text knows the spellings seen in training. Nothing is refitted
    and the user's model is left untouched."""
    from sklearn.pipeline import Pipeline

    step = model.steps[0][1]
    if len(model.steps) == 1 and hasattr(step, "estimators_"):
        ens = copy.copy(step)
        ens.estimators_ = [_for_conversion(m, first, X, inputs) for m in step.estimators_]
        ens.flatten_transform = False  # (transform only; skl2onnx refuses True)
        if getattr(ens, "weights", None) is not None:  # skl2onnx sums them as an array
            ens.weights = np.asarray(ens.weights, dtype=np.float64)
        return Pipeline([(model.steps[0][0], ens)])
    feat = copy.copy(step)
    feat.transformers_ = [_entry(e, first, X, inputs) for e in step.transformers_]
    return Pipeline([(model.steps[0][0], feat), *model.steps[1:]])


def _entry(entry: tuple, first: str, X: pd.DataFrame, inputs: dict[str, dict[str, Any]]) -> tuple:
    from sklearn.pipeline import Pipeline

    from ..featurize.transformers import BooleanToFloat, ConstantFeature

    name, trans, cols = entry
    if isinstance(trans, ConstantFeature):
        return name, trans, [first]
    if isinstance(trans, Pipeline) and isinstance(trans.steps[0][1], BooleanToFloat):
        cols = list(cols)
        if cols and inputs[str(cols[0])]["type"] == "string":
            head = copy.copy(trans.steps[0][1])
            head.onnx_seen_ = sorted({str(v) for c in cols for v in pd.unique(X[c].dropna())})
            return name, Pipeline([(trans.steps[0][0], head), *trans.steps[1:]]), cols
    return entry


def _rename_output(onx: Any, old: str, new: str) -> None:
    for node in onx.graph.node:
        node.output[:] = [new if o == old else o for o in node.output]
        node.input[:] = [new if i == old else i for i in node.input]
    for out in onx.graph.output:
        if out.name == old:
            out.name = new


def _describe(onx: Any, inputs: dict[str, dict[str, Any]], classes: list | None) -> None:
    from .. import __version__

    meta = {"inputs": json.dumps({c: s["type"] for c, s in inputs.items()}),
            "producer": f"automl_nb {__version__}",
            "missing": "float and double inputs: NaN; string inputs: the empty string"}
    if classes is not None:
        meta["classes"] = json.dumps(classes)
    for key, value in meta.items():
        prop = onx.metadata_props.add()
        prop.key, prop.value = key, value
    onx.doc_string = ("automl_nb model: one input per raw column (float numbers, string categories, "
                      "double seconds since 1970 for datetimes); outputs "
                      + ("label and probabilities" if classes is not None else "prediction"))


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


# ---------------------------------------------------------------------------------------
# the check
# ---------------------------------------------------------------------------------------


def _check_rows(X: pd.DataFrame, seed: int) -> pd.DataFrame:
    if len(X) <= CHECK_ROWS:
        return X
    keep = np.sort(np.random.default_rng(seed).choice(len(X), CHECK_ROWS, replace=False))
    return X.iloc[keep]


def session(onx: Any) -> Any:
    """An onnxruntime session for a ModelProto (or its bytes)."""
    import onnxruntime as ort

    data = onx if isinstance(onx, bytes) else onx.SerializeToString()
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])


def _difference(onx: Any, model: Any, rows: pd.DataFrame, inputs: dict[str, dict[str, Any]],
                classifier: bool, threshold: float | None = None) -> str | None:
    """None when the graph matches the model on ``rows``; else the largest difference in words
    (labels are compared where the probabilities are clearly on one side of the decision)."""
    try:
        outputs = session(onx).run(None, onnx_feed(rows, inputs))
    except Exception as exc:  # noqa: BLE001 - onnxruntime refusing the graph is a failed check
        return f"onnxruntime could not run it: {type(exc).__name__}: {str(exc).splitlines()[0]}"
    if classifier:
        expected = np.asarray(model.predict_proba(rows), dtype=np.float64)
        got = np.asarray(outputs[1], dtype=np.float64)
        diff = np.abs(got - expected).max(axis=1)
        if diff.max() > TOLERANCE:
            i = int(diff.argmax())
            return f"probability off by {diff[i]:.3g} on row {rows.index[i]!r}, tolerance {TOLERANCE:g}"
        top2 = np.sort(expected, axis=1)[:, -2:] if expected.shape[1] > 1 else np.ones((len(rows), 2))
        clear = (top2[:, 1] - top2[:, 0]) > 2 * TOLERANCE
        if threshold is not None:
            clear = np.abs(expected[:, 1] - threshold) > TOLERANCE
        labels = np.asarray(model.predict(rows))
        wrong = clear & (np.asarray(outputs[0]).astype(labels.dtype) != labels)
        if wrong.any():
            i = int(np.flatnonzero(wrong)[0])
            return f"label {outputs[0][i]!r} instead of {labels[i]!r} on row {rows.index[i]!r}"
        return None
    expected = np.asarray(model.predict(rows), dtype=np.float64)
    got = np.asarray(outputs[0], dtype=np.float64).reshape(-1)
    diff = np.abs(got - expected) / np.maximum(1.0, np.abs(expected))
    if diff.max() > TOLERANCE:
        i = int(diff.argmax())
        return (f"prediction {got[i]:.6g} instead of {expected[i]:.6g} on row {rows.index[i]!r}, "
                f"relative tolerance {TOLERANCE:g}")
    return None


def _culprit(model: Any, exp: Any, inputs: dict[str, dict[str, Any]], rows: pd.DataFrame | None) -> str:
    """"trial 3 (knn): " when one member of an ensemble alone fails (to convert, or the
    check), else ""."""
    members = _members(model, exp)
    if len(members) < 2:
        return ""
    X = exp.prepared.X
    for label, _, pipe in members:
        try:
            onx = _convert(pipe, inputs, X, exp)
        except ExportError:
            return f"{label}: "
        if rows is not None and _difference(onx, pipe, rows, inputs, hasattr(pipe, "predict_proba")
                                            and exp.prepared.classes is not None) is not None:
            return f"{label}: "
    return ""
