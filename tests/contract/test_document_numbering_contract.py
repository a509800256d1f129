"""The promises of document numbering and of the issued-documents repository, kept by every
unit of work (memory, SQLite, PostgreSQL): numbers 1, 2, 3 ... per series, each series on
its own; a rolled-back transaction gives its number back (no gap); concurrent transactions
never commit the same number, nor leave a gap; (series, number) is unique."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Engine
from tests.contract.builders import NewUow

from perla_adapters.memory import FixedClock, SequentialIds
from perla_adapters.sql import SqlAlchemyUnitOfWork
from perla_core.documents import BillingDocumentRecord, DocumentKind
from perla_core.kernel.errors import AlreadyExists, NotFound
from perla_core.kernel.money import Money
from perla_core.kernel.values import TaxId

BUYER = TaxId.parse("20-12345678-6", "AR")


def _record(
    series: str, number: int, *, order_id: UUID | None = None, day: int = 1
) -> BillingDocumentRecord:
    return BillingDocumentRecord(
        id=uuid4(),
        kind=DocumentKind.PRE_INVOICE if series.startswith("PF") else DocumentKind.INVOICE,
        series=series,
        number=number,
        order_id=order_id,
        buyer_tax_id=BUYER,
        total=Money.of("1396.18", "ARS"),
        issued_at=datetime(2026, 11, day, 12, tzinfo=UTC),
        storage_key=f"prefacturas/{series}/{series}-{number:08d}.pdf",
        sha256="ab" * 32,
        size=5283,
    )


def _take(new_uow: NewUow, series: str, *, commit: bool = True) -> int:
    with new_uow() as uow:
        number = uow.document_numbers.next_number(series)
        if commit:
            uow.commit()
    return number


def test_numbers_run_from_one_per_series_each_on_its_own(new_uow: NewUow) -> None:
    assert [_take(new_uow, "PF-0001") for _ in range(3)] == [1, 2, 3]
    assert _take(new_uow, "A-0001") == 1
    assert _take(new_uow, "PF-0002") == 1
    assert _take(new_uow, "PF-0001") == 4
    assert _take(new_uow, "A-0001") == 2


def test_numbers_taken_in_one_transaction_follow_each_other(new_uow: NewUow) -> None:
    with new_uow() as uow:
        taken = [uow.document_numbers.next_number("PF-0001") for _ in range(3)]
        taken.append(uow.document_numbers.next_number("A-0001"))
        uow.commit()

    assert taken == [1, 2, 3, 1]
    assert _take(new_uow, "PF-0001") == 4


def test_a_rolled_back_transaction_gives_its_number_back(new_uow: NewUow) -> None:
    assert _take(new_uow, "PF-0001") == 1
    assert _take(new_uow, "PF-0001", commit=False) == 2

    def issue_then_fail() -> None:
        with new_uow() as uow:
            assert uow.document_numbers.next_number("PF-0001") == 2
            uow.billing_documents.add(_record("PF-0001", 2))
            raise RuntimeError("S3 went down while issuing")

    with pytest.raises(RuntimeError):
        issue_then_fail()

    with new_uow() as uow:
        assert uow.billing_documents.by_number("PF-0001", 2) is None
    assert _take(new_uow, "PF-0001") == 2
    assert _take(new_uow, "PF-0001") == 3


def test_an_issued_document_is_read_back_by_id_number_order_and_series(
    new_uow: NewUow,
) -> None:
    order = uuid4()
    pre = _record("PF-0001", 1, order_id=order, day=1)
    invoice = _record("A-0001", 1, order_id=order, day=2)
    other = _record("PF-0001", 2, day=3)
    with new_uow() as uow:
        for record in (invoice, other, pre):
            uow.billing_documents.add(record)
        uow.commit()

    with new_uow() as uow:
        assert uow.billing_documents.get(pre.id) == pre
        assert uow.billing_documents.by_number("A-0001", 1) == invoice
        assert uow.billing_documents.by_number("A-0001", 2) is None
        assert uow.billing_documents.for_order(order) == [pre, invoice]
        assert uow.billing_documents.for_order(uuid4()) == []
        assert uow.billing_documents.list_series("PF-0001") == [pre, other]
        with pytest.raises(NotFound):
            uow.billing_documents.get(uuid4())


def test_a_series_number_is_issued_once(new_uow: NewUow) -> None:
    with new_uow() as uow:
        uow.billing_documents.add(_record("PF-0001", 1))
        uow.commit()

    with new_uow() as uow:
        with pytest.raises(AlreadyExists) as raised:
            uow.billing_documents.add(_record("PF-0001", 1))
        assert raised.value.field == "number"
        uow.billing_documents.add(_record("A-0001", 1))  # another series: fine
        uow.commit()


def test_the_amount_and_the_buyer_survive_the_round_trip(new_uow: NewUow) -> None:
    record = _record("PF-0001", 7)
    with new_uow() as uow:
        uow.billing_documents.add(record)
        uow.commit()

    with new_uow() as uow:
        read = uow.billing_documents.get(record.id)
    assert read.total == Money.of("1396.18", "ARS")
    assert read.buyer_tax_id == BUYER
    assert read.issued_at == record.issued_at
    assert read.kind is DocumentKind.PRE_INVOICE


def test_concurrent_transactions_never_share_a_number_nor_leave_a_gap(
    sql_engine: Engine,
) -> None:
    clock, ids = FixedClock(), SequentialIds()
    new_uow: Callable[[], SqlAlchemyUnitOfWork] = lambda: SqlAlchemyUnitOfWork(  # noqa: E731
        sql_engine, clock, ids
    )
    workers = 8
    start = threading.Barrier(workers)
    committed: list[int] = []
    rolled_back: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def issue(worker: int) -> None:
        try:
            start.wait(timeout=10)
            with new_uow() as uow:
                number = uow.document_numbers.next_number("PF-0001")
                if worker % 3 == 0:  # S3 or the ERP fails: the number goes back
                    with lock:
                        rolled_back.append(number)
                    return
                uow.billing_documents.add(_record("PF-0001", number))
                uow.commit()
            with lock:
                committed.append(number)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=issue, args=(w,)) for w in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors, errors
    assert sorted(committed) == list(range(1, len(committed) + 1))
    assert len(committed) == workers - len(rolled_back)
    with new_uow() as uow:
        numbers = [r.number for r in uow.billing_documents.list_series("PF-0001")]
        assert numbers == list(range(1, len(committed) + 1))
        assert uow.document_numbers.next_number("PF-0001") == len(committed) + 1
