"""The relational schema, as SQLAlchemy Core tables.

Nothing here is mapped to a domain class: repositories turn rows into aggregates explicitly
(:mod:`perla_adapters.sql.serialization`). The migrations in ``migrations/versions`` create
this same schema; a test compares the two.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """``timestamptz`` on PostgreSQL, text on SQLite; always timezone-aware UTC in Python.

    SQLite keeps no offset, so values are converted to UTC on the way in and marked UTC on
    the way out. Naive datetimes are refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: perla stores timezone-aware UTC")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


clients = Table(
    "clients",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("trade_name", String(200), nullable=False),
    Column("legal_name", String(200)),
    Column("tax_id_country", String(2)),
    Column("tax_id_number", String(32)),
    Column("country", String(2), nullable=False),
    Column("email", String(254)),
    Column("phone", String(32)),
    Column("website", String(500)),
    Column("business_type", String(32)),
    Column("markets", JSON, nullable=False),
    Column("source", String(200)),
    Column("sales_owner", String(200)),
    Column("notes", Text),
    Column("addresses", JSON, nullable=False),
    Column("contacts", JSON, nullable=False),
    Column("phase", String(16), nullable=False),
    Column("lead_status", String(32), nullable=False),
    Column("client_status", String(32)),
    Column("lost_reason", Text),
    Column("converted_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("search_text", Text, nullable=False),
)
Index("ix_clients_phase", clients.c.phase)
Index("ix_clients_lead_status", clients.c.lead_status)
Index("ix_clients_client_status", clients.c.client_status)
Index("ix_clients_country", clients.c.country)
Index("ix_clients_created_at", clients.c.created_at.desc(), clients.c.id.desc())
Index("ix_clients_search_text", clients.c.search_text)
# NULLs never collide in a unique index on either database; the WHERE says so explicitly.
Index(
    "uq_clients_tax_id",
    clients.c.tax_id_country,
    clients.c.tax_id_number,
    unique=True,
    sqlite_where=clients.c.tax_id_number.is_not(None),
    postgresql_where=clients.c.tax_id_number.is_not(None),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("role", String(32), nullable=False),
    Column("prefix", String(64), nullable=False),
    Column("secret_digest", String(128), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
    Column("version", Integer, nullable=False),
    UniqueConstraint("prefix", name="uq_api_keys_prefix"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("topic", String(100), nullable=False),
    Column("aggregate_id", Uuid, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("available_at", UtcDateTime),
    Column("last_error", Text),
)
Index("ix_outbox_aggregate_id", outbox.c.aggregate_id)
Index("ix_outbox_status_available_at", outbox.c.status, outbox.c.available_at)

processed_messages = Table(
    "processed_messages",
    metadata,
    Column("message_id", Uuid, primary_key=True),
    Column("handler", String(200), primary_key=True),
    Column("processed_at", UtcDateTime, nullable=False),
)
