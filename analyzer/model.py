"""Typed, frozen results shared by every stage of the pipeline."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEVERITY_ORDER = {"low": 0, "medium": 1, "high": 2}


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    text: str
    ocr_confidence: float | None = None  # read by OCR: the recognizer's mean confidence (0..1)


@dataclass(frozen=True)
class Document:
    """Extracted text with provenance. ``text`` is the pages joined by form feeds."""

    source: str
    sha256: str
    kind: str  # pdf, text, markdown, html
    pages: tuple[Page, ...]
    encoding: str | None = None

    @property
    def text(self) -> str:
        return "\f".join(p.text for p in self.pages)

    def page_of(self, offset: int) -> int:
        """1-based page number of an offset into ``text``."""
        pos = 0
        for p in self.pages:
            end = pos + len(p.text)
            if offset <= end:
                return p.number
            pos = end + 1
        return self.pages[-1].number if self.pages else 1


@dataclass(frozen=True)
class Location:
    page: int
    start: int  # offsets into the extracted original text
    end: int

    def to_dict(self) -> dict[str, int]:
        return {"page": self.page, "start": self.start, "end": self.end}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Location:
        return cls(int(d.get("page") or 1), int(d.get("start") or 0), int(d.get("end") or 0))


@dataclass(frozen=True)
class Finding:
    category: str
    severity: str
    confidence: float
    evidence: str
    clause: str
    location: Location
    values: dict[str, Any]
    pattern: str
    explanation: dict[str, str]
    matched: str = ""  # the text the pattern's regex matched (original form)
    section: str | None = None
    keywords: tuple[str, ...] = ()  # filled on request (terms-scan --keywords), see analyzer.engine.nlp
    # why the pattern fired: (part, words) for the match, each concept it required and the
    # binding cue, e.g. (("penalty", "违约金"), ("early_exit", "提前解约"), ("cue:binding", "须"))
    why: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        explanation: dict[str, Any] = dict(self.explanation)
        explanation["matched"] = [{"part": part, "text": text} for part, text in self.why]
        return {
            "category": self.category,
            "severity": self.severity,
            "confidence": round(self.confidence, 3),
            "evidence": self.evidence,
            "clause": self.clause,
            "location": self.location.to_dict(),
            "values": dict(self.values),
            "pattern": self.pattern,
            "explanation": explanation,
            "matched": self.matched,
            "section": self.section,
            "keywords": list(self.keywords),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Finding:
        """The finding a report's JSON describes (``to_dict`` read back): stored reports of the
        weekly watch are compared as typed findings, not as dictionaries."""
        explanation = dict(d.get("explanation") or {})
        matched = explanation.pop("matched", None) or []
        return cls(
            category=d["category"], severity=d.get("severity", "low"),
            confidence=float(d.get("confidence") or 0.0), evidence=d.get("evidence") or "",
            clause=d.get("clause") or "", location=Location.from_dict(d.get("location") or {}),
            values=dict(d.get("values") or {}), pattern=d.get("pattern") or "",
            explanation={k: v for k, v in explanation.items() if isinstance(v, str)},
            matched=d.get("matched") or "", section=d.get("section"),
            keywords=tuple(d.get("keywords") or ()),
            why=tuple((m.get("part", ""), m.get("text", "")) for m in matched if isinstance(m, dict)))


@dataclass(frozen=True)
class Protection:
    category: str
    evidence: str
    clause: str
    location: Location
    pattern: str
    explanation: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "evidence": self.evidence,
            "clause": self.clause,
            "location": self.location.to_dict(),
            "pattern": self.pattern,
            "explanation": dict(self.explanation),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Protection:
        return cls(category=d["category"], evidence=d.get("evidence") or "", clause=d.get("clause") or "",
                   location=Location.from_dict(d.get("location") or {}), pattern=d.get("pattern") or "",
                   explanation=dict(d.get("explanation") or {}))


SCHEMA = "terms-scan/report@1"


def _version() -> str:
    from . import __version__

    return __version__


@dataclass(frozen=True)
class Report:
    document: Document
    language: str
    chars: int
    findings: tuple[Finding, ...]
    protections: tuple[Protection, ...]
    warnings: tuple[str, ...] = ()
    patterns_version: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    summary: Any = None  # advice_model.Summary (analyzer.advice.advise)
    offer: Any = None  # advice_model.OfferCheck (analyzer.advice.offer), when an advert was given
    # why the scan is incomplete (its time budget, or a pattern's own limit, ran out: findings
    # may be missing); None when it read everything
    incomplete: str | None = None
    # the scan's normalized text and sentences (analyzer.engine.pipeline.ScanContext): kept for
    # the advice and the advert check, not part of the report's data (to_dict leaves it out)
    context: Any = field(default=None, compare=False, repr=False)

    @property
    def complete(self) -> bool:
        return self.incomplete is None

    def to_dict(self) -> dict[str, Any]:
        d = self.document
        return {
            "schema": SCHEMA,
            "tool": {"name": "terms-scan", "version": _version(), "patterns": self.patterns_version},
            "document": {"source": d.source, "sha256": d.sha256, "kind": d.kind, "language": self.language,
                         "pages": len(d.pages), "chars": self.chars, "encoding": d.encoding,
                         **({"ocr": [{"page": p.number, "confidence": round(p.ocr_confidence, 3)}
                                     for p in d.pages if p.ocr_confidence is not None]}
                            if any(p.ocr_confidence is not None for p in d.pages) else {})},
            "findings": [f.to_dict() for f in self.findings],
            "protections": [p.to_dict() for p in self.protections],
            "warnings": list(self.warnings),
            "complete": self.complete,
            **({"incomplete": self.incomplete} if not self.complete else {}),
            **({"summary": self.summary.to_dict()} if self.summary is not None else {}),
            **({"offer": self.offer.to_dict()} if self.offer is not None else {}),
        }

    def to_json(self, indent: int | None = 2) -> str:
        from .safetext import json_dumps

        return json_dumps(self.to_dict(), indent)

    def with_keywords(self, top: int = 6) -> Report:
        """A copy whose findings carry their clause keywords (jieba / spaCy tokens)."""
        from dataclasses import replace

        from .engine.nlp import keywords

        found = tuple(replace(f, keywords=tuple(keywords(f.evidence, self.language, top))) for f in self.findings)
        return replace(self, findings=found)

    def with_offer(self, advert: str) -> Report:
        """A copy that also checks an advert's claims against this agreement."""
        from dataclasses import replace

        from .advice.advise import with_offer_verdict
        from .advice.offer import check_offer

        offer = check_offer(advert, self)
        summary = with_offer_verdict(self.summary, offer) if self.summary is not None else None
        return replace(self, offer=offer, summary=summary)

    def at_or_above(self, level: str) -> list[Finding]:
        floor = SEVERITY_ORDER[level]
        return [f for f in self.findings if SEVERITY_ORDER[f.severity] >= floor]

    # -- other formats and notebook display (analyzer.api, analyzer.render.report) -------------------

    def to_markdown(self, lang: str | None = None) -> str:
        """The Markdown report (as ``terms-scan --format md``); ``lang``: zh or en."""
        from .render.report import render_markdown

        return render_markdown(self, lang)

    def to_html(self, lang: str | None = None) -> str:
        """The self-contained HTML page (as ``terms-scan --format html``)."""
        from .render.report import render_html

        return render_html(self, lang)

    def to_frame(self) -> Any:
        """A pandas DataFrame, one row per finding: source, category, severity, confidence,
        page, start, end, pattern, one column per value key (amount, months, …), evidence,
        section. Needs pandas (``pip install 'terms-scan[notebook]'``)."""
        from .api import findings_frame

        return findings_frame(self)

    def exit_cost_frame(self, lang: str | None = None) -> Any:
        """The exit-cost table (``summary.exit_cost``) as a pandas DataFrame: month, label,
        amount (NaN when it cannot be computed), currency, formula, missing."""
        from .api import exit_cost_frame

        return exit_cost_frame(self, lang)

    def _repr_html_(self) -> str:
        """Jupyter: the HTML report's body (verdict, exit cost, findings, the highlighted text)
        as a fragment with its CSS scoped to it; document text escaped."""
        from .api import html_fragment

        return html_fragment(self)

    def __repr__(self) -> str:
        grade = None
        if self.summary is not None and getattr(self.summary, "verdict", None) is not None:
            grade = self.summary.verdict.grade
        return (f"<Report {self.document.source!r}: {self.language}, {len(self.document.pages)} page(s), "
                f"{self.chars} chars, {len(self.findings)} finding(s), {len(self.protections)} protection(s), "
                f"grade {grade or '-'}>")
