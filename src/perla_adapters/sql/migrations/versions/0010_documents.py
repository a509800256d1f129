"""Billing documents: gapless numbering per series and the stored PDFs.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 12:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "document_series",
        sa.Column("series", sa.String(32), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("series", name="pk_document_series"),
        sa.CheckConstraint("last_number >= 0", name="ck_document_series_last_number_not_negative"),
    )
    op.create_table(
        "billing_documents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("series", sa.String(32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("buyer_tax_country", sa.String(2), nullable=False),
        sa.Column("buyer_tax_number", sa.String(32), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("storage_key", sa.String(512), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_billing_documents"),
        sa.UniqueConstraint("series", "number", name="uq_billing_documents_series_number"),
    )
    op.create_index("ix_billing_documents_order_id", "billing_documents", ["order_id"])


def downgrade() -> None:
    op.drop_index("ix_billing_documents_order_id", table_name="billing_documents")
    op.drop_table("billing_documents")
    op.drop_table("document_series")
