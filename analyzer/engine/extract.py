"""Extract text with provenance from PDF, plain text (any common encoding), Markdown and HTML."""
from __future__ import annotations

import hashlib
import re
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


def _kind_from_name(name: str) -> str | None:
    suffix = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    return {"pdf": "pdf", "htm": "html", "html": "html", "xhtml": "html", "md": "markdown",
            "markdown": "markdown", "txt": "text", "text": "text"}.get(suffix)


def sniff_kind(data: bytes) -> str:
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


def extract_bytes(data: bytes, source: str = "<stdin>", kind: str | None = None) -> Document:
    """Extract text from raw bytes; ``kind`` is pdf, text, markdown or html (sniffed when None)."""
    if not data or not data.strip():
        raise InputError(f"{source}: the input is empty; give an agreement as PDF, text, Markdown or HTML")
    sha = hashlib.sha256(data).hexdigest()
    sniffed = sniff_kind(data)
    if kind is None or (sniffed == "pdf") != (kind == "pdf"):
        kind = sniffed if kind is None or sniffed == "pdf" else kind
    if kind == "pdf":
        pages = _pdf_pages(data, source)
        return Document(source, sha, "pdf", pages)
    text, encoding = decode_text(data)
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
        enc = _utf16_guess(data)
        if enc is None:
            raise InputError("the input looks binary (not text, HTML or PDF); convert it to PDF or text first")
        return data.decode(enc, errors="replace"), enc
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
    enc = _utf16_guess(data)
    if enc is not None:
        return data.decode(enc, errors="replace"), enc
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
    import io

    try:
        import pdfplumber
        from pdfminer.pdfparser import PDFSyntaxError
    except ImportError as err:  # pragma: no cover - a core dependency
        raise InputError("reading PDF needs pdfplumber: pip install pdfplumber") from err
    _quiet_pdf_libraries()
    pages: list[Page] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            count = len(pdf.pages)
            workers = _pdf_workers(count)
            if workers > 1:
                texts = _pages_in_parallel(data, count, workers)
            else:
                texts = [_page_text(page) for page in pdf.pages]
        pages = [Page(i, t) for i, t in enumerate(texts, start=1)]
    except PDFSyntaxError as err:
        raise InputError(f"{source}: not a readable PDF ({err})") from err
    except Exception as err:  # pdfminer raises many kinds on damaged files
        if isinstance(err, (OSError, MemoryError)) or type(err).__module__.startswith(("multiprocessing", "concurrent")):
            raise  # the machine or a worker pool failed, not the PDF: not "damaged" (issue 10)
        if "password" in str(err).lower() or type(err).__name__ == "PDFPasswordIncorrect":
            raise InputError(f"{source}: the PDF is encrypted; remove the password and try again") from err
        raise InputError(f"{source}: damaged or unsupported PDF ({type(err).__name__})") from err
    if not pages:
        raise InputError(f"{source}: the PDF has no pages")
    if sum(len(p.text.strip()) for p in pages) < 10:
        raise InputError(
            f"{source}: the PDF has no text layer (scanned or photographed?); "
            "run OCR on it first (e.g. ocrmypdf) and scan the result"
        )
    return tuple(pages)


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
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, count // PAGES_PER_WORKER))


def _extract_page_range(args: tuple[bytes, int, int]) -> list[str]:
    import io

    import pdfplumber

    data, start, end = args
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [_page_text(pdf.pages[i]) for i in range(start, end)]


def _pages_in_parallel(data: bytes, count: int, workers: int) -> list[str]:
    """Pages split into contiguous ranges, one per worker process, texts back in order."""
    from ..procs import map_parallel

    bounds = [round(count * k / workers) for k in range(workers + 1)]
    jobs = [(data, bounds[k], bounds[k + 1]) for k in range(workers)]
    parts = map_parallel(_extract_page_range, jobs, workers)
    return [t for part in parts for t in part]


def _has_doubled_glyphs(chars: list[dict]) -> bool:
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
