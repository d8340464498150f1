"""engine.pipeline.ScanContext: the scan's normalized text and sentences, made once."""
from __future__ import annotations

from analyzer.engine import pipeline
from analyzer.engine.pipeline import ScanContext, Scanner


def test_report_carries_the_scans_sentences_and_the_advert_check_uses_them(monkeypatch):
    """The advert check normalized and split the agreement again with a splitter of its own;
    it now reads the sentences the detector read."""
    text = "本套餐月租39元，含全国通用流量30GB。合约期12个月，提前解约须支付违约金100元。"
    report = Scanner().scan_text(text)
    assert report.context is not None and "context" not in report.to_dict()
    got = [(s.text, text[a:b]) for s, a, b in report.context.statements()]
    assert got[0] == ("本套餐月租39元,含全国通用流量30GB。", "本套餐月租39元，含全国通用流量30GB。")

    def no_second_normalization(*a, **k):
        raise AssertionError("the agreement was normalized a second time")

    monkeypatch.setattr(pipeline, "normalize", no_second_normalization)
    checked = report.with_offer("月租39元，30GB通用流量，无合约")
    assert checked.offer is not None and checked.offer.claims


def test_context_is_rebuilt_for_a_report_without_one():
    ctx = ScanContext.of("First clause. Second clause.")
    assert [s.text for s, _, _ in ctx.statements()] == ["First clause.", "Second clause."]
