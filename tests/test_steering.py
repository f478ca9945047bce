"""Steering a running search (block, allow, time left, try next) and the exit criteria
(target_score, the stop reason), on real data with real learners."""

from __future__ import annotations

import threading
import time

import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes

import automl_nb as an
from automl_nb.errors import ConfigError
from automl_nb.learners import LEARNERS
from automl_nb.metrics import METRICS
from automl_nb.run.events import Steered, TrialStarted
from automl_nb.run.trial import TrialResult
from automl_nb.search.searcher import Searcher
from automl_nb.search.steering import check_params, check_target_score, edited, reached


@pytest.fixture(scope="module")
def cancer() -> pd.DataFrame:
    """sklearn's breast_cancer: 569 rows, 30 numeric columns, binary target."""
    return load_breast_cancer(as_frame=True).frame


@pytest.fixture(scope="module")
def diabetes() -> pd.DataFrame:
    """sklearn's diabetes: 442 rows, regression."""
    return load_diabetes(as_frame=True).frame


class Events:
    """Every event of a run, with the time it was emitted."""

    def __init__(self, exp) -> None:
        self.events: list = []
        self._lock = threading.Lock()
        for e in list(exp.bus.history):
            self.events.append(e)
        exp.bus.subscribe(self.add)

    def add(self, e) -> None:
        with self._lock:
            self.events.append(e)

    def of(self, kind) -> list:
        with self._lock:
            return [e for e in self.events if isinstance(e, kind)]


def _wait_for(predicate, timeout: float = 60.0) -> None:
    end = time.time() + timeout
    while not predicate():
        if time.time() > end:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


def _start(df, target, folder, **kw):
    aml = an.AutoML(show=False, n_jobs=2, folder=folder, **{"time_budget": 60, "seed": 0, **kw})
    run = aml.start(df, target)
    events = Events(aml.experiment_)
    return aml, run, events


# ---- what is checked at the call ---------------------------------------------------------------


def test_every_learners_defaults_are_accepted_as_try_next_params():
    for name, spec in LEARNERS.items():
        for task in sorted(spec.tasks):
            for default in spec.defaults or ({},):
                assert check_params(spec, dict(default), task, 300).items() >= dict(default).items(), (name, task)


def test_try_next_params_take_the_default_and_are_checked_naming_the_parameter():
    knn = LEARNERS["knn"]
    assert check_params(knn, {"n_neighbors": 7}, "binary", 500) == {"n_neighbors": 7, "weights": "distance"}
    assert check_params(knn, {"n_neighbors": 60.0}, "binary", 500)["n_neighbors"] == 60  # beyond the searched range
    rf = LEARNERS["random_forest"]
    assert check_params(rf, {"max_features": 1}, "binary", 500)["max_features"] == 1.0  # JSON's 1 is the choice 1.0
    bad = [
        (knn, {"k": 3}, "knn has no parameter 'k'; its parameters: n_neighbors, weights"),
        (knn, {"weights": "cosine"}, "weights='cosine' is not one of its choices: 'uniform', 'distance'"),
        (knn, {"n_neighbors": 2.5}, "n_neighbors=2.5 must be an integer"),
        (knn, {"n_neighbors": 0}, "n_neighbors=0 must be positive"),
        (knn, {"n_neighbors": "seven"}, "n_neighbors='seven' must be a finite number"),
        (LEARNERS["lightgbm"], {"subsample": 1.5}, "subsample=1.5 is a fraction"),
        (LEARNERS["lightgbm"], {"n_estimators": -3}, "n_estimators=-3 must be positive"),
        (LEARNERS["linear"], {"penalty": "elasticnet"}, "penalty='elasticnet' is not one of its choices: 'l2'"),
        (knn, [("n_neighbors", 3)], "params must be a dict"),
    ]
    for spec, params, message in bad:
        with pytest.raises(ValueError, match="try_next") as info:
            check_params(spec, params, "binary", 500)
        assert message in str(info.value), str(info.value)
    # regression's elastic net branch: its own parameters
    full = check_params(LEARNERS["linear"], {"penalty": "elasticnet", "l1_ratio": 0.3}, "regression", 500)
    assert full["penalty"] == "elasticnet" and full["l1_ratio"] == 0.3 and "alpha" not in full


def test_target_score_the_metric_cannot_reach_is_an_error_before_any_trial(cancer, diabetes, tmp_path):
    check_target_score(0.9, METRICS["roc_auc"])
    check_target_score(1.0, METRICS["roc_auc"])
    check_target_score(-0.5, METRICS["r2"])  # r2 can be negative
    with pytest.raises(ConfigError, match=r"target_score=1.5 cannot be reached: roc_auc is at most 1") as info:
        check_target_score(1.5, METRICS["roc_auc"])
    assert info.value.field == "target_score"
    with pytest.raises(ConfigError, match=r"rmse is a loss .* not negated \(e.g. target_score=3\)"):
        check_target_score(-3, METRICS["rmse"])
    for bad in ("0.9", float("nan"), True):
        with pytest.raises(ConfigError, match="target_score must be a finite number"):
            an.AutoML(target_score=bad).config()
    # a metric given: refused by the settings' own validation
    with pytest.raises(ConfigError, match="roc_auc is at most 1"):
        an.AutoML(metric="roc_auc", target_score=1.5).config()
    # metric="auto": known once the data is seen, refused before any trial (no folder, no run)
    for df, target, value, words in ((cancer, "target", 1.5, "roc_auc is at most 1"),
                                     (diabetes, "target", -10.0, "rmse is a loss")):
        folder = tmp_path / f"never-{target}-{value}"
        aml = an.AutoML(target_score=value, folder=folder, show=False)
        with pytest.raises(ConfigError, match=words):
            aml.fit(df, target)
        assert not folder.exists() and aml._run is None
    assert reached(0.95, 0.9, True) and not reached(0.85, 0.9, True)
    assert reached(2.0, 3.0, False) and not reached(float("nan"), 3.0, False)
    assert edited({"n_neighbors": 7, "weights": "distance"}, {"n_neighbors": 15, "weights": "distance"}) == \
        "n_neighbors 15 → 7"


# ---- the searcher ------------------------------------------------------------------------------


def _result(tid, learner, status="ok", score=0.8, params=None):
    return TrialResult(tid, learner, params or {}, status, "search", score=score)


def test_has_more_agrees_with_ask_when_every_learner_failed():
    """The known bug: has_more() stayed True while ask() returned None (a learner whose only
    trials failed is never chosen again), so the search idled until its deadline."""
    s = Searcher([LEARNERS["dummy"], LEARNERS["knn"]], "binary", 500, portfolio=())
    while (c := s.ask()) is not None:
        s.tell(_result(c.trial_id, c.learner, "failed" if c.learner == "knn" else "ok", 0.5))
    assert s.ask() is None
    assert not s.has_more()


def test_searcher_block_keeps_queued_defaults_and_allow_adds_a_learner():
    s = Searcher([LEARNERS["dummy"], LEARNERS["linear"], LEARNERS["knn"]], "binary", 500,
                 portfolio=(("knn", 0), ("knn", 1)))
    assert s.ask_baseline().learner == "dummy"
    assert s.block("knn") and not s.block("knn")
    assert s.ask().learner == "linear"  # the linear baseline
    asked = [s.ask() for _ in range(3)]
    assert all(c.learner != "knn" for c in asked if c is not None)
    assert s.allow(LEARNERS["knn"]) == "unblocked"
    nxt = s.ask()
    assert nxt.learner == "knn" and nxt.params == {"n_neighbors": 15, "weights": "distance"}  # kept while blocked
    s.enqueue_next("linear", {"penalty": "l2", "alpha": 3.0}, "asked by you (from the API): try next")
    s.enqueue_next("knn", {"n_neighbors": 4, "weights": "uniform"}, "asked by you (from the API): try next")
    first, second = s.ask(), s.ask()
    assert (first.learner, first.params["alpha"], first.phase) == ("linear", 3.0, "steered")
    assert (second.learner, second.params["n_neighbors"]) == ("knn", 4)
    assert first.reason.startswith("asked by you")
    # a learner new to the run: its defaults first, said so
    assert "added to the search" in s.allow(LEARNERS["extra_trees"])
    c = s.ask()
    assert c.learner == "extra_trees" and c.reason.startswith("allowed by you")


# ---- steering a live run -------------------------------------------------------------------------


@pytest.mark.slow
def test_block_try_next_and_time_left_steer_a_live_run_and_survive_load(cancer, tmp_path):
    folder = tmp_path / "steered"
    aml, run, events = _start(cancer, "target", folder, time_budget=60)
    _wait_for(lambda: run.status == "searching")
    run.block("lightgbm")  # portfolio slots 1 and 3: it would run at once
    run.try_next("knn", {"n_neighbors": 9})
    with pytest.raises(ValueError, match=r"block\('boosting'\): unknown learner 'boosting'; this run's learners: "
                                         r"dummy, linear, lightgbm"):
        run.block("boosting")
    with pytest.raises(ValueError, match=r"allow\('seasonal_naive'\): seasonal_naive does not apply to task "
                                         r"'binary'"):
        run.allow("seasonal_naive")
    with pytest.raises(ValueError, match=r"try_next\('lightgbm'\): lightgbm is not in this run's search \(blocked"):
        run.try_next("lightgbm", {})
    with pytest.raises(ValueError, match=r"try_next\('knn'\): knn has no parameter 'neighbours'"):
        run.try_next("knn", {"neighbours": 3})
    with pytest.raises(ValueError, match="dummy is the baseline"):
        run.block("dummy")
    with pytest.raises(ValueError, match="set_time_left: seconds must be a positive number"):
        run.set_time_left(-1)
    _wait_for(lambda: len(events.of(Steered)) >= 2)
    block, ask = (e.record for e in events.of(Steered)[:2])
    assert (block["action"], block["learner"], block["by"]) == ("block", "lightgbm", "api")
    assert ask["action"] == "try_next" and ask["learner"] == "knn"

    # the try-next trial is the first to start after it was applied, with its parameters
    _wait_for(lambda: any(e.time >= events.of(Steered)[1].time for e in events.of(TrialStarted)))
    after = [e for e in events.of(TrialStarted) if e.time >= events.of(Steered)[1].time]
    assert after[0].learner == "knn" and after[0].params == {"n_neighbors": 9, "weights": "distance"}
    knn_id = after[0].trial_id

    _wait_for(lambda: knn_id in aml.experiment_.results)
    t_set = time.time()
    run.set_time_left(5)
    _wait_for(lambda: len(events.of(Steered)) == 3)
    exp = aml.experiment_
    assert t_set + 4.9 <= exp.deadline <= time.time() + 5.1  # 5 s from when it was applied
    assert run.wait(60) == "finished"
    assert time.time() < exp._t0 + 60  # before the 60 s budget would have ended it
    assert run.stop_reason == "time budget used" == aml.stop_reason_

    blocked_at = events.of(Steered)[0].time
    late = [e for e in events.of(TrialStarted) if e.learner == "lightgbm" and e.time > blocked_at]
    assert late == []  # no lightgbm trial started after the block
    result = aml.experiment_.results[knn_id]
    assert result.reason == "asked by you (from the API): try next" and result.phase == "steered"

    log = aml.steering_log()
    assert list(log.columns) == ["at", "action", "learner", "detail", "by", "time"]
    assert list(log["action"]) == ["block", "try_next", "time_left"]
    assert log["at"].is_monotonic_increasing and (log["at"] > 0).all()
    assert log.loc[2, "detail"].startswith("5 s left (was ")

    # the folder keeps it: an.load shows the same log, the stop reason, the trial's reason
    loaded = an.load(folder, show=False)
    pd.testing.assert_frame_equal(loaded.steering_log(), log)
    assert loaded.stop_reason_ == "time budget used"
    # a resumed run keeps the block (the log is replayed into the learners' states)
    assert loaded.experiment_.steerer.learner_states()["lightgbm"]["state"] == "blocked"
    assert "lightgbm" not in loaded.experiment_.steerer.searched_names()
    assert loaded.leaderboard().set_index("trial_id").loc[knn_id, "reason"].startswith("asked by you")
    # ... and the report: the log, the marks on the curve, the reason
    html = (loaded.report(tmp_path / "report.html")).read_text()
    assert "Steering" in html and "data-steering='block lightgbm'" in html and "asked by you" in html
    assert "time budget used" in html
    # steering a run that ended is refused at the call
    with pytest.raises(RuntimeError, match="the search is over"):
        run.block("knn")


@pytest.mark.slow
def test_steering_while_paused_applies_at_once_and_allow_brings_a_left_out_learner(cancer, tmp_path):
    aml, run, events = _start(cancer, "target", tmp_path / "paused", time_budget=60,
                              allowed_learners=["linear", "extra_trees"])
    _wait_for(lambda: run.status == "searching")
    run.pause()
    _wait_for(lambda: run.status == "paused")
    states = aml.experiment_.steerer.learner_states()
    assert states["knn"] == {"state": "left out", "note": "not in allowed_learners"}
    run.allow("knn")  # not in the run's initial set, valid for the task
    run.try_next("knn", {"n_neighbors": 3, "weights": "uniform"})
    run.set_time_left(12)
    _wait_for(lambda: len(events.of(Steered)) == 3)
    assert run.status == "paused"  # applied while paused
    paused_starts = [e for e in events.of(TrialStarted) if e.time > events.of(Steered)[0].time]
    assert paused_starts == []
    assert events.of(Steered)[2].record["detail"].endswith("counted from the resume")
    time.sleep(1.0)
    resumed = time.time()
    run.resume()
    _wait_for(lambda: any(e.time > resumed for e in events.of(TrialStarted)))
    first = [e for e in events.of(TrialStarted) if e.time > resumed][0]
    assert (first.learner, first.params) == ("knn", {"n_neighbors": 3, "weights": "uniform"})
    assert resumed + 11.9 <= aml.experiment_.deadline <= time.time() + 12.1  # 12 s from the resume
    assert run.wait(60) == "finished"
    lb = aml.leaderboard()
    knn = lb[lb["learner"] == "knn"]
    assert any(r.startswith("allowed by you: knn default") for r in knn["reason"])
    assert any(r.startswith("asked by you") for r in knn["reason"])
    assert aml.steering_log()["detail"].iloc[0].startswith("allowed: added to the search")


@pytest.mark.slow
def test_target_score_stops_the_search_and_says_so(cancer, tmp_path):
    folder = tmp_path / "target"
    aml = an.AutoML(time_budget=60, target_score=0.97, seed=0, n_jobs=2, folder=folder, show=False)
    aml.fit(cancer, "target")
    reason = aml.stop_reason_
    assert reason.startswith("target score 0.97 reached by trial ")
    hit = int(reason.rsplit(" ", 1)[1])
    lb = aml.leaderboard().set_index("trial_id")
    assert lb.loc[hit, "roc_auc"] >= 0.97
    earlier = [r for r in aml.experiment_.results.values() if r.ok and r.trial_id < hit]
    assert all(r.score < 0.97 for r in earlier)  # the first trial that reached it
    # no trial started after the one that reached it finished (running ones were stopped)
    done_at = aml.experiment_.results[hit].started_at + aml.experiment_.results[hit].duration
    assert all(r.started_at <= done_at + 0.5 for r in aml.experiment_.results.values())
    assert aml.experiment_.outcome.model is not None and aml.run_.status == "finished"
    assert an.load(folder, show=False).stop_reason_ == reason


@pytest.mark.slow
def test_max_trials_and_cancel_say_why_the_run_stopped(cancer, tmp_path):
    aml = an.AutoML(time_budget=60, max_trials=4, seed=0, n_jobs=2, folder=tmp_path / "n", show=False)
    aml.fit(cancer, "target")
    assert aml.stop_reason_ == "max_trials reached" and len(aml.leaderboard().dropna(subset=["trial_id"])) == 4
    aml2, run, _ = _start(cancer, "target", tmp_path / "c", time_budget=60)
    _wait_for(lambda: len(aml2.experiment_.results) >= 2)
    run.cancel()
    assert run.wait(60) == "cancelled" and run.stop_reason == "cancelled by you"
    assert "stopped: cancelled by you" in [e for e in aml2.experiment_.bus.history
                                           if type(e).__name__ == "PhaseChanged"][-1].message


@pytest.mark.slow
def test_studio_messages_steer_with_by_studio_and_refusals_show_in_error(cancer, tmp_path):
    aml, run, _ = _start(cancer, "target", tmp_path / "studio", time_budget=40)
    view = aml.studio()
    try:
        _wait_for(lambda: view.steering.get("enabled") is True)
        names = [x["name"] for x in view.steering["learners"]]
        assert {"lightgbm", "knn", "linear"} <= set(names)
        view._on_custom_msg(view, {"type": "block", "learner": "nope"})
        assert "unknown learner 'nope'" in view.error
        view._on_custom_msg(view, {"type": "block", "learner": "knn"})
        assert view.error == ""
        _wait_for(lambda: len(aml.experiment_.steering) == 1)
        first = next(iter(aml.experiment_.results.values()))
        view._on_custom_msg(view, {"type": "try_next", "learner": "linear", "params": {"alpha": 2.5},
                                   "from_trial": None})
        view._on_custom_msg(view, {"type": "set_time_left", "seconds": 6})
        _wait_for(lambda: len(view.steering.get("log", [])) == 3)
        log = view.steering["log"]
        assert [r["by"] for r in log] == ["studio"] * 3 and all(r["t"] >= 0 for r in log)
        assert {x["name"]: x["state"] for x in view.steering["learners"]}["knn"] == "blocked"
        assert first is not None
        assert run.wait(60) == "finished"
        assert view.wait(10)
        assert view.steering["enabled"] is False and view.steering["stop_reason"] == "time budget used"
        assert view.status["stop_reason"] == "time budget used"
        assert "stopped: time budget used" in view.status["message"]
        view._on_custom_msg(view, {"type": "allow", "learner": "knn"})
        assert "no run is going" in view.error
    finally:
        view.close()
