"""The history of watched agreements: every version's raw snapshot, text and findings (SQLite).

    history = History(default_db_path())
    with history.lock():                       # one watch run at a time on one database
        latest = history.latest("unicom-guangzhou")
        history.record("unicom-guangzhou", fetch_result, text, report_dict, kind="changed")

Tables (schema version in ``schema_version``):

- ``sources``: one row per watched id (first seen, last URL).
- ``snapshots``: one row per recorded version; ``version`` counts 1, 2, 3… per source
  (``UNIQUE(source_id, version)``), the raw bytes zlib-compressed with their sha256, the HTTP
  metadata (URL, status, Content-Type, ETag, Last-Modified), ``fetched_at`` and ``kind``:
  new, changed (the terms changed) or formatting (only the rendering changed).
- ``texts``: the text extracted from a snapshot, with the extractor version that made it.
- ``reports``: the scan of a text as JSON (``terms-scan/report@1``) with the tool, pattern and
  extractor versions; ``technical_upgrade`` = 1 for a re-derivation by ``watch --rescan``
  (a new extractor or pattern library, not a change in the terms). The newest text and
  report of a snapshot are its current ones; older ones are kept.

Everything one version needs is written in ONE transaction (``BEGIN IMMEDIATE`` … ``COMMIT``),
and the version number is taken inside it, so a run killed at any point leaves either the
whole version or nothing, and a version can never be recorded twice. The database runs in
WAL mode, so ``terms-scan history`` can read while a run writes.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import StateError, UsageError
from ..model import Finding

SCHEMA_VERSION = 3  # 2: snapshots.reported (a version counts as reported once its digest is written)
#                   3: checks (every run's outcome per source: consecutive failures, last success)
KINDS = ("new", "changed", "formatting")
KEEP_CHECKS = 100  # run checks kept per source by prune (besides those since its last success)


@dataclass(frozen=True)
class PruneResult:
    texts: int           # superseded texts dropped
    reports: int         # superseded reports dropped
    checks: int          # old run checks dropped
    repacked: int        # plain rows of an older database compressed
    snapshots: int       # raw snapshots, all kept
    bytes_before: int
    bytes_after: int


_SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sources (
    id          TEXT PRIMARY KEY,
    url         TEXT,
    first_seen  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshots (
    id            INTEGER PRIMARY KEY,
    source_id     TEXT NOT NULL REFERENCES sources(id),
    version       INTEGER NOT NULL CHECK (version >= 1),
    fetched_at    TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('new', 'changed', 'formatting')),
    sha256        TEXT NOT NULL,
    size          INTEGER NOT NULL,
    raw           BLOB NOT NULL,          -- zlib-compressed bytes as fetched
    url           TEXT,
    http_status   INTEGER,
    content_type  TEXT,
    etag          TEXT,
    last_modified TEXT,
    reported      INTEGER NOT NULL DEFAULT 1,  -- 0 until a digest that reports it was written
    UNIQUE (source_id, version)
);
CREATE TABLE IF NOT EXISTS texts (
    id                INTEGER PRIMARY KEY,
    snapshot_id       INTEGER NOT NULL REFERENCES snapshots(id),
    extractor_version TEXT NOT NULL,
    text              TEXT NOT NULL,
    created_at        TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS reports (
    id                INTEGER PRIMARY KEY,
    snapshot_id       INTEGER NOT NULL REFERENCES snapshots(id),
    text_id           INTEGER NOT NULL REFERENCES texts(id),
    report            TEXT NOT NULL,      -- JSON, schema terms-scan/report@1
    findings          INTEGER NOT NULL,
    tool_version      TEXT NOT NULL,
    patterns_version  TEXT NOT NULL,
    extractor_version TEXT NOT NULL,
    technical_upgrade INTEGER NOT NULL DEFAULT 0,
    created_at        TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS checks (
    id         INTEGER PRIMARY KEY,
    source_id  TEXT NOT NULL,
    checked_at TEXT NOT NULL,
    ok         INTEGER NOT NULL,          -- 1: fetched and scanned (changed or not), 0: failed
    error      TEXT
);
CREATE INDEX IF NOT EXISTS checks_source ON checks(source_id, id);
CREATE INDEX IF NOT EXISTS texts_snapshot ON texts(snapshot_id);
CREATE INDEX IF NOT EXISTS reports_snapshot ON reports(snapshot_id);
"""


def default_db_path() -> Path:
    """``<user data dir>/terms-scan/history.sqlite`` (platformdirs), e.g.
    ~/.local/share/terms-scan/history.sqlite on Linux."""
    import platformdirs

    return Path(platformdirs.user_data_dir("terms-scan", appauthor=False)) / "history.sqlite"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Version:
    """One recorded version of a source, with its current text and report."""

    source_id: str
    version: int
    fetched_at: str
    sha256: str
    kind: str
    text: str
    report: dict[str, Any]
    tool_version: str
    patterns_version: str
    extractor_version: str
    etag: str | None = None
    last_modified: str | None = None
    http_status: int | None = None
    url: str | None = None
    content_type: str | None = None
    technical_upgrade: bool = False  # the current report comes from a --rescan
    size: int = 0
    _raw_z: bytes = field(default=b"", repr=False, compare=False)
    reported: bool = True            # False until a digest reporting it has been written

    def raw(self) -> bytes:
        """The bytes as fetched."""
        return zlib.decompress(self._raw_z) if self._raw_z else b""

    @property
    def findings(self) -> tuple[Finding, ...]:
        """The version's findings as typed objects (read back from the stored report)."""
        return tuple(Finding.from_dict(f) for f in self.report.get("findings") or ())


class History:
    """The SQLite history database (created with its schema when missing)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        # a hook for tests (see analyzer.watch.run): called inside the transaction, before COMMIT
        self.before_commit: Callable[[str, int], None] | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(str(self.path), timeout=30.0, isolation_level=None)
        except (OSError, sqlite3.Error) as err:
            raise StateError(f"cannot open the history database {self.path}: {err}") from err
        try:
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self._create_schema()
        except sqlite3.DatabaseError as err:
            self.conn.close()
            msg = str(err)
            if "not a database" in msg or "malformed" in msg or "no such" in msg:
                raise StateError(f"{self.path}: not a terms-scan history database ({err})") from err
            # a read-only file or folder, a locked or full disk: the database may be fine
            raise StateError(f"cannot use the history database {self.path}: {err} "
                             "(check the file's and its folder's permissions and the free space)") from err

    # -- setup ------------------------------------------------------------------------------

    def _create_schema(self) -> None:
        with self._transaction():
            # statement by statement: executescript() would COMMIT the open transaction first
            for statement in _SCHEMA.split(";"):
                sql = "\n".join(line.split("--")[0] for line in statement.splitlines()).strip()
                if sql:
                    self.conn.execute(sql)
            row = self.conn.execute("SELECT max(version) FROM schema_version").fetchone()
            if row[0] is None:
                self.conn.execute("INSERT INTO schema_version(version) VALUES (?)", (SCHEMA_VERSION,))
            elif row[0] > SCHEMA_VERSION:
                raise StateError(f"{self.path}: made by a newer terms-scan (history schema {row[0]}, "
                                 f"this one reads {SCHEMA_VERSION}); upgrade terms-scan")
            elif row[0] < SCHEMA_VERSION:
                self._migrate(row[0])

    def _migrate(self, found: int) -> None:
        """Bring an older database up to SCHEMA_VERSION (inside the schema transaction)."""
        if found < 2:  # versions recorded before 2 were all reported by the run that made them
            cols = {r[1] for r in self.conn.execute("PRAGMA table_info(snapshots)")}
            if "reported" not in cols:
                self.conn.execute("ALTER TABLE snapshots ADD COLUMN reported INTEGER NOT NULL DEFAULT 1")
        # 3: the checks table is created by _SCHEMA (CREATE TABLE IF NOT EXISTS); earlier runs' outcomes are unknown
        self.conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT (ROLLBACK on any error): all or nothing."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- the run lock -----------------------------------------------------------------------

    @property
    def lock_path(self) -> Path:
        # beside the real file: two runs through a symlink and its target share one lock
        return Path(str(self.path.resolve()) + ".lock")

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the exclusive run lock (``<db>.lock``, through the portable ``filelock``: flock
        on POSIX, msvcrt locking on Windows) for the block; raises StateError at once when
        another run holds it. The system releases it when the process dies, so a killed run
        never leaves a stale lock."""
        from filelock import FileLock, Timeout

        lock = FileLock(self.lock_path, timeout=0, mode=0o644, thread_local=False)
        try:
            lock.acquire()
        except Timeout as err:
            raise StateError(f"another terms-scan watch run holds the lock on {self.path} "
                             f"(lock file {self.lock_path}); try again when it has finished") from err
        except OSError as err:
            raise StateError(f"cannot create the lock file {self.lock_path}: {err.strerror or err}") from err
        try:
            yield
        finally:
            lock.release()

    # -- reading ----------------------------------------------------------------------------

    _SELECT = """
        SELECT s.source_id, s.version, s.fetched_at, s.sha256, s.kind, t.text, r.report,
               r.tool_version, r.patterns_version, r.extractor_version, s.etag, s.last_modified,
               s.http_status, s.url, s.content_type, r.technical_upgrade, s.size, s.raw, s.reported
        FROM snapshots s
        JOIN reports r ON r.id = (SELECT max(id) FROM reports WHERE snapshot_id = s.id)
        JOIN texts t ON t.id = r.text_id
    """

    @staticmethod
    def _version(row: tuple[Any, ...]) -> Version:
        return Version(source_id=row[0], version=row[1], fetched_at=row[2], sha256=row[3], kind=row[4],
                       text=unpack(row[5]), report=json.loads(unpack(row[6])), tool_version=row[7], patterns_version=row[8],
                       extractor_version=row[9], etag=row[10], last_modified=row[11], http_status=row[12],
                       url=row[13], content_type=row[14], technical_upgrade=bool(row[15]), size=row[16],
                       _raw_z=row[17], reported=bool(row[18]))

    def latest(self, source_id: str) -> Version | None:
        row = self.conn.execute(self._SELECT + " WHERE s.source_id = ? ORDER BY s.version DESC LIMIT 1",
                                (source_id,)).fetchone()
        return self._version(row) if row else None

    def last_reported(self, source_id: str) -> Version | None:
        """The newest version some written digest has reported (the base of the next report)."""
        row = self.conn.execute(self._SELECT + " WHERE s.source_id = ? AND s.reported = 1 "
                                "ORDER BY s.version DESC LIMIT 1", (source_id,)).fetchone()
        return self._version(row) if row else None

    def mark_reported(self, source_id: str, version: int) -> None:
        """Versions up to ``version`` of a source are now in a written digest."""
        with self._transaction():
            self.conn.execute("UPDATE snapshots SET reported = 1 WHERE source_id = ? AND version <= ? "
                              "AND reported = 0", (source_id, int(version)))

    def check_writable(self) -> None:
        """Fail now, before anything is fetched, when the database cannot be written
        (a read-only file or folder, a full disk)."""
        try:
            with self._transaction():
                self.conn.execute("UPDATE schema_version SET version = version")
        except sqlite3.Error as err:
            raise StateError(f"cannot write the history database {self.path}: {err} "
                             "(check the file's and its folder's permissions and the free space)") from err

    def record_check(self, source_id: str, ok: bool, error: str | None = None) -> None:
        """One run's outcome for a source (kept to tell a watch that keeps failing)."""
        with self._transaction():
            self.conn.execute("INSERT INTO checks(source_id, checked_at, ok, error) VALUES (?, ?, ?, ?)",
                              (source_id, _now(), 1 if ok else 0, error))

    def check_status(self, source_id: str) -> tuple[int, str | None, str | None]:
        """(failures in a row up to the latest check, when the first of them was, the last success)."""
        rows = self.conn.execute("SELECT checked_at, ok FROM checks WHERE source_id = ? ORDER BY id DESC",
                                 (source_id,)).fetchall()
        failures, since = 0, None
        for at, ok in rows:
            if ok:
                break
            failures, since = failures + 1, at
        last_ok = next((at for at, ok in rows if ok), None)
        return failures, since, last_ok

    def versions(self, source_id: str) -> list[Version]:
        rows = self.conn.execute(self._SELECT + " WHERE s.source_id = ? ORDER BY s.version",
                                 (source_id,)).fetchall()
        return [self._version(r) for r in rows]

    def get(self, source_id: str, version: int) -> Version:
        row = self.conn.execute(self._SELECT + " WHERE s.source_id = ? AND s.version = ?",
                                (source_id, int(version))).fetchone()
        if row is None:
            known = [r[0] for r in self.conn.execute(
                "SELECT version FROM snapshots WHERE source_id = ? ORDER BY version", (source_id,))]
            if not known:
                raise UsageError(f"no history for {source_id!r} in {self.path}")
            raise UsageError(f"{source_id!r} has no version {version} (versions {_ranges(known)})")
        return self._version(row)

    def source_ids(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT id FROM sources ORDER BY id")]

    def count(self, source_id: str | None = None) -> int:
        """How many versions are recorded (of one source, or in all)."""
        if source_id is None:
            n: int = self.conn.execute("SELECT count(*) FROM snapshots").fetchone()[0]
        else:
            n = self.conn.execute("SELECT count(*) FROM snapshots WHERE source_id = ?", (source_id,)).fetchone()[0]
        return n

    # -- writing ----------------------------------------------------------------------------

    def record(self, source_id: str, fetch: Any, text: str, report: dict[str, Any], kind: str) -> Version:
        """Record a new version: snapshot, text and report in ONE transaction; returns it.
        ``fetch`` is an ``analyzer.watch.fetch.FetchResult`` with ``status == "ok"``."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        from .fetch import EXTRACTOR_VERSION

        content: bytes = fetch.content or b""
        sha = hashlib.sha256(content).hexdigest()
        raw_z = zlib.compress(content, 9)
        fetched_at = fetch.fetched_at or _now()
        tool_version, patterns_version = _report_versions(report)
        report_json = pack(json.dumps(report, ensure_ascii=False, sort_keys=False))
        now = _now()
        with self._transaction():
            c = self.conn
            c.execute("INSERT INTO sources(id, url, first_seen) VALUES (?, ?, ?) "
                      "ON CONFLICT(id) DO UPDATE SET url = excluded.url", (source_id, fetch.url, now))
            number = c.execute("SELECT coalesce(max(version), 0) + 1 FROM snapshots WHERE source_id = ?",
                               (source_id,)).fetchone()[0]
            snap = c.execute(
                "INSERT INTO snapshots(source_id, version, fetched_at, kind, sha256, size, raw, url, http_status,"
                " content_type, etag, last_modified, reported) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                (source_id, number, fetched_at, kind, sha, len(content), raw_z, fetch.url, fetch.http_status,
                 fetch.content_type, fetch.etag, fetch.last_modified)).lastrowid
            text_id = c.execute("INSERT INTO texts(snapshot_id, extractor_version, text, created_at) "
                                "VALUES (?, ?, ?, ?)", (snap, EXTRACTOR_VERSION, pack(text), now)).lastrowid
            c.execute("INSERT INTO reports(snapshot_id, text_id, report, findings, tool_version, patterns_version,"
                      " extractor_version, technical_upgrade, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)",
                      (snap, text_id, report_json, len(report.get("findings") or []), tool_version,
                       patterns_version, EXTRACTOR_VERSION, now))
            if self.before_commit is not None:
                self.before_commit(source_id, number)
        return Version(source_id=source_id, version=number, fetched_at=fetched_at, sha256=sha, kind=kind,
                       text=text, report=report, tool_version=tool_version, patterns_version=patterns_version,
                       extractor_version=EXTRACTOR_VERSION, etag=fetch.etag, last_modified=fetch.last_modified,
                       http_status=fetch.http_status, url=fetch.url, content_type=fetch.content_type,
                       size=len(content), _raw_z=raw_z, reported=False)

    def record_rescan(self, source_id: str, version: int, text: str, report: dict[str, Any]) -> None:
        """Record a re-derived text and report of a stored version (``watch --rescan``): a
        technical upgrade, not a new version. One transaction; earlier derivations are kept."""
        from .fetch import EXTRACTOR_VERSION

        tool_version, patterns_version = _report_versions(report)
        now = _now()
        with self._transaction():
            row = self.conn.execute("SELECT id FROM snapshots WHERE source_id = ? AND version = ?",
                                    (source_id, int(version))).fetchone()
            if row is None:
                raise UsageError(f"{source_id!r} has no version {version} to rescan")
            text_id = self.conn.execute("INSERT INTO texts(snapshot_id, extractor_version, text, created_at) "
                                        "VALUES (?, ?, ?, ?)", (row[0], EXTRACTOR_VERSION, pack(text), now)).lastrowid
            self.conn.execute(
                "INSERT INTO reports(snapshot_id, text_id, report, findings, tool_version, patterns_version,"
                " extractor_version, technical_upgrade, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)",
                (row[0], text_id, pack(json.dumps(report, ensure_ascii=False)), len(report.get("findings") or []),
                 tool_version, patterns_version, EXTRACTOR_VERSION, now))
            if self.before_commit is not None:
                self.before_commit(source_id, int(version))

    # -- pruning ----------------------------------------------------------------------------

    def prune(self, keep_checks: int = KEEP_CHECKS) -> PruneResult:
        """Drop what is no longer read and can be made again, keep every raw snapshot: the
        superseded derivations of each snapshot (the texts and reports a ``--rescan`` replaced;
        the current ones stay), run checks older than the newest ``keep_checks`` of a source
        (never those since its last success, which say how long it has been failing), and
        compress rows an older database stored plain. One transaction, then VACUUM; hold the
        run lock around it."""
        if keep_checks < 1:
            raise UsageError(f"keep at least 1 check per source, not {keep_checks}")
        before = self._size()
        with self._transaction():
            reports = self.conn.execute(
                "DELETE FROM reports WHERE id NOT IN (SELECT max(id) FROM reports GROUP BY snapshot_id)").rowcount
            texts = self.conn.execute("DELETE FROM texts WHERE id NOT IN (SELECT text_id FROM reports)").rowcount
            checks = self.conn.execute(
                """DELETE FROM checks WHERE id IN (
                       SELECT c.id FROM (SELECT id, source_id,
                                                row_number() OVER (PARTITION BY source_id ORDER BY id DESC) AS rn
                                         FROM checks) c
                       WHERE c.rn > ? AND c.id < coalesce(
                           (SELECT max(id) FROM checks k WHERE k.source_id = c.source_id AND k.ok = 1), 0))""",
                (keep_checks,)).rowcount
            repacked = 0
            for table, column in (("texts", "text"), ("reports", "report")):
                rows = self.conn.execute(f"SELECT id, {column} FROM {table} WHERE typeof({column}) = 'text'").fetchall()
                for row_id, value in rows:
                    self.conn.execute(f"UPDATE {table} SET {column} = ? WHERE id = ?", (pack(value), row_id))
                repacked += len(rows)
        self.conn.execute("VACUUM")
        snapshots = self.conn.execute("SELECT count(*) FROM snapshots").fetchone()[0]
        return PruneResult(texts, reports, checks, repacked, snapshots, before, self._size())

    def _size(self) -> int:
        """Bytes the database holds (its pages; the WAL is checkpointed first)."""
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages: int = self.conn.execute("PRAGMA page_count").fetchone()[0]
        size: int = self.conn.execute("PRAGMA page_size").fetchone()[0]
        return pages * size

    def integrity_check(self) -> str:
        result: str = self.conn.execute("PRAGMA integrity_check").fetchone()[0]
        return result


_PACKED = b"tsz1"  # a zlib-compressed text or report (rows written before compression are plain TEXT)


def pack(text: str) -> bytes:
    """A text or a report JSON as stored: zlib-compressed (level 6) behind a 4-byte marker; the
    database was 2.3-5.2x the size of the versions it kept."""
    return _PACKED + zlib.compress(text.encode("utf-8"), 6)


def unpack(value: str | bytes) -> str:
    """A stored text or report: compressed rows and the plain rows of older databases alike."""
    if isinstance(value, bytes):
        if value.startswith(_PACKED):
            return zlib.decompress(value[len(_PACKED):]).decode("utf-8")
        return value.decode("utf-8")
    return value


def _report_versions(report: dict[str, Any]) -> tuple[str, str]:
    tool = report.get("tool") or {}
    if not tool.get("version"):
        from .. import __version__

        return __version__, str(tool.get("patterns") or "")
    return str(tool.get("version")), str(tool.get("patterns") or "")


def _ranges(numbers: list[int]) -> str:
    if not numbers:
        return "none"
    return f"{numbers[0]}–{numbers[-1]}" if len(numbers) > 1 else str(numbers[0])
