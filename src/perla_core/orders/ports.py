"""Storage and queries of orders and carts.

The KPI queries are aggregates computed by the database in one query each (``GROUP BY``), never
by reading every order or cart into the application.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Protocol
from uuid import UUID

import attrs

from perla_core.kernel.money import Money
from perla_core.kernel.pagination import Page, PageRequest
from perla_core.orders.model import Cart, CartStatus, Order, OrderStatus, Payment, PricedSku


@attrs.frozen
class OrderQuery:
    """Filters for listing orders; newest first (by creation, then id), so pages are stable."""

    client_id: UUID | None = None
    manager_id: UUID | None = None
    status: OrderStatus | None = None
    page: PageRequest = attrs.field(factory=PageRequest)


@attrs.frozen
class OrderTotals:
    """Placed and completed orders in one currency: how many, the sum of their totals, and when
    the latest was placed."""

    currency: str
    orders: int
    revenue: Decimal
    last_placed_at: datetime | None


class OrderRepository(Protocol):
    """Orders. Joins the unit of work's transaction; never commits.

    ``add`` sets the version to 1 and raises :class:`AlreadyExists` when the id or the number
    is taken, :class:`NotFound` when the client does not exist. ``save`` is optimistic: it
    writes only if the stored version equals ``order.version``, then increments it; otherwise
    :class:`StaleVersion`. Lines are stored with the order (a JSON column or child rows, with
    each line's total); the order's ``total`` is stored too, for the KPI sums. ``events`` are
    not stored (the unit of work moves them to the outbox).
    """

    def add(self, order: Order) -> None: ...

    def save(self, order: Order) -> None: ...

    def get(self, order_id: UUID) -> Order:
        """Raises :class:`NotFound`."""
        ...

    def next_number(self) -> int:
        """A number no order has, greater than every number given before (a database
        sequence: gaps are allowed, repeats are not)."""
        ...

    def list(self, query: OrderQuery) -> Page[Order]: ...

    def open_orders_by_manager(self) -> Mapping[UUID, int]:
        """Draft and placed orders per manager, in one grouped query; managers without open
        orders are absent; orders without a manager are not counted."""
        ...

    def totals(self, client_id: UUID | None = None) -> builtins.list[OrderTotals]:
        """Placed and completed orders of one client (or of all), one row per currency, by
        currency code; one ``GROUP BY currency`` query."""
        ...

    def totals_by_client(
        self, client_ids: Collection[UUID]
    ) -> Mapping[UUID, builtins.list[OrderTotals]]:
        """:meth:`totals` for several clients in one ``GROUP BY client_id, currency`` query;
        clients without placed or completed orders are absent."""
        ...

    def idle(self, before: datetime, limit: int) -> builtins.list[Order]:
        """Up to ``limit`` orders waiting on the client (awaiting confirmation, or a draft that
        came by WhatsApp) whose ``updated_at`` is before ``before``, least recently changed
        first; one query, read for expiring them (each is seen)."""
        ...

    def by_number(self, number: int) -> Order:
        """Raises :class:`NotFound`; the order is seen."""
        ...

    @property
    def seen(self) -> builtins.list[Order]:
        """Orders added or read by ``get`` in this unit of work (their events go to the
        outbox)."""
        ...


@attrs.frozen
class CartQuery:
    """Filters for listing carts; most recently active first (by ``updated_at``, then id).

    ``status`` is the effective one when ``abandoned_before`` is given: an open cart whose
    ``updated_at`` is before it counts as abandoned (and not as open).
    """

    client_id: UUID | None = None
    status: CartStatus | None = None
    abandoned_before: datetime | None = None
    page: PageRequest = attrs.field(factory=PageRequest)


@attrs.frozen
class CartCounts:
    """Carts by effective status, and the value of the open ones per currency (by currency
    code; a currency without open carts is absent)."""

    open: int = 0
    abandoned: int = 0
    converted: int = 0
    open_value: tuple[Money, ...] = ()


class CartRepository(Protocol):
    """Carts. Joins the unit of work's transaction; never commits.

    ``add`` sets the version to 1 (:class:`AlreadyExists` when the id is taken,
    :class:`NotFound` when the client does not exist); ``save`` is optimistic
    (:class:`StaleVersion`). The cart's value is stored with it (for the KPI sums).
    """

    def add(self, cart: Cart) -> None: ...

    def save(self, cart: Cart) -> None: ...

    def get(self, cart_id: UUID) -> Cart:
        """Raises :class:`NotFound`."""
        ...

    def list(self, query: CartQuery) -> Page[Cart]: ...

    def idle_open(self, before: datetime, limit: int) -> builtins.list[Cart]:
        """Up to ``limit`` carts whose status is open and whose ``updated_at`` is before
        ``before``, least recently active first; read for marking them (each is seen)."""
        ...

    def counts(
        self,
        abandoned_before: datetime,
        *,
        client_id: UUID | None = None,
        created_since: datetime | None = None,
    ) -> CartCounts:
        """Carts of one client (or all), created since ``created_since`` (or ever), counted
        by effective status (an open cart whose ``updated_at`` is before ``abandoned_before``
        counts as abandoned), with the summed value of the open ones per currency; one query
        (``GROUP BY`` effective status and currency)."""
        ...

    @property
    def seen(self) -> builtins.list[Cart]:
        """Carts added or read in this unit of work (their events go to the outbox)."""
        ...


class PaymentRepository(Protocol):
    """Payments of orders, unique by ``payment_id``. Joins the unit of work's transaction.

    ``add`` raises :class:`AlreadyExists` (field ``payment_id``) when the id is taken (also
    when a concurrent transaction took it first: the database's unique key decides),
    :class:`NotFound` when the order does not exist.
    """

    def add(self, payment: Payment) -> None: ...

    def find(self, payment_id: str) -> Payment | None: ...

    def for_order(self, order_id: UUID) -> builtins.list[Payment]:
        """The order's payments, oldest first (by ``paid_at``, then id)."""
        ...


class CurrentPricing(Protocol):
    """What the catalogue says now of some SKUs, in one currency (the order's): price before
    VAT, VAT rate, stock and whether each can be sold. SKUs the catalogue does not know are
    absent from the answer."""

    def current(self, skus: Iterable[str], currency: str) -> Mapping[str, PricedSku]: ...
