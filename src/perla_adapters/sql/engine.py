"""Engines, migrations and health for SQLite and PostgreSQL.

Nothing connects at import time: :func:`create_engine_for` builds a lazy engine, and the
schema only ever comes from the alembic migrations shipped inside this package.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from perla_core.kernel.errors import InvalidValue

MIGRATIONS = Path(__file__).parent / "migrations"

SQLITE_BUSY_TIMEOUT_MS = 5000


def normalise_url(url: str) -> URL:
    """``postgres://`` and ``postgresql://`` use psycopg 3; other URLs are kept as given."""
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            url = "postgresql+psycopg://" + url.removeprefix(scheme)
            break
    return make_url(url)


def create_engine_for(url: str, *, pool_size: int = 10) -> Engine:
    """An engine for a database URL, tuned per backend.

    SQLite: the file's folder is created, WAL journal (readers do not block the writer),
    a busy timeout instead of immediate "database is locked", foreign keys enforced, and
    connections shareable across threads (the pool hands each to one thread at a time).
    PostgreSQL: a pool of ``pool_size`` connections checked before use.
    """
    sa_url = normalise_url(url)
    if sa_url.get_backend_name() == "sqlite":
        database = sa_url.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(sa_url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # No pre-ping: it costs a round trip per checkout. After a server restart the first
    # statement on a dead connection fails, SQLAlchemy sees a disconnect, invalidates the
    # whole pool, and the next unit of work reconnects (the API answers 503 meanwhile).
    engine = create_engine(sa_url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800)
    event.listen(engine, "before_cursor_execute", _refuse_nul_text)
    return engine


def _refuse_nul_text(
    _conn: Any,
    _cursor: Any,
    _statement: str,
    parameters: Any,
    _context: Any,
    executemany: bool,
) -> None:
    """PostgreSQL's text cannot hold NUL: :class:`InvalidValue` naming the column, not a
    ``DataError`` (a 500) from the server. Nothing is sent."""
    for row in parameters if executemany else [parameters]:
        if not isinstance(row, Mapping):
            continue
        for name, value in row.items():
            if isinstance(value, str) and "\x00" in value:
                field = re.sub(r"_\d+$", "", str(name))
                raise InvalidValue("text cannot contain the NUL character (\\x00)", field=field)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(engine_or_url: Engine | str) -> None:
    """Bring the schema to the newest revision (alembic ``upgrade head``)."""
    _run(engine_or_url, lambda config: command.upgrade(config, "head"))


def downgrade(engine_or_url: Engine | str, revision: str = "base") -> None:
    """Undo migrations down to ``revision`` (``"base"``: an empty database)."""
    _run(engine_or_url, lambda config: command.downgrade(config, revision))


def _run(engine_or_url: Engine | str, step: Any) -> None:
    owned = isinstance(engine_or_url, str)
    engine = create_engine_for(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    try:
        with engine.begin() as connection:
            config = _alembic_config()
            config.attributes["connection"] = connection
            step(config)
    finally:
        if owned:
            engine.dispose()


def head_revision() -> str | None:
    """The newest revision the shipped migrations know."""
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; ``None`` when it was never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def database_ready(engine: Engine) -> bool:
    """Whether the database answers ``SELECT 1`` (any database error means no)."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True
