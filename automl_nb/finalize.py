"""The end of a run: ensemble selection, prior smoothing, the refit on all data, the final
model — within what is left of the budget.

Task-agnostic: the task says what the out-of-fold predictions are scored against
(``ensemble_inputs``), whether the class prior is blended in (``blends_prior``) and how the
refit members become one model (``assemble``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .run.runner import Job
from .run.trial import TrialResult

MAX_ENSEMBLE_CANDIDATES = 15
SAFETY_SECONDS = 0.4  # kept free at the end of the budget for saving and bookkeeping


@dataclass
class Outcome:
    """What a finished run leaves: the model, and how it was chosen."""

    model: Any = None  # fitted sklearn Pipeline (or a task's own final model)
    members: dict[int, float] = field(default_factory=dict)  # trial id -> weight
    ensemble_score: float = float("nan")
    best_trial: int | None = None
    description: str = ""
    #: the metric ``AutoML.best_by`` chose this model by; "" when it is the run's own (automl_nb.final_choice)
    chosen_by: str = ""


def finalize(exp: Any, runner: Any) -> None:
    """Choose the members, refit them on all data and set the final model (``exp.outcome``)."""
    ok = sorted((r for r in exp.results.values() if r.ok and r.oof is not None), key=exp.loss)
    if not ok:
        raise RuntimeError("no trial finished successfully; see the leaderboard's errors")
    best = ok[0]
    members = {best.trial_id: 1.0}
    stacking = None
    if exp.config.ensemble:
        from .stacking import choose_ensemble

        members = select_members(exp, ok) or members
        stacking = choose_ensemble(exp, ok, members, MAX_ENSEMBLE_CANDIDATES)  # "stack"/"auto": the stack when it wins
        members = stacking.members
    n_rows = exp.n_rows()
    exp._phase("refitting", f"training {len(members)} model(s) on all {n_rows:,} rows")
    failures: dict[int, str] = {}  # trial id -> why its refit failed (a worker killed, a full disk)
    fitted = refit_members(exp, runner, members, failures)
    if not fitted and best.trial_id not in members:
        members = {best.trial_id: 1.0}
        fitted = refit_members(exp, runner, members, failures)
    if not fitted:  # nothing could be refit in time: the baseline is always available
        base = next((r for r in ok[::-1] if r.learner == exp.baseline), None)
        if base is None:
            raise RuntimeError("no model could be refit within the time budget"
                               + (f": {refit_failures(exp, failures)}" if failures else ""))
        fitted = {base.trial_id: exp.data.refit(exp.baseline, {})}
        members = {base.trial_id: 1.0}
    kept = {t: w for t, w in members.items() if t in fitted}
    total = sum(kept.values())
    kept = {t: w / total for t, w in kept.items()}
    description = (f"ensemble of {len(kept)} trials" if len(kept) > 1
                   else f"trial {next(iter(kept))} ({exp.results[next(iter(kept))].learner})")
    sampled = sorted({exp.refit_rows[t] for t in kept if exp.refit_rows.get(t, n_rows) < n_rows})
    if sampled:
        description += (f" (trained on {', '.join(f'{n:,}' for n in sampled)} of {n_rows:,} rows:"
                        " all would not fit in the time left)")
    smoothing = prior_smoothing(exp, ok, kept)
    if smoothing is not None:
        base, eps = smoothing
        if base not in fitted:
            fitted[base] = exp.data.refit(exp.baseline, {})
        kept = {**{t: w * (1 - eps) for t, w in kept.items()}, base: eps}
        description += f", blended with the class prior at weight {eps:.2g} (1/rows)"
    if failures:
        description += f" — instead of what was chosen: {refit_failures(exp, failures)}"
    exp.outcome = Outcome(
        model=exp.task.assemble(fitted, kept, exp.results, exp.prepared, exp.data, exp.config),
        members=kept, ensemble_score=oof_score(exp, kept) if len(kept) > 1 else float("nan"),
        best_trial=best.trial_id, description=description,
    )
    if stacking is not None:
        from .stacking import finish_stack

        finish_stack(exp, stacking, fitted)
    exp.outcome = exp.task.decide(exp, exp.outcome)  # e.g. a decision threshold tuned on the OOF predictions


def prior_smoothing(exp: Any, ok: list[TrialResult], kept: dict[int, float]) -> tuple[int, float] | None:
    """(baseline trial, weight 1/n) to blend the class prior into the model, when the task
    asks for it (log loss).

    A model trained on n rows has no evidence for a class probability far below 1/n, yet
    nearly separable classes drive regularized linear models and boosted trees to 1e-6 and
    less; one unusual row (on penguins: all measurements missing) then costs more than all
    other rows together. Additive smoothing at weight 1/n floors every probability at
    prior/n and moves the rest by at most 1/n."""
    if not exp.task.blends_prior(exp.metric):
        return None
    base = next((r.trial_id for r in ok if r.learner == exp.baseline), None)
    if base is None or base in kept:
        return None
    return base, 1.0 / max(exp.n_rows(), 2)


def blend(results: dict[int, TrialResult], weights: dict[int, float]) -> np.ndarray:
    """The weighted out-of-fold (or backtest) predictions of these trials."""
    return sum(w * results[t].oof.astype(np.float64) for t, w in weights.items())


def select_members(exp: Any, ok: list[TrialResult]) -> dict[int, float] | None:
    """Greedy ensemble selection over the best trials' out-of-fold predictions; None when no
    blend beats the best single trial."""
    from .ensemble import select

    metric = exp.task.selection_metric(exp)
    pool = ok if exp.task.ensemble_with_baseline else [r for r in ok if r.learner != exp.baseline]
    candidates = pool[:MAX_ENSEMBLE_CANDIDATES]
    if len(candidates) < 2:
        return None
    exp._phase("ensembling", f"greedy selection over the {len(candidates)} best trials' out-of-fold predictions")
    y, aux, mask, _ = exp.task.ensemble_inputs(exp.data, exp.prepared, exp.config.seed)
    sel = select([(r.trial_id, r.oof) for r in candidates], y, metric, aux, mask)
    if len(sel.weights) > 1 and metric.loss(sel.score) < metric.loss(sel.best_single_score):
        return sel.weights
    return None


def oof_score(exp: Any, weights: dict[int, float]) -> float:
    """The metric of the weighted out-of-fold predictions (every validated row)."""
    y, aux, _, mask = exp.task.ensemble_inputs(exp.data, exp.prepared, exp.config.seed)
    return float(exp.metric.score(y[mask], blend(exp.results, weights)[mask], aux))


def refit_failures(exp: Any, failures: dict[int, str]) -> str:
    """The failed refits in words: "the refit of trial 5 (lightgbm) failed: <first line>"."""
    return "; ".join(f"the refit of trial {t} ({exp.results[t].learner}) failed: {(e or 'no reason given').strip().splitlines()[0]}"
                     for t, e in sorted(failures.items()))


def refit_members(exp: Any, runner: Any, members: dict[int, float],
                  failures: dict[int, str] | None = None) -> dict[int, Any]:
    """Each member trained on all rows in the workers, by the deadline; {trial id: model}.
    Why a member's refit failed (its worker died, it ran out of time) goes in ``failures``."""
    base = exp.baseline
    todo = sorted(members, key=lambda t: -members[t])
    fitted: dict[int, Any] = {}
    for tid in [t for t in todo if exp.results[t].learner == base]:
        fitted[tid] = exp.data.refit(base, {})  # trivial: no worker needed
        todo.remove(tid)
    pending = set(todo)
    deadline = exp.deadline - SAFETY_SECONDS
    while pending and time.time() < deadline + 0.5:
        while todo and runner.idle():
            waves = math.ceil(len(todo) / runner.n_workers)
            tid = todo.pop(0)
            r = exp.results[tid]
            params = r.refit_params or r.params
            rows = refit_rows(exp, r, (deadline - time.time()) / waves)
            exp.refit_rows[tid] = rows or exp.n_rows()
            runner.submit(Job("refit", tid, (r.learner, params, deadline, *([rows] if rows else [])), deadline))
        for c in runner.poll(0.05):
            if c.job.kind == "refit":
                pending.discard(c.job.key)
                if c.ok:
                    fitted[c.job.key] = c.value
                elif failures is not None:
                    failures[c.job.key] = c.error
            else:  # a search trial that ended late still gets its row
                exp.complete(c)
    for c in runner.kill_running("timeout", "stopped: the time budget ran out"):
        if c.job.kind == "refit":
            if failures is not None:
                failures[c.job.key] = c.error
        else:
            exp.complete(c)
    if failures is not None:
        for tid in pending:  # never started: no worker was free before the deadline
            failures.setdefault(tid, "no worker was free before the time budget ran out")
    return fitted


def refit_rows(exp: Any, r: TrialResult, seconds: float) -> int | None:
    """Rows to refit a trial's model on when the search trained on a sample (large data): as
    many as ``seconds`` allow at the trial's speed, None for all of them."""
    if exp.plan is None or exp.plan.search_rows is None:
        return None
    n_trial = exp.data.trial_rows()
    per_row = max(r.duration - r.predict_seconds, 0.01) / n_trial  # featurizing and fitting, per row
    rows = int(seconds / (1.3 * per_row))  # margin: trees grow deeper with more rows
    return None if rows >= exp.n_rows() else max(n_trial, rows)


def refit_reserve(exp: Any) -> float:
    """Seconds kept at the end of the budget for ensemble selection and the refit on all data."""
    budget = exp.config.time_budget
    ok = sorted((r for r in exp.results.values() if r.ok and r.learner != exp.baseline), key=exp.loss)[:5]
    n_folds = max(1, exp.plan.n_folds) if exp.plan is not None else 1
    if not ok:
        estimate = 0.1 * budget
    else:
        # a refit trains once on all rows: about one fold's fit, scaled to the full data
        scale = 1.0 / 0.9 if n_folds == 1 else n_folds / (n_folds - 1)
        each = sorted((r.duration / n_folds) * scale * 1.3 for r in ok)
        estimate = max(each[-1], sum(each) / exp.config.n_workers())
    return min(0.4 * budget, estimate + 0.5) + SAFETY_SECONDS + 0.02 * budget
