"""What happens to an inquiry, in the past tense.

``aggregate_id`` is the inquiry's id (the unmatched e-mail's for the ``unmatched_email_*``
events). Events carry ids and short facts, never a message's body: handlers read the inquiry.
:class:`InquiryEmailQueued` is the one a handler acts on (``mail.inquiry_message`` e-mails the
message it names).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

import attrs

from perla_core.kernel.events import domain_event


@domain_event("inquiries.inquiry_registered")
@attrs.frozen
class InquiryRegistered:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    channel: str
    reference: str


@domain_event("inquiries.guest_message_received")
@attrs.frozen
class GuestMessageReceived:
    """``auto_reply`` marks an out-of-office or bounce, which is not the guest's answer."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    message_ref: UUID
    channel: str
    auto_reply: bool = False


@domain_event("inquiries.email_queued")
@attrs.frozen
class InquiryEmailQueued:
    """An e-mail to the guest (``kind``: reply, quote or reminder) waits to be sent; the
    outbox handler sends message ``message_ref`` of the inquiry, Message-ID ``message_id``."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    message_ref: UUID
    kind: str
    message_id: str

    @property
    def inquiry_id(self) -> UUID:
        return self.aggregate_id


@domain_event("inquiries.email_sent")
@attrs.frozen
class InquiryEmailSent:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    message_ref: UUID
    message_id: str


@domain_event("inquiries.call_logged")
@attrs.frozen
class CallLogged:
    """An agent logged a phone call; ``direction`` is incoming (the guest called) or
    outgoing (the hotel answered by phone)."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    message_ref: UUID
    direction: str


@domain_event("inquiries.reminder_scheduled")
@attrs.frozen
class ReminderScheduled:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    reminder_ref: UUID
    due_at: datetime


@domain_event("inquiries.reminder_unscheduled")
@attrs.frozen
class ReminderUnscheduled:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    reminder_ref: UUID


@domain_event("inquiries.reminder_sent")
@attrs.frozen
class ReminderSent:
    """The scheduler sent the reminder: ``message_ref`` is its e-mail (queued alongside)."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    reminder_ref: UUID
    message_ref: UUID


@attrs.frozen
class DueReminder:
    """One reminder of a hand-over: its inquiry and its id."""

    inquiry_id: UUID
    reminder_id: UUID


@domain_event("inquiries.reminders_due")
@attrs.frozen
class RemindersDue:
    """The scheduler handed these reminders over to be sent, in one batch: not an event of
    an aggregate (the tick writes it to the outbox without loading any inquiry;
    ``aggregate_id`` is the batch's id). Its handler (``inquiries.send_reminders``) sends
    each reminder that is still scheduled."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    reminders: tuple[DueReminder, ...]


@domain_event("inquiries.reminder_cancelled")
@attrs.frozen
class ReminderCancelled:
    """``reason``: ``guest replied``, ``inquiry confirmed`` ..."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    reminder_ref: UUID
    reason: str


@domain_event("inquiries.quote_sent")
@attrs.frozen
class QuoteSent:
    """``total`` as text (``"1234.50"``) in ``currency``; ``valid_until`` an ISO date."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    quote_ref: UUID
    message_ref: UUID
    total: str
    currency: str
    valid_until: str
    replaces: UUID | None = None


@domain_event("inquiries.stage_changed")
@attrs.frozen
class InquiryStageChanged:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    from_stage: str
    to_stage: str
    reason: str | None = None


@domain_event("inquiries.note_added")
@attrs.frozen
class InquiryNoteAdded:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    seq: int


@domain_event("inquiries.inquiry_assigned")
@attrs.frozen
class InquiryAssigned:
    """``assigned_to`` ``None`` means unassigned."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    assigned_to: str | None
    previous: str | None = None


@domain_event("inquiries.inquiry_details_updated")
@attrs.frozen
class InquiryDetailsUpdated:
    """``changed`` names the fields, never their values."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    changed: tuple[str, ...]


@domain_event("inquiries.unmatched_email_kept")
@attrs.frozen
class UnmatchedEmailKept:
    """A received e-mail that looks like a reply but matches no inquiry waits in the inbox."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    message_id: str
    reason: str


@domain_event("inquiries.unmatched_email_attached")
@attrs.frozen
class UnmatchedEmailAttached:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    inquiry_id: UUID
    opened_inquiry: bool = False


@domain_event("inquiries.unmatched_email_discarded")
@attrs.frozen
class UnmatchedEmailDiscarded:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    reason: str
