"""Financing rates for MICROCOM's instalment plans.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 12:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "financing_rates",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("min_installments", sa.Integer(), nullable=False),
        sa.Column("max_installments", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("rate", sa.Numeric(12, 6), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("origination_fee_percent", sa.Numeric(12, 6), nullable=False),
        sa.Column("fixed_fee_minor", sa.BigInteger(), nullable=True),
        sa.Column("minimum_amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("vat_on_interest_percent", sa.Numeric(12, 6), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_financing_rates"),
        sa.CheckConstraint(
            "min_installments >= 1 AND max_installments >= min_installments",
            name="ck_financing_rates_installments_range",
        ),
    )


def downgrade() -> None:
    op.drop_table("financing_rates")
