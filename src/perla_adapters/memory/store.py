"""What the in-memory adapters share: the committed state and one transaction's writes."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from perla_core.access.model import ApiKey
from perla_core.assistant.model import AssistantConversation
from perla_core.campaigns.model import CampaignRun, RunRecipient
from perla_core.catalogue.model import Product
from perla_core.conversations.model import Conversation
from perla_core.conversations.ports import ReceivedEvent
from perla_core.credentials.model import Credential
from perla_core.customers.model import (
    DEFAULT_GROUPS,
    DEFAULT_TITLES,
    CustomerAccount,
    CustomerGroup,
    Title,
)
from perla_core.documents.model import BillingDocumentRecord
from perla_core.financing.model import RateRule
from perla_core.inquiries.model import Inquiry, UnmatchedEmail
from perla_core.kernel.events import HasEvents
from perla_core.managers.model import AssignmentState, Manager
from perla_core.onboarding.model import Client
from perla_core.orders.model import Cart, Order, Payment
from perla_core.outbox import OutboxMessage
from perla_core.policies.model import CommercialPolicy, GlobalRules
from perla_core.suppliers.model import SupplierRequest

T = TypeVar("T")

ClientExists = Callable[[UUID], bool]
"""Whether a client is stored or staged: what a foreign key to ``clients`` checks."""


class InMemoryStore:
    """What a database would hold: committed aggregates, outbox rows, processed keys.

    ``global_rules`` stays ``None`` until first saved (readers get the defaults).
    """

    TABLES = (
        "clients",
        "api_keys",
        "credentials",
        "policies",
        "global_rules",
        "supplier_requests",
        "outbox",
        "processed",
        "inquiries",
        "unmatched_emails",
        "handed_over_reminders",
        "customer_accounts",
        "titles",
        "customer_groups",
        "managers",
        "orders",
        "carts",
        "assignment_state",
        "conversations",
        "received_events",
        "products",
        "payments",
        "document_series",
        "billing_documents",
        "campaign_runs",
        "campaign_recipients",
        "campaign_opt_outs",
        "assistant_conversations",
    )

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.clients: dict[UUID, Client] = {}
        self.api_keys: dict[UUID, ApiKey] = {}
        self.credentials: dict[UUID, Credential] = {}
        self.policies: dict[UUID, CommercialPolicy] = {}
        self.global_rules: GlobalRules | None = None
        self.supplier_requests: dict[UUID, SupplierRequest] = {}
        self.outbox: dict[UUID, OutboxMessage] = {}
        self.processed: dict[tuple[UUID, str], datetime] = {}
        self.claimed: set[UUID] = set()
        # inquiries (issue 5); handed_over_reminders are the (inquiry, reminder) pairs a
        # reminder tick handed over (committed), reminder_claims those an open tick is handing
        # over (like locked rows: other ticks skip them until its transaction ends)
        self.inquiries: dict[UUID, Inquiry] = {}
        self.unmatched_emails: dict[UUID, UnmatchedEmail] = {}
        self.handed_over_reminders: set[tuple[UUID, UUID]] = set()
        self.reminder_claims: set[tuple[UUID, UUID]] = set()
        # customers, managers, orders (issue 5); titles and groups start with their defaults,
        # as the SQL migration inserts them; the order-number sequence is never rolled back.
        self.customer_accounts: dict[UUID, CustomerAccount] = {}
        self.titles: dict[UUID, Title] = {t.id: copy_of(t) for t in DEFAULT_TITLES}
        self.customer_groups: dict[UUID, CustomerGroup] = {g.id: copy_of(g) for g in DEFAULT_GROUPS}
        self.managers: dict[UUID, Manager] = {}
        self.orders: dict[UUID, Order] = {}
        self.carts: dict[UUID, Cart] = {}
        self.assignment_state: AssignmentState | None = None
        self.order_number_sequence = 0
        # conversations (issue 6); received_events in arrival order (a dict keeps it);
        # conversation_locks stand for the row locks of ``get_for_update``
        self.conversations: dict[UUID, Conversation] = {}
        self.received_events: dict[str, ReceivedEvent] = {}
        self.conversation_locks: dict[str, threading.Lock] = {}
        # catalogue (issue 7)
        self.products: dict[UUID, Product] = {}
        # payments of orders (issue 8), by the provider's payment id
        self.payments: dict[str, Payment] = {}
        # financing rates (issue 8), by rule id
        self.financing_rates: dict[str, RateRule] = {}
        # billing documents (issue 8): the last number taken per series, the issued documents
        self.document_series: dict[str, int] = {}
        self.billing_documents: dict[UUID, BillingDocumentRecord] = {}
        # campaigns (issue 9): runs, recipients by (run, client), opt-outs by number; the
        # claims stand for the recipients' row locks while a dispatch is open
        self.campaign_runs: dict[UUID, CampaignRun] = {}
        self.campaign_recipients: dict[tuple[UUID, UUID], RunRecipient] = {}
        self.campaign_opt_outs: dict[str, tuple[datetime, str]] = {}
        self.campaign_claims: set[tuple[UUID, UUID]] = set()
        # the assistant's conversations (issue 10), entries included
        self.assistant_conversations: dict[UUID, AssistantConversation] = {}

    def snapshot(self) -> dict[str, Any]:
        """The tables as they are, to :meth:`restore` if a commit fails half-way."""
        return {name: copy.copy(getattr(self, name)) for name in self.TABLES}

    def restore(self, snapshot: dict[str, Any]) -> None:
        for name, value in snapshot.items():
            setattr(self, name, value)


class TouchedAggregates:
    """The aggregates one transaction's repositories added, read or saved (clients,
    credentials, policies, supplier requests), in the order they were first touched: on
    commit their events go to the outbox in that order. The SQL unit of work keeps one too."""

    def __init__(self) -> None:
        # by ``id()``: membership is by identity (aggregates compare by value); a dict keeps
        # the order of first touch, and holding the aggregate keeps its ``id()`` its own
        self._aggregates: dict[int, HasEvents] = {}

    def touch(self, aggregate: HasEvents) -> None:
        self._aggregates.setdefault(id(aggregate), aggregate)

    def __iter__(self) -> Iterator[HasEvents]:
        return iter(list(self._aggregates.values()))


class Transaction:
    """One transaction: the writes to apply to the store on commit, and what it touched."""

    def __init__(self) -> None:
        self.ops: list[Callable[[InMemoryStore], None]] = []
        self.touched = TouchedAggregates()

    def touch(self, aggregate: HasEvents) -> None:
        self.touched.touch(aggregate)


def copy_of(obj: T) -> T:
    """A deep copy: what leaves or enters the store never shares state with a caller."""
    return copy.deepcopy(obj)
