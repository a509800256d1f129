"""``/api/v1/assistant`` end to end with a scripted model (and once with the offline grammar):
conversations are the key's own, a write is only proposed until the next message confirms it,
then applied and audited; a readonly key's model is offered no write tool and a write call is
refused; bad text is a problem naming ``text``; a model outage keeps the message and apologises.

Also the chat page's own routes (``/assistant``): the login that leads to it, and the CSRF
defence of its POSTs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

import pytest
from dependency_injector import providers
from litestar import Litestar
from litestar.testing import TestClient

from perla_core.access.model import Actor, Role
from perla_core.assistant.engine import send_message
from perla_core.assistant.tools import ToolKind
from perla_core.language.errors import ModelUnavailable
from perla_core.language.ports import ModelReply, ModelRequest, ToolCall
from perla_entrypoints.container import Container

Json = dict[str, Any]
Headers = dict[str, str]
ProblemCheck = Any

CONVERSATIONS = "/api/v1/assistant/conversations"
PAGE_API = "/assistant/api/conversations"


class Scripted:
    """A language model answering from a script; keeps every request it got."""

    def __init__(self) -> None:
        self.replies: list[ModelReply | Exception] = []
        self.requests: list[ModelRequest] = []

    def script(self, replies: Iterable[ModelReply | Exception]) -> None:
        self.replies.extend(replies)

    def complete(self, request: ModelRequest) -> ModelReply:
        self.requests.append(request)
        reply = self.replies.pop(0) if self.replies else ModelReply("(fin del guion)")
        if isinstance(reply, Exception):
            raise reply
        return reply


def call(name: str, **arguments: Any) -> ModelReply:
    return ModelReply("", (ToolCall(f"toolu_{name}", name, arguments),), "tool_use")


def register_luna() -> ModelReply:
    return call(
        "register_lead", trade_name="Hoteles Luna", country="ES", email="reservas@hotelesluna.es"
    )


def said(text: str) -> ModelReply:
    return ModelReply(text, (), "end_turn")


@pytest.fixture
def model(container: Container) -> Scripted:
    scripted = Scripted()
    container.assistant_model.override(providers.Object(scripted))
    return scripted


def ok(response: Any, status: int = 200) -> Json:
    assert response.status_code == status, response.text
    body: Json = response.json()
    return body


def start(client: TestClient[Litestar], headers: Headers, **body: Any) -> Json:
    return ok(client.post(CONVERSATIONS, json=body, headers=headers), 201)


def say(client: TestClient[Litestar], headers: Headers, conversation: str, text: str) -> Json:
    url = f"{CONVERSATIONS}/{conversation}/messages"
    response = client.post(url, json={"text": text}, headers=headers)
    assert response.headers["cache-control"] == "no-store"
    return ok(response)


def leads_named(client: TestClient[Litestar], headers: Headers, name: str) -> list[Json]:
    items: list[Json] = ok(client.get("/api/v1/leads", params={"q": name}, headers=headers))[
        "items"
    ]
    return items


def outbox_topics(container: Container, aggregate_id: str) -> list[str]:
    with container.uow() as uow:
        return [m.topic for m in uow.outbox.for_aggregate(UUID(aggregate_id))]


# --- the JSON API ---------------------------------------------------------------------------


def test_conversations_are_started_listed_and_read_by_their_own_key_only(
    client: TestClient[Litestar], agent: Headers, admin: Headers, assert_problem: ProblemCheck
) -> None:
    created = client.post(CONVERSATIONS, json={"title": "Altas de junio"}, headers=agent)
    first = ok(created, 201)
    assert first["title"] == "Altas de junio"
    assert created.headers["location"] == f"{CONVERSATIONS}/{first['id']}"
    untitled = ok(client.post(CONVERSATIONS, headers=agent), 201)
    assert untitled["title"] == ""
    theirs = start(client, admin)

    mine = ok(client.get(CONVERSATIONS, headers=agent))
    assert mine["total"] == 2
    assert {c["id"] for c in mine["items"]} == {first["id"], untitled["id"]}
    assert ok(client.get(CONVERSATIONS, params={"limit": 1}, headers=agent))["limit"] == 1
    assert [c["id"] for c in ok(client.get(CONVERSATIONS, headers=admin))["items"]] == [
        theirs["id"]
    ]

    read = ok(client.get(f"{CONVERSATIONS}/{first['id']}", headers=agent))
    assert read["owner"] == "agent key"
    assert read["role"] == "agent"
    assert read["entries"] == []
    assert read["pending"] is None

    assert_problem(client.get(f"{CONVERSATIONS}/{first['id']}", headers=admin), 404, "not_found")
    refused = client.post(
        f"{CONVERSATIONS}/{first['id']}/messages", json={"text": "hola"}, headers=admin
    )
    assert_problem(refused, 404, "not_found")
    assert ok(client.get(f"{CONVERSATIONS}/{first['id']}", headers=agent))["entries"] == []


def test_a_write_is_proposed_then_applied_on_confirmation_and_audited(
    container: Container, client: TestClient[Litestar], agent: Headers, model: Scripted
) -> None:
    model.script([register_luna()])
    conversation = start(client, agent)["id"]

    proposed = say(client, agent, conversation, "registra el lead Hoteles Luna")

    assert proposed["pending"] is not None
    assert proposed["pending"]["tool"] == "register_lead"
    assert proposed["pending"]["status"] == "pending"
    assert proposed["applied"] is None
    assert proposed["reply"]
    assert [e["kind"] for e in proposed["entries"]] == ["tool_call", "tool_result", "proposal"]
    assert leads_named(client, agent, "Hoteles Luna") == []
    shown = ok(client.get(f"{CONVERSATIONS}/{conversation}", headers=agent))
    assert shown["pending"]["id"] == proposed["pending"]["id"]
    assert shown["title"] == "registra el lead Hoteles Luna"

    confirmed = say(client, agent, conversation, "sí")

    assert confirmed["pending"] is None
    assert confirmed["applied"]["id"] == proposed["pending"]["id"]
    assert confirmed["applied"]["status"] == "applied"
    assert confirmed["version"] > proposed["version"]
    [lead] = leads_named(client, agent, "Hoteles Luna")
    assert lead["email"] == "reservas@hotelesluna.es"
    assert "assistant.change_applied" in outbox_topics(container, conversation)
    entries = ok(client.get(f"{CONVERSATIONS}/{conversation}", headers=agent))["entries"]
    assert [e["kind"] for e in entries][-3:] == ["decision", "tool_result", "assistant"]
    assert entries[-3]["data"]["status"] == "applied"


def test_no_cancels_the_pending_proposal_and_nothing_changes(
    container: Container, client: TestClient[Litestar], agent: Headers, model: Scripted
) -> None:
    model.script([register_luna()])
    conversation = start(client, agent)["id"]
    say(client, agent, conversation, "registra el lead Hoteles Luna")

    cancelled = say(client, agent, conversation, "no")

    assert cancelled["pending"] is None
    assert cancelled["applied"] is None
    assert "Cancelado" in cancelled["reply"]
    assert leads_named(client, agent, "Hoteles Luna") == []
    assert "assistant.change_applied" not in outbox_topics(container, conversation)


def test_a_readonly_key_is_offered_no_write_tool_and_a_write_call_is_refused(
    container: Container, client: TestClient[Litestar], reader: Headers, model: Scripted
) -> None:
    model.script([register_luna(), said("No puedo registrarlo.")])
    conversation = start(client, reader)["id"]

    turn = say(client, reader, conversation, "registra el lead Hoteles Luna")

    offered = {tool.name for tool in model.requests[0].tools}
    writes = {
        t.name for t in container.assistant_tools().tools.values() if t.kind is ToolKind.WRITE
    }
    assert "search_clients" in offered
    assert writes
    assert not offered & writes
    assert turn["pending"] is None
    result = next(e for e in turn["entries"] if e["kind"] == "tool_result")
    assert result["data"]["is_error"] is True
    assert "refused" in result["data"]["content"]
    assert leads_named(client, reader, "Hoteles Luna") == []
    assert say(client, reader, conversation, "sí")["applied"] is None


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"text": 5}, 400),
        ({}, 400),
        ({"text": "x" * 4001}, 400),
        ({"text": "   "}, 422),
    ],
)
def test_bad_text_is_a_problem_naming_text(
    client: TestClient[Litestar],
    agent: Headers,
    model: Scripted,
    assert_problem: ProblemCheck,
    body: Json,
    status: int,
) -> None:
    conversation = start(client, agent)["id"]
    response = client.post(f"{CONVERSATIONS}/{conversation}/messages", json=body, headers=agent)
    code = "invalid_request" if status == 400 else "invalid_value"
    assert_problem(response, status, code, ["text"])
    assert ok(client.get(f"{CONVERSATIONS}/{conversation}", headers=agent))["entries"] == []
    assert model.requests == []


def test_a_model_outage_apologises_keeps_the_message_and_changes_nothing(
    client: TestClient[Litestar], agent: Headers, model: Scripted
) -> None:
    model.script([ModelUnavailable("scripted", "overloaded", status=529)])
    conversation = start(client, agent)["id"]

    turn = say(client, agent, conversation, "registra el lead Hoteles Luna")

    assert "no está disponible" in turn["reply"]
    assert turn["pending"] is None
    entries = ok(client.get(f"{CONVERSATIONS}/{conversation}", headers=agent))["entries"]
    assert [(e["kind"], e["text"]) for e in entries] == [
        ("user", "registra el lead Hoteles Luna"),
        ("notice", "model unavailable"),
    ]
    assert leads_named(client, agent, "Hoteles Luna") == []


def test_the_offline_grammar_registers_a_lead_with_confirmation(
    container: Container, client: TestClient[Litestar], agent: Headers
) -> None:
    conversation = start(client, agent)["id"]

    request = "Registra un lead: Viajes Sol, España, correo ventas@viajessol.es"
    proposed = say(client, agent, conversation, request)
    assert proposed["pending"]["tool"] == "register_lead"
    assert leads_named(client, agent, "Viajes Sol") == []

    applied = say(client, agent, conversation, "sí")
    assert applied["applied"]["tool"] == "register_lead"
    [lead] = leads_named(client, agent, "Viajes Sol")
    assert lead["country"] == "ES"
    assert "assistant.change_applied" in outbox_topics(container, conversation)


# --- the chat page's routes ------------------------------------------------------------------


def log_in(client: TestClient[Litestar], key: str) -> None:
    response = client.post(
        "/dashboard/login", data={"api_key": key, "next": "/assistant"}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/assistant"
    cookies = response.headers.get_list("set-cookie")
    assert sorted(c.split(";")[0].split("=")[0] for c in cookies) == ["perla_dashboard"] * 2
    assert {p.strip().lower() for c in cookies for p in c.split(";")} >= {
        "path=/dashboard",
        "path=/assistant",
        "samesite=strict",
        "httponly",
    }


def test_the_page_sends_to_the_login_and_back_and_its_api_needs_the_session(
    client: TestClient[Litestar], keys: dict[Role, str], assert_problem: ProblemCheck
) -> None:
    away = client.get("/assistant", follow_redirects=False)
    assert away.status_code == 303
    assert away.headers["location"] == "/dashboard/login?next=/assistant"
    form = client.get("/dashboard/login?next=/assistant")
    assert "Asistente de perla" in form.text
    assert 'name="next" value="/assistant"' in form.text
    assert_problem(client.get(PAGE_API), 401, "unauthenticated")
    assert client.get("/dashboard/login?next=https://evil.example").text.count('name="next"') == 0

    log_in(client, keys[Role.AGENT])

    page = client.get("/assistant")
    assert page.status_code == 200
    assert "agent key · comercial" in page.text
    policy = page.headers["content-security-policy"]
    assert "connect-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert page.headers["x-frame-options"] == "DENY"
    assert client.get("/assistant/static/assistant.js").status_code == 200
    paths = client.get("/schema/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith("/assistant")]

    logged_out = client.post("/assistant/logout", follow_redirects=False)
    assert logged_out.headers["location"] == "/dashboard/login?next=/assistant"
    assert client.get("/assistant", follow_redirects=False).status_code == 303


def test_the_pages_posts_need_the_page_header_and_the_same_origin(
    client: TestClient[Litestar],
    keys: dict[Role, str],
    model: Scripted,
    assert_problem: ProblemCheck,
) -> None:
    model.script([said("Hola, ¿en qué te ayudo?")])
    log_in(client, keys[Role.AGENT])
    page = {"X-Perla-Page": "1"}

    assert_problem(client.post(PAGE_API, json={}), 403, "permission_denied")
    assert_problem(
        client.post(PAGE_API, json={}, headers={**page, "Origin": "https://evil.example"}),
        403,
        "permission_denied",
    )
    assert ok(client.get(PAGE_API))["items"] == []

    conversation = ok(client.post(PAGE_API, json={}, headers=page), 201)["id"]
    messages = f"{PAGE_API}/{conversation}/messages"
    assert_problem(client.post(messages, json={"text": "hola"}), 403, "permission_denied")
    turn = ok(client.post(messages, json={"text": "hola"}, headers=page))
    assert turn["reply"] == "Hola, ¿en qué te ayudo?"
    [listed] = ok(client.get(PAGE_API))["items"]
    assert listed["title"] == "hola"
    entries = ok(client.get(f"{PAGE_API}/{conversation}"))["entries"]
    assert [e["kind"] for e in entries] == ["user", "assistant"]


def test_a_turn_racing_another_of_the_same_conversation_is_a_409(
    container: Container,
    client: TestClient[Litestar],
    agent: Headers,
    assert_problem: ProblemCheck,
) -> None:
    conversation = start(client, agent)["id"]
    person = Actor("agent key", Role.AGENT)

    class Racing(Scripted):
        """While the first turn waits for the model, a second turn of it is stored."""

        def complete(self, request: ModelRequest) -> ModelReply:
            self.requests.append(request)
            if len(self.requests) == 1:
                send_message(UUID(conversation), "otra pestaña", person, container.assistant())
                return said("respuesta tardía")
            return said("respuesta de la otra pestaña")

    container.assistant_model.override(providers.Object(Racing()))

    response = client.post(
        f"{CONVERSATIONS}/{conversation}/messages", json={"text": "primera"}, headers=agent
    )

    assert_problem(response, 409, "stale_version")
    entries = ok(client.get(f"{CONVERSATIONS}/{conversation}", headers=agent))["entries"]
    assert [(e["kind"], e["text"]) for e in entries] == [
        ("user", "primera"),
        ("user", "otra pestaña"),
        ("assistant", "respuesta de la otra pestaña"),
    ]


def test_a_summary_session_opens_the_assistant_and_logging_out_ends_both(
    client: TestClient[Litestar], keys: dict[Role, str]
) -> None:
    login = {"api_key": keys[Role.READONLY]}
    summary = client.post("/dashboard/login", data=login, follow_redirects=False)
    assert summary.headers["location"] == "/dashboard"
    assert len(summary.headers.get_list("set-cookie")) == 1

    page = client.get("/assistant")  # via /dashboard/login?next=/assistant, no form

    assert page.status_code == 200
    assert str(page.url).endswith("/assistant")
    assert "readonly key · solo lectura" in page.text

    client.post("/assistant/logout", follow_redirects=False)
    assert client.get("/dashboard", follow_redirects=False).status_code == 303
    assert client.get("/assistant", follow_redirects=False).status_code == 303
