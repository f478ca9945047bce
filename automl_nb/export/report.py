"""``AutoML.report(path)``: the run as one document a person reads, HTML (self-contained:
inline CSS and SVG, opens offline) or Markdown, chosen by the path's suffix.

The content (:mod:`.report_content`) is gathered once; :mod:`.report_html` and
:mod:`.report_markdown` render it; the charts are :mod:`.report_svg`'s.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def render_report(aml: Any, exp: Any, markdown: bool = False) -> str:
    """The report's text: HTML, or Markdown with ``markdown``."""
    from . import report_content, report_html, report_markdown

    report = report_content.build(aml, exp)
    return (report_markdown if markdown else report_html).render(report)


def write_report(aml: Any, exp: Any, path: Path) -> Path:
    """Write the report of ``exp`` to the new file ``path`` (``.md``: Markdown, else HTML),
    whole or not at all."""
    import os
    import secrets

    text = render_report(aml, exp, markdown=path.suffix.lower() == ".md")
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(3)}.tmp")
    try:
        with open(tmp, "x", encoding="utf-8") as f:  # the user's umask, as any file they write
            f.write(text)
        if path.exists():  # made while the report was gathered: nothing is overwritten
            raise FileExistsError(f"path {str(path)!r} already exists; choose a new file")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
