"""Normalize extracted text for matching while keeping a map back to the original.

Patterns and value extractors run on the normalized text; evidence is always quoted from
the original through ``NormText.orig``. What changes:

* full-width digits, letters and punctuation become half-width (NFKC on those ranges);
* traditional Chinese characters become simplified (character table from OpenCC), so one
  pattern serves both scripts;
* runs of spaces collapse to one, spaces between two CJK characters go (PDF artefacts such
  as "合 约 期" or "连续  24  个月");
* a line break inside a sentence (a PDF line wrapped mid-clause) is removed, or becomes a
  space between Latin words; paragraph breaks and list items keep their line break.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# Characters after which a line break really ends something.
_HARD_END = set("。！？；：:;!?.…」』”\"')）】]>")
# Line starts that are list items, headings or table rows: never glue them to the line before.
_ITEM_START = set("-*•·#|>（(【[①②③④⑤⑥⑦⑧⑨⑩")
_NUMERAL = set("0123456789一二三四五六七八九十百零〇两")
_UNIT_AFTER_NUMBER = set("元块角分个月天日年周倍折万亿千百秒时小次张条")


def _starts_item(chars: list[str], j: int) -> bool:
    """Does the line starting at ``chars[j]`` begin a list item, numbered clause or heading?
    A number that merely continues a wrapped sentence ("不少于二十\n四个月", "for\n12 months")
    does not."""
    if j >= len(chars):
        return False
    c = chars[j]
    if c in _ITEM_START:
        return True
    n = len(chars)
    if c == "第":  # 第三条, 第2章
        k = j + 1
        while k < n and k - j <= 5 and chars[k] in _NUMERAL:
            k += 1
        return k > j + 1 and k < n and chars[k] in "条章节款部"
    if c not in _NUMERAL:
        return False
    k = j
    while k < n and k - j < 12 and (chars[k] in _NUMERAL or chars[k] == "."):
        k += 1
    run = "".join(chars[j:k])
    nxt = chars[k] if k < n else "\n"
    if run.endswith(".") or nxt in "、．)）:：\n\f" or run.count(".") > 1:
        return True
    # "5.1 甲方…" / "5.1甲方…" is a clause number, "1.5GB" / "2.5元" a wrapped value
    return "." in run and (nxt == " " or (is_cjk(nxt) and nxt not in _UNIT_AFTER_NUMBER))


_NUMBERED_TITLE = re.compile(
    r"^\s*(?:第[一二三四五六七八九十百零〇\d]+[条章节部分款]|[一二三四五六七八九十]+[、.]|[(（][一二三四五六七八九十\d]{1,3}[)）]"
    r"|\d{1,2}(?:\.\d{1,2}){0,3}\.?\s|(?:section|article|part|clause|schedule)\s+[\dIVX]+)", re.I)


def _title_line(line: str, nxt: str) -> bool:
    """Is ``line`` a title rather than the first half of a wrapped sentence? A short
    numbered line ("24.2 CLASS ACTION WAIVER", "五、协议的生效、变更、终止和解除"), or a short
    line in capitals or Title Case before a line that starts a new sentence."""
    line = line.strip()
    if not line or len(line) > 100 or line[-1] in ",，、;；:：(（-–":
        return False
    starts_new = nxt.isupper() or nxt.isdigit() or is_cjk(nxt) or nxt in "#*(（"
    if not starts_new:
        return False
    if _NUMBERED_TITLE.match(line) and len(line) <= 40:
        return True
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z'’-]*", line)]
    if len(words) < 2 or len(words) > 10 or any(is_cjk(c) for c in line):
        return False
    small = {"a", "an", "the", "of", "and", "or", "to", "in", "on", "for", "with", "by", "at", "from", "your", "our"}
    caps = sum(1 for w in words if w[0].isupper() or w.lower() in small)
    return caps == len(words) and sum(1 for w in words if w[0].isupper()) >= 2


def is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF


_CJK = re.compile("[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff]")  # is_cjk's characters
_LINE_BREAK = re.compile("[\n\f]")


def count_cjk(text: str) -> int:
    """How many characters of ``text`` are CJK (is_cjk), counted in C."""
    return len(_CJK.findall(text))


@lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    """Traditional -> simplified, one character to one character (OpenCC's table).

    A missing or unreadable dictionary is an error, never an empty table: the cache would keep
    the empty table for the rest of the process, and every traditional-script agreement scanned
    after it would silently lose its findings (patterns are written in simplified script)."""
    import opencc  # opencc-python-reimplemented ships the dictionary as text (a dependency)

    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise RuntimeError(f"OpenCC's dictionary cannot be read ({path}: {err.strerror or err}); "
                           "reinstall opencc-python-reimplemented") from err
    table: dict[int, str] = {}
    for line in lines:
        parts = line.split("\t")
        if len(parts) == 2 and len(parts[0]) == 1:
            simp = parts[1].split(" ")[0]
            if len(simp) == 1 and simp != parts[0]:
                table[ord(parts[0])] = simp
    return table


def fold_chars(text: str) -> str:
    """``text`` with traditional characters simplified and full-width forms folded, character
    for character: the result has the same length, so offsets into ``text`` stay valid (the
    advice reads findings by their offsets; ``normalize`` also repairs lines and may not)."""
    return text.translate(_fold_table())


@functools.lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    """One translation table for fold_chars: width folding (where it gives one character),
    then traditional -> simplified."""
    t2s = _t2s_table()
    table: dict[int, str] = {}
    for o in _FOLDED:
        w = _width_fold(chr(o))
        if len(w) == 1:
            table[o] = t2s.get(ord(w), w)
    for o, simp in t2s.items():
        table.setdefault(o, simp)
    return {o: c for o, c in table.items() if c != chr(o)}


# the characters _width_fold changes
_FOLDED = (*range(0xFF01, 0xFF5F), 0x3000, *range(0x2460, 0x2500), *range(0x2160, 0x2180),
           *(ord(c) for c in "\u00a0\u2002\u2003\u2009\u200b\t\r\x0b\u2018\u2019\u201c\u201d\u2010\u2011\u2012\u2013\u2014"))


@functools.lru_cache(maxsize=1)
def _expanding() -> frozenset[str]:
    """The characters whose folding is not one character ("⑩" -> "10")."""
    return frozenset(chr(o) for o in _FOLDED if len(_width_fold(chr(o))) != 1)


def _width_fold(ch: str) -> str:
    o = ord(ch)
    if 0x2460 <= o <= 0x2473 or 0x24EA <= o <= 0x24FE:
        # a circled number is a list marker: "(5)", never a digit glued to the next number
        # ("⑤15GB" is item 5, 15 GB; NFKC alone would read "515GB")
        return f"({unicodedata.normalize('NFKC', ch)})"
    if 0xFF01 <= o <= 0xFF5E or o == 0x3000 or 0x2460 <= o <= 0x24FF or 0x2160 <= o <= 0x217F:
        return unicodedata.normalize("NFKC", ch)
    if ch in "\u00a0\u2002\u2003\u2009\u200b\u3000\t\r\x0b":
        return " "
    if ch in "\u2018\u2019":
        return "'"
    if ch in "\u201c\u201d":
        return '"'
    if ch == "\u2010" or ch == "\u2011" or ch == "\u2012" or ch == "\u2013" or ch == "\u2014":
        return "-"
    return ch


@dataclass(frozen=True)
class NormText:
    """Normalized text plus, for each of its characters, the index in the original."""

    text: str
    orig: tuple[int, ...]
    original: str

    def to_orig(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalized [start, end) span to the original text."""
        if not self.orig:
            return 0, 0
        start = max(0, min(start, len(self.orig) - 1))
        end = max(start + 1, min(end, len(self.orig)))
        return self.orig[start], self.orig[end - 1] + 1

    def quote(self, start: int, end: int) -> str:
        a, b = self.to_orig(start, end)
        return self.original[a:b]


def _width(chars: list[str], start: int) -> int:
    """Display width of chars[start:] (a CJK character counts two columns)."""
    return sum(2 if is_cjk(c) else 1 for c in chars[start:])


_SOFT_END = "，、,"  # a line ending at a comma is the first half of a sentence, however short it is


def _full_width(chars: list[str]) -> int:
    """How wide a line must be to have been wrapped by the page, not ended by its author.

    A PDF or a hard-wrapped text breaks its lines at the page width, so a wrapped line is about
    as wide as the document's widest lines; a product page or a card lists short statements one
    per line with no full stop ("月租19元，含100GB通用流量" / "套餐外流量25元/GB"), and those
    must stay apart. The measure is the 90th percentile of line widths (lines of 24+ columns),
    less a tolerance for ragged right edges (a word in Latin text, two characters in CJK)."""
    widths = [w for w in (len(line) + count_cjk(line) for line in _LINE_BREAK.split("".join(chars))) if w >= 24]
    if len(widths) < 3:
        return 0  # too few lines to tell: keep the old behaviour (glue by punctuation only)
    widths.sort()
    p90 = widths[min(len(widths) - 1, int(len(widths) * 0.9))]
    return max(24, p90 - max(6, p90 // 4))


def normalize(original: str) -> NormText:
    """Normalize ``original`` (see module docstring)."""
    chars, idx = _fold(original)
    out_c, out_i = _repair_lines(chars, idx)
    return NormText("".join(out_c), tuple(out_i), original)


def _fold(original: str) -> tuple[list[str], list[int]]:
    """Pass 1: width folding and script conversion, character by character; each character
    with the index of the original character it comes from."""
    if _expanding().isdisjoint(original):  # one character for one: the translation table
        return list(original.translate(_fold_table())), list(range(len(original)))
    t2s = _t2s_table()
    chars: list[str] = []
    idx: list[int] = []
    for i, ch in enumerate(original):
        if ch < "\u00a0":
            out = " " if ch in "\t\r\x0b" else ch
        else:
            out = _width_fold(ch).translate(t2s) if ch >= "\u2000" else _width_fold(ch)
        for c in out:
            chars.append(c)
            idx.append(i)
    return chars, idx


def _repair_lines(chars: list[str], idx: list[int]) -> tuple[list[str], list[int]]:
    """Pass 2: whitespace and line-break repair (wrapped lines joined, stray spaces dropped)."""
    full = _full_width(chars)
    out_c: list[str] = []
    out_i: list[int] = []
    n = len(chars)
    i = 0
    line_start = 0
    phys_start = 0  # where the current physical line began (a joined line has several)
    while i < n:
        c = chars[i]
        if c == " ":
            j = i
            while j < n and chars[j] == " ":
                j += 1
            prev = out_c[-1] if out_c else "\n"
            nxt = chars[j] if j < n else "\n"
            if prev in "\n\f" or nxt in "\n\f":
                pass  # leading/trailing spaces on a line
            elif is_cjk(prev) and is_cjk(nxt):
                pass  # PDF spacing between CJK characters
            elif (is_cjk(prev) and nxt.isdigit()) or (prev.isdigit() and is_cjk(nxt)):
                pass  # "连续 24 个月" -> "连续24个月"
            else:
                out_c.append(" ")
                out_i.append(idx[i])
            i = j
            continue
        if c == "\n":
            j = i
            breaks = 0
            while j < n and chars[j] in "\n ":
                breaks += chars[j] == "\n"
                j += 1
            prev = out_c[-1] if out_c else "\n"
            nxt = chars[j] if j < n else "\n"
            line_len = len(out_c) - line_start
            if (breaks == 1 and (line_len >= 16 or (prev in _SOFT_END and line_len >= 4)) and prev not in _HARD_END and prev not in "\n\f"
                    and nxt != "\f" and not _starts_item(chars, j)
                    and out_c[line_start] != "#" and out_c[-2:] != ["*", "*"]  # Markdown headings
                    and not _title_line("".join(out_c[phys_start:]), nxt)
                    # a table row, also one written without its leading pipe ("1元卡 | 1元/日 | 1GB |")
                    and not (prev == "|" and out_c[phys_start:].count("|") >= 2)
                    # a line that stops short was not wrapped, unless it stops at a Chinese comma
                    and (_width(out_c, phys_start) >= full or prev in _SOFT_END)):
                # a wrapped line: glue (CJK) or join with a space (Latin)
                if not (is_cjk(prev) or is_cjk(nxt)):
                    out_c.append(" ")
                    out_i.append(idx[i])
                phys_start = len(out_c)
            else:
                out_c.append("\n")
                out_i.append(idx[i])
                line_start = phys_start = len(out_c)
            i = j
            continue
        if c == "\f":
            line_start = phys_start = len(out_c) + 1
        out_c.append(c)
        out_i.append(idx[i])
        i += 1
    return out_c, out_i


# ---------------------------------------------------------------------------
# Chinese numerals (for value extraction)

_CN_DIGIT = {
    "零": 0, "〇": 0, "○": 0, "一": 1, "壹": 1, "幺": 1, "二": 2, "贰": 2, "貳": 2, "两": 2, "兩": 2,
    "三": 3, "叁": 3, "參": 3, "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "陸": 6,
    "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9,
}
_CN_UNIT = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
CN_NUM_CHARS = "".join(_CN_DIGIT) + "".join(_CN_UNIT) + "".join(_CN_BIG)
# what a Chinese multiplier after digits means ("100万" is a million, "3千" three thousand)
CN_MULTIPLIER = {**_CN_BIG, "千": 1_000, "仟": 1_000}


def cn_to_int(s: str) -> int | None:
    """二十四 -> 24, 两 -> 2, 叁拾 -> 30, 一百二十 -> 120, 二〇二四 -> 2024. None if not a numeral."""
    if not s or any(c not in _CN_DIGIT and c not in _CN_UNIT and c not in _CN_BIG for c in s):
        return None
    if all(c in _CN_DIGIT for c in s) and len(s) > 1:
        return int("".join(str(_CN_DIGIT[c]) for c in s))
    total, section, digit = 0, 0, None
    for c in s:
        if c in _CN_DIGIT:
            digit = _CN_DIGIT[c]
        elif c in _CN_UNIT:
            section += (1 if digit is None else digit) * _CN_UNIT[c]
            digit = None
        else:
            section += digit or 0
            total += (section or 1) * _CN_BIG[c]
            section, digit = 0, None
    return total + section + (digit or 0)
