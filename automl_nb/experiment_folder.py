"""What an experiment keeps in its folder, and how it comes back.

The folder holds ``experiment.sqlite`` (settings, the task's records, plan, guardrails,
every trial, status), ``data.joblib`` (the trial data the workers load) and ``model.pkl``.
Restoring looks the task up by the name stored with the experiment and lets it rebuild
its prepared data; nothing here asks which task it is.

A missing or damaged file is an error naming it and saying what to do
(:class:`~automl_nb.run.store.FolderError`), except ``model.pkl``: the settings, trials and
leaderboard are still restored, with a warning that the model must be refit
(``aml.resume()``). When a run could not write its folder (a full disk), the run kept
everything in memory and :func:`save_copy` writes it to another folder.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

from .config import ExperimentConfig
from .data.validation import ValidationPlan
from .run.store import FolderError, Store, damaged, unwritable

#: the settings that are Python objects (your learners, column transformers), pickled:
#: experiment.sqlite keeps them in words; ``an.load(folder)`` (trusted) reads them back
OBJECTS_FILE = "settings.pkl"
_OBJECT_SETTINGS = ("learners", "column_transformers")


def copy_folder(folder: Path, path: Path) -> Path:
    """Copy an experiment folder to a new ``path`` (whole, or not at all)."""
    import secrets
    import shutil

    if path.resolve() == folder.resolve():
        return path
    if path.exists():
        raise FileExistsError(f"path {str(path)!r} already exists; choose a new folder")
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(3)}.tmp")
    shutil.copytree(folder, tmp)
    tmp.rename(path)
    return path


def save_copy(exp: Any, path: Path) -> Path:
    """The experiment in the folder ``path``, which ``an.load(path)`` restores.

    Normally a copy of its folder (:func:`copy_folder`). When the run could not write its
    folder (``exp.store_error``: a full disk, the folder deleted), the run kept its trials
    and model in memory: what the folder misses is written from memory, into ``path`` (a
    new folder, whole or not at all) or into the experiment's own folder when ``path`` is
    that folder (say, once space is freed)."""
    import secrets
    import shutil

    folder, path = Path(exp.folder), Path(path)
    if getattr(exp, "store_error", None) is None:
        return copy_folder(folder, path)
    if _same(path, folder):
        write_from_memory(exp, folder)
        return path
    if path.exists():
        raise FileExistsError(f"path {str(path)!r} already exists; choose a new folder")
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(3)}.tmp")
    try:
        if folder.is_dir():
            shutil.copytree(folder, tmp)
        write_from_memory(exp, tmp)
        tmp.rename(path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def write_from_memory(exp: Any, folder: Path) -> None:
    """Everything restore needs, from the experiment in memory, into ``folder``: the trial
    data (when missing), settings, plan, guardrails, every trial, the model and the status
    the run ended with (its own, not the folder's failure)."""
    import joblib

    store = Store(folder)
    try:
        if not (folder / "data.joblib").exists():
            if exp.data is None:
                raise FolderError(f"cannot save the experiment: its trial data is neither in {exp.folder} nor "
                                  "in memory", folder)
            tmp = folder / ".data.joblib.tmp"
            joblib.dump(exp.data, tmp)
            tmp.replace(folder / "data.joblib")
        store.put("config", exp.config.to_dict())
        write_objects(exp.config, store)
        for key, value in (getattr(exp, "records", None) or {}).items():
            store.put(key, value)
        if exp.plan is not None:
            store.put("plan", exp.plan.__dict__)
        store.put("guardrails", [g.__dict__ for g in exp.guardrails])
        for r in list(dict(exp.results).values()):
            store.add_trial(r)
        if exp.outcome.model is not None:
            save_model(exp, store)
        for record in list(getattr(exp, "steering", None) or []):
            store.add_steering(record)
        if getattr(exp, "stop_reason", None):
            store.put("stop_reason", exp.stop_reason)
        ended_as = getattr(exp, "ended_as", None)  # the run's own end, when only its folder failed
        store.put("status", ended_as or exp.status)
        if ended_as is None and exp.error:
            store.put("error", exp.error)
    finally:
        store.close()


def write_plan(exp: Any, planned: Any) -> None:
    """The trial data for the workers (written whole, then renamed) and what restore needs.
    A run cannot go on without them: a failure is a :class:`FolderError` naming the file."""
    import joblib

    path, tmp = exp.folder / "data.joblib", exp.folder / ".data.joblib.tmp"
    try:
        joblib.dump(planned.data, tmp)
        tmp.replace(path)
    except OSError as exc:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise unwritable(path, exc) from exc
    exp.store.put("config", exp.config.to_dict())
    write_objects(exp.config, exp.store)
    for key, value in planned.records.items():  # "task", "prepared" and the task's own
        exp.store.put(key, value)
    exp.store.put("plan", planned.plan.__dict__)
    exp.store.put("guardrails", [g.__dict__ for g in planned.guardrails])


def write_objects(config: ExperimentConfig, store: Store) -> None:
    """:data:`OBJECTS_FILE`, when the settings hold objects (a file nobody needs otherwise)."""
    objects = {k: getattr(config, k) for k in _OBJECT_SETTINGS if getattr(config, k)}
    if objects:
        import cloudpickle

        store.write_stream(OBJECTS_FILE, lambda f: cloudpickle.dump(objects, f))


def read_objects(folder: Path, config: ExperimentConfig) -> ExperimentConfig:
    """``config`` with the objects of :data:`OBJECTS_FILE` in place of their descriptions."""
    import pickle

    path = folder / OBJECTS_FILE
    if not path.exists():
        return config
    try:
        with open(path, "rb") as f:
            return config.replace(**pickle.load(f))
    except Exception as exc:  # noqa: BLE001 - whatever unpickling a damaged file raises
        raise damaged(path, "your learners and column transformers cannot be read (a class of yours that is "
                            "not importable here?)", exc) from exc


def save_model(exp: Any, store: Store | None = None) -> None:
    """``model.pkl`` (with ``model.skops`` and ``versions.json``, see
    :mod:`automl_nb.export.safe_files`) and how it was chosen, into ``store`` (default: the
    experiment's)."""
    from .export.safe_files import save_model_files
    from .persist import dump_pipeline

    o = exp.outcome
    store = store or exp.store
    store.write_stream("model.pkl", lambda f: dump_pipeline(o.model, f))
    save_model_files(o.model, store.folder, store.write_stream)  # model.skops and versions.json
    store.put("outcome", {"members": {str(k): v for k, v in o.members.items()},
                          "ensemble_score": None if math.isnan(o.ensemble_score) else o.ensemble_score,
                          "best_trial": o.best_trial, "description": o.description,
                          **({"chosen_by": o.chosen_by} if o.chosen_by else {})})


def restore(cls: type, folder: Path, config: ExperimentConfig | None = None, trusted: Any = True) -> Any:
    """An experiment (of class ``cls``) as its folder left it: settings, data, trials,
    guardrails, status and the final model.

    ``trusted`` as ``an.load`` takes it: True unpickles ``data.joblib`` and ``model.pkl``;
    False (or a list of type names) restores without unpickling anything
    (:func:`restore_untrusted`; the experiment's ``trusted`` is then False)."""
    from .export.safe_files import check_versions, trusted_types
    from .task import get_task

    trusted_folder, types = trusted_types(trusted)
    check_folder(folder)
    if not trusted_folder:
        exp = restore_untrusted(cls, folder, types)
        check_versions(folder, stacklevel=4)
        return exp
    check_versions(folder, stacklevel=4)
    store = Store(folder)
    data_file = folder / "data.joblib"
    try:
        saved, record = store.get("config"), store.get("task")
        if saved is None or record is None:
            if data_file.exists() or (folder / "model.pkl").exists():
                raise damaged(store.path, "it holds no settings though the folder has data", "no experiment in it")
            raise FileNotFoundError(f"the experiment in {str(folder)!r} never got past its start; nothing to restore")
        if not data_file.exists():
            raise FileNotFoundError(
                f"{data_file} is missing: it holds the data this experiment was trained on, which restoring "
                f"needs. Put it back in {folder} (copy the whole folder, e.g. with aml.save(path)), or start a new "
                "run; the trials alone are in experiment.sqlite")
        task = get_task(record["task"])
        try:
            prepared, data, profile = task.restore(folder, store)
        except (FolderError, FileNotFoundError):
            raise
        except Exception as exc:  # noqa: BLE001 - whatever unpickling a damaged file raises
            raise damaged(data_file, "the data this experiment was trained on cannot be read", exc) from exc
    finally:
        store.close()
    exp = cls(config or read_objects(folder, ExperimentConfig.from_dict(saved)), prepared, folder, task=task)
    exp.data, exp.profile = data, profile
    restore_state(exp)
    return exp


def check_folder(folder: Path) -> None:
    """Raise, naming ``folder``, unless it is an experiment folder (it holds experiment.sqlite)."""
    if not folder.exists():
        raise FileNotFoundError(f"no folder {str(folder)!r}: give the path of an experiment folder "
                                "(AutoML(folder=...), or automl_nb_runs/<time>-<id> by default)")
    if not folder.is_dir():
        raise NotADirectoryError(f"{str(folder)!r} is not a folder: give the experiment folder a run wrote "
                                 "(it holds experiment.sqlite, data.joblib and model.pkl)")
    if not Store.exists(folder):
        raise FileNotFoundError(f"{str(folder)!r} is not an automl_nb experiment folder (no experiment.sqlite): "
                                "give the folder a run wrote (AutoML(folder=...), or automl_nb_runs/<time>-<id>)")


def restore_untrusted(cls: type, folder: Path, types: list[str]) -> Any:
    """An experiment restored without unpickling anything: settings, plan, guardrails and
    trials from experiment.sqlite (JSON), out-of-fold predictions (``.npy``, read without
    pickle) and the model from ``model.skops`` (types outside the allow-list and ``types``
    refused). The training data (``data.joblib``, a pickle) is not read: predict, the
    leaderboard and the guardrails work; resuming and what needs the training data do not."""
    from .export.safe_files import load_skops
    from .task import get_task

    store = Store(folder)
    try:
        saved, record = store.get("config"), store.get("task")
        if saved is None or record is None:
            raise FileNotFoundError(f"the experiment in {str(folder)!r} never got past its start; nothing to restore")
        task = get_task(record["task"])
        prepared = task.restore_without_data(folder, store)
        outcome = store.get("outcome")
    finally:
        store.close()
    if outcome is None:
        raise FileNotFoundError(f"the experiment in {str(folder)!r} has no final model to load")
    model = load_skops(folder, types)
    exp = cls(ExperimentConfig.from_dict(saved), prepared, folder, task=task)
    exp.data, exp.profile, exp.trusted = None, None, False
    restore_state(exp, load_model=lambda path: model)
    return exp


def restore_state(exp: Any, load_model: Any = None) -> None:
    """Plan, guardrails, trials, status, the best loss so far and the final model (read
    by ``load_model(path of model.pkl)``, default: unpickled)."""
    from .data.guardrails import Guardrail
    from .finalize import Outcome
    from .persist import load_pipeline

    load_model = load_model or load_pipeline

    folder = exp.folder
    exp.plan = ValidationPlan(**exp.store.get("plan"))
    exp.guardrails = [Guardrail(**{**g, "columns": tuple(g["columns"])}) for g in exp.store.get("guardrails", [])]
    trials = exp.store.trials(with_oof=True)
    exp.results = {r.trial_id: r for r in trials}
    exp._previous = trials
    exp.status = exp.store.get("status", "unknown")
    exp.steering = exp.store.steering()
    exp.stop_reason = exp.store.get("stop_reason")
    if exp.status in ("failed", "cancelled"):
        exp.error = exp.store.get("error")
    exp._best_loss = min((exp.loss(r) for r in trials if r.ok), default=math.inf)
    outcome = exp.store.get("outcome")
    model_file = folder / "model.pkl"
    if outcome is not None:
        problem = None
        if not model_file.exists() and load_model is load_pipeline:
            problem = f"{model_file} is missing"
        else:
            try:
                model = load_model(model_file)
            except ImportError as exc:
                problem = (f"{model_file} needs a library that is not installed here ({type(exc).__name__}: {exc}; "
                           "install it and load again)")
            except Exception as exc:  # noqa: BLE001 - whatever unpickling a damaged file raises
                problem = f"{model_file} is damaged ({type(exc).__name__}: {exc})"
        if problem is None:
            exp.outcome = Outcome(
                model=model,
                members={int(k): v for k, v in outcome["members"].items()},
                ensemble_score=float("nan") if outcome["ensemble_score"] is None else outcome["ensemble_score"],
                best_trial=outcome["best_trial"], description=outcome["description"],
                chosen_by=outcome.get("chosen_by", ""),
            )
        else:
            # the trials and the leaderboard are intact: restore them, and say the model must be refit
            exp.error = (f"{problem}: the settings, trials and leaderboard are restored, but the final model is not; "
                         "to refit it, aml.resume(time_budget=...) searches on and refits it")
            warnings.warn(exp.error, RuntimeWarning, stacklevel=5)  # the caller of an.load
    exp._finished.set()
