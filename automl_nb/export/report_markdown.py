"""The report as Markdown: the same sections and tables as the HTML page; each chart is an
image whose source is the SVG itself (a ``data:`` URI), so the file stands alone too."""

from __future__ import annotations

import base64

from .report_content import Block, Report


def render(report: Report) -> str:
    out = [f"# {report.title}", "", f"_{_inline(report.subtitle)}_", ""]
    out.append(" · ".join(f"[{s.title}](#{s.key})" for s in report.sections))
    out.append("")
    for s in report.sections:
        out += [f'<a id="{s.key}"></a>', "", f"## {s.title}", ""]
        for b in s.blocks:
            out += _block(b)
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def _block(b: Block) -> list[str]:
    if b.kind == "p":
        return [_inline(b.text)]
    if b.kind == "pre":
        return ["```", b.text, "```"]
    if b.kind == "chart":
        data = base64.b64encode(b.svg.encode()).decode()
        return [f"![{_inline(b.text)}](data:image/svg+xml;base64,{data})"]
    if b.kind == "facts":
        return [f"- **{_inline(k)}**: {_inline(v)}" for k, v in b.rows]
    lines = ["| " + " | ".join(_cell(c) for c in b.columns) + " |",
             "|" + "|".join("---:" if _numeric_column(b, i) else "---" for i in range(len(b.columns))) + "|"]
    lines += ["| " + " | ".join(_cell(v) for v in r) + " |" for r in b.rows]
    return lines


def _inline(text: str) -> str:
    """Text that Markdown shows as written (no emphasis or HTML from its characters)."""
    for ch in ("\\", "*", "_", "`", "<", ">", "[", "]"):
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", " ")


def _cell(text: str) -> str:
    return _inline(text).replace("|", "\\|")


def _numeric_column(b: Block, i: int) -> bool:
    values = [r[i] for r in b.rows if r[i] != "—"]
    if not values:
        return False
    try:
        [float(v.replace(",", "")) for v in values]
        return True
    except ValueError:
        return False
