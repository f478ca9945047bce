"""The forecasting task: series profile and guardrails, lag/rolling/calendar/holiday
features, forecasters (seasonal naive, ETS, ARIMA, Theta, Prophet, a global LightGBM, a TCN),
rolling-origin backtesting and the final forecast with prediction intervals.

``task.py`` fills :class:`~automl_nb.task.Task`; ``settings.py`` holds the forecasting
settings (grouped in ``ExperimentConfig.forecast``); ``backtest.py`` the trial data the
workers evaluate; ``records.py`` what the Studio shows of a forecast.
"""
