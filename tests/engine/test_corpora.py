"""The real corpora in ../shared/corpora (not part of this repository): every agreement scans,
and the gold annotations are matched above a floor, the way ../shared/tools/score.py matches them."""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

CORPORA = Path(__file__).resolve().parents[2].parent / "shared" / "corpora"
AGREEMENTS = CORPORA / "agreements"
CLAUDETTE = CORPORA / "claudette"
SCORE_PY = CORPORA.parent / "tools" / "score.py"

# Floors for the whole gold set (micro over all categories), in-process, matched the way
# score.py matches. Measured on 2025-11-25 with the pattern library then in the working tree
# (all 19 categories): micro P 0.953, R 0.986, values 115/116 = 0.99; lowest high-severity
# category P 0.92 (installment_credit), R 1.00. The floors are the project's bar (P/R 0.85,
# values 0.90), a little under what is measured: they catch regressions, not noise.
MIN_MICRO_PRECISION = 0.85  # measured 0.953
MIN_MICRO_RECALL = 0.85     # measured 0.986
MIN_VALUE_ACCURACY = 0.90   # measured 0.991
MIN_HIGH_CATEGORY = 0.85    # P and R of each high-severity category; measured min 0.92

pytestmark = pytest.mark.skipif(
    not (AGREEMENTS / "gold.jsonl").is_file() or not SCORE_PY.is_file(),
    reason=f"the shared corpora are not here ({AGREEMENTS}); they live outside the repository")

AGREEMENT_FILES = sorted(p for p in AGREEMENTS.glob("*") if p.suffix in (".txt", ".md")) if AGREEMENTS.is_dir() else []


def _claudette_names() -> list[str]:
    lst = CLAUDETTE / "LIST.txt"
    return sorted(set(lst.read_text().split())) if lst.is_file() else []




@pytest.fixture(scope="module")
def reports(scanned):
    return {p.name: scanned(p).to_dict() for p in AGREEMENT_FILES}


@pytest.mark.parametrize("path", AGREEMENT_FILES, ids=lambda p: p.name)
def test_agreement_scans_with_findings(path, reports):
    rep = reports[path.name]
    assert rep["findings"], f"{path.name}: no findings at all"
    assert not rep["warnings"], rep["warnings"]
    raw = path.read_text(encoding="utf-8")
    assert rep["document"]["language"] == ("zh" if path.name.startswith("zh-") else "en")
    for f in rep["findings"]:
        # evidence is quoted from the document, as written (the files are UTF-8, LF)
        assert f["evidence"] in raw, (path.name, f["evidence"][:80])
        assert raw[f["location"]["start"]:f["location"]["end"]].strip() == f["evidence"]
        assert len(f["evidence"]) <= 400


def _match(score, reports):
    gold = defaultdict(list)
    for line in (AGREEMENTS / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            g = json.loads(line)
            gold[g["doc"]].append(g)
    tp = fn = ftp = fp = vok = vn = 0
    per_cat = defaultdict(lambda: [0, 0, 0, 0])
    for doc, items in gold.items():
        raw = (AGREEMENTS / doc).read_text(encoding="utf-8", errors="replace")
        hay = score.norm(raw)[0]
        fs = [(f, score.finding_spans(f, hay)) for f in reports[doc]["findings"]]
        gs = [(g, score.locate(score.norm(g["quote"])[0], hay)) for g in items]
        for f, sp in fs:
            hit = any(g["category"] == f["category"] and score.overlaps(sp, s) for g, s in gs)
            ftp += hit
            fp += not hit
            per_cat[f["category"]][2 if hit else 3] += 1
        for g, s in gs:
            m = [f for f, sp in fs if f["category"] == g["category"] and score.overlaps(sp, s)]
            tp += bool(m)
            fn += not m
            per_cat[g["category"]][0 if m else 1] += 1
            if m and g.get("values"):
                vn += 1
                vok += any(score.values_agree(g["values"], f["values"]) for f in m)
    return {"precision": ftp / (ftp + fp) if ftp + fp else 1.0, "recall": tp / (tp + fn) if tp + fn else 1.0,
            "values": vok / vn if vn else 1.0, "per_category": dict(per_cat)}


@pytest.fixture(scope="module")
def figures(score, reports):
    out = _match(score, reports)
    print(f"\ncorpus micro P {out['precision']:.3f} R {out['recall']:.3f} values {out['values']:.3f}")
    return out


def test_micro_precision_floor(figures):
    assert figures["precision"] >= MIN_MICRO_PRECISION, figures["per_category"]


def test_micro_recall_floor(figures):
    assert figures["recall"] >= MIN_MICRO_RECALL, figures["per_category"]


def test_value_accuracy_floor(figures):
    assert figures["values"] >= MIN_VALUE_ACCURACY


def test_high_severity_categories_floor(figures):
    from analyzer.engine.taxonomy import CATEGORIES

    low = {}
    for cat, (tp, fn, ftp, fp) in figures["per_category"].items():
        if CATEGORIES[cat].severity != "high":
            continue
        p = ftp / (ftp + fp) if ftp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        if p < MIN_HIGH_CATEGORY or r < MIN_HIGH_CATEGORY:
            low[cat] = (round(p, 2), round(r, 2))
    assert not low, f"high-severity categories under {MIN_HIGH_CATEGORY} (P, R): {low}"


@pytest.mark.skipif(not _claudette_names(), reason="CLAUDETTE corpus not present")
@pytest.mark.parametrize("name", _claudette_names())
def test_claudette_scans(name, scanner):
    path = CLAUDETTE / "original_text" / name
    rep = scanner.scan_path(path).to_dict()
    assert rep["document"]["language"] == "en"
    assert not rep["warnings"]
    raw = path.read_text(encoding="utf-8", errors="replace")
    for f in rep["findings"]:
        assert f["evidence"] in raw.replace("\r\n", "\n")


def test_rendering_change_without_term_change(scanner):
    """sonic-policies v01 and v02 differ only in rendering (links, heading numbers), not in terms:
    the same clauses must be found in both."""
    from collections import Counter

    d = CORPORA / "versions" / "sonic-policies"
    files = sorted(d.glob("v0*.md"))[:2]
    if len(files) < 2:
        pytest.skip("versions/sonic-policies not present")
    a, b = (scanner.scan_path(f) for f in files)
    assert Counter(f.category for f in a.findings) == Counter(f.category for f in b.findings)
    assert [f.values for f in a.findings] == [f.values for f in b.findings]
