"""The conversation aggregate: one per contact (their WhatsApp number), with its messages,
who owns it (the bot or the operators), where the flow stands, and its handoffs.

Outgoing messages are *queued* on the conversation (status ``None``, no ``provider_id``) with
a :class:`MessageQueued` event in the same transaction; the outbox handler sends them and
records the provider's id. Statuses only move forward (:func:`perla_core.messaging.advance`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

import attrs

from perla_core.conversations.events import (
    ContactOptedOut,
    ConversationHandedBack,
    ConversationTakenOver,
    HandoffRequested,
    MessageQueued,
    SurveyFinished,
    SurveyStarted,
)
from perla_core.flows.engine import FlowState
from perla_core.kernel.errors import NotFound
from perla_core.messaging import (
    ButtonsMessage,
    FileMessage,
    ListMessage,
    MessageStatus,
    OutgoingMessage,
    TemplateMessage,
    TextMessage,
    advance,
    kind_of,
)

CONTACT = "contact"
"""The author of inbound messages."""
BOT = "bot"
"""The author of what the bot sends (and the ``by`` of its handoffs)."""
OPERATOR_REASON = "operator"
"""The handoff reason when an operator takes a conversation by hand."""


class Owner(StrEnum):
    BOT = "bot"
    HUMAN = "human"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


@attrs.define(eq=False)
class ConversationMessage:
    """One message of the conversation.

    Inbound: ``kind`` is the content's (``text``, ``file``, ``location``, ``unsupported``),
    ``text`` what the contact wrote (or a file's caption), ``payload`` the id of the button or
    list row tapped, ``provider_id`` the provider's message id. Outbound: ``content`` is the
    message to send, ``text`` its readable body, ``external_id`` perla's id given to the
    provider (the message id as text), ``provider_id`` set once the provider accepted it,
    ``status`` ``None`` while queued, ``failure`` why it failed.
    """

    id: UUID
    direction: Direction
    kind: str
    text: str | None
    at: datetime
    author: str
    payload: str | None = None
    content: OutgoingMessage | None = None
    provider_id: str | None = None
    external_id: str | None = None
    status: MessageStatus | None = None
    status_at: datetime | None = None
    failure: str | None = None
    send_started_at: datetime | None = None
    """When a send of this message to the provider began and its outcome is not recorded yet
    (see :func:`~perla_core.conversations.delivery.send_queued_message`)."""

    @property
    def waiting(self) -> bool:
        """Queued and not yet sent nor failed."""
        return (
            self.direction is Direction.OUTBOUND
            and self.provider_id is None
            and self.status is not MessageStatus.FAILED
        )


@attrs.define(eq=False)
class HandoffRecord:
    """The conversation went to the operators at ``at`` (by the bot or an operator, ``by``),
    for ``reason``; ``ended_at``/``ended_by`` once handed back."""

    id: UUID
    reason: str
    at: datetime
    by: str
    ended_at: datetime | None = None
    ended_by: str | None = None

    @property
    def open(self) -> bool:
        return self.ended_at is None


def readable_text(content: OutgoingMessage) -> str:
    """What an outgoing message says, for the history and the interpreter's context."""
    match content:
        case TextMessage(text=text):
            return text
        case ButtonsMessage(body=body) | ListMessage(body=body):
            return body
        case FileMessage(caption=caption, url=url):
            return caption or url
        case TemplateMessage(template_id=template_id):
            return f"[template {template_id}]"


SURVEY_RUN_FIELD = "encuesta.run"
"""The campaign reference of the survey the conversation is in."""


@attrs.define(eq=False)
class Conversation:
    """One contact's WhatsApp conversation (see the module docstring).

    ``sender`` is perla's number the contact writes to (the inbound ``to``), which replies
    leave from; ``fields`` are what the flow's ``SetField`` actions recorded;
    ``flow_state.finished`` (step ``None``) means the next inbound message starts the flow.
    """

    id: UUID
    contact: str
    contact_name: str | None
    owner: Owner
    flow_state: FlowState
    last_inbound_at: datetime | None
    created_at: datetime
    last_activity_at: datetime
    sender: str | None = None
    fields: dict[str, str] = attrs.field(factory=dict)
    flow_name: str | None = None
    """The flow the contact is in when it is not the bot's default one (a campaign's survey)."""
    messages: list[ConversationMessage] = attrs.field(factory=list)
    handoffs: list[HandoffRecord] = attrs.field(factory=list)
    version: int = 0
    events: list[object] = attrs.field(factory=list, repr=False)

    @classmethod
    def open(
        cls,
        conversation_id: UUID,
        contact: str,
        at: datetime,
        *,
        contact_name: str | None = None,
        sender: str | None = None,
    ) -> Conversation:
        return cls(
            id=conversation_id,
            contact=contact,
            contact_name=contact_name,
            owner=Owner.BOT,
            flow_state=FlowState(None),
            last_inbound_at=None,
            created_at=at,
            last_activity_at=at,
            sender=sender,
        )

    # --- messages --------------------------------------------------------------------------

    def receive(
        self,
        message_id: UUID,
        *,
        kind: str,
        text: str | None,
        at: datetime,
        payload: str | None = None,
        provider_id: str | None = None,
    ) -> ConversationMessage:
        """Record an inbound message; it reopens the 24-hour window."""
        message = ConversationMessage(
            id=message_id,
            direction=Direction.INBOUND,
            kind=kind,
            text=text,
            at=at,
            author=CONTACT,
            payload=payload,
            provider_id=provider_id,
        )
        self.messages.append(message)
        if self.last_inbound_at is None or at > self.last_inbound_at:
            self.last_inbound_at = at
        self._touch(at)
        return message

    def queue(
        self, message_id: UUID, content: OutgoingMessage, *, author: str, at: datetime
    ) -> ConversationMessage:
        """Record an outgoing message to send through the outbox (:class:`MessageQueued`)."""
        kind = kind_of(content)
        message = ConversationMessage(
            id=message_id,
            direction=Direction.OUTBOUND,
            kind=kind,
            text=readable_text(content),
            at=at,
            author=author,
            content=content,
            external_id=str(message_id),
        )
        self.messages.append(message)
        self._touch(at)
        self.events.append(MessageQueued(self.id, at, author, message_id, kind))
        return message

    def message(self, message_id: UUID) -> ConversationMessage:
        found = next((m for m in self.messages if m.id == message_id), None)
        if found is None:
            raise NotFound("conversation message", message_id)
        return found

    def message_by_ref(self, ref: str) -> ConversationMessage | None:
        """The message whose ``external_id`` or ``provider_id`` is ``ref``."""
        return next(
            (m for m in self.messages if ref in (m.external_id, m.provider_id)),
            None,
        )

    def mark_sent(self, message_id: UUID, provider_id: str, at: datetime) -> None:
        message = self.message(message_id)
        message.provider_id = provider_id
        message.status = advance(message.status, MessageStatus.ACCEPTED)
        message.status_at = message.status_at or at

    def mark_sending(self, message_id: UUID, at: datetime | None) -> None:
        """A send of the message begins (``at``), or ended without reaching the provider
        (``None``)."""
        self.message(message_id).send_started_at = at

    def mark_failed(self, message_id: UUID, reason: str, at: datetime) -> None:
        message = self.message(message_id)
        message.status = advance(message.status, MessageStatus.FAILED)
        message.status_at = at
        if message.status is MessageStatus.FAILED:
            message.failure = reason

    def apply_status(
        self, ref: str, status: MessageStatus, at: datetime, reason: str | None = None
    ) -> bool:
        """Move the message ``ref`` names to ``status`` if that is forward; whether it moved."""
        message = self.message_by_ref(ref)
        if message is None:
            return False
        new = advance(message.status, status)
        if new is message.status:
            return False
        message.status = new
        message.status_at = at
        if new is MessageStatus.FAILED:
            message.failure = reason or "failed"
        return True

    def _touch(self, at: datetime) -> None:
        self.last_activity_at = max(self.last_activity_at, at)

    # --- ownership -------------------------------------------------------------------------

    # --- surveys and opt-outs ------------------------------------------------------------------

    def start_survey(
        self, flow_name: str, state: FlowState, run_ref: str, *, by: str, at: datetime
    ) -> None:
        """Point the conversation at survey ``flow_name``, waiting at ``state`` (its first
        question, which the caller queues as a template); ``run_ref`` comes back on
        :class:`SurveyFinished`. The bot owns the conversation again for the survey."""
        self.flow_name = flow_name
        self.flow_state = state
        self.fields[SURVEY_RUN_FIELD] = run_ref
        self.events.append(SurveyStarted(self.id, at, by, self.contact, flow_name, run_ref))

    def finish_survey(
        self, outcome: str, answers: tuple[tuple[str, str], ...], *, by: str, at: datetime
    ) -> None:
        """The survey flow ended with ``outcome``; the conversation returns to the bot's
        default flow."""
        flow_name = self.flow_name or ""
        run_ref = self.fields.pop(SURVEY_RUN_FIELD, "")
        self.flow_name = None
        self.events.append(
            SurveyFinished(self.id, at, by, self.contact, flow_name, run_ref, outcome, answers)
        )

    def opt_out(self, source: str, *, by: str, at: datetime) -> None:
        """The contact asked not to be messaged again (recorded once per request)."""
        self.events.append(ContactOptedOut(self.id, at, by, self.contact, source))

    @property
    def open_handoff(self) -> HandoffRecord | None:
        return next((h for h in reversed(self.handoffs) if h.open), None)

    def hand_off(
        self, handoff_id: UUID, reason: str, *, by: str, at: datetime
    ) -> HandoffRecord | None:
        """Give the conversation to the operators. ``by`` the bot it announces
        :class:`HandoffRequested` (the operators are notified); by an operator,
        :class:`ConversationTakenOver`. Already theirs: nothing changes (``None``)."""
        if self.owner is Owner.HUMAN:
            return None
        record = HandoffRecord(handoff_id, reason, at, by)
        self.handoffs.append(record)
        self.owner = Owner.HUMAN
        self.flow_state = FlowState(None)
        self._touch(at)
        if by == BOT:
            self.events.append(HandoffRequested(self.id, at, by, handoff_id, reason))
        else:
            self.events.append(ConversationTakenOver(self.id, at, by, handoff_id, reason))
        return record

    def hand_back(self, *, by: str, at: datetime) -> bool:
        """Give the conversation back to the bot; its flow starts again at the next message.
        Already the bot's: nothing changes (``False``)."""
        if self.owner is Owner.BOT:
            return False
        record = self.open_handoff
        if record is not None:
            record.ended_at = at
            record.ended_by = by
        self.owner = Owner.BOT
        self.flow_state = FlowState(None)
        self._touch(at)
        self.events.append(
            ConversationHandedBack(self.id, at, by, None if record is None else record.id)
        )
        return True
