"""Typed, frozen results shared by every stage of the pipeline."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEVERITY_ORDER = {"low": 0, "medium": 1, "high": 2}


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    text: str


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
    keywords: tuple[str, ...] = ()  # filled on request (terms-scan --keywords), see analyzer.nlp
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
