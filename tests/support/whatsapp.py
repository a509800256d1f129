"""A WhatsApp customer talking to perla through the Zenvia webhook, for end-to-end tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient
from tests.e2e.test_webhooks import CUSTOMER, SECRET, WEBHOOK, message_event

from perla_adapters.memory.messaging import InMemoryMessenger
from perla_core.messaging.messages import OutgoingMessage
from perla_entrypoints.container import Container
from perla_entrypoints.workers import drain_conversations, drain_outbox

HEADERS = {"X-Perla-Webhook-Secret": SECRET}

Say = Callable[..., list[OutgoingMessage]]


def customer(container: Container, client: TestClient[Litestar], contact: str = CUSTOMER) -> Say:
    """``say(text, payload=None)``: the customer writes ``text`` (or taps a button or row whose
    id is ``payload``); the bot's turn and the outbox run; returns what the bot sent back."""
    messenger = container.messenger()
    assert isinstance(messenger, InMemoryMessenger)

    def say(text: str, payload: str | None = None) -> list[OutgoingMessage]:
        before = len(messenger.messages_to(contact))
        event: dict[str, Any] = message_event(text, contact=contact)
        if payload is not None:
            event["message"]["contents"] = [{"type": "text", "text": text, "payload": payload}]
        response = client.post(WEBHOOK, content=json.dumps(event), headers=HEADERS)
        assert response.status_code == 202, response.text
        drain_conversations(container)
        drain_outbox(container)
        return messenger.messages_to(contact)[before:]

    return say
