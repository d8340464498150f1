"""The words of the reports, by language, from ``locale/<lang>.yaml`` (one catalog per
language, the same keys and placeholders in each: tests/render/test_i18n.py checks it).

``words(lang)`` gives a ``Words`` for one language: ``w.s("verdict")`` an interface string,
``w.of("claim_status", "contradicted")`` a word from a table (the key itself when the table
lacks it, so a new status from the advice never breaks a report), ``w.label(category)`` a
category's name from the taxonomy."""
from __future__ import annotations

import functools
from importlib.resources import files
from typing import Any

from ..engine.rxcache import load_yaml
from ..engine.taxonomy import CATEGORIES

LANGS = ("zh", "en")


@functools.cache
def catalog(lang: str) -> dict[str, Any]:
    """The catalog of ``lang`` (English for a language without one): tables of words
    ({key: word}) and ``arith``, a list of [regex, replacement] pairs."""
    name = lang if lang in LANGS else "en"
    text = (files("analyzer.render") / "locale" / f"{name}.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = load_yaml(text)
    return data


class Words:
    """The report words of one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGS else "en"
        self._c: dict[str, dict[str, str]] = catalog(self.lang)  # the tables of words

    def s(self, key: str) -> str:
        return self._c["strings"][key]

    def of(self, table: str, key: Any) -> str:
        k = {True: "true", False: "false", None: "unknown"}.get(key, key) if not isinstance(key, str) else key
        return self._c[table].get(k, str(key))

    def sev(self, severity: str) -> str:
        return self.of("severity", severity)

    def label(self, category: str) -> str:
        c = CATEGORIES.get(category)
        return (c.zh if self.lang == "zh" else c.en) if c else category


@functools.cache
def words(lang: str) -> Words:
    return Words(lang)
