"""The assistant's conversations in memory, with the promises of their SQL tables: saves are
optimistic (the second of two turns saving one conversation raises ``StaleVersion``, at the
save or at the commit), entries are appended and never removed, reads are copies, and a list
leaves the entries out."""

from __future__ import annotations

import builtins
from uuid import UUID

from perla_adapters.memory.store import InMemoryStore, Transaction, copy_of
from perla_core.assistant.model import AssistantConversation
from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion
from perla_core.kernel.pagination import Page, PageRequest


class InMemoryAssistantConversationRepository:
    """Assistant conversations. Joins the unit of work's transaction; never commits. Every
    conversation added, read by ``get`` or saved is touched, so its events reach the outbox
    on commit."""

    def __init__(self, store: InMemoryStore, tx: Transaction) -> None:
        self._store = store
        self._tx = tx
        self._pending: dict[UUID, AssistantConversation] = {}

    def _current(self) -> dict[UUID, AssistantConversation]:
        return {**self._store.assistant_conversations, **self._pending}

    def add(self, conversation: AssistantConversation) -> None:
        """Raises :class:`AlreadyExists` (field ``id``) when the id is taken."""
        with self._store.lock:
            if conversation.id in self._current():
                raise _taken(conversation)
            conversation.version = 1
            self._stage(conversation, base_version=None)

    def save(self, conversation: AssistantConversation) -> None:
        """Raises :class:`StaleVersion` when another turn saved first, :class:`NotFound` when
        the conversation was never added, and ``ValueError`` when it holds fewer entries than
        are stored (a conversation from :meth:`for_owner` has none loaded)."""
        with self._store.lock:
            stored = self._current().get(conversation.id)
            if stored is None:
                raise NotFound("assistant conversation", conversation.id)
            if stored.version != conversation.version:
                raise StaleVersion(
                    "assistant conversation",
                    conversation.id,
                    conversation.version,
                    stored.version,
                )
            _check_appended(conversation, stored)
            base = conversation.version
            conversation.version = base + 1
            self._stage(conversation, base_version=base)

    def _stage(self, conversation: AssistantConversation, base_version: int | None) -> None:
        snapshot = copy_of(conversation)
        snapshot.events.clear()
        if snapshot.first_entry:
            head = self._current()[conversation.id].entries[: snapshot.first_entry]
            snapshot.entries = [*head, *snapshot.entries]
            snapshot.first_entry = 0
        self._pending[conversation.id] = snapshot
        self._tx.touch(conversation)

        def apply(store: InMemoryStore) -> None:
            stored = store.assistant_conversations.get(conversation.id)
            actual = None if stored is None else stored.version
            if actual != base_version:
                if base_version is None:
                    raise _taken(conversation)
                raise StaleVersion("assistant conversation", conversation.id, base_version, actual)
            store.assistant_conversations[conversation.id] = snapshot

        self._tx.ops.append(apply)

    def get(self, conversation_id: UUID, *, recent: int | None = None) -> AssistantConversation:
        with self._store.lock:
            stored = self._current().get(conversation_id)
        if stored is None:
            raise NotFound("assistant conversation", conversation_id)
        conversation = copy_of(stored)
        if recent is not None and len(conversation.entries) > recent:
            conversation.first_entry = len(conversation.entries) - recent
            conversation.entries = conversation.entries[conversation.first_entry :]
        self._tx.touch(conversation)
        return conversation

    def for_owner(self, owner: str, page: PageRequest) -> Page[AssistantConversation]:
        """Most recently updated first, then newest id; entries not loaded."""
        with self._store.lock:
            rows = [c for c in self._current().values() if c.owner == owner]
        rows.sort(key=lambda c: (c.updated_at, c.id.int), reverse=True)
        listed: builtins.list[AssistantConversation] = []
        for stored in rows[page.offset : page.offset + page.limit]:
            conversation = copy_of(stored)
            conversation.entries.clear()
            listed.append(conversation)
        return Page(listed, len(rows), page.limit, page.offset)


def _check_appended(conversation: AssistantConversation, stored: AssistantConversation) -> None:
    if conversation.first_entry + len(conversation.entries) < len(stored.entries):
        raise ValueError(
            f"assistant conversation {conversation.id} has {len(conversation.entries)}"
            f" entries, {len(stored.entries)} are stored: entries are never removed"
        )


def _taken(conversation: AssistantConversation) -> AlreadyExists:
    return AlreadyExists(f"assistant conversation {conversation.id} already exists", field="id")


__all__ = ["InMemoryAssistantConversationRepository"]
