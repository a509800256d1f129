"""Supplier requests: asking the Suppliers team to create a hotel as a supplier in Dome.

``/api/v1/supplier-requests`` creates and lists requests; ``/{id}`` reads and edits one;
``/{id}/completeness`` says what is still missing, by section; ``/{id}/send`` e-mails a
complete request to the Suppliers team (through the outbox, hence 202); ``acknowledge``,
``reject`` and ``cancel`` record the answer or withdraw the request.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Response, Router, get, patch, post
from litestar.di import Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter, SkipValidation
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED
from msgspec import UNSET, Meta, Struct, UnsetType

from perla_core.hotels.ports import HotelDirectory
from perla_core.kernel.pagination import MAX_LIMIT, MAX_OFFSET, PageRequest
from perla_core.suppliers import services
from perla_core.suppliers.commands import (
    AcknowledgeSupplierRequest,
    CancelSupplierRequest,
    CreateSupplierRequest,
    HotelContactInput,
    PaymentTermsInput,
    RejectSupplierRequest,
    SendSupplierRequest,
    UpdateSupplierRequest,
)
from perla_core.suppliers.model import Completeness, SupplierRequest, SupplierRequestStatus
from perla_core.suppliers.ports import SupplierRequestQuery
from perla_core.suppliers.values import HotelContact
from perla_entrypoints.container import Container, settings_of
from perla_entrypoints.http.auth import CAN_WRITE
from perla_entrypoints.http.dependencies import ActorDep, ClockDep, IdsDep, NewUow
from perla_entrypoints.http.openapi import ETAG, LOCATION, doc, responses
from perla_entrypoints.http.schemas import StrictBody, Version

SUPPLIER_REQUESTS = "/api/v1/supplier-requests"

DirectoryDep = SkipValidation[HotelDirectory]
"""The hotel directory a request is pre-filled from."""
SuppliersAddress = SkipValidation[str]
"""The Suppliers team's mailbox, from the settings (``suppliers_email``)."""

Percent = Annotated[
    str | int | float,
    Meta(description='A percentage from 0 to 100, two decimals at most, as text: "12.50"'),
]
Degrees = Annotated[str | int | float, Meta(description="WGS 84 degrees, e.g. 40.4168")]
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description="Page size")]
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET, description="Rows to skip")]

# --- requests -------------------------------------------------------------------------------


class ContactIn(StrictBody):
    """A person at the hotel; an e-mail or a phone is needed."""

    role: Annotated[
        str,
        Meta(
            description="reservations, accounting, revenue, general_manager, sales, "
            "front_desk or other"
        ),
    ]
    name: str
    email: str | None = None
    phone: str | None = None

    def to_input(self) -> HotelContactInput:
        return HotelContactInput(role=self.role, name=self.name, email=self.email, phone=self.phone)


class PaymentTermsIn(StrictBody):
    basis: Annotated[str, Meta(description="prepayment, after_check_out, after_invoice or monthly")]
    days: int = 0

    def to_input(self) -> PaymentTermsInput:
        return PaymentTermsInput(basis=self.basis, days=self.days)


def _converted(name: str, value: Any) -> Any:
    if name == "contacts" and value is not None:
        return tuple(c.to_input() for c in value)
    if name == "payment_terms" and value is not None:
        return value.to_input()
    return value


class SupplierRequestIn(StrictBody):
    """A new request from as much as is known about the hotel (only ``name`` is needed)."""

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
    commission_pct: Percent | None = None
    markup_pct: Percent | None = None
    payment_terms: PaymentTermsIn | None = None
    release_days: int | None = None
    cancellation_policy: str | None = None
    contacts: list[ContactIn] = msgspec.field(default_factory=list)
    matched_hotel_ref: str | None = None

    def to_command(self) -> CreateSupplierRequest:
        values = {
            name: _converted(name, value) for name, value in msgspec.structs.asdict(self).items()
        }
        return CreateSupplierRequest(**values)


class SupplierRequestPatch(StrictBody):
    """Changes to a draft, ready or rejected request: an absent key keeps the field, ``null``
    clears it. The latitude and the longitude change together."""

    version: Version
    name: str | UnsetType = UNSET
    chain: str | UnsetType | None = UNSET
    stars: int | UnsetType | None = UNSET
    address: str | UnsetType | None = UNSET
    city: str | UnsetType | None = UNSET
    postal_code: str | UnsetType | None = UNSET
    country: str | UnsetType | None = UNSET
    latitude: Degrees | UnsetType | None = UNSET
    longitude: Degrees | UnsetType | None = UNSET
    phone: str | UnsetType | None = UNSET
    email: str | UnsetType | None = UNSET
    website: str | UnsetType | None = UNSET
    legal_name: str | UnsetType | None = UNSET
    tax_id: str | UnsetType | None = UNSET
    tax_id_country: str | UnsetType | None = UNSET
    vat_regime: str | UnsetType | None = UNSET
    iban: str | UnsetType | None = UNSET
    bic: str | UnsetType | None = UNSET
    account_holder: str | UnsetType | None = UNSET
    contract_type: str | UnsetType | None = UNSET
    commission_pct: Percent | UnsetType | None = UNSET
    markup_pct: Percent | UnsetType | None = UNSET
    payment_terms: PaymentTermsIn | UnsetType | None = UNSET
    release_days: int | UnsetType | None = UNSET
    cancellation_policy: str | UnsetType | None = UNSET
    contacts: list[ContactIn] | UnsetType | None = UNSET

    def to_command(self, request_id: UUID) -> UpdateSupplierRequest:
        changes = {
            name: _converted(name, value)
            for name, value in msgspec.structs.asdict(self).items()
            if name != "version" and value is not UNSET
        }
        return UpdateSupplierRequest(
            request_id=request_id, expected_version=self.version, **changes
        )


class PrefillIn(StrictBody):
    hotel_ref: Annotated[
        str, Meta(description="The hotel-directory record to fill from (a confident match)")
    ]
    version: Version | None = None


class PrefillOut(Struct, kw_only=True):
    """What the directory's record filled, what the request already had (kept), what did
    not validate (refused, by field) and what a request has no field for (ignored)."""

    filled: list[str]
    kept: list[str]
    refused: dict[str, str]
    ignored: list[str]
    request: SupplierRequestOut


class VersionIn(StrictBody):
    version: Version | None = None


class AcknowledgeIn(StrictBody):
    dome_supplier_code: Annotated[
        str | None, Meta(description="The code the Suppliers team created the hotel under")
    ] = None
    version: Version | None = None


class RejectIn(StrictBody):
    reason: Annotated[str | None, Meta(description="Why the Suppliers team refused it")] = None
    version: Version | None = None


class CancelIn(StrictBody):
    reason: str | None = None
    version: Version | None = None


# --- responses ------------------------------------------------------------------------------


class TaxIdOut(Struct, kw_only=True):
    country: str
    number: str


class ContactOut(Struct, kw_only=True):
    role: str
    name: str
    email: str | None
    phone: str | None

    @classmethod
    def of(cls, contact: HotelContact) -> ContactOut:
        return cls(
            role=contact.role.value,
            name=contact.name,
            email=None if contact.email is None else contact.email.value,
            phone=None if contact.phone is None else contact.phone.e164,
        )


class PaymentTermsOut(Struct, kw_only=True):
    basis: str
    days: int


class ObservationOut(Struct, kw_only=True):
    code: str
    field: str
    message: str


Missing = Annotated[dict[str, list[str]], Meta(description="Missing fields by section")]


class SupplierRequestOut(Struct, kw_only=True):
    """A supplier request as stored, with what it still lacks and what may be done next."""

    id: UUID
    reference: str
    version: int
    status: SupplierRequestStatus
    name: str
    chain: str | None
    stars: int | None
    address: str | None
    city: str | None
    postal_code: str | None
    country: str | None
    latitude: Decimal | None
    longitude: Decimal | None
    phone: str | None
    email: str | None
    website: str | None
    legal_name: str | None
    tax_id: TaxIdOut | None
    vat_regime: str | None
    iban: Annotated[str | None, Meta(description="In groups of four")]
    bic: str | None
    account_holder: str | None
    contract_type: str | None
    commission_pct: Decimal | None
    markup_pct: Decimal | None
    payment_terms: PaymentTermsOut | None
    release_days: int | None
    cancellation_policy: str | None
    contacts: list[ContactOut]
    matched_hotel_ref: str | None
    created_at: datetime
    created_by: str
    updated_at: datetime
    message_id: str
    suppliers_address: str | None
    send_count: int
    send_requested_at: datetime | None
    send_requested_by: str | None
    sent_at: datetime | None
    dome_supplier_code: str | None
    acknowledged_at: datetime | None
    rejection_reason: str | None
    rejected_at: datetime | None
    cancellation_reason: str | None
    cancelled_at: datetime | None
    allowed_actions: list[str]
    missing: Missing

    @classmethod
    def of(cls, r: SupplierRequest) -> SupplierRequestOut:
        coordinates, terms = r.coordinates, r.payment_terms
        return cls(
            id=r.id,
            reference=r.reference,
            version=r.version,
            status=r.status,
            name=r.name,
            chain=r.chain,
            stars=r.stars,
            address=r.address,
            city=r.city,
            postal_code=r.postal_code,
            country=r.country,
            latitude=None if coordinates is None else coordinates.latitude,
            longitude=None if coordinates is None else coordinates.longitude,
            phone=None if r.phone is None else r.phone.e164,
            email=None if r.email is None else r.email.value,
            website=r.website,
            legal_name=r.legal_name,
            tax_id=None if r.tax_id is None else TaxIdOut(**_tax(r)),
            vat_regime=None if r.vat_regime is None else r.vat_regime.value,
            iban=None if r.iban is None else r.iban.display,
            bic=None if r.bic is None else r.bic.value,
            account_holder=r.account_holder,
            contract_type=None if r.contract_type is None else r.contract_type.value,
            commission_pct=r.commission_pct,
            markup_pct=r.markup_pct,
            payment_terms=None
            if terms is None
            else PaymentTermsOut(basis=terms.basis.value, days=terms.days),
            release_days=r.release_days,
            cancellation_policy=r.cancellation_policy,
            contacts=[ContactOut.of(c) for c in r.contacts],
            matched_hotel_ref=r.matched_hotel_ref,
            created_at=r.created_at,
            created_by=r.created_by,
            updated_at=r.updated_at,
            message_id=r.message_id,
            suppliers_address=r.suppliers_address,
            send_count=r.send_count,
            send_requested_at=r.send_requested_at,
            send_requested_by=r.send_requested_by,
            sent_at=r.sent_at,
            dome_supplier_code=r.dome_supplier_code,
            acknowledged_at=r.acknowledged_at,
            rejection_reason=r.rejection_reason,
            rejected_at=r.rejected_at,
            cancellation_reason=r.cancellation_reason,
            cancelled_at=r.cancelled_at,
            allowed_actions=r.allowed_actions(),
            missing={s.value: list(f) for s, f in r.missing().items()},
        )


def _tax(r: SupplierRequest) -> dict[str, str]:
    assert r.tax_id is not None
    return {"country": r.tax_id.country, "number": r.tax_id.number}


class SupplierRequestPage(Struct, kw_only=True):
    items: list[SupplierRequestOut]
    total: int
    limit: int
    offset: int


class CompletenessOut(Struct, kw_only=True):
    """What the Suppliers team still needs, by section, and what they should double-check."""

    request_id: UUID
    status: SupplierRequestStatus
    complete: bool
    missing: Missing
    observations: list[ObservationOut]

    @classmethod
    def of(cls, c: Completeness) -> CompletenessOut:
        return cls(
            request_id=c.request_id,
            status=c.status,
            complete=c.complete,
            missing={s.value: list(f) for s, f in c.missing.items()},
            observations=[
                ObservationOut(code=o.code, field=o.field, message=o.message)
                for o in c.observations
            ],
        )


# --- routes ---------------------------------------------------------------------------------


def request_response(
    request: SupplierRequest, status: int = HTTP_200_OK, location: str | None = None
) -> Response[SupplierRequestOut]:
    headers = {"ETag": f'"{request.version}"'}
    if location is not None:
        headers["Location"] = location
    return Response(SupplierRequestOut.of(request), status_code=status, headers=headers)


WRITE_RESPONSES = responses(400, 401, 403, 404, 409, 413, 422)


class SupplierRequestController(Controller):
    path = SUPPLIER_REQUESTS
    tags = ["supplier-requests"]

    @post(
        "/",
        operation_id="createSupplierRequest",
        summary="Start a request to create a hotel as a supplier in Dome",
        description=doc(services.create_supplier_request),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        response_headers=[ETAG, LOCATION],
        responses=responses(400, 401, 403, 409, 413, 422),
    )
    def create_supplier_request(
        self,
        data: JSONBody[SupplierRequestIn],
        uows: NewUow,
        clock: ClockDep,
        ids: IdsDep,
        actor: ActorDep,
        directory: DirectoryDep,
    ) -> Response[SupplierRequestOut]:
        request_id = services.create_supplier_request(
            data.to_command(), uows(), clock, ids, actor, directory
        )
        request = services.get_supplier_request(request_id, uows(), actor)
        return request_response(request, HTTP_201_CREATED, f"{SUPPLIER_REQUESTS}/{request_id}")

    @get(
        "/",
        operation_id="listSupplierRequests",
        summary="List supplier requests",
        description=doc(services.list_supplier_requests),
        sync_to_thread=True,
        responses=responses(400, 401),
    )
    def list_supplier_requests(
        self,
        uows: NewUow,
        actor: ActorDep,
        status: FromQuery[SupplierRequestStatus | None] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> SupplierRequestPage:
        query = SupplierRequestQuery(status=status, page=PageRequest(limit=limit, offset=offset))
        page = services.list_supplier_requests(query, uows(), actor)
        return SupplierRequestPage(
            items=[SupplierRequestOut.of(r) for r in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )

    @get(
        "/{request_id:uuid}",
        operation_id="getSupplierRequest",
        summary="Get a supplier request",
        description=doc(services.get_supplier_request),
        sync_to_thread=True,
        response_headers=[ETAG],
        responses=responses(401, 404),
    )
    def get_supplier_request(
        self, request_id: FromPath[UUID], uows: NewUow, actor: ActorDep
    ) -> Response[SupplierRequestOut]:
        return request_response(services.get_supplier_request(request_id, uows(), actor))

    @patch(
        "/{request_id:uuid}",
        operation_id="updateSupplierRequest",
        summary="Edit a draft, ready or rejected supplier request",
        description=doc(services.update_supplier_request),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def update_supplier_request(
        self,
        request_id: FromPath[UUID],
        data: JSONBody[SupplierRequestPatch],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
    ) -> Response[SupplierRequestOut]:
        services.update_supplier_request(data.to_command(request_id), uows(), clock, actor)
        return request_response(services.get_supplier_request(request_id, uows(), actor))

    @get(
        "/{request_id:uuid}/completeness",
        operation_id="getSupplierRequestCompleteness",
        summary="What a supplier request still lacks, by section",
        description=doc(services.supplier_request_completeness),
        sync_to_thread=True,
        responses=responses(401, 404),
    )
    def completeness(
        self, request_id: FromPath[UUID], uows: NewUow, actor: ActorDep
    ) -> CompletenessOut:
        found = services.supplier_request_completeness(request_id, uows(), actor)
        return CompletenessOut.of(found)

    @post(
        "/{request_id:uuid}/prefill",
        operation_id="prefillSupplierRequest",
        summary="Fill a request's empty fields from a hotel-directory record",
        description=doc(services.prefill_supplier_request_from_hotel),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def prefill_supplier_request(
        self,
        request_id: FromPath[UUID],
        data: JSONBody[PrefillIn],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        directory: DirectoryDep,
    ) -> Response[PrefillOut]:
        outcome = services.prefill_supplier_request_from_hotel(
            request_id, data.hotel_ref, directory, uows(), clock, actor, data.version
        )
        request = services.get_supplier_request(request_id, uows(), actor)
        body = PrefillOut(
            filled=list(outcome.filled),
            kept=list(outcome.kept),
            refused=dict(outcome.invalid),
            ignored=list(outcome.ignored),
            request=SupplierRequestOut.of(request),
        )
        return Response(body, headers={"ETag": f'"{request.version}"'})

    @post(
        "/{request_id:uuid}/send",
        operation_id="sendSupplierRequest",
        summary="E-mail a complete supplier request to the Suppliers team",
        description=doc(services.send_supplier_request),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_202_ACCEPTED,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def send_supplier_request(
        self,
        request_id: FromPath[UUID],
        uows: NewUow,
        clock: ClockDep,
        suppliers_address: SuppliersAddress,
        actor: ActorDep,
        data: JSONBody[VersionIn | None] = None,
    ) -> Response[SupplierRequestOut]:
        command = SendSupplierRequest(
            request_id=request_id, expected_version=None if data is None else data.version
        )
        services.send_supplier_request(
            command,
            uows(),
            clock,
            actor,
            suppliers_address=suppliers_address,
        )
        request = services.get_supplier_request(request_id, uows(), actor)
        return request_response(request, HTTP_202_ACCEPTED)

    @post(
        "/{request_id:uuid}/acknowledge",
        operation_id="acknowledgeSupplierRequest",
        summary="Record the Dome supplier code the hotel was created under",
        description=doc(services.acknowledge_supplier_request),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def acknowledge_supplier_request(
        self,
        request_id: FromPath[UUID],
        data: JSONBody[AcknowledgeIn],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
    ) -> Response[SupplierRequestOut]:
        command = AcknowledgeSupplierRequest(
            request_id=request_id,
            dome_supplier_code=data.dome_supplier_code or "",
            expected_version=data.version,
        )
        services.acknowledge_supplier_request(command, uows(), clock, actor)
        return request_response(services.get_supplier_request(request_id, uows(), actor))

    @post(
        "/{request_id:uuid}/reject",
        operation_id="rejectSupplierRequest",
        summary="Record that the Suppliers team refused the request, and why",
        description=doc(services.reject_supplier_request),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def reject_supplier_request(
        self,
        request_id: FromPath[UUID],
        data: JSONBody[RejectIn],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
    ) -> Response[SupplierRequestOut]:
        command = RejectSupplierRequest(
            request_id=request_id, reason=data.reason or "", expected_version=data.version
        )
        services.reject_supplier_request(command, uows(), clock, actor)
        return request_response(services.get_supplier_request(request_id, uows(), actor))

    @post(
        "/{request_id:uuid}/cancel",
        operation_id="cancelSupplierRequest",
        summary="Withdraw a supplier request not yet acknowledged",
        description=doc(services.cancel_supplier_request),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def cancel_supplier_request(
        self,
        request_id: FromPath[UUID],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        data: JSONBody[CancelIn | None] = None,
    ) -> Response[SupplierRequestOut]:
        body = data or CancelIn()
        command = CancelSupplierRequest(
            request_id=request_id, reason=body.reason, expected_version=body.version
        )
        services.cancel_supplier_request(command, uows(), clock, actor)
        return request_response(services.get_supplier_request(request_id, uows(), actor))


def supplier_requests(container: Container) -> Router:
    """The controller, with the Suppliers team's address from the container's settings."""
    address = settings_of(container).suppliers_email

    def provide_suppliers_address() -> str:
        return address

    def provide_directory() -> HotelDirectory:
        directory: HotelDirectory = container.hotel_directory()
        return directory

    return Router(
        path="/",
        route_handlers=[SupplierRequestController],
        dependencies={
            "suppliers_address": Provide(provide_suppliers_address, sync_to_thread=False),
            "directory": Provide(provide_directory, sync_to_thread=False),
        },
    )
