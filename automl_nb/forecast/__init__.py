"""Time-series forecasting: series profile and guardrails, lag/rolling/calendar/holiday
features, forecasters (seasonal naive, ETS, ARIMA, Theta, Prophet, a global LightGBM, a TCN),
rolling-origin backtesting and the final forecast with prediction intervals."""
