"""The real command line in a fresh interpreter: input forms, output formats, exit codes, errors."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

# own short examples (not corpus text)
HIGH = "服务协议\n本套餐每月最低消费30元，不足部分按30元收取。\n其他事项以营业厅公告为准。\n"
NEUTRAL = "本店营业时间为每天上午九点至晚上九点，欢迎光临。节假日照常营业，停车免费。\n"
ANSI = re.compile(rb"\x1b\[[0-9;]*m")


def one_line_error(p) -> str:
    err = p.stderr.decode("utf-8")
    assert "Traceback" not in err
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("terms-scan: ")
    return lines[0]


def test_stdin_json_shape(run_cli):
    p = run_cli("-", "--format", "json", input=HIGH)
    assert p.returncode == 0, p.stderr
    rep = json.loads(p.stdout)
    assert rep["schema"] == "terms-scan/report@1"
    assert rep["tool"]["name"] == "terms-scan" and rep["tool"]["version"]
    doc = rep["document"]
    assert doc["source"] == "<stdin>"
    assert re.fullmatch(r"[0-9a-f]{64}", doc["sha256"])
    import hashlib
    assert doc["sha256"] == hashlib.sha256(HIGH.encode("utf-8")).hexdigest()
    assert doc["language"] == "zh" and doc["pages"] == 1 and doc["chars"] == len(HIGH)
    assert isinstance(rep["findings"], list) and rep["findings"]
    assert isinstance(rep["protections"], list)
    for f in rep["findings"]:
        assert {"category", "severity", "confidence", "evidence", "clause", "location", "values",
                "pattern", "explanation"} <= set(f)
        assert f["severity"] in ("low", "medium", "high")
        assert 0 < f["confidence"] <= 1
        assert set(f["location"]) == {"page", "start", "end"} and f["location"]["page"] == 1
        assert set(f["explanation"]) >= {"zh", "en"} and f["explanation"]["zh"] and f["explanation"]["en"]
        assert re.fullmatch(r"[a-z_]+/[\w.-]+", f["pattern"])
        assert f["pattern"].startswith(f["category"] + "/")
        # evidence and clause are exact substrings of the input, and the offsets point at them
        assert f["evidence"] in HIGH and f["clause"] in HIGH
        loc = f["location"]
        assert HIGH[loc["start"]:loc["end"]].strip() == f["evidence"]
    ms = [f for f in rep["findings"] if f["category"] == "minimum_spend"]
    assert ms and ms[0]["severity"] == "high"
    assert ms[0]["values"]["amount"] == 30 and ms[0]["values"]["currency"] == "CNY"


def test_file_argument_and_gbk(run_cli, tmp_path):
    p = tmp_path / "协议.txt"
    p.write_bytes(HIGH.encode("gbk"))
    r = run_cli(str(p), "--format", "json")
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep["document"]["source"] == str(p)
    assert any(f["category"] == "minimum_spend" for f in rep["findings"])
    assert all(f["evidence"] in HIGH for f in rep["findings"])


def test_english_detected(run_cli):
    text = "Welcome. These terms describe the service and how billing works for your account.\n"
    rep = json.loads(run_cli("-", "-f", "json", input=text).stdout)
    assert rep["document"]["language"] == "en"


def test_fail_on_high(run_cli):
    assert run_cli("-", "--fail-on", "high", input=HIGH).returncode == 1
    assert run_cli("-", "--fail-on", "low", input=HIGH).returncode == 1
    # the report is still written when the exit code says "findings"
    p = run_cli("-", "--fail-on", "high", "--format", "json", input=HIGH)
    assert p.returncode == 1 and json.loads(p.stdout)["findings"]


def test_fail_on_without_such_findings(run_cli):
    p = run_cli("-", "--fail-on", "high", "--format", "json", input=NEUTRAL)
    assert p.returncode == 0, p.stderr
    assert not [f for f in json.loads(p.stdout)["findings"] if f["severity"] == "high"]
    assert run_cli("-", input=HIGH).returncode == 0  # no --fail-on: findings are not an error


@pytest.mark.parametrize("args", [
    ["-", "--format", "pdf"],
    ["-", "--fail-on", "critical"],
    ["-", "--lang", "fr"],
    ["-", "--no-such-option"],
    [],
])
def test_usage_errors_exit_2(run_cli, args):
    p = run_cli(*args, input=HIGH)
    assert p.returncode == 2
    line = one_line_error(p)
    assert "--help" in line
    assert p.stdout == b"" or b"Usage" in p.stdout


def test_help(run_cli):
    p = run_cli("--help")
    assert p.returncode == 0 and b"--format" in p.stdout


def test_missing_file_exit_3(run_cli, tmp_path):
    p = run_cli(str(tmp_path / "nope.pdf"))
    assert p.returncode == 3
    assert "no such file" in one_line_error(p)
    assert p.stdout == b""


def test_empty_input_exit_3(run_cli, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    for args, inp in (([str(empty)], None), (["-"], b""), (["-"], b"  \n\n")):
        p = run_cli(*args, input=inp)
        assert p.returncode == 3, args
        assert "empty" in one_line_error(p)


def test_binary_exit_3(run_cli, tmp_path):
    import random

    rnd = random.Random(3)
    b = tmp_path / "blob.bin"
    b.write_bytes(bytes(rnd.randrange(256) for _ in range(5000)))
    p = run_cli(str(b))
    assert p.returncode == 3
    one_line_error(p)


def test_pdf_without_text_exit_3(run_cli, tmp_path):
    pytest.importorskip("reportlab")
    from _pdf import make_blank_pdf

    p = run_cli(str(make_blank_pdf(tmp_path / "scan.pdf")), "--format", "json")
    assert p.returncode == 3
    assert "no text layer" in one_line_error(p)
    assert p.stdout == b""


def test_damaged_pdf_exit_3(run_cli, tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n" + b"\x00garbage" * 50)
    p = run_cli(str(bad))
    assert p.returncode == 3
    one_line_error(p)


def test_directory_exit_3(run_cli, tmp_path):
    p = run_cli(str(tmp_path))
    assert p.returncode == 3
    one_line_error(p)


def test_malformed_pattern_dir_is_one_line_error(run_cli, tmp_path):
    d = tmp_path / "pats" / "minimum_spend"
    d.mkdir(parents=True)
    (d / "broken.yaml").write_text("id: broken\ncategory: [unclosed\n", encoding="utf-8")
    p = run_cli("-", "--patterns", str(tmp_path / "pats"), input=HIGH)
    assert p.returncode == 4
    assert "broken.yaml" in one_line_error(p)


def test_pdf_pages_through_cli(run_cli, pdf_maker):
    path = pdf_maker(["第一条 总则\n本协议由双方在平等自愿的基础上签订，双方均应遵守。",
                      "第二条 资费\n本套餐每月最低消费30元，不足部分按30元收取。"])
    rep = json.loads(run_cli(str(path), "--format", "json").stdout)
    assert rep["document"]["kind"] == "pdf" and rep["document"]["pages"] == 2
    ms = [f for f in rep["findings"] if f["category"] == "minimum_spend"]
    assert ms and ms[0]["location"]["page"] == 2


def test_output_file(run_cli, tmp_path):
    out = tmp_path / "sub" / "report.json"
    out.parent.mkdir()
    p = run_cli("-", "--format", "json", "-o", str(out), input=HIGH)
    assert p.returncode == 0, p.stderr
    assert p.stdout == b""
    assert json.loads(out.read_text(encoding="utf-8"))["schema"] == "terms-scan/report@1"


def test_output_file_unwritable_is_usage_error(run_cli, tmp_path):
    p = run_cli("-", "-o", str(tmp_path / "no" / "such" / "dir" / "r.txt"), input=HIGH)
    assert p.returncode == 2
    assert "cannot write" in one_line_error(p)


def test_markdown_output(run_cli):
    p = run_cli("-", "--format", "md", input=HIGH)
    assert p.returncode == 0
    md = p.stdout.decode("utf-8")
    assert md.startswith("# terms-scan")
    assert "## [高] 最低消费" in md
    assert "> " in md and "30元" in md


def test_markdown_escapes_agreement_markup(run_cli):
    text = "本套餐每月最低消费30元，详见[链接](http://evil.example)与*加粗*说明。\n"
    md = run_cli("-", "--format", "md", input=text).stdout.decode("utf-8")
    assert "[链接](http" not in md
    assert "\\[链接\\]\\(http" in md


def test_html_output_escapes_script(run_cli, tmp_path):
    text = "本套餐每月最低消费30元<script>alert('x')</script>，不足部分按30元收取。\n"
    src = tmp_path / "a.txt"
    src.write_text(text, encoding="utf-8")
    p = run_cli(str(src), "--format", "html")
    assert p.returncode == 0, p.stderr
    page = p.stdout.decode("utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "最低消费" in page


def test_html_output_of_english_report(run_cli):
    p = run_cli("-", "--format", "html", "--lang-out", "en", input=HIGH)
    page = p.stdout.decode("utf-8")
    assert '<html lang="en">' in page and "Minimum spend" in page


def test_text_output_to_pipe_has_no_colour(run_cli):
    p = run_cli("-", input=HIGH)
    assert p.returncode == 0
    assert not ANSI.search(p.stdout)
    out = p.stdout.decode("utf-8")
    assert "最低消费" in out and "30元" in out


def test_lang_out_english(run_cli):
    out = run_cli("-", "--lang-out", "en", input=HIGH).stdout.decode("utf-8")
    assert "Findings: high" in out and "Minimum spend" in out


def test_lang_override(run_cli):
    rep = json.loads(run_cli("-", "--lang", "en", "-f", "json", input=HIGH).stdout)
    assert rep["document"]["language"] == "en"
    # detection still runs on the text: the Chinese clause is found whatever --lang says
    assert any(f["category"] == "minimum_spend" for f in rep["findings"])
    out = run_cli("-", "--lang", "en", input=HIGH).stdout.decode("utf-8")
    assert "Findings: high" in out  # the report follows the document language


def _run_on_tty(args: list[str], stdin: bytes, env: dict) -> bytes:
    """Run the CLI with its stdout on a pseudo-terminal; returns what it printed."""
    import pty
    import subprocess

    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "analyzer.cli", *args], stdin=subprocess.PIPE,
                                stdout=slave, stderr=subprocess.PIPE, env=env)
        os.close(slave)
        proc.stdin.write(stdin)
        proc.stdin.close()
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        proc.wait(timeout=60)
        return b"".join(chunks)
    finally:
        os.close(master)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_no_color_on_a_terminal():
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    env["TERM"] = "xterm-256color"
    coloured = _run_on_tty(["-"], HIGH.encode("utf-8"), env)
    assert "最低消费".encode() in coloured
    assert ANSI.search(coloured), "a terminal gets colours"
    plain = _run_on_tty(["-"], HIGH.encode("utf-8"), {**env, "NO_COLOR": "1"})
    assert "最低消费".encode() in plain
    assert not ANSI.search(plain), "NO_COLOR must switch colours off"


def test_slow_pattern_is_skipped_with_a_warning(run_cli, tmp_path):
    """A pattern whose regex backtracks catastrophically on a document hits the time limit:
    the scan finishes, says so in ``warnings``, the other patterns still report, and the
    report is marked incomplete (exit 3 unless --allow-incomplete: issue 9, never a normal
    report with findings silently missing)."""
    d = tmp_path / "pats" / "minimum_spend"
    d.mkdir(parents=True)
    (d / "zh-slow-test.yaml").write_text(
        "id: zh-slow-test\ncategory: minimum_spend\nlang: zh\ndescription: test\n"
        "match: ['(a|aa)+$']\nexplanation: {zh: 测试, en: test}\n"
        "examples:\n  - {text: aaaa, expect: finding}\n  - {text: 无关内容, expect: none}\n",
        encoding="utf-8")
    args = ("-", "--patterns", str(tmp_path / "pats"), "-f", "json")
    text = HIGH + "a" * 40 + "b\n"
    strict = run_cli(*args, input=text)
    assert strict.returncode == 3 and b"incomplete scan" in strict.stderr
    p = run_cli(*args, "--allow-incomplete", input=text)
    assert p.returncode == 0, p.stderr
    rep = json.loads(p.stdout)
    assert rep["complete"] is False and "zh-slow-test" in rep["incomplete"]
    assert any("zh-slow-test" in w and "too long" in w for w in rep["warnings"])
    assert any(f["category"] == "minimum_spend" for f in rep["findings"])


def test_default_terminal_report_is_a_first_screen_and_full_keeps_the_detail(run_cli):
    """299 terminal lines for a 756-character agreement (issue 11): the default is now a brief
    that fits 60 lines at 80 columns (grade, exit cost, the most serious clauses, questions,
    how to see everything); --full keeps the whole report."""
    import os

    example = str(Path(__file__).resolve().parents[1] / "corpora" / "example-haoka-agreement.txt")
    env = {**os.environ, "COLUMNS": "80"}
    brief = run_cli(example, env=env)
    full = run_cli(example, "--full", env=env)
    assert brief.returncode == full.returncode == 0
    b, f = brief.stdout.decode(), full.stdout.decode()
    assert len(b.splitlines()) <= 60 < len(f.splitlines())
    for needle in ("等级", "提前离开要花多少钱", "第6个月后离网", "付款前要问的问题", "--full"):
        assert needle in b, needle
    assert "如果想退出" not in b and "如果想退出" in f  # the way out is in the full report
    top = b[b.index("最要紧的条款"):b.index("付款前要问的问题")]
    quotes = [ln.strip() for ln in top.splitlines() if ln.strip().startswith("“")]
    assert quotes and len(quotes) == len(set(quotes))  # two categories of one clause: quoted once


def test_brief_questions_refer_to_quoted_clauses_by_number(run_cli):
    """Regression (issue 11): the brief quoted the first top-up clause among its clauses and
    again in the question about it; now the question says "[3]" and the words appear once."""
    import os

    example = str(Path(__file__).resolve().parents[1] / "corpora" / "example-haoka-agreement.txt")
    b = run_cli(example, env={**os.environ, "COLUMNS": "200"}).stdout.decode()
    qs = b[b.index("付款前要问的问题"):]
    refs = re.findall(r"^\s+\d\. \[(\d)\] ", qs, re.M)
    assert refs  # at least one question refers to a numbered clause
    for k in refs:
        m = re.search(rf"^\s+\[{k}\] .*\n\s+“(.{{12}})", b, re.M)
        assert m, k
        assert b.count(m.group(1)) == 1  # the clause's words are printed once
    full = run_cli(example, "--full", env={**os.environ, "COLUMNS": "200"}).stdout.decode()
    assert "第2.2条说“首次充值即视为激活" in full  # the full report's questions still quote


def test_pager_shows_long_reports_and_leaves_short_ones(tmp_path, monkeypatch):
    """A long terminal report goes through $PAGER (the screen ends where the reader stops);
    a short one, a missing pager or --no-pager print straight out."""
    from analyzer.cli import page_long_output

    seen = tmp_path / "paged.txt"
    monkeypatch.setenv("TERMS_SCAN_PAGER", f"sh -c 'cat > {seen}'")
    assert page_long_output("a\nb\n", height=40) is False and not seen.exists()
    long_text = "".join(f"第{i}行\n" for i in range(100))
    assert page_long_output(long_text, height=40) is True
    assert seen.read_text(encoding="utf-8") == long_text
    monkeypatch.setenv("TERMS_SCAN_PAGER", str(tmp_path / "no-such-pager"))
    assert page_long_output(long_text, height=40) is False  # the caller prints it


def test_no_pager_when_output_is_not_a_terminal(run_cli):
    import os

    example = str(Path(__file__).resolve().parents[1] / "corpora" / "example-haoka-agreement.txt")
    p = run_cli(example, "--full", env={**os.environ, "TERMS_SCAN_PAGER": "false"})
    assert p.returncode == 0 and "如果想退出" in p.stdout.decode()
    assert run_cli(example, "--no-pager").returncode == 0


def test_product_option_sets_the_words_of_the_advice(run_cli, tmp_path):
    """--product overrides the kind of product read from the text (issue 11)."""
    f = tmp_path / "a.txt"
    f.write_text("会员协议。本会员服务合约期12个月，每月费用99元，合约期内提前解约须支付剩余月份费用作为违约金，已付费用不予退还。"
                 "会员权益以页面公示为准，本平台有权调整会员价格。", encoding="utf-8")
    as_phone = json.loads(run_cli(str(f), "--format", "json", "--product", "mobile").stdout)
    as_gym = json.loads(run_cli(str(f), "--format", "json", "--product", "membership").stdout)
    label = lambda d: d["summary"]["exit_cost"]["rows"][0]["label"]["zh"]
    assert "离网" in label(as_phone) and "退出" in label(as_gym)
    assert run_cli(str(f), "--product", "car").returncode == 2


def test_version_short_help_and_the_weekly_commands_in_help(run_cli):
    """Issue 10: one command line that shows all it can do: --version, -h, and the weekly-scan
    commands listed in the main --help."""
    from analyzer import __version__

    v = run_cli("--version")
    assert v.returncode == 0 and v.stdout.decode().strip() == f"terms-scan {__version__}"
    h = run_cli("-h", env={"COLUMNS": "120"})
    assert h.returncode == 0
    out = h.stdout.decode()
    for word in ("--format", "--full", "terms-scan watch SOURCES.yaml", "terms-scan history ID", "terms-scan diff ID"):
        assert word in out, word
    assert run_cli("watch", "-h").returncode == 0 and b"--fail-on-change" in run_cli("watch", "-h").stdout


def test_shell_completion(run_cli):
    """Tab completion: a subcommand from its first letters, the options of the scan and of the
    weekly commands; a file name is left to the shell (nothing offered)."""
    def complete(words: str, cword: int) -> list[str]:
        p = run_cli(env={"_TERMS_SCAN_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(cword)})
        assert p.returncode == 0, p.stderr
        return p.stdout.decode().split()

    assert complete("terms-scan wa", 1) == ["watch"]
    assert complete("terms-scan agr", 1) == []  # a file: the shell's own completion
    assert "--format" in complete("terms-scan x.txt --fo", 2)
    assert "--db" in complete("terms-scan history --d", 2)
    # --show-completion names the shell it runs under (found among its parent processes): run it
    # from bash, as a user would, not straight from pytest (under a pytest-xdist worker started by
    # another program than a shell it found none: "Shell  not supported")
    # ("; exit": bash must stay the parent, not exec the command in its own place)
    script = subprocess.run(["bash", "-c", f'"{sys.executable}" -m analyzer.cli --show-completion; exit $?'],
                            capture_output=True, timeout=120)
    assert script.returncode == 0 and b"_TERMS_SCAN_COMPLETE" in script.stdout, script.stderr


def test_several_files_are_scanned_one_by_one_and_a_bad_one_does_not_stop_the_batch(run_cli, tmp_path):
    """Issue 12: several agreements give one summary line each; an unreadable file is a line
    saying why and the batch goes on; the exit code is the worst (3 for the bad file)."""
    a = tmp_path / "a.txt"
    a.write_text(HIGH, encoding="utf-8")
    b = tmp_path / "b.txt"
    b.write_text("Your plan has a 24-month minimum term. An early termination fee of $200 applies.\n", encoding="utf-8")
    bad = tmp_path / "c.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"broken" * 30)
    p = run_cli(str(a), str(b), str(bad))
    assert p.returncode == 3
    lines = p.stdout.decode().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"{a} · ") and "高风险" in lines[0]
    assert lines[1].startswith(f"{b} · ") and "Grade" in lines[1]
    assert lines[2].startswith(f"{bad}: error: ") and str(bad) not in lines[2][len(str(bad)) + 2:]
    ok = run_cli(str(a), str(b), "--format", "json")
    assert ok.returncode == 0
    assert [json.loads(x)["document"]["source"] for x in ok.stdout.decode().splitlines()] == [str(a), str(b)]
    md = run_cli(str(a), str(b), "--format", "md")
    assert md.returncode == 2 and "--as-one" in one_line_error(md)


def test_as_one_reads_a_folder_in_name_order_as_one_agreement(run_cli, tmp_path):
    d = tmp_path / "parts"
    d.mkdir()
    (d / "part2.txt").write_text("第二部分：合约期内提前解约的，须支付违约金300元。\n", encoding="utf-8")
    (d / "part10.txt").write_text("第三部分：首充金额不予退还。\n", encoding="utf-8")
    (d / "part1.txt").write_text("第一部分：本协议合约期为24个月，每月最低消费39元。\n", encoding="utf-8")
    p = run_cli(str(d), "--as-one", "--format", "json")
    assert p.returncode == 0, p.stderr
    rep = json.loads(p.stdout)
    assert rep["document"]["pages"] == 3 and "(3 files)" in rep["document"]["source"]
    first = {}
    for f in rep["findings"]:
        first.setdefault(f["category"], f["location"]["page"])
    assert first["lock_in"] == 1 and first["early_termination_fee"] == 2  # part1, part2, part10
    assert first["refund_restriction"] == 3
    assert run_cli("-", str(d / "part1.txt"), input=HIGH).returncode == 2
