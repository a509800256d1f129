"""Inquiries in SQL: the scheduler's reminder tick and the pipeline's list and counts.

100,000 inquiries (bulk-inserted, not through the use cases), 5,000 of them with a reminder
due, on SQLite (a temp file) and on PostgreSQL when a server is reachable:

- the tick (``send_due_reminders`` in batches until it returns 0: mark the due reminders
  handed over and write one ``inquiries.reminder_due`` outbox message each; no inquiry is
  loaded) against the bare SQL query that selects the same due reminders (ids, due_at);
- as info, the outbox handlers' work the tick hands over: delivering those 5,000 messages
  (load each inquiry, mark the reminder sent, queue its e-mail; the e-mails themselves are
  sent later by the mail handler), so the tick's figure misleads nobody about the total;
- p95 of ``list_inquiries`` (first page, pending first) and ``inquiry_stage_counts``, against
  the same SQL run bare.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, case, func, insert, select
from tests.unit.inquiries.builders import MAILBOX, World

from bench.harness import Figure, p, timings
from perla_adapters.memory import FixedClock, InMemoryMailer
from perla_adapters.sql import SqlAlchemyUnitOfWork, create_engine_for, migrate
from perla_adapters.sql.inquiries import inquiry_to_row
from perla_adapters.sql.tables import inquiries, inquiry_message_ids, inquiry_reminders, outbox
from perla_adapters.system import Uuid7Ids
from perla_core.access.model import Actor, Role
from perla_core.inquiries import services
from perla_core.inquiries.delivery import REMINDER_TOPIC, with_inquiry_handlers
from perla_core.inquiries.model import Inquiry
from perla_core.inquiries.ports import InquiryQuery
from perla_core.inquiries.services import DEFAULT_REMINDER_BATCH
from perla_core.inquiries.values import PIPELINE, ReminderStatus
from perla_core.outbox import HandlerRegistry, deliver_outbox_message

TOTAL = 100_000
DUE = 5_000
SEED = 5
READER = Actor("bench", Role.READONLY)


def templates() -> tuple[Inquiry, Inquiry, FixedClock]:
    """A new inquiry (pending) and one the hotel answered with a reminder that is due."""
    world = World()
    waiting = world.get(world.register())
    answered_id = world.register(guest_email="otro@example.com")
    world.reply(answered_id)
    world.schedule(answered_id, after=timedelta(hours=1))
    answered = world.get(answered_id)
    world.clock.advance(timedelta(hours=2))
    return waiting, answered, world.clock


def rows_for(template: dict[str, Any], k: int, rng: random.Random, due: bool) -> dict[str, Any]:
    """The template's row made the ``k``-th inquiry's own (id, reference, token, Message-IDs),
    with a stage, pending flag and activity time of its own (due ones as they are)."""
    row = dict(template)
    body = dict(row["body"])
    body["messages"] = [
        {**m, "message_id": f"<b{k}.{i}@bench.example>"} for i, m in enumerate(body["messages"])
    ]
    row["id"] = UUID(int=(1 << 100) + k)
    row["reference"] = body["reference"] = f"C-{k:08X}"
    row["reply_token"] = body["reply_token"] = f"{k:012x}"
    row["version"] = 1
    if not due:
        stage = rng.choice(PIPELINE)
        pending = rng.random() < 0.3
        at = row["last_activity_at"] - timedelta(minutes=rng.randrange(500_000))
        row["stage"] = body["stage"] = stage.value
        row["pending_action"] = body["pending_action"] = pending
        row["last_activity_at"] = at
        body["last_activity_at"] = at.isoformat()
    row["body"] = body
    return row


def load(engine: Engine, waiting: Inquiry, answered: Inquiry) -> None:
    rng = random.Random(SEED)
    due_every = TOTAL // DUE
    reminder = answered.reminders[0]
    template = {False: inquiry_to_row(waiting), True: inquiry_to_row(answered)}
    with engine.begin() as conn:
        batch: list[dict[str, Any]] = []
        message_rows: list[dict[str, Any]] = []
        reminder_rows: list[dict[str, Any]] = []
        for k in range(TOTAL):
            due = k % due_every == 0
            row = rows_for(template[due], k, rng, due)
            batch.append(row)
            message_rows.extend(
                {"message_id": m["message_id"], "inquiry_id": row["id"]}
                for m in row["body"]["messages"]
            )
            if due:
                reminder_rows.append(
                    {
                        "inquiry_id": row["id"],
                        "reminder_id": reminder.id,
                        "due_at": reminder.due_at,
                        "status": ReminderStatus.SCHEDULED.value,
                    }
                )
            if len(batch) == 5_000:
                conn.execute(insert(inquiries), batch)
                conn.execute(insert(inquiry_message_ids), message_rows)
                batch, message_rows = [], []
        if batch:
            conn.execute(insert(inquiries), batch)
            conn.execute(insert(inquiry_message_ids), message_rows)
        conn.execute(insert(inquiry_reminders), reminder_rows)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")  # as autovacuum would have


def bare_due(engine: Engine, clock: FixedClock) -> Callable[[], object]:
    """The rows the tick hands over, selected bare (no lock, no update, no outbox)."""
    statement = (
        select(
            inquiry_reminders.c.inquiry_id,
            inquiry_reminders.c.reminder_id,
            inquiry_reminders.c.due_at,
        )
        .where(
            inquiry_reminders.c.status == ReminderStatus.SCHEDULED.value,
            inquiry_reminders.c.handed_over_at.is_(None),
            inquiry_reminders.c.due_at <= clock.now(),
        )
        .order_by(
            inquiry_reminders.c.due_at,
            inquiry_reminders.c.inquiry_id,
            inquiry_reminders.c.reminder_id,
        )
    )

    def query() -> object:
        with engine.connect() as conn:
            rows = conn.execute(statement).all()
        assert len(rows) == DUE, len(rows)
        return rows

    return query


def bare_list(engine: Engine) -> Callable[[], object]:
    page = (
        select(inquiries)
        .order_by(
            inquiries.c.pending_action.desc(),
            inquiries.c.last_activity_at.desc(),
            inquiries.c.id.desc(),
        )
        .limit(50)
    )
    count = select(func.count()).select_from(inquiries)

    def query() -> object:
        with engine.connect() as conn:
            return conn.execute(page).all(), conn.scalar(count)

    return query


def bare_counts(engine: Engine) -> Callable[[], object]:
    statement = select(
        inquiries.c.stage,
        func.count(),
        func.sum(case((inquiries.c.pending_action, 1), else_=0)),
    ).group_by(inquiries.c.stage)

    def query() -> object:
        with engine.connect() as conn:
            return conn.execute(statement).all()

    return query


def measure(label: str, engine: Engine) -> list[Figure]:
    started = time.perf_counter()
    migrate(engine)
    waiting, answered, clock = templates()
    load(engine, waiting, answered)
    loaded = time.perf_counter() - started
    ids = Uuid7Ids()

    def new_uow() -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(engine, clock, ids)

    list_samples = timings(
        lambda: services.list_inquiries(InquiryQuery(), new_uow(), READER), repeat=50
    )
    bare_list_samples = timings(bare_list(engine), repeat=50)
    count_samples = timings(lambda: services.inquiry_stage_counts(new_uow(), READER), repeat=30)
    bare_count_samples = timings(bare_counts(engine), repeat=30)
    bare = min(timings(bare_due(engine, clock), repeat=3, warmup=1))

    start = time.perf_counter()
    handed = 0
    while batch := services.send_due_reminders(new_uow(), clock, ids):
        handed += batch
    tick = time.perf_counter() - start
    assert handed == DUE, handed

    handlers = with_inquiry_handlers(
        HandlerRegistry(),
        uow=new_uow,
        mailer=InMemoryMailer,
        clock=lambda: clock,
        ids=lambda: ids,
        mailbox=lambda: MAILBOX,
    )
    with engine.connect() as conn:
        pending = list(conn.scalars(select(outbox.c.id).where(outbox.c.topic == REMINDER_TOPIC)))
    assert len(pending) == -(-DUE // DEFAULT_REMINDER_BATCH), len(pending)  # one per batch
    start = time.perf_counter()
    for message_id in pending:
        deliver_outbox_message(message_id, new_uow(), handlers, clock)
    delivered = time.perf_counter() - start
    with engine.connect() as conn:
        sent = conn.scalar(
            select(func.count())
            .select_from(inquiry_reminders)
            .where(inquiry_reminders.c.status == ReminderStatus.SENT.value)
        )
    assert sent == DUE, sent

    return [
        Figure(
            f"inquiries ({label}): reminder tick, {DUE:,} due of {TOTAL:,}",
            "s",
            tick,
            bare,
            "bare SELECT of the due reminders (ids, due_at)",
            goal="≤ 2x",
            note=f"hand-over only; {DUE / tick:,.0f} reminders/s; load {loaded:.0f} s",
        ),
        Figure(
            f"inquiries ({label}): reminder handlers after the tick, {DUE:,} reminders "
            f"in {len(pending)} outbox messages",
            "s",
            delivered,
            bare,
            "bare SELECT of the due reminders (ids, due_at)",
            goal="info",
            note=f"mark sent + e-mail queued, one delivery each; {DUE / delivered:,.0f}/s",
        ),
        Figure(
            f"inquiries ({label}): p95 list_inquiries first page of {TOTAL:,}",
            "ms",
            p(list_samples, 0.95) * 1000,
            p(bare_list_samples, 0.95) * 1000,
            "bare page + count SQL",
            goal="info",
        ),
        Figure(
            f"inquiries ({label}): p95 inquiry_stage_counts over {TOTAL:,}",
            "ms",
            p(count_samples, 0.95) * 1000,
            p(bare_count_samples, 0.95) * 1000,
            "bare GROUP BY",
            goal="info",
        ),
    ]


def postgres_reachable() -> bool:
    import psycopg  # noqa: PLC0415 - only when a server is there

    from bench.postgres import SERVER  # noqa: PLC0415

    try:
        psycopg.connect(f"{SERVER}/postgres", connect_timeout=2).close()
    except psycopg.OperationalError as error:
        print(f"inquiries bench: PostgreSQL skipped ({error})")
        return False
    return True


def run() -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine_for(f"sqlite:///{Path(folder) / 'bench.db'}")
        try:
            figures.extend(measure("SQLite", engine))
        finally:
            engine.dispose()
    if postgres_reachable():
        from bench.postgres import scratch_database  # noqa: PLC0415

        with scratch_database() as url:
            engine = create_engine_for(url)
            try:
                figures.extend(measure("PostgreSQL", engine))
            finally:
                engine.dispose()
    return figures
