"""sources.yaml: loading and one-line validation errors naming the file, the entry and the field."""
from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.errors import UsageError
from analyzer.watch.sources import WatchSource, load_sources

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "sources.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(UsageError) as info:
        load_sources(write(tmp_path, text))
    msg = str(info.value)
    assert "\n" not in msg
    assert "sources.yaml" in msg
    return msg


def test_shipped_sources_file_loads():
    sources = load_sources(ROOT / "corpora" / "sources.yaml")
    assert len(sources) >= 10
    ids = [s.id for s in sources]
    assert len(set(ids)) == len(ids)
    assert all(isinstance(s, WatchSource) for s in sources)
    urls = [s.url for s in sources if s.url]
    assert all(u.startswith(("http://", "https://")) for u in urls)
    # Chinese operators and English carriers/subscriptions are both listed
    assert any(s.lang == "zh" and s.url for s in sources)
    assert {"verizon-website-terms", "xfinity-residential-agreement", "windstream-terms", "sonic-policies",
            "netflix-tos", "amazon-prime-terms", "google-one-tos"} <= set(ids)
    assert any(s.select for s in sources) and any(s.remove for s in sources)
    # the local entry points at a file that exists next to the sources file
    for s in sources:
        if s.path:
            assert (ROOT / "corpora" / s.path).is_file(), s.path


def test_full_entry_and_list_form(tmp_path):
    p = write(tmp_path, """
- id: unicom-guangzhou
  url: https://example.com/agreement.html
  lang: zh
  kind: html
  select: div.agreement
  remove: [".ad", "#cookie-banner"]
  name: 联通广州 入网协议
- id: local.copy_2
  path: copies/terms.pdf
""")
    a, b = load_sources(p)
    assert a == WatchSource(id="unicom-guangzhou", url="https://example.com/agreement.html", lang="zh", kind="html",
                            select=("div.agreement",), remove=(".ad", "#cookie-banner"), name="联通广州 入网协议")
    assert b.path == "copies/terms.pdf" and b.url is None and b.select == () and b.kind is None


def test_mapping_form(tmp_path):
    p = write(tmp_path, "sources:\n  - id: a\n    url: http://example.com/a\n")
    assert [s.id for s in load_sources(p)] == ["a"]


@pytest.mark.parametrize("text, needles", [
    ("- id: a\n  url: https://e.com/a\n  slect: main\n", ["entry 1 (id 'a')", "field 'slect'", "unknown",
                                                        "did you mean 'select'"]),
    ("- id: a\n  url: https://e.com/a\n  colour: red\n", ["field 'colour'", "unknown", "expected one of"]),
    ("- url: https://e.com/a\n", ["entry 1", "field 'id'", "missing"]),
    ("- id: a\n  url: https://e.com/a\n- id: b\n  url: https://e.com/b\n- id: a\n  path: x.html\n",
     ["entry 3 (id 'a')", "field 'id'", "duplicate of entry 1"]),
    ("- id: Unicom GZ\n  url: https://e.com/a\n", ["entry 1 (id 'Unicom GZ')", "field 'id'", "lower-case"]),
    ("- id: -bad\n  url: https://e.com/a\n", ["field 'id'"]),
    ("- id: 42\n  url: https://e.com/a\n", ["field 'id'", "must be a string"]),
    ("- id: a\n", ["entry 1 (id 'a')", "field 'url'", "url", "path"]),
    ("- id: a\n  url: https://e.com/a\n  path: a.html\n", ["field 'url'", "not both"]),
    ("- id: a\n  url: ftp://e.com/a\n", ["field 'url'", "http"]),
    ("- id: a\n  url: e.com/a\n", ["field 'url'", "http"]),
    ("- id: a\n  url: [1, 2]\n", ["field 'url'", "string"]),
    ("- id: a\n  path: ''\n", ["field 'path'"]),
    ("- id: a\n  url: https://e.com/a\n  lang: fr\n", ["field 'lang'", "zh, en", "'fr'"]),
    ("- id: a\n  url: https://e.com/a\n  kind: doc\n", ["field 'kind'", "html", "'doc'"]),
    ("- id: a\n  url: https://e.com/a\n  select: 3\n", ["field 'select'", "CSS selector"]),
    ("- id: a\n  url: https://e.com/a\n  remove: {a: b}\n", ["field 'remove'", "CSS selector"]),
    ("- id: a\n  url: https://e.com/a\n  select: [main, 3]\n", ["field 'select'", "in the list"]),
    ("- id: a\n  url: https://e.com/a\n  select: 'div[[['\n", ["field 'select'", "not a valid CSS selector"]),
    ("- id: a\n  path: a.pdf\n  kind: pdf\n  select: main\n", ["field 'select'", "HTML pages only"]),
    ("- id: ok\n  url: https://e.com/a\n- just a string\n", ["entry 2", "mapping"]),
])
def test_validation_errors(tmp_path, text, needles):
    msg = error_of(tmp_path, text)
    for needle in needles:
        assert needle in msg, (needle, msg)


@pytest.mark.parametrize("text, needle", [
    ("", "no sources"),
    ("[]", "no sources"),
    ("sources: []", "no sources"),
    ("just text", "expected a list"),
    ("sources:\n  - id: a\n    url: https://e.com\nextra: 1\n", "unknown top-level key 'extra'"),
    ("- id: a\n  url: [unclosed\n", "not valid YAML at line"),
])
def test_file_level_errors(tmp_path, text, needle):
    assert needle in error_of(tmp_path, text)


def test_missing_file(tmp_path):
    with pytest.raises(UsageError, match="no such file"):
        load_sources(tmp_path / "sources.yaml")


def test_error_names_the_file_path(tmp_path):
    p = tmp_path / "weekly.yaml"
    p.write_text("- id: a\n  url: gopher://x\n", encoding="utf-8")
    with pytest.raises(UsageError) as info:
        load_sources(p)
    assert str(info.value).startswith(f"{p}: entry 1 (id 'a'): field 'url': ")
