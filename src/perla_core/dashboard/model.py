"""The rows the activity summary is made of."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Final
from uuid import UUID

import attrs

from perla_core.inquiries.ports import StageCount
from perla_core.kernel.money import Money
from perla_core.metrics.model import CampaignReport, MetricsReport

DEFAULT_DAYS: Final = 30
"""The days the charts cover, up to today (UTC)."""
RECENT_EVENTS: Final = 20
"""How many domain events the recent-activity feed shows."""


@attrs.frozen
class PipelineCount:
    """How many parties are in ``phase`` (``lead`` or ``client``) with ``status`` (the lead
    status of a lead, the client status of a client)."""

    phase: str
    status: str
    count: int


@attrs.frozen
class DayCount:
    """How many of something happened on one UTC ``day``."""

    day: date
    count: int


@attrs.frozen
class Revenue:
    """The orders of one currency and their total (exact, never converted)."""

    orders: int
    total: Money


@attrs.frozen
class RecentEvent:
    """One outbox row: what happened (``topic``), to which aggregate, when."""

    at: datetime
    topic: str
    aggregate_id: UUID


@attrs.frozen
class ActivityEntry:
    """A recent event as the feed shows it: ``text`` is its Spanish description."""

    at: datetime
    topic: str
    aggregate_id: UUID
    text: str


@attrs.frozen
class FunnelStep:
    label: str
    count: int


@attrs.frozen
class CampaignFunnel:
    """One campaign run's funnel (targeted → sent → answered → recovered …), top first."""

    name: str
    steps: tuple[FunnelStep, ...]


@attrs.frozen
class KeyFigures:
    """The numbers at the top of the page. ``leads`` are open leads (neither won nor lost);
    ``live_clients`` clients in the ``live`` status; ``open_inquiries`` those in inquiry,
    quoted or confirmed; orders and revenue count the month so far (UTC) by the day an order
    was placed, in the statuses the KPIs count; the WhatsApp figures cover the charts'
    period. ``bot_response_p50`` is the bot's median response time in seconds (``None``
    when no response was measured); ``opt_outs`` the numbers the opt-out registry recorded
    and ``survey_completion`` the campaign surveys completed of the templates sent (percent,
    ``None`` when none was sent), over the same period."""

    leads: int
    live_clients: int
    open_inquiries: int
    orders_month: int
    revenue_month: tuple[Revenue, ...]
    messages_in: int
    messages_out: int
    handoffs: int
    bot_response_p50: Decimal | None
    seen_unanswered: int
    opt_outs: int = 0
    survey_completion: Decimal | None = None


@attrs.frozen
class ActivitySummary:
    """Everything ``/dashboard`` shows, as of ``as_of``: the key figures, the conversation
    metrics of the period (a row per day), orders per day of the same period (every day,
    zeros included), the pipeline, inquiries by stage, campaign funnels, the campaign runs'
    survey figures of the period (``campaign_figures``) and the feed."""

    as_of: datetime
    figures: KeyFigures
    metrics: MetricsReport
    orders_per_day: tuple[DayCount, ...]
    pipeline: tuple[PipelineCount, ...]
    inquiries: tuple[StageCount, ...]
    campaigns: tuple[CampaignFunnel, ...]
    recent: tuple[ActivityEntry, ...]
    campaign_figures: CampaignReport | None = None

    @property
    def days(self) -> tuple[date, ...]:
        return tuple(self.metrics.query.days)
