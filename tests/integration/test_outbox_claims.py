"""PostgreSQL relays claim the outbox side by side: locked rows are skipped, not waited for.

The contract suite shows the outcome on every adapter; this shows the mechanism.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from perla_adapters.memory import FixedClock, SequentialIds
from perla_adapters.sql import SqlAlchemyUnitOfWork
from perla_core.onboarding.events import LeadRegistered
from perla_core.outbox import OutboxMessage


def _pending(engine: Engine, clock: FixedClock, ids: SequentialIds, count: int) -> list[str]:
    messages = []
    for _ in range(count):
        event = LeadRegistered(ids.new_id(), clock.now(), "ana", "Viajes Ñandú", "ES")
        messages.append(
            OutboxMessage(ids.new_id(), LeadRegistered.event_name, event.aggregate_id, event,
                          clock.now(), available_at=clock.now())
        )  # fmt: skip
    with SqlAlchemyUnitOfWork(engine, clock, ids) as uow:
        uow.outbox.add(messages)
        uow.commit()
    return [str(m.id) for m in messages]


@pytest.mark.postgres
@pytest.mark.parametrize("empty_database_url", ["postgres"], indirect=True)
def test_two_relays_claiming_at_once_on_postgresql_get_disjoint_messages_without_waiting(
    migrated_engine: Engine,
) -> None:
    clock, ids = FixedClock(), SequentialIds()
    every = _pending(migrated_engine, clock, ids, 5)

    with (
        SqlAlchemyUnitOfWork(migrated_engine, clock, ids) as first,
        SqlAlchemyUnitOfWork(migrated_engine, clock, ids) as second,
    ):
        mine = [str(m.id) for m in first.outbox.claim_pending(clock.now(), limit=2)]
        theirs = [str(m.id) for m in second.outbox.claim_pending(clock.now(), limit=10)]

    assert mine == every[:2]
    assert theirs == every[2:]
