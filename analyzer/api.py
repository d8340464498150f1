"""The Python API: ``analyzer.scan`` and ``analyzer.scan_many`` (re-exported by ``analyzer``),
and the notebook helpers behind ``Report.to_frame`` and ``Report._repr_html_``.

Both functions run the pipeline the command line runs (``analyzer.engine.pipeline.Scanner``). The
pattern library is compiled once per process and per set of pattern directories, and kept:
a second ``scan`` in the same interpreter (or Jupyter kernel) does no loading at all.

    import analyzer
    report = analyzer.scan("…pasted agreement text…")      # str: the text itself
    report = analyzer.scan(Path("agreement.pdf"), lang="zh")  # Path (or a str naming a file)
    for path, result in analyzer.scan_many(paths):          # one process per core
        if isinstance(result, Exception): print(path, result); continue
        print(path, result.summary.verdict.grade)

Errors are typed (``analyzer.InputError``, ``UsageError``, ``PatternError``; all
``TermsScanError``) and carry the message the command line prints after ``terms-scan:``.
"""
from __future__ import annotations

import os
import pickle
import re
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError, UsageError
from .model import Document

if TYPE_CHECKING:  # pragma: no cover
    from .engine.pipeline import Scanner
    from .model import Report

# A one-line string ending in one of these (and not naming an existing file) is taken for a
# mistyped path rather than for agreement text: scanning "agreemnt.pdf" as text would give an
# empty report instead of saying that the file is missing.
_PATH_LIKE = re.compile(r"^[^\n\r。；;，,]{1,255}\.(?:pdf|docx|txt|text|md|markdown|html?|xhtml|png|jpe?g|webp|bmp|tiff?|gif)$", re.I)

_scanners: dict[tuple[tuple[str, ...], bool | None], Scanner] = {}


def _scanner(patterns: Iterable[str | os.PathLike[str]] = (), model: bool | None = None) -> Scanner:
    """The process's scanner for these extra pattern directories, with or without the sentence
    model (created once, then kept)."""
    from .engine.pipeline import Scanner, default_scanner

    dirs = tuple(str(Path(p)) for p in patterns)
    if not dirs and model is None:
        scanner = default_scanner()
    else:
        if (dirs, model) not in _scanners:
            _scanners[(dirs, model)] = Scanner(dirs, model=model)
        scanner = _scanners[(dirs, model)]
    _warm(scanner, ("zh", "en"))
    return scanner


def _warm(scanner: Scanner, langs: Iterable[str]) -> None:
    """Compile every regex of the patterns for these languages, once per scanner.

    The library compiles a validated pattern file's regexes lazily, when a document first
    needs one (``patterns.LazyRegex``), which suits a one-shot command line. In a notebook
    the same laziness would make later scans compile what earlier ones did not need (the
    first document with a few English words compiles the English patterns), so the API
    compiles the whole library on first use and keeps it: later scans compile nothing."""
    done: set[str] = scanner.__dict__.setdefault("_api_warm_langs", set())
    todo = set(langs) - done
    if not todo:
        return
    scanner.warm(langs=sorted(todo))
    done |= todo


def _check_lang(lang: str | None) -> None:
    if lang not in (None, "zh", "en"):
        raise UsageError(f"unknown language {lang!r}: use zh or en")


def _as_path(source: str) -> Path | None:
    """A str names a file when it is one line and that file exists (``~`` expanded)."""
    if "\n" in source or "\r" in source or not source.strip() or len(source) > 1024:
        return None
    try:
        p = Path(source).expanduser()
        if p.is_file():
            return p
    except (OSError, ValueError, RuntimeError):  # RuntimeError: "~name" with no such user
        return None
    if _PATH_LIKE.match(source.strip()):
        raise InputError(f"{source}: no such file")
    return None


def scan(source: str | os.PathLike[str] | bytes | Document | list[str | os.PathLike[str]], lang: str | None = None,
         kind: str | None = None, *, patterns: Iterable[str | os.PathLike[str]] = (), model: bool | None = None) -> Report:
    """Scan one agreement and return its ``Report``.

    ``source``
        a ``Path`` (or any ``os.PathLike``): the file is read (PDF, Word .docx, text, Markdown, HTML,
        or an image read by OCR with the ``[ocr]`` extra);
        a ``str``: the agreement text itself, unless it is a single line naming an existing
        file (then that file is read; a single line ending in ``.pdf``/``.txt``/``.md``/
        ``.html`` that names no file raises ``InputError("…: no such file")``); pass a
        ``Path`` to be explicit;
        ``bytes``: the raw content of a file (encoding and kind are detected);
        a ``list`` of paths: the pages of ONE agreement, in order (screenshots: image N is page N);
        a ``Document`` already extracted (``analyzer.engine.extract``).
    ``lang``
        the document's language, ``"zh"`` or ``"en"`` (detected when None).
    ``kind``
        ``"pdf"``, ``"docx"``, ``"image"``, ``"text"``, ``"markdown"`` or ``"html"`` (detected when None).
    ``patterns``
        extra pattern directories, as ``terms-scan --patterns DIR``.
    ``model``
        the sentence model beside the patterns (``engine/modeldetect``). ``None`` (default): it
        vetoes the patterns' findings it reads as very unlikely and adds its own in the few
        categories where that was measured to help; ``True`` (``terms-scan --model``): its
        findings in every category, more clauses found where the wording is new to the
        patterns and more false alarms; ``False`` (``--no-model``): the patterns alone.

    Raises ``InputError`` (unreadable, empty or unsupported input), ``UsageError`` (a bad
    argument), ``PatternError`` (a malformed pattern file); the messages are the CLI's.
    """
    _check_lang(lang)
    scanner = _scanner(patterns, model)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return scanner.scan_bytes(bytes(source), "<bytes>", lang, kind)
    if isinstance(source, str):
        path = _as_path(source)
        if path is not None:
            return scanner.scan_path(path, lang, kind)
        if kind not in (None, "text"):
            return scanner.scan_bytes(source.encode("utf-8"), "<text>", lang, kind)
        return scanner.scan_text(source, lang=lang)
    if isinstance(source, os.PathLike):
        return scanner.scan_path(Path(os.fspath(source)).expanduser(), lang, kind)
    if isinstance(source, Document):
        return scanner.scan_document(source, lang)
    if isinstance(source, (list, tuple)) and source and all(isinstance(x, (str, os.PathLike)) for x in source):
        from .engine.extract import extract_paths

        return scanner.scan_document(extract_paths([Path(os.fspath(x)).expanduser() for x in source], kind), lang)
    raise UsageError(f"scan() takes text, a path or bytes, not {type(source).__name__}")


# --------------------------------------------------------------------------- scan_many

def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, else ``os.cpu_count()``)."""
    from .procs import cores

    return cores()


def _picklable(err: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(err))
        return err
    except Exception:  # an exception that cannot cross a process boundary
        return RuntimeError(f"internal error: {type(err).__name__}: {err}")


def _scan_one(job: tuple[str, str | None, str | None, tuple[str, ...]]) -> Report | BaseException:
    """Scan one file; an error is returned (as a value), never raised."""
    path, lang, kind, patterns = job
    try:
        scanner = _scanner(patterns)
        from dataclasses import replace

        # the scan context (normalized text, sentences) stays in the worker: it is several
        # times the text's size and the parent rebuilds it only if an advert is checked
        return replace(scanner.scan_path(Path(path), lang, kind), context=None)
    except Exception as err:  # one bad document must not stop the batch
        return _picklable(err)


class _Progress:
    """A counter on stderr: ``terms-scan: 12/40 scanned, 1 error, 3.2 s``. Redrawn in place
    (``\\r``) on a terminal or in a notebook, at most ~10 times a second; elsewhere (a log) a
    line every few seconds. The last line always comes."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.enabled = total, enabled and total > 0
        self.done = self.errors = 0
        self.t0 = self.last = time.perf_counter()
        try:
            tty = sys.stderr.isatty()
        except (AttributeError, ValueError):
            tty = False
        self.live = tty or "ipykernel" in sys.modules
        self.every = 0.1 if self.live else 5.0

    def step(self, failed: bool) -> None:
        self.done += 1
        self.errors += failed
        if not self.enabled:
            return
        now = time.perf_counter()
        final = self.done == self.total
        if final or now - self.last >= self.every:
            self.last = now
            err = f", {self.errors} error{'s' if self.errors != 1 else ''}" if self.errors else ""
            line = f"terms-scan: {self.done}/{self.total} scanned{err}, {now - self.t0:.1f} s"
            sys.stderr.write((f"\r{line}" + ("\n" if final else "")) if self.live else line + "\n")
            sys.stderr.flush()


def scan_many(paths: Iterable[str | os.PathLike[str]], workers: int | None = None, progress: bool = True,
              lang: str | None = None, kind: str | None = None, *,
              patterns: Iterable[str | os.PathLike[str]] = ()) -> Iterator[tuple[Path, Report | Exception]]:
    """Scan many files in parallel; yields ``(path, result)`` pairs in the order of ``paths``.

    ``result`` is the file's ``Report``, or, when that file could not be scanned, the
    exception object (an ``InputError`` for an unreadable, empty or unsupported file; any
    other exception is a bug, please report it). One bad file never stops the batch, so
    check each result::

        for path, result in analyzer.scan_many(paths):
            if isinstance(result, analyzer.TermsScanError): ...   # or: isinstance(result, Exception)

    ``workers``: processes to use (default: the cores available). The pool uses the ``fork``
    start method where the platform has it, so the pattern library compiled in this process
    is inherited, not loaded again; with one file or one worker everything runs here, serially.
    ``progress``: a counter line on stderr (``terms-scan: 3/10 scanned``); False for none.
    ``lang``, ``kind``, ``patterns``: as for ``scan``, applied to every file.
    Arguments are checked (``UsageError``) before anything is scanned.
    """
    _check_lang(lang)
    if kind not in (None, "pdf", "docx", "image", "text", "markdown", "html"):
        raise UsageError(f"unknown kind {kind!r}: use pdf, docx, image, text, markdown or html")
    if isinstance(paths, (str, bytes, os.PathLike)):
        raise UsageError("scan_many() takes a list of paths; for one file use scan()")
    items = [Path(os.fspath(p)).expanduser() for p in paths]
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise UsageError(f"workers must be a positive whole number, not {workers!r}")
    pats = tuple(str(Path(p)) for p in patterns)
    _scanner(pats)  # load and compile the patterns once, here, before any fork
    return _scan_many(items, workers, progress, lang, kind, pats)


def _scan_many(items: Sequence[Path], workers: int | None, progress: bool, lang: str | None,
               kind: str | None, pats: tuple[str, ...]) -> Iterator[tuple[Path, Report | Exception]]:
    n = min(workers or available_cores(), len(items)) or 1
    bar = _Progress(len(items), progress)
    jobs = [(str(p), lang, kind, pats) for p in items]
    from .procs import run_parallel

    # forked workers inherit the compiled patterns; with one worker everything runs here
    for i, res in run_parallel(_scan_one, jobs, n, ordered=True, initializer=_scanner, initargs=(pats,)):
        bar.step(isinstance(res, BaseException))
        yield items[i], res


# --------------------------------------------------------------------------- notebook helpers

_BASE_COLUMNS = ("source", "category", "severity", "confidence", "page", "start", "end", "pattern")
_TAIL_COLUMNS = ("evidence", "section")


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as err:
        raise ImportError("this needs pandas, which terms-scan does not install by default: "
                          "pip install 'terms-scan[notebook]' (or: pip install pandas)") from err
    return pandas


def findings_frame(report: Report) -> Any:
    """One row per finding: source, category, severity, confidence, page, start, end,
    pattern, one column per value key found (amount, currency, period, months, days,
    percent, data_gb, speed_kbps, formula; in that order; missing values are NaN/None),
    evidence, section."""
    pd = _pandas()
    from .engine.taxonomy import VALUE_KEYS

    present = {k for f in report.findings for k in f.values}
    keys = [k for k in VALUE_KEYS if k in present] + sorted(present - set(VALUE_KEYS))
    rows = []
    for f in report.findings:
        row: dict[str, Any] = {
            "source": report.document.source, "category": f.category, "severity": f.severity,
            "confidence": f.confidence, "page": f.location.page, "start": f.location.start,
            "end": f.location.end, "pattern": f.pattern}
        for k in keys:
            row[k] = f.values.get(k)
        row["evidence"] = f.evidence
        row["section"] = f.section
        rows.append(row)
    columns = [*_BASE_COLUMNS, *keys, *_TAIL_COLUMNS]
    frame = pd.DataFrame(rows, columns=columns)
    for k in ("amount", "months", "days", "percent", "data_gb", "speed_kbps"):
        if k in frame.columns:
            frame[k] = pd.to_numeric(frame[k], errors="coerce")
    return frame


def exit_cost_frame(report: Report, lang: str | None = None) -> Any:
    """The exit-cost table: one row per "leave after month N" (and the total commitment):
    month, label, amount (NaN when it cannot be computed), currency, formula, missing."""
    pd = _pandas()
    lang = lang or report.language
    columns = ["month", "label", "amount", "currency", "formula", "missing"]
    sm = report.summary
    ec = sm.exit_cost if sm is not None else None
    if ec is None:
        return pd.DataFrame([], columns=columns)
    rows = []
    upfront = (ec.upfront,) if getattr(ec, "upfront", None) is not None else ()
    for r in (*upfront, *ec.rows, *((ec.total_commitment,) if ec.total_commitment is not None else ())):
        rows.append({"month": r.month, "label": r.label.get(lang) or r.label.get("en", ""),
                     "amount": r.amount, "currency": ec.currency, "formula": r.formula,
                     "missing": "; ".join(m.get(lang) or m.get("en", "") for m in r.missing)})
    frame = pd.DataFrame(rows, columns=columns)
    frame["amount"] = pd.to_numeric(frame["amount"], errors="coerce")
    frame["month"] = frame["month"].astype("Int64")
    return frame


def html_fragment(report: Report, lang: str | None = None) -> str:
    """The HTML report's body as a fragment for a notebook: its CSS scoped to one wrapper
    ``<div>``, ids prefixed so that several reports in one notebook do not collide, no
    ``<html>``/``<head>``, no script; all document text escaped (as in the full page)."""
    from .render.report import render_html

    return render_html(report, lang, standalone=False, id_prefix=f"ts{report.document.sha256[:8]}-")
