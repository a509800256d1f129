"""The metrics use case."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

import attrs

from perla_core.access.model import Actor, Permission
from perla_core.kernel.errors import NotFound
from perla_core.kernel.ports import Clock
from perla_core.metrics.model import (
    CampaignFigures,
    CampaignReport,
    CampaignRunMetrics,
    ConversationMetrics,
    MetricsQuery,
    MetricsReport,
)
from perla_core.metrics.ports import MetricsUnitOfWork


def conversation_metrics(
    query: MetricsQuery, uow: MetricsUnitOfWork, clock: Clock, actor: Actor
) -> MetricsReport:
    """Conversation metrics per UTC day and for the whole period: messages in and out (bot
    and humans), conversations with a customer response, first and per-message response times
    of the bot and of humans (p50/p95, seconds), messages seen but not answered within the
    window, handoffs by reason, conversions to orders and opt-outs (the opt-out registry).
    Every day of the period has a row (zero when nothing happened). A campaign (a run's id)
    limits them to the conversations of the run's recipients; an unknown run is
    :class:`NotFound`."""
    actor.require(Permission.READ)
    as_of = clock.now()
    channel = query.channel or "whatsapp"
    with uow:
        if query.run_id is not None and not uow.metrics.campaign_metrics(query):
            raise NotFound("campaign run", query.run_id)
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


def campaign_metrics(
    query: MetricsQuery, uow: MetricsUnitOfWork, clock: Clock, actor: Actor
) -> CampaignReport:
    """The campaign runs' survey figures over the period, per run and per UTC day with any
    activity: templates sent, surveys answered, completed (the completion rate: completed of
    sent), opted out and recovered clients. The runs are those created in the period or with
    any figure in it, newest first; a campaign (a run's id) gives that run only, zeros
    included, and an unknown run is :class:`NotFound`."""
    actor.require(Permission.READ)
    as_of = clock.now()
    with uow:
        rows = list(uow.metrics.campaign_metrics(query))
    if query.run_id is not None and not rows:
        raise NotFound("campaign run", query.run_id)
    totals: dict[object, CampaignFigures] = {}
    days: dict[object, list[CampaignFigures]] = defaultdict(list)
    for row in rows:
        if row.day is None:
            totals[row.run_id] = row
        else:
            days[row.run_id].append(row)
    far = datetime.min.replace(tzinfo=as_of.tzinfo)

    def newest(total: CampaignFigures) -> tuple[datetime, str]:
        return (total.run_created_at or far, str(total.run_id))

    runs = tuple(
        CampaignRunMetrics(total, tuple(sorted(days[total.run_id], key=_day)))
        for total in sorted(totals.values(), key=newest, reverse=True)
    )
    return CampaignReport(query, as_of, runs)


def _day(row: CampaignFigures) -> date:
    assert row.day is not None
    return row.day
