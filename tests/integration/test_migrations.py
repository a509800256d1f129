"""The alembic migrations shipped in the package build exactly the schema the adapters use."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from perla_adapters.memory import FixedClock, SequentialIds
from perla_adapters.sql import (
    SqlAlchemyUnitOfWork,
    create_engine_for,
    current_revision,
    downgrade,
    head_revision,
    metadata,
    migrate,
)
from perla_core.customers.model import DEFAULT_GROUPS, DEFAULT_TITLES
from perla_core.onboarding.model import OnboardingConfig

INITIAL_TABLES = {"clients", "api_keys", "outbox", "processed_messages"}
SECOND_TABLES = INITIAL_TABLES | {
    "credentials",
    "commercial_policies",
    "policy_audit",
    "global_rules",
}
THIRD_TABLES = SECOND_TABLES | {"supplier_requests"}
FOURTH_TABLES = THIRD_TABLES | {"hotel_records", "hotel_blocks", "hotel_imports"}
INQUIRY_TABLES = {"inquiries", "inquiry_message_ids", "inquiry_reminders", "unmatched_emails"}
CUSTOMER_TABLES = {
    "titles",
    "customer_groups",
    "managers",
    "customer_accounts",
    "customer_contact_titles",
    "assignment_state",
    "order_numbers",
    "orders",
    "carts",
}
CONVERSATION_TABLES = {"conversations", "conversation_message_refs", "received_events"}
CATALOGUE_TABLES = {"products", "product_prices", "product_stock"}
FINANCING_TABLES = {"financing_rates"}
DOCUMENT_TABLES = {"document_series", "billing_documents"}
SALES_TABLES = {"payments"}
CAMPAIGN_TABLES = {"campaign_runs", "campaign_recipients", "campaign_opt_outs"}
ASSISTANT_TABLES = {"assistant_conversations", "assistant_entries"}
TABLES = (
    FOURTH_TABLES
    | INQUIRY_TABLES
    | CUSTOMER_TABLES
    | CONVERSATION_TABLES
    | CATALOGUE_TABLES
    | FINANCING_TABLES
    | DOCUMENT_TABLES
    | SALES_TABLES
    | CAMPAIGN_TABLES
    | ASSISTANT_TABLES
)


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
    assert current_revision(engine) == head_revision() == "0014"


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
    assert client_indexes["uq_clients_dome_customer_code"]["unique"]
    credential_indexes = {i["name"]: i for i in inspector.get_indexes("credentials")}
    assert credential_indexes["ix_credentials_client_id"]["column_names"] == ["client_id"]
    assert {u["name"] for u in inspector.get_unique_constraints("credentials")} == {
        "uq_credentials_username"
    }
    policy_indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes(
        "commercial_policies")}  # fmt: skip
    assert policy_indexes["ix_commercial_policies_next_due_at"] == ["next_due_at"]
    assert inspector.get_pk_constraint("policy_audit")["constrained_columns"] == [
        "client_id",
        "revision",
    ]
    references = {
        (table, fk["referred_table"])
        for table in ("credentials", "commercial_policies", "policy_audit")
        for fk in inspector.get_foreign_keys(table)
    }
    assert references == {
        ("credentials", "clients"),
        ("commercial_policies", "clients"),
        ("policy_audit", "commercial_policies"),
    }
    supplier_indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes(
        "supplier_requests")}  # fmt: skip
    assert supplier_indexes == {
        "ix_supplier_requests_matched_hotel_ref": ["matched_hotel_ref"],
        "ix_supplier_requests_status_created_at": ["status", "created_at"],
        "ix_supplier_requests_created_at": ["created_at"],
    }
    assert inspector.get_pk_constraint("supplier_requests")["constrained_columns"] == ["id"]


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


def _append_only_guards(engine: Engine) -> set[str]:
    """The triggers (and, on PostgreSQL, the function) keeping policy_audit append-only."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            rows = connection.execute(
                text(
                    "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
                    " UNION SELECT proname FROM pg_proc WHERE proname LIKE 'policy_audit%'"
                )
            )
        else:
            rows = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        return {name for (name,) in rows}


def test_the_second_migration_adds_the_append_only_guards_and_its_downgrade_removes_all(
    engine: Engine,
) -> None:
    migrate(engine)
    guards = (
        {"policy_audit_append_only", "policy_audit_refuse_change"}
        if engine.dialect.name == "postgresql"
        else {"policy_audit_no_update", "policy_audit_no_delete"}
    )
    assert _append_only_guards(engine) == guards

    downgrade(engine, "0001")

    assert current_revision(engine) == "0001"
    assert _tables(engine) == INITIAL_TABLES
    assert _append_only_guards(engine) == set()
    client_columns = {c["name"] for c in inspect(engine).get_columns("clients")}
    assert not client_columns & {"onboarding", "dome_customer_code", "technical_validations"}
    assert "uq_clients_dome_customer_code" not in {
        i["name"] for i in inspect(engine).get_indexes("clients")
    }
    migrate(engine)
    assert _tables(engine) == TABLES
    assert _append_only_guards(engine) == guards


def test_clients_stored_before_the_second_migration_load_after_it(engine: Engine) -> None:
    migrate(engine)
    downgrade(engine, "0001")
    client_id = uuid4()
    now = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO clients (id, version, trade_name, country, markets, addresses,"
                " contacts, phase, lead_status, created_at, updated_at, search_text, email)"
                " VALUES (:id, 1, 'Viajes', 'ES', '[]', '[]', '[]', 'lead', 'new', :now, :now,"
                " 'viajes', 'hola@viajes.es')"
            ),
            {"id": client_id.hex if engine.dialect.name == "sqlite" else client_id, "now": now},
        )

    migrate(engine)

    with SqlAlchemyUnitOfWork(engine, FixedClock(), SequentialIds()) as uow:
        client = uow.clients.get(client_id)
    assert (client.onboarding, client.estimate, client.technical_validations) == (
        OnboardingConfig(),
        None,
        {},
    )


def test_the_third_migration_adds_the_supplier_requests_and_its_downgrade_removes_them(
    engine: Engine,
) -> None:
    migrate(engine)

    downgrade(engine, "0002")

    assert current_revision(engine) == "0002"
    assert _tables(engine) == SECOND_TABLES
    migrate(engine)
    assert _tables(engine) == TABLES
    assert current_revision(engine) == head_revision()


def test_the_fourth_migration_adds_the_hotel_directory_and_its_downgrade_removes_it(
    engine: Engine,
) -> None:
    migrate(engine)
    inspector = inspect(engine)
    assert inspector.get_pk_constraint("hotel_records")["constrained_columns"] == ["ref"]
    assert inspector.get_pk_constraint("hotel_blocks")["constrained_columns"] == ["ref", "block"]
    block_indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes("hotel_blocks")}
    assert block_indexes["ix_hotel_blocks_block_ref"] == ["block", "ref"]
    import_indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes("hotel_imports")}
    assert import_indexes["ix_hotel_imports_started_at"] == ["started_at", "id"]

    downgrade(engine, "0003")

    assert current_revision(engine) == "0003"
    assert _tables(engine) == THIRD_TABLES
    migrate(engine)
    assert _tables(engine) == TABLES


def test_the_sixth_migration_adds_the_customer_tables_with_the_default_catalogues(
    engine: Engine,
) -> None:
    migrate(engine)

    with SqlAlchemyUnitOfWork(engine, FixedClock(), SequentialIds()) as uow:
        stored_titles = {t.id: (t.code, t.label, t.active, t.version) for t in uow.titles.list()}
        stored_groups = [
            (g.id, g.code, g.name, g.discount_pct, g.system, g.version)
            for g in uow.customer_groups.list()
        ]
    assert stored_titles == {t.id: (t.code, t.label, t.active, t.version) for t in DEFAULT_TITLES}
    assert stored_groups == [
        (g.id, g.code, g.name, g.discount_pct, g.system, g.version) for g in DEFAULT_GROUPS
    ]
    inspector = inspect(engine)
    references = {
        (table, tuple(fk["constrained_columns"]), fk["referred_table"])
        for table in ("customer_accounts", "customer_contact_titles", "orders", "carts")
        for fk in inspector.get_foreign_keys(table)
    }
    assert references == {
        ("customer_accounts", ("client_id",), "clients"),
        ("customer_accounts", ("group_id",), "customer_groups"),
        ("customer_accounts", ("title_id",), "titles"),
        ("customer_accounts", ("manager_id",), "managers"),
        ("customer_contact_titles", ("client_id",), "customer_accounts"),
        ("customer_contact_titles", ("title_id",), "titles"),
        ("orders", ("client_id",), "clients"),
        ("orders", ("manager_id",), "managers"),
        ("carts", ("client_id",), "clients"),
    }

    downgrade(engine, "0005")

    assert current_revision(engine) == "0005"
    assert not _tables(engine) & CUSTOMER_TABLES
    migrate(engine)
    assert _tables(engine) == TABLES


def test_the_seventh_migration_adds_the_conversation_tables_and_its_downgrade_removes_them(
    engine: Engine,
) -> None:
    migrate(engine)

    inspector = inspect(engine)
    assert {u["name"] for u in inspector.get_unique_constraints("conversations")} == {
        "uq_conversations_contact"
    }
    assert {u["name"] for u in inspector.get_unique_constraints("received_events")} == {
        "uq_received_events_event_id"
    }
    event_indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes("received_events")}
    assert event_indexes["ix_received_events_contact_processed_at_seq"] == [
        "contact",
        "processed_at",
        "seq",
    ]
    assert [
        (fk["constrained_columns"], fk["referred_table"])
        for fk in inspector.get_foreign_keys("conversation_message_refs")
    ] == [(["conversation_id"], "conversations")]

    downgrade(engine, "0006")

    assert current_revision(engine) == "0006"
    assert not _tables(engine) & CONVERSATION_TABLES
    migrate(engine)
    assert _tables(engine) == TABLES


def test_the_eighth_migration_adds_the_catalogue_and_its_downgrade_removes_it(
    engine: Engine,
) -> None:
    migrate(engine)
    inspector = inspect(engine)
    assert {u["name"] for u in inspector.get_unique_constraints("products")} == {"uq_products_sku"}
    indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes("products")}
    assert indexes["ix_products_brand_key_sku"] == ["brand_key", "sku"]
    assert indexes["ix_products_category_sku"] == ["category", "sku"]
    for child in ("product_prices", "product_stock"):
        assert [
            (fk["constrained_columns"], fk["referred_table"])
            for fk in inspector.get_foreign_keys(child)
        ] == [(["product_id"], "products")]

    downgrade(engine, "0007")

    assert current_revision(engine) == "0007"
    assert not _tables(engine) & CATALOGUE_TABLES
    migrate(engine)
    assert _tables(engine) == TABLES


def test_the_thirteenth_migration_adds_the_assistant_tables_and_its_downgrade_removes_them(
    engine: Engine,
) -> None:
    migrate(engine)
    inspector = inspect(engine)
    indexes = {
        i["name"]: i["column_names"] for i in inspector.get_indexes("assistant_conversations")
    }
    assert indexes["ix_assistant_conversations_owner_updated_at_id"] == [
        "owner",
        "updated_at",
        "id",
    ]
    assert inspector.get_pk_constraint("assistant_entries")["constrained_columns"] == [
        "conversation_id",
        "position",
    ]
    assert [
        (fk["constrained_columns"], fk["referred_table"])
        for fk in inspector.get_foreign_keys("assistant_entries")
    ] == [(["conversation_id"], "assistant_conversations")]

    downgrade(engine, "0012")

    assert current_revision(engine) == "0012"
    assert not _tables(engine) & ASSISTANT_TABLES
    migrate(engine)
    assert _tables(engine) == TABLES


def test_the_fourteenth_migration_adds_the_outbox_correlation_id_and_its_downgrade_drops_it(
    engine: Engine,
) -> None:
    migrate(engine)
    assert "correlation_id" in {c["name"] for c in inspect(engine).get_columns("outbox")}

    downgrade(engine, "0013")

    assert current_revision(engine) == "0013"
    assert "correlation_id" not in {c["name"] for c in inspect(engine).get_columns("outbox")}
    migrate(engine)
    assert current_revision(engine) == head_revision()
