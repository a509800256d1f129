"""The activity summary use case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

import attrs

from perla_core.access.model import Actor, Permission, split_key
from perla_core.dashboard.campaigns import Funnels, campaign_funnels
from perla_core.dashboard.labels import event_label
from perla_core.dashboard.model import (
    DEFAULT_DAYS,
    RECENT_EVENTS,
    ActivityEntry,
    ActivitySummary,
    DayCount,
    KeyFigures,
    PipelineCount,
)
from perla_core.dashboard.ports import DashboardUnitOfWork
from perla_core.inquiries.values import InquiryStage
from perla_core.kernel.errors import InvalidValue, NotFound, Unauthenticated
from perla_core.kernel.ports import Clock
from perla_core.metrics.model import MAX_DAYS, MetricsQuery
from perla_core.metrics.services import campaign_metrics, conversation_metrics
from perla_core.onboarding.model import ClientStatus, LeadStatus, Phase

if TYPE_CHECKING:
    from perla_core.uow import UnitOfWork

OPEN_STAGES = frozenset({InquiryStage.INQUIRY, InquiryStage.QUOTED, InquiryStage.CONFIRMED})
"""The stages of an inquiry still being worked on."""
_CLOSED_LEADS = frozenset({LeadStatus.WON.value, LeadStatus.LOST.value})


def _count(pipeline: tuple[PipelineCount, ...], phase: Phase, *statuses: str) -> int:
    return sum(p.count for p in pipeline if p.phase == phase.value and p.status in statuses)


def activity_summary(
    uow: DashboardUnitOfWork,
    clock: Clock,
    actor: Actor,
    *,
    days: int = DEFAULT_DAYS,
    campaigns: Funnels | None = None,
    recent: int = RECENT_EVENTS,
) -> ActivitySummary:
    """The activity summary ("Resumen de actividad") as of now: open leads, live clients,
    open inquiries, the month's orders and revenue per currency, WhatsApp messages in and
    out, handoffs, the bot's median response time and messages seen but not answered over
    the last ``days`` UTC days, opt-outs and the campaign surveys' completion over them (and
    each campaign run's survey figures); per day of that period the conversation metrics and the
    orders placed; the onboarding pipeline (leads → live clients by phase and status),
    inquiries by stage, campaign funnels (from ``campaigns``, none without it) and the
    latest ``recent`` domain events in Spanish."""
    actor.require(Permission.READ)
    if not 1 <= days <= MAX_DAYS:
        raise InvalidValue(f"the period must be 1 to {MAX_DAYS} days", field="days")
    if not 1 <= recent <= 100:
        raise InvalidValue("the feed shows 1 to 100 events", field="recent")
    today = clock.now().astimezone(UTC).date()
    query = MetricsQuery(today - timedelta(days=days - 1), today)
    report = conversation_metrics(query, uow, clock, actor)
    surveys = campaign_metrics(query, uow, clock, actor)
    month = datetime(today.year, today.month, 1, tzinfo=UTC)
    with uow:
        pipeline = tuple(uow.dashboard.pipeline())
        stages = tuple(uow.inquiries.stage_counts())
        placed = {
            row.day: row.count for row in uow.dashboard.orders_per_day(query.since, query.until)
        }
        revenue = tuple(uow.dashboard.revenue(month, query.until))
        events = tuple(uow.dashboard.recent_events(recent))
        funnels = campaign_funnels(uow, campaigns)
    total = report.total
    open_leads = [s.value for s in LeadStatus if s.value not in _CLOSED_LEADS]
    figures = KeyFigures(
        leads=_count(pipeline, Phase.LEAD, *open_leads),
        live_clients=_count(pipeline, Phase.CLIENT, ClientStatus.LIVE.value),
        open_inquiries=sum(s.total for s in stages if s.stage in OPEN_STAGES),
        orders_month=sum(r.orders for r in revenue),
        revenue_month=revenue,
        messages_in=total.messages_in,
        messages_out=total.messages_out,
        handoffs=total.handoffs_total,
        bot_response_p50=total.response.bot.p50,
        seen_unanswered=total.seen_unanswered,
        opt_outs=total.opt_outs,
        survey_completion=surveys.completion_rate,
    )
    return ActivitySummary(
        as_of=report.as_of,
        figures=figures,
        metrics=report,
        orders_per_day=tuple(DayCount(day, placed.get(day, 0)) for day in query.days),
        pipeline=pipeline,
        inquiries=stages,
        campaigns=funnels,
        recent=tuple(
            ActivityEntry(e.at, e.topic, e.aggregate_id, event_label(e.topic)) for e in events
        ),
        campaign_figures=surveys,
    )


@attrs.frozen
class SignedIn:
    """Who logged in to the page, and the id of the API key they used (what the session
    cookie carries; never the key itself)."""

    key_id: UUID
    actor: Actor


def sign_in(token: str, uow: UnitOfWork) -> SignedIn:
    """Log in to the activity page with an API key of any role (read access): the key must
    be known, active and match; :class:`Unauthenticated` otherwise, saying nothing of which."""
    prefix, secret = split_key(token)
    with uow:
        key = uow.api_keys.by_prefix(prefix)
    if key is None or not key.active or not key.matches(secret):
        raise Unauthenticated("the API key is unknown or revoked")
    actor = key.actor()
    actor.require(Permission.READ)
    return SignedIn(key.id, actor)


def session_actor(key_id: UUID, uow: UnitOfWork) -> Actor:
    """The actor of a page session made with the API key ``key_id``, while that key is
    active (revoking the key ends its sessions at once)."""
    with uow:
        try:
            key = uow.api_keys.get(key_id)
        except NotFound:
            raise Unauthenticated("the session's API key no longer exists") from None
    if not key.active:
        raise Unauthenticated("the session's API key was revoked")
    actor = key.actor()
    actor.require(Permission.READ)
    return actor
