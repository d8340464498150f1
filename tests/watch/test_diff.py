"""analyzer.watch.diff: finding identity, set arithmetic, values changed, formatting-only, text diff."""
from __future__ import annotations

from dataclasses import replace

from analyzer.model import Finding, Location
from analyzer.watch.diff import (
    ClauseChange,
    FindingsDiff,
    canonical_text,
    diff_findings,
    finding_key,
    is_formatting_only,
    text_diff,
)


def f(category: str, evidence: str, **values) -> Finding:
    return Finding.from_dict({"category": category, "evidence": evidence, "values": values, "severity": "high",
                              "location": {"page": 1, "start": 0, "end": len(evidence)}})


def test_finding_key_ignores_position_case_and_punctuation():
    a = f("lock_in", "The minimum term is 12 months.", months=12)
    b = replace(f("lock_in", "the minimum  term is 12 months", months=12), location=Location(3, 900, 930))
    assert finding_key(a) == finding_key(b) == ("lock_in", "theminimumtermis12months")
    assert finding_key(f("lock_in", "合约期为１２个月。")) == ("lock_in", "合约期为12个月")


def test_set_arithmetic_added_removed_and_duplicates():
    before = [f("lock_in", "Term is 12 months.", months=12), f("auto_renewal", "Renews each year."),
              f("extra_fees", "A $5 paper bill fee applies.", amount=5)]
    after = [f("lock_in", "Term is 12 months.", months=12), f("auto_renewal", "Renews each year."),
             f("auto_renewal", "Renews each year."), f("data_sharing", "We share your data with partners.")]
    d = diff_findings(before, after)
    assert [x.category for x in d.added] == ["auto_renewal", "data_sharing"]  # the second copy is new
    assert [x.category for x in d.removed] == ["extra_fees"]
    assert d.changed == () and d
    assert diff_findings(before, list(reversed(before))) == FindingsDiff() and not FindingsDiff()


def test_values_changed_are_paired_with_both_quotes():
    before = [f("lock_in", "1. This plan has a minimum term of 12 months.", months=12),
              f("early_termination_fee", "2. If you cancel early you pay 2 months of your minimum spend.", months=2)]
    after = [f("lock_in", "1. This plan has a minimum term of 24 months.", months=24),
             f("early_termination_fee", "2. If you cancel early you pay 3 months of your minimum spend.", months=3)]
    d = diff_findings(before, after)
    assert d.added == () and d.removed == ()
    got = {c.category: (c.before, c.after) for c in d.changed}
    assert got == {"lock_in": ({"months": 12}, {"months": 24}), "early_termination_fee": ({"months": 2}, {"months": 3})}
    c = next(c for c in d.changed if c.category == "lock_in")
    assert isinstance(c, ClauseChange)
    assert c.evidence_before.endswith("12 months.") and c.evidence_after.endswith("24 months.")
    assert c.reworded is False


def test_renumbered_clause_is_not_a_change_and_reworded_is_marked():
    before = [f("unilateral_change", "12. We may change these terms at any time."),
              f("balance_expiry", "Any unused credits will be forfeited when you cancel.")]
    after = [f("unilateral_change", "13. We may change these terms at any time."),
             f("balance_expiry", "Any unused credits may be forfeited when you cancel.")]
    d = diff_findings(before, after)
    assert d.added == () and d.removed == ()
    assert [(c.category, c.reworded) for c in d.changed] == [("balance_expiry", True)]


def test_unrelated_clauses_of_one_category_are_not_paired():
    before = [f("extra_fees", "A paper bill costs $2 a month.", amount=2)]
    after = [f("extra_fees", "Installation by a technician is charged at $99.", amount=99)]
    d = diff_findings(before, after)
    assert len(d.added) == 1 and len(d.removed) == 1 and d.changed == ()


def test_formatting_only():
    a = "# Terms\n\nThe minimum term is **12 months**.\nSee [our site](https://a.example/x)."
    b = "1\\. Terms\n=====\nThe minimum term is 12 months. See [our site](https://b.example/y)"
    assert is_formatting_only(a, b)
    assert not is_formatting_only(a, a.replace("12", "24"))
    assert not is_formatting_only("Data: 1.5 GB", "Data: 2.5 GB")  # a decimal is not numbering
    assert not is_formatting_only("12 months", "24 months")  # a leading number is not numbering
    assert is_formatting_only("第3条 违约金", "第4条　违约金")
    assert canonical_text("(a) Fees\n(b) Charges") == canonical_text("1. Fees\n2. Charges")


def test_text_diff_shows_only_changed_sentences():
    a = ("The first sentence is here. The second sentence is fine. The term is 12 months. "
         "The fourth sentence follows. The fifth sentence ends it.\nThe sixth stands alone.")
    b = ("The first sentence is here.  The second sentence is fine.\nThe term is 24 months. "
         "The fourth sentence follows. The fifth sentence ends it. The sixth stands alone.")
    out = text_diff(a, b, context=1)
    assert "- The term is 12 months." in out and "+ The term is 24 months." in out
    assert "  The second sentence is fine." in out and "  The fourth sentence follows." in out
    assert "sixth" not in out and "first" not in out
    assert text_diff(a, a) == ""
    long_a = "\n".join(f"Sentence number {i} says a thing." for i in range(200))
    long_b = "\n".join(f"Sentence number {i} says another thing." for i in range(200))
    out = text_diff(long_a, long_b, max_lines=10)
    assert len(out.splitlines()) == 11 and out.splitlines()[-1].startswith("… (")


def test_a_clause_still_in_the_new_text_is_reworded_not_removed():
    """Issue 13, removed means gone: a per-GB fee reported "removed" was still there, reworded
    so that no pattern found it. With the new text, such a clause is a change marked unmatched
    with both quotes; a clause that is really gone stays removed."""
    from analyzer.watch.digest import describe_change

    fee = f("extra_fees", "Data beyond your allowance is charged at $10 per GB used in the month.", amount=10)
    gone = f("lock_in", "This agreement has a minimum term of 24 months from activation.", months=24)
    new_text = ("Welcome.\nData beyond your allowance is billed at $10 for each GB you use in the month.\n"
                "You may cancel at any time.\n")
    d = diff_findings([fee, gone], [], new_text)
    assert [r.category for r in d.removed] == ["lock_in"]
    (c,) = d.changed
    assert c.unmatched and c.category == "extra_fees" and c.evidence_before == fee.evidence
    assert c.evidence_after == "Data beyond your allowance is billed at $10 for each GB you use in the month."
    assert describe_change(c) == "extra_fees: reworded, no longer matched"
    assert c.to_dict()["unmatched"] is True
    # without the text (the old behaviour) both are removed
    assert len(diff_findings([fee, gone], []).removed) == 2


def test_a_clause_merged_into_a_much_longer_sentence_is_not_removed():
    """Regression: the length filter skipped sentences more than 60% longer than the clause
    before looking for the clause inside them, so a clause merged with its neighbours into one
    long sentence was reported removed."""
    fee = f("extra_fees", "A reconnection fee of $25 applies.", amount=25)
    merged = ("If your service is suspended for non-payment, you must pay the whole balance, the late "
              "charges of the last three bills and all collection costs, and a reconnection fee of $25 applies.")
    d = diff_findings([fee], [], "Welcome.\n" + merged + "\n")
    assert not d.removed
    (c,) = d.changed
    assert c.unmatched and c.evidence_after == merged


def test_numbers_that_change_anywhere_are_reported_with_both_sentences():
    """Issue 13, numbers anywhere: a pre-dispute notice period doubled, a data volume changed
    tenfold, a days-abroad limit changed, and no pattern covered those clauses; the numbers pass
    pairs each reworded sentence with its old one and reports the numbers that differ."""
    from analyzer.watch.diff import number_changes
    from analyzer.watch.digest import describe_number

    a = ("Before filing a claim you must send us a notice of dispute and wait 30 days.\n"
         "Roaming is included for up to 60 days a year.\nThe plan includes 5GB of data.\n"
         "We are glad you are here.\n")
    b = ("Before filing a claim you must send us a notice of dispute and wait 60 days.\n"
         "Roaming is included for up to 90 days a year.\nThe plan includes 50GB of data.\n"
         "We are glad you are here.\n")
    got = {(n.kind, describe_number(n)) for n in number_changes(a, b)}
    assert got == {("days", "30 → 60 days"), ("days", "60 → 90 days"), ("data_gb", "5 → 50 GB")}
    (n,) = [x for x in number_changes(a, b) if x.kind == "data_gb"]
    assert n.sentence_before == "The plan includes 5GB of data." and n.sentence_after == "The plan includes 50GB of data."
    assert number_changes(a, a) == []
    assert describe_number(n, "zh") == "5 → 50GB"


def test_a_number_no_longer_stated_in_its_sentence_says_so():
    from analyzer.watch.diff import number_changes
    from analyzer.watch.digest import describe_number

    a = "Once you have signed up, there is a 14 day cooling off period, during which you may cancel.\n"
    b = "Once you have signed up, there is a Cooling Off Period, during which you may cancel.\n"
    (n,) = number_changes(a, b)
    assert describe_number(n) == "14 days (no longer stated in this sentence)"


def test_triage_merges_categories_drops_unchanged_sentences_and_counts_editorial():
    """Issue 13: the same sentence under two categories is one item; a clause still there word
    for word (no longer found by a pattern) is no change; punctuation, number words and
    renumbering are editorial; items are ordered by severity."""
    from analyzer.watch.diff import ClauseChange
    from analyzer.watch.digest import SourceDigest
    from analyzer.watch.triage import triage

    same = "Windstream reserves the right to alter the services at any time."
    changes = (
        ClauseChange("unilateral_change", {}, {}, same, same, "medium", reworded=True, unmatched=True),
        ClauseChange("early_termination_fee", {}, {}, "If the customer cancels, fees may apply.",
                     "If you cancel your Services, fees may apply.", "high", reworded=True, unmatched=True),
        ClauseChange("extra_fees", {}, {}, "If the customer cancels, fees may apply.",
                     "If you cancel your Services, fees may apply.", "medium", reworded=True, unmatched=True),
        ClauseChange("dispute_resolution", {"days": 30}, {"days": 30}, "12. You must wait thirty (30) days.",
                     "13. You must wait 30 days", "low", reworded=True),
    )
    t = triage(SourceDigest("x", "changed", changed=changes, removed=(replace(f("extra_fees", "A $5 paper bill fee applies."), severity="medium"),)))
    assert t.editorial == 1
    assert [(i.severity, i.categories, i.kind) for i in t.items] == [
        ("high", ("early_termination_fee", "extra_fees"), "unmatched"), ("medium", ("extra_fees",), "removed")]


def test_a_removed_clause_is_compared_with_its_nearest_sentences_only(monkeypatch):
    """A watch of a long agreement spent most of its time in difflib: every removed clause was
    compared with every sentence of the new version of about its length (20,000 comparisons for
    windstream's three versions). Only the few sentences sharing most letter trigrams are compared
    now, and the reworded sentence is still the one recognised."""
    import difflib

    from analyzer.watch import diff as diff_mod

    built = []
    real = difflib.SequenceMatcher

    class Counting(real):  # type: ignore[misc, valid-type]
        def __init__(self, *a, **k):
            built.append(1)
            super().__init__(*a, **k)

    monkeypatch.setattr(diff_mod.difflib, "SequenceMatcher", Counting)
    gone = [f("lock_in", "You agree to keep the service for a minimum term of twelve months from activation.")]
    filler = [f"Section {i}: our shop number {i} opens on weekdays from nine to five and keeps the records "
              f"of the service it provides to you for a period of some months." for i in range(60)]
    text = " ".join(filler[:30] + ["You agree to keep the service for a minimum period of twelve months after activation."]
                    + filler[30:])
    found = diff_mod._still_there(gone, text)
    assert [s for _, s in found] == ["You agree to keep the service for a minimum period of twelve months after activation."]
    assert len(built) <= diff_mod.TRIGRAM_CANDIDATES
