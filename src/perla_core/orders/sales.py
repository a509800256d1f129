"""MICROCOM's purchase (issue 8): the client's cart as a draft order, the summary, the
confirmation that re-checks prices and stock, the pre-invoice and the record in the management
system, payments, the invoice, and idle carts that expire.

Every use case opens its own unit of work(s), takes typed inputs and returns a frozen result
or the order's new version; the events go to the outbox with the commit, each carrying the
order's id and number. The wiring the lead engineer adds later (documents, WhatsApp) calls
these functions: ``OrderConfirmed`` -> issue the pre-invoice -> :func:`mark_pre_invoiced`;
``OrderPreInvoiced`` -> :func:`record_in_erp` (an outbox handler); ``OrderPaid`` -> issue the
invoice -> :func:`mark_invoiced`.

Prices come from a :class:`~perla_core.orders.ports.CurrentPricing` (the catalogue, read now):
never from what the client typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Final, Protocol
from uuid import UUID

import attrs

from perla_core.access.model import SYSTEM, Actor, Permission
from perla_core.customers.ports import CustomerUnitOfWork
from perla_core.gateways.dome import DomeGateway, DomeOrderLine, DomeOrderRequest
from perla_core.gateways.idempotency import idempotency_key
from perla_core.kernel.errors import (
    AlreadyExists,
    IllegalTransition,
    InvalidValue,
    NotFound,
    PreconditionFailed,
    StaleVersion,
)
from perla_core.kernel.money import Money
from perla_core.kernel.ports import Clock, IdGenerator
from perla_core.orders.model import (
    DEFAULT_IDLE_EXPIRY,
    ChosenFinancing,
    Confirmation,
    DocumentRef,
    LineChange,
    Order,
    OrderChannel,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentChannel,
    PaymentConflict,
    PricedSku,
    reprice,
)
from perla_core.orders.ports import CurrentPricing, PaymentRepository
from perla_core.orders.services import OrderSaved, assign_and_store
from perla_core.suppliers.values import line

MAX_ITEM_QUANTITY: Final = 1000
"""The most units of one product a WhatsApp order takes (more is an absurd quantity)."""
ERP_OPERATION: Final = "dome.record_order"


class SalesUnitOfWork(CustomerUnitOfWork, Protocol):
    """The part of the unit of work the purchase uses: orders and carts, clients, managers,
    and the payments."""

    @property
    def payments(self) -> PaymentRepository: ...


@attrs.frozen
class SummarySent:
    """The summary to show the client: the order as it is now (lines, VAT, totals) and its
    ``summary_version``, which the confirmation must quote; ``changes`` are what repricing
    changed before sending (the catalogue moved since the cart was built)."""

    order: Order
    summary_version: int
    changes: tuple[LineChange, ...] = ()


@attrs.frozen
class PaymentResult:
    """A recorded payment and where the order stands; ``duplicate`` when the payment had been
    recorded before (nothing was counted again)."""

    payment: Payment
    order_id: UUID
    order_number: int
    status: OrderStatus
    paid: Money
    total: Money
    balance: Money
    duplicate: bool = False


# --- the cart ---------------------------------------------------------------------------------


def start_order_for_client(
    uow: SalesUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    actor: Actor,
    *,
    client_id: UUID,
    currency: str = "ARS",
    channel: OrderChannel = OrderChannel.WHATSAPP,
) -> OrderSaved:
    """An empty draft order (the client's cart) with the account-manager rules applied."""
    actor.require(Permission.WRITE_COMMERCIAL)
    code = Money.zero(currency).currency
    now = clock.now()
    with uow:
        uow.clients.get(client_id)
        order = Order.create(
            order_id=ids.new_id(),
            number=uow.orders.next_number(),
            client_id=client_id,
            currency=code,
            channel=channel,
            lines=(),
            now=now,
            actor=actor.name,
        )
        saved = assign_and_store(uow, order, now, actor)
        uow.commit()
    return saved


def _priced(pricing: CurrentPricing, sku: object, currency: str) -> PricedSku:
    key = line(sku, "sku", 64, required=True)
    assert key is not None
    key = key.upper()
    found = pricing.current([key], currency).get(key)
    if found is None:
        raise InvalidValue(f"no product has the SKU {key}", field="sku")
    if not found.sellable:
        raise InvalidValue(f"{key} has no current price: it cannot be sold now", field="sku")
    return found


def _quantity(value: object, max_quantity: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue("must be a whole number", field="quantity")
    if value < 1:
        raise InvalidValue("must be 1 or more", field="quantity")
    if value > max_quantity:
        raise InvalidValue(f"is at most {max_quantity} per product", field="quantity")
    return value


def _check_stock(priced: PricedSku, quantity: int) -> None:
    if quantity > priced.available:
        raise InvalidValue(
            f"only {priced.available} of {priced.sku} available, not {quantity}",
            field="quantity",
            sku=priced.sku,
            available=priced.available,
        )


def _edit(
    uow: SalesUnitOfWork,
    order_id: UUID,
    lines: tuple[OrderLine, ...],
    now: datetime,
    actor: Actor,
    expected_version: int | None,
) -> OrderSaved:
    order = _load(uow, order_id, expected_version)
    order.replace_lines(lines, now=now, actor=actor.name)
    saved = assign_and_store(uow, order, now, actor)
    uow.commit()
    return saved


def _current_lines(uow: SalesUnitOfWork, order_id: UUID) -> tuple[Order, tuple[OrderLine, ...]]:
    with uow:
        order = uow.orders.get(order_id)
    if not order.is_editable:
        raise IllegalTransition(
            "order", order.status.value, "update", allowed=order.allowed_actions()
        )
    return order, order.lines


def add_item(
    uow: SalesUnitOfWork,
    pricing: CurrentPricing,
    clock: Clock,
    actor: Actor,
    *,
    order_id: UUID,
    sku: str,
    quantity: int,
    max_quantity: int = MAX_ITEM_QUANTITY,
) -> OrderSaved:
    """Add ``quantity`` units of ``sku`` at the catalogue's price now (more of a SKU already on
    the order adds to its line). Refused, naming the field: an unknown or unsellable ``sku``,
    a ``quantity`` below 1 or above ``max_quantity``, more than the stock available."""
    actor.require(Permission.WRITE_COMMERCIAL)
    wanted = _quantity(quantity, max_quantity)
    order, lines = _current_lines(uow, order_id)
    priced = _priced(pricing, sku, order.currency)
    existing = next((x for x in lines if x.sku == priced.sku), None)
    total = wanted + (0 if existing is None else existing.quantity)
    if total > max_quantity:
        raise InvalidValue(f"is at most {max_quantity} per product", field="quantity")
    _check_stock(priced, total)
    new = OrderLine(
        priced.description, total, priced.unit_price, sku=priced.sku, vat_rate=priced.vat_rate
    )
    if existing is None:
        changed = (*lines, new)
    else:
        changed = tuple(attrs.evolve(new, discount_pct=x.discount_pct) if x is existing else x
                        for x in lines)  # fmt: skip
    with uow:
        return _edit(uow, order_id, changed, clock.now(), actor, order.version)


def set_item_quantity(
    uow: SalesUnitOfWork,
    pricing: CurrentPricing,
    clock: Clock,
    actor: Actor,
    *,
    order_id: UUID,
    sku: str,
    quantity: int,
    max_quantity: int = MAX_ITEM_QUANTITY,
) -> OrderSaved:
    """Change how many units of ``sku`` the order takes (0 removes the line), at the price
    now; the same refusals as :func:`add_item`, and a SKU not on the order (field ``sku``)."""
    actor.require(Permission.WRITE_COMMERCIAL)
    if quantity == 0:
        return remove_item(uow, clock, actor, order_id=order_id, sku=sku)
    wanted = _quantity(quantity, max_quantity)
    order, lines = _current_lines(uow, order_id)
    priced = _priced(pricing, sku, order.currency)
    if not any(x.sku == priced.sku for x in lines):
        raise InvalidValue(f"{priced.sku} is not on the order", field="sku")
    _check_stock(priced, wanted)
    changed = tuple(
        attrs.evolve(x, quantity=wanted, unit_price=priced.unit_price, vat_rate=priced.vat_rate)
        if x.sku == priced.sku
        else x
        for x in lines
    )
    with uow:
        return _edit(uow, order_id, changed, clock.now(), actor, order.version)


def remove_item(
    uow: SalesUnitOfWork, clock: Clock, actor: Actor, *, order_id: UUID, sku: str
) -> OrderSaved:
    """Take ``sku`` off the order (a SKU not on it is refused, field ``sku``)."""
    actor.require(Permission.WRITE_COMMERCIAL)
    key = (line(sku, "sku", 64, required=True) or "").upper()
    order, lines = _current_lines(uow, order_id)
    kept = tuple(x for x in lines if x.sku != key)
    if len(kept) == len(lines):
        raise InvalidValue(f"{key} is not on the order", field="sku")
    with uow:
        return _edit(uow, order_id, kept, clock.now(), actor, order.version)


# --- summary and confirmation -------------------------------------------------------------------


def _pricing_for(
    pricing: CurrentPricing, lines: tuple[OrderLine, ...], currency: str
) -> Mapping[str, PricedSku]:
    skus = sorted({x.sku for x in lines if x.sku is not None})
    return pricing.current(skus, currency) if skus else {}


def send_summary(
    uow: SalesUnitOfWork,
    clock: Clock,
    actor: Actor,
    *,
    order_id: UUID,
    pricing: CurrentPricing | None = None,
) -> SummarySent:
    """Record that the client is shown the summary (product, quantities, prices, VAT, total)
    and wait for the confirmation. With ``pricing`` the lines are repriced first, so the
    summary shows the catalogue as it is now (``changes`` say what moved)."""
    actor.require(Permission.WRITE_COMMERCIAL)
    with uow:
        before = uow.orders.get(order_id)
    priced = {} if pricing is None else _pricing_for(pricing, before.lines, before.currency)
    now = clock.now()
    with uow:
        order = _load(uow, order_id, before.version)
        changes: tuple[LineChange, ...] = ()
        if pricing is not None and order.is_editable:
            lines, changes = reprice(order.lines, priced)
            order.replace_lines(lines, now=now, actor=actor.name)
        version = order.send_summary(now=now, actor=actor.name)
        uow.orders.save(order)
        uow.commit()
    return SummarySent(order, version, changes)


def confirm_order(
    uow: SalesUnitOfWork,
    pricing: CurrentPricing,
    clock: Clock,
    actor: Actor,
    *,
    order_id: UUID,
    summary_version: int,
    idle_for: timedelta = DEFAULT_IDLE_EXPIRY,
) -> Confirmation:
    """The client's explicit "confirm" of summary ``summary_version``: prices and stock are
    re-checked; when anything changed the order goes back to draft with the new lines and the
    answer lists the changes (send a new summary). An order idle for longer than ``idle_for``
    expires here instead (:class:`PreconditionFailed`); confirming twice, or a cancelled or
    expired order, is :class:`IllegalTransition`."""
    actor.require(Permission.WRITE_COMMERCIAL)
    now = clock.now()
    with uow:
        before = uow.orders.get(order_id)
        if before.expire(now=now, actor=actor.name, idle_for=idle_for):
            uow.orders.save(before)
            uow.commit()
            raise PreconditionFailed(
                f"order {before.number} expired: it waited more than {idle_for} without a "
                "confirmation; build the cart again",
                field="status",
            )
    if before.status is not OrderStatus.AWAITING_CONFIRMATION:
        before.confirm(summary_version, {}, now=now, actor=actor.name)  # raises, naming why
    priced = _pricing_for(pricing, before.lines, before.currency)
    with uow:
        order = _load(uow, order_id, before.version)
        result = order.confirm(summary_version, priced, now=now, actor=actor.name)
        uow.orders.save(order)
        uow.commit()
    return result


def choose_financing(
    uow: SalesUnitOfWork,
    clock: Clock,
    actor: Actor,
    *,
    order_id: UUID,
    plan: ChosenFinancing | None,
) -> int:
    """Store (or, with None, clear) the financing plan the client chose; until the
    pre-invoice. Returns the order's version."""
    actor.require(Permission.WRITE_COMMERCIAL)
    with uow:
        order = uow.orders.get(order_id)
        if order.choose_financing(plan, now=clock.now(), actor=actor.name):
            uow.orders.save(order)
            uow.commit()
        return order.version


# --- documents and the management system ------------------------------------------------------


def mark_pre_invoiced(
    uow: SalesUnitOfWork,
    clock: Clock,
    actor: Actor,
    *,
    order_id: UUID,
    document_id: str,
    series: str,
    number: int,
) -> int:
    """The pre-invoice ``series``-``number`` (``document_id`` in the store) was issued for the
    confirmed order; repeating the call with the same document changes nothing. Returns the
    order's version. ``OrderPreInvoiced`` asks the management system to record it."""
    actor.require(Permission.WRITE_COMMERCIAL)
    now = clock.now()
    document = DocumentRef.of(document_id, series, number, now)
    with uow:
        order = uow.orders.get(order_id)
        if order.mark_pre_invoiced(document, now=now, actor=actor.name):
            uow.orders.save(order)
            uow.commit()
        return order.version


def mark_invoiced(
    uow: SalesUnitOfWork,
    clock: Clock,
    actor: Actor,
    *,
    order_id: UUID,
    document_id: str,
    series: str,
    number: int,
) -> int:
    """The invoice was issued for the paid order (idempotent per document); the version."""
    actor.require(Permission.WRITE_COMMERCIAL)
    now = clock.now()
    document = DocumentRef.of(document_id, series, number, now)
    with uow:
        order = uow.orders.get(order_id)
        if order.mark_invoiced(document, now=now, actor=actor.name):
            uow.orders.save(order)
            uow.commit()
        return order.version


def dome_order_request(order: Order, customer_code: str | None, tax: tuple[str, str] | None) -> (
    DomeOrderRequest
):  # fmt: skip
    """The order and its pre-invoice as Dome records them."""
    assert order.pre_invoice is not None
    return DomeOrderRequest(
        external_ref=str(order.id),
        order_number=str(order.number),
        currency=order.currency,
        lines=tuple(
            DomeOrderLine(
                description=x.description,
                quantity=x.quantity,
                unit_price=str(x.unit_price.amount),
                vat_rate=str(x.vat_rate),
                net=str(x.total.amount),
                discount_pct=str(x.discount_pct),
                sku=x.sku,
            )
            for x in order.lines
        ),
        net_total=str(order.total.amount),
        vat_total=str(order.vat_total.amount),
        total=str(order.total_with_vat.amount),
        pre_invoice_series=order.pre_invoice.series,
        pre_invoice_number=order.pre_invoice.number,
        customer_code=customer_code,
        customer_tax_id=None if tax is None else tax[1],
        customer_tax_country=None if tax is None else tax[0],
        installments=None if order.financing is None else order.financing.installments,
    )


def record_in_erp(order_id: UUID, uow: SalesUnitOfWork, dome: DomeGateway, clock: Clock) -> bool:
    """The outbox handler of ``OrderPreInvoiced``: record the order and its pre-invoice in Dome
    with a key derived from the order id (a retry never records it twice), then mark the order
    recorded. Dome being down raises (:class:`~perla_core.gateways.ExternalUnavailable`): the
    outbox retries and the order keeps its state meanwhile. Returns whether it recorded."""
    with uow:
        order = uow.orders.get(order_id)
        client = uow.clients.get(order.client_id)
    if order.erp_reference is not None or order.status is not OrderStatus.PRE_INVOICED:
        return False
    tax = None if client.tax_id is None else (client.tax_id.country, client.tax_id.number)
    request = dome_order_request(order, client.dome_customer_code, tax)
    record = dome.record_order(request, idempotency_key(ERP_OPERATION, order_id))
    for _ in range(3):
        with uow:
            current = uow.orders.get(order_id)
            if current.status is not OrderStatus.PRE_INVOICED:
                return False
            current.mark_recorded(record.reference, now=clock.now(), actor=SYSTEM.name)
            uow.orders.save(current)
            try:
                uow.commit()
            except StaleVersion:
                continue
            return True
    raise StaleVersion("order", order_id, order.version, None)


# --- payments -------------------------------------------------------------------------------------


def _result(payment: Payment, order: Order, *, duplicate: bool) -> PaymentResult:
    return PaymentResult(
        payment,
        order.id,
        order.number,
        order.status,
        order.paid,
        order.total_with_vat,
        order.balance,
        duplicate,
    )


def _find_order(uow: SalesUnitOfWork, order_id: UUID | None, order_number: int | None) -> Order:
    if order_id is not None:
        order = uow.orders.get(order_id)
        if order_number is not None and order.number != order_number:
            raise InvalidValue(
                f"order {order_id} is number {order.number}, not {order_number}",
                field="order_number",
            )
        return order
    if order_number is None:
        raise InvalidValue("give the order's id or its number", field="order_id")
    return uow.orders.by_number(order_number)


def record_payment(
    uow: SalesUnitOfWork,
    clock: Clock,
    actor: Actor,
    *,
    payment_id: str,
    amount: object,
    currency: str,
    order_id: UUID | None = None,
    order_number: int | None = None,
    method: str | None = None,
    paid_at: datetime | None = None,
    channel: PaymentChannel = PaymentChannel.API,
) -> PaymentResult:
    """Record a payment of an order (by id or number), from confirmed on; partial payments add
    up and, once they reach the total with VAT, the order is paid (as soon as it is recorded
    in the management system; ``OrderPaid`` then asks for the invoice).

    Idempotent on ``payment_id``: the same payment again returns the same result
    (``duplicate``) and counts nothing twice; the same id with another amount or order is
    :class:`PaymentConflict`. An unknown order is :class:`NotFound`; an amount in another
    currency than the order's, :class:`InvalidValue` (field ``currency``)."""
    actor.require(Permission.WRITE_COMMERCIAL)
    now = clock.now()
    for _ in range(3):
        with uow:
            order = _find_order(uow, order_id, order_number)
            payment = Payment.parse(
                payment_id=payment_id,
                order_id=order.id,
                amount=amount,
                currency=currency,
                method=method,
                paid_at=paid_at or now,
                recorded_at=now,
                recorded_by=actor.name,
                channel=channel,
            )
            existing = uow.payments.find(payment.payment_id)
            if existing is not None:
                return _replayed(uow, existing, payment)
            if payment.amount.currency != order.currency:
                raise InvalidValue(
                    f"the payment is in {payment.amount.currency}, order {order.number} is in "
                    f"{order.currency}",
                    field="currency",
                )
            order.register_payment(payment.payment_id, payment.amount, now=now, actor=actor.name)
            try:
                uow.payments.add(payment)
                uow.orders.save(order)
                uow.commit()
            except (AlreadyExists, StaleVersion):
                continue  # another delivery of this payment, or of another, won: read again
            return _result(payment, order, duplicate=False)
    raise PaymentConflict(
        f"payment {payment_id} could not be recorded: the order kept changing; retry",
        field="payment_id",
    )


def _replayed(uow: SalesUnitOfWork, existing: Payment, given: Payment) -> PaymentResult:
    if not existing.same_as(given):
        raise PaymentConflict(
            f"payment {existing.payment_id} was recorded with {existing.amount} for order "
            f"{existing.order_id}; it cannot change",
            field="payment_id",
        )
    return _result(existing, uow.orders.get(existing.order_id), duplicate=True)


def list_payments(order_id: UUID, uow: SalesUnitOfWork, actor: Actor) -> list[Payment]:
    """The order's payments, oldest first; :class:`NotFound` for an unknown order."""
    actor.require(Permission.READ)
    with uow:
        uow.orders.get(order_id)
        return uow.payments.for_order(order_id)


# --- idle carts ---------------------------------------------------------------------------------


def expire_idle_orders(
    uow: SalesUnitOfWork,
    now: datetime,
    idle_for: timedelta = DEFAULT_IDLE_EXPIRY,
    *,
    actor: Actor = SYSTEM,
    limit: int = 500,
) -> int:
    """Cancel, with the reason ``expired``, the orders waiting on the client (a WhatsApp
    draft, or any unanswered summary) with no change for longer than ``idle_for``: found by
    one query per batch of ``limit``, each batch one transaction. Safe from a scheduler: a
    second run, or two at once, expire nothing twice (an order changed meanwhile is skipped).
    Returns how many expired."""
    actor.require(Permission.WRITE_COMMERCIAL)
    if idle_for <= timedelta(0):
        raise InvalidValue("must be a positive duration", field="idle_for")
    expired = 0
    while True:
        with uow:
            batch = uow.orders.idle(now - idle_for, limit)
            ids = [o.id for o in batch]
            count = 0
            for order in batch:
                if order.expire(now=now, actor=actor.name, idle_for=idle_for):
                    uow.orders.save(order)
                    count += 1
            try:
                uow.commit()
            except StaleVersion:
                expired += _expire_one_by_one(uow, ids, now, idle_for, actor)
            else:
                expired += count
        if len(batch) < limit:
            return expired


def _expire_one_by_one(
    uow: SalesUnitOfWork, ids: list[UUID], now: datetime, idle_for: timedelta, actor: Actor
) -> int:
    done = 0
    for order_id in ids:
        with uow:
            try:
                order = uow.orders.get(order_id)
                if order.expire(now=now, actor=actor.name, idle_for=idle_for):
                    uow.orders.save(order)
                    uow.commit()
                    done += 1
            except (StaleVersion, NotFound):
                continue
    return done


def _load(uow: SalesUnitOfWork, order_id: UUID, expected_version: int | None) -> Order:
    order = uow.orders.get(order_id)
    if expected_version is not None and expected_version != order.version:
        raise StaleVersion("order", order_id, expected_version, order.version)
    return order


__all__ = [
    "ERP_OPERATION",
    "MAX_ITEM_QUANTITY",
    "PaymentResult",
    "SalesUnitOfWork",
    "SummarySent",
    "add_item",
    "choose_financing",
    "confirm_order",
    "dome_order_request",
    "expire_idle_orders",
    "list_payments",
    "mark_invoiced",
    "mark_pre_invoiced",
    "record_in_erp",
    "record_payment",
    "remove_item",
    "send_summary",
    "set_item_quantity",
    "start_order_for_client",
]
