"""Automatic ARIMA per series in the style of Hyndman & Khandakar (2008) (R's ``auto.arima``).

Per series: the seasonal difference D (0/1) from the strength of seasonality, the number of
differences d (0..2) from repeated KPSS tests, then a stepwise search over (p, q, P, Q) and
the constant by AICc, starting from (2,d,2)(1,D,1), (0,d,0)(0,D,0), (1,d,0)(1,D,0) and
(0,d,1)(0,D,1) and moving to the best neighbour until none is better. The differencing is
done here and undone on the forecasts; the ARMA part of the differenced, scaled series is
estimated by conditional least squares during the search (like auto.arima's
``approximation=TRUE``: each fit is a few milliseconds) and the chosen model forecasts with
statsmodels' ``SARIMAX`` Kalman filter. Exogenous columns enter as a regression with ARIMA
errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...learners.base import LearnerSpec
from ..panel import Panel
from .base import FORECAST_TASKS, LocalForecaster, check_deadline, make_factory
from .seasonality import (
    STRENGTH_TO_DESEASONALIZE,
    quiet,
    seasonal_indices,
    seasonal_pattern,
    seasonal_strength,
)

#: longer seasons are removed by a classical decomposition and a non-seasonal ARIMA fitted
#: to the rest: a seasonal ARMA with m = 24 or 48 has a state vector of ~m elements
MAX_SEASON = 12

#: strength of seasonality above which the series is seasonally differenced (R's nsdiffs)
STRENGTH_TO_DIFFERENCE = 0.64

#: 5% critical value of the KPSS level-stationarity test (Kwiatkowski et al. 1992, table 1)
KPSS_CRITICAL = 0.463

MAX_D = 2
MAX_SEASONAL = 1  # max P and Q
MAX_ORDER = 5  # max p + q + P + Q
MAX_MODELS = 60  # a stepwise search ends after this many fits


def train_length(m: int) -> int:
    """Points of history an ARIMA fit uses: the last ``max(10 m, 300)``.

    Every fit is linear in the length and a search makes 15-60 of them; ARMA coefficients are
    well determined after a few hundred points and ten seasons are enough for the seasonal
    ones (and for the seasonal pattern removed from long seasons), while older data mostly
    adds structural change.
    """
    return max(10 * m, 300)


def _kpss_rejects(x: np.ndarray) -> bool:
    """Whether the KPSS test rejects level stationarity at 5% (R's ndiffs: short lag window)."""
    from statsmodels.tsa.stattools import kpss

    if len(x) < 8 or np.ptp(x) == 0:
        return False
    lags = max(1, int(3 * np.sqrt(len(x)) / 13))
    stat = kpss(x, regression="c", nlags=min(lags, len(x) - 2))[0]
    return bool(stat > KPSS_CRITICAL)


def ndiffs(x: np.ndarray, max_d: int = MAX_D) -> int:
    """Differences needed for KPSS stationarity (0..``max_d``)."""
    d = 0
    while d < max_d and _kpss_rejects(x):
        x = np.diff(x)
        d += 1
    return d


def difference(x: np.ndarray, lags: list[int]) -> list[np.ndarray]:
    """``x`` and its successive differences at ``lags`` (the last one is the result)."""
    chain = [np.asarray(x, dtype=float)]
    for lag in lags:
        chain.append(chain[-1][lag:] - chain[-1][:-lag])
    return chain


def undifference(chain: list[np.ndarray], lags: list[int], f: np.ndarray) -> np.ndarray:
    """Integrate forecasts ``f`` of the last series of ``chain`` back to the first one."""
    for prev, lag in zip(reversed(chain[:-1]), reversed(lags)):
        ext = np.concatenate([prev[len(prev) - lag:], np.empty(len(f))])
        for j in range(len(f)):
            ext[lag + j] = f[j] + ext[j]
        f = ext[lag:]
    return f


@dataclass
class _Fit:
    params: np.ndarray | None  # in SARIMAX's order: intercept, exog, ar, ma, seasonal ar, ma
    score: float
    result: Any = None  # SARIMAXResults of an exact fit


_FAILED = _Fit(None, np.inf)


def _lag_polys(phi: np.ndarray, theta: np.ndarray, sphi: np.ndarray, stheta: np.ndarray,
               m: int) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients (of B^0, B^1, ...) of the full AR ``(1 - phi(B))(1 - Phi(B^m))`` and MA
    ``(1 + theta(B))(1 + Theta(B^m))`` lag polynomials (P, Q <= 1)."""
    out = []
    for short, seasonal, sign in ((phi, sphi, -1.0), (theta, stheta, 1.0)):
        poly = np.empty(len(short) + 1)
        poly[0] = 1.0
        poly[1:] = sign * short
        if len(seasonal):
            full = np.zeros(len(poly) + m)
            full[:len(poly)] = poly
            full[m:] += sign * seasonal[0] * poly
            poly = full
        out.append(poly)
    return out[0], out[1]


def _near_unit_root(ar: np.ndarray, ma: np.ndarray) -> bool:
    """Whether a root of either polynomial lies within 1.01 of the unit circle (R's check)."""
    for poly in (ar, ma):
        if len(poly) > 1 and np.min(np.abs(np.roots(poly[::-1]))) < 1.01:
            return True
    return False


def _criterion(ic: str, loglik: float, n: int, k: int) -> float:
    if ic == "bic":
        return -2 * loglik + k * np.log(n)
    return -2 * loglik + 2 * k + (2 * k * (k + 1) / (n - k - 1) if n - k - 1 > 0 else np.inf)


def _fit_css(w: np.ndarray, x: np.ndarray | None, m: int, key: tuple, ic: str) -> _Fit:
    """Conditional least squares (the residuals are a linear filter of the data, so each
    evaluation is one ``lfilter``), ~10x faster than the exact likelihood. AR and MA parts are
    kept stationary and invertible by the PACF transform of Monahan (1984)."""
    from scipy.optimize import least_squares
    from scipy.signal import lfilter
    from statsmodels.tsa.statespace.tools import constrain_stationary_univariate as constrain

    p, q, sp, sq, const = key
    design = [np.ones(len(w))] if const else []
    if x is not None:
        design += list(x.T)
    design_m = np.column_stack(design) if design else np.zeros((len(w), 0))
    k_reg = design_m.shape[1]
    cond = p + m * sp  # residuals before this point are conditioned on zeros: not used

    def unpack(t: np.ndarray) -> tuple[np.ndarray, ...]:
        k = k_reg
        phi = constrain(t[k:k + p]) if p else np.empty(0)
        k += p
        theta = -constrain(t[k:k + q]) if q else np.empty(0)
        k += q
        sphi = np.tanh(t[k:k + sp])
        stheta = np.tanh(t[k + sp:k + sp + sq])
        return t[:k_reg], phi, theta, sphi, stheta

    def resid(t: np.ndarray) -> np.ndarray:
        reg, phi, theta, sphi, stheta = unpack(t)
        ar, ma = _lag_polys(phi, theta, sphi, stheta, m)
        return lfilter(ar, ma, w - design_m @ reg if k_reg else w)[cond:]

    start = np.zeros(k_reg + p + q + sp + sq)
    if k_reg:
        start[:k_reg] = np.linalg.lstsq(design_m, w, rcond=None)[0]
    n_used = len(w) - cond
    if n_used <= len(start) + 1:
        return _FAILED
    t = start
    if len(start):
        t = least_squares(resid, start, method="lm" if n_used >= len(start) else "trf", x_scale=1.0).x
    e = resid(t)
    sigma2 = float(np.mean(e ** 2))
    if not np.isfinite(sigma2) or sigma2 <= 0:
        return _FAILED
    reg, phi, theta, sphi, stheta = unpack(t)
    ar, ma = _lag_polys(phi, theta, sphi, stheta, m)
    if _near_unit_root(ar, ma):
        return _FAILED
    # the conditional likelihood scaled to the whole differenced series (as auto.arima does)
    n = len(w)
    loglik = -0.5 * n * (np.log(2 * np.pi * sigma2) + 1)
    score = _criterion(ic, loglik, n, len(t) + 1)
    if const:  # SARIMAX's intercept is the mean times the AR polynomial at 1
        reg = np.r_[reg[0] * ar.sum(), reg[1:]]
    return _Fit(np.r_[reg, phi, theta, sphi, stheta], score)


def _sarimax(w: np.ndarray, x: np.ndarray | None, m: int, key: tuple) -> Any:
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    p, q, sp, sq, const = key
    return SARIMAX(w, exog=x, order=(p, 0, q), seasonal_order=(sp, 0, sq, m) if sp or sq else (0, 0, 0, 0),
                   trend="c" if const else "n", concentrate_scale=True)


def _fit_exact(w: np.ndarray, x: np.ndarray | None, m: int, key: tuple, ic: str,
               start: np.ndarray | None = None) -> _Fit:
    """Exact maximum likelihood (Kalman filter) of the ARMA part."""
    model = _sarimax(w, x, m, key)
    if model.k_params == 0:
        res = model.filter(np.empty(0))
    else:
        res = model.fit(start_params=start, disp=False, maxiter=50, method="lbfgs")
    parts = [getattr(res, a, None) for a in ("arparams", "maparams", "seasonalarparams", "seasonalmaparams")]
    parts = [np.empty(0) if v is None else np.atleast_1d(np.asarray(v, dtype=float)) for v in parts]
    if _near_unit_root(*_lag_polys(*parts, m)):
        return _FAILED
    score = float(res.bic if ic == "bic" else res.aicc)
    return _Fit(np.asarray(res.params), score, res) if np.isfinite(score) else _FAILED


def _neighbours(key: tuple) -> list[tuple]:
    p, q, sp, sq, c = key
    steps = [(0, 0, -1, 0), (0, 0, 1, 0), (0, 0, 0, -1), (0, 0, 0, 1), (0, 0, -1, -1), (0, 0, -1, 1),
             (0, 0, 1, -1), (0, 0, 1, 1), (-1, 0, 0, 0), (1, 0, 0, 0), (0, -1, 0, 0), (0, 1, 0, 0),
             (-1, -1, 0, 0), (-1, 1, 0, 0), (1, -1, 0, 0), (1, 1, 0, 0)]
    out = [(p + a, q + b, sp + s, sq + t, c) for a, b, s, t in steps]
    return out + [(p, q, sp, sq, not c)]


def search(fit: Callable[[tuple], _Fit], allowed: Callable[[tuple], bool], seasonal: bool,
           constant: bool, stepwise: bool, max_pq: int, deadline: float | None) -> tuple[tuple, _Fit]:
    """The best (p, q, P, Q, constant) by the information criterion: stepwise (Hyndman &
    Khandakar) or, when ``stepwise`` is False, every allowed model."""
    fits: dict[tuple, _Fit] = {}

    def visit(key: tuple) -> bool:
        if key in fits or not allowed(key) or len(fits) >= MAX_MODELS:
            return False
        check_deadline(deadline)
        try:
            fits[key] = fit(key)
        except (ValueError, np.linalg.LinAlgError, IndexError, OverflowError):
            fits[key] = _Fit(None, np.inf)
        return True

    s = 1 if seasonal else 0
    if stepwise:
        starts = [(2, 2, s, s, constant), (0, 0, 0, 0, constant), (1, 0, s, 0, constant), (0, 1, 0, s, constant)]
        if constant:
            starts.append((0, 0, 0, 0, False))
        for key in starts:
            visit(key)
        best = min(fits, key=lambda k: fits[k].score)
        moved = True
        while moved and len(fits) < MAX_MODELS:
            moved = False
            for key in _neighbours(best):
                if visit(key) and fits[key].score < fits[best].score:
                    best, moved = key, True
                    break
    else:
        for p in range(max_pq + 1):
            for q in range(max_pq + 1):
                for sp in range(s + 1):
                    for sq in range(s + 1):
                        for c in {constant, False}:
                            visit((p, q, sp, sq, c))
    best = min(fits, key=lambda k: fits[k].score)
    if fits[best].params is None:
        raise RuntimeError("no ARIMA model could be fitted")
    return best, fits[best]


@dataclass
class _State:
    result: Any
    order: tuple  # (p, d, q, P, D, Q, m, constant)
    chain: list[np.ndarray]  # the series and its differences (tails suffice)
    lags: list[int]
    scale: float
    exog_cols: np.ndarray | None  # kept exogenous columns
    exog_tail: np.ndarray | None  # last rows of the exogenous matrix, to difference the future
    exog_last: np.ndarray | None
    seasonal_idx: np.ndarray | None  # removed seasonal pattern (long seasons)


class AutoARIMA(LocalForecaster):
    """Automatic (seasonal) ARIMA, one model per series.

    Parameters (``params``)
    -----------------------
    stepwise : True (default): Hyndman-Khandakar stepwise search; False: every model within
        the bounds (slow; bounded by the deadline).
    max_pq : bound on p and q (default 3); P and Q are at most 1, p + q + P + Q at most 5.
    ic : the information criterion, ``"aicc"`` (default) or ``"bic"``.
    approximation : True (default): conditional least squares during the search; False:
        exact maximum likelihood for every candidate (~5x slower, forecasts about as well).

    Seasons longer than :data:`MAX_SEASON` are removed by a classical decomposition (when the
    seasonality is not negligible) and a non-seasonal ARIMA is fitted to the rest. Exogenous
    columns are regressors (regression with ARIMA errors); their future rows must be given to
    :meth:`predict` (missing rows repeat the last known row).
    """

    name = "arima"

    def fit_one(self, y: np.ndarray, m: int, exog: np.ndarray | None, panel: Panel, i: int,
                deadline: float | None) -> _State | float:
        n_keep = train_length(m)
        y = np.asarray(y, dtype=float)[-n_keep:]
        x = None
        cols = None
        if exog is not None and np.ndim(exog) == 2 and exog.shape[1] > 0:
            x_all = np.nan_to_num(np.asarray(exog, dtype=float)[-n_keep:])
            cols = np.flatnonzero(np.ptp(x_all, axis=0) > 0)
            x = x_all[:, cols] if len(cols) else None
        if len(y) < 6:
            raise ValueError("ARIMA needs at least 6 points")
        if np.ptp(y) == 0 and x is None:  # a constant series (e.g. all zeros) stays constant
            return float(y[-1])
        with quiet():
            return self._fit(y, m, x, cols if x is not None else None, deadline)

    def _fit(self, y: np.ndarray, m: int, x: np.ndarray | None, cols: np.ndarray | None,
             deadline: float | None) -> _State:
        # the tests look at the series without the regressors' effect (as auto.arima does)
        base = y
        if x is not None:
            design = np.column_stack([np.ones(len(y)), x])
            base = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
        idx = None
        if m > MAX_SEASON:
            if len(y) >= 2 * m and seasonal_strength(base, m) >= STRENGTH_TO_DESEASONALIZE:
                idx = seasonal_indices(y, m)
                pattern = seasonal_pattern(idx, -len(y), len(y))
                y, base = y - pattern, base - pattern
            m = 1
        big_d = 1 if (m > 1 and len(y) >= 3 * m and seasonal_strength(base, m) >= STRENGTH_TO_DIFFERENCE) else 0
        seasonal_diffed = base[m:] - base[:-m] if big_d else base
        d = ndiffs(seasonal_diffed)
        lags = [m] * big_d + [1] * d
        chain = difference(y, lags)
        w = chain[-1]
        xw = None
        if x is not None:
            xw = difference(x, lags)[-1]
            keep = np.ptp(xw, axis=0) > 0 if len(xw) else np.zeros(x.shape[1], dtype=bool)
            x, xw, cols = (x[:, keep], xw[:, keep], cols[keep]) if keep.any() else (None, None, None)
        scale = float(np.std(w)) or 1.0
        seasonal = m > 1 and len(w) >= 2 * m + 8
        constant = big_d + d <= 1
        max_pq = int(self.params.get("max_pq", 3))
        n_w = len(w)

        def allowed(key: tuple) -> bool:
            p, q, sp, sq, c = key
            n_par = p + q + sp + sq + int(c) + (0 if xw is None else xw.shape[1])
            return (0 <= p <= max_pq and 0 <= q <= max_pq and 0 <= sp <= MAX_SEASONAL * seasonal
                    and 0 <= sq <= MAX_SEASONAL * seasonal and p + q + sp + sq <= MAX_ORDER
                    and (constant or not c) and n_w - n_par - 2 > 0)

        ws = w / scale
        ic = str(self.params.get("ic", "aicc"))
        approximate = bool(self.params.get("approximation", True))
        fit = _fit_css if approximate else _fit_exact
        key, best = search(lambda k: fit(ws, xw, m, k, ic), allowed, seasonal, constant,
                           bool(self.params.get("stepwise", True)), max_pq, deadline)
        if best.result is None:  # a CSS fit: the Kalman filter with its estimates forecasts
            # (an exact refit from them costs ~10x the whole search and forecast no better)
            best = _Fit(best.params, best.score, _sarimax(ws, xw, m, key).filter(best.params))
        p, q, sp, sq, c = key
        tail = max(sum(lags), 1)
        return _State(
            result=best.result,
            order=(p, d, q, sp, big_d, sq, m, c),
            chain=[v[len(v) - tail:] for v in chain],
            lags=lags,
            scale=scale,
            exog_cols=cols if x is not None else None,
            exog_tail=None if x is None else x[len(x) - tail:],
            exog_last=None if x is None else x[-1],
            seasonal_idx=idx,
        )

    def predict_one(self, state: _State | float, horizon: int, future_exog: np.ndarray | None) -> np.ndarray:
        if isinstance(state, float):
            return np.full(horizon, state)
        xw = None
        if state.exog_cols is not None:
            fx = None
            if future_exog is not None and np.ndim(future_exog) == 2 and len(future_exog) > 0:
                fx = np.nan_to_num(np.asarray(future_exog, dtype=float))[:, state.exog_cols][:horizon]
            if fx is None:
                fx = np.empty((0, len(state.exog_cols)))
            if len(fx) < horizon:  # unknown future rows: hold the last known ones
                last = fx[-1] if len(fx) else state.exog_last
                fx = np.vstack([fx, np.tile(last, (horizon - len(fx), 1))])
            xw = difference(np.vstack([state.exog_tail, fx]), state.lags)[-1][-horizon:]
        with quiet():
            w = np.asarray(state.result.forecast(horizon, exog=xw), dtype=float) * state.scale
        pred = undifference(state.chain, state.lags, w)
        if state.seasonal_idx is not None:
            pred = pred + seasonal_pattern(state.seasonal_idx, 0, horizon)
        return pred

    def describe(self) -> list[str | None]:
        """The selected model of each series, e.g. ``"ARIMA(2,1,1)(0,1,0)[12]"``."""
        out: list[str | None] = []
        for state in self.states_:
            if state is None or isinstance(state, float):
                out.append(None if state is None else "constant")
                continue
            p, d, q, sp, sd, sq, m, c = state.order
            text = f"ARIMA({p},{d},{q})" + (f"({sp},{sd},{sq})[{m}]" if m > 1 else "")
            text += " with " + ("drift" if d + sd == 1 else "mean") if c else ""
            if state.seasonal_idx is not None:
                text += " deseasonalized"
            if state.exog_cols is not None:
                text += f" + {len(state.exog_cols)} regressors"
            out.append(text)
        return out


def _space(trial: Any, task: str, n_rows: int) -> dict:
    return {
        "stepwise": True,  # an exhaustive search is ~10x slower for little gain: not searched
        "max_pq": trial.suggest_int("max_pq", 1, 3),
        "ic": trial.suggest_categorical("ic", ["aicc", "bic"]),
    }


SPEC = LearnerSpec(
    name="arima",
    family="forecast",
    tasks=FORECAST_TASKS,
    make=make_factory(AutoARIMA),
    space=_space,
    defaults=({"stepwise": True, "max_pq": 3, "ic": "aicc"},),
    cost=2.0,
    description="automatic seasonal ARIMA (stepwise on AICc, KPSS differencing), exogenous regressors",
)
