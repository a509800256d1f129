"""A small world for the customer, order and assignment use cases on the memory adapters:
clients, managers, orders and the actors who save them."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from uuid import UUID

from perla_adapters.memory import FixedClock, InMemoryStore, InMemoryUnitOfWork, SequentialIds
from perla_core.access.model import Actor, Role
from perla_core.customers.model import CustomerAccount
from perla_core.managers.commands import CreateManager, SetDistributionRule
from perla_core.managers.model import AssignmentState
from perla_core.managers.services import (
    create_manager,
    deactivate_manager,
    set_distribution_rule,
)
from perla_core.onboarding.commands import RegisterLead
from perla_core.onboarding.services import register_lead
from perla_core.orders.commands import KEEP, OrderLineInput, SaveOrder
from perla_core.orders.model import Order
from perla_core.orders.services import OrderSaved, save_order
from perla_core.outbox import OutboxMessage

ADMIN = Actor("alba.admin", Role.ADMIN)
AGENT = Actor("ana.agent", Role.AGENT)
READER = Actor("rita.reader", Role.READONLY)
BOT = Actor("whatsapp-bot", Role.AGENT, channel="whatsapp")


def as_manager(email: str) -> Actor:
    """The acting user who is the manager with this e-mail."""
    return Actor(email, Role.AGENT)


class World:
    """The memory store with a clock and ids that stand still, and shortcuts to fill it."""

    def __init__(self) -> None:
        self.store = InMemoryStore()
        self.clock = FixedClock()
        self.ids = SequentialIds(start=1000)
        self.uow = InMemoryUnitOfWork(self.store, self.clock, self.ids)

    def restart(self) -> None:
        """A new unit of work on the same store, as after a restart of the process."""
        self.uow = InMemoryUnitOfWork(self.store, self.clock, self.ids)

    # --- parties and managers ---------------------------------------------------------

    def client(self, name: str = "Viajes Ñandú", country: str = "ES") -> UUID:
        slug = "".join(c for c in name.lower() if c.isascii() and c.isalnum())[:20] or "agencia"
        command = RegisterLead(trade_name=name, country=country, email=f"hola@{slug}.es")
        return register_lead(command, self.uow, self.clock, self.ids, AGENT)

    def manager(self, name: str, *, active: bool = True) -> UUID:
        first = unicodedata.normalize("NFKD", name.split(maxsplit=1)[0].lower())
        email = f"{first.encode('ascii', 'ignore').decode()}@perlatours.com"
        manager_id = create_manager(
            CreateManager(name, email), self.uow, self.clock, self.ids, ADMIN
        )
        if not active:
            deactivate_manager(manager_id, self.uow, self.clock, ADMIN)
        return manager_id

    def email_of(self, manager_id: UUID) -> str:
        return self.store.managers[manager_id].email.value

    def editor(self, manager_id: UUID) -> Actor:
        return as_manager(self.email_of(manager_id))

    def deactivate(self, manager_id: UUID) -> None:
        deactivate_manager(manager_id, self.uow, self.clock, ADMIN)

    def rule(self, rule: str) -> None:
        set_distribution_rule(SetDistributionRule(rule), self.uow, ADMIN)

    # --- orders ----------------------------------------------------------------------

    def order(
        self,
        client_id: UUID,
        actor: Actor = BOT,
        *,
        manager_id: UUID | None = None,
        lines: Sequence[OrderLineInput] = (OrderLineInput("Cámara IP 4K", 1, "120.00"),),
        currency: str = "EUR",
        place: bool = False,
    ) -> OrderSaved:
        command = SaveOrder(
            client_id=client_id,
            currency=currency,
            lines=list(lines),
            channel="whatsapp",
            place=place,
            manager_id=KEEP if manager_id is None else manager_id,
        )
        return save_order(command, self.uow, self.clock, self.ids, actor)

    # --- what is stored ----------------------------------------------------------------

    def account(self, client_id: UUID) -> CustomerAccount | None:
        return self.store.customer_accounts.get(client_id)

    def client_manager(self, client_id: UUID) -> UUID | None:
        account = self.account(client_id)
        return None if account is None else account.manager_id

    def stored_order(self, order_id: UUID) -> Order:
        return self.store.orders[order_id]

    def state(self) -> AssignmentState:
        return self.store.assignment_state or AssignmentState()

    def outbox(self, topic_prefix: str = "") -> list[OutboxMessage]:
        rows = sorted(self.store.outbox.values(), key=lambda m: (m.created_at, m.id.int))
        return [m for m in rows if m.topic.startswith(topic_prefix)]
