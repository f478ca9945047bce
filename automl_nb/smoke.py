"""Smoke test of a new data set: is there signal, which features carry it, which add nothing,
and what is wrong with the data — in about ``time_budget`` seconds.

How each answer is reached:

- signal: the best fixed configuration's (baseline and portfolio trials: chosen before seeing
  the data, unlike searched trials, which adapt to the folds) cross-validated score against
  the dummy baseline's, fold by fold on the same folds (a paired comparison). The band is
  mean ± z·std/√k of the per-fold improvement, the std pooled over those trials (with fewer
  than 3 folds: a bootstrap of the validated rows), where z is the
  two-sided 95 % normal quantile Bonferroni-corrected for picking the best of N trials
  (z = 1.96 for one trial, ≈ 3 for 20): without it, the best of 20 trials on a shuffled
  target "beats" the dummy. The verdict is
  "no detectable signal" when the band reaches 0, "strong signal" when the improvement is at
  least ``STRONG`` of the way from the dummy's score to a perfect one, else "weak signal".
- important features: mean |SHAP| per raw column of the final model on ≤ 1,000 rows.
- features that add nothing: importance below ``USELESS_SHARE`` of the top one and, on one
  validation fold (the best trial refit on the other folds), no score drop beyond noise
  when the column is shuffled (``PERMUTATION_REPEATS`` shuffles). The held-out check
  decides; the importance threshold is 10 % rather than 1 % because in-sample SHAP gives
  pure-noise columns a few percent of the top (a linear model's noise coefficients, a
  tree's noise splits), which the held-out check then shows to be worth nothing.
- guardrails: the data checks that fixed or alerted something, and the post-training
  leakage check (one feature holds most of the importance and the score is near-perfect).
- data size: when the time left allows it (estimated from the trials' times), a short
  learning curve (``AutoML.learning_curve`` at ``DATA_SIZE_FRACTIONS`` of the rows): would
  more rows help, or has the score plateaued?
"""

from __future__ import annotations

import html
import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

STRONG = 0.2
USELESS_SHARE = 0.1
PERMUTATION_REPEATS = 3
PERMUTATION_FOLDS = 3
#: share of the budget given to the search; the rest explains and checks features
SEARCH_SHARE = 0.7
#: the learning curve's shares of the rows ("is the data big enough?"), when time is left
DATA_SIZE_FRACTIONS = (0.25, 0.5, 1.0)


@dataclass
class SmokeTestReport:
    """What a quick AutoML run says about a data set.

    Attributes
    ----------
    verdict : "strong signal", "weak signal" or "no detectable signal".
    signal : metric, score (best trial, CV), dummy_score, delta (improvement over the dummy,
        positive is better, in the metric's units), low / high (the band of delta),
        normalized (delta over the dummy → perfect range), n_folds, best_learner.
    important_features : DataFrame [feature, importance, share] by mean |SHAP|, descending.
    useless_features : raw columns that add nothing: candidates to stop collecting.
    guardrails : DataFrame of the checks that fixed or alerted something.
    notes : how each answer was reached, and anything skipped for time.
    seconds : wall time of the smoke test.
    automl : the fitted AutoML, for a closer look.
    data_size : is the data big enough? The learning curve's verdict ("more data is likely
        to help: ...", "plateaued: ..."), or "not measured: ..." and why.
    learning_curve : the :class:`~automl_nb.reliability.learning_curve.LearningCurve`, or None.
    """

    verdict: str
    signal: dict[str, Any]
    important_features: pd.DataFrame
    useless_features: list[str]
    guardrails: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    automl: Any = field(default=None, repr=False)
    data_size: str = "not measured"
    learning_curve: Any = field(default=None, repr=False)

    def __str__(self) -> str:
        s = self.signal
        lines = [
            f"Smoke test: {self.verdict.upper()}  ({self.seconds:.0f} s)",
            f"  {s['metric']}: best {s['score']:.4g} ({s['best_learner']}) vs dummy {s['dummy_score']:.4g}; "
            f"improvement {s['delta']:+.4g} [{s['low']:+.4g}, {s['high']:+.4g}]",
            "  carries the signal: " + (", ".join(
                f"{r.feature} ({r.share:.0%})" for r in self.important_features.head(5).itertuples()) or "—"),
            "  adds nothing (stop collecting?): " + (", ".join(self.useless_features) or "—"),
            f"  data size: {self.data_size}",
        ]
        if len(self.guardrails):
            lines.append("  data checks:")
            lines += [f"    [{g.status}] {g.check}: {g.message}" for g in self.guardrails.itertuples()]
        else:
            lines.append("  data checks: nothing to fix or alert")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        s = self.signal
        color = {"strong signal": "#1a7f37", "weak signal": "#9a6700"}.get(self.verdict, "#cf222e")
        e = html.escape
        feats = "".join(
            f"<tr><td>{e(str(r.feature))}</td><td style='text-align:right'>{r.share:.1%}</td></tr>"
            for r in self.important_features.head(8).itertuples()
        )
        checks = "".join(
            f"<li><b>{e(g.status)}</b> {e(g.check)}: {e(g.message)}</li>" for g in self.guardrails.itertuples()
        ) or "<li>nothing to fix or alert</li>"
        useless = e(", ".join(self.useless_features)) or "—"
        return (
            "<div class='automl-nb-smoke' style='border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;"
            "max-width:640px'>"
            f"<div style='font-size:1.2em;font-weight:bold;color:{color}'>{e(self.verdict)}</div>"
            f"<div>{e(s['metric'])}: best {s['score']:.4g} ({e(str(s['best_learner']))}) vs dummy "
            f"{s['dummy_score']:.4g} — improvement {s['delta']:+.4g} "
            f"[{s['low']:+.4g}, {s['high']:+.4g}]</div>"
            f"<div style='margin-top:6px'><b>Carries the signal</b><table>{feats}</table></div>"
            f"<div style='margin-top:6px'><b>Adds nothing</b> (candidates to stop collecting): {useless}</div>"
            f"<div style='margin-top:6px'><b>Data size</b>: {e(self.data_size)}</div>"
            f"<div style='margin-top:6px'><b>Data checks</b><ul style='margin:0'>{checks}</ul></div>"
            f"<div style='color:#57606a;font-size:0.85em'>{self.seconds:.0f} s</div></div>"
        )


def smoke_test(df: pd.DataFrame, target: str, time_budget: float = 30, seed: int = 0,
               folder: Any = None) -> SmokeTestReport:
    """Is there signal in ``df`` for ``target``, which features carry it, which add nothing,
    and what is wrong with the data — within about ``time_budget`` seconds.

    Examples
    --------
    >>> report = an.smoke_test(df, target="Status", time_budget=30)   # doctest: +SKIP
    >>> print(report)                                                  # doctest: +SKIP
    """
    from .automl import AutoML

    t0 = time.time()
    deadline = t0 + time_budget
    # single models: the signal is judged on one trial's folds, and a tree or linear model
    # explains exactly in a second where an ensemble needs the slower model-agnostic explainer
    aml = AutoML(time_budget=SEARCH_SHARE * time_budget, seed=seed, ensemble=False, show=False, folder=folder)
    aml.fit(df, target)
    exp = aml.experiment_
    notes: list[str] = []
    signal = measure_signal(exp)
    verdict = _verdict(signal)
    notes.append(f"Signal: {signal['how']}.")

    explanation = aml.explain(max_rows=1000 if time.time() < deadline - 0.2 * time_budget else 200)
    imp = explanation.importance.copy()
    total = imp["importance"].sum()
    imp["share"] = imp["importance"] / total if total > 0 else 0.0
    notes.append(f"Importance: mean |SHAP| of the final model. {explanation.note}")

    top = float(imp["importance"].max()) if len(imp) else 0.0
    candidates = [str(f) for f, v in zip(imp["feature"], imp["importance"], strict=True) if v < USELESS_SHARE * top]
    kept = set(imp["feature"].astype(str))
    dropped = [str(c) for c in exp.prepared.X.columns if str(c) not in kept]
    useless: list[str] = []
    if candidates:
        if time.time() < deadline - 1:
            flat = _flat_under_permutation(exp, candidates, deadline, seed)
            useless = [c for c in candidates if flat.get(c, False)]
            notes.append(f"Adds nothing: below {USELESS_SHARE:.0%} of the top importance and no score drop "
                         f"beyond noise when shuffled on a validation fold ({len(candidates)} checked).")
        else:
            useless = candidates
            notes.append(f"Adds nothing: below {USELESS_SHARE:.0%} of the top importance (the permutation check was "
                         "skipped: the time budget ran out).")
    if dropped:
        notes.append(f"Not used by the model at all (id or constant columns): {dropped}.")
    useless += [c for c in dropped if c not in useless]

    data_size, curve = _data_size(aml, exp, deadline)
    notes.append(f"Data size: a learning curve at {', '.join(f'{f:.0%}' for f in DATA_SIZE_FRACTIONS)} of each fold's "
                 "training rows (AutoML.learning_curve), when the time left allowed it.")
    g = aml.guardrails()
    guardrails = g[g["status"].isin(["fixed", "alerted"])].reset_index(drop=True)
    return SmokeTestReport(verdict, signal, imp, useless, guardrails, notes, time.time() - t0, aml,
                           data_size, curve)


def _data_size(aml: Any, exp: Any, deadline: float) -> tuple[str, Any]:
    """``(verdict, LearningCurve)`` of a short learning curve, or ``("not measured: ...", None)``
    when the time left (estimated from the trials' times) does not allow one."""
    from .errors import ConfigError
    from .reliability.learning_curve import estimate_seconds

    left = deadline - time.time()
    try:
        need = estimate_seconds(exp, DATA_SIZE_FRACTIONS)
    except ValueError as exc:
        return f"not measured: {exc}", None
    if need > left:
        return (f"not measured: no time left (a short learning curve needs about {need:.0f} s, "
                f"{max(left, 0):.0f} s were left)"), None
    try:
        curve = aml.learning_curve(fractions=DATA_SIZE_FRACTIONS, time_budget=left)
    except ConfigError:
        return "not measured: no time left", None
    return curve.verdict, curve


def measure_signal(exp: Any) -> dict[str, Any]:
    """The best trial's score against the dummy's, per fold, with a band (see the module doc)."""
    from .data.validation import validation_mask
    from .metrics import get_metric

    p = exp.prepared
    metric = get_metric(p.metric)
    ok = [r for r in exp.results.values() if r.ok]
    dummies = [r for r in ok if r.learner == "dummy"]
    # the verdict rests on the configurations fixed before seeing the data (baseline and
    # portfolio): searched trials adapt to the folds, and on a shuffled target the best of
    # ~60 of them beat the dummy by more than any correction for picking the best allows
    fixed = [r for r in ok if r.learner != "dummy" and r.phase in ("baseline", "portfolio")]
    models = sorted(fixed or (r for r in ok if r.learner != "dummy"), key=exp.loss)
    if not dummies or not models:
        raise RuntimeError("the smoke test needs the dummy baseline and at least one model to finish; "
                           "give it a larger time_budget")
    dummy, best = dummies[0], models[0]
    sign = 1.0 if metric.greater_is_better else -1.0
    k = min(len(best.fold_scores), len(dummy.fold_scores))
    from scipy.stats import norm

    z = float(norm.ppf(1 - 0.025 / len(models)))
    if k >= 3:
        def fold_diffs(r: Any) -> np.ndarray:
            return sign * (np.asarray(r.fold_scores[:k]) - np.asarray(dummy.fold_scores[:k]))

        diffs = fold_diffs(best)
        delta = float(diffs.mean())
        # the std pooled over the trials: one trial's std from k folds is itself noisy, and the
        # best-scoring trial tends to be one whose folds happened to agree
        pooled = [fold_diffs(r).var(ddof=1) for r in models if len(r.fold_scores) >= k]
        half = z * math.sqrt(max(float(np.mean(pooled)), float(diffs.var(ddof=1)))) / math.sqrt(k)
        how = (f"paired per-fold improvement over the dummy, mean ± {z:.2f}·std/√{k} with the std pooled "
               f"over the trials (95 %, Bonferroni-corrected for the best of {len(models)} trials)")
    else:
        mask = validation_mask(exp.data.folds, len(p.y))
        rows = np.flatnonzero(mask)
        rng = np.random.default_rng(exp.config.seed)
        boot = []
        for _ in range(200):
            idx = rng.choice(rows, len(rows))
            try:
                boot.append(sign * (metric.score(p.y[idx], best.oof[idx], p.n_classes)
                                    - metric.score(p.y[idx], dummy.oof[idx], p.n_classes)))
            except ValueError:
                continue
        delta = sign * (best.score - dummy.score)
        half = z * float(np.std(boot)) if boot else float("inf")
        how = (f"improvement over the dummy on the validation rows, ± {z:.2f} bootstrap standard deviations "
               f"(95 %, Bonferroni-corrected for the best of {len(models)} trials)")
    perfect = metric.perfect
    span = abs(perfect - dummy.score) if perfect is not None else float("nan")
    normalized = delta / span if span and span > 0 and math.isfinite(span) else float("nan")
    return {"metric": metric.name, "score": float(best.score), "dummy_score": float(dummy.score),
            "delta": delta, "low": delta - half, "high": delta + half, "normalized": normalized,
            "n_folds": k, "best_learner": best.learner, "best_trial": best.trial_id, "how": how}


def _verdict(signal: dict[str, Any]) -> str:
    if not signal["low"] > 0:
        return "no detectable signal"
    norm = signal["normalized"]
    if math.isnan(norm) or norm >= STRONG:
        return "strong signal"
    return "weak signal"


def _flat_under_permutation(exp: Any, columns: list[str], deadline: float, seed: int) -> dict[str, bool]:
    """Column -> True when shuffling it on held-out folds (up to ``PERMUTATION_FOLDS``, the best
    trial refit on the other rows) moves the score by no more than noise: the mean loss
    increase is at most 2 std of the increases (or 0.1 % of the dummy→perfect range)."""
    from .metrics import get_metric

    p, data = exp.prepared, exp.data
    metric = get_metric(p.metric)
    best = exp.results[measure_signal(exp)["best_trial"]]
    rng = np.random.default_rng(seed)
    drops: dict[str, list[float]] = {c: [] for c in columns}
    for tr, va in data.folds[:PERMUTATION_FOLDS]:
        if time.time() > deadline:
            break
        sub = replace(data, X=data.X.iloc[tr], y=data.y[tr], y_original=data.y_original[tr], folds=[], cache={})
        model = sub.refit(best.learner, best.refit_params or best.params)
        Xva = data.X.iloc[va]

        def score(X: pd.DataFrame, model: Any = model, va: np.ndarray = va) -> float:
            if p.task == "regression":
                return metric.score(data.y[va].astype(float), model.predict(X))
            proba = np.zeros((len(X), p.n_classes))
            proba[:, np.searchsorted(p.classes, model.classes_)] = model.predict_proba(X)
            return metric.score(data.y[va], proba, p.n_classes)

        base = metric.loss(score(Xva))
        for c in columns:
            for _ in range(PERMUTATION_REPEATS):
                Xp = Xva.copy()
                Xp[c] = Xva[c].to_numpy()[rng.permutation(len(Xva))]
                drops[c].append(metric.loss(score(Xp)) - base)
    perfect = 1.0 if metric.perfect is None else metric.perfect
    dummy = measure_signal(exp)["dummy_score"]
    floor = 1e-3 * max(abs(perfect - dummy), 1e-12)
    out = {}
    for c, d in drops.items():
        if len(d) >= 2:
            a = np.asarray(d)
            out[c] = bool(a.mean() <= max(2 * a.std(ddof=1), floor))
    return out
