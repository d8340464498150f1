"""Findings of the sentence model (see ``sentmodel``): the clauses the patterns did not find.

After the patterns have read a text, every sentence that binds someone (not a heading, not a
question, not a fragment) is scored by the model; a category it reads with at least the model's
threshold becomes a finding when no pattern already found or cleared that category in that
sentence. The finding quotes the part of the sentence around the words that weighed most,
carries the values the category can state (read from the sentence as the patterns' are), and
says why it fired: ``pattern`` is ``model:<category>``, ``why`` lists the model's probability
and those words.
"""
from __future__ import annotations

import bisect
import re
import time
from typing import Any

from ..model import Finding, Location, Protection
from . import values as values_mod
from .detect import _CONTINUES, _QUESTION, TIMEOUT, BudgetExceeded, Paged, _clause_span, evidence_span
from .normalize import NormText
from .segment import Sentence
from .sentmodel import SentenceModel
from .taxonomy import CATEGORIES, CATEGORY_VALUES

MIN_LETTERS = 6        # shorter sentences ("第五条", "Fees") are headings or fragments
MAX_SENTENCE = 2000    # characters: a longer "sentence" is a page without stops, not a clause
CONFIDENCE = 0.8       # a model finding's confidence is its probability times this (patterns: 0.6-0.95)


_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_MINOR = {"a", "an", "and", "or", "of", "the", "to", "for", "in", "on", "with", "by", "at", "our", "your", "from"}


def title_like(text: str) -> bool:
    """An English heading the segmenter kept as a sentence ("Dispute Resolution and
    Arbitration.", "Refunds", "LIMITATION OF LIABILITY"): at most 10 words, each capitalised
    or a small word, no Chinese. It names a subject and binds no one."""
    words = _LATIN_WORD.findall(text)
    if not words or len(words) > 10 or any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return False
    return all(w[0].isupper() or w.lower() in _MINOR for w in words) and any(w[0].isupper() for w in words)


class ModelBudgetExceeded(BudgetExceeded):
    """The scan's deadline passed while the model was reading."""


def model_findings(doc: Paged, norm: NormText, sentences: list[Sentence], found: list[Finding],
                   protections: list[Protection], model: SentenceModel,
                   deadline: float | None = None) -> list[Finding]:
    """The model's findings in one normalized text, beside ``found`` and ``protections`` (the
    patterns', with locations in the same text)."""
    spans = [norm.to_orig(s.start, s.end) for s in sentences]
    starts = [a for a, _ in spans]
    taken: set[tuple[int, str]] = set()
    items: list[Finding | Protection] = [*found, *protections]
    for item in items:
        loc = item.location
        k = bisect.bisect_right(starts, loc.start) - 1
        while 0 <= k < len(spans) and spans[k][0] < max(loc.end, loc.start + 1):
            if spans[k][1] > loc.start:
                taken.add((k, item.category))
            k += 1
    out: list[Finding] = []
    for k, s in enumerate(sentences):
        if k % 64 == 0 and deadline is not None and time.monotonic() > deadline:
            raise ModelBudgetExceeded
        if s.heading or len(s.text) > MAX_SENTENCE or _QUESTION.search(s.text, timeout=TIMEOUT) or title_like(s.text):
            continue
        if sum(1 for c in s.text if c.isalnum()) < MIN_LETTERS:
            continue
        for g in model.guesses(s.text):
            if (k, g.category) in taken or g.category not in CATEGORIES:
                continue
            if (k - 1, g.category) in taken and _continues(norm.text, sentences, k):
                continue  # "价格调整的，我们将提前7日通知您": the patterns' term goes on, not a new one
            out.append(_finding(doc, norm, sentences, k, g.category, g.probability, g.spans))
    return out


def _continues(text: str, sentences: list[Sentence], k: int) -> bool:
    """Does sentence k go on with the term of the sentence before it, in the same paragraph
    (After that / 此后 / 我们将…), as the patterns' values read it (``detect._CONTINUES``)?"""
    return "\n" not in text[sentences[k - 1].end:sentences[k].start] and _CONTINUES.match(sentences[k].text, timeout=TIMEOUT) is not None


def _finding(doc: Paged, norm: NormText, sentences: list[Sentence], k: int, cat: str, p: float,
             cue_spans: tuple[tuple[int, int], ...]) -> Finding:
    s = sentences[k]
    cues = [norm.quote(s.start + a, s.start + b).strip() for a, b in cue_spans]
    # the quote: the part of the sentence around the strongest cue (all of a short sentence)
    ca, cb = cue_spans[0] if cue_spans else (0, len(s.text))
    a, b = evidence_span(s, s.start + ca, s.start + cb)
    oa, ob = norm.to_orig(a, b)
    la, lb = _clause_span(sentences, k)
    keys = CATEGORY_VALUES.get(cat, ())
    vals: dict[str, Any] = values_mod.pick(s.text, keys, (ca, cb), values_mod.candidates(s.text)) if keys else {}
    c = CATEGORIES[cat]
    why = (("model", f"p={p:.2f}"),) + tuple(("model:cue", w) for w in cues)
    return Finding(
        category=cat, severity=c.severity, confidence=round(p * CONFIDENCE, 3),
        evidence=norm.quote(a, b).strip(), clause=norm.quote(la, lb).strip(),
        location=Location(doc.page_of(oa), oa, ob), values=vals, pattern=f"model:{cat}",
        explanation={"zh": c.meaning_zh, "en": c.meaning_en}, matched=norm.quote(s.start + ca, s.start + cb),
        section=s.section, why=why)
