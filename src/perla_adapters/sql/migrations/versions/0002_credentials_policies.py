"""The client's registration, onboarding and go-live fields; credentials; commercial policies
with their append-only audit trail; PerlaHub's global rules.

``policy_audit`` refuses UPDATE and DELETE in the database itself, for every role: a
PL/pgSQL trigger function on PostgreSQL (which refuses TRUNCATE too), ``RAISE(ABORT)``
triggers on SQLite.

Revision ID: 0002
Revises: 0001
Create Date: 2026-02-10 09:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY_MESSAGE = "policy_audit is append-only"

POSTGRES_APPEND_ONLY = (
    f"""
    CREATE FUNCTION policy_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}: % is not allowed', TG_OP
            USING ERRCODE = 'integrity_constraint_violation';
    END
    $$
    """,
    """
    CREATE TRIGGER policy_audit_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON policy_audit
    FOR EACH STATEMENT EXECUTE FUNCTION policy_audit_refuse_change()
    """,
)
POSTGRES_DROP = (
    "DROP TRIGGER IF EXISTS policy_audit_append_only ON policy_audit",
    "DROP FUNCTION IF EXISTS policy_audit_refuse_change()",
)

SQLITE_APPEND_ONLY = tuple(
    f"""
    CREATE TRIGGER policy_audit_no_{verb.lower()}
    BEFORE {verb} ON policy_audit
    BEGIN
        SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}: {verb} is not allowed');
    END
    """
    for verb in ("UPDATE", "DELETE")
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS policy_audit_no_update",
    "DROP TRIGGER IF EXISTS policy_audit_no_delete",
)

NEW_CLIENT_COLUMNS = (
    "onboarding",
    "estimate",
    "benchmark_access_until",
    "benchmark_access_id",
    "benchmark_login",
    "dome_customer_code",
    "perlahub_agency_id",
    "registration_error",
    "validated_by",
    "validated_at",
    "live_at",
    "technical_validations",
)


def _when(name: str, *, nullable: bool = True) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _empty_json(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.JSON(), nullable=False, server_default=sa.text("'{}'"))


def _by_dialect(postgres: Sequence[str], sqlite: Sequence[str]) -> Sequence[str]:
    dialect = op.get_context().dialect.name
    if dialect == "postgresql":
        return postgres
    if dialect == "sqlite":
        return sqlite
    raise NotImplementedError(f"no append-only triggers for policy_audit on {dialect}")


def upgrade() -> None:
    for column in (
        _empty_json("onboarding"),
        sa.Column("estimate", sa.JSON()),
        _when("benchmark_access_until"),
        sa.Column("benchmark_access_id", sa.String(200)),
        sa.Column("benchmark_login", sa.String(254)),
        sa.Column("dome_customer_code", sa.String(200)),
        sa.Column("perlahub_agency_id", sa.String(200)),
        sa.Column("registration_error", sa.Text()),
        sa.Column("validated_by", sa.String(200)),
        _when("validated_at"),
        _when("live_at"),
        _empty_json("technical_validations"),
    ):
        op.add_column("clients", column)
    op.create_index(
        "uq_clients_dome_customer_code",
        "clients",
        ["dome_customer_code"],
        unique=True,
        sqlite_where=sa.text("dome_customer_code IS NOT NULL"),
        postgresql_where=sa.text("dome_customer_code IS NOT NULL"),
    )

    op.create_table(
        "credentials",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("environment", sa.String(16), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("secret_digest", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_reason", sa.Text()),
        sa.Column("products", sa.JSON(), nullable=False),
        sa.Column("currencies", sa.JSON(), nullable=False),
        sa.Column("markets", sa.JSON(), nullable=False),
        sa.Column("ip_allowlist", sa.JSON(), nullable=False),
        sa.Column("rate_limit_per_minute", sa.Integer(), nullable=False),
        sa.Column("policy_revision", sa.Integer()),
        sa.Column("label", sa.String(100)),
        _when("last_test_at"),
        sa.Column("last_test_ok", sa.Boolean()),
        sa.Column("last_test_latency_ms", sa.Integer()),
        sa.Column("last_test_message", sa.Text()),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
        _when("secret_rotated_at", nullable=False),
        _when("revoked_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_credentials"),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name="fk_credentials_client_id_clients"
        ),
        sa.UniqueConstraint("username", name="uq_credentials_username"),
    )
    op.create_index("ix_credentials_client_id", "credentials", ["client_id"])

    op.create_table(
        "commercial_policies",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("currencies", sa.JSON(), nullable=False),
        sa.Column("products", sa.JSON(), nullable=False),
        sa.Column("scheduled", sa.JSON(), nullable=False),
        _when("next_due_at"),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("client_id", name="pk_commercial_policies"),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name="fk_commercial_policies_client_id_clients"
        ),
    )
    op.create_index("ix_commercial_policies_next_due_at", "commercial_policies", ["next_due_at"])

    op.create_table(
        "policy_audit",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        _when("at", nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("rule_id", sa.Uuid()),
        sa.Column("schedule_id", sa.Uuid()),
        sa.Column("before", sa.JSON()),
        sa.Column("after", sa.JSON()),
        sa.PrimaryKeyConstraint("client_id", "revision", name="pk_policy_audit"),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["commercial_policies.client_id"],
            name="fk_policy_audit_client_id_commercial_policies",
        ),
    )
    for statement in _by_dialect(POSTGRES_APPEND_ONLY, SQLITE_APPEND_ONLY):
        op.execute(statement)

    op.create_table(
        "global_rules",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("min_margin_percent", sa.String(50), nullable=False),
        sa.Column("max_margin_percent", sa.String(50), nullable=False),
        sa.Column("allowed_channels", sa.JSON()),
        sa.Column("max_fixed_margin", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_global_rules"),
        sa.CheckConstraint("id = 1", name="ck_global_rules_single_row"),
    )


def downgrade() -> None:
    op.drop_table("global_rules")
    for statement in _by_dialect(POSTGRES_DROP, SQLITE_DROP):
        op.execute(statement)
    op.drop_table("policy_audit")
    op.drop_index("ix_commercial_policies_next_due_at", table_name="commercial_policies")
    op.drop_table("commercial_policies")
    op.drop_index("ix_credentials_client_id", table_name="credentials")
    op.drop_table("credentials")
    op.drop_index("uq_clients_dome_customer_code", table_name="clients")
    for name in reversed(NEW_CLIENT_COLUMNS):
        op.drop_column("clients", name)
