"""The MICROCOM catalogue: products, their list prices over time, and stock per warehouse.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 11:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, *, nullable: bool = True) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "products",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("brand", sa.String(200), nullable=False),
        sa.Column("brand_key", sa.String(200), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("vat_rate", sa.String(8), nullable=False),
        sa.Column("total_stock", sa.Integer(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_products"),
        sa.UniqueConstraint("sku", name="uq_products_sku"),
    )
    op.create_index("ix_products_brand_key_sku", "products", ["brand_key", "sku"])
    op.create_index("ix_products_category_sku", "products", ["category", "sku"])
    op.create_index("ix_products_total_stock", "products", ["total_stock"])
    op.create_table(
        "product_prices",
        sa.Column("product_id", sa.Uuid(), nullable=False),
        _when("valid_from", nullable=False),
        _when("valid_until"),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name="fk_product_prices_product_id_products"
        ),
        sa.PrimaryKeyConstraint("product_id", "valid_from", name="pk_product_prices"),
    )
    op.create_index(
        "ix_product_prices_valid_from_valid_until", "product_prices", ["valid_from", "valid_until"]
    )
    op.create_table(
        "product_stock",
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("warehouse", sa.String(64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name="fk_product_stock_product_id_products"
        ),
        sa.PrimaryKeyConstraint("product_id", "warehouse", name="pk_product_stock"),
        sa.CheckConstraint("quantity >= 0", name="ck_product_stock_quantity_not_negative"),
    )


def downgrade() -> None:
    op.drop_table("product_stock")
    op.drop_index("ix_product_prices_valid_from_valid_until", table_name="product_prices")
    op.drop_table("product_prices")
    op.drop_index("ix_products_total_stock", table_name="products")
    op.drop_index("ix_products_category_sku", table_name="products")
    op.drop_index("ix_products_brand_key_sku", table_name="products")
    op.drop_table("products")
