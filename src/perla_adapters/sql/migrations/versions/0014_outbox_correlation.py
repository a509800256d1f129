"""The outbox's correlation id: the request (or message) whose work wrote each message, so the
worker delivering it logs with the same id.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24 16:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("correlation_id", sa.String(128), nullable=True))


def downgrade() -> None:
    op.drop_column("outbox", "correlation_id")
