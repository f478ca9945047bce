"""The Studio's Stability panel on the kernel side (no browser): the ``reliability`` message
runs ``aml.stability`` and ``aml.learning_curve`` in the background and fills the trait; a view
of an AutoML that already holds records shows them; the static HTML and the run report draw
the records; the leaderboard rows carry the chance-best value."""

from __future__ import annotations

import re
import threading

import pytest
from widget_helpers import send, until

import automl_nb as an
from automl_nb.export import report_content, report_html, report_markdown
from automl_nb.widget import static_html

#: records of the shapes in automl_nb/reliability/__init__.py, written by hand
STABILITY = {
    "mode": "retrain", "n": 5, "metric": "roc_auc", "greater_is_better": True, "mean": 0.84,
    "interval": [0.82, 0.86], "verdict": "The score holds <well>: 0.84 on 5 splits.", "win_rate": 0.8,
    "models": [{"label": "lightgbm (trial 3)", "trial_id": 3, "scores": [0.83, 0.85, 0.84, 0.86, 0.82]},
               {"label": "linear (trial 1)", "trial_id": 1, "scores": [0.8, 0.81, None, 0.83, 0.79]}],
    "seconds": 4.2,
}
CURVE = {
    "metric": "roc_auc", "greater_is_better": True, "verdict": "More rows would likely help.", "slope": 0.02,
    "points": [{"fraction": f, "n_rows": int(2000 * f), "mean": 0.7 + 0.1 * f, "std": 0.02,
                "scores": [0.69 + 0.1 * f, 0.71 + 0.1 * f]} for f in (0.1, 0.25, 0.5, 1.0)],
    "seconds": 3.0,
}


def working_threads() -> int:
    return sum(t.name == "automl_nb-studio-reliability" for t in threading.enumerate())


@pytest.fixture(scope="module")
def aml(credit, tmp_path_factory):
    df = credit.sample(500, random_state=0)
    # one final model (no ensemble): its refits are what the checks spend their time on
    return an.AutoML(time_budget=60, max_trials=4, allowed_learners=["lightgbm", "linear"], seed=0, show=False,
                     ensemble=False, folder=str(tmp_path_factory.mktemp("stab") / "run")).fit(df, "Status")


def test_the_message_runs_both_checks_in_the_background_and_fills_the_panel(aml):
    view = aml.studio()
    assert view.wait(30)
    assert view.reliability == {}  # nothing checked yet
    rows = [r for r in view.leaderboard if r["trial_id"] is not None and r["rank"] is not None]
    assert rows and all("p_best" in r for r in rows)
    assert sum(r["p_best"] or 0 for r in rows) == pytest.approx(1.0, abs=0.02)

    send(view, {"type": "reliability"})
    assert view.reliability["state"] == "working" and "splits" in view.reliability["message"]
    send(view, {"type": "reliability"})  # a second click while working is ignored
    assert working_threads() <= 1 and view.error == ""
    until(lambda: view.reliability["state"] != "working", timeout=300, step=0.2)

    rel = view.reliability
    assert rel["state"] == "idle", rel["message"]
    st, lc = rel["stability"], rel["learning_curve"]
    assert st == aml.experiment_.reliability["stability"] and lc == aml.experiment_.reliability["learning_curve"]
    assert st["n"] == 5 and len(st["models"][0]["scores"]) == 5 and st["verdict"]
    assert st["interval"][0] <= st["mean"] <= st["interval"][1]
    assert len(lc["points"]) >= 2 and lc["verdict"]

    html = view.static_html()
    assert html.count("<svg") == 2 and st["verdict"][:30] in html.replace("&#x27;", "'")


def test_a_view_opened_after_the_checks_shows_their_records(aml):
    if "stability" not in aml.experiment_.reliability:
        aml.stability(n=3)
    view = aml.studio()
    assert view.wait(30)
    assert view.reliability["stability"] == aml.experiment_.reliability["stability"]
    assert view.reliability["state"] == "idle"


def test_without_a_final_model_the_panel_says_why(aml):
    view = an.widget.view.StudioView.for_experiment(aml.experiment_, automl=None)
    send(view, {"type": "reliability"})
    assert view.reliability["state"] == "failed" and "no model yet" in view.reliability["message"]
    assert view.error == ""


def test_a_check_that_does_not_apply_says_why_in_the_panel(air_forecast_run):
    aml = air_forecast_run  # tests/conftest.py; both checks refuse before any work
    view = aml.studio()
    assert view.wait(30)
    send(view, {"type": "reliability"})
    until(lambda: view.reliability["state"] != "working", timeout=60)
    rel = view.reliability
    assert rel["state"] == "failed" and rel["stability"] is None and rel["learning_curve"] is None
    # each check's reason, said once per distinct error
    assert rel["message"].startswith("stability: ValueError: ") and "; learning curve: ValueError: " in rel["message"]
    assert rel["message"].count("not available for forecasting") == 2
    assert view.error == ""


def test_static_html_draws_the_records_with_their_verdicts():
    html = static_html.render({"phase": "finished", "reliability": {
        "stability": STABILITY, "learning_curve": CURVE, "state": "idle", "message": ""}})
    assert html.count("<svg") == 2
    assert "The score holds &lt;well&gt;: 0.84 on 5 splits." in html  # escaped
    assert "More rows would likely help." in html
    strip = html[html.index("<svg"):html.index("</svg>")]
    assert strip.count("<circle") == 9  # a dot per finite split score
    assert "roc_auc → better" in strip
    assert "training rows (log scale)" in html
    assert "<script" not in html
    rows = [{"rank": 1, "learner": "lightgbm", "score": 0.84, "trial_id": 3, "p_best": 0.4567},
            {"rank": None, "learner": "ensemble", "score": 0.85, "trial_id": None, "p_best": None}]
    table = static_html.render({"leaderboard": rows})
    assert "<th" in table and "P(best)</th>" in table and "45.7%" in table
    assert "P(best)" not in static_html.render({"leaderboard": [{**rows[0], "p_best": None}]})
    # nothing checked, a malformed record: no section, no exception
    assert "<svg" not in static_html.render({"reliability": {}})
    static_html.render({"reliability": {"stability": {"models": "x", "verdict": "v"}, "learning_curve": {"points": 3}}})


def test_the_report_has_a_stability_section_when_the_experiment_holds_records(aml):
    exp = aml.experiment_
    board = report_content.leaderboard_section(aml, exp).blocks[-1]
    column = board.columns.index("P(best)")
    assert all(re.fullmatch(r"\d{1,3}\.\d%|—", row[column]) for row in board.rows)
    kept = dict(exp.reliability)
    try:
        exp.reliability.clear()
        assert report_content.stability_section(exp) is None
        exp.reliability.update(stability=STABILITY, learning_curve=CURVE)
        section = report_content.stability_section(exp)
        report = report_content.Report("t", "s", [section])
        page = report_html.render(report)
        assert re.search(r"<section id='stability'><h2>Stability</h2>.*<svg.*<svg", page, re.S)
        assert "The score holds &lt;well&gt;" in page and "80% of the splits" in page
        md = report_markdown.render(report)
        assert md.count("data:image/svg+xml;base64,") == 2 and "## Stability" in md
    finally:
        exp.reliability.clear()
        exp.reliability.update(kept)
