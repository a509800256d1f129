"""Margin resolution: price 10,000 rates against a policy of 500 rules, indexed vs the naive loop.

The policy is seeded and built through ``CommercialPolicy.add_rule`` (so it holds only rules the
policy accepts: no conflicts, within the global limits) over 200 hotels, 5 channels and 20
suppliers; the rates spread over the same codes, a year of booking dates, two currencies, and
some carry a bed bank's floor or ceiling. Both paths price the same inputs and their results
are checked equal before anything is timed.
"""

from __future__ import annotations

import gc
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import attrs

from bench.harness import Figure, median, timings
from perla_core.kernel.money import Money
from perla_core.policies.model import (
    CommercialPolicy,
    DateRange,
    GlobalRules,
    MarginRule,
    PolicyConflict,
)
from perla_core.policies.pricing import PolicyIndex, Rate, price_naively, price_rates

SEED = 20260115
RULES = 500
RATES = 10_000
HOTELS = [f"H{n:04d}" for n in range(1, 201)]
CHANNELS = ["web", "api", "mobile", "callcenter", "b2b"]
SUPPLIERS = [f"SUP{n:02d}" for n in range(1, 21)]
YEAR_START = date(2026, 1, 1)
NOW = datetime(2026, 1, 1, tzinfo=UTC)
GOAL = "<= 0.05 (>= 20x faster)"


def _day(rng: random.Random, span: int = 365) -> date:
    return YEAR_START + timedelta(days=rng.randrange(span))


def _filters(rng: random.Random) -> dict[str, list[str]]:
    shape = rng.random()
    if shape < 0.45:
        filters = {"hotels": rng.sample(HOTELS, rng.randint(1, 3))}
        if rng.random() < 0.3:
            filters["suppliers"] = rng.sample(SUPPLIERS, rng.randint(1, 2))
        return filters
    if shape < 0.60:
        return {"hotels": rng.sample(HOTELS, rng.randint(1, 2)), "channels": [rng.choice(CHANNELS)]}
    if shape < 0.80:
        filters = {"suppliers": rng.sample(SUPPLIERS, rng.randint(1, 2))}
        if rng.random() < 0.5:
            filters["channels"] = rng.sample(CHANNELS, rng.randint(1, 2))
        return filters
    if shape < 0.95:
        return {"channels": [rng.choice(CHANNELS)]}
    return {}


def _rule(rng: random.Random, n: int) -> MarginRule:
    start = _day(rng)
    booking = DateRange(start, start + timedelta(days=rng.randint(30, 365)))
    stay = None
    if rng.random() < 0.3:
        stay_start = start + timedelta(days=rng.randrange(60))
        stay = DateRange(stay_start, stay_start + timedelta(days=rng.randint(30, 180)))
    fixed = rng.random() < 0.15
    return MarginRule(
        id=UUID(int=n),
        name=f"rule {n}",
        kind="fixed" if fixed else "percent",
        value=Decimal(rng.randint(100, 3000) if fixed else rng.randint(200, 2500)).scaleb(-2),
        currency="EUR" if fixed else None,
        booking_period=booking,
        stay_period=stay,
        priority=rng.randrange(10),
        active=rng.random() >= 0.1,
        **_filters(rng),
    )


def seeded_policy(rng: random.Random) -> CommercialPolicy:
    """A policy of :data:`RULES` rules the policy accepts: a candidate that conflicts is
    offered again at other priorities, then dropped, so about nine in ten stay active."""
    limits = GlobalRules()
    policy = CommercialPolicy.open(client_id=UUID(int=1), now=NOW, actor="bench")
    n = 0
    while len(policy.rules) < RULES:
        n += 1
        rule = _rule(rng, n)
        for priority in rng.sample(range(10), 10):
            try:
                policy.add_rule(
                    attrs.evolve(rule, priority=priority),
                    global_rules=limits,
                    actor="bench",
                    now=NOW,
                    reason="seed",
                )
            except PolicyConflict:
                continue
            break
    return policy


def seeded_rates(rng: random.Random) -> list[Rate]:
    rates = []
    for _ in range(RATES):
        currency = "EUR" if rng.random() < 0.9 else "USD"
        net = Decimal(rng.randint(4000, 90000)).scaleb(-2)
        floor = ceiling = None
        if rng.random() < 0.2:
            floor = Money(
                (net * Decimal(rng.randint(105, 130)) / 100).quantize(Decimal("0.01")), currency
            )
        if rng.random() < 0.1:
            ceiling = Money(
                (net * Decimal(rng.randint(131, 140)) / 100).quantize(Decimal("0.01")), currency
            )
        booked = _day(rng)
        rates.append(
            Rate(
                hotel=rng.choice(HOTELS),
                channel=rng.choice(CHANNELS),
                supplier=rng.choice(SUPPLIERS),
                booking_date=booked,
                stay_date=booked + timedelta(days=rng.randrange(120)),
                net=Money(net, currency),
                min_selling=floor,
                max_selling=ceiling,
            )
        )
    return rates


def run() -> list[Figure]:
    rng = random.Random(SEED)
    policy = seeded_policy(rng)
    rules = list(policy.rules)
    rates = seeded_rates(rng)

    naive_result = price_naively(rules, rates)
    indexed_result = price_rates(PolicyIndex.build(rules), rates)
    if indexed_result != naive_result:
        raise AssertionError("the indexed and the naive pricing disagree")
    by_rule = sum(1 for p in indexed_result if p.rule_id is not None)
    clamped = sum(1 for p in indexed_result if p.clamped is not None)

    index = PolicyIndex.build(rules)
    gc.collect()
    gc.disable()  # as timeit does: a collection landing in one run would skew its timing
    try:
        naive = median(timings(lambda: price_naively(rules, rates), repeat=3, warmup=0))
        with_build = median(
            timings(lambda: price_rates(PolicyIndex.build(rules), rates), repeat=15, warmup=2)
        )
        build = median(timings(lambda: PolicyIndex.build(rules), repeat=30, warmup=3))
        prebuilt = median(timings(lambda: price_rates(index, rates), repeat=15, warmup=2))
    finally:
        gc.enable()

    inputs = f"{RATES:,} rates, {len(rules)} rules ({len(policy.active_rules)} active)"
    return [
        Figure(
            f"price {inputs}, index build included",
            "ms",
            with_build * 1e3,
            naive * 1e3,
            "naive loop (every rule for every rate)",
            goal=GOAL,
            note=(
                f"{naive / with_build:.0f}x faster; results identical; "
                f"{by_rule:,} priced by a rule, {clamped:,} clamped"
            ),
        ),
        Figure(
            f"price {inputs}, prebuilt index (cached per policy version)",
            "ms",
            prebuilt * 1e3,
            naive * 1e3,
            "naive loop (every rule for every rate)",
            goal=GOAL,
            note=f"{naive / prebuilt:.0f}x faster",
        ),
        Figure(
            "pricing throughput, index build included",
            "rates/s",
            RATES / with_build,
            RATES / naive,
            "naive loop",
            goal="info",
        ),
        Figure(f"index build, {len(rules)} rules", "ms", build * 1e3, goal="info"),
    ]
