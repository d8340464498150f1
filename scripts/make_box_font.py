"""Write ``analyzer/engine/data/textbox.ttf``: the font PDFium is given, while it reads the text
of a PDF, for a Chinese, Japanese or Korean font the PDF names but does not embed (issue 12).

Reading text needs no glyph shapes, only a box for each character: PDFium takes a character's
box from its glyph and leaves out a text object whose box has no width. Without a substitute it
loses one-character lines ("元", "。"); with the system's CJK font (Noto CJK, 20 MB of CFF
outlines) it spends ~0.15-0.35 s of a 10-page Chinese PDF loading glyphs it never draws. This
font maps every visible character to one square glyph (one em wide, as a CJK glyph) and the
invisible ones (format characters such as U+200B, spaces, controls) to an empty glyph, as a
real font draws them; a code it does not map gets ``.notdef``, a square as well.

    python scripts/make_box_font.py            # rewrite the font
    python scripts/make_box_font.py --check    # exit 1 when the committed font differs

Needs fontTools (installed with the dev extra, through fpdf2 and matplotlib); the package reads
the committed file and does not need it."""
from __future__ import annotations

import argparse
import io
import sys
import unicodedata
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "analyzer" / "engine" / "data" / "textbox.ttf"
FAMILY = "TermsScanTextBox"
LAST = 0x2FFFF  # the BMP and the supplementary ideographic planes (CJK extensions B-F)
EMPTY = {"Cc", "Cf", "Zs", "Zl", "Zp", "Cs"}  # drawn as nothing by a real font
FIXED_TIME = 0x7C259DC0  # head.created/modified (seconds since 1904): the same bytes every run


def _square(pen_class: type) -> object:
    pen = pen_class(None)
    pen.moveTo((0, -120))
    pen.lineTo((0, 880))
    pen.lineTo((1000, 880))
    pen.lineTo((1000, -120))
    pen.closePath()
    return pen.glyph()


def build() -> bytes:
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib.tables._c_m_a_p import CmapSubtable

    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder([".notdef", "box", "blank"])
    fb.setupCharacterMap({})
    fb.setupGlyf({".notdef": _square(TTGlyphPen), "box": _square(TTGlyphPen), "blank": TTGlyphPen(None).glyph()})
    fb.setupHorizontalMetrics({".notdef": (1000, 0), "box": (1000, 0), "blank": (1000, 0)})
    fb.setupHorizontalHeader(ascent=880, descent=-120)
    fb.setupNameTable({"familyName": FAMILY, "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=880, sTypoDescender=-120, usWinAscent=880, usWinDescent=120)
    fb.setupPost()
    font = fb.font
    font["head"].created = font["head"].modified = FIXED_TIME
    mapping = {cp: "blank" if unicodedata.category(chr(cp)) in EMPTY else "box" for cp in range(0x20, LAST + 1)}
    # format 13 (many codes to one glyph) keeps the table at a few hundred bytes; PDFium selects
    # the Unicode charmap (platform 3, encoding 10)
    sub = CmapSubtable.newSubtable(13)
    sub.platformID, sub.platEncID, sub.language = 3, 10, 0
    sub.cmap = mapping
    font["cmap"].tables = [sub]
    buf = io.BytesIO()
    font.save(buf)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 when the committed font differs")
    args = ap.parse_args(argv)
    data = build()
    if args.check:
        same = OUT.is_file() and OUT.read_bytes() == data
        print(f"{OUT.name}: {'up to date' if same else 'differs from what this script builds'}")
        return 0 if same else 1
    OUT.write_bytes(data)
    print(f"wrote {OUT} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
