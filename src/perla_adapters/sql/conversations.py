"""Conversations and received webhook events in SQL.

A conversation is one row of ``conversations``: the aggregate whole as the JSON ``body``
(every field but ``id``, ``version`` and ``events``, through the cattrs converter; an
outgoing message's content tagged with its kind), beside the columns the list filters and
sorts on. ``conversation_message_refs`` holds every message's ``external_id`` and
``provider_id`` (its primary key keeps them unique), written on each save for the new ones.

``get_for_update`` locks the conversation's row until the transaction ends (``SELECT ... FOR
UPDATE`` on PostgreSQL); SQLite has no row locks, so it takes the database's write lock first,
as the outbox claim does, and a second worker waits for this transaction to end.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs
from sqlalchemy import Connection, RowMapping, false, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from perla_adapters.memory.store import TouchedAggregates
from perla_adapters.sql.serialization import Row, converter
from perla_adapters.sql.tables import conversation_message_refs, conversations, received_events
from perla_core.conversations.model import Conversation, ConversationMessage
from perla_core.conversations.ports import ConversationQuery, ReceivedEvent
from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion
from perla_core.kernel.pagination import Page
from perla_core.messaging import (
    ButtonsMessage,
    FileMessage,
    ListMessage,
    OutgoingMessage,
    TemplateMessage,
    TextMessage,
    kind_of,
)

_KINDS: dict[str, type[Any]] = {
    "text": TextMessage,
    "template": TemplateMessage,
    "buttons": ButtonsMessage,
    "list": ListMessage,
    "file": FileMessage,
}


def _unstructure_content(content: OutgoingMessage | None) -> dict[str, Any] | None:
    if content is None:
        return None
    if isinstance(content, TemplateMessage):
        return {
            "kind": "template",
            "template_id": content.template_id,
            "fields": [list(pair) for pair in content.fields],
        }
    return {"kind": kind_of(content), **_converter.unstructure(content)}


def _structure_content(data: Mapping[str, Any] | None, _: object) -> OutgoingMessage | None:
    if data is None:
        return None
    values = dict(data)
    kind = values.pop("kind")
    if kind == "template":
        fields = tuple((str(k), v) for k, v in values.get("fields", []))
        return TemplateMessage(str(values["template_id"]), fields)
    content: OutgoingMessage = _converter.structure(values, _KINDS[kind])
    return content


attrs.resolve_types(ConversationMessage)
attrs.resolve_types(Conversation)
_converter = converter.copy()
_CONTENT = attrs.fields(ConversationMessage).content.type
_converter.register_unstructure_hook(_CONTENT, _unstructure_content)
_converter.register_structure_hook(_CONTENT, _structure_content)

_OUT_OF_BODY = frozenset({"id", "version", "events"})
_FIELDS: list[tuple[str, Any]] = [
    (f.name, f.type) for f in attrs.fields(Conversation) if f.name not in _OUT_OF_BODY
]


def conversation_to_row(conversation: Conversation) -> dict[str, Any]:
    c = conversation
    return {
        "id": c.id,
        "version": c.version,
        "contact": c.contact,
        "owner": c.owner.value,
        "last_inbound_at": c.last_inbound_at,
        "last_activity_at": c.last_activity_at,
        "created_at": c.created_at,
        "body": {name: _converter.unstructure(getattr(c, name), kind) for name, kind in _FIELDS},
    }


def conversation_from_row(row: Row) -> Conversation:
    body = row["body"]
    values = {name: _converter.structure(body[name], kind) for name, kind in _FIELDS}
    return Conversation(id=row["id"], version=row["version"], **values)


def _refs(conversation: Conversation) -> dict[str, UUID]:
    return {
        ref: m.id
        for m in conversation.messages
        for ref in (m.external_id, m.provider_id)
        if ref is not None
    }


class SqlAlchemyConversationRepository:
    """Conversations by contact or id, locked for the bot's turn, listed by activity."""

    def __init__(self, conn: Connection, touched: TouchedAggregates) -> None:
        self._conn = conn
        self._touched = touched
        self.seen: builtins.list[Conversation] = []
        self._seen_ids: set[int] = set()
        self._stored_refs: dict[UUID, frozenset[str]] = {}

    def add(self, conversation: Conversation) -> None:
        taken = self._conn.execute(
            select(conversations.c.id).where(
                (conversations.c.id == conversation.id)
                | (conversations.c.contact == conversation.contact)
            )
        ).first()
        if taken is not None:
            if taken.id == conversation.id:
                raise AlreadyExists(f"conversation {conversation.id} already exists", field="id")
            raise _contact_taken(conversation)
        row = conversation_to_row(conversation) | {"version": 1}
        try:
            self._conn.execute(insert(conversations).values(row))
        except IntegrityError as exc:  # a concurrent transaction opened it first
            raise _contact_taken(conversation) from exc
        self._write_refs(conversation, frozenset())
        conversation.version = 1
        self._see(conversation)

    def save(self, conversation: Conversation) -> None:
        base = conversation.version
        row = conversation_to_row(conversation) | {"version": base + 1}
        del row["id"]
        result = self._conn.execute(
            update(conversations)
            .where(conversations.c.id == conversation.id, conversations.c.version == base)
            .values(row)
        )
        if result.rowcount == 0:
            actual = self._conn.scalar(
                select(conversations.c.version).where(conversations.c.id == conversation.id)
            )
            if actual is None:
                raise NotFound("conversation", conversation.id)
            raise StaleVersion("conversation", conversation.id, base, actual)
        stored = self._stored_refs.get(conversation.id)
        if stored is None:
            stored = frozenset(
                self._conn.scalars(
                    select(conversation_message_refs.c.ref).where(
                        conversation_message_refs.c.conversation_id == conversation.id
                    )
                )
            )
        self._write_refs(conversation, stored)
        conversation.version = base + 1
        self._see(conversation)

    def _write_refs(self, conversation: Conversation, stored: frozenset[str]) -> None:
        refs = _refs(conversation)
        new = [
            {"ref": ref, "conversation_id": conversation.id, "message_id": message_id}
            for ref, message_id in refs.items()
            if ref not in stored
        ]
        if new:
            try:
                self._conn.execute(insert(conversation_message_refs), new)
            except IntegrityError as exc:
                taken = min(str(row["ref"]) for row in new)
                raise AlreadyExists(
                    f"another conversation holds message {taken}", field="message"
                ) from exc
        self._stored_refs[conversation.id] = frozenset(refs)

    def _see(self, conversation: Conversation) -> None:
        if id(conversation) not in self._seen_ids:
            self._seen_ids.add(id(conversation))
            self.seen.append(conversation)
        self._touched.touch(conversation)

    def _loaded(self, row: Row | None) -> Conversation | None:
        if row is None:
            return None
        conversation = conversation_from_row(row)
        self._stored_refs[conversation.id] = frozenset(_refs(conversation))
        self._see(conversation)
        return conversation

    def get(self, contact: str) -> Conversation | None:
        return self._loaded(
            self._conn.execute(select(conversations).where(conversations.c.contact == contact))
            .mappings()
            .first()
        )

    def get_by_id(self, conversation_id: UUID) -> Conversation:
        found = self._loaded(
            self._conn.execute(select(conversations).where(conversations.c.id == conversation_id))
            .mappings()
            .first()
        )
        if found is None:
            raise NotFound("conversation", conversation_id)
        return found

    def get_for_update(self, contact: str) -> Conversation | None:
        if self._conn.dialect.name == "sqlite":
            self._conn.execute(
                update(conversations).where(false()).values(version=conversations.c.version)
            )
        return self._loaded(
            self._conn.execute(
                select(conversations).where(conversations.c.contact == contact).with_for_update()
            )
            .mappings()
            .first()
        )

    def find_message(self, ref: str) -> tuple[UUID, UUID] | None:
        row = self._conn.execute(
            select(
                conversation_message_refs.c.conversation_id,
                conversation_message_refs.c.message_id,
            ).where(conversation_message_refs.c.ref == ref)
        ).first()
        return None if row is None else (row.conversation_id, row.message_id)

    def list(self, query: ConversationQuery) -> Page[Conversation]:
        """Newest activity first, then newest id."""
        conditions = [] if query.owner is None else [conversations.c.owner == query.owner.value]
        rows = self._conn.execute(
            select(conversations)
            .where(*conditions)
            .order_by(conversations.c.last_activity_at.desc(), conversations.c.id.desc())
            .limit(query.page.limit)
            .offset(query.page.offset)
        ).mappings()
        items = [conversation_from_row(row) for row in rows]
        total = self._conn.scalar(
            select(func.count()).select_from(conversations).where(*conditions)
        )
        return Page(items, total or 0, query.page.limit, query.page.offset)


def _contact_taken(conversation: Conversation) -> AlreadyExists:
    return AlreadyExists(f"contact {conversation.contact} has a conversation", field="contact")


MAX_ERROR = 500
"""The longest ``last_error`` / ``failure`` stored (longer texts are cut)."""


def _received_event(row: RowMapping) -> ReceivedEvent:
    return ReceivedEvent(
        row["event_id"],
        row["contact"],
        row["kind"],
        row["payload"],
        row["received_at"],
        row["processed_at"],
        row["attempts"],
        row["last_error"],
        row["failure"],
    )


class SqlAlchemyReceivedEventRepository:
    """Webhook events unique by ``event_id`` (``INSERT ... ON CONFLICT DO NOTHING``), in
    arrival order (``seq``)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add_if_new(
        self,
        event_id: str,
        contact: str | None,
        kind: str,
        payload: Mapping[str, Any],
        received_at: datetime,
    ) -> bool:
        values = {
            "event_id": event_id,
            "contact": contact,
            "kind": kind,
            "payload": dict(payload),
            "received_at": received_at,
        }
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(received_events)
            .values(values)
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(received_events.c.seq)
        )
        return self._conn.execute(statement).scalar() is not None

    def pending_for(self, contact: str, limit: int) -> builtins.list[ReceivedEvent]:
        rows = self._conn.execute(
            select(received_events)
            .where(received_events.c.contact == contact, received_events.c.processed_at.is_(None))
            .order_by(received_events.c.seq)
            .limit(limit)
        ).mappings()
        return [_received_event(row) for row in rows]

    def get(self, event_id: str) -> ReceivedEvent | None:
        row = (
            self._conn.execute(
                select(received_events).where(received_events.c.event_id == event_id)
            )
            .mappings()
            .first()
        )
        return None if row is None else _received_event(row)

    def mark_processed(self, event_id: str, at: datetime, *, failure: str | None = None) -> None:
        result = self._conn.execute(
            update(received_events)
            .where(received_events.c.event_id == event_id)
            .values(processed_at=at, failure=None if failure is None else failure[:MAX_ERROR])
        )
        if result.rowcount == 0:
            raise NotFound("received event", event_id)

    def record_attempt(self, event_id: str, error: str) -> int:
        attempts = self._conn.execute(
            update(received_events)
            .where(received_events.c.event_id == event_id)
            .values(attempts=received_events.c.attempts + 1, last_error=error[:MAX_ERROR])
            .returning(received_events.c.attempts)
        ).scalar()
        if attempts is None:
            raise NotFound("received event", event_id)
        return int(attempts)

    def pending_contacts(self, older_than_at: datetime, limit: int) -> builtins.list[str]:
        first = func.min(received_events.c.received_at)
        rows = self._conn.execute(
            select(received_events.c.contact, first)
            .where(
                received_events.c.processed_at.is_(None),
                received_events.c.contact.is_not(None),
                received_events.c.received_at <= older_than_at,
            )
            .group_by(received_events.c.contact)
            .order_by(first, received_events.c.contact)
            .limit(limit)
        )
        return [contact for contact, _ in rows]
