"""analyzer.engine.detect: candidates, require/exclude/window, protections (negation), one finding per
sentence per category, evidence quoting, values; plus negation on the real library."""
from __future__ import annotations

from pathlib import Path

import pytest

from analyzer import scan
from analyzer.engine.detect import EVIDENCE_TARGET, detect
from analyzer.engine.extract import extract_bytes
from analyzer.engine.normalize import normalize
from analyzer.engine.patterns import library, parse_pattern
from analyzer.engine.segment import split_sentences
from analyzer.errors import UsageError

EXAMPLES = [{"text": "正例", "expect": "finding"}, {"text": "反例", "expect": "none"}]


def pat(pid: str, category: str, **fields):
    data = {"id": pid, "category": category, "lang": fields.pop("lang", "zh"), "description": "test pattern",
            "explanation": {"zh": "测试", "en": "test"}, "examples": EXAMPLES, **fields}
    return parse_pattern(Path(f"/virtual/{category}/{pid}.yaml"), data)


def run(text: str, *patterns):
    doc = extract_bytes(text.encode("utf-8"), "t.txt", "text")
    norm = normalize(doc.text)
    findings, protections, warnings = detect(doc, norm, split_sentences(norm.text), tuple(patterns))
    assert not warnings
    return findings, protections


ETF = pat("zh-etf", "early_termination_fee", match=["违约金"], values=["amount"],
          protection=[r"(?:不|无需|免)(?:收取|收|支付|交)?违约金"], defaults={"period": "once"})


# --------------------------------------------------------------------------- engine

def test_finding_with_values_and_defaults():
    f, p = run("提前解约的，须支付违约金200元。", ETF)
    assert not p and len(f) == 1
    assert f[0].category == "early_termination_fee" and f[0].pattern == "early_termination_fee/zh-etf"
    assert f[0].values == {"amount": 200, "currency": "CNY", "period": "once"}
    assert f[0].severity == "high" and f[0].matched == "违约金"


def test_defaults_only_when_an_amount_is_stated():
    f, _ = run("提前解约的，须支付违约金。", ETF)
    assert f[0].values == {}


@pytest.mark.parametrize("text", ["提前解约不收取违约金。", "用户可随时销户，无需支付违约金。", "免违约金，随时可退。"])
def test_negated_clause_is_a_protection(text):
    f, p = run(text, ETF)
    assert f == [] and len(p) == 1
    assert p[0].category == "early_termination_fee" and p[0].pattern == "early_termination_fee/zh-etf"
    assert p[0].evidence == text


def test_protection_of_one_pattern_overrides_another_patterns_finding():
    plain = pat("zh-etf-plain", "early_termination_fee", match=["违约金"], confidence=0.95)
    f, p = run("本套餐提前解约不收取违约金。", plain, ETF)
    assert f == [] and len(p) == 1


def test_protection_only_in_its_sentence():
    f, p = run("本套餐提前解约不收取违约金。但号码转网的，须支付违约金100元。", ETF)
    assert len(p) == 1 and len(f) == 1
    assert f[0].values["amount"] == 100


def test_one_finding_per_sentence_per_category():
    a = pat("zh-a", "early_termination_fee", match=["违约金"], values=["amount"], confidence=0.9)
    b = pat("zh-b", "early_termination_fee", match=["剩余月份"], values=["months"], confidence=0.7)
    f, _ = run("提前解约须支付违约金300元，违约金按剩余月份计算，最长24个月。", a, b)
    assert len(f) == 1
    assert f[0].pattern == "early_termination_fee/zh-a"  # the most confident pattern wins
    assert f[0].values["amount"] == 300 and f[0].values["months"] == 24  # values merged from the other


def test_different_categories_in_one_sentence_give_two_findings():
    lock = pat("zh-lock", "lock_in", match=["合约期"], values=["months"])
    f, _ = run("合约期24个月，提前解约须支付违约金300元。", ETF, lock)
    assert sorted(x.category for x in f) == ["early_termination_fee", "lock_in"]


def test_each_sentence_is_its_own_finding():
    f, _ = run("提前解约须支付违约金300元。\n转网须支付违约金100元。", ETF)
    assert [x.values["amount"] for x in f] == [300, 100]
    assert f[0].location.start < f[1].location.start


def test_require_and_exclude():
    p = pat("zh-r", "lock_in", match=["在网"], require=[["个月", "年"], "不得"], exclude=["可随时"])
    assert run("乙方承诺在网24个月，期间不得销户。", p)[0]
    assert not run("乙方承诺在网24个月。", p)[0]  # "不得" missing
    assert not run("乙方在网期间不得欠费。", p)[0]  # neither 个月 nor 年
    assert not run("乙方在网12个月内不得转网，但可随时销户。", p)[0]  # excluded


def test_window_limits_the_scope():
    p = pat("zh-w", "lock_in", match=["合约期"], require=["个月"], window=6)
    assert run("合约期为24个月。", p)[0]
    assert not run("合约期内的各项资费和优惠活动说明详见附件一，附件共有十二个月的明细。", p)[0]



def test_anchored_exclusion_of_a_windowed_pattern_reads_the_whole_sentence():
    # "^" and "$" in an exclusion are the sentence's ends, not the window's: a note's lead-in
    # ("注：") and a closing "详见附件" far from the match still exclude it
    p = pat("zh-wq", "lock_in", match=["不得办理"], window=8, exclude=[r"^\s*注[:：]", r"详见附件。?\s*$"])
    assert run("协议期内不得办理降档和携号转网业务。", p)[0]
    assert not run("注：本活动的参与用户在协议期内不得办理降档业务。", p)[0]
    assert not run("协议期内不得办理降档和携号转网业务，具体的业务范围与办理条件详见附件。", p)[0]
    # an unanchored exclusion still reads only the window
    q = pat("zh-wx", "lock_in", match=["不得办理"], window=8, exclude=["欠费"])
    assert run("协议期内不得办理降档和携号转网业务，欠费的处理另见第八条。", q)[0]


def test_headings_are_not_findings():
    f, _ = run("第五条 违约金\n本协议的其他内容与资费无关。", ETF)
    assert f == []


def test_context_raises_confidence():
    p = pat("zh-c", "lock_in", match=["合约期"], confidence=0.7, context=["违约", "销户"])
    f1, _ = run("合约期24个月。", p)
    f2, _ = run("合约期24个月，期间销户视为违约。", p)
    assert f1[0].confidence == pytest.approx(0.7) and f2[0].confidence == pytest.approx(0.8)


def test_set_values_are_always_present():
    p = pat("zh-m", "minimum_spend", match=["最低消费"], values=["amount"], set={"period": "month"})
    f, _ = run("本套餐最低消费58元。", p)
    assert f[0].values == {"amount": 58, "currency": "CNY", "period": "month"}


def test_evidence_quotes_the_original_text():
    original = "第一條 資費\n提前解約的，須支付違約金：２００元。\n"
    f, _ = run(original, ETF)
    assert f[0].evidence == "提前解約的，須支付違約金：２００元。"
    assert f[0].evidence in original
    assert original[f[0].location.start:f[0].location.end].strip() == f[0].evidence
    assert f[0].values["amount"] == 200
    assert f[0].section == "第一条资费"  # sections are named in normalized form
    assert f[0].matched == "違約金"


def test_evidence_across_a_wrapped_line():
    original = "甲方在合约期内提前解除本协议或办理销户、携号转网的，应当一次性向乙方支付违\n约金500元，并退还已享受的优惠。"
    f, _ = run(original, ETF)
    assert len(f) == 1 and f[0].values["amount"] == 500
    assert f[0].evidence in original and "违\n约金500元" in f[0].evidence


def test_long_sentence_evidence_is_cut_around_the_match():
    filler = "，".join(f"本协议第{i}项约定的内容由双方协商确定并遵守执行" for i in range(1, 30))
    text = filler + "，提前解约须支付违约金300元，" + filler + "。"
    f, _ = run(text, ETF)
    ev = f[0].evidence
    assert "违约金300元" in ev
    assert len(ev) <= EVIDENCE_TARGET * 2 and len(ev) < len(text) // 4
    assert ev in text and f[0].clause == text


def test_english_protection():
    p = pat("en-etf", "early_termination_fee", lang="en", match=[r"early termination fee"],
            protection=[r"\bno early termination fees?\b", r"without (?:an |any )?early termination fee"],
            values=["amount"])
    f, pr = run("There is no early termination fee if you cancel.", p)
    assert not f and len(pr) == 1
    f, pr = run("If you cancel, an early termination fee of $200 applies.", p)
    assert len(f) == 1 and f[0].values == {"amount": 200, "currency": "USD"}


# --------------------------------------------------------------------------- API / --lang

def test_lang_override_and_detection():
    zh = "本套餐每月最低消费30元，不足部分按30元收取。"
    assert scan(zh).language == "zh"
    assert scan(zh, lang="en").language == "en"
    en = "You agree to a twelve month minimum term for this plan."
    assert scan(en).language == "en" and scan(en, lang="zh").language == "zh"


def test_unknown_lang_is_a_usage_error():
    with pytest.raises(UsageError):
        scan("本套餐每月最低消费30元，不足部分按30元收取。", lang="fr")


# --------------------------------------------------------------------------- the real library

def _has(category: str, lang: str, protection: bool = False) -> bool:
    return any(p.category == category and p.lang == lang and (p.protection is not None or not protection)
               for p in library())


@pytest.mark.parametrize("category,lang,text", [
    ("minimum_spend", "zh", "本套餐无最低消费，可随时办理销户。"),
    ("minimum_spend", "zh", "该卡不设保底消费，用多少付多少。"),
    ("early_termination_fee", "zh", "用户提前解约的，本公司不收取违约金。"),
    ("early_termination_fee", "en", "You can cancel at any time; there is no early termination fee."),
    ("lock_in", "en", "Month-to-month service with no annual contract required."),
])
def test_library_negation_is_a_protection(category, lang, text):
    if not _has(category, lang, protection=True):
        pytest.skip(f"no {lang} {category} pattern with protections in the library yet")
    rep = scan(text, lang=lang)
    assert not [f for f in rep.findings if f.category == category], [f.evidence for f in rep.findings]
    assert [p for p in rep.protections if p.category == category]


@pytest.mark.parametrize("category,lang,text", [
    ("minimum_spend", "zh", "本套餐每月最低消费30元，不足部分按30元收取。"),
    ("early_termination_fee", "zh", "用户在合约期内提前解约的，须支付违约金200元。"),
    ("early_termination_fee", "en", "If you cancel before the end of your term, an early termination fee of $200 applies."),
])
def test_library_positive_counterparts(category, lang, text):
    if not _has(category, lang):
        pytest.skip(f"no {lang} {category} pattern in the library yet")
    rep = scan(text, lang=lang)
    assert [f for f in rep.findings if f.category == category]
    assert not [p for p in rep.protections if p.category == category]


def test_library_one_finding_per_sentence_per_category():
    text = "每月最低消费30元，保底消费不足部分补齐，低消按月收取。"
    rep = scan(text)
    assert len([f for f in rep.findings if f.category == "minimum_spend"]) == 1
    cats = [f.category for f in rep.findings]
    assert len(cats) == len(set(cats))


def test_regression_a_match_does_not_run_into_the_next_sentence():
    # '合约[^。；]{0,12}?违约金' used to start at the heading "## 合约期" and end in the
    # "## 违约金" heading two lines down: one exit-fee finding quoting two headings.
    p = pat("zh-spill", "early_termination_fee", match=[r"合约[^。；]{0,12}?违约金"])
    findings, _ = run("## 合约期\n12 个月\n\n## 违约金\n提前销户需支付100元\n", p)
    assert findings == []
    findings, _ = run("合约期内注销会被扣违约金50元。", p)
    assert len(findings) == 1


def test_a_value_on_the_line_after_its_label_is_found():
    lock = pat("zh-term", "lock_in", match=[r"合约期[^。；;\n]{0,6}?\d+\s*个月"], values=["months"])
    findings, _ = run("## 合约期\n12 个月\n", lock)
    assert [f.values.get("months") for f in findings] == [12]


def test_one_clause_gives_every_category_it_states():
    s = "本套餐合约期24个月，每月最低消费59元，提前解约须支付违约金300元。"
    cats = {f.category: f.values for f in scan(s).findings}
    assert {"lock_in", "minimum_spend", "early_termination_fee"} <= set(cats)
    assert cats["lock_in"].get("months") == 24
    assert cats["minimum_spend"].get("amount") == 59
    assert cats["early_termination_fee"].get("amount") == 300


def test_regression_a_discount_is_not_a_waived_fee():
    # "已减免费用需全部退还" contains "免费用", which read as "免…费用" (no fee) and turned the
    # clawback into a protection that hid the exit cost.
    r = scan("您需在网满12个月方可享受每月10元的话费减免，提前离网的，已减免费用需全部退还。")
    assert "early_termination_fee" in {f.category for f in r.findings}
    assert not [p for p in r.protections if p.category == "early_termination_fee"]


def test_regression_a_plan_that_ends_by_itself_does_not_renew():
    r = scan("合约到期自动退订，不会继续扣费，如需继续使用请重新办理。")
    assert not {"auto_renewal", "promo_price_expiry"} & {f.category for f in r.findings}


def test_a_product_sheet_table_gives_its_terms():
    r = scan("# 套餐说明\n| 项目 | 内容 |\n|---|---|\n| 优惠期 | 24个月 |\n| 合约期 | 12个月 |\n")
    got = {f.category: f.values for f in r.findings}
    assert got["lock_in"]["months"] == 12 and got["promo_price_expiry"]["months"] == 24


def test_regression_an_exclusion_far_away_in_a_long_sentence_does_not_hide_the_term():
    # an exclusion meant for late-payment penalties used to drop the whole sentence, and with
    # it the early-exit penalty stated in another part of it
    p = pat("zh-exit", "early_termination_fee", match=["提前(?:销户|离网)"], exclude=["滞纳金|逾期"])
    long = ("甲方应按时足额缴纳各项通信费用，逾期未缴纳的，乙方有权按照所欠费用每日加收千分之三的滞纳金，"
            "并可暂停提供服务直至甲方结清全部欠费为止，暂停期间的月功能费照常收取，"
            "甲方补交全部欠费及滞纳金后，乙方在二十四小时内恢复服务，"
            "甲方在协议期内提前销户的，须按剩余月份的月最低消费支付违约金。")
    assert len(long) > 120
    findings, _ = run(long, p)
    assert len(findings) == 1
    findings, _ = run("甲方提前销户的，逾期费用按日收取。", p)  # short: the exclusion still applies
    assert findings == []


def test_a_risk_beside_a_protection_in_one_sentence_is_still_found():
    r = scan("本套餐无合约期，但选择靓号须承诺在网24个月。")
    assert [f.values.get("months") for f in r.findings if f.category == "lock_in"] == [24]
    r = scan("本套餐无合约期，可随时销户，无需支付违约金。")
    assert not r.findings
    assert {p.category for p in r.protections} >= {"lock_in", "early_termination_fee"}


@pytest.mark.parametrize("text, days", [
    ("We may change our plans and prices from time to time. We will notify you at least 30 days before a change.", 30),
    ("本平台有权调整连续包月服务的价格。价格调整的，我们将在调整生效前至少7日通知您。", 7),
])
def test_a_notice_period_in_the_next_sentence_is_the_change_clause_value(text, days):
    (f,) = [f for f in scan(text).findings if f.category == "unilateral_change"]
    assert f.values.get("days") == days


def test_an_unrelated_next_sentence_gives_no_value():
    r = scan("We may change our plans and prices from time to time.\nRefunds are issued within 14 days.")
    (f,) = [f for f in r.findings if f.category == "unilateral_change"]
    assert "days" not in f.values


def test_regression_a_heading_exclusion_still_reads_the_whole_long_sentence():
    # narrowing exclusions to the parts near the match made an all-capitals heading test
    # (anchored at both ends) match the short part "UBER SHALL NOT BE LIABLE FOR INDIRECT,"
    # and drop a real liability clause
    p = pat("en-liab", "liability_limitation", lang="en", match=[r"not\s+be\s+liable"],
            exclude=[r"(?-i:^[A-Z ,]{1,60}$)"])
    long = ("ACME SHALL NOT BE LIABLE FOR INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, PUNITIVE OR CONSEQUENTIAL "
            "DAMAGES, INCLUDING LOST PROFITS, LOST DATA OR PROPERTY DAMAGE RELATED TO THE SERVICES.")
    findings, _ = run(long, p)
    assert len(findings) == 1


def test_regression_unpaid_credit_that_is_no_longer_paid_is_not_a_protection():
    # "不再返还" (the rest is lost) matched the clawback's "no need to return" protection and
    # turned the early-exit repayment into a point in the buyer's favour
    r = scan("甲方在活动期内提前解约的，应一次性补交已赠送的话费，未返还的预存话费不再返还。")
    assert "early_termination_fee" in {f.category for f in r.findings}
    assert not [p for p in r.protections if p.category == "early_termination_fee"]


def test_evidence_leaves_out_the_clause_number():
    r = scan("6.1.2. Subject to 6.1.1, Acme shall not be liable for any indirect damages.\n三、甲方承诺在网24个月，每月最低消费59元。")
    assert {f.evidence for f in r.findings} == {
        "Subject to 6.1.1, Acme shall not be liable for any indirect damages.", "甲方承诺在网24个月，每月最低消费59元。"}


def test_regression_a_product_sheet_field_keeps_a_clause_that_can_be_located():
    # "【合约期】 / 24个月" has 7 letters and digits: too short for a reader (or the scorer) to
    # find in the page, so the finding was counted as a miss and a false positive
    r = scan("# 卡品说明\n【合约期】\n24个月\n【月租】\n29元\n")
    (f,) = [f for f in r.findings if f.category == "lock_in"]
    assert f.values["months"] == 24
    assert sum(c.isalnum() for c in f.clause) >= 8 and "合约期" in f.clause


def test_a_table_row_is_read_under_its_column_names():
    t = ("# 存费送费档位\n| 档位 | 预存 | 合约期 | 月最低消费 |\n|---|---|---|---|\n"
         "| A档 | 300元 | 12个月 | 58元 |\n| B档 | 600元 | 24个月 | 88元 |\n正文说明。")
    r = scan(t)
    got = sorted((f.category, f.evidence, f.values.get("months") if f.category == "lock_in" else f.values.get("amount"))
                 for f in r.findings)
    assert got == [("lock_in", "| A档 | 300元 | 12个月 | 58元 |", 12), ("lock_in", "| B档 | 600元 | 24个月 | 88元 |", 24),
                   ("minimum_spend", "| A档 | 300元 | 12个月 | 58元 |", 58), ("minimum_spend", "| B档 | 600元 | 24个月 | 88元 |", 88)]


def test_regression_an_exclusion_anchored_at_the_sentence_start_reads_the_whole_long_sentence():
    # "^(?!.*欠费).*停机" ends at 停机; in a long sentence whose 停机 sat in an earlier part than
    # the match, the narrowed check ignored it
    p = pat("zh-term", "unilateral_termination", match=["有权(?:暂停|终止)"], exclude=[r"^(?!.*欠费).*涉嫌诈骗"])
    long = ("如甲方涉嫌诈骗或被公安机关要求协查的，乙方可依法配合处理，并可采取必要的措施以保障通信安全，"
            "包括但不限于限制部分业务功能、要求甲方重新进行实名登记等，在上述情形持续期间，"
            "乙方有权暂停向甲方提供全部或部分通信服务，直至相关情形全部消除且甲方完成核验为止。")
    assert len(long) > 120
    findings, _ = run(long, p)
    assert findings == []


def test_a_two_column_table_under_a_header_is_read_under_its_column_names():
    t = ("## Sharing\n| Who we share with | Why |\n|---|---|\n| Advertising partners | To show you personalised ads |\n"
         "| Service providers | To run the service |\nThat is all.")
    rows = [s for s in __import__("analyzer.engine.segment", fromlist=["x"]).split_sentences(normalize(t).text) if s.cells]
    assert rows[0].cells == "Who we share with: Advertising partners; Why: To show you personalised ads"


def test_a_long_sentence_stating_two_terms_of_a_category_gives_two_findings(scanner):
    """One finding per category per sentence hid the second of two exit costs stated in
    different parts of one long clause (its quote and its amount were lost)."""
    text = ("服务协议\n本合约期内，如用户因个人原因（包括但不限于工作调动、出国留学、号码不再使用、对网络质量不满意、"
            "选择其他运营商的优惠活动等情形）需要提前办理销户、携号转网或者降档等业务的，应当按照合约剩余月份"
            "乘以每月最低消费金额计算并向乙方一次性支付违约金，同时乙方有权收回合约期内已经向用户赠送的全部话费与各项"
            "权益，用户所购终端如尚在分期还款期间的，还应当按照分期协议的约定在办理上述业务之前一次性结清全部剩余"
            "分期款项，并另行支付提前解约手续费200元，"
            "上述费用由乙方在办理相关业务时一并收取，用户对此已充分知悉并同意。\n")
    r = scanner.scan_text(text, "two-terms")
    etf = [f for f in r.findings if f.category == "early_termination_fee"]
    assert len(etf) >= 2, [f.evidence for f in etf]
    assert len({f.evidence for f in etf}) == len(etf)  # each quotes its own part


def test_every_value_key_of_the_category_is_read_whichever_pattern_fired():
    # a lock-in counted in days (a monthly rolling plan's "30-day minimum term") keeps its days
    lock = [f for f in scan("The minimum contract term is 30 days.").findings if f.category == "lock_in"]
    assert lock and lock[0].values.get("days") == 30


def test_an_idle_account_closed_after_a_year_keeps_its_months():
    # unilateral_termination read only days: "一年不登录……收回该帐号" lost its 12 months
    text = "如用户注册帐号后一年不登录，通知用户后，平台可以收回该帐号。本服务说明仅供参考，以页面公示为准。"
    term = [f for f in scan(text).findings if f.category == "unilateral_termination"]
    assert term and term[0].values.get("months") == 12


def test_a_term_that_forbids_closing_the_line_is_not_number_recycling():
    text = "合约期为两年，期内不得销户。本服务说明仅供参考，以页面公示为准。"
    cats = {f.category for f in scan(text).findings}
    assert "lock_in" in cats and "suspension_recycling" not in cats


def test_value_anchors_are_tried_in_their_order():
    # the specific anchor first, a general one as the fallback: the leftmost match of either must
    # not win ("通用流量" comes first in the sentence, but the list asks for "定向流量" first)
    p = pat("zh-va", "directional_data", match=["定向"], values=["data_gb"], value_anchor=["定向流量", "流量"])
    found = run("套餐含通用流量30GB，另含定向流量50GB，仅限指定APP使用。", p)[0]
    assert found and found[0].values.get("data_gb") == 50
    found = run("套餐所含流量50GB均为定向，仅限指定APP使用。", p)[0]  # only the fallback occurs
    assert found and found[0].values.get("data_gb") == 50


def test_a_match_that_begins_with_the_break_before_its_sentence_is_that_sentences():
    # "[\n.;]\s*Term:": the line break (or the full stop of the sentence before) that the match
    # begins with is not a sentence of its own; the term on the next line must still be found
    p = pat("en-kv", "lock_in", lang="en", match=[r"[\n.;]\s*term\s*:\s*\d+\s*months"], values=["months"])
    found = run("Plan summary\n-\nTerm: 24 months. Cancel at any time after that.", p)[0]
    assert found and found[0].values.get("months") == 24
    found = run("Prices include tax. Term: 12 months for this plan.", p)[0]
    assert found and found[0].values.get("months") == 12


def test_one_term_in_two_sentences_of_a_paragraph_is_one_finding(scanner):
    """Regression: "不得办理销户。不得办理携号转网。" gave two lock-in findings quoting one clause in
    two halves (a repetition in the report, and a false positive wherever the clause is quoted once)."""
    for text, cat in (("甲方在协议期内不得办理销户。甲方在协议期内不得办理携号转网业务。\n", "lock_in"),
                      ("We may suspend your account at any time. We may terminate your account at any time "
                       "without notice.\n", "unilateral_termination"),
                      ("首充金额不予退还。已缴纳的预存款不予退还。\n", "refund_restriction")):
        found = [f for f in scanner.scan_text(text, "merge").findings if f.category == cat]
        assert len(found) == 1, [f.evidence for f in found]
        assert found[0].evidence == text.strip()  # quoting both sentences
        assert (found[0].location.start, found[0].location.end) == (0, len(text.strip()))


def test_numbered_items_and_different_numbers_stay_separate_findings(scanner):
    items = scanner.scan_text("甲方在协议期内不得办理销户。\n2.2 甲方在协议期内不得办理携号转网业务。\n", "items")
    assert len([f for f in items.findings if f.category == "lock_in"]) == 2
    blank = scanner.scan_text("甲方在协议期内不得办理销户。\n\n甲方在协议期内不得办理携号转网业务。\n", "paragraphs")
    assert len([f for f in blank.findings if f.category == "lock_in"]) == 2
    fees = scanner.scan_text("补卡须另行支付补卡费20元。过户须另行支付过户手续费50元。\n", "two fees")
    amounts = sorted(f.values.get("amount") for f in fees.findings if f.category == "extra_fees")
    assert amounts == [20, 50]  # two terms with their own amounts, not one


@pytest.mark.parametrize("text, amount", [
    ("本卡不收取卡费和选号费，激活时须另行支付服务费30元。\n", 30),
    ("There is no activation fee, but a $35 late fee applies to each overdue bill.\n", 35),
])
def test_a_protection_does_not_cover_the_charge_across_but(scanner, text, amount):
    """Regression: "不收取卡费，激活时须另行支付服务费30元" gave only the protection: a protection
    found anywhere in a short sentence covered every match, and the pattern stopped looking in
    the sentence after its first (protected) match. Now the free item is a protection and the
    fee after 但/另行/but a finding of its own."""
    r = scanner.scan_text(text, "contrast")
    assert [f.values.get("amount") for f in r.findings if f.category == "extra_fees"] == [amount]
    assert [p.category for p in r.protections] == ["extra_fees"]


def test_regression_a_worked_example_in_the_next_sentence_gives_the_price():
    # the amount after the free months was only in the example ("例如：…7月起按39元/月收取")
    r = scan("开通后前2个月免月租，第3个月起开始收费。例如：5月10日开通，5月、6月免费，7月起按39元/月收取套餐费。")
    promo = [f for f in r.findings if f.category == "promo_price_expiry"]
    assert promo and promo[0].values.get("amount") == 39 and promo[0].values.get("period") == "month"


def test_regression_a_notice_qualifying_the_clause_in_the_next_sentence_gives_its_days():
    r = scan("某某通信有权根据经营需要停止提供宽带业务。但某某通信应提前15天通知客户。")
    term = [f for f in r.findings if f.category == "unilateral_termination"]
    assert term and term[0].values.get("days") == 15


@pytest.mark.parametrize("text, days", [
    ("Zapto may update these Terms at any time. We'll always give you at least 30 days notice.", 30),
    ("本服务保留调整订阅价格的权利。任何价格调整将于实施前至少 30 天以邮件通知您。", 30),
    ("本站可随时修订合约内容。新修订条款将于张贴七天后自动生效。", 7),
])
def test_regression_the_notice_of_a_change_in_the_next_sentence_gives_its_days(text, days):
    change = [f for f in scan(text).findings if f.category == "unilateral_change"]
    assert change and change[0].values.get("days") == days


REFUND = pat("en-no-refund", "refund_restriction", lang="en", match=[r"(?i)do not issue refunds"])
LIST_TEXT = ("Refunds\n\nWe do not issue refunds in the following cases:\n"
             "• The plan has already been installed or activated on a device\n"
             "• The request is made after 14 days from purchase\n\nContact us by email.\n")


def test_regression_a_lead_in_is_quoted_with_the_list_of_cases_it_introduces():
    f, _ = run(LIST_TEXT, REFUND)
    assert len(f) == 1
    assert f[0].evidence.startswith("We do not issue refunds in the following cases:")
    assert f[0].evidence.endswith("after 14 days from purchase")  # both items, not the line after the list
    assert "Contact us" not in f[0].evidence


def test_a_long_list_is_quoted_in_whole_items_up_to_its_limit():
    items = "".join(f"• Case number {i} where the plan was bought through a reseller in another country\n"
                    for i in range(12))
    f, _ = run("We do not issue refunds in the following cases:\n" + items, REFUND)
    quoted = [line for line in f[0].evidence.splitlines() if line.startswith("•")]
    assert 1 <= len(quoted) < 12 and all(line.endswith("country") for line in quoted)
    assert sum(c.isalnum() for c in f[0].evidence) <= 300


def test_a_sentence_without_a_colon_is_not_quoted_with_the_next_lines():
    f, _ = run("We do not issue refunds after activation.\n• The plan has already been installed\n", REFUND)
    assert f[0].evidence == "We do not issue refunds after activation."


def test_an_item_its_lead_in_already_quotes_is_one_finding_with_the_items_values():
    f, _ = run("有下列情形之一的，甲方须支付违约金：\n（1）提前销户的，须支付违约金200元；\n（2）携号转网的。\n", ETF)
    assert len(f) == 1 and f[0].values["amount"] == 200
    assert f[0].evidence.startswith("有下列情形之一的") and "携号转网" in f[0].evidence


def test_regression_a_title_without_a_colon_over_a_list_is_its_lead_in():
    f, _ = run("Refunds\n\nWe do not issue refunds in these cases\n• The plan was installed\n• The plan was used\n\nAsk us.\n",
               REFUND)
    assert len(f) == 1 and f[0].evidence.endswith("The plan was used")


def test_an_item_without_a_full_stop_is_not_quoted_with_the_next_item():
    f, _ = run("Refunds:\n• We do not issue refunds after installation\n• Routers are sold as they are\n", REFUND)
    assert [x.evidence.lstrip("• ") for x in f] == ["We do not issue refunds after installation"]


def test_regression_a_lead_in_takes_the_values_its_items_state():
    f, _ = run("We do not issue refunds in the following cases:\n• The plan was installed\n"
               "• The request is made after 14 days from purchase\n", REFUND)
    assert f[0].values.get("days") == 14


def test_regression_a_sentence_of_one_term_up_to_360_characters_is_quoted_whole():
    """A 300-character clause was cut to ~160 characters around the match: the reader lost its
    conditions and an annotator's quote of its other half was not matched."""
    text = ("提前解约的，须支付违约金200元，" + "，".join(["如用户在合约期内因个人原因办理销户或携号转网"] * 10) + "。")
    assert 240 < len(text) <= 360
    f, _ = run(text, ETF)
    assert len(f) == 1 and f[0].evidence == text


@pytest.mark.parametrize("text", [
    "To turn off auto-renewal, please visit your account settings.",
    "If your plan was bought in our app and you wish to cancel your automatic renewal, you may do so by visiting "
    "the Account page.",
    '选择"取消自动续费"即可。',
])
def test_regression_a_how_to_step_binds_no_one(text):
    # where to click or whom to contact is not the renewal term (it was found as auto_renewal)
    assert not scan(text).findings


def test_a_how_to_step_with_a_deadline_or_a_charge_is_still_a_term():
    rep = scan("To turn off auto-renewal, you must visit your account settings at least 2 days before the renewal date.")
    assert [f.category for f in rep.findings] == ["auto_renewal"]
    rep = scan('如需取消，您须在到期前24小时进入"我的-设置"页面，点击"关闭自动续费"按钮，否则系统将自动扣费。')
    assert [f.category for f in rep.findings] == ["auto_renewal"]


def test_regression_a_company_named_by_its_web_address_does_not_end_the_clause():
    # "[^.;]" in a pattern is "within the clause": the dot of "Zapto.in" had cut it there
    text = ("This Agreement will commence, and a binding contract will exist between Zapto.in and the "
            "Customer when the Customer starts using the Service.")
    (f,) = [f for f in scan(text).findings if f.category == "activation_definition"]
    assert "Zapto.in and the Customer" in f.evidence  # quoted as written


def test_a_brand_named_by_its_web_address_still_acts():
    rep = scan("Zapto.com may add, amend, modify, or delete the terms of this Agreement by giving prior notice.")
    assert [f.category for f in rep.findings] == ["unilateral_change"]
    assert "Zapto.com" in rep.findings[0].evidence


@pytest.mark.parametrize("text, category", [
    ("Prices are displayed in U.S. dollars and may change without notice.", "unilateral_change"),
    ("We may modify (e.g., change storage limits), replace, suspend or discontinue the Service for any reason.",
     "unilateral_termination"),
])
def test_regression_an_abbreviation_inside_the_clause_does_not_end_it(text, category):
    assert category in {f.category for f in scan(text, model=False).findings}


@pytest.mark.parametrize("text, category", [
    # Hong Kong: 閣下 for "you", 流動通訊 for mobile; Taiwan: 契約, 門號, 退租 (ending a rented line)
    ("閣下不得在承諾期屆滿前終止本契約。", "lock_in"),
    ("行動電話門號於綁約期間內不得申請退租，否則應支付違約金。", "early_termination_fee"),
])
def test_regression_hong_kong_and_taiwan_words_read_as_the_mainland_s(text, category):
    """Regression (r11 development round, Hong Kong and Taiwan agreements): the patterns, written in
    mainland words, did not know 閣下, 契約, 門號 or 退租, so these commitments were not found."""
    rep = scan(text, model=False)
    (f,) = [f for f in rep.findings if f.category == category]
    assert f.evidence == text.rstrip("。") or f.evidence in text  # quoted as written, not as read


@pytest.mark.parametrize("text, category, values", [
    ("You shall pay an administrative fee (late charge) of 5% of any invoice not paid within 30 days.", "extra_fees",
     {"percent": 5, "days": 30}),
    ("如服务费逾期达十天或以上，我们将另收取20%附加费。", "extra_fees", {"percent": 20, "days": 10}),
    ("You accept any such change if you continue to use the Services for more than thirty (30) days after the change.",
     "consent_by_use", {"days": 30}),
])
def test_regression_a_fee_and_a_consent_carry_the_days_they_state(text, category, values):
    # the annotators record them (a late fee after 30 days; acceptance after 30 days' use); the
    # extra-fee category had no "days" to carry, only some of its patterns did
    (f,) = [f for f in scan(text).findings if f.category == category]
    assert f.values == values


@pytest.mark.parametrize("title", ["自动续费说明", "价格与自动续费说明", "三、退款规则"])
def test_regression_a_chinese_section_title_binds_no_one(title):
    """Regression (development rounds r6, r10): a short title line the segmenter did not mark as a
    heading ("自动续费说明") was reported as an automatic-renewal term; the clause under it still is."""
    text = f"{title}\n会员到期前，系统将自动续费并从您的账户扣除下一周期费用。\n"
    rep = scan(text, model=False)
    assert [f.evidence for f in rep.findings if f.category == "auto_renewal"] == \
        ["会员到期前，系统将自动续费并从您的账户扣除下一周期费用。"]


def test_regression_the_months_left_in_hong_kong_words_carry_a_formula():
    """Review (session 18): 餘下 ("remaining") is read like 剩余 by every pattern and value, so the
    Hong Kong exit fee "月費乘以承諾期餘下月數" carries its formula as the mainland wording does."""
    rep = scan("若閣下於承諾期內終止服務，須按月費乘以承諾期餘下月數支付提前終止費。", model=False)
    (f,) = [f for f in rep.findings if f.category == "early_termination_fee"]
    assert f.values.get("formula", "").startswith("remaining months x")
    # the exit cost said only through the months left ("餘下月份的月費須一次繳清") is found at all
    for text in ("客戶提前終止服務的，餘下月份的月費須一次繳清。", "餘下月數的月費將作為違約金一次性收取。"):
        assert "early_termination_fee" in {f.category for f in scan(text, model=False).findings}


def test_hong_kong_early_and_pay_words_read_as_the_mainland_ones():
    """Development round r13: 提早 ("early", 提早終止費用) and 繳付 ("pay") are Hong Kong's words
    for 提前 and 支付; an exit fee worded with them was not found, and the quote stays the original."""
    for text in ("若你於承諾期屆滿前終止額外SIM卡，你亦須支付提早終止費用。",
                 "你必須繳付服務計劃之提前終止服務費。"):
        (f,) = [f for f in scan(text, model=False).findings if f.category == "early_termination_fee"]
        assert f.evidence in text


def test_taiwan_retain_word_reads_as_the_mainland_reserve():
    """Development round r13: 保有 (Taiwan, "retain") is read as 保留, so a provider keeping the right
    to update its service ("寰宇家庭保有更新服務內容的權利") is a unilateral change, quoted as written."""
    text = "為提供更好的服務，本公司保有更新服務內容的權利。"
    (f,) = [f for f in scan(text, model=False).findings if f.category == "unilateral_change"]
    assert "保有" in f.evidence


def test_a_sentence_in_capitals_is_read_like_one_in_sentence_case():
    """Development rounds (95 missed lines in capitals across the English sets): US terms print their
    disclaimers in capitals, and the patterns' heading tests took them for titles. A long sentence in
    capitals is read in sentence case; place names before LAW and the provider's name keep theirs."""
    rep = scan("YOU USE THE SITE AND SERVICES AT YOUR OWN RISK.", model=False)
    assert [f.evidence for f in rep.findings if f.category == "liability_limitation"] == \
        ["YOU USE THE SITE AND SERVICES AT YOUR OWN RISK."]
    law = scan("THESE TERMS AND THE USE OF THE SERVICES AND SOFTWARE WILL BE GOVERNED BY CALIFORNIA LAW.",
               model=False)
    assert "dispute_resolution" in {f.category for f in law.findings}
    # a title in capitals is still a title
    assert not scan("LIMITATION OF LIABILITY AND DISCLAIMER OF WARRANTIES", model=False).findings


@pytest.mark.parametrize("text, category, key, want", [
    ("3. 本服务之标准安装基本费用为1200元/次，偏远地区需外加施工交通费400元，非标准安装另行收费。",
     "extra_fees", "amount", {1200, 400}),
    ("A one-time SIM activation charge of $37.45 and a one-time mobile service charge of $10.70 will apply to "
     "all new subscriptions.", "extra_fees", "amount", {37.45, 10.7}),
    ("当月手机上网流量累计达到40GB后，上网速率降至3.1Mbps以下，当月累计达到100GB后，上网速率降至128Kbps，次月恢复。",
     "data_cap_throttle", "data_gb", {40, 100}),
    ("欠费停机后，客户超过90日仍未办理的，公司有权将移动电话号码按销户处理，超过120日仍未办理的，公司有权将其他全部业务按销户处理。",
     "suspension_recycling", "days", {90, 120}),
])
def test_regression_every_fee_of_a_sentence_is_found_with_its_own_sum(scanner, text, category, key, want):
    """Regression (r4, r7, r13, train development rounds): a sentence stating two fees (two throttling
    tiers) gave one finding with one of the sums, often the one the annotators did not mean ("标准安装
    费用1200元/次，偏远地区加价400元" read as 400). Each further part that states its own sum and names a
    fee (a slowdown) is now a finding of its own, quoting that part."""
    got = [f for f in scanner.scan_text(text, "d").findings if f.category == category]
    assert {f.values.get(key) for f in got} == want
    parts = [f for f in got if f.evidence != got[0].evidence]
    assert parts and all(str(f.values[key]).rstrip("0").rstrip(".") in f.evidence.replace(",", "") for f in parts)


@pytest.mark.parametrize("text", [
    "月租39元，套餐外国内流量按5元/GB收取，赠送的100分钟通话当月有效。",
    "A late fee of $15 applies to overdue bills; your monthly plan price of $45 is unchanged.",
])
def test_the_price_or_a_gift_beside_a_fee_is_no_second_fee(scanner, text):
    """A sentence that states a fee and the plan's price (or a gift) has one fee: the price is no extra fee."""
    got = [f for f in scanner.scan_text(text, "d").findings if f.category == "extra_fees"]
    assert len(got) <= 1, [(f.evidence, f.values) for f in got]


def test_regression_any_such_changes_take_effect_after_the_days_the_next_sentence_gives(scanner):
    """Regression (r10 development round): "We may change these Terms from time to time. Any such changes will
    become effective upon the earlier of thirty (30) days…" had no days: the next sentence went on with the
    change only after one determiner ("Any changes", "Such changes"), not two."""
    text = ("We may change these Terms from time to time. Any such changes will become effective upon the earlier of "
            "thirty (30) days following our dispatch of an e-mail notice to you or thirty (30) days following our "
            "posting of notice of the changes on our website.")
    got = [f.values for f in scanner.scan_text(text, "d").findings if f.category == "unilateral_change"]
    assert got and got[0].get("days") == 30
