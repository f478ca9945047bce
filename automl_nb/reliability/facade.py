"""The reliability methods of :class:`~automl_nb.AutoML` (a mixin: each checks there is a
finished run, hands the experiment to the module that does the work and keeps the result's
record on the experiment for the Studio and the reports)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class ReliabilityMethods:
    """``stability`` and ``learning_curve``."""

    def _finished_experiment(self) -> Any:
        from ..errors import NotFittedError

        exp = self._require_experiment()  # type: ignore[attr-defined]
        run = getattr(self, "_run", None)
        if run is not None and not run.done():
            raise RuntimeError("the run is still going; wait() for it first")
        if exp.outcome.model is None:
            raise NotFittedError("this run has no final model yet; fit() or resume() it first")
        return exp

    def stability(self, n: int = 5, searches: bool = False, time_budget: float | None = None) -> Any:
        """Would this score and this ranking hold on another split? See
        :func:`automl_nb.reliability.stability.stability`."""
        from .stability import stability

        exp = self._finished_experiment()
        result = stability(self, exp, n=n, searches=searches, time_budget=time_budget)
        exp.reliability["stability"] = result.to_record()
        return result

    def learning_curve(self, fractions: Sequence[float] | None = None, time_budget: float | None = None) -> Any:
        """Would more rows help? See :func:`automl_nb.reliability.learning_curve.learning_curve`."""
        from .learning_curve import learning_curve

        exp = self._finished_experiment()
        result = learning_curve(self, exp, fractions=fractions, time_budget=time_budget)
        exp.reliability["learning_curve"] = result.to_record()
        return result
