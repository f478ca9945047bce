"""aml.log_mlflow: a finished run in a real MLflow store (sqlite under tmp: MLflow 3 refuses
file stores unless MLFLOW_ALLOW_FILE_STORE is set), read back with MLflow's own client."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest

import automl_nb as an

mlflow = pytest.importorskip("mlflow")
from mlflow import MlflowClient  # noqa: E402


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A new sqlite tracking store; artifacts land under tmp_path (MLflow puts them beside
    the working directory)."""
    monkeypatch.chdir(tmp_path)
    before = mlflow.get_tracking_uri()
    yield f"sqlite:///{tmp_path / 'mlflow.db'}"
    assert mlflow.get_tracking_uri() == before  # the call's URI was for the call only


@pytest.fixture(scope="module")
def credit_fit(credit_lgbm_linear_run, credit, tmp_path_factory):
    """A loaded copy of tests/conftest.py's shared run (5 trials of LightGBM and linear on
    credit_data): log_mlflow's report explains the model, which adds a guardrail to the AutoML."""
    copy = credit_lgbm_linear_run.save(tmp_path_factory.mktemp("credit") / "exp")
    return an.load(copy, show=False), credit.drop(columns="Status").iloc[:200]


def _artifacts(client, run_id):
    return {a.path for a in client.list_artifacts(run_id)}


def test_binary_run_round_trips_through_mlflow(credit_fit, store):
    aml, X = credit_fit
    run_id = aml.log_mlflow(experiment="credit", tracking_uri=store)
    client = MlflowClient(store)
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert client.get_experiment(run.info.experiment_id).name == "credit"
    params = run.data.params
    assert params["automl_nb.max_trials"] == "5" and params["automl_nb.resolved.metric"] == "roc_auc"
    assert params["automl_nb.allowed_learners"] == "['lightgbm', 'linear']"
    board = aml.leaderboard()
    trials = board[board["trial_id"].notna()]  # the ensemble's row aside
    ok = trials[trials["status"] == "ok"]
    assert run.data.metrics["best_trial_roc_auc"] == pytest.approx(ok["roc_auc"].max())
    history = client.get_metric_history(run_id, "trial_roc_auc")
    assert sorted(m.step for m in history) == sorted(ok["trial_id"].astype(int))
    assert run.data.metrics["n_trials"] == len(trials)
    if aml.experiment_.outcome.members and len(aml.ensemble_) > 1:
        assert run.data.metrics["ensemble_roc_auc"] == pytest.approx(board["roc_auc"].iloc[0])
    assert {"leaderboard.csv", "guardrails.json", "report.html"} <= _artifacts(client, run_id)
    logged = pd.read_csv(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="leaderboard.csv",
                                                             tracking_uri=store))
    assert logged["learner"].tolist() == board["learner"].tolist()
    # the model: pyfunc predicts the labels, the sklearn flavor the probabilities, as aml does
    model_uri = run.data.tags["automl_nb.model_uri"]
    with mlflow_uri(store):
        pyfunc = mlflow.pyfunc.load_model(model_uri)
        assert pyfunc.metadata.signature is not None
        np.testing.assert_array_equal(np.asarray(pyfunc.predict(X)), aml.predict(X))
        sk = mlflow.sklearn.load_model(model_uri)
        np.testing.assert_allclose(sk.predict_proba(X), aml.predict_proba(X))
    # the logged model loads where automl_nb cannot be imported (our transformers by value)
    X.to_pickle("X.pkl")
    code = textwrap.dedent(f"""
        import sys
        sys.modules["automl_nb"] = None
        import mlflow, pandas as pd
        mlflow.set_tracking_uri({store!r})
        model = mlflow.sklearn.load_model({model_uri!r})
        print(model.predict_proba(pd.read_pickle("X.pkl"))[:, 1].round(10).tolist())
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    np.testing.assert_allclose(eval(out.stdout.strip().splitlines()[-1]), aml.predict_proba(X)[:, 1].round(10))


def test_regression_run_round_trips_through_mlflow(carseats, tmp_path, store):
    aml = an.AutoML(time_budget=120, max_trials=4, allowed_learners=["lightgbm", "linear"], seed=0, show=False,
                    folder=tmp_path / "exp").fit(carseats, "Sales")
    run_id = aml.log_mlflow(tracking_uri=store)
    client = MlflowClient(store)
    run = client.get_run(run_id)
    assert run.data.params["automl_nb.resolved.task"] == "regression"
    assert "best_trial_rmse" in run.data.metrics
    X = carseats.drop(columns="Sales")
    with mlflow_uri(store):
        predicted = mlflow.pyfunc.load_model(run.data.tags["automl_nb.model_uri"]).predict(X)
    np.testing.assert_allclose(np.asarray(predicted), aml.predict(X))


def test_forecast_run_logs_a_pyfunc_model_that_forecasts_as_aml_does(air_forecast_run, store):
    aml = air_forecast_run  # tests/conftest.py: AirPassengers, horizon 12
    run_id = aml.log_mlflow(experiment="air", tracking_uri=store)
    client = MlflowClient(store)
    run = client.get_run(run_id)
    assert "best_trial_mase" in run.data.metrics
    assert {"leaderboard.csv", "guardrails.json"} <= _artifacts(client, run_id)
    future = pd.DataFrame({"month": pd.date_range("1961-01-01", periods=12, freq="MS")})
    with mlflow_uri(store):
        model = mlflow.pyfunc.load_model(run.data.tags["automl_nb.model_uri"])
        got = model.predict(future)
    expected = aml.predict()
    np.testing.assert_allclose(got["forecast"].to_numpy(), expected["forecast"].to_numpy())
    assert (pd.to_datetime(got["month"]) == expected["month"]).all()


def test_an_active_run_is_logged_into_and_left_open(credit_fit, store):
    aml, _ = credit_fit
    with mlflow_uri(store):
        with mlflow.start_run() as active:
            mlflow.log_param("user_param", "kept")
            run_id = aml.log_mlflow()
            assert run_id == active.info.run_id
            assert mlflow.active_run().info.run_id == run_id  # still the user's, still open
        run = MlflowClient(store).get_run(run_id)
    assert run.data.params["user_param"] == "kept" and "automl_nb.seed" in run.data.params
    assert "best_trial_roc_auc" in run.data.metrics


def test_an_unreachable_tracking_server_fails_within_seconds_naming_it(credit_fit, tmp_path, monkeypatch):
    aml, _ = credit_fit
    monkeypatch.chdir(tmp_path)
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    uri = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    with pytest.raises(ConnectionError, match=f"tracking_uri='{uri}'"):
        aml.log_mlflow(tracking_uri=uri)
    assert time.monotonic() - started < 15


def test_without_mlflow_the_extra_is_named(credit_fit, monkeypatch):
    aml, _ = credit_fit
    monkeypatch.setitem(sys.modules, "mlflow", None)
    with pytest.raises(ImportError, match=r"automl_nb\[mlflow\]"):
        aml.log_mlflow()


class mlflow_uri:
    """MLflow's tracking URI set for a block (the test reads the store it logged to)."""

    def __init__(self, uri: str) -> None:
        self.uri = uri

    def __enter__(self):
        from mlflow.tracking._tracking_service import utils

        self.before = utils._tracking_uri
        mlflow.set_tracking_uri(self.uri)

    def __exit__(self, *exc):
        import os

        mlflow.set_tracking_uri(self.before)
        if self.before is None:
            os.environ.pop("MLFLOW_TRACKING_URI", None)
