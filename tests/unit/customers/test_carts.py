"""Carts ("Carritos de reserva"): value and age, abandoned after 24 idle hours (computed, and
marked by a sweep), converted into orders, and their KPIs."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import UUID

import pytest
from tests.unit.customers.builders import AGENT, BOT, READER, World

from perla_core.customers.kpis import cart_kpis
from perla_core.kernel.errors import IllegalTransition, InvalidValue, PreconditionFailed
from perla_core.kernel.money import Money
from perla_core.managers.assignment import AssignmentReason
from perla_core.orders.commands import ConvertCart, OrderLineInput, SaveCart
from perla_core.orders.events import CartAbandoned, CartConverted
from perla_core.orders.model import CartStatus, OrderChannel, OrderStatus
from perla_core.orders.ports import CartQuery
from perla_core.orders.services import (
    CartSaved,
    convert_cart,
    get_cart,
    list_carts,
    mark_abandoned_carts,
    save_cart,
)

L = OrderLineInput
HOUR = timedelta(hours=1)


@pytest.fixture
def world() -> World:
    return World()


def open_cart(world: World, client: UUID, *lines: OrderLineInput, currency: str = "EUR") -> UUID:
    command = SaveCart(client, currency, list(lines or (L("Cámara", 2, "49.95"),)))
    return save_cart(command, world.uow, world.clock, world.ids, BOT).cart_id


def change_cart(world: World, client: UUID, cart_id: UUID, *lines: OrderLineInput) -> CartSaved:
    command = SaveCart(client, "EUR", list(lines), cart_id=cart_id)
    return save_cart(command, world.uow, world.clock, world.ids, BOT)


def test_an_open_cart_shows_its_value_and_age(world: World) -> None:
    client = world.client()
    cart_id = open_cart(world, client, L("Cámara", 2, "49.95"), L("Cable", 3, "0.335"))
    world.clock.advance(5 * HOUR)

    view = get_cart(cart_id, world.uow, world.clock, READER)

    assert view.value == Money.of("100.91", "EUR")
    assert view.age == view.idle == 5 * HOUR
    assert view.status is CartStatus.OPEN


def test_a_cart_idle_for_more_than_24_hours_is_abandoned_before_it_is_marked(
    world: World,
) -> None:
    client = world.client()
    cart_id = open_cart(world, client)

    world.clock.advance(24 * HOUR)
    assert get_cart(cart_id, world.uow, world.clock, READER).status is CartStatus.OPEN
    world.clock.advance(timedelta(seconds=1))
    assert get_cart(cart_id, world.uow, world.clock, READER).status is CartStatus.ABANDONED
    assert world.store.carts[cart_id].status is CartStatus.OPEN


def test_the_abandonment_threshold_is_configurable(world: World) -> None:
    client = world.client()
    cart_id = open_cart(world, client)
    world.clock.advance(2 * HOUR)

    view = get_cart(cart_id, world.uow, world.clock, READER, threshold=HOUR)

    assert view.status is CartStatus.ABANDONED
    with pytest.raises(InvalidValue):
        get_cart(cart_id, world.uow, world.clock, READER, threshold=timedelta(0))


def test_the_sweep_marks_abandoned_carts_once(world: World) -> None:
    client = world.client()
    idle = open_cart(world, client)
    world.clock.advance(20 * HOUR)
    recent = open_cart(world, client)
    world.clock.advance(5 * HOUR)

    assert mark_abandoned_carts(world.uow, world.clock, AGENT) == 1
    assert mark_abandoned_carts(world.uow, world.clock, AGENT) == 0

    assert world.store.carts[idle].status is CartStatus.ABANDONED
    assert world.store.carts[recent].status is CartStatus.OPEN
    event = world.outbox("orders.cart_abandoned")[0].event
    assert isinstance(event, CartAbandoned)
    assert event.value == Decimal("99.90")


def test_changing_an_abandoned_cart_opens_it_again(world: World) -> None:
    client = world.client()
    cart_id = open_cart(world, client)
    world.clock.advance(30 * HOUR)
    mark_abandoned_carts(world.uow, world.clock, AGENT)

    saved = change_cart(world, client, cart_id, L("Cámara", 1, "49.95"))

    assert saved.status is CartStatus.OPEN
    assert saved.value == Money.of("49.95", "EUR")
    assert world.store.carts[cart_id].abandoned_at is None


def test_a_cart_becomes_a_placed_order_with_its_manager_assigned(world: World) -> None:
    client = world.client()
    ana = world.manager("Ana Sanz")
    cart_id = open_cart(world, client)

    saved = convert_cart(ConvertCart(cart_id), world.uow, world.clock, world.ids, BOT)

    order = world.stored_order(saved.order_id)
    cart = world.store.carts[cart_id]
    assert (order.status, order.channel, order.total) == (
        OrderStatus.PLACED,
        OrderChannel.CART,
        Money.of("99.90", "EUR"),
    )
    assert (cart.status, cart.converted_order_id) == (CartStatus.CONVERTED, order.id)
    assert saved.assignment.reason is AssignmentReason.EDITOR_NOT_A_MANAGER
    assert order.manager_id == world.client_manager(client) == ana
    assert isinstance(world.outbox("orders.cart_converted")[0].event, CartConverted)


def test_a_converted_cart_is_final_and_an_empty_one_does_not_convert(world: World) -> None:
    client = world.client()
    cart_id = open_cart(world, client)
    convert_cart(ConvertCart(cart_id), world.uow, world.clock, world.ids, BOT)
    empty = save_cart(SaveCart(client, "EUR"), world.uow, world.clock, world.ids, BOT).cart_id

    with pytest.raises(IllegalTransition):
        change_cart(world, client, cart_id, L("Cable", 1, "1"))
    with pytest.raises(IllegalTransition):
        convert_cart(ConvertCart(cart_id), world.uow, world.clock, world.ids, BOT)
    with pytest.raises(PreconditionFailed):
        convert_cart(ConvertCart(empty), world.uow, world.clock, world.ids, BOT)
    assert len(world.store.orders) == 1


def test_carts_are_listed_by_effective_status(world: World) -> None:
    client = world.client()
    old = open_cart(world, client)
    world.clock.advance(30 * HOUR)
    fresh = open_cart(world, client)

    abandoned = list_carts(CartQuery(status=CartStatus.ABANDONED), world.uow, world.clock, READER)
    still_open = list_carts(CartQuery(status=CartStatus.OPEN), world.uow, world.clock, READER)

    assert [v.cart.id for v in abandoned.items] == [old]
    assert [v.cart.id for v in still_open.items] == [fresh]
    assert abandoned.items[0].age == 30 * HOUR


def test_cart_kpis_count_by_status_with_the_open_value_and_conversion_rate(
    world: World,
) -> None:
    client, other = world.client("Uno"), world.client("Dos")
    open_cart(world, client, L("A", 1, "10"))  # will be abandoned
    world.clock.advance(30 * HOUR)
    open_cart(world, client, L("A", 1, "20"))
    open_cart(world, other, L("A", 1, "5.5"))
    open_cart(world, other, L("A", 1, "7"), currency="USD")
    converted = open_cart(world, client, L("A", 1, "99"))
    convert_cart(ConvertCart(converted), world.uow, world.clock, world.ids, BOT)

    everyone = cart_kpis(world.uow, world.clock, READER)
    just_one = cart_kpis(world.uow, world.clock, READER, client_id=client)

    assert (everyone.open, everyone.abandoned, everyone.converted) == (3, 1, 1)
    assert everyone.open_value == (Money.of("25.50", "EUR"), Money.of("7.00", "USD"))
    assert everyone.conversion_rate_pct == Decimal("20.00")
    assert (just_one.open, just_one.abandoned, just_one.converted) == (1, 1, 1)
    assert just_one.conversion_rate_pct == Decimal("33.33")


def test_cart_kpis_without_carts_are_zero(world: World) -> None:
    kpis = cart_kpis(world.uow, world.clock, READER)

    assert (kpis.total, kpis.open_value, kpis.conversion_rate_pct) == (0, (), Decimal("0.00"))
