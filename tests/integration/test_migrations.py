"""The alembic migrations shipped in the package build exactly the schema the adapters use."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from perla_adapters.sql import (
    create_engine_for,
    current_revision,
    downgrade,
    head_revision,
    metadata,
    migrate,
)

TABLES = {"clients", "api_keys", "outbox", "processed_messages"}


@pytest.fixture
def engine(empty_database_url: str) -> Iterator[Engine]:
    engine = create_engine_for(empty_database_url)
    yield engine
    engine.dispose()


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrading_an_empty_database_creates_the_schema_at_the_head_revision(
    engine: Engine,
) -> None:
    assert current_revision(engine) is None
    assert _tables(engine) == set()

    migrate(engine)

    assert _tables(engine) == TABLES
    assert current_revision(engine) == head_revision() == "0001"


def test_the_migrated_schema_matches_the_tables_the_adapters_use(engine: Engine) -> None:
    migrate(engine)

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_the_schema_has_the_indexes_the_list_filters_and_the_relay_need(engine: Engine) -> None:
    migrate(engine)

    inspector = inspect(engine)
    client_indexes = {i["name"]: i for i in inspector.get_indexes("clients")}
    outbox_indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes("outbox")}
    assert {
        "ix_clients_phase",
        "ix_clients_lead_status",
        "ix_clients_client_status",
        "ix_clients_country",
        "ix_clients_created_at",
        "ix_clients_search_text",
    } <= set(client_indexes)
    assert client_indexes["uq_clients_tax_id"]["unique"]
    assert outbox_indexes["ix_outbox_status_available_at"] == ["status", "available_at"]
    assert outbox_indexes["ix_outbox_aggregate_id"] == ["aggregate_id"]


def test_migrating_again_changes_nothing_and_a_url_works_as_well_as_an_engine(
    engine: Engine, empty_database_url: str
) -> None:
    migrate(empty_database_url)
    migrate(engine)

    assert current_revision(engine) == head_revision()
    assert _tables(engine) == TABLES


def test_downgrading_to_base_removes_every_table(engine: Engine) -> None:
    migrate(engine)

    downgrade(engine, "base")

    assert _tables(engine) == set()
    assert current_revision(engine) is None
    migrate(engine)
    assert _tables(engine) == TABLES
