"""A small world for the inquiry tests: the memory adapters, a clock that stands still, an
agent, the web form's system actor, the hotel's mailbox, and shortcuts for the use cases."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import attrs

from perla_adapters.memory import (
    FixedClock,
    InMemoryMailer,
    InMemoryStore,
    InMemoryUnitOfWork,
    SequentialIds,
    StaticSecrets,
)
from perla_core.access.model import Actor, Role
from perla_core.inquiries import services
from perla_core.inquiries.commands import (
    QuoteLineInput,
    RegisterInquiry,
    ReplyToInquiry,
    ScheduleReminder,
    SendQuote,
)
from perla_core.inquiries.delivery import EMAIL_TOPIC, REMINDER_TOPIC, with_inquiry_handlers
from perla_core.inquiries.model import Inquiry
from perla_core.inquiries.services import EmailReceipt
from perla_core.inquiries.values import Direction, InquiryMailbox
from perla_core.mail.inbound import InboundEmail
from perla_core.outbox import HandlerRegistry, OutboxStatus, deliver_outbox_message

MAILBOX = InquiryMailbox("reservas@hotelplayavictoria.es", "Reservas · Hotel Playa Victoria")
GUEST_EMAIL = "lucia.perez@example.com"
AGENT = Actor("ana.agent", Role.AGENT)
WEB_FORM = Actor("web-form", Role.ADMIN, channel="system")
INBOUND = Actor("inbound-mail", Role.ADMIN, channel="system")
READER = Actor("rita.reader", Role.READONLY)


class World:
    """The memory adapters shared by every unit of work made here (as one database)."""

    def __init__(self, clock: FixedClock | None = None) -> None:
        self.store = InMemoryStore()
        self.clock = clock or FixedClock()
        self.ids = SequentialIds()
        self.secrets = StaticSecrets()
        self.mailer = InMemoryMailer()
        self._emails = 0

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def uow(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.store, self.clock, self.ids)

    def handlers(self) -> HandlerRegistry:
        return with_inquiry_handlers(
            HandlerRegistry(),
            uow=self.uow,
            mailer=lambda: self.mailer,
            clock=lambda: self.clock,
            ids=lambda: self.ids,
            mailbox=lambda: MAILBOX,
        )

    # --- use cases ----------------------------------------------------------------------------

    def register(self, **fields: Any) -> UUID:
        given: dict[str, Any] = {
            "guest_name": "Lucía Pérez",
            "guest_email": GUEST_EMAIL,
            "guest_phone": "+34 600 123 456",
            "check_in": (self.now + timedelta(days=30)).date(),
            "check_out": (self.now + timedelta(days=34)).date(),
            "adults": 2,
            "message": "¿Tienen habitación doble con vistas al mar?",
        }
        given.update(fields)
        return services.register_inquiry(
            RegisterInquiry(**given), self.uow(), self.clock, self.ids, self.secrets, AGENT
        )

    def get(self, inquiry_id: UUID) -> Inquiry:
        return services.get_inquiry(inquiry_id, self.uow(), AGENT)

    def reply(self, inquiry_id: UUID, text: str = "Sí, tenemos disponibilidad.") -> UUID:
        return services.reply_to_inquiry(
            ReplyToInquiry(inquiry_id, text), self.uow(), self.clock, self.ids, AGENT, MAILBOX
        )

    def schedule(self, inquiry_id: UUID, after: timedelta = timedelta(days=2)) -> UUID:
        return services.schedule_reminder(
            ScheduleReminder(inquiry_id, self.now + after),
            self.uow(),
            self.clock,
            self.ids,
            AGENT,
        )

    def quote(
        self,
        inquiry_id: UUID,
        *lines: QuoteLineInput,
        valid_for: timedelta = timedelta(days=7),
        message: str | None = None,
    ) -> UUID:
        chosen = lines or (
            QuoteLineInput("Habitación doble vista mar (noche)", "120.00", 4),
            QuoteLineInput("Desayuno buffet (persona y día)", "12.50", 8),
        )
        return services.send_quote(
            SendQuote(inquiry_id, chosen, (self.now + valid_for).date(), message),
            self.uow(),
            self.clock,
            self.ids,
            AGENT,
            MAILBOX,
        )

    def hand_over(self, limit: int = 500) -> int:
        """The scheduler's tick alone: returns how many reminders it handed over."""
        return services.send_due_reminders(self.uow(), self.clock, self.ids, limit=limit)

    def tick(self, limit: int = 500) -> int:
        """The tick, then the outbox handler of every reminder handed over (the e-mails are
        queued, not sent); returns how many were handed over."""
        handed = self.hand_over(limit)
        self.deliver_reminders()
        return handed

    def deliver_reminders(self) -> int:
        """Run the reminder handler for every pending ``reminders_due`` batch; returns how
        many reminders those batches held."""
        held = sum(
            len(m.event.reminders)
            for m in self.store.outbox.values()
            if m.topic == REMINDER_TOPIC and m.status is OutboxStatus.PENDING
        )
        self._deliver(REMINDER_TOPIC)
        return held

    def receive(self, email: InboundEmail) -> EmailReceipt:
        return services.receive_email(
            email, self.uow(), self.clock, self.ids, self.secrets, INBOUND
        )

    def email(self, **fields: Any) -> InboundEmail:
        """A guest's e-mail to the reservations address; a fresh Message-ID each time."""
        self._emails += 1
        given: dict[str, Any] = {
            "message_id": f"<guest-{self._emails}@mail.example.com>",
            "sender": GUEST_EMAIL,
            "sender_name": "Lucía Pérez",
            "to": (MAILBOX.address,),
            "subject": "Consulta habitación agosto",
            "text": "Hola, ¿tienen habitación del 1 al 5 de agosto?",
            "received_at": self.now,
        }
        given.update(fields)
        return InboundEmail(**given)

    def reply_email(self, to: Inquiry, **fields: Any) -> InboundEmail:
        """The guest answering perla's latest e-mail the way a mail client does."""
        ours = [m for m in to.messages if m.is_email and m.direction is Direction.OUTGOING]
        last = ours[-1]
        assert last.message_id is not None
        given: dict[str, Any] = {
            "subject": f"Re: {last.subject}",
            "in_reply_to": last.message_id,
            "references": (*last.references, last.message_id),
            "to": (last.reply_to,),
            "text": "Perfecto, ¿y con cuna para un bebé?",
        }
        given.update(fields)
        return self.email(**given)

    def deliver_emails(self) -> int:
        """Run the outbox handler for every pending e-mail event; returns how many ran."""
        return self._deliver(EMAIL_TOPIC)

    def _deliver(self, topic: str) -> int:
        ran = 0
        registry = self.handlers()
        for message in list(self.store.outbox.values()):
            if message.topic == topic and message.status is OutboxStatus.PENDING:
                ran += len(deliver_outbox_message(message.id, self.uow(), registry, self.clock))
        return ran

    def topics(self, aggregate_id: UUID) -> list[str]:
        with self.uow() as uow:
            return [m.topic for m in uow.outbox.for_aggregate(aggregate_id)]


def evolve_email(email: InboundEmail, **changes: Any) -> InboundEmail:
    return attrs.evolve(email, **changes)
