"""The supplier use cases on the dict-backed fake unit of work: what is stored, what is
announced to the outbox, and what a refusal leaves (nothing)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from tests.unit.suppliers.fakes import (
    SUPPLIERS,
    FakeSupplierUnitOfWork,
    a_request_in,
    complete_input,
)

from perla_adapters.memory import FixedClock, SequentialIds
from perla_core.access.model import SYSTEM, Actor
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
from perla_core.suppliers.events import (
    SupplierRequestAcknowledged,
    SupplierRequestCancelled,
    SupplierRequestCreated,
    SupplierRequestRejected,
    SupplierRequestSendRequested,
    SupplierRequestSent,
    SupplierRequestUpdated,
)
from perla_core.suppliers.fields import Section
from perla_core.suppliers.model import SupplierRequestStatus
from perla_core.suppliers.ports import SupplierRequestQuery
from perla_core.suppliers.services import (
    DEFAULT_SUPPLIERS_ADDRESS,
    acknowledge_supplier_request,
    cancel_supplier_request,
    create_supplier_request,
    get_supplier_request,
    list_supplier_requests,
    mark_supplier_request_sent,
    prefill_supplier_request,
    reject_supplier_request,
    send_supplier_request,
    supplier_email_to_send,
    supplier_request_completeness,
    update_supplier_request,
)

S = SupplierRequestStatus


class World:
    """A fake unit of work with the clock and ids the use cases need."""

    def __init__(self, clock: FixedClock) -> None:
        self.uow = FakeSupplierUnitOfWork()
        self.clock = clock
        self.ids = SequentialIds(start=100)

    def create(self, actor: Actor, **fields: Any) -> UUID:
        return create_supplier_request(
            CreateSupplierRequest(**fields), self.uow, self.clock, self.ids, actor
        )

    def create_complete(self, actor: Actor, **overrides: Any) -> UUID:
        return self.create(actor, **complete_input(**overrides))

    def send(self, request_id: UUID, actor: Actor, **kwargs: Any) -> int:
        return send_supplier_request(
            SendSupplierRequest(request_id), self.uow, self.clock, actor, **kwargs
        )

    def status(self, request_id: UUID) -> SupplierRequestStatus:
        return self.uow.rows[request_id].status


@pytest.fixture
def world(clock: FixedClock) -> World:
    return World(clock)


def test_creating_from_a_partial_description_stores_a_draft(world: World, agent: Actor) -> None:
    request_id = world.create(agent, name="Hotel Playa Victoria", city="Cádiz", country="ES")

    stored = world.uow.rows[request_id]
    assert stored.status is S.DRAFT
    assert stored.version == 1
    assert stored.created_by == agent.name
    assert world.uow.published == [
        SupplierRequestCreated(
            request_id,
            world.clock.now(),
            agent.name,
            "Hotel Playa Victoria",
            "Cádiz",
            "ES",
            "draft",
            None,
        )
    ]


def test_malformed_input_is_refused_naming_every_field_and_nothing_is_stored(
    world: World, agent: Actor
) -> None:
    with pytest.raises(InvalidInput) as refused:
        world.create_complete(
            agent,
            iban="ES00 0000",
            bic="1234",
            tax_id="X",
            phone="0",
            email="@",
            latitude="100",
        )

    assert sorted(str(e.field) for e in refused.value.errors) == [
        "bic",
        "email",
        "iban",
        "latitude",
        "phone",
        "tax_id",
    ]
    assert world.uow.rows == {}
    assert world.uow.commits == 0


def test_a_reader_may_look_but_not_create(world: World, reader: Actor) -> None:
    with pytest.raises(PermissionDenied):
        world.create(reader, name="Hotel")
    assert list_supplier_requests(SupplierRequestQuery(), world.uow, reader).total == 0


def test_creating_from_a_hotel_match_prefills_what_the_agent_left_empty(
    world: World, agent: Actor
) -> None:
    request_id = world.create(
        agent,
        name="Hotel Playa Victoria",
        city="Cádiz",
        matched_hotel_ref="dir:81",
        prefill={"city": "Cadiz", "country": "ES", "chain": "Palafox", "phone": "956205100"},
    )

    stored = world.uow.rows[request_id]
    assert (stored.city, stored.country, stored.chain) == ("Cádiz", "ES", "Palafox")
    assert str(stored.phone) == "+34956205100"
    assert stored.matched_hotel_ref == "dir:81"
    created, prefilled = world.uow.published
    assert isinstance(created, SupplierRequestCreated)
    assert isinstance(prefilled, SupplierRequestUpdated)
    assert prefilled.source == "prefill"
    assert prefilled.changed == ("chain", "country", "phone")


def test_a_second_live_request_for_the_same_hotel_is_refused(world: World, agent: Actor) -> None:
    first = world.create(agent, name="Hotel Playa Victoria", matched_hotel_ref="dir:81")

    with pytest.raises(AlreadyExists) as refused:
        world.create(agent, name="Playa Victoria", matched_hotel_ref="dir:81")

    assert refused.value.field == "matched_hotel_ref"
    assert refused.value.details["existing_id"] == str(first)
    cancel_supplier_request(CancelSupplierRequest(first), world.uow, world.clock, agent)
    second = world.create(agent, name="Playa Victoria", matched_hotel_ref="dir:81")
    assert world.status(second) is S.DRAFT


def test_updating_completes_the_request_and_checks_the_version(world: World, agent: Actor) -> None:
    request_id = world.create_complete(agent, iban=None)
    assert world.status(request_id) is S.DRAFT

    version = update_supplier_request(
        UpdateSupplierRequest(request_id, expected_version=1, iban="ES7921000813610123456789"),
        world.uow,
        world.clock,
        agent,
    )

    assert version == 2
    assert world.status(request_id) is S.READY
    with pytest.raises(StaleVersion):
        update_supplier_request(
            UpdateSupplierRequest(request_id, expected_version=1, chain=None),
            world.uow,
            world.clock,
            agent,
        )


def test_an_update_that_changes_nothing_keeps_the_version(world: World, agent: Actor) -> None:
    request_id = world.create_complete(agent)

    version = update_supplier_request(
        UpdateSupplierRequest(request_id, stars=4), world.uow, world.clock, agent
    )

    assert version == 1
    assert world.uow.commits == 1


def test_an_update_reads_phones_in_the_hotels_country(world: World, agent: Actor) -> None:
    request_id = world.create(agent, name="Hotel Avenida Palace", country="PT")

    update_supplier_request(
        UpdateSupplierRequest(request_id, phone="213 218 100"), world.uow, world.clock, agent
    )

    assert str(world.uow.rows[request_id].phone) == "+351213218100"


def test_prefilling_an_existing_request_reports_what_it_did(world: World, agent: Actor) -> None:
    request_id = world.create(agent, name="Hotel Playa Victoria", stars=5)

    outcome = prefill_supplier_request(
        PrefillSupplierRequest(request_id, {"stars": 4, "chain": "Palafox"}, hotel_ref="dir:81"),
        world.uow,
        world.clock,
        agent,
    )

    assert outcome.filled == ("chain", "matched_hotel_ref")
    assert outcome.kept == ("stars",)
    assert world.uow.rows[request_id].stars == 5
    assert world.uow.rows[request_id].matched_hotel_ref == "dir:81"


def test_completeness_lists_what_is_missing_by_section(world: World, agent: Actor) -> None:
    request_id = world.create_complete(agent, bic=None, release_days=None)

    completeness = supplier_request_completeness(request_id, world.uow, agent)

    assert not completeness.complete
    assert completeness.missing == {
        Section.BANKING: ("bic",),
        Section.COMMERCIAL: ("release_days",),
    }


def test_sending_an_incomplete_request_is_refused_and_nothing_is_queued(
    world: World, agent: Actor
) -> None:
    request_id = world.create_complete(agent, bic=None)
    world.uow.published.clear()

    with pytest.raises(PreconditionFailed) as refused:
        world.send(request_id, agent)

    assert refused.value.missing == ["bic"]
    assert world.status(request_id) is S.DRAFT
    assert world.uow.published == []


def test_sending_goes_to_the_configured_suppliers_address_through_the_outbox(
    world: World, agent: Actor
) -> None:
    request_id = world.create_complete(agent)
    world.uow.published.clear()

    version = world.send(request_id, agent, suppliers_address="altas@hoteles.example.com")

    assert version == 2
    assert world.status(request_id) is S.SENDING
    (event,) = world.uow.published
    assert isinstance(event, SupplierRequestSendRequested)
    assert event.request_id == request_id
    assert event.suppliers_address == "altas@hoteles.example.com"


def test_the_suppliers_address_defaults_to_the_seeds(world: World, agent: Actor) -> None:
    request_id = world.create_complete(agent)
    world.uow.published.clear()

    world.send(request_id, agent)

    (event,) = world.uow.published
    assert isinstance(event, SupplierRequestSendRequested)
    assert event.suppliers_address == DEFAULT_SUPPLIERS_ADDRESS == SUPPLIERS


def test_the_outbox_handler_renders_marks_sent_once_and_then_has_nothing_to_send(
    world: World, agent: Actor
) -> None:
    request_id = world.create_complete(agent)
    world.send(request_id, agent)
    world.uow.published.clear()

    content = supplier_email_to_send(request_id, world.uow, SYSTEM)
    assert content is not None
    assert content.message_id == f"<supplier-request.{request_id}@perla>"
    report = MarkSupplierRequestSent(request_id, send_number=1)
    assert mark_supplier_request_sent(report, world.uow, world.clock, SYSTEM)
    assert not mark_supplier_request_sent(report, world.uow, world.clock, SYSTEM)

    assert world.status(request_id) is S.SENT
    assert [type(e) for e in world.uow.published] == [SupplierRequestSent]
    assert supplier_email_to_send(request_id, world.uow, SYSTEM) is None


def test_a_request_cancelled_while_sending_is_not_e_mailed(world: World, agent: Actor) -> None:
    request_id = world.create_complete(agent)
    world.send(request_id, agent)

    cancel_supplier_request(
        CancelSupplierRequest(request_id, reason="Duplicado"), world.uow, world.clock, agent
    )

    assert supplier_email_to_send(request_id, world.uow, SYSTEM) is None
    assert not mark_supplier_request_sent(
        MarkSupplierRequestSent(request_id), world.uow, world.clock, SYSTEM
    )
    cancelled = world.uow.published[-1]
    assert isinstance(cancelled, SupplierRequestCancelled)
    assert cancelled.previous_status == "sending"


def test_acknowledging_records_the_dome_supplier_code(world: World, agent: Actor) -> None:
    request_id = world.create_complete(agent)
    world.send(request_id, agent)
    mark_supplier_request_sent(MarkSupplierRequestSent(request_id), world.uow, world.clock, SYSTEM)

    acknowledge_supplier_request(
        AcknowledgeSupplierRequest(request_id, "PRV-0042"), world.uow, world.clock, agent
    )
    version = acknowledge_supplier_request(
        AcknowledgeSupplierRequest(request_id, "PRV-0042"), world.uow, world.clock, agent
    )

    stored = world.uow.rows[request_id]
    assert (stored.status, stored.dome_supplier_code, stored.version) == (
        S.ACKNOWLEDGED,
        "PRV-0042",
        version,
    )
    assert [e for e in world.uow.published if isinstance(e, SupplierRequestAcknowledged)] == [
        SupplierRequestAcknowledged(request_id, world.clock.now(), agent.name, "PRV-0042")
    ]
    with pytest.raises(IllegalTransition):
        cancel_supplier_request(CancelSupplierRequest(request_id), world.uow, world.clock, agent)


def test_acknowledging_without_a_code_is_refused_and_nothing_changes(
    world: World, agent: Actor
) -> None:
    request_id = world.create_complete(agent)
    world.send(request_id, agent)

    with pytest.raises(InvalidValue) as refused:
        acknowledge_supplier_request(
            AcknowledgeSupplierRequest(request_id, " "), world.uow, world.clock, agent
        )

    assert refused.value.field == "dome_supplier_code"
    assert world.status(request_id) is S.SENDING


def test_rejecting_needs_a_reason_and_lets_the_agent_correct_and_resend(
    world: World, agent: Actor
) -> None:
    request_id = world.create_complete(agent)
    world.send(request_id, agent)
    with pytest.raises(InvalidValue):
        reject_supplier_request(
            RejectSupplierRequest(request_id, ""), world.uow, world.clock, agent
        )

    reject_supplier_request(
        RejectSupplierRequest(request_id, "El titular no coincide"), world.uow, world.clock, agent
    )
    update_supplier_request(
        UpdateSupplierRequest(request_id, account_holder="Hoteles Ñandú S.L."),
        world.uow,
        world.clock,
        agent,
    )
    world.send(request_id, agent)

    assert world.status(request_id) is S.SENDING
    assert world.uow.rows[request_id].send_count == 2
    rejected = [e for e in world.uow.published if isinstance(e, SupplierRequestRejected)]
    assert [e.reason for e in rejected] == ["El titular no coincide"]


def test_get_and_list_by_state_a_page_at_a_time(world: World, agent: Actor) -> None:
    ready = [world.create_complete(agent) for _ in range(3)]
    draft = world.create(agent, name="Hostal Sol")
    world.send(ready[0], agent)

    first = list_supplier_requests(
        SupplierRequestQuery(S.READY, PageRequest(limit=1)), world.uow, agent
    )
    second = list_supplier_requests(
        SupplierRequestQuery(S.READY, PageRequest(limit=1, offset=1)), world.uow, agent
    )
    everything = list_supplier_requests(SupplierRequestQuery(), world.uow, agent)

    assert (first.total, first.has_more, second.has_more) == (2, True, False)
    assert {first.items[0].id, second.items[0].id} == set(ready[1:])
    assert everything.total == 4
    assert get_supplier_request(draft, world.uow, agent).name == "Hostal Sol"
    with pytest.raises(NotFound):
        get_supplier_request(UUID(int=404), world.uow, agent)


def test_an_unknown_request_is_not_found(world: World, agent: Actor) -> None:
    with pytest.raises(NotFound):
        world.send(UUID(int=404), agent)


def test_marking_sent_is_a_write(world: World, reader: Actor) -> None:
    request = world.uow.put(a_request_in(S.SENDING))

    with pytest.raises(PermissionDenied):
        mark_supplier_request_sent(
            MarkSupplierRequestSent(request.id), world.uow, world.clock, reader
        )
