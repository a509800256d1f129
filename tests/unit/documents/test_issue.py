"""Issuing a document inside a unit of work (memory adapters): the number, the stored PDF and
the record go together; an outage of the store rolls it all back with no gap; a file left by
a rolled-back attempt is replaced, a recorded document's never."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from uuid import uuid4

import pytest
from tests.unit.documents.builders import ISSUED, document

from perla_adapters.documents.pdf import FpdfDocumentRenderer
from perla_adapters.memory import FixedClock, InMemoryStore, InMemoryUnitOfWork, SequentialIds
from perla_adapters.memory.documents import InMemoryDocumentStore
from perla_core.documents import BillingDocument, DocumentConflict, DocumentStoreUnavailable
from perla_core.documents.services import issue_document
from perla_core.kernel.errors import AlreadyExists

NewUow = Callable[[], InMemoryUnitOfWork]


@pytest.fixture
def new_uow(clock: FixedClock, ids: SequentialIds) -> NewUow:
    store = InMemoryStore()
    return lambda: InMemoryUnitOfWork(store, clock, ids)


@pytest.fixture
def files(clock: FixedClock) -> InMemoryDocumentStore:
    return InMemoryDocumentStore(clock)


RENDERER = FpdfDocumentRenderer()


def built(number: int) -> BillingDocument:
    return document(number=number, document_id=uuid4())


def test_the_number_the_pdf_and_the_record_go_together(
    new_uow: NewUow, files: InMemoryDocumentStore
) -> None:
    with new_uow() as uow:
        first, record = issue_document(uow, files, RENDERER, "PF-0001", built)
        second, _ = issue_document(uow, files, RENDERER, "PF-0001", built)
        uow.commit()

    assert (first.number, second.number) == (1, 2)
    pdf = files.get(record.storage_key)
    assert record.storage_key == "prefacturas/PF-0001/PF-0001-00000001.pdf"
    assert record.sha256 == hashlib.sha256(pdf).hexdigest()
    assert record.size == len(pdf)
    with new_uow() as uow:
        assert uow.billing_documents.get(record.id) == record


def test_a_store_outage_rolls_back_and_the_retry_takes_the_same_number(
    new_uow: NewUow, files: InMemoryDocumentStore
) -> None:
    files.available = False
    with pytest.raises(DocumentStoreUnavailable), new_uow() as uow:
        issue_document(uow, files, RENDERER, "PF-0001", built)

    files.available = True
    with new_uow() as uow:
        again, _ = issue_document(uow, files, RENDERER, "PF-0001", built)
        uow.commit()
    assert again.number == 1


def test_an_orphan_file_of_a_rolled_back_attempt_is_replaced(
    new_uow: NewUow, files: InMemoryDocumentStore, clock: FixedClock
) -> None:
    with new_uow() as uow:  # the PDF is stored, then the ERP fails: no commit
        issue_document(uow, files, RENDERER, "PF-0001", built)

    later = ISSUED.replace(hour=18)
    with new_uow() as uow:
        retried, record = issue_document(
            uow, files, RENDERER, "PF-0001", lambda n: document(number=n, issued_at=later)
        )
        uow.commit()

    assert retried.number == 1
    assert files.get(record.storage_key) == RENDERER.render(retried)


def test_a_recorded_document_is_never_replaced(
    new_uow: NewUow, files: InMemoryDocumentStore
) -> None:
    with new_uow() as uow:
        _, record = issue_document(uow, files, RENDERER, "PF-0001", built)
        uow.commit()
    original = files.get(record.storage_key)

    with new_uow() as uow:
        uow.store.document_series["PF-0001"] = 0  # a counter reset by mistake
        with pytest.raises(DocumentConflict):
            issue_document(
                uow, files, RENDERER, "PF-0001", lambda n: document(number=n, notes="other")
            )
    assert files.get(record.storage_key) == original


def test_a_document_built_with_another_number_is_refused(
    new_uow: NewUow, files: InMemoryDocumentStore
) -> None:
    with new_uow() as uow, pytest.raises(AlreadyExists):
        issue_document(uow, files, RENDERER, "PF-0001", lambda _: document(number=99))
    assert not files.exists("prefacturas/PF-0001/PF-0001-00000099.pdf")
