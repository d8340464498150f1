"""The highlighted full text of the HTML report: every finding, protection and advice source
as <mark> elements (split where they overlap), with the ids the report links to; and the
report's CSS (severity-only highlighting with a no-script toggle, narrow screens, print)."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..engine.taxonomy import CATEGORIES
from ..model import SEVERITY_ORDER
from .i18n import words
from .view import cost_rows, row_sources

if TYPE_CHECKING:  # pragma: no cover
    from ..model import Report


# Highlight colours per category (background); text stays dark for contrast.
_CAT_COLOUR = {
    "minimum_spend": "#ffb3b3", "lock_in": "#ffc58f", "early_termination_fee": "#ff9e9e",
    "activation_definition": "#f7b6e3", "refund_restriction": "#ffd36e", "installment_credit": "#e0c3ff",
    "promo_price_expiry": "#ffcfa8", "auto_renewal": "#ffa8c8", "data_cap_throttle": "#b8e0ff",
    "directional_data": "#a9d8f5", "unilateral_change": "#c6d4ff", "balance_expiry": "#d6c8b0",
    "suspension_recycling": "#cfd8dc", "extra_fees": "#fff08a", "dispute_resolution": "#d1c4e9",
    "consent_by_use": "#e6ee9c", "liability_limitation": "#dcedc8", "data_sharing": "#b2ebf2",
    "unilateral_termination": "#e0e0e0",
}
_PROTECTION_COLOUR = "#b9f6ca"
_OTHER_COLOUR = "#eeeeee"


def _e(text: Any) -> str:
    """HTML-escaped text (quotes too); control and bidi characters shown as visible escapes."""
    from ..safetext import visible

    return html.escape(visible(text), quote=True)


def _cls(cat: str) -> str:
    return "c-" + re.sub(r"[^a-z0-9_]", "_", cat.lower())


@dataclass
class _Span:
    id: str
    start: int
    end: int
    category: str  # a taxonomy id, or "protection"
    severity: int  # for ordering: higher first
    label: str


def _spans(report: Report, lang: str) -> tuple[list[_Span], dict[tuple[int, int, str], str]]:
    """The highlighted spans (findings f<i>, protections p<i>, other summary sources s<i>) and
    a map from (start, end, category) to the id a summary entry links to."""
    n = len(report.document.text)
    spans: list[_Span] = []
    ids: dict[tuple[int, int, str], str] = {}

    def clip(a: int, b: int) -> tuple[int, int]:
        a = max(0, min(int(a), n))
        return a, max(a, min(int(b), n))

    for i, f in enumerate(report.findings):
        a, b = clip(f.location.start, f.location.end)
        spans.append(_Span(f"f{i}", a, b, f.category, SEVERITY_ORDER.get(f.severity, 0) + 1, words(lang).label(f.category)))
        ids.setdefault((f.location.start, f.location.end, f.category), f"f{i}")
    for i, p in enumerate(report.protections):
        a, b = clip(p.location.start, p.location.end)
        spans.append(_Span(f"p{i}", a, b, "protection", 0, words(lang).s("protection") + ": " + words(lang).label(p.category)))
        ids.setdefault((p.location.start, p.location.end, p.category), f"p{i}")
    k = 0
    for s in _all_sources(report):
        key = (s.start, s.end, s.category)
        if key in ids:
            continue
        a, b = clip(s.start, s.end)
        cat = CATEGORIES.get(s.category)
        spans.append(_Span(f"s{k}", a, b, s.category, SEVERITY_ORDER.get(cat.severity, 0) + 1 if cat else 0,
                           words(lang).label(s.category)))
        ids[key] = f"s{k}"
        k += 1
    return spans, ids


def _all_sources(report: Report) -> list[Any]:
    out: list[Any] = []
    sm = getattr(report, "summary", None)
    if sm is not None:
        out += [s for r in sm.verdict.reasons for s in r.sources]
        if sm.exit_cost is not None:
            for row in cost_rows(sm.exit_cost):
                out += row_sources(row)
        out += [s for c in sm.combinations for s in c.sources]
        out += [s for q in sm.questions for s in q.sources]
        if sm.way_out is not None:
            out += [s for sc in sm.way_out.scenarios for s in sc.sources]
    of = getattr(report, "offer", None)
    if of is not None:
        out += [s for c in of.claims for s in c.sources]
    return out


def _highlight(text: str, spans: list[_Span], lang: str, prefix: str = "") -> tuple[str, set[str]]:
    """The document text, escaped, with every span as <mark> elements. Overlapping spans are
    split into segments at every boundary (so the markup nests properly); a segment covered by
    several spans is one <mark> listing them all. Each <mark> has an id: the id of a span that
    starts there (other spans starting there get an empty anchor inside it), else a segment id.
    Page breaks (form feeds) close any open mark and are shown as a page marker."""
    n = len(text)
    bounds = {0, n}
    for sp in spans:
        bounds.update((sp.start, sp.end))
    for m in re.finditer("\f", text):
        bounds.update((m.start(), m.end()))
    cuts = sorted(bounds)
    emitted: set[str] = set()
    out: list[str] = []
    page = 1
    out.append(f'<span class="pagebreak first" id="{prefix}page-1">{_e(words(lang).s("page_break") % 1)}</span>')
    seg = 0
    for a, b in zip(cuts, cuts[1:], strict=False):
        if a >= b:
            continue
        chunk = text[a:b]
        if chunk == "\f":
            page += 1
            out.append(f'<span class="pagebreak" id="{prefix}page-{page}">{_e(words(lang).s("page_break") % page)}</span>')
            continue
        cover = [sp for sp in spans if sp.start <= a and sp.end >= b and sp.start < sp.end]
        if not cover:
            out.append(_e(chunk))
            continue
        cover.sort(key=lambda sp: (-sp.severity, sp.start, sp.id))
        new = [sp for sp in cover if sp.id not in emitted]
        seg += 1
        mark_id = new[0].id if new else f"seg{seg}"
        cats = []
        for sp in cover:
            if sp.category not in cats:
                cats.append(sp.category)
        top = cover[0].severity  # 3 high, 2 medium, 1 low, 0 a protection
        classes = ["hl", _cls(cats[0]), {3: "s-high", 2: "s-medium", 1: "s-low"}.get(top, "s-prot")] \
            + (["multi"] if len(cats) > 1 else [])
        title = " · ".join(dict.fromkeys(sp.label for sp in cover))
        refs = " ".join(sp.id for sp in cover)
        anchors = "".join(f'<span class="anchor" id="{prefix}{_e(sp.id)}"></span>' for sp in new[1:])
        out.append(f'<mark id="{prefix}{_e(mark_id)}" class="{" ".join(classes)}" title="{_e(title)}" '
                   f'data-spans="{_e(refs)}">{anchors}{_e(chunk)}</mark>')
        emitted.update(sp.id for sp in new)
        emitted.add(mark_id)
    return "".join(out), emitted


_CSS = """
:root{--fg:#1b1b1b;--muted:#666;--line:#ddd}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;
color:var(--fg);max-width:62em;margin:0 auto;padding:1em 1.2em 4em;line-height:1.55}
h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.2em;margin:1.6em 0 .5em;border-bottom:2px solid var(--line);padding-bottom:.2em}
h3{font-size:1.05em;margin:1em 0 .3em}
.meta,.dim{color:var(--muted)}
.verdict{display:flex;gap:1em;align-items:center;border:1px solid var(--line);border-radius:8px;padding:.8em 1em}
.grade{font-size:2.2em;font-weight:700;min-width:1.6em;text-align:center;border-radius:6px;padding:.05em .2em;color:#fff}
.grade-A{background:#2e7d32}.grade-B{background:#689f38}.grade-C{background:#f9a825}.grade-D{background:#e65100}
.grade-E{background:#b71c1c}.grade-none{background:#757575;font-size:1.1em}
.verdict-line{font-weight:600;font-size:1.1em}
table{border-collapse:collapse;width:100%;margin:.4em 0}
th,td{text-align:left;vertical-align:top;padding:.35em .5em;border-bottom:1px solid var(--line)}
th{background:#f5f5f5}td.num{text-align:right;white-space:nowrap;font-weight:600}
tr.total td{border-top:2px solid #999;font-weight:600}
.missing{color:#a15c00}.formula{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em}
blockquote{margin:.3em 0;padding:.1em .7em;border-left:3px solid #bbb;color:#333;background:#fafafa}
.sev{display:inline-block;border-radius:4px;padding:0 .4em;font-size:.85em;font-weight:700;color:#fff}
.sev-high{background:#c62828}.sev-medium{background:#ef6c00}.sev-low{background:#0277bd}
.st-contradicted{color:#c62828;font-weight:700}.st-qualified{color:#ef6c00;font-weight:700}
.st-confirmed{color:#2e7d32;font-weight:700}.st-unverified{color:var(--muted)}
.refs a,.ref{font-size:.88em}.ref.more{font-size:.75em;vertical-align:super}.src{font-size:.88em;margin:.2em 0}
a{color:#0b57d0}
ul.findings{list-style:none;padding-left:0}ul.findings>li{margin:.6em 0;padding:.4em .6em;border:1px solid var(--line);border-radius:6px}
.request{white-space:pre-wrap;border:1px dashed #999;padding:.7em;background:#fcfcf5;font-family:inherit}
.legend{display:flex;flex-wrap:wrap;gap:.4em;margin:.5em 0}
.legend mark{padding:0 .4em;border-radius:3px}
pre.doc{white-space:pre-wrap;word-wrap:break-word;font-family:inherit;font-size:.95em;line-height:1.7;
border:1px solid var(--line);border-radius:6px;padding:1em;background:#fff}
mark.hl{border-radius:2px;padding:0 1px;color:inherit}
mark.multi{box-shadow:inset 0 -3px 0 rgba(0,0,0,.45)}
mark:target,mark:has(.anchor:target){outline:3px solid #0b57d0}
.anchor{display:inline}
.pagebreak{display:block;text-align:center;color:var(--muted);border-top:1px dashed #aaa;margin:1em 0 .5em;font-size:.85em}
.pagebreak.first{border-top:none;margin-top:0}
footer{margin-top:2em;color:var(--muted);font-size:.9em}
"""


def _html_css() -> str:
    """Highlights say something: in the text only the costly (high-severity) clauses and the
    protections are coloured, by category; the others are underlined until the reader ticks
    "highlight every clause" (a checkbox and CSS, no script). Narrow screens stack the tables;
    print drops the toggle."""
    all_on = ".toggle:checked~pre.doc "
    cats = "".join(f"mark.{_cls(c)}.s-high,{all_on}mark.{_cls(c)},.legend mark.{_cls(c)}{{background:{col}}}"
                   for c, col in _CAT_COLOUR.items())
    return (_CSS + "mark.hl{background:transparent;border-bottom:2px dotted #9e9e9e}"
            + f"mark.hl.s-high,{all_on}mark.hl,.legend mark.hl{{background:{_OTHER_COLOUR};border-bottom:none}}" + cats
            + f"mark.c-protection{{background:{_PROTECTION_COLOUR};border-bottom:none}}" + _CSS_NARROW)


_CSS_NARROW = """
.toggle-label{display:inline-block;margin:.3em 0;font-size:.92em;cursor:pointer}
@media (max-width:640px){
body{padding:.6em .7em 3em;font-size:15px}
.verdict{flex-direction:column;align-items:flex-start}
table.exit-cost thead,table.offer thead{display:none}
table.exit-cost tr,table.offer tr{display:block;border-bottom:1px solid var(--line);padding:.3em 0}
table.exit-cost td,table.offer td{display:block;border:none;padding:.1em .2em}
td.num{text-align:left}
.formula{word-break:break-word}
}
@media print{
.toggle,.toggle-label{display:none}
a{color:inherit;text-decoration:none}
h2{break-after:avoid}
ul.findings>li,tr{break-inside:avoid}
body{max-width:none;padding:0}
}
"""


_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")


_MEDIA = re.compile(r"(@media[^{]*)\{((?:[^{}]*\{[^{}]*\})*)\s*\}")


def scope_css(css: str, root: str) -> str:
    """Prefix every selector with ``.root`` so the report's CSS cannot restyle a notebook
    (inside ``@media`` blocks too)."""
    def one(sel: str) -> str:
        sel = sel.strip()
        if sel in (":root", "body", "html"):
            return f".{root}"
        return f".{root} {sel}"

    def rules_of(block: str) -> str:
        return "".join(",".join(one(x) for x in m.group(1).split(",")) + "{" + m.group(2) + "}"
                       for m in _RULE.finditer(block))

    media = "".join(f"{m.group(1).strip()}{{{rules_of(m.group(2))}}}" for m in _MEDIA.finditer(css))
    rules = rules_of(_MEDIA.sub("", css)) + media
    # the page's body padding is for a browser window; in an output cell keep it small
    return rules + f".{root}{{margin:0;padding:.2em 0 1em}}"
