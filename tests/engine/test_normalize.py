"""analyzer.engine.normalize: width folding, traditional -> simplified, line-wrap repair, offset map, numerals."""
from __future__ import annotations

import pytest

from analyzer.engine.normalize import cn_to_int, is_cjk, normalize


def test_full_width_digits_letters_punctuation():
    n = normalize("月费：３０元，ＡＢＣ套餐（含１０ＧＢ）！")
    assert n.text == "月费:30元,ABC套餐(含10GB)!"


def test_ideographic_space_and_nbsp_collapse():
    n = normalize("合约期\u3000二十四个月 ; early\u00a0\u00a0termination")
    assert n.text == "合约期二十四个月 ; early termination"


def test_traditional_becomes_simplified():
    n = normalize("合約期為二十四個月，違約金按剩餘月數計算。")
    assert n.text == "合约期为二十四个月,违约金按剩余月数计算。"


def test_curly_quotes_and_dashes():
    n = normalize("\u201c最低消费\u201d\u2014\u2018min\u2019")
    assert n.text == '"最低消费"-\'min\''


def test_spaces_between_cjk_removed_but_kept_between_words():
    assert normalize("合 约 期 为 二 十 四 个 月").text == "合约期为二十四个月"
    assert normalize("连续  24  个月").text == "连续24个月"
    assert normalize("a   24-month    term").text == "a 24-month term"


def test_wrapped_cjk_line_is_joined():
    # a PDF line break in the middle of a clause
    n = normalize("乙方承诺自入网之日起在网使用不少于二十\n四个月，期间不得办理销户或携号转网。")
    assert "\n" not in n.text
    assert "不少于二十四个月" in n.text


def test_wrapped_latin_line_becomes_a_space():
    n = normalize("The customer agrees to keep the service for\ntwelve months from activation.")
    assert n.text == "The customer agrees to keep the service for twelve months from activation."


def test_sentence_end_paragraph_and_list_items_keep_their_break():
    # ends with 。: a real line end
    assert normalize("本协议自签字之日起生效并持续有效。\n双方应当遵守。").text.count("\n") == 1
    # blank line: a paragraph break stays one line break
    assert "\n" in normalize("本协议由双方在平等自愿基础上签订\n\n第二条 资费标准").text
    # list items and numbered clauses are never glued to the line before
    for item in ("- 每月最低消费30元", "1. 每月最低消费30元", "第二条 资费", "(一) 资费", "• 资费说明",
                 "一、总则", "十二、附则", "3)资费", "5.1甲方应当按时缴费", "5.1 Fees", "1.2.3 条款"):
        n = normalize("以下为本套餐的主要资费说明和条款内容\n" + item)
        assert "\n" in n.text, item


@pytest.mark.parametrize("wrapped", ["四个月,期间不得销户", "24个月内不得销户", "1.5GB流量", "2.5元/分钟",
                                     "第二个月起生效"])
def test_a_number_continuing_a_wrapped_line_is_joined(wrapped):
    # a number at the start of a line is not a list item when it continues the sentence
    n = normalize("以下为本套餐的主要资费说明和条款内容说明\n" + wrapped)
    assert "\n" not in n.text


def test_wrapped_english_number_is_joined():
    n = normalize("You agree to keep this service for a minimum term of\n12 months from activation.")
    assert "term of 12 months" in n.text


def test_short_lines_are_not_glued():
    # headings / table cells shorter than a wrapped line keep their breaks
    assert normalize("资费说明\n月租30元").text == "资费说明\n月租30元"


def test_form_feed_page_break_survives():
    n = normalize("第一页的内容在这里结束了吗还没有结束\f第二页")
    assert "\f" in n.text


def test_offset_map_quotes_the_original():
    original = "合約期為二十四個月，\n违约金：３０元。"
    n = normalize(original)
    assert len(n.orig) == len(n.text)
    i = n.text.index("违约金")
    j = n.text.index("。") + 1
    assert n.quote(i, j) == "违约金：３０元。"  # full-width colon and digits come back as written
    k = n.text.index("合约期")
    assert n.quote(k, k + 3) == "合約期"  # traditional characters come back as written
    a, b = n.to_orig(k, k + 3)
    assert original[a:b] == "合約期"


def test_offset_map_across_a_joined_wrap():
    original = "乙方承诺自入网之日起在网使用不少于二十\n四个月，期间不得销户。"
    n = normalize(original)
    i = n.text.index("二十四个月")
    assert n.quote(i, i + 5) == "二十\n四个月"


def test_offset_map_is_monotonic():
    n = normalize("Ａ　Ｂ\n\n合 約\tterm  ends。\r\n下一行")
    assert all(a < b for a, b in zip(n.orig, n.orig[1:], strict=False))


def test_empty_text():
    n = normalize("")
    assert n.text == "" and n.to_orig(0, 0) == (0, 0)


@pytest.mark.parametrize("s,v", [
    ("二十四", 24), ("两", 2), ("十二", 12), ("十", 10), ("叁拾", 30), ("一百二十", 120),
    ("一百零八", 108), ("三千", 3000), ("一万", 10000), ("五万零五十", 50050), ("二〇二四", 2024),
    ("壹佰", 100), ("六", 6), ("九十九", 99),
])
def test_chinese_numerals(s, v):
    assert cn_to_int(s) == v


@pytest.mark.parametrize("s", ["", "月", "二十四个", "abc"])
def test_not_a_numeral(s):
    assert cn_to_int(s) is None


def test_is_cjk():
    assert is_cjk("合") and is_cjk("約") and not is_cjk("A") and not is_cjk("，") and not is_cjk("3")


@pytest.mark.parametrize("heading", ["## 第三条 资费标准与计费方式的详细说明", "**Early termination and cancellation**"])
def test_markdown_heading_line_is_not_glued(heading):
    n = normalize(heading + "\n本套餐月费30元，合约期二十四个月。")
    assert n.text.count("\n") == 1


@pytest.mark.parametrize("text", [
    "24.2 CLASS ACTION WAIVER\nThe parties agree to arbitrate.",
    "Changes to These Terms\nWe may change these terms.",
    "五、协议的生效、变更、终止和解除\n本协议自签字之日起生效。",
])
def test_regression_a_title_line_is_not_glued_to_the_next_sentence(text):
    # a title without a full stop was read as a wrapped line and joined to the clause after
    # it, so findings quoted the heading with the clause
    assert "\n" in normalize(text).text


def test_a_wrapped_sentence_is_still_joined():
    assert normalize("This agreement will renew automatically for\nsuccessive one-year terms.").text == \
        "This agreement will renew automatically for successive one-year terms."


def test_regression_a_long_line_does_not_glue_the_titles_after_it():
    # the title test looked at the logical line, which after one join was the long first line,
    # so a whole table of contents became one sentence
    text = "Reporting Copyright, Trademark, And Other Intellectual Property Infringement Claims Here\n    Disclaimers And Release\n    Limitation Of Liability\n"
    assert normalize(text).text.count("\n") >= 2


def test_short_statement_lines_of_a_product_page_are_not_glued():
    """Card-style pages list one short statement per line with no full stop; gluing them as
    if a PDF had wrapped them made one clause of five (one finding for all their fees)."""
    page = ("套餐说明\n月租19元，含100GB通用流量\n套餐外流量按照25元/GB收取\n首充50元激活后方可使用\n"
            "本套餐合约期为十二个月，合约期内不得变更为低档套餐或办理携号转网业务，否则须支付违约金\n"
            "合约期满后如双方均未提出异议，本协议自动续约一年，续约期内按届时的标准资费执行，特此说明\n")
    text = normalize(page).text
    assert "月租19元,含100GB通用流量\n套餐外流量按照25元/GB收取\n首充50元激活后方可使用" in text


def test_lines_wrapped_at_the_page_width_are_still_glued():
    wrapped = ("本协议有效期为二十四个月，自用户办理入网手续之日起计算，在协议有效期\n"
               "内用户不得办理销户或者携号转网，如确需提前解除协议的，应当按照剩余月\n"
               "份支付违约金，违约金的计算方式以本协议附件所列的标准为准，双方均应\n"
               "遵守本协议的约定。\n")
    assert "在协议有效期内用户不得办理销户" in normalize(wrapped).text
    assert "按照剩余月份支付违约金" in normalize(wrapped).text


def test_a_short_line_ending_at_a_comma_continues_its_sentence():
    """Regression: a line of fewer than 16 characters, or narrower than the document's wrapped
    lines, was kept apart even when it ended at a comma, so "乙方每月最低消费99元，" / "当月实际消费不足…"
    became two sentences and a re-wrapped version of an agreement seemed to reword its clauses."""
    t = normalize("第二条 乙方每月最低消费99元，\n当月实际消费不足99元的，按99元收取。\n")
    assert "99元,当月实际" in t.text
    assert normalize("Fees apply,\nas listed below.\n").text.startswith("Fees apply, as listed below.")
    # a short line without a comma (a product card's statements) still stands alone
    assert normalize("月租19元\n含100GB通用流量\n").text == "月租19元\n含100GB通用流量\n"


def test_one_for_one_folding_takes_the_table_and_keeps_every_offset():
    """A text whose every character folds to one character is translated in one call (issue 12:
    the per-character loop was a tenth of a cold scan); it must give what the loop gives."""
    from analyzer.engine import normalize as n

    text = "本卡合約期為１２個月\u3000“違約金”為１００元—详见（１）。"
    chars, idx = n._fold(text)
    assert "".join(chars) == "本卡合约期为12个月 \"违约金\"为100元-详见(1)。" and idx == list(range(len(text)))
    # a circled number folds to several characters ("⑩" -> "(10)"): the loop runs, and all map back to it
    chars, idx = n._fold("第⑩条")
    assert "".join(chars) == "第(10)条" and idx == [0, 1, 1, 1, 1, 2]


def test_table_rows_without_a_leading_pipe_are_not_joined_as_a_wrapped_line():
    """Regression (zh-mvno real set): rows written "1元卡 | 1元/日 | 1GB | 月累计40GB暂停服务 |" (no
    leading pipe) were joined into one line, so the first row's finding took the next row's
    20GB and 1Mbps."""
    rows = "1元卡 | 1元/日 | 1GB | 月累计40GB暂停服务 |\n3元卡 | 3元/日 | 不限量 | 月累计20GB降速至1Mbps |\n"
    assert normalize(rows + "其他资费标准:全国通话0.1元/分钟。").text.split("\n")[:2] == [
        "1元卡 | 1元/日 | 1GB | 月累计40GB暂停服务 |", "3元卡 | 3元/日 | 不限量 | 月累计20GB降速至1Mbps |"]


def test_unreadable_opencc_dictionary_is_an_error_not_an_empty_table(tmp_path, monkeypatch) -> None:
    """Regression: a failed read of OpenCC's table was cached as {} for the whole process, so every
    traditional-script agreement scanned after it silently lost its findings."""
    import opencc

    from analyzer.engine import normalize

    monkeypatch.setattr(opencc, "__file__", str(tmp_path / "opencc" / "__init__.py"))
    normalize._t2s_table.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="OpenCC's dictionary cannot be read"):
            normalize._t2s_table()
    finally:
        monkeypatch.undo()
        normalize._t2s_table.cache_clear()
        normalize._fold_table.cache_clear()
    assert normalize.fold_chars("違約金") == "违约金"       # nothing kept from the failure


def test_regression_a_circled_list_number_is_not_glued_to_the_number_after_it():
    # NFKC alone reads "⑤15GB" as "515GB" and "①10元/月" as "110元/月": the values went wrong
    n = normalize("⑤15GB热门视频APP定向流量，①10元/月")
    assert n.text.startswith("(5)15GB") and "(1)10元/月" in n.text
    assert n.quote(0, n.text.index("GB") + 2) == "⑤15GB"  # quotes are still the original's
    from analyzer.engine.pipeline import Scanner

    rep = Scanner(model=False).scan_text("⑤15GB热门视频APP定向流量可用，合约期12个月。")
    assert {f.category: f.values.get("data_gb") for f in rep.findings}.get("directional_data") == 15
