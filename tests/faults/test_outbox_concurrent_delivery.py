"""Two deliveries of one outbox message at the same moment — a worker's own retry of a failed
delivery and the relay offering the message again once its retry delay passed — run each
handler once: the second waits on the message's row lock and finds the first's record.

Found by ``test_smtp_down``: with the mail server back, a supplier's e-mail left twice. Real
PostgreSQL, two threads, two connections; the handler is slow so the two overlap.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import Engine

from perla_adapters.memory import FixedClock, SequentialIds
from perla_adapters.sql import SqlAlchemyUnitOfWork, create_engine_for, migrate
from perla_core.onboarding.events import LeadRegistered
from perla_core.outbox import HandlerRegistry, OutboxMessage, OutboxStatus, deliver_outbox_message

HANDLERS = ("mail.first", "mail.second")


@pytest.fixture
def migrated_engine(postgres_url: str) -> Iterator[Engine]:
    """A scratch database of its own on the machine's server, at the newest schema."""
    name = f"perla_test_{secrets.token_hex(6)}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        engine = create_engine_for(postgres_url.rsplit("/", 1)[0] + f"/{name}")
        try:
            migrate(engine)
            yield engine
        finally:
            engine.dispose()
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.mark.postgres
def test_two_deliveries_of_one_message_at_once_run_each_handler_once(
    migrated_engine: Engine,
) -> None:
    clock, ids = FixedClock(), SequentialIds()
    event = LeadRegistered(ids.new_id(), clock.now(), "ana", "Viajes Ñandú", "ES")
    message = OutboxMessage(ids.new_id(), LeadRegistered.event_name, event.aggregate_id, event,
                            clock.now(), available_at=clock.now())  # fmt: skip
    with SqlAlchemyUnitOfWork(migrated_engine, clock, ids) as uow:
        uow.outbox.add([message])
        uow.commit()
    calls: list[str] = []
    lock = threading.Lock()

    def slow(name: str) -> Any:
        def handle(_event: object, _message: OutboxMessage) -> None:
            with lock:
                calls.append(name)
            time.sleep(0.3)  # an SMTP conversation: the other delivery arrives meanwhile

        return handle

    registry = HandlerRegistry()
    for name in HANDLERS:
        registry = registry.with_handler(LeadRegistered.event_name, name, slow(name))
    start = threading.Barrier(2)
    ran: list[list[str]] = []

    def deliver() -> None:
        start.wait()
        uow = SqlAlchemyUnitOfWork(migrated_engine, clock, ids)
        done = deliver_outbox_message(message.id, uow, registry, clock)
        with lock:
            ran.append(done)

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert sorted(calls) == sorted(HANDLERS)  # each handler once, not once per delivery
    assert sorted(name for done in ran for name in done) == sorted(HANDLERS)
    with SqlAlchemyUnitOfWork(migrated_engine, clock, ids) as uow:
        assert uow.outbox.get(message.id).status is OutboxStatus.DONE
