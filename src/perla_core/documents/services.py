"""Issuing a document inside an open unit of work: the number, the PDF, the record.

The caller (the order's confirmation or payment) opens the unit of work, calls
:func:`issue_document` and commits with its own changes. If the store is down,
``DocumentStoreUnavailable`` propagates, the caller's transaction rolls back and the number
goes back to the series: a retry later issues the same number, and nothing is doubled.
"""

from __future__ import annotations

from collections.abc import Callable

from perla_core.documents.errors import DocumentConflict
from perla_core.documents.model import BillingDocument, BillingDocumentRecord, document_key
from perla_core.documents.ports import DocumentRenderer, DocumentStore, DocumentUnitOfWork
from perla_core.kernel.errors import AlreadyExists


def issue_document(
    uow: DocumentUnitOfWork,
    store: DocumentStore,
    renderer: DocumentRenderer,
    series: str,
    build: Callable[[int], BillingDocument],
) -> tuple[BillingDocument, BillingDocumentRecord]:
    """Take the series' next number, build the document with it (``build(number)``), render
    it, store the PDF and record it in ``uow`` (not committed).

    A file left under the same key by an attempt whose transaction then rolled back (no
    record points at it) is replaced; a file of a recorded document never is."""
    number = uow.document_numbers.next_number(series)
    document = build(number)
    if (document.series, document.number) != (series.strip().upper(), number):
        raise AlreadyExists(
            f"the document was built as {document.full_number}, not number {number} of {series}",
            field="number",
        )
    content = renderer.render(document)
    key = document_key(document)
    try:
        stored = store.put(key, content, renderer.content_type)
    except DocumentConflict:
        if uow.billing_documents.by_number(document.series, document.number) is not None:
            raise
        store.delete(key)  # an orphan of a rolled-back attempt
        stored = store.put(key, content, renderer.content_type)
    record = BillingDocumentRecord.of(
        document, storage_key=stored.key, sha256=stored.sha256, size=stored.size
    )
    uow.billing_documents.add(record)
    return document, record
