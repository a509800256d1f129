"""A dict-backed fake of :class:`SupplierUnitOfWork`, and builders of supplier requests.

The fake keeps the unit of work's promises: reads are copies, writes are staged and applied on
``commit`` only, ``save`` is optimistic, and on commit the events of every request seen are
collected into ``published`` (the outbox, in the real adapters).
"""

from __future__ import annotations

import builtins
import copy
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self
from uuid import UUID

from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion
from perla_core.kernel.events import drain_events
from perla_core.kernel.pagination import Page
from perla_core.suppliers.commands import HotelContactInput, PaymentTermsInput
from perla_core.suppliers.fields import parse_fields
from perla_core.suppliers.model import SupplierRequest, SupplierRequestStatus
from perla_core.suppliers.ports import SupplierRequestQuery

NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=2)
AGENT = "ana.agent"
REQUEST_ID = UUID("00000000-0000-7000-8000-0000c0ffee01")
SUPPLIERS = "suppliers@perlatours.com"


class FakeSupplierRequestRepository:
    def __init__(self, rows: dict[UUID, SupplierRequest]) -> None:
        self._rows = rows
        self.seen: builtins.list[SupplierRequest] = []

    def add(self, request: SupplierRequest) -> None:
        if request.id in self._rows:
            raise AlreadyExists(f"supplier request {request.id} already exists", field="id")
        request.version = 1
        self._stage(request)

    def save(self, request: SupplierRequest) -> None:
        stored = self._rows.get(request.id)
        if stored is None:
            raise NotFound("supplier request", request.id)
        if stored.version != request.version:
            raise StaleVersion("supplier request", request.id, request.version, stored.version)
        request.version += 1
        self._stage(request)

    def _stage(self, request: SupplierRequest) -> None:
        snapshot = copy.deepcopy(request)
        snapshot.events.clear()
        self._rows[request.id] = snapshot
        if request not in self.seen:
            self.seen.append(request)

    def get(self, request_id: UUID) -> SupplierRequest:
        stored = self._rows.get(request_id)
        if stored is None:
            raise NotFound("supplier request", request_id)
        request = copy.deepcopy(stored)
        self.seen.append(request)
        return request

    def for_hotel(self, hotel_ref: str) -> builtins.list[SupplierRequest]:
        rows = [r for r in self._rows.values() if r.matched_hotel_ref == hotel_ref]
        return [copy.deepcopy(r) for r in sorted(rows, key=lambda r: (r.created_at, r.id.int))]

    def list(self, query: SupplierRequestQuery) -> Page[SupplierRequest]:
        rows = sorted(
            (r for r in self._rows.values() if query.status in (None, r.status)),
            key=lambda r: (r.created_at, r.id.int),
            reverse=True,
        )
        start, stop = query.page.offset, query.page.offset + query.page.limit
        return Page(
            [copy.deepcopy(r) for r in rows[start:stop]], len(rows), query.page.limit, start
        )


class FakeSupplierUnitOfWork:
    """Committed rows in a dict; each ``with`` block works on a copy of it."""

    def __init__(self) -> None:
        self.rows: dict[UUID, SupplierRequest] = {}
        self.published: list[object] = []
        self.commits = 0
        self._begin()

    def _begin(self) -> None:
        self._requests = FakeSupplierRequestRepository(copy.deepcopy(self.rows))

    @property
    def supplier_requests(self) -> FakeSupplierRequestRepository:
        return self._requests

    def __enter__(self) -> Self:
        self._begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        self.rows = copy.deepcopy(self._requests._rows)
        self.published.extend(drain_events(self._requests.seen))
        self.commits += 1
        self._begin()

    def rollback(self) -> None:
        self._begin()

    def put(self, request: SupplierRequest) -> SupplierRequest:
        """Store a request as committed (as the use cases would have)."""
        request.events.clear()
        request.version = max(request.version, 1)
        self.rows[request.id] = copy.deepcopy(request)
        return request


# --- builders -----------------------------------------------------------------------------------


def complete_input(**overrides: Any) -> dict[str, Any]:
    """Every field the Suppliers team needs, as primitives (a hotel in Cádiz)."""
    fields: dict[str, Any] = {
        "name": "Hotel Playa Victoria",
        "chain": "Palafox Hoteles",
        "stars": 4,
        "address": "Glorieta Ingeniero La Cierva 4",
        "city": "Cádiz",
        "postal_code": "11010",
        "country": "ES",
        "latitude": "36.517220",
        "longitude": "-6.281390",
        "phone": "956 20 51 00",
        "email": "reservas@palafoxhoteles.com",
        "website": "www.palafoxhoteles.com",
        "legal_name": "Hoteles Ñandú S.L.",
        "tax_id": "B58378431",
        "vat_regime": "general",
        "iban": "ES91 2100 0418 4502 0005 1332",
        "bic": "CAIXESBBXXX",
        "account_holder": "Hoteles Ñandú, S.L.",
        "contract_type": "commission",
        "commission_pct": "15",
        "payment_terms": PaymentTermsInput("after_invoice", 30),
        "release_days": 7,
        "cancellation_policy": "Gratis hasta 48 h antes de la llegada.\nDespués, la primera noche.",
        "contacts": [
            HotelContactInput("reservations", "Lucía Pérez", email="reservas@palafoxhoteles.com"),
            HotelContactInput("accounting", "Íñigo Sáez", phone="+34 956 20 51 01"),
        ],
    }
    fields.update(overrides)
    return fields


def a_request(
    raw: Mapping[str, Any] | None = None,
    *,
    request_id: UUID = REQUEST_ID,
    matched_hotel_ref: str | None = None,
) -> SupplierRequest:
    """A request created from ``raw`` (by default every field), its events still pending."""
    details = parse_fields(complete_input() if raw is None else raw, country=None)
    name = details.pop("name")
    return SupplierRequest.create(
        request_id=request_id,
        name=name,
        now=NOW,
        actor=AGENT,
        matched_hotel_ref=matched_hotel_ref,
        **details,
    )


S = SupplierRequestStatus
PATH_TO: dict[SupplierRequestStatus, tuple[str, ...]] = {
    S.READY: (),
    S.SENDING: ("request_send",),
    S.SENT: ("request_send", "mark_sent"),
    S.ACKNOWLEDGED: ("request_send", "mark_sent", "acknowledge"),
    S.REJECTED: ("request_send", "mark_sent", "reject"),
    S.CANCELLED: ("cancel",),
}


def a_request_in(
    status: SupplierRequestStatus, *, request_id: UUID = REQUEST_ID
) -> SupplierRequest:
    """A request taken to ``status`` (a draft lacks its banking data), events cleared."""
    if status is S.DRAFT:
        request = a_request(complete_input(iban=None, bic=None), request_id=request_id)
    else:
        request = a_request(request_id=request_id)
    steps: dict[str, Callable[[], object]] = {
        "request_send": lambda: request.request_send(SUPPLIERS, now=NOW, actor=AGENT),
        "mark_sent": lambda: request.mark_sent(now=NOW, actor="system"),
        "acknowledge": lambda: request.acknowledge("PRV-0042", now=NOW, actor=AGENT),
        "reject": lambda: request.reject("Falta el certificado bancario", now=NOW, actor=AGENT),
        "cancel": lambda: request.cancel(now=NOW, actor=AGENT),
    }
    for step in PATH_TO.get(status, ()):
        steps[step]()
    assert request.status is status
    request.events.clear()
    return request
