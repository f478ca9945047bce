"""Steering a live run from the Studio in JupyterLab in a real browser: block a learner, ask a
finished trial's edited configuration to run next, set the time left — each checked on the
kernel's side — then the log on the best-score chart and the stop reason.

Screenshots go to tests/artifacts/ (``test_steer_a_live_run_from_the_studio-*.png``), among them
the steering panel and the Try next box in JupyterLab Dark.
"""

from __future__ import annotations

import json
import time

import pytest
from nbdriver import cell, open_notebook, run_cell
from test_studio_browser import OUT, kjson, kpy, tid, wait_phase
from test_theme_browser import set_theme

pytestmark = pytest.mark.browser

LOAD = (
    "import json, time\n"
    "import automl_nb as an\n"
    "from sklearn.datasets import load_breast_cancer\n"
    "df = load_breast_cancer(as_frame=True).frame"
)


def wait_kernel(page, expr: str, timeout: float = 60.0, what: str = ""):
    """Poll ``expr`` in the kernel until it is truthy; return its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = kjson(page, expr)
        if value or time.monotonic() > deadline:
            assert value, f"timed out waiting for {what or expr}"
            return value
        page.wait_for_timeout(300)


def test_steer_a_live_run_from_the_studio(lab, page, notebook, shot):
    nb = notebook([LOAD, "s = an.Studio(df, target='target', time_budget=120, n_jobs=2, seed=0); s"])
    open_notebook(page, lab, nb)
    run_cell(page, 0)
    run_cell(page, 1)
    w = cell(page, 1).locator(OUT)
    tid(w, "run").first.wait_for()
    steering = tid(w, "steering").first
    assert steering.is_hidden()  # nothing to steer before a run
    page.wait_for_function("(b) => !b.disabled", arg=tid(w, "run").first.element_handle(), timeout=30_000)
    tid(w, "run").first.click()
    wait_phase(page, w, "search", timeout=60_000)
    steering.wait_for(state="visible", timeout=30_000)
    toggles = tid(steering, "steer-learner")
    page.wait_for_function("(el) => el.querySelectorAll('[data-testid=steer-learner]').length >= 6",
                           arg=steering.element_handle(), timeout=30_000)
    names = toggles.evaluate_all("els => els.map(e => e.dataset.learner)")
    assert {"dummy", "linear", "lightgbm", "knn"} <= set(names), names
    shot("01-steering-panel", steering)

    # ---- block knn: its toggle, then the kernel's log and the searcher
    knn = steering.locator('[data-testid="steer-learner"][data-learner="knn"]')
    assert knn.get_attribute("data-state") == "searched" and knn.is_enabled()
    knn.click()
    # the toggles are redrawn from the kernel's next snapshot: ask the panel, not the old button
    page.wait_for_function("(el) => el.querySelector('[data-learner=knn]').dataset.state === 'blocked'",
                           arg=steering.element_handle(), timeout=15_000)
    block = wait_kernel(page, "[r for r in s._run.experiment.steering if r['action'] == 'block']", what="the block")[0]
    assert (block["learner"], block["by"]) == ("knn", "studio"), block
    assert "knn" in kjson(page, "sorted(s._run.experiment._searcher.blocked)")
    assert tid(steering, "steering-record").count() >= 1
    shot("02-knn-blocked", steering)

    # ---- Try next: a finished linear trial's details, alpha edited
    wait_kernel(page, "[r.trial_id for r in s._run.experiment.results.values() if r.ok and r.learner == 'linear']",
                what="a finished linear trial")
    source = kjson(page, "min(r.trial_id for r in s._run.experiment.results.values() "
                         "if r.ok and r.learner == 'linear')")
    w.locator(f'[data-testid="leaderboard-row"][data-trial-id="{source}"]').first.click()
    box = tid(w, "try-next-box").first
    box.wait_for(timeout=30_000)
    editor = tid(box, "try-next-params").first
    params = json.loads(editor.input_value())
    assert "alpha" in params, params
    params["alpha"] = 2.5
    editor.fill(json.dumps(params))
    shot("03-try-next-edited", tid(w, "trial-details").first)
    tid(box, "try-next").first.click()
    asked = wait_kernel(page, "[r for r in s._run.experiment.steering if r['action'] == 'try_next']",
                        what="the try-next record")[0]
    assert asked["learner"] == "linear" and asked["by"] == "studio", asked
    assert f"trial {source} with alpha" in asked["detail"], asked
    steered = wait_kernel(
        page,
        "[{'id': r.trial_id, 'params': r.params, 'reason': r.reason, 'phase': r.phase}"
        " for r in s._run.experiment.results.values() if r.phase == 'steered']",
        timeout=90, what="the try-next trial",
    )[0]
    assert steered["params"]["alpha"] == 2.5, steered
    assert steered["reason"].startswith(f"asked by you (in the Studio): try next — trial {source} with alpha"), steered
    # it was the first trial to start after the request was applied
    first_after = kjson(page, "min((e.trial_id for e in s._run.experiment.bus.history if type(e).__name__ == "
                              f"'TrialStarted' and e.time >= {asked['time']}), default=None)")
    assert first_after == steered["id"], (first_after, steered)

    # ---- a bad edit is refused at the call, named, in the error banner
    w.locator(f'[data-testid="leaderboard-row"][data-trial-id="{source}"]').first.click()
    box.wait_for(timeout=30_000)
    tid(box, "try-next-params").first.fill('{"alpha": -1}')
    tid(box, "try-next").first.click()
    error = tid(w, "error").first
    page.wait_for_function("(el) => /alpha=-1 must be positive/.test(el.textContent)",
                           arg=error.element_handle(), timeout=15_000)
    assert kjson(page, "len([r for r in s._run.experiment.steering if r['action'] == 'try_next'])") == 1

    # ---- the look, in JupyterLab Dark too
    shot("04-steering-light", w)
    try:
        set_theme(page, "JupyterLab Dark", light=False)
        shot("05-steering-dark", steering)
        shot("06-try-next-dark", tid(w, "trial-details").first)
    finally:
        set_theme(page, "JupyterLab Light", light=True)

    # ---- the time left: 8 s from now, then the run ends early and says why
    no_knn_since = block["time"]
    tid(steering, "time-left-input").first.fill("8")
    set_at = time.time()
    tid(steering, "time-left-set").first.click()
    record = wait_kernel(page, "[r for r in s._run.experiment.steering if r['action'] == 'time_left']",
                         what="the time-left record")[0]
    assert record["detail"].startswith("8 s left"), record
    deadline = kjson(page, "s._run.experiment.deadline")
    assert set_at + 7 <= deadline <= time.time() + 8.5, (set_at, deadline)
    wait_phase(page, w, "finished", timeout=90_000)
    page.wait_for_timeout(800)  # the final snapshot
    assert kpy(page, "print(s._run.stop_reason)") == "time budget used"
    assert "stopped: time budget used" in tid(w, "progress").first.inner_text()
    late_knn = kjson(page, "[e.trial_id for e in s._run.experiment.bus.history if type(e).__name__ == "
                           f"'TrialStarted' and e.learner == 'knn' and e.time > {no_knn_since}]")
    assert late_knn == [], late_knn

    # ---- after the run: the log stays (closed), its marks on the chart
    page.wait_for_function("(el) => /steering is closed/.test(el.textContent)", arg=steering.element_handle(),
                           timeout=15_000)
    assert tid(steering, "steering-record").count() == 3
    assert tid(steering, "steer-learner").first.is_hidden()
    chart = tid(w, "best-score-chart").first
    page.wait_for_function("(el) => /block knn/.test(el.textContent) && /try next linear/.test(el.textContent)",
                           arg=chart.element_handle(), timeout=15_000)
    shot("07-finished-steering", steering)
    shot("08-chart-marks", chart)
    assert tid(w, "try-next-box").count() == 0  # only while the run goes on
    assert page.errors == [], page.errors
