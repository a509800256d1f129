"""Customer accounts, titles, customer groups, managers, orders, carts and the distribution
state in memory, with the promises of their tables: keys and codes unique, the client must
exist, saves optimistic (re-checked on commit), reads are copies, and the KPI queries answer
as the SQL ``GROUP BY`` queries do."""

from __future__ import annotations

import builtins
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, Protocol, TypeVar, cast
from uuid import UUID

import attrs

from perla_adapters.memory.store import ClientExists, InMemoryStore, Transaction, copy_of
from perla_core.customers.model import DEFAULT_GROUPS, CustomerAccount, CustomerGroup, Title
from perla_core.customers.ports import TitleUsage
from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion
from perla_core.kernel.money import Money
from perla_core.kernel.pagination import Page
from perla_core.kernel.text import fold
from perla_core.kernel.values import Email
from perla_core.managers.model import AssignmentState, Manager
from perla_core.orders.model import (
    OPEN_ORDER_STATUSES,
    REVENUE_ORDER_STATUSES,
    Cart,
    CartStatus,
    Order,
)
from perla_core.orders.ports import CartCounts, CartQuery, OrderQuery, OrderTotals


class _Aggregate(Protocol):
    version: int
    events: list[object]


A = TypeVar("A", bound=_Aggregate)

Unique = Callable[[Any, Iterable[Any]], None]
"""Raises :class:`AlreadyExists` when the row clashes with one of the others (a unique index)."""


class _Table(Generic[A]):
    """One table of versioned aggregates in a transaction: reads see the committed rows and
    this transaction's staged writes; writes are staged and applied on commit, where the
    version and the unique keys are checked again against what was committed meanwhile."""

    def __init__(
        self,
        store: InMemoryStore,
        tx: Transaction,
        table: str,
        kind: str,
        key: Callable[[A], UUID],
        unique: Unique | None = None,
    ) -> None:
        self._store = store
        self._tx = tx
        self._table = table
        self._kind = kind
        self._key = key
        self._unique = unique
        self._pending: dict[UUID, A | None] = {}
        self.seen: list[A] = []

    def committed(self, store: InMemoryStore | None = None) -> dict[UUID, A]:
        return cast("dict[UUID, A]", getattr(store or self._store, self._table))

    def rows(self) -> dict[UUID, A]:
        """Committed rows with this transaction's writes (staged deletions left out)."""
        merged: dict[UUID, A | None] = {**self.committed(), **self._pending}
        return {k: v for k, v in merged.items() if v is not None}

    def see(self, item: A) -> None:
        if not any(s is item for s in self.seen):
            self.seen.append(item)
        self._tx.touch(item)

    def get(self, ident: UUID) -> A:
        found = self.find(ident)
        if found is None:
            raise NotFound(self._kind, ident)
        self.see(found)
        return found

    def find(self, ident: UUID) -> A | None:
        with self._store.lock:
            stored = self.rows().get(ident)
        return None if stored is None else copy_of(stored)

    def add(self, item: A) -> None:
        with self._store.lock:
            ident = self._key(item)
            if ident in self.rows():
                raise AlreadyExists(f"{self._kind} {ident} already exists", field="id")
            self._check_unique(item, self.rows().values())
            item.version = 1
            self._stage(item, base=None)

    def save(self, item: A) -> None:
        with self._store.lock:
            ident = self._key(item)
            stored = self.rows().get(ident)
            if stored is None:
                raise NotFound(self._kind, ident)
            if stored.version != item.version:
                raise StaleVersion(self._kind, ident, item.version, stored.version)
            self._check_unique(item, self.rows().values())
            base = item.version
            item.version = base + 1
            self._stage(item, base=base)

    def remove(self, item: A) -> None:
        with self._store.lock:
            ident = self._key(item)
            stored = self.rows().get(ident)
            if stored is None:
                raise NotFound(self._kind, ident)
            if stored.version != item.version:
                raise StaleVersion(self._kind, ident, item.version, stored.version)
            self._pending[ident] = None
            self.see(item)
            base = item.version

            def apply(store: InMemoryStore) -> None:
                self._check_version(store, ident, base)
                del self.committed(store)[ident]

            self._tx.ops.append(apply)

    def _stage(self, item: A, base: int | None) -> None:
        ident = self._key(item)
        snapshot = copy_of(item)
        snapshot.events.clear()
        self._pending[ident] = snapshot
        self.see(item)

        def apply(store: InMemoryStore) -> None:
            self._check_version(store, ident, base)
            self._check_unique(snapshot, self.committed(store).values())
            self.committed(store)[ident] = snapshot

        self._tx.ops.append(apply)

    def _check_version(self, store: InMemoryStore, ident: UUID, base: int | None) -> None:
        stored = self.committed(store).get(ident)
        actual = None if stored is None else stored.version
        if actual != base:
            raise StaleVersion(self._kind, ident, base or 0, actual)

    def _check_unique(self, item: A, others: Iterable[A]) -> None:
        if self._unique is not None:
            ident = self._key(item)
            self._unique(item, [o for o in others if self._key(o) != ident])


def _page(rows: builtins.list[A], offset: int, limit: int) -> Page[A]:
    return Page([copy_of(r) for r in rows[offset : offset + limit]], len(rows), limit, offset)


# --- customer accounts, titles, groups ------------------------------------------------------------


class InMemoryCustomerAccountRepository:
    """Customer accounts by client id; the client must exist."""

    def __init__(self, store: InMemoryStore, tx: Transaction, client_exists: ClientExists) -> None:
        self._store = store
        self._client_exists = client_exists
        self._table: _Table[CustomerAccount] = _Table(
            store, tx, "customer_accounts", "customer account", lambda a: a.client_id
        )

    @property
    def seen(self) -> builtins.list[CustomerAccount]:
        return self._table.seen

    def get(self, client_id: UUID) -> CustomerAccount | None:
        account = self._table.find(client_id)
        if account is not None:
            self._table.see(account)
        return account

    def get_many(self, client_ids: Collection[UUID]) -> dict[UUID, CustomerAccount]:
        with self._store.lock:
            rows = self._table.rows()
            return {cid: copy_of(rows[cid]) for cid in client_ids if cid in rows}

    def add(self, account: CustomerAccount) -> None:
        with self._store.lock:
            if account.client_id not in self._table.rows() and not self._client_exists(
                account.client_id
            ):
                raise NotFound("client", account.client_id)
            self._table.add(account)

    def save(self, account: CustomerAccount) -> None:
        self._table.save(account)

    def members_by_group(self, default_group_id: UUID) -> dict[UUID, int]:
        """Every client once: in its account's group, or in ``default_group_id``. (Clients
        staged by this transaction but not committed are counted only if they have an
        account.)"""
        with self._store.lock:
            rows = self._table.rows()
            clients = set(self._store.clients) | set(rows)
        counts = Counter(rows[c].group_id if c in rows else default_group_id for c in clients)
        return dict(counts)

    def title_usage(self, title_id: UUID) -> TitleUsage:
        with self._store.lock:
            rows = list(self._table.rows().values())
        return TitleUsage(
            accounts=sum(1 for a in rows if a.title_id == title_id),
            contacts=sum(1 for a in rows for c in a.contacts if c.title_id == title_id),
        )

    def latest_contact(self) -> datetime | None:
        with self._store.lock:
            rows = list(self._table.rows().values())
        return max((a.last_contact_at for a in rows if a.last_contact_at), default=None)


def _unique_code(kind: str) -> Unique:
    def check(item: Any, others: Iterable[Any]) -> None:
        if any(o.code == item.code for o in others):
            raise AlreadyExists(f"the {kind} code {item.code!r} is taken", field="code")

    return check


class InMemoryTitleRepository:
    """The titles catalogue; codes are unique. The store starts with ``DEFAULT_TITLES``."""

    def __init__(self, store: InMemoryStore, tx: Transaction) -> None:
        self._store = store
        self._table: _Table[Title] = _Table(
            store, tx, "titles", "title", lambda t: t.id, _unique_code("title")
        )

    @property
    def seen(self) -> builtins.list[Title]:
        return self._table.seen

    def add(self, title: Title) -> None:
        self._table.add(title)

    def save(self, title: Title) -> None:
        self._table.save(title)

    def remove(self, title: Title) -> None:
        self._table.remove(title)

    def get(self, title_id: UUID) -> Title:
        return self._table.get(title_id)

    def find(self, title_id: UUID) -> Title | None:
        return self._table.find(title_id)

    def list(self, *, active: bool | None = None) -> builtins.list[Title]:
        with self._store.lock:
            rows = [t for t in self._table.rows().values() if active in (None, t.active)]
        rows.sort(key=lambda t: (fold(t.label), t.code))
        return [copy_of(t) for t in rows]


_DEFAULT_ORDER = {g.id: i for i, g in enumerate(DEFAULT_GROUPS)}


def _group_order(group: CustomerGroup) -> tuple[int, int, str, int]:
    """The default groups in their order, then the others by name."""
    if group.system:
        return 0, _DEFAULT_ORDER.get(group.id, len(_DEFAULT_ORDER)), "", group.id.int
    return 1, 0, fold(group.name), group.id.int


class InMemoryCustomerGroupRepository:
    """The customer groups; codes are unique. The store starts with ``DEFAULT_GROUPS``."""

    def __init__(self, store: InMemoryStore, tx: Transaction) -> None:
        self._store = store
        self._table: _Table[CustomerGroup] = _Table(
            store, tx, "customer_groups", "customer group", lambda g: g.id, _unique_code("group")
        )

    @property
    def seen(self) -> builtins.list[CustomerGroup]:
        return self._table.seen

    def add(self, group: CustomerGroup) -> None:
        self._table.add(group)

    def save(self, group: CustomerGroup) -> None:
        self._table.save(group)

    def remove(self, group: CustomerGroup) -> None:
        self._table.remove(group)

    def get(self, group_id: UUID) -> CustomerGroup:
        return self._table.get(group_id)

    def find(self, group_id: UUID) -> CustomerGroup | None:
        return self._table.find(group_id)

    def list(self) -> builtins.list[CustomerGroup]:
        with self._store.lock:
            rows = list(self._table.rows().values())
        rows.sort(key=_group_order)
        return [copy_of(g) for g in rows]


# --- managers and the distribution state ----------------------------------------------------------


def _unique_email(item: Any, others: Iterable[Any]) -> None:
    email = item.email.value.casefold()
    if any(o.email.value.casefold() == email for o in others):
        raise AlreadyExists(f"{item.email} is already a manager's e-mail", field="email")


class InMemoryManagerRepository:
    """Account managers; e-mails are unique, case-insensitively."""

    def __init__(self, store: InMemoryStore, tx: Transaction) -> None:
        self._store = store
        self._table: _Table[Manager] = _Table(
            store, tx, "managers", "manager", lambda m: m.id, _unique_email
        )

    @property
    def seen(self) -> builtins.list[Manager]:
        return self._table.seen

    def add(self, manager: Manager) -> None:
        self._table.add(manager)

    def save(self, manager: Manager) -> None:
        self._table.save(manager)

    def get(self, manager_id: UUID) -> Manager:
        return self._table.get(manager_id)

    def find(self, manager_id: UUID) -> Manager | None:
        return self._table.find(manager_id)

    def by_email(self, email: Email) -> Manager | None:
        wanted = email.value.casefold()
        with self._store.lock:
            found = next(
                (m for m in self._table.rows().values() if m.email.value.casefold() == wanted),
                None,
            )
        return None if found is None else copy_of(found)

    def list(self, *, active: bool | None = None) -> builtins.list[Manager]:
        with self._store.lock:
            rows = [m for m in self._table.rows().values() if active in (None, m.active)]
        rows.sort(key=lambda m: m.sort_key)
        return [copy_of(m) for m in rows]


class InMemoryAssignmentStateRepository:
    """The one distribution-state record (``AssignmentState()`` until first saved)."""

    def __init__(self, store: InMemoryStore, tx: Transaction) -> None:
        self._store = store
        self._tx = tx
        self._pending: AssignmentState | None = None

    def get(self) -> AssignmentState:
        with self._store.lock:
            state = self._pending or self._store.assignment_state
        return state or AssignmentState()

    def save(self, state: AssignmentState) -> AssignmentState:
        current = self.get()
        if current.version != state.version:
            raise StaleVersion("assignment state", "settings", state.version, current.version)
        base = state.version
        stored = attrs.evolve(state, version=base + 1)
        self._pending = stored

        def apply(store: InMemoryStore) -> None:
            actual = 0 if store.assignment_state is None else store.assignment_state.version
            if actual != base:
                raise StaleVersion("assignment state", "settings", base, actual)
            store.assignment_state = stored

        self._tx.ops.append(apply)
        return stored


# --- orders and carts -----------------------------------------------------------------------------


def _unique_number(item: Any, others: Iterable[Any]) -> None:
    if any(o.number == item.number for o in others):
        raise AlreadyExists(f"order number {item.number} is taken", field="number")


class InMemoryOrderRepository:
    """Orders; numbers are unique and come from a sequence that, like a database sequence,
    is not rolled back (gaps are allowed); the client must exist."""

    def __init__(self, store: InMemoryStore, tx: Transaction, client_exists: ClientExists) -> None:
        self._store = store
        self._client_exists = client_exists
        self._table: _Table[Order] = _Table(
            store, tx, "orders", "order", lambda o: o.id, _unique_number
        )

    @property
    def seen(self) -> builtins.list[Order]:
        return self._table.seen

    def add(self, order: Order) -> None:
        with self._store.lock:
            if order.id not in self._table.rows() and not self._client_exists(order.client_id):
                raise NotFound("client", order.client_id)
            self._table.add(order)

    def save(self, order: Order) -> None:
        self._table.save(order)

    def get(self, order_id: UUID) -> Order:
        return self._table.get(order_id)

    def exists(self, order_id: UUID) -> bool:
        """Whether the order is stored or staged (what a foreign key to ``orders`` checks)."""
        with self._store.lock:
            return order_id in self._table.rows()

    def by_number(self, number: int) -> Order:
        with self._store.lock:
            found = next((o for o in self._table.rows().values() if o.number == number), None)
        if found is None:
            raise NotFound("order", f"number {number}")
        return self._table.get(found.id)

    def idle(self, before: datetime, limit: int) -> builtins.list[Order]:
        with self._store.lock:
            rows = [
                o for o in self._table.rows().values() if o.may_expire() and o.updated_at < before
            ]
        rows.sort(key=lambda o: (o.updated_at, o.id.int))
        return [self._table.get(o.id) for o in rows[:limit]]

    def next_number(self) -> int:
        with self._store.lock:
            self._store.order_number_sequence += 1
            return self._store.order_number_sequence

    def list(self, query: OrderQuery) -> Page[Order]:
        """Newest first (by creation, then id)."""
        with self._store.lock:
            rows = [
                o
                for o in self._table.rows().values()
                if query.client_id in (None, o.client_id)
                and query.manager_id in (None, o.manager_id)
                and query.status in (None, o.status)
            ]
        rows.sort(key=lambda o: (o.created_at, o.id.int), reverse=True)
        return _page(rows, query.page.offset, query.page.limit)

    def open_orders_by_manager(self) -> dict[UUID, int]:
        with self._store.lock:
            rows = list(self._table.rows().values())
        return dict(
            Counter(
                o.manager_id
                for o in rows
                if o.manager_id is not None and o.status in OPEN_ORDER_STATUSES
            )
        )

    def totals(self, client_id: UUID | None = None) -> builtins.list[OrderTotals]:
        with self._store.lock:
            rows = [o for o in self._table.rows().values() if client_id in (None, o.client_id)]
        return _totals(rows)

    def totals_by_client(
        self, client_ids: Collection[UUID]
    ) -> dict[UUID, builtins.list[OrderTotals]]:
        wanted = set(client_ids)
        grouped: dict[UUID, builtins.list[Order]] = defaultdict(list)
        with self._store.lock:
            for order in self._table.rows().values():
                if order.client_id in wanted:
                    grouped[order.client_id].append(order)
        found = {cid: _totals(orders) for cid, orders in grouped.items()}
        return {cid: totals for cid, totals in found.items() if totals}


def _totals(orders: Iterable[Order]) -> builtins.list[OrderTotals]:
    """``SELECT currency, count(*), sum(total), max(placed_at) ... WHERE status IN
    ('placed', 'completed') GROUP BY currency ORDER BY currency``."""
    counted: dict[str, builtins.list[Order]] = defaultdict(list)
    for order in orders:
        if order.status in REVENUE_ORDER_STATUSES:
            counted[order.currency].append(order)
    return [
        OrderTotals(
            currency,
            len(rows),
            sum((o.total.amount for o in rows), Decimal(0)),
            max((o.placed_at for o in rows if o.placed_at), default=None),
        )
        for currency, rows in sorted(counted.items())
    ]


class InMemoryCartRepository:
    """Carts; the client must exist."""

    def __init__(self, store: InMemoryStore, tx: Transaction, client_exists: ClientExists) -> None:
        self._store = store
        self._client_exists = client_exists
        self._table: _Table[Cart] = _Table(store, tx, "carts", "cart", lambda c: c.id)

    @property
    def seen(self) -> builtins.list[Cart]:
        return self._table.seen

    def add(self, cart: Cart) -> None:
        with self._store.lock:
            if cart.id not in self._table.rows() and not self._client_exists(cart.client_id):
                raise NotFound("client", cart.client_id)
            self._table.add(cart)

    def save(self, cart: Cart) -> None:
        self._table.save(cart)

    def get(self, cart_id: UUID) -> Cart:
        return self._table.get(cart_id)

    def list(self, query: CartQuery) -> Page[Cart]:
        """Most recently active first (by ``updated_at``, then id)."""
        with self._store.lock:
            rows = [
                c
                for c in self._table.rows().values()
                if query.client_id in (None, c.client_id)
                and query.status in (None, _effective(c, query.abandoned_before))
            ]
        rows.sort(key=lambda c: (c.updated_at, c.id.int), reverse=True)
        return _page(rows, query.page.offset, query.page.limit)

    def idle_open(self, before: datetime, limit: int) -> builtins.list[Cart]:
        with self._store.lock:
            rows = [
                c
                for c in self._table.rows().values()
                if c.status is CartStatus.OPEN and c.updated_at < before
            ]
        rows.sort(key=lambda c: (c.updated_at, c.id.int))
        carts = [copy_of(c) for c in rows[:limit]]
        for cart in carts:
            self._table.see(cart)
        return carts

    def counts(
        self,
        abandoned_before: datetime,
        *,
        client_id: UUID | None = None,
        created_since: datetime | None = None,
    ) -> CartCounts:
        with self._store.lock:
            rows = [
                c
                for c in self._table.rows().values()
                if client_id in (None, c.client_id)
                and (created_since is None or c.created_at >= created_since)
            ]
        statuses = Counter(_effective(c, abandoned_before) for c in rows)
        value: dict[str, Money] = {}
        for cart in rows:
            if _effective(cart, abandoned_before) is CartStatus.OPEN:
                value[cart.currency] = value.get(cart.currency, Money.zero(cart.currency)) + (
                    cart.value
                )
        return CartCounts(
            statuses[CartStatus.OPEN],
            statuses[CartStatus.ABANDONED],
            statuses[CartStatus.CONVERTED],
            tuple(value[c] for c in sorted(value)),
        )


def _effective(cart: Cart, abandoned_before: datetime | None) -> CartStatus:
    if (
        cart.status is CartStatus.OPEN
        and abandoned_before is not None
        and cart.updated_at < abandoned_before
    ):
        return CartStatus.ABANDONED
    return cart.status
