"""terms-scan: read an agreement before the first payment; find the clauses that cost money.

    import analyzer
    report = analyzer.scan("…pasted agreement text…")        # str: the text itself
    report = analyzer.scan(Path("agreement.pdf"), lang="zh")   # Path (or a str naming a file)
    report                      # in Jupyter: the HTML report (highlights included)
    report.findings             # tuple of frozen Finding objects (analyzer.model)
    report.summary              # verdict, grade, exit cost, questions (analyzer.advice.model)
    report.to_frame()           # pandas DataFrame, one row per finding (pip install 'terms-scan[notebook]')
    report.exit_cost_frame()    # the exit-cost table as a DataFrame
    report.to_json(), report.to_markdown(), report.to_html()
    for path, result in analyzer.scan_many(paths):   # in parallel; result: Report or the error
        ...

The command line (``terms-scan``) and this API run the same pipeline (``analyzer.engine.pipeline``);
the pattern library is compiled once per process and kept. Errors raise ``InputError``,
``UsageError`` or ``PatternError`` (all ``TermsScanError``) with the command line's messages.
See ``analyzer.api`` for the details.
"""
from __future__ import annotations

from .errors import ExitCode, InputError, PatternError, TermsScanError, UsageError

__version__ = "0.1.0"

from .api import scan, scan_many  # noqa: E402  (api imports nothing heavy at import time)

__all__ = ["scan", "scan_many", "ExitCode", "InputError", "PatternError", "TermsScanError", "UsageError",
           "__version__"]
