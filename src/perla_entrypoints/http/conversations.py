"""The operators' side of the WhatsApp conversations (seed 004).

``/api/v1/conversations`` lists them (``owner=human``: the ones waiting for a person), newest
activity first; ``/{contact}`` reads one with its transcript and handoffs. An operator
``take-over``s a conversation from the bot, answers with ``reply`` (sent through the outbox,
hence 202; WhatsApp's 24-hour window applies when it leaves) and ``hand-back``s it to the bot.
``contact`` is the customer's WhatsApp number as Zenvia gives it (digits, country first).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED
from msgspec import Meta, Struct

from perla_core import conversations as services
from perla_core.conversations import Conversation, ConversationQuery, Owner
from perla_core.conversations.model import ConversationMessage, HandoffRecord
from perla_core.kernel.pagination import MAX_LIMIT, MAX_OFFSET, PageRequest
from perla_entrypoints.http.auth import CAN_WRITE
from perla_entrypoints.http.dependencies import ActorDep, ClockDep, IdsDep, NewUow
from perla_entrypoints.http.openapi import doc, responses
from perla_entrypoints.http.schemas import StrictBody

CONVERSATIONS = "/api/v1/conversations"

Contact = Annotated[str, Meta(description="The customer's WhatsApp number (5491155550000)")]
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description="Page size")]
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET, description="Rows to skip")]

# --- requests -------------------------------------------------------------------------------


class TakeOverIn(StrictBody):
    """Why the operator takes the conversation (default ``operator``)."""

    reason: str = "operator"


class ReplyIn(StrictBody):
    """What the operator answers the customer, as plain text."""

    text: Annotated[str, Meta(min_length=1, max_length=4096)]


# --- answers --------------------------------------------------------------------------------


class MessageOut(Struct, kw_only=True):
    id: UUID
    direction: Annotated[str, Meta(description="inbound (from the contact) or outbound")]
    author: Annotated[str, Meta(description="contact, bot, or the operator's name")]
    kind: Annotated[str, Meta(description="text, buttons, list, file, location ...")]
    text: str | None
    payload: Annotated[str | None, Meta(description="The id of the button or row tapped")]
    at: datetime
    status: Annotated[
        str | None,
        Meta(description="Outbound: null while queued, accepted, sent, delivered, read, failed"),
    ]
    failure: str | None

    @classmethod
    def of(cls, m: ConversationMessage) -> MessageOut:
        return cls(
            id=m.id,
            direction=m.direction.value,
            author=m.author,
            kind=m.kind,
            text=m.text,
            payload=m.payload,
            at=m.at,
            status=None if m.status is None else m.status.value,
            failure=m.failure,
        )


class HandoffOut(Struct, kw_only=True):
    id: UUID
    reason: Annotated[
        str,
        Meta(description="talk_to_person, complaint, not_a_purchase, misunderstood, "
        "hook_failed:<hook> or operator"),
    ]  # fmt: skip
    at: datetime
    by: str
    ended_at: datetime | None
    ended_by: str | None

    @classmethod
    def of(cls, h: HandoffRecord) -> HandoffOut:
        return cls(
            id=h.id, reason=h.reason, at=h.at, by=h.by, ended_at=h.ended_at, ended_by=h.ended_by
        )


class ConversationSummaryOut(Struct, kw_only=True):
    id: UUID
    contact: str
    contact_name: str | None
    owner: Annotated[str, Meta(description="bot or human (the operators)")]
    last_inbound_at: Annotated[
        datetime | None, Meta(description="Free-form replies are allowed for 24 h after it")
    ]
    last_activity_at: datetime
    messages: int
    version: int

    @classmethod
    def of(cls, c: Conversation) -> ConversationSummaryOut:
        return cls(
            id=c.id,
            contact=c.contact,
            contact_name=c.contact_name,
            owner=c.owner.value,
            last_inbound_at=c.last_inbound_at,
            last_activity_at=c.last_activity_at,
            messages=len(c.messages),
            version=c.version,
        )


class ConversationOut(Struct, kw_only=True):
    id: UUID
    contact: str
    contact_name: str | None
    owner: str
    step: Annotated[str | None, Meta(description="The flow step waiting for the contact")]
    last_inbound_at: datetime | None
    last_activity_at: datetime
    messages: list[MessageOut]
    handoffs: list[HandoffOut]
    version: int

    @classmethod
    def of(cls, c: Conversation) -> ConversationOut:
        return cls(
            id=c.id,
            contact=c.contact,
            contact_name=c.contact_name,
            owner=c.owner.value,
            step=c.flow_state.step,
            last_inbound_at=c.last_inbound_at,
            last_activity_at=c.last_activity_at,
            messages=[MessageOut.of(m) for m in c.messages],
            handoffs=[HandoffOut.of(h) for h in c.handoffs],
            version=c.version,
        )


class ConversationPage(Struct, kw_only=True):
    items: list[ConversationSummaryOut]
    total: int
    limit: int
    offset: int


class ReplyQueued(Struct, kw_only=True):
    """The reply waits in the outbox; its status shows in the transcript."""

    message_id: UUID


WRITE_RESPONSES = responses(400, 401, 403, 404, 409, 422)


class ConversationController(Controller):
    path = CONVERSATIONS
    tags = ["conversations"]

    @get(
        "/",
        operation_id="listConversations",
        summary="WhatsApp conversations, newest activity first",
        description=doc(services.list_conversations),
        sync_to_thread=True,
        responses=responses(400, 401),
    )
    def list_conversations(
        self,
        uows: NewUow,
        actor: ActorDep,
        owner: FromQuery[Owner | None] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> ConversationPage:
        query = ConversationQuery(owner=owner, page=PageRequest(limit=limit, offset=offset))
        page = services.list_conversations(query, uows(), actor)
        return ConversationPage(
            items=[ConversationSummaryOut.of(c) for c in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )

    @get(
        "/{contact:str}",
        operation_id="getConversation",
        summary="One conversation with its transcript and handoffs",
        description=doc(services.get_conversation),
        sync_to_thread=True,
        responses=responses(401, 404, 422),
    )
    def get_conversation(
        self, contact: FromPath[Contact], uows: NewUow, actor: ActorDep
    ) -> ConversationOut:
        return ConversationOut.of(services.get_conversation(contact, uows(), actor))

    @post(
        "/{contact:str}/take-over",
        operation_id="takeOverConversation",
        summary="An operator takes the conversation from the bot (the bot falls silent)",
        description=doc(services.take_over),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        responses=WRITE_RESPONSES,
    )
    def take_over(
        self,
        contact: FromPath[Contact],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        data: JSONBody[TakeOverIn | None] = None,
    ) -> ConversationOut:
        reason = data.reason if data is not None else "operator"
        services.take_over(contact, uows(), clock, actor, reason=reason)
        return ConversationOut.of(services.get_conversation(contact, uows(), actor))

    @post(
        "/{contact:str}/hand-back",
        operation_id="handBackConversation",
        summary="The operators give the conversation back to the bot",
        description=doc(services.hand_back),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        responses=WRITE_RESPONSES,
    )
    def hand_back(
        self, contact: FromPath[Contact], uows: NewUow, clock: ClockDep, actor: ActorDep
    ) -> ConversationOut:
        services.hand_back(contact, uows(), clock, actor)
        return ConversationOut.of(services.get_conversation(contact, uows(), actor))

    @post(
        "/{contact:str}/reply",
        operation_id="replyToConversation",
        summary="An operator answers the customer (sent through the outbox)",
        description=doc(services.operator_reply),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_202_ACCEPTED,
        responses=WRITE_RESPONSES,
    )
    def reply(
        self,
        contact: FromPath[Contact],
        data: JSONBody[ReplyIn],
        uows: NewUow,
        clock: ClockDep,
        ids: IdsDep,
        actor: ActorDep,
    ) -> ReplyQueued:
        message_id = services.operator_reply(contact, data.text, uows(), clock, ids, actor)
        return ReplyQueued(message_id=message_id)
