"""The metrics query's validation, the nearest-rank percentile, and the use case's rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perla_adapters.memory import FixedClock, InMemoryStore, InMemoryUnitOfWork, SequentialIds
from perla_core.access.model import Actor, Role
from perla_core.campaigns.model import CampaignConfig, CampaignRun, RunRecipient
from perla_core.conversations.model import Conversation
from perla_core.kernel.errors import InvalidValue, NotFound
from perla_core.metrics import (
    ConversationMetrics,
    MetricsQuery,
    Percentiles,
    campaign_metrics,
    conversation_metrics,
    nearest_rank,
    percent,
)
from perla_core.metrics.model import day_number, day_of, millis

READER = Actor("lucia", Role.READONLY)
NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"start": date(2026, 3, 2), "end": date(2026, 3, 1)}, "from"),
        ({"start": date(2025, 1, 1), "end": date(2026, 1, 2)}, "to"),  # 367 days
        ({"start": date(2026, 1, 1), "end": date(2026, 1, 2), "channel": "email"}, "channel"),
        ({"start": date(2026, 1, 1), "end": date(2026, 1, 2), "campaign": "  "}, "campaign"),
        (
            {"start": date(2026, 1, 1), "end": date(2026, 1, 2), "unanswered_window": timedelta()},
            "window",
        ),
        (
            {
                "start": date(2026, 1, 1),
                "end": date(2026, 1, 2),
                "unanswered_window": timedelta(hours=-1),
            },
            "window",
        ),
    ],
)
def test_a_bad_query_names_its_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        MetricsQuery(**kwargs)  # type: ignore[arg-type]
    assert raised.value.field == field


def test_the_longest_period_is_366_days_and_one_day_is_fine() -> None:
    year = MetricsQuery(date(2024, 1, 1), date(2024, 12, 31))  # a leap year: 366 days
    assert len(year.days) == 366
    day = MetricsQuery(date(2026, 3, 1), date(2026, 3, 1), channel="whatsapp")
    assert day.days == [date(2026, 3, 1)]
    assert day.since == datetime(2026, 3, 1, tzinfo=UTC)
    assert day.until == datetime(2026, 3, 2, tzinfo=UTC)
    assert day.until_ms - day.since_ms == 86_400_000
    assert day.window_ms == 86_400_000


def test_nearest_rank_by_hand() -> None:
    assert nearest_rank([7], 50) == 7
    assert nearest_rank([7], 95) == 7
    assert nearest_rank([1, 2], 50) == 1
    assert nearest_rank([1, 2], 95) == 2
    assert nearest_rank(list(range(1, 21)), 95) == 19
    assert nearest_rank(list(range(1, 101)), 50) == 50
    assert Percentiles.of_samples([1500, 250, 30_000]) == Percentiles(
        3, Decimal("1.5"), Decimal("30")
    )
    assert Percentiles.of_samples([]) == Percentiles(0, None, None)


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=50))
def test_the_percentile_is_a_sample_with_enough_below(samples: list[int]) -> None:
    ordered = sorted(samples)
    for rank in (50, 95):
        value = nearest_rank(ordered, rank)
        at_or_below = sum(1 for x in ordered if x <= value)
        below = sum(1 for x in ordered if x < value)
        assert at_or_below * 100 >= rank * len(ordered)
        assert below * 100 < rank * len(ordered)


def test_days_and_millis() -> None:
    assert day_number(date(1970, 1, 2)) == 1
    assert day_of(day_number(date(2026, 3, 4))) == date(2026, 3, 4)
    assert millis(datetime(1970, 1, 1, 0, 0, 1, 999_500, tzinfo=UTC)) == 2000
    minus_three = datetime(2026, 3, 1, 18, tzinfo=timezone(timedelta(hours=-3)))
    assert millis(minus_three) == millis(datetime(2026, 3, 1, 21, tzinfo=UTC))


def _uow_with_one_message() -> InMemoryUnitOfWork:
    ids = SequentialIds()
    uow = InMemoryUnitOfWork(InMemoryStore(), FixedClock(NOW), ids)
    with uow:
        c = Conversation.open(ids.new_id(), "5491100000009", datetime(2026, 3, 3, 9, tzinfo=UTC))
        c.receive(ids.new_id(), kind="text", text="hola", at=datetime(2026, 3, 3, 9, tzinfo=UTC))
        uow.conversations.add(c)
        uow.commit()
    return uow


def test_every_day_has_a_row_and_the_total_comes_apart() -> None:
    uow = _uow_with_one_message()
    query = MetricsQuery(date(2026, 3, 2), date(2026, 3, 4))
    report = conversation_metrics(query, uow, FixedClock(NOW), READER)
    assert [row.day for row in report.days] == [
        date(2026, 3, 2),
        date(2026, 3, 3),
        date(2026, 3, 4),
    ]
    assert [row.messages_in for row in report.days] == [0, 1, 0]
    assert report.days[0] == ConversationMetrics(date(2026, 3, 2))
    assert report.total.day is None
    assert report.total.messages_in == 1
    assert report.as_of == NOW
    assert {row.channel for row in (*report.days, report.total)} == {"whatsapp"}


def test_a_campaign_is_a_run_id_and_an_unknown_run_is_not_found() -> None:
    with pytest.raises(InvalidValue) as raised:
        MetricsQuery(date(2026, 3, 3), date(2026, 3, 3), campaign="dormant")
    assert raised.value.field == "campaign"
    uow = _uow_with_one_message()
    run = "00000000-0000-4000-8000-000000000001"
    query = MetricsQuery(date(2026, 3, 3), date(2026, 3, 3), campaign=run)
    assert query.run_id == UUID(run)
    with pytest.raises(NotFound):
        conversation_metrics(query, uow, FixedClock(NOW), READER)
    with pytest.raises(NotFound):
        campaign_metrics(query, uow, FixedClock(NOW), READER)


def test_a_campaign_run_with_its_template_sent_counts_only_its_conversation() -> None:
    uow = _uow_with_one_message()
    run = CampaignRun.schedule(
        UUID(int=1), CampaignConfig.create(), now=datetime(2026, 3, 3, 8, tzinfo=UTC), actor="t"
    )
    with uow:
        uow.campaigns.add_run(run)
        recipient = RunRecipient(run.id, UUID(int=2), "5491100000009")
        uow.campaigns.add_recipients([recipient])
        recipient.mark_sent(datetime(2026, 3, 3, 8, 30, tzinfo=UTC), UUID(int=3), "ref")
        uow.campaigns.save_recipient(recipient)
        uow.commit()
    query = MetricsQuery(date(2026, 3, 3), date(2026, 3, 3), campaign=str(run.id))
    report = conversation_metrics(query, uow, FixedClock(NOW), READER)
    assert (report.total.messages_in, report.total.campaign) == (1, str(run.id))
    campaigns = campaign_metrics(query, uow, FixedClock(NOW), READER)
    assert [(r.run_id, r.total.sent, r.total.completion_rate) for r in campaigns.runs] == [
        (run.id, 1, Decimal("0.0"))
    ]


@pytest.mark.parametrize(
    ("part", "whole", "shown"),
    [
        (1, 3, "33.3"),
        (2, 3, "66.7"),
        (1, 8, "12.5"),
        (1, 16, "6.3"),
        (0, 5, "0.0"),
        (3, 3, "100.0"),
    ],
)
def test_percent_is_one_decimal_half_up(part: int, whole: int, shown: str) -> None:
    assert percent(part, whole) == Decimal(shown)
    assert percent(part, 0) is None
