"""The post-training leakage check: after an explanation, does one feature hold most of the
importance while the cross-validated score is near-perfect?"""

from __future__ import annotations

from typing import Any

LEAKAGE_SHARE = 0.8
NEAR_PERFECT = 0.99


def leakage_guardrail(explanation: Any, exp: Any):
    """Post-training leakage check: one raw feature holds ≥ 80 % of the importance and the
    cross-validated score is near-perfect (roc_auc, r2 or accuracy ≥ 0.99)."""
    from .guardrails import Guardrail

    imp = explanation.importance
    total = float(imp["importance"].sum())
    share = float(imp["importance"].iloc[0]) / total if total > 0 and len(imp) else 0.0
    feature = str(imp["feature"].iloc[0]) if len(imp) else ""
    ok = [r for r in exp.results.values() if r.ok and r.learner != "dummy"]
    scores: dict[str, float] = {}
    if ok:
        best = min(ok, key=exp.loss)
        scores = {**best.metrics, exp.prepared.metric: best.score}
    near = {m: v for m, v in scores.items() if m in ("roc_auc", "r2", "accuracy") and v >= NEAR_PERFECT}
    if share >= LEAKAGE_SHARE and near:
        said = ", ".join(f"{m} = {v:.4f}" for m, v in near.items())
        return Guardrail(
            "post_training_leakage", "alerted",
            f"{feature!r} holds {share:.0%} of the model's importance and the cross-validated score is "
            f"near-perfect ({said}).",
            f"Check whether {feature!r} is known before the target is (it may be computed from the "
            "target or recorded after it); if so, drop it with drop_columns=[...] and run again.",
            (feature,),
        )
    return Guardrail(
        "post_training_leakage", "passed",
        f"No single feature dominates a near-perfect score (top: {feature!r} with {share:.0%} of the importance).",
        "Nothing to do.", (),
    )
