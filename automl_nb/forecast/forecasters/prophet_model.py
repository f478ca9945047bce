"""Prophet (Taylor & Letham 2018), one model per series: a piecewise-linear trend plus Fourier
seasonalities chosen from the frequency, public holidays and exogenous regressors.

Point forecasts only (``uncertainty_samples=0``: the intervals come from the backtest errors),
which makes a fit a single L-BFGS optimisation in Stan, ~0.05 s for a monthly series.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ...learners.base import LearnerSpec
from ..panel import Panel
from .base import FORECAST_TASKS, LocalForecaster, make_factory

#: points of history a fit uses (8 years of daily data, 2 months of half-hourly)
MAX_TRAIN = 3000

_DAY = pd.Timedelta(days=1)
_YEAR_DAYS = 365.25


def _quiet_logs() -> None:
    # cmdstanpy logs every optimisation; prophet.plot complains about plotly on import
    logging.getLogger("cmdstanpy").disabled = True
    logging.getLogger("prophet.plot").disabled = True


def _step(freq: str) -> pd.Timedelta:
    """The (typical) length of one step of the grid."""
    offset = pd.tseries.frequencies.to_offset(freq)
    t0 = pd.Timestamp("2001-01-01") + offset  # on the grid (anchored offsets roll forward)
    return ((t0 + 4 * offset) - t0) / 4


def seasonalities(freq: str, m: int, span: pd.Timedelta) -> list[tuple[str, float, int]]:
    """(name, period in days, Fourier order) of the seasonalities to fit, from the grid and
    the length of the history.

    Yearly for monthly/quarterly data (Fourier order m/2: higher orders are aliased on the
    grid) and, with two years of history, for weekly and finer data; weekly for (business-)
    daily and finer data (two weeks of history); daily for sub-daily data (two days). The
    panel's own season is added when none of these has (within 10%) its period.
    """
    step = _step(freq)
    days = step / _DAY
    out: list[tuple[str, float, int]] = []
    if days >= 300:  # yearly or coarser: a trend only
        return out
    if days >= 28:  # monthly, quarterly
        if span >= pd.Timedelta(days=_YEAR_DAYS):
            out.append(("yearly", _YEAR_DAYS, int(max(1, min(10, round(_YEAR_DAYS / days) // 2)))))
    else:
        if span >= pd.Timedelta(days=2 * _YEAR_DAYS):
            out.append(("yearly", _YEAR_DAYS, 10))
        if days < 2 and span >= pd.Timedelta(days=14):  # daily, business-daily and finer
            out.append(("weekly", 7.0, 3 if days >= 1 else 5))
        if days < 1 and span >= pd.Timedelta(days=2):
            out.append(("daily", 1.0, int(min(10, max(1, round(1 / days) // 2)))))
    if m > 1:
        period = m * days
        # (10%: a year of 12 "30-day" months or a week of 5 "1.4-day" business days)
        if all(abs(period - p) > 0.1 * p for _, p, _ in out) and span >= 2 * m * step:
            out.append(("season", period, int(min(10, max(1, m // 2)))))
    return out


@dataclass
class _State:
    model: Any
    i: int  # the series
    exog_cols: np.ndarray | None  # kept exogenous columns
    exog_last: np.ndarray | None
    holiday_regressor: bool  # holiday-day counts as a regressor (grids coarser than a day)


class ProphetForecaster(LocalForecaster):
    """Prophet per series.

    Parameters (``params``)
    -----------------------
    seasonality_mode : ``"additive"`` (default) or ``"multiplicative"``.
    changepoint_prior_scale : flexibility of the trend (default 0.05).
    seasonality_prior_scale : strength of the seasonalities (default 10).

    Holidays of ``panel.holidays`` enter as Prophet holidays on daily and finer grids and as a
    regressor counting the holiday days of each period on coarser ones. Exogenous columns are
    extra regressors named ``exog_<j>`` for column ``j`` of ``panel.exog_names`` (a column name
    could clash with Prophet's reserved names); constant ones are dropped. Their future rows
    must be given to :meth:`predict` (missing rows repeat the last known row). At most
    :data:`MAX_TRAIN` recent points are used.
    """

    name = "prophet"

    def fit_one(self, y: np.ndarray, m: int, exog: np.ndarray | None, panel: Panel, i: int,
                deadline: float | None) -> _State:
        _quiet_logs()
        from prophet import Prophet

        logging.getLogger("prophet").setLevel(logging.WARNING)
        n = min(len(y), MAX_TRAIN)
        if n < 3:
            raise ValueError("Prophet needs at least 3 points")
        times = panel.times(i)[-n:]
        if times.tz is not None:
            times = times.tz_localize(None)
        df = pd.DataFrame({"ds": times, "y": np.asarray(y, dtype=float)[-n:]})
        step = _step(panel.freq)
        holidays = None
        holiday_regressor = False
        if panel.holidays is not None:
            if step <= _DAY:
                horizon = int(self.params.get("horizon", 2 * max(m, 1)))
                end = times[-1] + (horizon + 1) * step
                holidays = panel.holidays.frame(times[0], end)
                holidays = holidays[holidays["ds"] >= times[0].normalize()]
                holidays = holidays if len(holidays) else None
            else:
                flags = panel.holidays.flags(times, panel.freq)
                if np.ptp(flags) > 0:
                    df["holiday_days"] = flags
                    holiday_regressor = True
        model = Prophet(
            growth="linear",
            yearly_seasonality=False,
            weekly_seasonality=False,
            daily_seasonality=False,
            holidays=holidays,
            seasonality_mode=self.params.get("seasonality_mode", "additive"),
            changepoint_prior_scale=float(self.params.get("changepoint_prior_scale", 0.05)),
            seasonality_prior_scale=float(self.params.get("seasonality_prior_scale", 10.0)),
            uncertainty_samples=0,
        )
        for name, period, order in seasonalities(panel.freq, m, times[-1] - times[0] + step):
            model.add_seasonality(name=name, period=period, fourier_order=order)
        if holiday_regressor:
            model.add_regressor("holiday_days")
        cols = None
        if exog is not None and np.ndim(exog) == 2 and exog.shape[1] > 0:
            x = np.nan_to_num(np.asarray(exog, dtype=float)[-n:])
            cols = np.flatnonzero(np.ptp(x, axis=0) > 0)
            for j in cols:
                df[f"exog_{j}"] = x[:, j]
                model.add_regressor(f"exog_{j}")
            cols = cols if len(cols) else None
        with warnings.catch_warnings():  # pandas deprecations inside Prophet
            warnings.simplefilter("ignore")
            model.fit(df, seed=self.seed)  # Stan's optimiser is seeded: reproducible fits
        return _State(model, i, cols, None if cols is None else np.nan_to_num(exog[-1]), holiday_regressor)

    def predict_one(self, state: _State, horizon: int, future_exog: np.ndarray | None) -> np.ndarray:
        panel = self.panel_
        times = panel.future_times(state.i, horizon)
        if times.tz is not None:
            times = times.tz_localize(None)
        future = pd.DataFrame({"ds": times})
        if state.holiday_regressor:
            future["holiday_days"] = panel.holidays.flags(times, panel.freq)
        if state.exog_cols is not None:
            fx = np.empty((0, len(state.exog_last)))
            if future_exog is not None and np.ndim(future_exog) == 2 and len(future_exog) > 0:
                fx = np.nan_to_num(np.asarray(future_exog, dtype=float))[:horizon]
            if len(fx) < horizon:  # unknown future rows: hold the last known ones
                last = fx[-1] if len(fx) else state.exog_last
                fx = np.vstack([fx, np.tile(last, (horizon - len(fx), 1))])
            for j in state.exog_cols:
                future[f"exog_{j}"] = fx[:, j]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(state.model.predict(future)["yhat"], dtype=float)


def _space(trial: Any, task: str, n_rows: int) -> dict:
    return {
        "seasonality_mode": trial.suggest_categorical("seasonality_mode", ["additive", "multiplicative"]),
        "changepoint_prior_scale": trial.suggest_float("changepoint_prior_scale", 0.001, 0.5, log=True),
        "seasonality_prior_scale": trial.suggest_float("seasonality_prior_scale", 0.01, 10.0, log=True),
    }


SPEC = LearnerSpec(
    name="prophet",
    family="forecast",
    tasks=FORECAST_TASKS,
    make=make_factory(ProphetForecaster),
    space=_space,
    defaults=({"seasonality_mode": "additive", "changepoint_prior_scale": 0.05,
               "seasonality_prior_scale": 10.0},),
    cost=1.0,
    requires="prophet",
    description="Prophet per series: trend changepoints, Fourier seasonalities, holidays, regressors",
)
