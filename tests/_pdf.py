"""Make small PDFs with a real Chinese text layer (reportlab's built-in CID font, no font file)."""
from __future__ import annotations

from pathlib import Path

FONT = "STSong-Light"


def _register() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def wrap(text: str, width: float, size: float = 11) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` points (character by character)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[str] = []
    for para in text.split("\n"):
        line = ""
        for ch in para:
            if stringWidth(line + ch, FONT, size) > width:
                lines.append(line)
                line = ""
            line += ch
        lines.append(line)
    return lines


def make_pdf(path: Path, pages: list[str], size: float = 11) -> Path:
    """One PDF page per string of ``pages``; long lines are wrapped like a real PDF."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    _register()
    w, h = A4
    c = canvas.Canvas(str(path), pagesize=A4)
    for text in pages:
        c.setFont(FONT, size)
        y = h - 60
        for line in wrap(text, w - 120, size):
            if y < 60:  # caller gave too much for one page: continue on a new one
                c.showPage()
                c.setFont(FONT, size)
                y = h - 60
            c.drawString(60, y, line)
            y -= size * 1.6
        c.showPage()
    c.save()
    return path


def make_blank_pdf(path: Path) -> Path:
    """A PDF whose only content is a drawn rectangle: no text layer at all."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    c.rect(100, 100, 300, 200, fill=1)
    c.showPage()
    c.save()
    return path


def make_lines_pdf(path: Path, lines: list[str], font: str = FONT, size: float = 11, top: float = 780,
                   step: float = 18) -> Path:
    """One page, each string of ``lines`` drawn as a text object of its own on its own line (no
    wrapping), from ``top`` down by ``step`` points: a line break exactly where a test wants it."""
    from reportlab.pdfgen import canvas

    if font == FONT:
        _register()
    c = canvas.Canvas(str(path))
    c.setFont(font, size)
    for i, line in enumerate(lines):
        c.drawString(60, top - i * step, line)
    c.showPage()
    c.save()
    return path
