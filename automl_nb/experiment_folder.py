"""What an experiment keeps in its folder, and how it comes back.

The folder holds ``experiment.sqlite`` (settings, the task's records, plan, guardrails,
every trial, status), ``data.joblib`` (the trial data the workers load) and ``model.pkl``.
Restoring looks the task up by the name stored with the experiment and lets it rebuild
its prepared data; nothing here asks which task it is.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from .config import ExperimentConfig
from .data.validation import ValidationPlan
from .run.store import Store


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


def write_plan(exp: Any, planned: Any) -> None:
    """The trial data for the workers (written whole, then renamed) and what restore needs."""
    import joblib

    tmp = exp.folder / ".data.joblib.tmp"
    joblib.dump(planned.data, tmp)
    tmp.replace(exp.folder / "data.joblib")
    exp.store.put("config", exp.config.to_dict())
    for key, value in planned.records.items():  # "task", "prepared" and the task's own
        exp.store.put(key, value)
    exp.store.put("plan", planned.plan.__dict__)
    exp.store.put("guardrails", [g.__dict__ for g in planned.guardrails])


def save_model(exp: Any) -> None:
    from .persist import dump_pipeline

    o = exp.outcome
    exp.store.write_stream("model.pkl", lambda f: dump_pipeline(o.model, f))
    exp.store.put("outcome", {"members": {str(k): v for k, v in o.members.items()},
                              "ensemble_score": None if math.isnan(o.ensemble_score) else o.ensemble_score,
                              "best_trial": o.best_trial, "description": o.description})


def restore(cls: type, folder: Path, config: ExperimentConfig | None = None) -> Any:
    """An experiment (of class ``cls``) as its folder left it: settings, data, trials,
    guardrails, status and the final model."""
    from .task import get_task

    if not Store.exists(folder):
        raise FileNotFoundError(f"{str(folder)!r} is not an automl_nb experiment folder (no experiment.sqlite)")
    store = Store(folder)
    try:
        saved, record = store.get("config"), store.get("task")
        if saved is None or record is None or not (folder / "data.joblib").exists():
            raise FileNotFoundError(f"the experiment in {str(folder)!r} never got past its start; nothing to restore")
        task = get_task(record["task"])
        prepared, data, profile = task.restore(folder, store)
    finally:
        store.close()
    exp = cls(config or ExperimentConfig.from_dict(saved), prepared, folder, task=task)
    exp.data, exp.profile = data, profile
    restore_state(exp)
    return exp


def restore_state(exp: Any) -> None:
    """Plan, guardrails, trials, status, the best loss so far and the final model."""
    from .data.guardrails import Guardrail
    from .finalize import Outcome
    from .persist import load_pipeline

    folder = exp.folder
    exp.plan = ValidationPlan(**exp.store.get("plan"))
    exp.guardrails = [Guardrail(**{**g, "columns": tuple(g["columns"])}) for g in exp.store.get("guardrails", [])]
    trials = exp.store.trials(with_oof=True)
    exp.results = {r.trial_id: r for r in trials}
    exp._previous = trials
    exp.status = exp.store.get("status", "unknown")
    exp._best_loss = min((exp.loss(r) for r in trials if r.ok), default=math.inf)
    outcome = exp.store.get("outcome")
    if outcome is not None and (folder / "model.pkl").exists():
        exp.outcome = Outcome(
            model=load_pipeline(folder / "model.pkl"),
            members={int(k): v for k, v in outcome["members"].items()},
            ensemble_score=float("nan") if outcome["ensemble_score"] is None else outcome["ensemble_score"],
            best_trial=outcome["best_trial"], description=outcome["description"],
        )
    exp._finished.set()
