"""``AutoML.best_by(metric)``: the final model chosen by another metric than the one the
search optimized (Azure ML lets you pick the primary metric and the model separately).

The candidates are every finished trial and the run's own final model (its ensemble or
stack), each scored with ``metric`` on its out-of-fold predictions (the rows the run's
ensemble score is reported on; a stack's own predictions are cross-validated as
:mod:`automl_nb.stacking` does). The best becomes the final model: a trial is refit on all
rows **in the kernel** (the run is over and its workers are gone; this is what
``explain(trial=...)`` does, and the refit is cached in ``exp.trial_models``). The run's own
final model is kept (``exp.final_choices``), in memory and in the folder
(``optimized_model.pkl``/``.skops`` and the store's ``outcome_optimized``), so choosing the
optimized metric again goes back to it, also after ``an.load``. The chosen model is saved as
the folder's ``model.pkl``/``model.skops`` with ``chosen_by`` in its outcome record, so
``an.load`` gives the chosen model.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import replace
from typing import Any

import numpy as np

#: the run's own final model among the candidates
RUN_MODEL = "final"
#: copies of the run's own final model once another was chosen
OPTIMIZED_FILES = {"model.pkl": "optimized_model.pkl", "model.skops": "optimized_model.skops"}


def check_metric(exp: Any, metric: Any) -> Any:
    """The :class:`~automl_nb.metrics.Metric` named ``metric``; a ValueError naming the
    argument when it is unknown or does not apply to the run's task."""
    from .metrics import METRICS

    task = exp.prepared.task
    valid = [m for m, s in METRICS.items() if task in s.tasks]
    if not isinstance(metric, str) or metric not in METRICS:
        raise ValueError(f"best_by(metric={metric!r}): not a known metric; valid for this {task} run: {', '.join(valid)}")
    if task not in METRICS[metric].tasks:
        raise ValueError(f"best_by(metric={metric!r}) does not apply to a {task} run; valid: {', '.join(valid)}")
    return METRICS[metric]


def check_ready(exp: Any, running: bool) -> None:
    """A RuntimeError unless the run has ended with a final model and its training rows are here."""
    if running or exp.status not in ("finished", "cancelled"):
        raise RuntimeError(f"best_by() needs a run that has ended (this one is {exp.status!r}): wait() for it first")
    if exp.outcome.model is None:
        raise RuntimeError("best_by() needs a run that ended with a final model; this one has none"
                           + (f": {exp.error}" if exp.error else ""))
    if not exp.trusted or exp.data is None:
        raise ValueError("best_by() refits a trial on the training data (data.joblib, a pickle), which "
                         "an.load(folder, trusted=False) does not read; only if you trust whoever made the folder, "
                         "load it with trusted=True")


def candidate_scores(exp: Any, metric: Any, own: Any) -> dict[Any, float]:
    """``metric`` of each finished trial's out-of-fold predictions and of the run's own final
    model (key :data:`RUN_MODEL`), on the rows the ensemble score is reported on."""
    from .finalize import blend
    from .stacking import is_stack, stack_oof

    y, aux, _, rows = exp.task.ensemble_inputs(exp.data, exp.prepared, exp.config.seed)
    scores: dict[Any, float] = {}
    for r in sorted(dict(exp.results).values(), key=exp.loss):
        if r.ok and r.oof is not None:
            scores[r.trial_id] = _score(metric, y[rows], r.oof[rows], aux)
    if len(own.members) > 1:
        if is_stack(own.model):
            oof, scored = stack_oof(exp, list(own.members))
            scores[RUN_MODEL] = _score(metric, y[scored], oof[scored], aux)
        else:
            scores[RUN_MODEL] = _score(metric, y[rows], blend(exp.results, own.members)[rows], aux)
    return scores


def _score(metric: Any, y: np.ndarray, pred: np.ndarray, aux: Any) -> float:
    try:
        return float(metric.score(y, pred, aux))
    except ValueError:  # a metric that cannot be computed here (one class in y)
        return float("nan")


def best_by(exp: Any, metric_name: Any, running: bool = False) -> Any:
    """Make the best model by ``metric_name`` (out of fold) the experiment's final model and
    save it in the folder; returns the new :class:`~automl_nb.finalize.Outcome`."""
    metric = check_metric(exp, metric_name)
    check_ready(exp, running)
    optimized = exp.prepared.metric
    own = run_outcome(exp)
    if metric.name == optimized:
        exp.outcome = own
        _save(exp)
        return own
    if metric.name in exp.final_choices:
        exp.outcome = exp.final_choices[metric.name]
        _save(exp)
        return exp.outcome
    scores = candidate_scores(exp, metric, own)
    finite = {k: v for k, v in scores.items() if not math.isnan(v)}
    if not finite:
        raise ValueError(f"best_by(metric={metric.name!r}): no model could be scored with it out of fold")
    # ties: the run's own model, then the trial the search ranked higher (dicts keep that order)
    order = [RUN_MODEL, *(k for k in finite if k != RUN_MODEL)]
    chosen = min((k for k in order if k in finite), key=lambda k: metric.loss(finite[k]))
    why = f"chosen by {metric.name} (the search optimized {optimized})"
    versus = _versus(metric, finite, chosen, own)
    if chosen == RUN_MODEL or (len(own.members) == 1 and chosen in own.members):
        outcome = replace(own, description=f"{own.description} — {why}{versus}", chosen_by=metric.name)
    else:
        r = exp.results[chosen]
        if chosen not in exp.trial_models:
            exp.trial_models[chosen] = exp.data.refit(r.learner, r.refit_params or r.params)
        model = exp.task.assemble({chosen: exp.trial_models[chosen]}, {chosen: 1.0}, exp.results, exp.prepared,
                                  exp.data, exp.config)
        outcome = replace(own, model=model, members={chosen: 1.0}, ensemble_score=float("nan"), best_trial=chosen,
                          description=f"trial {chosen} ({r.learner}) {why}{versus}", chosen_by=metric.name)
    exp.final_choices[metric.name] = outcome
    exp.outcome = outcome
    _save(exp)
    return outcome


def _versus(metric: Any, scores: dict[Any, float], chosen: Any, own: Any) -> str:
    """": out-of-fold f1 0.83 vs 0.81 of the run's final model"."""
    theirs_key = RUN_MODEL if RUN_MODEL in scores else next(iter(own.members))
    text = f": out-of-fold {metric.name} {scores[chosen]:.4g}"
    if chosen != theirs_key and theirs_key in scores:
        text += f" vs {scores[theirs_key]:.4g} of the run's final model"
    return text


def run_outcome(exp: Any) -> Any:
    """The run's own final model (the one its search optimized), kept once another is chosen:
    from memory, else from the folder (after ``an.load``)."""
    optimized = exp.prepared.metric
    if optimized in exp.final_choices:
        return exp.final_choices[optimized]
    if not exp.outcome.chosen_by:
        own = exp.outcome
        _keep_run_files(exp)
    else:
        own = _load_run_outcome(exp)
    exp.final_choices[optimized] = own
    return own


def _keep_run_files(exp: Any) -> None:
    """Copies of the run's own model files and outcome record, before another model is saved."""
    folder = exp.folder
    for name, copy in OPTIMIZED_FILES.items():
        if (folder / name).exists() and not (folder / copy).exists():
            shutil.copyfile(folder / name, folder / copy)
    if exp.store.get("outcome_optimized") is None and exp.store.get("outcome") is not None:
        exp.store.put("outcome_optimized", exp.store.get("outcome"))


def _load_run_outcome(exp: Any) -> Any:
    from .finalize import Outcome
    from .persist import load_pipeline

    record, path = exp.store.get("outcome_optimized"), exp.folder / OPTIMIZED_FILES["model.pkl"]
    if record is None or not path.exists():
        raise FileNotFoundError(f"the run's own final model is not in {str(exp.folder)!r} "
                                f"({OPTIMIZED_FILES['model.pkl']} is missing): it cannot be chosen again")
    score = record.get("ensemble_score")
    return Outcome(model=load_pipeline(path), members={int(k): v for k, v in record["members"].items()},
                   ensemble_score=float("nan") if score is None else score, best_trial=record["best_trial"],
                   description=record["description"])


def _save(exp: Any) -> None:
    """The final model as the folder's model files (what ``an.load`` gives)."""
    from .experiment_folder import save_model

    exp._write("model.pkl", lambda: save_model(exp))
