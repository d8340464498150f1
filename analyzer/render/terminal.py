"""The terminal report (rich), rendered from the view (``view.build_view``).

``full=False`` is the brief the command line shows by default, a first screen that decides:
the verdict, the exit cost, the most serious clauses quoted (numbered, so that questions and the
advert check refer to them), contradicted advert claims and the most important questions,
ending with how to see everything. Every agreement-derived string goes into ``rich.text.Text``
objects, so ``[bold]`` or ``[link=…]`` in an agreement prints literally."""
from __future__ import annotations

import io
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .cjkwrap import hang, safe_output, wtext
from .view import SEVERITIES, ReportView, build_view, one_line, short

if TYPE_CHECKING:  # pragma: no cover
    from ..model import Report

BRIEF_CLAUSES = 5    # clauses quoted in the brief terminal report
BRIEF_QUESTIONS = 3  # questions in it
SEV_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan"}
GRADE_STYLE = {"A": "bold green", "B": "green", "C": "yellow", "D": "bold red", "E": "bold white on red"}
STATUS_STYLE = {"contradicted": "bold red", "qualified": "yellow", "confirmed": "green", "unverified": "dim"}


class _Out:
    """A console and the small ways the report prints on it."""

    def __init__(self, view: ReportView, width: int | None, no_color: bool) -> None:
        from ..safetext import SafeConsole

        self.v = view
        self.buf = io.StringIO()
        self.con = SafeConsole(file=self.buf, width=width or 100, no_color=no_color, force_terminal=not no_color,
                               color_system=None if no_color else "standard", highlight=False, emoji=False,
                               markup=False, legacy_windows=False)

    def text(self, s: str = "", style: str = "") -> Any:
        return wtext(s, style)

    def print(self, x: Any = None) -> None:
        if x is None:
            self.con.print()
        else:
            self.con.print(x)

    def hang(self, t: Any, indent: int) -> None:
        self.con.print(hang(t, indent, self.con.width))

    def heading(self, key: str) -> None:
        self.con.print()
        self.con.print(self.text(self.v.s(key), "bold underline"))

    def sub(self, s: str) -> None:
        self.con.print(self.text(s, "bold"))

    def item(self, s: str, bullet: str = "• ", style: str = "", indent: int = 2) -> None:
        from ..safetext import SafeText

        # hanging indent: the wrapped lines line up under the text, not under the bullet
        line = SafeText(" " * indent + bullet, style=style)
        line.append(s)
        self.hang(line, indent + len(bullet))

    def quote(self, s: str, indent: int = 4) -> None:
        from ..safetext import SafeText

        self.hang(SafeText(" " * indent + "“" + one_line(s) + "”", style="italic"), indent + 1)

    def refs(self, sources: Iterable[Any], indent: int = 4) -> None:
        from ..safetext import SafeText

        labels = [label for label, _ in self.v.loc.ref_labels(sources)]
        if labels:
            self.hang(SafeText(" " * indent + "→ " + "; ".join(labels), style="dim"), indent + 2)


def render_terminal(report: Report, lang: str | None = None, width: int | None = None,
                    color: bool | None = None, full: bool = True) -> str:
    """The terminal report as a string (ANSI colours unless NO_COLOR or color=False)."""
    v = build_view(report, lang)
    no_color = color is False or (color is None and bool(os.environ.get("NO_COLOR")))
    o = _Out(v, width, no_color)
    o.print(o.text(f"terms-scan: {v.source}", "bold"))
    if full:
        o.print(o.text(v.meta, "dim"))
        o.print(o.text(v.counts))
    else:
        o.hang(o.text(v.meta + " · " + v.counts, "dim"), 0)
    _verdict(o, v, full)
    _exit_cost(o, v, full)
    if v.combinations and full:  # the brief has them among the verdict's reasons
        _combinations(o, v)
    numbered = _findings(o, v, full)
    if v.protections and full:
        _protections(o, v)
    if v.has_summary:
        if v.missing and full:
            o.heading("missing")
            for m in v.missing:
                o.item(m, bullet="- ")
        _questions(o, v, full, numbered)
        if v.way_out is not None and full:
            _way_out(o, v)
    if v.offer is not None:
        _offer(o, v, full, numbered)
    if v.warnings:
        o.print()
        for w_ in v.warnings:
            o.hang(o.text("! " + w_, "yellow"), 2)
    o.print()
    o.hang(o.text(v.s("disclaimer"), "dim"), 0)
    if not full:
        o.hang(o.text(v.s("see_all"), "bold"), 0)
    elif v.verdict is not None and v.verdict.assessed:
        # the screen shows the end of a long report: the verdict again, not the request template
        recap = o.text()
        recap.append(f"{v.s('verdict')}: ", style="bold")
        recap.append(f" {v.verdict.grade_text} ", style=GRADE_STYLE.get(v.verdict.grade or "", "bold"))
        recap.append(" " + v.verdict.line, style="bold")
        o.hang(recap, 0)
    return safe_output(o.buf.getvalue(), no_color)


def _verdict(o: _Out, v: ReportView, full: bool) -> None:
    vd = v.verdict
    if vd is None:
        return
    o.heading("verdict")
    line = o.text()
    line.append(f" {vd.grade_text} ", style=GRADE_STYLE.get(vd.grade or "", "bold") if vd.assessed else "bold")
    if vd.assessed and vd.grade:
        line.append(f" ({vd.scale})", style="dim")
    o.print(line)
    o.hang(o.text(vd.line, "bold"), 0)
    if vd.incomplete:
        o.hang(o.text(vd.incomplete, "bold red"), 0)
    combos = [r for r in vd.reasons if r.combination is not None]
    for r in vd.reasons:
        if not full and r.combination is not None:
            if r is combos[0]:  # the brief: the combinations in one line
                names = "；".join(c.combination or "" for c in combos)
                o.item(v.s("combos_brief") % len(combos) + names)
            continue
        o.item(r.text)
        if full:  # the brief names the clauses once, below
            o.refs(r.sources)


def _exit_cost(o: _Out, v: ReportView, full: bool) -> None:
    """One line a row (when, what it costs, the parts that add up to it); what the parts are,
    what is missing and the clauses behind them once, below."""
    from rich.cells import cell_len

    ec = v.exit_cost
    if ec is None:
        return
    o.heading("exit_cost")
    if ec.head:
        o.print(o.text(ec.head, "dim"))
    rows = ec.rows
    if not full:  # the brief leaves out "leaving at the end of the term costs nothing"
        rows = [r for r in rows if not (r.row.amount == 0 and r.row.month is not None and r.row.month == ec.term_months)]
    w_leave = max(cell_len(r.label) for r in rows)
    w_cost = max(cell_len(r.cost) for r in rows)
    for r in rows:
        line = o.text("  " + r.label + " " * (w_leave - cell_len(r.label) + 2))
        line.append(" " * (w_cost - cell_len(r.cost)) + r.cost, style="bold" if r.known else "yellow")
        if r.adds:
            line.append(f"  = {r.adds}", style="dim")
        o.hang(line, w_leave + w_cost + 6)
    if ec.legend:
        o.print(o.text("  " + v.s("cost_parts"), "dim"))
        for text_, srcs in ec.legend:
            o.item(text_, bullet="  · ", style="dim")
            if full:
                o.refs(srcs)
    missing = list(dict.fromkeys(m for r in rows for m in _row_missing(r, v)))
    if missing:
        o.item(v.s("missing_values") + "; ".join(missing), bullet="  ", style="yellow")
    for n in ec.notes:
        o.item(n, bullet="* ", style="dim")


def _row_missing(r: Any, v: ReportView) -> list[str]:
    from .view import pick_text

    return [pick_text(m, v.lang) for m in r.row.missing]


def _combinations(o: _Out, v: ReportView) -> None:
    o.heading("combinations")
    for c in v.combinations:
        head = o.text("  ")
        head.append(f"[{c.sev_name}] ", style=SEV_STYLE.get(c.severity, ""))
        head.append(c.title, style="bold")
        o.hang(head, 2)
        o.item(c.explanation, bullet="", indent=4)
        # the clauses by reference: their words are quoted once, under the findings
        o.refs(c.sources)


def _brief_groups(v: ReportView) -> tuple[list[tuple[str, list[list[Any]]]], int]:
    """The brief's clauses: the most serious, each quoted once with every category it states."""
    seen: dict[str, list[Any]] = {}
    order: list[list[Any]] = []
    for _sev, _heading, items in v.findings:
        for fv in items:
            key = one_line(fv.evidence)
            if key in seen:
                seen[key].append(fv)
            elif len(order) < BRIEF_CLAUSES:
                seen[key] = [fv]
                order.append(seen[key])
    groups = [(sev, [g for g in order if g[0].finding.severity == sev]) for sev in SEVERITIES]
    return [(sev, gs) for sev, gs in groups if gs], sum(len(g) for g in order)


def _findings(o: _Out, v: ReportView, full: bool) -> dict[str, int]:
    """The clauses; in the brief, numbered (a quoted clause's words -> its number)."""
    o.heading("findings" if full else "top_findings")
    one_page = len(v.report.document.pages) <= 1  # "p. 1" of a text or web page says nothing
    numbered: dict[str, int] = {}
    if full:
        groups = [(sev, [[fv] for fv in items]) for sev, _h, items in v.findings]
        shown = 0
    else:
        groups, shown = _brief_groups(v)
    headings = {sev: h for sev, h, _ in v.findings}
    for sev, gs in groups:
        if full:  # the brief's clauses carry their severity in front
            o.print(o.text(f"{headings[sev]} ({len(gs)})", SEV_STYLE[sev]))
        for g in gs:
            fv = g[0]
            head = o.text("  ")
            if not full:
                numbered[one_line(fv.evidence)] = len(numbered) + 1
                head.append(f"[{len(numbered)}] ", style="bold")
            head.append(f"[{fv.sev_name}] ", style=SEV_STYLE[fv.finding.severity])
            head.append(" · ".join(dict.fromkeys(x.label for x in g)), style="bold")
            if not one_page:
                head.append(f"  {fv.where}", style="dim")
            if fv.values:
                head.append(f"  {fv.values}", style="green")
            o.hang(head, 4)
            if full:
                o.item(fv.explanation, bullet="", indent=4)
            o.quote(fv.evidence)
        if full:
            o.print()
    if not v.findings:
        o.print(o.text(v.s("no_findings")))
    total = sum(len(items) for _s, _h, items in v.findings)
    if not full and total > shown:
        o.print(o.text("  " + v.s("more_findings") % (total - shown), "dim"))
    return numbered


def _protections(o: _Out, v: ReportView) -> None:
    from ..safetext import SafeText

    o.heading("protections")
    for p in v.protections:
        line = SafeText("  + ", style="green")
        line.append(p.label + f" ({p.where}): ", style="bold")
        line.append(one_line(p.evidence))
        o.hang(line, 4)


def _quoted_as(q: Any, v: ReportView, numbered: dict[str, int]) -> int | None:
    """The number of the quoted clause a question is about, when the brief has quoted it."""
    if not numbered or not q.sources:
        return None
    s0 = q.sources[0]
    f = next((x for x in v.report.findings if x.category == s0.category and x.location.start == s0.start
              and x.location.end == s0.end), None)
    return numbered.get(one_line(f.evidence if f is not None else s0.evidence))


def _questions(o: _Out, v: ReportView, full: bool, numbered: dict[str, int]) -> None:
    if not v.questions:
        return
    o.heading("questions")
    for i, q in enumerate(v.questions if full else v.questions[:BRIEF_QUESTIONS], 1):
        k = _quoted_as(q, v, numbered)
        if k is not None and q.ask is not None:  # the clause is quoted above: its number, not its words again
            o.item(f"[{k}] " + q.ask, bullet=f"{i}. ")
        else:
            o.item(q.text, bullet=f"{i}. ")
        if full:
            o.refs(q.sources, indent=5)


def _way_out(o: _Out, v: ReportView) -> None:
    from ..safetext import SafeText

    w = v.way_out
    assert w is not None
    o.heading("way_out")
    if w.scenarios:
        o.sub(v.s("scenarios"))
        for sc in w.scenarios:
            mark = {True: "✔ ", False: "✘ ", None: "? "}.get(sc.applies, "? ")
            line = SafeText("  " + mark, style="green" if sc.applies else ("dim" if sc.applies is False else "yellow"))
            line.append(f"[{sc.applies_word}] ", style="bold")
            line.append(sc.text)
            o.hang(line, 4)
            o.refs(sc.sources, indent=4)
    if w.prepare:
        o.sub(v.s("prepare"))
        for p in w.prepare:
            o.item(p, bullet="- ")
    if w.channels:
        o.sub(v.s("channels"))
        for name, kind, source in w.channels:
            o.item(f"{name} ({kind}, {source})", bullet="- ")
    if w.escalation:
        o.sub(v.s("escalation"))
        for name, text in w.escalation:
            o.item(f"{name}: {text}", bullet="- ")
    if w.request.strip():
        o.sub(v.s("request"))
        for ln in w.request.splitlines() or [""]:
            o.hang(SafeText("  │ " + ln), 4)


def _offer(o: _Out, v: ReportView, full: bool, numbered: dict[str, int]) -> None:
    from rich import box
    from rich.table import Table

    from ..safetext import SafeText
    from .view import unquoted

    offer = v.offer
    assert offer is not None
    o.heading("offer")
    o.hang(SafeText(v.s("offer_text") + one_line(offer.text), style="dim"), 2)
    claims = offer.claims if full else [c for c in offer.claims if c.status == "contradicted"]
    if not full and len(claims) < len(offer.claims):
        o.print(o.text("  " + v.s("more_claims") % (len(offer.claims) - len(claims)), "dim"))
    if not claims:
        return
    table = Table(box=box.SIMPLE_HEAD, show_lines=True, pad_edge=False, width=min(o.con.width, 100))
    table.add_column(o.text(v.s("col_claim")), ratio=3, overflow="fold")
    table.add_column(o.text(v.s("col_status")), ratio=2, overflow="fold")
    table.add_column(o.text(v.s("col_vs")), ratio=6, overflow="fold")
    for c in claims:
        claim = o.text(c.kind_word + "\n")
        claim.stylize("bold", 0, len(claim) - 1)
        claim.append(one_line(c.advert))
        if not full:  # the brief: the clauses by number or by reference, not quoted again
            vs = o.text(unquoted(c.explanation))
            nums = sorted({k for s in c.sources if (k := numbered.get(one_line(s.evidence)))})
            rest = [s for s in c.sources if not numbered.get(one_line(s.evidence))]
            ref = ", ".join([f"[{k}]" for k in nums] + [label for label, _ in v.loc.ref_labels(rest)])
            if ref:
                vs.append(f"\n→ {ref}", style="dim")
        else:
            vs = o.text(c.explanation)
            for s in c.not_quoted:
                vs.append(f"\n{v.s('agreement')}{v.loc.where(s.page, s.start)} ", style="dim")
                vs.append("“" + short(s.evidence, 160) + "”", style="italic")
        table.add_row(claim, o.text(c.status_word, STATUS_STYLE.get(c.status, "")), vs)
    o.print(table)
