"""Rules over the facts: clauses that matter more together (combinations), protections the
agreement does not state, and the questions to ask before paying."""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .exit_cost import _standard_price
from .facts import (
    _PROMO_STD,
    Facts,
    _by,
    _flat,
    _int_months,
    _money_en,
    _money_zh,
    _paid_word,
    _ph_for,
    _placeholders,
    _quote,
    _ref,
    _same,
    _srcs,
    _t,
)
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

def combinations(F: Facts) -> list[Combination]:
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


def missing_protections(F: Facts) -> list[MissingProtection]:
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

def _q(F: Facts, f: Any, zh: str, en: str) -> tuple[Text, Any]:
    r = _ref(F.text, f)
    q = _quote(f, 40)
    return _t(f"{r['zh']}说“{q}”：{zh}", f"{r['en']} says \"{q}\": {en}"), f


def questions(F: Facts, ec: ExitCost | None, combos: list[Combination]) -> list[Question]:
    cur = F.currency
    qs: list[tuple[int, int, Text, tuple[Source, ...], Text]] = []  # (priority, start, text, sources, ask)

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


