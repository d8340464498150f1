"""The advert's phrase families are data (analyzer/advice/data/claims.yaml) with invented
examples, like the pattern library: each example gives (or does not give) a claim of its kind."""
from __future__ import annotations

from importlib.resources import files

import pytest
import yaml

from analyzer.advice.offer import _READERS, CLAIMS, parse_offer

ROWS = yaml.safe_load((files("analyzer.advice") / "data" / "claims.yaml").read_text(encoding="utf-8"))
KINDS = {"price", "data", "no_contract", "refundable", "free_activation", "gift", "no_prepay"}


def test_every_entry_is_complete_and_in_order():
    assert [r["id"] for r in ROWS] == [c[0] for c in CLAIMS]
    assert len({r["id"] for r in ROWS}) == len(ROWS)
    for r in ROWS:
        assert r["kind"] in KINDS and r["values"] in _READERS, r["id"]
        expects = [e["expect"] for e in r["examples"]]
        assert r["kind"] in expects and "none" in expects, r["id"]  # a positive and a negative each


@pytest.mark.parametrize("row", ROWS, ids=[r["id"] for r in ROWS])
def test_examples(row):
    """A positive gives a claim of its kind; a negative is not matched by the entry's phrases."""
    rx = {c[0]: c[1] for c in CLAIMS}[row["id"]]
    for ex in row["examples"]:
        if ex["expect"] == "none":
            assert rx.search(ex["text"]) is None, (row["id"], ex["text"])
        else:
            kinds = {c.kind for c in parse_offer(ex["text"])}
            assert ex["expect"] in kinds, (row["id"], ex["text"], kinds)
