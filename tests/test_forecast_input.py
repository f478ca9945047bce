"""Bad forecasting input: a clear error naming the argument or column before any work
starts (nothing written), or a stated fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import automl_nb as an
from automl_nb.config import ConfigError
from automl_nb.data.prepare import DataError
from automl_nb.forecast.prepare import prepare_series


def _aml(folder, **kw):
    args = dict(task="forecast", time_column="month", horizon=6, time_budget=30, show=False, folder=folder)
    return an.AutoML(**{**args, **kw})


@pytest.mark.parametrize("kw, match", [
    (dict(horizon=0), "horizon must be a positive integer"),
    (dict(horizon=2.5), "horizon must be a positive integer"),
    (dict(time_column=None), "time_column is required"),
    (dict(frequency="fortnightly"), "frequency='fortnightly' is not a pandas frequency"),
    (dict(season_length=0), "season_length"),
    (dict(country_holidays="XX"), "country_holidays"),
    (dict(country_holidays=("GB", "NOPE")), "subdivision"),
    (dict(metric="roc_auc"), "metric='roc_auc' does not apply"),
    (dict(validation="holdout"), "rolling origins"),
    (dict(lags=[0, 1]), "lags"),
])
def test_bad_settings_are_refused_before_any_work(air_passengers, tmp_path, kw, match):
    folder = tmp_path / "exp"
    with pytest.raises(ConfigError, match=match):
        _aml(folder, **kw).fit(air_passengers, "passengers")
    assert not folder.exists()


def test_forecast_settings_without_forecast_task_are_refused(air_passengers, tmp_path):
    with pytest.raises(ConfigError, match="applies to forecasting only"):
        an.AutoML(task="regression", horizon=3, show=False).fit(air_passengers, "passengers")


@pytest.mark.parametrize("mutate, match", [
    (lambda d: d.rename(columns={"month": "when"}), "time_column='month' is not a column"),
    (lambda d: d.assign(month=["not a date"] * len(d)), "time_column 'month' cannot be parsed"),
    (lambda d: d.assign(month=d["month"].astype(str).where(d.index != 5, "31/02/1949x")), "1 value"),
    (lambda d: d.assign(month=np.arange(len(d)) + 0.5), "time_column 'month' is numeric"),
    (lambda d: d.assign(passengers=d["passengers"].astype(str) + "k"), "must be numeric"),
    (lambda d: pd.concat([d, d.iloc[[3]]]), "duplicate timestamps"),
    (lambda d: d.iloc[:10], "too short"),
    (lambda d: d.assign(passengers=np.nan), "missing in every row"),
])
def test_bad_series_are_refused_naming_the_column(air_passengers, tmp_path, mutate, match):
    folder = tmp_path / "exp"
    with pytest.raises(DataError, match=match):
        _aml(folder).fit(mutate(air_passengers), "passengers")
    assert not folder.exists()


def test_missing_series_id_column_is_named(visnights, tmp_path):
    with pytest.raises(DataError, match="series_id='store' is not a column"):
        an.AutoML(task="forecast", time_column="quarter", series_id="store", horizon=4,
                  show=False, folder=tmp_path / "e").fit(visnights, "nights")


def test_unsorted_rows_gaps_and_missing_values_are_fixed_and_said(air_passengers):
    cfg = _aml(None).config()
    df = air_passengers.sample(frac=1.0, random_state=0)  # shuffled
    df = df.drop(index=[40, 41])  # two missing months
    df.loc[60, "passengers"] = np.nan  # one missing value
    p = prepare_series(df, "passengers", cfg)
    assert p.info.sorted_fix and p.info.gaps_filled == {"": 2} and p.info.missing_target_filled == {"": 1}
    y = p.panel.values[0]
    assert len(y) == 144 and np.isfinite(y).all()
    orig = air_passengers["passengers"].to_numpy()
    assert y[40] == pytest.approx(orig[39] + (orig[42] - orig[39]) / 3)  # linear interpolation
    from automl_nb.forecast.guardrails import check_series

    checks = {g.check: g for g in check_series(p.panel, p.info, 6)}
    assert checks["sorted_timestamps"].status == "fixed"
    assert checks["gaps"].status == "fixed" and "2 missing timestamp" in checks["gaps"].message
    assert checks["missing_target"].status == "fixed"


def test_frequency_that_cannot_be_inferred_asks_for_it(tmp_path):
    t = pd.to_datetime(["2020-01-01", "2020-02-13", "2020-05-02", "2020-09-30", "2021-01-07"] * 1)
    df = pd.DataFrame({"month": t, "y": np.arange(5.0)})
    with pytest.raises(DataError, match="frequency"):
        prepare_series(df, "y", _aml(None, horizon=1).config())


def test_timestamps_off_the_grid_are_named(air_passengers):
    df = air_passengers.copy()
    df.loc[10, "month"] = pd.Timestamp("1949-11-15")
    with pytest.raises(DataError, match="not on the 'MS' grid"):
        prepare_series(df, "passengers", _aml(None, frequency="MS").config())


def test_too_many_windows_for_the_data(air_passengers):
    with pytest.raises(DataError, match="n_windows=30 does not fit"):
        prepare_series(air_passengers, "passengers", _aml(None, n_windows=30).config())
