"""The ``terms-scan`` command line.

    terms-scan agreement.pdf                 # terminal report
    terms-scan agreement.txt --format json   # stable JSON (schema terms-scan/report@1)
    cat pasted.txt | terms-scan -            # stdin

Exit codes (``analyzer.errors.ExitCode``): 0 ok, 1 a finding at or above --fail-on,
2 usage error, 3 unreadable or unsupported input, 4 internal error. Errors are one line on
stderr, never a traceback (set TERMS_SCAN_DEBUG=1 to see one).
"""
from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from .errors import ExitCode, TermsScanError, UsageError


class Format(str, Enum):
    text = "text"
    json = "json"
    md = "md"
    html = "html"


class Level(str, Enum):
    low = "low"
    medium = "medium"
    high = "high"


class Lang(str, Enum):
    zh = "zh"
    en = "en"


class Kind(str, Enum):
    pdf = "pdf"
    text = "text"
    markdown = "markdown"
    html = "html"


app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Read an agreement before you pay: find lock-ins, minimum spends, exit fees and other hidden costs.")


@app.command()
def scan(
    source: str = typer.Argument(..., help="Agreement file (PDF, text, Markdown, HTML), or - for standard input."),
    format: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    lang: Optional[Lang] = typer.Option(None, "--lang", help="Document language (detected when not given)."),
    lang_out: Optional[Lang] = typer.Option(None, "--lang-out", help="Report language (default: the document's)."),
    kind: Optional[Kind] = typer.Option(None, "--kind", help="Input kind (detected from the name and content when not given)."),
    fail_on: Optional[Level] = typer.Option(None, "--fail-on", help="Exit 1 when a finding is at or above this severity."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report to this file."),
    patterns: list[Path] = typer.Option([], "--patterns", help="Extra pattern directory (repeatable)."),
    with_keywords: bool = typer.Option(False, "--keywords", help="Add each finding's keywords (jieba / spaCy tokens; slower start)."),
    offer: Optional[str] = typer.Option(None, "--offer", help="The advert's claims, to check against the agreement (e.g. \"29元/月 100G通用流量 无合约\")."),
    offer_file: Optional[Path] = typer.Option(None, "--offer-file", help="Read the advert's text from this file."),
) -> None:
    """Scan one agreement and report the clauses that cost money or lock you in."""
    from .pipeline import Scanner

    scanner = Scanner(tuple(str(p) for p in patterns))
    lang_v = lang.value if lang else None
    kind_v = kind.value if kind else None
    if source == "-":
        data = sys.stdin.buffer.read()
        report = scanner.scan_bytes(data, "<stdin>", lang_v, kind_v)
    else:
        report = scanner.scan_path(Path(source), lang_v, kind_v)

    if with_keywords:
        report = report.with_keywords()
    if offer is not None and offer_file is not None:
        raise UsageError("give the advert either with --offer or with --offer-file, not both")
    if offer_file is not None:
        from .extract import extract_path

        offer = extract_path(offer_file).text
    if offer is not None:
        report = report.with_offer(offer)
    out_lang = lang_out.value if lang_out else None
    if format is Format.json:
        text = report.to_json() + "\n"
    elif format is Format.md:
        from .report import render_markdown
        text = render_markdown(report, out_lang)
    elif format is Format.html:
        from .report import render_html
        text = render_html(report, out_lang)
    else:
        from .report import render_terminal
        to_tty = output is None and sys.stdout.isatty()
        text = render_terminal(report, out_lang, width=_width(), color=None if to_tty else False)
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as err:
            raise UsageError(f"cannot write {output}: {err.strerror or err}") from err
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    if fail_on is not None and report.at_or_above(fail_on.value):
        raise typer.Exit(int(ExitCode.FINDINGS))


def _width() -> int:
    try:
        return max(60, min(os.get_terminal_size().columns, 120))
    except OSError:
        return 80


def _one_line(msg: str) -> str:
    """Errors are one line on stderr (a YAML parser error, for one, spans several)."""
    return " ".join(line.strip() for line in msg.splitlines() if line.strip())


def main(argv: list[str] | None = None) -> int:
    """Entry point: runs the app and turns errors into one line and an exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
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
    except Exception as err:  # click's usage errors and anything unexpected
        # typer ships its own copy of click: recognise its exceptions by class name
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
