"""The transactional outbox.

A command's state change and the events it raised commit together: the unit of work turns
every event its aggregates collected into an :class:`OutboxMessage` in the same transaction.
A relay (:func:`relay_outbox`, run by a worker on every scheduler tick) hands pending messages
to the task queue; :func:`deliver_outbox_message` then runs each handler at most once per
message, keyed by the outbox id. Delivery is at least once; handlers are idempotent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

import attrs

from perla_core.kernel.events import event_name
from perla_core.kernel.ports import Clock, IdGenerator

if TYPE_CHECKING:
    from perla_core.uow import UnitOfWork


_correlation: ContextVar[str | None] = ContextVar("perla_correlation_id", default=None)


def current_correlation_id() -> str | None:
    """The correlation id of the work running in this context (None outside any)."""
    return _correlation.get()


@contextmanager
def correlation(correlation_id: str | None) -> Iterator[str | None]:
    """Run the block under ``correlation_id``; the previous id comes back after it.

    ``None`` keeps the current id (a message written before correlation ids existed)."""
    if correlation_id is None:
        yield _correlation.get()
        return
    token = _correlation.set(correlation_id)
    try:
        yield correlation_id
    finally:
        _correlation.reset(token)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    DISPATCHED = "dispatched"
    DONE = "done"
    FAILED = "failed"


@attrs.frozen
class OutboxMessage:
    """One event waiting to reach the handlers (and through them, other systems)."""

    id: UUID
    topic: str
    aggregate_id: UUID
    event: Any
    created_at: datetime
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0
    available_at: datetime | None = None
    last_error: str | None = None
    correlation_id: str | None = None
    """The id of the request or message whose work wrote this one (logs carry it)."""


class OutboxRepository(Protocol):
    """Outbox rows. Writes join the unit of work's transaction; nothing here commits."""

    def add(self, messages: Iterable[OutboxMessage]) -> None: ...

    def get(self, message_id: UUID) -> OutboxMessage:
        """The message, locked against another delivery of it until the transaction ends."""
        ...

    def claim_pending(self, now: datetime, limit: int) -> list[OutboxMessage]:
        """Messages due at ``now``, oldest first, locked against other relays: pending ones,
        and dispatched ones whose lease (``available_at``) expired without a delivery."""
        ...

    def mark(
        self,
        message_id: UUID,
        status: OutboxStatus,
        *,
        attempts: int | None = None,
        available_at: datetime | None = None,
        error: str | None = None,
    ) -> None: ...

    def for_aggregate(self, aggregate_id: UUID) -> list[OutboxMessage]:
        """Every message about one aggregate, oldest first (its activity timeline)."""
        ...

    def count_by_status(self) -> Mapping[OutboxStatus, int]: ...


class ProcessedMessages(Protocol):
    """Which handler already processed which outbox message (the idempotency keys)."""

    def seen(self, message_id: UUID, handler: str) -> bool: ...

    def record(self, message_id: UUID, handler: str, at: datetime) -> None: ...


class TaskQueue(Protocol):
    """Work that is ready now. Messages carry ids and primitives only.

    ``enqueue`` raises when the broker cannot take the message; callers keep their state so
    the work is offered again later.
    """

    def enqueue(self, task: str, **kwargs: str | int) -> None: ...


Handler = Callable[[Any, OutboxMessage], None]


@attrs.frozen
class HandlerRegistry:
    """Which handlers run for which event topic. A handler has a stable name."""

    handlers: Mapping[str, Sequence[tuple[str, Handler]]] = attrs.field(factory=dict)

    def for_topic(self, topic: str) -> Sequence[tuple[str, Handler]]:
        return self.handlers.get(topic, ())

    def with_handler(self, topic: str, name: str, handler: Handler) -> HandlerRegistry:
        merged = {k: list(v) for k, v in self.handlers.items()}
        merged.setdefault(topic, []).append((name, handler))
        return HandlerRegistry(merged)


def messages_for(events: Iterable[Any], clock: Clock, ids: IdGenerator) -> list[OutboxMessage]:
    """One pending message per event, stamped with the current correlation id."""
    now = clock.now()
    correlation_id = current_correlation_id()
    return [
        OutboxMessage(
            id=ids.new_id(),
            topic=event_name(e),
            aggregate_id=e.aggregate_id,
            event=e,
            created_at=now,
            available_at=now,
            correlation_id=correlation_id,
        )
        for e in events
    ]


DELIVER_TASK = "deliver_outbox_message"
RELAY_TASK = "relay_outbox"


DISPATCH_LEASE = timedelta(minutes=5)


def relay_outbox(
    uow: UnitOfWork,
    queue: TaskQueue,
    clock: Clock,
    limit: int = 100,
    lease: timedelta = DISPATCH_LEASE,
) -> int:
    """Hand due outbox messages to the task queue; returns how many were handed over.

    Messages are first marked dispatched with a ``lease`` (:data:`DISPATCH_LEASE` unless the
    settings say otherwise) and committed,
    then enqueued, so a fast worker can never see a message the relay has not let go of. If
    the broker refuses, the messages not enqueued go back to pending at once; if the process
    dies in between or the broker loses the message, the lease expires and the next tick
    offers it again. Either way a message may be delivered twice, never lost: delivery is
    idempotent per handler.
    """
    now = clock.now()
    with uow:
        messages = uow.outbox.claim_pending(now, limit)
        for message in messages:
            uow.outbox.mark(message.id, OutboxStatus.DISPATCHED, available_at=now + lease)
        uow.commit()
    for index, message in enumerate(messages):
        try:
            with correlation(message.correlation_id):
                queue.enqueue(DELIVER_TASK, message_id=str(message.id))
        except Exception:
            _release(messages[index:], uow, now)
            raise
    return len(messages)


def _release(messages: Sequence[OutboxMessage], uow: UnitOfWork, now: datetime) -> None:
    with uow:
        for message in messages:
            uow.outbox.mark(message.id, OutboxStatus.PENDING, available_at=now)
        uow.commit()


MAX_ATTEMPTS = 8


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(2**attempts, 3600))


def deliver_outbox_message(
    message_id: UUID, uow: UnitOfWork, handlers: HandlerRegistry, clock: Clock
) -> list[str]:
    """Run every handler of a message that has not run yet; returns the handlers run now.

    Each handler's success is recorded with the message id in the same transaction as the
    handler's own writes, so a redelivered message never runs a handler twice; two deliveries
    of one message at once (a worker's retry and the relay's) take turns on the message's lock
    (:meth:`OutboxRepository.get`), so the second finds the first's records. A failing
    handler puts the message back as pending with a growing delay (failed after
    :data:`MAX_ATTEMPTS`), and the error is raised for the worker's own retry policy. The
    handlers run under the message's correlation id, so the messages they write keep it.
    """
    ran: list[str] = []
    with uow:
        message = uow.outbox.get(message_id)
        if message.status in (OutboxStatus.DONE, OutboxStatus.FAILED):
            return ran
        with correlation(message.correlation_id):
            for name, handler in handlers.for_topic(message.topic):
                if uow.processed.seen(message.id, name):
                    continue
                try:
                    handler(message.event, message)
                except Exception as exc:
                    uow.rollback()
                    _record_failure(message, uow, clock, f"{name}: {type(exc).__name__}: {exc}")
                    raise
                uow.processed.record(message.id, name, clock.now())
                uow.commit()
                uow.outbox.get(message.id)  # the row's lock again: the commit released it
                ran.append(name)
        uow.outbox.mark(message.id, OutboxStatus.DONE, attempts=message.attempts + 1)
        uow.commit()
    return ran


def _record_failure(message: OutboxMessage, uow: UnitOfWork, clock: Clock, error: str) -> None:
    attempts = message.attempts + 1
    status = OutboxStatus.FAILED if attempts >= MAX_ATTEMPTS else OutboxStatus.PENDING
    uow.outbox.mark(
        message.id,
        status,
        attempts=attempts,
        available_at=clock.now() + retry_delay(attempts),
        error=error[:2000],
    )
    uow.commit()
