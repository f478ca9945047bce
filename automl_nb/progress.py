"""A progress line for terminals and notebooks without the Studio widget."""

from __future__ import annotations

import math
from typing import Any

from .run.events import (
    BestChanged,
    Event,
    EventBus,
    PhaseChanged,
    RunFailed,
    RunFinished,
    TrialFailed,
    TrialFinished,
)
from .run.trial import STOPPED


class ProgressLine:
    """Subscribes to an experiment's events and keeps one tqdm bar up to date."""

    def __init__(self, time_budget: float) -> None:
        self.time_budget = time_budget
        self.bar: Any = None
        self.n_ok = self.n_failed = self.n_stopped = 0
        self.best: str = "—"
        self.phase = "starting"

    def _ensure_bar(self) -> Any:
        if self.bar is None:
            tqdm = _tqdm()
            self.bar = tqdm(total=round(self.time_budget, 1), unit="s", desc="automl_nb",
                            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s {postfix}")
        return self.bar

    def __call__(self, event: Event) -> None:
        bar = self._ensure_bar()
        if isinstance(event, PhaseChanged):
            self.phase = event.phase
        elif isinstance(event, TrialFinished):
            self.n_ok += 1
        elif isinstance(event, TrialFailed):  # stopped (budget, cancel, pruned, trial_timeout) is no failure
            if event.result.status in STOPPED:
                self.n_stopped += 1
            else:
                self.n_failed += 1
        elif isinstance(event, BestChanged):
            self.best = f"{event.score:.4g} ({event.learner})"
        elapsed = min(self.time_budget, max(0.0, event.time - self._start(event)))
        bar.n = round(elapsed, 1)
        bar.set_postfix_str(f"{self.phase} · trials {self.n_ok} ok, {self.n_failed} failed, {self.n_stopped} stopped"
                            f" · best {self.best}", refresh=False)
        bar.refresh()
        if isinstance(event, (RunFinished, RunFailed)):
            if isinstance(event, RunFinished):
                bar.n = min(self.time_budget, event.seconds)
                if event.stop_reason:  # why the search stopped, on the line's end
                    bar.set_postfix_str(f"{self.phase} ({event.stop_reason}) · trials {self.n_ok} ok, "
                                        f"{self.n_failed} failed, {self.n_stopped} stopped · best {self.best}",
                                        refresh=False)
            bar.refresh()
            if isinstance(event, RunFailed):
                bar.write(f"automl_nb: the run failed: {event.error}")
            bar.close()

    _t0: float = math.nan

    def _start(self, event: Event) -> float:
        if math.isnan(self._t0):
            self._t0 = event.time
        return self._t0


def _tqdm():
    try:
        import ipywidgets  # noqa: F401
        from IPython import get_ipython

        if get_ipython() is not None and "IPKernelApp" in get_ipython().config:
            from tqdm.notebook import tqdm

            return tqdm
    except Exception:
        pass
    from tqdm.std import tqdm

    return tqdm


def attach_progress(bus: EventBus, time_budget: float) -> ProgressLine:
    line = ProgressLine(time_budget)
    line._ensure_bar()  # created on the caller's thread, so a notebook shows it in the calling cell
    bus.subscribe(line)
    return line
