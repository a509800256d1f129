"""Quotes and the pipeline: inquiry → quoted → confirmed → booking, or lost / expired from any
open stage; illegal steps say what is allowed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import pytest
from tests.unit.inquiries.builders import AGENT, MAILBOX, World

from perla_core.inquiries import services
from perla_core.inquiries.commands import (
    ConfirmInquiry,
    HandToBooking,
    MarkInquiryExpired,
    MarkInquiryLost,
    QuoteLineInput,
    SendQuote,
)
from perla_core.inquiries.model import INQUIRY_TRANSITIONS
from perla_core.inquiries.values import HistoryKind, InquiryStage, MessageKind
from perla_core.kernel.errors import (
    IllegalTransition,
    InvalidInput,
    InvalidValue,
    PreconditionFailed,
)
from perla_core.kernel.money import Money

S = InquiryStage


def confirm(world: World, inquiry_id: UUID) -> int:
    return services.confirm_inquiry(ConfirmInquiry(inquiry_id), world.uow(), world.clock, AGENT)


def to_booking(world: World, inquiry_id: UUID) -> int:
    return services.hand_to_booking(
        HandToBooking(inquiry_id, "RES-2026-0042"), world.uow(), world.clock, AGENT
    )


def lose(world: World, inquiry_id: UUID, reason: str = "Reservó en otro hotel") -> int:
    return services.mark_inquiry_lost(
        MarkInquiryLost(inquiry_id, reason), world.uow(), world.clock, AGENT
    )


def expire(world: World, inquiry_id: UUID) -> int:
    return services.mark_inquiry_expired(
        MarkInquiryExpired(inquiry_id, "Sin respuesta en 30 días"), world.uow(), world.clock, AGENT
    )


def in_stage(world: World, stage: InquiryStage) -> UUID:
    inquiry_id = world.register()
    steps: dict[InquiryStage, list[Callable[[], object]]] = {
        S.QUOTED: [lambda: world.quote(inquiry_id)],
        S.CONFIRMED: [lambda: world.quote(inquiry_id), lambda: confirm(world, inquiry_id)],
        S.BOOKING: [
            lambda: world.quote(inquiry_id),
            lambda: confirm(world, inquiry_id),
            lambda: to_booking(world, inquiry_id),
        ],
        S.LOST: [lambda: lose(world, inquiry_id)],
        S.EXPIRED: [lambda: expire(world, inquiry_id)],
    }
    for step in steps.get(stage, []):
        step()
    assert world.get(inquiry_id).stage is stage
    return inquiry_id


# --- quotes -------------------------------------------------------------------------------------


def test_sending_a_quote_emails_it_and_moves_the_inquiry_to_quoted(world: World) -> None:
    inquiry_id = world.register()

    quote_id = world.quote(inquiry_id)

    inquiry = world.get(inquiry_id)
    assert inquiry.stage is S.QUOTED
    quote = inquiry.current_quote
    assert quote is not None
    assert quote.id == quote_id
    assert quote.total == Money(Decimal("580.00"), "EUR")
    assert [line.amount for line in quote.lines] == [
        Money.of("480.00", "EUR"),
        Money.of("100.00", "EUR"),
    ]
    assert quote.valid_until == date(2026, 1, 22)
    message = inquiry.messages[-1]
    assert (message.kind, message.about) == (MessageKind.QUOTE, quote_id)
    assert not inquiry.pending_action
    assert [h.kind for h in inquiry.history][-2:] == [
        HistoryKind.QUOTE_SENT,
        HistoryKind.STAGE_CHANGED,
    ]
    assert inquiry.history[-1].summary == "Etapa: Consulta → Presupuestada"
    assert "inquiries.quote_sent" in world.topics(inquiry_id)
    assert world.deliver_emails() == 1
    [email] = world.mailer.sent
    assert "TOTAL" in email.text
    assert "580,00 €" in email.text


def test_a_negative_line_is_refused_naming_the_line_and_the_field(world: World) -> None:
    inquiry_id = world.register()

    with pytest.raises(InvalidInput) as refused:
        world.quote(
            inquiry_id,
            QuoteLineInput("Habitación doble", "120", 4),
            QuoteLineInput("Descuento", "-50"),
        )

    assert [e.field for e in refused.value.errors] == ["lines[1].unit_price"]
    assert world.get(inquiry_id).stage is S.INQUIRY


def test_a_quote_in_two_currencies_is_refused(world: World) -> None:
    inquiry_id = world.register()

    with pytest.raises(InvalidInput) as refused:
        world.quote(
            inquiry_id,
            QuoteLineInput("Habitación doble", "120", 4, "EUR"),
            QuoteLineInput("Traslado", "40", 1, "USD"),
        )

    assert [e.field for e in refused.value.errors] == ["lines[1].currency"]


def test_every_bad_line_field_is_reported(world: World) -> None:
    inquiry_id = world.register()

    with pytest.raises(InvalidInput) as refused:
        world.quote(
            inquiry_id,
            QuoteLineInput(" ", "12.345", 0),
            QuoteLineInput("Cuna", "abc", 1, "XXX"),
        )

    assert [e.field for e in refused.value.errors] == [
        "lines[0].description",
        "lines[0].quantity",
        "lines[0].unit_price",
        "lines[1].unit_price",
    ]


def test_a_free_line_and_a_spanish_decimal_comma_are_fine(world: World) -> None:
    inquiry_id = world.register()

    world.quote(
        inquiry_id,
        QuoteLineInput("Habitación doble", "95,50", 2),
        QuoteLineInput("Botella de cava de bienvenida", "0"),
    )

    quote = world.get(inquiry_id).current_quote
    assert quote is not None
    assert quote.total == Money.of("191.00", "EUR")


def test_a_quote_valid_until_a_past_date_is_refused(world: World) -> None:
    inquiry_id = world.register()

    with pytest.raises(InvalidValue) as refused:
        world.quote(inquiry_id, valid_for=-2 * timedelta(days=1))

    assert refused.value.field == "valid_until"


def test_a_quote_needs_lines(world: World) -> None:
    inquiry_id = world.register()

    with pytest.raises(InvalidInput) as refused:
        services.send_quote(
            SendQuote(inquiry_id, [], "2026-02-01"),
            world.uow(),
            world.clock,
            world.ids,
            AGENT,
            MAILBOX,
        )

    assert refused.value.field == "lines"


def test_a_new_quote_replaces_the_old_one_and_the_history_keeps_both(world: World) -> None:
    inquiry_id = world.register()
    first = world.quote(inquiry_id)

    second = world.quote(inquiry_id, QuoteLineInput("Suite junior (noche)", "180", 4))

    inquiry = world.get(inquiry_id)
    assert [q.id for q in inquiry.quotes] == [first, second]
    assert inquiry.current_quote is not None
    assert inquiry.current_quote.total == Money.of("720", "EUR")
    assert inquiry.stage is S.QUOTED
    quote_entries = [h for h in inquiry.history if h.kind is HistoryKind.QUOTE_SENT]
    assert [h.ref for h in quote_entries] == [first, second]
    assert quote_entries[1].details["replaces"] == str(first)
    assert [h.kind for h in inquiry.history].count(HistoryKind.STAGE_CHANGED) == 1


# --- the pipeline -------------------------------------------------------------------------------


def test_a_confirmation_needs_a_quote(world: World) -> None:
    inquiry_id = world.register()

    with pytest.raises(IllegalTransition) as refused:
        confirm(world, inquiry_id)

    assert refused.value.details["allowed"] == sorted(refused.value.details["allowed"])
    assert "send_quote" in refused.value.details["allowed"]
    assert "confirm" not in refused.value.details["allowed"]
    assert refused.value.field == "status"


def test_the_guest_accepts_a_valid_quote_and_the_inquiry_is_confirmed(world: World) -> None:
    inquiry_id = in_stage(world, S.QUOTED)
    world.clock.advance(timedelta(days=7))  # the last day of validity

    confirm(world, inquiry_id)

    inquiry = world.get(inquiry_id)
    assert inquiry.stage is S.CONFIRMED
    assert inquiry.history[-1].summary == "Etapa: Presupuestada → Confirmada"


def test_an_expired_quote_cannot_be_confirmed(world: World) -> None:
    inquiry_id = in_stage(world, S.QUOTED)
    world.clock.advance(timedelta(days=9))

    with pytest.raises(PreconditionFailed) as refused:
        confirm(world, inquiry_id)

    assert refused.value.field == "valid_until"
    assert world.get(inquiry_id).stage is S.QUOTED


def test_a_confirmed_inquiry_is_handed_to_booking(world: World) -> None:
    inquiry_id = in_stage(world, S.CONFIRMED)

    to_booking(world, inquiry_id)

    inquiry = world.get(inquiry_id)
    assert (inquiry.stage, inquiry.booking_reference) == (S.BOOKING, "RES-2026-0042")
    assert not inquiry.pending_action


@pytest.mark.parametrize("stage", [S.INQUIRY, S.QUOTED, S.CONFIRMED])
def test_an_open_inquiry_can_be_lost_or_expired_with_a_reason(
    world: World, stage: InquiryStage
) -> None:
    lost, expired = in_stage(world, stage), in_stage(world, stage)

    lose(world, lost)
    expire(world, expired)

    assert (world.get(lost).stage, world.get(lost).stage_reason) == (
        S.LOST,
        "Reservó en otro hotel",
    )
    assert world.get(expired).stage is S.EXPIRED
    assert not world.get(lost).pending_action


@pytest.mark.parametrize("stage", [S.BOOKING, S.LOST, S.EXPIRED])
def test_a_closed_inquiry_cannot_be_lost_again(world: World, stage: InquiryStage) -> None:
    inquiry_id = in_stage(world, stage)

    with pytest.raises(IllegalTransition):
        lose(world, inquiry_id)


def test_losing_an_inquiry_needs_a_reason(world: World) -> None:
    inquiry_id = world.register()

    with pytest.raises(InvalidValue) as refused:
        lose(world, inquiry_id, reason="  ")

    assert refused.value.field == "reason"


def test_a_booking_cannot_be_quoted_again(world: World) -> None:
    inquiry_id = in_stage(world, S.CONFIRMED)

    with pytest.raises(IllegalTransition) as refused:
        world.quote(inquiry_id)

    assert "hand_to_booking" in refused.value.details["allowed"]


def test_the_transition_table_names_every_move() -> None:
    assert set(INQUIRY_TRANSITIONS) == {
        "send_quote",
        "confirm",
        "hand_to_booking",
        "mark_lost",
        "mark_expired",
    }
    assert set(INQUIRY_TRANSITIONS["mark_lost"]) == {S.INQUIRY, S.QUOTED, S.CONFIRMED}
