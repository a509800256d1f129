"""What the catalogue's use cases need from storage."""

from __future__ import annotations

import builtins
from collections.abc import Collection
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

import attrs

from perla_core.catalogue.model import Category, Product
from perla_core.kernel.money import Money
from perla_core.kernel.pagination import Page, PageRequest


@attrs.frozen
class ProductQuery:
    """Filters of a product list, all optional, ANDed. ``brand`` matches case and accents
    aside; ``text`` looks in the SKU, brand, model and description. A price range (``min_price``
    / ``max_price``, in ARS or USD) compares the price current at ``at``, converted with
    ``usd_ars`` (both required with a range): a product without a current price is left out.
    Sorted by SKU."""

    brand: str | None = None
    category: Category | None = None
    in_stock: bool | None = None
    text: str | None = None
    min_price: Money | None = None
    max_price: Money | None = None
    at: datetime | None = None
    usd_ars: Decimal | None = None
    page: PageRequest = attrs.field(factory=PageRequest)


class ProductRepository(Protocol):
    """Products by id or SKU (unique), with their prices and stock. ``save`` is optimistic
    (``StaleVersion`` when another writer saved first); ``add`` raises ``AlreadyExists`` on a
    taken SKU. Reads return copies the caller may change and save."""

    def add(self, product: Product) -> None: ...

    def save(self, product: Product) -> None: ...

    def get(self, product_id: UUID) -> Product:
        """Raises ``NotFound``."""
        ...

    def by_sku(self, sku: str) -> Product | None: ...

    def by_skus(self, skus: Collection[str]) -> dict[str, Product]:
        """The products of these SKUs that exist, by SKU, in one query."""
        ...

    def list(self, query: ProductQuery) -> Page[Product]: ...

    def count(self) -> int: ...

    def brands(self) -> builtins.list[str]:
        """Every brand in the catalogue, sorted."""
        ...


class CatalogueUnitOfWork(Protocol):
    """The part of the unit of work the catalogue's use cases use."""

    @property
    def products(self) -> ProductRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...
