"""Registry of forecasters: name -> :class:`~automl_nb.learners.base.LearnerSpec`.

Importing is cheap: each module imports its library (statsmodels, Prophet, LightGBM, torch)
only when a forecaster is fitted.
"""

from __future__ import annotations

from automl_nb.forecast.forecasters import global_lightgbm, naive

FORECASTERS = {spec.name: spec for spec in (naive.SPEC, global_lightgbm.SPEC)}
