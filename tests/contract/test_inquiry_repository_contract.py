"""What every inquiry and unmatched e-mail repository promises (memory, SQLite, PostgreSQL),
and that two schedulers running at once hand each due reminder over once (sent once)."""

from __future__ import annotations

import threading
from datetime import timedelta
from uuid import UUID

import attrs
import pytest
from sqlalchemy import Engine
from tests.contract.builders import NewUow, fields_of
from tests.contract.conftest import emptied
from tests.unit.inquiries.builders import AGENT, MAILBOX, World

from perla_adapters.memory import FixedClock, InMemoryMailer, SequentialIds
from perla_adapters.sql import SqlAlchemyUnitOfWork
from perla_core.inquiries import services
from perla_core.inquiries.commands import AddInquiryNote
from perla_core.inquiries.delivery import EMAIL_TOPIC, REMINDER_TOPIC, with_inquiry_handlers
from perla_core.inquiries.model import Inquiry, UnmatchedEmail, UnmatchedReason
from perla_core.inquiries.ports import InquiryQuery, UnmatchedEmailQuery
from perla_core.inquiries.values import (
    Channel,
    Direction,
    InquiryMessage,
    InquiryStage,
    MessageKind,
    ReminderStatus,
)
from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion
from perla_core.kernel.pagination import PageRequest
from perla_core.mail.inbound import InboundEmail
from perla_core.outbox import HandlerRegistry, OutboxStatus, deliver_outbox_message

S = InquiryStage


def a_full_inquiry() -> Inquiry:
    """Registered, answered, quoted (Money), with a reminder, a note and the guest's e-mail:
    every list of the aggregate holds something."""
    world = World()
    inquiry_id = world.receive(world.email()).inquiry_id
    assert inquiry_id is not None
    world.reply(inquiry_id)
    world.quote(inquiry_id, message="Le adjuntamos el presupuesto.")
    world.schedule(inquiry_id)
    services.add_inquiry_note(
        AddInquiryNote(inquiry_id, "Prefiere planta alta", None), world.uow(), world.clock, AGENT
    )
    inquiry = world.get(inquiry_id)
    assert inquiry.messages
    assert inquiry.reminders
    assert inquiry.quotes
    assert inquiry.history
    return inquiry


def fresh(inquiry: Inquiry, n: int) -> Inquiry:
    """A copy with new identity (id, reference, token and Message-IDs all its own)."""
    suffix = f"{n:08X}"
    messages = [
        attrs.evolve(m, message_id=None if m.message_id is None else f"<m{n}.{i}@example.com>")
        for i, m in enumerate(inquiry.messages)
    ]
    return attrs.evolve(
        inquiry,
        id=UUID(int=inquiry.id.int + n),
        reference=f"C-{suffix}",
        reply_token=f"{n:012x}",
        messages=messages,
        events=[],
        version=0,
    )


def stored(new_uow: NewUow, *inquiries: Inquiry) -> None:
    with new_uow() as uow:
        for inquiry in inquiries:
            uow.inquiries.add(inquiry)
        uow.commit()


def without_version(inquiry: Inquiry) -> dict[str, object]:
    fields = fields_of(inquiry)
    del fields["version"]
    return fields


# --- round trip and uniqueness ------------------------------------------------------------------


def test_a_full_inquiry_comes_back_as_it_was_stored(new_uow: NewUow) -> None:
    inquiry = fresh(a_full_inquiry(), 1)

    stored(new_uow, inquiry)

    with new_uow() as uow:
        loaded = uow.inquiries.get(inquiry.id)
    assert loaded.version == 1
    assert without_version(loaded) == without_version(inquiry)
    assert loaded.quotes[0].total.currency == "EUR"


def test_saves_are_optimistic_and_keep_every_change(new_uow: NewUow) -> None:
    inquiry = fresh(a_full_inquiry(), 1)
    stored(new_uow, inquiry)

    with new_uow() as uow:
        first = uow.inquiries.get(inquiry.id)
        first.add_note("Llamar por la tarde", now=first.last_activity_at, actor="ana.agent")
        uow.inquiries.save(first)
        uow.commit()
    with new_uow() as uow:
        loaded = uow.inquiries.get(inquiry.id)
        assert loaded.version == 2
        assert without_version(loaded) == without_version(first)
        stale = attrs.evolve(loaded, version=1, events=[])
        with pytest.raises(StaleVersion):
            uow.inquiries.save(stale)


def test_a_missing_inquiry_is_not_found(new_uow: NewUow) -> None:
    with new_uow() as uow, pytest.raises(NotFound):
        uow.inquiries.get(UUID(int=42))


def test_id_reference_and_reply_token_are_unique(new_uow: NewUow) -> None:
    inquiry = fresh(a_full_inquiry(), 1)
    stored(new_uow, inquiry)
    other = fresh(inquiry, 2)

    for clash, field in [
        (attrs.evolve(other, id=inquiry.id), "id"),
        (attrs.evolve(other, reference=inquiry.reference), "reference"),
        (attrs.evolve(other, reply_token=inquiry.reply_token), "reply_token"),
    ]:
        with new_uow() as uow, pytest.raises(AlreadyExists) as raised:
            uow.inquiries.add(clash)
        assert raised.value.field == field


def test_a_message_id_belongs_to_one_inquiry_on_add_and_on_save(new_uow: NewUow) -> None:
    first, second = fresh(a_full_inquiry(), 1), fresh(a_full_inquiry(), 2)
    stored(new_uow, first, second)
    taken = first.message_ids()[0]
    copy = attrs.evolve(first.messages[0], message_id=taken)

    with new_uow() as uow, pytest.raises(AlreadyExists) as on_add:
        uow.inquiries.add(attrs.evolve(fresh(first, 3), messages=[copy]))
    assert on_add.value.field == "message_id"

    with new_uow() as uow:
        loaded = uow.inquiries.get(second.id)
        loaded.messages.append(attrs.evolve(copy, id=UUID(int=99)))
        with pytest.raises(AlreadyExists) as on_save:
            uow.inquiries.save(loaded)
    assert on_save.value.field == "message_id"


def test_an_inquiry_is_found_by_message_id_reply_token_and_reference(new_uow: NewUow) -> None:
    inquiry = fresh(a_full_inquiry(), 1)
    stored(new_uow, inquiry, fresh(inquiry, 2))
    outgoing = next(m for m in inquiry.messages if m.direction is Direction.OUTGOING)
    assert outgoing.message_id is not None

    with new_uow() as uow:
        for found in (
            uow.inquiries.by_message_id(inquiry.message_ids()[0]),
            uow.inquiries.by_message_id(outgoing.message_id),
            uow.inquiries.by_reply_token(inquiry.reply_token),
            uow.inquiries.by_reference(inquiry.reference),
        ):
            assert found is not None
            assert found.id == inquiry.id
        assert uow.inquiries.by_message_id("<nobody@example.com>") is None
        assert uow.inquiries.by_reply_token("000000000000") is None
        assert uow.inquiries.by_reference("C-00000000") is None


def test_a_message_added_on_save_is_found_by_its_message_id(new_uow: NewUow) -> None:
    inquiry = fresh(a_full_inquiry(), 1)
    stored(new_uow, inquiry)
    with new_uow() as uow:
        loaded = uow.inquiries.get(inquiry.id)
        loaded.receive_message(
            InquiryMessage(
                id=UUID(int=7),
                direction=Direction.INCOMING,
                kind=MessageKind.GUEST_MESSAGE,
                channel=Channel.EMAIL,
                at=loaded.last_activity_at,
                author="guest",
                text="¿Y con cuna?",
                message_id="<later@example.com>",
            ),
            now=loaded.last_activity_at,
        )
        uow.inquiries.save(loaded)
        uow.commit()
    with new_uow() as uow:
        found = uow.inquiries.by_message_id("<later@example.com>")
    assert found is not None
    assert found.id == inquiry.id


# --- lists and counts ---------------------------------------------------------------------------


def test_lists_put_pending_first_then_newest_activity_then_newest_id(new_uow: NewUow) -> None:
    base = fresh(a_full_inquiry(), 1)
    at = base.last_activity_at
    rows = [
        attrs.evolve(fresh(base, 10), pending_action=False, last_activity_at=at),
        attrs.evolve(fresh(base, 11), pending_action=True, last_activity_at=at),
        attrs.evolve(fresh(base, 12), pending_action=False, last_activity_at=at + timedelta(1)),
        attrs.evolve(fresh(base, 13), pending_action=True, last_activity_at=at),
        attrs.evolve(fresh(base, 14), pending_action=True, last_activity_at=at - timedelta(1)),
    ]
    stored(new_uow, *rows)

    with new_uow() as uow:
        page = uow.inquiries.list(InquiryQuery())
        second = uow.inquiries.list(InquiryQuery(page=PageRequest(limit=2, offset=2)))
        pending = uow.inquiries.list(InquiryQuery(pending_only=True))

    expected = [rows[i].id for i in (3, 1, 4, 2, 0)]
    assert [i.id for i in page.items] == expected
    assert page.total == 5
    assert [i.id for i in second.items] == expected[2:4]
    assert second.total == 5
    assert [i.id for i in pending.items] == expected[:3]
    assert pending.total == 3


def test_lists_filter_by_stage_channel_agent_client_and_text(new_uow: NewUow) -> None:
    base = fresh(a_full_inquiry(), 1)
    client = UUID(int=5)
    guest = attrs.evolve(base.guest, name="Íñigo Álvarez")
    rows = [
        attrs.evolve(fresh(base, 10), stage=S.LOST, channel=Channel.PHONE),
        attrs.evolve(fresh(base, 11), assigned_to="pepe", client_id=client),
        attrs.evolve(fresh(base, 12), guest=guest),
    ]
    stored(new_uow, *rows)

    def ids(**filters: object) -> list[UUID]:
        with new_uow() as uow:
            return [i.id for i in uow.inquiries.list(InquiryQuery(**filters)).items]  # type: ignore[arg-type]

    assert ids(stage=S.LOST) == [rows[0].id]
    assert ids(channel=Channel.PHONE) == [rows[0].id]
    assert ids(assigned_to="pepe") == [rows[1].id]
    assert ids(client_id=client) == [rows[1].id]
    assert ids(text="inigo alv") == [rows[2].id]
    assert ids(text=rows[1].reference.lower()) == [rows[1].id]
    assert ids(text="100%_") == []


def test_stage_counts_cover_every_stage_in_pipeline_order(new_uow: NewUow) -> None:
    base = fresh(a_full_inquiry(), 1)
    stored(
        new_uow,
        attrs.evolve(fresh(base, 10), stage=S.QUOTED, pending_action=True),
        attrs.evolve(fresh(base, 11), stage=S.QUOTED, pending_action=False),
        attrs.evolve(fresh(base, 12), stage=S.LOST, pending_action=False),
    )

    with new_uow() as uow:
        counts = uow.inquiries.stage_counts()

    assert [(c.stage, c.total, c.pending) for c in counts] == [
        (stage, {S.QUOTED: 2, S.LOST: 1}.get(stage, 0), 1 if stage is S.QUOTED else 0)
        for stage in S
    ]


# --- reminders ----------------------------------------------------------------------------------


def with_due_reminders(new_uow: NewUow, clock: FixedClock, ids: SequentialIds, n: int) -> None:
    """``n`` inquiries answered by the hotel, each with a reminder due now."""
    world = World(clock)
    world.ids = ids
    for k in range(n):
        inquiry_id = world.register(guest_email=f"guest{k}@example.com")
        world.reply(inquiry_id)
        world.schedule(inquiry_id, after=timedelta(hours=1))
    inquiries = [fresh(world.get(i), 1000 + k) for k, i in enumerate(world.store.inquiries)]
    stored(new_uow, *inquiries)
    clock.advance(timedelta(hours=2))


def reminders_sent(new_uow: NewUow) -> tuple[int, int]:
    """(reminders marked sent, e-mail events queued in the outbox)."""
    with new_uow() as uow:
        page = uow.inquiries.list(InquiryQuery(page=PageRequest(limit=100)))
        sent = sum(1 for i in page.items for r in i.reminders if r.status is ReminderStatus.SENT)
        queued = sum(
            1
            for i in page.items
            for m in uow.outbox.for_aggregate(i.id)
            if m.topic == EMAIL_TOPIC and m.status is OutboxStatus.PENDING
        )
    return sent, queued


def deliver_reminders(new_uow: NewUow, clock: FixedClock, ids: SequentialIds) -> int:
    """Run the reminder handler over every pending ``reminders_due`` batch (as the workers
    do); returns how many reminders the batches held."""
    registry = with_inquiry_handlers(
        HandlerRegistry(),
        uow=new_uow,
        mailer=InMemoryMailer,
        clock=lambda: clock,
        ids=lambda: ids,
        mailbox=lambda: MAILBOX,
    )
    with new_uow() as uow:
        pending = [
            m for m in uow.outbox.claim_pending(clock.now(), 10_000) if m.topic == REMINDER_TOPIC
        ]
    for message in pending:
        deliver_outbox_message(message.id, new_uow(), registry, clock)
    return sum(len(m.event.reminders) for m in pending)


def test_due_reminders_are_handed_over_oldest_first_once_and_sent_once(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    with_due_reminders(new_uow, clock, ids, 3)

    with new_uow() as uow:  # rolled back: nothing handed over
        assert len(uow.inquiries.hand_over_due_reminders(clock.now(), 2)) == 2

    first = services.send_due_reminders(new_uow(), clock, ids, limit=2)
    second = services.send_due_reminders(new_uow(), clock, ids, limit=2)
    third = services.send_due_reminders(new_uow(), clock, ids, limit=2)

    assert (first, second, third) == (2, 1, 0)
    assert reminders_sent(new_uow) == (0, 0)
    assert deliver_reminders(new_uow, clock, ids) == 3
    assert reminders_sent(new_uow) == (3, 3)
    assert deliver_reminders(new_uow, clock, ids) == 0
    assert reminders_sent(new_uow) == (3, 3)


def test_a_save_of_the_inquiry_keeps_its_reminder_handed_over(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    with_due_reminders(new_uow, clock, ids, 1)
    assert services.send_due_reminders(new_uow(), clock, ids) == 1
    with new_uow() as uow:
        [inquiry] = uow.inquiries.list(InquiryQuery()).items
        inquiry = uow.inquiries.get(inquiry.id)
        inquiry.add_note("Llamar por la tarde", now=clock.now(), actor="ana.agent")
        uow.inquiries.save(inquiry)
        uow.commit()

    assert services.send_due_reminders(new_uow(), clock, ids) == 0


def test_two_schedulers_at_once_hand_each_reminder_over_once(
    sql_engine: Engine, clock: FixedClock, ids: SequentialIds
) -> None:
    def new_uow() -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(sql_engine, clock, ids)

    with_due_reminders(new_uow, clock, ids, 12)
    start = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def scheduler() -> None:
        try:
            start.wait()
            total = 0
            while handed := services.send_due_reminders(new_uow(), clock, ids, limit=3):
                total += handed
            counts.append(total)
        except BaseException as exc:  # noqa: BLE001 - reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(counts) == 12
    assert services.send_due_reminders(new_uow(), clock, ids) == 0
    assert deliver_reminders(new_uow, clock, ids) == 12
    assert reminders_sent(new_uow) == (12, 12)
    assert services.send_due_reminders(new_uow(), clock, ids) == 0
    assert deliver_reminders(new_uow, clock, ids) == 0
    assert reminders_sent(new_uow) == (12, 12)


@pytest.mark.postgres
def test_a_hand_over_held_by_an_open_transaction_is_skipped_by_another_on_postgresql(
    postgres_engine: Engine, clock: FixedClock, ids: SequentialIds
) -> None:
    """PostgreSQL skips the reminder rows another open transaction is handing over (SQLite
    serialises writers instead: a second hand-over waits for the first to end)."""
    engine = emptied(postgres_engine)

    def new_uow() -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(engine, clock, ids)

    with_due_reminders(new_uow, clock, ids, 2)
    with new_uow() as first, new_uow() as second:
        taken = first.inquiries.hand_over_due_reminders(clock.now(), 1)
        rest = second.inquiries.hand_over_due_reminders(clock.now(), 10)
    assert len(taken) == 1
    assert len(rest) == 1
    assert {i for i, _ in taken}.isdisjoint(i for i, _ in rest)


# --- unmatched e-mails --------------------------------------------------------------------------


def an_unmatched(n: int, world: World) -> UnmatchedEmail:
    email: InboundEmail = world.email(message_id=f"<lost-{n}@example.com>")
    return UnmatchedEmail.keep(
        unmatched_id=UUID(int=500 + n),
        email=email,
        reason=UnmatchedReason.NO_MATCH,
        now=world.now + timedelta(minutes=n),
        actor="inbound-mail",
    )


def test_unmatched_emails_round_trip_are_unique_and_list_newest_first(new_uow: NewUow) -> None:
    world = World()
    kept = [an_unmatched(n, world) for n in range(3)]
    with new_uow() as uow:
        for unmatched in kept:
            uow.unmatched_emails.add(unmatched)
        uow.commit()

    with new_uow() as uow:
        loaded = uow.unmatched_emails.get(kept[0].id)
        assert fields_of(loaded) == fields_of(kept[0])
        found = uow.unmatched_emails.by_message_id("<lost-1@example.com>")
        assert found is not None
        assert found.id == kept[1].id
        assert uow.unmatched_emails.by_message_id("<nobody@example.com>") is None
        with pytest.raises(AlreadyExists) as raised:
            uow.unmatched_emails.add(attrs.evolve(kept[2], id=UUID(int=900), version=0))
        assert raised.value.field == "message_id"
        with pytest.raises(NotFound):
            uow.unmatched_emails.get(UUID(int=901))

    with new_uow() as uow:
        discarded = uow.unmatched_emails.get(kept[1].id)
        discarded.discard("spam", now=world.now, actor="ana.agent")
        uow.unmatched_emails.save(discarded)
        uow.commit()
    with new_uow() as uow:
        open_ = uow.unmatched_emails.list(UnmatchedEmailQuery())
        every = uow.unmatched_emails.list(UnmatchedEmailQuery(status=None))
        stale = attrs.evolve(uow.unmatched_emails.get(kept[0].id), version=7, events=[])
        with pytest.raises(StaleVersion):
            uow.unmatched_emails.save(stale)
    assert [u.id for u in open_.items] == [kept[2].id, kept[0].id]
    assert open_.total == 2
    assert [u.id for u in every.items] == [kept[2].id, kept[1].id, kept[0].id]
    assert every.items[1].discard_reason == "spam"
