"""Conversation metrics: ``GET /api/v1/metrics/conversations`` (any API key; read role) gives a
row per UTC day of the period and the period's total. ``from``/``to`` default to the last 30
days up to today; ``window_hours`` is seen-but-unanswered's window (default 24); ``campaign``
a run's id. ``GET /api/v1/metrics/campaigns`` gives the campaign runs' survey figures (sent,
answered, completed and the completion rate, opted out, recovered) per run and per day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, get
from litestar.params import QueryParameter
from msgspec import Struct

from perla_core.metrics import (
    CampaignFigures,
    CampaignReport,
    CampaignRunMetrics,
    ConversationMetrics,
    MetricsReport,
    Percentiles,
    ResponseTimes,
    campaign_metrics,
    conversation_metrics,
    period_query,
)
from perla_entrypoints.http.dependencies import ActorDep, ClockDep, NewUow
from perla_entrypoints.http.openapi import doc, responses
from perla_entrypoints.http.problems import fields_renamed
from perla_entrypoints.http.schemas import Moment

From = Annotated[
    date | None, QueryParameter(name="from", description="First UTC day (default: to - 29)")
]
To = Annotated[date | None, QueryParameter(name="to", description="Last UTC day (default: today)")]
Channel = Annotated[str | None, QueryParameter(description="Only this channel (whatsapp)")]
Campaign = Annotated[
    str | None, QueryParameter(description="Only the conversations of this campaign run (its id)")
]
Run = Annotated[str | None, QueryParameter(description="Only this campaign run (its id)")]
WindowHours = Annotated[
    int, QueryParameter(description="Seen-but-unanswered window in hours (more than 0)")
]


class PercentilesOut(Struct, kw_only=True):
    """Response times measured (``count``), their median and 95th percentile in seconds
    (decimal text with millisecond precision; ``null`` when none)."""

    count: int
    p50_seconds: str | None
    p95_seconds: str | None

    @classmethod
    def of(cls, p: Percentiles) -> PercentilesOut:
        def text(value: Decimal | None) -> str | None:
            return None if value is None else format(value.normalize(), "f")

        return cls(count=p.count, p50_seconds=text(p.p50), p95_seconds=text(p.p95))


class ResponseTimesOut(Struct, kw_only=True):
    bot: PercentilesOut
    human: PercentilesOut

    @classmethod
    def of(cls, times: ResponseTimes) -> ResponseTimesOut:
        return cls(bot=PercentilesOut.of(times.bot), human=PercentilesOut.of(times.human))


class MetricsRowOut(Struct, kw_only=True):
    """One day's figures (``day``), or the whole period's (``day`` null); see
    ``docs/metrics.md`` for each definition."""

    day: date | None
    channel: str
    campaign: str | None
    messages_in: int
    messages_out: int
    messages_out_bot: int
    messages_out_human: int
    conversations_responding: int
    first_response: ResponseTimesOut
    response: ResponseTimesOut
    seen_unanswered: int
    handoffs: dict[str, int]
    handoffs_total: int
    conversions: int
    opt_outs: int

    @classmethod
    def of(cls, row: ConversationMetrics) -> MetricsRowOut:
        return cls(
            day=row.day,
            channel=row.channel,
            campaign=row.campaign,
            messages_in=row.messages_in,
            messages_out=row.messages_out,
            messages_out_bot=row.messages_out_bot,
            messages_out_human=row.messages_out_human,
            conversations_responding=row.conversations_responding,
            first_response=ResponseTimesOut.of(row.first_response),
            response=ResponseTimesOut.of(row.response),
            seen_unanswered=row.seen_unanswered,
            handoffs=dict(row.handoffs),
            handoffs_total=row.handoffs_total,
            conversions=row.conversions,
            opt_outs=row.opt_outs,
        )


class ConversationMetricsOut(Struct, kw_only=True):
    """The period (``from``..``to``, UTC days), the window, when it was computed, a row per
    day and the period's total (distinct counts and percentiles of the period, not sums)."""

    from_: date = msgspec.field(name="from")
    to: date
    window_hours: int
    as_of: Moment
    days: list[MetricsRowOut]
    total: MetricsRowOut

    @classmethod
    def of(cls, report: MetricsReport, window_hours: int) -> ConversationMetricsOut:
        return cls(
            from_=report.query.start,
            to=report.query.end,
            window_hours=window_hours,
            as_of=report.as_of,
            days=[MetricsRowOut.of(row) for row in report.days],
            total=MetricsRowOut.of(report.total),
        )


def _rate(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


class CampaignFiguresOut(Struct, kw_only=True):
    """A run's survey figures on one day (``day``) or over the period (``day`` null): the
    templates ``sent``, surveys ``answered`` (at least one question) and ``completed``,
    ``opted_out`` during the survey, ``recovered`` clients; the completion rate (completed of
    sent, percent with one decimal, text; null when nothing was sent)."""

    day: date | None
    sent: int
    answered: int
    completed: int
    survey_completion_rate: str | None
    opted_out: int
    recovered: int

    @classmethod
    def of(cls, row: CampaignFigures) -> CampaignFiguresOut:
        return cls(
            day=row.day,
            sent=row.sent,
            answered=row.answered,
            completed=row.completed,
            survey_completion_rate=_rate(row.completion_rate),
            opted_out=row.opted_out,
            recovered=row.recovered,
        )


class CampaignRunOut(Struct, kw_only=True):
    run_id: UUID
    campaign: str
    created_at: Moment | None
    total: CampaignFiguresOut
    days: list[CampaignFiguresOut]

    @classmethod
    def of(cls, run: CampaignRunMetrics) -> CampaignRunOut:
        return cls(
            run_id=run.run_id,
            campaign=run.total.campaign,
            created_at=run.total.run_created_at,
            total=CampaignFiguresOut.of(run.total),
            days=[CampaignFiguresOut.of(d) for d in run.days],
        )


class CampaignMetricsOut(Struct, kw_only=True):
    """The period, when it was computed, the runs (newest first) and the completion rate of
    them all."""

    from_: date = msgspec.field(name="from")
    to: date
    as_of: Moment
    survey_completion_rate: str | None
    runs: list[CampaignRunOut]

    @classmethod
    def of(cls, report: CampaignReport) -> CampaignMetricsOut:
        return cls(
            from_=report.query.start,
            to=report.query.end,
            as_of=report.as_of,
            survey_completion_rate=_rate(report.completion_rate),
            runs=[CampaignRunOut.of(r) for r in report.runs],
        )


class MetricsController(Controller):
    path = "/api/v1/metrics"
    tags = ["metrics"]

    @get(
        "/conversations",
        operation_id="getConversationMetrics",
        summary="Conversation metrics per day and for the period",
        description=doc(conversation_metrics),
        sync_to_thread=True,
        responses=responses(400, 401, 404, 422),
    )
    def conversations(
        self,
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        start: From = None,
        end: To = None,
        channel: Channel = None,
        campaign: Campaign = None,
        window_hours: WindowHours = 24,
    ) -> ConversationMetricsOut:
        with fields_renamed({"window": "window_hours"}):
            query = period_query(start, end, clock.now().date(), channel, campaign, window_hours)
        report = conversation_metrics(query, uows(), clock, actor)
        return ConversationMetricsOut.of(report, window_hours)

    @get(
        "/campaigns",
        operation_id="getCampaignMetrics",
        summary="Campaign survey figures per run and per day",
        description=doc(campaign_metrics),
        sync_to_thread=True,
        responses=responses(400, 401, 404, 422),
    )
    def campaigns(
        self,
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        start: From = None,
        end: To = None,
        run: Run = None,
    ) -> CampaignMetricsOut:
        with fields_renamed({"campaign": "run"}):
            query = period_query(start, end, clock.now().date(), campaign=run)
        return CampaignMetricsOut.of(campaign_metrics(query, uows(), clock, actor))
