"""Taking a finished run out of the notebook: readable code, a report, ONNX, MLflow, and
model files that load without running pickled code.

Each way out lives in its own module and imports its libraries on first use:

- :mod:`.code`: ``to_code`` — a standalone scikit-learn / LightGBM script;
- :mod:`.report`: ``write_report`` — one self-contained HTML file, or Markdown;
- :mod:`.onnx`: ``export_onnx`` — checked with onnxruntime (extra ``automl_nb[onnx]``);
- :mod:`.mlflow_log`: ``log_mlflow`` — a run in an MLflow store (extra ``automl_nb[mlflow]``);
- :mod:`.safe_files`: library versions beside the model, and the skops copy of it.

:class:`~.facade.ExportMethods` gives :class:`~automl_nb.AutoML` these as methods.
"""
