"""The harness itself, on a tiny anywidget: open, Run All, live thread updates, click, read back."""

from __future__ import annotations

import pytest
from nbdriver import kernel_exec, open_notebook, run_all, run_cell, wait_idle

pytestmark = pytest.mark.browser


def test_probe_roundtrip(lab, page, notebook, shot):
    nb = notebook(
        [
            ("markdown", "# probe"),
            "import probe_widget as pw\nw = pw.ProbeWidget(); w",
            "t = w.start(n=15, every=0.2)",
            "import time; time.sleep(1)",
            "print(f'COUNT={w.count}')",
        ]
    )
    open_notebook(page, lab, nb)
    assert page.locator(".jp-Dialog").count() == 0  # no "Select Kernel"
    run_all(page)
    page.wait_for_selector(".probe-root")
    shot("widget")
    seen = []
    for _ in range(10):  # background thread -> DOM while cells run and after
        seen.append(int(page.inner_text(".probe-progress")))
        page.wait_for_timeout(250)
    assert seen == sorted(seen) and len(set(seen)) >= 5, seen
    page.wait_for_function("() => document.querySelector('.probe-progress').textContent === '15'")
    wait_idle(page)
    page.click(".probe-btn")  # browser -> kernel
    r = run_cell(page, 4)
    assert "COUNT=1" in r["outputs"][0]
    assert kernel_exec(page, "print(w.count)")["stdout"].strip() == "1"
    arrivals = page.evaluate("() => window.__probe.length")
    assert arrivals == 15
    assert not page.errors, page.errors
