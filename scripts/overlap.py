#!/usr/bin/env python3
"""How much of a candidate development document is also in the measurement split.

    python scripts/overlap.py FILE [FILE...]

Prints, per file, only the largest share of its 20-character shingles (letters and digits,
NFKC, lower case) found in any one document of ../shared/corpora/test: a number, never the
test text. A real agreement gathered for development must score below 0.05, or it would
make the measurement split development data."""
from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

TEST = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "test"
K = 20


def shingles(text: str) -> set[str]:
    t = "".join(c for c in unicodedata.normalize("NFKC", text).lower() if c.isalnum())
    return {t[i:i + K] for i in range(0, max(0, len(t) - K + 1))}


def main(paths: list[str]) -> int:
    tests = [shingles(p.read_text(encoding="utf-8", errors="replace"))
             for p in sorted(TEST.iterdir()) if p.is_file() and p.name != "gold.jsonl"]
    for name in paths:
        mine = shingles(Path(name).read_text(encoding="utf-8", errors="replace"))
        worst = max((len(mine & t) / len(mine) for t in tests if mine), default=0.0)
        print(f"{name}: overlap {worst:.3f}" + ("  REJECT (shares text with the measurement split)" if worst >= 0.05 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
