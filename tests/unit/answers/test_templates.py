"""Answers rendered from data: ARS money, stock, quantities and WhatsApp lists within limits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from perla_core.answers import ProductFacts
from perla_core.answers.templates import (
    NO_PRICE,
    format_money,
    list_answer,
    product_answer,
    quantity_answer,
)
from perla_core.kernel.errors import InvalidValue
from perla_core.kernel.money import Money
from perla_core.messaging.messages import (
    ROW_DESCRIPTION_MAX,
    ROW_TITLE_MAX,
    ROWS_MAX,
    ListMessage,
    TextMessage,
)

AS_OF = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def product(**overrides: Any) -> ProductFacts:
    values: dict[str, Any] = {
        "sku": "HIK-1043",
        "brand": "Hikvision",
        "model": "DS-2CD1043G0-I",
        "title": "Cámara IP domo 4 MP 2.8 mm",
        "category": "camara",
        "form_factor": "domo",
        "resolution_mp": 4,
        "lens": "2.8 mm",
        "stock_total": 12,
        "as_of": AS_OF,
        "price_ars": Money.of("45999", "ARS"),
    }
    values.update(overrides)
    return ProductFacts(**values)


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money.of("45999", "ARS"), "$ 45.999,00"),
        (Money.of("1234567.891", "ARS"), "$ 1.234.567,89"),
        (Money.of("999.5", "ARS"), "$ 999,50"),
        (Money.of("0", "ARS"), "$ 0,00"),
        (Money.of("120", "USD"), "USD 120,00"),
        (Money.of("12500.25", "USD"), "USD 12.500,25"),
    ],
)
def test_money_is_written_with_dots_for_thousands_and_a_decimal_comma(
    money: Money, text: str
) -> None:
    assert format_money(money) == text


def test_one_product_answer_gives_the_price_with_the_iva_note_and_the_stock() -> None:
    message = product_answer(product())

    assert message.text == (
        "Hikvision DS-2CD1043G0-I (Cámara IP domo 4 MP 2.8 mm)\n"
        "$ 45.999,00 + IVA.\n"
        "Hay 12 en stock."
    )


def test_a_product_without_stock_says_so() -> None:
    assert "Sin stock ahora." in product_answer(product(stock_total=0)).text


def test_a_product_whose_price_expired_asks_a_seller_instead_of_quoting_one() -> None:
    message = product_answer(product(price_ars=None))

    assert NO_PRICE in message.text.lower()
    assert "$" not in message.text


def test_a_product_priced_only_in_dollars_quotes_dollars() -> None:
    message = product_answer(product(price_ars=None, price_usd=Money.of("120", "USD")))

    assert "USD 120,00 + IVA" in message.text


@pytest.mark.parametrize(
    ("stock", "quantity", "phrase"),
    [
        (12, 10, "tenemos 12, te alcanzan"),
        (10, 10, "tenemos 10, te alcanzan"),
        (4, 10, "tenemos 4 de las 10"),
        (0, 10, "sin stock ahora"),
    ],
)
def test_a_quantity_question_says_whether_the_stock_covers_it(
    stock: int, quantity: int, phrase: str
) -> None:
    message = quantity_answer(product(stock_total=stock), quantity)

    assert phrase in message.text
    assert "$ 45.999,00 + IVA c/u" in message.text


def test_a_quantity_of_masculine_products_agrees_in_gender() -> None:
    disk = product(category="disco", title="Disco WD Purple 2 TB", stock_total=3)

    assert "tenemos 3 de los 5" in quantity_answer(disk, 5).text


def test_a_list_answer_shows_in_stock_models_with_price_and_stock_cheapest_first() -> None:
    products = [
        product(sku="A", model="DS-2CD1043G0-I", price_ars=Money.of("45999", "ARS")),
        product(sku="B", model="DS-2CE16D0T-IRPF", price_ars=Money.of("19999", "ARS")),
        product(sku="C", model="DS-2CD2143G2-I", stock_total=0),
        product(sku="D", model="DS-2CD1023G0E-I", price_ars=None, stock_total=3),
    ]

    message = list_answer(products, subject="cámaras Hikvision")

    assert isinstance(message, ListMessage)
    rows = message.sections[0].rows
    assert [row.id for row in rows] == ["product:B", "product:A", "product:D"]
    assert rows[0].title == "DS-2CE16D0T-IRPF"
    assert rows[0].description == "Cámara IP domo 4 MP 2.8 mm · $ 19.999,00 + IVA · 12 en stock"
    assert rows[2].description is not None
    assert "precio a confirmar · 3 en stock" in rows[2].description
    assert message.body.startswith("Tenemos 3 modelos de cámaras Hikvision en stock.")


def test_a_long_list_keeps_whatsapps_limits_and_says_how_many_it_shows() -> None:
    products = [
        product(
            sku=f"SKU-{i:02d}",
            model=f"DS-2CD2T87G2P-LSU/SL-{i:02d}-EXTRA-LONG",
            title="Cámara IP bala ColorVu 8 MP lente 4 mm con audio y luz estroboscópica " * 2,
            price_ars=Money.of(str(1_000_000 + i), "ARS"),
        )
        for i in range(25)
    ]

    message = list_answer(products, subject="cámaras Hikvision con nombres muy largos")

    assert isinstance(message, ListMessage)
    rows = message.sections[0].rows
    assert len(rows) == ROWS_MAX
    assert "Te muestro 10" in message.body
    for row in rows:
        assert len(row.title) <= ROW_TITLE_MAX
        assert row.description is not None
        assert len(row.description) <= ROW_DESCRIPTION_MAX
        assert row.description.endswith(" + IVA · 12 en stock")


def test_a_list_with_nothing_in_stock_is_a_text_saying_so() -> None:
    message = list_answer([product(stock_total=0)], subject="cámaras Hikvision")

    assert message == TextMessage(
        "Ahora no tenemos cámaras Hikvision en stock. ¿Querés que te contacte un vendedor?"
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("stock_total", -1),
        ("as_of", datetime(2026, 1, 1)),  # noqa: DTZ001 - the naive datetime is the point
        ("price_ars", Money.of("10", "USD")),
        ("price_usd", Money.of("10", "ARS")),
        ("sku", " "),
    ],
)
def test_facts_refuse_impossible_values(field: str, value: object) -> None:
    with pytest.raises(InvalidValue) as raised:
        product(**{field: value})
    assert raised.value.field == field


def test_a_list_cut_at_the_search_limit_says_more_than_rather_than_a_wrong_count() -> None:
    products = [product(sku=f"SKU-{i:03d}") for i in range(100)]

    counted = list_answer(products, subject="cámaras")
    capped = list_answer(products, subject="cámaras", capped=True)

    assert isinstance(counted, ListMessage)
    assert isinstance(capped, ListMessage)
    assert counted.body.startswith("Tenemos 100 modelos de cámaras en stock.")
    assert capped.body.startswith("Tenemos más de 100 modelos de cámaras en stock.")
