"""``AutoML.log_mlflow``: a finished run logged to MLflow.

One MLflow run gets the settings as params (``automl_nb.<setting>``), the scores as
metrics (``best_trial_<metric>``, ``ensemble_<metric>`` when an ensemble was built, and
``trial_<metric>`` with one step per trial id), the leaderboard (``leaderboard.csv``), the
guardrails (``guardrails.json``) and the report (``report.html``) as artifacts, and the
final model: a tabular model with MLflow's sklearn flavor, a forecasting model as a pyfunc
model (:mod:`automl_nb.forecast.mlflow_model`). ``mlflow.pyfunc.load_model`` predicts what
``aml.predict`` predicts.
"""

from __future__ import annotations

import os
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

#: MLflow's HTTP settings for the call, unless the environment sets them: an unreachable
#: server fails in seconds instead of retrying for minutes
HTTP_LIMITS = {"MLFLOW_HTTP_REQUEST_TIMEOUT": "20", "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1",
               "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1"}
#: what the model's environment pins (the libraries a pickled pipeline needs)
_REQUIREMENTS = ("scikit-learn", "numpy", "pandas", "scipy", "lightgbm", "torch", "statsmodels")


def log_mlflow(aml: Any, exp: Any, experiment: str | None = None, tracking_uri: str | None = None) -> str:
    """Log the finished experiment ``exp`` (of ``aml``) to MLflow; the MLflow run's id.

    When an MLflow run is active (``mlflow.start_run()`` in the user's code), everything is
    logged into it and it is left open; otherwise a new run is started and ended.
    ``experiment`` names the MLflow experiment (created when missing; default: MLflow's
    current one). ``tracking_uri`` is used for this call only (the previous one is
    restored); default: MLflow's current one.
    """
    from ..extras import require

    require("mlflow", "aml.log_mlflow()")
    if experiment is not None and (not isinstance(experiment, str) or not experiment.strip()):
        raise ValueError(f"experiment={experiment!r}: give the MLflow experiment's name (a non-empty string) or None")
    if tracking_uri is not None and (not isinstance(tracking_uri, (str, os.PathLike)) or not str(tracking_uri)):
        raise ValueError(f"tracking_uri={tracking_uri!r}: give an MLflow tracking URI (e.g. 'sqlite:///mlflow.db', "
                         "'http://host:5000') or None")
    flavor, model, example = exp.task.mlflow_model(exp)  # a task that cannot log says so before any work
    import mlflow

    active = mlflow.active_run()
    if active is not None and tracking_uri is not None and str(tracking_uri) != mlflow.get_tracking_uri():
        raise ValueError(f"tracking_uri={str(tracking_uri)!r}: an MLflow run is active (run id {active.info.run_id}, "
                         f"tracking URI {mlflow.get_tracking_uri()!r}) and log_mlflow logs into it; leave "
                         "tracking_uri=None, or end that run (mlflow.end_run()) to log elsewhere")
    with _http_limits(), _tracking_uri(None if tracking_uri is None else str(tracking_uri)):
        uri = mlflow.get_tracking_uri()
        client = mlflow.MlflowClient()
        if active is None:
            _check_reachable(client, uri, tracking_uri)
        experiment_id = _experiment_id(client, experiment, active, uri, tracking_uri)
        own = active is None
        with (mlflow.start_run(experiment_id=experiment_id, run_name=Path(exp.folder).name) if own
              else nullcontext(active)) as run:
            run_id = run.info.run_id
            _log_params(client, run_id, exp)
            _log_metrics(client, run_id, exp)
            _log_artifacts(client, run_id, aml)
            info = _log_model(exp, flavor, model, example)
            client.set_tag(run_id, "automl_nb.model_uri", info.model_uri)
    return run_id


# ---- the tracking store ----------------------------------------------------------------------


@contextmanager
def _http_limits() -> Iterator[None]:
    """MLflow's HTTP timeout and retries for the call (what the environment sets wins)."""
    added = [k for k in HTTP_LIMITS if k not in os.environ]
    for k in added:
        os.environ[k] = HTTP_LIMITS[k]
    try:
        yield
    finally:
        for k in added:
            os.environ.pop(k, None)


@contextmanager
def _tracking_uri(uri: str | None) -> Iterator[None]:
    """MLflow's tracking URI set to ``uri`` for the call; the previous one (and the
    environment variable MLflow sets with it) restored afterwards."""
    if uri is None:
        yield
        return
    import mlflow
    from mlflow.tracking._tracking_service import utils

    before, env = utils._tracking_uri, os.environ.get("MLFLOW_TRACKING_URI")
    mlflow.set_tracking_uri(uri)
    try:
        yield
    finally:
        mlflow.set_tracking_uri(before)
        if env is not None:
            os.environ["MLFLOW_TRACKING_URI"] = env


def _check_reachable(client: Any, uri: str, given: Any) -> None:
    """One request to the tracking store before any logging: an unreachable one is named."""
    try:
        client.search_experiments(max_results=1)
    except Exception as exc:  # noqa: BLE001 - requests', MLflow's or sqlite's error, named with the URI
        what = f"tracking_uri={uri!r}" if given is not None else f"the current MLflow tracking URI {uri!r}"
        first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
        raise ConnectionError(f"log_mlflow cannot reach the MLflow tracking store at {what} "
                              f"({type(exc).__name__}: {first}); check the address and that the server runs, "
                              "then call log_mlflow again (nothing was logged)") from exc


def _experiment_id(client: Any, name: str | None, active: Any, uri: str, given: Any) -> str | None:
    """The id of the MLflow experiment ``name`` (created when missing); None: MLflow's
    current experiment (or the active run's)."""
    if name is None:
        return None
    found = client.get_experiment_by_name(name)
    if active is not None:
        if found is None or found.experiment_id != active.info.experiment_id:
            raise ValueError(f"experiment={name!r}: an MLflow run is active (run id {active.info.run_id}) in another "
                             "experiment and log_mlflow logs into it; leave experiment=None, or end that run "
                             "(mlflow.end_run()) first")
        return found.experiment_id
    if found is None:
        return client.create_experiment(name)
    if found.lifecycle_stage != "active":
        raise ValueError(f"experiment={name!r} is deleted in the MLflow store at {uri!r}: restore it or choose "
                         "another name")
    return found.experiment_id


# ---- what is logged -----------------------------------------------------------------------------


def _log_params(client: Any, run_id: str, exp: Any) -> None:
    from mlflow.entities import Param

    settings = {f"automl_nb.{k}": v for k, v in exp.config.to_dict().items() if k != "extra"}
    settings.update({f"automl_nb.extra.{k}": v for k, v in exp.config.to_dict().get("extra", {}).items()})
    resolved = {"automl_nb.resolved.task": exp.prepared.task, "automl_nb.resolved.metric": exp.prepared.metric,
                "automl_nb.resolved.validation": exp.plan.description if exp.plan else "",
                "automl_nb.resolved.final_model": exp.outcome.description,
                "automl_nb.resolved.best_trial": exp.outcome.best_trial}
    params = [Param(k, str(v)[:6000]) for k, v in {**settings, **resolved}.items()]
    for i in range(0, len(params), 100):
        client.log_batch(run_id, params=params[i:i + 100])


def _log_metrics(client: Any, run_id: str, exp: Any) -> None:
    import math

    from mlflow.entities import Metric

    name = exp.prepared.metric
    now = int(time.time() * 1000)
    ok = sorted((r for r in dict(exp.results).values() if r.ok and not math.isnan(r.score)), key=lambda r: r.trial_id)
    metrics = [Metric(f"trial_{name}", float(r.score), int((r.started_at or time.time()) * 1000), int(r.trial_id))
               for r in ok]
    if ok:
        metrics.append(Metric(f"best_trial_{name}", float(min(ok, key=exp.loss).score), now, 0))
    if not math.isnan(exp.outcome.ensemble_score):
        metrics.append(Metric(f"ensemble_{name}", float(exp.outcome.ensemble_score), now, 0))
    metrics.append(Metric("n_trials", float(len(exp.results)), now, 0))
    for i in range(0, len(metrics), 1000):
        client.log_batch(run_id, metrics=metrics[i:i + 1000])


def _log_artifacts(client: Any, run_id: str, aml: Any) -> None:
    """Leaderboard (CSV), guardrails (JSON) and the report (HTML): one failure to write the
    report is a warning and the run's tag ``automl_nb.report_error``, not the end of logging."""
    with tempfile.TemporaryDirectory(prefix="automl_nb_mlflow_") as tmp:
        folder = Path(tmp)
        aml.leaderboard().to_csv(folder / "leaderboard.csv", index=False)
        (folder / "guardrails.json").write_text(aml.guardrails().to_json(orient="records", indent=1))
        try:
            aml.report(folder / "report.html")
        except Exception as exc:  # noqa: BLE001 - the report is one artifact of many
            message = f"{type(exc).__name__}: {exc}"
            client.set_tag(run_id, "automl_nb.report_error", message[:5000])
            warnings.warn(f"log_mlflow logged the run without report.html: writing the report failed ({message})",
                          RuntimeWarning, stacklevel=4)
        client.log_artifacts(run_id, str(folder))


def _log_model(exp: Any, flavor: str, model: Any, example: Any) -> Any:
    """The model, as the task gives it, with a signature and input example (when the task
    has example rows) and its libraries pinned; MLflow's ``ModelInfo``."""
    import mlflow
    from mlflow.models import infer_signature

    signature = None
    if example is not None:
        predicted = (model.predict(example) if flavor == "sklearn" else model.predict(None, example))
        signature = infer_signature(example, predicted)
    requirements = _requirements(exp, with_automl_nb=flavor != "sklearn")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*type hint.*")  # the pyfunc model's predict takes a frame
        if flavor == "sklearn":
            with _ours_by_value():
                return mlflow.sklearn.log_model(model, name="model", signature=signature, input_example=example,
                                                pip_requirements=requirements, serialization_format="cloudpickle")
        return mlflow.pyfunc.log_model(name="model", python_model=model, signature=signature,
                                       input_example=example, pip_requirements=requirements)


def _requirements(exp: Any, with_automl_nb: bool) -> list[str]:
    """The model environment's pins: the libraries the model was saved with
    (``versions.json``), else the running ones."""
    from importlib.metadata import PackageNotFoundError, version

    from .safe_files import library_versions, read_versions

    saved = (read_versions(exp.folder) or {}).get("libraries") or library_versions()
    pins = [f"{d}=={v}" for d, v in saved.items() if d in _REQUIREMENTS and v != "not installed"]
    try:
        pins.append(f"cloudpickle=={version('cloudpickle')}")
    except PackageNotFoundError:
        pass
    if with_automl_nb:
        pins.append(f"automl_nb=={saved.get('automl_nb') or library_versions()['automl_nb']}")
    return pins


@contextmanager
def _ours_by_value() -> Iterator[None]:
    """The model's pickle holds our transformers by value (as ``model.pkl`` does, see
    :mod:`automl_nb.persist`): the logged sklearn model loads without automl_nb."""
    import sys

    import cloudpickle

    from .. import persist

    with persist._DUMP_LOCK:
        registered = persist._registered(cloudpickle)
        ours = [sys.modules[m] for m in persist._BY_VALUE if m in sys.modules and m not in registered]
        for m in ours:
            cloudpickle.register_pickle_by_value(m)
        try:
            yield
        finally:
            for m in ours:
                try:
                    cloudpickle.unregister_pickle_by_value(m)
                except ValueError:
                    pass
