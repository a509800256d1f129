"""Campaigns: runs, their recipients (unique by run and client), the opt-out registry, and the
customer account's WhatsApp consent (explicit: false for every account stored before) and
consolidated survey answers.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 13:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def upgrade() -> None:
    with op.batch_alter_table("customer_accounts") as batch:
        batch.add_column(
            sa.Column("whatsapp_consent", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("survey_answers", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
    op.create_table(
        "campaign_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("campaign", sa.String(32), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        _when("started_at"),
        _when("finished_at"),
        _when("next_dispatch_at"),
        sa.PrimaryKeyConstraint("id", name="pk_campaign_runs"),
    )
    op.create_index("ix_campaign_runs_status", "campaign_runs", ["status"])
    op.create_table(
        "campaign_recipients",
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("contact", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("exclusion", sa.String(32), nullable=True),
        _when("sent_at"),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.Column("conversation_id", sa.Uuid(), nullable=True),
        sa.Column("message_ref", sa.String(200), nullable=True),
        _when("answered_at"),
        _when("finished_at"),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["campaign_runs.id"], name="fk_campaign_recipients_run_id_campaign_runs"
        ),
        sa.PrimaryKeyConstraint("run_id", "client_id", name="pk_campaign_recipients"),
    )
    op.create_index(
        "ix_campaign_recipients_run_id_status", "campaign_recipients", ["run_id", "status"]
    )
    op.create_index(
        "ix_campaign_recipients_client_id_sent_at",
        "campaign_recipients",
        ["client_id", "sent_at"],
    )
    op.create_index("ix_campaign_recipients_sent_on", "campaign_recipients", ["sent_on"])
    op.create_table(
        "campaign_opt_outs",
        sa.Column("contact", sa.String(64), nullable=False),
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("contact", name="pk_campaign_opt_outs"),
    )


def downgrade() -> None:
    op.drop_table("campaign_opt_outs")
    op.drop_index("ix_campaign_recipients_sent_on", table_name="campaign_recipients")
    op.drop_index("ix_campaign_recipients_client_id_sent_at", table_name="campaign_recipients")
    op.drop_index("ix_campaign_recipients_run_id_status", table_name="campaign_recipients")
    op.drop_table("campaign_recipients")
    op.drop_index("ix_campaign_runs_status", table_name="campaign_runs")
    op.drop_table("campaign_runs")
    with op.batch_alter_table("customer_accounts") as batch:
        batch.drop_column("survey_answers")
        batch.drop_column("whatsapp_consent")
