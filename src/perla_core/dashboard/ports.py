"""What the activity summary needs from storage beyond the metrics and inquiry ports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from perla_core.dashboard.model import DayCount, PipelineCount, RecentEvent, Revenue
from perla_core.inquiries.ports import InquiryRepository
from perla_core.metrics.ports import MetricsReader


class DashboardReader(Protocol):
    """Aggregates computed by the storage; read-only, any number of rows summarised in one
    query each."""

    def pipeline(self) -> Sequence[PipelineCount]:
        """Parties per phase and status (only the pairs that have any), ordered by phase
        then status."""
        ...

    def orders_per_day(self, since: datetime, until: datetime) -> Sequence[DayCount]:
        """Orders in the statuses the KPIs count (``REVENUE_ORDER_STATUSES``) per UTC day
        they were placed, ``since`` <= placed < ``until``; only days with orders, in order."""
        ...

    def revenue(self, since: datetime, until: datetime) -> Sequence[Revenue]:
        """The same orders' count and total per currency, ordered by currency."""
        ...

    def recent_events(self, limit: int) -> Sequence[RecentEvent]:
        """The latest ``limit`` outbox rows, newest first (ties by topic, then id)."""
        ...


class DashboardUnitOfWork(Protocol):
    @property
    def dashboard(self) -> DashboardReader: ...

    @property
    def metrics(self) -> MetricsReader: ...

    @property
    def inquiries(self) -> InquiryRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
