"""The unit of work and repositories on SQLAlchemy Core (SQLite or PostgreSQL).

``with uow:`` takes one connection from the engine and begins a transaction; repositories run
``select()`` / ``insert()`` / ``update()`` on that connection and never commit. ``commit()``
first writes the events of every aggregate the repositories touched (clients, credentials,
policies, supplier requests, inquiries, unmatched e-mails, in the order they were touched)
to the outbox, then commits, then begins the next transaction on the same connection. Leaving
the block rolls back whatever was not committed and returns the connection to the pool.

Optimistic concurrency is one statement: ``UPDATE ... WHERE id = :id AND version = :seen``.
When no row matches, someone else saved first and :class:`StaleVersion` says at which version.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Self
from uuid import UUID

from sqlalchemy import (
    Connection,
    Engine,
    Insert,
    Table,
    Update,
    exists,
    false,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from perla_adapters.memory.store import TouchedAggregates
from perla_adapters.sql.assistant import SqlAlchemyAssistantConversationRepository
from perla_adapters.sql.campaigns import SqlAlchemyCampaignRepository, SqlAlchemyOptOutRegistry
from perla_adapters.sql.catalogue import SqlAlchemyProductRepository
from perla_adapters.sql.conversations import (
    SqlAlchemyConversationRepository,
    SqlAlchemyReceivedEventRepository,
)
from perla_adapters.sql.credentials import SqlAlchemyCredentialRepository
from perla_adapters.sql.customers import (
    SqlAlchemyAssignmentStateRepository,
    SqlAlchemyCartRepository,
    SqlAlchemyCustomerAccountRepository,
    SqlAlchemyCustomerGroupRepository,
    SqlAlchemyManagerRepository,
    SqlAlchemyOrderRepository,
    SqlAlchemyPaymentRepository,
    SqlAlchemyTitleRepository,
)
from perla_adapters.sql.dashboard import SqlAlchemyDashboardReader
from perla_adapters.sql.documents import (
    SqlAlchemyBillingDocumentRepository,
    SqlAlchemyDocumentNumbering,
)
from perla_adapters.sql.financing import SqlAlchemyFinancingRateRepository
from perla_adapters.sql.inquiries import (
    SqlAlchemyInquiryRepository,
    SqlAlchemyUnmatchedEmailRepository,
)
from perla_adapters.sql.metrics import SqlAlchemyMetricsReader
from perla_adapters.sql.policies import (
    SqlAlchemyGlobalRulesRepository,
    SqlAlchemyPolicyRepository,
)
from perla_adapters.sql.privacy import SqlAlchemyPersonalDataRepository
from perla_adapters.sql.serialization import (
    api_key_from_row,
    api_key_to_row,
    client_from_row,
    client_to_row,
    outbox_from_row,
    outbox_to_row,
)
from perla_adapters.sql.suppliers import SqlAlchemySupplierRequestRepository
from perla_adapters.sql.tables import api_keys, clients, outbox, processed_messages
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


def _stored_version(conn: Connection, table: Table, ident: UUID) -> int | None:
    return conn.scalar(select(table.c.version).where(table.c.id == ident))


def _first(conn: Connection, table: Table, *where: ColumnElement[bool]) -> RowMapping | None:
    return conn.execute(select(table).where(*where)).mappings().first()


class SqlAlchemyClientRepository:
    """Leads and clients in the ``clients`` table; tax id and Dome customer code unique."""

    def __init__(self, conn: Connection, touched: TouchedAggregates) -> None:
        self._conn = conn
        self._touched = touched
        self.seen: list[Client] = []

    def add(self, client: Client) -> None:
        if _stored_version(self._conn, clients, client.id) is not None:
            raise AlreadyExists(f"client {client.id} already exists", field="id")
        self._check_unique(client)
        row = client_to_row(client) | {"version": 1}
        self._write(insert(clients).values(row), client)
        client.version = 1
        self._see(client)

    def save(self, client: Client) -> None:
        self._check_unique(client)
        base = client.version
        row = client_to_row(client) | {"version": base + 1}
        del row["id"]
        statement = (
            update(clients).where(clients.c.id == client.id, clients.c.version == base).values(row)
        )
        if self._write(statement, client) == 0:
            actual = _stored_version(self._conn, clients, client.id)
            if actual is None:
                raise NotFound("client", client.id)
            raise StaleVersion("client", client.id, base, actual)
        client.version = base + 1
        self._see(client)

    def _write(self, statement: Insert | Update, client: Client) -> int:
        try:
            return self._conn.execute(statement).rowcount
        except IntegrityError as exc:
            # A concurrent transaction took the id, the tax id or the Dome customer code
            # between our check and our write.
            if "tax_id" in str(exc.orig):
                raise AlreadyExists(f"tax id {client.tax_id} is taken", field="tax_id") from exc
            if "dome_customer_code" in str(exc.orig):
                raise _dome_code_taken(client) from exc
            raise AlreadyExists(f"client {client.id} already exists", field="id") from exc

    def _check_unique(self, client: Client) -> None:
        if client.tax_id is not None:
            other = self._conn.scalar(
                select(clients.c.id).where(*_tax_id_is(client.tax_id), clients.c.id != client.id)
            )
            if other is not None:
                raise AlreadyExists(f"tax id {client.tax_id} is taken", field="tax_id")
        if client.dome_customer_code is not None:
            other = self._conn.scalar(
                select(clients.c.id).where(
                    clients.c.dome_customer_code == client.dome_customer_code,
                    clients.c.id != client.id,
                )
            )
            if other is not None:
                raise _dome_code_taken(client)

    def _see(self, client: Client) -> None:
        if client not in self.seen:
            self.seen.append(client)
        self._touched.touch(client)

    def get(self, client_id: UUID) -> Client:
        row = _first(self._conn, clients, clients.c.id == client_id)
        if row is None:
            raise NotFound("client", client_id)
        client = client_from_row(row)
        self._see(client)
        return client

    def by_tax_id(self, tax_id: TaxId) -> Client | None:
        row = _first(self._conn, clients, *_tax_id_is(tax_id))
        return None if row is None else client_from_row(row)

    def list(self, query: ClientQuery) -> Page[Client]:
        conditions = _client_filters(query)
        total = self._conn.scalar(select(func.count()).select_from(clients).where(*conditions))
        rows = self._conn.execute(
            select(clients)
            .where(*conditions)
            .order_by(clients.c.created_at.desc(), clients.c.id.desc())
            .limit(query.page.limit)
            .offset(query.page.offset)
        ).mappings()
        return Page(
            [client_from_row(row) for row in rows],
            total or 0,
            query.page.limit,
            query.page.offset,
        )


def _dome_code_taken(client: Client) -> AlreadyExists:
    return AlreadyExists(
        f"Dome customer {client.dome_customer_code} is another client's",
        field="dome_customer_code",
    )


def _tax_id_is(tax_id: TaxId) -> tuple[ColumnElement[bool], ...]:
    return (clients.c.tax_id_country == tax_id.country, clients.c.tax_id_number == tax_id.number)


def _client_filters(query: ClientQuery) -> builtins.list[ColumnElement[bool]]:
    conditions: builtins.list[ColumnElement[bool]] = []
    if query.phase is not None:
        conditions.append(clients.c.phase == query.phase.value)
    if query.lead_status is not None:
        conditions.append(clients.c.lead_status == query.lead_status.value)
    if query.client_status is not None:
        conditions.append(clients.c.client_status == query.client_status.value)
    if query.country is not None:
        conditions.append(clients.c.country == query.country)
    if query.text:
        conditions.append(clients.c.search_text.contains(fold(query.text), autoescape=True))
    return conditions


class SqlAlchemyApiKeyRepository:
    """API keys in the ``api_keys`` table; the prefix is unique."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, key: ApiKey) -> None:
        if self.by_prefix(key.prefix) is not None:
            raise AlreadyExists("an API key with this prefix exists", field="prefix")
        try:
            self._conn.execute(insert(api_keys).values(api_key_to_row(key) | {"version": 1}))
        except IntegrityError as exc:
            raise AlreadyExists("an API key with this prefix exists", field="prefix") from exc
        key.version = 1

    def save(self, key: ApiKey) -> None:
        base = key.version
        row = api_key_to_row(key) | {"version": base + 1}
        del row["id"]
        result = self._conn.execute(
            update(api_keys).where(api_keys.c.id == key.id, api_keys.c.version == base).values(row)
        )
        if result.rowcount == 0:
            actual = _stored_version(self._conn, api_keys, key.id)
            if actual is None:
                raise NotFound("api key", key.id)
            raise StaleVersion("api key", key.id, base, actual)
        key.version = base + 1

    def get(self, key_id: UUID) -> ApiKey:
        row = _first(self._conn, api_keys, api_keys.c.id == key_id)
        if row is None:
            raise NotFound("api key", key_id)
        return api_key_from_row(row)

    def by_prefix(self, prefix: str) -> ApiKey | None:
        row = _first(self._conn, api_keys, api_keys.c.prefix == prefix)
        return None if row is None else api_key_from_row(row)

    def list(self) -> builtins.list[ApiKey]:
        rows = self._conn.execute(
            select(api_keys).order_by(api_keys.c.created_at, api_keys.c.id)
        ).mappings()
        return [api_key_from_row(row) for row in rows]


class SqlAlchemyOutboxRepository:
    """Outbox rows; ``claim_pending`` locks what it returns (``SKIP LOCKED`` on PostgreSQL)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, messages: Iterable[OutboxMessage]) -> None:
        rows = [outbox_to_row(m) for m in messages]
        if rows:
            self._conn.execute(insert(outbox), rows)

    def get(self, message_id: UUID) -> OutboxMessage:
        """The message, its row locked until the transaction ends (``FOR UPDATE``; SQLite
        serialises writes anyway): a second delivery of the same message (the worker's retry
        and the relay's, at once) waits for the first and then finds its handlers recorded,
        instead of running them alongside it. The relay's claim skips a locked row."""
        row = (
            self._conn.execute(select(outbox).where(outbox.c.id == message_id).with_for_update())
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound("outbox message", message_id)
        return outbox_from_row(row)

    def claim_pending(self, now: datetime, limit: int) -> builtins.list[OutboxMessage]:
        """Due messages (pending, or dispatched with an expired lease), oldest first, locked
        until the transaction ends.

        PostgreSQL locks the rows and another relay's claim skips them (``FOR UPDATE SKIP
        LOCKED``). SQLite has no row locks: the claim takes the database's write lock first,
        so a second relay, or a delivery writing ahead of this relay's commit, waits for it.
        """
        if self._conn.dialect.name == "sqlite":
            self._conn.execute(update(outbox).where(false()).values(status=outbox.c.status))
        due = func.coalesce(outbox.c.available_at, outbox.c.created_at)
        rows = self._conn.execute(
            select(outbox)
            .where(
                outbox.c.status.in_([OutboxStatus.PENDING.value, OutboxStatus.DISPATCHED.value]),
                due <= now,
            )
            .order_by(outbox.c.created_at, outbox.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).mappings()
        return [outbox_from_row(row) for row in rows]

    def mark(
        self,
        message_id: UUID,
        status: OutboxStatus,
        *,
        attempts: int | None = None,
        available_at: datetime | None = None,
        error: str | None = None,
    ) -> None:
        changes: dict[str, Any] = {"status": status.value}
        if attempts is not None:
            changes["attempts"] = attempts
        if available_at is not None:
            changes["available_at"] = available_at
        if error is not None:
            changes["last_error"] = error
        result = self._conn.execute(update(outbox).where(outbox.c.id == message_id).values(changes))
        if result.rowcount == 0:
            raise NotFound("outbox message", message_id)

    def for_aggregate(self, aggregate_id: UUID) -> builtins.list[OutboxMessage]:
        rows = self._conn.execute(
            select(outbox)
            .where(outbox.c.aggregate_id == aggregate_id)
            .order_by(outbox.c.created_at, outbox.c.id)
        ).mappings()
        return [outbox_from_row(row) for row in rows]

    def count_by_status(self) -> Mapping[OutboxStatus, int]:
        counts = dict.fromkeys(OutboxStatus, 0)
        rows = self._conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status))
        for status, count in rows:
            counts[OutboxStatus(status)] = count
        return counts


class SqlAlchemyProcessedMessages:
    """Idempotency keys: (outbox message id, handler name) is the primary key."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def seen(self, message_id: UUID, handler: str) -> bool:
        found = self._conn.scalar(
            select(
                exists().where(
                    processed_messages.c.message_id == message_id,
                    processed_messages.c.handler == handler,
                )
            )
        )
        return bool(found)

    def record(self, message_id: UUID, handler: str, at: datetime) -> None:
        try:
            self._conn.execute(
                insert(processed_messages).values(
                    message_id=message_id, handler=handler, processed_at=at
                )
            )
        except IntegrityError as exc:
            raise AlreadyExists(f"{handler} already processed {message_id}", field="id") from exc


class SqlAlchemyUnitOfWork:
    """One connection and transaction per ``with`` block (see the module docstring)."""

    clients: SqlAlchemyClientRepository
    api_keys: SqlAlchemyApiKeyRepository
    credentials: SqlAlchemyCredentialRepository
    policies: SqlAlchemyPolicyRepository
    global_rules: SqlAlchemyGlobalRulesRepository
    supplier_requests: SqlAlchemySupplierRequestRepository
    inquiries: SqlAlchemyInquiryRepository
    unmatched_emails: SqlAlchemyUnmatchedEmailRepository
    customer_accounts: SqlAlchemyCustomerAccountRepository
    titles: SqlAlchemyTitleRepository
    customer_groups: SqlAlchemyCustomerGroupRepository
    managers: SqlAlchemyManagerRepository
    assignment_state: SqlAlchemyAssignmentStateRepository
    orders: SqlAlchemyOrderRepository
    carts: SqlAlchemyCartRepository
    conversations: SqlAlchemyConversationRepository
    received_events: SqlAlchemyReceivedEventRepository
    products: SqlAlchemyProductRepository
    payments: SqlAlchemyPaymentRepository
    financing_rates: SqlAlchemyFinancingRateRepository
    document_numbers: SqlAlchemyDocumentNumbering
    billing_documents: SqlAlchemyBillingDocumentRepository
    outbox: SqlAlchemyOutboxRepository
    processed: SqlAlchemyProcessedMessages
    metrics: SqlAlchemyMetricsReader
    dashboard: SqlAlchemyDashboardReader
    campaigns: SqlAlchemyCampaignRepository
    opt_outs: SqlAlchemyOptOutRegistry
    assistant_conversations: SqlAlchemyAssistantConversationRepository

    def __init__(self, engine: Engine, clock: Clock, ids: IdGenerator) -> None:
        self.engine = engine
        self._clock = clock
        self._ids = ids
        self._conn: Connection | None = None

    def __enter__(self) -> Self:
        if self._conn is not None:
            raise RuntimeError("this unit of work is already open")
        self._conn = self.engine.connect()
        self._begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._discard()
        finally:
            conn, self._conn = self._conn, None
            if conn is not None:
                conn.close()

    def _open(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("use the unit of work inside `with uow:`")
        return self._conn

    def _begin(self) -> None:
        conn = self._open()
        conn.begin()
        self._touched = TouchedAggregates()
        self.clients = SqlAlchemyClientRepository(conn, self._touched)
        self.api_keys = SqlAlchemyApiKeyRepository(conn)
        self.credentials = SqlAlchemyCredentialRepository(conn, self._touched)
        self.policies = SqlAlchemyPolicyRepository(conn, self._touched)
        self.global_rules = SqlAlchemyGlobalRulesRepository(conn)
        self.supplier_requests = SqlAlchemySupplierRequestRepository(conn, self._touched)
        self.inquiries = SqlAlchemyInquiryRepository(conn, self._touched)
        self.unmatched_emails = SqlAlchemyUnmatchedEmailRepository(conn, self._touched)
        self.customer_accounts = SqlAlchemyCustomerAccountRepository(conn, self._touched)
        self.titles = SqlAlchemyTitleRepository(conn, self._touched)
        self.customer_groups = SqlAlchemyCustomerGroupRepository(conn, self._touched)
        self.managers = SqlAlchemyManagerRepository(conn, self._touched)
        self.assignment_state = SqlAlchemyAssignmentStateRepository(conn)
        self.orders = SqlAlchemyOrderRepository(conn, self._touched)
        self.carts = SqlAlchemyCartRepository(conn, self._touched)
        self.conversations = SqlAlchemyConversationRepository(conn, self._touched)
        self.received_events = SqlAlchemyReceivedEventRepository(conn)
        self.products = SqlAlchemyProductRepository(conn, self._touched)
        self.payments = SqlAlchemyPaymentRepository(conn)
        self.financing_rates = SqlAlchemyFinancingRateRepository(conn)
        self.document_numbers = SqlAlchemyDocumentNumbering(conn)
        self.billing_documents = SqlAlchemyBillingDocumentRepository(conn)
        self.outbox = SqlAlchemyOutboxRepository(conn)
        self.processed = SqlAlchemyProcessedMessages(conn)
        self.metrics = SqlAlchemyMetricsReader(conn)
        self.dashboard = SqlAlchemyDashboardReader(conn)
        self.campaigns = SqlAlchemyCampaignRepository(conn, self._touched)
        self.opt_outs = SqlAlchemyOptOutRegistry(conn)
        self.assistant_conversations = SqlAlchemyAssistantConversationRepository(
            conn, self._touched
        )
        self.personal_data = SqlAlchemyPersonalDataRepository(conn)

    def commit(self) -> None:
        conn = self._open()
        try:
            events = drain_events(self._touched)
            self.outbox.add(messages_for(events, self._clock, self._ids))
            conn.commit()
        except BaseException:
            self.rollback()
            raise
        self._begin()

    def rollback(self) -> None:
        if self._conn is not None:
            self._discard()
            self._begin()

    def _discard(self) -> None:
        if self._conn is None:
            return
        for aggregate in self._touched:
            aggregate.events.clear()
        self._conn.rollback()  # a no-op after a failed commit, which left no transaction
