"""Token helpers (jieba with the telecom user dictionary, blank spaCy) and --keywords."""
from __future__ import annotations

import json

from analyzer.engine.nlp import keywords, tokens


def test_user_dictionary_keeps_contract_terms_whole():
    toks = tokens("用户在合约期内携号转网的，须支付违约金并退还首充赠送的话费。", "zh")
    for term in ("合约期", "携号转网", "违约金", "首充"):
        assert term in toks, toks


def test_chinese_keywords_put_domain_terms_first_and_drop_numbering():
    kw = keywords("3.1 用户在合约期内提前解约的，应按剩余月份乘以月最低消费额支付违约金。", "zh")
    assert "3.1" not in kw
    assert {"合约期", "提前解约", "违约金"} <= set(kw)
    assert "的" not in kw


def test_english_tokens_and_keywords():
    text = "If you cancel before the end of your minimum term, an early termination fee applies."
    toks = tokens(text, "en")
    assert "cancel" in toks and "," not in toks
    kw = keywords(text, "en")
    assert {"cancel", "termination", "fee"} <= set(kw)
    assert "the" not in kw and "your" not in kw


def test_cli_keywords_option_adds_keywords_to_findings(run_cli):
    text = "本协议合约期为24个月，合约期内提前解约须支付违约金200元。"
    plain = json.loads(run_cli("-", "--format", "json", input=text).stdout)
    assert plain["findings"] and all(f["keywords"] == [] for f in plain["findings"])
    rich = json.loads(run_cli("-", "--format", "json", "--keywords", input=text).stdout)
    assert rich["findings"] and all(f["keywords"] for f in rich["findings"])
    assert any("违约金" in f["keywords"] for f in rich["findings"])


def test_exit_cost_formula_is_extracted():
    import analyzer

    rep = analyzer.scan("用户在合约期内提前解约的，应按剩余月份乘以月最低消费额支付违约金。")
    etf = [f for f in rep.findings if f.category == "early_termination_fee"]
    assert etf and etf[0].values.get("formula") == "remaining months x monthly minimum spend"
