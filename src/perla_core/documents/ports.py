"""The documents' ports: gapless numbering, the repository of issued documents, the store
their files live in, and the renderer that draws them.

Numbering and the repository are part of the unit of work (``uow.document_numbers``,
``uow.billing_documents``): a number is taken inside the transaction that records the
document, so a rolled-back transaction gives the number back and the series has no gap. The
store is another system (a folder, S3): it is not transactional, so a file is written
before the transaction commits under a key derived from the series and number, and
writing it again with the same bytes is a no-op (a retry after an outage doubles nothing).
"""

from __future__ import annotations

import builtins
import re
from datetime import timedelta
from typing import Protocol
from uuid import UUID

import attrs

from perla_core.documents.model import BillingDocument, BillingDocumentRecord
from perla_core.kernel.errors import InvalidValue

MAX_KEY_LENGTH = 512
_KEY_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def check_key(key: str) -> str:
    """A store key: a relative path of ``/``-separated segments of letters, digits, ``.``,
    ``_`` and ``-`` (never ``..``, never absolute, never empty segments). Raises
    :class:`InvalidValue` (field ``key``) otherwise, so no key escapes a store's folder."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidValue(f"must be 1 to {MAX_KEY_LENGTH} characters", field="key")
    for segment in key.split("/"):
        if not _KEY_SEGMENT.match(segment) or segment.strip(".") == "":
            raise InvalidValue(f"{key!r} is not a relative path of plain names", field="key")
    return key


@attrs.frozen
class StoredFile:
    """What a store holds under ``key``: its SHA-256 (hex), size and content type."""

    key: str
    sha256: str
    size: int
    content_type: str


class DocumentStore(Protocol):
    """Where the documents' files live (a local folder, S3). Not transactional.

    ``put`` is idempotent: the same bytes under the same key again return the same
    :class:`StoredFile`; other bytes under a taken key raise ``DocumentConflict`` (a document
    is never overwritten). ``get``/``link`` of a missing key raise ``DocumentNotFound``;
    ``delete`` of a missing key does nothing. When the store cannot be reached every method
    raises ``DocumentStoreUnavailable`` (retry later). Keys are checked by :func:`check_key`
    (``InvalidValue``).
    """

    def put(self, key: str, content: bytes, content_type: str) -> StoredFile: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def link(self, key: str, expires_in: timedelta) -> str:
        """A URL that downloads the file, without credentials, until ``expires_in`` from now
        (S3's pre-signed GET; perla's own signed ``/documents/...`` for the local folder)."""
        ...

    def delete(self, key: str) -> None: ...


class DocumentNumbering(Protocol):
    """Gapless numbers per series, inside the unit of work's transaction.

    ``next_number(series)`` returns 1, 2, 3 ... for each series independently. The number
    is taken in the open transaction: if it rolls back the number is given back, and a
    concurrent transaction taking a number of the same series waits for this one to end
    (PostgreSQL row lock; SQLite's write lock), so no two commit the same number.
    """

    def next_number(self, series: str) -> int: ...


class BillingDocumentRepository(Protocol):
    """The issued documents. ``add`` raises ``AlreadyExists`` when the id or the series
    and number are taken; ``get`` raises ``NotFound``."""

    def add(self, record: BillingDocumentRecord) -> None: ...

    def get(self, document_id: UUID) -> BillingDocumentRecord: ...

    def by_number(self, series: str, number: int) -> BillingDocumentRecord | None: ...

    def for_order(self, order_id: UUID) -> builtins.list[BillingDocumentRecord]:
        """The order's documents, oldest first."""
        ...

    def list_series(self, series: str) -> builtins.list[BillingDocumentRecord]:
        """The series' documents by number."""
        ...


class DocumentUnitOfWork(Protocol):
    """The part of the unit of work documents use (``perla_core.uow.UnitOfWork`` is one)."""

    @property
    def document_numbers(self) -> DocumentNumbering: ...

    @property
    def billing_documents(self) -> BillingDocumentRepository: ...


class DocumentRenderer(Protocol):
    """Draws a document as a file (PDF). Pure computation: the same document gives the same
    bytes."""

    content_type: str

    def render(self, document: BillingDocument) -> bytes: ...
