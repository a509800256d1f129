"""The promises of the product repository, kept by every adapter (memory, SQLite,
PostgreSQL): SKUs unique, saves optimistic, prices and stock stored with the product, reads by
SKUs in one call, lists filtered by brand, category, stock, text and the current price in
either currency, and the events written to the outbox on commit; the import through the use
case on each."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from tests.contract.builders import NewUow

from perla_adapters.memory import FixedClock, SequentialIds
from perla_core.access.model import SYSTEM
from perla_core.catalogue.files import read_catalogue
from perla_core.catalogue.imports import import_catalogue
from perla_core.catalogue.model import (
    Attributes,
    Category,
    ExchangeRate,
    FormFactor,
    Price,
    Product,
)
from perla_core.catalogue.ports import ProductQuery
from perla_core.catalogue.services import products_by_skus
from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion
from perla_core.kernel.money import Money
from perla_core.kernel.pagination import PageRequest


def _product(
    clock: FixedClock, ids: SequentialIds, sku: str, *, brand: str = "Hikvision", **kw: object
) -> Product:
    return Product.create(
        product_id=ids.new_id(),
        sku=sku,
        brand=brand,
        model=f"M-{sku}",
        category=kw.pop("category", Category.CAMERA),  # type: ignore[arg-type]
        description=str(kw.pop("description", "Cámara IP bullet")),
        attributes=Attributes(resolution_mp=Decimal(4), form_factor=FormFactor.BULLET, poe=True),
        vat_rate=Decimal("10.5"),
        now=clock.now(),
    )


def _priced(product: Product, clock: FixedClock, amount: str, currency: str) -> Product:
    start = clock.now() - timedelta(days=10)
    product.set_price(Price(Money.of(amount, currency), start), clock.now())
    return product


def _stored(new_uow: NewUow, *products: Product) -> None:
    with new_uow() as uow:
        for product in products:
            uow.products.add(product)
        uow.commit()


def test_a_product_is_stored_with_its_prices_and_stock_and_read_back_equal(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    product = _priced(_product(clock, ids, "HIK-1"), clock, "62.40", "USD")
    product.set_stock("CABA", 5, clock.now())
    product.set_stock("Córdoba", 0, clock.now())
    _stored(new_uow, product)

    with new_uow() as uow:
        read = uow.products.by_sku("HIK-1")
        assert read is not None
        assert uow.products.get(product.id).sku == "HIK-1"
        assert uow.products.count() == 1
        assert uow.products.brands() == ["Hikvision"]
    assert read.version == 1
    assert read.attributes == product.attributes
    assert read.vat_rate == Decimal("10.5")
    assert read.prices == product.prices
    assert read.stock == {"CABA": 5, "Córdoba": 0}
    assert read.created_at == product.created_at
    assert read.events == []


def test_a_sku_is_unique_and_a_missing_product_is_not_found(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    _stored(new_uow, _product(clock, ids, "HIK-1"))
    with new_uow() as uow, pytest.raises(AlreadyExists):
        uow.products.add(_product(clock, ids, "HIK-1"))
    with new_uow() as uow:
        assert uow.products.by_sku("NOPE") is None
        with pytest.raises(NotFound):
            uow.products.get(ids.new_id())


def test_a_save_is_optimistic_and_rewrites_prices_and_stock(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    product = _priced(_product(clock, ids, "HIK-1"), clock, "100", "USD")
    product.set_stock("CABA", 3, clock.now())
    _stored(new_uow, product)
    with new_uow() as first, new_uow() as second:
        mine = first.products.by_sku("HIK-1")
        theirs = second.products.by_sku("HIK-1")
        assert mine is not None
        assert theirs is not None
        mine.set_price(Price(Money.of("120", "USD"), clock.now()), clock.now())
        mine.stock.pop("CABA")
        mine.set_stock("Córdoba", 7, clock.now())
        first.products.save(mine)
        first.commit()
        theirs.set_stock("CABA", 9, clock.now())
        with pytest.raises(StaleVersion):
            second.products.save(theirs)
    with new_uow() as uow:
        read = uow.products.by_sku("HIK-1")
    assert read is not None
    assert read.version == 2
    assert read.stock == {"Córdoba": 7}
    assert [p.amount for p in read.prices] == [Money.of("100", "USD"), Money.of("120", "USD")]
    assert read.current_price(clock.now()) == read.prices[-1]


def test_products_are_read_by_skus_in_one_call_with_their_current_price(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    expired = _product(clock, ids, "OLD-1")
    start = clock.now() - timedelta(days=90)
    expired.set_price(Price(Money.of("10", "USD"), start, start + timedelta(days=30)), clock.now())
    _stored(
        new_uow,
        _priced(_product(clock, ids, "HIK-1"), clock, "50000", "ARS"),
        _priced(_product(clock, ids, "HIK-2"), clock, "62.40", "USD"),
        expired,
    )
    rate = ExchangeRate(Decimal("1250.50"), date(2026, 1, 15))
    views = products_by_skus(["hik-2", "OLD-1", "HIK-1", "NOPE", "bad sku"], new_uow(), clock, rate)
    assert sorted(views) == ["HIK-1", "HIK-2", "OLD-1"]
    assert views["HIK-2"].price_ars == Money.of("78031.20", "ARS")
    assert views["HIK-1"].price_usd == Money.of("39.98", "USD")  # 50000 / 1250.50 = 39.984
    assert views["OLD-1"].price is None
    with new_uow() as uow:
        assert uow.products.by_skus([]) == {}


def test_lists_filter_by_brand_category_stock_text_and_current_price_in_either_currency(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    cheap = _priced(_product(clock, ids, "CAM-1", description="Domo 2 MP"), clock, "20", "USD")
    cheap.set_stock("CABA", 2, clock.now())
    ars = _priced(_product(clock, ids, "CAM-2", brand="Dahua"), clock, "60000", "ARS")
    dvr = _priced(_product(clock, ids, "DVR-1", category=Category.DVR), clock, "45", "USD")
    dvr.set_stock("Córdoba", 1, clock.now())
    unpriced = _product(clock, ids, "CAM-3", brand="HIKVISIÓN")
    _stored(new_uow, cheap, ars, dvr, unpriced)
    at, usd_ars = clock.now(), Decimal("1000")

    def skus(**kw: object) -> list[str]:
        with new_uow() as uow:
            page = uow.products.list(ProductQuery(**kw))  # type: ignore[arg-type]
        return [p.sku for p in page.items]

    assert skus() == ["CAM-1", "CAM-2", "CAM-3", "DVR-1"]
    assert skus(brand="hikvision") == ["CAM-1", "CAM-3", "DVR-1"]
    assert skus(brand="Hikvisión") == ["CAM-1", "CAM-3", "DVR-1"]
    assert skus(category=Category.DVR) == ["DVR-1"]
    assert skus(in_stock=True) == ["CAM-1", "DVR-1"]
    assert skus(in_stock=False) == ["CAM-2", "CAM-3"]
    assert skus(text="domo 2") == ["CAM-1"]
    assert skus(text="100%_") == []
    ars_range = {"at": at, "usd_ars": usd_ars}
    assert skus(min_price=Money.of("30000", "ARS"), **ars_range) == ["CAM-2", "DVR-1"]
    assert skus(max_price=Money.of("45000", "ARS"), **ars_range) == ["CAM-1", "DVR-1"]
    assert skus(
        min_price=Money.of("44.99", "USD"), max_price=Money.of("60", "USD"), **ars_range
    ) == [
        "CAM-2",
        "DVR-1",
    ]
    with new_uow() as uow:
        page = uow.products.list(ProductQuery(page=PageRequest(limit=2, offset=1)))
    assert [p.sku for p in page.items] == ["CAM-2", "CAM-3"]
    assert page.total == 4


def test_the_events_of_a_product_go_to_the_outbox_on_commit_and_not_on_rollback(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    product = _priced(_product(clock, ids, "HIK-1"), clock, "10", "USD")
    product.set_stock("CABA", 1, clock.now())
    _stored(new_uow, product)
    with new_uow() as uow:
        read = uow.products.by_sku("HIK-1")
        assert read is not None
        read.set_stock("CABA", 4, clock.now())
        uow.products.save(read)  # not committed
    with new_uow() as uow:
        topics = [m.topic for m in uow.outbox.for_aggregate(product.id)]
    assert topics == [
        "catalogue.product_changed",
        "catalogue.price_changed",
        "catalogue.stock_changed",
    ]


def test_a_catalogue_file_imports_on_every_adapter_and_again_changes_nothing(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    text = (
        "sku;marca;modelo;categoria;precio;moneda;stock CABA;stock Córdoba\n"
        "A-1;Hikvision;DS-1;camera;10,50;USD;3;\n"
        "A-1;Hikvision;DS-1;camera;10,50;USD;;2\n"
        "A-2;Dahua;XVR;dvr;45000;ARS;0;0\n"
        "A-3;;X;camara espia;abc;EUR;-1;0\n"
    )
    first = import_catalogue(
        read_catalogue(text, "c.csv"), new_uow, clock=clock, ids=ids, actor=SYSTEM, batch_size=2
    )
    # A-1's second row (same batch) adds its stock in another warehouse
    assert (first.rows_read, first.created, first.updated, first.rows_rejected) == (4, 2, 0, 1)
    assert {f for f, _ in first.rejected[0].errors} == {
        "brand",
        "category",
        "price",
        "currency",
        "stock CABA",
    }
    again = import_catalogue(
        read_catalogue(text, "c.csv"), new_uow, clock=clock, ids=ids, actor=SYSTEM
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    with new_uow() as uow:
        a1 = uow.products.by_sku("A-1")
    assert a1 is not None
    assert a1.stock == {"CABA": 3, "Córdoba": 2}
