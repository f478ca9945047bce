"""``aml.report(path)``: the run as one self-contained HTML page or a Markdown file, and the
reason every trial was tried (the searcher's, kept in the store)."""

from __future__ import annotations

import html
import importlib.metadata as md
import platform
import re
import shutil
import sqlite3
from html.parser import HTMLParser

import pytest

import automl_nb as an
from automl_nb.errors import NotFittedError
from automl_nb.learners import LEARNERS
from automl_nb.metrics import get_metric
from automl_nb.run.store import Store
from automl_nb.run.trial import TrialResult
from automl_nb.search.searcher import Searcher

EXTERNAL = re.compile(r"<script[^>]*\bsrc=|<link[^>]*href=[\"']?https?:|@import\s+url\(\s*[\"']?https?:|"
                      r"src=[\"']?https?:|url\(\s*[\"']?https?:", re.I)


# ---- helpers --------------------------------------------------------------------------------------


class Tables(HTMLParser):
    """Every ``<section id=...>``'s tables: {section id: [[header cells], [row cells], ...]}."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.sections: dict[str, list[list[list[str]]]] = {}
        self._section = ""
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._svg = 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "svg":
            self._svg += 1
        if self._svg:
            return
        if tag == "section":
            self._section = dict(attrs).get("id", "")
            self.sections[self._section] = []
        elif tag == "table":
            self.sections[self._section].append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "svg":
            self._svg -= 1
        if self._svg:
            return
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.sections[self._section][-1].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None and not self._svg:
            self._cell.append(data)


def md_tables(text: str) -> dict[str, list[list[list[str]]]]:
    """The Markdown's pipe tables per section anchor, unescaped: {anchor: [[header], [row], ...]}."""
    out: dict[str, list[list[list[str]]]] = {}
    section, current = "", None
    for line in text.splitlines():
        m = re.match(r'<a id="([^"]+)"></a>', line)
        if m:
            section = m.group(1)
            out[section] = []
            current = None
        elif line.startswith("|"):
            if current is None:
                current = []
                out[section].append(current)
            if re.fullmatch(r"\|(-{3}:?\|)+", line):
                continue
            cells = re.split(r"(?<!\\)\|", line.strip()[1:-1])
            current.append([re.sub(r"\\(.)", r"\1", c.strip()) for c in cells])
        else:
            current = None
    return out


def as_dicts(table: list[list[str]]) -> list[dict[str, str]]:
    head, *rows = table
    return [dict(zip(head, r)) for r in rows]


def check_report(tables: dict, aml, text: str, test_report=None) -> None:
    """What a reader of either rendering must find, with the run's real values."""
    exp = aml.experiment_
    # every trial, with the reason the searcher gave
    trials = as_dicts(tables["trials"][0])
    assert [int(t["trial"]) for t in trials] == sorted(exp.results)
    for t in trials:
        r = exp.results[int(t["trial"])]
        assert t["reason"] == r.reason and r.reason
        assert t["learner"] == r.learner
        assert r.reason.startswith(("baseline:", "portfolio slot", "TPE")), r.reason
    reasons = [t["reason"] for t in trials]
    assert any(x.startswith("TPE") and "chosen by score and cost" in x for x in reasons)
    # the ensemble: members with weights summing to 1
    members = as_dicts(tables["ensemble"][0])
    assert {int(m["trial"]) for m in members} == set(aml.ensemble_)
    assert sum(float(m["weight"]) for m in members) == pytest.approx(1.0, abs=2e-3)
    for m in members:
        assert float(m["weight"]) == pytest.approx(aml.ensemble_[int(m["trial"])], rel=1e-3)
    # the metric, the seed and the versions
    assert "roc_auc" in tables["leaderboard"][0][0]
    env = tables["environment"]
    assert {r["setting"]: r["value"] for r in as_dicts(env[-2])}["seed"] == "0"
    versions = {r["library"]: r["version"] for r in as_dicts(env[-1])}
    assert versions["python"].startswith(platform.python_version())
    for lib in ("numpy", "pandas", "scikit-learn", "lightgbm", "optuna", "automl_nb"):
        assert versions[lib] == md.version(lib), lib
    # the test metrics of the last aml.test
    if test_report is not None:
        got = {r["metric"]: float(r["value"]) for r in as_dicts(tables["test"][0])}
        assert set(got) == set(test_report.metrics)
        for k, v in test_report.metrics.items():
            assert got[k] == pytest.approx(v, rel=1e-3), k
    # the guardrails, the profile and the featurization name the data's columns
    assert "Income" in {r["column"] for r in as_dicts(tables["profile"][0])}
    assert {"check", "status"} <= set(tables["guardrails"][0][0])
    assert "Income" in {r["raw_column"] for r in as_dicts(tables["featurization"][0])}
    assert "stratified 5-fold" in text
    assert not EXTERNAL.search(text)


# ---- a binary classification run ------------------------------------------------------------------


@pytest.fixture(scope="module")
def credit_run(credit_report_run):
    """The shared run of tests/conftest.py (11 trials on 3,500 rows) and its held-out rows."""
    aml, test, _ = credit_report_run
    return aml, test


@pytest.fixture(scope="module")
def tested(credit_report_run):
    """The TestReport of the run's aml.test on the held-out rows (made by the shared fixture)."""
    return credit_report_run[2]


def test_html_report_of_a_binary_run_holds_every_section_with_real_values(credit_run, tested, tmp_path):
    aml, _ = credit_run
    path = aml.report(tmp_path / "run.html")
    assert path == tmp_path / "run.html"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "<script" not in text.lower()  # no script at all: it opens offline, anywhere
    tables = Tables(text).sections
    check_report(tables, aml, html.unescape(text), tested)
    # charts drawn inline: the best-score curve, the importance bars and the beeswarm
    assert text.count("<svg") >= 3
    for section in ("curve", "explanations"):
        assert re.search(rf"<section id='{section}'>.*?<svg", text, re.S), section
    # the overview names the final model and its score
    overview = dict(tables["overview"][0])
    assert overview["final model"] == aml.experiment_.outcome.description
    assert overview["seed"] == "0"


def test_markdown_report_says_the_same(credit_run, tested, tmp_path):
    aml, _ = credit_run
    text = aml.report(tmp_path / "run.md").read_text(encoding="utf-8")
    assert text.startswith("# automl_nb run report")
    assert "<svg" not in text  # charts are images (data: URIs), not raw markup
    assert text.count("](data:image/svg+xml;base64,") >= 3
    tables = md_tables(text)
    tables["overview"] = [[["k", "v"]]]  # facts are a list in Markdown
    check_report(tables, aml, text, tested)
    assert "- **seed**: 0" in text


def test_reasons_are_stored_and_come_back_with_the_folder(credit_run):
    aml, _ = credit_run
    exp = aml.experiment_
    back = an.load(exp.folder, show=False).experiment_
    assert {t: r.reason for t, r in back.results.items()} == {t: r.reason for t, r in exp.results.items()}


def test_a_folder_written_before_reasons_reads_each_trial_s_phase_as_its_reason(credit_run, tmp_path):
    aml, _ = credit_run
    old = tmp_path / "old"
    shutil.copytree(aml.experiment_.folder, old)
    with sqlite3.connect(old / "experiment.sqlite") as db:
        db.execute("ALTER TABLE trials DROP COLUMN reason")
    store = Store(old)
    try:
        trials = store.trials()
        assert trials and all(r.reason == r.phase for r in trials)
        store.add_trial(TrialResult(99, "linear", {}, "failed", "search", reason="TPE on linear"))
        assert store.trials()[-1].reason == "TPE on linear"
    finally:
        store.close()


# ---- the searcher's reasons -----------------------------------------------------------------------


def _drive(searcher: Searcher, n: int, start: int = 0) -> list:
    asked = []
    first = searcher.ask_baseline()
    if first is not None:
        asked.append(first)
        searcher.tell(TrialResult(first.trial_id, first.learner, first.params, "ok", first.phase, score=0.5))
    while len(asked) < n:
        cfg = searcher.ask()
        asked.append(cfg)
        score = 0.8 + 0.01 * (cfg.trial_id % 5)
        r = TrialResult(cfg.trial_id, cfg.learner, dict(cfg.params), "ok", cfg.phase, score=score, duration=1.0)
        searcher.tell(r)
        assert r.reason == cfg.reason  # told: the result carries the reason it was asked with
    return asked


def _searcher(**kw) -> Searcher:
    return Searcher([LEARNERS[n] for n in ("dummy", "linear", "lightgbm")], "binary", 1000, 0,
                    baseline="dummy", loss_of=get_metric("roc_auc").loss, **kw)


def test_the_searcher_says_why_each_configuration_is_tried():
    asked = _drive(_searcher(deterministic=True), 13)
    reasons = [c.reason for c in asked]
    assert reasons[0].startswith("baseline: dummy, class priors")
    assert reasons[1].startswith("baseline: linear")
    portfolio = [c for c in asked if c.phase == "portfolio"]
    assert [c.reason.split(":")[0] for c in portfolio] == [f"portfolio slot {k + 1}" for k in range(len(portfolio))]
    assert "lightgbm default 1" in portfolio[0].reason
    search = [c for c in asked if c.phase == "search"]
    assert search, "the run should reach the search phase"
    for c in search:
        assert c.reason.startswith("TPE") and f"on {c.learner}, chosen by score and cost" in c.reason
        assert "probability" in c.reason and "s a trial" in c.reason


def test_configurations_asked_after_a_resume_say_so():
    first = _searcher(deterministic=True)
    done = []
    for c in _drive(first, 5):
        done.append(TrialResult(c.trial_id, c.learner, dict(c.params), "ok", c.phase, score=0.8, reason=c.reason))
    again = _searcher(deterministic=True)
    again.restore(done)
    cfg = again.ask()
    assert cfg.trial_id == 5 and cfg.reason.startswith("resumed: portfolio slot")
    assert all(r.reason and not r.reason.startswith("resumed") for r in done)


# ---- a forecasting run ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def air_run(air_forecast_run):
    return air_forecast_run


def test_a_forecasting_run_has_a_report_too(air_run, tmp_path):
    aml = air_run
    text = aml.report(tmp_path / "air.html").read_text(encoding="utf-8")
    tables = Tables(text).sections
    trials = as_dicts(tables["trials"][0])
    assert [int(t["trial"]) for t in trials] == sorted(aml.experiment_.results)
    assert all(t["reason"] and t["reason"] == aml.experiment_.results[int(t["trial"])].reason for t in trials)
    assert trials[0]["reason"].startswith("baseline: seasonal_naive")
    assert "<svg" in text and not EXTERNAL.search(text)
    assert re.search(r"<section id='explanations'><h2>Explanations</h2><p>Not available for this run: ", text)
    assert "No held-out test" in text
    md_text = aml.report(tmp_path / "air.md").read_text(encoding="utf-8")
    assert "## Every trial and why it was tried" in md_text and aml.metric_ in md_text


# ---- bad input ------------------------------------------------------------------------------------


def test_report_refuses_before_fit_an_existing_path_and_other_suffixes(credit_run, tmp_path):
    with pytest.raises(NotFittedError):
        an.AutoML(show=False).report(tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()
    aml, _ = credit_run
    kept = tmp_path / "kept.html"
    kept.write_text("mine")
    with pytest.raises(FileExistsError, match="already exists"):
        aml.report(kept)
    assert kept.read_text() == "mine"
    with pytest.raises(ValueError, match=r"report\.pdf.*\.html or \.md"):
        aml.report(tmp_path / "report.pdf")
    assert not (tmp_path / "report.pdf").exists()
    with pytest.raises(FileNotFoundError, match="does not exist"):
        aml.report(tmp_path / "nowhere" / "r.md")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.html"]  # nothing half-written


# ---- the Studio's Export area (the kernel side; the browser side is tests/browser/test_export_browser.py)


def test_studio_export_says_why_an_export_cannot_be_made(air_run):
    import time

    from automl_nb.widget.view import StudioView, export_file

    aml = air_run
    view = StudioView.for_experiment(aml.experiment_, automl=aml)
    try:
        with pytest.raises(ValueError, match="export kind 'pdf'"):
            view.export("pdf")
        view.export("onnx")  # forecasting models are not ONNX: the reason shows, nothing breaks
        deadline = time.monotonic() + 60
        while view.exports.get("onnx", {}).get("state") in (None, "working") and time.monotonic() < deadline:
            time.sleep(0.05)
        state = view.exports["onnx"]
        assert state["state"] == "failed" and state["message"].startswith("ExportError: ") and "ONNX" in state["message"]
        name, data = export_file(aml, "report")
        assert name == f"{aml.folder_.name}-report.html" and data.startswith(b"<!DOCTYPE html>")
    finally:
        view.close()
