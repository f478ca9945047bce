"""SHAP explanations: additive, summed back to raw columns, honest about sampling, strict on input."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

import automl_nb as an
from automl_nb.run.trial import TrialConfig


def _additive(e, tol=1e-4):
    recon = e.base_value + e.raw_values.sum(axis=1).to_numpy()
    scale = np.maximum(1.0, np.abs(e.output))
    assert np.all(np.abs(recon - e.output) / scale < tol), np.abs(recon - e.output).max()
    np.testing.assert_allclose(e.raw_values.sum(axis=1), e.values.sum(axis=1), atol=1e-8)


@pytest.fixture(scope="module")
def credit_aml(credit, tmp_path_factory):
    aml = an.AutoML(time_budget=30, max_trials=6, seed=0, show=False, allowed_learners=["lightgbm", "linear", "dummy"],
                    folder=tmp_path_factory.mktemp("explain") / "exp")
    return aml.fit(credit, "Status")


def _trial_of(aml, learner):
    return next(t for t, r in aml._experiment.results.items() if r.ok and r.learner == learner)


def test_lightgbm_trial_is_additive_in_log_odds(credit_aml):
    e = credit_aml.explain(trial=_trial_of(credit_aml, "lightgbm"))
    assert e.explainer == "tree" and e.output_space == "log-odds" and "log-odds" in e.note
    assert e.n_rows == 1000 and "1,000 rows explained" in e.note
    assert e.class_name == credit_aml.classes_[1]
    _additive(e)
    assert list(e.values.index) == list(e.data.index) == list(e.raw_values.index)


def test_linear_trial_is_additive(credit_aml):
    e = credit_aml.explain(credit_aml._experiment.prepared.X.iloc[:300], trial=_trial_of(credit_aml, "linear"))
    assert e.explainer == "linear" and e.n_rows == 300
    _additive(e)
    # one-hot columns of Home are summed into Home
    assert "Home" in e.raw_values.columns and not any(c.startswith("Home=") for c in e.raw_values.columns)
    assert any(c.startswith("Home") and c != "Home" for c in e.values.columns)


def test_importance_is_sorted_and_covers_every_kept_raw_column(credit_aml):
    e = credit_aml.explain(trial=_trial_of(credit_aml, "lightgbm"))
    imp = e.importance["importance"].to_numpy()
    assert np.all(np.diff(imp) <= 0)
    kept = credit_aml.featurization_summary()
    kept = set(kept.loc[kept["n_features"] > 0, "raw_column"])
    assert kept <= set(e.importance["feature"])
    assert np.all(np.diff(e.importance_engineered["importance"].to_numpy()) <= 0)
    row = e.row(0)
    assert list(row.columns) == ["feature", "value", "shap"]
    assert np.all(np.diff(np.abs(row["shap"].to_numpy())) <= 0)


def test_final_model_explained_agnostically_when_an_ensemble(credit_aml):
    e = credit_aml.explain()
    assert e.trial_id is None
    if len(credit_aml.ensemble_) > 1:
        assert e.explainer == "permutation" and "model-agnostic" in e.note
        assert e.n_rows <= 200 and "background of" in e.note
        pd.testing.assert_frame_equal(e.values, e.raw_values)
    _additive(e)
    # the post-training leakage check joins the guardrails once explain has run
    assert "post_training_leakage" in set(credit_aml.guardrails()["check"])


def test_regression_linear_with_standardized_target_is_additive(carseats, tmp_path):
    aml = an.AutoML(time_budget=20, max_trials=5, seed=0, show=False, allowed_learners=["linear", "dummy"],
                    ensemble=False, folder=tmp_path / "reg").fit(carseats, "Sales")
    for tid, r in aml._experiment.results.items():
        if r.ok and r.learner == "linear":
            e = aml.explain(trial=tid)
            assert e.explainer == "linear" and e.class_name is None and e.output_space == "prediction"
            _additive(e)


def test_bad_input_is_refused_with_the_fix(credit_aml, credit):
    exp = credit_aml._experiment
    with pytest.raises(ValueError, match="does not exist; valid trial ids"):
        credit_aml.explain(trial=999)
    failed = exp.data.evaluate(TrialConfig(998, "linear", {"penalty": "elasticnet"}))
    assert failed.status == "failed"
    exp.results[998] = failed
    try:
        with pytest.raises(ValueError, match="trial 998 failed: ValueError"):
            credit_aml.explain(trial=998)
    finally:
        del exp.results[998]
    X = credit.drop(columns="Status")
    with pytest.raises(ValueError, match=r"missing columns \['Income'\]"):
        credit_aml.explain(X.drop(columns="Income"))
    with pytest.raises(ValueError, match=r"extra columns \['zzz'\]"):
        credit_aml.explain(X.assign(zzz=1))
    with pytest.raises(ValueError, match="empty"):
        credit_aml.explain(X.iloc[:0])


def test_explaining_10000_rows_of_lightgbm_takes_seconds(credit_aml, credit):
    tid = _trial_of(credit_aml, "lightgbm")
    credit_aml.explain(credit.drop(columns="Status").iloc[:5], trial=tid)  # refit once, cached
    X = pd.concat([credit.drop(columns="Status")] * 3, ignore_index=True).iloc[:10_000]
    t = time.perf_counter()
    e = credit_aml.explain(X, trial=tid)
    seconds = time.perf_counter() - t
    print(f"\nexplain 10,000 rows (lightgbm): {seconds:.2f} s")
    assert e.n_rows == 10_000 and seconds < 60
    _additive(e)


def test_model_test_report_matches_metrics(credit, tmp_path):
    from automl_nb.metrics import METRICS, REPORTED

    train, test = credit.iloc[:3500], credit.iloc[3500:]
    aml = an.AutoML(time_budget=15, max_trials=3, seed=0, show=False, allowed_learners=["lightgbm", "dummy"],
                    folder=tmp_path / "t").fit(train, "Status")
    rep = aml.test(test.drop(columns="Status"), test["Status"])
    y = np.searchsorted(aml.classes_, test["Status"].to_numpy())
    proba = aml.predict_proba(test.drop(columns="Status"))
    assert set(REPORTED["binary"]) | {aml.metric_} == set(rep.metrics)
    for name, v in rep.metrics.items():
        assert v == pytest.approx(METRICS[name].score(y, proba, 2))
    assert rep.metrics["roc_auc"] == pytest.approx(aml.score(test.drop(columns="Status"), test["Status"]))
    assert rep.plots["kind"] == "classification" and {"roc", "pr", "confusion", "calibration"} <= set(rep.plots)
    cal = rep.plots["calibration"]
    assert len(cal["mean_predicted"]) == len(cal["fraction_positive"]) == len(cal["count"])
    assert sum(cal["count"]) == len(test)
    assert list(rep.to_frame().columns) == ["metric", "value", "optimized"] and "<table>" in rep._repr_html_()


def test_model_test_report_regression_plots(carseats, tmp_path):
    train, test = carseats.iloc[:300], carseats.iloc[300:]
    aml = an.AutoML(time_budget=15, max_trials=3, seed=0, show=False, allowed_learners=["linear", "dummy"],
                    folder=tmp_path / "r").fit(train, "Sales")
    rep = aml.test(test.drop(columns="Sales"), test["Sales"])
    assert set(rep.metrics) == {"rmse", "mae", "r2"}
    assert rep.metrics["rmse"] == pytest.approx(-aml.score(test.drop(columns="Sales"), test["Sales"]))
    assert rep.plots["kind"] == "regression" and {"scatter", "residuals"} <= set(rep.plots)
