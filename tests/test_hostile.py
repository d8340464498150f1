"""Hostile and broken input (issue 9): each defect found by trying the tool as a careless or
hostile user would, as a test named after it."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_cli import _run_on_tty  # noqa: E402

from analyzer.cli import main  # noqa: E402

# An agreement whose clauses carry the sequences a hostile publisher could plant.
ESCAPES = {
    "clear screen": b"\x1b[2J",
    "clear scrollback": b"\x1b[3J",
    "hidden text": b"\x1b[8m",
    "osc start": b"\x1b]",
    "bell": b"\x07",
    "c1 csi": "\x9b".encode(),
    "bidi override": "\u202e".encode(),
}
HOSTILE = ("服务协议\n本套餐合约期24个月\x1b[2J\x1b[3J，每月最低消费59元\x1b[8m隐藏\x1b[0m。"
           "提前解约须支付违约金300元\x1b]0;owned\x07。首充50元不退\u202e。\x9b31m 其他事项以公告为准。\n"
           "用户应妥善保管服务密码，因用户原因造成的损失由用户自行承担。本协议自用户签字之日起生效，"
           "有效期至合约期满为止。双方因本协议发生争议的，应协商解决；协商不成的，可向当地通信管理局申诉。\n")


def _planted(out: bytes) -> list[str]:
    return [name for name, seq in ESCAPES.items() if seq in out]


@pytest.mark.parametrize("fmt", ["text", "md", "html", "json"])
def test_terminal_escapes_in_the_agreement_never_reach_the_output(run_cli, fmt):
    p = run_cli("-", "-f", fmt, input=HOSTILE)
    assert p.returncode == 0, p.stderr
    assert _planted(p.stdout) == []
    assert b"\\x1b" in p.stdout or b"\\u001b[2J" in p.stdout  # shown, not obeyed and not hidden
    if fmt == "json":
        rep = json.loads(p.stdout)  # the data itself is unchanged for a program
        assert any("\x1b[2J" in f["evidence"] for f in rep["findings"])


def test_terminal_escapes_never_reach_a_coloured_terminal():
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    env["TERM"] = "xterm-256color"
    out = _run_on_tty(["-"], HOSTILE.encode("utf-8"), env)
    assert b"\x1b[1m" in out or b"\x1b[" in out  # colours still on
    assert _planted(out) == []


def test_a_control_character_in_a_file_name_is_not_printed_raw(run_cli, tmp_path):
    p = run_cli(str(tmp_path / "missing\x1b[2J.txt"))
    assert p.returncode == 3
    assert b"\x1b" not in p.stderr and b"\\x1b[2J" in p.stderr


def _hostile_watch(tmp_path: Path) -> tuple[Path, Path, Path]:
    doc = tmp_path / "agreement.txt"
    doc.write_text("服务协议\n本套餐合约期12个月，每月最低消费39元。\n", encoding="utf-8")
    sources = tmp_path / "sources.yaml"
    sources.write_text("- id: hostile\n  path: agreement.txt\n  lang: zh\n", encoding="utf-8")
    db = tmp_path / "h.sqlite"
    assert main(["watch", str(sources), "--db", str(db), "--workers", "1", "-o", str(tmp_path / "d0.txt")]) == 0
    # the fetcher refuses a page of more than 1% control characters as garbled: a real page is long
    doc.write_text(HOSTILE + "本协议未尽事宜，按照国家有关法律法规及电信行业规定执行。\n" * 20, encoding="utf-8")
    return sources, db, doc


def test_terminal_escapes_never_reach_the_watch_digest_feed_or_diff(tmp_path, capsys):
    sources, db, _ = _hostile_watch(tmp_path)
    digest, feed = tmp_path / "digest.txt", tmp_path / "feed.atom"
    main(["watch", str(sources), "--db", str(db), "--workers", "1", "-o", str(digest), "--feed", str(feed)])
    for out in (digest, feed):
        data = out.read_bytes()
        assert _planted(data) == [], out.name
    assert b"\\x1b[2J" in digest.read_bytes()
    for fmt in ("text", "md", "json"):
        capsys.readouterr()
        assert main(["diff", "hostile", "--from", "1", "--to", "2", "--db", str(db), "-f", fmt]) == 0
        out = capsys.readouterr().out.encode("utf-8", "surrogateescape")
        assert _planted(out) == [], fmt


# --------------------------------------------------------------------------- bounded input, safe output

AGREEMENT = "服务协议\n本套餐合约期12个月，每月最低消费39元，提前解约须支付违约金100元。\n"


def test_special_file_dev_zero_is_refused_at_once(run_cli):
    p = run_cli("/dev/zero")
    assert p.returncode == 3
    assert b"not a regular file" in p.stderr and len(p.stderr.splitlines()) == 1


def test_fifo_input_is_refused_instead_of_blocking(run_cli, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    p = run_cli(str(fifo))  # the fixture's 120 s timeout would fail the test on a hang
    assert p.returncode == 3 and b"FIFO" in p.stderr


def test_standard_input_has_the_same_size_limit(run_cli):
    from analyzer.engine.extract import MAX_BYTES

    p = run_cli("-", input=b"a" * (MAX_BYTES + 10))
    assert p.returncode == 3 and b"larger than 50 MB" in p.stderr


def test_closed_standard_input_is_an_input_error_not_internal():
    import subprocess

    p = subprocess.run([sys.executable, "-m", "analyzer.cli", "-"], stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=60, preexec_fn=lambda: os.close(0))
    assert p.returncode == 3, p.stderr
    assert b"standard input is closed" in p.stderr


def test_offer_file_has_a_size_limit(run_cli, tmp_path):
    agreement = tmp_path / "a.txt"
    agreement.write_text(AGREEMENT, encoding="utf-8")
    big = tmp_path / "ad.txt"
    big.write_bytes(b"29 yuan per month unlimited data, no contract. " * 30000)  # 1.4 MB
    p = run_cli(str(agreement), "--offer-file", str(big))
    assert p.returncode == 3 and b"too large" in p.stderr
    long_ad = "29元/月 100G通用流量 无合约 " * 2000  # 42,000 characters
    p = run_cli(str(agreement), "--offer", long_ad)
    assert p.returncode == 3 and b"characters" in p.stderr


def test_output_pointing_at_the_input_does_not_overwrite_the_agreement(run_cli, tmp_path):
    agreement = tmp_path / "a.txt"
    agreement.write_text(AGREEMENT, encoding="utf-8")
    p = run_cli(str(agreement), "-o", str(agreement))
    assert p.returncode == 2 and b"refusing to overwrite" in p.stderr
    assert agreement.read_text(encoding="utf-8") == AGREEMENT
    link = tmp_path / "link.txt"
    link.symlink_to(agreement)
    assert run_cli(str(agreement), "-o", str(link)).returncode == 2
    assert agreement.read_text(encoding="utf-8") == AGREEMENT


def test_output_is_written_atomically_and_a_full_disk_is_an_io_error(run_cli, tmp_path):
    agreement = tmp_path / "a.txt"
    agreement.write_text(AGREEMENT, encoding="utf-8")
    out = tmp_path / "report.md"
    assert run_cli(str(agreement), "-f", "md", "-o", str(out)).returncode == 0
    assert "39" in out.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp file left
    if os.path.exists("/dev/full"):
        p = run_cli(str(agreement), "-o", "/dev/full")
        assert p.returncode == 5 and b"No space left" in p.stderr
        with open("/dev/full", "wb") as full:
            import subprocess

            q = subprocess.run([sys.executable, "-m", "analyzer.cli", str(agreement)], stdout=full,
                               stderr=subprocess.PIPE, timeout=60)
        assert q.returncode == 5 and b"standard output" in q.stderr


# --------------------------------------------------------------------------- watch

def _local_watch(tmp_path: Path, text: str = AGREEMENT) -> tuple[Path, Path, Path]:
    folder = tmp_path / "watched"
    folder.mkdir(exist_ok=True)
    doc = folder / "agreement.txt"
    doc.write_text(text, encoding="utf-8")
    sources = folder / "sources.yaml"
    sources.write_text("- id: plan\n  path: agreement.txt\n  lang: zh\n", encoding="utf-8")
    return sources, tmp_path / "h.sqlite", doc


def test_watch_changes_are_not_lost_when_the_digest_cannot_be_written(tmp_path, capsys):
    sources, db, doc = _local_watch(tmp_path)
    args = ["watch", str(sources), "--db", str(db), "--workers", "1", "--fail-on-change"]
    assert main(args + ["-o", str(tmp_path / "d1.txt")]) == 0
    doc.write_text(AGREEMENT.replace("违约金100元", "违约金500元").replace("12个月", "24个月"), encoding="utf-8")
    # the digest goes to a folder that does not exist: the run fails after recording version 2
    assert main(args + ["-o", str(tmp_path / "missing" / "d2.txt")]) != 0
    capsys.readouterr()
    out = tmp_path / "d3.json"
    assert main(args + ["-f", "json", "-o", str(out)]) == 1  # the change is still reported, and fails the check
    item = json.loads(out.read_text(encoding="utf-8"))["sources"][0]
    assert item["status"] == "changed" and item["version"] == 2 and item["previous_version"] == 1
    assert main(args + ["-o", str(tmp_path / "d4.txt")]) == 0  # reported once: now unchanged


def test_watch_exits_non_zero_when_every_source_failed(tmp_path, capsys):
    folder = tmp_path / "w"
    folder.mkdir()
    sources = folder / "sources.yaml"
    sources.write_text("- id: a\n  path: missing-a.txt\n- id: b\n  path: missing-b.txt\n", encoding="utf-8")
    code = main(["watch", str(sources), "--db", str(tmp_path / "h.sqlite"), "--workers", "1", "--fail-on-change"])
    assert code == 3
    assert "every source failed" in capsys.readouterr().err


def test_watch_path_sources_are_confined_to_the_sources_folder(tmp_path):
    from analyzer.watch.run import run_watch

    secret = tmp_path / "secret.txt"
    secret.write_text(AGREEMENT, encoding="utf-8")
    folder = tmp_path / "w"
    folder.mkdir()
    (folder / "link.txt").symlink_to(secret)
    sources = folder / "sources.yaml"
    sources.write_text("- id: abs\n  path: /etc/passwd\n- id: up\n  path: ../secret.txt\n"
                       "- id: link\n  path: link.txt\n", encoding="utf-8")
    db = tmp_path / "h.sqlite"
    digest = run_watch(sources, db=db, workers=1)
    assert {sd.id: sd.status for sd in digest.sources} == {"abs": "failed", "up": "failed", "link": "failed"}
    assert all("outside the sources file's folder" in sd.error for sd in digest.sources)
    from analyzer.watch.history import History

    with History(db) as h:
        assert h.count() == 0  # nothing from outside was stored
    allowed = run_watch(sources, db=db, workers=1, allow=(tmp_path,))
    assert {sd.id: sd.status for sd in allowed.sources}["up"] == "new"


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf"])
def test_watch_timeout_must_be_a_positive_number(tmp_path, capsys, value):
    sources, db, _ = _local_watch(tmp_path)
    assert main(["watch", str(sources), "--db", str(db), "--timeout", value]) == 2
    assert "--timeout" in capsys.readouterr().err


def test_watch_read_only_database_fails_before_fetching(tmp_path, capsys, monkeypatch):
    sources, db, doc = _local_watch(tmp_path)
    assert main(["watch", str(sources), "--db", str(db), "--workers", "1", "-o", os.devnull]) == 0
    doc.write_text(AGREEMENT.replace("39元", "59元"), encoding="utf-8")
    if os.geteuid() == 0:  # root ignores file modes: open the database read-only instead
        import sqlite3

        real_connect = sqlite3.connect
        monkeypatch.setattr(sqlite3, "connect", lambda path, *a, **k: real_connect(
            f"file:{path}?mode=ro", *a, uri=True, **k))
    else:
        db.chmod(0o444)
    fetched = []
    import analyzer.watch.run as watch_mod

    real_scan = watch_mod.scan_source
    monkeypatch.setattr(watch_mod, "scan_source", lambda job: fetched.append(job) or real_scan(job))
    try:
        assert main(["watch", str(sources), "--db", str(db), "--workers", "1"]) == 5
        assert "cannot write the history database" in capsys.readouterr().err
        assert fetched == []  # failed before fetching anything
    finally:
        db.chmod(0o644)


def test_watch_symlinked_database_shares_the_lock(tmp_path):
    from analyzer.watch.history import History

    real = tmp_path / "real.sqlite"
    History(real).close()
    link = tmp_path / "link.sqlite"
    link.symlink_to(real)
    assert History(link).lock_path == History(real).lock_path


def test_diff_with_a_huge_version_number_is_a_usage_error(tmp_path, capsys):
    sources, db, _ = _local_watch(tmp_path)
    main(["watch", str(sources), "--db", str(db), "--workers", "1", "-o", os.devnull])
    assert main(["diff", "plan", "--from", "1", "--to", str(10**30), "--db", str(db)]) == 2


def test_corrupt_history_database_is_a_state_error_not_internal(tmp_path, capsys):
    sources, db, _ = _local_watch(tmp_path)
    main(["watch", str(sources), "--db", str(db), "--workers", "1", "-o", os.devnull])
    data = bytearray(db.read_bytes())
    for i in range(4096, min(len(data), 4096 * 3)):  # damage the pages after the header
        data[i] = 0xA5
    db.write_bytes(bytes(data))
    for wal in (tmp_path / "h.sqlite-wal", tmp_path / "h.sqlite-shm"):
        wal.unlink(missing_ok=True)
    capsys.readouterr()
    code = main(["history", "plan", "--db", str(db)])
    assert code in (2, 5), capsys.readouterr().err
    assert "internal error" not in capsys.readouterr().err


def test_malformed_ipv6_url_in_sources_is_a_usage_error(tmp_path, capsys):
    sources = tmp_path / "sources.yaml"
    sources.write_text('- id: a\n  url: "http://[::1/x"\n', encoding="utf-8")
    assert main(["watch", str(sources), "--db", str(tmp_path / "h.sqlite")]) == 2
    assert "not a valid URL" in capsys.readouterr().err


def test_missing_patterns_folder_is_a_usage_error(run_cli, tmp_path):
    p = run_cli("-", "--patterns", str(tmp_path / "nope"), input=AGREEMENT)
    assert p.returncode == 2 and b"pattern directory not found" in p.stderr


# --------------------------------------------------------------------------- budgets, not silence

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "agreements"
FILLER = "本公司营业厅地址位于市中心，营业时间为每日九点至十八点，欢迎您前来咨询各类业务。\n"


def _key(f) -> tuple[str, str]:
    return f.category, f.evidence


def test_a_long_agreement_in_filler_keeps_every_finding(scanner):
    """The pattern time limit was per document: an agreement after 5 MB of filler lost 10 of
    its 14 findings with exit 0. Now a long text is read in bounded pieces."""
    doc = (SHARED / "zh-telecom-terminal-subsidy.txt").read_text(encoding="utf-8")
    alone = scanner.scan_text(doc, "alone")
    half = FILLER * (300_000 // len(FILLER))
    big = scanner.scan_text(half + doc + half, "big")
    assert big.complete
    assert set(map(_key, alone.findings)) == set(map(_key, big.findings))
    assert len(alone.findings) >= 10
    # locations point into the long text: the quoted evidence is where the report says
    for f in big.findings:
        assert f.location.start >= len(half) - 5


def test_time_budget_marks_the_report_incomplete(scanner, run_cli, tmp_path):
    doc = (SHARED / "zh-telecom-terminal-subsidy.txt").read_text(encoding="utf-8")
    big = FILLER * (400_000 // len(FILLER)) + doc
    r = scanner.scan_document(__import__("analyzer.engine.extract", fromlist=["x"]).extract_bytes(
        big.encode("utf-8"), "big", "text"), budget=0.2)
    assert not r.complete and "time budget" in r.incomplete
    assert r.to_dict()["complete"] is False
    path = tmp_path / "big.txt"
    path.write_text(big, encoding="utf-8")
    p = run_cli(str(path), "--time-limit", "0.2")
    assert p.returncode == 3 and b"incomplete scan" in p.stderr
    assert "扫描未完成".encode() in p.stdout  # a line under the verdict, not only a warning
    q = run_cli(str(path), "--time-limit", "0.2", "--allow-incomplete", "-f", "md")
    assert q.returncode == 0 and "扫描未完成".encode() in q.stdout
    assert run_cli(str(path), "--time-limit", "nan").returncode == 2


def test_one_megabyte_sentence_is_not_quoted_whole(scanner):
    text = "本套餐合约期24个月，提前解约须支付违约金300元，" + "其他约定事项" * 170_000
    r = scanner.scan_text(text, "long")
    assert r.findings
    assert max(len(f.evidence) for f in r.findings) <= 2000


def test_email_search_in_the_advice_is_linear():
    """The e-mail regex of the advice was quadratic (29 s at 100,000 characters)."""
    import time

    from analyzer.advice.advise import find_emails

    t = time.monotonic()
    assert find_emails("a" * 300_000 + " x@y") == []  # "x@y" has no dot: not an address
    assert find_emails("中" * 300_000) == []
    assert find_emails("a@" * 100_000) == []
    assert find_emails("写信至 help@example.com.cn 。") == ["help@example.com.cn"]
    assert time.monotonic() - t < 5  # generous: the old regex needed minutes here


def test_killing_watch_leaves_no_workers_running(tmp_path):
    """A SIGKILLed watch left its forked workers running (34 minutes and more)."""
    import signal
    import subprocess

    from analyzer.watch.run import TEST_PAUSE_ENV

    folder = tmp_path / "orphans"
    folder.mkdir()
    lines = []
    for i in range(4):
        (folder / f"a{i}.txt").write_text(AGREEMENT.replace("39元", f"{39 + i}元"), encoding="utf-8")
        lines.append(f"- id: s{i}\n  path: a{i}.txt\n  lang: zh\n")
    sources = folder / "sources.yaml"
    sources.write_text("".join(lines), encoding="utf-8")
    env = dict(os.environ, **{TEST_PAUSE_ENV: "30"})
    proc = subprocess.Popen([sys.executable, "-m", "analyzer.cli", "watch", str(sources), "--db",
                             str(tmp_path / "h.sqlite"), "--workers", "2"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        line = proc.stderr.readline().decode()
        assert line.startswith("terms-scan-test: in transaction"), line
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()

    def survivors() -> list[int]:
        out = []
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                try:
                    cmd = open(f"/proc/{pid}/cmdline", "rb").read()
                except OSError:
                    continue
                if str(sources).encode() in cmd:
                    out.append(int(pid))
        return out

    import time

    deadline = time.monotonic() + 10
    while survivors() and time.monotonic() < deadline:
        time.sleep(0.2)
    left = survivors()
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == []


def test_a_malformed_pdf_gives_one_line_on_stderr(run_cli, tmp_path):
    """pdfminer's warnings ("MediaBox missing from /Page…") reached stderr beside our error."""
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
                    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
                    b"3 0 obj << /Type /Page /Parent 2 0 R /Contents 4 0 R >> endobj\n"
                    b"4 0 obj << /Length 999 >> stream\nBT /F1 12 Tf (hello) Tj ET\nendstream endobj\n"
                    b"xref\n0 5\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    p = run_cli(str(bad))
    assert p.returncode == 3
    assert len(p.stderr.decode().strip().splitlines()) == 1, p.stderr


def test_watch_says_when_a_source_could_not_be_scanned_completely(tmp_path, monkeypatch):
    """Nothing bounded one source's scan in watch; now the scan budget applies, and a version
    whose scan ran out of it says so in the digest instead of reporting fewer clauses."""
    import analyzer.engine.pipeline as pipeline
    from analyzer.watch.digest import render_digest
    from analyzer.watch.run import run_watch

    monkeypatch.setattr(pipeline, "SCAN_BUDGET", 1e-9)
    sources, db, _ = _local_watch(tmp_path)
    digest = run_watch(sources, db=db, workers=1)
    sd = digest.sources[0]
    assert sd.status == "new" and "time budget" in sd.incomplete
    assert "incomplete scan" in render_digest(digest, "text", color=False)
    assert "incomplete scan" in render_digest(digest, "md")
    assert json.loads(digest.to_json())["sources"][0]["incomplete"]


def test_a_file_size_limit_is_a_disk_error_not_internal(tmp_path):
    import resource
    import subprocess

    agreement = tmp_path / "a.txt"
    agreement.write_text(AGREEMENT, encoding="utf-8")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))

    p = subprocess.run([sys.executable, "-m", "analyzer.cli", str(agreement), "-f", "html", "-o",
                        str(tmp_path / "r.html")], capture_output=True, timeout=60, preexec_fn=limit)
    assert p.returncode == 5, p.stderr
    assert b"File too large" in p.stderr and len(p.stderr.splitlines()) == 1
    assert not (tmp_path / "r.html").exists()  # nothing half-written
