"""What the Studio shows of a tabular trial (``trial_details`` of ``js/CONTRACT.md``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..records import ensemble_record, trial_record


def trial_details(experiment: Any, trial_id: int | None) -> dict[str, Any]:
    """One trial, or the ensemble (``trial_id=None``), with plots from the out-of-fold
    predictions (ROC, precision-recall, confusion; or predicted vs actual, residuals)."""
    from ..metrics import all_scores
    from ..widget.plots import trial_plots

    p = experiment.prepared
    results = dict(experiment.results)
    seed = experiment.config.seed
    if trial_id is None:
        members = experiment.outcome.members
        if len(members) < 2 or any(results.get(t) is None or results[t].oof is None for t in members):
            raise ValueError("there is no ensemble to show")
        blend = sum(w * results[t].oof.astype(np.float64) for t, w in members.items())
        valid = ~np.isnan(blend if blend.ndim == 1 else blend[:, 0])
        return ensemble_record(members, all_scores(p.task, p.y[valid], blend[valid], p.n_classes),
                               trial_plots(p.task, p.y, blend, p.classes, seed=seed))
    r = results[trial_id]
    plots = trial_plots(p.task, p.y, r.oof, p.classes, seed=seed) if r.ok and r.oof is not None else {}
    return trial_record(r, plots)

