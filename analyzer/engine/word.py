"""Text of a Word (.docx) agreement, through python-docx, in reading order.

* every paragraph is a line of its own (headings and numbered or bulleted list items
  included, so each stays a clause of its own); a line break inside a paragraph stays one;
* a table is read row by row, each row one line with its cells joined by " | "
  ("| 合约期 | 12个月 |"), so that a two-column row reads as the statement "合约期: 12个月"
  (see :mod:`analyzer.engine.segment`); a cell spanning several columns is read once;
* text in content controls, tracked insertions, hyperlinks and text boxes is kept; deleted
  text (tracked deletions) and field codes are not;
* the numbers Word draws for a numbered list or heading ("1.", "第一条" from a numbering
  definition) are not part of the text, as python-docx does not render them; numbers typed
  into the text are.

A .docx is a ZIP archive: before python-docx unpacks it, the sizes its directory declares
are added up, and a file that would unpack to more than ``limit`` bytes (a "zip bomb") is
refused; Python's zipfile never inflates a member past its declared size.
"""
from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

from ..errors import InputError

MAX_MEMBERS = 10_000  # a Word file has a few dozen parts
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# elements whose text is not shown: deleted or moved-away text, and the fallback copy of a
# drawing (a text box is stored twice: for new Word versions and for old ones)
_HIDDEN = {f"{_W}del", f"{_W}moveFrom", "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"}


def docx_text(data: bytes, source: str, limit: int) -> str:
    """The text of a .docx given as bytes; InputError when it is damaged, too large or empty."""
    check_zip_size(data, source, limit, "Word file")
    body = _open(data, source).element.find(f"{_W}body")
    if body is None:
        raise InputError(f"{source}: damaged or unsupported Word file (no document body)")
    try:
        lines = list(_body_lines(body))
    except _docx_errors() as err:  # python-docx reads a malformed cell span or merge
        if not _docx_failed(err):
            raise
        raise InputError(f"{source}: damaged or unsupported Word file ({type(err).__name__})") from err
    text = "\n".join(lines).strip("\n")
    if len(text.encode("utf-8")) > limit:
        raise InputError(f"{source}: the Word file holds more than {limit // (1024 * 1024)} MB of text; "
                         "that is not one agreement")
    if not text.strip():
        raise InputError(f"{source}: no readable text found in the Word document")
    return text


def check_zip_size(data: bytes, source: str, limit: int, what: str = "ZIP archive") -> None:
    """Refuse a ZIP archive that would unpack to more than ``limit`` bytes or has too many
    members (the sizes are the ones its central directory declares)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as err:
        raise InputError(f"{source}: damaged {what} ({err})") from err
    if any(i.flag_bits & 1 for i in infos):
        raise InputError(f"{source}: the {what} is encrypted; save it without a password and try again")
    total = sum(i.file_size for i in infos)
    if len(infos) > MAX_MEMBERS or total > limit:
        raise InputError(f"{source}: the {what} unpacks to {total / (1024 * 1024):,.0f} MB in {len(infos):,} parts "
                         f"(limit {limit // (1024 * 1024)} MB, {MAX_MEMBERS:,} parts); refusing a possible zip bomb")


def _open(data: bytes, source: str) -> Any:
    try:
        import docx
    except ImportError as err:  # pragma: no cover - a core dependency
        raise InputError("reading Word files needs python-docx: pip install python-docx") from err
    try:
        return docx.Document(io.BytesIO(data))
    except _docx_errors() as err:
        if isinstance(err, ValueError) and "content type" in str(err):
            # python-docx: "file '…' is not a Word file, content type is '…'" (a template, a macro document)
            kind = "a Word template or macro document" if "macroEnabled" in str(err) or "template" in str(err) \
                else "not a Word document"
            raise InputError(f"{source}: {kind}; save it as .docx or PDF and scan that") from err
        if not _docx_failed(err):
            raise
        raise InputError(f"{source}: damaged or unsupported Word file ({type(err).__name__})") from err


def _docx_errors() -> tuple[type[BaseException], ...]:
    """What python-docx, lxml and zipfile raise on a damaged Word file: their own errors, and
    plain ValueError, AttributeError… from inside python-docx (see :func:`_docx_failed`)."""
    from docx.exceptions import PythonDocxError
    from docx.opc.exceptions import OpcError
    from lxml.etree import LxmlError

    return (OpcError, PythonDocxError, LxmlError, zipfile.BadZipFile, zlib.error, EOFError,
            NotImplementedError,  # zipfile, for a compression method it does not know
            ValueError, KeyError, AttributeError, TypeError, IndexError)


def _docx_failed(err: BaseException) -> bool:
    """Was ``err`` raised by python-docx, lxml or zipfile (a file they cannot read), not by
    terms-scan's own code?"""
    from .extract import raised_inside

    return isinstance(err, _docx_errors()[:7]) or raised_inside(err, ("docx.", "lxml.", "zipfile"))


def _body_lines(container: Any) -> Iterator[str]:
    """Lines of the paragraphs and tables of the body (or of a table cell), in order."""
    for child in container.iterchildren():
        tag = child.tag
        if tag == f"{_W}p":
            yield _paragraph_text(child)
        elif tag == f"{_W}tbl":
            yield from _table_lines(child)
        elif tag in (f"{_W}sdt", f"{_W}customXml", f"{_W}ins", f"{_W}moveTo"):
            # a content control or a tracked insertion around whole paragraphs or tables
            inner = child.find(f"{_W}sdtContent")
            yield from _body_lines(inner if inner is not None else child)


def _paragraph_text(p: Any) -> str:
    """The visible text of a paragraph: runs, tabs and line breaks, in order (a text box
    anchored in it is read where it is anchored)."""
    out: list[str] = []
    for el in p.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr", f"{_W}noBreakHyphen", f"{_W}p"):
        if el is not p and any(a.tag in _HIDDEN for a in el.iterancestors()):
            continue
        tag = el.tag
        if tag == f"{_W}t":
            out.append(el.text or "")
        elif tag == f"{_W}tab":
            out.append("\t")
        elif tag == f"{_W}noBreakHyphen":
            out.append("-")
        elif tag in (f"{_W}br", f"{_W}cr") or el is not p:
            out.append("\n")  # a line break, or a paragraph inside a text box
    return "".join(out).replace("\r", "\n").strip("\n")


def _table_lines(tbl: Any) -> Iterator[str]:
    """One line per row, "| cell | cell |"; a cell merged down several rows is read in each of
    them (each row then reads whole); a table inside a cell follows its row."""
    above: dict[int, str] = {}  # grid column -> the text of the cell there in the row above
    for tr in tbl.iterchildren(f"{_W}tr"):
        cells: list[str] = []
        nested: list[str] = []
        row: dict[int, str] = {}
        col = tr.grid_before
        for tc in tr.iterchildren(f"{_W}tc"):
            if tc.vMerge == "continue" and col in above:
                text = above[col]
            else:
                text, inner = _cell(tc)
                nested.extend(inner)
            cells.append(text)
            row[col] = text
            col += tc.grid_span
        above = row
        if any(cells):
            yield "| " + " | ".join(cells) + " |"
        yield from nested


def _cell(tc: Any) -> tuple[str, list[str]]:
    """A cell's paragraphs as one line (a "|" in them would split the row, it becomes "/"),
    and the rows of any table inside it."""
    parts: list[str] = []
    nested: list[str] = []
    for child in tc.iterchildren():
        if child.tag == f"{_W}tbl":
            nested.extend(_table_lines(child))
        elif child.tag in (f"{_W}p", f"{_W}sdt", f"{_W}customXml", f"{_W}ins", f"{_W}moveTo"):
            for line in _body_lines_of(child):
                if line[:1] == "|" and child.tag != f"{_W}p":
                    nested.append(line)
                elif line.strip():
                    parts.append(" ".join(line.split()))
    return " ".join(parts).replace("|", "/"), nested


def _body_lines_of(el: Any) -> Iterator[str]:
    """The lines of one block element (a paragraph, or a content control around blocks)."""
    if el.tag == f"{_W}p":
        yield _paragraph_text(el)
    else:
        yield from _body_lines(el)
