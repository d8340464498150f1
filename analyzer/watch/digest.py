"""The digest of a watch run: per source new / unchanged / changed (terms) / changed (formatting
only) / failed / upgraded, with the clauses added and removed, the values changed (both quotes)
and a compact text diff. Rendered as terminal text (rich), JSON, Markdown and an Atom 1.0 feed.

Agreement text is data, never markup: the terminal output is built from ``rich.text.Text``
objects only, Markdown escapes it (``report.md_escape``, fenced blocks longer than any backtick
run), the feed is written by ``xml.etree`` (escaped) and its HTML content escapes it again.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .. import __version__
from ..model import Finding
from ..render.money import money
from .diff import ClauseChange, NumberChange

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
                return "个月最低消费" if lang == "zh" else "months of minimum spend"
            if _MONTHLY_CHARGE.search(text):
                return "个月月费" if lang == "zh" else "months of monthly charges"
    return "个月" if lang == "zh" else "months"


def describe_change(change: ClauseChange, lang: str = "en") -> str:
    """One human line for a values change: ``early_termination_fee: 2 → 3 months of minimum spend``,
    ``lock_in: 12 → 24 months``, ``minimum_spend: $39 a month → $49 a month``."""
    cat = change.category or "?"
    if change.unmatched:  # still in the text, reworded past every pattern: not "removed"
        return f"{cat}: " + ("重新表述，已不再被识别为该类条款" if lang == "zh" else "reworded, no longer matched")
    before, after = dict(change.before), dict(change.after)
    none = "未写明" if lang == "zh" else "not stated"
    parts: list[str] = []
    diffs = {k: (b, a) for k, b, a in changed_fields(change)}
    sep = "" if lang == "zh" else " "

    def pair(b: Any, a: Any, unit: str = "", fmt: Callable[[Any], str] = _num) -> str:
        bs = fmt(b) if b is not None else none
        as_ = fmt(a) if a is not None else none
        return f"{bs} → {as_}" + (f"{sep}{unit}" if unit else "")

    if "months" in diffs:
        parts.append(pair(*diffs.pop("months"), unit=_months_unit(change, lang)))
    money_keys = {"amount", "currency", "period"}
    if money_keys & set(diffs):
        for k in money_keys:
            diffs.pop(k, None)
        b = _money(before, lang) if "amount" in before else none
        a = _money(after, lang) if "amount" in after else none
        parts.append(f"{b} → {a}")
    units = {"days": "天" if lang == "zh" else "days", "data_gb": "GB", "speed_kbps": "kbps"}
    for key in ("days", "data_gb", "speed_kbps"):
        if key in diffs:
            parts.append(pair(*diffs.pop(key), unit=units[key]))
    if "percent" in diffs:
        parts.append(pair(*diffs.pop("percent"), fmt=lambda x: f"{_num(x)}%"))
    if "formula" in diffs:
        b, a = diffs.pop("formula")
        parts.append(pair(b, a, fmt=lambda x: f"“{x}”"))
    for key, (b, a) in diffs.items():
        parts.append(f"{key} {pair(b, a)}")
    if not parts:
        parts.append("重新表述" if lang == "zh" else "reworded")
    return f"{cat}: " + "; ".join(parts)


_NUMBER_UNITS = {"days": ("天", " days"), "months": ("个月", " months"), "data_gb": ("GB", " GB"),
                 "speed_kbps": ("kbps", " kbps"), "amount": ("（金额）", " (amount)"), "percent": ("%", "%")}


def _triage_dict(sd: SourceDigest) -> dict[str, Any]:
    from .triage import triage

    return triage(sd).to_dict()


def describe_number(n: NumberChange, lang: str = "en") -> str:
    """``30 → 60 days``, ``1,000 → 512 kbps``, ``39 → 49 (amount)``."""
    unit = _NUMBER_UNITS.get(n.kind, ("", ""))[0 if lang == "zh" else 1]

    def side(vals: tuple[float, ...]) -> str:
        return ", ".join(_num(v) for v in vals)

    gone = "（此句不再写明）" if lang == "zh" else " (no longer stated in this sentence)"
    new = "（此句新写明）" if lang == "zh" else " (newly stated in this sentence)"
    if not n.after:
        return f"{side(n.before)}{unit}{gone}"
    if not n.before:
        return f"{side(n.after)}{unit}{new}"
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

_L: dict[str, tuple[str, str]] = {
    "new": ("新增：已记录第一个版本", "new: first version recorded"),
    "unchanged": ("未变", "unchanged"),
    "changed": ("条款变更", "changed (terms)"),
    "formatting": ("仅格式变化", "changed (formatting only)"),
    "failed": ("失败", "failed"),
    "upgraded": ("技术升级（重新提取和扫描，不是条款变更）", "technical upgrade (re-extracted and re-scanned, not a change in the terms)"),
    "added": ("新增条款", "Clauses added"),
    "removed": ("删除条款", "Clauses removed"),
    "values": ("数值变化", "Values changed"),
    "diff": ("文本差异", "Text diff"),
    "before": ("之前", "before"),
    "after": ("之后", "after"),
    "version": ("版本", "version"),
    "findings": ("项发现", "findings"),
    "title": ("terms-scan 协议变化摘要", "terms-scan digest"),
    "no_sources": ("没有来源", "no sources"),
    "error": ("错误", "error"),
    "incomplete": ("⚠ 扫描未完成，条款可能缺失", "⚠ incomplete scan, clauses may be missing"),
    "terms_changed": ("条款变更", "terms changed"),
    "not_checked": ("本次未能检查", "could not be checked"),
    "numbers": ("数字变化（条款以外）", "Numbers changed (outside the clauses above)"),
    "triage": ("要点（按严重度）", "Triage (most serious first)"),
    "diff_page": ("逐字对照页", "diff page"),
    "wording_only": ("措辞有改动（%d 句），条款与数字未变", "wording changed in %d sentence(s); no clause or number changed"),
    "editorial": ("另有 %d 处仅措辞/标点/编号的编辑性修改", "%d editorial change(s): punctuation, number words, renumbering"),
}
_COUNT_ORDER = ("changed", "formatting", "new", "upgraded", "failed", "unchanged")
_SHORT = {"new": ("新增", "new"), "unchanged": ("未变", "unchanged"), "changed": ("条款变更", "changed"),
          "formatting": ("仅格式", "formatting only"), "failed": ("失败", "failed"),
          "upgraded": ("技术升级", "upgraded")}


def _s(key: str, lang: str) -> str:
    zh, en = _L.get(key, (key, key))
    return zh if lang == "zh" else en


def _one_line(text: Any, limit: int = 600) -> str:
    t = " ".join(str(text or "").split())
    return t if len(t) <= limit else t[: limit - 1] + "…"


def _counts_line(d: Digest, lang: str) -> str:
    counts: dict[str, int] = {}
    for sd in d.sources:
        counts[sd.status] = counts.get(sd.status, 0) + 1
    parts = [f"{counts[s]} {_SHORT[s][0] if lang == 'zh' else _SHORT[s][1]}" for s in _COUNT_ORDER if counts.get(s)]
    parts += [f"{n} {s}" for s, n in counts.items() if s not in _SHORT]
    n = len(d.sources)
    head = f"{n} 个来源" if lang == "zh" else f"{n} source{'s' if n != 1 else ''}"
    return head + (": " + ", ".join(parts) if parts else "")


def _version_label(sd: SourceDigest, lang: str) -> str:
    v = _s("version", lang)
    if sd.version is None:
        return ""
    if sd.previous_version is not None and sd.status in ("changed", "formatting"):
        return f"{v} {sd.previous_version} → {sd.version}"
    return f"{v} {sd.version}"


def _head(sd: SourceDigest, lang: str) -> str:
    status = _s(sd.status, lang)
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
    tail = (f"……另有 {more} 行（全部：{cmd}）" if lang == "zh" else
            f"… {more} more line{'s' if more != 1 else ''} (all of it: {cmd})")
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
    from ..safetext import SafeConsole as Console
    from ..safetext import SafeText as Text

    no_color = color is False or (color is None and bool(os.environ.get("NO_COLOR")))
    buf = io.StringIO()
    con = Console(file=buf, width=width or 100, no_color=no_color, force_terminal=not no_color,
                  color_system=None if no_color else "standard", highlight=False, emoji=False,
                  markup=False, legacy_windows=False)

    def line(prefix: str, body: str, style: str = "", body_style: str = "") -> None:
        t = Text(prefix, style=style)
        t.append(body, style=body_style or style)
        con.print(_hang(t, len(prefix), con.width))

    con.print(Text(f"{_s('title', lang)} — {d.generated_at}", style="bold"))
    con.print(Text(_counts_line(d, lang), style="dim"))
    for sd in d.sources:
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
            continue
        if sd.incomplete:
            line("  ", f"{_s('incomplete', lang)}: {_one_line(sd.incomplete)}", style="bold red")
        if sd.status == "formatting" and sd.text_diff:
            line("  ", _s("wording_only", lang) % _changed_sentences(sd), style="dim")
        if sd.diff_page:  # a link is never wrapped: a terminal must be able to open it
            con.print(Text(f"  {_s('diff_page', lang)}: {sd.diff_page}", style="dim"), soft_wrap=True)
        if sd.status != "changed":
            continue
        _triage_text(sd, lang, line)
        if not full_diff:  # the digest: the triage; `terms-scan diff` (full_diff): every detail below
            line("  ", _details_hint(sd, lang), style="dim")
            continue
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
    from ..render.cjkwrap import safe_output as _safe_output

    return _safe_output(buf.getvalue(), no_color)


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
        line("  ", (f"……另有 {more} 项变化" if lang == "zh" else f"… {more} more change{'s' if more != 1 else ''}"), style="dim")
    if t.editorial:
        line("  ", (f"另有 {t.editorial} 处仅措辞/标点/编号的编辑性修改" if lang == "zh" else
                    f"+ {t.editorial} editorial change{'s' if t.editorial != 1 else ''} (punctuation, number words, renumbering)"),
             style="dim")


def _changed_sentences(sd: SourceDigest) -> int:
    """How many sentences of the new version the text diff shows as added or rewritten."""
    return sum(1 for ln in sd.text_diff.splitlines() if ln.startswith("+ "))


def _details_hint(sd: SourceDigest, lang: str) -> str:
    cmd = (f"terms-scan diff {sd.id} --from {sd.previous_version} --to {sd.version}" if sd.previous_version
           else "--format md")
    return (f"详情（前后原文、文本差异）：{cmd}" if lang == "zh" else f"details (both quotes, the text diff): {cmd}")


def _fence(text: str, info: str = "") -> list[str]:
    longest = max((len(m.group(0)) for m in re.finditer(r"`+|~+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + info, text.rstrip("\n"), fence]


def render_markdown(d: Digest, lang: str = "en", full_diff: bool = False) -> str:
    from ..render.markdown import md_escape

    out = [f"# {_s('title', lang)}", "", md_escape(f"{d.generated_at} — {_counts_line(d, lang)}"), ""]
    for sd in d.sources:
        title = md_escape(sd.id) + (f" ({md_escape(sd.name)})" if sd.name else "")
        out += [f"## {title}", "", f"**{md_escape(_head(sd, lang))}**" + (f" — <{_md_url(sd.url)}>" if sd.url else ""),
                ""]
        if sd.diff_page:
            out += [f"[{_s('diff_page', lang)}](<{_md_url(sd.diff_page)}>)", ""]
        if sd.status == "formatting" and sd.text_diff:
            out += [md_escape(_s("wording_only", lang) % _changed_sentences(sd)), ""]
        if sd.status == "failed":
            out += [f"{_s('error', lang)}: {md_escape(_one_line(sd.error))}", ""]
            if sd.failing_runs > 1 or sd.last_success:
                out += [("**" if sd.failing_runs >= FAILING_ALERT else "") + md_escape(failing_line(sd, lang))
                        + ("**" if sd.failing_runs >= FAILING_ALERT else ""), ""]
            continue
        if sd.incomplete:
            out += [f"**{md_escape(_s('incomplete', lang))}**: {md_escape(_one_line(sd.incomplete))}", ""]
        if sd.status != "changed":
            continue
        from .triage import line as triage_line
        from .triage import triage

        t = triage(sd, lang)
        if t.items or t.editorial:
            out += [f"### {_s('triage', lang)}", ""]
            out += [f"- {md_escape(triage_line(item, lang))}" for item in t.items]
            if t.editorial:
                out.append(f"- {md_escape(_s('editorial', lang) % t.editorial)}")
            out.append("")
        if sd.changed:
            out += [f"### {_s('values', lang)}", ""]
            for c in sd.changed:
                detail = field_detail(c)
                out.append(f"- **{md_escape(describe_change(c, lang))}**" + (f" (`{detail.replace('`', '')}`)"
                                                                                 if detail else ""))
                out.append(f"  - {_s('before', lang)}: “{md_escape(_one_line(c.evidence_before))}”")
                out.append(f"  - {_s('after', lang)}: “{md_escape(_one_line(c.evidence_after))}”")
            out.append("")
        if sd.numbers:
            out += [f"### {_s('numbers', lang)}", ""]
            for n in sd.numbers:
                out.append(f"- **{md_escape(describe_number(n, lang))}**: “{md_escape(_one_line(n.sentence_after, 300))}”")
            out.append("")
        for key in ("added", "removed"):
            items = getattr(sd, key)
            if not items:
                continue
            out += [f"### {_s(key, lang)}", ""]
            for f in items:
                out.append(f"- `{str(f.category).replace('`', '')}`: "
                           f"“{md_escape(_one_line(f.evidence))}”")
            out.append("")
        if sd.text_diff:
            out += [f"### {_s('diff', lang)}", "", *_fence(shown_diff(sd, lang, full_diff), "diff"), ""]
    from ..safetext import visible

    return visible("\n".join(out).rstrip("\n") + "\n")


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
    from html import escape

    parts = [f"<p><strong>{escape(_head(sd, lang))}</strong></p>"]
    if sd.url:
        parts.append(f'<p><a href="{escape(sd.url, quote=True)}">{escape(sd.url)}</a></p>')
    if sd.diff_page:
        parts.append(f'<p><a href="{escape(sd.diff_page, quote=True)}">{escape(_s("diff_page", lang))}</a></p>')
    if sd.changed:
        parts.append(f"<h3>{escape(_s('values', lang))}</h3><ul>")
        for c in sd.changed:
            parts.append(f"<li><strong>{escape(describe_change(c, lang))}</strong>"
                         f"<blockquote>{escape(_s('before', lang))}: {escape(_one_line(c.evidence_before))}"
                         f"</blockquote><blockquote>{escape(_s('after', lang))}: "
                         f"{escape(_one_line(c.evidence_after))}</blockquote></li>")
        parts.append("</ul>")
    for key in ("added", "removed"):
        items = getattr(sd, key)
        if items:
            parts.append(f"<h3>{escape(_s(key, lang))}</h3><ul>")
            parts += [f"<li><code>{escape(str(f.category))}</code>: "
                      f"{escape(_one_line(f.evidence))}</li>" for f in items]
            parts.append("</ul>")
    if sd.text_diff:
        parts.append(f"<h3>{escape(_s('diff', lang))}</h3><pre>{escape(shown_diff(sd, lang))}</pre>")
    return "".join(parts)


def _entry_text(sd: SourceDigest, lang: str) -> str:
    lines = [_head(sd, lang)]
    if sd.url:
        lines.append(sd.url)
    if sd.diff_page:
        lines.append(f"{_s('diff_page', lang)}: {sd.diff_page}")
    for c in sd.changed:
        lines += [f"~ {describe_change(c, lang)}",
                  f"  {_s('before', lang)}: “{_one_line(c.evidence_before)}”",
                  f"  {_s('after', lang)}: “{_one_line(c.evidence_after)}”"]
    for f in sd.added:
        lines.append(f"+ {f.category}: “{_one_line(f.evidence)}”")
    for f in sd.removed:
        lines.append(f"- {f.category}: “{_one_line(f.evidence)}”")
    if sd.text_diff:
        lines += ["", shown_diff(sd, lang)]
    return "\n".join(lines)


def _summary_line(sd: SourceDigest, lang: str) -> str:
    bits = [describe_change(c, lang) for c in sd.changed]
    if sd.added:
        bits.append(f"+{len(sd.added)} " + ("条新增条款" if lang == "zh" else "clause(s) added"))
    if sd.removed:
        bits.append(f"−{len(sd.removed)} " + ("条删除条款" if lang == "zh" else "clause(s) removed"))
    return "; ".join(bits) or _s("changed", lang)


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
    last = sd.last_success or ("从未成功" if lang == "zh" else "never")
    if lang == "zh":
        head = f"已连续 {sd.failing_runs} 次失败（自 {sd.failing_since}）" if sd.failing_runs > 1 else "本次失败"
        return f"{head}；上次成功：{last}" + ("——请检查该来源" if sd.failing_runs >= FAILING_ALERT else "")
    head = f"failed {sd.failing_runs} runs in a row (since {sd.failing_since})" if sd.failing_runs > 1 else "failed this run"
    return f"{head}; last success: {last}" + (" — check this source" if sd.failing_runs >= FAILING_ALERT else "")


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
    sub(entry, "summary", (sd.error or _s("failed", lang)) + (f" ({failing_line(sd, lang)})" if sd.failing_runs > 1 else ""))
    sub(entry, "content", sd.error or _s("failed", lang), type="text")


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
    sub(feed, "title", title or ("terms-scan：协议条款变化" if lang == "zh" else "terms-scan: changes in published terms"))
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
