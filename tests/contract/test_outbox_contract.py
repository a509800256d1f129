"""The outbox and the processed-message keys, kept by every adapter."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from uuid import UUID

import attrs
import pytest

from perla_adapters.memory import FixedClock, SequentialIds
from perla_core.kernel.errors import AlreadyExists, NotFound
from perla_core.kernel.events import event_name
from perla_core.onboarding.events import ClientStatusChanged, DetailsChanged, LeadRegistered
from perla_core.outbox import OutboxMessage, OutboxStatus
from perla_core.uow import UnitOfWork

NewUow = Callable[[], UnitOfWork]
HOUR = timedelta(hours=1)


def _message(
    ids: SequentialIds,
    created_at: datetime,
    *,
    aggregate_id: UUID | None = None,
    available_at: datetime | None = None,
    status: OutboxStatus = OutboxStatus.PENDING,
) -> OutboxMessage:
    event = LeadRegistered(aggregate_id or ids.new_id(), created_at, "ana", "Viajes Ñandú", "ES")
    return OutboxMessage(
        id=ids.new_id(),
        topic=LeadRegistered.event_name,
        aggregate_id=event.aggregate_id,
        event=event,
        created_at=created_at,
        status=status,
        available_at=available_at,
    )


def _add(new_uow: NewUow, *messages: OutboxMessage) -> None:
    with new_uow() as uow:
        uow.outbox.add(messages)
        uow.commit()


class TestOutboxContract:
    def test_a_message_and_its_event_come_back_as_they_were_added(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        client_id = ids.new_id()
        events = [
            LeadRegistered(client_id, clock.now(), "ana", "Viajes Ñandú", "ES"),
            DetailsChanged(client_id, clock.now(), "ana", ("email", "notes")),
            ClientStatusChanged(client_id, clock.now(), "system", "live", "dormant", None),
        ]
        messages = [
            OutboxMessage(ids.new_id(), event_name(e), client_id, e, clock.now() + i * HOUR)
            for i, e in enumerate(events)
        ]
        _add(new_uow, *messages)

        with new_uow() as uow:
            assert [uow.outbox.get(m.id) for m in messages] == messages
            assert uow.outbox.for_aggregate(client_id) == messages

    def test_pending_messages_due_now_are_claimed_oldest_first_up_to_the_limit(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        now = clock.now()
        older = _message(ids, now - 2 * HOUR, available_at=now - 2 * HOUR)
        without_availability = _message(ids, now - HOUR)
        due_now = _message(ids, now - 3 * HOUR, available_at=now)
        later = _message(ids, now - 4 * HOUR, available_at=now + HOUR)
        leased = _message(
            ids, now - 5 * HOUR, status=OutboxStatus.DISPATCHED, available_at=now + HOUR
        )
        lease_expired = _message(
            ids, now - 6 * HOUR, status=OutboxStatus.DISPATCHED, available_at=now - HOUR
        )
        failed = _message(ids, now - 5 * HOUR, status=OutboxStatus.FAILED)
        _add(new_uow, older, without_availability, due_now, later, leased, lease_expired, failed)

        with new_uow() as uow:
            claimed = [m.id for m in uow.outbox.claim_pending(now, limit=10)]
            first_two = [m.id for m in uow.outbox.claim_pending(now, limit=2)]

        assert claimed == [lease_expired.id, due_now.id, older.id, without_availability.id]
        assert first_two == claimed[:2]

    def test_two_relays_claiming_at_once_never_hand_out_a_message_twice(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        every = [_message(ids, clock.now() + i * timedelta(seconds=1)) for i in range(5)]
        _add(new_uow, *every)
        now = clock.now() + HOUR

        def relay(uow: UnitOfWork, limit: int) -> list[UUID]:
            claimed = uow.outbox.claim_pending(now, limit)
            for message in claimed:
                uow.outbox.mark(message.id, OutboxStatus.DISPATCHED, available_at=now + HOUR)
            return [m.id for m in claimed]

        def second_relay() -> list[UUID]:
            with new_uow() as uow:
                claimed = relay(uow, limit=10)
                uow.commit()
                return claimed

        with ThreadPoolExecutor(1) as pool, new_uow() as first:
            first_claim = relay(first, limit=2)
            # PostgreSQL and memory skip the claimed rows; SQLite waits for this commit.
            second_claim = pool.submit(second_relay)
            threading.Event().wait(0.1)
            first.commit()
            assert second_claim.result(timeout=10) == [m.id for m in every[2:]]

        assert first_claim == [m.id for m in every[:2]]
        with new_uow() as uow:
            assert uow.outbox.count_by_status()[OutboxStatus.DISPATCHED] == 5

    def test_a_dispatched_message_is_claimed_again_only_when_its_lease_expires(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        message = _message(ids, clock.now(), available_at=clock.now())
        _add(new_uow, message)

        with new_uow() as uow:
            [claimed] = uow.outbox.claim_pending(clock.now(), limit=10)
            uow.outbox.mark(claimed.id, OutboxStatus.DISPATCHED, available_at=clock.now() + HOUR)
            uow.commit()
            assert uow.outbox.claim_pending(clock.now(), limit=10) == []
            assert uow.outbox.get(message.id).status is OutboxStatus.DISPATCHED
            assert uow.outbox.claim_pending(clock.now() + 2 * HOUR, limit=10) != []

    def test_marking_changes_only_what_is_given(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        message = _message(ids, clock.now(), available_at=clock.now())
        _add(new_uow, message)
        retry_at = clock.now() + 2 * HOUR

        with new_uow() as uow:
            uow.outbox.mark(message.id, OutboxStatus.PENDING, attempts=1, available_at=retry_at,
                            error="mailer: TimeoutError: smtp")  # fmt: skip
            uow.commit()
        with new_uow() as uow:
            uow.outbox.mark(message.id, OutboxStatus.DONE, attempts=2)
            uow.commit()
        with new_uow() as uow:
            stored = uow.outbox.get(message.id)

        assert stored == attrs.evolve(
            message,
            status=OutboxStatus.DONE,
            attempts=2,
            available_at=retry_at,
            last_error="mailer: TimeoutError: smtp",
        )

    def test_an_unknown_message_is_not_found(self, new_uow: NewUow, ids: SequentialIds) -> None:
        with new_uow() as uow:
            with pytest.raises(NotFound):
                uow.outbox.get(ids.new_id())
            with pytest.raises(NotFound):
                uow.outbox.mark(ids.new_id(), OutboxStatus.DONE)

    def test_the_timeline_of_an_aggregate_holds_only_its_messages_oldest_first(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        client_id = ids.new_id()
        second = _message(ids, clock.now(), aggregate_id=client_id)
        first = _message(ids, clock.now() - HOUR, aggregate_id=client_id)
        someone_else = _message(ids, clock.now() - 2 * HOUR)
        _add(new_uow, second, first, someone_else)

        with new_uow() as uow:
            assert [m.id for m in uow.outbox.for_aggregate(client_id)] == [first.id, second.id]
            assert uow.outbox.for_aggregate(ids.new_id()) == []

    def test_messages_are_counted_by_status_with_zeros_for_the_rest(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        _add(
            new_uow,
            _message(ids, clock.now()),
            _message(ids, clock.now()),
            _message(ids, clock.now(), status=OutboxStatus.FAILED),
        )

        with new_uow() as uow:
            assert dict(uow.outbox.count_by_status()) == {
                OutboxStatus.PENDING: 2,
                OutboxStatus.DISPATCHED: 0,
                OutboxStatus.DONE: 0,
                OutboxStatus.FAILED: 1,
            }

    def test_messages_added_without_a_commit_are_gone(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        message = _message(ids, clock.now())
        with new_uow() as uow:
            uow.outbox.add([message])
            assert uow.outbox.get(message.id) == message

        with new_uow() as uow, pytest.raises(NotFound):
            uow.outbox.get(message.id)


class TestProcessedMessagesContract:
    def test_a_recorded_handler_is_seen_for_that_message_and_handler_only(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        message_id, other_id = ids.new_id(), ids.new_id()
        with new_uow() as uow:
            assert not uow.processed.seen(message_id, "mailer")
            uow.processed.record(message_id, "mailer", clock.now())
            assert uow.processed.seen(message_id, "mailer")
            uow.commit()

        with new_uow() as uow:
            assert uow.processed.seen(message_id, "mailer")
            assert not uow.processed.seen(message_id, "crm")
            assert not uow.processed.seen(other_id, "mailer")

    def test_a_key_recorded_without_a_commit_is_forgotten(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        message_id = ids.new_id()
        with new_uow() as uow:
            uow.processed.record(message_id, "mailer", clock.now())

        with new_uow() as uow:
            assert not uow.processed.seen(message_id, "mailer")

    def test_recording_a_committed_key_again_already_exists_by_the_commit(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        message_id = ids.new_id()
        with new_uow() as uow:
            uow.processed.record(message_id, "mailer", clock.now())
            uow.commit()

        def record_again() -> None:
            with new_uow() as uow:
                uow.processed.record(message_id, "mailer", clock.now())
                uow.commit()

        with pytest.raises(AlreadyExists):
            record_again()
