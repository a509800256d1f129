"""What happens to orders and carts, in the past tense (``aggregate_id`` is the order's or the
cart's id). Amounts travel as ``Decimal`` with their currency."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import ClassVar
from uuid import UUID

import attrs

from perla_core.kernel.events import domain_event


@domain_event("orders.order_created")
@attrs.frozen
class OrderCreated:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    number: int
    client_id: UUID
    currency: str
    total: Decimal
    channel: str


@domain_event("orders.order_lines_changed")
@attrs.frozen
class OrderLinesChanged:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    line_count: int
    total: Decimal
    currency: str


@domain_event("orders.order_manager_assigned")
@attrs.frozen
class OrderManagerAssigned:
    """``reason`` is the assignment rule that decided (``client_manager``, ``editor`` ...) or
    ``direct`` when a person chose the manager."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    client_id: UUID
    manager_id: UUID | None
    previous_manager_id: UUID | None
    reason: str


@domain_event("orders.order_placed")
@attrs.frozen
class OrderPlaced:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    client_id: UUID
    total: Decimal
    currency: str


@domain_event("orders.order_completed")
@attrs.frozen
class OrderCompleted:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str


@domain_event("orders.order_cancelled")
@attrs.frozen
class OrderCancelled:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    previous_status: str
    reason: str | None = None


@domain_event("orders.cart_opened")
@attrs.frozen
class CartOpened:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    client_id: UUID
    currency: str


@domain_event("orders.cart_abandoned")
@attrs.frozen
class CartAbandoned:
    """The cart stayed open without changes since ``idle_since`` for longer than the threshold."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    client_id: UUID
    idle_since: datetime
    value: Decimal
    currency: str


@domain_event("orders.cart_converted")
@attrs.frozen
class CartConverted:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    client_id: UUID
    order_id: UUID
