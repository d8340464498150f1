"""Concept lexicons (patterns/_concepts/) and the concept form of a pattern: synonym sets
matched by proximity in any order, a binding cue, errors that name the file and the field,
and findings that say which concepts fired."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.engine.detect import detect
from analyzer.engine.extract import extract_bytes
from analyzer.engine.normalize import normalize
from analyzer.engine.patterns import bundled_concepts, expand, load_concepts, load_dir, parse_pattern
from analyzer.engine.segment import split_sentences
from analyzer.errors import PatternError

EXAMPLES = [{"text": "正例", "expect": "finding"}, {"text": "反例", "expect": "none"}]
LEX = """
tc_fee:
  description: a fee for leaving
  zh: [违约金, 解约费, 补偿]
  en: [termination (?:fee|charge), change fee]
tc_leave:
  description: leaving
  zh: [销户, 离网, 携号转网]
  en: [cancel, port out]
tc_cue:
  description: binding
  zh: ['[须需应]', 视为]
  en: [must, will be charged]
question:
  description: a question
  zh: ['[?？]\\s*$']
  en: ['\\?\\s*$']
"""


def lexicon(tmp_path: Path, text: str = LEX) -> dict:
    (tmp_path / "_concepts").mkdir(exist_ok=True)
    (tmp_path / "_concepts" / "test.yaml").write_text(text, encoding="utf-8")
    return load_concepts(tmp_path)


def pat(lexicon_: dict, lang: str = "zh", **fields):
    data = {"id": "t", "category": "early_termination_fee", "lang": lang, "description": "test",
            "explanation": {"zh": "测试", "en": "test"}, "examples": EXAMPLES, **fields}
    return parse_pattern(Path("/virtual/early_termination_fee/t.yaml"), data, concepts=lexicon_)


def run(text: str, p):
    doc = extract_bytes(text.encode("utf-8"), "t.txt", "text")
    norm = normalize(doc.text)
    findings, protections, _ = detect(doc, norm, split_sentences(norm.text), (p,))
    return findings


def test_concepts_match_in_any_order_within_the_window(tmp_path):
    p = pat(lexicon(tmp_path), concepts=["tc_fee", "tc_leave"], cue="tc_cue", window=30)
    assert run("用户提前销户的，须支付违约金100元。", p)
    assert run("违约金按剩余月份计算，用户提前离网时须缴纳。", p)  # other order, other synonyms
    assert not run("违约金须按规定缴纳。", p)  # no leaving concept
    far = "用户提前销户的，" + "按照本协议其他条款另行约定的方式办理相关手续并结清全部费用，" * 2 + "须支付违约金。"
    assert not run(far, p)  # the two concepts are further apart than the window


def test_the_binding_cue_keeps_headings_and_questions_out(tmp_path):
    p = pat(lexicon(tmp_path), concepts=["tc_fee", "tc_leave"], cue="tc_cue")
    assert not run("销户违约金说明", p)  # a title binds no one
    assert not run("提前销户需要交违约金吗？", p)  # an FAQ question, even with 需
    assert run("提前销户视为违约，应支付违约金。", p)


def test_english_terms_of_the_same_concept(tmp_path):
    p = pat(lexicon(tmp_path), lang="en", concepts=["tc_fee", "tc_leave"], cue="tc_cue")
    assert run("If you cancel before the end of your term, a termination charge will be charged.", p)
    assert not run("Termination charge and how to cancel", p)


def test_finding_says_which_concepts_and_cue_fired(tmp_path):
    p = pat(lexicon(tmp_path), concepts=["tc_fee", "tc_leave"], cue="tc_cue")
    (f,) = run("用户携号转网的，须支付解约费50元。", p)
    assert dict(f.why) == {"tc_fee": "解约费", "tc_leave": "携号转网", "cue:tc_cue": "须"}
    matched = f.to_dict()["explanation"]["matched"]
    assert {"part": "tc_leave", "text": "携号转网"} in matched
    assert f.to_dict()["explanation"]["zh"] == "测试"


def test_concept_reference_inside_a_regex(tmp_path):
    concepts = lexicon(tmp_path)
    assert "解约费" in expand("提前{@tc_leave}.{0,9}{@tc_fee}", "zh", concepts)
    p = pat(concepts, match=["提前{@tc_leave}[^。]{0,10}{@tc_fee}"])
    assert run("提前离网收取补偿。", p)


def test_unknown_concept_names_the_file_and_field(tmp_path):
    concepts = lexicon(tmp_path)
    with pytest.raises(PatternError, match=r"t\.yaml: field 'concepts\[1\]': unknown concept 'nope'"):
        pat(concepts, concepts=["tc_fee", "nope"])
    with pytest.raises(PatternError, match=r"field 'match': unknown concept \{@nope\}"):
        pat(concepts, match=["{@nope}"])
    with pytest.raises(PatternError, match=r"field 'cue': must name a concept"):
        pat(concepts, concepts=["tc_fee"], cue="nope")


@pytest.mark.parametrize("text, field", [
    ("Bad-Name:\n  description: x\n  zh: [a]\n", "Bad-Name"),
    ("tc_x:\n  description: x\n  zh: a\n", "tc_x.zh"),
    ("tc_x:\n  zh: [a]\n", "tc_x.description"),
    ("tc_x:\n  description: x\n  fr: [a]\n", "tc_x"),
])
def test_a_bad_concept_file_names_the_file_and_field(tmp_path, text, field):
    with pytest.raises(PatternError, match=rf"test\.yaml: field '{field}'"):
        lexicon(tmp_path, text)


def test_a_concept_defined_twice_is_an_error(tmp_path):
    lexicon(tmp_path)
    (tmp_path / "_concepts" / "again.yaml").write_text("tc_fee:\n  description: x\n  zh: [a]\n", encoding="utf-8")
    with pytest.raises(PatternError, match="tc_fee.*already defined"):
        load_concepts(tmp_path)


def library_with_concept_pattern(tmp_path: Path) -> None:
    """A pattern directory with the test lexicon and one concept-form pattern file."""
    lexicon(tmp_path)
    (tmp_path / "early_termination_fee").mkdir()
    (tmp_path / "early_termination_fee" / "zh-t.yaml").write_text(json.dumps({
        "id": "zh-t", "category": "early_termination_fee", "lang": "zh", "description": "d",
        "concepts": ["tc_fee"], "cue": "tc_cue", "explanation": {"zh": "z", "en": "e"},
        "examples": [{"text": "提前销户须支付违约金。", "expect": "finding"},
                     {"text": "违约金是什么？", "expect": "none"}]}, ensure_ascii=False), encoding="utf-8")


def test_concept_files_are_not_loaded_as_patterns(tmp_path):
    library_with_concept_pattern(tmp_path)
    (p,) = load_dir(tmp_path)
    assert p.full_id == "early_termination_fee/zh-t" and p.labels == ("tc_fee",)


def test_the_bundled_lexicon_covers_both_languages():
    concepts = bundled_concepts()
    for name in ("binding", "term_period", "leave", "early", "penalty", "stay"):
        assert concepts[name].terms["zh"] and concepts[name].terms["en"], name


def test_regression_the_library_version_changes_with_a_lexicon(tmp_path):
    # the version recorded with every stored scan (watch --rescan relies on it) hashed the
    # pattern files only, so a changed concept lexicon looked like the same library
    from analyzer.engine.pipeline import _library_version

    library_with_concept_pattern(tmp_path)
    before = _library_version(load_dir(tmp_path))
    (tmp_path / "_concepts" / "test.yaml").write_text(LEX.replace("解约费", "解约费, 赔偿金"), encoding="utf-8")
    assert _library_version(load_dir(tmp_path)) != before
