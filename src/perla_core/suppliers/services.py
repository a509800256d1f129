"""Use cases of the suppliers area. Each opens one unit of work and returns primitives, a
frozen result or the aggregate it read; none builds an adapter or sends anything.

Every write takes the acting :class:`Actor` and checks its role first. The e-mail itself goes
through the outbox: :func:`send_supplier_request` records the intent, the outbox handler
renders it (:func:`supplier_email_to_send`), hands it to the Mailer and reports back with
:func:`mark_supplier_request_sent`.
"""

from __future__ import annotations

from uuid import UUID

import attrs

from perla_core.access.model import Actor, Permission
from perla_core.hotels.ports import HotelDirectory
from perla_core.hotels.services import prefill_fields
from perla_core.kernel.errors import AlreadyExists, InvalidValue, StaleVersion
from perla_core.kernel.pagination import Page
from perla_core.kernel.ports import Clock, IdGenerator
from perla_core.suppliers.commands import (
    AcknowledgeSupplierRequest,
    CancelSupplierRequest,
    CreateSupplierRequest,
    MarkSupplierRequestSent,
    PrefillSupplierRequest,
    RejectSupplierRequest,
    SendSupplierRequest,
    UpdateSupplierRequest,
)
from perla_core.suppliers.email import SupplierEmailContent, render_supplier_email
from perla_core.suppliers.fields import parse_fields
from perla_core.suppliers.model import (
    Completeness,
    Prefill,
    SupplierRequest,
    SupplierRequestStatus,
)
from perla_core.suppliers.ports import SupplierRequestQuery, SupplierUnitOfWork

DEFAULT_SUPPLIERS_ADDRESS = "suppliers@perlatours.com"
"""The Suppliers team's mailbox in the seed; configuration passes the real one."""


def create_supplier_request(
    command: CreateSupplierRequest,
    uow: SupplierUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    actor: Actor,
    directory: HotelDirectory | None = None,
) -> UUID:
    """Start a request from a partial description of the hotel; returns its id. With a
    ``matched_hotel_ref``, the directory entry's ``prefill`` fields fill what the command left
    empty (read from ``directory`` when the command brings none), and a second open request
    for the same hotel is refused."""
    actor.require(Permission.WRITE_COMMERCIAL)
    if command.matched_hotel_ref and not command.prefill and directory is not None:
        command = attrs.evolve(
            command, prefill=_directory_fields(directory, command.matched_hotel_ref)
        )
    details = parse_fields(command.fields(), country=None)
    name = details.pop("name")
    now = clock.now()
    with uow:
        request = SupplierRequest.create(
            request_id=ids.new_id(),
            name=name,
            now=now,
            actor=actor.name,
            matched_hotel_ref=command.matched_hotel_ref,
            **details,
        )
        if request.matched_hotel_ref is not None:
            _refuse_duplicate(uow, request.matched_hotel_ref, request.id)
        if command.prefill:
            request.prefill_from(command.prefill, now=now, actor=actor.name)
        uow.supplier_requests.add(request)
        uow.commit()
    return request.id


def update_supplier_request(
    command: UpdateSupplierRequest, uow: SupplierUnitOfWork, clock: Clock, actor: Actor
) -> int:
    """Change a draft, ready or rejected request; returns the version (unchanged when nothing
    changed). It becomes ready once complete, draft again if an edit empties a needed field."""
    actor.require(Permission.WRITE_COMMERCIAL)
    raw = command.changes()
    with uow:
        request = _load(uow, command.request_id, command.expected_version)
        changes = parse_fields(raw, country=request.country)
        request.change_details(changes, now=clock.now(), actor=actor.name)
        if not request.events:
            return request.version
        uow.supplier_requests.save(request)
        uow.commit()
        return request.version


def prefill_supplier_request(
    command: PrefillSupplierRequest, uow: SupplierUnitOfWork, clock: Clock, actor: Actor
) -> Prefill:
    """Fill a request's empty fields from a confident hotel-directory match; says what was
    filled, kept, refused and ignored. Nothing already on the request is overwritten."""
    actor.require(Permission.WRITE_COMMERCIAL)
    with uow:
        request = _load(uow, command.request_id, command.expected_version)
        outcome = request.prefill_from(
            command.fields, now=clock.now(), actor=actor.name, hotel_ref=command.hotel_ref
        )
        if "matched_hotel_ref" in outcome.filled:
            assert request.matched_hotel_ref is not None
            _refuse_duplicate(uow, request.matched_hotel_ref, request.id)
        if outcome.filled:
            uow.supplier_requests.save(request)
            uow.commit()
        return outcome


def prefill_supplier_request_from_hotel(
    request_id: UUID,
    hotel_ref: str,
    directory: HotelDirectory,
    uow: SupplierUnitOfWork,
    clock: Clock,
    actor: Actor,
    expected_version: int | None = None,
) -> Prefill:
    """Fill a request's empty fields from the directory's record ``hotel_ref`` (usually the
    confident match of its hotel) and link the request to it."""
    actor.require(Permission.WRITE_COMMERCIAL)
    fields = _directory_fields(directory, hotel_ref, field="hotel_ref")
    command = PrefillSupplierRequest(
        request_id=request_id,
        fields=fields,
        hotel_ref=hotel_ref,
        expected_version=expected_version,
    )
    return prefill_supplier_request(command, uow, clock, actor)


def _directory_fields(
    directory: HotelDirectory, ref: str, *, field: str = "matched_hotel_ref"
) -> dict[str, object]:
    record = directory.get(ref.strip())
    if record is None:
        raise InvalidValue(f"no hotel {ref!r} in the hotel directory", field=field)
    return prefill_fields(record)


def supplier_request_completeness(
    request_id: UUID, uow: SupplierUnitOfWork, actor: Actor
) -> Completeness:
    """What the Suppliers team still needs, by section, and the observations they will read."""
    actor.require(Permission.READ)
    with uow:
        return uow.supplier_requests.get(request_id).completeness()


def send_supplier_request(
    command: SendSupplierRequest,
    uow: SupplierUnitOfWork,
    clock: Clock,
    actor: Actor,
    *,
    suppliers_address: str = DEFAULT_SUPPLIERS_ADDRESS,
) -> int:
    """E-mail a complete request to the Suppliers team at ``suppliers_address``; returns the
    new version. The request is *sending* until the outbox handler reports the e-mail left;
    an incomplete one is refused with what is missing, by section. A sent or rejected request
    may be sent again, with the same Message-ID."""
    actor.require(Permission.WRITE_COMMERCIAL)
    with uow:
        request = _load(uow, command.request_id, command.expected_version)
        request.request_send(suppliers_address, now=clock.now(), actor=actor.name)
        uow.supplier_requests.save(request)
        uow.commit()
        return request.version


def supplier_email_to_send(
    request_id: UUID, uow: SupplierUnitOfWork, actor: Actor
) -> SupplierEmailContent | None:
    """The e-mail the outbox handler should send now, or ``None`` when the request no longer
    waits for one (already sent, cancelled, acknowledged or rejected meanwhile)."""
    actor.require(Permission.READ)
    with uow:
        request = uow.supplier_requests.get(request_id)
    return render_supplier_email(request) if request.awaiting_delivery else None


def mark_supplier_request_sent(
    command: MarkSupplierRequestSent, uow: SupplierUnitOfWork, clock: Clock, actor: Actor
) -> bool:
    """The outbox handler's report that the e-mail left; returns whether it changed the
    request (a redelivered report, or one for an overtaken send, changes nothing)."""
    actor.require(Permission.WRITE_COMMERCIAL)
    with uow:
        request = uow.supplier_requests.get(command.request_id)
        changed = request.mark_sent(
            now=clock.now(), actor=actor.name, send_number=command.send_number
        )
        if changed:
            uow.supplier_requests.save(request)
            uow.commit()
        return changed


def acknowledge_supplier_request(
    command: AcknowledgeSupplierRequest, uow: SupplierUnitOfWork, clock: Clock, actor: Actor
) -> int:
    """Record the Dome supplier code the Suppliers team created the hotel under; returns the
    version. The same code again changes nothing."""
    actor.require(Permission.WRITE_COMMERCIAL)
    with uow:
        request = _load(uow, command.request_id, command.expected_version)
        if request.acknowledge(command.dome_supplier_code, now=clock.now(), actor=actor.name):
            uow.supplier_requests.save(request)
            uow.commit()
        return request.version


def reject_supplier_request(
    command: RejectSupplierRequest, uow: SupplierUnitOfWork, clock: Clock, actor: Actor
) -> int:
    """Record that the Suppliers team cannot create the supplier as sent, and why; returns the
    new version. The request can then be corrected and sent again."""
    actor.require(Permission.WRITE_COMMERCIAL)
    with uow:
        request = _load(uow, command.request_id, command.expected_version)
        request.reject(command.reason, now=clock.now(), actor=actor.name)
        uow.supplier_requests.save(request)
        uow.commit()
        return request.version


def cancel_supplier_request(
    command: CancelSupplierRequest, uow: SupplierUnitOfWork, clock: Clock, actor: Actor
) -> int:
    """Withdraw a request not yet acknowledged; returns the new version."""
    actor.require(Permission.WRITE_COMMERCIAL)
    with uow:
        request = _load(uow, command.request_id, command.expected_version)
        request.cancel(now=clock.now(), actor=actor.name, reason=command.reason)
        uow.supplier_requests.save(request)
        uow.commit()
        return request.version


def get_supplier_request(
    request_id: UUID, uow: SupplierUnitOfWork, actor: Actor
) -> SupplierRequest:
    """One supplier request by id; raises :class:`NotFound`."""
    actor.require(Permission.READ)
    with uow:
        return uow.supplier_requests.get(request_id)


def list_supplier_requests(
    query: SupplierRequestQuery, uow: SupplierUnitOfWork, actor: Actor
) -> Page[SupplierRequest]:
    """Supplier requests in a status (or all), newest first, a page at a time."""
    actor.require(Permission.READ)
    with uow:
        return uow.supplier_requests.list(query)


def _load(
    uow: SupplierUnitOfWork, request_id: UUID, expected_version: int | None
) -> SupplierRequest:
    request = uow.supplier_requests.get(request_id)
    if expected_version is not None and expected_version != request.version:
        raise StaleVersion("supplier request", request_id, expected_version, request.version)
    return request


def _refuse_duplicate(uow: SupplierUnitOfWork, hotel_ref: str, own_id: UUID) -> None:
    """One live request per directory hotel: a second would create the supplier twice."""
    for other in uow.supplier_requests.for_hotel(hotel_ref):
        if other.id != own_id and other.status is not SupplierRequestStatus.CANCELLED:
            raise AlreadyExists(
                f"hotel {hotel_ref} already has supplier request {other.reference} "
                f"({other.status})",
                field="matched_hotel_ref",
                existing_id=str(other.id),
            )
