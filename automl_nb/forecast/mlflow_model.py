"""The final forecasting model as an MLflow pyfunc model (``AutoML.log_mlflow``).

``mlflow.pyfunc.load_model(uri).predict(frame)`` gives what ``aml.predict(frame)`` gives:
the tidy forecast ``[series_id], time, forecast, lower, upper`` for the horizon after the
training data. ``frame`` holds the forecast steps' rows (the time column, the series id) and,
when the model uses exogenous columns, their values at those steps; without exogenous
columns its values are not used. The logged model is a pickle of automl_nb's classes:
loading it needs automl_nb installed.
"""

from __future__ import annotations

from typing import Any

import mlflow.pyfunc
import pandas as pd


class ForecastPyfunc(mlflow.pyfunc.PythonModel):
    """A fitted :class:`~automl_nb.forecast.model.ForecastModel` with the series info its
    predict reads the future exogenous values with."""

    def __init__(self, model: Any, info: Any) -> None:
        self.model = model
        self.info = info

    def predict(self, context: Any, model_input: Any, params: Any = None) -> pd.DataFrame:
        """The forecast for the horizon; ``model_input`` as ``aml.predict(X)`` takes it."""
        from .prepare import future_exog

        X = model_input if self.info.exog_columns else None
        return self.model.forecast(future_exog(self.model.panel, self.info, X, self.model.horizon))


def horizon_frame(model: Any, info: Any) -> pd.DataFrame | None:
    """The forecast steps' rows (time column, and series id) as an input example; None when
    the model needs exogenous values there, which only the user has."""
    if info.exog_columns:
        return None
    parts = []
    for i in range(model.panel.n_series):
        part = {info.time_column: model.panel.future_times(i, model.horizon)}
        if info.series_id is not None:
            part = {info.series_id: [str(model.panel.ids[i])] * model.horizon, **part}
        parts.append(pd.DataFrame(part))
    return pd.concat(parts, ignore_index=True)
