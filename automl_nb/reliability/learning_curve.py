"""Would more rows help? The final model's score at growing shares of the training rows.

How the curve is measured: for each fold of the run's validation (or, after a holdout or
validation_data run, which has one split and so no fold spread, ``REDRAWN_FOLDS`` folds
re-drawn over all rows), a seeded random share of the fold's training part (stratified by
class for classification; nested: the 20 % sample holds the 10 % one, so neighbouring
points differ by rows only) trains the final model as the run built it — the same trials,
hyperparameters, weights and seed (nothing is re-seeded: the curve is about rows) — and the
fold's validation part is scored with the run's metric. Fits run one after another in the
kernel, each with the threads one of the run's trials had (``n_jobs`` workers share the
cores).

How the verdict is reached: over the upper half of the curve (the shares of at least half
the largest one measured), each fold's score is fitted against log2(rows) by least squares:
its slope is the change per doubling of the rows. The folds' mean slope is compared with its
standard error (std over the folds / √k, the *fold spread*), which pairs the points of one
fold and so discounts how much harder one fold is than another. "More data is likely to
help" when the gain per doubling is beyond twice the fold spread and at least ``MIN_GAIN``
of the model's gain over the baseline (a gain too small to matter is a plateau however
steady); "plateaued" when it is below that share; "no clear trend" when it is large but the
folds disagree.
"""

from __future__ import annotations

import html
import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

#: the shares of each fold's training rows the curve is measured at
DEFAULT_FRACTIONS = (0.1, 0.2, 0.3, 0.5, 0.7, 1.0)
#: the fewest rows a share may hold; smaller shares are left out (and the notes say so)
MIN_ROWS = 50
#: folds re-drawn when the run validated on one split (a holdout, validation_data)
REDRAWN_FOLDS = 3
#: a gain per doubling below this share of the model's gain over the baseline is a plateau
MIN_GAIN = 0.01
#: the gain per doubling must exceed this many fold spreads (standard errors) to count
NOISE_Z = 2.0


@dataclass
class LearningCurve:
    """The final model's score at growing shares of the training rows, and a verdict.

    Attributes
    ----------
    verdict : one sentence: "more data is likely to help: ...", "plateaued: ..." or
        "no clear trend: ..." (and what was left out for time).
    frame : one row per (fraction, fold): fraction, n_rows (the rows the model was trained
        on), fold, score (the run's metric on the fold's validation rows).
    metric, greater_is_better : the run's metric and its direction.
    slope : the change of the metric per doubling of the rows over the upper half of the
        curve, as the metric moves (negative for a loss that improves); NaN with fewer than
        two shares measured.
    spread : the fold spread of the slope (its standard error over the folds).
    notes : how the curve was measured: the folds, shares left out, time.
    seconds : wall time.
    """

    verdict: str
    frame: pd.DataFrame
    metric: str
    greater_is_better: bool
    slope: float
    spread: float
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def summary(self) -> pd.DataFrame:
        """One row per fraction: fraction, n_rows (mean over the folds), mean, std, folds."""
        g = self.frame.groupby("fraction", sort=True)
        return pd.DataFrame({
            "n_rows": g["n_rows"].mean().round().astype(int),
            "mean": g["score"].mean(),
            "std": g["score"].std(ddof=1).fillna(0.0),
            "folds": g["score"].size(),
        }).reset_index()

    def to_record(self) -> dict[str, Any]:
        """The JSON the Studio and the reports draw (automl_nb/reliability/__init__.py)."""
        points = []
        for row in self.summary.itertuples():
            scores = self.frame.loc[self.frame["fraction"] == row.fraction].sort_values("fold")["score"]
            points.append({"fraction": float(row.fraction), "n_rows": int(row.n_rows), "mean": _num(row.mean),
                           "std": _num(row.std), "scores": [_num(s) for s in scores]})
        return {"metric": self.metric, "greater_is_better": bool(self.greater_is_better), "verdict": self.verdict,
                "slope": _num(self.slope), "points": points, "seconds": float(self.seconds)}

    def __str__(self) -> str:
        lines = [f"Learning curve ({self.metric}, {self.seconds:.0f} s): {self.verdict}"]
        lines += [f"  {r.fraction:>4.0%}  {r.n_rows:>8,} rows  {r.mean:.4g} ± {r.std:.2g}  ({r.folds} folds)"
                  for r in self.summary.itertuples()]
        lines += [f"  {n}" for n in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<LearningCurve {self.metric}: {self.verdict}>"

    def _repr_html_(self) -> str:
        e = html.escape
        color = "#1a7f37" if self.verdict.startswith("more data") else (
            "#57606a" if self.verdict.startswith("plateaued") else "#9a6700")
        rows = "".join(
            f"<tr><td>{r.fraction:.0%}</td><td style='text-align:right'>{r.n_rows:,}</td>"
            f"<td style='text-align:right'>{r.mean:.4g}</td><td style='text-align:right'>{r.std:.2g}</td></tr>"
            for r in self.summary.itertuples())
        notes = "".join(f"<li>{e(n)}</li>" for n in self.notes)
        return (
            "<div class='automl-nb-learning-curve' style='border:1px solid #d0d7de;border-radius:6px;"
            "padding:8px 12px;max-width:640px'>"
            f"<div style='font-weight:bold;color:{color}'>{e(self.verdict)}</div>"
            f"{svg_chart(self.summary, self.frame, self.metric, self.greater_is_better)}"
            "<table><tr><th>rows share</th><th>rows</th>"
            f"<th>{e(self.metric)} (mean)</th><th>std over folds</th></tr>{rows}</table>"
            f"<ul style='color:#57606a;font-size:0.85em;margin:4px 0'>{notes}</ul></div>"
        )

    def plot(self, ax: Any = None) -> Any:
        """The curve with matplotlib (the ``plots`` extra): the mean score against the rows
        (log scale), a band of ± one std over the folds, each fold's point; returns the axes."""
        from ..extras import require

        require("matplotlib", "LearningCurve.plot()")
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
        s = self.summary
        ax.fill_between(s["n_rows"], s["mean"] - s["std"], s["mean"] + s["std"], alpha=0.2, label="± std over folds")
        ax.plot(s["n_rows"], s["mean"], marker="o", label="mean over folds")
        ax.scatter(self.frame["n_rows"], self.frame["score"], s=10, color="grey", alpha=0.6, label="one fold")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("training rows")
        ax.set_ylabel(f"{self.metric} ({'higher' if self.greater_is_better else 'lower'} is better)")
        ax.set_title(self.verdict if len(self.verdict) < 70 else self.verdict.split(":")[0], fontsize=10)
        ax.legend(fontsize=8)
        return ax


def learning_curve(aml: Any, exp: Any, fractions: Sequence[float] | None = None,
                   time_budget: float | None = None) -> LearningCurve:
    """The final model's score at growing shares of the training rows, with the fold spread,
    and whether more data is likely to help (see the module's doc for how).

    ``fractions``: shares of each fold's training rows in (0, 1] (default
    :data:`DEFAULT_FRACTIONS`; shares of fewer than :data:`MIN_ROWS` rows are left out).
    ``time_budget``: seconds (None: no limit); fits that would not finish in the time left
    are not started, and the verdict says which shares were measured. A budget too small for
    one fit is refused before any work (ConfigError, field "time_budget").

    Examples
    --------
    >>> curve = aml.learning_curve()            # doctest: +SKIP
    >>> curve.verdict                           # doctest: +SKIP
    'plateaued: doubling the rows changed roc_auc by +0.0008 ...'
    """
    from ..errors import ConfigError
    from ..learners.base import TrialTimeout
    from .refit_score import fit_score, fit_seconds_estimate

    t0 = time.time()
    shares = _check_fractions(fractions)
    budget = _check_time_budget(time_budget)
    description, folds, strata = exp.task.learning_curve_folds(exp, REDRAWN_FOLDS)
    notes = [f"Folds: {description}."]
    smallest = min(len(tr) for tr, _ in folds)
    kept = [f for f in shares if _share_rows(f, smallest) >= MIN_ROWS]
    if len(kept) < len(shares):
        left = [f for f in shares if f not in kept]
        notes.append(f"Left out {', '.join(f'{f:.0%}' for f in left)} of the rows: fewer than {MIN_ROWS} rows "
                     f"(a fold trains on {smallest:,}).")
    if not kept:
        raise ConfigError(f"fractions={list(shares)}: every share holds fewer than {MIN_ROWS} of a fold's "
                          f"{smallest:,} training rows; give larger fractions", field="fractions")
    models = dict(exp.outcome.members)
    if budget is not None:
        first = fit_seconds_estimate(exp, list(models), _share_rows(kept[0], smallest))
        if first > budget:
            raise ConfigError(f"time_budget={time_budget!r} s is too short for one fit of the final model "
                              f"(about {first:.1g} s, from its trials' times); give at least {math.ceil(first)} s "
                              "or None (no limit)", field="time_budget")
    deadline = None if budget is None else t0 + budget
    # as many threads as each of the run's trials had: its times are the estimates, and more
    # threads than the cores free make small fits many times slower (OpenMP contention)
    threads = max(1, (os.cpu_count() or 1) // exp.config.n_workers())
    seed = int(exp.config.seed)
    orders = [_nested_order(tr, None if strata is None else strata[tr], seed, i) for i, (tr, _) in enumerate(folds)]
    rows: list[dict[str, Any]] = []
    skipped: list[float] = []
    for f in kept:
        for i, (_, va) in enumerate(folds):
            sample = _take(orders[i], f)
            if deadline is not None and time.time() + fit_seconds_estimate(exp, list(models), len(sample)) > deadline:
                skipped.append(f)
                break
            try:
                score = fit_score(exp, [models], sample, va, seed, threads, deadline)[0]
            except TrialTimeout:
                skipped.append(f)
                break
            rows.append({"fraction": f, "n_rows": len(sample), "fold": i, "score": score})
        if skipped:
            break
    frame = pd.DataFrame(rows, columns=["fraction", "n_rows", "fold", "score"])
    # a share is kept only when every fold has its point (the slope pairs the folds)
    complete = frame.groupby("fraction")["fold"].transform("size") == len(folds)
    frame = frame.loc[complete].reset_index(drop=True)
    metric = exp.metric
    slope, spread, verdict = judge(frame, metric, _baseline_score(exp))
    if skipped:
        measured = sorted(frame["fraction"].unique())
        lost = [f for f in kept if f not in measured]
        verdict += (f" (out of time: {', '.join(f'{f:.0%}' for f in lost)} of the rows not measured "
                    f"within time_budget={time_budget:g} s)")
    notes.append(f"Verdict: the slope of {metric.name} against log2(rows) over the upper half of the curve, per fold; "
                 f"beyond {NOISE_Z:g} fold spreads and at least {MIN_GAIN:.0%} of the model's gain over the "
                 "baseline per doubling counts.")
    return LearningCurve(verdict, frame, metric.name, metric.greater_is_better, slope, spread, notes,
                         time.time() - t0)


def estimate_seconds(exp: Any, fractions: Sequence[float] | None = None) -> float:
    """About how long :func:`learning_curve` takes at these fractions, from the run's trial
    times (what the smoke test checks against the time it has left)."""
    from .refit_score import fit_seconds_estimate

    _, folds, _ = exp.task.learning_curve_folds(exp, REDRAWN_FOLDS)
    models = list(exp.outcome.members)
    return sum(fit_seconds_estimate(exp, models, _share_rows(f, len(tr)))
               for f in _check_fractions(fractions) for tr, _ in folds)


def judge(frame: pd.DataFrame, metric: Any, baseline: float | None) -> tuple[float, float, str]:
    """``(slope, spread, verdict)`` from the curve's points (see the module's doc)."""
    shares = sorted(frame["fraction"].unique())
    if len(shares) < 2:
        return float("nan"), float("nan"), ("no verdict: fewer than two shares of the rows were measured "
                                            "(a curve needs two points)")
    upper = [f for f in shares if f >= shares[-1] / 2]
    if len(upper) < 2:
        upper = shares[-2:]
    sign = 1.0 if metric.greater_is_better else -1.0
    slopes = []
    for _, g in frame.loc[frame["fraction"].isin(upper)].groupby("fold"):
        x, y = np.log2(g["n_rows"].to_numpy(float)), g["score"].to_numpy(float)
        slopes.append(float(np.polyfit(x, y, 1)[0]))
    k = len(slopes)
    slope = float(np.mean(slopes))
    spread = float(np.std(slopes, ddof=1) / math.sqrt(k)) if k >= 2 else float("nan")
    gain = sign * slope  # the improvement per doubling (positive: better)
    top = float(frame.loc[frame["fraction"] == shares[-1], "score"].mean())
    floor = MIN_GAIN * abs(top - baseline) if baseline is not None and math.isfinite(baseline) else 0.0
    name = metric.name
    moved = "rose" if slope >= 0 else "fell"
    span = f"from {_pct(upper[0])} to {_pct(upper[-1])} of the rows"
    spread_text = f"the fold spread ({_fmt(spread)})"
    if gain >= floor and (math.isnan(spread) or gain > NOISE_Z * spread):
        return slope, spread, (f"more data is likely to help: {name} {moved} {_fmt(abs(slope))} per doubling of the "
                               f"rows {span}, beyond {spread_text}")
    if gain < floor:
        why = (f"within {spread_text}" if abs(slope) <= NOISE_Z * spread
               else f"less than {MIN_GAIN:.0%} of the model's gain over the baseline ({_fmt(floor)})")
        return slope, spread, (f"plateaued: doubling the rows changed {name} by {slope:+.2g} {span}, {why}")
    return slope, spread, (f"no clear trend: {name} {moved} {_fmt(abs(slope))} per doubling of the rows {span}, "
                           f"but the folds disagree (fold spread {_fmt(spread)}); more folds or rows would tell")


def _check_fractions(fractions: Sequence[float] | None) -> list[float]:
    from ..errors import ConfigError

    if fractions is None:
        return list(DEFAULT_FRACTIONS)
    try:
        values = [float(f) for f in fractions]
    except (TypeError, ValueError):
        raise ConfigError(f"fractions must be a list of numbers in (0, 1], got {fractions!r}",
                          field="fractions") from None
    bad = [f for f, v in zip(fractions, values, strict=True) if not (0 < v <= 1)]
    if not values or bad:
        raise ConfigError(f"fractions must be shares of the training rows in (0, 1], got {list(fractions)!r}"
                          + (f" ({bad} outside)" if bad else ""), field="fractions")
    return sorted(set(values))


def _check_time_budget(time_budget: float | None) -> float | None:
    from ..errors import ConfigError

    if time_budget is None:
        return None
    if isinstance(time_budget, bool) or not isinstance(time_budget, (int, float)) or not time_budget > 0 \
            or not math.isfinite(time_budget):
        raise ConfigError(f"time_budget must be a positive number of seconds or None, got {time_budget!r}",
                          field="time_budget")
    return float(time_budget)


def _share_rows(fraction: float, n: int) -> int:
    return max(1, int(round(fraction * n)))


def _nested_order(train: np.ndarray, strata: np.ndarray | None, seed: int, fold: int) -> list[np.ndarray]:
    """The fold's training rows in a seeded random order (per class when stratified): the
    first share of each order is a sample, and a larger share holds every smaller one."""
    rng = np.random.default_rng([seed, fold])
    if strata is None:
        return [rng.permutation(train)]
    return [rng.permutation(train[strata == c]) for c in np.unique(strata)]


def _take(orders: list[np.ndarray], fraction: float) -> np.ndarray:
    """The first ``fraction`` of each order (at least one row of every class)."""
    return np.sort(np.concatenate([o[: _share_rows(fraction, len(o))] for o in orders]))


def _baseline_score(exp: Any) -> float | None:
    scores = [r.score for r in exp.results.values() if r.ok and r.learner == exp.baseline]
    return float(scores[0]) if scores else None


def _num(x: Any) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _fmt(x: float) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.2g}"


def _pct(f: float) -> str:
    return f"{f:.0%}"


def svg_chart(summary: pd.DataFrame, frame: pd.DataFrame, metric: str, greater_is_better: bool,
              width: int = 420, height: int = 220) -> str:
    """An inline SVG of the curve: the mean over the folds (a line), a band of ± one std,
    each fold's point, the rows on a log2 axis; no plotting library needed."""
    if summary.empty:
        return "<div style='color:#57606a'>(no point measured)</div>"
    left, right, top, bottom = 60, 24, 10, 36
    x = np.log2(summary["n_rows"].to_numpy(float))
    lo = (summary["mean"] - summary["std"]).to_numpy(float)
    hi = (summary["mean"] + summary["std"]).to_numpy(float)
    ys = np.concatenate([lo, hi, frame["score"].to_numpy(float)])
    y0, y1 = float(np.nanmin(ys)), float(np.nanmax(ys))
    if y1 - y0 < 1e-12:
        y0, y1 = y0 - 0.5, y1 + 0.5
    x0, x1 = float(x.min()), float(x.max())
    if x1 - x0 < 1e-12:
        x0, x1 = x0 - 1, x1 + 1

    def px(v: float) -> float:
        return left + (v - x0) / (x1 - x0) * (width - left - right)

    def py(v: float) -> float:
        return top + (y1 - v) / (y1 - y0) * (height - top - bottom)

    band = " ".join(f"{px(a):.1f},{py(b):.1f}" for a, b in zip(x, hi, strict=True))
    band += " " + " ".join(f"{px(a):.1f},{py(b):.1f}" for a, b in zip(x[::-1], lo[::-1], strict=True))
    line = " ".join(f"{px(a):.1f},{py(b):.1f}" for a, b in zip(x, summary["mean"], strict=True))
    dots = "".join(f"<circle cx='{px(math.log2(n)):.1f}' cy='{py(s):.1f}' r='2' fill='#8c959f'/>"
                   for n, s in zip(frame["n_rows"], frame["score"], strict=True) if n > 0 and math.isfinite(s))
    means = "".join(f"<circle cx='{px(a):.1f}' cy='{py(b):.1f}' r='3.5' fill='#0969da'/>"
                    for a, b in zip(x, summary["mean"], strict=True))
    xticks = "".join(f"<text x='{px(a):.1f}' y='{height - bottom + 14}' font-size='10' text-anchor='middle'>"
                     f"{int(n):,}</text>" for a, n in zip(x, summary["n_rows"], strict=True))
    yticks = "".join(f"<text x='{left - 4}' y='{py(v) + 3:.1f}' font-size='10' text-anchor='end'>{v:.4g}</text>"
                     for v in (y0, (y0 + y1) / 2, y1))
    direction = "higher" if greater_is_better else "lower"
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' role='img' "
        f"aria-label='learning curve'>"
        f"<line x1='{left}' y1='{height - bottom}' x2='{width - right}' y2='{height - bottom}' stroke='#8c959f'/>"
        f"<line x1='{left}' y1='{top}' x2='{left}' y2='{height - bottom}' stroke='#8c959f'/>"
        f"<polygon points='{band}' fill='#0969da' fill-opacity='0.15' stroke='none'/>"
        f"<polyline points='{line}' fill='none' stroke='#0969da' stroke-width='2'/>{dots}{means}{xticks}{yticks}"
        f"<text x='{(left + width - right) / 2}' y='{height - 4}' font-size='11' text-anchor='middle'>"
        "training rows (log scale)</text>"
        f"<text x='12' y='{(top + height - bottom) / 2}' font-size='11' text-anchor='middle' "
        f"transform='rotate(-90 12 {(top + height - bottom) / 2})'>{html.escape(metric)} ({direction} is better)"
        "</text></svg>"
    )
