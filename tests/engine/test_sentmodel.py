"""analyzer.engine.sentmodel: the model file (written, read, refused when damaged), the pure-Python
scoring (the arithmetic of TF-IDF + logistic regression, and the same probabilities as
scikit-learn's for a model trained by scripts/train_sentences.py), the cues, the packaged model."""
from __future__ import annotations

import gzip
import math
import sys
from pathlib import Path

import pytest

from analyzer.engine import sentmodel
from analyzer.engine.sentmodel import SentenceModel, features, prepare, to_bytes
from analyzer.engine.taxonomy import CATEGORIES

ROOT = Path(__file__).resolve().parents[2]


def tiny(threshold: float = 0.8) -> SentenceModel:
    """Two classes, bigrams only: "zq"/"qz" say lock_in, "xx" says extra_fees (weight 8.0)."""
    header = {"classes": ["lock_in", "extra_fees"], "bias": [-3.0, -3.0], "ngram": [2, 2], "words": False,
              "threshold": threshold, "scale": 0.001, "note": "test"}
    raw = to_bytes(header, ["zq", "qz", "xx", "ab"], [1.0, 1.0, 2.0, 1.5], [[(0, 8000)], [(0, 8000)], [(1, 8000)], []])
    return SentenceModel.from_bytes(raw)


def test_prepare_lowers_maps_digits_and_collapses_space():
    assert prepare("  Pay  $120\tWithin 30 Days ") == "pay $000 within 00 days"


def test_features_with_words_add_latin_words_and_pairs():
    got = features(prepare("Early termination"), 3, 3, words=True)
    assert "w:early" in got and "w:termination" in got and "w:early termination" in got
    assert "ear" in got and "ion" in got


def test_scores_are_tfidf_then_logistic():
    m = tiny()
    # "zqzq": bigrams zq x2, qz x1 (sublinear tf: 1 + ln 2); "ab" and unknown grams none here
    v_zq, v_qz = (1 + math.log(2)) * 1.0, 1.0
    norm = math.sqrt(v_zq ** 2 + v_qz ** 2)
    z = 8.0 * (v_zq + v_qz) / norm - 3.0
    p_lock, p_fee = m.scores("zqzq")
    assert p_lock == pytest.approx(1 / (1 + math.exp(-z)), rel=1e-6)
    assert p_fee == pytest.approx(1 / (1 + math.exp(3.0)), rel=1e-6)  # no extra_fees gram: the bias alone


def test_a_sentence_read_again_is_not_scored_again_and_the_memory_is_bounded(monkeypatch):
    from analyzer.engine import sentmodel

    m = tiny()
    first = m.scores("zqzq")
    calls = []
    monkeypatch.setattr(m, "_score", lambda s: calls.append(s) or ([0.5, 0.5], []))
    assert m.scores("zqzq") is first and not calls          # read before: kept
    monkeypatch.setattr(sentmodel, "SEEN_MAX", 3)
    for s in ("a1", "a2", "a3", "a4"):
        m.scores(s)
    assert len(m._seen) <= 3 and calls == ["a1", "a2", "a3", "a4"]


def test_a_known_gram_without_weight_still_counts_in_the_norm():
    m = tiny()
    # "zqab": zq, qa (unknown), ab (idf 1.5, no weight)
    norm = math.sqrt(1.0 + 1.5 ** 2)
    assert m.scores("zqab")[0] == pytest.approx(1 / (1 + math.exp(-(8.0 / norm - 3.0))), rel=1e-6)


def test_guesses_keep_the_threshold_and_quote_the_cue_as_written():
    m = tiny()
    (g,) = m.guesses("Members stay ZQZQ all year")
    assert g.category == "lock_in" and g.probability > 0.99
    assert g.cues == ("ZQZQ",)  # the sentence's own letters, not the lower-cased n-grams
    a, b = g.spans[0]
    assert "Members stay ZQZQ all year"[a:b] == "ZQZQ"
    assert m.guesses("nothing here at all") == []
    assert [x.category for x in m.guesses("xx", threshold=0.9)] == ["extra_fees"]


def test_a_damaged_or_foreign_file_is_refused_with_a_reason():
    raw = to_bytes({"classes": ["lock_in"], "bias": [0.0], "ngram": [1, 1], "threshold": 0.9, "scale": 1.0},
                   ["a"], [1.0], [[(0, 1)]])
    with pytest.raises(ValueError, match="cut short"):
        SentenceModel.from_bytes(gzip.compress(gzip.decompress(raw)[:-3]))
    with pytest.raises(ValueError, match="not a terms-scan sentence model"):
        SentenceModel.from_bytes(gzip.compress(b"hello"))
    with pytest.raises(OSError):
        SentenceModel.from_bytes(b"not gzip at all")
    bad_class = to_bytes({"classes": ["lock_in"], "bias": [0.0], "ngram": [1, 1], "threshold": 0.9, "scale": 1.0},
                         ["a"], [1.0], [[(3, 1)]])
    with pytest.raises(ValueError, match="do not agree"):
        SentenceModel.from_bytes(bad_class)
    with pytest.raises(ValueError, match="one IDF and one row"):
        to_bytes({"classes": ["lock_in"], "bias": [0.0], "ngram": [1, 1], "threshold": 0.9, "scale": 1.0},
                 ["a", "b"], [1.0, 1.0], [[(0, 1)]])


@pytest.fixture
def fresh_load(monkeypatch):
    monkeypatch.setattr(sentmodel, "_loaded", None)
    monkeypatch.setattr(sentmodel, "_failed", None)
    return monkeypatch


def test_load_turns_the_model_off_with_a_warning_when_the_file_is_damaged(fresh_load, tmp_path):
    bad = tmp_path / "m.bin.gz"
    bad.write_bytes(b"garbage")
    fresh_load.setenv("TERMS_SCAN_MODEL", str(bad))
    assert sentmodel.load() is None
    assert "could not be read" in (sentmodel.problem() or "")


def test_a_scan_that_asked_for_a_damaged_model_says_so_and_goes_on(fresh_load, tmp_path):
    from analyzer.engine.pipeline import Scanner

    bad = tmp_path / "m.bin.gz"
    bad.write_bytes(b"garbage")
    fresh_load.setenv("TERMS_SCAN_MODEL", str(bad))
    rep = Scanner(model=True).scan_text("提前解约须支付违约金300元。")
    assert any("sentence model could not be read" in w for w in rep.warnings)
    assert any(f.category == "early_termination_fee" for f in rep.findings)  # the patterns still read it
    # the default reads with the model too (its veto), so it says so as well; the patterns alone never do
    default = Scanner().scan_text("提前解约须支付违约金300元。")
    assert any("sentence model could not be read" in w for w in default.warnings)
    assert any(f.category == "early_termination_fee" for f in default.findings)
    assert not any("sentence model" in w for w in Scanner(model=False).scan_text("提前解约须支付违约金300元。").warnings)


def test_the_packaged_model_loads_and_names_taxonomy_categories(fresh_load):
    fresh_load.delenv("TERMS_SCAN_MODEL", raising=False)
    m = sentmodel.load()
    assert m is not None, sentmodel.problem()
    assert set(m.classes) <= set(CATEGORIES) and len(m.classes) >= 15
    assert 0.5 <= m.threshold < 1.0
    assert len(m.index) > 10000 and m.version


@pytest.mark.parametrize("text, category", [
    ("用户在合约期内提前解约的，须按剩余月份月费的30%支付违约金。", "early_termination_fee"),
    ("If you cancel before the end of your minimum term you must pay an early termination charge.",
     "early_termination_fee"),
    ("会员服务到期后将自动续费，费用从您绑定的支付账户中扣除。", "auto_renewal"),
    ("Any dispute will be resolved by binding arbitration, and you waive the right to a jury trial.",
     "dispute_resolution"),
])
def test_the_packaged_model_reads_plain_clauses(text, category):
    m = sentmodel.load()
    assert m is not None
    assert m.scores(text)[m.classes.index(category)] >= 0.5


def test_training_gives_the_same_probabilities_as_scikit_learn():
    pytest.importorskip("sklearn")
    sys.path.insert(0, str(ROOT / "scripts"))
    import train_sentences as ts

    rows = [("提前解约须支付违约金100元", {"early_termination_fee"}), ("合约期内不得销户", {"lock_in"}),
            ("违约金按剩余月份计算", {"early_termination_fee"}), ("在网期限为24个月", {"lock_in"}),
            ("If you cancel early you pay a termination fee", {"early_termination_fee"}),
            ("You agree to a minimum term of 12 months", {"lock_in"}), ("Welcome to our shop", set()),
            ("感谢您的支持", set()), ("Our office opens at nine", set()), ("本页介绍套餐内容", set())] * 2
    vec, clf, classes = ts.train(rows, c=4.0, max_features=5000, min_df=1)
    m = SentenceModel.from_bytes(ts.export(vec, clf, classes, threshold=0.85, prune=0.0, note="test"))
    for text in ("提前销户须支付违约金", "a minimum term of 24 months", "hello"):
        want = [float(p) for p in clf.predict_proba(vec.transform([text]))[0]]
        assert m.scores(text) == pytest.approx(want, abs=2e-3)
