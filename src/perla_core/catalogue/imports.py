"""Bulk import of a catalogue file into the products, with the report it leaves.

Each :class:`~perla_core.catalogue.files.CatalogueRow` becomes a product (created, or its
fields replaced), optionally a list price (``precio``, ``moneda``, ``vigencia desde/hasta``:
dates, the ``hasta`` day included; without ``desde`` a price starts when it is imported, or
its last day when that is past) and stock per warehouse. A bad row is reported with its
line and every invalid field, and the import goes on; good rows are stored in batches, one
unit of work each (a batch that fails is retried row by row, so one row cannot sink others).
Importing the same file again changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Final

import attrs

from perla_core.access.model import Actor, Permission
from perla_core.catalogue.files import CatalogueRow
from perla_core.catalogue.model import (
    ATTRIBUTE_NAMES,
    Price,
    Product,
    clean_warehouse,
    parse_price,
    parse_quantity,
)
from perla_core.catalogue.ports import CatalogueUnitOfWork
from perla_core.catalogue.services import ProductFields, UpsertProduct, parse_product
from perla_core.kernel.errors import InvalidInput, InvalidValue, PerlaError
from perla_core.kernel.ports import Clock, IdGenerator

MAX_REPORTED: Final = 1000


@attrs.frozen
class RejectedRow:
    """A row refused: its line, its SKU if it had one, every ``(field, message)``."""

    line: int
    sku: str | None
    errors: tuple[tuple[str, str], ...]


@attrs.define(kw_only=True)
class CatalogueImport:
    """What an import did: ``rejected`` keeps the first :data:`MAX_REPORTED` rows refused,
    ``rows_rejected`` counts them all."""

    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    prices_set: int = 0
    stock_set: int = 0
    rows_rejected: int = 0
    rejected: list[RejectedRow] = attrs.field(factory=list)

    @property
    def rows_stored(self) -> int:
        return self.created + self.updated + self.unchanged

    def reject(self, line: int, sku: str | None, errors: Iterable[tuple[str, str]]) -> None:
        self.rows_rejected += 1
        if len(self.rejected) < MAX_REPORTED:
            self.rejected.append(RejectedRow(line, sku, tuple(errors)))


@attrs.frozen
class ParsedRow:
    line: int
    fields: ProductFields
    price: Price | None
    stock: tuple[tuple[str, int], ...]


_DATE: Final = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def parse_day(value: str, field: str) -> date:
    """``2026-06-30`` or ``30/06/2026`` (day first, as in Argentina)."""
    text = value.strip()[:10]
    match = _DATE.match(text)
    try:
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValue(
            f"{value!r} is not a date (2026-06-30 or 30/06/2026)", field=field
        ) from None


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def parse_row(row: CatalogueRow, now: datetime) -> ParsedRow:
    """The row validated; raises :class:`InvalidInput` naming every bad field."""
    errors: list[InvalidValue] = [InvalidValue(m, field=f) for f, m in row.problems]
    f = row.fields
    fields: ProductFields | None = None
    try:
        fields = parse_product(
            UpsertProduct(
                sku=f.get("sku") or "",
                brand=f.get("brand") or "",
                model=f.get("model") or "",
                category=f.get("category") or "",
                description=f.get("description") or "",
                attributes={k: f[k] for k in ATTRIBUTE_NAMES if f.get(k) is not None},
                vat_rate=f.get("vat_rate"),
            )
        )
    except InvalidInput as error:
        errors.extend(error.errors)
    price: Price | None = None
    if f.get("price") is not None:
        try:
            start = now
            if f.get("valid_from"):
                start = _midnight(parse_day(f["valid_from"] or "", "valid_from"))
            until = None
            if f.get("valid_until"):
                day = parse_day(f["valid_until"] or "", "valid_until")
                until = _midnight(day + timedelta(days=1))
                if not f.get("valid_from") and until <= start:  # ended before the import
                    start = until - timedelta(days=1)
            price = parse_price(f["price"], f.get("currency"), start, until)
        except InvalidInput as error:
            errors.extend(error.errors)
        except InvalidValue as error:
            errors.append(error)
    stock: list[tuple[str, int]] = []
    for warehouse, quantity in row.stock.items():
        try:
            stock.append((clean_warehouse(warehouse), parse_quantity(quantity)))
        except InvalidValue as error:
            errors.append(InvalidValue(error.message, field=f"stock {warehouse}"))
    if errors:
        raise InvalidInput(errors)
    assert fields is not None
    return ParsedRow(row.line, fields, price, tuple(stock))


def import_catalogue(
    rows: Iterable[CatalogueRow],
    new_uow: Callable[[], CatalogueUnitOfWork],
    *,
    clock: Clock,
    ids: IdGenerator,
    actor: Actor,
    batch_size: int = 500,
    progress: Callable[[int], None] | None = None,
    report: CatalogueImport | None = None,
) -> CatalogueImport:
    """Import catalogue rows (see the module docstring); ``progress`` is told how many rows
    were read after each batch. Returns the report (``report`` if one is given, filled in as
    it goes)."""
    actor.require(Permission.WRITE_COMMERCIAL)
    run = report if report is not None else CatalogueImport()
    batch: list[ParsedRow] = []
    for row in rows:
        run.rows_read += 1
        try:
            batch.append(parse_row(row, clock.now()))
        except InvalidInput as error:
            run.reject(row.line, row.fields.get("sku"), _pairs(error))
        if len(batch) >= batch_size:
            _store(batch, new_uow, clock, ids, run)
            batch = []
            if progress is not None:
                progress(run.rows_read)
    if batch:
        _store(batch, new_uow, clock, ids, run)
    if progress is not None:
        progress(run.rows_read)
    return run


def _pairs(error: InvalidInput) -> list[tuple[str, str]]:
    return [(e.field or "row", e.message) for e in error.errors]


@attrs.define
class _Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    prices: int = 0
    stock: int = 0

    def add_to(self, run: CatalogueImport) -> None:
        run.created += self.created
        run.updated += self.updated
        run.unchanged += self.unchanged
        run.prices_set += self.prices
        run.stock_set += self.stock


def _store(
    batch: list[ParsedRow],
    new_uow: Callable[[], CatalogueUnitOfWork],
    clock: Clock,
    ids: IdGenerator,
    run: CatalogueImport,
) -> None:
    try:
        _write(batch, new_uow, clock, ids).add_to(run)
    except PerlaError:
        if len(batch) == 1:
            raise
        for parsed in batch:  # one by one: a bad row must not sink the batch
            try:
                _write([parsed], new_uow, clock, ids).add_to(run)
            except PerlaError as error:
                run.reject(parsed.line, parsed.fields.sku, [(error.field or "row", error.message)])


def _write(
    batch: list[ParsedRow],
    new_uow: Callable[[], CatalogueUnitOfWork],
    clock: Clock,
    ids: IdGenerator,
) -> _Counts:
    counts = _Counts()
    now = clock.now()
    with new_uow() as uow:
        found = uow.products.by_skus({p.fields.sku for p in batch})
        added: dict[str, Product] = {}
        dirty: dict[str, Product] = {}
        for parsed in batch:
            sku = parsed.fields.sku
            product = added.get(sku) or found.get(sku)
            changed = False
            if product is None:
                product = Product.create(
                    product_id=ids.new_id(), now=now, **attrs.asdict(parsed.fields, recurse=False)
                )
                added[sku] = product
                counts.created += 1
            else:
                described = attrs.asdict(parsed.fields, recurse=False)
                del described["sku"]
                changed = bool(product.describe(now=now, **described))
            if parsed.price is not None and product.set_price(parsed.price, now):
                counts.prices += 1
                changed = True
            for warehouse, quantity in parsed.stock:
                if product.set_stock(warehouse, quantity, now):
                    counts.stock += 1
                    changed = True
            if sku in added:
                continue
            if changed:
                dirty[sku] = product
                counts.updated += 1
            else:
                counts.unchanged += 1
        for product in added.values():
            uow.products.add(product)
        for product in dirty.values():
            uow.products.save(product)
        uow.commit()
    return counts
