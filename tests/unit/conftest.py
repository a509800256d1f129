"""Fixtures of the unit tests: the memory adapters with a clock and ids that stand still."""

from __future__ import annotations

import pytest

from perla_adapters.memory import (
    FixedClock,
    InMemoryStore,
    InMemoryUnitOfWork,
    SequentialIds,
    StaticSecrets,
)
from perla_core.access.model import Actor, Role


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def ids() -> SequentialIds:
    return SequentialIds()


@pytest.fixture
def secrets() -> StaticSecrets:
    return StaticSecrets()


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def uow(store: InMemoryStore, clock: FixedClock, ids: SequentialIds) -> InMemoryUnitOfWork:
    return InMemoryUnitOfWork(store, clock, ids)


@pytest.fixture
def agent() -> Actor:
    return Actor("ana.agent", Role.AGENT)


@pytest.fixture
def admin() -> Actor:
    return Actor("alba.admin", Role.ADMIN)


@pytest.fixture
def reader() -> Actor:
    return Actor("rita.reader", Role.READONLY)
