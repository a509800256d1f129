"""Margin rules, periods and PerlaHub's global rules refuse bad values, naming the field."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from tests.unit.policies.builders import YEAR, a_rule, period

from perla_core.kernel.errors import InvalidValue
from perla_core.policies.model import (
    CHANNEL_WEIGHT,
    HOTEL_WEIGHT,
    MAX_PRIORITY,
    SUPPLIER_WEIGHT,
    DateRange,
    GlobalRules,
    MarginKind,
)


def test_a_period_that_ends_before_it_starts_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidValue) as refused:
        DateRange.of(date(2026, 3, 1), date(2026, 2, 28), field="booking_period")
    assert refused.value.field == "booking_period"
    assert "before it starts" in refused.value.message

    with pytest.raises(InvalidValue) as direct:
        DateRange(date(2026, 3, 1), date(2026, 2, 28))
    assert direct.value.field == "period"


def test_a_one_day_period_contains_its_day_and_only_it() -> None:
    day = period("2026-05-01", "2026-05-01")
    assert day.contains(date(2026, 5, 1))
    assert not day.contains(date(2026, 5, 2))
    assert not day.contains(date(2026, 4, 30))


def test_a_period_needs_calendar_dates_not_moments() -> None:
    with pytest.raises(InvalidValue) as refused:
        DateRange(datetime(2026, 1, 1), date(2026, 2, 1))  # noqa: DTZ001 - the wrong input itself
    assert refused.value.field == "start"


def test_adjacent_periods_do_not_overlap_and_touching_ones_do() -> None:
    january = period("2026-01-01", "2026-01-31")
    assert not january.overlaps(period("2026-02-01", "2026-02-28"))
    assert january.intersection(period("2026-02-01", "2026-02-28")) is None
    assert january.overlaps(period("2026-01-31", "2026-02-28"))
    assert january.intersection(period("2026-01-31", "2026-02-28")) == period(
        "2026-01-31", "2026-01-31"
    )


def test_a_rule_keeps_its_margin_as_an_exact_decimal() -> None:
    rule = a_rule(value="12.5")
    assert rule.value == Decimal("12.5")
    assert rule.kind is MarginKind.PERCENT
    assert rule.describe_margin() == "12.5% of net"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"value": 12.5}, "value"),
        ({"value": "twelve"}, "value"),
        ({"value": "NaN"}, "value"),
        ({"value": "-100"}, "value"),
        ({"kind": "fixed", "value": "-1", "currency": "EUR"}, "value"),
        ({"kind": "fixed", "value": "5"}, "currency"),
        ({"kind": "percent", "currency": "EUR"}, "currency"),
        ({"kind": "fixed", "value": "5", "currency": "EURO"}, "currency"),
        ({"kind": "markup"}, "kind"),
        ({"name": "  "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"priority": -1}, "priority"),
        ({"priority": MAX_PRIORITY + 1}, "priority"),
        ({"priority": True}, "priority"),
        ({"priority": "1"}, "priority"),
        ({"hotels": ["H1", " "]}, "hotels"),
        ({"channels": ["x" * 65]}, "channels"),
        ({"suppliers": [""]}, "suppliers"),
    ],
)
def test_a_rule_with_a_bad_value_is_refused_naming_the_field(
    overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidValue) as refused:
        a_rule(**overrides)
    assert refused.value.field == field


def test_filter_codes_are_trimmed_and_a_single_code_is_a_set_of_one() -> None:
    rule = a_rule(hotels=[" H1 ", "H2"], channels="web")
    assert rule.hotels == frozenset({"H1", "H2"})
    assert rule.channels == frozenset({"web"})
    assert rule.suppliers == frozenset()


def test_specificity_weighs_a_hotel_over_a_supplier_over_a_channel() -> None:
    assert a_rule().specificity == 0
    assert a_rule(channels=["web"]).specificity == CHANNEL_WEIGHT
    assert a_rule(suppliers=["S1"]).specificity == SUPPLIER_WEIGHT
    assert a_rule(hotels=["H1"]).specificity == HOTEL_WEIGHT
    assert (
        a_rule(hotels=["H1"]).specificity > a_rule(suppliers=["S1"], channels=["web"]).specificity
    )


def test_a_rule_snapshot_is_plain_data() -> None:
    rule = a_rule(
        kind="fixed",
        value="7.50",
        currency="eur",
        hotels=["H2", "H1"],
        stay_period=period("2026-07-01", "2026-08-31"),
    )
    snapshot = rule.snapshot()
    assert snapshot == {
        "id": str(rule.id),
        "name": "Base margin",
        "kind": "fixed",
        "value": "7.50",
        "booking_period": {"start": "2026-01-01", "end": "2026-12-31"},
        "currency": "EUR",
        "priority": 0,
        "active": True,
        "stay_period": {"start": "2026-07-01", "end": "2026-08-31"},
        "hotels": ["H1", "H2"],
        "channels": [],
        "suppliers": [],
    }


# --- PerlaHub's global rules -------------------------------------------------------------------


def test_global_rules_default_to_margins_from_zero_to_a_hundred_percent_on_any_channel() -> None:
    limits = GlobalRules()
    assert limits.min_margin_percent == 0
    assert limits.max_margin_percent == 100
    assert limits.allowed_channels is None
    limits.check(a_rule(channels=["anything"]))


@pytest.mark.parametrize(
    ("value", "accepted"), [("2", False), ("3", True), ("25", True), ("25.01", False)]
)
def test_a_percent_margin_outside_the_global_limits_is_refused_naming_value(
    value: str, accepted: bool
) -> None:
    limits = GlobalRules(min_margin_percent="3", max_margin_percent="25")
    rule = a_rule(value=value)
    if accepted:
        limits.check(rule)
        return
    with pytest.raises(InvalidValue) as refused:
        limits.check(rule)
    assert refused.value.field == "value"
    assert "3% to 25%" in refused.value.message


def test_a_fixed_margin_above_its_currency_cap_is_refused_and_other_currencies_are_uncapped() -> (
    None
):
    limits = GlobalRules(max_fixed_margin={"eur": "20"})
    limits.check(a_rule(kind="fixed", value="20", currency="EUR"))
    limits.check(a_rule(kind="fixed", value="500", currency="USD"))
    with pytest.raises(InvalidValue) as refused:
        limits.check(a_rule(kind="fixed", value="20.01", currency="EUR"))
    assert refused.value.field == "value"


def test_a_channel_perlahub_does_not_allow_is_refused_naming_channels() -> None:
    limits = GlobalRules(allowed_channels=["web", "api"])
    limits.check(a_rule(channels=["web"]))
    limits.check(a_rule())
    with pytest.raises(InvalidValue) as refused:
        limits.check(a_rule(channels=["web", "fax"]))
    assert refused.value.field == "channels"
    assert "fax" in refused.value.message


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"min_margin_percent": "10", "max_margin_percent": "5"}, "max_margin_percent"),
        ({"min_margin_percent": "-100"}, "min_margin_percent"),
        ({"min_margin_percent": 1.5}, "margin_percent"),
        ({"max_fixed_margin": {"EUR": "-1"}}, "max_fixed_margin"),
        ({"max_fixed_margin": {"XXX": "1"}}, "max_fixed_margin"),
        ({"allowed_channels": [""]}, "allowed_channels"),
    ],
)
def test_inconsistent_global_rules_are_refused(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        GlobalRules(**fields)
    assert refused.value.field == field


def test_global_rules_snapshot_is_plain_data() -> None:
    limits = GlobalRules("1", "30", ["web"], {"EUR": "15"})
    assert limits.snapshot() == {
        "min_margin_percent": "1",
        "max_margin_percent": "30",
        "allowed_channels": ["web"],
        "max_fixed_margin": {"EUR": "15"},
    }
    assert limits.max_fixed("EUR") == Decimal(15)
    assert limits.max_fixed("USD") is None
    assert YEAR.contains(date(2026, 6, 1))
