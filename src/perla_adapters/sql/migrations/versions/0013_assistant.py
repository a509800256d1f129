"""The assistant's conversations (owner, role, the pending proposal and the form as JSON) and
their entries, appended by position.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-24 15:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "assistant_conversations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        _when("created_at"),
        _when("updated_at"),
        sa.Column("proposal", sa.JSON(), nullable=True),
        sa.Column("form", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_assistant_conversations"),
    )
    op.create_index(
        "ix_assistant_conversations_owner_updated_at_id",
        "assistant_conversations",
        ["owner", "updated_at", "id"],
    )
    op.create_table(
        "assistant_entries",
        sa.Column("conversation_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        _when("at"),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["assistant_conversations.id"],
            name="fk_assistant_entries_conversation_id_assistant_conversations",
        ),
        sa.PrimaryKeyConstraint("conversation_id", "position", name="pk_assistant_entries"),
    )


def downgrade() -> None:
    op.drop_table("assistant_entries")
    op.drop_index(
        "ix_assistant_conversations_owner_updated_at_id", table_name="assistant_conversations"
    )
    op.drop_table("assistant_conversations")
