"""Catalogue products in SQL: a ``products`` row each (attributes as JSON, folded keys for
the filters, the total stock kept in step), their prices in ``product_prices`` (minor units)
and their stock in ``product_stock``. Saves are optimistic (``UPDATE ... WHERE version =
:seen``) and rewrite the product's prices and stock; ``by_skus`` and ``list`` read products
with their prices and stock in three queries whatever their number."""

from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Connection,
    Insert,
    Update,
    and_,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from perla_adapters.memory.store import TouchedAggregates
from perla_adapters.sql.tables import product_prices, product_stock, products
from perla_core.catalogue.model import (
    Attributes,
    Category,
    FormFactor,
    Placement,
    Price,
    Product,
)
from perla_core.catalogue.ports import ProductQuery
from perla_core.kernel.errors import AlreadyExists, InvalidValue, NotFound, StaleVersion
from perla_core.kernel.money import MINOR_UNITS, Money
from perla_core.kernel.pagination import Page
from perla_core.kernel.text import fold

_RATE_SCALE = 10**6  # the exchange rate as a whole number of millionths, for exact SQL sums


def attributes_to_json(a: Attributes) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in (
        ("resolution_mp", a.resolution_mp),
        ("form_factor", a.form_factor),
        ("placement", a.placement),
        ("ir_range_m", a.ir_range_m),
        ("lens_mm", a.lens_mm),
        ("poe", a.poe),
        ("channels", a.channels),
        ("storage_tb", a.storage_tb),
        ("wifi", a.wifi),
        ("audio", a.audio),
    ):
        if value is None:
            continue
        out[name] = str(value) if isinstance(value, Decimal | FormFactor | Placement) else value
    return out


def attributes_from_json(raw: dict[str, Any]) -> Attributes:
    def dec(name: str) -> Decimal | None:
        return None if raw.get(name) is None else Decimal(str(raw[name]))

    return Attributes(
        resolution_mp=dec("resolution_mp"),
        form_factor=None if raw.get("form_factor") is None else FormFactor(raw["form_factor"]),
        placement=None if raw.get("placement") is None else Placement(raw["placement"]),
        ir_range_m=raw.get("ir_range_m"),
        lens_mm=raw.get("lens_mm"),
        poe=raw.get("poe"),
        channels=raw.get("channels"),
        storage_tb=dec("storage_tb"),
        wifi=raw.get("wifi"),
        audio=raw.get("audio"),
    )


def product_to_row(p: Product) -> dict[str, Any]:
    return {
        "id": p.id,
        "version": p.version,
        "sku": p.sku,
        "brand": p.brand,
        "brand_key": fold(p.brand),
        "model": p.model,
        "category": p.category.value,
        "description": p.description,
        "attributes": attributes_to_json(p.attributes),
        "vat_rate": str(p.vat_rate),
        "total_stock": p.total_stock,
        "search_text": fold(" ".join((p.sku, p.brand, p.model, p.description))),
        "created_at": p.created_at,
        "updated_at": p.updated_at,
    }


def _minor(money: Money) -> int:
    return int(money.rounded().amount.scaleb(money.minor_units))


def _price_rows(p: Product) -> list[dict[str, Any]]:
    return [
        {
            "product_id": p.id,
            "valid_from": price.valid_from,
            "valid_until": price.valid_until,
            "amount_minor": _minor(price.amount),
            "currency": price.amount.currency,
        }
        for price in p.prices
    ]


def _stock_rows(p: Product) -> list[dict[str, Any]]:
    return [{"product_id": p.id, "warehouse": w, "quantity": q} for w, q in p.stock.items()]


class SqlAlchemyProductRepository:
    """Products with their prices and stock (see the module docstring)."""

    def __init__(self, conn: Connection, touched: TouchedAggregates) -> None:
        self._conn = conn
        self._touched = touched

    def add(self, product: Product) -> None:
        taken = self._conn.scalar(select(products.c.id).where(products.c.sku == product.sku))
        if taken is not None:
            raise _sku_taken(product)
        self._write(insert(products).values(product_to_row(product) | {"version": 1}), product)
        self._write_children(product)
        product.version = 1
        self._touched.touch(product)

    def save(self, product: Product) -> None:
        base = product.version
        row = product_to_row(product) | {"version": base + 1}
        del row["id"]
        statement = (
            update(products)
            .where(products.c.id == product.id, products.c.version == base)
            .values(row)
        )
        if self._write(statement, product) == 0:
            actual = self._conn.scalar(
                select(products.c.version).where(products.c.id == product.id)
            )
            if actual is None:
                raise NotFound("product", product.sku)
            raise StaleVersion("product", product.sku, base, actual)
        self._conn.execute(delete(product_prices).where(product_prices.c.product_id == product.id))
        self._conn.execute(delete(product_stock).where(product_stock.c.product_id == product.id))
        self._write_children(product)
        product.version = base + 1
        self._touched.touch(product)

    def _write_children(self, product: Product) -> None:
        prices = _price_rows(product)
        if prices:
            self._conn.execute(insert(product_prices), prices)
        stock = _stock_rows(product)
        if stock:
            self._conn.execute(insert(product_stock), stock)

    def _write(self, statement: Insert | Update, product: Product) -> int:
        try:
            return self._conn.execute(statement).rowcount
        except IntegrityError as exc:
            if "sku" in str(exc.orig).lower():
                raise _sku_taken(product) from exc
            raise

    def _load(self, rows: Sequence[Any], *, touch: bool = True) -> builtins.list[Product]:
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        prices: dict[UUID, list[Price]] = defaultdict(list)
        for r in self._conn.execute(
            select(product_prices)
            .where(product_prices.c.product_id.in_(ids))
            .order_by(product_prices.c.product_id, product_prices.c.valid_from)
        ).mappings():
            amount = Decimal(r["amount_minor"]).scaleb(-MINOR_UNITS[r["currency"]])
            prices[r["product_id"]].append(
                Price(Money(amount, r["currency"]), r["valid_from"], r["valid_until"])
            )
        stock: dict[UUID, dict[str, int]] = defaultdict(dict)
        for r in self._conn.execute(
            select(product_stock)
            .where(product_stock.c.product_id.in_(ids))
            .order_by(product_stock.c.product_id, product_stock.c.warehouse)
        ).mappings():
            stock[r["product_id"]][r["warehouse"]] = r["quantity"]
        loaded = [
            Product(
                id=row["id"],
                sku=row["sku"],
                brand=row["brand"],
                model=row["model"],
                category=Category(row["category"]),
                description=row["description"],
                attributes=attributes_from_json(row["attributes"]),
                vat_rate=Decimal(row["vat_rate"]),
                prices=tuple(prices.get(row["id"], ())),
                stock=dict(stock.get(row["id"], {})),
                created_at=row["created_at"],
                updated_at=row["updated_at"],
                version=row["version"],
            )
            for row in rows
        ]
        if touch:
            for product in loaded:
                self._touched.touch(product)
        return loaded

    def _one(self, where: ColumnElement[bool]) -> Product | None:
        rows = self._conn.execute(select(products).where(where)).mappings().all()
        found = self._load(rows)
        return found[0] if found else None

    def get(self, product_id: UUID) -> Product:
        found = self._one(products.c.id == product_id)
        if found is None:
            raise NotFound("product", product_id)
        return found

    def by_sku(self, sku: str) -> Product | None:
        return self._one(products.c.sku == sku)

    def by_skus(self, skus: Collection[str]) -> dict[str, Product]:
        if not skus:
            return {}
        rows = (
            self._conn.execute(select(products).where(products.c.sku.in_(list(skus))))
            .mappings()
            .all()
        )
        return {p.sku: p for p in self._load(rows)}

    def list(self, query: ProductQuery) -> Page[Product]:
        where = _filters(query)
        total = self._conn.scalar(select(func.count()).select_from(products).where(*where)) or 0
        rows = (
            self._conn.execute(
                select(products)
                .where(*where)
                .order_by(products.c.sku)
                .limit(query.page.limit)
                .offset(query.page.offset)
            )
            .mappings()
            .all()
        )
        return Page(
            items=self._load(rows, touch=False),
            total=total,
            limit=query.page.limit,
            offset=query.page.offset,
        )

    def count(self) -> int:
        return self._conn.scalar(select(func.count()).select_from(products)) or 0

    def brands(self) -> builtins.list[str]:
        return sorted(set(self._conn.scalars(select(products.c.brand).distinct())))


def _sku_taken(product: Product) -> AlreadyExists:
    return AlreadyExists(f"SKU {product.sku} is another product's", field="sku")


def _filters(q: ProductQuery) -> builtins.list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if q.brand:
        where.append(products.c.brand_key == fold(q.brand))
    if q.category is not None:
        where.append(products.c.category == q.category.value)
    if q.in_stock is True:
        where.append(products.c.total_stock > 0)
    elif q.in_stock is False:
        where.append(products.c.total_stock == 0)
    if q.text:
        needle = fold(q.text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(products.c.search_text.like(f"%{needle}%", escape="\\"))
    if q.min_price is not None or q.max_price is not None:
        where.append(_price_between(q))
    return where


def _price_between(q: ProductQuery) -> ColumnElement[bool]:
    """A current price (at ``q.at``) within the range, compared in the range's currency in
    whole millionths of its minor unit: exact integer arithmetic on both databases."""
    if q.at is None or q.usd_ars is None:
        raise InvalidValue("a price range needs the moment and the exchange rate", field="at")
    currency = (q.min_price or q.max_price).currency  # type: ignore[union-attr]
    if any(m is not None and m.currency != currency for m in (q.min_price, q.max_price)):
        raise InvalidValue("both ends of a price range are in one currency", field="max_price")
    rate = int((q.usd_ars * _RATE_SCALE).to_integral_value())
    amount = product_prices.c.amount_minor
    if currency == "ARS":  # USD cents x rate = ARS cents x 10^6
        scaled = case(
            (product_prices.c.currency == "USD", amount * rate), else_=amount * _RATE_SCALE
        )
        factor = _RATE_SCALE
    else:  # ARS cents x 10^6 = USD cents x rate
        scaled = case(
            (product_prices.c.currency == "ARS", amount * _RATE_SCALE), else_=amount * rate
        )
        factor = rate
    conditions: list[ColumnElement[bool]] = [
        product_prices.c.product_id == products.c.id,
        product_prices.c.valid_from <= q.at,
        or_(product_prices.c.valid_until.is_(None), product_prices.c.valid_until > q.at),
    ]
    if q.min_price is not None:
        conditions.append(scaled >= _minor(q.min_price) * factor)
    if q.max_price is not None:
        conditions.append(scaled <= _minor(q.max_price) * factor)
    return select(product_prices.c.product_id).where(and_(*conditions)).exists()
