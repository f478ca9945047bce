"""ONNX converters (skl2onnx) for the steps skl2onnx does not know: our own transformers
(:mod:`automl_nb.featurize.transformers`), LightGBM (onnxmltools), the baseline's Dummy*
estimators, TargetEncoder for every target type, and the elastic net's
TransformedTargetRegressor.

Each converter reproduces ``transform`` / ``predict`` of the fitted step for the graph's
inputs as :mod:`automl_nb.export.onnx` declares them: numbers as float (NaN for missing),
strings for categories (``""`` for missing), datetimes as float64 seconds since
1970-01-01 (NaN for missing). :func:`register` installs them once per process.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

_lock = threading.Lock()
_registered = False


def register() -> None:
    """Register every converter with skl2onnx (once; later calls do nothing)."""
    global _registered
    with _lock:
        if _registered:
            return
        from .onnx_stacking import register_converters as register_stacking

        _register()
        register_stacking()
        _registered = True


def _register() -> None:
    from lightgbm import LGBMClassifier, LGBMRegressor
    from onnxmltools.convert.lightgbm.operator_converters.LightGbm import convert_lightgbm
    from skl2onnx import update_registered_converter
    from skl2onnx.common.shape_calculator import (
        calculate_linear_classifier_output_shapes,
        calculate_linear_regressor_output_shapes,
    )
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.dummy import DummyClassifier, DummyRegressor
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
    from sklearn.preprocessing import TargetEncoder

    from ..featurize.transformers import (
        AsFloat,
        BooleanToFloat,
        CategoryAsString,
        ConstantFeature,
        DatetimeFeatures,
        TextSVD,
    )

    classifier = {"nocl": [True, False], "zipmap": [True, False, "columns"]}
    update_registered_converter(LGBMClassifier, "LightGbmLGBMClassifier",
                                calculate_linear_classifier_output_shapes, convert_lightgbm,
                                options=classifier)
    update_registered_converter(LGBMRegressor, "LightGbmLGBMRegressor",
                                calculate_linear_regressor_output_shapes, convert_lightgbm)
    update_registered_converter(DummyClassifier, "AutomlNbDummyClassifier",
                                calculate_linear_classifier_output_shapes, _convert_dummy_classifier,
                                options=classifier)
    update_registered_converter(DummyRegressor, "AutomlNbDummyRegressor",
                                calculate_linear_regressor_output_shapes, _convert_dummy_regressor)
    update_registered_converter(TransformedTargetRegressor, "AutomlNbTransformedTargetRegressor",
                                calculate_linear_regressor_output_shapes, _convert_transformed_target)
    update_registered_converter(TargetEncoder, "AutomlNbTargetEncoder", _shape_target_encoder,
                                _convert_target_encoder)
    update_registered_converter(HistGradientBoostingClassifier, "AutomlNbHistGradientBoostingClassifier",
                                calculate_linear_classifier_output_shapes, _int_flags(_forest_classifier),
                                options={**classifier, "raw_scores": [True, False]})
    update_registered_converter(HistGradientBoostingRegressor, "AutomlNbHistGradientBoostingRegressor",
                                calculate_linear_regressor_output_shapes, _int_flags(_forest_regressor))
    update_registered_converter(KNeighborsClassifier, "AutomlNbKNeighborsClassifier",
                                calculate_linear_classifier_output_shapes, _convert_knn, options=classifier)
    update_registered_converter(KNeighborsRegressor, "AutomlNbKNeighborsRegressor",
                                calculate_linear_regressor_output_shapes, _convert_knn)
    update_registered_converter(SimpleImputer, "AutomlNbSimpleImputer", _shape_imputer, _convert_imputer)
    update_registered_converter(AsFloat, "AutomlNbAsFloat", _shape_same_width, _convert_as_float)
    update_registered_converter(BooleanToFloat, "AutomlNbBooleanToFloat", _shape_same_width,
                                _convert_boolean)
    update_registered_converter(CategoryAsString, "AutomlNbCategoryAsString", _shape_strings,
                                _convert_category)
    update_registered_converter(DatetimeFeatures, "AutomlNbDatetimeFeatures", _shape_datetime,
                                _convert_datetime)
    update_registered_converter(TextSVD, "AutomlNbTextSVD", _shape_text, _convert_text,
                                options={"tokenexp": None, "separators": None, "nan": [True, False]})
    update_registered_converter(ConstantFeature, "AutomlNbConstantFeature", _shape_constant,
                                _convert_constant)


# ---------------------------------------------------------------------------------------
# shape calculators
# ---------------------------------------------------------------------------------------


def _set_float(operator: Any, width: int | None) -> None:
    from skl2onnx.common.data_types import FloatTensorType

    n = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = FloatTensorType([n, width])


def _width(operator: Any) -> int | None:
    return sum(int(v.get_second_dimension() or 0) for v in operator.inputs) or None


def _shape_same_width(operator: Any) -> None:
    _set_float(operator, _width(operator))


def _shape_strings(operator: Any) -> None:
    from skl2onnx.common.data_types import StringTensorType

    n = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = StringTensorType([n, _width(operator)])


def _shape_datetime(operator: Any) -> None:
    op = operator.raw_operator
    _set_float(operator, sum(len(op._parts(j)) for j in range(op.n_features_in_)))


def _shape_text(operator: Any) -> None:
    _set_float(operator, int(operator.raw_operator.n_components_))


def _shape_constant(operator: Any) -> None:
    _set_float(operator, 1)


def _imputed_columns(op: Any) -> np.ndarray:
    """The columns a fitted SimpleImputer keeps (it drops those missing in every row)."""
    stats = np.asarray(op.statistics_, dtype=np.float64)
    return np.arange(len(stats)) if op.keep_empty_features else np.flatnonzero(~np.isnan(stats))


def _shape_imputer(operator: Any) -> None:
    op = operator.raw_operator
    indicators = len(op.indicator_.features_) if op.add_indicator else 0
    _set_float(operator, len(_imputed_columns(op)) + indicators)


def _shape_target_encoder(operator: Any) -> None:
    op = operator.raw_operator
    per_column = len(op.classes_) if op.target_type_ == "multiclass" else 1
    _set_float(operator, len(op.categories_) * per_column)


# ---------------------------------------------------------------------------------------
# small graph helpers
# ---------------------------------------------------------------------------------------


class _Graph:
    """Adds nodes and constants to a converter's container under unique names."""

    def __init__(self, scope: Any, container: Any) -> None:
        self.scope, self.container = scope, container

    def const(self, value: Any, dtype: Any = np.float32) -> str:
        from onnx import numpy_helper

        name = self.scope.get_unique_variable_name("c")
        array = np.asarray(value, dtype=dtype)
        self.container.initializers.append(numpy_helper.from_array(array, name))
        return name

    def node(self, op_type: str, inputs: list[str], output: str | None = None,
             domain: str | None = None, **attrs: Any) -> str:
        output = output or self.scope.get_unique_variable_name(op_type.lower())
        kwargs = {"op_domain": domain, "op_version": 2} if domain else {}
        self.container.add_node(op_type, inputs, [output], name=self.scope.get_unique_operator_name(op_type),
                                **kwargs, **attrs)
        return output

    def rows(self, x: str) -> str:
        """The number of rows of ``x`` as a one-element int64 tensor."""
        shape = self.node("Shape", [x])
        return self.node("Slice", [shape, self.const([0], np.int64), self.const([1], np.int64)])

    def concat(self, names: list[str], output: str | None = None, axis: int = 1) -> str:
        if len(names) == 1 and output is None:
            return names[0]
        return self.node("Concat", names, output, axis=axis)

    def column(self, x: str, j: int) -> str:
        return self.node("Gather", [x, self.const([j], np.int64)], axis=1)

    def floor_div(self, a: str, b: float) -> str:
        return self.node("Floor", [self.node("Div", [a, self.const(b, np.float64)])])


def _is_string(variable: Any) -> bool:
    from skl2onnx.common.data_types import StringTensorType

    return isinstance(variable.type, StringTensorType)


def _inputs(operator: Any) -> str:
    """The operator's input as one tensor (skl2onnx merges a step's columns before it)."""
    if len(operator.inputs) != 1:
        raise RuntimeError(f"{type(operator.raw_operator).__name__} expects one (merged) input")
    return operator.inputs[0].full_name


# ---------------------------------------------------------------------------------------
# our transformers
# ---------------------------------------------------------------------------------------


def _convert_as_float(scope: Any, operator: Any, container: Any) -> None:
    """Numbers: ±inf become NaN (as AsFloat does)."""
    g = _Graph(scope, container)
    x = _inputs(operator)
    g.node("Where", [g.node("IsInf", [x]), g.const(np.nan), x], operator.outputs[0].full_name)


def boolean_keys(seen: Any = ()) -> dict[str, float]:
    """String -> 1.0 / 0.0 for the graph of a boolean column held as text: every token
    :func:`~automl_nb.data.values.bool_token` reads, in lower, upper and title case, and each
    value ``seen`` in training as it was written."""
    from ..data.values import FALSE_TOKENS, TRUE_TOKENS, bool_token

    keys: dict[str, float] = {}
    for tokens, value in ((TRUE_TOKENS, 1.0), (FALSE_TOKENS, 0.0)):
        for t in tokens:
            keys.update({t: value, t.upper(): value, t.title(): value})
    for v in seen:
        b = bool_token(v)
        if not np.isnan(b):
            keys[str(v)] = b
    return keys


def _convert_boolean(scope: Any, operator: Any, container: Any) -> None:
    """Booleans: 1.0 / 0.0 for true- and false-like values, NaN for anything else.

    Float inputs: 1 and 0. String inputs: the tokens of :func:`boolean_keys` (those seen in
    training are attached to the step as ``onnx_seen_`` by :mod:`automl_nb.export.onnx`)."""
    g = _Graph(scope, container)
    x = _inputs(operator)
    out = operator.outputs[0].full_name
    if _is_string(operator.inputs[0]):
        keys = boolean_keys(getattr(operator.raw_operator, "onnx_seen_", ()))
        g.node("LabelEncoder", [x], out, domain="ai.onnx.ml",
               keys_strings=list(keys), values_floats=[float(v) for v in keys.values()],
               default_float=float("nan"))
        return
    one = g.node("Equal", [x, g.const(1.0)])
    zero = g.node("Equal", [x, g.const(0.0)])
    g.node("Where", [one, g.const(1.0), g.node("Where", [zero, g.const(0.0), g.const(np.nan)])], out)


def _convert_category(scope: Any, operator: Any, container: Any) -> None:
    """Categories: the levels kept in fit map to themselves, ``""`` (missing) to the missing
    label, everything else to the infrequent label (which the next encoder does not know,
    as it does not know an unseen level)."""
    op = operator.raw_operator
    g = _Graph(scope, container)
    x = _inputs(operator)
    columns = []
    for j, frequent in enumerate(op.frequent_):
        mapping = {label: label for label in sorted(frequent)}
        mapping.setdefault("", op.missing_value if op.missing_value in frequent else op.infrequent_value)
        xj = x if len(op.frequent_) == 1 else g.column(x, j)
        out = operator.outputs[0].full_name if len(op.frequent_) == 1 else None
        columns.append(g.node("LabelEncoder", [xj], out, domain="ai.onnx.ml",
                              keys_strings=list(mapping), values_strings=list(mapping.values()),
                              default_string=op.infrequent_value))
    if len(columns) > 1:
        g.concat(columns, operator.outputs[0].full_name)


def _convert_datetime(scope: Any, operator: Any, container: Any) -> None:
    """Calendar parts from float64 seconds since 1970-01-01 (the proleptic Gregorian
    calendar, H. Hinnant's civil_from_days); NaN stays NaN."""
    op = operator.raw_operator
    g = _Graph(scope, container)
    x = _inputs(operator)
    blocks = []
    for j in range(op.n_features_in_):
        s = x if op.n_features_in_ == 1 else g.column(x, j)
        parts = _calendar(g, s)
        blocks.extend(parts[p] for p in op._parts(j))
    g.node("Cast", [g.concat(blocks)], operator.outputs[0].full_name, to=1)  # FLOAT


def _calendar(g: _Graph, seconds: str) -> dict[str, str]:
    def num(v: float) -> str:
        return g.const(v, np.float64)

    def sub(a: str, b: str) -> str:
        return g.node("Sub", [a, b])

    def mul(a: str, v: float) -> str:
        return g.node("Mul", [a, num(v)])

    def add(a: str, v: float) -> str:
        return g.node("Add", [a, num(v)])

    days = g.floor_div(seconds, 86400.0)
    in_day = sub(seconds, mul(days, 86400.0))
    hour = g.floor_div(in_day, 3600.0)
    minute = g.floor_div(sub(in_day, mul(hour, 3600.0)), 60.0)
    z = add(days, 719468.0)
    era = g.floor_div(z, 146097.0)
    doe = sub(z, mul(era, 146097.0))
    yoe = g.floor_div(
        sub(g.node("Add", [sub(doe, g.floor_div(doe, 1460.0)), g.floor_div(doe, 36524.0)]),
            g.floor_div(doe, 146096.0)), 365.0)
    year_mar = g.node("Add", [yoe, mul(era, 400.0)])
    doy_mar = sub(doe, g.node("Sub", [g.node("Add", [mul(yoe, 365.0), g.floor_div(yoe, 4.0)]),
                                      g.floor_div(yoe, 100.0)]))
    mp = g.floor_div(add(mul(doy_mar, 5.0), 2.0), 153.0)
    day = add(sub(doy_mar, g.floor_div(add(mul(mp, 153.0), 2.0), 5.0)), 1.0)
    late = g.node("Cast", [g.node("GreaterOrEqual", [mp, num(10.0)])], to=11)  # DOUBLE
    month = sub(add(mp, 3.0), mul(late, 12.0))
    year = g.node("Add", [year_mar, late])
    # dayofweek, Monday = 0: 1970-01-01 was a Thursday
    shifted = add(days, 3.0)
    dayofweek = sub(shifted, mul(g.floor_div(shifted, 7.0), 7.0))
    # dayofyear: days since 1 January of the same year, plus one
    y1 = add(year, -1.0)
    era1 = g.floor_div(y1, 400.0)
    yoe1 = sub(y1, mul(era1, 400.0))
    doe1 = add(sub(g.node("Add", [mul(yoe1, 365.0), g.floor_div(yoe1, 4.0)]), g.floor_div(yoe1, 100.0)), 306.0)
    jan1 = add(g.node("Add", [mul(era1, 146097.0), doe1]), -719468.0)
    dayofyear = add(sub(days, jan1), 1.0)
    return {"year": year, "month": month, "day": day, "dayofweek": dayofweek,
            "dayofyear": dayofyear, "hour": hour, "minute": minute}


def _convert_text(scope: Any, operator: Any, container: Any) -> None:
    """TF-IDF then the SVD's projection. skl2onnx counts the words and pairs (scikit-learn's
    default tokenizer written for RE2); the weighting is ours, as scikit-learn computes it:
    1 + log(count) (skl2onnx's sublinear weighting is log(1 + count)), times the idf, then
    each row scaled to unit length."""
    import copy

    from skl2onnx.algebra.onnx_operator import OnnxSubEstimator
    from skl2onnx.algebra.onnx_ops import (
        OnnxAdd,
        OnnxDiv,
        OnnxGreater,
        OnnxIdentity,
        OnnxLog,
        OnnxMatMul,
        OnnxMax,
        OnnxMul,
        OnnxReduceSumSquare,
        OnnxSqrt,
        OnnxWhere,
    )

    op = operator.raw_operator
    opv = container.target_opset
    out = operator.outputs[0].full_name
    vec = op.vectorizer_
    if vec is None:  # no word in training: zeros
        _fill(scope, operator, container, 0.0)
        return
    if vec.norm not in ("l2", None):
        raise NotImplementedError(f"TfidfVectorizer(norm={vec.norm!r}) has no converter here")
    pattern = vec.token_pattern
    if pattern == r"(?u)\b\w\w+\b":  # scikit-learn's default, as RE2 (onnxruntime) reads it
        pattern = r"[\pL\pN_]{2,}"
    counter = copy.copy(vec)
    counter.sublinear_tf, counter.use_idf, counter.norm = False, False, None
    counts = OnnxSubEstimator(counter, operator.inputs[0], op_version=opv, options={"tokenexp": pattern})
    f32 = np.float32
    tf = counts
    if vec.sublinear_tf:
        positive = OnnxGreater(counts, np.array([0], dtype=f32), op_version=opv)
        logged = OnnxAdd(OnnxLog(OnnxMax(counts, np.array([1], dtype=f32), op_version=opv), op_version=opv),
                         np.array([1], dtype=f32), op_version=opv)
        tf = OnnxWhere(positive, logged, np.array([0], dtype=f32), op_version=opv)
    weights = OnnxMul(tf, vec.idf_.astype(f32), op_version=opv) if vec.use_idf else tf
    if vec.norm == "l2":
        length = OnnxSqrt(OnnxReduceSumSquare(weights, np.array([1], dtype=np.int64), keepdims=1, op_version=opv),
                          op_version=opv)
        weights = OnnxDiv(weights, OnnxMax(length, np.array([1e-30], dtype=f32), op_version=opv), op_version=opv)
    if op.svd_ is None:
        OnnxIdentity(weights, op_version=opv, output_names=[out]).add_to(scope, container)
        return
    components = np.asarray(op.svd_.components_.T, dtype=f32)
    OnnxMatMul(weights, components, op_version=opv, output_names=[out]).add_to(scope, container)


def _convert_constant(scope: Any, operator: Any, container: Any) -> None:
    """A column of ones, one per row of the (first) input."""
    _fill(scope, operator, container, 1.0)


def _fill(scope: Any, operator: Any, container: Any, value: float) -> None:
    """A column holding ``value``, one row per row of the (first) input."""
    from onnx import helper

    g = _Graph(scope, container)
    shape = g.concat([g.rows(operator.inputs[0].full_name), g.const([1], np.int64)], axis=0)
    g.node("ConstantOfShape", [shape], operator.outputs[0].full_name,
           value=helper.make_tensor("value", 1, [1], [value]))


# ---------------------------------------------------------------------------------------
# scikit-learn estimators skl2onnx leaves out (or covers in part)
# ---------------------------------------------------------------------------------------


def _forest_classifier(scope: Any, operator: Any, container: Any) -> None:
    from skl2onnx.operator_converters.random_forest import convert_sklearn_random_forest_classifier

    convert_sklearn_random_forest_classifier(scope, operator, container)


def _forest_regressor(scope: Any, operator: Any, container: Any) -> None:
    from skl2onnx.operator_converters.random_forest import (
        convert_sklearn_random_forest_regressor_converter,
    )

    convert_sklearn_random_forest_regressor_converter(scope, operator, container)


def _int_flags(convert: Any) -> Any:
    """skl2onnx's HistGradientBoosting converter with every list of flags written as ints
    (it mixes Python booleans into ``nodes_missing_value_tracks_true``, which onnx refuses)."""

    def converter(scope: Any, operator: Any, container: Any) -> None:
        add_node = container.add_node

        def add_int_node(*args: Any, **attrs: Any) -> Any:
            for key, value in attrs.items():
                if isinstance(value, list) and any(isinstance(v, (bool, np.bool_)) for v in value):
                    attrs[key] = [int(v) for v in value]
            return add_node(*args, **attrs)

        container.add_node = add_int_node
        try:
            convert(scope, operator, container)
        finally:
            del container.add_node

    return converter


def _convert_knn(scope: Any, operator: Any, container: Any) -> None:
    """k nearest neighbours by Euclidean distance in float64, weighted "uniform" or by
    "distance" (a query at distance 0 takes the mean of its exact matches, as scikit-learn
    does; skl2onnx's own converter differs there)."""
    op = operator.raw_operator
    if op.effective_metric_ != "euclidean" or op.weights not in ("uniform", "distance"):
        raise NotImplementedError("k-nearest neighbours convert with the Euclidean metric and "
                                  "uniform or distance weights only")
    g = _Graph(scope, container)
    x = g.node("Cast", [_inputs(operator)], to=11)  # DOUBLE
    train = np.asarray(op._fit_X, dtype=np.float64)
    k = int(op.n_neighbors)
    norms = g.node("ReduceSum", [g.node("Mul", [x, x]), g.const([1], np.int64)], keepdims=1)
    cross = g.node("MatMul", [x, g.const(train.T, np.float64)])
    squared = g.node("Add", [g.node("Sub", [norms, g.node("Mul", [cross, g.const(2.0, np.float64)])]),
                             g.const((train ** 2).sum(axis=1)[None, :], np.float64)])
    distance = g.node("Sqrt", [g.node("Max", [squared, g.const(0.0, np.float64)])])
    neg = g.node("Neg", [distance])
    top = scope.get_unique_variable_name("top")
    index = scope.get_unique_variable_name("index")
    container.add_node("TopK", [neg, g.const([k], np.int64)], [top, index], axis=1, largest=1, sorted=1,
                       name=scope.get_unique_operator_name("TopK"))
    near = g.node("Neg", [top])  # [N, k]
    if op.weights == "uniform":
        weight = g.node("Add", [g.node("Mul", [near, g.const(0.0, np.float64)]), g.const(1.0, np.float64)])
    else:
        exact = g.node("Cast", [g.node("Equal", [near, g.const(0.0, np.float64)])], to=11)
        any_exact = g.node("ReduceMax", [exact, g.const([1], np.int64)], keepdims=1)
        inverse = g.node("Div", [g.const(1.0, np.float64), g.node("Max", [near, g.const(1e-300, np.float64)])])
        weight = g.node("Where", [g.node("Cast", [any_exact], to=9), exact, inverse])  # 9: BOOL
    total = g.node("ReduceSum", [weight, g.const([1], np.int64)], keepdims=1)
    if hasattr(op, "classes_"):
        codes = np.asarray(op._y).reshape(-1)
        onehot = (codes[:, None] == np.arange(len(op.classes_))[None, :]).astype(np.float64)
        votes = g.node("Gather", [g.const(onehot, np.float64), index], axis=0)  # [N, k, C]
        weighted = g.node("Mul", [votes, g.node("Unsqueeze", [weight, g.const([2], np.int64)])])
        summed = g.node("ReduceSum", [weighted, g.const([1], np.int64)], keepdims=0)
        proba = g.node("Div", [summed, total])
        g.node("Cast", [proba], operator.outputs[1].full_name, to=1)
        best = g.node("ArgMax", [proba], axis=1, keepdims=0)
        classes = np.asarray(op.classes_)
        table = g.const(classes.astype(str), object) if classes.dtype.kind in "OUS" else g.const(
            classes.astype(np.int64), np.int64)
        g.node("Gather", [table, best], operator.outputs[0].full_name, axis=0)
        return
    targets = np.asarray(op._y, dtype=np.float64).reshape(len(train), -1)
    values = g.node("Gather", [g.const(targets, np.float64), index], axis=0)  # [N, k, T]
    weighted = g.node("Mul", [values, g.node("Unsqueeze", [weight, g.const([2], np.int64)])])
    summed = g.node("ReduceSum", [weighted, g.const([1], np.int64)], keepdims=0)
    g.node("Cast", [g.node("Div", [summed, total])], operator.outputs[0].full_name, to=1)


def _convert_imputer(scope: Any, operator: Any, container: Any) -> None:
    """SimpleImputer on numbers with NaN as the missing value: the fitted statistics in place
    of NaN, and the missing indicators after (skl2onnx's own converter has no indicators)."""
    op = operator.raw_operator
    if not (isinstance(op.missing_values, float) and np.isnan(op.missing_values)):
        raise NotImplementedError(f"SimpleImputer(missing_values={op.missing_values!r}) has no converter here")
    g = _Graph(scope, container)
    x = _inputs(operator)
    stats = np.nan_to_num(np.asarray(op.statistics_, dtype=np.float64)).astype(np.float32)
    missing = g.node("IsNaN", [x])
    filled = g.node("Where", [missing, g.const(stats[None, :]), x])
    keep = _imputed_columns(op)
    if len(keep) < len(stats):
        filled = g.node("Gather", [filled, g.const(keep, np.int64)], axis=1)
    blocks = [filled]
    if op.add_indicator and len(op.indicator_.features_):
        chosen = g.node("Gather", [missing, g.const(op.indicator_.features_, np.int64)], axis=1)
        blocks.append(g.node("Cast", [chosen], to=1))  # FLOAT
    g.concat(blocks, operator.outputs[0].full_name)


def _convert_target_encoder(scope: Any, operator: Any, container: Any) -> None:
    """TargetEncoder.transform: each level's encoding (per class for multiclass), the
    target mean for unseen levels. (skl2onnx's own converter has no multiclass.)"""
    op = operator.raw_operator
    g = _Graph(scope, container)
    x = _inputs(operator)
    n_classes = len(op.classes_) if op.target_type_ == "multiclass" else 1
    means = np.atleast_1d(np.asarray(op.target_mean_, dtype=np.float64))
    blocks = []
    for j, categories in enumerate(op.categories_):
        xj = x if len(op.categories_) == 1 else g.column(x, j)
        keys = [str(c) for c in categories]
        for k in range(n_classes):
            values = np.asarray(op.encodings_[j * n_classes + k], dtype=np.float64)
            blocks.append(g.node("LabelEncoder", [xj], domain="ai.onnx.ml", keys_strings=keys,
                                 values_floats=[float(v) for v in values],
                                 default_float=float(means[k % len(means)])))
    g.concat(blocks, operator.outputs[0].full_name)


def _convert_dummy_classifier(scope: Any, operator: Any, container: Any) -> None:
    """The class prior on every row ("prior" and "most_frequent" strategies)."""
    op = operator.raw_operator
    if op.strategy not in ("prior", "most_frequent"):
        raise NotImplementedError(f"DummyClassifier(strategy={op.strategy!r}) has no ONNX converter")
    g = _Graph(scope, container)
    prior = np.asarray(op.class_prior_, dtype=np.float32)
    if op.strategy == "most_frequent":
        prior = (np.arange(len(prior)) == prior.argmax()).astype(np.float32)
    rows = g.rows(operator.inputs[0].full_name)
    shape = g.concat([rows, g.const([len(prior)], np.int64)], axis=0)
    g.node("Expand", [g.const(prior[None, :]), shape], operator.outputs[1].full_name)
    classes = np.asarray(op.classes_)
    top = classes[int(np.argmax(op.class_prior_))]
    label = g.const([str(top)], object) if classes.dtype.kind in "OUS" else g.const([int(top)], np.int64)
    g.node("Expand", [label, rows], operator.outputs[0].full_name)


def _convert_dummy_regressor(scope: Any, operator: Any, container: Any) -> None:
    """The training mean (or the fitted constant) on every row."""
    op = operator.raw_operator
    g = _Graph(scope, container)
    constant = np.asarray(op.constant_, dtype=np.float32).reshape(1, -1)
    shape = g.concat([g.rows(operator.inputs[0].full_name), g.const([constant.shape[1]], np.int64)], axis=0)
    g.node("Expand", [g.const(constant), shape], operator.outputs[0].full_name)


def _convert_transformed_target(scope: Any, operator: Any, container: Any) -> None:
    """The regressor's prediction through the fitted StandardScaler's inverse."""
    from skl2onnx.algebra.onnx_operator import OnnxSubEstimator
    from skl2onnx.algebra.onnx_ops import OnnxAdd, OnnxMul
    from sklearn.preprocessing import StandardScaler

    op = operator.raw_operator
    scaler = op.transformer_
    if op.func is not None or not isinstance(scaler, StandardScaler):
        raise NotImplementedError("TransformedTargetRegressor converts with a StandardScaler target only")
    opv = container.target_opset
    scale = np.asarray(scaler.scale_ if scaler.with_std else [1.0], dtype=np.float32)
    mean = np.asarray(scaler.mean_ if scaler.with_mean else [0.0], dtype=np.float32)
    pred = OnnxSubEstimator(op.regressor_, operator.inputs[0], op_version=opv)
    out = OnnxAdd(OnnxMul(pred, scale, op_version=opv), mean, op_version=opv,
                  output_names=[operator.outputs[0].full_name])
    out.add_to(scope, container)
