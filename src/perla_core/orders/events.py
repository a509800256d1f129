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


# --- the purchase lifecycle (issue 8): every event carries the order's id and number ----------


@domain_event("orders.order_summary_sent")
@attrs.frozen
class OrderSummarySent:
    """The client was shown the lines and prices of ``summary_version`` (``digest`` is their
    fingerprint); ``total`` includes VAT."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    number: int
    summary_version: int
    digest: str
    total: Decimal
    currency: str


@domain_event("orders.order_confirmed")
@attrs.frozen
class OrderConfirmed:
    """The client confirmed ``summary_version``; ``total`` includes VAT."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    number: int
    client_id: UUID
    summary_version: int
    total: Decimal
    currency: str


@domain_event("orders.order_repriced")
@attrs.frozen
class OrderRepriced:
    """A confirmation found changed prices or stock (or an old summary): the order went back to
    draft with ``changes`` lines changed, and the client needs a new summary. ``reason`` is
    ``changed`` or ``stale_summary``."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    number: int
    reason: str
    changes: int
    total: Decimal
    currency: str


@domain_event("orders.order_financing_chosen")
@attrs.frozen
class OrderFinancingChosen:
    """``installments`` is None when the choice was cleared."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    number: int
    installments: int | None


@domain_event("orders.order_pre_invoiced")
@attrs.frozen
class OrderPreInvoiced:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    number: int
    document_id: str
    series: str
    document_number: int


@domain_event("orders.order_recorded")
@attrs.frozen
class OrderRecorded:
    """The management system (Dome) holds the order as ``erp_reference``."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    number: int
    erp_reference: str


@domain_event("orders.payment_recorded")
@attrs.frozen
class PaymentRecorded:
    """A payment (partial or not); ``paid_total`` is every payment so far, ``total`` what is
    owed (with VAT)."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    number: int
    payment_id: str
    amount: Decimal
    currency: str
    paid_total: Decimal
    total: Decimal


@domain_event("orders.order_paid")
@attrs.frozen
class OrderPaid:
    """Paid in full, pre-invoiced and recorded: the invoice can be issued."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    number: int
    client_id: UUID
    paid_total: Decimal
    currency: str


@domain_event("orders.order_invoiced")
@attrs.frozen
class OrderInvoiced:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    number: int
    document_id: str
    series: str
    document_number: int


@domain_event("orders.order_expired")
@attrs.frozen
class OrderExpired:
    """A draft or awaiting order had no change since ``idle_since`` for longer than allowed;
    it is cancelled with the reason ``expired`` (an :class:`OrderCancelled` comes with it)."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    number: int
    previous_status: str
    idle_since: datetime
