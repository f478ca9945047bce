"""ONNX converters of the stacked model (:mod:`automl_nb.stacking`).

skl2onnx's own ``StackingClassifier``/``StackingRegressor`` converter feeds every member
the graph's first input only, while our members read one input per raw column (as the
voting ensemble's converter does): the converters here hand every member all the inputs,
concatenate the members' probabilities (the positive class's for binary) or predictions as
``StackingClassifier.transform`` does, and run the meta-learner on them. The meta-learner's
own step, :class:`~automl_nb.stack_features.LogOdds`, becomes Clip and Log (binary:
Log(p) - Log(1 - p)). ``onnx_converters.register`` installs them with the others, once per process.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def register_converters() -> None:
    """Install the converters (called once, by :func:`automl_nb.export.onnx_converters.register`)."""
    from skl2onnx import update_registered_converter
    from skl2onnx.shape_calculators.voting_classifier import voting_classifier_shape_calculator
    from skl2onnx.shape_calculators.voting_regressor import voting_regressor_shape_calculator
    from sklearn.ensemble import StackingClassifier, StackingRegressor

    from ..stack_features import LogOdds

    update_registered_converter(LogOdds, "AutomlNbLogOdds", _shape_log_odds, _convert_log_odds)
    update_registered_converter(StackingClassifier, "AutomlNbStackingClassifier",
                                voting_classifier_shape_calculator, _convert_stacking,
                                options={"zipmap": [True, False, "columns"], "nocl": [True, False]})
    update_registered_converter(StackingRegressor, "AutomlNbStackingRegressor",
                                voting_regressor_shape_calculator, _convert_stacking)


def _shape_log_odds(operator: Any) -> None:
    from skl2onnx.common.data_types import FloatTensorType

    x = operator.inputs[0]
    operator.outputs[0].type = FloatTensorType([x.get_first_dimension(), x.get_second_dimension()])


def _convert_log_odds(scope: Any, operator: Any, container: Any) -> None:
    from onnx import numpy_helper

    op = operator.raw_operator

    def const(value: float) -> str:
        name = scope.get_unique_variable_name("c")
        container.initializers.append(numpy_helper.from_array(np.asarray(value, dtype=np.float32), name))
        return name

    def node(op_type: str, inputs: list[str], output: str | None = None) -> str:
        output = output or scope.get_unique_variable_name(op_type.lower())
        container.add_node(op_type, inputs, [output], name=scope.get_unique_operator_name(op_type))
        return output

    out = operator.outputs[0].full_name
    p = node("Clip", [operator.inputs[0].full_name, const(op.eps), const(1.0 - op.eps)])
    if op.kind == "logit":
        node("Sub", [node("Log", [p]), node("Log", [node("Sub", [const(1.0), p])])], out)
    else:
        node("Log", [p], out)


def _scores(scope: Any, est: Any, inputs: list[Any], classifier: bool, like: Any) -> str:
    """The name of ``est``'s probabilities (classifier) or predictions, converted by its own
    registered converter on ``inputs``."""
    from skl2onnx._supported_operators import sklearn_operator_name_map
    from skl2onnx.common.data_types import Int64TensorType

    op = scope.declare_local_operator(sklearn_operator_name_map[type(est)], est)
    op.inputs = list(inputs)
    if classifier:
        op.outputs.append(scope.declare_local_variable("stack_label", Int64TensorType()))
    out = scope.declare_local_variable("stack_scores", like.type.__class__())
    op.outputs.append(out)
    return out.onnx_name


def _convert_stacking(scope: Any, operator: Any, container: Any) -> None:
    from skl2onnx.common.data_types import FloatTensorType

    op = operator.raw_operator
    classifier = hasattr(op, "classes_")
    like = operator.outputs[1] if classifier else operator.outputs[0]
    names = [_scores(scope, est, operator.inputs, classifier, like) for est in op.estimators_]
    if classifier and len(op.classes_) == 2:  # the positive class's column, as sklearn's transform
        one = scope.get_unique_variable_name("c")
        container.add_initializer(one, 7, [1], [1])  # int64
        names = [_node(scope, container, "Gather", [n, one], axis=1) for n in names]
    merged = scope.declare_local_variable("stack_features", FloatTensorType([None, sum(op._n_feature_outs)]))
    container.add_node("Concat", names, [merged.onnx_name], name=scope.get_unique_operator_name("Concat"), axis=1)
    final = _scores(scope, op.final_estimator_, [merged], classifier, like)
    if not classifier:
        _node(scope, container, "Identity", [final], output=operator.outputs[0].full_name)
        return
    _node(scope, container, "Identity", [final], output=operator.outputs[1].full_name)
    index = _node(scope, container, "ArgMax", [final], axis=1, keepdims=0)
    classes = np.asarray(op.classes_)
    numeric = np.issubdtype(classes.dtype, np.number) or classes.dtype == np.bool_
    table = scope.get_unique_variable_name("stack_classes")
    if numeric:
        container.add_initializer(table, 7, classes.shape, classes.astype(np.int64).tolist())
    else:
        container.add_initializer(table, 8, classes.shape, [str(c).encode("utf-8") for c in classes])
    _node(scope, container, "Gather", [table, index], output=operator.outputs[0].full_name, axis=0)


def _node(scope: Any, container: Any, op_type: str, inputs: list[str], output: str | None = None, **attrs: Any) -> str:
    output = output or scope.get_unique_variable_name(op_type.lower())
    container.add_node(op_type, inputs, [output], name=scope.get_unique_operator_name(op_type), **attrs)
    return output
