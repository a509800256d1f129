"""Conversations and received webhook events in memory, with the promises of their tables:
one conversation per contact, message refs unique, saves optimistic, reads are copies, the
conversation lock held until the transaction ends, and events unique by id in arrival order."""

from __future__ import annotations

import builtins
import threading
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs

from perla_adapters.memory.store import InMemoryStore, Transaction, copy_of
from perla_core.conversations.model import Conversation
from perla_core.conversations.ports import ConversationQuery, ReceivedEvent
from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion
from perla_core.kernel.pagination import Page


class InMemoryConversationRepository:
    def __init__(self, store: InMemoryStore, tx: Transaction) -> None:
        self._store = store
        self._tx = tx
        self._pending: dict[UUID, Conversation] = {}
        self._held: dict[str, threading.Lock] = {}
        self.seen: builtins.list[Conversation] = []

    def _current(self) -> dict[UUID, Conversation]:
        return {**self._store.conversations, **self._pending}

    def add(self, conversation: Conversation) -> None:
        with self._store.lock:
            if conversation.id in self._current():
                raise AlreadyExists(f"conversation {conversation.id} already exists", field="id")
            _check_unique(conversation, self._current().values())
            conversation.version = 1
            self._stage(conversation, base_version=None)

    def save(self, conversation: Conversation) -> None:
        with self._store.lock:
            stored = self._current().get(conversation.id)
            if stored is None:
                raise NotFound("conversation", conversation.id)
            if stored.version != conversation.version:
                raise StaleVersion(
                    "conversation", conversation.id, conversation.version, stored.version
                )
            _check_unique(conversation, self._current().values())
            base = conversation.version
            conversation.version = base + 1
            self._stage(conversation, base_version=base)

    def _stage(self, conversation: Conversation, base_version: int | None) -> None:
        snapshot = copy_of(conversation)
        snapshot.events.clear()
        self._pending[conversation.id] = snapshot
        self._see(conversation)

        def apply(store: InMemoryStore) -> None:
            stored = store.conversations.get(conversation.id)
            actual = None if stored is None else stored.version
            if actual != base_version:
                raise StaleVersion("conversation", conversation.id, base_version or 0, actual)
            _check_unique(snapshot, store.conversations.values())
            store.conversations[conversation.id] = snapshot

        self._tx.ops.append(apply)

    def _see(self, conversation: Conversation) -> None:
        if conversation not in self.seen:
            self.seen.append(conversation)
        self._tx.touch(conversation)

    def _read(self, stored: Conversation | None) -> Conversation | None:
        if stored is None:
            return None
        conversation = copy_of(stored)
        self._see(conversation)
        return conversation

    def get(self, contact: str) -> Conversation | None:
        with self._store.lock:
            stored = next((c for c in self._current().values() if c.contact == contact), None)
        return self._read(stored)

    def get_by_id(self, conversation_id: UUID) -> Conversation:
        with self._store.lock:
            stored = self._current().get(conversation_id)
        if stored is None:
            raise NotFound("conversation", conversation_id)
        found = self._read(stored)
        assert found is not None
        return found

    def get_for_update(self, contact: str) -> Conversation | None:
        """Like ``SELECT ... FOR UPDATE``: the contact's lock is held until the transaction
        ends (:meth:`release`); another unit of work asking for it waits."""
        if contact not in self._held:
            with self._store.lock:
                lock = self._store.conversation_locks.setdefault(contact, threading.Lock())
            lock.acquire()
            self._held[contact] = lock
        return self.get(contact)

    def release(self) -> None:
        """End this transaction's locks (the unit of work calls it when the transaction ends)."""
        held, self._held = self._held, {}
        for lock in held.values():
            lock.release()

    def find_message(self, ref: str) -> tuple[UUID, UUID] | None:
        with self._store.lock:
            for conversation in self._current().values():
                message = conversation.message_by_ref(ref)
                if message is not None:
                    return conversation.id, message.id
        return None

    def list(self, query: ConversationQuery) -> Page[Conversation]:
        """Newest activity first, then newest id."""
        with self._store.lock:
            rows = [
                c for c in self._current().values() if query.owner is None or c.owner is query.owner
            ]
        rows.sort(key=lambda c: (c.last_activity_at, c.id.int), reverse=True)
        start, stop = query.page.offset, query.page.offset + query.page.limit
        return Page(
            [copy_of(c) for c in rows[start:stop]], len(rows), query.page.limit, query.page.offset
        )


def _refs(conversation: Conversation) -> set[str]:
    return {
        ref
        for m in conversation.messages
        for ref in (m.external_id, m.provider_id)
        if ref is not None
    }


def _check_unique(conversation: Conversation, others: Iterable[Conversation]) -> None:
    own = _refs(conversation)
    for other in others:
        if other.id == conversation.id:
            continue
        if other.contact == conversation.contact:
            raise AlreadyExists(
                f"contact {conversation.contact} has a conversation", field="contact"
            )
        clash = own.intersection(_refs(other))
        if clash:
            raise AlreadyExists(f"another conversation holds message {min(clash)}", field="message")


MAX_ERROR = 500
"""The longest ``last_error`` / ``failure`` kept, as the SQL columns."""


class InMemoryReceivedEventRepository:
    def __init__(self, store: InMemoryStore, tx: Transaction) -> None:
        self._store = store
        self._tx = tx
        self._pending: dict[str, ReceivedEvent] = {}

    def _current(self) -> dict[str, ReceivedEvent]:
        return {**self._store.received_events, **self._pending}

    def add_if_new(
        self,
        event_id: str,
        contact: str | None,
        kind: str,
        payload: Mapping[str, Any],
        received_at: datetime,
    ) -> bool:
        with self._store.lock:
            if event_id in self._current():
                return False
            event = ReceivedEvent(event_id, contact, kind, copy_of(dict(payload)), received_at)
            self._pending[event_id] = event

        def apply(store: InMemoryStore) -> None:
            if event_id in store.received_events:
                raise AlreadyExists(f"event {event_id} was received", field="event_id")
            store.received_events[event_id] = event

        self._tx.ops.append(apply)
        return True

    def pending_for(self, contact: str, limit: int) -> builtins.list[ReceivedEvent]:
        with self._store.lock:
            rows = [
                e
                for e in self._current().values()
                if e.contact == contact and e.processed_at is None
            ]
        return rows[:limit]

    def get(self, event_id: str) -> ReceivedEvent | None:
        with self._store.lock:
            return self._current().get(event_id)

    def mark_processed(self, event_id: str, at: datetime, *, failure: str | None = None) -> None:
        with self._store.lock:
            found = self._current().get(event_id)
            if found is None:
                raise NotFound("received event", event_id)
            failure = None if failure is None else failure[:MAX_ERROR]
            done = attrs.evolve(found, processed_at=at, failure=failure)
            self._pending[event_id] = done

        def apply(store: InMemoryStore) -> None:
            stored = store.received_events.get(event_id, done)
            store.received_events[event_id] = attrs.evolve(stored, processed_at=at, failure=failure)

        self._tx.ops.append(apply)

    def record_attempt(self, event_id: str, error: str) -> int:
        error = error[:MAX_ERROR]
        with self._store.lock:
            found = self._current().get(event_id)
            if found is None:
                raise NotFound("received event", event_id)
            tried = attrs.evolve(found, attempts=found.attempts + 1, last_error=error)
            self._pending[event_id] = tried

        def apply(store: InMemoryStore) -> None:
            stored = store.received_events.get(event_id, found)
            store.received_events[event_id] = attrs.evolve(
                stored, attempts=stored.attempts + 1, last_error=error
            )

        self._tx.ops.append(apply)
        return tried.attempts

    def pending_contacts(self, older_than_at: datetime, limit: int) -> builtins.list[str]:
        with self._store.lock:
            first: dict[str, datetime] = {}
            for e in self._current().values():
                if e.contact is None or e.processed_at is not None:
                    continue
                if e.received_at <= older_than_at:
                    first[e.contact] = min(first.get(e.contact, e.received_at), e.received_at)
        return sorted(first, key=lambda c: (first[c], c))[:limit]
