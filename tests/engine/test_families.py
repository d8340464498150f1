"""The whole library finds each phrasing family of the costly terms (tests/data/families.yaml,
invented sentences), and gives no finding of a category a sentence rules out."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from analyzer import scan

FAMILIES = yaml.safe_load((Path(__file__).parents[1] / "data" / "families.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", FAMILIES, ids=[c["text"][:40] for c in FAMILIES])
def test_family_is_found(case):
    report = scan(case["text"])
    found = {f.category for f in report.findings}
    missing = set(case["cats"]) - found
    assert not missing, f"missing {sorted(missing)}; found {sorted(found)}"
    wrong = set(case.get("not", ())) & found
    assert not wrong, f"should not find {sorted(wrong)}"
