"""Fast unit tests of the engine's parts: a safety net for refactors.

Each test runs in well under a second: no worker processes, no AutoML runs. Real
components throughout (learner specs, metrics, sqlite store, Optuna); where data is needed,
scikit-learn's bundled data sets.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import optuna  # noqa: F401  (imported at collection: the first searcher test must not pay for it)
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris

import automl_nb as an
from automl_nb.config import ConfigError, ExperimentConfig
from automl_nb.ensemble import build_voting, select
from automl_nb.learners import LEARNERS
from automl_nb.metrics import get_metric
from automl_nb.run.events import EventBus, PhaseChanged, RunFinished, TrialStarted
from automl_nb.run.store import Store
from automl_nb.run.trial import TrialConfig, TrialResult
from automl_nb.search.searcher import Searcher

N_ROWS = len(load_breast_cancer().target)  # 569: the searcher only needs the row count


# ---- helpers -------------------------------------------------------------------------------------


def tabular(task: str = "binary", budget: float = 60) -> list[str]:
    """The learners a tabular experiment would pass to its searcher (as Steerer.initial_names)."""
    return [n for n, s in LEARNERS.items() if task in s.tasks and s.available() and s.min_budget <= budget]


def make_searcher(names=None, seed=0, n_workers=1, deterministic=False, metric="roc_auc", task="binary"):
    """A searcher built as ``Experiment._make_searcher`` builds it."""
    names = tabular(task) if names is None else names
    return Searcher([LEARNERS[n] for n in names], task, N_ROWS, seed, n_workers,
                    deterministic=deterministic, baseline="dummy", portfolio=None,
                    loss_of=get_metric(metric).loss)


def result_of(cfg: TrialConfig, score: float = float("nan"), status: str = "ok", duration: float = 1.0) -> TrialResult:
    return TrialResult(cfg.trial_id, cfg.learner, dict(cfg.params), status, cfg.phase, score=score,
                       duration=duration, error="" if status == "ok" else "ValueError: broken")


def fake_score(cfg: TrialConfig) -> float:
    """A deterministic ROC AUC as a function of the configuration."""
    p = cfg.params
    if "learning_rate" in p:
        return 0.9 - 0.05 * abs(math.log10(p["learning_rate"] / 0.05))
    if "alpha" in p:
        return 0.8 - 0.02 * abs(math.log10(p["alpha"]))
    return 0.6


def drive(searcher: Searcher, n: int, score=fake_score, status=lambda cfg: "ok") -> list[TrialConfig]:
    """Ask (the baseline first) and tell ``n`` trials, one at a time."""
    asked = []
    first = searcher.ask_baseline()
    if first is not None:
        asked.append(first)
        searcher.tell(result_of(first, 0.5))
    while len(asked) < n:
        cfg = searcher.ask()
        assert cfg is not None, f"nothing asked after {len(asked)} trials"
        asked.append(cfg)
        st = status(cfg)
        searcher.tell(result_of(cfg, score(cfg) if st == "ok" else float("nan"), st,
                                duration=LEARNERS[cfg.learner].cost))
    return asked


def key(cfg: TrialConfig) -> tuple:
    return cfg.trial_id, cfg.learner, cfg.phase, sorted(cfg.params.items(), key=str)


#: the order of the first trials of a binary run with every tabular learner but mlp (time_budget < 120 s)
EXPECTED_ORDER = [
    ("dummy", 0, "baseline"), ("linear", 0, "baseline"),
    ("lightgbm", 0, "portfolio"), ("extra_trees", 0, "portfolio"), ("lightgbm", 1, "portfolio"),
    ("hist_gb", 0, "portfolio"), ("random_forest", 0, "portfolio"), ("lightgbm", 2, "portfolio"),
    ("knn", 0, "portfolio"), ("linear", 1, "portfolio"), ("lightgbm", 3, "portfolio"),
    ("extra_trees", 1, "portfolio"), ("lightgbm", 4, "portfolio"), ("random_forest", 1, "portfolio"),
    ("hist_gb", 1, "portfolio"),
    # defaults the portfolio order does not name run last, in learner order
    ("linear", 2, "portfolio"), ("hist_gb", 2, "portfolio"), ("knn", 1, "portfolio"),
]


# ---- 1. the searcher ---------------------------------------------------------------------------


def test_searcher_asks_baselines_then_the_portfolio_then_searches():
    s = make_searcher()
    assert tabular() == ["dummy", "linear", "lightgbm", "extra_trees", "random_forest", "hist_gb", "knn"]
    first = s.ask_baseline()
    assert (first.trial_id, first.learner, first.phase, first.params) == (0, "dummy", "baseline", {})
    assert s.ask_baseline() is None  # the next in line (linear) needs a worker
    s.tell(result_of(first, 0.5))
    asked = [first] + [s.ask() for _ in range(len(EXPECTED_ORDER) - 1)]
    got = [(c.learner, c.params, c.phase) for c in asked]
    expected = [(n, LEARNERS[n].defaults[i], phase) for n, i, phase in EXPECTED_ORDER]
    assert got == expected
    assert [c.trial_id for c in asked] == list(range(len(EXPECTED_ORDER)))
    assert all(c.prune_above is None for c in asked)
    for c in asked[1:]:
        s.tell(result_of(c, fake_score(c)))
    # the portfolio is done: model-based search, never the baseline, never a configuration tried
    searched = drive(s, 10)
    assert {c.phase for c in searched} == {"search"}
    assert "dummy" not in {c.learner for c in searched}
    tried = [(c.learner, c.params) for c in asked]
    assert not [c for c in searched if (c.learner, c.params) in tried]
    assert [c.trial_id for c in searched] == list(range(len(asked), len(asked) + 10))


def test_portfolio_defaults_come_before_search_for_other_tasks():
    for task in ("multiclass", "regression"):
        s = make_searcher(task=task, metric="rmse" if task == "regression" else "log_loss")
        asked = drive(s, len(EXPECTED_ORDER), score=lambda c: 1.0)
        assert [(c.learner, c.phase) for c in asked] == [(n, ph) for n, _, ph in EXPECTED_ORDER], task


def test_good_results_draw_the_search_to_their_learner():
    def share_of(good: str) -> float:
        s = make_searcher(["dummy", "linear", "hist_gb", "lightgbm"])
        asked = drive(s, 12 + 20, score=lambda c: 0.95 if c.learner == good else 0.6)
        searched = [c for c in asked if c.phase == "search"]
        assert len(searched) == 20
        return sum(c.learner == good for c in searched) / len(searched)

    # an even split over the three searchable learners would give 1/3
    assert share_of("hist_gb") >= 0.6
    assert share_of("lightgbm") >= 0.6


def test_a_learner_that_always_fails_is_not_asked_again():
    def learners_asked(lightgbm_fails: bool) -> list[str]:
        s = make_searcher(["dummy", "linear", "lightgbm"])
        asked = drive(s, 20, status=lambda c: "failed" if lightgbm_fails and c.learner == "lightgbm" else "ok")
        return [c.learner for c in asked]

    failing = learners_asked(True)
    # lightgbm's first three portfolio configurations fail: its last two and the search skip it
    assert failing.count("lightgbm") == 3
    assert failing[-10:] == ["linear"] * 10
    assert learners_asked(False).count("lightgbm") > 5


def test_loss_direction_decides_which_results_are_good():
    """The same scores mean opposite things for roc_auc (higher is better) and rmse (lower)."""

    def favourite(metric: str) -> str:
        s = make_searcher(["dummy", "linear", "hist_gb", "lightgbm"], metric=metric, seed=1)
        asked = drive(s, 12 + 15, score=lambda c: 0.9 if c.learner == "hist_gb" else 0.3)
        searched = [c.learner for c in asked if c.phase == "search"]
        return max(set(searched), key=searched.count)

    assert favourite("roc_auc") == "hist_gb"
    assert favourite("rmse") != "hist_gb"


def test_search_trials_carry_a_prune_threshold_once_eight_results_are_in():
    s = make_searcher(["dummy", "linear", "hist_gb", "lightgbm"])
    asked = drive(s, 12)
    assert all(c.prune_above is None for c in asked)  # baselines and portfolio: never pruned
    cfg = s.ask()
    assert cfg.phase == "search"
    losses = [-fake_score(c) for c in asked if c.learner != "dummy"]
    assert len(losses) >= 8
    assert cfg.prune_above == pytest.approx(np.quantile(losses, 0.75))


def test_search_trials_are_not_pruned_before_eight_results():
    s = make_searcher(["dummy", "linear"])
    asked = drive(s, 4)  # dummy, linear x 3 (baseline + 2 portfolio): then the search
    assert asked[-1].learner == "linear" and asked[-1].phase == "portfolio"
    cfg = s.ask()
    assert cfg.phase == "search" and cfg.prune_above is None


def test_same_seed_and_same_results_ask_the_same_configurations():
    def run(seed: int) -> list[tuple]:
        s = make_searcher(["dummy", "linear", "hist_gb", "lightgbm", "knn"], seed=seed, deterministic=True)
        return [key(c) for c in drive(s, 30)]

    a, b = run(3), run(3)
    assert a == b
    assert sum(k[2] == "search" for k in a) >= 10
    other = run(4)
    portfolio = sum(k[2] != "search" for k in a)
    assert other[:portfolio] == a[:portfolio]  # the portfolio does not depend on the seed
    assert other[portfolio:] != a[portfolio:]  # the search does


def test_deterministic_mode_waits_for_the_results_a_trial_may_depend_on():
    s = make_searcher(["dummy", "linear", "lightgbm"], n_workers=2, deterministic=True)
    base = s.ask_baseline()
    s.tell(result_of(base, 0.5))
    c1, c2 = s.ask(), s.ask()
    assert (c1.trial_id, c2.trial_id) == (1, 2)
    assert s.ask() is None  # two running on two workers: trial 3 waits for trial 1
    s.tell(result_of(c2, 0.8))
    assert s.ask() is None  # results are told in trial order: trial 2's waits for trial 1's
    s.tell(result_of(c1, 0.7))
    c3 = s.ask()
    assert c3 is not None and c3.trial_id == 3


def test_not_deterministic_mode_asks_without_waiting():
    s = make_searcher(["dummy", "linear", "lightgbm"])
    s.ask_baseline()
    asked = [s.ask() for _ in range(5)]
    assert [c.trial_id for c in asked] == [1, 2, 3, 4, 5]


def test_restore_continues_without_repeating_trial_ids_or_configurations():
    a = make_searcher()
    done = drive(a, 6)
    results = [result_of(c, fake_score(c)) for c in done]
    b = make_searcher()
    b.restore(results)
    assert b.ask_baseline() is None  # the dummy ran already
    nxt_a, nxt_b = a.ask(), b.ask()
    assert (nxt_b.trial_id, nxt_b.learner, nxt_b.params) == (nxt_a.trial_id, nxt_a.learner, nxt_a.params)
    assert nxt_b.trial_id == 6
    b.tell(result_of(nxt_b, fake_score(nxt_b)))
    later = drive(b, len(EXPECTED_ORDER) + 5 - 7)
    ids = [c.trial_id for c in [nxt_b, *later]]
    assert ids == list(range(6, 6 + len(ids)))
    tried = [(c.learner, c.params) for c in done]
    assert not [c for c in [nxt_b, *later] if (c.learner, c.params) in tried]
    assert {c.phase for c in later[-5:]} == {"search"}


def test_restore_of_results_with_gaps_continues_after_the_highest_id():
    s = make_searcher(["dummy", "linear", "lightgbm"], deterministic=True)
    lgb = LEARNERS["lightgbm"].defaults[0]
    s.restore([
        TrialResult(0, "dummy", {}, "ok", "baseline", score=0.5),
        TrialResult(7, "lightgbm", dict(lgb), "failed", "portfolio", error="MemoryError"),
    ])
    cfg = s.ask()
    assert cfg.trial_id == 8
    assert (cfg.learner, cfg.params) == ("linear", LEARNERS["linear"].defaults[0])
    s.tell(result_of(cfg, 0.7))  # deterministic: trial 9 waits for trial 8's result
    assert ("lightgbm", lgb) not in [(c.learner, c.params) for c in drive(s, 5)]


def test_has_more():
    only_dummy = make_searcher(["dummy"])
    assert only_dummy.has_more()
    assert only_dummy.ask_baseline().learner == "dummy"
    assert not only_dummy.has_more()
    assert only_dummy.ask() is None

    s = make_searcher(["dummy", "linear"])
    drive(s, 6)  # the queue is empty; the linear model can still be searched
    assert s.has_more()
    s.skip_learner("linear")
    assert not s.has_more()
    assert s.ask() is None


def test_skip_learner():
    s = make_searcher(["dummy", "linear", "lightgbm", "hist_gb"])
    s.skip_learner("lightgbm")
    asked = drive(s, 20)
    assert "lightgbm" not in {c.learner for c in asked}
    assert {c.learner for c in asked} == {"dummy", "linear", "hist_gb"}

    skip_baseline = make_searcher(["dummy", "linear"])
    skip_baseline.skip_learner("dummy")
    assert skip_baseline.ask_baseline() is None


# ---- 2. ensemble selection ---------------------------------------------------------------------


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _proba(p1):
    return np.column_stack([1 - p1, p1])


@pytest.fixture(scope="module")
def cancer_y():
    return load_breast_cancer().target  # 569 rows, 0/1


def test_ensemble_weights_go_to_the_clearly_best_model(cancer_y):
    y, rng = cancer_y, np.random.default_rng(0)
    good = _proba(_sigmoid(3 * (2 * y - 1) + rng.normal(0, 1, len(y))))
    noise = _proba(rng.uniform(0.05, 0.95, len(y)))
    prior = _proba(np.full(len(y), y.mean()))
    metric = get_metric("log_loss")
    sel = select([(10, good), (11, noise), (12, prior)], y, metric, 2, np.ones(len(y), bool))
    assert max(sel.weights, key=sel.weights.get) == 10
    assert sel.weights[10] >= 0.8
    assert sum(sel.weights.values()) == pytest.approx(1.0)
    assert sel.best_single_score == pytest.approx(metric.score(y, good, 2))
    assert metric.loss(sel.score) <= metric.loss(sel.best_single_score)
    assert sel.members[0] == 10  # the heaviest member first


@pytest.mark.parametrize("metric_name", ["log_loss", "roc_auc"])
def test_ensemble_of_independent_errors_beats_each_model(cancer_y, metric_name):
    y, rng = cancer_y, np.random.default_rng(1)
    signal = 2 * (2 * y - 1)
    a = _proba(_sigmoid(signal + rng.normal(0, 2.5, len(y))))
    b = _proba(_sigmoid(signal + rng.normal(0, 2.5, len(y))))
    metric = get_metric(metric_name)
    sel = select([(1, a), (2, b)], y, metric, 2, np.ones(len(y), bool))
    singles = [metric.score(y, p, 2) for p in (a, b)]
    assert sel.best_single_score == pytest.approx(min(singles, key=metric.loss))
    assert metric.loss(sel.score) < metric.loss(sel.best_single_score) - 0.01
    assert set(sel.weights) == {1, 2} and all(0.25 <= w <= 0.75 for w in sel.weights.values())
    assert sum(sel.weights.values()) == pytest.approx(1.0)
    np.testing.assert_allclose(sel.oof, sel.weights[1] * a + sel.weights[2] * b)
    assert sel.score == pytest.approx(metric.score(y, sel.oof, 2))


def test_ensemble_regression_blend_lowers_rmse():
    y = load_diabetes().target
    rng = np.random.default_rng(2)
    a, b = y + rng.normal(0, 40, len(y)), y + rng.normal(0, 40, len(y))
    worse = y + rng.normal(0, 80, len(y))
    metric = get_metric("rmse")
    sel = select([(5, a), (6, b), (7, worse)], y, metric, 0, np.ones(len(y), bool))
    assert sel.score < 0.85 * sel.best_single_score  # lower is better: about 1/sqrt(2) of a single model
    assert sel.weights.get(7, 0) <= 0.2
    assert sum(sel.weights.values()) == pytest.approx(1.0)


def test_ensemble_selection_scores_the_masked_rows_only(cancer_y):
    y = cancer_y
    n = len(y)
    first = np.arange(n) < n // 2
    truth = _proba(np.where(y == 1, 0.9, 0.1))
    wrong = _proba(np.where(y == 1, 0.1, 0.9))
    a = np.where(first[:, None], truth, wrong)  # right on the first half, wrong on the second
    b = np.where(first[:, None], wrong, truth)
    metric = get_metric("log_loss")
    on_first = select([(1, a), (2, b)], y, metric, 2, first)
    on_second = select([(1, a), (2, b)], y, metric, 2, ~first)
    assert on_first.weights == {1: 1.0}
    assert on_second.weights == {2: 1.0}
    assert on_first.score == pytest.approx(metric.score(y[first], truth[first], 2))
    # holdout validation: rows outside the mask have no out-of-fold prediction (NaN)
    a_nan = np.where(first[:, None], a, np.nan)
    b_nan = np.where(first[:, None], b, np.nan)
    sel = select([(1, a_nan), (2, b_nan)], y, metric, 2, first)
    assert sel.weights == {1: 1.0} and math.isfinite(sel.score)
    assert sel.score == pytest.approx(on_first.score)


def test_build_voting_classifier_averages_the_members_probabilities():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    iris = load_iris()
    X, y = iris.data, iris.target_names[iris.target]  # the user's labels: strings
    lr = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X, y)
    tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)
    ens = build_voting([("1", lr), ("2", tree)], [0.75, 0.25], "multiclass", np.unique(y))
    expected = 0.75 * lr.predict_proba(X) + 0.25 * tree.predict_proba(X)
    np.testing.assert_allclose(ens.predict_proba(X), expected)
    assert list(ens.classes_) == ["setosa", "versicolor", "virginica"]
    np.testing.assert_array_equal(ens.predict(X), ens.classes_[expected.argmax(axis=1)])
    assert (ens.predict(X) == y).mean() > 0.9


def test_build_voting_regressor_weights_the_members_predictions():
    from sklearn.linear_model import LinearRegression
    from sklearn.tree import DecisionTreeRegressor

    X, y = load_diabetes(return_X_y=True)
    lin = LinearRegression().fit(X, y)
    tree = DecisionTreeRegressor(max_depth=3, random_state=0).fit(X, y)
    ens = build_voting([("3", lin), ("4", tree)], [0.6, 0.4], "regression", None)
    np.testing.assert_allclose(ens.predict(X), 0.6 * lin.predict(X) + 0.4 * tree.predict(X))


# ---- 3. the store ------------------------------------------------------------------------------


def _same_result(got: TrialResult, want: TrialResult) -> None:
    g, w = got.summary(), want.summary()
    assert g.keys() == w.keys()
    for k in w:
        if isinstance(w[k], float) and math.isnan(w[k]):
            assert math.isnan(g[k]), k
        else:
            assert g[k] == w[k], k
    if want.oof is None:
        assert got.oof is None
    else:
        np.testing.assert_array_equal(got.oof, want.oof)
        assert got.oof.dtype == want.oof.dtype


@pytest.fixture
def results():
    y = load_iris().target
    oof = np.random.default_rng(0).dirichlet(np.ones(3), len(y)).astype(np.float32)
    oof[:5] = np.nan  # rows outside every fold
    ok = TrialResult(
        3, "lightgbm", {"learning_rate": 0.1, "num_leaves": 31, "extra_trees": False}, "ok", "portfolio",
        score=-0.21, score_std=0.02, fold_scores=[-0.2, -0.22], metrics={"log_loss": 0.21, "accuracy": 0.95},
        fit_seconds=1.5, predict_seconds=0.1, duration=1.7, started_at=1700000000.5,
        refit_params={"learning_rate": 0.1, "num_leaves": 31, "extra_trees": False, "n_estimators": 57}, oof=oof,
    )
    failed = TrialResult(4, "knn", {"n_neighbors": 15, "weights": "distance"}, "failed", "search",
                         duration=0.3, started_at=1700000002.0, error="ValueError: Expected n_neighbors <= n_samples")
    return ok, failed


def test_store_round_trips_trials_with_their_predictions(tmp_path, results):
    ok, failed = results
    store = Store(tmp_path / "exp")
    store.add_trial(failed)
    store.add_trial(ok)
    back = store.trials(with_oof=True)
    assert [r.trial_id for r in back] == [3, 4]  # in trial order
    _same_result(back[0], ok)
    _same_result(back[1], failed)
    assert back[0].ok and not back[1].ok
    assert all(r.oof is None for r in store.trials())  # without with_oof: no arrays read
    store.close()


def test_store_settings_round_trip_and_overwrite(tmp_path):
    store = Store(tmp_path / "exp")
    config = an.AutoML(metric="log_loss", max_trials=7, seed=3, allowed_learners=["linear", "knn"]).config()
    store.put("config", config.to_dict())
    store.put("status", "running")
    store.put("status", "finished")
    store.put("members", {"3": 0.75, "4": 0.25})
    assert store.get("status") == "finished"
    assert store.get("members") == {"3": 0.75, "4": 0.25}
    assert store.get("missing") is None and store.get("missing", "default") == "default"
    assert ExperimentConfig.from_dict(store.get("config")) == config
    store.put("n", np.int64(5))  # numpy scalars are stored as plain numbers
    store.put("x", np.float32(0.5))
    assert store.get("n") == 5 and store.get("x") == 0.5
    store.close()


def test_store_reopened_reads_what_was_written(tmp_path, results):
    ok, failed = results
    folder = tmp_path / "exp"
    assert not Store.exists(folder)
    store = Store(folder)
    assert Store.exists(folder)
    store.put("status", "finished")
    store.add_trial(ok)
    store.add_trial(failed)
    store.close()
    again = Store(folder)
    assert again.get("status") == "finished"
    back = again.trials(with_oof=True)
    _same_result(back[0], ok)
    _same_result(back[1], failed)
    # a trial written again replaces the earlier row (a resumed run re-records it)
    again.add_trial(TrialResult(4, "knn", failed.params, "ok", "search", score=-0.3, fold_scores=[-0.3]))
    assert [(r.trial_id, r.status, r.score) for r in again.trials()] == [(3, "ok", -0.21), (4, "ok", -0.3)]
    again.close()


# ---- 4. events ---------------------------------------------------------------------------------


def test_subscribers_get_every_event_in_order():
    bus = EventBus()
    got: list[tuple[str, object]] = []
    bus.subscribe(lambda e: got.append(("a", e)))
    bus.subscribe(lambda e: got.append(("b", e)))
    events = [PhaseChanged("profiling"), TrialStarted(0, "dummy", {}), RunFinished("finished", 0.9, 1.0, 1)]
    for e in events:
        bus.emit(e)
    assert got == [(who, e) for e in events for who in ("a", "b")]
    assert bus.history == events


def test_a_subscriber_that_raises_stops_no_other_and_is_logged(caplog):
    bus = EventBus()
    got = []
    calls = []

    def broken(e):
        calls.append(e)
        raise RuntimeError("widget gone")

    bus.subscribe(broken)
    bus.subscribe(got.append)
    events = [PhaseChanged("searching"), PhaseChanged("done")]
    with caplog.at_level(logging.ERROR, logger="automl_nb"):
        for e in events:
            bus.emit(e)  # never raises
    assert got == events
    assert calls == events  # the broken subscriber stays subscribed
    failures = [r for r in caplog.records if "subscriber" in r.getMessage()]
    assert failures and "PhaseChanged" in failures[0].getMessage()
    assert failures[0].exc_info and "widget gone" in str(failures[0].exc_info[1])


def test_unsubscribe_stops_delivery_and_late_subscribers_get_no_replay():
    bus = EventBus()
    early, late = [], []
    unsubscribe = bus.subscribe(early.append)
    first = PhaseChanged("profiling")
    bus.emit(first)
    bus.subscribe(late.append)
    unsubscribe()
    unsubscribe()  # twice: harmless
    second = PhaseChanged("searching")
    bus.emit(second)
    assert early == [first]
    assert late == [second]
    assert bus.history == [first, second]


# ---- 5. configuration --------------------------------------------------------------------------

#: (AutoML arguments, the setting the error is about)
BAD_SETTINGS = [
    ({"time_budget": 0}, "time_budget"),
    ({"time_budget": float("inf")}, "time_budget"),
    ({"max_trials": 0}, "max_trials"),
    ({"seed": "x"}, "seed"),
    ({"validation": "x"}, "validation"),
    ({"n_folds": 1}, "n_folds"),
    ({"allowed_learners": ["nope"]}, "allowed_learners"),
    ({"allowed_learners": "lightgbm"}, "allowed_learners"),
    ({"blocked_learners": ["nope"]}, "blocked_learners"),
    ({"n_jobs": 0}, "n_jobs"),
    ({"metric": "nope"}, "metric"),
    ({"task": "regression", "metric": "roc_auc"}, "metric"),
    ({"task": "nope"}, "task"),
    ({"task": "binary", "horizon": 3}, "horizon"),
    ({"task": "regression", "time_column": "date"}, "time_column"),
    ({"series_id": "store"}, "series_id"),
    ({"task": "forecast", "horizon": 3}, "time_column"),
    ({"horizon": 3}, "time_column"),  # a horizon implies task="forecast"
    ({"task": "forecast", "time_column": "date"}, "horizon"),
    ({"time_column": "date", "horizon": 0}, "horizon"),
    ({"time_column": "date", "horizon": 3, "interval_level": 2}, "interval_level"),
    ({"time_column": "date", "horizon": 3, "frequency": "bogus"}, "frequency"),
    ({"time_column": "date", "horizon": 3, "season_length": 0}, "season_length"),
    ({"time_column": "date", "horizon": 3, "lags": [0, 1]}, "lags"),
]


@pytest.mark.parametrize(("kwargs", "field"), BAD_SETTINGS, ids=[f"{f}:{k}" for k, f in BAD_SETTINGS])
def test_bad_setting_raises_config_error_naming_it(kwargs, field):
    with pytest.raises(ConfigError) as exc:
        an.AutoML(**kwargs).config()
    assert field in str(exc.value)
    assert isinstance(exc.value, ValueError)  # callers that catch ValueError keep working


@pytest.mark.parametrize(("kwargs", "field"), BAD_SETTINGS, ids=[f"{f}:{k}" for k, f in BAD_SETTINGS])
def test_config_error_field_names_the_setting(kwargs, field):
    with pytest.raises(ConfigError) as exc:
        an.AutoML(**kwargs).config()
    assert exc.value.field == field


def test_config_error_messages_state_the_value_and_the_choices():
    with pytest.raises(ConfigError, match=r"metric='nope'.*valid metrics: auto, roc_auc"):
        an.AutoML(metric="nope").config()
    with pytest.raises(ConfigError, match=r"metric='roc_auc' does not apply to task='regression'; valid: rmse"):
        an.AutoML(task="regression", metric="roc_auc").config()
    with pytest.raises(ConfigError, match=r"\['nope'\]; valid learners: dummy, linear"):
        an.AutoML(allowed_learners=["nope"]).config()
    with pytest.raises(ConfigError, match="not the string 'lightgbm'"):
        an.AutoML(allowed_learners="lightgbm").config()
    with pytest.raises(ConfigError, match="leaves no learner"):
        an.AutoML(allowed_learners=["linear"], blocked_learners=["linear"]).config()
    with pytest.raises(ConfigError, match="set task='forecast'"):
        an.AutoML(task="binary", horizon=3).config()


def test_good_settings_validate():
    config = an.AutoML().config()
    assert (config.task, config.metric, config.time_budget, config.max_trials) == ("auto", "auto", 60, None)
    tab = an.AutoML(task="multiclass", metric="log_loss", max_trials=5, seed=np.int64(2), n_folds=3,
                    allowed_learners=["linear", "knn"], n_jobs=2).config()
    assert tab.allowed_learners == ("linear", "knn") and tab.seed == 2 and tab.n_folds == 3
    fc = an.AutoML(time_column="date", horizon=7, series_id="store", frequency="D", lags=[1, 7]).config()
    # time_column and horizon imply the task; its settings are grouped
    assert fc.task == "forecast" and fc.forecast.horizon == 7 and fc.forecast.lags == (1, 7)


def test_country_holidays_are_checked_with_the_forecast_extra_or_name_it():
    from automl_nb.extras import MissingExtraError, installed

    settings = dict(time_column="date", horizon=7, country_holidays=("US", "CA"))
    if installed("holidays"):
        assert an.AutoML(**settings).config().forecast.country_holidays == "US-CA"
    else:
        with pytest.raises(MissingExtraError, match=r"automl_nb\[forecast\]"):
            an.AutoML(**settings).config()


def test_automl_keyword_arguments_are_the_settings_plus_the_fit_data():
    """AutoML's explicit keyword arguments (scikit-learn's get_params needs them) and the
    settings of ExperimentConfig are the same names: nothing hand-copied drifts apart."""
    import inspect

    from automl_nb.automl import FACADE_ONLY
    from automl_nb.config import ExperimentConfig

    params = [p for p in inspect.signature(an.AutoML.__init__).parameters if p != "self"]
    assert sorted(params) == sorted([*ExperimentConfig.flat_names(), *FACADE_ONLY])
    assert set(ExperimentConfig.browser_names()) | set(ExperimentConfig.python_names()) == set(
        ExperimentConfig.flat_names())
