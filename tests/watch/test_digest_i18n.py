"""The digest's words live in analyzer/watch/locale/<lang>.yaml and its Markdown and feed entries
in analyzer/watch/templates/*.j2: every language has the same keys and the same placeholders
(as tests/render/test_i18n.py checks for the report), the templates escape agreement text."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from importlib.resources import files

import pytest
from _catalog import assert_parity

from analyzer.model import Finding
from analyzer.watch.diff import ClauseChange
from analyzer.watch.digest import (
    LANGS,
    STATUSES,
    Digest,
    SourceDigest,
    _entry_html,
    _entry_text,
    catalog,
    render_atom,
    render_digest,
)

ATOM = "{http://www.w3.org/2005/Atom}"


def test_every_language_has_the_same_keys_and_placeholders():
    assert_parity(catalog, LANGS)


@pytest.mark.parametrize("lang", LANGS)
def test_no_empty_words_and_every_status_named(lang):
    c = catalog(lang)
    for section, table in c.items():
        assert all(isinstance(v, str) and v.strip() for v in table.values()), (lang, section)
    assert set(c["status"]) == set(STATUSES) and set(c["short"]) == set(STATUSES)
    # a counted line comes in both forms
    keys = set(c["strings"])
    for key in keys:
        if key.endswith("_one"):
            assert key[:-4] + "_other" in keys, key


def test_the_catalogs_and_templates_ship_in_the_package():
    root = files("analyzer.watch")
    for lang in LANGS:
        assert (root / "locale" / f"{lang}.yaml").is_file()
    for name in ("digest.md.j2", "atom_entry.html.j2", "atom_entry.txt.j2"):
        assert (root / "templates" / name).is_file()


def test_an_unknown_language_reads_english_and_counts_agree_in_number():
    one = Digest((SourceDigest("a", "unchanged", version=1),), generated_at="2026-01-01T00:00:00Z")
    two = Digest(one.sources * 2, generated_at="2026-01-01T00:00:00Z")
    assert "1 source: 1 unchanged" in render_digest(one, "md", "fr")
    assert "2 sources: 2 unchanged" in render_digest(two, "md", "en")
    assert "2 个来源: 2 未变" in render_digest(two, "md", "zh")


HOSTILE = 'Fees <b>may</b> "change" & it\'s *final* [x](y)'


def _hostile() -> SourceDigest:
    f = Finding.from_dict({"category": "extra_fees", "severity": "medium", "evidence": HOSTILE, "values": {}})
    c = ClauseChange(category="lock_in", before={"months": 12}, after={"months": 24},
                     evidence_before=HOSTILE, evidence_after="24 <months>")
    return SourceDigest("s<1>", "changed", version=2, previous_version=1, added=(f,), changed=(c,),
                        text_diff="- <old>\n+ <new> ```\n", url='https://e.com/?a=1&b="2"',
                        diff_page="https://e.com/d.html?x=<y>")


@pytest.mark.parametrize("lang", LANGS)
def test_the_feed_entry_templates_escape_agreement_text(lang):
    sd = _hostile()
    html = _entry_html(sd, lang)
    assert "<b>" not in html and "&lt;b&gt;may&lt;/b&gt; &quot;change&quot; &amp; it&#x27;s" in html
    assert html.startswith("<p><strong>") and "\n" not in html.split("<pre>")[0]  # one line but the diff
    assert '<a href="https://e.com/?a=1&amp;b=&quot;2&quot;">' in html
    assert "<pre>- &lt;old&gt;\n+ &lt;new&gt; ```\n</pre>" in html
    text = _entry_text(sd, lang)
    assert f"+ extra_fees: “{HOSTILE}”" in text and text.endswith("\n\n- <old>\n+ <new> ```\n")
    feed = ET.fromstring(render_atom(Digest((sd,)), lang=lang))
    [entry] = feed.findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}content").text == html


@pytest.mark.parametrize("lang", LANGS)
def test_the_markdown_template_escapes_agreement_text_and_fences_the_diff(lang):
    md = render_digest(Digest((_hostile(),)), "md", lang, full_diff=True)
    assert "\\<b\\>may\\</b\\>" in md and "\\*final\\*" in md and "<b>" not in md
    assert "## s\\<1\\>" in md
    assert "````diff\n- <old>\n+ <new> ```\n````" in md
    assert "(<https://e.com/d.html?x=%3Cy%3E>)" in md
    assert md.endswith("````\n") and not md.endswith("\n\n")
