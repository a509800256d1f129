"""What the metrics need from storage: one read of the whole figure set."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from perla_core.metrics.model import ConversationMetrics, MetricsQuery


class MetricsReader(Protocol):
    def conversation_metrics(
        self, query: MetricsQuery, as_of: datetime
    ) -> Sequence[ConversationMetrics]:
        """The figures of ``query`` (its channel and campaign already checked to hold
        conversations) as of ``as_of``: a row per day with any activity (``day`` set) and one
        row for the whole period (``day`` ``None``), computed by the storage."""
        ...


class MetricsUnitOfWork(Protocol):
    @property
    def metrics(self) -> MetricsReader: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
