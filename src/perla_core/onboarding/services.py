"""Use cases of the onboarding area. Each opens one unit of work and returns primitives or
the aggregate it read; none builds an adapter.

Every write takes the acting :class:`Actor` and checks its role first, so the same rules hold
for HTTP, the CLI and the assistant.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID

import attrs

from perla_core.access.model import Actor, Permission
from perla_core.credentials.golive import DEFAULT_MAX_TEST_AGE, Checklist
from perla_core.credentials.golive import golive_checklist as build_checklist
from perla_core.credentials.model import Credential, parse_products
from perla_core.kernel.errors import AlreadyExists, InvalidValue, StaleVersion
from perla_core.kernel.pagination import Page
from perla_core.kernel.ports import Clock, IdGenerator
from perla_core.onboarding.commands import (
    LEAD_ACTIONS,
    AdvanceClient,
    AdvanceLead,
    ConvertLead,
    GoLive,
    GrantBenchmarkAccess,
    RecordTechnicalValidation,
    RegisterLead,
    RetryRegistration,
    UpdateDetails,
    parse_details,
)
from perla_core.onboarding.model import CLIENT_TRANSITIONS, GUARDED_CLIENT_ACTIONS, Client
from perla_core.onboarding.ports import ClientQuery
from perla_core.uow import UnitOfWork


def register_lead(
    command: RegisterLead, uow: UnitOfWork, clock: Clock, ids: IdGenerator, actor: Actor
) -> UUID:
    """Record a new lead; returns its id. A tax id already on file is refused."""
    actor.require(Permission.WRITE_COMMERCIAL)
    raw = attrs.asdict(command, recurse=False)
    details = parse_details(raw)
    trade_name = details.pop("trade_name")
    country = details.pop("country")
    with uow:
        if details.get("tax_id") is not None:
            _refuse_duplicate_tax_id(uow, details["tax_id"], None)
        lead = Client.register_lead(
            client_id=ids.new_id(),
            trade_name=trade_name,
            country=country,
            now=clock.now(),
            actor=actor.name,
            **details,
        )
        uow.clients.add(lead)
        uow.commit()
    return lead.id


def update_details(command: UpdateDetails, uow: UnitOfWork, clock: Clock, actor: Actor) -> int:
    """Edit a lead's or client's record; returns the new version."""
    actor.require(Permission.WRITE_COMMERCIAL)
    raw = command.changes()
    with uow:
        client = _load(uow, command.client_id, command.expected_version)
        changes = parse_details(raw, country_hint=client.country)
        if (
            "country" in changes
            and "tax_id" not in changes
            and client.tax_id is not None
            and changes["country"] != client.country
        ):
            raise InvalidValue(
                "changing the country needs the tax id of the new country", field="tax_id"
            )
        if changes.get("tax_id") is not None:
            _refuse_duplicate_tax_id(uow, changes["tax_id"], client.id)
        client.change_details(changes, now=clock.now(), actor=actor.name)
        if not client.events:
            return client.version  # nothing changed: no new version, nothing to audit
        uow.clients.save(client)
        uow.commit()
        return client.version


def advance_lead(command: AdvanceLead, uow: UnitOfWork, clock: Clock, actor: Actor) -> int:
    """Move a lead along its pipeline; returns the new version."""
    actor.require(Permission.WRITE_COMMERCIAL)
    if command.action not in LEAD_ACTIONS:
        raise InvalidValue(
            f"{command.action!r} is not a lead action (one of: {', '.join(LEAD_ACTIONS)})",
            field="action",
        )
    with uow:
        lead = _load(uow, command.client_id, command.expected_version)
        now = clock.now()
        if command.action == "mark_lost":
            lead.mark_lost(command.reason or "", now=now, actor=actor.name)
        else:
            getattr(lead, command.action)(now=now, actor=actor.name)
        uow.clients.save(lead)
        uow.commit()
        return lead.version


def convert_lead(command: ConvertLead, uow: UnitOfWork, clock: Clock, actor: Actor) -> int:
    """Make a lead a client, refused while the record lacks what Dome needs; returns the
    new version. The ``LeadConverted`` event starts the administrative registration."""
    actor.require(Permission.WRITE_COMMERCIAL)
    with uow:
        lead = _load(uow, command.client_id, command.expected_version)
        lead.convert(now=clock.now(), actor=actor.name)
        uow.clients.save(lead)
        uow.commit()
        return lead.version


def advance_client(command: AdvanceClient, uow: UnitOfWork, clock: Clock, actor: Actor) -> int:
    """Take a client lifecycle step (validate the record, start onboarding, dormant,
    reactivate, churn); returns the new version. Registration in Dome and PerlaHub follows
    conversion by itself, and going live has its own checklist (``go_live``)."""
    actor.require(Permission.WRITE_COMMERCIAL)
    manual = [a for a in CLIENT_TRANSITIONS if a not in GUARDED_CLIENT_ACTIONS]
    if command.action in GUARDED_CLIENT_ACTIONS:
        how = (
            "use go-live, which checks the checklist"
            if command.action == "go_live"
            else "the registration runs after conversion; retry it if it failed"
        )
        raise InvalidValue(f"{command.action!r} is not taken by hand: {how}", field="action")
    if command.action not in CLIENT_TRANSITIONS:
        raise InvalidValue(
            f"{command.action!r} is not a client action (one of: {', '.join(manual)})",
            field="action",
        )
    with uow:
        client = _load(uow, command.client_id, command.expected_version)
        if command.action == "validate_record":
            client.validate_record(now=clock.now(), actor=actor.name)
        else:
            client.advance(command.action, now=clock.now(), actor=actor.name, reason=command.reason)
        uow.clients.save(client)
        uow.commit()
        return client.version


def grant_benchmark_access(
    command: GrantBenchmarkAccess, uow: UnitOfWork, clock: Clock, actor: Actor
) -> int:
    """Give a lead a limited, expiring login to PerlaHub to compare prices; PerlaHub opens it
    through the outbox. Returns the new version."""
    actor.require(Permission.WRITE_COMMERCIAL)
    products = tuple(p.value for p in parse_products(command.products))
    with uow:
        lead = _load(uow, command.client_id, command.expected_version)
        lead.grant_benchmark_access(
            now=clock.now(), actor=actor.name, until=command.until, products=products
        )
        uow.clients.save(lead)
        uow.commit()
        return lead.version


def retry_registration(
    command: RetryRegistration, uow: UnitOfWork, clock: Clock, actor: Actor
) -> int:
    """Ask again for the Dome/PerlaHub registration steps still missing; returns the new
    version. Idempotency keys make a retry safe even if the first attempt got through."""
    actor.require(Permission.WRITE_COMMERCIAL)
    with uow:
        client = _load(uow, command.client_id, command.expected_version)
        client.request_registration(now=clock.now(), actor=actor.name)
        uow.clients.save(client)
        uow.commit()
        return client.version


def record_technical_validation(
    command: RecordTechnicalValidation, uow: UnitOfWork, clock: Clock, actor: Actor
) -> int:
    """Record a technical validation's result (one of the go-live checks)."""
    actor.require(Permission.WRITE_COMMERCIAL)
    with uow:
        client = _load(uow, command.client_id, command.expected_version)
        client.record_technical_validation(
            command.name, command.passed, now=clock.now(), actor=actor.name
        )
        uow.clients.save(client)
        uow.commit()
        return client.version


def golive_checklist(
    client_id: UUID,
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    max_test_age: timedelta = DEFAULT_MAX_TEST_AGE,
) -> Checklist:
    """What go-live needs and what is still missing."""
    actor.require(Permission.READ)
    with uow:
        client = uow.clients.get(client_id)
        credentials = uow.credentials.for_client(client_id)
    return _checklist(client, credentials, clock, max_test_age)


def go_live(
    command: GoLive,
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    max_test_age: timedelta = DEFAULT_MAX_TEST_AGE,
) -> int:
    """Put the client live; refused (``go_live_refused``) with the list of what is missing:
    validated record, registered in Dome and PerlaHub, an active live credential with a
    recent passing connection test, technical validations passed."""
    actor.require(Permission.WRITE_COMMERCIAL)
    with uow:
        client = _load(uow, command.client_id, command.expected_version)
        credentials = uow.credentials.for_client(client.id)
        _checklist(client, credentials, clock, max_test_age).require_ready()
        client.go_live(now=clock.now(), actor=actor.name)
        uow.clients.save(client)
        uow.commit()
        return client.version


def _checklist(
    client: Client, credentials: Sequence[Credential], clock: Clock, max_test_age: timedelta
) -> Checklist:
    return build_checklist(
        client,
        credentials,
        client.technical_validations,
        dome_customer_id=client.dome_customer_code,
        perlahub_agency_id=client.perlahub_agency_id,
        now=clock.now(),
        max_test_age=max_test_age,
    )


def get_client(client_id: UUID, uow: UnitOfWork, actor: Actor) -> Client:
    """One lead or client by id; raises :class:`NotFound`."""
    actor.require(Permission.READ)
    with uow:
        return uow.clients.get(client_id)


def list_clients(query: ClientQuery, uow: UnitOfWork, actor: Actor) -> Page[Client]:
    """Leads and clients matching ``query``, newest first."""
    actor.require(Permission.READ)
    with uow:
        return uow.clients.list(query)


def activity(client_id: UUID, uow: UnitOfWork, actor: Actor) -> list[Any]:
    """What happened to a party, oldest first (the events its commands recorded)."""
    actor.require(Permission.READ)
    with uow:
        uow.clients.get(client_id)
        return [m.event for m in uow.outbox.for_aggregate(client_id)]


def _load(uow: UnitOfWork, client_id: UUID, expected_version: int | None) -> Client:
    client = uow.clients.get(client_id)
    if expected_version is not None and expected_version != client.version:
        raise StaleVersion("client", client_id, expected_version, client.version)
    return client


def _refuse_duplicate_tax_id(uow: UnitOfWork, tax_id: Any, own_id: UUID | None) -> None:
    other = uow.clients.by_tax_id(tax_id)
    if other is not None and other.id != own_id:
        raise AlreadyExists(
            f"tax id {tax_id} already belongs to {other.trade_name} ({other.id})",
            field="tax_id",
            existing_id=str(other.id),
        )
