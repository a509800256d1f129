"""MICROCOM's WhatsApp orders: the purchase lifecycle to invoice, and payments.

The order gets its summary (version, fingerprint, when it was sent), the confirmation, the
chosen financing plan (JSON), the pre-invoice and invoice references, the management system's
reference and what was paid; ``status`` widens to hold ``awaiting_confirmation``. Orders stored
before keep working: the new columns are empty (or zero), and lines without a VAT rate read
as 21 %. Payments are rows of ``payments``, unique by the provider's payment id.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 12:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    "summary_version",
    "summary_digest",
    "summary_sent_at",
    "confirmed_at",
    "financing",
    "pre_invoice_document_id",
    "pre_invoice_series",
    "pre_invoice_number",
    "pre_invoiced_at",
    "erp_reference",
    "recorded_at",
    "paid_minor",
    "paid_at",
    "invoice_document_id",
    "invoice_series",
    "invoice_number",
    "invoiced_at",
)


def _when(name: str, *, nullable: bool = True) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.alter_column(
            "status", existing_type=sa.String(16), type_=sa.String(32), existing_nullable=False
        )
        batch.add_column(
            sa.Column("summary_version", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch.add_column(sa.Column("summary_digest", sa.String(64)))
        batch.add_column(_when("summary_sent_at"))
        batch.add_column(_when("confirmed_at"))
        batch.add_column(sa.Column("financing", sa.JSON()))
        batch.add_column(sa.Column("pre_invoice_document_id", sa.String(100)))
        batch.add_column(sa.Column("pre_invoice_series", sa.String(16)))
        batch.add_column(sa.Column("pre_invoice_number", sa.BigInteger()))
        batch.add_column(_when("pre_invoiced_at"))
        batch.add_column(sa.Column("erp_reference", sa.String(100)))
        batch.add_column(_when("recorded_at"))
        batch.add_column(
            sa.Column("paid_minor", sa.BigInteger(), nullable=False, server_default=sa.text("0"))
        )
        batch.add_column(_when("paid_at"))
        batch.add_column(sa.Column("invoice_document_id", sa.String(100)))
        batch.add_column(sa.Column("invoice_series", sa.String(16)))
        batch.add_column(sa.Column("invoice_number", sa.BigInteger()))
        batch.add_column(_when("invoiced_at"))
    op.create_index("ix_orders_status_updated_at", "orders", ["status", "updated_at"])
    op.create_table(
        "payments",
        sa.Column("payment_id", sa.String(200), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        _when("paid_at", nullable=False),
        _when("recorded_at", nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("payment_id", name="pk_payments"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_payments_order_id_orders"),
    )
    op.create_index("ix_payments_order_id_paid_at", "payments", ["order_id", "paid_at"])


def downgrade() -> None:
    op.drop_index("ix_payments_order_id_paid_at", table_name="payments")
    op.drop_table("payments")
    op.drop_index("ix_orders_status_updated_at", table_name="orders")
    with op.batch_alter_table("orders") as batch:
        for name in reversed(_COLUMNS):
            batch.drop_column(name)
        batch.alter_column(
            "status", existing_type=sa.String(32), type_=sa.String(16), existing_nullable=False
        )
