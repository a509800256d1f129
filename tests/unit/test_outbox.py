"""The transactional outbox: the relay hands due messages to the queue, delivery runs each
handler once per message, failures come back later and give up after MAX_ATTEMPTS."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from perla_adapters.memory import (
    FixedClock,
    InMemoryStore,
    InMemoryUnitOfWork,
    RecordingTaskQueue,
    SequentialIds,
)
from perla_adapters.memory.queue import EnqueuedTask
from perla_core.access.model import Actor
from perla_core.onboarding.commands import RegisterLead
from perla_core.onboarding.events import LeadRegistered
from perla_core.onboarding.services import register_lead
from perla_core.outbox import (
    DELIVER_TASK,
    MAX_ATTEMPTS,
    HandlerRegistry,
    OutboxMessage,
    OutboxStatus,
    deliver_outbox_message,
    relay_outbox,
    retry_delay,
)

TOPIC = "onboarding.lead_registered"


def register(
    uow: InMemoryUnitOfWork, clock: FixedClock, ids: SequentialIds, actor: Actor, name: str
) -> UUID:
    command = RegisterLead(trade_name=name, country="ES", email="hola@example.es")
    return register_lead(command, uow, clock, ids, actor)


def only_message(store: InMemoryStore) -> OutboxMessage:
    (message,) = store.outbox.values()
    return message


class Recorder:
    """A handler that remembers what it was given and can be told to fail."""

    def __init__(self, failures: int = 0) -> None:
        self.calls: list[tuple[Any, UUID]] = []
        self.failures = failures

    def __call__(self, event: Any, message: OutboxMessage) -> None:
        self.calls.append((event, message.id))
        if self.failures:
            self.failures -= 1
            raise RuntimeError("mail server down")


# --- relay ----------------------------------------------------------------------------------


def test_the_relay_hands_due_messages_to_the_queue_and_marks_them_dispatched(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
) -> None:
    register(uow, clock, ids, agent, "Primera")
    clock.advance(timedelta(seconds=1))
    register(uow, clock, ids, agent, "Segunda")
    first, second = sorted(store.outbox.values(), key=lambda m: m.created_at)
    queue = RecordingTaskQueue()

    assert relay_outbox(uow, queue, clock) == 2

    assert queue.tasks == [
        EnqueuedTask(DELIVER_TASK, {"message_id": str(first.id)}),
        EnqueuedTask(DELIVER_TASK, {"message_id": str(second.id)}),
    ]
    assert {m.status for m in store.outbox.values()} == {OutboxStatus.DISPATCHED}
    assert relay_outbox(uow, queue, clock) == 0
    assert len(queue.tasks) == 2


def test_the_relay_hands_over_at_most_its_limit_oldest_first(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
) -> None:
    for name in ("Uno", "Dos", "Tres"):
        register(uow, clock, ids, agent, name)
        clock.advance(timedelta(seconds=1))
    queue = RecordingTaskQueue()
    assert relay_outbox(uow, queue, clock, limit=2) == 2
    assert relay_outbox(uow, queue, clock, limit=2) == 1
    handed = [UUID(str(t.kwargs["message_id"])) for t in queue.tasks]
    oldest_first = sorted(store.outbox.values(), key=lambda m: m.created_at)
    assert handed == [m.id for m in oldest_first]


def test_when_the_queue_refuses_the_messages_stay_pending_and_are_offered_again(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
) -> None:
    register(uow, clock, ids, agent, "Primera")
    queue = RecordingTaskQueue()
    queue.fail_with = ConnectionError("broker unreachable")

    with pytest.raises(ConnectionError):
        relay_outbox(uow, queue, clock)
    assert only_message(store).status is OutboxStatus.PENDING
    assert queue.tasks == []

    queue.fail_with = None
    assert relay_outbox(uow, queue, clock) == 1
    assert only_message(store).status is OutboxStatus.DISPATCHED


# --- delivery -------------------------------------------------------------------------------


def test_delivery_runs_each_registered_handler_once_and_marks_the_message_done(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
) -> None:
    lead_id = register(uow, clock, ids, agent, "Primera")
    welcome, crm = Recorder(), Recorder()
    handlers = (
        HandlerRegistry()
        .with_handler(TOPIC, "welcome_mail", welcome)
        .with_handler(TOPIC, "crm_sync", crm)
        .with_handler("onboarding.lead_converted", "dome_registration", Recorder())
    )
    message = only_message(store)

    assert deliver_outbox_message(message.id, uow, handlers, clock) == ["welcome_mail", "crm_sync"]

    expected_event = LeadRegistered(lead_id, clock.now(), "ana.agent", "Primera", "ES")
    assert welcome.calls == [(expected_event, message.id)]
    assert crm.calls == [(expected_event, message.id)]
    done = only_message(store)
    assert (done.status, done.attempts) == (OutboxStatus.DONE, 1)
    assert set(store.processed) == {(message.id, "welcome_mail"), (message.id, "crm_sync")}


def test_delivering_the_same_message_twice_runs_nothing_the_second_time(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
) -> None:
    register(uow, clock, ids, agent, "Primera")
    welcome = Recorder()
    handlers = HandlerRegistry().with_handler(TOPIC, "welcome_mail", welcome)
    message_id = only_message(store).id

    deliver_outbox_message(message_id, uow, handlers, clock)
    assert deliver_outbox_message(message_id, uow, handlers, clock) == []
    assert len(welcome.calls) == 1


def test_a_message_without_handlers_is_simply_done(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
) -> None:
    register(uow, clock, ids, agent, "Primera")
    assert deliver_outbox_message(only_message(store).id, uow, HandlerRegistry(), clock) == []
    assert only_message(store).status is OutboxStatus.DONE


def test_a_failing_handler_puts_the_message_back_for_later_and_re_raises(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
) -> None:
    register(uow, clock, ids, agent, "Primera")
    welcome, crm = Recorder(), Recorder(failures=1)
    handlers = (
        HandlerRegistry()
        .with_handler(TOPIC, "welcome_mail", welcome)
        .with_handler(TOPIC, "crm_sync", crm)
    )
    message_id = only_message(store).id

    with pytest.raises(RuntimeError, match="mail server down"):
        deliver_outbox_message(message_id, uow, handlers, clock)

    failed = only_message(store)
    assert failed.status is OutboxStatus.PENDING
    assert failed.attempts == 1
    assert failed.available_at == clock.now() + retry_delay(1)
    assert failed.available_at > clock.now()
    assert failed.last_error == "crm_sync: RuntimeError: mail server down"
    assert set(store.processed) == {(message_id, "welcome_mail")}

    queue = RecordingTaskQueue()
    assert relay_outbox(uow, queue, clock) == 0
    clock.advance(retry_delay(1))
    assert relay_outbox(uow, queue, clock) == 1

    assert deliver_outbox_message(message_id, uow, handlers, clock) == ["crm_sync"]
    assert len(welcome.calls) == 1
    assert len(crm.calls) == 2
    done = only_message(store)
    assert (done.status, done.attempts) == (OutboxStatus.DONE, 2)


def test_a_failing_handler_s_own_writes_are_rolled_back_and_a_succeeding_one_s_kept(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
) -> None:
    lead_id = register(uow, clock, ids, agent, "Primera")
    attempts = {"n": 0}

    def note_and_maybe_fail(event: Any, message: OutboxMessage) -> None:
        client = uow.clients.get(event.aggregate_id)
        attempts["n"] += 1
        client.notes = f"attempt {attempts['n']}"
        uow.clients.save(client)
        if attempts["n"] == 1:
            raise RuntimeError("crash after writing")

    handlers = HandlerRegistry().with_handler(TOPIC, "take_note", note_and_maybe_fail)
    message_id = only_message(store).id

    with pytest.raises(RuntimeError):
        deliver_outbox_message(message_id, uow, handlers, clock)
    assert store.clients[lead_id].notes is None
    assert store.clients[lead_id].version == 1

    clock.advance(timedelta(minutes=1))
    deliver_outbox_message(message_id, uow, handlers, clock)
    assert store.clients[lead_id].notes == "attempt 2"
    assert store.clients[lead_id].version == 2


def test_the_retry_delay_grows_and_is_capped_at_an_hour() -> None:
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3)] == [2, 4, 8]
    assert retry_delay(30) == timedelta(hours=1)


def test_after_max_attempts_a_message_is_failed_and_no_longer_offered(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
) -> None:
    register(uow, clock, ids, agent, "Primera")
    broken = Recorder(failures=MAX_ATTEMPTS + 5)
    handlers = HandlerRegistry().with_handler(TOPIC, "welcome_mail", broken)
    message_id = only_message(store).id

    for attempt in range(1, MAX_ATTEMPTS + 1):
        with pytest.raises(RuntimeError):
            deliver_outbox_message(message_id, uow, handlers, clock)
        message = only_message(store)
        assert message.attempts == attempt
        expected = OutboxStatus.FAILED if attempt == MAX_ATTEMPTS else OutboxStatus.PENDING
        assert message.status is expected

    clock.advance(timedelta(days=1))
    assert relay_outbox(uow, RecordingTaskQueue(), clock) == 0
    assert store.processed == {}
