"""Pre-purchase advice built on the findings: verdict, exit cost, combinations, missing
protections, questions to ask and the way out (``advise(report) -> Summary``).

Everything here is derived from the findings, protections and the document text; every figure
and statement keeps the clauses it rests on (``Source``). Nothing here says a clause is illegal
or void: the advice says what a clause means and where to ask.

Grade (A best .. E worst), a transparent points scheme:
  each category found counts once with its weight (``_WEIGHTS``; a 12-23 month lock-in +1, 24+
  months +2; a non-refundable top-up or prepayment and gifts forfeited on leaving weigh 3),
  each high-severity combination +1, each distinct protection category -1 (at most -4);
  points <= 3: A, <= 8: B, <= 14: C, <= 22: D, above: E.
"""
from __future__ import annotations

from typing import Any

from ..model import SEVERITY_ORDER
from .exit_cost import exit_cost
from .facts import Facts
from .model import Summary, Verdict
from .rules import combinations, missing_protections, questions
from .verdict import _assessable, verdict, with_offer_verdict
from .way_out import find_emails, way_out

__all__ = ["PRODUCTS", "Facts", "advise", "combinations", "exit_cost", "find_emails", "missing_protections",
           "questions", "verdict", "way_out", "with_offer_verdict"]

# ---------------------------------------------------------------------------------------------

PRODUCTS = ("mobile", "broadband", "membership", "subscription", "service")


def advise(report: Any, product: str | None = None) -> Summary:
    """The buyer-facing advice for one scanned document (see the module doc and advice_model)."""
    F = Facts(report, product)
    ok, why = _assessable(F)
    if not ok:
        return Summary(F.lang, Verdict(False, None, why, ()), None)
    ec = exit_cost(F)
    combos = combinations(F)
    v = verdict(F, combos, ec)
    combos_sorted = sorted(combos, key=lambda c: -SEVERITY_ORDER.get(c.severity, 0))
    return Summary(F.lang, v, ec, tuple(combos_sorted), tuple(missing_protections(F)),
                   tuple(questions(F, ec, combos)), way_out(F))
