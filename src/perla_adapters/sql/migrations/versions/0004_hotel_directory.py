"""The hotel directory (suppliers' hotel records and the blocks each is filed under) and the
log of hotel import runs.

Revision ID: 0004
Revises: 0003
Create Date: 2026-03-02 09:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hotel_records",
        sa.Column("ref", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("city", sa.Text()),
        sa.Column("address", sa.Text()),
        sa.Column("postal_code", sa.Text()),
        sa.Column("chain", sa.Text()),
        sa.Column("latitude", sa.Double()),
        sa.Column("longitude", sa.Double()),
        sa.Column("phone", sa.String(32)),
        sa.Column("stars", sa.Integer()),
        sa.Column("email", sa.String(254)),
        sa.Column("website", sa.Text()),
        sa.PrimaryKeyConstraint("ref", name="pk_hotel_records"),
    )
    op.create_table(
        "hotel_blocks",
        sa.Column("ref", sa.Text(), nullable=False),
        sa.Column("block", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("ref", "block", name="pk_hotel_blocks"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_hotel_blocks_block_ref", "hotel_blocks", ["block", "ref"])
    op.create_table(
        "hotel_imports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_by", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_stored", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.JSON(), nullable=False),
        sa.Column("duplicates_found", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_hotel_imports"),
    )
    op.create_index("ix_hotel_imports_started_at", "hotel_imports", ["started_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_hotel_imports_started_at", table_name="hotel_imports")
    op.drop_table("hotel_imports")
    op.drop_index("ix_hotel_blocks_block_ref", table_name="hotel_blocks")
    op.drop_table("hotel_blocks")
    op.drop_table("hotel_records")
