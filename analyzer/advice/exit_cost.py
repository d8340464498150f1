"""What leaving costs, month by month: each exit-fee mechanism a clause states becomes a part
(remaining months x a monthly amount, a fixed fee, a schedule by month, a fee that declines,
gifts forfeited or repaid), and each row adds its parts up (``exit_cost(facts)``)."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from ..engine.values import (
    Mechanism,
    declining_step,
    fee_schedule,
    formula_terms,
    mechanism,
)
from .facts import (
    _NONREF,
    _REMAINING,
    EXIT_MONTHS,
    Facts,
    _by,
    _money_en,
    _money_zh,
    _num,
    _paid_word,
    _ph_for,
    _quote,
    _ref,
    _srcs,
    _t,
)
from .model import (
    CostPart,
    CostRow,
    ExitCost,
    Text,
)

# ---------------------------------------------------------------------------------------------
# exit cost

class _Part:
    """One part of an exit cost: its label, its amount and formula for leaving after month n
    (``fn``/``formula_fn``; ``fn`` None when the amount cannot be known), the clauses it rests
    on and what is missing to compute it."""

    def __init__(self, label: Text, fn: Callable[[int], float | None] | None, formula_fn: Callable[[int], str] | None,
                 sources: Iterable[Any], missing: Iterable[Text] = (), core: bool = True) -> None:
        self.label, self.fn, self.formula_fn = label, fn, formula_fn
        self.sources, self.missing, self.core = tuple(sources), list(missing), core


@dataclass(frozen=True)
class _Clause:
    """An exit-fee finding as the mechanisms read it."""

    f: Any
    ev: str
    formula: str
    mech: Mechanism | None
    amount: float | None
    percent: float | None
    period: Any
    remaining: bool

    @classmethod
    def of(cls, f: Any) -> _Clause:
        v, ev = f.values, f.evidence
        formula = v.get("formula", "") or ""
        mech = mechanism(formula)
        amount = v.get("amount") if isinstance(v.get("amount"), (int, float)) else None
        percent = v.get("percent") if isinstance(v.get("percent"), (int, float)) else None
        remaining = bool((mech is not None and mech.remaining_months) or (_REMAINING.search(ev) and re.search(
            r"最低消费|承诺消费|消费额|月租|月费|会费|monthly|charges|dues|payments|[×x*]", ev, re.I)
            and not (mech is Mechanism.PRICE_DIFFERENCE or mech is Mechanism.COMMITTED_TOTAL
                     or mech is Mechanism.REMAINING_BALANCE or (mech is not None and mech.repays))))
        return cls(f, ev, formula, mech, amount, percent, v.get("period"), remaining)


# A mechanism reads one clause: None when the clause is not of its kind, _SKIP when the clause
# is counted elsewhere, else (slot, key, part): "core" parts add up in the table, "other" ones
# are noted beside it (or used when there is no core part). The first mechanism that answers wins.
_Slot = tuple[str, str, _Part | None]  # the part is None in _SKIP only
_SKIP: _Slot = ("skip", "", None)


def _term_missing(F: Facts) -> list[dict[str, str]]:
    if F.term:
        return []
    if F.term_ph:
        return [_t(f"合约期长度（协议中为模板占位符 {F.term_ph}）", f"the length of the term (a template placeholder {F.term_ph} in the agreement)")]
    return [_t("合约期长度（协议未写明）", "the length of the term (not stated in the agreement)")]


def _tn(F: Facts) -> str:
    return str(F.term) if F.term else "T"


def _arrears(F: Facts, c: _Clause) -> _Slot | None:
    """A penalty for unpaid bills when the account is closed, not a price of leaving."""
    if (re.search(r"欠费|arrears|past due|unpaid", c.ev, re.I) and not _REMAINING.search(c.ev.split("欠费")[-1] if "欠费" in c.ev else "")
            and (c.mech is Mechanism.COMMITTED_TOTAL or not c.formula)):
        return "other", "arrears", _Part(_t("欠费被销号时追缴", "if the account is closed for arrears"), None, None, [c.f], core=False)
    return None


def _price_difference(F: Facts, c: _Clause) -> _Slot | None:
    if not (c.mech is Mechanism.PRICE_DIFFERENCE or re.search(r"零售价.{0,12}差额", c.ev)):
        return None
    miss = [_t("购机零售价与优惠购机价（协议未写明金额）", "the retail and the discounted device price (no amounts stated)")] + _term_missing(F)
    tn = _tn(F)
    return "core", "price_diff", _Part(
        _t("违约金：差价 × 未完成月数 / 合约月数", "Penalty: price difference x remaining months / contract months"),
        None, lambda n: f"(retail price - contract price) x ({tn} - {n}) / {tn}", [c.f], miss)


def _subsidy(F: Facts, c: _Clause) -> _Slot | None:
    if not re.search(r"补贴.{0,10}[×x*].{0,16}剩余.{0,16}[÷/]", c.ev):
        return None
    m = re.search(r"[÷/]\s*(\d+)", c.ev)
    d = int(m.group(1)) if m else F.term
    miss = [_t("购机补贴金额（协议未写明）", "the device subsidy amount (not stated)")] + _term_missing(F)
    tn = _tn(F)
    return "core", "subsidy", _Part(
        _t(f"违约金：购机补贴 × 剩余月数 / {d or '合约月数'}", f"Penalty: device subsidy x remaining months / {d or 'contract months'}"),
        None, lambda n: f"subsidy x ({tn} - {n}) / {d or tn}", [c.f], miss)


def _schedule(F: Facts, c: _Clause) -> _Slot | None:
    sched = fee_schedule(c.ev)
    return ("core", "schedule", _schedule_part(F, c.f, sched)) if sched else None


def _remaining_rate(F: Facts, c: _Clause) -> tuple[float | None, Any, tuple[str, str]]:
    """The monthly amount the remaining months are charged at, its clause and its name."""
    if c.amount is not None and c.period == "month":
        return float(c.amount), c.f, ("每月费率", "monthly rate")
    if (re.search(r"最低消费|承诺消费|保底", c.ev) or (c.mech is not None and c.mech.on_minimum_spend)) and (
            F.minimum is not None or F.min_ph or F.monthly is None):
        return F.minimum, F.min_src, ("月最低消费", "monthly minimum spend")
    return F.monthly, F.monthly_src, ("月费", "monthly charge")


def _remaining_factor(c: _Clause) -> float:
    """The share of the remaining amount owed: "30% of", "x 2", "less 4%"."""
    factor = 1.0
    pm = re.search(r"[×x*]\s*(\d+(?:\.\d+)?)\s*[%％]|(\d+(?:\.\d+)?)\s*[%％]\s*of the remain|(?:总额|费|额|月租|消费)的\s*(\d+(?:\.\d+)?)\s*[%％]|(\d+(?:\.\d+)?)\s*[%％]\s*(?:of|的)", c.ev, re.I)
    if pm:
        factor = float(next(g for g in pm.groups() if g)) / 100
    elif c.percent and c.mech is Mechanism.REMAINING_BALANCE:
        factor = float(c.percent) / 100
    less = re.search(r"(?:\bless|\bminus|\bdiscounted by|减去|扣除|减免)\s*(\d+(?:\.\d+)?)\s*[%％]", c.ev, re.I)
    if less and not pm:  # "the charges remaining, less 4% for the costs we save"
        factor = 1 - float(less.group(1)) / 100
    return factor * formula_terms(c.formula).multiple  # "按剩余月份乘以月最低消费额的2倍": twice the minimum


def _remaining_missing(F: Facts, c: _Clause, rate: float | None, rate_name: tuple[str, str]) -> list[dict[str, str]]:
    miss = _term_missing(F)
    if re.search(r"minus VAT|excluding VAT|less VAT|不含税|扣除增值税", c.ev, re.I):
        miss.append(_t("增值税部分（条款规定扣除增值税，表中数字未扣除）", "the VAT part (the clause deducts VAT; the figures here include it)"))
    if rate is None:
        if rate_name[0] == "月最低消费" and F.min_ph:
            miss.append(_t(f"月最低消费金额（协议中为模板占位符 {F.min_ph}）", f"the monthly minimum spend (a template placeholder {F.min_ph} in the agreement)"))
        else:
            miss.append(_t(f"{rate_name[0]}金额（协议未写明）", f"the {rate_name[1]} (not stated in the agreement)"))
    return miss


def _remaining_label(F: Facts, rate_name: tuple[str, str], factor: float, terms: Any) -> tuple[Text, str]:
    """The part's label in both languages and the factor as the formula shows it (" x 20% (at least 300)")."""
    cur = F.currency
    fac = "" if factor == 1 else (f" x {_num(factor)}" if factor > 1 else f" x {_num(factor * 100)}%")
    fac_zh = "" if factor == 1 else (f" × {_num(factor)}" if factor > 1 else f" × {_num(factor * 100)}%")
    plain = fac
    if terms.at_most is not None or terms.at_least is not None:
        fac += "".join([f" (at most {_num(terms.at_most)})" if terms.at_most is not None else "",
                        f" (at least {_num(terms.at_least)})" if terms.at_least is not None else ""])
    bounds_zh = "".join([f"，最高{_money_zh(terms.at_most, cur)}" if terms.at_most is not None else "",
                         f"，最低{_money_zh(terms.at_least, cur)}" if terms.at_least is not None else ""])
    bounds_en = "".join([f", at most {_money_en(terms.at_most, cur)}" if terms.at_most is not None else "",
                         f", at least {_money_en(terms.at_least, cur)}" if terms.at_least is not None else ""])
    label = _t(f"违约金：剩余月数 × {rate_name[0]}{fac_zh}{bounds_zh}",
               f"Penalty: remaining months x {rate_name[1]}{plain}{bounds_en}")
    return label, fac


def _remaining(F: Facts, c: _Clause) -> _Slot | None:
    """The remaining months of the term at a monthly amount, with a share, a multiple, a cap or a floor."""
    if not (c.remaining or (c.mech is Mechanism.REMAINING_BALANCE and c.percent)):
        return None
    T = F.term
    rate, rate_src, rate_name = _remaining_rate(F, c)
    factor = _remaining_factor(c)
    terms = formula_terms(c.formula)
    if c.amount is not None and c.period in ("once", None) and (terms.higher_of or _HIGHER_OF.search(c.ev)):
        # "剩余最低消费总额的50%或200元，以较高者为准": the fixed amount is a floor
        terms = replace(terms, at_least=max(float(c.amount), terms.at_least or 0.0))
    label, fac = _remaining_label(F, rate_name, factor, terms)
    srcs = [c.f] + ([rate_src] if rate_src is not None else [])
    if rate is not None and T and F.tier and rate_src is F.monthly_src and rate == F.monthly:
        def fn(n: int) -> float | None:
            owed = F.owed(n, T)[0]
            return terms.bound(owed * factor) if owed is not None else None

        def ffn(n: int) -> str:
            return f"({F.owed(n, T)[1]}){fac}" if fac else F.owed(n, T)[1]
    else:
        def fn(n: int) -> float | None:
            return terms.bound(max(T - n, 0) * rate * factor) if (rate is not None and T) else None

        r_show = _num(rate) if rate is not None else ("min" if rate_name[1].startswith("monthly minimum") else "monthly")
        tn = _tn(F)

        def ffn(n: int) -> str:
            return f"({tn} - {n}) x {r_show}{fac}"
    computable = rate is not None and bool(T)
    return "core", "remaining", _Part(label, fn if computable else None, ffn, srcs,
                                      _remaining_missing(F, c, rate, rate_name))


def _balance(F: Facts, c: _Clause) -> _Slot | None:
    if c.mech is not Mechanism.REMAINING_BALANCE:
        return None
    return "core", "balance", _Part(
        _t("剩余未付款项一次付清", "The remaining balance, due at once"), None,
        lambda n: f"remaining balance (device or plan) at month {n}", [c.f],
        [_t("剩余未付款项的金额（协议未写明）", "the remaining balance owed (not stated)")])


def _repays(F: Facts, c: _Clause) -> _Slot | None:
    return _SKIP if (c.mech is not None and c.mech.repays) else None  # counted with the gifted credit


def _fixed(F: Facts, c: _Clause) -> _Slot | None:
    """A stated amount ("违约金300元", "a $200 early termination fee"), possibly declining per month served."""
    if not (c.amount is not None and c.period in ("once", None) and re.search(
            r"(违约金|解约金|手续费|fee|charge|penalty|damages)[^。；;，,]{0,40}?[$€£]?\s?\d|\d+(\.\d+)?\s*(元|美元|欧元)[^。；;，,]{0,6}(违约金|解约金)", c.ev, re.I)):
        return None
    cur, a = F.currency, float(c.amount)
    step = declining_step(c.ev)
    if step:
        return "core", "fixed", _Part(
            _t(f"违约金：最高{_money_zh(a, cur)}，每月减少{_money_zh(step, cur)}", f"Penalty: up to {_money_en(a, cur)}, down {_money_en(step, cur)} a month"),
            lambda n: max(a - step * n, 0.0), lambda n: f"{_num(a)} - {_num(step)} x {n}", [c.f])
    upto = bool(re.search(r"up to|最高|不超过", c.ev, re.I))
    return "core", "fixed", _Part(
        _t(f"违约金{'（最高）' if upto else ''}{_money_zh(a, cur)}", f"Penalty{' (up to)' if upto else ''}: {_money_en(a, cur)}"),
        lambda n: a, lambda n: _num(a), [c.f])


def _placeholder(F: Facts, c: _Clause) -> _Slot | None:
    ph = _ph_for(c.ev, "etf")
    if not ph:
        return None
    return "other", "placeholder", _Part(
        _t("违约金（金额为空白）", "Penalty (amount left blank)"), None, lambda n: "penalty (blank in the agreement)", [c.f],
        [_t(f"违约金金额（协议中为空白/模板占位符 {ph}）", f"the penalty amount (blank / template placeholder {ph} in the agreement)")])


def _committed(F: Facts, c: _Clause) -> _Slot | None:
    if c.mech is not Mechanism.COMMITTED_TOTAL:
        return None
    return "other", "committed", _Part(
        _t("约定消费总额 − 已消费金额", "Committed total spend - amount already spent"), None,
        lambda n: f"committed total - spent by month {n}", [c.f],
        [_t("约定消费总额（协议未写明）", "the committed total spend (not stated)")])


def _percent(F: Facts, c: _Clause) -> _Slot | None:
    if not (c.percent and not c.remaining):
        return None
    p = c.percent
    return "other", "percent", _Part(
        _t(f"违约金：{_num(p)}%（基数见条款）", f"Penalty: {_num(p)}% (of the base the clause names)"), None,
        lambda n: f"{_num(p)}% x base", [c.f],
        [_t("违约金百分比的计算基数金额（协议未写明）", "the amount the percentage applies to (not stated)")])


def _unspecified(F: Facts, c: _Clause) -> _Slot | None:
    return "other", "unspecified", _Part(
        _t("提前解约费用（金额未写明）", "Early termination fee (amount not stated)"), None, lambda n: "early termination fee (not stated)", [c.f],
        [_t("违约金金额或计算方法（协议未写明）", "the fee amount or how it is calculated (not stated)")])


# in order: the first that reads a clause decides its part
_MECHANISMS: tuple[Callable[[Facts, _Clause], _Slot | None], ...] = (
    _arrears, _price_difference, _subsidy, _schedule, _remaining, _balance, _repays, _fixed,
    _placeholder, _committed, _percent, _unspecified)


def _etf_mechanisms(F: Facts) -> tuple[list[_Part], list[dict[str, str]]]:
    """The exit-fee mechanisms (one part per kind) and notes for the clauses not used in the sums."""
    slots: dict[str, dict[str, _Part]] = {"core": {}, "other": {}}
    for f in F.etfs:
        c = _Clause.of(f)
        for read in _MECHANISMS:
            slot = read(F, c)
            if slot is None:
                continue
            part = slot[2]
            if part is not None:  # not _SKIP
                slots[slot[0]].setdefault(slot[1], part)
            break
    core, other = slots["core"], slots["other"]
    if core:
        notes = [_t(f"{_ref(F.text, p.sources[0])['zh']}另有规定：“{_quote(p.sources[0])}”（未计入下表）",
                    f"{_ref(F.text, p.sources[0])['en']} also says: \"{_quote(p.sources[0])}\" (not in the table)")
                 for p in other.values()]
        return list(core.values()), notes
    parts = [p for k, p in other.items() if k != "arrears"]
    if not parts and (F.lock or F.mins):
        parts = [_no_fee_stated(F)]
    return parts, []


def _no_fee_stated(F: Facts) -> _Part:
    """No exit fee stated: with a minimum spend, what it still costs for the rest of the term;
    with a lock-in alone, a cost that is not stated."""
    if F.lock and not F.mins:
        return _Part(_t(f"提前{F.leave_zh}费用（协议未写明）", "Cost of leaving early (not stated)"), None,
                     lambda n: "exit fee (not stated)", [F.lock[0]],
                     [_t(f"提前{F.leave_zh}的违约金金额或计算方法（协议未写明）", "the early-exit fee or how it is calculated (not stated)")])
    T, rate, src = F.term, F.minimum, F.min_src
    miss = _term_missing(F)
    if rate is None:
        miss.append(_t(f"月最低消费金额（协议中为模板占位符 {F.min_ph}）", f"the monthly minimum spend (a template placeholder {F.min_ph} in the agreement)")
                    if F.min_ph else _t("月最低消费金额（协议未写明）", "the monthly minimum spend (not stated)"))
    tn = _tn(F)
    return _Part(_t("合约期内剩余月份的最低消费", "Minimum spend still owed for the rest of the term"),
                 (lambda n: max(T - n, 0) * rate) if (rate is not None and T) else None,
                 lambda n: f"({tn} - {n}) x {_num(rate) if rate is not None else 'min'}",
                 [x for x in (src, F.term_src) if x is not None] or F.mins[:1], miss)


_HIGHER_OF = re.compile(r"孰高|较高者|两者取高|取其高|(?:greater|higher) of|whichever is (?:greater|higher|more)", re.I)


_AFTER_PROMO = re.compile(r"恢复|标准|之后|此后|起按|期满后|结束后|after|then|regular|standard|thereafter|from month", re.I)


def _standard_price(F: Facts, p: Any) -> float | None:
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


def _schedule_part(F: Facts, f: Any, sched: list[tuple[int, int, float]]) -> _Part:
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


def _credit_parts(F: Facts) -> list[_Part]:
    out: list[_Part] = []
    forfeits = F.forfeits()
    plans = F.credit_plans()
    if forfeits and plans:
        for a, m, f, ph in plans[:2]:
            out.append(_forfeit_part(F, a, m or F.term, ph, [f] + forfeits[:2]))
    repays = F.repays()
    if repays and plans:
        a, m, f, ph = plans[0]
        if a is not None:
            out.append(_repay_part(F, a, m or F.term, repays, repays[:1] + [f]))
    return out


def _forfeit_part(F: Facts, a: float | None, M: int | None, ph: str | None, srcs: list[Any]) -> _Part:
    """Gifted credit forfeited on leaving, of one instalment plan: ``a`` a month for ``M`` months."""
    cur = F.currency
    Ms = str(M) if M else "M"
    miss: list[Text] = []
    if a is None:
        if ph and M:
            miss.append(_t(f"预存/赠送总额（协议中为模板占位符 {ph}）", f"the prepaid/gifted total (a template placeholder {ph} in the agreement)"))
            return _Part(_t(f"未返还的预存/赠送款作废（分{M}个月返还）", f"Unpaid instalments of the prepaid/gifted credit forfeited ({M} instalments)"),
                         None, lambda n: f"{ph} / {Ms} x ({Ms} - {n})", srcs, miss, core=False)
        miss.append(_t("每月返还金额（协议未写明）", "the monthly instalment (not stated)"))
        return _Part(_t("未返还的赠送款作废", "Unpaid gifted credit forfeited"), None,
                     lambda n: f"monthly instalment x ({Ms} - {n})", srcs, miss, core=False)
    if not M:
        miss.append(_t("返还月数（协议未写明）", "the number of instalments (not stated)"))
    return _Part(
        _t(f"未返还的赠送款作废（每月{_money_zh(a, cur)}）", f"Unpaid gifted credit forfeited ({_money_en(a, cur)} a month)"),
        (lambda n: max(M - n, 0) * a) if M else None,
        lambda n: "0 (all paid out)" if (M and n >= M) else f"({Ms} - {n}) x {_num(a)}", srcs, miss, core=False)


def _repay_part(F: Facts, a: float, M: int | None, repays: list[Any], srcs: list[Any]) -> _Part:
    """Gifted credit received so far (``a`` a month for ``M`` months) that leaving repays."""
    cur = F.currency
    miss: list[Text] = []
    if re.search(r"全部优惠|所有优惠|优惠等|及.{0,8}费用|discounts", " ".join(r.evidence for r in repays), re.I):
        miss.append(_t("需退还的其他优惠（赠送款以外）的金额（协议未写明）", "the other benefits to repay besides the gifted credit (no amounts stated)"))
    return _Part(
        _t(f"退还已收到的赠送款（每月{_money_zh(a, cur)}）", f"Repay gifted credit already received ({_money_en(a, cur)} a month)"),
        (lambda n: 0.0 if (F.term and n >= F.term) else min(n, M) * a) if M else (lambda n: 0.0 if (F.term and n >= F.term) else n * a),
        lambda n: "0 (term completed)" if (F.term and n >= F.term) else (f"min({n}, {M}) x {_num(a)}" if M else f"{n} x {_num(a)}"), srcs, miss, core=False)


def _row(F: Facts, n: int, label: Text, parts: list[_Part]) -> CostRow:
    cps: list[CostPart] = []
    amounts: list[float | None] = []
    formulas: list[str] = []
    missing: list[Text] = []
    sources: list[Any] = []
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
    known = [a for a in amounts if a is not None]
    total = round(sum(known), 2) if amounts and len(known) == len(amounts) else None
    at_least = round(sum(known), 2) if total is None and known and sum(known) > 0 else None
    return CostRow(n, label, total, " + ".join(formulas), tuple(cps), tuple(missing), _srcs(sources), at_least)


def exit_cost(F: Facts) -> ExitCost | None:
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
    fees: list[tuple[float, Any]] = []
    for f in _by(F.findings, "extra_fees"):
        a = f.values.get("amount")
        ev = f.evidence
        oneoff = re.search(r"开卡|工本费|首次办卡|入会|初装|安装费|开户|押金|set-?up|enrol|activation|connection charge|installation|一次性|one-time|one-off|sign(ing)? up|joining", ev, re.I)
        cond = re.search(r"每次|/次|补|移机|赔偿|未退还|逾期|滞纳|迟|丢失|损坏|late|returned|declined|restocking|reconnect|transfer|转让|转卡|停卡|per GB|each|per billing|下限|上限|if you|如您|如需|若|not return|unreturn|upgrade", ev, re.I)
        if not oneoff or cond:
            continue
        if (isinstance(a, (int, float)) and f.values.get("period") == "once"
                and (a, f.evidence) not in [(x, y.evidence) for x, y in fees]
                and not any(abs(float(a) - x) < 1e-9 for x, _ in fees)):
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
    tamounts = [p.amount for p in tparts if p.amount is not None]
    tamount = round(sum(tamounts), 2) if len(tamounts) == len(tparts) else None
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


