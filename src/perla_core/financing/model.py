"""Financing rates: a :class:`RateRule` per instalment count or range of counts, and the
:class:`RateTable` that picks the rule for a simulation.

Rates are percentages as people write them (``4.5`` is 4.5 %): either the monthly effective
rate or the TNA (nominal annual), which becomes a monthly rate with 30-day months and a
365-day year (``i = TNA x 30 / 365``). A rule is valid from ``valid_from`` (inclusive) until
``valid_until`` (exclusive; ``None``: until replaced), both calendar dates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import ClassVar

import attrs

from perla_core.kernel.errors import InvalidValue, PreconditionFailed
from perla_core.kernel.money import Money

DAYS_PER_MONTH = Decimal(30)
DAYS_PER_YEAR = Decimal(365)
HUNDRED = Decimal(100)
DEFAULT_VAT_ON_INTEREST = Decimal(21)
RATE_DECIMALS = 6
"""Percentages are kept to six decimals (the rates table stores them exactly so)."""
MAX_INSTALLMENTS_LIMIT = 120
"""No rule may offer more than ten years of monthly instalments."""

_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


class RateKind(StrEnum):
    MONTHLY = "monthly"
    """The monthly effective rate."""
    TNA = "tna"
    """The nominal annual rate (tasa nominal anual), 30-day months over a 365-day year."""


class FinancingRefused(InvalidValue):
    """A count or an amount outside what the rates allow; ``details`` carry the allowed range
    (``min_installments``, ``max_installments``, ``minimum_amount``) and ``field`` names the
    input."""

    code: ClassVar[str] = "financing_refused"
    title: ClassVar[str] = "Financing refused"


class NoFinancingRates(PreconditionFailed):
    """No rate of the table is valid on the day asked (or none in that currency)."""

    code: ClassVar[str] = "no_financing_rates"
    title: ClassVar[str] = "No financing rates"


def format_money(money: Money) -> str:
    """``ARS 10.000,00``: Argentine grouping (``.``) and decimal comma."""
    text = f"{money.rounded().amount:,.{money.minor_units}f}"
    swapped = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return f"{money.currency} {swapped}"


def _percent(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@attrs.frozen(kw_only=True)
class RateRule:
    """One line of the rates table: instalment counts ``min_installments`` to
    ``max_installments`` (inclusive) at ``rate`` percent (monthly or TNA, ``kind``), with
    optional upfront fees (``origination_fee_percent`` of the amount and/or ``fixed_fee``),
    a ``minimum_amount``, the VAT on interest (21 % by default) and its validity."""

    id: str
    min_installments: int
    max_installments: int
    kind: RateKind
    rate: Decimal
    valid_from: date
    valid_until: date | None = None
    currency: str = "ARS"
    origination_fee_percent: Decimal = Decimal(0)
    fixed_fee: Money | None = None
    minimum_amount: Money | None = None
    vat_on_interest_percent: Decimal = DEFAULT_VAT_ON_INTEREST
    description: str = ""

    def __attrs_post_init__(self) -> None:
        self._check_counts()
        self._check_amounts()
        if self.valid_until is not None and self.valid_until <= self.valid_from:
            raise InvalidValue("must be after valid_from", field="valid_until")

    def _check_counts(self) -> None:
        if not _RULE_ID.match(self.id):
            raise InvalidValue(
                "a rule id is 1 to 64 lowercase letters, digits, '.', '_' or '-'", field="id"
            )
        if not 1 <= self.min_installments <= MAX_INSTALLMENTS_LIMIT:
            raise InvalidValue(f"between 1 and {MAX_INSTALLMENTS_LIMIT}", field="min_installments")
        if not self.min_installments <= self.max_installments <= MAX_INSTALLMENTS_LIMIT:
            raise InvalidValue(
                f"between min_installments and {MAX_INSTALLMENTS_LIMIT}", field="max_installments"
            )
        if not self.rate.is_finite() or self.rate < 0 or self.rate > 1000:
            raise InvalidValue("a rate is a percentage from 0 to 1000", field="rate")

    def _check_amounts(self) -> None:
        for name in ("rate", "origination_fee_percent", "vat_on_interest_percent"):
            value: Decimal = getattr(self, name)
            if value.is_finite() and value != value.quantize(Decimal(1).scaleb(-RATE_DECIMALS)):
                raise InvalidValue(f"at most {RATE_DECIMALS} decimals", field=name)
        if not 0 <= self.origination_fee_percent <= 100:
            raise InvalidValue("a percentage from 0 to 100", field="origination_fee_percent")
        if not 0 <= self.vat_on_interest_percent <= 100:
            raise InvalidValue("a percentage from 0 to 100", field="vat_on_interest_percent")
        for name in ("fixed_fee", "minimum_amount"):
            money: Money | None = getattr(self, name)
            if money is None:
                continue
            if money.currency != self.currency:
                raise InvalidValue(f"must be in {self.currency}", field=name)
            if money.is_negative:
                raise InvalidValue("must not be negative", field=name)
            if money.rounded().amount != money.amount:
                raise InvalidValue("at most the currency's minor unit (cents)", field=name)

    @property
    def monthly_rate(self) -> Decimal:
        """The monthly effective rate as a fraction (``0.045`` for 4.5 %)."""
        if self.kind is RateKind.MONTHLY:
            return self.rate / HUNDRED
        return self.rate / HUNDRED * DAYS_PER_MONTH / DAYS_PER_YEAR

    @property
    def tna(self) -> Decimal:
        """The nominal annual rate in percent (exact, not rounded)."""
        if self.kind is RateKind.TNA:
            return self.rate
        return self.rate * DAYS_PER_YEAR / DAYS_PER_MONTH

    @property
    def interest_free(self) -> bool:
        return self.rate == 0

    def covers(self, installments: int) -> bool:
        return self.min_installments <= installments <= self.max_installments

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day < self.valid_until)

    def _overlaps(self, other: RateRule) -> bool:
        counts = (
            self.min_installments <= other.max_installments
            and other.min_installments <= self.max_installments
        )
        ends = (self.valid_until or date.max, other.valid_until or date.max)
        days = self.valid_from < ends[1] and other.valid_from < ends[0]
        return counts and days and self.currency == other.currency


@attrs.frozen
class AllowedRange:
    min_installments: int
    max_installments: int
    counts: tuple[int, ...]

    def describe(self) -> str:
        if len(self.counts) == self.max_installments - self.min_installments + 1:
            return f"between {self.min_installments} and {self.max_installments} instalments"
        listed = ", ".join(str(c) for c in self.counts)
        return f"one of {listed} instalments"


@attrs.frozen
class RateTable:
    """The rules in force, checked to be unambiguous: two rules whose counts, validity and
    currency overlap are refused, as are duplicated ids."""

    rules: tuple[RateRule, ...]

    def __attrs_post_init__(self) -> None:
        seen: set[str] = set()
        for index, rule in enumerate(self.rules):
            if rule.id in seen:
                raise InvalidValue(f"rule id {rule.id!r} is repeated", field="id")
            seen.add(rule.id)
            for other in self.rules[:index]:
                if rule._overlaps(other):
                    raise InvalidValue(
                        f"rules {other.id!r} and {rule.id!r} cover the same instalment counts"
                        " on the same days",
                        field="rules",
                        rules=[other.id, rule.id],
                    )

    @classmethod
    def of(cls, rules: Iterable[RateRule]) -> RateTable:
        return cls(tuple(sorted(rules, key=lambda r: (r.min_installments, r.valid_from, r.id))))

    def in_force(self, on: date, currency: str = "ARS") -> list[RateRule]:
        return [r for r in self.rules if r.valid_on(on) and r.currency == currency]

    def allowed(self, on: date, currency: str = "ARS") -> AllowedRange:
        """The counts the rules valid on ``on`` offer; raises :class:`NoFinancingRates`."""
        rules = self.in_force(on, currency)
        if not rules:
            raise NoFinancingRates(
                f"no financing rate in {currency} is valid on {on.isoformat()}", field="rates"
            )
        counts = sorted(
            {n for r in rules for n in range(r.min_installments, r.max_installments + 1)}
        )
        return AllowedRange(counts[0], counts[-1], tuple(counts))

    def rule_for(self, installments: int, amount: Money, on: date) -> RateRule:
        """The rule for ``installments`` of ``amount`` on ``on``; raises
        :class:`FinancingRefused` naming ``installments`` or ``amount`` with the allowed range,
        :class:`NoFinancingRates` when nothing is valid that day."""
        if amount.amount <= 0:
            raise InvalidValue("the amount to finance must be more than zero", field="amount")
        allowed = self.allowed(on, amount.currency)
        rule = next((r for r in self.in_force(on, amount.currency) if r.covers(installments)), None)
        if rule is None:
            raise FinancingRefused(
                f"{installments} instalments are not offered: {allowed.describe()}",
                field="installments",
                min_installments=allowed.min_installments,
                max_installments=allowed.max_installments,
                allowed=list(allowed.counts),
            )
        if rule.minimum_amount is not None and amount < rule.minimum_amount:
            raise FinancingRefused(
                f"{installments} instalments need a minimum amount"
                f" {format_money(rule.minimum_amount)}",
                field="amount",
                minimum_amount=str(rule.minimum_amount.rounded().amount),
                currency=rule.currency,
            )
        return rule


def check_installments(value: object) -> int:
    """An instalment count as given (an int, or text of one); ``InvalidValue`` otherwise.
    Whether the count is offered is the :class:`RateTable`'s to say."""
    if isinstance(value, bool):
        raise InvalidValue("a whole number of instalments", field="installments")
    if isinstance(value, int):
        count = value
    else:
        try:
            count = int(str(value).strip())
        except ValueError:
            raise InvalidValue("a whole number of instalments", field="installments") from None
    return count


def percent(value: Decimal) -> Decimal:
    """A percentage with two decimals, half-up."""
    return _percent(value)


def table_bounds(rules: Sequence[RateRule]) -> tuple[int, int]:
    return min(r.min_installments for r in rules), max(r.max_installments for r in rules)
