"""The customer section (accounts, addresses, contacts, titles, groups), managers and
assignment, orders and carts.

The default titles and customer groups are inserted with the fixed ids of
``perla_core.customers.model`` (``DEFAULT_TITLES``, ``DEFAULT_GROUPS``), written out here so
this revision stays what it was whatever the model becomes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 10:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_TITLES = [
    ("00000000-0000-4000-8000-00000000a001", "sr", "Sr."),
    ("00000000-0000-4000-8000-00000000a002", "sra", "Sra."),
    ("00000000-0000-4000-8000-00000000a003", "srta", "Srta."),
    ("00000000-0000-4000-8000-00000000a004", "dr", "Dr."),
    ("00000000-0000-4000-8000-00000000a005", "dra", "Dra."),
]
DEFAULT_GROUPS = [
    ("00000000-0000-4000-8000-00000000b001", "visitor", "Visitor"),
    ("00000000-0000-4000-8000-00000000b002", "guest", "Guest"),
    ("00000000-0000-4000-8000-00000000b003", "customer", "Customer"),
]


def _when(name: str, *, nullable: bool = True) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    titles = op.create_table(
        "titles",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("label", sa.String(40), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_titles"),
        sa.UniqueConstraint("code", name="uq_titles_code"),
    )
    groups = op.create_table(
        "customer_groups",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("discount_pct", sa.String(20), nullable=False),
        sa.Column("system", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customer_groups"),
        sa.UniqueConstraint("code", name="uq_customer_groups_code"),
    )
    op.create_table(
        "managers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("email_key", sa.String(254), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_managers"),
        sa.UniqueConstraint("email_key", name="uq_managers_email_key"),
    )
    op.create_table(
        "customer_accounts",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("title_id", sa.Uuid()),
        sa.Column("manager_id", sa.Uuid()),
        sa.Column("addresses", sa.JSON(), nullable=False),
        sa.Column("contacts", sa.JSON(), nullable=False),
        _when("last_contact_at"),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("client_id", name="pk_customer_accounts"),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name="fk_customer_accounts_client_id_clients"
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["customer_groups.id"],
            name="fk_customer_accounts_group_id_customer_groups",
        ),
        sa.ForeignKeyConstraint(
            ["title_id"], ["titles.id"], name="fk_customer_accounts_title_id_titles"
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["managers.id"], name="fk_customer_accounts_manager_id_managers"
        ),
    )
    op.create_index("ix_customer_accounts_group_id", "customer_accounts", ["group_id"])
    op.create_index("ix_customer_accounts_title_id", "customer_accounts", ["title_id"])
    op.create_index("ix_customer_accounts_manager_id", "customer_accounts", ["manager_id"])
    op.create_table(
        "customer_contact_titles",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("title_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("client_id", "contact_id", name="pk_customer_contact_titles"),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["customer_accounts.client_id"],
            name="fk_customer_contact_titles_client_id_customer_accounts",
        ),
        sa.ForeignKeyConstraint(
            ["title_id"], ["titles.id"], name="fk_customer_contact_titles_title_id_titles"
        ),
    )
    op.create_index("ix_customer_contact_titles_title_id", "customer_contact_titles", ["title_id"])
    op.create_table(
        "assignment_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(32), nullable=False),
        sa.Column("cursor", sa.Uuid()),
        sa.PrimaryKeyConstraint("id", name="pk_assignment_state"),
        sa.CheckConstraint("id = 1", name="ck_assignment_state_single_row"),
    )
    op.create_table(
        "order_numbers",
        sa.Column("number", sa.Integer(), autoincrement=True, nullable=False),
        sa.PrimaryKeyConstraint("number", name="pk_order_numbers"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("manager_id", sa.Uuid()),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
        _when("placed_at"),
        _when("completed_at"),
        _when("cancelled_at"),
        sa.Column("cancellation_reason", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
        sa.UniqueConstraint("number", name="uq_orders_number"),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name="fk_orders_client_id_clients"),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["managers.id"], name="fk_orders_manager_id_managers"
        ),
    )
    op.create_index("ix_orders_client_id", "orders", ["client_id"])
    op.create_index("ix_orders_manager_id_status", "orders", ["manager_id", "status"])
    op.create_index("ix_orders_created_at", "orders", ["created_at", "id"])
    op.create_table(
        "carts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("value_minor", sa.BigInteger(), nullable=False),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
        _when("abandoned_at"),
        _when("converted_at"),
        sa.Column("converted_order_id", sa.Uuid()),
        sa.PrimaryKeyConstraint("id", name="pk_carts"),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name="fk_carts_client_id_clients"),
    )
    op.create_index("ix_carts_client_id", "carts", ["client_id"])
    op.create_index("ix_carts_status_updated_at", "carts", ["status", "updated_at"])

    op.bulk_insert(
        titles,
        [
            {"id": UUID(i), "version": 1, "code": code, "label": label, "active": True}
            for i, code, label in DEFAULT_TITLES
        ],
    )
    op.bulk_insert(
        groups,
        [
            {
                "id": UUID(i),
                "version": 1,
                "code": code,
                "name": name,
                "discount_pct": "0.00",
                "system": True,
            }
            for i, code, name in DEFAULT_GROUPS
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_carts_status_updated_at", table_name="carts")
    op.drop_index("ix_carts_client_id", table_name="carts")
    op.drop_table("carts")
    op.drop_index("ix_orders_created_at", table_name="orders")
    op.drop_index("ix_orders_manager_id_status", table_name="orders")
    op.drop_index("ix_orders_client_id", table_name="orders")
    op.drop_table("orders")
    op.drop_table("order_numbers")
    op.drop_table("assignment_state")
    op.drop_index("ix_customer_contact_titles_title_id", table_name="customer_contact_titles")
    op.drop_table("customer_contact_titles")
    op.drop_index("ix_customer_accounts_manager_id", table_name="customer_accounts")
    op.drop_index("ix_customer_accounts_title_id", table_name="customer_accounts")
    op.drop_index("ix_customer_accounts_group_id", table_name="customer_accounts")
    op.drop_table("customer_accounts")
    op.drop_table("managers")
    op.drop_table("customer_groups")
    op.drop_table("titles")
