#!/usr/bin/env python3
"""Check heldout/gold.jsonl: every quote is an exact substring of its document,
every category id is one of the 19 in TAXONOMY.md, values use the documented keys."""
import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
CATEGORIES = {
    "minimum_spend", "lock_in", "early_termination_fee", "activation_definition",
    "refund_restriction", "installment_credit", "promo_price_expiry", "auto_renewal",
    "data_cap_throttle", "directional_data", "unilateral_change", "balance_expiry",
    "suspension_recycling", "extra_fees", "dispute_resolution", "consent_by_use",
    "liability_limitation", "data_sharing", "unilateral_termination",
}
taxonomy = HERE.parents[3] / "shared" / "TAXONOMY.md"
if taxonomy.exists():  # cross-check the hard-coded list against the shared taxonomy
    ids = set(re.findall(r"^\| `([a-z_]+)` \|", taxonomy.read_text(encoding="utf-8"), re.M))
    if ids != CATEGORIES:
        sys.exit(f"TAXONOMY.md ids differ: {sorted(ids ^ CATEGORIES)}")
VALUE_KEYS = {"amount", "currency", "period", "months", "days", "percent", "data_gb",
              "speed_kbps", "formula"}
PERIODS = {"month", "year", "once", "day"}

errors, per_cat, per_doc = [], Counter(), Counter()
texts = {}
for n, line in enumerate((HERE / "gold.jsonl").read_text(encoding="utf-8").splitlines(), 1):
    o = json.loads(line)
    doc, cat, quote, values = o["doc"], o["category"], o["quote"], o.get("values", {})
    if doc not in texts:
        p = HERE / doc
        if not p.exists():
            errors.append(f"{n}: missing document {doc}")
            continue
        texts[doc] = p.read_text(encoding="utf-8")
    if cat not in CATEGORIES:
        errors.append(f"{n}: bad category {cat}")
    if quote not in texts[doc]:
        errors.append(f"{n}: quote not in {doc}: {quote[:40]}")
    if len(quote) > 220:
        errors.append(f"{n}: quote too long ({len(quote)})")
    if set(values) - VALUE_KEYS:
        errors.append(f"{n}: bad value keys {set(values) - VALUE_KEYS}")
    if "period" in values and values["period"] not in PERIODS:
        errors.append(f"{n}: bad period {values['period']}")
    if "amount" in values and "currency" not in values:
        errors.append(f"{n}: amount without currency")
    per_cat[cat] += 1
    per_doc[doc] += 1

for doc in sorted(per_doc):
    print(f"{per_doc[doc]:4d}  {doc}  ({len(texts[doc].encode('utf-8'))} bytes)")
print()
for cat in sorted(CATEGORIES, key=lambda c: (-per_cat[c], c)):
    print(f"{per_cat[cat]:4d}  {cat}")
print(f"\n{sum(per_doc.values())} gold lines, {len(per_doc)} documents")
if errors:
    print("\n".join(errors))
    sys.exit(1)
print("OK")
