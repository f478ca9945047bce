"""Drive a JupyterLab notebook from Playwright through ``window.jupyterapp``.

See /work/shared/TESTING.md (the recipe these helpers follow). Every wait is a condition
wait; the only fixed sleeps are deliberate sampling intervals in the tests.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

NB = "window.jupyterapp.shell.currentWidget"  # the active NotebookPanel
KERNEL = f"({NB}.sessionContext.session?.kernel)"


def write_notebook(path: Path, cells: list[str | tuple[str, str]]) -> Path:
    """Write a notebook with python3 kernelspec metadata (no "Select Kernel" dialog).

    ``cells`` are code strings, or ``("markdown", text)`` tuples.
    """
    nb_cells = []
    for c in cells:
        kind, src = c if isinstance(c, tuple) else ("code", c)
        cell = {"cell_type": kind, "metadata": {}, "source": src}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        nb_cells.append(cell)
    nb = {
        "cells": nb_cells,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb, indent=1))
    return path


def open_notebook(page, lab, path: str, timeout: float = 60_000) -> None:
    """Open ``path`` (relative to the server root) and wait for a connected, idle kernel."""
    page.goto(lab.url(path))
    page.wait_for_function("() => window.jupyterapp !== undefined", timeout=timeout)
    page.evaluate("() => window.jupyterapp.restored")
    page.wait_for_function(
        f"""(p) => {{ const w = {NB}; const k = w?.sessionContext ? {KERNEL} : null;
        return w?.context?.path === p && w.context.isReady && k?.connectionStatus === 'connected'
               && k.status === 'idle'; }}""",
        arg=path,
        polling=100,
        timeout=timeout,
    )


def run_all(page) -> None:
    """Run All, fire and forget (awaiting the command would block until every cell ends)."""
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")


def wait_idle(page, settle_ms: int = 300, timeout: float = 60_000) -> None:
    """Kernel idle AND no ``[*]`` prompt, continuously for ``settle_ms``."""
    page.evaluate("() => { window.__idle = undefined; }")
    page.wait_for_function(
        f"""(settle) => {{ const k = {KERNEL};
        const busy = !k || k.status !== 'idle' || [...{NB}.node.querySelectorAll('.jp-InputPrompt')]
                       .some(e => e.textContent.includes('*'));
        if (busy) {{ window.__idle = undefined; return false; }}
        window.__idle ??= performance.now(); return performance.now() - window.__idle >= settle; }}""",
        arg=settle_ms,
        polling=100,
        timeout=timeout,
    )


def cell(page, index: int):
    """The ``index``-th cell (0-based; markdown cells count)."""
    return page.locator(".jp-Notebook .jp-Cell").nth(index)


def run_cell(page, index: int, wait: bool = True, timeout: float = 60_000) -> dict:
    """Select cell ``index``, press Ctrl+Enter, wait for a *new* ``[n]:`` prompt.

    Returns ``{"latency": seconds from the key press to the new prompt, "outputs": [text]}``.
    With ``wait=False`` only the new prompt is awaited, not kernel idleness (other
    work - e.g. a background run - may keep comm traffic going, which is fine).
    """
    c = cell(page, index)
    c.scroll_into_view_if_needed()
    prompt = c.locator(".jp-InputPrompt").element_handle()
    before = prompt.text_content().strip()
    c.locator(".jp-InputArea-prompt").click()
    page.evaluate("() => { window.__t0 = performance.now(); }")
    t0 = time.monotonic()
    page.keyboard.press("Control+Enter")
    handle = page.wait_for_function(
        """([el, b]) => { const t = el.textContent.trim();
           return (t !== b && /^\\[\\d+\\]:$/.test(t)) ? performance.now() - window.__t0 : false; }""",
        arg=[prompt, before],
        polling="raf",
        timeout=timeout,
    )
    browser_ms = handle.json_value()
    wall = time.monotonic() - t0
    if wait:
        wait_idle(page, timeout=timeout)
    return {
        "latency": browser_ms / 1000 if isinstance(browser_ms, int | float) else wall,
        "wall": wall,
        "outputs": c.locator(".jp-OutputArea-output").all_inner_texts(),
    }


def outputs(page, index: int) -> list[str]:
    return cell(page, index).locator(".jp-OutputArea-output").all_inner_texts()


def kernel_exec(page, code: str, timeout_ms: int = 30_000) -> dict:
    """Run ``code`` in the notebook's kernel without touching a cell; collect stdout/stderr."""
    return page.evaluate(
        f"""async ([code, ms]) => {{
        const fut = {KERNEL}.requestExecute({{code, store_history: false}});
        const r = {{stdout: '', stderr: '', status: 'timeout'}};
        fut.onIOPub = (m) => {{
            const t = m.header.msg_type;
            if (t === 'stream') r[m.content.name] += m.content.text;
            if (t === 'error') r.stderr += m.content.ename + ': ' + m.content.evalue;
        }};
        const done = fut.done.then((reply) => {{ r.status = reply.content.status; }},
                                   (err) => {{ r.status = 'error'; }});
        await Promise.race([done, new Promise((res) => setTimeout(res, ms))]);
        return r; }}""",
        [code, timeout_ms],
    )
