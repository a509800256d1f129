"""MICROCOM's purchase on the memory adapters: cart, summary, confirmation with repricing,
pre-invoice, the record in the management system, payments, invoice, expiry."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from tests.unit.customers.builders import AGENT, BOT, World
from tests.unit.orders.builders import Shelf, a_shelf

from perla_adapters.memory.dome import InMemoryDome
from perla_core.access.model import SYSTEM
from perla_core.gateways.errors import ExternalUnavailable
from perla_core.kernel.errors import (
    IllegalTransition,
    InvalidInput,
    InvalidValue,
    NotFound,
    PreconditionFailed,
)
from perla_core.kernel.money import Money
from perla_core.kernel.values import TaxId
from perla_core.orders import sales
from perla_core.orders.commands import CancelOrder, OrderLineInput, SaveOrder
from perla_core.orders.model import (
    ChosenFinancing,
    ConfirmationOutcome,
    LineChangeKind,
    OrderStatus,
    PaymentChannel,
    PaymentConflict,
)
from perla_core.orders.services import cancel_order, save_order


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def shelf() -> Shelf:
    return a_shelf()


def cart(world: World, shelf: Shelf) -> UUID:
    client = world.client()
    started = sales.start_order_for_client(world.uow, world.clock, world.ids, BOT, client_id=client)
    sales.add_item(world.uow, shelf, world.clock, BOT, order_id=started.order_id, sku="CAM-1",
                   quantity=2)  # fmt: skip
    sales.add_item(world.uow, shelf, world.clock, BOT, order_id=started.order_id, sku="disk-2",
                   quantity=1)  # fmt: skip
    return started.order_id


def confirmed(world: World, shelf: Shelf) -> UUID:
    order_id = cart(world, shelf)
    sent = sales.send_summary(world.uow, world.clock, BOT, order_id=order_id)
    result = sales.confirm_order(
        world.uow, shelf, world.clock, BOT, order_id=order_id, summary_version=sent.summary_version
    )
    assert result.confirmed
    return order_id


def test_a_cart_prices_its_lines_from_the_catalogue_with_vat_per_rate(
    world: World, shelf: Shelf
) -> None:
    order = world.stored_order(cart(world, shelf))

    assert [(x.sku, x.quantity, x.unit_price.amount, x.vat_rate) for x in order.lines] == [
        ("CAM-1", 2, Decimal("10000.00"), Decimal("21.00")),
        ("DISK-2", 1, Decimal("50000.00"), Decimal("10.50")),
    ]
    assert order.total == Money.of("70000.00", "ARS")
    assert [(v.rate, v.vat.amount) for v in order.vat_breakdown] == [
        (Decimal("21.00"), Decimal("4200.00")),
        (Decimal("10.50"), Decimal("5250.00")),
    ]
    assert order.total_with_vat == Money.of("79450.00", "ARS")
    assert order.status is OrderStatus.DRAFT


@pytest.mark.parametrize(
    ("sku", "quantity", "field"),
    [("NOPE", 1, "sku"), ("CAM-1", 0, "quantity"), ("CAM-1", -3, "quantity"),
     ("CAM-1", 1001, "quantity"), ("CAM-1", 6, "quantity")],
)  # fmt: skip
def test_bad_items_are_refused_naming_the_field(
    world: World, shelf: Shelf, sku: str, quantity: int, field: str
) -> None:
    order_id = cart(world, shelf)

    with pytest.raises(InvalidValue) as caught:
        sales.add_item(world.uow, shelf, world.clock, BOT, order_id=order_id, sku=sku,
                       quantity=quantity)  # fmt: skip

    assert caught.value.field == field


def test_adding_a_sku_again_adds_to_its_line_and_checks_the_stock_of_the_sum(
    world: World, shelf: Shelf
) -> None:
    order_id = cart(world, shelf)

    sales.add_item(world.uow, shelf, world.clock, BOT, order_id=order_id, sku="CAM-1", quantity=3)
    with pytest.raises(InvalidValue, match="only 5"):
        sales.add_item(world.uow, shelf, world.clock, BOT, order_id=order_id, sku="CAM-1",
                       quantity=1)  # fmt: skip

    assert [x.quantity for x in world.stored_order(order_id).lines] == [5, 1]


def test_changing_and_removing_items_while_awaiting_goes_back_to_draft(
    world: World, shelf: Shelf
) -> None:
    order_id = cart(world, shelf)
    sales.send_summary(world.uow, world.clock, BOT, order_id=order_id)

    sales.set_item_quantity(world.uow, shelf, world.clock, BOT, order_id=order_id, sku="CAM-1",
                            quantity=1)  # fmt: skip
    sales.remove_item(world.uow, world.clock, BOT, order_id=order_id, sku="DISK-2")

    order = world.stored_order(order_id)
    assert order.status is OrderStatus.DRAFT
    assert [(x.sku, x.quantity) for x in order.lines] == [("CAM-1", 1)]
    with pytest.raises(InvalidValue) as caught:
        sales.remove_item(world.uow, world.clock, BOT, order_id=order_id, sku="DISK-2")
    assert caught.value.field == "sku"


def test_confirming_the_latest_summary_with_nothing_changed_confirms(
    world: World, shelf: Shelf
) -> None:
    order_id = confirmed(world, shelf)

    order = world.stored_order(order_id)
    assert order.status is OrderStatus.CONFIRMED
    assert order.confirmed_at == world.clock.now()
    assert order.summary_version == 1
    topics = [m.topic for m in world.outbox("orders.order_")]
    assert "orders.order_summary_sent" in topics
    assert "orders.order_confirmed" in topics


def test_a_price_or_stock_change_sends_the_order_back_to_draft_with_what_changed(
    world: World, shelf: Shelf
) -> None:
    order_id = cart(world, shelf)
    sent = sales.send_summary(world.uow, world.clock, BOT, order_id=order_id)
    shelf.put("CAM-1", "11000.00", 1)

    result = sales.confirm_order(world.uow, shelf, world.clock, BOT, order_id=order_id,
                                 summary_version=sent.summary_version)  # fmt: skip

    assert result.outcome is ConfirmationOutcome.CHANGED
    assert [(c.sku, c.kind, c.before, c.after) for c in result.changes] == [
        ("CAM-1", LineChangeKind.PRICE, "10000.00", "11000.00"),
        ("CAM-1", LineChangeKind.QUANTITY, "2", "1"),
    ]
    order = world.stored_order(order_id)
    assert order.status is OrderStatus.DRAFT
    assert next((x.sku, x.quantity, x.unit_price.amount) for x in order.lines) == (
        "CAM-1", 1, Decimal("11000.00"),
    )  # fmt: skip
    assert world.outbox("orders.order_repriced")


def test_an_old_summary_version_is_not_confirmed(world: World, shelf: Shelf) -> None:
    order_id = cart(world, shelf)
    sales.send_summary(world.uow, world.clock, BOT, order_id=order_id)
    latest = sales.send_summary(world.uow, world.clock, BOT, order_id=order_id)

    result = sales.confirm_order(world.uow, shelf, world.clock, BOT, order_id=order_id,
                                 summary_version=latest.summary_version - 1)  # fmt: skip

    assert result.outcome is ConfirmationOutcome.STALE_SUMMARY
    assert world.stored_order(order_id).status is OrderStatus.DRAFT


def test_confirming_twice_or_a_cancelled_order_is_an_illegal_transition(
    world: World, shelf: Shelf
) -> None:
    order_id = confirmed(world, shelf)

    with pytest.raises(IllegalTransition, match="confirmed"):
        sales.confirm_order(world.uow, shelf, world.clock, BOT, order_id=order_id,
                            summary_version=1)  # fmt: skip


def test_an_idle_cart_expires_and_cannot_be_confirmed_afterwards(
    world: World, shelf: Shelf
) -> None:
    order_id = cart(world, shelf)
    sent = sales.send_summary(world.uow, world.clock, BOT, order_id=order_id)
    other = cart(world, shelf)  # a draft WhatsApp cart
    world.clock.advance(timedelta(hours=2, minutes=1))

    assert sales.expire_idle_orders(world.uow, world.clock.now(), timedelta(hours=2)) == 2
    assert sales.expire_idle_orders(world.uow, world.clock.now(), timedelta(hours=2)) == 0

    for ident in (order_id, other):
        order = world.stored_order(ident)
        assert (order.status, order.cancellation_reason) == (OrderStatus.CANCELLED, "expired")
    assert len(world.outbox("orders.order_expired")) == 2
    with pytest.raises(IllegalTransition, match="expired"):
        sales.confirm_order(world.uow, shelf, world.clock, BOT, order_id=order_id,
                            summary_version=sent.summary_version)  # fmt: skip


def test_a_confirmation_after_the_idle_time_expires_the_order_then_refuses(
    world: World, shelf: Shelf
) -> None:
    order_id = cart(world, shelf)
    sent = sales.send_summary(world.uow, world.clock, BOT, order_id=order_id)
    world.clock.advance(timedelta(hours=3))

    with pytest.raises(PreconditionFailed, match="expired"):
        sales.confirm_order(world.uow, shelf, world.clock, BOT, order_id=order_id,
                            summary_version=sent.summary_version)  # fmt: skip

    assert world.stored_order(order_id).cancellation_reason == "expired"


def test_backoffice_drafts_never_expire(world: World) -> None:
    command = SaveOrder(
        client_id=world.client(), currency="ARS", lines=[OrderLineInput("Cámara", 1, "10")]
    )
    save_order(command, world.uow, world.clock, world.ids, AGENT)
    world.clock.advance(timedelta(days=3))

    assert sales.expire_idle_orders(world.uow, world.clock.now()) == 0


def test_financing_is_stored_until_the_pre_invoice(world: World, shelf: Shelf) -> None:
    order_id = confirmed(world, shelf)
    plan = ChosenFinancing(
        3, Money.of("29000.00", "ARS"), Money.of("87000.00", "ARS"), Decimal("60.00"),
        Decimal("79.59"), Decimal("85.10"), Decimal("101.20"), "rule-1",
    )  # fmt: skip

    sales.choose_financing(world.uow, world.clock, BOT, order_id=order_id, plan=plan)
    sales.mark_pre_invoiced(world.uow, world.clock, SYSTEM, order_id=order_id,
                            document_id="doc-1", series="PF-0001", number=7)  # fmt: skip

    assert world.stored_order(order_id).financing == plan
    with pytest.raises(IllegalTransition):
        sales.choose_financing(world.uow, world.clock, BOT, order_id=order_id, plan=None)
    with pytest.raises(InvalidInput) as caught:
        ChosenFinancing(0, plan.instalment, plan.total, plan.tna, plan.tea, plan.cft,
                        plan.cft_with_vat).checked("ARS")  # fmt: skip
    assert caught.value.field == "financing.installments"


def pay(world: World, order_id: UUID, payment_id: str, amount: str, currency: str = "ARS") -> (
    sales.PaymentResult
):  # fmt: skip
    return sales.record_payment(world.uow, world.clock, SYSTEM, payment_id=payment_id,
                                amount=amount, currency=currency, order_id=order_id,
                                method="transfer", channel=PaymentChannel.WEBHOOK)  # fmt: skip


def test_the_whole_purchase_runs_to_invoiced_with_partial_payments_and_erp(
    world: World, shelf: Shelf
) -> None:
    order_id = confirmed(world, shelf)
    client = world.store.clients[world.stored_order(order_id).client_id]
    client.tax_id = TaxId("AR", "20123456786")
    dome = InMemoryDome(world.clock)
    sales.mark_pre_invoiced(world.uow, world.clock, SYSTEM, order_id=order_id,
                            document_id="doc-1", series="PF-0001", number=1)  # fmt: skip

    first = pay(world, order_id, "mp-1", "40000.00")
    assert (first.status, first.balance.amount) == (OrderStatus.PRE_INVOICED, Decimal("39450.00"))
    second = pay(world, order_id, "mp-2", "39450.00")
    assert second.status is OrderStatus.PRE_INVOICED  # paid, waits for the management system

    dome.fail_next()
    with pytest.raises(ExternalUnavailable):
        sales.record_in_erp(order_id, world.uow, dome, world.clock)
    assert world.stored_order(order_id).status is OrderStatus.PRE_INVOICED
    assert sales.record_in_erp(order_id, world.uow, dome, world.clock)
    assert not sales.record_in_erp(order_id, world.uow, dome, world.clock)

    order = world.stored_order(order_id)
    assert order.status is OrderStatus.PAID
    assert order.erp_reference == dome.orders[0].reference
    assert len(dome.orders) == 1
    assert dome.orders[0].total == "79450.00"
    assert [m.topic for m in world.outbox("orders.order_paid")] == ["orders.order_paid"]

    sales.mark_invoiced(world.uow, world.clock, SYSTEM, order_id=order_id, document_id="doc-2",
                        series="FA-0001", number=1)  # fmt: skip
    assert world.stored_order(order_id).status is OrderStatus.INVOICED
    with pytest.raises(IllegalTransition):
        sales.mark_invoiced(world.uow, world.clock, SYSTEM, order_id=order_id,
                            document_id="doc-3", series="FA-0001", number=2)  # fmt: skip


def test_a_payment_reported_twice_counts_once_and_a_changed_one_is_a_conflict(
    world: World, shelf: Shelf
) -> None:
    order_id = confirmed(world, shelf)

    first = pay(world, order_id, "mp-1", "1000.00")
    again = pay(world, order_id, "mp-1", "1000.00")

    assert again.duplicate
    assert not first.duplicate
    assert again.payment == first.payment
    assert world.stored_order(order_id).paid == Money.of("1000.00", "ARS")
    with pytest.raises(PaymentConflict):
        pay(world, order_id, "mp-1", "999.00")
    assert len(world.store.payments) == 1


def test_bad_payments_are_refused(world: World, shelf: Shelf) -> None:
    order_id = confirmed(world, shelf)
    draft = cart(world, shelf)

    with pytest.raises(NotFound):
        pay(world, uuid4(), "mp-9", "10.00")
    with pytest.raises(InvalidValue) as caught:
        pay(world, order_id, "mp-9", "10.00", currency="USD")
    assert caught.value.field == "currency"
    with pytest.raises(InvalidInput) as refused:
        pay(world, order_id, "mp-9", "-1")
    assert refused.value.field == "amount"
    with pytest.raises(IllegalTransition):
        pay(world, draft, "mp-9", "10.00")
    assert world.store.payments == {}


def test_an_order_is_cancelled_from_any_state_before_invoiced(world: World, shelf: Shelf) -> None:
    order_id = confirmed(world, shelf)
    sales.mark_pre_invoiced(world.uow, world.clock, SYSTEM, order_id=order_id,
                            document_id="doc-1", series="PF-0001", number=1)  # fmt: skip

    cancel_order(CancelOrder(order_id, "cliente desistió"), world.uow, world.clock, AGENT)

    order = world.stored_order(order_id)
    assert (order.status, order.cancellation_reason) == (OrderStatus.CANCELLED, "cliente desistió")
