"""``perla orders``: record a payment by hand, expire idle carts.

``perla orders pay ORDER --amount 1250.50 --payment-id RCPT-7`` records a payment of the order
(its number or its id) in the order's currency (``--currency`` to say it), idempotent on the
payment id: the same payment again counts once. ``perla orders expire`` cancels, with the
reason ``expired``, the WhatsApp carts and unanswered summaries idle for longer than
``--idle-minutes`` (default ``PERLA_ORDER_IDLE_MINUTES``): what the scheduler runs.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from uuid import UUID

import typer
from rich.console import Console

from perla_core.kernel.errors import PerlaError
from perla_core.orders import sales
from perla_core.orders.model import PaymentChannel
from perla_entrypoints.container import settings_of, uow_factory
from perla_entrypoints.hotels_cli import _actor, _opened

orders_app = typer.Typer(
    help="MICROCOM's orders: record a payment by hand, expire idle carts.", no_args_is_help=True
)

console = Console()
err = Console(stderr=True)


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(message)
    return typer.Exit(code)


def _order_ref(value: str) -> tuple[UUID | None, int | None]:
    text = value.strip()
    if text.isdigit():
        return None, int(text)
    try:
        return UUID(text), None
    except ValueError:
        raise _fail(
            f"[red]invalid_value[/] order: {value!r} is neither a number nor an id"
        ) from None


@orders_app.command("pay")
def pay(
    order: Annotated[str, typer.Argument(help="The order's number (or its id).")],
    amount: Annotated[str, typer.Option(help="The amount paid, as decimal text: 1250.50.")],
    payment_id: Annotated[str, typer.Option(help="The payment's id (receipt, transfer).")],
    currency: Annotated[
        str | None, typer.Option(help="The payment's currency. [default: the order's]")
    ] = None,
    method: Annotated[str, typer.Option(help="How it was paid.")] = "transfer",
) -> None:
    """Record a payment of an order; partial payments add up, and once they reach the total
    with VAT the order is paid. Exits 1 on a refusal (unknown order, other currency, the same
    payment id with another amount)."""
    order_id, number = _order_ref(order)
    container = _opened()
    new_uow = uow_factory(container)
    try:
        code = currency
        if code is None:
            with new_uow() as uow:
                found = uow.orders.get(order_id) if order_id else uow.orders.by_number(number or 0)
            code = found.currency
        result = sales.record_payment(
            new_uow(), container.clock(), _actor(), payment_id=payment_id, amount=amount,
            currency=code, order_id=order_id, order_number=number, method=method,
            channel=PaymentChannel.CLI,
        )  # fmt: skip
    except PerlaError as error:
        raise _fail(f"[red]{error.code}[/] {error}") from None
    again = " (already recorded: nothing counted twice)" if result.duplicate else ""
    console.print(
        f"payment {result.payment.payment_id} of order {result.order_number}: "
        f"{result.payment.amount}{again}; paid {result.paid} of {result.total}, "
        f"balance {result.balance}; status {result.status.value}"
    )


@orders_app.command("expire")
def expire(
    idle_minutes: Annotated[
        int | None, typer.Option(min=1, help="Idle time. [default: PERLA_ORDER_IDLE_MINUTES]")
    ] = None,
) -> None:
    """Cancel (reason ``expired``) the carts and summaries idle for too long."""
    container = _opened()
    minutes = idle_minutes or settings_of(container).order_idle_minutes
    count = sales.expire_idle_orders(
        uow_factory(container)(), container.clock().now(), timedelta(minutes=minutes)
    )
    console.print(f"{count} idle orders expired")
