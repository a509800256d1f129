"""The order's values: VAT per rate rounded once per rate, repricing, the summary's fingerprint,
and the catalogue as the orders' pricing (ARS and USD at the day's rate)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perla_adapters.memory import FixedClock, InMemoryStore, InMemoryUnitOfWork, SequentialIds
from perla_core.catalogue.model import Attributes, Category, ExchangeRate, Price, Product
from perla_core.kernel.errors import InvalidInput, InvalidValue
from perla_core.kernel.money import Money
from perla_core.orders.model import (
    LineChangeKind,
    Order,
    OrderChannel,
    OrderLine,
    PricedSku,
    parse_lines,
    reprice,
    summary_digest,
    vat_rate,
)
from perla_core.orders.pricing import CataloguePricing

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def an_order(lines: list[OrderLine]) -> Order:
    return Order.create(
        order_id=uuid4(), number=1, client_id=uuid4(), currency="ARS",
        channel=OrderChannel.WHATSAPP, lines=lines, now=NOW, actor="t",
    )  # fmt: skip


def line(price: str, qty: int = 1, vat: str = "21.00", sku: str | None = None) -> OrderLine:
    return OrderLine("x", qty, Money.of(price, "ARS"), sku=sku, vat_rate=Decimal(vat))


def test_vat_is_computed_once_per_rate_on_the_sum_of_its_lines_half_up() -> None:
    order = an_order([line("0.05"), line("0.05"), line("0.10", vat="10.50")])

    # 0.10 at 21 % is 0.021 -> 0.02 (per line it would be 0.01 + 0.01); 0.10 at 10.5 % -> 0.01
    assert [(v.rate, v.base.amount, v.vat.amount) for v in order.vat_breakdown] == [
        (Decimal("21.00"), Decimal("0.10"), Decimal("0.02")),
        (Decimal("10.50"), Decimal("0.10"), Decimal("0.01")),
    ]
    assert order.total_with_vat == Money.of("0.23", "ARS")


@given(
    st.lists(
        st.tuples(
            st.decimals(min_value=0, max_value=10**6, places=2),
            st.integers(min_value=1, max_value=50),
            st.sampled_from(["21.00", "10.50"]),
        ),
        max_size=8,
    )
)
def test_the_lines_and_the_vat_always_add_up_to_the_total(
    raw: list[tuple[Decimal, int, str]],
) -> None:
    order = an_order([line(str(p), q, v) for p, q, v in raw])

    assert sum((x.total.amount for x in order.lines), Decimal(0)) == order.total.amount
    assert sum((v.base.amount for v in order.vat_breakdown), Decimal(0)) == order.total.amount
    assert order.total_with_vat.amount == order.total.amount + order.vat_total.amount
    assert order.total_with_vat.amount == order.total_with_vat.amount.quantize(Decimal("0.01"))


def test_a_vat_rate_is_21_or_10_5_and_lines_default_to_21() -> None:
    assert vat_rate("10.5") == Decimal("10.50")
    assert vat_rate(None) == Decimal("21.00")
    with pytest.raises(InvalidValue):
        vat_rate("27")
    with pytest.raises(InvalidInput) as caught:
        parse_lines([{"description": "x", "unit_price": "1", "vat_rate": "5"}], currency="ARS")
    assert caught.value.field == "lines[0].vat_rate"
    assert parse_lines([{"description": "x", "unit_price": "1"}], currency="ARS")[0].vat_rate == (
        Decimal("21.00")
    )


def test_repricing_removes_what_cannot_be_sold_and_keeps_lines_without_sku() -> None:
    priced = {
        "A": PricedSku("A", "A", Money.of("10", "ARS"), Decimal("10.50"), 3),
        "B": PricedSku("B", "B", Money.of("10", "ARS"), Decimal("21.00"), 3, sellable=False),
    }
    lines = [line("10", 1, sku="A"), line("10", sku="B"), line("5", sku="C"), line("7")]

    kept, changes = reprice(lines, priced)

    assert [(x.sku, x.vat_rate) for x in kept] == [("A", Decimal("10.50")), (None, Decimal("21"))]
    assert [(c.sku, c.kind) for c in changes] == [
        ("A", LineChangeKind.VAT), ("B", LineChangeKind.REMOVED), ("C", LineChangeKind.REMOVED),
    ]  # fmt: skip


def test_the_summary_fingerprint_changes_with_any_price_or_quantity() -> None:
    base = summary_digest([line("10", 2, sku="A")], "ARS")

    assert summary_digest([line("10.00", 2, sku="A")], "ARS") == base
    assert summary_digest([line("10.01", 2, sku="A")], "ARS") != base
    assert summary_digest([line("10", 3, sku="A")], "ARS") != base


def test_the_catalogue_prices_orders_in_ars_or_usd_with_vat_rate_and_stock() -> None:
    store, clock, ids = InMemoryStore(), FixedClock(NOW), SequentialIds()
    product = Product.create(
        product_id=uuid4(), sku="cam-1", brand="Hikvision", model="DS-1", category=Category.CAMERA,
        description="", attributes=Attributes(), vat_rate=Decimal("10.5"), now=NOW,
    )  # fmt: skip
    product.set_price(Price(Money.of("12.345", "USD"), NOW), NOW)  # kept as 12.35
    product.set_stock("central", 4, NOW)
    unpriced = Product.create(
        product_id=uuid4(), sku="cam-2", brand="Dahua", model="X", category=Category.CAMERA,
        description="Domo", attributes=Attributes(), vat_rate=Decimal("21"), now=NOW,
    )  # fmt: skip
    with InMemoryUnitOfWork(store, clock, ids) as uow:
        uow.products.add(product)
        uow.products.add(unpriced)
        uow.commit()
    pricing = CataloguePricing(
        lambda: InMemoryUnitOfWork(store, clock, ids), clock,
        ExchangeRate(Decimal("1000.00"), date(2026, 11, 24)),
    )  # fmt: skip

    ars = pricing.current(["CAM-1", "cam-2", "NOPE"], "ARS")
    usd = pricing.current(["CAM-1"], "USD")

    assert set(ars) == {"CAM-1", "CAM-2"}
    assert ars["CAM-1"] == PricedSku(
        "CAM-1", "Hikvision DS-1", Money.of("12350.00", "ARS"), Decimal("10.50"), 4, True
    )
    assert usd["CAM-1"].unit_price == Money.of("12.35", "USD")
    assert (ars["CAM-2"].sellable, ars["CAM-2"].available) == (False, 0)
    assert pricing.current(["CAM-1"], "EUR")["CAM-1"].sellable is False
