"""Products, prices and stock (issue 7): the current price at a moment, an expired price never
current, a new price ending the one before, stock never negative, conversions with the
configured rate in half-up cents, and every bad field of a product reported at once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from perla_core.catalogue.events import PriceChanged, ProductChanged, StockChanged
from perla_core.catalogue.model import (
    Attributes,
    Category,
    ExchangeRate,
    FormFactor,
    Placement,
    Price,
    Product,
    parse_attributes,
    parse_lens,
    parse_vat,
    with_vat,
)
from perla_core.catalogue.services import UpsertProduct, parse_product
from perla_core.kernel.errors import InvalidInput, InvalidValue
from perla_core.kernel.money import Money

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
RATE = ExchangeRate(Decimal("1250.50"), date(2026, 11, 24))


def a_product(**changes: object) -> Product:
    product = Product.create(
        product_id=__import__("uuid").uuid4(),
        sku="hik-ds-2cd1043g0-i",
        brand="Hikvision",
        model="DS-2CD1043G0-I",
        category=Category.CAMERA,
        description="Bullet IP 4 MP",
        attributes=Attributes(resolution_mp=Decimal(4), form_factor=FormFactor.BULLET),
        vat_rate=Decimal("10.5"),
        now=NOW,
    )
    for name, value in changes.items():
        setattr(product, name, value)
    return product


def usd(amount: str, start: datetime, until: datetime | None = None) -> Price:
    return Price(Money.of(amount, "USD"), start, until)


def test_a_new_product_has_its_sku_in_capitals_and_announces_itself() -> None:
    product = a_product()
    assert product.sku == "HIK-DS-2CD1043G0-I"
    assert [type(e) for e in product.events] == [ProductChanged]
    assert product.events[0].created  # type: ignore[attr-defined]
    assert product.current_price(NOW) is None
    assert not product.in_stock


def test_the_current_price_is_the_one_covering_the_moment_and_an_expired_one_is_not() -> None:
    product = a_product()
    start = NOW - timedelta(days=60)
    product.set_price(usd("20", start, NOW - timedelta(days=1)), NOW)
    assert product.current_price(NOW - timedelta(days=2)) == product.prices[0]
    assert product.current_price(NOW) is None  # expired yesterday
    assert product.current_price(start - timedelta(seconds=1)) is None


def test_a_new_price_ends_the_open_one_before_it_and_the_same_price_changes_nothing() -> None:
    product = a_product()
    first = usd("20", NOW - timedelta(days=30))
    assert product.set_price(first, NOW)
    assert product.set_price(usd("25", NOW), NOW)
    assert product.prices[0].valid_until == NOW
    assert product.current_price(NOW - timedelta(days=1)) == product.prices[0]
    assert product.current_price(NOW) == product.prices[1]
    events = len(product.events)
    assert not product.set_price(usd("25.00", NOW + timedelta(hours=1)), NOW)
    assert len(product.events) == events
    assert isinstance(product.events[-1], PriceChanged)
    assert product.events[-1].amount == "25.00"


def test_list_prices_are_ars_or_usd_positive_and_kept_to_the_cent() -> None:
    assert usd("62.425", NOW).amount == Money.of("62.43", "USD")
    with pytest.raises(InvalidValue, match="ARS or USD"):
        Price(Money.of("10", "EUR"), NOW)
    with pytest.raises(InvalidValue, match="positive"):
        usd("0", NOW)
    with pytest.raises(InvalidValue, match="end after it starts"):
        usd("1", NOW, NOW)


def test_stock_is_per_warehouse_never_negative_and_totals() -> None:
    product = a_product()
    assert product.set_stock("CABA", 3, NOW)
    assert product.set_stock("Córdoba", 0, NOW)
    assert not product.set_stock("CABA", 3, NOW)
    assert product.total_stock == 3
    assert product.in_stock
    assert isinstance(product.events[-1], StockChanged)
    assert product.events[-1].total == 3
    with pytest.raises(InvalidValue, match="negative"):
        product.set_stock("CABA", -1, NOW)


def test_prices_convert_with_the_configured_rate_in_half_up_cents() -> None:
    assert RATE.to_ars(Money.of("62.40", "USD")) == Money.of("78031.20", "ARS")
    assert RATE.to_usd(Money.of("50000", "ARS")) == Money.of("39.98", "USD")
    assert RATE.to_usd(Money.of("625.25", "ARS")) == Money.of("0.50", "USD")  # 0.49999...
    assert ExchangeRate(Decimal(1000), NOW.date()).to_usd(Money.of("5", "ARS")) == Money.of(
        "0.01", "USD"
    )  # 0.005 rounds up
    assert with_vat(Money.of("100.10", "ARS"), Decimal("10.5")) == Money.of("110.61", "ARS")
    with pytest.raises(InvalidValue):
        ExchangeRate.parse("0", NOW.date())
    with pytest.raises(InvalidValue):
        ExchangeRate.parse("mil", NOW.date())


def test_describing_a_product_reports_only_what_changed() -> None:
    product = a_product()
    product.events.clear()
    fields = {
        "brand": "Hikvision",
        "model": "DS-2CD1043G0-I",
        "category": Category.CAMERA,
        "description": "Bullet IP 4 MP, PoE",
        "attributes": product.attributes,
        "vat_rate": Decimal("10.5"),
    }
    assert product.describe(now=NOW, **fields) == ("description",)  # type: ignore[arg-type]
    assert product.describe(now=NOW, **fields) == ()  # type: ignore[arg-type]
    assert len(product.events) == 1


def test_attributes_are_read_from_spanish_and_english_words() -> None:
    errors: list[InvalidValue] = []
    attributes = parse_attributes(
        {
            "resolution_mp": "2,0",
            "form_factor": "Domo",
            "placement": "Exterior",
            "ir_range_m": "30",
            "lens_mm": "2.8 - 12 mm",
            "poe": "sí",
            "wifi": "no",
            "storage_tb": "1",
        },
        errors,
    )
    assert errors == []
    assert attributes == Attributes(
        resolution_mp=Decimal("2.0"),
        form_factor=FormFactor.DOME,
        placement=Placement.OUTDOOR,
        ir_range_m=30,
        lens_mm="2.8-12",
        poe=True,
        wifi=False,
        storage_tb=Decimal(1),
    )
    assert parse_lens("3,6mm") == "3.6"
    assert parse_vat("10,5%") == Decimal("10.5")
    assert parse_vat(None) == Decimal(21)


def test_every_bad_field_of_a_product_is_reported_at_once() -> None:
    command = UpsertProduct(
        sku="con espacios",
        brand="",
        model="X",
        category="camara espia",
        vat_rate="15",
        attributes={"lens_mm": "grande", "poe": "quizás", "channels": "0", "color": "rojo"},
    )
    with pytest.raises(InvalidInput) as raised:
        parse_product(command)
    assert [e.field for e in raised.value.errors] == [
        "sku",
        "category",
        "vat_rate",
        "brand",
        "color",
        "lens_mm",
        "poe",
        "channels",
    ]
