#!/usr/bin/env python3
"""Developer aid: check the pattern library against a sweep of real phrasings of a few categories.

    python scripts/sweep.py /work/realdev/sweep-x/phrases.jsonl [...] [--fails] [--json OUT]

A sweep file holds one JSON object a line, each a short passage (one clause, a sentence or two)
quoted from a real published agreement, product page or terms, outside the repository:

    {"text": "...", "expect": "dispute_resolution", "source": "https://...", "lang": "zh"}
    {"text": "...", "expect": "none:auto_renewal", "source": "https://..."}

``expect`` is a category the passage states (it must be found), or ``none:CATEGORY`` for a
passage that mentions the category's words but binds no one to that term (a heading, a
question, a how-to, the buyer's own right, a protection): that category must not be found.
Each passage is scanned on its own. Passages sharing much text with the measurement split
(``../shared/corpora/test``) are left out and only counted: the split stays unread.

Prints, per category, how many passages are found (recall over the sweep) and how many
negatives fire; ``--fails`` lists the passages that fail (text cut to 160 characters).

How a sweep is run (sessions 8-9; the figures are in their notes): per group of categories,
collect 45+ passages from many publishers in both languages, about a third of them look-alike
negatives; **label every passage before the first scan** and keep that first output (it is the
honest figure: how the library does on phrasings it was not written from); then write patterns
as phrasing families with invented examples (never a collected passage: the texts belong to
their publishers and stay outside the repository), and check the development corpus and
CLAUDETTE do not get worse. Whole documents gathered the same way go through
``scripts/overlap.py`` first (limit 0.05): public copies of the measurement split's documents
are easy to pick up.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import overlap  # noqa: E402  (scripts/overlap.py: shingles, the measurement split's path)

from analyzer.engine.pipeline import Scanner  # noqa: E402
from analyzer.engine.taxonomy import CATEGORIES  # noqa: E402
from analyzer.errors import InputError  # noqa: E402

MAX_SHARED = 0.3  # a passage with more of its shingles in one test document is left out


def _test_shingles() -> list[set[str]]:
    if not overlap.TEST.is_dir():
        return []
    return [overlap.shingles(p.read_text(encoding="utf-8", errors="replace"))
            for p in sorted(overlap.TEST.iterdir()) if p.is_file() and p.name != "gold.jsonl"]


def _load(paths: list[str]) -> list[dict[str, Any]]:
    items = []
    for name in paths:
        for n, line in enumerate(Path(name).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as err:
                raise SystemExit(f"{name}:{n}: not JSON: {err}") from err
            cat = str(item.get("expect", "")).removeprefix("none:")
            if not isinstance(item.get("text"), str) or cat not in CATEGORIES:
                raise SystemExit(f"{name}:{n}: needs 'text' and 'expect' (a category or none:CATEGORY)")
            item["_where"] = f"{Path(name).parent.name}:{n}"
            items.append(item)
    return items


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--fails", action="store_true", help="list the passages that fail")
    ap.add_argument("--json", help="write per-passage results here")
    args = ap.parse_args()
    items = _load(args.files)
    tests = _test_shingles()
    scanner = Scanner()
    pos: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    neg: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    left_out, too_short, fails, results = 0, 0, [], []
    for item in items:
        mine = overlap.shingles(item["text"])
        if mine and any(len(mine & t) / len(mine) > MAX_SHARED for t in tests):
            left_out += 1
            continue
        try:
            report = scanner.scan_text(item["text"], source=item["_where"], lang=item.get("lang"))
        except InputError:  # too little text to assess: a sweep passage must be a whole clause
            too_short += 1
            continue
        found = {f.category for f in report.findings}
        expect = item["expect"]
        cat = expect.removeprefix("none:")
        ok = (cat in found) != expect.startswith("none:")
        table = neg if expect.startswith("none:") else pos
        table[cat][0] += ok if table is pos else (not ok)
        table[cat][1] += 1
        results.append({"where": item["_where"], "expect": expect, "found": sorted(found), "ok": ok})
        if not ok:
            fails.append((item["_where"], expect, sorted(found), item["text"]))
    print(f"{'category':26} {'found':>9} {'recall':>7} {'neg fired':>10}")
    for cat in sorted(set(pos) | set(neg)):
        f, n = pos[cat]
        nf, nn = neg[cat]
        rec = f"{f / n:7.2f}" if n else f"{'-':>7}"
        print(f"{cat:26} {f:4}/{n:<4} {rec} {nf:5}/{nn:<4}")
    tp = sum(v[0] for v in pos.values())
    tn = sum(v[1] for v in pos.values())
    nf = sum(v[0] for v in neg.values())
    nn = sum(v[1] for v in neg.values())
    print(f"{'all':26} {tp:4}/{tn:<4} {tp / max(1, tn):7.2f} {nf:5}/{nn:<4}")
    if left_out:
        print(f"({left_out} passage(s) left out: they share text with the measurement split)")
    if too_short:
        print(f"({too_short} passage(s) too short to scan: quote the whole clause)")
    if args.fails:
        for where, expect, found_cats, text in fails:
            cut = " ".join(text.split())
            print(f"\n{where} expect {expect}, found {found_cats or '-'}\n  {cut[:160]}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
