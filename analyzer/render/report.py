"""Render a report for people: terminal (rich), Markdown, HTML, a summary card. (JSON is
``Report.to_json``.)

Every format renders the one view of a report (``view.build_view``): the verdict, the exit-cost
table, the combinations, the findings grouped by severity with their quotes and where they are,
the protections, the missing protections, the questions to ask, the way out, and the advert
check when an advert was given, in the report language (``locale/``). The formats:
``terminal`` (rich), ``html`` and ``markdown`` (Jinja2 templates under ``templates/``),
``card`` (a PNG summary through headless Chromium).

Agreement text is untrusted: in the terminal it goes through ``rich.text.Text`` (never parsed
as markup, also inside tables), in HTML through ``html.escape`` (the page has no script, no
external reference, and a CSP that forbids fetching anything), in Markdown with its markup
characters escaped.

This module keeps the names the rest of the package and its users import.
"""
from __future__ import annotations

from .highlight import scope_css
from .html import render_html
from .markdown import md_escape, render_markdown
from .terminal import BRIEF_CLAUSES, BRIEF_QUESTIONS, render_terminal
from .view import fmt_values as _fmt_values
from .view import report_title, shown_name
from .view import unquoted as _unquoted

__all__ = ["BRIEF_CLAUSES", "BRIEF_QUESTIONS", "md_escape", "render_html", "render_markdown", "render_terminal",
           "report_title", "scope_css", "shown_name", "_fmt_values", "_unquoted"]
