"""The HTML report, from the view and ``templates/report.html.j2`` (Jinja2; every value escaped,
control and bidi characters made visible), and the Markdown report from ``report.md.j2``.

HTML: one self-contained page (inline CSS only, no script, no external reference; a CSP forbids
fetching anything), the full text with every finding highlighted and linked from the summary.
``standalone=False`` gives the same report as a fragment for a notebook cell: one
``<div class="terms-scan-report">`` with the CSS scoped to it, every id (and link to it)
starting with ``id_prefix`` so that several reports in one notebook do not collide."""
from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .highlight import _cls, _e, _highlight, _html_css, _spans, scope_css
from .view import ReportView, build_view, one_line, short

if TYPE_CHECKING:  # pragma: no cover
    import jinja2

    from ..model import Report


@functools.cache
def environment(kind: str = "html") -> jinja2.Environment:
    """The template environment of ``kind``: "html" escapes every value (html.escape after making
    control characters visible; markup built by the helpers passes as it is), "md" leaves
    escaping to the template's ``|md`` filter."""
    import jinja2
    from markupsafe import Markup

    def finalize(x: Any) -> Any:
        if x is None:
            return ""
        if isinstance(x, Markup):
            return x
        return Markup(_e(x if isinstance(x, str) else str(x)))

    env = jinja2.Environment(loader=jinja2.PackageLoader("analyzer.render", "templates"),
                             autoescape=kind == "html", finalize=finalize if kind == "html" else None,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["one_line"] = one_line
    env.filters["cls"] = _cls
    from .markdown import install

    install(env)
    return env


def render_html(report: Report, lang: str | None = None, *, standalone: bool = True, id_prefix: str = "") -> str:
    from markupsafe import Markup

    v = build_view(report, lang)
    lang = v.lang
    P = _e(id_prefix)
    spans, ids = _spans(report, lang)
    doc_html, emitted = _highlight(report.document.text, spans, lang, P)

    def target(s: Any) -> str | None:
        i = ids.get((s.start, s.end, s.category))
        return i if i in emitted else None

    def link(s: Any, inner: str, cls: str = "") -> Markup:
        t = target(s)
        c = f' class="{cls}"' if cls else ""
        tip = f' title="{_e(short(s.evidence, 200))}"'
        inner_html = inner if isinstance(inner, Markup) else _e(inner)
        return Markup(f'<a{c} href="#{P}{_e(t)}"{tip}>{inner_html}</a>' if t else f"<span{c}{tip}>{inner_html}</span>")

    def groups(sources: Iterable[Any], sep: str) -> Markup:
        """One label per page and category; further clauses under it as numbered links."""
        parts = []
        for label, srcs in v.loc.ref_labels(sources):
            more = Markup("".join(f" {link(x, str(k), 'ref more')}" for k, x in enumerate(srcs[1:], 2)))
            parts.append(link(srcs[0], label, "ref") + more)
        return Markup(sep.join(parts))

    def refs(sources: Iterable[Any]) -> Markup:
        inner = groups(sources, "; ")
        return Markup(f' <span class="refs">({inner})</span>') if inner else Markup("")

    body = environment().get_template("report.html.j2").render(
        v=v, P=Markup(P), title=f"terms-scan: {v.title}", link=link, groups=groups, refs=refs,
        emitted=emitted, doc_html=Markup(doc_html), legend=Markup(_legend(v, spans)))
    body = body.rstrip("\n")
    if not standalone:
        root = "terms-scan-report"
        return (f'<div class="{root}" lang="{_e(lang)}"><style>{scope_css(_html_css(), root)}</style>\n'
                + body + "\n</div>")
    title = _e(f"terms-scan: {v.title}")
    return (
        f'<!DOCTYPE html>\n<html lang="{_e(lang)}"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; '
        'base-uri \'none\'; form-action \'none\'">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{_html_css()}</style></head>\n<body>"
        + body + "\n</body></html>\n")


def _legend(v: ReportView, spans: list[Any]) -> str:
    present = list(dict.fromkeys(sp.category for sp in spans if sp.start < sp.end))
    legend = "".join(
        f'<mark class="hl {_cls(c)}">{_e(v.s("protection") if c == "protection" else v.w.label(c))}</mark>'
        for c in present)
    if any(sp.start < sp.end for sp in spans):
        legend += f'<mark class="hl multi">{_e(v.s("multi"))}</mark>'
    return legend
