"""Conversation metrics (issue 9, item 5): what every WhatsApp conversation leaves, per day.

The figures are computed by the storage (SQL over the conversations and orders tables, never
by loading every conversation); this package holds the query, the result rows, the port and
the use case. Each figure's exact definition is in ``docs/metrics.md``.
"""

from perla_core.metrics.model import (
    CHANNELS,
    DEFAULT_UNANSWERED_WINDOW,
    MAX_DAYS,
    CampaignFigures,
    CampaignReport,
    CampaignRunMetrics,
    ConversationMetrics,
    MetricsQuery,
    MetricsReport,
    Percentiles,
    ResponseTimes,
    nearest_rank,
    percent,
    period_query,
)
from perla_core.metrics.ports import MetricsReader, MetricsUnitOfWork
from perla_core.metrics.services import campaign_metrics, conversation_metrics

__all__ = [
    "CHANNELS",
    "DEFAULT_UNANSWERED_WINDOW",
    "MAX_DAYS",
    "CampaignFigures",
    "CampaignReport",
    "CampaignRunMetrics",
    "ConversationMetrics",
    "MetricsQuery",
    "MetricsReader",
    "MetricsReport",
    "MetricsUnitOfWork",
    "Percentiles",
    "ResponseTimes",
    "campaign_metrics",
    "conversation_metrics",
    "nearest_rank",
    "percent",
    "period_query",
]
