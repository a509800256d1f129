"""Use cases of the conversations area.

The webhook calls :func:`accept_event` (as the system actor, in one transaction: the event is
stored once by its id); the ``process_conversation`` actor calls :func:`process_contact`,
which handles the contact's pending events one by one in arrival order, each in its own
transaction under the conversation's row lock, so every event is handled once and in order
even with several workers; the scheduler's sweep asks :func:`pending_contacts`. Operators
read with ``Permission.READ`` and act with ``Permission.WRITE_COMMERCIAL``.

A poison event (one whose handling raises something other than a version conflict) does not
block its contact forever: each failed try is counted on the event, with the error, in a
transaction of its own, and the error is raised again so the actor retries later. At the
:data:`MAX_EVENT_ATTEMPTS`-th failure the event is marked processed with a ``failure``, the
conversation is handed to the operators with reason :data:`PROCESSING_FAILED_REASON` (so a
person sees it) and the contact's later events are handled.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID, uuid5

import attrs

from perla_core.access.model import Actor, Permission
from perla_core.conversations.bot import BotDeps, bot_turn
from perla_core.conversations.model import (
    BOT,
    OPERATOR_REASON,
    Conversation,
    Owner,
)
from perla_core.conversations.ports import (
    ConversationQuery,
    ConversationUnitOfWork,
    ReceivedEvent,
)
from perla_core.conversations.received import (
    MESSAGE,
    STATUS,
    inbound_of,
    payload_of,
    status_of,
)
from perla_core.kernel.errors import AlreadyExists, InvalidValue, NotFound, StaleVersion
from perla_core.kernel.pagination import Page
from perla_core.kernel.ports import Clock, IdGenerator
from perla_core.messaging import (
    InboundMessageEvent,
    MessagingEvent,
    StatusEvent,
    TextMessage,
    check_window,
    normalise_address,
)

_ATTEMPTS = 5
MAX_EVENT_ATTEMPTS = 3
"""Failed tries at one received event before it is given up on and handed to a person."""
PROCESSING_FAILED_REASON = "processing_failed"
"""The handoff reason when the bot could not handle one of the contact's events."""
MAX_ERROR_CHARS = 500


@attrs.frozen
class AcceptedEvent:
    """``new``: ``False`` when this event id was seen before (nothing stored); ``contact``:
    whose conversation to process (``None``: a status of no message perla knows)."""

    new: bool
    contact: str | None


def contact_key(contact: str) -> str:
    """A contact as conversations are keyed: the number without blanks or a leading ``+``."""
    return normalise_address("contact", contact)


# --- the webhook -------------------------------------------------------------------------------


def accept_event(
    event: MessagingEvent, uow: ConversationUnitOfWork, clock: Clock, ids: IdGenerator
) -> AcceptedEvent:
    """Store a webhook event once (by its ``event_id``) for :func:`process_contact`; an
    inbound message from a new contact opens their conversation in the same transaction."""
    for attempt in range(2):
        try:
            return _accept(event, uow, clock, ids)
        except AlreadyExists:  # two first messages of one contact raced to open it
            if attempt:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _accept(
    event: MessagingEvent, uow: ConversationUnitOfWork, clock: Clock, ids: IdGenerator
) -> AcceptedEvent:
    now = clock.now()
    payload = payload_of(event)
    with uow:
        if isinstance(event, InboundMessageEvent):
            contact: str | None = contact_key(event.from_)
            assert contact is not None
            new = uow.received_events.add_if_new(event.event_id, contact, MESSAGE, payload, now)
            if new and uow.conversations.get(contact) is None:
                uow.conversations.add(
                    Conversation.open(
                        ids.new_id(),
                        contact,
                        now,
                        contact_name=event.visitor_name,
                        sender=event.to,
                    )
                )
        else:
            contact = _status_contact(event, uow)
            new = uow.received_events.add_if_new(event.event_id, contact, STATUS, payload, now)
            if new and contact is None:
                uow.received_events.mark_processed(event.event_id, now)
        uow.commit()
    return AcceptedEvent(new, contact)


def _status_contact(event: StatusEvent, uow: ConversationUnitOfWork) -> str | None:
    for ref in (event.external_id, event.provider_message_id):
        if not ref:
            continue
        found = uow.conversations.find_message(ref)
        if found is not None:
            return uow.conversations.get_by_id(found[0]).contact
    return None


# --- the actor ---------------------------------------------------------------------------------


def process_contact(
    contact: str,
    uow: Callable[[], ConversationUnitOfWork],
    clock: Clock,
    ids: IdGenerator,
    bot: BotDeps,
    *,
    limit: int = 50,
) -> int:
    """Handle the contact's pending events in arrival order, at most ``limit``; returns how
    many were handled. Each event is its own transaction: lock the conversation, take the
    oldest pending event, handle it, mark it processed, commit. A second worker waits on the
    lock, then finds the next event (or nothing).

    An event whose handling fails (see the module docstring) is counted and the error raised
    again, until its :data:`MAX_EVENT_ATTEMPTS`-th failure: then it is given up on, the
    conversation goes to the operators and the loop goes on with the later events."""
    key = contact_key(contact)
    handled = 0
    conflicts = 0
    while handled < limit:
        event: ReceivedEvent | None = None
        try:
            with uow() as work:
                conversation = work.conversations.get_for_update(key)
                if conversation is None:
                    break
                pending = work.received_events.pending_for(key, 1)
                if not pending:
                    break
                event = pending[0]
                now = clock.now()
                _handle(conversation, event, now, ids, bot, work)
                work.received_events.mark_processed(event.event_id, now)
                work.conversations.save(conversation)
                work.commit()
        except StaleVersion:  # an outbox handler saved the conversation meanwhile: again
            conflicts += 1
            if conflicts >= _ATTEMPTS:
                raise
            continue
        except Exception as error:
            if event is None or not _record_failure(key, event, error, uow, clock):
                raise
        handled += 1
    return handled


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:MAX_ERROR_CHARS]


def _record_failure(
    key: str,
    event: ReceivedEvent,
    error: Exception,
    uow: Callable[[], ConversationUnitOfWork],
    clock: Clock,
) -> bool:
    """Count a failed try at ``event`` in a transaction of its own; at the last try give it up
    and hand the conversation to the operators. Whether it was given up on."""
    problem = _describe(error)
    with uow() as work:
        conversation = work.conversations.get_for_update(key)
        attempts = work.received_events.record_attempt(event.event_id, problem)
        given_up = attempts >= MAX_EVENT_ATTEMPTS
        if given_up:
            now = clock.now()
            work.received_events.mark_processed(event.event_id, now, failure=problem)
            if conversation is not None and conversation.hand_off(
                _handoff_id(conversation), PROCESSING_FAILED_REASON, by=BOT, at=now
            ):
                work.conversations.save(conversation)
        work.commit()
    return given_up


def _handle(
    conversation: Conversation,
    event: ReceivedEvent,
    now: datetime,
    ids: IdGenerator,
    bot: BotDeps,
    work: ConversationUnitOfWork,
) -> None:
    if event.kind == STATUS:
        status = status_of(event.payload)
        if status.status is not None:
            for ref in status.refs:
                if conversation.message_by_ref(ref) is not None:
                    conversation.apply_status(ref, status.status, status.at, status.reason)
                    break
        return
    inbound = inbound_of(event.payload)
    if conversation.message_by_ref(inbound.provider_id) is not None:
        return  # the same message delivered under another event id
    if inbound.name:
        conversation.contact_name = inbound.name
    if conversation.sender is None:
        conversation.sender = inbound.to or bot.sender
    message = conversation.receive(
        ids.new_id(),
        kind=inbound.kind,
        text=inbound.text or None,
        at=inbound.at,
        payload=inbound.payload,
        provider_id=inbound.provider_id,
    )
    if conversation.owner is Owner.BOT:
        bot_turn(conversation, message, now, ids, bot, work)


def pending_contacts(
    uow: ConversationUnitOfWork, clock: Clock, *, older_than: timedelta, limit: int = 100
) -> list[str]:
    """Contacts with events waiting longer than ``older_than``: the sweep re-enqueues them."""
    with uow:
        return uow.received_events.pending_contacts(clock.now() - older_than, limit)


# --- operators ---------------------------------------------------------------------------------


def _conversation(uow: ConversationUnitOfWork, contact: str) -> Conversation:
    conversation = uow.conversations.get(contact_key(contact))
    if conversation is None:
        raise NotFound("conversation", contact)
    return conversation


def take_over(
    contact: str,
    uow: ConversationUnitOfWork,
    clock: Clock,
    actor: Actor,
    *,
    reason: str = OPERATOR_REASON,
) -> int:
    """An operator takes the conversation from the bot (it stops answering); returns the
    version. Already the operators': nothing changes."""
    actor.require(Permission.WRITE_COMMERCIAL)
    with uow:
        conversation = _conversation(uow, contact)
        if conversation.hand_off(_handoff_id(conversation), reason, by=actor.name, at=clock.now()):
            uow.conversations.save(conversation)
            uow.commit()
        return conversation.version


def _handoff_id(conversation: Conversation) -> UUID:
    """A stable id for the conversation's next handoff, derived from its id and number."""
    return uuid5(conversation.id, f"handoff/{len(conversation.handoffs) + 1}")


def hand_back(contact: str, uow: ConversationUnitOfWork, clock: Clock, actor: Actor) -> int:
    """The operators give the conversation back to the bot, whose flow starts again at the
    contact's next message; returns the version. Already the bot's: nothing changes."""
    actor.require(Permission.WRITE_COMMERCIAL)
    with uow:
        conversation = _conversation(uow, contact)
        if conversation.hand_back(by=actor.name, at=clock.now()):
            uow.conversations.save(conversation)
            uow.commit()
        return conversation.version


def operator_reply(
    contact: str,
    text: str,
    uow: ConversationUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    actor: Actor,
) -> UUID:
    """An operator writes to the contact; returns the queued message's id. Writing takes the
    conversation from the bot if it still had it. Raises :class:`OutsideWindow` when the
    contact's 24-hour window is closed (only an approved template may go then)."""
    actor.require(Permission.WRITE_COMMERCIAL)
    if not text.strip():
        raise InvalidValue("is required", field="text")
    message = TextMessage(text.strip())
    now = clock.now()
    with uow:
        conversation = _conversation(uow, contact)
        check_window(message, conversation.last_inbound_at, now)
        conversation.hand_off(ids.new_id(), OPERATOR_REASON, by=actor.name, at=now)
        queued = conversation.queue(ids.new_id(), message, author=actor.name, at=now)
        uow.conversations.save(conversation)
        uow.commit()
    return queued.id


def get_conversation(contact: str, uow: ConversationUnitOfWork, actor: Actor) -> Conversation:
    """The contact's conversation with its messages and handoffs; :class:`NotFound`."""
    actor.require(Permission.READ)
    with uow:
        return _conversation(uow, contact)


def list_conversations(
    query: ConversationQuery, uow: ConversationUnitOfWork, actor: Actor
) -> Page[Conversation]:
    """Conversations (of one owner, if asked), newest activity first."""
    actor.require(Permission.READ)
    with uow:
        return uow.conversations.list(query)


__all__ = [
    "MAX_EVENT_ATTEMPTS",
    "PROCESSING_FAILED_REASON",
    "AcceptedEvent",
    "accept_event",
    "contact_key",
    "get_conversation",
    "hand_back",
    "list_conversations",
    "operator_reply",
    "pending_contacts",
    "process_contact",
    "take_over",
]
