"""an.smoke_test on a real column with planted noise: signal found, noise named, shuffled target refused."""

from __future__ import annotations

import time

import numpy as np
import pytest

import automl_nb as an

BUDGET = 20


@pytest.fixture(scope="module")
def planted():
    from sklearn.datasets import load_breast_cancer

    d = load_breast_cancer(as_frame=True)
    rng = np.random.default_rng(0)
    df = d.frame[["worst concave points"]].copy()
    for i in range(5):
        df[f"noise_{i}"] = rng.normal(size=len(df))
    df["diagnosis"] = d.target.map({0: "malignant", 1: "benign"})
    return df


def test_smoke_test_finds_the_informative_column_and_names_the_noise(planted, tmp_path):
    t = time.time()
    report = an.smoke_test(planted, "diagnosis", time_budget=BUDGET, seed=0, folder=tmp_path / "s")
    assert time.time() - t < BUDGET * 1.1
    assert report.verdict == "strong signal"
    s = report.signal
    assert s["metric"] == "roc_auc" and s["low"] > 0 and s["score"] > s["dummy_score"]
    assert report.important_features["feature"].iloc[0] == "worst concave points"
    assert set(report.useless_features) == {f"noise_{i}" for i in range(5)}
    assert "strong signal" in str(report).lower() and "automl-nb-smoke" in report._repr_html_()
    assert "post_training_leakage" in set(report.automl.guardrails()["check"])
    # is the data big enough? a short learning curve when the time left allows it, else why not
    assert report.data_size.startswith(("more data is likely", "plateaued", "no clear trend", "not measured"))
    assert f"data size: {report.data_size}" in str(report) and "Data size" in report._repr_html_()
    if report.learning_curve is not None:
        assert report.data_size == report.learning_curve.verdict
    print(report.data_size)


def test_smoke_test_on_a_shuffled_target_says_no_signal(planted, tmp_path):
    df = planted.copy()
    df["diagnosis"] = np.random.default_rng(1).permutation(df["diagnosis"].to_numpy())
    report = an.smoke_test(df, "diagnosis", time_budget=BUDGET, seed=0, folder=tmp_path / "s")
    assert report.verdict == "no detectable signal"
    assert report.signal["low"] <= 0


def test_leakage_is_alerted_when_one_feature_gives_a_near_perfect_score(planted, tmp_path):
    df = planted[["noise_0", "noise_1", "diagnosis"]].copy()
    df["leak"] = (df["diagnosis"] == "malignant").astype(float) + np.random.default_rng(0).normal(0, 0.01, len(df))
    aml = an.AutoML(time_budget=15, max_trials=3, seed=0, show=False, allowed_learners=["lightgbm", "dummy"],
                    ensemble=False, folder=tmp_path / "l").fit(df, "diagnosis")
    aml.explain()
    g = aml.guardrails().set_index("check").loc["post_training_leakage"]
    assert g["status"] == "alerted" and "leak" in g["message"]
