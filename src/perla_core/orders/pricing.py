"""The catalogue as the orders' :class:`~perla_core.orders.ports.CurrentPricing`.

Prices, VAT and stock are read with :func:`~perla_core.catalogue.services.products_by_skus`
(the same reading the bot's answers use, :class:`~perla_core.answers.catalogue.CatalogueFacts`),
in ARS or USD at the exchange rate of the day: list prices before VAT, rounded half-up to cents.
A product without a current price cannot be sold; a currency other than ARS and USD has no
price.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal

from perla_core.access.model import SYSTEM
from perla_core.answers.catalogue import RateSource
from perla_core.catalogue.model import ExchangeRate
from perla_core.catalogue.ports import CatalogueUnitOfWork
from perla_core.catalogue.services import ProductView, products_by_skus
from perla_core.kernel.money import Money
from perla_core.kernel.ports import Clock
from perla_core.orders.model import PricedSku

_CENT = Decimal("0.01")


def priced_sku(view: ProductView, currency: str) -> PricedSku:
    """One product as an order prices it, in ``currency``."""
    price = {"ARS": view.price_ars, "USD": view.price_usd}.get(currency)
    p = view.product
    return PricedSku(
        sku=p.sku,
        description=p.description or f"{p.brand} {p.model}",
        unit_price=(price or Money.zero(currency)).rounded(),
        vat_rate=p.vat_rate.quantize(_CENT),
        available=view.total_stock,
        sellable=price is not None,
    )


class CataloguePricing:
    """:class:`~perla_core.orders.ports.CurrentPricing` reading the catalogue now."""

    def __init__(
        self, uow_factory: Callable[[], CatalogueUnitOfWork], clock: Clock, rate: RateSource
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._rate = rate

    def current(self, skus: Iterable[str], currency: str) -> dict[str, PricedSku]:
        rate = self._rate if isinstance(self._rate, ExchangeRate) else self._rate()
        views = products_by_skus(list(skus), self._uow_factory(), self._clock, rate, SYSTEM)
        return {sku: priced_sku(view, currency) for sku, view in views.items()}
