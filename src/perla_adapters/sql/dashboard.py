"""The activity summary's aggregates on SQLite or PostgreSQL: each one ``GROUP BY`` (or one
``ORDER BY ... LIMIT``) over ``clients``, ``orders`` and ``outbox``; nothing loads rows to count
them. UTC days are ``date(placed_at)`` (SQLite keeps UTC text) or ``date(placed_at AT TIME
ZONE 'UTC')`` (PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Connection, case, func, select
from sqlalchemy.sql.elements import ColumnElement

from perla_adapters.sql.tables import clients, orders, outbox
from perla_core.dashboard.model import DayCount, PipelineCount, RecentEvent, Revenue
from perla_core.kernel.money import MINOR_UNITS, Money
from perla_core.orders.model import REVENUE_ORDER_STATUSES

_COUNTED = sorted(s.value for s in REVENUE_ORDER_STATUSES)


class SqlAlchemyDashboardReader:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def pipeline(self) -> Sequence[PipelineCount]:
        status = case(
            (clients.c.phase == "lead", clients.c.lead_status),
            else_=func.coalesce(clients.c.client_status, ""),
        ).label("status")
        rows = self._conn.execute(
            select(clients.c.phase, status, func.count())
            .group_by(clients.c.phase, status)
            .order_by(clients.c.phase, status)
        )
        return [PipelineCount(phase, state, n) for phase, state, n in rows]

    def _placed(self, since: datetime, until: datetime) -> list[ColumnElement[bool]]:
        return [
            orders.c.status.in_(_COUNTED),
            orders.c.placed_at >= since,
            orders.c.placed_at < until,
        ]

    def _day(self) -> ColumnElement[object]:
        if self._conn.dialect.name == "postgresql":
            return func.date(func.timezone("UTC", orders.c.placed_at))
        return func.date(orders.c.placed_at)

    def orders_per_day(self, since: datetime, until: datetime) -> Sequence[DayCount]:
        day = self._day().label("day")
        rows = self._conn.execute(
            select(day, func.count()).where(*self._placed(since, until)).group_by(day).order_by(day)
        )
        return [DayCount(_date(value), n) for value, n in rows]

    def revenue(self, since: datetime, until: datetime) -> Sequence[Revenue]:
        rows = self._conn.execute(
            select(orders.c.currency, func.count(), func.sum(orders.c.total_minor))
            .where(*self._placed(since, until))
            .group_by(orders.c.currency)
            .order_by(orders.c.currency)
        )
        return [
            Revenue(n, Money.of(Decimal(int(minor or 0)).scaleb(-MINOR_UNITS[cur]), cur))
            for cur, n, minor in rows
        ]

    def recent_events(self, limit: int) -> Sequence[RecentEvent]:
        rows = self._conn.execute(
            select(outbox.c.created_at, outbox.c.topic, outbox.c.aggregate_id)
            .order_by(outbox.c.created_at.desc(), outbox.c.topic, outbox.c.id)
            .limit(limit)
        )
        return [RecentEvent(at, topic, aggregate) for at, topic, aggregate in rows]


def _date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
