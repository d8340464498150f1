"""analyzer.watch.fetch against a local HTTP server on 127.0.0.1 (no network): conditional requests,
one retry for transient failures, timeouts, the size cap, redirects, 404, garbage bytes, and
extract_text with CSS select/remove."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytest.importorskip("httpx")

import contextlib

from analyzer.errors import InputError  # noqa: E402
from analyzer.watch import fetch as fetch_mod  # noqa: E402
from analyzer.watch.fetch import EXTRACTOR_VERSION, FetchResult, extract_text, fetch  # noqa: E402
from analyzer.watch.sources import WatchSource  # noqa: E402

ETAG = '"v1-abc"'
LAST_MODIFIED = "Mon, 05 Jan 2026 10:00:00 GMT"
PAGE = """<!doctype html><html><head><title>Service agreement</title><style>p{color:red}</style></head>
<body><nav>Home | Plans | Support</nav>
<div id="cookie-banner">We use cookies. Accept all?</div>
<main><div class="agreement"><h1>Service agreement</h1>
<p>The minimum term is 24 months. If you cancel early you pay an early termination fee of $200.</p>
<div class="ad">Upgrade to fibre today for $10 off!</div>
<p>The plan renews automatically for 12 months unless you cancel.</p></div>
<aside class="related">Related: our privacy policy</aside></main>
<footer>(c) Example Telecom</footer></body></html>"""


class Handler(BaseHTTPRequestHandler):
    counters: dict[str, int] = {}
    lock = threading.Lock()

    def log_message(self, *args) -> None:  # keep the test output quiet
        pass

    def _count(self) -> int:
        with self.lock:
            n = self.counters.get(self.path, 0) + 1
            self.counters[self.path] = n
            return n

    def _send(self, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8",
              headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        n = self._count()
        server = self.server
        server.requests.append((self.path, dict(self.headers)))
        if self.path == "/page":
            if self.headers.get("If-None-Match") == ETAG or self.headers.get("If-Modified-Since") == LAST_MODIFIED:
                self.send_response(304)
                self.send_header("ETag", ETAG)
                self.end_headers()
                return
            self._send(200, PAGE.encode("utf-8"), headers={"ETag": ETAG, "Last-Modified": LAST_MODIFIED})
        elif self.path == "/flaky":  # 500 once, then fine
            if n == 1:
                self._send(500, b"oops")
            else:
                self._send(200, b"Flaky but fine: the minimum term is 12 months.", "text/plain; charset=utf-8")
        elif self.path == "/busy":  # 429 once (Retry-After 0), then fine
            if n == 1:
                self._send(429, b"slow down", headers={"Retry-After": "0"})
            else:
                self._send(200, b"Busy but fine: the minimum term is 12 months.", "text/plain; charset=utf-8")
        elif self.path == "/broken":
            self._send(500, b"always broken")
        elif self.path == "/slow":
            time.sleep(1.5)
            with contextlib.suppress(OSError):
                self._send(200, b"too late")
        elif self.path == "/big":
            self._send(200, b"x" * 50_000, "text/plain")
        elif self.path == "/big-chunked":  # no Content-Length: the cap applies while streaming
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for _ in range(50):
                    self.wfile.write(b"y" * 1000)
            except OSError:
                pass
            self.close_connection = True
        elif self.path == "/old":
            self._send(301, b"", headers={"Location": "/page"})
        elif self.path == "/garbage":
            self._send(200, bytes(range(256)) * 20, "application/octet-stream")
        elif self.path == "/garbage-html":
            self._send(200, b"\x00\x01\x02\xff\xfe\x80" * 300, "text/html")
        elif self.path == "/pdf":
            self._send(200, self.server.pdf, "application/pdf")
        elif self.path == "/gbk":
            body = "<html><body><p>本协议最低消费为每月39元，合约期24个月。</p></body></html>".encode("gbk")
            self._send(200, body, "text/html; charset=gbk")
        else:
            self._send(404, b"not here")


@pytest.fixture
def server():
    Handler.counters = {}
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.requests = []
    httpd.pdf = b""
    t = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield httpd, base
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(autouse=True)
def fast_retry(monkeypatch):
    monkeypatch.setattr(fetch_mod, "RETRY_BACKOFF", 0.05)


def src(url: str, **kw) -> WatchSource:
    return WatchSource(id="t", url=url, **kw)


def test_ok_then_not_modified_with_etag_and_last_modified(server, tmp_path):
    httpd, base = server
    r = fetch(src(base + "/page"), tmp_path)
    assert r.status == "ok" and r.http_status == 200
    assert r.etag == ETAG and r.last_modified == LAST_MODIFIED
    assert r.content and b"minimum term" in r.content
    assert r.content_type.startswith("text/html")
    assert r.fetched_at.endswith("Z") and "T" in r.fetched_at
    assert r.error is None
    ua = httpd.requests[-1][1].get("User-Agent", "")
    assert "terms-scan" in ua

    again = fetch(src(base + "/page"), tmp_path, etag=r.etag, last_modified=r.last_modified)
    assert again.status == "not_modified" and again.http_status == 304 and again.content is None
    assert again.etag == ETAG and again.last_modified == LAST_MODIFIED
    sent = httpd.requests[-1][1]
    assert sent.get("If-None-Match") == ETAG and sent.get("If-Modified-Since") == LAST_MODIFIED

    only_lm = fetch(src(base + "/page"), tmp_path, last_modified=LAST_MODIFIED)
    assert only_lm.status == "not_modified"
    assert only_lm.last_modified == LAST_MODIFIED


def test_transient_500_succeeds_on_retry(server, tmp_path):
    httpd, base = server
    r = fetch(src(base + "/flaky"), tmp_path)
    assert r.status == "ok", r.error
    assert r.attempts == 2
    assert Handler.counters["/flaky"] == 2


def test_429_is_retried(server, tmp_path):
    _, base = server
    r = fetch(src(base + "/busy"), tmp_path)
    assert r.status == "ok", r.error


def test_retries_zero_fails_at_once(server, tmp_path):
    _, base = server
    r = fetch(src(base + "/flaky"), tmp_path, retries=0)
    assert r.status == "failed" and r.http_status == 500 and "500" in r.error
    assert Handler.counters["/flaky"] == 1


def test_permanent_500_fails_with_status_after_one_retry(server, tmp_path):
    _, base = server
    r = fetch(src(base + "/broken"), tmp_path)
    assert r.status == "failed"
    assert r.http_status == 500
    assert "HTTP 500" in r.error and "2 attempts" in r.error
    assert "\n" not in r.error
    assert r.content is None
    assert Handler.counters["/broken"] == 2  # exactly one retry


def test_timeout_fails_quickly(server, tmp_path):
    _, base = server
    t0 = time.monotonic()
    r = fetch(src(base + "/slow"), tmp_path, timeout=0.3)
    elapsed = time.monotonic() - t0
    assert r.status == "failed"
    assert "timed out" in r.error
    assert "\n" not in r.error
    assert elapsed < 2.5  # two attempts of 0.3 s and a short pause, not the server's 1.5 s each


def test_oversize_body_fails(server, tmp_path):
    _, base = server
    r = fetch(src(base + "/big"), tmp_path, max_bytes=10_000)
    assert r.status == "failed" and "larger than 0.01 MB" in r.error
    r = fetch(src(base + "/big-chunked"), tmp_path, max_bytes=10_000)
    assert r.status == "failed" and "larger than 0.01 MB" in r.error
    ok = fetch(src(base + "/big"), tmp_path, max_bytes=100_000)
    assert ok.status == "ok" and len(ok.content) == 50_000


def test_redirect_is_followed(server, tmp_path):
    _, base = server
    r = fetch(src(base + "/old"), tmp_path)
    assert r.status == "ok" and r.http_status == 200
    assert r.url == base + "/page"
    assert r.etag == ETAG


def test_404_fails_without_retry(server, tmp_path):
    _, base = server
    r = fetch(src(base + "/missing"), tmp_path)
    assert r.status == "failed" and r.http_status == 404
    assert r.error.startswith("HTTP 404")
    assert Handler.counters["/missing"] == 1


def test_connection_refused_fails(tmp_path):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    r = fetch(src(f"http://127.0.0.1:{port}/x"), tmp_path, timeout=2)
    assert r.status == "failed" and "connection failed" in r.error and r.attempts == 2


def test_garbage_bytes_fetch_ok_but_extract_raises(server, tmp_path):
    _, base = server
    for path in ("/garbage", "/garbage-html"):
        r = fetch(src(base + path), tmp_path)
        assert r.status == "ok"
        with pytest.raises(InputError):
            extract_text(src(base + path), r.content, r.content_type)


def test_extract_html_visible_text(server, tmp_path):
    _, base = server
    r = fetch(src(base + "/page"), tmp_path)
    text = extract_text(src(base + "/page"), r.content, r.content_type)
    assert "minimum term is 24 months" in text
    assert "p{color" not in text and "Home | Plans" not in text and "(c) Example Telecom" not in text


def test_extract_select_and_remove(server, tmp_path):
    _, base = server
    r = fetch(src(base + "/page"), tmp_path)
    s = src(base + "/page", select=("div.agreement",), remove=(".ad", "#cookie-banner"))
    text = extract_text(s, r.content, r.content_type)
    assert "minimum term is 24 months" in text and "renews automatically" in text
    assert "Upgrade to fibre" not in text
    assert "cookies" not in text
    assert "Related: our privacy policy" not in text  # outside the selected part
    # without remove, the ad stays in the selected part
    text2 = extract_text(src(base + "/page", select=("div.agreement",)), r.content, r.content_type)
    assert "Upgrade to fibre" in text2 and "cookies" not in text2
    # remove only: the cookie banner goes, the rest stays
    text3 = extract_text(src(base + "/page", remove=("#cookie-banner",)), r.content, r.content_type)
    assert "cookies" not in text3 and "Upgrade to fibre" in text3 and "renews automatically" in text3
    assert "cookies" in extract_text(src(base + "/page"), r.content, r.content_type)
    # a part selected twice (nested selectors) appears once
    text4 = extract_text(src(base + "/page", select=("main", "div.agreement")), r.content, r.content_type)
    assert text4.count("minimum term is 24 months") == 1
    with pytest.raises(InputError, match="matched nothing"):
        extract_text(src(base + "/page", select=("#no-such-part",)), r.content, r.content_type)


def test_extract_charset_from_content_type(server, tmp_path):
    _, base = server
    r = fetch(src(base + "/gbk"), tmp_path)
    text = extract_text(src(base + "/gbk"), r.content, r.content_type)
    assert "最低消费为每月39元" in text


def test_extract_pdf(server, tmp_path, pdf_maker):
    httpd, base = server
    pdf_path = pdf_maker(["The minimum term is 24 months and an early termination fee applies."])
    httpd.pdf = Path(pdf_path).read_bytes()
    r = fetch(src(base + "/pdf"), tmp_path)
    assert r.status == "ok"
    text = extract_text(src(base + "/pdf"), r.content, r.content_type)
    assert "minimum term is 24 months" in " ".join(text.split())


def test_path_source_read_from_base_dir(tmp_path):
    (tmp_path / "copies").mkdir()
    (tmp_path / "copies" / "terms.md").write_text("# Terms\n\nThe minimum term is **24 months**.\n",
                                                  encoding="utf-8")
    s = WatchSource(id="local", path="copies/terms.md")
    r = fetch(s, tmp_path)
    assert r.status == "ok" and r.content.startswith(b"# Terms")
    assert r.content_type == "text/markdown"
    assert r.http_status is None and r.url.startswith("file://")
    assert "minimum term is **24 months**" in extract_text(s, r.content, r.content_type)


def test_path_source_html_with_select(tmp_path):
    (tmp_path / "page.html").write_text(PAGE, encoding="utf-8")
    s = WatchSource(id="local", path="page.html", select=("div.agreement",), remove=(".ad",))
    r = fetch(s, tmp_path)
    text = extract_text(s, r.content, r.content_type)
    assert "minimum term is 24 months" in text and "Upgrade to fibre" not in text


def test_path_source_not_found_and_too_large(tmp_path):
    r = fetch(WatchSource(id="x", path="nope.html"), tmp_path)
    assert r.status == "failed" and "not found" in r.error and "nope.html" in r.error
    (tmp_path / "big.txt").write_bytes(b"a" * 5000)
    r = fetch(WatchSource(id="x", path="big.txt"), tmp_path, max_bytes=1000)
    assert r.status == "failed" and "too large (limit 1000 bytes)" in r.error
    r = fetch(WatchSource(id="x", path="."), tmp_path)
    assert r.status == "failed" and "directory" in r.error


def test_extract_empty_and_tiny_raise(tmp_path):
    s = WatchSource(id="x", path="a.txt")
    with pytest.raises(InputError, match="empty"):
        extract_text(s, b"   ", "text/plain")
    with pytest.raises(InputError):
        extract_text(s, b"<html><body><script>x()</script></body></html>", "text/html")


def test_kind_from_source_overrides_content_type(tmp_path):
    html = b"<p>The minimum term is 24 months.</p>"
    as_text = extract_text(WatchSource(id="x", url="http://e.x/a", kind="text"), b"Plain: <b>bold</b> stays "
                           b"as written, the minimum term is 24 months.", "text/html")
    assert "<b>bold</b>" in as_text
    as_html = extract_text(WatchSource(id="x", url="http://e.x/a"), html, "application/octet-stream")
    assert as_html == "The minimum term is 24 months."


def test_results_are_picklable():
    import pickle

    r = FetchResult("ok", content=b"x", url="http://e.x", fetched_at="2026-01-01T00:00:00Z")
    assert pickle.loads(pickle.dumps(r)) == r
    s = WatchSource(id="x", url="http://e.x", select=("main",))
    assert pickle.loads(pickle.dumps(s)) == s
    assert EXTRACTOR_VERSION


def test_latin1_label_decodes_as_windows_1252():
    body = b"<p>\x93Smart quotes\x94, \xe9t\xe9: the minimum term is 24 months.</p>"
    text = extract_text(WatchSource(id="x", url="http://e.x/a"), body, "text/html; charset=ISO-8859-1")
    assert text == "“Smart quotes”, été: the minimum term is 24 months."


def test_slow_headers_are_cut_by_the_wall_clock_deadline(tmp_path, monkeypatch):
    """A server sending its headers one byte at a time never trips a per-read timeout:
    '--timeout 5' was held for 806 s (issue 9). The whole request now has a deadline."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    stop = threading.Event()

    def trickle() -> None:
        while not stop.is_set():
            try:
                listener.settimeout(0.5)
                conn, _ = listener.accept()
            except OSError:
                continue
            try:
                conn.recv(4096)
                for b in b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Slow: " + b"a" * 10_000:
                    if stop.is_set():
                        break
                    conn.sendall(bytes([b]))
                    time.sleep(0.1)
            except OSError:
                pass
            finally:
                conn.close()

    t = threading.Thread(target=trickle, daemon=True)
    t.start()
    monkeypatch.setattr(fetch_mod, "MIN_DEADLINE", 1.5)
    try:
        start = time.monotonic()
        r = fetch(WatchSource(id="slow", url=f"http://127.0.0.1:{port}/terms"), tmp_path, timeout=0.25, retries=1)
        took = time.monotonic() - start
    finally:
        stop.set()
        listener.close()
    assert r.status == "failed" and "no complete response within 1.5 s" in r.error
    assert took < 10  # one deadline, not retried, not the 806 s of a per-read timeout
