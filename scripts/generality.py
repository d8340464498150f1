"""Generality report: how many development documents each match alternative fires in.

    python scripts/generality.py                    # summary per category
    python scripts/generality.py --alternatives     # also every alternative, rarest first
    python scripts/generality.py --json out.json
    python scripts/generality.py --workers 1       # one process (default: one a core; ~3 min on two)

Documents: ../shared/corpora/agreements and the CLAUDETTE services (original_text). An
alternative "fires" in a document when, run alone in place of its pattern's `match` list (with
the pattern's require / exclude / cue / protection), it yields a finding there. Per category:
the alternatives that fire nowhere, in one document only, and the share of hits that come from
alternatives firing in 3+ documents (a pattern that fires in one document is a smell: it
memorised a sentence). The test split is never read.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "corpora"

from analyzer.engine.detect import detect, scripts_present  # noqa: E402
from analyzer.engine.extract import extract_path  # noqa: E402
from analyzer.engine.normalize import normalize  # noqa: E402
from analyzer.engine.patterns import _compile, _read, bundled_concepts, library  # noqa: E402
from analyzer.engine.segment import split_sentences  # noqa: E402


def documents() -> list[tuple[str, object, object, list, set]]:
    paths = sorted(p for p in (SHARED / "agreements").iterdir() if p.name != "gold.jsonl")
    claudette = SHARED / "claudette" / "original_text"
    if claudette.is_dir():
        paths += sorted(claudette.iterdir())
    out = []
    for p in paths:
        doc = extract_path(p)
        norm = normalize(doc.text)
        out.append((p.name, doc, norm, split_sentences(norm.text), scripts_present(norm.text)))
    return out


def alternatives(p) -> list[str]:
    data = _read(Path(p.path))[1]  # the library's own reader
    if data.get("match"):
        m = data["match"]
        return [m] if isinstance(m, str) else list(m)
    return ["{@" + data["concepts"][0] + "}"]


_DOCS: list = []  # the documents, read once before the workers fork (they inherit them)


def _rows(p) -> list[dict]:
    """One row per match alternative of pattern ``p``: the documents it fires in, alone."""
    concepts = bundled_concepts()
    rows = []
    for i, alt in enumerate(alternatives(p)):
        rx = _compile(Path(p.path), f"match[{i}]", [alt], p.lang, concepts)
        alone = dataclasses.replace(p, match=rx)
        fired, hits = [], 0
        for name, doc, norm, sents, scripts in _DOCS:
            if p.lang not in scripts:
                continue
            findings, _, _ = detect(doc, norm, sents, (alone,))
            if findings:
                fired.append(name)
                hits += len(findings)
        rows.append({"pattern": p.full_id, "category": p.category, "lang": p.lang, "index": i,
                     "alternative": alt, "documents": len(fired), "hits": hits, "fired_in": fired})
    return rows


def main() -> None:
    from analyzer.procs import cores, map_parallel

    ap = argparse.ArgumentParser()
    ap.add_argument("--alternatives", action="store_true")
    ap.add_argument("--json")
    ap.add_argument("--workers", type=int, default=cores(),
                    help="processes (default: the cores); every pattern is one job")
    a = ap.parse_args()
    _DOCS[:] = documents()
    docs = _DOCS
    patterns = list(library())
    rows = [r for got in map_parallel(_rows, patterns, a.workers) for r in got]
    by_cat: dict[str, dict] = defaultdict(lambda: {"alternatives": 0, "none": 0, "one": 0, "hits": 0, "hits3": 0})
    for r in rows:
        c = by_cat[r["category"]]
        c["alternatives"] += 1
        c["none"] += r["documents"] == 0
        c["one"] += r["documents"] == 1
        c["hits"] += r["hits"]
        c["hits3"] += r["hits"] if r["documents"] >= 3 else 0
    print(f"generality over {len(docs)} development documents (agreements + CLAUDETTE)")
    print(f"{'category':24} {'alts':>5} {'fire 0':>7} {'fire 1':>7} {'hits':>6} {'share 3+':>9}")
    tot = {"alternatives": 0, "none": 0, "one": 0, "hits": 0, "hits3": 0}
    for cat in sorted(by_cat):
        c = by_cat[cat]
        for k in tot:
            tot[k] += c[k]
        share = c["hits3"] / c["hits"] if c["hits"] else 0.0
        print(f"{cat:24} {c['alternatives']:5} {c['none']:7} {c['one']:7} {c['hits']:6} {share:9.2f}")
    share = tot["hits3"] / tot["hits"] if tot["hits"] else 0.0
    print(f"{'all':24} {tot['alternatives']:5} {tot['none']:7} {tot['one']:7} {tot['hits']:6} {share:9.2f}")
    if a.alternatives:
        for r in sorted(rows, key=lambda r: (r["documents"], r["pattern"], r["index"])):
            print(f"{r['documents']:3} docs {r['hits']:4} hits  {r['pattern']}[{r['index']}]  {r['alternative'][:100]}")
    if a.json:
        Path(a.json).write_text(json.dumps({"categories": by_cat, "alternatives": rows}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
