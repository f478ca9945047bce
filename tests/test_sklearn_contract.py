"""AutoML as a scikit-learn estimator: scikit-learn's own estimator checks on tiny searches,
and the helpers users reach for (cross_val_score, GridSearchCV, Pipeline, clone,
check_is_fitted) on scikit-learn's bundled data sets."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.exceptions import NotFittedError
from sklearn.metrics import mean_squared_error, roc_auc_score
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from sklearn.utils.validation import check_is_fitted

import automl_nb as an
from automl_nb.automl import AutoML

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _runs_in_tmp(tmp_path, monkeypatch):
    """Experiment folders (automl_nb_runs/ by default) go to a temporary directory."""
    monkeypatch.chdir(tmp_path)


# A trial limit ends each fit as soon as the dummy baseline and one linear trial are done (1-3 s);
# the budget only bounds it. The checks compare fits (same predictions twice, before and after
# pickling, accuracy), so the linear trial must finish on busy cores too: a 10 s bound.
CHECKED = dict(time_budget=10, max_trials=2, n_jobs=1, show=False, seed=0, allowed_learners=["linear"],
               ensemble=False)
# the helpers' tests assert what holds whatever model the budget allows (a dummy included)
TINY = dict(time_budget=5, max_trials=2, n_jobs=1, show=False, seed=0, allowed_learners=["linear"], ensemble=False)

#: checks that cannot pass, and why (xfail strict: a fix shows up as a failure to remove the entry)
EXPECTED_FAILED = {
    "check_fit2d_1feature": "10 rows whose rarer class has 3: plain 5-fold cross-validation leaves folds "
                            "without that class and roc_auc fails on every fold (data/validation.py)",
}


def _expected_failed(estimator):
    if estimator._estimator_type() == "regressor":
        return {}
    return {"check_fit2d_1feature": EXPECTED_FAILED["check_fit2d_1feature"]}  # task="auto" finds it binary


@parametrize_with_checks(
    [
        AutoML(task="multiclass", **CHECKED),  # two classes make it binary
        # r2: scikit-learn's regressor checks read score() as R² (the default rmse gives -rmse)
        AutoML(task="regression", metric="r2", **CHECKED),
        AutoML(**CHECKED),  # task="auto": neither kind before fit, so the API and generic checks
    ],
    expected_failed_checks=_expected_failed,
    xfail_strict=True,
)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


# ---- the helpers users reach for, on real data ---------------------------------------------------


def test_cross_val_score_gives_greater_is_better_scores():
    X, y = load_breast_cancer(return_X_y=True)
    # log loss is a loss: score() negates it, as scikit-learn's neg_log_loss scorer does
    aml = AutoML(time_budget=5, max_trials=3, n_jobs=1, show=False, seed=0, metric="log_loss")
    scores = cross_val_score(aml, X, y, cv=3)
    assert scores.shape == (3,) and np.all(np.isfinite(scores))
    assert np.all(scores < 0) and np.all(scores >= -np.log(2) - 0.05)  # the prior's log loss: 0.66


def test_grid_search_over_a_parameter():
    X, y = load_iris(return_X_y=True)
    search = GridSearchCV(AutoML(**{**TINY, "metric": "accuracy"}), {"seed": [0, 1]}, cv=2).fit(X, y)
    assert search.best_params_["seed"] in (0, 1) and 0 <= search.best_score_ <= 1
    assert is_classifier(search.best_estimator_) and search.predict(X[:5]).shape == (5,)


def test_pipeline_with_a_scaler_fits_and_predicts():
    X, y = load_iris(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    pipe = Pipeline([("scale", StandardScaler()), ("m", AutoML(**TINY))]).fit(X_tr, y_tr)
    assert set(pipe.predict(X_te)) <= {0, 1, 2}
    proba = pipe.predict_proba(X_te)
    assert proba.shape == (len(X_te), 3) and np.allclose(proba.sum(axis=1), 1)
    assert list(pipe.classes_) == [0, 1, 2]


def test_classifier_or_regressor_follows_the_task():
    assert is_classifier(AutoML(task="binary")) and is_classifier(AutoML(task="multiclass"))
    assert is_regressor(AutoML(task="regression")) and not is_classifier(AutoML(task="regression"))
    # a metric that only one kind has decides it too
    assert is_classifier(AutoML(metric="roc_auc")) and is_regressor(AutoML(metric="r2"))
    # task="auto": the target decides, at fit
    assert not is_classifier(AutoML()) and not is_regressor(AutoML())
    # forecasting is neither; invalid settings decide nothing (fit names them)
    fc = AutoML(time_column="date", horizon=7)
    assert not is_classifier(fc) and not is_regressor(fc) and not hasattr(fc, "predict_proba")
    assert not is_classifier(AutoML(task="nonsense"))
    assert not hasattr(AutoML(task="regression"), "predict_proba")
    assert hasattr(AutoML(), "predict_proba") and hasattr(AutoML(task="binary"), "predict_proba")


def test_fitted_state_and_the_scikit_learn_helpers():
    X, y = load_breast_cancer(return_X_y=True)
    aml = AutoML(**TINY)
    assert hasattr(aml, "classes_") is False
    with pytest.raises(NotFittedError):
        check_is_fitted(aml)
    with pytest.raises(NotFittedError):  # an.NotFittedError is scikit-learn's
        aml.predict(X)
    assert issubclass(an.NotFittedError, NotFittedError)
    params = aml.get_params()
    assert aml.fit(X, y) is aml
    assert aml.get_params() == params  # fit changes no parameter
    check_is_fitted(aml)
    assert is_classifier(aml) and list(aml.classes_) == [0, 1] and aml.n_features_in_ == 30
    # roc_auc is greater-is-better: score() is the metric itself
    assert aml.score(X, y) == pytest.approx(roc_auc_score(y, aml.predict_proba(X)[:, 1]))
    twin = clone(aml)
    assert twin.get_params() == params and not hasattr(twin, "classes_")
    with pytest.raises(NotFittedError):
        check_is_fitted(twin)
    restored = pickle.loads(pickle.dumps(aml))
    np.testing.assert_allclose(restored.predict_proba(X[:20]), aml.predict_proba(X[:20]))
    with pytest.raises(ValueError, match="X has 29 features, but AutoML is expecting 30"):
        aml.predict(X[:, 1:])


def test_regression_score_is_negated_rmse():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, random_state=0)
    aml = AutoML(**TINY)
    params = aml.get_params()
    aml.fit(X_tr, y_tr)
    assert aml.get_params() == params
    assert aml.metric_ == "rmse" and is_regressor(aml) and not is_classifier(aml)
    rmse = float(np.sqrt(mean_squared_error(y_te, aml.predict(X_te))))
    assert aml.score(X_te, y_te) == pytest.approx(-rmse, rel=1e-9)
    assert not hasattr(aml, "classes_") and not hasattr(aml, "predict_proba")
    assert list(aml.feature_names_in_) == list(X.columns)
    # an array gets the fitted columns' names by position
    np.testing.assert_allclose(aml.predict(X_te.to_numpy()), aml.predict(X_te))


def test_fit_in_a_notebook_shows_the_studio_and_leaves_show_alone(monkeypatch):
    import IPython.display

    import automl_nb.progress
    import automl_nb.widget

    class Studio:
        def wait(self, timeout=None):
            pass

    shown, progress_lines = [], []
    monkeypatch.setattr(automl_nb.widget, "live_notebook", lambda: True)
    monkeypatch.setattr(IPython.display, "display", shown.append)
    monkeypatch.setattr(AutoML, "studio", lambda self, target="": Studio())
    monkeypatch.setattr(automl_nb.progress, "attach_progress", lambda *args: progress_lines.append(args))
    # the settings as fit reads them: show stays True while fitting too
    read_show, config = [], AutoML.config
    monkeypatch.setattr(AutoML, "config", lambda self: read_show.append(self.show) or config(self))
    X, y = load_iris(return_X_y=True)
    aml = AutoML(**{**TINY, "show": True})
    params = aml.get_params()
    aml.fit(X, y)
    assert aml.get_params() == params and read_show and all(read_show)
    assert len(shown) == 1 and progress_lines == []  # the Studio replaces the progress line
