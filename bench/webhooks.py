"""Zenvia's webhook and one bot turn, in process (Litestar's test client, in-memory storage):

- p95 of acknowledging a MESSAGE event (secret check, JSON, ``parse_event``,
  ``accept_event`` in a unit of work, the enqueue, the 202) against a bare Litestar route
  that only parses the same JSON and answers 202 (goal: at most 3x);
- p95 of one bot turn with the offline rules interpreter: the webhook takes the message, the
  conversation is processed and the outbox hands the reply to the messaging port.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any
from uuid import uuid4

from litestar import Litestar, post
from litestar.params import RawBody
from litestar.status_codes import HTTP_202_ACCEPTED
from litestar.testing import TestClient

from bench.harness import Figure, p, timings
from perla_adapters.memory.messaging import InMemoryMessenger
from perla_entrypoints.container import build_container
from perla_entrypoints.http import create_app
from perla_entrypoints.workers import drain_conversations

REQUESTS = 500
TURNS = 200
SECRET = "bench-secret"  # noqa: S105 - a throw-away app in this process
HEADERS = {"X-Perla-Webhook-Secret": SECRET, "Content-Type": "application/json"}


def event(text: str, contact: str) -> bytes:
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    return json.dumps(
        {
            "id": str(uuid4()),
            "timestamp": now,
            "type": "MESSAGE",
            "subscriptionId": str(uuid4()),
            "channel": "whatsapp",
            "direction": "IN",
            "message": {
                "id": str(uuid4()),
                "from": contact,
                "to": "5491100000000",
                "direction": "IN",
                "channel": "whatsapp",
                "timestamp": now,
                "contents": [{"type": "text", "text": text}],
                "visitor": {"name": "Martín"},
            },
        }
    ).encode()


def bare_app() -> Litestar:
    @post("/webhooks/zenvia", status_code=HTTP_202_ACCEPTED, sync_to_thread=True)
    def receive(body: RawBody) -> dict[str, str]:
        json.loads(body)
        return {"status": "accepted"}

    return Litestar(route_handlers=[receive], openapi_config=None, logging_config=None)


def p95_of(client: TestClient[Litestar], bodies: list[bytes]) -> float:
    pending = iter(bodies)

    def one() -> None:
        response = client.post("/webhooks/zenvia", content=next(pending), headers=HEADERS)
        assert response.status_code == 202, response.text

    return p(timings(one, repeat=len(bodies) - 3), 0.95)


def run() -> list[Figure]:
    with TemporaryDirectory() as folder:
        container = build_container(
            database_url="memory://", data_dir=Path(folder), zenvia_webhook_secret=SECRET
        )
        contacts = [f"54911{n:08d}" for n in range(50)]
        bodies = [event("hola", contacts[n % 50]) for n in range(REQUESTS)]
        bare = [event("hola", contacts[n % 50]) for n in range(REQUESTS)]
        with TestClient(create_app(container)) as perla, TestClient(bare_app()) as baseline:
            ack = p95_of(perla, bodies)
            base = p95_of(baseline, bare)
            turn = p95_of_turn(perla, lambda: drain_conversations(container), container.messenger())
        container.storage().close()
    return [
        Figure(
            "webhook acknowledgement p95",
            "ms",
            ack * 1000,
            base * 1000,
            "bare Litestar route parsing the JSON",
            "≤ 3x",
            f"{REQUESTS} MESSAGE events, in-memory storage",
        ),
        Figure(
            "bot turn p95 (rules)",
            "ms",
            turn * 1000,
            note="webhook in → bot turn → reply handed to the messenger (in-memory)",
        ),
    ]


def p95_of_turn(client: TestClient[Litestar], settle: Callable[[], Any], messenger: Any) -> float:
    assert isinstance(messenger, InMemoryMessenger)
    settle()  # the acknowledgement run's backlog first
    counter = iter(range(10**6))

    def turn() -> None:
        before = len(messenger.sent)
        contact = f"54922{next(counter):08d}"
        response = client.post("/webhooks/zenvia", content=event("hola", contact), headers=HEADERS)
        assert response.status_code == 202, response.text
        settle()
        assert len(messenger.sent) == before + 1

    return p(timings(turn, repeat=TURNS), 0.95)
