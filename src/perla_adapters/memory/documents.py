"""Billing documents in memory: gapless numbering per series, the issued documents, and a
document store keeping files in a dict.

Numbering is optimistic: a unit of work takes the committed last number plus what it took
itself, and its commit checks that no other commit took a number of the series meanwhile
(``StaleVersion`` otherwise), so numbers are never doubled nor skipped; a rollback gives
them back.
"""

from __future__ import annotations

import builtins
import hashlib
import threading
from collections.abc import Iterable
from datetime import timedelta
from uuid import UUID

from perla_adapters.memory.store import InMemoryStore, Transaction
from perla_core.documents.errors import (
    DocumentConflict,
    DocumentNotFound,
    DocumentStoreUnavailable,
)
from perla_core.documents.model import BillingDocumentRecord
from perla_core.documents.ports import StoredFile, check_key
from perla_core.kernel.errors import AlreadyExists, InvalidValue, NotFound, StaleVersion
from perla_core.kernel.ports import Clock


def check_series(series: str) -> str:
    code = str(series).strip().upper()
    if not code or len(code) > 32:
        raise InvalidValue("must be a series code such as PF-0001", field="series")
    return code


class InMemoryDocumentNumbering:
    """Gapless numbers per series (see the module docstring)."""

    def __init__(self, store: InMemoryStore, tx: Transaction) -> None:
        self._store = store
        self._tx = tx
        self._taken: dict[str, int] = {}

    def next_number(self, series: str) -> int:
        code = check_series(series)
        with self._store.lock:
            committed = self._store.document_series.get(code, 0)
        base = self._taken.get(code, committed)
        if code not in self._taken:
            self._tx.ops.append(lambda store: _advance(store, code, committed, self._taken))
        self._taken[code] = base + 1
        return base + 1


def _advance(store: InMemoryStore, series: str, seen: int, taken: dict[str, int]) -> None:
    actual = store.document_series.get(series, 0)
    if actual != seen:
        raise StaleVersion(f"document series {series}", series, seen, actual)
    store.document_series[series] = taken[series]


class InMemoryBillingDocumentRepository:
    """Issued documents; the id and (series, number) are unique."""

    def __init__(self, store: InMemoryStore, tx: Transaction) -> None:
        self._store = store
        self._tx = tx
        self._pending: dict[UUID, BillingDocumentRecord] = {}

    def _current(self) -> dict[UUID, BillingDocumentRecord]:
        with self._store.lock:
            return {**self._store.billing_documents, **self._pending}

    def add(self, record: BillingDocumentRecord) -> None:
        _check_new(record, self._current().values(), record.id in self._current())
        self._pending[record.id] = record

        def apply(store: InMemoryStore) -> None:
            existing = store.billing_documents
            _check_new(record, existing.values(), record.id in existing)
            existing[record.id] = record

        self._tx.ops.append(apply)

    def get(self, document_id: UUID) -> BillingDocumentRecord:
        found = self._current().get(document_id)
        if found is None:
            raise NotFound("billing document", document_id)
        return found

    def by_number(self, series: str, number: int) -> BillingDocumentRecord | None:
        return next(
            (r for r in self._current().values() if (r.series, r.number) == (series, number)),
            None,
        )

    def for_order(self, order_id: UUID) -> builtins.list[BillingDocumentRecord]:
        rows = [r for r in self._current().values() if r.order_id == order_id]
        return sorted(rows, key=lambda r: (r.issued_at, r.series, r.number))

    def list_series(self, series: str) -> builtins.list[BillingDocumentRecord]:
        return sorted(
            (r for r in self._current().values() if r.series == series), key=lambda r: r.number
        )


def _check_new(
    record: BillingDocumentRecord, others: Iterable[BillingDocumentRecord], id_taken: bool
) -> None:
    if id_taken:
        raise AlreadyExists(f"billing document {record.id} already exists", field="id")
    for other in others:
        if (other.series, other.number) == (record.series, record.number):
            raise AlreadyExists(f"{record.full_number} is already issued", field="number")


class InMemoryDocumentStore:
    """Files in a dict, for tests: ``available = False`` makes every call raise
    :class:`DocumentStoreUnavailable`, as an outage would."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._files: dict[str, tuple[bytes, StoredFile]] = {}
        self._lock = threading.Lock()
        self.available = True

    def _up(self) -> None:
        if not self.available:
            raise DocumentStoreUnavailable("the in-memory document store is switched off")

    def put(self, key: str, content: bytes, content_type: str) -> StoredFile:
        check_key(key)
        self._up()
        stored = StoredFile(key, hashlib.sha256(content).hexdigest(), len(content), content_type)
        with self._lock:
            existing = self._files.get(key)
            if existing is not None:
                if existing[0] != content:
                    raise DocumentConflict(key)
                return existing[1]
            self._files[key] = (bytes(content), stored)
        return stored

    def get(self, key: str) -> bytes:
        check_key(key)
        self._up()
        with self._lock:
            found = self._files.get(key)
        if found is None:
            raise DocumentNotFound(key)
        return found[0]

    def exists(self, key: str) -> bool:
        check_key(key)
        self._up()
        with self._lock:
            return key in self._files

    def link(self, key: str, expires_in: timedelta) -> str:
        if not self.exists(key):
            raise DocumentNotFound(key)
        expires = int((self._clock.now() + expires_in).timestamp())
        return f"memory://documents/{key}?expires={expires}"

    def delete(self, key: str) -> None:
        check_key(key)
        self._up()
        with self._lock:
            self._files.pop(key, None)
