"""Issue 13's acceptance: version histories replayed through the watch over a local server, one
version per run (scripts/replay_versions.py, the same code the note's table comes from).

The shared histories (../shared/corpora/versions, real published terms) are judged by reading
their plain diffs: the status of every transition, a typo fix that is not a change in the terms,
no clause reported removed while its words are still in the new version. The project's own
histories (tests/data/versions-zh, README there) each change one kind of thing on purpose, so
the triage can be checked line by line: values with their numbers, GB / kbps / days changes,
editorial steps, a removed clause against a reworded one."""
from __future__ import annotations

import importlib.util
import unicodedata
from pathlib import Path

import pytest

from analyzer.watch.triage import line as triage_line
from analyzer.watch.triage import triage

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "corpora" / "versions"
OWN = ROOT / "tests" / "data" / "versions-zh"

_spec = importlib.util.spec_from_file_location("replay_versions", ROOT / "scripts" / "replay_versions.py")
assert _spec and _spec.loader
replay_versions = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(replay_versions)

SHARED_STATUS = {
    "amazon-prime-terms": ["new", "formatting", "changed"],           # v02: same words, new markup
    "energia-supply-contract": ["new", "changed", "formatting"],      # v03: one link target
    "google-one-tos": ["new", "changed", "formatting"],               # v03: "f" → "If"
    "netflix-tos": ["new", "changed", "formatting"],                  # v03: a link added
    "sonic-policies": ["new", "formatting", "formatting", "formatting"],  # renderings flipping
    "verizon-website-terms": ["new", "unchanged", "formatting"],      # v02: the same bytes
    "windstream-terms": ["new", "changed", "changed"],
    "xfinity-residential-agreement": ["new", "changed", "formatting", "formatting"],  # v03: DISPUTNG → DISPUTING
}


def _letters(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text).lower() if c.isalnum())


def _replay(folder: Path, tmp_path: Path) -> list[tuple[str, object]]:
    return replay_versions.replay_digests(folder, tmp_path / f"{folder.name}.sqlite")


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared versions not found at {SHARED}")
@pytest.mark.parametrize("name", sorted(SHARED_STATUS))
def test_shared_histories_status_and_nothing_removed_that_is_still_there(name, tmp_path):
    folder = SHARED / name
    steps = _replay(folder, tmp_path)
    assert [sd.status for _, sd in steps] == SHARED_STATUS[name]
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("v*"))]
    for k, (_head, sd) in enumerate(steps[1:], start=1):
        new_letters = _letters(texts[k])
        still = [f.evidence for f in sd.removed if _letters(f.evidence) in new_letters]
        assert not still, f"{name} v{k + 1}: reported removed but still there: {still[:2]}"
        if sd.status == "changed":
            assert triage(sd).items, "a changed version has a triage"


@pytest.fixture(scope="module")
def liuliangka(tmp_path_factory):
    return _replay(OWN / "zh-liuliangka", tmp_path_factory.mktemp("liuliangka"))


def _lines(sd) -> list[str]:
    return [triage_line(i, "en") for i in triage(sd).items]


def test_own_history_statuses(liuliangka, tmp_path):
    assert [sd.status for _, sd in liuliangka] == ["new", "changed", "formatting", "changed", "changed"]
    kuandai = _replay(OWN / "zh-kuandai", tmp_path)
    assert [sd.status for _, sd in kuandai] == ["new", "formatting", "changed", "formatting"]
    # a monthly minimum raised (in full-width digits) is one line; the re-wrapped and full-width
    # versions around it reword nothing
    lines = _lines(kuandai[2][1])
    assert lines == ["[high] Minimum spend: 99 CNY a month → 129 CNY a month — "
                     "“乙方每月最低消费１２９元，当月实际消费不足１２９元的，按１２９元收取。”"]


def test_values_changed_are_one_line_each_with_their_numbers(liuliangka):
    lines = _lines(liuliangka[1][1])
    assert len(lines) == 2, lines  # no "Number: 12 → 24 months" repeating the lock-in line
    assert any("Lock-in: 12 → 24 months" in x for x in lines)
    assert any("Early termination fee: 30% → 50%" in x for x in lines)


def test_numbers_anywhere_gb_speed_and_days(liuliangka):
    sd = liuliangka[3][1]
    text = "\n".join(_lines(sd))
    assert "100 → 30 GB" in text and "128 kbps" in text and "7 → 3 days" in text
    kinds = {n.kind for n in sd.numbers}
    assert "data_gb" in kinds  # the plan's volume, a sentence no pattern covers


def test_a_removed_clause_is_removed_and_a_reworded_one_is_not(liuliangka):
    sd = liuliangka[4][1]
    assert [f.category for f in sd.removed] == ["auto_renewal"]
    reworded = {c.category for c in sd.changed}
    assert {"activation_definition", "refund_restriction"} <= reworded
    assert not any(f.category in reworded for f in sd.added)
