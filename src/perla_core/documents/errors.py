"""What can go wrong storing a document's file."""

from __future__ import annotations

from perla_core.gateways.errors import ExternalUnavailable
from perla_core.kernel.errors import AlreadyExists, NotFound


class DocumentStoreUnavailable(ExternalUnavailable):
    """The document store (S3, the local folder) did not answer usefully this time: retry
    later (an outbox handler is retried; the HTTP API answers 503 with Retry-After)."""

    code = "document_store_unavailable"
    title = "Document store unavailable"

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__("document_store", message, retry_after=retry_after)


class DocumentNotFound(NotFound):
    """No file is stored under the key."""

    code = "document_not_found"
    title = "Document not found"

    def __init__(self, key: str) -> None:
        super().__init__("document", key)
        self.key = key


class DocumentConflict(AlreadyExists):
    """Another content is already stored under the key (a document is never overwritten)."""

    code = "document_conflict"
    title = "Document conflict"

    def __init__(self, key: str) -> None:
        super().__init__(f"another file is already stored as {key}", field="key", key=key)
        self.key = key
