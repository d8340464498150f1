"""Rules over the facts: clauses that matter more together (combinations), protections the
agreement does not state, and the questions to ask before paying."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from .exit_cost import _standard_price
from .facts import (
    _PROMO_STD,
    Facts,
    _by,
    _flat,
    _int_months,
    _money,
    _paid_word,
    _ph_for,
    _placeholders,
    _quote,
    _ref,
    _same,
    _srcs,
)
from .messages import join, msg, upper_first
from .model import (
    Combination,
    ExitCost,
    MissingProtection,
    Question,
    Source,
    Text,
)

# ---------------------------------------------------------------------------------------------
# combinations

def _combo_topup_locks_you_in(F: Facts) -> Combination | None:
    acts, nonref = F.activation_by_topup(), F.nonref_topup()
    if not (acts and nonref):
        return None
    cur, T = F.currency, F.term
    lock = [F.term_src] if (F.term_src is not None and F.term_src.category == "lock_in") else F.lock[:1]
    ta, _ = F.topup()
    word = _paid_word(nonref + acts)
    paid = (msg("combo.topup_locks_you_in.paid_amount", paid=word, amount=_money(ta, cur)) if ta
            else msg("combo.topup_locks_you_in.paid", paid=word))
    bound = (msg("combo.topup_locks_you_in.bound_months", months=T) if T and lock
             else msg("combo.topup_locks_you_in.bound") if lock else "")
    ref = _ref(F.text, acts[0])
    return Combination(
        "topup_locks_you_in", "high",
        msg("combo.topup_locks_you_in.title_locked") if lock else msg("combo.topup_locks_you_in.title"),
        msg("combo.topup_locks_you_in.text", ref=ref, paid=paid, bound=bound) if _same(acts[0], nonref[0])
        else msg("combo.topup_locks_you_in.text_two_clauses", ref=ref, ref_refund=_ref(F.text, nonref[0]), paid=paid, bound=bound),
        _srcs(acts[:1] + nonref[:1] + lock))


def _combo_gift_clawback(F: Facts) -> Combination | None:
    forfeits, plans, repays = F.forfeits(), F.credit_plans(), F.repays()
    if not (F.credits and (forfeits or repays)):
        return None
    a, m, f0, _ = plans[0] if plans else (None, None, F.credits[0], None)
    how = (msg("combo.gift_clawback.monthly", amount=_money(a, F.currency), months=m) if a and m
           else msg("combo.gift_clawback.instalments") if not m else msg("combo.gift_clawback.months", months=m))
    return Combination(
        "gift_clawback", "high",
        msg("combo.gift_clawback.title_repaid") if repays else msg("combo.gift_clawback.title"),
        msg("combo.gift_clawback.text", how=how, ref=_ref(F.text, f0), repaid=msg("combo.gift_clawback.repaid") if repays else ""),
        _srcs([f0] + forfeits[:2] + repays[:1]))


_INTRO_PERIOD = re.compile(r"前\s*(\d+|[一二三四五六七八九十]+)\s*个?月|首\s*(\d+|[一二三四五六七八九十]+)\s*个?月|优惠期|体验期|first (\d+ months|year|month)|\d+[- ]month (promotion|promotional|introductory|discount)|introductory period|promotional period", re.I)


def _combo_promo_ends_in_lock_in(F: Facts) -> Combination | None:
    T = F.term
    if not T:
        return None
    for p in F.promos:
        pm = _int_months(p.values.get("months"))
        if pm and pm < T and _INTRO_PERIOD.search(p.evidence):
            std = _standard_price(F, p)
            standard = (msg("combo.promo_ends_in_lock_in.standard", amount=_money(std, F.currency)) if std
                        else msg("combo.promo_ends_in_lock_in.standard_unknown"))
            return Combination(
                "promo_ends_in_lock_in", "high",
                msg("combo.promo_ends_in_lock_in.title", promo=pm, term=T),
                msg("combo.promo_ends_in_lock_in.text", promo=pm, ref_promo=_ref(F.text, p), term=T,
                    ref_term=_ref(F.text, F.term_src), rest=T - pm, standard=standard),
                _srcs([p, F.term_src]))
    return None


def _combo_renews_into_new_term(F: Facts) -> Combination | None:
    if not (F.renew and (F.lock or F.etfs)):
        return None
    for r in F.renew:
        rm = _int_months(r.values.get("months"))
        new_term = (rm and rm >= 2) or re.search(r"续约|续期|new term|another term|same term|renew(s|ed)? for|additional term", r.evidence, re.I)
        if new_term and not re.search(r"month[- ]to[- ]month|按月|逐月|rolling|30-day|monthly basis", r.evidence, re.I):
            base = F.term_src or (F.lock[0] if F.lock else F.etfs[0])
            new = (msg("combo.renews_into_new_term.new_term_months", months=rm) if rm
                   else msg("combo.renews_into_new_term.new_term"))
            return Combination(
                "renews_into_new_term", "high",
                msg("combo.renews_into_new_term.title"),
                msg("combo.renews_into_new_term.text", ref=_ref(F.text, r), new_term=new, ref_fee=_ref(F.text, base)),
                _srcs([r, base] + F.etfs[:1]))
    return None


def _combo_minimum_spend_commitment(F: Facts) -> Combination | None:
    if not (F.mins and (F.lock or F.term)):
        return None
    cur, T = F.currency, F.term
    msrc = F.min_src or F.mins[0]
    tsrc = F.term_src or F.lock[0]
    mon = F.minimum
    if mon is None and F.monthly is not None and F.monthly_src is not None and F.monthly_src.category in ("lock_in", "minimum_spend"):
        mon, msrc = F.monthly, F.monthly_src
    if mon is not None and T:
        tot = F.owed(0, T)[0] if (F.minimum is None and F.tier) else mon * T
        text = msg("combo.minimum_spend_commitment.text", monthly=_money(mon, cur), ref_min=_ref(F.text, msrc), term=T,
                   ref_term=_ref(F.text, tsrc), total=_money(tot, cur))
    else:
        what = ((msg("combo.minimum_spend_commitment.placeholder", placeholder=F.min_ph) if F.min_ph
                 else msg("combo.minimum_spend_commitment.not_stated")) if F.minimum is None
                else msg("combo.minimum_spend_commitment.amount", amount=_money(F.minimum, cur)))
        text = msg("combo.minimum_spend_commitment.text_unknown", ref_min=_ref(F.text, msrc), ref_term=_ref(F.text, tsrc), what=what)
    return Combination("minimum_spend_commitment", "high",
                       msg("combo.minimum_spend_commitment.title"),
                       text, _srcs([msrc, tsrc]))


_COMBINATIONS: tuple[Callable[[Facts], Combination | None], ...] = (
    _combo_topup_locks_you_in,
    _combo_gift_clawback,
    _combo_promo_ends_in_lock_in,
    _combo_renews_into_new_term,
    _combo_minimum_spend_commitment,
)


def combinations(F: Facts) -> list[Combination]:
    """The clauses that matter more together, in the order of _COMBINATIONS."""
    out: list[Combination] = []
    for rule in _COMBINATIONS:
        combo = rule(F)
        if combo is not None:
            out.append(combo)
    return out


# ---------------------------------------------------------------------------------------------
# missing protections

_REFUND_WINDOW = re.compile(r"未激活[^。；;]{0,20}退|未开卡[^。；;]{0,20}退|未开课[^。；;]{0,20}退|未使用[^。；;]{0,12}退|\d+\s*(日|天)内[^。；;]{0,20}(退|无理由)|无理由退|冷静期|refund (within|if you cancel within)|cancel within \d+ (business )?days|cooling[- ]off|full refund|money[- ]back|return (it |the device |a device )?within \d+ days", re.I)
_CANCEL_HOW = re.compile(r"(销户|注销|取消|退订|解约|拆机|解除代扣|关闭自动续费|停用|退卡)[^。；;\n]{0,40}(营业厅|客服|APP|app|拨打|致电|前台|书面|渠道|方式|路径|页面|设置|热线|\d{5})|(拨打|致电|通过|登录|前往)[^。；;\n]{0,30}(取消|注销|销户|退订|解约|拆机|关闭)|取消方式|取消路径|(to cancel|you (may|can) cancel|cancel (by|online|at|your|through|via)|cancellation (request|notice))[^.\n]{0,120}(call|visit|online|website|app|contact|notice|in writing|phone|account|email|chat|settings)", re.I)


def missing_protections(F: Facts) -> list[MissingProtection]:
    out: list[MissingProtection] = []
    text = F.text
    prot_cats = {p.category for p in F.protections}
    if (F.acts or F.refunds) and not _REFUND_WINDOW.search(text) and "refund_restriction" not in prot_cats:
        out.append(MissingProtection("refund_window", msg("missing.refund_window")))
    kind = bool(F.lock or F.renew or F.mins or F.etfs or F.credits or F.promos or F.acts)
    if kind and not _CANCEL_HOW.search(text):
        out.append(MissingProtection("how_to_cancel", msg("missing.how_to_cancel")))
    if F.promos and not _PROMO_STD.search(" ".join(p.evidence + " " + F.text[p.location.start:p.location.end + 160].split("\n")[0] for p in F.promos)):
        out.append(MissingProtection("price_after_promo", msg("missing.price_after_promo")))
    etf_stated = any(isinstance(f.values.get("amount"), (int, float)) or f.values.get("formula") or f.values.get("percent")
                     for f in F.etfs)
    if F.lock and not etf_stated and "early_termination_fee" not in prot_cats:
        out.append(MissingProtection("exit_fee_amount", msg("missing.exit_fee_amount")))
    elif F.etfs and any(_ph_for(f.evidence, "etf") for f in F.etfs) and not etf_stated:
        out.append(MissingProtection("exit_fee_amount", msg("missing.exit_fee_blank")))
    if F.mins and F.minimum is None and not (F.monthly is not None and F.monthly_src is not None
                                             and F.monthly_src.category in ("lock_in", "minimum_spend")):
        out.append(MissingProtection("minimum_amount", msg("missing.minimum_amount_placeholder", placeholder=F.min_ph) if F.min_ph
                                     else msg("missing.minimum_amount")))
    caps = _by(F.findings, "data_cap_throttle")
    if caps and not any(f.values.get("speed_kbps") for f in caps) and not re.search(r"\d+\s*(kbps|mbps|Kbps|Mbps|KB/s|MB/s|k|M)\b", " ".join(f.evidence for f in caps)):
        out.append(MissingProtection("speed_after_cap", msg("missing.speed_after_cap")))
    if F.renew and not re.search(r"提醒|通知|告知|短信|remind|notify|notice|notification|e-?mail you", " ".join(f.evidence for f in F.renew) + text[:0], re.I) \
            and not re.search(r"(续费|续约|扣费|renew\w*|charg\w*)[^。.\n]{0,40}(前|before)[^。.\n]{0,20}(提醒|通知|告知|remind|notify|notice)|(提醒|通知|告知|remind|notify|notice)[^。.\n]{0,40}(续费|续约|扣费|renew|charge)", text, re.I):
        out.append(MissingProtection("renewal_reminder", msg("missing.renewal_reminder")))
    return out


# ---------------------------------------------------------------------------------------------
# questions

def _q(F: Facts, f: Any, question: Text) -> Text:
    """The question with the clause it is about: 'Clause 3 says "…": can I …?'"""
    return msg("question.says", ref=_ref(F.text, f), quote=_quote(f, 40), question=question)


_Ask = Callable[..., None]  # add(priority, finding, question, extra sources=())


def _ask_blanks(F: Facts, add: _Ask) -> None:
    """Placeholders first: a blank in the contract has to be filled in before paying."""
    seen_ph: set[str] = set()
    n_ph = 0
    for cat in ("minimum_spend", "lock_in", "early_termination_fee", "installment_credit", "extra_fees"):
        for f in _by(F.findings, cat):
            new = [shown for shown, _, _ in _placeholders(f.evidence) if shown not in seen_ph]
            if new and n_ph < 2:
                seen_ph.update(new)
                n_ph += 1
                add(0, f, msg("question.blank", blanks=join("sep.list", dict.fromkeys(new))))


def _ask_activation_and_refund(F: Facts, add: _Ask) -> None:
    acts = F.activation_by_topup() or F.acts
    if acts:
        if F.activation_by_topup():
            add(1, acts[0], msg("question.refund_before_activation"))
        else:
            act = next((f for f in acts if re.search(r"激活|开通|生效|开卡|开课|activat|start date|begin|starts", f.evidence, re.I)), None)
            if act is not None:
                add(3, act, msg("question.activation_day"))
    nonref = F.nonref_topup()
    if nonref and (not acts or not _same(nonref[0], acts[0])):
        add(1, nonref[0], msg("question.refund_when"))
    elif F.refunds and not nonref:
        add(3, F.refunds[0], msg("question.refund_cases"))


def _ask_exit_cost(F: Facts, ec: ExitCost | None, add: _Ask) -> None:
    """What leaving after six months (or the last row) costs, about the clause that row rests on."""
    if not (F.lock or F.etfs):
        return
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
        add(1, f, msg("question.exit_cost_check", month=n, amount=_money(row.amount, F.currency)), [F.term_src])
    else:
        add(1, f, msg("question.exit_cost", month=n), [F.term_src])


def _ask_terms(F: Facts, combos: list[Combination], add: _Ask) -> None:
    """The minimum spend, gifted credit, promotions, renewal and the other categories."""
    if F.mins:
        f = F.min_src or next((x for x in F.mins if len(_flat(x.evidence)) >= 12), F.mins[0])
        add(2, f, msg("question.minimum_includes"))
    plans = F.credit_plans()
    if F.credits:
        f = plans[0][2] if plans else F.credits[0]
        add(2, f, msg("question.credit_forfeit"))
    promo_combo = next((c for c in combos if c.id == "promo_ends_in_lock_in"), None)
    if F.promos:
        f = F.promos[0]
        if promo_combo:
            if F.term and _int_months(f.values.get("months")):
                add(2, f, msg("question.after_promo_months", months=F.term - int(f.values.get("months") or 0)))
            else:
                add(2, f, msg("question.after_promo"))
        else:
            add(2, f, msg("question.after_promo_price"))
    if F.renew:
        f = F.renew[0]
        add(2, f, msg("question.stop_renewal"))
    for cat, question in (("unilateral_change", "question.unilateral_change"), ("data_cap_throttle", "question.data_cap_throttle"),
                          ("directional_data", "question.directional_data"), ("extra_fees", "question.extra_fees")):
        fs = _by(F.findings, cat)
        if fs:
            add(4, fs[0], msg(question))


def questions(F: Facts, ec: ExitCost | None, combos: list[Combination]) -> list[Question]:
    qs: list[tuple[int, int, Text, tuple[Source, ...], Text]] = []  # (priority, start, text, sources, ask)

    def add(prio: int, f: Any, question: Text, extra: Iterable[Any] = ()) -> None:
        qs.append((prio, f.location.start, _q(F, f, question), _srcs([f, *extra]), upper_first(question)))

    _ask_blanks(F, add)
    _ask_activation_and_refund(F, add)
    _ask_exit_cost(F, ec, add)
    _ask_terms(F, combos, add)
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


