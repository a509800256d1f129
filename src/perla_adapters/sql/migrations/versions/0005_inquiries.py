"""Guest inquiries (messages, reminders, quotes, history) and unmatched inbound e-mail.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 10:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, *, nullable: bool = True) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "inquiries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(32), nullable=False),
        sa.Column("reply_token", sa.String(64), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("guest_name", sa.String(200), nullable=False),
        sa.Column("guest_email", sa.String(254)),
        sa.Column("guest_phone", sa.String(32)),
        sa.Column("check_in", sa.Date()),
        sa.Column("check_out", sa.Date()),
        sa.Column("client_id", sa.Uuid()),
        sa.Column("assigned_to", sa.String(100)),
        sa.Column("pending_action", sa.Boolean(), nullable=False),
        _when("last_activity_at", nullable=False),
        _when("created_at", nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_inquiries"),
        sa.UniqueConstraint("reference", name="uq_inquiries_reference"),
        sa.UniqueConstraint("reply_token", name="uq_inquiries_reply_token"),
    )
    op.create_index(
        "ix_inquiries_pending_action_last_activity_at",
        "inquiries",
        ["pending_action", "last_activity_at", "id"],
    )
    op.create_index("ix_inquiries_stage_pending_action", "inquiries", ["stage", "pending_action"])
    op.create_index("ix_inquiries_client_id", "inquiries", ["client_id"])
    op.create_index("ix_inquiries_assigned_to", "inquiries", ["assigned_to"])

    op.create_table(
        "inquiry_message_ids",
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("inquiry_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name="pk_inquiry_message_ids"),
        sa.ForeignKeyConstraint(
            ["inquiry_id"], ["inquiries.id"], name="fk_inquiry_message_ids_inquiry_id_inquiries"
        ),
    )
    op.create_index("ix_inquiry_message_ids_inquiry_id", "inquiry_message_ids", ["inquiry_id"])

    op.create_table(
        "inquiry_reminders",
        sa.Column("inquiry_id", sa.Uuid(), nullable=False),
        sa.Column("reminder_id", sa.Uuid(), nullable=False),
        _when("due_at", nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _when("handed_over_at"),
        sa.PrimaryKeyConstraint("inquiry_id", "reminder_id", name="pk_inquiry_reminders"),
        sa.ForeignKeyConstraint(
            ["inquiry_id"], ["inquiries.id"], name="fk_inquiry_reminders_inquiry_id_inquiries"
        ),
    )
    op.create_index(
        "ix_inquiry_reminders_status_handed_over_at_due_at",
        "inquiry_reminders",
        ["status", "handed_over_at", "due_at"],
    )

    op.create_table(
        "unmatched_emails",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _when("kept_at", nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_unmatched_emails"),
        sa.UniqueConstraint("message_id", name="uq_unmatched_emails_message_id"),
    )
    op.create_index("ix_unmatched_emails_status_kept_at", "unmatched_emails", ["status", "kept_at"])
    op.create_index("ix_unmatched_emails_kept_at", "unmatched_emails", ["kept_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_unmatched_emails_kept_at", table_name="unmatched_emails")
    op.drop_index("ix_unmatched_emails_status_kept_at", table_name="unmatched_emails")
    op.drop_table("unmatched_emails")
    op.drop_index(
        "ix_inquiry_reminders_status_handed_over_at_due_at", table_name="inquiry_reminders"
    )
    op.drop_table("inquiry_reminders")
    op.drop_index("ix_inquiry_message_ids_inquiry_id", table_name="inquiry_message_ids")
    op.drop_table("inquiry_message_ids")
    op.drop_index("ix_inquiries_assigned_to", table_name="inquiries")
    op.drop_index("ix_inquiries_client_id", table_name="inquiries")
    op.drop_index("ix_inquiries_stage_pending_action", table_name="inquiries")
    op.drop_index("ix_inquiries_pending_action_last_activity_at", table_name="inquiries")
    op.drop_table("inquiries")
