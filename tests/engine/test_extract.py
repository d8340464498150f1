"""analyzer.engine.extract: every input kind, encodings, and inputs that must be refused (InputError)."""
from __future__ import annotations

import random

import pytest

from analyzer import scan
from analyzer.engine.extract import decode_text, extract_bytes, extract_path, html_to_text, sniff_kind
from analyzer.errors import ExitCode, InputError

ZH = "本协议为移动电话入网服务协议。乙方承诺每月最低消费三十元，合约期为二十四个月，期间不得销户。\n"
ZH_TRAD = "本協議為行動電話入網服務協議。乙方承諾每月最低消費三十元，合約期為二十四個月，期間不得銷戶。\n"
EN = "This service agreement has a 24-month term. An early termination fee of $200 applies.\n"

PAGE1 = "第一条 总则\n本协议由用户与服务提供方在平等自愿的基础上签订，双方应当遵守。用户可以随时查询账单和通话记录。"
PAGE2 = "第二条 资费\n本套餐每月最低消费30元，不足部分按30元收取。"
PAGE3 = "第三条 其他\n本协议一式两份，双方各执一份，具有同等效力。"


# --------------------------------------------------------------------------- PDF

def test_pdf_chinese_text_layer_is_extracted(pdf_maker):
    path = pdf_maker([PAGE1, PAGE2, PAGE3])
    doc = extract_path(path)
    assert doc.kind == "pdf"
    assert [p.number for p in doc.pages] == [1, 2, 3]
    # pdfplumber gives the real characters back (no CID garbage, no missing glyphs)
    assert "本套餐每月最低消费30元，不足部分按30元收取。" in doc.pages[1].text
    assert "第三条 其他" in doc.pages[2].text.replace("\u3000", " ")
    assert "\ufffd" not in doc.text and "(cid:" not in doc.text


def test_pdf_finding_reports_its_page(pdf_maker):
    path = pdf_maker([PAGE1, PAGE2, PAGE3])
    report = scan(path)
    ms = [f for f in report.findings if f.category == "minimum_spend"]
    assert ms, "the minimum spend on page 2 was not found"
    assert all(f.location.page == 2 for f in ms)
    assert "最低消费30元" in ms[0].evidence
    d = report.to_dict()["document"]
    assert d["pages"] == 3 and d["kind"] == "pdf"
    # offsets point into the extracted text, and the page agrees with them
    text = report.document.text
    f = ms[0]
    assert text[f.location.start:f.location.end].strip() == f.evidence
    assert report.document.page_of(f.location.start) == 2


def test_pdf_without_text_layer_is_refused(tmp_path):
    pytest.importorskip("reportlab")
    from _pdf import make_blank_pdf

    path = make_blank_pdf(tmp_path / "scan.pdf")
    with pytest.raises(InputError, match="no text layer") as ei:
        extract_path(path)
    assert ei.value.exit_code == ExitCode.BAD_INPUT == 3


@pytest.mark.parametrize("damage", ["truncated", "garbage-after-header", "zeroed-middle"])
def test_damaged_pdf_is_an_input_error(pdf_maker, damage):
    data = pdf_maker([PAGE1, PAGE2]).read_bytes()
    if damage == "truncated":
        bad = data[: len(data) // 3]
    elif damage == "garbage-after-header":
        bad = b"%PDF-1.4\n" + b"this is not a pdf body " * 100
    else:
        bad = data[:200] + b"\x00" * (len(data) - 400) + data[-200:]
    with pytest.raises(InputError) as ei:
        extract_bytes(bad, "bad.pdf")
    assert "bad.pdf" in str(ei.value)


def test_pdf_is_sniffed_whatever_the_name(pdf_maker, tmp_path):
    data = pdf_maker([PAGE2]).read_bytes()
    p = tmp_path / "agreement.txt"  # misnamed
    p.write_bytes(data)
    assert extract_path(p).kind == "pdf"
    assert sniff_kind(data) == "pdf"


# --------------------------------------------------------------------------- encodings

@pytest.mark.parametrize("encoding,text,expect_enc", [
    ("gb18030", ZH, "gb18030"),
    ("gbk", ZH, "gb18030"),  # GBK is a subset of GB18030
    ("big5", ZH_TRAD, "big5"),
    ("utf-16-le", ZH, "utf-16-le"),
    ("utf-16-be", ZH, "utf-16-be"),
    ("utf-16-le", EN, "utf-16-le"),
    ("utf-16-be", EN, "utf-16-be"),
    ("utf-8", ZH, "utf-8"),
])
def test_text_encodings_without_bom(encoding, text, expect_enc):
    doc = extract_bytes(text.encode(encoding), "a.txt")
    assert doc.text == text
    assert doc.encoding == expect_enc
    assert doc.kind == "text"


@pytest.mark.parametrize("bom,encoding", [
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
])
def test_text_with_bom(bom, encoding):
    doc = extract_bytes(bom + ZH.encode(encoding), "a.txt")
    assert doc.text == ZH  # the BOM itself is not part of the text
    assert not doc.text.startswith("\ufeff")


def test_big5_finds_clauses_like_simplified():
    """Traditional text in Big5 is decoded and normalized to simplified for matching."""
    rep_t = scan(ZH_TRAD.encode("big5"))
    rep_s = scan(ZH.encode("utf-8"))
    assert {f.category for f in rep_t.findings} == {f.category for f in rep_s.findings}
    assert any(f.category == "minimum_spend" for f in rep_t.findings)
    # evidence quotes the original (traditional) text
    assert all(f.evidence in ZH_TRAD for f in rep_t.findings)


def test_gb18030_file_on_disk(tmp_path):
    p = tmp_path / "协议.txt"
    p.write_bytes(ZH.encode("gb18030"))
    doc = extract_path(p)
    assert doc.text == ZH and doc.source == str(p)


def test_crlf_line_ends_become_lf():
    doc = extract_bytes("第一行内容在这里。\r\n第二行内容在这里。\r\n".encode(), "a.txt")
    assert "\r" not in doc.text and doc.text.count("\n") == 2


def test_decode_text_refuses_binary():
    with pytest.raises(InputError, match="binary"):
        decode_text(b"\x00\x01\x02\x03\xff\xfe\xfd" * 200 + b"\x00" * 50)


# --------------------------------------------------------------------------- HTML / Markdown

HTML = """<!DOCTYPE html>
<html><head><title>页面标题</title>
<style>.fee { color: red } /* 违约金样式 */</style>
<script>var tracker = "最低消费999元";</script></head>
<body>
<nav><a href="/">首页</a> | <a href="/plans">套餐</a></nav>
<header>顶部横幅广告</header>
<main>
<h1>服务协议</h1>
<p>合约期为24个月&nbsp;期间&lt;不得&gt;销户&amp;转网&#65281;</p>
<p style="display: none">隐藏的条款文字</p>
<ul><li>第一项说明</li><li>第二项说明&#x4E00;</li></ul>
</main>
<footer>版权所有 2024</footer>
</body></html>"""


def test_html_visible_text_only():
    doc = extract_bytes(HTML.encode("utf-8"), "page.html")
    assert doc.kind == "html"
    t = doc.text
    for hidden in ("tracker", "最低消费999", "违约金样式", "color", "首页", "套餐", "顶部横幅", "版权所有",
                   "隐藏的条款", "页面标题"):
        assert hidden not in t, hidden
    assert "服务协议" in t and "第一项说明" in t


def test_html_entities_decoded_and_blocks_break_lines():
    t = html_to_text(HTML)
    assert "期间<不得>销户&转网！" in t
    assert "第二项说明一" in t
    assert "&lt;" not in t and "&amp;" not in t
    assert "第一项说明\n" in t  # list items are separate lines, not glued


def test_html_sniffed_without_extension():
    doc = extract_bytes(HTML.encode("utf-8"), "<stdin>")
    assert doc.kind == "html"


def test_html_in_gbk():
    page = '<html><head><meta charset="gbk"></head><body><p>合约期为二十四个月，期间不得销户。</p></body></html>'
    doc = extract_bytes(page.encode("gbk"), "x.htm")
    assert doc.kind == "html" and "合约期为二十四个月" in doc.text


def test_markdown(tmp_path):
    md = "# 服务协议\n\n## 第一条 资费\n\n- 每月最低消费30元。\n- 合约期为二十四个月。\n"
    p = tmp_path / "a.md"
    p.write_text(md, encoding="utf-8")
    doc = extract_path(p)
    assert doc.kind == "markdown"
    assert "每月最低消费30元" in doc.text
    report = scan(p)
    f = next(f for f in report.findings if f.category == "minimum_spend")
    assert f.section and "资费" in f.section  # the Markdown heading names the section
    assert f.evidence in md


# --------------------------------------------------------------------------- refused input

@pytest.mark.parametrize("data", [b"", b"   \n\t\n  ", "\ufeff".encode("utf-8")[:0]])
def test_empty_input(data):
    with pytest.raises(InputError, match="empty") as ei:
        extract_bytes(data, "empty.txt")
    assert ei.value.exit_code == 3


def test_whitespace_only_html_is_refused():
    with pytest.raises(InputError):
        extract_bytes(b"<html><body><script>x=1</script>   </body></html>", "a.html")


def test_too_little_text_is_refused():
    with pytest.raises(InputError, match="too little text"):
        scan("好的。")


@pytest.mark.parametrize("seed", range(8))
def test_binary_garbage(seed):
    rnd = random.Random(seed)
    data = bytes(rnd.randrange(256) for _ in range(rnd.choice([300, 2000, 8000])))
    with pytest.raises(InputError):
        extract_bytes(data, "garbage.bin")


def test_binary_garbage_without_nul_bytes():
    rnd = random.Random(42)
    data = bytes(rnd.randrange(1, 256) for _ in range(4000))
    with pytest.raises(InputError):
        extract_bytes(data, "garbage.bin")


def test_png_header_is_binary():
    rnd = random.Random(7)
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(rnd.randrange(256) for _ in range(3000))
    with pytest.raises(InputError):
        extract_bytes(data, "image.png")


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        extract_path(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="directory"):
        extract_path(tmp_path)


def test_sha256_is_of_the_bytes():
    import hashlib

    data = ZH.encode("gb18030")
    assert extract_bytes(data, "a.txt").sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("dx,dy", [(0.4, 0.0), (0.7, 0.6), (0.0, 0.9)])
def test_pdf_glyphs_drawn_twice_for_bold_are_read_once(tmp_path, dx, dy):
    pytest.importorskip("reportlab")
    from _pdf import FONT, _register
    from reportlab.pdfgen import canvas

    _register()
    path = tmp_path / "bold.pdf"
    c = canvas.Canvas(str(path))
    c.setFont(FONT, 12)
    for x, y in ((72, 760), (72 + dx, 760 - dy)):  # the same line twice, slightly offset
        c.drawString(x, y, "本套餐每月最低消费30元，不足部分按30元收取。")
    c.drawString(72, 700, "其他事项以营业厅公告为准。")
    c.showPage()
    c.save()
    text = extract_path(path).text
    assert "本套餐每月最低消费30元，不足部分按30元收取。" in text
    assert "本本" not in text and text.count("最低消费") == 1


def test_doubled_glyph_check():
    from analyzer.engine.extract import _has_doubled_glyphs

    def ch(t, x, y):
        return {"text": t, "x0": x, "top": y}

    row = [ch(c, 72 + 12 * i, 100) for i, c in enumerate("合约期二十四个月")]
    assert not _has_doubled_glyphs(row)
    # a copy less than 1 pt away, wherever it falls relative to the grid cells
    for x, y, dx, dy in ((71.9, 99.9, 0.2, 0.2), (73.5, 101.5, 0.9, 0.9), (72.99, 100.0, 0.02, 0.99)):
        assert _has_doubled_glyphs([ch("合", x, y), ch("约", x + 12, y), ch("合", x + dx, y + dy)])
    assert not _has_doubled_glyphs([ch("合", 72, 100), ch("合", 84, 100)])  # same glyph, next cell


def test_pdf_pages_in_parallel_give_the_same_pages_in_order(pdf_maker, monkeypatch):
    """pdfplumber's page extraction spread over worker processes (the fallback, here forced
    for every page) keeps every page, in order, and gives what PDFium gives for these pages."""
    pdf = pdf_maker([f"第{i}页 本协议合约期为{i}个月。" for i in range(1, 13)], "twelve.pdf")
    fast = extract_path(pdf)
    monkeypatch.setenv("TERMS_SCAN_PDF_ENGINE", "pdfplumber")
    monkeypatch.setenv("TERMS_SCAN_PDF_WORKERS", "1")
    serial = extract_path(pdf)
    monkeypatch.setenv("TERMS_SCAN_PDF_WORKERS", "3")
    parallel = extract_path(pdf)
    assert parallel.pages == serial.pages == fast.pages
    assert [p.number for p in parallel.pages] == list(range(1, 13))
    assert "第12页" in parallel.pages[11].text


def test_a_system_error_while_reading_a_pdf_is_not_called_a_damaged_pdf(pdf_maker, monkeypatch):
    """The broad except around the PDF libraries turned any failure (a worker pool that could
    not start, a disk error) into "damaged or unsupported PDF" (issue 10): not in the fallback
    to pdfplumber either."""
    import analyzer.engine.extract as extract

    pdf = pdf_maker(["The minimum term is 24 months."])

    def broken(page):
        raise OSError(5, "Input/output error")

    monkeypatch.setenv("TERMS_SCAN_PDF_ENGINE", "pdfplumber")
    monkeypatch.setattr(extract, "_page_text", broken)
    monkeypatch.setattr(extract, "_pdf_workers", lambda count: 1)
    with pytest.raises(OSError):
        extract.extract_path(pdf)
    monkeypatch.setattr(extract, "_page_text", lambda page: (_ for _ in ()).throw(TypeError("our own bug")))
    with pytest.raises(TypeError, match="our own bug"):  # a TypeError of ours is no damaged PDF either
        extract.extract_path(pdf)


def test_a_system_error_in_pdfium_is_not_called_a_damaged_pdf(pdf_maker, monkeypatch):
    import analyzer.engine.extract as extract

    pdf = pdf_maker(["The minimum term is 24 months."])
    monkeypatch.setattr(extract, "_pdfium_page_text", lambda doc, i: (_ for _ in ()).throw(OSError(5, "I/O error")))
    with pytest.raises(OSError):
        extract.extract_path(pdf)


# --------------------------------------------------------------------------- fast PDF text (issue 12)

# invented clauses, Chinese and English, several findings on known pages
EQUIV_PAGES = [
    "第一条 总则\n本协议由用户与服务提供方在平等自愿的基础上签订。用户可以随时查询账单和通话记录。",
    "第二条 合约期\n乙方承诺在网二十四个月，合约期内不得销户、转网或过户。提前解约的，乙方应一次性支付违约金300元。",
    "第三条 资费\n本套餐每月最低消费58元，不足部分按58元收取。套餐到期后自动续约，按原资费每月扣费。",
    "Section 4. Term. This agreement has a minimum term of 24 months. If you cancel before the end of the "
    "minimum term, an early termination fee of $200 applies, reduced by $10 for each month of service.",
    "Section 5. Renewal. Your plan renews automatically every month and you will be charged $39 until you cancel. "
    "A late payment fee of $15 applies to any overdue balance.",
]


def _findings_by_engine(path, monkeypatch, scanner) -> dict[str, list[tuple[str, int]]]:
    out = {}
    for engine in ("pdfium", "pdfplumber"):
        monkeypatch.setenv("TERMS_SCAN_PDF_ENGINE", engine)
        report = scanner.scan_document(extract_path(path))
        out[engine] = sorted((f.category, f.location.page) for f in report.findings)
    return out


def test_pdfium_and_pdfplumber_give_the_same_findings_on_invented_clauses(pdf_maker, monkeypatch, scanner):
    got = _findings_by_engine(pdf_maker(EQUIV_PAGES, "invented.pdf"), monkeypatch, scanner)
    assert got["pdfium"] == got["pdfplumber"]
    cats = dict(got["pdfium"])
    pages = {c: {p for c2, p in got["pdfium"] if c2 == c} for c in cats}
    assert 2 in pages["lock_in"] and 2 in pages["early_termination_fee"] and 3 in pages["minimum_spend"]
    assert 4 in pages["early_termination_fee"] and 5 in pages["auto_renewal"]


def _corpus_agreements() -> list:
    from conftest import CORPORA

    folder = CORPORA / "agreements"
    if not folder.is_dir():
        return []
    # every Chinese agreement and the shorter English ones (pdfplumber takes ~0.15 s an English page);
    # `python bench/bench.py --pdf-compare` covers all of them
    return sorted(p for p in folder.iterdir()
                  if p.suffix in (".txt", ".md") and (p.name.startswith("zh-") or p.stat().st_size < 20_000))


@pytest.mark.parametrize("path", _corpus_agreements(), ids=lambda p: p.name)
def test_pdfium_and_pdfplumber_give_the_same_findings_on_the_shared_corpora(path, pdf_maker, monkeypatch, scanner):
    """The shared agreements printed to PDF: the findings (category, page) from PDFium's text
    are those from pdfplumber's."""
    got = _findings_by_engine(pdf_maker([path.read_text(encoding="utf-8")], path.stem + ".pdf"), monkeypatch, scanner)
    assert got["pdfium"], f"{path.name}: no findings"
    assert got["pdfium"] == got["pdfplumber"]


def test_pdfium_reads_the_pages_without_pdfplumber(pdf_maker, monkeypatch):
    import analyzer.engine.extract as extract

    calls = []
    monkeypatch.setattr(extract, "_plumber_texts", lambda *a: calls.append(a) or {})
    doc = extract_path(pdf_maker([PAGE1, PAGE2, PAGE3]))
    assert calls == [] and [p.number for p in doc.pages] == [1, 2, 3]
    assert "本套餐每月最低消费30元，不足部分按30元收取。" in doc.pages[1].text
    assert "\r" not in doc.text and "\ufffd" not in doc.text


def test_only_the_pages_whose_fast_text_looks_wrong_go_to_pdfplumber(pdf_maker, monkeypatch):
    import analyzer.engine.extract as extract

    real = extract._pdfium_page_text
    garbage = {1: "\ufffd\ufffd\ufffd\ufffd 30\ufffd\ufffd", 2: "本本套套餐餐每每月月最最低低消消费费"}
    monkeypatch.setattr(extract, "_pdfium_page_text", lambda pdf, i: garbage.get(i) or real(pdf, i))
    asked = []
    real_plumber = extract._plumber_texts
    monkeypatch.setattr(extract, "_plumber_texts", lambda data, src, idx: asked.append(idx) or real_plumber(data, src, idx))
    doc = extract_path(pdf_maker([PAGE1, PAGE2, PAGE3, PAGE1]))
    assert asked == [[1, 2]]  # 0-based: pages 2 and 3
    assert "本套餐每月最低消费30元，不足部分按30元收取。" in doc.pages[1].text
    assert doc.pages[2].text.startswith("第三条")
    assert doc.pages[0].text == doc.pages[3].text


def test_a_page_pdfium_cannot_load_is_read_by_pdfplumber_or_refused(pdf_maker, monkeypatch):
    import analyzer.engine.extract as extract

    real = extract._pdfium_page_text
    monkeypatch.setattr(extract, "_pdfium_page_text", lambda pdf, i: None if i == 1 else real(pdf, i))
    path = pdf_maker([PAGE1, PAGE2])
    assert "最低消费30元" in extract_path(path).pages[1].text
    monkeypatch.setattr(extract, "_plumber_texts", lambda data, src, idx: {i: None for i in idx})
    with pytest.raises(InputError, match="page 2 cannot be read"):
        extract_path(path)


def test_an_empty_page_that_draws_text_gets_a_second_look(tmp_path, monkeypatch):
    """A page whose text objects give PDFium no text (only spaces here) goes to pdfplumber."""
    pytest.importorskip("reportlab")
    from _pdf import FONT, _register
    from reportlab.pdfgen import canvas

    import analyzer.engine.extract as extract

    _register()
    path = tmp_path / "blank-text.pdf"
    c = canvas.Canvas(str(path))
    c.setFont(FONT, 12)
    c.drawString(72, 760, PAGE2)
    c.showPage()
    c.setFont(FONT, 12)
    c.drawString(72, 760, "      ")
    c.showPage()
    c.save()
    asked = []
    real_plumber = extract._plumber_texts
    monkeypatch.setattr(extract, "_plumber_texts", lambda data, src, idx: asked.append(idx) or real_plumber(data, src, idx))
    doc = extract_path(path)
    assert asked == [[1]] and doc.pages[1].text == "" and "最低消费30元" in doc.pages[0].text


@pytest.mark.parametrize("text,wrong", [
    ("本套餐每月最低消费30元，不足部分按30元收取。", False),
    ("The minimum term is 24 months.\nAn early termination fee applies.", False),
    ("——————————\n…………\n第一条 总则 .......... 3", False),  # rules and leaders are no doubling
    ("常常有人人问：合约期多久？", False),  # a few doubled characters in ordinary text
    ("\ue001 bullet one\n\ue001 bullet two " + "正文" * 200, False),  # a few private-use bullets
    ("合合约约期期二二十十四四个个月月", True),
    ("(cid:12)(cid:34)(cid:56)(cid:78) 元", True),
    ("\ufffd\ufffd\ufffd\ufffd", True),
    ("\ue001\ue002\ue003\ue004\ue005", True),
    ("abc\x01\x03\x04\x05def", True),
])
def test_fast_text_wrong(text, wrong):
    from analyzer.engine.extract import _fast_text_wrong

    assert _fast_text_wrong(text) is wrong


def test_pdfium_text_in_pdfplumber_form():
    from analyzer.engine.extract import _tidy_fast_text

    raw = " 第一条 总则 \r\n\r\n \xa0\r\n\u3000\u3000本协议有效期为二十四个月。\r\nThe termi\x02nation fee\fapplies.\ufffe\r\nnext "
    assert _tidy_fast_text(raw) == "第一条 总则\n本协议有效期为二十四个月。\nThe termi-\nnation fee\napplies.-\nnext"


def test_an_english_hyphen_at_a_line_end_is_kept(tmp_path):
    """PDFium joins "termi-" / "nation" and marks the hyphen; the text keeps "termi-\nnation"
    like pdfplumber (normalization then joins the word)."""
    pytest.importorskip("reportlab")
    from _pdf import make_lines_pdf

    path = make_lines_pdf(tmp_path / "hyphen.pdf", ["If you cancel within the minimum term of 24 months, an early termi-",
                                                    "nation fee of $200 applies."], font="Helvetica", top=760, step=16)
    text = extract_path(path).text
    assert "early termi-\nnation fee of $200 applies." in text
    assert any(f.category == "early_termination_fee" for f in scan(path).findings)


def test_encrypted_pdf_is_refused_with_its_name(tmp_path):
    pytest.importorskip("reportlab")
    from _pdf import FONT, _register
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    _register()
    path = tmp_path / "locked.pdf"
    c = canvas.Canvas(str(path), encrypt=pdfencrypt.StandardEncryption("secret", ownerPassword="owner"))
    c.setFont(FONT, 12)
    c.drawString(72, 760, PAGE2)
    c.showPage()
    c.save()
    with pytest.raises(InputError, match=r"locked\.pdf: the PDF is encrypted; remove the password") as ei:
        extract_path(path)
    assert "\n" not in str(ei.value)


def test_a_text_scan_imports_no_pdf_or_word_library(tmp_path):
    import subprocess
    import sys

    p = tmp_path / "a.txt"
    p.write_text(ZH, encoding="utf-8")
    code = ("import sys, analyzer; from pathlib import Path; analyzer.scan(Path(sys.argv[1])); "
            "print(sorted(m for m in ('pypdfium2', 'pdfplumber', 'pdfminer', 'docx', 'lxml') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(p)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- unsupported files (issue 12)

_RND = bytes(random.Random(3).randrange(256) for _ in range(2000))


def _zip(members: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


BINARIES = {
    "shot.png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + _RND, "a PNG image", "OCR"),
    "photo.jpg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + _RND, "a JPEG image", "OCR"),
    "anim.gif": (b"GIF89a" + _RND, "a GIF image", "OCR"),
    "pic.webp": (b"RIFF\x00\x10\x00\x00WEBPVP8 " + _RND, "a WebP image", "OCR"),
    "IMG_0001.HEIC": (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00" + _RND, "a HEIC/HEIF image", "convert it to JPEG or PNG"),
    "scan.tif": (b"II*\x00" + _RND, "a TIFF image", "OCR"),
    "scan.bmp": (b"BM" + (2054).to_bytes(4, "little") + b"\x00" * 8 + (40).to_bytes(4, "little") + _RND, "a BMP image", "OCR"),
    "bundle.zip": (_zip({"a.txt": b"hello", "b.png": b"\x89PNG"}), "a ZIP archive", "unpack it first"),
    "program": (b"\x7fELF\x02\x01\x01\x00" + _RND, "an ELF executable", ""),
    "setup.exe": (b"MZ" + b"\x00" * 58 + (64).to_bytes(4, "little") + b"PE\x00\x00" + _RND, "a Windows executable", ""),
    "logs.gz": (b"\x1f\x8b\x08\x00" + _RND, "a gzip archive", "unpack it first"),
    "contract.doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + _RND, "Word 97-2003 .doc", "save it as .docx or PDF"),
    "contract.odt": (_zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"}),
                     "an OpenDocument text (.odt)", "save it as .docx or PDF"),
    "prices.xlsx": (_zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>"}), "an Excel workbook", "PDF"),
    "contract.rtf": (b"{\\rtf1\\ansi \\b \\'ba\\'cf\\'d4\\'bc}", "an RTF document", "save it as .docx or PDF"),
}


# images that terms-scan reads with OCR (the [ocr] extra): these random bytes are damaged images
READABLE_IMAGES = {"shot.png", "photo.jpg", "anim.gif", "pic.webp", "scan.tif", "scan.bmp"}


@pytest.mark.parametrize("name", list(BINARIES))
def test_an_unsupported_file_names_itself_its_type_and_what_is_read(name, tmp_path):
    from analyzer.engine import ocr

    data, what, hint = BINARIES[name]
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError) as ei:
        extract_path(path)
    msg = str(ei.value)
    if name in READABLE_IMAGES:  # read by OCR: a damaged image, or the extra to install
        expect = "a damaged or unsupported image" if ocr.available() else "terms-scan[ocr]"
        assert msg.startswith(f"{path}: ") and expect in msg and "\n" not in msg
        return
    assert msg.startswith(f"{path}: ") and what in msg and hint in msg and "\n" not in msg
    if "save it as" not in hint and "convert it" not in hint:
        assert "terms-scan reads PDF, Word (.docx), text, Markdown and HTML" in msg
    assert ei.value.exit_code == 3
    with pytest.raises(InputError, match=what.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        extract_bytes(data, "<stdin>", "text")  # the bytes win over a kind given for them


def test_an_image_on_the_command_line_is_one_line(run_cli, tmp_path):
    """A damaged PNG is one line naming it (read by OCR when the extra is installed)."""
    path = tmp_path / "shot.png"
    path.write_bytes(BINARIES["shot.png"][0])
    p = run_cli(str(path))
    assert p.returncode == 3
    err = p.stderr.decode().strip()
    assert len(err.splitlines()) == 1
    assert "shot.png: " in err and ("a damaged or unsupported image" in err or "terms-scan[ocr]" in err)


def test_unknown_binary_data_names_the_file(tmp_path):
    path = tmp_path / "blob.dat"
    path.write_bytes(b"\x00\x01\x02\x03\xff\xfe\xfd" * 200 + b"\x00" * 50)
    with pytest.raises(InputError) as ei:
        extract_path(path)
    msg = str(ei.value)
    assert msg.startswith(f"{path}: binary data of an unknown kind")
    assert "terms-scan reads PDF, Word (.docx), text, Markdown and HTML" in msg


def test_text_that_starts_like_a_magic_number_is_still_text():
    for text in ("BM是本协议的简称，合约期为二十四个月，期间不得销户。\n", "MZ套餐：每月最低消费三十元，合约期为二十四个月。\n",
                 "ID3 plan: the minimum term is 24 months and an early termination fee applies.\n"):
        assert extract_bytes(text.encode("utf-8"), "a.txt").kind == "text"
