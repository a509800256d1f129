"""Supplier requests in the ``supplier_requests`` table: rows to aggregates and back, and the
repository.

Every detail of the hotel is a column of its own: decimals (coordinates, commission, markup)
as their exact text, the tax id as its country and number, the IBAN and the BIC as their
compact strings, the payment terms as a basis and a number of days; the contacts are a JSON
array of ``{role, name, email, phone}``.
"""

from __future__ import annotations

import builtins
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from perla_adapters.memory.store import TouchedAggregates
from perla_adapters.sql.serialization import Row, converter
from perla_adapters.sql.tables import supplier_requests
from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion
from perla_core.kernel.pagination import Page
from perla_core.kernel.values import Email, Phone, TaxId
from perla_core.suppliers.model import SupplierRequest, SupplierRequestStatus
from perla_core.suppliers.ports import SupplierRequestQuery
from perla_core.suppliers.values import (
    Bic,
    ContractType,
    Coordinates,
    HotelContact,
    Iban,
    PaymentBasis,
    PaymentTerms,
    VatRegime,
)

_CONTACTS = tuple[HotelContact, ...]


def _text(value: object | None) -> str | None:
    return None if value is None else str(value)


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def supplier_request_to_row(request: SupplierRequest) -> dict[str, Any]:
    """Every column of ``supplier_requests``; ``events`` stay out of the table."""
    r = request
    return {
        "id": r.id,
        "version": r.version,
        "status": r.status.value,
        "name": r.name,
        "created_by": r.created_by,
        "chain": r.chain,
        "stars": r.stars,
        "address": r.address,
        "city": r.city,
        "postal_code": r.postal_code,
        "country": r.country,
        "latitude": _text(r.coordinates.latitude) if r.coordinates else None,
        "longitude": _text(r.coordinates.longitude) if r.coordinates else None,
        "phone": r.phone.e164 if r.phone else None,
        "email": r.email.value if r.email else None,
        "website": r.website,
        "legal_name": r.legal_name,
        "tax_id_country": r.tax_id.country if r.tax_id else None,
        "tax_id_number": r.tax_id.number if r.tax_id else None,
        "vat_regime": r.vat_regime.value if r.vat_regime else None,
        "iban": r.iban.value if r.iban else None,
        "bic": r.bic.value if r.bic else None,
        "account_holder": r.account_holder,
        "contract_type": r.contract_type.value if r.contract_type else None,
        "commission_pct": _text(r.commission_pct),
        "markup_pct": _text(r.markup_pct),
        "payment_basis": r.payment_terms.basis.value if r.payment_terms else None,
        "payment_days": r.payment_terms.days if r.payment_terms else None,
        "release_days": r.release_days,
        "cancellation_policy": r.cancellation_policy,
        "contacts": converter.unstructure(r.contacts, _CONTACTS),
        "matched_hotel_ref": r.matched_hotel_ref,
        "suppliers_address": r.suppliers_address,
        "send_count": r.send_count,
        "send_requested_at": r.send_requested_at,
        "send_requested_by": r.send_requested_by,
        "sent_at": r.sent_at,
        "dome_supplier_code": r.dome_supplier_code,
        "acknowledged_at": r.acknowledged_at,
        "rejection_reason": r.rejection_reason,
        "rejected_at": r.rejected_at,
        "cancellation_reason": r.cancellation_reason,
        "cancelled_at": r.cancelled_at,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
    }


def supplier_request_from_row(row: Row) -> SupplierRequest:
    latitude, longitude = _decimal(row["latitude"]), _decimal(row["longitude"])
    coordinates = (
        None if latitude is None or longitude is None else Coordinates(latitude, longitude)
    )
    tax_country, tax_number = row["tax_id_country"], row["tax_id_number"]
    basis = row["payment_basis"]
    return SupplierRequest(
        id=row["id"],
        name=row["name"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        created_by=row["created_by"],
        chain=row["chain"],
        stars=row["stars"],
        address=row["address"],
        city=row["city"],
        postal_code=row["postal_code"],
        country=row["country"],
        coordinates=coordinates,
        phone=None if row["phone"] is None else Phone(row["phone"]),
        email=None if row["email"] is None else Email(row["email"]),
        website=row["website"],
        legal_name=row["legal_name"],
        tax_id=None if tax_number is None else TaxId(tax_country, tax_number),
        vat_regime=None if row["vat_regime"] is None else VatRegime(row["vat_regime"]),
        iban=None if row["iban"] is None else Iban(row["iban"]),
        bic=None if row["bic"] is None else Bic(row["bic"]),
        account_holder=row["account_holder"],
        contract_type=(
            None if row["contract_type"] is None else ContractType(row["contract_type"])
        ),
        commission_pct=_decimal(row["commission_pct"]),
        markup_pct=_decimal(row["markup_pct"]),
        payment_terms=(
            None if basis is None else PaymentTerms(PaymentBasis(basis), row["payment_days"])
        ),
        release_days=row["release_days"],
        cancellation_policy=row["cancellation_policy"],
        contacts=converter.structure(row["contacts"], _CONTACTS),
        matched_hotel_ref=row["matched_hotel_ref"],
        status=SupplierRequestStatus(row["status"]),
        suppliers_address=row["suppliers_address"],
        send_count=row["send_count"],
        send_requested_at=row["send_requested_at"],
        send_requested_by=row["send_requested_by"],
        sent_at=row["sent_at"],
        dome_supplier_code=row["dome_supplier_code"],
        acknowledged_at=row["acknowledged_at"],
        rejection_reason=row["rejection_reason"],
        rejected_at=row["rejected_at"],
        cancellation_reason=row["cancellation_reason"],
        cancelled_at=row["cancelled_at"],
        version=row["version"],
    )


class SqlAlchemySupplierRequestRepository:
    """Supplier requests by id; ``for_hotel`` and ``list`` read by index."""

    def __init__(self, conn: Connection, touched: TouchedAggregates) -> None:
        self._conn = conn
        self._touched = touched
        self.seen: builtins.list[SupplierRequest] = []

    def add(self, request: SupplierRequest) -> None:
        if self._version_of(request.id) is not None:
            raise _taken(request)
        row = supplier_request_to_row(request) | {"version": 1}
        try:
            self._conn.execute(insert(supplier_requests).values(row))
        except IntegrityError as exc:  # a concurrent transaction took the id first
            raise _taken(request) from exc
        request.version = 1
        self._see(request)

    def save(self, request: SupplierRequest) -> None:
        base = request.version
        row = supplier_request_to_row(request) | {"version": base + 1}
        del row["id"]
        result = self._conn.execute(
            update(supplier_requests)
            .where(supplier_requests.c.id == request.id, supplier_requests.c.version == base)
            .values(row)
        )
        if result.rowcount == 0:
            actual = self._version_of(request.id)
            if actual is None:
                raise NotFound("supplier request", request.id)
            raise StaleVersion("supplier request", request.id, base, actual)
        request.version = base + 1
        self._see(request)

    def _version_of(self, request_id: UUID) -> int | None:
        return self._conn.scalar(
            select(supplier_requests.c.version).where(supplier_requests.c.id == request_id)
        )

    def _see(self, request: SupplierRequest) -> None:
        if request not in self.seen:
            self.seen.append(request)
        self._touched.touch(request)

    def get(self, request_id: UUID) -> SupplierRequest:
        row = (
            self._conn.execute(
                select(supplier_requests).where(supplier_requests.c.id == request_id)
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound("supplier request", request_id)
        request = supplier_request_from_row(row)
        self._see(request)
        return request

    def for_hotel(self, hotel_ref: str) -> builtins.list[SupplierRequest]:
        """Any status, oldest first (by creation, then id)."""
        rows = self._conn.execute(
            select(supplier_requests)
            .where(supplier_requests.c.matched_hotel_ref == hotel_ref)
            .order_by(supplier_requests.c.created_at, supplier_requests.c.id)
        ).mappings()
        return [supplier_request_from_row(row) for row in rows]

    def list(self, query: SupplierRequestQuery) -> Page[SupplierRequest]:
        """Newest first (by creation, then id)."""
        conditions: builtins.list[ColumnElement[bool]] = []
        if query.status is not None:
            conditions.append(supplier_requests.c.status == query.status.value)
        total = self._conn.scalar(
            select(func.count()).select_from(supplier_requests).where(*conditions)
        )
        rows = self._conn.execute(
            select(supplier_requests)
            .where(*conditions)
            .order_by(supplier_requests.c.created_at.desc(), supplier_requests.c.id.desc())
            .limit(query.page.limit)
            .offset(query.page.offset)
        ).mappings()
        return Page(
            [supplier_request_from_row(row) for row in rows],
            total or 0,
            query.page.limit,
            query.page.offset,
        )


def _taken(request: SupplierRequest) -> AlreadyExists:
    return AlreadyExists(f"supplier request {request.id} already exists", field="id")
