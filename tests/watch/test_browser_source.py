"""``render: browser`` sources: pages whose agreement text is written by JavaScript (as the
operators' plan pages are) are built in headless Chromium before extraction.

A local server on 127.0.0.1 serves a page shell that has no terms in its HTML: a script fetches
them as JSON and writes them into the page. Without ``render: browser`` the watch finds nothing
to scan; with it the clauses are found, and a change in the JSON alone (same shell, same ETag) is
a change in the terms."""
from __future__ import annotations

import json

import pytest
from _http import QuietHandler, reply, serve, stop, url

from analyzer.errors import UsageError
from analyzer.watch.fetch import fetch
from analyzer.watch.run import run_watch
from analyzer.watch.sources import WatchSource, parse_sources

SHELL = b"""<!doctype html><html><head><meta charset="utf-8"><title>Plan</title></head>
<body><h1>Plan agreement</h1><div id="terms">Loading...</div>
<script>
fetch('/terms.json').then(r => r.json()).then(d => {
  const box = document.getElementById('terms');
  box.textContent = '';
  for (const t of d.clauses) { const p = document.createElement('p'); p.textContent = t; box.appendChild(p); }
});
</script></body></html>"""

CLAUSES_V1 = ["\u672c\u5957\u9910\u5408\u7ea6\u671f\u4e3a12\u4e2a\u6708\uff0c\u5408\u7ea6\u671f\u5185\u4e0d\u5f97\u53d8\u66f4\u5957\u9910\u6216\u643a\u53f7\u8f6c\u7f51\u3002",
              "\u5408\u7ea6\u671f\u5185\u63d0\u524d\u89e3\u7ea6\u7684\uff0c\u7528\u6237\u987b\u652f\u4ed8\u8fdd\u7ea6\u91d1100\u5143\u3002",
              "\u6bcf\u6708\u6700\u4f4e\u6d88\u8d3958\u5143\uff0c\u4e0d\u8db3\u90e8\u5206\u630958\u5143\u6536\u53d6\u3002"]
CLAUSES_V2 = [c.replace("12\u4e2a\u6708", "24\u4e2a\u6708") for c in CLAUSES_V1]


class Site:
    def __init__(self) -> None:
        self.clauses = CLAUSES_V1
        self.requests: list[tuple[str, dict]] = []
        site = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802
                site.requests.append((self.path, dict(self.headers)))
                if self.path == "/plan":
                    if self.headers.get("If-None-Match") == '"shell-1"':
                        self.send_response(304)
                        self.end_headers()
                        return
                    body, ctype = SHELL, "text/html; charset=utf-8"
                elif self.path == "/terms.json":
                    body, ctype = json.dumps({"clauses": site.clauses}).encode("utf-8"), "application/json"
                else:
                    self.send_error(404)
                    return
                reply(self, 200, body, ctype, '"shell-1"' if self.path == "/plan" else None)

        self.server = serve(Handler)

    def url(self, path: str) -> str:
        return url(self.server, path)

    def close(self) -> None:
        stop(self.server)


@pytest.fixture
def site():
    s = Site()
    yield s
    s.close()


def test_render_field_is_validated():
    [src] = parse_sources("- id: a\n  url: https://example.com/x\n  render: browser\n")
    assert src.render == "browser"
    with pytest.raises(UsageError, match=r"field 'render': must be 'browser'"):
        parse_sources("- id: a\n  url: https://example.com/x\n  render: js\n")
    with pytest.raises(UsageError, match=r"field 'render': a browser builds HTML pages only, but kind is 'pdf'"):
        parse_sources("- id: a\n  url: https://example.com/x\n  kind: pdf\n  render: browser\n")


def test_without_a_browser_the_script_written_terms_are_not_seen(site, tmp_path):
    got = fetch(WatchSource("plan", url=site.url("/plan")), tmp_path)
    assert got.ok and "\u5408\u7ea6\u671f" not in got.content.decode("utf-8")


def test_the_browser_builds_the_page_and_the_watch_finds_its_clauses(site, tmp_path, chromium, monkeypatch):
    monkeypatch.setenv("TERMS_SCAN_CHROMIUM", chromium)
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"- id: plan\n  url: {site.url('/plan')}\n  lang: zh\n  render: browser\n", encoding="utf-8")
    db = tmp_path / "h.sqlite"

    first = run_watch(sources, db=db, workers=1)
    [s] = first.sources
    assert s.status == "new", s.error
    cats = {f.category for f in s.added}
    assert {"lock_in", "early_termination_fee", "minimum_spend"} <= cats

    # the same shell (its ETag unchanged) but new terms in the JSON: a change, not a 304
    site.clauses = CLAUSES_V2
    second = run_watch(sources, db=db, workers=1)
    [s2] = second.sources
    assert s2.status == "changed", s2.status
    shell_requests = [h for p, h in site.requests if p == "/plan"]
    assert not any("If-None-Match" in h for h in shell_requests)
    assert "24" in json.dumps([c.to_dict() for c in s2.changed], ensure_ascii=False)


def test_a_missing_page_fails_before_the_browser_and_a_missing_browser_is_one_line(site, tmp_path, monkeypatch):
    gone = fetch(WatchSource("x", url=site.url("/nope"), render="browser"), tmp_path)
    assert gone.status == "failed" and "HTTP 404" in (gone.error or "")
    monkeypatch.setenv("TERMS_SCAN_CHROMIUM", str(tmp_path / "no-such-browser"))
    nobrowser = fetch(WatchSource("x", url=site.url("/plan"), render="browser"), tmp_path)
    assert nobrowser.status == "failed"
    assert nobrowser.error == "render: browser needs Chromium (Debian: apt-get install chromium, or set TERMS_SCAN_CHROMIUM)"


def test_a_local_path_source_is_built_too(tmp_path, chromium, monkeypatch):
    monkeypatch.setenv("TERMS_SCAN_CHROMIUM", chromium)
    page = tmp_path / "plan.html"
    page.write_text("<html><body><div id=t></div><script>document.getElementById('t').textContent = "
                    "'Your plan has a minimum term of 24 months.';</script></body></html>", encoding="utf-8")
    got = fetch(WatchSource("p", path="plan.html", render="browser"), tmp_path)
    assert got.ok, got.error
    assert "minimum term of 24 months" in got.content.decode("utf-8")
    outside = fetch(WatchSource("p", path="../elsewhere.html", render="browser"), tmp_path)
    assert outside.status == "failed" and "outside the sources file's folder" in (outside.error or "")
