"""What only the SQL unit of work has to say: connections and failed commits."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from perla_adapters.memory import FixedClock, SequentialIds
from perla_adapters.sql import SqlAlchemyUnitOfWork
from perla_core.kernel.errors import NotFound
from perla_core.kernel.values import Email
from perla_core.onboarding.model import Client


def _lead(clock: FixedClock, ids: SequentialIds, name: str) -> Client:
    return Client.register_lead(
        client_id=ids.new_id(), trade_name=name, country="ES", now=clock.now(), actor="ana",
        email=Email.parse("hola@nandu.es"),
    )  # fmt: skip


def test_a_commit_that_fails_persists_nothing_and_the_block_can_go_on(
    migrated_engine: Engine,
) -> None:
    clock, ids = FixedClock(), SequentialIds()
    broken, fine = _lead(clock, ids, "Roto"), _lead(clock, ids, "Bien")
    broken.events.append(object())  # not a registered domain event: the outbox refuses it
    uow = SqlAlchemyUnitOfWork(migrated_engine, clock, ids)
    with uow:
        uow.clients.add(broken)
        with pytest.raises(TypeError, match="not a registered domain event"):
            uow.commit()
        uow.clients.add(fine)
        uow.commit()

    with uow:
        assert uow.clients.get(fine.id).trade_name == "Bien"
        with pytest.raises(NotFound):
            uow.clients.get(broken.id)
        assert [m.topic for m in uow.outbox.for_aggregate(fine.id)] == [
            "onboarding.lead_registered"
        ]


def test_each_block_holds_one_connection_and_gives_it_back(migrated_engine: Engine) -> None:
    clock, ids = FixedClock(), SequentialIds()
    uow = SqlAlchemyUnitOfWork(migrated_engine, clock, ids)
    for _ in range(3):
        with uow:
            assert migrated_engine.pool.checkedout() == 1  # type: ignore[attr-defined]
            with pytest.raises(RuntimeError, match="already open"), uow:
                pass
    assert migrated_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError, match="inside `with uow:`"):
        uow.commit()
