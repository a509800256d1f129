"""The activity summary's aggregates over the in-memory store: the reference computation the
SQL adapter matches."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

from perla_adapters.memory.store import InMemoryStore
from perla_core.dashboard.model import DayCount, PipelineCount, RecentEvent, Revenue
from perla_core.kernel.money import Money
from perla_core.onboarding.model import Phase
from perla_core.orders.model import REVENUE_ORDER_STATUSES, Order


class InMemoryDashboardReader:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    def pipeline(self) -> Sequence[PipelineCount]:
        with self._store.lock:
            parties = list(self._store.clients.values())
        counts = Counter(
            (
                p.phase.value,
                p.lead_status.value
                if p.phase is Phase.LEAD
                else (p.client_status.value if p.client_status else ""),
            )
            for p in parties
        )
        return [PipelineCount(phase, status, n) for (phase, status), n in sorted(counts.items())]

    def _placed(self, since: datetime, until: datetime) -> list[Order]:
        with self._store.lock:
            every = list(self._store.orders.values())
        return [
            o
            for o in every
            if o.status in REVENUE_ORDER_STATUSES
            and o.placed_at is not None
            and since <= o.placed_at < until
        ]

    def orders_per_day(self, since: datetime, until: datetime) -> Sequence[DayCount]:
        days = Counter(
            o.placed_at.astimezone(UTC).date()
            for o in self._placed(since, until)
            if o.placed_at is not None
        )
        return [DayCount(day, n) for day, n in sorted(days.items())]

    def revenue(self, since: datetime, until: datetime) -> Sequence[Revenue]:
        totals: dict[str, Money] = {}
        counts: Counter[str] = Counter()
        for o in self._placed(since, until):
            totals[o.currency] = totals.get(o.currency, Money.zero(o.currency)) + o.total
            counts[o.currency] += 1
        return [Revenue(counts[c], totals[c]) for c in sorted(totals)]

    def recent_events(self, limit: int) -> Sequence[RecentEvent]:
        with self._store.lock:
            rows = list(self._store.outbox.values())
        rows.sort(key=lambda m: (m.topic, str(m.id)))
        rows.sort(key=lambda m: m.created_at, reverse=True)
        return [RecentEvent(m.created_at, m.topic, m.aggregate_id) for m in rows[:limit]]
