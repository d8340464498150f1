#!/usr/bin/env python3
"""Replay version histories through the weekly watch, one version per run, over a local server.

    python scripts/replay_versions.py [DIR ...] [--lang-out en|zh]

Each DIR holds successive versions ``v01_*``, ``v02_*``, … of one published document (default:
every folder of ../shared/corpora/versions). A server on 127.0.0.1 serves the versions in turn
to ``terms-scan watch`` (one fresh database per history); the script prints, per transition, the
status, the triage lines and the number changes, and per history the size of the versions and
of the database after all of them. The figures quoted in the notes come from here."""
from __future__ import annotations

import argparse
import contextlib
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERSIONS = ROOT.parent / "shared" / "corpora" / "versions"


def serve(state: dict) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body: bytes = state["body"]
            self.send_response(200)
            self.send_header("Content-Type", state.get("type", "text/markdown; charset=utf-8"))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def replay_digests(folder: Path, db: Path) -> list[tuple[str, object]]:
    """Serve the versions of ``folder`` in turn to ``terms-scan watch`` (database ``db``); the
    digest item of each run, labelled "v01", "v01 → v02", …"""
    from analyzer.watch.run import run_watch

    files = sorted(p for p in folder.iterdir() if p.name.startswith("v") and p.is_file())
    state: dict = {}
    server = serve(state)
    out: list[tuple[str, object]] = []
    try:
        sources = db.parent / f"{folder.name}.sources.yaml"
        doc_lang = "zh" if folder.name.startswith("zh") else "en"
        sources.write_text(f"- id: {folder.name}\n  url: http://127.0.0.1:{server.server_address[1]}/doc\n"
                           f"  lang: {doc_lang}\n", encoding="utf-8")
        for i, f in enumerate(files, start=1):
            state["body"] = f.read_bytes()
            state["type"] = "text/html; charset=utf-8" if f.suffix in (".html", ".htm") else "text/markdown; charset=utf-8"
            [sd] = run_watch(sources, db=db, workers=1).sources
            out.append((f"v{i - 1:02d} → v{i:02d}" if i > 1 else f"v{i:02d}", sd))
    finally:
        server.shutdown()
        server.server_close()
    return out


def replay(folder: Path, lang: str) -> list[str]:
    from analyzer.watch.triage import line as triage_line
    from analyzer.watch.triage import triage

    files = sorted(p for p in folder.iterdir() if p.name.startswith("v") and p.is_file())
    out = [f"## {folder.name} ({len(files)} versions)"]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "h.sqlite"
        for head, sd in replay_digests(folder, db):
            extra = f" ({len(sd.added)} findings)" if sd.status == "new" else ""
            out.append(f"- {head}: {sd.status}{extra}" + (f" — {sd.error}" if sd.error else ""))
            if sd.status == "changed":
                t = triage(sd, lang)
                out += [f"    {item.severity:<6} {triage_line(item, lang)[:200]}" for item in t.items]
                if t.editorial:
                    out.append(f"    + {t.editorial} editorial")
            if sd.numbers:
                out.append("    numbers: " + "; ".join(f"{n.kind}: {n.before} → {n.after}" for n in sd.numbers))
            if sd.removed:
                out.append(f"    removed clauses reported: {len(sd.removed)}")
        size = sum(f.stat().st_size for f in files)
        out.append(f"- versions {size / 1e6:.2f} MB; database after all of them {db.stat().st_size / 1e6:.2f} MB")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="*", type=Path)
    ap.add_argument("--lang-out", default="en", choices=("en", "zh"))
    a = ap.parse_args()
    import sys

    sys.path.insert(0, str(ROOT))
    dirs = a.dirs or sorted(p for p in VERSIONS.iterdir() if p.is_dir())
    for d in dirs:
        print("\n".join(replay(d, a.lang_out)))
        print()


if __name__ == "__main__":
    main()
