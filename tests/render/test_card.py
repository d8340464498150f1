"""The summary card (``--format png``): what it says, that agreement text stays text in it, and
the PNG that headless Chromium draws of it (skipped without a browser unless
TERMS_SCAN_REQUIRE_BROWSER=1, as in test_browser)."""
from __future__ import annotations

import io
import re

import pytest

import analyzer
from analyzer.render.card import CARD_SCALE, CARD_WIDTH, render_card_html, render_png
from analyzer.render.report import _unquoted

# our own example: a lock-in, a minimum, an exit fee, a non-refundable first top-up, a promo price
AGREEMENT = (
    "<b>示例卡</b>入网协议<script>alert(1)</script>\n"
    "1. 本协议合约期为24个月，自激活次月起计算。\n"
    "2. 合约期内，用户每月最低消费39元，不足39元的按39元收取。\n"
    "3. 用户在合约期内提前解约的，应按剩余月份乘以月最低消费额支付违约金。\n"
    "4. 首次充值即视为激活，激活时须一次性充值100元，首充金额不予退还。\n"
    "5. 前6个月享受优惠价19元/月，优惠期满后恢复标准资费39元/月。\n"
)
ADVERT = "19元/月 无合约 0元预存"


@pytest.fixture(scope="module")
def report():
    return analyzer.scan(AGREEMENT).with_offer(ADVERT)


def test_card_carries_the_decision(report):
    html = render_card_html(report, "zh")
    v = report.summary.verdict
    assert f'class="grade grade-{v.grade}"' in html
    assert "合约期满" in html or "第6个月后" in html  # the exit-cost rows
    assert "822" not in html  # the bundled example's figure, not this one's
    assert "与协议不符" in html and "无合约" in html  # contradicted advert claims
    assert "付款前先问" in html


def test_agreement_text_stays_text_on_the_card(report):
    html = render_card_html(report, "zh")
    assert "<script>alert" not in html and "<b>示例卡" not in html
    assert "&lt;script&gt;" in html or "&lt;b&gt;" in html
    # nothing that could fetch or run
    assert not re.search(r"<(script|img|link|iframe)\b", html)
    assert "default-src 'none'" in html


def test_card_does_not_quote_clauses_again(report):
    html = render_card_html(report, "en")
    # questions on the card are the questions alone, not "Clause 4 says "…": …"
    assert not re.search(r"says (&quot;|“)", html)
    for c in report.offer.claims:
        if c.status == "contradicted":
            assert "“" not in _unquoted(c.explanation["zh"])


def test_unquoted_removes_inline_clause_quotes():
    zh = "协议：每月最低消费39元/月（第1页：“合约期内，用户每月最低消费39元。”）；协议与广告相反。"
    assert _unquoted(zh) == "协议：每月最低消费39元/月；协议与广告相反。"
    en = 'agreement: a 24-month term (p. 1: "The term is 24 months."). In short'
    assert _unquoted(en) == "agreement: a 24-month term. In short"


def test_no_findings_card_says_so():
    html = render_card_html(analyzer.scan("本店营业时间为每天上午九点至晚上九点，欢迎光临。节假日照常营业。"), "zh")
    assert "未发现已知的风险条款" in html


def test_png_is_a_phone_width_card_trimmed_to_its_content(report, chromium):
    from PIL import Image

    png = render_png(report, "zh", browser=chromium)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    img = Image.open(io.BytesIO(png)).convert("RGB")
    assert img.width == CARD_WIDTH * CARD_SCALE
    assert 300 < img.height < 4000 * CARD_SCALE  # trimmed: not the whole 4000 px window
    # the card is drawn: dark text pixels, and the grade badge's colour near the top
    px = img.load()
    dark = sum(1 for y in range(0, img.height, 7) for x in range(0, img.width, 7) if sum(px[x, y]) < 200)
    assert dark > 100
    assert px[4, img.height - 1] == (255, 255, 255)  # ends on the card, not the grey page


def test_cli_png_to_file_and_refusals(run_cli, tmp_path, chromium):
    src = tmp_path / "a.txt"
    src.write_text(AGREEMENT, encoding="utf-8")
    out = tmp_path / "card.png"
    p = run_cli(str(src), "--format", "png", "-o", str(out), "--offer", ADVERT)
    assert p.returncode == 0, p.stderr
    assert out.read_bytes()[:4] == b"\x89PNG"
    # no browser: one line, usage exit code, the HTML alternative named
    p = run_cli(str(src), "--format", "png", "-o", str(tmp_path / "b.png"),
                env={"TERMS_SCAN_CHROMIUM": str(tmp_path / "no-such-browser")})
    assert p.returncode == 2
    err = p.stderr.decode()
    assert err.count("\n") == 1 and "Chromium" in err and "--format html" in err
    assert not (tmp_path / "b.png").exists()
