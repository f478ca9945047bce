"""SHAP explanations of a fitted pipeline, on engineered features and summed back to raw columns.

One explainer per kind of model, chosen for exactness and speed:

- ``"tree"`` — ``shap.TreeExplainer`` on the featurized matrix for LightGBM,
  HistGradientBoosting, random forest and extra trees. Output space: the raw margin
  (log-odds for binary, the class's softmax input for multiclass) for LightGBM and
  HistGradientBoosting classifiers; the class probability for forests; the prediction for
  regression.
- ``"linear"`` — ``shap.LinearExplainer`` (independent masker on a sample of the training
  rows) for LogisticRegression (log-odds / class score), Ridge and ElasticNet (the
  prediction in the target's units; a standardized target is mapped back).
- ``"permutation"`` — model-agnostic ``shap.PermutationExplainer`` for knn, mlp and
  ensembles, on a sampled background (≤ 100 rows), explaining ≤ 200 rows by default.
  Output space: the class probability or the prediction. An ensemble is explained as the
  whole raw → prediction function on the raw columns, so its engineered values are its raw
  values.

Every explanation is additive: ``base_value + raw_values.sum(axis=1) ≈ output``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

#: rows explained when X is not given
DEFAULT_SAMPLE = 1000
#: rows and background rows of the model-agnostic explainer
AGNOSTIC_ROWS = 200
AGNOSTIC_BACKGROUND = 100
#: background rows of the linear explainer (only their mean matters)
LINEAR_BACKGROUND = 1000
#: antithetic permutations per row (each costs 2 * n_features model calls on rows x background)
PERMUTATIONS = 1
#: the model-agnostic explainer shrinks its background (to MIN_BACKGROUND), then its rows (to
#: MIN_ROWS), to finish in about this many seconds, by the model's measured speed
AGNOSTIC_SECONDS = 10.0
MIN_BACKGROUND = 10
MIN_ROWS = 20

TREE_MODELS = {
    "LGBMClassifier": "margin",
    "LGBMRegressor": "value",
    "HistGradientBoostingClassifier": "margin",
    "HistGradientBoostingRegressor": "value",
    "RandomForestClassifier": "probability",
    "RandomForestRegressor": "value",
    "ExtraTreesClassifier": "probability",
    "ExtraTreesRegressor": "value",
}
LINEAR_MODELS = {"LogisticRegression", "Ridge", "ElasticNet", "TransformedTargetRegressor", "LinearRegression"}


def explainer_kind(model: Any) -> str:
    """The explainer :func:`explain_pipeline` uses for ``model``: ``"tree"`` or ``"linear"``
    (exact and fast) or ``"permutation"`` (model-agnostic: about ``AGNOSTIC_SECONDS`` of CPU)."""
    steps = dict(getattr(model, "steps", None) or ())
    name = type(steps.get("model")).__name__
    if "ensemble" in steps or name not in (*TREE_MODELS, *LINEAR_MODELS):
        return "permutation"
    return "tree" if name in TREE_MODELS else "linear"


@dataclass
class Explanation:
    """SHAP values of one model on some rows, per engineered feature and per raw column.

    Attributes
    ----------
    explainer : "tree", "linear" or "permutation" (model-agnostic).
    note : plain words: explainer, rows explained, background, sampling, output space.
    n_rows : rows explained.
    values : DataFrame (rows × engineered features) of SHAP values.
    raw_values : DataFrame (rows × raw columns): engineered values summed into their source column.
    base_value : expected model output, in the output space the note names.
    importance : DataFrame [feature, importance]: mean |SHAP| per raw column, descending.
    importance_engineered : the same per engineered feature.
    data : the explained rows' raw values (same index as ``values``).
    data_engineered : the explained rows' engineered values.
    output : model output per row, in the space of ``base_value``.
    class_name : the class explained (classification) or None.
    trial_id : the trial explained, or None for the final model.
    output_space : "log-odds", "class score", "probability" or "prediction".
    seconds : time the explanation took.
    """

    explainer: str
    note: str
    values: pd.DataFrame
    raw_values: pd.DataFrame
    base_value: float
    data: pd.DataFrame
    data_engineered: pd.DataFrame
    output: np.ndarray
    class_name: Any = None
    trial_id: int | None = None
    output_space: str = "prediction"
    seconds: float = 0.0
    importance: pd.DataFrame = field(init=False)
    importance_engineered: pd.DataFrame = field(init=False)

    def __post_init__(self) -> None:
        self.importance = _importance(self.raw_values)
        self.importance_engineered = _importance(self.values)

    @property
    def n_rows(self) -> int:
        return len(self.values)

    def row(self, i: int) -> pd.DataFrame:
        """Row ``i`` (by position): feature, raw value, SHAP value; largest |SHAP| first."""
        if not -self.n_rows <= i < self.n_rows:
            raise IndexError(f"row {i} is out of range: {self.n_rows} rows were explained")
        shap_row = self.raw_values.iloc[i]
        frame = pd.DataFrame({
            "feature": list(shap_row.index),
            "value": [self.data.iloc[i][c] if c in self.data.columns else None for c in shap_row.index],
            "shap": shap_row.to_numpy(dtype=float),
        })
        order = np.argsort(-np.abs(frame["shap"].to_numpy()), kind="stable")
        return frame.iloc[order].reset_index(drop=True)

    def __repr__(self) -> str:
        top = ", ".join(self.importance["feature"].astype(str).head(3))
        return f"Explanation({self.explainer}, {self.n_rows} rows, top: {top})"


def _importance(values: pd.DataFrame) -> pd.DataFrame:
    imp = values.abs().mean(axis=0) if len(values) else pd.Series(0.0, index=values.columns)
    frame = pd.DataFrame({"feature": [str(c) for c in values.columns], "importance": imp.to_numpy(dtype=float)})
    return frame.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------------------


def explain_pipeline(
    model: Any,
    X: pd.DataFrame,
    background: pd.DataFrame,
    *,
    task: str,
    classes: np.ndarray | None,
    profile: Any,
    class_index: int | None,
    max_rows: int | None = None,
    seed: int = 0,
    trial_id: int | None = None,
    sampled_from: int | None = None,
    default_rows: int | None = None,
) -> Explanation:
    """Explain ``model`` (a pipeline of :func:`automl_nb.run.trial.refit`, or a Pipeline
    holding a voting ensemble) on the rows of ``X``.

    ``background`` holds training rows (raw columns): the linear explainer's mean and the
    model-agnostic explainer's masking values come from it. ``class_index`` is the
    position in ``classes`` of the class explained (classification). At most ``max_rows``
    rows are explained (a seeded random sample); when None, ``default_rows`` for the tree
    and linear explainers (None: every row) and ``AGNOSTIC_ROWS`` for the model-agnostic one.
    """
    t0 = time.perf_counter()
    steps = dict(model.steps)
    class_name = None if classes is None or class_index is None else classes[class_index]
    rng = np.random.default_rng(seed)
    kind = explainer_kind(model)
    if kind == "permutation":
        rows = max_rows if max_rows is not None else AGNOSTIC_ROWS
        Xs = _sample(X, rows, rng)
        exp = _explain_agnostic(model, Xs, background, task, classes, class_index, rng, steps, profile)
        Xs = exp["sample"]
    else:
        Xs = _sample(X, max_rows if max_rows is not None else default_rows, rng)
        feat, est = steps["featurize"], steps["model"]
        names = [str(n) for n in feat.get_feature_names_out()]
        Xe = pd.DataFrame(np.asarray(feat.transform(Xs), dtype=np.float32), columns=names, index=Xs.index)
        if kind == "tree":
            exp = _explain_tree(est, Xe, task, class_index)
        else:
            bg = _sample(background, LINEAR_BACKGROUND, rng)
            bge = np.asarray(feat.transform(bg), dtype=np.float64)
            exp = _explain_linear(est, Xe, bge, task, class_index)
        exp["values"] = pd.DataFrame(exp["values"], columns=names, index=Xs.index)
        exp["data_engineered"] = Xe
        exp["raw_values"] = _to_raw(exp["values"], feat, profile)
        exp["note"] += " Engineered SHAP values are summed into their raw column (one-hot, encodings, text SVD and date parts → their source column)."
    explained = len(Xs)
    total = sampled_from if sampled_from is not None else len(X)
    sampling = (f"{explained:,} rows explained (a random sample of {total:,})" if explained < total
                else f"{explained:,} rows explained")
    note = f"{sampling}. {exp['note']}"
    if class_name is not None:
        note += f" Class explained: {class_name!r}."
    return Explanation(
        explainer=exp["explainer"], note=note, values=exp["values"], raw_values=exp["raw_values"],
        base_value=float(exp["base_value"]), data=Xs, data_engineered=exp["data_engineered"],
        output=np.asarray(exp["output"], dtype=float), class_name=class_name, trial_id=trial_id,
        output_space=exp["space"], seconds=time.perf_counter() - t0,
    )


def _sample(X: pd.DataFrame, n: int | None, rng: np.random.Generator) -> pd.DataFrame:
    if n is None or len(X) <= n:
        return X
    return X.iloc[np.sort(rng.choice(len(X), int(n), replace=False))]


def _to_raw(values: pd.DataFrame, feat: Any, profile: Any) -> pd.DataFrame:
    """Sum engineered columns into the raw column each came from (``featurization_summary``)."""
    from .featurize.plan import featurization_summary

    summary = featurization_summary(feat, profile)
    owner = {str(f): row.raw_column for row in summary.itertuples() for f in row.engineered_features}
    raw_order = [c for c in summary["raw_column"] if any(owner.get(f) == c for f in values.columns)]
    orphans = [f for f in values.columns if f not in owner]
    groups = {c: [f for f in values.columns if owner.get(f) == c] for c in raw_order}
    out = {c: values[cols].sum(axis=1) for c, cols in groups.items()}
    for f in orphans:  # e.g. the dummy's constant feature: kept under its own name
        out[f] = values[f]
    return pd.DataFrame(out, index=values.index)


def _pick(values: Any, expected: Any, class_index: int | None) -> tuple[np.ndarray, float]:
    """The values and base of one output from what shap returns for one or many outputs."""
    expected = np.atleast_1d(np.asarray(expected, dtype=float))
    if isinstance(values, list):
        k = class_index or 0
        return np.asarray(values[k]), float(expected[k])
    values = np.asarray(values)
    if values.ndim == 3:
        k = class_index or 0
        return values[:, :, k], float(expected[k] if len(expected) > 1 else expected[0])
    # one output: LightGBM/HGB binary margin (the positive class) or regression
    return values, float(expected[-1] if len(expected) > 1 else expected[0])


# ---------------------------------------------------------------------------------------
# explainers
# ---------------------------------------------------------------------------------------


def _explain_tree(est: Any, Xe: pd.DataFrame, task: str, class_index: int | None) -> dict[str, Any]:
    import shap

    kind = TREE_MODELS[type(est).__name__]
    import warnings

    explainer = shap.TreeExplainer(est)
    with warnings.catch_warnings():  # shap announces its list output for LightGBM binary
        warnings.simplefilter("ignore", UserWarning)
        raw_values = explainer.shap_values(Xe.to_numpy())
    values, base = _pick(raw_values, explainer.expected_value, class_index)
    Xn = Xe.to_numpy()
    if task == "regression":
        output, space = est.predict(Xn), "prediction"
    elif kind == "probability":
        output, space = est.predict_proba(Xn)[:, class_index], "probability"
    else:
        raw = (est.predict(Xn, raw_score=True) if hasattr(est, "booster_")
               else est.decision_function(Xn))
        raw = np.asarray(raw)
        output = raw[:, class_index] if raw.ndim == 2 else raw
        space = "log-odds" if task == "binary" else "class score"
    what = {"log-odds": "the log-odds of the class (raw margin, not a probability)",
            "class score": "the class's raw margin (its softmax input), not a probability",
            "probability": "the class probability", "prediction": "the predicted value"}[space]
    note = (f"Explainer: shap.TreeExplainer (exact, path-dependent) on the featurized matrix of "
            f"{type(est).__name__}; no background sample needed. Output space: {what}.")
    return {"explainer": "tree", "values": values, "base_value": base, "output": output,
            "space": space, "note": note}


def _linear_parts(est: Any, task: str, class_index: int | None) -> tuple[np.ndarray, float, str]:
    """(coef, intercept, output space) of the explained output of a linear model."""
    name = type(est).__name__
    if name == "TransformedTargetRegressor":
        inner, tr = est.regressor_, est.transformer_
        coef, b = np.ravel(inner.coef_).astype(float), float(np.ravel([inner.intercept_])[0])
        scale = float(np.ravel(getattr(tr, "scale_", [1.0]))[0] if getattr(tr, "scale_", None) is not None else 1.0)
        mean = float(np.ravel(getattr(tr, "mean_", [0.0]))[0] if getattr(tr, "mean_", None) is not None else 0.0)
        return coef * scale, b * scale + mean, "prediction"
    coef = np.atleast_2d(est.coef_).astype(float)
    intercept = np.atleast_1d(est.intercept_).astype(float)
    if task == "regression":
        return coef[0], float(intercept[0]), "prediction"
    if coef.shape[0] == 1:  # binary: one row, the log-odds of classes_[1]
        return coef[0], float(intercept[0]), "log-odds"
    return coef[class_index], float(intercept[class_index]), "class score"


def _explain_linear(est: Any, Xe: pd.DataFrame, bg: np.ndarray, task: str, class_index: int | None) -> dict[str, Any]:
    import shap

    coef, intercept, space = _linear_parts(est, task, class_index)
    bg = np.nan_to_num(bg)
    explainer = shap.LinearExplainer((coef, intercept), shap.maskers.Independent(bg, max_samples=len(bg)))
    Xn = Xe.to_numpy(dtype=np.float64)
    values = np.asarray(explainer.shap_values(Xn))
    base = float(np.ravel([explainer.expected_value])[0])
    output = Xn @ coef + intercept
    what = {"log-odds": "the log-odds of the class (not a probability)",
            "class score": "the class's linear score (its softmax input), not a probability",
            "prediction": "the predicted value, in the target's units"}[space]
    note = (f"Explainer: shap.LinearExplainer on {type(est).__name__}'s coefficients, features "
            f"independent, background mean of {len(bg):,} training rows. Output space: {what}.")
    return {"explainer": "linear", "values": values, "base_value": base, "output": output,
            "space": space, "note": note}


class _Codes:
    """Raw columns as floats for shap's maskers (which multiply arrays): text, categories and
    dates become codes into per-column value lists, decoded back before the model sees them."""

    def __init__(self, frames: list[pd.DataFrame]) -> None:
        both = pd.concat(frames)
        self.columns = list(both.columns)
        self.dtypes = both.dtypes
        self.numeric = {c: pd.api.types.is_numeric_dtype(both[c]) and not pd.api.types.is_bool_dtype(both[c])
                        for c in self.columns}
        self.levels = {c: pd.Index(pd.unique(both[c].dropna())) for c in self.columns if not self.numeric[c]}

    def encode(self, X: pd.DataFrame) -> np.ndarray:
        out = np.empty((len(X), len(self.columns)))
        for j, c in enumerate(self.columns):
            if self.numeric[c]:
                out[:, j] = pd.to_numeric(X[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            else:
                codes = self.levels[c].get_indexer(X[c]).astype(float)
                out[:, j] = np.where(codes < 0, np.nan, codes)
        return out

    def decode(self, Z: np.ndarray) -> pd.DataFrame:
        cols = {}
        for j, c in enumerate(self.columns):
            z = Z[:, j]
            if self.numeric[c]:
                cols[c] = pd.Series(z).astype(self.dtypes[c]) if self.dtypes[c].kind == "f" else _as_numeric(z, self.dtypes[c])
            else:
                ok = ~np.isnan(z)
                vals = np.full(len(z), None, dtype=object)
                vals[ok] = self.levels[c].to_numpy(dtype=object)[z[ok].astype(int)]
                s = pd.Series(vals)
                cols[c] = s.astype(self.dtypes[c]) if self.dtypes[c].kind != "O" else s
        return pd.DataFrame(cols)


def _as_numeric(z: np.ndarray, dtype: Any) -> pd.Series:
    s = pd.Series(z)
    try:
        return s.astype(dtype)
    except (TypeError, ValueError):  # integers with NaN: keep floats
        return s


def _explain_agnostic(model: Any, Xs: pd.DataFrame, background: pd.DataFrame, task: str,
                      classes: np.ndarray | None, class_index: int | None, rng: np.random.Generator,
                      steps: dict, profile: Any) -> dict[str, Any]:
    """Permutation SHAP (the algorithm of ``shap.PermutationExplainer``: antithetic passes over
    a random feature order, features absent take the background's values), vectorized over rows.

    shap's own explainer calls the model once per explained row; a pipeline call costs tens
    of milliseconds of pandas overhead whatever its size, so here each step of the
    permutation is one call on (rows × background) rows. The result is exactly additive:
    the contributions along a path telescope to f(x) − mean f(background)."""
    bg = _sample(background, AGNOSTIC_BACKGROUND, rng)
    codes = _Codes([bg, Xs])
    requested = len(Xs)

    def f(Z: np.ndarray) -> np.ndarray:
        frame = codes.decode(np.asarray(Z, dtype=float))
        if task == "regression":
            return np.asarray(model.predict(frame), dtype=float)
        return np.asarray(model.predict_proba(frame), dtype=float)[:, class_index]

    Zb, Zx = codes.encode(bg), codes.encode(Xs)
    m = Zx.shape[1]
    # the model's speed decides the sizes: P * 2m calls on (rows x background) rows each
    probe = np.repeat(Zx[: min(len(Zx), 20)], max(1, min(len(Zb), 2000 // max(1, min(len(Zx), 20)))), axis=0)
    t = time.perf_counter()
    f(probe)
    per_row = max((time.perf_counter() - t) / len(probe), 1e-7)
    affordable = AGNOSTIC_SECONDS / per_row / (2 * PERMUTATIONS * m)  # rows x background
    b = int(np.clip(affordable // len(Zx), MIN_BACKGROUND, len(Zb)))
    n = int(np.clip(affordable // b, min(MIN_ROWS, len(Zx)), len(Zx)))
    if b < len(Zb):
        keep_b = np.sort(rng.choice(len(Zb), b, replace=False))
        Zb = Zb[keep_b]
    if n < len(Zx):
        keep = np.sort(rng.choice(len(Zx), n, replace=False))
        Zx, Xs = Zx[keep], Xs.iloc[keep]
    values = np.zeros((n, m))
    rows = np.arange(n)

    def mean_output(on: np.ndarray) -> np.ndarray:
        """Mean over the background of f with the features in ``on`` (n × m bool) from x."""
        Z = np.where(on[:, None, :], Zx[:, None, :], Zb[None, :, :]).reshape(n * b, m)
        return f(Z).reshape(n, b).mean(axis=1)

    base_out = f(Zb).mean()
    for _ in range(PERMUTATIONS):
        order = np.argsort(rng.random((n, m)), axis=1)  # a random feature order per row
        on = np.zeros((n, m), dtype=bool)
        prev = np.full(n, base_out)
        for j in range(m):  # forward: switch features on in order
            on[rows, order[:, j]] = True
            cur = mean_output(on) if j < m - 1 else f(Zx)
            values[rows, order[:, j]] += cur - prev
            prev = cur
        for j in range(m):  # backward: switch them off in the same order
            on[rows, order[:, j]] = False
            cur = mean_output(on) if j < m - 1 else np.full(n, base_out)
            values[rows, order[:, j]] += prev - cur
            prev = cur
    values /= 2 * PERMUTATIONS
    output = f(Zx)
    space = "prediction" if task == "regression" else "probability"
    ensemble = "ensemble" in steps
    what = type(steps["ensemble"]).__name__ if ensemble else type(steps["model"]).__name__
    note = (f"Explainer: model-agnostic permutation SHAP (as shap.PermutationExplainer, {PERMUTATIONS} "
            f"antithetic permutations per row, batched over rows) of the whole raw → "
            f"{'probability' if space == 'probability' else 'prediction'} function of {what}, on the raw "
            f"columns, with a background of {b:,} sampled training rows "
            f"({2 * PERMUTATIONS * m} model calls on {n * b:,} rows each). Output space: "
            f"{'the class probability' if space == 'probability' else 'the predicted value'}. "
            "Engineered values equal the raw values (the features explained are the raw columns).")
    if n < requested:
        note += (f" To finish in about {AGNOSTIC_SECONDS:.0f} s at this model's speed, {n:,} of the "
                 f"{requested:,} sampled rows were explained.")
    frame = pd.DataFrame(values, columns=codes.columns, index=Xs.index)
    return {"explainer": "permutation", "sample": Xs, "values": frame, "raw_values": frame, "base_value": float(base_out),
            "output": output, "space": space, "note": note, "data_engineered": Xs.copy()}
