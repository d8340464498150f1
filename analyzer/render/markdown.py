"""The Markdown report, from the view and ``templates/report.md.j2``: agreement text as
literal Markdown (``md_escape``), for a complaint or an article."""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .view import ReportView, build_view, one_line

if TYPE_CHECKING:  # pragma: no cover
    import jinja2

    from ..model import Report

_MD_INLINE = set("\\`*_[]<>|&~")
_MD_BLOCK_START = re.compile(r"^(?:([#+-])(?=\s|$)|(=)(?==*\s*$)|(\d+)([.)])(?=\s|$))")


def md_escape(text: str) -> str:
    """Agreement text as one line of literal Markdown: no emphasis, links, images, HTML, code,
    table cells or block markers. Only what could act as markup is escaped, so the text stays
    readable where Markdown is not rendered."""
    t = one_line(str(text))
    out = []
    for i, c in enumerate(t):
        if c in _MD_INLINE or (c == "(" and i and t[i - 1] == "]"):
            out.append("\\" + c)
        else:
            out.append(c)
    s = "".join(out)
    # a list item, heading or setext underline only where the line would start one
    return _MD_BLOCK_START.sub(lambda m: "\\" + (m.group(1) or m.group(2)) if (m.group(1) or m.group(2))
                               else m.group(3) + "\\" + m.group(4), s)



def _refs(sources: Iterable[Any], v: ReportView, bare: bool = False) -> str:
    """The clauses as "(p. 1 Lock-in; p. 2 Exit fee)" after an item ("" when none); ``bare``
    without the brackets, for a table cell."""
    inner = "; ".join(md_escape(label) for label, _ in v.loc.ref_labels(sources))
    return inner if bare else (f" ({inner})" if inner else "")


def _letter_lines(text: str) -> list[str]:
    """A request letter as a block quote; a hard line break (backslash) keeps its lines apart."""
    lines = text.splitlines()
    out = []
    for i, ln in enumerate(lines):
        brk = "\\" if i < len(lines) - 1 and ln.strip() and lines[i + 1].strip() else ""
        out.append(("> " + md_escape(ln) + brk) if ln.strip() else ">")
    return out


def _claim_vs(c: Any, v: ReportView) -> str:
    vs = [md_escape(c.explanation)]
    vs += [f"{md_escape(v.s('agreement') + v.loc.where(s.page, s.start))} “{md_escape(s.evidence)}”" for s in c.not_quoted]
    return "<br>".join(vs)


def install(env: jinja2.Environment) -> None:
    env.filters["md"] = md_escape
    env.filters["mdrefs"] = _refs
    env.filters["letter_lines"] = _letter_lines
    env.filters["claim_vs"] = _claim_vs


def render_markdown(report: Report, lang: str | None = None) -> str:
    from ..safetext import visible
    from .html import environment

    v = build_view(report, lang)
    return visible(environment("md").get_template("report.md.j2").render(v=v))
