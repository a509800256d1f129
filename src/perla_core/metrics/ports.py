"""What the metrics need from storage: one read of the whole figure set."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from perla_core.metrics.model import CampaignFigures, ConversationMetrics, MetricsQuery


class MetricsReader(Protocol):
    def conversation_metrics(
        self, query: MetricsQuery, as_of: datetime
    ) -> Sequence[ConversationMetrics]:
        """The figures of ``query`` (its channel and campaign already checked to hold
        conversations) as of ``as_of``: a row per day with any activity (``day`` set) and one
        row for the whole period (``day`` ``None``), computed by the storage. With a
        campaign, only the conversations of the contacts the run sent its template to;
        opt-outs are the numbers the opt-out registry recorded."""
        ...

    def campaign_metrics(self, query: MetricsQuery) -> Sequence[CampaignFigures]:
        """The campaign runs' survey figures of ``query``'s period: for each run created in
        the period or with any figure in it (only the query's run when it names one, with
        zero figures if nothing happened; nothing if there is no such run), a row per day
        with any figure and one row for the whole period (``day`` ``None``)."""
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
