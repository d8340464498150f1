"""Extract text with provenance from PDF, Word (.docx), plain text (any common encoding),
Markdown and HTML; any other file (an image, an archive, a program, an old .doc) is refused
with one line that names the file, says what it is and what terms-scan reads."""
from __future__ import annotations

import hashlib
import os
import re
import threading
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..model import Document, Page

MAX_BYTES = 50 * 1024 * 1024  # a 50 MB agreement is not an agreement

_HTML_SNIFF = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|div|p|section|article)\b", re.I | re.S)
_PDF_MAGIC = b"%PDF-"


def extract_path(path: Path, kind: str | None = None) -> Document:
    """Read a regular file from disk (at most MAX_BYTES) and extract its text."""
    from ..safeio import read_file

    data = read_file(path, MAX_BYTES, "file")
    return extract_bytes(data, source=str(path), kind=kind or _kind_from_name(path.name))


def extract_paths(paths: list[Path], kind: str | None = None) -> Document:
    """Several files as ONE agreement, in the order given: a long agreement in screenshots
    (image N is page N; the images are read by OCR together, in parallel), or the parts of an
    agreement in several files (each file's pages follow the previous file's)."""
    from ..safeio import read_file

    if len(paths) == 1:
        return extract_path(paths[0], kind)
    datas = [read_file(p, MAX_BYTES, "file") for p in paths]
    images = [(d, str(p)) for d, p in zip(datas, paths, strict=True) if (_what_binary(d) or ("", ""))[0] in _IMAGES]
    if len(images) == len(paths):
        pages = image_pages(images, "images")
        kinds = {"image"}
    else:
        docs = [extract_bytes(d, str(p), kind or _kind_from_name(p.name)) for d, p in zip(datas, paths, strict=True)]
        pages = tuple(Page(n, pg.text, pg.ocr_confidence)
                      for n, pg in enumerate((pg for doc in docs for pg in doc.pages), start=1))
        kinds = {doc.kind for doc in docs}
    sha = hashlib.sha256(b"".join(hashlib.sha256(d).digest() for d in datas)).hexdigest()
    source = f"{paths[0]} … {paths[-1]} ({len(paths)} files)"
    return Document(source, sha, kinds.pop() if len(kinds) == 1 else "mixed", pages)


def prepare(paths: list[Path]) -> None:
    """Import what reading ``paths`` will need (PDFium for a PDF), before another thread starts
    importing its own modules: an import made while another thread imports waits on it (about
    30 ms of a cold PDF scan, issue 12). A file that cannot be opened is left to the reader."""
    for path in paths[:1]:
        try:
            if not path.is_file():  # a FIFO, a device, a folder: the reader refuses it, never opened here
                return
            with open(path, "rb") as fh:
                head = fh.read(1024)
        except OSError:
            return
        if head.lstrip().startswith(_PDF_MAGIC):
            import pypdfium2  # noqa: F401

            _quiet_pdf_libraries()


def _kind_from_name(name: str) -> str | None:
    suffix = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    return {"pdf": "pdf", "docx": "docx", "htm": "html", "html": "html", "xhtml": "html", "md": "markdown",
            "markdown": "markdown", "txt": "text", "text": "text", "png": "image", "jpg": "image",
            "jpeg": "image", "webp": "image", "bmp": "image", "tif": "image", "tiff": "image",
            "gif": "image"}.get(suffix)


def sniff_kind(data: bytes) -> str:
    """pdf, html or text (what ``terms-scan watch`` fetches); see :func:`sniff_format` for files."""
    if data[:1024].lstrip().startswith(_PDF_MAGIC):
        return "pdf"
    head = data[:4096]
    try:
        head_text = decode_text(head, strict=False)[0].encode("utf-8", "replace")
    except InputError:
        head_text = head
    if _HTML_SNIFF.match(head_text):
        return "html"
    return "text"


SUPPORTED = "terms-scan reads PDF, Word (.docx), text, Markdown and HTML"
_CONVERT = "save it as .docx or PDF and scan that"
_OCR = f"{SUPPORTED}, and images (PNG, JPEG, WebP, BMP, TIFF, GIF) with OCR"
_CONVERT_IMAGE = f"convert it to JPEG or PNG (a phone's share or export does it); {SUPPORTED}"
# images Pillow reads: terms-scan reads their text with OCR (the [ocr] extra)
_IMAGES = {"a PNG image", "a JPEG image", "a GIF image", "a TIFF image", "a WebP image", "a BMP image"}
# magic bytes at offset 0 -> (what the file is, what to do); checked after PDF and ZIP
_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image", _OCR),
    (b"\xff\xd8\xff", "a JPEG image", _OCR),
    (b"GIF87a", "a GIF image", _OCR),
    (b"GIF89a", "a GIF image", _OCR),
    (b"II*\x00", "a TIFF image", _OCR),
    (b"MM\x00*", "a TIFF image", _OCR),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old or password-protected Microsoft Office file "
     "(Word 97-2003 .doc, .xls, .ppt, or a .docx with a password)", f"{_CONVERT} (without a password)"),
    (b"{\\rtf", "an RTF document", _CONVERT),
    (b"\x7fELF", "an ELF executable (a program, not a document)", SUPPORTED),
    (b"\x1f\x8b", "a gzip archive", f"{SUPPORTED}; unpack it first"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", f"{SUPPORTED}; unpack it first"),
    (b"Rar!\x1a\x07", "a RAR archive", f"{SUPPORTED}; unpack it first"),
    (b"\xfd7zXZ\x00", "an xz archive", f"{SUPPORTED}; unpack it first"),
    (b"SQLite format 3\x00", "an SQLite database", SUPPORTED),
    (b"\xcf\xfa\xed\xfe", "a Mach-O executable (a program, not a document)", SUPPORTED),
    (b"\xce\xfa\xed\xfe", "a Mach-O executable (a program, not a document)", SUPPORTED),
)
# magic numbers that could also begin a text: the binary bytes after them are part of the test
_MAGIC_RX: tuple[tuple[re.Pattern[bytes], str, str], ...] = (
    (re.compile(rb"BZh[1-9]1AY&SY"), "a bzip2 archive", f"{SUPPORTED}; unpack it first"),
    (re.compile(rb"ID3[\x02-\x04]\x00"), "an MP3 audio file", SUPPORTED),
    (re.compile(rb"OggS\x00"), "an Ogg audio or video file", SUPPORTED),
)
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
# ISO media brands (bytes 8-12 after "ftyp"): still images; anything else is audio or video
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}


def sniff_format(data: bytes, name_kind: str | None = None) -> str | None:
    """"pdf" or "zip" (a Word file or another ZIP-based format) when the first bytes say so,
    else None (text, Markdown, HTML, or another binary format: see :func:`_what_binary`)."""
    if data[:1024].lstrip().startswith(_PDF_MAGIC):
        return "pdf"
    if data.startswith(_ZIP_MAGIC) or (name_kind == "docx" and data[:2] == b"PK"):
        return "zip"
    return None


def _what_binary(data: bytes) -> tuple[str, str] | None:
    """(what the file is, what to do) for a known binary format that is not PDF or ZIP."""
    for magic, what, hint in _MAGIC:
        if data.startswith(magic):
            return what, hint
    for rx, what, hint in _MAGIC_RX:
        if rx.match(data):
            return what, hint
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in _HEIF_BRANDS:
            return "a HEIC/HEIF image", _CONVERT_IMAGE
        if brand in (b"avif", b"avis"):
            return "an AVIF image", _CONVERT_IMAGE
        return "an MP4/QuickTime audio or video file", SUPPORTED
    if data[:4] == b"RIFF" and data[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return {b"WEBP": ("a WebP image", _OCR), b"WAVE": ("a WAV audio file", SUPPORTED),
                b"AVI ": ("an AVI video", SUPPORTED)}[data[8:12]]
    if data[:2] == b"BM" and len(data) > 18 and int.from_bytes(data[14:18], "little") in (12, 40, 52, 56, 64, 108, 124):
        return "a BMP image", _OCR
    if data[:2] == b"MZ" and len(data) > 64:
        pe = int.from_bytes(data[60:64], "little")
        if data[pe:pe + 4] == b"PE\x00\x00":
            return "a Windows executable (a program, not a document)", SUPPORTED
    return None


# ZIP-based formats: a member that identifies them -> (what, hint); docx is read, the rest refused
_ZIP_KINDS: tuple[tuple[str, str, str], ...] = (
    ("xl/workbook.xml", "an Excel workbook (.xlsx)", f"{SUPPORTED}; save the sheet as PDF"),
    ("ppt/presentation.xml", "a PowerPoint presentation (.pptx)", f"{SUPPORTED}; save it as PDF"),
)
_ZIP_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": ("an OpenDocument text (.odt)", _CONVERT),
    b"application/epub+zip": ("an EPUB e-book", f"{SUPPORTED}; save it as PDF"),
}


def _zip_kind(data: bytes, source: str) -> str:
    """"docx" for a Word file; InputError naming any other ZIP-based format."""
    import io
    import zipfile
    import zlib

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            info = zf.getinfo("mimetype") if "mimetype" in names else None
            # an OpenDocument names its kind in a short "mimetype" member (never encrypted)
            mimetype = b""
            if info is not None and info.file_size < 200 and not info.flag_bits & 1:
                mimetype = zf.read(info).strip()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, NotImplementedError, zlib.error) as err:
        raise InputError(f"{source}: a damaged ZIP archive or Word file ({err}); {SUPPORTED}") from err
    if "word/document.xml" in names:
        return "docx"
    what, hint = _ZIP_MIMETYPES.get(mimetype) or next(
        ((w, h) for member, w, h in _ZIP_KINDS if member in names), ("a ZIP archive", f"{SUPPORTED}; unpack it first"))
    raise InputError(f"{source}: {what}; {hint}")


def extract_bytes(data: bytes, source: str = "<stdin>", kind: str | None = None) -> Document:
    """Extract text from raw bytes; ``kind`` is pdf, docx, text, markdown or html (sniffed when
    None; the bytes of a PDF or a ZIP win over the kind given)."""
    if not data or not data.strip():
        raise InputError(f"{source}: the input is empty; give an agreement as PDF, Word (.docx), text, Markdown or HTML")
    sha = hashlib.sha256(data).hexdigest()
    fmt = sniff_format(data, kind)
    if fmt == "zip":
        fmt = _zip_kind(data, source)
    if fmt is None:
        binary = _what_binary(data)
        if binary is not None and binary[0] in _IMAGES and kind not in ("text", "markdown", "html"):
            return Document(source, sha, "image", image_pages([(data, source)], binary[0]))
        if binary is not None:
            raise InputError(f"{source}: {binary[0]}; {binary[1]}")
    kind = fmt or (None if kind in ("docx", "image") else kind)
    if kind == "pdf":
        return Document(source, sha, "pdf", _pdf_pages(data, source))
    if kind == "docx":
        from .word import docx_text

        return Document(source, sha, "docx", (Page(1, docx_text(data, source, MAX_BYTES)),))
    return _text_document(data, source, sha, kind)


def _text_document(data: bytes, source: str, sha: str, kind: str | None) -> Document:
    try:
        text, encoding = decode_text(data)
    except InputError as err:
        raise InputError(f"{source}: {err}") from err
    if kind is None:
        kind = "html" if _HTML_SNIFF.match(text[:4096].encode("utf-8", "replace")) else "text"
    if kind == "text" and _HTML_SNIFF.match(text[:4096].encode("utf-8", "replace")):
        kind = "html"
    if kind == "html":
        text = html_to_text(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputError(f"{source}: no readable text found in the {kind} input")
    return Document(source, sha, kind, (Page(1, text),), encoding)


# ---------------------------------------------------------------------------
# text encodings

_BOMS = [
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
]
# The most frequent Chinese characters in ordinary text, simplified and traditional forms:
# a legacy-encoded file decoded with the right codec is full of them, a wrong codec is not.
_COMMON_HANZI = set(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说"
    "产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点"
    "从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原"
    "又么利比或但质气第向道命此变条只没结解问意建月公无系很情者最立代想已通并提直题程展五果料象员位入常"
    "文总次品式活设及管特件长求基资边流路级少图接知较将组见计别手期根论运指几九区强放决被做必先回则任取"
    "据处给色光门即保治北造百规热领七口东导器志世金增争济阶思术极交受联什认六共权收证改清己美再转更单"
    "费话号户协议务乙甲网络服账款退销约违按应须额优惠套餐流量充值激活"
    "這個國們來時說會對為與發動過種經進麼兩體當點從業開還後現實間樣關線數問題無當費話號戶協議務網絡"
    "賬款銷約違應須額優惠餐流量值啟動條經"
)


def decode_text(data: bytes, strict: bool = True) -> tuple[str, str]:
    """Decode bytes of unknown encoding: BOM, UTF-8, UTF-16 without BOM, then detection.

    Raises InputError for binary data that is no text in any common encoding.
    """
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data.decode(enc, errors="replace"), enc.replace("-sig", "")
    if b"\x00" in data[:4096]:
        utf16 = _utf16_guess(data)
        if utf16 is None:
            raise InputError(f"binary data of an unknown kind (not text, HTML, PDF or Word); {SUPPORTED}")
        return data.decode(utf16, errors="replace"), utf16
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Chinese first: try the legacy Chinese codecs and keep the one whose text is made of
    # common characters (GB18030 decodes almost any byte string, so "no error" is not enough).
    best_enc, best_score = None, -1.0
    for enc in ("gb18030", "big5"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if not _looks_like_text(text):
            continue
        cjk = [c for c in text if "\u4e00" <= c <= "\u9fff"]
        score = sum(c in _COMMON_HANZI for c in cjk) / len(cjk) if cjk else 0.0
        if score > best_score:
            best_enc, best_score = enc, score
    if best_enc is not None and best_score >= 0.2:
        return data.decode(best_enc), best_enc
    utf16 = _utf16_guess(data)
    if utf16 is not None:
        return data.decode(utf16, errors="replace"), utf16
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and _looks_like_text(str(best)):
        return str(best), best.encoding
    if not strict:
        return data.decode("utf-8", errors="replace"), "utf-8"
    raise InputError("cannot tell the text encoding; save the file as UTF-8 and try again")


def _plausible(text: str) -> float:
    """Share of characters that ordinary agreement text is made of."""
    if not text:
        return 0.0
    ok = sum(1 for c in text if c in _COMMON_HANZI or (" " <= c <= "~") or c in "\n\r\t，。、；：？！（）“”《》")
    return ok / len(text)


def _utf16_guess(data: bytes) -> str | None:
    best, best_score = None, 0.0
    for enc in ("utf-16-le", "utf-16-be"):
        try:
            text = data[: len(data) // 2 * 2].decode(enc)
        except UnicodeDecodeError:
            continue
        score = _plausible(text)
        if score > best_score:
            best, best_score = enc, score
    return best if best_score >= 0.5 else None


def _looks_like_text(text: str) -> bool:
    if not text:
        return False
    bad = sum(1 for c in text if (ord(c) < 32 and c not in "\n\r\t\f") or c == "\ufffd")
    return bad <= len(text) // 100


# ---------------------------------------------------------------------------
# PDF

def _quiet_pdf_libraries() -> None:
    """pdfminer and pdfplumber log warnings about damaged files ("MediaBox missing…") through
    Python's last-resort handler, i.e. straight to stderr: a scan's errors are one line of our
    own. Their loggers get a null handler and only errors pass."""
    import logging

    for name in ("pdfminer", "pdfplumber", "pypdfium2"):
        log = logging.getLogger(name)
        if not any(isinstance(h, logging.NullHandler) for h in log.handlers):
            log.addHandler(logging.NullHandler())
        log.setLevel(logging.ERROR)
        log.propagate = False


def _pdf_pages(data: bytes, source: str) -> tuple[Page, ...]:
    """The text of every page: PDFium first (a few ms a page), pdfplumber (about 0.1 s a page)
    only for the pages whose fast text looks wrong (see :func:`_fast_text_wrong`).

    PDFium reads the pages one after another: a pool of processes costs more to start (fork,
    each worker opening the file again) than it saves on an agreement's pages (measured, issue
    12); the pages pdfplumber reads again still go to a pool when there are many (``_pdf_workers``).
    ``TERMS_SCAN_PDF_ENGINE=pdfplumber`` reads every page with pdfplumber (the extraction before
    issue 12), for comparisons."""
    _quiet_pdf_libraries()
    if os.environ.get("TERMS_SCAN_PDF_ENGINE", "").lower() == "pdfplumber":
        texts: list[str | None] = [None] * _pdfium_page_count(data, source)
    else:
        texts = _pdfium_texts(data, source)
    redo = [i for i, t in enumerate(texts) if t is None or _fast_text_wrong(t)]
    if redo:
        slow = _plumber_texts(data, source, redo)
        for i in redo:
            texts[i] = _better_text(texts[i], slow.get(i))
    if not texts:
        raise InputError(f"{source}: the PDF has no pages")
    unread = [i for i, t in enumerate(texts, start=1) if t is None]
    if unread:
        raise InputError(f"{source}: damaged or unsupported PDF (page {unread[0]} cannot be read)")
    pages = tuple(Page(i, t or "") for i, t in enumerate(texts, start=1))
    if sum(len(p.text.strip()) for p in pages) < 10:
        from . import ocr

        ocr.require(source, "the PDF has no text layer (scanned or photographed)")
        return _ocr_pdf_pages(data, source, len(pages))
    return pages


OCR_SCALE = 2.0  # a scanned page rendered at 144 dpi: enough for the recognizer, ~1.6 MP an A4 page


def _ocr_pdf_pages(data: bytes, source: str, count: int) -> tuple[Page, ...]:
    """A scanned PDF: every page rendered by PDFium and read by OCR."""
    import io

    jobs = []
    with _PDFIUM_LOCK:
        pdf = _open_pdfium(data, source)
        try:
            for i in range(count):
                img = pdf[i].render(scale=OCR_SCALE).to_pil()
                buf = io.BytesIO()
                img.convert("RGB").save(buf, format="PNG")
                jobs.append((buf.getvalue(), f"{source} page {i + 1}"))
        finally:
            pdf.close()
    return _ocr_pages(jobs, source, "the PDF has no text layer and OCR found no text on its pages (blank pages?)")


def image_pages(images: list[tuple[bytes, str]], what: str = "an image") -> tuple[Page, ...]:
    """Images as pages, read by OCR (image N = page N); InputError without the [ocr] extra."""
    from . import ocr

    ocr.require(images[0][1], what)
    return _ocr_pages(images, images[0][1])


def _ocr_pages(jobs: list[tuple[bytes, str]], source: str,
               empty: str = "no text found by OCR (is it a picture of the agreement?)") -> tuple[Page, ...]:
    from ..procs import cores, in_worker, map_parallel
    from . import ocr

    workers = 1 if in_worker() else min(len(jobs), cores(), OCR_WORKERS)
    results = map_parallel(ocr.ocr_job, jobs, workers) if workers > 1 else [ocr.ocr_job(j) for j in jobs]
    pages = tuple(Page(i, text, round(conf, 4)) for i, (text, conf) in enumerate(results, start=1))
    if sum(len(p.text.strip()) for p in pages) < 10:
        raise InputError(f"{source}: {empty}")
    return pages


OCR_WORKERS = int(os.environ.get("TERMS_SCAN_OCR_WORKERS", "2"))  # each holds ~1 GB of models


def _open_pdfium(data: bytes, source: str) -> Any:
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as err:
        raise _pdfium_input_error(err, source) from err


def _pdfium_input_error(err: Exception, source: str) -> InputError:
    import pypdfium2.raw as pdfium_c

    code = getattr(err, "err_code", None)
    if code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY) or "password" in str(err).lower():
        return InputError(f"{source}: the PDF is encrypted; remove the password and try again")
    reason = re.search(r"\(PDFium: ([^)]*)\)", str(err))
    return InputError(f"{source}: damaged or unsupported PDF ({reason.group(1) if reason else err})")


# PDFium is not thread-safe: one document at a time in a process (scans in parallel are
# processes; this guards the Python API called from threads)
_PDFIUM_LOCK = threading.Lock()


def _pdfium_page_count(data: bytes, source: str) -> int:
    with _PDFIUM_LOCK:
        pdf = _open_pdfium(data, source)
        try:
            return len(pdf)
        finally:
            pdf.close()


def _pdfium_texts(data: bytes, source: str) -> list[str | None]:
    """Each page's text as PDFium reads it; None for a page it cannot load, or that is empty
    although it draws text (pdfplumber gets a second look at those)."""
    from .pdffonts import text_fonts

    with _PDFIUM_LOCK, text_fonts():
        pdf = _open_pdfium(data, source)
        try:
            return [_pdfium_page_text(pdf, i) for i in range(len(pdf))]
        finally:
            pdf.close()


def _pdfium_page_text(pdf: Any, index: int) -> str | None:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        page = pdf[index]
    except pdfium.PdfiumError:
        return None
    try:
        textpage = page.get_textpage()
        try:
            text = _tidy_fast_text(textpage.get_text_bounded())
        finally:
            textpage.close()
        if not text.strip() and any(True for _ in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_TEXT,))):
            return None
        return text
    except pdfium.PdfiumError:
        return None
    finally:
        page.close()


# PDFium marks a hyphen that ends a line as a soft hyphen (U+0002 from the bounded text, U+FFFE
# from a range) and joins the two lines; pdfplumber gives the hyphen and the line break
_SOFT_HYPHEN = re.compile(r"[\x02\ufffe](?:\r\n|\r|\n)?")


def _tidy_fast_text(text: str) -> str:
    """PDFium's text in pdfplumber's form: LF line ends, no form feeds (they separate pages in
    ``Document.text``), no white space (a no-break space, an ideographic space…) at either end
    of a line and no blank lines."""
    text = _SOFT_HYPHEN.sub("-\n", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    text = _LINE_END_SPACE.sub("\n", text)
    return text.strip()


_LINE_END_SPACE = re.compile(r"[^\S\n]*\n\s*")  # white space around a line break, and blank lines


# characters that are no text: U+FFFD, private-use code points (glyphs without a Unicode
# mapping), control characters, and pdfminer's "(cid:123)" for a glyph it cannot map
_GARBAGE = re.compile(r"[\ufffd\ue000-\uf8ff\U000f0000-\U0010ffff\x00-\x08\x0b\x0e-\x1f]|\(cid:\d+\)")


def _garbage_count(text: str) -> int:
    return len(_GARBAGE.findall(text))


def _fast_text_wrong(text: str) -> bool:
    """Does PDFium's text of a page need pdfplumber's second look? Unmapped glyphs (at least
    3, and 2% of the visible characters), or a line of glyphs drawn twice ("合合同同")."""
    bad = _garbage_count(text)
    if bad >= 3 and bad * 50 >= len(text) - text.count(" ") - text.count("\n"):
        return True
    return any(_doubled_line(line) for line in text.split("\n"))


def _doubled_line(line: str) -> bool:
    """A line made of pairs of the same character ("本本套套餐餐每每月月"), of at least three
    different characters (a rule "------" or "……" is no doubling)."""
    s = line.replace(" ", "")
    if len(s) < 6:
        return False
    pairs, i, kinds = 0, 0, set()
    while i < len(s) - 1:
        if s[i] == s[i + 1]:
            pairs += 1
            kinds.add(s[i])
            i += 2
        else:
            i += 1
    return pairs * 2 >= 0.8 * len(s) and len(kinds) >= 3


def _better_text(fast: str | None, slow: str | None) -> str | None:
    """pdfplumber's text of a page unless it is missing or worse than PDFium's."""
    if slow is None:
        return fast
    if fast is None or not fast.strip():
        return slow
    return slow if _garbage_count(slow) <= _garbage_count(fast) else fast


def _plumber_texts(data: bytes, source: str, indexes: list[int]) -> dict[int, str | None]:
    """pdfplumber's text of the pages at ``indexes`` (0-based); None for a page it cannot read."""
    try:
        import pdfplumber  # noqa: F401 - a core dependency
    except ImportError as err:  # pragma: no cover
        raise InputError("reading PDF needs pdfplumber: pip install pdfplumber") from err
    workers = _pdf_workers(len(indexes))
    if workers > 1:
        texts = _pages_in_parallel(data, indexes, workers)
    else:
        texts = _extract_pages((data, indexes))
    return dict(zip(indexes, texts, strict=False))


def _pdfminer_errors() -> tuple[type[BaseException], ...]:
    """What pdfminer and pdfplumber raise on a file they cannot read: their own errors, and
    plain KeyError, TypeError… from deep inside (those only count when raised there: see
    :func:`_pdf_library_failed`)."""
    import struct
    import zlib

    from pdfminer.psparser import PSException
    from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

    return (PSException, PdfminerException, MalformedPDFException, ValueError, KeyError, TypeError,
            IndexError, AttributeError, AssertionError, ArithmeticError, RecursionError, struct.error, zlib.error)


def _pdf_library_failed(err: BaseException) -> bool:
    """Was ``err`` raised inside pdfminer or pdfplumber (a file they cannot read)? The same
    KeyError or TypeError raised by our own code (or by the machine) is not the PDF's fault
    and is not turned into "damaged PDF" (issue 10): the innermost frame of ours or theirs
    on the way to the error decides."""
    return isinstance(err, _pdfminer_errors()[:3]) or raised_inside(err, ("pdfminer.", "pdfplumber."))


def raised_inside(err: BaseException, libraries: tuple[str, ...]) -> bool:
    """Is the innermost frame of terms-scan or of these libraries (module name prefixes) on
    the way to ``err`` one of the libraries'? (Frames of the standard library, which they
    call, do not count.)"""
    tb, last = err.__traceback__, ""
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        if module.startswith((*libraries, "analyzer.")):
            last = module
        tb = tb.tb_next
    return last.startswith(libraries)


def _page_text(page: Any) -> str:
    # Chinese PDFs often draw each glyph twice for a bold effect; dedupe_chars is slow
    # (~0.1 s a page), so only pages that have such doubles pay for it
    if _has_doubled_glyphs(page.chars):
        page = page.dedupe_chars()
    return page.extract_text() or ""


PAGES_PER_WORKER = 3  # below this, starting a process costs more than it saves


def _pdf_workers(count: int) -> int:
    """Processes for page extraction: the cores this process may use, when there are enough
    pages and fork is available (workers inherit the imported pdfplumber for free)."""
    import multiprocessing
    import os

    from ..procs import in_worker

    if in_worker():
        return 1  # already one of several scans in parallel: never a pool inside a pool
    if os.environ.get("TERMS_SCAN_PDF_WORKERS"):
        return max(1, int(os.environ["TERMS_SCAN_PDF_WORKERS"]))
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    from ..procs import cores

    return max(1, min(cores(), count // PAGES_PER_WORKER))


def _extract_pages(args: tuple[bytes, list[int]]) -> list[str | None]:
    """pdfplumber's text of some pages (0-based indexes); None for a page it cannot read."""
    import io

    import pdfplumber

    data, indexes = args
    out: list[str | None] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for i in indexes:
                out.append(_plumber_page_text(pdf, i))
    except _pdfminer_errors() as err:
        if not _pdf_library_failed(err):
            raise
    return out + [None] * (len(indexes) - len(out))


def _plumber_page_text(pdf: Any, index: int) -> str | None:
    try:
        pages = pdf.pages
        # PDFium repairs some damaged files and finds pages that pdfminer does not see
        return _page_text(pages[index]) if index < len(pages) else None
    except _pdfminer_errors() as err:
        if _pdf_library_failed(err):
            return None
        raise


def _pages_in_parallel(data: bytes, indexes: list[int], workers: int) -> list[str | None]:
    """Pages split into contiguous runs, one per worker process, texts back in order."""
    from ..procs import map_parallel

    count = len(indexes)
    bounds = [round(count * k / workers) for k in range(workers + 1)]
    jobs = [(data, indexes[bounds[k]:bounds[k + 1]]) for k in range(workers)]
    parts = map_parallel(_extract_pages, jobs, workers)
    return [t for part in parts for t in part]


def _has_doubled_glyphs(chars: list[dict[str, Any]]) -> bool:
    """Could ``page.dedupe_chars()`` (tolerance 1 pt) remove anything? Two copies of a glyph
    less than 1 pt apart share a 2-pt cell in at least one of four offset grids."""
    for dx in (0.0, 1.0):
        for dy in (0.0, 1.0):
            seen = set()
            for c in chars:
                key = (c.get("text"), (c["x0"] + dx) // 2, (c["top"] + dy) // 2)
                if key in seen:
                    return True
                seen.add(key)
    return False


# ---------------------------------------------------------------------------
# HTML

_SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "nav", "header", "footer",
              "aside", "form", "button", "select", "iframe", "object", "canvas", "head"}
_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "tr", "table", "section", "article", "h1", "h2",
               "h3", "h4", "h5", "h6", "blockquote", "pre", "dd", "dt", "dl", "hr", "main", "body",
               "td", "th", "caption", "figcaption"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "source",
         "track", "wbr", "param"}


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.hidden = 0  # open elements that hide their content
        self.stack: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            if tag in _BLOCK_TAGS:
                self.out.append("\n")
            return
        hides = tag in _SKIP_TAGS or any(
            k == "hidden" or (k == "aria-hidden" and v == "true")
            or (k == "style" and v and re.search(r"display\s*:\s*none", v)) for k, v in attrs)
        self.stack.append((tag, hides))
        self.hidden += hides
        if tag in _BLOCK_TAGS:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID or all(t != tag for t, _ in self.stack):
            return
        while self.stack:
            top, hides = self.stack.pop()
            self.hidden -= hides
            if top == tag:
                break
        if tag in _BLOCK_TAGS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.out.append(data)


def html_to_text(html: str) -> str:
    """Visible text of an HTML page: no scripts, styles, navigation, headers or footers."""
    parser = _TextParser()
    try:
        parser.feed(html)
        parser.close()
    except Exception as err:  # html.parser is lenient; this is a safety net
        raise InputError(f"cannot parse the HTML ({err})") from err
    text = "".join(parser.out)
    text = re.sub(r"[ \t\r\f\v]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()
