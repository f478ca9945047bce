"""Rolling-origin backtests: a trial is a forecaster configuration scored on every window.

Window ``k`` cuts each series ``offset_k`` points before its end, fits on what comes before
and forecasts ``horizon`` steps. All predictions of a trial form one vector (window, series,
step order) beside the actuals and each point's scale (the in-sample seasonal naive MAE of
its series before the cutoff), so the metric, the ensemble selection and the prediction
intervals work on plain arrays. :func:`evaluate` and :func:`refit` are pure functions of
(config, data) and run in the worker processes, like the tabular trials.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..run.trial import TrialConfig, TrialResult, summarize_folds, trial_errors
from .panel import Panel


@dataclass
class ForecastData:
    """What every forecasting trial needs; sent to each worker once (a
    :class:`~automl_nb.run.trial.TrialData`)."""

    panel: Panel
    horizon: int
    windows: list[int]  # offsets from the end, oldest first
    metric: str
    seed: int = 0
    threads: int = 1
    task: str = "forecast"
    actual: np.ndarray = field(default=None)  # type: ignore[assignment]
    scale: np.ndarray = field(default=None)  # type: ignore[assignment]

    def evaluate(self, config: TrialConfig, deadline: float | None = None) -> TrialResult:
        return evaluate(config, self, deadline)

    def refit(self, learner: str, params: dict[str, Any], deadline: float | None = None,
              rows: int | None = None) -> Any:
        return refit(learner, params, self, deadline)  # series are never sampled

    def trial_rows(self) -> int:
        return int(sum(len(y) for y in self.panel.values))

    def __post_init__(self) -> None:
        if self.actual is None:
            self.actual, self.scale = backtest_targets(self.panel, self.horizon, self.windows)

    @property
    def n_per_window(self) -> int:
        return self.panel.n_series * self.horizon

    def window_slice(self, k: int) -> slice:
        n = self.n_per_window
        return slice(k * n, (k + 1) * n)


def mase_scale(y: np.ndarray, m: int) -> float:
    """The in-sample MAE of the seasonal naive forecast (of the naive one when the series is
    shorter than two seasons); never zero."""
    y = np.asarray(y, dtype=float)
    for lag in (m, 1):
        if lag >= 1 and len(y) > lag:
            d = float(np.mean(np.abs(y[lag:] - y[:-lag])))
            if d > 0:
                return d
    a = float(np.mean(np.abs(y))) if len(y) else 0.0
    return a if a > 0 else 1.0


def backtest_targets(panel: Panel, horizon: int, windows: list[int]) -> tuple[np.ndarray, np.ndarray]:
    actual, scale = [], []
    for offset in windows:
        for y in panel.values:
            cut = len(y) - offset
            actual.append(y[cut: cut + horizon])
            scale.append(np.full(horizon, mase_scale(y[:cut], panel.season_length)))
    return np.concatenate(actual), np.concatenate(scale)


def make_forecaster(learner: str, params: dict[str, Any], data: ForecastData) -> Any:
    from ..learners import get_learner

    spec = get_learner(learner)
    return spec.make({**params, "horizon": data.horizon}, "forecast", data.seed, data.threads)


def evaluate(config: TrialConfig, data: ForecastData, deadline: float | None = None) -> TrialResult:
    """Backtest one configuration on every window; never raises."""
    from ..learners.base import TrialTimeout
    from ..metrics import all_scores, get_metric

    started = time.time()
    result = TrialResult(config.trial_id, config.learner, dict(config.params), "ok", config.phase, started_at=started)
    metric = get_metric(data.metric)
    pred = np.full(len(data.actual), np.nan)
    with trial_errors(result):
        for k, offset in enumerate(data.windows):
            if deadline is not None and time.time() > deadline:
                raise TrialTimeout("the search's time ran out")
            train = data.panel.truncate(offset)
            future = data.panel.tail_exog(offset)
            if future is not None:
                future = [x[: data.horizon] for x in future]
            model = make_forecaster(config.learner, config.params, data)
            t = time.perf_counter()
            model.fit(train, deadline)
            result.fit_seconds += time.perf_counter() - t
            t = time.perf_counter()
            out = np.asarray(model.predict(data.horizon, future), dtype=float)
            result.predict_seconds += time.perf_counter() - t
            if out.shape != (data.panel.n_series, data.horizon) or not np.all(np.isfinite(out)):
                raise ValueError(f"{config.learner} returned forecasts of shape {out.shape} with non-finite values")
            sl = data.window_slice(k)
            pred[sl] = out.ravel()
            score = metric.score(data.actual[sl], pred[sl], data.scale[sl])
            result.fold_scores.append(score)
            if (k == 0 and len(data.windows) > 1 and config.prune_above is not None
                    and metric.loss(score) > config.prune_above):
                result.status = "pruned"
                result.error = f"stopped after window 1: {data.metric}={score:.4g} is far from the best"
                break
        result.refit_params = dict(config.params)
    summarize_folds(result)
    if result.status == "ok":
        result.oof = pred.astype(np.float32)
        result.metrics = all_scores("forecast", data.actual, pred, data.scale)
    result.duration = time.time() - started
    return result


def refit(learner: str, params: dict[str, Any], data: ForecastData, deadline: float | None = None) -> Any:
    """The forecaster fitted on every point of every series."""
    model = make_forecaster(learner, params, data)
    model.fit(data.panel, deadline)
    return model


def interval_widths(actual: np.ndarray, pred: np.ndarray, scale: np.ndarray, n_series: int, horizon: int,
                    level: float) -> np.ndarray:
    """Half-widths of the prediction interval per horizon step, in units of each series' scale.

    From the backtest errors (divided by their series' scale) at each step: their ``level``
    quantile of absolute values when there are at least 20 per step, else a normal interval
    from their root mean square; never narrower than an earlier step.
    """
    from statistics import NormalDist

    err = ((actual - pred) / scale).reshape(-1, n_series, horizon)  # (windows, series, step)
    err = err.transpose(2, 0, 1).reshape(horizon, -1)
    if err.shape[1] >= 20:
        width = np.quantile(np.abs(err), level, axis=1)
    else:
        z = NormalDist().inv_cdf(0.5 + level / 2)
        width = z * np.sqrt(np.mean(err ** 2, axis=1))
    return np.maximum.accumulate(width)
