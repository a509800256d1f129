"""Behaviours pinned after review: id order, no-op edits, failed messages, claims, filters."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from perla_adapters.memory import FixedClock, InMemoryStore, InMemoryUnitOfWork, SequentialIds
from perla_adapters.system import SystemClock, Uuid7Ids, _bump
from perla_core.access.model import Actor, Role
from perla_core.onboarding import services
from perla_core.onboarding.commands import AdvanceLead, RegisterLead, UpdateDetails
from perla_core.onboarding.ports import ClientQuery
from perla_core.outbox import (
    MAX_ATTEMPTS,
    HandlerRegistry,
    OutboxMessage,
    OutboxStatus,
    deliver_outbox_message,
)

AGENT = Actor("ana", Role.AGENT)


def test_ids_made_in_the_same_millisecond_still_sort_in_creation_order() -> None:
    ids = Uuid7Ids()
    batch = [ids.new_id() for _ in range(5_000)]
    assert batch == sorted(batch, key=lambda u: u.int)
    assert len(set(batch)) == len(batch)
    assert {u.version for u in batch} == {7}
    assert {u.variant for u in batch} == {"specified in RFC 4122"}


def test_the_id_counter_carries_into_the_next_field_without_breaking_the_version() -> None:
    ms = 123_456_789
    last_of_a_field = (ms << 80) | (0x7 << 76) | (0xFFF << 64) | (0b10 << 62) | ((1 << 62) - 1)
    following = UUID(int=_bump(last_of_a_field))
    assert following.int > last_of_a_field
    assert following.version == 7
    assert following.variant == "specified in RFC 4122"


def test_the_activity_keeps_the_order_of_events_with_real_time_and_ids() -> None:
    clock, ids = SystemClock(), Uuid7Ids()
    uow = InMemoryUnitOfWork(InMemoryStore(), clock, ids)
    lead = services.register_lead(
        RegisterLead(trade_name="Viajes Sol", country="ES", email="a@sol.es"),
        uow,
        clock,
        ids,
        AGENT,
    )
    for action in ("mark_contacted", "record_meeting", "grant_benchmark_access"):
        services.advance_lead(AdvanceLead(lead, action), uow, clock, AGENT)
    names = [type(e).__name__ for e in services.activity(lead, uow, AGENT)]
    assert names == [
        "LeadRegistered",
        "LeadStatusChanged",
        "LeadStatusChanged",
        "LeadStatusChanged",
        "BenchmarkAccessRequested",
    ]


def test_an_edit_that_changes_nothing_keeps_the_version() -> None:
    clock, ids = FixedClock(), SequentialIds()
    uow = InMemoryUnitOfWork(InMemoryStore(), clock, ids)
    lead = services.register_lead(
        RegisterLead(trade_name="Viajes Sol", country="ES", email="a@sol.es"),
        uow,
        clock,
        ids,
        AGENT,
    )
    version = services.update_details(
        UpdateDetails(lead, expected_version=1, trade_name="Viajes Sol"), uow, clock, AGENT
    )
    assert version == 1
    assert services.get_client(lead, uow, AGENT).version == 1


def test_a_failed_message_is_not_handled_again_when_redelivered() -> None:
    clock, ids = FixedClock(), SequentialIds()
    store = InMemoryStore()
    uow = InMemoryUnitOfWork(store, clock, ids)
    services.register_lead(
        RegisterLead(trade_name="Viajes Sol", country="ES", email="a@sol.es"),
        uow,
        clock,
        ids,
        AGENT,
    )
    calls: list[OutboxMessage] = []

    def boom(_event: object, message: OutboxMessage) -> None:
        calls.append(message)
        raise RuntimeError("down")

    registry = HandlerRegistry().with_handler("onboarding.lead_registered", "boom", boom)
    message_id = next(iter(store.outbox))
    for _ in range(MAX_ATTEMPTS):
        try:
            deliver_outbox_message(message_id, uow, registry, clock)
        except RuntimeError:
            clock.advance(timedelta(hours=2))
    assert store.outbox[message_id].status is OutboxStatus.FAILED
    deliver_outbox_message(message_id, uow, registry, clock)
    assert len(calls) == MAX_ATTEMPTS


def test_two_relays_never_claim_the_same_message_at_once() -> None:
    clock, ids = FixedClock(), SequentialIds()
    store = InMemoryStore()
    first, second = (InMemoryUnitOfWork(store, clock, ids) for _ in range(2))
    services.register_lead(
        RegisterLead(trade_name="Viajes Sol", country="ES", email="a@sol.es"),
        first,
        clock,
        ids,
        AGENT,
    )
    with first, second:
        claimed_first = first.outbox.claim_pending(clock.now(), 10)
        claimed_second = second.outbox.claim_pending(clock.now(), 10)
    assert len(claimed_first) == 1
    assert claimed_second == []
    with second:
        assert len(second.outbox.claim_pending(clock.now(), 10)) == 1


def test_the_country_filter_accepts_lower_case_codes() -> None:
    assert ClientQuery(country=" es ").country == "ES"
    assert ClientQuery(country=None).country is None
