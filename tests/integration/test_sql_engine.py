"""Engines for SQLite and PostgreSQL: URLs, connection settings, time zones, readiness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.exc import StatementError

from perla_adapters.sql import create_engine_for, database_ready, normalise_url
from perla_adapters.sql.tables import processed_messages

MESSAGE_ID = UUID("00000000-0000-7000-8000-000000000001")


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgres://app:pw@db:5432/perla", "postgresql+psycopg://app:***@db:5432/perla"),
        ("postgresql://postgres@127.0.0.1/perla", "postgresql+psycopg://postgres@127.0.0.1/perla"),
        ("postgresql+psycopg://u@h/perla", "postgresql+psycopg://u@h/perla"),
        ("sqlite:////var/lib/perla/perla.db", "sqlite:////var/lib/perla/perla.db"),
    ],
)
def test_postgresql_urls_of_any_spelling_use_psycopg_3(given: str, used: str) -> None:
    assert str(normalise_url(given)) == used


def test_a_sqlite_database_gets_its_folder_wal_a_busy_timeout_and_foreign_keys(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a" / "b" / "perla.db"
    engine = create_engine_for(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            pragmas = {
                name: connection.execute(text(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "busy_timeout", "foreign_keys")
            }
    finally:
        engine.dispose()
    assert path.exists()
    assert pragmas == {"journal_mode": "wal", "busy_timeout": 5000, "foreign_keys": 1}


def test_datetimes_come_back_timezone_aware_in_utc_and_naive_ones_are_refused(
    migrated_engine: Engine,
) -> None:
    madrid_summer = timezone(timedelta(hours=2))
    written = datetime(2026, 7, 1, 12, 0, 0, 250_000, tzinfo=madrid_summer)
    naive = written.replace(tzinfo=None)
    with migrated_engine.begin() as connection:
        connection.execute(
            insert(processed_messages).values(
                message_id=MESSAGE_ID, handler="mailer", processed_at=written
            )
        )
        read = connection.scalar(select(processed_messages.c.processed_at))
        with pytest.raises(StatementError, match="naive datetime"):
            connection.execute(
                insert(processed_messages).values(
                    message_id=MESSAGE_ID, handler="crm", processed_at=naive
                )
            )

    assert read == written
    assert read is not None
    assert read.tzinfo is UTC
    assert read.hour == 10


def test_a_database_that_answers_is_ready_and_one_that_does_not_is_not(
    migrated_engine: Engine,
) -> None:
    unreachable = create_engine_for("postgresql://postgres@127.0.0.1:9/nothing")
    try:
        assert database_ready(migrated_engine)
        assert not database_ready(unreachable)
    finally:
        unreachable.dispose()
