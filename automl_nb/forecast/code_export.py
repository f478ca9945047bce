"""``AutoML.to_code`` for forecasting: the global LightGBM and the seasonal naive forecaster,
alone or blended, as a standalone script (LightGBM, pandas, numpy; not automl_nb).

The script carries the source of the forecasters and of the lag, rolling-window and calendar
features they are built on, and a short equivalent of automl_nb's panel preparation (series
on a regular grid, gaps interpolated). The statistical forecasters (ETS, ARIMA, Theta: fitted
per series through statsmodels, with automl_nb's fallbacks), Prophet and the TCN are not
exported: :class:`~automl_nb.errors.ExportError` names them and says what works instead.
"""

from __future__ import annotations

import datetime as _dt
import sys
import textwrap
from types import ModuleType
from typing import Any

import numpy as np

from ..errors import ExportError
from ..export.code import Script, docstring, embedded_list

#: the forecasters a script can build
EXPORTABLE = ("global_lightgbm", "seasonal_naive")
_WHY = {
    "ets": "ETS (statsmodels ExponentialSmoothing / ETSModel fitted per series, with automl_nb's model "
           "selection and seasonal-naive fallbacks)",
    "arima": "ARIMA (statsmodels SARIMAX with automl_nb's order search per series)",
    "theta": "Theta (statsmodels ThetaModel per series, with automl_nb's fallbacks)",
    "prophet": "Prophet (needs the prophet package)",
    "tcn": "the TCN (a PyTorch network, automl_nb's own code)",
}


def _embeds(obj: Any) -> tuple[list[tuple[ModuleType, str]], list[str]]:
    """The definitions (module, name) and imports the script needs for one of our forecasters."""
    from ..learners import base as L
    from . import features as F
    from .forecasters import base as B
    from .forecasters import global_lightgbm as G
    from .forecasters import naive as N

    base = [(L, "TrialTimeout"), (B, "check_deadline"), (B, "Forecaster"), (B, "seasonal_naive")]
    features = [(F, "auto_lags"), (F, "auto_rolling"), (F, "_window_sums"), (F, "_window_mean"),
                (F, "lag_block"), (F, "calendar_features"), (F, "series_spread"), (F, "exog_and_calendar")]
    imports = ["import time", "from collections.abc import Sequence", "from typing import Any"]
    table = {
        "GlobalLightGBM": (base + features + [(G, "MAX_TRAIN_ROWS"), (G, "GlobalLightGBM")], imports),
        "SeasonalNaive": (base + [(N, "SeasonalNaive")], imports),
    }
    name = getattr(obj, "__name__", "")
    if name not in table:
        raise ExportError(f"{obj.__module__}.{name} has no standalone version in a forecasting script")
    return table[name]


def _check_exportable(exp: Any, members: dict[int, float], trial: int | None) -> None:
    """ExportError, before any work, when a member or the data cannot go into a script."""
    info = exp.prepared.info
    panel = exp.data.panel
    what = f"trial {trial}" if trial is not None else "the final model"
    other = sorted({exp.results[t].learner for t in members} - set(EXPORTABLE))
    if other:
        why = "; ".join(_WHY.get(n, n) for n in other)
        ok = sorted(t for t, r in exp.results.items() if r.ok and r.learner in EXPORTABLE)
        raise ExportError(
            f"to_code() cannot export {what}: it uses {', '.join(other)} — {why} — which has no standalone "
            f"script yet; to_code() exports {' and '.join(EXPORTABLE)} (alone or blended). Export one of "
            f"those trials instead (to_code(trial=...), finished: {ok}), or keep the model with aml.save()")
    if panel.holidays is not None:
        raise ExportError(f"to_code() cannot export {what}: its features include the holidays of "
                          "country_holidays=..., which come from the 'holidays' package; run without "
                          "country_holidays to export it as code")
    if panel.exog is not None or info.exog_columns:
        raise ExportError(f"to_code() cannot export {what}: it uses exogenous columns "
                          f"{info.exog_columns}, whose future values the script would have to read; "
                          "forecasting scripts cover the target's own history only")


def forecast_code(exp: Any, trial: int | None) -> str:
    """See :meth:`automl_nb.AutoML.to_code`."""
    from .backtest import make_forecaster

    model = exp.outcome.model
    if trial is None:
        members = dict(exp.outcome.members)
        _check_exportable(exp, members, None)
        forecasters = {t: f for t, (_, f, _) in zip(members, model.members, strict=True)}
    else:
        members = {trial: 1.0}
        _check_exportable(exp, members, trial)
        r = exp.results[trial]
        forecasters = {trial: make_forecaster(r.learner, r.refit_params or r.params, exp.data)}
    script = Script(_embeds)
    entries = []
    for t, f in forecasters.items():
        r = exp.results[t]
        entries.append(f"        # trial {t}: {r.learner}, backtest {exp.metric.name} {r.score:.4g}\n"
                       f"        ({r.learner!r}, {script.estimator(f, 2)}, {members[t]!r}),")
    what = _what(exp, trial)
    doc = f"The unfitted model: {what}. Fit it with build_model().fit(panel) (panel from panel_from_frame())."
    build = (f"def build_model():\n{docstring(chr(10).join(textwrap.wrap(doc, 88)))}\n"
             "    return Blend([\n" + "\n".join(entries) + "\n    ])")
    script.imports.update({"import sys", "from dataclasses import dataclass, field, replace"})
    from . import panel as P

    script.definitions.insert(0, (P, "Panel"))
    return _assemble(exp, script, build, trial, model)


def _what(exp: Any, trial: int | None) -> str:
    if trial is not None:
        return f"trial {trial} ({exp.results[trial].learner}) refit on all the history"
    return exp.outcome.description


def _header(exp: Any, trial: int | None) -> str:
    import lightgbm
    import pandas as pd

    info = exp.prepared.info
    what = _what(exp, trial)
    lines = [
        *textwrap.wrap(f"{what[0].upper()}{what[1:]}: a standalone forecasting script exported by automl_nb.", 92),
        "",
        f"Forecasts {info.target!r} {exp.data.horizon} steps ahead on a {info.freq!r} grid (season of "
        f"{info.season_length} steps),",
        f"for {info.n_series} series" + (f" (one per {info.series_id!r})" if info.series_id else "")
        + f"; time column {info.time_column!r}. Needs LightGBM, pandas and numpy; not automl_nb.",
        "",
        "Usage",
        "-----",
        "As a program: fit on the history in a CSV or Parquet file and save the model with joblib::",
        "",
        f"    python model.py history.csv {info.target} model.joblib",
        "",
        "From Python::",
        "",
        "    import runpy",
        '    ns = runpy.run_path("model.py")',
        '    panel = ns["panel_from_frame"](ns["read_table"]("history.csv"))',
        '    model = ns["build_model"]().fit(panel)',
        "    model.forecast()  # [series id], time, forecast, lower, upper",
        "",
        *textwrap.wrap(
            "Data types: the time column is parsed as dates (pd.to_datetime) and the target read as "
            "numbers, whatever the file kept. As in automl_nb, each series is put on the grid, leading "
            "missing values are dropped and gaps are filled by linear interpolation; a timestamp off "
            "the grid is an error.", 92),
        "",
        "Reproducibility",
        "---------------",
        *textwrap.wrap(
            "Fitted on the same history, the forecasts equal automl_nb's to 1e-6 or better with the same "
            "library versions: both forecasters are deterministic (LightGBM's random_state is the run's "
            "seed and it keeps the refit's n_jobs). The interval's half-widths (WIDTHS, per step, in "
            "units of each series' scale) come from automl_nb's backtest and are carried as numbers.", 92),
        "",
        f"Exported on {_dt.date.today().isoformat()} with python {sys.version.split()[0]}, "
        f"lightgbm {lightgbm.__version__}, pandas {pd.__version__}, numpy {np.__version__}.",
    ]
    return "\n".join(lines)


def _assemble(exp: Any, script: Script, build: str, trial: int | None, model: Any) -> str:
    info = exp.prepared.info
    panel = exp.data.panel
    non_negative = all(float(np.min(y)) >= 0 for y in panel.values)
    widths = [float(w) for w in model.widths] if trial is None else None
    constants = "\n".join([
        f"TARGET = {info.target!r}",
        f"TIME_COLUMN = {info.time_column!r}",
        "#: the column naming each series (None: one series)",
        f"SERIES_ID = {info.series_id!r}",
        f"FREQ = {info.freq!r}",
        f"SEASON_LENGTH = {int(info.season_length)!r}",
        f"HORIZON = {int(exp.data.horizon)!r}",
        "#: forecasts are clipped at 0 (the history never went below)",
        f"NON_NEGATIVE = {non_negative!r}",
        "#: nominal coverage of the interval; WIDTHS: its half-width per step, in units of each",
        "#: series' scale (None: no interval, for a single trial)",
        f"LEVEL = {float(model.level)!r}",
        f"WIDTHS = {widths!r}",
    ])
    from . import backtest as BT

    script.definitions.append((BT, "mase_scale"))
    sections = [
        f'"""{_header(exp, trial)}\n"""',
        script.import_block(),
        constants,
        "# " + "-" * 88 + "\n# automl_nb's forecasters and features, copied from its source (LightGBM, pandas and\n"
        "# numpy only)\n# " + "-" * 88,
        script.embedded_source(),
        "# " + "-" * 88 + "\n# the model\n# " + "-" * 88,
        _BLEND,
        build,
        "# " + "-" * 88 + "\n# data and program\n# " + "-" * 88,
        _DATA_CODE.replace("__EMBEDDED__", embedded_list([name for _, name in script.definitions] + ["Blend"])),
    ]
    return "\n\n\n".join(s.strip("\n") for s in sections if s.strip()) + "\n"


_BLEND = '''
class Blend:
    """Forecasters fitted on the same panel, their forecasts weighted (automl_nb's final model;
    one forecaster at weight 1.0 for a single trial)."""

    def __init__(self, members):
        self.members = members  # (name, forecaster, weight)

    def fit(self, panel):
        for _, forecaster, _ in self.members:
            forecaster.fit(panel)
        self.panel_ = panel
        return self

    def predict(self, horizon=HORIZON):
        """Point forecasts, shape (n_series, horizon)."""
        total = sum(w * np.asarray(f.predict(horizon), dtype=float) for _, f, w in self.members)
        return np.clip(total, 0, None) if NON_NEGATIVE else total

    def forecast(self, horizon=HORIZON):
        """[SERIES_ID], TIME_COLUMN, forecast, lower, upper for the steps after the history."""
        mean = self.predict(horizon)
        panel = self.panel_
        parts = []
        for i in range(panel.n_series):
            part = {TIME_COLUMN: panel.future_times(i, horizon), "forecast": mean[i]}
            if WIDTHS is not None and horizon <= len(WIDTHS):
                half = np.asarray(WIDTHS[:horizon]) * mase_scale(panel.values[i], panel.season_length)
                lower = mean[i] - half
                part.update(lower=np.clip(lower, 0, None) if NON_NEGATIVE else lower, upper=mean[i] + half)
            if SERIES_ID is not None:
                part = {SERIES_ID: [panel.ids[i]] * horizon, **part}
            parts.append(pd.DataFrame(part))
        return pd.concat(parts, ignore_index=True)
'''

_DATA_CODE = '''
#: the definitions a saved model may refer to (load_model() makes them findable)
EMBEDDED = __EMBEDDED__
USAGE = f"usage: python {sys.argv[0] if sys.argv and sys.argv[0] else 'model.py'} DATA TARGET MODEL_FILE\\n" \\
    "  DATA: a .csv or .parquet file with the time column, the target TARGET (and the series id);\\n" \\
    "  fits build_model() on its history and saves the fitted model to the new file MODEL_FILE (joblib).\\n" \\
    "  Column types: the time column is parsed as dates and the target read as numbers."


def read_table(path):
    """A CSV or Parquet file as a DataFrame."""
    path = str(path)
    if path.lower().endswith((".parquet", ".pq")):
        return pd.read_parquet(path)
    return pd.read_csv(path, dtype=None if SERIES_ID is None else {SERIES_ID: object})


def panel_from_frame(frame, target=TARGET):
    """The series of ``frame`` on the FREQ grid, as automl_nb prepared them: rows without a
    time dropped, sorted when they are not, leading missing values dropped, gaps interpolated
    linearly. The series keep the order they first appear in."""
    df = frame.loc[frame[TIME_COLUMN].notna()].copy()
    if not pd.api.types.is_datetime64_any_dtype(df[TIME_COLUMN]):
        df[TIME_COLUMN] = pd.to_datetime(df[TIME_COLUMN])
    keys = [SERIES_ID, TIME_COLUMN] if SERIES_ID is not None else [TIME_COLUMN]
    if not _is_sorted(df, keys):  # sorted only when needed: the series keep their order
        df = df.sort_values(keys, kind="stable")
    groups = [(None, df)] if SERIES_ID is None else list(df.groupby(SERIES_ID, sort=False, observed=True))
    ids, starts, values = [], [], []
    for key, g in groups:
        t = pd.DatetimeIndex(g[TIME_COLUMN])
        grid = pd.date_range(t[0], t[-1], freq=FREQ)
        if (~t.isin(grid)).any():
            raise ValueError(f"series {key!r}: timestamps off the {FREQ!r} grid")
        rows = pd.Series(pd.to_numeric(g[target]).astype(float).to_numpy(), index=t)
        first = rows.first_valid_index()
        if first is None:
            raise ValueError(f"series {key!r}: the target is missing in every row")
        s = rows.loc[first:].reindex(grid[grid >= first])
        if s.isna().any():
            s = s.interpolate(method="linear", limit_direction="both")
        ids.append(key)
        starts.append(s.index[0])
        values.append(s.to_numpy(dtype=float))
    return Panel(ids=ids, starts=starts, values=values, freq=FREQ, season_length=SEASON_LENGTH)


def _is_sorted(df, keys):
    """Whether each series' rows are together and in time order."""
    if len(keys) == 1:
        return bool(df[keys[0]].is_monotonic_increasing)
    codes = pd.factorize(df[keys[0]], sort=False)[0]
    if not (np.diff(codes) >= 0).all():
        return False
    return bool(df.groupby(keys[0], sort=False, observed=True)[keys[1]].apply(
        lambda s: s.is_monotonic_increasing).all())


def load_model(path):
    """A model saved by this script run as a program (its classes are put in ``__main__``
    first, where the program pickled them from)."""
    import __main__

    import joblib

    for name in EMBEDDED:
        if not hasattr(__main__, name):
            setattr(__main__, name, globals()[name])
    return joblib.load(path)


def main(argv=None):
    args = sys.argv[1:] if argv is None else list(argv)
    if args[:1] in (["-h"], ["--help"]):
        print(USAGE)
        return 0
    if len(args) != 3:
        print(USAGE, file=sys.stderr)
        return 2
    import os

    import joblib

    data, target, out = args
    if os.path.exists(out):
        print(f"{out} already exists; choose a new file", file=sys.stderr)
        return 1
    panel = panel_from_frame(read_table(data), target)
    model = build_model().fit(panel)
    tmp = f"{out}.tmp"
    joblib.dump(model, tmp)
    os.replace(tmp, out)
    print(f"fitted on {panel.n_series} series ({sum(panel.lengths):,} points); saved to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''
