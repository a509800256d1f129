"""Storage of credentials, the unit of work the credential use cases need, the client's
commercial policy as they see it, and PerlaHub's connection test."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Protocol, Self, TypeAlias
from uuid import UUID

import attrs

from perla_core.credentials.model import Credential, Environment, PolicyCoverage
from perla_core.onboarding.ports import ClientRepository


class CredentialRepository(Protocol):
    """Credentials. Joins the unit of work's transaction; never commits.

    ``add`` sets the version to 1 and raises :class:`AlreadyExists` when the id or the username
    is taken. ``save`` is optimistic: it writes only if the stored version equals
    ``credential.version``, then increments it; otherwise it raises :class:`StaleVersion`.
    """

    def add(self, credential: Credential) -> None: ...

    def save(self, credential: Credential) -> None: ...

    def get(self, credential_id: UUID) -> Credential:
        """Raises :class:`NotFound`."""
        ...

    def for_client(self, client_id: UUID) -> list[Credential]:
        """Every credential of the client, revoked ones included, oldest first."""
        ...

    def by_username(self, username: str) -> Credential | None: ...

    @property
    def seen(self) -> list[Credential]:
        """Aggregates added or read in this unit of work (their events go to the outbox)."""
        ...


class CredentialUnitOfWork(Protocol):
    """The part of :class:`perla_core.uow.UnitOfWork` the credential use cases use: the same
    promises (``with uow:`` opens, only ``commit`` persists, leaving rolls back)."""

    @property
    def credentials(self) -> CredentialRepository: ...

    @property
    def clients(self) -> ClientRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


PolicyLookup: TypeAlias = Callable[[UUID], PolicyCoverage | None]
"""The client's current commercial policy, or ``None`` when it has none."""


@attrs.frozen
class ConnectionTestOutcome:
    """What PerlaHub answered to a test availability search."""

    ok: bool
    latency_ms: int
    message: str


class ConnectionTester(Protocol):
    """PerlaHub's connection test: a test availability search made with the credential.

    Returns an outcome for every answer PerlaHub gives, a refusal included (``ok`` false, the
    reason in ``message``); raises a :class:`PerlaError` only when PerlaHub cannot be reached,
    and then nothing is recorded. Read-only on PerlaHub's side, so safe to retry.
    """

    def test(self, credential_username: str, environment: Environment) -> ConnectionTestOutcome: ...
