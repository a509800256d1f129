"""The administrative registration ("alta administrativa"): Dome first, then PerlaHub.

These are outbox handlers: they run after the command that asked for them committed, call the
other system outside any transaction, and record the answer in a new unit of work. Every create
carries an idempotency key derived from the client id, so a retry (a redelivered message, an
agent's "retry", a crash between the call and the record) never creates a second customer or
agency. A refusal (bad data, a duplicate in the other system) is recorded on the client and
waits for an agent; an outage is recorded too and raised, so the outbox retries with backoff.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from perla_core.access.model import SYSTEM
from perla_core.gateways import (
    BenchmarkAccessRequest,
    DomeAddress,
    DomeContact,
    DomeCustomerRequest,
    DomeGateway,
    ExternalError,
    ExternalUnavailable,
    PerlaHubAgencyRequest,
    PerlaHubGateway,
    idempotency_key,
)
from perla_core.kernel.errors import StaleVersion
from perla_core.kernel.ports import Clock
from perla_core.onboarding.model import Client, ClientStatus, LeadStatus
from perla_core.uow import UnitOfWork

T = TypeVar("T")
ACTOR = SYSTEM.name


def register_in_dome(client_id: UUID, uow: UnitOfWork, dome: DomeGateway, clock: Clock) -> None:
    """Create the client as a Dome customer, unless it already is one."""
    with uow:
        client = uow.clients.get(client_id)
    if client.client_status is not ClientStatus.PENDING_REGISTRATION or client.dome_customer_code:
        return
    request = dome_request(client)
    customer = _call(
        "dome",
        client_id,
        uow,
        clock,
        lambda: dome.create_customer(request, idempotency_key("dome.create_customer", client_id)),
    )
    if customer is None:
        return
    code = customer.code
    _record(
        uow, client_id, lambda c: c.record_dome_registration(code, now=clock.now(), actor=ACTOR)
    )


def register_in_perlahub(
    client_id: UUID, uow: UnitOfWork, perlahub: PerlaHubGateway, clock: Clock
) -> None:
    """Create the client's agency in PerlaHub once Dome has it, unless it already exists."""
    with uow:
        client = uow.clients.get(client_id)
    if client.client_status is not ClientStatus.REGISTERED_IN_DOME or client.perlahub_agency_id:
        return
    request = agency_request(client)
    agency = _call(
        "perlahub",
        client_id,
        uow,
        clock,
        lambda: perlahub.create_agency(
            request, idempotency_key("perlahub.create_agency", client_id)
        ),
    )
    if agency is None:
        return
    agency_id = agency.agency_id
    _record(
        uow,
        client_id,
        lambda c: c.record_perlahub_registration(agency_id, now=clock.now(), actor=ACTOR),
    )


def open_benchmark_access(
    client_id: UUID, uow: UnitOfWork, perlahub: PerlaHubGateway, clock: Clock
) -> None:
    """Open the lead's benchmark login in PerlaHub (once per granted period)."""
    with uow:
        lead = uow.clients.get(client_id)
    until = lead.benchmark_access_until
    if (
        lead.lead_status is not LeadStatus.BENCHMARK_ACCESS
        or until is None
        or lead.benchmark_access_id
    ):
        return
    contact = lead.contacts[0] if lead.contacts else None
    email = contact.email if contact and contact.email else lead.email
    request = BenchmarkAccessRequest(
        external_ref=str(lead.id),
        agency_name=lead.trade_name,
        contact_name=contact.name if contact else lead.trade_name,
        email=str(email),
        expires_at=until,
        products=lead.onboarding.products or ("hotels",),
        markets=lead.markets,
    )
    key = idempotency_key("perlahub.benchmark", client_id, until.isoformat())
    access = _call(
        "perlahub", client_id, uow, clock, lambda: perlahub.grant_benchmark_access(request, key)
    )
    if access is None:
        return
    opened = access
    _record(
        uow,
        client_id,
        lambda c: c.record_benchmark_access(
            opened.access_id, opened.login, opened.expires_at, now=clock.now(), actor=ACTOR
        ),
    )


def dome_request(client: Client) -> DomeCustomerRequest:
    billing = client.billing_address
    assert client.legal_name
    assert client.tax_id
    assert client.email
    assert billing
    return DomeCustomerRequest(
        external_ref=str(client.id),
        legal_name=client.legal_name,
        trade_name=client.trade_name,
        tax_id=client.tax_id.number,
        tax_country=client.tax_id.country,
        country=client.country,
        email=str(client.email),
        billing_address=DomeAddress(
            line1=billing.line1,
            city=billing.city,
            postal_code=billing.postal_code,
            country=billing.country,
            line2=billing.line2,
            region=billing.region,
        ),
        business_type=(client.business_type or "other").__str__(),
        phone=str(client.phone) if client.phone else None,
        currency=(client.onboarding.currencies or ("EUR",))[0],
        contacts=tuple(
            DomeContact(
                c.role.value,
                c.name,
                str(c.email) if c.email else None,
                str(c.phone) if c.phone else None,
            )
            for c in client.contacts
        ),
    )


def agency_request(client: Client) -> PerlaHubAgencyRequest:
    assert client.dome_customer_code
    assert client.legal_name
    assert client.tax_id
    assert client.email
    return PerlaHubAgencyRequest(
        external_ref=str(client.id),
        dome_customer_code=client.dome_customer_code,
        legal_name=client.legal_name,
        trade_name=client.trade_name,
        tax_id=client.tax_id.number,
        country=client.country,
        email=str(client.email),
        business_type=(client.business_type or "other").__str__(),
        phone=str(client.phone) if client.phone else None,
        markets=client.onboarding.markets or client.markets,
        currencies=client.onboarding.currencies or ("EUR",),
    )


def _call(
    system: str, client_id: UUID, uow: UnitOfWork, clock: Clock, call: Callable[[], T]
) -> T | None:
    """The answer; ``None`` when the system refused (recorded, waits for an agent); an
    outage or a garbled answer is recorded and raised, for the outbox to retry."""
    try:
        return call()
    except ExternalError as exc:
        retryable = isinstance(exc, ExternalUnavailable) or exc.code == "external_protocol_error"
        error = str(exc)
        _record(
            uow,
            client_id,
            lambda c: c.record_registration_failure(
                system, error, retryable=retryable, now=clock.now(), actor=ACTOR
            ),
        )
        if retryable:
            raise
        return None


def _record(uow: UnitOfWork, client_id: UUID, apply: Callable[[Client], None]) -> None:
    for _ in range(3):  # an agent may be editing the record meanwhile: reload and reapply
        try:
            with uow:
                client = uow.clients.get(client_id)
                apply(client)
                if client.events:
                    uow.clients.save(client)
                uow.commit()
            return
        except StaleVersion:
            continue
    raise StaleVersion("client", client_id, -1, None)
