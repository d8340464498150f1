"""The square font PDFium reads text with (analyzer.engine.pdffonts, issue 12): the same text as
with the system's CJK font, no one-character line lost, and real glyphs again after the scan."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from analyzer.engine import extract

pdfium = pytest.importorskip("pypdfium2")


def _one_char_lines_pdf(path: Path) -> Path:
    """A Chinese PDF (font named, not embedded) whose wrapped lines leave one character alone
    on a line, each drawn as its own text object, as a generated contract wraps them."""
    pytest.importorskip("reportlab", reason="reportlab (a dev dependency) makes the test PDFs")
    from _pdf import make_lines_pdf

    return make_lines_pdf(path, ["乙方提前解除协议的，应按剩余月份每月支付违约金三十", "元", "。",
                                 "本套餐每月最低消费五十八元，不足部分按五十八元收取", "。"])


def _default_text(path: Path) -> list[str]:
    """Each page's text read with PDFium's own system font lookup (the system's CJK font)."""
    pdf = pdfium.PdfDocument(str(path))
    try:
        out = []
        for i in range(len(pdf)):
            page = pdf[i]
            textpage = page.get_textpage()
            out.append(extract._tidy_fast_text(textpage.get_text_bounded()))
            textpage.close()
            page.close()
        return out
    finally:
        pdf.close()


def _render(path: Path) -> bytes:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return bytes(pdf[0].render(scale=1).to_pil().convert("L").tobytes())
    finally:
        pdf.close()


def test_a_character_alone_on_its_line_is_kept(tmp_path):
    """A text object of one character must keep a width: without any substitute font PDFium
    leaves it out of the text ('违约金三十' without its '元')."""
    pdf = _one_char_lines_pdf(tmp_path / "one-char.pdf")
    text = extract.extract_path(pdf).text
    assert "违约金三十\n元\n。" in text
    assert "按五十八元收取\n。" in text


def _has_cjk_font() -> bool:
    from _shots import has_cjk_font

    return has_cjk_font()


def _zh_agreements() -> list[Path]:
    from conftest import CORPORA

    folder = CORPORA / "agreements"
    return sorted(folder.glob("zh-*.txt"))[:6] if folder.is_dir() else []


@pytest.mark.skipif(not _has_cjk_font() and not os.environ.get("TERMS_SCAN_REQUIRE_BROWSER"),
                    reason="needs a system CJK font (fonts-noto-cjk, installed by .ci/run) to compare with")
@pytest.mark.parametrize("path", _zh_agreements(), ids=lambda p: p.name)
def test_the_text_is_the_one_read_with_the_system_cjk_font(path, pdf_maker):
    """Shared agreements printed to PDF: page by page the same text as PDFium gives with the
    system's CJK font (where its glyphs are loaded to measure each character)."""
    pdf = pdf_maker([path.read_text(encoding="utf-8")], path.stem + ".pdf")
    fast = [p.text for p in extract.extract_path(pdf).pages]
    assert fast == _default_text(pdf)


def test_a_page_rendered_after_a_scan_draws_real_glyphs(tmp_path):
    """The square font is PDFium's only while text is read: a page rendered after a scan (OCR
    renders pages) is drawn as before it; rendered inside, it is squares."""
    from analyzer.engine.pdffonts import text_fonts

    pdf = _one_char_lines_pdf(tmp_path / "render.pdf")
    before = _render(pdf)
    extract.extract_path(pdf)
    assert _render(pdf) == before
    with text_fonts():
        assert _render(pdf) != before
    assert _render(pdf) == before


def test_other_fonts_still_come_from_the_system(tmp_path):
    """A Latin font the PDF does not embed is PDFium's usual substitute, not a square: the text
    of reportlab's Helvetica page is read as it always was."""
    pytest.importorskip("reportlab", reason="reportlab (a dev dependency) makes the test PDFs")
    from _pdf import make_lines_pdf

    path = make_lines_pdf(tmp_path / "latin.pdf", ["An early termination fee of $200 applies.", "i"],
                          font="Helvetica", step=20)
    assert [p.text for p in extract.extract_path(path).pages] == _default_text(path)
    assert extract.extract_path(path).text == "An early termination fee of $200 applies.\ni"
