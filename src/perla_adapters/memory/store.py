"""What the in-memory adapters share: the committed state and one transaction's writes."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from perla_core.access.model import ApiKey
from perla_core.credentials.model import Credential
from perla_core.kernel.events import HasEvents
from perla_core.onboarding.model import Client
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
        self._aggregates: list[HasEvents] = []

    def touch(self, aggregate: HasEvents) -> None:
        if not any(seen is aggregate for seen in self._aggregates):
            self._aggregates.append(aggregate)

    def __iter__(self) -> Iterator[HasEvents]:
        return iter(self._aggregates)


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
