"""Commands of the commercial policy area, in primitives, and their parsing.

Commands carry strings, ints, decimals written as strings and ISO dates, as an HTTP body, a CLI
or an assistant's tool call gives them. The ``parse_*`` functions turn them into the domain's
values, reporting every invalid field at once (:class:`InvalidInput`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, Final, TypeVar
from uuid import UUID

import attrs

from perla_core.kernel.errors import InvalidInput, InvalidValue
from perla_core.kernel.money import Money
from perla_core.onboarding.commands import KEEP, Keep
from perla_core.policies.model import DateRange, GlobalRules, MarginRule, decimal_value
from perla_core.policies.pricing import Rate

T = TypeVar("T")

MAX_BATCH: Final = 50_000


@attrs.frozen
class AddMarginRule:
    """Add a margin rule to a client's commercial policy (the policy opens with its first)."""

    client_id: UUID
    name: str
    kind: str
    value: str
    booking_from: str
    booking_to: str
    reason: str
    currency: str | None = None
    priority: int = 0
    active: bool = True
    stay_from: str | None = None
    stay_to: str | None = None
    hotels: Sequence[str] = ()
    channels: Sequence[str] = ()
    suppliers: Sequence[str] = ()
    expected_version: int | None = None


@attrs.frozen
class ChangeMarginRule:
    """Change some fields of a rule; fields left as ``KEEP`` stay as they are.

    Give one end of a period to move only that end; ``stay_from`` and ``stay_to`` both ``None``
    remove the stay period.
    """

    client_id: UUID
    rule_id: UUID
    reason: str
    name: str | Keep = KEEP
    kind: str | Keep = KEEP
    value: str | Keep = KEEP
    currency: str | Keep | None = KEEP
    priority: int | Keep = KEEP
    booking_from: str | Keep = KEEP
    booking_to: str | Keep = KEEP
    stay_from: str | Keep | None = KEEP
    stay_to: str | Keep | None = KEEP
    hotels: Sequence[str] | Keep = KEEP
    channels: Sequence[str] | Keep = KEEP
    suppliers: Sequence[str] | Keep = KEEP
    expected_version: int | None = None


@attrs.frozen
class EnableMarginRule:
    client_id: UUID
    rule_id: UUID
    reason: str
    expected_version: int | None = None


@attrs.frozen
class DisableMarginRule:
    client_id: UUID
    rule_id: UUID
    reason: str
    expected_version: int | None = None


@attrs.frozen
class RemoveMarginRule:
    client_id: UUID
    rule_id: UUID
    reason: str
    expected_version: int | None = None


@attrs.frozen
class SetPricedScope:
    """Set the currencies and/or the products the policy prices (``None`` keeps them)."""

    client_id: UUID
    reason: str
    currencies: Sequence[str] | None = None
    products: Sequence[str] | None = None
    expected_version: int | None = None


PolicyCommand = (
    AddMarginRule
    | ChangeMarginRule
    | EnableMarginRule
    | DisableMarginRule
    | RemoveMarginRule
    | SetPricedScope
)


@attrs.frozen
class SchedulePolicyChange:
    """Apply ``change`` (its client, reason and expected version included) at ``effective_at``,
    an ISO 8601 date-time with its offset."""

    change: PolicyCommand
    effective_at: str


@attrs.frozen
class CancelScheduledChange:
    client_id: UUID
    schedule_id: UUID
    reason: str
    expected_version: int | None = None


@attrs.frozen
class SetGlobalRules:
    """PerlaHub's limits for every client's margins (``allowed_channels`` ``None``: any)."""

    min_margin_percent: str
    max_margin_percent: str
    allowed_channels: Sequence[str] | None = None
    max_fixed_margin: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen
class RateInput:
    """A rate to price: codes, ISO dates, amounts as decimal strings in ``currency``."""

    hotel: str
    channel: str
    supplier: str
    booking_date: str
    stay_date: str
    net: str
    currency: str
    min_selling: str | None = None
    max_selling: str | None = None


# --- parsing -----------------------------------------------------------------------------------


class _Errors:
    """Collects the invalid fields of one command."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.found: list[InvalidValue] = []

    def attempt(self, field: str, fn: Callable[[], T]) -> T | None:
        try:
            return fn()
        except InvalidValue as error:
            error.field = f"{self.prefix}{error.field or field}"
            self.found.append(error)
            return None

    def raise_any(self) -> None:
        if self.found:
            raise InvalidInput(self.found)


def parse_day(value: object, field: str) -> date:
    if not isinstance(value, str):
        raise InvalidValue("must be an ISO date (YYYY-MM-DD)", field=field)
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidValue(f"{value!r} is not an ISO date (YYYY-MM-DD)", field=field) from None


def parse_moment(value: object, field: str) -> datetime:
    """An ISO 8601 date-time with its UTC offset."""
    if not isinstance(value, str):
        raise InvalidValue("must be an ISO 8601 date-time", field=field)
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidValue(f"{value!r} is not an ISO 8601 date-time", field=field) from None
    if moment.tzinfo is None:
        raise InvalidValue("needs its UTC offset (e.g. 2026-03-01T00:00:00+01:00)", field=field)
    return moment.astimezone(UTC)


def _codes(value: object, field: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence | frozenset | set):
        raise InvalidValue("must be a list of codes", field=field)
    codes = tuple(value)
    if not all(isinstance(c, str) for c in codes):
        raise InvalidValue("codes must be text", field=field)
    return codes


def _bind_codes(value: object, field: str) -> Callable[[], tuple[str, ...]]:
    return lambda: _codes(value, field)


def _period(start: object, end: object, field: str) -> DateRange:
    return DateRange.of(parse_day(start, field), parse_day(end, field), field=field)


def parse_rule(command: AddMarginRule, rule_id: UUID) -> MarginRule:
    errors = _Errors()
    booking = errors.attempt(
        "booking_period",
        lambda: _period(command.booking_from, command.booking_to, "booking_period"),
    )
    stay: DateRange | None = None
    if command.stay_from is not None or command.stay_to is not None:
        stay = errors.attempt(
            "stay_period", lambda: _period(command.stay_from, command.stay_to, "stay_period")
        )
    hotels = errors.attempt("hotels", lambda: _codes(command.hotels, "hotels"))
    channels = errors.attempt("channels", lambda: _codes(command.channels, "channels"))
    suppliers = errors.attempt("suppliers", lambda: _codes(command.suppliers, "suppliers"))
    errors.raise_any()
    assert booking is not None
    assert hotels is not None
    assert channels is not None
    assert suppliers is not None
    rule = errors.attempt(
        "rule",
        lambda: MarginRule(
            id=rule_id,
            name=command.name,
            kind=command.kind,
            value=command.value,
            booking_period=booking,
            currency=command.currency,
            priority=command.priority,
            active=command.active,
            stay_period=stay,
            hotels=frozenset(hotels),
            channels=frozenset(channels),
            suppliers=frozenset(suppliers),
        ),
    )
    errors.raise_any()
    assert rule is not None
    return rule


_SIMPLE_CHANGES: Final = ("name", "kind", "value", "currency", "priority")


def parse_rule_changes(command: ChangeMarginRule, current: MarginRule) -> dict[str, Any]:
    """The fields ``command`` sets, as domain values; periods merged with ``current``'s ends."""
    errors = _Errors()
    changes: dict[str, Any] = {
        name: getattr(command, name)
        for name in _SIMPLE_CHANGES
        if getattr(command, name) is not KEEP
    }
    if command.booking_from is not KEEP or command.booking_to is not KEEP:
        start = current.booking_period.start.isoformat()
        end = current.booking_period.end.isoformat()
        changes["booking_period"] = errors.attempt(
            "booking_period",
            lambda: _period(
                start if isinstance(command.booking_from, Keep) else command.booking_from,
                end if isinstance(command.booking_to, Keep) else command.booking_to,
                "booking_period",
            ),
        )
    if command.stay_from is not KEEP or command.stay_to is not KEEP:
        old = current.stay_period
        first = (
            (old.start.isoformat() if old else None)
            if isinstance(command.stay_from, Keep)
            else command.stay_from
        )
        last = (
            (old.end.isoformat() if old else None)
            if isinstance(command.stay_to, Keep)
            else command.stay_to
        )
        if first is None and last is None:
            changes["stay_period"] = None
        elif first is None or last is None:
            errors.found.append(
                InvalidValue(
                    "give both the first and the last stay date, or neither", field="stay_period"
                )
            )
        else:
            changes["stay_period"] = errors.attempt(
                "stay_period", lambda: _period(first, last, "stay_period")
            )
    for name in ("hotels", "channels", "suppliers"):
        value: object = getattr(command, name)
        if value is not KEEP:
            codes = errors.attempt(name, _bind_codes(value, name))
            changes[name] = frozenset(codes or ())
    errors.raise_any()
    if not changes:
        raise InvalidValue("give at least one field to change", field="rule")
    return changes


def parse_scope(command: SetPricedScope) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    errors = _Errors()
    currencies = products = None
    if command.currencies is not None:
        currencies = errors.attempt("currencies", lambda: _codes(command.currencies, "currencies"))
    if command.products is not None:
        products = errors.attempt("products", lambda: _codes(command.products, "products"))
    errors.raise_any()
    return currencies, products


def parse_global_rules(command: SetGlobalRules) -> GlobalRules:
    errors = _Errors()
    channels = None
    if command.allowed_channels is not None:
        channels = errors.attempt(
            "allowed_channels", lambda: _codes(command.allowed_channels, "allowed_channels")
        )
    errors.raise_any()
    rules = errors.attempt(
        "global_rules",
        lambda: GlobalRules(
            min_margin_percent=command.min_margin_percent,
            max_margin_percent=command.max_margin_percent,
            allowed_channels=channels,
            max_fixed_margin=dict(command.max_fixed_margin),
        ),
    )
    errors.raise_any()
    assert rules is not None
    return rules


def _text(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue("is required", field=field)
    return value.strip()


def _money(amount: object, currency: str, field: str) -> Money:
    return Money(decimal_value(amount, field), currency)


def parse_rate(raw: RateInput, *, prefix: str = "") -> Rate:
    errors = _Errors(prefix)
    hotel = errors.attempt("hotel", lambda: _text(raw.hotel, "hotel"))
    channel = errors.attempt("channel", lambda: _text(raw.channel, "channel"))
    supplier = errors.attempt("supplier", lambda: _text(raw.supplier, "supplier"))
    booked = errors.attempt("booking_date", lambda: parse_day(raw.booking_date, "booking_date"))
    stay = errors.attempt("stay_date", lambda: parse_day(raw.stay_date, "stay_date"))
    currency = errors.attempt("currency", lambda: Money.zero(raw.currency).currency)
    net = floor = ceiling = None
    if currency is not None:
        net = errors.attempt("net", lambda: _money(raw.net, currency, "net"))
        if raw.min_selling is not None:
            floor = errors.attempt(
                "min_selling", lambda: _money(raw.min_selling, currency, "min_selling")
            )
        if raw.max_selling is not None:
            ceiling = errors.attempt(
                "max_selling", lambda: _money(raw.max_selling, currency, "max_selling")
            )
    errors.raise_any()
    assert hotel is not None
    assert channel is not None
    assert supplier is not None
    assert booked is not None
    assert stay is not None
    assert net is not None
    rate = errors.attempt(
        "rate", lambda: Rate(hotel, channel, supplier, booked, stay, net, floor, ceiling)
    )
    errors.raise_any()
    assert rate is not None
    return rate


def parse_rates(raws: Sequence[RateInput | Rate]) -> list[Rate]:
    """Every rate of a batch (``Rate``s pass as they are); the errors of all of them together,
    each field named ``rates[i].field``."""
    if len(raws) > MAX_BATCH:
        raise InvalidValue(f"a batch holds at most {MAX_BATCH} rates", field="rates")
    rates: list[Rate] = []
    found: list[InvalidValue] = []
    for i, raw in enumerate(raws):
        if isinstance(raw, Rate):
            rates.append(raw)
            continue
        try:
            rates.append(parse_rate(raw, prefix=f"rates[{i}]."))
        except InvalidInput as error:
            found.extend(error.errors)
    if found:
        raise InvalidInput(found)
    return rates
