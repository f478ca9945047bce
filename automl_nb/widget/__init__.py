"""The Studio widget: configure an experiment, run it, and watch it in the notebook.

``studio.py`` holds the anywidget class (traitlets + actions), ``bridge.py`` turns engine
events into throttled trait snapshots, ``plots.py`` computes evaluation plots from
out-of-fold predictions and ``static_html.py`` the summary shown without a live kernel.
The contract between the kernel and the browser is ``js/CONTRACT.md``.

Importing this package is cheap; anywidget is imported with ``studio.py``.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .studio import Studio  # noqa: F401

__all__ = ["Studio", "live_notebook"]


def live_notebook() -> bool:
    """True inside a running IPython kernel (a notebook) where the widget libraries import."""
    if "IPython" not in sys.modules:  # no IPython imported: certainly no kernel
        return False
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is None or "IPKernelApp" not in shell.config:
            return False
        import anywidget  # noqa: F401
        import ipywidgets  # noqa: F401
    except Exception:
        return False
    return True


def __getattr__(name: str) -> Any:
    if name == "Studio":
        from .studio import Studio

        return Studio
    raise AttributeError(f"module 'automl_nb.widget' has no attribute {name!r}")
