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
