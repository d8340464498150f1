"""The digest: JSON shape, human lines for values changed, terminal text (rich, NO_COLOR, no markup),
Markdown, and a valid Atom 1.0 feed with one entry per source whose terms changed."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from analyzer.errors import UsageError
from analyzer.model import Finding
from analyzer.watch.diff import ClauseChange
from analyzer.watch.digest import Digest, SourceDigest, describe_change, field_detail, render_atom, render_digest

ATOM = "{http://www.w3.org/2005/Atom}"
ANSI = re.compile(r"\x1b\[[0-9;]*m")

ETF_D = {"category": "early_termination_fee", "before": {"months": 2}, "after": {"months": 3},
       "evidence_before": "用户在合约期内提前解约的，须支付两个月最低消费作为违约金。",
       "evidence_after": "用户在合约期内提前解约的，须支付三个月最低消费作为违约金。"}
LOCK_D = {"category": "lock_in", "before": {"months": 12}, "after": {"months": 24},
        "evidence_before": "The minimum term is 12 months [bold red]really[/bold red].",
        "evidence_after": "The minimum term is 24 months <script>alert(1)</script>."}
ADDED_D = {"category": "auto_renewal", "severity": "medium", "evidence": "The plan renews *automatically* [link=x]"
         " unless you cancel & <b>opt out</b>.", "values": {"months": 12}}
REMOVED_D = {"category": "refund_restriction", "severity": "low", "evidence": "Fees are non-refundable.", "values": {}}
ETF, LOCK = ClauseChange(**ETF_D), ClauseChange(**LOCK_D)
ADDED, REMOVED = Finding.from_dict(ADDED_D), Finding.from_dict(REMOVED_D)
DIFF = "@@ -3 +3 @@\n-须支付两个月最低消费作为违约金。\n+须支付三个月最低消费作为违约金。\n```not a fence end"


def sample() -> Digest:
    return Digest(sources=(
        SourceDigest("unicom-guangzhou", "changed", version=4, previous_version=3, added=(ADDED,),
                     removed=(REMOVED,), changed=(ETF, LOCK), text_diff=DIFF,
                     url="https://example.com/agreement?a=1&b=2", name="联通广州"),
        SourceDigest("sonic-policies", "formatting", version=2, previous_version=1),
        SourceDigest("verizon-website-terms", "unchanged", version=1),
        SourceDigest("netflix-tos", "new", version=1, added=(ADDED, REMOVED)),
        SourceDigest("broken-site", "failed", error="HTTP 500 Internal Server Error from http://127.0.0.1/x"),
        SourceDigest("xfinity", "upgraded", version=3),
    ), generated_at="2026-01-05T06:00:00Z")


# --------------------------------------------------------------------------- JSON

def test_json_shape_matches_the_issue():
    d = json.loads(render_digest(sample(), "json"))
    assert d["schema"] == "terms-scan/digest@1"
    assert d["generated_at"] == "2026-01-05T06:00:00Z"
    assert d["changed"] is True
    assert d["counts"]["changed"] == 1 and d["counts"]["failed"] == 1
    first = d["sources"][0]
    for key in ("id", "status", "version", "added", "removed", "changed", "error"):
        assert key in first
    assert first["id"] == "unicom-guangzhou" and first["status"] == "changed" and first["version"] == 4
    assert first["error"] is None
    assert first["added"] == [ADDED.to_dict()] and first["removed"] == [REMOVED.to_dict()]
    assert {k: first["added"][0][k] for k in ADDED_D} == ADDED_D
    c = first["changed"][0]
    assert {k: c[k] for k in ("category", "before", "after", "evidence_before", "evidence_after")} == ETF_D
    assert c["summary"] == "early_termination_fee: 2 → 3 months of minimum spend"
    assert c["fields"] == [{"key": "months", "before": 2, "after": 3}]
    assert first["text_diff"] == DIFF and first["previous_version"] == 3
    statuses = [s["status"] for s in d["sources"]]
    assert statuses == ["changed", "formatting", "unchanged", "new", "failed", "upgraded"]
    failed = d["sources"][4]
    assert failed["error"].startswith("HTTP 500") and failed["version"] is None
    assert sample().to_dict() == d


def test_changed_property():
    assert sample().changed
    quiet = Digest((SourceDigest("a", "formatting", 2), SourceDigest("b", "unchanged", 1),
                    SourceDigest("c", "new", 1), SourceDigest("d", "failed", error="x"),
                    SourceDigest("e", "upgraded", 1)), "2026-01-05T06:00:00Z")
    assert not quiet.changed
    assert Digest((), "2026-01-05T06:00:00Z").to_dict()["sources"] == []


# --------------------------------------------------------------------------- values changed

@pytest.mark.parametrize("change, line", [
    (ETF, "early_termination_fee: 2 → 3 months of minimum spend"),
    (LOCK, "lock_in: 12 → 24 months"),
    ({"category": "early_termination_fee", "before": {"months": 2}, "after": {"months": 3},
      "evidence_before": "an early termination fee equal to 2 months of your monthly minimum spend",
      "evidence_after": "an early termination fee equal to 3 months of your monthly minimum spend"},
     "early_termination_fee: 2 → 3 months of minimum spend"),
    ({"category": "early_termination_fee", "before": {"months": 2}, "after": {"months": 3},
      "evidence_before": "a fee of 2 months", "evidence_after": "a fee of 3 months"},
     "early_termination_fee: 2 → 3 months"),
    ({"category": "minimum_spend", "before": {"amount": 39, "currency": "USD", "period": "month"},
      "after": {"amount": 49.5, "currency": "USD", "period": "month"}},
     "minimum_spend: $39 a month → $49.50 a month"),
    ({"category": "extra_fees", "before": {"percent": 0.3}, "after": {"percent": 0.5, "days": 30}},
     "extra_fees: not stated → 30 days; 0.3% → 0.5%"),
    ({"category": "early_termination_fee", "before": {"formula": "remaining months x monthly charge"},
      "after": {"formula": "remaining balance due at once"}},
     "early_termination_fee: “remaining months x monthly charge” → “remaining balance due at once”"),
    ({"category": "data_cap_throttle", "before": {"data_gb": 40}, "after": {"data_gb": 20}},
     "data_cap_throttle: 40 → 20 GB"),
    ({"category": "lock_in", "before": {"months": 12}, "after": {"months": 12}}, "lock_in: reworded"),
])
def test_describe_change(change, line):
    assert describe_change(change if isinstance(change, ClauseChange) else ClauseChange(**change)) == line


def test_describe_change_zh_and_field_detail():
    assert describe_change(ETF, "zh") == "early_termination_fee: 2 → 3个月最低消费"
    money = ClauseChange(**{"category": "minimum_spend", "before": {"amount": 39, "currency": "CNY", "period": "month"},
             "after": {"amount": 59, "currency": "CNY", "period": "month"}})
    assert describe_change(money, "zh") == "minimum_spend: 39元/月 → 59元/月"
    assert field_detail(ETF) == "months 2 → 3"
    assert field_detail(money) == "amount 39 → 59"


def test_values_from_real_scanner_findings():
    """The human line for the values the scanner really extracts from two versions of a clause."""
    from analyzer.engine.pipeline import Scanner

    s = Scanner()
    old = s.scan_text("本套餐合约期为12个月。用户在合约期内提前解约的，须支付两个月最低消费作为违约金。", lang="zh")
    new = s.scan_text("本套餐合约期为24个月。用户在合约期内提前解约的，须支付三个月最低消费作为违约金。", lang="zh")

    from analyzer.watch.diff import diff_findings

    d = diff_findings(old.findings, new.findings)  # the scanner's typed findings, no dicts between
    lines = sorted(describe_change(c) for c in d.changed)
    assert "early_termination_fee: 2 → 3 months of minimum spend" in lines
    assert "lock_in: 12 → 24 months" in lines


# --------------------------------------------------------------------------- terminal text

def test_text_digest_is_a_triage_most_serious_first(monkeypatch):
    """Issue 13: a changed source reads as one line per material change, labelled in words,
    most serious first, with the command that shows every detail."""
    monkeypatch.setenv("NO_COLOR", "1")
    out = render_digest(sample(), "text")
    block = out[out.index("unicom-guangzhou"):out.index("sonic-policies")]
    lines = [ln for ln in block.splitlines() if ln.startswith("  ! ") or ln.startswith("  · ")]
    assert lines[0].startswith("  ! [high] Lock-in: 12 → 24 months — “The minimum term is 24 months")
    assert any("Early termination fee: 2 → 3 months of minimum spend" in ln for ln in lines)
    assert any("Refund restriction: removed" in ln for ln in lines)
    assert any("Automatic renewal: added" in ln for ln in lines)
    assert "terms-scan diff unicom-guangzhou --from 3 --to 4" in block
    assert len(block.splitlines()) <= 20


def test_text_no_color_and_no_markup(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    out = render_digest(sample(), "text", full_diff=True)  # `terms-scan diff`: every detail
    assert not ANSI.search(out)
    assert "unicom-guangzhou" in out and "changed (terms), version 3 → 4" in out
    assert "early_termination_fee: 2 → 3 months of minimum spend" in out
    assert "lock_in: 12 → 24 months" in out
    # agreement text is printed literally, never interpreted as rich markup
    assert "[bold red]really[/bold red]" in out
    assert "[link=x]" in out
    assert "<script>alert(1)</script>" in out
    assert "两个月最低消费" in out and "三个月最低消费" in out
    assert "+ auto_renewal" in out and "- refund_restriction" in out
    assert "+须支付三个月最低消费作为违约金。" in out
    assert "sonic-policies: changed (formatting only)" in out
    assert "verizon-website-terms: unchanged" in out
    assert "netflix-tos: new: first version recorded (2 findings)" in out
    assert "HTTP 500 Internal Server Error" in out
    assert "technical upgrade" in out


def test_text_colors_unless_disabled(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    colored = render_digest(sample(), "text", full_diff=True)
    assert ANSI.search(colored)
    assert "[bold red]really[/bold red]" in ANSI.sub("", colored)
    plain = render_digest(sample(), "text", color=False, full_diff=True)
    assert not ANSI.search(plain)
    assert ANSI.sub("", colored).split() == plain.split()


def test_text_lang_zh():
    out = render_digest(sample(), "text", lang="zh", color=False)
    assert "条款变更" in out and "仅格式变化" in out and "失败" in out


def test_unknown_format():
    with pytest.raises(UsageError, match="unknown digest format"):
        render_digest(sample(), "yaml")


# --------------------------------------------------------------------------- Markdown

def test_markdown():
    md = render_digest(sample(), "md")
    assert md.startswith("# terms-scan digest\n")
    assert "## unicom\\-guangzhou (联通广州)" in md or "## unicom-guangzhou (联通广州)" in md
    assert "**changed (terms), version 3 → 4**" in md
    assert "**early\\_termination\\_fee: 2 → 3 months of minimum spend** (`months 2 → 3`)" in md
    assert "**lock\\_in: 12 → 24 months** (`months 12 → 24`)" in md
    assert "  - before: “用户在合约期内提前解约的，须支付两个月最低消费作为违约金。”" in md
    assert "  - after: “用户在合约期内提前解约的，须支付三个月最低消费作为违约金。”" in md
    # agreement text is escaped: no emphasis, links or HTML come out of it
    assert "\\*automatically\\*" in md and "\\[link=x\\]" in md and "\\<b\\>" in md
    assert "<script>" not in md
    assert "### Clauses added" in md and "### Clauses removed" in md
    # the compact diff sits in a fence longer than any backtick run inside it
    assert "````diff\n@@ -3 +3 @@\n-须支付两个月最低消费作为违约金。\n+须支付三个月最低消费作为违约金。\n```not a fence end\n````" in md
    assert "**changed (formatting only), version 1 → 2**" in md
    assert "**unchanged, version 1**" in md
    assert "error: HTTP 500 Internal Server Error" in md
    assert "<https://example.com/agreement?a=1&b=2>" in md


# --------------------------------------------------------------------------- Atom

def test_atom_is_valid_and_has_one_entry_per_changed_source():
    d = Digest(sample().sources + (SourceDigest("other", "changed", version=7, previous_version=6,
                                                 changed=(LOCK,), url="https://e.com/o"),), "2026-01-05T06:00:00Z")
    xml = render_atom(d)
    assert xml.startswith('<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(xml.encode("utf-8"))
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}id") == "urn:terms-scan:digest"
    assert root.findtext(f"{ATOM}title")
    assert root.findtext(f"{ATOM}updated") == "2026-01-05T06:00:00Z"
    assert root.find(f"{ATOM}author/{ATOM}name").text == "terms-scan"
    entries = root.findall(f"{ATOM}entry")
    # a changed source, the source that failed this run (issue 13: never silent), a changed source
    assert [e.findtext(f"{ATOM}id") for e in entries] == ["urn:terms-scan:unicom-guangzhou:4",
                                                          "urn:terms-scan:broken-site:failed:2026-01-05T06:00:00Z",
                                                          "urn:terms-scan:other:7"]
    assert entries[1].findtext(f"{ATOM}title") == "broken-site: could not be checked"
    e = entries[0]
    assert e.findtext(f"{ATOM}title") == "联通广州: terms changed (version 3 → 4)"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", e.findtext(f"{ATOM}updated"))
    assert e.find(f"{ATOM}link").get("href") == "https://example.com/agreement?a=1&b=2"
    assert "early_termination_fee: 2 → 3 months of minimum spend" in e.findtext(f"{ATOM}summary")
    content = e.find(f"{ATOM}content")
    assert content.get("type") == "html"
    assert list(content) == []  # escaped HTML: text, not child elements
    html = content.text
    assert "early_termination_fee: 2 → 3 months of minimum spend" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "&lt;b&gt;opt out&lt;/b&gt;" in html and "&amp;" in html
    assert "<pre>" in html and "三个月最低消费" in html


def test_atom_text_content_and_custom_feed_id():
    xml = render_atom(sample(), feed_id="urn:example:weekly", content_type="text")
    root = ET.fromstring(xml)
    assert root.findtext(f"{ATOM}id") == "urn:example:weekly"
    entry, failed = root.findall(f"{ATOM}entry")
    assert ":failed:" in failed.findtext(f"{ATOM}id")
    content = entry.find(f"{ATOM}content")
    assert content.get("type") == "text"
    assert "<script>alert(1)</script>" in content.text  # literal text, escaped by the XML writer
    assert "~ lock_in: 12 → 24 months" in content.text
    with pytest.raises(UsageError):
        render_atom(sample(), content_type="xhtml")


def test_atom_without_changes_and_with_control_characters():
    d = Digest((SourceDigest("a", "unchanged", 1),), "not a date")
    root = ET.fromstring(render_atom(d))
    assert root.findall(f"{ATOM}entry") == []
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", root.findtext(f"{ATOM}updated"))
    bad = Finding.from_dict({"category": "auto_renewal", "evidence": "renews\x00 automatically\x0b\x1f", "values": {}})
    d = Digest((SourceDigest("a", "changed", 2, added=(bad,), text_diff="+x\x07y"),), "2026-01-05T06:00:00+08:00")
    root = ET.fromstring(render_atom(d))  # still well-formed XML
    assert root.findtext(f"{ATOM}updated") == "2026-01-04T22:00:00Z"
    assert len(root.findall(f"{ATOM}entry")) == 1


def test_a_spelling_fix_is_editorial_not_a_change_in_the_terms():
    """Regression (xfinity v02 → v03 of the shared versions): "DISPUTNG" → "DISPUTING" made the
    source "changed (terms)", an Atom entry and exit 1 with --fail-on-change."""
    from analyzer.watch.triage import editorial

    assert editorial("YOU MUST NOTIFY US WITHIN 120 DAYS OR YOU WAIVE YOUR RIGHT TO DISPUTNG THE BILL.",
                     "YOU MUST NOTIFY US WITHIN 120 DAYS OR YOU WAIVE YOUR RIGHT TO DISPUTING THE BILL.")
    assert editorial("We recieve your notice.", "We receive your notice.")
    assert not editorial("You are unable to cancel.", "You are enable to cancel.")   # a letter changed
    assert not editorial("Notice of 30 days.", "Notice of 60 days.")
    assert not editorial("lawful use only", "unlawful use only")
