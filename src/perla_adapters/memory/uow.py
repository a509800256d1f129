"""The in-memory unit of work and repositories.

Committed state lives in an :class:`InMemoryStore` shared by every unit of work made from it
(as a database is shared by sessions). A unit of work reads copies, stages its writes and
applies them on ``commit`` under a lock, re-checking versions, so two units of work editing
one aggregate behave as they do on PostgreSQL: the second commit raises ``StaleVersion``.
Credentials, commercial policies with the global rules, and supplier requests live in
:mod:`perla_adapters.memory.credentials`, :mod:`perla_adapters.memory.policies` and
:mod:`perla_adapters.memory.suppliers`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Self
from uuid import UUID

import attrs

from perla_adapters.memory.assistant import InMemoryAssistantConversationRepository
from perla_adapters.memory.campaigns import InMemoryCampaignRepository, InMemoryOptOutRegistry
from perla_adapters.memory.catalogue import InMemoryProductRepository
from perla_adapters.memory.conversations import (
    InMemoryConversationRepository,
    InMemoryReceivedEventRepository,
)
from perla_adapters.memory.credentials import InMemoryCredentialRepository
from perla_adapters.memory.customers import (
    InMemoryAssignmentStateRepository,
    InMemoryCartRepository,
    InMemoryCustomerAccountRepository,
    InMemoryCustomerGroupRepository,
    InMemoryManagerRepository,
    InMemoryOrderRepository,
    InMemoryTitleRepository,
)
from perla_adapters.memory.dashboard import InMemoryDashboardReader
from perla_adapters.memory.documents import (
    InMemoryBillingDocumentRepository,
    InMemoryDocumentNumbering,
)
from perla_adapters.memory.financing import InMemoryFinancingRateRepository
from perla_adapters.memory.inquiries import (
    InMemoryInquiryRepository,
    InMemoryUnmatchedEmailRepository,
)
from perla_adapters.memory.metrics import InMemoryMetricsReader
from perla_adapters.memory.payments import InMemoryPaymentRepository
from perla_adapters.memory.policies import (
    InMemoryGlobalRulesRepository,
    InMemoryPolicyRepository,
)
from perla_adapters.memory.privacy import InMemoryPersonalDataRepository
from perla_adapters.memory.store import InMemoryStore, Transaction, copy_of
from perla_adapters.memory.suppliers import InMemorySupplierRequestRepository
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

__all__ = ["InMemoryStore", "InMemoryUnitOfWork"]


class InMemoryClientRepository:
    """Leads and clients; the tax id and the Dome customer code are unique."""

    def __init__(self, store: InMemoryStore, tx: Transaction) -> None:
        self._store = store
        self._tx = tx
        self._pending: dict[UUID, Client] = {}
        self.seen: list[Client] = []

    def _current(self) -> dict[UUID, Client]:
        return {**self._store.clients, **self._pending}

    def exists(self, client_id: UUID) -> bool:
        with self._store.lock:
            return client_id in self._current()

    def add(self, client: Client) -> None:
        with self._store.lock:
            if client.id in self._current():
                raise AlreadyExists(f"client {client.id} already exists", field="id")
            _check_unique(client, self._current().values())
            client.version = 1
            self._stage(client, base_version=None)

    def save(self, client: Client) -> None:
        with self._store.lock:
            stored = self._current().get(client.id)
            if stored is None:
                raise NotFound("client", client.id)
            if stored.version != client.version:
                raise StaleVersion("client", client.id, client.version, stored.version)
            _check_unique(client, self._current().values())
            base = client.version
            client.version = base + 1
            self._stage(client, base_version=base)

    def _stage(self, client: Client, base_version: int | None) -> None:
        snapshot = copy_of(client)
        snapshot.events.clear()
        self._pending[client.id] = snapshot
        self._see(client)

        def apply(store: InMemoryStore) -> None:
            stored = store.clients.get(client.id)
            actual = None if stored is None else stored.version
            if actual != base_version:
                raise StaleVersion("client", client.id, base_version or 0, actual)
            _check_unique(snapshot, store.clients.values())
            store.clients[client.id] = snapshot

        self._tx.ops.append(apply)

    def _see(self, client: Client) -> None:
        if client not in self.seen:
            self.seen.append(client)
        self._tx.touch(client)

    def get(self, client_id: UUID) -> Client:
        with self._store.lock:
            stored = self._current().get(client_id)
        if stored is None:
            raise NotFound("client", client_id)
        client = copy_of(stored)
        self._see(client)
        return client

    def by_tax_id(self, tax_id: TaxId) -> Client | None:
        with self._store.lock:
            found = next((c for c in self._current().values() if c.tax_id == tax_id), None)
        return copy_of(found) if found else None

    def list(self, query: ClientQuery) -> Page[Client]:
        with self._store.lock:
            rows = [c for c in self._current().values() if _matches(c, query)]
        rows.sort(key=lambda c: (c.created_at, c.id.int), reverse=True)
        start, stop = query.page.offset, query.page.offset + query.page.limit
        return Page(
            [copy_of(c) for c in rows[start:stop]], len(rows), query.page.limit, query.page.offset
        )


def _check_unique(client: Client, others: Iterable[Client]) -> None:
    """Another party holding the tax id or the Dome customer code already exists."""
    for other in others:
        if other.id == client.id:
            continue
        if client.tax_id is not None and other.tax_id == client.tax_id:
            raise AlreadyExists(f"tax id {client.tax_id} is taken", field="tax_id")
        code = client.dome_customer_code
        if code is not None and other.dome_customer_code == code:
            raise AlreadyExists(
                f"Dome customer {code} is another client's", field="dome_customer_code"
            )


def _matches(client: Client, q: ClientQuery) -> bool:
    return (
        (q.phase is None or client.phase is q.phase)
        and (q.lead_status is None or client.lead_status is q.lead_status)
        and (q.client_status is None or client.client_status is q.client_status)
        and (q.country is None or client.country == q.country)
        and (not q.text or fold(q.text) in client.search_text)
    )


class InMemoryApiKeyRepository:
    def __init__(self, store: InMemoryStore, tx: Transaction) -> None:
        self._store = store
        self._tx = tx
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
        snapshot = copy_of(key)
        self._pending[key.id] = snapshot
        self._tx.ops.append(lambda store: store.api_keys.__setitem__(key.id, snapshot))

    def get(self, key_id: UUID) -> ApiKey:
        found = self._current().get(key_id)
        if found is None:
            raise NotFound("api key", key_id)
        return copy_of(found)

    def by_prefix(self, prefix: str) -> ApiKey | None:
        found = next((k for k in self._current().values() if k.prefix == prefix), None)
        return copy_of(found) if found else None

    def list(self) -> list[ApiKey]:
        return sorted((copy_of(k) for k in self._current().values()), key=lambda k: k.created_at)


class InMemoryOutboxRepository:
    def __init__(self, store: InMemoryStore, tx: Transaction) -> None:
        self._store = store
        self._tx = tx
        self._pending: dict[UUID, OutboxMessage] = {}
        self.claimed: set[UUID] = set()

    def _current(self) -> dict[UUID, OutboxMessage]:
        return {**self._store.outbox, **self._pending}

    def add(self, messages: Iterable[OutboxMessage]) -> None:
        for message in messages:
            self._put(message)

    def _put(self, message: OutboxMessage) -> None:
        self._pending[message.id] = message
        self._tx.ops.append(lambda store: store.outbox.__setitem__(message.id, message))

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
    def __init__(self, store: InMemoryStore, tx: Transaction) -> None:
        self._store = store
        self._tx = tx
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

        self._tx.ops.append(apply)


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
        claims = getattr(self, "inquiries", None)
        if claims is not None:
            claims.release()
        locks = getattr(self, "conversations", None)
        if locks is not None:
            locks.release()
        recipients = getattr(self, "campaigns", None)
        if recipients is not None:
            recipients.release()
        self._tx = Transaction()
        self.clients = InMemoryClientRepository(self.store, self._tx)
        self.api_keys = InMemoryApiKeyRepository(self.store, self._tx)
        self.credentials = InMemoryCredentialRepository(self.store, self._tx, self.clients.exists)
        self.policies = InMemoryPolicyRepository(self.store, self._tx, self.clients.exists)
        self.global_rules = InMemoryGlobalRulesRepository(self.store, self._tx)
        self.supplier_requests = InMemorySupplierRequestRepository(self.store, self._tx)
        self.outbox = InMemoryOutboxRepository(self.store, self._tx)
        self.processed = InMemoryProcessedMessages(self.store, self._tx)
        self.inquiries = InMemoryInquiryRepository(self.store, self._tx)
        self.unmatched_emails = InMemoryUnmatchedEmailRepository(self.store, self._tx)
        self.customer_accounts = InMemoryCustomerAccountRepository(
            self.store, self._tx, self.clients.exists
        )
        self.titles = InMemoryTitleRepository(self.store, self._tx)
        self.customer_groups = InMemoryCustomerGroupRepository(self.store, self._tx)
        self.managers = InMemoryManagerRepository(self.store, self._tx)
        self.orders = InMemoryOrderRepository(self.store, self._tx, self.clients.exists)
        self.carts = InMemoryCartRepository(self.store, self._tx, self.clients.exists)
        self.assignment_state = InMemoryAssignmentStateRepository(self.store, self._tx)
        self.conversations = InMemoryConversationRepository(self.store, self._tx)
        self.received_events = InMemoryReceivedEventRepository(self.store, self._tx)
        self.products = InMemoryProductRepository(self.store, self._tx)
        self.payments = InMemoryPaymentRepository(self.store, self._tx, self.orders.exists)
        self.financing_rates = InMemoryFinancingRateRepository(self.store, self._tx)
        self.document_numbers = InMemoryDocumentNumbering(self.store, self._tx)
        self.billing_documents = InMemoryBillingDocumentRepository(self.store, self._tx)
        self.metrics = InMemoryMetricsReader(self.store)
        self.campaigns = InMemoryCampaignRepository(self.store, self._tx)
        self.opt_outs = InMemoryOptOutRegistry(self.store, self._tx)
        self.dashboard = InMemoryDashboardReader(self.store)
        self.assistant_conversations = InMemoryAssistantConversationRepository(self.store, self._tx)
        self.personal_data = InMemoryPersonalDataRepository(self.store, self._tx)

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
        """Apply the staged writes and the events of every aggregate touched (clients,
        credentials, policies, supplier requests, in the order they were touched) to the
        store, all or none."""
        events = drain_events(self._tx.touched)
        self.outbox.add(messages_for(events, self._clock, self._ids))
        with self.store.lock:
            backup = self.store.snapshot()
            try:
                for op in self._tx.ops:
                    op(self.store)
            except BaseException:
                self.store.restore(backup)
                self._begin()
                raise
        self._begin()

    def rollback(self) -> None:
        for aggregate in self._tx.touched:
            aggregate.events.clear()
        self._begin()
