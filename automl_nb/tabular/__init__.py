"""The tabular task: binary, multiclass and regression on one frame.

``task.py`` fills :class:`~automl_nb.task.Task` (preparation, plan, ensemble inputs, the
final pipeline, prediction); ``trial.py`` holds the trial data the workers evaluate;
``explaining.py`` the SHAP glue of ``AutoML.explain``; ``records.py`` what the Studio shows
of a trial.
"""

PROBLEM_TYPES = ("binary", "multiclass", "regression")
