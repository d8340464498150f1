"""Images and scanned PDFs read by OCR (the [ocr] extra, installed by the dev extra).

The round trips render shared agreements (read from ../shared/corpora, never copied) as phone
screenshots in headless Chromium, read them back by OCR and compare the findings with the text
scan: a finding is kept when the OCR scan has one of the same category whose evidence overlaps
it by half (whitespace removed). Skipped without Chromium or a CJK font unless
TERMS_SCAN_REQUIRE_BROWSER=1 (set by .ci/run, which installs both)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from difflib import SequenceMatcher

import pytest
from _shots import CHROMIUM, has_cjk_font, image_pdf, photo_like, screenshots
from conftest import CORPORA

import analyzer
from analyzer.engine import ocr
from analyzer.engine.extract import extract_bytes, extract_paths
from analyzer.errors import InputError

AGREEMENTS = CORPORA / "agreements"


# --------------------------------------------------------------------------- no OCR needed

def test_paragraphs_are_rebuilt_from_lines():
    L = ocr.Line
    lines = [L("第一条 本协议合约期为24个月，自激活", .99, 10, 0, 380, 20),
             L("次月起计算。", .99, 10, 26, 120, 46),
             L("第二条 每月最低消费39元。", .99, 10, 52, 260, 72),
             L("The minimum term is 24 months. An early termi-", .99, 10, 120, 380, 140),
             L("nation fee applies.", .99, 10, 146, 150, 166)]
    assert ocr.merge_paragraphs(lines) == [
        "第一条 本协议合约期为24个月，自激活次月起计算。", "第二条 每月最低消费39元。",
        "The minimum term is 24 months. An early termination fee applies."]


def test_an_image_without_the_ocr_extra_names_the_extra(monkeypatch):
    monkeypatch.setattr(ocr, "available", lambda: False)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    with pytest.raises(InputError, match=r"shot\.png: a PNG image; reading it needs OCR.*terms-scan\[ocr\]"):
        extract_bytes(png, "shot.png")


def test_a_damaged_image_is_one_line(tmp_path):
    if not ocr.available():
        pytest.skip("the [ocr] extra is not installed")
    with pytest.raises(InputError, match="shot.png: a damaged or unsupported image"):
        extract_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, "shot.png")


def test_a_text_scan_does_not_import_the_ocr_stack():
    code = ("import sys, analyzer; analyzer.scan('本套餐合约期24个月，每月最低消费59元，提前解约须支付违约金300元。'); "
            "print(sorted(m for m in ('rapidocr', 'onnxruntime', 'cv2', 'numpy.linalg') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().replace("'", '"')) == []


# --------------------------------------------------------------------------- round trips

@pytest.fixture(scope="module")
def browser():
    missing = [what for what, ok in (("chromium", CHROMIUM is not None), ("a CJK font (fonts-noto-cjk)", has_cjk_font()),
                                     ("the [ocr] extra", ocr.available())) if not ok]
    if missing:
        if os.environ.get("TERMS_SCAN_REQUIRE_BROWSER"):
            pytest.fail(f"TERMS_SCAN_REQUIRE_BROWSER is set but {', '.join(missing)} is missing")
        pytest.skip(f"{', '.join(missing)} missing (.ci/run installs them)")
    return CHROMIUM


def _key(s: str) -> str:
    return "".join(s.split())


def kept(text_findings, ocr_findings) -> float:
    """The share of the text scan's findings that the OCR scan also has (same category, evidence
    overlapping by half)."""
    def same(a, b) -> bool:
        if a.category != b.category:
            return False
        x, y = _key(a.evidence), _key(b.evidence)
        m = SequenceMatcher(None, x, y, autojunk=False).find_longest_match(0, len(x), 0, len(y))
        return m.size >= 0.5 * min(len(x), len(y))
    hits = sum(1 for a in text_findings if any(same(a, b) for b in ocr_findings))
    return hits / max(1, len(text_findings))


# two shared agreements (a short Chinese one, the start of an English one): ~4 screenshot pages,
# about 20 s of OCR on two cores
DOCS = {"zh": ("zh-telecom-lianghao.txt", None), "en": ("en-google-one-tos.md", 3200)}


@pytest.fixture(scope="module")
def shots(browser, tmp_path_factory):
    out = {}
    for lang, (name, limit) in DOCS.items():
        path = AGREEMENTS / name
        if not path.is_file():
            pytest.skip(f"{path} is not here (../shared/corpora beside the repo)")
        text = path.read_text(encoding="utf-8")[:limit]
        tmp = tmp_path_factory.mktemp(f"shots-{lang}")
        out[lang] = (text, screenshots(text, tmp, lang), tmp)
    return out


@pytest.mark.parametrize("lang", sorted(DOCS))
def test_screenshots_keep_the_findings_with_their_pages(shots, lang):
    text, pngs, _ = shots[lang]
    doc = extract_paths(pngs)
    assert doc.kind == "image" and len(doc.pages) == len(pngs)
    assert all(p.ocr_confidence is not None and p.ocr_confidence > 0.9 for p in doc.pages)
    report = analyzer.scan(doc)
    base = analyzer.scan(text)
    share = kept(base.findings, report.findings)
    print(f"{lang}: {len(pngs)} pages, kept {share:.2f} of {len(base.findings)} findings")
    assert share >= 0.85
    if len(pngs) > 1:  # image N is page N
        assert {f.location.page for f in report.findings} - {1}, "findings on later pages"
    d = json.loads(report.to_json())["document"]
    assert d["kind"] == "image" and [x["page"] for x in d["ocr"]] == list(range(1, len(pngs) + 1))


def test_a_photo_like_page_keeps_most_findings(shots):
    text, pngs, tmp = shots["zh"]
    photo = photo_like(pngs[0], tmp / "photo.jpg")
    page_text = extract_paths([pngs[0]]).text
    base = analyzer.scan(page_text)
    got = analyzer.scan(photo)
    assert base.findings and kept(base.findings, got.findings) >= 0.70


def test_an_image_only_pdf_is_read_by_ocr_with_its_pages(shots):
    text, pngs, tmp = shots["en"]
    pdf = image_pdf(pngs, tmp / "scanned.pdf")
    doc = extract_paths([pdf])
    assert doc.kind == "pdf" and len(doc.pages) == len(pngs)
    assert all(p.ocr_confidence for p in doc.pages)
    assert kept(analyzer.scan(text).findings, analyzer.scan(doc).findings) >= 0.85


def test_cli_reads_screenshots_as_one_agreement(shots, run_cli):
    _text, pngs, _ = shots["en"]
    assert len(pngs) > 1
    p = run_cli(*map(str, pngs), "--format", "json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)["document"]
    assert d["pages"] == len(pngs) and d["kind"] == "image" and "files)" in d["source"]
