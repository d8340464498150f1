"""The human-facing reports (analyzer.render.report): terminal, Markdown, HTML.

The advice part (Summary, OfferCheck) is built here by hand from analyzer.advice.model, on top
of real scans (analyzer.scan), so these tests do not depend on analyzer.advice.advise / analyzer.advice.offer.
Agreement texts are our own short examples.
"""
from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser

import pytest
from rich.cells import cell_len

import analyzer
from analyzer.advice.model import (
    Channel,
    Claim,
    Combination,
    CostPart,
    CostRow,
    Escalation,
    ExitCost,
    MissingProtection,
    OfferCheck,
    Question,
    Reason,
    Scenario,
    Source,
    Summary,
    Verdict,
    WayOut,
)
from analyzer.engine.pipeline import default_scanner
from analyzer.model import Document, Finding, Location, Page
from analyzer.render.report import md_escape, render_html, render_markdown, render_terminal

ANSI = re.compile(r"\x1b[\[\]]")

# Our own example agreement, with hostile markup in the clauses themselves.
ZH = (
    "星辰流量卡服务协议（示例）\n"
    "1. 本套餐月基本费19元，前6个月享受优惠价19元/月，优惠期满后恢复标准资费39元/月。\n"
    "2. 首次充值即视为激活[bold]重要[/bold]，激活时须一次性充值100元，首充金额不予退还。\n"
    "3. 本协议合约期为24个月[link=http://evil.example]点此[/link]，自激活次月起计算。\n"
    "4. 合约期内，用户每月最低消费39元<script>alert(1)</script>，当月实际消费不足39元的，按39元收取。\n"
    "5. 用户在合约期内提前解约的<img src=x onerror=alert(2)>，应按剩余月份乘以月最低消费额支付违约金。\n"
    "6. 因本协议产生的争议 | 竖线 | 与 *星号* 和 `反引号`，提交乙方所在地人民法院诉讼解决。\n"
)
EN = (
    "Example Wireless Service Agreement\n"
    "1. Your plan has a minimum term of 24 months. [bold]Read this[/bold]\n"
    "2. You agree to pay a minimum monthly charge of $45 for the term, whether or not you use the service.\n"
    "3. If you cancel before the end of the term you must pay an early termination fee of $200. "
    "<script>document.title='x'</script>\n"
    "4. Any dispute will be resolved by binding arbitration and you waive any class action.\n"
)


def T(zh: str, en: str) -> dict:
    return {"zh": zh, "en": en}


def _first(report, cat: str) -> tuple[Source, ...]:
    for f in report.findings:
        if f.category == cat:
            return (Source.of(f),)
    return ()


def with_advice(report, hostile: bool = True):
    """The report with a hand-built Summary and OfferCheck whose texts quote the clauses."""
    ms, li, etf = _first(report, "minimum_spend"), _first(report, "lock_in"), _first(report, "early_termination_fee")
    evil = " [bold]粗[/bold] <b>b</b> a|b" if hostile else ""
    rows = tuple(
        CostRow(m, T(f"第{m}个月后离开", f"leave after month {m}"), (24 - m) * 39.0, f"(24 - {m}) x 39",
                (CostPart(T("剩余月份最低消费", "remaining minimum spend"), (24 - m) * 39.0, f"(24 - {m}) x 39", ms + etf),),
                (), ms + li + etf)
        for m in (1, 3, 6, 12))
    missing_row = CostRow(None, T("退还已享优惠" + evil, "repay the discounts received" + evil), None,
                          "discounts already received", (),
                          (T("已享优惠的金额（模板占位 ${discount}）", "the discount amount (template placeholder ${discount})"),),
                          etf)
    total = CostRow(24, T("最低承诺总额", "total minimum commitment"), 936.0, "24 x 39", (), (), ms + li)
    ec = ExitCost("CNY", 24, 39.0, rows + (missing_row,), total, (T("不含滞纳金" + evil, "late fees not included" + evil),))
    act = _first(report, "activation_definition")
    ref = _first(report, "refund_restriction")
    summary = Summary(
        report.language,
        Verdict(True, "D", T("锁定24个月，每月至少消费39元" + evil, "Locked in for 24 months at CNY 39 a month" + evil),
                (Reason(T("合约期24个月", "24-month lock-in"), li), Reason(T("每月最低消费39元", "CNY 39 monthly minimum"), ms))),
        ec,
        (Combination("topup_locks_you_in", "high", T("一充值就被锁定", "Once you top up you are bound"),
                     T("首充即激活、首充不退、合约期自激活起算。", "Activation is the first top-up, which is not refundable."),
                     act + ref + li),),
        (MissingProtection("refund_window", T("激活前的退款期限", "a refund window before activation")),),
        (Question(T("第2条说首充即视为激活：未激活前能否全额退款？" + evil,
                    "Clause 2 says the first top-up activates the card: is it refundable before activation?" + evil), act),),
        WayOut((Scenario("not_activated", None, T("未激活：可要求全额退款。", "Not activated: ask for a full refund."), act),
                Scenario("activated_unused", True, T("已激活未使用。", "Activated but unused."), ()),
                Scenario("used", False, T("已使用。", "Used."), ())),
               (T("身份证", "ID card"), T("付款记录", "payment record")),
               (Channel("10086", "hotline", "operator"), Channel("https://evil.example/refund", "web", "agreement")),
               (Escalation("12300", T("工信部电信用户申诉受理中心", "the MIIT telecom complaints centre")),),
               T("您好：\n我的号卡尚未激活，依据第2条，申请退还100元。" + evil + "\n谢谢。",
                 "Hello,\nMy card is not activated. Under clause 2 I ask for a refund of CNY 100." + evil + "\nThank you.")),
    )
    offer = OfferCheck("29元/月 100G通用流量 无合约 <script>x</script> [bold]y[/bold]", (
        Claim("no_contract", "无合约 [bold]y[/bold]", "contradicted",
              T("协议有24个月合约期", "the agreement has a 24-month lock-in"), li),
        Claim("price", "29元/月", "qualified", T("前6个月19元，之后39元", "19 for 6 months, then 39"),
              _first(report, "promo_price_expiry")),
        Claim("free_activation", "免费激活", "unverified", T("协议未提及", "not mentioned"), ()),
    ))
    return dataclasses.replace(report, summary=summary, offer=offer)


@pytest.fixture(scope="module")
def zh_report():
    r = analyzer.scan(ZH)
    assert {"minimum_spend", "lock_in", "early_termination_fee"} <= {f.category for f in r.findings}
    return with_advice(r)


@pytest.fixture(scope="module")
def en_report():
    r = analyzer.scan(EN)
    assert r.language == "en" and r.findings
    return with_advice(r)


# --------------------------------------------------------------------------- terminal


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("which", ["zh_report", "en_report"])
def test_terminal_fits_80_columns(request, which, lang):
    report = request.getfixturevalue(which)
    out = render_terminal(report, lang=lang, width=80, color=False)
    lines = out.splitlines()
    too_long = [(cell_len(l), l) for l in lines if cell_len(l) > 80]
    assert not too_long, too_long[:3]
    # all the sections are there, in order: verdict first
    heads = (["结论", "提前离开要花多少钱", "组合起来更要紧的条款", "条款（按严重度）", "本协议没有写明的保障",
              "付款前要问的问题", "如果想退出", "广告与协议对照"] if lang == "zh" else
             ["Verdict", "What it costs to leave early", "Clauses that matter more together", "Clauses by severity",
              "Protections this agreement does not state", "Questions to ask before paying", "If you want out",
              "Advert against agreement"])
    pos = [next((i for i, l in enumerate(lines) if l.strip() == h), -1) for h in heads]
    assert -1 not in pos and pos == sorted(pos), dict(zip(heads, pos, strict=False))
    # the exit-cost table: amounts and a row without a figure that says what is missing
    assert ("702元" if lang == "zh" else "702 CNY") in out
    assert ("无法算出" if lang == "zh" else "no figure") in out
    assert "${discount}" in out
    # findings carry their page and quote
    # a one-page text cites sections, not "p. 1" (issue 11)
    assert ("第1页" if lang == "zh" else "p. 1") not in out
    assert any(w in out for w in (("【", "原文") if lang == "zh" else ("[", " text ")))
    assert "“" in out


def test_terminal_narrow_chinese_wraps_between_characters(zh_report):
    out = render_terminal(zh_report, width=60, color=False)
    assert max(cell_len(l) for l in out.splitlines()) <= 60
    # a long Chinese clause is wrapped inside the sentence, not pushed onto its own line
    # after the clause number (rich on its own only breaks at spaces)
    assert not any(l.rstrip().endswith("“4.") for l in out.splitlines())


def test_no_color_env_gives_no_escape_codes(zh_report, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    plain = render_terminal(zh_report, width=80)
    assert not ANSI.search(plain)
    monkeypatch.delenv("NO_COLOR")
    coloured = render_terminal(zh_report, width=80)
    assert ANSI.search(coloured)  # the check can fail: colours are on without NO_COLOR
    assert render_terminal(zh_report, width=80, color=False) == plain


@pytest.mark.parametrize("color", [False, True])
def test_rich_markup_in_agreement_prints_literally(zh_report, color):
    out = render_terminal(zh_report, width=100, color=color)
    text = ANSI.sub("", re.sub(r"\x1b\[[0-9;]*m", "", out))
    # in the findings' quotes
    assert "[bold]重要[/bold]" in text
    assert "[link=http://evil.example]点此[/link]" in text
    # in advice texts, table cells (exit cost, offer) and the request text
    assert text.count("[bold]粗[/bold]") >= 4
    assert "无合约 [bold]y[/bold]" in text
    assert "<script>alert(1)</script>" in text
    # and no terminal hyperlink was produced
    assert "\x1b]8;" not in out


def test_terminal_without_advice(zh_report):
    bare = dataclasses.replace(zh_report, summary=None, offer=None)
    out = render_terminal(bare, width=80, color=False)
    assert "最低消费" in out and "发现：高" in out
    assert "结论" not in out and "广告与协议对照" not in out


def test_terminal_not_assessed_has_no_grade(zh_report):
    s = dataclasses.replace(zh_report.summary, verdict=Verdict(False, None, T("文本太短，无法评估", "Too little text to assess")))
    out = render_terminal(dataclasses.replace(zh_report, summary=s), width=80, color=False)
    assert "未评级" in out and "文本太短，无法评估" in out and "等级 " not in out


# --------------------------------------------------------------------------- Markdown


def _md_cells(line: str) -> list[str]:
    """Split a pipe-table row at the unescaped pipes."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def test_markdown_sections_table_and_quotes(zh_report):
    md = render_markdown(zh_report)
    assert md.startswith("# terms-scan")
    for h in ("## 结论", "## 提前离开要花多少钱", "## 组合起来更要紧的条款", "## 条款（按严重度）", "### 高风险",
              "## 付款前要问的问题", "## 如果想退出", "### 可直接发送的申请", "## 广告与协议对照"):
        assert h in md, h
    assert "**等级 D**" in md
    lines = md.splitlines()
    i = lines.index("| 何时离开 | 费用 | 计算方式 | 依据条款（页） |")
    assert re.fullmatch(r"\|(-+:?\|){4}", lines[i + 1].replace("---:", "---"))
    rows = []
    for l in lines[i + 2:]:
        if not l.startswith("|"):
            break
        rows.append(_md_cells(l))
    assert len(rows) == 6 and all(len(r) == 4 for r in rows)  # 4 months, one without a figure, the total
    assert rows[2][:2] == ["第6个月后离开", "702元"]
    # a '|' in a cell is escaped, so the row keeps its four cells
    assert "a\\|b" in rows[4][0] and rows[4][1] == "无法算出"
    assert "$\\{discount\\}" in rows[4][2] or "${discount}" in rows[4][2]
    # findings: quotes as blockquotes with page numbers in the headings
    assert re.search(r"#### \[高\] 最低消费 \((?:【[^】]+】|原文)\)", md)  # the section, not "p. 1" of a text
    assert any(l.startswith("> ") and "最低消费39元" in l for l in lines)
    # the ready-to-send request keeps its lines
    assert "> 您好：\\" in md


def test_markdown_escapes_agreement_text(zh_report):
    md = render_markdown(zh_report)
    assert "[bold]" not in md and "\\[bold\\]" in md
    assert "[link=http://evil.example]" not in md
    assert "<script>" not in md and "\\<script\\>" in md
    assert not re.search(r"(?<!\\)<img", md) and "\\<img src=x onerror=alert\\(2)\\>" not in md
    assert "\\<img src=x onerror=alert(2)\\>" in md and "<b>" not in md
    assert "*星号*" not in md and "\\*星号\\*" in md
    assert "`反引号`" not in md
    # the only raw HTML is our own line break inside table cells
    assert set(re.findall(r"(?<!\\)<[a-z/][^>]*>", md)) <= {"<br>"}


def test_md_escape_block_markers():
    assert md_escape("# 标题") == "\\# 标题"
    assert md_escape("1. 第一条") == "1\\. 第一条"
    assert md_escape("2.1 首充即激活") == "2.1 首充即激活"  # not a list marker: stays readable
    assert md_escape("#话题 -3元") == "#话题 -3元"
    assert md_escape("===") == "\\==="
    assert md_escape("- 列表") == "\\- 列表"
    assert md_escape("[a](http://x)") == "\\[a\\]\\(http://x)"
    assert md_escape("a\n\n  b") == "a b"
    assert md_escape("费用(元)") == "费用(元)"  # plain parentheses stay readable


def test_markdown_english(en_report):
    md = render_markdown(en_report, lang="en")
    assert "## Verdict" in md and "| Leave | Cost | How it is computed | Clauses (page) |" in md
    assert "702 CNY" in md and "Locked in for 24 months" in md


# --------------------------------------------------------------------------- HTML


class Page_(HTMLParser):
    """Collects the structure of a rendered page and checks that tags nest properly."""

    VOID = {"meta", "br", "hr", "img", "link", "input", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.ids: dict[str, tuple[str, dict]] = {}
        self.marks: list[dict] = []
        self.hrefs: list[str] = []
        self.doc_parts: list[str] = []  # text of <pre class="doc">, page markers excluded
        self.mark_text: dict[str, str] = {}
        self.in_doc = 0
        self.in_pagebreak = 0
        self.cur_marks: list[dict] = []
        self.title = ""
        self.in_title = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if "id" in a:
            if a["id"] in self.ids:
                self.errors.append(f"duplicate id {a['id']}")
            self.ids[a["id"]] = (tag, a)
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
        if tag == "title":
            self.in_title = True
        if tag not in self.VOID:
            self.stack.append(tag)
            if tag == "pre" and "doc" in a.get("class", "").split():
                self.in_doc = len(self.stack)
            if self.in_doc and tag == "span" and "pagebreak" in a.get("class", ""):
                self.in_pagebreak = len(self.stack)
            if self.in_doc and tag == "mark":
                self.marks.append(a)
                self.cur_marks.append(a)
                self.mark_text[a["id"]] = ""

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        if self.in_pagebreak == len(self.stack):
            self.in_pagebreak = 0
        if self.in_doc == len(self.stack):
            self.in_doc = 0
        if tag == "mark" and self.cur_marks:
            self.cur_marks.pop()
        if tag == "title":
            self.in_title = False
        self.stack.pop()

    def handle_data(self, data):
        if self.in_title:
            self.title += data
        if self.in_doc and not self.in_pagebreak:
            self.doc_parts.append(data)
            for m in self.cur_marks:
                self.mark_text[m["id"]] += data


def parse(page: str) -> Page_:
    p = Page_()
    p.feed(page)
    p.close()
    assert not p.errors, p.errors[:5]
    assert not p.stack, p.stack
    return p


URL_ATTRS = ("src", "href", "action", "formaction", "data", "poster", "srcset", "background", "xlink:href", "cite")


def external_refs(page: str) -> list[str]:
    p = Page_()
    p.feed(page)
    bad = []
    for tag, attrs in p.tags:
        if tag in ("script", "link", "iframe", "object", "embed", "img", "video", "audio", "source", "base", "form"):
            bad.append(f"<{tag}>")
        for k, v in attrs.items():
            if k in URL_ATTRS and v and not v.startswith("#"):
                bad.append(f"{tag}[{k}={v}]")
            if k.startswith("on"):
                bad.append(f"{tag}[{k}]")
    css = "".join(re.findall(r"<style>(.*?)</style>", page, re.S))
    if re.search(r"url\(|@import|@font-face", css):
        bad.append("css fetch")
    return bad


def test_html_structure_marks_links_legend(zh_report):
    page = render_html(zh_report)
    p = parse(page)
    assert page.startswith("<!DOCTYPE html>")
    # every finding is highlighted, its mark (or an anchor inside one) carries its id
    assert p.marks and all(m.get("id") for m in p.marks)
    for i, f in enumerate(zh_report.findings):
        tag, attrs = p.ids[f"f{i}"]
        assert tag in ("mark", "span"), (i, tag)
        assert f"f{i}" in " ".join(m["data-spans"] for m in p.marks)
    for m in p.marks:
        assert any(c.startswith("c-") for c in m["class"].split())
    # links: only in-page, every target exists, and findings / summary entries link to highlights
    assert p.hrefs and all(h.startswith("#") for h in p.hrefs)
    assert all(h[1:] in p.ids for h in p.hrefs)
    mark_ids = {m["id"] for m in p.marks} | {k for k, (t, a) in p.ids.items() if t == "span" and "anchor" in a.get("class", "")}
    assert sum(h[1:] in mark_ids for h in p.hrefs) >= len(zh_report.findings)
    # the summary sections link to the clause they rest on
    verdict = page[page.index('id="verdict"'):page.index('id="exit-cost"')]
    assert re.search(r'href="#[fps]\d+"', verdict)
    cost = page[page.index('id="exit-cost"'):page.index('id="combinations"')]
    assert re.search(r'href="#f\d+"', cost)
    # the legend names every highlighted category, with its colour class
    legend = page[page.index('class="legend"'):page.index('<pre class="doc"')]
    for f in zh_report.findings:
        assert f'class="hl c-{f.category}"' in legend
    css = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    for f in zh_report.findings:
        assert re.search(rf"mark\.c-{f.category}\{{background:#[0-9a-f]{{6}}\}}", css)
    # summary sections are all present
    for sec in ("verdict", "exit-cost", "combinations", "questions", "way-out", "offer", "findings", "document"):
        assert f'id="{sec}"' in page
    assert p.title == "terms-scan: 星辰流量卡服务协议（示例）"  # the agreement's own title, not a path (issue 11)


def test_html_contains_the_full_text_escaped(zh_report):
    page = render_html(zh_report)
    p = parse(page)
    assert "".join(p.doc_parts) == zh_report.document.text
    # what the agreement's markup became: text, not elements
    assert not any(t in ("script", "img") for t, _ in p.tags)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "<script" not in page.lower() and "onerror=alert(2)>" not in page
    # each mark's text is exactly the agreement text it highlights
    text = zh_report.document.text
    for i, f in enumerate(zh_report.findings):
        if f.location.end > f.location.start:
            assert text[f.location.start:f.location.end].strip()[:5] in "".join(
                p.mark_text[m["id"]] for m in p.marks if f"f{i}" in m["data-spans"].split())


def test_html_has_no_external_references(zh_report, en_report):
    for r in (zh_report, en_report):
        page = render_html(r)
        assert external_refs(page) == []
        assert re.search(r"""(?:src|href|action)\s*=\s*["']?(?:https?:)?//""", page, re.I) is None
        assert "Content-Security-Policy" in page and "default-src 'none'" in page
    # the agreement's own URL (a channel) is shown as text, never as a link
    assert "https://evil.example/refund" in render_html(zh_report)
    # the check can fail
    assert external_refs('<img src="http://x/y.png"><a href="//x">x</a><link href="https://f">') != []


def test_html_overlapping_spans_and_page_breaks():
    """Nested, partly overlapping, identical and page-crossing spans: marks nest properly,
    every character of every span is inside a mark listing it, and the text is intact."""
    pages = ("第一页：本套餐每月最低消费30元，不足部分按30元收取。合约期为24个月。",
             "第二页：提前离网须支付违约金200元。<b>粗体</b>首充金额不予退还。")
    doc = Document("two-pages.txt", "0" * 64, "text", (Page(1, pages[0]), Page(2, pages[1])))
    report = default_scanner().scan_document(doc)
    text = doc.text
    brk = text.index("\f")

    def fake(cat, a, b, sev="high"):
        return Finding(cat, sev, 0.9, text[a:b], text[a:b], Location(doc.page_of(a), a, b), {}, "test",
                       {"zh": "测试", "en": "test"})

    extra = (fake("lock_in", brk - 8, brk + 6),          # crosses the page break
             fake("refund_restriction", 10, 20),          # partly overlaps others
             fake("extra_fees", 12, 15, "medium"),        # nested
             fake("extra_fees", 12, 15, "medium"),        # identical to the one before
             fake("data_sharing", 3, 3, "low"))           # empty
    report = dataclasses.replace(report, findings=report.findings + extra, summary=None, offer=None)
    page = render_html(report)
    p = parse(page)
    assert "".join(p.doc_parts) == text.replace("\f", "")
    assert 'id="page-2"' in page and "第 2 页" in page
    # coverage: walk the marks in document order and rebuild which span covers which offset
    covered: dict[str, set[int]] = {}
    pos = 0
    for chunk, spans in _doc_sequence(page):
        for sid in spans:
            covered.setdefault(sid, set()).update(range(pos, pos + len(chunk)))
        pos += len(chunk)
    plain = text.replace("\f", "")
    for i, f in enumerate(report.findings):
        a, b = f.location.start, f.location.end
        want = {o - (1 if o > brk else 0) for o in range(a, b) if text[o] != "\f"}
        assert covered.get(f"f{i}", set()) == want, (i, f.category)
    # the empty span gets no mark and no dangling link
    empty = len(report.findings) - 1
    assert f"f{empty}" not in p.ids and f"#f{empty}" not in p.hrefs
    assert all(h[1:] in p.ids for h in p.hrefs)
    assert "&lt;b&gt;粗体&lt;/b&gt;" in page and plain.count("<b>") == 1


def _doc_sequence(page: str) -> list[tuple[str, list[str]]]:
    """(text, ids of the spans covering it) for the document text, in order."""

    class P(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.in_doc = False
            self.skip = 0
            self.marks: list[list[str]] = []
            self.seq: list[tuple[str, list[str]]] = []

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "pre" and a.get("class") == "doc":
                self.in_doc = True
            elif self.in_doc and tag == "mark":
                self.marks.append(a["data-spans"].split())
            elif self.in_doc and tag == "span" and "pagebreak" in a.get("class", ""):
                self.skip += 1

        def handle_endtag(self, tag):
            if tag == "pre":
                self.in_doc = False
            elif self.in_doc and tag == "mark":
                self.marks.pop()
            elif self.in_doc and tag == "span" and self.skip:
                self.skip -= 1

        def handle_data(self, data):
            if self.in_doc and not self.skip:
                self.seq.append((data, [s for m in self.marks for s in m]))

    p = P()
    p.feed(page)
    return p.seq


def test_html_english_and_missing_values(en_report):
    page = render_html(en_report, lang="en")
    assert '<html lang="en">' in page
    assert "What it costs to leave early" in page and "702 CNY" in page
    assert "no figure" in page and "${discount}" in page
    assert "Protections this agreement does not state" in page
    assert "&lt;b&gt;b&lt;/b&gt; a|b" in page  # our own summary text is escaped too


def test_html_without_advice(zh_report):
    page = render_html(dataclasses.replace(zh_report, summary=None, offer=None))
    p = parse(page)
    assert 'id="verdict"' not in page and p.marks
    assert all(h[1:] in p.ids for h in p.hrefs)


def test_shared_reports_name_the_file_not_its_folders(tmp_path):
    """The HTML title (and the Markdown heading) was the local path: a shared report leaked
    the reader's directory names (issue 11)."""
    from analyzer.engine.pipeline import Scanner

    folder = tmp_path / "private-folder-name"
    folder.mkdir()
    path = folder / "agreement.txt"
    path.write_text("本套餐合约期24个月，每月最低消费59元，提前解约须支付违约金300元。首充50元不退。", encoding="utf-8")
    report = Scanner().scan_path(path)
    html, md = report.to_html(), report.to_markdown()
    assert "<title>terms-scan: agreement.txt</title>" in html
    assert md.startswith("# terms-scan: agreement.txt")
    assert "private-folder-name" not in html and "private-folder-name" not in md


def test_html_fragment_comes_from_the_renderer_not_from_cutting_the_page():
    """The notebook fragment was the full page cut apart with regexes (issue 10): the
    renderer now writes it, with its own id prefix and scoped CSS."""
    import re

    from analyzer.engine.pipeline import Scanner
    from analyzer.render.report import render_html

    report = Scanner().scan_text("本套餐合约期24个月，每月最低消费59元，提前解约须支付违约金300元。首充50元不退。")
    frag = render_html(report, standalone=False, id_prefix="x-")
    page = render_html(report)
    assert frag.startswith('<div class="terms-scan-report"') and "<html" not in frag and "<body" not in frag
    ids = re.findall(r' id="([^"]+)"', frag)
    assert ids and all(i.startswith("x-") for i in ids)
    assert all(h.startswith("#x-") for h in re.findall(r' href="([^"]+)"', frag))
    assert [i[2:] for i in ids] == re.findall(r' id="([^"]+)"', page)  # same report, same anchors


def test_values_are_shown_in_words_not_json_keys():
    """Buyers saw machine keys: "data_gb=40", "percent=0.3, period=day" for 3‰ a day (issue 11)."""
    from analyzer.render.report import _fmt_values

    assert _fmt_values({"data_gb": 40}, "zh") == "40GB"
    assert _fmt_values({"percent": 0.3, "period": "day"}, "zh") == "每天3‰"
    assert _fmt_values({"percent": 0.3, "period": "day"}, "en") == "3‰ a day"
    assert _fmt_values({"amount": 59, "currency": "CNY", "period": "month"}, "zh") == "59元/月"
    assert _fmt_values({"months": 24, "days": 30}, "en") == "24 months, 30 days"
    assert "=" not in _fmt_values({"amount": 300, "currency": "USD", "period": "once", "months": 24, "speed_kbps": 256}, "en")


def test_terminal_exit_cost_is_one_line_a_row_and_the_parts_add_up():
    """At 80 columns each exit-cost row wrapped to ~15 lines (85 lines for 6 rows, issue 11):
    now one line a row, its parts added up on the line, what the parts are said once."""
    import re
    from pathlib import Path

    from analyzer.engine.pipeline import Scanner
    from analyzer.render.report import render_terminal

    example = Path(__file__).resolve().parents[2] / "corpora" / "example-haoka-agreement.txt"
    out = render_terminal(Scanner().scan_path(example), width=80, color=False)
    lines = out.splitlines()
    start = next(i for i, x in enumerate(lines) if x.startswith("提前离开要花多少钱"))
    end = next(i for i, x in enumerate(lines) if i > start and x and not x.startswith(" ") and "合约期" not in x[:4])
    section = lines[start:end]
    assert len(section) <= 25, "\n".join(section)
    row6 = next(x for x in section if x.lstrip().startswith("第6个月后离网"))
    total, parts = re.search(r"([\d,]+)元\s+=\s+(.+)$", row6).groups()
    assert int(total.replace(",", "")) == sum(int(p.rstrip("元").replace(",", "")) for p in parts.split(" + "))
    assert any("(24 - n) x 39" in x for x in section)


def test_terminal_report_ends_with_the_verdict():
    """After a long report the screen showed the request template, not the verdict (issue 11)."""
    from pathlib import Path

    from analyzer.engine.pipeline import Scanner
    from analyzer.render.report import render_terminal

    example = Path(__file__).resolve().parents[2] / "corpora" / "example-haoka-agreement.txt"
    report = Scanner().scan_path(example)
    tail = " ".join(render_terminal(report, width=80, color=False).strip().splitlines()[-3:])
    assert "结论" in tail and f"等级 {report.summary.verdict.grade}" in tail


def test_terminal_quotes_each_clause_once_not_again_under_combinations():
    """The same clause was quoted under 3-5 headings (issue 11): combinations now cite clauses
    by reference; the words are quoted under the findings."""
    from pathlib import Path

    from analyzer.engine.pipeline import Scanner
    from analyzer.render.report import render_terminal

    example = Path(__file__).resolve().parents[2] / "corpora" / "example-haoka-agreement.txt"
    lines = render_terminal(Scanner().scan_path(example), width=80, color=False).splitlines()
    start = lines.index("组合起来更要紧的条款")
    end = next(i for i in range(start + 1, len(lines)) if lines[i] and not lines[i].startswith(" "))
    combos = lines[start:end]
    assert any(x.lstrip().startswith("→ 【") for x in combos)
    assert not any(x.lstrip().startswith("【") and "“" in x for x in combos)
    assert len(lines) < 240


def test_text_and_web_pages_cite_the_section_not_page_one():
    """Markdown/HTML/text sources were cited as "第1页" (issue 11): they cite the heading of the
    clause's section; a PDF keeps its page numbers."""
    from analyzer.engine.pipeline import Scanner
    from analyzer.render.report import render_markdown, render_terminal

    md = ("# 流量卡协议\n\n## 合约期\n\n本套餐合约期为24个月，合约期内不得销户。\n\n"
          "## 违约责任\n\n用户在合约期内提前解约的，须支付违约金300元。\n")
    report = Scanner().scan_text(md)
    out = render_terminal(report, width=100, color=False, full=True)
    assert "【违约责任】" in out and "【合约期】" in out and "第1页" not in out
    assert "(【违约责任】)" in render_markdown(report)


def test_chinese_cost_formulas_have_no_english_words():
    """Regression: a Chinese report showed "(12 - 1) x 199 x 20% (at least 300)" and the value
    "remaining months x monthly minimum spend (at least 300)" in English."""
    import analyzer
    from analyzer.render.report import render_markdown, render_terminal

    text = ("会员卡有效期12个月，会员费每月199元。会员在有效期内申请退卡的，须支付剩余月份会费总额的20%作为违约金，"
            "最低不少于300元。")
    r = analyzer.scan(text)
    for out in (render_terminal(r, "zh", width=100, color=False, full=True), render_markdown(r, "zh")):
        assert "（最低300）" in out
        for word in ("at least", "at most", "remaining months", "monthly minimum", "term completed", "not stated"):
            assert word not in out, word
    en = render_terminal(r, "en", width=100, color=False, full=True)
    assert "(at least 300)" in en


def test_brief_advert_check_refers_to_clauses_instead_of_quoting_them_again():
    """Regression: in the brief, a contradicted claim quoted the same exit-fee clause twice in
    one cell (once per reason) on top of the clause list; now it names the clauses."""
    import analyzer
    from analyzer.render.report import render_terminal

    text = ("StreamMax Terms\n1. The introductory price of $4.99 per month applies for the first 3 months; after that "
            "the standard price of $14.99 per month applies.\n2. Annual plans: if you cancel an annual plan before the "
            "end of the 12-month term, you will be charged an early cancellation fee equal to 50% of the remaining "
            "monthly payments.\n")
    r = analyzer.scan(text).with_offer("Only $4.99/month, cancel anytime")
    brief = render_terminal(r, "en", width=80, color=False, full=False)
    block = brief[brief.index("Advert against agreement"):]
    assert "contradicted" in block and "→" in block
    assert "if you cancel an annual plan" not in block
    full = render_terminal(r, "en", width=80, color=False, full=True)
    assert "if you cancel an annual plan" in full[full.index("Advert against agreement"):]
