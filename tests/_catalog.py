"""Shared by the parity tests of the message catalogs (report frame, digest)."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

PLACEHOLDER = re.compile(r"%\(\w+\)[ds]|%[ds]|\{\w+\}")


def assert_parity(catalog: Callable[[str], dict[str, Any]], langs: Iterable[str], base_lang: str = "en") -> None:
    """Every language has the same sections, keys and placeholders as ``base_lang``; a section
    that is not a table (rewrite rules, language-specific) is compared by name only."""
    base = catalog(base_lang)
    for lang in langs:
        c = catalog(lang)
        assert set(c) == set(base), lang
        for section, table in base.items():
            if not isinstance(table, dict):
                continue
            assert set(c[section]) == set(table), (lang, section)
            for key, text in table.items():
                assert sorted(PLACEHOLDER.findall(str(c[section][key]))) == sorted(PLACEHOLDER.findall(str(text))), \
                    (lang, section, key)
