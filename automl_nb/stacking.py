"""Stacking beside the greedy blend: a regularized linear meta-learner on the best trials'
out-of-fold predictions, kept only when it wins out of fold.

``AutoML(ensemble=...)``:

``True`` / ``"greedy"`` (default)
    greedy ensemble selection (:mod:`automl_nb.ensemble`), kept when it beats the best trial.
``"stack"``
    a stack of the best trials (the best of each learner first, at most
    :data:`MAX_STACK_MEMBERS`), kept when it beats the best single trial out of fold.
``"auto"``
    the greedy blend, the stack and the best single trial compared out of fold; the best kept.
``False``
    the best single trial.

The meta-learner is linear and regularized: for classification a logistic regression
(``C=1``) on the members' probabilities as log-odds (binary) or log-probabilities
(multiclass) — :class:`~automl_nb.stack_features.LogOdds`; for regression a linear
regression with non-negative coefficients (and an intercept).

The comparison is honest and paired: the rows ensemble selection uses are split into
:data:`META_FOLDS` folds (stratified by class, the run's seed); for each fold the meta-learner
is fitted, the greedy blend's weights chosen and the best single trial picked on the other
folds' out-of-fold predictions, and all three predict the held-out fold. The three sets of
held-out predictions are scored with the run's metric on the same rows. (Scoring the greedy
blend on the rows its weights were chosen on would flatter it.)

The final model is a plain scikit-learn ``StackingClassifier`` / ``StackingRegressor`` over
the members' pipelines refit on all rows, its ``final_estimator_`` the meta-learner fitted on
every selection row's out-of-fold predictions (``stack_method="predict_proba"`` for
classification). Forecasting does not stack (``Task.stacks`` is False): asking for it is a
:class:`~automl_nb.errors.ConfigError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: the values of ``AutoML(ensemble=...)``
ENSEMBLE_CHOICES = (True, False, "greedy", "stack", "auto")
#: members of a stack at most (the best trial of each learner first, then the next best)
MAX_STACK_MEMBERS = 6
#: folds of the out-of-fold comparison of stack, greedy blend and best single trial
META_FOLDS = 5
#: rows the comparison uses at most (a seeded sample of the selection rows)
META_MAX_ROWS = 5_000
#: the logistic regression meta-learner's inverse regularization strength
META_C = 1.0


def ensemble_mode(value: Any) -> str:
    """``AutoML(ensemble=...)`` as one word: "greedy", "stack", "auto" or "none"."""
    if isinstance(value, str):
        return value
    return "greedy" if value else "none"


@dataclass
class Stacking:
    """What :func:`choose_ensemble` decided: the members to refit, and the stack when kept."""

    members: dict[int, float]  # trial id -> weight (a stack's: each member's share of |coef|)
    stack: bool = False  # the members form a stack (else: the greedy blend or one trial)
    meta: Any = None  # the meta-learner fitted on every selection row (when stacked)
    score: float = float("nan")  # the stack's out-of-fold score (when stacked)
    note: str = ""  # the comparison in words, for the description
    scores: dict[str, float] = field(default_factory=dict)  # "stack"/"greedy"/"single" -> out-of-fold score


def stack_candidates(exp: Any, ok: list[Any]) -> list[Any]:
    """The stack's members: the best trial of each learner, best first, then the next best,
    at most :data:`MAX_STACK_MEMBERS` (diverse members are what a linear stack can use)."""
    pool = ok if exp.task.ensemble_with_baseline else [r for r in ok if r.learner != exp.baseline]
    firsts: dict[str, Any] = {}
    for r in pool:
        firsts.setdefault(r.learner, r)
    chosen = list(firsts.values())[:MAX_STACK_MEMBERS]
    for r in pool:
        if len(chosen) >= MAX_STACK_MEMBERS:
            break
        if r not in chosen:
            chosen.append(r)
    return sorted(chosen, key=exp.loss)


def meta_features(oofs: list[np.ndarray], n_classes: int) -> np.ndarray:
    """The meta-learner's input, as ``StackingClassifier``/``Regressor.transform`` makes it:
    each member's probability of the positive class (binary), of every class (multiclass),
    or its prediction (regression), members side by side."""
    cols = []
    for p in oofs:
        p = np.asarray(p, dtype=np.float64)
        if p.ndim == 1:
            cols.append(p.reshape(-1, 1))
        elif n_classes == 2:
            cols.append(p[:, 1:])
        else:
            cols.append(p)
    return np.concatenate(cols, axis=1)


def make_meta(n_classes: int) -> Any:
    """The unfitted meta-learner (see the module's docstring)."""
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.pipeline import Pipeline

    from .stack_features import LogOdds

    if n_classes == 0:
        return LinearRegression(positive=True)
    return Pipeline([("log_odds", LogOdds("logit" if n_classes == 2 else "log")),
                     ("logistic", LogisticRegression(C=META_C, max_iter=1000))])


def meta_predict(meta: Any, X: np.ndarray, n_classes: int) -> np.ndarray:
    """The meta-learner's predictions in the metric's form (probabilities of every class)."""
    if n_classes == 0:
        return meta.predict(X)
    proba = np.zeros((len(X), n_classes))
    proba[:, meta.classes_.astype(int)] = meta.predict_proba(X)
    return proba


def comparison_folds(y: np.ndarray, rows: np.ndarray, n_classes: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(fit rows, held-out rows) of the comparison, indices into ``y``."""
    from sklearn.model_selection import KFold, StratifiedKFold

    k = min(META_FOLDS, len(rows))
    if n_classes and np.bincount(y[rows].astype(int)).min(initial=len(rows)) >= k:
        split = StratifiedKFold(k, shuffle=True, random_state=seed).split(rows, y[rows])
    else:
        split = KFold(k, shuffle=True, random_state=seed).split(rows)
    return [(rows[a], rows[b]) for a, b in split]


def compare(exp: Any, ok: list[Any], greedy_pool: list[Any]) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """Out-of-fold scores (and held-out predictions) of "stack", "greedy" and "single" on the
    same rows, each chosen on the other folds (see the module's docstring)."""
    from .ensemble import select

    metric = exp.metric
    y, aux, selection, _ = exp.task.ensemble_inputs(exp.data, exp.prepared, exp.config.seed)
    rows = np.flatnonzero(selection)
    if len(rows) > META_MAX_ROWS:
        rows = np.sort(np.random.default_rng(exp.config.seed).choice(rows, META_MAX_ROWS, replace=False))
    n_classes = int(aux) if np.isscalar(aux) else 0
    stack_trials = stack_candidates(exp, ok)
    X = meta_features([r.oof for r in stack_trials], n_classes)
    shape = (len(y),) + tuple(np.shape(ok[0].oof)[1:])
    held = {k: np.full(shape, np.nan) for k in ("stack", "greedy", "single")}
    for fit_rows, out in comparison_folds(y, rows, n_classes, exp.config.seed):
        meta = make_meta(n_classes).fit(X[fit_rows], y[fit_rows])
        held["stack"][out] = meta_predict(meta, X[out], n_classes)
        mask = np.zeros(len(y), dtype=bool)
        mask[fit_rows] = True
        sel = select([(r.trial_id, r.oof) for r in greedy_pool], y, metric, aux, mask)
        held["greedy"][out] = sel.oof[out]
        single = min(greedy_pool or ok, key=lambda r: metric.loss(metric.score(y[fit_rows], r.oof[fit_rows], aux)))
        held["single"][out] = single.oof[out]
    scores = {k: float(metric.score(y[rows], p[rows], aux)) for k, p in held.items()}
    return scores, held


def choose_ensemble(exp: Any, ok: list[Any], members: dict[int, float], max_candidates: int) -> Stacking:
    """The final model's members under ``exp.config.ensemble``: ``members`` (what greedy
    selection chose, or the best trial) unchanged for "greedy"; for "stack" and "auto" the
    stack when it wins out of fold, else the best single trial ("stack") or the better of the
    greedy blend and the best trial ("auto"). The greedy blend of the comparison chooses among
    the ``max_candidates`` best trials, as the run's own does."""
    mode = ensemble_mode(exp.config.ensemble)
    if mode not in ("stack", "auto") or not exp.task.stacks:
        return Stacking(members)
    best = ok[0]
    pool = ok if exp.task.ensemble_with_baseline else [r for r in ok if r.learner != exp.baseline]
    stack_trials = stack_candidates(exp, ok)
    if len(stack_trials) < 2:
        return Stacking(members if mode == "auto" else {best.trial_id: 1.0},
                        note="no stack: fewer than two trials to stack")
    exp._phase("ensembling", f"stacking the {len(stack_trials)} best trials: a cross-validated linear "
                             "meta-learner on their out-of-fold predictions")
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # small fits: threads only spin (4x slower on a busy machine)
        scores, _ = compare(exp, ok, pool[:max_candidates])
    metric = exp.metric
    rivals = ("greedy", "single") if mode == "auto" else ("single",)
    note = (f"out-of-fold {metric.name} {scores['stack']:.4g} vs greedy blend {scores['greedy']:.4g} vs best single "
            f"trial {scores['single']:.4g} ({META_FOLDS}-fold: each chosen on the other folds)")
    if all(metric.loss(scores["stack"]) < metric.loss(scores[k]) for k in rivals):
        y, aux, selection, _ = exp.task.ensemble_inputs(exp.data, exp.prepared, exp.config.seed)
        n_classes = int(aux) if np.isscalar(aux) else 0
        X = meta_features([r.oof for r in stack_trials], n_classes)
        with threadpool_limits(1):
            meta = make_meta(n_classes).fit(X[selection], y[selection])
        return Stacking(member_shares(meta, [r.trial_id for r in stack_trials], n_classes), stack=True,
                        meta=meta, score=scores["stack"], note=note, scores=scores)
    note = note.replace(f"{metric.name} ", f"{metric.name} of a stack of {len(stack_trials)} trials ", 1)
    greedy_wins = mode == "auto" and len(members) > 1 and metric.loss(scores["greedy"]) < metric.loss(scores["single"])
    return Stacking(members if greedy_wins else {best.trial_id: 1.0}, note=f"not stacked: {note}", scores=scores)

def member_shares(meta: Any, trial_ids: list[int], n_classes: int) -> dict[int, float]:
    """Each member's share of the meta-learner's absolute coefficients (what the leaderboard
    and the report show as its weight), in the stack's order."""
    coef = meta.steps[-1][1].coef_ if hasattr(meta, "steps") else meta.coef_
    coef = np.abs(np.atleast_2d(coef))
    per = coef.shape[1] // len(trial_ids)
    mass = np.array([coef[:, i * per:(i + 1) * per].sum() for i in range(len(trial_ids))])
    total = mass.sum()
    shares = mass / total if total > 0 else np.full(len(trial_ids), 1.0 / len(trial_ids))
    return {t: float(s) for t, s in zip(trial_ids, shares, strict=True)}


def finish_stack(exp: Any, stacking: Stacking | None, fitted: dict[int, Any]) -> None:
    """After ``finalize`` built its outcome: the stacked model in its place when the stack was
    kept and every member was refit; the comparison added to the description either way."""
    from dataclasses import replace

    if stacking is None or not (stacking.stack or stacking.note):
        return
    o = exp.outcome
    if not stacking.stack:
        exp.outcome = replace(o, description=f"{o.description} — {stacking.note}")
        return
    missing = [t for t in stacking.members if t not in fitted]
    if missing:  # a member's refit failed: no stack; the best member that was refit alone
        tid = min((t for t in stacking.members if t in fitted), key=lambda t: exp.loss(exp.results[t]), default=None)
        if tid is None:
            return
        model = exp.task.assemble({tid: fitted[tid]}, {tid: 1.0}, exp.results, exp.prepared, exp.data, exp.config)
        exp.outcome = replace(o, model=model, members={tid: 1.0}, ensemble_score=float("nan"),
                              description=f"trial {tid} ({exp.results[tid].learner}) — the stack's refit of trial(s) "
                                          f"{missing} failed ({stacking.note})")
        return
    model = exp.task.assemble_stack(fitted, stacking, exp.results, exp.prepared)
    exp.outcome = replace(o, model=model, members=dict(stacking.members), ensemble_score=stacking.score,
                          description=f"stack of {len(stacking.members)} trials: {stacking.note}")


def build_stacking(members: list[tuple[str, Any]], meta: Any, classes: np.ndarray | None) -> Any:
    """A fitted ``StackingClassifier`` (``classes`` given) or ``StackingRegressor`` over
    already-fitted pipelines and a fitted meta-learner (nothing is refitted)."""
    from sklearn.base import clone
    from sklearn.preprocessing import LabelEncoder
    from sklearn.utils import Bunch

    if classes is None:
        from sklearn.ensemble import StackingRegressor

        ens = StackingRegressor(list(members), final_estimator=clone(meta))
        ens.stack_method_ = ["predict"] * len(members)
    else:
        from sklearn.ensemble import StackingClassifier

        ens = StackingClassifier(list(members), final_estimator=clone(meta), stack_method="predict_proba")
        ens.stack_method_ = ["predict_proba"] * len(members)
        ens._label_encoder = LabelEncoder().fit(classes)
        ens.classes_ = ens._label_encoder.classes_
    ens.estimators_ = [est for _, est in members]
    ens.named_estimators_ = Bunch(**dict(members))
    ens.final_estimator_ = meta
    width = 1 if classes is None else (1 if len(classes) == 2 else len(classes))
    ens._n_feature_outs = [width] * len(members)
    return ens


def is_stack(model: Any) -> bool:
    """Whether a final model is a stack (a pipeline whose only step has a meta-learner)."""
    steps = getattr(model, "steps", None)
    return bool(steps) and len(steps) == 1 and hasattr(steps[0][1], "final_estimator_")


def stack_oof(exp: Any, trial_ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """A stack of these trials' cross-validated out-of-fold predictions (the meta-learner
    fitted on the other folds, as in :func:`compare`) and the rows they cover."""
    from threadpoolctl import threadpool_limits

    y, aux, _, scored = exp.task.ensemble_inputs(exp.data, exp.prepared, exp.config.seed)
    n_classes = int(aux) if np.isscalar(aux) else 0
    X = meta_features([exp.results[t].oof for t in trial_ids], n_classes)
    out = np.full((len(y), n_classes) if n_classes else len(y), np.nan)
    with threadpool_limits(1):
        for fit_rows, held in comparison_folds(y, np.flatnonzero(scored), n_classes, exp.config.seed):
            meta = make_meta(n_classes).fit(X[fit_rows], y[fit_rows])
            out[held] = meta_predict(meta, X[held], n_classes)
    return out, scored
