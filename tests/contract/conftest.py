"""Every unit-of-work adapter behind one parametrized fixture: the contracts run on each.

``new_uow()`` makes units of work over one shared store (an :class:`InMemoryStore`, a migrated
SQLite file, a migrated PostgreSQL database), emptied before every test. ``clock`` and
``ids`` are shared by all units of work of a test, so ids never repeat within it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, delete, text

from perla_adapters.memory import FixedClock, InMemoryStore, InMemoryUnitOfWork, SequentialIds
from perla_adapters.sql import SqlAlchemyUnitOfWork, create_engine_for, metadata, migrate
from perla_adapters.sql.customers import insert_default_catalogues
from perla_core.uow import UnitOfWork

ADAPTERS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("contract") / "perla.db"
    engine = create_engine_for(f"sqlite:///{path}")
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    engine = create_engine_for(postgres_url, pool_size=4)
    migrate(engine)
    yield engine
    engine.dispose()


def _emptied(engine: Engine) -> Engine:
    """Every table emptied in one transaction, the append-only ``policy_audit`` included: its
    triggers are set aside for the deletes and are back, unchanged, when it commits."""
    with engine.begin() as connection:
        restore = _lift_append_only(connection)
        for table in reversed(metadata.sorted_tables):
            connection.execute(delete(table))
        for statement in restore:
            connection.execute(text(statement))
        insert_default_catalogues(connection)  # the rows migration 0006 inserts
    return engine


emptied = _emptied
"""Every table of ``engine`` emptied (the default catalogues put back): for a test that takes
one database's engine directly."""


def _lift_append_only(connection: Connection) -> list[str]:
    """Disable (PostgreSQL) or drop (SQLite) policy_audit's triggers; returns what restores
    them."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("ALTER TABLE policy_audit DISABLE TRIGGER USER"))
        return ["ALTER TABLE policy_audit ENABLE TRIGGER USER"]
    triggers = connection.execute(
        text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
        {"t": "policy_audit"},
    ).all()
    for name, _ in triggers:
        connection.execute(text(f'DROP TRIGGER "{name}"'))
    return [sql for _, sql in triggers]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def ids() -> SequentialIds:
    return SequentialIds()


@pytest.fixture(params=ADAPTERS)
def new_uow(
    request: pytest.FixtureRequest, clock: FixedClock, ids: SequentialIds
) -> Callable[[], UnitOfWork]:
    if request.param == "memory":
        store = InMemoryStore()
        return lambda: InMemoryUnitOfWork(store, clock, ids)
    engine = _emptied(request.getfixturevalue(f"{request.param}_engine"))
    return lambda: SqlAlchemyUnitOfWork(engine, clock, ids)


@pytest.fixture(params=ADAPTERS[1:])
def sql_engine(request: pytest.FixtureRequest) -> Engine:
    """The SQL adapters' databases alone (SQLite, PostgreSQL), emptied, for what only a
    database enforces."""
    engine: Engine = request.getfixturevalue(f"{request.param}_engine")
    return _emptied(engine)
