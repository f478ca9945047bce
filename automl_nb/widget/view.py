"""StudioView: the notebook widget that follows an experiment and acts on its run.

A thin anywidget: the traitlets below are the contract with the browser (``js/CONTRACT.md``),
the methods are the actions. The engine runs in its own driver thread and worker processes;
:class:`~automl_nb.widget.bridge.Bridge` turns its events into trait snapshots, and slow
work (a trial's plots, SHAP values, the forecast panel) runs in short background threads
(:mod:`automl_nb.widget.jobs`), so the kernel stays free for the next cell and for clicks.

``AutoML.fit``/``studio()`` show a read-only StudioView of their experiment; the
:class:`~automl_nb.studio.Studio` adds the DataFrame, the settings form and Run.
This module does not import the facade: the :class:`~automl_nb.AutoML` it uses (to explain,
predict, test) is handed in.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from . import static_html
from .bridge import Bridge
from .final_choice import FinalChoice
from .form import choices, normalized
from .jobs import KEEP, Explanations, TrialDetails, forecast_payload
from .records import data_info, held_out_record
from .steering_actions import SteeringActions

log = logging.getLogger("automl_nb")

_STATIC = Path(__file__).parent / "static"
_FALLBACK_ESM = """
export default { render({ el }) {
  el.textContent = "automl_nb Studio: the front end is not built (run `npm run build` in js/).";
} };
"""
#: the panels a task may name in ``Task.final_views``: filled once a run has its final model
EXPLANATIONS_VIEW, FORECAST_VIEW = "explanations", "forecast"
#: seconds the static HTML waits for the pre-run checks (so a saved notebook shows them)
STATIC_WAIT_SECONDS = 10.0
#: the splits the Stability panel's check refits the final model on (``aml.stability(n=...)``)
STABILITY_SPLITS = 5
#: the Export area's files: kind -> (what it is, file name suffix, MIME type)
EXPORTS = {
    "report": ("report", "-report.html", "text/html"),
    "code": ("Python script", "-model.py", "text/x-python"),
    "onnx": ("ONNX model", "-model.onnx", "application/octet-stream"),
}


def export_file(aml: Any, kind: str) -> tuple[str, bytes]:
    """``(file name, bytes)`` of an export of ``aml``'s run, made by its own methods
    (``report``, ``to_code``, ``export_onnx``) in a temporary folder."""
    import tempfile

    filename = f"{Path(aml.folder_).name}{EXPORTS[kind][1]}"
    if kind == "code":
        return filename, aml.to_code().encode("utf-8")
    with tempfile.TemporaryDirectory(prefix="automl_nb-export-") as tmp:
        path = Path(tmp) / filename
        (aml.report if kind == "report" else aml.export_onnx)(path)
        return filename, path.read_bytes()


class StudioView(SteeringActions, anywidget.AnyWidget):
    """Progress and results of an experiment started elsewhere (``AutoML.fit``/``start``/``load``).

    Made by :meth:`for_experiment`; :class:`~automl_nb.studio.Studio` is the one that
    configures and starts runs.
    """

    # studio.js injects its own stylesheet (scoped under .automl-nb-studio); no _css is set, so
    # the stylesheet is not sent twice (static_html.py writes inline styles)
    _esm = _STATIC / "studio.js" if (_STATIC / "studio.js").is_file() else _FALLBACK_ESM

    phase = traitlets.Unicode("configuring").tag(sync=True)
    read_only = traitlets.Bool(False).tag(sync=True)
    data_info = traitlets.Dict().tag(sync=True)
    target = traitlets.Unicode("").tag(sync=True)
    config = traitlets.Dict().tag(sync=True)
    choices = traitlets.Dict().tag(sync=True)
    config_errors = traitlets.Dict().tag(sync=True)
    status = traitlets.Dict().tag(sync=True)
    leaderboard = traitlets.List().tag(sync=True)
    history = traitlets.List().tag(sync=True)
    guardrails = traitlets.List().tag(sync=True)
    featurization = traitlets.List().tag(sync=True)
    trial_details = traitlets.Dict().tag(sync=True)
    best = traitlets.Dict().tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    explanation = traitlets.Dict().tag(sync=True)
    forecast = traitlets.Dict().tag(sync=True)
    #: the Export area: per kind ("report", "code", "onnx") ``{state: working|ready|failed,
    #: message, filename, bytes}``; the file itself comes as a ``download`` message
    exports = traitlets.Dict().tag(sync=True)
    #: the Stability panel: ``{stability: record|None, learning_curve: record|None, state:
    #: idle|working|failed, message}`` (records of :mod:`automl_nb.reliability`)
    reliability = traitlets.Dict().tag(sync=True)
    #: steering the running search: ``{enabled, learners, log, stop_reason}`` (js/CONTRACT.md, "Steering")
    steering = traitlets.Dict().tag(sync=True)
    #: the "final model by" choice: ``{metric, optimized, options, state: idle|working|failed,
    #: message}`` once a run has ended with a final model (:mod:`automl_nb.widget.final_choice`)
    final_choice = traitlets.Dict().tag(sync=True)

    #: explain the final model in the background when a run ends (the Explanations panel)
    auto_explain = True
    #: offer the steering controls while the run goes on (False for ``AutoML.fit``'s view: the
    #: kernel is busy in fit, so it would hear a click only after the run; start() + studio() steers)
    steer_controls = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._setup()

    @classmethod
    def for_experiment(cls, experiment: Any, *, read_only: bool = True, target: str = "",
                       run: Any = None, automl: Any = None) -> StudioView:
        """A view that follows ``experiment``, running or ended.

        With ``read_only`` the browser shows progress and results, no settings or Run button;
        pause/resume/cancel/extend still act on ``run`` (the experiment's
        :class:`~automl_nb.Run`) when one is given; ``automl`` (the
        :class:`~automl_nb.AutoML` holding the experiment) explains, tests and forecasts.
        """
        from ..metrics import default_metric

        self = cls.__new__(cls)
        StudioView.__init__(self)
        self._run, self.automl = run, automl
        p = experiment.prepared
        offered = choices()
        offered.update(inferred_task=p.task, task_reason=p.task_reason, default_metric=default_metric(p.task))
        with self._write_lock, self.hold_sync():
            self.read_only = read_only
            self.target = str(target or "")
            self.choices = offered
            self.config = normalized(experiment.config.to_dict())
            if experiment.profile is not None and hasattr(p, "X"):
                self.data_info = data_info(p.X, experiment.profile)
            self.phase = "profiling"
        self._follow(experiment)
        return self

    def _setup(self) -> None:
        self._write_lock = threading.RLock()
        self._validation_error = ""  # the settings' error in ``error``: actions leave it there
        self._experiment: Any = None
        self._run: Any = None
        self._bridge: Bridge | None = None
        self._display_id: str | None = None
        self._details = TrialDetails(self)
        self._explanations = Explanations(self)
        self._final_choice = FinalChoice(self)
        self._future_X: Any = None  # exogenous values of the forecast steps (show_forecast)
        #: the :class:`~automl_nb.AutoML` of the run (predict, save, explain with it)
        self.automl: Any = None
        #: what fills each panel a task names in ``final_views`` once its run has a final model
        self._final_views = {EXPLANATIONS_VIEW: self._auto_explain, FORECAST_VIEW: self._show_forecast_safely}
        self.on_msg(self._on_custom_msg)

    # ---- actions (the browser's messages call these) ----------------------------------------

    def run(self) -> Any:
        """Refused: a view only follows a run started elsewhere (the Studio starts runs)."""
        raise RuntimeError("this Studio only shows a run started elsewhere; it cannot start one")

    def pause(self) -> None:
        """Start no new trials (running ones finish); the budget clock stops."""
        self._require_run().pause()

    def resume(self) -> None:
        self._require_run().resume()

    def cancel(self) -> None:
        """Stop the search now; finished trials are kept and the best is refit."""
        self._require_run().cancel()

    def extend(self, seconds: float) -> None:
        """Give the running search ``seconds`` more."""
        self._require_run().extend(float(seconds))

    def test(self, X: Any, y: Any) -> Any:
        """Test the final model on held-out data; the scores and plots show in the details
        panel (as for a trial) and come back as a :class:`~automl_nb.testing.TestReport`."""
        if self.automl is None:
            raise RuntimeError("no model yet: run first")
        report = self.automl.test(X, y)
        self.trial_details = held_out_record(report)
        return report

    def select_trial(self, trial_id: int | None) -> None:
        """Fill ``trial_details`` for a trial (``None``: the ensemble), plots included; the
        plots are computed in a background thread."""
        if self._experiment is None:
            raise RuntimeError("no run yet: there are no trials to show")
        self._details.select(self._experiment, trial_id)

    def explain(self, trial_id: Any = KEEP, feature: Any = KEEP, row: Any = KEEP, space: Any = KEEP) -> None:
        """Fill ``explanation`` (SHAP values, see :meth:`AutoML.explain`) in a background thread.

        ``trial_id``: the trial to explain (None: the final model; left out: the one shown);
        ``feature``: the dependence plot's feature; ``row``: the waterfall's row; ``space``:
        "raw" or "engineered". SHAP values are computed once per trial and then resliced.
        """
        if self.automl is None or self._experiment is None:
            raise RuntimeError("no model yet: explanations need a finished run")
        self._explanations.request(self.automl, self._experiment, trial_id, feature, row, space)

    def show_forecast(self, X: Any = None, series_id: Any = None) -> None:
        """Fill the ``forecast`` trait (the Forecast panel): history, the final model's backtest
        windows and the forecast with its interval for one series. ``X`` holds the exogenous
        columns' values for the forecast steps when the model uses any (kept for later calls)."""
        exp = self._experiment
        if exp is None or FORECAST_VIEW not in exp.task.final_views or exp.outcome.model is None:
            raise RuntimeError("no forecast yet: run a forecasting experiment first")
        if X is not None:
            self._future_X = X
        sid = self.forecast.get("series_id") if series_id is None else str(series_id)
        payload = forecast_payload(exp, self.automl, self._future_X, sid)
        with self._write_lock:
            self.forecast = payload

    def export(self, kind: str) -> None:
        """Make the file of an export (``kind``: "report", "code" or "onnx") with the run's
        :class:`~automl_nb.AutoML` in a background thread, then send it to the browser, which
        downloads it. Progress and any error (an :class:`~automl_nb.errors.ExportError`, a
        missing extra) show in ``exports[kind]``."""
        if kind not in EXPORTS:
            raise ValueError(f"export kind {kind!r}: expected one of {', '.join(EXPORTS)}")
        if self.automl is None or self._experiment is None:
            raise RuntimeError("no model yet: exports need a finished run")
        self._set_export(kind, {"state": "working", "message": f"making the {EXPORTS[kind][0]}…"})
        threading.Thread(target=self._export, args=(kind,), name="automl_nb-studio-export", daemon=True).start()

    def _export(self, kind: str) -> None:
        import base64
        import secrets

        try:
            filename, data = export_file(self.automl, kind)
        except Exception as exc:  # shown in the Export area: the widget goes on
            if not isinstance(exc, (ValueError, RuntimeError, ImportError, OSError)):
                log.exception("automl_nb studio: export %s failed", kind)
            self._set_export(kind, {"state": "failed", "message": f"{type(exc).__name__}: {exc}"})
            return
        self.send({"type": "download", "id": secrets.token_hex(8), "kind": kind, "filename": filename,
                   "mime": EXPORTS[kind][2], "data": base64.b64encode(data).decode("ascii")})
        self._set_export(kind, {"state": "ready", "filename": filename, "bytes": len(data),
                                "message": f"{filename} ({len(data):,} bytes) sent to your browser's downloads"})

    def _set_export(self, kind: str, state: dict[str, Any]) -> None:
        with self._write_lock:
            self.exports = {**self.exports, kind: state}

    def check_reliability(self, n: int = STABILITY_SPLITS) -> None:
        """Run ``aml.stability(n=n)`` then ``aml.learning_curve()`` in a background thread;
        progress, the records and any error show in ``reliability`` (the Stability panel).
        Ignored while a check is going; without a finished run the panel says why."""
        with self._write_lock:
            if self.reliability.get("state") == "working":
                return
            if self.automl is None or self._experiment is None or self._experiment.outcome.model is None:
                self._set_reliability(state="failed", message="no model yet: the checks need a run that ended "
                                                                "with a final model")
                return
            self._set_reliability(state="working", message=f"refitting the final model on {n} other splits…")
        threading.Thread(target=self._check_reliability, args=(self.automl, self._experiment, int(n)),
                         name="automl_nb-studio-reliability", daemon=True).start()

    def _check_reliability(self, aml: Any, exp: Any, n: int) -> None:
        steps = (("stability", lambda: aml.stability(n=n), "measuring the learning curve…"),
                 ("learning_curve", aml.learning_curve, ""))
        errors: dict[str, list[str]] = {}  # the error -> the checks that failed with it
        for key, method, after in steps:
            try:
                method()
            except Exception as exc:  # shown in the panel: the widget goes on
                if not isinstance(exc, (ValueError, RuntimeError)):
                    log.exception("automl_nb studio: %s failed", key)
                errors.setdefault(f"{type(exc).__name__}: {exc}", []).append(key.replace("_", " "))
            if self._experiment is not exp:  # the Studio started another run meanwhile: not its records
                return
            self._set_reliability(state="working" if after else "idle", message=after)
        if errors:
            self._set_reliability(state="failed", message="; ".join(f"{' and '.join(keys)}: {error}"
                                                                     for error, keys in errors.items()))
        try:  # the saved notebook's static HTML shows the records too
            self._refresh_display()
        except Exception:
            log.debug("automl_nb studio: could not refresh the static HTML", exc_info=True)

    def _set_reliability(self, **state: Any) -> None:
        """``reliability`` with the experiment's records and ``state``/``message``."""
        records = getattr(self._experiment, "reliability", None) or {}
        with self._write_lock:
            self.reliability = {"stability": records.get("stability"), "learning_curve": records.get("learning_curve"),
                                "state": "idle", "message": "", **state}

    def best_by(self, metric: str) -> None:
        """Make the best model by ``metric`` the final model (``AutoML.best_by``) in a
        background thread; progress and errors show in ``final_choice``, the new final model
        in ``best`` and ``leaderboard``."""
        self._final_choice.choose(self._experiment, metric)

    def _final_model_changed(self) -> None:
        """After ``best_by``: the new final model in the snapshot, its explanation redone."""
        if self._bridge is not None:
            self._bridge.refresh()
        self._explanations.reset()
        with self._write_lock:
            self.explanation = {}
        if EXPLANATIONS_VIEW in self._experiment.task.final_views:
            self._auto_explain()
        try:
            self._refresh_display()
        except Exception:
            log.debug("automl_nb studio: could not refresh the static HTML", exc_info=True)

    def _on_custom_msg(self, _widget: Any, content: Any, _buffers: Any = None) -> None:
        """Messages from the browser (``model.send``): ``{type: run|pause|resume|cancel|
        extend|select_trial|explain|forecast_series|export|reliability|block|allow|
        set_time_left|try_next, ...}``. A refused
        action puts its reason in ``error`` (the Export and Stability panels show their own)."""
        kind = content.get("type") if isinstance(content, dict) else None
        actions = {
            "run": self.run, "pause": self.pause, "resume": self.resume, "cancel": self.cancel,
            "extend": lambda: self.extend(content.get("seconds", 0)),
            "select_trial": lambda: self.select_trial(content.get("trial_id")),
            "explain": lambda: self.explain(**{k: content[k] for k in ("trial_id", "feature", "row", "space")
                                               if k in content}),
            "forecast_series": lambda: self.show_forecast(series_id=content.get("series_id")),
            "export": lambda: self.export(content.get("kind")),
            "reliability": self.check_reliability,
            "block": lambda: self.block(content.get("learner")),
            "allow": lambda: self.allow(content.get("learner")),
            "set_time_left": lambda: self.set_time_left(content.get("seconds")),
            "try_next": lambda: self.try_next(content.get("learner"), content.get("params"), content.get("from_trial")),
            "best_by": lambda: self.best_by(content.get("metric")),
        }
        try:
            if kind not in actions:
                raise ValueError(f"unknown message {content!r}; expected a type among {', '.join(actions)}")
            actions[kind]()
        except Exception as exc:
            with self._write_lock:
                self.error = str(exc) if isinstance(exc, (ValueError, RuntimeError)) else f"{type(exc).__name__}: {exc}"
            return
        if kind not in ("select_trial", "explain", "forecast_series", "export", "reliability", "best_by") and self.error and self.error != self._validation_error:
            with self._write_lock:
                self.error = ""

    def _require_run(self) -> Any:
        if self._run is None or self._run.done():
            raise RuntimeError("no run is going")
        return self._run

    # ---- following a run ------------------------------------------------------------------------

    def _follow(self, experiment: Any) -> None:
        if self._bridge is not None:
            self._bridge.close()
        self._experiment = experiment
        with self._write_lock:
            self.exports = {}  # the files of an earlier run are not this one's
            self.reliability = {}
        self._final_choice.reset()
        self._bridge = Bridge(self, experiment, on_end=self._on_run_end).attach()
        if self._bridge.ended:  # it had ended before: no end-of-run callback comes
            self._after_end()

    def _running(self) -> bool:
        """A run is followed and its final state has not been pushed yet."""
        return self._bridge is not None and not self._bridge.ended

    def _on_run_end(self) -> None:
        try:
            self._refresh_display()
        finally:
            self._after_end()

    def _after_end(self) -> None:
        """Once a run has its final model: fill the panels its task names (``final_views``)."""
        if self._experiment is None:
            return
        if self._experiment.reliability:  # checked before the view opened: shown at once
            self._set_reliability()
        self._final_choice.show(self._experiment)
        for view in self._experiment.task.final_views:
            fill = self._final_views.get(view)
            if fill is None:
                log.warning("automl_nb studio: no panel shows %r", view)
            else:
                fill()

    def _auto_explain(self) -> None:
        if self.auto_explain:
            self._explanations.auto(self.automl, self._experiment)

    def _show_forecast_safely(self) -> None:
        try:
            if self._experiment.outcome.model is not None:
                self.show_forecast()
        except Exception as exc:
            log.exception("automl_nb studio: forecast view failed")
            with self._write_lock:
                self.error = f"could not show the forecast: {type(exc).__name__}: {exc}"

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run has ended and its final state reached the widget; False on timeout."""
        return self._bridge.wait_final(timeout) if self._bridge is not None else True

    def close(self) -> None:
        if getattr(self, "_bridge", None) is not None:
            self._bridge.close()
        super().close()

    # ---- static rendering -------------------------------------------------------------------------

    def static_html(self) -> str:
        """The widget's state as self-contained HTML (what nbconvert, GitHub and nbviewer show)."""
        names = ("phase", "status", "best", "leaderboard", "guardrails", "featurization", "target",
                 "error", "data_info", "explanation", "reliability")
        return static_html.render({n: getattr(self, n) for n in names})

    def _settle(self, timeout: float) -> None:
        """Wait (up to ``timeout`` seconds) for work whose result the static HTML should hold."""

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        # the static summary saved in the notebook should hold what is being computed (the
        # Studio's pre-run checks): give it a moment (the live view is unaffected)
        self._settle(STATIC_WAIT_SECONDS)
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        return {**data, "text/html": self.static_html()}, metadata

    def _ipython_display_(self) -> None:
        # shown with a display id so the static HTML can be refreshed when a run ends
        from IPython.display import display

        data, metadata = self._repr_mimebundle_()
        self._display_id = self._display_id or f"automl-nb-studio-{self.model_id}"
        display(data, raw=True, metadata=metadata, display_id=self._display_id)

    def _refresh_display(self) -> None:
        """At the end of a run: the saved notebook's static HTML shows the final state."""
        if self._display_id is None:
            return
        from IPython.display import update_display

        data, metadata = self._repr_mimebundle_()
        update_display(data, raw=True, metadata=metadata, display_id=self._display_id)
