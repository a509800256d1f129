"""Storage of commercial policies and of PerlaHub's global rules, and the unit of work the
policy use cases need."""

from __future__ import annotations

import builtins
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from perla_core.onboarding.ports import ClientRepository
from perla_core.policies.model import CommercialPolicy, GlobalRules


class PolicyRepository(Protocol):
    """Commercial policies, one per client. Joins the unit of work's transaction; never commits.

    ``add`` raises :class:`AlreadyExists` when the client already has a policy. ``save`` is
    optimistic: it writes only if the stored version equals ``policy.version``, then increments
    it; otherwise it raises :class:`StaleVersion`. Audit entries are append-only: a save adds
    the entries the stored policy lacks and never rewrites or deletes one.
    """

    def get_for_client(self, client_id: UUID) -> CommercialPolicy | None: ...

    def add(self, policy: CommercialPolicy) -> None: ...

    def save(self, policy: CommercialPolicy) -> None: ...

    def due_scheduled(self, now: datetime) -> builtins.list[UUID]:
        """The clients whose policies have a pending scheduled change due at ``now``."""
        ...

    @property
    def seen(self) -> builtins.list[CommercialPolicy]:
        """Policies added or read in this unit of work (their events go to the outbox)."""
        ...


class GlobalRulesRepository(Protocol):
    """PerlaHub's global rules: one record; :class:`GlobalRules` defaults until first saved."""

    def get(self) -> GlobalRules: ...

    def save(self, rules: GlobalRules) -> None: ...


class PolicyUnitOfWork(Protocol):
    """What the policy use cases need of the unit of work (see :mod:`perla_core.uow`)."""

    @property
    def policies(self) -> PolicyRepository: ...

    @property
    def global_rules(self) -> GlobalRulesRepository: ...

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
