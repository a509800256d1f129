"""A poison event (one whose bot turn keeps raising) does not block its contact forever.

Each failed try is counted on the event with its error, in a transaction of its own, and
raised again for the actor to retry; at the third the event is given up on (processed with a
``failure``), the conversation goes to the operators with reason ``processing_failed`` and the
contact's later events are handled.
"""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest
from tests.unit.conversations.builders import CONTACT, OPERATORS_EMAIL, World

from perla_core.conversations import Direction, Owner
from perla_core.conversations.ports import ReceivedEvent
from perla_core.conversations.services import MAX_EVENT_ATTEMPTS, PROCESSING_FAILED_REASON
from perla_core.kernel.errors import StaleVersion
from perla_core.language import ConversationContext, Interpretation, RulesInterpreter

POISON = "mensaje envenenado"


class PoisonedInterpreter:
    """The rules, except that one text makes the interpreter fall over (a bug)."""

    def __init__(self, error: Exception | None = None) -> None:
        self.rules = RulesInterpreter()
        self.error = error or RuntimeError("the interpreter broke on this message")
        self.calls = 0

    def interpret(self, text: str, *, context: ConversationContext | None = None) -> Interpretation:
        if POISON in text:
            self.calls += 1
            raise self.error
        return self.rules.interpret(text, context=context)


def poisoned(world: World, error: Exception | None = None) -> PoisonedInterpreter:
    interpreter = PoisonedInterpreter(error)
    world.bot = attrs.evolve(world.bot, interpreter=interpreter)
    return interpreter


def received(world: World, event_id: str) -> ReceivedEvent:
    with world.uow() as uow:
        found = uow.received_events.get(event_id)
    assert found is not None
    return found


def test_each_failed_try_is_counted_with_its_error_and_raised_again(world: World) -> None:
    poisoned(world)
    world.accept(world.inbound(POISON, event_id="evt-poison"))

    for attempt in range(1, MAX_EVENT_ATTEMPTS):
        with pytest.raises(RuntimeError, match="broke"):
            world.process()
        event = received(world, "evt-poison")
        assert event.attempts == attempt
        assert event.last_error == "RuntimeError: the interpreter broke on this message"
        assert (event.processed_at, event.failure) == (None, None)

    conversation = world.conversation()
    assert conversation.owner is Owner.BOT
    assert conversation.messages == []  # each failed turn rolled back whole


def test_at_the_last_try_the_event_is_given_up_handed_to_a_person_and_later_events_go_on(
    world: World,
) -> None:
    interpreter = poisoned(world)
    now = world.clock.now()
    world.accept(world.inbound(POISON, event_id="evt-poison", at=now))
    world.accept(world.inbound("hola", event_id="evt-later", at=now + timedelta(seconds=1)))

    for _ in range(MAX_EVENT_ATTEMPTS - 1):
        with pytest.raises(RuntimeError):
            world.process()
    assert world.process() == 2  # the poison given up on, then the greeting
    world.deliver()

    event = received(world, "evt-poison")
    assert event.attempts == MAX_EVENT_ATTEMPTS
    assert event.processed_at is not None
    assert event.failure == "RuntimeError: the interpreter broke on this message"
    assert received(world, "evt-later").processed_at is not None
    assert interpreter.calls == MAX_EVENT_ATTEMPTS

    conversation = world.conversation()
    assert conversation.owner is Owner.HUMAN
    (handoff,) = conversation.handoffs
    assert (handoff.reason, handoff.by) == (PROCESSING_FAILED_REASON, "bot")
    # the later message is kept for the operators; the bot, no longer the owner, is silent
    inbound = [m.text for m in conversation.messages if m.direction is Direction.INBOUND]
    assert inbound == ["hola"]
    assert [m for m in conversation.messages if m.direction is Direction.OUTBOUND] == []
    assert world.mailer.sent_to(OPERATORS_EMAIL)  # a person is told
    assert world.process() == 0


def test_the_next_events_of_other_contacts_are_not_held_up(world: World) -> None:
    poisoned(world)
    world.accept(world.inbound(POISON))
    world.accept(world.inbound("hola", contact="5491177776666"))

    with pytest.raises(RuntimeError):
        world.process()

    assert world.process("5491177776666") == 1


def test_a_version_conflict_is_retried_not_counted(world: World) -> None:
    interpreter = poisoned(world, StaleVersion("conversation", CONTACT, 1, 2))
    world.accept(world.inbound(POISON, event_id="evt-stale"))

    with pytest.raises(StaleVersion):
        world.process()

    assert interpreter.calls == 5  # process_contact's own retries of a conflict
    assert received(world, "evt-stale").attempts == 0
