"""Registering an inquiry from each channel: who asks, for when, for how many; refusals name
the command's fields."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from tests.unit.inquiries.builders import AGENT, GUEST_EMAIL, READER, WEB_FORM, World

from perla_core.inquiries import services
from perla_core.inquiries.commands import RegisterInquiry, RegisterWebFormInquiry
from perla_core.inquiries.ports import InquiryUnitOfWork
from perla_core.inquiries.values import (
    Channel,
    Direction,
    HistoryKind,
    InquiryStage,
    MessageKind,
    Party,
    Stay,
)
from perla_core.kernel.errors import InvalidInput, InvalidValue, PerlaError, PermissionDenied
from perla_core.uow import UnitOfWork


def fields_of(error: PerlaError) -> set[str | None]:
    if isinstance(error, InvalidInput):
        return {e.field for e in error.errors}
    return {error.field}


Refused = (InvalidInput, InvalidValue)


def test_an_agent_registers_a_phone_call_that_is_pending_until_answered(world: World) -> None:
    inquiry_id = world.register(notes="Llamó por la tarde; prefiere planta alta.")

    inquiry = world.get(inquiry_id)
    assert inquiry.channel is Channel.PHONE
    assert inquiry.stage is InquiryStage.INQUIRY
    assert inquiry.pending_action
    assert inquiry.guest.name == "Lucía Pérez"
    assert str(inquiry.guest.email) == GUEST_EMAIL
    assert str(inquiry.guest.phone) == "+34600123456"
    assert inquiry.stay == Stay(date(2026, 2, 14), date(2026, 2, 18))
    assert inquiry.party == Party(adults=2, children=0, rooms=1)
    assert inquiry.notes == "Llamó por la tarde; prefiere planta alta."
    [first] = inquiry.messages
    assert (first.direction, first.kind, first.channel, first.author, first.recorded_by) == (
        Direction.INCOMING,
        MessageKind.GUEST_MESSAGE,
        Channel.PHONE,
        "guest",
        "ana.agent",
    )
    assert [(h.kind, h.actor) for h in inquiry.history] == [
        (HistoryKind.REGISTERED, "ana.agent"),
        (HistoryKind.MESSAGE_RECEIVED, "guest"),
    ]
    assert world.topics(inquiry_id) == [
        "inquiries.inquiry_registered",
        "inquiries.guest_message_received",
    ]


def test_each_inquiry_has_a_reference_to_quote_and_a_random_reply_token(world: World) -> None:
    first, second = world.get(world.register()), world.get(world.register())

    assert re.fullmatch(r"C-[0-9A-F]{8}", first.reference)
    assert re.fullmatch(r"[0-9a-f]{12}", first.reply_token)
    assert first.reference != second.reference
    assert first.reply_token != second.reply_token


def test_a_guest_needs_an_email_or_a_phone_to_be_answered(world: World) -> None:
    with pytest.raises(Refused) as refused:
        world.register(guest_email=None, guest_phone="  ")

    assert fields_of(refused.value) == {"guest_email"}


def test_a_phone_alone_is_enough(world: World) -> None:
    inquiry = world.get(world.register(guest_email=None, guest_phone="600 123 456"))

    assert inquiry.guest.email is None
    assert str(inquiry.guest.phone) == "+34600123456"


def test_bad_fields_are_reported_together_by_name(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        world.register(
            guest_name=" ",
            guest_email="lucia@",
            check_in="2026-02-10",
            check_out="2026-02-10",
            adults=0,
            children=-1,
            rooms=0,
            channel="fax",
        )

    assert fields_of(refused.value) == {
        "guest_name",
        "guest_email",
        "check_out",
        "adults",
        "children",
        "rooms",
        "channel",
    }


def test_check_in_is_before_check_out(world: World) -> None:
    with pytest.raises(Refused) as refused:
        world.register(check_in="2026-03-05", check_out="2026-03-01")

    assert fields_of(refused.value) == {"check_out"}


def test_a_check_in_in_the_past_is_refused_at_registration(world: World) -> None:
    # 2026-01-15 09:00 UTC: the 14th is still today west of UTC-9; the 13th is past everywhere.
    with pytest.raises(Refused) as refused:
        world.register(check_in="2026-01-13", check_out="2026-01-16")

    assert fields_of(refused.value) == {"check_in"}
    assert world.get(world.register(check_in="2026-01-14", check_out="2026-01-16")).stay


def test_one_date_without_the_other_is_refused(world: World) -> None:
    with pytest.raises(Refused) as refused:
        world.register(check_in="2026-03-01", check_out=None)

    assert fields_of(refused.value) == {"check_out"}


def test_dates_and_party_may_be_unknown(world: World) -> None:
    inquiry = world.get(world.register(check_in=None, check_out=None, adults=None))

    assert (inquiry.stay, inquiry.party) == (None, None)


def test_children_or_rooms_without_adults_are_refused(world: World) -> None:
    with pytest.raises(Refused) as refused:
        world.register(adults=None, children=2)

    assert fields_of(refused.value) == {"adults"}


def test_a_whatsapp_inquiry_keeps_its_channel_and_its_assignment(world: World) -> None:
    inquiry = world.get(world.register(channel="whatsapp", assigned_to="marta"))

    assert inquiry.channel is Channel.WHATSAPP
    assert inquiry.messages[0].channel is Channel.WHATSAPP
    assert inquiry.assigned_to == "marta"
    assert inquiry.history[-1].kind is HistoryKind.ASSIGNED


def test_the_web_form_registers_an_inquiry_as_the_system_actor(world: World) -> None:
    command = RegisterWebFormInquiry(
        guest_name="John Smith",
        guest_email="john@example.co.uk",
        check_in="2026-07-01",
        check_out="2026-07-08",
        adults="2",
        children="1",
        rooms="1",
        message="Do you have a family room?",
        form="contacto-web",
    )

    inquiry_id = services.register_web_form_inquiry(
        command, world.uow(), world.clock, world.ids, world.secrets, WEB_FORM
    )

    inquiry = world.get(inquiry_id)
    assert inquiry.channel is Channel.WEB_FORM
    assert inquiry.party == Party(2, 1, 1)
    assert inquiry.pending_action
    [message] = inquiry.messages
    assert (message.channel, message.text, message.subject) == (
        Channel.WEB_FORM,
        "Do you have a family room?",
        "contacto-web",
    )
    assert [h.actor for h in inquiry.history] == ["web-form", "guest"]


def test_a_reader_may_look_but_not_register(world: World) -> None:
    inquiry_id = world.register()

    with pytest.raises(PermissionDenied):
        services.register_inquiry(
            RegisterInquiry(guest_name="X", guest_email="x@example.com"),
            world.uow(),
            world.clock,
            world.ids,
            world.secrets,
            READER,
        )
    assert services.get_inquiry(inquiry_id, world.uow(), READER).id == inquiry_id


@pytest.mark.parametrize(
    ("field", "value"),
    [("guest_name", "x" * 201), ("message", "\x00"), ("assigned_to", "a\nb")],
)
def test_text_fields_are_checked(world: World, field: str, value: Any) -> None:
    with pytest.raises(Refused) as refused:
        world.register(**{field: value})

    assert fields_of(refused.value) == {field}


def test_a_long_stay_is_refused(world: World) -> None:
    start = world.now.date() + timedelta(days=1)

    with pytest.raises(Refused) as refused:
        world.register(check_in=start, check_out=start + timedelta(days=366))

    assert fields_of(refused.value) == {"check_out"}


def test_registration_is_kept_only_when_committed(world: World) -> None:
    with pytest.raises(InvalidInput):
        world.register(guest_email="bad", check_in="nope", check_out="2026-03-01")

    assert world.store.inquiries == {}
    assert AGENT.name == "ana.agent"


def as_inquiry_unit_of_work(uow: UnitOfWork) -> InquiryUnitOfWork:
    """mypy checks that the one unit of work serves the inquiry use cases."""
    return uow


def test_the_memory_unit_of_work_serves_the_inquiry_use_cases(world: World) -> None:
    uow = as_inquiry_unit_of_work(world.uow())

    with uow:
        assert uow.inquiries.stage_counts()[0].total == 0
        assert uow.unmatched_emails.by_message_id("<x@y.example>") is None
