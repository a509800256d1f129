"""Use cases of the inquiries area. Each opens one unit of work and returns ids, a version, a
frozen result or the aggregate it read; none builds an adapter or sends anything.

Writes check ``Permission.WRITE_COMMERCIAL`` and reads ``Permission.READ`` on the acting
:class:`Actor`; the web form and inbound e-mail run as the system actor their entrypoint
passes; the reminder scheduler acts as ``system`` (it takes no actor), the outbox handler as
:data:`~perla_core.access.model.SYSTEM`. E-mail leaves through
the outbox: :func:`reply_to_inquiry`, :func:`send_quote` and :func:`send_handed_over_reminder`
(the handler of what :func:`send_due_reminders` hands over) store the outgoing message and its
event in one transaction; the handler
(:mod:`perla_core.inquiries.delivery`) reads it with :func:`inquiry_email_to_send`, sends it
and reports with :func:`mark_inquiry_email_sent`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

import attrs

from perla_core.access.model import Actor, Permission
from perla_core.inquiries.commands import (
    KEEP,
    AddInquiryNote,
    AssignInquiry,
    AttachUnmatchedEmail,
    ConfirmInquiry,
    DiscardUnmatchedEmail,
    HandToBooking,
    LogCall,
    MarkInquiryExpired,
    MarkInquiryLost,
    OpenInquiryFromUnmatchedEmail,
    RegisterInquiry,
    RegisterWebFormInquiry,
    ReplyToInquiry,
    ScheduleReminder,
    SendQuote,
    UnscheduleReminder,
    UpdateInquiryDetails,
)
from perla_core.inquiries.email import render_quote, render_reminder, render_reply
from perla_core.inquiries.events import DueReminder, RemindersDue
from perla_core.inquiries.matching import looks_like_reply, reply_tokens, subject_references
from perla_core.inquiries.model import (
    MAX_AGENT_NAME,
    Inquiry,
    UnmatchedEmail,
    UnmatchedReason,
    message_from_email,
    outgoing_email,
    reply_token_from,
    short_reference,
)
from perla_core.inquiries.ports import (
    InquiryQuery,
    InquiryUnitOfWork,
    StageCount,
    UnmatchedEmailQuery,
)
from perla_core.inquiries.values import (
    GUEST,
    Channel,
    Direction,
    Guest,
    InquiryMailbox,
    InquiryMessage,
    MessageKind,
    Party,
    Quote,
    ReminderStatus,
    Stay,
    a_date,
    a_moment,
    clean_inbound_line,
    collect,
    earliest_local_date,
    is_blank,
    line,
    paragraph,
    parse_quote_lines,
)
from perla_core.kernel.errors import AlreadyExists, InvalidValue, StaleVersion
from perla_core.kernel.pagination import Page
from perla_core.kernel.ports import Clock, IdGenerator, SecretGenerator
from perla_core.kernel.values import Email, country_code
from perla_core.mail.inbound import InboundEmail
from perla_core.mail.message import OutgoingEmail
from perla_core.outbox import messages_for

TOKEN_SECRET_BYTES = 16
_FRESH_ATTEMPTS = 5
_MARK_SENT_ATTEMPTS = 3


class ReceiptOutcome(StrEnum):
    """What :func:`receive_email` did with an e-mail: opened a ``new_inquiry``, added it to
    the ``matched`` inquiry, kept it ``unmatched`` for an agent, or recognised an
    ``own_message`` (a copy of an e-mail perla sent)."""

    NEW_INQUIRY = "new_inquiry"
    MATCHED = "matched"
    UNMATCHED = "unmatched"
    OWN_MESSAGE = "own_message"


@attrs.frozen
class EmailReceipt:
    """The outcome of receiving one e-mail; the same e-mail received again gives an equal
    receipt. ``matched_by`` says how a reply found its inquiry (``in_reply_to``,
    ``references``, ``reply_token``, ``subject_tag``; ``agent`` once attached by hand)."""

    outcome: ReceiptOutcome
    inquiry_id: UUID | None = None
    message_ref: UUID | None = None
    unmatched_id: UUID | None = None
    matched_by: str | None = None


# --- registering -------------------------------------------------------------------------------


def register_inquiry(
    command: RegisterInquiry,
    uow: InquiryUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    secrets: SecretGenerator,
    actor: Actor,
) -> UUID:
    """An agent registers an inquiry taken by phone (or WhatsApp ...); returns its id. The
    inquiry is pending action until answered."""
    actor.require(Permission.WRITE_COMMERCIAL)
    now = clock.now()
    parts = collect(
        {
            "channel": lambda: _channel(command.channel),
            **_guest_and_stay(command, now),
            "message": lambda: paragraph(command.message, "message"),
            "notes": lambda: paragraph(command.notes, "notes"),
            "assigned_to": lambda: line(command.assigned_to, "assigned_to", MAX_AGENT_NAME),
        }
    )
    with uow:
        inquiry_id, token = _fresh_identity(uow, ids, secrets)
        first = InquiryMessage(
            id=ids.new_id(),
            direction=Direction.INCOMING,
            kind=MessageKind.GUEST_MESSAGE,
            channel=parts["channel"],
            at=now,
            author=GUEST,
            text=parts["message"],
            recorded_by=actor.name,
        )
        inquiry = Inquiry.register(
            inquiry_id=inquiry_id,
            reply_token=token,
            channel=parts["channel"],
            guest=parts["guest"],
            first_message=first,
            now=now,
            actor=actor.name,
            stay=parts["stay"],
            party=parts["party"],
            notes=parts["notes"],
            client_id=command.client_id,
            assigned_to=parts["assigned_to"],
        )
        uow.inquiries.add(inquiry)
        uow.commit()
    return inquiry.id


def register_web_form_inquiry(
    command: RegisterWebFormInquiry,
    uow: InquiryUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    secrets: SecretGenerator,
    actor: Actor,
) -> UUID:
    """A guest filled in the hotel's contact form; returns the new inquiry's id. Runs as the
    system actor the HTTP layer passes (after its own anti-spam checks)."""
    actor.require(Permission.WRITE_COMMERCIAL)
    now = clock.now()
    parts = collect(
        {
            **_guest_and_stay(command, now),
            "message": lambda: paragraph(command.message, "message"),
            "form": lambda: line(command.form, "form"),
        }
    )
    with uow:
        inquiry_id, token = _fresh_identity(uow, ids, secrets)
        first = InquiryMessage(
            id=ids.new_id(),
            direction=Direction.INCOMING,
            kind=MessageKind.GUEST_MESSAGE,
            channel=Channel.WEB_FORM,
            at=now,
            author=GUEST,
            text=parts["message"],
            subject=parts["form"],
        )
        inquiry = Inquiry.register(
            inquiry_id=inquiry_id,
            reply_token=token,
            channel=Channel.WEB_FORM,
            guest=parts["guest"],
            first_message=first,
            now=now,
            actor=actor.name,
            stay=parts["stay"],
            party=parts["party"],
            client_id=command.client_id,
        )
        uow.inquiries.add(inquiry)
        uow.commit()
    return inquiry.id


def receive_email(
    email: InboundEmail,
    uow: InquiryUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    secrets: SecretGenerator,
    actor: Actor,
) -> EmailReceipt:
    """File an e-mail received at the reservations address; never loses one, never files one
    twice.

    A Message-ID already received returns the first receipt again and changes nothing. A
    reply finds its inquiry by In-Reply-To/References (against every Message-ID perla sent or
    received for it), then by the plus-address reply token, then by the subject tag (see
    :mod:`perla_core.inquiries.matching`); an auto-reply is recorded there without counting
    as the guest's answer. An e-mail that matches nothing but looks like a reply (or is an
    auto-reply, or has an unusable sender) is kept as an :class:`UnmatchedEmail`; any other
    opens a new inquiry (channel e-mail, the guest from the sender).
    """
    actor.require(Permission.WRITE_COMMERCIAL)
    try:
        return _receive(email, uow, clock, ids, secrets, actor)
    except AlreadyExists as exc:
        if exc.field != "message_id":
            raise
        # Another delivery of the same e-mail committed first: this one is now a repeat.
        return _receive(email, uow, clock, ids, secrets, actor)


def _receive(
    email: InboundEmail,
    uow: InquiryUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    secrets: SecretGenerator,
    actor: Actor,
) -> EmailReceipt:
    now = clock.now()
    with uow:
        known = _known_receipt(uow, email.message_id.strip())
        if known is not None:
            return known
        inquiry, how = _match(uow, email)
        if inquiry is not None:
            message = message_from_email(email, ids.new_id(), matched_by=how)
            inquiry.receive_message(message, now=now)
            uow.inquiries.save(inquiry)
            uow.commit()
            return EmailReceipt(ReceiptOutcome.MATCHED, inquiry.id, message.id, matched_by=how)
        reason = _unmatched_reason(email)
        if reason is not None:
            kept = UnmatchedEmail.keep(
                unmatched_id=ids.new_id(), email=email, reason=reason, now=now, actor=actor.name
            )
            uow.unmatched_emails.add(kept)
            uow.commit()
            return EmailReceipt(ReceiptOutcome.UNMATCHED, unmatched_id=kept.id)
        inquiry = _inquiry_from_email(email, None, uow, ids, secrets, now, actor.name, None)
        uow.inquiries.add(inquiry)
        uow.commit()
        return EmailReceipt(ReceiptOutcome.NEW_INQUIRY, inquiry.id, inquiry.messages[0].id)


def _known_receipt(uow: InquiryUnitOfWork, message_id: str) -> EmailReceipt | None:
    inquiry = uow.inquiries.by_message_id(message_id)
    if inquiry is not None:
        message = next(m for m in inquiry.messages if m.message_id == message_id)
        if message.direction is Direction.OUTGOING:
            return EmailReceipt(ReceiptOutcome.OWN_MESSAGE, inquiry.id, message.id)
        if message.matched_by is None and inquiry.messages[0].id == message.id:
            return EmailReceipt(ReceiptOutcome.NEW_INQUIRY, inquiry.id, message.id)
        return EmailReceipt(
            ReceiptOutcome.MATCHED, inquiry.id, message.id, matched_by=message.matched_by
        )
    kept = uow.unmatched_emails.by_message_id(message_id)
    if kept is not None:
        return EmailReceipt(ReceiptOutcome.UNMATCHED, unmatched_id=kept.id)
    return None


def _match(uow: InquiryUnitOfWork, email: InboundEmail) -> tuple[Inquiry | None, str | None]:
    parent = (email.in_reply_to or "").strip()
    for thread_id in email.thread_ids:
        found = uow.inquiries.by_message_id(thread_id.strip())
        if found is not None:
            return found, "in_reply_to" if thread_id.strip() == parent else "references"
    for token in reply_tokens((*email.to, *email.cc)):
        found = uow.inquiries.by_reply_token(token)
        if found is not None:
            return found, "reply_token"
    for reference in subject_references(email.subject):
        found = uow.inquiries.by_reference(reference)
        if found is not None:
            return found, "subject_tag"
    return None, None


def _unmatched_reason(email: InboundEmail) -> UnmatchedReason | None:
    if email.auto_submitted:
        return UnmatchedReason.AUTO_REPLY
    if looks_like_reply(email):
        return UnmatchedReason.NO_MATCH
    try:
        Email.parse(email.sender, field="sender")
    except InvalidValue:
        return UnmatchedReason.INVALID_SENDER
    return None


def _inquiry_from_email(
    email: InboundEmail,
    guest_name: str | None,
    uow: InquiryUnitOfWork,
    ids: IdGenerator,
    secrets: SecretGenerator,
    now: datetime,
    actor: str,
    assigned_to: str | None,
    *,
    matched_by: str | None = None,
) -> Inquiry:
    address = Email.parse(email.sender, field="sender")
    name = (
        line(guest_name, "guest_name")
        or clean_inbound_line(email.sender_name, 200)
        or address.value.split("@", 1)[0]
    )
    inquiry_id, token = _fresh_identity(uow, ids, secrets)
    return Inquiry.register(
        inquiry_id=inquiry_id,
        reply_token=token,
        channel=Channel.EMAIL,
        guest=Guest(name, address),
        first_message=message_from_email(
            email,
            ids.new_id(),
            matched_by=matched_by,
            recorded_by=actor if matched_by else None,
        ),
        now=now,
        actor=actor,
        assigned_to=assigned_to,
    )


# --- the conversation ----------------------------------------------------------------------------


def reply_to_inquiry(
    command: ReplyToInquiry,
    uow: InquiryUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    actor: Actor,
    mailbox: InquiryMailbox,
) -> UUID:
    """E-mail the guest an agent's answer from ``mailbox``; returns the message's id. The
    e-mail threads under the guest's latest one and leaves through the outbox; the inquiry
    stops being pending."""
    actor.require(Permission.WRITE_COMMERCIAL)
    with uow:
        inquiry = _load(uow, command.inquiry_id, command.expected_version)
        content = render_reply(inquiry, command.text, mailbox, command.subject)
        message = inquiry.reply(
            content, message_ref=ids.new_id(), mailbox=mailbox, now=clock.now(), actor=actor.name
        )
        uow.inquiries.save(inquiry)
        uow.commit()
    return message.id


def log_call(
    command: LogCall, uow: InquiryUnitOfWork, clock: Clock, ids: IdGenerator, actor: Actor
) -> UUID:
    """Record a phone call with the guest; returns the message's id. The guest's call makes
    the inquiry pending (and cancels reminders); the hotel's call answers it."""
    actor.require(Permission.WRITE_COMMERCIAL)
    try:
        direction = Direction(str(command.direction).strip().lower())
    except ValueError:
        raise InvalidValue(
            f"{command.direction!r} is not one of: incoming, outgoing", field="direction"
        ) from None
    with uow:
        inquiry = _load(uow, command.inquiry_id, command.expected_version)
        message = inquiry.log_call(
            direction, command.summary, message_ref=ids.new_id(), now=clock.now(), actor=actor.name
        )
        uow.inquiries.save(inquiry)
        uow.commit()
    return message.id


def inquiry_email_to_send(
    inquiry_id: UUID, message_ref: UUID, uow: InquiryUnitOfWork, actor: Actor
) -> OutgoingEmail | None:
    """The e-mail the outbox handler should send now, or ``None`` once it was sent."""
    actor.require(Permission.READ)
    with uow:
        inquiry = uow.inquiries.get(inquiry_id)
    message = inquiry.email_to_send(message_ref)
    return None if message is None else outgoing_email(message)


def mark_inquiry_email_sent(
    inquiry_id: UUID, message_ref: UUID, uow: InquiryUnitOfWork, clock: Clock, actor: Actor
) -> bool:
    """The outbox handler's report that the e-mail left; returns whether it changed the
    inquiry. Retried on a concurrent edit: once the e-mail is out, it must be marked so."""
    actor.require(Permission.WRITE_COMMERCIAL)
    for attempt in range(1, _MARK_SENT_ATTEMPTS + 1):
        try:
            with uow:
                inquiry = uow.inquiries.get(inquiry_id)
                changed = inquiry.mark_email_sent(message_ref, now=clock.now(), actor=actor.name)
                if changed:
                    uow.inquiries.save(inquiry)
                    uow.commit()
                return changed
        except StaleVersion:
            if attempt == _MARK_SENT_ATTEMPTS:
                raise
    return False  # pragma: no cover - the loop returns or raises


# --- reminders -----------------------------------------------------------------------------------


def schedule_reminder(
    command: ScheduleReminder,
    uow: InquiryUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    actor: Actor,
) -> UUID:
    """Schedule a follow-up e-mail at ``due_at`` (in the future) while the hotel waits for
    the guest; returns the reminder's id. A fourth (scheduled plus sent) is refused with
    :class:`ReminderLimitReached` naming ``reminders``."""
    actor.require(Permission.WRITE_COMMERCIAL)
    due_at = a_moment(command.due_at, "due_at")
    with uow:
        inquiry = _load(uow, command.inquiry_id, command.expected_version)
        reminder = inquiry.schedule_reminder(
            ids.new_id(), due_at, now=clock.now(), actor=actor.name, text=command.text
        )
        uow.inquiries.save(inquiry)
        uow.commit()
    return reminder.id


def unschedule_reminder(
    command: UnscheduleReminder, uow: InquiryUnitOfWork, clock: Clock, actor: Actor
) -> int:
    """Withdraw a scheduled reminder; returns the inquiry's new version."""
    actor.require(Permission.WRITE_COMMERCIAL)
    with uow:
        inquiry = _load(uow, command.inquiry_id, command.expected_version)
        inquiry.unschedule_reminder(command.reminder_id, now=clock.now(), actor=actor.name)
        uow.inquiries.save(inquiry)
        uow.commit()
        return inquiry.version


DEFAULT_REMINDER_BATCH = 500


def send_due_reminders(
    uow: InquiryUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    *,
    limit: int = DEFAULT_REMINDER_BATCH,
) -> int:
    """The scheduler's tick: hand over the reminders due now, at most ``limit`` per call;
    returns how many were handed over (call again while it returns ``limit``).

    The tick loads no inquiry. In **one transaction** it marks the batch handed over (one
    query: the rows locked, ``SKIP LOCKED`` on PostgreSQL, so a second scheduler running at
    once takes other reminders) and writes one :class:`RemindersDue` outbox message for the
    batch (one row, whatever the batch's size). Each reminder is handed over once; if the
    commit fails, none of the batch was handed over and the next tick takes it again. The
    outbox handler (:func:`send_handed_over_reminder` for each reminder of the batch, run by
    :mod:`perla_core.inquiries.delivery`) then
    sends each reminder that is still scheduled — marks it sent and queues its e-mail, which
    the mail handler sends — so the e-mail still leaves once, through the outbox.
    """
    now = clock.now()
    with uow:
        handed = uow.inquiries.hand_over_due_reminders(now, limit)
        if not handed:
            return 0
        due = tuple(DueReminder(inquiry_id, reminder_id) for inquiry_id, reminder_id in handed)
        uow.outbox.add(messages_for([RemindersDue(ids.new_id(), now, due)], clock, ids))
        uow.commit()
    return len(handed)


def send_handed_over_reminder(
    inquiry_id: UUID,
    reminder_id: UUID,
    uow: InquiryUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    mailbox: InquiryMailbox,
) -> bool:
    """The outbox handler of a reminder the tick handed over: if it is still scheduled (not
    unscheduled, nor cancelled by a guest's reply meanwhile), the reminder becomes *sent*
    and its e-mail is queued (message and :class:`InquiryEmailQueued` event, one
    transaction); otherwise nothing. Returns whether it sent one. As the tick did, when
    several reminders of the inquiry are due, only the latest is sent and the earlier ones
    are cancelled as superseded (the handler of a superseded one then does nothing). A
    concurrent save (another reminder's handler) is retried; redelivery sends nothing twice.
    """
    for attempt in range(1, _MARK_SENT_ATTEMPTS + 1):
        now = clock.now()
        try:
            with uow:
                inquiry = uow.inquiries.get(inquiry_id)
                reminder = next((r for r in inquiry.reminders if r.id == reminder_id), None)
                if reminder is None or reminder.status is not ReminderStatus.SCHEDULED:
                    return False
                due = [
                    r
                    for r in inquiry.reminders
                    if r.status is ReminderStatus.SCHEDULED and r.due_at <= now
                ]
                latest = max(due, key=lambda r: (r.due_at, r.created_at), default=reminder)
                content = render_reminder(inquiry, latest, mailbox)
                sent = inquiry.send_due_reminder(
                    latest.id, content, message_ref=ids.new_id(), mailbox=mailbox, now=now
                )
                if inquiry.events:
                    uow.inquiries.save(inquiry)
                    uow.commit()
                return sent
        except StaleVersion:
            if attempt == _MARK_SENT_ATTEMPTS:
                raise
    return False  # pragma: no cover - the loop returns or raises


# --- quotes and the pipeline --------------------------------------------------------------------


def send_quote(
    command: SendQuote,
    uow: InquiryUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    actor: Actor,
    mailbox: InquiryMailbox,
) -> UUID:
    """E-mail a quote and move the inquiry to *quoted*; returns the quote's id. Lines are in
    one currency with prices not negative (each bad line named, ``lines[i].unit_price``); the
    validity date is not in the past. A new quote replaces the current one."""
    actor.require(Permission.WRITE_COMMERCIAL)
    now = clock.now()
    parts = collect(
        {
            "lines": lambda: parse_quote_lines(command.lines),
            "valid_until": lambda: a_date(command.valid_until, "valid_until"),
            "message": lambda: paragraph(command.message, "message"),
        }
    )
    lines, total = parts["lines"]
    with uow:
        inquiry = _load(uow, command.inquiry_id, command.expected_version)
        quote = Quote(
            id=ids.new_id(),
            lines=lines,
            total=total,
            valid_until=parts["valid_until"],
            created_at=now,
            created_by=actor.name,
            message=parts["message"],
            message_ref=ids.new_id(),
        )
        content = render_quote(inquiry, quote, mailbox)
        inquiry.send_quote(quote, content, mailbox=mailbox, now=now, actor=actor.name)
        uow.inquiries.save(inquiry)
        uow.commit()
    return quote.id


def confirm_inquiry(
    command: ConfirmInquiry, uow: InquiryUnitOfWork, clock: Clock, actor: Actor
) -> int:
    """The guest accepted the quote: only from *quoted*, with the quote still valid; returns
    the new version. Scheduled reminders are cancelled."""
    return _change(
        command.inquiry_id,
        command.expected_version,
        uow,
        actor,
        lambda inquiry: inquiry.confirm(now=clock.now(), actor=actor.name, note=command.note),
    )


def hand_to_booking(
    command: HandToBooking, uow: InquiryUnitOfWork, clock: Clock, actor: Actor
) -> int:
    """Hand a confirmed inquiry to the booking team; returns the new version."""
    return _change(
        command.inquiry_id,
        command.expected_version,
        uow,
        actor,
        lambda inquiry: inquiry.hand_to_booking(
            now=clock.now(), actor=actor.name, booking_reference=command.booking_reference
        ),
    )


def mark_inquiry_lost(
    command: MarkInquiryLost, uow: InquiryUnitOfWork, clock: Clock, actor: Actor
) -> int:
    """Close an open inquiry as lost, with the reason; returns the new version."""
    return _change(
        command.inquiry_id,
        command.expected_version,
        uow,
        actor,
        lambda inquiry: inquiry.mark_lost(command.reason, now=clock.now(), actor=actor.name),
    )


def mark_inquiry_expired(
    command: MarkInquiryExpired, uow: InquiryUnitOfWork, clock: Clock, actor: Actor
) -> int:
    """Close an open inquiry as expired, with the reason; returns the new version."""
    return _change(
        command.inquiry_id,
        command.expected_version,
        uow,
        actor,
        lambda inquiry: inquiry.mark_expired(command.reason, now=clock.now(), actor=actor.name),
    )


def add_inquiry_note(
    command: AddInquiryNote, uow: InquiryUnitOfWork, clock: Clock, actor: Actor
) -> int:
    """An internal note on the History tab; returns the new version."""
    return _change(
        command.inquiry_id,
        command.expected_version,
        uow,
        actor,
        lambda inquiry: inquiry.add_note(command.text, now=clock.now(), actor=actor.name),
    )


def assign_inquiry(
    command: AssignInquiry, uow: InquiryUnitOfWork, clock: Clock, actor: Actor
) -> int:
    """Assign the inquiry to an agent (``None`` unassigns); returns the version."""
    return _change(
        command.inquiry_id,
        command.expected_version,
        uow,
        actor,
        lambda inquiry: inquiry.assign(command.assigned_to, now=clock.now(), actor=actor.name),
    )


def update_inquiry_details(
    command: UpdateInquiryDetails, uow: InquiryUnitOfWork, clock: Clock, actor: Actor
) -> int:
    """Change the guest, the dates, the party, the notes or the client of an open inquiry;
    returns the version (unchanged when nothing changed)."""
    actor.require(Permission.WRITE_COMMERCIAL)
    now = clock.now()
    with uow:
        inquiry = _load(uow, command.inquiry_id, command.expected_version)
        changes = _detail_changes(inquiry, command, now)
        inquiry.update_details(changes, now=now, actor=actor.name)
        if not inquiry.events:
            return inquiry.version
        uow.inquiries.save(inquiry)
        uow.commit()
        return inquiry.version


def _detail_changes(inquiry: Inquiry, c: UpdateInquiryDetails, now: datetime) -> dict[str, Any]:
    def keep(value: Any, current: Any) -> Any:
        return current if value is KEEP else value

    parts: dict[str, Callable[[], Any]] = {}
    guest = inquiry.guest
    if any(v is not KEEP for v in (c.guest_name, c.guest_email, c.guest_phone)):
        parts["guest"] = lambda: Guest.parse(
            keep(c.guest_name, guest.name),
            keep(c.guest_email, guest.email.value if guest.email else None),
            keep(c.guest_phone, guest.phone.e164 if guest.phone else None),
            region=_region(c.phone_region),
        )
    if c.check_in is not KEEP or c.check_out is not KEEP:
        stay = inquiry.stay
        parts["stay"] = lambda: Stay.parse(
            keep(c.check_in, stay.check_in if stay else None),
            keep(c.check_out, stay.check_out if stay else None),
            today=earliest_local_date(now) if c.check_in is not KEEP else None,
        )
    if any(v is not KEEP for v in (c.adults, c.children, c.rooms)):
        party = inquiry.party
        parts["party"] = lambda: Party.parse(
            keep(c.adults, party.adults if party else None),
            keep(c.children, party.children if party else None),
            keep(c.rooms, party.rooms if party else None),
        )
    if c.notes is not KEEP:
        parts["notes"] = lambda: paragraph(c.notes, "notes")
    if c.client_id is not KEEP:
        parts["client_id"] = lambda: c.client_id
    return collect(parts)


# --- reading -------------------------------------------------------------------------------------


def get_inquiry(inquiry_id: UUID, uow: InquiryUnitOfWork, actor: Actor) -> Inquiry:
    """One inquiry with its messages, reminders, quotes and history; raises :class:`NotFound`."""
    actor.require(Permission.READ)
    with uow:
        return uow.inquiries.get(inquiry_id)


def list_inquiries(query: InquiryQuery, uow: InquiryUnitOfWork, actor: Actor) -> Page[Inquiry]:
    """Inquiries pending action first, then by newest activity, a page at a time."""
    actor.require(Permission.READ)
    with uow:
        return uow.inquiries.list(query)


def inquiry_stage_counts(uow: InquiryUnitOfWork, actor: Actor) -> list[StageCount]:
    """How many inquiries each stage holds and how many of them are pending action, every
    stage in pipeline order (the number beside "Consultas" on the home panel)."""
    actor.require(Permission.READ)
    with uow:
        return uow.inquiries.stage_counts()


# --- the unmatched inbox -------------------------------------------------------------------------


def list_unmatched_emails(
    query: UnmatchedEmailQuery, uow: InquiryUnitOfWork, actor: Actor
) -> Page[UnmatchedEmail]:
    """Received e-mails no inquiry claimed (open ones by default), newest first."""
    actor.require(Permission.READ)
    with uow:
        return uow.unmatched_emails.list(query)


def get_unmatched_email(unmatched_id: UUID, uow: InquiryUnitOfWork, actor: Actor) -> UnmatchedEmail:
    actor.require(Permission.READ)
    with uow:
        return uow.unmatched_emails.get(unmatched_id)


def attach_unmatched_email(
    command: AttachUnmatchedEmail,
    uow: InquiryUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    actor: Actor,
) -> UUID:
    """An agent files an unmatched e-mail under an inquiry, as the guest's message (an
    auto-reply stays an auto-reply); returns the message's id."""
    actor.require(Permission.WRITE_COMMERCIAL)
    now = clock.now()
    with uow:
        kept = uow.unmatched_emails.get(command.unmatched_id)
        inquiry = uow.inquiries.get(command.inquiry_id)
        kept.attach_to(inquiry.id, now=now, actor=actor.name)
        message = message_from_email(
            kept.email, ids.new_id(), matched_by="agent", recorded_by=actor.name
        )
        inquiry.receive_message(message, now=now, recorded_by=actor.name)
        uow.unmatched_emails.save(kept)
        uow.inquiries.save(inquiry)
        uow.commit()
    return message.id


def open_inquiry_from_unmatched_email(
    command: OpenInquiryFromUnmatchedEmail,
    uow: InquiryUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    secrets: SecretGenerator,
    actor: Actor,
) -> UUID:
    """An agent opens a new inquiry from an unmatched e-mail (the guest from its sender);
    returns the inquiry's id."""
    actor.require(Permission.WRITE_COMMERCIAL)
    now = clock.now()
    with uow:
        kept = uow.unmatched_emails.get(command.unmatched_id)
        inquiry = _inquiry_from_email(
            kept.email,
            command.guest_name,
            uow,
            ids,
            secrets,
            now,
            actor.name,
            line(command.assigned_to, "assigned_to", MAX_AGENT_NAME),
            matched_by="agent",
        )
        kept.attach_to(inquiry.id, now=now, actor=actor.name, opened=True)
        uow.inquiries.add(inquiry)
        uow.unmatched_emails.save(kept)
        uow.commit()
    return inquiry.id


def discard_unmatched_email(
    command: DiscardUnmatchedEmail, uow: InquiryUnitOfWork, clock: Clock, actor: Actor
) -> int:
    """An agent sets an unmatched e-mail aside (spam, a duplicate ...), with the reason;
    returns its new version."""
    actor.require(Permission.WRITE_COMMERCIAL)
    with uow:
        kept = uow.unmatched_emails.get(command.unmatched_id)
        kept.discard(command.reason, now=clock.now(), actor=actor.name)
        uow.unmatched_emails.save(kept)
        uow.commit()
        return kept.version


# --- helpers -------------------------------------------------------------------------------------


def _load(uow: InquiryUnitOfWork, inquiry_id: UUID, expected_version: int | None) -> Inquiry:
    inquiry = uow.inquiries.get(inquiry_id)
    if expected_version is not None and expected_version != inquiry.version:
        raise StaleVersion("inquiry", inquiry_id, expected_version, inquiry.version)
    return inquiry


def _change(
    inquiry_id: UUID,
    expected_version: int | None,
    uow: InquiryUnitOfWork,
    actor: Actor,
    step: Callable[[Inquiry], object],
) -> int:
    actor.require(Permission.WRITE_COMMERCIAL)
    with uow:
        inquiry = _load(uow, inquiry_id, expected_version)
        step(inquiry)
        if not inquiry.events:
            return inquiry.version
        uow.inquiries.save(inquiry)
        uow.commit()
        return inquiry.version


def _fresh_identity(
    uow: InquiryUnitOfWork, ids: IdGenerator, secrets: SecretGenerator
) -> tuple[UUID, str]:
    """A new inquiry id whose reference is free, and a free reply token."""
    inquiry_id = next(
        (
            candidate
            for candidate in (ids.new_id() for _ in range(_FRESH_ATTEMPTS))
            if uow.inquiries.by_reference(short_reference(candidate)) is None
        ),
        None,
    )
    token = next(
        (
            candidate
            for candidate in (
                reply_token_from(secrets.new_secret(TOKEN_SECRET_BYTES))
                for _ in range(_FRESH_ATTEMPTS)
            )
            if uow.inquiries.by_reply_token(candidate) is None
        ),
        None,
    )
    if inquiry_id is None or token is None:
        raise AlreadyExists("no free inquiry reference or reply token", field="reference")
    return inquiry_id, token


def _channel(value: object) -> Channel:
    try:
        return Channel(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(c.value for c in Channel)
        raise InvalidValue(f"{value!r} is not one of: {allowed}", field="channel") from None


def _region(value: str | None) -> str | None:
    return None if is_blank(value) else country_code(value, field="phone_region")


def _guest_and_stay(
    command: RegisterInquiry | RegisterWebFormInquiry, now: datetime
) -> dict[str, Callable[[], Any]]:
    c = command
    return {
        "guest": lambda: Guest.parse(
            c.guest_name, c.guest_email, c.guest_phone, region=_region(c.phone_region)
        ),
        "stay": lambda: Stay.parse(c.check_in, c.check_out, today=earliest_local_date(now)),
        "party": lambda: Party.parse(c.adults, c.children, c.rooms),
    }


__all__ = [
    "EmailReceipt",
    "ReceiptOutcome",
    "add_inquiry_note",
    "assign_inquiry",
    "attach_unmatched_email",
    "confirm_inquiry",
    "discard_unmatched_email",
    "get_inquiry",
    "get_unmatched_email",
    "hand_to_booking",
    "inquiry_email_to_send",
    "inquiry_stage_counts",
    "list_inquiries",
    "list_unmatched_emails",
    "log_call",
    "mark_inquiry_email_sent",
    "mark_inquiry_expired",
    "mark_inquiry_lost",
    "open_inquiry_from_unmatched_email",
    "receive_email",
    "register_inquiry",
    "register_web_form_inquiry",
    "reply_to_inquiry",
    "schedule_reminder",
    "send_due_reminders",
    "send_quote",
    "unschedule_reminder",
    "update_inquiry_details",
]
