"""Real services for the test session: a fresh PostgreSQL database and a Redis database.

Each session creates its own, with a random name or number, and removes only that at the
end. A service that does not answer skips its tests locally and fails them under CI=true.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from typing import NoReturn

import pytest

POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"
REDIS_SERVER = "redis://127.0.0.1:6379"


def _unavailable(service: str, error: Exception) -> NoReturn:
    message = f"{service} is not answering ({type(error).__name__}: {error})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; under CI=true its tests must run, not skip")
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of its own on the local server, dropped when the session ends."""
    try:
        import psycopg  # noqa: PLC0415 - an optional extra
        from psycopg import sql  # noqa: PLC0415

        admin = psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True, connect_timeout=3)
    except Exception as error:  # noqa: BLE001 - any failure means "not available"
        _unavailable("PostgreSQL", error)
    name = f"perla_test_{secrets.token_hex(6)}"
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield f"{POSTGRES_SERVER}/{name}"
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis database number of its own (1..14; 15 is the load bench's), flushed when the
    session ends."""
    url = f"{REDIS_SERVER}/{secrets.choice(range(1, 15))}"
    try:
        import redis  # noqa: PLC0415 - an optional extra

        client = redis.Redis.from_url(url, socket_connect_timeout=3)
        client.ping()
    except Exception as error:  # noqa: BLE001 - any failure means "not available"
        _unavailable("Redis", error)
    with client:
        try:
            yield url
        finally:
            client.flushdb()
