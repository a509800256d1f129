"""The metrics reader on every adapter: three conversations over two days with hand-checked
figures (the definitions in ``docs/metrics.md``).

Days D1 (2026-03-02) and D2 (2026-03-03), UTC. Conversation A talks on the day before (out of
the period), then on D1: the bot answers two turns (2.5 s and 14 s), hands off, an operator
writes (read, answered by the contact within the window) and answers the next turn in 100 s;
an order by ``whatsapp:A`` on D1 is its conversion (one on D3 and one by another actor are
not). B gets a template on D1 (read, answered only 25 h later: seen but unanswered) and a
failed message (never counted); on D2 it answers "BAJA" and the bot replies in 5 s; the
opt-out registry records B on D2 (and another number on D1, a third on D3). C writes on D2,
is handed off (processing failed), an operator answers in 1800 s and the next turn in 30 s;
that last reply is read and never answered (seen but unanswered once the 24 h have passed).

The campaign run R (created on D0 at 20:00) sent its template to G on D0 (before the
period), to A and B on D1 and to E on D2 (F was excluded): A answered and completed on D1
and its order at 12:00 makes it recovered on D1; B opted out on D2; E answered on D2 without
finishing. An older run (created on D0) has nothing in the period.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs
import pytest
from tests.contract.builders import NewUow, a_validated_client, stored_clients

from perla_adapters.memory import FixedClock, SequentialIds
from perla_core.access.model import Actor, Role
from perla_core.campaigns.model import (
    CampaignConfig,
    CampaignRun,
    Exclusion,
    RecipientStatus,
    RunRecipient,
)
from perla_core.conversations.model import BOT, Conversation
from perla_core.kernel.errors import NotFound
from perla_core.kernel.money import Money
from perla_core.messaging import MessageStatus, TemplateMessage, TextMessage
from perla_core.metrics import (
    CampaignFigures,
    ConversationMetrics,
    MetricsQuery,
    Percentiles,
    ResponseTimes,
    campaign_metrics,
    conversation_metrics,
)
from perla_core.orders.model import Order, OrderChannel, OrderLine

D0, D1, D2, D3 = date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)
A, B, C = "5491100000001", "5491100000002", "5491100000003"
E, G, OTHER = "5491100000005", "5491100000007", "5491100000077"
RUN = UUID("00000000-0000-4000-8000-0000000000aa")
OLD_RUN = UUID("00000000-0000-4000-8000-0000000000bb")
QUERY = MetricsQuery(D1, D2)
AS_OF = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


def at(day: date, hour: int, minute: int = 0, second: float = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) + timedelta(
        seconds=second
    )


def s(text: str) -> Decimal:
    return Decimal(text)


class Talk:
    def __init__(self, ids: SequentialIds, contact: str, opened: datetime) -> None:
        self.ids = ids
        self.c = Conversation.open(ids.new_id(), contact, opened)

    def inbound(self, when: datetime, text: str = "hola", payload: str | None = None) -> None:
        self.c.receive(self.ids.new_id(), kind="text", text=text, at=when, payload=payload)

    def out(
        self,
        when: datetime,
        author: str = BOT,
        status: MessageStatus | None = None,
        template: bool = False,
    ) -> None:
        content = TemplateMessage("reactivacion", ()) if template else TextMessage("respuesta")
        message = self.c.queue(self.ids.new_id(), content, author=author, at=when)
        if status is MessageStatus.FAILED:
            self.c.mark_failed(message.id, "rejected", when)
        elif status is not None:
            ref = f"prov-{message.id}"
            self.c.mark_sent(message.id, ref, when)
            self.c.apply_status(ref, status, when + timedelta(seconds=1))

    def hand_off(self, when: datetime, reason: str) -> None:
        self.c.hand_off(self.ids.new_id(), reason, by=BOT, at=when)


def conversations(ids: SequentialIds) -> list[Conversation]:
    a = Talk(ids, A, at(D0, 23, 59))
    a.inbound(at(D0, 23, 59))
    a.out(at(D0, 23, 59, 1))
    a.inbound(at(D1, 10))
    a.out(at(D1, 10, 0, 2.5))
    a.inbound(at(D1, 10, 1), "precio?")
    a.inbound(at(D1, 10, 1, 10), "?")
    a.out(at(D1, 10, 1, 14))
    a.hand_off(at(D1, 10, 1, 20), "talk_to_person")
    a.out(at(D1, 10, 3, 20), author="ana", status=MessageStatus.READ)
    a.inbound(at(D1, 10, 5), "gracias")
    a.out(at(D1, 10, 6, 40), author="ana")

    b = Talk(ids, B, at(D1, 9))
    b.out(at(D1, 9), status=MessageStatus.READ, template=True)
    b.out(at(D1, 9, 5), status=MessageStatus.FAILED)
    b.inbound(at(D2, 10), " baja ")
    b.out(at(D2, 10, 0, 5))

    c = Talk(ids, C, at(D2, 11))
    c.inbound(at(D2, 11))
    c.hand_off(at(D2, 11, 0, 1), "processing_failed")
    c.out(at(D2, 11, 30), author="ana")
    c.inbound(at(D2, 12))
    c.out(at(D2, 12, 0, 30), author="ana", status=MessageStatus.READ)
    return [a.c, b.c, c.c]


def an_order(ids: SequentialIds, number: int, client_id: UUID, actor: str, when: datetime) -> Order:
    return Order.create(
        order_id=ids.new_id(),
        number=number,
        client_id=client_id,
        currency="ARS",
        channel=OrderChannel.WHATSAPP,
        lines=[OrderLine("Cámara", 1, Money.of("1000.00", "ARS"))],
        now=when,
        actor=actor,
    )


@pytest.fixture
def stored(new_uow: NewUow, clock: FixedClock, ids: SequentialIds) -> NewUow:
    client = a_validated_client(clock, ids)
    stored_clients(new_uow, client)
    with new_uow() as uow:
        for conversation in conversations(ids):
            uow.conversations.add(conversation)
        for number, (actor, when) in enumerate(
            [
                (f"whatsapp:{A}", at(D1, 12)),
                (f"whatsapp:{A}", at(D1, 13)),  # the same conversation counts once
                (f"whatsapp:{A}", at(D3, 9)),  # after the period
                ("ana.agent", at(D2, 9)),  # not the bot's
                (f"whatsapp:{B}x", at(D2, 9)),  # nobody's conversation
            ],
            start=1,
        ):
            uow.orders.add(an_order(ids, number, client.id, actor, when))
        uow.opt_outs.add(B, at(D2, 10), "baja")
        uow.opt_outs.add(OTHER, at(D1, 8), "baja")
        uow.opt_outs.add("5491100000078", at(D3, 8), "baja")
        store_runs(uow, ids, client.id)
        uow.commit()
    return new_uow


def store_runs(uow: Any, ids: SequentialIds, buyer: UUID) -> None:
    config = CampaignConfig.create()
    old = CampaignRun.schedule(OLD_RUN, config, now=at(D0, 8), actor="test")
    uow.campaigns.add_run(old)
    run = CampaignRun.schedule(RUN, config, now=at(D0, 20), actor="test")
    uow.campaigns.add_run(run)
    rows = {
        A: RunRecipient(RUN, buyer, A),
        B: RunRecipient(RUN, ids.new_id(), B),
        E: RunRecipient(RUN, ids.new_id(), E),
        G: RunRecipient(RUN, ids.new_id(), G),
        "F": RunRecipient(
            RUN, ids.new_id(), "5491100000006", RecipientStatus.EXCLUDED, Exclusion.NO_CONSENT
        ),
    }
    uow.campaigns.add_recipients(list(rows.values()))
    conversation = ids.new_id()
    for contact, sent, status, answered, finished in (
        (A, at(D1, 9), RecipientStatus.COMPLETED, at(D1, 10), at(D1, 10, 5)),
        (B, at(D1, 9), RecipientStatus.OPTED_OUT, None, at(D2, 10)),
        (E, at(D2, 9), RecipientStatus.ANSWERED, at(D2, 9, 30), at(D2, 9, 40)),
        (G, at(D0, 21), RecipientStatus.SENT, None, None),
    ):
        r = rows[contact]
        r.mark_sent(sent, conversation, f"ref-{contact}")
        r.status, r.answered_at, r.finished_at = status, answered, finished
        uow.campaigns.save_recipient(r)


def read(
    new_uow: NewUow, query: MetricsQuery = QUERY, as_of: datetime = AS_OF
) -> dict[date | None, ConversationMetrics]:
    with new_uow() as uow:
        rows = uow.metrics.conversation_metrics(query, as_of)
    return {row.day: row for row in rows}


def times(
    bot: tuple[int, str, str] | None = None, human: tuple[int, str, str] | None = None
) -> ResponseTimes:
    def one(figures: tuple[int, str, str] | None) -> Percentiles:
        if figures is None:
            return Percentiles()
        n, p50, p95 = figures
        return Percentiles(n, s(p50), s(p95))

    return ResponseTimes(one(bot), one(human))


DAY_1 = ConversationMetrics(
    day=D1,
    messages_in=4,
    messages_out_bot=3,
    messages_out_human=2,
    conversations_responding=1,
    first_response=times(bot=(1, "2.5", "2.5")),
    response=times(bot=(2, "2.5", "14"), human=(1, "100", "100")),
    seen_unanswered=1,
    handoffs={"talk_to_person": 1},
    conversions=1,
    opt_outs=1,
)
DAY_2 = ConversationMetrics(
    day=D2,
    messages_in=3,
    messages_out_bot=1,
    messages_out_human=2,
    conversations_responding=2,
    first_response=times(bot=(1, "5", "5"), human=(1, "1800", "1800")),
    response=times(bot=(1, "5", "5"), human=(2, "30", "1800")),
    seen_unanswered=1,
    handoffs={"processing_failed": 1},
    conversions=0,
    opt_outs=1,
)
TOTAL = ConversationMetrics(
    day=None,
    messages_in=7,
    messages_out_bot=4,
    messages_out_human=4,
    conversations_responding=3,
    first_response=times(bot=(2, "2.5", "5"), human=(1, "1800", "1800")),
    response=times(bot=(3, "5", "14"), human=(3, "100", "1800")),
    seen_unanswered=2,
    handoffs={"processing_failed": 1, "talk_to_person": 1},
    conversions=1,
    opt_outs=2,
)


def test_the_figures_of_each_day_and_of_the_period(stored: NewUow) -> None:
    assert read(stored) == {D1: DAY_1, D2: DAY_2, None: TOTAL}


def test_a_read_message_counts_as_unanswered_only_once_its_window_has_passed(
    stored: NewUow,
) -> None:
    early = read(stored, as_of=at(D2, 13))  # C's read reply is 30 min old
    assert (early[D1].seen_unanswered, early[D2].seen_unanswered) == (1, 0)
    hour = read(stored, MetricsQuery(D1, D2, unanswered_window=timedelta(hours=1)))
    # within an hour: A's read message was answered after 100 s; B and C never in time
    assert (hour[D1].seen_unanswered, hour[D2].seen_unanswered) == (1, 1)
    long = read(stored, MetricsQuery(D1, D2, unanswered_window=timedelta(hours=26)))
    assert (long[D1].seen_unanswered, long[D2].seen_unanswered) == (0, 1)


def test_one_day_keeps_to_that_day(stored: NewUow) -> None:
    rows = read(stored, MetricsQuery(D2, D2))
    assert rows[D2] == DAY_2
    assert rows[None] == attrs.evolve(DAY_2, day=None, conversions=0)
    assert D1 not in rows


def test_no_activity_gives_only_an_empty_total(stored: NewUow) -> None:
    assert read(stored, MetricsQuery(date(2025, 1, 1), date(2025, 1, 31))) == {
        None: ConversationMetrics(None)
    }


def test_nothing_stored(new_uow: NewUow) -> None:
    assert read(new_uow) == {None: ConversationMetrics(None)}


# --- campaigns ---------------------------------------------------------------------------------

READER = Actor("lucia", Role.READONLY)


def test_a_campaign_keeps_to_the_conversations_its_template_reached(stored: NewUow) -> None:
    rows = read(stored, MetricsQuery(D1, D2, campaign=str(RUN)))
    assert rows == {
        D1: attrs.evolve(DAY_1, opt_outs=0),  # OTHER's opt-out is not R's
        D2: ConversationMetrics(
            day=D2,
            messages_in=1,
            messages_out_bot=1,
            conversations_responding=1,
            first_response=times(bot=(1, "5", "5")),
            response=times(bot=(1, "5", "5")),
            opt_outs=1,
        ),
        None: ConversationMetrics(
            day=None,
            messages_in=5,
            messages_out_bot=4,
            messages_out_human=2,
            conversations_responding=2,
            first_response=times(bot=(2, "2.5", "5")),
            response=times(bot=(3, "5", "14"), human=(1, "100", "100")),
            seen_unanswered=1,
            handoffs={"talk_to_person": 1},
            conversions=1,
            opt_outs=1,
        ),
    }


def figures(
    day: date | None, sent: int, answered: int, completed: int, opted: int, recovered: int
) -> CampaignFigures:
    return CampaignFigures(
        RUN, day, "dormant", at(D0, 20), sent, answered, completed, opted, recovered
    )


def campaign_rows(new_uow: NewUow, query: MetricsQuery) -> dict[tuple[UUID, date | None], Any]:
    with new_uow() as uow:
        rows = uow.metrics.campaign_metrics(query)
    return {(row.run_id, row.day): row for row in rows}


def test_the_campaign_figures_per_run_and_day(stored: NewUow) -> None:
    assert campaign_rows(stored, QUERY) == {
        (RUN, D1): figures(D1, 2, 1, 1, 0, 1),
        (RUN, D2): figures(D2, 1, 1, 0, 1, 0),
        (RUN, None): figures(None, 3, 2, 1, 1, 1),
    }
    # the old run is there when asked for, with nothing in the period
    old = campaign_rows(stored, MetricsQuery(D1, D2, campaign=str(OLD_RUN)))
    assert old == {
        (OLD_RUN, None): CampaignFigures(OLD_RUN, None, "dormant", at(D0, 8)),
    }
    # D0 holds G's template only (and the old run's creation)
    early = campaign_rows(stored, MetricsQuery(D0, D0))
    assert early[RUN, None] == figures(None, 1, 0, 0, 0, 0)
    assert early[OLD_RUN, None] == CampaignFigures(OLD_RUN, None, "dormant", at(D0, 8))


def test_the_use_cases_with_a_campaign(stored: NewUow, clock: FixedClock) -> None:
    report = campaign_metrics(MetricsQuery(D1, D2), stored(), clock, READER)
    assert [r.run_id for r in report.runs] == [RUN]
    total = report.runs[0].total
    assert (total.sent, total.completed, total.completion_rate) == (3, 1, Decimal("33.3"))
    assert [d.day for d in report.runs[0].days] == [D1, D2]
    assert report.completion_rate == Decimal("33.3")
    unknown = str(UUID(int=7))
    with pytest.raises(NotFound):
        campaign_metrics(MetricsQuery(D1, D2, campaign=unknown), stored(), clock, READER)
    with pytest.raises(NotFound):
        conversation_metrics(MetricsQuery(D1, D2, campaign=unknown), stored(), clock, READER)
