"""What the advice reads from a report, once: the findings by category, the term, the monthly
minimum or charge, the currency, the product bought, and the small helpers that name and quote
clauses (``Facts``)."""
from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from ..engine.normalize import fold_chars
from ..engine.values import (
    mechanism,
)
from ..render.money import money
from .messages import LANGS, Text, msg
from .model import (
    Source,
)

MIN_CHARS = 200  # Latin text; Chinese is denser (see _assessable)
MIN_CHARS_ZH = 120
EXIT_MONTHS = (1, 3, 6, 12)

# ---------------------------------------------------------------------------------------------
# small helpers


def _num(x: float | int | None) -> str:
    if x is None:
        return "?"
    x = round(float(x), 2)
    return str(int(x)) if x == int(x) else f"{x:.2f}".rstrip("0").rstrip(".")


def _money(x: float | None, cur: str | None) -> Text:
    """An amount of money as each language writes it (a parameter of ``msg``)."""
    return {lang: money(x, cur or "CNY", lang) for lang in LANGS}


def _flat(s: str) -> str:
    return " ".join(s.split())


_src = Source.of


def _srcs(items: Iterable[Any]) -> tuple[Source, ...]:
    out: list[Source] = []
    seen = set()
    for it in items:
        if it is None:
            continue
        s = it if isinstance(it, Source) else _src(it)
        key = (s.category, s.start, s.end)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return tuple(out)


def _same(f: Any, g: Any) -> bool:
    """Two findings quoting the same clause."""
    return f is g or _flat(f.evidence) == _flat(g.evidence) or (
        f.location.start == g.location.start and f.location.end == g.location.end)


def _uniq(fs: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for f in fs:
        if not any(_same(f, g) for g in out):
            out.append(f)
    return out


def _int_months(v: Any) -> int | None:
    """A plausible whole number of months (values sometimes carry clause numbers like 3.4)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    if float(v) != int(v) or not 1 <= v <= 120:
        return None
    return int(v)


# ---------------------------------------------------------------------------------------------
# template placeholders

_PH = re.compile(r"\$F?\{\s*(\w+)\s*\}|_{3,}|＿{2,}|(?<=[为付计金费额是：:])[ \t\u3000]+(?=[元月年%])")


def _placeholders(ev: str) -> list[tuple[str, str, str]]:
    """(placeholder as written, 14 chars before, 4 chars after) for each placeholder in ``ev``."""
    out = []
    for m in _PH.finditer(ev):
        shown = m.group(0) if m.group(0).strip() else "____"
        out.append((shown.strip() or "____", ev[max(0, m.start() - 14):m.start()], ev[m.end():m.end() + 4]))
    return out


def _ph_for(ev: str, kind: str) -> str | None:
    """The placeholder standing for the value ``kind`` (term, min, etf, prestore) in ``ev``."""
    for shown, before, after in _placeholders(ev):
        b, a = before.replace(" ", ""), after.strip()
        if kind == "term" and re.match(r"(年|个月|月|months?|years?)", a) and not re.search(r"最低消费(额度?)?(为|是)?$", b):
            return shown + (" 年" if a.startswith("年") else "")
        if kind == "min" and re.search(r"(最低(通信)?消费(额度?)?|保底消费|月租)(为|是|：|:)?$", b) and re.match(r"元|yuan|CNY|/", a):
            return shown
        if kind == "etf" and re.search(r"违约金|解约金|termination fee|cancellation fee", b):
            return shown
        if kind == "prestore" and re.search(r"预存(话费)?|prepa", b):
            return shown
    return None


# ---------------------------------------------------------------------------------------------
# clause references and quotes

_CN_DIG = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _cn_int(s: str) -> int | None:
    if s.isdigit():
        return int(s)
    if not s or any(c not in _CN_DIG and c not in "十百" for c in s):
        return None
    if "十" in s:
        a, _, b = s.partition("十")
        return (_CN_DIG.get(a, 1) if a else 1) * 10 + (_CN_DIG.get(b, 0) if b else 0)
    return _CN_DIG.get(s)


_LEAD = re.compile(r"^[\s*#>\-•·|（(]*(?:第\s*([一二三四五六七八九十百\d]+)\s*[条章款]|(\d{1,2}(?:\.\d{1,2}){0,2})(?:[\.、．\s）)*]|(?=[\u4e00-\u9fff]))|([一二三四五六七八九十]{1,3})[、．.])")


def _clause_no(text: str, f: Any) -> str | None:
    """The clause's own leading number ("2.2", "第二条" -> "2"), from the evidence or the line it sits on."""
    cands = [f.evidence]
    if text:
        start = getattr(f.location, "start", 0)
        ls = max(text.rfind("\n", 0, start), text.rfind("\f", 0, start)) + 1
        cands.append(text[ls:start + 4])
    for c in cands:
        m = _LEAD.match(c)
        if m:
            if m.group(1):
                n = _cn_int(m.group(1))
                return str(n) if n is not None else m.group(1)
            if m.group(2):
                num = m.group(2).rstrip(".")
                if num and not (len(num) == 4 and num.isdigit()):
                    return num
            if m.group(3):
                n = _cn_int(m.group(3))
                if n is not None:
                    return str(n)
    sec = getattr(f, "section", None)
    if sec:
        m = _LEAD.match(sec)
        if m and (m.group(1) or m.group(2) or m.group(3)):
            g = m.group(1) or m.group(3)
            n = _cn_int(g) if g else None
            return str(n) if n is not None else (m.group(2) or g).rstrip(".")
    return None


def _ref(text: str, f: Any) -> Text:
    no = _clause_no(text, f)
    if no:
        return msg("ref.clause", no=no)
    if "\f" not in text:  # a text or web page has one "page": name the clause's section instead
        sec = _flat(getattr(f, "section", None) or "")
        if sec:
            sec = sec if len(sec) <= 18 else sec[:17] + "…"
            return msg("ref.section", section=sec)
        return msg("ref.text")
    return msg("ref.page", page=f.location.page)


_STRIP_LEAD = re.compile(r"^[\s*#>\-•·|]*(?:第\s*[一二三四五六七八九十百\d]+\s*[条章款]|\d{1,2}(?:\.\d{1,2}){0,2}[\.、．)）]?|[一二三四五六七八九十]{1,3}[、．.]|[（(]\d+[)）])[\s*]*")


def _quote(f: Any, limit: int = 48) -> str:
    s = _STRIP_LEAD.sub("", _flat(f.evidence).replace("**", ""))
    s = s.rstrip("。.;；，, ")
    is_cjk = sum(1 for c in s if "\u4e00" <= c <= "\u9fff") > len(s) / 4
    lim = limit if is_cjk else limit * 2
    return s if len(s) <= lim else s[:lim].rstrip() + "…"


# ---------------------------------------------------------------------------------------------
# reading the findings

_FORFEIT = re.compile(r"作废|不再返还|停止(返还|赠送)|终止|取消|不予(补发|退还|返还)|收回|扣除|forfeit|stop|claw|cancel|lost|no longer", re.I)
_REPAY = re.compile(r"退还已享受|返还.{0,12}已(获赠|享受|返还|赠送)|已返现金额.{0,10}扣除|repay|pay back|claw(ed)? back.{0,30}(received|already)", re.I)
def _paid_word(fs: list[Any]) -> Text:
    """The name of the money paid up front: a first top-up, a prepayment, a top-up."""
    ev = " ".join(f.evidence for f in fs)
    if re.search(r"首充|首次充值|first top[- ]?up|first recharge", ev, re.I):
        return msg("word.paid.first_topup")
    if re.search(r"预存|prepa", ev, re.I):
        return msg("word.paid.prepayment")
    return msg("word.paid.topup")


_TOPUP = re.compile(r"首充|首次充值|充值|预存|top[- ]?up|first (payment|recharge)|recharge|prepa", re.I)
_NONREF = re.compile(r"不予退还|不退|不支持.{0,6}退|不可退|不能退|概不退|non-?refundable|not refundable|no refunds?|not be refunded|are not refunded", re.I)
_REMAINING = re.compile(r"剩余.{0,10}(月|期)|未完成的协议月份|remaining (monthly |term |contract )?(months?|payments|dues|charges|balance|term)|months remaining|remainder of (the|your) (term|contract)", re.I)
_PROMO_STD = re.compile(r"(恢复|按|起)[^。；;]{0,10}?\d+(\.\d+)?\s*元\s*/?\s*月|标准资费\s*\d|then[^.]{0,30}[$€£]\s?\d|regular (rate|price)[^.]{0,20}[$€£]\s?\d|standard[^.]{0,20}[$€£]\s?\d", re.I)
_MONTHLY = [
    re.compile(r"(\d+(?:\.\d+)?)\s*元\s*/\s*月"),
    re.compile(r"(?:每月|月租|月费|月基本费|月付)[^\d。；;，,]{0,6}(\d+(?:\.\d+)?)\s*元"),
    re.compile(r"(?:会员费|会费|服务费|订阅费)[^\d。；;，,]{0,4}每月\s*(\d+(?:\.\d+)?)\s*元"),
    re.compile(r"(?<!by )[$€£]\s?(\d+(?:\.\d{1,2})?)\s*(?:/|per|a)\s*(?:month|mo\b)", re.I),
]
_TIERS = [
    re.compile(r"前\s*(?P<n>\d+)\s*个月[^。；;]{0,16}?(?P<p1>\d+(?:\.\d+)?)\s*元[^。；;]{0,24}?(?:之后|此后|起|期满后|恢复|结束后)[^。；;]{0,12}?(?P<p2>\d+(?:\.\d+)?)\s*元"),
    re.compile(r"[$€£]\s?(?P<p1>\d+(?:\.\d+)?)\s*(?:a|per|/)\s*month[^.]{0,30}?first (?P<n>\d+) months[^$€£]{0,80}?[$€£]\s?(?P<p2>\d+(?:\.\d+)?)\s*(?:a|per|/)\s*month", re.I),
]


_PERIOD_REF = re.compile(r"(?:在|于)(?P<zh>有效期|服务期|会籍期|合同期|协议期|使用期|期限)内"
                         r"|\b(?:during|within|before the end of)\s+the\s+(?P<en>membership period|subscription period|"
                         r"service period|initial term|term)\b", re.I)


def _period_length(word: str, ev: str) -> int | None:
    """The length in months a clause gives the named period ("有效期12个月", "有效期为一年")."""
    if re.fullmatch(r"[a-z ]+", word, re.I):
        m = re.search(rf"\b{word}\b[^.;]{{0,20}}?\b(\d+)\s*(month|year)s?\b|\b(\d+)[- ](month|year)s?\s+{word}\b", ev, re.I)
        if not m:
            return None
        n, unit = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        return int(n) * (12 if unit.lower() == "year" else 1)
    m = re.search(rf"{word}\s*(?:为|是|:|：)?\s*(\d+|[一二三四五六七八九十两]+)\s*(个月|个?自然月|年)", ev)
    if not m:
        return None
    n = int(m.group(1)) if m.group(1).isdigit() else _cn_int(m.group(1))
    return n * (12 if m.group(2) == "年" else 1) if n and 0 < n <= 120 else None


def _tier_in(ev: str) -> tuple[float, int, float] | None:
    """(first price, for N months, price after) when a clause gives a two-step price."""
    for rx in _TIERS:
        m = rx.search(ev)
        if m:
            p1, n, p2 = float(m.group("p1")), int(m.group("n")), float(m.group("p2"))
            if 1 <= n <= 60 and p2 != p1:
                return p1, n, p2
    return None


def _by(findings: Iterable[Any], *cats: str) -> list[Any]:
    return [f for f in findings if f.category in cats]


def _monthly_in(ev: str) -> float | None:
    for rx in _MONTHLY:
        m = rx.search(ev)
        if m:
            return float(m.group(1))
    return None


def _currency(findings: Iterable[Any], language: str) -> str | None:
    c: Counter[str] = Counter(f.values.get("currency") for f in findings if f.values.get("currency"))
    if c:
        return c.most_common(1)[0][0]
    return "CNY" if language == "zh" else None


_PRODUCT_SIGNS = {
    "mobile": re.compile(r"号卡|流量卡|SIM卡|携号转网|手机号码|入网|话费|靓号|通用流量|定向流量|流量包|通话|短信|\bSIM\b|\bphone\s+numbers?\b|\bport(?:ing)?\s+(?:out|your\s+number)"
                         r"|\bwireless\b|\bcell(?:ular)?\s+(?:service|phone|plan)|\bmobile\s+(?:service|plan|phone|line)", re.I),
    "broadband": re.compile(r"宽带|光纤|光猫|机顶盒|IPTV|\bbroadband\b|\binternet\s+service\b|\bcable\b|\bmodem\b|\brouter\b|\bfib(?:er|re)\b|\bnbn\b", re.I),
    # "fitness for a particular purpose" and "course of dealing" are legal phrases, not a gym
    "membership": re.compile(r"健身|会籍|私教|课程|课时|培训|学费|美容|美发|储值卡|预付卡|会员卡|\bgym\b|\bhealth\s+club\b|\bfitness\s+(?:club|centre|center|classes)\b"
                             r"|\bclasses\b|\btuition\b|\bpersonal\s+train", re.I),
    "subscription": re.compile(r"自动续费|连续包月|会员服务|VIP|\bsubscriptions?\b|\bpremium\b|\bauto-?renew|\bmembership\s+fee", re.I),
}


@functools.lru_cache(maxsize=1)  # asked for by several parts of the advice of one report (one text kept)
def _product(text: str) -> str:
    """What is bought, for the words the advice uses: "mobile" (a phone line or data card),
    "broadband", "membership" (gym, course, prepaid card), "subscription" (an app or service
    membership), else "service". The kind with the most signs wins; a phone line needs three."""
    sample = text[:200_000]
    counts = {k: len(rx.findall(sample)) for k, rx in _PRODUCT_SIGNS.items()}
    if counts["mobile"] >= 3 and counts["mobile"] >= max(counts["broadband"], counts["membership"]):
        return "mobile"
    best = max(("broadband", "membership", "subscription"), key=lambda k: counts[k])
    return best if counts[best] >= 2 else "service"


class _Read:
    """A finding (or protection) as the advice reads it: its quotes with traditional characters
    simplified and full-width forms folded (see fold_chars), so rules written in simplified
    Chinese read a traditional agreement alike. Everything else, and the sources the advice
    cites (``original``, see Source.of), stay the finding's own: quotes remain verbatim."""

    __slots__ = ("original", "evidence", "clause", "matched")

    def __init__(self, f: Any) -> None:
        self.original = f
        self.evidence = fold_chars(f.evidence)
        self.clause = fold_chars(f.clause)
        self.matched = fold_chars(getattr(f, "matched", ""))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.original, name)


class Facts:
    """What the arithmetic and the advice need, read once from the report."""

    def __init__(self, report: Any, product: str | None = None) -> None:
        self.report = report
        # read as the detector read it: traditional characters simplified, full-width folded
        # (character for character, so findings' offsets still point into this text)
        self.text: str = fold_chars(report.document.text)
        self.lang: str = report.language if report.language in ("zh", "en") else "en"
        fs = sorted((_Read(f) for f in report.findings), key=lambda f: f.location.start)
        self.findings = fs
        self.protections = [_Read(p) for p in report.protections]
        self.currency = _currency(fs, self.lang)
        self.lock = _by(fs, "lock_in")
        self.mins = _by(fs, "minimum_spend")
        self.etfs = _by(fs, "early_termination_fee")
        self.credits = _by(fs, "installment_credit")
        self.promos = _by(fs, "promo_price_expiry")
        self.renew = _by(fs, "auto_renewal")
        self.acts = _by(fs, "activation_definition")
        self.refunds = _by(fs, "refund_restriction")
        # a stated protection ("no contract, no exit fee") outweighs a bare mention without any value
        strong = [p for p in self.protections if p.category in ("lock_in", "early_termination_fee")
                  and re.search(r"无合约|不设合约|没有合约|无违约金|不收取(任何)?违约金|no (annual )?contract|no minimum term|no term commitment", p.evidence, re.I)
                  and not re.search(r"如果|如|若|期满后|if |unless|during|cooling|when |not subject", p.evidence, re.I)]
        if strong:
            def bare(f: Any) -> bool:
                return not any(f.values.get(k) for k in ("amount", "months", "formula", "percent"))

            self.lock = [f for f in self.lock if not bare(f)]
            self.etfs = [f for f in self.etfs if not bare(f)]
        self._term()
        self._minimum()
        self.product = product or _product(self.text)
        # the word for leaving: a phone line is left (离网), a membership or a service is quit (退出)
        self.leave: Text = msg("word.leave.line") if self.product == "mobile" else msg("word.leave.service")

    # term ------------------------------------------------------------------------------------
    def _term(self) -> None:
        self.term: int | None = None
        self.other_terms: list[tuple[int, Any]] = []
        self.term_src: Any = None
        self.term_ph: str | None = None
        best = [(m, f) for f in self.lock if (m := _int_months(f.values.get("months")))]
        named = [(m, f) for m, f in best if re.search(r"合约期|协议期|在网期限|服务期|minimum term|contract term|service commitment|commitment period", f.evidence, re.I)]
        self.other_terms = [(m, f) for m, f in named if m != max(named, key=lambda x: x[0])[0]]
        best = named or best
        if not best:
            best = [(m, f) for f in self.mins if (m := _int_months(f.values.get("months")))]
        if not best:
            best = [(m, f) for f in self.etfs + self.acts if (m := _int_months(f.values.get("months")))
                    and re.search(rf"({m}[- ]?(month|个月)[- ]?(term|contract|commitment|agreement|minimum|plan|合约|在网|协议))|((合约期?|在网|协议期|服务期|term|contract|commitment)[^。.;；]{{0,8}}{m}\s*(个月|months?))", f.evidence, re.I)
                    and not re.search(r"欠费|arrears|past due", f.evidence)]
        if not best:
            best = self._term_by_reference()
        if best:
            self.term, self.term_src = max(best, key=lambda x: x[0])
            return
        for f in self.lock + self.mins:
            ph = _ph_for(f.evidence, "term")
            if ph:
                self.term_ph, self.term_src = ph, f
                return

    def _term_by_reference(self) -> list[tuple[int, Any]]:
        """A leaving clause that names its period ("在有效期内申请退卡的…", "during the membership
        period") and another clause that gives that period's length ("会员卡有效期12个月")."""
        out: list[tuple[int, Any]] = []
        for f in self.etfs + self.lock:
            m = _PERIOD_REF.search(f.evidence)
            if not m:
                continue
            word = m.group("zh") or m.group("en")
            for g in self.findings:
                n = _period_length(word, g.evidence)
                if n:
                    out.append((n, g))
            if out:
                break
        return out

    # monthly minimum -------------------------------------------------------------------------
    def _minimum(self) -> None:
        self.minimum: float | None = None
        self.min_src: Any = None
        self.min_ph: str | None = None
        self.other_mins: list[tuple[float, Any]] = []
        for f in self.mins:
            a = f.values.get("amount")
            if isinstance(a, (int, float)) and f.values.get("period") in ("month", None) and a > 0:
                if self.minimum is None:
                    self.minimum, self.min_src = float(a), f
                elif float(a) != self.minimum and all(float(a) != x for x, _ in self.other_mins):
                    self.other_mins.append((float(a), f))
        if self.minimum is None:
            for f in self.mins:
                ph = _ph_for(f.evidence, "min")
                if ph:
                    self.min_ph, self.min_src = ph, f
                    break
        # the monthly charge, for clauses priced on it (remaining months x monthly fee)
        self.monthly: float | None = self.minimum
        self.monthly_src: Any = self.min_src if self.minimum is not None else None
        self.tier: tuple[float, int, float] | None = None
        if self.monthly is None:
            for f in self.lock + self.mins + self.promos:
                end = self.text.find("\n", f.location.end)
                window = self.text[f.location.start:(end if 0 <= end - f.location.end < 200 else f.location.end + 200)]
                t = _tier_in(f.evidence) or _tier_in(window)
                if t:
                    self.tier, self.monthly, self.monthly_src = t, t[2], f
                    break
        if self.monthly is None:
            for f in self.lock + self.etfs + self.mins:
                m = _monthly_in(f.evidence)
                if m:
                    self.monthly, self.monthly_src = m, f
                    break
        if self.monthly is None:  # a membership or subscription priced by the month in another clause
            for f in self.findings:
                m = _monthly_in(f.evidence)
                if m and f.category in ("auto_renewal", "activation_definition", "extra_fees", "installment_credit"):
                    self.monthly, self.monthly_src = m, f
                    break
        if self.monthly is None:
            for f in self.promos:
                a = f.values.get("amount")
                if isinstance(a, (int, float)) and f.values.get("period") == "month" and re.search(
                        r"恢复|标准|之后|此后|起按|期满后|after|then|regular|standard|thereafter", f.evidence, re.I):
                    self.monthly, self.monthly_src = float(a), f
                    break

    def owed(self, n: int, T: int) -> tuple[float | None, str]:
        """The monthly charges from month n+1 to T (a two-step price when the clause gives one)."""
        if self.tier and self.monthly_src is not None and self.monthly == self.tier[2]:
            p1, k, p2 = self.tier
            if n < k:
                head = f"{k} x {_num(p1)}" if n == 0 else f"({k} - {n}) x {_num(p1)}"
                return (k - n) * p1 + max(T - k, 0) * p2, f"{head} + ({T} - {k}) x {_num(p2)}"
            return max(T - n, 0) * p2, f"({T} - {n}) x {_num(p2)}"
        if self.monthly is None:
            return None, f"({T} - {n}) x monthly"
        return max(T - n, 0) * self.monthly, f"({T} - {n}) x {_num(self.monthly)}"

    # money paid up front that is not refundable -------------------------------------------------
    def topup(self) -> tuple[float | None, Any]:
        for f in self.acts + self.refunds:
            a = f.values.get("amount")
            if _TOPUP.search(f.evidence) and isinstance(a, (int, float)) and f.values.get("period") in ("once", None):
                return float(a), f
        return None, None

    def nonref_topup(self) -> list[Any]:
        return [f for f in self.refunds + self.acts if _TOPUP.search(f.evidence) and _NONREF.search(f.evidence)]

    def activation_by_topup(self) -> list[Any]:
        return [f for f in self.acts if _TOPUP.search(f.evidence)
                and re.search(r"激活|生效|activat", f.evidence, re.I)]

    # gifted credit paid in instalments ---------------------------------------------------------
    def credit_plans(self) -> list[tuple[float | None, int | None, Any, str | None]]:
        """(monthly amount, months, finding, placeholder) per distinct instalment plan."""
        out, seen = [], set()
        for f in self.credits:
            a, m = f.values.get("amount"), _int_months(f.values.get("months"))
            a = float(a) if isinstance(a, (int, float)) and f.values.get("period") == "month" else None
            ph = None
            if a is None:
                ph = _ph_for(f.evidence, "prestore")
            if a is None and m is None and ph is None:
                continue
            if a is not None and a >= 5000:  # a cap ("up to 10000 a month"), not a plan
                continue
            if not re.search(r"返还|赠送|返费|返现|到账|credit|cashback|rebate|bonus", f.evidence, re.I):
                continue
            if a is not None:
                shown = _num(a)
                at = [m.start() for m in re.finditer(r"(?<![\d.])" + re.escape(shown) + r"(?![\d])", f.evidence)]
                if at and not any(re.search(r"返还|赠送|返|送|credit|cashback|rebate|bonus|[$€£]", f.evidence[max(0, i - 12):i + 12], re.I)
                                  and not re.search(r"不低于|最低|至少|at least|minimum", f.evidence[max(0, i - 12):i], re.I) for i in at):
                    continue
            key = (a, m, ph)
            if key in seen:
                continue
            seen.add(key)
            out.append((a, m, f, ph))
        return out

    def forfeits(self) -> list[Any]:
        return [f for f in self.credits + self.etfs if _FORFEIT.search(f.evidence)
                and re.search(r"返还|赠送|返费|返现|credit|gift|cashback|rebate|预存", f.evidence, re.I)]

    def repays(self) -> list[Any]:
        return [f for f in self.etfs + self.credits
                if _REPAY.search(f.evidence) or ((m := mechanism(f.values.get("formula"))) is not None and m.repays)]


