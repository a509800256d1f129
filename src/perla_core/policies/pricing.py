"""Margin resolution: the selling price of each rate and the rule that produced it (hot path).

A B2B availability answer prices thousands of rates. For each rate, the rules that apply are the
active ones valid for its booking date (and its stay date, where the rule has a stay period),
whose filters match its hotel, channel and supplier, and whose margin can price its currency (a
fixed margin only prices rates in its own currency). Among them the most specific wins (a hotel
filter outweighs a supplier filter, which outweighs a channel filter), then the highest
priority, then the smallest rule id, so the answer is deterministic even for rules that were
never checked for conflicts. The selling price is rounded half-up to the currency's minor unit
and then kept within the rate's floor and ceiling (bed banks send a minimum and a maximum
selling price): a priced rate is never outside them.

:class:`PolicyIndex` buckets the rules by the codes they filter on, so pricing a rate looks at
the few rules about its hotel, supplier and channel instead of every rule; :func:`price_naively`
is the plain loop with the same semantics, kept as the reference the index is tested against
and as the bench's baseline. Both share the pricing arithmetic (``_price_all``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, Final
from uuid import UUID

import attrs

from perla_core.kernel.errors import InvalidValue
from perla_core.kernel.money import MINOR_UNITS, Money
from perla_core.policies.model import CommercialPolicy, MarginKind, MarginRule

_QUANTA: Final = {code: Decimal(1).scaleb(-digits) for code, digits in MINOR_UNITS.items()}


class Clamp(StrEnum):
    FLOOR = "floor"
    CEILING = "ceiling"


def _is_day(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidValue("must be a calendar date", field=attribute.name)


@attrs.frozen
class Rate:
    """A net rate to price, with the supplier's minimum and maximum selling price if it sent
    them (in the rate's currency)."""

    hotel: str
    channel: str
    supplier: str
    booking_date: date = attrs.field(validator=_is_day)
    stay_date: date = attrs.field(validator=_is_day)
    net: Money
    min_selling: Money | None = None
    max_selling: Money | None = None

    def __attrs_post_init__(self) -> None:
        if self.net.is_negative:
            raise InvalidValue("a net price cannot be negative", field="net")
        quantum = _QUANTA[self.net.currency]
        for name, bound in (("min_selling", self.min_selling), ("max_selling", self.max_selling)):
            if bound is not None and bound.currency != self.net.currency:
                raise InvalidValue(
                    f"is in {bound.currency} but the net price is in {self.net.currency}",
                    field=name,
                )
        if self.min_selling is not None and self.max_selling is not None:
            floor = self.min_selling.amount.quantize(quantum, ROUND_CEILING)
            ceiling = self.max_selling.amount.quantize(quantum, ROUND_FLOOR)
            if floor > ceiling:
                raise InvalidValue(
                    f"the minimum selling price {self.min_selling} is above the maximum "
                    f"{self.max_selling}",
                    field="max_selling",
                )


# Not slotted: attrs initialises a frozen class with an instance dict by writing the dict
# directly, a third faster than through a slotted class's __setattr__; one is built per rate.
@attrs.frozen(slots=False)
class PricedRate:
    """A rate's selling price, the rule that produced it and why.

    ``rule_id`` is ``None`` when no rule applies: the rate is then sold at net and ``reason``
    says so. ``clamped`` tells when the floor or the ceiling moved the price.
    """

    rate: Rate
    selling: Money
    rule_id: UUID | None
    reason: str
    clamped: Clamp | None = None

    @property
    def margin(self) -> Money:
        """What the rate carries over its net price (``selling - net``, after rounding and
        clamping)."""
        return self.selling - self.rate.net


def rule_reason(rule: MarginRule) -> str:
    return f"margin rule {rule.name!r}: {rule.describe_margin()}"


NO_RULE: Final = (
    "no active margin rule applies to this rate's hotel, channel, supplier, currency and "
    "dates: sold at net"
)

# What pricing needs of the winning rule, computed once per rule: the rule, the factor of a
# percent margin (1 + value/100) or the amount of a fixed one, and the reason to give.
_Margin = tuple[MarginRule, Decimal | None, Decimal | None, str]


def _margin_of(rule: MarginRule) -> _Margin:
    if rule.kind is MarginKind.PERCENT:
        return (rule, 1 + rule.value.scaleb(-2), None, rule_reason(rule))
    return (rule, None, rule.value, rule_reason(rule))


_new = object.__new__
_set = object.__setattr__


def _price_all(rates: Iterable[Rate], margins: Iterable[_Margin | None]) -> list[PricedRate]:
    """Each rate priced with its winning margin (``None``: sold at net), rounded half-up to
    the currency's minor unit, then kept within the rate's floor and ceiling."""
    priced: list[PricedRate] = []
    append = priced.append
    quanta, half_up, no_rule = _QUANTA, ROUND_HALF_UP, NO_RULE  # locals: read 10,000 times
    for rate, margin in zip(rates, margins, strict=True):
        net_money = rate.net
        net = net_money.amount
        currency = net_money.currency
        quantum = quanta[currency]
        if margin is None:
            rule_id = None
            selling = net.quantize(quantum, half_up)
            reason = no_rule
        else:
            rule, factor, amount, reason = margin
            rule_id = rule.id
            if factor is not None:
                selling = (net * factor).quantize(quantum, half_up)
            else:
                assert amount is not None
                selling = (net + amount).quantize(quantum, half_up)
        clamped = None
        if rate.min_selling is not None:
            floor = rate.min_selling.amount.quantize(quantum, ROUND_CEILING)
            if selling < floor:
                selling, clamped = floor, Clamp.FLOOR
                reason = f"{reason}; raised to the supplier's minimum selling price {floor}"
        if rate.max_selling is not None:
            ceiling = rate.max_selling.amount.quantize(quantum, ROUND_FLOOR)
            if selling > ceiling:
                selling, clamped = ceiling, Clamp.CEILING
                reason = f"{reason}; lowered to the supplier's maximum selling price {ceiling}"
        # An exact Decimal in the rate's (valid) currency: the Money is built without running
        # its converters again, which would cost a third of this loop.
        selling_money: Money = _new(Money)
        _set(selling_money, "amount", selling)
        _set(selling_money, "currency", currency)
        append(PricedRate(rate, selling_money, rule_id, reason, clamped))
    return priced


# --- the reference: every rule for every rate --------------------------------------------------


def _matches(rule: MarginRule, rate: Rate) -> bool:
    return (
        rule.active
        and rule.booking_period.contains(rate.booking_date)
        and (rule.stay_period is None or rule.stay_period.contains(rate.stay_date))
        and (not rule.hotels or rate.hotel in rule.hotels)
        and (not rule.channels or rate.channel in rule.channels)
        and (not rule.suppliers or rate.supplier in rule.suppliers)
        and (rule.kind is MarginKind.PERCENT or rule.currency == rate.net.currency)
    )


def _outranks(rule: MarginRule, best: MarginRule) -> bool:
    return (rule.specificity, rule.priority, -rule.id.int) > (
        best.specificity,
        best.priority,
        -best.id.int,
    )


def naive_winner(rules: Iterable[MarginRule], rate: Rate) -> MarginRule | None:
    """The rule that prices ``rate``, found by checking every rule."""
    best: MarginRule | None = None
    for rule in rules:
        if _matches(rule, rate) and (best is None or _outranks(rule, best)):
            best = rule
    return best


def price_naively(rules: Iterable[MarginRule], rates: Iterable[Rate]) -> list[PricedRate]:
    """Price each rate by checking every rule: the reference semantics (and the baseline)."""
    rules = list(rules)
    rates = list(rates)
    winners = (naive_winner(rules, rate) for rate in rates)
    return _price_all(rates, (None if w is None else _margin_of(w) for w in winners))


# --- the index -------------------------------------------------------------------------------

# (booking start, booking end, stay start, stay end, fixed currency, suppliers, channels,
# margin). A rule without a stay period spans every stay date; ``None`` filters match any code.
_Entry = tuple[
    date,
    date,
    date,
    date,
    str | None,
    frozenset[str] | None,
    frozenset[str] | None,
    _Margin,
]
_Bucket = tuple[_Entry, ...]


def _entry(rule: MarginRule) -> _Entry:
    stay = rule.stay_period
    return (
        rule.booking_period.start,
        rule.booking_period.end,
        date.min if stay is None else stay.start,
        date.max if stay is None else stay.end,
        rule.currency if rule.kind is MarginKind.FIXED else None,
        rule.suppliers or None,
        rule.channels or None,
        _margin_of(rule),
    )


def _ranked(entries: list[_Entry]) -> _Bucket:
    """Most specific first, then highest priority, then smallest id: the first valid one wins."""

    def rank(entry: _Entry) -> tuple[int, int, UUID]:
        rule = entry[7][0]
        return (-rule.specificity, -rule.priority, rule.id)

    return tuple(sorted(entries, key=rank))


class PolicyIndex:
    """Active rules bucketed by the most significant code they filter on.

    Rules with a hotel filter sit in a bucket per hotel; rules without one but with a supplier
    filter, in a bucket per supplier; then rules filtering only on channels, per channel; then
    rules for every rate. Any hotel rule is more specific than any supplier rule, and so on
    down, so a rate's candidates are its hotel's bucket, its supplier's, its channel's and the
    general one, in that order; each bucket is ranked (most specific, highest priority,
    smallest id first), so the first candidate valid for the rate (dates, currency, its other
    filters) is the winner. A rate looks at the few rules about its own codes, never at every
    rule. Dates are checked at lookup, so an index stays right whatever day it is used; build a
    new one when the rules change (:class:`PolicyIndexCache` does, per policy version).
    """

    __slots__ = ("_by_channel", "_by_hotel", "_by_supplier", "_everywhere", "size")

    def __init__(
        self,
        by_hotel: dict[str, _Bucket],
        by_supplier: dict[str, _Bucket],
        by_channel: dict[str, _Bucket],
        everywhere: _Bucket,
        size: int,
    ) -> None:
        self._by_hotel = by_hotel
        self._by_supplier = by_supplier
        self._by_channel = by_channel
        self._everywhere = everywhere
        self.size = size

    @classmethod
    def build(cls, rules: Iterable[MarginRule]) -> PolicyIndex:
        by_hotel: dict[str, list[_Entry]] = {}
        by_supplier: dict[str, list[_Entry]] = {}
        by_channel: dict[str, list[_Entry]] = {}
        everywhere: list[_Entry] = []
        size = 0
        for rule in rules:
            if not rule.active:
                continue
            size += 1
            entry = _entry(rule)
            if rule.hotels:
                for hotel in rule.hotels:
                    by_hotel.setdefault(hotel, []).append(entry)
            elif rule.suppliers:
                for supplier in rule.suppliers:
                    by_supplier.setdefault(supplier, []).append(entry)
            elif rule.channels:
                for channel in rule.channels:
                    by_channel.setdefault(channel, []).append(entry)
            else:
                everywhere.append(entry)
        return cls(
            {k: _ranked(v) for k, v in by_hotel.items()},
            {k: _ranked(v) for k, v in by_supplier.items()},
            {k: _ranked(v) for k, v in by_channel.items()},
            _ranked(everywhere),
            size,
        )

    def _margins(self, rates: Iterable[Rate]) -> list[_Margin | None]:
        by_hotel = self._by_hotel.get
        by_supplier = self._by_supplier.get
        by_channel = self._by_channel.get
        everywhere = self._everywhere
        margins: list[_Margin | None] = []
        append = margins.append
        for rate in rates:
            booked = rate.booking_date
            stay = rate.stay_date
            supplier = rate.supplier
            channel = rate.channel
            found = None
            for bucket in (
                by_hotel(rate.hotel, ()),
                by_supplier(supplier, ()),
                by_channel(channel, ()),
                everywhere,
            ):
                for entry in bucket:
                    # Dates first, by index: most candidates fail there.
                    if entry[0] <= booked <= entry[1] and entry[2] <= stay <= entry[3]:
                        fixed, suppliers, channels, margin = entry[4:]
                        if (
                            (fixed is None or fixed == rate.net.currency)
                            and (suppliers is None or supplier in suppliers)
                            and (channels is None or channel in channels)
                        ):
                            found = margin
                            break
                if found is not None:
                    break
            append(found)
        return margins

    def winner(self, rate: Rate) -> MarginRule | None:
        """The rule that prices ``rate``, or ``None``."""
        [margin] = self._margins((rate,))
        return None if margin is None else margin[0]

    def price(self, rate: Rate) -> PricedRate:
        return self.price_all((rate,))[0]

    def price_all(self, rates: Sequence[Rate]) -> list[PricedRate]:
        return _price_all(rates, self._margins(rates))


def price_rates(index: PolicyIndex, rates: Iterable[Rate]) -> list[PricedRate]:
    """Price a batch of rates with a prebuilt index, in the order given."""
    return index.price_all(rates if isinstance(rates, Sequence) else list(rates))


class PolicyIndexCache:
    """Indexes of stored policies by client and version, so a policy is indexed again only
    after it changes. Bounded (the oldest entry goes first); sharing it between threads is
    safe (at worst an index is built twice)."""

    def __init__(self, max_policies: int = 1024) -> None:
        self._max = max_policies
        self._indexes: dict[UUID, tuple[int, PolicyIndex]] = {}

    def index_for(self, policy: CommercialPolicy) -> PolicyIndex:
        cached = self._indexes.get(policy.client_id)
        if cached is not None and cached[0] == policy.version:
            return cached[1]
        index = PolicyIndex.build(policy.rules)
        self._indexes.pop(policy.client_id, None)
        while len(self._indexes) >= self._max:
            self._indexes.pop(next(iter(self._indexes)), None)
        self._indexes[policy.client_id] = (policy.version, index)
        return index
