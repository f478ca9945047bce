"""``AutoML.explain`` for tabular models: which model, which rows, which class; then SHAP
(:mod:`automl_nb.explain`) and the post-training leakage check it makes possible."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def explain(aml: Any, exp: Any, X: Any = None, trial: int | None = None, max_rows: int | None = None,
            class_name: Any = None) -> Any:
    """See :meth:`automl_nb.AutoML.explain`. The leakage check of the explanation joins the
    experiment's guardrails (``exp.post_training_checks``)."""
    from ..data.leakage import leakage_guardrail
    from ..explain import DEFAULT_SAMPLE, explain_pipeline

    p = exp.prepared
    model = model_to_explain(aml, exp, trial)
    train = p.X
    sampled_from = default_rows = None
    if X is None:
        X = train
        sampled_from, default_rows = len(train), DEFAULT_SAMPLE
        if max_rows is not None:
            max_rows = min(max_rows, DEFAULT_SAMPLE)
    else:
        X = explain_columns(exp, X)
    explanation = explain_pipeline(
        model, X, train, task=p.task, classes=p.classes, profile=exp.profile,
        class_index=class_index(exp, class_name), max_rows=max_rows, seed=exp.config.seed, trial_id=trial,
        sampled_from=sampled_from, default_rows=default_rows,
    )
    check = leakage_guardrail(explanation, exp)
    exp.post_training_checks[check.check] = check
    return explanation


def model_to_explain(aml: Any, exp: Any, trial: int | None) -> Any:
    """The final model, or one trial's model refit on all rows (once, then cached); the pipeline
    inside a decision threshold (SHAP explains its probabilities, which the threshold leaves as they are)."""
    from ..errors import NotFittedError
    from .threshold import unwrap

    if trial is None:
        return unwrap(aml.best_pipeline_)
    trial = int(trial)
    if trial not in exp.results:
        valid = sorted(t for t, r in exp.results.items() if r.ok)
        raise ValueError(f"trial {trial} does not exist; valid trial ids (finished): {valid}")
    r = exp.results[trial]
    if not r.ok:
        first = (r.error or "no error recorded").strip().splitlines()[0]
        verb = "failed" if r.status == "failed" else f"has no model (status {r.status})"
        raise ValueError(f"trial {trial} {verb}: {first}")
    if exp.outcome.model is not None and list(exp.outcome.members) == [trial]:
        return unwrap(exp.outcome.model)
    cache = exp.trial_models
    if trial not in cache:
        if exp.data is None:
            raise NotFittedError("the experiment's data is not ready yet")
        cache[trial] = exp.data.refit(r.learner, r.refit_params or r.params)
    return cache[trial]


def explain_columns(exp: Any, X: Any) -> pd.DataFrame:
    from ..data.prepare import as_frame, check_predict_columns

    columns = list(exp.prepared.X.columns)
    X = as_frame(X, "X")
    if len(X) == 0:
        raise ValueError("X is empty: it has no rows to explain")
    missing = [c for c in columns if c not in X.columns]
    extra = [c for c in X.columns if c not in columns]
    if missing or extra:
        parts = ([f"missing columns {missing}"] if missing else []) + ([f"extra columns {extra}"] if extra else [])
        raise ValueError(f"X must have the training columns; it has {' and '.join(parts)}")
    return check_predict_columns(X, columns)


def class_index(exp: Any, class_name: Any) -> int | None:
    """The explained class: given, or the positive class (binary), or the most frequent."""
    p = exp.prepared
    if p.classes is None:
        if class_name is not None:
            raise ValueError("class_name applies to classification only")
        return None
    classes = list(p.classes)
    if class_name is None:
        return 1 if len(classes) == 2 else int(np.bincount(np.asarray(p.y, dtype=int), minlength=len(classes)).argmax())
    if class_name not in classes:
        raise ValueError(f"class_name={class_name!r} is not a class; classes: {classes}")
    return classes.index(class_name)
