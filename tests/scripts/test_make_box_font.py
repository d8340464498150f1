"""scripts/make_box_font.py: the committed square font is the one the script builds, and maps
what PDFium needs (every visible character to a square, the invisible ones to nothing)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "make_box_font.py"
FONT = Path(__file__).resolve().parents[2] / "analyzer" / "engine" / "data" / "textbox.ttf"


def test_the_committed_font_is_the_one_the_script_builds() -> None:
    pytest.importorskip("fontTools", reason="fontTools comes with the dev extra (fpdf2, matplotlib)")
    out = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "up to date" in out.stdout


def test_the_font_maps_visible_characters_to_a_square_and_invisible_ones_to_nothing() -> None:
    ttlib = pytest.importorskip("fontTools.ttLib", reason="fontTools comes with the dev extra")
    font = ttlib.TTFont(str(FONT))
    cmap = font.getBestCmap()
    for ch in "元。违约金AaZ1$€𠀀":
        assert cmap[ord(ch)] == "box", ch
    for ch in "\u200b\u3000 \ufeff":
        assert cmap[ord(ch)] == "blank", repr(ch)
    glyf = font["glyf"]
    box = glyf["box"]
    assert (box.xMin, box.xMax) == (0, 1000)    # a CJK em: every character keeps a width
    assert glyf["blank"].numberOfContours == 0
    assert glyf[".notdef"].numberOfContours == 1  # an unmapped code is a square too
    assert FONT.stat().st_size < 4096
