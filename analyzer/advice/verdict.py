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
    _money,
    _num,
    _paid_word,
    _srcs,
)
from .messages import LANGS, join, lower_first, msg, upper_first
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


_HAN = re.compile("[\u4e00-\u9fff]")


def _excerpt(F: Facts) -> bool:
    """Is the text a short excerpt (a pasted clause or two) rather than a whole agreement?"""
    text = F.text
    n = len(text.strip())
    if n >= max(MIN_CHARS, MIN_CHARS_ZH):
        return False  # long enough in any script (no need to count its Chinese characters)
    cjk = len(_HAN.findall(text))
    return n < (MIN_CHARS_ZH if cjk * 2 > n else MIN_CHARS)


def _assessable(F: Facts) -> tuple[bool, Text]:
    text = F.text
    if _excerpt(F) and not F.findings:
        n = len(text.strip())
        return False, msg("verdict.too_short", chars=n)
    if _excerpt(F):
        return True, {}  # a pasted excerpt with findings: judged on what it says (see verdict)
    if not F.findings and not F.protections:
        return False, msg("verdict.no_clauses")
    words: set[str] = set()
    for m in _AGREEMENT_WORDS.finditer(text):
        words.add(m.group(0).lower())
        if len(words) >= 2:
            break
    if len(words) < 2:
        return False, msg("verdict.not_agreement")
    return True, {}


def _category(cat: str) -> Text:
    """A category's name in every language, from the taxonomy (the id itself when it has none)."""
    c = CATEGORIES.get(cat)
    return {lang: getattr(c, lang) if c else cat for lang in LANGS}


def _score(F: Facts, cat: str, ec: ExitCost | None) -> tuple[float, Text, tuple[Source, ...]]:
    """One category's points, its name in the reasons (with the figures where known) and its clauses."""
    cur = F.currency
    T = F.term
    fs = _by(F.findings, cat)
    sev = fs[0].severity
    w = _WEIGHTS.get(cat, {"high": 2, "medium": 1, "low": 0.5}.get(sev, 0.5))
    name = _category(cat)
    src = fs[:2]
    if cat == "lock_in":
        if T and T >= 24:
            w += 2
        elif T and T >= 12:
            w += 1
        if T:
            name = msg("verdict.reason.locked_in", months=T)
            src = [F.term_src]
    elif cat == "minimum_spend" and F.minimum is not None:
        name = msg("verdict.reason.minimum", amount=_money(F.minimum, cur))
        src = [F.min_src]
    elif cat == "refund_restriction" and F.nonref_topup():
        w = 3
        ta, _ = F.topup()
        paid = _paid_word(F.nonref_topup())
        name = (msg("verdict.reason.paid_kept_amount", paid=paid, amount=_money(ta, cur)) if ta
                else msg("verdict.reason.paid_kept", paid=paid))
        src = F.nonref_topup()[:1]
    elif cat == "installment_credit" and (F.forfeits() or F.repays()):
        w = 3
        name = msg("verdict.reason.gift_lost")
        src = ([F.credit_plans()[0][2]] if F.credit_plans() else fs[:1]) + (F.forfeits() or F.repays())[:1]
    elif cat == "early_termination_fee":
        row = next((r for r in (ec.rows if ec else ()) if r.month == 6), None)
        if row and row.amount:
            name = msg("verdict.reason.exit_cost", leave=F.leave, amount=_money(row.amount, cur))
    return w, name, _srcs(src)


def _reasons(F: Facts, scored: list[tuple[float, Text, tuple[Source, ...]]], high_combos: list[Combination],
             prot_cats: list[str], bonus: int) -> list[Reason]:
    """The reasons, which add up to the total: the weightiest categories, the combinations, the
    rest in one line, the protections."""
    ranked = sorted(scored, key=lambda x: -x[0])
    listed = [x for x in ranked if x[0] >= 2][:6]
    reasons = [Reason(msg("verdict.reason.points", name=name, points=_num(w)), src)
               for w, name, src in listed]
    for combo in high_combos[:3]:
        reasons.append(Reason(msg("verdict.reason.combination", title=combo.title), combo.sources))
    # the rest, in one line, so that the reasons add up to the total (issue 11)
    rest = [x for x in ranked if x not in listed]
    rest_pts = sum(w for w, _, _ in rest) + max(0, len(high_combos) - 3)
    if rest_pts:
        n = len(rest) + max(0, len(high_combos) - 3)
        reasons.append(Reason(msg("verdict.reason.rest", count=n, points=_num(rest_pts)),
                              _srcs(src for _, _, srcs in rest for src in srcs[:1])))
    if bonus:
        ps = [p for p in F.protections if p.category in prot_cats]
        reasons.append(Reason(msg("verdict.reason.protections", kinds=len(prot_cats), points=bonus),
                              _srcs(Source.of(p) for p in ps[:4])))
    return reasons


def verdict(F: Facts, combos: list[Combination], ec: ExitCost | None) -> Verdict:
    ok, why = _assessable(F)
    if not ok:
        return Verdict(False, None, why, ())
    cats = []
    for f in F.findings:
        if f.category not in cats:
            cats.append(f.category)
    scored = [_score(F, cat, ec) for cat in cats]
    pts = sum(w for w, _, _ in scored)
    high_combos = [c for c in combos if c.severity == "high"]
    pts += len(high_combos)
    prot_cats = sorted({p.category for p in F.protections})
    bonus = min(len(prot_cats), 4)
    pts -= bonus
    grade = _grade(pts)
    reasons = _reasons(F, scored, high_combos, prot_cats, bonus)
    reasons.append(_total_reason(pts, grade))
    line = _line(F, ec)
    if _excerpt(F):  # a pasted clause or two: what it says, not what the rest of the agreement may say
        line = msg("verdict.excerpt_only", line=line)
        return Verdict(True, grade, line, tuple(reasons), excerpt=True, points=pts)
    return Verdict(True, grade, line, tuple(reasons), points=pts)


def _grade(pts: float) -> str:
    return "A" if pts <= 3 else "B" if pts <= 8 else "C" if pts <= 14 else "D" if pts <= 22 else "E"


def _total_reason(pts: float, grade: str) -> Reason:
    return Reason(msg("verdict.total", points=_num(pts), grade=grade))


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
    extra = [Reason(msg("verdict.reason.advert", advert=_flat(c.advert), points=ADVERT_POINTS), c.sources)
             for c in bad]
    reasons = list(v.reasons[:-1]) + extra + [_total_reason(pts, grade)]
    return replace(summary, verdict=replace(v, grade=grade, points=pts, reasons=tuple(reasons)))


def _line(F: Facts, ec: ExitCost | None) -> Text:
    cur = F.currency
    parts: list[Text] = []
    T = F.term
    if T and F.lock:
        parts.append(msg("verdict.line.locked_in", months=T))
    elif F.lock:
        parts.append(msg("verdict.line.term_placeholder", placeholder=F.term_ph) if F.term_ph else msg("verdict.line.term_not_stated"))
    if F.minimum is not None:
        parts.append(msg("verdict.line.minimum", amount=_money(F.minimum, cur)))
    elif F.mins and F.monthly is not None and F.monthly_src is not None and F.monthly_src.category in ("lock_in", "minimum_spend"):
        parts.append(msg("verdict.line.monthly", amount=_money(F.monthly, cur)))
    elif F.mins:
        parts.append(msg("verdict.line.minimum_placeholder", placeholder=F.min_ph) if F.min_ph else msg("verdict.line.minimum_not_stated"))
    if F.etfs:
        # the kind of fee, read from the Chinese labels of the exit-fee parts (a label that
        # charges the remaining months, or a penalty with a figure)
        kinds = [p.label for p in _etf_mechanisms(F)[0]]
        if any("剩余月数" in k["zh"] for k in kinds):
            parts.append(msg("verdict.line.remaining", leave=F.leave))
        elif any(k["zh"].startswith("违约金") and re.search(r"\d", k["zh"]) for k in kinds):
            k = next(k for k in kinds if k["zh"].startswith("违约金") and re.search(r"\d", k["zh"]))
            parts.append(msg("verdict.line.fee_label", label=lower_first(k)))
        else:
            parts.append(msg("verdict.line.fee"))
    if F.nonref_topup():
        ta, _ = F.topup()
        paid = _paid_word(F.nonref_topup())
        parts.append(msg("verdict.line.paid_kept_amount", paid=paid, amount=_money(ta, cur)) if ta
                     else msg("verdict.line.paid_kept", paid=paid))
    if F.credits and (F.forfeits() or F.repays()):
        parts.append(msg("verdict.line.gift_lost", leave=F.leave))
    if len(parts) < 2:
        for cat in ("promo_price_expiry", "auto_renewal", "refund_restriction", "activation_definition", "unilateral_change", "data_cap_throttle"):
            if _by(F.findings, cat) and len(parts) < 3:
                name = _category(cat)
                # inside the line a category's name is not capitalised
                parts.append({lang: v.lower() for lang, v in name.items()} if parts else name)
    if not parts:
        return msg("verdict.line.none")
    return upper_first(join("sep.clause", parts[:5]))


