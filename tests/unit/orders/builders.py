"""A shelf of products the purchase tests price orders from (a :class:`CurrentPricing`)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from perla_core.kernel.money import Money
from perla_core.orders.model import PricedSku


class Shelf:
    """A :class:`~perla_core.orders.ports.CurrentPricing` the test changes: ARS prices before
    VAT and stock."""

    def __init__(self) -> None:
        self.items: dict[str, PricedSku] = {}

    def put(self, sku: str, price: str, stock: int, vat: str = "21.00") -> None:
        self.items[sku] = PricedSku(
            sku, f"Producto {sku}", Money.of(price, "ARS"), Decimal(vat), stock, True
        )

    def current(self, skus: Iterable[str], currency: str) -> dict[str, PricedSku]:
        assert currency == "ARS"
        return {s: self.items[s] for s in skus if s in self.items}


def a_shelf() -> Shelf:
    shelf = Shelf()
    shelf.put("CAM-1", "10000.00", 5)
    shelf.put("DISK-2", "50000.00", 2, vat="10.50")
    return shelf
