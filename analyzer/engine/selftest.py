"""Run every pattern's own examples through the real pipeline (that pattern alone).

    python -m analyzer.engine.selftest                # all patterns
    python -m analyzer.engine.selftest lock_in/zh-    # those whose id starts with this

An example expecting ``finding`` must give a finding of the pattern's category whose values
include the example's values; ``protection`` must give a protection; ``none`` neither.
"""
from __future__ import annotations

import sys
from typing import Any

from .detect import detect
from .extract import extract_bytes
from .normalize import normalize
from .patterns import Example, Pattern, library
from .segment import split_sentences


def _same(want: Any, got: Any) -> bool:
    if isinstance(want, (int, float)) and not isinstance(want, bool):
        try:
            return abs(float(got) - float(want)) < 1e-6
        except (TypeError, ValueError):
            return False
    return str(want).lower() == str(got).lower()


def check_example(p: Pattern, ex: Example) -> str | None:
    """None when the example behaves as it says, else what went wrong."""
    doc = extract_bytes(ex.text.encode("utf-8"), f"{p.full_id} example", "text")
    norm = normalize(doc.text)
    findings, protections, warnings = detect(doc, norm, split_sentences(norm.text), (p,))
    findings = [f for f in findings if f.category == p.category]
    protections = [x for x in protections if x.category == p.category]
    if warnings:
        return "; ".join(warnings)
    if ex.expect == "finding":
        if not findings:
            return "expected a finding, got " + ("a protection" if protections else "nothing")
        for key, want in ex.values.items():
            if not any(_same(want, f.values.get(key)) for f in findings):
                return f"value {key}: expected {want!r}, got {[f.values.get(key) for f in findings]!r}"
        return None
    if ex.expect == "protection":
        if not protections:
            return "expected a protection, got " + ("a finding" if findings else "nothing")
        return None
    if findings or protections:
        return "expected nothing, got " + ("a finding" if findings else "a protection")
    return None


def run(prefix: str = "") -> list[str]:
    failures = []
    for p in library():
        if not p.full_id.startswith(prefix):
            continue
        for i, ex in enumerate(p.examples):
            err = check_example(p, ex)
            if err:
                failures.append(f"{p.path}: examples[{i}] ({ex.text[:50]!r}): {err}")
    return failures


def main() -> int:
    prefix = sys.argv[1] if len(sys.argv) > 1 else ""
    failures = run(prefix)
    for f in failures:
        print(f)
    n = sum(len(p.examples) for p in library() if p.full_id.startswith(prefix))
    print(f"{n - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
