"""Reminders: up to three automatic follow-ups while the hotel waits for the guest, sent by
the scheduler's tick once each, cancelled when the guest answers."""

from __future__ import annotations

import threading
from datetime import timedelta
from uuid import UUID

import pytest
from tests.unit.inquiries.builders import AGENT, GUEST_EMAIL, MAILBOX, World

from perla_core.inquiries import services
from perla_core.inquiries.commands import (
    ConfirmInquiry,
    LogCall,
    MarkInquiryLost,
    ScheduleReminder,
    UnscheduleReminder,
    UpdateInquiryDetails,
)
from perla_core.inquiries.delivery import EMAIL_TOPIC, REMINDER_TOPIC
from perla_core.inquiries.model import GUEST_REPLIED, SUPERSEDED, ReminderLimitReached
from perla_core.inquiries.values import (
    DeliveryStatus,
    HistoryKind,
    MessageKind,
    ReminderStatus,
)
from perla_core.kernel.errors import (
    IllegalTransition,
    InvalidInput,
    InvalidValue,
    PreconditionFailed,
)

DAY = timedelta(days=1)


def waiting(world: World) -> UUID:
    """An inquiry the hotel answered: now it waits for the guest."""
    inquiry_id = world.register()
    world.reply(inquiry_id)
    return inquiry_id


def statuses(world: World, inquiry_id: UUID) -> list[ReminderStatus]:
    return [r.status for r in world.get(inquiry_id).reminders]


def reminder_emails(world: World, inquiry_id: UUID) -> list[str]:
    return [m.text or "" for m in world.get(inquiry_id).messages if m.kind is MessageKind.REMINDER]


# --- scheduling ---------------------------------------------------------------------------------


def test_a_reminder_is_scheduled_while_the_hotel_waits_for_the_guest(world: World) -> None:
    inquiry_id = waiting(world)

    reminder_id = world.schedule(inquiry_id, 2 * DAY)

    reminder = world.get(inquiry_id).reminder(reminder_id)
    assert (reminder.status, reminder.due_at, reminder.created_by) == (
        ReminderStatus.SCHEDULED,
        world.now + 2 * DAY,
        "ana.agent",
    )
    entry = world.get(inquiry_id).history[-1]
    assert (entry.kind, entry.actor, entry.summary) == (
        HistoryKind.REMINDER_SCHEDULED,
        "ana.agent",
        "Recordatorio programado (1 de 3)",
    )


@pytest.mark.parametrize("offset", [timedelta(0), -timedelta(minutes=1), -3 * DAY])
def test_a_reminder_due_now_or_in_the_past_is_refused(world: World, offset: timedelta) -> None:
    inquiry_id = waiting(world)

    with pytest.raises(InvalidValue) as refused:
        world.schedule(inquiry_id, offset)

    assert refused.value.field == "due_at"


def test_a_due_time_without_a_time_zone_is_refused(world: World) -> None:
    inquiry_id = waiting(world)

    with pytest.raises(InvalidValue) as refused:
        services.schedule_reminder(
            ScheduleReminder(inquiry_id, "2026-01-20T10:00:00"),
            world.uow(),
            world.clock,
            world.ids,
            AGENT,
        )

    assert refused.value.field == "due_at"


def test_a_fourth_reminder_is_refused_naming_the_reminders(world: World) -> None:
    inquiry_id = waiting(world)
    for days in (2, 4, 6):
        world.schedule(inquiry_id, days * DAY)

    with pytest.raises(ReminderLimitReached) as refused:
        world.schedule(inquiry_id, 8 * DAY)

    assert isinstance(refused.value, PreconditionFailed)
    assert (refused.value.field, refused.value.code) == ("reminders", "reminder_limit_reached")
    assert len(world.get(inquiry_id).reminders) == 3


def test_sent_reminders_count_and_unscheduled_ones_do_not(world: World) -> None:
    inquiry_id = waiting(world)
    first = world.schedule(inquiry_id, 1 * DAY)
    second = world.schedule(inquiry_id, 3 * DAY)
    world.clock.advance(1 * DAY)
    assert world.tick() == 1
    services.unschedule_reminder(
        UnscheduleReminder(inquiry_id, second), world.uow(), world.clock, AGENT
    )
    world.schedule(inquiry_id, 2 * DAY)
    world.schedule(inquiry_id, 4 * DAY)

    with pytest.raises(ReminderLimitReached):
        world.schedule(inquiry_id, 6 * DAY)

    inquiry = world.get(inquiry_id)
    assert inquiry.reminder(first).status is ReminderStatus.SENT
    assert inquiry.reminder(second).status is ReminderStatus.UNSCHEDULED
    assert [e.kind for e in inquiry.history if e.ref == second] == [
        HistoryKind.REMINDER_SCHEDULED,
        HistoryKind.REMINDER_UNSCHEDULED,
    ]


def test_a_reminder_needs_an_answer_from_the_hotel_first(world: World) -> None:
    inquiry_id = world.register()

    with pytest.raises(PreconditionFailed) as refused:
        world.schedule(inquiry_id)

    assert refused.value.field == "reminders"


def test_a_reminder_needs_the_guests_email(world: World) -> None:
    inquiry_id = world.register(guest_email=None)
    services.log_call(
        LogCall(inquiry_id, "outgoing", "Le llamé"), world.uow(), world.clock, world.ids, AGENT
    )

    with pytest.raises(PreconditionFailed) as refused:
        world.schedule(inquiry_id)

    assert refused.value.field == "guest_email"


def test_only_a_scheduled_reminder_can_be_unscheduled(world: World) -> None:
    inquiry_id = waiting(world)
    reminder_id = world.schedule(inquiry_id, DAY)
    world.clock.advance(DAY)
    world.tick()

    with pytest.raises(IllegalTransition):
        services.unschedule_reminder(
            UnscheduleReminder(inquiry_id, reminder_id), world.uow(), world.clock, AGENT
        )


# --- the guest answers --------------------------------------------------------------------------


def test_a_guest_reply_cancels_the_scheduled_reminders_but_not_the_sent_ones(
    world: World,
) -> None:
    receipt = world.receive(world.email())
    assert receipt.inquiry_id is not None
    inquiry_id = receipt.inquiry_id
    world.reply(inquiry_id)
    sent = world.schedule(inquiry_id, DAY)
    later = world.schedule(inquiry_id, 3 * DAY)
    world.clock.advance(DAY)
    assert world.tick() == 1

    world.receive(world.reply_email(world.get(inquiry_id)))

    inquiry = world.get(inquiry_id)
    assert inquiry.reminder(sent).status is ReminderStatus.SENT
    cancelled = inquiry.reminder(later)
    assert (cancelled.status, cancelled.end_reason, cancelled.ended_by) == (
        ReminderStatus.CANCELLED,
        GUEST_REPLIED,
        "system",
    )
    assert inquiry.history[-1].summary == "Recordatorio cancelado: el huésped ha respondido"
    assert inquiry.pending_action


def test_a_phone_call_from_the_guest_cancels_the_reminders_too(world: World) -> None:
    inquiry_id = waiting(world)
    reminder_id = world.schedule(inquiry_id)

    services.log_call(
        LogCall(inquiry_id, "incoming", "Llamó para preguntar por el parking"),
        world.uow(),
        world.clock,
        world.ids,
        AGENT,
    )

    assert world.get(inquiry_id).reminder(reminder_id).status is ReminderStatus.CANCELLED


def test_moving_on_from_the_quote_cancels_the_scheduled_reminders(world: World) -> None:
    inquiry_id = world.register()
    world.quote(inquiry_id)
    reminder_id = world.schedule(inquiry_id)

    services.confirm_inquiry(ConfirmInquiry(inquiry_id), world.uow(), world.clock, AGENT)

    reminder = world.get(inquiry_id).reminder(reminder_id)
    assert (reminder.status, reminder.end_reason) == (
        ReminderStatus.CANCELLED,
        "inquiry confirmed",
    )


def test_a_lost_inquiry_gets_no_more_reminders(world: World) -> None:
    inquiry_id = waiting(world)
    world.schedule(inquiry_id)
    services.mark_inquiry_lost(
        MarkInquiryLost(inquiry_id, "Reservó en otro hotel"), world.uow(), world.clock, AGENT
    )
    world.clock.advance(3 * DAY)

    assert world.tick() == 0
    assert statuses(world, inquiry_id) == [ReminderStatus.CANCELLED]


def test_removing_the_guests_email_cancels_the_reminders(world: World) -> None:
    inquiry_id = waiting(world)
    world.schedule(inquiry_id)

    services.update_inquiry_details(
        UpdateInquiryDetails(inquiry_id, guest_email=None), world.uow(), world.clock, AGENT
    )

    assert statuses(world, inquiry_id) == [ReminderStatus.CANCELLED]


# --- the tick -----------------------------------------------------------------------------------


def test_the_tick_sends_due_reminders_through_the_outbox_in_spanish(world: World) -> None:
    inquiry_id = waiting(world)
    reminder_id = world.schedule(inquiry_id, 2 * DAY)
    world.clock.advance(DAY)
    assert world.tick() == 0
    world.clock.advance(DAY)

    assert world.tick() == 1

    inquiry = world.get(inquiry_id)
    reminder = inquiry.reminder(reminder_id)
    assert (reminder.status, reminder.sent_at) == (ReminderStatus.SENT, world.now)
    message = inquiry.message(reminder.message_ref or reminder_id)
    assert (message.kind, message.delivery, message.author, message.about) == (
        MessageKind.REMINDER,
        DeliveryStatus.QUEUED,
        "system",
        reminder_id,
    )
    entry = inquiry.history[-1]
    assert (entry.kind, entry.actor) == (HistoryKind.REMINDER_SENT, "system")
    assert world.deliver_emails() == 2  # the agent's reply, then the reminder
    [email] = [e for e in world.mailer.sent if e.message_id == message.message_id]
    assert email.to == (GUEST_EMAIL,)
    assert (
        email.subject
        == f"Recordatorio: su consulta del 14/02/2026 al 18/02/2026 [{inquiry.reference}]"
    )
    assert email.text.startswith(
        "Estimado/a Lucía Pérez:\n\nLe escribimos para hacer un seguimiento"
    )
    assert email.in_reply_to is None  # the guest never e-mailed: the inquiry came by phone
    assert email.reply_to == MAILBOX.reply_to(inquiry.reply_token)


def test_an_agents_own_reminder_text_is_sent_as_written(world: World) -> None:
    inquiry_id = waiting(world)
    services.schedule_reminder(
        ScheduleReminder(inquiry_id, world.now + DAY, text="¿Seguimos adelante con la reserva?"),
        world.uow(),
        world.clock,
        world.ids,
        AGENT,
    )
    world.clock.advance(DAY)
    world.tick()

    [text] = reminder_emails(world, inquiry_id)
    assert "¿Seguimos adelante con la reserva?" in text


def test_a_tick_called_twice_sends_each_reminder_once(world: World) -> None:
    inquiry_id = waiting(world)
    world.schedule(inquiry_id, DAY)
    world.clock.advance(DAY)

    assert (world.tick(), world.tick()) == (1, 0)
    assert len(reminder_emails(world, inquiry_id)) == 1


def test_reminders_overdue_together_send_one_email(world: World) -> None:
    inquiry_id = waiting(world)
    early = world.schedule(inquiry_id, DAY)
    late = world.schedule(inquiry_id, 2 * DAY)
    world.clock.advance(5 * DAY)  # the scheduler was down

    assert world.tick() == 2  # both handed over; the handler sends the latest only

    inquiry = world.get(inquiry_id)
    assert inquiry.reminder(late).status is ReminderStatus.SENT
    assert (inquiry.reminder(early).status, inquiry.reminder(early).end_reason) == (
        ReminderStatus.CANCELLED,
        SUPERSEDED,
    )
    assert len(reminder_emails(world, inquiry_id)) == 1


def test_the_tick_takes_a_batch_at_a_time(world: World) -> None:
    inquiries = [waiting(world) for _ in range(5)]
    for inquiry_id in inquiries:
        world.schedule(inquiry_id, DAY)
    world.clock.advance(DAY)

    assert [world.tick(limit=2) for _ in range(4)] == [2, 2, 1, 0]


def test_two_schedulers_at_once_hand_each_due_reminder_over_once(world: World) -> None:
    inquiries = [waiting(world) for _ in range(30)]
    for inquiry_id in inquiries:
        world.schedule(inquiry_id, DAY)
    world.clock.advance(DAY)
    start = threading.Barrier(2)
    handed: list[int] = []
    errors: list[BaseException] = []

    def scheduler() -> None:
        try:
            start.wait()
            while (n := world.hand_over(limit=3)) > 0:
                handed.append(n)
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sum(handed) == 30
    assert world.store.reminder_claims == set()
    assert world.deliver_reminders() == 30
    assert world.deliver_reminders() == 0
    for inquiry_id in inquiries:
        assert statuses(world, inquiry_id) == [ReminderStatus.SENT]
        assert len(reminder_emails(world, inquiry_id)) == 1
    queued = [m for m in world.store.outbox.values() if m.topic == EMAIL_TOPIC]
    reminders = [m for m in queued if m.event.kind == "reminder"]
    assert len(reminders) == 30
    assert world.hand_over() == 0


def test_a_reminder_being_handed_over_is_skipped_by_another_transaction(world: World) -> None:
    first, second = waiting(world), waiting(world)
    for inquiry_id in (first, second):
        world.schedule(inquiry_id, DAY)
    world.clock.advance(DAY)

    with world.uow() as one, world.uow() as other:
        taken = one.inquiries.hand_over_due_reminders(world.now, 1)
        rest = other.inquiries.hand_over_due_reminders(world.now, 10)
        assert [i for i, _ in taken] == [first]
        assert [i for i, _ in rest] == [second]
        assert other.inquiries.hand_over_due_reminders(world.now, 10) == []
    with world.uow() as again:  # both rolled back: nothing was handed over
        assert len(again.inquiries.hand_over_due_reminders(world.now, 10)) == 2
        again.commit()
    with world.uow() as later:
        assert later.inquiries.hand_over_due_reminders(world.now, 10) == []


def test_a_reminder_unscheduled_after_the_hand_over_is_not_sent(world: World) -> None:
    inquiry_id = waiting(world)
    reminder_id = world.schedule(inquiry_id, DAY)
    world.clock.advance(DAY)
    assert world.hand_over() == 1

    services.unschedule_reminder(
        UnscheduleReminder(inquiry_id, reminder_id), world.uow(), world.clock, AGENT
    )

    assert world.deliver_reminders() == 1  # the handler ran and did nothing
    assert statuses(world, inquiry_id) == [ReminderStatus.UNSCHEDULED]
    assert reminder_emails(world, inquiry_id) == []


def test_a_guest_reply_after_the_hand_over_cancels_the_reminder(world: World) -> None:
    inquiry_id = waiting(world)
    world.schedule(inquiry_id, DAY)
    world.clock.advance(DAY)
    assert world.hand_over() == 1

    world.receive(world.reply_email(world.get(inquiry_id)))
    world.deliver_reminders()

    assert statuses(world, inquiry_id) == [ReminderStatus.CANCELLED]
    assert reminder_emails(world, inquiry_id) == []


def test_the_reminder_handler_run_again_sends_nothing_twice(world: World) -> None:
    inquiry_id = waiting(world)
    reminder_id = world.schedule(inquiry_id, DAY)
    world.clock.advance(DAY)
    assert world.hand_over() == 1
    [handed] = [m.event for m in world.store.outbox.values() if m.topic == REMINDER_TOPIC]
    assert [(d.inquiry_id, d.reminder_id) for d in handed.reminders] == [(inquiry_id, reminder_id)]

    def run() -> bool:
        return services.send_handed_over_reminder(
            inquiry_id, reminder_id, world.uow(), world.clock, world.ids, MAILBOX
        )

    assert (run(), run()) == (True, False)
    world.deliver_reminders()

    assert statuses(world, inquiry_id) == [ReminderStatus.SENT]
    assert len(reminder_emails(world, inquiry_id)) == 1


def test_scheduling_refuses_bad_input_by_field(world: World) -> None:
    inquiry_id = waiting(world)

    with pytest.raises((InvalidValue, InvalidInput)) as refused:
        services.schedule_reminder(
            ScheduleReminder(inquiry_id, "pasado mañana"),
            world.uow(),
            world.clock,
            world.ids,
            AGENT,
        )

    assert refused.value.field == "due_at"
