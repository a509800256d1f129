"""What is indexed, what is asked and what comes back."""

from __future__ import annotations

import enum
from decimal import Decimal

import attrs

from perla_core.kernel.errors import InvalidValue


class DocumentKind(enum.StrEnum):
    PRODUCT = "product"
    FAQ = "faq"


class SearchMode(enum.StrEnum):
    HYBRID = "hybrid"
    TEXT = "text"
    VECTOR = "vector"


MAX_LIMIT = 100


def _optional_decimal(value: Decimal | int | str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


@attrs.frozen
class SearchDocument:
    """One indexed thing: a product of the catalogue or a chunk of a FAQ/policy page.

    ``id`` is stable (``product:<sku>``, ``faq:<file>#<n>``): upserting the same id again
    replaces the row, which is how a price or stock change follows the catalogue.
    """

    id: str = attrs.field(validator=attrs.validators.min_len(1))
    kind: DocumentKind
    title: str
    text: str = ""
    brand: str = ""
    category: str = ""
    in_stock: bool = False
    price_ars: Decimal | None = attrs.field(default=None, converter=_optional_decimal)
    sku: str = ""

    @property
    def searchable_text(self) -> str:
        """Everything the retrievers read: title, sku, brand, category and body."""
        return " ".join(
            p for p in (self.title, self.sku, self.brand, self.category, self.text) if p
        )


@attrs.frozen
class SearchFilters:
    """Structured filters applied before ranking (never text matched against the query)."""

    kind: DocumentKind | None = None
    brand: str | None = None
    category: str | None = None
    in_stock: bool | None = None
    min_price_ars: Decimal | None = attrs.field(default=None, converter=_optional_decimal)
    max_price_ars: Decimal | None = attrs.field(default=None, converter=_optional_decimal)

    def __attrs_post_init__(self) -> None:
        low, high = self.min_price_ars, self.max_price_ars
        if low is not None and high is not None and low > high:
            raise InvalidValue("min_price_ars is above max_price_ars", field="min_price_ars")

    def accepts(self, doc: SearchDocument) -> bool:
        """The reference semantics every adapter's filter must reproduce."""
        if self.kind is not None and doc.kind != self.kind:
            return False
        if self.brand is not None and doc.brand.casefold() != self.brand.casefold():
            return False
        if self.category is not None and doc.category.casefold() != self.category.casefold():
            return False
        if self.in_stock is not None and doc.in_stock != self.in_stock:
            return False
        if self.min_price_ars is not None and (
            doc.price_ars is None or doc.price_ars < self.min_price_ars
        ):
            return False
        return not (
            self.max_price_ars is not None
            and (doc.price_ars is None or doc.price_ars > self.max_price_ars)
        )


def _check_limit(_: object, __: attrs.Attribute[int], value: int) -> None:
    if not 1 <= value <= MAX_LIMIT:
        raise InvalidValue(f"limit must be between 1 and {MAX_LIMIT}", field="limit")


@attrs.frozen
class SearchQuery:
    text: str
    filters: SearchFilters = attrs.field(factory=SearchFilters)
    limit: int = attrs.field(default=5, validator=_check_limit)
    mode: SearchMode = SearchMode.HYBRID


class Retriever(enum.StrEnum):
    TEXT = "text"
    VECTOR = "vector"


@attrs.frozen
class SearchHit:
    """A ranked result; ``why`` names the retrievers that found it (one or both)."""

    id: str
    kind: DocumentKind
    score: float
    why: frozenset[Retriever]
