"""Databases of their own for tests that start from nothing (migrations, locking)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from perla_adapters.sql import create_engine_for, migrate


@pytest.fixture
def fresh_postgres_url(postgres_url: str) -> Iterator[str]:
    """A new, empty database on the session's PostgreSQL server, dropped after the test."""
    import psycopg  # noqa: PLC0415 - an optional extra, present when postgres_url is
    from psycopg import sql  # noqa: PLC0415

    name = f"perla_test_{secrets.token_hex(6)}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty SQLite file (in a folder that does not exist yet) or PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'not-yet' / 'perla.db'}"
    url: str = request.getfixturevalue("fresh_postgres_url")
    return url


@pytest.fixture
def migrated_engine(empty_database_url: str) -> Iterator[Engine]:
    """An engine on an empty database brought to the newest schema."""
    engine = create_engine_for(empty_database_url)
    migrate(engine)
    yield engine
    engine.dispose()
