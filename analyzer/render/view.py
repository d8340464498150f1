"""ONE language-resolved view of a Report, which every human format renders (terminal, Markdown,
HTML, the summary card): what each section says, in the report language, with the clauses each
statement rests on. The formats decide only how it looks.

``build_view(report, lang)`` reads the findings, ``report.summary`` (advice) and
``report.offer`` (the advert check); a report without them has no verdict, exit cost or advert
sections. Strings here are plain text (the formats escape them: rich Text, html.escape,
md_escape)."""
from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..engine.values import formula_terms
from .i18n import Words, words
from .money import money

if TYPE_CHECKING:  # pragma: no cover
    from ..model import Report

SEVERITIES = ("high", "medium", "low")


# --------------------------------------------------------------------------- plain text helpers

def one_line(text: Any) -> str:
    return " ".join(str(text).split())


def short(text: str, limit: int = 120) -> str:
    t = one_line(text)
    return t if len(t) <= limit else t[: limit - 1] + "…"


def num(x: float) -> str:
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.2f}"


def fmt_money(amount: float | None, currency: str | None, lang: str) -> str:
    return money(amount, currency, lang, missing="—")


def pick_text(text: Any, lang: str) -> str:
    """A model text ({"zh", "en"}) in the report language (the other one when it is empty)."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    other = "en" if lang == "zh" else "zh"
    return str(text.get(lang) or text.get(other) or "")


def shown_name(source: str) -> str:
    """The document's name in a report meant to be shared (Markdown, HTML): a URL as it is, a
    local file by its name only, so a shared report does not leak the folders on the reader's
    machine ("/home/li/合同/联通/agreement.pdf" -> "agreement.pdf")."""
    if "://" in source or source.startswith("<"):
        return source
    return source.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or source


def report_title(report: Report) -> str:
    """What a shared report is called: the agreement's own title (its first short line, when
    it reads as a title) with the file's name, else the file's name."""
    name = shown_name(report.document.source)
    for line in report.document.text.splitlines():
        t = line.strip().strip("#*=_ \t").strip()
        if not t:
            continue
        if len(t) <= 60 and t[-1] not in "。.;；,，:：" and sum(c.isalpha() for c in t) >= 2:
            return t if name.startswith("<") else f"{t} ({name})"
        break
    return name


def dedup_sources(sources: Iterable[Any]) -> list[Any]:
    seen, out = set(), []
    for s in sources:
        key = (s.start, s.end, s.category)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


# "（第1页：“…”）" / "(p. 1: "…")": a clause quoted inside an advert explanation; the brief and
# the summary card have quoted the clause already or have no room for it
_INLINE_QUOTE = re.compile(r"\s?[（(][^（）()“”\"]{0,40}[：:]\s*[“\"][^”\"]*[”\"][）)]")


def unquoted(text: str) -> str:
    return _INLINE_QUOTE.sub("", text)


def quoted_in(s: Any, text: str) -> bool:
    """Does ``text`` (an explanation) already quote this source's clause?"""
    ev = one_line(s.evidence)
    probe = ev[: min(24, len(ev))]
    return bool(probe) and probe in one_line(text)


def formula_words(text: Any, lang: str) -> str:
    """A ``formula`` value in the reader's language ("剩余月数 × 月最低消费 × 2（最高500）";
    in English the formula's own words)."""
    t = formula_terms(text)
    if t.mechanism is None:
        return str(text)
    f = words(lang).of
    out = f("formula", t.mechanism.name)
    if t.multiple != 1:
        out += f("formula", "times") % num(t.multiple)
    bounds = [f("formula", "at_most") % num(t.at_most) if t.at_most is not None else "",
              f("formula", "at_least") % num(t.at_least) if t.at_least is not None else "",
              f("formula", "higher_of") if t.higher_of else ""]
    bounds = [b for b in bounds if b]
    if bounds:
        out += f("formula", "open") + f("formula", "sep").join(bounds) + f("formula", "close")
    return out


def fmt_values(values: dict[str, Any], lang: str = "en") -> str:
    """A finding's values as a buyer reads them: "59元/月", "24个月", "40 GB", "3‰ a day" —
    never the JSON keys ("data_gb=40", "percent=0.3, period=day")."""
    w = words(lang)
    v = dict(values)
    zh = w.lang == "zh"
    parts = []
    per = v.pop("period", None)
    if "amount" in v:
        parts.append(money(v.pop("amount"), v.pop("currency", None), lang, per if per != "once" else None, missing="—"))
        per = None
    v.pop("currency", None)
    if "percent" in v:
        pct = v.pop("percent")
        shown = f"{num(pct * 10)}‰" if isinstance(pct, (int, float)) and 0 < pct < 1 else f"{num(pct)}%"
        if per in ("day", "month", "year"):
            shown = (w.of("per", per) + shown) if zh else f"{shown} {w.of('per', per)}"
            per = None
        parts.append(shown)
    for key in ("months", "days", "data_gb", "speed_kbps"):
        if key in v:
            val = v.pop(key)
            parts.append(w.of("value_words", key).format(v=num(val) if isinstance(val, (int, float)) else val))
    if "formula" in v:
        parts.append(formula_words(v.pop("formula"), lang))
    if per in ("day", "month", "year") and not parts:
        parts.append(w.of("per", per))  # "month-to-month": a period, no amount
    for k, val in v.items():  # a key from an extra pattern library: shown as it is
        parts.append(f"{k} {val}")
    return ("，" if zh else ", ").join(parts)


def arith(formula: str, lang: str) -> str:
    """A cost formula in the reader's language: the arithmetic stays, its words are translated
    ("(12 - 1) x 199 x 20%（最低300）", not "(at least 300)" in a Chinese report)."""
    if not formula:
        return formula
    for rx, repl in _arith_rules(lang):
        formula = rx.sub(repl, formula)
    return formula


_ARITH: dict[str, list[tuple[re.Pattern[str], str]]] = {}


def _arith_rules(lang: str) -> list[tuple[re.Pattern[str], str]]:
    if lang not in _ARITH:
        from .i18n import catalog

        _ARITH[lang] = [(re.compile(rx), repl) for rx, repl in (catalog(lang).get("arith") or [])]
    return _ARITH[lang]


# --------------------------------------------------------------------------- where a clause is

class Locator:
    """Where a clause is, as the reader of one report is told: "p. 3" in a document of pages;
    in a text or web page (one "page") the heading of its section, else "text"."""

    def __init__(self, report: Report, w: Words) -> None:
        self.w = w
        self.one_page = len(report.document.pages) <= 1 and report.document.kind != "pdf"
        marks: list[tuple[int, str | None]] = []
        ctx = getattr(report, "context", None)
        if self.one_page and ctx is not None:
            marks = [(a, sent.section) for sent, a, _b in ctx.statements()]
        elif self.one_page:
            marks = sorted((f.location.start, f.section) for f in report.findings)
        self._starts = [a for a, _ in marks]
        self._sections = [x for _, x in marks]

    def where(self, page: int, start: int | None = None) -> str:
        if not self.one_page:
            return self.w.s("page") % page
        i = bisect.bisect_right(self._starts, start) - 1 if start is not None else -1
        sec = self._sections[i] if i >= 0 else None
        if not sec:
            return self.w.s("in_text")
        sec = one_line(sec)
        sec = sec if len(sec) <= 18 else sec[:17] + "…"
        return f"【{sec}】" if self.w.lang == "zh" else f"[{sec}]"

    def src_ref(self, src: Any) -> str:
        """``p. 3 Minimum spend`` for a Source."""
        return f"{self.where(src.page, src.start)} {self.w.label(src.category)}"

    def ref_labels(self, sources: Iterable[Any]) -> list[tuple[str, list[Any]]]:
        """Sources grouped under their label (``p. 1 Lock-in``), so a label is shown once."""
        groups: dict[str, list[Any]] = {}
        for s in dedup_sources(sources):
            groups.setdefault(self.src_ref(s), []).append(s)
        return list(groups.items())


# --------------------------------------------------------------------------- the view

@dataclass
class ReasonView:
    text: str
    sources: tuple[Any, ...]
    combination: str | None = None  # the combination's name when the reason is one


@dataclass
class VerdictView:
    assessed: bool
    grade: str | None
    grade_text: str
    scale: str
    line: str
    incomplete: str | None
    reasons: list[ReasonView]


@dataclass
class CostRowView:
    row: Any
    label: str
    cost: str          # "822元", "至少702元" or "无法算出"
    known: bool        # the total is computed
    adds: str          # the one-line sum: "702元 + 60元 + 60元", or the formula of one part
    formula: str       # the row's formula in the reader's words
    how: list[str]     # the formula, each part with its amount, what is missing
    sources: list[Any]
    total: bool        # the minimum total commitment


@dataclass
class ExitCostView:
    head: str
    rows: list[CostRowView]
    legend: list[tuple[str, list[Any]]]
    missing: list[str]
    notes: list[str]
    term_months: int | None


@dataclass
class ComboView:
    severity: str
    sev_name: str
    title: str
    explanation: str
    sources: list[Any]


@dataclass
class FindingView:
    finding: Any
    index: int
    sev_name: str
    label: str
    where: str
    values: str
    explanation: str
    evidence: str


@dataclass
class ProtectionView:
    protection: Any
    index: int
    label: str
    where: str
    evidence: str


@dataclass
class QuestionView:
    text: str
    ask: str | None
    sources: tuple[Any, ...]


@dataclass
class ScenarioView:
    applies: bool | None
    applies_word: str
    text: str
    sources: tuple[Any, ...]


@dataclass
class WayOutView:
    scenarios: list[ScenarioView]
    prepare: list[str]
    channels: list[tuple[str, str, str]]  # name, kind, where it comes from
    escalation: list[tuple[str, str]]     # name, what to do
    request: str


@dataclass
class ClaimView:
    kind: str
    kind_word: str
    advert: str
    status: str
    status_word: str
    explanation: str
    sources: list[Any]          # deduplicated
    not_quoted: list[Any]       # sources the explanation does not quote already


@dataclass
class OfferView:
    text: str
    claims: list[ClaimView]


@dataclass
class ReportView:
    report: Any
    lang: str
    w: Words
    loc: Locator
    title: str
    source: str
    meta: str
    counts: str
    verdict: VerdictView | None = None
    exit_cost: ExitCostView | None = None
    combinations: list[ComboView] = field(default_factory=list)
    findings: list[tuple[str, str, list[FindingView]]] = field(default_factory=list)  # (severity, heading, items)
    protections: list[ProtectionView] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    questions: list[QuestionView] = field(default_factory=list)
    way_out: WayOutView | None = None
    offer: OfferView | None = None
    warnings: list[str] = field(default_factory=list)
    has_summary: bool = False

    def s(self, key: str) -> str:
        return self.w.s(key)


def build_view(report: Report, lang: str | None = None) -> ReportView:
    lang = lang or report.language
    w = words(lang)
    lang = w.lang if lang not in ("zh", "en") else lang
    loc = Locator(report, w)
    d = report.document
    counts = {s: sum(1 for f in report.findings if f.severity == s) for s in SEVERITIES}
    v = ReportView(report, lang, w, loc, report_title(report), d.source,
                   w.s("meta") % (len(d.pages), report.chars, report.language), w.s("counts") % counts)
    summary = getattr(report, "summary", None)
    if summary is not None:
        v.has_summary = True
        v.verdict = _verdict(report, summary.verdict, lang)
        ec = summary.exit_cost
        if ec is not None and (ec.rows or ec.total_commitment is not None):
            v.exit_cost = _exit_cost(ec, lang)
        v.combinations = [ComboView(c.severity, w.sev(c.severity), pick_text(c.title, lang),
                                    pick_text(c.explanation, lang), dedup_sources(c.sources))
                          for c in summary.combinations]
        v.missing = [pick_text(m.text, lang) for m in summary.missing_protections]
        v.questions = [QuestionView(pick_text(q.text, lang), pick_text(q.ask, lang) if q.ask is not None else None,
                                    tuple(q.sources)) for q in summary.questions]
        if summary.way_out is not None:
            v.way_out = _way_out(summary.way_out, lang)
    v.findings = _findings(report, w, loc, lang)
    v.protections = [ProtectionView(p, i, w.label(p.category), loc.where(p.location.page, p.location.start), p.evidence)
                     for i, p in enumerate(report.protections)]
    offer = getattr(report, "offer", None)
    if offer is not None:
        v.offer = _offer(offer, lang)
    v.warnings = list(report.warnings)
    return v


def _verdict(report: Any, verdict: Any, lang: str) -> VerdictView:
    w = words(lang)
    grade_text = f"{w.s('grade')} {verdict.grade}" if verdict.assessed and verdict.grade else w.s("not_graded")
    reasons = []
    for r in verdict.reasons:
        en = r.text.get("en", "") if isinstance(r.text, dict) else ""
        text = pick_text(r.text, lang)
        name = text.split("：", 1)[-1].split(": ", 1)[-1] if en.startswith("Combination: ") else None
        reasons.append(ReasonView(text, tuple(r.sources), name))
    incomplete = None if getattr(report, "complete", True) else w.s("incomplete") + str(report.incomplete)
    return VerdictView(verdict.assessed, verdict.grade, grade_text, w.s("grade_scale"), pick_text(verdict.line, lang),
                       incomplete, reasons)


def cost_rows(ec: Any) -> list[Any]:
    upfront = getattr(ec, "upfront", None)
    rows = ([upfront] if upfront is not None else []) + list(ec.rows)
    if ec.total_commitment is not None:
        rows.append(ec.total_commitment)
    return rows


def row_sources(row: Any) -> list[Any]:
    return dedup_sources([*row.sources, *(s for p in row.parts for s in p.sources)])


def _exit_cost(ec: Any, lang: str) -> ExitCostView:
    w = words(lang)
    cur = ec.currency
    head = []
    if ec.term_months:
        head.append(w.s("term") % ec.term_months)
    if ec.monthly_minimum is not None:
        head.append(w.s("monthly_min") % fmt_money(ec.monthly_minimum, cur, lang))
    rows = []
    for row in cost_rows(ec):
        if row.amount is not None:
            cost = fmt_money(row.amount, cur, lang)
        else:
            known = getattr(row, "at_least", None)
            cost = w.s("no_number") if known is None else w.s("at_least") % fmt_money(known, cur, lang)
        rows.append(CostRowView(row, pick_text(row.label, lang), cost, row.amount is not None, _adds(row, cur, lang),
                                arith(row.formula, lang), _how(row, cur, lang), row_sources(row),
                                row is ec.total_commitment))
    missing = list(dict.fromkeys(pick_text(m, lang) for r in cost_rows(ec) for m in r.missing))
    return ExitCostView(" · ".join(head), rows, _legend(ec, lang), missing, [pick_text(n, lang) for n in ec.notes],
                        ec.term_months)


def _adds(row: Any, currency: str | None, lang: str) -> str:
    """How a row's cost adds up, in one line: "897元 + 110元 + 10元" for several parts, the
    formula for one ("39 x 24"); nothing when it would only repeat the cost."""
    parts = [p for p in row.parts if not (p.amount == 0 and len(row.parts) > 1)]
    if len(parts) > 1:
        return " + ".join(fmt_money(p.amount, currency, lang) if p.amount is not None else "?" for p in parts)
    shown = fmt_money(row.amount, currency, lang) if row.amount is not None else ""
    f = row.formula
    if not f or f == shown or f.replace(",", "") == num(row.amount or 0).replace(",", "") or "term completed" in f:
        return ""
    return arith(f, lang)


def _legend(ec: Any, lang: str) -> list[tuple[str, list[Any]]]:
    """The parts an exit cost is made of, once for the whole table: each part's label with its
    formula for a month n (from the first row that has parts) and the clauses it rests on."""
    row = next((r for r in ec.rows if len(r.parts) > 1), None)
    if row is None:
        return []
    out = []
    for p in row.parts:
        f = p.formula
        if row.month is not None:
            f = re.sub(rf"(?<![\d.]){row.month}(?![\d.])", "n", f)
        out.append((pick_text(p.label, lang) + (f" = {arith(f, lang)}" if f else ""), list(p.sources)))
    return out


def _how(row: Any, currency: str | None, lang: str) -> list[str]:
    """Lines explaining a cost row: its formula, its parts, what is missing."""
    lines = []
    if row.formula:
        lines.append(arith(row.formula, lang))
    if len(row.parts) > 1 or (row.parts and row.parts[0].formula != row.formula):
        for p in row.parts:
            amt = fmt_money(p.amount, currency, lang) if p.amount is not None else "?"
            lines.append(f"{pick_text(p.label, lang)}: {amt}" + (f" = {arith(p.formula, lang)}" if p.formula else ""))
    if row.missing:
        lines.append(words(lang).s("missing_values") + "; ".join(pick_text(m, lang) for m in row.missing))
    return lines


def _findings(report: Any, w: Words, loc: Locator, lang: str) -> list[tuple[str, str, list[FindingView]]]:
    index = {id(f): i for i, f in enumerate(report.findings)}
    groups = []
    for sev in SEVERITIES:
        fs = sorted((f for f in report.findings if f.severity == sev), key=lambda f: f.location.start)
        if fs:
            items = [FindingView(f, index[id(f)], w.sev(f.severity), w.label(f.category),
                                 loc.where(f.location.page, f.location.start), fmt_values(f.values, lang),
                                 _explain(f, w, lang), f.evidence) for f in fs]
            groups.append((sev, w.s("sev_" + sev), items))
    return groups


def _explain(f: Any, w: Words, lang: str) -> str:
    """A finding's explanation; one found by the sentence model (``terms-scan --model``) says so,
    with its probability, so that the reader checks it rather than takes it as read."""
    text = pick_text(f.explanation, lang)
    if not str(f.pattern).startswith("model:"):
        return text
    p = next((words[2:] for part, words in f.why if part == "model" and words.startswith("p=")), "")
    return f"{text} {w.s('model_note').format(p=p or '?')}"


def _way_out(wo: Any, lang: str) -> WayOutView:
    w = words(lang)
    return WayOutView(
        [ScenarioView(sc.applies, w.of("applies", sc.applies), pick_text(sc.text, lang), tuple(sc.sources))
         for sc in wo.scenarios],
        [pick_text(p, lang) for p in wo.prepare],
        [(ch.name, w.of("channel_kind", ch.kind), w.of("channel_source", ch.source)) for ch in wo.channels],
        [(x.name, pick_text(x.text, lang)) for x in wo.escalation],
        pick_text(wo.request_text, lang))


def _offer(offer: Any, lang: str) -> OfferView:
    w = words(lang)
    claims = []
    for c in offer.claims:
        expl = pick_text(c.explanation, lang)
        srcs = dedup_sources(c.sources)
        claims.append(ClaimView(c.kind, w.of("claim_kind", c.kind), c.advert, c.status, w.of("claim_status", c.status),
                                expl, srcs, [s for s in srcs if not quoted_in(s, expl)]))
    return OfferView(offer.text, claims)
