"""The catalogue as the answers and the search index see it.

:class:`CatalogueFacts` is the :class:`~perla_core.answers.facts.FactsSource` of the real
catalogue: it reads the products with :func:`~perla_core.catalogue.services.products_by_skus`
each time an answer is composed, so prices and stock come from SQL, never from the index.
:func:`product_document` turns a product into the :class:`~perla_core.search.model.SearchDocument`
the index ranks; :func:`index_product` re-reads one product and upserts (or deletes) its
document, which is how the index follows the catalogue's events (idempotent).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Final

from perla_core.access.model import SYSTEM
from perla_core.answers.facts import ProductFacts
from perla_core.catalogue.model import Category, ExchangeRate, FormFactor, Placement
from perla_core.catalogue.ports import CatalogueUnitOfWork, ProductQuery
from perla_core.catalogue.services import ProductView, list_products, products_by_skus
from perla_core.kernel.pagination import MAX_LIMIT, PageRequest
from perla_core.kernel.ports import Clock
from perla_core.search.model import DocumentKind, SearchDocument
from perla_core.search.ports import SearchIndex

CATEGORY_WORDS: Final[dict[Category, str]] = {
    Category.CAMERA: "cámara",
    Category.DVR: "DVR grabador",
    Category.NVR: "NVR grabador",
    Category.KIT: "kit",
    Category.DISK: "disco rígido",
    Category.ACCESSORY: "accesorio",
    Category.SWITCH: "switch",
    Category.CABLE: "cable",
    Category.POWER: "fuente de alimentación",
}
"""How a customer names each category (what the text retriever matches)."""

FORM_WORDS: Final[dict[FormFactor, str]] = {
    FormFactor.DOME: "domo",
    FormFactor.BULLET: "bullet bala",
    FormFactor.TURRET: "turret",
    FormFactor.PTZ: "PTZ",
    FormFactor.BOX: "box",
    FormFactor.FISHEYE: "fisheye",
}

RateSource = ExchangeRate | Callable[[], ExchangeRate]


def product_document_id(sku: str) -> str:
    return f"product:{sku}"


def facts_of(view: ProductView) -> ProductFacts:
    """A product view as the facts an answer may quote."""
    p = view.product
    a = p.attributes
    outdoor = None if a.placement is None else a.placement in (Placement.OUTDOOR, Placement.BOTH)
    return ProductFacts(
        sku=p.sku,
        brand=p.brand,
        model=p.model,
        title=p.description or f"{CATEGORY_WORDS[p.category]} {p.brand} {p.model}",
        category=p.category.value,
        stock_total=view.total_stock,
        as_of=view.at,
        price_ars=view.price_ars,
        price_usd=view.price_usd,
        form_factor=None if a.form_factor is None else a.form_factor.value,
        resolution_mp=a.resolution_mp,
        ir_range_m=a.ir_range_m,
        lens=None if a.lens_mm is None else f"{a.lens_mm} mm",
        poe=a.poe,
        outdoor=outdoor,
        channels=a.channels,
        storage_tb=a.storage_tb,
    )


def _attribute_words(view: ProductView) -> list[str]:
    a = view.product.attributes
    words: list[str] = []
    if a.resolution_mp is not None:
        words.append(f"{a.resolution_mp} MP")
    if a.form_factor is not None:
        words.append(FORM_WORDS[a.form_factor])
    if a.placement is Placement.OUTDOOR:
        words.append("exterior")
    elif a.placement is Placement.INDOOR:
        words.append("interior")
    elif a.placement is Placement.BOTH:
        words.append("interior exterior")
    if a.ir_range_m is not None:
        words.append(f"IR {a.ir_range_m} m")
    if a.lens_mm is not None:
        words.append(f"lente {a.lens_mm} mm")
    if a.poe:
        words.append("PoE")
    if a.channels is not None:
        words.append(f"{a.channels} canales")
    if a.storage_tb is not None:
        words.append(f"{a.storage_tb} TB")
    if a.wifi:
        words.append("wifi")
    if a.audio:
        words.append("audio")
    return words


def product_document(view: ProductView) -> SearchDocument:
    """The product as the index ranks it: words to find it by and the filters it passes.

    The price and stock in the document only filter and rank candidates; an answer reads them
    again from the catalogue.
    """
    p = view.product
    text = " ".join(
        part
        for part in (
            p.brand,
            p.model,
            CATEGORY_WORDS[p.category],
            " ".join(_attribute_words(view)),
            p.description,
        )
        if part
    )
    return SearchDocument(
        id=product_document_id(p.sku),
        kind=DocumentKind.PRODUCT,
        title=f"{p.brand} {p.model}",
        text=text,
        brand=p.brand,
        category=p.category.value,
        in_stock=view.in_stock,
        price_ars=None if view.price_ars is None else view.price_ars.amount,
        sku=p.sku,
    )


def _rate(rate: RateSource) -> ExchangeRate:
    return rate if isinstance(rate, ExchangeRate) else rate()


class CatalogueFacts:
    """:class:`~perla_core.answers.facts.FactsSource` reading the catalogue at answer time."""

    def __init__(
        self, uow_factory: Callable[[], CatalogueUnitOfWork], clock: Clock, rate: RateSource
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._rate = rate

    def views(self, skus: Iterable[str]) -> dict[str, ProductView]:
        return products_by_skus(
            list(skus), self._uow_factory(), self._clock, _rate(self._rate), SYSTEM
        )

    def facts_for(self, skus: Iterable[str]) -> dict[str, ProductFacts]:
        return {sku: facts_of(view) for sku, view in self.views(skus).items()}


def index_product(
    sku: str,
    uow: CatalogueUnitOfWork,
    clock: Clock,
    rate: RateSource,
    index: SearchIndex,
) -> bool:
    """Re-read ``sku`` and upsert its document (delete it if the product is gone).

    Idempotent: the document always reflects the catalogue as it is now, whatever event
    asked for it and however many times. Returns whether a document was written (a document
    already equal to the product's is left alone: an import after a rebuild writes nothing).
    """
    views = products_by_skus([sku], uow, clock, _rate(rate), SYSTEM)
    view = next(iter(views.values()), None)
    if view is None:
        index.delete_many([product_document_id(sku)])
        return False
    document = product_document(view)
    if index.get(document.id) == document:
        return False  # already as the catalogue is (a rebuild ran, or the event came twice)
    index.upsert_many([document])
    return True


def catalogue_documents(
    uow_factory: Callable[[], CatalogueUnitOfWork], clock: Clock, rate: RateSource
) -> Iterator[SearchDocument]:
    """Every product of the catalogue as a document, a page at a time (a full rebuild)."""
    offset = 0
    while True:
        query = ProductQuery(page=PageRequest(limit=MAX_LIMIT, offset=offset))
        page = list_products(query, uow_factory(), clock, _rate(rate), SYSTEM)
        yield from (product_document(view) for view in page.items)
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return


__all__ = [
    "CATEGORY_WORDS",
    "CatalogueFacts",
    "catalogue_documents",
    "facts_of",
    "index_product",
    "product_document",
    "product_document_id",
]
