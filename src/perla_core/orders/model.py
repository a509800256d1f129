"""A general order and the client's cart ("carrito").

:class:`Order` is deliberately small: a client, lines in one currency, totals, a status
(draft, placed, completed, cancelled), the channel it came through and its account manager.
Later issues extend it (MICROCOM's WhatsApp orders become pre-invoices and invoices, with
per-series gapless numbers); the number here is a readable increasing sequence.

Amounts are exact: a line's total is ``unit_price * quantity * (100 - discount_pct) / 100`` rounded
half-up to the currency's minor unit (cents), and the order's totals are sums of the rounded
line amounts, so the lines always add up to the total shown. Taxes come later, with invoices.

:class:`Cart` holds what a client is about to order; it is *abandoned* when it stays open
without changes for longer than a threshold (:data:`DEFAULT_ABANDONED_AFTER`, 24 hours):
computed by :meth:`Cart.effective_status` and recorded by the service that marks them.
Changing an abandoned cart opens it again; a converted cart became an order and is final.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

import attrs

from perla_core.kernel.errors import IllegalTransition, InvalidValue, PreconditionFailed
from perla_core.kernel.money import Money
from perla_core.orders.events import (
    CartAbandoned,
    CartConverted,
    CartOpened,
    OrderCancelled,
    OrderCompleted,
    OrderCreated,
    OrderLinesChanged,
    OrderManagerAssigned,
    OrderPlaced,
)
from perla_core.suppliers.values import collect, line, percentage, pick, whole_number

MAX_LINES = 200
MAX_QUANTITY = 1_000_000
MAX_PRICE_DECIMALS = 4
MAX_REASON = 1000
DEFAULT_ABANDONED_AFTER = timedelta(hours=24)
_HUNDRED = Decimal(100)


class OrderStatus(StrEnum):
    DRAFT = "draft"
    PLACED = "placed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class OrderChannel(StrEnum):
    """Where the order came from."""

    BACKOFFICE = "backoffice"
    WEB = "web"
    CART = "cart"
    WHATSAPP = "whatsapp"
    EMAIL = "email"
    PHONE = "phone"
    OTHER = "other"


_O = OrderStatus

# action -> {from status: to status}
ORDER_TRANSITIONS: dict[str, dict[OrderStatus, OrderStatus]] = {
    "place": {_O.DRAFT: _O.PLACED},
    "complete": {_O.PLACED: _O.COMPLETED},
    "cancel": {_O.DRAFT: _O.CANCELLED, _O.PLACED: _O.CANCELLED},
}
EDITABLE_ORDER_STATUSES: frozenset[OrderStatus] = frozenset({_O.DRAFT, _O.PLACED})
OPEN_ORDER_STATUSES: frozenset[OrderStatus] = frozenset({_O.DRAFT, _O.PLACED})
"""What counts as a manager's load for the least-loaded rule."""
REVENUE_ORDER_STATUSES: frozenset[OrderStatus] = frozenset({_O.PLACED, _O.COMPLETED})
"""What the KPIs count as orders and revenue."""


@attrs.frozen
class OrderLine:
    """A product or service on an order or cart: ``sku`` and/or ``description`` (one is
    needed; the description defaults to the SKU), a whole ``quantity`` of at least 1, a
    ``unit_price`` of zero or more in the order's currency and a ``discount_pct`` from 0 to
    100."""

    description: str
    quantity: int
    unit_price: Money
    discount_pct: Decimal = Decimal("0.00")
    sku: str | None = None

    @classmethod
    def parse(cls, raw: object, *, currency: str, field: str = "line") -> OrderLine:
        """From an input object or a mapping with ``description``, ``sku``, ``quantity``,
        ``unit_price`` and ``discount_pct``; every bad part is reported as
        ``<field>.<part>``."""
        parts = collect(
            {
                f"{field}.sku": lambda: line(pick(raw, "sku"), f"{field}.sku", 64),
                f"{field}.description": lambda: line(
                    pick(raw, "description"), f"{field}.description", 300
                ),
                f"{field}.quantity": lambda: whole_number(
                    pick(raw, "quantity", 1), f"{field}.quantity", 1, MAX_QUANTITY
                ),
                f"{field}.unit_price": lambda: _unit_price(
                    pick(raw, "unit_price"), currency, f"{field}.unit_price"
                ),
                f"{field}.discount_pct": lambda: percentage(
                    pick(raw, "discount_pct", 0) or 0, f"{field}.discount_pct"
                ),
            }
        )
        sku = parts[f"{field}.sku"]
        description = parts[f"{field}.description"] or sku
        if description is None:
            raise InvalidValue("give a SKU or a description", field=f"{field}.description")
        return cls(
            description,
            parts[f"{field}.quantity"],
            parts[f"{field}.unit_price"],
            parts[f"{field}.discount_pct"],
            sku,
        )

    @property
    def gross(self) -> Money:
        """Unit price times quantity, rounded half-up to the currency's minor unit."""
        return (self.unit_price * self.quantity).rounded()

    @property
    def total(self) -> Money:
        """After the discount, rounded half-up to the currency's minor unit."""
        factor = (_HUNDRED - self.discount_pct) / _HUNDRED
        return (self.unit_price * self.quantity * factor).rounded()

    @property
    def discount(self) -> Money:
        return self.gross - self.total


def _unit_price(value: object, currency: str, field: str) -> Money:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidValue("is required", field=field)
    if isinstance(value, Money):
        price = value
        if price.currency != currency:
            raise InvalidValue(f"is in {price.currency}, the order is in {currency}", field=field)
    else:
        try:
            price = Money.of(value, currency)
        except InvalidValue as error:
            raise InvalidValue(error.message, field=field) from None
    if price.is_negative:
        raise InvalidValue("cannot be negative", field=field)
    exponent = price.amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_PRICE_DECIMALS:
        raise InvalidValue(f"has more than {MAX_PRICE_DECIMALS} decimals", field=field)
    return price


def parse_lines(raw: Iterable[object] | None, *, currency: str) -> tuple[OrderLine, ...]:
    """Every line, each bad one reported as ``lines[i].<part>``."""
    if raw is None:
        return ()
    if isinstance(raw, str | bytes) or not hasattr(raw, "__iter__"):
        raise InvalidValue("must be a list of lines", field="lines")
    items = list(raw)
    if len(items) > MAX_LINES:
        raise InvalidValue(f"holds {len(items)} lines, at most {MAX_LINES}", field="lines")
    parsed = collect(
        {
            f"lines[{i}]": lambda item=item, i=i: OrderLine.parse(
                item, currency=currency, field=f"lines[{i}]"
            )
            for i, item in enumerate(items)
        }
    )
    return tuple(parsed.values())


def _sum(amounts: Iterable[Money], currency: str) -> Money:
    total = Money.zero(currency)
    for amount in amounts:
        total = total + amount
    return total.rounded()


def _check_currency(lines: Sequence[OrderLine], currency: str) -> None:
    for i, item in enumerate(lines):
        if item.unit_price.currency != currency:
            raise InvalidValue(
                f"is in {item.unit_price.currency}, the order is in {currency}",
                field=f"lines[{i}].unit_price",
            )


def _reason(value: str | None) -> str | None:
    text = (value or "").strip()
    if len(text) > MAX_REASON:
        raise InvalidValue(f"is longer than {MAX_REASON} characters", field="reason")
    return text or None


@attrs.define(eq=False)
class Order:
    """A client's order. Identity by ``id``; ``number`` is unique and readable; ``version``
    guards edits. One currency per order."""

    id: UUID
    number: int
    client_id: UUID
    currency: str
    channel: OrderChannel
    created_by: str
    created_at: datetime
    updated_at: datetime
    lines: tuple[OrderLine, ...] = ()
    manager_id: UUID | None = None
    status: OrderStatus = OrderStatus.DRAFT
    placed_at: datetime | None = None
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancellation_reason: str | None = None
    version: int = 0
    events: list[object] = attrs.field(factory=list, repr=False)

    @classmethod
    def create(
        cls,
        *,
        order_id: UUID,
        number: int,
        client_id: UUID,
        currency: str,
        channel: OrderChannel,
        lines: Sequence[OrderLine],
        now: datetime,
        actor: str,
    ) -> Order:
        """A draft order; the manager is assigned by the save that stores it."""
        _check_currency(lines, currency)
        if len(lines) > MAX_LINES:
            raise InvalidValue(f"holds {len(lines)} lines, at most {MAX_LINES}", field="lines")
        order = cls(order_id, number, client_id, currency, channel, actor, now, now, tuple(lines))
        order.events.append(
            OrderCreated(
                order_id, now, actor, number, client_id, currency, order.total.amount, channel
            )
        )
        return order

    # --- reading ----------------------------------------------------------------------

    @property
    def subtotal(self) -> Money:
        """The lines before discounts."""
        return _sum((item.gross for item in self.lines), self.currency)

    @property
    def discount_total(self) -> Money:
        return _sum((item.discount for item in self.lines), self.currency)

    @property
    def total(self) -> Money:
        """The sum of the lines' rounded totals: what the client pays (before taxes)."""
        return _sum((item.total for item in self.lines), self.currency)

    @property
    def is_open(self) -> bool:
        """Draft or placed: it counts in its manager's load."""
        return self.status in OPEN_ORDER_STATUSES

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_ORDER_STATUSES

    def allowed_actions(self) -> list[str]:
        moves = [a for a, t in ORDER_TRANSITIONS.items() if self.status in t]
        return sorted(moves + (["update"] if self.is_editable else []))

    # --- editing ----------------------------------------------------------------------

    def replace_lines(self, lines: Sequence[OrderLine], *, now: datetime, actor: str) -> bool:
        """Set the lines of a draft or placed order; returns whether they changed."""
        self._require_editable("update")
        _check_currency(lines, self.currency)
        if tuple(lines) == self.lines:
            return False
        if self.status is OrderStatus.PLACED and not lines:
            raise PreconditionFailed("a placed order keeps at least one line", missing=["lines"])
        self.lines = tuple(lines)
        self.updated_at = now
        self.events.append(
            OrderLinesChanged(
                self.id, now, actor, len(self.lines), self.total.amount, self.currency
            )
        )
        return True

    def assign_manager(
        self, manager_id: UUID | None, *, reason: str, now: datetime, actor: str
    ) -> bool:
        """Record the order's manager (the services check it is active and apply the
        assignment rules); returns whether it changed."""
        if manager_id == self.manager_id:
            return False
        self._require_editable("assign_manager")
        previous = self.manager_id
        self.manager_id = manager_id
        self.updated_at = now
        self.events.append(
            OrderManagerAssigned(self.id, now, actor, self.client_id, manager_id, previous, reason)
        )
        return True

    # --- lifecycle ----------------------------------------------------------------------

    def place(self, *, now: datetime, actor: str) -> None:
        """The client confirms the order; it needs at least one line."""
        if self.status is OrderStatus.DRAFT and not self.lines:
            raise PreconditionFailed("an order needs at least one line", missing=["lines"])
        self.status = self._target("place")
        self.placed_at = now
        self.updated_at = now
        self.events.append(
            OrderPlaced(self.id, now, actor, self.client_id, self.total.amount, self.currency)
        )

    def complete(self, *, now: datetime, actor: str) -> None:
        self.status = self._target("complete")
        self.completed_at = now
        self.updated_at = now
        self.events.append(OrderCompleted(self.id, now, actor))

    def cancel(self, *, now: datetime, actor: str, reason: str | None = None) -> None:
        text = _reason(reason)
        before = self.status
        self.status = self._target("cancel")
        self.cancelled_at = now
        self.cancellation_reason = text
        self.updated_at = now
        self.events.append(OrderCancelled(self.id, now, actor, before.value, text))

    def _target(self, action: str) -> OrderStatus:
        target = ORDER_TRANSITIONS[action].get(self.status)
        if target is None:
            raise IllegalTransition(
                "order", self.status.value, action, allowed=self.allowed_actions()
            )
        return target

    def _require_editable(self, action: str) -> None:
        if not self.is_editable:
            raise IllegalTransition(
                "order", self.status.value, action, allowed=self.allowed_actions()
            )


# --- carts ------------------------------------------------------------------------------------


class CartStatus(StrEnum):
    OPEN = "open"
    ABANDONED = "abandoned"
    CONVERTED = "converted"


def abandoned_after(value: timedelta | None) -> timedelta:
    """The idle time after which an open cart counts as abandoned (default 24 hours)."""
    threshold = DEFAULT_ABANDONED_AFTER if value is None else value
    if threshold <= timedelta(0):
        raise InvalidValue("must be a positive duration", field="abandoned_after")
    return threshold


@attrs.define(eq=False)
class Cart:
    """What a client is about to order, in one currency. ``updated_at`` is its last activity.
    Identity by ``id``; ``version`` guards edits."""

    id: UUID
    client_id: UUID
    currency: str
    created_at: datetime
    updated_at: datetime
    lines: tuple[OrderLine, ...] = ()
    status: CartStatus = CartStatus.OPEN
    abandoned_at: datetime | None = None
    converted_at: datetime | None = None
    converted_order_id: UUID | None = None
    version: int = 0
    events: list[object] = attrs.field(factory=list, repr=False)

    @classmethod
    def open(
        cls,
        *,
        cart_id: UUID,
        client_id: UUID,
        currency: str,
        lines: Sequence[OrderLine],
        now: datetime,
        actor: str,
    ) -> Cart:
        _check_currency(lines, currency)
        cart = cls(cart_id, client_id, currency, now, now, tuple(lines))
        cart.events.append(CartOpened(cart_id, now, actor, client_id, currency))
        return cart

    @property
    def value(self) -> Money:
        """The sum of the lines' rounded totals."""
        return _sum((item.total for item in self.lines), self.currency)

    def age(self, now: datetime) -> timedelta:
        return now - self.created_at

    def idle(self, now: datetime) -> timedelta:
        return now - self.updated_at

    def effective_status(self, now: datetime, threshold: timedelta | None = None) -> CartStatus:
        """Abandoned when open and idle for longer than ``threshold`` (default 24 hours),
        whether or not it has been marked yet."""
        if self.status is CartStatus.OPEN and self.idle(now) > abandoned_after(threshold):
            return CartStatus.ABANDONED
        return self.status

    def replace_lines(self, lines: Sequence[OrderLine], *, now: datetime) -> bool:
        """Change what is in the cart (its activity, not announced: carts change often); an
        abandoned cart opens again. Returns whether it changed."""
        self._require_not_converted("update")
        _check_currency(lines, self.currency)
        if tuple(lines) == self.lines and self.status is CartStatus.OPEN:
            return False
        self.lines = tuple(lines)
        self.status = CartStatus.OPEN
        self.abandoned_at = None
        self.updated_at = now
        return True

    def mark_abandoned(
        self, *, now: datetime, actor: str, threshold: timedelta | None = None
    ) -> bool:
        """Record that the open cart is abandoned, when it is; returns whether it changed."""
        if self.effective_status(now, threshold) is not CartStatus.ABANDONED:
            return False
        if self.status is CartStatus.ABANDONED:
            return False
        self.status = CartStatus.ABANDONED
        self.abandoned_at = now
        self.events.append(
            CartAbandoned(
                self.id,
                now,
                actor,
                self.client_id,
                self.updated_at,
                self.value.amount,
                self.currency,
            )
        )
        return True

    def mark_converted(self, order_id: UUID, *, now: datetime, actor: str) -> None:
        """The cart became ``order_id``; open and abandoned carts can convert."""
        self._require_not_converted("convert")
        if not self.lines:
            raise PreconditionFailed("an empty cart cannot become an order", missing=["lines"])
        self.status = CartStatus.CONVERTED
        self.converted_order_id = order_id
        self.converted_at = now
        self.updated_at = now
        self.events.append(CartConverted(self.id, now, actor, self.client_id, order_id))

    def _require_not_converted(self, action: str) -> None:
        if self.status is CartStatus.CONVERTED:
            raise IllegalTransition("cart", self.status.value, action)
