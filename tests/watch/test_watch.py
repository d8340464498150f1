"""The weekly watch end to end: successive published versions served over 127.0.0.1.

The versions come from ../shared/corpora/versions/<service>/ (Open Terms Archive recordings;
not copied into the repository); one version per run, the server's content switched between
runs. Covers: new / unchanged (nothing recorded) / formatting only / changed terms with the
clauses and values; failing sources next to good ones; --fail-on-change; --rescan; a run
SIGKILLed inside a transaction; the run lock; the same digest on a local Dask cluster.
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from _http import QuietHandler, reply, serve, stop, url

from analyzer.cli import main
from analyzer.errors import StateError
from analyzer.watch.digest import render_digest
from analyzer.watch.history import History
from analyzer.watch.run import TEST_PAUSE_ENV, run_watch

VERSIONS = Path(__file__).parents[2].parent / "shared" / "corpora" / "versions"
ROOT = Path(__file__).resolve().parents[2]

needs_versions = pytest.mark.skipif(not VERSIONS.is_dir(), reason=f"shared versions not found at {VERSIONS}")


def version_file(service: str, n: int) -> bytes:
    files = sorted((VERSIONS / service).glob(f"v{n:02d}_*"))
    assert files, f"no v{n:02d} of {service}"
    return files[0].read_bytes()


class Site:
    """A local web server whose pages the test switches between runs."""

    def __init__(self) -> None:
        self.pages: dict[str, dict] = {}
        self.requests: list[tuple[str, dict]] = []
        site = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802
                site.requests.append((self.path, dict(self.headers)))
                page = site.pages.get(self.path)
                if page is None:
                    self.send_error(404)
                    return
                if page.get("delay"):
                    time.sleep(page["delay"])
                etag = page.get("etag")
                if etag and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                body = page["body"]
                reply(self, page.get("status", 200), body, page.get("type", "text/markdown; charset=utf-8"), etag)

        self.server = serve(Handler)

    def url(self, path: str) -> str:
        return url(self.server, path)

    def set(self, path: str, body: bytes, **kw) -> None:
        self.pages[path] = {"body": body, **kw}

    def serve(self, service: str, n: int, **kw) -> None:
        self.set(f"/{service}", version_file(service, n), **kw)

    def close(self) -> None:
        stop(self.server)


@pytest.fixture
def site():
    s = Site()
    yield s
    s.close()


def write_sources(tmp_path: Path, site: Site, ids: list[str], extra: str = "") -> Path:
    lines = [f"- id: {i}\n  url: {site.url('/' + i)}\n  lang: en\n" for i in ids]
    path = tmp_path / "sources.yaml"
    path.write_text("".join(lines) + extra, encoding="utf-8")
    return path


def statuses(digest) -> dict[str, str]:
    return {s.id: s.status for s in digest.sources}


def count_versions(db: Path, source_id: str | None = None) -> int:
    with History(db) as h:
        return h.count(source_id)


# --------------------------------------------------------------------------- the acceptance

@needs_versions
def test_new_then_unchanged_records_nothing(tmp_path, site):
    ids = ["sonic-policies", "verizon-website-terms"]
    sources, db = write_sources(tmp_path, site, ids), tmp_path / "h.sqlite"
    for i in ids:
        site.serve(i, 1)
    first = run_watch(sources, db=db, workers=1)
    assert statuses(first) == {i: "new" for i in ids}
    assert all(s.version == 1 and s.added for s in first.sources)
    assert count_versions(db) == 2
    second = run_watch(sources, db=db, workers=2)
    assert statuses(second) == {i: "unchanged" for i in ids}
    assert count_versions(db) == 2
    assert not second.changed
    # verizon v01 -> v02 has identical text (identical bytes here): nothing to record
    site.serve("verizon-website-terms", 2)
    third = run_watch(sources, db=db, workers=1)
    assert statuses(third)["verizon-website-terms"] in ("unchanged", "formatting")
    assert not third.changed


@needs_versions
def test_sonic_flips_between_renderings_are_formatting_only(tmp_path, site):
    sources, db = write_sources(tmp_path, site, ["sonic-policies"]), tmp_path / "h.sqlite"
    site.serve("sonic-policies", 1)
    assert statuses(run_watch(sources, db=db)) == {"sonic-policies": "new"}
    for n in (2, 3, 4):
        site.serve("sonic-policies", n)
        d = run_watch(sources, db=db)
        sd = d.sources[0]
        assert sd.status == "formatting", (n, sd)
        assert (sd.previous_version, sd.version) == (n - 1, n)
        assert not d.changed and not sd.added and not sd.removed and not sd.changed
    with History(db) as h:
        assert [v.kind for v in h.versions("sonic-policies")] == ["new", "formatting", "formatting", "formatting"]


@needs_versions
def test_real_changes_in_the_terms(tmp_path, site):
    ids = ["xfinity-residential-agreement", "energia-supply-contract", "netflix-tos"]
    sources, db = write_sources(tmp_path, site, ids), tmp_path / "h.sqlite"
    for i in ids:
        site.serve(i, 1)
    run_watch(sources, db=db, workers=2)
    for i in ids:
        site.serve(i, 2)
    digest = run_watch(sources, db=db, workers=2)
    assert statuses(digest) == {i: "changed" for i in ids}
    assert digest.changed
    data = json.loads(render_digest(digest, "json"))
    assert data["schema"] == "terms-scan/digest@1"
    by_id = {s["id"]: s for s in data["sources"]}
    for s in data["sources"]:
        assert set(s) >= {"id", "status", "version", "added", "removed", "changed", "error"}
        assert s["version"] == 2 and s["error"] is None

    # xfinity v01 -> v02: a jury-trial waiver and an arbitration clause added
    x = by_id["xfinity-residential-agreement"]
    added = [(f["category"], f["evidence"]) for f in x["added"]]
    assert any(c == "dispute_resolution" and "WAIVER OF JURY TRIAL" in e for c, e in added)
    assert any(c == "dispute_resolution" and "binding arbitration" in e for c, e in added)

    # energia v01 -> v02: the €500 deposit clause removed; a 12-month contract with an exit fee and
    # cash-back credits added (values carried by the findings)
    e = by_id["energia-supply-contract"]
    assert any(f["category"] == "extra_fees" and f["values"].get("amount") == 500 for f in e["removed"])
    assert any(f["category"] == "early_termination_fee" and f["values"].get("months") == 12 for f in e["added"])
    assert any(f["category"] == "installment_credit" and f["values"].get("amount") == 100 for f in e["added"])

    # netflix v01 -> v02: clauses reworded ("membership" -> "subscription"), paired with both quotes
    n = by_id["netflix-tos"]
    renewal = [c for c in n["changed"] if c["category"] == "auto_renewal"]
    assert renewal and all(c["evidence_before"] and c["evidence_after"] for c in renewal)
    assert any("membership" in c["evidence_before"] and "subscription" in c["evidence_after"] for c in renewal)

    md = render_digest(digest, "md")
    assert "## xfinity-residential-agreement" in md and "```diff" in md
    with History(db) as h:
        assert [v.kind for v in h.versions("netflix-tos")] == ["new", "changed"]


AGREEMENT_V1 = """第一条 本套餐合约期为12个月，合约期内用户不得办理销户或降档。
第二条 合约期内提前解约的，用户须按剩余月份支付违约金，违约金为2个月最低消费。
第三条 月最低消费为99元。
"""


def test_values_changed_are_reported_with_both_quotes(tmp_path, site):
    """Our own short agreement (not a corpus text): the operator raises the lock-in, the exit fee
    and the minimum spend without saying so."""
    sources, db = write_sources(tmp_path, site, ["haoka"]), tmp_path / "h.sqlite"
    site.set("/haoka", AGREEMENT_V1.encode(), type="text/plain; charset=utf-8")
    assert statuses(run_watch(sources, db=db)) == {"haoka": "new"}
    v2 = AGREEMENT_V1.replace("12个月", "24个月").replace("2个月最低消费", "3个月最低消费").replace("99元", "129元")
    site.set("/haoka", v2.encode(), type="text/plain; charset=utf-8")
    digest = run_watch(sources, db=db)
    sd = digest.sources[0]
    assert sd.status == "changed" and sd.previous_version == 1 and sd.version == 2
    got = {c.category: (c.before.get("months", c.before.get("amount")),
                        c.after.get("months", c.after.get("amount"))) for c in sd.changed}
    assert got["early_termination_fee"] == (2, 3)
    assert got["minimum_spend"] == (99, 129)
    lock = [c for c in sd.changed if c.category == "lock_in" and c.before.get("months") == 12]
    assert lock and lock[0].after == {"months": 24}
    assert "12个月" in lock[0].evidence_before and "24个月" in lock[0].evidence_after
    assert not sd.added and not sd.removed
    assert "- 第一条 本套餐合约期为12个月" in sd.text_diff and "+ 第一条 本套餐合约期为24个月" in sd.text_diff
    md = render_digest(digest, "md")
    assert "early\\_termination\\_fee: 2 → 3 months of minimum spend" in md or \
        "early_termination_fee: 2 → 3 months of minimum spend" in md


@needs_versions
def test_failing_sources_do_not_stop_the_run(tmp_path, site):
    ids = ["sonic-policies", "server-error", "slow", "garbage", "netflix-tos"]
    sources, db = write_sources(tmp_path, site, ids), tmp_path / "h.sqlite"
    site.serve("sonic-policies", 1)
    site.serve("netflix-tos", 1)
    site.set("/server-error", b"oops", status=500, type="text/plain")
    site.set("/slow", b"too late", delay=3.0)
    site.set("/garbage", bytes(range(256)) * 40, type="application/octet-stream")
    t0 = time.monotonic()
    digest = run_watch(sources, db=db, workers=2, timeout=0.5)
    assert time.monotonic() - t0 < 20
    st = statuses(digest)
    assert st == {"sonic-policies": "new", "server-error": "failed", "slow": "failed", "garbage": "failed",
                  "netflix-tos": "new"}
    errors = {s.id: s.error for s in digest.sources}
    assert "HTTP 500" in errors["server-error"]
    assert "timed out" in errors["slow"]
    assert "binary or garbled" in errors["garbage"] or "garbage" in errors["garbage"]
    assert all("\n" not in e for e in errors.values() if e)
    assert count_versions(db) == 2  # nothing recorded for the failures
    md = render_digest(digest, "md")
    assert "HTTP 500" in md and "timed out" in md
    data = json.loads(render_digest(digest, "json"))
    assert {s["id"]: s["error"] for s in data["sources"]}["server-error"].startswith("HTTP 500")
    # the next run retries them
    site.set("/server-error", version_file("sonic-policies", 2))
    assert statuses(run_watch(sources, db=db, workers=1, timeout=0.5))["server-error"] == "new"


def test_conditional_requests_use_the_etag(tmp_path, site):
    sources, db = write_sources(tmp_path, site, ["etagged"]), tmp_path / "h.sqlite"
    site.set("/etagged", AGREEMENT_V1.encode(), type="text/plain; charset=utf-8", etag='"v1"')
    assert statuses(run_watch(sources, db=db)) == {"etagged": "new"}
    assert statuses(run_watch(sources, db=db)) == {"etagged": "unchanged"}
    assert site.requests[-1][1].get("If-None-Match") == '"v1"'
    assert count_versions(db) == 1


@needs_versions
def test_fail_on_change_exit_code_feed_and_history_commands(tmp_path, site, capsys):
    sources, db = write_sources(tmp_path, site, ["xfinity-residential-agreement"]), tmp_path / "h.sqlite"
    site.serve("xfinity-residential-agreement", 1)
    args = ["watch", str(sources), "--db", str(db), "--fail-on-change", "--workers", "1"]
    assert main(args) == 0  # new is not a change in the terms
    assert main(args) == 0  # unchanged
    site.serve("xfinity-residential-agreement", 2)
    feed, out = tmp_path / "changes.atom", tmp_path / "digest.md"
    assert main(args + ["--format", "md", "-o", str(out), "--feed", str(feed)]) == 1
    assert "changed (terms), version 1 → 2" in out.read_text(encoding="utf-8")
    atom = feed.read_text(encoding="utf-8")
    assert atom.count("<entry>") == 1 and "xfinity-residential-agreement" in atom
    assert main(args) == 0  # nothing new since
    site.serve("xfinity-residential-agreement", 3)  # a typo fixed in a tracked clause
    capsys.readouterr()
    assert main(["watch", str(sources), "--db", str(db), "--format", "json"]) == 0  # without the flag: 0
    assert json.loads(capsys.readouterr().out)["sources"][0]["version"] == 3

    assert main(["history", "xfinity-residential-agreement", "--db", str(db)]) == 0
    hist = capsys.readouterr().out
    assert "3 versions" in hist and " new " in hist and " changed " in hist
    assert main(["diff", "xfinity-residential-agreement", "--from", "1", "--to", "2", "--db", str(db),
                 "--format", "json"]) == 0
    diff = json.loads(capsys.readouterr().out)
    assert diff["sources"][0]["status"] == "changed" and diff["sources"][0]["added"]
    assert main(["diff", "xfinity-residential-agreement", "--from", "1", "--to", "9", "--db", str(db)]) == 2
    assert "has no version 9" in capsys.readouterr().err
    assert main(["history", "nobody", "--db", str(db)]) == 2
    assert main(["history", "x", "--db", str(tmp_path / "missing.sqlite")]) == 2
    assert main(["watch", str(tmp_path / "nope.yaml"), "--db", str(db)]) == 2


@needs_versions
def test_rescan_is_a_technical_upgrade_not_a_change(tmp_path, site, capsys):
    ids = ["netflix-tos", "sonic-policies"]
    sources, db = write_sources(tmp_path, site, ids), tmp_path / "h.sqlite"
    for i in ids:
        site.serve(i, 1)
    run_watch(sources, db=db)
    for i in ids:
        site.serve(i, 2)
    run_watch(sources, db=db)
    site.pages.clear()  # a rescan fetches nothing: every page is gone
    rows = lambda: sqlite3.connect(db).execute("SELECT count(*) FROM reports").fetchone()[0]  # noqa: E731
    before = rows()
    # the same extractor and patterns: nothing to upgrade, nothing recorded (issue 13: the DB grew
    # by 1 MB a run)
    digest = run_watch(sources, db=db, rescan=True, workers=2)
    assert statuses(digest) == {i: "unchanged" for i in ids} and rows() == before
    # reports made by an older scanner (here: one that found nothing) are re-derived
    con = sqlite3.connect(db)
    from analyzer.watch.history import pack, unpack

    for rid, rep in con.execute("SELECT id, report FROM reports").fetchall():
        con.execute("UPDATE reports SET report = ? WHERE id = ?",
                    (pack(json.dumps({**json.loads(unpack(rep)), "findings": []})), rid))
    con.commit()
    con.close()
    digest = run_watch(sources, db=db, rescan=True, workers=2)
    assert statuses(digest) == {i: "upgraded" for i in ids}
    assert not digest.changed
    with History(db) as h:
        for i in ids:
            vs = h.versions(i)
            assert [v.version for v in vs] == [1, 2] and all(v.technical_upgrade for v in vs)
    assert main(["watch", str(sources), "--db", str(db), "--rescan", "--fail-on-change"]) == 0
    assert "unchanged" in capsys.readouterr().out
    assert main(["history", "netflix-tos", "--db", str(db)]) == 0
    assert "(technical upgrade)" in capsys.readouterr().out


def test_two_runs_cannot_interleave(tmp_path, site):
    sources, db = write_sources(tmp_path, site, ["haoka"]), tmp_path / "h.sqlite"
    site.set("/haoka", AGREEMENT_V1.encode(), type="text/plain; charset=utf-8")
    h = History(db)
    with h.lock(), pytest.raises(StateError, match="another terms-scan watch run holds the lock"):
        run_watch(sources, db=db)
    assert statuses(run_watch(sources, db=db)) == {"haoka": "new"}


# --------------------------------------------------------------------------- killed mid-run

# the next version of each whose bytes differ from v01 (verizon v02 = v01; sonic v03 = v01)
KILL_NEXT = {"sonic-policies": 2, "verizon-website-terms": 3, "netflix-tos": 2, "google-one-tos": 2,
             "amazon-prime-terms": 2}


@needs_versions
def test_sigkill_inside_a_transaction_loses_and_duplicates_nothing(tmp_path, site):
    ids = list(KILL_NEXT)
    sources, db = write_sources(tmp_path, site, ids), tmp_path / "h.sqlite"
    for i in ids:
        site.serve(i, 1)
    assert all(s == "new" for s in statuses(run_watch(sources, db=db, workers=1)).values())
    for i in ids:
        site.serve(i, KILL_NEXT[i])

    env = dict(os.environ, **{TEST_PAUSE_ENV: "2"})
    env.pop("TERMS_SCAN_DEBUG", None)
    proc = subprocess.Popen([sys.executable, "-m", "analyzer.cli", "watch", str(sources), "--db", str(db),
                             "--workers", "2", "--format", "json"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # the coordinator announces each transaction, then pauses 2 s in it before COMMIT: once
        # the second is announced, the first has committed and the second is open. Kill it there.
        seen: list[str] = []
        deadline = time.monotonic() + 60
        while len(seen) < 2 and time.monotonic() < deadline:
            line = proc.stderr.readline().decode()
            if not line:
                break
            if line.startswith("terms-scan-test: in transaction"):
                seen.append(line.split()[-2])
        assert len(seen) == 2, f"the run did not get to its second transaction: {seen}"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert proc.returncode == -signal.SIGKILL

    # the first source's version 2 is complete; the second's (killed before COMMIT) is not there
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with_v2 = [r[0] for r in conn.execute("SELECT source_id FROM snapshots WHERE version = 2")]
    assert with_v2 == [seen[0]]
    assert conn.execute("SELECT count(*) FROM texts").fetchone()[0] == len(ids) + 1
    assert conn.execute("SELECT count(*) FROM reports").fetchone()[0] == len(ids) + 1
    conn.close()

    # the lock died with the process: the next run completes the work
    digest = run_watch(sources, db=db, workers=2)
    st = statuses(digest)
    # recorded before the kill but never in a written digest: reported now, not called unchanged
    assert all(s in ("changed", "formatting") for s in st.values()), st
    again = run_watch(sources, db=db, workers=2)
    assert statuses(again) == {i: "unchanged" for i in ids}

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = conn.execute("SELECT source_id, group_concat(version) FROM "
                        "(SELECT source_id, version FROM snapshots ORDER BY source_id, version) GROUP BY source_id"
                        ).fetchall()
    assert dict(rows) == {i: "1,2" for i in ids}  # every version exactly once, no gaps
    for i in ids:
        shas = [r[0] for r in conn.execute("SELECT sha256 FROM snapshots WHERE source_id = ? ORDER BY version", (i,))]
        assert shas == [hashlib.sha256(version_file(i, 1)).hexdigest(), hashlib.sha256(version_file(i, KILL_NEXT[i])).hexdigest()]
    # every snapshot has its text and report (nothing half-written)
    assert conn.execute("SELECT count(*) FROM snapshots s WHERE NOT EXISTS "
                        "(SELECT 1 FROM reports r WHERE r.snapshot_id = s.id)").fetchone()[0] == 0
    conn.close()


# --------------------------------------------------------------------------- Dask

def _comparable(digest) -> list[dict]:
    out = []
    for s in json.loads(render_digest(digest, "json"))["sources"]:
        for key in ("fetched_at", "failing_since", "last_success"):  # times of the runs
            s.pop(key, None)
        out.append(s)
    return out


@needs_versions
def test_dask_cluster_gives_the_same_digest(tmp_path, site):
    pytest.importorskip("dask.distributed", reason="Dask is optional: pip install 'terms-scan[dask]'")
    from dask.distributed import LocalCluster

    # two short histories (a formatting-only step and a changed one): xfinity (90 KB) cost 10 s here
    ids = ["sonic-policies", "google-one-tos", "broken"]
    local_dir, dask_dir = tmp_path / "local", tmp_path / "dask"
    local_dir.mkdir()
    dask_dir.mkdir()
    src_local = write_sources(local_dir, site, ids)
    src_dask = write_sources(dask_dir, site, ids)
    site.set("/broken", b"no", status=500, type="text/plain")
    for n in (1, 2):
        for i in ids[:2]:
            site.serve(i, n)
        local = run_watch(src_local, db=local_dir / "h.sqlite", workers=1)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        for n in (1, 2):
            for i in ids[:2]:
                site.serve(i, n)
            remote = run_watch(src_dask, db=dask_dir / "h.sqlite", scheduler=cluster.scheduler_address)
    assert statuses(remote) == {"sonic-policies": "formatting", "google-one-tos": "changed", "broken": "failed"}
    assert _comparable(remote) == _comparable(local)
    assert count_versions(dask_dir / "h.sqlite") == count_versions(local_dir / "h.sqlite") == 4


def test_dask_missing_scheduler_is_a_usage_error(tmp_path, site):
    pytest.importorskip("dask.distributed", reason="Dask is optional")
    sources = write_sources(tmp_path, site, ["haoka"])
    site.set("/haoka", AGREEMENT_V1.encode(), type="text/plain; charset=utf-8")
    with pytest.raises(StateError, match="cannot connect to the Dask scheduler"):
        run_watch(sources, db=tmp_path / "h.sqlite", scheduler="tcp://127.0.0.1:9", timeout=1.0)


def test_a_watched_pdf_keeps_its_pages_kind_and_sha256(tmp_path, pdf_maker):
    """watch encoded a PDF's extracted text back to bytes and rescanned it as plain text:
    every finding was on page 1 and the report said kind: text (issue 10)."""
    pdf = pdf_maker(["Service agreement. Page one says nothing costly at all here.",
                     "Page two: general information about our shops and opening hours.",
                     "Page three: the minimum term is 24 months. An early termination fee of $200 applies "
                     "if you cancel before the end of the minimum term."], name="plan.pdf")
    sources = tmp_path / "sources.yaml"
    sources.write_text("- id: plan\n  path: plan.pdf\n  lang: en\n", encoding="utf-8")
    db = tmp_path / "h.sqlite"
    digest = run_watch(sources, db=db, workers=1)
    assert [sd.status for sd in digest.sources] == ["new"]
    with History(db) as h:
        v = h.latest("plan")
    report = v.report
    assert report["document"]["kind"] == "pdf" and report["document"]["pages"] == 3
    assert report["document"]["sha256"] == hashlib.sha256(pdf.read_bytes()).hexdigest() == v.sha256
    pages = {f["category"]: f["location"]["page"] for f in report["findings"]}
    assert pages.get("lock_in") == 3 and pages.get("early_termination_fee") == 3
    # --rescan re-derives the same way: the same text and findings, so nothing new is recorded
    again = run_watch(sources, db=db, workers=1, rescan=True)
    assert [sd.status for sd in again.sources] == ["unchanged"]
    with History(db) as h:
        assert h.latest("plan").report["document"]["kind"] == "pdf"


def test_a_failed_source_is_in_the_feed_and_fails_the_run(tmp_path, capsys):
    """Issue 13, never silent: 11 of 12 sources failing exited 0 even with --fail-on-change, and
    failures were not in the feed. Now a failed source is an Atom entry and, with
    --fail-on-change (or --fail-on-error), the run exits 3; --no-fail-on-error keeps exit 0."""
    from analyzer.cli import main

    (tmp_path / "a.txt").write_text("本协议合约期为24个月，每月最低消费39元。提前解约须支付违约金300元。\n", encoding="utf-8")
    sources = tmp_path / "sources.yaml"
    sources.write_text("- id: here\n  path: a.txt\n- id: gone\n  path: missing.txt\n", encoding="utf-8")
    db, feed = tmp_path / "h.sqlite", tmp_path / "feed.xml"
    assert main(["watch", str(sources), "--db", str(db), "--workers", "1", "--feed", str(feed)]) == 0
    xml = feed.read_text(encoding="utf-8")
    assert "gone: could not be checked" in xml and "urn:terms-scan:gone:failed:" in xml
    capsys.readouterr()
    assert main(["watch", str(sources), "--db", str(db), "--workers", "1", "--fail-on-change"]) == 3
    err = capsys.readouterr().err
    assert "1 of 2 sources could not be checked (gone)" in err and err.count("\n") == 1
    assert main(["watch", str(sources), "--db", str(db), "--workers", "1", "--fail-on-error"]) == 3
    assert main(["watch", str(sources), "--db", str(db), "--workers", "1", "--fail-on-change",
                 "--no-fail-on-error"]) == 0


def test_json_and_diff_carry_the_whole_text_diff_and_the_digest_says_how_to_see_it(tmp_path, capsys):
    """Issue 13: the text diff was cut at 60 lines everywhere, `terms-scan diff` included, and in
    12 of 15 changed digests the cut hid material changes. Now JSON and `diff` carry all of it;
    the text and Markdown digests show 60 lines and the command that prints the rest."""
    from analyzer.cli import main

    src = tmp_path / "a.txt"
    v1 = "".join(f"第{i}条 本条为第{i}项普通约定，用户应遵守。\n" for i in range(1, 90))
    src.write_text("本协议合约期为12个月。\n" + v1, encoding="utf-8")
    sources = tmp_path / "sources.yaml"
    sources.write_text("- id: long\n  path: a.txt\n", encoding="utf-8")
    db = tmp_path / "h.sqlite"
    assert main(["watch", str(sources), "--db", str(db), "--workers", "1", "--format", "json"]) == 0
    v2 = "".join(f"第{i}条 本条为第{i}项普通约定（已修订），用户应遵守。\n" for i in range(1, 90))
    src.write_text("本协议合约期为24个月。\n" + v2, encoding="utf-8")
    capsys.readouterr()
    assert main(["watch", str(sources), "--db", str(db), "--workers", "1", "--format", "json"]) == 0
    item = json.loads(capsys.readouterr().out)["sources"][0]
    assert item["status"] == "changed" and "第89条" in item["text_diff"] and "more line" not in item["text_diff"]
    assert main(["diff", "long", "--from", "1", "--to", "2", "--db", str(db), "--format", "md"]) == 0
    full = capsys.readouterr().out
    assert "第89条" in full and "more line" not in full
    from analyzer.watch.digest import Digest, SourceDigest, render_digest

    sd = SourceDigest("long", "changed", version=2, previous_version=1, text_diff=item["text_diff"])
    md = render_digest(Digest((sd,)), "md")
    assert "more lines (all of it: terms-scan diff long --from 1 --to 2)" in md and "第89条" not in md


def test_the_feed_is_rolling_from_the_history_with_one_id_per_sources_file(tmp_path):
    """Issue 13: the Atom feed was overwritten each run with that run's changes (a missed poll
    lost them), had one id for every setup and no link for path: sources. Now it is built from
    the history (the newest changes of every source), its id depends on the sources file, and a
    path: source links to its file."""
    import xml.etree.ElementTree as ET

    from analyzer.cli import main

    atom = "{http://www.w3.org/2005/Atom}"
    doc = tmp_path / "a.txt"
    sources = tmp_path / "sources.yaml"
    sources.write_text("- id: plan\n  path: a.txt\n", encoding="utf-8")
    db, feed = tmp_path / "h.sqlite", tmp_path / "feed.xml"

    def run(text: str) -> list:
        doc.write_text(text, encoding="utf-8")
        assert main(["watch", str(sources), "--db", str(db), "--workers", "1", "--feed", str(feed),
                     "-o", str(tmp_path / "digest.txt")]) == 0
        return ET.fromstring(feed.read_text(encoding="utf-8")).findall(f"{atom}entry")

    run("本协议合约期为12个月。提前解约须支付违约金100元。\n")
    assert run("本协议合约期为24个月。提前解约须支付违约金100元。\n")  # a change: one entry
    entries = run("本协议合约期为24个月。提前解约须支付违约金100元。\n")  # nothing new this run
    assert [e.findtext(f"{atom}id") for e in entries] == ["urn:terms-scan:plan:2"]  # still in the feed
    entries = run("本协议合约期为36个月。提前解约须支付违约金100元。\n")
    assert [e.findtext(f"{atom}id") for e in entries] == ["urn:terms-scan:plan:3", "urn:terms-scan:plan:2"]
    assert entries[0].find(f"{atom}link").get("href") == doc.resolve().as_uri()
    root = ET.fromstring(feed.read_text(encoding="utf-8"))
    other = tmp_path / "other" / "sources.yaml"
    assert root.findtext(f"{atom}id").startswith("urn:terms-scan:feed:")
    from analyzer.watch.run import feed_id

    assert feed_id(sources) == root.findtext(f"{atom}id") != feed_id(other)


def test_consecutive_failures_are_counted_and_history_shows_the_last_success(tmp_path, capsys):
    """Issue 13, never silent: N failures in a row are flagged in the digest (loudly from 3) and
    `terms-scan history` shows the last success per source."""
    from analyzer.cli import main

    doc = tmp_path / "a.txt"
    doc.write_text("本协议合约期为24个月，每月最低消费39元。\n", encoding="utf-8")
    sources = tmp_path / "sources.yaml"
    sources.write_text("- id: plan\n  path: a.txt\n", encoding="utf-8")
    db = tmp_path / "h.sqlite"
    assert main(["watch", str(sources), "--db", str(db), "--workers", "1"]) == 0
    doc.unlink()
    for _ in range(3):
        main(["watch", str(sources), "--db", str(db), "--workers", "1"])
    out = capsys.readouterr().out
    assert "failed 3 runs in a row (since " in out and "check this source" in out
    digest = json.loads(_run_json(main, sources, db, capsys))
    item = digest["sources"][0]
    assert item["status"] == "failed" and item["failing_runs"] == 4 and item["last_success"]
    assert main(["history", "plan", "--db", str(db)]) == 0
    assert "last success: " in capsys.readouterr().out


def _run_json(main, sources, db, capsys) -> str:
    capsys.readouterr()
    main(["watch", str(sources), "--db", str(db), "--workers", "1", "--format", "json"])
    return capsys.readouterr().out


def test_notify_posts_the_digest_json_to_a_webhook(tmp_path, capsys):
    """Issue 13: `--notify URL` POSTs the digest JSON (a local server on 127.0.0.1 here); a
    webhook that fails is one line and exit 5, the digest is written anyway."""
    from analyzer.cli import main

    got: list[tuple[str, bytes]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append((self.headers["Content-Type"], body))
            self.send_response(200 if self.path == "/ok" else 500)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *a) -> None:
            pass

    server = serve(Hook)
    try:
        (tmp_path / "a.txt").write_text("本协议合约期为24个月，每月最低消费39元。\n", encoding="utf-8")
        sources = tmp_path / "sources.yaml"
        sources.write_text("- id: plan\n  path: a.txt\n", encoding="utf-8")
        base = f"http://127.0.0.1:{server.server_address[1]}"
        args = ["watch", str(sources), "--db", str(tmp_path / "h.sqlite"), "--workers", "1", "-o", str(tmp_path / "d.txt")]
        assert main([*args, "--notify", f"{base}/ok"]) == 0
        ctype, body = got[0]
        assert ctype == "application/json" and json.loads(body)["sources"][0]["id"] == "plan"
        capsys.readouterr()
        assert main([*args, "--notify", f"{base}/broken"]) == 5
        assert "could not notify" in capsys.readouterr().err and (tmp_path / "d.txt").exists()
        assert main([*args, "--notify", "file:///etc/passwd"]) == 2
    finally:
        server.shutdown()
