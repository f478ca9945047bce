"""The Studio's steering actions: the browser's block, allow, set_time_left and try_next
messages, checked by the run's own :class:`~automl_nb.search.steering.Steerer` (errors name
what is wrong) and applied by its driver thread, logged with ``by="studio"``."""

from __future__ import annotations

from typing import Any


class SteeringActions:
    """Mixed into :class:`~automl_nb.widget.view.StudioView`, which provides ``_require_run``."""

    def _require_run(self) -> Any:  # pragma: no cover - StudioView's
        raise NotImplementedError

    def block(self, learner: str) -> None:
        """Start no new trial of ``learner`` (see :meth:`automl_nb.Run.block`)."""
        self._require_run().experiment.steerer.request("block", learner, by="studio")

    def allow(self, learner: str) -> None:
        """Search ``learner`` (again) (see :meth:`automl_nb.Run.allow`)."""
        self._require_run().experiment.steerer.request("allow", learner, by="studio")

    def set_time_left(self, seconds: float) -> None:
        """Set the seconds left of the budget (see :meth:`automl_nb.Run.set_time_left`)."""
        self._require_run().experiment.steerer.request("time_left", None, seconds=seconds, by="studio")

    def try_next(self, learner: str, params: Any = None, from_trial: int | None = None) -> None:
        """Run ``learner`` with ``params`` next (see :meth:`automl_nb.Run.try_next`);
        ``from_trial``: the finished trial whose parameters were edited (said in the reason)."""
        source = from_trial if isinstance(from_trial, int) and not isinstance(from_trial, bool) else None
        self._require_run().experiment.steerer.request("try_next", learner, params=params, by="studio", from_trial=source)
