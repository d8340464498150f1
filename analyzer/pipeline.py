"""The scan pipeline: extract -> normalize -> segment -> detect (-> values) -> report.

``Scanner`` wires the stages and holds what is loaded once (the compiled pattern library);
the command line and the Python API call the same object.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .detect import detect
from .errors import InputError, UsageError
from .extract import extract_bytes, extract_path
from .model import SEVERITY_ORDER, Document, Finding, Protection
from .normalize import is_cjk, normalize
from .patterns import Pattern, library
from .segment import split_sentences

SCHEMA = "terms-scan/report@1"


def detect_language(text: str) -> str:
    """'zh' when Chinese characters make up a fair share of the letters, else 'en'."""
    sample = text[:20000]
    cjk = sum(1 for c in sample if is_cjk(c))
    latin = sum(1 for c in sample if c.isascii() and c.isalpha())
    return "zh" if cjk and cjk * 3 >= latin * 0.5 else "en"


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
    summary: Any = None  # advice_model.Summary (analyzer.advise)
    offer: Any = None  # advice_model.OfferCheck (analyzer.offer), when an advert was given
    # why the scan is incomplete (its time budget, or a pattern's own limit, ran out: findings
    # may be missing); None when it read everything
    incomplete: str | None = None

    @property
    def complete(self) -> bool:
        return self.incomplete is None

    def to_dict(self) -> dict[str, Any]:
        d = self.document
        return {
            "schema": SCHEMA,
            "tool": {"name": "terms-scan", "version": __version__, "patterns": self.patterns_version},
            "document": {"source": d.source, "sha256": d.sha256, "kind": d.kind, "language": self.language,
                         "pages": len(d.pages), "chars": self.chars, "encoding": d.encoding},
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

    def with_keywords(self, top: int = 6) -> "Report":
        """A copy whose findings carry their clause keywords (jieba / spaCy tokens)."""
        from dataclasses import replace

        from .nlp import keywords

        found = tuple(replace(f, keywords=tuple(keywords(f.evidence, self.language, top))) for f in self.findings)
        return replace(self, findings=found)

    def with_offer(self, advert: str) -> "Report":
        """A copy that also checks an advert's claims against this agreement."""
        from dataclasses import replace

        from .offer import check_offer

        return replace(self, offer=check_offer(advert, self))

    def at_or_above(self, level: str) -> list[Finding]:
        floor = SEVERITY_ORDER[level]
        return [f for f in self.findings if SEVERITY_ORDER[f.severity] >= floor]

    # -- other formats and notebook display (analyzer.api, analyzer.report) -------------------

    def to_markdown(self, lang: str | None = None) -> str:
        """The Markdown report (as ``terms-scan --format md``); ``lang``: zh or en."""
        from .report import render_markdown

        return render_markdown(self, lang)

    def to_html(self, lang: str | None = None) -> str:
        """The self-contained HTML page (as ``terms-scan --format html``)."""
        from .report import render_html

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


class Scanner:
    """Holds the compiled pattern library; ``scan_*`` run the pipeline on one document."""

    def __init__(self, extra_pattern_dirs: tuple[str, ...] = ()) -> None:
        self.patterns: tuple[Pattern, ...] = library(tuple(str(d) for d in extra_pattern_dirs))
        self.patterns_version = _library_version(self.patterns)

    def scan_path(self, path: str | Path, lang: str | None = None, kind: str | None = None) -> Report:
        return self.scan_document(extract_path(Path(path), kind), lang)

    def scan_bytes(self, data: bytes, source: str = "<stdin>", lang: str | None = None,
                   kind: str | None = None) -> Report:
        return self.scan_document(extract_bytes(data, source, kind), lang)

    def scan_text(self, text: str, source: str = "<text>", lang: str | None = None) -> Report:
        return self.scan_document(extract_bytes(text.encode("utf-8"), source, "text"), lang)

    def scan_document(self, doc: Document, lang: str | None = None, budget: float | None = None) -> Report:
        """Scan a document within ``budget`` seconds (default SCAN_BUDGET; None = the default).

        A long text is read in pieces of at most CHUNK_CHARS characters cut at line breaks,
        so memory stays bounded and no pattern's own time limit is spent on a whole 5 MB text.
        When the budget runs out, or a pattern runs out of its limit, the report says so
        (``complete`` False, ``incomplete`` the reason) instead of silently missing findings."""
        import time

        if lang not in (None, "zh", "en"):
            raise UsageError(f"unknown language {lang!r}: use zh or en")
        budget = SCAN_BUDGET if budget is None else budget
        if not budget > 0:
            raise UsageError(f"the scan's time budget must be above 0 seconds, not {budget}")
        deadline = time.monotonic() + budget
        original = doc.text
        from . import values as values_mod

        dollar = values_mod.DOLLAR.set(values_mod.dollar_currency(original))
        try:
            return self._scan_pieces(doc, original, lang, budget, deadline)
        finally:
            values_mod.DOLLAR.reset(dollar)

    def _scan_pieces(self, doc: Document, original: str, lang: str | None, budget: float,
                     deadline: float) -> Report:
        from dataclasses import replace

        from .advise import advise
        from .detect import BudgetExceeded

        pieces = _chunks(original, CHUNK_CHARS)
        findings: list[Finding] = []
        protections: list[Protection] = []
        warnings: list[str] = []
        skipped: list[str] = []
        incomplete: str | None = None
        language = lang
        readable = False
        for a, b in pieces:
            norm = normalize(original[a:b] if (a, b) != (0, len(original)) else original)
            if sum(1 for c in norm.text if c.isalnum()) >= 10:
                readable = True
            elif len(pieces) > 1:
                continue
            else:
                break
            if language is None:
                language = detect_language(norm.text) if len(pieces) == 1 else \
                    detect_language(normalize(_sample(original, pieces)).text)
            view = doc if a == 0 else _Offset(doc, a)
            try:
                f, p, w = detect(view, norm, split_sentences(norm.text), self.patterns, deadline=deadline,
                                 skipped=skipped)
            except BudgetExceeded:
                incomplete = (f"the scan stopped at its time budget ({budget:g} s) after {a:,} of "
                              f"{len(original):,} characters: clauses after that point are not in this report")
                break
            if a:
                f = [replace(x, location=_shift(x.location, a)) for x in f]
                p = [replace(x, location=_shift(x.location, a)) for x in p]
            findings += f
            protections += p
            warnings += [x for x in w if x not in warnings]
        if not readable:
            raise InputError(f"{doc.source}: too little text to assess ({len(original.strip())} characters)")
        if incomplete is None and skipped:
            names = ", ".join(sorted(set(skipped))[:5]) + (" …" if len(set(skipped)) > 5 else "")
            incomplete = (f"{len(set(skipped))} pattern(s) ran out of their time limit on this text and were "
                          f"skipped ({names}): their clauses may be missing")
        if incomplete:
            warnings.append(incomplete)
        report = Report(doc, language or "zh", len(original), tuple(findings), tuple(protections),
                        tuple(warnings), self.patterns_version, incomplete=incomplete)
        return replace(report, summary=advise(report))


SCAN_BUDGET = 45.0        # seconds for detection in one document (then the report is incomplete)
CHUNK_CHARS = 200_000     # a longer text is read in pieces of at most this many characters


def _chunks(text: str, size: int) -> list[tuple[int, int]]:
    """[start, end) pieces of ``text`` of at most ``size`` characters, cut after a line break
    (else a full stop, else hard) in the last quarter of each piece."""
    out, a, n = [], 0, len(text)
    while n - a > size:
        b = a + size
        cut = -1
        for stop in ("\n", "。", ". "):
            cut = text.rfind(stop, a + size * 3 // 4, b)
            if cut != -1:
                cut += len(stop)
                break
        b = cut if cut != -1 else b
        out.append((a, b))
        a = b
    out.append((a, n))
    return out


def _sample(text: str, pieces: list[tuple[int, int]]) -> str:
    """Up to 20,000 characters from across a long text, for its language."""
    step = max(1, len(pieces) // 10)
    return "\n".join(text[a:a + 2000] for a, _ in pieces[::step])[:20000]


def _shift(loc: Any, by: int) -> Any:
    from dataclasses import replace

    return replace(loc, start=loc.start + by, end=loc.end + by)


class _Offset:
    """A document seen from ``base``: page numbers of offsets into one piece of its text."""

    def __init__(self, doc: Document, base: int) -> None:
        self._doc, self._base = doc, base

    def page_of(self, offset: int) -> int:
        return self._doc.page_of(offset + self._base)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._doc, name)


def _library_version(patterns: tuple[Pattern, ...]) -> str:
    import hashlib

    from .patterns import CONCEPT_DIR

    h = hashlib.sha256()
    roots: set[Path] = set()
    for p in patterns:
        h.update(Path(p.path).read_bytes())
        roots.add(Path(p.path).parent.parent)
    for root in sorted(roots):  # the concept lexicons the patterns expand are part of the library
        for f in sorted((root / CONCEPT_DIR).glob("*.yaml")):
            h.update(f.read_bytes())
    return f"{len(patterns)}:{h.hexdigest()[:12]}"


_default: Scanner | None = None


def default_scanner() -> Scanner:
    """One scanner per process: patterns are compiled once, not per scan."""
    global _default
    if _default is None:
        _default = Scanner()
    return _default
