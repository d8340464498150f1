"""The advice's sentences live in analyzer/advice/locale/<lang>.yaml: every language has the same
message ids and the same placeholders, every id in the catalogs is used by the code and every
id the code uses is in the catalogs (mirrors tests/render/test_i18n.py)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from analyzer.advice.messages import LANGS, MessageError, catalog, concat, join, lower_first, msg, placeholders, upper_first

ADVICE = Path(__file__).resolve().parents[2] / "analyzer" / "advice"

# Placeholders a language leaves out because it has no word for them: English does not tell
# leaving a phone line (离网) from quitting a service (退出), and does not repeat the number of
# months left after a promotion. Anything else must have the same placeholders everywhere.
OMITTED = {
    ("exit.part.not_stated", "en"): {"leave"},
    ("exit.missing.exit_fee", "en"): {"leave"},
    ("exit.row.after_month", "en"): {"leave"},
    ("exit.note.early_costs_more", "en"): {"leave"},
    ("verdict.reason.exit_cost", "en"): {"leave"},
    ("verdict.line.remaining", "en"): {"leave"},
    ("verdict.line.gift_lost", "en"): {"leave"},
    ("question.after_promo_months", "en"): {"months"},
}

_ID = re.compile(r"[a-z_]+(?:\.[a-z0-9_]+)+")


def _ids_in_code() -> set[str]:
    """Every string literal in the advice's code that looks like a message id of a catalog section."""
    sections = {k.split(".")[0] for k in catalog("en")}
    out = set()
    for path in ADVICE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and _ID.fullmatch(node.value) \
                    and node.value.split(".")[0] in sections:
                out.add(node.value)
    return out


def test_every_language_has_the_same_ids_and_placeholders():
    base = catalog("zh")
    for lang in LANGS:
        c = catalog(lang)
        assert set(c) == set(base), (lang, set(c) ^ set(base))
        for key, text in base.items():
            want = placeholders(text) - OMITTED.get((key, lang), set())
            assert placeholders(c[key]) == want, (lang, key)


def test_the_omissions_are_still_needed():
    for (key, lang), names in OMITTED.items():
        assert names <= placeholders(catalog("zh")[key]), key
        assert not names & placeholders(catalog(lang)[key]), (key, lang)


@pytest.mark.parametrize("lang", LANGS)
def test_no_empty_messages(lang):
    assert all(v.strip() for v in catalog(lang).values()), lang


def test_every_catalog_id_is_used_and_every_used_id_exists():
    used = _ids_in_code()
    known = set(catalog("en"))
    assert used - known == set(), "ids used by the code but missing from the catalogs"
    assert known - used == set(), "ids in the catalogs that no code uses"


def test_msg_formats_every_language_with_shared_and_per_language_parameters():
    assert msg("ref.clause", no="2.1") == {"zh": "第2.1条", "en": "Clause 2.1"}
    assert msg("exit.part.fixed", amount={"zh": "300元", "en": "300 CNY"}) == {"zh": "违约金300元", "en": "Penalty: 300 CNY"}
    # a nested message as a parameter, and a parameter one language leaves out
    leave = msg("word.leave.line")
    assert msg("exit.row.after_month", month=3, leave=leave) == {"zh": "第3个月后离网", "en": "Leave after month 3"}


def test_msg_raises_at_once_on_a_missing_id_or_mismatched_parameters():
    with pytest.raises(MessageError, match="no message"):
        msg("exit.part.no_such_message")
    with pytest.raises(MessageError, match="needs"):
        msg("ref.clause")
    with pytest.raises(MessageError, match="no placeholder"):
        msg("ref.clause", no="2", page=3)
    with pytest.raises(MessageError, match="no 'en' value"):
        msg("ref.clause", no={"zh": "二"})


def test_the_text_helpers_work_in_every_language():
    parts = [msg("ref.clause", no=1), msg("ref.text")]
    assert join("sep.semicolon", parts) == {"zh": "第1条；原文", "en": "Clause 1; the text"}
    assert concat(msg("ref.text"), "!") == {"zh": "原文!", "en": "the text!"}
    assert upper_first(msg("ref.text")) == {"zh": "原文", "en": "The text"}
    assert lower_first(msg("ref.clause", no=1)) == {"zh": "第1条", "en": "clause 1"}


def test_the_catalogs_are_packaged():
    text = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^"analyzer\.advice" = \["locale/\*\.yaml"', text, re.M)
    assert '"analyzer.advice"' in re.search(r"^packages = \[[^\]]*\]", text, re.M | re.S).group(0)
