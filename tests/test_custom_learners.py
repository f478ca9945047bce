"""Your own learner (``an.Learner``): searched in the workers, in the ensemble, explained,
exported and restored; bad learners refused before any trial."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.svm import SVC, SVR

import automl_nb as an
from automl_nb.errors import ConfigError, ExportError


@pytest.fixture(scope="module")
def cancer() -> tuple[pd.DataFrame, pd.Series]:
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X = X.rename(columns=lambda c: c.replace(" ", "_"))  # export_onnx's inputs are named without spaces
    return X.iloc[:300, :8], y.iloc[:300]


@pytest.fixture(scope="module")
def svc_run(cancer, tmp_path_factory):
    X, y = cancer
    folder = tmp_path_factory.mktemp("custom") / "svc"
    space = {"C": an.log_uniform(1e-3, 1e3), "kernel": an.choice(["rbf", "linear"])}
    aml = an.AutoML(max_trials=6, seed=0, n_jobs=2, show=False, folder=str(folder), allowed_learners=["svc"],
                    learners={"svc": an.Learner(SVC(probability=True), space=space)})
    return aml.fit(X, y)


def test_custom_learner_tries_its_default_first_then_samples_inside_its_space(svc_run):
    svc = sorted((r for r in svc_run.experiment_.results.values() if r.learner == "svc"), key=lambda r: r.trial_id)
    assert len(svc) >= 4 and all(r.ok for r in svc)
    assert svc[0].params == {"C": 1.0, "kernel": "rbf"} and svc[0].phase == "portfolio"  # SVC's own values
    searched = [r.params for r in svc[1:]]
    assert all(1e-3 <= p["C"] <= 1e3 and p["kernel"] in ("rbf", "linear") for p in searched)
    assert len({p["C"] for p in searched}) == len(searched)


def test_custom_learner_joins_the_final_model_predicts_and_is_explained(svc_run, cancer):
    X, y = cancer
    members = {svc_run.experiment_.results[t].learner for t in svc_run.ensemble_}
    assert "svc" in members
    assert svc_run.score(X, y) > 0.9
    explanation = svc_run.explain(max_rows=15)
    assert explanation.explainer == "permutation" and explanation.raw_values.shape == (15, X.shape[1])


def test_custom_learner_is_written_as_code_with_its_import_and_parameters(svc_run, cancer):
    X, y = cancer
    tid = max((r for r in svc_run.experiment_.results.values() if r.learner == "svc" and r.ok),
              key=lambda r: r.score).trial_id
    code = svc_run.to_code(trial=tid)
    assert "from sklearn.svm import SVC" in code and "probability=True" in code
    namespace: dict = {"__name__": "exported"}
    exec(compile(code, "exported.py", "exec"), namespace)
    model = namespace["build_model"]().fit(X, y)
    r = svc_run.experiment_.results[tid]
    ours = svc_run.experiment_.data.refit("svc", r.refit_params or r.params)
    np.testing.assert_allclose(model.predict_proba(X)[:, 1], ours.predict_proba(X)[:, 1], atol=1e-6)


def test_custom_learner_is_restored_by_load_and_described_with_trusted_false(svc_run, cancer):
    X, _ = cancer
    expected = svc_run.predict_proba(X.head(20))
    restored = an.load(svc_run.folder_, show=False)
    assert isinstance(restored.learners["svc"], an.Learner)
    assert restored.learners["svc"].space["C"] == an.log_uniform(1e-3, 1e3)
    np.testing.assert_allclose(restored.predict_proba(X.head(20)), expected)
    untrusted = an.load(svc_run.folder_, show=False, trusted=False)  # SVC is scikit-learn's: skops takes it
    np.testing.assert_allclose(untrusted.predict_proba(X.head(20)), expected)
    described = untrusted.learners["svc"]
    assert described["estimator"] == "SVC(probability=True)" and described["space"]["C"] == "log_uniform(0.001, 1000.0)"
    with pytest.raises(ConfigError, match=r"learners\['svc'\] is only a description"):
        untrusted.config()


def test_custom_learner_exports_to_onnx_when_skl2onnx_converts_it(svc_run, cancer, tmp_path):
    pytest.importorskip("onnxruntime")
    X, _ = cancer
    path = svc_run.export_onnx(tmp_path / "model.onnx")
    import onnxruntime as ort

    from automl_nb.export.onnx import graph_inputs, onnx_feed

    exp = svc_run.experiment_
    session = ort.InferenceSession(str(path))
    inputs = graph_inputs(exp.profile, exp.prepared.X, svc_run.best_pipeline_)
    out = session.run(None, onnx_feed(X.head(20), inputs))
    proba = next(o for o in out if np.ndim(o) == 2)
    np.testing.assert_allclose(proba, svc_run.predict_proba(X.head(20)), atol=1e-3)


# ---- a learner defined in the notebook -------------------------------------------------------


#: a notebook cell: its classes and their methods belong to ``__main__``, which the workers lack
NOTEBOOK_CELL = """
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression


class Shrunk(ClassifierMixin, BaseEstimator):
    def __init__(self, C=1.0):
        self.C = C

    def fit(self, X, y):
        self.model_ = LogisticRegression(C=self.C, max_iter=300).fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(X)

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


class Broken(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        raise RuntimeError("broken on purpose")

    def predict_proba(self, X):
        return None
"""


@pytest.fixture
def notebook(monkeypatch):
    """The classes of :data:`NOTEBOOK_CELL`, run as a notebook runs it (in ``__main__``)."""
    namespace = {"__name__": "__main__"}
    exec(compile(NOTEBOOK_CELL, "<cell>", "exec"), namespace)
    for name in ("Shrunk", "Broken"):
        monkeypatch.setattr(sys.modules["__main__"], name, namespace[name], raising=False)
    return namespace


def test_notebook_learner_runs_in_workers_a_failing_one_leaves_failed_rows_and_to_code_refuses(notebook, tmp_path):
    X, y = load_iris(return_X_y=True, as_frame=True)
    aml = an.AutoML(max_trials=6, seed=0, n_jobs=2, show=False, folder=str(tmp_path / "nb"),
                    allowed_learners=["mine", "broken"],
                    learners={"mine": an.Learner(notebook["Shrunk"](), space={"C": an.log_uniform(1e-2, 1e2)}),
                              "broken": an.Learner(notebook["Broken"]())})
    aml.fit(X, y)
    lb = aml.leaderboard()
    mine, broken = lb[lb.learner == "mine"], lb[lb.learner == "broken"]
    assert (mine.status == "ok").sum() >= 3 and aml.experiment_.status == "finished"
    assert (broken.status == "failed").all() and broken.error.str.contains("broken on purpose").all()
    assert (aml.predict(X) == y).mean() > 0.9
    with pytest.raises(ExportError, match=r"Shrunk is defined in a notebook or script \(__main__\)"):
        aml.to_code()


# ---- bad learners: a clear error before any trial --------------------------------------------


class Unpicklable(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):  # pragma: no cover - refused before
        return self

    def predict_proba(self, X):  # pragma: no cover
        return None

    def __reduce_ex__(self, protocol):
        raise TypeError("it holds a live database connection")


class Doubling(ClassifierMixin, BaseEstimator):
    def __init__(self, C: float = 1.0) -> None:
        self.C = C * 2  # changes its argument: clone refuses it

    def fit(self, X, y):  # pragma: no cover - refused before
        return self


@pytest.mark.parametrize(("learner", "message"), [
    (an.Learner(Unpicklable()), r"Unpicklable cannot be pickled .*live database connection"),
    (an.Learner(object()), r"object is not a scikit-learn estimator \(it has no fit, get_params, set_params\)"),
    (an.Learner(SVC), r"give an estimator instance, SVC\(...\), not the class"),
    (an.Learner(Doubling()), r"sklearn.base.clone\(Doubling\(...\)\) fails"),
    (an.Learner(SVC(probability=True), space={"C2": an.uniform(1, 2)}), r"space\['C2'\]: SVC has no parameter 'C2'"),
    (an.Learner(SVC(probability=True), space={"C": [0.1, 1, 10]}), r"space\['C'\] = \[0.1, 1, 10\] is not a distribution"),
    (an.Learner(SVC(probability=True), space={"C": an.log_uniform("a", 1)}), r"the bounds must be finite numbers"),
    (an.Learner(SVC(probability=True), space={"C": an.uniform(2, 1)}), r"uniform\(2, 1\): lo must be below hi"),
    (an.Learner(SVC(probability=True), space={"C": an.log_uniform(0, 1)}), r"a log scale needs lo > 0"),
    (an.Learner(SVC(probability=True), space={"degree": an.int_uniform(1.5, 3)}), r"finite integers"),
    (an.Learner(SVC(probability=True), space={"kernel": an.choice([])}), r"non-empty list of options"),
    (an.Learner(SVC(probability=True), family="forest"), r"family='forest' does not exist"),
])
def test_a_bad_learner_is_refused_naming_it_before_any_trial(learner, message, cancer, tmp_path):
    X, y = cancer
    folder = tmp_path / "never"
    with pytest.raises(ConfigError, match=r"learners\['svc'\]: .*" + message) as info:
        an.AutoML(learners={"svc": learner}, max_trials=3, show=False, folder=str(folder)).fit(X, y)
    assert info.value.field == "learners" and not folder.exists()


def test_a_learner_named_as_a_built_in_one_is_refused(cancer):
    X, y = cancer
    with pytest.raises(ConfigError, match=r"learners\['lightgbm'\]: 'lightgbm' is a built-in learner"):
        an.AutoML(learners={"lightgbm": an.Learner(SVC(probability=True))}, show=False).fit(X, y)


@pytest.mark.parametrize(("learner", "message"), [
    (SVC(), r"SVC has no predict_proba, which a classification run needs"),
    (SVR(), r"SVR serves regression, but this task is binary"),
])
def test_a_learner_that_cannot_serve_the_task_is_refused_once_the_task_is_known(learner, message, cancer, tmp_path):
    X, y = cancer
    folder = tmp_path / "never"
    with pytest.raises(ConfigError, match=r"learners\['mine'\]: " + message):
        an.AutoML(learners={"mine": an.Learner(learner)}, show=False, folder=str(folder)).fit(X, y)
    assert not folder.exists()


def test_automl_with_learners_keeps_the_estimator_contract():
    learners = {"svc": an.Learner(SVC(probability=True), space={"C": an.log_uniform(1e-2, 1e2)})}
    aml = an.AutoML(learners=learners, allowed_learners=["svc"])
    copy = clone(aml)
    assert copy.get_params()["learners"]["svc"].space == learners["svc"].space
    assert copy.config().learners["svc"].estimator.probability is True
    assert aml.config().to_dict()["learners"]["svc"]["class"] == "sklearn.svm._classes.SVC"
