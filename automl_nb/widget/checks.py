"""The data checks before a run: the task's guardrails and featurization preview for the
settings the form holds, computed in a background thread so the form stays responsive.

A new request (other data-relevant settings) or a run starting makes the checks still
computing stale: they drop their result instead of writing it.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from ..records import guardrail_records

log = logging.getLogger("automl_nb")


class PreRunChecks:
    """Fills a Studio's ``guardrails`` and ``featurization`` before a run.

    Parameters
    ----------
    widget : the Studio (its traits, ``_write_lock`` and ``_running()``).
    """

    def __init__(self, widget: Any) -> None:
        self.widget = widget
        self.key: tuple | None = None  # the inputs of the latest checks started
        self.generation = 0  # bumps when the inputs change; stale threads drop out
        self.thread: threading.Thread | None = None

    def start(self, task: Any, prepared: Any, config: Any, key: tuple) -> None:
        """Check ``prepared`` (``task.prepare``'s result) with ``config``, unless the
        checks of the same inputs were started already."""
        if key == self.key:
            return
        self.key = key
        self.generation += 1
        self.thread = threading.Thread(target=self._run, args=(self.generation, task, prepared, config),
                                       name="automl_nb-studio-checks", daemon=True)
        self.thread.start()

    def invalidate(self) -> None:
        """The checks computing (and the last ones' inputs) no longer apply."""
        self.key = None
        self.generation += 1

    def join(self, timeout: float) -> None:
        """Give the checks computing up to ``timeout`` seconds to finish (not from their own thread)."""
        if self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join(timeout=timeout)

    def _run(self, generation: int, task: Any, prepared: Any, config: Any) -> None:
        w = self.widget
        try:
            checks, featurization = task.pre_run_checks(prepared, config)
            guardrails = guardrail_records(checks)
        except Exception as exc:
            log.exception("automl_nb studio: data checks failed")
            with w._write_lock:
                if generation == self.generation:
                    w.error = f"could not check the data: {type(exc).__name__}: {exc}"
            return
        with w._write_lock, w.hold_sync():
            if generation == self.generation and not w._running():
                w.guardrails = guardrails
                w.featurization = featurization
