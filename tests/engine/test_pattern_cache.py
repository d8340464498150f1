"""The validated-pattern cache: files validated once load with lazy regexes; any change
(or a new file) is validated again at load time, so errors still name the file and field."""
from __future__ import annotations

import pytest

from analyzer.engine.patterns import LazyRegex, load_dir
from analyzer.errors import PatternError

GOOD = """id: zh-demo
category: lock_in
lang: zh
description: demo
match: ['合约期{NUM}个月']
exclude: ['无合约']
explanation: {zh: 示例, en: demo}
examples:
  - {text: 合约期24个月。, expect: finding}
  - {text: 月费19元。, expect: none}
"""


def _write(d, text):
    (d / "lock_in").mkdir(parents=True, exist_ok=True)
    (d / "lock_in" / "zh-demo.yaml").write_text(text, encoding="utf-8")


def test_second_load_is_lazy_and_still_matches(tmp_path, monkeypatch):
    monkeypatch.setenv("TERMS_SCAN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("TERMS_SCAN_NO_CACHE", raising=False)
    lib = tmp_path / "lib"
    _write(lib, GOOD)
    first = load_dir(lib)[0]
    assert not isinstance(first.match, LazyRegex)  # validated (compiled) on first sight
    assert (tmp_path / "cache" / "terms-scan" / "validated-patterns.txt").is_file()
    second = load_dir(lib)[0]
    assert isinstance(second.match, LazyRegex)
    assert second.match.search("本协议合约期24个月") is not None
    assert second.exclude.search("本卡无合约") is not None


def test_changed_file_is_validated_again(tmp_path, monkeypatch):
    monkeypatch.setenv("TERMS_SCAN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("TERMS_SCAN_NO_CACHE", raising=False)
    lib = tmp_path / "lib"
    _write(lib, GOOD)
    load_dir(lib)
    _write(lib, GOOD.replace("exclude: ['无合约']", "exclude: ['无(合约']"))
    with pytest.raises(PatternError) as err:
        load_dir(lib)
    assert "zh-demo.yaml" in str(err.value) and "exclude" in str(err.value)


def test_unwritable_cache_dir_is_not_an_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("TERMS_SCAN_CACHE_DIR", str(blocker))  # a file, not a directory
    monkeypatch.delenv("TERMS_SCAN_NO_CACHE", raising=False)
    lib = tmp_path / "lib"
    _write(lib, GOOD)
    assert len(load_dir(lib)) == 1
    assert len(load_dir(lib)) == 1


def test_regression_a_full_cache_drops_its_oldest_keys_not_the_newest(tmp_path, monkeypatch):
    # the cache kept the 5000 lexically last keys, so once full it could drop the key it had
    # just written and every later run compiled the whole library again
    monkeypatch.setenv("TERMS_SCAN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("TERMS_SCAN_NO_CACHE", raising=False)
    cache = tmp_path / "cache" / "terms-scan" / "validated-patterns.txt"
    cache.parent.mkdir(parents=True)
    # 5000 older keys that sort after any real (hexadecimal) key
    cache.write_text("\n".join(f"z{i:031d}" for i in range(5000)) + "\n")
    lib = tmp_path / "lib"
    _write(lib, GOOD)
    load_dir(lib)
    assert isinstance(load_dir(lib)[0].match, LazyRegex)  # the new key survived
    assert len(cache.read_text().split()) <= 5000


def _snapshot_ready(tmp_path, monkeypatch):
    monkeypatch.setenv("TERMS_SCAN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("TERMS_SCAN_NO_CACHE", raising=False)
    lib = tmp_path / "lib"
    _write(lib, GOOD)
    load_dir(lib)  # validates the file
    load_dir(lib)  # every file known: the library is kept whole
    snaps = list((tmp_path / "cache" / "terms-scan").glob("library-*.bin"))
    assert len(snaps) == 1
    return lib, snaps[0]


def test_library_snapshot_serves_the_next_load_without_parsing(tmp_path, monkeypatch):
    """The loaded library is kept whole once every file was validated: a start then reads no
    pattern file's YAML and checks nothing again (~75 ms of each cold scan, issue 12)."""
    import analyzer.engine.patterns as patterns

    lib, _ = _snapshot_ready(tmp_path, monkeypatch)

    def no_parsing(*args, **kwargs):
        raise AssertionError("the library was parsed again")

    monkeypatch.setattr(patterns, "parse_pattern", no_parsing)
    p = load_dir(lib)[0]
    assert p.full_id == "lock_in/zh-demo" and isinstance(p.match, LazyRegex)
    assert p.match.search("本协议合约期24个月") is not None and p.exclude.search("本卡无合约") is not None


def test_an_edited_file_is_read_again_not_taken_from_the_snapshot(tmp_path, monkeypatch):
    """Same size, at once (within one tick of the file clock): the key is the files' bytes."""
    lib, _ = _snapshot_ready(tmp_path, monkeypatch)
    _write(lib, GOOD.replace("合约期{NUM}个月", "承诺期{NUM}个月"))
    p = load_dir(lib)[0]
    assert p.match.search("承诺期24个月") is not None and p.match.search("合约期24个月") is None


def test_a_foreign_or_torn_snapshot_is_ignored_and_never_run(tmp_path, monkeypatch):
    import hashlib
    import os
    import pickle

    import analyzer.engine.patterns as patterns

    lib, snap = _snapshot_ready(tmp_path, monkeypatch)
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    payload = pickle.dumps((Evil(),))
    snap.write_bytes(patterns._SNAPSHOT_MAGIC + hashlib.sha256(payload).digest() + payload)
    assert load_dir(lib)[0].full_id == "lock_in/zh-demo"  # read from the files
    assert not marker.exists()
    snap.write_bytes(snap.read_bytes()[:40])  # torn
    assert load_dir(lib)[0].full_id == "lock_in/zh-demo"


def test_the_library_version_reuses_the_bytes_read_for_the_snapshot_key(tmp_path, monkeypatch):
    """Building a scanner hashed every pattern file a second time (~10 ms of each cold scan,
    issue 12): the version now takes the bytes the snapshot key read, and is the same value."""
    import pathlib

    import analyzer.engine.patterns as patterns
    from analyzer.engine.pipeline import _library_version

    lib, _ = _snapshot_ready(tmp_path, monkeypatch)
    loaded = load_dir(lib)
    real = pathlib.Path.read_bytes

    def no_second_read(self):
        if str(self).startswith(str(lib)):
            raise AssertionError(f"{self} was read a second time")
        return real(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", no_second_read)
    cached = _library_version(loaded)
    monkeypatch.setattr(pathlib.Path, "read_bytes", real)
    patterns._READ.clear()
    assert _library_version(loaded) == cached  # read from disk: the same version
    _write(lib, GOOD.replace("合约期{NUM}个月", "承诺期{NUM}个月"))
    assert _library_version(load_dir(lib)) != cached


def test_a_snapshot_keeps_regexes_expanded_so_a_start_expands_nothing(tmp_path, monkeypatch):
    """Concepts and shorthands were expanded again at every start when a regex was first used
    (~10 ms of a cold scan, issue 12): the snapshot keeps the regex each field compiles to."""
    import analyzer.engine.patterns as patterns

    lib, _ = _snapshot_ready(tmp_path, monkeypatch)

    def no_expanding(*args, **kwargs):
        raise AssertionError("a regex was expanded again")

    monkeypatch.setattr(patterns, "expand", no_expanding)
    p = load_dir(lib)[0]
    assert p.match.search("本协议合约期24个月") is not None and p.exclude.search("本卡无合约") is not None
    assert p.match.search("合约期二十四个月") is not None  # {NUM}: Chinese numerals too
