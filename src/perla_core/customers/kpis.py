"""The figures of the customers section (seed 002: "algunos KPI para monitorear las métricas
de los clientes"): per client and overall, orders, revenue, average order value, last order
and last contact; and the carts' KPIs (open, abandoned, converted, value, conversion rate).

Orders count when placed or completed (not drafts, not cancelled). Revenue is the sum of
their totals, per currency (amounts in different currencies are never added); the average
order value is revenue divided by orders in that currency, rounded half-up to the minor unit.

Every figure comes from grouped repository queries, never from reading the orders or carts
one by one: one client's KPIs take two queries, a page of clients' KPIs two queries whatever
its size, the overall KPIs two, the carts' KPIs one.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

import attrs

from perla_core.access.model import Actor, Permission
from perla_core.customers.model import CustomerAccount
from perla_core.customers.ports import CustomerUnitOfWork
from perla_core.kernel.money import Money
from perla_core.kernel.ports import Clock
from perla_core.orders.model import abandoned_after
from perla_core.orders.ports import OrderTotals

_PCT = Decimal("0.01")


@attrs.frozen
class CurrencyFigures:
    """Placed and completed orders in one currency."""

    currency: str
    orders: int
    revenue: Money
    average_order_value: Money
    last_placed_at: datetime | None


@attrs.frozen
class CustomerKpis:
    """One client's figures (``client_id``), or everyone's (``client_id`` is ``None``).
    ``orders`` counts all currencies; ``by_currency`` is ordered by currency code."""

    client_id: UUID | None
    orders: int
    by_currency: tuple[CurrencyFigures, ...]
    last_order_at: datetime | None
    last_contact_at: datetime | None

    @property
    def revenue(self) -> tuple[Money, ...]:
        return tuple(f.revenue for f in self.by_currency)

    @property
    def average_order_value(self) -> tuple[Money, ...]:
        return tuple(f.average_order_value for f in self.by_currency)


@attrs.frozen
class CartKpis:
    """Carts by effective status (an open cart idle longer than the threshold is abandoned),
    the value of the open ones per currency, and the share of carts that became orders
    (percent, two decimals; 0 without carts)."""

    open: int
    abandoned: int
    converted: int
    open_value: tuple[Money, ...]
    conversion_rate_pct: Decimal

    @property
    def total(self) -> int:
        return self.open + self.abandoned + self.converted


def figures(totals: Sequence[OrderTotals]) -> tuple[CurrencyFigures, ...]:
    """Revenue and average order value per currency, from the repository's sums."""
    out: list[CurrencyFigures] = []
    for row in sorted(totals, key=lambda t: t.currency):
        revenue = Money.of(row.revenue, row.currency).rounded()
        average = (
            Money(revenue.amount / row.orders, row.currency).rounded()
            if row.orders
            else Money.zero(row.currency).rounded()
        )
        out.append(CurrencyFigures(row.currency, row.orders, revenue, average, row.last_placed_at))
    return tuple(out)


def _kpis(
    client_id: UUID | None, totals: Sequence[OrderTotals], last_contact_at: datetime | None
) -> CustomerKpis:
    by_currency = figures(totals)
    placed = [f.last_placed_at for f in by_currency if f.last_placed_at is not None]
    return CustomerKpis(
        client_id,
        sum(f.orders for f in by_currency),
        by_currency,
        max(placed, default=None),
        last_contact_at,
    )


def customer_kpis(client_id: UUID, uow: CustomerUnitOfWork, actor: Actor) -> CustomerKpis:
    """One client's orders, revenue, average order value, last order and last contact;
    raises :class:`NotFound` when the client does not exist."""
    actor.require(Permission.READ)
    with uow:
        uow.clients.get(client_id)
        totals = uow.orders.totals(client_id)
        account = uow.customer_accounts.get(client_id)
    return _kpis(client_id, totals, None if account is None else account.last_contact_at)


def kpis_for_clients(
    client_ids: Collection[UUID], uow: CustomerUnitOfWork, actor: Actor
) -> dict[UUID, CustomerKpis]:
    """The KPIs of a page of clients in two queries (orders grouped by client and currency,
    and the accounts in one read); clients without orders have zeros."""
    actor.require(Permission.READ)
    ids = list(dict.fromkeys(client_ids))
    if not ids:
        return {}
    with uow:
        totals = uow.orders.totals_by_client(ids)
        accounts = uow.customer_accounts.get_many(ids)
    return {cid: _kpis(cid, totals.get(cid, []), _last_contact(accounts.get(cid))) for cid in ids}


def overall_kpis(uow: CustomerUnitOfWork, actor: Actor) -> CustomerKpis:
    """Everyone's orders, revenue, average order value, last order and last contact."""
    actor.require(Permission.READ)
    with uow:
        totals = uow.orders.totals()
        last_contact = uow.customer_accounts.latest_contact()
    return _kpis(None, totals, last_contact)


def cart_kpis(
    uow: CustomerUnitOfWork,
    clock: Clock,
    actor: Actor,
    *,
    client_id: UUID | None = None,
    created_since: datetime | None = None,
    threshold: timedelta | None = None,
) -> CartKpis:
    """Open, abandoned and converted carts (of one client or all, created since
    ``created_since`` or ever), the open carts' value and the conversion rate, with carts idle
    longer than ``threshold`` (default 24 hours) counted as abandoned."""
    actor.require(Permission.READ)
    cutoff = clock.now() - abandoned_after(threshold)
    with uow:
        counts = uow.carts.counts(cutoff, client_id=client_id, created_since=created_since)
    total = counts.open + counts.abandoned + counts.converted
    rate = (
        (Decimal(counts.converted) * 100 / total).quantize(_PCT, rounding=ROUND_HALF_UP)
        if total
        else Decimal("0.00")
    )
    return CartKpis(
        counts.open,
        counts.abandoned,
        counts.converted,
        tuple(sorted((v.rounded() for v in counts.open_value), key=lambda m: m.currency)),
        rate,
    )


def _last_contact(account: CustomerAccount | None) -> datetime | None:
    return None if account is None else account.last_contact_at
