"""Saving fitted pipelines so they load without automl_nb installed.

The few classes of ours a pipeline may hold (featurization transformers and the value
readers they use, the torch MLP) are
pickled by value with cloudpickle, so ``pickle.load`` needs only scikit-learn, the learner's
own library and cloudpickle.
"""

from __future__ import annotations

import sys
from typing import Any

_BY_VALUE = (
    "automl_nb.data.values",
    "automl_nb.featurize.transformers",
    "automl_nb.learners.torch_mlp",
)


def dump_pipeline(model: Any, file: Any) -> None:
    """Pickle ``model`` into ``file`` (streamed: no copy of a large model in memory)."""
    import cloudpickle

    modules = [sys.modules[m] for m in _BY_VALUE if m in sys.modules]
    for m in modules:
        cloudpickle.register_pickle_by_value(m)
    try:
        cloudpickle.dump(model, file)
    finally:
        for m in modules:
            cloudpickle.unregister_pickle_by_value(m)


def load_pipeline(path: Any) -> Any:
    """Unpickle a model file (streamed, like :func:`dump_pipeline`)."""
    import pickle

    with open(path, "rb") as f:
        return pickle.load(f)
