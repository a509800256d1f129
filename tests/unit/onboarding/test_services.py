"""The onboarding use cases on the memory adapters: what is stored, what reaches the outbox,
and what a refused command leaves behind (nothing)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

import attrs
import pytest

from perla_adapters.memory import FixedClock, InMemoryStore, InMemoryUnitOfWork, SequentialIds
from perla_adapters.memory.dome import InMemoryDome
from perla_adapters.memory.perlahub import InMemoryPerlaHub
from perla_core.access.model import Actor
from perla_core.kernel.errors import (
    AlreadyExists,
    IllegalTransition,
    InvalidInput,
    InvalidValue,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    StaleVersion,
)
from perla_core.kernel.pagination import PageRequest
from perla_core.kernel.values import Email, TaxId
from perla_core.onboarding import registration
from perla_core.onboarding.commands import (
    AddressInput,
    AdvanceClient,
    AdvanceLead,
    ConvertLead,
    RegisterLead,
    UpdateDetails,
)
from perla_core.onboarding.events import (
    ClientStatusChanged,
    DetailsChanged,
    LeadConverted,
    LeadRegistered,
    LeadStatusChanged,
    RegistrationRecorded,
)
from perla_core.onboarding.model import BusinessType, ClientStatus, LeadStatus, Phase
from perla_core.onboarding.ports import ClientQuery
from perla_core.onboarding.services import (
    activity,
    advance_client,
    advance_lead,
    convert_lead,
    get_client,
    list_clients,
    register_lead,
    update_details,
)
from perla_core.outbox import OutboxStatus

COMPLETE_LEAD = RegisterLead(
    trade_name="Viajes Ñandú",
    country="ES",
    legal_name="Viajes Ñandú S.L.",
    tax_id="B-58378431",
    email="reservas@nandu.es",
    phone="943 71 19 52",
    business_type="travel_agency",
    markets=("ES", "PT", "es"),
    addresses=(AddressInput("Gran Vía 1", "Madrid", "28013", "ES", default_billing=True),),
)


def register(
    uow: InMemoryUnitOfWork,
    clock: FixedClock,
    ids: SequentialIds,
    actor: Actor,
    **overrides: Any,
) -> UUID:
    return register_lead(attrs.evolve(COMPLETE_LEAD, **overrides), uow, clock, ids, actor)


def outbox_topics(store: InMemoryStore) -> list[str]:
    return [m.topic for m in sorted(store.outbox.values(), key=lambda m: m.id.int)]


# --- registering ----------------------------------------------------------------------------


def test_an_agent_registers_a_lead_and_the_outbox_announces_it(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
) -> None:
    lead_id = register(uow, clock, ids, agent)
    stored = store.clients[lead_id]
    assert stored.trade_name == "Viajes Ñandú"
    assert stored.tax_id == TaxId("ES", "B58378431")
    assert stored.markets == ("ES", "PT")
    assert stored.phase is Phase.LEAD
    assert stored.lead_status is LeadStatus.NEW
    assert stored.version == 1
    assert stored.events == []
    (message,) = store.outbox.values()
    assert message.topic == "onboarding.lead_registered"
    assert message.aggregate_id == lead_id
    assert message.status is OutboxStatus.PENDING
    assert message.event == LeadRegistered(lead_id, clock.now(), "ana.agent", "Viajes Ñandú", "ES")


def test_a_readonly_user_cannot_register_a_lead(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    reader: Actor,
) -> None:
    with pytest.raises(PermissionDenied) as raised:
        register(uow, clock, ids, reader)
    assert raised.value.details == {"role": "readonly", "permission": "write_commercial"}
    assert store.clients == {}
    assert store.outbox == {}


def test_a_lead_with_a_tax_id_already_on_file_is_refused_and_nothing_is_stored(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
) -> None:
    first = register(uow, clock, ids, agent)
    with pytest.raises(AlreadyExists) as raised:
        register(uow, clock, ids, agent, trade_name="Otra Agencia", tax_id="ESB58378431")
    assert raised.value.field == "tax_id"
    assert raised.value.details["existing_id"] == str(first)
    assert list(store.clients) == [first]
    assert outbox_topics(store) == ["onboarding.lead_registered"]


def test_registering_with_invalid_fields_reports_them_all_and_stores_nothing(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
) -> None:
    with pytest.raises(InvalidInput) as raised:
        register(uow, clock, ids, agent, tax_id="B58378432", email="nope", business_type="bank")
    assert {e.field for e in raised.value.errors} == {"tax_id", "email", "business_type"}
    assert store.clients == {}
    assert store.outbox == {}


def test_a_lead_that_cannot_be_reached_is_refused_and_nothing_is_stored(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
) -> None:
    with pytest.raises(InvalidValue) as raised:
        register_lead(RegisterLead(trade_name="Nadie", country="ES"), uow, clock, ids, agent)
    assert raised.value.field == "email"
    assert store.clients == {}
    assert store.outbox == {}


# --- updating -------------------------------------------------------------------------------


def test_updating_details_bumps_the_version_and_names_the_changed_fields(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
) -> None:
    lead_id = register(uow, clock, ids, agent)
    version = update_details(
        UpdateDetails(
            lead_id,
            expected_version=1,
            email="direccion@nandu.es",
            website=None,
            notes="prefers mornings",
        ),
        uow,
        clock,
        agent,
    )
    assert version == 2
    stored = store.clients[lead_id]
    assert stored.version == 2
    assert stored.email == Email("direccion@nandu.es")
    assert stored.notes == "prefers mornings"
    assert stored.phone is not None
    (changed,) = [m.event for m in store.outbox.values() if isinstance(m.event, DetailsChanged)]
    assert changed.changed == ("email", "notes")


def test_an_update_with_a_stale_version_is_refused_and_the_stored_client_is_unchanged(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
) -> None:
    lead_id = register(uow, clock, ids, agent)
    update_details(UpdateDetails(lead_id, notes="first edit"), uow, clock, agent)
    with pytest.raises(StaleVersion) as raised:
        update_details(
            UpdateDetails(lead_id, expected_version=1, notes="second edit"), uow, clock, agent
        )
    assert raised.value.details == {"expected": 1, "actual": 2}
    stored = store.clients[lead_id]
    assert (stored.version, stored.notes) == (2, "first edit")
    assert len(store.outbox) == 2


def test_an_update_giving_another_partys_tax_id_is_refused(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
) -> None:
    register(uow, clock, ids, agent)
    other = register(uow, clock, ids, agent, trade_name="Otra", tax_id="A58818501")
    with pytest.raises(AlreadyExists):
        update_details(UpdateDetails(other, tax_id="ESB58378431"), uow, clock, agent)
    assert store.clients[other].tax_id == TaxId("ES", "A58818501")
    assert store.clients[other].version == 1


def test_an_update_may_repeat_the_partys_own_tax_id(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
) -> None:
    lead_id = register(uow, clock, ids, agent)
    update_details(UpdateDetails(lead_id, tax_id="ES B-58378431", notes="x"), uow, clock, agent)
    assert store.clients[lead_id].notes == "x"


def test_changing_the_country_without_a_tax_id_of_the_new_country_is_refused(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
) -> None:
    lead_id = register(uow, clock, ids, agent)
    with pytest.raises(InvalidValue) as raised:
        update_details(UpdateDetails(lead_id, country="AR"), uow, clock, agent)
    assert raised.value.field == "tax_id"
    assert store.clients[lead_id].country == "ES"
    version = update_details(
        UpdateDetails(lead_id, country="AR", tax_id="20-26756539-3", phone="+54 9 11 1234-5678"),
        uow,
        clock,
        agent,
    )
    assert version == 2
    assert store.clients[lead_id].tax_id == TaxId("AR", "20267565393")


def test_an_update_of_an_unknown_party_is_not_found(
    uow: InMemoryUnitOfWork, clock: FixedClock, agent: Actor
) -> None:
    with pytest.raises(NotFound):
        update_details(UpdateDetails(UUID(int=404), notes="x"), uow, clock, agent)


def test_a_readonly_user_cannot_update_details(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
    reader: Actor,
) -> None:
    lead_id = register(uow, clock, ids, agent)
    with pytest.raises(PermissionDenied):
        update_details(UpdateDetails(lead_id, notes="x"), uow, clock, reader)
    assert store.clients[lead_id].notes is None


# --- the pipeline ---------------------------------------------------------------------------


def test_a_lead_moves_through_the_pipeline_and_becomes_a_live_client(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
) -> None:
    lead_id = register(uow, clock, ids, agent)
    assert (
        advance_lead(AdvanceLead(lead_id, "mark_contacted", expected_version=1), uow, clock, agent)
        == 2
    )
    assert advance_lead(AdvanceLead(lead_id, "grant_benchmark_access"), uow, clock, agent) == 3
    assert convert_lead(ConvertLead(lead_id, expected_version=3), uow, clock, agent) == 4
    registration.register_in_dome(lead_id, uow, InMemoryDome(clock), clock)
    registration.register_in_perlahub(lead_id, uow, InMemoryPerlaHub(clock), clock)
    for action in ("validate_record", "start_onboarding"):
        advance_client(AdvanceClient(lead_id, action), uow, clock, agent)
    stored = store.clients[lead_id]
    assert stored.phase is Phase.CLIENT
    assert stored.client_status is ClientStatus.ONBOARDING
    assert stored.validated_by == agent.name
    assert stored.version == 8
    converted = [m.event for m in store.outbox.values() if isinstance(m.event, LeadConverted)]
    assert converted == [
        LeadConverted(lead_id, clock.now(), "ana.agent", "Viajes Ñandú S.L.", "B58378431", "ES")
    ]


def test_a_lost_lead_keeps_the_reason_given(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
) -> None:
    lead_id = register(uow, clock, ids, agent)
    advance_lead(
        AdvanceLead(lead_id, "mark_lost", reason="went with a competitor"), uow, clock, agent
    )
    assert store.clients[lead_id].lead_status is LeadStatus.LOST
    assert store.clients[lead_id].lost_reason == "went with a competitor"


def test_losing_a_lead_without_a_reason_is_refused(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
) -> None:
    lead_id = register(uow, clock, ids, agent)
    with pytest.raises(InvalidValue) as raised:
        advance_lead(AdvanceLead(lead_id, "mark_lost"), uow, clock, agent)
    assert raised.value.field == "reason"
    assert store.clients[lead_id].lead_status is LeadStatus.NEW


@pytest.mark.parametrize("action", ["convert", "register_in_dome", "delete", "__init__"])
def test_an_action_that_is_not_a_lead_action_is_refused_before_loading(
    uow: InMemoryUnitOfWork, clock: FixedClock, agent: Actor, action: str
) -> None:
    with pytest.raises(InvalidValue) as raised:
        advance_lead(AdvanceLead(UUID(int=404), action), uow, clock, agent)
    assert raised.value.field == "action"


@pytest.mark.parametrize("action", ["mark_contacted", "convert", "explode"])
def test_an_action_that_is_not_a_client_action_is_refused_before_loading(
    uow: InMemoryUnitOfWork, clock: FixedClock, agent: Actor, action: str
) -> None:
    with pytest.raises(InvalidValue) as raised:
        advance_client(AdvanceClient(UUID(int=404), action), uow, clock, agent)
    assert raised.value.field == "action"


def test_a_refused_command_leaves_no_outbox_message(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
) -> None:
    lead_id = register(uow, clock, ids, agent, tax_id=None, legal_name=None)
    before = dict(store.outbox)
    with pytest.raises(IllegalTransition):
        advance_lead(AdvanceLead(lead_id, "grant_benchmark_access"), uow, clock, agent)
    with pytest.raises(IllegalTransition):
        convert_lead(ConvertLead(lead_id), uow, clock, agent)
    with pytest.raises(IllegalTransition):
        advance_client(AdvanceClient(lead_id, "validate_record"), uow, clock, agent)
    advance_lead(AdvanceLead(lead_id, "mark_contacted"), uow, clock, agent)
    after_contact = dict(store.outbox)
    with pytest.raises(PreconditionFailed) as raised:
        convert_lead(ConvertLead(lead_id), uow, clock, agent)
    assert raised.value.missing == ["legal_name", "tax_id"]
    assert store.outbox == after_contact
    assert len(after_contact) == len(before) + 1
    stored = store.clients[lead_id]
    assert (stored.phase, stored.lead_status, stored.version) == (
        Phase.LEAD,
        LeadStatus.CONTACTED,
        2,
    )


def test_converting_with_a_stale_version_is_refused(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
) -> None:
    lead_id = register(uow, clock, ids, agent)
    advance_lead(AdvanceLead(lead_id, "mark_contacted"), uow, clock, agent)
    with pytest.raises(StaleVersion):
        convert_lead(ConvertLead(lead_id, expected_version=1), uow, clock, agent)
    assert store.clients[lead_id].phase is Phase.LEAD


@pytest.mark.parametrize("step", ["advance_lead", "convert_lead", "advance_client"])
def test_a_readonly_user_cannot_move_a_party_along(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
    reader: Actor,
    step: str,
) -> None:
    lead_id = register(uow, clock, ids, agent)
    steps: dict[str, Callable[[], int]] = {
        "advance_lead": lambda: advance_lead(
            AdvanceLead(lead_id, "mark_contacted"), uow, clock, reader
        ),
        "convert_lead": lambda: convert_lead(ConvertLead(lead_id), uow, clock, reader),
        "advance_client": lambda: advance_client(
            AdvanceClient(lead_id, "register_in_dome"), uow, clock, reader
        ),
    }
    with pytest.raises(PermissionDenied):
        steps[step]()
    assert store.clients[lead_id].version == 1


# --- reading --------------------------------------------------------------------------------


def test_anyone_with_read_access_gets_a_party_by_id(
    uow: InMemoryUnitOfWork,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
    reader: Actor,
) -> None:
    lead_id = register(uow, clock, ids, agent)
    party = get_client(lead_id, uow, reader)
    assert party.id == lead_id
    assert party.business_type is BusinessType.TRAVEL_AGENCY
    with pytest.raises(NotFound):
        get_client(UUID(int=404), uow, reader)


def test_editing_a_party_read_with_get_client_does_not_touch_the_store(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
) -> None:
    lead_id = register(uow, clock, ids, agent)
    party = get_client(lead_id, uow, agent)
    party.notes = "scribbled"
    assert store.clients[lead_id].notes is None


def test_parties_are_listed_newest_first_filtered_and_paged(
    uow: InMemoryUnitOfWork,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
    reader: Actor,
) -> None:
    nandu = register(uow, clock, ids, agent)
    clock.advance(timedelta(minutes=1))
    pampa = register(
        uow,
        clock,
        ids,
        agent,
        trade_name="Turismo Pampa",
        country="AR",
        legal_name="Turismo Pampa S.A.",
        tax_id="20-26756539-3",
        phone="+54 9 11 1234-5678",
        email="hola@pampa.com.ar",
        addresses=(),
    )
    clock.advance(timedelta(minutes=1))
    costa = register(
        uow,
        clock,
        ids,
        agent,
        trade_name="Costa Azul",
        legal_name=None,
        tax_id=None,
        email="info@costa.es",
    )
    advance_lead(AdvanceLead(costa, "mark_contacted"), uow, clock, agent)

    every = list_clients(ClientQuery(), uow, reader)
    assert [c.id for c in every.items] == [costa, pampa, nandu]
    assert (every.total, every.has_more) == (3, False)

    first_page = list_clients(ClientQuery(page=PageRequest(limit=2)), uow, reader)
    assert [c.id for c in first_page.items] == [costa, pampa]
    assert first_page.has_more
    second_page = list_clients(ClientQuery(page=PageRequest(limit=2, offset=2)), uow, reader)
    assert [c.id for c in second_page.items] == [nandu]

    def ids_of(query: ClientQuery) -> list[UUID]:
        return [c.id for c in list_clients(query, uow, reader).items]

    assert ids_of(ClientQuery(country="AR")) == [pampa]
    assert ids_of(ClientQuery(text="NANDU")) == [nandu]
    assert ids_of(ClientQuery(text="ñandú s.l.")) == [nandu]
    assert ids_of(ClientQuery(text="20267565393")) == [pampa]
    assert ids_of(ClientQuery(text="costa.es")) == [costa]
    assert ids_of(ClientQuery(lead_status=LeadStatus.CONTACTED)) == [costa]
    assert ids_of(ClientQuery(phase=Phase.CLIENT)) == []


def test_the_activity_of_a_party_lists_its_events_oldest_first(
    uow: InMemoryUnitOfWork,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
    reader: Actor,
) -> None:
    lead_id = register(uow, clock, ids, agent)
    other = register(uow, clock, ids, agent, trade_name="Otra", tax_id="A58818501")
    clock.advance(timedelta(minutes=5))
    advance_lead(AdvanceLead(lead_id, "mark_contacted"), uow, clock, agent)
    clock.advance(timedelta(minutes=5))
    convert_lead(ConvertLead(lead_id), uow, clock, agent)
    registration.register_in_dome(lead_id, uow, InMemoryDome(clock), clock)

    events = activity(lead_id, uow, reader)
    assert [type(e) for e in events] == [
        LeadRegistered,
        LeadStatusChanged,
        LeadStatusChanged,
        LeadConverted,
        ClientStatusChanged,
        RegistrationRecorded,
    ]
    assert all(e.aggregate_id == lead_id for e in events)
    assert [type(e) for e in activity(other, uow, reader)] == [LeadRegistered]
    with pytest.raises(NotFound):
        activity(UUID(int=404), uow, reader)
