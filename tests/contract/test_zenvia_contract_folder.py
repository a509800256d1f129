"""Zenvia's own contract cases (``../shared/zenvia-contract``) against perla's Zenvia double and
perla's wire format.

Every case is sent, as written, to the double over real HTTP on loopback: valid cases get the
status (and, for sends, the echoed body) the case shows; ``expectedFail`` cases are refused with
Zenvia's error body. For every send case perla can express as a core message, the adapter's
request body equals the case's body, and so does what ``ZenviaMessenger`` puts on the wire.
The folder lives beside the repository (``/work/shared`` next to ``/work/main``, and so in CI);
without it these tests fail rather than skip.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.support.servers import running_server

from perla_adapters.memory import FixedClock
from perla_adapters.zenvia import ZenviaMessenger
from perla_adapters.zenvia.simulator import create_zenvia_simulator
from perla_adapters.zenvia.wire import request_body
from perla_core.messaging import (
    Button,
    ButtonsMessage,
    FileHeader,
    FileMessage,
    ListMessage,
    ListRow,
    ListSection,
    OutgoingMessage,
    TemplateMessage,
    TextHeader,
    TextMessage,
)

CONTRACT = Path(__file__).resolve().parents[2].parent / "shared" / "zenvia-contract"
TOKEN = "some-api-token"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _cases() -> list[Path]:
    return sorted(CONTRACT.glob("*.json")) if CONTRACT.is_dir() else []


CASES = _cases()

TWO_BUTTONS = (Button("button-id", "button-title"), Button("button-id", "button-title"))
LIST_ROWS = (
    ListSection(
        "the-section-title",
        (
            ListRow("row-1", "row-title", "row-description"),
            ListRow("row-2", "row-title", "row-description"),
        ),
    ),
)

EQUIVALENTS: dict[str, OutgoingMessage] = {
    "channels__whatsapp__send-text.json": TextMessage("some text"),
    "channels__whatsapp__send-template.json": TemplateMessage(
        "some template id", {"field1": "field1 value", "field2": "field2 value"}
    ),
    "channels__whatsapp__send-file.json": FileMessage("https://host.com/file/path"),
    "channels__whatsapp__send-file-with-all-fields.json": FileMessage(
        "https://host.com/file/path",
        mime_type="image/png",
        caption="file caption",
        file_name="file name",
    ),
    "channels__whatsapp__send-button.json": ButtonsMessage("text-body-content", TWO_BUTTONS),
    "channels__whatsapp__send-button-with-text-header.json": ButtonsMessage(
        "text-body-content",
        TWO_BUTTONS,
        header=TextHeader("text-header-content"),
        footer="text-footer-content",
    ),
    "channels__whatsapp__send-button-with-document-header.json": ButtonsMessage(
        "text-body-content",
        TWO_BUTTONS,
        header=FileHeader(
            "https://zenvia.br/zenvia-team.pdf", "application/pdf", "zenvia-team.pdf"
        ),
        footer="text-footer-content",
    ),
    "channels__whatsapp__send-list.json": ListMessage(
        "text-body-content", "button-title", LIST_ROWS
    ),
    "channels__whatsapp__send-list-with-all-fields.json": ListMessage(
        "text-body-content",
        "button-title",
        LIST_ROWS,
        header="text-header-content",
        footer="text-footer-content",
    ),
}
"""The send cases perla's messages can express (contacts, location, orders and carousel
templates are Zenvia features perla does not send)."""


def load(path: Path) -> dict[str, Any]:
    case: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return case


@pytest.fixture(scope="module")
def double() -> Iterator[str]:
    with running_server(create_zenvia_simulator(api_key=TOKEN)) as url:
        yield url


def send_case(base_url: str, case: dict[str, Any]) -> httpx.Response:
    request = case["request"]
    path = request["path"]
    if request["method"] == "GET" and path == "/subscriptions":
        # The state the case presumes: exactly the subscriptions it lists.
        httpx.post(f"{base_url}/_sim/reset").raise_for_status()
        for held in case["response"]["body"]:
            seed = {k: held[k] for k in ("eventType", "webhook", "criteria", "status") if k in held}
            created = httpx.post(
                f"{base_url}/v2/subscriptions", headers={"x-api-token": TOKEN}, json=seed
            )
            assert created.status_code == 200, created.text
    if "/subscriptions/ID" in path:
        created = httpx.post(
            f"{base_url}/v2/subscriptions",
            headers={"x-api-token": TOKEN},
            json={
                "eventType": "MESSAGE",
                "webhook": {"url": "https://myhost.com/webhook/path"},
                "criteria": {"channel": "whatsapp", "direction": "IN"},
            },
        )
        assert created.status_code == 200, created.text
        path = path.replace("/ID", "/" + created.json()["id"])
    return httpx.request(
        request["method"],
        f"{base_url}/v2{path}",
        params=request.get("query") or None,
        headers=request["headers"],
        content=None if "body" not in request else json.dumps(request["body"]).encode(),
    )


def without(value: Any, *names: str) -> Any:
    """``value`` without its top-level members ``names`` (in each item, for a list)."""
    if isinstance(value, list):
        return [without(item, *names) for item in value]
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k not in names}
    return value


def test_the_contract_folder_is_there_with_cases() -> None:
    assert CONTRACT.is_dir(), f"Zenvia's contract folder is missing: {CONTRACT}"
    assert len(CASES) >= 20
    assert any("expectedFail" in load(p) for p in CASES)


def test_every_send_case_perla_can_express_is_mapped() -> None:
    sends = {p.name for p in CASES if p.name.startswith("channels__whatsapp__send-")}
    assert set(EQUIVALENTS) <= sends


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_the_double_answers_each_case_as_zenvia_does(double: str, path: Path) -> None:
    case = load(path)

    response = send_case(double, case)

    if "expectedFail" in case:
        assert 400 <= response.status_code < 500, response.text
        body = response.json()
        assert body["code"] == "VALIDATION_ERROR"
        assert isinstance(body["message"], str)
        assert all({"code", "path", "message"} <= set(d) for d in body["details"])
        return
    expected = case["response"]
    assert response.status_code == expected["status"], response.text
    if "body" in expected:
        wanted = expected["body"]
        if case["request"]["path"] == "/channels/whatsapp/messages":
            # Zenvia echoes the contents sent (ZENVIA.md 2.2); the two order-details cases
            # upstream paste another payment's contents into their response.
            wanted = {**wanted, "contents": case["request"]["body"]["contents"]}
        ignored = ("id", "createdAt", "updatedAt")
        assert without(response.json(), *ignored) == without(wanted, *ignored)
        answered = response.json()
        assert all(
            item.get("id") for item in (answered if isinstance(answered, list) else [answered])
        )
        assert response.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize("name", sorted(EQUIVALENTS))
def test_perlas_request_body_for_the_equivalent_message_equals_the_cases(name: str) -> None:
    case = load(CONTRACT / name)
    given = case["request"]["body"]

    body = request_body(EQUIVALENTS[name], to=given["to"], from_=given["from"], external_id=None)

    assert json.loads(json.dumps(body)) == given


@pytest.mark.parametrize("name", sorted(EQUIVALENTS))
def test_the_messenger_puts_the_cases_body_on_the_wire_with_perlas_external_id(
    double: str, name: str
) -> None:
    given = load(CONTRACT / name)["request"]["body"]
    messenger = ZenviaMessenger(TOKEN, FixedClock(NOW), base_url=f"{double}/v2", timeout=5)
    try:
        sent = messenger.send(
            EQUIVALENTS[name],
            to=given["to"],
            from_=given["from"],
            external_id=f"perla-{name}",
            last_inbound_at=NOW,
        )
    finally:
        messenger.close()

    state = httpx.get(f"{double}/_sim/state").json()
    held = next(m for m in state["messages"] if m["id"] == sent.provider_id)
    seen = [r for r in state["requests"] if r["body"] == {**given, "externalId": sent.external_id}]
    assert without(held, "id", "direction", "acceptedAt") == {
        **given,
        "externalId": sent.external_id,
    }
    assert seen
    assert seen[-1]["status"] == 200
