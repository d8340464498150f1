"""The whole library finds each phrasing family of the costly terms (tests/data/families.yaml,
invented sentences), and gives no finding of a category a sentence rules out. The families are
the patterns' (``model=False``); the default scan's sentence model may veto a finding it reads
as very unlikely, which it does for almost none of them (the last test)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from analyzer import scan

FAMILIES = yaml.safe_load((Path(__file__).parents[1] / "data" / "families.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", FAMILIES, ids=[c["text"][:40] for c in FAMILIES])
def test_family_is_found(case):
    report = scan(case["text"], model=False)
    found = {f.category for f in report.findings}
    missing = set(case["cats"]) - found
    assert not missing, f"missing {sorted(missing)}; found {sorted(found)}"
    wrong = set(case.get("not", ())) & found
    assert not wrong, f"should not find {sorted(wrong)}"


def test_the_default_scan_keeps_nearly_every_family():
    """The model's veto (modeldetect.VETO_FLOOR) drops a pattern finding only where it reads the
    sentence as very unlikely to state the category: of the families' categories, the default
    scan keeps at least 95% (a context-free "continues unless either party asks to change" is
    the one a retrained model may read below the floor), and never finds a ruled-out one."""
    want = kept = 0
    for case in FAMILIES:
        found = {f.category for f in scan(case["text"]).findings}
        want += len(case["cats"])
        kept += len(set(case["cats"]) & found)
        assert not set(case.get("not", ())) & found, case["text"]
    assert kept >= 0.95 * want, f"the default scan kept {kept} of {want} family findings"
