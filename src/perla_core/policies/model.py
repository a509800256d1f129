"""The CommercialPolicy aggregate: one client's margin rules (seed 000).

A :class:`MarginRule` adds a margin (a percentage of the net price, or a fixed amount in a
currency) to the rates it matches: its filters by hotel, channel and supplier (empty means all),
its booking period and, optionally, its stay period. The policy keeps its rules coherent with
PerlaHub's :class:`GlobalRules` and with each other: two active rules that would price the same
rate at the same priority are a :class:`PolicyConflict`. Every change is controlled, traceable
and auditable: it is validated first, then recorded as an append-only
:class:`PolicyAuditEntry` (who, when, why, before/after) under a new policy ``revision``, from
which :meth:`CommercialPolicy.diff` rebuilds any two revisions. Changes can be scheduled for a
later date (:class:`ScheduledChange`, :func:`apply_due_changes`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Final
from uuid import UUID

import attrs

from perla_core.credentials.model import Product
from perla_core.kernel.errors import (
    AlreadyExists,
    IllegalTransition,
    InvalidValue,
    NotFound,
    PerlaError,
)
from perla_core.kernel.money import MINOR_UNITS
from perla_core.policies.events import (
    PolicyChangeScheduled,
    PolicyCreated,
    PolicyPricedScopeChanged,
    PolicyRuleAdded,
    PolicyRuleChanged,
    PolicyRuleDisabled,
    PolicyRuleEnabled,
    PolicyRuleRemoved,
    ScheduledChangeApplied,
    ScheduledChangeCancelled,
    ScheduledChangeFailed,
)

# Specificity of a rule's filters: a hotel filter outweighs a supplier filter, which outweighs
# a channel filter (and a hotel filter outweighs the other two together).
HOTEL_WEIGHT: Final = 4
SUPPLIER_WEIGHT: Final = 2
CHANNEL_WEIGHT: Final = 1

MAX_PRIORITY: Final = 10_000
MAX_CODE_LENGTH: Final = 64
MAX_NAME_LENGTH: Final = 100
MAX_REASON_LENGTH: Final = 1000


class MarginKind(StrEnum):
    PERCENT = "percent"
    FIXED = "fixed"


class PolicyAction(StrEnum):
    """What an audit entry records. The first six change rules or scope and can be scheduled."""

    ADD_RULE = "add_rule"
    CHANGE_RULE = "change_rule"
    ENABLE_RULE = "enable_rule"
    DISABLE_RULE = "disable_rule"
    REMOVE_RULE = "remove_rule"
    SET_PRICED = "set_priced"
    SCHEDULE_CHANGE = "schedule_change"
    CANCEL_SCHEDULED = "cancel_scheduled"
    SCHEDULED_FAILED = "scheduled_failed"


CHANGE_ACTIONS: Final = frozenset(
    {
        PolicyAction.ADD_RULE,
        PolicyAction.CHANGE_RULE,
        PolicyAction.ENABLE_RULE,
        PolicyAction.DISABLE_RULE,
        PolicyAction.REMOVE_RULE,
        PolicyAction.SET_PRICED,
    }
)
RULE_ACTIONS: Final = CHANGE_ACTIONS - {PolicyAction.SET_PRICED}

# The fields ``change_rule`` may set (``active`` moves through enable/disable).
CHANGEABLE_FIELDS: Final = (
    "name",
    "kind",
    "value",
    "currency",
    "priority",
    "booking_period",
    "stay_period",
    "hotels",
    "channels",
    "suppliers",
)


class ScheduleStatus(StrEnum):
    PENDING = "pending"
    APPLIED = "applied"
    CANCELLED = "cancelled"
    FAILED = "failed"


# --- field converters and validators ---------------------------------------------------------


def decimal_value(value: object, field: str) -> Decimal:
    """A finite ``Decimal`` from a Decimal, an int or a numeric string; never a float."""
    if isinstance(value, float | bool):
        raise InvalidValue("write the number as text or a Decimal, not a float", field=field)
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidValue(f"{value!r} is not a number", field=field) from None
    if not number.is_finite():
        raise InvalidValue("must be a finite number", field=field)
    return number


def currency_code(value: object, field: str = "currency") -> str:
    code = str(value).strip().upper()
    if code not in MINOR_UNITS:
        raise InvalidValue(f"{value!r} is not an ISO 4217 currency code", field=field)
    return code


def _margin_value(value: object) -> Decimal:
    return decimal_value(value, "value")


def _optional_currency(value: object) -> str | None:
    return None if value is None else currency_code(value)


def _kind(value: object) -> MarginKind:
    try:
        return MarginKind(str(value))
    except ValueError:
        raise InvalidValue(
            f"{value!r} is not a margin kind (percent or fixed)", field="kind"
        ) from None


def _name(value: object) -> str:
    text = str(value).strip() if isinstance(value, str) else ""
    if not text or len(text) > MAX_NAME_LENGTH:
        raise InvalidValue(
            f"a rule needs a name of 1 to {MAX_NAME_LENGTH} characters", field="name"
        )
    return text


def _codes(values: Iterable[str] | str) -> frozenset[str]:
    items = (values,) if isinstance(values, str) else values
    return frozenset(str(v).strip() for v in items)


def _valid_codes(_instance: object, attribute: attrs.Attribute[Any], codes: frozenset[str]) -> None:
    for code in codes:
        if not code or len(code) > MAX_CODE_LENGTH:
            raise InvalidValue(
                f"codes must have 1 to {MAX_CODE_LENGTH} characters, not {code!r}",
                field=attribute.name,
            )


def _priority(_instance: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PRIORITY:
        raise InvalidValue(f"must be a whole number from 0 to {MAX_PRIORITY}", field="priority")


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidValue("say why the commercial policy changes", field="reason")
    if len(text) > MAX_REASON_LENGTH:
        raise InvalidValue(f"is longer than {MAX_REASON_LENGTH} characters", field="reason")
    return text


def plain(value: Any) -> Any:  # noqa: PLR0911 - one return per kind of value
    """A value as JSON-ready primitives (audit snapshots are plain dicts)."""
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    if isinstance(value, DateRange):
        return {"start": value.start.isoformat(), "end": value.end.isoformat()}
    if isinstance(value, frozenset | set):
        return sorted(plain(v) for v in value)
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    return value


# --- value objects ---------------------------------------------------------------------------


def _is_day(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidValue("must be a calendar date", field=attribute.name)


@attrs.frozen
class DateRange:
    """Calendar days from ``start`` to ``end``, both included."""

    start: date = attrs.field(validator=_is_day)
    end: date = attrs.field(validator=_is_day)

    def __attrs_post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidValue(
                f"ends on {self.end}, before it starts on {self.start}", field="period"
            )

    @classmethod
    def of(cls, start: date, end: date, *, field: str = "period") -> DateRange:
        """A range whose errors name ``field`` (``booking_period``, ``stay_period`` ...)."""
        try:
            return cls(start, end)
        except InvalidValue as error:
            raise InvalidValue(error.message, field=field) from None

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def overlaps(self, other: DateRange) -> bool:
        return self.start <= other.end and other.start <= self.end

    def intersection(self, other: DateRange) -> DateRange | None:
        if not self.overlaps(other):
            return None
        return DateRange(max(self.start, other.start), min(self.end, other.end))

    def __str__(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


def _meet(a: frozenset[str], b: frozenset[str]) -> frozenset[str] | None:
    """Where two filters overlap (empty means every code); ``None`` when they are disjoint."""
    if not a:
        return b
    if not b:
        return a
    common = a & b
    return common or None


@attrs.frozen
class RuleOverlap:
    """The rates two rules would both price: codes in common (empty means all) and periods."""

    hotels: frozenset[str]
    channels: frozenset[str]
    suppliers: frozenset[str]
    booking_period: DateRange
    stay_period: DateRange | None

    def describe(self) -> str:
        def codes(label: str, values: frozenset[str]) -> str:
            return f"{label} {', '.join(sorted(values))}" if values else f"every {label[:-1]}"

        parts = [
            codes("hotels", self.hotels),
            codes("channels", self.channels),
            codes("suppliers", self.suppliers),
            f"bookings from {self.booking_period}",
            f"stays from {self.stay_period}" if self.stay_period else "any stay date",
        ]
        return "; ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: plain(getattr(self, f.name)) for f in attrs.fields(RuleOverlap)}


@attrs.frozen
class MarginRule:
    """One margin rule: which rates it prices and the margin it adds.

    ``value`` is a percentage of the net price for ``percent`` rules (``12.5`` is 12.5%) and an
    amount in ``currency`` for ``fixed`` ones. Empty filters match every code.
    """

    id: UUID
    name: str = attrs.field(converter=_name)
    kind: MarginKind = attrs.field(converter=_kind)
    value: Decimal = attrs.field(converter=_margin_value)
    booking_period: DateRange
    currency: str | None = attrs.field(default=None, converter=_optional_currency)
    priority: int = attrs.field(default=0, validator=_priority)
    active: bool = True
    stay_period: DateRange | None = None
    hotels: frozenset[str] = attrs.field(
        default=frozenset(), converter=_codes, validator=_valid_codes
    )
    channels: frozenset[str] = attrs.field(
        default=frozenset(), converter=_codes, validator=_valid_codes
    )
    suppliers: frozenset[str] = attrs.field(
        default=frozenset(), converter=_codes, validator=_valid_codes
    )

    def __attrs_post_init__(self) -> None:
        if self.kind is MarginKind.PERCENT:
            if self.currency is not None:
                raise InvalidValue(
                    "a percent margin applies to any currency; leave the currency empty",
                    field="currency",
                )
            if self.value <= -100:
                raise InvalidValue("a percent margin must be above -100%", field="value")
        else:
            if self.currency is None:
                raise InvalidValue("a fixed margin needs its currency", field="currency")
            if self.value < 0:
                raise InvalidValue("a fixed margin cannot be negative", field="value")

    @property
    def specificity(self) -> int:
        return (
            (HOTEL_WEIGHT if self.hotels else 0)
            + (SUPPLIER_WEIGHT if self.suppliers else 0)
            + (CHANNEL_WEIGHT if self.channels else 0)
        )

    def describe_margin(self) -> str:
        if self.kind is MarginKind.PERCENT:
            return f"{self.value}% of net"
        return f"{self.value} {self.currency} fixed"

    def competes_with(self, other: MarginRule) -> RuleOverlap | None:
        """Where both rules would price the same rate, or ``None`` when they never do.

        Two fixed margins in different currencies never price the same rate.
        """
        if (
            self.kind is MarginKind.FIXED
            and other.kind is MarginKind.FIXED
            and self.currency != other.currency
        ):
            return None
        hotels = _meet(self.hotels, other.hotels)
        channels = _meet(self.channels, other.channels)
        suppliers = _meet(self.suppliers, other.suppliers)
        booking = self.booking_period.intersection(other.booking_period)
        if hotels is None or channels is None or suppliers is None or booking is None:
            return None
        stay = self.stay_period or other.stay_period
        if self.stay_period is not None and other.stay_period is not None:
            stay = self.stay_period.intersection(other.stay_period)
            if stay is None:
                return None
        return RuleOverlap(hotels, channels, suppliers, booking, stay)

    def snapshot(self) -> dict[str, Any]:
        """The rule as a plain dict (what audit entries keep)."""
        return {f.name: plain(getattr(self, f.name)) for f in attrs.fields(MarginRule)}


class PolicyConflict(PerlaError):
    """Two active rules would price the same rates at the same priority: nothing decides
    between them, so the change that would create the ambiguity is refused."""

    code = "policy_conflict"
    title = "Conflicting margin rules"

    def __init__(self, rule: MarginRule, other: MarginRule, overlap: RuleOverlap) -> None:
        super().__init__(
            f"rule {rule.name!r} ({rule.id}) conflicts with active rule {other.name!r} "
            f"({other.id}): both have priority {rule.priority} and apply to "
            f"{overlap.describe()}. Give one another priority, narrow its filters or "
            "periods, or disable one",
            field="priority",
            rule_id=str(rule.id),
            rule_name=rule.name,
            conflicting_rule_id=str(other.id),
            conflicting_rule_name=other.name,
            priority=rule.priority,
            overlap=overlap.as_dict(),
        )
        self.rule = rule
        self.other = other
        self.overlap = overlap


def _percent(value: object) -> Decimal:
    return decimal_value(value, "margin_percent")


def _caps(
    value: Mapping[str, object] | Iterable[tuple[str, object]],
) -> tuple[tuple[str, Decimal], ...]:
    pairs = value.items() if isinstance(value, Mapping) else value
    caps: dict[str, Decimal] = {}
    for currency, amount in pairs:
        cap = decimal_value(amount, "max_fixed_margin")
        if cap < 0:
            raise InvalidValue("a fixed margin cap cannot be negative", field="max_fixed_margin")
        caps[currency_code(currency, "max_fixed_margin")] = cap
    return tuple(sorted(caps.items()))


def _allowed_channels(value: Iterable[str] | None) -> frozenset[str] | None:
    return None if value is None else _codes(value)


@attrs.frozen
class GlobalRules:
    """PerlaHub's limits that every client's margin rules respect; only admins change them.

    ``allowed_channels`` of ``None`` allows every channel; ``max_fixed_margin`` caps fixed
    margins per currency (a currency without a cap is not capped).
    """

    min_margin_percent: Decimal = attrs.field(default=Decimal(0), converter=_percent)
    max_margin_percent: Decimal = attrs.field(default=Decimal(100), converter=_percent)
    allowed_channels: frozenset[str] | None = attrs.field(default=None, converter=_allowed_channels)
    max_fixed_margin: tuple[tuple[str, Decimal], ...] = attrs.field(default=(), converter=_caps)

    def __attrs_post_init__(self) -> None:
        if self.min_margin_percent <= -100:
            raise InvalidValue("the minimum margin must be above -100%", field="min_margin_percent")
        if self.max_margin_percent < self.min_margin_percent:
            raise InvalidValue(
                f"the maximum margin ({self.max_margin_percent}%) is below the minimum "
                f"({self.min_margin_percent}%)",
                field="max_margin_percent",
            )
        if self.allowed_channels is not None:
            _valid_codes(self, attrs.fields(GlobalRules).allowed_channels, self.allowed_channels)

    def max_fixed(self, currency: str) -> Decimal | None:
        return dict(self.max_fixed_margin).get(currency)

    def check(self, rule: MarginRule) -> None:
        """Raise :class:`InvalidValue` naming the field of ``rule`` outside the limits."""
        if rule.kind is MarginKind.PERCENT and not (
            self.min_margin_percent <= rule.value <= self.max_margin_percent
        ):
            raise InvalidValue(
                f"{rule.value}% is outside PerlaHub's limits "
                f"({self.min_margin_percent}% to {self.max_margin_percent}%)",
                field="value",
            )
        if rule.kind is MarginKind.FIXED:
            assert rule.currency is not None
            cap = self.max_fixed(rule.currency)
            if cap is not None and rule.value > cap:
                raise InvalidValue(
                    f"{rule.value} {rule.currency} is above PerlaHub's maximum fixed margin "
                    f"of {cap} {rule.currency}",
                    field="value",
                )
        if self.allowed_channels is not None:
            refused = sorted(rule.channels - self.allowed_channels)
            if refused:
                allowed = ", ".join(sorted(self.allowed_channels)) or "none"
                raise InvalidValue(
                    f"channel {', '.join(refused)} is not allowed by PerlaHub (allowed: {allowed})",
                    field="channels",
                )

    def snapshot(self) -> dict[str, Any]:
        return {
            "min_margin_percent": str(self.min_margin_percent),
            "max_margin_percent": str(self.max_margin_percent),
            "allowed_channels": plain(self.allowed_channels),
            "max_fixed_margin": {c: str(a) for c, a in self.max_fixed_margin},
        }


# --- changes, scheduled changes and the audit trail ------------------------------------------


def _change_pairs(
    value: Mapping[str, Any] | Iterable[tuple[str, Any]],
) -> tuple[tuple[str, Any], ...]:
    pairs = tuple(value.items() if isinstance(value, Mapping) else value)
    for name, _ in pairs:
        if name not in CHANGEABLE_FIELDS:
            allowed = ", ".join(CHANGEABLE_FIELDS)
            raise InvalidValue(
                f"{name!r} is not a field a change can set (one of: {allowed})", field=name
            )
    return pairs


def _scope_codes(values: Iterable[str] | None) -> frozenset[str] | None:
    return None if values is None else _codes(values)


@attrs.frozen
class PolicyChange:
    """One change to a policy, applied now or scheduled; build it with the named constructors."""

    action: PolicyAction
    rule: MarginRule | None = None
    rule_id: UUID | None = None
    changes: tuple[tuple[str, Any], ...] = attrs.field(default=(), converter=_change_pairs)
    currencies: frozenset[str] | None = attrs.field(default=None, converter=_scope_codes)
    products: frozenset[str] | None = attrs.field(default=None, converter=_scope_codes)

    def __attrs_post_init__(self) -> None:
        if self.action not in CHANGE_ACTIONS:
            raise InvalidValue(f"{self.action.value!r} is not a policy change", field="action")
        if (self.action is PolicyAction.ADD_RULE) != (self.rule is not None):
            raise InvalidValue("adding a rule, and only that, carries the rule", field="rule")
        needs_id = self.action in RULE_ACTIONS - {PolicyAction.ADD_RULE}
        if needs_id != (self.rule_id is not None):
            raise InvalidValue("this change needs the id of the rule it acts on", field="rule_id")
        if (self.action is PolicyAction.CHANGE_RULE) != bool(self.changes):
            raise InvalidValue("a rule change needs the fields it changes", field="changes")
        if (
            self.action is PolicyAction.SET_PRICED
            and self.currencies is None
            and (self.products is None)
        ):
            raise InvalidValue("give the currencies, the products or both", field="currencies")

    @classmethod
    def add(cls, rule: MarginRule) -> PolicyChange:
        return cls(PolicyAction.ADD_RULE, rule=rule, rule_id=None)

    @classmethod
    def change(cls, rule_id: UUID, changes: Mapping[str, Any]) -> PolicyChange:
        return cls(PolicyAction.CHANGE_RULE, rule_id=rule_id, changes=tuple(changes.items()))

    @classmethod
    def enable(cls, rule_id: UUID) -> PolicyChange:
        return cls(PolicyAction.ENABLE_RULE, rule_id=rule_id)

    @classmethod
    def disable(cls, rule_id: UUID) -> PolicyChange:
        return cls(PolicyAction.DISABLE_RULE, rule_id=rule_id)

    @classmethod
    def remove(cls, rule_id: UUID) -> PolicyChange:
        return cls(PolicyAction.REMOVE_RULE, rule_id=rule_id)

    @classmethod
    def set_priced(
        cls, *, currencies: Iterable[str] | None = None, products: Iterable[str] | None = None
    ) -> PolicyChange:
        return cls(PolicyAction.SET_PRICED, currencies=currencies, products=products)

    @property
    def target_rule_id(self) -> UUID | None:
        return self.rule.id if self.rule is not None else self.rule_id

    def snapshot(self) -> dict[str, Any]:
        out: dict[str, Any] = {"action": self.action.value}
        if self.target_rule_id is not None:
            out["rule_id"] = str(self.target_rule_id)
        if self.rule is not None:
            out["rule"] = self.rule.snapshot()
        if self.changes:
            out["changes"] = {name: plain(value) for name, value in self.changes}
        if self.currencies is not None:
            out["currencies"] = plain(self.currencies)
        if self.products is not None:
            out["products"] = plain(self.products)
        return out


@attrs.frozen
class ScheduledChange:
    """A change that takes effect at ``effective_at`` (applied by :func:`apply_due_changes`)."""

    id: UUID
    change: PolicyChange
    effective_at: datetime
    reason: str
    scheduled_by: str
    scheduled_at: datetime
    status: ScheduleStatus = ScheduleStatus.PENDING
    resolved_at: datetime | None = None
    failure: str | None = None

    def is_due(self, now: datetime) -> bool:
        return self.status is ScheduleStatus.PENDING and self.effective_at <= now

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "change": self.change.snapshot(),
            "effective_at": self.effective_at.isoformat(),
            "reason": self.reason,
            "scheduled_by": self.scheduled_by,
            "scheduled_at": self.scheduled_at.isoformat(),
            "status": self.status.value,
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
            "failure": self.failure,
        }


@attrs.frozen
class PolicyAuditEntry:
    """One change of a policy, as it happened; entries are only ever appended.

    ``before``/``after`` are plain-dict snapshots of the affected rule (``None`` before an
    addition and after a removal), of the priced scope for ``set_priced``, and of the
    scheduled change for the scheduling actions.
    """

    revision: int
    action: PolicyAction
    actor: str
    at: datetime
    reason: str
    rule_id: UUID | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    schedule_id: UUID | None = None


@attrs.frozen
class FieldChange:
    field: str
    before: Any
    after: Any


@attrs.frozen
class RuleDiff:
    """A rule present in both revisions whose fields differ."""

    rule_id: str
    name: str
    changes: tuple[FieldChange, ...]


@attrs.frozen
class PolicyDiff:
    """What differs from ``from_revision`` to ``to_revision``: rules as plain snapshots."""

    from_revision: int
    to_revision: int
    added: tuple[dict[str, Any], ...] = ()
    removed: tuple[dict[str, Any], ...] = ()
    changed: tuple[RuleDiff, ...] = ()
    scope: tuple[FieldChange, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.scope)


def _field_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    names = [n for n in dict.fromkeys([*before, *after]) if n != "id"]
    return tuple(
        FieldChange(n, before.get(n), after.get(n)) for n in names if before.get(n) != after.get(n)
    )


_EMPTY_SCOPE: Final[dict[str, Any]] = {"currencies": [], "products": []}


# --- the aggregate ---------------------------------------------------------------------------


@attrs.define(eq=False)
class CommercialPolicy:
    """A client's commercial policy: its margin rules and what it prices. One per client.

    Identity is the client id. ``version`` guards concurrent edits (the repository bumps it on
    save); ``revision`` counts the changes and names each audit entry (``audit`` holds them
    all, from revision 1, in order: the diff replays them). Every verb takes the
    current :class:`GlobalRules` where the change needs them, the acting person, the time and
    a required reason, and either applies fully or raises leaving the policy untouched.
    """

    client_id: UUID
    created_at: datetime
    updated_at: datetime
    rules: tuple[MarginRule, ...] = ()
    currencies: frozenset[str] = frozenset()
    products: frozenset[str] = frozenset()
    scheduled: tuple[ScheduledChange, ...] = ()
    audit: tuple[PolicyAuditEntry, ...] = attrs.field(default=(), repr=False)
    version: int = 0
    events: list[object] = attrs.field(factory=list, repr=False)

    @classmethod
    def open(cls, *, client_id: UUID, now: datetime, actor: str) -> CommercialPolicy:
        """An empty policy for a client, before its first rule."""
        policy = cls(client_id=client_id, created_at=now, updated_at=now)
        policy.events.append(PolicyCreated(client_id, now, actor))
        return policy

    # --- reading ---------------------------------------------------------------------------

    @property
    def id(self) -> UUID:
        return self.client_id

    @property
    def revision(self) -> int:
        return self.audit[-1].revision if self.audit else 0

    @property
    def active_rules(self) -> tuple[MarginRule, ...]:
        return tuple(r for r in self.rules if r.active)

    def rule(self, rule_id: UUID) -> MarginRule:
        """Raises :class:`NotFound`."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise NotFound("margin rule", rule_id)

    def history(self) -> tuple[PolicyAuditEntry, ...]:
        """Every audit entry, oldest first."""
        return self.audit

    def pending_changes(self) -> tuple[ScheduledChange, ...]:
        return tuple(s for s in self.scheduled if s.status is ScheduleStatus.PENDING)

    def due_changes(self, now: datetime) -> list[ScheduledChange]:
        """Pending changes due at ``now``, in the order they take effect."""
        due = [s for s in self.scheduled if s.is_due(now)]
        return sorted(due, key=lambda s: (s.effective_at, s.scheduled_at, s.id))

    def scheduled_change(self, schedule_id: UUID) -> ScheduledChange:
        for scheduled in self.scheduled:
            if scheduled.id == schedule_id:
                return scheduled
        raise NotFound("scheduled change", schedule_id)

    def conflicts_of(self, candidate: MarginRule) -> list[PolicyConflict]:
        """The active rules ``candidate`` would conflict with (none when it is inactive)."""
        if not candidate.active:
            return []
        found = []
        for other in self.rules:
            if other.id == candidate.id or not other.active:
                continue
            if other.priority != candidate.priority:
                continue
            overlap = candidate.competes_with(other)
            if overlap is not None:
                found.append(PolicyConflict(candidate, other, overlap))
        return found

    # --- what credentials ask of a policy ---------------------------------------------------

    def _live_rules(self, on: date | None) -> list[MarginRule]:
        return [r for r in self.rules if r.active and (on is None or r.booking_period.end >= on)]

    def prices_currency(self, code: str, *, on: date | None = None) -> bool:
        """Whether the policy prices ``code`` and an active rule (still valid ``on``) can price
        it: a percent rule, or a fixed rule in that currency."""
        code = code.strip().upper()
        return code in self.currencies and any(
            r.kind is MarginKind.PERCENT or r.currency == code for r in self._live_rules(on)
        )

    def covers_product(self, product: str, *, on: date | None = None) -> bool:
        """Whether the policy prices ``product`` with at least one active rule (valid ``on``)."""
        return product.strip() in self.products and bool(self._live_rules(on))

    def coverage_problems(
        self, products: Iterable[str], currencies: Iterable[str], *, on: date | None = None
    ) -> list[str]:
        """What a credential enabling ``products`` in ``currencies`` would sell unpriced."""
        problems: list[str] = []
        live = self._live_rules(on)
        for product in sorted({p.strip() for p in products}):
            if product not in self.products:
                problems.append(f"product {product!r} is not one the commercial policy prices")
            elif not live:
                problems.append(f"no active margin rule covers product {product!r}")
        for code in sorted({c.strip().upper() for c in currencies}):
            if code not in self.currencies:
                problems.append(f"currency {code} is not one the commercial policy prices")
            elif not any(r.kind is MarginKind.PERCENT or r.currency == code for r in live):
                problems.append(f"no active margin rule prices currency {code}")
        return problems

    # --- the seed's verbs --------------------------------------------------------------------

    def add_rule(
        self, rule: MarginRule, *, global_rules: GlobalRules, actor: str, now: datetime, reason: str
    ) -> PolicyAuditEntry | None:
        return self.apply(
            PolicyChange.add(rule), global_rules=global_rules, actor=actor, now=now, reason=reason
        )

    def change_rule(
        self,
        rule_id: UUID,
        changes: Mapping[str, Any],
        *,
        global_rules: GlobalRules,
        actor: str,
        now: datetime,
        reason: str,
    ) -> PolicyAuditEntry | None:
        """Set some of :data:`CHANGEABLE_FIELDS`; a change that changes nothing records nothing."""
        return self.apply(
            PolicyChange.change(rule_id, changes),
            global_rules=global_rules,
            actor=actor,
            now=now,
            reason=reason,
        )

    def enable_rule(
        self, rule_id: UUID, *, global_rules: GlobalRules, actor: str, now: datetime, reason: str
    ) -> PolicyAuditEntry | None:
        return self.apply(
            PolicyChange.enable(rule_id),
            global_rules=global_rules,
            actor=actor,
            now=now,
            reason=reason,
        )

    def disable_rule(
        self, rule_id: UUID, *, global_rules: GlobalRules, actor: str, now: datetime, reason: str
    ) -> PolicyAuditEntry | None:
        return self.apply(
            PolicyChange.disable(rule_id),
            global_rules=global_rules,
            actor=actor,
            now=now,
            reason=reason,
        )

    def remove_rule(
        self, rule_id: UUID, *, global_rules: GlobalRules, actor: str, now: datetime, reason: str
    ) -> PolicyAuditEntry | None:
        return self.apply(
            PolicyChange.remove(rule_id),
            global_rules=global_rules,
            actor=actor,
            now=now,
            reason=reason,
        )

    def set_priced(
        self,
        *,
        currencies: Iterable[str] | None = None,
        products: Iterable[str] | None = None,
        global_rules: GlobalRules,
        actor: str,
        now: datetime,
        reason: str,
    ) -> PolicyAuditEntry | None:
        """Set the currencies and/or products the policy prices (``None`` keeps one as it is)."""
        return self.apply(
            PolicyChange.set_priced(currencies=currencies, products=products),
            global_rules=global_rules,
            actor=actor,
            now=now,
            reason=reason,
        )

    def apply(
        self,
        change: PolicyChange,
        *,
        global_rules: GlobalRules,
        actor: str,
        now: datetime,
        reason: str,
        schedule_id: UUID | None = None,
    ) -> PolicyAuditEntry | None:
        """Validate and apply one change; returns its audit entry, or ``None`` when the change
        would leave the policy as it is (enabling an enabled rule ...)."""
        reason = _reason(reason)
        if change.action is PolicyAction.SET_PRICED:
            return self._set_scope(change, actor, now, reason, schedule_id)
        before: MarginRule | None = None
        after: MarginRule | None
        if change.action is PolicyAction.ADD_RULE:
            assert change.rule is not None
            after = change.rule
            if any(r.id == after.id for r in self.rules):
                raise AlreadyExists(f"margin rule {after.id} already exists", field="id")
        else:
            assert change.rule_id is not None
            before = self.rule(change.rule_id)
            after = self._target(change, before)
            if after == before:
                return None
        if after is not None and change.action is not PolicyAction.DISABLE_RULE:
            global_rules.check(after)
            conflicts = self.conflicts_of(after)
            if conflicts:
                raise conflicts[0]
        if before is None:
            assert after is not None
            self.rules = (*self.rules, after)
        elif after is None:
            self.rules = tuple(r for r in self.rules if r.id != before.id)
        else:
            self.rules = tuple(after if r.id == before.id else r for r in self.rules)
        rule = after or before
        assert rule is not None
        entry = self._record(
            change.action,
            actor,
            now,
            reason,
            rule_id=rule.id,
            before=before.snapshot() if before else None,
            after=after.snapshot() if after else None,
            schedule_id=schedule_id,
        )
        self.events.append(self._rule_event(change.action, entry, rule))
        return entry

    def _target(self, change: PolicyChange, before: MarginRule) -> MarginRule | None:
        if change.action is PolicyAction.CHANGE_RULE:
            return attrs.evolve(before, **dict(change.changes))
        if change.action is PolicyAction.ENABLE_RULE:
            return attrs.evolve(before, active=True)
        if change.action is PolicyAction.DISABLE_RULE:
            return attrs.evolve(before, active=False)
        return None

    def _rule_event(
        self, action: PolicyAction, entry: PolicyAuditEntry, rule: MarginRule
    ) -> object:
        common = (
            self.client_id,
            entry.at,
            entry.actor,
            entry.revision,
            entry.reason,
            rule.id,
            rule.name,
        )
        if action is PolicyAction.ADD_RULE:
            return PolicyRuleAdded(*common)
        if action is PolicyAction.CHANGE_RULE:
            assert entry.before is not None
            assert entry.after is not None
            changed = tuple(c.field for c in _field_changes(entry.before, entry.after))
            return PolicyRuleChanged(*common, changed)
        if action is PolicyAction.ENABLE_RULE:
            return PolicyRuleEnabled(*common)
        if action is PolicyAction.DISABLE_RULE:
            return PolicyRuleDisabled(*common)
        return PolicyRuleRemoved(*common)

    def _set_scope(
        self,
        change: PolicyChange,
        actor: str,
        now: datetime,
        reason: str,
        schedule_id: UUID | None,
    ) -> PolicyAuditEntry | None:
        currencies = self.currencies
        if change.currencies is not None:
            currencies = frozenset(currency_code(c, "currencies") for c in change.currencies)
        products = self.products
        if change.products is not None:
            known = {p.value for p in Product}
            unknown = sorted(set(change.products) - known)
            if unknown:
                raise InvalidValue(
                    f"{unknown[0]!r} is not a product (one of: {', '.join(sorted(known))})",
                    field="products",
                )
            products = change.products
        if currencies == self.currencies and products == self.products:
            return None
        before = self._scope()
        self.currencies, self.products = currencies, products
        entry = self._record(
            PolicyAction.SET_PRICED,
            actor,
            now,
            reason,
            before=before,
            after=self._scope(),
            schedule_id=schedule_id,
        )
        self.events.append(
            PolicyPricedScopeChanged(
                self.client_id,
                now,
                actor,
                entry.revision,
                reason,
                tuple(sorted(currencies)),
                tuple(sorted(products)),
            )
        )
        return entry

    def _scope(self) -> dict[str, Any]:
        return {"currencies": sorted(self.currencies), "products": sorted(self.products)}

    def _record(
        self,
        action: PolicyAction,
        actor: str,
        now: datetime,
        reason: str,
        *,
        rule_id: UUID | None = None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        schedule_id: UUID | None = None,
    ) -> PolicyAuditEntry:
        entry = PolicyAuditEntry(
            revision=self.revision + 1,
            action=action,
            actor=actor,
            at=now,
            reason=reason,
            rule_id=rule_id,
            before=before,
            after=after,
            schedule_id=schedule_id,
        )
        self.audit = (*self.audit, entry)
        self.updated_at = now
        return entry

    # --- scheduling --------------------------------------------------------------------------

    def schedule_change(
        self,
        schedule_id: UUID,
        change: PolicyChange,
        *,
        effective_at: datetime,
        global_rules: GlobalRules,
        actor: str,
        now: datetime,
        reason: str,
    ) -> ScheduledChange:
        """Plan ``change`` for ``effective_at`` (in the future).

        What can be checked now is: the rule it acts on must exist (or be added by a pending
        change) and an added or changed rule must respect the global rules. Conflicts are
        checked when it comes due, against the policy as it is then.
        """
        reason = _reason(reason)
        if effective_at.tzinfo is None:
            raise InvalidValue("needs a time zone", field="effective_at")
        if effective_at <= now:
            raise InvalidValue(
                "must be in the future; apply the change now instead", field="effective_at"
            )
        self._preview(change, global_rules)
        scheduled = ScheduledChange(
            id=schedule_id,
            change=change,
            effective_at=effective_at,
            reason=reason,
            scheduled_by=actor,
            scheduled_at=now,
        )
        self.scheduled = (*self.scheduled, scheduled)
        entry = self._record(
            PolicyAction.SCHEDULE_CHANGE,
            actor,
            now,
            reason,
            rule_id=change.target_rule_id,
            after=scheduled.snapshot(),
            schedule_id=schedule_id,
        )
        self.events.append(
            PolicyChangeScheduled(
                self.client_id,
                now,
                actor,
                entry.revision,
                reason,
                schedule_id,
                change.action.value,
                effective_at,
                change.target_rule_id,
            )
        )
        return scheduled

    def _preview(self, change: PolicyChange, global_rules: GlobalRules) -> None:
        pending_adds = {
            s.change.rule.id for s in self.pending_changes() if s.change.rule is not None
        }
        if change.rule is not None:
            if change.rule.id in pending_adds or any(r.id == change.rule.id for r in self.rules):
                raise AlreadyExists(f"margin rule {change.rule.id} already exists", field="id")
            global_rules.check(change.rule)
        elif change.rule_id is not None:
            if change.rule_id in pending_adds:
                return
            current = self.rule(change.rule_id)
            if change.action is PolicyAction.CHANGE_RULE:
                target = self._target(change, current)
                assert target is not None
                global_rules.check(target)

    def cancel_scheduled(
        self, schedule_id: UUID, *, actor: str, now: datetime, reason: str
    ) -> ScheduledChange:
        """Cancel a pending scheduled change."""
        reason = _reason(reason)
        scheduled = self.scheduled_change(schedule_id)
        if scheduled.status is not ScheduleStatus.PENDING:
            raise IllegalTransition("scheduled change", scheduled.status.value, "cancel")
        before = scheduled.snapshot()
        cancelled = self._resolve(scheduled, ScheduleStatus.CANCELLED, now)
        entry = self._record(
            PolicyAction.CANCEL_SCHEDULED,
            actor,
            now,
            reason,
            rule_id=scheduled.change.target_rule_id,
            before=before,
            after=cancelled.snapshot(),
            schedule_id=schedule_id,
        )
        self.events.append(
            ScheduledChangeCancelled(
                self.client_id,
                now,
                actor,
                entry.revision,
                reason,
                schedule_id,
                scheduled.change.action.value,
            )
        )
        return cancelled

    def apply_scheduled(
        self, schedule_id: UUID, *, global_rules: GlobalRules, actor: str, now: datetime
    ) -> ScheduledChange:
        """Apply a pending change that is due; a refused one is marked failed with the reason
        (and the policy is left as it was)."""
        scheduled = self.scheduled_change(schedule_id)
        if not scheduled.is_due(now):
            raise IllegalTransition(
                "scheduled change",
                scheduled.status.value
                if scheduled.status is not ScheduleStatus.PENDING
                else "not due yet",
                "apply",
            )
        action = scheduled.change.action.value
        try:
            entry = self.apply(
                scheduled.change,
                global_rules=global_rules,
                actor=actor,
                now=now,
                reason=f"{scheduled.reason} (scheduled by {scheduled.scheduled_by})",
                schedule_id=schedule_id,
            )
        except PerlaError as error:
            failed = self._resolve(scheduled, ScheduleStatus.FAILED, now, failure=str(error))
            entry = self._record(
                PolicyAction.SCHEDULED_FAILED,
                actor,
                now,
                f"{scheduled.reason} (scheduled by {scheduled.scheduled_by})",
                rule_id=scheduled.change.target_rule_id,
                before=scheduled.snapshot(),
                after=failed.snapshot(),
                schedule_id=schedule_id,
            )
            self.events.append(
                ScheduledChangeFailed(
                    self.client_id, now, actor, entry.revision, schedule_id, action, str(error)
                )
            )
            return failed
        applied = self._resolve(scheduled, ScheduleStatus.APPLIED, now)
        self.events.append(
            ScheduledChangeApplied(
                self.client_id,
                now,
                actor,
                entry.revision if entry else self.revision,
                schedule_id,
                action,
            )
        )
        return applied

    def _resolve(
        self,
        scheduled: ScheduledChange,
        status: ScheduleStatus,
        now: datetime,
        failure: str | None = None,
    ) -> ScheduledChange:
        resolved = attrs.evolve(scheduled, status=status, resolved_at=now, failure=failure)
        self.scheduled = tuple(resolved if s.id == scheduled.id else s for s in self.scheduled)
        return resolved

    # --- history -----------------------------------------------------------------------------

    def diff(self, from_revision: int, to_revision: int) -> PolicyDiff:
        """Rules added, removed and changed (field by field), and the priced scope's changes,
        between two revisions (0 is the empty policy before its first change)."""
        for name, value in (("from_revision", from_revision), ("to_revision", to_revision)):
            if isinstance(value, bool) or not 0 <= value <= self.revision:
                raise InvalidValue(
                    f"must be a revision from 0 to {self.revision}, not {value}", field=name
                )
        old_rules, old_scope = self._state_at(from_revision)
        new_rules, new_scope = self._state_at(to_revision)
        added = tuple(new_rules[i] for i in sorted(new_rules.keys() - old_rules.keys()))
        removed = tuple(old_rules[i] for i in sorted(old_rules.keys() - new_rules.keys()))
        changed = tuple(
            RuleDiff(i, new_rules[i]["name"], _field_changes(old_rules[i], new_rules[i]))
            for i in sorted(old_rules.keys() & new_rules.keys())
            if old_rules[i] != new_rules[i]
        )
        return PolicyDiff(
            from_revision,
            to_revision,
            added,
            removed,
            changed,
            _field_changes(old_scope, new_scope),
        )

    def _state_at(self, revision: int) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
        rules: dict[str, dict[str, Any]] = {}
        scope = _EMPTY_SCOPE
        for entry in self.audit:
            if entry.revision > revision:
                break
            if entry.action in RULE_ACTIONS and entry.rule_id is not None:
                if entry.after is None:
                    rules.pop(str(entry.rule_id), None)
                else:
                    rules[str(entry.rule_id)] = entry.after
            elif entry.action is PolicyAction.SET_PRICED and entry.after is not None:
                scope = entry.after
        return rules, scope


def apply_due_changes(
    policy: CommercialPolicy, now: datetime, global_rules: GlobalRules, actor: str
) -> list[ScheduledChange]:
    """Apply every scheduled change of ``policy`` due at ``now``, in order; returns them as
    resolved (applied, or failed with the reason when refused by then)."""
    return [
        policy.apply_scheduled(s.id, global_rules=global_rules, actor=actor, now=now)
        for s in policy.due_changes(now)
    ]
