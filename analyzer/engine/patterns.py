"""The pattern library: one YAML file per pattern under ``patterns/<category>/<name>.yaml``.

Files are discovered (no registration list), validated against the schema below with errors
that name the file and the field, and compiled once per process.

Schema (fields not listed are an error)::

    id: zh-monthly-minimum         # required, equals the file name without .yaml
    category: minimum_spend        # required, an id of TAXONOMY.md (= the folder name)
    lang: zh                       # required: zh or en
    description: ...               # required, one line: what clause this finds
    match: [regex, ...]            # any of them marks a candidate (required unless `concepts`)
    concepts: [name, ...]          # the concept form: every named concept (a lexicon of
                                   #   patterns/_concepts/) must occur within `window` chars
                                   #   of the match (whole clause without one), in any order;
                                   #   without `match`, the first concept is the match
    cue: name                      # a concept that must occur anywhere in the clause: the
                                   #   binding cue (须/应/视为/will be charged/you agree) that
                                   #   keeps headings, questions and how-to steps out
    require: [regex | [regex, ...]]  # each item must also match (a list: any of it)
    window: 40                     # require/exclude/protection look this many chars around
                                   #   the match instead of the whole sentence
    exclude: [regex, ...]          # any of them drops the candidate
    protection: [regex, ...]       # any of them turns the candidate into a protection
    context: [regex, ...]          # each raises confidence by 0.05
    confidence: 0.85               # 0..1, how sure a match is (not how bad: that is severity)
    values: [amount, months, ...]  # value keys to extract from the sentence
    value_anchor: [regex, ...]     # take values nearest to this in the sentence (e.g. the
                                   #   price after the promotion), else nearest to the match;
                                   #   in list order: the first that occurs in the sentence
    defaults: {period: once}       # filled in when the clause states the value but not this key
    set: {period: month}           # always part of the values (the match states it)
    explanation: {zh: ..., en: ...}  # required
    examples:                      # required: positive and negative in each language
      - {text: ..., expect: finding, values: {months: 24}}
      - {text: ..., expect: none}
      - {text: ..., expect: protection}

Regexes use the ``regex`` module, case-insensitive, on normalized text (half-width,
simplified Chinese, no line wraps) and run with a time limit. Shorthands: ``{NUM}`` a number
in digits or Chinese numerals, ``{AMOUNT}`` a sum of money, ``{PLACEHOLDER}`` a template
blank such as ``${minCharge}``, and ``{@name}`` the concept ``name`` in the pattern's language.
The dots inside a web address or an abbreviation ("Seenyor.com", "U.S.") reach the patterns as
middle dots, so "[^.;]" stays inside the clause; every word class (``[\\w&.-]``) takes that dot too.

Concept lexicons (``patterns/_concepts/*.yaml``, shared by every pattern, like Vale's
vocabularies) map a name to synonym sets written from how the industry words a term::

    penalty:
      description: money owed for breaking or leaving the agreement
      zh: [违约金, 违约责任, 赔偿金, ...]     # regex fragments; may use {NUM} and {@other}
      en: [early termination fee, termination charge, ...]

A finding records which concepts matched and with which words (``Finding.why``).
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import regex

from ..errors import PatternError
from .rxcache import cached_compile
from .taxonomy import CATEGORIES, VALUE_KEYS

_FIELDS = {"id", "category", "lang", "description", "match", "require", "window", "exclude",
           "protection", "context", "confidence", "values", "defaults", "set", "explanation",
           "examples", "severity", "todo", "value_anchor", "concepts", "cue"}
CONCEPT_DIR = "_concepts"  # lexicon folder inside a pattern directory (not patterns)
_CONCEPT_FIELDS = {"description", "zh", "en"}
_EXAMPLE_FIELDS = {"text", "expect", "values", "note"}
_EXPECT = {"finding", "none", "protection"}
FLAGS = regex.IGNORECASE | regex.VERSION0


@dataclass(frozen=True)
class Example:
    text: str
    expect: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Pattern:
    id: str
    category: str
    lang: str
    description: str
    match: regex.Pattern[str]
    require: tuple[regex.Pattern[str], ...]
    exclude: regex.Pattern[str] | None
    protection: regex.Pattern[str] | None
    context: tuple[regex.Pattern[str], ...]
    window: int | None
    confidence: float
    severity: str
    values: tuple[str, ...]
    value_anchor: regex.Pattern[str] | None
    defaults: dict[str, Any]
    set: dict[str, Any]
    explanation: dict[str, str]
    examples: tuple[Example, ...]
    path: str
    # what each part is called in a finding's explanation: the match, then each require item
    labels: tuple[str, ...] = ()
    cue: regex.Pattern[str] | None = None
    cue_name: str = ""
    # ``match`` alternative by alternative (see MatchFinder); empty: search ``match`` itself
    match_parts: tuple[regex.Pattern[str], ...] = ()
    # a windowed pattern's ``exclude`` alternatives anchored at the start or end (a question,
    # a heading, "^(?!.*…)"): tests of the whole sentence, searched there, not in the window
    exclude_whole: regex.Pattern[str] | None = None
    # ``value_anchor`` alternative by alternative, tried in order; empty: ``value_anchor`` itself
    value_anchor_parts: tuple[regex.Pattern[str], ...] = ()

    @property
    def full_id(self) -> str:
        return f"{self.category}/{self.id}"

    def regexes(self) -> tuple[Any, ...]:
        """Every regex the detector runs for this pattern (``match`` as it is searched: by its
        alternatives), for compiling them ahead."""
        fields = (*(self.match_parts or (self.match,)), *self.require, self.exclude, self.exclude_whole,
                  self.protection,
                  self.cue, *(self.value_anchor_parts or (self.value_anchor,)), *self.context)
        return tuple(rx for rx in fields if rx is not None)

    def finder(self, text: str) -> MatchFinder:
        """A search for this pattern's ``match`` in ``text`` (see MatchFinder)."""
        return MatchFinder(self.match_parts or (self.match,), text)


class MatchFinder:
    """Leftmost matches of a pattern's ``match`` alternatives in one text, as the joined
    alternation ``(?:a)|(?:b)|…`` would find them: the match that starts first, and of those
    starting at the same place the earliest alternative's.

    Each alternative is searched on its own: a joined alternation of a dozen alternatives
    gives up the literal scan each of them gets alone (up to 10x slower on a page of text, the
    largest cost of a scan), and an alternative's next match is kept until the search passes
    it, so every alternative reads the text about once. ``search`` must be called with
    positions that never go back (the detector's)."""

    __slots__ = ("_parts", "_text", "_from", "_next")

    def __init__(self, parts: tuple[Any, ...], text: str) -> None:
        self._parts, self._text = parts, text
        self._from = [-1] * len(parts)                       # where each alternative was searched from
        self._next: list[Any] = [None] * len(parts)           # and the match found then (None: none to the end)

    def search(self, pos: int, timeout: float | None = None) -> Any:
        """The leftmost match at or after ``pos``; TimeoutError past ``timeout`` seconds."""
        import time

        end = None if timeout is None else time.monotonic() + timeout
        best = None
        for i, rx in enumerate(self._parts):
            m = self._next[i]
            if self._from[i] < 0 or self._from[i] > pos or (m is not None and m.start() < pos):
                left = None
                if end is not None:
                    left = end - time.monotonic()
                    if left <= 0:
                        raise TimeoutError("regex timed out")
                m = rx.search(self._text, pos, timeout=left)
                self._from[i], self._next[i] = pos, m
            if m is not None and (best is None or m.start() < best.start()):
                best = m
        return best


def bundled_dir() -> Path:
    """The pattern library that ships with the package: ``analyzer/_patterns`` inside an
    installed wheel (found through importlib.resources, never a ``patterns`` folder that another
    package put beside it in site-packages), else ``patterns/`` of this project's own source
    checkout (an editable install or a clone on PYTHONPATH)."""
    from importlib.resources import files

    package = Path(str(files("analyzer")))
    inside = package / "_patterns"
    if inside.is_dir():
        return inside
    checkout = package.parent
    project = checkout / "pyproject.toml"
    if project.is_file() and (checkout / "patterns").is_dir() and \
            regex.search(r'(?m)^name\s*=\s*"terms-scan"', project.read_text(encoding="utf-8", errors="replace")):
        return checkout / "patterns"
    raise PatternError(f"the bundled pattern library is missing from {package} (reinstall terms-scan)")


def default_dirs() -> list[Path]:
    """The bundled library, plus any directories listed in TERMS_SCAN_PATTERNS (os.pathsep)."""
    extra = [Path(p) for p in os.environ.get("TERMS_SCAN_PATTERNS", "").split(os.pathsep) if p]
    return [bundled_dir(), *extra]


def _fail(path: Path, fld: str, msg: str) -> PatternError:
    return PatternError(f"{path}: field '{fld}': {msg}")


def _regex_list(path: Path, data: dict[str, Any], fld: str, nested: bool = False) -> list[Any]:
    raw = data.get(fld, [])
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        raise _fail(path, fld, "must be a list of regular expressions")
    out: list[Any] = []
    for i, item in enumerate(raw):
        if nested and isinstance(item, list):
            if not item or not all(isinstance(x, str) for x in item):
                raise _fail(path, f"{fld}[{i}]", "a list item must be a non-empty list of strings")
            out.append(list(item))
        elif isinstance(item, str) and item:
            out.append(item)
        else:
            raise _fail(path, f"{fld}[{i}]", "must be a non-empty string")
    return out


# Shorthands usable in any regex of a pattern file.
MACROS = {
    "{NUM}": r"(?:\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万壹贰叁肆伍陆柒捌玖拾佰仟]+)",
    "{AMOUNT}": r"(?:[¥￥$€£]\s?\d[\d,]*(?:\.\d+)?|\d[\d,]*(?:\.\d+)?\s*(?:元|块)|[零一二两三四五六七八九十百千万壹贰叁肆伍陆柒捌玖拾佰仟]+元)",
    # a blank in a printed form: ${Field}, ____, two spaces, or empty brackets 【 】 ( ) [ ] (NFKC has
    # turned （ ） into ( ) by then)
    "{PLACEHOLDER}": r"(?:\$\{[^}]{1,40}\}|\$F\{[^}]{1,40}\}|_{2,}|\s{2,}|【[\s_]{0,6}】|\([\s_]{0,6}\)|\[[\s_]{0,6}\])",
}


@dataclass(frozen=True)
class Concept:
    name: str
    description: str
    terms: dict[str, tuple[str, ...]]  # lang -> regex fragments
    path: str


_CONCEPT_REF = cached_compile(r"\{@([a-z][a-z0-9_]*)\}")


def expand(rx: str, lang: str | None = None, concepts: dict[str, Concept] | None = None,
           _depth: int = 0) -> str:
    """Replace the shorthands, and ``{@name}`` with the concept's terms in ``lang``."""
    if concepts is not None and "{@" in rx:
        if _depth > 4:
            raise ValueError("concepts refer to each other more than 4 levels deep")

        def sub(m: regex.Match[str]) -> str:
            c = concepts.get(m.group(1))
            if c is None:
                raise KeyError(m.group(1))
            terms = c.terms.get(lang or "", ())
            if not terms:
                raise LookupError(f"concept {c.name!r} has no {lang} terms ({c.path})")
            return "(?:" + "|".join(expand(t, lang, concepts, _depth + 1) for t in terms) + ")"

        rx = _CONCEPT_REF.sub(sub, rx)
    for k, v in MACROS.items():
        rx = rx.replace(k, v)
    return _WORD_CLASS.sub(_with_inner_dot, rx)


# A word class ("[\w&.-]+" for a brand, "[\w-]+" for a word) also takes the middle dot that stands
# for the dot inside a web address or an abbreviation ("Seenyor.com", "U.S."; see
# detect._inner_dots_read_as_middle_dots): a name written with one stays one word.
_WORD_CLASS = cached_compile(r"(?<!\\)\[\\w(?:[^\]\\\n]|\\.)*\]")
INNER_DOT = "\u00b7"  # what detect reads the dot of "Seenyor.com" or "U.S." as


def _with_inner_dot(m: regex.Match[str]) -> str:
    cls = m.group(0)
    if INNER_DOT in cls:
        return cls
    return cls[:-2] + INNER_DOT + "-]" if cls.endswith("-]") else cls[:-1] + INNER_DOT + "]"


def load_concepts(*dirs: Path) -> dict[str, Concept]:
    """The concept lexicons of the given pattern directories (``<dir>/_concepts/*.yaml``)."""
    out: dict[str, Concept] = {}
    for d in dirs:
        cdir = d / CONCEPT_DIR
        if not cdir.is_dir():
            continue
        for path in sorted(cdir.glob("*.yaml")):
            _, data = _read(path)
            if not isinstance(data, dict):
                raise PatternError(f"{path}: a concept file must map concept names to their terms")
            for name, body in data.items():
                if not isinstance(name, str) or not regex.fullmatch(r"[a-z][a-z0-9_]*", name):
                    raise _fail(path, str(name), "a concept name is lower case letters, digits and _")
                if name in out:
                    raise _fail(path, name, f"concept already defined in {out[name].path}")
                if not isinstance(body, dict) or set(body) - _CONCEPT_FIELDS:
                    raise _fail(path, name, "must be a mapping with description, zh and/or en")
                if not isinstance(body.get("description"), str) or not body["description"].strip():
                    raise _fail(path, f"{name}.description", "must be a non-empty string")
                terms: dict[str, tuple[str, ...]] = {}
                for lang in ("zh", "en"):
                    raw = body.get(lang, [])
                    if not isinstance(raw, list) or not all(isinstance(t, str) and t for t in raw):
                        raise _fail(path, f"{name}.{lang}", "must be a list of non-empty strings")
                    terms[lang] = tuple(raw)
                if not terms["zh"] and not terms["en"]:
                    raise _fail(path, name, "needs zh or en terms")
                out[name] = Concept(name, body["description"].strip(), terms, str(path))
    return out


def concepts_key(concepts: dict[str, Concept]) -> str:
    """A digest of the lexicons: a pattern's validation depends on the concepts it expands."""
    import hashlib

    h = hashlib.sha256()
    for name in sorted(concepts):
        c = concepts[name]
        h.update(repr((name, sorted(c.terms.items()))).encode())
    return h.hexdigest()[:16]


def _expand_all(path: Path, fld: str, alternatives: list[str], lang: str | None,
                concepts: dict[str, Concept] | None) -> list[str]:
    out = []
    for i, a in enumerate(alternatives):
        where = f"{fld}[{i}]" if len(alternatives) > 1 else fld
        try:
            out.append(expand(a, lang, concepts))
        except KeyError as err:
            known = ", ".join(sorted(concepts or {})) or "none"
            raise _fail(path, where, f"unknown concept {{@{err.args[0]}}} (known: {known})") from None
        except (LookupError, ValueError) as err:
            raise _fail(path, where, str(err)) from None
    return out


def _joined(alternatives: list[str]) -> str:
    """The one regex a field's (expanded) alternatives are searched as."""
    return "|".join(f"(?:{a})" for a in alternatives)


def _compile(path: Path, fld: str, alternatives: list[str], lang: str | None = None,
             concepts: dict[str, Concept] | None = None) -> regex.Pattern[str]:
    alternatives = _expand_all(path, fld, alternatives, lang, concepts)
    try:  # compile once; look for the culprit only on failure (compiling is the cost of a cold start)
        from .rxcache import default_cache

        return default_cache().compile(_joined(alternatives), FLAGS)
    except regex.error as joined_err:
        for i, a in enumerate(alternatives):
            try:
                regex.compile(a, FLAGS)
            except regex.error as err:
                raise _fail(path, f"{fld}[{i}]" if len(alternatives) > 1 else fld,
                            f"invalid regular expression {a!r}: {err}") from err
        raise _fail(path, fld, f"invalid regular expression: {joined_err}") from joined_err


def _compile_source(path: str, fld: str, source: str) -> regex.Pattern[str]:
    """A field's regex kept expanded in the library snapshot (``path`` and ``fld`` name it)."""
    from .rxcache import default_cache

    return default_cache().compile(source, FLAGS)


class LazyRegex:
    """A pattern regex compiled on first use. Used for files already validated (see
    ``load_dir``): a Chinese document never pays for compiling the English patterns."""

    __slots__ = ("_path", "_fld", "_alts", "_rx", "_lang", "_concepts", "_source")

    def __init__(self, path: Path | str, fld: str, alternatives: list[str], lang: str | None = None,
                 concepts: dict[str, Concept] | None = None, source: str | None = None) -> None:
        self._path, self._fld, self._alts = path, fld, alternatives
        self._rx: regex.Pattern[str] | None = None
        self._lang, self._concepts = lang, concepts
        self._source = source  # the expanded, joined regex (a snapshot's): nothing left to expand

    def compiled(self) -> regex.Pattern[str]:
        if self._rx is None:
            if self._source is not None:
                self._rx = _compile_source(str(self._path), self._fld, self._source)
            else:
                self._rx = _compile(Path(self._path), self._fld, self._alts, self._lang, self._concepts)
        return self._rx

    def __getattr__(self, name: str) -> Any:
        return getattr(self.compiled(), name)

    def __reduce__(self) -> tuple[Any, ...]:
        """Kept in the library snapshot uncompiled (see ``_snapshot_load``), as the regex it
        compiles to: concepts expanded once when the snapshot is written, not at every start
        (~10 ms of each cold scan), and no lexicons in the snapshot."""
        source = self._source
        if source is None:
            source = _joined(_expand_all(Path(self._path), self._fld, self._alts, self._lang, self._concepts))
        return (LazyRegex, (str(self._path), self._fld, [], self._lang, None, source))


def parse_pattern(path: Path, data: Any, lazy: bool = False,
                  concepts: dict[str, Concept] | None = None) -> Pattern:
    """Validate one pattern file's data and compile it (``lazy``: its regexes were validated
    before, compile them when first used). ``concepts``: the lexicons ``{@name}`` refers to
    (default: those of the bundled library)."""
    if concepts is None:
        concepts = bundled_concepts()
    lang_ = data.get("lang") if isinstance(data, dict) else None

    def mk(fld: str, alternatives: list[str], now: bool = not lazy) -> Any:
        if not now:
            return LazyRegex(path, fld, alternatives, lang_, concepts)
        return _compile(path, fld, alternatives, lang_, concepts)

    pid, cat, lang = _check_header(path, data)
    rx = _pattern_regexes(path, data, concepts, mk)
    window, conf, severity, values, expl = _check_settings(path, data, cat)
    examples = _examples(path, data["examples"], lang)
    whole: list[str] = []
    if window is not None and rx.exclude:
        anchored = [_anchored(x) for x in _expand_all(path, "exclude", rx.exclude, lang_, concepts)]
        whole = [a for a, yes in zip(rx.exclude, anchored, strict=True) if yes]
        rx.exclude = [a for a, yes in zip(rx.exclude, anchored, strict=True) if not yes]
    return Pattern(
        id=pid, category=cat, lang=lang, description=data["description"].strip(),
        match=mk("match", rx.match), require=rx.require,
        exclude=mk("exclude", rx.exclude) if rx.exclude else None,
        protection=mk("protection", rx.protection) if rx.protection else None,
        context=tuple(mk("context", [c]) for c in rx.context),
        window=window, confidence=float(conf), severity=severity, values=tuple(values),
        value_anchor=mk("value_anchor", rx.value_anchor) if rx.value_anchor else None,
        defaults=dict(data.get("defaults", {})), set=dict(data.get("set", {})),
        explanation={"zh": expl["zh"].strip(), "en": expl["en"].strip()},
        examples=examples, path=str(path), labels=tuple(rx.labels),
        cue=mk("cue", ["{@" + rx.cue_name + "}"]) if rx.cue_name else None, cue_name=rx.cue_name,
        # compiled when first searched (the joined ``match`` above validated them)
        match_parts=tuple(mk(f"match[{i}]", [a], now=False) for i, a in enumerate(rx.match))
        if len(rx.match) > 1 else (),
        exclude_whole=mk("exclude_whole", whole) if whole else None,
        value_anchor_parts=tuple(mk(f"value_anchor[{i}]", [a], now=False) for i, a in enumerate(rx.value_anchor))
        if len(rx.value_anchor) > 1 else (),
    )


_CLASS_OR_ESCAPE = regex.compile(r"\\.|\[\^?\]?(?:\\.|[^\]\\])*\]")
_ANCHOR = regex.compile(r"[$^]|\\[AZ]")


@lru_cache(maxsize=4096)  # a concept's expansion ({@question}) recurs in many files
def _anchored(rx: str) -> bool:
    """Does a regex anchor at the start or end of the searched text (outside character classes)?"""
    bare = _CLASS_OR_ESCAPE.sub(lambda m: m.group() if m.group() in ("\\A", "\\Z") else "", rx)
    return _ANCHOR.search(bare) is not None


def _check_header(path: Path, data: Any) -> tuple[str, str, str]:
    """The file's fields, its id (the file name), category (its folder's) and language; the
    required fields present and the description not empty."""
    if not isinstance(data, dict):
        raise PatternError(f"{path}: a pattern file must be a YAML mapping")
    unknown = set(data) - _FIELDS
    if unknown:
        raise _fail(path, sorted(unknown)[0], f"unknown field (allowed: {', '.join(sorted(_FIELDS))})")
    for req in ("id", "category", "lang", "description", "explanation", "examples"):
        if req not in data:
            raise _fail(path, req, "is required")
    if "match" not in data and "concepts" not in data:
        raise _fail(path, "match", "is required (or give `concepts`)")
    pid = data["id"]
    if not isinstance(pid, str) or pid != path.stem:
        raise _fail(path, "id", f"must equal the file name without .yaml ({path.stem!r})")
    cat = data["category"]
    if cat not in CATEGORIES:
        raise _fail(path, "category", f"{cat!r} is not a category of TAXONOMY.md")
    if path.parent.name in CATEGORIES and path.parent.name != cat:
        raise _fail(path, "category", f"{cat!r} but the file is in the folder {path.parent.name!r}")
    lang = data["lang"]
    if lang not in ("zh", "en"):
        raise _fail(path, "lang", "must be 'zh' or 'en'")
    if not isinstance(data["description"], str) or not data["description"].strip():
        raise _fail(path, "description", "must be a non-empty string")
    return pid, cat, lang


@dataclass
class _PatternRegexes:
    """A pattern file's regular expressions, as written (``require`` already compiled)."""

    match: list[str]
    require: tuple[Any, ...]
    labels: list[str]
    cue_name: str
    exclude: list[str]
    protection: list[str]
    context: list[str]
    value_anchor: list[str]


def _pattern_regexes(path: Path, data: dict[str, Any], concepts: dict[str, Concept],
                     mk: Callable[[str, list[str]], Any]) -> _PatternRegexes:
    """The regexes of a pattern file: ``match`` (or its first concept), ``require`` (the other
    concepts first), the cue, ``exclude``, ``protection``, ``context`` and ``value_anchor``."""
    names = data.get("concepts", [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise _fail(path, "concepts", "must be a list of concept names")
    for i, n in enumerate(names):
        if n not in concepts:
            raise _fail(path, f"concepts[{i}]", f"unknown concept {n!r} (known: {', '.join(sorted(concepts)) or 'none'})")
    match = _regex_list(path, data, "match")
    labels = ["match"]
    if not match and names:
        match, names = ["{@" + names[0] + "}"], names[1:]
        labels = [data["concepts"][0]]
    if not match:
        raise _fail(path, "match", "needs at least one regular expression")
    require_raw = _regex_list(path, data, "require", nested=True)
    require_raw = [["{@" + n + "}"] for n in names] + require_raw
    labels += list(names) + [f"require[{i}]" for i in range(len(require_raw) - len(names))]
    require = tuple(mk(f"require[{i}]", r if isinstance(r, list) else [r]) for i, r in enumerate(require_raw))
    cue_name = data.get("cue", "")
    if cue_name and (not isinstance(cue_name, str) or cue_name not in concepts):
        raise _fail(path, "cue", f"must name a concept (known: {', '.join(sorted(concepts)) or 'none'})")
    exclude = _regex_list(path, data, "exclude")
    if data.get("cue") and "question" in concepts:
        exclude.append("{@question}")  # a binding clause is not a question or a how-to heading
    protection = _regex_list(path, data, "protection")
    context = _regex_list(path, data, "context")
    value_anchor = _regex_list(path, data, "value_anchor")
    return _PatternRegexes(match, require, labels, cue_name, exclude, protection, context, value_anchor)


def _check_settings(path: Path, data: dict[str, Any], cat: str) -> tuple[Any, Any, Any, Any, Any]:
    """window, confidence, severity (default: the category's), values and explanation, checked
    (``defaults`` and ``set`` too)."""
    window = data.get("window")
    if window is not None and (not isinstance(window, int) or window <= 0):
        raise _fail(path, "window", "must be a positive integer (characters)")
    conf = data.get("confidence", 0.8)
    if not isinstance(conf, (int, float)) or not 0 < conf <= 1:
        raise _fail(path, "confidence", "must be a number in (0, 1]")
    severity = data.get("severity", CATEGORIES[cat].severity)
    if severity not in ("low", "medium", "high"):
        raise _fail(path, "severity", "must be low, medium or high")
    values = data.get("values", [])
    if not isinstance(values, list) or any(v not in VALUE_KEYS for v in values):
        raise _fail(path, "values", f"must be a list of value keys ({', '.join(VALUE_KEYS)})")
    for fld in ("defaults", "set"):
        d = data.get(fld, {})
        if not isinstance(d, dict) or any(k not in VALUE_KEYS for k in d):
            raise _fail(path, fld, f"must map value keys ({', '.join(VALUE_KEYS)}) to values")
    expl = data["explanation"]
    if not isinstance(expl, dict) or not all(isinstance(expl.get(k), str) and expl[k].strip() for k in ("zh", "en")):
        raise _fail(path, "explanation", "must have non-empty 'zh' and 'en' texts")
    return window, conf, severity, values, expl


def _examples(path: Path, raw: Any, lang: str) -> tuple[Example, ...]:
    if not isinstance(raw, list) or not raw:
        raise _fail(path, "examples", "must be a non-empty list")
    out = []
    for i, ex in enumerate(raw):
        if not isinstance(ex, dict):
            raise _fail(path, f"examples[{i}]", "must be a mapping with 'text' and 'expect'")
        unknown = set(ex) - _EXAMPLE_FIELDS
        if unknown:
            raise _fail(path, f"examples[{i}].{sorted(unknown)[0]}", "unknown field")
        if not isinstance(ex.get("text"), str) or not ex["text"].strip():
            raise _fail(path, f"examples[{i}].text", "must be a non-empty string")
        expect = ex.get("expect")
        if expect not in _EXPECT:
            raise _fail(path, f"examples[{i}].expect", f"must be one of {', '.join(sorted(_EXPECT))}")
        vals = ex.get("values", {})
        if not isinstance(vals, dict) or any(k not in VALUE_KEYS for k in vals):
            raise _fail(path, f"examples[{i}].values", "must map value keys to expected values")
        out.append(Example(ex["text"], expect, dict(vals)))
    if not any(e.expect == "finding" for e in out):
        raise _fail(path, "examples", f"needs at least one positive ({lang}) example (expect: finding)")
    if not any(e.expect != "finding" for e in out):
        raise _fail(path, "examples", f"needs at least one negative ({lang}) example (expect: none or protection)")
    return tuple(out)


def _parse_yaml(raw: bytes) -> Any:
    """The file's YAML data, through the parsed-YAML cache (a cold start reads ~400 files)."""
    from .rxcache import load_yaml

    return load_yaml(raw)


def _read(path: Path) -> tuple[bytes, Any]:
    try:
        raw = path.read_bytes()
        data = _parse_yaml(raw)
    except UnicodeDecodeError as err:
        raise PatternError(f"{path}: not UTF-8 text: {err}") from err
    except OSError as err:
        raise PatternError(f"{path}: cannot read: {err}") from err
    except Exception as err:
        import yaml  # imported by the parse that failed: a start served by the cache never imports it

        if isinstance(err, yaml.YAMLError):
            raise PatternError(f"{path}: not valid YAML: {err}") from err
        raise
    return raw, data


def load_file(path: Path, concepts: dict[str, Concept] | None = None) -> Pattern:
    """Load, validate and compile one pattern file (``{@name}`` from ``concepts``, default
    the bundled lexicons plus those of the library the file is in)."""
    if concepts is None:
        root = path.parent.parent if path.parent.name in CATEGORIES else path.parent
        own = load_concepts(root) if root.resolve() != default_dirs()[0].resolve() else {}
        concepts = {**bundled_concepts(), **own}
    return parse_pattern(path, _read(path)[1], concepts=concepts)


@lru_cache(maxsize=1)
def bundled_concepts() -> dict[str, Concept]:
    return load_concepts(default_dirs()[0])


def _cache_file() -> Path | None:
    """Where the ids of pattern files that passed validation are kept (None: no cache)."""
    if os.environ.get("TERMS_SCAN_NO_CACHE"):
        return None
    base = os.environ.get("TERMS_SCAN_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "terms-scan" / "validated-patterns.txt"


def _validation_key(raw: bytes, lexicon: str = "") -> str:
    import hashlib

    h = hashlib.sha256(raw)
    h.update(f"|regex {regex.__version__}|{sorted(MACROS.items())}|{FLAGS}|{lexicon}".encode())
    return h.hexdigest()[:32]


def load_dir(*dirs: Path) -> tuple[Pattern, ...]:
    """All patterns under the given directories, sorted by id; duplicate ids are an error.

    A file whose exact content was validated before (a key in the user cache) is loaded with
    lazy regexes; any other file is compiled now, so an error is reported at load time."""
    cache = _cache_file()
    snap = _snapshot_file(cache, dirs)
    if snap is not None:
        got = _snapshot_load(snap)
        if got is not None:
            return got
    try:
        order = cache.read_text(encoding="ascii").split() if cache else []
    except (OSError, UnicodeDecodeError):
        order = []
    known = set(order)
    fresh: list[str] = []
    seen: dict[str, str] = {}
    out: list[Pattern] = []
    for d in dirs:
        if not d.is_dir():
            from ..errors import ExitCode

            err = PatternError(f"{d}: pattern directory not found (--patterns names a folder of pattern files)")
            err.exit_code = ExitCode.USAGE  # the user named a folder that is not there: not a bug
            raise err
    concepts = load_concepts(*dirs)
    lexicon = concepts_key(concepts)
    for d in dirs:
        for path in sorted(d.rglob("*.yaml")):
            if CONCEPT_DIR in path.relative_to(d).parts:
                continue
            raw, data = _read(path)
            key = _validation_key(raw, lexicon)
            p = parse_pattern(path, data, lazy=key in known, concepts=concepts)
            if key not in known:
                fresh.append(key)
            if p.full_id in seen:
                raise _fail(path, "id", f"{p.full_id!r} is already defined in {seen[p.full_id]}")
            seen[p.full_id] = str(path)
            out.append(p)
    if cache and fresh:
        _remember(cache, order, fresh)
    if snap is not None and not fresh:  # every file validated before: its regexes are all lazy
        _snapshot_save(snap, tuple(out))
    return tuple(out)


# The library snapshot: a cold start reads ~550 pattern files and ~60 lexicons, parses and checks
# each (~75 ms of every scan, the largest part of building the scanner). Once every file of a
# library has been validated, the loaded library is kept whole in the user cache, keyed by the
# name and bytes of every file of its directories (a hash: ~10 ms), the loader's own code and
# the regex and Python versions; any change to any of them is another key, read the slow way.
# The file is pickled Pattern objects behind a magic string and a SHA-256 of the payload; it is
# read by an unpickler that refuses every class but the library's own (Pattern, Example,
# LazyRegex, Concept, paths), so a foreign or tampered file can fail to load, never run code.
_SNAPSHOT_MAGIC = b"terms-scan pattern library 1\n"
_SNAPSHOT_KEEP = 4  # libraries side by side (versions, extra pattern folders); the oldest go first
# The bytes of every file the snapshot key was computed from, by path: the scanner's library
# version (pipeline._library_version) hashes the same files, and reading ~600 files a second time
# was ~10-20 ms of every cold scan. Taken out (popped) by file_bytes, so a process keeps them
# only between loading the library and building its first scanner.
_READ: dict[str, bytes] = {}


def file_bytes(path: str | Path) -> bytes:
    """The bytes of a library file: the ones read for the snapshot key in this process, else
    read now."""
    raw = _READ.pop(str(path), None)
    return raw if raw is not None else Path(path).read_bytes()


def _snapshot_file(cache: Path | None, dirs: tuple[Path, ...]) -> Path | None:
    """Where the snapshot of the library in ``dirs`` is kept (None: caching is off or a folder
    cannot be listed)."""
    if cache is None:
        return None
    import hashlib
    import sys

    h = hashlib.sha256(f"{sys.version}|{regex.__version__}|{sorted(MACROS.items())}|{FLAGS}".encode())
    try:
        for code in (Path(__file__), Path(__file__).with_name("taxonomy.py")):
            h.update(code.read_bytes())
        for d in dirs:
            h.update(f"\0{d.resolve()}".encode())
            for top, subdirs, names in os.walk(d):  # os.walk: a third of rglob's time on ~600 files
                subdirs.sort()
                for name in sorted(names):
                    if name.endswith(".yaml"):
                        # the bytes, not the size and time: an edit within one clock tick that
                        # keeps the size would otherwise load the old library (~6 ms more)
                        with open(os.path.join(top, name), "rb") as fh:
                            raw = fh.read()
                        _READ[os.path.join(top, name)] = raw
                        h.update(f"\0{top}/{name}|{len(raw)}|".encode())
                        h.update(raw)
    except OSError:
        return None
    return cache.with_name(f"library-{h.hexdigest()[:32]}.bin")


_SNAPSHOT_CLASSES = frozenset({("analyzer.engine.patterns", n) for n in ("Pattern", "Example", "LazyRegex", "Concept")}
                               | {("pathlib", n) for n in ("Path", "PosixPath", "WindowsPath")})


def _restricted_loads(payload: bytes) -> Any:
    """Unpickle ``payload``, building only the library's own classes (_SNAPSHOT_CLASSES)."""
    import io
    import pickle

    class Restricted(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> Any:
            if (module, name) not in _SNAPSHOT_CLASSES:
                raise pickle.UnpicklingError(f"{module}.{name} is not part of a pattern library")
            return super().find_class(module, name)

    return Restricted(io.BytesIO(payload)).load()


def _snapshot_load(path: Path) -> tuple[Pattern, ...] | None:
    """The library kept in ``path``, or None (missing, torn, foreign or of another shape)."""
    import hashlib

    try:
        data = path.read_bytes()
    except OSError:
        return None
    n = len(_SNAPSHOT_MAGIC)
    if not data.startswith(_SNAPSHOT_MAGIC) or hashlib.sha256(data[n + 32:]).digest() != data[n:n + 32]:
        return None
    try:
        got = _restricted_loads(data[n + 32:])
    except Exception:  # a damaged or foreign file: read the files instead
        return None
    if not isinstance(got, tuple) or not all(isinstance(p, Pattern) for p in got):
        return None
    return got


def _snapshot_save(path: Path, patterns: tuple[Pattern, ...]) -> None:
    """Keep ``patterns`` in ``path``, written whole and renamed (never half-written); the oldest
    snapshots beyond _SNAPSHOT_KEEP are removed. Failures only cost the slow load next time."""
    import hashlib
    import pickle
    import tempfile

    try:
        payload = pickle.dumps(patterns, protocol=pickle.HIGHEST_PROTOCOL)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".library-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(_SNAPSHOT_MAGIC + hashlib.sha256(payload).digest() + payload)
        os.replace(tmp, path)
        old = sorted(path.parent.glob("library-*.bin"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in old[_SNAPSHOT_KEEP:]:
            stale.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError, RecursionError):
        pass


_CACHE_KEYS = 5000


def _remember(cache: Path, order: list[str], fresh: list[str]) -> None:
    """Add validated keys to the cache, oldest dropped first once it holds _CACHE_KEYS; written
    whole and renamed, never half-written."""
    import tempfile

    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        keys = list(dict.fromkeys([*order, *fresh]))[-_CACHE_KEYS:]
        fd, tmp = tempfile.mkstemp(dir=cache.parent, prefix=".validated-")
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write("\n".join(keys) + "\n")
        os.replace(tmp, cache)
    except OSError:
        pass  # a read-only home only costs the eager compile next time


@lru_cache(maxsize=8)
def _load_cached(dirs: tuple[str, ...]) -> tuple[Pattern, ...]:
    return load_dir(*(Path(d) for d in dirs))


def library(extra_dirs: tuple[str, ...] = ()) -> tuple[Pattern, ...]:
    """The compiled pattern library, loaded once per process."""
    dirs = tuple(str(d) for d in default_dirs()) + tuple(str(d) for d in extra_dirs)
    return _load_cached(dirs)
