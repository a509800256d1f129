"""The lists (pending action first, then the newest activity), the count beside each stage,
and the History tab: every message and action, in order, with who did it and when."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID, uuid4

import pytest
from tests.unit.inquiries.builders import AGENT, READER, World

from perla_core.inquiries import services
from perla_core.inquiries.commands import (
    AddInquiryNote,
    AssignInquiry,
    ConfirmInquiry,
    HandToBooking,
    MarkInquiryLost,
    UpdateInquiryDetails,
)
from perla_core.inquiries.ports import InquiryQuery, StageCount
from perla_core.inquiries.values import Channel, HistoryKind, InquiryStage, Party, Stay
from perla_core.kernel.errors import (
    IllegalTransition,
    InvalidInput,
    PermissionDenied,
    StaleVersion,
)
from perla_core.kernel.pagination import PageRequest

S = InquiryStage
HOUR = timedelta(hours=1)


def listed(world: World, **filters: object) -> list[UUID]:
    query = InquiryQuery(**filters)  # type: ignore[arg-type]
    return [i.id for i in services.list_inquiries(query, world.uow(), READER).items]


def test_pending_inquiries_come_first_then_the_newest_activity(world: World) -> None:
    old_pending = world.register(guest_name="Ana")
    world.clock.advance(HOUR)
    answered = world.register(guest_name="Berta")
    world.clock.advance(HOUR)
    new_pending = world.register(guest_name="Carla")
    world.clock.advance(HOUR)
    world.reply(answered)  # the newest activity of all, but no longer pending

    assert listed(world) == [new_pending, old_pending, answered]
    assert listed(world, pending_only=True) == [new_pending, old_pending]


def test_a_guests_answer_brings_an_inquiry_back_to_the_top(world: World) -> None:
    receipt = world.receive(world.email())
    assert receipt.inquiry_id is not None
    first = receipt.inquiry_id
    world.reply(first)
    world.clock.advance(HOUR)
    other = world.register()
    world.clock.advance(HOUR)

    world.receive(world.reply_email(world.get(first)))

    assert listed(world) == [first, other]


def test_lists_filter_by_stage_channel_agent_client_and_text(world: World) -> None:
    client = uuid4()
    phone = world.register(guest_name="Íñigo Sáez", assigned_to="marta", client_id=client)
    receipt = world.receive(world.email(sender="jsmith@example.org", sender_name="John Smith"))
    assert receipt.inquiry_id is not None
    emailed = receipt.inquiry_id
    world.quote(emailed)
    reference = world.get(emailed).reference

    assert listed(world, stage=S.QUOTED) == [emailed]
    assert listed(world, channel=Channel.PHONE) == [phone]
    assert listed(world, assigned_to="marta") == [phone]
    assert listed(world, client_id=client) == [phone]
    assert listed(world, text="inigo saez") == [phone]
    assert listed(world, text="JSMITH@") == [emailed]
    assert listed(world, text=reference.lower()) == [emailed]
    assert listed(world, text="nadie") == []


def test_lists_come_a_page_at_a_time(world: World) -> None:
    made = []
    for _ in range(5):
        made.append(world.register())
        world.clock.advance(HOUR)

    page = services.list_inquiries(
        InquiryQuery(page=PageRequest(limit=2, offset=2)), world.uow(), READER
    )

    assert [i.id for i in page.items] == list(reversed(made))[2:4]
    assert (page.total, page.has_more) == (5, True)


def test_each_stage_shows_its_count_and_how_many_are_pending(world: World) -> None:
    world.register()
    answered = world.register()
    world.reply(answered)
    quoted = world.register()
    world.quote(quoted)
    lost = world.register()
    services.mark_inquiry_lost(MarkInquiryLost(lost, "Precio"), world.uow(), world.clock, AGENT)
    receipt = world.receive(world.email())
    assert receipt.inquiry_id is not None
    world.quote(receipt.inquiry_id)
    world.receive(world.reply_email(world.get(receipt.inquiry_id)))

    counts = services.inquiry_stage_counts(world.uow(), READER)

    assert counts == [
        StageCount(S.INQUIRY, total=2, pending=1),
        StageCount(S.QUOTED, total=2, pending=1),
        StageCount(S.CONFIRMED, total=0, pending=0),
        StageCount(S.BOOKING, total=0, pending=0),
        StageCount(S.LOST, total=1, pending=0),
        StageCount(S.EXPIRED, total=0, pending=0),
    ]


def test_the_history_tab_tells_the_whole_story_in_order(world: World) -> None:
    receipt = world.receive(world.email())
    assert receipt.inquiry_id is not None
    inquiry_id = receipt.inquiry_id
    services.assign_inquiry(AssignInquiry(inquiry_id, "marta"), world.uow(), world.clock, AGENT)
    world.clock.advance(HOUR)
    world.reply(inquiry_id)
    world.schedule(inquiry_id, timedelta(days=1))
    world.clock.advance(timedelta(days=1))
    world.tick()
    world.clock.advance(HOUR)
    world.quote(inquiry_id)
    reminder = world.schedule(inquiry_id, timedelta(days=2))
    world.clock.advance(HOUR)
    world.receive(world.reply_email(world.get(inquiry_id), text="Acepto el presupuesto."))
    services.add_inquiry_note(
        AddInquiryNote(inquiry_id, "Pide cama supletoria."), world.uow(), world.clock, AGENT
    )
    services.confirm_inquiry(ConfirmInquiry(inquiry_id), world.uow(), world.clock, AGENT)
    services.hand_to_booking(HandToBooking(inquiry_id), world.uow(), world.clock, AGENT)

    history = world.get(inquiry_id).history

    assert [(h.kind, h.actor) for h in history] == [
        (HistoryKind.REGISTERED, "inbound-mail"),
        (HistoryKind.MESSAGE_RECEIVED, "guest"),
        (HistoryKind.ASSIGNED, "ana.agent"),
        (HistoryKind.REPLY_SENT, "ana.agent"),
        (HistoryKind.REMINDER_SCHEDULED, "ana.agent"),
        (HistoryKind.REMINDER_SENT, "system"),
        (HistoryKind.QUOTE_SENT, "ana.agent"),
        (HistoryKind.STAGE_CHANGED, "ana.agent"),
        (HistoryKind.REMINDER_SCHEDULED, "ana.agent"),
        (HistoryKind.MESSAGE_RECEIVED, "guest"),
        (HistoryKind.REMINDER_CANCELLED, "system"),
        (HistoryKind.NOTE_ADDED, "ana.agent"),
        (HistoryKind.STAGE_CHANGED, "ana.agent"),
        (HistoryKind.STAGE_CHANGED, "ana.agent"),
    ]
    assert [h.seq for h in history] == list(range(1, len(history) + 1))
    moments = [h.at for h in history]
    assert moments == sorted(moments)
    assert history[5].at == world.get(inquiry_id).created_at + timedelta(days=1, hours=1)
    assert history[10].ref == reminder
    assert history[11].details == {"text": "Pide cama supletoria."}
    assert [h.summary for h in history[-2:]] == [
        "Etapa: Presupuestada → Confirmada",
        "Etapa: Confirmada → Reserva",
    ]


def test_assigning_again_to_the_same_agent_changes_nothing(world: World) -> None:
    inquiry_id = world.register(assigned_to="marta")
    version = world.get(inquiry_id).version

    again = services.assign_inquiry(
        AssignInquiry(inquiry_id, "marta"), world.uow(), world.clock, AGENT
    )
    unassigned = services.assign_inquiry(
        AssignInquiry(inquiry_id, None), world.uow(), world.clock, AGENT
    )

    assert (again, unassigned) == (version, version + 1)
    assert world.get(inquiry_id).assigned_to is None
    assert world.get(inquiry_id).history[-1].summary == "Sin asignar"


def test_details_are_corrected_while_the_inquiry_is_open(world: World) -> None:
    receipt = world.receive(world.email())
    assert receipt.inquiry_id is not None
    inquiry_id = receipt.inquiry_id

    services.update_inquiry_details(
        UpdateInquiryDetails(
            inquiry_id,
            guest_phone="+34 600 123 456",
            check_in="2026-08-01",
            check_out="2026-08-05",
            adults=2,
            children=1,
            notes="Aniversario",
        ),
        world.uow(),
        world.clock,
        AGENT,
    )

    inquiry = world.get(inquiry_id)
    assert str(inquiry.guest.phone) == "+34600123456"
    assert inquiry.guest.name == "Lucía Pérez"
    assert inquiry.stay is not None
    assert inquiry.stay.nights == 4
    assert inquiry.party == Party(2, 1, 1)
    assert inquiry.history[-1].details == {"changed": "guest, notes, party, stay"}


def test_a_guest_keeps_a_way_to_be_answered(world: World) -> None:
    inquiry_id = world.register(guest_phone=None)

    with pytest.raises(InvalidInput) as refused:
        services.update_inquiry_details(
            UpdateInquiryDetails(inquiry_id, guest_email=None), world.uow(), world.clock, AGENT
        )

    assert refused.value.field == "guest_email"


def test_only_the_check_out_may_change_on_a_stay_that_began(world: World) -> None:
    inquiry_id = world.register(check_in="2026-01-16", check_out="2026-01-18")
    world.clock.advance(timedelta(days=3))

    services.update_inquiry_details(
        UpdateInquiryDetails(inquiry_id, check_out="2026-01-20"), world.uow(), world.clock, AGENT
    )

    assert world.get(inquiry_id).stay == Stay(date(2026, 1, 16), date(2026, 1, 20))


def test_a_closed_inquiry_keeps_its_details(world: World) -> None:
    inquiry_id = world.register()
    services.mark_inquiry_lost(
        MarkInquiryLost(inquiry_id, "Precio"), world.uow(), world.clock, AGENT
    )

    with pytest.raises(IllegalTransition):
        services.update_inquiry_details(
            UpdateInquiryDetails(inquiry_id, notes="x"), world.uow(), world.clock, AGENT
        )


def test_an_edit_from_a_stale_version_is_refused(world: World) -> None:
    inquiry_id = world.register()
    seen = world.get(inquiry_id).version
    world.reply(inquiry_id)

    with pytest.raises(StaleVersion):
        services.add_inquiry_note(
            AddInquiryNote(inquiry_id, "nota", expected_version=seen),
            world.uow(),
            world.clock,
            AGENT,
        )


def test_readers_read_and_agents_write(world: World) -> None:
    inquiry_id = world.register()

    with pytest.raises(PermissionDenied):
        services.add_inquiry_note(AddInquiryNote(inquiry_id, "x"), world.uow(), world.clock, READER)
    assert services.inquiry_stage_counts(world.uow(), READER)[0].total == 1
