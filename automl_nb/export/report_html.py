"""The report as one self-contained HTML page: inline CSS and inline SVG charts, no script,
no font or stylesheet fetched, so it opens offline and prints as it shows."""

from __future__ import annotations

from html import escape

from .report_content import Block, Report

CSS = """
:root { color-scheme: light; }
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2330;
       margin: 0; background: #f6f7f9; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #e3e7ee; }
.sub { color: #667085; margin: 0 0 16px; }
nav { font-size: 13px; margin: 0 0 8px; }
nav a { color: #2f6fdf; text-decoration: none; margin-right: 14px; white-space: nowrap; }
table { border-collapse: collapse; margin: 8px 0 14px; font-size: 12.5px; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eceff4; vertical-align: top; }
th { background: #f1f3f7; font-weight: 600; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr:nth-child(even) td { background: #fafbfc; }
td.long { max-width: 360px; overflow-wrap: anywhere; }
table.facts, table.narrow { width: auto; min-width: 40%; }
table.facts th { background: none; position: static; font-weight: 500; color: #667085; padding-right: 24px; }
.scroll { max-height: 560px; overflow: auto; border: 1px solid #eceff4; }
.scroll table { margin: 0; }
figure { margin: 10px 0 16px; }
figcaption { color: #667085; font-size: 12px; }
pre { background: #f6f7f9; padding: 8px; overflow: auto; }
@media print { body { background: #fff; } main { padding: 0; } .scroll { max-height: none; overflow: visible; } }
"""


def render(report: Report) -> str:
    nav = " ".join(f"<a href='#{s.key}'>{escape(s.title)}</a>" for s in report.sections)
    body = []
    for s in report.sections:
        body.append(f"<section id='{s.key}'><h2>{escape(s.title)}</h2>")
        body.extend(_block(b) for b in s.blocks)
        body.append("</section>")
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(report.title)}</title><style>{CSS}</style></head><body><main>"
        f"<h1>{escape(report.title)}</h1><p class='sub'>{escape(report.subtitle)}</p>"
        f"<nav>{nav}</nav>{''.join(body)}</main></body></html>\n"
    )


def _block(b: Block) -> str:
    if b.kind == "p":
        return f"<p>{escape(b.text)}</p>"
    if b.kind == "pre":
        return f"<pre>{escape(b.text)}</pre>"
    if b.kind == "chart":
        return f"<figure>{b.svg}<figcaption>{escape(b.text)}</figcaption></figure>"
    if b.kind == "facts":
        rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in b.rows)
        return f"<table class='facts'>{rows}</table>"
    head = "".join(f"<th>{escape(c)}</th>" for c in b.columns)
    numeric = [all(_numeric(r[i]) or r[i] == "—" for r in b.rows) for i in range(len(b.columns))]
    rows = "".join("<tr>" + "".join(_cell(v, n) for v, n in zip(r, numeric)) + "</tr>" for r in b.rows)
    narrow = " class='narrow'" if len(b.columns) <= 2 else ""
    table = f"<table{narrow}><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    return f"<div class='scroll'>{table}</div>" if len(b.rows) > 25 else table


def _cell(v: str, numeric: bool) -> str:
    if numeric:
        return f"<td class='num'>{escape(v)}</td>"
    return f"<td class='long'>{escape(v)}</td>" if len(v) > 60 else f"<td>{escape(v)}</td>"


def _numeric(v: str) -> bool:
    try:
        float(v.replace(",", ""))
        return True
    except ValueError:
        return False
