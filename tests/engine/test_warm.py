"""Cold-scan helpers (issue 12): the scanner compiles its regexes ahead while a PDF is read, and
the reader's imports are made before the scanner's thread starts."""
from __future__ import annotations

import subprocess
import sys
import threading

from analyzer.engine.patterns import LazyRegex
from analyzer.engine.pipeline import Scanner


def _lazies(scanner: Scanner, lang: str) -> list[LazyRegex]:
    out = []
    for p in scanner.patterns:
        if p.lang == lang:
            out += [rx for rx in p.regexes() if isinstance(rx, LazyRegex)]
    return out


def test_warm_compiles_chinese_first_and_stops_when_told():
    scanner = Scanner()
    zh = _lazies(scanner, "zh")
    before = sum(rx._rx is not None for rx in zh)
    stop = threading.Event()
    stop.set()
    scanner.warm(stop)                       # told to stop before it starts: compiles nothing new
    assert sum(rx._rx is not None for rx in zh) == before
    scanner.warm(threading.Event(), langs=("zh",))
    assert all(rx._rx is not None for rx in zh)


def test_prepare_imports_pdfium_for_a_pdf_only(tmp_path, pdf_maker):
    pdf = pdf_maker(["本卡合约期12个月。"], "a.pdf")
    txt = tmp_path / "a.txt"
    txt.write_text("本卡合约期12个月。", encoding="utf-8")
    code = ("import sys; from pathlib import Path; from analyzer.engine import extract; "
            "extract.prepare([Path(sys.argv[1])]); print('pypdfium2' in sys.modules)")
    import os

    fifo = tmp_path / "fifo.pdf"
    os.mkfifo(fifo)                           # never opened: it would block
    for path, want in ((pdf, "True"), (txt, "False"), (tmp_path / "missing.pdf", "False"), (fifo, "False")):
        out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True, timeout=60)
        assert out.stdout.strip() == want, path
