#!/usr/bin/env python3
"""Cold-start benchmark of terms-scan against trivial baselines.

    python bench/bench.py            # 5 runs per row (median), prints the table
    python bench/bench.py -n 11 --json bench/out/result.json --check

Inputs are generated at run time into bench/out/ (git-ignored) from the shared corpora in
../shared/corpora/agreements (never copied into the repository):

* zh-10pages.pdf  a 10-page Chinese PDF (reportlab, built-in CID font STSong-Light)
* zh-20k.txt      ~20 KB of Chinese agreement text (UTF-8)
* en-20k.txt      ~20 KB of English agreement text

Each row runs a fresh process N times and reports the median wall time, the ratio to the
baselines (``python -c pass`` = interpreter start; ``pdftotext FILE - | grep -c 违约金`` = the
cheapest way to look into the PDF at all) and the peak resident memory of the process tree
(ru_maxrss from wait4). Targets: cold scan < 1.5 s, peak memory < 400 MB.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
CORPORA = ROOT.parent / "shared" / "corpora" / "agreements"
TARGET_SECONDS = 1.5
TARGET_MB = 400
FONT = "STSong-Light"


# --------------------------------------------------------------------------- inputs

def _corpus_text(prefix: str) -> str:
    files = sorted(p for p in CORPORA.glob(f"{prefix}*") if p.suffix in (".txt", ".md"))
    if not files:
        raise SystemExit(f"bench: no {prefix}* agreements in {CORPORA} (the shared corpora are needed)")
    # the telecom agreements first: they are the typical input
    files.sort(key=lambda p: (0 if "telecom" in p.name else 1, p.name))
    return "\n".join(p.read_text(encoding="utf-8") for p in files)


def _cut(text: str, nbytes: int) -> str:
    out, size = [], 0
    for line in text.splitlines(keepends=True):
        b = len(line.encode("utf-8"))
        if size + b > nbytes and out:
            break
        out.append(line)
        size += b
    return "".join(out)


def make_text(path: Path, prefix: str, nbytes: int = 20_000) -> Path:
    path.write_text(_cut(_corpus_text(prefix), nbytes), encoding="utf-8")
    return path


def make_pdf(path: Path, pages: int = 10, size: float = 10.5) -> Path:
    """Fill exactly ``pages`` A4 pages with Chinese corpus text, wrapped to the page width."""
    try:
        from reportlab.lib.pagesizes import A4
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont
        from reportlab.pdfgen import canvas
    except ImportError:
        raise SystemExit("bench: reportlab is needed to make the PDF: pip install reportlab")
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    w, h = A4
    margin, lead = 56, size * 1.5
    width = w - 2 * margin
    per_page = int((h - 2 * margin) // lead)
    lines: list[str] = []
    for para in _corpus_text("zh-").splitlines():
        para = para.strip()
        if not para:
            continue
        line = ""
        for ch in para:
            if pdfmetrics.stringWidth(line + ch, FONT, size) > width:
                lines.append(line)
                line = ""
            line += ch
        lines.append(line)
        if len(lines) >= pages * per_page:
            break
    c = canvas.Canvas(str(path), pagesize=A4)
    for p in range(pages):
        c.setFont(FONT, size)
        y = h - margin
        for line in lines[p * per_page:(p + 1) * per_page]:
            c.drawString(margin, y, line)
            y -= lead
        c.showPage()
    c.save()
    return path


# --------------------------------------------------------------------------- measuring

TIME = "/usr/bin/time"  # GNU time: its %M is the peak RSS of the measured process tree alone


def run_once(cmd: list[str] | str, shell: bool = False) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MB of the process tree, exit code) of one fresh run.

    Peak memory comes from GNU time when installed. Without it, wait4's ru_maxrss is used,
    which on Linux also counts this (forking) Python process, so it is an upper bound."""
    argv = ["/bin/bash", "-c", cmd] if shell else list(cmd)
    use_time = os.access(TIME, os.X_OK)
    if use_time:
        fd, rss_file = tempfile.mkstemp(prefix="bench-rss-")
        os.close(fd)
        argv = [TIME, "-f", "%M", "-o", rss_file] + argv
    t = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = rc = os.waitstatus_to_exitcode(status)
    if use_time:
        with open(rss_file) as fh:
            lines = fh.read().split()
        os.unlink(rss_file)
        kb = float(lines[-1])  # "Command exited with non-zero status N" may come first
    else:
        kb = ru.ru_maxrss / (1024 if sys.platform == "darwin" else 1)  # bytes on macOS, KB on Linux
    return wall, kb / 1024, rc


def measure(cmd, n: int, shell: bool = False, ok=(0,)) -> dict:
    run_once(cmd, shell)  # warm the file-system cache; not counted
    walls, mems = [], []
    for _ in range(n):
        wall, mb, rc = run_once(cmd, shell)
        if rc not in ok:
            raise SystemExit(f"bench: {cmd} exited {rc}")
        walls.append(wall)
        mems.append(mb)
    return {"median": statistics.median(walls), "min": min(walls), "max": max(walls), "peak_mb": max(mems)}


def terms_scan_cmd() -> list[str]:
    exe = shutil.which("terms-scan")
    return [exe] if exe else [sys.executable, "-m", "analyzer.cli"]


def check_output(cmd: list[str]) -> int:
    """Scan once for real and return the number of findings (so we time real work)."""
    p = subprocess.run(cmd + ["--format", "json"], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"bench: {' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
    return len(json.loads(p.stdout)["findings"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=5, help="runs per row (median is reported)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    ap.add_argument("--large", action="store_true",
                    help="only the large-input rows (issue 9): a real agreement inside 5 MB and 20 MB of filler; "
                         "targets: the same findings as the agreement alone (or an incomplete report), "
                         "within 60 s, peak memory <= 20 x the input")
    a = ap.parse_args()
    if a.large:
        return large(a)

    OUT.mkdir(exist_ok=True)
    pdf = make_pdf(OUT / "zh-10pages.pdf")
    zh = make_text(OUT / "zh-20k.txt", "zh-")
    en = make_text(OUT / "en-20k.txt", "en-")
    ts = terms_scan_cmd()

    rows: list[tuple[str, dict, bool]] = []  # (label, result, is a scan)
    base_py = measure([sys.executable, "-c", "pass"], a.n)
    rows.append(("python -c pass", base_py, False))
    base_pdf = None
    if shutil.which("pdftotext"):
        base_pdf = measure(f"pdftotext {pdf} - | grep -c 违约金", a.n, shell=True, ok=(0, 1))
        rows.append(("pdftotext PDF - | grep -c 违约金", base_pdf, False))
    else:
        print("bench: pdftotext not found (apt-get install poppler-utils): skipping that baseline")
    rows.append(("python -c 'import analyzer.engine.pipeline'",
                 measure([sys.executable, "-c", "import analyzer.engine.pipeline"], a.n), False))
    info = {}
    for label, path in (("10-page zh PDF", pdf), ("20 KB zh text", zh), ("20 KB en text", en)):
        info[label] = check_output(ts + [str(path)])
        rows.append((f"terms-scan {label}", measure(ts + [str(path), "--format", "json"], a.n), True))

    pages = subprocess.run([sys.executable, "-c", "import pdfplumber,sys; print(len(pdfplumber.open(sys.argv[1]).pages))",
                            str(pdf)], capture_output=True, text=True).stdout.strip()
    print(f"inputs: {pdf.name} ({pdf.stat().st_size // 1024} KB, {pages} pages), "
          f"{zh.name} ({zh.stat().st_size // 1024} KB), {en.name} ({en.stat().st_size // 1024} KB); "
          f"{a.n} runs per row, median; command: {' '.join(ts)} FILE --format json")
    print("findings: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    print("peak memory: " + ("GNU time %M (peak RSS of the command's process tree)" if os.access(TIME, os.X_OK)
                             else "wait4 ru_maxrss (upper bound: includes this Python process; install GNU time)"))
    print()
    head = f"{'command':44} {'median s':>9} {'min s':>7} {'x python':>9} {'x pdftotext':>12} {'peak MB':>8}  target"
    print(head)
    print("-" * len(head))
    failed = False
    for label, r, is_scan in rows:
        x_py = r["median"] / base_py["median"]
        x_pdf = f"{r['median'] / base_pdf['median']:12.1f}" if base_pdf else f"{'-':>12}"
        verdict = ""
        if is_scan:
            ok = r["median"] < TARGET_SECONDS and r["peak_mb"] < TARGET_MB
            failed |= not ok
            verdict = "ok" if ok else f"MISSED (< {TARGET_SECONDS} s, < {TARGET_MB} MB)"
        print(f"{label:44} {r['median']:9.3f} {r['min']:7.3f} {x_py:9.1f} {x_pdf} {r['peak_mb']:8.1f}  {verdict}")
    print()
    print(f"targets: cold scan < {TARGET_SECONDS} s, peak memory < {TARGET_MB} MB -> "
          + ("all met" if not failed else "MISSED"))
    if a.json:
        a.json.write_text(json.dumps({"runs": a.n, "rows": {l: r for l, r, _ in rows}, "findings": info,
                                      "targets": {"seconds": TARGET_SECONDS, "mb": TARGET_MB},
                                      "met": not failed}, indent=1), encoding="utf-8")
    return 1 if failed and a.check else 0


FILLER = {"zh": "本公司营业厅地址位于市中心，营业时间为每日九点至十八点，欢迎您前来咨询各类业务。\n",
          "en": "Our stores are open from nine to six every day and our staff will be glad to help you.\n"}


def large(a) -> int:
    """A real agreement in the middle of 5 MB / 20 MB of filler, one run each (they are slow)."""
    OUT.mkdir(exist_ok=True)
    ts = terms_scan_cmd()
    doc = {"zh": CORPORA / "zh-telecom-terminal-subsidy.txt", "en": CORPORA / "en-xfinity-residential-agreement.md"}
    failed = False
    print(f"{'input':28} {'MB':>6} {'s':>7} {'peak MB':>8} {'x input':>8} {'complete':>9} {'findings':>9} {'alone':>6}  verdict")
    for lang in ("zh", "en"):
        text = doc[lang].read_text(encoding="utf-8")
        alone_path = OUT / f"alone-{lang}.txt"
        alone_path.write_text(text, encoding="utf-8")
        alone = json.loads(subprocess.run(ts + [str(alone_path), "--format", "json"], capture_output=True,
                                          text=True).stdout)
        keys = {(f["category"], f["evidence"]) for f in alone["findings"]}
        for mb in (5, 20):
            half = FILLER[lang] * (mb * 1_000_000 // len(FILLER[lang].encode()) // 2)
            path = OUT / f"large-{lang}-{mb}mb.txt"
            path.write_text(half + text + half, encoding="utf-8")
            out = OUT / f"large-{lang}-{mb}mb.json"
            secs, peak, code = run_once(ts + [str(path), "--format", "json", "--allow-incomplete", "-o", str(out)])
            rep = json.loads(out.read_text(encoding="utf-8"))
            got = {(f["category"], f["evidence"]) for f in rep["findings"]}
            size = path.stat().st_size / 1e6
            same = got == keys
            ok = code == 0 and secs < 60 and peak <= 20 * size and (same or rep["complete"] is False)
            failed |= not ok
            print(f"{path.name:28} {size:6.1f} {secs:7.1f} {peak:8.0f} {peak / size:8.1f} {str(rep['complete']):>9} "
                  f"{len(got):9} {len(keys):6}  {'ok' if ok else 'MISSED'}"
                  + ("" if same or not rep["complete"] else "  (complete but findings differ)"))
    return 1 if failed and a.check else 0


if __name__ == "__main__":
    sys.exit(main())
