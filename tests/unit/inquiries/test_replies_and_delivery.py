"""Answering the guest: the reply is stored with its threading headers, written to the
outbox, and sent once by the handler through the Mailer, however often it is delivered."""

from __future__ import annotations

from uuid import UUID

import attrs
import pytest
from tests.unit.inquiries.builders import AGENT, GUEST_EMAIL, MAILBOX, World

from perla_core.access.model import SYSTEM
from perla_core.inquiries import services
from perla_core.inquiries.commands import LogCall, ReplyToInquiry
from perla_core.inquiries.delivery import EMAIL_HANDLER, EMAIL_TOPIC, email_inquiry_message
from perla_core.inquiries.values import DeliveryStatus, HistoryKind, InquiryMailbox, MessageKind
from perla_core.kernel.errors import InvalidValue, PreconditionFailed
from perla_core.mail import MailUnavailable, make_message_id
from perla_core.outbox import OutboxStatus, deliver_outbox_message


def emailed_inquiry(world: World) -> UUID:
    receipt = world.receive(world.email())
    assert receipt.inquiry_id is not None
    return receipt.inquiry_id


def test_a_reply_threads_under_the_guests_latest_email(world: World) -> None:
    inquiry_id = emailed_inquiry(world)
    guests = world.get(inquiry_id).messages[0]

    message_ref = world.reply(inquiry_id, "Buenos días, Lucía:\n\nSí, tenemos disponibilidad.")

    inquiry = world.get(inquiry_id)
    message = inquiry.message(message_ref)
    assert message.message_id == make_message_id("inquiry-message", message_ref, MAILBOX.domain)
    assert message.in_reply_to == guests.message_id
    assert message.references == (guests.message_id,)
    assert message.subject == f"Re: Consulta habitación agosto [{inquiry.reference}]"
    assert message.reply_to == f"reservas+{inquiry.reply_token}@hotelplayavictoria.es"
    assert (message.sender, message.to) == (MAILBOX.address, (GUEST_EMAIL,))
    assert message.delivery is DeliveryStatus.QUEUED
    assert not inquiry.pending_action
    entry = inquiry.history[-1]
    assert (entry.kind, entry.actor, entry.ref) == (
        HistoryKind.REPLY_SENT,
        "ana.agent",
        message_ref,
    )
    assert world.topics(inquiry_id)[-1] == "inquiries.email_queued"


def test_the_thread_grows_with_every_message(world: World) -> None:
    inquiry_id = emailed_inquiry(world)
    world.reply(inquiry_id)
    answer = world.reply_email(world.get(inquiry_id))
    world.receive(
        attrs.evolve(answer, references=("<earlier@mail.example.com>", *answer.references))
    )

    second = world.reply(inquiry_id, "Sí, tenemos cunas.")

    inquiry = world.get(inquiry_id)
    ids = [m.message_id for m in inquiry.messages if m.message_id]
    message = inquiry.message(second)
    assert message.in_reply_to == ids[2]
    assert message.references == ("<earlier@mail.example.com>", *ids[:3])
    assert message.subject == f"Re: Consulta habitación agosto [{inquiry.reference}]"


def test_an_agent_may_choose_the_subject_and_the_tag_is_kept(world: World) -> None:
    inquiry_id = emailed_inquiry(world)

    message_ref = services.reply_to_inquiry(
        ReplyToInquiry(inquiry_id, "Texto", subject="Disponibilidad en agosto"),
        world.uow(),
        world.clock,
        world.ids,
        AGENT,
        MAILBOX,
    )

    inquiry = world.get(inquiry_id)
    assert inquiry.message(message_ref).subject == f"Disponibilidad en agosto [{inquiry.reference}]"


def test_a_guest_without_email_is_answered_by_phone_not_by_email(world: World) -> None:
    inquiry_id = world.register(guest_email=None)

    with pytest.raises(PreconditionFailed) as refused:
        world.reply(inquiry_id)
    services.log_call(
        LogCall(inquiry_id, "outgoing", "Le confirmé disponibilidad"),
        world.uow(),
        world.clock,
        world.ids,
        AGENT,
    )

    assert refused.value.field == "guest_email"
    inquiry = world.get(inquiry_id)
    assert not inquiry.pending_action
    assert inquiry.history[-1].kind is HistoryKind.CALL_LOGGED


def test_a_call_direction_is_incoming_or_outgoing(world: World) -> None:
    inquiry_id = world.register()

    with pytest.raises(InvalidValue) as refused:
        services.log_call(
            LogCall(inquiry_id, "sideways"), world.uow(), world.clock, world.ids, AGENT
        )

    assert refused.value.field == "direction"


def test_an_empty_reply_is_refused(world: World) -> None:
    inquiry_id = world.register()

    with pytest.raises(InvalidValue) as refused:
        world.reply(inquiry_id, "  ")

    assert refused.value.field == "text"


# --- the outbox handler -------------------------------------------------------------------------


def test_the_handler_sends_the_reply_as_stored_and_marks_it_sent(world: World) -> None:
    inquiry_id = emailed_inquiry(world)
    message_ref = world.reply(inquiry_id, "Sí, tenemos disponibilidad.")

    assert world.deliver_emails() == 1

    stored = world.get(inquiry_id).message(message_ref)
    [email] = world.mailer.sent
    assert (email.message_id, email.in_reply_to, email.references, email.reply_to) == (
        stored.message_id,
        stored.in_reply_to,
        stored.references,
        stored.reply_to,
    )
    assert (email.sender, email.sender_name, email.to) == (
        MAILBOX.address,
        MAILBOX.display_name,
        (GUEST_EMAIL,),
    )
    assert email.text.startswith("Sí, tenemos disponibilidad.\n\n-- \n")
    assert email.html is not None
    assert "<p>Sí, tenemos disponibilidad.</p>" in email.html
    assert (stored.delivery, stored.sent_at) == (DeliveryStatus.SENT, world.now)
    assert world.topics(inquiry_id)[-1] == "inquiries.email_sent"


def test_a_redelivered_event_never_sends_twice(world: World) -> None:
    inquiry_id = emailed_inquiry(world)
    message_ref = world.reply(inquiry_id)
    [event] = [m for m in world.store.outbox.values() if m.topic == EMAIL_TOPIC]
    registry = world.handlers()

    first = deliver_outbox_message(event.id, world.uow(), registry, world.clock)
    done = deliver_outbox_message(event.id, world.uow(), registry, world.clock)
    # a lease expired and the relay offers the message again
    world.store.outbox[event.id] = attrs.evolve(event, status=OutboxStatus.PENDING)
    again = deliver_outbox_message(event.id, world.uow(), registry, world.clock)
    direct = email_inquiry_message(inquiry_id, message_ref, world.uow(), world.mailer, world.clock)

    assert (first, done, again, direct) == ([EMAIL_HANDLER], [], [], False)
    assert world.mailer.attempts == 1


def test_a_handler_run_again_after_a_lost_record_finds_the_email_sent(world: World) -> None:
    inquiry_id = emailed_inquiry(world)
    message_ref = world.reply(inquiry_id)

    assert email_inquiry_message(inquiry_id, message_ref, world.uow(), world.mailer, world.clock)
    assert not email_inquiry_message(
        inquiry_id, message_ref, world.uow(), world.mailer, world.clock
    )
    assert world.mailer.attempts == 1


def test_while_the_mail_server_is_down_the_reply_waits_and_is_sent_later(world: World) -> None:
    inquiry_id = emailed_inquiry(world)
    message_ref = world.reply(inquiry_id)
    [event] = [m for m in world.store.outbox.values() if m.topic == EMAIL_TOPIC]
    world.mailer.fail_next()

    with pytest.raises(MailUnavailable):
        deliver_outbox_message(event.id, world.uow(), world.handlers(), world.clock)

    assert world.get(inquiry_id).message(message_ref).delivery is DeliveryStatus.QUEUED
    assert world.store.outbox[event.id].status is OutboxStatus.PENDING
    assert deliver_outbox_message(event.id, world.uow(), world.handlers(), world.clock) == [
        EMAIL_HANDLER
    ]
    assert world.get(inquiry_id).message(message_ref).delivery is DeliveryStatus.SENT
    assert len(world.mailer.sent) == 1


def test_the_email_to_send_is_read_only_for_the_system(world: World) -> None:
    inquiry_id = emailed_inquiry(world)
    message_ref = world.reply(inquiry_id)

    email = services.inquiry_email_to_send(inquiry_id, message_ref, world.uow(), SYSTEM)

    assert email is not None
    assert email.subject.startswith("Re: ")
    assert services.mark_inquiry_email_sent(
        inquiry_id, message_ref, world.uow(), world.clock, SYSTEM
    )
    assert services.inquiry_email_to_send(inquiry_id, message_ref, world.uow(), SYSTEM) is None


def test_a_strange_message_id_from_the_guest_is_left_out_of_the_headers(world: World) -> None:
    receipt = world.receive(world.email(message_id="<weird id@[10.0.0.1]>"))
    assert receipt.inquiry_id is not None

    message_ref = world.reply(receipt.inquiry_id)

    message = world.get(receipt.inquiry_id).message(message_ref)
    assert (message.in_reply_to, message.references) == (None, ())
    assert world.deliver_emails() == 1


def test_the_mailbox_must_be_a_plain_address() -> None:
    with pytest.raises(InvalidValue) as refused:
        InquiryMailbox("reservas+x@hotel.es")

    assert refused.value.field == "address"
    assert MAILBOX.reply_to("abc") == "reservas+abc@hotelplayavictoria.es"


def test_reminder_and_quote_messages_are_kinds_of_their_own(world: World) -> None:
    inquiry_id = emailed_inquiry(world)
    world.quote(inquiry_id)

    kinds = [m.kind for m in world.get(inquiry_id).messages]

    assert kinds == [MessageKind.GUEST_MESSAGE, MessageKind.QUOTE]
