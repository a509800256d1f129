"""Inquiry reminders through the real scheduler tick and Dramatiq actors (in-process broker):
what is due is e-mailed once, even when two schedulers tick at once, and nothing before."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest
from dependency_injector import providers

from perla_adapters.memory.clock import FixedClock
from perla_core.access.model import Actor, Role
from perla_core.inquiries import services
from perla_core.inquiries.commands import RegisterInquiry, ReplyToInquiry, ScheduleReminder
from perla_core.inquiries.model import Inquiry
from perla_core.inquiries.values import MessageKind, ReminderStatus
from perla_entrypoints import workers
from perla_entrypoints.container import Container, build_container
from perla_entrypoints.scheduler import tick
from perla_entrypoints.workers import REMINDER_TASK, drain_outbox, register_actors, start_worker

AGENT = Actor("ana", Role.AGENT)


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    built = build_container(database_url="memory://", data_dir=str(tmp_path))
    built.clock.override(providers.Object(FixedClock()))
    built.storage().migrate()
    yield built
    built.storage().close()


def _clock(container: Container) -> FixedClock:
    clock = container.clock()
    assert isinstance(clock, FixedClock)
    return clock


def _waiting_inquiry(container: Container, n: int, *reminder_hours: int) -> UUID:
    """An inquiry answered by the hotel, with reminders due that many hours from now."""
    c = container
    inquiry_id = services.register_inquiry(
        RegisterInquiry(guest_name=f"Huésped {n}", guest_email=f"guest{n}@example.com"),
        c.uow(),
        c.clock(),
        c.ids(),
        c.secrets(),
        AGENT,
    )
    services.reply_to_inquiry(
        ReplyToInquiry(inquiry_id=inquiry_id, text="Le enviamos la información."),
        c.uow(),
        c.clock(),
        c.ids(),
        AGENT,
        c.inquiry_mailbox(),
    )
    for hours in reminder_hours:
        due = _clock(c).now() + timedelta(hours=hours)
        services.schedule_reminder(
            ScheduleReminder(inquiry_id=inquiry_id, due_at=due), c.uow(), c.clock(), c.ids(), AGENT
        )
    return inquiry_id


def _inquiry(container: Container, inquiry_id: UUID) -> Inquiry:
    return services.get_inquiry(inquiry_id, container.uow(), AGENT)


def _run_ticks(container: Container, rounds: int, *, schedulers: int = 1) -> None:
    worker = start_worker(container, threads=4)
    try:
        for _ in range(rounds):  # a round sends what is due; the next relays its e-mails
            for _ in range(schedulers):
                tick(container)
            container.broker().join("perla", timeout=20_000)
    finally:
        worker.stop()


def _reminder_files(tmp_path: Path) -> list[Path]:
    return [p for p in (tmp_path / "mail").glob("*.eml") if b"Recordatorio" in p.read_bytes()]


def test_two_schedulers_ticking_at_once_email_each_due_reminder_once(
    container: Container, tmp_path: Path
) -> None:
    due = [_waiting_inquiry(container, n, 1) for n in range(6)]
    later = _waiting_inquiry(container, 99, 48)
    _clock(container).advance(timedelta(hours=2))

    _run_ticks(container, rounds=3, schedulers=2)

    for inquiry_id in due:
        inquiry = _inquiry(container, inquiry_id)
        assert [r.status for r in inquiry.reminders] == [ReminderStatus.SENT]
        sent = [m for m in inquiry.messages if m.kind is MessageKind.REMINDER]
        assert len(sent) == 1
        assert sent[0].sent_at is not None  # the outbox handler e-mailed it
        assert [h.actor for h in inquiry.history if h.kind.value == "reminder_sent"] == ["system"]
    waiting = _inquiry(container, later)
    assert [r.status for r in waiting.reminders] == [ReminderStatus.SCHEDULED]
    files = list((tmp_path / "mail").glob("*.eml"))
    reminder_ids = {
        m.message_id
        for inquiry_id in due
        for m in _inquiry(container, inquiry_id).messages
        if m.kind is MessageKind.REMINDER
    }
    assert len(reminder_ids) == len(due)
    written = {p.read_bytes().split(b"Message-ID:", 1)[1].split(b">", 1)[0] for p in files}
    assert len(files) == 2 * len(due) + 1  # the replies and the reminders, one file each
    assert len(written) == len(files)


def test_the_actor_hands_over_batch_after_batch_until_none_is_due(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "REMINDER_BATCH", 2)
    due = [_waiting_inquiry(container, n, 1) for n in range(5)]
    _clock(container).advance(timedelta(hours=2))

    register_actors(container)[REMINDER_TASK].fn()
    drain_outbox(container)  # the reminder handlers, then the e-mails

    statuses = [r.status for i in due for r in _inquiry(container, i).reminders]
    assert statuses == [ReminderStatus.SENT] * 5
    register_actors(container)[REMINDER_TASK].fn()  # again: nothing is due twice
    drain_outbox(container)
    sent = [
        m for i in due for m in _inquiry(container, i).messages if m.kind is MessageKind.REMINDER
    ]
    assert len(sent) == 5


def test_a_reminder_not_yet_due_waits_and_of_two_overdue_only_the_latest_goes(
    container: Container,
) -> None:
    early = _waiting_inquiry(container, 1, 5)
    overdue = _waiting_inquiry(container, 2, 1, 3)
    _clock(container).advance(timedelta(hours=4))

    _run_ticks(container, rounds=2)

    assert [r.status for r in _inquiry(container, early).reminders] == [ReminderStatus.SCHEDULED]
    statuses = [r.status for r in _inquiry(container, overdue).reminders]
    assert statuses == [ReminderStatus.CANCELLED, ReminderStatus.SENT]  # superseded, sent
