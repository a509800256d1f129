"""Margin resolution: the most specific rule wins, then the highest priority, then the smallest
id; the indexed path prices exactly as the naive loop does; a priced rate is never outside its
floor and ceiling."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.policies.builders import NOW, a_rate, a_rule, period, rule_id

from perla_core.kernel.errors import InvalidValue
from perla_core.kernel.money import Money
from perla_core.policies.model import CommercialPolicy, DateRange, MarginKind, MarginRule
from perla_core.policies.pricing import (
    NO_RULE,
    Clamp,
    PolicyIndex,
    PolicyIndexCache,
    PricedRate,
    Rate,
    price_naively,
    price_rates,
)


def price(rules: list[MarginRule], rate: Rate) -> PricedRate:
    [indexed] = price_rates(PolicyIndex.build(rules), [rate])
    [naive] = price_naively(rules, [rate])
    assert indexed == naive
    return indexed


# --- which rule wins ---------------------------------------------------------------------------


def test_the_most_specific_rule_wins_over_a_higher_priority() -> None:
    general = a_rule(name="General", value="20", priority=9)
    for_the_hotel = a_rule(name="Hotel H1", value="12", hotels=["H1"], priority=1)
    priced = price([general, for_the_hotel], a_rate())
    assert priced.rule_id == for_the_hotel.id
    assert priced.selling == Money.of("112.00", "EUR")
    assert priced.margin == Money.of("12.00", "EUR")
    assert priced.reason == "margin rule 'Hotel H1': 12% of net"


def test_a_hotel_filter_outweighs_a_supplier_and_channel_filter_together() -> None:
    by_hotel = a_rule(value="5", hotels=["H1"])
    by_supplier_and_channel = a_rule(value="9", suppliers=["S1"], channels=["web"], priority=5)
    assert price([by_supplier_and_channel, by_hotel], a_rate()).rule_id == by_hotel.id


def test_a_supplier_filter_outweighs_a_channel_filter() -> None:
    by_supplier = a_rule(value="5", suppliers=["S1"])
    by_channel = a_rule(value="9", channels=["web"], priority=5)
    assert price([by_channel, by_supplier], a_rate()).rule_id == by_supplier.id


def test_among_equally_specific_rules_the_highest_priority_wins() -> None:
    low = a_rule(value="5", hotels=["H1"], priority=1)
    high = a_rule(value="7", hotels=["H1", "H2"], priority=2)
    assert price([low, high], a_rate()).rule_id == high.id


def test_a_tie_in_specificity_and_priority_goes_to_the_smallest_rule_id() -> None:
    second = a_rule(id=UUID(int=2), value="7")
    first = a_rule(id=UUID(int=1), value="5")
    assert price([second, first], a_rate()).rule_id == first.id


def test_inactive_rules_and_rules_outside_their_periods_price_nothing() -> None:
    rules = [
        a_rule(active=False, hotels=["H1"]),
        a_rule(booking_period=period("2026-03-02", "2026-12-31"), hotels=["H1"], priority=3),
        a_rule(stay_period=period("2026-08-01", "2026-08-31"), hotels=["H1"], priority=4),
        a_rule(name="Fallback", value="3"),
    ]
    priced = price(rules, a_rate(booking_date=date(2026, 3, 1), stay_date=date(2026, 7, 31)))
    assert priced.rule_id == rules[3].id


def test_periods_include_their_first_and_last_day() -> None:
    rule = a_rule(
        booking_period=period("2026-03-01", "2026-03-31"),
        stay_period=period("2026-07-15", "2026-07-20"),
    )
    for booked, stay in [
        (date(2026, 3, 1), date(2026, 7, 15)),
        (date(2026, 3, 31), date(2026, 7, 20)),
    ]:
        assert price([rule], a_rate(booking_date=booked, stay_date=stay)).rule_id == rule.id


def test_a_fixed_margin_prices_only_rates_in_its_currency() -> None:
    fixed = a_rule(kind="fixed", value="8", currency="EUR", hotels=["H1"])
    percent = a_rule(value="10")
    in_euros = price([fixed, percent], a_rate("100.00", "EUR"))
    assert in_euros.rule_id == fixed.id
    assert in_euros.selling == Money.of("108.00", "EUR")
    in_dollars = price([fixed, percent], a_rate("100.00", "USD"))
    assert in_dollars.rule_id == percent.id
    assert in_dollars.selling == Money.of("110.00", "USD")


def test_no_rule_sells_at_net_and_says_so() -> None:
    priced = price([a_rule(hotels=["H2"])], a_rate("87.40"))
    assert priced.rule_id is None
    assert priced.selling == Money.of("87.40", "EUR")
    assert priced.margin == Money.zero("EUR")
    assert priced.clamped is None
    assert priced.reason == NO_RULE
    assert priced.reason.endswith("sold at net")


def test_the_selling_price_is_rounded_half_up_to_the_currency_minor_unit() -> None:
    rule = a_rule(value="12.5")
    assert price([rule], a_rate("33.33")).selling == Money.of("37.50", "EUR")  # 37.49625
    assert price([rule], a_rate("0.04")).selling == Money.of("0.05", "EUR")  # 0.045
    assert price([rule], a_rate("1003", "JPY")).selling == Money.of("1128", "JPY")  # 1128.375
    priced = price([rule], a_rate("10.004"))
    assert priced.selling == Money.of("11.25", "EUR")  # 11.2545
    assert priced.margin == Money.of("1.246", "EUR")  # selling - net, exactly


def test_a_floor_raises_the_price_and_a_ceiling_lowers_it() -> None:
    rule = a_rule(value="10")
    floored = price([rule], a_rate("100.00", min_selling="115.00"))
    assert floored.selling == Money.of("115.00", "EUR")
    assert floored.clamped is Clamp.FLOOR
    assert floored.clamped.value == "floor"
    assert floored.margin == Money.of("15.00", "EUR")
    assert "raised to the supplier's minimum selling price 115.00" in floored.reason

    capped = price([rule], a_rate("100.00", max_selling="104.99"))
    assert capped.selling == Money.of("104.99", "EUR")
    assert capped.clamped is Clamp.CEILING
    assert "lowered to the supplier's maximum selling price 104.99" in capped.reason

    inside = price([rule], a_rate("100.00", min_selling="100", max_selling="120"))
    assert inside.clamped is None
    assert inside.selling == Money.of("110.00", "EUR")


def test_sub_cent_floors_and_ceilings_round_inwards() -> None:
    rule = a_rule(value="0")
    assert price([rule], a_rate("10.00", min_selling="10.001")).selling == Money.of("10.01", "EUR")
    assert price([rule], a_rate("10.00", max_selling="9.999")).selling == Money.of("9.99", "EUR")


def test_a_floor_applies_even_when_no_rule_does() -> None:
    priced = price([], a_rate("50.00", min_selling="55.00"))
    assert priced.rule_id is None
    assert priced.selling == Money.of("55.00", "EUR")
    assert priced.clamped is Clamp.FLOOR


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"min_selling": "120", "max_selling": "110"}, "max_selling"),
        ({"min_selling": "10.001", "max_selling": "10.004"}, "max_selling"),
        ({"min_selling": Money.of("1", "USD")}, "min_selling"),
        ({"max_selling": Money.of("1", "USD")}, "max_selling"),
        ({"net": "-0.01"}, "net"),
    ],
)
def test_a_rate_with_inconsistent_prices_is_refused(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        a_rate(**overrides)
    assert refused.value.field == field


def test_the_index_skips_inactive_rules_and_names_the_winner() -> None:
    rules = [a_rule(active=False), a_rule(hotels=["H1", "H2"], suppliers=["S1"])]
    index = PolicyIndex.build(rules)
    assert index.size == 1
    assert index.winner(a_rate()) == rules[1]
    assert index.winner(a_rate(hotel="H3")) is None


def test_the_cache_indexes_a_policy_once_per_version() -> None:
    policy = CommercialPolicy(client_id=rule_id(), created_at=NOW, updated_at=NOW, version=3)
    cache = PolicyIndexCache(max_policies=1)
    first = cache.index_for(policy)
    assert cache.index_for(policy) is first
    policy.version = 4
    assert cache.index_for(policy) is not first
    other = CommercialPolicy(client_id=rule_id(), created_at=NOW, updated_at=NOW, version=4)
    cache.index_for(other)
    assert cache.index_for(policy) is not first


# --- properties ----------------------------------------------------------------------------------

HOTELS = ["H1", "H2", "H3", "H4"]
CHANNELS = ["web", "api", "mobile"]
SUPPLIERS = ["S1", "S2", "S3"]
CURRENCIES = ["EUR", "USD", "JPY"]
DAY_ZERO = date(2026, 1, 1)

days = st.integers(0, 12).map(lambda n: DAY_ZERO + timedelta(days=n))
periods = st.tuples(days, days).map(lambda ends: DateRange(min(ends), max(ends)))
amounts = st.decimals(min_value=0, max_value=2000, places=3)


@st.composite
def margin_rules(draw: st.DrawFn) -> MarginRule:
    kind = draw(st.sampled_from(MarginKind))
    fixed = kind is MarginKind.FIXED
    return MarginRule(
        id=UUID(int=draw(st.integers(1, 10_000))),
        name="rule",
        kind=kind,
        value=draw(st.decimals(min_value=0 if fixed else -50, max_value=60, places=2)),
        booking_period=draw(periods),
        currency=draw(st.sampled_from(CURRENCIES)) if fixed else None,
        priority=draw(st.integers(0, 3)),
        active=draw(st.sampled_from([True, True, True, False])),
        stay_period=draw(st.sampled_from([None, None, None]) | periods),
        hotels=draw(st.just(frozenset()) | st.frozensets(st.sampled_from(HOTELS), max_size=3)),
        channels=draw(st.just(frozenset()) | st.frozensets(st.sampled_from(CHANNELS), max_size=2)),
        suppliers=draw(
            st.just(frozenset()) | st.frozensets(st.sampled_from(SUPPLIERS), max_size=2)
        ),
    )


@st.composite
def rates(draw: st.DrawFn) -> Rate:
    currency = draw(st.sampled_from(CURRENCIES))
    net = Money(draw(amounts), currency)
    bounds = sorted(draw(st.lists(st.integers(0, 2500), min_size=2, max_size=2)))
    sometimes = st.sampled_from([True, False, False])
    floor = Money(Decimal(bounds[0]), currency) if draw(sometimes) else None
    ceiling = Money(Decimal(bounds[1]), currency) if draw(sometimes) else None
    return Rate(
        hotel=draw(st.sampled_from([*HOTELS, "H9"])),
        channel=draw(st.sampled_from([*CHANNELS, "fax"])),
        supplier=draw(st.sampled_from([*SUPPLIERS, "S9"])),
        booking_date=draw(days),
        stay_date=draw(days),
        net=net,
        min_selling=floor,
        max_selling=ceiling,
    )


rule_sets = st.lists(margin_rules(), min_size=1, max_size=30, unique_by=lambda r: r.id)
batches = st.lists(rates(), max_size=25)


@settings(max_examples=300, deadline=None)
@given(rules=rule_sets, batch=batches)
def test_the_index_prices_every_rate_exactly_as_the_naive_loop(
    rules: list[MarginRule], batch: list[Rate]
) -> None:
    assert price_rates(PolicyIndex.build(rules), batch) == price_naively(rules, batch)


@settings(max_examples=200, deadline=None)
@given(rules=rule_sets, batch=batches)
def test_a_priced_rate_is_never_outside_its_floor_and_ceiling(
    rules: list[MarginRule], batch: list[Rate]
) -> None:
    by_id = {r.id: r for r in rules}
    for priced in price_rates(PolicyIndex.build(rules), batch):
        rate = priced.rate
        if rate.min_selling is not None:
            assert priced.selling >= rate.min_selling
        if rate.max_selling is not None:
            assert priced.selling <= rate.max_selling
        assert priced.selling == rate.net + priced.margin
        assert priced.selling == priced.selling.rounded()
        if priced.rule_id is None:
            assert priced.clamped is not None or priced.selling == rate.net.rounded()
        else:
            winner = by_id[priced.rule_id]
            assert winner.active
            assert winner.booking_period.contains(rate.booking_date)
