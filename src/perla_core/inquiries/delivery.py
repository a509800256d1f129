"""E-mailing a guest: the outbox handler of :class:`InquiryEmailQueued`.

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
from perla_core.inquiries.events import InquiryEmailQueued
from perla_core.inquiries.ports import InquiryUnitOfWork
from perla_core.inquiries.services import inquiry_email_to_send, mark_inquiry_email_sent
from perla_core.kernel.ports import Clock
from perla_core.mail import Mailer
from perla_core.outbox import HandlerRegistry, OutboxMessage

EMAIL_TOPIC = InquiryEmailQueued.event_name
"""``inquiries.email_queued``: the outbox topic the handler listens to."""
EMAIL_HANDLER = "mail.inquiry_message"
"""The handler's stable name (it keys the idempotency records: never rename it)."""


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


def with_inquiry_handlers(
    registry: HandlerRegistry,
    *,
    uow: Callable[[], InquiryUnitOfWork],
    mailer: Callable[[], Mailer],
    clock: Callable[[], Clock],
) -> HandlerRegistry:
    """``registry`` with the inquiry e-mail handler bound to the ports' factories (the
    container's providers): what ``perla_entrypoints.handlers`` adds."""

    def handle(event: Any, _: OutboxMessage) -> None:
        email_inquiry_message(event.aggregate_id, event.message_ref, uow(), mailer(), clock())

    return registry.with_handler(EMAIL_TOPIC, EMAIL_HANDLER, handle)
