"""ForecastTask: what forecasting decides — series preparation and checks, rolling-origin
backtests as trial data, the seasonal naive baseline, blending on backtest forecasts, the
final forecaster with its prediction interval, and what the Studio shows of it."""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

import numpy as np

from ..task import Planned, Task


class ForecastTask(Task):
    name = "forecast"
    baseline = "seasonal_naive"
    score_unit = "window"
    settings_group = "forecast"
    ignored_settings = ("validation", "n_folds")
    final_views = ("forecast",)
    #: blending with the seasonal naive baseline can steady a forecaster
    ensemble_with_baseline = True

    # ---- engine ------------------------------------------------------------------------------

    def prepare(self, X: Any, y: Any, config: Any, validation_data: Any = None, groups: Any = None) -> Any:
        from ..errors import ConfigError
        from ..extras import require
        from .prepare import prepare_series

        require("statsmodels", "forecasting (task='forecast')")
        if validation_data is not None or groups is not None:
            raise ConfigError("validation_data and groups do not apply to forecasting (backtests use rolling origins)",
                              field="validation_data" if validation_data is not None else "groups")
        return prepare_series(X, y, config)

    def plan(self, p: Any, config: Any) -> Planned:
        from ..data.validation import ValidationPlan
        from .backtest import ForecastData
        from .guardrails import check_series, profile_series

        info = p.info
        data = ForecastData(panel=p.panel, horizon=p.horizon, windows=list(info.windows), metric=p.metric,
                            seed=config.seed)
        records = {
            "task": {"task": p.task, "reason": p.task_reason, "metric": p.metric, "classes": None,
                     "columns": [info.time_column, info.target, *info.exog_columns],
                     "n_rows": int(sum(info.lengths))},
            "prepared": {"task_reason": p.task_reason},
            "series_info": _jsonable(asdict(info)),
        }
        return Planned(profile_series(p.panel, info),
                       ValidationPlan("backtest", len(info.windows), f"rolling-origin backtest: {info.windows_reason}"),
                       check_series(p.panel, info, p.horizon), data, records)

    def restore(self, folder: Any, store: Any) -> tuple[Any, Any, Any]:
        import joblib

        from .guardrails import profile_series
        from .prepare import PreparedSeries, SeriesInfo

        stored_info = store.get("series_info")
        if stored_info is None:
            raise FileNotFoundError(f"the experiment in {str(folder)!r} never got past its start; nothing to restore")
        data = joblib.load(folder / "data.joblib")
        info = SeriesInfo(**stored_info)
        prepared = PreparedSeries(panel=data.panel, info=info, horizon=data.horizon, metric=data.metric)
        return prepared, data, profile_series(data.panel, info)

    def mlflow_model(self, experiment: Any) -> tuple[str, Any, Any]:
        from .mlflow_model import ForecastPyfunc, horizon_frame

        model, info = experiment.outcome.model, experiment.prepared.info
        return "pyfunc", ForecastPyfunc(model, info), horizon_frame(model, info)

    def portfolio(self, prepared: Any = None) -> list[tuple[str, int]]:
        from .forecasters import PORTFOLIO

        return list(PORTFOLIO)

    def n_rows(self, prepared: Any) -> int:
        return int(sum(prepared.info.lengths))

    def shape(self, prepared: Any) -> tuple[int, int]:
        return int(sum(prepared.info.lengths)), prepared.info.n_series

    def ensemble_inputs(self, data: Any, prepared: Any, seed: int) -> tuple[Any, Any, Any, Any]:
        every = np.ones(len(data.actual), dtype=bool)
        return data.actual, data.scale, every, every

    def assemble(self, fitted: dict[int, Any], weights: dict[int, float], results: dict, prepared: Any,
                 data: Any, config: Any) -> Any:
        from ..finalize import blend
        from .backtest import interval_widths, mase_scale
        from .model import ForecastModel

        info = prepared.info
        widths = interval_widths(data.actual, blend(results, weights), data.scale, data.panel.n_series,
                                 data.horizon, config.interval_level)
        scales = np.array([mase_scale(y, data.panel.season_length) for y in data.panel.values])
        members = [(results[t].learner, fitted[t], w) for t, w in weights.items()]
        return ForecastModel(members, data.panel, data.horizon, widths, scales, config.interval_level,
                             info.time_column, info.series_id,
                             non_negative=all(float(np.min(y)) >= 0 for y in data.panel.values))

    def code(self, experiment: Any, trial: int | None) -> str:
        from .code_export import forecast_code

        return forecast_code(experiment, trial)

    # ---- facade ------------------------------------------------------------------------------

    def predict(self, experiment: Any, model: Any, X: Any) -> Any:
        from .prepare import future_exog

        return model.forecast(future_exog(model.panel, experiment.prepared.info, X, model.horizon))

    def score(self, aml: Any, experiment: Any, X: Any, y: Any) -> float:
        from .summary import score_forecast

        info = experiment.prepared.info
        return score_forecast(aml.predict(X if info.exog_columns else None), X, y, info, aml.best_pipeline_,
                              experiment.metric)

    def test(self, aml: Any, experiment: Any, X: Any, y: Any) -> Any:
        raise ValueError("test() covers tabular tasks; for a forecast use score(X_future, y) and forecast_plot()")

    def explain(self, aml: Any, experiment: Any, **kwargs: Any) -> Any:
        raise ValueError("explain() covers tabular tasks; for a forecast see featurization_summary(), "
                         "leaderboard() (score per backtest window) and forecast_plot()")

    def forecast_plot(self, aml: Any, experiment: Any, series: Any = None, X: Any = None, ax: Any = None,
                      history: int | None = None) -> Any:
        from .summary import plot_forecast

        return plot_forecast(experiment, aml.predict(X), series, ax, history)

    def featurization_summary(self, experiment: Any, family: str | None) -> Any:
        from .summary import forecast_features

        return forecast_features(experiment.prepared.panel, experiment.prepared.horizon)

    def report_lines(self, aml: Any) -> list[str]:
        try:
            fc = aml.predict()
        except ValueError as exc:  # exogenous columns: their future values are needed
            return [f"\nforecast: {exc}"]
        return [f"\nForecast ({len(fc)} rows; first 12)",
                fc.head(12).to_string(index=False, float_format=lambda v: f"{v:.4g}")]

    # ---- reliability: not for forecasting ---------------------------------------------------

    def resample_splits(self, experiment: Any, seeds: list[int]) -> tuple[str, list[tuple[Any, Any]]]:
        raise ValueError("stability() and learning_curve() are not available for forecasting runs: a random "
                         "train/test split of a time series would train on the future; the leaderboard's "
                         "window_k columns show how each forecaster's score varies over the backtest windows")

    def fit_score(self, experiment: Any, models: list[dict[int, float]], train: Any, test: Any, seed: int,
                  threads: int, deadline: float | None) -> list[float]:
        self.resample_splits(experiment, [seed])
        return []

    def learning_curve_folds(self, experiment: Any, k: int) -> tuple[str, list[tuple[Any, Any]], Any]:
        raise ValueError("learning_curve() is not available for forecasting runs: a share of a time series' rows is "
                         "a shorter history, not a sample of it; the leaderboard's window_k columns show how each "
                         "forecaster's score varies over the backtest windows")

    # ---- widget records ----------------------------------------------------------------------

    def trial_details(self, experiment: Any, trial_id: int | None) -> dict[str, Any]:
        from ..finalize import blend
        from ..metrics import all_scores
        from ..records import ensemble_record, trial_record
        from .records import forecast_trial_plots

        results, data = dict(experiment.results), experiment.data
        if trial_id is None:
            members = experiment.outcome.members
            if len(members) < 2 or any(results.get(t) is None or results[t].oof is None for t in members):
                raise ValueError("there is no ensemble to show")
            metrics = all_scores("forecast", data.actual, blend(results, members), data.scale)
            return ensemble_record(members, metrics, forecast_trial_plots(experiment, members))
        r = results[trial_id]
        plots = forecast_trial_plots(experiment, {trial_id: 1.0}) if r.ok and r.oof is not None else {}
        return trial_record(r, plots)

    def featurization_records(self, experiment: Any, final: bool) -> list[dict[str, Any]]:
        from .records import featurization_records_forecast

        p = experiment.prepared
        return featurization_records_forecast(p.panel, p.info, p.horizon)

    def pre_run_checks(self, prepared: Any, config: Any) -> tuple[list[Any], list[dict[str, Any]]]:
        from .guardrails import check_series
        from .records import featurization_records_forecast

        p = prepared
        return check_series(p.panel, p.info, p.horizon), featurization_records_forecast(p.panel, p.info, p.horizon)

    def onnx_model(self, experiment: Any) -> bytes:
        from ..errors import ExportError

        raise ExportError("forecasting models are not exported as ONNX; use to_code or log_mlflow")

    def form_defaults(self, df: Any, config: dict[str, Any]) -> dict[str, Any]:
        from .prepare import guess_defaults

        return guess_defaults(df, config.get("time_column"), config.get("series_id"))


def _jsonable(d: Any) -> Any:
    """Series info for the store: numbers as Python numbers, timestamps in ISO format."""
    if isinstance(d, dict):
        return {str(k): _jsonable(v) for k, v in d.items()}
    if isinstance(d, (list, tuple)):
        return [_jsonable(v) for v in d]
    if isinstance(d, (np.integer,)):
        return int(d)
    if isinstance(d, (np.floating,)):
        return None if math.isnan(d) else float(d)
    if hasattr(d, "isoformat"):
        return d.isoformat()
    return d


TASK = ForecastTask()
