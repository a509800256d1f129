"""Storage and queries of customer accounts, titles and customer groups, and the unit of work
the customer, order, cart and assignment use cases share."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Mapping
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

import attrs

from perla_core.customers.model import CustomerAccount, CustomerGroup, Title
from perla_core.managers.ports import AssignmentStateRepository, ManagerRepository
from perla_core.onboarding.ports import ClientRepository
from perla_core.orders.ports import CartRepository, OrderRepository
from perla_core.outbox import OutboxRepository, ProcessedMessages


@attrs.frozen
class TitleUsage:
    """Who uses a title: customer accounts (as the client's title) and contact accounts."""

    accounts: int = 0
    contacts: int = 0

    @property
    def total(self) -> int:
        return self.accounts + self.contacts


class CustomerAccountRepository(Protocol):
    """Customer accounts, one per lead or client, keyed by ``client_id``. Joins the unit of
    work's transaction; never commits.

    ``add`` sets the version to 1 and raises :class:`AlreadyExists` when the client already has
    an account, :class:`NotFound` when the client does not exist. ``save`` is optimistic: it
    writes only if the stored version equals ``account.version``, then increments it;
    otherwise :class:`StaleVersion`. Addresses and contacts are stored with the account (JSON
    columns or child rows); ``events`` are not (the unit of work moves them to the outbox).
    """

    def get(self, client_id: UUID) -> CustomerAccount | None:
        """The client's account, or ``None`` while it has none (it is then seen)."""
        ...

    def get_many(self, client_ids: Collection[UUID]) -> Mapping[UUID, CustomerAccount]:
        """The accounts of several clients in one query (``WHERE client_id IN``); clients
        without an account are absent. Not seen: for reading only."""
        ...

    def add(self, account: CustomerAccount) -> None: ...

    def save(self, account: CustomerAccount) -> None: ...

    def members_by_group(self, default_group_id: UUID) -> Mapping[UUID, int]:
        """How many leads and clients each customer group has, in one query: every client
        counts once, in its account's group or, without an account, in ``default_group_id``
        (``clients LEFT JOIN customer_accounts ... GROUP BY coalesce(group_id, :default)``).
        Groups without members are absent."""
        ...

    def title_usage(self, title_id: UUID) -> TitleUsage:
        """How many accounts have the title and how many contact accounts have it, in one
        query."""
        ...

    def latest_contact(self) -> datetime | None:
        """The latest ``last_contact_at`` of every account (``max``), or ``None``."""
        ...

    @property
    def seen(self) -> builtins.list[CustomerAccount]:
        """Accounts added or read in this unit of work (their events go to the outbox)."""
        ...


class TitleRepository(Protocol):
    """The titles catalogue (it starts with :data:`DEFAULT_TITLES`, which the SQL migration
    inserts). ``add`` and ``save`` raise :class:`AlreadyExists` (field ``code``) when the code
    is another title's; ``save`` and ``remove`` are optimistic (:class:`StaleVersion`).
    ``remove`` deletes the row (the SQL adapter's foreign key from ``customer_accounts``
    refuses it if an account took the title meanwhile)."""

    def add(self, title: Title) -> None: ...

    def save(self, title: Title) -> None: ...

    def remove(self, title: Title) -> None: ...

    def get(self, title_id: UUID) -> Title:
        """Raises :class:`NotFound`."""
        ...

    def find(self, title_id: UUID) -> Title | None: ...

    def list(self, *, active: bool | None = None) -> builtins.list[Title]:
        """Every title (or only the active or inactive ones), by label then code."""
        ...

    @property
    def seen(self) -> builtins.list[Title]:
        """Titles added, read by ``get`` or removed in this unit of work (their events go to
        the outbox)."""
        ...


class CustomerGroupRepository(Protocol):
    """The customer groups catalogue (it starts with :data:`DEFAULT_GROUPS`, which the SQL
    migration inserts). ``add`` and ``save`` raise :class:`AlreadyExists` (field ``code``)
    when the code is another group's; ``save`` and ``remove`` are optimistic
    (:class:`StaleVersion`)."""

    def add(self, group: CustomerGroup) -> None: ...

    def save(self, group: CustomerGroup) -> None: ...

    def remove(self, group: CustomerGroup) -> None: ...

    def get(self, group_id: UUID) -> CustomerGroup:
        """Raises :class:`NotFound`."""
        ...

    def find(self, group_id: UUID) -> CustomerGroup | None: ...

    def list(self) -> builtins.list[CustomerGroup]:
        """Every group: the default ones first, then by name."""
        ...

    @property
    def seen(self) -> builtins.list[CustomerGroup]:
        """Groups added, read by ``get`` or removed in this unit of work (their events go to
        the outbox)."""
        ...


class CustomerUnitOfWork(Protocol):
    """The part of :class:`perla_core.uow.UnitOfWork` the customer, order, cart and
    account-manager use cases use: the same promises (``with uow:`` opens, only ``commit``
    persists, leaving rolls back, and the commit writes the events of every aggregate seen to
    the outbox)."""

    @property
    def clients(self) -> ClientRepository: ...

    @property
    def customer_accounts(self) -> CustomerAccountRepository: ...

    @property
    def titles(self) -> TitleRepository: ...

    @property
    def customer_groups(self) -> CustomerGroupRepository: ...

    @property
    def managers(self) -> ManagerRepository: ...

    @property
    def orders(self) -> OrderRepository: ...

    @property
    def carts(self) -> CartRepository: ...

    @property
    def assignment_state(self) -> AssignmentStateRepository: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def processed(self) -> ProcessedMessages: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...
