"""The export methods of :class:`~automl_nb.AutoML` (a mixin: each method checks that there
is something to export, then hands the experiment to the module that does the work)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from ..errors import NotFittedError


class ExportMethods:
    """``to_code``, ``report``, ``export_onnx`` and ``log_mlflow``."""

    def _exportable_experiment(self) -> Any:
        exp = self._require_experiment()  # type: ignore[attr-defined]
        run = getattr(self, "_run", None)
        if run is not None and not run.done():
            raise RuntimeError("the run is still going; wait() for it before exporting")
        if exp.outcome.model is None:
            raise NotFittedError("this run has no final model to export; fit() or resume() it first")
        return exp

    def to_code(self, path: str | Path | None = None, trial: int | None = None) -> str:
        """A standalone Python script (scikit-learn, LightGBM, pandas; no ``automl_nb``) that
        builds the final model, or the pipeline of finished trial ``trial`` refit on all rows,
        from scratch.

        The script defines ``build_model()`` (the unfitted model: the featurizer column by
        column, each learner's non-default arguments as the refit used them, the ensemble's
        weights, the class prior for log loss) and ``prepare(frame, target)`` (the training
        rows and columns, cast to the dtypes recorded in the script, since a CSV file loses
        them); run as a program, ``python script.py data.csv target model.joblib`` (CSV or
        Parquet) fits it and saves it. automl_nb's own transformers are carried as source.
        Fitted on the training data, it predicts as this model to 1e-6: every learner it
        exports is deterministic (dummy, linear, LightGBM, hist_gb, random forest, extra
        trees, kNN: ``random_state`` is the run's seed, LightGBM keeps the refit's ``n_jobs``).
        Forecasting: the global LightGBM and seasonal naive forecasters. What cannot be
        exported (the PyTorch MLP, statsmodels forecasters, Prophet, the TCN) raises
        ExportError naming it. Returns the script's text; writes it to ``path`` too (a new
        file) when given.
        """
        from .code import to_code

        exp = self._exportable_experiment()
        if path is not None:
            check_new(Path(path))  # before the work
        text = to_code(exp, trial)
        if path is not None:
            write_new(Path(path), text.encode())
        return text

    def report(self, path: str | Path) -> Path:
        """Write the run's report to the new file ``path``: self-contained HTML (``.html``,
        opens offline) or Markdown (``.md``). Data profile, guardrails, validation,
        featurization, every trial and why it was tried, the ensemble, explanations, test
        metrics (when ``test`` was called), library versions and the seed."""
        from .report import write_report

        exp = self._exportable_experiment()
        path = Path(path)
        if path.suffix.lower() not in (".html", ".htm", ".md"):
            raise ValueError(f"path {str(path)!r}: the report is written as .html or .md")
        check_new(path)
        return write_report(self, exp, path)

    def export_onnx(self, path: str | Path) -> Path:
        """Write the final model as ONNX to the new file ``path`` (extra ``automl_nb[onnx]``):
        one graph input per raw column, named as the column (float numbers, string categories
        and text with "" for missing, float64 seconds since 1970 for datetimes); outputs
        ``label`` and ``probabilities`` (one float tensor), or ``prediction``. Checked with
        onnxruntime on a sample of the training rows before the file is written; a step that
        does not convert raises :class:`~automl_nb.errors.ExportError` naming it and nothing
        is written. See :mod:`automl_nb.export.onnx` for the inputs in detail."""
        from .onnx import onnx_bytes

        exp = self._exportable_experiment()
        path = Path(path)
        check_new(path)
        return write_new(path, onnx_bytes(exp))

    def log_mlflow(self, experiment: str | None = None, tracking_uri: str | None = None) -> str:
        """Log the run to MLflow (extra ``automl_nb[mlflow]``): settings as params, scores as
        metrics, leaderboard, guardrails and report as artifacts, and the model (loadable
        with ``mlflow.pyfunc.load_model``; its URI is the run's tag ``automl_nb.model_uri``).
        Returns the MLflow run id.

        When an MLflow run is active (``mlflow.start_run()``), everything is logged into it and
        it stays open; otherwise a new run is started (in ``experiment``, created when missing;
        default: MLflow's current experiment) and ended. ``tracking_uri`` is used for this call
        only (default: MLflow's current one); a store that cannot be reached is a
        ``ConnectionError`` naming it, within seconds."""
        from .mlflow_log import log_mlflow

        exp = self._exportable_experiment()
        return log_mlflow(self, exp, experiment=experiment, tracking_uri=tracking_uri)


def check_new(path: Path) -> None:
    """Refuse a path that exists (nothing is overwritten) or whose folder does not."""
    if path.exists():
        raise FileExistsError(f"path {str(path)!r} already exists; choose a new file")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"path {str(path)!r}: the folder {str(path.parent)!r} does not exist")


def write_new(path: Path, data: bytes) -> Path:
    """Write ``data`` to the new file ``path`` whole or not at all (a temporary file renamed)."""
    check_new(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(3)}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
