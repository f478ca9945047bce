"""Your own featurization: column_kinds, column_transformers, featurization="off"."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import KBinsDiscretizer

import automl_nb as an
from automl_nb.errors import ConfigError, DataError


@pytest.fixture(scope="module")
def overridden(carseats, tmp_path_factory):
    """Carseats with Education (9 integer levels, profiled numeric) read as categorical and
    Price binned by a transformer of yours."""
    folder = tmp_path_factory.mktemp("overrides") / "run"
    aml = an.AutoML(max_trials=2, seed=0, n_jobs=2, show=False, folder=str(folder),
                    column_kinds={"Education": "categorical"},
                    column_transformers={"Price": KBinsDiscretizer(n_bins=4, encode="onehot-dense",
                                                                   quantile_method="averaged_inverted_cdf")})
    return aml.fit(carseats, "Sales")


def test_column_kinds_turns_a_numeric_code_into_a_one_hot_categorical(overridden):
    profile = overridden.profile().set_index("column")
    assert profile.loc["Education", "kind"] == "categorical"
    assert profile.loc["Education", "evidence"].startswith("set by you: column_kinds='categorical' (detected: numeric")
    summary = overridden.featurization_summary(family="linear").set_index("raw_column")
    education = summary.loc["Education"]
    assert "one-hot" in education.steps and education.set_by_you
    assert sorted(education.engineered_features) == sorted(f"Education={v}" for v in range(10, 19))
    assert not summary.loc["Age", "set_by_you"] and summary.loc["Age", "engineered_features"] == ["Age"]


def test_column_transformer_gives_the_column_its_features_in_every_family(overridden, carseats):
    for family in ("gbm", "linear"):
        price = overridden.featurization_summary(family=family).set_index("raw_column").loc["Price"]
        assert price.steps == "yours (set by you): KBinsDiscretizer" and price.set_by_you
        assert price.engineered_features == [f"Price__Price_{i}.0" for i in range(4)]
    assert "column_transformers gives it KBinsDiscretizer" in overridden.profile().set_index("column").loc["Price", "evidence"]
    X = carseats.drop(columns="Sales")
    assert np.isfinite(overridden.predict(X.head(5))).all()
    code = overridden.to_code()
    assert "class YourTransformer" in code and "KBinsDiscretizer(" in code
    assert an.load(overridden.folder_, show=False).column_transformers["Price"].n_bins == 4


def test_studio_data_records_mark_the_columns_you_set(overridden, carseats):
    from automl_nb.widget.records import data_info

    info = data_info(carseats.drop(columns="Sales"), overridden.experiment_.profile)
    marked = {c["name"] for c in info["columns"] if c["set_by_you"]}
    assert marked == {"Education", "Price"}


def test_featurization_off_passes_a_numeric_frame_as_it_is(tmp_path):
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X = X.iloc[:250, :6].assign(flag=X["mean radius"].iloc[:250] > 14)
    aml = an.AutoML(featurization="off", max_trials=2, n_jobs=1, show=False, folder=str(tmp_path / "off"))
    aml.fit(X, y.iloc[:250])
    summary = aml.featurization_summary(family="gbm").set_index("raw_column")
    assert summary.set_by_you.all() and (summary.kind == "numeric").all()
    assert summary.loc["flag", "engineered_features"] == ["flag"]  # a boolean, as a number
    assert aml.predict(X.head(3)).shape == (3,)


def test_featurization_off_names_the_columns_that_are_not_numeric(credit, tmp_path):
    folder = tmp_path / "never"
    with pytest.raises(DataError, match=r"featurization='off' needs numeric or boolean columns, but 4 are not: "
                                        r"'Home' \(.*\), 'Marital'") as info:
        an.AutoML(featurization="off", show=False, folder=str(folder)).fit(credit, "Status")
    assert info.value.field == "featurization" and not folder.exists()


@pytest.mark.parametrize(("settings", "error", "message"), [
    ({"column_kinds": {"Zip": "categorical"}}, DataError, r"column_kinds names columns that are not in X: \['Zip'\]"),
    ({"column_kinds": {"Age": "ordinal"}}, ConfigError, r"column_kinds\['Age'\] = 'ordinal' is not a kind; choose one of: numeric"),
    ({"column_transformers": {"Age": KBinsDiscretizer}}, ConfigError, r"give a transformer instance, KBinsDiscretizer\(...\)"),
    ({"column_transformers": {"Age": object()}}, ConfigError, r"object is not a scikit-learn transformer"),
    ({"featurization": "none"}, ConfigError, r"featurization='none' is not valid; choose 'auto' or 'off'"),
])
def test_bad_featurization_settings_are_refused_before_any_work(settings, error, message, carseats, tmp_path):
    folder = tmp_path / "never"
    with pytest.raises(error, match=message):
        an.AutoML(show=False, folder=str(folder), **settings).fit(carseats, "Sales")
    assert not folder.exists()


def test_the_stored_settings_describe_your_transformers_in_words(overridden):
    stored = overridden.experiment_.config.to_dict()
    assert stored["column_kinds"] == {"Education": "categorical"}
    assert stored["column_transformers"]["Price"].startswith("KBinsDiscretizer(")
    assert isinstance(pd.Series(stored).to_json(), str)
