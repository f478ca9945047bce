"""Bad input: a clear error naming the argument or column, before any work, nothing written."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import automl_nb as an


def _fit(folder, X, y="Status", **kw):
    aml = an.AutoML(time_budget=5, folder=folder, show=False, **kw)
    try:
        aml.fit(X, y)
    finally:
        assert not folder.exists(), "nothing may be written for bad input"


def test_missing_target_column_is_named(credit, folder):
    with pytest.raises(ValueError, match="'Outcome' is not in X"):
        _fit(folder, credit, "Outcome")


def test_empty_frame_is_refused(credit, folder):
    with pytest.raises(ValueError, match="empty"):
        _fit(folder, credit.iloc[:0])


def test_target_with_one_class_is_refused(credit, folder):
    df = credit[credit["Status"] == "good"]
    with pytest.raises(ValueError, match="only one class"):
        _fit(folder, df)


def test_numeric_target_with_one_value_is_refused(carseats, folder):
    with pytest.raises(ValueError, match="single value"):
        _fit(folder, carseats.assign(Sales=1.5), "Sales")


def test_target_all_missing_is_refused(credit, folder):
    df = credit.assign(Status=np.nan)
    with pytest.raises(ValueError, match="missing in every row"):
        _fit(folder, df)


def test_regression_target_must_be_numeric(credit, folder):
    with pytest.raises(ValueError, match="not numeric"):
        _fit(folder, credit, task="regression")


def test_duplicate_column_names_are_named(credit, folder):
    df = credit.copy()
    df.columns = [*df.columns[:-1], "Amount"]
    with pytest.raises(ValueError, match=r"duplicate column names \['Amount'\]"):
        _fit(folder, df)


def test_non_positive_budget_is_refused(credit, folder):
    for budget in (0, -5, float("nan"), "60"):
        with pytest.raises(ValueError, match="time_budget"):
            an.AutoML(time_budget=budget, folder=folder).fit(credit, "Status")
        assert not folder.exists()


def test_unknown_metric_and_learner_list_valid_names(credit, folder):
    with pytest.raises(ValueError, match="valid metrics: auto, roc_auc"):
        _fit(folder, credit, metric="auroc")
    with pytest.raises(ValueError, match="valid learners: dummy, linear, lightgbm"):
        _fit(folder, credit, allowed_learners=["lightgbm", "xgboost"])
    with pytest.raises(ValueError, match="does not apply"):
        _fit(folder, credit, metric="rmse", task="binary")


def test_validation_data_with_other_columns_is_named(credit, folder):
    val = credit.drop(columns=["Income"]).assign(Extra=1)
    with pytest.raises(ValueError, match=r"missing \['Income'\], extra \['Extra'\]"):
        _fit(folder, credit, validation_data=(val, "Status"))


def test_drop_columns_must_exist(credit, folder):
    with pytest.raises(ValueError, match=r"drop_columns names columns that are not in X: \['Nope'\]"):
        _fit(folder, credit, drop_columns=["Nope"])


def test_existing_experiment_folder_is_not_overwritten(carseats, folder):
    an.AutoML(time_budget=4, max_trials=2, folder=folder, show=False).fit(carseats, "Sales")
    before = sorted(p.name for p in folder.iterdir())
    with pytest.raises(FileExistsError, match="already holds an experiment"):
        an.AutoML(time_budget=4, folder=folder, show=False).fit(carseats, "Sales")
    assert sorted(p.name for p in folder.iterdir()) == before


@pytest.mark.slow
def test_infinite_values_are_replaced_and_reported(carseats, folder):
    df = carseats.copy()
    df["Price"] = df["Price"].astype(float)
    df.loc[:9, "Price"] = np.inf
    aml = an.AutoML(time_budget=5, max_trials=3, folder=folder, show=False).fit(df, "Sales")
    g = aml.guardrails().set_index("check")
    assert g.loc["infinite_values", "status"] == "fixed"
    assert "Price" in g.loc["infinite_values", "message"]
    assert np.isfinite(aml.predict(df.drop(columns="Sales").head(12))).all()


@pytest.mark.slow
def test_rows_with_missing_target_are_dropped_with_a_guardrail(carseats, folder):
    df = carseats.copy()
    df.loc[:6, "Sales"] = np.nan
    aml = an.AutoML(time_budget=5, max_trials=3, folder=folder, show=False).fit(df, "Sales")
    g = aml.guardrails().set_index("check")
    assert g.loc["missing_target", "status"] == "fixed"
    assert "7" in g.loc["missing_target", "message"]


def test_predict_names_missing_columns(carseats, folder):
    aml = an.AutoML(time_budget=4, max_trials=2, folder=folder, show=False).fit(carseats, "Sales")
    with pytest.raises(ValueError, match=r"lacks columns the model was trained on: \['Price'\]"):
        aml.predict(carseats.drop(columns=["Sales", "Price"]))
    with pytest.raises(ValueError, match="empty"):
        aml.predict(carseats.iloc[:0])


def test_unfitted_automl_says_so(folder):
    with pytest.raises(an.NotFittedError, match="fit"):
        an.AutoML().leaderboard()
    aml = an.AutoML(show=False, folder=folder)
    with pytest.raises(ValueError, match="must be a pandas DataFrame"):
        aml.fit("data.csv", [1])
    # the failed fit left nothing behind: still unfitted, no experiment folder
    assert not folder.exists()
    with pytest.raises(an.NotFittedError, match="fit"):
        aml.predict(pd.DataFrame({"a": [1]}))
