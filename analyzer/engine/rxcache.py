"""A disk cache of the pattern library's compiled regexes, so that a cold scan does not parse them.

The ``regex`` module compiles a pattern in two steps: Python code parses and optimises it into
opcodes (most of the cost: about a second for the library's ~300 regexes, the largest part of a
cold ``terms-scan FILE``), then its C core builds the matcher from them in microseconds; a
compiled pattern's ``_pickled_data`` is that input of the C core (what ``regex``'s own pickling
stores). This module keeps it, keyed by the regex source, its flags and
the ``regex`` version, in one file of the user cache directory (``marshal`` data behind a
magic string and a SHA-256 of the payload: nothing in it is executed, and a torn or foreign file
is ignored); a regex found there is built by the C core directly. Anything unexpected (another
``regex`` release, an unreadable or damaged file, a build that fails) falls back to the normal
compile, so the cache can only make a scan faster, never different. New entries are written
when the process exits (atomically: the old file or the new one, never half).

``TERMS_SCAN_NO_CACHE=1`` (every cache) or ``TERMS_SCAN_NO_REGEX_CACHE=1`` (this one) turns it
off; ``TERMS_SCAN_CACHE_DIR`` moves it.
"""
from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import marshal
import os
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import regex
from regex import _regex as _regex_core

_MAGIC = b"terms-scan regex cache 1\n"
_MAX_ENTRIES = 4000   # several pattern libraries (versions) side by side; the oldest go first
_lock = threading.Lock()


def _cache_dir() -> Path | None:
    if os.environ.get("TERMS_SCAN_NO_CACHE") or os.environ.get("TERMS_SCAN_NO_REGEX_CACHE"):
        return None
    base = os.environ.get("TERMS_SCAN_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "terms-scan"


def cache_path() -> Path | None:
    """``<cache dir>/terms-scan/regex2-<regex version>-py<major.minor>.bin`` (None: caching is off).
    Each entry is itself marshal bytes: a start reads the whole file (thousands of regexes) but
    decodes only the entries it builds."""
    d = _cache_dir()
    return None if d is None else d / f"regex2-{regex.__version__}-py{sys.version_info[0]}.{sys.version_info[1]}.bin"


def yaml_path() -> Path | None:
    """``<cache dir>/terms-scan/yaml-<PyYAML version>-py<major.minor>.bin`` (None: caching is off)."""
    d = _cache_dir()
    return None if d is None else d / f"yaml-{_yaml_version()}-py{sys.version_info[0]}.{sys.version_info[1]}.bin"


@functools.lru_cache(maxsize=1)
def _yaml_version() -> str:
    """PyYAML's version, read from its ``__init__.py`` without importing it (the import is ~10 ms
    of a start whose YAML all comes from this cache)."""
    import importlib.util

    loaded = sys.modules.get("yaml")
    if loaded is not None:
        return str(loaded.__version__)
    with contextlib.suppress(Exception):
        spec = importlib.util.find_spec("yaml")
        if spec is not None and spec.origin:
            head = Path(spec.origin).read_text(encoding="utf-8", errors="replace")
            m = regex.search(r"""^__version__\s*=\s*['"]([^'"]+)['"]""", head, regex.M)
            if m:
                return m.group(1)
    import yaml

    return str(yaml.__version__)


class Store:
    """A dict of marshal data in one file (magic, SHA-256 of the payload, payload), read once,
    merged with the file and written atomically when the process exits."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._entries: dict[str, Any] | None = None
        self._new: dict[str, Any] = {}
        self._registered = False

    def _load(self) -> dict[str, Any]:
        if self._entries is None:
            self._entries = {}
            if self.path is not None:
                with contextlib.suppress(Exception):  # missing, unreadable, torn or foreign: start empty
                    data = self.path.read_bytes()
                    if data.startswith(_MAGIC):
                        digest, payload = data[len(_MAGIC):len(_MAGIC) + 32], data[len(_MAGIC) + 32:]
                        if hashlib.sha256(payload).digest() == digest:
                            loaded = marshal.loads(payload)
                            if isinstance(loaded, dict):
                                self._entries = loaded
        return self._entries

    def get(self, key: str) -> Any:
        if self.path is None:
            return None
        with _lock:
            got = self._new.get(key)
            return got if got is not None else self._load().get(key)

    def put(self, key: str, value: Any) -> None:
        if self.path is None:
            return
        with _lock:
            self._new[key] = value
            if not self._registered:
                atexit.register(self.save)
                self._registered = True

    def pending(self) -> dict[str, Any]:
        """This process's entries not yet written (a forked child hands them to its parent)."""
        with _lock:
            return dict(self._new)

    def save(self) -> None:
        """Add this process's new entries to the file (merged with what is there now)."""
        if self.path is None or not self._new:
            return
        with _lock:
            self._entries = None          # re-read: another process may have saved meanwhile
            entries = dict(self._load())
            entries.update(self._new)
            if len(entries) > _MAX_ENTRIES:
                for old in list(entries)[: len(entries) - _MAX_ENTRIES]:
                    del entries[old]
            payload = marshal.dumps(entries)
            with contextlib.suppress(OSError):
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".cache-")
                try:
                    with os.fdopen(fd, "wb") as fh:
                        fh.write(_MAGIC + hashlib.sha256(payload).digest() + payload)
                    os.replace(tmp, self.path)
                except OSError:
                    with contextlib.suppress(OSError):
                        os.unlink(tmp)
                    raise
            self._entries = entries
            self._new = {}


class RegexCache(Store):
    @staticmethod
    def key(source: str, flags: int) -> str:
        return hashlib.sha256(f"{regex.__version__}\0{flags}\0{source}".encode()).hexdigest()[:40]

    def compile(self, source: str, flags: int = 0) -> regex.Pattern[str]:
        """``regex.compile(source, flags)``, from the cache when it holds this regex."""
        if self.path is None:
            return regex.compile(source, flags)
        k = self.key(source, flags)
        entry = self.get(k)
        if isinstance(entry, bytes):
            try:
                built: regex.Pattern[str] = _regex_core.compile(*marshal.loads(entry))  # type: ignore[attr-defined]  # the C core (no stubs)
                return built
            except Exception:  # a damaged entry: compile as usual below
                pass
        rx = regex.compile(source, flags)
        args = getattr(rx, "_pickled_data", None)  # what regex's own pickling hands the C core
        if isinstance(args, tuple) and args and args[0] == source:
            try:
                data = marshal.dumps(args)
            except ValueError:
                pass  # not plain data: never cached
            else:
                self.put(k, data)
        return rx


# the settings a cache's path depends on (a test may change them between scans)
_ENV = ("TERMS_SCAN_NO_CACHE", "TERMS_SCAN_NO_REGEX_CACHE", "TERMS_SCAN_CACHE_DIR", "XDG_CACHE_HOME", "HOME")
_stores: dict[str, tuple[tuple[str | None, ...], Any]] = {}
_S = TypeVar("_S", bound="Store")


def _current(name: str, make: Callable[[], _S]) -> _S:
    """The store ``name`` for the current settings: made again only when they change (a path is
    asked for every regex and every YAML file, and working it out costs more than the lookup)."""
    env = tuple(os.environ.get(k) for k in _ENV)
    held = _stores.get(name)
    if held is None or held[0] != env:
        held = _stores[name] = (env, make())
    store: _S = held[1]
    return store


def default_cache() -> RegexCache:
    """The compiled-regex cache of the current settings."""
    return _current("regex", lambda: RegexCache(cache_path()))


def cached_compile(source: str, flags: int = 0) -> regex.Pattern[str]:
    """``regex.compile`` through the default cache (module-level regexes of the engine)."""
    return default_cache().compile(source, flags)


def yaml_store() -> Store:
    """Parsed YAML files (the pattern library, the catalogs), keyed by the SHA-256 of their
    bytes, as marshal bytes."""
    return _current("yaml", lambda: Store(yaml_path()))


def load_yaml(raw: bytes | str) -> Any:
    """YAML data (``yaml.safe_load``), parsed by libyaml when PyYAML has it and kept in the
    user cache (as marshal data, keyed by the SHA-256 of the text): a cold start reads ~400
    pattern files and the message catalogs, and PyYAML's pure-Python parser takes ~0.1 s for
    the catalogs alone. Data marshal cannot keep (dates…) is parsed every time. Raises
    ``yaml.YAMLError`` and ``UnicodeDecodeError`` as ``yaml.safe_load`` would."""
    data_bytes = raw.encode("utf-8") if isinstance(raw, str) else raw
    store = yaml_store()
    key = hashlib.sha256(data_bytes).hexdigest()[:40]
    cached = store.get(key)
    if isinstance(cached, bytes):
        with contextlib.suppress(Exception):
            return marshal.loads(cached)
    import yaml  # only on a miss: a start served by the cache never imports PyYAML

    text = raw if isinstance(raw, str) else raw.decode("utf-8")
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    with contextlib.suppress(ValueError):  # not plain data: parsed every time
        store.put(key, marshal.dumps(data))
    return data
