"""Rules, rates and moments for the policy tests, with defaults that read as "any"."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from perla_core.kernel.money import Money
from perla_core.policies.model import DateRange, GlobalRules, MarginRule
from perla_core.policies.pricing import Rate

NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=1)
ACTOR = "ana.agent"
REASON = "agreed with the client in the March meeting"
YEAR = DateRange(date(2026, 1, 1), date(2026, 12, 31))
LIMITS = GlobalRules()

_ids = itertools.count(1)


def rule_id(n: int | None = None) -> UUID:
    return UUID(int=n if n is not None else next(_ids))


def period(start: str, end: str) -> DateRange:
    return DateRange(date.fromisoformat(start), date.fromisoformat(end))


def a_rule(**overrides: Any) -> MarginRule:
    fields: dict[str, Any] = {
        "id": rule_id(),
        "name": "Base margin",
        "kind": "percent",
        "value": "10",
        "booking_period": YEAR,
    }
    fields.update(overrides)
    return MarginRule(**fields)


def a_rate(net: str = "100.00", currency: str = "EUR", **overrides: Any) -> Rate:
    fields: dict[str, Any] = {
        "hotel": "H1",
        "channel": "web",
        "supplier": "S1",
        "booking_date": date(2026, 3, 1),
        "stay_date": date(2026, 7, 15),
        "net": Money.of(net, currency),
    }
    for bound in ("min_selling", "max_selling"):
        if isinstance(overrides.get(bound), str):
            overrides[bound] = Money.of(overrides[bound], currency)
    fields.update(overrides)
    return Rate(**fields)
