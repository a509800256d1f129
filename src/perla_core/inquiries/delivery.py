"""E-mailing a guest: the outbox handlers of :class:`RemindersDue` and
:class:`InquiryEmailQueued`.

A batch of reminders the scheduler handed over (:class:`RemindersDue`) is sent by
``inquiries.send_reminder`` if it is still scheduled: it becomes *sent* and its e-mail is
queued, which raises the :class:`InquiryEmailQueued` the mail handler acts on.

The reply, quote or reminder was stored as a *queued* outgoing message in the same
transaction that wrote the event; this runs afterwards, outside any transaction. It sends the
message exactly as stored (its Message-ID is the message's, stable, so the SMTP adapters and
the recipient recognise a resend) and marks it *sent*. A redelivered event finds it sent and
sends nothing; the outbox also records the handler's success per message, so a delivered
event never runs it again. If the mail server is down, :class:`MailUnavailable` propagates,
the message stays queued and the outbox retries with growing delays.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from perla_core.access.model import SYSTEM
from perla_core.inquiries.events import InquiryEmailQueued, RemindersDue
from perla_core.inquiries.ports import InquiryUnitOfWork
from perla_core.inquiries.services import (
    inquiry_email_to_send,
    mark_inquiry_email_sent,
    send_handed_over_reminder,
)
from perla_core.inquiries.values import InquiryMailbox
from perla_core.kernel.ports import Clock, IdGenerator
from perla_core.mail import Mailer
from perla_core.outbox import HandlerRegistry, OutboxMessage

EMAIL_TOPIC = InquiryEmailQueued.event_name
"""``inquiries.email_queued``: the outbox topic the handler listens to."""
EMAIL_HANDLER = "mail.inquiry_message"
"""The handler's stable name (it keys the idempotency records: never rename it)."""
REMINDER_TOPIC = RemindersDue.event_name
"""``inquiries.reminders_due``: a batch of reminders the scheduler handed over."""
REMINDER_HANDLER = "inquiries.send_reminders"
"""The reminder handler's stable name (never rename it)."""


def email_inquiry_message(
    inquiry_id: UUID, message_ref: UUID, uow: InquiryUnitOfWork, mailer: Mailer, clock: Clock
) -> bool:
    """Send the inquiry's outgoing message if it still waits; returns whether it was sent."""
    email = inquiry_email_to_send(inquiry_id, message_ref, uow, SYSTEM)
    if email is None:
        return False
    mailer.send(email)
    mark_inquiry_email_sent(inquiry_id, message_ref, uow, clock, SYSTEM)
    return True


def send_handed_over_reminders(
    batch: RemindersDue,
    uow: Callable[[], InquiryUnitOfWork],
    clock: Clock,
    ids: IdGenerator,
    mailbox: InquiryMailbox,
) -> int:
    """Send each reminder of a hand-over that is still scheduled, each in its own unit of
    work; returns how many were sent. One reminder failing does not hold the others back: the
    rest are sent, then the first error is raised, so the outbox retries the batch — and the
    reminders already sent are no longer scheduled, so the retry sends only what failed."""
    sent = 0
    failure: Exception | None = None
    for due in batch.reminders:
        try:
            if send_handed_over_reminder(
                due.inquiry_id, due.reminder_id, uow(), clock, ids, mailbox
            ):
                sent += 1
        except Exception as error:  # noqa: BLE001 - raised below, once the others are sent
            failure = failure or error
    if failure is not None:
        raise failure
    return sent


def with_inquiry_handlers(
    registry: HandlerRegistry,
    *,
    uow: Callable[[], InquiryUnitOfWork],
    mailer: Callable[[], Mailer],
    clock: Callable[[], Clock],
    ids: Callable[[], IdGenerator],
    mailbox: Callable[[], InquiryMailbox],
) -> HandlerRegistry:
    """``registry`` with the inquiry handlers (the reminder sender and the e-mail sender)
    bound to the ports' factories (the container's providers): what
    ``perla_entrypoints.handlers`` adds."""

    def remind(event: Any, _: OutboxMessage) -> None:
        send_handed_over_reminders(event, uow, clock(), ids(), mailbox())

    def handle(event: Any, _: OutboxMessage) -> None:
        email_inquiry_message(event.aggregate_id, event.message_ref, uow(), mailer(), clock())

    return registry.with_handler(REMINDER_TOPIC, REMINDER_HANDLER, remind).with_handler(
        EMAIL_TOPIC, EMAIL_HANDLER, handle
    )
