"""Model files that can be checked before they are trusted.

When the final model is saved, the run folder gets two files beside ``model.pkl``:

``versions.json``
    the versions of the libraries the model was saved with (Python, automl_nb, numpy,
    pandas, scikit-learn, scipy, LightGBM, Optuna, and torch or statsmodels when the model
    uses them) and whether ``model.skops`` was written (or why not). ``an.load`` warns when
    a library's version here differs from the running one.
``model.skops``
    the model in skops' format (scikit-learn pipelines only): loading it rebuilds objects of
    listed types and runs no code from the file. ``an.load(folder, trusted=False)`` loads
    this file and nothing pickled, and refuses a file holding a type outside
    :func:`allowed_type` unless the caller names it (``trusted=["module.Type"]``).
"""

from __future__ import annotations

import importlib
import json
import platform
import sys
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

VERSIONS_FILE = "versions.json"
SKOPS_FILE = "model.skops"

#: distributions whose versions are recorded with every model (name -> import name)
CORE_LIBRARIES = {"numpy": "numpy", "pandas": "pandas", "scikit-learn": "sklearn", "scipy": "scipy",
                  "lightgbm": "lightgbm", "optuna": "optuna"}
#: recorded when the model file refers to them
OPTIONAL_LIBRARIES = {"torch": "torch", "statsmodels": "statsmodels"}

#: types outside the allowed modules that skops lists as untrusted but are plain containers
_ALLOWED_NAMES = frozenset({"builtins.frozenset", "collections.OrderedDict", "lightgbm.basic.Booster"})
#: modules whose classes are allowed (a class defined there, not a function)
_ALLOWED_CLASS_MODULES = ("sklearn", "numpy", "scipy.sparse")
#: our own modules whose classes and functions a pipeline may hold
_OWN_MODULES = ("automl_nb.featurize.transformers", "automl_nb.data.values", "automl_nb.stack_features")
#: our own learners a pipeline may hold (their state is numpy arrays)
_OWN_LEARNERS = frozenset({"automl_nb.learners.torch_mlp.TorchMLPClassifier",
                           "automl_nb.learners.torch_mlp.TorchMLPRegressor"})


class UntrustedModelError(ValueError):
    """``an.load(folder, trusted=False)`` cannot load the folder's model without running code
    from it: ``model.skops`` is missing, or it holds types automl_nb does not know are safe
    (``types``; name them in ``trusted=[...]`` to load it anyway)."""

    def __init__(self, message: str, types: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.types = list(types)


# ---- versions ------------------------------------------------------------------------------


def library_versions(extra: Iterable[str] = ()) -> dict[str, str]:
    """Python's version and each library's (:data:`CORE_LIBRARIES`, then ``extra``);
    a library that is not installed is ``"not installed"``."""
    from importlib.metadata import PackageNotFoundError, version

    from .. import __version__

    out = {"python": platform.python_version(), "automl_nb": __version__}
    for dist in [*CORE_LIBRARIES, *extra]:
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    return out


def referenced_libraries(model_file: Path) -> list[str]:
    """The :data:`OPTIONAL_LIBRARIES` that the pickle ``model_file`` refers to (read with
    :mod:`pickletools`, which never runs the file)."""
    import pickletools

    wanted = [dist for dist, module in OPTIONAL_LIBRARIES.items() if module in sys.modules]
    if not wanted:  # the model lives in this process: a library it uses is imported here
        return []
    found: set[str] = set()
    with open(model_file, "rb") as f:
        for opcode, arg, _ in pickletools.genops(f):
            if isinstance(arg, str) and opcode.name in ("GLOBAL", "SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
                top = arg.split(" ")[0].split(".")[0]
                for dist in wanted:
                    if top == OPTIONAL_LIBRARIES[dist]:
                        found.add(dist)
            if len(found) == len(wanted):
                break
    return [d for d in wanted if d in found]


def read_versions(folder: Path) -> dict[str, Any] | None:
    """The folder's ``versions.json``, or None when it has none (saved before it existed)
    or it cannot be read."""
    try:
        return json.loads((Path(folder) / VERSIONS_FILE).read_text())
    except (OSError, ValueError):
        return None


def check_versions(folder: Path, stacklevel: int = 2) -> list[str]:
    """Warn (a UserWarning) naming each library whose version in ``versions.json`` differs
    from the running one; returns those libraries."""
    saved = read_versions(folder)
    if not saved or not isinstance(saved.get("libraries"), dict):
        return []
    recorded = saved["libraries"]
    running = library_versions(d for d in recorded if d in OPTIONAL_LIBRARIES)
    differ = [d for d, v in recorded.items() if d in running and running[d] != v]
    if differ:
        said = "; ".join(f"{d} saved {recorded[d]}, running {running[d]}" for d in differ)
        warnings.warn(f"the model in {folder} was saved with other library versions than this Python has "
                      f"({said}): it may fail to load or predict differently; install the saved versions to be "
                      "sure", UserWarning, stacklevel=stacklevel)
    return differ


# ---- saving --------------------------------------------------------------------------------


def save_model_files(model: Any, folder: Path, write: Any) -> None:
    """``model.skops`` (for a scikit-learn estimator) and ``versions.json`` beside the
    ``model.pkl`` just written in ``folder``. ``write(name, writer)`` writes a file of the
    folder atomically (the store's ``write_stream``). A model skops cannot save is saved
    without ``model.skops``; ``versions.json`` says why."""
    import datetime

    skops = _write_skops(model, write)
    libraries = library_versions(referenced_libraries(Path(folder) / "model.pkl"))
    record = {"saved_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "libraries": libraries, SKOPS_FILE: skops}
    write(VERSIONS_FILE, lambda f: f.write(json.dumps(record, indent=1).encode()))


def _write_skops(model: Any, write: Any) -> dict[str, Any]:
    """Write ``model.skops``; what ``versions.json`` records of it."""
    from sklearn.base import BaseEstimator

    if not isinstance(model, BaseEstimator):
        return {"saved": False, "reason": f"a {type(model).__name__} is saved as model.pkl only (model.skops holds "
                                          "scikit-learn pipelines, the tabular models)"}
    vocabularies = _text_vocabulary_size(model)
    if vocabularies > MAX_SKOPS_VOCABULARY:
        # skops writes a dict entry by entry: a free-text column's TF-IDF vocabulary made a
        # 5,841-word model take 16 s and 62 MB (the pickle: 0.05 s, 5 MB), at the end of every run
        return {"saved": False, "reason": f"the free-text columns' vocabularies ({vocabularies:,} terms over the "
                                          "model's members) make model.skops too slow to write; the pickle is "
                                          "the model file, and an.load(folder, trusted=False) cannot load it"}
    try:
        import zipfile

        import skops.io as sio

        # deflate at level 1: a third of the stored size (an ensemble repeats its members) at
        # twice the time
        data = sio.dumps(model, compression=zipfile.ZIP_DEFLATED, compresslevel=1)
    except Exception as exc:  # noqa: BLE001 - whatever skops cannot take; the pickle is the model file
        return {"saved": False, "reason": f"skops cannot save it ({type(exc).__name__}: {exc})"}
    try:
        write(SKOPS_FILE, lambda f: f.write(data))
    except OSError as exc:  # a full disk: model.pkl is written, the pickle stays the model file
        return {"saved": False, "reason": f"model.skops could not be written ({exc})"}
    return {"saved": True, "bytes": len(data)}


#: most TF-IDF terms (summed over the model's text steps) for which model.skops is written
MAX_SKOPS_VOCABULARY = 2000


def _text_vocabulary_size(model: Any) -> int:
    """The terms of every fitted TF-IDF vocabulary in ``model`` (each object counted once)."""
    seen: set[int] = set()
    total = 0
    stack = [model]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, (str, bytes, int, float)) or obj is None:
            continue
        seen.add(id(obj))
        vocabulary = getattr(obj, "vocabulary_", None) if hasattr(obj, "fit") else None
        if isinstance(vocabulary, dict):
            total += len(vocabulary)
        if isinstance(obj, (list, tuple)):
            stack.extend(obj)
        elif isinstance(obj, dict):
            stack.extend(obj.values())
        elif hasattr(obj, "__dict__") and type(obj).__module__.split(".")[0] in ("sklearn", "automl_nb", "lightgbm"):
            stack.extend(vars(obj).values())
    return total


# ---- loading without unpickling --------------------------------------------------------------


def allowed_type(name: str) -> bool:
    """Whether automl_nb knows the type ``name`` (``module.Name``, as skops lists it) is safe
    to rebuild: a class of scikit-learn, numpy or scipy.sparse, LightGBM's Booster and
    LGBM estimators, our featurization transformers (and the functions they hold), our torch
    MLP learners, and plain containers (frozenset, OrderedDict). Only modules of those
    libraries are imported to check; a name elsewhere is refused without importing it."""
    if name in _ALLOWED_NAMES or name in _OWN_LEARNERS:
        return True
    module, _, attr = name.rpartition(".")
    if module == "lightgbm.sklearn":
        return attr.startswith("LGBM")
    if module in _OWN_MODULES:
        return _defined_in(module, attr, home=module, classes_only=False)
    for m in _ALLOWED_CLASS_MODULES:
        if module == m or module.startswith(m + "."):
            return _defined_in(module, attr, home=m, classes_only=True)
    return False


def _defined_in(module: str, attr: str, home: str, classes_only: bool) -> bool:
    """Whether ``module.attr`` is a class (or, unless ``classes_only``, a function) defined
    in ``home`` or below it: a name the module merely imported from elsewhere is refused."""
    try:
        obj = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError):
        return False
    if not (isinstance(obj, type) or (not classes_only and callable(obj))):
        return False
    where = getattr(obj, "__module__", None) or ""
    return where == home or where.startswith(home + ".")


def load_skops(folder: Path, trusted: Iterable[str] = ()) -> Any:
    """The model from ``folder/model.skops``, never unpickling anything. Types outside
    :func:`allowed_type` and ``trusted`` are refused with an :class:`UntrustedModelError`
    naming them."""
    import skops.io as sio

    path = Path(folder) / SKOPS_FILE
    if not path.exists():
        saved = read_versions(folder) or {}
        why = (saved.get(SKOPS_FILE) or {}).get("reason") or "it was saved before automl_nb wrote model.skops"
        raise UntrustedModelError(
            f"{path} is missing ({why}): an.load(folder, trusted=False) loads the model only from model.skops. "
            "Only if you trust whoever made the folder, an.load(folder, trusted=True) loads model.pkl (a pickle, "
            "which runs code from the file)")
    data = path.read_bytes()
    untrusted = sio.get_untrusted_types(data=data)
    given = set(trusted)
    refused = [t for t in untrusted if t not in given and not allowed_type(t)]
    if refused:
        raise UntrustedModelError(
            f"{path} holds type(s) automl_nb does not know are safe: {', '.join(refused)}. Loading them could run "
            "their code; if you trust them, name them: an.load(folder, trusted=False) refuses them, "
            f"an.load(folder, trusted={refused!r}) loads them", refused)
    return sio.loads(data, trusted=untrusted)


def trusted_types(trusted: Any) -> tuple[bool, list[str]]:
    """``an.load``'s ``trusted`` as (whether the folder is trusted, the extra type names)."""
    if trusted is True or trusted is False:
        return trusted, []
    if isinstance(trusted, str) or not isinstance(trusted, Iterable):
        raise TypeError(f"trusted={trusted!r}: give True (a folder you trust: model.pkl is unpickled), False "
                        "(model.skops only, never unpickling) or a list of type names ('module.Class') to "
                        "trust besides automl_nb's allow-list")
    names = list(trusted)
    bad = [n for n in names if not isinstance(n, str) or "." not in n]
    if bad:
        raise TypeError(f"trusted: {bad!r} are not type names; give 'module.Class' names as skops lists them")
    return False, names
