"""The grade (A best .. E worst) and its one-line verdict, from transparent points: each
category found counts once with its weight, combinations +1, protections -1 (at most -4);
the advert contradictions add their points (``with_offer_verdict``)."""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from ..engine.taxonomy import CATEGORIES
from .exit_cost import _etf_mechanisms
from .facts import (
    MIN_CHARS,
    MIN_CHARS_ZH,
    Facts,
    _by,
    _flat,
    _money_en,
    _money_zh,
    _num,
    _paid_word,
    _srcs,
    _t,
)
from .model import (
    Combination,
    ExitCost,
    Reason,
    Source,
    Summary,
    Text,
    Verdict,
)

# ---------------------------------------------------------------------------------------------
# verdict

_WEIGHTS = {"lock_in": 3, "minimum_spend": 3, "early_termination_fee": 3, "refund_restriction": 2,
            "installment_credit": 2, "activation_definition": 1, "promo_price_expiry": 2, "auto_renewal": 2}
_AGREEMENT_WORDS = re.compile(r"协议|合同|条款|须知|规则|服务|资费|套餐|会员|退款|违约|用户|甲方|乙方|合约|激活|充值|agree|terms|contract|service|subscri|fee|cancel|refund|member|charge|plan", re.I)


def _excerpt(F: Facts) -> bool:
    """Is the text a short excerpt (a pasted clause or two) rather than a whole agreement?"""
    text = F.text
    n = len(text.strip())
    cjk = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
    return n < (MIN_CHARS_ZH if cjk * 2 > n else MIN_CHARS)


def _assessable(F: Facts) -> tuple[bool, Text]:
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


def verdict(F: Facts, combos: list[Combination], ec: ExitCost | None) -> Verdict:
    ok, why = _assessable(F)
    if not ok:
        return Verdict(False, None, why, ())
    cur = F.currency
    scored: list[tuple[float, Text, tuple[Source, ...]]] = []
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
    for combo in high_combos[:3]:
        reasons.append(Reason(_t(f"组合风险：{combo.title['zh']}（+1分）", f"Combination: {combo.title['en']} (+1)"), combo.sources))
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


def _line(F: Facts, ec: ExitCost | None) -> Text:
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


