"""The stored operational figures of a SQL database (SQLite or PostgreSQL): a few aggregate
queries, the WhatsApp statuses read out of the conversations' JSON by the database."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, TextClause, func, or_, select, text

from perla_adapters.sql.tables import outbox, processed_messages
from perla_core.metrics.stored import WAITING, StoredFigures, whatsapp_counts
from perla_core.outbox import OutboxStatus


def sql_figures(engine: Engine, email_handlers: Sequence[str]) -> StoredFigures:
    """The stored figures of a SQL database (SQLite or PostgreSQL): a few aggregate queries,
    the WhatsApp statuses read out of the conversations' JSON by the database."""
    with engine.connect() as conn:
        by_status = {
            str(status): int(count)
            for status, count in conn.execute(
                select(outbox.c.status, func.count()).group_by(outbox.c.status)
            )
        }
        oldest = conn.execute(
            select(func.min(outbox.c.created_at)).where(outbox.c.status.in_(WAITING))
        ).scalar_one_or_none()
        sent = conn.execute(
            select(func.count())
            .select_from(processed_messages)
            .where(processed_messages.c.handler.in_(email_handlers))
        ).scalar_one()
        failed = conn.execute(
            select(func.count())
            .select_from(outbox)
            .where(
                outbox.c.status == OutboxStatus.FAILED.value,
                or_(*(outbox.c.last_error.like(f"{name}:%") for name in email_handlers)),
            )
        ).scalar_one()
        whatsapp = {
            str(status or "queued"): int(count)
            for status, count in conn.execute(_whatsapp_query(engine.dialect.name))
        }
    return StoredFigures(
        outbox={s.value: by_status.get(s.value, 0) for s in OutboxStatus},
        oldest_waiting_at=oldest,
        whatsapp=whatsapp_counts(whatsapp),
        emails_sent=int(sent),
        emails_failed=int(failed),
    )


def _whatsapp_query(dialect: str) -> TextClause:
    if dialect == "postgresql":
        return text(
            "SELECT j.v->>'status' AS status, count(*) FROM conversations c"
            " CROSS JOIN LATERAL json_array_elements(c.body->'messages') AS j(v)"
            " WHERE j.v->>'direction' = 'outbound' GROUP BY 1"
        )
    return text(
        "SELECT json_extract(j.value, '$.status') AS status, count(*)"
        " FROM conversations c, json_each(c.body, '$.messages') AS j"
        " WHERE json_extract(j.value, '$.direction') = 'outbound' GROUP BY 1"
    )


__all__ = ["sql_figures"]
