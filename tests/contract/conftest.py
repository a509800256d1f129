"""Every unit-of-work adapter behind one parametrized fixture: the contracts run on each.

``new_uow()`` makes units of work over one shared store (an :class:`InMemoryStore`, a migrated
SQLite file, a migrated PostgreSQL database), emptied before every test. ``clock`` and
``ids`` are shared by all units of work of a test, so ids never repeat within it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete

from perla_adapters.memory import FixedClock, InMemoryStore, InMemoryUnitOfWork, SequentialIds
from perla_adapters.sql import SqlAlchemyUnitOfWork, create_engine_for, metadata, migrate
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
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(delete(table))
    return engine


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
