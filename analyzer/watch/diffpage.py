"""A self-contained HTML page showing what changed between two versions of a watched agreement.

The sentences of the two texts are aligned (as ``diff.text_diff`` aligns them); inside a changed
run of sentences the words are compared (diff-match-patch on tokens: a word for English, a
character for Chinese), so "30 days" → "60 days" shows as one struck number and one new one,
not two whole sentences. Unchanged sentences are folded, one kept on each side of a change for
context. The triage block of the digest comes first. Everything from the agreement is escaped;
the page has no script and fetches nothing (a Content-Security-Policy forbids both), so it can
be opened from disk, attached to a mail or published beside the feed.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from .. import __version__

if TYPE_CHECKING:  # pragma: no cover
    from .digest import SourceDigest
    from .history import History

CONTEXT = 1               # unchanged sentences kept on each side of a change
DIFF_TIMEOUT = 1.0        # seconds diff-match-patch may spend on one changed run of sentences
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = rf"(?:(?![{_CJK}])[^\W_])+"
_TOKEN = re.compile(rf"[{_CJK}]|{_WORD}(?:['’.,]{_WORD})*|\s+|.", re.S)
_BASE = 0xF0000           # tokens are coded as characters of the supplementary private use planes

_WORDS = {
    "en": {"title": "What changed", "text": "The text, word by word", "unchanged": "unchanged sentence",
           "unchanged_pl": "unchanged sentences", "legend": "struck through in red: removed; in green: added",
           "no_change": "No sentence differs.", "triage": "In short", "editorial": "editorial changes"},
    "zh": {"title": "变化详情", "text": "文本逐字对照", "unchanged": "句未变", "unchanged_pl": "句未变",
           "legend": "红色删除线：删去的文字；绿色：新增的文字", "no_change": "没有句子不同。", "triage": "要点",
           "editorial": "处编辑性修改"},
}

_CSS = """
body{font:15px/1.6 "Noto Sans CJK SC","Noto Sans SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;
max-width:58rem;margin:1.5rem auto;padding:0 1rem;color:#1a1a1a;overflow-wrap:anywhere}
h1{font-size:1.3rem;margin:0 0 .3rem}h2{font-size:1.05rem;margin:1.4rem 0 .4rem;border-bottom:1px solid #ddd}
.meta{color:#555;font-size:.9rem;margin:0}ul{padding-left:1.2rem}li{margin:.2rem 0}
.high{color:#a4161a;font-weight:600}
p{margin:.35rem 0}.ctx{color:#555}.gap{color:#888;font-size:.85rem;text-align:center;margin:.6rem 0}
.chg{border-left:3px solid #d4a017;padding-left:.6rem}
del{background:#fde2e1;color:#8e1414;text-decoration:line-through}ins{background:#dcf5dc;color:#125c12;text-decoration:none}
footer{margin-top:2rem;color:#888;font-size:.8rem}
"""


@dataclass(frozen=True)
class DiffPages:
    """Where a watch writes its diff pages, and how digests and feeds link to them: ``base_url``
    + the file name when the folder is published on a web server, else the file's own URI."""

    folder: Path
    base_url: str | None = None
    lang: str = "en"

    @staticmethod
    def name(source_id: str, before: int, after: int) -> str:
        return f"{source_id}-v{before}-v{after}.html"

    def link(self, name: str) -> str:
        if self.base_url:
            return self.base_url.rstrip("/") + "/" + quote(name)
        return (Path(self.folder).expanduser().resolve() / name).as_uri()


def _code(tokens: list[str], table: dict[str, str]) -> str:
    out = []
    for t in tokens:
        c = table.get(t)
        if c is None:
            c = table[t] = chr(_BASE + len(table))
        out.append(c)
    return "".join(out)


def word_diff(before: str, after: str) -> list[tuple[int, str]]:
    """(op, text) runs, op -1 removed, 0 kept, +1 added: words compared for English, characters
    for Chinese (diff-match-patch over tokens, with a time limit)."""
    from diff_match_patch import diff_match_patch

    a, b = _TOKEN.findall(before), _TOKEN.findall(after)
    table: dict[str, str] = {}
    ca, cb = _code(a, table), _code(b, table)
    back = {c: t for t, c in table.items()}
    dmp = diff_match_patch()
    dmp.Diff_Timeout = DIFF_TIMEOUT
    diffs = dmp.diff_main(ca, cb, False)
    dmp.diff_cleanupSemantic(diffs)
    return [(op, "".join(back[c] for c in text)) for op, text in diffs if text]


def _marked(runs: list[tuple[int, str]]) -> str:
    tag = {-1: "del", 1: "ins"}
    return "".join(escape(text) if op == 0 else f"<{tag[op]}>{escape(text)}</{tag[op]}>" for op, text in runs)


def diff_body(text_a: str, text_b: str, lang: str = "en") -> list[str]:
    """The page's diff as HTML paragraphs: changed runs word by word, unchanged sentences folded."""
    from .diff import _sentences

    w = _WORDS.get(lang, _WORDS["en"])
    a, b = _sentences(text_a), _sentences(text_b)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    out: list[str] = []
    ops = matcher.get_opcodes()
    if all(tag == "equal" for tag, *_ in ops):
        return [f"<p>{escape(w['no_change'])}</p>"]

    def gap(n: int) -> None:
        if n > 0:
            word = w["unchanged"] if n == 1 else w["unchanged_pl"]
            out.append(f'<p class="gap">⋯ {n} {escape(word)} ⋯</p>')

    for k, (tag, a1, a2, b1, b2) in enumerate(ops):
        if tag == "equal":
            same = b[b1:b2]
            head = same[:CONTEXT] if k > 0 else []
            tail = same[-CONTEXT:] if k < len(ops) - 1 and len(same) > len(head) else []
            out.extend(f'<p class="ctx">{escape(s)}</p>' for s in head)
            gap(len(same) - len(head) - len(tail))
            out.extend(f'<p class="ctx">{escape(s)}</p>' for s in tail)
            continue
        sep = "" if lang == "zh" else " "
        runs = word_diff(sep.join(a[a1:a2]), sep.join(b[b1:b2]))
        out.append(f'<p class="chg">{_marked(runs)}</p>')
    return out


def _safe_href(url: str | None) -> str | None:
    if not url:
        return None
    scheme = urlsplit(url).scheme.lower()
    return url if scheme in ("http", "https", "file") else None


def render_diff_page(sd: SourceDigest, text_a: str, text_b: str, fetched_a: str | None = None,
                     lang: str = "en") -> str:
    """The whole page for one version of one source (``sd`` from the digest or ``terms-scan diff``)."""
    from .digest import _head
    from .triage import line as triage_line
    from .triage import triage

    w = _WORDS.get(lang, _WORDS["en"])
    label = sd.name or sd.id
    span = f"v{sd.previous_version} → v{sd.version}" if sd.previous_version else f"v{sd.version}"
    when = " → ".join(x for x in (fetched_a, sd.fetched_at) if x)
    href = _safe_href(sd.url)
    where = (f'<a href="{escape(href)}">{escape(sd.url or "")}</a>' if href else escape(sd.url or ""))
    parts = [
        "<!doctype html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(label)} {escape(span)} — {escape(w['title'])}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{escape(label)} · {escape(span)}</h1>",
        f'<p class="meta">{escape(_head(sd, lang))}</p>',
        *([f'<p class="meta">{where}</p>'] if sd.url else []),
        *([f'<p class="meta">{escape(when)}</p>'] if when else []),
        "</header>",
    ]
    if sd.status == "changed":
        t = triage(sd, lang)
        if t.items or t.editorial:
            parts.append(f"<h2>{escape(w['triage'])}</h2><ul>")
            parts += [f'<li class="{escape(i.severity)}">{escape(triage_line(i, lang))}</li>' for i in t.items]
            if t.editorial:
                parts.append(f"<li>{t.editorial} {escape(w['editorial'])}</li>")
            parts.append("</ul>")
    parts.append(f"<h2>{escape(w['text'])}</h2>")
    parts += diff_body(text_a, text_b, lang)
    parts.append(f"<footer>{escape(w['legend'])} · terms-scan {escape(__version__)}</footer></body></html>")
    return "\n".join(parts) + "\n"


def attach_pages(history: History, items: list[SourceDigest], pages: DiffPages) -> list[SourceDigest]:
    """Write the diff page of every item that compares two versions (changed terms, or a
    rewording that changed no clause), unless it is already there, and set the item's
    ``diff_page`` link. A page is written atomically; pages are named by source and versions,
    so a page once written stays right."""
    from dataclasses import replace

    from ..safeio import write_atomic

    out = []
    folder = Path(pages.folder).expanduser()
    for sd in items:
        if sd.status not in ("changed", "formatting") or not sd.previous_version or sd.version is None:
            out.append(sd)
            continue
        name = DiffPages.name(sd.id, sd.previous_version, sd.version)
        path = folder / name
        if not path.is_file():
            before = history.get(sd.id, sd.previous_version)
            after = history.get(sd.id, sd.version)
            folder.mkdir(parents=True, exist_ok=True)
            write_atomic(path, render_diff_page(sd, before.text, after.text, before.fetched_at, pages.lang))
        out.append(replace(sd, diff_page=pages.link(name)))
    return out
