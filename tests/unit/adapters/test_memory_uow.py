"""The in-memory unit of work keeps the promises of a database transaction: only commit
persists, leaving or failing rolls back, and a concurrent edit is refused as stale."""

from __future__ import annotations

from uuid import UUID

import pytest

from perla_adapters.memory import FixedClock, InMemoryStore, InMemoryUnitOfWork, SequentialIds
from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion
from perla_core.kernel.values import Email, TaxId
from perla_core.onboarding.model import Client
from perla_core.outbox import OutboxStatus


def a_lead(clock: FixedClock, number: int = 1, tax_id: str | None = None) -> Client:
    return Client.register_lead(
        client_id=UUID(int=number),
        trade_name=f"Agencia {number}",
        country="ES",
        now=clock.now(),
        actor="ana.agent",
        email=Email.parse(f"hola{number}@example.es"),
        tax_id=TaxId.parse(tax_id, "ES") if tax_id else None,
    )


def other_uow(store: InMemoryStore, clock: FixedClock, ids: SequentialIds) -> InMemoryUnitOfWork:
    return InMemoryUnitOfWork(store, clock, ids)


def test_commit_persists_the_aggregate_and_its_events_in_the_outbox(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
) -> None:
    lead = a_lead(clock)
    with uow:
        uow.clients.add(lead)
        uow.commit()
    assert lead.events == []
    assert store.clients[lead.id].version == 1
    (message,) = store.outbox.values()
    assert (message.topic, message.aggregate_id, message.status) == (
        "onboarding.lead_registered",
        lead.id,
        OutboxStatus.PENDING,
    )
    with other_uow(store, clock, ids) as reader:
        assert reader.clients.get(lead.id).trade_name == "Agencia 1"


def test_leaving_without_commit_rolls_back(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
) -> None:
    lead = a_lead(clock)
    with uow:
        uow.clients.add(lead)
        assert uow.clients.get(lead.id).id == lead.id
    assert store.clients == {}
    assert store.outbox == {}
    assert lead.events == []
    with uow, pytest.raises(NotFound):
        uow.clients.get(lead.id)


def test_an_error_inside_the_unit_of_work_rolls_back(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
) -> None:
    def add_then_fail() -> None:
        with uow:
            uow.clients.add(a_lead(clock))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        add_then_fail()
    assert store.clients == {}
    assert store.outbox == {}


def test_an_explicit_rollback_discards_the_writes_and_the_block_goes_on(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
) -> None:
    with uow:
        uow.clients.add(a_lead(clock, 1))
        uow.rollback()
        uow.clients.add(a_lead(clock, 2))
        uow.commit()
    assert list(store.clients) == [UUID(int=2)]


def test_a_read_copy_changes_nothing_until_saved_and_committed(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
) -> None:
    lead = a_lead(clock)
    with uow:
        uow.clients.add(lead)
        uow.commit()
    with uow:
        copy = uow.clients.get(lead.id)
        copy.notes = "draft"
        assert store.clients[lead.id].notes is None
        uow.clients.save(copy)
        assert store.clients[lead.id].notes is None
        uow.commit()
    assert store.clients[lead.id].notes == "draft"
    assert store.clients[lead.id].version == 2


def test_two_units_of_work_editing_one_client_the_second_save_is_stale(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
) -> None:
    lead = a_lead(clock)
    with uow:
        uow.clients.add(lead)
        uow.commit()
    with uow, other_uow(store, clock, ids) as second:
        mine = uow.clients.get(lead.id)
        theirs = second.clients.get(lead.id)
        mine.notes = "mine"
        uow.clients.save(mine)
        uow.commit()
        theirs.notes = "theirs"
        with pytest.raises(StaleVersion) as raised:
            second.clients.save(theirs)
        assert raised.value.details == {"expected": 1, "actual": 2}
    assert store.clients[lead.id].notes == "mine"


def test_two_units_of_work_saving_one_client_the_second_commit_is_stale(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
) -> None:
    lead = a_lead(clock)
    with uow:
        uow.clients.add(lead)
        uow.commit()
    with uow, other_uow(store, clock, ids) as second:
        mine = uow.clients.get(lead.id)
        theirs = second.clients.get(lead.id)
        mine.mark_contacted(now=clock.now(), actor="ana")
        theirs.mark_lost("no budget", now=clock.now(), actor="luis")
        uow.clients.save(mine)
        second.clients.save(theirs)
        second.clients.add(a_lead(clock, 2))
        uow.commit()
        outbox_before = dict(store.outbox)
        with pytest.raises(StaleVersion):
            second.commit()
    assert store.clients[lead.id].lead_status.value == "contacted"
    assert UUID(int=2) not in store.clients
    assert store.outbox == outbox_before


def test_a_client_id_cannot_be_added_twice(
    uow: InMemoryUnitOfWork,
    clock: FixedClock,
) -> None:
    with uow:
        uow.clients.add(a_lead(clock))
        with pytest.raises(AlreadyExists):
            uow.clients.add(a_lead(clock))


def test_a_tax_id_taken_in_a_concurrent_transaction_is_refused_at_commit(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
) -> None:
    with uow, other_uow(store, clock, ids) as second:
        uow.clients.add(a_lead(clock, 1, tax_id="B58378431"))
        second.clients.add(a_lead(clock, 2, tax_id="B58378431"))
        uow.commit()
        with pytest.raises(AlreadyExists):
            second.commit()
    assert list(store.clients) == [UUID(int=1)]


def test_saving_a_client_that_was_never_added_is_not_found(
    uow: InMemoryUnitOfWork,
    clock: FixedClock,
) -> None:
    with uow, pytest.raises(NotFound):
        uow.clients.save(a_lead(clock))
