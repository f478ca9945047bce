"""TabularTask: what the tabular problem types (binary, multiclass, regression) decide."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..task import Planned, Task

#: ensemble selection scores at most this many out-of-fold rows (a seeded sample)
ENSEMBLE_MAX_ROWS = 20_000
#: rows the featurization summary is fitted on (what each column becomes)
FEATURIZATION_ROWS = 5000


class TabularTask(Task):
    name = "tabular"
    baseline = "dummy"
    score_unit = "fold"
    final_views = ("explanations",)

    # ---- engine ------------------------------------------------------------------------------

    def prepare(self, X: Any, y: Any, config: Any, validation_data: Any = None, groups: Any = None) -> Any:
        from ..data.prepare import prepare
        from ..featurize.overrides import check_columns
        from ..learners.custom import check_learners_for_task

        prepared = prepare(X, y, config, validation_data, groups)
        # before any work: the columns your featurization settings name, and your learners
        # against the task the data decided
        check_columns(prepared.X, config)
        check_learners_for_task(config.learners, prepared.task, needs_proba=prepared.classes is not None)
        return prepared

    def plan(self, p: Any, config: Any) -> Planned:
        from ..data.guardrails import check_data
        from ..data.profile import profile_frame
        from ..data.validation import make_folds, resolve_validation
        from ..featurize.overrides import apply_overrides
        from .trial import TabularData

        profile = apply_overrides(profile_frame(p.X), config)  # your column_kinds and transformers
        plan = resolve_validation(config, p.task, p.n_train, has_groups=p.groups is not None,
                                  has_validation_data=p.n_train < len(p.X))
        folds = make_folds(plan, p.y, p.task, config.seed, p.groups, p.n_train)
        guardrails = check_data(
            p.X.iloc[: p.n_train], pd.Series(p.y_original[: p.n_train]), profile, p.task,
            n_missing_target=p.n_missing_target, inf_columns=p.inf_columns,
            validation=plan.description, n_folds=plan.n_folds, seed=config.seed,
            time_limit=min(2.0, 0.05 * config.time_budget),
        )
        data = TabularData(X=p.X, y=p.y, y_original=p.y_original, folds=folds, profile=profile, task=p.task,
                           metric=p.metric, n_classes=p.n_classes, seed=config.seed,
                           tune_threshold=_tunes(p, config), learners=dict(config.learners or {}))
        if config.exportable is not None:
            guardrails = [*guardrails, _exportable_note(config)]
        records = {
            "task": {"task": p.task, "reason": p.task_reason, "metric": p.metric,
                     "classes": None if p.classes is None else p.classes.tolist(),
                     "columns": list(p.X.columns), "n_rows": len(p.X)},
            "prepared": {"task_reason": p.task_reason, "n_train": p.n_train,
                         "n_missing_target": p.n_missing_target, "inf_columns": p.inf_columns,
                         "dropped_columns": list(p.dropped_columns), "target": p.target},
        }
        return Planned(profile, plan, guardrails, data, records)

    def restore(self, folder: Any, store: Any) -> tuple[Any, Any, Any]:
        import joblib

        from ..data.prepare import PreparedData

        meta = store.get("prepared")
        if meta is None:
            raise FileNotFoundError(f"the experiment in {str(folder)!r} never got past its start; nothing to restore")
        data = joblib.load(folder / "data.joblib")
        classes = None if data.n_classes == 0 else np.unique(data.y_original)
        prepared = PreparedData(
            X=data.X, y=data.y, y_original=data.y_original, task=data.task, task_reason=meta["task_reason"],
            metric=data.metric, classes=classes, n_train=meta["n_train"],
            n_missing_target=meta["n_missing_target"], inf_columns=meta["inf_columns"],
            dropped_columns=tuple(meta["dropped_columns"]), target=meta.get("target"),
        )
        return prepared, data, data.profile

    def restore_without_data(self, folder: Any, store: Any) -> Any:
        from ..data.prepare import PreparedData

        record, meta = store.get("task"), store.get("prepared")
        if meta is None:
            raise FileNotFoundError(f"the experiment in {str(folder)!r} never got past its start; nothing to restore")
        classes = record.get("classes")
        # no rows: the columns predict checks, the labels; what needs the training rows says so
        return PreparedData(
            X=pd.DataFrame(columns=record["columns"]), y=np.empty(0), y_original=np.empty(0, dtype=object),
            task=record["task"], task_reason=meta["task_reason"], metric=record["metric"],
            classes=None if classes is None else np.asarray(classes, dtype=object if any(
                isinstance(c, str) for c in classes) else None),
            n_train=meta["n_train"], n_missing_target=meta["n_missing_target"], inf_columns=meta["inf_columns"],
            dropped_columns=tuple(meta["dropped_columns"]), target=meta.get("target"),
        )

    def mlflow_model(self, experiment: Any) -> tuple[str, Any, Any]:
        X = experiment.prepared.X  # no rows after an.load(folder, trusted=False)
        return "sklearn", experiment.outcome.model, X.head(5) if len(X) else None

    def n_rows(self, prepared: Any) -> int:
        return len(prepared.X)

    def shape(self, prepared: Any) -> tuple[int, int]:
        return len(prepared.X), prepared.X.shape[1]

    def ensemble_inputs(self, data: Any, prepared: Any, seed: int) -> tuple[Any, Any, Any, Any]:
        from ..data.validation import validation_mask

        scored = validation_mask(data.folds, len(prepared.y))
        selection = scored
        rows = np.flatnonzero(scored)
        if len(rows) > ENSEMBLE_MAX_ROWS:
            keep = np.random.default_rng(seed).choice(rows, ENSEMBLE_MAX_ROWS, replace=False)
            selection = np.zeros_like(scored)
            selection[keep] = True
        return prepared.y, prepared.n_classes, selection, scored

    def portfolio(self, prepared: Any = None) -> list[tuple] | None:
        """With imbalanced classes (the class_imbalance guardrail's ratio), LightGBM's first
        default with class_weight="balanced" joins the portfolio second; else the searcher's order."""
        from ..data.guardrails import IMBALANCE_RATIO
        from ..search.searcher import PORTFOLIO_ORDER

        if prepared is None or prepared.classes is None or len(prepared.y) == 0:
            return None
        counts = np.bincount(prepared.y[: prepared.n_train].astype(int))
        if counts.min() >= IMBALANCE_RATIO * counts.max():
            return None
        order: list[tuple] = list(PORTFOLIO_ORDER)
        order.insert(1, ("lightgbm", 0, {"class_weight": "balanced"}))
        return order

    def selection_metric(self, experiment: Any) -> Any:
        """With a tuned threshold, blends are compared at their best threshold."""
        from .threshold import threshold_metric

        return threshold_metric(experiment.metric) if experiment.data.tune_threshold else experiment.metric

    def decide(self, experiment: Any, outcome: Any) -> Any:
        """Binary runs with a metric of labels: the final model cut at the threshold tuned on its
        out-of-fold predictions (:mod:`automl_nb.tabular.threshold`)."""
        from .threshold import decide

        return decide(experiment, outcome) if getattr(experiment.data, "tune_threshold", False) else outcome

    def blends_prior(self, metric: Any) -> bool:
        return metric.name == "log_loss"  # classification only: the metric's tasks say so

    def assemble(self, fitted: dict[int, Any], weights: dict[int, float], results: dict, prepared: Any,
                 data: Any, config: Any) -> Any:
        from sklearn.pipeline import Pipeline

        from ..ensemble import build_voting

        if len(weights) == 1:
            return fitted[next(iter(weights))]
        members = [(f"trial_{t}_{results[t].learner}", fitted[t]) for t in weights]
        return Pipeline([("ensemble", build_voting(members, list(weights.values()), prepared.task,
                                                   prepared.classes))])

    stacks = True

    def assemble_stack(self, fitted: dict[int, Any], stacking: Any, results: dict, prepared: Any) -> Any:
        from sklearn.pipeline import Pipeline

        from ..stacking import build_stacking

        members = [(f"trial_{t}_{results[t].learner}", fitted[t]) for t in stacking.members]
        return Pipeline([("ensemble", build_stacking(members, stacking.meta, prepared.classes))])

    # ---- reliability (AutoML.stability, AutoML.learning_curve) --------------------------------

    def resample_splits(self, experiment: Any, seeds: list[int]) -> tuple[str, list[tuple[Any, Any]]]:
        """One fresh random split of all the run's rows per seed, its test part the size of one
        of the run's validation folds (1/k of the rows for k-fold, the holdout's 10 %, the share
        of validation_data): stratified by class for classification, by group when the run had
        groups (no group on both sides)."""
        from sklearn.model_selection import GroupShuffleSplit, ShuffleSplit, StratifiedShuffleSplit

        from ..data.validation import HOLDOUT_FRACTION

        p, plan = experiment.prepared, experiment.plan
        _needs_rows(experiment)
        n = len(p.y)
        if plan is None or plan.scheme == "holdout":
            fraction, why = HOLDOUT_FRACTION, "the run's holdout"
        elif plan.scheme == "user":
            fraction, why = min(0.5, max(0.1, (n - p.n_train) / n)), "the share of your validation_data"
        else:
            fraction, why = 1.0 / plan.n_folds, f"one of the run's {plan.n_folds} folds"
        idx = np.arange(n)
        if p.groups is not None:
            splitter, how, labels = GroupShuffleSplit, "by group: no group on both sides", p.groups
        elif p.classes is not None and np.bincount(p.y.astype(int)).min() >= 2:
            splitter, how, labels = StratifiedShuffleSplit, "stratified by class", p.y
        else:
            splitter, how, labels = ShuffleSplit, "shuffled", p.y
        splits = []
        for seed in seeds:
            s = splitter(n_splits=1, test_size=fraction, random_state=seed)
            tr, te = next(s.split(idx, p.y, labels) if p.groups is not None else s.split(idx, labels))
            splits.append((np.sort(tr), np.sort(te)))
        test_pct = round(100 * fraction)
        what = "a random" if len(seeds) == 1 else f"{len(seeds)} random"
        text = (f"{what} {100 - test_pct}/{test_pct} train/test split{'s' * (len(seeds) > 1)} of all {n:,} rows "
                f"({how}; the test part the size of {why}), "
                + (f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {seeds[0]}-{seeds[-1]}"))
        return text, splits

    def fit_score(self, experiment: Any, models: list[dict[int, float]], train: Any, test: Any, seed: int,
                  threads: int, deadline: float | None) -> list[float]:
        import time
        from dataclasses import replace

        from ..learners.base import TrialTimeout

        exp, p = experiment, experiment.prepared
        _needs_rows(exp)
        data = exp.data
        sub = replace(data, X=data.X.iloc[train], y=data.y[train], y_original=data.y_original[train], folds=[],
                      seed=seed, threads=threads, cache={})
        fitted: dict[int, Any] = {}
        for tid in dict.fromkeys(t for m in models for t in m):
            if deadline is not None and time.time() > deadline:
                raise TrialTimeout("the time budget ran out")
            r = exp.results[tid]
            fitted[tid] = sub.refit(r.learner, r.refit_params or r.params, deadline)
        X_test, y_test = data.X.iloc[test], data.y[test]
        scores = []
        for weights in models:
            model = self.assemble({t: fitted[t] for t in weights}, weights, exp.results, p, sub, exp.config)
            if p.classes is None:
                pred = np.asarray(model.predict(X_test), dtype=float)
            else:  # the columns of the classes this model saw, in the run's class order
                proba = np.asarray(model.predict_proba(X_test), dtype=float)
                pred = np.zeros((len(test), len(p.classes)))
                pred[:, np.searchsorted(p.classes, np.asarray(model.classes_))] = proba
            scores.append(float(exp.metric.score(y_test, pred, data.n_classes)))
        return scores

    def learning_curve_folds(self, experiment: Any, k: int) -> tuple[str, list[tuple[Any, Any]], Any]:
        from ..data.validation import ValidationPlan, make_folds

        p, plan = experiment.prepared, experiment.plan
        _needs_rows(experiment)
        strata = p.y.astype(int) if p.classes is not None else None
        if plan is not None and plan.scheme in ("cv", "group_cv"):
            return f"the run's {len(experiment.data.folds)} cross-validation folds", list(experiment.data.folds), strata
        folds = make_folds(ValidationPlan("cv", k, ""), p.y, p.task, experiment.config.seed)
        return (f"{k} folds re-drawn over all {len(p.y):,} rows (seed {experiment.config.seed}{', stratified' if strata is not None else ''}): "
                "the run validated on one split, which gives no fold spread"), folds, strata

    # ---- ways out -----------------------------------------------------------------------------

    def code(self, experiment: Any, trial: int | None) -> str:
        from .code_export import tabular_code

        return tabular_code(experiment, trial)

    def onnx_model(self, experiment: Any) -> bytes:
        from ..export.onnx import tabular_onnx

        return tabular_onnx(experiment)

    # ---- facade ------------------------------------------------------------------------------

    @staticmethod
    def _features(experiment: Any, X: Any) -> pd.DataFrame:
        from ..data.prepare import check_predict_columns

        return check_predict_columns(X, list(experiment.prepared.X.columns))

    def estimator_type(self, problem_type: str) -> str | None:
        return {"binary": "classifier", "multiclass": "classifier", "regression": "regressor"}.get(problem_type)

    def predict(self, experiment: Any, model: Any, X: Any) -> Any:
        if X is None:
            raise TypeError("predict() needs X: the rows to predict")
        return model.predict(self._features(experiment, X))

    def predict_proba(self, experiment: Any, model: Any, X: Any) -> Any:
        if experiment.prepared.classes is None:
            raise AttributeError("predict_proba is only available for classification")
        return model.predict_proba(self._features(experiment, X))

    def score(self, aml: Any, experiment: Any, X: Any, y: Any) -> float:
        p = experiment.prepared
        metric = experiment.metric
        y = np.asarray(y)
        if p.classes is None:
            return metric.score(y.astype(float), aml.predict(X))
        unknown = set(pd.unique(y)) - set(p.classes.tolist())
        if unknown:
            raise ValueError(f"y holds labels the model never saw: {sorted(map(str, unknown))[:10]}")
        if metric.scores_labels:  # the model's own labels (a tuned threshold decides them, not the argmax)
            return metric.score(np.searchsorted(p.classes, y), _one_hot(aml.predict(X), p.classes), len(p.classes))
        return metric.score(np.searchsorted(p.classes, y), aml.predict_proba(X), len(p.classes))

    def test(self, aml: Any, experiment: Any, X: Any, y: Any) -> Any:
        from ..testing import make_test_report
        from .threshold import threshold_of

        p = experiment.prepared
        pred = aml.predict(X) if p.classes is None else aml.predict_proba(X)
        report = make_test_report(p.task, p.metric, y, pred, p.classes)
        if threshold_of(experiment.outcome.model) is not None:  # metrics of labels: the model's labels
            from ..metrics import METRICS

            labels = _one_hot(aml.predict(X), p.classes)
            codes = np.searchsorted(p.classes, np.asarray(y))
            for name in [m for m in report.metrics if METRICS[m].scores_labels]:
                report.metrics[name] = METRICS[name].score(codes, labels, len(p.classes))
        return report

    def explain(self, aml: Any, experiment: Any, **kwargs: Any) -> Any:
        from .explaining import explain

        if len(experiment.prepared.X) == 0:  # an.load(folder, trusted=False) reads no training rows
            raise ValueError("explain() needs the training data (data.joblib, a pickle), which an.load(folder, "
                             "trusted=False) does not read; only if you trust whoever made the folder, load it "
                             "with trusted=True")
        return explain(aml, experiment, **kwargs)

    def featurization_summary(self, experiment: Any, family: str | None) -> pd.DataFrame:
        from ..featurize.plan import featurization_summary

        if experiment.profile is None:
            from ..errors import NotFittedError

            raise NotFittedError("the data has not been profiled yet")
        if family is None and experiment.outcome.model is not None:
            feat = first_featurizer(experiment.outcome.model)
        else:
            feat = preview_featurizer(experiment.prepared, experiment.profile, family or "linear",
                                      experiment.config.seed)
        return featurization_summary(feat, experiment.profile)

    # ---- widget records ----------------------------------------------------------------------

    def trial_details(self, experiment: Any, trial_id: int | None) -> dict[str, Any]:
        from .records import trial_details

        return trial_details(experiment, trial_id)

    def featurization_records(self, experiment: Any, final: bool) -> list[dict[str, Any]]:
        from ..featurize.plan import featurization_summary
        from ..records import featurization_records

        if final:
            feat = first_featurizer(experiment.outcome.model)
        else:  # before the final model: the gbm family's plan
            feat = preview_featurizer(experiment.prepared, experiment.profile, "gbm", experiment.config.seed)
        return featurization_records(featurization_summary(feat, experiment.profile))

    def pre_run_checks(self, prepared: Any, config: Any) -> tuple[list[Any], list[dict[str, Any]]]:
        from ..data.guardrails import check_data
        from ..data.profile import profile_frame
        from ..data.validation import resolve_validation
        from ..featurize.plan import featurization_summary
        from ..records import featurization_records

        p = prepared
        profile = profile_frame(p.X)
        plan = resolve_validation(config, p.task, p.n_train, has_groups=False, has_validation_data=False)
        checks = check_data(
            p.X, pd.Series(p.y_original), profile, p.task, n_missing_target=p.n_missing_target,
            inf_columns=p.inf_columns, validation=plan.description, n_folds=plan.n_folds,
            seed=config.seed, time_limit=2.0,
        )
        feat = preview_featurizer(p, profile, "gbm", config.seed)
        return checks, featurization_records(featurization_summary(feat, profile))


def _tunes(p: Any, config: Any) -> bool:
    from ..metrics import get_metric
    from .threshold import tunes

    return tunes(p.task, get_metric(p.metric), config)


def _one_hot(labels: Any, classes: np.ndarray) -> np.ndarray:
    """Predicted labels as a probability matrix whose argmax they are (what label metrics score)."""
    return np.eye(len(classes))[np.searchsorted(classes, np.asarray(labels))]


def _needs_rows(experiment: Any) -> None:
    if experiment.data is None or len(experiment.prepared.X) == 0:
        raise ValueError("this needs the training data (data.joblib, a pickle), which an.load(folder, trusted=False) "
                         "does not read; only if you trust whoever made the folder, load it with trusted=True")


def _exportable_note(config: Any) -> Any:
    """The guardrail saying what exportable="onnx" left out of the search."""
    from ..data.guardrails import Guardrail
    from ..export.onnx_support import ONNX_LEARNERS, left_out_note
    from ..learners import TABULAR

    note = left_out_note(TABULAR)
    return Guardrail("exportable", "fixed" if note else "passed",
                     note or f"exportable={config.exportable!r}: every learner converts",
                     f"export_onnx() converts the final model; the learners that convert: {', '.join(sorted(ONNX_LEARNERS))}")


def preview_featurizer(prepared: Any, profile: Any, family: str, seed: int) -> Any:
    """A family's featurizer fitted on the first rows: what each column becomes, quickly."""
    from ..featurize.plan import build_featurizer

    p = prepared
    n = min(len(p.X), FEATURIZATION_ROWS)
    return build_featurizer(profile, family, p.task, seed).fit(p.X.iloc[:n], p.y[:n])


def first_featurizer(model: Any) -> Any:
    """The featurizer of a final pipeline (of its first member, for an ensemble)."""
    from .threshold import unwrap

    step = unwrap(model).steps[0][1]
    if hasattr(step, "estimators_"):
        return first_featurizer(step.estimators_[0])
    return step


TASK = TabularTask()
