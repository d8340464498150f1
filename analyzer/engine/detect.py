"""Run the pattern library over a segmented document; findings and protections come out.

Each pattern's ``match`` runs once over the whole normalized text (one pass per pattern,
with a time limit); ``require``/``exclude``/``protection`` are then checked only on the
sentences that matched. One sentence gives at most one finding per category (the most
confident pattern wins, its values filled in from the others), and a protection of a
category in a sentence ("不收取违约金") replaces the findings of that category there.
"""
from __future__ import annotations

import bisect
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import regex

from ..model import Finding, Location, Protection
from . import twocore
from . import values as values_mod
from .normalize import NormText
from .patterns import INNER_DOT, Pattern
from .rxcache import cached_compile
from .segment import Sentence
from .taxonomy import CATEGORY_VALUES

TIMEOUT = 2.0  # seconds for one pattern over one document
EVIDENCE_TARGET = 240  # characters: quote the term, not the page
# characters: a sentence longer than this may state one term more than once (each its own finding)
ONE_TERM_MAX = 240
# characters: a sentence up to this long is quoted whole when it states one term (under the
# scorer's and a reader's 400 letters even in Chinese, where every character is one)
WHOLE_SENTENCE_MAX = 360
_SUBCLAUSE = cached_compile(r"[,，:：、]|\s[-–]\s|\(\w\)\s|（\w）")


class Paged(Protocol):
    """What ``detect`` needs of a document: the page of an offset (a Document, or a piece of one)."""

    def page_of(self, offset: int) -> int: ...


@dataclass
class _Hit:
    pattern: Pattern
    sentence: int
    start: int  # span of the match in the normalized text
    end: int
    confidence: float
    protection: bool
    values: dict[str, Any] = field(default_factory=dict)
    why: tuple[tuple[str, str], ...] = ()


def _scope(p: Pattern, s: Sentence, start: int, end: int) -> str:
    if p.window is None:
        return s.text
    a = max(s.start, start - p.window) - s.start
    b = min(s.end, end + p.window) - s.start
    return s.text[a:b]


_LONG_SENTENCE = 120  # characters: beyond this a sentence usually states several terms


def _near(rx: Any, p: Pattern, s: Sentence, start: int, end: int) -> bool:
    """Does an exclusion or protection regex apply to this match? In the pattern's scope; but
    in a long sentence only where it touches the comma-delimited parts around the match, so a
    late-payment clause (or a "no fee" said of something else) elsewhere in the same long
    sentence does not hide the early-exit penalty stated beside it. A regex that reads the
    whole sentence (a heading test anchored at both ends) still sees the whole sentence."""
    if p.window is not None or len(s.text) <= _LONG_SENTENCE:
        return rx.search(_scope(p, s, start, end), timeout=TIMEOUT) is not None
    a, b = values_mod.subclause(s.text, start - s.start, end - s.start)
    a = values_mod.subclause(s.text, max(0, a - 2), max(0, a - 2))[0] if a > 0 else a
    b = values_mod.subclause(s.text, min(len(s.text), b + 1), min(len(s.text), b + 1))[1] if b < len(s.text) else b
    # a match from the start of the sentence is a test of the whole sentence ("^(?!.*违约金).*…")
    return any(m.start() == 0 or (m.start() < b and a < m.end()) for m in rx.finditer(s.text, timeout=TIMEOUT))


# words that turn a sentence from what is free to what is charged: a protection on the other side
# of one of them is not said of this match ("no activation fee, but a $35 late fee applies")
# (not a concession, "even though…", nor a condition, "but if you both agree…": those qualify it)
_CONTRAST = cached_compile(r"但(?![如若])|然而|不过|另行|\b(?:but|however)\b(?!,?\s+(?:only\s+)?(?:if|when|where)\b)", regex.I)


def _protects(p: Pattern, s: Sentence, start: int, end: int) -> bool:
    """Does a protection of ``p`` apply to the match at [start, end)? Where ``_near`` finds it,
    unless every protection found comes before the match with a contrast word (但, 另行, but,
    however…) between them ("不收取卡费，激活时须另行支付服务费30元")."""
    if p.protection is None or not _near(p.protection, p, s, start, end):
        return False
    ms, me = start - s.start, end - s.start
    # a protection said first, then a contrast and the match: the match is what is charged (a
    # protection after the match, "may change our fees, but not during your term", is the usual
    # qualifier of the match and still covers it)
    return any(m.end() > ms or not _CONTRAST.search(s.text, m.end(), me)
               for m in p.protection.finditer(s.text, timeout=TIMEOUT))


def explain(p: Pattern, s: Sentence, start: int, end: int
            ) -> tuple[bool, bool, float, tuple[tuple[str, str], ...]]:
    """(is a candidate, is a protection, confidence, why) for one match of ``p`` in ``s``; why
    is (label, matched words) for the match, each required concept or regex, and the cue."""
    scope = _scope(p, s, start, end)
    why = [(p.labels[0] if p.labels else "match", s.text[start - s.start:end - s.start])]
    for i, r in enumerate(p.require):
        m = r.search(scope, timeout=TIMEOUT)
        if not m:
            return False, False, 0.0, ()
        why.append((p.labels[i + 1] if i + 1 < len(p.labels) else f"require[{i}]", m.group()))
    if p.exclude is not None and _near(p.exclude, p, s, start, end):
        return False, False, 0.0, ()
    if p.exclude_whole is not None and p.exclude_whole.search(s.text, timeout=TIMEOUT):
        return False, False, 0.0, ()
    if p.protection is not None and _protects(p, s, start, end):
        return True, True, p.confidence, tuple(why)
    if p.cue is not None:
        m = p.cue.search(s.text, timeout=TIMEOUT)
        if not m:
            return False, False, 0.0, ()
        why.append((f"cue:{p.cue_name}", m.group()))
    boost = sum(0.05 for c in p.context if c.search(s.text, timeout=TIMEOUT))
    return True, False, min(0.99, p.confidence + boost), tuple(why)


_ENUMERATION = cached_compile(
    r"^[\s#*>-]*(?:(?:section|article|clause)\s+)?(?:\d{1,3}(?:\.\d{1,3})*\.?|\(?[a-z\divx]{1,4}\)|[一二三四五六七八九十]+[、.]"
    r"|[(（][一二三四五六七八九十\d]{1,3}[)）]|第[一二三四五六七八九十百零〇\d]+[条款项])[\s.:：、]*", regex.I)


def evidence_span(s: Sentence, start: int, end: int, whole: int = WHOLE_SENTENCE_MAX) -> tuple[int, int]:
    """The part of a sentence to quote: all of it when no longer than ``whole``, else the
    sub-clauses around the match, grown until about EVIDENCE_TARGET characters; without the
    clause number in front ("6.1.2.", "(a)", "三、"), which is not the term."""
    a, b = _evidence_span(s, start, end, whole)
    if a == s.start:
        m = _ENUMERATION.match(s.text)
        if m and m.end() and s.start + m.end() <= start:
            a = s.start + m.end()
    return a, b


def _evidence_span(s: Sentence, start: int, end: int, whole: int) -> tuple[int, int]:
    if s.end - s.start <= whole:
        return s.start, s.end
    target = EVIDENCE_TARGET * whole // WHOLE_SENTENCE_MAX  # a smaller part of a sentence of several terms
    cuts = [s.start] + [s.start + m.end() for m in _SUBCLAUSE.finditer(s.text)] + [s.end]
    i = max(0, bisect.bisect_right(cuts, start) - 1)
    j = min(len(cuts) - 1, bisect.bisect_left(cuts, end))
    while cuts[j] - cuts[i] < target and (i > 0 or j < len(cuts) - 1):
        grow_left = i > 0 and (j == len(cuts) - 1 or start - cuts[i - 1] <= cuts[j + 1] - end)
        if grow_left:
            i -= 1
        else:
            j += 1
    a, b = cuts[i], cuts[j]
    if b - a > target * 2:  # one enormous sub-clause: cut around the match
        a = max(a, start - target // 2)
        b = min(b, max(end, a + target))
    return a, b


_QUESTION = cached_compile(r"[?？]\s*[*_]*\s*$|[吗呢][?？]?\s*$")

# A how-to step: where to click or whom to contact to do something ("To cancel your subscription,
# please visit your account settings", "You may opt out at any time by contacting us", 点击"关闭自动续费"
# 按钮). Like an FAQ question it binds no one; the term is the sentence that says what happens or
# by when. One that also sets a deadline, a fee, a refund or a duty ("please contact us at least two
# days before the renewal date", "you will need to log in", 须在到期前) is a term and stays.
_EN_GOAL = r"(?:cancel|turn\s+off|switch\s+off|disable|manage|stop|change|update|view|see|check|find|opt[- ]out|" \
    r"unsubscribe|end|review|edit|access|deactivate|remove|modify|learn|contact|terminate)"
_EN_STEP = r"(?:visit|log|sign|go|click|tap|select|open|navigate|contact|e-?mail|call|follow|use|head|write|send|" \
    r"press|choose|view|see|access|update|refer|check|find)"
_HOW_TO_EN = cached_compile(
    r"^\W*(?:\(?\w{1,3}[.)]\s+)?(?:"
    r"(?:to|(?:if|where|when|in\s+case)\b[^.;]{0,100}?\byou\s+(?:wish|want|would\s+like|decide|choose|prefer)\s+to|"
    r"should\s+you\s+(?:wish|want)\s+to)\s+"
    + _EN_GOAL + r"\b[^.;:]{0,140}?,\s*(?:please\s+|simply\s+|just\s+)?"
    r"(?:you\s+(?:can|may|should)\s+(?:also\s+)?(?:do\s+so\s+)?(?:by\s+)?)?" + _EN_STEP + r"\w*\b"
    r"|(?:please\s+)?(?:visit|log\s*(?:in|into|on)|sign\s+in|go\s+to|click|tap|navigate\s+to|head\s+to)\b"
    r"|(?:you|members?|customers?|subscribers?|users?)\s+(?:can|may)\s+(?:also\s+)?" + _EN_GOAL
    + r"\b[^.;]{0,120}?\bby\s+(?:visiting|contacting|logging|clicking|going|calling|e-?mailing|writing|signing|"
    r"selecting|following|tapping|navigating|using|sending)\b"
    r"|(?:for\s+[^.;]{0,80},\s*)?you\s+(?:can|may)\s+(?:also\s+)?find\s+(?:out\s+)?more\b)", regex.I)
_BINDS_EN = cached_compile(
    r"\b(?:must|needs?\s+to|required|requires?|before|prior\s+to|at\s+least|no\s+later\s+than|otherwise|"
    r"within\s+(?:\w+\s+){0,3}?(?:\(?\d+\)?\s+)?(?:days?|hours?|weeks?|months?|period|time)|"
    r"or\s+else|will\s+(?:be|continue|automatically|renew)|(?:be|are|is)\s+(?:charged|billed)|fees?|refund\w*|"
    r"penalt\w*|not\s+be\s+able|cannot|can't|only|deadline|until)\b|\b(?:by|until)\s+\d", regex.I)
_HOW_TO_ZH = cached_compile(
    r"^[^\w\u4e00-\u9fff]*(?:\d+[.、）)]\s*)?(?:如需|如果?您?(?:想|需要|希望)[^。；;，,]{0,12}[，,]\s*)?"
    r"请?(?:您可?以?)?(?:在|进入|打开|前往|登录|登陆|点击|选择|勾选|找到|通过)[^。；;]{0,40}?"
    r"(?:点击|选择|勾选|进入|页面|按钮|设置|入口|菜单|[“\"「][^”\"」]{1,14}[”\"」])")
_BINDS_ZH = cached_compile(r"须|需要|应当|必须|否则|之前|前|以内|内|将|会|不得|不予|不可|无法|扣|收取|收费|费用|退|视为|违约|即[受视表]|同意|约束|生效|接受")
_UI_LABEL = cached_compile(r"[“\"「『][^”\"」』]{1,20}[”\"」』]")  # 点击"关闭自动续费": the label's words bind no one


# a short Chinese title line the segmenter did not mark as a heading ("自动续费说明", "价格与自动续费说明",
# "三、退款规则"): a name of a section, binding no one
_ZH_TITLE = cached_compile(
    r"^\W{0,3}(?:[一二三四五六七八九十\d]{1,3}[、.．]\s*)?[\u4e00-\u9fffA-Za-z0-9与和及、\s]{2,14}"
    r"(?<!本)(?:说明|规则|须知|条款|政策|介绍|简介|声明|细则|指南|流程|方式|问题|提示)[\s:：*#】\]]{0,3}$")


@functools.lru_cache(maxsize=4096)
def how_to(text: str) -> bool:
    """Is the sentence only a how-to step (where to click, whom to contact) or a Chinese section
    title, binding no one? (Asked for every hit of every pattern in a sentence, and by the model:
    answered once.)"""
    if len(text) <= 24 and _ZH_TITLE.match(text.strip(), timeout=TIMEOUT):
        return True
    if _HOW_TO_EN.search(text, timeout=TIMEOUT):
        return not _BINDS_EN.search(text, timeout=TIMEOUT)
    if _HOW_TO_ZH.search(text, timeout=TIMEOUT):
        return not _BINDS_ZH.search(_UI_LABEL.sub("", text, timeout=TIMEOUT), timeout=TIMEOUT)
    return False


_LATIN_WORD = cached_compile(r"[A-Za-z]{3,}")


_ENGLISH_PHRASE = cached_compile(r"(?:\b[A-Za-z][a-z']*\b[ ,;:()-]{1,3}){5}\b[A-Za-z]")


def scripts_present(text: str) -> set[str]:
    """Which pattern languages can match here: 'zh' with any run of Chinese text, 'en' with
    English prose (a run of six words), not the odd 'APP', 'Apple ID' or '5G' in a Chinese
    agreement: the English patterns are not even compiled for a Chinese text."""
    out = set()
    if regex.search(r"\p{Han}{2}", text):
        out.add("zh")
    if "zh" not in out:
        if _LATIN_WORD.search(text):
            out.add("en")
    elif _ENGLISH_PHRASE.search(text, timeout=TIMEOUT):
        out.add("en")
    return out


# the dot inside a web address ("Esim.in", "Seenyor.com", "www.zapto.co.uk") is not a full stop:
# patterns read "[^.;]" as "within the clause", and a company named by its domain cut the clause
# ("a binding contract will exist between Esim.in and the Customer when ..."). Same length, so
# offsets hold; quotes come from the original text.
_DOMAIN_DOT = cached_compile(
    r"(?<=[A-Za-z0-9])\.(?=(?:com|net|org|in|io|co|uk|au|nz|ca|de|fr|sg|hk|tw|cn|my|za|ie|us|me|tv|app|info|biz|gov|edu|www)\b)")
# so are the dots of an abbreviation inside a clause ("Prices are displayed in U.S. dollars and may
# change", "(e.g., a one-week plan)", "JAMS, Inc. (formerly …)"): not when a capital follows, where
# the abbreviation may end the sentence
_ABBREVIATION = cached_compile(
    r"(?-i:\b(?:e\.g\.|i\.e\.|U\.S\.A\.|U\.S\.|U\.K\.|Inc\.|Ltd\.|Pvt\.|Co\.|Corp\.|approx\.|incl\.|vs\.|No\.(?=\s*\d)"
    r"|Mr\.|Mrs\.|Ms\.|Dr\.|St\.))(?=\s*[a-z0-9(),;:]|\s+(?:Ltd|Inc|LLC)\b)")


def _inner_dots_read_as_middle_dots(s: Sentence) -> Sentence:
    """The sentence as the patterns read it: the dots of web addresses and abbreviations inside
    the clause as middle dots (same length)."""
    if "." not in s.text:
        return s
    text = _DOMAIN_DOT.sub(INNER_DOT, s.text)
    text = _ABBREVIATION.sub(lambda m: m.group(0).replace(".", INNER_DOT), text)
    return replace(s, text=text) if text != s.text else s


# Hong Kong, Taiwan and Macau agreements word the same terms with other words than the mainland's,
# which the patterns were written in (traditional characters are already simplified by
# normalize): 閣下 "you", 契約 "contract", 門號 "number", 專案 "plan", 吃到飽 "unlimited", 流動/行動
# "mobile", 寬頻 "broadband", 餘下 "remaining" (承諾期餘下月數), 提早 "early" (提早終止費用), 繳付 "pay", 保有 "retain" (保有更新服務內容的權利). The patterns read them as the mainland words of the same length
# (offsets hold; quotes come from the original text).
_REGIONAL = {"阁下": "客户", "契约": "合同", "门号": "号码", "专案": "套餐", "申办": "办理", "吃到饱": "不限量",
             "宽频": "宽带", "网路": "网络", "通讯": "通信", "资讯": "信息", "余下": "剩余", "流动": "移动", "行动": "移动",
             "提早": "提前", "缴付": "支付", "保有": "保留"}
_REGIONAL_WORD = cached_compile(r"阁下|契约|门号|专案|申办|吃到饱|宽频|网路|通讯|资讯|余下|提早|缴付|保有"
                                r"|(?:流动|行动)(?=电话|通信|通讯|数据|上网|网络|网路|服务|宽频|宽带|装置|设备|号码|门号)")


def _regional_words(s: Sentence) -> Sentence:
    """The sentence as the patterns read it: Hong Kong and Taiwan words as the mainland's (same length)."""
    text = _REGIONAL_WORD.sub(lambda m: _REGIONAL[m.group(0)], s.text)
    return replace(s, text=text) if text != s.text else s


# A sentence written in capitals ("YOU USE THE SERVICES AT YOUR OWN RISK.", the way US terms print
# their disclaimers and waivers) reads to the patterns as a heading: their title tests are tests of
# capitals. A long one that ends like a sentence is read in sentence case (the first letter kept,
# the other ASCII capitals lowered: same length, the quote stays as written); place names before
# "LAW" and after "LAWS OF" / "COURTS OF" keep their capitals ("GOVERNED BY CALIFORNIA LAW"), and so
# does a name before the verb it does ("GRINDR ALSO RESERVES THE RIGHT").
_SHOUTED_WORDS = 8
_PLACE_WORD = (r"(?!(?:THE|OF|BY|IN|AND|OR|WITHOUT|WITH|TO|FOR|ANY|ALL|THIS|THESE|THAT|ITS|YOUR|OUR|STATE|"
               r"GOVERNED|CONSTRUED|INTERPRETED|APPLICABLE|GOVERNING|UNDER|EXCEPT|REGARD|LOCATED|SITTING)\b)[A-Z][A-Z.]+")
_PLACE_NAME = cached_compile(rf"\b{_PLACE_WORD}(?:\s+{_PLACE_WORD}){{0,2}}(?=\s+LAWS?\b)"
                             r"|(?<=\b(?:LAWS?|STATE|COURTS?|COUNTY|CITY|PROVINCE|COMMONWEALTH|REPUBLIC)\s+(?:OF|IN)\s+(?:THE\s+)?)"
                             rf"{_PLACE_WORD}(?:\s+{_PLACE_WORD}){{0,2}}"
                             # the provider named as the one who acts ("ACCORDINGLY, GRINDR ALSO RESERVES THE RIGHT")
                             r"|(?<!\b(?:THE|A|AN|YOUR|OUR|ANY|THIS|EACH|SUCH|ITS|THEIR|ALL|NO)\s)"
                             r"\b(?!(?:WE|YOU|IT|THEY|HE|SHE|THIS|THAT|WHICH|WHO|ALSO|AND|OR|BUT|NOT|THERE|USER|USERS)\b)[A-Z][A-Z&]+"
                             r"(?=\s+(?:ALSO\s+|FURTHER\s+)?(?:MAY|MIGHT|CAN|WILL|SHALL|RESERVES|RETAINS|HAS|DOES|MAKES|PROVIDES|DISCLAIMS)\b)")


def _sentence_case_shouted(s: Sentence) -> Sentence:
    """The sentence as the patterns read it when it is written in capitals (see above)."""
    t = s.text
    if s.heading or not t.rstrip().endswith((".", ";", "!", "?", ":")):
        return s
    letters = [c for c in t if "A" <= c <= "Z" or "a" <= c <= "z"]
    if len(letters) < 25 or sum(c <= "Z" for c in letters) < 0.85 * len(letters) \
            or len(t.split()) < _SHOUTED_WORDS:
        return s
    keep = [False] * len(t)
    for m in _PLACE_NAME.finditer(t, timeout=TIMEOUT):
        keep[m.start():m.end()] = [True] * (m.end() - m.start())
    first = next((i for i, c in enumerate(t) if c.isalpha()), 0)
    text = t[:first + 1] + "".join(c.lower() if "A" <= c <= "Z" and not keep[i] else c
                                   for i, c in enumerate(t[first + 1:], first + 1))
    return replace(s, text=text)


def _matching_text(text: str, sentences: list[Sentence]) -> str:
    """The text the patterns run over: the normalized text, with the sentences that segmenting
    joined (a label and its value on the next line) spliced in as one line (same length)."""
    parts, pos = [], 0
    for s in sentences:
        if s.text != text[s.start:s.end]:
            parts += [text[pos:s.start], s.text]
            pos = s.end
    return "".join(parts) + text[pos:] if parts else text


class BudgetExceeded(Exception):
    """The scan's overall time budget ran out (raised by detect when given a deadline)."""


def detect(doc: Paged, norm: NormText, sentences: list[Sentence],
           patterns: tuple[Pattern, ...], *, deadline: float | None = None,
           skipped: list[str] | None = None, side: SideJob | None = None,
           ) -> tuple[list[Finding], list[Protection], list[str]]:
    """Findings and protections of ``patterns`` in one normalized text. ``deadline``
    (time.monotonic()) bounds the whole call: past it, BudgetExceeded. A pattern that runs out
    of its own limit (TIMEOUT) is named in the warnings and appended to ``skipped``. ``side``:
    other work on the same text (the sentence model's scores), run beside the search, on the
    second core when the search is split (``side.result`` holds what it returned)."""
    # a heading that opens a list ("✗ Not eligible for a refund" over bulleted cases) is read as
    # the list's lead-in
    sentences = [replace(s, heading=False) if s.heading and _opens_list(norm, sentences, k) else s
                 for k, s in enumerate(sentences)]
    sentences = [_sentence_case_shouted(_regional_words(_inner_dots_read_as_middle_dots(s))) for s in sentences]
    starts = [s.start for s in sentences]
    hits: dict[tuple[int, str], list[_Hit]] = {}
    warnings: list[str] = []
    text = _matching_text(norm.text, sentences)
    value_cache: dict[int, list[values_mod.Value]] = {}
    scripts = scripts_present(text)
    # a Chinese pattern cannot match a text with no Chinese in it, and vice versa
    active = [p for p in patterns if p.lang in scripts]

    def one(i: int) -> Any:
        if i == len(active):
            return _SideResult(side.run() if side is not None else None)
        return _search_one(active[i], text, sentences, starts, value_cache, deadline)

    def unpack(i: int, data: Any) -> Any:
        return data if i == len(active) else _unpack_hits(active[i], data)

    costs = [len(p.match_parts) or 1 for p in active] + ([side.cost] if side is not None else [])
    share = twocore.child_share(costs, len(text))
    results = twocore.run(len(costs), one, share, _pack_hits, unpack, _new_cache_entries, _take_cache_entries)
    if side is not None:
        side.result = results.pop().value
    for p, (own, timed_out) in zip(active, results, strict=True):
        for key, found in own.items():
            hits.setdefault(key, []).extend(found)  # in the library's order, as one search would
        if timed_out:
            warnings.append(f"pattern {p.full_id} took too long on this document and was skipped")
            if skipped is not None:
                skipped.append(p.full_id)
    _table_cells(sentences, patterns, scripts, hits, warnings, skipped)
    findings, protections = _results(doc, norm, sentences, hits, value_cache, text)
    return findings, protections, warnings


def _search_one(p: Pattern, text: str, sentences: list[Sentence], starts: list[int],
                value_cache: dict[int, list[values_mod.Value]], deadline: float | None,
                ) -> tuple[dict[tuple[int, str], list[_Hit]], bool]:
    """The hits of one pattern, and whether it ran out of its time limit (the hits found before
    it did are kept). BudgetExceeded past ``deadline``."""
    own: dict[tuple[int, str], list[_Hit]] = {}
    if deadline is not None and time.monotonic() > deadline:
        raise BudgetExceeded
    try:
        limit = time.monotonic() + TIMEOUT
        if deadline is not None:
            limit = min(limit, deadline)
        _search(p, text, sentences, starts, own, value_cache, limit, deadline)
    except TimeoutError:
        if deadline is not None and time.monotonic() > deadline:
            raise BudgetExceeded from None
        return own, True
    return own, False


class SideJob:
    """Work beside the pattern search (see ``detect``): ``run()`` returns plain data (it may
    run in the forked child); ``cost`` is its share of the work in regex alternatives (how the
    search is split between the cores)."""

    def __init__(self, run: Callable[[], Any], cost: int) -> None:
        self.run, self.cost = run, max(1, cost)
        self.result: Any = None


class _SideResult:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _pack_hits(result: Any) -> Any:
    """One pattern's hits as plain data for the trip from the child (the pattern stays behind);
    a side job's result as it is."""
    if isinstance(result, _SideResult):
        return result
    own, timed_out = result
    return ({key: [(h.sentence, h.start, h.end, h.confidence, h.protection, h.values, h.why) for h in found]
             for key, found in own.items()}, timed_out)


def _unpack_hits(p: Pattern, data: Any) -> tuple[dict[tuple[int, str], list[_Hit]], bool]:
    packed, timed_out = data
    return ({key: [_Hit(p, k, a, b, conf, prot, values=vals, why=why) for k, a, b, conf, prot, vals, why in found]
             for key, found in packed.items()}, timed_out)


def _new_cache_entries() -> dict[str, Any]:
    """The regexes the child compiled (and would have kept in the user cache at exit, which a
    forked child skips): the parent keeps them."""
    from .rxcache import default_cache

    return default_cache().pending()


def _take_cache_entries(entries: Any) -> None:
    from .rxcache import default_cache

    if isinstance(entries, dict):
        cache = default_cache()
        for key, value in entries.items():
            cache.put(key, value)


MERGE_MAX = 380  # characters: a merged quote stays a clause, not a page


def _merge_adjacent(findings: list[Finding], where: list[int], sentences: list[Sentence],
                    norm: NormText) -> list[Finding]:
    """One finding per clause: a pattern's findings in two sentences that follow each other in
    one paragraph become one, quoting both, with the values of each ("不得办理销户。不得办理携号
    转网。" is one lock-in, not two: two quotes of one term side by side read as a repetition,
    and an annotator quotes the clause once). See ``_one_clause`` for what stays apart."""
    out: list[Finding] = []
    last: dict[str, tuple[int, int]] = {}  # category -> (index in out, sentence) of its latest finding
    for f, k in zip(findings, where, strict=True):
        prev = last.get(f.category)
        if prev is not None and out[prev[0]].location.start <= f.location.start \
                and f.location.end <= out[prev[0]].location.end and not _values_differ(out[prev[0]].values, f.values):
            # an item of a list its lead-in already quotes: one finding, with the item's values
            first = out[prev[0]]
            out[prev[0]] = replace(first, values={**f.values, **first.values})
            last[f.category] = (prev[0], k)
            continue
        if prev is not None and prev[1] + 1 == k and _one_clause(out[prev[0]], f, sentences, k, norm):
            first = out[prev[0]]
            out[prev[0]] = _joined(first, f, norm.original, first.location.start,
                                   max(first.location.end, f.location.end))
            last[f.category] = (prev[0], k)
            continue
        last[f.category] = (len(out), k)
        out.append(f)
    return out


def _one_clause(first: Finding, f: Finding, sentences: list[Sentence], k: int, norm: NormText) -> bool:
    """Do ``first`` (ending in sentence k-1) and ``f`` (in sentence k) quote one clause? Not when
    another pattern found ``f`` (each pattern keeps its own finding), when they state different
    numbers, when a blank line, a heading or a new numbered or bulleted item comes between them,
    on another page, or when the joined quote would pass MERGE_MAX."""
    between = norm.text[sentences[k - 1].end:sentences[k].start]
    # the original text between the quotes holds every line break of ``between`` (blank lines too)
    gap = norm.original[first.location.end:f.location.start].replace("\r", "")
    item = "\n" in between and _ITEM_START.match(between[between.rfind("\n") + 1:] + sentences[k].text)
    return (first.pattern == f.pattern and not _values_differ(first.values, f.values)
            and not _BLANK_LINE.search(gap) and not item
            and not sentences[k - 1].heading and not sentences[k].heading
            and first.location.page == f.location.page and first.location.start <= f.location.start
            and max(first.location.end, f.location.end) - first.location.start <= MERGE_MAX)


_BLANK_LINE = cached_compile(r"\n[^\S\n]*\n")

# a line that starts a numbered or bulleted item ("2.2 ", "(3)", "三、", "第五条", "• ", "- ",
# "b) "): the next clause, a term of its own
_ITEM_START = cached_compile(
    r"\s*(?:\d{1,3}(?:\.\d{1,3})*[.、)）:：](?!\d)|\d{1,3}(?:\.\d{1,3})+(?![\d%])|[(（]\s*[\d一二三四五六七八九十a-z]{1,3}\s*[)）]"
    r"|[一二三四五六七八九十]{1,3}[、.．]|第[一二三四五六七八九十百\d]+[条章节款项]|[•·▪●○◆■◇\-–*]\s|[a-z][.)]\s)", regex.I)


def _values_differ(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two findings stating different numbers ("月费29元…；续费按39元/月") are two terms."""
    return any(k in b and b[k] != v for k, v in a.items())


def _joined(first: Finding, second: Finding, original: str, a: int, b: int) -> Finding:
    best, other = (first, second) if first.confidence >= second.confidence else (second, first)
    values = dict(first.values)
    for key, v in second.values.items():
        values.setdefault(key, v)
    evidence = original[a:b].strip()
    clause = first.clause if second.evidence in first.clause else (
        second.clause if first.evidence in second.clause else evidence)
    why = best.why + tuple(w for w in other.why if w not in best.why)
    return Finding(
        category=first.category, severity=best.severity, confidence=best.confidence, evidence=evidence,
        clause=clause, location=Location(first.location.page, a, b), values=values, pattern=best.pattern,
        explanation=best.explanation, matched=best.matched, section=first.section, why=why)


_WORDY = cached_compile(r"\w")


def _search(p: Pattern, text: str, sentences: list[Sentence], starts: list[int],
            hits: dict[tuple[int, str], list[_Hit]], value_cache: dict[int, list[values_mod.Value]],
            limit: float, deadline: float | None) -> None:
    """The hits of one pattern, added to ``hits``: at most one per sentence (a long sentence
    may have up to three), none in headings or across sentences. Past ``limit``, TimeoutError
    (BudgetExceeded past ``deadline``)."""
    pos = 0
    finder = p.finder(text)
    while pos < len(text):
        left = limit - time.monotonic()
        if left <= 0:
            if deadline is not None and time.monotonic() > deadline:
                raise BudgetExceeded
            raise TimeoutError
        m = finder.search(pos, timeout=left)
        if m is None:
            break
        k = bisect.bisect_right(starts, m.start()) - 1
        s = sentences[k] if k >= 0 else None
        start = m.start()
        if k + 1 < len(starts) and starts[k + 1] < m.end() <= sentences[k + 1].end \
                and not _WORDY.search(text, start, starts[k + 1]):
            # a match that begins with the line break or full stop before a sentence ("[\n.;]\s*Term:
            # 2 years") is that sentence's, not the gap's or the previous sentence's
            k, s, start = k + 1, sentences[k + 1], starts[k + 1]
        if s is None or start >= s.end or s.heading:
            # between sentences or in a heading: look again from the next sentence,
            # so a match that began here does not swallow the clause after it
            pos = starts[k + 1] if k + 1 < len(starts) else len(text)
            continue
        if m.end() > s.end:
            # a match that runs on into the next sentence quotes two clauses as one:
            # look for one inside this sentence from the next character
            pos = m.start() + 1
            continue
        ok, is_prot, conf, why = explain(p, s, start, m.end())
        if ok and not is_prot and (_QUESTION.search(s.text) or how_to(s.text)):
            ok = False  # an FAQ question or a how-to step binds no one: the clause is elsewhere
        if not ok:
            # another match later in this sentence may qualify; never skip past its end
            pos = max(m.start() + 1, min(m.end(), s.end))
            continue
        hit = _Hit(p, k, start, m.end(), conf, is_prot, why=why)
        if not is_prot:
            if k not in value_cache:
                value_cache[k] = values_mod.candidates(s.text)
            hit.values = _values(p, s, start, m.end(), value_cache[k])
            _values_across_semicolon(p, sentences, k, hit.values, value_cache)
        hits.setdefault((k, p.category), []).append(hit)
        mine = [h for h in hits[(k, p.category)] if h.pattern is p]
        if (is_prot or s.end - s.start > ONE_TERM_MAX) and m.end() < s.end and \
                sum(1 for h in mine if not h.protection) < 3 and len(mine) < 6:
            # a long sentence may state the term twice; and after a protection, the term may
            # follow ("不收取卡费，激活时须另行支付服务费30元": no card fee, but a service fee)
            pos = max(m.end(), m.start() + 1)
        else:
            pos = starts[k + 1] if k + 1 < len(starts) else len(text)  # one hit per sentence


def _results(doc: Paged, norm: NormText, sentences: list[Sentence], hits: dict[tuple[int, str], list[_Hit]],
             value_cache: dict[int, list[values_mod.Value]], text: str) -> tuple[list[Finding], list[Protection]]:
    """The findings and protections of the hits, in document order: per sentence and category,
    the most confident protection, and a finding per separate term the other hits state."""
    findings: list[Finding] = []
    where: list[int] = []  # the sentence of each finding
    protections: list[Protection] = []
    for (k, cat), group in sorted(hits.items(), key=lambda kv: (sentences[kv[0][0]].start, kv[0][1])):
        s = sentences[k]
        prot = [h for h in group if h.protection]
        if prot:
            protections.append(_protection(doc, norm, s, cat, max(prot, key=lambda h: h.confidence)))
            # "本套餐无合约期，但选择靓号须承诺在网24个月": a risk stated in another part of
            # the sentence than every protection still counts
            group = [g for g in group if not g.protection and not any(_same_part(s, g, x) for x in prot)]
            if not group:
                continue
        clusters = _clusters(s, group)
        made: list[Finding] = []
        for cluster in clusters:
            # several terms of one sentence each quote their own part of it
            whole = WHOLE_SENTENCE_MAX if len(clusters) == 1 else ONE_TERM_MAX
            made.append(_finding(doc, norm, sentences, k, cat, cluster, hits, value_cache, text, whole))
        if cat in _SEVERAL_TERMS:
            made += _other_terms(doc, norm, s, k, cat, made, value_cache)
        findings += made
        where += [k] * len(made)
    return _merge_adjacent(findings, where, sentences, norm), protections


# The categories whose one sentence often states several terms, each with its own numbers: fees ("标准安装费
# 1200元/次，偏远地区需加价400元"; "a one-time activation charge of $37.45 and a one-time service charge of
# $10.70"), throttling tiers ("达到40GB后降至3.1Mbps，达到100GB后降至128Kbps") and suspension steps
# ("超过90日…按销户处理，超过120日…其他全部业务按销户处理"). The patterns match
# the sentence once; every other part of it that states its own sum (its own threshold) is a finding too,
# quoting that part, so that a reader sees each fee with its number.
_SEVERAL_TERMS = {"extra_fees": ("amount", "percent"), "data_cap_throttle": ("data_gb",), "suspension_recycling": ("days",)}
_FEE_CUE = cached_compile(
    r"费|收取|收費|收费|加[价價收]|另[收付]|支付|缴纳|繳納|罚|罰|\b(?:fees?|charges?|surcharges?|penalt(?:y|ies)|interest|fines?)\b",
    regex.I)
# a part that states the price itself, a gift, a refund or a discount: not a further fee
_NOT_A_FEE = cached_compile(
    r"月租|月费|月費|月基本费|套餐[费費价價]|资费|資費|计费|計費|原价|原價|优惠|優惠|售价|售價|价格|價格|标准价|退|返还|返還|赠|贈|送|免费|免費|"
    r"\b(?:price|plan|subscription|monthly\s+(?:fee|charge|rate)|credits?|refunds?|discounts?|rebates?|off|free|waived?|"
    r"included|deposit\s+(?:will\s+be\s+)?(?:returned|refunded))\b"
    # a cap or a bound of the fee already found ("…and capped at $188.32 per month", "the lesser of $25 or…")
    r"|\b(?:capped|caps?|lesser|greater|maximum|minimum)\b|最高|封顶|封頂|上限|不超过|不超過|最低", regex.I)
_THROTTLE_CUE = cached_compile(r"降速|限速|降至|降为|速率|网速|throttl|reduced|slow|speeds?\b|kbps|mbps", regex.I)
# suspension steps by days ("超过90日…按销户处理，超过120日…其他业务按销户处理"; "延迟3天停机…停机120天以上…终止")
_SUSPENSION_CUE = cached_compile(
    r"停机|停機|销户|銷户|銷戶|销号|銷號|注销|註銷|回收|收回|暂停|暫停|终止|終止|取消|\b(?:suspend\w*|disconnect\w*|deactivat\w*|"
    r"terminat\w*|recycl\w*|reassign\w*|cancel\w*)\b", regex.I)
_CUES = {"extra_fees": _FEE_CUE, "data_cap_throttle": _THROTTLE_CUE, "suspension_recycling": _SUSPENSION_CUE}
_OTHER_TERMS_MAX = 3


def _other_terms(doc: Paged, norm: NormText, s: Sentence, k: int, cat: str, made: list[Finding],
                 cache: dict[int, list[values_mod.Value]]) -> list[Finding]:
    """The further terms of a sentence whose findings (``made``) each state one number: every
    part of it (between commas, and between two sums) that states a different sum (threshold, number
    of days) and names what it is for (a fee, a slowdown, a suspension: ``_CUES``), as a finding of its
    own quoting that part (see _SEVERAL_TERMS)."""
    keys = _SEVERAL_TERMS[cat]
    if not made or not any(key in f.values for f in made for key in keys):
        return []
    if k not in cache:
        cache[k] = values_mod.candidates(s.text)
    found = cache[k]
    taken = {(key, f.values[key]) for f in made for key in keys if key in f.values}
    sums = sorted((v for v in found if v.key in keys), key=lambda v: v.start)
    base = made[0]
    cue = _CUES[cat]
    out: list[Finding] = []
    for i, v in enumerate(sums):
        if (v.key, v.value) in taken or len(out) >= _OTHER_TERMS_MAX:
            continue
        a, b = values_mod.subclause(s.text, v.start, v.end)
        # between the sums before and after it: "a charge of $37.45 and a charge of $10.70"
        if i and sums[i - 1].end > a:
            a = sums[i - 1].end
        if i + 1 < len(sums) and sums[i + 1].start < b:
            b = sums[i + 1].start
        if b < len(s.text) and not cue.search(s.text, a, b, timeout=values_mod.TIMEOUT):
            # "达到100GB后，上网速率降至128Kbps": the next part says what the sum is for (when it has no sum of its own)
            nb = values_mod.subclause(s.text, b + 1, b + 1)[1]
            if not (i + 1 < len(sums) and sums[i + 1].start < nb):
                b = nb
        part = s.text[a:b]
        # a fee's part may say what it is by its rate alone ("150元/次"); never the price, a gift or a cap
        rated = cat == "extra_fees" and dict(v.extra).get("period") is not None
        if not (rated or cue.search(part, timeout=values_mod.TIMEOUT)) \
                or (cat == "extra_fees" and _NOT_A_FEE.search(part, timeout=values_mod.TIMEOUT)):
            continue
        lead = len(part) - len(part.lstrip(" ,，;；:：)）.、"))
        a += lead
        b -= len(part) - len(part.rstrip())
        if b - a < 4:
            continue
        wanted = CATEGORY_VALUES.get(cat, ())
        vals = values_mod.pick(s.text[a:b], wanted, (v.start - a, v.end - a),
                               [replace(x, start=x.start - a, end=x.end - a) for x in found if a <= x.start and x.end <= b])
        if vals.get(v.key) != v.value:
            continue
        values_mod.one_off_period(cat, s.text[a:b], vals)
        taken.add((v.key, v.value))
        oa, ob = norm.to_orig(s.start + a, s.start + b)
        out.append(Finding(
            category=cat, severity=base.severity, confidence=base.confidence,
            evidence=norm.quote(s.start + a, s.start + b).strip(), clause=base.clause,
            location=Location(doc.page_of(oa), oa, ob), values=vals, pattern=base.pattern,
            explanation=base.explanation, matched=norm.quote(s.start + v.start, s.start + v.end),
            section=s.section, why=base.why))
    return out


def _protection(doc: Paged, norm: NormText, s: Sentence, cat: str, h: _Hit) -> Protection:
    a, b = evidence_span(s, h.start, h.end)
    oa, ob = norm.to_orig(a, b)
    return Protection(
        category=cat, evidence=norm.quote(a, b).strip(), clause=norm.quote(s.start, s.end).strip(),
        location=Location(doc.page_of(oa), oa, ob), pattern=h.pattern.full_id,
        explanation=h.pattern.explanation)


def _finding(doc: Paged, norm: NormText, sentences: list[Sentence], k: int, cat: str, cluster: list[_Hit],
             hits: dict[tuple[int, str], list[_Hit]], value_cache: dict[int, list[values_mod.Value]],
             text: str, whole: int = WHOLE_SENTENCE_MAX) -> Finding:
    """One finding of a cluster of hits: the most confident one's, with the values the others add."""
    s = sentences[k]
    cluster.sort(key=lambda h: -h.confidence)
    best = cluster[0]
    vals = dict(best.values)
    for other in cluster[1:]:
        for key, v in other.values.items():
            vals.setdefault(key, v)
    _values_from_next_sentence(cat, sentences, k, vals, hits, value_cache, text)
    a, b = evidence_span(s, best.start, best.end, whole)
    if b == s.end:
        b = _list_end(doc, norm, sentences, k, a)
        if b > s.end:
            _values_from_items(cat, sentences, k, b, vals, value_cache)
    oa, ob = norm.to_orig(a, b)
    ca, cb = _clause_span(sentences, k)
    return Finding(
        category=cat, severity=best.pattern.severity, confidence=best.confidence,
        evidence=norm.quote(a, b).strip(), clause=norm.quote(ca, cb).strip(),
        location=Location(doc.page_of(oa), oa, ob), values=vals, pattern=best.pattern.full_id,
        explanation=best.pattern.explanation, matched=norm.quote(best.start, best.end),
        section=s.section, why=best.why)


def _clusters(s: Sentence, group: list[_Hit]) -> list[list[_Hit]]:
    """The hits of one category in one sentence, as the separate terms they state. A sentence
    short enough to be quoted whole states one; in a long one ("…须支付违约金…；…另行支付
    手续费200元…"), matches more than _APART characters from each other are different terms,
    each with its own quote and values."""
    if s.end - s.start <= ONE_TERM_MAX:
        return [group]
    out: list[list[_Hit]] = []
    for h in group:  # in detection order, so that ties of confidence resolve as before
        for members in out:
            if any(h.start < o.end + _APART and o.start < h.end + _APART for o in members):
                members.append(h)
                break
        else:
            out.append([h])
    return out


_APART = 80  # characters between two matches of one category that make them two terms


_CONTINUES = cached_compile(
    r"^\s*(?:after\s+(?:that|this|the\s+\w+\s+(?:period|term|months?))|thereafter|then|from\s+then|at\s+that\s+time"
    r"|we(?:\s+will|'ll|’ll)\s+(?:always\s+|usually\s+|normally\s+|first\s+|also\s+)?(?:give|notify|tell|send|provide|let|inform|e-?mail)"
    r"|you\s+will\s+(?:be\s+)?(?:notified|charged|billed)"
    r"|(?:if|when)\s+we\s+(?:do|raise|increase|change|make)"
    # "…change the prices. Changes will take effect 30 days after notification."
    r"|(?:(?:any|such|these|the|all)\s+){0,2}(?:price\s+)?(?:changes?|increases?|adjustments?|modifications?|revisions?)\s+(?:will|shall)\s+(?:only\s+)?"
    r"(?:take\s+effect|become\s+effective|be\s+effective|apply)"
    r"|此后|之后|其后|届时|期满后|到期后|优惠期(?:满|结束)后"
    # "…保留调整价格的权利。任何价格调整将于实施前至少30天通知您" / "新修订条款将于张贴七天后生效"
    r"|(?:任何|上述|前述|该等?|新)?(?:价格|资费|费用|条款|协议|合约|合同)?(?:调整|变更|修改|修订|变动)(?:后的)?(?:条款|协议|内容)?(?:将|会)"
    r"|新(?:的)?(?:条款|协议|价格|资费)(?:将|会)|(?:[^。；;,，]{0,10}的[,，]\s*)?(?:我们|乙方|本平台|平台|公司)?将(?:在|于|提前)"
    # a worked example of the term ("如：7月15日开通，…10月开始支付49元/月"), and the notice or
    # condition that qualifies it ("但…公司应提前30天通知")
    r"|(?:for\s+example|e\.g\.|例如|比如|如)\s*[:：,，]"
    r"|(?:但|但是)[^。；;]{0,30}?(?:应|须|需|将|会)(?:当)?(?:提前|于|在))", regex.I)


_STARTS_WITH_VALUE = cached_compile(r"\s*(?:(?:us|hk|a|nz|c|s)?[$€£¥￥]\s?\d|\d|[一二三四五六七八九十两]+\s*(?:个月|年|天|元))", regex.I)


def _values_from_next_sentence(cat: str, sentences: list[Sentence], k: int, vals: dict[str, Any],
                               hits: dict[tuple[int, str], list[_Hit]],
                               cache: dict[int, list[values_mod.Value]], text: str) -> None:
    """"We may change our prices. We will notify you at least 30 days before." The next
    sentence of the same paragraph, when it goes on with the term (After that / 此后 / 我们将…)
    and states no term of this category itself, fills the values this finding lacks."""
    missing = [key for key in CATEGORY_VALUES.get(cat, ()) if key not in vals
               and key not in ("currency", "period", "formula")]
    if not missing or k + 1 >= len(sentences) or (k + 1, cat) in hits:
        return
    n, cur = sentences[k + 1], sentences[k].text.rstrip()
    gap = text[sentences[k].end:n.start]
    # a label line and its value on the next ("Your minimum monthly charge" / "$113 for …")
    label = (len(cur) <= 60 and cur[-1:] not in "。.;；!！?？" and gap.count("\n") == 1
             and _STARTS_WITH_VALUE.match(n.text) is not None)
    if n.heading or not (label or ("\n" not in gap and _CONTINUES.match(n.text))):
        return
    _fill_missing(vals, missing, sentences, k + 1, cache)


def _fill_missing(vals: dict[str, Any], missing: list[str], sentences: list[Sentence], j: int,
                  cache: dict[int, list[values_mod.Value]]) -> None:
    """The ``missing`` values (and the currency and period of a missing amount) that sentence j
    states, added to ``vals``."""
    if j not in cache:
        cache[j] = values_mod.candidates(sentences[j].text)
    for key, v in values_mod.pick(sentences[j].text, missing, (0, 0), cache[j]).items():
        if key in missing or (key in ("currency", "period") and "amount" in missing):
            vals.setdefault(key, v)


def _values_from_items(cat: str, sentences: list[Sentence], k: int, end: int, vals: dict[str, Any],
                      cache: dict[int, list[values_mod.Value]]) -> None:
    """The values a list lead-in lacks, from the items its quote takes in ("We do not refund in
    these cases: • the request is made after 14 days": 14 days), the first item's first."""
    missing = [key for key in CATEGORY_VALUES.get(cat, ()) if key not in vals
               and key not in ("currency", "period", "formula")]
    j = k + 1
    while missing and j < len(sentences) and sentences[j].end <= end:
        _fill_missing(vals, missing, sentences, j, cache)
        missing = [key for key in missing if key not in vals]
        j += 1


_MIN_CLAUSE = 8  # letters and digits: "【合约期】24个月" alone cannot be found again in a page


LIST_MAX = 300  # letters and digits: a lead-in quoted with its list stays well under a page


def _list_end(doc: Paged, norm: NormText, sentences: list[Sentence], k: int, a: int) -> int:
    """Where the quote of sentence k ends when it introduces a list ("We do not refund in the
    following cases:", "有下列情形之一的，乙方有权解除协议："): after the items that follow it
    (bulleted or numbered lines, on the same page), whole items only, while the quote stays
    under LIST_MAX letters and digits. The items are the term's conditions: the buyer reads
    them with it. Otherwise the sentence's end."""
    s = sentences[k]
    end = s.end
    if not (_LEAD_IN.search(s.text) or _opens_list(norm, sentences, k)):
        return end
    size = sum(1 for c in norm.text[a:end] if c.isalnum())
    page = doc.page_of(norm.to_orig(s.start, s.end)[0])
    for t in sentences[k + 1:]:
        between = norm.text[end:t.start]
        if t.heading or between.count("\n") > 2 or doc.page_of(norm.to_orig(t.start, t.end)[0]) != page:
            break
        line = _line_up_to(norm.text, t)
        # a new line must start an item; the rest of an item's line ("• No refund after
        # 14 days. Ask support.") goes with it
        if "\n" in between and not _ITEM_START.match(line):
            break
        size += sum(1 for c in t.text if c.isalnum())
        if size > LIST_MAX:
            break
        end = t.end
    return end


def _opens_list(norm: NormText, sentences: list[Sentence], k: int) -> bool:
    """Is sentence k a title over a list: a short phrase (no full stop, no comma) right above a
    bulleted or numbered item ("NOT Eligible for Refund", "不予退款的情形")?"""
    s = sentences[k]
    if k + 1 >= len(sentences) or sum(c.isalnum() for c in s.text) > _LIST_TITLE_MAX or _STOP_END.search(s.text) \
            or _CLAUSE_MARK.search(s.text):
        return False
    if _ITEM_START.match(_line_up_to(norm.text, s)):
        return False  # an item of the list itself
    t = sentences[k + 1]
    between = norm.text[s.end:t.start]
    return "\n" in between and between.count("\n") <= 2 and not t.heading and bool(_ITEM_START.match(_line_up_to(norm.text, t)))


def _line_up_to(text: str, s: Sentence) -> str:
    """Sentence s with what comes before it on its line (its bullet or number)."""
    return text[text.rfind("\n", 0, s.start) + 1:s.end]


_LIST_TITLE_MAX = 60  # letters and digits: a title over a list, not a paragraph
_STOP_END = cached_compile(r"[.。!！?？;；]\s*[*_]*\s*$")
_CLAUSE_MARK = cached_compile(r"[,，、;；]")  # a title is one phrase, a sentence has clauses


# a sentence that ends in a colon introduces what follows it
_LEAD_IN = cached_compile(r"[:：]\s*[*_]*\s*$")


def _clause_span(sentences: list[Sentence], k: int) -> tuple[int, int]:
    """The clause a finding belongs to: its sentence, or for a very short one (a field of a
    product sheet) the sentence with its neighbours, so that it can be located in the page."""
    a, b = sentences[k].start, sentences[k].end
    i = j = k

    def size() -> int:
        return sum(1 for s in sentences[i:j + 1] for c in s.text if c.isalnum())

    while size() < _MIN_CLAUSE and (i > 0 or j + 1 < len(sentences)):
        if i > 0:
            i -= 1
        else:
            j += 1
    return sentences[i].start if i < k else a, sentences[j].end if j > k else b


def _table_cells(sentences: list[Sentence], patterns: tuple[Pattern, ...], scripts: set[str],
                 hits: dict[tuple[int, str], list[_Hit]], warnings: list[str],
                 skipped: list[str] | None = None) -> None:
    """A table row under a header ("| A档 | 300元 | 12个月 | 58元 |" below "| 档位 | 预存 |
    合约期 | 月最低消费 |") is also read cell by cell under its column names ("合约期: 12个月;
    月最低消费: 58元"); what is found there quotes the whole row."""
    for k, s in enumerate(sentences):
        if not s.cells:
            continue
        cells = Sentence(0, len(s.cells), s.cells)
        found = values_mod.candidates(s.cells)
        for p in patterns:
            if p.lang not in scripts:
                continue
            try:
                m = p.finder(s.cells).search(0, timeout=TIMEOUT)
                if m is None:
                    continue
                ok, is_prot, conf, why = explain(p, cells, m.start(), m.end())
            except TimeoutError:
                warnings.append(f"pattern {p.full_id} took too long on a table row and was skipped")
                if skipped is not None:
                    skipped.append(p.full_id)
                continue
            if not ok:
                continue
            hit = _Hit(p, k, s.start, s.end, conf, is_prot, why=why)
            if not is_prot:
                hit.values = _values(p, cells, m.start(), m.end(), found)
            hits.setdefault((k, p.category), []).append(hit)


def _same_part(s: Sentence, a: _Hit, b: _Hit) -> bool:
    """Do two hits sit in the same comma-delimited part of their sentence (or overlap)?"""
    if a.start < b.end and b.start < a.end:
        return True
    pa = values_mod.subclause(s.text, a.start - s.start, a.end - s.start)
    pb = values_mod.subclause(s.text, b.start - s.start, b.end - s.start)
    return pa[0] < pb[1] and pb[0] < pa[1]


def _values_across_semicolon(p: Pattern, sentences: list[Sentence], k: int, vals: dict[str, Any],
                             cache: dict[int, list[values_mod.Value]]) -> None:
    """A clause cut at ；/; ("欠费超过15日的，暂停服务；暂停满3个月的，收回号码") states its
    terms in both halves: fill keys still missing from the neighbouring half."""
    missing = [key for key in p.values if key not in vals and key not in ("currency", "period", "formula")]
    if not missing:
        return
    s = sentences[k]
    for j, at_start in ((k + 1, True), (k - 1, False)):
        if not 0 <= j < len(sentences):
            continue
        first, second = (s, sentences[j]) if at_start else (sentences[j], s)
        if first.text[-1:] not in ";；" or second.start - first.end > 2 or sentences[j].heading:
            continue
        n = sentences[j]
        if j not in cache:
            cache[j] = values_mod.candidates(n.text)
        anchor = (0, 0) if at_start else (len(n.text), len(n.text))
        for key, v in values_mod.pick(n.text, missing, anchor, cache[j]).items():
            if key in missing or (key in ("currency", "period") and "amount" in missing):
                vals.setdefault(key, v)


# the period a category's amount is stated in, when a sentence states several amounts: the
# monthly instalment of a gifted credit, not its total
_PREFERRED_PERIOD = {"installment_credit": "month", "minimum_spend": "month"}


def _values(p: Pattern, s: Sentence, start: int, end: int, found: list[values_mod.Value]) -> dict[str, Any]:
    anchor, forward = (start - s.start, end - s.start), False
    if p.value_anchor is not None:  # the first anchor of the list that the sentence states
        for rx in p.value_anchor_parts or (p.value_anchor,):
            a = rx.search(s.text, timeout=TIMEOUT)
            if a is not None:
                anchor, forward = a.span(), True
                break
    keys = p.values + tuple(k for k in CATEGORY_VALUES.get(p.category, ()) if k not in p.values)
    vals = values_mod.pick(s.text, keys, anchor, found, forward)
    want = _PREFERRED_PERIOD.get(p.category)
    if want and "amount" in vals and vals.get("period") != want and "amount" not in p.set:
        # "其余360元分12个月返还，每月30元": the instalment is the amount with the period
        rated = [v for v in found if v.key == "amount" and dict(v.extra).get("period") == want]
        if rated:
            a0, a1 = anchor
            best = min(rated, key=lambda v: abs(v.start - a0))
            vals.update({"amount": best.value, **dict(best.extra)})
    if "amount" in vals:
        for k, v in p.defaults.items():
            vals.setdefault(k, v)
    vals.update(p.set)
    values_mod.one_off_period(p.category, s.text, vals)
    return vals
