"""analyzer.watch.diffpage: a self-contained HTML page per changed version, word by word for
English and character by character for Chinese; the watch writes it with --diff-pages and
the digest (text, Markdown, JSON) and the feed link to it; `terms-scan diff --format html`."""
from __future__ import annotations

import json
import re
from pathlib import Path

from analyzer.cli import main
from analyzer.watch.diffpage import DiffPages, diff_body, render_diff_page, word_diff
from analyzer.watch.digest import SourceDigest


def test_word_diff_english_words_and_chinese_characters():
    assert word_diff("Give notice 30 days before the dispute.", "Give notice 60 days before any dispute.") == [
        (0, "Give notice "), (-1, "30"), (1, "60"), (0, " days before "), (-1, "the"), (1, "any"), (0, " dispute.")]
    runs = word_diff("合约期为12个月，提前解约须支付违约金。", "合约期为24个月，提前解约须支付违约金200元。")
    assert (-1, "12") in runs and (1, "24") in runs and (1, "200元") in runs
    # a Latin word next to Chinese is its own token, not glued to the characters around it
    assert word_diff("每月流量20GB。", "每月流量50GB。") == [(0, "每月流量"), (-1, "20GB"), (1, "50GB"), (0, "。")]


def test_unchanged_sentences_are_folded_with_one_of_context():
    same = [f"Clause {i} says nothing new." for i in range(1, 21)]
    a = " ".join(same[:10] + ["You may cancel within 14 days."] + same[10:])
    b = " ".join(same[:10] + ["You may cancel within 30 days."] + same[10:])
    body = diff_body(a, b)
    assert sum('class="ctx"' in p for p in body) == 2       # Clause 10 before, Clause 11 after
    assert '<p class="gap">⋯ 9 unchanged sentences ⋯</p>' in body
    chg = [p for p in body if 'class="chg"' in p]
    assert chg == ['<p class="chg">You may cancel within <del>14</del><ins>30</ins> days.</p>']
    assert diff_body("Same text.", "Same text.") == ["<p>No sentence differs.</p>"]


def test_agreement_text_stays_text_in_the_page():
    sd = SourceDigest("evil", "changed", version=2, previous_version=1, url="javascript:alert(1)",
                      name="<img src=x onerror=alert(1)>")
    page = render_diff_page(sd, "Fee is $5. <script>alert(1)</script>", "Fee is $9. <script>alert(2)</script>")
    assert "<script" not in page and "&lt;script&gt;" in page
    assert "<img" not in page and "javascript:" not in page.split("</title>")[1].split("<h2>")[0].replace(
        "javascript:alert(1)</p>", "")  # the URL is shown as text, never as a link
    assert 'href="javascript' not in page
    assert "default-src 'none'" in page  # no script, nothing fetched


def test_links_use_the_base_url_or_the_file():
    pages = DiffPages(Path("/tmp/pages"), "https://example.org/diffs/")
    assert pages.link(DiffPages.name("a b", 1, 2)) == "https://example.org/diffs/a%20b-v1-v2.html"
    assert DiffPages(Path("/tmp/pages")).link("x-v1-v2.html") == "file:///tmp/pages/x-v1-v2.html"


def _two_versions(tmp_path: Path, v1: str, v2: str, *extra: str) -> tuple[list[str], Path]:
    src = tmp_path / "plan.txt"
    sources = tmp_path / "sources.yaml"
    sources.write_text("- id: plan\n  path: plan.txt\n  name: Plan card\n", encoding="utf-8")
    db = tmp_path / "h.sqlite"
    args = ["watch", str(sources), "--db", str(db), "--workers", "1", *extra]
    src.write_text(v1, encoding="utf-8")
    assert main(args) == 0
    src.write_text(v2, encoding="utf-8")
    return args, db


def test_the_watch_writes_the_page_and_digest_json_and_feed_link_to_it(tmp_path, capsys):
    v1 = "本卡合约期为12个月。合约期内提前销户的，须支付违约金100元。每月最低消费58元。\n其他约定以营业厅公告为准。"
    v2 = "本卡合约期为24个月。合约期内提前销户的，须支付违约金200元。每月最低消费58元。\n其他约定以营业厅公告为准。"
    pages = tmp_path / "pages"
    feed = tmp_path / "feed.atom"
    args, db = _two_versions(tmp_path, v1, v2, "--diff-pages", str(pages), "--feed", str(feed))
    capsys.readouterr()
    assert main(args + ["--format", "json"]) == 0
    item = json.loads(capsys.readouterr().out)["sources"][0]
    page = pages / "plan-v1-v2.html"
    assert item["status"] == "changed" and item["diff_page"] == page.resolve().as_uri()
    html = page.read_text(encoding="utf-8")
    assert "<del>12</del><ins>24</ins>" in html and "<del>100</del><ins>200</ins>" in html
    assert "Plan card · v1 → v2" in html
    assert re.search(r'<link [^>]*rel="related"', feed.read_text(encoding="utf-8"))
    assert page.resolve().as_uri() in feed.read_text(encoding="utf-8")
    # the text digest names the page; the page is not rewritten by a later run
    page.write_text("kept", encoding="utf-8")
    assert main(args[:-4] + ["--diff-pages", str(pages), "--diff-base-url", "https://example.org/d"]) == 0
    assert page.read_text(encoding="utf-8") == "kept"


def test_a_rewording_that_changes_no_clause_shows_its_diff_too(tmp_path, capsys):
    v1 = "The plan renews every month. Service is provided by Example Telecom."
    v2 = "The plan renews every month. Service is provided by Example Telecom or its successor."
    pages = tmp_path / "pages"
    args, _db = _two_versions(tmp_path, v1, v2, "--diff-pages", str(pages))
    capsys.readouterr()
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "changed (formatting only)" in out
    assert "wording changed in 1 sentence(s); no clause or number changed" in out
    assert "diff page: file://" in out
    assert "<ins> or its successor</ins>" in (pages / "plan-v1-v2.html").read_text(encoding="utf-8")


def test_diff_command_html_and_option_errors(tmp_path, capsys):
    args, db = _two_versions(tmp_path, "Minimum term 12 months.", "Minimum term 24 months.")
    assert main(args) == 0
    capsys.readouterr()
    assert main(["diff", "plan", "--from", "1", "--to", "2", "--db", str(db), "--format", "html",
                 "--lang-out", "zh"]) == 0
    html = capsys.readouterr().out
    assert html.startswith("<!doctype html>") and "<del>12</del><ins>24</ins>" in html and "文本逐字对照" in html
    assert main(args + ["--diff-base-url", "https://example.org/"]) == 2
    assert "give --diff-pages DIR too" in capsys.readouterr().err
    assert main(args + ["--diff-pages", str(tmp_path / "p"), "--diff-base-url", "ftp://x"]) == 2
    (tmp_path / "file").write_text("x")
    assert main(args + ["--diff-pages", str(tmp_path / "file")]) == 2
    assert "not a folder" in capsys.readouterr().err
