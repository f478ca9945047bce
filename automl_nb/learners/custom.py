"""Your own learner: a scikit-learn estimator with a search space (``an.Learner``).

>>> from sklearn.svm import SVC
>>> an.AutoML(learners={"svc": an.Learner(SVC(probability=True),
...                                       space={"C": an.log_uniform(1e-3, 1e3)})})  # doctest: +SKIP

A :class:`Learner` becomes a :class:`~automl_nb.learners.base.LearnerSpec` named by its key
in ``learners=``: its portfolio default is the estimator's own parameter values (tried
right after the baselines), then Optuna TPE samples the space. Each trial clones the
estimator, sets the sampled parameters, and fits it on the featurization of its ``family``.

Like scikit-learn's estimators, a Learner and its distributions store their arguments
unchanged; they are checked in ``ExperimentConfig.validate`` (the error names
``learners['svc']``), and against the task once the data has decided it, before any trial.

The trial data carries the learners to the worker processes. An estimator whose class is
defined in a notebook (``__main__``) reaches them by value (cloudpickle), and its class is
put in the worker's ``__main__`` so the fitted model travels back as an ordinary pickle.
"""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError
from ..settings_fields import is_int, is_number
from .base import LearnerSpec, Params, check_deadline

#: the families a learner of yours may take its featurization from
FAMILIES = ("gbm", "tree", "linear", "neural", "knn")
#: the tasks a learner of yours may serve
TASKS = ("binary", "multiclass", "regression")
#: values optuna can sample from a choice (and the store keeps as JSON)
_PLAIN = (type(None), bool, int, float, str)


# ---- distributions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Distribution:
    """Where one parameter is sampled; ``suggest`` asks an Optuna trial for a value."""

    def suggest(self, trial: Any, name: str) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def problem(self) -> str | None:
        """Why this distribution cannot be sampled; None when it can."""
        return None


@dataclass(frozen=True)
class Uniform(Distribution):
    lo: float
    hi: float

    def suggest(self, trial: Any, name: str) -> float:
        return trial.suggest_float(name, float(self.lo), float(self.hi))

    def problem(self) -> str | None:
        return _bounds_problem(self, is_number)

    def __repr__(self) -> str:
        return f"uniform({self.lo!r}, {self.hi!r})"


@dataclass(frozen=True)
class LogUniform(Uniform):
    def suggest(self, trial: Any, name: str) -> float:
        return trial.suggest_float(name, float(self.lo), float(self.hi), log=True)

    def problem(self) -> str | None:
        bad = _bounds_problem(self, is_number)
        if bad is None and self.lo <= 0:
            return f"{self!r}: a log scale needs lo > 0"
        return bad

    def __repr__(self) -> str:
        return f"log_uniform({self.lo!r}, {self.hi!r})"


@dataclass(frozen=True)
class IntUniform(Distribution):
    lo: int
    hi: int

    def suggest(self, trial: Any, name: str) -> int:
        return trial.suggest_int(name, int(self.lo), int(self.hi))

    def problem(self) -> str | None:
        return _bounds_problem(self, is_int, "integers")

    def __repr__(self) -> str:
        return f"int_uniform({self.lo!r}, {self.hi!r})"


@dataclass(frozen=True)
class Choice(Distribution):
    options: tuple

    def suggest(self, trial: Any, name: str) -> Any:
        return trial.suggest_categorical(name, list(self.options))

    def problem(self) -> str | None:
        if isinstance(self.options, (str, bytes)) or not hasattr(self.options, "__len__") or not len(self.options):
            return f"{self!r}: give a non-empty list of options"
        odd = [o for o in self.options if not isinstance(o, _PLAIN)]
        if odd:
            return (f"{self!r}: options must be None, booleans, numbers or strings (they are sampled and "
                    f"stored as such), not {type(odd[0]).__name__}")
        return None

    def __repr__(self) -> str:
        return f"choice({list(self.options)!r})"


def _bounds_problem(d: Any, ok: Any, what: str = "numbers") -> str | None:
    if not (ok(d.lo) and ok(d.hi)) or not (math.isfinite(d.lo) and math.isfinite(d.hi)):
        return f"{d!r}: the bounds must be finite {what}"
    if d.lo >= d.hi:
        return f"{d!r}: lo must be below hi"
    return None


def uniform(lo: float, hi: float) -> Uniform:
    """A float sampled uniformly in ``[lo, hi]``."""
    return Uniform(lo, hi)


def log_uniform(lo: float, hi: float) -> LogUniform:
    """A float sampled uniformly on a log scale in ``[lo, hi]`` (``0 < lo < hi``)."""
    return LogUniform(lo, hi)


def int_uniform(lo: int, hi: int) -> IntUniform:
    """An integer sampled uniformly in ``[lo, hi]`` (both included)."""
    return IntUniform(lo, hi)


def choice(options: Any) -> Choice:
    """One of ``options`` (None, booleans, numbers or strings)."""
    return Choice(tuple(options) if isinstance(options, (list, tuple)) else options)


# ---- the learner -------------------------------------------------------------------------


class Learner:
    """Any scikit-learn-compatible estimator, with a search space, as a learner of the run.

    Parameters
    ----------
    estimator : an unfitted estimator (``fit``, ``get_params``, ``clone`` works). Its own
        parameter values are the learner's portfolio default, tried first.
    space : ``{parameter: distribution}`` (:func:`log_uniform`, :func:`uniform`,
        :func:`int_uniform`, :func:`choice`); nested parameters as ``set_params`` takes them
        (``"svc__C"``). None: the default alone.
    family : the featurization it gets: "linear" (default: impute, scale, one-hot or
        target-encode: any estimator takes it), "tree" (impute, no scaling), "gbm" (NaN kept),
        "neural", "knn".
    tasks : the tasks it serves ("binary", "multiclass", "regression"); None: a classifier's
        or a regressor's, as scikit-learn's tags say.
    """

    def __init__(self, estimator: Any, space: Mapping[str, Distribution] | None = None,
                 family: str = "linear", tasks: Any = None) -> None:
        self.estimator = estimator
        self.space = space
        self.family = family
        self.tasks = tasks

    def __repr__(self) -> str:
        space = "None" if self.space is None else "{" + ", ".join(
            f"{k!r}: {v!r}" for k, v in dict(self.space).items()) + "}"
        return f"Learner({self.estimator!r}, space={space}, family={self.family!r}, tasks={self.tasks!r})"

    # ---- what the engine asks -----------------------------------------------------------

    def served_tasks(self) -> frozenset[str]:
        if self.tasks is not None:
            return frozenset([self.tasks] if isinstance(self.tasks, str) else self.tasks)
        from sklearn.base import is_classifier, is_regressor

        if is_classifier(self.estimator):
            return frozenset({"binary", "multiclass"})
        return frozenset({"regression"}) if is_regressor(self.estimator) else frozenset()

    def defaults(self) -> tuple[Params, ...]:
        """The estimator's own values of the searched parameters: the portfolio default."""
        own = self.estimator.get_params(deep=True)
        return ({k: own[k] for k in dict(self.space or {}) if isinstance(own.get(k), _PLAIN)},)

    def make(self, params: Params, task: str, seed: int, n_jobs: int) -> Any:
        from sklearn.base import clone

        est = clone(self.estimator)
        own = est.get_params(deep=False)
        fill = {}
        # left unset by you: the run's seed (a seeded run repeats) and the worker's threads
        if "random_state" in own and own["random_state"] is None:
            fill["random_state"] = seed
        if "n_jobs" in own and own["n_jobs"] is None:
            fill["n_jobs"] = n_jobs
        return est.set_params(**fill, **params)

    def sample(self, trial: Any, task: str, n_rows: int) -> Params:
        return {k: d.suggest(trial, k) for k, d in dict(self.space or {}).items()}

    def fit(self, estimator: Any, X: Any, y: Any, X_val: Any = None, y_val: Any = None,
            deadline: float | None = None) -> Params:
        check_deadline(deadline)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. ConvergenceWarning: the score says how it went
            estimator.fit(X, y)
        return {}

    def spec(self, name: str) -> LearnerSpec:
        """This learner as the engine's :class:`LearnerSpec`, registered as ``name``."""
        return LearnerSpec(
            name=name, family=self.family, tasks=self.served_tasks(), make=self.make, space=self.sample,
            defaults=self.defaults(), cost=0.2, fit=self.fit,
            description=f"yours: {_one_line(self.estimator)}", extra={"custom": True},
        )

    def describe(self) -> dict[str, Any]:
        """JSON: what the experiment's stored settings say of this learner."""
        return {"estimator": _one_line(self.estimator), "class": class_path(type(self.estimator)),
                "space": {k: repr(v) for k, v in dict(self.space or {}).items()}, "family": self.family,
                "tasks": sorted(self.served_tasks())}

    # ---- checks ---------------------------------------------------------------------------

    def check(self, name: str) -> None:
        """Raise :class:`ConfigError` (``field="learners"``) naming ``learners[name]`` and the
        first problem: what can be checked before the data decides the task."""
        from sklearn.base import clone

        def bad(message: str) -> ConfigError:
            return ConfigError(f"learners[{name!r}]: {message}", field="learners")

        est = self.estimator
        if isinstance(est, type):
            raise bad(f"give an estimator instance, {est.__name__}(...), not the class")
        missing = [m for m in ("fit", "get_params", "set_params") if not callable(getattr(est, m, None))]
        if missing:
            raise bad(f"{type(est).__name__} is not a scikit-learn estimator (it has no {', '.join(missing)})")
        try:
            clone(est)
        except Exception as exc:  # noqa: BLE001 - whatever clone raises, said as it is
            raise bad(f"sklearn.base.clone({type(est).__name__}(...)) fails ({type(exc).__name__}: {exc}); "
                      "an estimator must store its constructor's arguments unchanged") from None
        try:
            portable(est)
        except Exception as exc:  # noqa: BLE001 - pickling fails in many ways
            raise bad(f"{type(est).__name__} cannot be pickled ({type(exc).__name__}: {exc}); trials run in "
                      "worker processes, which receive it pickled") from None
        if self.family not in FAMILIES:
            raise bad(f"family={self.family!r} does not exist; choose one of: {', '.join(FAMILIES)}")
        tasks = self.served_tasks()
        if not tasks:
            raise bad(f"{type(est).__name__} is neither a classifier nor a regressor by scikit-learn's tags; "
                      "say which tasks it serves: tasks=['regression'] or ['binary', 'multiclass']")
        if not tasks <= set(TASKS):
            raise bad(f"tasks={sorted(tasks)} holds unknown tasks; choose among: {', '.join(TASKS)}")
        if self.space is not None and not isinstance(self.space, Mapping):
            raise bad(f"space must be a dict {{parameter: distribution}}, got {type(self.space).__name__}")
        params = est.get_params(deep=True)
        for key, dist in dict(self.space or {}).items():
            if key not in params:
                near = ", ".join(sorted(p for p in params if "__" not in p)[:12])
                raise bad(f"space[{key!r}]: {type(est).__name__} has no parameter {key!r}; its parameters: {near}")
            if not isinstance(dist, Distribution):
                raise bad(f"space[{key!r}] = {dist!r} is not a distribution; use an.log_uniform(lo, hi), "
                          "an.uniform(lo, hi), an.int_uniform(lo, hi) or an.choice([...])")
            problem = dist.problem()
            if problem:
                raise bad(f"space[{key!r}]: {problem}")

    def check_task(self, name: str, task: str, needs_proba: bool) -> None:
        """Once the data has decided the task: this learner serves it, and a classifier
        predicts probabilities (the metrics and the ensemble need them)."""
        tasks = self.served_tasks()
        if task not in tasks:
            raise ConfigError(f"learners[{name!r}]: {type(self.estimator).__name__} serves {', '.join(sorted(tasks))}, "
                              f"but this task is {task}", field="learners")
        if needs_proba and not hasattr(self.estimator, "predict_proba"):
            raise ConfigError(f"learners[{name!r}]: {type(self.estimator).__name__} has no predict_proba, which a "
                              "classification run needs (scores such as roc_auc and log_loss, the ensemble); e.g. "
                              "SVC(probability=True), or wrap it in CalibratedClassifierCV", field="learners")

    # ---- pickling: the worker processes receive learners by value ---------------------------

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["estimator"] = portable(self.estimator)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        state["estimator"] = from_portable(state["estimator"])
        self.__dict__.update(state)


def portable(obj: Any) -> bytes:
    """``obj`` pickled with cloudpickle: classes defined in ``__main__`` (a notebook) by value."""
    import cloudpickle

    return cloudpickle.dumps(obj)


def from_portable(data: bytes) -> Any:
    """The object of :func:`portable`. A class defined in a notebook is put in this process's
    ``__main__`` when it has no such name: a fitted model of it then pickles by reference
    (a worker sends its refit model back so), and the kernel unpickles it with its own class."""
    import pickle

    obj = pickle.loads(data)
    main = sys.modules.get("__main__")
    for cls in _classes(obj):
        if cls.__module__ == "__main__" and main is not None and not hasattr(main, cls.__qualname__):
            setattr(main, cls.__qualname__, cls)
    return obj


def _classes(obj: Any) -> list[type]:
    """The classes of an estimator and of the estimators among its parameters."""
    out = [type(obj)]
    params = obj.get_params(deep=True) if hasattr(obj, "get_params") else {}
    out += [type(v) for v in params.values() if hasattr(v, "get_params")]
    return out


def class_path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _one_line(est: Any) -> str:
    return " ".join(repr(est).split())


# ---- the learners of a config ----------------------------------------------------------------


def check_learners(learners: Any, builtin: Mapping[str, Any]) -> None:
    """``ExperimentConfig.learners``: None, or ``{name: Learner}`` with new names."""
    if learners is None:
        return
    if not isinstance(learners, Mapping):
        raise ConfigError(f"learners must be a dict {{name: an.Learner(...)}}, got {type(learners).__name__}",
                          field="learners")
    for name, learner in learners.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ConfigError(f"learners[{name!r}]: a learner's name must be a word (letters, digits, _), it names "
                              "its trials", field="learners")
        if name in builtin:
            raise ConfigError(f"learners[{name!r}]: {name!r} is a built-in learner; give yours another name "
                              f"(built-in: {', '.join(builtin)})", field="learners")
        if isinstance(learner, Mapping) and "estimator" in learner:
            raise ConfigError(f"learners[{name!r}] is only a description ({learner['estimator']}): the folder was "
                              "loaded with trusted=False, which unpickles no learner; give an.Learner(...) again",
                              field="learners")
        if not isinstance(learner, Learner):
            raise ConfigError(f"learners[{name!r}] must be an.Learner(estimator, space={{...}}), got "
                              f"{type(learner).__name__}", field="learners")
        learner.check(name)


def check_learners_for_task(learners: Mapping[str, Any] | None, task: str, needs_proba: bool) -> None:
    """Once the data has decided the task, before any trial: each of your learners serves it."""
    for name, learner in dict(learners or {}).items():
        if isinstance(learner, Learner):
            learner.check_task(name, task, needs_proba)


def run_learners(learners: Mapping[str, Any] | None) -> dict[str, LearnerSpec]:
    """Every learner a run may use, by name: the registered ones and yours."""
    from . import LEARNERS

    return {**LEARNERS, **custom_specs(learners)}


def custom_specs(learners: Mapping[str, Any] | None) -> dict[str, LearnerSpec]:
    """name -> LearnerSpec of the Learners of a config (descriptions left by a
    ``trusted=False`` load are not learners: none)."""
    return {n: lr.spec(n) for n, lr in dict(learners or {}).items() if isinstance(lr, Learner)}


def describe_learners(learners: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """JSON for the stored settings: each Learner described (a description stays as it is)."""
    if learners is None:
        return None
    return {n: lr.describe() if isinstance(lr, Learner) else lr for n, lr in learners.items()}
