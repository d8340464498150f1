"""analyzer.engine.rxcache: compiled pattern regexes kept on disk so a cold scan does not parse
them again; the cache can only make a scan faster, never different."""
from __future__ import annotations

import subprocess
import sys

import regex

from analyzer.engine.patterns import FLAGS
from analyzer.engine.rxcache import _MAGIC, RegexCache

SOURCES = [r"(?:合约期{0,2}为?\d+个月)|(?:minimum term of (\d+) months?)", r"\b(?:early )?termination fees?\b",
           r"^(?!.*无违约金).*违约金"]
TEXTS = ["本卡合约期为12个月。", "The minimum term of 24 months applies.", "Early termination fee: $200.",
         "提前解约须支付违约金。", "无违约金，随时可退。"]


def _same(a: regex.Pattern[str], b: regex.Pattern[str]) -> None:
    assert a.pattern == b.pattern and a.flags == b.flags
    for t in TEXTS:
        ma, mb = a.search(t), b.search(t)
        assert (ma and (ma.span(), ma.groups())) == (mb and (mb.span(), mb.groups()))


def test_second_process_builds_from_the_cache_the_same_regexes(tmp_path):
    path = tmp_path / "regex.bin"
    first = RegexCache(path)
    compiled = [first.compile(s, FLAGS) for s in SOURCES]
    assert not path.exists()          # written when the process ends, or on save()
    first.save()
    assert path.read_bytes().startswith(_MAGIC)
    second = RegexCache(path)
    for s, rx in zip(SOURCES, compiled, strict=True):
        assert second.key(s, FLAGS) in second._load()
        _same(second.compile(s, FLAGS), rx)
    assert not second._new            # every one came from the file


def test_a_damaged_or_foreign_file_is_ignored(tmp_path):
    path = tmp_path / "regex.bin"
    c = RegexCache(path)
    rx = c.compile(SOURCES[0], FLAGS)
    c.save()
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF                  # a flipped byte: the checksum no longer matches
    path.write_bytes(bytes(data))
    _same(RegexCache(path).compile(SOURCES[0], FLAGS), rx)
    assert RegexCache(path)._load() == {}
    path.write_bytes(b"not a cache at all")
    _same(RegexCache(path).compile(SOURCES[0], FLAGS), rx)


def test_saving_merges_with_what_another_process_saved(tmp_path):
    path = tmp_path / "regex.bin"
    a, b = RegexCache(path), RegexCache(path)
    a.compile(SOURCES[0], FLAGS)
    b.compile(SOURCES[1], FLAGS)
    a.save()
    b.save()
    assert {RegexCache.key(s, FLAGS) for s in SOURCES[:2]} <= set(RegexCache(path)._load())


def test_switched_off_by_the_environment(tmp_path):
    code = ("import os; from analyzer.engine.rxcache import cache_path; print(cache_path())")
    env = {"PATH": "/usr/bin:/bin", "TERMS_SCAN_CACHE_DIR": str(tmp_path)}
    on = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert on.startswith(str(tmp_path)) and f"regex2-{regex.__version__}" in on
    for var in ("TERMS_SCAN_NO_CACHE", "TERMS_SCAN_NO_REGEX_CACHE"):
        off = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env={**env, var: "1"}, check=True).stdout
        assert off.strip() == "None"
    assert RegexCache(None).compile(SOURCES[1], FLAGS).search("termination fee")


def test_a_cold_scan_reads_the_cache_and_finds_the_same(tmp_path, run_cli):
    env = {"TERMS_SCAN_CACHE_DIR": str(tmp_path / "cache")}
    text = "本卡合约期为24个月，合约期内提前销户须支付违约金100元。每月最低消费58元。\n"
    first = run_cli("-", "--format", "json", "--lang", "zh", input=text, env=env)
    files = list((tmp_path / "cache" / "terms-scan").glob("regex2-*.bin"))
    assert first.returncode in (0, 1) and len(files) == 1 and files[0].stat().st_size > 0
    second = run_cli("-", "--format", "json", "--lang", "zh", input=text, env=env)
    off = run_cli("-", "--format", "json", "--lang", "zh", input=text, env={**env, "TERMS_SCAN_NO_REGEX_CACHE": "1"})
    assert first.stdout == second.stdout == off.stdout


def test_parsed_pattern_files_come_back_the_same_and_a_changed_file_is_parsed_again(tmp_path, monkeypatch):
    import marshal

    import yaml

    from analyzer.engine import patterns, rxcache

    monkeypatch.setenv("TERMS_SCAN_CACHE_DIR", str(tmp_path / "cache"))
    raw = ("id: zh-demo\ncategory: lock_in\nlang: zh\ndescription: demo\nmatch: ['合约期{NUM}个月']\n"
           "explanation: {zh: 示例, en: demo}\nexamples:\n  - {text: 合约期24个月。, expect: finding}\n"
           "  - {text: 月费19元。, expect: none}\n").encode()
    first = patterns._parse_yaml(raw)
    assert first == yaml.safe_load(raw)
    rxcache.yaml_store().save()
    assert list((tmp_path / "cache" / "terms-scan").glob("yaml-*.bin"))
    fresh = rxcache.Store(rxcache.yaml_path())
    key = __import__("hashlib").sha256(raw).hexdigest()[:40]
    assert marshal.loads(fresh.get(key)) == first
    changed = raw.replace(b"24", b"12")
    assert patterns._parse_yaml(changed)["examples"][0]["text"] == "合约期12个月。"
    # each call gets its own objects: a caller that changes them changes nothing cached
    a = patterns._parse_yaml(raw)
    a["match"].append("x")
    assert patterns._parse_yaml(raw)["match"] == ["合约期{NUM}个月"]


def test_catalogs_and_claims_come_from_the_yaml_cache_the_same(tmp_path, monkeypatch):
    """The message catalogs were parsed by PyYAML's pure-Python loader at every start (~0.1 s of
    a cold scan, issue 12); load_yaml parses with libyaml once and keeps the data."""
    import yaml

    from analyzer.engine import rxcache

    monkeypatch.setenv("TERMS_SCAN_CACHE_DIR", str(tmp_path / "cache"))
    text = "a:\n  b: 合约期{months}个月\n  c: [1, 2.5, '3']\n"
    assert rxcache.load_yaml(text) == yaml.safe_load(text) == rxcache.load_yaml(text.encode())
    rxcache.yaml_store().save()
    key = __import__("hashlib").sha256(text.encode()).hexdigest()[:40]
    assert rxcache.Store(rxcache.yaml_path()).get(key) is not None
    dated = "when: 2026-12-06\n"   # a date marshal cannot keep: parsed every time, never cached
    assert rxcache.load_yaml(dated) == yaml.safe_load(dated)


def test_a_start_served_by_the_caches_does_not_import_pyyaml(tmp_path):
    """PyYAML's import is ~10 ms of a cold start (issue 12); when every pattern file and catalog
    comes from the parsed-YAML cache it is not needed, and a wrong file is still reported."""
    code = ("import sys, analyzer; r = analyzer.scan('本卡合约期12个月，提前解约须支付违约金100元。'); "
            "print(len(r.findings), 'yaml' in sys.modules)")
    env = {"PATH": "/usr/bin:/bin", "TERMS_SCAN_CACHE_DIR": str(tmp_path / "cache")}
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert first.stdout.split()[1] == "True"        # parsed and kept
    assert second.stdout.split() == [first.stdout.split()[0], "False"]


def test_invalid_yaml_is_still_a_pattern_error_naming_the_file(tmp_path):
    import pytest

    from analyzer.engine import patterns
    from analyzer.errors import PatternError

    bad = tmp_path / "zh-bad.yaml"
    bad.write_text("id: zh-bad\nmatch: [unclosed\n", encoding="utf-8")
    with pytest.raises(PatternError, match="zh-bad.yaml: not valid YAML"):
        patterns._read(bad)
