"""Real-browser fixtures: one JupyterLab server and one Chromium per session, a page per test.

Follows /work/shared/TESTING.md: loopback server with a random token and all Jupyter state in
a temp dir, Debian chromium driven by Playwright (never ``playwright install``), SIGTERM turned
into a normal teardown so no server or kernel is left behind; only processes started here are
stopped, by their own process group.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

HERE = Path(__file__).parent
ARTIFACTS = HERE.parent / "artifacts"
CHROMIUM = os.environ.get("AUTOML_NB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension:tracker": {"autoStartDefaultKernel": True},
}


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "browser: drives JupyterLab in a real (headless) Chromium through Playwright"
    )
    if os.environ.get("AUTOML_NB_NO_SIGTERM_HANDLER"):
        return

    def _term(*_):  # SIGTERM (timeout, CI cancel) -> KeyboardInterrupt -> fixture teardown runs
        raise KeyboardInterrupt("SIGTERM")

    signal.signal(signal.SIGTERM, _term)


def _missing_browser_stack() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} not found (make test installs Debian chromium)"
    for mod in ("playwright", "jupyterlab", "anywidget"):
        try:
            __import__(mod)
        except ImportError:
            return f"{mod} is not installed (pip install -e '.[test]')"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _missing_browser_stack()
    if reason:
        skip = pytest.mark.skip(reason=reason)
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(skip)


class Lab:
    """A JupyterLab server we started: its root dir, URL, token and process."""

    def __init__(self, proc: subprocess.Popen, port: int, token: str, root: Path, log: Path):
        self.proc, self.token, self.root, self.log = proc, token, root, log
        self.base = f"http://127.0.0.1:{port}"

    def url(self, nb: str) -> str:
        return f"{self.base}/lab/tree/{nb}?token={self.token}&reset"

    def api(self, path: str, method: str = "GET") -> bytes:
        req = urllib.request.Request(
            self.base + path, method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.read()

    def shutdown_kernels(self) -> None:
        """Delete every session (and its kernel): tests do not share kernels or CPU."""
        try:
            for s in json.loads(self.api("/api/sessions")):
                try:
                    self.api(f"/api/sessions/{s['id']}", "DELETE")
                except OSError:
                    pass
        except OSError:
            pass

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                self.api("/api/shutdown", "POST")  # also shuts the kernels down
            except OSError:
                pass
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the server's own group only
            self.proc.wait()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    root, st = tmp_path_factory.mktemp("nbroot"), tmp_path_factory.mktemp("labstate")
    shutil.copy(HERE / "probe_widget.py", root / "probe_widget.py")
    (st / "app-settings").mkdir()
    (st / "app-settings" / "overrides.json").write_text(json.dumps(OVERRIDES))
    (st / "config" / "labconfig").mkdir(parents=True)
    (st / "config" / "labconfig" / "page_config.json").write_text(
        '{"buildCheck": false, "buildAvailable": false}'
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(16)
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(st / "config"),
        JUPYTER_RUNTIME_DIR=str(st / "runtime"),
        IPYTHONDIR=str(st / "ipython"),
    )
    env.pop("JUPYTER_PATH", None)
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.app_settings_dir={st / 'app-settings'}",
        f"--LabApp.user_settings_dir={st / 'user-settings'}",
        f"--LabApp.workspaces_dir={st / 'workspaces'}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--ServerApp.shutdown_no_activity_timeout=900",
        "--MappingKernelManager.cull_idle_timeout=900",
    ]  # fmt: skip
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = st / "lab.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    server = Lab(proc, port, token, root, log)
    deadline = time.monotonic() + 90
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError("JupyterLab exited:\n" + log.read_text()[-3000:])
            try:
                server.api("/api/status")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield server
    finally:
        server.stop()
        try:
            shutil.copy(log, ARTIFACTS / "lab.log")
        except OSError:
            pass


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, lab, request, artifacts):
    """A fresh browser context per test. ``page.errors`` collects uncaught page errors."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 2000})  # the Studio is tall
    ctx.set_default_timeout(30_000)
    pg = ctx.new_page()
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    yield pg
    try:
        pg.screenshot(path=str(artifacts / f"{request.node.name}-final.png"), full_page=True)
    except Exception:  # noqa: BLE001 - a teardown screenshot is best effort
        pass
    finally:
        ctx.close()
        lab.shutdown_kernels()


@pytest.fixture
def shot(page, request, artifacts):
    """``shot("01-step", locator)`` saves tests/artifacts/<test>-01-step.png (of the locator)."""

    def take(name: str, locator=None) -> Path:
        path = artifacts / f"{request.node.name}-{name}.png"
        try:
            (locator or page).screenshot(path=str(path))
        except Exception:  # noqa: BLE001 - never fail a test on a screenshot
            pass
        return path

    return take


@pytest.fixture
def notebook(lab, request):
    """``notebook(cells)`` writes a notebook named after the test into the server root."""
    from nbdriver import write_notebook

    def make(cells, name: str | None = None) -> str:
        fname = name or f"{request.node.name}.ipynb"
        write_notebook(lab.root / fname, cells)
        return fname

    return make
