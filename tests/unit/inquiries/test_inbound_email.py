"""E-mail received at the reservations address: a new e-mail opens an inquiry, a reply finds
its inquiry (by In-Reply-To, by References, by the plus-address token, by the subject tag),
nothing is filed twice and nothing is lost."""

from __future__ import annotations

from uuid import UUID

import pytest
from tests.unit.inquiries.builders import AGENT, GUEST_EMAIL, MAILBOX, World

from perla_core.inquiries import services
from perla_core.inquiries.commands import (
    AttachUnmatchedEmail,
    DiscardUnmatchedEmail,
    OpenInquiryFromUnmatchedEmail,
)
from perla_core.inquiries.model import Inquiry, UnmatchedReason, UnmatchedStatus
from perla_core.inquiries.ports import UnmatchedEmailQuery
from perla_core.inquiries.services import EmailReceipt, ReceiptOutcome
from perla_core.inquiries.values import (
    Channel,
    Direction,
    HistoryKind,
    MessageKind,
    ReminderStatus,
)
from perla_core.kernel.errors import IllegalTransition
from perla_core.mail.inbound import InboundAttachment


def answered(world: World) -> Inquiry:
    """An inquiry opened by the guest's e-mail and answered by an agent."""
    receipt = world.receive(world.email())
    assert receipt.inquiry_id is not None
    world.reply(receipt.inquiry_id)
    return world.get(receipt.inquiry_id)


def incoming(inquiry: Inquiry) -> list[str | None]:
    return [m.text for m in inquiry.messages if m.direction is Direction.INCOMING]


# --- new e-mail ---------------------------------------------------------------------------------


def test_a_new_email_becomes_a_new_inquiry_with_the_guest_from_the_sender(world: World) -> None:
    email = world.email(
        attachments=(InboundAttachment(filename="dni.pdf", content_type="application/pdf", size=9),)
    )

    receipt = world.receive(email)

    assert receipt.outcome is ReceiptOutcome.NEW_INQUIRY
    assert receipt.inquiry_id is not None
    inquiry = world.get(receipt.inquiry_id)
    assert inquiry.channel is Channel.EMAIL
    assert (inquiry.guest.name, str(inquiry.guest.email), inquiry.guest.phone) == (
        "Lucía Pérez",
        GUEST_EMAIL,
        None,
    )
    assert inquiry.pending_action
    [message] = inquiry.messages
    assert message.id == receipt.message_ref
    assert (message.message_id, message.subject, message.kind) == (
        email.message_id,
        "Consulta habitación agosto",
        MessageKind.GUEST_MESSAGE,
    )
    assert message.attachments == email.attachments
    assert [(h.kind, h.actor) for h in inquiry.history] == [
        (HistoryKind.REGISTERED, "inbound-mail"),
        (HistoryKind.MESSAGE_RECEIVED, "guest"),
    ]


def test_a_sender_without_a_display_name_is_named_by_their_address(world: World) -> None:
    receipt = world.receive(world.email(sender="jsmith@example.org", sender_name=None))

    assert receipt.inquiry_id is not None
    assert world.get(receipt.inquiry_id).guest.name == "jsmith"


def test_the_same_message_id_received_twice_is_filed_once(world: World) -> None:
    email = world.email()

    first = world.receive(email)
    again = world.receive(email)

    assert again == first
    assert len(world.store.inquiries) == 1
    assert first.inquiry_id is not None
    assert len(world.get(first.inquiry_id).messages) == 1


def test_a_repeated_reply_is_filed_once_and_gives_the_same_receipt(world: World) -> None:
    inquiry = answered(world)
    reply = world.reply_email(inquiry)

    first = world.receive(reply)
    again = world.receive(reply)

    assert again == first
    assert first.outcome is ReceiptOutcome.MATCHED
    assert incoming(world.get(inquiry.id)).count(reply.text) == 1


def test_a_copy_of_an_email_perla_sent_changes_nothing(world: World) -> None:
    inquiry = answered(world)
    ours = inquiry.messages[-1]
    assert ours.message_id is not None
    copy = world.email(message_id=ours.message_id, sender=MAILBOX.address)

    receipt = world.receive(copy)

    assert receipt == EmailReceipt(ReceiptOutcome.OWN_MESSAGE, inquiry.id, ours.id)
    assert world.get(inquiry.id).version == inquiry.version


# --- replies ------------------------------------------------------------------------------------


def test_a_reply_is_matched_by_in_reply_to(world: World) -> None:
    inquiry = answered(world)

    receipt = world.receive(world.reply_email(inquiry, references=()))

    assert (receipt.outcome, receipt.inquiry_id, receipt.matched_by) == (
        ReceiptOutcome.MATCHED,
        inquiry.id,
        "in_reply_to",
    )
    after = world.get(inquiry.id)
    assert after.pending_action
    assert after.messages[-1].kind is MessageKind.GUEST_MESSAGE
    assert len(world.store.inquiries) == 1


def test_a_reply_is_matched_by_references_only(world: World) -> None:
    inquiry = answered(world)
    ours = inquiry.messages[-1].message_id
    assert ours is not None

    receipt = world.receive(
        world.email(
            subject="Otra pregunta",
            in_reply_to="<unknown@elsewhere.example>",
            references=("<older@elsewhere.example>", ours, "<unknown@elsewhere.example>"),
        )
    )

    assert (receipt.inquiry_id, receipt.matched_by) == (inquiry.id, "references")


def test_a_reply_is_matched_by_a_message_id_perla_received(world: World) -> None:
    inquiry = answered(world)
    guests_first = inquiry.messages[0].message_id
    assert guests_first is not None

    receipt = world.receive(world.email(subject="Re: mi consulta", in_reply_to=guests_first))

    assert (receipt.inquiry_id, receipt.matched_by) == (inquiry.id, "in_reply_to")


def test_a_reply_without_headers_is_matched_by_the_plus_address_token(world: World) -> None:
    inquiry = answered(world)

    receipt = world.receive(
        world.email(
            subject="Mi respuesta",
            to=(f"reservas+{inquiry.reply_token.upper()}@hotelplayavictoria.es",),
        )
    )

    assert (receipt.inquiry_id, receipt.matched_by) == (inquiry.id, "reply_token")


def test_a_new_email_with_the_subject_tag_joins_its_inquiry(world: World) -> None:
    inquiry = answered(world)

    receipt = world.receive(
        world.email(
            subject=f"Cambio de fechas [{inquiry.reference.lower()}]", to=(MAILBOX.address,)
        )
    )

    assert (receipt.inquiry_id, receipt.matched_by) == (inquiry.id, "subject_tag")


def test_a_reply_that_matches_nothing_is_kept_for_an_agent(world: World) -> None:
    answered(world)

    receipt = world.receive(
        world.email(subject="Re: reserva", in_reply_to="<lost@other-hotel.example>")
    )

    assert receipt.outcome is ReceiptOutcome.UNMATCHED
    assert receipt.unmatched_id is not None
    assert len(world.store.inquiries) == 1
    page = services.list_unmatched_emails(UnmatchedEmailQuery(), world.uow(), AGENT)
    [kept] = page.items
    assert (kept.id, kept.reason, kept.status) == (
        receipt.unmatched_id,
        UnmatchedReason.NO_MATCH,
        UnmatchedStatus.OPEN,
    )
    assert kept.email.text == "Hola, ¿tienen habitación del 1 al 5 de agosto?"


@pytest.mark.parametrize("subject", ["Re: habitación", "RE: habitación", "RV: reserva", "Fwd: x"])
def test_a_reply_subject_with_no_headers_and_no_match_is_kept(world: World, subject: str) -> None:
    receipt = world.receive(world.email(subject=subject))

    assert receipt.outcome is ReceiptOutcome.UNMATCHED
    assert world.store.inquiries == {}


def test_an_unmatched_email_received_again_is_kept_once(world: World) -> None:
    email = world.email(subject="Re: algo")

    assert world.receive(email) == world.receive(email)
    assert len(world.store.unmatched_emails) == 1


def test_a_sender_that_is_not_an_address_is_kept_not_lost(world: World) -> None:
    receipt = world.receive(world.email(sender="MAILER-DAEMON"))

    assert receipt.outcome is ReceiptOutcome.UNMATCHED
    [kept] = world.store.unmatched_emails.values()
    assert kept.reason is UnmatchedReason.INVALID_SENDER


# --- auto-replies -------------------------------------------------------------------------------


def test_an_auto_reply_is_recorded_but_is_not_the_guests_answer(world: World) -> None:
    inquiry = answered(world)
    reminder_id = world.schedule(inquiry.id)

    receipt = world.receive(
        world.reply_email(inquiry, auto_submitted=True, text="Estoy fuera de la oficina.")
    )

    assert receipt.outcome is ReceiptOutcome.MATCHED
    after = world.get(inquiry.id)
    assert after.messages[-1].kind is MessageKind.AUTO_REPLY
    assert not after.pending_action
    assert after.waiting_for_guest
    assert after.reminder(reminder_id).status is ReminderStatus.SCHEDULED
    assert after.history[-1].kind is HistoryKind.AUTO_REPLY_RECEIVED


def test_an_auto_reply_that_matches_nothing_never_opens_an_inquiry(world: World) -> None:
    receipt = world.receive(world.email(subject="Fuera de la oficina", auto_submitted=True))

    assert receipt.outcome is ReceiptOutcome.UNMATCHED
    [kept] = world.store.unmatched_emails.values()
    assert kept.reason is UnmatchedReason.AUTO_REPLY
    assert world.store.inquiries == {}


# --- the unmatched inbox ------------------------------------------------------------------------


def kept_reply(world: World) -> UUID:
    receipt = world.receive(world.email(subject="Re: presupuesto", text="Acepto el presupuesto"))
    assert receipt.unmatched_id is not None
    return receipt.unmatched_id


def test_an_agent_attaches_an_unmatched_email_to_its_inquiry(world: World) -> None:
    inquiry = answered(world)
    reminder_id = world.schedule(inquiry.id)
    unmatched_id = kept_reply(world)

    message_ref = services.attach_unmatched_email(
        AttachUnmatchedEmail(unmatched_id, inquiry.id), world.uow(), world.clock, world.ids, AGENT
    )

    after = world.get(inquiry.id)
    message = after.message(message_ref)
    assert (message.text, message.matched_by, message.recorded_by) == (
        "Acepto el presupuesto",
        "agent",
        "ana.agent",
    )
    assert after.pending_action
    assert after.reminder(reminder_id).status is ReminderStatus.CANCELLED
    kept = services.get_unmatched_email(unmatched_id, world.uow(), AGENT)
    assert (kept.status, kept.inquiry_id, kept.resolved_by) == (
        UnmatchedStatus.ATTACHED,
        inquiry.id,
        "ana.agent",
    )
    assert services.list_unmatched_emails(UnmatchedEmailQuery(), world.uow(), AGENT).total == 0
    # the same e-mail delivered again now belongs to the inquiry
    again = world.receive(kept.email)
    assert (again.outcome, again.inquiry_id, again.matched_by) == (
        ReceiptOutcome.MATCHED,
        inquiry.id,
        "agent",
    )


def test_an_agent_opens_a_new_inquiry_from_an_unmatched_email(world: World) -> None:
    unmatched_id = kept_reply(world)

    inquiry_id = services.open_inquiry_from_unmatched_email(
        OpenInquiryFromUnmatchedEmail(unmatched_id, guest_name="Lucía Pérez Gil"),
        world.uow(),
        world.clock,
        world.ids,
        world.secrets,
        AGENT,
    )

    inquiry = world.get(inquiry_id)
    assert (inquiry.channel, inquiry.guest.name, incoming(inquiry)) == (
        Channel.EMAIL,
        "Lucía Pérez Gil",
        ["Acepto el presupuesto"],
    )
    kept = services.get_unmatched_email(unmatched_id, world.uow(), AGENT)
    assert (kept.status, kept.inquiry_id) == (UnmatchedStatus.ATTACHED, inquiry_id)
    assert world.topics(unmatched_id) == [
        "inquiries.unmatched_email_kept",
        "inquiries.unmatched_email_attached",
    ]


def test_an_agent_discards_an_unmatched_email_once(world: World) -> None:
    unmatched_id = kept_reply(world)
    discard = DiscardUnmatchedEmail(unmatched_id, "spam")

    services.discard_unmatched_email(discard, world.uow(), world.clock, AGENT)

    with pytest.raises(IllegalTransition):
        services.discard_unmatched_email(discard, world.uow(), world.clock, AGENT)
    query = UnmatchedEmailQuery(status=UnmatchedStatus.DISCARDED)
    [kept] = services.list_unmatched_emails(query, world.uow(), AGENT).items
    assert kept.discard_reason == "spam"
