"""Clients, accounts, orders and conversations for the campaign tests (any unit of work)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

from perla_adapters.memory import FixedClock, SequentialIds
from perla_core.conversations.model import Conversation
from perla_core.customers.model import CustomerAccount
from perla_core.kernel.values import Phone
from perla_core.onboarding.model import Client
from perla_core.orders.model import Order, OrderChannel
from perla_core.uow import UnitOfWork

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=400)
LATELY = NOW - timedelta(days=20)

NewUow = Callable[[], UnitOfWork]


def phone_of(n: int) -> str:
    return f"+54911555{n:05d}"


def contact_of(n: int) -> str:
    return phone_of(n).removeprefix("+")


def a_client(
    new_uow: NewUow,
    n: int,
    *,
    phone: bool = True,
    consent: bool = True,
    created_at: datetime = LONG_AGO,
    last_contact_at: datetime | None = None,
    client_id: UUID | None = None,
) -> UUID:
    """A stored client (and its account) numbered ``n``."""
    cid = client_id or UUID(int=10_000 + n)
    client = Client(
        id=cid,
        trade_name=f"Cliente {n}",
        country="AR",
        created_at=created_at,
        updated_at=created_at,
        phone=Phone(phone_of(n)) if phone else None,
    )
    with new_uow() as uow:
        uow.clients.add(client)
        account = CustomerAccount(cid, created_at, created_at, last_contact_at=last_contact_at)
        account.whatsapp_consent = consent
        uow.customer_accounts.add(account)
        uow.commit()
    return cid


def an_order(new_uow: NewUow, client_id: UUID, at: datetime, ids: SequentialIds) -> None:
    with new_uow() as uow:
        order = Order.create(
            order_id=ids.new_id(),
            number=uow.orders.next_number(),
            client_id=client_id,
            currency="ARS",
            channel=OrderChannel.CART,
            lines=[],
            now=at,
            actor="test",
        )
        uow.orders.add(order)
        uow.commit()


def an_inbound_message(new_uow: NewUow, n: int, at: datetime, ids: SequentialIds) -> None:
    with new_uow() as uow:
        conversation = Conversation.open(ids.new_id(), contact_of(n), at)
        conversation.receive(ids.new_id(), kind="text", text="hola", at=at)
        uow.conversations.add(conversation)
        uow.commit()


def at_now(clock: FixedClock) -> FixedClock:
    clock.set(NOW)
    return clock
