"""The in-memory unit of work and repositories.

Committed state lives in an :class:`InMemoryStore` shared by every unit of work made from it
(as a database is shared by sessions). A unit of work reads copies, stages its writes and
applies them on ``commit`` under a lock, re-checking versions, so two units of work editing
one aggregate behave as they do on PostgreSQL: the second commit raises ``StaleVersion``.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Self, TypeVar
from uuid import UUID

import attrs

from perla_core.access.model import ApiKey
from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion
from perla_core.kernel.events import drain_events
from perla_core.kernel.pagination import Page
from perla_core.kernel.ports import Clock, IdGenerator
from perla_core.kernel.text import fold
from perla_core.kernel.values import TaxId
from perla_core.onboarding.model import Client
from perla_core.onboarding.ports import ClientQuery
from perla_core.outbox import OutboxMessage, OutboxStatus, messages_for


class InMemoryStore:
    """What a database would hold: committed aggregates, outbox rows, processed keys."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.clients: dict[UUID, Client] = {}
        self.api_keys: dict[UUID, ApiKey] = {}
        self.outbox: dict[UUID, OutboxMessage] = {}
        self.processed: dict[tuple[UUID, str], datetime] = {}
        self.claimed: set[UUID] = set()


class _Staged:
    """Writes of one transaction, applied to the store on commit."""

    def __init__(self) -> None:
        self.ops: list[Callable[[InMemoryStore], None]] = []


class InMemoryClientRepository:
    def __init__(self, store: InMemoryStore, staged: _Staged) -> None:
        self._store = store
        self._staged = staged
        self._pending: dict[UUID, Client] = {}
        self.seen: list[Client] = []

    def _current(self) -> dict[UUID, Client]:
        return {**self._store.clients, **self._pending}

    def add(self, client: Client) -> None:
        with self._store.lock:
            if client.id in self._current():
                raise AlreadyExists(f"client {client.id} already exists", field="id")
            self._check_tax_id(client)
            client.version = 1
            self._stage(client, base_version=None)

    def save(self, client: Client) -> None:
        with self._store.lock:
            stored = self._current().get(client.id)
            if stored is None:
                raise NotFound("client", client.id)
            if stored.version != client.version:
                raise StaleVersion("client", client.id, client.version, stored.version)
            self._check_tax_id(client)
            base = client.version
            client.version = base + 1
            self._stage(client, base_version=base)

    def _stage(self, client: Client, base_version: int | None) -> None:
        snapshot = _copy(client)
        snapshot.events.clear()
        self._pending[client.id] = snapshot
        if client not in self.seen:
            self.seen.append(client)

        def apply(store: InMemoryStore) -> None:
            stored = store.clients.get(client.id)
            actual = None if stored is None else stored.version
            if actual != base_version:
                raise StaleVersion("client", client.id, base_version or 0, actual)
            if snapshot.tax_id is not None:
                for other in store.clients.values():
                    if other.id != snapshot.id and other.tax_id == snapshot.tax_id:
                        raise AlreadyExists(f"tax id {snapshot.tax_id} is taken", field="tax_id")
            store.clients[client.id] = snapshot

        self._staged.ops.append(apply)

    def _check_tax_id(self, client: Client) -> None:
        if client.tax_id is None:
            return
        other = self.by_tax_id(client.tax_id)
        if other is not None and other.id != client.id:
            raise AlreadyExists(f"tax id {client.tax_id} is taken", field="tax_id")

    def get(self, client_id: UUID) -> Client:
        with self._store.lock:
            stored = self._current().get(client_id)
        if stored is None:
            raise NotFound("client", client_id)
        client = _copy(stored)
        self.seen.append(client)
        return client

    def by_tax_id(self, tax_id: TaxId) -> Client | None:
        with self._store.lock:
            found = next((c for c in self._current().values() if c.tax_id == tax_id), None)
        return _copy(found) if found else None

    def list(self, query: ClientQuery) -> Page[Client]:
        with self._store.lock:
            rows = [c for c in self._current().values() if _matches(c, query)]
        rows.sort(key=lambda c: (c.created_at, c.id.int), reverse=True)
        start, stop = query.page.offset, query.page.offset + query.page.limit
        return Page(
            [_copy(c) for c in rows[start:stop]], len(rows), query.page.limit, query.page.offset
        )


def search_text(client: Client) -> str:
    """What a text query is matched against (the SQL adapter stores the same string)."""
    parts = [
        client.trade_name,
        client.legal_name or "",
        client.email.value if client.email else "",
        client.tax_id.number if client.tax_id else "",
    ]
    return fold(" ".join(parts))


def _matches(client: Client, q: ClientQuery) -> bool:
    return (
        (q.phase is None or client.phase is q.phase)
        and (q.lead_status is None or client.lead_status is q.lead_status)
        and (q.client_status is None or client.client_status is q.client_status)
        and (q.country is None or client.country == q.country)
        and (not q.text or fold(q.text) in search_text(client))
    )


T = TypeVar("T")


def _copy(obj: T) -> T:
    return copy.deepcopy(obj)


class InMemoryApiKeyRepository:
    def __init__(self, store: InMemoryStore, staged: _Staged) -> None:
        self._store = store
        self._staged = staged
        self._pending: dict[UUID, ApiKey] = {}

    def _current(self) -> dict[UUID, ApiKey]:
        return {**self._store.api_keys, **self._pending}

    def add(self, key: ApiKey) -> None:
        if any(k.prefix == key.prefix for k in self._current().values()):
            raise AlreadyExists("an API key with this prefix exists", field="prefix")
        key.version = 1
        self._stage(key)

    def save(self, key: ApiKey) -> None:
        stored = self._current().get(key.id)
        if stored is None:
            raise NotFound("api key", key.id)
        if stored.version != key.version:
            raise StaleVersion("api key", key.id, key.version, stored.version)
        key.version += 1
        self._stage(key)

    def _stage(self, key: ApiKey) -> None:
        snapshot = _copy(key)
        self._pending[key.id] = snapshot
        self._staged.ops.append(lambda store: store.api_keys.__setitem__(key.id, snapshot))

    def get(self, key_id: UUID) -> ApiKey:
        found = self._current().get(key_id)
        if found is None:
            raise NotFound("api key", key_id)
        return _copy(found)

    def by_prefix(self, prefix: str) -> ApiKey | None:
        found = next((k for k in self._current().values() if k.prefix == prefix), None)
        return _copy(found) if found else None

    def list(self) -> list[ApiKey]:
        return sorted((_copy(k) for k in self._current().values()), key=lambda k: k.created_at)


class InMemoryOutboxRepository:
    def __init__(self, store: InMemoryStore, staged: _Staged) -> None:
        self._store = store
        self._staged = staged
        self._pending: dict[UUID, OutboxMessage] = {}
        self.claimed: set[UUID] = set()

    def _current(self) -> dict[UUID, OutboxMessage]:
        return {**self._store.outbox, **self._pending}

    def add(self, messages: Iterable[OutboxMessage]) -> None:
        for message in messages:
            self._put(message)

    def _put(self, message: OutboxMessage) -> None:
        self._pending[message.id] = message
        self._staged.ops.append(lambda store: store.outbox.__setitem__(message.id, message))

    def get(self, message_id: UUID) -> OutboxMessage:
        found = self._current().get(message_id)
        if found is None:
            raise NotFound("outbox message", message_id)
        return found

    def claim_pending(self, now: datetime, limit: int) -> list[OutboxMessage]:
        with self._store.lock:
            due = [
                m
                for m in self._current().values()
                if m.status in (OutboxStatus.PENDING, OutboxStatus.DISPATCHED)
                and (m.available_at or m.created_at) <= now
                and (m.id not in self._store.claimed or m.id in self.claimed)
            ]
            due.sort(key=lambda m: (m.created_at, m.id.int))
            taken = due[:limit]
            # Like SELECT ... FOR UPDATE SKIP LOCKED: other units of work skip these rows
            # until this one ends.
            for m in taken:
                self.claimed.add(m.id)
                self._store.claimed.add(m.id)
        return taken

    def release(self) -> None:
        with self._store.lock:
            self._store.claimed.difference_update(self.claimed)
        self.claimed.clear()

    def mark(
        self,
        message_id: UUID,
        status: OutboxStatus,
        *,
        attempts: int | None = None,
        available_at: datetime | None = None,
        error: str | None = None,
    ) -> None:
        message = self.get(message_id)
        changes: dict[str, Any] = {"status": status}
        if attempts is not None:
            changes["attempts"] = attempts
        if available_at is not None:
            changes["available_at"] = available_at
        if error is not None:
            changes["last_error"] = error
        self._put(attrs.evolve(message, **changes))

    def for_aggregate(self, aggregate_id: UUID) -> list[OutboxMessage]:
        rows = [m for m in self._current().values() if m.aggregate_id == aggregate_id]
        return sorted(rows, key=lambda m: (m.created_at, m.id.int))

    def count_by_status(self) -> Mapping[OutboxStatus, int]:
        counts = dict.fromkeys(OutboxStatus, 0)
        for m in self._current().values():
            counts[m.status] += 1
        return counts


class InMemoryProcessedMessages:
    def __init__(self, store: InMemoryStore, staged: _Staged) -> None:
        self._store = store
        self._staged = staged
        self._pending: set[tuple[UUID, str]] = set()

    def seen(self, message_id: UUID, handler: str) -> bool:
        key = (message_id, handler)
        return key in self._pending or key in self._store.processed

    def record(self, message_id: UUID, handler: str, at: datetime) -> None:
        key = (message_id, handler)
        self._pending.add(key)

        def apply(store: InMemoryStore) -> None:
            if key in store.processed:
                raise AlreadyExists(f"{handler} already processed {message_id}", field="id")
            store.processed[key] = at

        self._staged.ops.append(apply)


class InMemoryUnitOfWork:
    """A unit of work over an :class:`InMemoryStore` (see the module docstring)."""

    def __init__(self, store: InMemoryStore, clock: Clock, ids: IdGenerator) -> None:
        self.store = store
        self._clock = clock
        self._ids = ids
        self._begin()

    def _begin(self) -> None:
        previous = getattr(self, "outbox", None)
        if previous is not None:
            previous.release()
        self._staged = _Staged()
        self.clients = InMemoryClientRepository(self.store, self._staged)
        self.api_keys = InMemoryApiKeyRepository(self.store, self._staged)
        self.outbox = InMemoryOutboxRepository(self.store, self._staged)
        self.processed = InMemoryProcessedMessages(self.store, self._staged)

    def __enter__(self) -> Self:
        self._begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        events = drain_events(self.clients.seen)
        self.outbox.add(messages_for(events, self._clock, self._ids))
        with self.store.lock:
            backup = (
                dict(self.store.clients),
                dict(self.store.api_keys),
                dict(self.store.outbox),
                dict(self.store.processed),
            )
            try:
                for op in self._staged.ops:
                    op(self.store)
            except BaseException:
                (
                    self.store.clients,
                    self.store.api_keys,
                    self.store.outbox,
                    self.store.processed,
                ) = backup
                self._begin()
                raise
        self._begin()

    def rollback(self) -> None:
        for client in self.clients.seen:
            client.events.clear()
        self._begin()
