"""The engine end to end, on real data with real learners."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

import automl_nb as an
from automl_nb.run.events import (
    PhaseChanged,
    RunFinished,
    RunStarted,
    TrialFailed,
    TrialFinished,
    TrialStarted,
)

pytestmark = pytest.mark.slow


def _split(df, target, stratify=True):
    X, y = df.drop(columns=[target]), df[target]
    return train_test_split(X, y, test_size=0.25, random_state=0, stratify=y if stratify else None)


def test_fit_keeps_its_time_budget(credit, folder):
    budget = 8
    aml = an.AutoML(time_budget=budget, folder=folder, show=False)
    t = time.time()
    aml.fit(credit, "Status")
    assert time.time() - t <= budget * 1.05 + 2  # loose: overrun is measured in benchmarks/
    assert aml.predict(credit.drop(columns="Status").head(3)).shape == (3,)


def test_binary_fit_beats_dummy_and_ranks_trials(credit, folder):
    Xtr, Xte, ytr, yte = _split(credit, "Status")
    # a trial limit, not a short budget: the outcome must not depend on the machine's load
    aml = an.AutoML(time_budget=120, max_trials=6, folder=folder, show=False)
    aml.fit(Xtr, ytr)
    assert aml.task_ == "binary" and aml.metric_ == "roc_auc"
    lb = aml.leaderboard()
    assert (lb["status"] == "ok").sum() >= 3
    assert lb.iloc[0]["roc_auc"] == lb.loc[lb["status"] == "ok", "roc_auc"].max()
    dummy = lb.loc[lb["learner"] == "dummy", "roc_auc"].iloc[0]
    assert dummy == pytest.approx(0.5)
    assert aml.score(Xte, yte) > 0.80  # dummy: 0.5
    proba = aml.predict_proba(Xte)
    assert proba.shape == (len(Xte), 2) and np.allclose(proba.sum(axis=1), 1)
    assert set(aml.predict(Xte)) <= set(aml.classes_) == {"bad", "good"}
    assert aml.first_row_seconds_ < 60
    g = aml.guardrails()
    assert g.loc[g["check"] == "missing_values", "status"].iloc[0] == "fixed"


def test_regression_on_carseats_beats_mean(carseats, folder):
    Xtr, Xte, ytr, yte = _split(carseats, "Sales", stratify=False)
    # a trial limit ends the run once the baselines (dummy, linear) and LightGBM are in
    aml = an.AutoML(time_budget=60, max_trials=3, folder=folder, show=False).fit(Xtr, ytr)
    assert aml.task_ == "regression" and aml.metric_ == "rmse"
    rmse_mean = float(np.sqrt(np.mean((yte - ytr.mean()) ** 2)))
    assert -aml.score(Xte, yte) < 0.75 * rmse_mean  # score is -rmse (greater is better)
    assert aml.predict(Xte).dtype.kind == "f"


def test_multiclass_with_missing_values_and_string_labels(penguins, folder):
    df = penguins.dropna(subset=["species"])
    aml = an.AutoML(time_budget=60, max_trials=3, folder=folder, show=False).fit(df, "species")
    assert aml.task_ == "multiclass" and aml.metric_ == "log_loss"
    lb = aml.leaderboard()
    best = lb.loc[lb["status"] == "ok", "log_loss"].min()
    assert best < 0.5 * lb.loc[lb["learner"] == "dummy", "log_loss"].iloc[0]
    assert list(aml.classes_) == ["Adelie", "Chinstrap", "Gentoo"]
    # log loss: the class prior is blended in at weight 1/n, so a row unlike any training
    # row (every measurement missing) is never given a probability near zero for its class
    dummy = int(lb.loc[lb["learner"] == "dummy", "trial_id"].iloc[0])
    assert aml.ensemble_[dummy] == pytest.approx(1 / len(df))
    unknown = df.drop(columns="species").head(1).copy()
    unknown.loc[:, ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "sex"]] = np.nan
    proba = aml.predict_proba(unknown)[0]
    prior = df["species"].value_counts(normalize=True).sort_index().to_numpy()
    assert np.all(proba >= prior / len(df) * 0.999)
    assert abs(proba.sum() - 1) < 1e-9


def test_events_arrive_in_order(credit, folder):
    aml = an.AutoML(time_budget=60, max_trials=3, folder=folder, show=False)
    run = aml.start(credit, "Status")
    events = []
    aml._experiment.bus.subscribe(events.append)
    run.wait()
    history = aml._experiment.bus.history
    assert isinstance(history[0], PhaseChanged) and history[0].phase == "profiling"
    # the late subscriber got every event emitted after it joined, in the same order
    assert events and events == history[len(history) - len(events):]
    kinds = [type(e) for e in history]
    assert RunStarted in kinds and kinds[-1] is RunFinished
    started = {e.trial_id: i for i, e in enumerate(history) if isinstance(e, TrialStarted)}
    for i, e in enumerate(history):
        if isinstance(e, (TrialFinished, TrialFailed)):
            assert started[e.result.trial_id] < i
    assert all(history[i].time <= history[i + 1].time for i in range(len(history) - 1))


def test_cancel_keeps_finished_trials(credit, folder):
    aml = an.AutoML(time_budget=60, folder=folder, show=False)
    run = aml.start(credit, "Status")
    deadline = time.time() + 40
    while len([r for r in aml._experiment.results.values() if r.ok]) < 3 and time.time() < deadline:
        time.sleep(0.1)
    t = time.time()
    run.cancel()
    assert run.wait(timeout=30) == "cancelled"
    assert time.time() - t < 15
    lb = aml.leaderboard()
    assert (lb["status"] == "ok").sum() >= 3
    assert aml.predict(credit.drop(columns="Status").head(3)).shape == (3,)
    restored = an.load(folder, show=False)
    assert len(restored.leaderboard()) == len(lb)


def test_pause_stops_new_trials_and_resume_continues(credit, folder):
    aml = an.AutoML(time_budget=30, folder=folder, show=False)
    run = aml.start(credit, "Status")
    exp = aml._experiment
    while len(exp.results) < 2:
        time.sleep(0.05)
    run.pause()
    time.sleep(0.5)  # let the driver see the command; running trials may still finish
    n_started = sum(isinstance(e, TrialStarted) for e in exp.bus.history)
    time.sleep(4)
    assert run.status == "paused"
    assert sum(isinstance(e, TrialStarted) for e in exp.bus.history) == n_started
    run.resume()
    time.sleep(3)
    assert sum(isinstance(e, TrialStarted) for e in exp.bus.history) > n_started
    run.cancel()
    assert run.wait(30) == "cancelled"


def test_saved_model_loads_with_identical_predictions_and_without_automl_nb(credit, folder, tmp_path):
    aml = an.AutoML(time_budget=60, max_trials=3, folder=folder, show=False).fit(credit, "Status")
    X = credit.drop(columns="Status").head(50)
    expected = aml.predict_proba(X)
    copy = aml.save(tmp_path / "copy")
    restored = an.load(copy, show=False)
    np.testing.assert_allclose(restored.predict_proba(X), expected)
    assert restored.leaderboard()["trial_id"].tolist() == aml.leaderboard()["trial_id"].tolist()
    # the pipeline alone, in a Python where automl_nb cannot be imported
    X.to_pickle(tmp_path / "X.pkl")
    code = textwrap.dedent(f"""
        import sys, pickle
        sys.modules["automl_nb"] = None  # any import of automl_nb now fails
        import pandas as pd
        model = pickle.load(open({str(copy / "model.pkl")!r}, "rb"))
        print(model.predict_proba(pd.read_pickle({str(tmp_path / "X.pkl")!r}))[:, 1].round(10).tolist())
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    np.testing.assert_allclose(eval(out.stdout), expected[:, 1].round(10))


def test_resume_after_load_continues_the_search(carseats, folder):
    aml = an.AutoML(time_budget=60, max_trials=3, folder=folder, show=False).fit(carseats, "Sales")
    n_before = len(aml._experiment.results)
    restored = an.load(folder, show=False)
    restored.resume(time_budget=8)
    ids = sorted(restored._experiment.results)
    assert len(ids) > n_before and ids == list(range(len(ids)))
    assert restored.predict(carseats.drop(columns="Sales").head()).shape == (5,)


def test_seeded_trial_limited_run_repeats_exactly(penguins, tmp_path):
    df = penguins.dropna(subset=["species"])

    def run(i):
        aml = an.AutoML(time_budget=120, max_trials=7, seed=3, folder=tmp_path / f"r{i}", show=False)
        lb = aml.fit(df, "species").leaderboard()
        return lb[["learner", "log_loss", "trial_id"]].reset_index(drop=True), aml.ensemble_

    (a, ea), (b, eb) = run(0), run(1)
    assert len(a[a["trial_id"].notna()]) == 7
    pd.testing.assert_frame_equal(a, b)
    assert ea == eb


def test_a_failing_trial_never_ends_the_run(credit, folder):
    # every worker exceeds a 1 MB memory limit: its trial is killed and recorded as failed
    aml = an.AutoML(time_budget=30, max_trials=4, memory_limit_mb=1, folder=folder, show=False).fit(credit, "Status")
    lb = aml.leaderboard()
    failed = lb[lb["status"] == "failed"]
    assert len(failed) >= 1
    assert failed["error"].str.contains("out of memory").all()
    assert aml.predict(credit.drop(columns="Status").head(2)).shape == (2,)  # the dummy baseline


def test_validation_data_is_used_for_scoring(credit, folder):
    Xtr, Xte, ytr, yte = _split(credit, "Status")
    aml = an.AutoML(time_budget=60, max_trials=3, validation_data=(Xte, yte), folder=folder,
                    show=False).fit(Xtr, ytr)
    assert "validation_data you gave" in aml.validation_
    lb = aml.leaderboard()
    ok = lb[(lb["status"] == "ok") & lb["trial_id"].notna()]
    assert (ok["roc_auc_std"] == 0).all()  # one validation set: one score per trial
    assert ok["roc_auc"].max() > 0.8


def test_groups_keep_each_group_on_one_side(carseats, folder):
    groups = np.arange(len(carseats)) // 10  # 40 groups of 10 rows
    aml = an.AutoML(time_budget=60, max_trials=3, groups=groups, folder=folder, show=False).fit(carseats, "Sales")
    assert "group cross-validation" in aml.validation_
    for train, valid in aml._experiment.data.folds:
        assert not set(groups[train]) & set(groups[valid])


def test_featurization_summary_names_engineered_features(credit, folder):
    aml = an.AutoML(time_budget=60, max_trials=2, folder=folder, show=False).fit(credit, "Status")
    fs = aml.featurization_summary()
    assert set(fs["raw_column"]) == set(credit.columns) - {"Status"}
    row = fs.set_index("raw_column").loc["Income"]
    assert row["kind"] == "numeric"
    assert any("Income" in name for name in row["engineered_features"])
    linear = aml.featurization_summary(family="linear").set_index("raw_column")
    assert any(name.startswith("Home") for name in linear.loc["Home", "engineered_features"])
    assert "scale" in linear.loc["Income", "steps"]


def test_trial_timeout_stops_long_trials_and_the_run_goes_on(credit, folder):
    # six trials: the portfolio's LightGBM, extra-trees and hist-GB fits each take well over 0.3 s
    aml = an.AutoML(time_budget=30, max_trials=6, trial_timeout=0.3, folder=folder, show=False).fit(credit, "Status")
    lb = aml.leaderboard()
    assert (lb["status"] == "timeout").any()
    assert aml.predict(credit.drop(columns="Status").head(3)).shape == (3,)


def test_large_data_searches_on_a_sample_and_refits_on_all_rows(credit, folder, monkeypatch):
    # the rule for large data (SEARCH_MAX_ROWS training rows per trial), scaled down to credit_data
    import automl_nb.data.validation

    monkeypatch.setattr(automl_nb.data.validation, "SEARCH_MAX_ROWS", 1000)
    aml = an.AutoML(time_budget=60, max_trials=3, validation="holdout", folder=folder, show=False).fit(credit, "Status")
    assert "1,000-row sample" in aml.validation_
    tr, va = aml._experiment.data.folds[0]
    assert len(tr) == 1000 and abs(len(va) - 0.1 * len(credit)) <= 1
    assert not set(tr) & set(va)
    lb = aml.leaderboard()
    assert lb.loc[(lb["status"] == "ok") & lb["trial_id"].notna(), "roc_auc"].max() > 0.75
    # each member is refit on as many rows as the time left allows: never fewer than the
    # search saw; when fewer than all, the model's description says so
    exp = aml._experiment
    rows = [exp.refit_rows[t] for t in aml.ensemble_ if t in exp.refit_rows]
    assert rows and all(1000 <= r <= len(credit) for r in rows)
    assert ("trained on" in exp.outcome.description) == (min(rows) < len(credit))
    assert aml.score(credit.drop(columns="Status"), credit["Status"]) > 0.8


def test_the_mlp_joins_short_runs_only_when_named(penguins, folder, tmp_path):
    pytest.importorskip("torch")
    df = penguins.dropna(subset=["species"])
    short = an.AutoML(time_budget=6, folder=folder, show=False).fit(df, "species")
    assert "mlp" not in set(short.leaderboard()["learner"])  # min_budget: 120 s
    # a trial limit, not a short budget: the fork server that preloads torch starts first
    named = an.AutoML(time_budget=60, max_trials=3, allowed_learners=["mlp"], folder=str(tmp_path / "named"),
                      show=False)
    lb = named.fit(df, "species").leaderboard()
    assert (lb.loc[lb["learner"] == "mlp", "status"] == "ok").any()
