"""Pre-purchase advice built on the findings: verdict, exit cost, combinations, missing
protections, questions to ask and the way out (``advise(report) -> Summary``).

Everything here is derived from the findings, protections and the document text; every figure
and statement keeps the clauses it rests on (``Source``). Nothing here says a clause is illegal
or void: the advice says what a clause means and where to ask.

Grade (A best .. E worst), a transparent points scheme:
  each category found counts once with its weight (``_WEIGHTS``; a 12-23 month lock-in +1, 24+
  months +2; a non-refundable top-up or prepayment and gifts forfeited on leaving weigh 3),
  each high-severity combination +1, each distinct protection category -1 (at most -4);
  points <= 3: A, <= 8: B, <= 14: C, <= 22: D, above: E.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from typing import Any, Iterable

from .model import (Channel, Combination, CostPart, CostRow, Escalation, ExitCost,
                           MissingProtection, Question, Reason, Scenario, Source, Summary, Verdict,
                           WayOut)
from ..model import SEVERITY_ORDER
from ..render.money import money
from ..engine.taxonomy import CATEGORIES
from ..engine.normalize import fold_chars
from ..engine.values import Mechanism, declining_step, fee_schedule, formula_terms, mechanism

MIN_CHARS = 200  # Latin text; Chinese is denser (see _assessable)
MIN_CHARS_ZH = 120
EXIT_MONTHS = (1, 3, 6, 12)

# ---------------------------------------------------------------------------------------------
# small helpers



def _t(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def _num(x: float | int | None) -> str:
    if x is None:
        return "?"
    x = round(float(x), 2)
    return str(int(x)) if x == int(x) else f"{x:.2f}".rstrip("0").rstrip(".")


def _money_zh(x: float | None, cur: str | None) -> str:
    return money(x, cur or "CNY", "zh")


def _money_en(x: float | None, cur: str | None) -> str:
    return money(x, cur or "CNY", "en")


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


def _ref(text: str, f: Any) -> dict[str, str]:
    no = _clause_no(text, f)
    if no:
        return _t(f"第{no}条", f"Clause {no}")
    if "\f" not in text:  # a text or web page has one "page": name the clause's section instead
        sec = _flat(getattr(f, "section", None) or "")
        if sec:
            sec = sec if len(sec) <= 18 else sec[:17] + "…"
            return _t(f"【{sec}】", f"[{sec}]")
        return _t("原文", "the text")
    return _t(f"第{f.location.page}页", f"page {f.location.page}")


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
def _paid_word(fs: list[Any]) -> tuple[str, str]:
    ev = " ".join(f.evidence for f in fs)
    if re.search(r"首充|首次充值|first top[- ]?up|first recharge", ev, re.I):
        return "首充", "first top-up"
    if re.search(r"预存|prepa", ev, re.I):
        return "预存款", "prepayment"
    return "充值款", "top-up"


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
    c = Counter(f.values.get("currency") for f in findings if f.values.get("currency"))
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


class _Facts:
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
            bare = lambda f: not any(f.values.get(k) for k in ("amount", "months", "formula", "percent"))
            self.lock = [f for f in self.lock if not bare(f)]
            self.etfs = [f for f in self.etfs if not bare(f)]
        self._term()
        self._minimum()
        self.product = product or _product(self.text)
        # the word for leaving: a phone line is left (离网), a membership or a service is quit (退出)
        self.leave_zh = "离网" if self.product == "mobile" else "退出"

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
                    and re.search(r"(%d[- ]?(month|个月)[- ]?(term|contract|commitment|agreement|minimum|plan|合约|在网|协议))|((合约期?|在网|协议期|服务期|term|contract|commitment)[^。.;；]{0,8}%d\s*(个月|months?))" % (m, m), f.evidence, re.I)
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
        # the monthly charge, for clauses priced on it (remaining months x monthly charge)
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


# ---------------------------------------------------------------------------------------------
# exit cost

class _Part:
    def __init__(self, label: dict, fn, formula_fn, sources, missing=(), core=True):
        self.label, self.fn, self.formula_fn = label, fn, formula_fn
        self.sources, self.missing, self.core = tuple(sources), list(missing), core


def _etf_mechanisms(F: _Facts) -> tuple[list[_Part], list[dict[str, str]]]:
    """The exit-fee mechanisms (one part per kind) and notes for the clauses not used in the sums."""
    cur = F.currency
    T = F.term
    Tn = str(T) if T else "T"
    core: dict[str, _Part] = {}
    other: dict[str, _Part] = {}
    notes: list[dict[str, str]] = []

    def term_missing() -> list[dict[str, str]]:
        if T:
            return []
        if F.term_ph:
            return [_t(f"合约期长度（协议中为模板占位符 {F.term_ph}）", f"the length of the term (a template placeholder {F.term_ph} in the agreement)")]
        return [_t("合约期长度（协议未写明）", "the length of the term (not stated in the agreement)")]

    for f in F.etfs:
        v, ev = f.values, f.evidence
        formula = v.get("formula", "") or ""
        mech = mechanism(formula)
        amount = v.get("amount") if isinstance(v.get("amount"), (int, float)) else None
        percent = v.get("percent") if isinstance(v.get("percent"), (int, float)) else None
        if re.search(r"欠费|arrears|past due|unpaid", ev, re.I) and not _REMAINING.search(ev.split("欠费")[-1] if "欠费" in ev else ""):
            if mech is Mechanism.COMMITTED_TOTAL or not formula:
                other.setdefault("arrears", _Part(_t("欠费被销号时追缴", "if the account is closed for arrears"), None, None, [f], core=False))
                continue
        remaining = (mech is not None and mech.remaining_months) or (_REMAINING.search(ev) and re.search(
            r"最低消费|承诺消费|消费额|月租|月费|会费|monthly|charges|dues|payments|[×x*]", ev, re.I)
            and not (mech is Mechanism.PRICE_DIFFERENCE or mech is Mechanism.COMMITTED_TOTAL
                     or mech is Mechanism.REMAINING_BALANCE or (mech is not None and mech.repays)))
        if mech is Mechanism.PRICE_DIFFERENCE or re.search(r"零售价.{0,12}差额", ev):
            miss = [_t("购机零售价与优惠购机价（协议未写明金额）", "the retail and the discounted device price (no amounts stated)")] + term_missing()
            core.setdefault("price_diff", _Part(
                _t("违约金：差价 × 未完成月数 / 合约月数", "Penalty: price difference x remaining months / contract months"),
                None, lambda n, Tn=Tn: f"(retail price - contract price) x ({Tn} - {n}) / {Tn}", [f], miss))
            continue
        if re.search(r"补贴.{0,10}[×x*].{0,16}剩余.{0,16}[÷/]", ev):
            m = re.search(r"[÷/]\s*(\d+)", ev)
            D = int(m.group(1)) if m else T
            miss = [_t("购机补贴金额（协议未写明）", "the device subsidy amount (not stated)")] + term_missing()
            core.setdefault("subsidy", _Part(
                _t("违约金：购机补贴 × 剩余月数 / %s" % (D or "合约月数"), "Penalty: device subsidy x remaining months / %s" % (D or "contract months")),
                None, lambda n, D=D, Tn=Tn: f"subsidy x ({Tn} - {n}) / {D or Tn}", [f], miss))
            continue
        sched = fee_schedule(ev)
        if sched:
            core.setdefault("schedule", _schedule_part(F, f, sched))
            continue
        if remaining or (mech is Mechanism.REMAINING_BALANCE and percent):
            rate, rate_src, rate_name = None, None, ("月最低消费", "monthly minimum spend")
            if amount is not None and v.get("period") == "month":
                rate, rate_src, rate_name = float(amount), f, ("每月费率", "monthly rate")
            elif (re.search(r"最低消费|承诺消费|保底", ev) or (mech is not None and mech.on_minimum_spend)) and (F.minimum is not None or F.min_ph or F.monthly is None):
                rate, rate_src = F.minimum, F.min_src
            else:
                rate, rate_src = F.monthly, F.monthly_src
                rate_name = ("月费", "monthly charge")
            factor = 1.0
            pm = re.search(r"[×x*]\s*(\d+(?:\.\d+)?)\s*[%％]|(\d+(?:\.\d+)?)\s*[%％]\s*of the remain|(?:总额|费|额|月租|消费)的\s*(\d+(?:\.\d+)?)\s*[%％]|(\d+(?:\.\d+)?)\s*[%％]\s*(?:of|的)", ev, re.I)
            if pm:
                factor = float(next(g for g in pm.groups() if g)) / 100
            elif percent and mech is Mechanism.REMAINING_BALANCE:
                factor = float(percent) / 100
            less = re.search(r"(?:\bless|\bminus|\bdiscounted by|减去|扣除|减免)\s*(\d+(?:\.\d+)?)\s*[%％]", ev, re.I)
            if less and not pm:  # "the charges remaining, less 4% for the costs we save"
                factor = 1 - float(less.group(1)) / 100
            terms = formula_terms(formula)
            factor *= terms.multiple  # "按剩余月份乘以月最低消费额的2倍": twice the minimum
            if amount is not None and v.get("period") in ("once", None) and (terms.higher_of or _HIGHER_OF.search(ev)):
                # "剩余最低消费总额的50%或200元，以较高者为准": the fixed amount is a floor
                terms = replace(terms, at_least=max(float(amount), terms.at_least or 0.0))
            miss = term_missing()
            if re.search(r"minus VAT|excluding VAT|less VAT|不含税|扣除增值税", ev, re.I):
                miss.append(_t("增值税部分（条款规定扣除增值税，表中数字未扣除）", "the VAT part (the clause deducts VAT; the figures here include it)"))
            if rate is None:
                if rate_name[0] == "月最低消费" and F.min_ph:
                    miss.append(_t(f"月最低消费金额（协议中为模板占位符 {F.min_ph}）", f"the monthly minimum spend (a template placeholder {F.min_ph} in the agreement)"))
                else:
                    miss.append(_t(f"{rate_name[0]}金额（协议未写明）", f"the {rate_name[1]} (not stated in the agreement)"))
            r_show = _num(rate) if rate is not None else ("min" if rate_name[1].startswith("monthly minimum") else "monthly")
            fac = "" if factor == 1 else (f" x {_num(factor)}" if factor > 1 else f" x {_num(factor * 100)}%")
            fac_zh = "" if factor == 1 else (f" × {_num(factor)}" if factor > 1 else f" × {_num(factor * 100)}%")
            if terms.at_most is not None or terms.at_least is not None:
                fac += "".join([f" (at most {_num(terms.at_most)})" if terms.at_most is not None else "",
                                f" (at least {_num(terms.at_least)})" if terms.at_least is not None else ""])
            srcs = [f] + ([rate_src] if rate_src is not None else [])
            bounds_zh = "".join([f"，最高{_money_zh(terms.at_most, cur)}" if terms.at_most is not None else "",
                                 f"，最低{_money_zh(terms.at_least, cur)}" if terms.at_least is not None else ""])
            bounds_en = "".join([f", at most {_money_en(terms.at_most, cur)}" if terms.at_most is not None else "",
                                 f", at least {_money_en(terms.at_least, cur)}" if terms.at_least is not None else ""])
            label = _t("违约金：剩余月数 × %s%s%s" % (rate_name[0], fac_zh, bounds_zh),
                       "Penalty: remaining months x %s%s%s" % (rate_name[1], fac.split(" (")[0], bounds_en))
            if rate is not None and T and F.tier and rate_src is F.monthly_src and rate == F.monthly:
                fn = lambda n, factor=factor, terms=terms: terms.bound(F.owed(n, T)[0] * factor)
                ffn = lambda n, fac=fac: (f"({F.owed(n, T)[1]}){fac}" if fac else F.owed(n, T)[1])
            else:
                fn = (lambda n, rate=rate, factor=factor, terms=terms: terms.bound(max(T - n, 0) * rate * factor)) \
                    if (rate is not None and T) else None
                ffn = lambda n, r=r_show, fac=fac, Tn=Tn: f"({Tn} - {n}) x {r}{fac}"
            core.setdefault("remaining", _Part(label, fn, ffn, srcs, miss))
            continue
        if mech is Mechanism.REMAINING_BALANCE:
            core.setdefault("balance", _Part(
                _t("剩余未付款项一次付清", "The remaining balance, due at once"), None,
                lambda n: "remaining balance (device or plan) at month %s" % n, [f],
                [_t("剩余未付款项的金额（协议未写明）", "the remaining balance owed (not stated)")]))
            continue
        if mech is not None and mech.repays:
            continue  # handled with the gifted credit
        fixed = amount is not None and v.get("period") in ("once", None) and re.search(
            r"(违约金|解约金|手续费|fee|charge|penalty|damages)[^。；;，,]{0,40}?[$€£]?\s?\d|\d+(\.\d+)?\s*(元|美元|欧元)[^。；;，,]{0,6}(违约金|解约金)", ev, re.I)
        if fixed:
            step = declining_step(ev)
            upto = bool(re.search(r"up to|最高|不超过", ev, re.I))
            a = float(amount)
            if step:
                s = step
                core.setdefault("fixed", _Part(
                    _t(f"违约金：最高{_money_zh(a, cur)}，每月减少{_money_zh(s, cur)}", f"Penalty: up to {_money_en(a, cur)}, down {_money_en(s, cur)} a month"),
                    lambda n, a=a, s=s: max(a - s * n, 0.0), lambda n, a=a, s=s: f"{_num(a)} - {_num(s)} x {n}", [f]))
            else:
                core.setdefault("fixed", _Part(
                    _t(f"违约金{'（最高）' if upto else ''}{_money_zh(a, cur)}", f"Penalty{' (up to)' if upto else ''}: {_money_en(a, cur)}"),
                    lambda n, a=a: a, lambda n, a=a: _num(a), [f]))
            continue
        ph = _ph_for(ev, "etf")
        if ph:
            other.setdefault("placeholder", _Part(
                _t("违约金（金额为空白）", "Penalty (amount left blank)"), None, lambda n: "penalty (blank in the agreement)", [f],
                [_t(f"违约金金额（协议中为空白/模板占位符 {ph}）", f"the penalty amount (blank / template placeholder {ph} in the agreement)")]))
            continue
        if mech is Mechanism.COMMITTED_TOTAL:
            other.setdefault("committed", _Part(
                _t("约定消费总额 − 已消费金额", "Committed total spend - amount already spent"), None,
                lambda n: f"committed total - spent by month {n}", [f],
                [_t("约定消费总额（协议未写明）", "the committed total spend (not stated)")]))
            continue
        if percent and not remaining:
            other.setdefault("percent", _Part(
                _t(f"违约金：{_num(percent)}%（基数见条款）", f"Penalty: {_num(percent)}% (of the base the clause names)"), None,
                lambda n, p=percent: f"{_num(p)}% x base", [f],
                [_t("违约金百分比的计算基数金额（协议未写明）", "the amount the percentage applies to (not stated)")]))
            continue
        other.setdefault("unspecified", _Part(
            _t("提前解约费用（金额未写明）", "Early termination fee (amount not stated)"), None, lambda n: "early termination fee (not stated)", [f],
            [_t("违约金金额或计算方法（协议未写明）", "the fee amount or how it is calculated (not stated)")]))

    parts = list(core.values())
    if parts:
        for key, p in other.items():
            f = p.sources[0]
            notes.append(_t(f"{_ref(F.text, f)['zh']}另有规定：“{_quote(f)}”（未计入下表）",
                            f"{_ref(F.text, f)['en']} also says: \"{_quote(f)}\" (not in the table)"))
    else:
        parts = [p for k, p in other.items() if k != "arrears"]
        if not parts and (F.lock or F.mins):
            if F.lock and not F.mins:
                parts = [_Part(_t(f"提前{F.leave_zh}费用（协议未写明）", "Cost of leaving early (not stated)"), None,
                               lambda n: "exit fee (not stated)", [F.lock[0]],
                               [_t(f"提前{F.leave_zh}的违约金金额或计算方法（协议未写明）", "the early-exit fee or how it is calculated (not stated)")])]
            else:
                # no exit fee stated: the minimum spend still owed for the rest of the term
                rate, src = F.minimum, F.min_src
                miss = term_missing()
                if rate is None:
                    miss.append(_t(f"月最低消费金额（协议中为模板占位符 {F.min_ph}）", f"the monthly minimum spend (a template placeholder {F.min_ph} in the agreement)")
                                if F.min_ph else _t("月最低消费金额（协议未写明）", "the monthly minimum spend (not stated)"))
                parts = [_Part(_t("合约期内剩余月份的最低消费", "Minimum spend still owed for the rest of the term"),
                               (lambda n: max(T - n, 0) * rate) if (rate is not None and T) else None,
                               lambda n: f"({Tn} - {n}) x {_num(rate) if rate is not None else 'min'}",
                               [x for x in (src, F.term_src) if x is not None] or F.mins[:1], miss)]
    return parts, notes


_HIGHER_OF = re.compile(r"孰高|较高者|两者取高|取其高|(?:greater|higher) of|whichever is (?:greater|higher|more)", re.I)


_AFTER_PROMO = re.compile(r"恢复|标准|之后|此后|起按|期满后|结束后|after|then|regular|standard|thereafter|from month", re.I)


def _standard_price(F: _Facts, p: Any) -> float | None:
    """The monthly price after a promotion: the second step of a two-step price, else the amount
    of a promotion clause that speaks of "after"/"standard" ("from month 13 the price is £45"),
    never the promotional price itself ("£32 a month for the first 12 months")."""
    if F.tier:
        return F.tier[2]
    for f in [p] + [x for x in F.promos if x is not p]:
        a = f.values.get("amount")
        if isinstance(a, (int, float)) and f.values.get("period") == "month" and _AFTER_PROMO.search(f.evidence):
            return float(a)
    return None


def _schedule_part(F: _Facts, f: Any, sched: list[tuple[int, int, float]]) -> _Part:
    """An exit fee set by the month you leave in ("第1-3个月内解约300元，第4-6个月200元")."""
    cur, T = F.currency, F.term
    last = sched[-1][1]

    def fee(n: int) -> float | None:
        hit = next((amt for a, b, amt in sched if a <= n <= b), None)
        if hit is not None:
            return hit
        if n > last and T and last >= T:
            return 0.0
        return None  # a month the schedule does not cover: unknown, not free

    zh = "；".join(f"第{a}-{b}个月{_money_zh(amt, cur)}" for a, b, amt in sched)
    en = "; ".join(f"months {a}-{b}: {_money_en(amt, cur)}" for a, b, amt in sched)
    miss = [] if (T and last >= T) else [_t(f"第{last}个月以后离开的费用（协议未写明）", f"the fee for leaving after month {last} (not stated)")]
    return _Part(_t(f"违约金按离开的月份：{zh}", f"Penalty by the month you leave: {en}"), fee,
                 lambda n: f"month {n}: " + (_num(fee(n)) if fee(n) is not None else "not stated"), [f], miss)


def _credit_parts(F: _Facts) -> list[_Part]:
    cur = F.currency
    out: list[_Part] = []
    forfeits = F.forfeits()
    plans = F.credit_plans()
    if forfeits and plans:
        for a, m, f, ph in plans[:2]:
            srcs = [f] + forfeits[:2]
            M = m or F.term
            Ms = str(M) if M else "M"
            miss = []
            if a is None:
                if ph and M:
                    miss.append(_t(f"预存/赠送总额（协议中为模板占位符 {ph}）", f"the prepaid/gifted total (a template placeholder {ph} in the agreement)"))
                    out.append(_Part(_t(f"未返还的预存/赠送款作废（分{M}个月返还）", f"Unpaid instalments of the prepaid/gifted credit forfeited ({M} instalments)"),
                                     None, lambda n, ph=ph, Ms=Ms: f"{ph} / {Ms} x ({Ms} - {n})", srcs, miss, core=False))
                else:
                    miss.append(_t("每月返还金额（协议未写明）", "the monthly instalment (not stated)"))
                    out.append(_Part(_t("未返还的赠送款作废", "Unpaid gifted credit forfeited"), None,
                                     lambda n, Ms=Ms: f"monthly instalment x ({Ms} - {n})", srcs, miss, core=False))
                continue
            if not M:
                miss.append(_t("返还月数（协议未写明）", "the number of instalments (not stated)"))
            out.append(_Part(
                _t(f"未返还的赠送款作废（每月{_money_zh(a, cur)}）", f"Unpaid gifted credit forfeited ({_money_en(a, cur)} a month)"),
                (lambda n, a=a, M=M: max(M - n, 0) * a) if M else None,
                lambda n, a=a, M=M, Ms=Ms: "0 (all paid out)" if (M and n >= M) else f"({Ms} - {n}) x {_num(a)}", srcs, miss, core=False))
    repays = F.repays()
    if repays and plans:
        a, m, f, ph = plans[0]
        if a is not None:
            M = m or F.term
            srcs = repays[:1] + [f]
            miss = []
            if re.search(r"全部优惠|所有优惠|优惠等|及.{0,8}费用|discounts", " ".join(r.evidence for r in repays), re.I):
                miss.append(_t("需退还的其他优惠（赠送款以外）的金额（协议未写明）", "the other benefits to repay besides the gifted credit (no amounts stated)"))
            out.append(_Part(
                _t(f"退还已收到的赠送款（每月{_money_zh(a, cur)}）", f"Repay gifted credit already received ({_money_en(a, cur)} a month)"),
                (lambda n, a=a, M=M: 0.0 if (F.term and n >= F.term) else min(n, M) * a) if M else (lambda n, a=a: 0.0 if (F.term and n >= F.term) else n * a),
                lambda n, a=a, M=M: "0 (term completed)" if (F.term and n >= F.term) else (f"min({n}, {M}) x {_num(a)}" if M else f"{n} x {_num(a)}"), srcs, miss, core=False))
    return out


def _row(F: _Facts, n: int, label: dict, parts: list[_Part]) -> CostRow:
    cps, amounts, formulas, missing, sources = [], [], [], [], []
    done = bool(F.term and n >= F.term)  # nothing is owed for leaving once the term is over
    for p in parts:
        amt = p.fn(n) if p.fn else None
        amt = round(float(amt), 2) if amt is not None else None
        form = p.formula_fn(n) if p.formula_fn else ""
        if done:
            amt, form = 0.0, "0 (term completed)"
        cps.append(CostPart(p.label, amt, form, _srcs(p.sources)))
        amounts.append(amt)
        formulas.append(form if amt is None or form == _num(amt) else f"{form}")
        for m in (() if done else p.missing):
            if m not in missing:
                missing.append(m)
        sources.extend(p.sources)
    if F.term_src is not None:
        sources.append(F.term_src)
    total = round(sum(amounts), 2) if amounts and all(a is not None for a in amounts) else None
    known = [a for a in amounts if a is not None]
    at_least = round(sum(known), 2) if total is None and known and sum(known) > 0 else None
    return CostRow(n, label, total, " + ".join(formulas), tuple(cps), tuple(missing), _srcs(sources), at_least)


def exit_cost(F: _Facts) -> ExitCost | None:
    if not (F.lock or F.mins or F.etfs):
        return None
    cur = F.currency
    T = F.term
    parts, notes = _etf_mechanisms(F)
    parts = parts + _credit_parts(F)
    months = [m for m in EXIT_MONTHS if T is None or m < T]
    rows = []
    for n in months:
        rows.append(_row(F, n, _t(f"第{n}个月后{F.leave_zh}", f"Leave after month {n}"), parts))
    if len(rows) > 1 and all(r.amount is None and r.at_least is None for r in rows):
        # nothing computable for any month: one row naming what is missing, not five alike
        first = rows[0]
        rows = [CostRow(None, _t("合约期内提前离开（任何月份）", "Leaving before the end of the term (any month)"),
                        None, re.sub(rf"(?<![\d.]){months[0]}(?![\d.])", "n", first.formula),
                        first.parts, first.missing, first.sources)]
    if T:
        rows.append(_row(F, T, _t(f"合约期满（第{T}个月）离开", f"Leave at the end of the term (month {T})"), parts))

    # total commitment over the term
    rate, rate_src = F.minimum, F.min_src
    rate_name = _t("月最低消费", "monthly minimum spend")
    if rate is None and F.monthly is not None:
        rate, rate_src = F.monthly, F.monthly_src
        rate_name = _t("月费", "monthly charge")
    fees = []
    for f in _by(F.findings, "extra_fees"):
        a = f.values.get("amount")
        ev = f.evidence
        oneoff = re.search(r"开卡|工本费|首次办卡|入会|初装|安装费|开户|押金|set-?up|enrol|activation|connection charge|installation|一次性|one-time|one-off|sign(ing)? up|joining", ev, re.I)
        cond = re.search(r"每次|/次|补|移机|赔偿|未退还|逾期|滞纳|迟|丢失|损坏|late|returned|declined|restocking|reconnect|transfer|转让|转卡|停卡|per GB|each|per billing|下限|上限|if you|如您|如需|若|not return|unreturn|upgrade", ev, re.I)
        if not oneoff or cond:
            continue
        if isinstance(a, (int, float)) and f.values.get("period") == "once" and (a, f.evidence) not in [(x, y.evidence) for x, y in fees]:
            if not any(abs(float(a) - x) < 1e-9 for x, _ in fees):
                fees.append((float(a), f))
    refundable = [(a, f) for a, f in fees if re.search(r"押金|deposit", f.evidence, re.I)
                  and re.search(r"退还|返还|returned|refund", f.evidence, re.I) and not _NONREF.search(f.evidence)]
    tparts, tmiss = [], []
    Tn = str(T) if T else "T"
    if T is None:
        tmiss.append(_t(f"合约期长度（协议中为模板占位符 {F.term_ph}）", f"the length of the term (a template placeholder {F.term_ph} in the agreement)")
                     if F.term_ph else _t("合约期长度（协议未写明）", "the length of the term (not stated in the agreement)"))
    if rate is None:
        tmiss.append(_t(f"月最低消费金额（协议中为模板占位符 {F.min_ph}）", f"the monthly minimum spend (a template placeholder {F.min_ph} in the agreement)")
                     if F.min_ph else _t("月最低消费或月费金额（协议未写明）", "the monthly minimum spend or charge (not stated)"))
    base = rate * T if (rate is not None and T) else None
    bform = f"{_num(rate) if rate is not None else 'min'} x {Tn}"
    if F.minimum is None and F.tier and rate == F.monthly and T:
        base, bform = F.owed(0, T)
    tparts.append(CostPart(_t(f"{rate_name['zh']} × 合约月数", f"{rate_name['en']} x months of the term"), base,
                           bform, _srcs([rate_src or (F.mins[0] if F.mins else None), F.term_src or (F.lock[0] if F.lock else None),
                                  None if (F.mins or F.lock) else (F.etfs[0] if F.etfs else None)])))
    for a, f in fees:
        tparts.append(CostPart(_t(f"一次性费用 {_money_zh(a, cur)}", f"One-off fee {_money_en(a, cur)}"), a, _num(a), _srcs([f])))
    for a, f in refundable:
        tparts.append(CostPart(_t(f"可退部分 −{_money_zh(a, cur)}", f"Refundable part -{_money_en(a, cur)}"), -a, f"-{_num(a)}", _srcs([f])))
    tamount = round(sum(p.amount for p in tparts), 2) if all(p.amount is not None for p in tparts) else None
    tformula = " + ".join(p.formula for p in tparts).replace("+ -", "- ")
    tsources = _srcs(s for p in tparts for s in p.sources)
    total = CostRow(T, _t("合约期内最低总承诺", "Minimum total commitment over the term"), tamount, tformula,
                    tuple(tparts), tuple(tmiss), tsources)

    for m, f in F.other_terms:
        notes.append(_t(f"{_ref(F.text, f)['zh']}另写有{m}个月的期限：“{_quote(f)}”（适用条件见原文，未计入下表）",
                        f"{_ref(F.text, f)['en']} also states a {m}-month term: \"{_quote(f)}\" (conditions in the clause; not in the table)"))
    for a, f in F.other_mins:
        notes.append(_t(f"{_ref(F.text, f)['zh']}另写有月最低消费{_money_zh(a, cur)}：“{_quote(f)}”（适用条件见原文，未计入下表）",
                        f"{_ref(F.text, f)['en']} also states a monthly minimum of {_money_en(a, cur)}: \"{_quote(f)}\" (conditions in the clause; not in the table)"))
    ta, tf = F.topup()
    upfront = None
    if F.nonref_topup():
        f = F.nonref_topup()[0]
        wz, we = _paid_word(F.nonref_topup())
        upfront = CostRow(None, _t(f"付款时：{wz}（不退）", f"When you pay: the {we} (not refundable)"),
                          float(ta) if ta is not None else None, _num(ta) if ta is not None else f"{we} (amount not stated)",
                          (), () if ta is not None else (_t(f"{wz}金额（协议未写明）", f"the {we} amount (not stated)"),),
                          _srcs(F.nonref_topup()[:2]))
    # leaving early may cost more than staying to the end: say why, so the table can be trusted
    if total is not None and total.amount is not None:
        over = [r for r in rows if r.amount is not None and r.month is not None and T and r.month < T
                and r.amount > total.amount + 0.005]
        if over:
            r = over[0]
            notes.append(_t(f"第{r.month}个月后{F.leave_zh}的费用（{_money_zh(r.amount, cur)}）高于全程最低总承诺（{_money_zh(total.amount, cur)}）："
                            f"离开时除按剩余月份计的费用外，还要退还或放弃赠送/优惠，所以提前离开可能比留到期满更贵。",
                            f"Leaving after month {r.month} ({_money_en(r.amount, cur)}) costs more than the whole minimum commitment "
                            f"({_money_en(total.amount, cur)}): besides the charge for the remaining months you repay or lose the gifts and "
                            f"discounts, so leaving early can cost more than staying to the end."))
    for f in F.refunds:
        if f not in F.nonref_topup() and re.search(r"提前|离网|拆机|销户|解约|cancel|terminat", f.evidence, re.I) and _NONREF.search(f.evidence):
            notes.append(_t(f"{_ref(F.text, f)['zh']}：“{_quote(f)}”（已付款项不退，金额未计入下表）",
                            f"{_ref(F.text, f)['en']}: \"{_quote(f)}\" (money already paid is kept; not in the table)"))
            break
    if T is None:
        notes.append(_t("合约期长度不明，表中以 T 表示合约月数。", "The term is unknown: T stands for the months of the term."))
    return ExitCost(cur, T, F.minimum, tuple(rows), total, tuple(notes), upfront)


# ---------------------------------------------------------------------------------------------
# combinations

def combinations(F: _Facts) -> list[Combination]:
    out: list[Combination] = []
    cur = F.currency
    T = F.term
    acts, nonref = F.activation_by_topup(), F.nonref_topup()
    if acts and nonref:
        lock = [F.term_src] if (F.term_src is not None and F.term_src.category == "lock_in") else F.lock[:1]
        ta, _ = F.topup()
        wz, we = _paid_word(nonref + acts)
        amt_zh = f"{wz}{_money_zh(ta, cur)}" if ta else wz
        amt_en = f"the {_money_en(ta, cur)} {we}" if ta else f"the {we}"
        bound_zh = f"并从激活起受{T}个月合约约束" if T and lock else ("并开始受合约约束" if lock else "")
        bound_en = f" and you are bound for {T} months from activation" if T and lock else (" and the minimum term starts" if lock else "")
        out.append(Combination(
            "topup_locks_you_in", "high",
            _t("一充值就退不了" + ("、还被锁定" if lock else ""), "Once you top up you cannot get the money back" + (" and you are locked in" if lock else "")),
            _t((f"{_ref(F.text, acts[0])['zh']}把首次充值当作激活，并规定{amt_zh}不退" if _same(acts[0], nonref[0]) else f"{_ref(F.text, acts[0])['zh']}把首次充值当作激活，{_ref(F.text, nonref[0])['zh']}规定{amt_zh}不退") + f"：一旦充值就算已激活，钱拿不回来{bound_zh}。充值前先确认能否退卡。",
               (f"{_ref(F.text, acts[0])['en']} makes the first top-up the activation and says {amt_en} is not refundable" if _same(acts[0], nonref[0]) else f"{_ref(F.text, acts[0])['en']} makes the first top-up the activation and {_ref(F.text, nonref[0])['en']} says {amt_en} is not refundable") + f": once you top up, the card counts as activated, you cannot get the money back{bound_en}. Check whether you can return the card before you pay."),
            _srcs(acts[:1] + nonref[:1] + lock)))
    forfeits, plans, repays = F.forfeits(), F.credit_plans(), F.repays()
    if F.credits and (forfeits or repays):
        a, m, f0, _ = plans[0] if plans else (None, None, F.credits[0], None)
        what_zh = f"每月{_money_zh(a, cur)}、分{m}个月" if a and m else ("分期" if not m else f"分{m}个月")
        what_en = f"{_money_en(a, cur)} a month over {m} months" if a and m else ("in instalments" if not m else f"over {m} months")
        tail_zh = "，已收到的还要退回" if repays else ""
        tail_en = ", and what you already received must be paid back" if repays else ""
        out.append(Combination(
            "gift_clawback", "high",
            _t("赠送款分期到账，离开就作废" + ("并被追回" if repays else ""), "Gifted credit paid in instalments, lost" + (" and clawed back" if repays else "") + " if you leave"),
            _t(f"赠送/返还款{what_zh}到账（{_ref(F.text, f0)['zh']}），提前离开时未到账的部分作废{tail_zh}：宣传的赠送总额只有待满全程才能拿全。",
               f"The gifted credit is paid {what_en} ({_ref(F.text, f0)['en']}); leave early and the unpaid part is forfeited{tail_en}: you only get the advertised total if you stay to the end."),
            _srcs([f0] + forfeits[:2] + repays[:1])))
    if T:
        for p in F.promos:
            pm = _int_months(p.values.get("months"))
            if pm and pm < T and re.search(r"前\s*(\d+|[一二三四五六七八九十]+)\s*个?月|首\s*(\d+|[一二三四五六七八九十]+)\s*个?月|优惠期|体验期|first (\d+ months|year|month)|\d+[- ]month (promotion|promotional|introductory|discount)|introductory period|promotional period", p.evidence, re.I):
                std = _standard_price(F, p)
                std_zh = f"标准价{_money_zh(std, cur)}/月" if std else "标准价（协议未写明金额）"
                std_en = f"the standard price of {_money_en(std, cur)} a month" if std else "the standard price (amount not stated)"
                out.append(Combination(
                    "promo_ends_in_lock_in", "high",
                    _t(f"优惠只有{pm}个月，合约却有{T}个月", f"The promotion lasts {pm} months, the lock-in {T}"),
                    _t(f"优惠价只在前{pm}个月有效（{_ref(F.text, p)['zh']}），而合约期为{T}个月（{_ref(F.text, F.term_src)['zh']}）：剩下的{T - pm}个月要按{std_zh}付费，而且不能提前离开。",
                       f"The promotional price lasts {pm} months ({_ref(F.text, p)['en']}) but the term is {T} months ({_ref(F.text, F.term_src)['en']}): for the other {T - pm} months you pay {std_en}, and you cannot leave early."),
                    _srcs([p, F.term_src])))
                break
    if F.renew and (F.lock or F.etfs):
        for r in F.renew:
            rm = _int_months(r.values.get("months"))
            new_term = (rm and rm >= 2) or re.search(r"续约|续期|new term|another term|same term|renew(s|ed)? for|additional term", r.evidence, re.I)
            if new_term and not re.search(r"month[- ]to[- ]month|按月|逐月|rolling|30-day|monthly basis", r.evidence, re.I):
                base = F.term_src or (F.lock[0] if F.lock else F.etfs[0])
                n_zh = f"新的{rm}个月" if rm else "新的合约期"
                n_en = f"a new {rm}-month term" if rm else "a new term"
                out.append(Combination(
                    "renews_into_new_term", "high",
                    _t("到期自动续进新的合约期", "Renews into a new locked-in term"),
                    _t(f"{_ref(F.text, r)['zh']}规定到期自动续约，续入{n_zh}；合约期内离开要付违约金（{_ref(F.text, base)['zh']}）。到期前没有主动取消，就会再被锁定。",
                       f"{_ref(F.text, r)['en']} renews the agreement automatically into {n_en}, and leaving inside a term costs a fee ({_ref(F.text, base)['en']}). If you do not cancel before the end, you are locked in again."),
                    _srcs([r, base] + F.etfs[:1])))
                break
    if F.mins and (F.lock or F.term):
        msrc = F.min_src or F.mins[0]
        tsrc = F.term_src or F.lock[0]
        mon = F.minimum
        if mon is None and F.monthly is not None and F.monthly_src is not None and F.monthly_src.category in ("lock_in", "minimum_spend"):
            mon, msrc = F.monthly, F.monthly_src
        if mon is not None and T:
            tot = F.owed(0, T)[0] if (F.minimum is None and F.tier) else mon * T
            zh = f"每月最低消费{_money_zh(mon, cur)}（{_ref(F.text, msrc)['zh']}）× 合约期{T}个月（{_ref(F.text, tsrc)['zh']}）＝ 至少{_money_zh(tot, cur)}，用不用都要付。"
            en = f"A monthly minimum of {_money_en(mon, cur)} ({_ref(F.text, msrc)['en']}) x a {T}-month term ({_ref(F.text, tsrc)['en']}) = at least {_money_en(tot, cur)}, owed whether or not you use the service."
        else:
            what_zh = (f"最低消费为模板占位符 {F.min_ph}" if F.min_ph else "最低消费金额未写明") if F.minimum is None else f"每月最低消费{_money_zh(F.minimum, cur)}"
            what_en = (f"the minimum is a template placeholder {F.min_ph}" if F.min_ph else "the minimum is not stated") if F.minimum is None else f"a monthly minimum of {_money_en(F.minimum, cur)}"
            zh = f"合约期内每月都要满足最低消费（{_ref(F.text, msrc)['zh']}、{_ref(F.text, tsrc)['zh']}），总承诺 = 月最低消费 × 合约月数；{what_zh}。"
            en = f"Every month of the term must meet the minimum spend ({_ref(F.text, msrc)['en']}, {_ref(F.text, tsrc)['en']}): total commitment = monthly minimum x months; {what_en}."
        out.append(Combination("minimum_spend_commitment", "high",
                               _t("最低消费 × 合约期 = 总承诺", "Minimum spend x lock-in = total commitment"),
                               _t(zh, en), _srcs([msrc, tsrc])))
    return out


# ---------------------------------------------------------------------------------------------
# missing protections

_REFUND_WINDOW = re.compile(r"未激活[^。；;]{0,20}退|未开卡[^。；;]{0,20}退|未开课[^。；;]{0,20}退|未使用[^。；;]{0,12}退|\d+\s*(日|天)内[^。；;]{0,20}(退|无理由)|无理由退|冷静期|refund (within|if you cancel within)|cancel within \d+ (business )?days|cooling[- ]off|full refund|money[- ]back|return (it |the device |a device )?within \d+ days", re.I)
_CANCEL_HOW = re.compile(r"(销户|注销|取消|退订|解约|拆机|解除代扣|关闭自动续费|停用|退卡)[^。；;\n]{0,40}(营业厅|客服|APP|app|拨打|致电|前台|书面|渠道|方式|路径|页面|设置|热线|\d{5})|(拨打|致电|通过|登录|前往)[^。；;\n]{0,30}(取消|注销|销户|退订|解约|拆机|关闭)|取消方式|取消路径|(to cancel|you (may|can) cancel|cancel (by|online|at|your|through|via)|cancellation (request|notice))[^.\n]{0,120}(call|visit|online|website|app|contact|notice|in writing|phone|account|email|chat|settings)", re.I)


def missing_protections(F: _Facts) -> list[MissingProtection]:
    out: list[MissingProtection] = []
    text = F.text
    prot_cats = {p.category for p in F.protections}
    if (F.acts or F.refunds) and not _REFUND_WINDOW.search(text) and "refund_restriction" not in prot_cats:
        out.append(MissingProtection("refund_window", _t(
            "没有写明激活/开通前的退款期：买了但还没激活（或没开始使用）时能否全额退款、在多少天内申请。",
            "No refund window before activation: whether you get a full refund if you have not activated (or used) it, and within how many days.")))
    kind = bool(F.lock or F.renew or F.mins or F.etfs or F.credits or F.promos or F.acts)
    if kind and not _CANCEL_HOW.search(text):
        out.append(MissingProtection("how_to_cancel", _t(
            "没有写明如何取消/销户：通过什么渠道（营业厅、客服热线、APP）办理，需要什么手续。",
            "No cancellation procedure: through which channel (store, hotline, app, online) you cancel and what it takes.")))
    if F.promos and not _PROMO_STD.search(" ".join(p.evidence + " " + F.text[p.location.start:p.location.end + 160].split("\n")[0] for p in F.promos)):
        out.append(MissingProtection("price_after_promo", _t(
            "没有写明优惠期结束后的价格：第几个月起、每月多少钱。",
            "No price after the promotion: from which month and how much a month.")))
    etf_stated = any(isinstance(f.values.get("amount"), (int, float)) or f.values.get("formula") or f.values.get("percent")
                     for f in F.etfs)
    if F.lock and not etf_stated and "early_termination_fee" not in prot_cats:
        out.append(MissingProtection("exit_fee_amount", _t(
            "有合约期，但没有写明提前离开要付多少钱（违约金金额或计算方法）。",
            "There is a minimum term but no stated cost of leaving early (fee amount or how it is calculated).")))
    elif F.etfs and any(_ph_for(f.evidence, "etf") for f in F.etfs) and not etf_stated:
        out.append(MissingProtection("exit_fee_amount", _t(
            "违约金金额在合同中是空白，签字前要写明。", "The exit fee is left blank in the contract: have it filled in before signing.")))
    if F.mins and F.minimum is None and not (F.monthly is not None and F.monthly_src is not None
                                             and F.monthly_src.category in ("lock_in", "minimum_spend")):
        out.append(MissingProtection("minimum_amount", _t(
            "提到最低消费，却没有写明每月具体金额" + (f"（模板占位符 {F.min_ph}）" if F.min_ph else "") + "。",
            "A minimum spend is mentioned but the monthly amount is not stated" + (f" (template placeholder {F.min_ph})" if F.min_ph else "") + ".")))
    caps = _by(F.findings, "data_cap_throttle")
    if caps and not any(f.values.get("speed_kbps") for f in caps) and not re.search(r"\d+\s*(kbps|mbps|Kbps|Mbps|KB/s|MB/s|k|M)\b", " ".join(f.evidence for f in caps)):
        out.append(MissingProtection("speed_after_cap", _t(
            "有限速/封顶条款，但没有写明超出后的网速是多少。", "There is a cap or throttling, but not the speed you get after it.")))
    if F.renew and not re.search(r"提醒|通知|告知|短信|remind|notify|notice|notification|e-?mail you", " ".join(f.evidence for f in F.renew) + text[:0], re.I) \
            and not re.search(r"(续费|续约|扣费|renew\w*|charg\w*)[^。.\n]{0,40}(前|before)[^。.\n]{0,20}(提醒|通知|告知|remind|notify|notice)|(提醒|通知|告知|remind|notify|notice)[^。.\n]{0,40}(续费|续约|扣费|renew|charge)", text, re.I):
        out.append(MissingProtection("renewal_reminder", _t(
            "自动续费/续约前没有写明会提前提醒。", "No reminder promised before the automatic renewal or charge.")))
    return out


# ---------------------------------------------------------------------------------------------
# questions

def _q(F: _Facts, f: Any, zh: str, en: str) -> tuple[dict, Any]:
    r = _ref(F.text, f)
    q = _quote(f, 40)
    return _t(f"{r['zh']}说“{q}”：{zh}", f"{r['en']} says \"{q}\": {en}"), f


def questions(F: _Facts, ec: ExitCost | None, combos: list[Combination]) -> list[Question]:
    cur = F.currency
    qs: list[tuple[int, int, dict, tuple[Source, ...], dict]] = []  # (priority, start, text, sources, ask)

    def add(prio: int, f: Any, zh: str, en: str, extra: Iterable[Any] = ()) -> None:
        text, _ = _q(F, f, zh, en)
        qs.append((prio, f.location.start, text, _srcs([f, *extra]), _t(zh, en[:1].upper() + en[1:])))

    # placeholders first: a blank in the contract has to be filled in before paying
    seen_ph: set[str] = set()
    n_ph = 0
    for cat in ("minimum_spend", "lock_in", "early_termination_fee", "installment_credit", "extra_fees"):
        for f in _by(F.findings, cat):
            new = [shown for shown, _, _ in _placeholders(f.evidence) if shown not in seen_ph]
            if new and n_ph < 2:
                seen_ph.update(new)
                n_ph += 1
                shown = "、".join(dict.fromkeys(new))
                add(0, f, f"这里的 {shown} 是空白模板，具体数值是多少？请写进协议再付款。",
                    f"{shown.replace('、', ', ')} is left blank in the template: what is the actual value? Have it written in before you pay.")
    acts = F.activation_by_topup() or F.acts
    if acts:
        if F.activation_by_topup():
            add(1, acts[0], "未激活前能否全额退款？激活后充值余额能否退？", "can I get a full refund before activation, and is the top-up refundable after it?")
        else:
            act = next((f for f in acts if re.search(r"激活|开通|生效|开卡|开课|activat|start date|begin|starts", f.evidence, re.I)), None)
            if act is not None:
                add(3, act, "从哪一天起算“已激活/已生效”？在此之前取消能否全额退款？", "from which day does it count as activated or started, and can I cancel for a full refund before that?")
    nonref = F.nonref_topup()
    if nonref and (not acts or not _same(nonref[0], acts[0])):
        add(1, nonref[0], "在什么情况下可以退款？未激活、未使用时退多少？", "when is a refund possible, and how much if I have not activated or used it?")
    elif F.refunds and not nonref:
        add(3, F.refunds[0], "在哪些情况下可以退款，退多少、多久到账？", "in which cases is a refund possible, how much, and how fast?")
    if F.lock or F.etfs:
        row = None
        if ec:
            row = next((r for r in ec.rows if r.month == 6), None) or (ec.rows[-1] if ec.rows else None)
        f = F.etfs[0] if F.etfs else (F.term_src or F.lock[0])
        if row and row.parts and row.parts[0].sources:
            s0 = row.parts[0].sources[0]
            f = next((x for x in F.findings if x.category == s0.category and x.location.start == s0.start
                      and x.location.end == s0.end), f)
        n = row.month if row and row.month is not None else 6
        if row and row.amount is not None and row.month is not None:
            add(1, f, f"如果我在第{n}个月后离开，具体要付多少钱？按条款计算是{_money_zh(row.amount, cur)}，对吗？",
                f"what exactly would I pay if I cancel after month {n}? By the clause it comes to {_money_en(row.amount, cur)}: is that right?", [F.term_src])
        else:
            add(1, f, f"如果我在第{n}个月后离开，具体要付多少钱？请给出金额和计算方法。",
                f"what exactly would I pay if I cancel after month {n}? Please give the amount and how it is calculated.", [F.term_src])
    if F.mins:
        f = F.min_src or next((x for x in F.mins if len(_flat(x.evidence)) >= 12), F.mins[0])
        add(2, f, "最低消费是否包含套餐月费？停机期间是否照收？", "does the minimum include the plan's monthly fee, and is it charged while the line is suspended?")
    plans = F.credit_plans()
    if F.credits:
        f = plans[0][2] if plans else F.credits[0]
        add(2, f, "中途离开时，未返还的部分是否作废？已返还的是否要退回？", "if I leave early, is the unpaid part forfeited, and must I pay back what I received?")
    promo_combo = next((c for c in combos if c.id == "promo_ends_in_lock_in"), None)
    if F.promos:
        f = F.promos[0]
        if promo_combo:
            add(2, f, f"优惠期结束后到合约期满的{F.term - int(f.values.get('months') or 0) if F.term and _int_months(f.values.get('months')) else ''}个月按什么价格收费？能否不续优惠直接离开？".replace("的个月", "的月份"),
                "what price applies after the promotion until the end of the term, and can I leave when the promotion ends?")
        else:
            add(2, f, "优惠结束后每月实际扣多少钱，从哪个月开始？", "what exactly will I pay each month after the promotion, and from which month?")
    if F.renew:
        f = F.renew[0]
        add(2, f, "如何取消自动续费/续约？需要提前多久、通过什么渠道？", "how do I stop the automatic renewal, how far in advance, and through which channel?")
    for cat, zh, en in (("unilateral_change", "调价或改套餐时会提前多久通知？不同意能否免费解约？", "how much notice will I get of a price or plan change, and can I leave free of charge if I do not accept it?"),
                        ("data_cap_throttle", "超出后网速是多少？每月哪天恢复？", "what speed do I get after the threshold, and when is it restored?"),
                        ("directional_data", "哪些APP算定向流量？通用流量实际有多少？", "which apps count as app-only data, and how much general data is there really?"),
                        ("extra_fees", "除了月费还要付哪些费用，分别多少钱？", "what fees are there besides the monthly price, and how much is each?")):
        fs = _by(F.findings, cat)
        if fs:
            add(4, fs[0], zh, en)
    qs.sort(key=lambda x: (x[0], x[1]))
    out, seen = [], set()
    for _, _, text, srcs, ask in qs:
        key = text["zh"]
        if key in seen:
            continue
        seen.add(key)
        out.append(Question(text, srcs, ask))
        if len(out) >= 8:
            break
    return out


# ---------------------------------------------------------------------------------------------
# way out

_OPERATORS = [
    ("mobile", re.compile(r"中国移动|中移动|移动公司|移动APP|移动营业厅|10086"), "10086", "中国移动APP", "China Mobile app"),
    ("unicom", re.compile(r"中国联通|联通"), "10010", "中国联通APP", "China Unicom app"),
    ("telecom", re.compile(r"中国电信|电信公司|电信APP|电信营业厅|天翼|10000号"), "10000", "中国电信APP", "China Telecom app"),
    ("broadnet", re.compile(r"中国广电|广电"), "10099", "中国广电APP", "China Broadnet app"),
]
_OPERATOR_WEAK = [("mobile", re.compile(r"移动(?!电话|通信|网络|互联网|设备|终端|支付|端|号码)")), ("telecom", re.compile(r"(?<![^\s，。、（(])电信(?!业务|服务|用户|条例|网络|设施|管理|法规)"))]

_REGULATORS = [
    (r"\bFCC\b|Federal Communications Commission", "FCC", "Federal Communications Commission (FCC)"),
    (r"\bFTC\b|Federal Trade Commission", "FTC", "Federal Trade Commission (FTC)"),
    (r"\bOfcom\b", "Ofcom", "Ofcom"),
    (r"Ombudsman Services", "Ombudsman Services", "Ombudsman Services"),
    (r"Communications Ombudsman", "Communications Ombudsman", "Communications Ombudsman"),
    (r"Energy Ombudsman", "Energy Ombudsman", "Energy Ombudsman"),
    (r"\bCISAS\b", "CISAS", "CISAS"),
    (r"\bCRU\b|Commission for Regulation of Utilities", "CRU", "Commission for Regulation of Utilities (CRU)"),
    (r"\bComReg\b", "ComReg", "ComReg"),
    (r"\bACCC\b", "ACCC", "Australian Competition and Consumer Commission (ACCC)"),
    (r"\bTIO\b|Telecommunications Industry Ombudsman", "TIO", "Telecommunications Industry Ombudsman (TIO)"),
    (r"\bCRTC\b", "CRTC", "CRTC"),
    (r"\bCCTS\b", "CCTS", "Commission for Complaints for Telecom-television Services (CCTS)"),
    (r"Public (Utilities|Utility|Service) Commission", "Public Utilities Commission", "your state Public Utilities / Service Commission"),
    (r"Attorney General", "Attorney General", "your state Attorney General (consumer protection)"),
    (r"Better Business Bureau|\bBBB\b", "BBB", "Better Business Bureau (BBB)"),
    (r"Citizens Advice", "Citizens Advice", "Citizens Advice"),
]
_TELECOM_ZH = re.compile(r"号卡|流量卡|入网|话费|宽带|携号转网|运营商|通信|手机号|号码|套餐")


def _channels(F: _Facts) -> list[Channel]:
    text = F.text
    out: list[Channel] = []
    counts = [(len(rx.findall(text)), key, hot, app_zh, app_en) for key, rx, hot, app_zh, app_en in _OPERATORS]
    found = [c for c in counts if c[0]]
    if not found:
        weak = {k: len(rx.findall(text)) for k, rx in _OPERATOR_WEAK}
        found = [c for c in counts if weak.get(c[1])]
    for _, key, hot, app_zh, app_en in sorted(found, key=lambda c: -c[0])[:3]:
        out.append(Channel(hot, "hotline", "operator"))
        out.append(Channel(app_zh if F.lang == "zh" else app_en, "app", "operator"))
    seen = {c.name for c in out}

    def add(name: str, kind: str) -> None:
        name = name.strip().rstrip(".,;)")
        if name and name not in seen and len([c for c in out if c.source == "agreement"]) < 6:
            seen.add(name)
            out.append(Channel(name, kind, "agreement"))

    for m in re.finditer(r"(?:拨打|致电|热线|客服电话|服务电话|电话|call|phone|hotline|telephone|at)[^\d\n]{0,12}((?:\+?\d[\d\- ]{3,14}\d)|1-8\d{2}-[A-Z0-9\-]{7,9})", text, re.I):
        num = m.group(1).strip()
        digits = re.sub(r"\D", "", num)
        if (len(digits) >= 7 or (len(digits) == 5 and digits[0] in "19")) and len(digits) <= 13 \
                and not re.fullmatch(r"\d{2}-\d{2}-\d{2,4}", num):
            add(num, "hotline")
    for email in find_emails(text):
        add(email, "email")
    for m in re.finditer(r"https?://[A-Za-z0-9./:_\-?=&%#~+]+|(?<![\w@.])www\.[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+[A-Za-z0-9./_\-?=&%#~+]*", text):
        add(m.group(0), "web")
    if F.product == "subscription":
        # an automatic renewal is also stopped where it is paid: the app store or the payment app
        for zh, en in (("App Store：设置 → Apple ID → 订阅", "App Store: Settings → Apple ID → Subscriptions"),
                       ("安卓应用商店 / Google Play 的订阅管理", "Google Play or the Android store: Subscriptions"),
                       ("支付宝：我的 → 设置 → 支付设置 → 免密支付/自动扣款", "Alipay: Me → Settings → Payment settings → Auto-deduction"),
                       ("微信：我 → 服务 → 钱包 → 支付设置 → 自动续费", "WeChat: Me → Services → Wallet → Payment settings → Auto-renewal")):
            if F.lang == "en" and ("Alipay" in en or "WeChat" in en):
                continue
            out.append(Channel(zh if F.lang == "zh" else en, "app", "payment"))
    return out


_EMAIL_LOCAL = re.compile(r"[\w.+-]{1,64}$")
_EMAIL_DOMAIN = re.compile(r"[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")


def find_emails(text: str) -> list[str]:
    """The e-mail addresses in ``text``, in linear time: each '@' is expanded to the left over
    at most 64 address characters and to the right over at most a 9-label domain. (The plain
    regex ``[\\w.+-]+@…`` tries every start in a long run of letters: quadratic, 29 s at
    100,000 characters.)"""
    out: list[str] = []
    at = text.find("@")
    while at != -1:
        local = _EMAIL_LOCAL.search(text, max(0, at - 64), at)
        domain = _EMAIL_DOMAIN.match(text, at + 1, min(len(text), at + 1 + 600))
        if local and domain:
            out.append(local.group(0) + "@" + domain.group(0))
        at = text.find("@", at + 1)
    return out


def _escalation(F: _Facts) -> list[Escalation]:
    text = F.text
    out: list[Escalation] = []
    if F.lang == "zh" or re.search(r"[\u4e00-\u9fff]{20}", text[:5000]):
        operator = any(rx.search(text) for _, rx, *_ in _OPERATORS)
        telecom = operator or len(_TELECOM_ZH.findall(text)) >= 3
        if telecom:
            out.append(Escalation("12300", _t(
                "先向运营商投诉（客服热线或APP）；运营商未解决或对处理结果不满意的，可向工业和信息化部电信用户申诉受理中心申诉（电话12300或其网站），申诉时附上与运营商沟通的记录。",
                "Complain to the operator first (hotline or app); if it is not resolved or you disagree with the outcome, appeal to the MIIT Telecom User Complaint Center (12300, by phone or its website), with the record of your contact with the operator.")))
        if F.product == "membership":
            out.append(Escalation("12315", _t(
                "预付式消费（会员卡、课程、健身、美容等）：商家停业、跑路或拒不退费的，可向市场监督管理部门（12315）和当地商务主管部门投诉；"
                "付款时保留合同、收据和宣传材料，尽量不要一次预付过长期限或过大金额。",
                "Prepaid memberships (cards, courses, gyms, beauty): if the business closes or refuses a refund, complain to the market "
                "regulator (12315) and the local commerce bureau; keep the contract, receipts and adverts, and avoid prepaying long periods or large sums.")))
        elif not telecom or re.search(r"本店|店铺|商家|商品|平台|卖家|淘宝|京东|拼多多", text):
            out.append(Escalation("12315", _t(
                "商家（会员、课程、健身、预付卡、网店等）不处理的，可通过全国12315平台或拨打12315向市场监督管理部门投诉，附上合同、付款记录和沟通记录。",
                "If the seller (membership, course, gym, prepaid card, online shop) does not resolve it, complain to the market regulator through the national 12315 platform or by calling 12315, with the contract, payment record and correspondence.")))
        return out
    for rx, name, full in _REGULATORS:
        if re.search(rx, text):
            out.append(Escalation(name, _t(f"协议中提到的{full}：先向服务方正式投诉，未解决的可向其投诉。",
                                           f"{full}, named in the agreement: complain to the provider formally first, then to them if it is not resolved.")))
    if not out:
        out.append(Escalation("consumer-protection", _t(
            "先向服务方正式投诉并保留记录；未解决的，可向所在国家/地区的消费者保护机构或通信监管机构投诉。",
            "Complain formally to the provider first and keep a record; if it is not resolved, go to your national consumer protection authority (or the telecom regulator for phone and internet service).")))
    return out


_NOT_ACT = re.compile(r"未激活|未开卡|未开课|未使用|未开通|未拆封|签收后\s*\d+\s*[日天]内|\d+\s*[日天]内|无理由|冷静期|not (been )?activated|before (activation|it is activated)|within \d+ (business )?days|cooling[- ]off|unused", re.I)
_ACTIVATED = re.compile(r"已激活|激活后|已开卡|开卡后|已开课|开课后|首充|充值|一经(开通|售出|激活)|activated|after activation|once (activated|you)|top[- ]?up", re.I)
_USED = re.compile(r"销户|离网|退网|提前|解约|拆机|退卡|剩余|余额|partial|remaining|cancel|terminat|prorat|unused portion", re.I)


def _rule_text(F: _Facts, fs: list[Any], none_zh: str, none_en: str, lead_zh: str = "", lead_en: str = "") -> tuple[dict, tuple[Source, ...]]:
    fs = _uniq(fs)
    if not fs:
        return _t(none_zh, none_en), ()
    zh = "；".join(f"{_ref(F.text, f)['zh']}：“{_quote(f, 60)}”" for f in fs[:3])
    en = "; ".join(f"{_ref(F.text, f)['en']}: \"{_quote(f, 60)}\"" for f in fs[:3])
    return _t(f"{lead_zh}{zh}。", f"{lead_en}{en}."), _srcs(fs[:3])


def way_out(F: _Facts) -> WayOut:
    rules = F.refunds + _by(F.findings, "balance_expiry")
    prot = [p for p in F.protections if p.category in ("refund_restriction", "early_termination_fee", "lock_in")]
    na = [f for f in rules + prot if _NOT_ACT.search(f.evidence)]
    acts = F.activation_by_topup() or F.acts
    au = [f for f in rules if _ACTIVATED.search(f.evidence) and f not in na]
    if acts and any(_same(acts[0], f) for f in au):
        au = [f for f in au if not _same(acts[0], f)]
        au_lead_only = not au
    else:
        au_lead_only = False
    used = [f for f in rules + F.etfs + prot if _USED.search(f.evidence) and f not in na and f not in au]
    t1, s1 = _rule_text(F, na, "协议没有写明未激活/未使用时的退款规则：可以要求全额退款，并请对方说明依据。",
                        "The agreement does not say what happens before activation or use: ask for a full refund and ask which clause they rely on.",
                        "协议写明：", "The agreement says: ")
    lead_zh = f"先确认是否已算“激活”（{_ref(F.text, acts[0])['zh']}：“{_quote(acts[0], 40)}”）。" if acts else ""
    lead_en = f"First check whether it already counts as activated ({_ref(F.text, acts[0])['en']}: \"{_quote(acts[0], 40)}\"). " if acts else ""
    if au_lead_only and _NONREF.search(acts[0].evidence):
        none_zh = lead_zh + "该条同时写明这笔钱不退：按协议，激活后难以退回；可以要求对方说明能否退还未使用的余额。"
        none_en = lead_en + "The same clause says the money is not refundable: under the agreement it is hard to get back once activated; ask whether the unused balance can be returned."
    else:
        none_zh = lead_zh + "协议没有写明激活后未使用时能否退款：可以要求退还未使用的款项。"
        none_en = lead_en + "The agreement does not say whether you get money back after activation if you have not used it: ask for the unused amount back."
    t2, s2 = _rule_text(F, au, none_zh, none_en, lead_zh + "协议写明：", lead_en + "The agreement says: ")
    if acts:
        s2 = _srcs(list(s2) + acts[:1])
    t3, s3 = _rule_text(F, used, "协议没有写明使用后离开的退款或费用规则：询问余额能否退还、是否有违约金。",
                        "The agreement does not state refunds or fees for leaving after use: ask whether the balance is refunded and whether any fee applies.",
                        "协议写明：", "The agreement says: ")
    scenarios = (Scenario("not_activated", None, t1, s1), Scenario("activated_unused", None, t2, s2), Scenario("used", None, t3, s3))
    what = {
        "mobile": _t("号卡照片及手机号码/卡号", "A photo of the SIM card and the phone number / card number"),
        "broadband": _t("宽带账号/合同编号，以及设备（光猫、机顶盒）的照片", "The account or contract number, and a photo of the equipment (modem, set-top box)"),
        "membership": _t("会员卡/合同编号及照片", "The membership card or contract number, with a photo"),
        "subscription": _t("账号及订单号、扣费记录截图", "Your account and order number, with screenshots of the charges"),
    }.get(F.product, _t("账号或订单号、合同编号", "Your account, order or contract number"))
    prepare = [
        _t("身份证（办理人本人）", "Your ID (the account holder's)"),
        what,
        _t("付款记录（首充、预存、订单支付截图或账单）", "Payment records (first top-up, prepayment, order receipt or bill)")
        if F.product == "mobile" else _t("付款记录（订单支付截图、扣费记录或账单）", "Payment records (order receipt, charges or bill)"),
        _t("广告页面和下单页面的截图（含宣传的价格、流量、“无合约”等说法）", "Screenshots of the advert and the order page (the advertised price, data, 'no contract' claims)")
        if F.product == "mobile" else _t("广告页面和下单页面的截图（含宣传的价格、权益和“随时可退”等说法）",
                                          "Screenshots of the advert and the order page (the advertised price, what is included, 'cancel anytime' claims)"),
        _t("协议全文（保存下单时的版本）及与客服的聊天/通话记录", "The full agreement as it was when you ordered, and your chats or calls with customer service"),
    ]
    # the request text
    cur = F.currency
    ta, tf = F.topup()
    cite = _uniq(acts[:1] + (na or F.nonref_topup())[:1] + (F.refunds if not na else [])[:1])[:3]
    cites_zh = "；".join(f"{_ref(F.text, f)['zh']}“{_quote(f, 50)}”" for f in cite) or "协议相关条款"
    cites_en = "; ".join(f"{_ref(F.text, f)['en']} (\"{_quote(f, 50)}\")" for f in cite) or "the relevant clauses of the agreement"
    wz, we = _paid_word([tf] if tf is not None else [])
    amt_zh = f"{wz}{_money_zh(ta, cur)}" if ta is not None else "已付款项【金额】元"
    amt_en = f"the {we} of {_money_en(ta, cur)}" if ta is not None else "the amount I paid, [amount]"
    request = _t(
        f"您好。我于【办理日期】办理了【号码/卡号/订单号】，目前状态为【未激活/已激活未使用/已使用】。"
        f"根据协议{cites_zh}，现申请取消该业务并退还{amt_zh}。请在【5】个工作日内书面答复可退金额、退款方式和到账时间；"
        f"如不能退还，请说明所依据的具体条款。我已保留付款记录、广告及下单页面截图。联系人：【姓名】，电话：【电话】。",
        f"Hello. On [date] I signed up for [number / card / order number]; its status is [not activated / activated but unused / used]. "
        f"Under {cites_en} of the agreement, I ask you to cancel it and refund {amt_en}. Please reply in writing within [5] working days with the "
        f"amount you will refund, how and when; if you will not refund it, please name the clause you rely on. I have kept the payment records and screenshots "
        f"of the advert and order page. Name: [name], phone: [phone].")
    return WayOut(scenarios, tuple(prepare), tuple(_channels(F)), tuple(_escalation(F)), request)


# ---------------------------------------------------------------------------------------------
# verdict

_WEIGHTS = {"lock_in": 3, "minimum_spend": 3, "early_termination_fee": 3, "refund_restriction": 2,
            "installment_credit": 2, "activation_definition": 1, "promo_price_expiry": 2, "auto_renewal": 2}
_AGREEMENT_WORDS = re.compile(r"协议|合同|条款|须知|规则|服务|资费|套餐|会员|退款|违约|用户|甲方|乙方|合约|激活|充值|agree|terms|contract|service|subscri|fee|cancel|refund|member|charge|plan", re.I)


def _excerpt(F: _Facts) -> bool:
    """Is the text a short excerpt (a pasted clause or two) rather than a whole agreement?"""
    text = F.text
    n = len(text.strip())
    cjk = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
    return n < (MIN_CHARS_ZH if cjk * 2 > n else MIN_CHARS)


def _assessable(F: _Facts) -> tuple[bool, dict]:
    text = F.text
    if _excerpt(F) and not F.findings:
        n = len(text.strip())
        return False, _t(f"文本太短（{n}字），无法评估：请提供完整的协议。", f"Too little text ({n} characters) to assess: provide the full agreement.")
    if _excerpt(F):
        return True, {}  # a pasted excerpt with findings: judged on what it says (see verdict)
    if not F.findings and not F.protections:
        return False, _t("没有找到任何与费用、期限、退款相关的条款，无法评估：这可能不是服务协议，或内容不完整。",
                         "No clauses about money, terms or refunds were found, so it cannot be assessed: this may not be a service agreement, or it is incomplete.")
    if len(set(m.group(0).lower() for m in _AGREEMENT_WORDS.finditer(text))) < 2:
        return False, _t("这份文本看起来不像协议或服务条款，无法评估。", "This text does not read like an agreement or terms of service, so it cannot be assessed.")
    return True, {}


def verdict(F: _Facts, combos: list[Combination], ec: ExitCost | None) -> Verdict:
    ok, why = _assessable(F)
    if not ok:
        return Verdict(False, None, why, ())
    cur = F.currency
    scored: list[tuple[float, dict, tuple[Source, ...]]] = []
    cats = []
    for f in F.findings:
        if f.category not in cats:
            cats.append(f.category)
    T = F.term
    for cat in cats:
        fs = _by(F.findings, cat)
        c = CATEGORIES.get(cat)
        sev = fs[0].severity
        w = _WEIGHTS.get(cat, {"high": 2, "medium": 1, "low": 0.5}.get(sev, 0.5))
        name = _t(c.zh if c else cat, c.en if c else cat)
        src = fs[:2]
        if cat == "lock_in":
            if T and T >= 24:
                w += 2
            elif T and T >= 12:
                w += 1
            if T:
                name = _t(f"锁定{T}个月", f"Locked in for {T} months")
                src = [F.term_src]
        elif cat == "minimum_spend" and F.minimum is not None:
            name = _t(f"每月最低消费{_money_zh(F.minimum, cur)}", f"Minimum spend {_money_en(F.minimum, cur)} a month")
            src = [F.min_src]
        elif cat == "refund_restriction" and F.nonref_topup():
            w = 3
            ta, _ = F.topup()
            wz, we = _paid_word(F.nonref_topup())
            name = _t(f"{wz}{_money_zh(ta, cur) if ta else ''}不退", f"The {we}{' of ' + _money_en(ta, cur) if ta else ''} is not refundable")
            src = F.nonref_topup()[:1]
        elif cat == "installment_credit" and (F.forfeits() or F.repays()):
            w = 3
            name = _t("分期返还的赠送款离开即作废", "Gifted credit paid in instalments is lost if you leave")
            src = ([F.credit_plans()[0][2]] if F.credit_plans() else fs[:1]) + (F.forfeits() or F.repays())[:1]
        elif cat == "early_termination_fee":
            row = next((r for r in (ec.rows if ec else ()) if r.month == 6), None)
            if row and row.amount:
                name = _t(f"提前{F.leave_zh}要付费（第6个月后离开约{_money_zh(row.amount, cur)}）", f"Leaving early costs money (about {_money_en(row.amount, cur)} after month 6)")
        scored.append((w, name, _srcs(src)))
    pts = sum(w for w, _, _ in scored)
    high_combos = [c for c in combos if c.severity == "high"]
    pts += len(high_combos)
    prot_cats = sorted({p.category for p in F.protections})
    bonus = min(len(prot_cats), 4)
    pts -= bonus
    grade = _grade(pts)
    ranked = sorted(scored, key=lambda x: -x[0])
    listed = [x for x in ranked if x[0] >= 2][:6]
    reasons = [Reason(_t(f"{name['zh']}（+{_num(w)}分）", f"{name['en']} (+{_num(w)})"), src)
               for w, name, src in listed]
    for c in high_combos[:3]:
        reasons.append(Reason(_t(f"组合风险：{c.title['zh']}（+1分）", f"Combination: {c.title['en']} (+1)"), c.sources))
    # the rest, in one line, so that the reasons add up to the total (issue 11)
    rest = [x for x in ranked if x not in listed]
    rest_pts = sum(w for w, _, _ in rest) + max(0, len(high_combos) - 3)
    if rest_pts:
        n = len(rest) + max(0, len(high_combos) - 3)
        reasons.append(Reason(_t(f"另外{n}项风险较小的条款（+{_num(rest_pts)}分）", f"{n} more minor term(s) (+{_num(rest_pts)})"),
                              _srcs(src for _, _, srcs in rest for src in srcs[:1])))
    if bonus:
        ps = [p for p in F.protections if p.category in prot_cats]
        reasons.append(Reason(_t(f"有利条款：{len(prot_cats)}类（−{bonus}分）", f"Protections in your favour: {len(prot_cats)} kind(s) (-{bonus})"),
                              _srcs(Source.of(p) for p in ps[:4])))
    reasons.append(_total_reason(pts, grade))
    line = _line(F, ec)
    if _excerpt(F):  # a pasted clause or two: what it says, not what the rest of the agreement may say
        line = _t("仅依据摘录：" + line["zh"], "Based on the excerpt only: " + line["en"])
        return Verdict(True, grade, line, tuple(reasons), excerpt=True, points=pts)
    return Verdict(True, grade, line, tuple(reasons), points=pts)


def _grade(pts: float) -> str:
    return "A" if pts <= 3 else "B" if pts <= 8 else "C" if pts <= 14 else "D" if pts <= 22 else "E"


def _total_reason(pts: float, grade: str) -> Reason:
    return Reason(_t(f"合计{_num(pts)}分 → {grade}（≤3 A，≤8 B，≤14 C，≤22 D，其余 E）",
                     f"Total {_num(pts)} points -> {grade} (<=3 A, <=8 B, <=14 C, <=22 D, else E)"))


ADVERT_POINTS = 2  # an advert claim the agreement contradicts


def with_offer_verdict(summary: Summary, offer: Any) -> Summary:
    """The verdict once an advert has been checked: every claim the agreement contradicts is a
    reason of its own (+2), before the total, and the grade follows the new total."""
    from dataclasses import replace

    v = summary.verdict
    bad = [c for c in getattr(offer, "claims", ()) if c.status == "contradicted"]
    if not bad or not v.assessed or v.points is None:
        return summary
    pts = v.points + ADVERT_POINTS * len(bad)
    grade = _grade(pts)
    extra = [Reason(_t(f"广告说法与协议不符：“{_flat(c.advert)}”（+{ADVERT_POINTS}分）",
                       f"The advert says \"{_flat(c.advert)}\"; the agreement says otherwise (+{ADVERT_POINTS})"), c.sources)
             for c in bad]
    reasons = list(v.reasons[:-1]) + extra + [_total_reason(pts, grade)]
    return replace(summary, verdict=replace(v, grade=grade, points=pts, reasons=tuple(reasons)))


def _line(F: _Facts, ec: ExitCost | None) -> dict:
    cur = F.currency
    zh, en = [], []
    T = F.term
    if T and F.lock:
        zh.append(f"锁定{T}个月")
        en.append(f"Locked in for {T} months")
    elif F.lock:
        zh.append("有合约期（期限" + (f"为模板占位符 {F.term_ph}" if F.term_ph else "未写明") + "）")
        en.append("a minimum term (" + (f"length is a template placeholder {F.term_ph}" if F.term_ph else "length not stated") + ")")
    if F.minimum is not None:
        zh.append(f"每月至少消费{_money_zh(F.minimum, cur)}")
        en.append(f"at least {_money_en(F.minimum, cur)} a month")
    elif F.mins and F.monthly is not None and F.monthly_src is not None and F.monthly_src.category in ("lock_in", "minimum_spend"):
        zh.append(f"每月至少付{_money_zh(F.monthly, cur)}（月费）")
        en.append(f"at least {_money_en(F.monthly, cur)} a month (the monthly charge)")
    elif F.mins:
        zh.append("有月最低消费（金额" + (f"为模板占位符 {F.min_ph}" if F.min_ph else "未写明") + "）")
        en.append("a monthly minimum spend (" + (f"a template placeholder {F.min_ph}" if F.min_ph else "amount not stated") + ")")
    if F.etfs:
        kinds = [p.label for p in _etf_mechanisms(F)[0]]
        if any("剩余月数" in k["zh"] for k in kinds):
            zh.append(f"提前{F.leave_zh}需按剩余月份付费")
            en.append("leaving early costs the remaining months")
        elif any(k["zh"].startswith("违约金") and re.search(r"\d", k["zh"]) for k in kinds):
            k = next(k for k in kinds if k["zh"].startswith("违约金") and re.search(r"\d", k["zh"]))
            zh.append("提前解约需付" + k["zh"])
            en.append("leaving early costs a " + k["en"][0].lower() + k["en"][1:])
        else:
            zh.append("提前解约要付违约金")
            en.append("leaving early costs a fee")
    if F.nonref_topup():
        ta, _ = F.topup()
        wz, we = _paid_word(F.nonref_topup())
        zh.append(f"{wz}{_money_zh(ta, cur) if ta else ''}不退")
        en.append(f"the {we}{' of ' + _money_en(ta, cur) if ta else ''} is not refundable")
    if F.credits and (F.forfeits() or F.repays()):
        zh.append(f"{F.leave_zh}后未返还的赠送款作废")
        en.append("unpaid gifted credit is lost if you leave")
    if len(zh) < 2:
        for cat in ("promo_price_expiry", "auto_renewal", "refund_restriction", "activation_definition", "unilateral_change", "data_cap_throttle"):
            if _by(F.findings, cat) and len(zh) < 3:
                c = CATEGORIES[cat]
                zh.append(c.zh)
                en.append(c.en.lower() if en else c.en)
    if not zh:
        return _t("未发现高风险条款", "No high-risk clauses found")
    en_s = ", ".join(en)
    return _t("，".join(zh[:5]), en_s[0].upper() + en_s[1:])


# ---------------------------------------------------------------------------------------------

PRODUCTS = ("mobile", "broadband", "membership", "subscription", "service")


def advise(report: Any, product: str | None = None) -> Summary:
    """The buyer-facing advice for one scanned document (see the module doc and advice_model)."""
    F = _Facts(report, product)
    ok, why = _assessable(F)
    if not ok:
        return Summary(F.lang, Verdict(False, None, why, ()), None)
    ec = exit_cost(F)
    combos = combinations(F)
    v = verdict(F, combos, ec)
    combos_sorted = sorted(combos, key=lambda c: -SEVERITY_ORDER.get(c.severity, 0))
    return Summary(F.lang, v, ec, tuple(combos_sorted), tuple(missing_protections(F)),
                   tuple(questions(F, ec, combos)), way_out(F))
