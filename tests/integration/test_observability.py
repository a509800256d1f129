"""Observability end to end: one correlation id from Zenvia's webhook through the worker's
bot turn to the outgoing send, in JSON logs; ``GET /metrics`` with the HTTP figures and the
figures the database holds (in memory, SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import structlog
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

from perla_adapters.dramatiq import QUEUE
from perla_adapters.memory.messaging import InMemoryMessenger
from perla_core import conversations
from perla_core.outbox import RELAY_TASK, OutboxStatus
from perla_entrypoints.container import Container, build_container
from perla_entrypoints.http import create_app
from perla_entrypoints.http.observability import METRICS_PATH
from perla_entrypoints.logging import configure_logging
from perla_entrypoints.metrics import SUPPLIER_EMAIL_HANDLER
from perla_entrypoints.workers import drain_conversations, register_actors, start_worker

SECRET = "observability-secret"
HEADER = "X-Perla-Webhook-Secret"
PERLA = "5491100000000"
CUSTOMER = "5491155550123"
WEBHOOK = "/webhooks/zenvia"


def message_event(text: str) -> dict[str, Any]:
    """A MESSAGE event as Zenvia posts it (an inbound WhatsApp text)."""
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    return {
        "id": str(uuid4()),
        "timestamp": now,
        "type": "MESSAGE",
        "subscriptionId": str(uuid4()),
        "channel": "whatsapp",
        "direction": "IN",
        "message": {
            "id": str(uuid4()),
            "from": CUSTOMER,
            "to": PERLA,
            "direction": "IN",
            "channel": "whatsapp",
            "contents": [{"type": "text", "text": text}],
            "visitor": {"name": "Martín"},
        },
    }


def post_event(client: TestClient[Any], headers: dict[str, str] | None = None) -> Any:
    return client.post(
        WEBHOOK,
        content=json.dumps(message_event("hola")),
        headers={HEADER: SECRET, **(headers or {})},
    )


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """Production's JSON logs into a buffer; the previous setup comes back afterwards."""
    saved = structlog.get_config()
    buffer = io.StringIO()
    configure_logging("DEBUG", "json", stream=buffer)
    yield buffer
    structlog.configure(**saved)


def lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def make_container(url: str, tmp_path: Path, **overrides: Any) -> Container:
    built = build_container(
        database_url=url, data_dir=str(tmp_path), zenvia_webhook_secret=SECRET, **overrides
    )
    built.storage().migrate()
    return built


@pytest.fixture
def memory_container(tmp_path: Path) -> Iterator[Container]:
    built = make_container("memory://", tmp_path)
    yield built
    built.storage().close()


def test_one_correlation_id_follows_a_webhook_through_the_worker_to_the_send(
    memory_container: Container, json_logs: io.StringIO
) -> None:
    container = memory_container
    client = TestClient(create_app(container))
    register_actors(container)

    response = post_event(client, {"X-Request-ID": "req-e2e-0001"})

    assert response.status_code == 202
    assert response.headers["X-Request-ID"] == "req-e2e-0001"
    broker = container.broker()
    worker = start_worker(container, threads=1)
    try:
        broker.join(QUEUE, timeout=20_000)  # the bot's turn
        container.task_queue().enqueue(RELAY_TASK)  # a scheduler tick, under no id
        broker.join(QUEUE, timeout=20_000)  # the relay, then each delivery
        worker.join()
    finally:
        worker.stop()

    messenger = container.messenger()
    assert isinstance(messenger, InMemoryMessenger)
    assert len(messenger.messages_to(CUSTOMER)) == 1
    with container.uow() as uow:
        counts = uow.outbox.count_by_status()
    assert counts[OutboxStatus.DONE] >= 1
    assert counts[OutboxStatus.PENDING] == counts[OutboxStatus.FAILED] == 0
    logged = lines(json_logs)
    events = {line["event"]: line for line in logged}
    request = events["http.request"]
    assert (request["route"], request["status"], request["request_id"]) == (
        WEBHOOK,
        202,
        "req-e2e-0001",
    )
    chain = [events[name] for name in ("http.request", "conversations.processed",
                                       "outbox.delivered", "whatsapp.sent")]  # fmt: skip
    assert [line["correlation_id"] for line in chain] == ["req-e2e-0001"] * 4
    relayed = events["outbox.relayed"]
    assert "correlation_id" not in relayed  # the tick itself belongs to no request
    sent = events["whatsapp.sent"]
    assert sent["to"] == "***0123"
    assert CUSTOMER not in json_logs.getvalue()


def test_a_request_without_a_sane_id_gets_a_new_one_in_the_header_and_the_log(
    memory_container: Container, json_logs: io.StringIO
) -> None:
    client = TestClient(create_app(memory_container))

    response = client.get("/health", headers={"X-Request-ID": "not a sane id"})

    given = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", given)
    (line,) = [line for line in lines(json_logs) if line["event"] == "http.request"]
    assert (line["request_id"], line["correlation_id"], line["route"]) == (given, given, "/health")


def scrape(client: TestClient[Any]) -> dict[str, float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    figures: dict[str, float] = {}
    for row in response.text.splitlines():
        if row and not row.startswith("#"):
            name, value = row.rsplit(" ", 1)
            figures[name] = float(value)
    return figures


@pytest.fixture
def sql_container(empty_database_url: str, tmp_path: Path) -> Iterator[Container]:
    """SQLite, then PostgreSQL."""
    built = make_container(empty_database_url, tmp_path)
    yield built
    built.storage().close()


def answer_next_turn(client: TestClient[Any], container: Container) -> None:
    """A customer's message and the bot's turn, its answer left in the outbox."""
    assert post_event(client).status_code == 202
    conversations.process_contact(
        CUSTOMER, container.uow, container.clock(), container.ids(), container.bot()
    )


def test_metrics_report_requests_queue_depth_lag_and_sends_from_the_database(
    sql_container: Container,
) -> None:
    check_metrics(sql_container)


def test_metrics_report_the_same_figures_from_the_in_memory_storage(
    memory_container: Container,
) -> None:
    check_metrics(memory_container)


def check_metrics(container: Container) -> None:
    client = TestClient(create_app(container))
    assert client.get("/health").status_code == 200
    assert client.get("/nowhere").status_code == 404
    assert post_event(client).status_code == 202
    drain_conversations(container)  # the bot answers: one WhatsApp message accepted
    answer_next_turn(client, container)
    with container.uow() as uow:  # an e-mail sent and one given up on, as the handlers record
        uow.processed.record(uuid4(), SUPPLIER_EMAIL_HANDLER, datetime.now(UTC))
        (given_up,) = uow.outbox.claim_pending(datetime.now(UTC), 1)
        uow.outbox.mark(
            given_up.id, OutboxStatus.FAILED, error=f"{SUPPLIER_EMAIL_HANDLER}: MailUnavailable"
        )
        uow.commit()
    answer_next_turn(client, container)  # its answer stays in the outbox: pending
    with container.uow() as uow:
        counts_before = uow.outbox.count_by_status()

    figures = scrape(client)

    assert figures['perla_http_requests_total{method="GET",route="/health",status="200"}'] == 1
    posted = 'perla_http_requests_total{method="POST",route="/webhooks/zenvia",status="202"}'
    assert figures[posted] == 3
    assert figures['perla_http_request_duration_seconds_count{method="GET",route="/health"}'] == 1
    assert figures['perla_http_requests_total{method="GET",route="unmatched",status="404"}'] == 1
    assert figures["perla_stored_figures_up"] == 1
    for status in OutboxStatus:
        assert figures[f'perla_outbox_messages{{status="{status.value}"}}'] == counts_before[status]
    assert counts_before[OutboxStatus.PENDING] >= 1
    assert 0 <= figures["perla_outbox_lag_seconds"] < 600
    assert figures['perla_whatsapp_messages{status="accepted"}'] == 1
    assert figures['perla_whatsapp_messages{status="queued"}'] == 2
    assert figures['perla_emails{result="sent"}'] == 1
    assert figures['perla_emails{result="failed"}'] == 1


def test_metrics_stay_out_of_the_schema_need_no_key_and_can_be_turned_off(
    memory_container: Container, tmp_path: Path
) -> None:
    app = create_app(memory_container)
    (route,) = [r for r in app.routes if r.path == METRICS_PATH]
    assert isinstance(route, HTTPRoute)
    assert not any(h.include_in_schema for h in route.route_handlers)
    assert scrape(TestClient(app))["perla_stored_figures_up"] == 1  # no API key given

    off = make_container("memory://", tmp_path / "off", metrics_enabled=False)
    response = TestClient(create_app(off)).get(METRICS_PATH)
    assert response.status_code == 404
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])
