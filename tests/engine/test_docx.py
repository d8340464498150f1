"""Word (.docx) agreements (issue 12): read through python-docx in reading order, the same
findings as the same text scanned as plain text; damaged, huge and look-alike files refused
with one line."""
from __future__ import annotations

import io
import json
import zipfile
from collections import Counter
from pathlib import Path

import pytest

docx = pytest.importorskip("docx", reason="python-docx reads Word files")

from test_extract import _zip  # noqa: E402

from analyzer import scan  # noqa: E402
from analyzer.engine.extract import MAX_BYTES, extract_bytes, extract_path  # noqa: E402
from analyzer.engine.word import docx_text  # noqa: E402
from analyzer.errors import InputError  # noqa: E402

# invented clauses: a lock-in, an early termination fee, a minimum spend, an automatic renewal
TITLE = "号卡入网服务协议"
CLAUSES = [
    ("title", TITLE),
    ("heading", "第一条 合约期"),
    ("p", "乙方承诺在网二十四个月，合约期内不得销户、转网或过户。"),
    ("list", "合约期内提前解约的，乙方应一次性支付违约金300元。"),
    ("list", "本套餐每月最低消费58元，不足部分按58元收取。"),
    ("heading", "第二条 资费明细"),
    ("table", [("合约期", "12个月"), ("月最低消费", "58元"), ("激活方式", "首次充值50元后激活")]),
    ("p", "套餐到期后自动续约，按原资费每月扣费，乙方如不续约须在到期前三十日书面通知甲方。"),
]


def make_docx(path: Path, clauses: list = CLAUSES) -> Path:
    d = docx.Document()
    for kind, content in clauses:
        if kind == "title":
            d.add_heading(content, 0)
        elif kind == "heading":
            d.add_heading(content, level=1)
        elif kind == "list":
            d.add_paragraph(content, style="List Number")
        elif kind == "table":
            table = d.add_table(rows=len(content), cols=2)
            for r, (label, value) in enumerate(content):
                table.cell(r, 0).text = label
                table.cell(r, 1).text = value
        else:
            d.add_paragraph(content)
    d.save(str(path))
    return path


def plain_text(clauses: list = CLAUSES, row: str = "| {} | {} |") -> str:
    lines = []
    for kind, content in clauses:
        if kind == "table":
            lines.extend(row.format(label, value) for label, value in content)
        else:
            lines.append(content)
    return "\n".join(lines)


def _keys(report) -> list[tuple[str, str]]:
    return sorted((f.category, f.evidence) for f in report.findings)


def test_docx_gives_the_findings_of_its_text(tmp_path):
    path = make_docx(tmp_path / "协议.docx")
    doc = extract_path(path)
    assert doc.kind == "docx" and len(doc.pages) == 1
    # paragraphs in order, each heading and list item a line of its own, a row per table row
    assert doc.text == plain_text()
    from_docx, from_text = scan(path), scan(plain_text())
    assert _keys(from_docx) == _keys(from_text)
    cats = {f.category for f in from_docx.findings}
    assert {"lock_in", "early_termination_fee", "minimum_spend"} <= cats
    # the table row "| 月最低消费 | 58元 |" reads as the statement "月最低消费: 58元"
    assert any(f.category == "minimum_spend" and "58元" in f.evidence and "|" in f.evidence for f in from_docx.findings)


def test_docx_table_rows_find_what_statements_find(tmp_path):
    """The same clauses with each table row written as a statement ("合约期：12个月")."""
    statements = scan(plain_text(row="{}：{}"))
    from_docx = scan(make_docx(tmp_path / "a.docx"))
    assert Counter(f.category for f in from_docx.findings) == Counter(f.category for f in statements.findings)


def test_docx_list_items_stay_separate_clauses(tmp_path):
    clauses = [("p", "服务说明如下"), ("list", "合约期24个月"), ("list", "每月最低消费39元"), ("list", "提前解约须支付违约金")]
    report = scan(make_docx(tmp_path / "list.docx", clauses))
    evidence = [f.evidence for f in report.findings]
    assert all(e.count("合约期") + e.count("最低消费") + e.count("违约金") == 1 for e in evidence), evidence
    assert {"合约期24个月", "每月最低消费39元"} <= set(evidence)


def test_docx_through_the_command_line(run_cli, tmp_path):
    path = make_docx(tmp_path / "agreement.docx")
    p = run_cli(str(path), "--format", "json")
    assert p.returncode in (0, 1), p.stderr
    rep = json.loads(p.stdout)
    assert rep["document"]["kind"] == "docx"
    assert {"lock_in", "minimum_spend"} <= {f["category"] for f in rep["findings"]}


def test_docx_is_sniffed_whatever_the_name(tmp_path):
    data = make_docx(tmp_path / "a.docx").read_bytes()
    misnamed = tmp_path / "agreement.txt"
    misnamed.write_bytes(data)
    assert extract_path(misnamed).kind == "docx"
    assert extract_bytes(data, "<stdin>").kind == "docx"
    assert extract_bytes(data, "<stdin>", "text").kind == "docx"


def test_a_text_file_named_docx_is_read_as_text(tmp_path):
    path = tmp_path / "notes.docx"
    path.write_text("本套餐每月最低消费30元，不足部分按30元收取。\n", encoding="utf-8")
    doc = extract_path(path)
    assert doc.kind == "text" and "最低消费30元" in doc.text


def _with_body_xml(tmp_path: Path, inner: str) -> Path:
    """A .docx whose body holds ``inner`` (WordprocessingML) before python-docx's own content."""
    from docx.oxml import parse_xml

    path = tmp_path / "x.docx"
    d = docx.Document()
    ns = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
          'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"')
    el = parse_xml(f"<w:body {ns}>{inner}</w:body>")
    body = d.element.body
    for i, child in enumerate(list(el)):
        body.insert(i, child)
    d.save(str(path))
    return path


def test_deleted_text_and_field_codes_are_not_read_and_inserted_text_is(tmp_path):
    path = _with_body_xml(tmp_path, (
        '<w:p><w:r><w:t xml:space="preserve">每月最低消费</w:t></w:r>'
        '<w:del w:id="1" w:author="a"><w:r><w:delText>99</w:delText></w:r></w:del>'
        '<w:ins w:id="2" w:author="a"><w:r><w:t>39</w:t></w:r></w:ins>'
        '<w:r><w:instrText> HYPERLINK "http://x" </w:instrText></w:r>'
        '<w:r><w:t>元。</w:t></w:r></w:p>'))
    assert extract_path(path).text.splitlines()[0] == "每月最低消费39元。"


def test_a_text_box_is_read_once_and_a_line_break_kept(tmp_path):
    box = '<w:txbxContent><w:p><w:r><w:t>框内：合约期24个月</w:t></w:r></w:p></w:txbxContent>'
    path = _with_body_xml(tmp_path, (
        '<w:p><w:r><w:t>第一行</w:t><w:br/><w:t>第二行</w:t><w:tab/><w:t>同一行</w:t></w:r></w:p>'
        '<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps">' + box + '</mc:Choice>'
        '<mc:Fallback>' + box + '</mc:Fallback></mc:AlternateContent></w:r></w:p>'))
    text = extract_path(path).text
    assert text.startswith("第一行\n第二行\t同一行\n")
    assert text.count("框内：合约期24个月") == 1


def test_merged_cells_are_read_once_across_and_in_every_row_down(tmp_path):
    path = tmp_path / "merged.docx"
    d = docx.Document()
    t = d.add_table(rows=3, cols=3)
    t.cell(0, 0).merge(t.cell(0, 2)).text = "资费说明"
    t.cell(1, 0).merge(t.cell(2, 0)).text = "畅享套餐"
    t.cell(1, 1).text, t.cell(1, 2).text = "合约期", "24个月"
    t.cell(2, 1).text, t.cell(2, 2).text = "月最低消费", "58元"
    d.save(str(path))
    assert extract_path(path).text.splitlines() == [
        "| 资费说明 |", "| 畅享套餐 | 合约期 | 24个月 |", "| 畅享套餐 | 月最低消费 | 58元 |"]


def test_a_cell_with_several_paragraphs_and_a_pipe_stays_one_row(tmp_path):
    path = tmp_path / "cell.docx"
    d = docx.Document()
    t = d.add_table(rows=1, cols=2)
    t.cell(0, 0).text = "违约金"
    cell = t.cell(0, 1)
    cell.text = "剩余月份 | 每月50元"
    cell.add_paragraph("最高不超过600元")
    d.save(str(path))
    assert extract_path(path).text == "| 违约金 | 剩余月份 / 每月50元 最高不超过600元 |"


def test_an_empty_docx_is_refused(tmp_path):
    path = tmp_path / "empty.docx"
    docx.Document().save(str(path))
    with pytest.raises(InputError, match=r"empty\.docx: no readable text found in the Word document"):
        extract_path(path)


def test_a_damaged_docx_is_one_line_naming_the_file(tmp_path):
    data = make_docx(tmp_path / "a.docx").read_bytes()
    path = tmp_path / "cut.docx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as ei:
        extract_path(path)
    assert str(ei.value).startswith(f"{path}: ") and "\n" not in str(ei.value)
    assert ei.value.exit_code == 3


def test_a_docx_with_a_broken_document_part_is_refused(tmp_path):
    src = zipfile.ZipFile(make_docx(tmp_path / "a.docx"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for item in src.infolist():
            out.writestr(item, b"<w:document><unclosed" if item.filename == "word/document.xml" else src.read(item))
    with pytest.raises(InputError, match=r"broken\.docx: damaged or unsupported Word file"):
        extract_bytes(buf.getvalue(), "broken.docx")


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b" " * (MAX_BYTES + 1)})
    assert len(bomb) < MAX_BYTES // 100
    with pytest.raises(InputError, match=r"bomb\.docx: the Word file unpacks to 50 MB .*zip bomb"):
        extract_bytes(bomb, "bomb.docx")


def test_a_docx_of_too_many_parts_is_refused():
    many = _zip({"word/document.xml": b"<x/>", **{f"word/media/{i}.bin": b"" for i in range(10_001)}})
    with pytest.raises(InputError, match="parts"):
        extract_bytes(many, "many.docx")


def test_more_text_than_the_limit_is_refused(tmp_path):
    path = tmp_path / "long.docx"
    d = docx.Document()
    for _ in range(40):
        d.add_paragraph("本套餐每月最低消费30元，不足部分按30元收取。" * 100)
    d.save(str(path))
    data = path.read_bytes()
    assert "最低消费30元" in docx_text(data, "long.docx", MAX_BYTES)
    with pytest.raises(InputError, match="long.docx"):
        docx_text(data, "long.docx", 1024 * 1024)  # the XML alone is over 1 MB


@pytest.mark.parametrize("name,data,what", [
    ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "Word 97-2003 .doc"),
    ("open.odt", _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"}),
     "OpenDocument text (.odt)"),
])
def test_doc_and_odt_say_how_to_convert(name, data, what, tmp_path):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError) as ei:
        extract_path(path)
    msg = str(ei.value)
    assert msg.startswith(f"{path}: ") and what in msg and "save it as .docx or PDF" in msg and "\n" not in msg


def test_a_zip_without_a_word_document_is_a_zip_archive():
    with pytest.raises(InputError, match=r"x\.docx: a ZIP archive; terms-scan reads PDF, Word \(\.docx\)"):
        extract_bytes(_zip({"readme.txt": b"hello"}), "x.docx", "docx")
