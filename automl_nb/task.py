"""Tasks: what differs between tabular learning and forecasting, behind one small protocol.

A task is looked up by name in :data:`REGISTRY`; its implementation lives in its own package
(``automl_nb/tabular/``, ``automl_nb/forecast/``) and is imported on first use. The engine,
the facade and the Studio call the task's methods and never compare a task's name: adding a
task is one package that fills :class:`Task` plus one line below.

A task serves one or more *problem types*, the values of ``AutoML(task=...)``: the tabular
task serves "binary", "multiclass" and "regression"; forecasting serves "forecast".
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class TaskEntry:
    name: str
    problem_types: tuple[str, ...]  # the values of AutoML(task=...) this task serves
    module: str  # holds ``TASK``, the task's instance; imported on first use
    #: settings whose value (anything but their default) with task="auto" asks for this task
    implied_by: tuple[str, ...] = ()
    #: the module whose ``LEARNERS`` dict adds the task's own learners to the learner registry
    learners: str | None = None


REGISTRY: tuple[TaskEntry, ...] = (
    TaskEntry("tabular", ("binary", "multiclass", "regression"), "automl_nb.tabular.task"),
    TaskEntry("forecast", ("forecast",), "automl_nb.forecast.task", implied_by=("time_column", "horizon"),
              learners="automl_nb.forecast.forecasters"),
)

#: every value ``task=`` takes besides "auto"
PROBLEM_TYPES: tuple[str, ...] = tuple(t for e in REGISTRY for t in e.problem_types)


def entry_for(problem_type: str) -> TaskEntry:
    for e in REGISTRY:
        if problem_type in e.problem_types:
            return e
    raise KeyError(f"no task serves {problem_type!r}; known: {', '.join(PROBLEM_TYPES)}")


def get_task(problem_type: str) -> Task:
    """The task that serves ``problem_type`` ("binary", "forecast"...). "auto" is served by
    the first task of the registry, which infers the problem type from the target."""
    entry = REGISTRY[0] if problem_type == "auto" else entry_for(problem_type)
    return importlib.import_module(entry.module).TASK


def task_learners() -> dict[str, Any]:
    """The learners the tasks bring (name -> LearnerSpec), beside the tabular ones."""
    out: dict[str, Any] = {}
    for e in REGISTRY:
        if e.learners:
            out.update(importlib.import_module(e.learners).LEARNERS)
    return out


def implied_problem_type(task: str, given: Iterable[str]) -> str:
    """``task`` as given, or with task="auto" the problem type the ``given`` settings ask
    for (forecasting's time_column or horizon), else "auto"."""
    if task != "auto":
        return task
    given = set(given)
    for e in REGISTRY:
        if given & set(e.implied_by):
            return e.problem_types[0]
    return "auto"


@dataclass
class Planned:
    """What a task's ``plan`` hands the experiment before the search."""

    profile: Any  # what each column (or series) is
    plan: Any  # ValidationPlan: how trials are scored, stated in words
    guardrails: list[Any]
    data: Any  # the TrialData sent to the workers
    records: dict[str, Any]  # JSON the store keeps for restore: "task", "prepared" and the task's own


class Task:
    """What a task decides. The defaults say "not available" for what only some tasks do.

    Engine side: ``prepare`` (checks, before any work), ``plan`` (profile, guardrails,
    validation, the trial data sent to workers), ``restore``, the baseline and portfolio,
    ensemble inputs and the final model's assembly. The trial data itself knows how to
    ``evaluate`` and ``refit`` (workers call those without knowing the task).
    Facade side: prediction, scoring, featurization summary. Widget side: plain records.
    """

    name: ClassVar[str]
    baseline: ClassVar[str]  # the learner every score is compared with; runs first, on the driver
    #: the ExperimentConfig field grouping this task's own settings (None: it has none)
    settings_group: ClassVar[str | None] = None
    #: settings of other tasks that do not apply here (the Studio's form leaves them at their default)
    ignored_settings: ClassVar[tuple[str, ...]] = ()
    #: what one score of a trial is measured on: "fold" or "window" (leaderboard columns)
    score_unit: ClassVar[str] = "fold"
    #: the Studio panels filled when a run ends
    final_views: ClassVar[tuple[str, ...]] = ()

    # ---- engine ------------------------------------------------------------------------------

    def prepare(self, X: Any, y: Any, config: Any, validation_data: Any = None, groups: Any = None) -> Any:
        raise NotImplementedError

    def plan(self, prepared: Any, config: Any) -> Any:
        """A :class:`Planned`: profile, validation plan, guardrails, trial data, and what the
        store keeps to restore them."""
        raise NotImplementedError

    def restore(self, folder: Any, store: Any) -> tuple[Any, Any, Any]:
        """``(prepared, data, profile)`` as the folder left them."""
        raise NotImplementedError

    def portfolio(self, prepared: Any = None) -> list[tuple] | None:
        """The portfolio phase's order, (learner, default index) or (learner, default index,
        parameters that replace the default's); None: the searcher's own."""
        return None

    def n_rows(self, prepared: Any) -> int:
        raise NotImplementedError

    def shape(self, prepared: Any) -> tuple[int, int]:
        """(rows, columns) as the run's start announces them."""
        raise NotImplementedError

    def ensemble_inputs(self, data: Any, prepared: Any, seed: int) -> tuple[Any, Any, Any, Any]:
        """``(y, aux, selection_mask, score_mask)``: the targets the out-of-fold predictions
        are scored against, the metric's third argument, the rows ensemble selection uses
        and the rows the ensemble's score is reported on."""
        raise NotImplementedError

    #: whether the baseline may join the ensemble
    ensemble_with_baseline: ClassVar[bool] = False

    #: whether the final model may be a stack of trials (``AutoML(ensemble="stack")``,
    #: :mod:`automl_nb.stacking`); a task that cannot stack refuses it with a ConfigError
    stacks: ClassVar[bool] = False

    def assemble_stack(self, fitted: dict[int, Any], stacking: Any, results: dict, prepared: Any) -> Any:
        """The final model of a kept stack (:class:`automl_nb.stacking.Stacking`): its
        members' refit models under its fitted meta-learner."""
        raise NotImplementedError(f"{self.name} models are not stacked")

    def blends_prior(self, metric: Any) -> bool:
        """Whether the final model blends in the baseline at weight 1/rows (log loss)."""
        return False

    def assemble(self, fitted: dict[int, Any], weights: dict[int, float], results: dict, prepared: Any,
                 data: Any, config: Any) -> Any:
        raise NotImplementedError

    def selection_metric(self, experiment: Any) -> Any:
        """The metric ensemble selection scores out-of-fold blends with (the run's metric)."""
        return experiment.metric

    def decide(self, experiment: Any, outcome: Any) -> Any:
        """The finished outcome as the task delivers it (e.g. with a tuned decision threshold,
        said in its description); unchanged by default."""
        return outcome

    # ---- facade ------------------------------------------------------------------------------

    def estimator_type(self, problem_type: str) -> str | None:
        """What scikit-learn takes an AutoML of this problem type for: "classifier",
        "regressor", or None (neither; also for "auto" before the target is seen)."""
        return None

    def predict(self, experiment: Any, model: Any, X: Any) -> Any:
        raise NotImplementedError

    def predict_proba(self, experiment: Any, model: Any, X: Any) -> Any:
        raise AttributeError("predict_proba is only available for classification")

    def score(self, aml: Any, experiment: Any, X: Any, y: Any) -> float:
        raise NotImplementedError

    def test(self, aml: Any, experiment: Any, X: Any, y: Any) -> Any:
        raise ValueError(f"test() does not apply to {self.name} experiments")

    def explain(self, aml: Any, experiment: Any, **kwargs: Any) -> Any:
        raise ValueError(f"explain() does not apply to {self.name} experiments")

    def forecast_plot(self, aml: Any, experiment: Any, **kwargs: Any) -> Any:
        raise ValueError("forecast_plot() is for task='forecast'")

    def featurization_summary(self, experiment: Any, family: str | None) -> Any:
        raise NotImplementedError

    def report_lines(self, aml: Any) -> list[str]:
        """Extra lines for the command line's report."""
        return []

    # ---- widget records (plain JSON-able data; the Studio shows them) -----------------------

    def trial_details(self, experiment: Any, trial_id: int | None) -> dict[str, Any]:
        raise NotImplementedError

    def featurization_records(self, experiment: Any, final: bool) -> list[dict[str, Any]]:
        raise NotImplementedError

    def pre_run_checks(self, prepared: Any, config: Any) -> tuple[list[Any], list[dict[str, Any]]]:
        """``(guardrails, featurization records)`` the Studio shows before a run."""
        raise NotImplementedError

    def form_defaults(self, df: Any, config: dict[str, Any]) -> dict[str, Any]:
        """Suggestions the Studio's form shows for this task's settings."""
        return {}

    # ---- reliability (automl_nb.reliability): a task that cannot resample says so ----------

    def resample_splits(self, experiment: Any, seeds: list[int]) -> tuple[str, list[tuple[Any, Any]]]:
        """``(description, [(train rows, test rows) per seed])``: fresh splits of the run's
        rows in the spirit of its validation (``AutoML.stability``), the description in words."""
        raise ValueError(f"stability() and learning_curve() are not available for {self.name} runs")

    def fit_score(self, experiment: Any, models: list[dict[int, float]], train: Any, test: Any, seed: int,
                  threads: int, deadline: float | None) -> list[float]:
        """Each model (trial id -> weight, assembled as the run assembles its final model)
        trained on rows ``train`` with every random_state ``seed`` and scored on rows ``test``
        with the run's metric (:func:`automl_nb.reliability.refit_score.fit_score`)."""
        raise ValueError(f"stability() and learning_curve() are not available for {self.name} runs")

    def learning_curve_folds(self, experiment: Any, k: int) -> tuple[str, list[tuple[Any, Any]], Any]:
        """``(description, [(train rows, validation rows)], strata)`` for ``AutoML.learning_curve``:
        the run's folds, or ``k`` folds re-drawn when it validated on one split; ``strata``
        (labels per row, or None) is what each fold's share of rows is stratified by."""
        raise ValueError(f"learning_curve() is not available for {self.name} runs")

    # ---- ways out (automl_nb.export): a task that cannot export says so -------------------
    # Each export module adds the method it needs here (default: ExportError naming the task)
    # and the task packages implement it.

    def code(self, experiment: Any, trial: int | None) -> str:
        """A standalone Python script that builds the final model (``trial=None``) or
        finished trial ``trial``'s pipeline from scratch (``AutoML.to_code``)."""
        from .errors import ExportError

        raise ExportError(f"to_code() cannot export the model of a {self.name} experiment as code")

    def onnx_model(self, experiment: Any) -> bytes:
        """The final model as a serialized ONNX graph, checked with onnxruntime
        (``AutoML.export_onnx``)."""
        from .errors import ExportError

        raise ExportError(f"{self.name} models are not exported as ONNX")

    def mlflow_model(self, experiment: Any) -> tuple[str, Any, Any]:
        """The final model as ``AutoML.log_mlflow`` logs it: ``(flavor, model, example)``,
        flavor "sklearn" (model is a scikit-learn estimator) or "pyfunc" (model is an
        ``mlflow.pyfunc.PythonModel``); example is a few rows of what its predict takes
        (None when there are none at hand)."""
        from .errors import ExportError

        raise ExportError(f"log_mlflow() cannot log the model of a {self.name} experiment")

    def restore_without_data(self, folder: Any, store: Any) -> Any:
        """The prepared data's description (columns, classes, metric) from the store alone,
        for ``an.load(folder, trusted=False)``, which reads no pickle (``data.joblib`` is one)."""
        from .export.safe_files import UntrustedModelError

        raise UntrustedModelError(f"an.load(folder, trusted=False) does not load {self.name} experiments: their "
                                  "model and data are saved as pickles only; only if you trust whoever made the "
                                  "folder, load it with trusted=True")
