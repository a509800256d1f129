"""Answers rendered from data only, in Rioplatense Spanish, within WhatsApp's limits.

Every figure in these messages comes from :class:`~perla_core.answers.facts.ProductFacts` read
at answer time: prices as ``$ 45.999,00 + IVA`` (list prices before IVA), stock as ``hay 12 en
stock`` or ``sin stock ahora``, and a product without a current price as "precio a confirmar,
te lo paso con un vendedor". These are also what :func:`~perla_core.answers.guard.compose_answer`
falls back to whenever a language model's draft cannot be trusted.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Final

from perla_core.answers.facts import ProductFacts
from perla_core.answers.similar import Suggestion
from perla_core.kernel.money import Money
from perla_core.messaging.messages import (
    INTERACTIVE_BODY_MAX,
    ROW_DESCRIPTION_MAX,
    ROW_TITLE_MAX,
    ROWS_MAX,
    SECTION_TITLE_MAX,
    ListMessage,
    ListRow,
    ListSection,
    TextMessage,
)

NO_PRICE: Final = "precio a confirmar, te lo paso con un vendedor"
LIST_BUTTON: Final = "Ver modelos"
ROW_ID_PREFIX: Final = "product:"
_FEMININE: Final = frozenset({"camara", "cámara", "camera", "alarma", "fuente", "placa"})


def format_money(money: Money) -> str:
    """``$ 45.999,00`` for pesos, ``USD 120,00`` for dollars: dots for thousands, comma decimals."""
    english = f"{money.rounded().amount:,.{money.minor_units}f}"
    spanish = english.replace(",", "_").replace(".", ",").replace("_", ".")
    symbol = "$" if money.currency == "ARS" else money.currency
    return f"{symbol} {spanish}"


def format_number(value: Decimal | int) -> str:
    """A sheet number without trailing zeros: ``2.8``, ``4``, ``30``."""
    return format(Decimal(value).normalize(), "f")


def price_phrase(facts: ProductFacts) -> str:
    """``$ 45.999,00 + IVA``, or "precio a confirmar ..." when there is no current price."""
    if facts.price_ars is not None:
        return f"{format_money(facts.price_ars)} + IVA"
    if facts.price_usd is not None:
        return f"{format_money(facts.price_usd)} + IVA"
    return NO_PRICE


def stock_phrase(facts: ProductFacts) -> str:
    return f"hay {facts.stock_total} en stock" if facts.in_stock else "sin stock ahora"


def display_name(facts: ProductFacts) -> str:
    return f"{facts.brand} {facts.model}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def product_answer(facts: ProductFacts) -> TextMessage:
    """One product: name, price with the IVA note, and stock now."""
    return TextMessage(
        f"{display_name(facts)} ({facts.title})\n"
        f"{_capital(price_phrase(facts))}.\n"
        f"{_capital(stock_phrase(facts))}."
    )


def quantity_phrase(facts: ProductFacts, quantity: int) -> str:
    """``tenemos 12, te alcanzan`` / ``tenemos 4 de las 10`` / ``sin stock ahora``."""
    if not facts.in_stock:
        return "sin stock ahora"
    if facts.stock_total >= quantity:
        return f"tenemos {facts.stock_total}, te alcanzan"
    article = "las" if facts.category.lower() in _FEMININE else "los"
    return f"tenemos {facts.stock_total} de {article} {quantity}"


def quantity_answer(facts: ProductFacts, quantity: int) -> TextMessage:
    """ "¿tenés 10?": whether the stock now covers ``quantity``, with the unit price."""
    return TextMessage(
        f"{display_name(facts)} ({facts.title}): {quantity_phrase(facts, quantity)}.\n"
        f"{_capital(price_phrase(facts))} c/u."
    )


def _row(facts: ProductFacts) -> ListRow:
    priced = facts.price_ars is not None or facts.price_usd is not None
    price = price_phrase(facts) if priced else "precio a confirmar"
    tail = f"{price} · {facts.stock_total} en stock"
    room = ROW_DESCRIPTION_MAX - len(tail) - len(" · ")
    description = (
        f"{_clip(facts.title, room)} · {tail}" if room >= 8 else _clip(tail, ROW_DESCRIPTION_MAX)
    )
    return ListRow(
        id=f"{ROW_ID_PREFIX}{facts.sku}",
        title=_clip(facts.model, ROW_TITLE_MAX),
        description=description,
    )


def _list_order(facts: ProductFacts) -> tuple[bool, Decimal, str]:
    price = facts.price_ars.amount if facts.price_ars is not None else Decimal(0)
    return (facts.price_ars is None, price, facts.sku)


def list_answer(
    products: Sequence[ProductFacts], *, subject: str, capped: bool = False
) -> ListMessage | TextMessage:
    """ "¿qué cámaras Hikvision tenés?": the in-stock models as a WhatsApp list, cheapest first.

    At most 10 rows (WhatsApp's limit); the body says how many more there are. ``subject`` is
    what was asked for ("cámaras Hikvision"); ``capped`` means ``products`` stopped at the
    search's limit, so the body says "más de" that many. Nothing in stock → a text saying so.
    """
    available = sorted((p for p in products if p.in_stock), key=_list_order)
    if not available:
        return TextMessage(
            f"Ahora no tenemos {subject} en stock. ¿Querés que te contacte un vendedor?"
        )
    shown = available[:ROWS_MAX]
    models = "modelo" if len(available) == 1 else "modelos"
    count = f"más de {len(available)}" if capped else str(len(available))
    body = f"Tenemos {count} {models} de {subject} en stock."
    if len(available) > len(shown):
        body += f" Te muestro {len(shown)}; pedime otro modelo si no está."
    body += " Precios sin IVA. Elegí uno para ver el detalle."
    return ListMessage(
        body=_clip(body, INTERACTIVE_BODY_MAX),
        button=LIST_BUTTON,
        sections=[
            ListSection(
                title=_clip(_capital(subject), SECTION_TITLE_MAX), rows=[_row(p) for p in shown]
            )
        ],
    )


def similar_answer(
    asked: ProductFacts | None, asked_name: str, suggestions: Sequence[Suggestion]
) -> TextMessage:
    """The product asked for is out of stock (``asked``) or not sold (``asked`` None): up to 3
    in-stock alternatives, each with its price, stock and one line on how it differs."""
    opening = (
        f"{display_name(asked)} está sin stock ahora."
        if asked is not None
        else f"{asked_name} no lo trabajamos."
    )
    if not suggestions:
        return TextMessage(f"{opening} ¿Querés que te contacte un vendedor?")
    lines = [f"{opening} Te propongo:"]
    for suggestion in suggestions:
        product = suggestion.product
        lines.append(
            f"• {display_name(product)}: {price_phrase(product)}, {stock_phrase(product)} "
            f"({suggestion.difference})"
        )
    return TextMessage("\n".join(lines))


__all__ = [
    "LIST_BUTTON",
    "NO_PRICE",
    "ROW_ID_PREFIX",
    "display_name",
    "format_money",
    "format_number",
    "list_answer",
    "price_phrase",
    "product_answer",
    "quantity_answer",
    "quantity_phrase",
    "similar_answer",
    "stock_phrase",
]
