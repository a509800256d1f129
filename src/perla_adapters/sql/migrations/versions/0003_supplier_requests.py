"""Supplier requests: what the Suppliers team needs to create a hotel as a supplier in Dome,
and where its e-mail to them is.

Revision ID: 0003
Revises: 0002
Create Date: 2026-02-24 09:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, *, nullable: bool = True) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "supplier_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("chain", sa.String(200)),
        sa.Column("stars", sa.Integer()),
        sa.Column("address", sa.String(200)),
        sa.Column("city", sa.String(200)),
        sa.Column("postal_code", sa.String(20)),
        sa.Column("country", sa.String(2)),
        sa.Column("latitude", sa.String(20)),
        sa.Column("longitude", sa.String(20)),
        sa.Column("phone", sa.String(32)),
        sa.Column("email", sa.String(254)),
        sa.Column("website", sa.String(500)),
        sa.Column("legal_name", sa.String(200)),
        sa.Column("tax_id_country", sa.String(2)),
        sa.Column("tax_id_number", sa.String(32)),
        sa.Column("vat_regime", sa.String(32)),
        sa.Column("iban", sa.String(34)),
        sa.Column("bic", sa.String(11)),
        sa.Column("account_holder", sa.String(200)),
        sa.Column("contract_type", sa.String(16)),
        sa.Column("commission_pct", sa.String(20)),
        sa.Column("markup_pct", sa.String(20)),
        sa.Column("payment_basis", sa.String(32)),
        sa.Column("payment_days", sa.Integer()),
        sa.Column("release_days", sa.Integer()),
        sa.Column("cancellation_policy", sa.Text()),
        sa.Column("contacts", sa.JSON(), nullable=False),
        sa.Column("matched_hotel_ref", sa.String(200)),
        sa.Column("suppliers_address", sa.String(254)),
        sa.Column("send_count", sa.Integer(), nullable=False),
        _when("send_requested_at"),
        sa.Column("send_requested_by", sa.String(200)),
        _when("sent_at"),
        sa.Column("dome_supplier_code", sa.String(40)),
        _when("acknowledged_at"),
        sa.Column("rejection_reason", sa.Text()),
        _when("rejected_at"),
        sa.Column("cancellation_reason", sa.Text()),
        _when("cancelled_at"),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_supplier_requests"),
    )
    op.create_index(
        "ix_supplier_requests_matched_hotel_ref", "supplier_requests", ["matched_hotel_ref"]
    )
    op.create_index(
        "ix_supplier_requests_status_created_at", "supplier_requests", ["status", "created_at"]
    )
    op.create_index("ix_supplier_requests_created_at", "supplier_requests", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_supplier_requests_created_at", table_name="supplier_requests")
    op.drop_index("ix_supplier_requests_status_created_at", table_name="supplier_requests")
    op.drop_index("ix_supplier_requests_matched_hotel_ref", table_name="supplier_requests")
    op.drop_table("supplier_requests")
