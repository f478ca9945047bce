"""Would this score and this ranking hold on another split? (``AutoML.stability``)

Two modes:

retrain (default)
    ``n`` fresh train/test splits of the run's rows, drawn with seeds the run did not use
    (``seed + 1`` ... ``seed + n``): each split is random, its test part the size of one of
    the run's validation folds (1/k of the rows for k-fold cross-validation: 80/20 with 5
    folds; 10 % for a holdout), stratified by class for classification and by group when the
    run had groups (the task draws them: ``Task.resample_splits``). On each split the final
    model (its members refit and assembled as the run assembled them) and the best trials of
    the next two learners — the *top 3* — are trained on the train part with every
    ``random_state`` set to the split's seed, so splits and seeds both vary, and scored on
    the test part with the run's metric. The splits run as the run's trials ran: in worker
    processes behind the run's runner (``n_jobs`` of them, splits side by side; see
    :func:`~automl_nb.reliability.refit_score.fit_score_in_workers` for why not in the kernel);
    the call blocks until they end, and Ctrl+C stops them and keeps the splits that finished.
retune (``searches=True``)
    ``n`` whole searches, each its own AutoML with the run's settings and the seeds
    ``seed + 1`` ... ``seed + n``, each ``time_budget / n`` seconds (default: the run's own
    budget in all), on the rows of one common train part (the first retrain split); each
    search's final model is scored on the common test part. How often the searches pick the
    learner the run picked says whether the choice is robust to the search's own luck.
    Their folders go in the run folder (``stability/``), or a temporary folder when it
    cannot be written. A search starts only when it would end within ``1.25 * time_budget``
    (the slack covers starting its workers and saving its model).

The interval is a 95 % Student-t interval of the final model's mean score. In retrain mode
the splits overlap (each pair shares most of its training rows), which makes the plain
t-interval too narrow; it uses the Nadeau–Bengio correction (2003): the variance of the
mean is ``(1/n + n_test/n_train) * s²`` instead of ``s²/n``. In retune mode the test part is
common and only the search varies: the plain t-interval of the searches' scores (how far the
search's own luck moves the score, not how far other test rows would). Either is cut at the
metric's perfect score (no AUC above 1, no loss below 0).
"""

from __future__ import annotations

import math
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigError

#: the fewest splits or searches a result is made of (an interval needs two)
MIN_SPLITS = 2
#: a search shorter than this finds little beyond its baseline
MIN_SEARCH_SECONDS = 2.0
#: retune: searches may end this much past the budget in all (their start and their saving)
SLACK = 1.25
#: seconds to take the workers and send them the data, counted in a time_budget
START_SECONDS = 1.0


@dataclass
class StabilityResult:
    """What ``AutoML.stability`` found: the sentence, the interval, one row per split or search.

    Attributes
    ----------
    verdict : the finding in one or two plain sentences.
    interval : ``(low, high)``: the 95 % interval of the final model's mean score.
    mean : the final model's mean score over the splits (searches).
    win_rate : retrain: the share of splits the final model scored best of the top 3;
        retune: the share of searches whose best learner is the run's.
    frame : one row per split (``mode="retrain"``: split, seed, n_train, n_test, a score
        column per model, the winner, seconds) or per search (``mode="retune"``: search,
        seed, cv_score, best_learner, final_model, test_score, n_trials, seconds).
    """

    mode: str
    metric: str
    greater_is_better: bool
    mean: float
    interval: tuple[float, float]
    win_rate: float
    verdict: str
    frame: pd.DataFrame
    models: list[dict[str, Any]]
    seconds: float
    requested: int
    description: str = ""
    stopped: str = ""  # why it stopped before ``requested`` splits ("" when it did not)
    learners: list[str] = field(default_factory=list)  # retune: each search's best learner

    @property
    def n(self) -> int:
        """Splits (searches) that finished."""
        return len(self.frame)

    def to_record(self) -> dict[str, Any]:
        """The JSON the Studio and the reports draw (``automl_nb.reliability``'s shape)."""
        from ..records import jsonable

        return jsonable({
            "mode": self.mode, "n": self.n, "metric": self.metric, "greater_is_better": self.greater_is_better,
            "mean": self.mean, "interval": list(self.interval), "verdict": self.verdict, "win_rate": self.win_rate,
            "models": self.models, "seconds": self.seconds, "requested": self.requested,
            "description": self.description, "stopped": self.stopped, "learners": self.learners,
        })

    def __repr__(self) -> str:
        return f"{self.verdict}\n\n{self.frame.to_string(index=False)}"

    def _repr_html_(self) -> str:
        import html

        return f"<p>{html.escape(self.verdict)}</p>{self.frame.to_html(index=False)}"


def stability(aml: Any, exp: Any, n: int = 5, searches: bool = False,
              time_budget: float | None = None) -> StabilityResult:
    """Refit the final model and the runners-up on ``n`` other splits (or, with ``searches``,
    repeat the whole search ``n`` times) and say how far the score and the ranking hold.

    Parameters
    ----------
    aml : the fitted AutoML (its settings start the searches of retune mode).
    exp : its finished experiment.
    n : splits (searches), at least 2.
    searches : retune: whole searches with other seeds instead of refits.
    time_budget : seconds for all of it; None: no limit when refitting, the run's own budget
        for the searches. Checked before any work: a budget too short for the fewest splits
        (searches) a result needs is a :class:`~automl_nb.errors.ConfigError`. When time
        runs out, the splits that finished make the result (the verdict says so).

    Returns
    -------
    StabilityResult
    """
    _check_arguments(n, searches, time_budget)
    if searches:
        return _retune(aml, exp, n, time_budget)
    return _retrain(exp, n, time_budget)


def _check_arguments(n: Any, searches: Any, time_budget: Any) -> None:
    from ..settings_fields import is_int, is_number

    if not is_int(n) or n < MIN_SPLITS:
        raise ConfigError(f"n must be an integer of at least {MIN_SPLITS} (splits or searches to compare), "
                          f"got {n!r}", field="n")
    if not isinstance(searches, (bool, np.bool_)):
        raise ConfigError(f"searches must be True or False, got {searches!r}", field="searches")
    if time_budget is not None and (not is_number(time_budget) or not time_budget > 0
                                    or not math.isfinite(time_budget)):
        raise ConfigError(f"time_budget must be a positive number of seconds or None, got {time_budget!r}",
                          field="time_budget")


# ---- retrain: the top 3 refit on other splits --------------------------------------------------


def top_models(exp: Any, k: int = 3) -> list[tuple[str, int | None, dict[int, float]]]:
    """``(label, trial id, members)`` of the final model and the best trials of the next
    ``k - 1`` learners by cross-validated score (not the baseline, not the final model's own
    learner when it is one trial)."""
    outcome = exp.outcome
    members = dict(outcome.members) or ({outcome.best_trial: 1.0} if outcome.best_trial is not None else {})
    if not members:
        raise RuntimeError("the final model has no trials to refit")
    # the class prior blended in at weight 1/rows (log loss) is no member of its own
    own = [t for t in members if exp.results[t].learner != exp.baseline] or list(members)
    blended = ", blended with the class prior" if len(own) < len(members) else ""
    single = own[0] if len(own) == 1 else None
    if single is not None:
        r = exp.results[single]
        final = (f"final model ({r.learner}, trial {single}{blended})", single, members)
    else:
        final = (f"final model (ensemble of {len(own)} trials{blended})", None, members)
    taken = {exp.results[single].learner} if single is not None else set()
    out = [final]
    ok = sorted((r for r in exp.results.values() if r.ok and r.learner != exp.baseline), key=exp.loss)
    for r in ok:
        if len(out) >= k:
            break
        if r.learner not in taken:
            taken.add(r.learner)
            out.append((f"{r.learner} (trial {r.trial_id})", r.trial_id, {r.trial_id: 1.0}))
    return out


def _retrain(exp: Any, n: int, time_budget: float | None) -> StabilityResult:
    from .refit_score import fit_score_in_workers, fit_seconds_estimate

    started = time.time()
    seeds = [exp.config.seed + 1 + i for i in range(n)]
    description, splits = exp.task.resample_splits(exp, seeds)  # a task that cannot says so here
    models = top_models(exp)
    labels = [m[0] for m in models]
    trial_ids = [t for _, _, members in models for t in members]
    estimate = fit_seconds_estimate(exp, trial_ids, len(splits[0][0]))
    side_by_side = max(1, min(exp.config.n_workers(), n))
    need = math.ceil(MIN_SPLITS / side_by_side) * estimate + START_SECONDS
    if time_budget is not None and time_budget < need:
        raise ConfigError(
            f"time_budget={time_budget:g} s cannot fit the {MIN_SPLITS} splits a result needs: refitting the "
            f"{len(labels)} models ({len(set(trial_ids))} pipelines) on one split takes about {estimate:.1f} s "
            f"here (from what their trials took), {side_by_side} split(s) at a time, plus starting the workers; "
            f"give at least {math.ceil(need):g} s, or None", field="time_budget")
    deadline = None if time_budget is None else started + time_budget
    jobs = [([m[2] for m in models], train, test, seed) for seed, (train, test) in zip(seeds, splits)]
    done = fit_score_in_workers(exp, jobs, deadline, estimate)
    rows, scores = [], []
    for d, seed, (train, test) in zip(done, seeds, splits):
        if d.scores is None:
            continue
        scores.append(d.scores)
        rows.append({"mode": "retrain", "split": d.index + 1, "seed": seed, "n_train": len(train),
                     "n_test": len(test), **dict(zip(labels, d.scores)), "winner": labels[_best(exp, d.scores)],
                     "seconds": round(d.seconds, 3)})
    stopped = _why_stopped(done, time_budget)
    if len(rows) < MIN_SPLITS:
        if any(d.status == "cancelled" for d in done):
            raise KeyboardInterrupt(f"stopped after {len(rows)} of {n} splits: too few for a result")
        failed = next((d for d in done if d.status == "failed"), None)
        if failed is not None:
            raise RuntimeError(f"split {failed.index + 1} failed: {failed.error}")
        raise TimeoutError(f"only {len(rows)} of {n} splits finished ({stopped}); a result needs {MIN_SPLITS}: "
                           f"give more time (one split takes about {estimate:.1f} s here)")
    S = np.asarray(scores)  # splits x models
    n_test, n_train = np.mean([len(s[1]) for s in splits]), np.mean([len(s[0]) for s in splits])
    mean, low, high = t_interval(S[:, 0], n_test / n_train)
    low, high = _within_reach(exp.metric, low, high)
    winners = [_best(exp, s) for s in S]
    metric = exp.metric
    record_models = [{"label": lab, "trial_id": tid, "scores": S[:, j].tolist()}
                     for j, (lab, tid, _) in enumerate(models)]
    verdict = _retrain_verdict(exp, labels, S, winners, mean, (low, high), n, stopped)
    return StabilityResult(
        mode="retrain", metric=metric.name, greater_is_better=metric.greater_is_better, mean=mean,
        interval=(low, high), win_rate=winners.count(0) / len(S) if len(labels) > 1 else float("nan"),
        verdict=verdict, frame=pd.DataFrame(rows), models=record_models, seconds=time.time() - started,
        requested=n, description=description, stopped=stopped)


def _why_stopped(done: list[Any], time_budget: float | None) -> str:
    """Why some splits did not finish, in words ("" when all did)."""
    statuses = {d.status for d in done if d.status != "ok"}
    reasons = []
    if statuses & {"skipped", "timeout"}:
        reasons.append(f"the time_budget of {time_budget:g} s ran out")
    if "cancelled" in statuses:
        reasons.append("you stopped it")
    failed = [d for d in done if d.status == "failed"]
    if failed:
        first = (failed[0].error or "no reason given").splitlines()[0]
        reasons.append(f"{len(failed)} failed (split {failed[0].index + 1}: {first})")
    return "; ".join(reasons)


def _best(exp: Any, scores: Any) -> int:
    """The index of the best score (the first of equals: the final model wins a tie)."""
    losses = [exp.metric.loss(s) for s in scores]
    return int(np.argmin(losses))


def t_interval(scores: Any, overlap: float = 0.0, level: float = 0.95) -> tuple[float, float, float]:
    """``(mean, low, high)``: the Student-t interval of the mean of ``scores``; ``overlap``
    (``n_test / n_train`` of overlapping random splits, 0 for independent scores) widens it
    by the Nadeau–Bengio correction."""
    from scipy import stats

    x = np.asarray(scores, dtype=float)
    mean = float(x.mean())
    if len(x) < 2:
        return mean, float("nan"), float("nan")
    se = float(x.std(ddof=1)) * math.sqrt(1.0 / len(x) + overlap)
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1)) * se
    return mean, mean - half, mean + half


def _within_reach(metric: Any, low: float, high: float) -> tuple[float, float]:
    """The interval cut at the metric's perfect score (no AUC above 1, no loss below 0)."""
    if metric.perfect is None:
        return low, high
    return (low, min(high, metric.perfect)) if metric.greater_is_better else (max(low, metric.perfect), high)


def fmt(x: float) -> str:
    """A score with 4 significant digits, never in scientific notation."""
    if not math.isfinite(x):
        return str(x)
    digits = 3 if abs(x) < 1 else max(0, 3 - int(math.floor(math.log10(abs(x)))))
    return f"{x:.{digits}f}"


def _score_sentence(exp: Any, mean: float, interval: tuple[float, float], what: str) -> str:
    low, high = interval
    metric = exp.metric
    half = max(mean - low, high - mean)  # the interval may be cut at the perfect score on one side
    cut = metric.perfect is not None and metric.perfect in (low, high)
    direction = "higher" if metric.greater_is_better else "lower"
    return (f"The score ({metric.name}, {direction} is better) is {fmt(mean)} ± {fmt(half)} "
            f"(95 % interval {fmt(low)}–{fmt(high)} over {what}{', cut at the perfect score' if cut else ''})")


def _retrain_verdict(exp: Any, labels: list[str], S: np.ndarray, winners: list[int], mean: float,
                     interval: tuple[float, float], requested: int, stopped: str) -> str:
    J = len(S)
    head = _score_sentence(exp, mean, interval, f"{J} splits")
    if stopped:
        head += f"; stopped after {J} of {requested} splits: {stopped}"
    if len(labels) == 1:
        return head + "; no other learner finished to compare the final model with."
    wins = winners.count(0)
    top = f"top {len(labels)}"
    others = [f"{labels[j]} won {winners.count(j)}" for j in range(1, len(labels)) if winners.count(j)]
    said = f"; the final model won {wins} of {J} splits" + (f" ({', '.join(others)})" if others else "")
    orders = {tuple(np.argsort([exp.metric.loss(v) for v in row], kind="stable")) for row in S}
    if wins == J and len(orders) == 1:
        tail = f": the ranking of the {top} is stable."
    elif wins == J:
        tail = f": it is reliably the best of the {top}, though the runners-up swap places."
    elif wins > J / 2:
        tail = f": it is usually but not always the best; the {top} are close."
    else:
        tail = f": the {top} are not distinguishable on this data."
    return head + said + tail


# ---- retune: whole searches with other seeds ------------------------------------------------------


def _retune(aml: Any, exp: Any, n: int, time_budget: float | None) -> StabilityResult:
    from .refit_score import fit_seconds_estimate

    started = time.time()
    seeds = [exp.config.seed + 1 + i for i in range(n)]
    description, [(train, test)] = exp.task.resample_splits(exp, seeds[:1])
    total = exp.config.time_budget if time_budget is None else float(time_budget)
    each = total / n
    members = list(exp.outcome.members) or [exp.outcome.best_trial]
    need = max(MIN_SEARCH_SECONDS, 2 * fit_seconds_estimate(exp, members, len(train)))
    if each < need:
        raise ConfigError(
            f"time_budget={total:g} s gives each of the {n} searches {each:.1f} s; a search needs at least "
            f"{need:.1f} s here (its baseline, some trials and a refit of the final model, from what this "
            f"run's trials took): give at least {math.ceil(need * n):g} s", field="time_budget")
    p = exp.prepared
    X_train, X_test = p.X.iloc[train], p.X.iloc[test]
    y_train, y_test = p.y_original[train], p.y_original[test]
    params = {k: v for k, v in exp.config.to_dict().items() if k in aml.get_params()}
    params.update(drop_columns=(), show=False, time_budget=each, n_jobs=exp.config.n_jobs,
                  groups=None if p.groups is None else p.groups[train], validation_data=None)
    home = _search_home(exp)
    run_best = exp.results[exp.outcome.best_trial].learner if exp.outcome.best_trial is not None else ""
    rows, stopped = [], ""
    for i, seed in enumerate(seeds):
        # each search keeps its own budget; it starts when it would end within the budget, with a
        # quarter of slack (starting a search's workers and saving its model take a little more)
        if time.time() + each > started + SLACK * total:
            stopped = f"the time_budget of {total:g} s ran out"
            break
        t = time.time()
        # the AutoML's own class (importing it here would make a cycle: it holds this module's facade)
        search = type(aml)(**{**params, "seed": seed, "folder": str(home / f"search-{i + 1}-seed-{seed}")})
        try:
            search.fit(X_train, y_train)
        except KeyboardInterrupt:
            stopped = "you stopped it"
            break
        sx = search.experiment_
        best = sx.results[sx.outcome.best_trial] if sx.outcome.best_trial is not None else None
        rows.append({"mode": "retune", "search": i + 1, "seed": seed, "cv_score": sx.best_score(),
                     "best_learner": best.learner if best is not None else "",
                     "final_model": sx.outcome.description,
                     "test_score": float(sx.task.score(search, sx, X_test, y_test)),
                     "n_trials": len(sx.results), "seconds": round(time.time() - t, 3)})
    if len(rows) < MIN_SPLITS:
        raise TimeoutError(f"only {len(rows)} of {n} searches finished before {stopped}; a result needs "
                           f"{MIN_SPLITS}: give more time")
    frame = pd.DataFrame(rows)
    mean, low, high = t_interval(frame["test_score"])
    low, high = _within_reach(exp.metric, low, high)
    learners = frame["best_learner"].tolist()
    same = sum(lr == run_best for lr in learners)
    metric = exp.metric
    verdict = _retune_verdict(exp, frame, mean, (low, high), each, run_best, n, stopped, len(test))
    return StabilityResult(
        mode="retune", metric=metric.name, greater_is_better=metric.greater_is_better, mean=mean,
        interval=(low, high), win_rate=same / len(frame), verdict=verdict, frame=frame,
        models=[{"label": "each search's final model (common test part)", "trial_id": None,
                 "scores": frame["test_score"].tolist()}],
        seconds=time.time() - started, requested=n, stopped=stopped, learners=learners,
        description=f"{n} searches of {each:.3g} s with seeds {seeds[0]}-{seeds[-1]}, each on the train part of {description}")


def _search_home(exp: Any) -> Path:
    """Where the searches' folders go: ``stability/<time>`` in the run folder, or a
    temporary folder when the run folder cannot be written."""
    try:
        home = exp.folder / "stability" / time.strftime("%Y%m%d-%H%M%S")
        home.mkdir(parents=True, exist_ok=True)
        probe = home / ".write-test"
        probe.write_text("")
        probe.unlink()
        return home
    except OSError:
        return Path(tempfile.mkdtemp(prefix="automl_nb-stability-"))


def _retune_verdict(exp: Any, frame: pd.DataFrame, mean: float, interval: tuple[float, float], each: float,
                    run_best: str, requested: int, stopped: str, n_test: int) -> str:
    J = len(frame)
    head = _score_sentence(exp, mean, interval, f"{J} searches of {each:.3g} s with other seeds, each final "
                                                f"model scored on the same {n_test:,} held-out rows")
    if stopped:
        head += f"; stopped after {J} of {requested} searches: {stopped}"
    counts = frame["best_learner"].value_counts()
    same = int(counts.get(run_best, 0))
    said = f"; the best learner was {run_best} (as in this run) in {same} of {J} searches"
    if len(counts) > 1 or same == 0:
        said += " (" + ", ".join(f"{lr} in {c}" for lr, c in counts.items() if lr != run_best) + ")"
    if same == J:
        tail = ": the choice of learner is stable."
    elif same > J / 2:
        tail = ": the choice of learner usually holds, but not always."
    else:
        tail = ": the choice of learner depends on the search's luck; the learners are not distinguishable here."
    return head + said + tail
