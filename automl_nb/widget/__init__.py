"""The Studio widget: configure an experiment, run it, and watch it in the notebook.

- ``view.py``: ``StudioView``, the anywidget (traitlets + actions) that follows an
  experiment — what ``AutoML.fit``/``studio()`` show.
- ``form.py``: the settings form (fields, checks, choices); ``checks.py``: the data checks
  before a run; ``jobs.py``: trial details, explanations and the forecast panel in
  background threads.
- ``bridge.py``: engine events → throttled trait snapshots; ``records.py``,
  ``explanations.py`` and ``plots.py``: the JSON-safe records they send.
- ``static_html.py``: the summary shown without a live kernel.

The ``Studio`` (:mod:`automl_nb.studio`: the view plus a DataFrame, the settings form and
Run) starts runs through the facade, so it sits above this package: nothing here imports
the facade, which imports this package. The contract between the kernel and the browser
is ``js/CONTRACT.md``.

Importing this package is cheap and imports none of its modules: ``live_notebook`` (which
the facade asks before showing a widget) is here; anywidget is imported with ``view.py``.
"""

from __future__ import annotations

import sys

__all__ = ["live_notebook"]


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

