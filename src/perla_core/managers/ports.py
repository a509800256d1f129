"""Storage of account managers and of the distribution state, and the unit of work the manager
use cases need."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from perla_core.kernel.values import Email
from perla_core.managers.model import AssignmentState, Manager


class ManagerRepository(Protocol):
    """Account managers: a small table, read whole. Joins the unit of work's transaction;
    never commits.

    ``add`` sets the version to 1 and raises :class:`AlreadyExists` (field ``email``) when the
    e-mail, compared case-insensitively, is another manager's (``id`` when the id is taken).
    ``save`` is optimistic: it writes only if the stored version equals ``manager.version``,
    then increments it; otherwise :class:`StaleVersion`; it raises :class:`AlreadyExists` as
    ``add`` does. ``events`` are not stored (the unit of work moves them to the outbox).
    """

    def add(self, manager: Manager) -> None: ...

    def save(self, manager: Manager) -> None: ...

    def get(self, manager_id: UUID) -> Manager:
        """Raises :class:`NotFound`."""
        ...

    def find(self, manager_id: UUID) -> Manager | None:
        """The manager, or ``None``."""
        ...

    def by_email(self, email: Email) -> Manager | None:
        """The manager with this e-mail, compared case-insensitively."""
        ...

    def list(self, *, active: bool | None = None) -> builtins.list[Manager]:
        """Every manager (or only the active or inactive ones), in one query, by name (case
        folded) then id."""
        ...

    @property
    def seen(self) -> builtins.list[Manager]:
        """Managers added or read by ``get`` in this unit of work (their events go to the
        outbox)."""
        ...


class AssignmentStateRepository(Protocol):
    """The one record of the distribution rule and the round-robin cursor.

    ``get`` returns ``AssignmentState()`` (version 0) until first saved; the SQL adapter reads
    the row ``FOR UPDATE`` so concurrent order saves take their turns one after another.
    ``save`` is optimistic: it writes only if the stored version (0 when none) equals
    ``state.version`` and stores it with the version incremented; otherwise
    :class:`StaleVersion`. It returns the state as stored.
    """

    def get(self) -> AssignmentState: ...

    def save(self, state: AssignmentState) -> AssignmentState: ...


class OpenOrderLoads(Protocol):
    """What the least-loaded rule reads of the orders (the orders repository provides it)."""

    def open_orders_by_manager(self) -> Mapping[UUID, int]:
        """Draft and placed orders per manager, in one grouped query; managers without open
        orders are absent; orders without a manager are not counted."""
        ...


class AssignmentPorts(Protocol):
    """What applying the assignment rules reads inside an open unit of work."""

    @property
    def managers(self) -> ManagerRepository: ...

    @property
    def assignment_state(self) -> AssignmentStateRepository: ...

    @property
    def orders(self) -> OpenOrderLoads: ...


class ManagerUnitOfWork(Protocol):
    """The part of :class:`perla_core.uow.UnitOfWork` the manager use cases use (same
    promises: ``with uow:`` opens, only ``commit`` persists, leaving rolls back)."""

    @property
    def managers(self) -> ManagerRepository: ...

    @property
    def assignment_state(self) -> AssignmentStateRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...
