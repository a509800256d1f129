"""Zenvia's webhook end to end: the secret, duplicates, bad bodies, and whole conversations
(the bot's turns run in-process as the actors would; the outbox sends through the container's
in-memory messenger and e-mails the operators through an in-memory mailer)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from dependency_injector import providers
from litestar import Litestar
from litestar.testing import TestClient

from perla_adapters.dramatiq import QUEUE
from perla_adapters.memory import InMemoryMailer
from perla_adapters.memory.messaging import InMemoryMessenger
from perla_core.access.model import Role
from perla_entrypoints.container import Container, build_container
from perla_entrypoints.workers import drain_conversations, start_worker

from .conftest import Headers, Json, ProblemCheck

SECRET = "s3cret-webhook"
HEADER = "X-Perla-Webhook-Secret"
PERLA = "5491100000000"
CUSTOMER = "5491155550123"
OPERATORS = "ventas@microcom.com.ar"
WEBHOOK = "/webhooks/zenvia"
SIGNED = {HEADER: SECRET}

_seconds = itertools.count()


def _stamp() -> str:
    """Now (the 24-hour window opens at the event's time), a second later at each call."""
    moment = datetime.now(UTC) + timedelta(seconds=next(_seconds) % 60)
    return moment.isoformat().replace("+00:00", "Z")


def message_event(
    text: str, *, contact: str = CUSTOMER, event_id: str | None = None, name: str = "Martín"
) -> Json:
    """A MESSAGE event as Zenvia posts it (an inbound WhatsApp text)."""
    return {
        "id": event_id or str(uuid4()),
        "timestamp": _stamp(),
        "type": "MESSAGE",
        "subscriptionId": str(uuid4()),
        "channel": "whatsapp",
        "direction": "IN",
        "message": {
            "id": str(uuid4()),
            "from": contact,
            "to": PERLA,
            "direction": "IN",
            "channel": "whatsapp",
            "contents": [{"type": "text", "text": text}],
            "visitor": {"name": name},
        },
    }


def status_event(provider_id: str, external_id: str, code: str) -> Json:
    """A MESSAGE_STATUS event for a message perla sent."""
    return {
        "id": str(uuid4()),
        "timestamp": _stamp(),
        "type": "MESSAGE_STATUS",
        "subscriptionId": str(uuid4()),
        "channel": "whatsapp",
        "message": {
            "id": provider_id,
            "externalId": external_id,
            "from": PERLA,
            "to": CUSTOMER,
            "direction": "OUT",
        },
        "messageStatus": {"timestamp": _stamp(), "code": code},
    }


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    """The e2e container with the webhook's secret, the operators' address and an in-memory
    mailer."""
    built = build_container(
        database_url="memory://",
        data_dir=str(tmp_path),
        zenvia_webhook_secret=SECRET,
        operators_email=OPERATORS,
    )
    built.mailer.override(providers.Singleton(InMemoryMailer))
    built.storage().migrate()
    yield built
    built.storage().close()


@pytest.fixture
def messenger(container: Container) -> InMemoryMessenger:
    sent = container.messenger()
    assert isinstance(sent, InMemoryMessenger)
    return sent


@pytest.fixture
def converse(container: Container) -> Callable[[], int]:
    """Run the bot's turns and the outbox in this thread, as the actors would."""
    return lambda: drain_conversations(container)


def post_event(client: TestClient[Litestar], event: Json, headers: Headers = SIGNED) -> Any:
    return client.post(WEBHOOK, content=json.dumps(event), headers=headers)


def transcript(client: TestClient[Litestar], headers: Headers, contact: str = CUSTOMER) -> Json:
    response = client.get(f"/api/v1/conversations/{contact}", headers=headers)
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


def texts_to(messenger: InMemoryMessenger, contact: str = CUSTOMER) -> list[str]:
    return [getattr(m, "text", getattr(m, "body", "")) for m in messenger.messages_to(contact)]


# --- the door --------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, {HEADER: ""}, {HEADER: "wrong"}, {HEADER: SECRET + "x"}])
def test_a_missing_or_wrong_secret_is_refused_and_nothing_is_stored(
    client: TestClient[Litestar],
    assert_problem: ProblemCheck,
    reader: Headers,
    headers: Headers,
) -> None:
    response = post_event(client, message_event("hola"), headers)
    assert_problem(response, 401, "unauthenticated")
    listed = client.get("/api/v1/conversations", headers=reader).json()
    assert listed["total"] == 0


def test_without_a_configured_secret_the_webhook_refuses_everything(
    tmp_path: Path, assert_problem: ProblemCheck
) -> None:
    from perla_entrypoints.http import create_app  # noqa: PLC0415

    unconfigured = build_container(database_url="memory://", data_dir=str(tmp_path))
    with TestClient(create_app(unconfigured)) as client:
        response = post_event(client, message_event("hola"), {HEADER: ""})
        assert_problem(response, 503, "webhook_not_configured")


def test_a_repeated_event_id_is_stored_once_and_answered_duplicate(
    client: TestClient[Litestar], converse: Callable[[], int], agent: Headers
) -> None:
    event = message_event("hola")
    first = post_event(client, event)
    again = post_event(client, event)
    assert (first.status_code, first.json()) == (202, {"status": "accepted"})
    assert (again.status_code, again.json()) == (202, {"status": "duplicate"})
    assert converse() == 1
    inbound = [m for m in transcript(client, agent)["messages"] if m["direction"] == "inbound"]
    assert [m["text"] for m in inbound] == ["hola"]


def test_a_body_that_is_not_json_is_refused(
    client: TestClient[Litestar], assert_problem: ProblemCheck
) -> None:
    response = client.post(WEBHOOK, content=b"{not json", headers=SIGNED)
    assert_problem(response, 400, "invalid_webhook_event")


def test_an_event_missing_a_field_is_refused_naming_it(
    client: TestClient[Litestar], assert_problem: ProblemCheck
) -> None:
    event = message_event("hola")
    del event["message"]["contents"]
    response = post_event(client, event)
    assert_problem(response, 400, "invalid_webhook_event", ["message.contents"])


def test_an_oversize_body_is_refused(
    client: TestClient[Litestar], assert_problem: ProblemCheck
) -> None:
    event = message_event("x" * 300_000)
    response = post_event(client, event)
    assert_problem(response, 413, "payload_too_large")


def test_an_event_type_perla_does_not_handle_is_acknowledged_and_ignored(
    client: TestClient[Litestar], reader: Headers
) -> None:
    event = {**message_event("hola"), "type": "CONTACT"}
    response = post_event(client, event)
    assert (response.status_code, response.json()) == (202, {"status": "ignored"})
    assert client.get("/api/v1/conversations", headers=reader).json()["total"] == 0


# --- conversations ---------------------------------------------------------------------------


def test_a_greeting_is_answered_by_the_bot_through_the_messenger(
    client: TestClient[Litestar],
    converse: Callable[[], int],
    messenger: InMemoryMessenger,
    agent: Headers,
) -> None:
    assert post_event(client, message_event("hola")).status_code == 202
    converse()
    replies = texts_to(messenger)
    assert len(replies) == 1
    assert "MICROCOM" in replies[0]
    record = transcript(client, agent)
    assert record["owner"] == "bot"
    assert [(m["direction"], m["author"]) for m in record["messages"]] == [
        ("inbound", "contact"),
        ("outbound", "bot"),
    ]
    assert record["messages"][1]["status"] == "accepted"
    assert record["contact_name"] == "Martín"


def test_events_of_one_contact_are_handled_in_arrival_order_even_if_stamped_out_of_order(
    client: TestClient[Litestar], converse: Callable[[], int], agent: Headers
) -> None:
    later = message_event("hola")
    earlier = message_event("pasame con un vendedor")
    later["timestamp"], earlier["timestamp"] = earlier["timestamp"], later["timestamp"]
    assert post_event(client, later).status_code == 202
    assert post_event(client, earlier).status_code == 202
    assert converse() == 2
    record = transcript(client, agent)
    inbound = [m["text"] for m in record["messages"] if m["direction"] == "inbound"]
    assert inbound == ["hola", "pasame con un vendedor"]
    assert record["owner"] == "human"


def test_a_handoff_notifies_the_operators_silences_the_bot_and_a_hand_back_revives_it(
    client: TestClient[Litestar],
    container: Container,
    converse: Callable[[], int],
    messenger: InMemoryMessenger,
    agent: Headers,
) -> None:
    post_event(client, message_event("hola"))
    post_event(client, message_event("pasame con un vendedor"))
    converse()
    record = transcript(client, agent)
    assert record["owner"] == "human"
    assert [h["reason"] for h in record["handoffs"]] == ["talk_to_person"]
    mailer = container.mailer()
    assert isinstance(mailer, InMemoryMailer)
    assert len(mailer.sent_to(OPERATORS)) == 1
    answered = len(texts_to(messenger))

    post_event(client, message_event("¿hay alguien?"))
    converse()
    assert len(texts_to(messenger)) == answered  # the bot stays silent

    reply = client.post(
        f"/api/v1/conversations/{CUSTOMER}/reply", json={"text": "Hola, soy Laura"}, headers=agent
    )
    assert reply.status_code == 202, reply.text
    converse()
    assert texts_to(messenger)[-1] == "Hola, soy Laura"

    back = client.post(f"/api/v1/conversations/{CUSTOMER}/hand-back", headers=agent)
    assert back.status_code == 200, back.text
    assert back.json()["owner"] == "bot"
    post_event(client, message_event("hola"))
    converse()
    assert len(texts_to(messenger)) == answered + 2
    assert "MICROCOM" in texts_to(messenger)[-1]


def test_an_operator_takes_over_by_hand_and_the_owner_filter_lists_it(
    client: TestClient[Litestar], converse: Callable[[], int], agent: Headers, reader: Headers
) -> None:
    post_event(client, message_event("hola"))
    post_event(client, message_event("hola", contact="5491166660000"))
    converse()
    taken = client.post(f"/api/v1/conversations/{CUSTOMER}/take-over", headers=agent)
    assert taken.status_code == 200, taken.text
    assert taken.json()["handoffs"][0]["reason"] == "operator"
    humans = client.get("/api/v1/conversations?owner=human", headers=reader).json()
    assert [c["contact"] for c in humans["items"]] == [CUSTOMER]
    assert client.get("/api/v1/conversations", headers=reader).json()["total"] == 2
    refused = client.post(f"/api/v1/conversations/{CUSTOMER}/take-over", headers=reader)
    assert refused.status_code == 403


def test_read_before_delivered_stays_read(
    client: TestClient[Litestar],
    converse: Callable[[], int],
    messenger: InMemoryMessenger,
    agent: Headers,
) -> None:
    post_event(client, message_event("hola"))
    converse()
    sent = messenger.sent[-1].sent
    for code in ("READ", "DELIVERED"):
        answer = post_event(client, status_event(sent.provider_id, sent.external_id, code))
        assert answer.json() == {"status": "accepted"}
    converse()
    outbound = [m for m in transcript(client, agent)["messages"] if m["direction"] == "outbound"]
    assert outbound[0]["status"] == "read"


def test_the_webhook_enqueues_the_conversation_for_the_workers(
    client: TestClient[Litestar],
    container: Container,
    messenger: InMemoryMessenger,
    drain: Callable[[], int],
) -> None:
    assert post_event(client, message_event("hola")).status_code == 202
    worker = start_worker(container, threads=1)
    try:
        container.broker().join(QUEUE, timeout=10_000)
    finally:
        worker.stop()
    drain()
    assert len(texts_to(messenger)) == 1


def test_an_unknown_contact_is_not_found(
    client: TestClient[Litestar], assert_problem: ProblemCheck, keys: dict[Role, str]
) -> None:
    headers = {"Authorization": f"Bearer {keys[Role.READONLY]}"}
    response = client.get("/api/v1/conversations/5491100009999", headers=headers)
    assert_problem(response, 404, "not_found")
