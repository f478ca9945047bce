"""The searcher: which configuration to try next.

Three phases, in order:

1. baseline — the dummy predictor and a fast regularized linear model, so the first
   leaderboard rows come within seconds;
2. portfolio — strong default configurations of every learner, interleaved so that the
   most valuable ones (per second) come first;
3. search — Optuna TPE, one study per learner (portfolio results are its first points),
   with the next learner chosen by how good it is and how much it costs.

Every configuration carries its ``reason``: why it was tried, in words (the baseline, a
portfolio slot, TPE on a learner chosen by score and cost, each prefixed "resumed:" when
asked after a stopped run was resumed; "asked by you" for a configuration the user put at
the head of the queue, "allowed by you" for the defaults of a learner the user allowed);
the searcher writes it on the trial's result when told, so the store, the leaderboard
details and the report show it.

Steering (:mod:`automl_nb.search.steering`): ``block`` keeps a learner's queued
configurations queued but starts none of them, nor searches it, until ``allow``;
``enqueue_next`` puts a configuration first. :meth:`Searcher.has_more` agrees with
:meth:`Searcher.ask`: it is False exactly when nothing is left that ``ask`` would return.

With ``deterministic=True`` results are told in trial order and a trial is asked only when
the trials it may depend on are told, so a seeded, trial-limited run repeats exactly.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..learners.base import LearnerSpec
from ..run.trial import TrialConfig, TrialResult

#: learner order of the portfolio phase: (learner, index of its default)
PORTFOLIO_ORDER = (
    ("lightgbm", 0),
    ("extra_trees", 0),
    ("lightgbm", 1),
    ("hist_gb", 0),
    ("random_forest", 0),
    ("lightgbm", 2),
    ("knn", 0),
    ("mlp", 0),
    ("linear", 1),
    ("lightgbm", 3),
    ("extra_trees", 1),
    ("lightgbm", 4),
    ("random_forest", 1),
    ("hist_gb", 1),
    ("lightgbm", 5),
    ("mlp", 1),
)

BASELINES = (("dummy", 0), ("linear", 0))
#: what each baseline is, for the trials' reasons (others are named by learner and default)
BASELINE_WORDS = {
    "dummy": "class priors (classification) or the mean (regression), the score every model must beat",
    "linear": "a fast regularized linear model, so a real model is on the leaderboard within seconds",
    "seasonal_naive": "the seasonal naive forecast (each step repeats the last season), the score to beat",
}
MAX_REPEATS = 8  # samples of a configuration already tried before a learner's space counts as exhausted


class Searcher:
    def __init__(
        self,
        learners: Sequence[LearnerSpec],
        task: str,
        n_rows: int,
        seed: int = 0,
        n_workers: int = 1,
        deterministic: bool = False,
        baseline: str = "dummy",
        portfolio: Sequence[tuple[str, int]] | None = None,
        loss_of: Callable[[float], float] | None = None,
        first: Sequence[str] = (),
    ) -> None:
        self.learners = {spec.name: spec for spec in learners}
        self.baseline = baseline  # runs first, on the driver; never searched
        self.loss_of = loss_of  # maps a score to the loss to minimize (None: the score itself)
        self.task, self.n_rows, self.seed = task, n_rows, seed
        self.n_workers, self.deterministic = n_workers, deterministic
        self.rng = np.random.default_rng(seed)
        self.next_id = 0
        self._queue: list[tuple[str, str, dict, str]] = []  # (phase, learner, params, reason)
        slot = 0
        # an entry is (learner, default index) or (learner, default index, parameters replacing the default's);
        # ``first``: learners whose first default runs right after the baselines (yours, asked for)
        order = [(e[0], e[1], e[2] if len(e) > 2 else {})
                 for e in (*BASELINES, *((n, 0) for n in first),
                           *(PORTFOLIO_ORDER if portfolio is None else portfolio))
                 if e[0] in self.learners and e[1] < len(self.learners[e[0]].defaults)]
        for spec in learners:  # defaults not named in the order above still run, last
            order += [(spec.name, i, {}) for i in range(len(spec.defaults)) if (spec.name, i, {}) not in order]
        for name, i, changed in order:
            params = {**self.learners[name].defaults[i], **changed}
            if any(n == name and p == params for _, n, p, _ in self._queue):
                continue
            if (name, i) in BASELINES or name == baseline:
                phase, reason = "baseline", f"baseline: {name}, {BASELINE_WORDS.get(name, f'default {i + 1}')}"
            else:
                slot += 1
                with_ = "".join(f" with {k}={v!r}" for k, v in changed.items())
                phase, reason = "portfolio", f"portfolio slot {slot}: {name} default {i + 1}{with_} (a strong default, tried before any search)"
            self._queue.append((phase, name, params, reason))
        self._resumed = False  # set by restore: reasons then start with "resumed:"
        self._choice = ""  # why _choose_learner chose its learner (the search phase's reason)
        self._reasons: dict[int, str] = {}  # trial id -> reason, written on its result when told
        self._studies: dict[str, Any] = {}
        self._pending: dict[int, tuple[str, Any]] = {}  # trial id -> (learner, optuna trial)
        self._buffer: dict[int, TrialResult] = {}
        self._told_upto = 0  # ids below are told (deterministic mode)
        self.results: dict[int, TrialResult] = {}
        self._skip: set[str] = set()  # learners the searcher gave up on (failing, exhausted)
        self._blocked: set[str] = set()  # learners blocked by the user (steering)
        self._asked: dict[int, dict] = {}  # trial id -> params of every configuration asked

    # ---- the protocol --------------------------------------------------------------------

    def restore(self, results: Sequence[TrialResult]) -> None:
        """Continue after earlier trials (a resumed experiment): they are known points and
        their configurations are not queued again."""
        for r in results:
            self.forget_default(r.learner, r.params)
        self._resumed = bool(results)
        self.next_id = max((r.trial_id for r in results), default=-1) + 1
        self._told_upto = self.next_id
        for r in results:
            self._tell(r)

    def ask_baseline(self) -> TrialConfig | None:
        """The baseline, if it is next in line (it needs no worker), else None."""
        if not self._queue or self._queue[0][1] != self.baseline or not self._queued_ok(self._queue[0]):
            return None
        phase, name, params, reason = self._queue.pop(0)
        return self._register(phase, name, params, None, None, reason)

    def has_more(self) -> bool:
        """Whether any configuration is left to try: one in the queue whose learner is not
        blocked, or a learner the search still chooses from. It agrees with :meth:`ask`:
        when it is False, ``ask()`` returns None (and when ``ask()`` returns None with no
        trial pending, it is False)."""
        return any(self._queued_ok(q) for q in self._queue) or bool(self._searchable())

    # ---- steering (automl_nb.search.steering) ----------------------------------------------

    def block(self, name: str) -> bool:
        """No new trial of ``name`` from now on (its queued configurations stay queued, for
        an ``allow``); False when it was blocked already."""
        if name in self._blocked:
            return False
        self._blocked.add(name)
        return True

    def allow(self, spec: LearnerSpec) -> str:
        """Bring ``spec``'s learner back (unblocked, and tried again when the searcher had
        given up on it), or into the run when it was not in it: its defaults are queued first
        (behind configurations asked by the user). Returns what changed, in words."""
        name = spec.name
        if name not in self.learners:
            self.learners[name] = spec
            tried = [r.params for r in self.results.values() if r.learner == name]
            at = self._steered_end()
            new = [(i, dict(p)) for i, p in enumerate(spec.defaults) if dict(p) not in tried]
            for k, (i, params) in enumerate(new):
                self._queue.insert(at + k, ("portfolio", name, params,
                                            f"allowed by you: {name} default {i + 1} (its defaults first, then the search)"))
            return f"added to the search; {len(new)} default(s) queued first"
        was = []
        if name in self._blocked:
            was.append("unblocked")
        if name in self._skip:
            was.append("tried again (the searcher had stopped trying it)")
        self._blocked.discard(name)
        self._skip.discard(name)
        return ", ".join(was) if was else "already searched: nothing changed"

    def enqueue_next(self, name: str, params: dict, reason: str) -> None:
        """``params`` of ``name`` as the next configuration (behind earlier ones asked)."""
        from .steering import STEERED_PHASE

        self._queue.insert(self._steered_end(), (STEERED_PHASE, name, dict(params), reason))

    @property
    def blocked(self) -> frozenset[str]:
        return frozenset(self._blocked)

    def _steered_end(self) -> int:
        from .steering import STEERED_PHASE

        return next((i for i, q in enumerate(self._queue) if q[0] != STEERED_PHASE), len(self._queue))

    def _queued_ok(self, q: tuple) -> bool:
        """Whether a queued configuration may start: its learner is not blocked, and (unless
        the user asked for it) not given up on."""
        from .steering import STEERED_PHASE

        name = q[1]
        return name not in self._blocked and (q[0] == STEERED_PHASE or name not in self._skip)

    def forget_default(self, learner: str, params: dict) -> None:
        """A configuration already tried (restored run): do not queue it again."""
        self._queue = [q for q in self._queue if not (q[1] == learner and q[2] == params)]

    def prune_threshold(self) -> float | None:
        """Loss after the first fold beyond which a search trial is hopeless (the 75th
        percentile of finished trials), once there are enough of them."""
        losses = sorted(self._loss(r) for r in self.results.values() if r.ok and r.learner != self.baseline)
        if len(losses) < 8:
            return None
        return float(np.quantile(losses, 0.75))

    def ask(self) -> TrialConfig | None:
        """The next configuration, or None when nothing should start now."""
        prune_above = self.prune_threshold()
        if self.deterministic and self._told_upto < self.next_id - self.n_workers + 1:
            return None  # wait for the results this trial may depend on
        for i, q in enumerate(self._queue):
            if self._queued_ok(q):  # a blocked learner's configurations wait (for an allow)
                phase, name, params, reason = self._queue.pop(i)
                return self._register(phase, name, params, None, None, reason)
        name = self._choose_learner()
        if name is None:
            return None
        study = self._study(name)
        for _ in range(MAX_REPEATS):
            trial = study.ask()
            try:
                params = self.learners[name].space(trial, self.task, self.n_rows)
            except Exception:  # a space that cannot sample is a bug in that learner: stop using it
                logging.getLogger("automl_nb").exception("search space of %s failed", name)
                study.tell(trial, state=_state("FAIL"))
                self._skip.add(name)
                return self.ask()
            seen = self._seen(name, params)
            if seen is False:
                return self._register("search", name, params, trial, prune_above, self._search_reason(name, study))
            # tried already (small discrete spaces): tell TPE the known outcome, sample again
            if seen is not None and seen.ok:
                study.tell(trial, self._loss(seen))
            else:
                study.tell(trial, state=_state("FAIL" if seen is not None else "PRUNED"))
        self._skip.add(name)  # the space keeps giving configurations already tried: exhausted
        return self.ask()

    def tell(self, result: TrialResult) -> None:
        if not result.reason:  # the searcher's reason, on the result the store keeps
            result.reason = self._reasons.get(result.trial_id, result.phase)
        if not self.deterministic:
            self._tell(result)
            return
        self._buffer[result.trial_id] = result
        while self._told_upto in self._buffer:
            self._tell(self._buffer.pop(self._told_upto))
            self._told_upto += 1

    def _seen(self, name: str, params: dict) -> TrialResult | None | bool:
        """The result of an earlier trial with these parameters, None while it runs, False if new."""
        for r in self.results.values():
            if r.learner == name and r.params == params:
                return r
        for tid, (n, _) in self._pending.items():
            if n == name and self._asked.get(tid) == params:
                return None
        return False

    def skip_learner(self, name: str) -> None:
        self._skip.add(name)

    # ---- internals -----------------------------------------------------------------------

    def _register(self, phase: str, name: str, params: dict, trial: Any, prune_above: float | None,
                  reason: str) -> TrialConfig:
        tid = self.next_id
        self.next_id += 1
        self._pending[tid] = (name, trial)
        self._asked[tid] = params
        if self._resumed:
            reason = f"resumed: {reason}"  # asked after the run was resumed
        self._reasons[tid] = reason
        return TrialConfig(tid, name, params, phase, prune_above if phase == "search" else None, reason)

    def _search_reason(self, name: str, study: Any) -> str:
        """Why this search trial: the learner's choice (score and cost) and how TPE samples."""
        n_points = sum(1 for t in study.trials if t.state.is_finished())
        how = ("TPE" if n_points >= 4 else
               f"TPE (sampling at random until the study has 4 points; it has {n_points})")
        return f"{how} on {name}, {self._choice or 'the only learner left'}"

    def _tell(self, result: TrialResult) -> None:
        self.results[result.trial_id] = result
        name, trial = self._pending.pop(result.trial_id, (result.learner, None))
        if name not in self.learners or name == self.baseline:
            return
        study = self._study(name)
        if trial is None and result.ok and not math.isnan(result.score):
            # a portfolio or restored result becomes a known point of the learner's study
            self._add_known(study, name, result)
        elif trial is not None:
            if result.ok:
                study.tell(trial, self._loss(result))
            elif result.status == "pruned":
                study.tell(trial, state=_state("PRUNED"))
            else:
                study.tell(trial, state=_state("FAIL"))
        failures = [r for r in self.results.values() if r.learner == name and r.status == "failed"]
        successes = [r for r in self.results.values() if r.learner == name and r.ok]
        if len(failures) >= 3 and not successes:  # a learner that never works is not retried forever
            self._skip.add(name)

    def _add_known(self, study: Any, name: str, result: TrialResult) -> None:
        import optuna

        fixed = optuna.trial.FixedTrial(result.params)
        try:
            self.learners[name].space(fixed, self.task, self.n_rows)
            dists = dict(fixed.distributions)
            if dists:
                study.add_trial(
                    optuna.trial.create_trial(
                        params={k: fixed.params[k] for k in dists}, distributions=dists, value=self._loss(result)
                    )
                )
        except Exception:  # a default outside the space is still a result, just not a TPE point
            pass

    def _loss(self, result: TrialResult) -> float:
        return float(self.loss_of(result.score)) if self.loss_of else float(result.score)

    def _study(self, name: str) -> Any:
        if name not in self._studies:
            import optuna  # imported here, late: the baselines and portfolio do not need it

            optuna.logging.set_verbosity(optuna.logging.WARNING)
            k = list(self.learners).index(name)
            sampler = optuna.samplers.TPESampler(seed=self.seed + 7919 * k, n_startup_trials=4, multivariate=True)
            self._studies[name] = optuna.create_study(direction="minimize", sampler=sampler)
        return self._studies[name]

    def _searchable(self) -> list[str]:
        """The learners the search phase chooses from: not the baseline, not blocked, not
        given up on, and not failing every trial so far."""
        out = []
        for name in self.learners:
            if name in self._skip or name in self._blocked or name == self.baseline:
                continue
            rs = [r for r in self.results.values() if r.learner == name]
            if rs and not any(r.ok for r in rs):
                continue
            out.append(name)
        return out

    def _choose_learner(self) -> str | None:
        """Good learners more often, cheap ones more often; every working learner sometimes."""
        stats = []
        for name in self._searchable():
            spec = self.learners[name]
            rs = [r for r in self.results.values() if r.learner == name]
            ok = [r for r in rs if r.ok]
            best = min((self._loss(r) for r in ok), default=math.inf)
            secs = np.median([r.duration for r in rs]) if rs else spec.cost
            # trials since this learner last improved: a learner that stopped improving is
            # tried less often, however cheap it is
            stale = 0
            running_best = math.inf
            for r in sorted(ok, key=lambda r: r.trial_id):
                loss = self._loss(r)
                # an improvement smaller than 0.1 % is not worth another trial
                better = not math.isfinite(running_best) or loss < running_best - 1e-3 * abs(running_best)
                stale = 0 if better else stale + 1
                running_best = min(running_best, loss)
            stats.append((name, best, max(float(secs), 0.05) * (1 + stale / 3), float(secs), stale))
        if not stats:
            return None
        known = [s for s in stats if math.isfinite(s[1])]
        if not known:
            self._choice = "the first learner without a score yet (no learner has one)"
            return stats[0][0]
        losses = np.array([s[1] for s in known])
        spread = float(np.std(losses)) or (abs(float(losses.min())) * 0.01 + 1e-9)
        gap = (losses - losses.min()) / spread
        secs = np.array([s[2] for s in known])
        weight = np.exp(-2.0 * gap) / np.sqrt(secs / secs.min())
        p = weight / weight.sum()
        k = int(self.rng.choice(len(known), p=p))
        name, _, _, trial_secs, stale = known[k]
        behind = "the best loss so far" if gap[k] == 0 else f"a best loss {gap[k]:.2f} spreads behind the leader"
        self._choice = (f"chosen by score and cost (weight exp(-2·gap) / √relative seconds): {behind}, "
                        f"{trial_secs:.2g} s a trial, {stale} trial(s) since it last improved; "
                        f"drawn with probability {p[k]:.0%} among {len(known)} learner(s)")
        return name


def _state(name: str) -> Any:
    import optuna

    return getattr(optuna.trial.TrialState, name)
