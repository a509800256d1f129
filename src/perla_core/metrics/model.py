"""The metrics query and its result rows (definitions in ``docs/metrics.md``).

Days are UTC calendar days; a period is ``start``..``end``, both included. Response times
are in seconds with millisecond precision (:class:`~decimal.Decimal`, never float); the
percentiles are nearest-rank (:func:`nearest_rank`), the same on every adapter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Final
from uuid import UUID

import attrs

from perla_core.kernel.errors import InvalidValue

CHANNELS: Final = frozenset({"whatsapp"})
"""The channels conversations happen on (WhatsApp only, for now)."""
MAX_DAYS: Final = 366
"""The longest period one query covers, in days."""
DEFAULT_UNANSWERED_WINDOW: Final = timedelta(hours=24)
"""How long after a READ message a reply still counts as its answer."""
DEFAULT_DAYS: Final = 30
"""The period when its first day is not given: this many days up to the last."""
MAX_WINDOW_HOURS: Final = 8_784
"""The longest seen-but-unanswered window: a leap year."""
_MS: Final = Decimal(1000)
_DAY_MS: Final = 86_400_000


def nearest_rank(ordered: Sequence[int], percent: int) -> int:
    """The ``percent``-th percentile of ``ordered`` (ascending, not empty) by nearest rank:
    the value at rank ``ceil(percent * n / 100)`` (1-based)."""
    rank = (percent * len(ordered) + 99) // 100
    return ordered[max(rank, 1) - 1]


def day_number(day: date) -> int:
    """Days since 1970-01-01 (how the adapters group by UTC day)."""
    return (day - date(1970, 1, 1)).days


def day_of(number: int) -> date:
    return date(1970, 1, 1) + timedelta(days=number)


def millis(at: datetime) -> int:
    """Milliseconds since the epoch, rounded half-up (the adapters' clock unit)."""
    delta = at.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta // timedelta(microseconds=1) + 500) // 1000


@attrs.frozen
class MetricsQuery:
    """The period (``start``..``end`` UTC days, both included, at most :data:`MAX_DAYS`), an
    optional ``channel`` (one of :data:`CHANNELS`) and ``campaign`` (a campaign run's id: only
    the conversations of the run's recipients that were sent its template), and the
    ``unanswered_window`` of seen-but-unanswered (more than zero, default 24 h)."""

    start: date
    end: date
    channel: str | None = None
    campaign: str | None = None
    unanswered_window: timedelta = DEFAULT_UNANSWERED_WINDOW

    def __attrs_post_init__(self) -> None:
        if self.start > self.end:
            raise InvalidValue(f"{self.start} is after the end {self.end}", field="from")
        if (self.end - self.start).days + 1 > MAX_DAYS:
            raise InvalidValue(f"the period is longer than {MAX_DAYS} days", field="to")
        if self.channel is not None and self.channel not in CHANNELS:
            known = ", ".join(sorted(CHANNELS))
            raise InvalidValue(
                f"unknown channel {self.channel!r} (known: {known})", field="channel"
            )
        if self.campaign is not None:
            if not self.campaign.strip():
                raise InvalidValue("the campaign is blank", field="campaign")
            try:
                UUID(self.campaign.strip())
            except ValueError:
                raise InvalidValue(
                    f"{self.campaign!r} is not a campaign run's id", field="campaign"
                ) from None
        if self.unanswered_window <= timedelta(0):
            raise InvalidValue("the window must be longer than zero", field="window")

    @property
    def run_id(self) -> UUID | None:
        """The campaign run the query is limited to (``None``: every conversation)."""
        return None if self.campaign is None else UUID(self.campaign.strip())

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    @property
    def since(self) -> datetime:
        """The period's first instant (UTC)."""
        return datetime.combine(self.start, time(), UTC)

    @property
    def until(self) -> datetime:
        """The instant after the period (UTC), excluded."""
        return datetime.combine(self.end + timedelta(days=1), time(), UTC)

    @property
    def since_ms(self) -> int:
        return day_number(self.start) * _DAY_MS

    @property
    def until_ms(self) -> int:
        return (day_number(self.end) + 1) * _DAY_MS

    @property
    def window_ms(self) -> int:
        return self.unanswered_window // timedelta(milliseconds=1)


@attrs.frozen
class Percentiles:
    """How many response times were measured, and their p50 and p95 in seconds."""

    count: int = 0
    p50: Decimal | None = None
    p95: Decimal | None = None

    @classmethod
    def of_millis(cls, count: int, p50_ms: int | None, p95_ms: int | None) -> Percentiles:
        return cls(
            count,
            None if p50_ms is None else Decimal(p50_ms) / _MS,
            None if p95_ms is None else Decimal(p95_ms) / _MS,
        )

    @classmethod
    def of_samples(cls, samples: Sequence[int]) -> Percentiles:
        """From response times in milliseconds."""
        if not samples:
            return cls()
        ordered = sorted(samples)
        return cls.of_millis(len(ordered), nearest_rank(ordered, 50), nearest_rank(ordered, 95))


@attrs.frozen
class ResponseTimes:
    """Response times of the bot and of the humans (operators)."""

    bot: Percentiles = Percentiles()
    human: Percentiles = Percentiles()


@attrs.frozen
class ConversationMetrics:
    """The figures of one day (``day``) or of the whole period (``day`` ``None``); see
    ``docs/metrics.md`` for each definition. ``handoffs`` maps a reason to its count."""

    day: date | None
    channel: str = "whatsapp"
    campaign: str | None = None
    messages_in: int = 0
    messages_out_bot: int = 0
    messages_out_human: int = 0
    conversations_responding: int = 0
    first_response: ResponseTimes = ResponseTimes()
    response: ResponseTimes = ResponseTimes()
    seen_unanswered: int = 0
    handoffs: Mapping[str, int] = attrs.field(factory=dict)
    conversions: int = 0
    opt_outs: int = 0

    @property
    def messages_out(self) -> int:
        return self.messages_out_bot + self.messages_out_human

    @property
    def handoffs_total(self) -> int:
        return sum(self.handoffs.values())


@attrs.frozen
class MetricsReport:
    """One row per day of the period (days without activity are zero rows) and the whole
    period's ``total`` (distinct counts and percentiles over the period, not sums of days),
    as of ``as_of`` (seen-but-unanswered only counts messages whose window has passed)."""

    query: MetricsQuery
    as_of: datetime
    days: tuple[ConversationMetrics, ...]
    total: ConversationMetrics


_PERCENT: Final = Decimal("0.1")


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in percent, one decimal, half-up (``None`` when ``whole`` is 0)."""
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(_PERCENT, rounding=ROUND_HALF_UP)


@attrs.frozen
class CampaignFigures:
    """What one campaign run's surveys did on one UTC ``day`` (``None``: the whole period);
    each figure counts recipients by the day of its event (``docs/metrics.md``): ``sent``
    the template (by ``sent_at``), ``answered`` at least one question (status answered or
    completed, by ``answered_at``), ``completed`` the whole survey and ``opted_out`` during
    it (by ``finished_at``), ``recovered`` answered and then ordered within the run's window
    (by the day of that first order)."""

    run_id: UUID
    day: date | None
    campaign: str = "dormant"
    run_created_at: datetime | None = None
    sent: int = 0
    answered: int = 0
    completed: int = 0
    opted_out: int = 0
    recovered: int = 0

    @property
    def completion_rate(self) -> Decimal | None:
        """Survey completion: ``completed`` of ``sent``, percent (``None`` if none sent)."""
        return percent(self.completed, self.sent)

    @property
    def response_rate(self) -> Decimal | None:
        return percent(self.answered, self.sent)


@attrs.frozen
class CampaignRunMetrics:
    """One run's figures: a row per day with any activity, and the period's ``total``."""

    total: CampaignFigures
    days: tuple[CampaignFigures, ...]

    @property
    def run_id(self) -> UUID:
        return self.total.run_id


@attrs.frozen
class CampaignReport:
    """The campaign runs of the period (the query's run only, when it names one), newest
    first, and their figures as of ``as_of``; ``total`` adds every run up (``run_id`` nil)."""

    query: MetricsQuery
    as_of: datetime
    runs: tuple[CampaignRunMetrics, ...]

    @property
    def sent(self) -> int:
        return sum(r.total.sent for r in self.runs)

    @property
    def completed(self) -> int:
        return sum(r.total.completed for r in self.runs)

    @property
    def completion_rate(self) -> Decimal | None:
        return percent(self.completed, self.sent)


def period_query(
    start: date | None,
    end: date | None,
    today: date,
    channel: str | None = None,
    campaign: str | None = None,
    window_hours: int = 24,
) -> MetricsQuery:
    """The query from optional bounds, as the API and the CLI take them: ``end`` defaults to
    ``today``, ``start`` to :data:`DEFAULT_DAYS` days up to ``end``; the window in whole hours
    (at least one)."""
    if window_hours <= 0:
        raise InvalidValue("the window must be at least one hour", field="window")
    if window_hours > MAX_WINDOW_HOURS:
        raise InvalidValue(f"the window is at most {MAX_WINDOW_HOURS} hours", field="window")
    last = end or today
    first = start or last - timedelta(days=DEFAULT_DAYS - 1)
    return MetricsQuery(first, last, channel, campaign, timedelta(hours=window_hours))
