"""Split normalized text into sentences (the unit a finding quotes), with section headings.

Boundaries: Chinese and English sentence ends (。！？；!?; and a full stop before a new
sentence), line breaks left by normalization (paragraphs, list items, table rows) and
numbered headings (第X条, 一、, （一）, 1.2.3, Section 4, Article 5). Matching is done on
characters, not tokens: jieba and spaCy tokenize Chinese numbers and English hyphenated
terms unpredictably, so patterns never depend on token bounds (see ``analyzer.engine.nlp`` for
the token-level helpers used by keywords and notebooks).
"""
from __future__ import annotations

from dataclasses import dataclass

import regex

from .rxcache import cached_compile

_HEADING = cached_compile(
    r"""^\s*(?:\#{1,6}\s+\S
    | 第[一二三四五六七八九十百零〇\d]+[条章节部分款]
    | [一二三四五六七八九十]+[、.．]
    | [(（][一二三四五六七八九十\d]{1,3}[)）]
    | \d{1,2}(?:\.\d{1,2}){0,3}[.、]?\s*[\p{Han}A-Z]
    | (?:section|article|part|clause|schedule)\s+[\dIVXivx]+
    | (?-i:[A-Z][A-Z &,\-']{3,60})$
    | \*\*[^*]{2,60}\*\*\s*$
    )""",
    regex.X | regex.I,
)
_NUMBERING = cached_compile(r"^[#*\s]*(?:(?:section|article|clause)\s+)?(?:[\dIVXivx]{1,4}(?:\.\d{1,3})*[.、)]?\s*)?", regex.I)
# A line that says who may or must do what is a clause, even when it is short and numbered.
_CLAUSE_VERB = cached_compile(r"有权|应当|必须|不得|可以|须(?!知)|即?视为|即代表|即表示|即构成|不保证|不承担任何|保留[^，。]{0,8}权利"
                             r"|\b(?:may|will|shall|must|agree|by\s+(?:using|accessing|clicking|signing))\b", regex.I)
# A numbered line that states something is a clause, not a title: it has a comma, colon or
# enumeration inside, a value ("50元", "10天"), or a word that binds or conditions
# ("2. 激活需充值50元，到账后套餐生效", "5. 无合约期，可随时注销").
_STATEMENT = cached_compile(
    r"[,，;；:：](?=\s*\S)|\d\s*(?:元|块|个月|月|天|日|年|G|GB|M|%|分钟|小时|次|节|课时)"
    r"|需(?!知)|须(?!知)|应当?|请|将|会(?!员)|可以|可随时|未|即|按照?|收取|支付|缴纳|充值|不得|不支持|不可(?!抗力)|不能|不予"
    # a limit ("2.同一场馆每月只可消费3次"): a rule, not a title
    r"|只可|只能|仅可|仅能|仅限|最多|不超过"
    r"|\b(?:is|are|will|can|cannot|applies|apply|renews|charged|billed|not)\b"
    # an English sentence with a negated or auxiliary verb, or one of the verbs of lapsing value,
    # is a clause however short ("Unused allowances don't roll over.", "Credit expires after 90 days.")
    r"|n['’]t\b|\b(?:do|does|did|has|have|had|must|shall|may|should|would|could|expires?|expired|lapses?|lapsed"
    r"|(?:roll|rolls|rolled|carry|carries|carried)\s+over)\b", regex.I)
_CN_NUMBERING = cached_compile(
    r"^\s*(?:第[一二三四五六七八九十百零〇\d]+[条章节部分款]|[一二三四五六七八九十]+[、.．]"
    r"|[(（][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}(?:\.\d{1,2}){0,3}[.、]?)\s*")
_ABBREV = {
    "e.g", "i.e", "etc", "inc", "ltd", "co", "corp", "no", "nos", "mr", "mrs", "ms", "dr", "st",
    "vs", "u.s", "u.k", "jr", "sr", "approx", "art", "sec", "para", "p", "pp", "fig", "ex", "cf",
    "al", "dept", "est", "min", "max", "mo", "yr", "yrs", "oz", "lb", "lbs", "ft", "tel", "llc",
    "l.l.c", "n.a", "a.m", "p.m", "op", "cit", "seq", "viz", "govt", "jan", "feb", "mar", "apr",
    "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    # legal citations: "9 U.S.C. § 1", "Cal. Civ. Proc. Code", "47 C.F.R.", "ch. 5", "Stat."
    "u.s.c", "u.s.a", "c.f.r", "e.u", "cal", "civ", "proc", "stat", "ch", "vol", "rev", "ann", "ave",
    # currencies written before the amount: "Rs. 500", "KShs. 20"
    "rs", "kshs", "ksh", "shs",
}
_RUNIN_LABEL = cached_compile(r"^\s*(?:[*+\-]\s+|\(?[a-z0-9]{1,3}[.)]\s+|\d{1,3}(?:\.\d{1,3})+\.?\s+)?\*\*(?P<t>[^*\n]{2,60}?)[.:：]?\*\*\s*[.:：]?\s*$", regex.I)
_CJK_END = "。！？；!?;"
# a full stop with no space after it, between a lower-case word and a capitalised one
# ("…without notice.If your subscription…"): a sentence end lost in copying, not a domain name
_GLUED_STOP = cached_compile(r"[a-z]{2}\.(?=[A-Z][a-z]{1,12}\s)")
_NUMBER_TOKEN = cached_compile(r"\d{1,3}(?:\.\d{1,3})*|[A-Za-z]|[ivxlcdmIVXLCDM]{1,6}")  # "1.", "2.3.", "a.", "iv."
# A line that is a value, not a title: "12 个月", "39元/月", "70G", "24 months", "$10/mo".
_VALUE_LINE = cached_compile(
    r"^[\s*_]*(?:[¥￥$€£]\s?\d|(?:\$\{[^}]{1,40}\}|_{2,})\s*(?:个\s*月|元|G|GB|天|日|年|月|%)|(?:前|首|第)?[\d零〇一二两三四五六七八九十百千万]+(?:\.\d+)?\s*(?:-|~|至|到)?\s*[\d一二三四五六七八九十]*\s*"
    r"(?:个\s*月|个自然月|年|月|天|日|元|块|G|GB|M|MB|T|TB|%|‰|分钟|小时|次|months?\b|years?\b|days?\b|GB\b))"
    r"|^[\s*_]*(?:无|不限|免费|不退|可退|不可退|有|是|否|none|yes|no|free|n/a)[\s*_。.]*$",
    regex.I,
)
_CELL_SEP = cached_compile(r"\s*\|\s*")
_SEPARATOR_CELL = cached_compile(r":?-{2,}:?")
# a plain run-in title: numbered ("1. Minimum term."), or of two words or more ("Cancellation
# Fee."); a one-word answer ("Yes.") is a sentence
_PLAIN_RUNIN = cached_compile(r"^\s*(?:\(?(?:\d{1,2}(?:\.\d{1,2})*|[a-z])[.)]\s+(?P<t>[A-Z][A-Za-z'’&/ -]{1,40})"
                             r"|(?P<t>(?!(?:Yes|No|Note|Okay|OK|Thanks?|Sorry)\b)[A-Z][A-Za-z'’&/-]*(?:\s+[A-Za-z'’&/-]+){1,4}))\.$")
# verbs that make a short capitalised line a sentence, not a run-in title ("Subscriptions start upon
# purchase confirmation." is a clause; "Minimum term." and "Cancellation Fee." are titles)
_RUNIN_VERB = cached_compile(r"\b(?:starts?|begins?|ends?|continues?|commences?|takes?\s+effect|costs?|includes?"
                             r"|requires?|remains?|becomes?|renews?|lasts?|runs?|expires?|applies|stops?)\b(?!\s*(?:date|day|fee|period)\b)",
                             regex.I)
_LABEL_MAX = 24  # characters of a label line ("## 合约期", "**Contract term**", "违约金:")
_VALUE_MAX = 80


@dataclass(frozen=True)
class Sentence:
    start: int  # offsets into the normalized text
    end: int
    text: str
    section: str | None = None
    heading: bool = False
    # a row of a table with a header: the row read cell by cell under its column names
    # ("合约期: 12个月; 月最低消费: 58元"), which the detector also matches
    cells: str = ""


_RUN_IN_NUMBER = cached_compile(r"^(?:\d{1,3}(?:\.\d{1,3})*\.?|\(?[a-z\d]{1,4}\))\s+")


def _is_abbrev_stop(text: str, i: int) -> bool:
    """Is the '.' at i part of an abbreviation, a number or an initial (not a sentence end)?"""
    j = i
    while j > 0 and (text[j - 1].isalpha() or text[j - 1] == "."):
        j -= 1
    word = text[j:i].lower()
    if word in _ABBREV or len(word) == 1:
        return True
    return i + 1 < len(text) and text[i + 1].isdigit()  # 3.5, 1.2.3


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of a normalized text, each with the heading of the section it is in."""
    spans = [piece for a, b in _spans(text) for piece in _bounded(text, a, b)]
    return _join_labels(text, _sentences(text, spans))


def _spans(text: str) -> list[tuple[int, int]]:
    """The [start, end) of each sentence: cut at line breaks and sentence ends (a full stop
    only where a new sentence begins; a Markdown heading is one line)."""
    spans: list[tuple[int, int]] = []
    n = len(text)
    start = 0
    i = 0
    md_from, md_heading = -1, False  # does the sentence begun at md_from open with '#'?
    while i < n:
        c = text[i]
        cut = None
        if md_from != start:
            j = start
            while j < n and text[j] == " ":
                j += 1
            md_from, md_heading = start, j < n and text[j] == "#"
        if c in "\n\f":
            cut = i
        elif md_heading:
            pass  # a Markdown heading is one line: "## Cancelling Your Service; Early Termination Fees"
        elif c in _CJK_END and not (c in "!?;" and i + 1 < n and text[i + 1].isascii() and (text[i + 1].isalnum() or text[i + 1] in "=&/%_-")):
            # an ASCII '?' or ';' inside a URL ("display.html?nodeId=…") ends nothing
            cut = i + 1
        elif c == "." and (i + 1 >= n or text[i + 1] in " \n\"')]*" or _GLUED_STOP.match(text, i - 2)):
            numbering = i - start <= 10 and bool(_NUMBER_TOKEN.fullmatch(text[start:i].strip(" (#*")))
            title = _RUN_IN_NUMBER.sub("", text[start:i].lstrip(" "), count=1)
            if (text.startswith("**", i + 1) and title.startswith("**")
                    and i - start <= 80 and "**" not in title[2:]):
                # a bold run-in title "**Introductory pricing.** Certain plans…", also after its
                # number ("3.3 **Introductory pricing.** …"): the title ends after its closing "**"
                cut = i + 3
            elif not numbering and not _is_abbrev_stop(text, i):
                k = i + 1
                while k < n and text[k] in "\"')]* ":
                    k += 1
                if k >= n or not text[k].islower():
                    cut = i + 1
        if cut is not None:
            if cut > start:
                spans.append((start, cut))
            start = cut + 1 if c in "\n\f" else cut
        i += 1
    if start < n:
        spans.append((start, n))
    return spans


def _sentences(text: str, spans: list[tuple[int, int]]) -> list[Sentence]:
    """The sentences of the spans, trimmed, with table rows read under their column names and
    each sentence under the heading of its section."""
    sentences: list[Sentence] = []
    section: str | None = None
    header: list[str] = []  # column names of the table being read
    last_row: list[str] | None = None
    setext = {i for i, (a, b) in enumerate(spans) if _SETEXT.fullmatch(text[a:b].strip(" \t"))}
    for n_span, (a, b) in enumerate(spans):
        if n_span in setext:
            continue  # a Markdown "=====" / "-----" underline: it made the line above a heading
        while a < b and text[a] in " \t":
            a += 1
        while b > a and text[b - 1] in " \t":
            b -= 1
        if b - a < 2:
            continue
        s = text[a:b]
        cells = ""
        is_row = s.startswith("|") and s.endswith("|") and s.count("|") >= 3
        if is_row:
            row = [c.strip() for c in s[1:-1].split("|")]
            if all(_SEPARATOR_CELL.fullmatch(c) for c in row):
                # "|---|---|" under a row: that row was the header
                header = last_row or []
                if sentences and last_row is not None:
                    sentences[-1] = Sentence(sentences[-1].start, sentences[-1].end, sentences[-1].text,
                                             sentences[-1].section, True)
                last_row = None
                continue
            if header and len(row) == len(header) and len(row) >= 2:
                cells = "; ".join(f"{h}: {c}" for h, c in zip(header, row, strict=False) if h and c)
            last_row = row
            # a table row "| 合约期 | 12个月 |" is the statement "合约期: 12个月" (same length)
            s = " " + _CELL_SEP.sub(lambda m: ":" + " " * (len(m.group()) - 1), s[1:-1]) + " "
        else:
            header, last_row = [], None
        is_heading, label = _heading(text, spans, setext, n_span, s, b)
        if is_heading:
            section = (label.group("t") if label else s).strip("#* ")
        sentences.append(Sentence(a, b, s, section, is_heading, cells))
    return sentences


def _heading(text: str, spans: list[tuple[int, int]], setext: set[int], n_span: int, s: str,
             b: int) -> tuple[bool, regex.Match[str] | None]:
    """Is the sentence ``s`` (span ``n_span``, ending at ``b``) a heading, and the run-in label
    that gives its title (None: the sentence itself is the title)?"""
    # a heading is short: a title line that goes on into body text, or reads as a
    # sentence ("We may charge fees for suspension"), is matched like any sentence
    core = _NUMBERING.sub("", s)
    is_heading = (bool(_HEADING.match(s)) and s[-1] not in "。.;；,，" and not _CLAUSE_VERB.search(s)
                  and ((len(core) <= 40 and len(core.split()) <= 6) or (s[0] == "#" and len(s) <= 80))
                  and (s.lstrip()[:1] in "#*" or not _STATEMENT.search(_CN_NUMBERING.sub("", core, count=1))))
    under = text[spans[n_span + 1][0]:spans[n_span + 1][1]].strip() if n_span + 1 in setext else ""
    if under and len(s) <= 120 and (under[0] == "=" or (len(s) <= 60 and not regex.search(r"[，,。;；:：~～!！?？]", s))):
        # "10\\. Bandwidth and Disk use quotas" over "=====" (a "-----" rule under a
        # statement is a separator: blank lines are gone in the normalized text)
        is_heading = True  # "10\\. Bandwidth and Disk use quotas" over "==========="
    if is_heading and _VALUE_LINE.match(s) and not s.lstrip().startswith("#"):
        is_heading = False  # "12 个月" under "## 合约期" is the value, not a new section
    label = _RUNIN_LABEL.match(s)
    if label and not is_heading and not _CLAUSE_VERB.search(s) and len(label.group("t").split()) <= 8:
        # a bold run-in label split off its clause ("* **Cancellation Fee**.", "a) **Monthly
        # Fee**."): a title of what follows, not a statement of its own
        is_heading = True
    plain = _PLAIN_RUNIN.match(s) if not is_heading and not label else None
    if (plain and len(plain.group("t").split()) <= 5 and not _CLAUSE_VERB.search(s)
            and not _STATEMENT.search(plain.group("t")) and not _RUNIN_VERB.search(plain.group("t"))
            and n_span + 1 < len(spans)
            and "\n" not in text[b:spans[n_span + 1][0]] and "\f" not in text[b:spans[n_span + 1][0]]):
        # "1. Minimum term. Your service has a minimum term of 18 months": a plain run-in
        # title, followed by its clause on the same line, titles that clause
        is_heading, label = True, plain
    return is_heading, label


_SETEXT = cached_compile(r"={3,}|-{3,}")
MAX_SENTENCE = 2000  # characters: no clause is longer; a longer run is cut at a pause
_PAUSE = set("，,；;、：: ）)")


def _bounded(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """[a, b) as pieces of at most MAX_SENTENCE characters, each cut after the last pause
    (comma, semicolon, space…) in its second half, else hard. A 1 MB "sentence" (a text
    with no full stops) would otherwise be quoted whole as evidence, and every check on a
    sentence would cost its length for each match."""
    out = []
    while b - a > MAX_SENTENCE:
        cut = a + MAX_SENTENCE
        k = cut
        while k > a + MAX_SENTENCE // 2 and text[k - 1] not in _PAUSE:
            k -= 1
        cut = k if k > a + MAX_SENTENCE // 2 else cut
        out.append((a, cut))
        a = cut
    out.append((a, b))
    return out


def _is_label(s: Sentence) -> bool:
    core = s.text.strip("#*_ :：|-")
    return (0 < len(core) <= _LABEL_MAX and s.text.rstrip()[-1:] not in "。.;；,，!！?？"
            and not _VALUE_LINE.match(s.text) and not _CLAUSE_VERB.search(s.text))


def _join_labels(text: str, sentences: list[Sentence]) -> list[Sentence]:
    """A label line with its value on the next line ("## 合约期" / "12 个月", a product sheet
    or a two-line table cell) is one statement: "## 合约期:12 个月". The line break becomes
    ':' (same length, so offsets into the normalized text stay exact)."""
    out: list[Sentence] = []
    i = 0
    while i < len(sentences):
        s = sentences[i]
        n = sentences[i + 1] if i + 1 < len(sentences) else None
        if (n is not None and _is_label(s) and len(n.text) <= _VALUE_MAX and not n.heading
                and _VALUE_LINE.match(n.text) and text[s.end:n.start].strip(" \t") in ("\n", "")
                and "\f" not in text[s.end:n.start]):
            joined = text[s.start:n.end]
            joined = joined[:s.end - s.start] + regex.sub(r"[\n\t]", ":", joined[s.end - s.start:])
            section = s.text.strip("#* ") if s.heading else s.section
            out.append(Sentence(s.start, n.end, joined, section, False))
            i += 2
            continue
        out.append(s)
        i += 1
    return out
