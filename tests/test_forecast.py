"""Forecasting end to end, on real series that ship offline, with real forecasters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import automl_nb as an
from automl_nb.data.prepare import DataError
from automl_nb.forecast.backtest import mase_scale

pytestmark = pytest.mark.slow

H = 18


def _mase(actual, forecast, history, m):
    return float(np.mean(np.abs(np.asarray(actual) - np.asarray(forecast))) / mase_scale(history, m))


@pytest.fixture(scope="module")
def air_fit(air_passengers, tmp_path_factory):
    train = air_passengers.iloc[:-H]
    aml = an.AutoML(task="forecast", time_column="month", horizon=H, time_budget=120, max_trials=8,
                    seed=0, show=False, folder=tmp_path_factory.mktemp("air") / "exp")
    return aml.fit(train, "passengers"), train, air_passengers.iloc[-H:]


def test_single_series_forecast_beats_seasonal_naive_on_held_out_months(air_fit):
    aml, train, test = air_fit
    fc = aml.predict()
    assert list(fc.columns) == ["month", "forecast", "lower", "upper"]
    assert len(fc) == H
    # the horizon continues the monthly grid right after the data
    assert fc["month"].iloc[0] == pd.Timestamp("1959-07-01")
    assert (fc["month"].diff().dropna().dt.days.between(28, 31)).all()
    assert (fc["lower"] <= fc["forecast"]).all() and (fc["forecast"] <= fc["upper"]).all()
    y = train["passengers"].to_numpy()
    ours = _mase(test["passengers"], fc["forecast"], y, 12)
    naive = _mase(test["passengers"], np.resize(y[-12:], H), y, 12)
    assert ours < 0.6 * naive, (ours, naive)
    # score is greater-is-better, as scikit-learn's: the negated MASE
    assert aml.score(test, "passengers") == pytest.approx(-ours, rel=1e-6)
    # an 80 % interval holds most of the held-out months
    inside = ((test["passengers"].to_numpy() >= fc["lower"]) & (test["passengers"].to_numpy() <= fc["upper"])).mean()
    assert inside >= 0.5


def test_leaderboard_scores_every_backtest_window_and_baseline_is_first(air_fit):
    aml, _, _ = air_fit
    lb = aml.leaderboard()
    assert aml.metric_ == "mase" and aml.task_ == "forecast"
    assert {"window_1", "window_2", "window_3", "smape", "rmse", "mae"} <= set(lb.columns)
    ok = lb[lb["status"].eq("ok") & lb["trial_id"].notna()]
    assert np.allclose(ok[["window_1", "window_2", "window_3"]].mean(axis=1), ok["mase"])
    assert lb.loc[lb["trial_id"] == 0, "learner"].item() == "seasonal_naive"
    assert ok["mase"].min() < lb.loc[lb["trial_id"] == 0, "mase"].item()
    assert "rolling-origin" in aml.validation_


def test_guardrails_profile_and_features_describe_the_series(air_fit):
    aml, _, _ = air_fit
    g = aml.guardrails().set_index("check")
    assert "'MS'" in g.loc["frequency", "message"] and "season length 12" in g.loc["frequency", "message"]
    assert g.loc["gaps", "status"] == "passed"
    prof = aml.profile()
    assert prof["length"].tolist() == [126]
    feats = aml.featurization_summary()
    assert {"lag_1", "lag_12", "month"} <= set(feats["feature"])


def test_forecast_plot_and_reload_from_folder(air_fit, tmp_path):
    aml, _, _ = air_fit
    fig = aml.forecast_plot()
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "forecast" in labels and any(lab.startswith("backtest window 1") for lab in labels)
    fig.savefig(tmp_path / "plot.png")
    again = an.load(aml.folder_, show=False)
    pd.testing.assert_frame_equal(again.predict(), aml.predict())
    assert again.leaderboard()["mase"].iloc[0] == pytest.approx(aml.leaderboard()["mase"].iloc[0])


def test_many_series_with_a_global_model(visnights, folder):
    train = visnights[visnights["quarter"] < "2015-01-01"]
    test = visnights[visnights["quarter"] >= "2015-01-01"]
    aml = an.AutoML(task="forecast", time_column="quarter", series_id="region", horizon=8,
                    time_budget=120, max_trials=6, show=False, folder=folder)
    aml.fit(train, "nights")
    fc = aml.predict()
    assert len(fc) == 20 * 8 and set(fc["region"]) == set(visnights["region"])
    assert fc.groupby("region")["quarter"].min().eq(pd.Timestamp("2015-01-01")).all()
    g = aml.guardrails().set_index("check")
    assert "20 series" in g.loc["series", "message"]
    # on the backtest the final model beats repeating last year's quarters ...
    lb = aml.leaderboard()
    naive_score = lb.loc[lb["learner"] == "seasonal_naive", "mase"].item()
    assert lb["mase"].iloc[0] < naive_score
    # ... and on the 20 held-out regions it is about as good (every method is near seasonal
    # naive on this panel: statsmodels ETS 1.03, AutoARIMA 1.12 of it; benchmarks/FORECAST_RESULTS.md)
    merged = fc.merge(test, on=["region", "quarter"])
    ratios = []
    for region, part in merged.groupby("region"):
        hist = train.loc[train["region"] == region, "nights"].to_numpy()
        naive = np.resize(hist[-4:], 8)
        ratios.append(_mase(part["nights"], part["forecast"], hist, 4) / _mase(part["nights"], naive, hist, 4))
    assert np.exp(np.mean(np.log(ratios))) < 1.08


def test_exogenous_columns_and_holidays(elecdaily, folder):
    train, future = elecdaily.iloc[:-14], elecdaily.iloc[-14:]
    aml = an.AutoML(task="forecast", time_column="date", horizon=14, country_holidays="AU-VIC",
                    time_budget=120, max_trials=5, show=False, folder=folder)
    aml.fit(train, "Demand")
    feats = set(aml.featurization_summary()["feature"])
    assert {"holiday", "WorkDay", "Temperature", "day_of_week"} <= feats
    g = aml.guardrails().set_index("check")
    assert g.loc["exogenous_columns", "status"] == "alerted" and "Temperature" in g.loc["exogenous_columns", "message"]
    with pytest.raises(DataError, match="WorkDay"):
        aml.predict()
    with pytest.raises(DataError, match="Temperature"):
        aml.predict(future.drop(columns=["Temperature", "Demand"]))
    with pytest.raises(DataError, match="2014-12-31"):
        aml.predict(future.iloc[:-1])
    fc = aml.predict(future.drop(columns="Demand"))
    assert len(fc) == 14 and fc["date"].iloc[0] == pd.Timestamp("2014-12-18")
    assert aml.score(future, "Demand") > -2.0  # MASE below 2 (score negates the loss)


def test_integer_years_from_statsmodels(folder):
    import statsmodels.api as sm

    nile = sm.datasets.nile.load_pandas().data.astype({"year": int})
    aml = an.AutoML(task="forecast", time_column="year", horizon=10, time_budget=60, max_trials=4,
                    show=False, folder=folder)
    aml.fit(nile.iloc[:-10], "volume")
    fc = aml.predict()
    assert fc["year"].dt.year.tolist() == list(range(1961, 1971))
    g = aml.guardrails().set_index("check")
    assert "'YS-JAN'" in g.loc["frequency", "message"] or "'YS'" in g.loc["frequency", "message"]


def test_reloaded_experiment_resumes_and_shows_its_forecast(air_fit, tmp_path):
    aml, _, _ = air_fit
    copy = aml.save(tmp_path / "saved")
    again = an.load(copy, show=False)
    studio = again.studio()
    assert studio.wait(10)
    assert studio.forecast["series_id"] == "" and len(studio.forecast["forecast"]["mean"]) == H
    n_before = len(again.leaderboard())
    again.set_params(max_trials=3).resume(time_budget=60)
    lb = again.leaderboard()
    assert len(lb) > n_before and set(lb["trial_id"].dropna()) >= set(aml.leaderboard()["trial_id"].dropna())
    assert len(again.predict()) == H
