"""Similar products for one that is out of stock or not sold (seed 004: "ofrecer un producto de
características similares").

Only products in stock are proposed, at most three, ranked by: same category, same form factor,
closest resolution, closest IR range, price within ±30 % of the one asked for, then sku (so the
ranking is deterministic). Each comes with one line saying how it differs ("misma resolución,
lente 2.8 mm en lugar de 4 mm"), built from the attributes alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Final

import attrs

from perla_core.answers.facts import ProductFacts
from perla_core.kernel.money import Money

MAX_SUGGESTIONS: Final = 3
PRICE_BAND: Final = Decimal("0.30")
_FAR: Final = Decimal(10**9)


def _decimal(value: Decimal | int | None) -> Decimal | None:
    return None if value is None else Decimal(value)


@attrs.frozen
class Wanted:
    """What the customer asked for: a known product's attributes, or only what they said
    ("una domo de 4 megas") when the product is not sold."""

    category: str | None = None
    form_factor: str | None = None
    resolution_mp: Decimal | None = attrs.field(default=None, converter=_decimal)
    ir_range_m: int | None = None
    lens: str | None = None
    price_ars: Money | None = None
    sku: str | None = None

    @classmethod
    def like(cls, product: ProductFacts) -> Wanted:
        return cls(
            category=product.category,
            form_factor=product.form_factor,
            resolution_mp=product.resolution_mp,
            ir_range_m=product.ir_range_m,
            lens=product.lens,
            price_ars=product.price_ars,
            sku=product.sku,
        )


@attrs.frozen
class Suggestion:
    """One alternative with the line explaining how it differs from what was asked."""

    product: ProductFacts
    difference: str


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.strip().lower() == b.strip().lower()


def _distance(a: Decimal | int | None, b: Decimal | int | None) -> Decimal:
    if a is None or b is None:
        return _FAR
    return abs(Decimal(a) - Decimal(b))


def _outside_band(wanted: Money | None, offered: Money | None) -> bool:
    if wanted is None or offered is None or wanted.amount <= 0:
        return True
    return abs(offered.amount - wanted.amount) > wanted.amount * PRICE_BAND


def _rank(wanted: Wanted, product: ProductFacts) -> tuple[bool, bool, Decimal, Decimal, bool, str]:
    return (
        not _same(wanted.category, product.category),
        not _same(wanted.form_factor, product.form_factor),
        _distance(wanted.resolution_mp, product.resolution_mp),
        _distance(wanted.ir_range_m, product.ir_range_m),
        _outside_band(wanted.price_ars, product.price_ars),
        product.sku,
    )


def _num(value: Decimal | int) -> str:
    return format(Decimal(value).normalize(), "f")


def _norm_lens(lens: str | None) -> str | None:
    return None if lens is None else "".join(lens.lower().split()).replace(",", ".")


def explain(wanted: Wanted, product: ProductFacts) -> str:
    """One line: the resolution first (same or which), then what differs (format, lens, IR);
    with nothing else different, the shared format."""
    parts: list[str] = []
    if wanted.resolution_mp is not None and product.resolution_mp is not None:
        if wanted.resolution_mp == product.resolution_mp:
            parts.append("misma resolución")
        else:
            parts.append(
                f"{_num(product.resolution_mp)} MP en lugar de {_num(wanted.resolution_mp)} MP"
            )
    differences: list[str] = []
    if wanted.category and product.category and not _same(wanted.category, product.category):
        differences.append(f"es {product.category}")
    if (
        wanted.form_factor
        and product.form_factor
        and not _same(wanted.form_factor, product.form_factor)
    ):
        differences.append(f"formato {product.form_factor} en lugar de {wanted.form_factor}")
    if wanted.lens and product.lens and _norm_lens(wanted.lens) != _norm_lens(product.lens):
        differences.append(f"lente {product.lens} en lugar de {wanted.lens}")
    if (
        wanted.ir_range_m is not None
        and product.ir_range_m is not None
        and wanted.ir_range_m != product.ir_range_m
    ):
        differences.append(f"IR {product.ir_range_m} m en lugar de {wanted.ir_range_m} m")
    if differences:
        parts.extend(differences)
    elif product.form_factor and _same(wanted.form_factor, product.form_factor):
        parts.append(f"mismo formato {product.form_factor}")
    return ", ".join(parts[:3]) or "características similares"


def similar_products(
    wanted: Wanted, candidates: Iterable[ProductFacts], *, limit: int = MAX_SUGGESTIONS
) -> list[Suggestion]:
    """Up to ``limit`` in-stock candidates closest to ``wanted``, each explained."""
    available = [p for p in candidates if p.in_stock and p.sku != wanted.sku]
    ranked = sorted(available, key=lambda p: _rank(wanted, p))
    return [Suggestion(product=p, difference=explain(wanted, p)) for p in ranked[:limit]]


__all__ = ["MAX_SUGGESTIONS", "Suggestion", "Wanted", "explain", "similar_products"]
