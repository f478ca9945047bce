"""The systems of the forecasting benchmark: one forecast function per system.

A forecast function takes (train, entry, budget, seed, workdir) — `train` the tidy frame
(unique_id, ds, y) without the holdout, `entry` the series' metadata from public_series.json
(with `freq` and `country_holidays`, see series.py) — fits, forecasts `entry["horizon"]` points
per series and returns a `Forecast`: a frame (unique_id, ds, forecast[, lower, upper]). Imports
of the systems happen inside the functions, so this module imports with pandas and numpy only.

A system with a numba JIT (statsforecast) has a warm-up, run by the worker on a tiny series
before the clock starts: its seconds are model time, and the compile time is recorded apart.
"""

from __future__ import annotations

import itertools
import logging
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
FORECAST_PYTHON = REPO / "benchmarks" / ".venv-forecast" / "bin" / "python"

#: statsmodels ETS above this season length: heuristic initial states (see statsmodels_ets)
ETS_MAX_ESTIMATED_SEASON = 24


@dataclass
class Forecast:
    frame: pd.DataFrame  # unique_id, ds, forecast (and lower, upper where the system gives them)
    version: str | None = None
    notes: list[str] = field(default_factory=list)


ForecastFn = Callable[[pd.DataFrame, dict[str, Any], float, int, Path], Forecast]


def _future_dates(last: pd.Timestamp, horizon: int, freq: str) -> pd.DatetimeIndex:
    return pd.date_range(last, periods=horizon + 1, freq=freq)[1:]


def _per_series(train: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    return [(str(uid), g) for uid, g in train.groupby("unique_id", sort=False)]


def _quiet() -> None:
    warnings.filterwarnings("ignore")
    logging.getLogger("cmdstanpy").disabled = True
    logging.getLogger("prophet").setLevel(logging.ERROR)
    logging.getLogger("prophet.plot").disabled = True


# ----------------------------------------------------------------------------- seasonal naive
def forecast_seasonal_naive(
    train: pd.DataFrame, entry: dict[str, Any], budget: float, seed: int, workdir: Path
) -> Forecast:
    """y(T + i) = y(T + i - m * ceil(i / m)): the last season repeated."""
    h, m = entry["horizon"], entry["season_length"]
    frames = []
    for uid, g in _per_series(train):
        y = g["y"].to_numpy(float)
        last_season = y[-m:] if len(y) >= m else y[-1:]
        values = np.resize(last_season, h)  # repeats the last season over the horizon
        ds = _future_dates(g["ds"].iloc[-1], h, entry["freq"])
        frames.append(pd.DataFrame({"unique_id": uid, "ds": ds, "forecast": values}))
    return Forecast(pd.concat(frames, ignore_index=True))


# ----------------------------------------------------------------------------- statsmodels ETS
def _ets_candidates(y: np.ndarray, m: int) -> list[tuple[str, str | None, bool, str | None]]:
    """(error, trend, damped, seasonal) combinations, simplest first.

    Multiplicative error or season only for strictly positive series; additive error with a
    multiplicative season is left out (numerically unstable, as in R's ets(restrict = TRUE)).
    Seasonal models need two full seasons.
    """
    positive = bool((y > 0).all())
    seasonals: list[str | None] = [None]
    if m > 1 and len(y) >= 2 * m:
        seasonals += ["add", "mul"] if positive else ["add"]
    trends = [(None, False), ("add", False), ("add", True)]
    out = []
    for error in ["add", "mul"] if positive else ["add"]:
        for (trend, damped), seasonal in itertools.product(trends, seasonals):
            if error == "add" and seasonal == "mul":
                continue
            out.append((error, trend, damped, seasonal))
    return out


def forecast_statsmodels_ets(
    train: pd.DataFrame, entry: dict[str, Any], budget: float, seed: int, workdir: Path
) -> Forecast:
    """statsmodels' ETSModel, the (error, trend, damped, season) of lowest AICc per series.

    For m <= 24 every parameter is estimated by maximum likelihood, initial states included.
    For m > 24 (weekly m = 52, half-hourly m = 48) the initial states are set by statsmodels'
    heuristic (a decomposition of the first seasons) and only the smoothing parameters are
    estimated: estimating 48-52 initial seasonal states takes ~30x longer and converges
    poorly (worse likelihood than the heuristic start). Candidates are tried simplest first
    and the search stops at the budget (split evenly over the series), keeping the best so far.
    """
    import statsmodels
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    warnings.filterwarnings("ignore")
    h, m = entry["horizon"], entry["season_length"]
    init = "estimated" if m <= ETS_MAX_ESTIMATED_SEASON else "heuristic"
    series = _per_series(train)
    per_series_budget = budget / len(series)
    frames, chosen, stopped = [], [], 0
    for uid, g in series:
        y = g["y"].to_numpy(float)
        start = time.perf_counter()
        best: tuple[float, np.ndarray, str] | None = None
        candidates = _ets_candidates(y, m)
        for i, (error, trend, damped, seasonal) in enumerate(candidates):
            if best is not None and time.perf_counter() - start > per_series_budget:
                stopped += len(candidates) - i
                break
            try:
                result = ETSModel(
                    y,
                    error=error,
                    trend=trend,
                    damped_trend=damped,
                    seasonal=seasonal,
                    seasonal_periods=m if seasonal else None,
                    initialization_method=init,
                ).fit(disp=False, maxiter=1000)
                values = np.asarray(result.forecast(h), dtype=float)
                aicc = float(result.aicc)
            except Exception:  # a candidate that does not fit is skipped
                continue
            if not (np.isfinite(values).all() and np.isfinite(aicc)):
                continue
            label = "ETS({},{},{})".format(
                error[0].upper(),
                "N" if trend is None else ("Ad" if damped else "A"),
                "N" if seasonal is None else seasonal[0].upper(),
            )
            if best is None or aicc < best[0]:
                best = (aicc, values, label)
        if best is None:
            raise RuntimeError(f"{uid}: no ETS candidate could be fitted")
        ds = _future_dates(g["ds"].iloc[-1], h, entry["freq"])
        frames.append(pd.DataFrame({"unique_id": uid, "ds": ds, "forecast": best[1]}))
        chosen.append(best[2])
    notes = [f"initialization={init}"]
    counts = pd.Series(chosen).value_counts()
    notes.append(
        "chosen " + ", ".join(f"{k}" + (f" x{v}" if v > 1 else "") for k, v in counts.items())
    )
    if stopped:
        notes.append(f"budget reached: {stopped} candidate fits skipped")
    return Forecast(pd.concat(frames, ignore_index=True), statsmodels.__version__, notes)


# ----------------------------------------------------------------------------- Prophet
def holiday_frame(country_holidays: str | None, first: pd.Timestamp, last: pd.Timestamp):
    """Prophet's holidays frame (holiday, ds) for "AU-VIC" style codes, or None."""
    if not country_holidays:
        return None
    import holidays

    country, _, subdiv = country_holidays.partition("-")
    years = range(first.year, last.year + 2)
    calendar = holidays.country_holidays(country, subdiv=subdiv or None, years=years)
    rows = sorted(calendar.items())
    return pd.DataFrame(
        {"holiday": [name for _, name in rows], "ds": pd.to_datetime([d for d, _ in rows])}
    )


def forecast_prophet(
    train: pd.DataFrame, entry: dict[str, Any], budget: float, seed: int, workdir: Path
) -> Forecast:
    """Prophet with its defaults, plus the entry's country holidays when it has them."""
    _quiet()
    import prophet
    from prophet import Prophet

    h = entry["horizon"]
    frames = []
    holidays_df = None
    if entry.get("country_holidays"):
        future_end = _future_dates(train["ds"].max(), h, entry["freq"])[-1]
        holidays_df = holiday_frame(entry["country_holidays"], train["ds"].min(), future_end)
    for uid, g in _per_series(train):
        model = Prophet(holidays=holidays_df)
        model.fit(g[["ds", "y"]])
        future = pd.DataFrame({"ds": _future_dates(g["ds"].iloc[-1], h, entry["freq"])})
        pred = model.predict(future)
        frames.append(
            pd.DataFrame({"unique_id": uid, "ds": future["ds"], "forecast": pred["yhat"]})
        )
    notes = [f"holidays {entry['country_holidays']}"] if holidays_df is not None else []
    return Forecast(pd.concat(frames, ignore_index=True), prophet.__version__, notes)


# ----------------------------------------------------------------------------- statsforecast
def _statsforecast(train: pd.DataFrame, entry: dict[str, Any], model: Any) -> Forecast:
    import statsforecast
    from statsforecast import StatsForecast

    warnings.filterwarnings("ignore")
    sf = StatsForecast(models=[model], freq=entry["freq"], n_jobs=1)
    out = sf.forecast(df=train[["unique_id", "ds", "y"]], h=entry["horizon"])
    out = out.reset_index() if "unique_id" not in out.columns else out
    column = [c for c in out.columns if c not in ("unique_id", "ds")][0]
    frame = out[["unique_id", "ds", column]].rename(columns={column: "forecast"})
    return Forecast(frame, statsforecast.__version__)


def forecast_statsforecast_autoarima(
    train: pd.DataFrame, entry: dict[str, Any], budget: float, seed: int, workdir: Path
) -> Forecast:
    from statsforecast.models import AutoARIMA

    return _statsforecast(train, entry, AutoARIMA(season_length=entry["season_length"]))


def forecast_statsforecast_autoets(
    train: pd.DataFrame, entry: dict[str, Any], budget: float, seed: int, workdir: Path
) -> Forecast:
    from statsforecast.models import AutoETS

    result = _statsforecast(train, entry, AutoETS(season_length=entry["season_length"]))
    if entry["season_length"] > 24:
        result.notes.append("m > 24: statsforecast's AutoETS fits non-seasonal models only")
    return result


def _warm_up_statsforecast() -> None:
    """Compile statsforecast's numba code on a tiny series (not timed)."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoETS

    warnings.filterwarnings("ignore")
    rng = np.random.default_rng(0)
    n = 48
    y = 10 + np.sin(np.arange(n) * 2 * np.pi / 4) + rng.normal(0, 0.1, n)
    df = pd.DataFrame({"unique_id": "w", "ds": pd.date_range("2000", periods=n, freq="QS"), "y": y})
    models = [AutoARIMA(season_length=4), AutoETS(season_length=4)]
    StatsForecast(models=models, freq="QS", n_jobs=1).forecast(df=df, h=4)


# ----------------------------------------------------------------------------- automl_nb
def forecast_automl_nb(
    train: pd.DataFrame, entry: dict[str, Any], budget: float, seed: int, workdir: Path
) -> Forecast:
    """automl_nb's forecasting AutoML (task="forecast"): fit on the history, predict()."""
    import automl_nb as an

    if not hasattr(an, "AutoML"):
        raise ImportError("automl_nb has no AutoML (engine not available yet)")
    panel = entry["n_series"] > 1
    frame = train if panel else train.drop(columns="unique_id")
    aml = an.AutoML(
        task="forecast",
        time_column="ds",
        series_id="unique_id" if panel else None,
        horizon=entry["horizon"],
        season_length=entry["season_length"],
        country_holidays=entry.get("country_holidays"),
        time_budget=budget,
        seed=seed,
        show=False,
        folder=str(workdir / "automl_nb"),
    )
    aml.fit(frame, "y")
    fc = pd.DataFrame(aml.predict())
    if not panel:
        fc["unique_id"] = str(train["unique_id"].iloc[0])
    missing = {"unique_id", "ds", "forecast"} - set(fc.columns)
    if missing:
        raise ValueError(f"predict() frame lacks {sorted(missing)}; has {list(fc.columns)}")
    cols = ["unique_id", "ds", "forecast"] + [c for c in ("lower", "upper") if c in fc.columns]
    return Forecast(fc[cols].reset_index(drop=True), getattr(an, "__version__", None))


SYSTEMS: dict[str, ForecastFn] = {
    "seasonal_naive": forecast_seasonal_naive,
    "statsmodels_ets": forecast_statsmodels_ets,
    "prophet": forecast_prophet,
    "statsforecast_autoarima": forecast_statsforecast_autoarima,
    "statsforecast_autoets": forecast_statsforecast_autoets,
    "automl_nb": forecast_automl_nb,
}

#: run by the worker before the clock starts (JIT compilation)
WARM_UPS: dict[str, Callable[[], None]] = {
    "statsforecast_autoarima": _warm_up_statsforecast,
    "statsforecast_autoets": _warm_up_statsforecast,
}

PEERS = [s for s in SYSTEMS if s != "automl_nb"]


def check_system(system: str) -> str:
    if system not in SYSTEMS:
        raise SystemExit(f"unknown system {system!r}; known: {sorted(SYSTEMS)}")
    return system
