"""The digest of a watch run: per source new / unchanged / changed (terms) / changed (formatting
only) / failed / upgraded, with the clauses added and removed, the values changed (both quotes)
and a compact text diff. Rendered as terminal text (rich), JSON, Markdown and an Atom 1.0 feed.

The Markdown digest and the feed entries' content come from ``templates/*.j2`` (Jinja2) over a
small per-source view (``_SourceView``: plain strings the Python side prepares); the words of
every format come from ``locale/<lang>.yaml`` (the same keys and placeholders in each language:
tests/watch/test_digest_i18n.py checks it).

Agreement text is data, never markup: the terminal output is built from ``rich.text.Text``
objects only, Markdown escapes it (``md_escape`` as the templates' ``|md`` filter, fenced blocks
longer than any backtick run), the feed is written by ``xml.etree`` (escaped) and its HTML
content escapes it again (autoescape, ``html.escape`` of every value).
"""
from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..model import Finding
from ..render.money import money
from .diff import ClauseChange, NumberChange

if TYPE_CHECKING:  # pragma: no cover
    import jinja2

SCHEMA = "terms-scan/digest@1"
STATUSES = ("new", "unchanged", "changed", "formatting", "failed", "upgraded")
VALUE_KEYS = ("months", "amount", "days", "percent", "data_gb", "speed_kbps", "formula")


@dataclass(frozen=True)
class SourceDigest:
    id: str
    status: str        # new | unchanged | changed | formatting | failed | upgraded
    version: int | None = None
    added: tuple[Finding, ...] = ()
    removed: tuple[Finding, ...] = ()
    changed: tuple[ClauseChange, ...] = ()
    text_diff: str = ""
    error: str | None = None
    incomplete: str | None = None    # the version's scan ran out of its budget: findings may be missing
    url: str | None = None
    previous_version: int | None = None
    name: str | None = None          # the source's human title, when sources.yaml gives one
    fetched_at: str | None = None
    # numbers that changed in reworded sentences no clause change above reports (days, GB, money…)
    numbers: tuple[NumberChange, ...] = ()
    # a failed source: how many runs in a row it has failed, since when, and its last success
    failing_runs: int = 0
    failing_since: str | None = None
    last_success: str | None = None
    diff_page: str | None = None     # link to the version's HTML diff page (watch --diff-pages)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "version": self.version,
            "added": [f.to_dict() for f in self.added],
            "removed": [f.to_dict() for f in self.removed],
            "changed": [_change_dict(c) for c in self.changed],
            "error": self.error,
            **({"incomplete": self.incomplete} if self.incomplete else {}),
            "previous_version": self.previous_version,
            "url": self.url,
            "name": self.name,
            "fetched_at": self.fetched_at,
            "text_diff": self.text_diff,
            "numbers": [{**n.to_dict(), "summary": describe_number(n)} for n in self.numbers],
            **({"triage": _triage_dict(self)} if self.status == "changed" else {}),
            **({"failing_runs": self.failing_runs, "failing_since": self.failing_since,
                "last_success": self.last_success} if self.status == "failed" else {}),
            **({"diff_page": self.diff_page} if self.diff_page else {}),
        }


@dataclass(frozen=True)
class Digest:
    sources: tuple[SourceDigest, ...]
    generated_at: str = field(default_factory=lambda: _iso(None))

    def to_dict(self) -> dict[str, Any]:
        counts = {s: 0 for s in STATUSES}
        for sd in self.sources:
            counts[sd.status] = counts.get(sd.status, 0) + 1
        return {
            "schema": SCHEMA,
            "generated_at": self.generated_at,
            "tool": {"name": "terms-scan", "version": __version__},
            "changed": self.changed,
            "counts": counts,
            "sources": [sd.to_dict() for sd in self.sources],
        }

    @property
    def changed(self) -> bool:
        """Did any source change in its terms (not formatting only)?"""
        return any(sd.status == "changed" for sd in self.sources)

    def to_json(self, indent: int | None = 2) -> str:
        from ..safetext import json_dumps

        return json_dumps(self.to_dict(), indent)


def _change_dict(c: ClauseChange) -> dict[str, Any]:
    return {**c.to_dict(), "summary": describe_change(c),
            "fields": [] if c.unmatched else [{"key": k, "before": b, "after": a} for k, b, a in changed_fields(c)]}


# --------------------------------------------------------------------------- values changed

_MIN_SPEND = re.compile(r"minimum\s+(?:monthly\s+)?(?:spend|charge|commitment|payment)|最低消费|保底|低消", re.I)
_MONTHLY_CHARGE = re.compile(r"monthly\s+(?:recurring\s+)?(?:charge|fee|rate|service\s+charge)s?|mrc|月租|月费|套餐费",
                             re.I)
_EXIT_CATEGORIES = ("early_termination_fee",)


def _num(x: Any) -> str:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return str(x)
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def _money(values: dict[str, Any], lang: str) -> str:
    return money(values.get("amount"), values.get("currency"), lang, values.get("period"), missing="—")


def changed_fields(change: ClauseChange) -> list[tuple[str, Any, Any]]:
    """(key, before, after) for every value that differs, in a stable order."""
    before, after = dict(change.before), dict(change.after)
    keys = [k for k in VALUE_KEYS if k in before or k in after]
    keys += sorted(k for k in set(before) | set(after) if k not in VALUE_KEYS)
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


def _months_unit(change: ClauseChange, lang: str) -> str:
    """'months', or 'months of minimum spend' for an exit fee counted in months of a charge."""
    if change.category in _EXIT_CATEGORIES:
        b, a = change.before, change.after
        if "amount" not in b and "amount" not in a:
            text = " ".join(str(x or "") for x in (b.get("formula"), a.get("formula"),
                                                   change.evidence_before, change.evidence_after))
            if _MIN_SPEND.search(text):
                return _unit("months_min_spend", lang)
            if _MONTHLY_CHARGE.search(text):
                return _unit("months_monthly", lang)
    return _unit("months", lang)


def describe_change(change: ClauseChange, lang: str = "en") -> str:
    """One human line for a values change: ``early_termination_fee: 2 → 3 months of minimum spend``,
    ``lock_in: 12 → 24 months``, ``minimum_spend: $39 a month → $49 a month``."""
    cat = change.category or "?"
    words = _words(lang, "change")
    if change.unmatched:  # still in the text, reworded past every pattern: not "removed"
        return f"{cat}: " + words["unmatched"]
    before, after = dict(change.before), dict(change.after)
    none = words["not_stated"]
    parts: list[str] = []
    diffs = {k: (b, a) for k, b, a in changed_fields(change)}

    def pair(b: Any, a: Any, unit: str = "", fmt: Callable[[Any], str] = _num) -> str:
        """``2 → 3 months``: ``unit`` carries the space before it where the language puts one."""
        bs = fmt(b) if b is not None else none
        as_ = fmt(a) if a is not None else none
        return f"{bs} → {as_}{unit}"

    if "months" in diffs:
        parts.append(pair(*diffs.pop("months"), unit=_months_unit(change, lang)))
    money_keys = {"amount", "currency", "period"}
    if money_keys & set(diffs):
        for k in money_keys:
            diffs.pop(k, None)
        b = _money(before, lang) if "amount" in before else none
        a = _money(after, lang) if "amount" in after else none
        parts.append(f"{b} → {a}")
    for key in ("days", "data_gb", "speed_kbps"):
        if key in diffs:
            parts.append(pair(*diffs.pop(key), unit=_unit(key, lang)))
    if "percent" in diffs:
        parts.append(pair(*diffs.pop("percent"), fmt=lambda x: f"{_num(x)}%"))
    if "formula" in diffs:
        b, a = diffs.pop("formula")
        parts.append(pair(b, a, fmt=lambda x: f"“{x}”"))
    for key, (b, a) in diffs.items():
        parts.append(f"{key} {pair(b, a)}")
    if not parts:
        parts.append(words["reworded"])
    return f"{cat}: " + "; ".join(parts)


_NUMBER_KINDS = ("days", "months", "data_gb", "speed_kbps", "amount", "percent")  # the units a NumberChange has


def _triage_dict(sd: SourceDigest) -> dict[str, Any]:
    from .triage import triage

    return triage(sd).to_dict()


def describe_number(n: NumberChange, lang: str = "en") -> str:
    """``30 → 60 days``, ``1,000 → 512 kbps``, ``39 → 49 (amount)``."""
    unit = _unit(n.kind, lang) if n.kind in _NUMBER_KINDS else ""

    def side(vals: tuple[float, ...]) -> str:
        return ", ".join(_num(v) for v in vals)

    words = _words(lang, "change")
    if not n.after:
        return f"{side(n.before)}{unit}{words['no_longer_stated']}"
    if not n.before:
        return f"{side(n.after)}{unit}{words['newly_stated']}"
    return f"{side(n.before)} → {side(n.after)}{unit}"


def numbers_not_in(numbers: tuple[NumberChange, ...], changed: tuple[ClauseChange, ...]) -> tuple[NumberChange, ...]:
    """The number changes whose new sentence no clause change already quotes (the clause's
    evidence is the sentence or a part of it, with or without its clause number)."""
    from .diff import _unnumbered

    quoted = [_unnumbered(c.evidence_after) for c in changed if c.evidence_after]

    def covered(n: NumberChange) -> bool:
        sentence = _unnumbered(n.sentence_after)
        return any(q and (q in sentence or sentence in q) for q in quoted)

    return tuple(n for n in numbers if not covered(n))


def field_detail(change: ClauseChange) -> str:
    """``months 2 → 3; amount 39 → 49``: the raw keys that changed."""
    return "; ".join(f"{k} {_raw(b)} → {_raw(a)}" for k, b, a in changed_fields(change))


def _raw(x: Any) -> str:
    return "—" if x is None else _num(x) if isinstance(x, (int, float)) else str(x)


# --------------------------------------------------------------------------- labels

LANGS = ("zh", "en")


@functools.cache
def catalog(lang: str) -> dict[str, dict[str, str]]:
    """The digest's words in ``lang`` (English for a language without a catalog): tables
    ``status``, ``short``, ``strings``, ``change`` and ``units`` of {key: words}."""
    from importlib.resources import files

    from ..engine.rxcache import load_yaml

    name = lang if lang in LANGS else "en"
    text = (files("analyzer.watch") / "locale" / f"{name}.yaml").read_text(encoding="utf-8")
    data: dict[str, dict[str, str]] = load_yaml(text)
    return data


def _words(lang: str, table: str = "strings") -> dict[str, str]:
    return catalog(lang)[table]


def _s(key: str, lang: str) -> str:
    return _words(lang)[key]


def _status(status: str, lang: str) -> str:
    """A status's label (the status itself for one the catalog lacks)."""
    return _words(lang, "status").get(status, status)


def _p(key: str, n: int, lang: str) -> str:
    """The singular (``key_one``) or plural (``key_other``) of a counted line, without its number."""
    return _words(lang)[f"{key}_{'one' if n == 1 else 'other'}"]


def _unit(key: str, lang: str) -> str:
    return _words(lang, "units")[key]


_COUNT_ORDER = ("changed", "formatting", "new", "upgraded", "failed", "unchanged")


def _one_line(text: Any, limit: int = 600) -> str:
    t = " ".join(str(text or "").split())
    return t if len(t) <= limit else t[: limit - 1] + "…"


def _counts_line(d: Digest, lang: str) -> str:
    counts: dict[str, int] = {}
    for sd in d.sources:
        counts[sd.status] = counts.get(sd.status, 0) + 1
    short = _words(lang, "short")
    parts = [f"{counts[s]} {short[s]}" for s in _COUNT_ORDER if counts.get(s)]
    parts += [f"{n} {s}" for s, n in counts.items() if s not in short]
    n = len(d.sources)
    head = _p("sources", n, lang) % n
    return head + (": " + ", ".join(parts) if parts else "")


def _version_label(sd: SourceDigest, lang: str) -> str:
    v = _s("version", lang)
    if sd.version is None:
        return ""
    if sd.previous_version is not None and sd.status in ("changed", "formatting"):
        return f"{v} {sd.previous_version} → {sd.version}"
    return f"{v} {sd.version}"


def _head(sd: SourceDigest, lang: str) -> str:
    status = _status(sd.status, lang)
    if sd.status == "new" and sd.added:
        status += f" ({len(sd.added)} {_s('findings', lang)})"
    ver = _version_label(sd, lang)
    return status + (f", {ver}" if ver else "")


# --------------------------------------------------------------------------- renderers

DIFF_SHOWN = 60  # lines of a text diff a digest for reading shows; JSON and `terms-scan diff` show all


def shown_diff(sd: SourceDigest, lang: str, full: bool = False) -> str:
    """The text diff as a digest for reading shows it: at most DIFF_SHOWN lines, then a line
    saying how many more and the command that prints them all."""
    lines = sd.text_diff.splitlines()
    if full or len(lines) <= DIFF_SHOWN:
        return sd.text_diff
    more = len(lines) - DIFF_SHOWN
    cmd = f"terms-scan diff {sd.id} --from {sd.previous_version} --to {sd.version}" if sd.previous_version else "--format json"
    tail = _p("more_lines", more, lang) % {"more": more, "cmd": cmd}
    return "\n".join(lines[:DIFF_SHOWN] + [tail])


def render_digest(d: Digest, format: str, lang: str = "en", color: bool | None = None,
                  width: int | None = None, full_diff: bool = False) -> str:
    """The digest as "text" (rich; ANSI colours unless NO_COLOR is set or color=False), "json" or
    "md". JSON carries every text diff whole; text and Markdown show DIFF_SHOWN lines of each
    unless ``full_diff`` (``terms-scan diff``)."""
    if format == "json":
        return d.to_json() + "\n"
    if format in ("md", "markdown"):
        return render_markdown(d, lang, full_diff=full_diff)
    if format in ("text", "terminal"):
        return render_text(d, lang, color=color, width=width, full_diff=full_diff)
    from ..errors import UsageError

    raise UsageError(f"unknown digest format {format!r}: use text, json or md")


_STATUS_STYLE = {"changed": "bold red", "formatting": "yellow", "new": "bold cyan", "failed": "bold magenta",
                 "unchanged": "dim", "upgraded": "blue"}


def render_text(d: Digest, lang: str = "en", color: bool | None = None, width: int | None = None,
                full_diff: bool = False) -> str:
    import io

    from ..render.cjkwrap import hang as _hang
    from ..render.cjkwrap import safe_output as _safe_output
    from ..safetext import SafeConsole as Console
    from ..safetext import SafeText as Text

    no_color = color is False or (color is None and bool(os.environ.get("NO_COLOR")))
    buf = io.StringIO()
    con = Console(file=buf, width=width or 100, no_color=no_color, force_terminal=not no_color,
                  color_system=None if no_color else "standard", highlight=False, emoji=False,
                  markup=False, legacy_windows=False)

    def line(prefix: str, body: str, style: str = "", body_style: str = "") -> None:
        """A prefix and a body, the body's wrapped lines hanging under the prefix."""
        t = Text(prefix, style=style)
        t.append(body, style=body_style or style)
        con.print(_hang(t, len(prefix), con.width))

    con.print(Text(f"{_s('title', lang)} — {d.generated_at}", style="bold"))
    con.print(Text(_counts_line(d, lang), style="dim"))
    for sd in d.sources:
        _text_source(con, line, sd, lang, full_diff)
    return _safe_output(buf.getvalue(), no_color)


def _text_source(con: Any, line: Callable[..., None], sd: SourceDigest, lang: str, full_diff: bool) -> None:
    """One source of the terminal digest: its head line, then what its status calls for."""
    from ..safetext import SafeText as Text

    con.print()
    head = Text()
    head.append(sd.id, style="bold")
    if sd.name:
        head.append(f" ({sd.name})")
    head.append(": ")
    head.append(_head(sd, lang), style=_STATUS_STYLE.get(sd.status, ""))
    con.print(head)
    if sd.url and sd.status != "unchanged":
        con.print(Text("  " + sd.url, style="dim"))
    if sd.status == "failed":
        line("  ", f"{_s('error', lang)}: {_one_line(sd.error)}", style="magenta")
        if sd.failing_runs > 1 or sd.last_success:
            line("  ", failing_line(sd, lang), style="bold magenta" if sd.failing_runs >= FAILING_ALERT else "magenta")
        return
    if sd.incomplete:
        line("  ", f"{_s('incomplete', lang)}: {_one_line(sd.incomplete)}", style="bold red")
    if sd.status == "formatting" and sd.text_diff:
        line("  ", _s("wording_only", lang) % _changed_sentences(sd), style="dim")
    if sd.diff_page:  # a link is never wrapped: a terminal must be able to open it
        con.print(Text(f"  {_s('diff_page', lang)}: {sd.diff_page}", style="dim"), soft_wrap=True)
    if sd.status != "changed":
        return
    _triage_text(sd, lang, line)
    if not full_diff:  # the digest: the triage; `terms-scan diff` (full_diff): every detail below
        line("  ", _details_hint(sd, lang), style="dim")
        return
    _text_details(con, line, sd, lang, full_diff)


def _text_details(con: Any, line: Callable[..., None], sd: SourceDigest, lang: str, full_diff: bool) -> None:
    """Every detail of a changed source (``terms-scan diff``): the values changed with both
    quotes, the numbers, the clauses added and removed, the text diff."""
    from ..safetext import SafeText as Text

    if sd.changed:
        con.print(Text("  " + _s("values", lang), style="bold"))
        for c in sd.changed:
            line("    ~ ", describe_change(c, lang), style="yellow", body_style="bold")
            line("        " + _s("before", lang) + ": ", f"“{_one_line(c.evidence_before)}”",
                 body_style="italic")
            line("        " + _s("after", lang) + ": ", f"“{_one_line(c.evidence_after)}”",
                 body_style="italic")
    if sd.numbers:
        con.print(Text("  " + _s("numbers", lang), style="bold"))
        for n in sd.numbers:
            line("    # ", describe_number(n, lang), style="yellow", body_style="bold")
            line("        ", f"“{_one_line(n.sentence_after, 300)}”", body_style="italic")
    for key, mark, style in (("added", "+ ", "green"), ("removed", "- ", "red")):
        items = getattr(sd, key)
        if not items:
            continue
        con.print(Text("  " + _s(key, lang), style="bold"))
        for f in items:
            line(f"    {mark}", f"{f.category}: “{_one_line(f.evidence)}”", style=style,
                 body_style="")
    if sd.text_diff:
        con.print(Text("  " + _s("diff", lang), style="bold"))
        for ln in shown_diff(sd, lang, full_diff).splitlines():
            style = ("green" if ln.startswith("+") and not ln.startswith("+++") else
                     "red" if ln.startswith("-") and not ln.startswith("---") else
                     "cyan" if ln.startswith("@@") else "dim")
            con.print(Text("    " + ln, style=style), overflow="fold")


_TRIAGE_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan"}


def _triage_text(sd: SourceDigest, lang: str, line: Callable[..., None]) -> None:
    """The triage block: one line per material change (severity first), the editorial ones counted."""
    from .triage import TRIAGE_LINES, triage
    from .triage import line as triage_line

    t = triage(sd, lang)
    for item in t.items[:TRIAGE_LINES]:
        line("  ! " if item.severity == "high" else "  · ", triage_line(item, lang),
             style=_TRIAGE_STYLE.get(item.severity, ""), body_style="")
    more = len(t.items) - TRIAGE_LINES
    if more > 0:
        line("  ", _p("more_changes", more, lang) % more, style="dim")
    if t.editorial:
        line("  ", _p("editorial_line", t.editorial, lang) % t.editorial, style="dim")


def _changed_sentences(sd: SourceDigest) -> int:
    """How many sentences of the new version the text diff shows as added or rewritten."""
    return sum(1 for ln in sd.text_diff.splitlines() if ln.startswith("+ "))


def _details_hint(sd: SourceDigest, lang: str) -> str:
    cmd = (f"terms-scan diff {sd.id} --from {sd.previous_version} --to {sd.version}" if sd.previous_version
           else "--format md")
    return _s("details", lang) % cmd


# --------------------------------------------------------------------------- views and templates


@dataclass(frozen=True)
class _ValueView:
    summary: str     # describe_change
    detail: str      # field_detail: the raw keys that changed ("" for a clause no longer matched)
    before: str      # the quotes, on one line
    after: str


@dataclass(frozen=True)
class _SourceView:
    """One source as the templates show it: plain strings, agreement text included (each
    template escapes it for its format)."""
    id: str
    name: str | None
    status: str
    head: str                            # "changed (terms), version 2 → 3"
    url: str | None
    diff_page: str | None
    wording_only: str | None             # a formatting change: how many sentences were reworded
    error: str                           # a failed source: the error (one line) …
    failing: str | None                  # … and how long it has failed (failing_line)
    failing_loud: bool
    incomplete: str | None               # the scan ran out of its budget: why
    triage: tuple[str, ...]              # the triage lines (Markdown only)
    editorial: str | None                # "+ 3 editorial changes" (Markdown only)
    values: tuple[_ValueView, ...]
    numbers: tuple[tuple[str, str], ...]  # (describe_number, the new sentence)
    added: tuple[tuple[str, str], ...]   # (category, the clause's words)
    removed: tuple[tuple[str, str], ...]
    diff: str                            # the text diff as shown ("" for none)


def _source_view(sd: SourceDigest, lang: str, full_diff: bool = False, with_triage: bool = False,
                 number_limit: int = 300) -> _SourceView:
    """The view of one source; ``with_triage`` computes the triage of a changed source."""
    triage_lines: tuple[str, ...] = ()
    editorial = None
    if with_triage and sd.status == "changed":
        from .triage import line as triage_line
        from .triage import triage

        t = triage(sd, lang)
        triage_lines = tuple(triage_line(item, lang) for item in t.items)
        editorial = _s("editorial", lang) % t.editorial if t.editorial else None
    failing = (failing_line(sd, lang) if sd.status == "failed" and (sd.failing_runs > 1 or sd.last_success)
               else None)
    return _SourceView(
        id=sd.id, name=sd.name, status=sd.status, head=_head(sd, lang), url=sd.url, diff_page=sd.diff_page,
        wording_only=(_s("wording_only", lang) % _changed_sentences(sd)
                      if sd.status == "formatting" and sd.text_diff else None),
        error=_one_line(sd.error), failing=failing, failing_loud=sd.failing_runs >= FAILING_ALERT,
        incomplete=_one_line(sd.incomplete) if sd.incomplete else None,
        triage=triage_lines, editorial=editorial,
        values=tuple(_ValueView(describe_change(c, lang), field_detail(c), _one_line(c.evidence_before),
                                _one_line(c.evidence_after)) for c in sd.changed),
        numbers=tuple((describe_number(n, lang), _one_line(n.sentence_after, number_limit)) for n in sd.numbers),
        added=tuple((str(f.category), _one_line(f.evidence)) for f in sd.added),
        removed=tuple((str(f.category), _one_line(f.evidence)) for f in sd.removed),
        diff=shown_diff(sd, lang, full_diff) if sd.text_diff else "")


@functools.cache
def _environment(kind: str) -> jinja2.Environment:
    """The templates of ``kind``: "html" escapes every value (``html.escape``; markup the
    template writes passes as it is), "md" leaves escaping to the ``|md`` filter, "text" none."""
    from html import escape

    import jinja2
    from markupsafe import Markup

    from ..render.markdown import md_escape

    def finalize(x: Any) -> Any:
        return x if isinstance(x, Markup) else Markup(escape(str(x)))

    env = jinja2.Environment(loader=jinja2.PackageLoader("analyzer.watch", "templates"),
                             autoescape=kind == "html", finalize=finalize if kind == "html" else None,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["md"] = md_escape
    env.filters["md_url"] = _md_url
    env.filters["fence"] = _fence
    env.filters["chomp"] = lambda text: text.rstrip("\n")
    return env


def _render(template: str, kind: str, **context: Any) -> str:
    return _environment(kind).get_template(template).render(**context)


def _fence(text: str) -> str:
    """A fence longer than any run of backticks or tildes in ``text``."""
    longest = max((len(m.group(0)) for m in re.finditer(r"`+|~+", text)), default=0)
    return "`" * max(3, longest + 1)


def render_markdown(d: Digest, lang: str = "en", full_diff: bool = False) -> str:
    from ..safetext import visible

    sources = [_source_view(sd, lang, full_diff, with_triage=True) for sd in d.sources]
    text = _render("digest.md.j2", "md", L=_words(lang), generated_at=d.generated_at,
                   counts=_counts_line(d, lang), sources=sources)
    return visible(text.rstrip("\n") + "\n")


def _md_url(url: str) -> str:
    return re.sub(r"[\s<>]", lambda m: f"%{ord(m.group(0)):02X}", url)


# --------------------------------------------------------------------------- Atom

ATOM_NS = "http://www.w3.org/2005/Atom"
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_safe(text: Any) -> str:
    from ..safetext import visible

    return _XML_BAD.sub("\ufffd", visible(text if text is not None else ""))


def _iso(value: str | None) -> str:
    """RFC 3339 UTC (``2026-01-04T00:47:57Z``) from an ISO string, or now."""
    when = None
    if value:
        try:
            when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            when = None
    if when is None:
        when = datetime.now(timezone.utc)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _entry_html(sd: SourceDigest, lang: str) -> str:
    return _render("atom_entry.html.j2", "html", L=_words(lang), s=_source_view(sd, lang))


def _entry_text(sd: SourceDigest, lang: str) -> str:
    # every line of the template ends in a newline; the content is the lines joined by one
    return _render("atom_entry.txt.j2", "text", L=_words(lang), s=_source_view(sd, lang)).removesuffix("\n")


def _summary_line(sd: SourceDigest, lang: str) -> str:
    bits = [describe_change(c, lang) for c in sd.changed]
    if sd.added:
        bits.append(_s("clauses_added", lang) % len(sd.added))
    if sd.removed:
        bits.append(_s("clauses_removed", lang) % len(sd.removed))
    return "; ".join(bits) or _status("changed", lang)


def _link(url: str | None) -> str | None:
    """An entry's link: a web address as it is, a local file (a ``path:`` source) as a file: URI."""
    if not url:
        return None
    if url.startswith(("http://", "https://", "file://")):
        return url
    from pathlib import Path

    try:
        return Path(url).expanduser().resolve().as_uri()
    except (OSError, ValueError):
        return None


FAILING_ALERT = 3  # failed this many runs in a row: the digest says so loudly


def failing_line(sd: SourceDigest, lang: str) -> str:
    """"failed 3 runs in a row (since …); last success …"."""
    w = _words(lang)
    last = sd.last_success or w["never"]
    head = (w["failing_runs"] % {"runs": sd.failing_runs, "since": sd.failing_since} if sd.failing_runs > 1
            else w["failing_once"])
    return w["failing_last"] % {"head": head, "last": last} + (w["failing_alert"] if sd.failing_runs >= FAILING_ALERT else "")


def _failed_entry(sub: Any, feed: Any, sd: SourceDigest, d: Digest, lang: str) -> None:
    """A source that could not be checked: an entry of its own, one per run (its id carries the
    run's time), with the error."""
    entry = sub(feed, "entry")
    when = _iso(d.generated_at)
    sub(entry, "id", f"urn:terms-scan:{sd.id}:failed:{when}")
    sub(entry, "title", f"{sd.name or sd.id}: {_s('not_checked', lang)}")
    sub(entry, "updated", when)
    link = _link(sd.url)
    if link:
        sub(entry, "link", href=link, rel="alternate")
    failed = _status("failed", lang)
    sub(entry, "summary", (sd.error or failed) + (f" ({failing_line(sd, lang)})" if sd.failing_runs > 1 else ""))
    sub(entry, "content", sd.error or failed, type="text")


def render_atom(d: Digest, feed_id: str = "urn:terms-scan:digest", lang: str = "en",
                content_type: str = "html", title: str | None = None) -> str:
    """An Atom 1.0 feed with one entry per source whose terms changed, and one per source that
    could not be checked this run (a feed reader sees a watch that stopped working, not silence);
    ``content_type`` html or text."""
    import xml.etree.ElementTree as ET

    if content_type not in ("html", "text"):
        from ..errors import UsageError

        raise UsageError(f"unknown Atom content type {content_type!r}: use html or text")
    ET.register_namespace("", ATOM_NS)

    def sub(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
        el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: _xml_safe(v) for k, v in attrs.items()})
        if text is not None:
            el.text = _xml_safe(text)
        return el

    updated = _iso(d.generated_at)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    feed.set("{http://www.w3.org/XML/1998/namespace}lang", lang)
    sub(feed, "id", feed_id)
    sub(feed, "title", title or _s("feed_title", lang))
    sub(feed, "subtitle", _counts_line(d, lang))
    sub(feed, "updated", updated)
    author = sub(feed, "author")
    sub(author, "name", "terms-scan")
    sub(feed, "generator", "terms-scan", version=__version__)
    for sd in d.sources:
        if sd.status == "failed":
            _failed_entry(sub, feed, sd, d, lang)
            continue
        if sd.status != "changed":
            continue
        entry = sub(feed, "entry")
        sub(entry, "id", f"urn:terms-scan:{sd.id}:{sd.version if sd.version is not None else 'unversioned'}")
        label = sd.name or sd.id
        ver = f" ({_version_label(sd, lang)})" if sd.version is not None else ""
        sub(entry, "title", f"{label}: {_s('terms_changed', lang)}{ver}")
        sub(entry, "updated", _iso(sd.fetched_at) if sd.fetched_at else updated)
        link = _link(sd.url)
        if link:
            sub(entry, "link", href=link, rel="alternate")
        if sd.diff_page:
            sub(entry, "link", href=sd.diff_page, rel="related", type="text/html", title=_s("diff_page", lang))
        sub(entry, "summary", _summary_line(sd, lang))
        body = _entry_html(sd, lang) if content_type == "html" else _entry_text(sd, lang)
        sub(entry, "content", body, type=content_type)
    xml = ET.tostring(feed, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + xml + "\n"
