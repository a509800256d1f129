"""What happens to a catalogue product, in the past tense. The search index follows these
through the outbox; each carries the product's id as ``aggregate_id`` and its SKU."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

import attrs

from perla_core.kernel.events import domain_event


@domain_event("catalogue.product_changed")
@attrs.frozen
class ProductChanged:
    """The product was created (``created``) or its description fields changed; ``changed``
    names the fields."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    sku: str
    changed: tuple[str, ...]
    created: bool = False


@domain_event("catalogue.price_changed")
@attrs.frozen
class PriceChanged:
    """A new list price: ``amount`` (text, exact) in ``currency``, valid from ``valid_from``
    until ``valid_until`` (``None``: until replaced)."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    sku: str
    amount: str
    currency: str
    valid_from: datetime
    valid_until: datetime | None


@domain_event("catalogue.stock_changed")
@attrs.frozen
class StockChanged:
    """The quantity in one warehouse changed; ``total`` is the product's stock over all."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    sku: str
    warehouse: str
    quantity: int
    total: int
