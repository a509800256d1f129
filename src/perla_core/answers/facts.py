"""What an answer may say about a product: :class:`ProductFacts`, read at the moment of answering.

Prices and stock are never taken from the search index (which only finds candidates) nor from
a language model: a :class:`FactsSource` reads them from the catalogue's SQL tables each time
an answer is composed, so a price that expired reads as ``None`` ("precio a confirmar") and a
stock that changed since the last message reads as it is now.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

import attrs

from perla_core.kernel.errors import InvalidValue
from perla_core.kernel.money import Money


def _aware(_: Any, attribute: attrs.Attribute[Any], value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValue("must be timezone-aware", field=attribute.name)


def _currency(code: str) -> Any:
    def check(_: Any, attribute: attrs.Attribute[Any], value: Money | None) -> None:
        if value is not None and value.currency != code:
            raise InvalidValue(f"must be in {code}", field=attribute.name)

    return check


def _not_negative(_: Any, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and value < 0:
        raise InvalidValue("must not be negative", field=attribute.name)


def _required(_: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    if not value.strip():
        raise InvalidValue("is required", field=attribute.name)


def _decimal(value: Decimal | int | str | None) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        raise InvalidValue("must be an exact number (int, str or Decimal)", field="spec")
    return Decimal(value)


_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


@attrs.frozen
class ProductFacts:
    """One product as the catalogue knows it right now (``as_of``).

    ``price_ars``/``price_usd`` are list prices before IVA, ``None`` when there is no current
    price; ``stock_total`` adds every warehouse. ``category`` and ``form_factor`` are the
    catalogue's lower-case words (``"camara"``, ``"domo"``, ``"bala"``); ``lens`` is the text
    the sheet gives (``"2.8 mm"``).
    """

    sku: str = attrs.field(validator=_required)
    brand: str = attrs.field(validator=_required)
    model: str = attrs.field(validator=_required)
    title: str = attrs.field(validator=_required)
    category: str
    stock_total: int = attrs.field(validator=_not_negative)
    as_of: datetime = attrs.field(validator=_aware)
    price_ars: Money | None = attrs.field(default=None, validator=_currency("ARS"))
    price_usd: Money | None = attrs.field(default=None, validator=_currency("USD"))
    form_factor: str | None = None
    resolution_mp: Decimal | None = attrs.field(default=None, converter=_decimal)
    ir_range_m: int | None = attrs.field(default=None, validator=_not_negative)
    lens: str | None = None
    poe: bool | None = None
    outdoor: bool | None = None
    channels: int | None = attrs.field(default=None, validator=_not_negative)
    storage_tb: Decimal | None = attrs.field(default=None, converter=_decimal)

    @property
    def in_stock(self) -> bool:
        return self.stock_total > 0

    @property
    def lens_mm(self) -> tuple[Decimal, ...]:
        """The focal lengths in ``lens`` (``"2.8-12 mm"`` gives 2.8 and 12)."""
        return tuple(Decimal(n.replace(",", ".")) for n in _NUMBER.findall(self.lens or ""))

    @property
    def spec_numbers(self) -> frozenset[Decimal]:
        """Every number of the product's sheet a sentence may quote (MP, mm, metres, TB ...)."""
        numbers: set[Decimal] = set(self.lens_mm)
        for value in (self.resolution_mp, self.ir_range_m, self.channels, self.storage_tb):
            if value is not None:
                numbers.add(Decimal(value))
        numbers.update(Decimal(n.replace(",", ".")) for n in _NUMBER.findall(self.title))
        return frozenset(numbers)


class FactsSource(Protocol):
    """Reads :class:`ProductFacts` at answer time (the catalogue's SQL; a dict in tests).

    ``facts_for`` returns the products it knows among ``skus``, keyed by sku; an unknown sku
    (not sold) is simply absent. Read-only, no transaction of its own beyond one consistent read.
    """

    def facts_for(self, skus: Iterable[str]) -> dict[str, ProductFacts]: ...


__all__ = ["FactsSource", "ProductFacts"]
