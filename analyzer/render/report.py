"""Render a report for people: terminal (rich), Markdown, HTML. (JSON is ``Report.to_json``.)

Every format shows the same content, in the report language: the verdict, the exit-cost
table, the combinations, the findings grouped by severity with their quotes and pages, the
protections, the missing protections, the questions to ask, the way out, and the advert
check when an advert was given. The advice comes from ``report.summary``
(``advice_model.Summary``) and ``report.offer`` (``advice_model.OfferCheck``); a report
without them still renders its findings.

Agreement text is untrusted: in the terminal it goes through ``rich.text.Text`` (never
parsed as markup, also inside tables), in HTML through ``html.escape`` (the page has no
script, no external reference, and a CSP that forbids fetching anything), in Markdown with
its markup characters escaped.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from ..model import SEVERITY_ORDER
from .money import money
from ..engine.taxonomy import CATEGORIES

if TYPE_CHECKING:  # pragma: no cover
    from ..model import Report

SEVERITIES = ("high", "medium", "low")
_SEV_NAME = {"zh": {"high": "高", "medium": "中", "low": "低"}, "en": {"high": "high", "medium": "medium", "low": "low"}}
_SEV_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan"}
_GRADE_STYLE = {"A": "bold green", "B": "green", "C": "yellow", "D": "bold red", "E": "bold white on red"}

# Interface strings: (zh, en).
_L: dict[str, tuple[str, str]] = {
    "meta": ("%d 页 · %d 字 · 语言 %s", "%d page(s) · %d chars · language %s"),
    "counts": ("发现：高 %(high)d · 中 %(medium)d · 低 %(low)d",
               "Findings: high %(high)d · medium %(medium)d · low %(low)d"),
    "verdict": ("结论", "Verdict"),
    "grade": ("等级", "Grade"),
    "not_graded": ("未评级", "not graded"),
    "incomplete": ("⚠ 扫描未完成，以下结果可能缺少条款：", "⚠ Incomplete scan — clauses may be missing: "),
    "grade_scale": ("A 最好，E 最差", "A best, E worst"),
    "exit_cost": ("提前离开要花多少钱", "What it costs to leave early"),
    "col_leave": ("何时离开", "Leave"),
    "col_cost": ("费用", "Cost"),
    "col_how": ("计算方式", "How it is computed"),
    "col_clauses": ("依据条款（页）", "Clauses (page)"),
    "missing_values": ("缺少：", "missing: "),
    "no_number": ("无法算出", "no figure"),
    "top_findings": ("最要紧的条款", "The most serious clauses"),
    "more_findings": ("……另有 %d 条（见完整报告）", "… and %d more (see the full report)"),
    "more_claims": ("广告中另有 %d 项说法未发现矛盾（见完整报告）", "%d more advert claims show no contradiction (see the full report)"),
    "see_all": ("全部条款、退出办法和可发送的申请：加 --full（或 --format html -o report.html）",
                "Every clause, how to get out, a request to send: add --full (or --format html -o report.html)"),
    "cost_parts": ("费用由以下几项相加（n = 离开前已在网的月数）：", "The cost adds up these parts (n = months before you leave):"),
    "term": ("合约期 %d 个月", "term %d months"),
    "monthly_min": ("每月最低 %s", "monthly minimum %s"),
    "combinations": ("组合起来更要紧的条款", "Clauses that matter more together"),
    "findings": ("条款（按严重度）", "Clauses by severity"),
    "sev_high": ("高风险", "High"),
    "sev_medium": ("中风险", "Medium"),
    "sev_low": ("低风险", "Low"),
    "values": ("数值：", "Values: "),
    "protections": ("对你有利的条款", "Protections in your favour"),
    "missing": ("本协议没有写明的保障", "Protections this agreement does not state"),
    "questions": ("付款前要问的问题", "Questions to ask before paying"),
    "way_out": ("如果想退出", "If you want out"),
    "scenarios": ("退款情形", "Refund scenarios"),
    "prepare": ("准备材料", "What to prepare"),
    "channels": ("联系渠道", "Where to ask"),
    "escalation": ("仍未解决时", "If that does not work"),
    "request": ("可直接发送的申请", "Request, ready to send"),
    "offer": ("广告与协议对照", "Advert against agreement"),
    "offer_text": ("广告：", "Advert: "),
    "col_claim": ("广告说法", "Claim"),
    "col_status": ("结果", "Status"),
    "col_vs": ("广告与协议", "Advert vs agreement"),
    "agreement": ("协议：", "agreement: "),
    "document": ("协议全文（条款已高亮）", "Full text, clauses highlighted"),
    "legend": ("图例", "Legend"),
    "in_text": ("原文", "text"),
    "highlight_all": ("高亮全部条款（默认只标出高风险条款和有利条款）", "Highlight every clause (by default only the costly clauses and the protections)"),
    "protection": ("有利条款", "Protection"),
    "multi": ("下划线：同一段属于多个类别", "underlined: several categories"),
    "source_clause": ("依据条款", "Clause"),
    "page": ("第%d页", "p. %d"),
    "page_break": ("第 %d 页", "page %d"),
    "no_findings": ("未发现已知的风险条款。", "No known risky clauses found."),
    "no_summary": ("（本报告没有附带建议部分。）", "(This report carries no advice section.)"),
    "see_text": ("在原文中查看", "show in the text"),
    "disclaimer": ("本报告说明条款的含义和可以去哪里问，不判断条款是否合法或有效。",
                   "This report explains what the clauses mean and where to ask; it does not decide "
                   "whether a clause is lawful or enforceable."),
}
_STATUS = {
    "contradicted": ("与协议不符", "contradicted"),
    "qualified": ("有附加条件", "qualified"),
    "confirmed": ("协议确认", "confirmed"),
    "unverified": ("协议未提及", "not in the agreement"),
}
_STATUS_STYLE = {"contradicted": "bold red", "qualified": "yellow", "confirmed": "green", "unverified": "dim"}
_CLAIM_KIND = {
    "price": ("价格", "price"),
    "data": ("流量", "data"),
    "no_contract": ("无合约", "no contract"),
    "refundable": ("可退款", "refundable"),
    "free_activation": ("免费激活/免费项目", "free activation / free extras"),
    "gift": ("赠送", "gift or credit"),
    "no_prepay": ("无需预存", "no prepayment"),
    "other": ("其他说法", "other claim"),
}
_APPLIES = {True: ("适用", "applies"), False: ("不适用", "does not apply"),
            None: ("视你的情况而定", "depends on your situation")}
_CHANNEL_KIND = {"hotline": ("热线", "hotline"), "app": ("手机APP", "app"), "web": ("网站", "web"),
                 "email": ("邮箱", "email"), "store": ("营业厅", "store")}
_CHANNEL_SOURCE = {"operator": ("运营商官方渠道", "the operator's own channel"),
                   "payment": ("付款渠道的订阅/自动扣款管理", "where the subscription is paid"),
                   "agreement": ("协议中写明", "stated in the agreement")}


def _s(key: str, lang: str) -> str:
    zh, en = _L[key]
    return zh if lang == "zh" else en


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh" else pair[1]


def _t(text: Any, lang: str) -> str:
    """A model text ({"zh", "en"}) in the report language (the other one when it is empty)."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    other = "en" if lang == "zh" else "zh"
    return str(text.get(lang) or text.get(other) or "")


def _label(cat: str, lang: str) -> str:
    c = CATEGORIES.get(cat)
    return (c.zh if lang == "zh" else c.en) if c else cat


def shown_name(source: str) -> str:
    """The document's name in a report meant to be shared (Markdown, HTML): a URL as it is, a
    local file by its name only, so a shared report does not leak the folders on the reader's
    machine ("/home/li/合同/联通/agreement.pdf" -> "agreement.pdf")."""
    if "://" in source or source.startswith("<"):
        return source
    return source.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or source


def report_title(report: "Report") -> str:
    """What a shared report is called: the agreement's own title (its first short line, when
    it reads as a title) with the file's name, else the file's name."""
    name = shown_name(report.document.source)
    for line in report.document.text.splitlines():
        t = line.strip().strip("#*=_ \t").strip()
        if not t:
            continue
        if len(t) <= 60 and t[-1] not in "。.;；,，:：" and sum(c.isalpha() for c in t) >= 2:
            return t if name.startswith("<") else f"{t} ({name})"
        break
    return name


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


# where a clause is, as the reader of one report is told: "p. 3" in a document of pages; in a
# text or web page (one "page") the heading of its section, else nothing more than "text"
import bisect  # noqa: E402
import contextvars  # noqa: E402
import functools  # noqa: E402

_WHERE: contextvars.ContextVar[tuple[bool, list[int], list[str | None]] | None] = \
    contextvars.ContextVar("terms_scan_where", default=None)


def _page(n: int, lang: str, start: int | None = None) -> str:
    where = _WHERE.get()
    if where is None or not where[0]:
        return _s("page", lang) % n
    starts, sections = where[1], where[2]
    i = bisect.bisect_right(starts, start) - 1 if start is not None else -1
    sec = sections[i] if i >= 0 else None
    if not sec:
        return _s("in_text", lang)
    sec = _one_line(sec)
    sec = sec if len(sec) <= 18 else sec[:17] + "…"
    return f"【{sec}】" if lang == "zh" else f"[{sec}]"


def _located(render):
    """Run a renderer with the report's locations known (see _page)."""
    @functools.wraps(render)
    def run(report, *args, **kwargs):
        one_page = len(report.document.pages) <= 1 and report.document.kind != "pdf"
        marks: list[tuple[int, str | None]] = []
        ctx = getattr(report, "context", None)
        if one_page and ctx is not None:
            marks = [(a, sent.section) for sent, a, _b in ctx.statements()]
        elif one_page:
            marks = sorted((f.location.start, f.section) for f in report.findings)
        token = _WHERE.set((one_page, [a for a, _ in marks], [x for _, x in marks]))
        try:
            return render(report, *args, **kwargs)
        finally:
            _WHERE.reset(token)
    return run


def _num(x: float) -> str:
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.2f}"


def _money(amount: float | None, currency: str | None, lang: str) -> str:
    return money(amount, currency, lang, missing="—")


_VALUE_WORDS = {
    # key: (zh, en) with {v} for the number
    "months": ("{v}个月", "{v} months"),
    "days": ("{v}天", "{v} days"),
    "data_gb": ("{v}GB", "{v} GB"),
    "speed_kbps": ("{v}kbps", "{v} kbps"),
}
_PER = {"day": ("每天", "a day"), "month": ("每月", "a month"), "year": ("每年", "a year")}


_MECHANISM_ZH = {
    "PRICE_DIFFERENCE": "差价 × 剩余月数 / 合约月数",
    "REMAINING_MINIMUM": "剩余月数 × 月最低消费",
    "REMAINING_CHARGE": "剩余月数 × 月费",
    "FIXED_PER_MONTH": "固定金额 × 剩余月数",
    "MINIMUM_MULTIPLE": "月最低消费的倍数",
    "COMMITTED_TOTAL": "约定消费总额 − 已消费",
    "REMAINING_BALANCE": "剩余未付款项一次付清",
    "REPAY_GIFTS": "退还已享受的优惠和赠送",
    "REPAY_CREDITS": "退还已获得的优惠和抵扣",
}


def _formula_words(text: Any, lang: str) -> str:
    """A ``formula`` value in the reader's language: "剩余月数 × 月最低消费 × 2（最高500元）",
    not the machine form "remaining months x monthly minimum spend x 2 (at most 500)"."""
    from ..engine.values import formula_terms

    t = formula_terms(text)
    if t.mechanism is None:
        return str(text)
    if lang != "zh":
        return str(text)
    out = _MECHANISM_ZH.get(t.mechanism.name, str(text))
    if t.multiple != 1:
        out += f" × {_num(t.multiple)}"
    bounds = [f"最高{_num(t.at_most)}" if t.at_most is not None else "",
              f"最低{_num(t.at_least)}" if t.at_least is not None else "",
              "以较高者为准" if t.higher_of else ""]
    bounds = [b for b in bounds if b]
    return out + (f"（{'，'.join(bounds)}）" if bounds else "")


def _fmt_values(values: dict, lang: str = "en") -> str:
    """A finding's values as a buyer reads them: "59元/月", "24个月", "40 GB", "3‰ a day" —
    never the JSON keys ("data_gb=40", "percent=0.3, period=day")."""
    v = dict(values)
    zh = lang == "zh"
    parts = []
    per = v.pop("period", None)
    if "amount" in v:
        parts.append(money(v.pop("amount"), v.pop("currency", None), lang, per if per != "once" else None, missing="—"))
        per = None
    v.pop("currency", None)
    if "percent" in v:
        pct = v.pop("percent")
        shown = f"{_num(pct * 10)}‰" if isinstance(pct, (int, float)) and 0 < pct < 1 else f"{_num(pct)}%"
        if per in _PER:
            shown = (_PER[per][0] + shown) if zh else f"{shown} {_PER[per][1]}"
            per = None
        parts.append(shown)
    for key, (w_zh, w_en) in _VALUE_WORDS.items():
        if key in v:
            val = v.pop(key)
            parts.append((w_zh if zh else w_en).format(v=_num(val) if isinstance(val, (int, float)) else val))
    if "formula" in v:
        parts.append(_formula_words(v.pop("formula"), lang))
    if per in _PER and not parts:
        parts.append(_PER[per][0] if zh else _PER[per][1])  # "month-to-month": a period, no amount
    for k, val in v.items():  # a key from an extra pattern library: shown as it is
        parts.append(f"{k} {val}")
    return ("，" if zh else ", ").join(parts)


def _by_severity(report: "Report") -> list[tuple[str, list]]:
    groups = []
    for sev in SEVERITIES:
        fs = sorted((f for f in report.findings if f.severity == sev), key=lambda f: f.location.start)
        if fs:
            groups.append((sev, fs))
    return groups


def _src_ref(src: Any, lang: str) -> str:
    """``p. 3 Minimum spend`` for a Source."""
    return f"{_page(src.page, lang, src.start)} {_label(src.category, lang)}"


def _dedup_sources(sources: Iterable[Any]) -> list[Any]:
    seen, out = set(), []
    for s in sources:
        key = (s.start, s.end, s.category)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def _ref_labels(sources: Iterable[Any], lang: str) -> list[tuple[str, list[Any]]]:
    """Sources grouped under their label (``p. 1 Lock-in``), so a label is shown once."""
    groups: dict[str, list[Any]] = {}
    for s in _dedup_sources(sources):
        groups.setdefault(_src_ref(s, lang), []).append(s)
    return list(groups.items())


# "（第1页：“…”）" / "(p. 1: "…")": a clause quoted inside an advert explanation; the brief and
# the summary card have quoted the clause already or have no room for it
_INLINE_QUOTE = re.compile(r"\s?[（(][^（）()“”\"]{0,40}[：:]\s*[“\"][^”\"]*[”\"][）)]")


def _unquoted(text: str) -> str:
    return _INLINE_QUOTE.sub("", text)


def _quoted_in(s: Any, text: str) -> bool:
    """Does ``text`` (an explanation) already quote this source's clause?"""
    ev = _one_line(s.evidence)
    probe = ev[: min(24, len(ev))]
    return bool(probe) and probe in _one_line(text)


def _summary(report: "Report"):
    return getattr(report, "summary", None)


def _offer(report: "Report"):
    return getattr(report, "offer", None)


def _cost_rows(ec: Any) -> list[Any]:
    upfront = getattr(ec, "upfront", None)
    rows = ([upfront] if upfront is not None else []) + list(ec.rows)
    if ec.total_commitment is not None:
        rows.append(ec.total_commitment)
    return rows


def _at_least(row: Any, currency: str | None, lang: str) -> str:
    """The cost cell of a row whose total cannot be computed: "at least X" when some of its
    parts can, else "no figure"."""
    known = getattr(row, "at_least", None)
    if known is None:
        return _s("no_number", lang)
    return (f"至少{_money(known, currency, lang)}" if lang == "zh" else f"at least {_money(known, currency, lang)}")


_ARITH_ZH = [
    (re.compile(r"\s?\(at most ([\d.,]+)\)"), r"（最高\1）"),
    (re.compile(r"\s?\(at least ([\d.,]+)\)"), r"（最低\1）"),
    (re.compile(r"\s?\(term completed\)"), "（合约期已满）"),
    (re.compile(r"\(all paid out\)"), "（已全部返还）"),
    (re.compile(r"(?:early termination|exit) fee \(not stated\)"), "违约金（未写明）"),
    (re.compile(r"penalty \(blank in the agreement\)"), "违约金（协议中为空白）"),
    (re.compile(r"remaining balance \(device or plan\) at month (\d+)"), r"第\1个月时剩余未付款项"),
    (re.compile(r"committed total - spent by month (\d+)"), r"约定消费总额 − 第\1个月前已消费"),
    (re.compile(r"\(retail price - contract price\)"), "（零售价 − 合约价）"),
    (re.compile(r"\bmonthly instalment\b"), "每月分期"),
    (re.compile(r"\bsubsidy\b"), "购机补贴"),
    (re.compile(r"^month (\d+): "), r"第\1个月："),
    (re.compile(r"\bnot stated\b"), "未写明"),
    (re.compile(r"% x base\b"), "% x 基数"),
    (re.compile(r" x min\b"), " x 月最低消费"),
    (re.compile(r" x monthly\b"), " x 月费"),
]


def _arith(formula: str, lang: str) -> str:
    """A cost formula in the reader's language: the arithmetic stays, its words are translated
    ("(12 - 1) x 199 x 20%（最低300）", not "(at least 300)" in a Chinese report)."""
    if lang != "zh" or not formula:
        return formula
    for rx, repl in _ARITH_ZH:
        formula = rx.sub(repl, formula)
    return formula


def _cost_adds(row: Any, currency: str | None, lang: str) -> str:
    """How a row's cost adds up, in the terminal's one line: "897元 + 110元 + 10元" for several
    parts, the formula for one ("39 x 24"); nothing when it would only repeat the cost."""
    parts = [p for p in row.parts if not (p.amount == 0 and len(row.parts) > 1)]
    if len(parts) > 1:
        return " + ".join(_money(p.amount, currency, lang) if p.amount is not None else "?" for p in parts)
    shown = _money(row.amount, currency, lang) if row.amount is not None else ""
    f = row.formula
    return "" if not f or f == shown or f.replace(",", "") == _num(row.amount or 0).replace(",", "") or "term completed" in f else _arith(f, lang)


def _cost_legend(ec: Any, lang: str) -> list[tuple[str, list[Any]]]:
    """The parts an exit cost is made of, once for the whole table: each part's label with its
    formula for a month n (from the first row that has parts) and the clauses it rests on."""
    row = next((r for r in ec.rows if len(r.parts) > 1), None)
    if row is None:
        return []
    out = []
    for p in row.parts:
        f = p.formula
        if row.month is not None:
            f = re.sub(rf"(?<![\d.]){row.month}(?![\d.])", "n", f)
        out.append((f"{_t(p.label, lang)}" + (f" = {_arith(f, lang)}" if f else ""), list(p.sources)))
    return out


def _cost_how(row: Any, currency: str | None, lang: str) -> list[str]:
    """Lines explaining a cost row: its formula, its parts, what is missing."""
    lines = []
    if row.formula:
        lines.append(_arith(row.formula, lang))
    if len(row.parts) > 1 or (row.parts and row.parts[0].formula != row.formula):
        for p in row.parts:
            amt = _money(p.amount, currency, lang) if p.amount is not None else "?"
            lines.append(f"{_t(p.label, lang)}: {amt}" + (f" = {_arith(p.formula, lang)}" if p.formula else ""))
    if row.missing:
        lines.append(_s("missing_values", lang) + "; ".join(_t(m, lang) for m in row.missing))
    return lines


def _row_sources(row: Any) -> list[Any]:
    return _dedup_sources([*row.sources, *(s for p in row.parts for s in p.sources)])


def _ec_head(ec: Any, lang: str) -> str:
    bits = []
    if ec.term_months:
        bits.append(_s("term", lang) % ec.term_months)
    if ec.monthly_minimum is not None:
        bits.append(_s("monthly_min", lang) % _money(ec.monthly_minimum, ec.currency, lang))
    return " · ".join(bits)


def _meta(report: "Report", lang: str) -> str:
    d = report.document
    return _s("meta", lang) % (len(d.pages), report.chars, report.language)


def _counts(report: "Report", lang: str) -> str:
    counts = {s: sum(1 for f in report.findings if f.severity == s) for s in SEVERITIES}
    return _s("counts", lang) % counts


def _grade_text(verdict: Any, lang: str) -> str:
    if verdict.assessed and verdict.grade:
        return f"{_s('grade', lang)} {verdict.grade}"
    return _s("not_graded", lang)


# --------------------------------------------------------------------------- terminal


BRIEF_CLAUSES = 5    # clauses quoted in the brief terminal report
BRIEF_QUESTIONS = 3  # questions in it


@_located
def render_terminal(report: "Report", lang: str | None = None, width: int | None = None,
                    color: bool | None = None, full: bool = True) -> str:
    """The terminal report as a string (ANSI colours unless NO_COLOR or color=False).

    ``full=False`` is the brief the command line shows by default, a first screen that decides:
    the verdict, the exit cost, the most serious clauses quoted, contradicted advert claims and
    the most important questions, ending with how to see everything.

    Every agreement-derived string goes into ``rich.text.Text`` objects, so ``[bold]`` or
    ``[link=…]`` in an agreement prints literally."""
    import io
    import os

    from rich import box
    from rich.cells import cell_len
    from rich.table import Table

    from ..safetext import SafeConsole as Console
    from ..safetext import SafeText as Text

    lang = lang or report.language
    no_color = color is False or (color is None and bool(os.environ.get("NO_COLOR")))
    buf = io.StringIO()
    con = Console(file=buf, width=width or 100, no_color=no_color, force_terminal=not no_color,
                  color_system=None if no_color else "standard", highlight=False, emoji=False,
                  markup=False, legacy_windows=False)

    def T(s: str = "", style: str = "") -> Text:
        return _wtext(s, style)

    def heading(key: str) -> None:
        con.print()
        con.print(T(_s(key, lang), "bold underline"))

    def sub(s: str) -> None:
        con.print(T(s, "bold"))

    def item(s: str, bullet: str = "• ", style: str = "", indent: int = 2) -> None:
        # hanging indent: the wrapped lines line up under the text, not under the bullet
        line = Text(" " * indent + bullet, style=style)
        line.append(s)
        con.print(_hang(line, indent + len(bullet), con.width))

    def quote(s: str, indent: int = 4) -> None:
        con.print(_hang(Text(" " * indent + "“" + _one_line(s) + "”", style="italic"), indent + 1, con.width))

    def refs(sources: Iterable[Any], indent: int = 4) -> None:
        labels = [label for label, _ in _ref_labels(sources, lang)]
        if labels:
            con.print(_hang(Text(" " * indent + "→ " + "; ".join(labels), style="dim"),
                            indent + 2, con.width))

    d = report.document
    con.print(T(f"terms-scan: {d.source}", "bold"))
    if full:
        con.print(T(_meta(report, lang), "dim"))
        con.print(T(_counts(report, lang)))
    else:
        con.print(_hang(T(_meta(report, lang) + " · " + _counts(report, lang), "dim"), 0, con.width))

    summary = _summary(report)
    if summary is not None:
        v = summary.verdict
        heading("verdict")
        line = Text()
        line.append(f" {_grade_text(v, lang)} ", style=_GRADE_STYLE.get(v.grade or "", "bold") if v.assessed else "bold")
        if v.assessed and v.grade:
            line.append(f" ({_s('grade_scale', lang)})", style="dim")
        con.print(line)
        con.print(_hang(Text(_t(v.line, lang), style="bold"), 0, con.width))
        if not getattr(report, "complete", True):
            con.print(_hang(Text(_s("incomplete", lang) + str(report.incomplete), style="bold red"), 0, con.width))
        combos = [r for r in v.reasons if r.text.get("en", "").startswith("Combination: ")]
        for r in v.reasons:
            if not full and r in combos:
                if r is combos[0]:  # the brief: the combinations in one line
                    names = "；".join(_t(c.text, lang).split("：", 1)[-1].split(": ", 1)[-1] for c in combos)
                    item((f"组合风险{len(combos)}项：" if lang == "zh" else f"{len(combos)} combinations: ") + names)
                continue
            item(_t(r.text, lang))
            if full:  # the brief names the clauses once, below
                refs(r.sources)

        ec = summary.exit_cost
        if ec is not None and (ec.rows or ec.total_commitment is not None):
            heading("exit_cost")
            head = _ec_head(ec, lang)
            if head:
                con.print(T(head, "dim"))
            # one line a row (when, what it costs, the parts that add up to it); what the parts
            # are, what is missing and the clauses behind them once, below: a table of formulas
            # per row wrapped to ~15 lines a row at 80 columns (issue 11)
            rows = _cost_rows(ec)
            if not full:  # the brief leaves out "leaving at the end of the term costs nothing"
                rows = [r for r in rows if not (r.amount == 0 and r.month is not None and r.month == ec.term_months)]
            w_leave = max(cell_len(_t(r.label, lang)) for r in rows)
            costs = [_money(r.amount, ec.currency, lang) if r.amount is not None else _at_least(r, ec.currency, lang)
                     for r in rows]
            w_cost = max(cell_len(c) for c in costs)
            for row, cost in zip(rows, costs):
                label = _t(row.label, lang)
                line = Text("  " + label + " " * (w_leave - cell_len(label) + 2))
                line.append(" " * (w_cost - cell_len(cost)) + cost,
                            style="bold" if row.amount is not None else "yellow")
                adds = _cost_adds(row, ec.currency, lang)
                if adds:
                    line.append(f"  = {adds}", style="dim")
                con.print(_hang(line, w_leave + w_cost + 6, con.width))
            legend = _cost_legend(ec, lang)
            if legend:
                con.print(T("  " + _s("cost_parts", lang), "dim"))
                for text_, srcs in legend:
                    item(text_, bullet="  · ", style="dim")
                    if full:
                        refs(srcs)
            missing = list(dict.fromkeys(_t(m, lang) for r in rows for m in r.missing))
            if missing:
                item(_s("missing_values", lang) + "; ".join(missing), bullet="  ", style="yellow")
            for n in ec.notes:
                item(_t(n, lang), bullet="* ", style="dim")

        if summary.combinations and full:  # the brief has them among the verdict's reasons
            heading("combinations")
            for c in summary.combinations:
                head = Text("  ")
                head.append(f"[{_SEV_NAME[lang].get(c.severity, c.severity)}] ", style=_SEV_STYLE.get(c.severity, ""))
                head.append(_t(c.title, lang), style="bold")
                con.print(_hang(head, 2, con.width))
                item(_t(c.explanation, lang), bullet="", indent=4)
                # the clauses by reference: their words are quoted once, under the findings
                refs(_dedup_sources(c.sources))

    heading("findings" if full else "top_findings")
    one_page = len(report.document.pages) <= 1  # "p. 1" of a text or web page says nothing
    shown = 0
    numbered: dict[str, int] = {}  # the brief: a quoted clause's words -> its number
    if full:
        groups = [(sev, [[f] for f in fs]) for sev, fs in _by_severity(report)]
    else:
        # the brief: the most serious clauses, each quoted once with every category it states
        seen: dict[str, list] = {}
        order: list[list] = []
        for _sev, fs in _by_severity(report):
            for f in fs:
                key = _one_line(f.evidence)
                if key in seen:
                    seen[key].append(f)
                elif len(order) < BRIEF_CLAUSES:
                    seen[key] = [f]
                    order.append(seen[key])
        groups = [(sev, [g for g in order if g[0].severity == sev]) for sev in SEVERITIES]
        groups = [(sev, gs) for sev, gs in groups if gs]
        shown = sum(len(g) for g in order)
    for sev, gs in groups:
        if full:  # the brief's clauses carry their severity in front
            con.print(Text(f"{_s('sev_' + sev, lang)} ({len(gs)})", style=_SEV_STYLE[sev]))
        for g in gs:
            f = g[0]
            head = Text("  ")
            if not full:  # the brief numbers its quoted clauses; the questions refer to them
                numbered[_one_line(f.evidence)] = len(numbered) + 1
                head.append(f"[{len(numbered)}] ", style="bold")
            head.append(f"[{_SEV_NAME[lang][f.severity]}] ", style=_SEV_STYLE[f.severity])
            head.append(" · ".join(dict.fromkeys(_label(x.category, lang) for x in g)), style="bold")
            if not one_page:
                head.append(f"  {_page(f.location.page, lang, f.location.start)}", style="dim")
            vals = _fmt_values(f.values, lang)
            if vals:
                head.append(f"  {vals}", style="green")
            con.print(_hang(head, 4, con.width))
            if full:
                item(_t(f.explanation, lang), bullet="", indent=4)
            quote(f.evidence)
        if full:
            con.print()
    if not report.findings:
        con.print(T(_s("no_findings", lang)))

    if not full and len(report.findings) > shown:
        con.print(T("  " + _s("more_findings", lang) % (len(report.findings) - shown), "dim"))
    if report.protections and full:
        heading("protections")
        for p in report.protections:
            line = Text("  + ", style="green")
            line.append(_label(p.category, lang) + f" ({_page(p.location.page, lang, p.location.start)}): ", style="bold")
            line.append(_one_line(p.evidence))
            con.print(_hang(line, 4, con.width))

    if summary is not None:
        if summary.missing_protections and full:
            heading("missing")
            for m in summary.missing_protections:
                item(_t(m.text, lang), bullet="- ")
        if summary.questions:
            heading("questions")
            for i, q in enumerate(summary.questions if full else summary.questions[:BRIEF_QUESTIONS], 1):
                k = _quoted_as(q, report, numbered)
                if k is not None and q.ask is not None:  # the clause is quoted above: its number, not its words again
                    item(f"[{k}] " + _t(q.ask, lang), bullet=f"{i}. ")
                else:
                    item(_t(q.text, lang), bullet=f"{i}. ")
                if full:
                    refs(q.sources, indent=5)
        w = summary.way_out
        if w is not None and full:
            heading("way_out")
            if w.scenarios:
                sub(_s("scenarios", lang))
                for sc in w.scenarios:
                    mark = {True: "✔ ", False: "✘ ", None: "? "}.get(sc.applies, "? ")
                    line = Text("  " + mark, style="green" if sc.applies else ("dim" if sc.applies is False else "yellow"))
                    line.append(f"[{_pick(_APPLIES.get(sc.applies, _APPLIES[None]), lang)}] ", style="bold")
                    line.append(_t(sc.text, lang))
                    con.print(_hang(line, 4, con.width))
                    refs(sc.sources, indent=4)
            if w.prepare:
                sub(_s("prepare", lang))
                for p in w.prepare:
                    item(_t(p, lang), bullet="- ")
            if w.channels:
                sub(_s("channels", lang))
                for ch in w.channels:
                    item(f"{ch.name} ({_pick(_CHANNEL_KIND.get(ch.kind, (ch.kind, ch.kind)), lang)}, "
                         f"{_pick(_CHANNEL_SOURCE.get(ch.source, (ch.source, ch.source)), lang)})", bullet="- ")
            if w.escalation:
                sub(_s("escalation", lang))
                for e in w.escalation:
                    item(f"{e.name}: {_t(e.text, lang)}", bullet="- ")
            req = _t(w.request_text, lang)
            if req.strip():
                sub(_s("request", lang))
                for ln in req.splitlines() or [""]:
                    con.print(_hang(Text("  │ " + ln), 4, con.width))

    offer = _offer(report)
    if offer is not None:
        heading("offer")
        con.print(_hang(Text(_s("offer_text", lang) + _one_line(offer.text), style="dim"), 2, con.width))
        claims = offer.claims if full else tuple(c for c in offer.claims if c.status == "contradicted")
        if not full and len(claims) < len(offer.claims):
            con.print(T("  " + _s("more_claims", lang) % (len(offer.claims) - len(claims)), "dim"))
        if claims:
            table = Table(box=box.SIMPLE_HEAD, show_lines=True, pad_edge=False, width=min(con.width, 100))
            table.add_column(T(_s("col_claim", lang)), ratio=3, overflow="fold")
            table.add_column(T(_s("col_status", lang)), ratio=2, overflow="fold")
            table.add_column(T(_s("col_vs", lang)), ratio=6, overflow="fold")
            for c in claims:
                claim = T(_pick(_CLAIM_KIND.get(c.kind, (c.kind, c.kind)), lang) + "\n")
                claim.stylize("bold", 0, len(claim) - 1)
                claim.append(_one_line(c.advert))
                if not full:  # the brief: the clauses by number or by reference, not quoted again
                    vs = T(_unquoted(_t(c.explanation, lang)))
                    nums = sorted({k for s in c.sources if (k := numbered.get(_one_line(s.evidence)))})
                    rest = [s for s in _dedup_sources(c.sources) if not numbered.get(_one_line(s.evidence))]
                    ref = ", ".join([f"[{k}]" for k in nums] + [label for label, _ in _ref_labels(rest, lang)])
                    if ref:
                        vs.append(f"\n→ {ref}", style="dim")
                    table.add_row(claim, T(_pick(_STATUS.get(c.status, (c.status, c.status)), lang),
                                           _STATUS_STYLE.get(c.status, "")), vs)
                    continue
                vs = T(_t(c.explanation, lang))
                for s in _dedup_sources(c.sources):
                    if _quoted_in(s, _t(c.explanation, lang)):
                        continue
                    vs.append(f"\n{_s('agreement', lang)}{_page(s.page, lang, s.start)} ", style="dim")
                    vs.append("“" + _short(s.evidence, 160) + "”", style="italic")
                table.add_row(claim, T(_pick(_STATUS.get(c.status, (c.status, c.status)), lang),
                                       _STATUS_STYLE.get(c.status, "")), vs)
            con.print(table)

    if report.warnings:
        con.print()
        for w_ in report.warnings:
            con.print(_hang(Text("! " + w_, style="yellow"), 2, con.width))
    con.print()
    con.print(_hang(T(_s("disclaimer", lang), "dim"), 0, con.width))
    if not full:
        con.print(_hang(T(_s("see_all", lang), "bold"), 0, con.width))
        return _safe_output(buf.getvalue(), no_color)
    if summary is not None and summary.verdict.assessed:
        # the screen shows the end of a long report: the verdict again, not the request template
        v = summary.verdict
        recap = Text()
        recap.append(f"{_s('verdict', lang)}: ", style="bold")
        recap.append(f" {_grade_text(v, lang)} ", style=_GRADE_STYLE.get(v.grade or "", "bold"))
        recap.append(" " + _t(v.line, lang), style="bold")
        con.print(_hang(recap, 0, con.width))
    return _safe_output(buf.getvalue(), no_color)


def _quoted_as(q: Any, report: "Report", numbered: dict[str, int]) -> int | None:
    """The number of the quoted clause a question is about, when the brief has quoted it."""
    if not numbered or not q.sources:
        return None
    s0 = q.sources[0]
    f = next((x for x in report.findings if x.category == s0.category and x.location.start == s0.start
              and x.location.end == s0.end), None)
    return numbered.get(_one_line(f.evidence if f is not None else s0.evidence))


def _short(text: str, limit: int = 120) -> str:
    t = _one_line(text)
    return t if len(t) <= limit else t[: limit - 1] + "…"


def _hang(text: Any, indent: int, width: int) -> Any:
    """Wrap ``text`` to ``width`` cells with a hanging indent: its first ``indent`` characters
    (spaces, a bullet) stay on the first line and the wrapped lines line up under the rest."""
    from rich.cells import cell_len

    prefix, body = text[:indent], text[indent:]
    room = width - max(indent, cell_len(prefix.plain))
    if room < 10:
        return _wtext(text)
    out = _wtext(prefix)
    for i, line in enumerate(_wrap_plain(body, room)):
        if i:
            out.append("\n" + " " * indent)
        out.append_text(line)
    return out


_CLOSING = set("，。、；：？！）》」』】〕〉”’…—%,.;:!?)]}·～")
_OPENING = set("（《「『【〔〈“‘([{")


def _wide(c: str) -> bool:
    import unicodedata

    return unicodedata.east_asian_width(c) in ("W", "F")


def _can_break(s: str, i: int) -> bool:
    """May a line start at s[i]? After a run of spaces, or beside a wide (CJK) character
    unless that would put closing punctuation first or leave opening punctuation last."""
    a, b = s[i - 1], s[i]
    if b.isspace():
        return False
    if a.isspace():
        return True
    if b in _CLOSING or a in _OPENING:
        return False
    return _wide(a) or _wide(b)


def _wrap_offsets(s: str, width: int) -> list[int]:
    """Where to cut one line of text so that no piece is wider than ``width`` cells."""
    from rich.cells import cell_len

    offsets: list[int] = []
    start, cells, last, i, n = 0, 0, 0, 0, len(s)
    while i < n:
        c = s[i]
        if i > start and _can_break(s, i):
            last = i
        w = cell_len(c)
        if cells + w > width and i > start and not c.isspace():
            cut = last if last > start else i
            offsets.append(cut)
            start, last = cut, cut
            cells = cell_len(s[start:i])
            continue
        cells += w
        i += 1
    return offsets


def _wrap_plain(text: Any, width: int) -> list[Any]:
    out = []
    for line in text.split("\n", allow_blank=True):
        for part in line.divide(_wrap_offsets(line.plain, width)):
            part.rstrip()
            out.append(part)
    return out


def _safe_output(rendered: str, no_color: bool) -> str:
    """The last line of defence: no control character from the agreement reaches the terminal
    (rich's own colour codes are the only escapes kept)."""
    from ..safetext import ansi_only_sgr, visible

    return visible(rendered) if no_color else ansi_only_sgr(rendered)


def _wtext(text: Any = "", style: str = "") -> Any:
    """A rich Text (never markup) that wraps Chinese between characters, not only at spaces."""
    t = _WText(style=style) if isinstance(text, str) else _WText(style=text.style)
    if isinstance(text, str):
        t.append(text)
    else:
        t.append_text(text)
    return t


def _make_wtext_class() -> type:
    from rich.containers import Lines
    from rich.measure import Measurement

    from ..safetext import SafeText

    class WText(SafeText):
        def wrap(self, console, width, *, justify=None, overflow=None, tab_size=8, no_wrap=None):  # type: ignore[override]
            if no_wrap or (no_wrap is None and self.no_wrap):
                return super().wrap(console, width, justify=justify, overflow=overflow, tab_size=tab_size,
                                    no_wrap=no_wrap)
            lines = Lines(_wrap_plain(self, max(1, width)))
            lines.justify(console, width, justify=justify or self.justify or "default",
                          overflow=overflow or self.overflow or "fold")
            return lines

        def __rich_measure__(self, console, options):  # type: ignore[override]
            from rich.cells import cell_len

            plain = self.plain
            widest = max((cell_len(x) for x in plain.splitlines()), default=0)
            tokens = [t for t in _TOKENS.findall(plain) if t.strip()]
            return Measurement(min(widest, max((cell_len(t) for t in tokens), default=0)), widest)

    return WText


_TOKENS = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef][，。、；：？！）》」』】”’]*|[^\s\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+")
_WText: Any = _make_wtext_class()


# --------------------------------------------------------------------------- Markdown


_MD_INLINE = set("\\`*_[]<>|&~")
_MD_BLOCK_START = re.compile(r"^(?:([#+-])(?=\s|$)|(=)(?==*\s*$)|(\d+)([.)])(?=\s|$))")


def md_escape(text: str) -> str:
    """Agreement text as one line of literal Markdown: no emphasis, links, images, HTML, code,
    table cells or block markers. Only what could act as markup is escaped, so the text stays
    readable where Markdown is not rendered."""
    t = _one_line(str(text))
    out = []
    for i, c in enumerate(t):
        if c in _MD_INLINE or (c == "(" and i and t[i - 1] == "]"):
            out.append("\\" + c)
        else:
            out.append(c)
    s = "".join(out)
    # a list item, heading or setext underline only where the line would start one
    return _MD_BLOCK_START.sub(lambda m: "\\" + (m.group(1) or m.group(2)) if (m.group(1) or m.group(2))
                               else m.group(3) + "\\" + m.group(4), s)


def _md_refs(sources: Iterable[Any], lang: str) -> str:
    return "; ".join(md_escape(label) for label, _ in _ref_labels(sources, lang))


@_located
def render_markdown(report: "Report", lang: str | None = None) -> str:
    lang = lang or report.language
    out: list[str] = [f"# terms-scan: {md_escape(report_title(report))}", "", md_escape(_meta(report, lang)), "",
                      md_escape(_counts(report, lang)), ""]

    def h2(key: str) -> None:
        out.extend([f"## {_s(key, lang)}", ""])

    summary = _summary(report)
    if summary is not None:
        v = summary.verdict
        h2("verdict")
        grade = f"**{_grade_text(v, lang)}**" + (f" ({_s('grade_scale', lang)})" if v.assessed and v.grade else "")
        out.extend([grade + " — " + md_escape(_t(v.line, lang)), ""])
        if not getattr(report, "complete", True):
            out.extend([f"**{md_escape(_s('incomplete', lang) + str(report.incomplete))}**", ""])
        for r in v.reasons:
            refs = _md_refs(r.sources, lang)
            out.append(f"- {md_escape(_t(r.text, lang))}" + (f" ({refs})" if refs else ""))
        if v.reasons:
            out.append("")

        ec = summary.exit_cost
        if ec is not None and (ec.rows or ec.total_commitment is not None):
            h2("exit_cost")
            head = _ec_head(ec, lang)
            if head:
                out.extend([md_escape(head), ""])
            cols = [_s(k, lang) for k in ("col_leave", "col_cost", "col_how", "col_clauses")]
            out.append("| " + " | ".join(md_escape(c) for c in cols) + " |")
            out.append("|---|---:|---|---|")
            for row in _cost_rows(ec):
                label = md_escape(_t(row.label, lang))
                if row is ec.total_commitment:
                    label = f"**{label}**"
                cost = md_escape(_money(row.amount, ec.currency, lang)) if row.amount is not None \
                    else md_escape(_at_least(row, ec.currency, lang))
                how = "<br>".join(md_escape(x) for x in _cost_how(row, ec.currency, lang))
                out.append(f"| {label} | {cost} | {how} | {_md_refs(_row_sources(row), lang)} |")
            out.append("")
            for n in ec.notes:
                out.append(f"- {md_escape(_t(n, lang))}")
            if ec.notes:
                out.append("")

        if summary.combinations:
            h2("combinations")
            for c in summary.combinations:
                out.extend([f"### [{_SEV_NAME[lang].get(c.severity, md_escape(c.severity))}] "
                            f"{md_escape(_t(c.title, lang))}", "", md_escape(_t(c.explanation, lang)), ""])
                for s in _dedup_sources(c.sources):
                    out.extend([f"> {md_escape(_src_ref(s, lang))}: {md_escape(s.evidence)}", ""])

    h2("findings")
    for sev, fs in _by_severity(report):
        out.extend([f"### {_s('sev_' + sev, lang)} ({len(fs)})", ""])
        for f in fs:
            out.append(f"#### [{_SEV_NAME[lang][f.severity]}] {_label(f.category, lang)} ({_page(f.location.page, lang, f.location.start)})")
            out.append("")
            out.append(md_escape(_t(f.explanation, lang)))
            vals = _fmt_values(f.values, lang)
            if vals:
                out.extend(["", _s("values", lang) + md_escape(vals)])
            out.extend(["", "> " + md_escape(f.evidence), ""])
    if not report.findings:
        out.extend([_s("no_findings", lang), ""])

    if report.protections:
        h2("protections")
        for p in report.protections:
            out.append(f"- **{_label(p.category, lang)}** ({_page(p.location.page, lang, p.location.start)}): {md_escape(p.evidence)}")
        out.append("")

    if summary is not None:
        if summary.missing_protections:
            h2("missing")
            out.extend(f"- {md_escape(_t(m.text, lang))}" for m in summary.missing_protections)
            out.append("")
        if summary.questions:
            h2("questions")
            for i, q in enumerate(summary.questions, 1):
                refs = _md_refs(q.sources, lang)
                out.append(f"{i}. {md_escape(_t(q.text, lang))}" + (f" ({refs})" if refs else ""))
            out.append("")
        w = summary.way_out
        if w is not None:
            h2("way_out")
            if w.scenarios:
                out.extend([f"### {_s('scenarios', lang)}", ""])
                for sc in w.scenarios:
                    refs = _md_refs(sc.sources, lang)
                    out.append(f"- **{_pick(_APPLIES.get(sc.applies, _APPLIES[None]), lang)}**: "
                               f"{md_escape(_t(sc.text, lang))}" + (f" ({refs})" if refs else ""))
                out.append("")
            if w.prepare:
                out.extend([f"### {_s('prepare', lang)}", ""])
                out.extend(f"- {md_escape(_t(p, lang))}" for p in w.prepare)
                out.append("")
            if w.channels:
                out.extend([f"### {_s('channels', lang)}", ""])
                for ch in w.channels:
                    out.append(f"- {md_escape(ch.name)} ({_pick(_CHANNEL_KIND.get(ch.kind, (ch.kind, ch.kind)), lang)}, "
                               f"{_pick(_CHANNEL_SOURCE.get(ch.source, (ch.source, ch.source)), lang)})")
                out.append("")
            if w.escalation:
                out.extend([f"### {_s('escalation', lang)}", ""])
                out.extend(f"- **{md_escape(e.name)}**: {md_escape(_t(e.text, lang))}" for e in w.escalation)
                out.append("")
            req = _t(w.request_text, lang)
            if req.strip():
                out.extend([f"### {_s('request', lang)}", ""])
                lines = req.splitlines()
                for i, ln in enumerate(lines):
                    # a hard line break (backslash) keeps the letter's lines apart
                    brk = "\\" if i < len(lines) - 1 and ln.strip() and lines[i + 1].strip() else ""
                    out.append(("> " + md_escape(ln) + brk) if ln.strip() else ">")
                out.append("")

    offer = _offer(report)
    if offer is not None:
        h2("offer")
        out.extend([_s("offer_text", lang) + md_escape(offer.text), ""])
        if offer.claims:
            cols = [_s(k, lang) for k in ("col_claim", "col_status", "col_vs")]
            out.append("| " + " | ".join(md_escape(c) for c in cols) + " |")
            out.append("|---|---|---|")
            for c in offer.claims:
                kind = _pick(_CLAIM_KIND.get(c.kind, (c.kind, c.kind)), lang)
                vs = [md_escape(_t(c.explanation, lang))]
                vs += [f"{md_escape(_s('agreement', lang) + _page(s.page, lang, s.start))} “{md_escape(s.evidence)}”"
                       for s in _dedup_sources(c.sources) if not _quoted_in(s, _t(c.explanation, lang))]
                out.append(f"| {md_escape(kind)}: {md_escape(c.advert)} | "
                           f"{md_escape(_pick(_STATUS.get(c.status, (c.status, c.status)), lang))} | {'<br>'.join(vs)} |")
            out.append("")

    for w_ in report.warnings:
        out.append(f"- ⚠ {md_escape(w_)}")
    if report.warnings:
        out.append("")
    out.extend([f"*{md_escape(_s('disclaimer', lang))}*", ""])
    from ..safetext import visible

    return visible("\n".join(out))


# --------------------------------------------------------------------------- HTML

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


def _spans(report: "Report", lang: str) -> tuple[list[_Span], dict[tuple[int, int, str], str]]:
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
        spans.append(_Span(f"f{i}", a, b, f.category, SEVERITY_ORDER.get(f.severity, 0) + 1, _label(f.category, lang)))
        ids.setdefault((f.location.start, f.location.end, f.category), f"f{i}")
    for i, p in enumerate(report.protections):
        a, b = clip(p.location.start, p.location.end)
        spans.append(_Span(f"p{i}", a, b, "protection", 0, _s("protection", lang) + ": " + _label(p.category, lang)))
        ids.setdefault((p.location.start, p.location.end, p.category), f"p{i}")
    k = 0
    for s in _all_sources(report):
        key = (s.start, s.end, s.category)
        if key in ids:
            continue
        a, b = clip(s.start, s.end)
        cat = CATEGORIES.get(s.category)
        spans.append(_Span(f"s{k}", a, b, s.category, SEVERITY_ORDER.get(cat.severity, 0) + 1 if cat else 0,
                           _label(s.category, lang)))
        ids[key] = f"s{k}"
        k += 1
    return spans, ids


def _all_sources(report: "Report") -> list[Any]:
    out: list[Any] = []
    sm = _summary(report)
    if sm is not None:
        out += [s for r in sm.verdict.reasons for s in r.sources]
        if sm.exit_cost is not None:
            for row in _cost_rows(sm.exit_cost):
                out += _row_sources(row)
        out += [s for c in sm.combinations for s in c.sources]
        out += [s for q in sm.questions for s in q.sources]
        if sm.way_out is not None:
            out += [s for sc in sm.way_out.scenarios for s in sc.sources]
    of = _offer(report)
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
    out.append(f'<span class="pagebreak first" id="{prefix}page-1">{_e(_s("page_break", lang) % 1)}</span>')
    seg = 0
    for a, b in zip(cuts, cuts[1:]):
        if a >= b:
            continue
        chunk = text[a:b]
        if chunk == "\f":
            page += 1
            out.append(f'<span class="pagebreak" id="{prefix}page-{page}">{_e(_s("page_break", lang) % page)}</span>')
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


@_located
def render_html(report: "Report", lang: str | None = None, *, standalone: bool = True, id_prefix: str = "") -> str:
    """One self-contained page: inline CSS only, no script, no external reference (a CSP
    forbids fetching anything); all document text escaped; the full text with every finding
    highlighted by category and linked from the summary and the findings list.

    ``standalone=False`` gives the same report as a fragment for a notebook cell: one
    ``<div class="terms-scan-report">`` with the CSS scoped to it, every id (and link to it)
    starting with ``id_prefix`` so that several reports in one notebook do not collide."""
    lang = lang or report.language
    e = _e
    P = e(id_prefix)
    text = report.document.text
    spans, ids = _spans(report, lang)
    doc_html, emitted = _highlight(text, spans, lang, P)

    def link_for(s: Any) -> str | None:
        i = ids.get((s.start, s.end, s.category))
        return i if i in emitted else None

    def link(s: Any, inner_html: str, cls: str = "") -> str:
        target = link_for(s)
        c = f' class="{cls}"' if cls else ""
        tip = f' title="{e(_short(s.evidence, 200))}"'
        return f'<a{c} href="#{P}{e(target)}"{tip}>{inner_html}</a>' if target else f"<span{c}{tip}>{inner_html}</span>"

    def ref_groups(sources: Iterable[Any], sep: str) -> str:
        """One label per page and category; further clauses under it as numbered links."""
        parts = []
        for label, srcs in _ref_labels(sources, lang):
            more = "".join(f" {link(x, str(k), 'ref more')}" for k, x in enumerate(srcs[1:], 2))
            parts.append(link(srcs[0], e(label), "ref") + more)
        return sep.join(parts)

    def refs_html(sources: Iterable[Any]) -> str:
        inner = ref_groups(sources, "; ")
        return f' <span class="refs">({inner})</span>' if inner else ""

    body: list[str] = []
    title = e(f"terms-scan: {report_title(report)}")
    body.append(f"<header><h1>{title}</h1><p class=\"meta\">{e(_meta(report, lang))} · {e(_counts(report, lang))}</p></header>")

    def h2(key: str, anchor: str) -> None:
        body.append(f'<h2 id="{P}{anchor}">{e(_s(key, lang))}</h2>')

    summary = _summary(report)
    if summary is not None:
        v = summary.verdict
        h2("verdict", "verdict")
        grade_cls = f"grade-{e(v.grade)}" if v.assessed and v.grade else "grade-none"
        reasons = "".join(f"<li>{e(_t(r.text, lang))}{refs_html(r.sources)}</li>" for r in v.reasons)
        body.append(f'<div class="verdict"><div class="grade {grade_cls}" title="{e(_s("grade_scale", lang))}">'
                    f'{e(v.grade) if v.assessed and v.grade else e(_s("not_graded", lang))}</div>'
                    f'<div><div class="verdict-line">{e(_t(v.line, lang))}</div>'
                    + (f'<p class="incomplete"><strong>{e(_s("incomplete", lang) + str(report.incomplete))}</strong></p>'
                       if not getattr(report, "complete", True) else "")
                    + (f"<ul>{reasons}</ul>" if reasons else "") + "</div></div>")

        ec = summary.exit_cost
        if ec is not None and (ec.rows or ec.total_commitment is not None):
            h2("exit_cost", "exit-cost")
            head = _ec_head(ec, lang)
            if head:
                body.append(f'<p class="dim">{e(head)}</p>')
            cols = "".join(f"<th>{e(_s(k, lang))}</th>" for k in ("col_leave", "col_cost", "col_how", "col_clauses"))
            rows = []
            for row in _cost_rows(ec):
                how = []
                if row.formula:
                    how.append(f'<div class="formula">{e(_arith(row.formula, lang))}</div>')
                for line in _cost_how(row, ec.currency, lang)[1 if row.formula else 0:]:
                    cls = "missing" if line.startswith(_s("missing_values", lang)) else "part"
                    how.append(f'<div class="{cls}">{e(line)}</div>')
                cost = e(_money(row.amount, ec.currency, lang)) if row.amount is not None \
                    else f'<span class="missing">{e(_at_least(row, ec.currency, lang))}</span>'
                src = ref_groups(_row_sources(row), "<br>")
                tr = '<tr class="total">' if row is ec.total_commitment else "<tr>"
                rows.append(f"{tr}"
                            f"<td>{e(_t(row.label, lang))}</td><td class=\"num\">{cost}</td>"
                            f"<td>{''.join(how)}</td><td>{src}</td></tr>")
            body.append(f'<table class="exit-cost"><thead><tr>{cols}</tr></thead><tbody>{"".join(rows)}</tbody></table>')
            if ec.notes:
                body.append("<ul class=\"notes\">" + "".join(f"<li>{e(_t(n, lang))}</li>" for n in ec.notes) + "</ul>")

        if summary.combinations:
            h2("combinations", "combinations")
            for c in summary.combinations:
                quotes = "".join(
                    f"<blockquote>{link(s, e(_src_ref(s, lang)))}: {e(_one_line(s.evidence))}</blockquote>"
                    for s in _dedup_sources(c.sources))
                body.append(f'<div class="combination"><h3><span class="sev sev-{e(c.severity)}">'
                            f'{e(_SEV_NAME[lang].get(c.severity, c.severity))}</span> {e(_t(c.title, lang))}</h3>'
                            f"<p>{e(_t(c.explanation, lang))}</p>{quotes}</div>")

        if summary.questions:
            h2("questions", "questions")
            body.append("<ol class=\"questions\">" + "".join(
                f"<li>{e(_t(q.text, lang))}{refs_html(q.sources)}</li>" for q in summary.questions) + "</ol>")

        if summary.missing_protections:
            h2("missing", "missing")
            body.append("<ul>" + "".join(f"<li>{e(_t(m.text, lang))}</li>" for m in summary.missing_protections) + "</ul>")

        w = summary.way_out
        if w is not None:
            h2("way_out", "way-out")
            if w.scenarios:
                body.append(f"<h3>{e(_s('scenarios', lang))}</h3><ul>" + "".join(
                    f'<li class="applies-{"yes" if sc.applies else ("no" if sc.applies is False else "maybe")}">'
                    f"<b>{e(_pick(_APPLIES.get(sc.applies, _APPLIES[None]), lang))}</b>: {e(_t(sc.text, lang))}"
                    f"{refs_html(sc.sources)}</li>" for sc in w.scenarios) + "</ul>")
            if w.prepare:
                body.append(f"<h3>{e(_s('prepare', lang))}</h3><ul>"
                            + "".join(f"<li>{e(_t(p, lang))}</li>" for p in w.prepare) + "</ul>")
            if w.channels:
                # channel names (URLs, addresses) are shown as text, never as links
                body.append(f"<h3>{e(_s('channels', lang))}</h3><ul>" + "".join(
                    f"<li><b>{e(ch.name)}</b> ({e(_pick(_CHANNEL_KIND.get(ch.kind, (ch.kind, ch.kind)), lang))}, "
                    f"{e(_pick(_CHANNEL_SOURCE.get(ch.source, (ch.source, ch.source)), lang))})</li>"
                    for ch in w.channels) + "</ul>")
            if w.escalation:
                body.append(f"<h3>{e(_s('escalation', lang))}</h3><ul>" + "".join(
                    f"<li><b>{e(x.name)}</b>: {e(_t(x.text, lang))}</li>" for x in w.escalation) + "</ul>")
            req = _t(w.request_text, lang)
            if req.strip():
                body.append(f"<h3>{e(_s('request', lang))}</h3><pre class=\"request\">{e(req)}</pre>")

    offer = _offer(report)
    if offer is not None:
        h2("offer", "offer")
        body.append(f'<p>{e(_s("offer_text", lang))}<q>{e(offer.text)}</q></p>')
        if offer.claims:
            cols = "".join(f"<th>{e(_s(k, lang))}</th>" for k in ("col_claim", "col_status", "col_vs"))
            rows = []
            for c in offer.claims:
                expl = _t(c.explanation, lang)
                quotes = "".join(
                    f"<div class=\"src\">{link(s, e(_s('agreement', lang) + _page(s.page, lang, s.start)))}</div>"
                    if _quoted_in(s, expl) else
                    f"<blockquote>{link(s, e(_s('agreement', lang) + _page(s.page, lang, s.start)))} "
                    f"{e(_one_line(s.evidence))}</blockquote>" for s in _dedup_sources(c.sources))
                rows.append(f'<tr class="claim st-row-{e(c.status)}"><td><b>{e(_pick(_CLAIM_KIND.get(c.kind, (c.kind, c.kind)), lang))}</b>'
                            f"<br>{e(c.advert)}</td><td class=\"st-{e(c.status)}\">"
                            f"{e(_pick(_STATUS.get(c.status, (c.status, c.status)), lang))}</td>"
                            f"<td>{e(_t(c.explanation, lang))}{quotes}</td></tr>")
            body.append(f'<table class="offer"><thead><tr>{cols}</tr></thead><tbody>{"".join(rows)}</tbody></table>')

    h2("findings", "findings")
    index = {id(f): i for i, f in enumerate(report.findings)}
    if not report.findings:
        body.append(f"<p>{e(_s('no_findings', lang))}</p>")
    for sev, fs in _by_severity(report):
        items = []
        for f in fs:
            fid = f"f{index[id(f)]}"
            vals = _fmt_values(f.values, lang)
            target = fid if fid in emitted else None
            head = (f'<span class="sev sev-{e(f.severity)}">{e(_SEV_NAME[lang][f.severity])}</span> '
                    f"<b>{e(_label(f.category, lang))}</b> "
                    + (f'<a href="#{P}{target}">{e(_page(f.location.page, lang, f.location.start))}</a>' if target
                       else e(_page(f.location.page, lang, f.location.start))))
            items.append(f'<li class="finding {_cls(f.category)}" id="{P}item-{fid}">{head}'
                         + (f' <span class="dim">{e(vals)}</span>' if vals else "")
                         + f"<div>{e(_t(f.explanation, lang))}</div><blockquote>{e(f.evidence)}</blockquote></li>")
        body.append(f'<h3 class="sev-group">{e(_s("sev_" + sev, lang))} ({len(fs)})</h3><ul class="findings">{"".join(items)}</ul>')

    if report.protections:
        h2("protections", "protections")
        body.append("<ul>" + "".join(
            f"<li><b>{e(_label(p.category, lang))}</b> "
            + (f'<a href="#{P}p{i}">{e(_page(p.location.page, lang, p.location.start))}</a>' if f"p{i}" in emitted
               else e(_page(p.location.page, lang, p.location.start)))
            + f": {e(p.evidence)}</li>" for i, p in enumerate(report.protections)) + "</ul>")

    if report.warnings:
        body.append("<ul class=\"warnings\">" + "".join(f"<li>{e(w_)}</li>" for w_ in report.warnings) + "</ul>")

    h2("document", "document")
    present = list(dict.fromkeys(sp.category for sp in spans if sp.start < sp.end))
    legend = "".join(
        f'<mark class="hl {_cls(c)}">{e(_s("protection", lang) if c == "protection" else _label(c, lang))}</mark>'
        for c in present)
    if any(sp.start < sp.end for sp in spans):
        legend += f'<mark class="hl multi">{e(_s("multi", lang))}</mark>'
    body.append(f'<div class="legend" aria-label="{e(_s("legend", lang))}"><b>{e(_s("legend", lang))}:</b> {legend}</div>')
    body.append(f'<input type="checkbox" class="toggle" id="{P}highlight-all">'
                f'<label class="toggle-label" for="{P}highlight-all"> {e(_s("highlight_all", lang))}</label>')
    body.append(f'<pre class="doc" id="{P}document-text">{doc_html}</pre>')
    body.append(f"<footer>{e(_s('disclaimer', lang))}</footer>")

    if not standalone:
        root = "terms-scan-report"
        return (f'<div class="{root}" lang="{e(lang)}"><style>{scope_css(_html_css(), root)}</style>\n'
                + "\n".join(body) + "\n</div>")
    return (
        f'<!DOCTYPE html>\n<html lang="{e(lang)}"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; '
        'base-uri \'none\'; form-action \'none\'">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{_html_css()}</style></head>\n<body>"
        + "\n".join(body) + "\n</body></html>\n")
