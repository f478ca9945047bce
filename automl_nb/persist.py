"""Saving fitted pipelines so they load without automl_nb installed.

The few classes of ours a pipeline may hold (featurization transformers and the value
readers they use, the torch MLP) are
pickled by value with cloudpickle, so ``pickle.load`` needs only scikit-learn, the learner's
own library and cloudpickle.

cloudpickle's by-value registry is one set for the whole process. Registering our modules
only around a dump, one dump at a time (:data:`_DUMP_LOCK`), keeps two runs in one kernel
from unregistering a module under each other's dump (which failed one of them with
"... is not registered for pickle by value", or pickled half the model by reference), and
leaves the registry as it was for any other cloudpickle user in between.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

_BY_VALUE = (
    "automl_nb.data.values",
    "automl_nb.featurize.transformers",
    "automl_nb.learners.torch_mlp",
    "automl_nb.stack_features",
)

#: one dump at a time in this process: the by-value registry is cloudpickle's global state
_DUMP_LOCK = threading.Lock()


def dump_pipeline(model: Any, file: Any) -> None:
    """Pickle ``model`` into ``file`` (streamed: no copy of a large model in memory)."""
    import cloudpickle

    with _DUMP_LOCK:
        registered = _registered(cloudpickle)
        ours = [sys.modules[m] for m in _BY_VALUE if m in sys.modules and m not in registered]
        for m in ours:
            cloudpickle.register_pickle_by_value(m)
        try:
            cloudpickle.dump(model, file)
        finally:
            for m in ours:  # only what we added: a registration of the user's stays
                try:
                    cloudpickle.unregister_pickle_by_value(m)
                except ValueError:  # someone else unregistered it meanwhile
                    pass


def _registered(cloudpickle: Any) -> set[str]:
    """Module names registered for pickling by value before we add ours."""
    listing = getattr(cloudpickle, "list_registry_pickle_by_value", None)
    return set(listing()) if listing is not None else set()


def load_pipeline(path: Any) -> Any:
    """Unpickle a model file (streamed, like :func:`dump_pipeline`)."""
    import pickle

    with open(path, "rb") as f:
        return pickle.load(f)
