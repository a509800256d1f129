"""Use cases of orders and carts. Each opens one unit of work and returns ids, versions or a
frozen result; every save of an order applies the account-manager rules
(:mod:`perla_core.managers.assignment`) to the order and its client in the same transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import attrs

from perla_core.access.model import Actor, Permission
from perla_core.customers.model import CustomerAccount
from perla_core.customers.ports import CustomerUnitOfWork
from perla_core.kernel.errors import IllegalTransition, InvalidValue, StaleVersion
from perla_core.kernel.money import Money
from perla_core.kernel.pagination import Page
from perla_core.kernel.ports import Clock, IdGenerator
from perla_core.managers.assignment import AssignmentDecision, Saving
from perla_core.managers.services import apply_assignment_rules, require_active_manager
from perla_core.orders.commands import (
    CancelOrder,
    CompleteOrder,
    ConvertCart,
    Keep,
    PlaceOrder,
    SaveCart,
    SaveOrder,
)
from perla_core.orders.model import (
    Cart,
    CartStatus,
    Order,
    OrderChannel,
    OrderStatus,
    abandoned_after,
    parse_lines,
)
from perla_core.orders.ports import CartQuery, OrderQuery
from perla_core.suppliers.values import choice

DIRECT = "direct"
"""The reason recorded when a person assigns a manager by hand."""


@attrs.frozen
class OrderSaved:
    """The order after a save, with the managers of the order and of its client and the
    assignment rule that decided them."""

    order_id: UUID
    number: int
    version: int
    status: OrderStatus
    total: Money
    manager_id: UUID | None
    client_manager_id: UUID | None
    assignment: AssignmentDecision


@attrs.frozen
class CartView:
    """A cart as the carts page shows it: its effective status, value, age and idle time."""

    cart: Cart
    status: CartStatus
    value: Money
    age: timedelta
    idle: timedelta


# --- orders ---------------------------------------------------------------------------------------


def save_order(
    command: SaveOrder, uow: CustomerUnitOfWork, clock: Clock, ids: IdGenerator, actor: Actor
) -> OrderSaved:
    """Create an order (no ``order_id``) or change a draft or placed one, then apply the
    account-manager rules on save (seed 003): the client's manager goes on the order; an
    inactive client manager is replaced by the distribution rule's pick, on the order and the
    client; the order's manager goes to a client without one; with neither, the manager who
    saves (or, when the acting user is not a manager, the distribution rule's pick) goes to
    both. A manager given directly must be active (:class:`PreconditionFailed`, field
    ``manager_id``). ``place`` also places the order."""
    actor.require(Permission.WRITE_COMMERCIAL)
    channel = choice(command.channel, OrderChannel, "channel")
    now = clock.now()
    with uow:
        if command.order_id is None:
            order = _new_order(command, uow, ids, channel, now, actor)
        else:
            order = _load_order(uow, command.order_id, command.expected_version)
            if not order.is_editable:
                raise IllegalTransition(
                    "order", order.status.value, "update", allowed=order.allowed_actions()
                )
            _refuse_moves(order, command)
            if not isinstance(command.lines, Keep):
                lines = parse_lines(command.lines, currency=order.currency)
                order.replace_lines(lines, now=now, actor=actor.name)
        if not isinstance(command.manager_id, Keep):
            if command.manager_id is not None and command.manager_id != order.manager_id:
                require_active_manager(uow.managers, command.manager_id)
            order.assign_manager(command.manager_id, reason=DIRECT, now=now, actor=actor.name)
        if command.place:
            order.place(now=now, actor=actor.name)
        saved = _assign_and_store(uow, order, now, actor)
        uow.commit()
    return saved


def place_order(command: PlaceOrder, uow: CustomerUnitOfWork, clock: Clock, actor: Actor) -> int:
    """The client confirms a draft order (it needs a line); returns the new version."""
    actor.require(Permission.WRITE_COMMERCIAL)
    with uow:
        order = _load_order(uow, command.order_id, command.expected_version)
        order.place(now=clock.now(), actor=actor.name)
        uow.orders.save(order)
        uow.commit()
        return order.version


def complete_order(
    command: CompleteOrder, uow: CustomerUnitOfWork, clock: Clock, actor: Actor
) -> int:
    """A placed order was delivered; returns the new version."""
    actor.require(Permission.WRITE_COMMERCIAL)
    with uow:
        order = _load_order(uow, command.order_id, command.expected_version)
        order.complete(now=clock.now(), actor=actor.name)
        uow.orders.save(order)
        uow.commit()
        return order.version


def cancel_order(command: CancelOrder, uow: CustomerUnitOfWork, clock: Clock, actor: Actor) -> int:
    """Cancel a draft or placed order; returns the new version. It leaves its manager's load
    and the revenue."""
    actor.require(Permission.WRITE_COMMERCIAL)
    with uow:
        order = _load_order(uow, command.order_id, command.expected_version)
        order.cancel(now=clock.now(), actor=actor.name, reason=command.reason)
        uow.orders.save(order)
        uow.commit()
        return order.version


def get_order(order_id: UUID, uow: CustomerUnitOfWork, actor: Actor) -> Order:
    """One order; raises :class:`NotFound`."""
    actor.require(Permission.READ)
    with uow:
        return uow.orders.get(order_id)


def list_orders(query: OrderQuery, uow: CustomerUnitOfWork, actor: Actor) -> Page[Order]:
    """Orders of a client, a manager or a status (or all), newest first, a page at a time."""
    actor.require(Permission.READ)
    with uow:
        return uow.orders.list(query)


def _new_order(
    command: SaveOrder,
    uow: CustomerUnitOfWork,
    ids: IdGenerator,
    channel: OrderChannel,
    now: datetime,
    actor: Actor,
) -> Order:
    if command.client_id is None:
        raise InvalidValue("a new order needs its client", field="client_id")
    if command.currency is None:
        raise InvalidValue("a new order needs its currency", field="currency")
    currency = Money.zero(command.currency).currency
    raw = () if isinstance(command.lines, Keep) else command.lines
    lines = parse_lines(raw, currency=currency)
    uow.clients.get(command.client_id)
    return Order.create(
        order_id=ids.new_id(),
        number=uow.orders.next_number(),
        client_id=command.client_id,
        currency=currency,
        channel=channel,
        lines=lines,
        now=now,
        actor=actor.name,
    )


def _refuse_moves(order: Order, command: SaveOrder) -> None:
    if command.client_id is not None and command.client_id != order.client_id:
        raise InvalidValue("an order's client cannot change", field="client_id")
    if command.currency is not None and command.currency.strip().upper() != order.currency:
        raise InvalidValue(
            f"an order's currency cannot change (it is {order.currency})", field="currency"
        )


def _assign_and_store(
    uow: CustomerUnitOfWork, order: Order, now: datetime, actor: Actor
) -> OrderSaved:
    """Apply the assignment rules to the order and its client, then store both."""
    account = uow.customer_accounts.get(order.client_id)
    decision = apply_assignment_rules(
        uow,
        saving=Saving.ORDER,
        client_manager_id=None if account is None else account.manager_id,
        order_manager_id=order.manager_id,
        editor=actor,
    )
    reason = decision.reason.value
    if decision.order_changed:
        order.assign_manager(decision.order_manager_id, reason=reason, now=now, actor=actor.name)
    if decision.client_changed:
        if account is None:
            account = CustomerAccount.open(client_id=order.client_id, now=now, actor=actor.name)
        account.assign_manager(
            decision.client_manager_id, reason=reason, now=now, actor=actor.name, order_id=order.id
        )
        if account.is_stored:
            uow.customer_accounts.save(account)
        else:
            uow.customer_accounts.add(account)
    if order.version == 0:
        uow.orders.add(order)
    elif order.events:
        uow.orders.save(order)
    return OrderSaved(
        order.id,
        order.number,
        order.version,
        order.status,
        order.total,
        order.manager_id,
        decision.client_manager_id,
        decision,
    )


assign_and_store = _assign_and_store
"""Apply the account-manager rules to a new or changed order and store it (for the purchase
use cases of :mod:`perla_core.orders.sales`)."""


def _load_order(uow: CustomerUnitOfWork, order_id: UUID, expected_version: int | None) -> Order:
    order = uow.orders.get(order_id)
    if expected_version is not None and expected_version != order.version:
        raise StaleVersion("order", order_id, expected_version, order.version)
    return order


# --- carts ----------------------------------------------------------------------------------------


@attrs.frozen
class CartSaved:
    cart_id: UUID
    version: int
    status: CartStatus
    value: Money


def save_cart(
    command: SaveCart, uow: CustomerUnitOfWork, clock: Clock, ids: IdGenerator, actor: Actor
) -> CartSaved:
    """Open a cart for a client (no ``cart_id``) or replace its lines; changing an abandoned
    cart opens it again, a converted one is refused."""
    actor.require(Permission.WRITE_COMMERCIAL)
    currency = Money.zero(command.currency).currency
    lines = parse_lines(command.lines, currency=currency)
    now = clock.now()
    with uow:
        if command.cart_id is None:
            uow.clients.get(command.client_id)
            cart = Cart.open(
                cart_id=ids.new_id(),
                client_id=command.client_id,
                currency=currency,
                lines=lines,
                now=now,
                actor=actor.name,
            )
            uow.carts.add(cart)
        else:
            cart = _load_cart(uow, command.cart_id, command.expected_version)
            if cart.client_id != command.client_id:
                raise InvalidValue("a cart's client cannot change", field="client_id")
            if cart.currency != currency:
                raise InvalidValue(
                    f"a cart's currency cannot change (it is {cart.currency})", field="currency"
                )
            if not cart.replace_lines(lines, now=now):
                return CartSaved(cart.id, cart.version, cart.status, cart.value)
            uow.carts.save(cart)
        uow.commit()
    return CartSaved(cart.id, cart.version, cart.status, cart.value)


def convert_cart(
    command: ConvertCart,
    uow: CustomerUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    actor: Actor,
) -> OrderSaved:
    """Turn an open or abandoned cart into a placed order (channel ``cart``), with the
    account-manager rules applied to it; the cart becomes converted."""
    actor.require(Permission.WRITE_COMMERCIAL)
    now = clock.now()
    with uow:
        cart = _load_cart(uow, command.cart_id, command.expected_version)
        order = Order.create(
            order_id=ids.new_id(),
            number=uow.orders.next_number(),
            client_id=cart.client_id,
            currency=cart.currency,
            channel=OrderChannel.CART,
            lines=list(cart.lines),
            now=now,
            actor=actor.name,
        )
        cart.mark_converted(order.id, now=now, actor=actor.name)
        order.place(now=now, actor=actor.name)
        saved = _assign_and_store(uow, order, now, actor)
        uow.carts.save(cart)
        uow.commit()
    return saved


def mark_abandoned_carts(
    uow: CustomerUnitOfWork,
    clock: Clock,
    actor: Actor,
    *,
    threshold: timedelta | None = None,
    limit: int = 500,
) -> int:
    """Record as abandoned the open carts idle for longer than ``threshold`` (default 24
    hours), up to ``limit`` per call; returns how many. Running it again changes nothing."""
    actor.require(Permission.WRITE_COMMERCIAL)
    now = clock.now()
    idle = abandoned_after(threshold)
    with uow:
        marked = 0
        for cart in uow.carts.idle_open(now - idle, limit):
            if cart.mark_abandoned(now=now, actor=actor.name, threshold=idle):
                uow.carts.save(cart)
                marked += 1
        if marked:
            uow.commit()
        return marked


def get_cart(
    cart_id: UUID,
    uow: CustomerUnitOfWork,
    clock: Clock,
    actor: Actor,
    *,
    threshold: timedelta | None = None,
) -> CartView:
    actor.require(Permission.READ)
    with uow:
        return cart_view(uow.carts.get(cart_id), clock, threshold)


def list_carts(
    query: CartQuery,
    uow: CustomerUnitOfWork,
    clock: Clock,
    actor: Actor,
    *,
    threshold: timedelta | None = None,
) -> Page[CartView]:
    """Carts by effective status (an open cart idle longer than ``threshold`` is abandoned),
    most recently active first, with their value and age."""
    actor.require(Permission.READ)
    if query.abandoned_before is None:
        query = attrs.evolve(query, abandoned_before=clock.now() - abandoned_after(threshold))
    with uow:
        page = uow.carts.list(query)
    return Page(
        [cart_view(c, clock, threshold) for c in page.items], page.total, page.limit, page.offset
    )


def cart_view(cart: Cart, clock: Clock, threshold: timedelta | None = None) -> CartView:
    now = clock.now()
    return CartView(
        cart, cart.effective_status(now, threshold), cart.value, cart.age(now), cart.idle(now)
    )


def _load_cart(uow: CustomerUnitOfWork, cart_id: UUID, expected_version: int | None) -> Cart:
    cart = uow.carts.get(cart_id)
    if expected_version is not None and expected_version != cart.version:
        raise StaleVersion("cart", cart_id, expected_version, cart.version)
    return cart
