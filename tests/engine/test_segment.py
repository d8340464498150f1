"""analyzer.engine.segment: sentence bounds (Chinese and English), headings and sections."""
from __future__ import annotations

import pytest

from analyzer.engine.normalize import normalize
from analyzer.engine.segment import split_sentences


def sents(text: str) -> list[str]:
    return [s.text for s in split_sentences(normalize(text).text)]


def test_chinese_sentence_ends():
    assert sents("本套餐月费30元；合约期24个月。超出部分另行计费！是否自动续费？是。") == [
        "本套餐月费30元;", "合约期24个月。", "超出部分另行计费!", "是否自动续费?", "是。"]


def test_commas_do_not_split():
    assert len(sents("甲方应按时缴费，逾期未缴的，乙方有权停机，并收取违约金。")) == 1


def test_english_sentences_and_abbreviations():
    out = sents("Fees apply, e.g. the $5 fee. The term is 12 months. See Section 3.5 for details. "
                "Call Mr. Smith at 5 p.m. today. Prices in the U.S. vary.")
    assert out == ["Fees apply, e.g. the $5 fee.", "The term is 12 months.", "See Section 3.5 for details.",
                   "Call Mr. Smith at 5 p.m. today.", "Prices in the U.S. vary."]


def test_a_currency_written_before_the_amount_does_not_split():
    assert sents("Each SIM swap costs Rs. 25 and is billed monthly. Reconnection is charged at KShs. 20 per day.") == [
        "Each SIM swap costs Rs. 25 and is billed monthly.", "Reconnection is charged at KShs. 20 per day."]


def test_decimal_numbers_do_not_split():
    assert sents("The fee is $9.99 per month and 0.5 GB is included.") == [
        "The fee is $9.99 per month and 0.5 GB is included."]


def test_full_stop_before_lower_case_does_not_split():
    assert len(sents("the fee is listed at approx. fifty dollars in the table.")) == 1


def test_line_breaks_split_paragraphs_and_items():
    out = sents("资费说明\n- 月租30元\n- 每月赠送10GB流量")
    assert out == ["资费说明", "- 月租30元", "- 每月赠送10GB流量"]


@pytest.mark.parametrize("heading", ["第三条 资费", "第3条 资费", "三、资费标准", "(二) 资费", "4.2 Fees",
                                     "Section 4 Fees", "ARTICLE 7", "CANCELLATION", "## 退款规则",
                                     "**Cancellation**", "## 第三条 资费标准与计费方式的详细说明",
                                     "**Early termination and cancellation**"])
def test_headings_name_the_section(heading):
    ss = split_sentences(normalize(heading + "\n本条款适用于所有用户并长期有效。").text)
    assert ss[0].heading, heading
    assert not ss[1].heading
    assert ss[1].section == ss[0].text.strip("#* ")


def test_a_sentence_is_not_a_heading():
    ss = split_sentences(normalize("一、甲方应当按时足额缴纳通信费用。").text)
    assert len(ss) == 1 and not ss[0].heading


def test_section_carries_forward_until_the_next_heading():
    ss = split_sentences(normalize("第一条 资费\n月租30元。\n合约期两年。\n第二条 退款\n不予退款。").text)
    by_text = {s.text: s.section for s in ss}
    assert by_text["月租30元。"] == by_text["合约期两年。"] == ss[0].text
    assert by_text["不予退款。"] == ss[3].text


def test_offsets_are_into_the_normalized_text():
    text = normalize("前言部分。\n\n  The term is 12 months.  \n最后一句").text
    for s in split_sentences(text):
        assert text[s.start:s.end] == s.text
        assert s.text == s.text.strip()


def test_tiny_fragments_are_dropped():
    assert sents("。\n.\n好\n正文内容在这里。") == ["正文内容在这里。"]


def test_form_feed_is_a_boundary():
    assert sents("第一页最后一句没有句号\f第二页第一句") == ["第一页最后一句没有句号", "第二页第一句"]


def test_a_label_line_and_its_value_on_the_next_line_are_one_statement():
    text = normalize("## 合约期\n12 个月\n\n首充金额\n100元\n").text
    ss = split_sentences(text)
    assert [(s.text, s.heading) for s in ss] == [("## 合约期:12个月", False), ("首充金额:100元", False)]
    assert all(len(s.text) == s.end - s.start for s in ss)  # offsets stay exact
    assert ss[0].section == "合约期"


def test_a_value_line_is_not_a_heading():
    ss = split_sentences(normalize("## 月租\n本套餐月租39元。\n24个月\n").text)
    assert not any(s.heading and s.text.startswith("24") for s in ss)


def test_a_label_before_a_sentence_is_not_joined():
    ss = split_sentences(normalize("## 违约金\n提前销户需支付100元\n").text)
    assert [s.text for s in ss] == ["## 违约金", "提前销户需支付100元"]


def test_regression_a_question_mark_inside_a_url_does_not_end_the_sentence():
    text = normalize("You may cancel before your renewal date via [this page](https://example.com/help?nodeId=42) to avoid the next charge.").text
    assert len(split_sentences(text)) == 1


def test_a_table_row_reads_as_key_value():
    text = normalize("| 合约期 | 12个月 |\n|---|---|\n").text
    s = split_sentences(text)[0]
    assert s.text.strip().startswith("合约期:") and len(s.text) == s.end - s.start


@pytest.mark.parametrize("line", [
    "2. 激活需充值50元，到账后套餐生效",
    "5. 无合约期，可随时注销",
    "6. 收到卡后请在10天内激活",
    "3. Activation fee is $35",
])
def test_regression_a_numbered_list_item_that_states_a_term_is_not_a_title(line):
    # short numbered items without a full stop were taken for section titles and never scanned
    (s,) = split_sentences(normalize(line).text)
    assert not s.heading


@pytest.mark.parametrize("line", ["第五条 违约责任", "三、资费标准", "(二) 不可抗力", "4.2 Early Termination", "一、办理须知"])
def test_a_numbered_title_is_still_a_title(line):
    (s,) = split_sentences(normalize(line).text)
    assert s.heading


def test_a_template_blank_is_a_value_on_the_line_after_its_label():
    ss = split_sentences(normalize("【首充要求】\n${firstCharge}元\n").text)
    assert [s.text for s in ss] == ["【首充要求】:${firstCharge}元"]


@pytest.mark.parametrize("text, want", [
    ("## Cancelling Your Service; Early Termination Fees\nYou may cancel.", [("## Cancelling Your Service; Early Termination Fees", True), ("You may cancel.", False)]),
    ("**Introductory pricing.** Certain plans cost less for 12 months.", [("**Introductory pricing.**", True), ("Certain plans cost less for 12 months.", False)]),
    # (a numbered run-in title kept "**" on the next sentence, which then began with markup)
    ("3.3 **Introductory pricing.** Certain plans cost less for 12 months.", [("3.3 **Introductory pricing.**", True), ("Certain plans cost less for 12 months.", False)]),
    ("Will my price go up? Yes. Your price goes up each April.", [("Will my price go up?", False), ("Yes.", False), ("Your price goes up each April.", False)]),
])
def test_regression_markdown_titles_and_short_answers_split_where_a_reader_would(text, want):
    # a ';' cut a Markdown heading in two; a bold run-in title kept its closing '**' on the next
    # sentence; "Yes." was taken for a list number and glued to the answer
    assert [(s.text, s.heading) for s in split_sentences(normalize(text).text)] == want


def test_setext_underlined_title_is_a_heading_and_a_rule_under_a_statement_is_not():
    s = split_sentences("10. Bandwidth and Disk use quotas\n==========\nWe may reduce your speed.")
    assert [(x.text, x.heading) for x in s] == [("10. Bandwidth and Disk use quotas", True),
                                                ("We may reduce your speed.", False)]
    s = split_sentences("A:套餐资费以公告为准,如有调整会提前通知您的,亲放心~\n---\n下一个问题")
    assert s[0].heading is False


def test_a_heading_line_that_binds_the_reader_is_scanned_as_a_clause():
    """"## 购买须知（下单即代表您已阅读并同意以下内容）" was a heading, never scanned."""
    s = split_sentences("## 购买须知（下单即代表您已阅读并同意以下内容）\n1. 本卡合约期12个月。")
    assert s[0].heading is False
    lead = split_sentences("4. 本服务不保证（包括但不限于）：\n(1) 服务不会中断；")
    assert lead[0].heading is False


def test_legal_citations_do_not_end_a_sentence():
    """"The Federal Arbitration Act, 9 U.S.C. § 1 et seq., governs…" was cut after "U.S.C.",
    leaving the arbitration clause without its subject."""
    text = ("The Federal Arbitration Act, 9 U.S.C. § 1 et seq., governs this arbitration agreement. "
            "See Cal. Civ. Proc. Code § 1281 for the rules.")
    got = [s.text for s in split_sentences(text)]
    assert len(got) == 2 and got[0].startswith("The Federal") and got[0].endswith("agreement.")


def test_a_full_stop_without_a_space_still_ends_a_sentence():
    """"…without notice.If your Subscription ends…" stayed one sentence: evidence spilled
    from one clause into the next."""
    got = [s.text for s in split_sentences("We may end it without notice.If your Subscription ends, you lose access.")]
    assert got == ["We may end it without notice.", "If your Subscription ends, you lose access."]
    assert len(split_sentences("Visit www.example.com for details.")) == 1


def test_a_bold_run_in_label_is_a_title_not_a_clause():
    """"* **Cancellation Fee**. After requesting…" left the label as a sentence of its own that
    patterns fired on (each pattern had to exclude labels itself): it is now the title of the
    clause that follows. A bold sentence that binds someone stays a clause."""
    got = [(s.text, s.heading, s.section) for s in
           split_sentences("*   **Cancellation Fee**. After requesting cancellation you will be charged $50.")]
    assert got[0][1] is True and got[1] == ("After requesting cancellation you will be charged $50.", False, "Cancellation Fee")
    assert split_sentences("a) **Monthly Rental Fee**. A fee of $5 applies.")[0].heading
    assert not split_sentences("* **We may require a refundable deposit**")[0].heading


def test_a_plain_run_in_label_titles_the_clause_on_its_line():
    """Regression: "1. Minimum term. Your broadband service has a minimum term of 18 months"
    made "1. Minimum term." a sentence of its own, a lock-in finding quoting only the label."""
    got = [(s.text, s.heading, s.section) for s in split_sentences(
        "1. Minimum term. Your broadband service has a minimum term of 18 months.\n"
        "2. Leaving early. If you end the service early you pay the remaining charges.")]
    assert got[0][1] is True and got[1] == (
        "Your broadband service has a minimum term of 18 months.", False, "Minimum term")
    assert got[3][2] == "Leaving early"
    # a short sentence that states something, or a label alone on its line, is not a run-in title
    assert not split_sentences("Fees apply. You pay $5.")[0].heading
    assert not split_sentences("We may suspend. The service stops.")[0].heading
    assert [s.text for s in split_sentences("Minimum term.\nThe term is 12 months.")][0] == "Minimum term."


def test_a_run_in_label_is_not_a_finding():
    import analyzer

    r = analyzer.scan("1. Minimum term. Your broadband service has a minimum term of 18 months starting on the activation date.")
    assert [f.evidence for f in r.findings if f.category == "lock_in"] == [
        "Your broadband service has a minimum term of 18 months starting on the activation date."]


def test_a_short_sentence_with_a_negated_or_lapsing_verb_is_no_run_in_title():
    """"Unused allowances don't roll over." followed by more text on its line was read as a run-in
    title ("Late Fees.") and never matched (issue 8)."""
    from analyzer.engine.normalize import normalize

    def headings(text: str) -> list[tuple[str, bool]]:
        return [(s.text, s.heading) for s in split_sentences(normalize(text).text)]

    assert headings("Unused allowances don't roll over. Any data left is lost.")[0] == ("Unused allowances don't roll over.", False)
    assert headings("Bonus credit expires. It cannot be refunded.")[0][1] is False
    assert headings("Late Fees. You will pay a late fee of $5.")[0] == ("Late Fees.", True)


@pytest.mark.parametrize("line", ["2.同一家门店每周只可预约2次", "3. 每张卡每天最多使用1次", "4、赠送课时仅限本人使用"])
def test_regression_a_numbered_limit_is_a_rule_not_a_title(line):
    # "只可…3次" was no statement (次 was no unit, 只可 no binding word): the line was a title
    (s,) = split_sentences(normalize(line).text)
    assert not s.heading


def test_regression_a_short_sentence_with_a_verb_is_not_a_run_in_title():
    # "Plans start upon payment confirmation." read as a title of the next sentence and was never scanned
    ss = split_sentences(normalize("Plans start upon payment confirmation. You can cancel at any time.").text)
    assert not ss[0].heading
    ss = split_sentences(normalize("1. Minimum term. Your plan has a minimum term of 18 months.").text)
    assert ss[0].heading and not ss[1].heading
