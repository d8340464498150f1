"""analyzer.safetext: control, bidi and surrogate characters never act in a human output."""
from __future__ import annotations

import json

import pytest

from analyzer.safetext import ansi_only_sgr, json_dumps, visible

ATTACKS = {
    "clear screen": "\x1b[2J",
    "clear scrollback": "\x1b[3J",
    "hidden text": "\x1b[8m",
    "osc title": "\x1b]0;owned\x07",
    "osc 8 link": "\x1b]8;;http://evil.example\x1b\\",
    "c1 csi": "\x9b31m",
    "bell": "\x07",
    "backspace": "\x08",
    "carriage return": "\r",
    "bidi override": "\u202e",
    "bidi isolate": "\u2066",
    "line separator": "\u2028",
    "lone surrogate": "\ud800",
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_visible_makes_each_sequence_harmless(name):
    out = visible("a" + ATTACKS[name] + "b")
    assert not any(ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f or c in "\u202e\u2066\u2028" or 0xd800 <= ord(c) <= 0xdfff
                   for c in out), repr(out)
    out.encode("utf-8")  # a lone surrogate would fail here
    assert out.startswith("a\\") and out.endswith("b")


def test_visible_keeps_newlines_tabs_and_cjk_unless_one_line():
    assert visible("合约期\t24个月\n下一行") == "合约期\t24个月\n下一行"
    assert visible("a\nb\tc", one_line=True) == "a\\x0ab\\x09c"
    assert visible("\x1b[2J") == "\\x1b[2J"
    assert visible("\u202e") == "\\u202e"


def test_only_rich_colour_codes_survive_in_a_coloured_output():
    rendered = "\x1b[1mtitle\x1b[0m " + "\x1b[2J\x1b]0;t\x07" + "\u202e"
    out = ansi_only_sgr(rendered)
    assert out.startswith("\x1b[1mtitle\x1b[0m ")
    assert "\x1b[2J" not in out and "\x07" not in out and "\u202e" not in out
    assert "\\x1b[2J" in out


def test_json_keeps_the_data_but_escapes_controls():
    data = {"evidence": "费用\x1b[2J\u202e\x9b\ud800"}
    text = json_dumps(data)
    assert "\x1b" not in text and "\u202e" not in text and "\x9b" not in text
    text.encode("utf-8")
    assert json.loads(text) == data  # a parser sees exactly the same string
    assert "费用" in text  # Chinese stays readable


def test_safe_text_and_console_cannot_be_bypassed():
    import io

    from rich.table import Table

    from analyzer.safetext import SafeConsole, SafeText

    buf = io.StringIO()
    con = SafeConsole(file=buf, width=80, no_color=True, force_terminal=False, markup=False)
    t = SafeText("x\x1b[2J")
    t.append("\x1b[8m")
    con.print(t)
    con.print("plain \x1b]0;t\x07 string")
    table = Table()
    table.add_column("c")
    table.add_row("cell \x1b[3J")
    con.print(table)
    out = buf.getvalue()
    assert "\x1b" not in out and "\x07" not in out
    assert out.count("\\x1b") == 4
