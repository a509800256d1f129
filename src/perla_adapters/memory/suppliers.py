"""Supplier requests in memory, with the promises of the ``supplier_requests`` table: ids
unique, saves optimistic, reads are copies."""

from __future__ import annotations

import builtins
from uuid import UUID

from perla_adapters.memory.store import InMemoryStore, Transaction, copy_of
from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion
from perla_core.kernel.pagination import Page
from perla_core.suppliers.model import SupplierRequest
from perla_core.suppliers.ports import SupplierRequestQuery


class InMemorySupplierRequestRepository:
    def __init__(self, store: InMemoryStore, tx: Transaction) -> None:
        self._store = store
        self._tx = tx
        self._pending: dict[UUID, SupplierRequest] = {}
        self.seen: builtins.list[SupplierRequest] = []

    def _current(self) -> dict[UUID, SupplierRequest]:
        return {**self._store.supplier_requests, **self._pending}

    def add(self, request: SupplierRequest) -> None:
        with self._store.lock:
            if request.id in self._current():
                raise AlreadyExists(f"supplier request {request.id} already exists", field="id")
            request.version = 1
            self._stage(request, base_version=None)

    def save(self, request: SupplierRequest) -> None:
        with self._store.lock:
            stored = self._current().get(request.id)
            if stored is None:
                raise NotFound("supplier request", request.id)
            if stored.version != request.version:
                raise StaleVersion("supplier request", request.id, request.version, stored.version)
            base = request.version
            request.version = base + 1
            self._stage(request, base_version=base)

    def _stage(self, request: SupplierRequest, base_version: int | None) -> None:
        snapshot = copy_of(request)
        snapshot.events.clear()
        self._pending[request.id] = snapshot
        self._see(request)

        def apply(store: InMemoryStore) -> None:
            stored = store.supplier_requests.get(request.id)
            actual = None if stored is None else stored.version
            if actual != base_version:
                raise StaleVersion("supplier request", request.id, base_version or 0, actual)
            store.supplier_requests[request.id] = snapshot

        self._tx.ops.append(apply)

    def _see(self, request: SupplierRequest) -> None:
        if request not in self.seen:
            self.seen.append(request)
        self._tx.touch(request)

    def get(self, request_id: UUID) -> SupplierRequest:
        with self._store.lock:
            stored = self._current().get(request_id)
        if stored is None:
            raise NotFound("supplier request", request_id)
        request = copy_of(stored)
        self._see(request)
        return request

    def for_hotel(self, hotel_ref: str) -> builtins.list[SupplierRequest]:
        """Any status, oldest first (by creation, then id)."""
        with self._store.lock:
            rows = [r for r in self._current().values() if r.matched_hotel_ref == hotel_ref]
        rows.sort(key=lambda r: (r.created_at, r.id.int))
        return [copy_of(r) for r in rows]

    def list(self, query: SupplierRequestQuery) -> Page[SupplierRequest]:
        """Newest first (by creation, then id)."""
        with self._store.lock:
            rows = [r for r in self._current().values() if query.status in (None, r.status)]
        rows.sort(key=lambda r: (r.created_at, r.id.int), reverse=True)
        start, stop = query.page.offset, query.page.offset + query.page.limit
        return Page(
            [copy_of(r) for r in rows[start:stop]], len(rows), query.page.limit, query.page.offset
        )
