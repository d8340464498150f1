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
    _money,
    _num,
    _paid_word,
    _ph_for,
    _quote,
    _ref,
    _srcs,
)
from .messages import Text, concat, join, msg
from .model import (
    CostPart,
    CostRow,
    ExitCost,
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


def _term_missing(F: Facts) -> list[Text]:
    if F.term:
        return []
    if F.term_ph:
        return [msg("exit.missing.term_placeholder", placeholder=F.term_ph)]
    return [msg("exit.missing.term")]


def _tn(F: Facts) -> str:
    return str(F.term) if F.term else "T"


def _arrears(F: Facts, c: _Clause) -> _Slot | None:
    """A penalty for unpaid bills when the account is closed, not a price of leaving."""
    if (re.search(r"欠费|arrears|past due|unpaid", c.ev, re.I) and not _REMAINING.search(c.ev.split("欠费")[-1] if "欠费" in c.ev else "")
            and (c.mech is Mechanism.COMMITTED_TOTAL or not c.formula)):
        return "other", "arrears", _Part(msg("exit.part.arrears"), None, None, [c.f], core=False)
    return None


def _price_difference(F: Facts, c: _Clause) -> _Slot | None:
    if not (c.mech is Mechanism.PRICE_DIFFERENCE or re.search(r"零售价.{0,12}差额", c.ev)):
        return None
    miss = [msg("exit.missing.device_prices")] + _term_missing(F)
    tn = _tn(F)
    return "core", "price_diff", _Part(
        msg("exit.part.price_difference"),
        None, lambda n: f"(retail price - contract price) x ({tn} - {n}) / {tn}", [c.f], miss)


def _subsidy(F: Facts, c: _Clause) -> _Slot | None:
    if not re.search(r"补贴.{0,10}[×x*].{0,16}剩余.{0,16}[÷/]", c.ev):
        return None
    m = re.search(r"[÷/]\s*(\d+)", c.ev)
    d = int(m.group(1)) if m else F.term
    miss = [msg("exit.missing.subsidy")] + _term_missing(F)
    tn = _tn(F)
    return "core", "subsidy", _Part(
        msg("exit.part.subsidy", divisor=d or msg("word.contract_months")),
        None, lambda n: f"subsidy x ({tn} - {n}) / {d or tn}", [c.f], miss)


def _schedule(F: Facts, c: _Clause) -> _Slot | None:
    sched = fee_schedule(c.ev)
    return ("core", "schedule", _schedule_part(F, c.f, sched)) if sched else None


_RATE_WORDS = {"rate": "word.monthly_rate", "minimum": "word.monthly_minimum", "charge": "word.monthly_charge"}


def _remaining_rate(F: Facts, c: _Clause) -> tuple[float | None, Any, str]:
    """The monthly amount the remaining months are charged at, its clause and what it is
    ("rate", "minimum", "charge": see _RATE_WORDS)."""
    if c.amount is not None and c.period == "month":
        return float(c.amount), c.f, "rate"
    if (re.search(r"最低消费|承诺消费|保底", c.ev) or (c.mech is not None and c.mech.on_minimum_spend)) and (
            F.minimum is not None or F.min_ph or F.monthly is None):
        return F.minimum, F.min_src, "minimum"
    return F.monthly, F.monthly_src, "charge"


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


def _remaining_missing(F: Facts, c: _Clause, rate: float | None, rate_kind: str) -> list[Text]:
    miss = _term_missing(F)
    if re.search(r"minus VAT|excluding VAT|less VAT|不含税|扣除增值税", c.ev, re.I):
        miss.append(msg("exit.missing.vat"))
    if rate is None:
        if rate_kind == "minimum" and F.min_ph:
            miss.append(msg("exit.missing.minimum_placeholder", placeholder=F.min_ph))
        else:
            miss.append(msg("exit.missing.rate_amount", rate=msg(_RATE_WORDS[rate_kind])))
    return miss


def _remaining_label(F: Facts, rate_kind: str, factor: float, terms: Any) -> tuple[Text, str]:
    """The part's label in every language and the factor as the formula shows it (" x 20% (at least 300)")."""
    cur = F.currency
    fac = "" if factor == 1 else (f" x {_num(factor)}" if factor > 1 else f" x {_num(factor * 100)}%")
    shown: Text | str = "" if factor == 1 else (
        msg("exit.factor.multiple", factor=_num(factor)) if factor > 1 else msg("exit.factor.percent", percent=_num(factor * 100)))
    if terms.at_most is not None or terms.at_least is not None:
        fac += "".join([f" (at most {_num(terms.at_most)})" if terms.at_most is not None else "",
                        f" (at least {_num(terms.at_least)})" if terms.at_least is not None else ""])
    bounds = concat(msg("exit.bound.at_most", amount=_money(terms.at_most, cur)) if terms.at_most is not None else "",
                    msg("exit.bound.at_least", amount=_money(terms.at_least, cur)) if terms.at_least is not None else "")
    label = msg("exit.part.remaining", rate=msg(_RATE_WORDS[rate_kind]), factor=shown, bounds=bounds)
    return label, fac


def _remaining(F: Facts, c: _Clause) -> _Slot | None:
    """The remaining months of the term at a monthly amount, with a share, a multiple, a cap or a floor."""
    if not (c.remaining or (c.mech is Mechanism.REMAINING_BALANCE and c.percent)):
        return None
    T = F.term
    rate, rate_src, rate_kind = _remaining_rate(F, c)
    factor = _remaining_factor(c)
    terms = formula_terms(c.formula)
    if c.amount is not None and c.period in ("once", None) and (terms.higher_of or _HIGHER_OF.search(c.ev)):
        # "剩余最低消费总额的50%或200元，以较高者为准": the fixed amount is a floor
        terms = replace(terms, at_least=max(float(c.amount), terms.at_least or 0.0))
    label, fac = _remaining_label(F, rate_kind, factor, terms)
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

        r_show = _num(rate) if rate is not None else ("min" if rate_kind == "minimum" else "monthly")
        tn = _tn(F)

        def ffn(n: int) -> str:
            return f"({tn} - {n}) x {r_show}{fac}"
    computable = rate is not None and bool(T)
    return "core", "remaining", _Part(label, fn if computable else None, ffn, srcs,
                                      _remaining_missing(F, c, rate, rate_kind))


def _unpriced(group: str, name: str, c: _Clause, formula: Callable[[int], str], label: str, missing: str,
              **params: Any) -> _Slot:
    """A part the agreement names without a sum: shown with its formula (``label``), counted as
    missing (``missing``); both message ids."""
    return group, name, _Part(msg(label), None, formula, [c.f], [msg(missing, **params)])


def _balance(F: Facts, c: _Clause) -> _Slot | None:
    if c.mech is not Mechanism.REMAINING_BALANCE:
        return None
    return _unpriced("core", "balance", c, lambda n: f"remaining balance (device or plan) at month {n}",
                     "exit.part.balance", "exit.missing.balance")


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
            msg("exit.part.declining", amount=_money(a, cur), step=_money(step, cur)),
            lambda n: max(a - step * n, 0.0), lambda n: f"{_num(a)} - {_num(step)} x {n}", [c.f])
    upto = bool(re.search(r"up to|最高|不超过", c.ev, re.I))
    return "core", "fixed", _Part(
        msg("exit.part.fixed_up_to" if upto else "exit.part.fixed", amount=_money(a, cur)),
        lambda n: a, lambda n: _num(a), [c.f])


def _placeholder(F: Facts, c: _Clause) -> _Slot | None:
    ph = _ph_for(c.ev, "etf")
    if not ph:
        return None
    return _unpriced("other", "placeholder", c, lambda n: "penalty (blank in the agreement)",
                     "exit.part.blank", "exit.missing.blank", placeholder=ph)


def _committed(F: Facts, c: _Clause) -> _Slot | None:
    if c.mech is not Mechanism.COMMITTED_TOTAL:
        return None
    return _unpriced("other", "committed", c, lambda n: f"committed total - spent by month {n}",
                     "exit.part.committed", "exit.missing.committed")


def _percent(F: Facts, c: _Clause) -> _Slot | None:
    if not (c.percent and not c.remaining):
        return None
    p = c.percent
    return "other", "percent", _Part(
        msg("exit.part.percent", percent=_num(p)), None,
        lambda n: f"{_num(p)}% x base", [c.f],
        [msg("exit.missing.percent_base")])


def _unspecified(F: Facts, c: _Clause) -> _Slot | None:
    return "other", "unspecified", _Part(
        msg("exit.part.unspecified"), None, lambda n: "early termination fee (not stated)", [c.f],
        [msg("exit.missing.fee")])


# in order: the first that reads a clause decides its part
_MECHANISMS: tuple[Callable[[Facts, _Clause], _Slot | None], ...] = (
    _arrears, _price_difference, _subsidy, _schedule, _remaining, _balance, _repays, _fixed,
    _placeholder, _committed, _percent, _unspecified)


def _etf_mechanisms(F: Facts) -> tuple[list[_Part], list[Text]]:
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
        notes = [msg("exit.note.also_says", ref=_ref(F.text, p.sources[0]), quote=_quote(p.sources[0]))
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
        return _Part(msg("exit.part.not_stated", leave=F.leave), None,
                     lambda n: "exit fee (not stated)", [F.lock[0]],
                     [msg("exit.missing.exit_fee", leave=F.leave)])
    T, rate, src = F.term, F.minimum, F.min_src
    miss = _term_missing(F)
    if rate is None:
        miss.append(msg("exit.missing.minimum_placeholder", placeholder=F.min_ph) if F.min_ph else msg("exit.missing.minimum"))
    tn = _tn(F)
    return _Part(msg("exit.part.minimum_owed"),
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

    steps = join("sep.semicolon", (msg("exit.schedule.step", first=a, last=b, amount=_money(amt, cur)) for a, b, amt in sched))
    miss = [] if (T and last >= T) else [msg("exit.missing.schedule_after", month=last)]
    return _Part(msg("exit.part.schedule", steps=steps), fee,
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
            miss.append(msg("exit.missing.gift_total_placeholder", placeholder=ph))
            return _Part(msg("exit.part.forfeit_instalments", months=M),
                         None, lambda n: f"{ph} / {Ms} x ({Ms} - {n})", srcs, miss, core=False)
        miss.append(msg("exit.missing.instalment"))
        return _Part(msg("exit.part.forfeit"), None,
                     lambda n: f"monthly instalment x ({Ms} - {n})", srcs, miss, core=False)
    if not M:
        miss.append(msg("exit.missing.instalment_count"))
    return _Part(
        msg("exit.part.forfeit_monthly", amount=_money(a, cur)),
        (lambda n: max(M - n, 0) * a) if M else None,
        lambda n: "0 (all paid out)" if (M and n >= M) else f"({Ms} - {n}) x {_num(a)}", srcs, miss, core=False)


def _repay_part(F: Facts, a: float, M: int | None, repays: list[Any], srcs: list[Any]) -> _Part:
    """Gifted credit received so far (``a`` a month for ``M`` months) that leaving repays."""
    cur = F.currency
    miss: list[Text] = []
    if re.search(r"全部优惠|所有优惠|优惠等|及.{0,8}费用|discounts", " ".join(r.evidence for r in repays), re.I):
        miss.append(msg("exit.missing.other_benefits"))
    return _Part(
        msg("exit.part.repay", amount=_money(a, cur)),
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


def _exit_rows(F: Facts, parts: list[_Part]) -> list[CostRow]:
    """What leaving costs after each month of EXIT_MONTHS within the term, then at its end."""
    T = F.term
    months = [m for m in EXIT_MONTHS if T is None or m < T]
    rows = []
    for n in months:
        rows.append(_row(F, n, msg("exit.row.after_month", month=n, leave=F.leave), parts))
    if len(rows) > 1 and all(r.amount is None and r.at_least is None for r in rows):
        # nothing computable for any month: one row naming what is missing, not five alike
        first = rows[0]
        rows = [CostRow(None, msg("exit.row.any_month"),
                        None, re.sub(rf"(?<![\d.]){months[0]}(?![\d.])", "n", first.formula),
                        first.parts, first.missing, first.sources)]
    if T:
        rows.append(_row(F, T, msg("exit.row.end_of_term", month=T), parts))
    return rows


_ONE_OFF_FEE = re.compile(r"开卡|工本费|首次办卡|入会|初装|安装费|开户|押金|set-?up|enrol|activation|connection charge|installation|一次性|one-time|one-off|sign(ing)? up|joining", re.I)
_CONDITIONAL_FEE = re.compile(r"每次|/次|补|移机|赔偿|未退还|逾期|滞纳|迟|丢失|损坏|late|returned|declined|restocking|reconnect|transfer|转让|转卡|停卡|per GB|each|per billing|下限|上限|if you|如您|如需|若|not return|unreturn|upgrade", re.I)


def _one_off_fees(F: Facts) -> list[tuple[float, Any]]:
    """The one-off fees every buyer pays (set-up, deposit), each amount once."""
    fees: list[tuple[float, Any]] = []
    for f in _by(F.findings, "extra_fees"):
        a = f.values.get("amount")
        ev = f.evidence
        if not _ONE_OFF_FEE.search(ev) or _CONDITIONAL_FEE.search(ev):
            continue
        if (isinstance(a, (int, float)) and f.values.get("period") == "once"
                and (a, f.evidence) not in [(x, y.evidence) for x, y in fees]
                and not any(abs(float(a) - x) < 1e-9 for x, _ in fees)):
            fees.append((float(a), f))
    return fees


def _total_row(F: Facts) -> CostRow:
    """The total commitment over the term: the monthly minimum (or charge) for the term, plus
    one-off fees, less refundable deposits."""
    cur = F.currency
    T = F.term
    rate, rate_src = F.minimum, F.min_src
    rate_name = msg("word.monthly_minimum")
    if rate is None and F.monthly is not None:
        rate, rate_src = F.monthly, F.monthly_src
        rate_name = msg("word.monthly_charge")
    fees = _one_off_fees(F)
    refundable = [(a, f) for a, f in fees if re.search(r"押金|deposit", f.evidence, re.I)
                  and re.search(r"退还|返还|returned|refund", f.evidence, re.I) and not _NONREF.search(f.evidence)]
    tparts: list[CostPart] = []
    tmiss: list[Text] = []
    Tn = str(T) if T else "T"
    if T is None:
        tmiss.append(msg("exit.missing.term_placeholder", placeholder=F.term_ph) if F.term_ph else msg("exit.missing.term"))
    if rate is None:
        tmiss.append(msg("exit.missing.minimum_placeholder", placeholder=F.min_ph) if F.min_ph else msg("exit.missing.minimum_or_charge"))
    base = rate * T if (rate is not None and T) else None
    bform = f"{_num(rate) if rate is not None else 'min'} x {Tn}"
    if F.minimum is None and F.tier and rate == F.monthly and T:
        base, bform = F.owed(0, T)
    tparts.append(CostPart(msg("exit.total.base", rate=rate_name), base,
                           bform, _srcs([rate_src or (F.mins[0] if F.mins else None), F.term_src or (F.lock[0] if F.lock else None),
                                  None if (F.mins or F.lock) else (F.etfs[0] if F.etfs else None)])))
    for a, f in fees:
        tparts.append(CostPart(msg("exit.total.one_off", amount=_money(a, cur)), a, _num(a), _srcs([f])))
    for a, f in refundable:
        tparts.append(CostPart(msg("exit.total.refundable", amount=_money(a, cur)), -a, f"-{_num(a)}", _srcs([f])))
    tamounts = [p.amount for p in tparts if p.amount is not None]
    tamount = round(sum(tamounts), 2) if len(tamounts) == len(tparts) else None
    tformula = " + ".join(p.formula for p in tparts).replace("+ -", "- ")
    tsources = _srcs(s for p in tparts for s in p.sources)
    return CostRow(T, msg("exit.total.label"), tamount, tformula,
                   tuple(tparts), tuple(tmiss), tsources)


def _upfront_row(F: Facts) -> CostRow | None:
    """A non-refundable first top-up or prepayment, paid before the service starts."""
    ta = F.topup()[0]
    if not F.nonref_topup():
        return None
    paid = _paid_word(F.nonref_topup())
    # the formula is written in English words, as every formula (see render.view.arith)
    return CostRow(None, msg("exit.row.upfront", paid=paid),
                   float(ta) if ta is not None else None, _num(ta) if ta is not None else f"{paid['en']} (amount not stated)",
                   (), () if ta is not None else (msg("exit.missing.paid_amount", paid=paid),),
                   _srcs(F.nonref_topup()[:2]))


def _exit_notes(F: Facts, rows: list[CostRow], total: CostRow) -> list[Text]:
    """The notes after the mechanisms': other terms and minimums, leaving early costing more
    than staying, money kept on leaving, an unknown term."""
    cur = F.currency
    T = F.term
    notes: list[Text] = []
    for m, f in F.other_terms:
        notes.append(msg("exit.note.other_term", ref=_ref(F.text, f), months=m, quote=_quote(f)))
    for a, f in F.other_mins:
        notes.append(msg("exit.note.other_minimum", ref=_ref(F.text, f), amount=_money(a, cur), quote=_quote(f)))
    # leaving early may cost more than staying to the end: say why, so the table can be trusted
    if total is not None and total.amount is not None:
        over = [r for r in rows if r.amount is not None and r.month is not None and T and r.month < T
                and r.amount > total.amount + 0.005]
        if over:
            r = over[0]
            notes.append(msg("exit.note.early_costs_more", month=_num(r.month), leave=F.leave, amount=_money(r.amount, cur),
                             total=_money(total.amount, cur)))
    for f in F.refunds:
        if f not in F.nonref_topup() and re.search(r"提前|离网|拆机|销户|解约|cancel|terminat", f.evidence, re.I) and _NONREF.search(f.evidence):
            notes.append(msg("exit.note.paid_kept", ref=_ref(F.text, f), quote=_quote(f)))
            break
    if T is None:
        notes.append(msg("exit.note.term_unknown"))
    return notes


def exit_cost(F: Facts) -> ExitCost | None:
    if not (F.lock or F.mins or F.etfs):
        return None
    parts, notes = _etf_mechanisms(F)
    parts = parts + _credit_parts(F)
    rows = _exit_rows(F, parts)
    total = _total_row(F)
    upfront = _upfront_row(F)
    notes = notes + _exit_notes(F, rows, total)
    return ExitCost(F.currency, F.term, F.minimum, tuple(rows), total, tuple(notes), upfront)


