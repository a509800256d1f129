"""Logs without personal data, the correlation id from the request to the outbox and across
the queue, and the stored figures' collector."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import dramatiq
import pytest
import structlog
from dramatiq.brokers.stub import StubBroker
from prometheus_client import generate_latest

from perla_adapters.dramatiq import QUEUE, DramatiqTaskQueue
from perla_adapters.memory import FixedClock, InMemoryStore, InMemoryUnitOfWork, SequentialIds
from perla_core.access.model import Actor, Role
from perla_core.metrics.stored import StoredFigures
from perla_core.onboarding.commands import RegisterLead
from perla_core.onboarding.services import register_lead
from perla_core.outbox import (
    HandlerRegistry,
    OutboxMessage,
    OutboxStatus,
    correlation,
    current_correlation_id,
    deliver_outbox_message,
    relay_outbox,
)
from perla_entrypoints.http.observability import request_id_of
from perla_entrypoints.logging import bound_correlation, configure_logging, mask_pii
from perla_entrypoints.metrics import build_metrics
from perla_entrypoints.workers import CorrelationMiddleware

ADMIN = Actor("test", Role.ADMIN)
TOPIC = "onboarding.lead_registered"


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """structlog set up as production's JSON logs, into a buffer; the old setup comes back."""
    saved = structlog.get_config()
    buffer = io.StringIO()
    configure_logging("DEBUG", "json", stream=buffer)
    yield buffer
    structlog.configure(**saved)


def lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


# --- personal data ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("from martin.gomez@viajes.es", "from m***@viajes.es"),
        ("+5491155550123", "***0123"),
        ("llamar al +54 9 11 5555-0123.", "llamar al ***0123."),
        ("(011) 4555-0123", "***0123"),
        ("/api/v1/conversations/5491155550123", "/api/v1/conversations/***0123"),
    ],
)
def test_e_mail_addresses_and_phone_numbers_are_masked(text: str, masked: str) -> None:
    assert mask_pii(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "550e8400-e29b-41d4-a716-446655440000",
        "12345678-1234-5678-1234-567812345678",
        "3f2a1234567890abcdef00",
        "2026-11-24T15:11:16.123+00:00",
        "2026-11-24",
        "total 12345678.90 ARS",
        "order 123456",
        "no address @ here",
    ],
)
def test_ids_dates_amounts_and_short_numbers_are_left_alone(text: str) -> None:
    assert mask_pii(text) == text


def test_json_logs_mask_personal_data_in_every_value_and_still_redact_secrets(
    json_logs: io.StringIO,
) -> None:
    log = structlog.get_logger("test")

    log.info(
        "guest wrote from ana@hotel.com",
        contact="5491155550123",
        details={"email": "ana@hotel.com", "phones": ["+34 612 345 678"]},
        api_key="perla_live_abc",
        count=12345678,
    )

    (line,) = lines(json_logs)
    text = json.dumps(line)
    assert "ana@hotel.com" not in text
    assert "5491155550123" not in text
    assert "612 345 678" not in text
    assert line["event"] == "guest wrote from a***@hotel.com"
    assert line["contact"] == "***0123"
    assert line["details"] == {"email": "a***@hotel.com", "phones": ["***5678"]}
    assert line["api_key"] == "***"
    assert line["count"] == 12345678


def test_an_exception_logged_has_its_personal_data_masked(json_logs: io.StringIO) -> None:
    log = structlog.get_logger("test")
    try:
        raise ValueError("no such guest ana@hotel.com")
    except ValueError:
        log.exception("lookup_failed")

    (line,) = lines(json_logs)
    assert "ana@hotel.com" not in line["exception"]
    assert "a***@hotel.com" in line["exception"]


# --- the correlation id ----------------------------------------------------------------------


def test_log_lines_carry_the_correlation_id_of_the_work_they_belong_to(
    json_logs: io.StringIO,
) -> None:
    log = structlog.get_logger("test")
    log.info("outside")
    with bound_correlation("req-1"):
        log.info("inside")
        assert current_correlation_id() == "req-1"
        with correlation("msg-2"):
            log.info("a delivery inside")
    log.info("after")

    outside, inside, nested, after = lines(json_logs)
    assert "correlation_id" not in outside
    assert inside["correlation_id"] == "req-1"
    assert nested["correlation_id"] == "msg-2"
    assert "correlation_id" not in after
    assert current_correlation_id() is None


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("req-0001", True),
        ("5f0c1e2a-6d8b-4c1e-9a57-2f3b4c5d6e7f", True),
        ("a" * 128, True),
        ("a" * 129, False),
        ("bad id", False),
        ("-starts-with-a-dash", False),
        ("", False),
        (None, False),
    ],
)
def test_a_sane_request_id_is_kept_and_anything_else_replaced(
    given: str | None, kept: bool
) -> None:
    chosen = request_id_of(given)
    assert (chosen == given) is kept
    if not kept:
        assert len(chosen) == 32
        assert int(chosen, 16) >= 0


@pytest.fixture
def world() -> tuple[InMemoryStore, FixedClock, SequentialIds]:
    return InMemoryStore(), FixedClock(), SequentialIds()


def register(store: InMemoryStore, clock: FixedClock, ids: SequentialIds) -> UUID:
    command = RegisterLead(trade_name="Viajes Sol", country="ES", email="hola@example.es")
    return register_lead(command, InMemoryUnitOfWork(store, clock, ids), clock, ids, ADMIN)


def test_the_unit_of_work_stamps_the_current_correlation_id_on_the_messages_it_writes(
    world: tuple[InMemoryStore, FixedClock, SequentialIds],
) -> None:
    store, clock, ids = world
    register(store, clock, ids)
    with correlation("req-42"):
        register(store, clock, ids)

    stamped = sorted(store.outbox.values(), key=lambda m: m.id.int)
    assert [m.correlation_id for m in stamped] == [None, "req-42"]


class SeeingQueue:
    """A task queue that records the correlation id current at each enqueue."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None]] = []

    def enqueue(self, task: str, **kwargs: str | int) -> None:  # noqa: ARG002 - one task
        self.seen.append((str(kwargs["message_id"]), current_correlation_id()))


def test_the_relay_enqueues_each_message_under_its_correlation_id_and_the_delivery_runs_under_it(
    world: tuple[InMemoryStore, FixedClock, SequentialIds],
) -> None:
    store, clock, ids = world
    with correlation("req-a"):
        register(store, clock, ids)
    register(store, clock, ids)
    queue = SeeingQueue()

    relay_outbox(InMemoryUnitOfWork(store, clock, ids), queue, clock)

    by_id = {str(m.id): m.correlation_id for m in store.outbox.values()}
    assert sorted(c or "" for _, c in queue.seen) == ["", "req-a"]
    assert all(by_id[message_id] == seen for message_id, seen in queue.seen)

    during: list[str | None] = []

    def handler(_: Any, message: OutboxMessage) -> None:
        during.append(current_correlation_id())
        # what a handler writes keeps the id of the message it handles
        register(store, clock, ids)

    registry = HandlerRegistry().with_handler(TOPIC, "test.handler", handler)
    stamped = next(m for m in store.outbox.values() if m.correlation_id == "req-a")
    before = set(store.outbox)
    with correlation("outer"):
        deliver_outbox_message(stamped.id, InMemoryUnitOfWork(store, clock, ids), registry, clock)
        assert current_correlation_id() == "outer"
    assert during == ["req-a"]
    written = [m for i, m in store.outbox.items() if i not in before]
    assert [(m.status, m.correlation_id) for m in written] == [(OutboxStatus.PENDING, "req-a")]


def test_the_dramatiq_middleware_carries_the_correlation_id_across_the_queue(
    json_logs: io.StringIO,
) -> None:
    broker = StubBroker()
    broker.emit_after("process_boot")
    broker.add_middleware(CorrelationMiddleware())
    ran: list[str | None] = []

    def task(n: int) -> None:
        ran.append(current_correlation_id())
        structlog.get_logger("test").info("task.ran", n=n)

    dramatiq.actor(actor_name="task", queue_name=QUEUE, broker=broker)(task)
    queue = DramatiqTaskQueue(broker)
    with bound_correlation("req-queue"):
        queue.enqueue("task", n=1)
    queue.enqueue("task", n=2)
    worker = dramatiq.Worker(broker, worker_threads=1)
    worker.start()
    try:
        broker.join(QUEUE, fail_fast=True)
        worker.join()
    finally:
        worker.stop()

    assert ran == ["req-queue", None]
    first, second = (line for line in lines(json_logs) if line["event"] == "task.ran")
    assert (first["n"], first["correlation_id"]) == (1, "req-queue")
    assert (second["n"], "correlation_id" in second) == (2, False)


# --- the stored figures ----------------------------------------------------------------------


def test_the_collector_reports_the_stored_figures_and_the_lag_of_the_oldest_waiting() -> None:
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    figures = StoredFigures(
        outbox={"pending": 3, "dispatched": 1, "done": 7, "failed": 2},
        oldest_waiting_at=now - timedelta(seconds=90),
        whatsapp={"queued": 1, "accepted": 2, "sent": 0, "delivered": 4, "read": 5, "failed": 1},
        emails_sent=6,
        emails_failed=1,
    )
    metrics = build_metrics(lambda: figures, lambda: now)

    text = generate_latest(metrics.registry).decode()

    assert "perla_stored_figures_up 1.0" in text
    assert 'perla_outbox_messages{status="pending"} 3.0' in text
    assert 'perla_outbox_messages{status="failed"} 2.0' in text
    assert "perla_outbox_lag_seconds 90.0" in text
    assert 'perla_whatsapp_messages{status="delivered"} 4.0' in text
    assert 'perla_whatsapp_messages{status="failed"} 1.0' in text
    assert 'perla_emails{result="sent"} 6.0' in text
    assert 'perla_emails{result="failed"} 1.0' in text


def test_a_database_that_does_not_answer_is_reported_not_raised() -> None:
    def down() -> StoredFigures:
        raise ConnectionError("database down")

    metrics = build_metrics(down, lambda: datetime.now(UTC))
    metrics.observe("GET", "/health", 200, 0.01)

    text = generate_latest(metrics.registry).decode()

    assert "perla_stored_figures_up 0.0" in text
    assert "perla_outbox_messages" not in text
    assert 'perla_http_requests_total{method="GET",route="/health",status="200"} 1.0' in text
