"""The advert against the agreement: ``check_offer(text, report) -> OfferCheck``.

``parse_offer`` finds the claims an advert makes (Chinese and English): a price ("29元/月",
"月租19元", "$25/mo", "first month free"), a data allowance and its kind ("100G通用流量",
"100GB", "unlimited data"), no contract ("无合约", "cancel anytime"), refundable ("七天无理由",
"money-back guarantee") and free activation ("0元开卡", "免首充", "包邮", "no setup fee"). Each
claim keeps the advert's own words.

``check_offer`` compares each claim with the agreement's findings and protections (their
``values`` and quotes) and gives it a status:

- contradicted: the agreement states the opposite (a 24-month lock-in against "无合约");
- qualified: true only under conditions the agreement adds (the price holds for 6 months);
- confirmed: the agreement states the same (a "无合约期" protection, the same monthly price);
- unverified: the agreement says nothing either way.

The explanation (zh and en) quotes both sides; ``sources`` are the clauses it rests on. When
the confirmation comes from a plain statement of the price or the data allowance (which is not
a finding category), the source's category is the claim kind ("price" or "data").
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import regex

from ..engine import values as V
from ..engine.normalize import cn_to_int, normalize
from ..engine.rxcache import cached_compile
from ..render.money import money
from .model import Claim, OfferCheck, Source

TIMEOUT = 0.5
STATUS_ORDER = {"unverified": 0, "confirmed": 1, "qualified": 2, "contradicted": 3}
_QUOTE_MAX = 160
MAX_ITEMS = 4  # clauses quoted per claim, the most telling first

# ---------------------------------------------------------------------------
# Parsing the advert

_CN = "零一二两三四五六七八九十"
_EN_NUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
           "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "thirty": 30, "a": 1}
_EN_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|thirty"
_NOT_PRICE_BEFORE = cached_compile(
    r"(?:首充|充值?|预存|存|送|赠|返|卡费|激活费|运费|押金|fee\s+of|deposit\s+of|top[- ]?up(?:\s+of)?|credit\s+of|save|off)\s*$",
    regex.I)




# "首充100送120", "预存50得100话费", "赠送120元话费", "$200 in bill credits": a gift, which
# agreements usually pay out by the month and take back when the buyer leaves
# "0元预存", "免预存", "no deposit": nothing to pay before the service starts
# what is left of an advert that still promises something: reported as unverified, never dropped
_PROMISE = cached_compile(r"\d+(?:\.\d+)?\s*(?:元|块|GB|MB|TB|G流量|分钟|个月|月|天|年|%|折|次)|[$£€]\s?\d|免费|免|送|赠|无(?!线)|不限|包(?!装)"
                         r"|\bfree\b|\bno\b|\bunlimited\b|\bbonus\b|\bincluded\b|\bminutes\b", regex.I)
_SEGMENT = cached_compile(r"[^,，;；、|/+\n!！。]+")


def _is_cjk_at(t: str, i: int) -> bool:
    return 0 <= i < len(t) and "\u4e00" <= t[i] <= "\u9fff"


@dataclass(frozen=True)
class AdvertClaim:
    """One claim of the advert: its kind, its own words, where they are, and its values."""

    kind: str  # price, data, no_contract, refundable, free_activation, gift, no_prepay, other
    advert: str
    start: int  # offsets into the advert text as given
    end: int
    values: dict[str, Any] = field(default_factory=dict)


def _int(s: str | None) -> int | None:
    if not s:
        return None
    s = s.strip().lower()
    if s.isdigit():
        return int(s)
    if s in _EN_NUM:
        return _EN_NUM[s]
    return cn_to_int(s)


def _clean(x: float) -> int | float:
    return int(x) if float(x).is_integer() else round(x, 2)


_Found = tuple[int, int, str, dict[str, Any]]  # (start, end, kind, values) in the normalized text


def _free_months_values(m: regex.Match[str], t: str) -> dict[str, Any] | None:
    months = _int(m.group("m") or m.group("mw") or m.group("mw2")) or 1
    return {"amount": 0, "free": True, "months": months}


def _price_values(m: regex.Match[str], t: str) -> dict[str, Any] | None:
    pre, per = m.group("pre") or "", m.group("per") or ""
    monthly_pre = bool(regex.search(r"月租|月费|每月|包月|月付|套餐|资费", pre))
    if not (per or monthly_pre or pre.strip()):
        return None
    if _NOT_PRICE_BEFORE.search(t[max(0, m.start() - 12):m.start()], timeout=TIMEOUT):
        return None
    if m.group("cur"):
        amount = float(m.group("n1").replace(",", ""))
        cur = V.CURRENCY_PREFIX.get(m.group("cur").lower(), "USD")
    else:
        amount = float(m.group("n2"))
        cur = V.CURRENCY_SUFFIX.get(m.group("unit").lower(), "CNY")
    if regex.search(r"年|yr|year|annual", per, regex.I):
        period = "year"
    elif per or monthly_pre:
        period = "month"
    else:
        period = None
    vals: dict[str, Any] = {"amount": _clean(amount), "currency": cur}
    if period:
        vals["period"] = period
    intro = _int(m.group("im") or m.group("imw"))
    if intro:
        vals["intro_months"] = intro
    return vals


def _unlimited_values(m: regex.Match[str], t: str) -> dict[str, Any] | None:
    return {"unlimited": True}


def _data_values(m: regex.Match[str], t: str) -> dict[str, Any] | None:
    unit = m.group("u").upper()
    n = float(m.group("n"))
    kind_word = (m.group("kind") or "") + (m.group("ek") or "")
    said_data = bool(m.group("kind") or m.group("liu") or regex.search(r"data\s*$", m.group(0), regex.I))
    if unit in ("G", "T") and not said_data and (V._NETWORK_G.match(t, m.start()) or n in (2, 3, 4, 5)):
        return None  # "5G", "5G套餐": the network, not an allowance
    if unit in ("M", "MB") and not said_data:
        return None
    gb = n * 1024 if unit.startswith("T") else n / 1024 if unit.startswith("M") else n
    if regex.search(r"定向|专属|省内|本地|区域|app|zero", kind_word, regex.I):
        kind = "directional"
    elif kind_word.strip():
        kind = "general"
    else:
        kind = "unspecified"
    return {"data_gb": _clean(gb), "data_kind": kind}


def _no_contract_values(m: regex.Match[str], t: str) -> dict[str, Any] | None:
    w = m.group(0)
    mode = ("no_fee" if regex.search(r"违约金|fee", w, regex.I) else
            "cancel_anytime" if regex.search(r"随时|any\s*time", w, regex.I) else "no_contract")
    return {"mode": mode}


def _refund_values(m: regex.Match[str], t: str) -> dict[str, Any] | None:
    vals: dict[str, Any] = {}
    d = _int(m.group("days") or m.group("edays"))
    if d:
        vals["days"] = d
    return vals


def _free_act_values(m: regex.Match[str], t: str) -> dict[str, Any] | None:
    w = m.group(0)
    what = ("installation" if regex.search(r"安装|install", w, regex.I) else
            "shipping" if regex.search(r"邮|运费|配送|送货|shipping|delivery", w, regex.I) else
            "first_topup" if "首充" in w else
            "sim" if regex.search(r"卡费|sim", w, regex.I) and "激活" not in w else "activation")
    return {"what": what}


def _gift_values(m: regex.Match[str], t: str) -> dict[str, Any] | None:
    gift = m.group("n") or m.group("n2") or m.group("n3")
    vals: dict[str, Any] = {"amount": _clean(float(gift)), "currency": V.CURRENCY_PREFIX.get((m.group("cur") or "").lower(), "CNY")}
    if m.group("paid"):
        vals["paid"] = _clean(float(m.group("paid")))
    return vals


def _no_prepay_values(m: regex.Match[str], t: str) -> dict[str, Any] | None:
    return {}


# (the phrases, the claim kind, their values or None for a match that is no claim), in this order
_ClaimValues = Callable[[regex.Match[str], str], "dict[str, Any] | None"]
_READERS: dict[str, _ClaimValues] = {
    "free_months": _free_months_values, "price": _price_values, "unlimited": _unlimited_values,
    "data": _data_values, "no_contract": _no_contract_values, "refund": _refund_values,
    "free_act": _free_act_values, "gift": _gift_values, "no_prepay": _no_prepay_values,
}


def _load_claims() -> tuple[tuple[str, regex.Pattern[str], str, _ClaimValues], ...]:
    """The advert's phrase families, from ``data/claims.yaml`` (id, kind, reader, regex, examples)."""
    from importlib.resources import files

    from ..engine.rxcache import load_yaml

    rows = load_yaml((files("analyzer.advice") / "data" / "claims.yaml").read_text(encoding="utf-8"))
    return tuple((r["id"], cached_compile(r["regex"], regex.I), r["kind"], _READERS[r["values"]]) for r in rows)


CLAIMS = _load_claims()
_RX = {rid: rx for rid, rx, _kind, _values in CLAIMS}
_NO_CONTRACT, _REFUND, _FREE_ACT = _RX["no-contract"], _RX["refund"], _RX["free-activation"]
_CLAIM_RULES: tuple[tuple[regex.Pattern[str], str, _ClaimValues], ...] = tuple(
    (rx, kind, values) for _rid, rx, kind, values in CLAIMS)


def _find_claims(t: str) -> list[_Found]:
    """Every claim the phrases find in ``t``, spans trimmed of spaces, overlaps not yet resolved."""
    found: list[_Found] = []
    for rx, kind, values in _CLAIM_RULES:
        for m in rx.finditer(t, timeout=TIMEOUT):
            vals = values(m, t)
            if vals is None:
                continue
            a, b = m.start(), m.end()
            while b > a and t[b - 1].isspace():
                b -= 1
            while a < b and t[a].isspace():
                a += 1
            if b > a:
                found.append((a, b, kind, vals))
    return found


def _without_overlaps(found: list[_Found]) -> list[_Found]:
    """One claim per stretch of words: the earliest, then the longest, wins an overlap."""
    found.sort(key=lambda x: (x[0], -(x[1] - x[0])))
    kept: list[_Found] = []
    for c in found:
        if any(c[0] < k[1] and k[0] < c[1] for k in kept):
            continue
        kept.append(c)
    return kept


def _uncovered_promises(t: str, kept: list[_Found]) -> list[_Found]:
    """The stretches of the advert that promise something no claim covers (kept, unverified)."""
    out: list[_Found] = []
    covered = [False] * len(t)
    for a, b, _k, _v in kept:
        for i in range(a, b):
            covered[i] = True
    for m in _SEGMENT.finditer(t):
        # the segment's words no claim covers, cut at spaces beside Chinese ("免费安装 赠视频会员")
        pieces, start = [], None
        for i in range(m.start(), m.end() + 1):
            cut = i == m.end() or covered[i] or (t[i].isspace() and (
                _is_cjk_at(t, i - 1) or _is_cjk_at(t, i + 1)))
            if cut:
                if start is not None:
                    pieces.append((start, i))
                start = None
            elif start is None:
                start = i
        for a, b in pieces:
            seg = t[a:b].strip()
            if len(seg) >= 2 and _PROMISE.search(seg):
                a += len(t[a:b]) - len(t[a:b].lstrip())
                out.append((a, a + len(seg), "other", {}))
    return out


def parse_offer(text: str) -> list[AdvertClaim]:
    """The claims an advert makes, in order of appearance, each with its own words."""
    if not text or not text.strip():
        return []
    norm = normalize(text)
    t = norm.text
    kept = _without_overlaps(_find_claims(t))
    kept.extend(_uncovered_promises(t, kept))
    kept.sort(key=lambda x: x[0])
    out = []
    for a, b, kind, vals in kept:
        oa, ob = norm.to_orig(a, b)
        out.append(AdvertClaim(kind, text[oa:ob], oa, ob, vals))
    return out


# ---------------------------------------------------------------------------
# Comparing with the agreement

@dataclass(frozen=True)
class _Item:
    status: str
    zh: str
    en: str
    sources: tuple[Source, ...]




def _money(amount: Any, currency: str | None, period: str | None = None) -> dict[str, str]:
    return {lang: money(amount, currency, lang, period) for lang in ("zh", "en")}


def _quote(x: Any) -> str:
    q = " ".join(x.evidence.split())
    return q if len(q) <= _QUOTE_MAX else q[:_QUOTE_MAX - 1] + "…"


_src = Source.of  # findings and protections both carry category, evidence and location


def _item(status: str, x: Any, zh: str, en: str) -> _Item:
    """An observation about one clause ``x``, its quote and page appended."""
    q = _quote(x)
    page = x.location.page
    return _Item(status, f"{zh}（第{page}页：“{q}”）", f"{en} (p. {page}: \"{q}\")", (_src(x),))


def _of(report: Any, category: str) -> list[Any]:
    return [f for f in report.findings if f.category == category]


def _prot(report: Any, category: str) -> list[Any]:
    return [p for p in report.protections if p.category == category]


def _same_currency(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b


def _amounts(text: str, currency: str | None) -> list[tuple[float, str | None, int]]:
    """(amount, period, position) of each money amount in ``text`` in the advert's currency."""
    out = []
    try:
        cands = V.candidates(" ".join(text.split()))
    except TimeoutError:
        return []
    for v in cands:
        if v.key != "amount":
            continue
        extra = dict(v.extra)
        if _same_currency(currency, extra.get("currency")):
            out.append((float(v.value), extra.get("period"), v.start))
    return out


_ANCHOR = cached_compile(
    r"after\s+that|thereafter|afterwards?|regular|standard|undiscounted|full\s+price|list\s+price|renews?\s+at"
    r"|goes\s+up\s+to|increases?\s+to|次月起|之后|以后|期满后|结束后|到期后|恢复|标准|原价|原资费|正常资费|续费价"
    r"|第\s*\d+\s*个月起", regex.I)
_CAP_WORDS = cached_compile(r"停机|停止(?:使用|服务|上网)|关闭|暂停|封顶|断网|停用|无法(?:继续)?使用|不能(?:继续)?使用"
                           r"|suspend|\bcap(?:ped)?\b|cut\s+off|\bstops?\b|no\s+further|overage|套外", regex.I)
_OVERAGE = cached_compile(r"overage|per\s+(?:GB|gigabyte)|/\s*GB|套外|超出部分|超出的部分", regex.I)
_NO_REFUND = cached_compile(r"不(?:予|可|能|支持|作|做)?(?:退还|退款|退费|退)|概不退|恕不退|non-?refundable"
                           r"|\bno\s+refunds?\b|\bnot\s+(?:be\s+)?refund(?:ed|able)", regex.I)
_CONDITION_WORDS = cached_compile(r"未(?:激活|使用|开课|开卡|拆封|上课)|激活前|使用前|开课前|扣除|扣减|手续费|only\s+(?:if|when)"
                                 r"|unused|before\s+(?:activation|you\s+(?:activate|use))|not\s+(?:been\s+)?(?:activated|used)"
                                 r"|minus|less\s+(?:any|the)|deduct|withhold", regex.I)


class _Doc:
    """The agreement's normalized text, cut into short statements, for plain statements of a
    price or an allowance that no finding category covers."""

    def __init__(self, report: Any) -> None:
        self.report = report
        self._context: Any = None

    def statements(self, needle: str) -> Iterable[tuple[str, Source]]:
        """The agreement's sentences that contain ``needle``, as the scan split them (the
        report's ScanContext; rebuilt once for a report that does not carry one)."""
        doc = getattr(self.report, "document", None)
        if doc is None:
            return
        if self._context is None:
            from ..engine.pipeline import ScanContext

            self._context = getattr(self.report, "context", None) or ScanContext.of(doc.text)
        original = doc.text
        for s, oa, ob in self._context.statements():
            if needle not in s.text or len(s.text) > 400:
                continue
            yield s.text, Source("", original[oa:ob], doc.page_of(oa), oa, ob)


def _stmt_item(status: str, kind: str, src: Source, zh: str, en: str) -> _Item:
    s = Source(kind, src.evidence, src.page, src.start, src.end)
    q = " ".join(src.evidence.split())
    q = q if len(q) <= _QUOTE_MAX else q[:_QUOTE_MAX - 1] + "…"
    return _Item(status, f"{zh}（第{src.page}页：“{q}”）", f"{en} (p. {src.page}: \"{q}\")", (s,))


# --- price -------------------------------------------------------------------

def _price_vs_minimum_spend(report: Any, p: float, cur: str | None, adv: dict[str, str]) -> list[_Item]:
    """A monthly minimum spend above the advertised monthly price contradicts it."""
    items: list[_Item] = []
    for f in _of(report, "minimum_spend"):
        fv = f.values
        if fv.get("amount") is None or fv.get("period") not in ("month", None) or not _same_currency(cur, fv.get("currency")):
            continue
        m = float(fv["amount"])
        mm = _money(m, fv.get("currency") or cur, "month")
        if m > p:
            items.append(_item("contradicted", f, f"每月最低消费{mm['zh']}，高于广告价{adv['zh']}",
                               f"a minimum spend of {mm['en']}, above the advertised {adv['en']}"))
        elif m == p:
            items.append(_item("confirmed", f, f"每月最低消费{mm['zh']}，与广告价相同",
                               f"a monthly minimum of {mm['en']}, the advertised price"))
    return items


def _price_vs_promos(c: AdvertClaim, report: Any, p: float, cur: str | None, period: str,
                     adv: dict[str, str]) -> list[_Item]:
    """Promotional prices: is the advertised price the one that ends?"""
    v = c.values
    items: list[_Item] = []
    promo_hits, higher, standard_same = [], [], []
    for f in _of(report, "promo_price_expiry"):
        if "trial-credit" in f.pattern:
            continue  # a one-off credit, not a monthly price (see the first-month-free check)
        amts = [a for a, per, _ in _amounts(f.evidence, cur) if per == period]
        anchored = bool(_ANCHOR.search(f.evidence))
        bigger = [a for a in amts if a > p]
        if p in amts and (bigger or not anchored):
            promo_hits.append((f, bigger))
        elif bigger and anchored:
            higher.append((f, max(bigger)))
        elif p in amts and anchored and not bigger:
            standard_same.append(f)
    if promo_hits:
        f0, big0 = promo_hits[0]
        std = max(big0 + [h for _, h in higher], default=None)
        months = f0.values.get("months")
        when_zh = f"只在前{months}个月有效" if months else "只在优惠期内有效"
        when_en = f"only for the first {months} months" if months else "only during a promotional period"
        after_zh = f"，之后按{_money(std, cur, period)['zh']}收费" if std else "，之后的价格协议未写明"
        after_en = f", then {_money(std, cur, period)['en']}" if std else "; the price afterwards is not stated"
        status = "confirmed" if v.get("intro_months") and months == v["intro_months"] else "qualified"
        it = _item(status, f0, f"广告价{adv['zh']}{when_zh}{after_zh}", f"{adv['en']} holds {when_en}{after_en}")
        extra = tuple(_src(f) for f, _ in higher if _src(f) not in it.sources)
        items.append(_Item(it.status, it.zh, it.en, it.sources + extra))
    else:
        for f, std in higher:
            items.append(_item("contradicted", f, f"优惠结束后按{_money(std, cur, period)['zh']}收费，高于广告价{adv['zh']}",
                               f"after the promotion the price is {_money(std, cur, period)['en']}, above the advertised {adv['en']}"))
        for f in standard_same:
            items.append(_item("confirmed", f, f"优惠期后的标准价格为{adv['zh']}", f"the standard price after the promotion is {adv['en']}"))
    return items


def _price_extra_fees(report: Any, p: float, cur: str | None) -> list[_Item]:
    """Other monthly fees on top of the advertised price."""
    items: list[_Item] = []
    for f in _of(report, "extra_fees"):
        fv = f.values
        if fv.get("amount") is not None and fv.get("period") == "month" and _same_currency(cur, fv.get("currency")) \
                and float(fv["amount"]) != p:
            fee = _money(fv["amount"], fv.get("currency") or cur, "month")
            items.append(_item("qualified", f, f"广告价之外每月还要付{fee['zh']}", f"on top of the advertised price, {fee['en']} more a month"))
    return items


def _price_stated(doc: _Doc, p: float, cur: str | None, period: str, adv: dict[str, str]) -> list[_Item]:
    """The same price stated plainly in the agreement (the first such statement)."""
    needle = f"{_clean(p)}"
    for s, src in doc.statements(needle):
        if any(a == p and per in (period, None) for a, per, _ in _amounts(s, cur)) and \
                regex.search(r"月租|月费|套餐|资费|元/月|每月|per\s+month|a\s+month|/\s*mo|monthly|plan|price|rate", s, regex.I) \
                and not regex.search(r"最低消费|minimum", s, regex.I):
            return [_stmt_item("confirmed", "price", src, f"协议写明的价格同为{adv['zh']}", f"the agreement states the same price, {adv['en']}")]
    return []


def _check_price(c: AdvertClaim, report: Any, doc: _Doc) -> list[_Item]:
    v = c.values
    if v.get("free"):
        return _check_free_months(c, report)
    items: list[_Item] = []
    p, cur = float(v["amount"]), v.get("currency")
    period = v.get("period") or "month"
    adv = _money(p, cur, period)
    if period == "month":
        items += _price_vs_minimum_spend(report, p, cur, adv)
    items += _price_vs_promos(c, report, p, cur, period, adv)
    items += _price_extra_fees(report, p, cur)
    if not any(i.status != "confirmed" for i in items):
        items += _price_stated(doc, p, cur, period, adv)
    return items


_FREE_IN = cached_compile(
    rf"(?:首月|第一个月|前\s*(?P<m>\d+|[{_CN}]+)\s*个?月)[^。；;，,]{{0,8}}?(?:免费|免月租|月租全免|0元|零元)"
    rf"|\bfirst\s+(?:month|(?P<mw>\d+|{_EN_WORDS})\s+months)\b[^.;,]{{0,20}}?\b(?:free|at\s+no\s+(?:charge|cost))\b",
    regex.I)


def _check_free_months(c: AdvertClaim, report: Any) -> list[_Item]:
    n = int(c.values.get("months") or 1)
    items: list[_Item] = []
    for f in _of(report, "promo_price_expiry"):
        ev = f.evidence
        if "trial-credit" in f.pattern or "体验金" in ev:
            amt = f.values.get("amount")
            what = _money(amt, f.values.get("currency"), None) if amt is not None else {"zh": "一笔", "en": "a"}
            items.append(_item("qualified", f, f"“免费”只是一次性赠送的{what['zh']}体验金，之后按月租扣费",
                               f"the free month is only a one-off credit of {what['en']}; the monthly fee applies afterwards"))
            continue
        fm = _FREE_IN.search(ev)
        if not fm:
            continue
        m = _int(fm.group("m") or fm.group("mw")) or 1
        std = f.values.get("amount")
        after_zh = f"，之后按{_money(std, f.values.get('currency'), 'month')['zh']}收费" if std else ""
        after_en = f", then {_money(std, f.values.get('currency'), 'month')['en']}" if std else ""
        if m < n:
            items.append(_item("contradicted", f, f"免费期只有{m}个月，不是{n}个月{after_zh}",
                               f"the free period is {m} month(s), not {n}{after_en}"))
        else:
            items.append(_item("confirmed", f, f"前{m}个月免费{after_zh}", f"free for the first {m} month(s){after_en}"))
    return items


# --- data --------------------------------------------------------------------

_GENERAL_IN = cached_compile(r"(?P<n>\d+(?:\.\d+)?)\s*(?:GB|G)\s*(?:的|为|是)?(?:全国|国内)?通用(?:流量)?"
                            r"|(?P<n2>\d+(?:\.\d+)?)\s*GB\s+(?:of\s+)?(?:general|standard|high[- ]speed|anytime|regular)\s+data", regex.I)
_DIRECTIONAL_IN = cached_compile(r"(?P<n>\d+(?:\.\d+)?)\s*(?:GB|G)\s*(?:的|为|是)?(?:定向|专属|区域|省内|本地)(?:流量)?"
                                r"|(?P<n2>\d+(?:\.\d+)?)\s*GB\s+(?:of\s+)?(?:zero[- ]rated|app[- ]only|streaming|social|video)\b", regex.I)


def _first_num(rx: regex.Pattern[str], text: str) -> float | None:
    m = rx.search(text)
    if not m:
        return None
    return float(m.group("n") or m.group("n2"))


def _check_unlimited(report: Any) -> list[_Item]:
    """"Unlimited data" against the agreement's caps and throttles."""
    items: list[_Item] = []
    for f in _of(report, "data_cap_throttle"):
        fv = f.values
        after_zh = f"用满{_clean(fv['data_gb'])}GB后" if fv.get("data_gb") else "超过一定用量后"
        after_en = f"after {_clean(fv['data_gb'])}GB" if fv.get("data_gb") else "after a usage threshold"
        if _OVERAGE.search(f.evidence):
            items.append(_item("contradicted", f, f"{after_zh}超出部分另外收费，并非不限量",
                               f"usage {after_en} is charged extra; it is not unlimited"))
        elif _CAP_WORDS.search(f.evidence) and fv.get("data_gb"):
            items.append(_item("contradicted", f, f"{after_zh}停用或封顶，并非不限量",
                               f"data stops or is capped {after_en}; it is not unlimited"))
        else:
            sp = fv.get("speed_kbps")
            spd = (f"{_clean(sp / 1000)}Mbps" if sp >= 1000 else f"{_clean(sp)}kbps") if sp else ""
            sp_zh = f"降到{spd}" if sp else "限速"
            sp_en = f"slowed to {spd}" if sp else "slowed down"
            items.append(_item("qualified", f, f"{after_zh}{sp_zh}，不限量但不是全速",
                               f"{sp_en} {after_en}: unlimited, but not at full speed"))
    for p in _prot(report, "data_cap_throttle"):
        items.append(_item("confirmed", p, "协议写明不限速/不封顶", "the agreement says data is not throttled or capped"))
    return items


def _data_vs_directional(report: Any, n: float, kind: str) -> list[_Item]:
    """An allowance of which the agreement makes part app-only (directional) data."""
    items: list[_Item] = []
    directional = _of(report, "directional_data")
    stated = [f for f in directional if f.values.get("data_gb") is not None or _DIRECTIONAL_IN.search(f.clause)]
    for f in (stated or directional)[:2]:
        d = f.values.get("data_gb")
        if d is None:
            d = _first_num(_DIRECTIONAL_IN, f.clause)
        g = _first_num(_GENERAL_IN, f.clause)
        if g is not None and g >= n:
            items.append(_item("confirmed", f, f"通用流量{_clean(g)}G，另有定向流量", f"{_clean(g)}GB general data, plus app-only data"))
            continue
        if d is not None and g is not None:
            split_zh = f"{_clean(g)}G通用 + {_clean(d)}G定向"
            split_en = f"{_clean(g)}GB general + {_clean(d)}GB app-only"
        elif d is not None:
            split_zh, split_en = f"{_clean(d)}G定向", f"{_clean(d)}GB app-only"
        else:
            split_zh, split_en = "部分流量为定向流量（数量未写明）", "part of the data is app-only (amount not stated)"
        if kind == "general":
            items.append(_item("contradicted", f, f"{split_zh}，定向流量只能在指定APP或地区使用",
                               f"{split_en}; app-only data works only in named apps or regions"))
        else:
            items.append(_item("qualified", f, f"{split_zh}，其中定向部分只能在指定APP或地区使用",
                               f"{split_en}; the app-only part works only in named apps or regions"))
    return items


def _data_vs_caps(report: Any, n: float, ng: int | float) -> list[_Item]:
    """A cap or throttle below the advertised allowance."""
    items: list[_Item] = []
    for f in _of(report, "data_cap_throttle"):
        cap = f.values.get("data_gb")
        if cap is not None and float(cap) < n:
            if _CAP_WORDS.search(f.evidence):
                items.append(_item("contradicted", f, f"用满{_clean(cap)}GB后停用或封顶，少于广告的{ng}G",
                                   f"data stops or is capped after {_clean(cap)}GB, less than the advertised {ng}GB"))
            else:
                items.append(_item("qualified", f, f"用满{_clean(cap)}GB后限速", f"speed is reduced after {_clean(cap)}GB"))
    return items


def _data_stated(doc: _Doc, ng: int | float) -> list[_Item]:
    """The same allowance stated plainly in the agreement (the first such statement)."""
    for s, src in doc.statements(f"{ng}"):
        hit = regex.search(rf"(?<![\d.]){regex.escape(str(ng))}\s*(?:GB|G)(?![a-z])", s, regex.I)
        if hit and regex.search(r"流量|data|allowance", s, regex.I) and not regex.search(r"定向|zero[- ]rated|限速|throttl", s, regex.I):
            return [_stmt_item("confirmed", "data", src, f"协议写明同样的{ng}G流量", f"the agreement states the same {ng}GB of data")]
    return []


def _check_data(c: AdvertClaim, report: Any, doc: _Doc) -> list[_Item]:
    v = c.values
    if v.get("unlimited"):
        return _check_unlimited(report)
    items: list[_Item] = []
    n = float(v["data_gb"])
    kind = v.get("data_kind", "unspecified")
    ng = _clean(n)
    if kind == "directional":
        for f in _of(report, "directional_data"):
            d = f.values.get("data_gb") or _first_num(_DIRECTIONAL_IN, f.clause)
            if d is not None and float(d) == n:
                items.append(_item("confirmed", f, f"协议同样写明{ng}G定向流量", f"the agreement states the same {ng}GB of app-only data"))
        return items
    items += _data_vs_directional(report, n, kind)
    items += _data_vs_caps(report, n, ng)
    if kind in ("general", "unspecified"):
        for p in _prot(report, "directional_data"):
            items.append(_item("confirmed", p, "协议写明全部为通用流量", "the agreement says all data is general data"))
    if not any(i.status != "confirmed" for i in items):
        items += _data_stated(doc, ng)
    return items


# --- no contract -------------------------------------------------------------

def _check_no_contract(c: AdvertClaim, report: Any) -> list[_Item]:
    items: list[_Item] = []
    locks = _of(report, "lock_in")
    etf_at = {(f.location.start, f.location.end) for f in _of(report, "early_termination_fee")}
    for f in locks:
        m = f.values.get("months")
        if m is None and (f.location.start, f.location.end) in etf_at:
            continue  # "cancel before the end of the minimum term … fee": said by the fee item
        what_zh = f"合约期/最短期限{_clean(m)}个月" if m else "规定了合约期/最短期限"
        what_en = f"a {_clean(m)}-month minimum term" if m else "a minimum term"
        items.append(_item("contradicted", f, what_zh, what_en))
    for f in _of(report, "early_termination_fee"):
        amt = f.values.get("amount")
        fee = _money(amt, f.values.get("currency"), None) if amt is not None else None
        fee_zh = f"提前离网要付{fee['zh']}" if fee else "提前离网要付违约金或退还优惠"
        fee_en = f"leaving early costs {fee['en']}" if fee else "leaving early costs a penalty or repaying discounts"
        status = "contradicted" if (locks or c.values.get("mode") == "no_fee") else "qualified"
        items.append(_item(status, f, fee_zh, fee_en))
    for p in _prot(report, "lock_in") + _prot(report, "early_termination_fee"):
        items.append(_item("confirmed", p, "协议写明无合约期/可随时离开", "the agreement says there is no minimum term / you can leave"))
    return items


# --- refundable --------------------------------------------------------------

def _check_refundable(c: AdvertClaim, report: Any) -> list[_Item]:
    items: list[_Item] = []
    want = c.values.get("days")
    for f in _of(report, "refund_restriction"):
        days = f.values.get("days")
        if "non-refundable" in f.pattern or (not days and _NO_REFUND.search(f.evidence)
                                             and not _CONDITION_WORDS.search(f.evidence)):
            # said of the money outright, whichever pattern found it
            items.append(_item("contradicted", f, "协议写明已付费用不退", "the agreement says money paid is not refunded"))
            continue
        cond = _CONDITION_WORDS.search(f.evidence)
        window_zh = f"只在{_clean(days)}天内" if days else "只在限定条件下"
        window_en = f"only within {_clean(days)} days" if days else "only under conditions"
        if want and days and float(days) < float(want):
            items.append(_item("contradicted", f, f"退款期只有{_clean(days)}天，不是{want}天",
                               f"the refund window is {_clean(days)} days, not {want}"))
        elif not cond and days and (not want or float(days) >= float(want)):
            items.append(_item("confirmed", f, f"{_clean(days)}天内可退款", f"refunds within {_clean(days)} days"))
        else:
            cond_zh = f"，条件：“{cond.group(0)}”" if cond else ""
            cond_en = f", condition: \"{cond.group(0)}\"" if cond else ""
            items.append(_item("qualified", f, f"{window_zh}可退{cond_zh}", f"refunds {window_en}{cond_en}"))
    for f in _of(report, "balance_expiry"):
        if regex.search(r"不(?:予|可|能)?退|non-?refundable|not\s+refund", f.evidence, regex.I):
            items.append(_item("qualified", f, "余额或赠送部分不退", "the balance or gifted credit is not refunded"))
    for p in _prot(report, "refund_restriction"):
        items.append(_item("confirmed", p, "协议写明可全额退款", "the agreement promises a full refund"))
    return items


# --- free activation -----------------------------------------------------------

_FEE_WORDS = {
    "activation": r"激活费|开卡费|开户费|卡费|选号费|入网费|\bactivation\b|\bset-?up\b|\bconnection\b|\bsign-?up\b|\bsim(?:\s+card)?\s+(?:fee|charge)",
    "sim": r"卡费|工本费|sim(?:\s+card)?\s+(?:fee|charge)",
    "shipping": r"运费|邮费|快递费|配送费|\bshipping\b|\bdelivery\b|\bpostage\b",
    "first_topup": r"$^",
    "installation": r"安装费|调测费|上门费|\binstall(?:ation)?\s+(?:fee|charge)s?\b|\binstallation\b",
}
_FEE_NAMES = [  # (regex on the matched fee word, zh name, en name)
    (r"激活费", "激活费", "an activation fee"), (r"开卡费", "开卡费", "a card opening fee"),
    (r"开户费", "开户费", "an account opening fee"), (r"选号费", "选号费", "a number selection fee"),
    (r"入网费", "入网费", "a connection fee"), (r"工本费", "工本费", "a card production fee"),
    (r"卡费", "卡费", "a card fee"), (r"运费|邮费|快递费|配送费", "运费", "a shipping fee"),
    (r"activation", "激活费", "an activation fee"), (r"set-?up", "开通费", "a setup fee"),
    (r"connection", "接入费", "a connection fee"), (r"sign-?up", "注册费", "a sign-up fee"),
    (r"sim", "SIM卡费", "a SIM card fee"), (r"shipping|delivery|postage", "运费", "a shipping fee"),
    (r"安装费|调测费|上门费|install", "安装费", "an installation fee"),
]


def _fee_names(word: str) -> tuple[str, str]:
    for rx, zh, en in _FEE_NAMES:
        if regex.search(rx, word, regex.I):
            return zh, en
    return word, word


_TOPUP = cached_compile(r"首充|首次充值|充值|预存|top[- ]?up|recharge|first\s+payment|initial\s+payment|prepay", regex.I)


def _check_free_activation(c: AdvertClaim, report: Any) -> list[_Item]:
    items: list[_Item] = []
    what = c.values.get("what", "activation")
    if what in ("activation", "first_topup", "sim"):
        for f in _of(report, "activation_definition"):
            if not _TOPUP.search(f.evidence):
                continue
            amt = f.values.get("amount")
            pay = _money(amt, f.values.get("currency"), None) if amt is not None else None
            items.append(_item("contradicted", f,
                               f"激活需要先充值{pay['zh']}" if pay else "激活需要先充值（首充）",
                               f"activation requires a first top-up of {pay['en']}" if pay else "activation requires a first top-up"))
    fee_rx = regex.compile(_FEE_WORDS[what], regex.I)
    for f in _of(report, "extra_fees"):
        m = fee_rx.search(f.evidence)
        if not m:
            continue
        try:
            vals = V.pick(f.evidence, ["amount"], (m.start(), m.end()))
        except TimeoutError:
            vals = {}
        amt = vals.get("amount")
        fee = _money(amt, vals.get("currency"), None) if amt is not None and float(amt) > 0 else None
        zh_name, en_name = _fee_names(m.group(0))
        items.append(_item("contradicted", f, f"收取{zh_name}{fee['zh']}" if fee else f"收取{zh_name}",
                           f"{en_name} of {fee['en']} is charged" if fee else f"{en_name} is charged"))
    ok_rx = regex.compile(_FEE_WORDS[what] + (r"|包邮|免邮|免运费|free\s+(?:shipping|delivery)" if what == "shipping" else ""),
                          regex.I) if what != "first_topup" \
        else regex.compile(r"无需首充|免首充|不需(?:要)?首充|no\s+(?:top[- ]?up|initial\s+payment)", regex.I)
    for p in _prot(report, "extra_fees"):
        if ok_rx.search(p.evidence):
            items.append(_item("confirmed", p, "协议写明免收该费用", "the agreement says this fee is not charged"))
    return items


# ---------------------------------------------------------------------------

_KIND_ZH = {"price": "价格", "data": "流量", "no_contract": "无合约", "refundable": "可退款",
            "free_activation": "免费激活", "gift": "赠送", "no_prepay": "无需预存", "other": "其他说法"}


def _check_gift(c: AdvertClaim, report: Any) -> list[_Item]:
    """A gift ("首充100送120") is usually paid by the month and lost, or taken back, on leaving."""
    items: list[_Item] = []
    for f in _of(report, "installment_credit"):
        a, m = f.values.get("amount"), f.values.get("months")
        how = (f"分{_clean(m)}个月发放，每月{_money(a, f.values.get('currency'), None)['zh']}" if a is not None and m
               else f"分{_clean(m)}个月发放" if m else "分期发放")
        how_en = (f"paid over {_clean(m)} months, {_money(a, f.values.get('currency'), None)['en']} a month" if a is not None and m
                  else f"paid over {_clean(m)} months" if m else "paid in instalments")
        items.append(_item("qualified", f, f"赠送款{how}，提前离开时未发放的部分通常作废", f"the gift is {how_en}; what is unpaid when you leave is usually lost"))
    for f in _of(report, "balance_expiry"):
        if regex.search(r"赠送|赠款|返还|gift|bonus|credit", f.evidence, regex.I):
            items.append(_item("qualified", f, "赠送的金额有使用期限或不能退", "the gift expires or cannot be refunded"))
    return items[:MAX_ITEMS]


def _check_no_prepay(c: AdvertClaim, report: Any) -> list[_Item]:
    """"0元预存": an agreement that requires a first top-up or a prepayment says otherwise."""
    items: list[_Item] = []
    for cat in ("activation_definition", "refund_restriction"):
        for f in _of(report, cat):
            if _TOPUP.search(f.evidence) and isinstance(f.values.get("amount"), (int, float)) and f.values["amount"] > 0:
                pay = _money(f.values["amount"], f.values.get("currency"), None)
                items.append(_item("contradicted", f, f"须先充值/预存{pay['zh']}", f"a first top-up or prepayment of {pay['en']} is required"))
                break
    return items


def _explain(c: AdvertClaim, status: str, items: list[_Item]) -> dict[str, str]:
    if status == "unverified":
        return {"zh": f"广告：{c.advert}；协议：没有找到相关条款，既未证实也未否定。付款前请商家书面确认。",
                "en": f"Advert: {c.advert}; agreement: nothing found either way. Ask the seller to confirm it in writing before paying."}
    ordered = sorted(items, key=lambda i: -STATUS_ORDER[i.status])
    lead = {"contradicted": ("协议与广告相反", "the agreement says otherwise"),
            "qualified": ("协议附加了条件", "the agreement adds conditions"),
            "confirmed": ("协议与广告一致", "the agreement says the same")}[status]
    zh = "；".join(i.zh for i in ordered)
    en = "; ".join(i.en for i in ordered)
    return {"zh": f"广告：{c.advert}；协议：{zh}。{lead[0]}。",
            "en": f"Advert: {c.advert}; agreement: {en}. In short, {lead[1]}."}


_NEGATED = cached_compile(r"(?:不|无法|非|未|\bnot?|\bnon-?|n't|\bnever)\s*\S{0,2}\s*$", regex.I)
_STATED = {  # claim kind: (the advert's own phrases, the category the statement belongs to, zh, en)
    "no_contract": (_NO_CONTRACT, "lock_in", "协议同样写明", "the agreement says the same"),
    "refundable": (_REFUND, "refund_restriction", "协议同样写明", "the agreement says the same"),
    "free_activation": (_FREE_ACT, "extra_fees", "协议同样写明", "the agreement says the same"),
}


def _stated(c: AdvertClaim, doc: _Doc) -> list[_Item]:
    """The advert's promise in the agreement's own words ("no contract", "全国包邮"), when no
    pattern found a protection: an unconditional statement confirms the claim."""
    rx, category, zh, en = _STATED[c.kind]
    for s, src in doc.statements(""):
        m = rx.search(s)
        if not m or _NEGATED.search(s[max(0, m.start() - 8):m.start()]) \
                or _CONDITION_WORDS.search(s[m.start():m.end() + 40]):
            continue
        if c.kind == "no_contract" and regex.search(r"\bif\b|如果|若|仅|只", s, regex.I):
            continue
        if c.kind == "free_activation":
            found = parse_offer(m.group(0))
            if not found or found[0].values.get("what") != c.values.get("what"):
                continue
        return [_stmt_item("confirmed", category, src, f"{zh}：“{m.group(0)}”", f"{en}: \"{m.group(0)}\"")]
    return []


def check_offer(text: str, report: Any) -> OfferCheck:
    """Each claim of the advert ``text`` checked against the agreement ``report``."""
    doc = _Doc(report)
    claims: list[Claim] = []
    for c in parse_offer(text):
        if c.kind == "price":
            items = _check_price(c, report, doc)
        elif c.kind == "data":
            items = _check_data(c, report, doc)
        elif c.kind == "no_contract":
            items = _check_no_contract(c, report)
        elif c.kind == "refundable":
            items = _check_refundable(c, report)
        elif c.kind == "gift":
            items = _check_gift(c, report)
        elif c.kind == "no_prepay":
            items = _check_no_prepay(c, report)
        elif c.kind == "other":
            items = []  # reported as said, for the buyer to have confirmed in writing
        else:
            items = _check_free_activation(c, report)
        if not items and c.kind in _STATED:
            items = _stated(c, doc)
        seen: set[tuple[str, str]] = set()
        unique = []
        for i in items:  # two protections of one sentence ("无合约期，不收取违约金") say it once
            if (i.status, i.zh) not in seen:
                seen.add((i.status, i.zh))
                unique.append(i)
        items = sorted(unique, key=lambda i: -STATUS_ORDER[i.status])[:MAX_ITEMS]
        status = max((i.status for i in items), key=STATUS_ORDER.__getitem__, default="unverified")
        sources: list[Source] = []
        for i in sorted(items, key=lambda i: -STATUS_ORDER[i.status]):
            for s in i.sources:
                if s not in sources:
                    sources.append(s)
        claims.append(Claim(kind=c.kind, advert=c.advert, status=status, explanation=_explain(c, status, items),
                            sources=tuple(sources), values=dict(c.values)))
    return OfferCheck(text=text, claims=tuple(claims))
