"""Catalogue products in memory, with the promises of their tables: SKUs unique, saves
optimistic, reads are copies, lists sorted by SKU with the filters the SQL adapter applies."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Iterable
from uuid import UUID

from perla_adapters.memory.store import InMemoryStore, Transaction, copy_of
from perla_core.catalogue.model import ExchangeRate, Product
from perla_core.catalogue.ports import ProductQuery
from perla_core.kernel.errors import AlreadyExists, InvalidValue, NotFound, StaleVersion
from perla_core.kernel.pagination import Page
from perla_core.kernel.text import fold


class InMemoryProductRepository:
    def __init__(self, store: InMemoryStore, tx: Transaction) -> None:
        self._store = store
        self._tx = tx
        self._pending: dict[UUID, Product] = {}

    def _current(self) -> dict[UUID, Product]:
        return {**self._store.products, **self._pending}

    def add(self, product: Product) -> None:
        with self._store.lock:
            current = self._current()
            if product.id in current:
                raise AlreadyExists(f"product {product.id} already exists", field="id")
            _check_sku(product, current.values())
            product.version = 1
            self._stage(product, base_version=None)

    def save(self, product: Product) -> None:
        with self._store.lock:
            stored = self._current().get(product.id)
            if stored is None:
                raise NotFound("product", product.sku)
            if stored.version != product.version:
                raise StaleVersion("product", product.sku, product.version, stored.version)
            _check_sku(product, self._current().values())
            base = product.version
            product.version = base + 1
            self._stage(product, base_version=base)

    def _stage(self, product: Product, base_version: int | None) -> None:
        snapshot = copy_of(product)
        snapshot.events.clear()
        self._pending[product.id] = snapshot
        self._tx.touch(product)

        def apply(store: InMemoryStore) -> None:
            stored = store.products.get(product.id)
            actual = None if stored is None else stored.version
            if actual != base_version:
                raise StaleVersion("product", product.sku, base_version or 0, actual)
            _check_sku(snapshot, store.products.values())
            store.products[product.id] = snapshot

        self._tx.ops.append(apply)

    def _read(self, stored: Product) -> Product:
        product = copy_of(stored)
        self._tx.touch(product)
        return product

    def get(self, product_id: UUID) -> Product:
        with self._store.lock:
            stored = self._current().get(product_id)
        if stored is None:
            raise NotFound("product", product_id)
        return self._read(stored)

    def by_sku(self, sku: str) -> Product | None:
        with self._store.lock:
            stored = next((p for p in self._current().values() if p.sku == sku), None)
        return None if stored is None else self._read(stored)

    def by_skus(self, skus: Collection[str]) -> dict[str, Product]:
        wanted = set(skus)
        with self._store.lock:
            found = [p for p in self._current().values() if p.sku in wanted]
        return {p.sku: self._read(p) for p in found}

    def list(self, query: ProductQuery) -> Page[Product]:
        with self._store.lock:
            matching = sorted(
                (p for p in self._current().values() if _matches(p, query)), key=lambda p: p.sku
            )
        start = query.page.offset
        items = [copy_of(p) for p in matching[start : start + query.page.limit]]
        return Page(items=items, total=len(matching), limit=query.page.limit, offset=start)

    def count(self) -> int:
        with self._store.lock:
            return len(self._current())

    def brands(self) -> builtins.list[str]:
        with self._store.lock:
            return sorted({p.brand for p in self._current().values()})


def _check_sku(product: Product, others: Iterable[Product]) -> None:
    if any(o.sku == product.sku and o.id != product.id for o in others):
        raise AlreadyExists(f"SKU {product.sku} is another product's", field="sku")


def _matches(p: Product, q: ProductQuery) -> bool:  # noqa: PLR0911 - one filter per return
    if q.brand and fold(q.brand) != fold(p.brand):
        return False
    if q.category is not None and p.category is not q.category:
        return False
    if q.in_stock is not None and p.in_stock != q.in_stock:
        return False
    if q.text:
        haystack = fold(" ".join((p.sku, p.brand, p.model, p.description)))
        if fold(q.text) not in haystack:
            return False
    if q.min_price is None and q.max_price is None:
        return True
    if q.at is None or q.usd_ars is None:
        raise InvalidValue("a price range needs the moment and the exchange rate", field="at")
    price = p.current_price(q.at)
    if price is None:
        return False
    rate = ExchangeRate(q.usd_ars, q.at.date())
    if q.min_price is not None and rate.to(price.amount, q.min_price.currency) < q.min_price:
        return False
    return not (
        q.max_price is not None and rate.to(price.amount, q.max_price.currency) > q.max_price
    )
