"""The Studio's slow work after a run, each in a short background thread so the kernel stays
free: a trial's details (its plots), the SHAP explanation panel, the forecast panel.

A job writes its trait under the widget's write lock, and only while no newer request has
superseded it.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger("automl_nb")

KEEP: Any = object()  # Explanations.request: "leave this setting as it is"


def _thread(target: Any, *args: Any, name: str) -> None:
    threading.Thread(target=target, args=args, name=name, daemon=True).start()


class TrialDetails:
    """The ``trial_details`` trait: one trial (or the ensemble), plots included, as its task
    builds it."""

    def __init__(self, widget: Any) -> None:
        self.widget = widget
        self.selection = 0  # bumps with every request; only the latest writes

    def select(self, experiment: Any, trial_id: int | None) -> None:
        tid = None if trial_id is None else int(trial_id)
        if tid is not None and tid not in experiment.results:
            raise ValueError(f"there is no finished trial {tid}")
        self.selection += 1
        _thread(self._fill, self.selection, experiment, tid, name="automl_nb-studio-details")

    def _fill(self, selection: int, experiment: Any, tid: int | None) -> None:
        try:
            details = experiment.task.trial_details(experiment, tid)
            message = ""
        except Exception as exc:
            log.exception("automl_nb studio: trial details failed")
            details, message = {}, f"could not show trial {tid}: {type(exc).__name__}: {exc}"
        w = self.widget
        with w._write_lock, w.hold_sync():
            if selection == self.selection:
                w.trial_details = details
                if message:
                    w.error = message


class Explanations:
    """The ``explanation`` trait: SHAP values computed once per trial (``AutoML.explain``),
    then resliced for the feature, the row and the space asked for."""

    def __init__(self, widget: Any) -> None:
        self.widget = widget
        self.lock = threading.Lock()  # one SHAP computation at a time
        self.cache: tuple[int | None, Any] | None = None  # (trial_id, Explanation)
        self.view: dict[str, Any] = {"space": "raw", "feature": None, "row": 0}
        self.trial: int | None = None
        self.generation = 0  # bumps with every request; stale threads do not write

    def reset(self) -> None:
        """A new run: forget the explanation computed and the trial shown."""
        self.cache, self.trial = None, None
        self.generation += 1

    def request(self, aml: Any, experiment: Any, trial_id: Any = KEEP, feature: Any = KEEP, row: Any = KEEP,
                space: Any = KEEP) -> None:
        """Check the request, then fill the trait in the background (see ``StudioView.explain``)."""
        from .explanations import SPACES

        view = dict(self.view)
        if space is not KEEP:
            if space not in SPACES:
                raise ValueError(f"space must be one of {', '.join(SPACES)}, got {space!r}")
            view["space"] = space
        if feature is not KEEP:
            view["feature"] = None if feature is None else str(feature)
        if row is not KEEP:
            try:
                view["row"] = max(0, int(row))
            except (TypeError, ValueError):
                raise ValueError(f"row must be a row number, got {row!r}") from None
        tid = self.trial if trial_id is KEEP else (None if trial_id is None else int(trial_id))
        if tid is not None and tid not in experiment.results:
            raise ValueError(f"there is no finished trial {tid}")
        with self.widget._write_lock:
            self.view, self.trial = view, tid
            self.generation += 1
            generation = self.generation
        _thread(self._fill, generation, aml, tid, view, name="automl_nb-studio-explain")

    def auto(self, aml: Any, experiment: Any) -> None:
        """Explain the final model once a run has one, when an exact, fast explainer fits it
        (model-agnostic SHAP costs ~10 s of CPU: only on request, the Explain button)."""
        from ..explain import explainer_kind

        model = experiment.outcome.model
        if aml is None or model is None or self.cache is not None or self.widget.explanation:
            return
        if explainer_kind(model) == "permutation":
            return
        try:
            self.request(aml, experiment, trial_id=None)
        except Exception:
            log.exception("automl_nb studio: automatic explanation failed")

    def _fill(self, generation: int, aml: Any, tid: int | None, view: dict[str, Any]) -> None:
        from .explanations import explanation_payload

        w = self.widget
        try:
            with self.lock:
                cached = self.cache
                if cached is not None and cached[0] == tid:
                    exp = cached[1]
                else:
                    if generation != self.generation:  # superseded before it started
                        return
                    with w._write_lock:
                        current = dict(w.explanation)
                        w.explanation = ({**current, "computing": True} if current.get("importance")
                                         else {"trial_id": tid, "computing": True})
                    exp = aml.explain(trial=tid)
                    self.cache = (tid, exp)
            payload = explanation_payload(exp, **view)
        except Exception as exc:
            log.exception("automl_nb studio: explanation failed")
            what = "the final model" if tid is None else f"trial {tid}"
            with w._write_lock, w.hold_sync():
                if generation == self.generation:
                    current = {k: v for k, v in w.explanation.items() if k != "computing"}
                    w.explanation = current if current.get("importance") else {}
                    w.error = f"could not explain {what}: {type(exc).__name__}: {exc}"
            return
        with w._write_lock:
            if generation == self.generation:
                w.explanation = payload


def forecast_payload(experiment: Any, aml: Any, X: Any, series_id: str | None) -> dict[str, Any]:
    """The ``forecast`` trait for one series: history, the final model's backtest windows and
    the forecast with its interval. ``X``: the exogenous columns' values for the forecast
    steps, when the model uses any."""
    from ..forecast.records import forecast_trait

    exog = experiment.prepared.info.exog_columns
    note = ""
    if exog and X is None:
        frame = None
        note = f"the model uses exogenous columns {exog}: studio.show_forecast(X_future) draws the forecast"
    elif aml is not None:
        frame = aml.predict(X)
    else:
        frame = experiment.task.predict(experiment, experiment.outcome.model, X)
    return forecast_trait(experiment, frame, series_id, note)
