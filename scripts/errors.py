"""Developer aid: list missed gold lines and unmatched findings for some categories.

    python scripts/errors.py lock_in [early_termination_fee ...] [--docs zh-] [--fp] [--fn]
    python scripts/errors.py dispute_resolution --claudette [--fn]   # CLAUDETTE sentences

Matching follows ../shared/tools/score.py (same category, evidence overlaps the quote on
letters and digits); documents are scanned in-process, so a run takes seconds.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(SHARED / "tools"))

import score  # noqa: E402  (../shared/tools/score.py)

from analyzer.engine.pipeline import Scanner  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("categories", nargs="*")
    ap.add_argument("--docs", default="", help="only documents whose name starts with this")
    ap.add_argument("--dir", default=str(SHARED / "corpora" / "agreements"))
    ap.add_argument("--fp", action="store_true", help="show only false positives")
    ap.add_argument("--fn", action="store_true", help="show only misses")
    ap.add_argument("--claudette", action="store_true", help="CLAUDETTE sentences instead of clause gold")
    a = ap.parse_args()
    if a.claudette:
        return claudette(set(a.categories), a.fp, a.fn, a.docs)
    root = Path(a.dir)
    gold = defaultdict(list)
    for line in (root / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            g = json.loads(line)
            gold[g["doc"]].append(g)
    scanner = Scanner()
    cats = set(a.categories)
    counts = defaultdict(lambda: [0, 0, 0, 0])  # tp(gold), fn, ftp, fp
    for doc in sorted(gold):
        if not doc.startswith(a.docs):
            continue
        raw = (root / doc).read_text(encoding="utf-8", errors="replace")
        hay = score.norm(raw)[0]
        rep = scanner.scan_path(root / doc).to_dict()
        fs = [(f, score.finding_spans(f, hay)) for f in rep["findings"]]
        gs = [(g, score.locate(score.norm(g["quote"])[0], hay)) for g in gold[doc]]
        for f, sp in fs:
            hit = any(g["category"] == f["category"] and score.overlaps(sp, s) for g, s in gs)
            counts[f["category"]][2 if hit else 3] += 1
            if not hit and (not cats or f["category"] in cats) and not a.fn:
                print(f"FP {doc} {f['category']} [{f['pattern']}] {f['evidence'][:160]!r}")
        for g, s in gs:
            m = [f for f, sp in fs if f["category"] == g["category"] and score.overlaps(sp, s)]
            counts[g["category"]][0 if m else 1] += 1
            if (not cats or g["category"] in cats) and not a.fp:
                if not m:
                    print(f"FN {doc} {g['category']} {g['quote'][:160]!r}")
                elif g.get("values") and not any(score.values_agree(g["values"], f["values"]) for f in m):
                    print(f"VAL {doc} {g['category']} want {g['values']} got {[f['values'] for f in m]} {g['quote'][:80]!r}")
    print()
    for c in sorted(counts):
        if cats and c not in cats:
            continue
        tp, fn, ftp, fp = counts[c]
        p = ftp / (ftp + fp) if ftp + fp else 1
        r = tp / (tp + fn) if tp + fn else 1
        print(f"{c:24} gold {tp + fn:4} tp {tp:4} fn {fn:4} fp {fp:4}  P {p:.2f} R {r:.2f}")


def claudette(cats: set[str], only_fp: bool, only_fn: bool, prefix: str) -> None:
    root = SHARED / "corpora" / "claudette"
    scanner = Scanner()
    for name in (root / "LIST.txt").read_text().split():
        if not name.startswith(prefix):
            continue
        sents = (root / "sentences" / name).read_text(encoding="utf-8").splitlines()
        tags = (root / "tags" / name).read_text(encoding="utf-8").splitlines()
        hay, bounds = "", []
        for s in sents:
            n = score.norm(s)[0]
            bounds.append((len(hay), len(hay) + len(n)))
            hay += n
        gold = [defaultdict(int) for _ in sents]
        for i, t in enumerate(tags):
            for tag in t.split():
                label = tag.rstrip("0123456789")
                level = int(tag[len(label):] or 0)
                if label in score.CLAUDETTE_MAP:
                    cat = score.CLAUDETTE_MAP[label]
                    gold[i][cat] = max(gold[i][cat], level)
        pred = [dict() for _ in sents]
        for f in scanner.scan_path(root / "original_text" / name).to_dict()["findings"]:
            for x, y in score.finding_spans(f, hay):
                for i, (s0, s1) in enumerate(bounds):
                    if s0 < y and x < s1:
                        pred[i].setdefault(f["category"], f["pattern"])
        for i, s in enumerate(sents):
            for cat in cats or set(score.CLAUDETTE_MAP.values()):
                level, hit = gold[i].get(cat, 0), cat in pred[i]
                if level >= 2 and not hit and not only_fp:
                    print(f"FN {name} {cat} {s[:200]!r}")
                elif level == 0 and hit and not only_fn:
                    print(f"FP {name} {cat} [{pred[i][cat]}] {s[:200]!r}")


if __name__ == "__main__":
    main()
