"""analyzer.watch.history: versions, one transaction per version, the run lock, rescans."""
from __future__ import annotations

import multiprocessing
import sqlite3

import pytest

from analyzer.errors import StateError, UsageError
from analyzer.watch.fetch import EXTRACTOR_VERSION, FetchResult
from analyzer.watch.history import SCHEMA_VERSION, History, default_db_path


def fetched(content: bytes, etag: str | None = None) -> FetchResult:
    return FetchResult("ok", content=content, url="https://example.test/terms", http_status=200,
                       content_type="text/html; charset=utf-8", etag=etag, last_modified="Mon, 05 Jan 2026 10:00:00 GMT",
                       fetched_at="2026-01-05T10:00:00Z")


def report(*categories: str) -> dict:
    return {"schema": "terms-scan/report@1", "tool": {"name": "terms-scan", "version": "0.1.0", "patterns": "86:abc"},
            "findings": [{"category": c, "evidence": f"{c} clause", "values": {}} for c in categories]}


def test_record_and_read_back(tmp_path):
    h = History(tmp_path / "h.sqlite")
    assert h.latest("a") is None and h.versions("a") == []
    v1 = h.record("a", fetched(b"<p>one</p>", etag='"e1"'), "one", report("lock_in"), "new")
    v2 = h.record("a", fetched(b"<p>two</p>"), "two", report("lock_in", "auto_renewal"), "changed")
    h.record("b", fetched(b"<p>other</p>"), "other", report(), "new")
    assert (v1.version, v2.version) == (1, 2)
    latest = h.latest("a")
    assert latest.version == 2 and latest.kind == "changed" and latest.text == "two"
    assert latest.raw() == b"<p>two</p>" and latest.sha256 == v2.sha256
    assert len(latest.findings) == 2 and latest.patterns_version == "86:abc" and latest.tool_version == "0.1.0"
    assert latest.extractor_version == EXTRACTOR_VERSION and latest.http_status == 200
    assert h.get("a", 1).etag == '"e1"' and h.get("a", 1).last_modified.startswith("Mon")
    assert [v.version for v in h.versions("a")] == [1, 2] and h.count() == 3 and h.source_ids() == ["a", "b"]
    with pytest.raises(UsageError, match="has no version 7"):
        h.get("a", 7)
    with pytest.raises(UsageError, match="no history for 'zzz'"):
        h.get("zzz", 1)
    h.close()
    # raw bytes are stored compressed
    conn = sqlite3.connect(tmp_path / "h.sqlite")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT version FROM schema_version").fetchone()[0] == SCHEMA_VERSION == 3
    raw = conn.execute("SELECT raw FROM snapshots WHERE source_id='a' AND version=2").fetchone()[0]
    assert raw != b"<p>two</p>"


def test_a_failed_transaction_leaves_nothing(tmp_path):
    h = History(tmp_path / "h.sqlite")
    h.record("a", fetched(b"one"), "one", report(), "new")

    def boom(source_id, version):
        raise RuntimeError("killed between the inserts and the commit")

    h.before_commit = boom
    with pytest.raises(RuntimeError):
        h.record("a", fetched(b"two"), "two", report(), "changed")
    h.before_commit = None
    assert [v.version for v in h.versions("a")] == [1]
    conn = h.conn
    assert conn.execute("SELECT count(*) FROM texts").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM reports").fetchone()[0] == 1
    assert h.record("a", fetched(b"two"), "two", report(), "changed").version == 2  # no gap


def test_version_numbers_are_unique(tmp_path):
    h = History(tmp_path / "h.sqlite")
    h.record("a", fetched(b"one"), "one", report(), "new")
    with pytest.raises(sqlite3.IntegrityError):
        h.conn.execute("INSERT INTO snapshots(source_id, version, fetched_at, kind, sha256, size, raw) "
                       "VALUES ('a', 1, 'x', 'new', 'x', 0, x'00')")


def test_bad_kind_rejected(tmp_path):
    with pytest.raises(ValueError):
        History(tmp_path / "h.sqlite").record("a", fetched(b"x"), "x", report(), "weird")


def test_rescan_is_a_technical_upgrade(tmp_path):
    h = History(tmp_path / "h.sqlite")
    h.record("a", fetched(b"one"), "one", report("lock_in"), "new")
    h.record_rescan("a", 1, "one, re-extracted", report("lock_in", "minimum_spend"))
    v = h.latest("a")
    assert v.technical_upgrade and v.text == "one, re-extracted" and len(v.findings) == 2
    assert v.version == 1 and h.count("a") == 1 and v.kind == "new"
    with pytest.raises(UsageError):
        h.record_rescan("a", 9, "x", report())


def _try_lock(path, queue):
    try:
        with History(path).lock():
            queue.put("locked")
    except StateError as err:
        queue.put(str(err))


def test_lock_is_exclusive_and_released(tmp_path):
    db = tmp_path / "h.sqlite"
    h = History(db)
    ctx = multiprocessing.get_context("fork")
    with h.lock():
        q = ctx.Queue()
        p = ctx.Process(target=_try_lock, args=(db, q))
        p.start()
        p.join(20)
        msg = q.get(timeout=5)
        assert msg.startswith("another terms-scan watch run holds the lock on")
    q = ctx.Queue()
    p = ctx.Process(target=_try_lock, args=(db, q))
    p.start()
    p.join(20)
    assert q.get(timeout=5) == "locked"


def test_not_a_database(tmp_path):
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StateError, match="not a terms-scan history database"):
        History(bad)


def test_default_path_is_in_the_user_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_db_path() == tmp_path / "data" / "terms-scan" / "history.sqlite"


def test_database_problems_exit_with_the_state_code(tmp_path, capsys):
    """Regression (issue 10): a damaged history database or a held run lock was a usage error
    (exit 2, "you called it wrongly"); it is the environment: StateError, exit 5."""
    from analyzer.cli import main
    from analyzer.errors import ExitCode

    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"this is not sqlite" * 100)
    assert main(["history", "some-source", "--db", str(bad)]) == ExitCode.STATE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a terms-scan history database" in err
    db = tmp_path / "h.sqlite"
    History(db).close()
    assert issubclass(StateError, Exception) and StateError.exit_code == ExitCode.STATE


def test_texts_and_reports_are_stored_compressed_and_old_plain_rows_still_read(tmp_path):
    """Issue 13: the database was 2.3-5.2x the size of the versions it kept. Texts and reports are
    now stored zlib-compressed; rows written by an older terms-scan (plain TEXT) read as before."""
    import json as _json

    from analyzer.watch.history import pack, unpack

    text = "本协议合约期为24个月，每月最低消费39元。" * 200
    packed = pack(text)
    assert isinstance(packed, bytes) and len(packed) < len(text.encode("utf-8")) / 5
    assert unpack(packed) == text and unpack(text) == text
    db = tmp_path / "h.sqlite"
    h = History(db)
    h.record("s", fetched(b"v1"), text, report(), "new")
    h.close()
    conn = sqlite3.connect(db)
    stored = conn.execute("SELECT text FROM texts").fetchone()[0]
    assert isinstance(stored, bytes) and stored.startswith(b"tsz1")
    # an older database's row: plain TEXT
    conn.execute("UPDATE texts SET text = ?", ("plain old text",))
    conn.execute("UPDATE reports SET report = ?", (_json.dumps({"findings": [], "note": "old"}),))
    conn.commit()
    conn.close()
    with History(db) as h2:
        v = h2.latest("s")
        assert v.text == "plain old text" and v.report["note"] == "old"


def test_prune_keeps_every_raw_snapshot_and_the_current_derivations(tmp_path, capsys):
    from analyzer.cli import main

    db = tmp_path / "h.sqlite"
    h = History(db)
    big = ("合约期内提前解约须支付违约金。" * 400).encode("utf-8")
    h.record("a", fetched(big), "one " * 2000, report("lock_in"), "new")
    h.record("a", fetched(big + b"2"), "two " * 2000, report("lock_in", "auto_renewal"), "changed")
    for n in range(3):  # three rescans of version 1: two derivations superseded
        h.record_rescan("a", 1, f"one, derivation {n} " * 2000, report("lock_in", "minimum_spend"))
    h.record("b", fetched(b"<p>other</p>"), "other", report(), "new")
    # an older database stored plain TEXT rows
    sid = h.conn.execute("SELECT id FROM snapshots WHERE source_id = 'b'").fetchone()[0]
    h.conn.execute("UPDATE texts SET text = 'other' WHERE snapshot_id = ?", (sid,))
    for i in range(130):
        h.record_check("a", ok=True)
    for i in range(4):
        h.record_check("a", ok=False, error="HTTP 500")
    h.record_check("b", ok=False, error="timeout")
    before_versions = {(v.source_id, v.version): (v.text, v.report, v.raw()) for s in ("a", "b") for v in h.versions(s)}
    before_status = h.check_status("a"), h.check_status("b")

    r = h.prune()
    assert (r.texts, r.reports, r.snapshots, r.repacked) == (3, 3, 3, 1)
    assert r.checks == 130 + 4 - 100 and r.bytes_after < r.bytes_before
    after_versions = {(v.source_id, v.version): (v.text, v.report, v.raw()) for s in ("a", "b") for v in h.versions(s)}
    assert after_versions == before_versions  # the current text and findings, the raw bytes: all there
    assert (h.check_status("a"), h.check_status("b")) == before_status
    assert h.versions("a")[0].technical_upgrade
    assert h.integrity_check() == "ok"
    again = h.prune()
    assert (again.texts, again.reports, again.checks, again.repacked) == (0, 0, 0, 0)
    h.close()

    capsys.readouterr()
    assert main(["history", "--prune", "--db", str(db)]) == 0
    assert "all 3 raw snapshots kept" in capsys.readouterr().out
    assert main(["history", "a", "--prune", "--db", str(db)]) == 2
    assert "give no ID" in capsys.readouterr().err
    assert main(["history", "--db", str(db)]) == 0
    overview = capsys.readouterr().out
    assert "2 sources in" in overview
    assert "failing 4 runs in a row since" in overview and "never (failing 1 run in a row since" in overview
