"""Dict-backed fakes for the credential use cases, and builders of clients in each status.

:class:`FakeCredentialUnitOfWork` keeps the unit of work's promises: reads are copies, writes
are staged and applied on ``commit`` only, versions are optimistic, and on commit the events
of every aggregate seen are collected into ``published`` (the outbox, in the real adapters).
"""

from __future__ import annotations

import builtins
import copy
from collections.abc import Iterable
from datetime import UTC, datetime
from types import TracebackType
from typing import Self, TypeVar
from uuid import UUID

import attrs

from perla_core.credentials.model import Credential, Environment
from perla_core.credentials.ports import ConnectionTestOutcome
from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion
from perla_core.kernel.events import drain_events
from perla_core.kernel.pagination import Page
from perla_core.kernel.values import Email, TaxId
from perla_core.onboarding.model import Address, BusinessType, Client, ClientStatus
from perla_core.onboarding.ports import ClientQuery

T = TypeVar("T")

NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
AGENT = "ana.agent"
CLIENT_ID = UUID(int=7)


def _copy(obj: T) -> T:
    return copy.deepcopy(obj)


class FakeCredentialRepository:
    def __init__(self, rows: dict[UUID, Credential]) -> None:
        self._rows = rows
        self.seen: list[Credential] = []

    def add(self, credential: Credential) -> None:
        if credential.id in self._rows:
            raise AlreadyExists(f"credential {credential.id} already exists", field="id")
        if self.by_username(credential.username) is not None:
            raise AlreadyExists(f"username {credential.username} is taken", field="username")
        credential.version = 1
        self._stage(credential)

    def save(self, credential: Credential) -> None:
        stored = self._rows.get(credential.id)
        if stored is None:
            raise NotFound("credential", credential.id)
        if stored.version != credential.version:
            raise StaleVersion("credential", credential.id, credential.version, stored.version)
        credential.version += 1
        self._stage(credential)

    def _stage(self, credential: Credential) -> None:
        snapshot = _copy(credential)
        snapshot.events.clear()
        self._rows[credential.id] = snapshot
        if credential not in self.seen:
            self.seen.append(credential)

    def get(self, credential_id: UUID) -> Credential:
        stored = self._rows.get(credential_id)
        if stored is None:
            raise NotFound("credential", credential_id)
        credential = _copy(stored)
        self.seen.append(credential)
        return credential

    def for_client(self, client_id: UUID) -> list[Credential]:
        rows = [c for c in self._rows.values() if c.client_id == client_id]
        return [_copy(c) for c in sorted(rows, key=lambda c: (c.created_at, c.id.int))]

    def by_username(self, username: str) -> Credential | None:
        found = next((c for c in self._rows.values() if c.username == username), None)
        return _copy(found) if found else None


class FakeClientRepository:
    def __init__(self, rows: dict[UUID, Client]) -> None:
        self._rows = rows
        self.seen: builtins.list[Client] = []

    def add(self, client: Client) -> None:
        if client.id in self._rows:
            raise AlreadyExists(f"client {client.id} already exists", field="id")
        client.version = 1
        self._rows[client.id] = _copy(client)
        self.seen.append(client)

    def save(self, client: Client) -> None:
        stored = self._rows.get(client.id)
        if stored is None:
            raise NotFound("client", client.id)
        if stored.version != client.version:
            raise StaleVersion("client", client.id, client.version, stored.version)
        client.version += 1
        self._rows[client.id] = _copy(client)

    def get(self, client_id: UUID) -> Client:
        stored = self._rows.get(client_id)
        if stored is None:
            raise NotFound("client", client_id)
        client = _copy(stored)
        self.seen.append(client)
        return client

    def by_tax_id(self, tax_id: TaxId) -> Client | None:
        found = next((c for c in self._rows.values() if c.tax_id == tax_id), None)
        return _copy(found) if found else None

    def list(self, query: ClientQuery) -> Page[Client]:
        rows = [
            c
            for c in self._rows.values()
            if query.client_status is None or c.client_status is query.client_status
        ]
        start, stop = query.page.offset, query.page.offset + query.page.limit
        return Page([_copy(c) for c in rows[start:stop]], len(rows), query.page.limit, start)


class FakeCredentialUnitOfWork:
    """Committed rows in two dicts; each ``with`` block works on copies of them."""

    def __init__(self) -> None:
        self.credential_rows: dict[UUID, Credential] = {}
        self.client_rows: dict[UUID, Client] = {}
        self.published: list[object] = []
        self.commits = 0
        self._begin()

    def _begin(self) -> None:
        self._credentials = FakeCredentialRepository(_copy(self.credential_rows))
        self._clients = FakeClientRepository(_copy(self.client_rows))

    @property
    def credentials(self) -> FakeCredentialRepository:
        return self._credentials

    @property
    def clients(self) -> FakeClientRepository:
        return self._clients

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
        self.credential_rows = _copy(self._credentials._rows)
        self.client_rows = _copy(self._clients._rows)
        self.published.extend(drain_events([*self._credentials.seen, *self._clients.seen]))
        self.commits += 1
        self._begin()

    def rollback(self) -> None:
        self._begin()

    def put_client(self, client: Client) -> Client:
        """Store a client as committed (as the onboarding use cases would have)."""
        client.events.clear()
        client.version = max(client.version, 1)
        self.client_rows[client.id] = _copy(client)
        return client


@attrs.define
class FakePolicy:
    """A commercial policy that covers the products and currencies it is given."""

    products: frozenset[str] = frozenset({"hotels", "transfers", "activities"})
    currencies: frozenset[str] = frozenset({"EUR", "USD"})

    def coverage_problems(self, products: frozenset[str], currencies: frozenset[str]) -> list[str]:
        return [
            f"product '{p}' has no active margin rule" for p in sorted(products - self.products)
        ] + [
            f"currency '{c}' is not priced by the policy"
            for c in sorted(currencies - self.currencies)
        ]


@attrs.define
class ScriptedConnectionTester:
    """Answers with the outcomes it was given, in order, and remembers what it was asked."""

    outcomes: list[ConnectionTestOutcome] = attrs.field(factory=list)
    calls: list[tuple[str, Environment]] = attrs.field(factory=list)

    def test(self, credential_username: str, environment: Environment) -> ConnectionTestOutcome:
        self.calls.append((credential_username, environment))
        return self.outcomes.pop(0)


HAPPY_PATH = (
    "register_in_dome",
    "register_in_perlahub",
    "validate_record",
    "start_onboarding",
    "go_live",
)
PATH_TO: dict[ClientStatus, tuple[str, ...]] = {
    ClientStatus.PENDING_REGISTRATION: (),
    ClientStatus.REGISTERED_IN_DOME: HAPPY_PATH[:1],
    ClientStatus.REGISTERED: HAPPY_PATH[:2],
    ClientStatus.VALIDATED: HAPPY_PATH[:3],
    ClientStatus.ONBOARDING: HAPPY_PATH[:4],
    ClientStatus.LIVE: HAPPY_PATH,
    ClientStatus.DORMANT: (*HAPPY_PATH, "mark_dormant"),
    ClientStatus.CHURNED: (*HAPPY_PATH, "churn"),
}


def a_lead(client_id: UUID = CLIENT_ID) -> Client:
    return Client.register_lead(
        client_id=client_id,
        trade_name="Viajes Ñandú",
        country="ES",
        now=NOW,
        actor=AGENT,
        legal_name="Viajes Ñandú S.L.",
        tax_id=TaxId.parse("B58378431", "ES"),
        email=Email.parse("reservas@nandu.es"),
        business_type=BusinessType.TRAVEL_AGENCY,
        addresses=(Address("Gran Vía 1", "Madrid", "28013", "ES", default_billing=True),),
    )


def a_client(status: ClientStatus, client_id: UUID = CLIENT_ID) -> Client:
    """A lead converted to a client and taken through the lifecycle up to ``status``."""
    client = a_lead(client_id)
    client.mark_contacted(now=NOW, actor=AGENT)
    client.convert(now=NOW, actor=AGENT)
    for action in PATH_TO[status]:
        client.advance(action, now=NOW, actor=AGENT)
    assert client.client_status is status
    return client


def event_values(events: Iterable[object]) -> list[str]:
    """Every field value of every event, as text, for scanning what they carry."""
    return [
        repr(getattr(event, field.name))
        for event in events
        for field in getattr(type(event), "__attrs_attrs__")  # noqa: B009 - untyped on purpose
    ]
