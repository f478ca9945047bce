"""ForecastExperiment: the engine's experiment (driver thread, runner, store, events,
searcher, ensemble selection, refit) with forecasting's data, backtests and final model."""

from __future__ import annotations

import math
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from ..config import ExperimentConfig, ValidationPlan
from ..experiment import MAX_ENSEMBLE_CANDIDATES, Experiment
from ..run.events import RunStarted
from ..run.store import Store
from .backtest import ForecastData, interval_widths, mase_scale
from .prepare import PreparedSeries, SeriesInfo


class ForecastExperiment(Experiment):
    BASELINE = "seasonal_naive"

    prepared: PreparedSeries

    # ---- preparation -------------------------------------------------------------------

    def profile_and_plan(self) -> None:
        import joblib

        from .guardrails import check_series, profile_series

        p, info = self.prepared, self.prepared.info
        self._phase("profiling", "checking the series")
        self.profile = profile_series(p.panel, info)
        self.plan = ValidationPlan("backtest", len(info.windows), f"rolling-origin backtest: {info.windows_reason}")
        self.guardrails = check_series(p.panel, info, p.horizon)
        self.data = ForecastData(panel=p.panel, horizon=p.horizon, windows=list(info.windows),
                                 metric=p.metric, seed=self.config.seed)
        tmp = self.folder / ".data.joblib.tmp"
        joblib.dump(self.data, tmp)
        tmp.replace(self.folder / "data.joblib")
        self.store.put("config", self.config.to_dict())
        self.store.put("task", {"task": "forecast", "reason": p.task_reason, "metric": p.metric, "classes": None,
                                "columns": [info.time_column, info.target, *info.exog_columns],
                                "n_rows": int(sum(info.lengths))})
        self.store.put("plan", self.plan.__dict__)
        self.store.put("prepared", {"task_reason": p.task_reason})
        self.store.put("series_info", _jsonable(asdict(info)))
        self.store.put("guardrails", [g.__dict__ for g in self.guardrails])

    def _started_event(self) -> RunStarted:
        p = self.prepared
        return RunStarted("forecast", p.metric, self.config.time_budget, self.plan.description,
                          int(sum(p.info.lengths)), p.info.n_series)

    def _portfolio(self) -> list[tuple[str, int]]:
        from .forecasters import PORTFOLIO

        return list(PORTFOLIO)

    def _n_rows(self) -> int:
        return int(sum(self.prepared.info.lengths))

    def _n_validations(self) -> int:
        return max(1, len(self.data.windows))

    # ---- restore -----------------------------------------------------------------------

    @classmethod
    def restore(cls, folder: Path, config: ExperimentConfig | None = None) -> ForecastExperiment:
        import joblib

        from .guardrails import profile_series

        folder = Path(folder)
        store = Store(folder)
        saved, stored_info = store.get("config"), store.get("series_info")
        store.close()
        if saved is None or stored_info is None or not (folder / "data.joblib").exists():
            raise FileNotFoundError(f"the experiment in {str(folder)!r} never got past its start; nothing to restore")
        data: ForecastData = joblib.load(folder / "data.joblib")
        info = SeriesInfo(**stored_info)
        prepared = PreparedSeries(panel=data.panel, info=info, horizon=data.horizon, metric=data.metric)
        exp = cls(config or ExperimentConfig.from_dict(saved), prepared, folder)
        exp.data = data
        exp.profile = profile_series(data.panel, info)
        exp._restore_state()
        return exp

    # ---- ensemble, intervals, refit ------------------------------------------------------

    def _select_members(self, ok: list, metric) -> dict[int, float] | None:
        """Greedy selection over the best trials' backtest forecasts (the seasonal naive
        baseline may join: blending with it can steady a forecaster)."""
        from ..ensemble import select

        data = self.data
        candidates = ok[:MAX_ENSEMBLE_CANDIDATES]
        if len(candidates) < 2:
            return None
        self._phase("ensembling", f"greedy selection over the {len(candidates)} best trials' backtest forecasts")
        mask = np.ones(len(data.actual), dtype=bool)
        sel = select([(r.trial_id, r.oof) for r in candidates], data.actual, metric, data.scale, mask)
        if len(sel.weights) > 1 and metric.loss(sel.score) < metric.loss(sel.best_single_score):
            return sel.weights
        return None

    def backtest_forecast(self, weights: dict[int, float]) -> np.ndarray:
        """The blended backtest predictions of these trials (window, series, step order)."""
        return sum(w * self.results[t].oof.astype(np.float64) for t, w in weights.items())

    def _oof_score(self, weights: dict[int, float], metric) -> float:
        return float(metric.score(self.data.actual, self.backtest_forecast(weights), self.data.scale))

    def _assemble(self, fitted: dict[int, Any], weights: dict[int, float]) -> Any:
        from .model import ForecastModel

        data, info = self.data, self.prepared.info
        blend = self.backtest_forecast(weights)
        widths = interval_widths(data.actual, blend, data.scale, data.panel.n_series, data.horizon,
                                 self.config.interval_level)
        scales = np.array([mase_scale(y, data.panel.season_length) for y in data.panel.values])
        members = [(self.results[t].learner, fitted[t], w) for t, w in weights.items()]
        return ForecastModel(members, data.panel, data.horizon, widths, scales, self.config.interval_level,
                             info.time_column, info.series_id,
                             non_negative=all(float(np.min(y)) >= 0 for y in data.panel.values))


def _jsonable(d: Any) -> Any:
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
