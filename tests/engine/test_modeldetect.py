"""analyzer.engine.modeldetect: the sentence model beside the patterns. A small model made in the
test (the n-gram "zq" means lock_in) shows the rules: a finding where the patterns found nothing
of that category, none where they found or cleared one, none for headings, questions and titles,
the quote and the reasons, a budget that ends the scan honestly; its veto on the patterns'
findings; and which categories it adds by default (per language) and with --model (all)."""
from __future__ import annotations

import json

import pytest

from analyzer.engine import modeldetect
from analyzer.engine.modeldetect import ModelBudgetExceeded, model_findings, title_like
from analyzer.engine.normalize import normalize
from analyzer.engine.pipeline import Scanner
from analyzer.engine.segment import split_sentences
from analyzer.engine.sentmodel import SentenceModel, to_bytes
from analyzer.engine.taxonomy import CATEGORIES


def tiny() -> SentenceModel:
    header = {"classes": ["lock_in", "extra_fees"], "bias": [-3.0, -3.0], "ngram": [2, 2], "words": False,
              "threshold": 0.8, "scale": 0.001, "note": "test"}
    return SentenceModel.from_bytes(to_bytes(header, ["zq", "qz", "xx"], [1.0, 1.0, 2.0],
                                             [[(0, 8000)], [(0, 8000)], [(1, 8000)]]))


def with_model(model: SentenceModel, every_category: bool = True) -> Scanner:
    """A scanner reading with ``model``: in every category (as --model), or as the default."""
    sc = Scanner(model=False)
    sc.model, sc.every_category = model, every_category
    return sc


@pytest.fixture(scope="module")
def scanner():
    return with_model(tiny())


def model_only(report, category=None):
    return [f for f in report.findings if f.pattern.startswith("model:") and category in (None, f.category)]


def test_the_model_adds_a_clause_the_patterns_did_not_find(scanner):
    rep = scanner.scan_text("Welcome to the club.\nMembers stay zqzq with the club for the whole season.\n")
    (f,) = model_only(rep)
    assert f.category == "lock_in" and f.severity == "high" and f.pattern == "model:lock_in"
    assert f.evidence == "Members stay zqzq with the club for the whole season."
    assert ("model:cue", "zqzq") in f.why and f.why[0][0] == "model" and f.why[0][1].startswith("p=")
    assert 0 < f.confidence <= 0.8  # the probability scaled down: the model is the second reader
    assert rep.document.text[f.location.start:f.location.end] == f.evidence
    matched = rep.to_dict()["findings"][0]["explanation"]["matched"]
    assert {"part": "model:cue", "text": "zqzq"} in matched


def test_no_second_finding_where_a_pattern_found_the_category(scanner):
    rep = scanner.scan_text("You are tied in for the first 24 months of your plan zqzq.")
    lock = [f for f in rep.findings if f.category == "lock_in"]
    assert len(lock) == 1 and not lock[0].pattern.startswith("model:")


def test_no_finding_where_a_pattern_cleared_the_category(scanner):
    rep = scanner.scan_text("Our SIM-only plans are 30-day rolling with no contract, so you are not tied in for 12 months"
                            " zqzq.")
    assert not model_only(rep, "lock_in")
    assert any(p.category == "lock_in" for p in rep.protections)


@pytest.mark.parametrize("text", [
    "Can I leave the zqzq plan early?",       # a question
    "Zqzq Membership Terms",                  # a title
    "## zqzq zqzq zqzq",                      # a heading
    "zqzq",                                   # a fragment
    "To cancel zqzq, please visit your account settings.",  # a how-to step
])
def test_headings_questions_and_fragments_bind_no_one(scanner, text):
    assert not model_only(scanner.scan_text(f"Terms of the club.\n{text}\nThank you for joining us today.\n"))


def test_a_sentence_that_goes_on_with_the_patterns_term_is_not_a_new_one(scanner):
    # the patterns find the change term in the first sentence; the second carries its notice
    sc = with_model(SentenceModel.from_bytes(to_bytes(
        {"classes": ["unilateral_change"], "bias": [-3.0], "ngram": [2, 2], "threshold": 0.8, "scale": 0.001},
        ["调整"], [1.0], [[(0, 8000)]])))
    rep = sc.scan_text("本平台有权调整连续包月服务的价格。价格调整的，我们将在调整生效前至少7日通知您。")
    assert [f.pattern.startswith("model:") for f in rep.findings if f.category == "unilateral_change"] == [False]


def test_values_are_read_from_the_sentence(scanner):
    rep = scanner.scan_text("Members stay zqzq with the club for 12 months.\n")
    (f,) = model_only(rep)
    assert f.values.get("months") == 12


def test_title_like():
    assert title_like("Dispute Resolution and Arbitration.")
    assert title_like("LIMITATION OF LIABILITY")
    assert not title_like("You may cancel at any time.")
    assert not title_like("第五条 违约责任")


def test_the_deadline_stops_the_model_and_the_report_says_so(scanner, monkeypatch):
    norm = normalize("Members stay zqzq for the season.")
    with pytest.raises(ModelBudgetExceeded):
        model_findings(_Doc(), norm, split_sentences(norm.text), [], [], tiny(), deadline=0.0)

    def late(*args, **kwargs):
        raise ModelBudgetExceeded

    monkeypatch.setattr(modeldetect, "model_findings", late)
    rep = scanner.scan_text("Members stay zqzq for the season.")
    assert rep.complete is False and "time budget" in (rep.incomplete or "")


def test_the_model_reads_by_default_and_the_library_version_names_it():
    plain = Scanner(model=False)
    assert plain.model is None and "+model:" not in plain.patterns_version
    sc = Scanner()
    assert sc.model is not None and sc.patterns_version.endswith("+model:" + sc.model.version)
    every = Scanner(model=True)
    assert every.patterns_version.endswith("+model:" + every.model.version + "+all")


def test_the_command_line_and_the_api_take_the_model_mode(tmp_path, capsys):
    import analyzer
    from analyzer.cli import main

    text = "Welcome.\nAny claim will go to binding arbitration and you waive a jury trial.\n"
    assert analyzer.scan(text, model=True).patterns_version.endswith("+all")
    assert "+model:" not in analyzer.scan(text, model=False).patterns_version
    default = analyzer.scan(text).patterns_version
    assert "+model:" in default and not default.endswith("+all")
    f = tmp_path / "a.txt"
    f.write_text(text, encoding="utf-8")
    versions = []
    for flags in (["--model"], ["--no-model"], []):
        assert main([str(f), *flags, "--format", "json"]) == 0
        versions.append(json.loads(capsys.readouterr().out)["tool"]["patterns"])
    assert versions[0].endswith("+all") and "+model:" not in versions[1]
    assert "+model:" in versions[2] and not versions[2].endswith("+all")
    g = tmp_path / "b.txt"
    g.write_text(text, encoding="utf-8")
    assert main([str(f), str(g), "--model", "--format", "json"]) == 0  # several agreements, one by one
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all("+model:" in line for line in lines)


def test_the_veto_drops_a_pattern_finding_the_model_reads_as_unlikely():
    # the tiny model reads lock_in only where "zq" is (p 0.05 elsewhere: below VETO_FLOOR)
    text = "You are tied in for the first 24 months of your plan."
    assert [f.category for f in Scanner(model=False).scan_text(text).findings] == ["lock_in"]
    sc = with_model(tiny(), every_category=False)
    assert not [f for f in sc.scan_text(text).findings if f.category == "lock_in"]
    kept = sc.scan_text("You are tied in for the first 24 months of your plan zqzq.").findings
    assert [f.pattern.startswith("model:") for f in kept if f.category == "lock_in"] == [False]
    # a category the model does not know is never vetoed
    arb = "Any claim will go to binding arbitration and you waive a jury trial."
    assert [f.category for f in sc.scan_text(arb).findings] == ["dispute_resolution"]


def test_the_shipped_model_vetoes_a_penalty_read_into_a_payment_method():
    # a gift-card penalty pattern reads "支付购买礼品卡的费用" (paying for a gift card) as a charge
    # for returning a gift; the model reads the sentence as no early-termination clause at all
    text = "门店接受现金或刷卡支付购买礼品卡的费用。"
    assert [f.category for f in Scanner(model=False).scan_text(text).findings] == ["early_termination_fee"]
    assert Scanner().scan_text(text).findings == ()


def two_classes() -> SentenceModel:
    header = {"classes": ["lock_in", "balance_expiry"], "bias": [-6.0, -6.0], "ngram": [2, 2], "words": False,
              "threshold": 0.8, "scale": 0.001}
    return SentenceModel.from_bytes(to_bytes(header, ["zq", "bx"], [1.0, 1.0], [[(0, 16000)], [(1, 16000)]]))


def test_by_default_the_model_adds_only_the_categories_measured_for_the_language():
    assert "balance_expiry" in modeldetect.DEFAULT_CATEGORIES["zh"]
    # English balance expiry joined in session 19 (never below the patterns' F1 in the seven
    # left-out rounds of scripts/crossval.py, above them in round 12); English extra fees,
    # liability and the provider's changes did not (CLAUDETTE, the shared gold's convention)
    assert "balance_expiry" in modeldetect.DEFAULT_CATEGORIES["en"]
    assert not {"extra_fees", "liability_limitation", "unilateral_change"} & modeldetect.DEFAULT_CATEGORIES["en"]
    high = {c.id for c in CATEGORIES.values() if c.severity == "high"}
    # the high-severity categories stay the patterns' alone by default, but automatic renewal
    # (measured to help on rounds the patterns were not tuned on)
    assert modeldetect.DEFAULT_CATEGORIES["zh"] & high == {"auto_renewal"}
    assert modeldetect.DEFAULT_CATEGORIES["en"] & high == {"auto_renewal"}
    zh = "欢迎加入本俱乐部。\n会员卡内的 bxbx 使用规则以门店公告为准，请妥善保管。\n会员须在 zqzq 期间按时到店签到。\n"
    default = {f.category for f in model_only(with_model(two_classes(), every_category=False).scan_text(zh))}
    every = {f.category for f in model_only(with_model(two_classes()).scan_text(zh))}
    assert default == {"balance_expiry"} and every == {"balance_expiry", "lock_in"}
    en = "Welcome to the club.\nMembers keep bxbx rules as posted at the front desk.\nMembers sign in zqzq weekly.\n"
    assert {f.category for f in model_only(with_model(two_classes(), every_category=False).scan_text(en))} == {"balance_expiry"}
    assert {f.category for f in model_only(with_model(two_classes()).scan_text(en))} == {"balance_expiry", "lock_in"}


@pytest.mark.parametrize("split", ["0", "1"])
def test_the_model_reads_the_same_beside_the_search_on_either_core(monkeypatch, split):
    # scoring every sentence runs as a side job of the pattern search (in the forked child when
    # the search is split): the report is the same either way
    text = ("会员服务协议\n" + "本平台有权根据运营需要调整会员权益，调整后的权益以页面公示为准。"
            "会员在有效期内违反本协议的，本平台有权终止服务且不退还费用。储值余额有效期为一年，逾期作废。\n" * 30)
    monkeypatch.setenv("TERMS_SCAN_SPLIT", "0")
    one = Scanner().scan_text(text)
    monkeypatch.setenv("TERMS_SCAN_SPLIT", split)
    other = Scanner().scan_text(text)
    assert one.to_dict()["findings"] == other.to_dict()["findings"] and one.findings


class _Doc:
    def page_of(self, offset: int) -> int:
        return 1


def test_regression_a_scan_without_the_model_does_not_import_it():
    """The model's modules cost a scan ~10 ms of imports: --no-model (patterns alone) does not load them."""
    import subprocess
    import sys

    code = ("import sys, analyzer; analyzer.scan('提前解约须支付违约金300元。', model=False); "
            "print(sorted(m for m in sys.modules if m.startswith(('analyzer.engine.sentmodel', "
            "'analyzer.engine.modeldetect'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_sentence_case_label_is_a_heading_not_a_clause():
    """Regression (hold5 real development set): "Excessive or unusual use" and "Telephone numbers
    and PINs", labels above a clause, were read by the model as clauses and became data-cap and
    suspension findings; a short statement that binds or states a number stays a sentence."""
    assert title_like("(a) Excessive or unusual use") and title_like("20 Telephone numbers and PINs")
    for sentence in ("No refunds", "Prices subject to change", "Minimum term 24 months", "Fails to pay fees;",
                     "We may suspend your service"):
        assert not title_like(sentence), sentence


def test_regression_a_plan_that_ends_by_itself_is_no_model_renewal():
    """Regression (development rounds r6, r8, r9): the model read "your Service will terminate
    automatically at the expiration of your subscription term", "Trial Subscriptions will
    automatically stop at the end of your trial period" and "You can cancel automatic renewal at
    any time" as renewals; a plan that ends by itself, or the right to stop the renewal, is not one."""
    header = {"classes": ["auto_renewal"], "bias": [-3.0], "ngram": [2, 2], "words": False,
              "threshold": 0.8, "scale": 0.001, "note": "test"}
    sc = with_model(SentenceModel.from_bytes(to_bytes(header, ["zq", "qz"], [1.0, 1.0], [[(0, 8000)], [(0, 8000)]])))
    text = ("Your plan will terminate automatically at the expiration of your subscription term, zqzq.\n"
            "You can cancel automatic renewal at any time, zqzq.\n"
            "Your plan stays with you, zqzq.\n")
    got = [f.evidence for f in model_only(sc.scan_text(text), "auto_renewal")]
    assert got == ["Your plan stays with you, zqzq."]


def test_regression_the_models_finding_carries_every_fee_of_its_sentence(scanner):
    """Regression (session 23): the model's finding of a sentence stating two fees had one sum; the patterns'
    findings list each fee with its own (detect._other_terms), the model's now do too."""
    rep = scanner.scan_text("Towels xx are 30元/次，lockers xx are 50元/次.\n")
    fees = model_only(rep, "extra_fees")
    assert sorted(f.values.get("amount") for f in fees) == [30, 50]
    assert all(f.pattern == "model:extra_fees" for f in fees)
    assert any("50" in f.evidence and "30" not in f.evidence for f in fees)
