"""The ``terms-scan`` command line.

    terms-scan agreement.pdf                 # terminal report
    terms-scan agreement.txt --format json   # stable JSON (schema terms-scan/report@1)
    cat pasted.txt | terms-scan -            # stdin
    terms-scan watch sources.yaml            # weekly scans: fetch, store, diff, digest
    terms-scan history ID                    # the recorded versions of one source
    terms-scan diff ID --from 3 --to 4       # clause-level diff of two versions

Exit codes (``analyzer.errors.ExitCode``): 0 ok, 1 a finding at or above --fail-on,
2 usage error, 3 unreadable, unsupported or too large input (or a scan that could not finish),
4 internal error (a bug), 5 the disk, the history database or its run lock failed (full, read-only, corrupt, held by another run). Errors are one line on
stderr, never a traceback (set TERMS_SCAN_DEBUG=1 to see one).
"""
from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from .errors import ExitCode, InputError, StateError, TermsScanError, UsageError

if TYPE_CHECKING:  # imported where used: a command loads only what it needs
    from click.shell_completion import CompletionItem

    from .engine.pipeline import Scanner
    from .model import Document, Report
    from .watch.diffpage import DiffPages
    from .watch.digest import Digest
    from .watch.history import History

MAX_OFFER_BYTES = 1024 * 1024  # an advert file (a saved page) of at most 1 MB ...
MAX_OFFER_CHARS = 20_000       # ... whose text, like --offer, is at most 20,000 characters


class Format(str, Enum):
    text = "text"
    json = "json"
    md = "md"
    html = "html"
    png = "png"


class Level(str, Enum):
    low = "low"
    medium = "medium"
    high = "high"


class Lang(str, Enum):
    zh = "zh"
    en = "en"


class Product(str, Enum):
    mobile = "mobile"
    broadband = "broadband"
    membership = "membership"
    subscription = "subscription"
    service = "service"


class Kind(str, Enum):
    pdf = "pdf"
    docx = "docx"
    image = "image"
    text = "text"
    markdown = "markdown"
    html = "html"


_CONTEXT = {"help_option_names": ["-h", "--help"]}
app = typer.Typer(add_completion=True, no_args_is_help=True, pretty_exceptions_enable=False,
                  context_settings=_CONTEXT,
                  help="Read an agreement before you pay: find lock-ins, minimum spends, exit fees and other hidden costs.")
_EPILOG = ("Weekly scans of published agreements, each with its own --help:  \n\n"
           "terms-scan watch SOURCES.yaml   fetch, keep every version, report what changed  \n\n"
           "terms-scan history ID           the recorded versions of a source  \n\n"
           "terms-scan diff ID --from N --to M   what changed between two versions")


def _version(value: bool) -> None:
    if value:
        from . import __version__

        print(f"terms-scan {__version__}")
        raise typer.Exit(0)


def _complete_source(ctx: object, param: object, incomplete: str) -> list[CompletionItem]:
    """Shell completion of the first argument: a subcommand its letters begin; otherwise
    nothing, so that the shell completes a file name (the script uses ``complete -o default``)."""
    from click.shell_completion import CompletionItem

    if not incomplete or "/" in incomplete or "." in incomplete:
        return []
    return [CompletionItem(c, help=h) for c, h in WATCH_HELP.items() if c.startswith(incomplete)]


@app.command(epilog=_EPILOG)
def scan(
    sources: list[str] = typer.Argument(..., metavar="FILE...",
                                        help="Agreement file (PDF, Word .docx, text, Markdown, HTML, or an image read by OCR), "
                                             "or - for standard input. Several images are one agreement in screenshots; "
                                             "several other files are scanned one by one (--as-one: as one agreement).",
                                        # typer types this with its vendored click's CompletionItem; click's own is alike
                                        shell_complete=_complete_source),  # type: ignore[arg-type]
    format: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    lang: Lang | None = typer.Option(None, "--lang", help="Document language (detected when not given)."),
    lang_out: Lang | None = typer.Option(None, "--lang-out", help="Report language (default: the document's)."),
    kind: Kind | None = typer.Option(None, "--kind", help="Input kind (detected from the name and content when not given)."),
    fail_on: Level | None = typer.Option(None, "--fail-on", help="Exit 1 when a finding is at or above this severity."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report to this file."),
    patterns: list[Path] = typer.Option([], "--patterns", help="Extra pattern directory (repeatable)."),
    with_keywords: bool = typer.Option(False, "--keywords", help="Add each finding's keywords (jieba / spaCy tokens; slower start)."),
    offer: str | None = typer.Option(None, "--offer", help="The advert's claims, to check against the agreement (e.g. \"29元/月 100G通用流量 无合约\")."),
    offer_file: Path | None = typer.Option(None, "--offer-file", help="Read the advert's text from this file."),
    time_limit: float = typer.Option(45.0, "--time-limit", help="Seconds the clause search may take; past it the report is marked incomplete."),
    allow_incomplete: bool = typer.Option(False, "--allow-incomplete", help="Exit 0 (not 3) when the scan could not read everything within its limits."),
    product: Product | None = typer.Option(None, "--product", help="What is bought, when the words of the advice should not be guessed from the text: mobile (a phone line or data card), broadband, membership (gym, course, prepaid card), subscription (an app or online service), service."),
    full: bool = typer.Option(False, "--full", help="The whole terminal report (every clause, missing protections, all questions, how to get out); by default a first screen: verdict, exit cost, the most serious clauses, advert contradictions, three questions."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
    no_pager: bool = typer.Option(False, "--no-pager", help="Print a long terminal report straight out instead of through a pager ($PAGER, else less)."),
    as_one: bool = typer.Option(False, "--as-one", help="The files (or a folder's files, in name order) are the pages of ONE agreement."),
    model: bool | None = typer.Option(None, "--model/--no-model", help="--model: the sentence model adds its findings in every category (more clauses found where the wording is new to the patterns, more false alarms; marked model:...). --no-model: the patterns alone. Default: the model vetoes the patterns' unlikely findings and adds its own only in the categories where it was measured to help."),
) -> None:
    """Scan an agreement and report the clauses that cost money or lock you in."""
    lang_v = lang.value if lang else None
    kind_v = kind.value if kind else None
    if offer is not None and offer_file is not None:
        raise UsageError("give the advert either with --offer or with --offer-file, not both")
    paths = _expand(sources, as_one)
    from_folder = any(Path(x).is_dir() for x in sources if x != "-")
    if paths is not None and len(paths) > 1 and not (as_one or (_all_images(paths) and not from_folder)):
        _scan_each(paths, format, lang_v, kind_v, tuple(str(p) for p in patterns), time_limit, output, allow_incomplete,
                   fail_on, model)
        return
    inputs = tuple((paths or []) + ([offer_file] if offer_file else []))
    _check_output(format, output, inputs)
    offer = _read_offer(offer, offer_file)
    from .engine import extract
    from .procs import Background

    extract.prepare(paths or [])  # the reader's own imports, before the scanner's thread starts its own
    scanner = Background(lambda: _scanner(tuple(str(p) for p in patterns), model),  # while the document is read
                         then=lambda built, stop: built.warm(stop))
    doc = _read_document(paths, kind_v)
    # the time limit is checked by the scan (a number above 0: not 0, -5 or nan)
    report = scanner.result().scan_document(doc, lang_v, budget=time_limit)
    report = _with_extras(report, product, with_keywords, offer)
    _emit(report, format, lang_out.value if lang_out else None, output, inputs, full, no_pager)
    if not report.complete and not allow_incomplete:
        print(f"terms-scan: incomplete scan: {_one_line(report.incomplete or '')} "
              "(--allow-incomplete to accept it, --time-limit to give it longer)", file=sys.stderr)
        raise typer.Exit(int(ExitCode.BAD_INPUT))
    if fail_on is not None and report.at_or_above(fail_on.value):
        raise typer.Exit(int(ExitCode.FINDINGS))


def _scanner(pattern_dirs: tuple[str, ...], model: bool | None = None) -> Scanner:
    """The scanner with its pattern library (and the sentence model when asked), and the
    advice's modules imported."""
    from .advice import advise  # noqa: F401 - every scan ends with the advice
    from .engine.pipeline import Scanner as Built

    return Built(pattern_dirs, model=model)


def _check_output(format: Format, output: Path | None, inputs: tuple[Path, ...]) -> None:
    """Refuse an image to a terminal, and a report written over one of its inputs."""
    from .safeio import same_file

    if format is Format.png and output is None and sys.stdout.isatty():
        raise UsageError("--format png writes an image: give -o card.png (or redirect standard output to a file)")
    if output is not None and any(same_file(output, p) for p in inputs):
        raise UsageError(f"{output}: is an input; refusing to overwrite it with the report (choose another -o file)")


def _read_offer(offer: str | None, offer_file: Path | None) -> str | None:
    """The advert's text, from --offer or --offer-file, at most MAX_OFFER_CHARS characters."""
    if offer_file is not None:
        from .engine.extract import extract_bytes
        from .safeio import read_file

        offer = extract_bytes(read_file(offer_file, MAX_OFFER_BYTES, "advert"), str(offer_file)).text
    if offer is not None and len(offer) > MAX_OFFER_CHARS:
        raise InputError(f"the advert is {len(offer):,} characters; an advert's claims fit in "
                         f"{MAX_OFFER_CHARS:,} (give the advert, not the agreement)")
    return offer


def _read_document(paths: list[Path] | None, kind: str | None) -> Document:
    """The agreement: the files (one agreement), or standard input when there are none."""
    from .engine.extract import MAX_BYTES, extract_bytes, extract_paths
    from .safeio import read_stream

    if paths is None:
        stdin = getattr(sys.stdin, "buffer", None) if sys.stdin is not None else None
        return extract_bytes(read_stream(stdin, MAX_BYTES), "<stdin>", kind)
    return extract_paths(paths, kind)


def _with_extras(report: Report, product: Product | None, with_keywords: bool, offer: str | None) -> Report:
    """The report with the advice for a given product, the keywords, the advert's check."""
    if product is not None and report.summary is not None:
        from dataclasses import replace

        from .advice.advise import advise
        report = replace(report, summary=advise(report, product.value))
    if with_keywords:
        report = report.with_keywords()
    if offer is not None:
        report = report.with_offer(offer)
    return report


def _emit(report: Report, format: Format, out_lang: str | None, output: Path | None, inputs: tuple[Path, ...],
          full: bool, no_pager: bool) -> None:
    """Write the report in its format to ``output`` or standard output (through a pager when long)."""
    if format is Format.png:
        from .render.card import render_png
        _write_or_print(render_png(report, out_lang), output, inputs)
        return
    if format is Format.json:
        text = report.to_json() + "\n"
    elif format is Format.md:
        from .render.report import render_markdown
        text = render_markdown(report, out_lang)
    elif format is Format.html:
        from .render.report import render_html
        text = render_html(report, out_lang)
    else:
        from .render.report import render_terminal
        to_tty = output is None and sys.stdout.isatty()
        text = render_terminal(report, out_lang, width=_width(), color=None if to_tty else False, full=full)
        if to_tty and not no_pager and page_long_output(text):
            text = ""  # shown by the pager
    if text:
        _write_or_print(text, output, inputs)


# --------------------------------------------------------------------------- weekly scans
# ``terms-scan watch|history|diff``: a second app, chosen in main() by the first argument, so
# that ``terms-scan FILE`` (the single-command app above) keeps working unchanged.

WATCH_HELP = {"watch": "fetch the sources, keep every version, report what changed",
              "history": "the recorded versions of one source",
              "diff": "what changed between two versions of a source"}
WATCH_COMMANDS = tuple(WATCH_HELP)


class DigestFormat(str, Enum):
    text = "text"
    json = "json"
    md = "md"


class DiffFormat(str, Enum):
    text = "text"
    json = "json"
    md = "md"
    html = "html"


watch_app = typer.Typer(add_completion=True, no_args_is_help=True, pretty_exceptions_enable=False,
                        context_settings=_CONTEXT,
                        help="Weekly scans of published agreements: fetch, keep every version, report what changed.")

_DB_HELP = "History database (default: the user data directory, e.g. ~/.local/share/terms-scan/history.sqlite)."


@watch_app.command("watch")
def watch_cmd(
    sources: Path = typer.Argument(..., help="sources.yaml: one entry per document (id, url or path, lang, kind, select, remove)."),
    db: Path | None = typer.Option(None, "--db", help=_DB_HELP),
    format: DigestFormat = typer.Option(DigestFormat.text, "--format", "-f", help="Digest format."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the digest to this file."),
    feed: Path | None = typer.Option(None, "--feed", help="Also write an Atom feed (one entry per source whose terms changed)."),
    workers: int | None = typer.Option(None, "--workers", help="Worker processes (default: the number of cores)."),
    rescan: bool = typer.Option(False, "--rescan", help="Fetch nothing: re-derive text and findings of the stored versions with the current extractor and patterns (a technical upgrade, not a change in the terms)."),
    fail_on_change: bool = typer.Option(False, "--fail-on-change", help="Exit 1 when any source changed in its terms."),
    notify: str | None = typer.Option(None, "--notify", help="Also POST the digest as JSON to this webhook (http:// or https://) after the run."),
    fail_on_error: bool | None = typer.Option(None, "--fail-on-error/--no-fail-on-error", help="Exit 3 when any source could not be checked (on by default with --fail-on-change, so that a cron job watching nothing is not green)."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Run the scans on a Dask distributed scheduler (tcp://host:8786; pip install 'terms-scan[dask]')."),
    timeout: float = typer.Option(20.0, "--timeout", help="Seconds to wait for each server to connect or send the next bytes; a whole request may take at most max(60, 6 x this)."),
    lang: Lang = typer.Option(Lang.en, "--lang-out", help="Digest language."),
    allow_path: list[Path] = typer.Option([], "--allow-path", help="A folder that path: sources may read besides the sources file's own folder (repeatable)."),
    diff_pages: Path | None = typer.Option(None, "--diff-pages", help="Write a self-contained HTML page per changed version into this folder (word by word; character by character for Chinese); the digest and the feed link to it."),
    diff_base_url: str | None = typer.Option(None, "--diff-base-url", help="Where --diff-pages is published (https://example.org/terms-diffs/): links use it instead of file:// addresses."),
) -> None:
    """Fetch every source, record the versions that changed, and print the digest.

    A change counts as reported only once the digest (and the feed) is written: if writing
    fails or the run is killed, the next run reports it. Exit 3 when every source failed, or
    any did with --fail-on-error (the default with --fail-on-change); exit 1 with
    --fail-on-change when a source changed in its terms."""
    from .watch.diffpage import DiffPages
    from .watch.run import run_watch

    _check_watch_options(timeout, diff_pages, diff_base_url, notify)
    pages = DiffPages(diff_pages, diff_base_url, lang.value) if diff_pages is not None else None
    deliver = _digest_writer(sources, db, format, lang, output, feed, pages)
    digest = run_watch(sources, db=db, workers=workers, rescan=rescan, scheduler=scheduler, timeout=timeout,
                       allow=tuple(allow_path), deliver=deliver, pages=pages)
    if notify is not None:
        from .watch.fetch import post_json

        post_json(notify, digest.to_json(), timeout)
    _watch_exit(digest, fail_on_error, fail_on_change)


def _check_watch_options(timeout: float, diff_pages: Path | None, diff_base_url: str | None, notify: str | None) -> None:
    from .watch.run import check_timeout

    check_timeout(timeout)
    if diff_base_url is not None and diff_pages is None:
        raise UsageError("--diff-base-url says where --diff-pages are published: give --diff-pages DIR too")
    if diff_base_url is not None and not diff_base_url.startswith(("http://", "https://")):
        raise UsageError(f"--diff-base-url {diff_base_url!r}: give an http:// or https:// address")
    if diff_pages is not None and diff_pages.exists() and not diff_pages.is_dir():
        raise UsageError(f"--diff-pages {diff_pages}: not a folder")
    if notify is not None and not notify.startswith(("http://", "https://")):
        raise UsageError(f"--notify {notify!r}: give an http:// or https:// address")


def _digest_writer(sources: Path, db: Path | None, format: DigestFormat, lang: Lang, output: Path | None,
                   feed: Path | None, pages: DiffPages | None) -> Callable[[Digest], None]:
    """What the run calls with its digest: write the feed (if asked), then the digest."""
    from .watch.digest import render_atom, render_digest
    from .watch.history import default_db_path
    from .watch.run import feed_digest, feed_id

    def deliver(digest: Digest) -> None:
        if format is DigestFormat.text:
            color = False if output is not None or not sys.stdout.isatty() else None
            text = render_digest(digest, "text", lang.value, color=color, width=_width())
        else:
            text = render_digest(digest, format.value, lang.value)
        if feed is not None:  # the feed first: stdout cannot be taken back, a file can be rewritten
            # rolling: the newest changes from the history (a reader that missed a poll still
            # finds them), this run's failures, one id per sources file
            rolling = feed_digest(db if db is not None else default_db_path(), sources, digest, pages=pages)
            _write_or_print(render_atom(rolling, feed_id=feed_id(sources), lang=lang.value), feed, (sources,))
        _write_or_print(text, output, (sources,))

    return deliver


def _watch_exit(digest: Digest, fail_on_error: bool | None, fail_on_change: bool) -> None:
    """Exit 3 when every source failed (or any, with --fail-on-error); 1 on a change with --fail-on-change."""
    failed = [sd.id for sd in digest.sources if sd.status == "failed"]
    if digest.sources and len(failed) == len(digest.sources):
        raise InputError(f"every source failed ({len(digest.sources)}); nothing was checked — see the digest")
    if failed and (fail_on_error if fail_on_error is not None else fail_on_change):
        raise InputError(f"{len(failed)} of {len(digest.sources)} sources could not be checked "
                         f"({', '.join(failed[:5])}{' …' if len(failed) > 5 else ''}) — see the digest")
    if fail_on_change and digest.changed:
        raise typer.Exit(int(ExitCode.FINDINGS))


@watch_app.command("history")
def history_cmd(
    source_id: str | None = typer.Argument(None, metavar="[ID]", help="The source's id in sources.yaml (none: every source, one line each)."),
    db: Path | None = typer.Option(None, "--db", help=_DB_HELP),
    prune: bool = typer.Option(False, "--prune", help="Make the database smaller: drop the texts and findings a --rescan replaced and old run checks, keep every raw snapshot (so --rescan can re-derive anything), then compact."),
) -> None:
    """List the recorded versions of one source (number, date, kind, sha256, findings) and when
    it was last checked successfully; without ID, one line per source."""
    from .safetext import visible

    history = _open_history(db)
    try:
        if prune:
            if source_id is not None:
                raise UsageError("--prune works on the whole database: give no ID")
            with history.lock():
                r = history.prune()
            lines = [f"pruned {history.path}: {r.texts} superseded texts, {r.reports} superseded reports, "
                     f"{r.checks} old run checks dropped; {r.repacked} rows compressed; "
                     f"all {r.snapshots} raw snapshots kept; {r.bytes_before / 1e6:.2f} MB → {r.bytes_after / 1e6:.2f} MB"]
        elif source_id is None:
            lines = _history_overview(history)
        else:
            lines = _history_lines(history, source_id)
        sys.stdout.write(visible("\n".join(lines) + "\n"))
    finally:
        history.close()


def _history_overview(history: History) -> list[str]:
    ids = history.source_ids()
    if not ids:
        return [f"no sources recorded in {history.path}"]
    lines = [f"{len(ids)} source{'s' if len(ids) != 1 else ''} in {history.path}",
             f"{'id':<32}  {'versions':>8}  {'latest (UTC)':<20}  last success"]
    for sid in ids:
        versions = history.versions(sid)
        failures, since, last_ok = history.check_status(sid)
        state = last_ok or "never"
        if failures:
            state += f" (failing {failures} run{'s' if failures != 1 else ''} in a row since {since})"
        latest = versions[-1].fetched_at if versions else "—"
        lines.append(f"{sid:<32}  {len(versions):>8}  {latest:<20}  {state}")
    return lines


def _history_lines(history: History, source_id: str) -> list[str]:
    versions = history.versions(source_id)
    if not versions:
        known = ", ".join(history.source_ids()[:10]) or "none"
        raise UsageError(f"no history for {source_id!r} in {history.path} (sources recorded: {known})")
    lines = [f"{source_id}: {len(versions)} version{'s' if len(versions) != 1 else ''} in {history.path}",
             f"{'version':>7}  {'fetched (UTC)':<20}  {'kind':<10}  {'sha256':<12}  {'findings':>8}  versions"]
    for v in versions:
        made = f"tool {v.tool_version}, patterns {v.patterns_version}, extractor {v.extractor_version}"
        if v.technical_upgrade:
            made += " (technical upgrade)"
        lines.append(f"{v.version:>7}  {v.fetched_at:<20}  {v.kind:<10}  {v.sha256[:12]:<12}  "
                     f"{len(v.findings):>8}  {made}")
    failures, since, last_ok = history.check_status(source_id)
    if last_ok or failures:
        lines.append(f"last success: {last_ok or 'never'}"
                     + (f"; failing {failures} run{'s' if failures != 1 else ''} in a row since {since}" if failures else ""))
    return lines


@watch_app.command("diff")
def diff_cmd(
    source_id: str = typer.Argument(..., metavar="ID", help="The source's id in sources.yaml."),
    from_version: int = typer.Option(..., "--from", help="The earlier version number."),
    to_version: int = typer.Option(..., "--to", help="The later version number."),
    db: Path | None = typer.Option(None, "--db", help=_DB_HELP),
    format: DiffFormat = typer.Option(DiffFormat.text, "--format", "-f", help="Output format (html: a self-contained page, word by word)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the diff to this file."),
    lang: Lang = typer.Option(Lang.en, "--lang-out", help="Language of the labels."),
) -> None:
    """Clause-level diff of two recorded versions of one source."""
    from dataclasses import replace

    from .watch.digest import Digest, render_digest
    from .watch.run import describe_version

    for flag, v in (("--from", from_version), ("--to", to_version)):
        if not 1 <= v <= 2**62:
            raise UsageError(f"{flag} must be a version number (1, 2, 3…), not {v}")
    history = _open_history(db)
    try:
        a = history.get(source_id, from_version)
        b = history.get(source_id, to_version)
    finally:
        history.close()
    # the same description a watch run gives a version (watch.run.describe_version), between any two
    sd = describe_version(source_id, a, b, {"url": b.url, "fetched_at": b.fetched_at})
    if sd.previous_version is None:
        sd = replace(sd, previous_version=a.version)
    digest = Digest((sd,))
    if format is DiffFormat.html:
        from .watch.diffpage import render_diff_page

        text = render_diff_page(sd, a.text, b.text, a.fetched_at, lang.value)
    elif format is DiffFormat.text:
        color = False if output is not None or not sys.stdout.isatty() else None
        text = render_digest(digest, "text", lang.value, color=color, width=_width(), full_diff=True)
    else:
        text = render_digest(digest, format.value, lang.value, full_diff=True)
    _write_or_print(text, output)


def _open_history(db: Path | None) -> History:
    from .watch.history import History, default_db_path

    path = db if db is not None else default_db_path()
    if not path.is_file():
        raise UsageError(f"no history database at {path} (run terms-scan watch first, or give --db)")
    return History(path)


_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif")


def _expand(sources: list[str], as_one: bool) -> list[Path] | None:
    """The files to read (None: standard input). A folder stands for its files in name order
    (with --as-one, or when it is the only argument); "-" only alone."""
    if "-" in sources:
        if len(sources) > 1:
            raise UsageError("- (standard input) cannot be combined with files")
        return None
    out: list[Path] = []
    for src in sources:
        p = Path(src)
        if p.is_dir() and (as_one or len(sources) == 1 and any(p.iterdir())):
            files = sorted((x for x in p.iterdir() if x.is_file() and not x.name.startswith(".")),
                           key=lambda x: _natural(x.name))
            if not files:
                raise InputError(f"{p}: the folder has no files")
            out += files
        else:
            out.append(p)
    return out


def _natural(name: str) -> list[int | str]:
    """"shot2.png" before "shot10.png"."""
    import re

    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", name)]


def _all_images(paths: list[Path]) -> bool:
    return all(p.suffix.lower() in _IMAGE_SUFFIXES for p in paths)


def _scan_each(paths: list[Path], format: Format, lang: str | None, kind: str | None, patterns: tuple[str, ...],
               time_limit: float, output: Path | None, allow_incomplete: bool, fail_on: Level | None,
               model: bool | None = None) -> None:
    """Several agreements one by one: one summary line each (JSON: one report a line); a file
    that cannot be read is a line saying why, and the batch goes on. The exit code is the worst."""
    from .engine.extract import extract_path
    from .engine.pipeline import Scanner

    if format not in (Format.text, Format.json):
        raise UsageError(f"--format {format.value} makes one report: give one file, or --as-one for one agreement "
                         "in several files (several files one by one: --format text or json)")
    scanner = Scanner(patterns, model=model)
    lines, worst = [], int(ExitCode.OK)
    for p in paths:
        try:
            report = scanner.scan_document(extract_path(p, kind), lang, budget=time_limit)
        except TermsScanError as err:
            msg = _one_line(str(err))
            msg = msg[len(str(p)) + 2:] if msg.startswith(f"{p}: ") else msg
            lines.append(json.dumps({"source": str(p), "error": msg}, ensure_ascii=False)
                         if format is Format.json else f"{_one_line(str(p))}: error: {msg}")
            worst = max(worst, int(err.exit_code))
            continue
        lines.append(report.to_json(indent=None) if format is Format.json else _summary_line(report))
        if not report.complete and not allow_incomplete:
            worst = max(worst, int(ExitCode.BAD_INPUT))
        elif fail_on is not None and report.at_or_above(fail_on.value) and worst == int(ExitCode.OK):
            worst = int(ExitCode.FINDINGS)
    _write_or_print("\n".join(lines) + "\n", output, tuple(paths))
    if worst:
        raise typer.Exit(worst)


def _summary_line(report: Report) -> str:
    """One line for a batch: the file, its grade, its high-severity count, the cost of leaving
    after month 6 and the verdict."""
    from .render.view import build_view

    v = build_view(report)
    high = sum(1 for f in report.findings if f.severity == "high")
    bits = [_one_line(v.source)]
    if v.verdict is not None:
        bits.append(v.verdict.grade_text)
    bits.append(("高风险 %d" if v.lang == "zh" else "high %d") % high)
    if v.exit_cost is not None:
        row = next((r for r in v.exit_cost.rows if r.row.month == 6), None)
        if row is not None:
            bits.append(f"{row.label} {row.cost}")
    if v.verdict is not None and v.verdict.assessed:
        bits.append(_one_line(v.verdict.line))
    from .safetext import visible

    return visible(" · ".join(bits), one_line=True)


def page_long_output(text: str, height: int | None = None) -> bool:
    """Show a report longer than the terminal through a pager ($TERMS_SCAN_PAGER, $PAGER, else
    ``less -R``, which keeps the colours); the screen then ends where the reader stops, not at
    the end of the request template. False when the text fits, when no pager can be started
    or when it fails: the caller prints the text itself."""
    import shlex
    import subprocess

    if height is None:
        try:
            height = os.get_terminal_size().lines
        except OSError:
            return False
    if height < 5:  # a pseudo-terminal that never set its size: the size is unknown, not tiny
        return False
    if text.count("\n") < height - 1:
        return False
    cmd = os.environ.get("TERMS_SCAN_PAGER") or os.environ.get("PAGER") or "less"
    argv = shlex.split(cmd) if cmd.strip() else []
    if not argv:
        return False
    env = dict(os.environ)
    if os.path.basename(argv[0]) == "less":
        env.setdefault("LESS", "FRX")  # quit when it fits, keep colours, leave the text on screen
        env["LESSSECURE"] = "1"        # no shell, no file opening from inside the pager
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, env=env)
    except OSError:
        return False
    try:
        assert proc.stdin is not None
        proc.stdin.write(text.encode("utf-8"))
        proc.stdin.close()
    except BrokenPipeError:  # the reader quit the pager early
        pass
    proc.wait()
    return True


def _write_or_print(text: str | bytes, output: Path | None, inputs: tuple[Path, ...] = ()) -> None:
    """To the -o file (atomically: the old file or the new one, never half) or standard output."""
    if output is None:
        try:
            if isinstance(text, bytes):
                sys.stdout.flush()
                sys.stdout.buffer.write(text)
                sys.stdout.buffer.flush()
                return
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError:
            raise
        except (OSError, ValueError, AttributeError) as err:
            raise StateError(f"cannot write to standard output: {getattr(err, 'strerror', None) or err}") from err
        return
    from .safeio import write_atomic

    write_atomic(output, text, inputs)


def _width() -> int:
    try:
        return max(60, min(os.get_terminal_size().columns, 120))
    except OSError:
        return 80


def _one_line(msg: str) -> str:
    """Errors are one line on stderr (a YAML parser error, for one, spans several), and a file
    name, URL or source id in them cannot send a control sequence to the terminal."""
    from .safetext import visible

    return visible(" ".join(line.strip() for line in msg.splitlines() if line.strip()), one_line=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point: runs the app and turns errors into one line and an exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    words = os.environ.get("COMP_WORDS", "").split() if os.environ.get("_TERMS_SCAN_COMPLETE") else []
    try:
        if (args and args[0] in WATCH_COMMANDS) or (len(words) > 2 and words[1] in WATCH_COMMANDS):
            # (shell completion sends no arguments: the words being completed choose the app)
            # a file named like a subcommand is still scanned when given as ./watch
            rv = watch_app(args=args, prog_name="terms-scan", standalone_mode=False)
        else:
            rv = app(args=args, prog_name="terms-scan", standalone_mode=False)
        return int(rv) if isinstance(rv, int) else int(ExitCode.OK)
    except typer.Exit as ex:
        return int(ex.exit_code)
    except TermsScanError as err:
        print(f"terms-scan: {_one_line(str(err))}", file=sys.stderr)
        return int(err.exit_code)
    except KeyboardInterrupt:
        print("terms-scan: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return int(ExitCode.OK)
    except MemoryError:
        print("terms-scan: out of memory (the input is too large for this machine)", file=sys.stderr)
        return int(ExitCode.STATE)
    except Exception as err:
        import sqlite3

        if isinstance(err, sqlite3.Error):  # a corrupt, locked or unwritable history database
            print(f"terms-scan: the history database failed: {_one_line(str(err))} "
                  "(a damaged database can be checked with sqlite3 DB 'PRAGMA integrity_check')", file=sys.stderr)
            return int(ExitCode.STATE)
        if isinstance(err, OSError):  # the disk or the system, not a bug
            print(f"terms-scan: {_one_line(err.strerror or str(err))}"
                  + (f": {_one_line(str(err.filename))}" if err.filename else ""), file=sys.stderr)
            return int(ExitCode.STATE)
        # click's usage errors and anything unexpected; typer ships its own copy of click: recognise its exceptions by class name
        names = {c.__name__ for c in type(err).__mro__}
        if "UsageError" in names:
            msg = err.format_message() if hasattr(err, "format_message") else str(err)
            print(f"terms-scan: {_one_line(msg)} (see terms-scan --help)", file=sys.stderr)
            return int(ExitCode.USAGE)
        if "Abort" in names:
            return 130
        if os.environ.get("TERMS_SCAN_DEBUG"):
            raise
        print(f"terms-scan: internal error: {type(err).__name__}: {_one_line(str(err))} "
              "(please report it; TERMS_SCAN_DEBUG=1 shows the traceback)", file=sys.stderr)
        return int(ExitCode.INTERNAL)


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    entry()
