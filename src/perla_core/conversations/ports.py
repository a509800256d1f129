"""Storage of conversations and received webhook events, and the unit of work the
conversation use cases need."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self
from uuid import UUID

import attrs

from perla_core.conversations.model import Conversation, Owner
from perla_core.kernel.pagination import Page, PageRequest
from perla_core.outbox import OutboxRepository, ProcessedMessages


@attrs.frozen
class ConversationQuery:
    """Conversations of one ``owner`` (``None``: all), newest activity first (then newest id)."""

    owner: Owner | None = None
    page: PageRequest = attrs.field(factory=PageRequest)


@attrs.frozen
class ReceivedEvent:
    """A webhook event as it arrived: ``kind`` ``message`` or ``status``, ``payload`` its JSON
    form (:mod:`perla_core.conversations.received`); ``processed_at`` once handled.

    ``attempts`` counts the failed tries at handling it and ``last_error`` says what the last
    one raised; ``failure`` is set when it was given up on (processed without being handled).
    """

    event_id: str
    contact: str | None
    kind: str
    payload: Mapping[str, Any]
    received_at: datetime
    processed_at: datetime | None = None
    attempts: int = 0
    last_error: str | None = None
    failure: str | None = None


class ConversationRepository(Protocol):
    """Conversations, one per contact, each with its messages and handoffs. Joins the unit of
    work's transaction; never commits.

    ``add`` sets the version to 1 and raises :class:`AlreadyExists` (``field`` ``"contact"``)
    when the contact has a conversation; ``save`` is optimistic (:class:`StaleVersion`).
    Unique across conversations: every message's ``external_id`` and ``provider_id``.
    ``events`` are not stored (the unit of work moves them to the outbox).
    """

    def add(self, conversation: Conversation) -> None: ...

    def save(self, conversation: Conversation) -> None: ...

    def get(self, contact: str) -> Conversation | None: ...

    def get_by_id(self, conversation_id: UUID) -> Conversation:
        """Raises :class:`NotFound`."""
        ...

    def get_for_update(self, contact: str) -> Conversation | None:
        """The contact's conversation, locked until this transaction ends: another
        transaction asking for it waits (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite takes
        the database's write lock first), then reads what the first one committed."""
        ...

    def find_message(self, ref: str) -> tuple[UUID, UUID] | None:
        """``(conversation id, message id)`` of the message whose ``external_id`` (or
        ``provider_id``) is ``ref``."""
        ...

    def list(self, query: ConversationQuery) -> Page[Conversation]: ...

    @property
    def seen(self) -> builtins.list[Conversation]:
        """Aggregates added or read in this unit of work (their events go to the outbox)."""
        ...


class ReceivedEventRepository(Protocol):
    """Webhook events, unique by the provider's ``event_id``, kept in arrival order. Joins the
    unit of work's transaction; never commits."""

    def add_if_new(
        self,
        event_id: str,
        contact: str | None,
        kind: str,
        payload: Mapping[str, Any],
        received_at: datetime,
    ) -> bool:
        """Store the event unless its id is stored; whether it was new. Two transactions
        adding one id at once: one stores it, the other gets ``False`` (or, where the database
        only finds out at commit, the commit fails and the retry gets ``False``)."""
        ...

    def pending_for(self, contact: str, limit: int) -> builtins.list[ReceivedEvent]:
        """The contact's events not processed yet, in arrival order."""
        ...

    def get(self, event_id: str) -> ReceivedEvent | None:
        """The event stored under ``event_id``, processed or not."""
        ...

    def mark_processed(self, event_id: str, at: datetime, *, failure: str | None = None) -> None:
        """The event is done with: handled, or given up on with ``failure`` (why).
        :class:`NotFound` for an unknown id."""
        ...

    def record_attempt(self, event_id: str, error: str) -> int:
        """One more failed try at handling the event, ``error`` what it raised; returns the
        attempts counted so far. :class:`NotFound` for an unknown id."""
        ...

    def pending_contacts(self, older_than_at: datetime, limit: int) -> builtins.list[str]:
        """Contacts with an event unprocessed since ``older_than_at`` or before, the longest
        waiting first."""
        ...


class ConversationUnitOfWork(Protocol):
    """The part of :class:`perla_core.uow.UnitOfWork` the conversation use cases use: the same
    promises (``with uow:`` opens, only ``commit`` persists, leaving rolls back, and the
    commit writes the events of the aggregates seen to the outbox in the same transaction)."""

    @property
    def conversations(self) -> ConversationRepository: ...

    @property
    def received_events(self) -> ReceivedEventRepository: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def processed(self) -> ProcessedMessages: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...
