"""The Studio's ``explanation`` trait (js/CONTRACT.md, "Explanations") on real data: the
payload built from a real :class:`~automl_nb.explain.Explanation`, and the widget's automatic
explanation after a run plus its ``explain`` messages (reslice without recomputing SHAP)."""

from __future__ import annotations

import json
import time

import pytest
from widget_helpers import send, until

import automl_nb as an
from automl_nb.studio import Studio
from automl_nb.widget.explanations import (
    MAX_BEESWARM_POINTS,
    TOP_BEESWARM,
    TOP_IMPORTANCE,
    TOP_WATERFALL,
    explanation_payload,
    normalized,
)

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")






SMALL = dict(time_budget=60, max_trials=2, allowed_learners=["lightgbm"], ensemble=False, seed=0)


@pytest.fixture(scope="module")
def credit_aml(credit, tmp_path_factory):
    aml = an.AutoML(**SMALL, show=False, folder=tmp_path_factory.mktemp("x") / "exp")
    return aml.fit(credit, "Status")


@pytest.fixture(scope="module")
def credit_exp(credit_aml):
    return credit_aml.explain()


def test_payload_follows_the_contract(credit_exp):
    e = credit_exp
    p = explanation_payload(e)
    json.dumps(p, allow_nan=False)  # JSON-safe: no NaN, no numpy
    assert p["explainer"] == e.explainer and p["note"] == e.note and p["trial_id"] is None
    assert p["n_rows"] == p["rows"] == e.n_rows
    assert p["class_name"] == e.class_name
    assert p["base_value"] == pytest.approx(e.base_value)
    assert p["space"] == "raw"

    raw, eng = p["importance"]["raw"], p["importance"]["engineered"]
    assert 0 < len(raw) <= TOP_IMPORTANCE and 0 < len(eng) <= TOP_IMPORTANCE
    assert [d["feature"] for d in raw] == list(e.importance["feature"].astype(str))[: len(raw)]
    assert all(a["importance"] >= b["importance"] for a, b in zip(raw, raw[1:]))
    assert set(raw[0]) == {"feature", "importance"}

    n_points = 0
    for space in ("raw", "engineered"):
        b = p["beeswarm"][space]
        assert 0 < len(b["features"]) <= TOP_BEESWARM
        assert {pt["feature"] for pt in b["points"]} <= set(b["features"])
        values = [pt["value"] for pt in b["points"] if pt["value"] is not None]
        assert values and all(0.0 <= v <= 1.0 for v in values)
        n_points += len(b["points"])
    assert 0 < n_points <= MAX_BEESWARM_POINTS

    d = p["dependence"]
    assert d["feature"] == raw[0]["feature"]
    assert len(d["x"]) == len(d["shap"]) > 0

    w = p["waterfall"]
    assert w["row"] == 0 and len(w["contributions"]) <= TOP_WATERFALL + 1
    assert all(isinstance(c["value"], str) for c in w["contributions"])
    shaps = [abs(c["shap"]) for c in w["contributions"][:TOP_WATERFALL]]
    assert shaps == sorted(shaps, reverse=True)
    if e.explainer in ("tree", "linear"):  # additive: base + ΣSHAP = output
        total = w["base_value"] + sum(c["shap"] for c in w["contributions"])
        assert total == pytest.approx(w["output"], abs=1e-4)


def test_payload_reslices_feature_row_and_space(credit_exp):
    e = credit_exp
    cat = next(c for c in e.data.columns if e.data[c].dtype == object and c in e.raw_values.columns)
    p = explanation_payload(e, feature=cat, row=10**6)
    assert p["dependence"]["feature"] == cat and p["dependence"]["categorical"] is True
    assert set(p["dependence"]["x"]) <= {*map(str, e.data[cat].dropna().unique()), None}
    assert p["waterfall"]["row"] == e.n_rows - 1  # clipped
    row = e.row(e.n_rows - 1)
    assert p["waterfall"]["contributions"][0]["feature"] == row["feature"].iloc[0]

    q = explanation_payload(e, space="engineered", feature="no such feature", row=3)
    names = set(map(str, e.values.columns))
    assert q["space"] == "engineered" and q["dependence"]["feature"] == q["importance"]["engineered"][0]["feature"]
    assert {c["feature"] for c in q["waterfall"]["contributions"]} - names <= {
        c["feature"] for c in q["waterfall"]["contributions"] if c["feature"].startswith("other features")
    }
    assert q["waterfall"]["row"] == 3


def test_normalized_values():
    import pandas as pd

    assert normalized(pd.Series(["a", "b"])) == [None, None]
    assert normalized(pd.Series([1.0, None, 3.0])) == [0.0, None, 1.0]
    assert normalized(pd.Series([True, False])) == [1.0, 0.0]
    assert normalized(pd.Series([5, 5])) == [0.5, 0.5]


def test_studio_explains_after_the_run_and_reslices_on_messages(credit, tmp_path, monkeypatch):
    s = Studio(credit, target="Status", folder=tmp_path, **SMALL)
    calls = []
    t_end = {}
    s.run()
    aml = s.automl
    real = aml.explain

    def counting(*args, **kwargs):
        calls.append(kwargs.get("trial"))
        return real(*args, **kwargs)

    monkeypatch.setattr(aml, "explain", counting)
    assert s.wait(120)
    t_end["t"] = time.monotonic()
    assert s.phase == "finished"
    p = until(lambda: s.explanation.get("importance") and s.explanation, 180)
    print(f"\nexplanation {time.monotonic() - t_end['t']:.1f} s after the run's final snapshot")
    assert calls == [None] and p["trial_id"] is None and "computing" not in p

    # feature, row, space: resliced from the cached Explanation
    feature = p["importance"]["raw"][1]["feature"]
    send(s, {"type": "explain", "feature": feature, "row": 7})
    until(lambda: s.explanation.get("waterfall", {}).get("row") == 7, 30)
    assert s.explanation["dependence"]["feature"] == feature
    send(s, {"type": "explain", "space": "engineered"})
    until(lambda: s.explanation.get("space") == "engineered", 30)
    assert s.explanation["waterfall"]["row"] == 7  # the view is kept
    assert calls == [None] and s.error == ""

    # another trial: SHAP recomputed once
    tid = next(iter(s._experiment.results))
    send(s, {"type": "explain", "trial_id": tid})
    until(lambda: s.explanation.get("trial_id") == tid and "computing" not in s.explanation, 180)
    assert calls == [None, tid]

    # refused requests say why and leave the explanation as it is
    before = dict(s.explanation)
    send(s, {"type": "explain", "space": "sideways"})
    assert "space" in s.error
    send(s, {"type": "explain", "trial_id": 10**6})
    assert "no finished trial" in s.error
    assert s.explanation == before
    s.close()


def test_explain_before_a_run_is_refused(credit):
    s = Studio(credit, target="Status")
    send(s, {"type": "explain"})
    assert "no model" in s.error and s.explanation == {}
    s.close()


def test_held_out_test_shows_in_the_details_panel(credit, tmp_path):
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(credit, test_size=0.25, random_state=0, stratify=credit["Status"])
    s = Studio(train, target="Status", time_budget=120, max_trials=3, folder=tmp_path)
    s.run()
    assert s.wait(120)
    report = s.test(test.drop(columns="Status"), test["Status"])
    assert report.metrics["roc_auc"] > 0.75
    assert s.trial_details["metrics"]["roc_auc"] == pytest.approx(report.metrics["roc_auc"])
    assert s.trial_details["plots"]["kind"] == "classification"
    assert "held-out test" in s.trial_details["learner"]
