"""Commands of the inquiries area, in primitives (as an HTTP body, a CLI or an assistant's tool
call gives them); the services validate them into the domain's values and report every bad
field at once, each by the command's own field name (``guest_email``, ``lines[1].unit_price``).

Dates are ``date`` values or ISO text (``2026-08-01``); instants are aware ``datetime`` values
or ISO text with an offset (``2026-01-20T10:00:00+01:00``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

import attrs

from perla_core.onboarding.commands import KEEP, Keep

Count = int | str
DateInput = date | str
Amount = Decimal | int | str


@attrs.frozen
class RegisterInquiry:
    """An agent keys in an inquiry taken by phone (``channel`` ``phone``, the default), by
    WhatsApp, or read elsewhere. ``message`` is what the guest asked, in the agent's words;
    ``notes`` are the agent's own. An e-mail or a phone of the guest is needed."""

    guest_name: str
    guest_email: str | None = None
    guest_phone: str | None = None
    channel: str = "phone"
    check_in: DateInput | None = None
    check_out: DateInput | None = None
    adults: Count | None = None
    children: Count | None = None
    rooms: Count | None = None
    message: str | None = None
    notes: str | None = None
    client_id: UUID | None = None
    assigned_to: str | None = None
    phone_region: str = "ES"


@attrs.frozen
class RegisterWebFormInquiry:
    """What the hotel's contact form (or the booking engine's) sends. Anti-spam (honeypot,
    rate limits) is the HTTP layer's; ``form`` names the form or page it came from."""

    guest_name: str
    guest_email: str | None = None
    guest_phone: str | None = None
    check_in: DateInput | None = None
    check_out: DateInput | None = None
    adults: Count | None = None
    children: Count | None = None
    rooms: Count | None = None
    message: str | None = None
    form: str | None = None
    client_id: UUID | None = None
    phone_region: str = "ES"


@attrs.frozen
class ReplyToInquiry:
    """E-mail the guest; ``subject`` defaults to ``Re:`` the guest's last subject (or "Su
    consulta"), tagged with the inquiry's reference."""

    inquiry_id: UUID
    text: str
    subject: str | None = None
    expected_version: int | None = None


@attrs.frozen
class LogCall:
    """A phone call with the guest: ``incoming`` (the guest called) or ``outgoing`` (the
    hotel answered by phone)."""

    inquiry_id: UUID
    direction: str
    summary: str | None = None
    expected_version: int | None = None


@attrs.frozen
class ScheduleReminder:
    """A follow-up e-mailed at ``due_at`` if the guest has not answered; ``text`` replaces
    the default Spanish wording."""

    inquiry_id: UUID
    due_at: datetime | str
    text: str | None = None
    expected_version: int | None = None


@attrs.frozen
class UnscheduleReminder:
    inquiry_id: UUID
    reminder_id: UUID
    expected_version: int | None = None


@attrs.frozen
class QuoteLineInput:
    """``quantity`` of ``description`` at ``unit_price`` (not negative) in ``currency``."""

    description: str
    unit_price: Amount
    quantity: Count = 1
    currency: str = "EUR"


@attrs.frozen
class SendQuote:
    """E-mail a quote valid until ``valid_until`` (included); ``message`` opens the e-mail."""

    inquiry_id: UUID
    lines: Sequence[QuoteLineInput]
    valid_until: DateInput
    message: str | None = None
    expected_version: int | None = None


@attrs.frozen
class ConfirmInquiry:
    """The guest accepted the current quote."""

    inquiry_id: UUID
    note: str | None = None
    expected_version: int | None = None


@attrs.frozen
class HandToBooking:
    inquiry_id: UUID
    booking_reference: str | None = None
    expected_version: int | None = None


@attrs.frozen
class MarkInquiryLost:
    inquiry_id: UUID
    reason: str
    expected_version: int | None = None


@attrs.frozen
class MarkInquiryExpired:
    inquiry_id: UUID
    reason: str
    expected_version: int | None = None


@attrs.frozen
class AddInquiryNote:
    inquiry_id: UUID
    text: str
    expected_version: int | None = None


@attrs.frozen
class AssignInquiry:
    """``assigned_to`` ``None`` unassigns."""

    inquiry_id: UUID
    assigned_to: str | None
    expected_version: int | None = None


@attrs.frozen
class UpdateInquiryDetails:
    """Fields left as ``KEEP`` stay as they are; ``None`` clears one (the guest keeps a name
    and an e-mail or a phone; the dates change together or one at a time, and a new
    check-in is not in the past)."""

    inquiry_id: UUID
    expected_version: int | None = None
    guest_name: str | Keep = KEEP
    guest_email: str | Keep | None = KEEP
    guest_phone: str | Keep | None = KEEP
    check_in: DateInput | Keep | None = KEEP
    check_out: DateInput | Keep | None = KEEP
    adults: Count | Keep | None = KEEP
    children: Count | Keep | None = KEEP
    rooms: Count | Keep | None = KEEP
    notes: str | Keep | None = KEEP
    client_id: UUID | Keep | None = KEEP
    phone_region: str = "ES"


@attrs.frozen
class AttachUnmatchedEmail:
    """An agent recognises an unmatched e-mail as part of inquiry ``inquiry_id``."""

    unmatched_id: UUID
    inquiry_id: UUID


@attrs.frozen
class OpenInquiryFromUnmatchedEmail:
    """An agent turns an unmatched e-mail into a new inquiry (``guest_name`` defaults to the
    sender's display name)."""

    unmatched_id: UUID
    guest_name: str | None = None
    assigned_to: str | None = None


@attrs.frozen
class DiscardUnmatchedEmail:
    unmatched_id: UUID
    reason: str


__all__ = [
    "KEEP",
    "AddInquiryNote",
    "AssignInquiry",
    "AttachUnmatchedEmail",
    "ConfirmInquiry",
    "DiscardUnmatchedEmail",
    "HandToBooking",
    "Keep",
    "LogCall",
    "MarkInquiryExpired",
    "MarkInquiryLost",
    "OpenInquiryFromUnmatchedEmail",
    "QuoteLineInput",
    "RegisterInquiry",
    "RegisterWebFormInquiry",
    "ReplyToInquiry",
    "ScheduleReminder",
    "SendQuote",
    "UnscheduleReminder",
    "UpdateInquiryDetails",
]
