"""Registry of forecasters: name -> :class:`~automl_nb.learners.base.LearnerSpec`.

Importing is cheap: each module imports its library (statsmodels, Prophet, LightGBM, torch)
only when a forecaster is fitted.
"""

from __future__ import annotations

from automl_nb.forecast.forecasters import (
    arima,
    ets,
    global_lightgbm,
    naive,
    prophet_model,
    tcn,
    theta,
)

#: the forecasting task's learners (the task registry adds them to ``automl_nb.learners.LEARNERS``)
FORECASTERS = LEARNERS = {
    spec.name: spec
    for spec in (naive.SPEC, global_lightgbm.SPEC, ets.SPEC, theta.SPEC, arima.SPEC, prophet_model.SPEC, tcn.SPEC)
}

#: the portfolio phase: (forecaster, index of its default), cheap and strong first; names
#: not registered (an optional library missing) are skipped
PORTFOLIO = (
    ("seasonal_naive", 0),
    ("theta", 0),
    ("ets", 0),
    ("global_lightgbm", 0),
    ("arima", 0),
    ("global_lightgbm", 1),
    ("prophet", 0),
    ("tcn", 0),
)
