"""The Studio for forecasting, on the kernel side: settings, the series' guardrails and
features before the run, the Forecast panel's trait, backtest plots of a trial."""

from __future__ import annotations

import pytest
from widget_helpers import send, until

from automl_nb.studio import Studio

pytestmark = pytest.mark.slow






def test_forecast_settings_are_validated_in_the_widget(visnights):
    s = Studio(visnights, target="nights")
    assert s.choices["time_columns"] == ["quarter"]
    assert s.config["horizon"] is None and s.config["time_column"] is None
    s.config = {**s.config, "task": "forecast"}
    assert "time_column" in s.config_errors or "horizon" in s.config_errors
    s.config = {**s.config, "time_column": "quarter", "series_id": "region", "horizon": 0}
    assert "positive integer" in s.config_errors["horizon"]
    d = s.choices["forecast_defaults"]
    assert d["season_length"] == 4 and d["frequency"].startswith("QS") and d["horizon"] == 4 and d["n_windows"] == 3
    s.config = {**s.config, "horizon": 8, "country_holidays": "XX"}
    assert "country_holidays" in s.config_errors
    s.config = {**s.config, "country_holidays": None, "series_id": "nope"}
    assert "series_id='nope' is not a column" in s.config_errors.get("series_id", "")
    s.config = {**s.config, "series_id": "region"}
    assert s.config_errors == {}
    checks = until(lambda: {g["check"]: g for g in s.guardrails}, 10)
    assert "20 series" in checks["series"]["message"] and checks["frequency"]["status"] == "passed"
    raw = {f["raw_column"]: f for f in s.featurization}
    assert "lag_4" in raw["nights"]["engineered_features"] and raw["region"]["kind"] == "series id"
    # leaving forecasting drops its settings from what is validated and run
    s.config = {**s.config, "task": "regression"}
    assert s.config_errors == {}


def test_forecast_run_fills_the_forecast_panel_and_trial_backtests(visnights, tmp_path):
    s = Studio(visnights, target="nights", task="forecast", time_column="quarter", series_id="region",
               horizon=8, time_budget=60, max_trials=5, folder=str(tmp_path))
    assert s.config_errors == {}
    send(s, {"type": "run"})
    assert s.error == ""
    s._run.wait(120)
    assert s.wait(20)
    f = until(lambda: s.forecast.get("forecast") and s.forecast, 20)
    assert len(f["series_ids"]) == 20 and f["series_id"] == f["series_ids"][0]
    assert f["metric"] == "mase" and f["horizon"] == 8 and f["level"] == 80
    assert len(f["history"]["t"]) == len(f["history"]["y"]) == 76
    assert [w["window"] for w in f["backtest"]] == [1, 2, 3] and all(len(w["y_pred"]) == 8 for w in f["backtest"])
    assert f["forecast"]["t"][0].startswith("2017-01-01")
    assert all(lo <= m <= hi for lo, m, hi in zip(f["forecast"]["lower"], f["forecast"]["mean"], f["forecast"]["upper"]))
    send(s, {"type": "forecast_series", "series_id": "VICMetro"})
    assert s.forecast["series_id"] == "VICMetro" and s.error == ""
    send(s, {"type": "forecast_series", "series_id": "Atlantis"})
    assert "Atlantis" in s.error
    tid = next(r["trial_id"] for r in s.leaderboard if r["trial_id"] is not None and r["status"] == "ok")
    send(s, {"type": "select_trial", "trial_id": tid})
    d = until(lambda: s.trial_details.get("plots") and s.trial_details, 10)
    assert len(d["fold_scores"]) == 3 and d["plots"]["kind"] == "forecast"
    assert all(len(w["y"]) == len(w["y_pred"]) == 8 for w in d["plots"]["backtest"])
    assert s.automl.predict().shape == (160, 5)
