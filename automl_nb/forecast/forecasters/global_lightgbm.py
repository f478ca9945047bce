"""A global LightGBM over all series on lag, rolling-window, calendar, holiday and exogenous
features (one model learns from every series at once).

Two strategies: ``recursive`` predicts one step and feeds it back as a lag for the next;
``direct`` trains one model whose rows are (origin, step) pairs, with the step as a feature,
and predicts every step of the horizon from the last known values at once. Targets and lags
are relative to the recent level of each series (see :mod:`automl_nb.forecast.features`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...learners.base import LearnerSpec
from ..features import (
    auto_lags,
    auto_rolling,
    exog_and_calendar,
    lag_block,
    series_spread,
)
from ..panel import Panel
from .base import FORECAST_TASKS, Forecaster, check_deadline, make_factory

MAX_TRAIN_ROWS = 300_000


class GlobalLightGBM(Forecaster):
    """Params: ``strategy`` ("recursive" | "direct"), LightGBM's ``num_leaves``,
    ``learning_rate``, ``n_estimators``, ``min_child_samples``, ``feature_fraction``,
    ``reg_lambda``; ``lags`` / ``rolling_windows`` ("auto" or lists); ``horizon`` (the engine
    sets it)."""

    name = "global_lightgbm"

    # ---- layout ---------------------------------------------------------------------------

    def _setup(self, panel: Panel) -> None:
        p = self.params
        m = panel.season_length
        shortest = min(panel.lengths)
        h = int(p.get("horizon", max(m, 1)))
        self.lags_ = list(p["lags"]) if isinstance(p.get("lags"), (list, tuple)) else auto_lags(m, shortest, h)
        self.rolling_ = (list(p["rolling_windows"]) if isinstance(p.get("rolling_windows"), (list, tuple))
                         else auto_rolling(m, shortest))
        self.ref_window_ = max(1, min(m if m > 1 else 4, max(1, shortest // 3)))
        self.multiplicative_ = all(float(np.min(v)) > 0 for v in panel.values)
        self.spread_ = np.array([series_spread(v) for v in panel.values])
        self.depth_ = max([*self.lags_, *self.rolling_, self.ref_window_])

    def _matrix(self, values: list[np.ndarray], width: int) -> np.ndarray:
        """The last ``width`` values of each series, NaN-padded on the left."""
        Z = np.full((len(values), width), np.nan)
        for i, v in enumerate(values):
            tail = v[-width:]
            Z[i, width - len(tail):] = tail
        return Z

    def _target(self, y: np.ndarray, ref: np.ndarray, spread: np.ndarray) -> np.ndarray:
        return y / ref if self.multiplicative_ else (y - ref) / spread

    def _untarget(self, t: np.ndarray, ref: np.ndarray, spread: np.ndarray) -> np.ndarray:
        return t * ref if self.multiplicative_ else t * spread + ref

    def _model(self, n_rows: int) -> Any:
        import lightgbm as lgb

        p = self.params
        return lgb.LGBMRegressor(
            n_estimators=int(p.get("n_estimators", 300)), learning_rate=float(p.get("learning_rate", 0.05)),
            num_leaves=int(p.get("num_leaves", 15)),
            min_child_samples=int(min(p.get("min_child_samples", 10), max(2, n_rows // 20))),
            colsample_bytree=float(p.get("feature_fraction", 0.8)), reg_lambda=float(p.get("reg_lambda", 0.1)),
            subsample=0.9, subsample_freq=1, n_jobs=self.n_jobs, random_state=self.seed, verbose=-1,
        )

    # ---- fit --------------------------------------------------------------------------------

    def fit(self, panel: Panel, deadline: float | None = None) -> GlobalLightGBM:
        self._setup(panel)
        self.panel_ = panel
        direct = self.params.get("strategy", "recursive") == "direct"
        h = int(self.params.get("horizon", max(panel.season_length, 1)))
        X_parts, y_parts = [], []
        budget = MAX_TRAIN_ROWS // max(1, panel.n_series * (h if direct else 1))
        for i, y in enumerate(panel.values):
            check_deadline(deadline)
            n = len(y)
            first = min(self.depth_, max(1, n // 2))
            first = max(first, n - budget)
            Z = y[None, :].astype(float)
            times = panel.times(i)
            exog = None if panel.exog is None else panel.exog[i]
            cal, _ = exog_and_calendar(panel, i, times, exog)
            if not direct:
                cols = np.arange(first, n)
                F, ref = lag_block(Z, cols, self.lags_, self.rolling_, self.ref_window_,
                                   self.multiplicative_, self.spread_[i:i + 1])
                X_parts.append(self._rows(F[0], cal[cols], i, None))
                y_parts.append(self._target(y[cols], ref[0], self.spread_[i]))
            else:
                origins = np.arange(first, n)  # the first unknown position at each origin
                F, ref = lag_block(Z, origins, self.lags_, self.rolling_, self.ref_window_,
                                   self.multiplicative_, self.spread_[i:i + 1])
                for k in range(h):
                    pos = origins + k
                    ok = pos < n
                    if not ok.any():
                        break
                    X_parts.append(self._rows(F[0][ok], cal[pos[ok]], i, k))
                    y_parts.append(self._target(y[pos[ok]], ref[0][ok], self.spread_[i]))
        X = np.concatenate(X_parts)
        target = np.concatenate(y_parts)
        keep = np.isfinite(target)
        check_deadline(deadline)
        self.model_ = self._model(int(keep.sum()))
        self.model_.fit(X[keep], target[keep])
        return self

    def _rows(self, F: np.ndarray, cal: np.ndarray, i: int, step: int | None) -> np.ndarray:
        cols = [F, cal]
        if self.panel_.n_series > 1:
            cols.append(np.full((len(F), 1), float(i)))
        if step is not None:
            cols.append(np.full((len(F), 1), float(step)))
        return np.concatenate(cols, axis=1)

    # ---- predict ----------------------------------------------------------------------------

    def predict(self, horizon: int, future_exog: list[np.ndarray] | None = None) -> np.ndarray:
        panel = self.panel_
        width = self.depth_ + 1
        Z = np.concatenate([self._matrix(panel.values, width), np.full((panel.n_series, horizon), np.nan)], axis=1)
        cals = []
        for i in range(panel.n_series):
            fx = None if future_exog is None else future_exog[i]
            cal, _ = exog_and_calendar(panel, i, panel.future_times(i, horizon), fx)
            cals.append(cal)
        if self.params.get("strategy", "recursive") == "direct":
            origin = np.array([width])
            F, ref = lag_block(Z[:, :width + 1], origin, self.lags_, self.rolling_, self.ref_window_,
                               self.multiplicative_, self.spread_)
            out = np.empty((panel.n_series, horizon))
            for i in range(panel.n_series):
                rows = np.concatenate([self._rows(F[i], cals[i][k:k + 1], i, k) for k in range(horizon)])
                out[i] = self._untarget(self.model_.predict(rows), ref[i, 0], self.spread_[i])
            return out
        for k in range(horizon):
            col = np.array([width + k])
            F, ref = lag_block(Z[:, : width + k + 1], col, self.lags_, self.rolling_, self.ref_window_,
                               self.multiplicative_, self.spread_)
            rows = np.concatenate([self._rows(F[i], cals[i][k:k + 1], i, None) for i in range(panel.n_series)])
            Z[:, width + k] = self._untarget(self.model_.predict(rows), ref[:, 0], self.spread_)
        return Z[:, width:]


def _space(trial: Any, task: str, n_rows: int) -> dict:
    return {
        "strategy": trial.suggest_categorical("strategy", ["recursive", "direct"]),
        "num_leaves": trial.suggest_int("num_leaves", 4, 64, log=True),
        "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
        "n_estimators": trial.suggest_int("n_estimators", 50, 800, log=True),
        "min_child_samples": trial.suggest_int("min_child_samples", 3, 60, log=True),
        "feature_fraction": trial.suggest_float("feature_fraction", 0.4, 1.0),
        "reg_lambda": trial.suggest_float("reg_lambda", 1e-3, 10.0, log=True),
    }


SPEC = LearnerSpec(
    name="global_lightgbm",
    family="forecast",
    tasks=FORECAST_TASKS,
    make=make_factory(GlobalLightGBM),
    space=_space,
    defaults=(
        {"strategy": "recursive", "num_leaves": 15, "learning_rate": 0.05, "n_estimators": 300,
         "min_child_samples": 10, "feature_fraction": 0.8, "reg_lambda": 0.1},
        {"strategy": "direct", "num_leaves": 31, "learning_rate": 0.05, "n_estimators": 300,
         "min_child_samples": 20, "feature_fraction": 0.8, "reg_lambda": 0.1},
    ),
    cost=1.0,
    description="one LightGBM over all series on lags, rolling windows, calendar, holidays, exogenous",
)
