"""What happens to a conversation, in the past tense.

``aggregate_id`` is the conversation's id. Two are acted on by outbox handlers:
:class:`MessageQueued` (``whatsapp.send`` sends the message it names) and
:class:`HandoffRequested` (``conversations.notify_operators`` tells the operators).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

import attrs

from perla_core.kernel.events import domain_event


@domain_event("conversations.message_queued")
@attrs.frozen
class MessageQueued:
    """An outgoing WhatsApp message (``kind``: text, buttons, list ...) waits to be sent."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    message_ref: UUID
    kind: str

    @property
    def conversation_id(self) -> UUID:
        return self.aggregate_id


@domain_event("conversations.handoff_requested")
@attrs.frozen
class HandoffRequested:
    """The bot gave the conversation to the operators (``reason``: ``talk_to_person`` ...)."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    handoff_ref: UUID
    reason: str

    @property
    def conversation_id(self) -> UUID:
        return self.aggregate_id


@domain_event("conversations.taken_over")
@attrs.frozen
class ConversationTakenOver:
    """An operator took the conversation from the bot by hand."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    handoff_ref: UUID
    reason: str


@domain_event("conversations.handed_back")
@attrs.frozen
class ConversationHandedBack:
    """The operators gave the conversation back to the bot."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    handoff_ref: UUID | None
