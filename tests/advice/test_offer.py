"""The advert check (analyzer.advice.offer): parsing the advert's claims, and comparing each with the
agreement's findings. Every advert and agreement here is written for these tests."""
from __future__ import annotations

import json

import pytest

import analyzer
from analyzer.advice.model import OfferCheck
from analyzer.advice.offer import check_offer, parse_offer

# --- agreements (project-written) ---------------------------------------------------------

ZH_BAD = """第一条 本套餐月租29元，含30GB通用流量和70GB定向流量，定向流量仅限抖音、快手等指定APP使用。
第二条 本协议合约期为24个月，自入网次月起计算。
第三条 甲方承诺每月最低消费39元，不足部分按39元收取。
第四条 首充50元即视为激活，首充费用不予退还。
第五条 另收取卡费10元。
"""

ZH_GOOD = """本套餐月租19元，含100GB全国通用流量，无定向流量。本套餐无合约期，可随时销户，不收取违约金。
本套餐无月最低消费。免收卡费和激活费，全国包邮。购卡后7天内可申请全额退款，不收取任何手续费。
"""

ZH_QUALIFIED = """一、新用户前6个月19元/月，第7个月起恢复39元/月标准资费。
二、当月通用流量使用超过40GB后限速至1Mbps。
三、号卡签收后7天内未激活方可申请退款。
"""

ZH_TRIAL = """一、资费说明：首月体验金：新用户当月可获得30元话费，次月起按月租扣费。
二、激活需首次充值100元。
三、套餐流量超过100G后暂停上网服务，次月1日自动恢复。
"""

EN_BAD = """Plan Terms. The promotional price of $30 per month applies for 12 months; the regular rate of $55 per month applies thereafter.
This agreement has a minimum term of 24 months.
Data overage charges of $10 per GB apply once you exceed your allowance.
A one-time activation fee of $35 applies to each line.
All fees are non-refundable.
"""

EN_GOOD = """Plan Terms. The plan costs £10 a month. No contract: this plan is month-to-month and you can cancel anytime.
There is no activation fee. We will never throttle your data.
If you are not happy, our 30-day money-back guarantee applies.
"""

EN_QUALIFIED = """Plan Terms. Your plan costs $20 per month for the first 6 months; the regular rate of $35 per month applies thereafter.
The plan includes 50GB of data, of which 30GB is zero-rated data that only works in selected apps.
You may cancel at any time, but an early termination fee of $50 applies.
Refunds are available only within 14 days of purchase and only if the SIM has not been activated.
Unlimited data: after 50GB of usage in a billing cycle, your speeds will be reduced to 128kbps.
"""

SILENT = "第一条 甲方同意乙方将其个人信息提供给合作方用于营销。第二条 争议提交乙方所在地法院管辖。"


def _check(agreement: str, advert: str) -> dict[str, list]:
    oc = check_offer(advert, analyzer.scan(agreement))
    assert isinstance(oc, OfferCheck) and oc.text == advert
    out: dict[str, list] = {}
    for c in oc.claims:
        out.setdefault(c.kind, []).append(c)
    return out


def _one(claims: dict, kind: str):
    assert kind in claims, f"no {kind} claim in {list(claims)}"
    assert len(claims[kind]) == 1
    return claims[kind][0]


def _quotes_both(c, *agreement_words: str) -> None:
    """The explanation, in both languages, quotes the advert and the agreement."""
    for lang in ("zh", "en"):
        text = c.explanation[lang]
        assert c.advert in text, (lang, text)
        for w in agreement_words:
            assert w in text, (lang, w, text)
    assert c.sources, "a checked claim names the clauses it rests on"


# --- pairs: contradictions ------------------------------------------------------------------

def test_zh_advert_contradicted_on_every_claim():
    claims = _check(ZH_BAD, "29元/月 100G通用流量 无合约 可退 免费激活")
    price = _one(claims, "price")
    assert price.status == "contradicted"
    _quotes_both(price, "最低消费39元")
    assert {s.category for s in price.sources} == {"minimum_spend"}

    data = _one(claims, "data")
    assert data.status == "contradicted"
    assert "广告：100G通用流量；协议：30G通用 + 70G定向" in data.explanation["zh"]
    assert "30GB general + 70GB app-only" in data.explanation["en"]
    _quotes_both(data, "70GB定向流量")
    assert data.sources[0].category == "directional_data"

    nc = _one(claims, "no_contract")
    assert nc.status == "contradicted"
    _quotes_both(nc, "合约期为24个月")
    assert "24" in nc.explanation["en"]

    ref = _one(claims, "refundable")
    assert ref.status == "contradicted"
    _quotes_both(ref, "首充费用不予退还")

    act = _one(claims, "free_activation")
    assert act.status == "contradicted"
    _quotes_both(act, "首充50元")
    assert "card fee of 10 CNY" in act.explanation["en"]
    assert {"activation_definition", "extra_fees"} <= {s.category for s in act.sources}


def test_en_advert_contradicted():
    claims = _check(EN_BAD, "$25/mo unlimited data, no contract, money-back guarantee, free activation")
    price = _one(claims, "price")
    assert price.status == "contradicted"  # $25 is not the promotional price: the regular one is $55
    _quotes_both(price, "$55")
    data = _one(claims, "data")
    assert data.status == "contradicted"
    _quotes_both(data, "overage")
    assert _one(claims, "no_contract").status == "contradicted"
    assert _one(claims, "refundable").status == "contradicted"
    act = _one(claims, "free_activation")
    assert act.status == "contradicted"
    assert "$35" in act.explanation["en"]


# --- pairs: qualifications -------------------------------------------------------------------

def test_zh_advert_qualified():
    claims = _check(ZH_QUALIFIED, "19元/月 不限量 可退")
    price = _one(claims, "price")
    assert price.status == "qualified"
    _quotes_both(price, "39元/月")
    assert "前6个月" in price.explanation["zh"] and "first 6 months" in price.explanation["en"]
    data = _one(claims, "data")
    assert data.status == "qualified"  # throttled, not stopped
    assert "1Mbps" in data.explanation["en"] and "40GB" in data.explanation["en"]
    ref = _one(claims, "refundable")
    assert ref.status == "qualified"
    _quotes_both(ref, "未激活")
    assert "7" in ref.explanation["en"]


def test_en_advert_qualified():
    claims = _check(EN_QUALIFIED, "$20/month for 50GB data, cancel anytime, full refund")
    price = _one(claims, "price")
    assert price.status == "qualified"
    assert "$35 a month" in price.explanation["en"]
    data = [c for c in claims["data"] if c.values.get("data_gb") == 50]
    assert data and data[0].status == "qualified"  # the advert did not say the data is general
    assert "30GB app-only" in data[0].explanation["en"]
    nc = _one(claims, "no_contract")
    assert nc.status == "qualified" and "$50" in nc.explanation["en"]
    ref = _one(claims, "refundable")
    assert ref.status == "qualified" and "14 days" in ref.explanation["en"]


def test_unlimited_and_throttle_en():
    claims = _check(EN_QUALIFIED, "unlimited data")
    data = _one(claims, "data")
    assert data.status == "qualified" and "128kbps" in data.explanation["en"]


def test_first_month_free_and_first_topup_zh():
    claims = _check(ZH_TRIAL, "首月免费 免首充 不限量")
    free = _one(claims, "price")
    assert free.values == {"amount": 0, "free": True, "months": 1}
    assert free.status == "qualified"  # only a one-off credit
    assert "30元" in free.explanation["zh"] and "体验金" in free.explanation["zh"]
    act = _one(claims, "free_activation")
    assert act.status == "contradicted"
    _quotes_both(act, "激活需首次充值100元")
    data = _one(claims, "data")
    assert data.status == "contradicted"  # stops after 100G: not unlimited
    assert "100GB" in data.explanation["en"]


# --- pairs: confirmations --------------------------------------------------------------------

def test_zh_advert_confirmed():
    claims = _check(ZH_GOOD, "月租19元 100G通用流量 无合约 七天无理由 0元开卡 包邮")
    price = _one(claims, "price")
    assert price.status == "confirmed"
    assert price.sources[0].category == "price"  # a plain statement of the price
    _quotes_both(price, "月租19元")
    assert _one(claims, "data").status == "confirmed"
    nc = _one(claims, "no_contract")
    assert nc.status == "confirmed" and nc.sources[0].category in ("lock_in", "early_termination_fee")
    ref = _one(claims, "refundable")
    assert ref.status == "confirmed" and ref.values == {"days": 7}
    acts = {c.values["what"]: c for c in claims["free_activation"]}
    assert acts["activation"].status == "confirmed" and acts["shipping"].status == "confirmed"
    _quotes_both(acts["shipping"], "全国包邮")


def test_en_advert_confirmed():
    claims = _check(EN_GOOD, "only £10 a month, unlimited data, no contract, money-back guarantee, free activation")
    for kind in ("price", "data", "no_contract", "refundable", "free_activation"):
        c = _one(claims, kind)
        assert c.status == "confirmed", (kind, c.explanation)
        assert c.sources
    _quotes_both(_one(claims, "price"), "£10 a month")
    _quotes_both(_one(claims, "data"), "never throttle")


def test_unverified_when_the_agreement_is_silent():
    claims = _check(SILENT, "29元/月 100G通用流量 无合约 可退 免费激活")
    assert sorted(claims) == ["data", "free_activation", "no_contract", "price", "refundable"]
    for cs in claims.values():
        for c in cs:
            assert c.status == "unverified" and c.sources == ()
            assert c.advert in c.explanation["zh"] and c.advert in c.explanation["en"]


def test_sources_point_into_the_agreement():
    report = analyzer.scan(ZH_BAD)
    text = report.document.text
    for c in check_offer("29元/月 100G通用流量 无合约", report).claims:
        for s in c.sources:
            assert s.page == 1
            assert " ".join(text[s.start:s.end].split()) == " ".join(s.evidence.split())


def test_json_shape():
    oc = check_offer("29元/月 无合约", analyzer.scan(ZH_BAD))
    d = json.loads(json.dumps(oc.to_dict(), ensure_ascii=False))
    assert d["text"] == "29元/月 无合约"
    assert [c["kind"] for c in d["claims"]] == ["price", "no_contract"]
    for c in d["claims"]:
        assert set(c) == {"kind", "advert", "status", "explanation", "sources", "values"}
        assert set(c["explanation"]) == {"zh", "en"}
        assert c["status"] in ("contradicted", "qualified", "confirmed", "unverified")
        for s in c["sources"]:
            assert set(s) == {"category", "evidence", "page", "start", "end"}


# --- the parser alone ------------------------------------------------------------------------

@pytest.mark.parametrize("advert, expected", [
    ("29元/月 100G通用流量 无合约", [
        ("price", "29元/月", {"amount": 29, "currency": "CNY", "period": "month"}),
        ("data", "100G通用流量", {"data_gb": 100, "data_kind": "general"}),
        ("no_contract", "无合约", {"mode": "no_contract"}),
    ]),
    ("月租19元，100G全国流量，随时可销，七天无理由，0元开卡，包邮", [
        ("price", "月租19元", {"amount": 19, "currency": "CNY", "period": "month"}),
        ("data", "100G全国流量", {"data_gb": 100, "data_kind": "general"}),
        ("no_contract", "随时可销", {"mode": "cancel_anytime"}),
        ("refundable", "七天无理由", {"days": 7}),
        ("free_activation", "0元开卡", {"what": "activation"}),
        ("free_activation", "包邮", {"what": "shipping"}),
    ]),
    ("¥29/月 不限量 免首充 首月免费 随时注销 不限合约", [
        ("price", "¥29/月", {"amount": 29, "currency": "CNY", "period": "month"}),
        ("data", "不限量", {"unlimited": True}),
        ("free_activation", "免首充", {"what": "first_topup"}),
        ("price", "首月免费", {"amount": 0, "free": True, "months": 1}),
        ("no_contract", "随时注销", {"mode": "cancel_anytime"}),
        ("no_contract", "不限合约", {"mode": "no_contract"}),
    ]),
    ("Only £10 a month, unlimited data, no contract, cancel anytime, full refund, free activation", [
        ("price", "Only £10 a month", {"amount": 10, "currency": "GBP", "period": "month"}),
        ("data", "unlimited data", {"unlimited": True}),
        ("no_contract", "no contract", {"mode": "no_contract"}),
        ("no_contract", "cancel anytime", {"mode": "cancel_anytime"}),
        ("refundable", "full refund", {}),
        ("free_activation", "free activation", {"what": "activation"}),
    ]),
    ("$25/mo for 100GB. 30-day money-back guarantee. No setup fee. First 3 months free.", [
        ("price", "$25/mo", {"amount": 25, "currency": "USD", "period": "month"}),
        ("data", "100GB", {"data_gb": 100, "data_kind": "unspecified"}),
        ("refundable", "30-day money-back guarantee", {"days": 30}),
        ("free_activation", "No setup fee", {"what": "activation"}),
        ("price", "First 3 months free", {"amount": 0, "free": True, "months": 3}),
    ]),
    ("前3个月19元/月 5G套餐 30G通用+70G定向", [
        ("price", "前3个月19元/月", {"amount": 19, "currency": "CNY", "period": "month", "intro_months": 3}),
        ("data", "30G通用", {"data_gb": 30, "data_kind": "general"}),
        ("data", "70G定向", {"data_gb": 70, "data_kind": "directional"}),
    ]),
])
def test_parser_keeps_the_advert_words(advert, expected):
    got = [(c.kind, c.advert, c.values) for c in parse_offer(advert)]
    assert got == expected
    for c in parse_offer(advert):
        assert advert[c.start:c.end] == c.advert


def test_parser_is_not_fooled():
    # the network generation, a negated refund, a top-up amount and a plain number are not claims
    assert parse_offer("5G网络，信号好") == []
    assert [c.kind for c in parse_offer("本卡不可退")] == []
    # a gift is a claim of its own (issue 11: "首充100送120" is matched to instalment-credit clauses)
    assert [(c.kind, c.values.get("amount"), c.values.get("paid")) for c in parse_offer("首充100元送200元")] == [("gift", 200, 100)]
    assert [c.kind for c in parse_offer("This plan is non-refundable")] == []


def test_full_width_advert():
    cs = parse_offer("２９元／月　１００Ｇ通用流量")
    assert [(c.kind, c.values.get("amount") or c.values.get("data_gb")) for c in cs] == [("price", 29), ("data", 100)]
    assert cs[0].advert == "２９元／月"


@pytest.mark.parametrize("advert", ["", "   ", "欢迎选购，质量保证，下单即发", "Great network, friendly support!"])
def test_advert_without_claims(advert):
    assert parse_offer(advert) == []
    oc = check_offer(advert, analyzer.scan(ZH_BAD))
    assert oc.claims == () and oc.to_dict() == {"text": advert, "claims": []}


def test_regression_a_no_refund_clause_contradicts_whichever_pattern_found_it():
    # the check used to look for "non-refundable" in the pattern id: a concept pattern that
    # found "首充费用不予退还" made the advert's "可退" merely "qualified"
    claims = _check("第四条 首充50元即视为激活，首充费用不予退还。第五条 另收取卡费10元。", "可退")
    assert _one(claims, "refundable").status == "contradicted"


def test_every_advert_claim_is_reported_and_contradictions_reach_the_verdict():
    """Issue 11: gifts ("首充100送120"), "0元预存" and "免费安装" were dropped from the advert
    check, and a contradicted claim did not count in the verdict."""
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "corpora" / "example-haoka-agreement.txt"
    base = analyzer.scan(example)
    r = base.with_offer("19元/月 无合约 首充100送120 0元预存 免费安装 赠视频会员")
    got = {c.kind: c.status for c in r.offer.claims}
    assert got["gift"] == "qualified"            # paid by the month, lost on leaving
    assert got["no_prepay"] == "contradicted"    # a 100元 first top-up is required
    assert got["free_activation"] == "unverified"  # installation: the agreement says nothing
    assert [c.advert for c in r.offer.claims if c.kind == "other"] == ["赠视频会员"]
    gift = next(c for c in r.offer.claims if c.kind == "gift")
    assert "每月10元" in gift.explanation["zh"]
    # contradicted claims are reasons of the verdict, and the reasons still add up
    v0, v = base.summary.verdict, r.summary.verdict
    bad = [c for c in r.offer.claims if c.status == "contradicted"]
    assert v.points == v0.points + 2 * len(bad)
    assert sum("广告说法与协议不符" in x.text["zh"] for x in v.reasons) == len(bad) >= 3
    assert v.reasons[-1].text["zh"].startswith(f"合计{v.points:g}分")
