"""Render a report: terminal (rich), JSON, Markdown, HTML.

Agreement text is untrusted: in the terminal it goes through ``rich.text.Text`` (never
parsed as markup), in HTML through ``html.escape``, in Markdown with its markup characters
escaped.
"""
from __future__ import annotations

import html
from typing import TYPE_CHECKING

from .model import SEVERITY_ORDER
from .taxonomy import CATEGORIES

if TYPE_CHECKING:  # pragma: no cover
    from .pipeline import Report

_SEV_NAME = {"zh": {"high": "高", "medium": "中", "low": "低"}, "en": {"high": "high", "medium": "medium", "low": "low"}}
_SEV_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan"}


def _label(cat: str, lang: str) -> str:
    c = CATEGORIES.get(cat)
    return (c.zh if lang == "zh" else c.en) if c else cat


def _fmt_values(values: dict) -> str:
    parts = []
    v = dict(values)
    if "amount" in v:
        cur = v.pop("currency", "")
        per = v.pop("period", "")
        parts.append(f"{v.pop('amount')} {cur}{'/' + per if per and per != 'once' else ''}".strip())
    for k, val in v.items():
        parts.append(f"{k}={val}")
    return ", ".join(parts)


def _sorted(report: "Report"):
    return sorted(report.findings, key=lambda f: (-SEVERITY_ORDER[f.severity], f.location.start))


def render_terminal(report: "Report", lang: str | None = None, width: int | None = None,
                    color: bool | None = None) -> str:
    """The terminal report as a string (ANSI colours unless NO_COLOR or color=False)."""
    import io
    import os

    from rich.console import Console
    from rich.text import Text

    lang = lang or report.language
    no_color = color is False or (color is None and bool(os.environ.get("NO_COLOR")))
    buf = io.StringIO()
    con = Console(file=buf, width=width or 100, no_color=no_color, force_terminal=not no_color,
                  color_system=None if no_color else "standard", highlight=False, emoji=False)
    d = report.document
    zh = lang == "zh"
    con.print(Text(f"terms-scan: {d.source}", style="bold"))
    con.print(Text(("页数 %d · %d 字 · 语言 %s" if zh else "%d page(s) · %d chars · language %s")
                   % (len(d.pages), report.chars, report.language), style="dim"))
    counts = {s: sum(1 for f in report.findings if f.severity == s) for s in ("high", "medium", "low")}
    con.print(Text(("发现：高 %(high)d · 中 %(medium)d · 低 %(low)d" if zh else
                    "Findings: high %(high)d · medium %(medium)d · low %(low)d") % counts))
    con.print()
    for f in _sorted(report):
        head = Text()
        head.append(f"[{_SEV_NAME[lang][f.severity]}] ", style=_SEV_STYLE[f.severity])
        head.append(_label(f.category, lang), style="bold")
        head.append(f"  p.{f.location.page}", style="dim")
        vals = _fmt_values(f.values)
        if vals:
            head.append(f"  {vals}", style="green")
        con.print(head)
        con.print(Text("  " + f.explanation.get(lang, f.explanation.get("en", ""))))
        con.print(Text("  “" + " ".join(f.evidence.split()) + "”", style="italic"))
        con.print()
    if report.protections:
        con.print(Text("对你有利的条款" if zh else "Protections in your favour", style="bold green"))
        for p in report.protections:
            line = Text("  + ", style="green")
            line.append(_label(p.category, lang) + ": ", style="bold")
            line.append(" ".join(p.evidence.split()))
            con.print(line)
        con.print()
    for w in report.warnings:
        con.print(Text("! " + w, style="yellow"))
    if not report.findings:
        con.print(Text("未发现已知的风险条款。" if zh else "No known risky clauses found."))
    return buf.getvalue()


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]<>()#+-!|"})


def md_escape(text: str) -> str:
    return " ".join(text.split()).translate(_MD_SPECIAL)


def render_markdown(report: "Report", lang: str | None = None) -> str:
    lang = lang or report.language
    zh = lang == "zh"
    d = report.document
    out = [f"# terms-scan: {md_escape(d.source)}", ""]
    out.append(("%d 页 · %d 字 · 语言 %s" if zh else "%d page(s) · %d chars · language %s")
               % (len(d.pages), report.chars, report.language))
    out.append("")
    for f in _sorted(report):
        vals = _fmt_values(f.values)
        out.append(f"## [{_SEV_NAME[lang][f.severity]}] {_label(f.category, lang)} (p. {f.location.page})")
        out.append("")
        out.append(md_escape(f.explanation.get(lang, "")))
        if vals:
            out.append("")
            out.append(("数值：" if zh else "Values: ") + md_escape(vals))
        out.append("")
        out.append("> " + md_escape(f.evidence))
        out.append("")
    if report.protections:
        out.append("## " + ("对你有利的条款" if zh else "Protections in your favour"))
        out.append("")
        for p in report.protections:
            out.append(f"- **{_label(p.category, lang)}**: {md_escape(p.evidence)}")
        out.append("")
    return "\n".join(out)


def render_html(report: "Report", lang: str | None = None) -> str:
    """One self-contained page (no external requests); all document text escaped."""
    lang = lang or report.language
    zh = lang == "zh"
    e = html.escape
    rows = []
    for f in _sorted(report):
        rows.append(
            f'<tr class="sev-{e(f.severity)}"><td>{e(_SEV_NAME[lang][f.severity])}</td>'
            f"<td>{e(_label(f.category, lang))}</td><td>{f.location.page}</td>"
            f"<td>{e(_fmt_values(f.values))}</td><td>{e(f.explanation.get(lang, ''))}"
            f"<blockquote>{e(f.evidence)}</blockquote></td></tr>")
    prot = "".join(f"<li><b>{e(_label(p.category, lang))}</b>: {e(p.evidence)}</li>" for p in report.protections)
    title = e(f"terms-scan: {report.document.source}")
    head = ("严重度", "类别", "页", "数值", "说明与原文") if zh else ("Severity", "Category", "Page", "Values", "Meaning and quote")
    return (
        f'<!DOCTYPE html><html lang="{e(lang)}"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">'
        f"<title>{title}</title><style>body{{font-family:sans-serif;max-width:60em;margin:auto}}"
        "td{vertical-align:top;padding:.3em;border-bottom:1px solid #ddd}"
        ".sev-high td:first-child{color:#b00;font-weight:bold}.sev-medium td:first-child{color:#a60}"
        "blockquote{margin:.3em 0;padding-left:.6em;border-left:3px solid #ccc;color:#333}</style></head>"
        f"<body><h1>{title}</h1><table><tr>{''.join(f'<th>{h}</th>' for h in head)}</tr>{''.join(rows)}</table>"
        + (f"<h2>{'对你有利的条款' if zh else 'Protections in your favour'}</h2><ul>{prot}</ul>" if prot else "")
        + "</body></html>")
