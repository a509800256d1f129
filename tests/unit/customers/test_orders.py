"""Orders: exact totals rounded half-up, lines validated, a small lifecycle, readable numbers,
and the customers' KPIs read from grouped queries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import UUID

import pytest
from tests.unit.customers.builders import AGENT, READER, World

from perla_core.customers.commands import RecordContact
from perla_core.customers.kpis import customer_kpis, kpis_for_clients, overall_kpis
from perla_core.customers.services import record_contact
from perla_core.kernel.errors import (
    IllegalTransition,
    InvalidInput,
    InvalidValue,
    NotFound,
    PreconditionFailed,
)
from perla_core.kernel.money import Money
from perla_core.orders.commands import (
    CancelOrder,
    CompleteOrder,
    OrderLineInput,
    PlaceOrder,
    SaveOrder,
)
from perla_core.orders.model import OrderLine, OrderStatus
from perla_core.orders.ports import OrderQuery
from perla_core.orders.services import (
    cancel_order,
    complete_order,
    list_orders,
    place_order,
    save_order,
)

L = OrderLineInput


@pytest.fixture
def world() -> World:
    return World()


def line(unit_price: str, quantity: int = 1, discount: str = "0") -> OrderLine:
    return OrderLine.parse(L("Cable", quantity, unit_price, discount), currency="EUR", field="line")


# --- lines and totals -----------------------------------------------------------------------------


def test_a_line_total_is_rounded_half_up_to_cents() -> None:
    assert line("0.335", 3).total == Money.of("1.01", "EUR")  # 1.005: half-up, not half-even
    assert line("0.05", 1, "10").total == Money.of("0.05", "EUR")  # 0.045
    assert line("0.125", 1).gross == Money.of("0.13", "EUR")


def test_an_orders_totals_add_up_its_rounded_lines(world: World) -> None:
    client = world.client()

    saved = world.order(
        client,
        AGENT,
        lines=[
            L("Cámara IP 4K", 3, "0.335"),
            L("Grabador NVR", 2, "199.99", "15"),
            L(sku="CAB-10", quantity=10, unit_price="1.10"),
        ],
    )

    order = world.stored_order(saved.order_id)
    assert order.subtotal == Money.of("411.99", "EUR")  # 1.01 + 399.98 + 11.00
    assert order.total == Money.of("351.99", "EUR")  # 1.01 + 339.98 (339.983) + 11.00
    assert order.discount_total == Money.of("60.00", "EUR")
    assert saved.total == order.total
    assert order.lines[2].description == "CAB-10"


def test_a_line_in_yen_rounds_to_whole_units() -> None:
    item = OrderLine.parse(L("Cable", 3, "33.5"), currency="JPY")

    assert item.total == Money.of("101", "JPY")


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (L("Cable", 1, "-0.01"), "lines[0].unit_price"),
        (L("Cable", 0, "1"), "lines[0].quantity"),
        (L("Cable", 1, "1", "100.5"), "lines[0].discount_pct"),
        (L(None, 1, "1"), "lines[0].description"),
        (L("Cable", 1, "abc"), "lines[0].unit_price"),
        (L("Cable", 1, "1.23456"), "lines[0].unit_price"),
    ],
)
def test_a_bad_line_is_refused_by_name_and_nothing_is_saved(
    world: World, bad: OrderLineInput, field: str
) -> None:
    client = world.client()

    with pytest.raises(InvalidInput) as refused:
        world.order(client, AGENT, lines=[bad])

    assert [e.field for e in refused.value.errors] == [field]
    assert world.store.orders == {}


def test_a_float_price_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        OrderLine.parse({"description": "Cable", "unit_price": 0.1}, currency="EUR")

    assert refused.value.field == "line.unit_price"
    assert "float" in refused.value.message


def test_every_bad_line_is_reported_at_once(world: World) -> None:
    client = world.client()

    with pytest.raises(InvalidInput) as refused:
        world.order(client, AGENT, lines=[L("A", 0, "1"), L("B", 1, "-5")])

    assert {e.field for e in refused.value.errors} == {"lines[0].quantity", "lines[1].unit_price"}


# --- the order's life -----------------------------------------------------------------------------


def test_orders_get_increasing_readable_numbers(world: World) -> None:
    client = world.client()

    numbers = [world.order(client, AGENT).number for _ in range(3)]

    assert numbers == [1, 2, 3]


def test_an_order_for_an_unknown_client_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        world.order(UUID(int=404), AGENT)


def test_an_order_is_placed_completed_or_cancelled(world: World) -> None:
    client = world.client()
    first = world.order(client, AGENT)
    second = world.order(client, AGENT)

    place_order(PlaceOrder(first.order_id), world.uow, world.clock, AGENT)
    complete_order(CompleteOrder(first.order_id), world.uow, world.clock, AGENT)
    cancel_order(CancelOrder(second.order_id, "duplicado"), world.uow, world.clock, AGENT)

    assert world.stored_order(first.order_id).status is OrderStatus.COMPLETED
    assert world.stored_order(second.order_id).cancellation_reason == "duplicado"
    with pytest.raises(IllegalTransition):
        cancel_order(CancelOrder(first.order_id), world.uow, world.clock, AGENT)
    with pytest.raises(IllegalTransition):
        save_order(
            SaveOrder(order_id=second.order_id, lines=[]), world.uow, world.clock, world.ids, AGENT
        )


def test_an_empty_order_cannot_be_placed(world: World) -> None:
    client = world.client()
    saved = world.order(client, AGENT, lines=[])

    with pytest.raises(PreconditionFailed) as refused:
        place_order(PlaceOrder(saved.order_id), world.uow, world.clock, AGENT)

    assert refused.value.field == "lines"


def test_an_orders_lines_change_but_not_its_client_or_currency(world: World) -> None:
    client, other = world.client("Uno"), world.client("Dos")
    saved = world.order(client, AGENT)

    changed = save_order(
        SaveOrder(order_id=saved.order_id, lines=[L("Disco 2 TB", 2, "80")], expected_version=1),
        world.uow,
        world.clock,
        world.ids,
        AGENT,
    )

    assert changed.total == Money.of("160.00", "EUR")
    assert changed.version == 2
    with pytest.raises(InvalidValue) as moved:
        save_order(
            SaveOrder(order_id=saved.order_id, client_id=other),
            world.uow,
            world.clock,
            world.ids,
            AGENT,
        )
    assert moved.value.field == "client_id"
    with pytest.raises(InvalidValue) as recurrency:
        save_order(
            SaveOrder(order_id=saved.order_id, currency="USD"),
            world.uow,
            world.clock,
            world.ids,
            AGENT,
        )
    assert recurrency.value.field == "currency"


def test_orders_are_listed_by_client_newest_first(world: World) -> None:
    client, other = world.client("Uno"), world.client("Dos")
    first = world.order(client, AGENT)
    world.clock.advance(timedelta(minutes=1))
    second = world.order(client, AGENT)
    world.order(other, AGENT)

    page = list_orders(OrderQuery(client_id=client), world.uow, READER)

    assert [o.id for o in page.items] == [second.order_id, first.order_id]
    assert page.total == 2


# --- KPIs -----------------------------------------------------------------------------------------


def test_a_clients_kpis_count_placed_and_completed_orders_per_currency(world: World) -> None:
    client = world.client()
    placed = world.order(client, AGENT, lines=[L("A", 1, "100")], place=True)
    world.clock.advance(timedelta(days=1))
    done = world.order(client, AGENT, lines=[L("B", 1, "50.01")], place=True)
    complete_order(CompleteOrder(done.order_id), world.uow, world.clock, AGENT)
    world.order(client, AGENT, lines=[L("C", 1, "999")])  # a draft does not count
    gone = world.order(client, AGENT, lines=[L("D", 1, "999")], place=True)
    cancel_order(CancelOrder(gone.order_id), world.uow, world.clock, AGENT)
    world.order(client, AGENT, lines=[L("E", 1, "30")], currency="USD", place=True)
    record_contact(RecordContact(client), world.uow, world.clock, AGENT)

    kpis = customer_kpis(client, world.uow, READER)

    assert kpis.orders == 3
    assert kpis.revenue == (Money.of("150.01", "EUR"), Money.of("30.00", "USD"))
    assert kpis.average_order_value == (Money.of("75.01", "EUR"), Money.of("30.00", "USD"))
    assert kpis.last_order_at == world.clock.now()
    assert kpis.last_contact_at == world.clock.now()
    assert placed.status is OrderStatus.PLACED


def test_a_client_without_orders_has_zeros(world: World) -> None:
    client = world.client()

    kpis = customer_kpis(client, world.uow, READER)

    assert (kpis.orders, kpis.by_currency, kpis.last_order_at, kpis.last_contact_at) == (
        0,
        (),
        None,
        None,
    )


def test_kpis_for_a_page_of_clients_and_overall(world: World) -> None:
    one, two, three = world.client("Uno"), world.client("Dos"), world.client("Tres")
    world.order(one, AGENT, lines=[L("A", 1, "10")], place=True)
    world.order(one, AGENT, lines=[L("A", 1, "20")], place=True)
    world.order(two, AGENT, lines=[L("A", 1, "5")], place=True)
    record_contact(RecordContact(three), world.uow, world.clock, AGENT)

    page = kpis_for_clients([one, two, three], world.uow, READER)
    overall = overall_kpis(world.uow, READER)

    assert {cid: k.orders for cid, k in page.items()} == {one: 2, two: 1, three: 0}
    assert page[one].average_order_value == (Money.of("15.00", "EUR"),)
    assert page[three].last_contact_at == world.clock.now()
    assert overall.orders == 3
    assert overall.revenue == (Money.of("35.00", "EUR"),)
    assert overall.average_order_value == (Money.of("11.67", "EUR"),)  # 11.666...
    assert overall.last_contact_at == world.clock.now()
    assert overall.by_currency[0].revenue.amount == Decimal("35.00")
