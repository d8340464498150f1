"""The fonts PDFium is given while it reads a PDF's text (issue 12).

A PDF may name a Chinese, Japanese or Korean font without embedding it (reportlab's
``STSong-Light``, many generated contracts). PDFium then asks the system for a substitute and,
to measure each character's box, loads its glyphs from the system's CJK font: with Noto CJK
(20 MB of CFF outlines) that is ~0.15-0.35 s of a 10-page Chinese PDF, most of the scan, for
shapes that are never drawn. Without a substitute it is fast but loses every text object whose
box has no width (a one-character line: "元", "。").

While text is read (:func:`text_fonts`), such a font is given ``data/textbox.ttf`` instead: one
square glyph, one em wide, for every visible character and an empty one for the invisible ones
(``scripts/make_box_font.py`` builds it). Character positions and widths come from the PDF
itself, so the text is the same as with the system font (checked on the shared corpora printed
to PDF: the same text, page by page) at the cost of no glyph. Every other font request goes to
PDFium's own system font lookup, and after reading that lookup is put back whole, so a page
rendered later (OCR of a scanned PDF) draws real glyphs.

PDFium keeps one font lookup for the process and is not thread-safe: callers hold
``extract._PDFIUM_LOCK``. A program that installs its own lookup through pypdfium2 gets
PDFium's default back after a scan."""
from __future__ import annotations

import ctypes
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any

_BOX_HANDLE = 1  # the handle of the square font: never a pointer the system lookup returns


class _FontLookup:
    """An ``FPDF_SYSFONTINFO`` whose callbacks go to PDFium's default lookup, except, when
    ``boxes`` is set, a CJK request, which gets the square font."""

    def __init__(self, default: Any, font: bytes, boxes: bool) -> None:
        import pypdfium2.raw as pdfium_c

        self.default = default
        self.font = ctypes.create_string_buffer(font, len(font))
        self.cjk = frozenset({pdfium_c.FXFONT_SHIFTJIS_CHARSET, pdfium_c.FXFONT_HANGEUL_CHARSET,
                              pdfium_c.FXFONT_GB2312_CHARSET, pdfium_c.FXFONT_CHINESEBIG5_CHARSET})
        self.raw = pdfium_c.FPDF_SYSFONTINFO()
        self.raw.version = default.version
        types = dict(pdfium_c.FPDF_SYSFONTINFO._fields_)
        # the ctypes callbacks must live as long as the struct that points to them
        self._callbacks: list[Any] = []
        ours: dict[str, Callable[..., Any]] = {
            "Release": lambda this: None,  # the default lookup is ours to keep, never released
            "EnumFonts": lambda this, mapper: default.EnumFonts(default, mapper),
            "MapFont": self._map_font if boxes else
            (lambda this, *args: default.MapFont(default, *args)),
            "GetFont": lambda this, face: default.GetFont(default, face),
            "GetFontData": self._font_data,
            "GetFaceName": self._face_name,
            "GetFontCharset": lambda this, h: (pdfium_c.FXFONT_GB2312_CHARSET if h == _BOX_HANDLE
                                               else default.GetFontCharset(default, h)),
            "DeleteFont": lambda this, h: None if h == _BOX_HANDLE else default.DeleteFont(default, h),
        }
        if self.raw.version != 1:
            ours.pop("EnumFonts")  # only version 1 of the struct has it
        for name, func in ours.items():
            callback = types[name](func)
            self._callbacks.append(callback)
            setattr(self.raw, name, callback)

    def _map_font(self, this: Any, weight: int, italic: int, charset: int, pitch: int, face: Any,
                  exact: Any) -> Any:
        if charset in self.cjk:
            return _BOX_HANDLE
        return self.default.MapFont(self.default, weight, italic, charset, pitch, face, exact)

    def _font_data(self, this: Any, handle: Any, table: int, buffer: Any, size: int) -> int:
        if handle != _BOX_HANDLE:
            return int(self.default.GetFontData(self.default, handle, table, buffer, size))
        if table != 0:
            return 0  # one table asked for (a TrueType collection's header): the whole file only
        if buffer and size >= len(self.font):
            ctypes.memmove(buffer, self.font, len(self.font))
        return len(self.font)

    def _face_name(self, this: Any, handle: Any, buffer: Any, size: int) -> int:
        if handle != _BOX_HANDLE:
            return int(self.default.GetFaceName(self.default, handle, buffer, size))
        name = b"TermsScanTextBox\0"
        if buffer and size >= len(name):
            ctypes.memmove(buffer, name, len(name))
        return len(name)


_LOOKUPS: tuple[_FontLookup, _FontLookup] | None = None


def _lookups() -> tuple[_FontLookup, _FontLookup] | None:
    """The square-font lookup and the plain one, made once; None where PDFium has no default
    lookup to build on (then PDFium's own stays)."""
    global _LOOKUPS
    if _LOOKUPS is None:
        import pypdfium2.raw as pdfium_c

        pointer = pdfium_c.FPDF_GetDefaultSystemFontInfo()
        if not pointer:  # pragma: no cover - every platform pypdfium2 ships for has one
            return None
        default = pointer.contents  # kept for the life of the process: both lookups use it
        font = resources.files(__package__).joinpath("data/textbox.ttf").read_bytes()
        _LOOKUPS = (_FontLookup(default, font, boxes=True), _FontLookup(default, font, boxes=False))
    return _LOOKUPS


@contextmanager
def text_fonts() -> Iterator[None]:
    """Within: a CJK font a PDF does not embed is read with the square font. After: PDFium's
    default lookup (through a wrapper that never releases it, so it can be used again)."""
    import pypdfium2.raw as pdfium_c

    lookups = _lookups()
    if lookups is None:  # pragma: no cover
        yield
        return
    boxes, plain = lookups
    pdfium_c.FPDF_SetSystemFontInfo(boxes.raw)
    try:
        yield
    finally:
        pdfium_c.FPDF_SetSystemFontInfo(plain.raw)
