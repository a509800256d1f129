"""The outbox handlers of the conversations area: sending a queued WhatsApp message
(:class:`MessageQueued`, handler ``whatsapp.send``) and telling the operators about a handoff
(:class:`HandoffRequested`, handler ``conversations.notify_operators``).

Both run after the transaction that queued their work, outside any transaction of their own
while they talk to the provider. A message refused for good (the 24-hour window closed, the
provider rejected it, no sender known) is recorded FAILED with the reason and not retried;
an unavailable provider raises, the message stays queued and the outbox retries it. A message
that already has a provider id is never sent again.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Any, Final
from uuid import UUID

from perla_core.conversations.events import HandoffRequested, MessageQueued
from perla_core.conversations.model import (
    BOT,
    Conversation,
    Direction,
    HandoffRecord,
)
from perla_core.conversations.ports import ConversationUnitOfWork
from perla_core.conversations.services import contact_key
from perla_core.gateways.errors import ExternalAuthenticationFailed, ExternalRejected
from perla_core.kernel.errors import InvalidValue, NotFound, StaleVersion
from perla_core.kernel.ports import Clock
from perla_core.mail import Mailer, OutgoingEmail, make_message_id
from perla_core.messaging import Messenger, OutsideWindow, TemplateMessage, TextMessage
from perla_core.outbox import HandlerRegistry, OutboxMessage

SEND_TOPIC: Final = MessageQueued.event_name
"""``conversations.message_queued``."""
SEND_HANDLER: Final = "whatsapp.send"
"""The sender's stable name (it keys the idempotency records: never rename it)."""
NOTIFY_TOPIC: Final = HandoffRequested.event_name
"""``conversations.handoff_requested``."""
NOTIFY_HANDLER: Final = "conversations.notify_operators"
"""The notifier's stable name (never rename it)."""

_ATTEMPTS = 5
_LAST_MESSAGES = 8

REASONS: Final = {
    "talk_to_person": "pidió hablar con una persona",
    "complaint": "tiene un reclamo",
    "not_a_purchase": "no es una consulta de compra",
    "misunderstood": "el bot no lo entendió",
    "operator": "un operador tomó la conversación",
}


def reason_label(reason: str) -> str:
    """A handoff reason in the operators' words (Rioplatense Spanish)."""
    if reason.startswith("hook_failed"):
        _, _, hook = reason.partition(":")
        return f"falló una consulta automática{f' ({hook})' if hook else ''}"
    return REASONS.get(reason, reason)


def _update(
    conversation_id: UUID,
    uow: ConversationUnitOfWork,
    change: Callable[[Conversation], None],
) -> None:
    for attempt in range(_ATTEMPTS):
        try:
            with uow:
                conversation = uow.conversations.get_by_id(conversation_id)
                change(conversation)
                uow.conversations.save(conversation)
                uow.commit()
            return
        except StaleVersion:  # the contact's events were being processed: again
            if attempt == _ATTEMPTS - 1:
                raise


UNKNOWN_OUTCOME: Final = (
    "interrupted: an earlier send began and its outcome is unknown (a worker stopped while "
    "the provider answered); not sent again so the contact is never messaged twice"
)


def send_queued_message(
    conversation_id: UUID,
    message_id: UUID,
    uow: ConversationUnitOfWork,
    messenger: Messenger,
    clock: Clock,
) -> bool:
    """Send the conversation's queued message if it still waits; whether it was sent.

    A template (a business-initiated message: a campaign's survey) is sent at most once: the
    start of the send is recorded first, and a delivery that finds an earlier send started and
    never finished (a worker killed while the provider was answering) marks the template failed
    with the outcome unknown instead of sending it again — Zenvia has no idempotency key, so a
    retry could message the client twice. A send the provider refused or could not take (an
    error, an outage) clears the mark, so the outbox's retry sends it. Other messages (answers
    inside the 24-hour window) are sent again on a retry: a rare duplicate reply is better than
    a lost one.
    """
    with uow:
        conversation = uow.conversations.get_by_id(conversation_id)
        message = conversation.message(message_id)
        content = message.content
        if message.direction is not Direction.OUTBOUND or not message.waiting or content is None:
            return False
        to, sender, window = (
            conversation.contact,
            conversation.sender,
            conversation.last_inbound_at,
        )
        once = isinstance(content, TemplateMessage)
        interrupted = once and message.send_started_at is not None
    if sender is None:
        reason = "no se sabe desde qué número de perla escribirle al contacto"
        _update(conversation_id, uow, lambda c: c.mark_failed(message_id, reason, clock.now()))
        return False
    if interrupted:
        _update(
            conversation_id,
            uow,
            lambda c: c.mark_failed(message_id, UNKNOWN_OUTCOME, clock.now()),
        )
        return False
    if once:
        _update(conversation_id, uow, lambda c: c.mark_sending(message_id, clock.now()))
    try:
        sent = messenger.send(
            content, to=to, from_=sender, external_id=str(message_id), last_inbound_at=window
        )
    except ExternalAuthenticationFailed:
        if once:
            _update(conversation_id, uow, lambda c: c.mark_sending(message_id, None))
        raise  # perla's token: a configuration to fix, then the retry goes
    except (OutsideWindow, ExternalRejected, InvalidValue) as error:
        failure = f"{error.code}: {error}"
        _update(conversation_id, uow, lambda c: c.mark_failed(message_id, failure, clock.now()))
        return False
    except Exception:
        if once:  # not taken (an outage, a timeout): the outbox's retry sends it
            _update(conversation_id, uow, lambda c: c.mark_sending(message_id, None))
        raise
    _update(
        conversation_id,
        uow,
        lambda c: c.mark_sent(message_id, sent.provider_id, sent.accepted_at),
    )
    return True


def _handoff(conversation: Conversation, handoff_id: UUID) -> HandoffRecord:
    found = next((h for h in conversation.handoffs if h.id == handoff_id), None)
    if found is None:
        raise NotFound("handoff", handoff_id)
    return found


def _who(conversation: Conversation) -> str:
    number = f"+{conversation.contact}"
    return f"{conversation.contact_name} ({number})" if conversation.contact_name else number


def operators_email_text(conversation: Conversation, record: HandoffRecord) -> str:
    lines = [
        f"La conversación de WhatsApp con {_who(conversation)} pasó a los operadores.",
        f"Motivo: {reason_label(record.reason)}.",
        f"Desde: {record.at:%d/%m/%Y %H:%M} (UTC).",
        "",
        "Últimos mensajes:",
    ]
    for m in [m for m in conversation.messages if m.text][-_LAST_MESSAGES:]:
        who = (
            "Cliente"
            if m.direction is Direction.INBOUND
            else ("Bot" if m.author == BOT else m.author)
        )
        lines.append(f"- {who}: {m.text}")
    lines += [
        "",
        "Respondé desde las conversaciones de perla. Mientras la conversación sea de ustedes, "
        "el bot no contesta; cuando terminen, devolvésela al bot.",
    ]
    return "\n".join(lines)


def notify_operators(
    conversation_id: UUID,
    handoff_id: UUID,
    uow: ConversationUnitOfWork,
    mailer: Mailer,
    messenger: Messenger,
    clock: Clock,  # noqa: ARG001 - the handlers' common ports; the notice carries the handoff's time
    *,
    operators_email: str | None,
    operators_whatsapp: str | None,
    sender: str,
    mail_from: str,
) -> None:
    """Tell the operators a conversation is theirs: an e-mail to ``operators_email`` (its
    Message-ID stable per handoff) and/or a WhatsApp message to ``operators_whatsapp`` (sent
    only while that number's own 24-hour window with perla is open; otherwise skipped)."""
    with uow:
        conversation = uow.conversations.get_by_id(conversation_id)
        record = _handoff(conversation, handoff_id)
        window = None
        if operators_whatsapp:
            own = uow.conversations.get(contact_key(operators_whatsapp))
            window = None if own is None else own.last_inbound_at
    label = reason_label(record.reason)
    if operators_email:
        domain = mail_from.rpartition("@")[2]
        mailer.send(
            OutgoingEmail(
                sender=mail_from,
                to=(operators_email,),
                subject=f"WhatsApp: {_who(conversation)} necesita un operador ({label})",
                text=operators_email_text(conversation, record),
                message_id=make_message_id("handoff", handoff_id, domain),
            )
        )
    if operators_whatsapp:
        text = (
            f"Derivación de WhatsApp: {_who(conversation)} {label}. "
            "Respondele desde las conversaciones de perla."
        )
        # only an approved template reaches that number outside its window; the e-mail went
        with suppress(OutsideWindow):
            messenger.send(
                TextMessage(text),
                to=operators_whatsapp,
                from_=sender,
                external_id=f"handoff-{handoff_id}",
                last_inbound_at=window,
            )


def with_conversation_handlers(
    registry: HandlerRegistry,
    *,
    uow: Callable[[], ConversationUnitOfWork],
    messenger: Callable[[], Messenger],
    mailer: Callable[[], Mailer],
    clock: Callable[[], Clock],
    operators_email: str | None,
    operators_whatsapp: str | None,
    sender: str,
    mail_from: str,
) -> HandlerRegistry:
    """``registry`` with ``whatsapp.send`` and ``conversations.notify_operators`` bound to the
    ports' factories (the container's providers)."""

    def send(event: Any, _: OutboxMessage) -> None:
        send_queued_message(event.aggregate_id, event.message_ref, uow(), messenger(), clock())

    def notify(event: Any, _: OutboxMessage) -> None:
        notify_operators(
            event.aggregate_id,
            event.handoff_ref,
            uow(),
            mailer(),
            messenger(),
            clock(),
            operators_email=operators_email,
            operators_whatsapp=operators_whatsapp,
            sender=sender,
            mail_from=mail_from,
        )

    return registry.with_handler(SEND_TOPIC, SEND_HANDLER, send).with_handler(
        NOTIFY_TOPIC, NOTIFY_HANDLER, notify
    )
