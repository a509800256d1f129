"""The activity page's reader on every adapter (memory, SQLite, PostgreSQL): the pipeline by
phase and status, orders placed per UTC day and revenue per currency (only the statuses the
KPIs count, by the instant they were placed), and the latest outbox rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import attrs
from tests.contract.builders import BUENOS_AIRES, NewUow, a_validated_client, stored_clients

from perla_adapters.memory import FixedClock, SequentialIds
from perla_core.dashboard import DayCount, PipelineCount, RecentEvent, Revenue
from perla_core.kernel.events import event_name
from perla_core.kernel.money import Money
from perla_core.onboarding.events import ClientStatusChanged, DetailsChanged, LeadRegistered
from perla_core.onboarding.model import Client, ClientStatus, LeadStatus, Phase
from perla_core.orders.model import Order, OrderChannel, OrderLine
from perla_core.outbox import OutboxMessage

D0, D1, D2, D3 = date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)
SINCE = datetime(2026, 3, 2, tzinfo=UTC)
UNTIL = datetime(2026, 3, 4, tzinfo=UTC)  # D1 and D2


def at(day: date, hour: int, minute: int = 0, tz: object = UTC) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)  # type: ignore[arg-type]


def a_lead(clock: FixedClock, ids: SequentialIds, n: int, status: LeadStatus) -> Client:
    return attrs.evolve(
        a_validated_client(clock, ids, n),
        phase=Phase.LEAD,
        lead_status=status,
        client_status=None,
        validated_by=None,
        validated_at=None,
    )


def a_client(clock: FixedClock, ids: SequentialIds, n: int, status: ClientStatus) -> Client:
    return attrs.evolve(a_validated_client(clock, ids, n), client_status=status)


def test_the_pipeline_counts_parties_by_phase_and_status(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    stored_clients(
        new_uow,
        a_lead(clock, ids, 1, LeadStatus.NEW),
        a_lead(clock, ids, 2, LeadStatus.NEW),
        a_lead(clock, ids, 3, LeadStatus.LOST),
        a_client(clock, ids, 4, ClientStatus.LIVE),
        a_client(clock, ids, 5, ClientStatus.LIVE),
        a_client(clock, ids, 6, ClientStatus.VALIDATED),
    )
    with new_uow() as uow:
        assert list(uow.dashboard.pipeline()) == [
            PipelineCount("client", "live", 2),
            PipelineCount("client", "validated", 1),
            PipelineCount("lead", "lost", 1),
            PipelineCount("lead", "new", 2),
        ]


def test_an_empty_store_has_no_pipeline_orders_or_events(new_uow: NewUow) -> None:
    with new_uow() as uow:
        assert list(uow.dashboard.pipeline()) == []
        assert list(uow.dashboard.orders_per_day(SINCE, UNTIL)) == []
        assert list(uow.dashboard.revenue(SINCE, UNTIL)) == []
        assert list(uow.dashboard.recent_events(10)) == []


def an_order(
    ids: SequentialIds, number: int, client_id: UUID, currency: str, amount: str, quantity: int = 1
) -> Order:
    return Order.create(
        order_id=ids.new_id(),
        number=number,
        client_id=client_id,
        currency=currency,
        channel=OrderChannel.BACKOFFICE,
        lines=[OrderLine("Cámara", quantity, Money.of(amount, currency))],
        now=at(D0, 8),
        actor="ana.agent",
    )


def stored_orders(new_uow: NewUow, clock: FixedClock, ids: SequentialIds) -> None:
    client = a_validated_client(clock, ids)
    stored_clients(new_uow, client)
    placed = [
        (at(D0, 23, 59), "ARS", "5.00", 1),  # the day before
        (at(D1, 0, 0), "ARS", "1000.00", 1),
        (at(D1, 23, 59), "ARS", "333.33", 3),  # 999.99
        (at(D2, 12), "EUR", "80.00", 2),
        (at(D2, 20, 30, BUENOS_AIRES), "ARS", "0.01", 1),  # D2 23:30 UTC
        (at(D2, 22, 0, BUENOS_AIRES), "ARS", "7.00", 1),  # D3 01:00 UTC: after the period
    ]
    with new_uow() as uow:
        number = 0
        for number, (when, currency, amount, quantity) in enumerate(placed, start=1):
            order = an_order(ids, number, client.id, currency, amount, quantity)
            order.place(now=when, actor="ana.agent")
            uow.orders.add(order)
        cancelled = an_order(ids, number + 1, client.id, "ARS", "500.00")
        cancelled.place(now=at(D1, 12), actor="ana.agent")
        cancelled.cancel(now=at(D1, 13), actor="ana.agent", reason="duplicado")
        uow.orders.add(cancelled)
        uow.orders.add(an_order(ids, number + 2, client.id, "ARS", "900.00"))  # a draft
        uow.commit()


def test_orders_placed_are_counted_per_utc_day_in_the_kpis_statuses(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    stored_orders(new_uow, clock, ids)
    with new_uow() as uow:
        assert list(uow.dashboard.orders_per_day(SINCE, UNTIL)) == [
            DayCount(D1, 2),
            DayCount(D2, 2),
        ]
        assert list(uow.dashboard.orders_per_day(SINCE, SINCE + timedelta(days=1))) == [
            DayCount(D1, 2)
        ]


def test_revenue_is_exact_per_currency_over_the_same_orders(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    stored_orders(new_uow, clock, ids)
    with new_uow() as uow:
        assert list(uow.dashboard.revenue(SINCE, UNTIL)) == [
            Revenue(3, Money.of("2000.00", "ARS")),
            Revenue(1, Money.of("160.00", "EUR")),
        ]
        assert list(uow.dashboard.revenue(UNTIL, UNTIL + timedelta(days=1))) == [
            Revenue(1, Money.of("7.00", "ARS"))
        ]


def test_the_latest_events_come_newest_first_ties_by_topic(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    party = ids.new_id()
    events: list[tuple[object, datetime]] = [
        (LeadRegistered(party, at(D1, 9), "ana", "Viajes Ñandú", "ES"), at(D1, 9)),
        (DetailsChanged(party, at(D1, 10), "ana", ("email",)), at(D1, 10)),
        (ClientStatusChanged(party, at(D1, 10), "system", "live", "dormant", None), at(D1, 10)),
        (LeadRegistered(party, at(D0, 9), "ana", "Viajes Ñandú", "ES"), at(D0, 9)),
    ]
    messages = [OutboxMessage(ids.new_id(), event_name(e), party, e, when) for e, when in events]
    with new_uow() as uow:
        uow.outbox.add(messages)
        uow.commit()
    with new_uow() as uow:
        assert list(uow.dashboard.recent_events(3)) == [
            RecentEvent(at(D1, 10), "onboarding.client_status_changed", party),
            RecentEvent(at(D1, 10), "onboarding.details_changed", party),
            RecentEvent(at(D1, 9), "onboarding.lead_registered", party),
        ]
        assert len(uow.dashboard.recent_events(10)) == 4
