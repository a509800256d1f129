"""The scheduler: on every tick it enqueues the work that has become due.

Anything due in the future lives in the database; the scheduler only turns "due now" into
Dramatiq messages. Two schedulers running at once are harmless: the relay claims outbox rows
with row locks (``SKIP LOCKED`` on PostgreSQL), so each message is handed over once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import structlog

from perla_core.outbox import RELAY_TASK
from perla_entrypoints.campaign_handlers import TICK_TASK as CAMPAIGN_TICK_TASK
from perla_entrypoints.container import Container, settings_of
from perla_entrypoints.privacy_cli import RETENTION_EVERY, apply_retention
from perla_entrypoints.workers import (
    EXPIRE_ORDERS_EVERY,
    EXPIRE_ORDERS_TASK,
    HOTEL_SYNC_TASK,
    POLICY_TASK,
    REMINDER_TASK,
    SWEEP_AFTER,
    SWEEP_TASK,
    register_actors,
)

log = structlog.get_logger("perla.scheduler")


def tick(container: Container) -> None:
    """Enqueue one round of due work: the outbox relay, the scheduled policy changes and the
    inquiry reminders (each actor finds in the database what is due; a tick with nothing due
    costs a query)."""
    queue = container.task_queue()
    queue.enqueue(RELAY_TASK)
    queue.enqueue(POLICY_TASK)
    queue.enqueue(REMINDER_TASK)
    queue.enqueue(CAMPAIGN_TICK_TASK)  # the campaigns' schedule and due dispatches


class Cadence:
    """Work enqueued every ``minutes`` (or ``seconds``; not every tick): the first tick
    enqueues it, then each tick that long after the last. Per scheduler process: two
    schedulers may both enqueue it, which the work allows (a directory sync and the
    conversations' sweep are idempotent)."""

    def __init__(
        self,
        task: str,
        minutes: float,
        clock: Callable[[], float],
        *,
        seconds: float | None = None,
    ) -> None:
        self.task = task
        self.seconds = minutes * 60.0 if seconds is None else seconds
        self._clock = clock
        self._last: float | None = None

    def due(self) -> bool:
        if self.seconds <= 0:
            return False
        now = self._clock()
        if self._last is not None and now - self._last < self.seconds:
            return False
        self._last = now
        return True


def run_scheduler(container: Container, stop: threading.Event) -> None:
    """Tick every ``scheduler_tick_seconds`` until ``stop`` is set; survives broker outages."""
    register_actors(container)
    settings = settings_of(container)
    interval = settings.scheduler_tick_seconds
    cadences = [
        Cadence(HOTEL_SYNC_TASK, settings.hotel_sync_minutes, time.monotonic),
        Cadence(SWEEP_TASK, 0, time.monotonic, seconds=SWEEP_AFTER.total_seconds()),
        Cadence(EXPIRE_ORDERS_TASK, 0, time.monotonic, seconds=EXPIRE_ORDERS_EVERY.total_seconds()),
    ]
    # blanks raw messages past PERLA_RAW_MESSAGE_RETENTION_DAYS, in the scheduler (idempotent)
    retention = Cadence(
        "privacy.retention", 0, time.monotonic, seconds=RETENTION_EVERY.total_seconds()
    )
    log.info("scheduler.started", tick_seconds=interval)
    while not stop.is_set():
        try:
            tick(container)
            for cadence in cadences:
                if cadence.due():
                    container.task_queue().enqueue(cadence.task)
            if settings.raw_message_retention_days and retention.due():
                report = apply_retention(container)
                log.info(
                    "privacy.retention", events=report.received_events, messages=report.messages
                )
        except Exception as exc:  # noqa: BLE001 - an outage must not stop the clock
            log.warning("scheduler.tick_failed", error=f"{type(exc).__name__}: {exc}")
        stop.wait(interval)
    log.info("scheduler.stopped")


def start_scheduler_thread(container: Container) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(
        target=run_scheduler, args=(container, stop), name="perla-scheduler", daemon=True
    )
    thread.start()
    return thread, stop
