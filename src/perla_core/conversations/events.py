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


@domain_event("conversations.survey_started")
@attrs.frozen
class SurveyStarted:
    """A campaign pointed the conversation at a survey flow; its first question (a template)
    was queued. ``run_ref`` is the campaign's reference (``<run id>:<client id>``)."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    contact: str
    flow_name: str
    run_ref: str


@domain_event("conversations.survey_finished")
@attrs.frozen
class SurveyFinished:
    """A survey flow ended: ``completed`` (a terminal node), ``opted_out`` (its opt-out step)
    or ``handed_off`` (to a person). ``answers`` are the flow's fields the contact filled,
    raw, in the flow's order."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    contact: str
    flow_name: str
    run_ref: str
    outcome: str
    answers: tuple[tuple[str, str], ...] = ()


@domain_event("conversations.contact_opted_out")
@attrs.frozen
class ContactOptedOut:
    """The contact asked not to be messaged ("BAJA", "STOP", a survey's opt-out button):
    every future campaign leaves the number out. ``source`` is the flow it happened in."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    contact: str
    source: str
