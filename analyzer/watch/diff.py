"""Compare two scans of one agreement: which clauses were added, removed or changed in value.

A finding's identity leaves out its position (clauses move between versions): it is the
category and the evidence reduced to its letters and digits (``finding_key``). Diffing two
scans is multiset arithmetic over those identities; what is left on both sides is then
paired, per category, when the two quotes are the same clause reworded or renumbered
(similarity of the quotes with digits removed >= 0.6): with different values that is a
*changed* clause ("lock_in: 12 → 24 months"), not one clause removed and another added;
with the same values it is a changed clause marked ``"reworded": true`` (the wording of a
tracked clause changed: "will be forfeited" → "may be forfeited"). A pair whose quotes differ
only in digits and whose values are equal is the same clause renumbered ("12. Early
termination" → "13. Early termination", "Section 10" → "Section 3") and is not a change.

``is_formatting_only`` tells apart versions whose text differs only in layout, markup,
case or punctuation; ``text_diff`` renders the changed sentences as a compact unified diff.
"""
from __future__ import annotations

import difflib
import heapq
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..model import Finding

PAIR_SIMILARITY = 0.6
# below this share (Dice) of letter trigrams in common, a pair is not compared with difflib
TRIGRAM_FLOOR = 0.15
TRIGRAM_CANDIDATES = 8  # the sentences sharing most trigrams with a clause that difflib compares


def _letters_digits(text: str) -> str:
    """NFKC, lower case, letters and digits only (CJK characters count as letters)."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).lower() if ch.isalnum())


def _letters(text: str) -> str:
    return "".join(ch for ch in _letters_digits(text) if not ch.isdigit())


# Markup and numbering that carry no terms: Markdown link targets and the numbers in front of
# headings and list items (renderings of one page differ in both; see sonic-policies).
_LINK_TARGET = re.compile(r"\]\(\s*<?[^()\s<>]*(?:\([^()\s]*\)[^()\s<>]*)*>?(?:\s+\"[^\"]*\")?\s*\)")
_LINE_NUMBERING = re.compile(
    r"^[ \t#>*+\-]*(?:"
    r"(?:section|article|clause|part)\s+(?:[0-9]{1,3}(?:\.[0-9]{1,3})*|[ivx]{1,5})\b[.:)]?"
    r"|第[一二三四五六七八九十百零〇0-9]{1,6}[条章节款]|[一二三四五六七八九十]{1,3}、"
    r"|[(（]?(?:[0-9]{1,3}(?:\\?\.[0-9]{1,3})*|[a-z]|[ivx]{1,5}|[一二三四五六七八九十]{1,3})\\?[.)）](?![0-9])"
    r")[ \t]*",
    re.I | re.M)


def canonical_text(text: str) -> str:
    """The text without what only formats it: Markdown link targets, leading numbers of
    headings and list items, then letters and digits only (NFKC, lower case)."""
    text = unicodedata.normalize("NFKC", text)
    text = _LINK_TARGET.sub("]", text)
    text = _LINE_NUMBERING.sub("", text)
    return _letters_digits(text)


@dataclass(frozen=True)
class ClauseChange:
    """One clause present in both versions whose values or wording changed."""

    category: str
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    evidence_before: str = ""
    evidence_after: str = ""
    severity: str | None = None
    # same values, different wording ("will be forfeited" -> "may be forfeited")
    reworded: bool = False
    # the clause is still in the new version, reworded so that no pattern finds it any more:
    # ``evidence_after`` is the new version's sentence, ``after`` is empty (not "removed")
    unmatched: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"category": self.category, "before": dict(self.before), "after": dict(self.after),
                "evidence_before": self.evidence_before, "evidence_after": self.evidence_after,
                "severity": self.severity, "reworded": self.reworded,
                **({"unmatched": True} if self.unmatched else {})}


@dataclass(frozen=True)
class FindingsDiff:
    """What changed between two versions' findings."""

    added: tuple[Finding, ...] = ()
    removed: tuple[Finding, ...] = ()
    changed: tuple[ClauseChange, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def finding_key(f: Finding) -> tuple[str, str]:
    """The identity of a finding across versions: (category, evidence normalized)."""
    return (f.category, _letters_digits(f.evidence))


def is_formatting_only(text_a: str, text_b: str) -> bool:
    """True when both texts have the same letters and digits in the same order, once Markdown
    link targets and the numbering of headings and list items are set aside."""
    return text_a == text_b or canonical_text(text_a) == canonical_text(text_b)


_NUMBERING = re.compile(r"^[\s#*(（]*(?:(?:section|article|clause|part)\s+)?"
                        r"(?:第[一二三四五六七八九十百零〇0-9]{1,6}[条章节款]|[一二三四五六七八九十]{1,3}、|[0-9]{1,3}(?:\.[0-9]{1,3})*[.)）、:]?|(?:[ivx]{1,5}|[a-z]|[一二三四五六七八九十]{1,3})[.)）])\s*", re.I)


def _unnumbered(evidence: str) -> str:
    """The evidence without its leading clause number ("12.3 ", "Section 4 ", "(b) ")."""
    return _letters_digits(_NUMBERING.sub("", str(evidence), count=1))


def _values_key(values: Any) -> str:
    return json.dumps(values or {}, sort_keys=True, ensure_ascii=False, default=str)


def _similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def diff_findings(before: Sequence[Finding], after: Sequence[Finding], after_text: str | None = None) -> FindingsDiff:
    """The clauses added, removed and changed (values or wording) between two versions' findings.

    With ``after_text`` (the new version's text), a clause is "removed" only when it is gone: a
    removed finding whose sentence is still in the new text, reworded (similarity >= 0.6), is a
    change marked ``unmatched`` ("reworded, no longer matched") with both quotes."""
    before_keys = Counter(finding_key(f) for f in before)
    after_keys = Counter(finding_key(f) for f in after)
    removed = _take(before, before_keys - after_keys)
    added = _take(after, after_keys - before_keys)

    changed: list[ClauseChange] = []
    pairs: list[tuple[float, int, int]] = []
    for i, r in enumerate(removed):
        r_letters = _letters(r.evidence)
        for j, a in enumerate(added):
            if r.category != a.category:
                continue
            sim = _similarity(r_letters, _letters(a.evidence))
            if sim >= PAIR_SIMILARITY:
                pairs.append((sim, i, j))
    # greedy, most similar first: each clause pairs at most once
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    used_r: set[int] = set()
    used_a: set[int] = set()
    for sim, i, j in pairs:
        if i in used_r or j in used_a:
            continue
        r, a = removed[i], added[j]
        same_values = _values_key(r.values) == _values_key(a.values)
        used_r.add(i)
        used_a.add(j)
        if same_values and (sim >= 1.0 or _unnumbered(r.evidence) == _unnumbered(a.evidence)):
            continue  # renumbered, or a cross-reference renumbered: the same clause
        changed.append(ClauseChange(r.category, dict(r.values), dict(a.values), r.evidence, a.evidence,
                                    a.severity or r.severity, reworded=same_values))
    _pair_leftovers(removed, added, used_r, used_a, changed)
    gone = [r for i, r in enumerate(removed) if i not in used_r]
    if after_text and gone:
        still = _still_there(gone, after_text)
        changed += [ClauseChange(r.category, dict(r.values), {}, r.evidence, sentence, r.severity,
                                 reworded=True, unmatched=True) for r, sentence in still]
        kept = {id(r) for r, _ in still}
        gone = [r for r in gone if id(r) not in kept]
    return FindingsDiff(
        added=tuple(a for j, a in enumerate(added) if j not in used_a),
        removed=tuple(gone),
        changed=tuple(changed),
    )


LEFTOVER_SIMILARITY = 0.35  # a category's one unpaired removed and one unpaired added clause


def _pair_leftovers(removed: Sequence[Finding], added: Sequence[Finding], used_r: set[int], used_a: set[int],
                    changed: list[ClauseChange]) -> None:
    """A category left with exactly one removed and one added clause, which share a good part of
    their words, is one clause reworded (a top-up clause rewritten in other words), not one
    clause gone and another new."""
    by_cat: dict[str, tuple[list[int], list[int]]] = {}
    for i, r in enumerate(removed):
        if i not in used_r:
            by_cat.setdefault(r.category, ([], []))[0].append(i)
    for j, a in enumerate(added):
        if j not in used_a:
            by_cat.setdefault(a.category, ([], []))[1].append(j)
    for rs, as_ in by_cat.values():
        if len(rs) != 1 or len(as_) != 1:
            continue
        r, a = removed[rs[0]], added[as_[0]]
        if _similarity(_letters(r.evidence), _letters(a.evidence)) < LEFTOVER_SIMILARITY:
            continue
        used_r.add(rs[0])
        used_a.add(as_[0])
        changed.append(ClauseChange(r.category, dict(r.values), dict(a.values), r.evidence, a.evidence,
                                    a.severity or r.severity,
                                    reworded=_values_key(r.values) == _values_key(a.values)))


def _still_there(gone: Sequence[Finding], text: str) -> list[tuple[Finding, str]]:
    """The removed findings whose sentence is in ``text`` (reworded at most), with that sentence."""
    sentences = [(s, _letters(s)) for s in _sentences(text)]
    grams = [_trigrams(letters) for _s, letters in sentences]
    out = []
    for r in gone:
        key = _letters(r.evidence)
        if len(key) < 8:
            continue  # too short to recognise reliably
        best, best_sim = None, PAIR_SIMILARITY
        inside = next((s for s, letters in sentences if key in letters), None)
        if inside is not None:  # the same words inside a longer sentence (two sentences merged)
            out.append((r, inside))
            continue
        key_grams = _trigrams(key)
        # difflib's ratio cost most of a large watch run: it is computed only for the sentences
        # sharing the most letter trigrams with the clause (a pair at PAIR_SIMILARITY or more
        # shares at least 0.24 of them on the shared version histories; see TRIGRAM_FLOOR)
        near = []
        for k, ((s, letters), s_grams) in enumerate(zip(sentences, grams, strict=True)):
            if not letters or abs(len(letters) - len(key)) > max(len(letters), len(key)) * 0.6:
                continue
            dice = 2 * len(key_grams & s_grams) / max(1, len(key_grams) + len(s_grams))
            if dice >= TRIGRAM_FLOOR:
                near.append((dice, k, s, letters))
        # the nearest few, compared in the text's order (a tie goes to the later sentence, as before)
        nearest = heapq.nlargest(TRIGRAM_CANDIDATES, near, key=lambda x: x[0])
        for _dice, _k, s, letters in sorted(nearest, key=lambda x: x[1]):
            m = difflib.SequenceMatcher(None, key, letters, autojunk=False)
            if m.real_quick_ratio() < best_sim or m.quick_ratio() < best_sim:
                continue
            sim = m.ratio()
            if sim >= best_sim:
                best, best_sim = s, sim
        if best is not None:
            out.append((r, best))
    return out


def _trigrams(letters: str) -> set[str]:
    return {letters[i:i + 3] for i in range(len(letters) - 2)}


def _take(findings: Iterable[Finding], wanted: Counter[tuple[str, str]]) -> list[Finding]:
    """The findings whose keys are in ``wanted`` (as many of each as counted), in order."""
    left = Counter(wanted)
    out = []
    for f in findings:
        k = finding_key(f)
        if left[k] > 0:
            left[k] -= 1
            out.append(f)
    return out


def _sentences(text: str) -> list[str]:
    """The text's sentences (as the detector sees them), whitespace collapsed."""
    from ..engine.normalize import normalize
    from ..engine.segment import split_sentences

    norm = normalize(text)
    out = []
    for s in split_sentences(norm.text):
        # split as the detector does, quote the original (not the normalized) characters
        line = " ".join(norm.quote(s.start, s.end).split())
        if line:
            out.append(line)
    return out


def text_diff(text_a: str, text_b: str, context: int = 1, max_lines: int | None = None) -> str:
    """A compact unified diff of the changed sentences (one sentence a line, ``context``
    unchanged sentences around each change; all of it unless ``max_lines`` is given: the stored
    digest and ``terms-scan diff`` carry the whole diff, a digest for reading cuts it when it
    shows it). Sentences that differ only in layout, case or punctuation are not shown."""
    a = _sentences(text_a)
    b = _sentences(text_b)
    a_keys = [canonical_text(s) for s in a]
    b_keys = [canonical_text(s) for s in b]
    matcher = difflib.SequenceMatcher(None, a_keys, b_keys, autojunk=False)
    lines: list[str] = []
    for group in matcher.get_grouped_opcodes(context):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        lines.append(f"@@ -{i1 + 1},{i2 - i1} +{j1 + 1},{j2 - j1} @@")
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                lines.extend("  " + s for s in b[b1:b2])
                continue
            if tag in ("replace", "delete"):
                lines.extend("- " + s for s in a[a1:a2])
            if tag in ("replace", "insert"):
                lines.extend("+ " + s for s in b[b1:b2])
    if max_lines is not None and len(lines) > max_lines:
        more = len(lines) - max_lines
        lines = lines[:max_lines] + [f"… ({more} more line{'s' if more != 1 else ''})"]
    return "\n".join(lines)


# --------------------------------------------------------------------------- numbers anywhere

NUMBER_KINDS = ("days", "months", "data_gb", "speed_kbps", "amount", "percent")


@dataclass(frozen=True)
class NumberChange:
    """A number that changed inside a reworded sentence, whether or not a pattern covers the
    clause: "30 → 60 days" with both sentences."""

    kind: str  # days | months | data_gb | speed_kbps | amount | percent
    before: tuple[float, ...]
    after: tuple[float, ...]
    sentence_before: str
    sentence_after: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "before": list(self.before), "after": list(self.after),
                "sentence_before": self.sentence_before, "sentence_after": self.sentence_after}


def number_changes(text_a: str, text_b: str) -> list[NumberChange]:
    """Every changed sentence of ``text_b`` paired with the sentence of ``text_a`` it rewords
    (letters without digits, similarity >= 0.6), and the numbers of each kind (days, months,
    GB, speeds, money, percentages) that differ between the two."""
    a, b = _sentences(text_a), _sentences(text_b)
    matcher = difflib.SequenceMatcher(None, [canonical_text(x) for x in a], [canonical_text(x) for x in b],
                                      autojunk=False)
    out: list[NumberChange] = []
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag != "replace":
            continue
        for old, new in _pairs(a[a1:a2], b[b1:b2]):
            out += _numbers_between(old, new)
    return out


def _pairs(olds: Sequence[str], news: Sequence[str]) -> list[tuple[str, str]]:
    """Old and new sentences paired, most similar first, each at most once."""
    cands = []
    for i, x in enumerate(olds):
        lx = _letters(x)
        for j, y in enumerate(news):
            sim = _similarity(lx, _letters(y))
            if sim >= PAIR_SIMILARITY:
                cands.append((sim, i, j))
    cands.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_i: set[int] = set()
    used_j: set[int] = set()
    pairs = []
    for _sim, i, j in cands:
        if i not in used_i and j not in used_j:
            used_i.add(i)
            used_j.add(j)
            pairs.append((olds[i], news[j]))
    return pairs


def _numbers_between(old: str, new: str) -> list[NumberChange]:
    from ..engine.values import candidates

    def by_kind(s: str) -> dict[str, tuple[float, ...]]:
        got: dict[str, list[float]] = {}
        for v in candidates(s):
            if v.key in NUMBER_KINDS:
                got.setdefault(v.key, []).append(float(v.value))
        return {k: tuple(vals) for k, vals in got.items()}

    # full-width digits ("３０日") are the same numbers as half-width ones
    before, after = by_kind(unicodedata.normalize("NFKC", old)), by_kind(unicodedata.normalize("NFKC", new))
    return [NumberChange(k, before.get(k, ()), after.get(k, ()), old, new)
            for k in NUMBER_KINDS if before.get(k, ()) != after.get(k, ()) and (before.get(k) or after.get(k))]
