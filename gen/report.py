"""Self-contained HTML and JSON verification reports.

A report has the bit-exact summary of ``spinemu verify`` (what was compared, how
many samples, the first mismatch if any, lint) followed by fidelity sections that
each core's plugin contributes (``fidelity(config, ...)``): plots comparing the RTL,
the fixed-point golden model and the float device physics, with their numbers.
Plots are PNGs embedded as base64, so ``report.html`` is a single file.
"""

from __future__ import annotations

import base64
import html
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Figure", "Section", "figure_from_matplotlib", "render_html", "have_matplotlib"]


@dataclass
class Figure:
    """An embedded plot."""

    title: str
    png: bytes
    caption: str = ""


@dataclass
class Section:
    """One fidelity section: text, a table of metrics, figures, and a verdict."""

    title: str
    text: str = ""
    metrics: dict = field(default_factory=dict)
    table: list[list] = field(default_factory=list)  # first row is the header
    figures: list[Figure] = field(default_factory=list)
    ok: bool | None = None  # None: informative only

    def to_dict(self) -> dict:
        return {"title": self.title, "text": self.text, "metrics": self.metrics,
                "table": self.table, "ok": self.ok, "figures": [f.title for f in self.figures]}


def have_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def figure_from_matplotlib(fig, title: str, caption: str = "") -> Figure:
    """Render a matplotlib figure to PNG and close it."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return Figure(title=title, png=buf.getvalue(), caption=caption)


def _table(rows: list[list]) -> str:
    if not rows:
        return ""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>"
                   for r in rows[1:])
    return f"<table><tr>{head}</tr>{body}</table>"


def _section_html(s: Section) -> str:
    badge = "" if s.ok is None else (" <span class=pass>PASS</span>" if s.ok
                                     else " <span class=fail>FAIL</span>")
    parts = [f"<h2>{html.escape(s.title)}{badge}</h2>"]
    if s.text:
        parts.append(f"<p>{html.escape(s.text)}</p>")
    if s.metrics:
        parts.append(_table([["metric", "value"], *[[k, v] for k, v in s.metrics.items()]]))
    parts.append(_table(s.table))
    for f in s.figures:
        data = base64.b64encode(f.png).decode()
        parts.append(f"<figure><img alt=\"{html.escape(f.title)}\" src=\"data:image/png;base64,{data}\">"
                     f"<figcaption><b>{html.escape(f.title)}</b> {html.escape(f.caption)}</figcaption>"
                     "</figure>")
    return "\n".join(parts)


_CSS = """body{font-family:sans-serif;max-width:64em;margin:2em auto;line-height:1.4}
td,th{padding:.25em .7em;border-bottom:1px solid #ccc;text-align:left}
.pass{color:#fff;background:#2a2;padding:0 .4em;border-radius:3px}
.fail{color:#fff;background:#c22;padding:0 .4em;border-radius:3px}
tr.bad{background:#fee}img{max-width:100%}figure{margin:1em 0}"""


def render_html(title: str, summary_html: str, sections: list[Section]) -> str:
    """The whole report page."""
    body = "\n".join(_section_html(s) for s in sections)
    return (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{_CSS}</style></head><body>\n{summary_html}\n{body}\n</body></html>\n")


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
