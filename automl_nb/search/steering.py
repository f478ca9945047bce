"""Steering a running search, and its exit criteria: what is checked at the call, and the log.

The run handle (:class:`~automl_nb.experiment.Run`) and the Studio steer a search while it
goes on: ``block(learner)`` / ``allow(learner)``, ``set_time_left(seconds)``,
``try_next(learner, params)``. Everything is checked here, on the caller's thread, so a bad
request is an error at the call that names what is wrong; the driver thread then applies the
request at its next turn (within ~50 ms, also while paused) and writes one record of the
**steering log**:

``{seq, at, time, action, learner, detail, by}`` — ``at``: seconds since the run (segment)
started; ``time``: the wall clock (epoch seconds), which places it on a chart; ``action``:
"block", "allow", "time_left" or "try_next"; ``learner``: the learner steered (None for
time_left); ``detail``: what happened, in words; ``by``: "api" or "studio". ``seq`` numbers
the records of an experiment from 0 (a resumed run goes on counting).

Choices made here (the README's "Steering" section says them to users):

- **block** takes effect on the next trial: no new trial of the learner starts after the
  block is applied. Trials of it already running are *not* stopped: they finish and count.
  The baseline cannot be blocked (it runs once, first), nor the last learner searched.
- **allow** brings a learner back, or into the run for the first time when it is valid for
  the task but was left out (``allowed_learners``, ``min_budget``, ``blocked_learners``): its
  portfolio defaults are queued first (after any try-next), then it joins the search.
- **try_next** puts one configuration at the head of the queue (behind earlier try-nexts):
  the next trial that starts is it. Its parameters are the learner's first default with the
  given ones on top; they must be the learner's (names), of the right kind (integers,
  numbers, one of a categorical's choices), a fraction stays within 0..1 and a positive
  parameter positive, and the learner's ``make`` (and scikit-learn's parameter validation)
  must accept them. Values beyond the *searched* range are allowed: that range is where the
  search looks, not a limit of the learner. Its reason starts with "asked by you".
- **set_time_left** sets the seconds left of the budget (ensemble and refit included), from
  now (while paused: from the moment the run resumes).
- A redundant request (blocking a blocked learner) changes nothing and is logged as such.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any

from ..errors import ConfigError
from ..settings_fields import is_int, is_number

ACTIONS = ("block", "allow", "time_left", "try_next")
BY = ("api", "studio")
LOG_COLUMNS = ("seq", "at", "time", "action", "learner", "detail", "by")
#: statuses of an experiment whose search may still be steered
STEERABLE = ("pending", "starting", "profiling", "searching", "paused")
#: the phase of a trial asked by the user (try_next)
STEERED_PHASE = "steered"


def make_record(seq: int, t0: float, action: str, learner: str | None, detail: str, by: str,
                now: float | None = None) -> dict[str, Any]:
    """One record of the steering log."""
    now = time.time() if now is None else now
    return {"seq": seq, "at": round(now - t0, 3), "time": now, "action": action, "learner": learner,
            "detail": detail, "by": by}


def steering_frame(records: Any) -> Any:
    """The steering log as a DataFrame: at (seconds since the run started), action,
    learner, detail, by, time (epoch seconds); one row per action, in order."""
    import pandas as pd

    rows = [{k: r.get(k) for k in LOG_COLUMNS} for r in records]
    frame = pd.DataFrame(rows, columns=list(LOG_COLUMNS))
    return frame[["at", "action", "learner", "detail", "by", "time"]]


def who(by: str) -> str:
    return "in the Studio" if by == "studio" else "from the API"


# ---- exit criteria -------------------------------------------------------------------------


def check_target_score_type(value: Any) -> None:
    """``target_score``: None or a finite number (the metric decides the rest)."""
    if value is None:
        return
    if not is_number(value) or not math.isfinite(float(value)):
        raise ConfigError(f"target_score must be a finite number or None, got {value!r}", field="target_score")


def check_target_score(value: Any, metric: Any) -> None:
    """Raise :class:`ConfigError` when ``metric`` (a :class:`~automl_nb.metrics.Metric`) can
    never reach ``value``: above the perfect score of a greater-is-better metric (an AUC of
    1.5), below the perfect loss (a negative RMSE)."""
    check_target_score_type(value)
    if value is None:
        return
    v = float(value)
    if metric.greater_is_better:
        if metric.perfect is not None and v > metric.perfect:
            raise ConfigError(f"target_score={value!r} cannot be reached: {metric.name} is at most {metric.perfect:g} "
                              "(greater is better)", field="target_score")
    elif metric.perfect is not None and v < metric.perfect:
        raise ConfigError(f"target_score={value!r} cannot be reached: {metric.name} is a loss (lower is better) and "
                          f"never below {metric.perfect:g}; give the {metric.name} to reach as it is, not negated "
                          f"(e.g. target_score={abs(v):g})", field="target_score")


def reached(score: float, target: float, greater_is_better: bool) -> bool:
    """Whether a trial's score reaches the target score."""
    if score is None or not math.isfinite(score):
        return False
    return score >= target if greater_is_better else score <= target


# ---- try_next: the parameters a learner accepts --------------------------------------------


class _Probe:
    """An Optuna-like trial that runs a learner's search space once, noting each parameter's
    kind and range; a parameter the user gave is returned as given (so the conditional
    branches of a space follow the user's choice), else the learner's default, else the
    range's low end."""

    def __init__(self, given: Mapping[str, Any], base: Mapping[str, Any]) -> None:
        self.given, self.base = given, base
        self.domains: dict[str, tuple] = {}

    def _value(self, name: str, fallback: Any) -> Any:
        if name in self.given:
            return self.given[name]
        return self.base.get(name, fallback)

    def suggest_int(self, name: str, low: int, high: int, step: int = 1, log: bool = False) -> Any:
        self.domains[name] = ("int", low, high)
        return self._value(name, low)

    def suggest_float(self, name: str, low: float, high: float, step: float | None = None, log: bool = False) -> Any:
        self.domains[name] = ("float", low, high)
        return self._value(name, low)

    def suggest_categorical(self, name: str, choices: Any) -> Any:
        self.domains[name] = ("categorical", tuple(choices))
        value = self._value(name, choices[0])
        match = _choice(value, choices)
        return choices[0] if match is _NO else match


_NO = object()


def _choice(value: Any, choices: Any) -> Any:
    """The choice equal to ``value`` (1 matches 1.0; True matches only True), else ``_NO``."""
    for c in choices:
        if isinstance(c, bool) != isinstance(value, bool):
            continue
        if is_number(c) and is_number(value) and float(c) == float(value):
            return c
        if c == value and type(c) is type(value):
            return c
    return _NO


def _fmt(v: Any) -> str:
    return repr(v) if isinstance(v, str) else f"{v}"


def check_params(spec: Any, params: Any, task: str, n_rows: int, seed: int = 0) -> dict[str, Any]:
    """The full parameters of a try-next trial of ``spec`` (the learner's first default with
    ``params`` on top), or ValueError naming the learner and the parameter refused."""
    name = spec.name
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        raise ValueError(f"try_next({name!r}, params): params must be a dict of parameter names to values, "
                         f"got {type(params).__name__}")
    bad_keys = [k for k in params if not isinstance(k, str)]
    if bad_keys:
        raise ValueError(f"try_next({name!r}): parameter names must be strings, got {bad_keys!r}")
    base = dict(spec.defaults[0]) if spec.defaults else {}
    probe = _Probe(params, base)
    try:
        space = dict(spec.space(probe, task, n_rows))
    except Exception as exc:  # a value of the wrong kind broke the space's own arithmetic
        raise ValueError(f"try_next({name!r}): the parameters {dict(params)!r} do not fit {name}'s search space "
                         f"({type(exc).__name__}: {exc})") from None
    known = set(space) | set(probe.domains)
    unknown = [k for k in params if k not in known]
    if unknown:
        listed = ", ".join(sorted(known)) or "none (it takes no parameters)"
        raise ValueError(f"try_next({name!r}): {name} has no parameter {unknown[0]!r}"
                         f"{f' (nor {unknown[1:]!r})' if len(unknown) > 1 else ''}; its parameters: {listed}")
    clean: dict[str, Any] = {}
    for key, value in params.items():
        clean[key] = _check_value(name, key, value, probe.domains.get(key), space.get(key))
    full = {k: v for k, v in {**base, **clean}.items() if k in known}
    try:
        estimator = spec.make(full, task, seed, 1)
        validate = getattr(estimator, "_validate_params", None)
        if callable(validate) and isinstance(getattr(estimator, "_parameter_constraints", None), dict):
            validate()  # scikit-learn's own checks of its parameters (types, ranges), without fitting
    except Exception as exc:  # noqa: BLE001 - whatever the learner refuses, said at the call
        raise ValueError(f"try_next({name!r}): {name} does not accept {clean!r}: {type(exc).__name__}: {exc}") from None
    return full


def _check_value(learner: str, key: str, value: Any, domain: tuple | None, constant: Any) -> Any:
    """``value`` of parameter ``key``, checked against its kind and range; normalized
    (2.0 → 2 for an integer, 1 → 1.0 for a categorical choice 1.0)."""
    where = f"try_next({learner!r}): {key}={_fmt(value)}"
    if domain is None:  # a fixed value of the space (an upper bound such as n_estimators)
        if is_number(constant) and not isinstance(constant, bool):
            if not is_number(value) or not math.isfinite(float(value)):
                raise ValueError(f"{where} must be a finite number (like {constant!r})")
            if constant > 0 and value <= 0:
                raise ValueError(f"{where} must be positive")
            return int(value) if is_int(constant) and float(value).is_integer() else value
        return value
    kind = domain[0]
    if kind == "categorical":
        match = _choice(value, domain[1])
        if match is _NO:
            raise ValueError(f"{where} is not one of its choices: {', '.join(_fmt(c) for c in domain[1])}")
        return match
    low, high = domain[1], domain[2]
    if not is_number(value) or not math.isfinite(float(value)):
        raise ValueError(f"{where} must be a finite number (searched from {low:g} to {high:g})")
    if kind == "int":
        if not float(value).is_integer():
            raise ValueError(f"{where} must be an integer (searched from {low} to {high})")
        value = int(value)
    if 0 <= low and high <= 1 and not 0 <= value <= 1:
        raise ValueError(f"{where} is a fraction: it must be within 0 and 1 (searched from {low:g} to {high:g})")
    if low > 0 and value <= 0:
        raise ValueError(f"{where} must be positive (searched from {low:g} to {high:g})")
    if low >= 0 and value < 0:
        raise ValueError(f"{where} must not be negative (searched from {low:g} to {high:g})")
    return value


def edited(params: Mapping[str, Any], source: Mapping[str, Any] | None) -> str:
    """The parameters changed from ``source`` (a finished trial's), in words."""
    if not source:
        return ""
    changes = [f"{k} {_fmt(source.get(k))} → {_fmt(v)}" for k, v in params.items() if source.get(k) != v]
    return ", ".join(changes) if changes else "unchanged"


# ---- the run handle's steering methods ----------------------------------------------------------


class RunSteering:
    """The steering methods of :class:`~automl_nb.experiment.Run` (a mixin over ``self._exp``)."""

    _exp: Any

    def block(self, learner: str) -> None:
        """Start no new trial of ``learner`` (from the next trial on; its running trials
        finish and count). Works while paused. ValueError for a learner that is unknown,
        not for this task, the baseline or the last one searched."""
        self._exp.steerer.request("block", learner)

    def allow(self, learner: str) -> None:
        """Search ``learner`` again, or for the first time when it is valid for the task
        but was left out (``allowed_learners``, ``blocked_learners``, ``min_budget``): its
        defaults are tried first. ValueError for an unknown learner or one not for this task."""
        self._exp.steerer.request("allow", learner)

    def set_time_left(self, seconds: float) -> None:
        """Set the seconds left of the budget (ensembling and the refit included) from now,
        or, while paused, from the resume; beside ``extend``, which adds to it."""
        self._exp.steerer.request("time_left", None, seconds=seconds)

    def try_next(self, learner: str, params: dict[str, Any] | None = None) -> None:
        """Run this configuration next: ``learner`` with ``params`` (its first default
        with these on top). Checked at the call: ValueError naming the learner or the
        parameter that is refused. The trial's reason starts with "asked by you"."""
        self._exp.steerer.request("try_next", learner, params=params)

    def steering_log(self) -> Any:
        """Every steering action so far (a DataFrame: at, action, learner, detail, by, time)."""
        return steering_frame(list(self._exp.steering))

    @property
    def stop_reason(self) -> str | None:
        """Why the search stopped ("time budget used", "max_trials reached", "target score
        0.9 reached by trial 7", "cancelled by you", "every configuration tried"); None while
        it goes on."""
        return self._exp.stop_reason


# ---- the experiment's side: check at the call, apply on the driver ------------------------------


class Steerer:
    """The steering of one experiment: the learners' states as steered (checked at each
    call, on the caller's thread), the requests applied on the driver thread and logged in
    ``exp.steering`` and the store, and the exit criteria (``target_score``, the stop reason)."""

    def __init__(self, exp: Any) -> None:
        self.exp = exp
        self._states: dict[str, dict[str, str]] | None = None  # learner -> {state, note}
        #: the first trial that reached target_score (None: not reached)
        self.target_hit: int | None = None
        #: True once the search loop ended (steering is refused from then on)
        self.search_over = False

    # ---- exit criteria -----------------------------------------------------------------

    def note(self, result: Any) -> None:
        """A trial's result: does it reach ``target_score``?"""
        target = self.exp.config.target_score
        if (target is not None and self.target_hit is None and result.ok
                and reached(result.score, target, self.exp.metric.greater_is_better)):
            self.target_hit = result.trial_id

    def begin(self, previous: Any) -> None:
        """A resumed run's earlier trials: one may have reached ``target_score`` already."""
        for r in previous:
            self.note(r)

    def stopped_at_target(self, runner: Any, complete: Any) -> bool:
        """Whether ``target_score`` was reached: then the search stops, its running trials
        are stopped (``complete`` records them) and the reason says which trial reached it."""
        if self.target_hit is None:
            return False
        reason = self.stop(f"target score {self.exp.config.target_score:g} reached by trial {self.target_hit}")
        for c in runner.kill_running("cancelled", f"stopped: the {reason}"):
            complete(c)
        return True

    def stop(self, reason: str) -> str:
        """The search ends, for ``reason`` (kept as ``exp.stop_reason``)."""
        self.search_over = True
        self.exp.stop_reason = reason
        return reason

    def end_message(self, outcome: str) -> str:
        """The final phase's message: why the search stopped, then the outcome."""
        reason = self.exp.stop_reason
        return f"stopped: {reason}; {outcome}" if reason else outcome

    # ---- the learners, as steered --------------------------------------------------------

    @property
    def learners(self) -> dict[str, Any]:
        """Every learner this run may use, by name: the registered ones and yours (``learners=``)."""
        from ..learners.custom import run_learners

        return run_learners(self.exp.config.learners)

    def initial_names(self) -> list[str]:
        """The learners this run may try as set up: those for the task that are installed,
        allowed (or, when none are named, whose ``min_budget`` the time budget reaches) and
        not blocked."""
        exp = self.exp
        cfg, task, LEARNERS = exp.config, exp.prepared.task, self.learners
        mine = set(cfg.learners or {})
        names = [n for n, s in LEARNERS.items() if task in s.tasks and s.available()]
        if cfg.allowed_learners is not None:
            names = [n for n in names if n in cfg.allowed_learners or n == exp.baseline]
        else:
            names = [n for n in names if LEARNERS[n].min_budget <= cfg.time_budget]
        if cfg.exportable is not None:  # only what converts (automl_nb.export.onnx_support);
            from ..export.onnx_support import convertible  # yours: converting says whether they do

            names = [n for n in names if n in mine or n in convertible([n])]
        return [n for n in names if n not in cfg.blocked_learners]

    def searched_names(self) -> list[str]:
        """The learners searched as steered so far, in the order of :meth:`initial_names`
        (learners allowed later after them)."""
        states = self.learner_states()
        names = [n for n in self.initial_names() if states.get(n, {}).get("state") == "searched"]
        return names + [n for n, s in states.items() if s["state"] == "searched" and n not in names]

    def learner_states(self) -> dict[str, dict[str, str]]:
        """Every learner for this task that is installed: ``{state, note}`` with state
        "searched", "blocked" or "left out", as the settings and the steering so far made it
        (requests not yet applied by the driver included)."""
        with self.exp._lock:
            if self._states is None:
                self._states = self._initial_states()
            return {k: dict(v) for k, v in self._states.items()}

    def _initial_states(self) -> dict[str, dict[str, str]]:
        exp, LEARNERS = self.exp, self.learners
        cfg, task = exp.config, exp.prepared.task
        searched = set(self.initial_names())
        states: dict[str, dict[str, str]] = {}
        for name, spec in LEARNERS.items():
            if task not in spec.tasks or not spec.available():
                continue
            if name in searched:
                states[name] = {"state": "searched", "note": "the baseline" if name == exp.baseline else ""}
            elif name in cfg.blocked_learners:
                states[name] = {"state": "blocked", "note": "blocked_learners"}
            elif cfg.allowed_learners is not None and name not in cfg.allowed_learners:
                states[name] = {"state": "left out", "note": "not in allowed_learners"}
            elif spec.min_budget > cfg.time_budget:
                states[name] = {"state": "left out",
                                "note": f"its min_budget ({spec.min_budget:g} s) is above the time budget"}
            else:
                states[name] = {"state": "left out", "note": "does not convert (exportable)"}
        for r in exp.steering:  # a resumed run: its blocks and allows hold
            if r.get("action") in ("block", "allow") and r.get("learner") in states:
                states[r["learner"]] = ({"state": "blocked", "note": f"blocked by you at {r['at']:.0f} s"}
                                        if r["action"] == "block" else {"state": "searched", "note": "allowed by you"})
        return states

    # ---- a request, at the call ----------------------------------------------------------

    def request(self, action: str, learner: str | None, *, params: Any = None, seconds: Any = None,
                by: str = "api", from_trial: int | None = None) -> None:
        """Check a steering request (ValueError/RuntimeError naming what is wrong) and queue
        it for the driver thread, which applies and logs it."""
        exp, LEARNERS = self.exp, self.learners
        if exp.status not in STEERABLE or self.search_over or exp._finished.is_set():
            raise RuntimeError(f"the search is over (run status: {exp.status}): steering needs a running search")
        if action == "time_left":
            if not is_number(seconds) or not math.isfinite(float(seconds)) or not float(seconds) > 0:
                raise ValueError(f"set_time_left: seconds must be a positive number, got {seconds!r}")
            exp._control("steer", action, None, float(seconds), by, None)
            return
        if action not in ("block", "allow", "try_next"):
            raise ValueError(f"unknown steering action {action!r}; expected one of {', '.join(ACTIONS)}")
        states = self.learner_states()
        call = f"{action}({learner!r})"
        if not isinstance(learner, str) or learner not in LEARNERS:
            raise ValueError(f"{call}: unknown learner {learner!r}; this run's learners: {', '.join(states)}")
        if learner not in states:
            why = ("is not installed" if exp.prepared.task in LEARNERS[learner].tasks
                   else f"does not apply to task {exp.prepared.task!r}")
            raise ValueError(f"{call}: {learner} {why}; this run's learners: {', '.join(states)}")
        if learner == exp.baseline and action != "try_next":
            raise ValueError(f"{call}: {learner} is the baseline: it runs once, first, and is never searched")
        state, note = states[learner]["state"], states[learner]["note"]
        if action == "allow" and state != "searched" and exp.config.exportable is not None:
            from ..export.onnx_support import convertible

            if not convertible([learner]):
                raise ValueError(f"{call}: {learner} does not convert to {exp.config.exportable} "
                                 f"(exportable={exp.config.exportable!r})")
        if action == "block" and state == "searched":
            others = [n for n, s in states.items() if s["state"] == "searched" and n not in (learner, exp.baseline)]
            if not others:
                raise ValueError(f"{call}: {learner} is the last learner searched; allow another first, "
                                 "or cancel() the run")
        payload = None
        if action == "try_next":
            if state != "searched":
                raise ValueError(f"try_next({learner!r}): {learner} is not in this run's search ({state}"
                                 f"{': ' + note if note else ''}); allow it first: run.allow({learner!r})")
            payload = check_params(LEARNERS[learner], params, exp.prepared.task, exp.n_rows(), exp.config.seed)
        with exp._lock:  # the call's effect, for the calls after it
            if action == "block" and self._states[learner]["state"] == "searched":
                self._states[learner] = {"state": "blocked", "note": f"blocked by you at {exp.elapsed():.0f} s"}
            elif action == "allow" and self._states[learner]["state"] != "searched":
                self._states[learner] = {"state": "searched", "note": "allowed by you"}
        exp._control("steer", action, learner, payload, by, (params, from_trial))

    # ---- a request, on the driver thread ---------------------------------------------------

    def apply(self, action: str, learner: str | None, payload: Any, by: str, extra: Any) -> None:
        """Apply a request to the searcher (or the budget) and write it to the log."""
        from ..run.events import Steered

        exp, LEARNERS = self.exp, self.learners
        searcher = exp._searcher
        now = time.time()
        if action == "time_left":
            ref = exp._paused_at if exp._paused_at is not None else now  # paused: the clock stands
            old = exp._deadline - ref
            exp._deadline = ref + payload
            detail = f"{payload:g} s left (was {old:.0f} s)" + (", counted from the resume" if exp._paused_at else "")
        elif action == "block":
            detail = ("blocked: no new trial of it starts (running ones finish)" if searcher.block(learner)
                      else "already blocked: nothing changed")
        elif action == "allow":
            detail = f"allowed: {searcher.allow(LEARNERS[learner])}"
        else:  # try_next
            _, from_trial = extra
            source = exp.results.get(from_trial) if from_trial is not None else None
            src = f" — trial {from_trial} with {edited(payload, source.params)}" if source is not None else ""
            searcher.enqueue_next(learner, payload, f"asked by you ({who(by)}): try next{src}")
            detail = f"queued next: {payload}{src}"
        record = make_record(len(exp.steering), exp._t0, action, learner, detail, by, now)
        exp.steering.append(record)
        exp._write("the steering log", lambda: exp.store.add_steering(record))
        exp.bus.emit(Steered(record))
