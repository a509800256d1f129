"""Storage of supplier requests and the unit of work the supplier use cases need."""

from __future__ import annotations

import builtins
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

import attrs

from perla_core.kernel.pagination import Page, PageRequest
from perla_core.suppliers.model import SupplierRequest, SupplierRequestStatus


@attrs.frozen
class SupplierRequestQuery:
    """Filters for listing supplier requests; newest first (by creation, then id), so pages
    are stable."""

    status: SupplierRequestStatus | None = None
    page: PageRequest = attrs.field(factory=PageRequest)


class SupplierRequestRepository(Protocol):
    """Supplier requests. Joins the unit of work's transaction; never commits.

    ``add`` sets the version to 1 and raises :class:`AlreadyExists` when the id is taken.
    ``save`` is optimistic: it writes only if the stored version equals ``request.version``,
    then increments it; otherwise it raises :class:`StaleVersion`. The hotel's data, contacts
    included, is stored with the request; ``events`` are not (the unit of work moves them to
    the outbox).
    """

    def add(self, request: SupplierRequest) -> None: ...

    def save(self, request: SupplierRequest) -> None: ...

    def get(self, request_id: UUID) -> SupplierRequest:
        """Raises :class:`NotFound`."""
        ...

    def for_hotel(self, hotel_ref: str) -> builtins.list[SupplierRequest]:
        """The requests whose ``matched_hotel_ref`` is ``hotel_ref``, any status, oldest first."""
        ...

    def list(self, query: SupplierRequestQuery) -> Page[SupplierRequest]: ...

    @property
    def seen(self) -> builtins.list[SupplierRequest]:
        """Aggregates added or read in this unit of work (their events go to the outbox)."""
        ...


class SupplierUnitOfWork(Protocol):
    """The part of :class:`perla_core.uow.UnitOfWork` the supplier use cases use: the same
    promises (``with uow:`` opens, only ``commit`` persists, leaving rolls back, and the
    commit writes the events of the requests seen to the outbox)."""

    @property
    def supplier_requests(self) -> SupplierRequestRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...
