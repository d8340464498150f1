"""The report words live in locale/<lang>.yaml: every language has the same keys and the same
placeholders, so adding a language or fixing a wording touches only that folder."""
from __future__ import annotations

import pytest
from _catalog import assert_parity

from analyzer.render.i18n import LANGS, catalog, words


def test_every_language_has_the_same_keys_and_placeholders():
    assert_parity(catalog, LANGS)


@pytest.mark.parametrize("lang", LANGS)
def test_no_empty_words(lang):
    for section, table in catalog(lang).items():
        if isinstance(table, dict):
            assert all(str(v).strip() for v in table.values()), (lang, section)


def test_unknown_table_keys_fall_back_to_the_key_and_unknown_languages_to_english():
    w = words("zh")
    assert w.of("claim_status", "contradicted") == "与协议不符"
    assert w.of("claim_status", "new-status") == "new-status"
    assert w.of("applies", None) == "视你的情况而定" and w.of("applies", True) == "适用"
    assert words("fr").s("verdict") == "Verdict"


def test_the_chinese_arith_rules_translate_formula_words():
    from analyzer.render.view import arith

    assert arith("(12 - 1) x 199 x 20% (at least 300)", "zh") == "(12 - 1) x 199 x 20%（最低300）"
    assert arith("(12 - 1) x 199 x 20% (at least 300)", "en") == "(12 - 1) x 199 x 20% (at least 300)"
