"""The one view every format renders: its sections say the same in each format."""
from __future__ import annotations

import analyzer
from analyzer.render.html import render_html
from analyzer.render.markdown import render_markdown
from analyzer.render.terminal import render_terminal
from analyzer.render.view import build_view

TEXT = ("示例卡入网协议\n1. 本协议合约期为24个月，自激活次月起计算。\n2. 合约期内，用户每月最低消费39元。\n"
        "3. 用户在合约期内提前解约的，应按剩余月份乘以月最低消费额支付违约金。\n4. 首次充值即视为激活，首充金额不予退还。\n")


def test_view_sections_and_every_format_shows_them():
    r = analyzer.scan(TEXT).with_offer("29元/月 无合约")
    v = build_view(r, "zh")
    assert v.verdict is not None and v.verdict.grade and v.exit_cost is not None
    row6 = next(x for x in v.exit_cost.rows if x.row.month == 6)
    assert row6.cost == "702元" and row6.known
    assert [c.status for c in v.offer.claims] == ["contradicted", "contradicted"]
    outputs = [render_terminal(r, "zh", width=100, color=False), render_markdown(r, "zh"), render_html(r, "zh")]
    for out in outputs:
        for text in (v.verdict.line, row6.label, "702元", v.offer.claims[1].status_word, v.findings[0][2][0].label):
            assert text in out, text


def test_view_in_english_of_a_chinese_agreement():
    v = build_view(analyzer.scan(TEXT), "en")
    assert v.lang == "en" and v.s("verdict") == "Verdict"
    assert any(r.label == "Leave after month 6" for r in v.exit_cost.rows)


def test_a_finding_of_the_sentence_model_says_so_in_every_format():
    """terms-scan --model: a clause the model found (not a pattern) is marked, with its
    probability, so the buyer reads it rather than takes it as read."""
    from analyzer.engine.pipeline import Scanner
    from analyzer.engine.sentmodel import SentenceModel, to_bytes
    from analyzer.render.html import render_html
    from analyzer.render.markdown import render_markdown
    from analyzer.render.terminal import render_terminal

    sc = Scanner(model=True)
    sc.model = SentenceModel.from_bytes(to_bytes(
        {"classes": ["lock_in"], "bias": [-3.0], "ngram": [2, 2], "threshold": 0.8, "scale": 0.001},
        ["zq", "qz"], [1.0, 1.0], [[(0, 8000)], [(0, 8000)]]))
    rep = sc.scan_text("Welcome to the club.\nMembers stay zqzq with the club for the whole season.\n")
    assert [f.pattern for f in rep.findings] == ["model:lock_in"]
    for out in (render_markdown(rep, "en"), render_html(rep, "en"), render_terminal(rep, "en", width=200, full=True)):
        assert "Found by the sentence model (probability 1.00)" in out
    assert "由句子模型发现（概率1.00）" in render_markdown(rep, "zh")
    plain = Scanner(model=False).scan_text("You are tied in for the first 24 months of your plan.")
    assert "sentence model" not in render_markdown(plain, "en")
