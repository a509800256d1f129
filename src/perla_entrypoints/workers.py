"""Dramatiq actors. They are declared on the container's broker by :func:`register_actors`
(never at import time), take ids and primitives, and are idempotent.

:class:`CorrelationMiddleware` (added with the actors) carries the correlation id across the
queue: a message enqueued under one (an HTTP request's, an outbox message's) has it in its
options, and the worker runs the actor under it, bound to structlog's contextvars; a delivery
then runs each outbox message's handlers under the message's own id.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from contextlib import ExitStack
from datetime import timedelta
from typing import Any
from uuid import UUID

import dramatiq
import structlog

from perla_adapters.dramatiq import QUEUE
from perla_core import conversations
from perla_core.access.model import SYSTEM
from perla_core.hotels.services import sync_hotels_from_dome
from perla_core.inquiries.services import send_due_reminders
from perla_core.orders import sales
from perla_core.outbox import (
    DELIVER_TASK,
    RELAY_TASK,
    current_correlation_id,
    deliver_outbox_message,
    relay_outbox,
)
from perla_core.policies.services import apply_due_policy_changes
from perla_entrypoints.campaign_handlers import campaign_actors
from perla_entrypoints.container import Container, settings_of
from perla_entrypoints.logging import bound_correlation

log = structlog.get_logger("perla.workers")

POLICY_TASK = "apply_due_policy_changes"
HOTEL_SYNC_TASK = "sync_hotels_from_dome"
REMINDER_TASK = "send_due_reminders"
REMINDER_BATCH = 500
CONVERSATION_TASK = "process_conversation"
SWEEP_TASK = "sweep_conversations"
EXPIRE_ORDERS_TASK = "expire_idle_orders"
EXPIRE_ORDERS_EVERY = timedelta(minutes=5)
SWEEP_AFTER = timedelta(seconds=5)
"""Events waiting longer than this are taken as a lost enqueue and enqueued again."""

CORRELATION_OPTION = "correlation_id"


class CorrelationMiddleware(dramatiq.Middleware):
    """Stamps the current correlation id on enqueued messages and runs each message under
    the id it carries (a worker thread's binding ends with the message)."""

    def __init__(self) -> None:
        self._bindings = threading.local()

    def before_enqueue(self, broker: dramatiq.Broker, message: Any, delay: Any) -> None:  # noqa: ARG002 - dramatiq's hook signature
        current = current_correlation_id()
        if current is not None:
            message.options.setdefault(CORRELATION_OPTION, current)

    def before_process_message(self, broker: dramatiq.Broker, message: Any) -> None:  # noqa: ARG002 - dramatiq's hook signature
        self._unbind()
        given = message.options.get(CORRELATION_OPTION)
        if isinstance(given, str) and given:
            stack = ExitStack()
            stack.enter_context(bound_correlation(given))
            self._bindings.stack = stack

    def after_process_message(
        self,
        broker: dramatiq.Broker,  # noqa: ARG002 - dramatiq's hook signature
        message: Any,  # noqa: ARG002
        *,
        result: Any = None,  # noqa: ARG002
        exception: BaseException | None = None,  # noqa: ARG002
    ) -> None:
        self._unbind()

    def after_skip_message(self, broker: dramatiq.Broker, message: Any) -> None:  # noqa: ARG002 - dramatiq's hook signature
        self._unbind()

    def _unbind(self) -> None:
        stack: ExitStack | None = getattr(self._bindings, "stack", None)
        if stack is not None:
            self._bindings.stack = None
            stack.close()


_registered: dict[int, dict[str, dramatiq.Actor[..., None]]] = {}
_lock = threading.Lock()


def _declare(
    broker: dramatiq.Broker,
    name: str,
    fn: Callable[..., None],
    *,
    seconds: int,
    max_retries: int = 0,
    max_backoff: int = 60_000,
) -> dramatiq.Actor[..., None]:
    return dramatiq.actor(
        actor_name=name,
        queue_name=QUEUE,
        broker=broker,
        time_limit=seconds * 1000,
        max_retries=max_retries,
        min_backoff=1_000,
        max_backoff=max_backoff,
    )(fn)


def _order_expiry(container: Container) -> Callable[[], None]:
    def expire_orders() -> None:
        """Cancel the WhatsApp carts and summaries idle for longer than allowed."""
        idle_for = timedelta(minutes=settings_of(container).order_idle_minutes)
        count = sales.expire_idle_orders(container.uow(), container.clock().now(), idle_for)
        if count:
            log.info("orders.expired", count=count)

    return expire_orders


def register_actors(container: Container) -> dict[str, dramatiq.Actor[..., None]]:
    """Declare perla's actors on the container's broker (once per broker)."""
    broker = container.broker()
    with _lock:
        if id(broker) in _registered:
            return _registered[id(broker)]
        settings = settings_of(container)
        broker.add_middleware(CorrelationMiddleware())

        def relay() -> None:
            """Hand due outbox messages to the queue (one delivery message each)."""
            count = relay_outbox(
                container.uow(),
                container.task_queue(),
                container.clock(),
                settings.outbox_batch_size,
                timedelta(seconds=settings.outbox_lease_seconds),
            )
            if count:
                log.info("outbox.relayed", count=count)

        def deliver(message_id: str) -> None:
            """Run the handlers of one outbox message that have not run yet."""
            ran = deliver_outbox_message(
                UUID(message_id), container.uow(), container.handlers(), container.clock()
            )
            log.debug("outbox.delivered", message_id=message_id, handlers=ran)

        def apply_policy_changes() -> None:
            """Apply the commercial-policy changes scheduled for now or earlier."""
            done = apply_due_policy_changes(container.uow(), container.clock(), SYSTEM)
            if done:
                log.info("policies.scheduled_applied", count=len(done))

        def sync_hotels() -> None:
            """File Dome's hotel suppliers changed since the last sync in the directory."""
            run = sync_hotels_from_dome(
                container.dome(),
                container.hotel_directory(),
                container.hotel_import_log(),
                clock=container.clock(),
                ids=container.ids(),
                actor=SYSTEM,
            )
            log.info("hotels.dome_synced", read=run.rows_read, stored=run.rows_stored)

        def send_reminders() -> None:
            """Hand the inquiry reminders due now over to the outbox (whose handler e-mails
            each one still scheduled), a batch at a time until none is left."""
            total = 0
            while True:
                handed = send_due_reminders(
                    container.uow(), container.clock(), container.ids(), limit=REMINDER_BATCH
                )
                total += handed
                if handed < REMINDER_BATCH:
                    break
            if total:
                log.info("inquiries.reminders_handed_over", count=total)

        def process_conversation(contact: str) -> None:
            """Handle a contact's pending WhatsApp events, in order, under its lock."""
            handled = conversations.process_contact(
                contact, container.uow, container.clock(), container.ids(), container.bot()
            )
            log.debug("conversations.processed", events=handled)

        def sweep_conversations() -> None:
            """Enqueue the contacts whose events have waited too long (a lost enqueue)."""
            waiting = conversations.pending_contacts(
                container.uow(), container.clock(), older_than=SWEEP_AFTER
            )
            queue = container.task_queue()
            for contact in waiting:
                queue.enqueue(CONVERSATION_TASK, contact=contact)
            if waiting:
                log.info("conversations.swept", contacts=len(waiting))

        declare = functools.partial(_declare, broker)

        actors: dict[str, dramatiq.Actor[..., None]] = {
            CONVERSATION_TASK: declare(
                CONVERSATION_TASK, process_conversation, seconds=120, max_retries=5
            ),
            SWEEP_TASK: declare(SWEEP_TASK, sweep_conversations, seconds=60),
            REMINDER_TASK: declare(REMINDER_TASK, send_reminders, seconds=120),
            HOTEL_SYNC_TASK: declare(HOTEL_SYNC_TASK, sync_hotels, seconds=600),
            POLICY_TASK: declare(POLICY_TASK, apply_policy_changes, seconds=60),
            EXPIRE_ORDERS_TASK: declare(EXPIRE_ORDERS_TASK, _order_expiry(container), seconds=120),
            RELAY_TASK: declare(RELAY_TASK, relay, seconds=60),
            DELIVER_TASK: declare(
                DELIVER_TASK, deliver, seconds=120, max_retries=10, max_backoff=300_000
            ),
            **{
                name: declare(name, fn, seconds=120)
                for name, fn in campaign_actors(container).items()
            },
        }
        _registered[id(broker)] = actors
        return actors


def start_worker(container: Container, threads: int | None = None) -> dramatiq.Worker:
    """Start a Dramatiq worker in this process (threads); call ``.stop()`` to end it."""
    register_actors(container)
    broker = container.broker()
    worker = dramatiq.Worker(
        broker, worker_threads=threads or settings_of(container).worker_threads, worker_timeout=100
    )
    worker.start()
    return worker


class _Collect:
    """A task queue that keeps delivery ids for :func:`drain_outbox`."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    def enqueue(self, task: str, **kwargs: str | int) -> None:  # noqa: ARG002 - one task kind
        self.ids.append(str(kwargs["message_id"]))


def drain_outbox(container: Container, max_rounds: int = 100) -> int:
    """Relay and deliver every due outbox message in this thread, until none is due.

    For the demo, tests and one-off scripts; production uses the scheduler and workers. A
    failing handler leaves its message pending with a delay (it is not due again in this
    drain) and is logged; returns how many deliveries succeeded.
    """
    delivered = 0
    for _ in range(max_rounds):
        queue = _Collect()
        if not relay_outbox(container.uow(), queue, container.clock(), 500):
            break
        for message_id in queue.ids:
            try:
                deliver_outbox_message(
                    UUID(message_id), container.uow(), container.handlers(), container.clock()
                )
                delivered += 1
            except Exception as exc:  # noqa: BLE001 - recorded on the message, retried later
                log.warning("outbox.delivery_failed", message_id=message_id, error=str(exc))
    return delivered


def drain_conversations(container: Container, max_rounds: int = 20) -> int:
    """Handle every contact's pending events and deliver the outbox, in this thread, until
    nothing is left: what the actors and the relay would do, for the demo and tests.
    Returns how many events were handled."""
    handled = 0
    for _ in range(max_rounds):
        waiting = conversations.pending_contacts(
            container.uow(), container.clock(), older_than=timedelta(0)
        )
        for contact in waiting:
            handled += conversations.process_contact(
                contact, container.uow, container.clock(), container.ids(), container.bot()
            )
        delivered = drain_outbox(container)
        if not waiting and not delivered:
            break
    return handled
