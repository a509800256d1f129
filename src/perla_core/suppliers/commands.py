"""Commands of the suppliers area, in primitives.

Commands carry plain strings and numbers (as an HTTP body, a CLI or an assistant's tool call
gives them); :func:`perla_core.suppliers.fields.parse_fields` validates them into the domain's
values, reporting every invalid field at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs

from perla_core.onboarding.commands import KEEP, Keep

Number = int | str | Decimal
Degrees = float | int | str | Decimal


@attrs.frozen
class HotelContactInput:
    """A person at the hotel: ``role`` is reservations, accounting, revenue, general_manager,
    sales, front_desk or other; an e-mail or a phone is needed."""

    role: str
    name: str
    email: str | None = None
    phone: str | None = None


@attrs.frozen
class PaymentTermsInput:
    """``basis`` is prepayment, after_check_out, after_invoice or monthly; ``days`` 0 to 180."""

    basis: str
    days: int = 0


@attrs.frozen
class CreateSupplierRequest:
    """Start a request to create a hotel as a supplier in Dome, from as much as is known.

    ``matched_hotel_ref`` names the hotel-directory entry it comes from; ``prefill`` holds
    that entry's fields, which fill only what the command leaves empty.
    """

    name: str
    chain: str | None = None
    stars: int | None = None
    address: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None
    latitude: Degrees | None = None
    longitude: Degrees | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    legal_name: str | None = None
    tax_id: str | None = None
    tax_id_country: str | None = None
    vat_regime: str | None = None
    iban: str | None = None
    bic: str | None = None
    account_holder: str | None = None
    contract_type: str | None = None
    commission_pct: Number | None = None
    markup_pct: Number | None = None
    payment_terms: PaymentTermsInput | None = None
    release_days: int | None = None
    cancellation_policy: str | None = None
    contacts: Sequence[HotelContactInput] = ()
    matched_hotel_ref: str | None = None
    prefill: Mapping[str, Any] = attrs.field(factory=dict)

    def fields(self) -> dict[str, Any]:
        """The hotel's fields given, by input field (blank ones left out)."""
        skip = {"matched_hotel_ref", "prefill"}
        return {
            f.name: getattr(self, f.name)
            for f in attrs.fields(type(self))
            if f.name not in skip and getattr(self, f.name) not in (None, ())
        }


@attrs.frozen
class UpdateSupplierRequest:
    """Change a draft, ready or rejected request; fields left as ``KEEP`` stay as they are,
    ``None`` clears one. The latitude and the longitude change together."""

    request_id: UUID
    expected_version: int | None = None
    name: str | Keep = KEEP
    chain: str | Keep | None = KEEP
    stars: int | Keep | None = KEEP
    address: str | Keep | None = KEEP
    city: str | Keep | None = KEEP
    postal_code: str | Keep | None = KEEP
    country: str | Keep | None = KEEP
    latitude: Degrees | Keep | None = KEEP
    longitude: Degrees | Keep | None = KEEP
    phone: str | Keep | None = KEEP
    email: str | Keep | None = KEEP
    website: str | Keep | None = KEEP
    legal_name: str | Keep | None = KEEP
    tax_id: str | Keep | None = KEEP
    tax_id_country: str | Keep | None = KEEP
    vat_regime: str | Keep | None = KEEP
    iban: str | Keep | None = KEEP
    bic: str | Keep | None = KEEP
    account_holder: str | Keep | None = KEEP
    contract_type: str | Keep | None = KEEP
    commission_pct: Number | Keep | None = KEEP
    markup_pct: Number | Keep | None = KEEP
    payment_terms: PaymentTermsInput | Keep | None = KEEP
    release_days: int | Keep | None = KEEP
    cancellation_policy: str | Keep | None = KEEP
    contacts: Sequence[HotelContactInput] | Keep | None = KEEP

    def changes(self) -> dict[str, Any]:
        skip = {"request_id", "expected_version"}
        return {
            f.name: getattr(self, f.name)
            for f in attrs.fields(type(self))
            if f.name not in skip and getattr(self, f.name) is not KEEP
        }


@attrs.frozen
class PrefillSupplierRequest:
    """Fill a request's empty fields from a confident hotel-directory match (``fields`` as
    the directory holds them); nothing already there is overwritten."""

    request_id: UUID
    fields: Mapping[str, Any]
    hotel_ref: str | None = None
    expected_version: int | None = None


@attrs.frozen
class SendSupplierRequest:
    """E-mail a complete request to the Suppliers team (through the outbox)."""

    request_id: UUID
    expected_version: int | None = None


@attrs.frozen
class MarkSupplierRequestSent:
    """The outbox handler's report that the e-mail of send ``send_number`` left."""

    request_id: UUID
    send_number: int | None = None


@attrs.frozen
class AcknowledgeSupplierRequest:
    """The Suppliers team created the hotel in Dome under ``dome_supplier_code``."""

    request_id: UUID
    dome_supplier_code: str
    expected_version: int | None = None


@attrs.frozen
class RejectSupplierRequest:
    """The Suppliers team cannot create the supplier as sent, for ``reason``."""

    request_id: UUID
    reason: str
    expected_version: int | None = None


@attrs.frozen
class CancelSupplierRequest:
    """Withdraw a request not yet acknowledged."""

    request_id: UUID
    reason: str | None = None
    expected_version: int | None = None


__all__ = [
    "KEEP",
    "AcknowledgeSupplierRequest",
    "CancelSupplierRequest",
    "CreateSupplierRequest",
    "HotelContactInput",
    "Keep",
    "MarkSupplierRequestSent",
    "PaymentTermsInput",
    "PrefillSupplierRequest",
    "RejectSupplierRequest",
    "SendSupplierRequest",
    "UpdateSupplierRequest",
]
