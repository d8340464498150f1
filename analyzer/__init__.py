"""terms-scan: read an agreement before the first payment; find the clauses that cost money.

    import analyzer
    report = analyzer.scan("…pasted agreement text…")
    report = analyzer.scan(Path("agreement.pdf"), lang="zh")
    for f in report.findings:
        print(f.category, f.values, f.evidence)

The command line (``terms-scan``) and this API run the same pipeline (``analyzer.pipeline``).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ExitCode, InputError, PatternError, TermsScanError, UsageError

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from .pipeline import Report

__all__ = ["scan", "ExitCode", "InputError", "PatternError", "TermsScanError", "UsageError", "__version__"]


def scan(source: str | Path | bytes, lang: str | None = None, kind: str | None = None) -> "Report":
    """Scan an agreement: a ``Path`` (or a string naming an existing file) is read from disk,
    other strings are the agreement text itself, bytes are decoded like a file."""
    from .pipeline import default_scanner

    scanner = default_scanner()
    if isinstance(source, Path):
        return scanner.scan_path(source, lang, kind)
    if isinstance(source, bytes):
        return scanner.scan_bytes(source, "<bytes>", lang, kind)
    if isinstance(source, str):
        if "\n" not in source and len(source) < 1024:
            try:
                if Path(source).is_file():
                    return scanner.scan_path(Path(source), lang, kind)
            except OSError:
                pass
        return scanner.scan_text(source, lang=lang)
    raise UsageError(f"scan() takes text, a path or bytes, not {type(source).__name__}")
