"""The Inquiry aggregate ("consulta", seed 001) and the UnmatchedEmail inbox item.

A guest asks by e-mail to the reservations address, the hotel's web form, phone or WhatsApp;
the inquiry records who (name and an e-mail or a phone), for when, for how many, the
conversation, the reminders, the quotes and the History tab, all in one aggregate so that one
read shows everything.

Its stage follows a pipeline (:data:`INQUIRY_TRANSITIONS`): *inquiry* → *quoted* (a quote is
e-mailed; a new quote replaces the old one) → *confirmed* (the guest accepted a valid quote)
→ *booking* (handed to the booking team); *lost* or *expired*, with a reason, from any open
stage. An illegal step raises :class:`IllegalTransition` naming what is allowed.

**Pending action** (``pending_action``): an open inquiry whose last message is the guest's —
a new inquiry is, until answered. Auto-replies are recorded but never count: not as the
guest's answer (they do not cancel reminders), not as a message to answer.

**Reminders**: up to :data:`MAX_REMINDERS` follow-ups (scheduled plus sent; cancelled and
unscheduled ones do not count), only while the hotel waits for the guest (perla's message is
the last one), e-mailed by the scheduler when due. A guest's answer cancels the scheduled
ones ("guest replied"); moving to confirmed, booking, lost or expired cancels them too.

**E-mail** leaves through the outbox: replying, quoting or sending a reminder stores the
outgoing message as it will be sent (Message-ID ``<inquiry-message.<id>@domain>``, In-Reply-To
the guest's latest e-mail, References the thread, Reply-To ``reservas+<token>@domain``, the
``[<reference>]`` tag in the subject), *queued*, and raises :class:`InquiryEmailQueued`; the
handler sends it and marks it *sent*.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

import attrs

from perla_core.inquiries.events import (
    CallLogged,
    GuestMessageReceived,
    InquiryAssigned,
    InquiryDetailsUpdated,
    InquiryEmailQueued,
    InquiryEmailSent,
    InquiryNoteAdded,
    InquiryRegistered,
    InquiryStageChanged,
    QuoteSent,
    ReminderCancelled,
    ReminderScheduled,
    ReminderSent,
    ReminderUnscheduled,
    UnmatchedEmailAttached,
    UnmatchedEmailDiscarded,
    UnmatchedEmailKept,
)
from perla_core.inquiries.matching import REFERENCE_PREFIX, TOKEN_LENGTH
from perla_core.inquiries.values import (
    FOLLOW_UP_STAGES,
    GUEST,
    MAX_NOTE,
    OPEN_STAGES,
    Channel,
    DeliveryStatus,
    Direction,
    EmailContent,
    Guest,
    HistoryEntry,
    HistoryKind,
    InquiryMailbox,
    InquiryMessage,
    InquiryStage,
    MessageKind,
    Party,
    Quote,
    Reminder,
    ReminderStatus,
    Stay,
    clean_inbound_line,
    clean_inbound_text,
    date_es,
    line,
    money_es,
    paragraph,
)
from perla_core.kernel.errors import IllegalTransition, InvalidValue, NotFound, PreconditionFailed
from perla_core.kernel.text import fold
from perla_core.mail.inbound import InboundEmail
from perla_core.mail.message import MAX_REFERENCES, OutgoingEmail, make_message_id, parse_message_id

MAX_REMINDERS = 3
MAX_REMINDER_HORIZON = timedelta(days=365)
MAX_REASON = 1000
MAX_AGENT_NAME = 100
SYSTEM_ACTOR = "system"
"""The actor name of what the scheduler and the outbox handlers do."""

GUEST_REPLIED = "guest replied"
SUPERSEDED = "superseded by a later reminder"
NO_GUEST_EMAIL = "the guest has no e-mail address"

_S = InquiryStage

# action -> {from stage: to stage}
INQUIRY_TRANSITIONS: dict[str, dict[InquiryStage, InquiryStage]] = {
    "send_quote": {_S.INQUIRY: _S.QUOTED, _S.QUOTED: _S.QUOTED},
    "confirm": {_S.QUOTED: _S.CONFIRMED},
    "hand_to_booking": {_S.CONFIRMED: _S.BOOKING},
    "mark_lost": dict.fromkeys(OPEN_STAGES, _S.LOST),
    "mark_expired": dict.fromkeys(OPEN_STAGES, _S.EXPIRED),
}
# agent actions that keep the stage -> the stages they are allowed in (the guest may always write)
INQUIRY_ACTIONS: dict[str, frozenset[InquiryStage]] = {
    "reply": frozenset(InquiryStage),
    "log_call": frozenset(InquiryStage),
    "add_note": frozenset(InquiryStage),
    "assign": frozenset(InquiryStage),
    "unschedule_reminder": frozenset(InquiryStage),
    "schedule_reminder": FOLLOW_UP_STAGES,
    "update_details": OPEN_STAGES,
}

STAGE_LABELS: dict[InquiryStage, str] = {
    _S.INQUIRY: "Consulta",
    _S.QUOTED: "Presupuestada",
    _S.CONFIRMED: "Confirmada",
    _S.BOOKING: "Reserva",
    _S.LOST: "Perdida",
    _S.EXPIRED: "Caducada",
}
CHANNEL_LABELS: dict[Channel, str] = {
    Channel.EMAIL: "correo electrónico",
    Channel.WEB_FORM: "formulario web",
    Channel.PHONE: "teléfono",
    Channel.WHATSAPP: "WhatsApp",
}
_REASONS_ES: dict[str, str] = {
    GUEST_REPLIED: "el huésped ha respondido",
    SUPERSEDED: "sustituido por un recordatorio posterior",
    NO_GUEST_EMAIL: "el huésped no tiene correo electrónico",
}


def short_reference(inquiry_id: UUID) -> str:
    """``C-1A2B3C4D``: to quote on the phone and tag subjects. From the end of the id, its
    random part (time-ordered ids share their beginning)."""
    return f"{REFERENCE_PREFIX}{inquiry_id.hex[-8:].upper()}"


def reply_token_from(secret: str) -> str:
    """A reply token (12 lower-case hex characters) from a random secret: what a plus-address
    can carry through mail servers that change case."""
    return hashlib.sha256(secret.encode()).hexdigest()[:TOKEN_LENGTH]


class ReminderLimitReached(PreconditionFailed):
    """A fourth reminder: at most three are scheduled or sent per inquiry."""

    code = "reminder_limit_reached"
    title = "Reminder limit reached"


def message_from_email(
    email: InboundEmail,
    message_ref: UUID,
    *,
    matched_by: str | None = None,
    recorded_by: str | None = None,
) -> InquiryMessage:
    """A received e-mail as the inquiry keeps it (auto-replies marked as such)."""
    return InquiryMessage(
        id=message_ref,
        direction=Direction.INCOMING,
        kind=MessageKind.AUTO_REPLY if email.auto_submitted else MessageKind.GUEST_MESSAGE,
        channel=Channel.EMAIL,
        at=email.received_at,
        author=GUEST,
        text=clean_inbound_text(email.text),
        subject=clean_inbound_line(email.subject),
        message_id=email.message_id.strip(),
        in_reply_to=email.in_reply_to,
        references=tuple(email.references),
        sender=email.sender,
        sender_name=clean_inbound_line(email.sender_name, 200),
        to=tuple(email.to),
        cc=tuple(email.cc),
        attachments=tuple(email.attachments),
        matched_by=matched_by,
        recorded_by=recorded_by,
    )


@attrs.define(eq=False)
class Inquiry:
    """A guest's inquiry. Identity by ``id``; ``version`` guards edits.

    ``reference`` (``C-1A2B3C4D``) and ``reply_token`` are unique; ``pending_action`` and
    ``last_activity_at`` are kept up to date by every change, so lists can sort on them.
    """

    id: UUID
    reference: str
    reply_token: str
    channel: Channel
    guest: Guest
    created_at: datetime
    created_by: str
    last_activity_at: datetime
    stay: Stay | None = None
    party: Party | None = None
    notes: str | None = None
    client_id: UUID | None = None
    assigned_to: str | None = None
    stage: InquiryStage = InquiryStage.INQUIRY
    stage_changed_at: datetime | None = None
    stage_reason: str | None = None
    booking_reference: str | None = None
    pending_action: bool = True
    messages: list[InquiryMessage] = attrs.field(factory=list)
    reminders: list[Reminder] = attrs.field(factory=list)
    quotes: list[Quote] = attrs.field(factory=list)
    history: list[HistoryEntry] = attrs.field(factory=list)
    version: int = 0
    events: list[object] = attrs.field(factory=list, repr=False)

    # --- registration -----------------------------------------------------------------------

    @classmethod
    def register(
        cls,
        *,
        inquiry_id: UUID,
        reply_token: str,
        channel: Channel,
        guest: Guest,
        first_message: InquiryMessage,
        now: datetime,
        actor: str,
        stay: Stay | None = None,
        party: Party | None = None,
        notes: str | None = None,
        client_id: UUID | None = None,
        assigned_to: str | None = None,
    ) -> Inquiry:
        """A new inquiry with the guest's first message (an e-mail, the form's text, the call
        as the agent took it); pending action until the hotel answers."""
        inquiry = cls(
            id=inquiry_id,
            reference=short_reference(inquiry_id),
            reply_token=reply_token,
            channel=channel,
            guest=guest,
            created_at=now,
            created_by=actor,
            last_activity_at=now,
            stay=stay,
            party=party,
            notes=notes,
            client_id=client_id,
            assigned_to=_agent(assigned_to),
        )
        inquiry._record(
            HistoryKind.REGISTERED,
            f"Consulta registrada ({CHANNEL_LABELS[channel]})",
            now=now,
            actor=actor,
            details={"channel": channel.value, "reference": inquiry.reference},
        )
        inquiry.events.append(
            InquiryRegistered(inquiry.id, now, actor, channel.value, inquiry.reference)
        )
        inquiry.receive_message(first_message, now=now, recorded_by=first_message.recorded_by)
        if inquiry.assigned_to is not None:
            inquiry._record(
                HistoryKind.ASSIGNED,
                f"Asignada a {inquiry.assigned_to}",
                now=now,
                actor=actor,
                details={"assigned_to": inquiry.assigned_to},
            )
        return inquiry

    # --- reading ----------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    @property
    def waiting_for_guest(self) -> bool:
        """perla's (or the agent's) message is the last one: the guest has to answer."""
        last = self._last_conversational()
        return last is not None and last.direction is Direction.OUTGOING

    @property
    def current_quote(self) -> Quote | None:
        return self.quotes[-1] if self.quotes else None

    @property
    def active_reminders(self) -> list[Reminder]:
        """Scheduled and sent reminders: those that count towards the limit of three."""
        return [r for r in self.reminders if r.counts_towards_limit]

    @property
    def search_text(self) -> str:
        """What a text search looks in: the guest's name and e-mail, and the reference."""
        parts = [self.guest.name, str(self.guest.email or ""), self.reference]
        return fold(" ".join(parts))

    def message(self, message_ref: UUID) -> InquiryMessage:
        found = next((m for m in self.messages if m.id == message_ref), None)
        if found is None:
            raise NotFound("inquiry message", message_ref)
        return found

    def reminder(self, reminder_id: UUID) -> Reminder:
        found = next((r for r in self.reminders if r.id == reminder_id), None)
        if found is None:
            raise NotFound("reminder", reminder_id)
        return found

    def message_ids(self) -> list[str]:
        """Every Message-ID of this inquiry's e-mails, both directions, in order."""
        return [m.message_id for m in self.messages if m.message_id is not None]

    def latest_guest_email(self) -> InquiryMessage | None:
        """The guest's latest e-mail (auto-replies aside)."""
        return next(
            (
                m
                for m in reversed(self.messages)
                if m.is_email
                and m.direction is Direction.INCOMING
                and m.kind is MessageKind.GUEST_MESSAGE
            ),
            None,
        )

    def allowed_actions(self) -> list[str]:
        moves = [a for a, t in INQUIRY_TRANSITIONS.items() if self.stage in t]
        others = [a for a, stages in INQUIRY_ACTIONS.items() if self.stage in stages]
        return sorted(moves + others)

    def email_to_send(self, message_ref: UUID) -> InquiryMessage | None:
        """The outgoing e-mail ``message_ref`` if it still waits to be sent."""
        found = next((m for m in self.messages if m.id == message_ref), None)
        if found is None or found.delivery is not DeliveryStatus.QUEUED:
            return None
        return found

    # --- the conversation -------------------------------------------------------------------

    def receive_message(
        self, message: InquiryMessage, *, now: datetime, recorded_by: str | None = None
    ) -> None:
        """Record what the guest sent (an e-mail, a form, a call, an auto-reply). A guest's
        message makes the inquiry pending and cancels the scheduled reminders; an auto-reply
        changes neither."""
        if message.direction is not Direction.INCOMING:
            raise InvalidValue("only incoming messages are received", field="direction")
        if message.message_id is not None and message.message_id in self.message_ids():
            return
        self.messages.append(message)
        auto = message.kind is MessageKind.AUTO_REPLY
        details = {"channel": message.channel.value}
        if message.subject:
            details["subject"] = message.subject
        if recorded_by:
            details["recorded_by"] = recorded_by
        if auto:
            summary = "Respuesta automática recibida (no cuenta como respuesta del huésped)"
        elif message.is_email:
            summary = f"Correo del huésped recibido: «{message.subject or '(sin asunto)'}»"
        else:
            summary = f"Mensaje del huésped recibido por {CHANNEL_LABELS[message.channel]}"
        self._record(
            HistoryKind.AUTO_REPLY_RECEIVED if auto else HistoryKind.MESSAGE_RECEIVED,
            summary,
            now=now,
            actor=GUEST,
            ref=message.id,
            details=details,
        )
        self.events.append(
            GuestMessageReceived(
                self.id, now, recorded_by or GUEST, message.id, message.channel.value, auto
            )
        )
        if not auto:
            self._cancel_scheduled(GUEST_REPLIED, now=now)

    def reply(
        self,
        content: EmailContent,
        *,
        message_ref: UUID,
        mailbox: InquiryMailbox,
        now: datetime,
        actor: str,
    ) -> InquiryMessage:
        """Queue an agent's e-mail answer; the inquiry stops being pending."""
        self._require("reply")
        message = self._queue_email(
            MessageKind.REPLY,
            content,
            message_ref=message_ref,
            mailbox=mailbox,
            now=now,
            actor=actor,
        )
        self._record(
            HistoryKind.REPLY_SENT,
            f"Respuesta enviada por correo electrónico: «{message.subject}»",
            now=now,
            actor=actor,
            ref=message.id,
        )
        return message

    def log_call(
        self,
        direction: Direction,
        summary: str | None,
        *,
        message_ref: UUID,
        now: datetime,
        actor: str,
    ) -> InquiryMessage:
        """A phone call an agent took (the guest's message: pending, reminders cancelled) or
        made (the hotel's answer: no longer pending)."""
        self._require("log_call")
        text = paragraph(summary, "summary")
        if direction is Direction.INCOMING:
            message = InquiryMessage(
                id=message_ref,
                direction=direction,
                kind=MessageKind.GUEST_MESSAGE,
                channel=Channel.PHONE,
                at=now,
                author=GUEST,
                text=text,
                recorded_by=actor,
            )
            self.receive_message(message, now=now, recorded_by=actor)
            return message
        message = InquiryMessage(
            id=message_ref,
            direction=direction,
            kind=MessageKind.REPLY,
            channel=Channel.PHONE,
            at=now,
            author=actor,
            text=text,
        )
        self.messages.append(message)
        self._record(
            HistoryKind.CALL_LOGGED,
            "Llamada al huésped registrada",
            now=now,
            actor=actor,
            ref=message.id,
        )
        self.events.append(CallLogged(self.id, now, actor, message.id, direction.value))
        return message

    def mark_email_sent(self, message_ref: UUID, *, now: datetime, actor: str) -> bool:
        """The Mailer took the e-mail; returns whether this changed anything (never refuses:
        the outbox handler calls it, perhaps twice)."""
        for index, message in enumerate(self.messages):
            if message.id == message_ref and message.delivery is DeliveryStatus.QUEUED:
                self.messages[index] = attrs.evolve(
                    message, delivery=DeliveryStatus.SENT, sent_at=now
                )
                assert message.message_id is not None
                self.events.append(
                    InquiryEmailSent(self.id, now, actor, message.id, message.message_id)
                )
                return True
        return False

    def _queue_email(
        self,
        kind: MessageKind,
        content: EmailContent,
        *,
        message_ref: UUID,
        mailbox: InquiryMailbox,
        now: datetime,
        actor: str,
        about: UUID | None = None,
    ) -> InquiryMessage:
        if self.guest.email is None:
            raise PreconditionFailed(
                "the guest has no e-mail address: add one, or answer by phone and log the call",
                missing=["guest_email"],
            )
        parent = self.latest_guest_email()
        in_reply_to = _valid_message_id(parent.message_id) if parent else None
        message = InquiryMessage(
            id=message_ref,
            direction=Direction.OUTGOING,
            kind=kind,
            channel=Channel.EMAIL,
            at=now,
            author=actor,
            text=content.text,
            subject=content.subject,
            message_id=make_message_id("inquiry-message", message_ref, mailbox.domain),
            in_reply_to=in_reply_to,
            references=self._thread(parent),
            sender=mailbox.address,
            sender_name=mailbox.display_name,
            to=(self.guest.email.value,),
            reply_to=mailbox.reply_to(self.reply_token),
            html=content.html,
            delivery=DeliveryStatus.QUEUED,
            about=about,
        )
        outgoing_email(message)  # refuse now what the Mailer would refuse later
        self.messages.append(message)
        assert message.message_id is not None
        self.events.append(
            InquiryEmailQueued(self.id, now, actor, message.id, kind.value, message.message_id)
        )
        return message

    def _thread(self, parent: InquiryMessage | None) -> tuple[str, ...]:
        """References: the parent's own, then every Message-ID of the conversation; the first
        and the latest kept when there are more than the header takes."""
        ids = [*(parent.references if parent else ()), *self.message_ids()]
        valid = [v for v in dict.fromkeys(ids) if _valid_message_id(v)]
        if len(valid) > MAX_REFERENCES:
            valid = [valid[0], *valid[-(MAX_REFERENCES - 1) :]]
        return tuple(valid)

    def _last_conversational(self) -> InquiryMessage | None:
        return next((m for m in reversed(self.messages) if m.counts_as_conversation), None)

    # --- reminders --------------------------------------------------------------------------

    def schedule_reminder(
        self,
        reminder_id: UUID,
        due_at: datetime,
        *,
        now: datetime,
        actor: str,
        text: str | None = None,
    ) -> Reminder:
        """A follow-up e-mailed at ``due_at`` if the guest has not answered by then."""
        self._require("schedule_reminder")
        if due_at <= now:
            raise InvalidValue("a reminder is due in the future", field="due_at")
        if due_at > now + MAX_REMINDER_HORIZON:
            raise InvalidValue("a reminder is due within a year", field="due_at")
        if self.guest.email is None:
            raise PreconditionFailed(
                "reminders are e-mailed and the guest has no e-mail address",
                missing=["guest_email"],
            )
        if not self.waiting_for_guest:
            raise PreconditionFailed(
                "a reminder follows up the hotel's last message: answer the guest first",
                field="reminders",
            )
        if len(self.active_reminders) >= MAX_REMINDERS:
            raise ReminderLimitReached(
                f"an inquiry has at most {MAX_REMINDERS} reminders scheduled or sent; "
                "unschedule one first",
                field="reminders",
            )
        reminder = Reminder(
            id=reminder_id,
            due_at=due_at,
            status=ReminderStatus.SCHEDULED,
            created_at=now,
            created_by=actor,
            text=paragraph(text, "text"),
        )
        self.reminders.append(reminder)
        self._record(
            HistoryKind.REMINDER_SCHEDULED,
            f"Recordatorio programado ({len(self.active_reminders)} de {MAX_REMINDERS})",
            now=now,
            actor=actor,
            ref=reminder.id,
            details={"due_at": due_at.isoformat()},
        )
        self.events.append(ReminderScheduled(self.id, now, actor, reminder.id, due_at))
        return reminder

    def unschedule_reminder(self, reminder_id: UUID, *, now: datetime, actor: str) -> None:
        """An agent withdraws a scheduled reminder (it stops counting towards the limit)."""
        reminder = self.reminder(reminder_id)
        if reminder.status is not ReminderStatus.SCHEDULED:
            raise IllegalTransition(
                "reminder",
                reminder.status.value,
                "unschedule",
                allowed=[],
            )
        self._end_reminder(reminder, ReminderStatus.UNSCHEDULED, None, now=now, actor=actor)
        self._record(
            HistoryKind.REMINDER_UNSCHEDULED,
            "Recordatorio desprogramado",
            now=now,
            actor=actor,
            ref=reminder.id,
            details={"due_at": reminder.due_at.isoformat()},
        )
        self.events.append(ReminderUnscheduled(self.id, now, actor, reminder.id))

    def send_due_reminder(
        self,
        reminder_id: UUID,
        content: EmailContent,
        *,
        message_ref: UUID,
        mailbox: InquiryMailbox,
        now: datetime,
    ) -> bool:
        """The scheduler's step: e-mail reminder ``reminder_id`` if it is still scheduled and
        due; returns whether it was sent. Never refuses (a reminder no longer due to be sent
        is left, or cancelled with the reason when the inquiry moved on); earlier reminders
        also due are cancelled as superseded, so a guest gets one follow-up at a time."""
        reminder = next((r for r in self.reminders if r.id == reminder_id), None)
        if reminder is None or reminder.status is not ReminderStatus.SCHEDULED:
            return False
        if reminder.due_at > now:
            return False
        reason = self._reason_not_to_follow_up()
        if reason is not None:
            self._cancel_scheduled(reason, now=now)
            return False
        for other in list(self.reminders):
            if (
                other.id != reminder.id
                and other.status is ReminderStatus.SCHEDULED
                and other.due_at <= reminder.due_at
            ):
                self._cancel(other, SUPERSEDED, now=now)
        message = self._queue_email(
            MessageKind.REMINDER,
            content,
            message_ref=message_ref,
            mailbox=mailbox,
            now=now,
            actor=SYSTEM_ACTOR,
            about=reminder.id,
        )
        self._replace_reminder(
            attrs.evolve(reminder, status=ReminderStatus.SENT, sent_at=now, message_ref=message.id)
        )
        self._record(
            HistoryKind.REMINDER_SENT,
            "Recordatorio enviado al huésped",
            now=now,
            actor=SYSTEM_ACTOR,
            ref=reminder.id,
            details={"message": str(message.id)},
        )
        self.events.append(ReminderSent(self.id, now, SYSTEM_ACTOR, reminder.id, message.id))
        return True

    def _reason_not_to_follow_up(self) -> str | None:
        if self.stage not in FOLLOW_UP_STAGES:
            return f"inquiry {self.stage.value}"
        if not self.waiting_for_guest:
            return GUEST_REPLIED
        if self.guest.email is None:
            return NO_GUEST_EMAIL
        return None

    def _cancel_scheduled(self, reason: str, *, now: datetime) -> None:
        for reminder in list(self.reminders):
            if reminder.status is ReminderStatus.SCHEDULED:
                self._cancel(reminder, reason, now=now)

    def _cancel(self, reminder: Reminder, reason: str, *, now: datetime) -> None:
        self._end_reminder(reminder, ReminderStatus.CANCELLED, reason, now=now, actor=SYSTEM_ACTOR)
        self._record(
            HistoryKind.REMINDER_CANCELLED,
            f"Recordatorio cancelado: {_reason_es(reason)}",
            now=now,
            actor=SYSTEM_ACTOR,
            ref=reminder.id,
            details={"reason": reason},
        )
        self.events.append(ReminderCancelled(self.id, now, SYSTEM_ACTOR, reminder.id, reason))

    def _end_reminder(
        self,
        reminder: Reminder,
        status: ReminderStatus,
        reason: str | None,
        *,
        now: datetime,
        actor: str,
    ) -> None:
        self._replace_reminder(
            attrs.evolve(reminder, status=status, ended_at=now, ended_by=actor, end_reason=reason)
        )

    def _replace_reminder(self, reminder: Reminder) -> None:
        self.reminders = [reminder if r.id == reminder.id else r for r in self.reminders]

    # --- quotes and the pipeline ------------------------------------------------------------

    def send_quote(
        self,
        quote: Quote,
        content: EmailContent,
        *,
        mailbox: InquiryMailbox,
        now: datetime,
        actor: str,
    ) -> InquiryMessage:
        """E-mail a quote (valid until a date not in the past) and move to *quoted*; a new
        quote replaces the current one, both stay in the history. ``quote.message_ref`` is
        the e-mail's id."""
        target = self._target("send_quote")
        if not quote.is_valid_on(now):
            raise InvalidValue(
                f"{quote.valid_until.isoformat()} is in the past", field="valid_until"
            )
        assert quote.message_ref is not None
        replaces = self.current_quote.id if self.current_quote else None
        message = self._queue_email(
            MessageKind.QUOTE,
            content,
            message_ref=quote.message_ref,
            mailbox=mailbox,
            now=now,
            actor=actor,
            about=quote.id,
        )
        self.quotes.append(quote)
        self._record(
            HistoryKind.QUOTE_SENT,
            f"Presupuesto enviado: {money_es(quote.total)}, válido hasta el "
            f"{date_es(quote.valid_until)}" + (" (sustituye al anterior)" if replaces else ""),
            now=now,
            actor=actor,
            ref=quote.id,
            details={
                "total": str(quote.total.amount),
                "currency": quote.total.currency,
                "valid_until": quote.valid_until.isoformat(),
                **({"replaces": str(replaces)} if replaces else {}),
            },
        )
        self.events.append(
            QuoteSent(
                self.id,
                now,
                actor,
                quote.id,
                message.id,
                str(quote.total.amount),
                quote.total.currency,
                quote.valid_until.isoformat(),
                replaces,
            )
        )
        self._move(target, now=now, actor=actor, reason=None)
        return message

    def confirm(self, *, now: datetime, actor: str, note: str | None = None) -> None:
        """The guest accepted the current quote, which must still be valid."""
        target = self._target("confirm")
        quote = self.current_quote
        if quote is None or not quote.is_valid_on(now):
            raise PreconditionFailed(
                "the quote expired"
                + (f" on {quote.valid_until.isoformat()}" if quote else "")
                + ": send a new quote before confirming",
                field="valid_until",
            )
        self._move(target, now=now, actor=actor, reason=_reason(note, required=False))

    def hand_to_booking(
        self, *, now: datetime, actor: str, booking_reference: str | None = None
    ) -> None:
        """The confirmed inquiry goes to the booking team."""
        target = self._target("hand_to_booking")
        self.booking_reference = line(booking_reference, "booking_reference", 100)
        self._move(target, now=now, actor=actor, reason=None)

    def mark_lost(self, reason: str, *, now: datetime, actor: str) -> None:
        target = self._target("mark_lost")
        self._move(target, now=now, actor=actor, reason=_reason(reason, required=True))

    def mark_expired(self, reason: str, *, now: datetime, actor: str) -> None:
        target = self._target("mark_expired")
        self._move(target, now=now, actor=actor, reason=_reason(reason, required=True))

    def _move(self, target: InquiryStage, *, now: datetime, actor: str, reason: str | None) -> None:
        before = self.stage
        if target is before:
            return
        self.stage = target
        self.stage_changed_at = now
        self.stage_reason = reason
        summary = f"Etapa: {STAGE_LABELS[before]} → {STAGE_LABELS[target]}"
        details = {"from": before.value, "to": target.value}
        if reason:
            summary += f". Motivo: {reason}"
            details["reason"] = reason
        self._record(HistoryKind.STAGE_CHANGED, summary, now=now, actor=actor, details=details)
        self.events.append(
            InquiryStageChanged(self.id, now, actor, before.value, target.value, reason)
        )
        if target not in FOLLOW_UP_STAGES:
            self._cancel_scheduled(f"inquiry {target.value}", now=now)

    def _target(self, action: str) -> InquiryStage:
        target = INQUIRY_TRANSITIONS[action].get(self.stage)
        if target is None:
            raise IllegalTransition(
                "inquiry", self.stage.value, action, allowed=self.allowed_actions()
            )
        return target

    def _require(self, action: str) -> None:
        if self.stage not in INQUIRY_ACTIONS[action]:
            raise IllegalTransition(
                "inquiry", self.stage.value, action, allowed=self.allowed_actions()
            )

    # --- notes, assignment, details ---------------------------------------------------------

    def add_note(self, text: str, *, now: datetime, actor: str) -> HistoryEntry:
        """An internal note on the History tab (the guest never sees it)."""
        self._require("add_note")
        body = paragraph(text, "text", MAX_NOTE, required=True)
        assert body is not None
        entry = self._record(
            HistoryKind.NOTE_ADDED, "Nota interna", now=now, actor=actor, details={"text": body}
        )
        self.events.append(InquiryNoteAdded(self.id, now, actor, entry.seq))
        return entry

    def assign(self, agent: str | None, *, now: datetime, actor: str) -> bool:
        """Assign to an agent (``None`` unassigns); returns whether it changed."""
        self._require("assign")
        name = _agent(agent)
        if name == self.assigned_to:
            return False
        previous, self.assigned_to = self.assigned_to, name
        self._record(
            HistoryKind.ASSIGNED,
            f"Asignada a {name}" if name else "Sin asignar",
            now=now,
            actor=actor,
            details={"assigned_to": name or "", "previous": previous or ""},
        )
        self.events.append(InquiryAssigned(self.id, now, actor, name, previous))
        return True

    def update_details(
        self, changes: Mapping[str, Any], *, now: datetime, actor: str
    ) -> tuple[str, ...]:
        """Apply validated values by name (``guest``, ``stay``, ``party``, ``notes``,
        ``client_id``); returns the fields that changed. Removing the guest's e-mail cancels
        the scheduled reminders."""
        self._require("update_details")
        unknown = sorted(set(changes) - _DETAILS)
        if unknown:
            raise InvalidValue(f"not details of an inquiry: {', '.join(unknown)}", field=unknown[0])
        changed = tuple(k for k in sorted(changes) if changes[k] != getattr(self, k))
        if not changed:
            return ()
        for key in changed:
            setattr(self, key, changes[key])
        self._record(
            HistoryKind.DETAILS_UPDATED,
            "Datos de la consulta actualizados",
            now=now,
            actor=actor,
            details={"changed": ", ".join(changed)},
        )
        self.events.append(InquiryDetailsUpdated(self.id, now, actor, changed))
        if self.guest.email is None:
            self._cancel_scheduled(NO_GUEST_EMAIL, now=now)
        return changed

    # --- the history ------------------------------------------------------------------------

    def _record(
        self,
        kind: HistoryKind,
        summary: str,
        *,
        now: datetime,
        actor: str,
        ref: UUID | None = None,
        details: Mapping[str, str] | None = None,
    ) -> HistoryEntry:
        entry = HistoryEntry(
            seq=len(self.history) + 1,
            at=now,
            actor=actor,
            kind=kind,
            summary=summary,
            ref=ref,
            details=dict(details or {}),
        )
        self.history.append(entry)
        self.last_activity_at = max(self.last_activity_at, now)
        self.pending_action = self._compute_pending()
        return entry

    def _compute_pending(self) -> bool:
        if not self.is_open:
            return False
        last = self._last_conversational()
        return last is None or last.direction is Direction.INCOMING


_DETAILS = frozenset({"guest", "stay", "party", "notes", "client_id"})


def outgoing_email(message: InquiryMessage) -> OutgoingEmail:
    """The e-mail the Mailer sends for an outgoing message, exactly as stored."""
    assert message.sender is not None
    assert message.subject is not None
    assert message.text is not None
    assert message.message_id is not None
    return OutgoingEmail(
        sender=message.sender,
        sender_name=message.sender_name,
        to=message.to,
        subject=message.subject,
        text=message.text,
        html=message.html,
        message_id=message.message_id,
        in_reply_to=message.in_reply_to,
        references=message.references,
        reply_to=message.reply_to,
    )


def _valid_message_id(value: str | None) -> str | None:
    """``value`` if it is a Message-ID perla can put in a header (a guest's client may have
    made one the strict grammar refuses)."""
    if value is None:
        return None
    try:
        return parse_message_id(value)
    except InvalidValue:
        return None


def _reason(value: str | None, *, required: bool) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise InvalidValue("say why", field="reason")
    if len(text) > MAX_REASON:
        raise InvalidValue(f"is longer than {MAX_REASON} characters", field="reason")
    return text or None


def _agent(value: str | None) -> str | None:
    return line(value, "assigned_to", MAX_AGENT_NAME)


def _reason_es(reason: str) -> str:
    if reason in _REASONS_ES:
        return _REASONS_ES[reason]
    stage = reason.removeprefix("inquiry ")
    if stage in {s.value for s in InquiryStage}:
        return f"la consulta ha pasado a «{STAGE_LABELS[InquiryStage(stage)]}»"
    return reason


# --- the inbox of e-mails that matched nothing --------------------------------------------------


class UnmatchedStatus(StrEnum):
    OPEN = "open"
    ATTACHED = "attached"
    DISCARDED = "discarded"


class UnmatchedReason(StrEnum):
    """``no_match``: it answers something, but nothing perla knows; ``auto_reply``: an
    out-of-office or bounce that matched nothing; ``invalid_sender``: a new e-mail whose
    sender cannot be a guest's address."""

    NO_MATCH = "no_match"
    AUTO_REPLY = "auto_reply"
    INVALID_SENDER = "invalid_sender"


@attrs.define(eq=False)
class UnmatchedEmail:
    """A received e-mail no inquiry claimed, kept whole until an agent attaches it to an
    inquiry, opens a new inquiry from it, or discards it. Unique by the e-mail's Message-ID."""

    id: UUID
    email: InboundEmail
    reason: UnmatchedReason
    kept_at: datetime
    status: UnmatchedStatus = UnmatchedStatus.OPEN
    inquiry_id: UUID | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    discard_reason: str | None = None
    version: int = 0
    events: list[object] = attrs.field(factory=list, repr=False)

    @classmethod
    def keep(
        cls,
        *,
        unmatched_id: UUID,
        email: InboundEmail,
        reason: UnmatchedReason,
        now: datetime,
        actor: str,
    ) -> UnmatchedEmail:
        kept = cls(id=unmatched_id, email=email, reason=reason, kept_at=now)
        kept.events.append(UnmatchedEmailKept(kept.id, now, actor, email.message_id, reason.value))
        return kept

    @property
    def message_id(self) -> str:
        return self.email.message_id

    def attach_to(
        self, inquiry_id: UUID, *, now: datetime, actor: str, opened: bool = False
    ) -> None:
        self._require_open("attach")
        self.status = UnmatchedStatus.ATTACHED
        self.inquiry_id = inquiry_id
        self.resolved_at = now
        self.resolved_by = actor
        self.events.append(UnmatchedEmailAttached(self.id, now, actor, inquiry_id, opened))

    def discard(self, reason: str, *, now: datetime, actor: str) -> None:
        self._require_open("discard")
        text = _reason(reason, required=True)
        assert text is not None
        self.status = UnmatchedStatus.DISCARDED
        self.discard_reason = text
        self.resolved_at = now
        self.resolved_by = actor
        self.events.append(UnmatchedEmailDiscarded(self.id, now, actor, text))

    def _require_open(self, action: str) -> None:
        if self.status is not UnmatchedStatus.OPEN:
            raise IllegalTransition("unmatched e-mail", self.status.value, action, allowed=[])
