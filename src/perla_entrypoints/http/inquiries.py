"""Guest inquiries ("consultas", seed 001) and the e-mail that feeds them.

``/api/v1/inquiries`` registers (a call, WhatsApp ...) and lists inquiries, pending action
first; ``/stages`` counts them per stage (the home panel's numbers); ``/{id}`` reads one with
its messages, reminders, quotes and History tab and edits its details. The conversation:
``reply`` (e-mailed through the outbox, hence 202), ``calls``, ``notes``, ``reminders``;
the pipeline: ``quote`` (e-mailed, 202), ``confirm``, ``hand-to-booking``, ``lost``,
``expired``; ``assign``.

``POST /api/v1/inbound-emails`` files one received e-mail, the raw MIME message as the body
(what a mail server's pipe or an inbound-mail webhook hands over, with an API key that may
write). What matched nothing waits in ``/api/v1/inbound-emails/unmatched`` for an agent to
attach it to an inquiry, open a new inquiry from it, or discard it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, Router, delete, get, patch, post
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.params import (
    FromPath,
    FromQuery,
    JSONBody,
    QueryParameter,
    RawBody,
    SkipValidation,
)
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_202_ACCEPTED,
    HTTP_415_UNSUPPORTED_MEDIA_TYPE,
)
from msgspec import UNSET, Meta, Struct, UnsetType

from perla_adapters.mail.inbound import parse_inbound_email
from perla_core.inquiries import services
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
    QuoteLineInput,
    RegisterInquiry,
    ReplyToInquiry,
    ScheduleReminder,
    SendQuote,
    UnscheduleReminder,
    UpdateInquiryDetails,
)
from perla_core.inquiries.model import (
    STAGE_LABELS,
    Inquiry,
    UnmatchedEmail,
    UnmatchedReason,
    UnmatchedStatus,
)
from perla_core.inquiries.ports import InquiryQuery, UnmatchedEmailQuery
from perla_core.inquiries.services import EmailReceipt, ReceiptOutcome
from perla_core.inquiries.values import (
    Channel,
    DeliveryStatus,
    Direction,
    HistoryEntry,
    HistoryKind,
    InquiryMailbox,
    InquiryMessage,
    InquiryStage,
    MessageKind,
    Quote,
    Reminder,
    ReminderStatus,
)
from perla_core.kernel.pagination import MAX_LIMIT, MAX_OFFSET, PageRequest
from perla_core.mail.inbound import MAX_INBOUND_BYTES, InboundAttachment, InboundEmail
from perla_entrypoints.container import Container
from perla_entrypoints.http.auth import CAN_WRITE
from perla_entrypoints.http.dependencies import ActorDep, ClockDep, IdsDep, NewUow, SecretsDep
from perla_entrypoints.http.openapi import ETAG, LOCATION, doc, responses
from perla_entrypoints.http.schemas import Amount, Moment, StrictBody, Version

INQUIRIES = "/api/v1/inquiries"
INBOUND_EMAILS = "/api/v1/inbound-emails"
UNMATCHED = f"{INBOUND_EMAILS}/unmatched"
MIME_TYPES = ("message/rfc822", "application/octet-stream")

INBOUND_BODY = (
    "The body is the raw RFC 5322 message (Content-Type message/rfc822 or "
    f"application/octet-stream), at most {MAX_INBOUND_BYTES} bytes."
)

MailboxDep = SkipValidation[InquiryMailbox]
"""The reservations mailbox perla e-mails guests from (``reservations_email``)."""

Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description="Page size")]
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET, description="Rows to skip")]
Count = Annotated[int, Meta(ge=0)]
Text = Annotated[str, Meta(description="Plain text; line breaks are kept")]

# --- requests -------------------------------------------------------------------------------


class InquiryIn(StrictBody):
    """An inquiry an agent keys in: taken by phone (the default channel), WhatsApp, or read
    elsewhere. A name and an e-mail or a phone are needed."""

    guest_name: str
    guest_email: str | None = None
    guest_phone: str | None = None
    channel: Annotated[str, Meta(description="phone, whatsapp, email or web_form")] = "phone"
    check_in: date | None = None
    check_out: date | None = None
    adults: Count | None = None
    children: Count | None = None
    rooms: Count | None = None
    message: Annotated[str | None, Meta(description="What the guest asked")] = None
    notes: Annotated[str | None, Meta(description="The agent's own notes")] = None
    client_id: UUID | None = None
    assigned_to: str | None = None
    phone_region: Annotated[
        str, Meta(description="Country whose numbering reads a phone without a prefix")
    ] = "ES"

    def to_command(self) -> RegisterInquiry:
        return RegisterInquiry(**msgspec.structs.asdict(self))


class InquiryPatch(StrictBody):
    """Changes to an open inquiry: an absent key keeps the field, ``null`` clears it."""

    version: Version | None = None
    guest_name: str | UnsetType = UNSET
    guest_email: str | UnsetType | None = UNSET
    guest_phone: str | UnsetType | None = UNSET
    check_in: date | UnsetType | None = UNSET
    check_out: date | UnsetType | None = UNSET
    adults: Count | UnsetType | None = UNSET
    children: Count | UnsetType | None = UNSET
    rooms: Count | UnsetType | None = UNSET
    notes: str | UnsetType | None = UNSET
    client_id: UUID | UnsetType | None = UNSET
    phone_region: str = "ES"

    def to_command(self, inquiry_id: UUID) -> UpdateInquiryDetails:
        changes: dict[str, Any] = {
            name: KEEP if value is UNSET else value
            for name, value in msgspec.structs.asdict(self).items()
            if name != "version"
        }
        return UpdateInquiryDetails(inquiry_id=inquiry_id, expected_version=self.version, **changes)


class InquiryReplyIn(StrictBody):
    text: Text
    subject: Annotated[str | None, Meta(description='Default: "Re:" the guest\'s last subject')] = (
        None
    )
    version: Version | None = None


class InquiryCallIn(StrictBody):
    direction: Annotated[
        str, Meta(description="incoming (the guest called) or outgoing (the hotel called)")
    ]
    summary: str | None = None
    version: Version | None = None


class InquiryNoteIn(StrictBody):
    text: Text
    version: Version | None = None


class InquiryReminderIn(StrictBody):
    due_at: Moment
    text: Annotated[str | None, Meta(description="Default: perla's Spanish follow-up")] = None
    version: Version | None = None


class InquiryQuoteLineIn(StrictBody):
    description: str
    unit_price: Amount
    quantity: Annotated[int, Meta(ge=1)] = 1
    currency: str = "EUR"

    def to_input(self) -> QuoteLineInput:
        return QuoteLineInput(**msgspec.structs.asdict(self))


class InquiryQuoteIn(StrictBody):
    """The lines (one currency, prices not negative) and the last day the quote holds."""

    lines: list[InquiryQuoteLineIn]
    valid_until: date
    message: Annotated[str | None, Meta(description="Opens the e-mail")] = None
    version: Version | None = None


class InquiryConfirmIn(StrictBody):
    note: str | None = None
    version: Version | None = None


class HandToBookingIn(StrictBody):
    booking_reference: str | None = None
    version: Version | None = None


class InquiryReasonIn(StrictBody):
    reason: str
    version: Version | None = None


class InquiryAssignIn(StrictBody):
    assigned_to: Annotated[str | None, Meta(description="An agent's name; null unassigns")]
    version: Version | None = None


class AttachEmailIn(StrictBody):
    inquiry_id: UUID


class OpenInquiryIn(StrictBody):
    guest_name: Annotated[str | None, Meta(description="Default: the sender's name")] = None
    assigned_to: str | None = None


class DiscardEmailIn(StrictBody):
    reason: str


# --- responses ------------------------------------------------------------------------------


class InquiryGuestOut(Struct, kw_only=True):
    name: str
    email: str | None
    phone: str | None


class InquiryStayOut(Struct, kw_only=True):
    check_in: date
    check_out: date
    nights: int


class InquiryPartyOut(Struct, kw_only=True):
    adults: int
    children: int
    rooms: int


class EmailAttachmentOut(Struct, kw_only=True):
    filename: str | None
    content_type: str
    size: int

    @classmethod
    def of(cls, a: InboundAttachment) -> EmailAttachmentOut:
        return cls(filename=a.filename, content_type=a.content_type, size=a.size)


class InquiryMessageOut(Struct, kw_only=True):
    """One message of the conversation; e-mails carry their threading headers."""

    id: UUID
    direction: Direction
    kind: MessageKind
    channel: Channel
    at: datetime
    author: str
    text: str | None
    subject: str | None
    message_id: str | None
    in_reply_to: str | None
    references: list[str]
    sender: str | None
    sender_name: str | None
    to: list[str]
    cc: list[str]
    reply_to: str | None
    attachments: list[EmailAttachmentOut]
    delivery: DeliveryStatus | None
    sent_at: datetime | None
    about: UUID | None
    recorded_by: str | None
    matched_by: str | None

    @classmethod
    def of(cls, m: InquiryMessage) -> InquiryMessageOut:
        return cls(
            id=m.id,
            direction=m.direction,
            kind=m.kind,
            channel=m.channel,
            at=m.at,
            author=m.author,
            text=m.text,
            subject=m.subject,
            message_id=m.message_id,
            in_reply_to=m.in_reply_to,
            references=list(m.references),
            sender=m.sender,
            sender_name=m.sender_name,
            to=list(m.to),
            cc=list(m.cc),
            reply_to=m.reply_to,
            attachments=[EmailAttachmentOut.of(a) for a in m.attachments],
            delivery=m.delivery,
            sent_at=m.sent_at,
            about=m.about,
            recorded_by=m.recorded_by,
            matched_by=m.matched_by,
        )


class InquiryReminderOut(Struct, kw_only=True):
    id: UUID
    due_at: datetime
    status: ReminderStatus
    created_at: datetime
    created_by: str
    text: str | None
    sent_at: datetime | None
    message_ref: UUID | None
    ended_at: datetime | None
    ended_by: str | None
    end_reason: str | None

    @classmethod
    def of(cls, r: Reminder) -> InquiryReminderOut:
        return cls(
            id=r.id,
            due_at=r.due_at,
            status=r.status,
            created_at=r.created_at,
            created_by=r.created_by,
            text=r.text,
            sent_at=r.sent_at,
            message_ref=r.message_ref,
            ended_at=r.ended_at,
            ended_by=r.ended_by,
            end_reason=r.end_reason,
        )


class InquiryQuoteLineOut(Struct, kw_only=True):
    description: str
    quantity: int
    unit_price: Decimal
    amount: Decimal


class InquiryQuoteOut(Struct, kw_only=True):
    id: UUID
    lines: list[InquiryQuoteLineOut]
    total: Decimal
    currency: str
    valid_until: date
    created_at: datetime
    created_by: str
    message: str | None
    message_ref: UUID | None

    @classmethod
    def of(cls, q: Quote) -> InquiryQuoteOut:
        return cls(
            id=q.id,
            lines=[
                InquiryQuoteLineOut(
                    description=line.description,
                    quantity=line.quantity,
                    unit_price=line.unit_price.amount,
                    amount=line.amount.amount,
                )
                for line in q.lines
            ],
            total=q.total.amount,
            currency=q.total.currency,
            valid_until=q.valid_until,
            created_at=q.created_at,
            created_by=q.created_by,
            message=q.message,
            message_ref=q.message_ref,
        )


class InquiryHistoryOut(Struct, kw_only=True):
    """A line of the History tab; ``summary`` is in Spanish, as the tab shows it."""

    seq: int
    at: datetime
    actor: Annotated[str, Meta(description='An agent, "guest" or "system"')]
    kind: HistoryKind
    summary: str
    ref: Annotated[UUID | None, Meta(description="The message, reminder or quote")]
    details: dict[str, str]

    @classmethod
    def of(cls, h: HistoryEntry) -> InquiryHistoryOut:
        return cls(
            seq=h.seq,
            at=h.at,
            actor=h.actor,
            kind=h.kind,
            summary=h.summary,
            ref=h.ref,
            details=dict(h.details),
        )


class InquirySummaryOut(Struct, kw_only=True):
    """An inquiry as a list shows it."""

    id: UUID
    reference: Annotated[str, Meta(description="C-1A2B3C4D: to quote on the phone")]
    version: int
    stage: InquiryStage
    channel: Channel
    pending_action: bool
    guest: InquiryGuestOut
    stay: InquiryStayOut | None
    party: InquiryPartyOut | None
    assigned_to: str | None
    client_id: UUID | None
    created_at: datetime
    last_activity_at: datetime

    @classmethod
    def fields_of(cls, i: Inquiry) -> dict[str, Any]:
        return {
            "id": i.id,
            "reference": i.reference,
            "version": i.version,
            "stage": i.stage,
            "channel": i.channel,
            "pending_action": i.pending_action,
            "guest": InquiryGuestOut(
                name=i.guest.name,
                email=None if i.guest.email is None else i.guest.email.value,
                phone=None if i.guest.phone is None else i.guest.phone.e164,
            ),
            "stay": None
            if i.stay is None
            else InquiryStayOut(
                check_in=i.stay.check_in, check_out=i.stay.check_out, nights=i.stay.nights
            ),
            "party": None
            if i.party is None
            else InquiryPartyOut(
                adults=i.party.adults, children=i.party.children, rooms=i.party.rooms
            ),
            "assigned_to": i.assigned_to,
            "client_id": i.client_id,
            "created_at": i.created_at,
            "last_activity_at": i.last_activity_at,
        }

    @classmethod
    def of(cls, i: Inquiry) -> InquirySummaryOut:
        return cls(**cls.fields_of(i))


class InquiryOut(InquirySummaryOut, kw_only=True):
    """One inquiry with everything the agent sees: the conversation, the reminders, the
    quotes (the last one is current), the History tab and what may be done next."""

    created_by: str
    notes: str | None
    stage_changed_at: datetime | None
    stage_reason: str | None
    booking_reference: str | None
    allowed_actions: list[str]
    messages: list[InquiryMessageOut]
    reminders: list[InquiryReminderOut]
    quotes: list[InquiryQuoteOut]
    current_quote_id: UUID | None
    history: list[InquiryHistoryOut]

    @classmethod
    def of(cls, i: Inquiry) -> InquiryOut:
        current = i.current_quote
        return cls(
            **InquirySummaryOut.fields_of(i),
            created_by=i.created_by,
            notes=i.notes,
            stage_changed_at=i.stage_changed_at,
            stage_reason=i.stage_reason,
            booking_reference=i.booking_reference,
            allowed_actions=i.allowed_actions(),
            messages=[InquiryMessageOut.of(m) for m in i.messages],
            reminders=[InquiryReminderOut.of(r) for r in i.reminders],
            quotes=[InquiryQuoteOut.of(q) for q in i.quotes],
            current_quote_id=None if current is None else current.id,
            history=[InquiryHistoryOut.of(h) for h in i.history],
        )


class InquiryPage(Struct, kw_only=True):
    items: list[InquirySummaryOut]
    total: int
    limit: int
    offset: int


class StageCountOut(Struct, kw_only=True):
    stage: InquiryStage
    label: Annotated[str, Meta(description="The stage's name on the panel (Spanish)")]
    total: int
    pending: Annotated[int, Meta(description="How many are pending action")]


class StageCountsOut(Struct, kw_only=True):
    stages: list[StageCountOut]
    total: int
    pending: int


class InboundEmailOut(Struct, kw_only=True):
    message_id: str
    sender: str
    sender_name: str | None
    to: list[str]
    cc: list[str]
    subject: str
    text: str
    received_at: datetime
    in_reply_to: str | None
    references: list[str]
    attachments: list[EmailAttachmentOut]
    auto_submitted: bool

    @classmethod
    def of(cls, e: InboundEmail) -> InboundEmailOut:
        return cls(
            message_id=e.message_id,
            sender=e.sender,
            sender_name=e.sender_name,
            to=list(e.to),
            cc=list(e.cc),
            subject=e.subject,
            text=e.text,
            received_at=e.received_at,
            in_reply_to=e.in_reply_to,
            references=list(e.references),
            attachments=[EmailAttachmentOut.of(a) for a in e.attachments],
            auto_submitted=e.auto_submitted,
        )


class UnmatchedEmailOut(Struct, kw_only=True):
    """A received e-mail no inquiry claimed, and what an agent did with it."""

    id: UUID
    version: int
    status: UnmatchedStatus
    reason: UnmatchedReason
    kept_at: datetime
    inquiry_id: UUID | None
    resolved_at: datetime | None
    resolved_by: str | None
    discard_reason: str | None
    email: InboundEmailOut

    @classmethod
    def of(cls, u: UnmatchedEmail) -> UnmatchedEmailOut:
        return cls(
            id=u.id,
            version=u.version,
            status=u.status,
            reason=u.reason,
            kept_at=u.kept_at,
            inquiry_id=u.inquiry_id,
            resolved_at=u.resolved_at,
            resolved_by=u.resolved_by,
            discard_reason=u.discard_reason,
            email=InboundEmailOut.of(u.email),
        )


class UnmatchedEmailPage(Struct, kw_only=True):
    items: list[UnmatchedEmailOut]
    total: int
    limit: int
    offset: int


class EmailReceiptOut(Struct, kw_only=True):
    """What became of a received e-mail; the same e-mail sent again gets the same receipt."""

    outcome: ReceiptOutcome
    inquiry_id: UUID | None
    message_ref: UUID | None
    unmatched_id: UUID | None
    matched_by: Annotated[
        str | None, Meta(description="in_reply_to, references, reply_token or subject_tag")
    ]

    @classmethod
    def of(cls, r: EmailReceipt) -> EmailReceiptOut:
        return cls(
            outcome=r.outcome,
            inquiry_id=r.inquiry_id,
            message_ref=r.message_ref,
            unmatched_id=r.unmatched_id,
            matched_by=r.matched_by,
        )


# --- routes ---------------------------------------------------------------------------------


def inquiry_response(
    inquiry: Inquiry, status: int = HTTP_200_OK, location: str | None = None
) -> Response[InquiryOut]:
    headers = {"ETag": f'"{inquiry.version}"'}
    if location is not None:
        headers["Location"] = location
    return Response(InquiryOut.of(inquiry), status_code=status, headers=headers)


WRITE_RESPONSES = responses(400, 401, 403, 404, 409, 413, 422)


class InquiryController(Controller):
    path = INQUIRIES
    tags = ["inquiries"]

    @post(
        "/",
        operation_id="registerInquiry",
        summary="Register a guest's inquiry (a call, WhatsApp ...)",
        description=doc(services.register_inquiry),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        response_headers=[ETAG, LOCATION],
        responses=responses(400, 401, 403, 409, 413, 422),
    )
    def register_inquiry(
        self,
        data: JSONBody[InquiryIn],
        uows: NewUow,
        clock: ClockDep,
        ids: IdsDep,
        secrets: SecretsDep,
        actor: ActorDep,
    ) -> Response[InquiryOut]:
        inquiry_id = services.register_inquiry(
            data.to_command(), uows(), clock, ids, secrets, actor
        )
        inquiry = services.get_inquiry(inquiry_id, uows(), actor)
        return inquiry_response(inquiry, HTTP_201_CREATED, f"{INQUIRIES}/{inquiry_id}")

    @get(
        "/",
        operation_id="listInquiries",
        summary="List inquiries, pending action first",
        description=doc(services.list_inquiries),
        sync_to_thread=True,
        responses=responses(400, 401),
    )
    def list_inquiries(
        self,
        uows: NewUow,
        actor: ActorDep,
        stage: FromQuery[InquiryStage | None] = None,
        channel: FromQuery[Channel | None] = None,
        pending: Annotated[
            bool, QueryParameter(description="Only inquiries pending action")
        ] = False,
        q: Annotated[
            str | None,
            QueryParameter(description="Part of the guest's name or e-mail, or the reference"),
        ] = None,
        assigned_to: FromQuery[str | None] = None,
        client_id: FromQuery[UUID | None] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> InquiryPage:
        query = InquiryQuery(
            stage=stage,
            channel=channel,
            pending_only=pending,
            text=q or None,
            assigned_to=assigned_to or None,
            client_id=client_id,
            page=PageRequest(limit=limit, offset=offset),
        )
        page = services.list_inquiries(query, uows(), actor)
        return InquiryPage(
            items=[InquirySummaryOut.of(i) for i in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )

    @get(
        "/stages",
        operation_id="countInquiriesByStage",
        summary="How many inquiries each stage holds, and how many are pending action",
        description=doc(services.inquiry_stage_counts),
        sync_to_thread=True,
        responses=responses(401),
    )
    def stage_counts(self, uows: NewUow, actor: ActorDep) -> StageCountsOut:
        counts = services.inquiry_stage_counts(uows(), actor)
        return StageCountsOut(
            stages=[
                StageCountOut(
                    stage=c.stage, label=STAGE_LABELS[c.stage], total=c.total, pending=c.pending
                )
                for c in counts
            ],
            total=sum(c.total for c in counts),
            pending=sum(c.pending for c in counts),
        )

    @get(
        "/{inquiry_id:uuid}",
        operation_id="getInquiry",
        summary="Get an inquiry with its conversation, reminders, quotes and history",
        description=doc(services.get_inquiry),
        sync_to_thread=True,
        response_headers=[ETAG],
        responses=responses(401, 404),
    )
    def get_inquiry(
        self, inquiry_id: FromPath[UUID], uows: NewUow, actor: ActorDep
    ) -> Response[InquiryOut]:
        return inquiry_response(services.get_inquiry(inquiry_id, uows(), actor))

    @patch(
        "/{inquiry_id:uuid}",
        operation_id="updateInquiry",
        summary="Edit an open inquiry's guest, dates, party, notes or client",
        description=doc(services.update_inquiry_details),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def update_inquiry(
        self,
        inquiry_id: FromPath[UUID],
        data: JSONBody[InquiryPatch],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
    ) -> Response[InquiryOut]:
        services.update_inquiry_details(data.to_command(inquiry_id), uows(), clock, actor)
        return inquiry_response(services.get_inquiry(inquiry_id, uows(), actor))

    @post(
        "/{inquiry_id:uuid}/reply",
        operation_id="replyToInquiry",
        summary="E-mail the guest an answer (through the outbox)",
        description=doc(services.reply_to_inquiry),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_202_ACCEPTED,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def reply(
        self,
        inquiry_id: FromPath[UUID],
        data: JSONBody[InquiryReplyIn],
        uows: NewUow,
        clock: ClockDep,
        ids: IdsDep,
        actor: ActorDep,
        mailbox: MailboxDep,
    ) -> Response[InquiryOut]:
        command = ReplyToInquiry(
            inquiry_id=inquiry_id,
            text=data.text,
            subject=data.subject,
            expected_version=data.version,
        )
        services.reply_to_inquiry(command, uows(), clock, ids, actor, mailbox)
        inquiry = services.get_inquiry(inquiry_id, uows(), actor)
        return inquiry_response(inquiry, HTTP_202_ACCEPTED)

    @post(
        "/{inquiry_id:uuid}/calls",
        operation_id="logInquiryCall",
        summary="Record a phone call with the guest",
        description=doc(services.log_call),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def log_call(
        self,
        inquiry_id: FromPath[UUID],
        data: JSONBody[InquiryCallIn],
        uows: NewUow,
        clock: ClockDep,
        ids: IdsDep,
        actor: ActorDep,
    ) -> Response[InquiryOut]:
        command = LogCall(
            inquiry_id=inquiry_id,
            direction=data.direction,
            summary=data.summary,
            expected_version=data.version,
        )
        services.log_call(command, uows(), clock, ids, actor)
        inquiry = services.get_inquiry(inquiry_id, uows(), actor)
        return inquiry_response(inquiry, HTTP_201_CREATED)

    @post(
        "/{inquiry_id:uuid}/notes",
        operation_id="addInquiryNote",
        summary="Add an internal note to the History tab",
        description=doc(services.add_inquiry_note),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def add_note(
        self,
        inquiry_id: FromPath[UUID],
        data: JSONBody[InquiryNoteIn],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
    ) -> Response[InquiryOut]:
        command = AddInquiryNote(
            inquiry_id=inquiry_id, text=data.text, expected_version=data.version
        )
        services.add_inquiry_note(command, uows(), clock, actor)
        inquiry = services.get_inquiry(inquiry_id, uows(), actor)
        return inquiry_response(inquiry, HTTP_201_CREATED)

    @post(
        "/{inquiry_id:uuid}/reminders",
        operation_id="scheduleInquiryReminder",
        summary="Schedule a follow-up e-mail if the guest does not answer (three at most)",
        description=doc(services.schedule_reminder),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def schedule_reminder(
        self,
        inquiry_id: FromPath[UUID],
        data: JSONBody[InquiryReminderIn],
        uows: NewUow,
        clock: ClockDep,
        ids: IdsDep,
        actor: ActorDep,
    ) -> Response[InquiryOut]:
        command = ScheduleReminder(
            inquiry_id=inquiry_id,
            due_at=data.due_at,
            text=data.text,
            expected_version=data.version,
        )
        services.schedule_reminder(command, uows(), clock, ids, actor)
        inquiry = services.get_inquiry(inquiry_id, uows(), actor)
        return inquiry_response(inquiry, HTTP_201_CREATED)

    @delete(
        "/{inquiry_id:uuid}/reminders/{reminder_id:uuid}",
        operation_id="unscheduleInquiryReminder",
        summary="Withdraw a scheduled reminder",
        description=doc(services.unschedule_reminder),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def unschedule_reminder(
        self,
        inquiry_id: FromPath[UUID],
        reminder_id: FromPath[UUID],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        version: Annotated[
            int | None, QueryParameter(ge=0, description="The version the change was based on")
        ] = None,
    ) -> Response[InquiryOut]:
        command = UnscheduleReminder(
            inquiry_id=inquiry_id, reminder_id=reminder_id, expected_version=version
        )
        services.unschedule_reminder(command, uows(), clock, actor)
        return inquiry_response(services.get_inquiry(inquiry_id, uows(), actor))

    @post(
        "/{inquiry_id:uuid}/quote",
        operation_id="sendInquiryQuote",
        summary="E-mail the guest a quote (through the outbox) and move to quoted",
        description=doc(services.send_quote),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_202_ACCEPTED,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def send_quote(
        self,
        inquiry_id: FromPath[UUID],
        data: JSONBody[InquiryQuoteIn],
        uows: NewUow,
        clock: ClockDep,
        ids: IdsDep,
        actor: ActorDep,
        mailbox: MailboxDep,
    ) -> Response[InquiryOut]:
        command = SendQuote(
            inquiry_id=inquiry_id,
            lines=tuple(line.to_input() for line in data.lines),
            valid_until=data.valid_until,
            message=data.message,
            expected_version=data.version,
        )
        services.send_quote(command, uows(), clock, ids, actor, mailbox)
        inquiry = services.get_inquiry(inquiry_id, uows(), actor)
        return inquiry_response(inquiry, HTTP_202_ACCEPTED)

    @post(
        "/{inquiry_id:uuid}/confirm",
        operation_id="confirmInquiry",
        summary="Record that the guest accepted the current quote",
        description=doc(services.confirm_inquiry),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def confirm(
        self,
        inquiry_id: FromPath[UUID],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        data: JSONBody[InquiryConfirmIn | None] = None,
    ) -> Response[InquiryOut]:
        body = data or InquiryConfirmIn()
        command = ConfirmInquiry(
            inquiry_id=inquiry_id, note=body.note, expected_version=body.version
        )
        services.confirm_inquiry(command, uows(), clock, actor)
        return inquiry_response(services.get_inquiry(inquiry_id, uows(), actor))

    @post(
        "/{inquiry_id:uuid}/hand-to-booking",
        operation_id="handInquiryToBooking",
        summary="Hand a confirmed inquiry to the booking team",
        description=doc(services.hand_to_booking),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def hand_to_booking(
        self,
        inquiry_id: FromPath[UUID],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        data: JSONBody[HandToBookingIn | None] = None,
    ) -> Response[InquiryOut]:
        body = data or HandToBookingIn()
        command = HandToBooking(
            inquiry_id=inquiry_id,
            booking_reference=body.booking_reference,
            expected_version=body.version,
        )
        services.hand_to_booking(command, uows(), clock, actor)
        return inquiry_response(services.get_inquiry(inquiry_id, uows(), actor))

    @post(
        "/{inquiry_id:uuid}/lost",
        operation_id="markInquiryLost",
        summary="Close an open inquiry as lost, with the reason",
        description=doc(services.mark_inquiry_lost),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def mark_lost(
        self,
        inquiry_id: FromPath[UUID],
        data: JSONBody[InquiryReasonIn],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
    ) -> Response[InquiryOut]:
        command = MarkInquiryLost(
            inquiry_id=inquiry_id, reason=data.reason, expected_version=data.version
        )
        services.mark_inquiry_lost(command, uows(), clock, actor)
        return inquiry_response(services.get_inquiry(inquiry_id, uows(), actor))

    @post(
        "/{inquiry_id:uuid}/expired",
        operation_id="markInquiryExpired",
        summary="Close an open inquiry as expired, with the reason",
        description=doc(services.mark_inquiry_expired),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def mark_expired(
        self,
        inquiry_id: FromPath[UUID],
        data: JSONBody[InquiryReasonIn],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
    ) -> Response[InquiryOut]:
        command = MarkInquiryExpired(
            inquiry_id=inquiry_id, reason=data.reason, expected_version=data.version
        )
        services.mark_inquiry_expired(command, uows(), clock, actor)
        return inquiry_response(services.get_inquiry(inquiry_id, uows(), actor))

    @post(
        "/{inquiry_id:uuid}/assign",
        operation_id="assignInquiry",
        summary="Assign the inquiry to an agent (null unassigns)",
        description=doc(services.assign_inquiry),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def assign(
        self,
        inquiry_id: FromPath[UUID],
        data: JSONBody[InquiryAssignIn],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
    ) -> Response[InquiryOut]:
        command = AssignInquiry(
            inquiry_id=inquiry_id, assigned_to=data.assigned_to, expected_version=data.version
        )
        services.assign_inquiry(command, uows(), clock, actor)
        return inquiry_response(services.get_inquiry(inquiry_id, uows(), actor))


def _check_mime_type(request: Request[Any, Any, Any]) -> None:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in MIME_TYPES:
        raise HTTPException(
            status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            detail=f"send the raw message as {' or '.join(MIME_TYPES)}",
        )


class InboundEmailController(Controller):
    path = INBOUND_EMAILS
    tags = ["inquiries"]

    @post(
        "/",
        operation_id="receiveInboundEmail",
        summary="File an e-mail received at the reservations address (raw MIME)",
        description=f"{doc(services.receive_email)}\n\n{INBOUND_BODY}",
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        request_max_body_size=2 * MAX_INBOUND_BYTES,
        responses=responses(400, 401, 403, 409, 413, 415, 422),
    )
    def receive_email(
        self,
        request: Request[Any, Any, Any],
        body: RawBody,
        uows: NewUow,
        clock: ClockDep,
        ids: IdsDep,
        secrets: SecretsDep,
        actor: ActorDep,
    ) -> EmailReceiptOut:
        _check_mime_type(request)
        email = parse_inbound_email(body, received_at=clock.now())
        receipt = services.receive_email(email, uows(), clock, ids, secrets, actor)
        return EmailReceiptOut.of(receipt)

    @get(
        "/unmatched",
        operation_id="listUnmatchedEmails",
        summary="E-mails no inquiry claimed (open ones by default)",
        description=doc(services.list_unmatched_emails),
        sync_to_thread=True,
        responses=responses(400, 401),
    )
    def list_unmatched(
        self,
        uows: NewUow,
        actor: ActorDep,
        status: Annotated[
            UnmatchedStatus | None,
            QueryParameter(description="open (the default), attached or discarded"),
        ] = UnmatchedStatus.OPEN,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> UnmatchedEmailPage:
        query = UnmatchedEmailQuery(status=status, page=PageRequest(limit=limit, offset=offset))
        page = services.list_unmatched_emails(query, uows(), actor)
        return UnmatchedEmailPage(
            items=[UnmatchedEmailOut.of(u) for u in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )

    @get(
        "/unmatched/{unmatched_id:uuid}",
        operation_id="getUnmatchedEmail",
        summary="Get an unmatched e-mail",
        description="A received e-mail no inquiry claimed, whole, with what became of it.",
        sync_to_thread=True,
        responses=responses(401, 404),
    )
    def get_unmatched(
        self, unmatched_id: FromPath[UUID], uows: NewUow, actor: ActorDep
    ) -> UnmatchedEmailOut:
        return UnmatchedEmailOut.of(services.get_unmatched_email(unmatched_id, uows(), actor))

    @post(
        "/unmatched/{unmatched_id:uuid}/attach",
        operation_id="attachUnmatchedEmail",
        summary="File an unmatched e-mail under an inquiry",
        description=doc(services.attach_unmatched_email),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        responses=WRITE_RESPONSES,
    )
    def attach_unmatched(
        self,
        unmatched_id: FromPath[UUID],
        data: JSONBody[AttachEmailIn],
        uows: NewUow,
        clock: ClockDep,
        ids: IdsDep,
        actor: ActorDep,
    ) -> UnmatchedEmailOut:
        command = AttachUnmatchedEmail(unmatched_id=unmatched_id, inquiry_id=data.inquiry_id)
        services.attach_unmatched_email(command, uows(), clock, ids, actor)
        return UnmatchedEmailOut.of(services.get_unmatched_email(unmatched_id, uows(), actor))

    @post(
        "/unmatched/{unmatched_id:uuid}/open-inquiry",
        operation_id="openInquiryFromUnmatchedEmail",
        summary="Open a new inquiry from an unmatched e-mail",
        description=doc(services.open_inquiry_from_unmatched_email),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        response_headers=[ETAG, LOCATION],
        responses=WRITE_RESPONSES,
    )
    def open_inquiry(
        self,
        unmatched_id: FromPath[UUID],
        uows: NewUow,
        clock: ClockDep,
        ids: IdsDep,
        secrets: SecretsDep,
        actor: ActorDep,
        data: JSONBody[OpenInquiryIn | None] = None,
    ) -> Response[InquiryOut]:
        body = data or OpenInquiryIn()
        command = OpenInquiryFromUnmatchedEmail(
            unmatched_id=unmatched_id, guest_name=body.guest_name, assigned_to=body.assigned_to
        )
        inquiry_id = services.open_inquiry_from_unmatched_email(
            command, uows(), clock, ids, secrets, actor
        )
        inquiry = services.get_inquiry(inquiry_id, uows(), actor)
        return inquiry_response(inquiry, HTTP_201_CREATED, f"{INQUIRIES}/{inquiry_id}")

    @post(
        "/unmatched/{unmatched_id:uuid}/discard",
        operation_id="discardUnmatchedEmail",
        summary="Set an unmatched e-mail aside (spam, a duplicate ...), with the reason",
        description=doc(services.discard_unmatched_email),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        responses=WRITE_RESPONSES,
    )
    def discard_unmatched(
        self,
        unmatched_id: FromPath[UUID],
        data: JSONBody[DiscardEmailIn],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
    ) -> UnmatchedEmailOut:
        command = DiscardUnmatchedEmail(unmatched_id=unmatched_id, reason=data.reason)
        services.discard_unmatched_email(command, uows(), clock, actor)
        return UnmatchedEmailOut.of(services.get_unmatched_email(unmatched_id, uows(), actor))


def inquiry_routes(container: Container) -> Router:
    """The inquiry and inbound e-mail controllers, with the reservations mailbox."""

    def provide_mailbox() -> InquiryMailbox:
        mailbox: InquiryMailbox = container.inquiry_mailbox()
        return mailbox

    return Router(
        path="/",
        route_handlers=[InquiryController, InboundEmailController],
        dependencies={"mailbox": Provide(provide_mailbox, sync_to_thread=False)},
    )
