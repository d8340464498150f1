"""analyzer.engine.values: amounts (currency, period), months, days, percentages, data, speeds."""
from __future__ import annotations

import pytest

from analyzer.engine.normalize import normalize
from analyzer.engine.values import candidates, pick


def vals(text: str, key: str) -> list:
    return [v.value for v in candidates(normalize(text).text) if v.key == key]


def amount(text: str) -> dict:
    found = [v for v in candidates(normalize(text).text) if v.key == "amount"]
    assert len(found) == 1, found
    return {"amount": found[0].value, **dict(found[0].extra)}


# --------------------------------------------------------------------------- amounts

@pytest.mark.parametrize("text,want", [
    ("违约金30元", {"amount": 30, "currency": "CNY"}),
    ("月租30元/月", {"amount": 30, "currency": "CNY", "period": "month"}),
    ("每月30元", {"amount": 30, "currency": "CNY", "period": "month"}),
    ("套餐费每年360元", {"amount": 360, "currency": "CNY", "period": "year"}),
    ("预存¥50", {"amount": 50, "currency": "CNY", "period": "once"}),
    ("¥1,280.50", {"amount": 1280.5, "currency": "CNY"}),
    ("违约金叁拾元", {"amount": 30, "currency": "CNY"}),
    ("手续费一百二十元", {"amount": 120, "currency": "CNY"}),
    ("首充100", {"amount": 100, "currency": "CNY", "period": "once"}),
    ("月费：３０元", {"amount": 30, "currency": "CNY", "period": "month"}),  # full-width digits
    ("$35 per line per month", {"amount": 35, "currency": "USD", "period": "month"}),
    ("$9.99/mo", {"amount": 9.99, "currency": "USD", "period": "month"}),
    ("€20 per month", {"amount": 20, "currency": "EUR", "period": "month"}),
    ("£5 a month", {"amount": 5, "currency": "GBP", "period": "month"}),
    ("an annual fee of $99 per year", {"amount": 99, "currency": "USD", "period": "year"}),
    ("a one-time $25 fee", {"amount": 25, "currency": "USD", "period": "once"}),
    ("100 dollars", {"amount": 100, "currency": "USD"}),
    ("50 cents", {"amount": 0.5, "currency": "USD"}),
])
def test_amounts(text, want):
    assert amount(text) == want


def test_amount_in_traditional_and_full_width():
    assert amount("違約金：叁拾元／月") == {"amount": 30, "currency": "CNY", "period": "month"}


@pytest.mark.parametrize("text,want", [
    ("a SIM replacement fee of Rs. 25", {"amount": 25, "currency": "INR", "period": "once"}),  # a one-off fee
    ("₹199 per month", {"amount": 199, "currency": "INR", "period": "month"}),
    ("at a fee of KShs. 20 per transaction", {"amount": 20, "currency": "KES"}),
    ("a service fee of R1.00 per day", {"amount": 1, "currency": "ZAR", "period": "day"}),
    ("R99 a month", {"amount": 99, "currency": "ZAR", "period": "month"}),
    ("RM30 one-time", {"amount": 30, "currency": "MYR", "period": "once"}),
    ("₱50 load", {"amount": 50, "currency": "PHP"}),
    ("S$12.90 per month", {"amount": 12.9, "currency": "SGD", "period": "month"}),
    ("NZ$15 a month", {"amount": 15, "currency": "NZD", "period": "month"}),
    ("500 rupees", {"amount": 500, "currency": "INR"}),
    ("charged at 20c p/MB", {"amount": 0.2, "currency": "USD"}),
    ("an Annual Membership Fee of $49 will be charged", {"amount": 49, "currency": "USD", "period": "year"}),
    ("Outlet Access Fee (monthly, per receiver) $4.99", {"amount": 4.99, "currency": "USD", "period": "month"}),
])
def test_amounts_in_other_currencies(text, want):
    assert amount(text) == want


@pytest.mark.parametrize("text", ["享6个月月费7折", "月租8.5折优惠", "资费5折"])
def test_a_discount_in_zhe_is_not_an_amount(text):
    assert vals(text, "amount") == []


@pytest.mark.parametrize("text", ["A 69c weekly maintenance fee applies", "a hang up fee of 69c may apply",
                                  "69c will be deducted from the card"])
def test_cents_before_the_fee_or_its_verb(text):
    # (en-calling-card real set: "69c" was read only before "per", "/", "a min" or "each")
    assert vals(text, "amount") == [0.69]


def test_a_section_letter_is_not_cents():
    assert vals("see section 5c of the terms", "amount") == []


def test_working_days():
    assert vals("contact us within 5 working days", "days") == [5]


def test_a_temperature_is_not_cents():
    assert vals("store below 25C each day", "amount") == []


def test_r_with_one_digit_is_not_rand():
    assert vals("see rule R2 of the code", "amount") == []


def test_no_amount_in_plain_numbers():
    assert vals("第3条 合约期24个月，流量30GB", "amount") == []


# --------------------------------------------------------------------------- durations

@pytest.mark.parametrize("text,months", [
    ("合约期二十四个月", 24), ("合约期24个月", 24), ("合约期两年", 24), ("在网满一年", 12),
    ("a 12-month term", 12), ("a minimum term of 24 months", 24), ("for two years", 24),
    ("十二个自然月", 12), ("合約期為二十四個月", 24), ("合约期２４个月", 24),
])
def test_months(text, months):
    assert vals(text, "months") == [months]


@pytest.mark.parametrize("text", ["第2个月起生效", "每月10日前缴费", "2024年1月1日"])
def test_not_months(text):
    assert vals(text, "months") == []


@pytest.mark.parametrize("text,days", [
    ("within 180 days", 180), ("sixty (60) days notice", 60), ("thirty days", 30),
    ("7天无理由退款", 7), ("十五个工作日内", 15), ("（30）days", 30), ("3个自然日", 3),
])
def test_days(text, days):
    assert vals(text, "days") == [days]


def test_a_date_is_not_days():
    assert vals("每月5日扣费", "days") == []


# --------------------------------------------------------------------------- percent, data, speed

@pytest.mark.parametrize("text,pct", [
    ("收取20%的违约金", 20), ("按欠费金额3‰计收", 0.3), ("百分之二十", 20), ("千分之三", 0.3),
    ("a fee of 15 percent", 15), ("５０％", 50),
])
def test_percent(text, pct):
    assert vals(text, "percent") == [pct]


@pytest.mark.parametrize("text,gb", [
    ("每月30G流量", 30), ("1.5GB", 1.5), ("500MB流量", 500 / 1024), ("1TB", 1000), ("1.2TB", 1200), ("３０ＧＢ", 30),
])
def test_data(text, gb):
    assert vals(text, "data_gb") == [pytest.approx(gb, abs=1e-3)]


@pytest.mark.parametrize("text", ["5G套餐每月30元", "4G网络", "支持5G手机"])
def test_network_generation_is_not_data(text):
    assert vals(text, "data_gb") == []


@pytest.mark.parametrize("text,kbps", [
    ("限速至1Mbps", 1000), ("降速至128kbps", 128), ("speeds reduced to 600 Kbps", 600), ("3Mb/s", 3000),
    ("1Gbps", 1_000_000),
])
def test_speed(text, kbps):
    assert vals(text, "speed_kbps") == [kbps]
    assert vals(text, "data_gb") == []


# --------------------------------------------------------------------------- pick

def test_pick_takes_the_value_nearest_the_match():
    text = normalize("办理后赠送话费120元，合约期24个月，提前解约须支付违约金300元。").text
    a = text.index("违约金")
    got = pick(text, ["amount", "months"], (a, a + 3))
    assert got["amount"] == 300 and got["currency"] == "CNY" and got["months"] == 24
    g = text.index("赠送话费")
    assert pick(text, ["amount"], (g, g + 4))["amount"] == 120


def test_pick_only_wanted_keys():
    text = normalize("月费30元，含10GB流量，合约期12个月").text
    assert set(pick(text, ["data_gb"], (0, 2))) == {"data_gb"}
    assert pick(text, [], (0, 2)) == {}


def test_value_spans_quote_the_original():
    original = "違約金：叁拾元／月"
    n = normalize(original)
    v = next(v for v in candidates(n.text) if v.key == "amount")
    assert n.quote(v.start, v.end) in ("叁拾元", "叁拾元／月")


@pytest.mark.parametrize("text, want", [
    ("按剩余月份乘以月最低消费额的2倍支付违约金", "remaining months x monthly minimum spend x 2"),
    ("违约金按剩余月数×月最低消费计算，最高不超过500元", "remaining months x monthly minimum spend (at most 500)"),
    ("按剩余月份的月最低消费收取，两者取高", "remaining months x monthly minimum spend (whichever is higher)"),
    ("提前解约按月最低消费的3倍收取违约金", "monthly minimum spend x 3"),
    ("you must pay twice the monthly charge for each month remaining in the term",
     "remaining months x monthly fee x 2"),
])
def test_formula_carries_multipliers_caps_and_higher_of(text, want):
    from analyzer.engine.values import formula
    assert formula(normalize(text).text) == want


@pytest.mark.parametrize("text, period", [
    ("After the initial term, service continues on a month-to-month basis.", "month"),
    ("到期后按月自动续订。", "month"),
    ("The membership renews annually unless cancelled.", "year"),
])
def test_a_billing_period_without_an_amount(text, period):
    assert pick(normalize(text).text, ["period"], (0, 1)) == {"period": period}


def test_formula_monthly_charges_left_for_the_rest_of_the_term():
    from analyzer.engine.values import formula
    text = "you'll pay an early termination charge equal to the monthly charges left for the rest of the Minimum Term"
    assert formula(normalize(text).text) == "remaining months x monthly fee"


@pytest.mark.parametrize("text", [
    "you must pay an early termination fee equal to the total remaining monthly charges on the contract",
    "you will be responsible for the payment of the remaining months on your contract",
    "Exit fee: Monthly fee × remaining months",
    "you must pay the charges for the remainder of the Minimum Term",
    "we may charge you the remaining charges for the minimum term",
])
def test_regression_the_remaining_months_said_in_other_words(text):
    # each was an early-termination finding without its formula (the advice could not price leaving)
    from analyzer.engine.values import formula
    assert formula(normalize(text).text) == "remaining months x monthly fee"


def test_formula_a_fixed_sum_per_remaining_month():
    from analyzer.engine.values import formula
    assert formula(normalize("提前销户按剩余合约月数×20元收取违约金").text) == "fixed amount x remaining months"


def test_compound_number_words_are_whole_numbers():
    """"seventy-five percent (75%)" was read as 5 percent (only "five" was a known word)."""
    from analyzer.engine.values import candidates

    got = [(v.key, v.value) for v in candidates("liquidated damages of seventy-five percent (75%) of the rest")]
    assert ("percent", 75) in got and ("percent", 5) not in got
    assert [(v.key, v.value) for v in candidates("within twenty-one days")] == [("days", 21)]


def test_period_of_a_price_per_line_or_device_and_before_a_fee_word():
    from analyzer.engine.values import candidates

    def period(text):
        return [dict(v.extra).get("period") for v in candidates(text) if v.key == "amount"]

    assert period("a Regulatory fee of $3.50 per voice line per month") == ["month"]
    assert period("$10 per device per month") == ["month"]
    assert period("a minimum monthly fee of $8.00 applies") == ["month"]
    assert period("after 12 months, a fee of $5 applies") != ["month"]


def test_a_bare_dollar_is_the_documents_dollar(scanner):
    au = ("Critical Information Summary. Telstra Home Broadband. A $59 activation fee applies to new "
          "customers. Prices include GST. Complaints: Telecommunications Industry Ombudsman.")
    us = "A $59 activation fee applies to new customers. Governed by the laws of California."
    cur = {r.document.source: [f.values.get("currency") for f in r.findings if f.category == "extra_fees"]
           for r in (scanner.scan_text(au, "au"), scanner.scan_text(us, "us"))}
    assert cur["au"] == ["AUD"] and cur["us"] == ["USD"]
    from analyzer.engine.values import DOLLAR, candidates

    assert DOLLAR.get() == "USD"  # the document's dollar does not leak into the next call
    assert dict(candidates("$5")[0].extra)["currency"] == "USD"


def test_currency_code_after_the_amount():
    """"349 EUR" was not read as money (codes were only accepted before the number)."""
    from analyzer.engine.values import candidates

    got = [(v.value, dict(v.extra)["currency"]) for v in candidates("a Change Fee of 349 EUR; 100 USD; 50 GBP") if v.key == "amount"]
    assert got == [(349, "EUR"), (100, "USD"), (50, "GBP")]


def test_period_written_pm_or_per_unit_per_month():
    """"£1.30pm" and "10元/部/月" carried no period; "25GBpm" was not read as data at all."""
    def period(text: str) -> list:
        return [dict(v.extra).get("period") for v in candidates(normalize(text).text) if v.key == "amount"]

    assert period("or pay just £1.30pm (inc VAT) to keep it") == ["month"]
    assert period("£12 pcm for the line") == ["month"]
    assert period("第4部及以上加收10元/部/月") == ["month"]
    assert vals("a fair use policy of 25GBpm in roaming destinations", "data_gb") == [25]


def test_period_stated_by_the_verb_after_the_amount():
    """"A $3.00 transaction fee will be charged monthly" was a one-time fee (the pattern's
    default filled the missing period)."""
    got = amount("A $3.00 transaction fee will be charged monthly and added to your payment.")
    assert got["period"] == "month"
    assert amount("A $25 membership fee is billed annually to your card.")["period"] == "year"
    assert "period" not in amount("A $25 fee applies; your plan renews monthly.")


def test_value_on_the_line_after_its_label(scanner):
    """A fact sheet's label line ("Your minimum monthly charge") and its value on the next
    line ("$113 for your plan") gave a finding without the amount."""
    text = "Critical Information Summary\n\nYour minimum monthly charge\n$113 for your Home Broadband Plan.\n"
    got = [f.values for f in scanner.scan_text(text).findings if f.category == "minimum_spend"]
    assert got and got[0]["amount"] == 113 and got[0]["period"] == "month"


def test_values_of_liability_caps_and_price_rises(scanner):
    """Liability caps and built-in price rises state amounts; they were never extracted."""
    text = ("Our total liability to you for all claims shall not exceed $100. "
            "Your plan includes a £1.50 annual price increase.")
    got = {f.category: f.values for f in scanner.scan_text(text).findings}
    assert got["liability_limitation"]["amount"] == 100
    assert got["unilateral_change"]["amount"] == 1.5 and got["unilateral_change"]["currency"] == "GBP"


def test_formula_mechanism_and_terms_read_back():
    """The advice layer reads a formula as a mechanism with its multiplier, cap and floor,
    not by comparing the start of a string."""
    from analyzer.engine.values import Mechanism, formula, formula_terms, mechanism

    f = formula("按剩余月份乘以月最低消费额的2倍支付违约金，最高不超过500元")
    t = formula_terms(f)
    assert t.mechanism is Mechanism.REMAINING_MINIMUM and t.multiple == 2 and t.at_most == 500
    assert t.bound(900) == 500 and t.bound(100) == 100
    assert mechanism("repay the credits and discounts already received").repays
    assert mechanism("free text") is None and formula_terms(None).mechanism is None


def test_gifted_credit_amount_is_the_monthly_instalment(scanner):
    """"其余360元分12个月返还，每月30元" gave the installment_credit amount 360 a month (the
    total, and a period read from "当月到账" 12 characters before it): the gold states the
    instalment (30 a month)."""
    got = [f.values for f in scanner.scan_text("首充100元，其中40元当月到账，其余360元分12个月返还，每月30元。").findings
           if f.category == "installment_credit"]
    assert got and got[0]["amount"] == 30 and got[0]["period"] == "month" and got[0]["months"] == 12
    assert "period" not in dict(next(v for v in candidates("40元当月到账，其余360元分12个月返还") if v.value == 360).extra)
    assert dict(candidates("月租30元")[0].extra)["period"] == "month"
    assert dict(candidates("当月会费299元")[0].extra)["period"] == "month"


def test_fee_schedule_by_month_range():
    from analyzer.engine.values import fee_schedule

    assert fee_schedule("第1-3个月内解约须支付违约金300元，第4-6个月内解约支付200元，第7-12个月内支付100元") == [
        (1, 3, 300.0), (4, 6, 200.0), (7, 12, 100.0)]
    assert fee_schedule("the fee is $150 in months 1-6 and $75 in months 7 to 12") == [(1, 6, 150.0), (7, 12, 75.0)]
    assert fee_schedule("months 1 through 12: $200; months 13 through 24: $100") == [(1, 12, 200.0), (13, 24, 100.0)]
    assert fee_schedule("第1-3个月内解约须支付违约金300元") == []  # one range is not a schedule
    assert fee_schedule("第1-6个月300元，第4-12个月200元") == []  # overlapping ranges


def test_declining_step():
    from analyzer.engine.values import declining_step

    assert declining_step("$200, reduced by $10 for each full month of service completed") == 10
    assert declining_step("the fee decreases by $5 every month") == 5
    assert declining_step("违约金240元，每在网满一个月递减20元") == 20
    assert declining_step("违约金240元，按月收取") is None


def test_an_australian_club_s_dollars_are_aud():
    """Regression (en-membership real set): gym terms of Australian companies ("Pty Ltd",
    fortnightly debits, a state or capital named) had their "$" read as USD."""
    from analyzer.engine.values import dollar_currency

    assert dollar_currency("Club Pty Ltd. Fees are debited fortnightly: $29.95 a fortnight.") == "AUD"
    assert dollar_currency("Our Adelaide club, South Australia. $29.95 a week.") == "AUD"
    assert dollar_currency("Membership is $29.95 a month, billed in California.") == "USD"


def test_a_singapore_operator_s_dollars_are_sgd():
    """Regression (en-contract-summary real set): Singapore plan terms name their operator and
    "Pte Ltd", and mention GST (which Australia has too): their "$" was read as USD."""
    from analyzer.engine.values import dollar_currency

    assert dollar_currency("Offered by Singtel Mobile Singapore Pte Ltd. Prices include GST. $19.90 a month.") == "SGD"
    assert dollar_currency("Terms of StarHub Pte. Ltd.: $24.90 a month before GST.") == "SGD"


def test_regression_amounts_labelled_cad_do_not_make_the_bare_dollar_canadian():
    """Regression (r9 car-sharing contract): "$50 ($35 CAD) per late hour" put CAD beside
    every US price, and the document's bare "$3.50" was read as CAD."""
    from analyzer.engine.values import document_currencies, dollar_currency

    us = "A late fee of $50 ($35 CAD) per hour, up to $150 ($105 CAD). A $3.50 charge per call ($4 CAD)."
    assert dollar_currency(us) == "USD" and document_currencies(us)[0] == "USD"
    assert dollar_currency("Our Ontario stores. Complaints go to the CCTS. $35 a month.") == "CAD"
    assert dollar_currency("Rates in CAD. Complaints to the CRTC or the CCTS: $35 a month.") == "CAD"


def test_a_number_right_after_a_chinese_comma_is_read():
    """The normalizer turns "，" into ","; a number right after it was taken for the digits after a
    thousands separator and dropped: "参加优惠活动，1年合约期" had no months (issue 8, values)."""
    from analyzer.engine.values import candidates

    got = {(v.key, v.value) for v in candidates("用户参加优惠活动,1年合约期到期后恢复原资费")}
    assert ("months", 12) in got
    assert [(v.key, v.value) for v in candidates("违约金为1,000元")][:1] == [("amount", 1000)]
    assert not any(v.value in (2, 3.2) for v in candidates("see section 3.2 below"))


# --------------------------------------------------------------------------- session 10 regressions

@pytest.mark.parametrize("text,want", [
    ("Data over the daily 1MB is charged at 12p per MB.", {"amount": 0.12, "currency": "GBP"}),
    ("Texts to other networks cost 8p a text.", {"amount": 0.08, "currency": "GBP"}),
])
def test_regression_pence_are_an_amount_in_pounds(text, want):
    # "15p per MB" was no amount at all: only cents ("9c per minute") were read
    assert amount(text) == want


def test_regression_pence_need_a_rate_after_them():
    assert vals("See section 4p of the schedule.", "amount") == [] and vals("a 2p coin", "amount") == []


def test_regression_the_same_sum_stated_again_gives_its_period():
    # the nearest "30元" names the product (30元20G月包); the same sum with "/月" says how often
    got = pick(normalize("到期后自动续订，按30元20G月包标准价30元/月收费").text, ["amount", "currency", "period"], (0, 6))
    assert got == {"amount": 30, "currency": "CNY", "period": "month"}


@pytest.mark.parametrize("text,key,want", [
    ("Either party may end the plan with 30 (thirty) days notice.", "days", [30]),
    ("Refunds are possible within 14 (fourteen) days of purchase.", "days", [14]),
    ("The plan has a 12 (twelve) month minimum term.", "months", [12]),
])
def test_regression_digits_then_the_number_in_words_is_a_duration(text, key, want):
    # "30 (thirty) days" gave no value: only "thirty (30) days" was read
    assert vals(text, key) == want


def test_regression_a_sum_in_words_then_in_brackets_is_the_bracketed_sum():
    # "TWO HUNDRED FIFTY POUNDS (£250.00)" gave 50 (the last word read as the sum) besides 250
    assert amount("OUR LIABILITY IS LIMITED TO TWO HUNDRED FIFTY POUNDS (£250.00).") == {"amount": 250, "currency": "GBP"}
    assert amount("a late fee of twenty dollars ($20) applies") == {"amount": 20, "currency": "USD"}


@pytest.mark.parametrize("text, want", [
    ("当月累计的总流量达到20GB后，上网速率降至1M。", [1000]),
    ("once the cap is reached, the line will be throttled to 128Kb until the next bill", [128]),
    ("超出后限速128K，次月恢复。", [128]),
    ("超出后上网速率降至128Kbps。", [128]),            # read once, not twice
])
def test_regression_a_short_speed_after_the_words_that_state_one(text, want):
    assert vals(text, "speed_kbps") == want


def test_regression_a_short_speed_needs_those_words():
    assert vals("套餐含1M宽带与128K彩铃", "speed_kbps") == []
    assert vals("月内流量1M起", "speed_kbps") == []


@pytest.mark.parametrize("text, key, want", [
    # the notice of a price change in months, and in the sentence after the change
    ("From time to time we may need to increase the price of membership. We will give you at least 1 full "
     "months' notice of any incoming price increase.", "months", 1),
    ("We reserve the right to change the prices of recurring subscriptions. Changes will take effect 30 (thirty) "
     "days after notification.", "days", 30),
])
def test_regression_the_notice_of_a_price_change(text, key, want):
    from analyzer import scan

    (f,) = [f for f in scan(text).findings if f.category == "unilateral_change"]
    assert f.values.get(key) == want


@pytest.mark.parametrize("text, want", [
    ("试学期间退费的有效时间为该科目开课第7天24点前。", [7]),
    ("请于开课第15日内提出退费申请。", [15]),
    ("第3天开始计费。", []),          # an ordinal day, not a window
])
def test_regression_a_deadline_on_the_nth_day_is_a_window_of_n_days(text, want):
    assert vals(text, "days") == want


@pytest.mark.parametrize("text, months", [
    ("the normal minimum term of Services is two (2) Billing Cycles", 2),
    ("the device is paid off over 24 bill cycles", 24),
    ("合约期为12个计费周期", 12),
])
def test_regression_a_term_counted_in_billing_cycles_is_months(text, months):
    # a Singapore carrier's "two (2) Billing Cycles" gave a lock-in with no months
    assert [(v.key, v.value) for v in candidates(text) if v.key == "months"] == [("months", months)]


def test_a_delay_counted_in_billing_cycles_is_not_a_term():
    # "begin within two bill cycles" says when the credits start; the term is the 36 months
    assert [v.value for v in candidates("Monthly credits begin within two bill cycles and continue for 36 months")
            if v.key == "months"] == [36]


def test_a_currency_named_in_words_or_in_chinese_is_read():
    """Regression (real development rounds): "a fifty (50) U.S. dollar reconnection fee" had no
    amount ("U.S." stood between the number and "dollar"), and "100美元", "100港元", "新台幣1,200元"
    were not money or were yuan."""
    assert amount("a fifty (50) U.S. dollar reconnection fee") == {"amount": 50, "currency": "USD"}
    assert amount("a fee of 20 Australian dollars")["currency"] == "AUD"
    assert amount("手续费100美元") == {"amount": 100, "currency": "USD"}
    assert amount("行政费100港元")["currency"] == "HKD"
    assert amount("安裝費新台幣1,200元") == {"amount": 1200, "currency": "TWD"}
    assert amount("NT$1,200")["currency"] == "TWD"
    assert amount("每月最低消费59元")["currency"] == "CNY"


def test_a_taiwanese_or_hong_kong_agreement_s_yuan(scanner):
    """Regression (zh-fetnet real development document): a Taiwanese operator's "1200元／次" is
    新臺幣 and was read as CNY; the document's yuan is chosen like its dollar, and does not leak."""
    from analyzer.engine.values import YUAN, yuan_currency

    assert yuan_currency("遠傳電信智慧家庭方案。遠傳保留變更權利。安裝費1200元／次。") == "TWD"
    assert yuan_currency("本课程于香港上课，补课每次需付100元行政费，香港教育中心保留权利。") == "HKD"
    assert yuan_currency("中国移动通信集团。港澳台漫游另计。月租59元。") == "CNY"
    assert yuan_currency("月租59元") == "CNY"
    tw = "遠傳電信寬頻服務條款。遠傳得收取費用：用戶提前終止本服務者，應支付違約金1200元。"
    got = [f.values.get("currency") for f in scanner.scan_text(tw, "tw").findings if f.values.get("amount")]
    assert got and set(got) == {"TWD"}
    assert YUAN.get() == "CNY"


def test_a_minimum_spend_states_how_long_it_binds(scanner):
    """Regression (zh-mobile-hunan real development document): "保底时间12个月，承诺保底期间内…不允许
    降档" is a minimum spend for 12 months; the finding carried no months (the category's keys
    lacked them)."""
    r = scanner.scan_text("保底时间12个月，承诺保底期间内，客户不允许降档或取消保底。", "m")
    got = [f.values for f in r.findings if f.category == "minimum_spend"]
    assert got and got[0].get("months") == 12


def test_a_rate_carries_its_period_and_more_duration_and_speed_shapes():
    """Regression (real development documents): "daily interest at 1.5% per day" had no period,
    "60 consecutive calendar days" no days (one qualifier only), "1024kbit" no speed, and a
    Taiwanese price list's "$1,200" was USD."""
    got = [(v.key, v.value, dict(v.extra).get("period")) for v in candidates("incur daily interest at 1.5% per day")]
    assert ("percent", 1.5, "day") in got
    assert vals("if the balance remains at $0 for 60 consecutive calendar days", "days") == [60]
    assert vals("the Internet at 1024kbit", "speed_kbps") == [1024]


def test_a_taiwanese_price_list_s_dollar_sign_is_twd(scanner):
    tw = "遠傳電信智慧家庭方案。遠傳保留變更權利。\n標準安裝費 / $1,200，用戶應另付安裝費用。\n"
    got = [f.values.get("currency") for f in scanner.scan_text(tw, "tw").findings if f.values.get("amount")]
    assert got and set(got) == {"TWD"}


def test_a_percentage_takes_only_the_period_written_after_it():
    """Regression (this session's percent periods): "剩余月份最低消费总额的50%或200元" gave the 50% a
    monthly period from the "月" before it, and the exit cost became 200 a month."""
    got = [dict(v.extra).get("period") for v in candidates("违约金为剩余月份最低消费总额的50%或200元") if v.key == "percent"]
    assert got == [None]


def test_a_one_off_fee_s_name_says_it_is_charged_once():
    """Regression (real development documents): "a Service Restoral Fee of no more than $50" and "a
    missed appointment fee of one hundred dollars ($100)" carried no period; the annotators read once."""
    assert amount("You will be required to pay a Service Restoral Fee of no more than $50 per visit")["period"] == "once"
    assert amount("a non-refundable missed appointment fee of one hundred dollars ($100)")["period"] == "once"
    assert amount("a monthly fee of $10")["period"] == "month"


def test_regression_the_remaining_months_formula_uses_the_taxonomy_s_wording():
    """TAXONOMY.md's example formula is "remaining months x monthly fee"; the scanner wrote
    "... monthly charge", which no annotator following the taxonomy writes, and a pattern that
    already wrote "monthly fee" was not recognised by the advice layer."""
    from analyzer.engine.values import Mechanism, formula_terms, mechanism

    assert Mechanism.REMAINING_CHARGE.value == "remaining months x monthly fee"
    assert mechanism("remaining months x monthly fee") is Mechanism.REMAINING_CHARGE
    # a history written by an earlier version still reads
    assert mechanism("remaining months x monthly charge") is Mechanism.REMAINING_CHARGE
    assert formula_terms("remaining months x monthly charge x 2").multiple == 2
    assert formula_terms("remaining months x monthly fee x 2").multiple == 2


def test_regression_a_monthly_credit_is_not_a_term_of_one_month():
    """Regression (r11 development round): "applied as a monthly credit over the 36-month
    installment plan" gave months 1 ("a" read as the count of "monthly credits") instead of 36."""
    assert vals("Bill credits are applied as a monthly credit over the 36-month installment plan.", "months") == [36]
    assert vals("You get one monthly payment of $5.", "months") == []
    assert vals("You get 24 monthly bill credits.", "months") == [24]


def test_regression_a_hong_kong_chinese_agreement_s_dollar_sign_is_hkd(scanner):
    """Regression (r11 and r9 development rounds): a Hong Kong agreement written in Chinese names
    Hong Kong in Chinese only (香港, 港幣), so its "每月$10的費用" was read as USD."""
    hk = ("香港電訊有限公司服務條款，受香港特別行政區法律管轄。\n"
          "若您有意申請收取賬單的印刷副本，本公司將向您收取每月$10的費用。\n")
    got = [f.values.get("currency") for f in scanner.scan_text(hk, "hk").findings if f.values.get("amount")]
    assert got and set(got) == {"HKD"}


def test_regression_a_data_quota_carries_its_period():
    """Regression (development rounds r8, r9): "downloads 10 GB ... daily", "more than 1GB a month"
    and "40GB/月" are quotas with a period; a data cap that states no price had none (the period
    came only from amounts)."""
    assert pick("using more than 10GB per day will be slowed", ["data_gb", "period"], (0, 5)) == {"data_gb": 10, "period": "day"}
    assert pick("当月流量达到40GB/月后限速", ["data_gb", "period"], (0, 5)) == {"data_gb": 40, "period": "month"}
    assert pick("after 50GB of data a month speeds may be reduced", ["data_gb", "period"], (0, 5)) == {"data_gb": 50, "period": "month"}
    assert pick("up to 5GB, then slower", ["data_gb", "period"], (0, 5)) == {"data_gb": 5}


def test_regression_a_liability_clause_carries_its_claim_window(scanner):
    """Regression (r11 development round): "any claim must be made within 90 days ... or the Company
    will not be liable" - a time bar on claims; liability findings could carry no days."""
    r = scanner.scan_text("Any claim against the Company must be made within 90 days of the event giving rise to it, "
                          "or it is waived and the Company will not be liable.", "l")
    got = [f.values for f in r.findings if f.category == "liability_limitation"]
    assert got and got[0].get("days") == 90


def test_regression_the_months_left_said_in_hong_kong_words():
    """Regression (r11 development round): "承諾期內月費X承諾期餘下月數" (the monthly fee times the
    months left, 餘下 in Hong Kong) had no formula."""
    from analyzer.engine.values import formula

    assert formula("提前终止费:承诺期内月费X承诺期余下月数不足一个月亦将视为一个足月。") == "remaining months x monthly fee"


def test_regression_digits_with_a_chinese_multiplier_are_one_sum():
    """Regression (r11 development round): "赔偿上限为100萬港元" (a cap of a million) was read as
    HK$10,000 - the digits were dropped and the lone 万 read as the number."""
    assert vals("我们就此向客户支付的赔偿上限为100万港元。", "amount") == [1_000_000]
    assert vals("赔偿上限为1.5萬元。", "amount") == [15_000]
    assert vals("提前解约须支付违约金3千元。", "amount") == [3_000]
    assert vals("违约金为一万元。", "amount") == [10_000]
    assert vals("违约金为300元。", "amount") == [300]


def test_regression_gst_alone_does_not_make_the_dollar_australian():
    """Regression (r13, a Singapore SIM-only plan): GST is levied in Singapore, New Zealand, India and
    Malaysia too, so "prices include GST" twice made the Singapore dollar Australian."""
    from analyzer.engine.values import dollar_currency

    sg = "All prices include GST. GST is charged at the prevailing rate. Visit m1.com.sg or any M1 shop: $37.45."
    assert dollar_currency(sg) == "SGD"
    assert dollar_currency("Prices include GST. Complaints to the TIO or ACMA. Telstra: $30.") == "AUD"


def test_regression_pesos_and_rupiah_are_read():
    """Regression (r12, r13): "Preterm fee: P2,000" in a Philippine contract and "Rp 1.000.000.-" (the
    dots group thousands) in an Indonesian gym letter had no amount; a bare "P30" elsewhere is no peso."""
    from analyzer.engine import values as V

    def amounts(text: str) -> list[tuple[float, str]]:
        return [(v.value, dict(v.extra)["currency"]) for v in V.candidates(text) if v.key == "amount"]

    assert amounts("Plan P30 costs $5.50") == [(5.5, "USD")]
    token = V.PESO.set(True)
    try:
        assert amounts("Preterm fee: P2,000") == [(2000, "PHP")]
        assert amounts("a connection fee of P 1800") == [(1800, "PHP")]
    finally:
        V.PESO.reset(token)
    assert amounts("cancellation fees worth Rp 1.000.000.- or") == [(1000000, "IDR")]
    assert amounts("a freezing fee Rp 100.000.- will be charged") == [(100000, "IDR")]
    assert amounts("a fee of 550 pesos") == [(550, "PHP")]
    assert V.peso_document("Globe Telecom, Inc., Taguig City, Philippines") and not V.peso_document("Plan P30")


@pytest.mark.parametrize("text,want", [
    ("你必須支付提前終止費用，即承諾期內剩餘原價月費之總和。", "remaining months x monthly fee"),
    ("每張額外SIM卡將收取剩餘合約月費總和。", "remaining months x monthly fee"),
    ("你須即時繳付最短合約期所剩餘月份之所有應付月費總額。", "remaining months x monthly fee"),
    ("按剩余月份×月租收取违约金。", "remaining months x monthly fee"),
    ("违约金按剩余协议月份数乘以月最低消费额计算。", "remaining months x monthly minimum spend"),
])
def test_regression_the_remaining_monthly_fee_is_the_fee_not_the_minimum_spend(text, want):
    """Regression (r13, Hong Kong): "承諾期內剩餘原價月費之總和" had no formula, and "剩餘月份之所有應付月費總額" or
    "剩余月份×月租" were read as the remaining months times a monthly minimum spend the clause never names."""
    from analyzer.engine.values import formula
    assert formula(normalize(text).text) == want


@pytest.mark.parametrize("category,text,given,want", [
    ("extra_fees", "HiHiTutor 会收取家长港币500元之行政费用。", {}, "once"),
    ("refund_restriction", "The subscriber shall pay a Non-Refundable connection fee of P 1800.", {}, "once"),
    ("extra_fees", "A late fee of $15 applies.", {}, "once"),
    ("extra_fees", "A monthly administration fee of $9.99 applies.", {"period": "month"}, "month"),
    ("extra_fees", "Each extra GB costs $5.", {}, None),
    ("liability_limitation", "Our liability is limited to the administration fee of $100.", {}, None),
])
def test_regression_a_fee_named_one_off_has_the_period_once(category, text, given, want):
    """Regression (r10-r13): "港币500元之行政费用", "a Non-Refundable connection fee of P 1800" had an amount
    and no period: only some fee patterns set "once", the model's findings never did."""
    from analyzer.engine import values as V
    vals = {"amount": 1.0, **given}
    V.one_off_period(category, text, vals)
    assert vals.get("period") == want


def test_regression_a_currency_named_before_the_dollar_sign_is_that_dollar():
    """Regression (r13, Hong Kong): "只豁免首24個月內每月之港幣$18行政費" read the $18 as US dollars: the
    currency's name before the sign counted only with digits right after it ("港幣18")."""
    from analyzer.engine import values as V

    def amounts(text: str) -> list[tuple[float, str]]:
        return [(v.value, dict(v.extra)["currency"]) for v in V.candidates(text) if v.key == "amount"]

    assert amounts("每月之港币$18行政费") == [(18, "HKD")]
    assert amounts("月费新台币 NT$500") == [(500, "TWD")]
    assert amounts("月费港幣 HK$ 88") == [(88, "HKD")]
    assert amounts("美元$20") == [(20, "USD")]
    assert amounts("港币18元") == [(18, "HKD")]


@pytest.mark.parametrize("text,want", [
    ("WSC may add an annual facility maintenance charge of up to, but not exceeding, $150.", "year"),
    ("A monthly service fee of $9.99 applies to each line.", "month"),
    ("You pay a one-time activation fee of $35.", "once"),
])
def test_regression_the_period_that_names_the_fee_a_few_words_before_its_sum(text, want):
    """Regression (development rounds): "an annual facility maintenance charge of up to $150" had no
    period; a period word counted only within eight characters of the sum."""
    (v,) = [v for v in candidates(text) if v.key == "amount"]
    assert dict(v.extra).get("period") == want


@pytest.mark.parametrize("text, amount, currency", [
    ("Service will be restored upon payment of all past due amounts, along with a fifty (50) U.S. dollar reconnection fee.", 50, "USD"),
    ("A reconnection fee of 50 U.S. dollars applies.", 50, "USD"),
    ("A late fee of 20 Canadian dollars applies to each overdue bill.", 20, "CAD"),
])
def test_regression_a_sum_in_us_dollars_keeps_its_amount_in_a_scan(scanner, text, amount, currency):
    """Regression (r8 development round, gathered again in session 22): "a fifty (50) U.S. dollar
    reconnection fee" had no amount in a scan, although values read it: the detector reads the dots
    of "U.S." inside a clause as middle dots (detect.INNER_DOT), and "U·S· dollar" was no currency."""
    got = [f.values for f in scanner.scan_text(text, "d").findings if f.category == "extra_fees"]
    assert got and got[0].get("amount") == amount and got[0].get("currency") == currency


@pytest.mark.parametrize("text, amount, currency", [
    ("未缴纳学费前，每节体验课收费为税后 30 加币/小时。", 30, "CAD"),
    ("单独购买试听课需支付 15 加元/节", 15, "CAD"),
    ("会员费每月 25 新币", 25, "SGD"),
    ("年费 500澳元", 500, "AUD"),
    ("报名费 3000日元", 3000, "JPY"),
    ("月租100澳门元", 100, "MOP"),
    ("手续费 20 令吉", 20, "MYR"),
])
def test_regression_a_sum_in_a_foreign_currency_named_in_chinese_keeps_its_currency(text, amount, currency):
    """Regression (r5 development round, a Canadian dance school): "30 加币/小时" had no amount at all:
    only the yuan, the Hong Kong, Taiwan and US dollars, the euro and the pound had Chinese names."""
    got = [(v.value, dict(v.extra)["currency"]) for v in candidates(text) if v.key == "amount"]
    assert got == [(amount, currency)]


def test_a_date_before_new_year_is_no_sum_in_yen():
    """"5月30日元旦前" is a date and a holiday, not 30 yen (nor 30 days)."""
    assert [v for v in candidates("若于5月30日元旦前退订，需支付违约金100元") if v.key == "amount"][0].value == 100
    assert not [v for v in candidates("5月30日元旦前退订") if v.key in ("amount", "days")]
    assert not [v for v in candidates("报名费500日元") if v.key == "days"]


def test_regression_a_daily_fee_named_in_chinese_is_charged_by_the_day():
    """Regression (r13 development round, Hong Kong roaming): "你須繳付本計劃之日費HK$88" had the period
    "once" from its pattern's default: 日费 (a day's fee) named no period."""
    (v,) = [v for v in candidates("你须缴付本计划之日费HK$88。") if v.key == "amount"]
    assert dict(v.extra).get("period") == "day"
    (v,) = [v for v in candidates("日租卡 日租5元") if v.key == "amount"]
    assert dict(v.extra).get("period") == "day"


@pytest.mark.parametrize("text, anchor, want", [
    ("As soon as we have activated your service you may be charged a one-off Activation Fee, and our monthly "
     "charges will start to apply.", "Activation Fee", "once"),
    ("The enrolment fee is a one off compulsory fee that covers the Method Book.", "enrolment fee", "once"),
    ("Your plan is billed month-to-month.", "billed", "month"),
    ("安装时一次性收取调测费。", "调测费", "once"),
])
def test_regression_a_period_stated_without_a_sum_is_the_nearest_one(text, anchor, want):
    """Regression (r9, r12 development rounds): "a one-off Activation Fee, and our monthly charges will start"
    had the period "month", and "a one off compulsory fee" none: a period without a sum was only read from
    words of monthly or yearly billing, the first in the sentence."""
    a = text.index(anchor)
    assert pick(text, ["amount", "period"], (a, a + len(anchor))).get("period") == want


def test_regression_rand_with_a_thousands_comma_and_full_days():
    """Regression (r9, r11 development rounds): "the full replacement cost (R2,500 - R5,000)" had no
    amount (a rand sum needed two digits after the R, and "2," is one), and "the fourteen full days
    deadline" no days."""
    assert [(v.value, dict(v.extra)["currency"]) for v in candidates("the full replacement cost (R2,500 - R5,000)")
            if v.key == "amount"] == [(2500, "ZAR"), (5000, "ZAR")]
    assert not [v for v in candidates("R2 is a plan name") if v.key == "amount"]
    assert vals("the right of withdrawal and the period of fourteen full days", "days") == [14]
