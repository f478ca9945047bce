"""Input beyond pandas: polars and pyarrow tables go through the same checks and messages,
converted once at the boundary, and give the same model as the pandas frame."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import automl_nb as an
from automl_nb.data.prepare import DataError

pl = pytest.importorskip("polars")
pa = pytest.importorskip("pyarrow")


def _same_fit(df: pd.DataFrame, table, target, folder, **kw) -> tuple[an.AutoML, an.AutoML]:
    """The same seeded, trial-limited run on the pandas frame and on the other table."""
    settings = dict(time_budget=30, max_trials=5, seed=0, n_jobs=1, show=False, **kw)
    a = an.AutoML(folder=folder / "pandas", **settings).fit(df, target)
    b = an.AutoML(folder=folder / "other", **settings).fit(table, target)
    return a, b


@pytest.mark.slow
def test_a_polars_frame_gives_the_model_a_pandas_frame_gives(penguins, tmp_path):
    table = pl.from_pandas(penguins)
    a, b = _same_fit(penguins, table, "species", tmp_path)
    assert b.task_ == a.task_ == "multiclass"
    assert list(b.classes_) == list(a.classes_) == ["Adelie", "Chinstrap", "Gentoo"]
    la, lb = a.leaderboard(), b.leaderboard()
    assert list(lb["learner"]) == list(la["learner"])
    np.testing.assert_allclose(lb[b.metric_].to_numpy(float), la[a.metric_].to_numpy(float), rtol=1e-6)
    # prediction takes polars too, and a polars Series as y for score
    X_new = table.drop("species").head(20)
    np.testing.assert_array_equal(b.predict(X_new), a.predict(penguins.drop(columns="species").head(20)))
    assert np.isfinite(b.score(table.drop("species"), table["species"]))


@pytest.mark.slow
def test_a_pyarrow_table_with_a_separate_target_column(carseats, tmp_path):
    X, y = carseats.drop(columns="Sales"), carseats["Sales"]
    settings = dict(time_budget=30, max_trials=4, seed=0, n_jobs=1, show=False)
    a = an.AutoML(folder=tmp_path / "pandas", **settings).fit(X, y)
    b = an.AutoML(folder=tmp_path / "arrow", **settings).fit(pa.Table.from_pandas(X, preserve_index=False),
                                                               pa.chunked_array([y.to_numpy()]))
    assert b.task_ == "regression"
    assert b.profile().set_index("column").loc["ShelveLoc", "kind"] == "categorical"
    np.testing.assert_allclose(b.leaderboard()["rmse"].to_numpy(float), a.leaderboard()["rmse"].to_numpy(float),
                               rtol=1e-6)
    np.testing.assert_allclose(b.predict(pa.Table.from_pandas(X.head(5), preserve_index=False)),
                               a.predict(X.head(5)))


def test_bad_polars_input_gets_the_same_messages_as_pandas():
    df = pl.DataFrame({"a": [1, 2, 3, 4], "y": [0, 1, 0, 1]})
    with pytest.raises(DataError, match="target column 'nope' is not in X"):
        an.AutoML(show=False).fit(df, "nope")
    with pytest.raises(DataError, match="y has 3 values but X has 4 rows"):
        an.AutoML(show=False).fit(df.drop("y"), pl.Series("y", [0, 1, 0]))
    with pytest.raises(DataError, match="X is empty"):
        an.AutoML(show=False).fit(df.head(0), "y")
    with pytest.raises(DataError, match="lazy frame.*collect"):
        an.AutoML(show=False).fit(df.lazy(), "y")
    with pytest.raises(DataError, match="must be a pandas DataFrame .*polars / pyarrow.*got str"):
        an.AutoML(show=False).fit("data.csv", [1])


def test_the_studio_takes_a_polars_frame(credit):
    studio = an.Studio(pl.from_pandas(credit.head(300)), target="Status")
    assert studio.error == ""
    assert studio.data_info["n_rows"] == 300
    assert studio.choices["inferred_task"] == "binary"
    with pytest.raises(DataError, match="Studio needs a pandas DataFrame"):
        an.Studio([[1, 2], [3, 4]])
