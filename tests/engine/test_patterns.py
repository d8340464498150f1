"""The pattern library: every file's own examples pass; malformed files fail loading with an error
naming the file and the field; patterns are discovered without any registration list."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from analyzer.engine import selftest
from analyzer.engine.patterns import default_dirs, library, load_dir, load_file
from analyzer.engine.pipeline import Scanner
from analyzer.engine.taxonomy import CATEGORIES
from analyzer.errors import PatternError

_SHARED_AGREEMENTS = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "agreements"

PATTERN_ROOT = Path(__file__).resolve().parents[2] / "patterns"
PATTERN_FILES = sorted(p for p in PATTERN_ROOT.rglob("*.yaml") if "_concepts" not in p.parts)


def _rel(p: Path) -> str:
    return str(p.relative_to(PATTERN_ROOT))


def test_library_loads_and_is_not_empty():
    pats = library()
    assert pats, "no pattern files found"
    assert len(pats) == len(PATTERN_FILES)
    assert len({p.full_id for p in pats}) == len(pats)


@pytest.mark.parametrize("path", PATTERN_FILES, ids=_rel)
def test_pattern_file_examples(path):
    """Each example of the file behaves as it says (the same check as python -m analyzer.engine.selftest)."""
    p = load_file(path)
    assert path.parent.name == p.category and path.stem == p.id
    lib = {x.path: x for x in library()}
    compiled = lib.get(str(path), p)
    failures = [f"examples[{i}] ({ex.text[:40]!r}): {err}"
                for i, ex in enumerate(compiled.examples)
                if (err := selftest.check_example(compiled, ex))]
    assert not failures, f"{_rel(path)}:\n" + "\n".join(failures)


@pytest.mark.parametrize("path", PATTERN_FILES, ids=_rel)
def test_pattern_file_has_both_kinds_of_example(path):
    p = load_file(path)
    assert any(e.expect == "finding" for e in p.examples)
    assert any(e.expect in ("none", "protection") for e in p.examples)


def test_selftest_run_all_green():
    assert selftest.run() == []


def test_selftest_reports_a_failing_example(tmp_path):
    text = VALID.replace("id: zh-test-ok", "id: zh-wrong-example") + (
        "  - {text: 本套餐月费19元。, expect: finding}\n"  # wrong on purpose: nothing to find
        "  - {text: 本卡每月保底金额50元。, expect: finding, values: {amount: 60}}\n"  # wrong value
        "  - {text: 本卡每月保底金额50元。, expect: none}\n")  # wrong: there is a finding
    p = load_file(_write(tmp_path, "minimum_spend", "zh-wrong-example", text))
    errs = [selftest.check_example(p, ex) for ex in p.examples]
    assert errs[0] is None and errs[1] is None
    assert "expected a finding" in errs[2]
    assert "value amount" in errs[3]
    assert "expected nothing" in errs[4]


# --------------------------------------------------------------------------- malformed files

VALID = """id: zh-test-ok
category: minimum_spend
lang: zh
description: 测试用的最低消费模式
match:
  - 保底金额
values: [amount]
explanation:
  zh: 测试说明。
  en: Test explanation.
examples:
  - {text: 本卡每月保底金额50元。, expect: finding, values: {amount: 50}}
  - {text: 本套餐月费19元。, expect: none}
"""


def _write(root: Path, folder: str, name: str, text: str) -> Path:
    d = root / folder
    d.mkdir(parents=True, exist_ok=True)
    p = d / f"{name}.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_valid_fixture_loads(tmp_path):
    p = load_file(_write(tmp_path, "minimum_spend", "zh-test-ok", VALID))
    assert p.full_id == "minimum_spend/zh-test-ok"


@pytest.mark.parametrize("name,text,field", [
    ("zh-test-ok", "id: zh-test-ok\ncategory: [minimum_spend\n", None),  # bad YAML
    ("zh-test-ok", VALID.replace("description: 测试用的最低消费模式\n", ""), "description"),  # missing field
    ("zh-test-ok", VALID.replace("explanation:\n  zh: 测试说明。\n  en: Test explanation.\n", ""), "explanation"),
    ("zh-test-ok", VALID.replace("  - 保底金额", "  - 保底(金额"), "match"),  # bad regex
    ("zh-test-ok", VALID.replace("category: minimum_spend", "category: hidden_costs"), "category"),  # unknown
    ("zh-other-name", VALID, "id"),  # id != file name
    ("zh-test-ok", VALID.replace("lang: zh", "lang: fr"), "lang"),
    ("zh-test-ok", VALID + "colour: red\n", "colour"),  # unknown field
    ("zh-test-ok", VALID.replace("values: [amount]", "values: [money]"), "values"),
    ("zh-test-ok", VALID + "confidence: 1.5\n", "confidence"),
    ("zh-test-ok", VALID + "window: -3\n", "window"),
    ("zh-test-ok", VALID.replace("expect: none", "expect: maybe"), "examples[1].expect"),
    ("zh-test-ok", VALID.replace("  - {text: 本套餐月费19元。, expect: none}\n", ""), "examples"),  # no negative
    ("zh-test-ok", VALID + "require: ['(unclosed']\n", "require"),
    ("zh-test-ok", VALID + "protection: ['[z-a]']\n", "protection"),
])
def test_malformed_pattern_names_file_and_field(tmp_path, name, text, field):
    path = _write(tmp_path, "minimum_spend", name, text)
    with pytest.raises(PatternError) as ei:
        load_file(path)
    msg = str(ei.value)
    assert str(path) in msg
    if field is None:
        assert "YAML" in msg
    else:
        assert f"field '{field}" in msg, msg


def test_category_must_match_folder(tmp_path):
    path = _write(tmp_path, "lock_in", "zh-test-ok", VALID)
    with pytest.raises(PatternError, match="folder"):
        load_file(path)


def test_not_a_mapping(tmp_path):
    with pytest.raises(PatternError, match="mapping"):
        load_file(_write(tmp_path, "minimum_spend", "zh-test-ok", "- just\n- a list\n"))


def test_duplicate_ids_across_directories(tmp_path):
    _write(tmp_path / "a", "minimum_spend", "zh-test-ok", VALID)
    _write(tmp_path / "b", "minimum_spend", "zh-test-ok", VALID)
    with pytest.raises(PatternError, match="already defined"):
        load_dir(tmp_path / "a", tmp_path / "b")


def test_one_bad_file_fails_the_directory(tmp_path):
    _write(tmp_path, "minimum_spend", "zh-test-ok", VALID)
    bad = _write(tmp_path, "minimum_spend", "zh-test-bad", VALID.replace("zh-test-ok", "zh-test-bad")
                 .replace("lang: zh", "lang: de"))
    with pytest.raises(PatternError) as ei:
        load_dir(tmp_path)
    assert str(bad) in str(ei.value)


def test_missing_directory(tmp_path):
    with pytest.raises(PatternError, match="not found"):
        load_dir(tmp_path / "nowhere")


# --------------------------------------------------------------------------- discovery

def test_a_new_file_is_found_without_registration(tmp_path):
    _write(tmp_path, "minimum_spend", "zh-test-ok", VALID)
    scanner = Scanner((str(tmp_path),))
    assert "minimum_spend/zh-test-ok" in {p.full_id for p in scanner.patterns}
    rep = scanner.scan_text("本卡每月保底金额50元，按月收取。")
    f = [f for f in rep.findings if f.category == "minimum_spend"]
    assert f and f[0].values["amount"] == 50


def test_nested_folders_are_searched(tmp_path):
    _write(tmp_path / "extra" / "deeper", "minimum_spend", "zh-test-ok", VALID)
    assert [p.full_id for p in load_dir(tmp_path)] == ["minimum_spend/zh-test-ok"]


def test_env_var_adds_a_directory(tmp_path, monkeypatch):
    _write(tmp_path, "minimum_spend", "zh-test-ok", VALID)
    monkeypatch.setenv("TERMS_SCAN_PATTERNS", str(tmp_path))
    assert tmp_path in default_dirs()
    assert "minimum_spend/zh-test-ok" in {p.full_id for p in library()}


def test_cli_patterns_option(run_cli, tmp_path):
    _write(tmp_path, "minimum_spend", "zh-test-ok", VALID)
    p = run_cli("-", "--patterns", str(tmp_path), "-f", "json", input="本卡每月保底金额50元，按月收取。\n")
    assert p.returncode == 0, p.stderr
    rep = json.loads(p.stdout)
    assert any(f["pattern"] == "minimum_spend/zh-test-ok" for f in rep["findings"])


def test_bundled_library_covers_known_categories_only():
    for p in library():
        assert p.category in CATEGORIES
        assert p.lang in ("zh", "en")


@pytest.mark.parametrize("path", PATTERN_FILES + sorted(PATTERN_ROOT.glob("_concepts/*.yaml")), ids=_rel)
def test_regression_pattern_file_parses_without_libyaml(path):
    # the library reads with libyaml's loader when present; a plain-text '?' inside a flow
    # mapping parsed there but not with PyYAML's pure-Python loader (no libyaml)
    yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)


def test_bundled_patterns_come_from_the_package_not_a_neighbouring_folder(tmp_path):
    """Regression (issue 10): an installed terms-scan took ``site-packages/patterns`` (any other
    package's folder of that name) before its own ``analyzer/_patterns``. The package is copied
    into a fake site-packages with such a folder beside it; the bundled library must be its own."""
    import shutil
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    site = tmp_path / "site-packages"
    shutil.copytree(root / "analyzer", site / "analyzer", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(root / "patterns", site / "analyzer" / "_patterns")
    (site / "patterns").mkdir()  # another package's folder
    (site / "patterns" / "evil.yaml").write_text("id: evil\n", encoding="utf-8")
    code = "from analyzer.engine.patterns import default_dirs; print(default_dirs()[0])"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                       env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}, timeout=60)
    assert p.returncode == 0, p.stderr
    assert Path(p.stdout.strip()) == site / "analyzer" / "_patterns"
    # without its library (a broken install), a clear error, not someone else's folder
    shutil.rmtree(site / "analyzer" / "_patterns")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                       env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}, timeout=60)
    assert p.returncode != 0 and "bundled pattern library is missing" in p.stderr


def test_bundled_patterns_of_a_source_checkout():
    from analyzer.engine.patterns import bundled_dir

    assert bundled_dir() == Path(__file__).resolve().parents[2] / "patterns"


def test_placeholder_covers_the_blanks_of_printed_forms():
    """Regression: {PLACEHOLDER} knew ${Field}, ____ and double spaces, not the empty brackets
    printed forms leave for a number ("分【 】个月返还", "为( )个月"; NFKC makes （ ） into ( ))."""
    import regex

    from analyzer.engine.patterns import MACROS

    rx = regex.compile(MACROS["{PLACEHOLDER}"])
    for blank in ("【 】", "【】", "( )", "(  )", "[ ]", "____", "${months}"):
        assert rx.fullmatch(blank), blank
    assert not rx.fullmatch("(12)") and not rx.fullmatch("【12】")


def test_match_finder_finds_what_the_joined_alternation_finds():
    """The detector searches a pattern's ``match`` alternative by alternative (issue 12: a joined
    alternation loses each alternative's literal scan); at every position it must return the
    match the joined regex returns: the leftmost, and of two at one place the earlier
    alternative's."""
    import regex

    from analyzer.engine.patterns import FLAGS, MatchFinder

    alts = [r"合约期\d+个月", r"合约期", r"\d+个月", r"违约金(?:为)?\d+元", r"(?<=提前)销户"]
    text = "本卡合约期12个月。提前销户须付违约金为100元；合约期内不得降档，再续12个月。"
    joined = regex.compile("|".join(f"(?:{a})" for a in alts), FLAGS)
    finder = MatchFinder(tuple(regex.compile(a, FLAGS) for a in alts), text)
    for pos in range(len(text) + 1):
        want, got = joined.search(text, pos), finder.search(pos)
        assert (want and want.span()) == (got and got.span()), pos
    assert finder.search(len(text)) is None


def test_the_library_finds_the_same_with_or_without_the_finder():
    """Every pattern of the library, on a development agreement: the finder and the joined
    ``match`` give the same matches, searched the way the detector searches."""
    from analyzer.engine.normalize import normalize

    corpus = sorted(_SHARED_AGREEMENTS.glob("zh-*"))[:3] + sorted(_SHARED_AGREEMENTS.glob("en-*"))[:3]
    if not corpus:
        pytest.skip("../shared/corpora/agreements not present")
    texts = [normalize(p.read_text(encoding="utf-8")).text for p in corpus]
    checked = 0
    for p in library():
        if not p.match_parts:
            continue
        for text in texts:
            finder, pos = p.finder(text), 0
            while pos < len(text):
                want, got = p.match.search(text, pos), finder.search(pos)
                assert (want and want.span()) == (got and got.span()), (p.full_id, pos)
                if want is None:
                    break
                pos = want.start() + 1
                checked += 1
    assert checked > 100


def test_a_word_class_takes_the_middle_dot_of_a_web_address():
    # detect reads "Seenyor.com" as "Seenyor·com"; a brand class written "[\w&.-]" must still take it
    from analyzer.engine.patterns import expand
    assert expand(r"[A-Z][\w&.-]+") == "[A-Z][\\w&.\u00b7-]+"
    assert expand(r"[\w']+") == "[\\w'\u00b7]+"
    assert expand(r"[^\w]") == r"[^\w]" and expand(r"\[\w\]") == r"\[\w\]"
