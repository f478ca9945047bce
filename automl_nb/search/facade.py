"""The steering methods of :class:`~automl_nb.AutoML` (a mixin): why the search stopped and
what the user did to it. Steering itself is on the run handle (``aml.run_.block(...)``, see
:mod:`automl_nb.search.steering`)."""

from __future__ import annotations

from typing import Any


class SteeringMethods:
    """``stop_reason_`` and ``steering_log``."""

    @property
    def stop_reason_(self) -> str | None:
        """Why the search stopped: "time budget used", "max_trials reached", "target score
        0.9 reached by trial 7", "cancelled by you", "every configuration tried" (or "the run
        failed"); None while it goes on. Kept in the experiment folder."""
        return self._require_experiment().stop_reason  # type: ignore[attr-defined]

    def steering_log(self) -> Any:
        """Every steering action of the run (``run.block``/``allow``/``set_time_left``/
        ``try_next``, or the Studio's controls), in order: ``at`` (seconds since the run
        started), ``action``, ``learner``, ``detail``, ``by`` ("api" or "studio"), ``time``
        (epoch seconds). Kept in the experiment folder: works after ``an.load``."""
        from .steering import steering_frame

        return steering_frame(list(self._require_experiment().steering))  # type: ignore[attr-defined]
