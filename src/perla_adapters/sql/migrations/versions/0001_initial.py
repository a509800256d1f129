"""Clients, API keys, the outbox and processed-message keys.

Revision ID: 0001
Revises:
Create Date: 2026-01-15 09:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, *, nullable: bool = True) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "clients",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("trade_name", sa.String(200), nullable=False),
        sa.Column("legal_name", sa.String(200)),
        sa.Column("tax_id_country", sa.String(2)),
        sa.Column("tax_id_number", sa.String(32)),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("email", sa.String(254)),
        sa.Column("phone", sa.String(32)),
        sa.Column("website", sa.String(500)),
        sa.Column("business_type", sa.String(32)),
        sa.Column("markets", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(200)),
        sa.Column("sales_owner", sa.String(200)),
        sa.Column("notes", sa.Text()),
        sa.Column("addresses", sa.JSON(), nullable=False),
        sa.Column("contacts", sa.JSON(), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("lead_status", sa.String(32), nullable=False),
        sa.Column("client_status", sa.String(32)),
        sa.Column("lost_reason", sa.Text()),
        _when("converted_at"),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_clients"),
    )
    op.create_index("ix_clients_phase", "clients", ["phase"])
    op.create_index("ix_clients_lead_status", "clients", ["lead_status"])
    op.create_index("ix_clients_client_status", "clients", ["client_status"])
    op.create_index("ix_clients_country", "clients", ["country"])
    op.create_index(
        "ix_clients_created_at", "clients", [sa.text("created_at DESC"), sa.text("id DESC")]
    )
    op.create_index("ix_clients_search_text", "clients", ["search_text"])
    op.create_index(
        "uq_clients_tax_id",
        "clients",
        ["tax_id_country", "tax_id_number"],
        unique=True,
        sqlite_where=sa.text("tax_id_number IS NOT NULL"),
        postgresql_where=sa.text("tax_id_number IS NOT NULL"),
    )

    op.create_table(
        "api_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("prefix", sa.String(64), nullable=False),
        sa.Column("secret_digest", sa.String(128), nullable=False),
        _when("created_at", nullable=False),
        _when("revoked_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.UniqueConstraint("prefix", name="uq_api_keys_prefix"),
    )

    op.create_table(
        "outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("aggregate_id", sa.Uuid(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        _when("created_at", nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("available_at"),
        sa.Column("last_error", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index("ix_outbox_aggregate_id", "outbox", ["aggregate_id"])
    op.create_index("ix_outbox_status_available_at", "outbox", ["status", "available_at"])

    op.create_table(
        "processed_messages",
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("handler", sa.String(200), nullable=False),
        _when("processed_at", nullable=False),
        sa.PrimaryKeyConstraint("message_id", "handler", name="pk_processed_messages"),
    )


def downgrade() -> None:
    op.drop_table("processed_messages")
    op.drop_index("ix_outbox_status_available_at", table_name="outbox")
    op.drop_index("ix_outbox_aggregate_id", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("api_keys")
    for index in (
        "uq_clients_tax_id",
        "ix_clients_search_text",
        "ix_clients_created_at",
        "ix_clients_country",
        "ix_clients_client_status",
        "ix_clients_lead_status",
        "ix_clients_phase",
    ):
        op.drop_index(index, table_name="clients")
    op.drop_table("clients")
