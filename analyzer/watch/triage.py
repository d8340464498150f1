"""Triage of a changed source: what a monitor reads first, one line per material change.

The clause changes, added and removed clauses and number changes of a version are merged (the
same sentence found under several categories is one item naming them all), ordered by
severity, labelled in words ("Early termination fee · Extra fees: reworded"), and the changes
that alter no word are set apart as editorial: punctuation, case, hyphens and spacing, number
words against digits ("thirty (30) days" / "30 days"), clause renumbering. A clause whose
sentence is still in the new version word for word, only no longer found by a pattern, is not a
change in the terms and is left out.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..engine.taxonomy import CATEGORIES
from ..model import SEVERITY_ORDER

if TYPE_CHECKING:  # pragma: no cover
    from ..model import Finding
    from .diff import ClauseChange
    from .digest import SourceDigest

TRIAGE_LINES = 15  # material items shown; the rest are counted


@dataclass(frozen=True)
class TriageItem:
    severity: str        # high | medium | low
    categories: tuple[str, ...]
    kind: str            # values | reworded | unmatched | removed | added | number
    summary: str         # in the digest's language, without the categories
    before: str = ""     # the old sentence (empty for an added clause)
    after: str = ""      # the new sentence (empty for a removed clause)

    def to_dict(self) -> dict[str, Any]:
        return {"severity": self.severity, "categories": list(self.categories), "kind": self.kind,
                "summary": self.summary, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class Triage:
    items: tuple[TriageItem, ...]
    editorial: int       # changes that alter no word

    def to_dict(self) -> dict[str, Any]:
        return {"items": [i.to_dict() for i in self.items], "editorial": self.editorial}


_WORD_NUMBERS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
                 "eight": "8", "nine": "9", "ten": "10", "twelve": "12", "fourteen": "14", "fifteen": "15",
                 "thirty": "30", "sixty": "60", "ninety": "90"}
_WORD_NUMBER = re.compile(r"\b(" + "|".join(_WORD_NUMBERS) + r")\b(?:\s*\(\s*\d+\s*\))?", re.I)
_LEADING_NUMBER = re.compile(r"^[\s#*>(（]*(?:(?:section|article|clause)\s+)?[0-9]{1,3}(?:\.[0-9]{1,3})*[.)）、:]?\s*", re.I)


def words_of(text: str) -> str:
    """The words of a sentence for comparison: NFKC, lower case, no clause number, number words as
    digits, letters and digits only."""
    t = unicodedata.normalize("NFKC", str(text)).lower()
    t = _LEADING_NUMBER.sub("", t, count=1)
    t = _WORD_NUMBER.sub(lambda m: _WORD_NUMBERS[m.group(1).lower()], t)
    t = re.sub(r"\((\d+)\)", r"\1", t)
    return "".join(ch for ch in t if ch.isalnum())


_TOKENS = re.compile(r"[^\W_]+")


def _one_typo(a: str, b: str) -> bool:
    """``b`` is ``a`` with one letter added or dropped, or two neighbours swapped, in a word of
    five letters or more without digits: "DISPUTNG" / "DISPUTING", "recieve" / "receive"."""
    if a == b or min(len(a), len(b)) < 5 or any(ch.isdigit() for ch in a + b) or not (a.isascii() and b.isascii()):
        return False
    if abs(len(a) - len(b)) == 1:
        short, long_ = sorted((a, b), key=len)
        return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    return False


def editorial(before: str, after: str) -> bool:
    """The two sentences say the same: the same words once punctuation, case, clause numbers and
    number words are set aside, or the same words but for at most two spelling fixes."""
    if words_of(before) == words_of(after):
        return True
    wa = _TOKENS.findall(_WORD_NUMBER.sub(lambda m: _WORD_NUMBERS[m.group(1).lower()],
                                          unicodedata.normalize("NFKC", before).lower()))
    wb = _TOKENS.findall(_WORD_NUMBER.sub(lambda m: _WORD_NUMBERS[m.group(1).lower()],
                                          unicodedata.normalize("NFKC", after).lower()))
    if len(wa) != len(wb):
        return False
    diffs = [(x, y) for x, y in zip(wa, wb, strict=True) if x != y]
    return 0 < len(diffs) <= 2 and all(_one_typo(x, y) for x, y in diffs)


def _severity(categories: tuple[str, ...], given: str | None = None) -> str:
    sevs = [CATEGORIES[c].severity for c in categories if c in CATEGORIES] + ([given] if given else [])
    return max(sevs, key=lambda s: SEVERITY_ORDER.get(s, 0)) if sevs else "low"


_KIND_ORDER = {"values": 0, "removed": 1, "added": 2, "number": 3, "reworded": 4, "unmatched": 5}


def triage(sd: SourceDigest, lang: str = "en") -> Triage:
    """The material changes of ``sd``, merged, labelled and ordered, and the editorial count."""
    from .digest import describe_change, describe_number

    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    editorial = 0

    def add(kind: str, cat: str, summary: str, before: str, after: str, severity: str | None) -> None:
        key = (kind if kind != "values" else summary.split(": ", 1)[-1], words_of(before), words_of(after))
        g = groups.setdefault(key, {"kind": kind, "cats": [], "summary": summary.split(": ", 1)[-1],
                                    "before": before, "after": after, "sev": []})
        if cat not in g["cats"]:
            g["cats"].append(cat)
        if severity:
            g["sev"].append(severity)

    for c in sd.changed:
        same_words = words_of(c.evidence_before) == words_of(c.evidence_after)
        if c.unmatched and same_words:
            continue  # the sentence is there word for word: a pattern no longer finding it is not a change
        if (c.reworded or c.unmatched) and editorial_change(c):
            editorial += 1
            continue
        kind = "unmatched" if c.unmatched else ("reworded" if c.reworded else "values")
        add(kind, c.category, describe_change(c, lang), c.evidence_before, c.evidence_after, c.severity)
    for f in sd.removed:
        add("removed", f.category, _word("removed", lang), f.evidence, "", f.severity)
    for f in sd.added:
        add("added", f.category, _word("added", lang), "", f.evidence, f.severity)
    for n in sd.numbers:
        add("number", "", describe_number(n, lang), n.sentence_before, n.sentence_after, None)
    # a sentence removed under one category and found again reworded is one change, not two
    items = []
    for g in groups.values():
        cats = tuple(c for c in g["cats"] if c)
        items.append(TriageItem(_severity(cats, max(g["sev"], key=lambda s: SEVERITY_ORDER.get(s, 0)) if g["sev"] else None),
                                cats, g["kind"], g["summary"], g["before"], g["after"]))
    items.sort(key=lambda i: (-SEVERITY_ORDER.get(i.severity, 0), _KIND_ORDER.get(i.kind, 9), i.after or i.before))
    return Triage(tuple(items), editorial)


def editorial_change(c: ClauseChange) -> bool:
    """A reworded clause whose words did not change (punctuation, number words, renumbering,
    a spelling fix): not a change in the terms."""
    return (c.reworded or c.unmatched) and editorial(c.evidence_before, c.evidence_after)


def material(added: tuple[Finding, ...], removed: tuple[Finding, ...], changed: tuple[ClauseChange, ...],
             numbers: tuple[Any, ...]) -> bool:
    """Whether a version changed the terms: a clause added or removed, a value or a number
    changed, or a clause reworded beyond an editorial fix."""
    return bool(added or removed or numbers or any(not editorial_change(c) for c in changed))


_WORDS = {"removed": ("删除", "removed"), "added": ("新增", "added"), "reworded": ("重新表述", "reworded"),
          "number": ("数字", "number")}


def _word(key: str, lang: str) -> str:
    zh, en = _WORDS[key]
    return zh if lang == "zh" else en


def labels(item: TriageItem, lang: str) -> str:
    """"Early termination fee · Extra fees" (the taxonomy's names in the digest's language)."""
    names = [(CATEGORIES[c].zh if lang == "zh" else CATEGORIES[c].en) if c in CATEGORIES else c for c in item.categories]
    return " · ".join(names) or ("数字" if lang == "zh" else "Number")


def line(item: TriageItem, lang: str, quote: int = 90) -> str:
    """One line: "[high] Early termination fee · Extra fees: reworded — “…new words…”"."""
    sev = {"high": ("高", "high"), "medium": ("中", "medium"), "low": ("低", "low")}.get(item.severity, (item.severity,) * 2)
    q = " ".join((item.after or item.before).split())
    q = q if len(q) <= quote else q[: quote - 1] + "…"
    return f"[{sev[0] if lang == 'zh' else sev[1]}] {labels(item, lang)}: {item.summary} — “{q}”"
