"""A dict-backed fake of :class:`PolicyUnitOfWork` for the policy unit tests.

It keeps the promises the real adapters keep: a unit of work works on a copy, only ``commit``
publishes it (with the events of the aggregates it saw), ``save`` is optimistic, one policy per
client. The published events land in ``store.published`` in order.
"""

from __future__ import annotations

import builtins
import copy
from datetime import UTC, datetime
from types import TracebackType
from typing import Self, TypeVar
from uuid import UUID

from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion
from perla_core.kernel.events import drain_events
from perla_core.kernel.pagination import Page
from perla_core.kernel.values import Email, TaxId
from perla_core.onboarding.model import Address, BusinessType, Client
from perla_core.onboarding.ports import ClientQuery
from perla_core.policies.model import CommercialPolicy, GlobalRules

REGISTERED_AT = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)


class FakeStore:
    """What a database would hold."""

    def __init__(self) -> None:
        self.clients: dict[UUID, Client] = {}
        self.policies: dict[UUID, CommercialPolicy] = {}
        self.global_rules = GlobalRules()
        self.published: list[object] = []
        self.commits = 0


class _State:
    def __init__(
        self,
        clients: dict[UUID, Client],
        policies: dict[UUID, CommercialPolicy],
        global_rules: GlobalRules,
    ) -> None:
        self.clients = clients
        self.policies = policies
        self.global_rules = global_rules

    @classmethod
    def of(cls, store: FakeStore) -> _State:
        return cls(copy.deepcopy(store.clients), copy.deepcopy(store.policies), store.global_rules)


class FakeClientRepository:
    def __init__(self, state: _State) -> None:
        self._state = state
        self._seen: list[Client] = []

    @property
    def seen(self) -> builtins.list[Client]:
        return self._seen

    def add(self, client: Client) -> None:
        if client.id in self._state.clients:
            raise AlreadyExists(f"client {client.id} already exists", field="id")
        client.version = 1
        self._state.clients[client.id] = _stored(client)
        self._seen.append(client)

    def save(self, client: Client) -> None:
        stored = self._state.clients.get(client.id)
        if stored is None:
            raise NotFound("client", client.id)
        if stored.version != client.version:
            raise StaleVersion("client", client.id, client.version, stored.version)
        client.version += 1
        self._state.clients[client.id] = _stored(client)

    def get(self, client_id: UUID) -> Client:
        stored = self._state.clients.get(client_id)
        if stored is None:
            raise NotFound("client", client_id)
        client = copy.deepcopy(stored)
        self._seen.append(client)
        return client

    def by_tax_id(self, tax_id: TaxId) -> Client | None:
        found = next((c for c in self._state.clients.values() if c.tax_id == tax_id), None)
        return copy.deepcopy(found)

    def list(self, query: ClientQuery) -> Page[Client]:
        rows = sorted(self._state.clients.values(), key=lambda c: c.id.int)
        start, stop = query.page.offset, query.page.offset + query.page.limit
        return Page(
            [copy.deepcopy(c) for c in rows[start:stop]],
            len(rows),
            query.page.limit,
            query.page.offset,
        )


class FakePolicyRepository:
    def __init__(self, state: _State) -> None:
        self._state = state
        self._seen: list[CommercialPolicy] = []

    @property
    def seen(self) -> builtins.list[CommercialPolicy]:
        return self._seen

    def get_for_client(self, client_id: UUID) -> CommercialPolicy | None:
        stored = self._state.policies.get(client_id)
        if stored is None:
            return None
        policy = copy.deepcopy(stored)
        self._seen.append(policy)
        return policy

    def add(self, policy: CommercialPolicy) -> None:
        if policy.client_id in self._state.policies:
            raise AlreadyExists(
                f"client {policy.client_id} already has a policy", field="client_id"
            )
        policy.version = 1
        self._state.policies[policy.client_id] = _stored(policy)
        self._seen.append(policy)

    def save(self, policy: CommercialPolicy) -> None:
        stored = self._state.policies.get(policy.client_id)
        if stored is None:
            raise NotFound("commercial policy", policy.client_id)
        if stored.version != policy.version:
            raise StaleVersion(
                "commercial policy", policy.client_id, policy.version, stored.version
            )
        if policy.audit[: len(stored.audit)] != stored.audit:
            raise AssertionError("audit entries are append-only")
        policy.version += 1
        self._state.policies[policy.client_id] = _stored(policy)
        if policy not in self._seen:
            self._seen.append(policy)

    def due_scheduled(self, now: datetime) -> builtins.list[UUID]:
        return sorted(
            (cid for cid, p in self._state.policies.items() if p.due_changes(now)),
            key=lambda cid: cid.int,
        )


class FakeGlobalRulesRepository:
    def __init__(self, state: _State) -> None:
        self._state = state

    def get(self) -> GlobalRules:
        return self._state.global_rules

    def save(self, rules: GlobalRules) -> None:
        self._state.global_rules = rules


class FakePolicyUnitOfWork:
    """Rollback unless committed; commit publishes the staged state and the events."""

    def __init__(self, store: FakeStore | None = None) -> None:
        self.store = store or FakeStore()
        self._begin()

    def _begin(self) -> None:
        self._state = _State.of(self.store)
        self._clients = FakeClientRepository(self._state)
        self._policies = FakePolicyRepository(self._state)
        self._global_rules = FakeGlobalRulesRepository(self._state)

    @property
    def clients(self) -> FakeClientRepository:
        return self._clients

    @property
    def policies(self) -> FakePolicyRepository:
        return self._policies

    @property
    def global_rules(self) -> FakeGlobalRulesRepository:
        return self._global_rules

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
        events = drain_events([*self._clients.seen, *self._policies.seen])
        self.store.clients = self._state.clients
        self.store.policies = self._state.policies
        self.store.global_rules = self._state.global_rules
        self.store.published.extend(events)
        self.store.commits += 1
        self._begin()

    def rollback(self) -> None:
        drain_events([*self._clients.seen, *self._policies.seen])
        self._begin()


A = TypeVar("A", Client, CommercialPolicy)


def _stored(aggregate: A) -> A:
    snapshot = copy.deepcopy(aggregate)
    snapshot.events.clear()
    return snapshot


def add_party(store: FakeStore, client_id: UUID, *, lead: bool = False) -> UUID:
    """Store a converted client (or, with ``lead``, a lead) directly."""
    party = Client.register_lead(
        client_id=client_id,
        trade_name=f"Viajes {client_id.int}",
        country="ES",
        now=REGISTERED_AT,
        actor="ana.agent",
        legal_name=f"Viajes {client_id.int} S.L.",
        tax_id=TaxId.parse("B58378431", "ES") if not lead else None,
        email=Email.parse("reservas@viajes.es"),
        business_type=BusinessType.TRAVEL_AGENCY,
        addresses=(Address("Gran Vía 1", "Madrid", "28013", "ES", default_billing=True),),
    )
    if not lead:
        party.mark_contacted(now=REGISTERED_AT, actor="ana.agent")
        party.convert(now=REGISTERED_AT, actor="ana.agent")
    party.events.clear()
    party.version = 1
    store.clients[client_id] = party
    return client_id
