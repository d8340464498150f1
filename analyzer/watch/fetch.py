"""Fetch a watched document (HTTP with httpx, or a local file) and extract the text that is scanned.

``fetch`` never raises for network or HTTP problems: it returns a ``FetchResult`` whose status is
"failed" and whose ``error`` is one line (HTTP status, timeout, too large, not found). It sends
conditional requests (If-None-Match / If-Modified-Since) and maps 304 to "not_modified", follows
redirects, caps the size while streaming, and retries once after a short pause when a failure is
transient (connect/read timeouts, connection errors, HTTP 5xx and 429).

``extract_text`` turns the bytes into the text used for scanning and diffing: for HTML pages the
source's CSS ``remove`` selectors are dropped, then only its ``select`` parts kept (selectolax), then
the project's visible-text extraction (analyzer.engine.extract) runs; PDFs go through
``extract_bytes(kind="pdf")``; text and Markdown are decoded by ``decode_text``. Unreadable content
raises ``InputError`` (the caller reports the source as failed).
"""
from __future__ import annotations

import contextlib
import mimetypes
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..engine.extract import decode_text, extract_bytes, html_to_text, sniff_kind
from ..errors import InputError
from .sources import WatchSource

if TYPE_CHECKING:
    import httpx
    from selectolax.lexbor import LexborNode

EXTRACTOR_VERSION = "1"  # bump when extract_text changes (a --rescan re-derives texts)

USER_AGENT = (f"terms-scan/{__version__} (agreement watch; weekly check of published terms; "
              "+https://github.com/terms-scan/terms-scan)")
RETRY_BACKOFF = 0.5       # seconds before the one retry (a Retry-After header may ask for more)
MAX_RETRY_AFTER = 5.0     # never wait longer than this for a retry
MIN_DEADLINE = 60.0       # a whole request (connect, headers, body) may take max(this, 6 x timeout)
TRANSIENT_STATUS = frozenset({429, 500, 502, 503, 504, 520, 521, 522, 523, 524})


@dataclass(frozen=True)
class FetchResult:
    status: str                  # "ok" | "not_modified" | "failed"
    content: bytes | None = None
    url: str | None = None
    http_status: int | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: str = ""         # ISO 8601 UTC
    error: str | None = None     # one line, when failed
    attempts: int = 1            # how many requests were made (2 after a retry)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _mb(n: int) -> str:
    return f"{n / 1_000_000:g}"


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fetch(source: WatchSource, base_dir: Path, etag: str | None = None, last_modified: str | None = None,
          timeout: float = 20.0, max_bytes: int = 20_000_000, retries: int = 1,
          allow: tuple[Path, ...] = ()) -> FetchResult:
    """Fetch one source; never raises for network, HTTP or file problems (status "failed")."""
    try:
        if source.render == "browser":
            return _fetch_rendered(source, base_dir, timeout, max_bytes, max(0, retries), tuple(allow))
        if source.url:
            return _fetch_url(source.url, etag, last_modified, timeout, max_bytes, max(0, retries))
        if source.path:
            return _fetch_path(source.path, Path(base_dir), max_bytes, tuple(allow))
        return FetchResult("failed", fetched_at=_now(), error="the source has neither url nor path")
    except Exception as err:  # a safety net: one source's surprise must not stop a run
        return FetchResult("failed", url=source.url, fetched_at=_now(),
                           error=_one_line(f"unexpected error: {type(err).__name__}: {err}"))


def _fetch_rendered(source: WatchSource, base_dir: Path, timeout: float, max_bytes: int, retries: int,
                    allow: tuple[Path, ...]) -> FetchResult:
    """``render: browser``: fetch as usual (HTTP status, redirects, size, a local file's
    confinement: the same one-line failures), then let headless Chromium load the page and run
    its scripts, and keep the DOM it built. No conditional request is sent: the page's shell
    can stay the same (304) while its script loads new terms."""
    from ..browser import dump_dom
    from ..errors import StateError

    if source.url:
        first = _fetch_url(source.url, None, None, timeout, max_bytes, retries)
    else:
        first = _fetch_path(source.path or "", base_dir, max_bytes, allow)
    if first.status != "ok" or not first.url:
        return first
    try:
        dom = dump_dom(first.url, timeout=deadline_for(timeout), max_bytes=max_bytes)
    except StateError as err:
        return _with(first, status="failed", content=None, error=_one_line(str(err)))
    return _with(first, content=dom, content_type="text/html; charset=utf-8", etag=None, last_modified=None)


# ---------------------------------------------------------------------------
# local files

def _fetch_path(rel: str, base_dir: Path, max_bytes: int, allow: tuple[Path, ...] = ()) -> FetchResult:
    """A local file, confined to the sources file's folder (or a folder given with
    ``--allow-path``): ``path: /etc/passwd`` or ``../../secret`` is refused, symlinks included."""
    from ..safeio import read_file

    p = Path(rel).expanduser()
    if not p.is_absolute():
        p = base_dir / p
    now = _now()
    try:
        real = p.resolve(strict=False)
    except (OSError, RuntimeError) as err:
        return FetchResult("failed", fetched_at=now, error=_one_line(f"{rel}: cannot resolve the path ({err})"))
    roots = [Path(base_dir).resolve()] + [Path(a).expanduser().resolve() for a in allow]
    if not any(real == r or r in real.parents for r in roots):
        return FetchResult("failed", fetched_at=now,
                           error=_one_line(f"{rel}: outside the sources file's folder {roots[0]}; local sources "
                                           "must stay under it (or name their folder with --allow-path)"))
    uri = real.as_uri() if p.exists() else None
    try:
        data = read_file(p, max_bytes, "source")
    except InputError as err:
        msg = str(err)
        if "no such file" in msg:
            return FetchResult("failed", fetched_at=now, error=f"{rel}: not found (looked for {p})")
        return FetchResult("failed", url=uri, fetched_at=now, error=_one_line(msg.replace(str(p), rel, 1)))
    ctype, _ = mimetypes.guess_type(p.name)
    if p.suffix.lower() in (".md", ".markdown"):
        ctype = "text/markdown"
    return FetchResult("ok", content=data, url=uri, content_type=ctype, fetched_at=now)


# ---------------------------------------------------------------------------
# HTTP

class _Transient(Exception):
    """A failure worth one retry; ``message`` is the one-line error if it persists."""

    def __init__(self, message: str, http_status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.retry_after = retry_after


class _Permanent(Exception):
    def __init__(self, message: str, http_status: int | None = None):
        super().__init__(message)
        self.message = message
        self.http_status = http_status


def _fetch_url(url: str, etag: str | None, last_modified: str | None, timeout: float, max_bytes: int,
               retries: int) -> FetchResult:
    import httpx

    headers = {"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml,application/pdf,"
               "text/plain;q=0.9,*/*;q=0.8", "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    attempts = 0
    last: _Transient | None = None
    with httpx.Client(follow_redirects=True, timeout=httpx.Timeout(timeout), headers=headers,
                      max_redirects=10) as client:
        for attempt in range(retries + 1):
            attempts += 1
            try:
                result = _with_deadline(client, url, deadline_for(timeout),
                                        lambda: _request(client, url, timeout, max_bytes, etag, last_modified))
                return _with(result, attempts=attempts)
            except _Transient as err:
                last = err
                if attempt < retries:
                    wait = RETRY_BACKOFF if err.retry_after is None else min(max(err.retry_after, RETRY_BACKOFF),
                                                                               MAX_RETRY_AFTER)
                    time.sleep(wait)
            except _Permanent as err:
                return FetchResult("failed", url=url, http_status=err.http_status, fetched_at=_now(),
                                   error=err.message, attempts=attempts)
    assert last is not None
    suffix = f" (after {attempts} attempts)" if attempts > 1 else ""
    return FetchResult("failed", url=url, http_status=last.http_status, fetched_at=_now(),
                       error=last.message + suffix, attempts=attempts)


def _with(result: FetchResult, **changes: Any) -> FetchResult:
    from dataclasses import replace

    return replace(result, **changes)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def deadline_for(timeout: float) -> float:
    """Seconds one request may take in all: max(MIN_DEADLINE, 6 x timeout)."""
    return max(MIN_DEADLINE, timeout * 6)


def _with_deadline(client: httpx.Client, url: str, seconds: float, request: Callable[[], FetchResult]) -> FetchResult:
    """Run ``request()`` with a wall-clock limit. httpx's timeouts bound each connect and each
    read, so a server that sends its headers (or body) one byte at a time would hold the run
    for ever: here the request runs in a thread, and when the limit passes the connection is
    closed and the thread left behind (a daemon: it cannot keep the process alive)."""
    import threading

    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = request()
        except BaseException as err:  # handed to the caller below
            box["error"] = err

    t = threading.Thread(target=run, name="terms-scan-fetch", daemon=True)
    t.start()
    t.join(seconds)
    if t.is_alive():
        with contextlib.suppress(Exception):
            client.close()
        raise _Permanent(f"timed out: no complete response within {seconds:g} s ({url})")
    if "error" in box:
        raise box["error"]
    result: FetchResult = box["result"]
    return result


def _request(client: httpx.Client, url: str, timeout: float, max_bytes: int, etag: str | None,
             last_modified: str | None) -> FetchResult:
    import httpx

    # httpx's timeouts bound each connect/read; the deadline bounds a server that trickles bytes
    deadline = time.monotonic() + deadline_for(timeout)
    try:
        with client.stream("GET", url) as r:
            return _read_response(r, timeout, deadline, max_bytes, etag, last_modified)
    except (_Transient, _Permanent):
        raise
    except httpx.TimeoutException as err:
        what = {"ConnectTimeout": "connecting", "ReadTimeout": "waiting for data", "WriteTimeout": "sending",
                "PoolTimeout": "waiting for a connection"}.get(type(err).__name__, "")
        raise _Transient(f"timed out after {timeout:g} s" + (f" {what}" if what else "") + f" ({url})") from None
    except httpx.TooManyRedirects:
        raise _Permanent(f"too many redirects from {url}") from None
    except httpx.UnsupportedProtocol as err:
        raise _Permanent(_one_line(f"unsupported URL {url}: {err}")) from None
    except (httpx.ConnectError, httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError,
            httpx.CloseError) as err:
        reason = _one_line(str(err) or type(err).__name__, 160)
        raise _Transient(f"connection failed ({reason}) for {url}") from None
    except httpx.DecodingError as err:
        raise _Permanent(_one_line(f"cannot decode the response from {url} ({err})")) from None
    except httpx.HTTPError as err:
        raise _Permanent(_one_line(f"{type(err).__name__}: {err} ({url})")) from None
    except httpx.InvalidURL as err:
        raise _Permanent(_one_line(f"invalid URL {url}: {err}")) from None


def _read_response(r: httpx.Response, timeout: float, deadline: float, max_bytes: int, etag: str | None,
                   last_modified: str | None) -> FetchResult:
    """The result of one response: not modified, or its body (at most ``max_bytes``, read by
    ``deadline``); an error status is _Transient (worth retrying) or _Permanent."""
    final = str(r.url)
    status = r.status_code
    if status == 304:
        return FetchResult("not_modified", url=final, http_status=304,
                           content_type=r.headers.get("content-type"),
                           etag=r.headers.get("etag") or etag,
                           last_modified=r.headers.get("last-modified") or last_modified,
                           fetched_at=_now())
    if status in TRANSIENT_STATUS or 500 <= status < 600:
        raise _Transient(f"HTTP {status} {r.reason_phrase or ''}".rstrip() + f" from {final}", status,
                         _retry_after(r.headers.get("retry-after")))
    if status >= 400:
        raise _Permanent(f"HTTP {status} {r.reason_phrase or ''}".rstrip() + f" from {final}", status)
    if not 200 <= status < 300:
        raise _Permanent(f"HTTP {status} {r.reason_phrase or ''}".rstrip() + f" from {final} "
                         "(expected 200)", status)
    length = r.headers.get("content-length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise _Permanent(f"larger than {_mb(max_bytes)} MB (Content-Length {length} bytes) at {final}",
                         status)
    chunks: list[bytes] = []
    size = 0
    for chunk in r.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise _Permanent(f"larger than {_mb(max_bytes)} MB at {final} (stopped reading)", status)
        if time.monotonic() > deadline:
            raise _Permanent(f"timed out: the download took longer than {deadline_for(timeout):g} s "
                             f"({final})")
        chunks.append(chunk)
    return FetchResult("ok", content=b"".join(chunks), url=final, http_status=status,
                       content_type=r.headers.get("content-type"), etag=r.headers.get("etag"),
                       last_modified=r.headers.get("last-modified"), fetched_at=_now())


# ---------------------------------------------------------------------------
# text extraction

_CONTENT_KINDS = {
    "text/html": "html", "application/xhtml+xml": "html",
    "application/pdf": "pdf", "application/x-pdf": "pdf",
    "text/markdown": "markdown", "text/x-markdown": "markdown",
    "text/plain": "text",
}


def content_kind(source: WatchSource, content: bytes, content_type: str | None) -> str:
    """html, pdf, docx, text or markdown: the source's kind, else the Content-Type, else sniffed.
    PDF and Word magic bytes win over a label; a page labelled text that starts like HTML is HTML."""
    sniffed = sniff_kind(content)
    if sniffed == "pdf":
        return "pdf"
    if content[:2] == b"PK" and (b"word/document.xml" in content[:65536] or (content_type or "").startswith(
            "application/vnd.openxmlformats-officedocument.wordprocessingml")):
        return "docx"  # a Word file (its magic wins over a label, like a PDF's)
    if source.kind:
        return source.kind if source.kind != "pdf" else sniffed
    mime = (content_type or "").split(";")[0].strip().lower()
    kind = _CONTENT_KINDS.get(mime)
    if kind is None:
        name = (source.url or source.path or "").split("?")[0].lower()
        kind = ("markdown" if name.endswith((".md", ".markdown")) else
                "html" if name.endswith((".htm", ".html", ".xhtml")) else
                "text" if name.endswith(".txt") else None)
    if kind is None or kind == "pdf":
        return sniffed
    if kind in ("text", "markdown") and sniffed == "html":
        return "html"
    return kind


def _charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.I)
    return m.group(1) if m else None


_CHARSET_ALIASES = {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252",
                    "ascii": "cp1252", "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030"}


def _decode(content: bytes, content_type: str | None) -> str:
    charset = _charset(content_type)
    if charset:
        # as browsers do (WHATWG Encoding): Latin-1 labels mean windows-1252, GB2312/GBK mean GB18030
        charset = _CHARSET_ALIASES.get(charset.lower().replace("_", "-"), charset)
        try:
            text = content.decode(charset)
        except (LookupError, UnicodeDecodeError):
            text = None
        if text is not None:
            return text.lstrip("\ufeff")
    return decode_text(content)[0]


def _garbled(text: str) -> bool:
    if not text:
        return False
    sample = text[:200_000]
    bad = sum(1 for c in sample if (ord(c) < 32 and c not in "\n\r\t\f") or c == "\ufffd"
              or 0x7F <= ord(c) < 0xA0)
    return bad > max(2, len(sample) // 100)


def _tidy(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def _apply_css(html: str, source: WatchSource) -> str:
    try:
        from selectolax.lexbor import LexborHTMLParser
    except ImportError as err:  # pragma: no cover - a core dependency
        raise InputError("CSS select/remove needs selectolax: pip install selectolax") from err
    tree = LexborHTMLParser(html)
    for sel in source.remove:
        for node in tree.css(sel):
            node.decompose()
    if not source.select:
        return tree.html or ""
    parts: list[str] = []
    seen: set[int] = set()
    for sel in source.select:
        for node in tree.css(sel):
            if node.mem_id in seen or _inside(node, seen):
                continue  # the same part, or a part inside one already kept
            seen.add(node.mem_id)
            parts.append(node.html or "")
    if not parts:
        raise InputError(f"{source.id}: the CSS selector(s) {', '.join(source.select)} matched nothing on "
                         "the page (has its layout changed?)")
    return "<html><body>" + "\n".join(f"<div>{p}</div>" for p in parts) + "</body></html>"


def _inside(node: LexborNode, kept: set[int]) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.mem_id in kept:
            return True
        parent = parent.parent
    return False


def extract_text(source: WatchSource, content: bytes, content_type: str | None) -> str:
    """The text of a fetched document, as scanned and diffed; raises InputError when unreadable."""
    if not content or not content.strip():
        raise InputError(f"{source.id}: the document is empty")
    kind = content_kind(source, content, content_type)
    try:
        if kind in ("pdf", "docx"):
            text = extract_bytes(content, source=source.id, kind=kind).text
        else:
            text = _decode(content, content_type)
            if _garbled(text[:20000]):
                raise InputError("the content looks binary or garbled (not text, HTML or PDF)")
            if kind == "html":
                if source.select or source.remove:
                    text = _apply_css(text, source)
                text = html_to_text(text)
    except InputError as err:
        msg = str(err)
        raise InputError(msg if msg.startswith(source.id + ":") else f"{source.id}: {msg}") from None
    text = _tidy(text)
    if _garbled(text):
        raise InputError(f"{source.id}: the content looks binary or garbled (not text, HTML or PDF)")
    if sum(1 for c in text if c.isalnum()) < 10:
        raise InputError(f"{source.id}: no readable text found in the {kind} document")
    return text


def post_json(url: str, body: str, timeout: float = 20.0) -> None:
    """POST ``body`` (JSON) to a webhook; StateError in one line when it cannot be delivered
    (the digest itself is already written: a failed notification loses nothing)."""
    import httpx

    from ..errors import StateError

    try:
        r = httpx.post(url, content=body.encode("utf-8"), headers={"Content-Type": "application/json",
                       "User-Agent": f"terms-scan/{__version__}"}, timeout=timeout, follow_redirects=False)
    except httpx.HTTPError as err:
        raise StateError(f"could not notify {url}: {type(err).__name__}: {' '.join(str(err).split())[:200]}") from err
    if r.status_code >= 300:
        raise StateError(f"could not notify {url}: HTTP {r.status_code}")
