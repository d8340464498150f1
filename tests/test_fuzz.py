"""Fuzzing the whole path (extract -> normalize -> segment -> detect -> advice -> render) with
random bytes and hostile Unicode (issue 9): no exception but a one-line InputError escapes,
every scan stays within its budget, and no control character from the input reaches a human
output. Bounded to well under a minute in CI (derandomized, fixed example counts)."""
from __future__ import annotations

import re
import time

import pytest

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis (a dev dependency) drives the fuzz tests")
from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from analyzer.errors import InputError  # noqa: E402
from analyzer.render.report import render_html, render_markdown, render_terminal  # noqa: E402

FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

# words the patterns look for, so random text does reach the detector and the values
TOKENS = ["合约期", "24个月", "违约金", "300元", "每月最低消费", "首充", "不退", "激活", "自动续约", "流量",
          "40GB", "限速", "1Mbps", "minimum term", "early termination fee", "$35", "auto-renew", "per month",
          "arbitration", "not liable", "|", "| 合约期 | 12个月 |", "|---|---|", "#", "## ", "**", "第1条", "1.",
          "\n", "\n\n", "。", ".", "，", "；", "?", "(", ")", "@", "http://x.y/?a=1", " ", "\t", "\x1b[2J",
          "\u202e", "\x9b", "\x07", "\ufeff", "\u3000", "ａｂｃ", "壹佰元", "三个月", "%", "‰"]

_SCANNER = None


def scanner():
    global _SCANNER
    if _SCANNER is None:
        from analyzer.engine.pipeline import Scanner

        _SCANNER = Scanner()
    return _SCANNER


def _check(report) -> None:
    assert report.findings is not None
    for out in (render_terminal(report, width=80, color=False), render_markdown(report), render_html(report),
                report.to_json()):
        assert not RAW_CONTROL.search(out), repr(RAW_CONTROL.search(out).group())
    coloured = render_terminal(report, width=80, color=True)
    assert not RAW_CONTROL.search(re.sub(r"\x1b\[[0-9;]*m", "", coloured))


def _scan_bytes(data: bytes, kind: str | None = None):
    t = time.monotonic()
    try:
        report = scanner().scan_document(
            __import__("analyzer.engine.extract", fromlist=["extract_bytes"]).extract_bytes(data, "fuzz", kind), budget=10)
    except InputError as err:
        assert "\n" not in str(err)
        return None
    assert time.monotonic() - t < 30
    _check(report)
    return report


@FUZZ
@given(st.binary(max_size=4000))
@example(b"%PDF-1.4\n%\xff\xff\n1 0 obj<<>>\nendobj\ntrailer<<>>\n%%EOF")
@example(b"\xef\xbb\xbf" + "合约期24个月\x1b[2J".encode())
@example(b"<html><body><script>alert(1)</script>\x1b]0;t\x07</body></html>")
def test_random_bytes_never_escape_as_an_exception(data):
    _scan_bytes(data)


@FUZZ
@given(st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=3000))
@example("本套餐合约期24个月\x1b[2J，每月最低消费59元\u202e。\ud800")
def test_random_unicode_never_escapes(text):
    _scan_bytes(text.encode("utf-8", "surrogatepass"), "text")


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=400), st.sampled_from(["text", "markdown", "html"]))
def test_clause_like_noise_never_escapes(tokens, kind):
    _scan_bytes("".join(tokens).encode("utf-8"), kind)


@settings(max_examples=6, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.sampled_from(TOKENS[:20]), st.integers(min_value=20_000, max_value=120_000))
def test_huge_lines_and_repetition_stay_bounded(token, repeat):
    text = (token * (repeat // max(1, len(token))))[:repeat]
    _scan_bytes(("服务协议 " + text).encode("utf-8"), "text")


@settings(max_examples=8, deadline=None, derandomize=True, database=None)
@given(st.integers(min_value=1, max_value=3000))
def test_deep_nesting_stays_bounded(depth):
    for opener, closer in (("(", ")"), ("[", "]"), ("<div>", "</div>"), ("> ", ""), ("- ", "")):
        _scan_bytes(("合约期24个月 " + opener * depth + "违约金300元" + closer * depth).encode("utf-8"), "text")
