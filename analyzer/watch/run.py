"""One watch run: fetch every source, keep the versions that changed, report what changed.

    digest = run_watch(Path("corpora/sources.yaml"), db=Path("history.sqlite"))
    print(render_digest(digest, "md"))

Per source (``scan_source``, the unit of work that runs in a worker process or on Dask):
fetch, conditionally (the latest version's ETag / Last-Modified); a 304 or the same sha256 as
the latest version is *unchanged* and records nothing; otherwise extract the text and scan it.
Then, in the coordinator (``run_watch``; it alone writes the database, one transaction per
source, under the run lock):

- no earlier version: record it, status *new*;
- the same letters and digits as the latest text (layout, markup, numbering of headings):
  record it as kind "formatting", status *formatting*;
- the findings differ (``analyzer.watch.diff.diff_findings``: clauses added, removed, values
  changed, clauses reworded): record it as kind "changed", status *changed*;
- the text differs but the findings do not: recorded as "formatting" (status *formatting*;
  the JSON digest's ``text_diff`` still shows the changed sentences);
- anything failing (network, HTTP, unreadable content, a crash in a worker): status
  *failed* with a one-line error; the other sources go on, and nothing is recorded, so the
  next run retries it.

``rescan=True`` fetches nothing: it re-derives the text and findings of every stored version
with the current extractor and pattern library and records them as a *technical upgrade*
(status *upgraded*), so a new pattern is not reported as a change in the terms.

Work runs through ``analyzer.procs.run_parallel`` on ``workers`` forked processes, or, with
``scheduler="tcp://host:8786"``, on a Dask distributed cluster (``pip install
'terms-scan[dask]'``); results come back to the coordinator, which writes them.

Test hook: when the environment variable ``TERMS_SCAN_TEST_PAUSE_IN_TRANSACTION`` holds a
number of seconds, every version's transaction prints ``terms-scan-test: in transaction
<id> v<n>`` on stderr and sleeps that long before its COMMIT (the kill test uses it to
SIGKILL a run inside an open transaction). It is meant for tests only.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import TermsScanError, UsageError
from ..model import Finding
from ..procs import run_parallel
from .diff import diff_findings, is_formatting_only, number_changes, text_diff
from .diffpage import DiffPages, attach_pages
from .digest import Digest, SourceDigest, numbers_not_in
from .fetch import FetchResult, extract_text, fetch
from .history import History, Version, default_db_path
from .sources import WatchSource, load_sources
from .triage import material

TEST_PAUSE_ENV = "TERMS_SCAN_TEST_PAUSE_IN_TRANSACTION"


# --------------------------------------------------------------------------- units of work

@dataclass(frozen=True)
class ScanJob:
    """What a worker needs to process one source (picklable; no database access)."""

    source: WatchSource
    base_dir: str
    etag: str | None = None
    last_modified: str | None = None
    latest_sha256: str | None = None
    timeout: float = 20.0
    max_bytes: int = 20_000_000
    allow: tuple[str, ...] = ()      # folders a path: source may be read from besides base_dir


@dataclass(frozen=True)
class ScanResult:
    id: str
    status: str                      # fetched | not_modified | same | failed
    fetch: FetchResult | None = None
    sha256: str | None = None
    text: str | None = None
    report: dict[str, Any] | None = None
    error: str | None = None


@dataclass(frozen=True)
class RescanJob:
    source: WatchSource
    versions: tuple[tuple[int, bytes, str | None], ...]  # (version, raw bytes, content type)


@dataclass(frozen=True)
class RescanResult:
    id: str
    derived: tuple[tuple[int, str, dict[str, Any]], ...] = ()  # (version, text, report)
    errors: tuple[str, ...] = ()


def _one_line(err: BaseException) -> str:
    msg = " ".join(str(err).split())
    if isinstance(err, TermsScanError):
        return msg
    return f"internal error: {type(err).__name__}: {msg}" if msg else f"internal error: {type(err).__name__}"


def _scan(source: WatchSource, text: str, content: bytes | None = None, content_type: str | None = None) -> dict[str, Any]:
    """The report of one fetched version. A PDF is scanned from its own bytes, so findings
    keep their pages and the report its kind; any other kind is scanned from the extracted
    text (the CSS selection of an HTML page applied) under its real kind. Either way the
    report's sha256 is the snapshot's."""
    from dataclasses import replace

    from ..engine.extract import extract_bytes
    from ..engine.pipeline import default_scanner
    from .fetch import content_kind

    kind = content_kind(source, content, content_type) if content else "text"
    if content and kind in ("pdf", "docx"):  # (without content the kind is "text")
        doc = extract_bytes(content, source=source.id, kind=kind)
    else:
        doc = extract_bytes(text.encode("utf-8"), source.id, "text")
        if content:
            doc = replace(doc, kind=kind, sha256=hashlib.sha256(content).hexdigest())
    return default_scanner().scan_document(doc, source.lang).to_dict()


def scan_source(job: ScanJob) -> ScanResult:
    """Fetch, extract and scan one source (runs in a worker; never raises)."""
    src = job.source
    try:
        got = fetch(src, Path(job.base_dir), etag=job.etag, last_modified=job.last_modified,
                    timeout=job.timeout, max_bytes=job.max_bytes, allow=tuple(Path(a) for a in job.allow))
        if got.status == "failed":
            return ScanResult(src.id, "failed", got, error=got.error or "fetch failed")
        if got.status == "not_modified":
            return ScanResult(src.id, "not_modified", got)
        content = got.content or b""
        sha = hashlib.sha256(content).hexdigest()
        if sha == job.latest_sha256:
            return ScanResult(src.id, "same", replace(got, content=None), sha256=sha)
        text = extract_text(src, content, got.content_type)
        return ScanResult(src.id, "fetched", got, sha256=sha, text=text,
                          report=_scan(src, text, content, got.content_type))
    except Exception as err:  # one source's failure never stops the run
        return ScanResult(src.id, "failed", error=_one_line(err))


def rescan_source(job: RescanJob) -> RescanResult:
    """Re-derive text and findings of every stored version of one source (never raises)."""
    derived, errors = [], []
    for number, raw, content_type in job.versions:
        try:
            text = extract_text(job.source, raw, content_type)
            derived.append((number, text, _scan(job.source, text, raw, content_type)))
        except Exception as err:
            errors.append(f"version {number}: {_one_line(err)}")
    return RescanResult(job.source.id, tuple(derived), tuple(errors))


# --------------------------------------------------------------------------- executors

def _close_inherited_lock(lock_path: str | None) -> None:
    """In a forked worker (Linux): drop the copy of the run lock's descriptor (the lock belongs to
    the coordinator; a worker outliving a killed coordinator must not keep it held). Workers
    started by ``spawn`` inherit no descriptor."""
    if not lock_path or not os.path.isdir("/proc/self/fd"):
        return
    for name in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError, ValueError):
            if os.readlink(f"/proc/self/fd/{name}") == lock_path:
                os.close(int(name))


def _execute(fn: Callable[[Any], Any], jobs: list[Any], workers: int | None, scheduler: str | None,
             lock_path: str | None, connect_timeout: float = 20.0) -> Iterator[tuple[int, Any]]:
    """Run ``fn`` over ``jobs`` (procs.run_parallel); yield (index, result) as results arrive.
    Exceptions from a worker (a crashed process) are yielded as the exception object."""
    n = workers if workers is not None else min(len(jobs), os.cpu_count() or 1)
    if n < 1:
        raise UsageError(f"--workers must be at least 1, not {n}")
    if n > 1 and len(jobs) > 1 and not scheduler:
        from ..engine.pipeline import default_scanner

        default_scanner()  # compile the pattern library once; forked workers inherit it
    yield from run_parallel(fn, jobs, n, scheduler, initializer=_close_inherited_lock, initargs=(lock_path,),
                            connect_timeout=connect_timeout)


# --------------------------------------------------------------------------- the run

def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _test_pause_hook() -> Callable[[str, int], None] | None:
    value = os.environ.get(TEST_PAUSE_ENV)
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None

    def pause(source_id: str, version: int) -> None:
        print(f"terms-scan-test: in transaction {source_id} v{version}", file=sys.stderr, flush=True)
        time.sleep(seconds)

    return pause


def run_watch(sources_path: Path, db: Path | None = None, workers: int | None = None, rescan: bool = False,
              scheduler: str | None = None, timeout: float = 20.0, max_bytes: int = 20_000_000,
              allow: tuple[str | Path, ...] = (), deliver: Callable[[Digest], None] | None = None,
              pages: DiffPages | None = None) -> Digest:
    """One run over the sources listed in ``sources_path``; returns the digest. The database
    (default ``default_db_path()``) is written only here, one transaction per source version.

    ``deliver(digest)`` writes the digest where people read it (the CLI: the -o file and the
    feed). Only when it returns are the run's versions marked reported; if it raises (a full
    disk, a killed run), the next run reports them again. ``allow``: folders besides the sources
    file's own that ``path:`` sources may read. ``pages``: write an HTML diff page per
    reported version there, and link the digest to it."""
    sources_path = Path(sources_path)
    sources = load_sources(sources_path)
    if workers is not None and workers < 1:
        raise UsageError(f"--workers must be at least 1, not {workers}")
    if scheduler is not None and not scheduler.strip():
        raise UsageError("--scheduler needs an address such as tcp://127.0.0.1:8786")
    check_timeout(timeout)
    for a in allow:
        if not Path(a).expanduser().is_dir():
            raise UsageError(f"--allow-path {a}: not a folder")
    base_dir = str(sources_path.resolve().parent)
    history = History(Path(db) if db is not None else default_db_path())
    try:
        with history.lock():
            history.check_writable()
            history.before_commit = _test_pause_hook()
            if rescan:
                digests = _rescan(history, sources, workers, scheduler)
            else:
                digests = _watch(history, sources, base_dir, workers, scheduler, timeout, max_bytes,
                                 tuple(str(a) for a in allow))
            if pages is not None:
                digests = attach_pages(history, digests, pages)
            digest = Digest(tuple(digests), generated_at=_now())
            if deliver is not None:
                deliver(digest)
            for sd in digest.sources:
                if sd.status != "failed" and sd.version is not None:
                    history.mark_reported(sd.id, sd.version)
    finally:
        history.close()
    return digest


def check_timeout(timeout: float) -> None:
    """--timeout: a finite number of seconds, more than 0 and at most an hour."""
    import math

    if not isinstance(timeout, (int, float)) or not math.isfinite(timeout) or not 0 < timeout <= 3600:
        raise UsageError(f"--timeout must be a number of seconds above 0 and at most 3600, not {timeout}")


def _watch(history: History, sources: list[WatchSource], base_dir: str, workers: int | None,
           scheduler: str | None, timeout: float, max_bytes: int, allow: tuple[str, ...] = ()) -> list[SourceDigest]:
    jobs = []
    for src in sources:
        latest = history.latest(src.id)
        jobs.append(ScanJob(src, base_dir, latest.etag if latest else None, latest.last_modified if latest else None,
                            latest.sha256 if latest else None, timeout, max_bytes, allow))
    out: list[SourceDigest | None] = [None] * len(jobs)
    for i, result in _execute(scan_source, jobs, workers, scheduler, str(history.lock_path), timeout):
        src = sources[i]
        if isinstance(result, BaseException):
            result = ScanResult(src.id, "failed", error=_one_line(result))
        sd = _apply(history, src, result)
        history.record_check(src.id, sd.status != "failed", sd.error)
        if sd.status == "failed":
            runs, since, last_ok = history.check_status(src.id)
            sd = replace(sd, failing_runs=runs, failing_since=since, last_success=last_ok)
        out[i] = sd
    return [d for d in out if d is not None]


def _apply(history: History, src: WatchSource, res: ScanResult) -> SourceDigest:
    """Decide what a result means against the stored versions, record it, and describe it
    against the last version a written digest reported: versions recorded by a run whose
    digest was never written (killed, a full disk) are reported now, not lost as "unchanged"."""
    url = src.url or (res.fetch.url if res.fetch else None) or src.path
    common: dict[str, Any] = {"url": url, "name": src.name,
                              "fetched_at": res.fetch.fetched_at if res.fetch and res.fetch.fetched_at else None}
    latest = history.latest(src.id)
    base = latest if latest is None or latest.reported else history.last_reported(src.id)
    if res.status == "failed":
        return SourceDigest(src.id, "failed", version=latest.version if latest else None,
                            error=res.error or "failed", **common)
    if res.status in ("not_modified", "same") or (latest is not None and latest.sha256 == res.sha256):
        assert latest is not None or res.status == "not_modified"
        if latest is None or latest.reported:
            return SourceDigest(src.id, "unchanged", version=latest.version if latest else None, **common)
        return describe_version(src.id, base, latest, common)
    assert res.fetch is not None and res.text is not None and res.report is not None
    findings = [Finding.from_dict(f) for f in res.report.get("findings") or ()]
    if latest is None:
        kind = "new"
    elif is_formatting_only(latest.text, res.text):
        kind = "formatting"
    else:
        d = diff_findings(latest.findings, findings, res.text)
        numbers = numbers_not_in(tuple(number_changes(latest.text, res.text)), d.changed)
        kind = "changed" if material(d.added, d.removed, d.changed, numbers) else "formatting"
    v = history.record(src.id, res.fetch, res.text, res.report, kind)
    return describe_version(src.id, base, v, common)


def describe_version(source_id: str, base: Version | None, v: Version, common: dict[str, Any]) -> SourceDigest:
    """The digest item for ``v`` against ``base``, the last reported version (None: never reported)."""
    if v.report.get("complete") is False:
        common = {**common, "incomplete": v.report.get("incomplete") or "the scan did not finish"}
    if base is None:
        return SourceDigest(source_id, "new", version=v.version, added=tuple(v.findings), **common)
    if base.sha256 == v.sha256:
        return SourceDigest(source_id, "unchanged", version=v.version, **common)
    if is_formatting_only(base.text, v.text):
        return SourceDigest(source_id, "formatting", version=v.version, previous_version=base.version, **common)
    d = diff_findings(base.findings, v.findings, v.text)
    numbers = numbers_not_in(tuple(number_changes(base.text, v.text)), d.changed)
    return SourceDigest(source_id, "changed" if material(d.added, d.removed, d.changed, numbers) else "formatting",
                        version=v.version,
                        previous_version=base.version, added=d.added, removed=d.removed,
                        changed=d.changed, text_diff=text_diff(base.text, v.text), numbers=numbers, **common)


FEED_ENTRIES = 50  # the rolling feed: the newest changes of every source, from the history


def feed_digest(db: Path | str, sources_path: Path, current: Digest, limit: int = FEED_ENTRIES,
                pages: DiffPages | None = None) -> Digest:
    """The Atom feed's content: the newest ``limit`` versions, over every source in the history,
    that changed the terms (each described against the version before it), plus this run's
    failed sources. Built from the database, so a feed reader that missed a poll still finds a
    change in the next feed (the feed was overwritten with one run's changes)."""
    sources = {s.id: s for s in load_sources(Path(sources_path))}
    items: list[SourceDigest] = []
    with History(Path(db)) as history:
        for source_id in history.source_ids():
            src = sources.get(source_id)
            versions = history.versions(source_id)
            for prev, v in zip(versions, versions[1:], strict=False):
                if v.kind != "changed":
                    continue
                common: dict[str, Any] = {"url": v.url or (src.url if src else None),
                                          "name": src.name if src else None, "fetched_at": v.fetched_at}
                sd = describe_version(source_id, prev, v, common)
                if sd.status == "changed":
                    items.append(sd)
        items.sort(key=lambda sd: (sd.fetched_at or "", sd.version or 0), reverse=True)
        items = items[:limit]
        if pages is not None:
            items = attach_pages(history, items, pages)
    failed = [sd for sd in current.sources if sd.status == "failed"]
    return Digest(tuple(failed + items), current.generated_at)


def feed_id(sources_path: Path) -> str:
    """One feed id per sources file (the feed of two setups never collide in a reader)."""
    key = hashlib.sha256(str(Path(sources_path).resolve()).encode("utf-8")).hexdigest()[:16]
    return f"urn:terms-scan:feed:{key}"


def _same_findings(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Do two reports of one text have the same findings and protections (whatever tool made them)?"""
    def key(r: dict[str, Any]) -> str:
        return json.dumps([r.get("findings") or [], r.get("protections") or []], sort_keys=True, ensure_ascii=False)
    return key(a) == key(b)


def _rescan(history: History, sources: list[WatchSource], workers: int | None,
            scheduler: str | None) -> list[SourceDigest]:
    jobs: list[RescanJob] = []
    stored: dict[str, list[Version]] = {}
    for src in sources:
        versions = history.versions(src.id)
        stored[src.id] = versions
        jobs.append(RescanJob(src, tuple((v.version, v.raw(), v.content_type) for v in versions)))
    out: list[SourceDigest | None] = [None] * len(jobs)
    for i, result in _execute(rescan_source, jobs, workers, scheduler, str(history.lock_path)):
        src = sources[i]
        versions = stored[src.id]
        common: dict[str, Any] = {"url": src.url or src.path, "name": src.name}
        if isinstance(result, BaseException):
            result = RescanResult(src.id, (), (_one_line(result),))
        if not versions:
            out[i] = SourceDigest(src.id, "unchanged", **common)
            continue
        by_number = {v.version: v for v in versions}
        recorded = 0
        for number, text, report in result.derived:
            old = by_number.get(number)
            if old is not None and old.text == text and _same_findings(old.report, report):
                continue  # nothing new to keep: a rescan that changes nothing records nothing
            history.record_rescan(src.id, number, text, report)
            recorded += 1
        if result.errors:
            out[i] = SourceDigest(src.id, "failed", version=versions[-1].version,
                                  error="rescan: " + "; ".join(result.errors), **common)
            continue
        before = versions[-1]
        after = history.latest(src.id)
        assert after is not None
        if not recorded:
            out[i] = SourceDigest(src.id, "unchanged", version=after.version, **common)
            continue
        d = diff_findings(before.findings, after.findings, after.text)
        out[i] = SourceDigest(src.id, "upgraded", version=after.version, added=d.added,
                              removed=d.removed, changed=d.changed,
                              text_diff=text_diff(before.text, after.text) if before.text != after.text else "",
                              **common)
    return [d for d in out if d is not None]

