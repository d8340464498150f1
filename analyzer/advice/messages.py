"""The advice's own sentences, by language, from ``locale/<lang>.yaml`` (one catalog per
language, the same message ids and placeholders in each: tests/advice/test_messages.py checks it).

``msg("exit.part.fixed", amount=...)`` formats one message in every language of the catalog and
returns ``{"zh": ..., "en": ...}`` (the advice's ``Text``). A parameter is either one value for
every language (a number already formatted with ``_num``, a quote from the agreement) or a
mapping by language (another message, a clause reference, an amount of money), of which each
language takes its own. An unknown id, a placeholder without a parameter, or a parameter that
no language uses raises ``MessageError`` at once.

The catalogs nest ids by their dotted parts (``exit:`` / ``part:`` / ``fixed:``). A language may
leave out a parameter it has no word for (English does not tell leaving a phone line, 离网, from
quitting a service, 退出); the test lists those omissions."""
from __future__ import annotations

import functools
import string
from collections.abc import Iterable, Mapping
from importlib.resources import files
from typing import Any, TypeAlias

from ..engine.rxcache import load_yaml

LANGS = ("zh", "en")

Text: TypeAlias = dict[str, str]  # {"zh": str, "en": str}, as model.Text
Param: TypeAlias = str | int | float | Mapping[str, str]


class MessageError(LookupError):
    """An unknown message id, or parameters that do not match the message's placeholders."""


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in tree.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(_flatten(v, key + "."))
        elif isinstance(v, str):
            out[key] = v
        else:
            raise MessageError(f"message {key!r} is not a string: {v!r}")
    return out


@functools.cache
def catalog(lang: str) -> dict[str, str]:
    """The messages of ``lang``, by dotted id."""
    if lang not in LANGS:
        raise MessageError(f"no advice catalog for language {lang!r}")
    text = (files("analyzer.advice") / "locale" / f"{lang}.yaml").read_text(encoding="utf-8")
    return _flatten(load_yaml(text) or {})


@functools.cache
def placeholders(template: str) -> frozenset[str]:
    """The named placeholders of a message ("{months}")."""
    names = set()
    for _, name, _, _ in string.Formatter().parse(template):
        if name is not None:
            if not name.isidentifier():
                raise MessageError(f"placeholder {{{name}}} is not a plain name in {template!r}")
            names.add(name)
    return frozenset(names)


def _in(value: Param, lang: str) -> Any:
    if isinstance(value, Mapping):
        if lang not in value:
            raise MessageError(f"parameter has no {lang!r} value: {value!r}")
        return value[lang]
    return value


def msg(key: str, **params: Param) -> Text:
    """The message ``key`` in every language, its placeholders filled from ``params``."""
    templates = {}
    for lang in LANGS:
        c = catalog(lang)
        if key not in c:
            raise MessageError(f"no message {key!r} in the {lang!r} catalog")
        templates[lang] = c[key]
    used: set[str] = set()
    for lang, template in templates.items():
        names = placeholders(template)
        missing = names - params.keys()
        if missing:
            raise MessageError(f"message {key!r} ({lang}) needs {sorted(missing)}")
        used |= names
    unused = params.keys() - used
    if unused:
        raise MessageError(f"message {key!r} has no placeholder for {sorted(unused)}")
    return {lang: template.format_map({k: _in(v, lang) for k, v in params.items()})
            for lang, template in templates.items()}


def concat(*parts: Param) -> Text:
    """Texts (or language-neutral strings) one after the other, in every language."""
    return {lang: "".join(str(_in(p, lang)) for p in parts) for lang in LANGS}


def join(sep: str, items: Iterable[Param]) -> Text:
    """``items`` joined by the separator message ``sep`` ("sep.semicolon": "；" / "; ")."""
    s = msg(sep)
    items = list(items)
    return {lang: s[lang].join(str(_in(i, lang)) for i in items) for lang in LANGS}


def upper_first(t: Text) -> Text:
    """The first letter capitalised (a sentence that starts with a lower-case fragment)."""
    return {lang: v[:1].upper() + v[1:] for lang, v in t.items()}


def lower_first(t: Text) -> Text:
    """The first letter in lower case (a label used inside a sentence)."""
    return {lang: v[:1].lower() + v[1:] for lang, v in t.items()}
