"""Billing documents in SQL: the ``document_series`` counters and ``billing_documents``.

Taking a number is ``INSERT ... ON CONFLICT DO NOTHING`` (the series' row, at 0, the first
time) then ``UPDATE document_series SET last_number = last_number + 1 ... RETURNING``: the
update row-locks the series on PostgreSQL (SQLite takes its database write lock) until the
transaction ends, so a concurrent transaction waits and then reads the committed value, and
a rollback gives the number back. Numbers are gapless and never doubled.
"""

from __future__ import annotations

import builtins
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from perla_adapters.memory.documents import check_series
from perla_adapters.sql.tables import billing_documents, document_series
from perla_core.documents.model import BillingDocumentRecord, DocumentKind
from perla_core.kernel.errors import AlreadyExists, NotFound
from perla_core.kernel.money import MINOR_UNITS, Money
from perla_core.kernel.values import TaxId


class SqlAlchemyDocumentNumbering:
    """Gapless numbers per series (see the module docstring)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def next_number(self, series: str) -> int:
        code = check_series(series)
        dialect = self._conn.dialect.name
        maker = pg_insert if dialect == "postgresql" else sqlite_insert
        if dialect in ("postgresql", "sqlite"):
            self._conn.execute(
                maker(document_series)
                .values(series=code, last_number=0)
                .on_conflict_do_nothing(index_elements=["series"])
            )
        else:  # pragma: no cover - perla runs on SQLite and PostgreSQL only
            exists = self._conn.scalar(
                select(document_series.c.series).where(document_series.c.series == code)
            )
            if exists is None:
                self._conn.execute(insert(document_series).values(series=code, last_number=0))
        number = self._conn.scalar(
            update(document_series)
            .where(document_series.c.series == code)
            .values(last_number=document_series.c.last_number + 1)
            .returning(document_series.c.last_number)
        )
        if number is None:  # pragma: no cover - the row was inserted just above
            raise NotFound("document series", code)
        return int(number)


def _to_row(r: BillingDocumentRecord) -> dict[str, Any]:
    return {
        "id": r.id,
        "kind": r.kind.value,
        "series": r.series,
        "number": r.number,
        "order_id": r.order_id,
        "buyer_tax_country": r.buyer_tax_id.country,
        "buyer_tax_number": r.buyer_tax_id.number,
        "total_minor": int(r.total.rounded().amount.scaleb(r.total.minor_units)),
        "currency": r.total.currency,
        "issued_at": r.issued_at,
        "storage_key": r.storage_key,
        "sha256": r.sha256,
        "size": r.size,
    }


def _from_row(row: RowMapping) -> BillingDocumentRecord:
    currency = row["currency"]
    amount = Decimal(int(row["total_minor"])).scaleb(-MINOR_UNITS[currency])
    return BillingDocumentRecord(
        id=row["id"],
        kind=DocumentKind(row["kind"]),
        series=row["series"],
        number=row["number"],
        order_id=row["order_id"],
        buyer_tax_id=TaxId(row["buyer_tax_country"], row["buyer_tax_number"]),
        total=Money(amount, currency),
        issued_at=row["issued_at"],
        storage_key=row["storage_key"],
        sha256=row["sha256"],
        size=row["size"],
    )


class SqlAlchemyBillingDocumentRepository:
    """Issued documents; the id and (series, number) are unique."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, record: BillingDocumentRecord) -> None:
        taken = self._conn.scalar(
            select(billing_documents.c.id).where(billing_documents.c.id == record.id)
        )
        if taken is not None:
            raise AlreadyExists(f"billing document {record.id} already exists", field="id")
        if self.by_number(record.series, record.number) is not None:
            raise _number_taken(record)
        try:
            self._conn.execute(insert(billing_documents).values(_to_row(record)))
        except IntegrityError as exc:  # a concurrent transaction took it in between
            raise _number_taken(record) from exc

    def get(self, document_id: UUID) -> BillingDocumentRecord:
        row = self._first(billing_documents.c.id == document_id)
        if row is None:
            raise NotFound("billing document", document_id)
        return _from_row(row)

    def by_number(self, series: str, number: int) -> BillingDocumentRecord | None:
        row = self._first(
            billing_documents.c.series == series, billing_documents.c.number == number
        )
        return None if row is None else _from_row(row)

    def for_order(self, order_id: UUID) -> builtins.list[BillingDocumentRecord]:
        rows = self._conn.execute(
            select(billing_documents)
            .where(billing_documents.c.order_id == order_id)
            .order_by(
                billing_documents.c.issued_at,
                billing_documents.c.series,
                billing_documents.c.number,
            )
        ).mappings()
        return [_from_row(row) for row in rows]

    def list_series(self, series: str) -> builtins.list[BillingDocumentRecord]:
        rows = self._conn.execute(
            select(billing_documents)
            .where(billing_documents.c.series == series)
            .order_by(billing_documents.c.number)
        ).mappings()
        return [_from_row(row) for row in rows]

    def _first(self, *where: ColumnElement[bool]) -> RowMapping | None:
        return self._conn.execute(select(billing_documents).where(*where)).mappings().first()


def _number_taken(record: BillingDocumentRecord) -> AlreadyExists:
    return AlreadyExists(f"{record.full_number} is already issued", field="number")
