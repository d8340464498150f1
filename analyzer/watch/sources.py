"""The list of watched documents (``sources.yaml``), validated with one-line errors.

    - id: unicom-guangzhou              # [a-z0-9][a-z0-9._-]*, unique
      url: https://example.com/agreement.html   # or  path: local/copy.html (relative to this file)
      lang: zh                          # optional: zh | en
      kind: html                        # optional: html | pdf | docx | text | markdown (sniffed otherwise)
      select: "div.agreement"           # optional CSS selector(s): keep only these parts of the page
      remove: [".ad", "#cookie-banner"] # optional CSS selector(s): drop these parts first
      name: China Unicom service agreement   # optional human title (digest, feed)
      render: browser                   # optional: build the page in headless Chromium first (pages
                                        # whose agreement text is written by JavaScript)

The file is a list of entries, or a mapping with one key ``sources`` holding that list.
Every error names the file, the entry (1-based index and id) and the field.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import UsageError

ID_RE = re.compile(r"[a-z0-9][a-z0-9._-]*")
LANGS = ("zh", "en")
KINDS = ("html", "pdf", "docx", "text", "markdown")
RENDERS = ("browser",)
FIELDS = ("id", "url", "path", "lang", "kind", "select", "remove", "name", "render")
MAX_ID = 100


@dataclass(frozen=True)
class WatchSource:
    id: str                        # [a-z0-9][a-z0-9._-]*, unique
    url: str | None = None         # http(s) URL, or
    path: str | None = None        # a local file (relative to the sources file's folder)
    lang: str | None = None        # zh | en
    kind: str | None = None        # html | pdf | text | markdown (sniffed when None)
    select: tuple[str, ...] = ()   # CSS selectors: keep only these parts of an HTML page
    remove: tuple[str, ...] = ()   # CSS selectors: drop these parts first
    name: str | None = None        # optional human title
    render: str | None = None      # "browser": the DOM after the page's scripts ran (headless Chromium)

    @property
    def location(self) -> str:
        """The URL or the path, for messages."""
        return self.url or self.path or ""


def load_sources(path: Path) -> list[WatchSource]:
    """Read and validate a sources file; raises UsageError with a one-line message."""
    path = Path(path)
    label = str(path)
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UsageError(f"{label}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{label}: is a directory; give the sources YAML file") from None
    except UnicodeDecodeError:
        raise UsageError(f"{label}: not UTF-8 text; save the sources file as UTF-8") from None
    except OSError as err:
        raise UsageError(f"{label}: cannot read ({err.strerror or err})") from None
    return parse_sources(raw, label)


def parse_sources(text: str, label: str = "sources.yaml") -> list[WatchSource]:
    """Validate the YAML text of a sources file (``label`` names it in errors)."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or type(err).__name__
        raise UsageError(f"{label}: not valid YAML{where}: {problem}") from None
    if isinstance(data, dict):
        extra = sorted(str(k) for k in data if k != "sources")
        if extra:
            raise UsageError(f"{label}: unknown top-level key {extra[0]!r} (expected 'sources: [...]' "
                             "or a list of entries)")
        data = data.get("sources")
    if data is None:
        raise UsageError(f"{label}: no sources listed (expected a list of entries with id and url or path)")
    if not isinstance(data, list):
        raise UsageError(f"{label}: expected a list of entries, found {_type(data)}")
    if not data:
        raise UsageError(f"{label}: no sources listed (expected a list of entries with id and url or path)")
    out: list[WatchSource] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(data, start=1):
        src = _entry(entry, i, label)
        if src.id in seen:
            raise UsageError(f"{label}: entry {i} (id {src.id!r}): field 'id': duplicate of entry {seen[src.id]}")
        seen[src.id] = i
        out.append(src)
    return out


def _type(x: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "a number",
            float: "a number", type(None): "nothing"}.get(type(x), type(x).__name__)


def _entry(entry: Any, i: int, label: str) -> WatchSource:
    if not isinstance(entry, dict):
        raise UsageError(f"{label}: entry {i}: expected a mapping with id and url or path, found {_type(entry)}")
    ident = entry.get("id")
    where = f"{label}: entry {i}" + (f" (id {ident!r})" if isinstance(ident, str) and ident else "")

    def fail(field: str, msg: str) -> UsageError:
        return UsageError(f"{where}: field {field!r}: {msg}")

    for key in entry:
        if key not in FIELDS:
            hint = difflib.get_close_matches(str(key), FIELDS, n=1)
            tip = f"; did you mean {hint[0]!r}?" if hint else f" (expected one of {', '.join(FIELDS)})"
            raise fail(str(key), f"unknown field{tip}")
    ident = _check_id(ident, fail)
    url, path = _location(entry, fail)
    lang = entry.get("lang")
    if lang is not None and lang not in LANGS:
        raise fail("lang", f"must be one of {', '.join(LANGS)}, found {lang!r}")
    kind = entry.get("kind")
    if kind is not None and kind not in KINDS:
        raise fail("kind", f"must be one of {', '.join(KINDS)}, found {kind!r}")
    name = entry.get("name")
    if name is not None and not isinstance(name, str):
        raise fail("name", f"must be a string, found {_type(name)}")
    render = entry.get("render")
    if render is not None and render not in RENDERS:
        raise fail("render", f"must be 'browser' (build the page in headless Chromium) or absent, found {render!r}")
    if render is not None and kind is not None and kind != "html":
        raise fail("render", f"a browser builds HTML pages only, but kind is {kind!r}")
    select = _selectors(entry.get("select"), fail, "select")
    remove = _selectors(entry.get("remove"), fail, "remove")
    if (select or remove) and kind in ("pdf", "text", "markdown"):
        field = "select" if select else "remove"
        raise fail(field, f"CSS selectors apply to HTML pages only, but kind is {kind!r}")
    return WatchSource(id=ident, url=url, path=path, lang=lang, kind=kind, select=select, remove=remove,
                       name=name, render=render)


def _check_id(ident: Any, fail: Callable[[str, str], UsageError]) -> str:
    """The entry's id: a string of lower-case letters, digits, '.', '_' and '-'."""
    if ident is None:
        raise fail("id", "missing (every entry needs an id such as 'unicom-guangzhou')")
    if not isinstance(ident, str):
        raise fail("id", f"must be a string, found {_type(ident)}")
    if not ID_RE.fullmatch(ident) or len(ident) > MAX_ID:
        raise fail("id", "use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit "
                         f"(at most {MAX_ID} characters)")
    return ident


def _location(entry: dict[str, Any], fail: Callable[[str, str], UsageError]) -> tuple[str | None, str | None]:
    """The entry's url (http or https) or path (a local file): exactly one of them, stripped."""
    url, path = entry.get("url"), entry.get("path")
    if url is None and path is None:
        raise fail("url", "missing: give url (http or https) or path (a local file)")
    if url is not None and path is not None:
        raise fail("url", "give url or path, not both")
    if url is not None:
        if not isinstance(url, str):
            raise fail("url", f"must be a string, found {_type(url)}")
        url = url.strip()
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018  (a port out of range or not a number raises here)
        except ValueError as err:
            raise fail("url", f"is not a valid URL ({err}): {url!r}") from None
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            raise fail("url", f"must be an http:// or https:// URL, found {url!r}")
    if path is not None:
        if not isinstance(path, str) or not path.strip():
            raise fail("path", f"must be a non-empty string, found {_type(path)}")
        path = path.strip()
    return url, path


def _selectors(value: Any, fail: Callable[[str, str], UsageError], field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise fail(field, f"must be a CSS selector string or a list of them, found {_type(value)}")
    out: list[str] = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise fail(field, f"must be a CSS selector string or a list of them, found {_type(item)} in the list")
        if not _valid_css(item.strip()):
            raise fail(field, f"not a valid CSS selector: {item.strip()!r}")
        out.append(item.strip())
    return tuple(out)


def _valid_css(selector: str) -> bool:
    try:
        from selectolax.lexbor import LexborHTMLParser
    except ImportError:  # pragma: no cover - a core dependency; fetch reports it when used
        return True
    try:
        LexborHTMLParser("<html><body></body></html>").css(selector)
    except Exception:
        return False
    return True
