"""Commands of the orders area, in primitives."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from uuid import UUID

import attrs

from perla_core.onboarding.commands import KEEP, Keep

Number = int | str | Decimal


@attrs.frozen
class OrderLineInput:
    """A line: ``description`` and/or ``sku``; ``unit_price`` in the order's currency as text,
    an ``int`` or a ``Decimal`` (never a float); ``discount_pct`` 0 to 100; ``vat_rate`` 21 or
    10.5 (default 21)."""

    description: str | None = None
    quantity: int = 1
    unit_price: Number = 0
    discount_pct: Number = 0
    sku: str | None = None
    vat_rate: Number | None = None


@attrs.frozen
class SaveOrder:
    """Create an order (no ``order_id``) or change one, and apply the account-manager rules.

    On creation ``lines`` left as ``KEEP`` mean none; on a change they stay as they are. The
    client and the currency of an existing order cannot change (give the same or leave them).
    ``manager_id`` assigns a manager directly (an inactive one is refused); ``None`` clears it,
    and the rules then fill it again. ``place`` also places the order in the same save.
    """

    client_id: UUID | None = None
    currency: str | None = None
    lines: Sequence[OrderLineInput] | Keep = KEEP
    channel: str = "backoffice"
    manager_id: UUID | Keep | None = KEEP
    order_id: UUID | None = None
    expected_version: int | None = None
    place: bool = False


@attrs.frozen
class PlaceOrder:
    order_id: UUID
    expected_version: int | None = None


@attrs.frozen
class CompleteOrder:
    order_id: UUID
    expected_version: int | None = None


@attrs.frozen
class CancelOrder:
    order_id: UUID
    reason: str | None = None
    expected_version: int | None = None


@attrs.frozen
class SaveCart:
    """Open a cart (no ``cart_id``) or replace its lines; a change opens an abandoned cart
    again."""

    client_id: UUID
    currency: str
    lines: Sequence[OrderLineInput] = ()
    cart_id: UUID | None = None
    expected_version: int | None = None


@attrs.frozen
class ConvertCart:
    """Turn a cart into a placed order (the account-manager rules apply to it)."""

    cart_id: UUID
    expected_version: int | None = None


__all__ = [
    "KEEP",
    "CancelOrder",
    "CompleteOrder",
    "ConvertCart",
    "Keep",
    "OrderLineInput",
    "PlaceOrder",
    "SaveCart",
    "SaveOrder",
]
