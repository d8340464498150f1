"""Typed, frozen results of the advice layer (``analyzer.advice.advise``) and the advert check
(``analyzer.advice.offer``). Every text a buyer reads is given in both languages ({"zh", "en"}) so
that any report can be rendered in either (``--lang-out``); every figure and statement keeps
the clauses it came from (``Source``), so a reader can check it against the agreement.

JSON (inside the report, beside ``findings``)::

    "summary": {"language": "zh",
      "verdict": {"assessed": true, "grade": "D", "line": {"zh": "…", "en": "…"},
                  "reasons": [{"zh": "…", "en": "…", "sources": [source…]}]},
      "exit_cost": {"currency": "CNY", "term_months": 24, "monthly_minimum": 39,
                    "rows": [{"month": 6, "label": {"zh","en"}, "amount": 702.0, "formula": "(24 - 6) x 39",
                              "parts": [{"label": {...}, "amount": 702.0, "formula": "…", "sources": […]}],
                              "missing": [{"zh","en"}], "sources": […]}],
                    "total_commitment": {...row shape, month = term...}, "notes": [{"zh","en"}]},
      "combinations": [{"id": "topup_locks_you_in", "severity": "high", "title": {...},
                        "explanation": {...}, "sources": […]}],
      "missing_protections": [{"id": "…", "text": {...}}],
      "questions": [{"text": {...}, "sources": […]}],
      "way_out": {"scenarios": [{"id": "not_activated|activated_unused|used", "applies": true|null,
                                 "text": {...}, "sources": […]}],
                  "prepare": [{...}], "channels": [{"name": "10086", "kind": "hotline|app|web|email|store",
                                                       "source": "operator|agreement"}],
                  "escalation": [{"name": "12300", "text": {...}}], "request_text": {...}}}
    "offer": {"text": "…", "claims": [{"kind": "price|data|no_contract|refundable|free_activation",
              "advert": "…", "status": "contradicted|qualified|confirmed|unverified",
              "explanation": {...}, "sources": […]}]}

``source`` = {"category", "evidence", "page", "start", "end"} (offsets into the extracted text,
as in findings).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Text = dict[str, str]  # {"zh": str, "en": str}


def _text(t: Text) -> dict[str, str]:
    return {"zh": t.get("zh", ""), "en": t.get("en", "")}


@dataclass(frozen=True)
class Source:
    """A clause that a figure, statement or question rests on."""

    category: str
    evidence: str
    page: int
    start: int
    end: int

    @classmethod
    def of(cls, finding: Any) -> Source:
        """A Finding or a Protection (both carry category, evidence and location); the advice's
        folded reading of one cites the finding itself, verbatim."""
        finding = getattr(finding, "original", finding)
        return cls(finding.category, finding.evidence, finding.location.page,
                   finding.location.start, finding.location.end)

    def to_dict(self) -> dict[str, Any]:
        return {"category": self.category, "evidence": self.evidence, "page": self.page,
                "start": self.start, "end": self.end}


def _sources(xs: tuple[Source, ...]) -> list[dict[str, Any]]:
    return [s.to_dict() for s in xs]


@dataclass(frozen=True)
class Reason:
    text: Text
    sources: tuple[Source, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {**_text(self.text), "sources": _sources(self.sources)}


@dataclass(frozen=True)
class Verdict:
    assessed: bool
    grade: str | None  # A (best) .. E (worst); None when not assessed
    line: Text
    reasons: tuple[Reason, ...] = ()
    excerpt: bool = False  # judged on a short excerpt only (a pasted clause or two)
    points: float | None = None  # the score behind the grade (the reasons add up to it)

    def to_dict(self) -> dict[str, Any]:
        return {"assessed": self.assessed, "grade": self.grade, "line": _text(self.line),
                "reasons": [r.to_dict() for r in self.reasons], **({"excerpt": True} if self.excerpt else {}),
                **({"points": self.points} if self.points is not None else {})}


@dataclass(frozen=True)
class CostPart:
    label: Text
    amount: float | None  # None: cannot be computed (see formula / missing)
    formula: str
    sources: tuple[Source, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"label": _text(self.label), "amount": self.amount, "formula": self.formula,
                "sources": _sources(self.sources)}


@dataclass(frozen=True)
class CostRow:
    month: int | None  # leave after this month; None for a row that is not month-bound
    label: Text
    amount: float | None
    formula: str
    parts: tuple[CostPart, ...] = ()
    missing: tuple[Text, ...] = ()  # values needed but absent or template placeholders
    sources: tuple[Source, ...] = ()
    # when ``amount`` cannot be computed but some parts can: their sum (the row costs at least this)
    at_least: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"month": self.month, "label": _text(self.label), "amount": self.amount,
                **({"at_least": self.at_least} if self.at_least is not None else {}),
                "formula": self.formula, "parts": [p.to_dict() for p in self.parts],
                "missing": [_text(m) for m in self.missing], "sources": _sources(self.sources)}


@dataclass(frozen=True)
class ExitCost:
    currency: str | None
    term_months: int | None
    monthly_minimum: float | None
    rows: tuple[CostRow, ...]
    total_commitment: CostRow | None
    notes: tuple[Text, ...] = ()
    # money paid now (a first top-up, a prepayment) that the agreement says is not paid back
    upfront: CostRow | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"currency": self.currency, "term_months": self.term_months,
                "monthly_minimum": self.monthly_minimum,
                **({"upfront": self.upfront.to_dict()} if self.upfront is not None else {}),
                "rows": [r.to_dict() for r in self.rows],
                "total_commitment": self.total_commitment.to_dict() if self.total_commitment else None,
                "notes": [_text(n) for n in self.notes]}


@dataclass(frozen=True)
class Combination:
    id: str
    severity: str
    title: Text
    explanation: Text
    sources: tuple[Source, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "severity": self.severity, "title": _text(self.title),
                "explanation": _text(self.explanation), "sources": _sources(self.sources)}


@dataclass(frozen=True)
class MissingProtection:
    id: str
    text: Text

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": _text(self.text)}


@dataclass(frozen=True)
class Question:
    """A question for the seller. ``text`` names and quotes the clause it is about ("Clause 4.1
    says "…": what exactly …"); ``ask`` is the question alone, for a report that has quoted the
    clause already and refers to it by number."""

    text: Text
    sources: tuple[Source, ...] = ()
    ask: Text | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"text": _text(self.text), "sources": _sources(self.sources)}
        if self.ask is not None:
            d["ask"] = _text(self.ask)
        return d


@dataclass(frozen=True)
class Scenario:
    id: str  # not_activated, activated_unused, used
    applies: bool | None  # None: depends on the buyer's situation
    text: Text
    sources: tuple[Source, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "applies": self.applies, "text": _text(self.text),
                "sources": _sources(self.sources)}


@dataclass(frozen=True)
class Channel:
    name: str  # "10086", "https://…", "support@…"
    kind: str  # hotline, app, web, email, store
    source: str  # operator (known operator channel) or agreement (stated in the text)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "source": self.source}


@dataclass(frozen=True)
class Escalation:
    name: str
    text: Text

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "text": _text(self.text)}


@dataclass(frozen=True)
class WayOut:
    scenarios: tuple[Scenario, ...]
    prepare: tuple[Text, ...]
    channels: tuple[Channel, ...]
    escalation: tuple[Escalation, ...]
    request_text: Text

    def to_dict(self) -> dict[str, Any]:
        return {"scenarios": [s.to_dict() for s in self.scenarios],
                "prepare": [_text(p) for p in self.prepare],
                "channels": [c.to_dict() for c in self.channels],
                "escalation": [e.to_dict() for e in self.escalation],
                "request_text": _text(self.request_text)}


@dataclass(frozen=True)
class Summary:
    language: str
    verdict: Verdict
    exit_cost: ExitCost | None
    combinations: tuple[Combination, ...] = ()
    missing_protections: tuple[MissingProtection, ...] = ()
    questions: tuple[Question, ...] = ()
    way_out: WayOut | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"language": self.language, "verdict": self.verdict.to_dict(),
                "exit_cost": self.exit_cost.to_dict() if self.exit_cost else None,
                "combinations": [c.to_dict() for c in self.combinations],
                "missing_protections": [m.to_dict() for m in self.missing_protections],
                "questions": [q.to_dict() for q in self.questions],
                "way_out": self.way_out.to_dict() if self.way_out else None}


@dataclass(frozen=True)
class Claim:
    kind: str  # price, data, no_contract, refundable, free_activation
    advert: str  # the advert's own words
    status: str  # contradicted, qualified, confirmed, unverified
    explanation: Text
    sources: tuple[Source, ...] = ()
    values: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "advert": self.advert, "status": self.status,
                "explanation": _text(self.explanation), "sources": _sources(self.sources),
                "values": dict(self.values)}


@dataclass(frozen=True)
class OfferCheck:
    text: str
    claims: tuple[Claim, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "claims": [c.to_dict() for c in self.claims]}
