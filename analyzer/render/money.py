"""How amounts of money are written in every report: one place, so the verdict, the exit-cost
table, the advert check and the weekly digest say "39元" / "39 CNY" / "$35" the same way."""
from __future__ import annotations

from typing import Any

SIGN = {"USD": "$", "GBP": "£", "EUR": "€", "HKD": "HK$", "AUD": "A$", "CAD": "C$", "TWD": "NT$"}
_PERIOD = {
    "zh": {"month": "/月", "year": "/年", "day": "/天", "week": "/周"},
    "en": {"month": " a month", "year": " a year", "day": " a day", "week": " a week"},
}


def number(x: Any) -> str:
    """1,017 / 33.33 / 0.1: thousands separated, at most two decimals, no trailing zeros."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return str(x)
    x = round(float(x), 2)
    if x.is_integer():
        return f"{int(x):,}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def money(amount: Any, currency: str | None, lang: str, period: str | None = None,
          missing: str = "?") -> str:
    """An amount in the report language: zh "39元" / "$35", en "39 CNY" / "$35"; with a
    period (month, year, day; "once" adds nothing) "39元/月" / "$35 a month"."""
    if amount is None:
        return missing
    x = round(float(amount), 2)
    n = f"{int(x):,}" if x.is_integer() else f"{x:,.2f}"  # money keeps its cents: $49.50
    if currency in SIGN:
        s = f"{SIGN[currency]}{n}"
    elif lang == "zh" and currency in (None, "CNY"):
        s = f"{n}元"
    elif currency:
        s = f"{n} {currency}"
    else:
        s = n
    if period and period != "once":
        s += _PERIOD["zh" if lang == "zh" else "en"].get(period, f"/{period}")
    return s
