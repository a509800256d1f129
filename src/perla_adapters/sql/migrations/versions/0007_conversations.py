"""WhatsApp conversations (messages, handoffs, the flow's state), their message refs, and the
webhook events received.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 11:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, *, nullable: bool = True) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("contact", sa.String(64), nullable=False),
        sa.Column("owner", sa.String(16), nullable=False),
        _when("last_inbound_at"),
        _when("last_activity_at", nullable=False),
        _when("created_at", nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_conversations"),
        sa.UniqueConstraint("contact", name="uq_conversations_contact"),
    )
    op.create_index(
        "ix_conversations_owner_last_activity_at",
        "conversations",
        ["owner", "last_activity_at", "id"],
    )
    op.create_index(
        "ix_conversations_last_activity_at", "conversations", ["last_activity_at", "id"]
    )
    op.create_table(
        "conversation_message_refs",
        sa.Column("ref", sa.String(200), nullable=False),
        sa.Column("conversation_id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("ref", name="pk_conversation_message_refs"),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_conversation_message_refs_conversation_id_conversations",
        ),
    )
    op.create_index(
        "ix_conversation_message_refs_conversation_id",
        "conversation_message_refs",
        ["conversation_id"],
    )
    op.create_table(
        "received_events",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("contact", sa.String(64), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        _when("received_at", nullable=False),
        _when("processed_at"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("failure", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_received_events"),
        sa.UniqueConstraint("event_id", name="uq_received_events_event_id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_received_events_contact_processed_at_seq",
        "received_events",
        ["contact", "processed_at", "seq"],
    )
    op.create_index(
        "ix_received_events_processed_at_received_at",
        "received_events",
        ["processed_at", "received_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_received_events_processed_at_received_at", table_name="received_events")
    op.drop_index("ix_received_events_contact_processed_at_seq", table_name="received_events")
    op.drop_table("received_events")
    op.drop_index(
        "ix_conversation_message_refs_conversation_id", table_name="conversation_message_refs"
    )
    op.drop_table("conversation_message_refs")
    op.drop_index("ix_conversations_last_activity_at", table_name="conversations")
    op.drop_index("ix_conversations_owner_last_activity_at", table_name="conversations")
    op.drop_table("conversations")
