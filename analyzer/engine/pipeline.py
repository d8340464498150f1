"""The scan pipeline: extract -> normalize -> segment -> detect (-> values) -> report.

``Scanner`` wires the stages and holds what is loaded once (the compiled pattern library);
the command line and the Python API call the same object.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError, UsageError
from ..model import Document, Finding, Protection, Report
from .detect import detect
from .extract import extract_bytes, extract_path
from .normalize import NormText, count_cjk, normalize
from .patterns import LazyRegex, Pattern, library
from .segment import Sentence, split_sentences

if TYPE_CHECKING:
    import threading

    from .sentmodel import SentenceModel


@dataclass(frozen=True)
class ScanPiece:
    """One piece of a document's text as the scan read it: where it starts in the original
    text, its normalized form (with the map back) and its sentences."""

    offset: int
    norm: NormText
    sentences: tuple[Sentence, ...]

    def statements(self) -> Iterator[tuple[Sentence, int, int]]:
        """Each sentence with its span in the document's original text."""
        for s in self.sentences:
            a, b = self.norm.to_orig(s.start, s.end)
            yield s, a + self.offset, b + self.offset


@dataclass(frozen=True)
class ScanContext:
    """What the scan made of a document's text, made once and kept with the report so that the
    advice and the advert check read the same normalized sentences as the detector, instead of
    normalizing and splitting again."""

    pieces: tuple[ScanPiece, ...]

    @classmethod
    def of(cls, text: str) -> ScanContext:
        """The context of a text read whole (a report that did not keep its own)."""
        norm = normalize(text)
        return cls((ScanPiece(0, norm, tuple(split_sentences(norm.text))),))

    def statements(self) -> Iterator[tuple[Sentence, int, int]]:
        for piece in self.pieces:
            yield from piece.statements()


_LATIN_LETTER = re.compile("[A-Za-z]")


def detect_language(text: str) -> str:
    """'zh' when Chinese characters make up a fair share of the letters, else 'en'."""
    sample = text[:20000]
    cjk = count_cjk(sample)
    latin = len(_LATIN_LETTER.findall(sample))
    return "zh" if cjk and cjk * 3 >= latin * 0.5 else "en"


class Scanner:
    """Holds the compiled pattern library; ``scan_*`` run the pipeline on one document."""

    def __init__(self, extra_pattern_dirs: tuple[str, ...] = (), model: bool | None = None) -> None:
        self.patterns: tuple[Pattern, ...] = library(tuple(str(d) for d in extra_pattern_dirs))
        # the sentence model beside the patterns (see modeldetect): by default (None) its veto on
        # the patterns' findings and its own findings in the categories where it was measured to
        # help; ``True``: its findings in every category (more clauses found, more false alarms);
        # ``False``: the patterns alone. ``self.model`` is None when off, or when its file could
        # not be read (the report then says so: sentmodel.problem())
        self.wants_model = model is not False
        self.every_category = model is True
        self.model: SentenceModel | None = _load_model() if self.wants_model else None
        self.patterns_version = _library_version(self.patterns) + (
            f"+model:{self.model.version}{'+all' if self.every_category else ''}" if self.model is not None else "")

    def warm(self, stop: threading.Event | None = None, langs: Iterable[str] = ("zh", "en")) -> None:
        """Compile the regexes of the patterns of ``langs`` now, in that order (from the regex
        cache: ~35 µs each, ~40 ms a language), until ``stop`` is set. The command line does it
        in the library's thread while PDFium still reads a PDF; the notebook API once per
        scanner, so that later scans compile nothing (see ``patterns.LazyRegex``)."""
        for lang in langs:
            for p in self.patterns:
                if p.lang != lang:
                    continue
                for rx in p.regexes():
                    if stop is not None and stop.is_set():
                        return
                    if isinstance(rx, LazyRegex):
                        rx.compiled()

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

        with values_mod.currencies_of(original):
            return self._scan_pieces(doc, original, lang, budget, deadline)

    def _scan_pieces(self, doc: Document, original: str, lang: str | None, budget: float,
                     deadline: float) -> Report:
        from dataclasses import replace

        from ..advice.advise import advise
        from .detect import BudgetExceeded, SideJob

        pieces = _chunks(original, CHUNK_CHARS)
        findings: list[Finding] = []
        protections: list[Protection] = []
        warnings: list[str] = []
        skipped: list[str] = []
        incomplete: str | None = None
        language = lang
        readable = False
        context: list[ScanPiece] = []
        for a, b in pieces:
            norm = normalize(original[a:b] if (a, b) != (0, len(original)) else original)
            if next(islice((c for c in norm.text if c.isalnum()), 9, None), None) is not None:  # 10 or more
                readable = True
            elif len(pieces) > 1:
                continue
            else:
                break
            if language is None:
                language = detect_language(norm.text) if len(pieces) == 1 else \
                    detect_language(normalize(_sample(original, pieces)).text)
            view = doc if a == 0 else _Offset(doc, a)
            sentences = split_sentences(norm.text)
            context.append(ScanPiece(a, norm, tuple(sentences)))
            try:
                side = None
                if self.model is not None:
                    from . import modeldetect as md

                    cats = None if self.every_category else md.DEFAULT_CATEGORIES.get(language or "zh", frozenset())
                    if cats is None or cats:  # the model reads every sentence: beside the search
                        side = SideJob(partial(md.score_sentences, self.model, sentences, deadline),
                                       md.SCORING_COST.get(language or "zh", 250))
                f, p, w = detect(view, norm, sentences, self.patterns, deadline=deadline, skipped=skipped, side=side)
                if self.model is not None:
                    scores = side.result if side is not None else None
                    f = md.veto(norm, sentences, f, self.model, scores=scores)
                    f = sorted(f + md.model_findings(view, norm, sentences, f, p, self.model, deadline, categories=cats,
                                                     threshold=None if cats is None else md.DEFAULT_THRESHOLD,
                                                     scores=scores),
                               key=lambda x: x.location.start)
            except BudgetExceeded:  # the patterns' or the model's (modeldetect.ModelBudgetExceeded)
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
        warnings += _ocr_warnings(doc)
        if self.wants_model and self.model is None:
            from .sentmodel import problem

            warnings.append(problem() or "the sentence model is not available: clauses are found by the patterns alone")
        report = Report(doc, language or "zh", len(original), tuple(findings), tuple(protections),
                        tuple(warnings), self.patterns_version, incomplete=incomplete,
                        # kept for a text read in one piece (nearly every agreement); a longer
                        # one is not held in memory twice, its context is rebuilt on demand
                        context=ScanContext(tuple(context)) if len(pieces) == 1 else None)
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


def _load_model() -> SentenceModel | None:
    """The sentence model, imported only when a scanner asks for it (its module costs a default
    scan ~10 ms of imports)."""
    from .sentmodel import load

    return load()


def _library_version(patterns: tuple[Pattern, ...]) -> str:
    import hashlib

    from .patterns import CONCEPT_DIR, file_bytes

    h = hashlib.sha256()
    roots: set[str] = set()
    for p in patterns:  # plain strings: 500 Path objects were most of this function's time
        h.update(file_bytes(p.path))
        roots.add(os.path.dirname(os.path.dirname(p.path)))
    for root in sorted(roots, key=Path):  # the concept lexicons the patterns expand are part of the library
        for f in sorted((Path(root) / CONCEPT_DIR).glob("*.yaml")):
            h.update(file_bytes(f))
    return f"{len(patterns)}:{h.hexdigest()[:12]}"


_default: Scanner | None = None


def default_scanner() -> Scanner:
    """One scanner per process: patterns are compiled once, not per scan."""
    global _default
    if _default is None:
        _default = Scanner()
    return _default


LOW_OCR_CONFIDENCE = 0.85  # below this a page read by OCR may have misread words or numbers


def _ocr_warnings(doc: Document) -> list[str]:
    """A line for every page read by OCR with a low confidence: its quotes and numbers may be
    misread, so the buyer checks them against the image."""
    return [f"page {p.number} was read by OCR with a low confidence ({p.ocr_confidence:.2f}): "
            "check its quotes and figures against the image"
            for p in doc.pages if p.ocr_confidence is not None and p.ocr_confidence < LOW_OCR_CONFIDENCE]
