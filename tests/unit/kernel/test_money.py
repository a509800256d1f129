"""Money is an exact Decimal in an ISO 4217 currency, never a float."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perla_core.kernel.errors import InvalidValue
from perla_core.kernel.money import MINOR_UNITS, Money


@pytest.mark.parametrize("amount", [1.5, 0.1, float("nan")])
def test_a_float_amount_is_refused_naming_the_amount(amount: float) -> None:
    with pytest.raises(InvalidValue) as raised:
        Money.of(amount, "EUR")
    assert raised.value.field == "amount"
    assert raised.value.code == "invalid_value"


def test_a_float_amount_is_refused_by_the_constructor_too() -> None:
    amount: Any = 12.30
    with pytest.raises(InvalidValue) as raised:
        Money(amount, "EUR")
    assert raised.value.field == "amount"


@pytest.mark.parametrize("amount", [True, "twelve", "NaN", "Infinity", "-Infinity"])
def test_an_amount_that_is_not_a_finite_number_is_refused(amount: object) -> None:
    with pytest.raises(InvalidValue) as raised:
        Money.of(amount, "EUR")
    assert raised.value.field == "amount"


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("12.30", Decimal("12.30")), (Decimal("0.1"), Decimal("0.1")), (7, Decimal(7))],
)
def test_amounts_given_as_text_decimal_or_int_stay_exact(amount: object, expected: Decimal) -> None:
    money = Money.of(amount, "EUR")
    assert money.amount == expected
    assert isinstance(money.amount, Decimal)


def test_the_currency_code_is_normalised_to_upper_case() -> None:
    assert Money.of("1", " eur ").currency == "EUR"


@pytest.mark.parametrize("currency", ["EURO", "XXX", "", "€", "ES"])
def test_a_currency_outside_iso_4217_is_refused_naming_the_currency(currency: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        Money.of("1", currency)
    assert raised.value.field == "currency"


def test_the_currencies_perla_trades_in_know_their_minor_units() -> None:
    assert MINOR_UNITS["EUR"] == 2
    assert MINOR_UNITS["ARS"] == 2
    assert MINOR_UNITS["USD"] == 2
    assert MINOR_UNITS["JPY"] == 0
    assert MINOR_UNITS["KWD"] == 3


def test_adding_and_subtracting_money_of_one_currency() -> None:
    total = Money.of("10.10", "EUR") + Money.of("0.20", "EUR")
    assert total == Money.of("10.30", "EUR")
    assert total - Money.of("0.30", "EUR") == Money.of("10", "EUR")
    assert -Money.of("5", "EUR") == Money.of("-5", "EUR")
    assert Money.of("-0.01", "EUR").is_negative
    assert not Money.zero("EUR").is_negative


def test_money_of_two_currencies_cannot_be_added_subtracted_or_compared() -> None:
    euros, dollars = Money.of("1", "EUR"), Money.of("1", "USD")
    for combine in (
        lambda: euros + dollars,
        lambda: euros - dollars,
        lambda: euros < dollars,
        lambda: euros <= dollars,
        lambda: euros > dollars,
        lambda: euros >= dollars,
    ):
        with pytest.raises(InvalidValue) as raised:
            combine()
        assert raised.value.field == "currency"


def test_money_of_one_currency_compares_by_amount() -> None:
    small, large = Money.of("1.99", "EUR"), Money.of("2", "EUR")
    assert small < large
    assert small <= large
    assert large > small
    assert large >= small
    assert Money.of("2.00", "EUR") == large


def test_money_is_multiplied_by_decimals_or_ints_but_not_floats() -> None:
    price = Money.of("10.00", "EUR")
    assert price * Decimal("1.21") == Money.of("12.1000", "EUR")
    assert 3 * price == Money.of("30", "EUR")
    factor: Any = 1.21
    with pytest.raises(InvalidValue) as raised:
        price * factor
    assert raised.value.field == "factor"


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("2.345", "EUR", "2.35"),
        ("2.344", "EUR", "2.34"),
        ("-2.345", "EUR", "-2.35"),
        ("0.005", "ARS", "0.01"),
        ("1234.5", "JPY", "1235"),
        ("1234.4", "JPY", "1234"),
        ("1.2345", "KWD", "1.235"),
        ("1.2344", "KWD", "1.234"),
        ("7", "EUR", "7.00"),
    ],
)
def test_rounding_is_half_up_to_the_currencys_minor_units(
    amount: str, currency: str, expected: str
) -> None:
    rounded = Money.of(amount, currency).rounded()
    assert rounded.amount == Decimal(expected)
    assert rounded.amount.as_tuple().exponent == -MINOR_UNITS[currency]
    assert rounded.currency == currency


def test_money_is_shown_rounded_with_its_currency() -> None:
    assert str(Money.of("1234.565", "EUR")) == "1,234.57 EUR"
    assert str(Money.of("1234.5", "JPY")) == "1,235 JPY"


_amounts = st.decimals(
    min_value=Decimal("-1000000000000"),
    max_value=Decimal("1000000000000"),
    places=4,
    allow_nan=False,
    allow_infinity=False,
)


@settings(database=None, max_examples=200, deadline=None)
@given(a=_amounts, b=_amounts, currency=st.sampled_from(["EUR", "ARS", "JPY", "KWD"]))
def test_adding_then_subtracting_the_same_money_gives_back_the_original(
    a: Decimal, b: Decimal, currency: str
) -> None:
    first, second = Money(a, currency), Money(b, currency)
    assert (first + second) - second == first
