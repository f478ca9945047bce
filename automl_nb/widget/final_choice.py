"""The Studio's "final model by" choice: ``AutoML.best_by`` from the browser.

The ``final_choice`` trait offers the metrics of the run's task once the run has ended with a
final model; the ``{type: "best_by", metric}`` message makes the best model by that metric
the final one (:mod:`automl_nb.final_choice`) in a background thread — a trial is refit in
the kernel — and the view then shows the new final model (``best``, ``leaderboard``).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger("automl_nb")


def choice_record(exp: Any, state: str = "idle", message: str = "") -> dict[str, Any]:
    """``{metric, optimized, options, state, message}``: the metric the final model was chosen
    by, the one the search optimized, the metrics offered (the task's, optimized first)."""
    from ..metrics import METRICS

    optimized = exp.prepared.metric
    options = [optimized, *(m for m, s in METRICS.items() if exp.prepared.task in s.tasks and m != optimized)]
    return {"metric": exp.outcome.chosen_by or optimized, "optimized": optimized, "options": options,
            "state": state, "message": message}


class FinalChoice:
    """Fills a view's ``final_choice`` trait and acts on its ``best_by`` messages."""

    def __init__(self, widget: Any) -> None:
        self.widget = widget
        self.generation = 0

    def show(self, exp: Any) -> None:
        """Offer the choice: the run has ended with a final model."""
        if exp is not None and exp.outcome.model is not None and exp.trusted and exp.data is not None:
            self._set(choice_record(exp))

    def reset(self) -> None:
        self.generation += 1
        self._set({})

    def choose(self, exp: Any, metric: Any) -> None:
        """Check the request, then choose in a background thread (ignored while one is going)."""
        from ..final_choice import check_metric, check_ready

        w = self.widget
        if exp is None:
            raise RuntimeError("no run yet: the final model can be chosen once a run has ended")
        current = dict(w.final_choice)
        if current.get("state") == "working":
            return
        check_metric(exp, metric)
        check_ready(exp, w._running())
        self.generation += 1
        self._set({**choice_record(exp), "metric": metric, "state": "working",
                   "message": f"choosing the final model by {metric}…"})
        threading.Thread(target=self._choose, args=(self.generation, exp, metric),
                         name="automl_nb-studio-best-by", daemon=True).start()

    def _choose(self, generation: int, exp: Any, metric: str) -> None:
        from ..final_choice import best_by

        try:
            outcome = best_by(exp, metric)
        except Exception as exc:  # shown beside the choice: the widget goes on
            if not isinstance(exc, (ValueError, RuntimeError, OSError)):
                log.exception("automl_nb studio: best_by failed")
            if generation == self.generation:
                self._set(choice_record(exp, "failed", f"{type(exc).__name__}: {exc}"))
            return
        if generation != self.generation:  # another run (or choice) meanwhile
            return
        self.widget._final_model_changed()
        said = outcome.description if outcome.chosen_by else (
            f"the run's own final model, by {exp.prepared.metric} as optimized: {outcome.description}")
        self._set(choice_record(exp, "idle", said))

    def _set(self, record: dict[str, Any]) -> None:
        w = self.widget
        with w._write_lock:
            w.final_choice = record
