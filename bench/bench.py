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
baselines (``python -c pass`` = interpreter start; ``pdftotext FILE - | grep -c 合`` = the
cheapest way to look into the PDF at all) and the peak resident memory of the process tree
(ru_maxrss from wait4). Targets: cold scan < 1.5 s, peak memory < 400 MB; the 10-page PDF
(issue 12): <= 0.5 s and <= 15x pdftotext in the same run. The PDF is also scanned with
TERMS_SCAN_PDF_ENGINE=pdfplumber (the extraction before issue 12), for comparison.

    python bench/bench.py --pdf-compare   # findings from PDFium vs pdfplumber text (issue 12)

renders every agreement of the shared corpora to PDF (and takes any .pdf there as it is) and
compares the findings (category, page) of the two extractions.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
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
TARGET_PDF_SECONDS = 0.5  # the 10-page Chinese PDF, cold (issue 12)
TARGET_PDF_X_PDFTOTEXT = 15.0
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


def _reportlab():
    try:
        from reportlab.lib.pagesizes import A4
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont
        from reportlab.pdfgen import canvas
    except ImportError:
        raise SystemExit("bench: reportlab is needed to make the PDF: pip install reportlab") from None
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return A4, pdfmetrics, canvas


def _wrap(text: str, width: float, size: float, limit: int | None = None) -> list[str]:
    """Lines of at most ``width`` points (character by character, like a PDF printer); blank
    lines are dropped; stops after ``limit`` lines."""
    _, pdfmetrics, _ = _reportlab()
    lines: list[str] = []
    for para in text.splitlines():
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
        if limit is not None and len(lines) >= limit:
            break
    return lines


def _draw(path: Path, lines: list[str], per_page: int, size: float, margin: float, lead: float) -> Path:
    a4, _, canvas = _reportlab()
    w, h = a4
    c = canvas.Canvas(str(path), pagesize=a4)
    for p in range(max(1, -(-len(lines) // per_page))):
        c.setFont(FONT, size)
        y = h - margin
        for line in lines[p * per_page:(p + 1) * per_page]:
            c.drawString(margin, y, line)
            y -= lead
        c.showPage()
    c.save()
    return path


def make_pdf(path: Path, pages: int = 10, size: float = 10.5, text: str | None = None) -> Path:
    """Fill exactly ``pages`` A4 pages with Chinese corpus text, wrapped to the page width (with
    ``text``: all of it, on as many pages as it takes)."""
    a4, _, _ = _reportlab()
    w, h = a4
    margin, lead = 56, size * 1.5
    per_page = int((h - 2 * margin) // lead)
    if text is not None:
        return _draw(path, _wrap(text, w - 2 * margin, size), per_page, size, margin, lead)
    lines = _wrap(_corpus_text("zh-"), w - 2 * margin, size, pages * per_page)
    return _draw(path, lines[:pages * per_page], per_page, size, margin, lead)


# --------------------------------------------------------------------------- measuring

TIME = "/usr/bin/time"  # GNU time: its %M is the peak RSS of the measured process tree alone


def run_once(cmd: list[str] | str, shell: bool = False) -> tuple[float, float, int, float]:
    """(wall seconds, peak RSS MB of the process tree, exit code, CPU seconds) of one fresh run.
    CPU time (user + system, of the whole process tree) hardly depends on what else the
    machine runs; wall time does.

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
    return wall, kb / 1024, rc, ru.ru_utime + ru.ru_stime


def measure(cmd, n: int, shell: bool = False, ok=(0,)) -> dict:
    run_once(cmd, shell)  # warm the file-system cache; not counted
    walls, mems, cpus = [], [], []
    for _ in range(n):
        wall, mb, rc, cpu = run_once(cmd, shell)
        if rc not in ok:
            raise SystemExit(f"bench: {cmd} exited {rc}")
        walls.append(wall)
        mems.append(mb)
        cpus.append(cpu)
    return {"median": statistics.median(walls), "min": min(walls), "max": max(walls), "peak_mb": max(mems),
            "cpu": statistics.median(cpus)}


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
    ap.add_argument("--ocr", action="store_true",
                    help="only OCR (issue 12): the 10-page PDF rendered to an image-only PDF (a scan) and its first "
                         "3 pages as PNG screenshots, read by OCR; seconds per page and peak memory")
    ap.add_argument("--pdf-compare", action="store_true",
                    help="only compare the findings of PDFium and pdfplumber text on the corpora printed to PDF")
    a = ap.parse_args()
    if a.large:
        return large(a)
    if a.pdf_compare:
        return pdf_compare()
    if a.ocr:
        return ocr_bench(a)

    OUT.mkdir(exist_ok=True)
    pdf = make_pdf(OUT / "zh-10pages.pdf")
    zh = make_text(OUT / "zh-20k.txt", "zh-")
    en = make_text(OUT / "en-20k.txt", "en-")
    ts = terms_scan_cmd()
    rows, base_py, base_pdf, info = measure_rows(a.n, ts, pdf, zh, en)

    pages = subprocess.run([sys.executable, "-c", "import pypdfium2,sys; print(len(pypdfium2.PdfDocument(sys.argv[1])))",
                            str(pdf)], capture_output=True, text=True).stdout.strip()
    print(f"inputs: {pdf.name} ({pdf.stat().st_size // 1024} KB, {pages} pages), "
          f"{zh.name} ({zh.stat().st_size // 1024} KB), {en.name} ({en.stat().st_size // 1024} KB); "
          f"{a.n} runs per row, median; command: {' '.join(ts)} FILE --format json")
    print("findings: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    print("peak memory: " + ("GNU time %M (peak RSS of the command's process tree)" if os.access(TIME, os.X_OK)
                             else "wait4 ru_maxrss (upper bound: includes this Python process; install GNU time)"))
    print()
    failed = print_table(rows, base_py, base_pdf)
    print()
    print(f"targets: cold scan < {TARGET_SECONDS} s, peak memory < {TARGET_MB} MB; the 10-page PDF <= "
          f"{TARGET_PDF_SECONDS} s and <= {TARGET_PDF_X_PDFTOTEXT:g}x pdftotext -> " + ("all met" if not failed else "MISSED"))
    if a.json:
        a.json.write_text(json.dumps({"runs": a.n, "rows": {label: r for label, r, _ in rows}, "findings": info,
                                      "targets": {"seconds": TARGET_SECONDS, "mb": TARGET_MB,
                                                  "pdf_seconds": TARGET_PDF_SECONDS,
                                                  "pdf_x_pdftotext": TARGET_PDF_X_PDFTOTEXT},
                                      "met": not failed}, indent=1), encoding="utf-8")
    return 1 if failed and a.check else 0


PDF_ROW = "terms-scan 10-page zh PDF"


def measure_rows(n: int, ts: list[str], pdf: Path, zh: Path, en: Path) -> tuple[list, dict, dict | None, dict]:
    """(rows as (label, result, is a scan), python baseline, pdftotext baseline or None, findings)."""
    rows: list[tuple[str, dict, bool]] = []
    base_py = measure([sys.executable, "-c", "pass"], n)
    rows.append(("python -c pass", base_py, False))
    base_pdf = None
    if shutil.which("pdftotext"):
        base_pdf = measure(f"pdftotext {shlex.quote(str(pdf))} - | grep -c 合", n, shell=True, ok=(0, 1))
        rows.append(("pdftotext PDF - | grep -c 合", base_pdf, False))
    else:
        print("bench: pdftotext not found (apt-get install poppler-utils): skipping that baseline "
              f"and the <= {TARGET_PDF_X_PDFTOTEXT:g}x pdftotext target")
    rows.append(("python -c 'import analyzer.engine.pipeline'",
                 measure([sys.executable, "-c", "import analyzer.engine.pipeline"], n), False))
    info = {}
    for label, path in (("10-page zh PDF", pdf), ("20 KB zh text", zh), ("20 KB en text", en)):
        info[label] = check_output(ts + [str(path)])
        rows.append((f"terms-scan {label}", measure(ts + [str(path), "--format", "json"], n), True))
    slow = " ".join(shlex.quote(x) for x in ts + [str(pdf), "--format", "json"])
    rows.append(("  same, no regex cache (a first run)",
                 measure(f"TERMS_SCAN_NO_REGEX_CACHE=1 {slow} >/dev/null", n, shell=True), False))
    rows.append(("  same, TERMS_SCAN_PDF_ENGINE=pdfplumber",
                 measure(f"TERMS_SCAN_PDF_ENGINE=pdfplumber {slow} >/dev/null", n, shell=True), False))
    # the PDF's text alone (imports included): what the extraction costs of the scan
    text_only = f"from analyzer.engine.extract import extract_path; extract_path(__import__('pathlib').Path({str(pdf)!r}))"
    for engine in ("pdfium", "pdfplumber"):
        rows.append((f"  PDF text only, {engine}", measure(f"TERMS_SCAN_PDF_ENGINE={engine} {shlex.quote(sys.executable)} "
                                                          f"-c {shlex.quote(text_only)}", n, shell=True), False))
    return rows, base_py, base_pdf, info


def print_table(rows: list, base_py: dict, base_pdf: dict | None) -> bool:
    """Print the table; True when a target was missed."""
    head = (f"{'command':44} {'median s':>9} {'min s':>7} {'cpu s':>6} {'x python':>9} {'x pdftotext':>12} "
            f"{'cpu x pdftotext':>16} {'peak MB':>8}  target")
    print(head)
    print("-" * len(head))
    failed = False
    for label, r, is_scan in rows:
        x_py = r["median"] / base_py["median"]
        x_pdf = f"{r['median'] / base_pdf['median']:12.1f}" if base_pdf else f"{'-':>12}"
        cpu_x = f"{r['cpu'] / base_pdf['cpu']:16.1f}" if base_pdf and base_pdf["cpu"] > 0 else f"{'-':>16}"
        verdict = ""
        if is_scan:
            ok = r["median"] < TARGET_SECONDS and r["peak_mb"] < TARGET_MB
            want = f"< {TARGET_SECONDS} s, < {TARGET_MB} MB"
            if label == PDF_ROW:
                ok = ok and r["median"] <= TARGET_PDF_SECONDS
                want = f"<= {TARGET_PDF_SECONDS} s, < {TARGET_MB} MB"
                if base_pdf:
                    ok = ok and r["median"] / base_pdf["median"] <= TARGET_PDF_X_PDFTOTEXT
                    want += f", <= {TARGET_PDF_X_PDFTOTEXT:g}x pdftotext"
            failed |= not ok
            verdict = "ok" if ok else f"MISSED ({want})"
        print(f"{label:44} {r['median']:9.3f} {r['min']:7.3f} {r['cpu']:6.2f} {x_py:9.1f} {x_pdf} {cpu_x} "
              f"{r['peak_mb']:8.1f}  {verdict}")
    return failed


def _closer_to_source(src: Path, scanner, fast, slow) -> str:
    """For the categories that differ: which extraction has as many as the source text itself."""
    from collections import Counter

    if src.suffix == ".pdf":
        return ""
    want = Counter(f.category for f in scanner.scan_path(src).findings)
    cats = {name: Counter(c for (c, _), k in got.items() for _ in range(k)) for name, got in (("PDFium", fast), ("pdfplumber", slow))}
    out = []
    for c in sorted({c for c, _ in (fast - slow) + (slow - fast)}):
        near = [name for name in cats if abs(cats[name][c] - want[c]) == min(abs(v[c] - want[c]) for v in cats.values())]
        out.append(f"{c}: source text {want[c]}, PDFium {cats['PDFium'][c]}, pdfplumber {cats['pdfplumber'][c]}"
                   + (f" (closer: {near[0]})" if len(near) == 1 else ""))
    return "; " + "; ".join(out)


def pdf_compare() -> int:
    """Findings (category, page) from PDFium's text and from pdfplumber's, for every agreement
    of the corpora printed to PDF and every .pdf there; exit 1 when any differ."""
    from collections import Counter

    from analyzer.engine.extract import extract_path
    from analyzer.engine.pipeline import Scanner

    out = OUT / "pdf-compare"
    out.mkdir(parents=True, exist_ok=True)
    scanner = Scanner()
    sources = sorted(p for p in CORPORA.iterdir() if p.suffix in (".txt", ".md", ".pdf"))
    print(f"real .pdf files in {CORPORA}: {sum(p.suffix == '.pdf' for p in sources)}")
    differ = 0
    for src in sources:
        pdf = src if src.suffix == ".pdf" else make_pdf(out / f"{src.stem}.pdf", text=src.read_text(encoding="utf-8"))
        got, secs = {}, {}
        for engine in ("pdfium", "pdfplumber"):
            os.environ["TERMS_SCAN_PDF_ENGINE"] = engine
            t = time.perf_counter()
            doc = extract_path(pdf)
            secs[engine] = time.perf_counter() - t
            got[engine] = Counter((f.category, f.location.page) for f in scanner.scan_document(doc).findings)
        os.environ.pop("TERMS_SCAN_PDF_ENGINE")
        fast, slow = got["pdfium"], got["pdfplumber"]
        differ += fast != slow
        print(f"{src.name:44} {len(doc.pages):3} pages  findings {sum(fast.values()):4} / {sum(slow.values()):4}  "
              f"text {secs['pdfium'] * 1000:6.0f} ms / {secs['pdfplumber'] * 1000:6.0f} ms  "
              + ("same" if fast == slow else f"DIFFER: only PDFium {dict(fast - slow)}, only pdfplumber {dict(slow - fast)}"
                 + _closer_to_source(src, scanner, fast, slow)))
    print(f"{len(sources) - differ} of {len(sources)} documents: the same findings (category, page) from both")
    return 1 if differ else 0


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
            secs, peak, code, _ = run_once(ts + [str(path), "--format", "json", "--allow-incomplete", "-o", str(out)])
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



def make_scanned(pdf: Path, out_pdf: Path, pngs_dir: Path, scale: float = 2.0) -> list[Path]:
    """The PDF's pages as images: an image-only PDF (no text layer) and one PNG a page."""
    import pypdfium2 as pdfium

    pngs_dir.mkdir(exist_ok=True)
    doc = pdfium.PdfDocument(str(pdf))
    imgs = [doc[i].render(scale=scale).to_pil().convert("RGB") for i in range(len(doc))]
    doc.close()
    imgs[0].save(out_pdf, format="PDF", save_all=True, append_images=imgs[1:], resolution=72 * scale)
    pngs = []
    for i, im in enumerate(imgs, start=1):
        pngs.append(pngs_dir / f"page-{i}.png")
        im.save(pngs[-1])
    return pngs


def ocr_bench(a) -> int:
    """OCR throughput: a scanned 10-page PDF and 3 screenshots, cold, with seconds per page."""
    try:
        import onnxruntime  # noqa: F401
        import rapidocr  # noqa: F401
    except ImportError:
        print("bench: the [ocr] extra is not installed (pip install 'terms-scan[ocr]')")
        return 1
    OUT.mkdir(exist_ok=True)
    pdf = make_pdf(OUT / "zh-10pages.pdf")
    scanned = OUT / "zh-10pages-scanned.pdf"
    pngs = make_scanned(pdf, scanned, OUT / "zh-pages")
    ts = terms_scan_cmd()
    n = max(1, min(a.n, 3))
    text = measure(ts + [str(pdf), "--format", "json"], n)
    scan = measure(ts + [str(scanned), "--format", "json"], n)
    shots = measure(ts + [str(p) for p in pngs[:3]] + ["--format", "json"], n)
    print(f"{n} runs per row, median; OCR workers: {os.environ.get('TERMS_SCAN_OCR_WORKERS', '2')}")
    print(f"{'command':44} {'median s':>9} {'cpu s':>7} {'s/page':>7} {'cpu s/page':>11} {'peak MB':>8}")
    for label, r, pages in (("text PDF, 10 pages (no OCR)", text, 10), ("scanned PDF, 10 pages (OCR)", scan, 10),
                            ("3 PNG screenshots (OCR)", shots, 3)):
        print(f"{label:44} {r['median']:9.2f} {r['cpu']:7.2f} {r['median'] / pages:7.2f} {r['cpu'] / pages:11.2f} "
              f"{r['peak_mb']:8.1f}")
    findings = {label: check_output(ts + args) for label, args in
                (("text PDF", [str(pdf)]), ("scanned PDF", [str(scanned)]))}
    print("findings: " + ", ".join(f"{k} {v}" for k, v in findings.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
