"""The metrics use case."""

from __future__ import annotations

import attrs

from perla_core.access.model import Actor, Permission
from perla_core.kernel.ports import Clock
from perla_core.metrics.model import ConversationMetrics, MetricsQuery, MetricsReport
from perla_core.metrics.ports import MetricsUnitOfWork


def conversation_metrics(
    query: MetricsQuery, uow: MetricsUnitOfWork, clock: Clock, actor: Actor
) -> MetricsReport:
    """Conversation metrics per UTC day and for the whole period: messages in and out (bot
    and humans), conversations with a customer response, first and per-message response times
    of the bot and of humans (p50/p95, seconds), messages seen but not answered within the
    window, handoffs by reason, conversions to orders and opt-outs. Every day of the period
    has a row (zero when nothing happened). A campaign gives empty figures: no conversation
    belongs to a campaign yet."""
    actor.require(Permission.READ)
    as_of = clock.now()
    channel = query.channel or "whatsapp"
    rows: list[ConversationMetrics] = []
    if query.campaign is None:
        with uow:
            rows = list(uow.metrics.conversation_metrics(query, as_of))
    by_day = {row.day: row for row in rows}
    days = tuple(
        attrs.evolve(by_day.get(day, ConversationMetrics(day)), channel=channel)
        for day in query.days
    )
    total = attrs.evolve(
        by_day.get(None, ConversationMetrics(None)), channel=channel, campaign=query.campaign
    )
    days = tuple(attrs.evolve(row, campaign=query.campaign) for row in days)
    return MetricsReport(query, as_of, days, total)
