"""Customer accounts, titles, customer groups, managers, the distribution state, orders and
carts in SQL: rows to aggregates and back, and the repositories.

A customer account keeps its addresses and contacts as JSON arrays; each contact's title is
also a row of ``customer_contact_titles``, so the foreign keys to ``titles`` refuse deleting
a title that an account or a contact took meanwhile, and a title's usage is one query. Order
and cart lines are JSON arrays (each line with its total); the order's total and the cart's
value are stored in minor units (cents), so the KPI sums are exact integer ``sum()`` on both
databases. Every save is optimistic (``UPDATE ... WHERE version = :seen``).
"""

from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar
from uuid import UUID

import attrs
from sqlalchemy import (
    Connection,
    Insert,
    Table,
    Update,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from perla_adapters.memory.store import TouchedAggregates
from perla_adapters.sql.serialization import Row, converter
from perla_adapters.sql.tables import (
    assignment_state,
    carts,
    clients,
    customer_accounts,
    customer_contact_titles,
    customer_groups,
    managers,
    order_numbers,
    orders,
    payments,
    titles,
)
from perla_core.customers.model import (
    DEFAULT_GROUPS,
    DEFAULT_TITLES,
    Address,
    ContactAccount,
    CustomerAccount,
    CustomerGroup,
    Title,
)
from perla_core.customers.ports import TitleUsage
from perla_core.kernel.errors import AlreadyExists, NotFound, PreconditionFailed, StaleVersion
from perla_core.kernel.money import MINOR_UNITS, Money
from perla_core.kernel.pagination import Page
from perla_core.kernel.text import fold
from perla_core.kernel.values import Email
from perla_core.managers.model import AssignmentState, DistributionRule, Manager
from perla_core.orders.model import (
    OPEN_ORDER_STATUSES,
    REVENUE_ORDER_STATUSES,
    Cart,
    CartStatus,
    ChosenFinancing,
    DocumentRef,
    Order,
    OrderChannel,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentChannel,
)
from perla_core.orders.ports import CartCounts, CartQuery, OrderQuery, OrderTotals

_ADDRESSES = tuple[Address, ...]
_CONTACTS = tuple[ContactAccount, ...]
_LINES = tuple[OrderLine, ...]


# --- shared helpers -------------------------------------------------------------------------------


def _version_of(conn: Connection, table: Table, key: ColumnElement[bool]) -> int | None:
    return conn.scalar(select(table.c.version).where(key))


def _client_exists(conn: Connection, client_id: UUID) -> bool:
    return conn.scalar(select(clients.c.id).where(clients.c.id == client_id)) is not None


def _minor(money: Money) -> int:
    """An amount rounded to its currency's minor unit, as a whole number of minor units."""
    return int(money.rounded().amount.scaleb(money.minor_units))


def _major(minor: object, currency: str) -> Decimal:
    return Decimal(str(minor or 0)).scaleb(-MINOR_UNITS[currency])


def _lines_to_json(lines: _LINES) -> list[dict[str, Any]]:
    """Each line as JSON, with its total (read back from the lines, never trusted)."""
    raw: list[dict[str, Any]] = converter.unstructure(lines, _LINES)
    return [item | {"total": str(line.total.amount)} for item, line in zip(raw, lines, strict=True)]


def _lines_from_json(value: Iterable[dict[str, Any]]) -> _LINES:
    return converter.structure(
        [{k: v for k, v in i.items() if k != "total"} for i in value], _LINES
    )


A = TypeVar("A")
C = TypeVar("C", Title, CustomerGroup)


class _Seen(Generic[A]):
    """Aggregates a repository added or read, once each, also touched for the outbox."""

    def __init__(self, touched: TouchedAggregates) -> None:
        self._touched = touched
        self.items: list[A] = []

    def __call__(self, item: A) -> None:
        if not any(s is item for s in self.items):
            self.items.append(item)
        self._touched.touch(item)  # type: ignore[arg-type]


def _integrity(exc: IntegrityError) -> str:
    return str(exc.orig).lower()


# --- customer accounts ----------------------------------------------------------------------------


def customer_account_to_row(account: CustomerAccount) -> dict[str, Any]:
    """Every column of ``customer_accounts``; ``events`` stay out of the table."""
    a = account
    return {
        "client_id": a.client_id,
        "version": a.version,
        "group_id": a.group_id,
        "title_id": a.title_id,
        "manager_id": a.manager_id,
        "addresses": converter.unstructure(a.addresses, _ADDRESSES),
        "contacts": converter.unstructure(a.contacts, _CONTACTS),
        "last_contact_at": a.last_contact_at,
        "whatsapp_consent": a.whatsapp_consent,
        "survey_answers": dict(a.survey_answers),
        "created_at": a.created_at,
        "updated_at": a.updated_at,
    }


def customer_account_from_row(row: Row) -> CustomerAccount:
    return CustomerAccount(
        client_id=row["client_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        group_id=row["group_id"],
        title_id=row["title_id"],
        manager_id=row["manager_id"],
        addresses=converter.structure(row["addresses"], _ADDRESSES),
        contacts=converter.structure(row["contacts"], _CONTACTS),
        last_contact_at=row["last_contact_at"],
        whatsapp_consent=bool(row["whatsapp_consent"]),
        survey_answers=dict(row["survey_answers"] or {}),
        version=row["version"],
    )


class SqlAlchemyCustomerAccountRepository:
    """Customer accounts by client id; the client must exist (a foreign key says so too)."""

    def __init__(self, conn: Connection, touched: TouchedAggregates) -> None:
        self._conn = conn
        self._see: _Seen[CustomerAccount] = _Seen(touched)

    @property
    def seen(self) -> builtins.list[CustomerAccount]:
        return self._see.items

    def get(self, client_id: UUID) -> CustomerAccount | None:
        row = (
            self._conn.execute(
                select(customer_accounts).where(customer_accounts.c.client_id == client_id)
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        account = customer_account_from_row(row)
        self._see(account)
        return account

    def get_many(self, client_ids: Collection[UUID]) -> dict[UUID, CustomerAccount]:
        if not client_ids:
            return {}
        rows = self._conn.execute(
            select(customer_accounts).where(customer_accounts.c.client_id.in_(list(client_ids)))
        ).mappings()
        return {row["client_id"]: customer_account_from_row(row) for row in rows}

    def add(self, account: CustomerAccount) -> None:
        key = customer_accounts.c.client_id == account.client_id
        if _version_of(self._conn, customer_accounts, key) is not None:
            raise _account_taken(account)
        if not _client_exists(self._conn, account.client_id):
            raise NotFound("client", account.client_id)
        row = customer_account_to_row(account) | {"version": 1}
        self._write(insert(customer_accounts).values(row), account)
        self._write_contact_titles(account)
        account.version = 1
        self._see(account)

    def save(self, account: CustomerAccount) -> None:
        base = account.version
        row = customer_account_to_row(account) | {"version": base + 1}
        del row["client_id"]
        key = customer_accounts.c.client_id == account.client_id
        statement = (
            update(customer_accounts).where(key, customer_accounts.c.version == base).values(row)
        )
        if self._write(statement, account) == 0:
            actual = _version_of(self._conn, customer_accounts, key)
            if actual is None:
                raise NotFound("customer account", account.client_id)
            raise StaleVersion("customer account", account.client_id, base, actual)
        self._conn.execute(
            delete(customer_contact_titles).where(
                customer_contact_titles.c.client_id == account.client_id
            )
        )
        self._write_contact_titles(account)
        account.version = base + 1
        self._see(account)

    def _write_contact_titles(self, account: CustomerAccount) -> None:
        rows = [
            {"client_id": account.client_id, "contact_id": c.id, "title_id": c.title_id}
            for c in account.contacts
            if c.title_id is not None
        ]
        if rows:
            self._write(insert(customer_contact_titles), account, rows)

    def _write(
        self,
        statement: Insert | Update,
        account: CustomerAccount,
        rows: builtins.list[dict[str, Any]] | None = None,
    ) -> int:
        try:
            return self._conn.execute(statement, rows).rowcount
        except IntegrityError as exc:
            # A foreign key: a title, group or manager removed meanwhile, or the client gone;
            # otherwise a concurrent transaction opened the account first.
            message = _integrity(exc)
            if "title" in message:
                raise PreconditionFailed(
                    "the title was deleted meanwhile; choose another", field="title_id"
                ) from exc
            if "group" in message:
                raise NotFound("customer group", account.group_id) from exc
            if "manager" in message:
                raise NotFound("manager", account.manager_id or "") from exc
            if "foreign key" in message:
                raise NotFound("client", account.client_id) from exc
            raise _account_taken(account) from exc

    def members_by_group(self, default_group_id: UUID) -> dict[UUID, int]:
        grouped = (
            select(
                func.coalesce(customer_accounts.c.group_id, literal(default_group_id)).label(
                    "group_id"
                )
            )
            .select_from(
                clients.outerjoin(customer_accounts, customer_accounts.c.client_id == clients.c.id)
            )
            .subquery()
        )
        rows = self._conn.execute(
            select(grouped.c.group_id, func.count()).group_by(grouped.c.group_id)
        )
        return {row[0]: row[1] for row in rows}

    def title_usage(self, title_id: UUID) -> TitleUsage:
        accounts = (
            select(func.count())
            .select_from(customer_accounts)
            .where(customer_accounts.c.title_id == title_id)
            .scalar_subquery()
        )
        contacts = (
            select(func.count())
            .select_from(customer_contact_titles)
            .where(customer_contact_titles.c.title_id == title_id)
            .scalar_subquery()
        )
        row = self._conn.execute(select(accounts, contacts)).one()
        return TitleUsage(accounts=row[0] or 0, contacts=row[1] or 0)

    def latest_contact(self) -> datetime | None:
        latest: datetime | None = self._conn.scalar(
            select(func.max(customer_accounts.c.last_contact_at))
        )
        return latest


def _account_taken(account: CustomerAccount) -> AlreadyExists:
    return AlreadyExists(f"client {account.client_id} already has a customer account", field="id")


# --- titles and customer groups -------------------------------------------------------------------


def title_to_row(title: Title) -> dict[str, Any]:
    return {
        "id": title.id,
        "version": title.version,
        "code": title.code,
        "label": title.label,
        "active": title.active,
    }


def title_from_row(row: Row) -> Title:
    return Title(row["id"], row["code"], row["label"], row["active"], row["version"])


def customer_group_to_row(group: CustomerGroup) -> dict[str, Any]:
    return {
        "id": group.id,
        "version": group.version,
        "code": group.code,
        "name": group.name,
        "discount_pct": str(group.discount_pct),
        "system": group.system,
    }


def customer_group_from_row(row: Row) -> CustomerGroup:
    return CustomerGroup(
        row["id"],
        row["code"],
        row["name"],
        Decimal(row["discount_pct"]),
        row["system"],
        row["version"],
    )


def insert_default_catalogues(conn: Connection) -> None:
    """Insert :data:`DEFAULT_TITLES` and :data:`DEFAULT_GROUPS` (what migration 0006 inserts),
    for a database whose rows were emptied."""
    conn.execute(insert(titles), [title_to_row(t) for t in DEFAULT_TITLES])
    conn.execute(insert(customer_groups), [customer_group_to_row(g) for g in DEFAULT_GROUPS])


class _Catalogue(Generic[C]):
    """C small catalogue table keyed by id with a unique ``code``."""

    def __init__(
        self,
        conn: Connection,
        touched: TouchedAggregates,
        table: Table,
        kind: str,
        to_row: Any,
        from_row: Any,
    ) -> None:
        self._conn = conn
        self._table = table
        self._kind = kind
        self._to_row = to_row
        self._from_row = from_row
        self._see: _Seen[C] = _Seen(touched)

    @property
    def seen(self) -> builtins.list[C]:
        return self._see.items

    def add(self, item: C) -> None:
        if _version_of(self._conn, self._table, self._table.c.id == item.id) is not None:
            raise AlreadyExists(f"{self._kind} {item.id} already exists", field="id")
        self._check_code(item)
        self._write(insert(self._table).values(self._to_row(item) | {"version": 1}), item)
        item.version = 1
        self._see(item)

    def save(self, item: C) -> None:
        self._check_code(item)
        base = item.version
        row = self._to_row(item) | {"version": base + 1}
        del row["id"]
        t = self._table
        statement = update(t).where(t.c.id == item.id, t.c.version == base).values(row)
        if self._write(statement, item) == 0:
            self._refuse(item, base)
        item.version = base + 1
        self._see(item)

    def remove(self, item: C) -> None:
        t = self._table
        try:
            result = self._conn.execute(
                delete(t).where(t.c.id == item.id, t.c.version == item.version)
            )
        except IntegrityError as exc:  # an account took it meanwhile (a foreign key)
            field = "title_id" if t is titles else "group_id"
            raise PreconditionFailed(
                f"the {self._kind} was given to a customer meanwhile", field=field
            ) from exc
        if result.rowcount == 0:
            self._refuse(item, item.version)
        self._see(item)

    def _refuse(self, item: C, base: int) -> None:
        actual = _version_of(self._conn, self._table, self._table.c.id == item.id)
        if actual is None:
            raise NotFound(self._kind, item.id)
        raise StaleVersion(self._kind, item.id, base, actual)

    def _check_code(self, item: C) -> None:
        t = self._table
        other = self._conn.scalar(select(t.c.id).where(t.c.code == item.code, t.c.id != item.id))
        if other is not None:
            raise self._code_taken(item)

    def _code_taken(self, item: C) -> AlreadyExists:
        word = "title" if self._table is titles else "group"
        return AlreadyExists(f"the {word} code {item.code!r} is taken", field="code")

    def _write(self, statement: Insert | Update, item: C) -> int:
        try:
            return self._conn.execute(statement).rowcount
        except IntegrityError as exc:  # a concurrent transaction took the id or the code
            if "code" in _integrity(exc):
                raise self._code_taken(item) from exc
            raise AlreadyExists(f"{self._kind} {item.id} already exists", field="id") from exc

    def get(self, ident: UUID) -> C:
        found = self.find(ident)
        if found is None:
            raise NotFound(self._kind, ident)
        self._see(found)
        return found

    def find(self, ident: UUID) -> C | None:
        t = self._table
        row = self._conn.execute(select(t).where(t.c.id == ident)).mappings().first()
        return None if row is None else self._from_row(row)

    def rows(self, *where: ColumnElement[bool]) -> builtins.list[C]:
        rows = self._conn.execute(select(self._table).where(*where)).mappings()
        return [self._from_row(row) for row in rows]


class SqlAlchemyTitleRepository(_Catalogue[Title]):
    """The titles catalogue; codes unique."""

    def __init__(self, conn: Connection, touched: TouchedAggregates) -> None:
        super().__init__(conn, touched, titles, "title", title_to_row, title_from_row)

    def list(self, *, active: bool | None = None) -> builtins.list[Title]:
        """By label (accents and case folded) then code: a small table, sorted here."""
        where = [] if active is None else [titles.c.active == active]
        found = self.rows(*where)
        found.sort(key=lambda t: (fold(t.label), t.code))
        return found


_DEFAULT_ORDER = {g.id: i for i, g in enumerate(DEFAULT_GROUPS)}


def _group_order(group: CustomerGroup) -> tuple[int, int, str, int]:
    if group.system:
        return 0, _DEFAULT_ORDER.get(group.id, len(_DEFAULT_ORDER)), "", group.id.int
    return 1, 0, fold(group.name), group.id.int


class SqlAlchemyCustomerGroupRepository(_Catalogue[CustomerGroup]):
    """The customer groups; codes unique."""

    def __init__(self, conn: Connection, touched: TouchedAggregates) -> None:
        super().__init__(
            conn,
            touched,
            customer_groups,
            "customer group",
            customer_group_to_row,
            customer_group_from_row,
        )

    def list(self) -> builtins.list[CustomerGroup]:
        """The default groups first (in their order), then by name."""
        found = self.rows()
        found.sort(key=_group_order)
        return found


# --- managers and the distribution state ----------------------------------------------------------


def manager_to_row(manager: Manager) -> dict[str, Any]:
    return {
        "id": manager.id,
        "version": manager.version,
        "name": manager.name,
        "email": manager.email.value,
        "email_key": manager.email.value.casefold(),
        "active": manager.active,
        "created_at": manager.created_at,
        "updated_at": manager.updated_at,
    }


def manager_from_row(row: Row) -> Manager:
    return Manager(
        row["id"],
        row["name"],
        Email(row["email"]),
        row["created_at"],
        row["updated_at"],
        row["active"],
        row["version"],
    )


class SqlAlchemyManagerRepository:
    """Account managers; e-mails unique case-insensitively (``email_key``, case folded)."""

    def __init__(self, conn: Connection, touched: TouchedAggregates) -> None:
        self._conn = conn
        self._see: _Seen[Manager] = _Seen(touched)

    @property
    def seen(self) -> builtins.list[Manager]:
        return self._see.items

    def add(self, manager: Manager) -> None:
        if _version_of(self._conn, managers, managers.c.id == manager.id) is not None:
            raise AlreadyExists(f"manager {manager.id} already exists", field="id")
        self._check_email(manager)
        self._write(insert(managers).values(manager_to_row(manager) | {"version": 1}), manager)
        manager.version = 1
        self._see(manager)

    def save(self, manager: Manager) -> None:
        self._check_email(manager)
        base = manager.version
        row = manager_to_row(manager) | {"version": base + 1}
        del row["id"]
        statement = (
            update(managers)
            .where(managers.c.id == manager.id, managers.c.version == base)
            .values(row)
        )
        if self._write(statement, manager) == 0:
            actual = _version_of(self._conn, managers, managers.c.id == manager.id)
            if actual is None:
                raise NotFound("manager", manager.id)
            raise StaleVersion("manager", manager.id, base, actual)
        manager.version = base + 1
        self._see(manager)

    def _check_email(self, manager: Manager) -> None:
        other = self._conn.scalar(
            select(managers.c.id).where(
                managers.c.email_key == manager.email.value.casefold(),
                managers.c.id != manager.id,
            )
        )
        if other is not None:
            raise _email_taken(manager)

    def _write(self, statement: Insert | Update, manager: Manager) -> int:
        try:
            return self._conn.execute(statement).rowcount
        except IntegrityError as exc:
            if "email" in _integrity(exc):
                raise _email_taken(manager) from exc
            raise AlreadyExists(f"manager {manager.id} already exists", field="id") from exc

    def get(self, manager_id: UUID) -> Manager:
        found = self.find(manager_id)
        if found is None:
            raise NotFound("manager", manager_id)
        self._see(found)
        return found

    def find(self, manager_id: UUID) -> Manager | None:
        row = self._conn.execute(select(managers).where(managers.c.id == manager_id)).mappings()
        first = row.first()
        return None if first is None else manager_from_row(first)

    def by_email(self, email: Email) -> Manager | None:
        row = (
            self._conn.execute(
                select(managers).where(managers.c.email_key == email.value.casefold())
            )
            .mappings()
            .first()
        )
        return None if row is None else manager_from_row(row)

    def list(self, *, active: bool | None = None) -> builtins.list[Manager]:
        """In one query; by name (accents and case folded) then id, sorted here."""
        where = [] if active is None else [managers.c.active == active]
        rows = self._conn.execute(select(managers).where(*where)).mappings()
        found = [manager_from_row(row) for row in rows]
        found.sort(key=lambda m: m.sort_key)
        return found


def _email_taken(manager: Manager) -> AlreadyExists:
    return AlreadyExists(f"{manager.email} is already a manager's e-mail", field="email")


class SqlAlchemyAssignmentStateRepository:
    """The one row (id 1) of the distribution state; ``get`` locks it on PostgreSQL (``FOR
    UPDATE``) so order saves take their round-robin turns one after another."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self) -> AssignmentState:
        row = (
            self._conn.execute(
                select(assignment_state).where(assignment_state.c.id == 1).with_for_update()
            )
            .mappings()
            .first()
        )
        if row is None:
            return AssignmentState()
        return AssignmentState(DistributionRule(row["rule"]), row["cursor"], row["version"])

    def save(self, state: AssignmentState) -> AssignmentState:
        base = state.version
        values = {"rule": state.rule.value, "cursor": state.cursor, "version": base + 1}
        if base == 0:
            try:
                self._conn.execute(insert(assignment_state).values(values | {"id": 1}))
            except IntegrityError as exc:  # saved first by a concurrent transaction
                raise StaleVersion("assignment state", "settings", 0, 1) from exc
        else:
            result = self._conn.execute(
                update(assignment_state)
                .where(assignment_state.c.id == 1, assignment_state.c.version == base)
                .values(values)
            )
            if result.rowcount == 0:
                actual = _version_of(self._conn, assignment_state, assignment_state.c.id == 1)
                raise StaleVersion("assignment state", "settings", base, actual or 0)
        return attrs.evolve(state, version=base + 1)


# --- orders ---------------------------------------------------------------------------------------


def order_to_row(order: Order) -> dict[str, Any]:
    """Every column of ``orders``; ``events`` stay out of the table."""
    o = order
    return {
        "id": o.id,
        "version": o.version,
        "number": o.number,
        "client_id": o.client_id,
        "manager_id": o.manager_id,
        "currency": o.currency,
        "channel": o.channel.value,
        "status": o.status.value,
        "lines": _lines_to_json(o.lines),
        "total_minor": _minor(o.total),
        "created_by": o.created_by,
        "created_at": o.created_at,
        "updated_at": o.updated_at,
        "placed_at": o.placed_at,
        "completed_at": o.completed_at,
        "cancelled_at": o.cancelled_at,
        "cancellation_reason": o.cancellation_reason,
        "summary_version": o.summary_version,
        "summary_digest": o.summary_digest,
        "summary_sent_at": o.summary_sent_at,
        "confirmed_at": o.confirmed_at,
        "financing": None
        if o.financing is None
        else converter.unstructure(o.financing, ChosenFinancing),
        **_document_columns("pre_invoice", o.pre_invoice),
        "erp_reference": o.erp_reference,
        "recorded_at": o.recorded_at,
        "paid_minor": _minor(o.paid),
        "paid_at": o.paid_at,
        **_document_columns("invoice", o.invoice),
    }


def _document_columns(prefix: str, document: DocumentRef | None) -> dict[str, Any]:
    at = "pre_invoiced_at" if prefix == "pre_invoice" else "invoiced_at"
    if document is None:
        return {
            f"{prefix}_document_id": None,
            f"{prefix}_series": None,
            f"{prefix}_number": None,
            at: None,
        }
    return {
        f"{prefix}_document_id": document.document_id,
        f"{prefix}_series": document.series,
        f"{prefix}_number": document.number,
        at: document.issued_at,
    }


def _document(row: Row, prefix: str) -> DocumentRef | None:
    if row[f"{prefix}_document_id"] is None:
        return None
    at = "pre_invoiced_at" if prefix == "pre_invoice" else "invoiced_at"
    return DocumentRef(
        row[f"{prefix}_document_id"], row[f"{prefix}_series"], int(row[f"{prefix}_number"]), row[at]
    )


def order_from_row(row: Row) -> Order:
    return Order(
        id=row["id"],
        number=row["number"],
        client_id=row["client_id"],
        currency=row["currency"],
        channel=OrderChannel(row["channel"]),
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        lines=_lines_from_json(row["lines"]),
        manager_id=row["manager_id"],
        status=OrderStatus(row["status"]),
        placed_at=row["placed_at"],
        completed_at=row["completed_at"],
        cancelled_at=row["cancelled_at"],
        cancellation_reason=row["cancellation_reason"],
        summary_version=row["summary_version"],
        summary_digest=row["summary_digest"],
        summary_sent_at=row["summary_sent_at"],
        confirmed_at=row["confirmed_at"],
        financing=None
        if row["financing"] is None
        else converter.structure(row["financing"], ChosenFinancing),
        pre_invoice=_document(row, "pre_invoice"),
        erp_reference=row["erp_reference"],
        recorded_at=row["recorded_at"],
        paid_amount=_major(row["paid_minor"], row["currency"]),
        paid_at=row["paid_at"],
        invoice=_document(row, "invoice"),
        version=row["version"],
    )


_REVENUE = [s.value for s in REVENUE_ORDER_STATUSES]


class SqlAlchemyOrderRepository:
    """Orders; numbers unique, from ``order_numbers``; the client must exist."""

    def __init__(self, conn: Connection, touched: TouchedAggregates) -> None:
        self._conn = conn
        self._see: _Seen[Order] = _Seen(touched)

    @property
    def seen(self) -> builtins.list[Order]:
        return self._see.items

    def add(self, order: Order) -> None:
        if _version_of(self._conn, orders, orders.c.id == order.id) is not None:
            raise AlreadyExists(f"order {order.id} already exists", field="id")
        if not _client_exists(self._conn, order.client_id):
            raise NotFound("client", order.client_id)
        if self._conn.scalar(select(orders.c.id).where(orders.c.number == order.number)):
            raise _number_taken(order)
        self._write(insert(orders).values(order_to_row(order) | {"version": 1}), order)
        order.version = 1
        self._see(order)

    def save(self, order: Order) -> None:
        base = order.version
        row = order_to_row(order) | {"version": base + 1}
        del row["id"]
        statement = (
            update(orders).where(orders.c.id == order.id, orders.c.version == base).values(row)
        )
        if self._write(statement, order) == 0:
            actual = _version_of(self._conn, orders, orders.c.id == order.id)
            if actual is None:
                raise NotFound("order", order.id)
            raise StaleVersion("order", order.id, base, actual)
        order.version = base + 1
        self._see(order)

    def _write(self, statement: Insert | Update, order: Order) -> int:
        try:
            return self._conn.execute(statement).rowcount
        except IntegrityError as exc:
            message = _integrity(exc)
            if "number" in message:
                raise _number_taken(order) from exc
            if "manager" in message:
                raise NotFound("manager", order.manager_id or "") from exc
            if "foreign key" in message:
                raise NotFound("client", order.client_id) from exc
            raise AlreadyExists(f"order {order.id} already exists", field="id") from exc

    def get(self, order_id: UUID) -> Order:
        row = self._conn.execute(select(orders).where(orders.c.id == order_id)).mappings().first()
        if row is None:
            raise NotFound("order", order_id)
        order = order_from_row(row)
        self._see(order)
        return order

    def by_number(self, number: int) -> Order:
        row = self._conn.execute(select(orders).where(orders.c.number == number)).mappings().first()
        if row is None:
            raise NotFound("order", f"number {number}")
        order = order_from_row(row)
        self._see(order)
        return order

    def idle(self, before: datetime, limit: int) -> builtins.list[Order]:
        """Locked (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) so two schedulers share the work."""
        waiting = or_(
            orders.c.status == OrderStatus.AWAITING_CONFIRMATION.value,
            and_(
                orders.c.status == OrderStatus.DRAFT.value,
                orders.c.channel == OrderChannel.WHATSAPP.value,
            ),
        )
        rows = self._conn.execute(
            select(orders)
            .where(waiting, orders.c.updated_at < before)
            .order_by(orders.c.updated_at, orders.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).mappings()
        found = [order_from_row(r) for r in rows]
        for order in found:
            self._see(order)
        return found

    def next_number(self) -> int:
        """A key of ``order_numbers`` (a sequence on PostgreSQL, never rolled back; SQLite's
        AUTOINCREMENT, whose one writer at a time takes them in turn); the row is not kept."""
        number = self._conn.execute(insert(order_numbers)).inserted_primary_key
        assert number is not None
        value = int(number[0])
        self._conn.execute(delete(order_numbers).where(order_numbers.c.number == value))
        return value

    def list(self, query: OrderQuery) -> Page[Order]:
        """Newest first (by creation, then id)."""
        conditions: builtins.list[ColumnElement[bool]] = []
        if query.client_id is not None:
            conditions.append(orders.c.client_id == query.client_id)
        if query.manager_id is not None:
            conditions.append(orders.c.manager_id == query.manager_id)
        if query.status is not None:
            conditions.append(orders.c.status == query.status.value)
        total = self._conn.scalar(select(func.count()).select_from(orders).where(*conditions))
        rows = self._conn.execute(
            select(orders)
            .where(*conditions)
            .order_by(orders.c.created_at.desc(), orders.c.id.desc())
            .limit(query.page.limit)
            .offset(query.page.offset)
        ).mappings()
        return Page(
            [order_from_row(r) for r in rows], total or 0, query.page.limit, query.page.offset
        )

    def open_orders_by_manager(self) -> dict[UUID, int]:
        rows = self._conn.execute(
            select(orders.c.manager_id, func.count())
            .where(
                orders.c.manager_id.is_not(None),
                orders.c.status.in_([s.value for s in OPEN_ORDER_STATUSES]),
            )
            .group_by(orders.c.manager_id)
        )
        return {row[0]: row[1] for row in rows}

    def totals(self, client_id: UUID | None = None) -> builtins.list[OrderTotals]:
        where: builtins.list[ColumnElement[bool]] = [orders.c.status.in_(_REVENUE)]
        if client_id is not None:
            where.append(orders.c.client_id == client_id)
        rows = self._conn.execute(
            select(
                orders.c.currency,
                func.count(),
                func.sum(orders.c.total_minor),
                func.max(orders.c.placed_at),
            )
            .where(*where)
            .group_by(orders.c.currency)
            .order_by(orders.c.currency)
        )
        return [_order_totals(currency, n, s, last) for currency, n, s, last in rows]

    def totals_by_client(
        self, client_ids: Collection[UUID]
    ) -> dict[UUID, builtins.list[OrderTotals]]:
        if not client_ids:
            return {}
        rows = self._conn.execute(
            select(
                orders.c.client_id,
                orders.c.currency,
                func.count(),
                func.sum(orders.c.total_minor),
                func.max(orders.c.placed_at),
            )
            .where(orders.c.status.in_(_REVENUE), orders.c.client_id.in_(list(client_ids)))
            .group_by(orders.c.client_id, orders.c.currency)
            .order_by(orders.c.client_id, orders.c.currency)
        )
        found: dict[UUID, builtins.list[OrderTotals]] = defaultdict(list)
        for client_id, currency, n, s, last in rows:
            found[client_id].append(_order_totals(currency, n, s, last))
        return dict(found)


# --- payments -------------------------------------------------------------------------------------


def payment_to_row(payment: Payment) -> dict[str, Any]:
    p = payment
    return {
        "payment_id": p.payment_id,
        "order_id": p.order_id,
        "amount_minor": _minor(p.amount),
        "currency": p.amount.currency,
        "method": p.method,
        "paid_at": p.paid_at,
        "recorded_at": p.recorded_at,
        "recorded_by": p.recorded_by,
        "channel": p.channel.value,
    }


def payment_from_row(row: Row) -> Payment:
    return Payment(
        payment_id=row["payment_id"],
        order_id=row["order_id"],
        amount=Money(_major(row["amount_minor"], row["currency"]), row["currency"]),
        method=row["method"],
        paid_at=row["paid_at"],
        recorded_at=row["recorded_at"],
        recorded_by=row["recorded_by"],
        channel=PaymentChannel(row["channel"]),
    )


def _payment_taken(payment_id: str) -> AlreadyExists:
    return AlreadyExists(f"payment {payment_id} is already recorded", field="payment_id")


class SqlAlchemyPaymentRepository:
    """Payments; the payment id is the primary key, the order must exist."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, payment: Payment) -> None:
        if self.find(payment.payment_id) is not None:
            raise _payment_taken(payment.payment_id)
        if self._conn.scalar(select(orders.c.id).where(orders.c.id == payment.order_id)) is None:
            raise NotFound("order", payment.order_id)
        try:
            self._conn.execute(insert(payments).values(payment_to_row(payment)))
        except IntegrityError as exc:
            if "foreign key" in _integrity(exc):
                raise NotFound("order", payment.order_id) from exc
            raise _payment_taken(payment.payment_id) from exc

    def find(self, payment_id: str) -> Payment | None:
        row = (
            self._conn.execute(select(payments).where(payments.c.payment_id == payment_id))
            .mappings()
            .first()
        )
        return None if row is None else payment_from_row(row)

    def for_order(self, order_id: UUID) -> builtins.list[Payment]:
        rows = self._conn.execute(
            select(payments)
            .where(payments.c.order_id == order_id)
            .order_by(payments.c.paid_at, payments.c.payment_id)
        ).mappings()
        return [payment_from_row(r) for r in rows]


def _order_totals(currency: str, count: int, minor: object, last: datetime | None) -> OrderTotals:
    return OrderTotals(currency, count, _major(minor, currency), last)


def _number_taken(order: Order) -> AlreadyExists:
    return AlreadyExists(f"order number {order.number} is taken", field="number")


# --- carts ----------------------------------------------------------------------------------------


def cart_to_row(cart: Cart) -> dict[str, Any]:
    c = cart
    return {
        "id": c.id,
        "version": c.version,
        "client_id": c.client_id,
        "currency": c.currency,
        "status": c.status.value,
        "lines": _lines_to_json(c.lines),
        "value_minor": _minor(c.value),
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "abandoned_at": c.abandoned_at,
        "converted_at": c.converted_at,
        "converted_order_id": c.converted_order_id,
    }


def cart_from_row(row: Row) -> Cart:
    return Cart(
        id=row["id"],
        client_id=row["client_id"],
        currency=row["currency"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        lines=_lines_from_json(row["lines"]),
        status=CartStatus(row["status"]),
        abandoned_at=row["abandoned_at"],
        converted_at=row["converted_at"],
        converted_order_id=row["converted_order_id"],
        version=row["version"],
    )


_OPEN = CartStatus.OPEN.value
_ABANDONED = CartStatus.ABANDONED.value


def _effective_status(abandoned_before: datetime) -> ColumnElement[str]:
    """The status, with an open cart idle since before ``abandoned_before`` as abandoned."""
    idle = and_(carts.c.status == _OPEN, carts.c.updated_at < abandoned_before)
    return case((idle, literal(_ABANDONED)), else_=carts.c.status)


def _status_is(status: CartStatus, abandoned_before: datetime | None) -> ColumnElement[bool]:
    if abandoned_before is None or status is CartStatus.CONVERTED:
        return carts.c.status == status.value
    if status is CartStatus.OPEN:
        return and_(carts.c.status == _OPEN, carts.c.updated_at >= abandoned_before)
    return or_(
        carts.c.status == _ABANDONED,
        and_(carts.c.status == _OPEN, carts.c.updated_at < abandoned_before),
    )


class SqlAlchemyCartRepository:
    """Carts; the client must exist."""

    def __init__(self, conn: Connection, touched: TouchedAggregates) -> None:
        self._conn = conn
        self._see: _Seen[Cart] = _Seen(touched)

    @property
    def seen(self) -> builtins.list[Cart]:
        return self._see.items

    def add(self, cart: Cart) -> None:
        if _version_of(self._conn, carts, carts.c.id == cart.id) is not None:
            raise AlreadyExists(f"cart {cart.id} already exists", field="id")
        if not _client_exists(self._conn, cart.client_id):
            raise NotFound("client", cart.client_id)
        try:
            self._conn.execute(insert(carts).values(cart_to_row(cart) | {"version": 1}))
        except IntegrityError as exc:
            if "foreign key" in _integrity(exc):
                raise NotFound("client", cart.client_id) from exc
            raise AlreadyExists(f"cart {cart.id} already exists", field="id") from exc
        cart.version = 1
        self._see(cart)

    def save(self, cart: Cart) -> None:
        base = cart.version
        row = cart_to_row(cart) | {"version": base + 1}
        del row["id"]
        result = self._conn.execute(
            update(carts).where(carts.c.id == cart.id, carts.c.version == base).values(row)
        )
        if result.rowcount == 0:
            actual = _version_of(self._conn, carts, carts.c.id == cart.id)
            if actual is None:
                raise NotFound("cart", cart.id)
            raise StaleVersion("cart", cart.id, base, actual)
        cart.version = base + 1
        self._see(cart)

    def get(self, cart_id: UUID) -> Cart:
        row = self._conn.execute(select(carts).where(carts.c.id == cart_id)).mappings().first()
        if row is None:
            raise NotFound("cart", cart_id)
        cart = cart_from_row(row)
        self._see(cart)
        return cart

    def list(self, query: CartQuery) -> Page[Cart]:
        """Most recently active first (by ``updated_at``, then id)."""
        conditions: builtins.list[ColumnElement[bool]] = []
        if query.client_id is not None:
            conditions.append(carts.c.client_id == query.client_id)
        if query.status is not None:
            conditions.append(_status_is(query.status, query.abandoned_before))
        total = self._conn.scalar(select(func.count()).select_from(carts).where(*conditions))
        rows = self._conn.execute(
            select(carts)
            .where(*conditions)
            .order_by(carts.c.updated_at.desc(), carts.c.id.desc())
            .limit(query.page.limit)
            .offset(query.page.offset)
        ).mappings()
        return Page(
            [cart_from_row(r) for r in rows], total or 0, query.page.limit, query.page.offset
        )

    def idle_open(self, before: datetime, limit: int) -> builtins.list[Cart]:
        rows = self._conn.execute(
            select(carts)
            .where(carts.c.status == _OPEN, carts.c.updated_at < before)
            .order_by(carts.c.updated_at, carts.c.id)
            .limit(limit)
        ).mappings()
        found = [cart_from_row(r) for r in rows]
        for cart in found:
            self._see(cart)
        return found

    def counts(
        self,
        abandoned_before: datetime,
        *,
        client_id: UUID | None = None,
        created_since: datetime | None = None,
    ) -> CartCounts:
        conditions: builtins.list[ColumnElement[bool]] = []
        if client_id is not None:
            conditions.append(carts.c.client_id == client_id)
        if created_since is not None:
            conditions.append(carts.c.created_at >= created_since)
        effective = (
            select(
                _effective_status(abandoned_before).label("status"),
                carts.c.currency,
                carts.c.value_minor,
            )
            .where(*conditions)
            .subquery()
        )
        rows = self._conn.execute(
            select(
                effective.c.status,
                effective.c.currency,
                func.count(),
                func.sum(effective.c.value_minor),
            ).group_by(effective.c.status, effective.c.currency)
        )
        statuses: dict[str, int] = defaultdict(int)
        value: dict[str, Money] = {}
        for status, currency, count, minor in rows:
            statuses[status] += count
            if status == _OPEN:
                value[currency] = Money(_major(minor, currency), currency)
        return CartCounts(
            statuses[_OPEN],
            statuses[_ABANDONED],
            statuses[CartStatus.CONVERTED.value],
            tuple(value[c] for c in sorted(value)),
        )
