"""The administrative registration: Dome first, then PerlaHub, retried safely."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from perla_adapters.memory import FixedClock, InMemoryStore, InMemoryUnitOfWork, SequentialIds
from perla_adapters.memory.dome import InMemoryDome
from perla_adapters.memory.perlahub import InMemoryPerlaHub
from perla_core.access.model import Actor, Role
from perla_core.gateways import ExternalRejected, ExternalUnavailable
from perla_core.kernel.errors import IllegalTransition, InvalidValue
from perla_core.onboarding import registration, services
from perla_core.onboarding.commands import (
    AddressInput,
    AdvanceClient,
    AdvanceLead,
    ContactInput,
    ConvertLead,
    EstimateInput,
    GrantBenchmarkAccess,
    OnboardingInput,
    RegisterLead,
    RetryRegistration,
)
from perla_core.onboarding.model import ClientStatus, PotentialTier

AGENT = Actor("ana", Role.AGENT)


class World:
    def __init__(self) -> None:
        self.clock = FixedClock()
        self.ids = SequentialIds()
        self.store = InMemoryStore()
        self.dome = InMemoryDome(clock=self.clock)
        self.hub = InMemoryPerlaHub(clock=self.clock)

    def uow(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.store, self.clock, self.ids)

    def lead(self, **extra: object) -> UUID:
        command = RegisterLead(
            trade_name="Viajes Ñandú",
            country="ES",
            legal_name="Viajes Ñandú S.L.",
            tax_id="B58378431",
            email="info@nandu.es",
            business_type="travel_agency",
            addresses=[
                AddressInput("Calle Mayor 41", "Madrid", "28013", "ES", default_billing=True)
            ],
            contacts=[ContactInput("commercial", "Lucía Fernández", "lucia@nandu.es")],
            onboarding=OnboardingInput(
                products=["hotels"], currencies=["EUR"], markets=["ES"], connection_type="json_api"
            ),
            **extra,  # type: ignore[arg-type]
        )
        lead_id = services.register_lead(command, self.uow(), self.clock, self.ids, AGENT)
        services.advance_lead(AdvanceLead(lead_id, "mark_contacted"), self.uow(), self.clock, AGENT)
        return lead_id

    def convert(self) -> UUID:
        lead_id = self.lead()
        services.convert_lead(ConvertLead(lead_id), self.uow(), self.clock, AGENT)
        return lead_id

    def register(self, client_id: UUID) -> None:
        registration.register_in_dome(client_id, self.uow(), self.dome, self.clock)
        registration.register_in_perlahub(client_id, self.uow(), self.hub, self.clock)


def test_a_converted_client_is_created_in_dome_then_in_perlahub_with_their_ids() -> None:
    world = World()
    client_id = world.convert()
    world.register(client_id)
    client = services.get_client(client_id, world.uow(), AGENT)
    assert client.client_status is ClientStatus.REGISTERED
    [customer] = world.dome.customers
    assert client.dome_customer_code == customer.code
    assert customer.external_ref == str(client_id)
    assert client.perlahub_agency_id is not None
    assert client.registration_error is None


def test_registering_twice_never_creates_a_second_customer() -> None:
    world = World()
    client_id = world.convert()
    world.register(client_id)
    world.register(client_id)
    assert len(world.dome.customers) == 1


def test_an_answer_lost_on_the_way_back_is_retried_without_a_duplicate() -> None:
    world = World()
    client_id = world.convert()
    world.dome.fail_next(1, after_effect=True)
    with pytest.raises(ExternalUnavailable):
        registration.register_in_dome(client_id, world.uow(), world.dome, world.clock)
    failed = services.get_client(client_id, world.uow(), AGENT)
    assert failed.client_status is ClientStatus.PENDING_REGISTRATION
    assert failed.registration_error is not None
    assert failed.registration_error.startswith("dome:")
    world.register(client_id)
    assert len(world.dome.customers) == 1
    assert (
        services.get_client(client_id, world.uow(), AGENT).client_status is ClientStatus.REGISTERED
    )


def test_a_refusal_is_recorded_and_waits_for_an_agent_to_retry() -> None:
    world = World()
    client_id = world.convert()
    world.dome.fail_next(1, ExternalRejected("dome", "tax id unknown to the tax office"))
    registration.register_in_dome(client_id, world.uow(), world.dome, world.clock)
    client = services.get_client(client_id, world.uow(), AGENT)
    assert client.client_status is ClientStatus.PENDING_REGISTRATION
    assert "tax id unknown" in (client.registration_error or "")
    services.retry_registration(RetryRegistration(client_id), world.uow(), world.clock, AGENT)
    world.register(client_id)
    assert (
        services.get_client(client_id, world.uow(), AGENT).client_status is ClientStatus.REGISTERED
    )


def test_registration_steps_are_not_taken_by_hand() -> None:
    world = World()
    client_id = world.convert()
    for action in ("register_in_dome", "register_in_perlahub", "go_live"):
        with pytest.raises(InvalidValue) as refused:
            services.advance_client(
                AdvanceClient(client_id, action), world.uow(), world.clock, AGENT
            )
        assert refused.value.field == "action"


def test_a_registered_client_cannot_ask_for_registration_again() -> None:
    world = World()
    client_id = world.convert()
    world.register(client_id)
    with pytest.raises(IllegalTransition):
        services.retry_registration(RetryRegistration(client_id), world.uow(), world.clock, AGENT)


def test_benchmark_access_opens_a_login_in_perlahub_that_expires() -> None:
    world = World()
    lead_id = world.lead()
    until = world.clock.now() + timedelta(days=14)
    services.grant_benchmark_access(
        GrantBenchmarkAccess(lead_id, until=until), world.uow(), world.clock, AGENT
    )
    registration.open_benchmark_access(lead_id, world.uow(), world.hub, world.clock)
    registration.open_benchmark_access(lead_id, world.uow(), world.hub, world.clock)
    lead = services.get_client(lead_id, world.uow(), AGENT)
    assert lead.benchmark_access_id is not None
    assert lead.benchmark_access_until == until
    assert lead.benchmark_active(world.clock.now())
    assert not lead.benchmark_active(until + timedelta(seconds=1))
    assert len(world.hub.benchmark_accesses) == 1


@pytest.mark.parametrize("days", [0, -1, 91])
def test_benchmark_access_ends_between_now_and_ninety_days(days: int) -> None:
    world = World()
    lead_id = world.lead()
    with pytest.raises(InvalidValue) as refused:
        services.grant_benchmark_access(
            GrantBenchmarkAccess(lead_id, until=world.clock.now() + timedelta(days=days)),
            world.uow(),
            world.clock,
            AGENT,
        )
    assert refused.value.field == "until"


@pytest.mark.parametrize(
    ("bookings", "revenue", "currency", "tier"),
    [
        (600, "1000", "EUR", PotentialTier.A),
        (10, "300000", "EUR", PotentialTier.A),
        (150, "20000", "EUR", PotentialTier.B),
        (30, "5000", "EUR", PotentialTier.C),
        (5, "900000", "USD", PotentialTier.D),
        (0, "0", "EUR", PotentialTier.D),
    ],
)
def test_the_commercial_potential_tier_follows_from_the_estimate(
    bookings: int, revenue: str, currency: str, tier: PotentialTier
) -> None:
    world = World()
    lead_id = world.lead(estimate=EstimateInput(bookings, revenue, currency))
    estimate = services.get_client(lead_id, world.uow(), AGENT).estimate
    assert estimate is not None
    assert estimate.potential_tier is tier
