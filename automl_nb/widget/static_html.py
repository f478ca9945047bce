"""The Studio as static HTML, for places without a live kernel (nbconvert, GitHub, nbviewer).

The live widget's HTML is built in the browser (``static/studio.js``); this is the HTML the
kernel side writes, into the notebook's saved output. Self-contained: inline styles, no
scripts, every value escaped. It renders the same trait values
the browser gets.

Colours: the inline styles say ``var(--ans-s-*, <light colour>)``; a small ``<style>`` defines
those variables (and the block's text and background) from JupyterLab's ``--jp-*`` (nbconvert's
lab template), then VS Code's ``--vscode-*``, then light defaults — dark ones under
``prefers-color-scheme: dark`` or in a host that says it is dark. Where ``<style>`` is stripped
(GitHub) the text colour is the page's and the light colours of the inline styles remain.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

MAX_ROWS = 20
_STATUS_COLOR = {
    "passed": "var(--ans-s-ok,#1a7f37)",
    "fixed": "var(--ans-s-warn,#9a6700)",
    "alerted": "var(--ans-s-bad,#cf222e)",
}
_TEXT = "var(--ans-s-text,#24292f)"
_MUTED = "var(--ans-s-muted,#57606a)"
_TABLE = "border-collapse:collapse;font-size:12px;margin:4px 0 10px 0"
_CELL = "border:1px solid var(--ans-s-border,#d0d7de);padding:2px 6px;text-align:left;vertical-align:top"
_HEAD = "var(--ans-s-head,#f6f8fa)"

# (variable, JupyterLab's, VS Code's, light default, dark default); the names avoid the words
# the summary shows (tests search its text for "passed", "alerted", …)
_PALETTE = [
    ("bg", "--jp-layout-color0", "--vscode-editor-background", "#ffffff", "#0d1117"),
    ("border", "--jp-border-color2", "--vscode-panel-border", "#d0d7de", "#30363d"),
    ("head", "--jp-layout-color2", "--vscode-editorWidget-background", "#f6f8fa", "#161b22"),
    ("text", "--jp-ui-font-color1", "--vscode-editor-foreground", "#24292f", "#e6edf3"),
    ("muted", "--jp-ui-font-color2", "--vscode-descriptionForeground", "#57606a", "#8d96a0"),
    ("ok", "--jp-success-color1", "--vscode-charts-green", "#1a7f37", "#3fb950"),
    ("warn", "--jp-warn-color1", "--vscode-editorWarning-foreground", "#9a6700", "#d29922"),
    ("bad", "--jp-error-color1", "--vscode-errorForeground", "#cf222e", "#f85149"),
]


def _palette(dark: bool) -> str:
    return ";".join(f"--ans-s-{n}:var({jp},var({vs},{d if dark else light}))" for n, jp, vs, light, d in _PALETTE)


_DARK_HOSTS = ",".join(
    f"{host} .automl-nb-static"
    for host in ('[data-jp-theme-light="false"]', ".vscode-dark", 'html[theme="dark"]')
)
_STYLE = (
    f"<style>.automl-nb-static{{{_palette(False)};color:var(--ans-s-text);background:var(--ans-s-bg);"
    f"padding:2px 8px;border-radius:6px}}"
    f"@media (prefers-color-scheme:dark){{.automl-nb-static{{{_palette(True)}}}}}"
    f"{_DARK_HOSTS}{{{_palette(True)}}}</style>"
)


def render(state: Mapping[str, Any]) -> str:
    """HTML summary of a Studio's state: phase, best model, leaderboard (top 20), what the
    model relies on, its stability and learning curve, guardrails and featurization.

    Parameters
    ----------
    state : the widget's trait values (``phase``, ``status``, ``best``, ``leaderboard``,
        ``guardrails``, ``featurization``, ``target``, ``error``, ``data_info``, ``explanation``,
        ``reliability``).
    """
    status = state.get("status") or {}
    metric = status.get("metric") or "score"
    parts = [
        '<div class="automl-nb-static" style="font-family:sans-serif;font-size:13px;max-width:1100px">',
        _STYLE,
        f"<h3 style='margin:4px 0'>automl_nb Studio — {_e(state.get('phase') or 'configuring')}</h3>",
        f"<p style='margin:2px 0'>{_summary_line(state, metric)}</p>",
    ]
    if state.get("error"):
        parts.append(
            f"<p style='color:{_STATUS_COLOR['alerted']};margin:2px 0'><b>Error:</b> {_e(state['error'])}</p>"
        )
    best = state.get("best") or {}
    if best:
        members = ", ".join(
            f"trial {_e(m.get('trial_id'))} ({_e(m.get('learner'))}, weight {_e(_num(m.get('weight'), 3))})"
            for m in best.get("members", [])
        )
        parts.append(
            f"<p style='margin:2px 0'><b>Best model:</b> {_e(best.get('description', ''))} — "
            f"{_e(metric)} {_e(_num(best.get('score')))}" + (f"; members: {members}" if members else "") + "</p>"
        )
    rows = list(state.get("leaderboard") or [])
    if rows:
        parts.append(f"<h4 style='margin:8px 0 2px 0'>Leaderboard ({len(rows)} trials"
                     + (f", top {MAX_ROWS} shown" if len(rows) > MAX_ROWS else "") + ")</h4>")
        chance = any(isinstance(r.get("p_best"), (int, float)) for r in rows)  # absent: no column
        parts.append(_table(
            ["rank", "learner", metric, "± std", *(["P(best)"] if chance else []), "fit s", "status", "trial", "error"],
            [[r.get("rank"), r.get("learner"), _num(r.get("score")), _num(r.get("score_std")),
              *([_percent(r.get("p_best"))] if chance else []),
              _num(r.get("fit_seconds"), 2), r.get("status"), r.get("trial_id"), r.get("error") or ""]
             for r in rows[:MAX_ROWS]],
        ))
    importance = ((state.get("explanation") or {}).get("importance") or {}).get("raw") or []
    if importance:
        top = max(float(d.get("importance") or 0) for d in importance[:10]) or 1.0
        parts.append(f"<h4 style='margin:8px 0 2px 0'>What the model relies on (mean |SHAP|, "
                     f"{_e((state.get('explanation') or {}).get('explainer', ''))} explainer)</h4>")
        parts.append(_table(
            ["feature", "mean |SHAP|", ""],
            [[d.get("feature"), _num(d.get("importance")),
              "█" * max(1, round(20 * float(d.get("importance") or 0) / top))] for d in importance[:10]],
        ))
    parts.extend(_reliability(state.get("reliability") or {}))
    guardrails = list(state.get("guardrails") or [])
    if guardrails:
        parts.append("<h4 style='margin:8px 0 2px 0'>Data guardrails</h4>")
        parts.append(_table(
            ["check", "status", "message", "advice"],
            [[g.get("check"), _Colored(g.get("status", "")), g.get("message"), g.get("advice")] for g in guardrails],
        ))
    featurization = list(state.get("featurization") or [])
    if featurization:
        parts.append("<h4 style='margin:8px 0 2px 0'>Featurization</h4>")
        parts.append(_table(
            ["column", "kind", "steps", "features", "dropped"],
            [[f.get("raw_column"), f.get("kind"), " → ".join(map(str, f.get("steps") or [])),
              _features(f.get("engineered_features") or []), f.get("dropped") or ""] for f in featurization],
        ))
    parts.append(f"<p style='color:{_MUTED};font-size:11px;margin:2px 0'>Static summary; run the notebook "
                 "for the live widget.</p></div>")
    return "".join(parts)


def _reliability(rel: Mapping[str, Any]) -> list[str]:
    """The Stability panel: each record's chart (inline SVG) and verdict."""
    from ..export import report_svg

    parts = []
    for key, title, draw in (("stability", "Stability: the score on other splits", report_svg.stability_record_chart),
                             ("learning_curve", "Learning curve", report_svg.learning_curve_record_chart)):
        record = rel.get(key)
        if not isinstance(record, Mapping) or not record:
            continue
        try:
            svg, _alt = draw(dict(record))
        except (TypeError, ValueError, KeyError, AttributeError):  # a malformed record: the verdict alone
            svg = ""
        parts.append(f"<h4 style='margin:8px 0 2px 0'>{_e(title)}</h4>")
        parts.append(f"<div style='max-width:640px'>{svg}</div>")
        if record.get("verdict"):
            parts.append(f"<p style='margin:2px 0 6px 0'>{_e(record['verdict'])}</p>")
    return parts


class _Colored(str):
    """A guardrail status, shown in its color."""


def _summary_line(state: Mapping[str, Any], metric: str) -> str:
    status = state.get("status") or {}
    info = state.get("data_info") or {}
    bits = []
    if state.get("target"):
        bits.append(f"target <b>{_e(state['target'])}</b>")
    if info.get("n_rows") is not None:
        bits.append(f"{_e(info['n_rows'])} rows × {_e(info.get('n_columns'))} columns")
    if status:
        bits.append(f"{_e(status.get('n_done', 0))} trials done, {_e(status.get('n_failed', 0))} failed, "
                    f"{_e(status.get('n_stopped', 0))} stopped")
        if status.get("elapsed") is not None:
            bits.append(f"{_e(_num(status.get('elapsed'), 1))} s of {_e(_num(status.get('budget'), 1))} s")
        if status.get("best_score") is not None:
            bits.append(f"best {_e(metric)} {_e(_num(status['best_score']))} ({_e(status.get('best_learner'))})")
        if status.get("message"):
            bits.append(_e(status["message"]))
    return " · ".join(bits)


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th style='{_CELL};background:{_HEAD}'>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(_td(v) for v in row) + "</tr>" for row in rows)
    return f"<table style='{_TABLE}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _td(v: Any) -> str:
    if isinstance(v, _Colored):
        return f"<td style='{_CELL};color:{_STATUS_COLOR.get(v, _TEXT)};font-weight:bold'>{_e(v)}</td>"
    return f"<td style='{_CELL}'>{_e(v)}</td>"


def _features(names: Sequence[str], shown: int = 6) -> str:
    more = f", … ({len(names)} in all)" if len(names) > shown else ""
    return ", ".join(map(str, names[:shown])) + more


def _num(x: Any, digits: int = 4) -> str:
    if x is None or isinstance(x, bool) or not isinstance(x, (int, float)):
        return "—" if x is None else str(x)
    if isinstance(x, float) and not math.isfinite(x):
        return "—"
    return f"{x:.{digits}g}" if isinstance(x, float) else str(x)


def _percent(x: Any) -> str:
    """A chance as a percent with one decimal ("45.7%"), "—" when missing."""
    ok = isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
    return f"{100 * x:.1f}%" if ok else "—"


def _e(x: Any) -> str:
    return html.escape("" if x is None else str(x))
