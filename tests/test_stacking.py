"""AutoML(ensemble="stack"/"auto"): a linear meta-learner over the best trials' out-of-fold
predictions, kept only when it wins out of fold; the stacked model predicts, scores, explains,
exports (code, ONNX) and loads (trusted and trusted=False) like any final model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes, load_wine

import automl_nb as an
from automl_nb.errors import ConfigError


def _frame(loader):
    X, y = loader(return_X_y=True, as_frame=True)
    X.columns = [c.replace(" ", "_").replace("/", "_") for c in X.columns]
    return X, y


@pytest.fixture(scope="module")
def wine_stack(tmp_path_factory):
    X, y = _frame(load_wine)
    aml = an.AutoML(time_budget=60, max_trials=6, allowed_learners=["linear", "extra_trees", "random_forest"], seed=0,
                    ensemble="stack", show=False, folder=tmp_path_factory.mktemp("runs") / "wine").fit(X, y)
    return aml, X, y


@pytest.fixture(scope="module")
def diabetes_stack(tmp_path_factory):
    X, y = _frame(load_diabetes)
    aml = an.AutoML(time_budget=60, max_trials=6, allowed_learners=["linear", "knn", "lightgbm"], seed=0,
                    ensemble="stack", show=False, folder=tmp_path_factory.mktemp("runs") / "diabetes").fit(X, y)
    return aml, X, y


def test_a_stack_that_wins_out_of_fold_is_a_plain_stacking_classifier(wine_stack):
    aml, X, y = wine_stack
    o = aml.experiment_.outcome
    step = aml.best_pipeline_.steps[0][1]
    assert type(step).__name__ == "StackingClassifier"
    # the description states the paired out-of-fold comparison that kept it
    assert o.description.startswith(f"stack of {len(o.members)} trials: out-of-fold log_loss ")
    assert "vs greedy blend" in o.description and "vs best single trial" in o.description
    assert abs(sum(aml.ensemble_.values()) - 1) < 1e-9 and len(aml.ensemble_) >= 2
    proba = aml.predict_proba(X)
    assert proba.shape == (len(X), 3) and np.allclose(proba.sum(axis=1), 1)
    assert set(aml.predict(X)) <= set(y)
    assert aml.score(X, y) > -0.5  # negated log loss on the training rows
    assert set(aml.test(X, y).metrics) >= {"log_loss", "accuracy"}
    lb = aml.leaderboard()
    assert lb.iloc[0]["learner"] == "ensemble"


def test_a_stacked_model_exports_and_loads(wine_stack, tmp_path):
    import onnxruntime as ort

    aml, X, y = wine_stack
    code = aml.to_code()
    assert "StackingClassifier" in code and "class LogOdds" in code
    assert not [line for line in code.splitlines() if line.startswith(("import automl_nb", "from automl_nb"))]
    path = aml.export_onnx(tmp_path / "m.onnx")
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feed = {c: X[[c]].to_numpy(np.float32) for c in X.columns}
    onnx_proba = sess.run(None, feed)[1]
    assert np.abs(onnx_proba - aml.predict_proba(X)).max() < 1e-4
    for trusted in (True, False):
        loaded = an.load(aml.folder_, show=False, trusted=trusted)
        assert np.allclose(loaded.predict_proba(X), aml.predict_proba(X))
    expl = aml.explain(X.head(20), max_rows=20)
    assert len(expl.importance) > 0


def test_a_regression_stack_is_a_non_negative_linear_stacking_regressor(diabetes_stack, tmp_path):
    import onnxruntime as ort

    aml, X, y = diabetes_stack
    step = aml.best_pipeline_.steps[0][1]
    assert type(step).__name__ == "StackingRegressor"
    assert (step.final_estimator_.coef_ >= 0).all()
    assert aml.score(X, y) < 0  # negated rmse
    path = aml.export_onnx(tmp_path / "r.onnx")
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    pred = sess.run(None, {c: X[[c]].to_numpy(np.float32) for c in X.columns})[0].ravel()
    assert np.abs(pred - aml.predict(X)).max() < 1e-3 * np.abs(y).max()
    loaded = an.load(aml.folder_, show=False, trusted=False)
    assert np.allclose(loaded.predict(X), aml.predict(X))


def test_auto_compares_greedy_stack_and_single_and_says_which(tmp_path):
    X, y = _frame(load_diabetes)
    aml = an.AutoML(time_budget=60, max_trials=5, allowed_learners=["linear", "knn"], seed=1, ensemble="auto",
                    show=False, folder=tmp_path / "auto").fit(X, y)
    d = aml.experiment_.outcome.description
    assert "out-of-fold rmse" in d and "vs greedy blend" in d and "vs best single trial" in d
    kind = type(aml.best_pipeline_.steps[-1][1]).__name__
    assert d.startswith("stack of") == (kind == "StackingRegressor")


def test_bad_ensemble_values_are_refused_naming_the_argument():
    X, y = _frame(load_diabetes)
    with pytest.raises(ConfigError) as err:
        an.AutoML(ensemble="stacked", show=False).fit(X, y)
    assert err.value.field == "ensemble" and "'stacked'" in str(err.value)
    frame = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=60, freq="D"), "y": np.arange(60.0)})
    with pytest.raises(ConfigError) as err:
        an.AutoML(task="forecast", time_column="date", horizon=7, ensemble="stack", show=False).fit(frame, "y")
    assert err.value.field == "ensemble" and "forecast" in str(err.value)
