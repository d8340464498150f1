"""Developer aid: the score.py table for a corpus, scanned in-process (seconds, not minutes).

    python scripts/score_dev.py                          # ../shared/corpora/agreements
    python scripts/score_dev.py --dir tests/data/heldout2
    python scripts/score_dev.py --claudette              # CLAUDETTE dev (LIST.txt)
    python scripts/score_dev.py --dir DIR --model        # the sentence model in every category (terms-scan --model)
    python scripts/score_dev.py --dir DIR --no-model     # the patterns alone (terms-scan --no-model)

Matching is ../shared/tools/score.py's (imported). Prints the category table, the
high-severity aggregate and the values line. Use the real score.py (subprocess, the CLI) for
figures quoted in notes; this one is for the edit-measure loop on development data only.
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
from analyzer.engine.taxonomy import CATEGORIES  # noqa: E402

HIGH = [c for c, v in CATEGORIES.items() if v.severity == "high"]


def high_severity(counts: dict) -> tuple[float, float]:
    t = {m: sum(counts.get(k, {}).get(m, 0) for k in HIGH) for m in ("tp", "ftp", "fp", "fn")}
    p = t["ftp"] / max(1, t["ftp"] + t["fp"])
    r = t["tp"] / max(1, t["tp"] + t["fn"])
    return p, r


def clauses(root: Path, scanner: Scanner) -> dict:
    gold = defaultdict(list)
    for line in (root / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            g = json.loads(line)
            gold[g["doc"]].append(g)
    counts: dict = defaultdict(lambda: {"tp": 0, "ftp": 0, "fp": 0, "fn": 0, "found": 0})
    vals = [0, 0]
    for doc in sorted(gold):
        hay = score.norm((root / doc).read_text(encoding="utf-8", errors="replace"))[0]
        rep = scanner.scan_path(root / doc).to_dict()
        fs = [(f, score.finding_spans(f, hay)) for f in rep["findings"]]
        gs = [(g, score.locate(score.norm(g["quote"])[0], hay)) for g in gold[doc]]
        for f, sp in fs:
            counts[f["category"]]["found"] += 1
            hit = any(g["category"] == f["category"] and score.overlaps(sp, s) for g, s in gs)
            counts[f["category"]]["ftp" if hit else "fp"] += 1
        for g, s in gs:
            m = [f for f, sp in fs if f["category"] == g["category"] and score.overlaps(sp, s)]
            counts[g["category"]]["tp" if m else "fn"] += 1
            if m and g.get("values"):
                vals[1] += 1
                vals[0] += any(score.values_agree(g["values"], f["values"]) for f in m)
    out = score.table(counts, f"clauses: {root.name} ({len(gold)} documents)")
    p, r = high_severity(counts)
    print(f"high-severity P {p:.2f} R {r:.2f}")
    print(f"values correct: {vals[0]}/{vals[1]}")
    out["high"] = {"precision": p, "recall": r}
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default=str(SHARED / "corpora" / "agreements"))
    ap.add_argument("--claudette", action="store_true")
    ap.add_argument("--model", dest="model", action="store_true", default=None,
                    help="the sentence model's findings in every category (terms-scan --model)")
    ap.add_argument("--no-model", dest="model", action="store_false", help="the patterns alone (terms-scan --no-model)")
    a = ap.parse_args()
    scanner = Scanner(model=a.model)
    if a.claudette:
        import os
        import shlex
        flag = {True: ["--model"], False: ["--no-model"], None: []}[a.model]
        os.environ["TERMS_SCAN"] = " ".join(shlex.quote(x) for x in (sys.executable, "-m", "analyzer.cli", *flag))
        root = SHARED / "corpora" / "claudette"
        names = (root / "LIST.txt").read_text().split()
        score.score_claudette(root, names)
        return
    if "/test" in str(Path(a.dir).resolve()).replace("\\", "/").rstrip("/")[-5:]:
        raise SystemExit("the test split is for measurement only: use ../shared/tools/score.py")
    clauses(Path(a.dir), scanner)


if __name__ == "__main__":
    main()
