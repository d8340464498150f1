"""analyzer.advice.advise: verdict, exit-cost arithmetic, combinations, missing protections, questions,
way out. The example agreements here are written for these tests."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import CORPORA, ROOT

from analyzer.advice.advise import advise
from analyzer.engine.pipeline import default_scanner

AGREEMENTS = CORPORA / "agreements"


def scan(text: str, lang: str | None = None):
    return default_scanner().scan_text(text, lang=lang)


def summary(text: str, lang: str | None = None):
    return advise(scan(text, lang))


def row(ec, month):
    return next(r for r in ec.rows if r.month == month)


# a zh agreement: 24 months, 39元/月 minimum, ETF = remaining months x monthly minimum spend
ZH_LOCK = """星光流量卡入网服务协议

第一条 套餐内容
1.1 本套餐月基本费39元，套餐内含国内通用流量30GB，国内通话100分钟。
1.2 用户可通过营业厅或客服热线查询套餐使用情况，账单每月初通过短信发送。

第二条 合约期与最低消费
2.1 本协议合约期为24个月，自入网当月起计算。
2.2 合约期内，用户每月最低消费39元，当月实际消费不足39元的，按39元收取。

第三条 违约责任
3.1 用户在合约期内提前解约或携号转网的，应按剩余月份乘以月最低消费额支付违约金。
3.2 因本协议产生的争议，双方协商解决，协商不成的，向乙方所在地人民法院起诉。
"""

# the same agreement with the minimum spend left as a template placeholder
ZH_PLACEHOLDER = ZH_LOCK.replace("2.2 合约期内，用户每月最低消费39元，当月实际消费不足39元的，按39元收取。",
                                 "2.2 合约期内，用户每月最低消费${minCharge}元，当月实际消费不足的，按最低消费额收取。")

ZH_TOPUP = """云帆大流量卡用户协议（测试文本）

第一条 套餐
1.1 月租29元，前3个月享受优惠价9元/月，第4个月起恢复标准资费29元/月。
1.2 套餐含通用流量50GB，当月使用达到80GB后限速至1Mbps。

第二条 激活与首充
2.1 用户收到号卡后首次充值即视为激活，激活时须一次性充值50元，首充金额不予退还。
2.2 首充赠送的60元话费分6个月返还，每月返还10元；用户中途离网、销户或携号转网的，剩余未返还话费自动作废。

第三条 合约期
3.1 本协议合约期为12个月，自激活当月起计算。
3.2 合约期内用户提前解约的，须按剩余月份乘以月租支付违约金。
3.3 合约期满后，如双方均无异议，本协议自动续约12个月，以此类推。
"""

EN_FIXED = """Brightwave Mobile — Service Agreement

1. Your plan
1.1 The Essentials plan costs $30.00 per month and includes 20GB of data.
1.2 You agree to a 12-month minimum term starting on your activation date.

2. Leaving early
2.1 If you cancel before the end of your 12-month minimum term, you must pay an early termination fee of $120.00.
2.2 Refunds are not available for partial months.

3. Contact
3.1 To cancel, call us at 1-800-555-0199 or visit https://brightwave.example/cancel.
3.2 If we cannot resolve your complaint, you may contact the FCC.
"""

EN_PERCENT = """Lumen Fitness — Membership Terms

1. Membership
1.1 The Annual membership is billed at $40.00 per month with a 12-month commitment.
1.2 Your membership starts on the day you sign up.

2. Cancelling
2.1 If you cancel an annual membership before the 12 months are over, you will be charged 50% of the remaining monthly payments.
2.2 To cancel, visit the front desk or email members@lumen.example.
"""

EN_FAIR = """Openline Mobile — Plan Terms

1. Your plan
1.1 The Basic plan costs $20.00 per month. There is no annual contract and no minimum term.
1.2 You can cancel anytime without an early termination fee. To cancel, call 1-800-555-0100 or use the app.
1.3 If you cancel within 14 days of activation you get a full refund.

2. Changes
2.1 We may change prices with 30 days' notice, and you may cancel without charge if you do not accept the change.
2.2 Any questions about your bill can be sent through the app or by calling our support line.
"""


# ------------------------------------------------------------------------------------------
# exit-cost arithmetic

def test_remaining_months_times_minimum_spend():
    s = summary(ZH_LOCK)
    ec = s.exit_cost
    assert ec is not None
    assert ec.term_months == 24 and ec.monthly_minimum == 39 and ec.currency == "CNY"
    assert [r.month for r in ec.rows] == [1, 3, 6, 12, 24]
    r6 = row(ec, 6)
    assert r6.amount == 702  # 18 x 39
    assert r6.formula == "(24 - 6) x 39"
    assert row(ec, 1).amount == 23 * 39
    assert row(ec, 24).amount == 0
    assert ec.total_commitment.amount == 24 * 39
    # every figure traces to quoted clauses: the ETF clause, the minimum spend, the term
    cats = {src.category for src in r6.sources}
    assert {"early_termination_fee", "minimum_spend", "lock_in"} <= cats
    text = scan(ZH_LOCK).document.text
    for src in r6.sources:
        assert _flat(src.evidence) in _flat(text)
    assert not r6.missing


def _flat(s: str) -> str:
    return " ".join(s.split())


def test_fixed_etf_english():
    s = summary(EN_FIXED)
    ec = s.exit_cost
    assert ec.term_months == 12 and ec.currency == "USD"
    assert [r.month for r in ec.rows] == [1, 3, 6, 12]
    assert row(ec, 1).amount == 120 and row(ec, 6).amount == 120
    assert row(ec, 12).amount == 0  # leaving at the end of the term costs nothing
    assert any(src.category == "early_termination_fee" and "$120.00" in src.evidence for src in row(ec, 6).sources)
    # the plan price sits in a clause that is not a finding: the total is a formula, the gap is named
    assert ec.total_commitment.amount is None
    assert ec.total_commitment.formula == "min x 12"
    assert ec.total_commitment.missing


def test_percent_of_remaining():
    s = summary(EN_PERCENT)
    ec = s.exit_cost
    assert ec.term_months == 12
    assert row(ec, 6).amount == pytest.approx(0.5 * 6 * 40)
    assert row(ec, 1).amount == pytest.approx(0.5 * 11 * 40)
    assert "50%" in row(ec, 6).formula


def test_placeholder_gives_formula_and_missing():
    s = summary(ZH_PLACEHOLDER)
    ec = s.exit_cost
    assert ec.monthly_minimum is None
    # nothing computable for any month: one row for "any month", not five alike (issue 11)
    early = [r for r in ec.rows if r.month is None or r.month < 24]
    assert len(early) == 1 and early[0].month is None and early[0].amount is None
    assert "(24 - n) x min" in early[0].formula
    assert any("${minCharge}" in m["zh"] and "${minCharge}" in m["en"] for m in early[0].missing)
    assert ec.total_commitment.amount is None
    assert any("${minCharge}" in m["en"] for m in ec.total_commitment.missing)
    # the verdict names the placeholder instead of inventing a number
    assert "${minCharge}" in s.verdict.line["zh"]
    assert any("${minCharge}" in q.text["zh"] for q in s.questions)


def test_missing_term_and_fee_named():
    text = ("星月会员服务协议\n\n第一条 本会员服务设有合约期，合约期内不得退订或转让。\n"
            "第二条 会员权益包括每月视频会员一个月、音乐会员一个月，按月发放。\n"
            "第三条 用户可通过APP查询权益，权益发放后不予退还，具体以页面公示为准。\n"
            "第四条 因本协议产生的争议，双方协商解决；协商不成的，提交乙方所在地人民法院诉讼解决。\n")
    s = summary(text)
    ec = s.exit_cost
    assert ec is not None and ec.term_months is None
    assert [r.month for r in ec.rows] == [None]  # one row for any month: nothing is computable
    assert all(r.amount is None for r in ec.rows)
    missing = " ".join(m["en"] for m in ec.rows[0].missing)
    assert "not stated" in missing
    assert "exit_fee_amount" in {m.id for m in s.missing_protections}


def test_gifted_credit_forfeited_is_a_separate_part():
    s = summary(ZH_TOPUP)
    ec = s.exit_cost
    assert ec.term_months == 12
    r3 = row(ec, 3)
    forfeited = [p for p in r3.parts if "forfeited" in p.label["en"]]
    assert forfeited and forfeited[0].amount == 30  # (6 - 3) x 10
    assert any(src.category == "installment_credit" for src in forfeited[0].sources)
    assert row(ec, 6).parts and [p.amount for p in row(ec, 6).parts if "forfeited" in p.label["en"]] == [0]


def test_no_exit_cost_without_lock_in_or_minimum():
    assert summary(EN_FAIR).exit_cost is None


# ------------------------------------------------------------------------------------------
# combinations

def _combo_ids(s):
    return {c.id for c in s.combinations}


def test_combinations_present():
    s = summary(ZH_TOPUP)
    ids = _combo_ids(s)
    assert {"topup_locks_you_in", "gift_clawback", "promo_ends_in_lock_in", "renews_into_new_term"} <= ids
    topup = next(c for c in s.combinations if c.id == "topup_locks_you_in")
    assert "12" in topup.explanation["zh"] and "50元" in topup.explanation["zh"]
    assert {"activation_definition", "refund_restriction"} <= {src.category for src in topup.sources}
    promo = next(c for c in s.combinations if c.id == "promo_ends_in_lock_in")
    assert "9" in promo.explanation["en"]  # 12 - 3 months at the standard price
    assert "29" in promo.explanation["zh"]
    s2 = summary(ZH_LOCK)
    commit = next(c for c in s2.combinations if c.id == "minimum_spend_commitment")
    assert "936" in commit.explanation["zh"]  # 39 x 24
    assert {"minimum_spend", "lock_in"} <= {src.category for src in commit.sources}


def test_combinations_absent():
    ids = _combo_ids(summary(ZH_LOCK))
    assert not ids & {"topup_locks_you_in", "gift_clawback", "promo_ends_in_lock_in", "renews_into_new_term"}
    assert not _combo_ids(summary(EN_FAIR))
    # top-up activation without a non-refundable clause: no top-up combination
    soft = ZH_TOPUP.replace("，首充金额不予退还", "，未激活的号卡签收后7日内可全额退款")
    assert "topup_locks_you_in" not in _combo_ids(summary(soft))
    # promotion as long as the term: no promo combination
    long_promo = ZH_TOPUP.replace("前3个月", "前12个月").replace("第4个月起", "第13个月起")
    assert "promo_ends_in_lock_in" not in _combo_ids(summary(long_promo))


# ------------------------------------------------------------------------------------------
# missing protections, questions

def test_missing_protections():
    ids = {m.id for m in summary(ZH_TOPUP).missing_protections}
    assert "refund_window" in ids and "how_to_cancel" in ids
    ids_fair = {m.id for m in summary(EN_FAIR).missing_protections}
    assert "refund_window" not in ids_fair and "how_to_cancel" not in ids_fair
    promo_no_price = ZH_TOPUP.replace("，第4个月起恢复标准资费29元/月", "，优惠期满后按届时标准资费收取")
    assert "price_after_promo" in {m.id for m in summary(promo_no_price).missing_protections}
    assert "price_after_promo" not in {m.id for m in summary(ZH_TOPUP).missing_protections}
    for m in summary(ZH_TOPUP).missing_protections:
        assert m.text["zh"] and m.text["en"]


def test_questions_quote_clauses():
    s = summary(ZH_TOPUP)
    qs = [q.text["zh"] for q in s.questions]
    assert 1 <= len(qs) <= 8
    assert len(set(qs)) == len(qs)
    assert any(q.startswith("第2.1条说“") and "首次充值即视为激活" in q and "退款" in q for q in qs)
    assert all(q.sources for q in s.questions)
    en = summary(EN_FIXED)
    assert any(q.text["en"].startswith("Clause 2.1 says \"") and "month 6" in q.text["en"] and "120" in q.text["en"]
               for q in en.questions)


# ------------------------------------------------------------------------------------------
# way out

@pytest.mark.parametrize("name,hotline,app", [("中国移动", "10086", "中国移动APP"), ("中国联通", "10010", "中国联通APP"),
                                              ("中国电信", "10000", "中国电信APP"), ("中国广电", "10099", "中国广电APP")])
def test_operator_channels(name, hotline, app):
    s = summary(ZH_LOCK.replace("星光流量卡入网服务协议", f"{name}星光流量卡入网服务协议"))
    ch = [(c.name, c.kind, c.source) for c in s.way_out.channels]
    assert (hotline, "hotline", "operator") in ch and (app, "app", "operator") in ch
    others = {"10086", "10010", "10000", "10099"} - {hotline}
    assert not others & {c.name for c in s.way_out.channels}
    assert [e.name for e in s.way_out.escalation][0] == "12300"


def test_no_operator_no_operator_channels_and_agreement_channels():
    s = summary(ZH_LOCK)
    assert not [c for c in s.way_out.channels if c.source == "operator"]
    en = summary(EN_FIXED)
    names = {c.name: c for c in en.way_out.channels}
    assert "1-800-555-0199" in names and names["1-800-555-0199"].source == "agreement"
    assert any(n.startswith("https://brightwave.example") for n in names)
    assert [e.name for e in en.way_out.escalation] == ["FCC"]
    assert [e.name for e in summary(EN_PERCENT).way_out.escalation] == ["consumer-protection"]


def test_way_out_scenarios_and_request():
    s = summary(ZH_TOPUP)
    w = s.way_out
    assert [sc.id for sc in w.scenarios] == ["not_activated", "activated_unused", "used"]
    assert all(sc.applies is None for sc in w.scenarios)
    au = next(sc for sc in w.scenarios if sc.id == "activated_unused")
    assert "第2.1条" in au.text["zh"] and au.sources
    req = w.request_text
    assert "【未激活/已激活未使用" in req["zh"] and "第2.1条" in req["zh"] and "首充50元" in req["zh"]
    assert "not activated" in req["en"] and "Clause 2.1" in req["en"] and "50 CNY" in req["en"]
    assert len(w.prepare) >= 4
    for t in (req["zh"], req["en"], *(sc.text["zh"] + sc.text["en"] for sc in w.scenarios)):
        assert not re.search(r"违法|无效|illegal|unlawful|\bvoid\b", t)
    # a membership (no telecom words) escalates to 12315
    gym = ("乐动健身会员协议\n\n第一条 会员卡有效期12个月，会员费每月199元，最短服务期12个月。\n"
           "第二条 会员卡一经售出，不予退卡退款。\n第三条 提前解约的，须支付剩余服务期会费总额的30%作为违约金。\n"
           "第四条 会员应遵守场馆规定，爱护器材设施；乙方可根据经营需要调整营业时间，并在店内公示。\n")
    assert [e.name for e in summary(gym).way_out.escalation] == ["12315"]


# ------------------------------------------------------------------------------------------
# verdict

def test_not_assessed():
    s = advise(scan("这是一个很短的说明，没有任何条款。欢迎光临本店，祝您购物愉快！"))
    assert s.verdict.assessed is False and s.verdict.grade is None
    assert "太短" in s.verdict.line["zh"] and "Too little text" in s.verdict.line["en"]
    assert s.exit_cost is None
    long_nothing = "今天天气很好，我们去公园散步，看到湖边的柳树和远处的山。" * 12
    s2 = advise(scan(long_nothing))
    assert s2.verdict.assessed is False


def test_grade_ordering_and_line():
    harsh = summary(ZH_TOPUP)
    lock = summary(ZH_LOCK)
    fair = summary(EN_FAIR)
    order = "ABCDE"
    assert harsh.verdict.assessed and fair.verdict.assessed
    assert order.index(harsh.verdict.grade) > order.index(fair.verdict.grade)
    assert order.index(lock.verdict.grade) > order.index(fair.verdict.grade)
    assert fair.verdict.grade in "AB"
    assert lock.verdict.line["zh"].startswith("锁定24个月，每月至少消费39元，提前离网需按剩余月份付费")
    assert lock.verdict.line["en"].startswith("Locked in for 24 months, at least 39 CNY a month, leaving early costs the remaining months")
    assert lock.verdict.reasons and all(r.sources for r in lock.verdict.reasons[:-1])
    assert "->" in lock.verdict.reasons[-1].text["en"]  # the points total is shown


def test_summary_json_round_trip():
    d = summary(ZH_TOPUP).to_dict()
    again = json.loads(json.dumps(d, ensure_ascii=False))
    assert again["verdict"]["grade"] in "ABCDE"
    assert again["exit_cost"]["rows"][0]["sources"][0]["evidence"]


# ------------------------------------------------------------------------------------------
# real documents

def _docs():
    files = [ROOT / "corpora" / "example-haoka-agreement.txt"]
    if AGREEMENTS.is_dir():
        files += sorted(p for p in AGREEMENTS.iterdir() if p.suffix in (".txt", ".md"))
    files += sorted((ROOT / "tests" / "data").glob("heldout*/*.txt")) + sorted((ROOT / "tests" / "data").glob("heldout*/*.md"))
    return files


@pytest.mark.parametrize("path", _docs(), ids=lambda p: p.name)
def test_never_crashes(path: Path, scanned):
    report = scanned(path)
    s = advise(report)
    d = s.to_dict()
    json.dumps(d, ensure_ascii=False)
    assert s.language == report.language


def test_example_agreement():
    s = advise(default_scanner().scan_path(ROOT / "corpora" / "example-haoka-agreement.txt"))
    assert s.verdict.grade == "E"
    assert row(s.exit_cost, 6).parts[0].amount == 702
    assert {"topup_locks_you_in", "gift_clawback", "promo_ends_in_lock_in", "minimum_spend_commitment"} <= _combo_ids(s)


@pytest.mark.skipif(not AGREEMENTS.is_dir(), reason="shared corpora not present")
def test_shared_corpora_exit_cost_traces_to_quoted_clauses(scanned):
    """The issue's acceptance: every shared document with a lock-in or minimum spend gets an exit-cost
    table whose numbers trace to quoted clauses."""
    checked = 0
    for path in sorted(p for p in AGREEMENTS.iterdir() if p.suffix in (".txt", ".md")):
        report = scanned(path)
        if not any(f.category in ("lock_in", "minimum_spend") for f in report.findings):
            continue
        s = advise(report)
        if not s.verdict.assessed:
            continue
        assert s.exit_cost is not None, path.name
        text = _flat(report.document.text)
        assert s.exit_cost.rows, path.name
        for r in (*s.exit_cost.rows, s.exit_cost.total_commitment):
            assert r.sources, (path.name, r.month)
            for src in r.sources:
                assert _flat(src.evidence) in text, (path.name, src.evidence[:40])
                assert src.category in {f.category for f in report.findings}
            if r.amount is None:
                assert r.missing or any(p.amount is None for p in r.parts), (path.name, r.month)
            else:
                assert all(p.amount is not None for p in r.parts)
                assert r.amount == pytest.approx(sum(p.amount for p in r.parts))
                numbers = [float(x) for x in re.findall(r"\d+(?:\.\d+)?", r.formula)]
                if r.amount and r.month != s.exit_cost.term_months:
                    assert numbers, (path.name, r.formula)
        checked += 1
    assert checked >= 5


def test_a_row_with_an_unknown_part_says_what_it_costs_at_least():
    """A row with one part unknown showed "no figure" although its other part was known."""
    s = summary(ZH_LOCK.replace("3.2 因本协议", "3.15 赠送话费分24个月返还，提前离网未返还部分作废。\n3.2 因本协议"))
    r6 = row(s.exit_cost, 6)
    assert r6.amount is None and r6.at_least == 18 * 39
    assert r6.to_dict()["at_least"] == 702


def test_exit_cost_applies_the_multiplier_and_the_cap():
    """"按剩余月份乘以月最低消费额的2倍支付违约金" was computed as 1x the minimum, and a cap
    ("最高不超过2000元") was ignored (issue 11)."""
    import analyzer

    text = ("本套餐合约期24个月，每月最低消费59元，自入网当月起计算。用户在合约期内提前解约、销户或携号转网的，"
            "须按剩余月份乘以月最低消费额的2倍支付违约金{cap}。首次充值50元，充值后视为激活，首充费用不予退还。"
            "合约期满后自动续约12个月，如不续约请提前一个月致电客服。")
    rows = {r.month: r for r in analyzer.scan(text.format(cap="")).summary.exit_cost.rows}
    assert rows[12].amount == 12 * 59 * 2 and "x 2" in rows[12].formula
    capped = {r.month: r for r in analyzer.scan(text.format(cap="，最高不超过2000元")).summary.exit_cost.rows}
    assert capped[12].amount == 1416 and capped[1].amount == 2000


# Exit-cost constructs (issue 11), one clause of our own each, zh and en; leaving after month n
# means n months served. Each was computed wrongly before: the percentage after "额的" ignored,
# "whichever is higher" ignored, a month-range schedule read as its first amount, a fee that
# declines "for each full month" read as a constant, the ETF's "greater of $100" taken as a
# monthly minimum spend of $100.
EXIT_CONSTRUCTS = {
    "percent_and_floor_zh": (
        "本套餐合约期24个月，每月最低消费50元。用户提前解约的，应按剩余月份乘以月最低消费额的30%支付违约金，最低不少于100元。",
        {1: 23 * 50 * 0.3, 6: 18 * 50 * 0.3, 12: 12 * 50 * 0.3}),
    "higher_of_zh": (
        "本套餐合约期12个月，每月最低消费50元。提前解约的，违约金为剩余月份最低消费总额的50%或200元，以较高者为准。",
        {1: 275, 3: 225, 6: 200}),  # month 6: 6 x 50 x 50% = 150 < 200
    "higher_of_en": (
        "The minimum term is 24 months at $40 per month. If you cancel early you must pay an early termination fee "
        "equal to the greater of $100 or 50% of the remaining monthly charges.",
        {1: 460, 12: 240}),
    "schedule_zh": (
        "本协议合约期12个月，每月最低消费30元。合约期内提前解约的，第1-3个月内解约须支付违约金300元，"
        "第4-6个月内解约支付200元，第7-12个月内解约支付100元。",
        {1: 300, 3: 300, 6: 200}),
    "schedule_en": (
        "Your plan has a 12-month minimum term. If you cancel, the cancellation fee is $150 in months 1-6 and $75 in months 7-12.",
        {1: 150, 6: 150}),
    "declining_en": (
        "Your plan has a 24-month minimum term at $30 a month. If you cancel during the minimum term, an early "
        "termination fee applies: $200, reduced by $10 for each full month of service completed.",
        {1: 190, 6: 140, 12: 80}),
    "declining_zh": (
        "本协议合约期12个月。提前解约的，须支付违约金240元，每在网满一个月递减20元。",
        {1: 220, 6: 120}),
    "twice_capped_en": (
        "Your plan has a 12-month minimum term and a minimum monthly charge of $25. If you end the contract early you "
        "will pay twice the monthly charge for each remaining month, capped at $300.",
        {1: 300, 6: 300}),
}


@pytest.mark.parametrize("name", sorted(EXIT_CONSTRUCTS))
def test_exit_cost_constructs(name):
    text, expected = EXIT_CONSTRUCTS[name]
    ec = summary(text).exit_cost
    assert ec is not None
    for month, amount in expected.items():
        r = row(ec, month)
        assert r.amount == pytest.approx(amount), (month, r.formula)
        assert sum(p.amount for p in r.parts) == pytest.approx(r.amount)  # the parts add up


def test_schedule_months_are_not_a_lock_in_length():
    """"第1-3个月内解约" and "每在网满一个月" are month numbers, not a 3- or 1-month term."""
    for name in ("schedule_zh", "declining_zh"):
        fs = scan(EXIT_CONSTRUCTS[name][0]).findings
        assert {f.values.get("months") for f in fs if f.category == "lock_in"} <= {12, None}


def test_a_greater_of_exit_fee_is_not_a_minimum_spend():
    fs = scan(EXIT_CONSTRUCTS["higher_of_en"][0]).findings
    assert not [f for f in fs if f.category == "minimum_spend"]


def test_a_pasted_excerpt_with_findings_gets_a_verdict_marked_excerpt():
    """A buyer pastes two clauses: 5 high-severity findings and no verdict ("文本太短") was the
    answer below ~120 characters (issue 11). It is now judged, and says it saw an excerpt only."""
    s = advise(scan("本套餐合约期24个月，每月最低消费59元，提前解约须支付违约金300元。首充50元不退。"))
    assert s.verdict.assessed and s.verdict.grade in ("C", "D", "E") and s.verdict.excerpt
    assert s.verdict.line["zh"].startswith("仅依据摘录：") and "300元" in s.verdict.line["zh"]
    assert s.verdict.line["en"].startswith("Based on the excerpt only: ")
    assert s.verdict.to_dict()["excerpt"] is True
    assert {r.amount for r in s.exit_cost.rows if r.month and r.month < 24} == {300}
    full = advise(scan("本套餐合约期24个月，每月最低消费59元，自入网当月起计算。用户在合约期内提前解约、销户或携号转网的，"
                       "须支付违约金300元。首次充值50元，充值后视为激活，首充费用不予退还。合约期满后自动续约12个月，"
                       "如不续约请在到期前一个月致电客服或到营业厅办理。"))
    assert full.verdict.assessed and not full.verdict.excerpt and "excerpt" not in full.verdict.to_dict()


def test_traditional_chinese_gets_the_same_advice_as_simplified():
    """The same agreement in traditional characters lost verdict facts (the first top-up not
    refunded, the gifted credit forfeited): the advice read the original characters while its
    rules are written in simplified ones (issue 11)."""
    simp = ("本套餐合约期24个月，每月最低消费59元，自入网当月起计算。用户在合约期内提前解约、销户或携号转网的，"
            "须按剩余月份乘以月最低消费额支付违约金。首次充值100元，充值后视为激活，首充费用不予退还。"
            "赠送话费分24个月返还，提前离网未返还部分作废。合约期满后自动续约12个月。")
    trad = ("本套餐合約期24個月，每月最低消費59元，自入網當月起計算。用戶在合約期內提前解約、銷戶或攜號轉網的，"
            "須按剩餘月份乘以月最低消費額支付違約金。首次充值100元，充值後視為激活，首充費用不予退還。"
            "贈送話費分24個月返還，提前離網未返還部分作廢。合約期滿後自動續約12個月。")
    a, b = advise(scan(simp)), advise(scan(trad))
    assert b.verdict.grade == a.verdict.grade and b.verdict.line == a.verdict.line
    assert "首充100元不退" in b.verdict.line["zh"]
    assert [(r.month, r.amount, r.formula) for r in b.exit_cost.rows] == \
           [(r.month, r.amount, r.formula) for r in a.exit_cost.rows]


def test_advice_uses_the_words_of_the_product_bought():
    """A gym card was told about 离网 and a US cable agreement was asked for "a photo of the SIM
    card" (issue 11): the advice now names what was bought."""
    gym = ("健身会员卡协议。第一条 会员卡为12个月年卡，会籍期内每月会费199元，无论是否到店训练均照常扣收。"
           "第二条 会员在会籍期内提前退卡的，须支付剩余月份会费作为违约金，已付费用不予退还。"
           "第三条 私教课程另行收费，课时有效期6个月，逾期作废。")
    s = summary(gym)
    texts = " ".join([r.label["zh"] for r in s.exit_cost.rows] + [s.verdict.line["zh"]]
                     + [p["zh"] for p in s.way_out.prepare])
    assert "离网" not in texts and "号卡" not in texts and "流量" not in texts and "首充" not in texts and "退出" in texts
    assert any(e.name == "12315" and "预付式消费" in e.text["zh"] for e in s.way_out.escalation)
    cable = ("Residential Services Agreement. Your cable and internet service requires a 12-month minimum term; "
             "if you cancel early you must pay an early termination fee of $10 for each remaining month. "
             "Equipment such as your modem and router must be returned within 14 days or you will be charged "
             "an unreturned equipment fee. Monthly service fees are billed in advance and are non-refundable.")
    prep = " ".join(p["en"] for p in summary(cable).way_out.prepare)
    assert "SIM" not in prep and "equipment" in prep
    phone = summary(ZH_LOCK)
    assert any("离网" in r.label["zh"] for r in phone.exit_cost.rows)


@pytest.mark.skipif(not AGREEMENTS.is_dir(), reason="shared corpora not present")
def test_shared_corpora_numbers_add_up(scanned):
    """Issue 11's consistency check over every shared agreement: an exit-cost row's parts sum to
    its total (or to its "at least" figure), and the verdict's listed reasons add up to its
    total (the 13.5 points of minor terms were not listed)."""
    import re

    checked = 0
    for path in sorted(AGREEMENTS.iterdir()):
        if path.suffix not in (".txt", ".md", ".html", ".pdf"):
            continue
        s = scanned(path).summary
        if s is None or not s.verdict.assessed:
            continue
        points = [re.search(r"\((?:\+|-)([\d.]+)\)$", r.text["en"]) for r in s.verdict.reasons[:-1]]
        signs = [-1 if "(-" in r.text["en"] else 1 for r in s.verdict.reasons[:-1]]
        total = float(re.search(r"Total ([\d.-]+) points", s.verdict.reasons[-1].text["en"]).group(1))
        assert all(points), (path.name, [r.text["en"] for r in s.verdict.reasons])
        assert abs(sum(sign * float(m.group(1)) for sign, m in zip(signs, points, strict=False)) - total) < 1e-6, path.name
        for row in (s.exit_cost.rows if s.exit_cost else ()):
            known = [p.amount for p in row.parts if p.amount is not None]
            if row.amount is not None and row.parts:
                assert abs(sum(known) - row.amount) < 0.01, (path.name, row.month)
            elif row.at_least is not None:
                assert abs(sum(known) - row.at_least) < 0.01, (path.name, row.month)
        checked += 1
    assert checked >= 20


def test_first_top_up_is_money_paid_now_and_a_dearer_early_exit_is_explained():
    """Issue 11: the 100元 first top-up was 'not counted', and leaving after month 1 (1,017元)
    cost more than the 'minimum total commitment' (936元) with no explanation."""
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "corpora" / "example-haoka-agreement.txt"
    ec = scan(example.read_text(encoding="utf-8")).summary.exit_cost
    assert ec.upfront is not None and ec.upfront.amount == 100 and "首充" in ec.upfront.label["zh"]
    assert ec.to_dict()["upfront"]["amount"] == 100
    first = next(r for r in ec.rows if r.month == 1)
    assert first.amount > ec.total_commitment.amount
    assert any("高于全程最低总承诺" in n["zh"] and "costs more than" in n["en"] for n in ec.notes)
    assert not any("未计入下表" in n["zh"] and "首充" in n["zh"] for n in ec.notes)


def test_a_subscription_is_told_where_its_renewal_is_paid_and_product_can_be_given():
    """Issue 11: way-out channels per product: an app subscription is stopped where it is paid
    (app store, payment app); --product overrides the kind read from the text."""
    text = ("会员自动续费服务协议\n1. 您开通连续包月会员后，会员服务将在每个计费周期到期前自动续费，费用为每月15元，从您绑定的支付账户中扣除。\n"
            "2. 如需取消自动续费，请在到期前至少24小时关闭，已扣除的会员费用不予退还。\n"
            "3. 我们有权根据运营情况调整会员价格，调整后的价格将在下一个计费周期生效。\n")
    report = scan(text)
    s = advise(report)
    assert any(c.source == "payment" and "App Store" in c.name for c in s.way_out.channels)
    gym = advise(report, product="membership")
    assert not any(c.source == "payment" for c in gym.way_out.channels)
    assert any("预付式消费" in e.text["zh"] for e in gym.way_out.escalation)


GYM = ("星动健身会员卡协议\n一、会员卡有效期12个月，自开卡之日起计算，会员费每月199元，按月自动扣款。\n"
       "二、会员在有效期内申请退卡的，须支付剩余月份会费总额的20%作为违约金，最低不少于300元。\n"
       "三、开卡时须一次性缴纳入会费500元，入会费不予退还。\n")


def test_a_membership_term_named_by_the_leaving_clause_is_read():
    """Regression: a gym card's exit fee "在有效期内申请退卡的…剩余月份会费总额的20%" with
    "会员卡有效期12个月, 会员费每月199元" elsewhere gave "term not stated", "(T - n) x min" and
    a question "如果我在第None个月后离开"."""
    s = summary(GYM)
    ec = s.exit_cost
    assert ec.term_months == 12
    assert row(ec, 1).amount == pytest.approx(11 * 199 * 0.2)
    assert row(ec, 6).amount == 300  # 6 x 199 x 20% = 238.8 < the floor of 300
    texts = " ".join(q.text["zh"] for q in s.questions)
    assert "None" not in texts and "第6个月后离开" in texts


def test_a_question_about_an_unknown_month_says_no_month():
    s = summary("会员协议。会员在合约期内提前退出的，须支付违约金，具体金额以门店公示为准。本合约期自开卡之日起计算。")
    assert all("None" not in q.text["zh"] and "None" not in q.text["en"] for q in s.questions)


BROADBAND = ("FastNet Home Broadband Agreement\n1. Minimum term. Your broadband service has a minimum term of 18 months "
             "starting on the activation date.\n2. Monthly charges. You will pay £32 a month for the first 12 months; from "
             "month 13 the price is £45 a month.\n3. Leaving early. If you end the service during the minimum term you must "
             "pay an early termination charge equal to the monthly charges remaining until the end of the minimum term, "
             "less 4% for the costs we save.\n")


def test_remaining_charges_less_a_percentage():
    """Regression: "the monthly charges remaining …, less 4% for the costs we save" was the full
    remaining charges (£462 after month 6)."""
    ec = summary(BROADBAND).exit_cost
    assert row(ec, 6).amount == pytest.approx((6 * 32 + 6 * 45) * 0.96)
    assert "96%" in row(ec, 6).formula


def test_promotion_combination_names_the_price_after_the_promotion():
    """Regression: "for the other 6 months you pay the standard price of £32" (the promotional
    price); the price after the promotion is £45."""
    combo = next(c for c in summary(BROADBAND).combinations if c.id == "promo_ends_in_lock_in")
    assert "£45" in combo.explanation["en"] and "£32" not in combo.explanation["en"]
