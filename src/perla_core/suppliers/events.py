"""What happens to a supplier request, in the past tense.

No event carries the hotel's bank account or tax data: handlers read the request by id
(``aggregate_id`` is the request's id).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

import attrs

from perla_core.kernel.events import domain_event


@domain_event("suppliers.supplier_request_created")
@attrs.frozen
class SupplierRequestCreated:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    hotel_name: str
    city: str | None
    country: str | None
    status: str
    matched_hotel_ref: str | None = None


@domain_event("suppliers.supplier_request_updated")
@attrs.frozen
class SupplierRequestUpdated:
    """``changed`` names the fields, never their values; ``status`` is the one after the edit
    (draft or ready); ``source`` is ``"prefill"`` when a hotel match filled them."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    changed: tuple[str, ...]
    status: str
    source: str | None = None


@domain_event("suppliers.supplier_request_send_requested")
@attrs.frozen
class SupplierRequestSendRequested:
    """The complete request is to be e-mailed to ``suppliers_address``; the outbox handler
    sends it (Message-ID ``message_id``, the same for every send of the request) and then
    marks it sent. ``send_number`` counts the sends of this request, 1 for the first."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    suppliers_address: str
    message_id: str
    send_number: int

    @property
    def request_id(self) -> UUID:
        return self.aggregate_id


@domain_event("suppliers.supplier_request_sent")
@attrs.frozen
class SupplierRequestSent:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    suppliers_address: str
    message_id: str
    send_number: int


@domain_event("suppliers.supplier_request_acknowledged")
@attrs.frozen
class SupplierRequestAcknowledged:
    """The Suppliers team created the hotel in Dome as supplier ``dome_supplier_code``."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    dome_supplier_code: str


@domain_event("suppliers.supplier_request_rejected")
@attrs.frozen
class SupplierRequestRejected:
    """The Suppliers team cannot create the supplier as sent; ``reason`` says why."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    reason: str


@domain_event("suppliers.supplier_request_cancelled")
@attrs.frozen
class SupplierRequestCancelled:
    """``previous_status`` tells whether the Suppliers team may already have the e-mail
    (``sending`` or ``sent``) and should hear that it is withdrawn."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    previous_status: str
    reason: str | None = None
