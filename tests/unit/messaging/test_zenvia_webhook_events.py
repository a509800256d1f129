"""Zenvia's webhook bodies read into perla's events (``ZENVIA.md`` §3.3 and §6)."""

from __future__ import annotations

import contextlib
import copy
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perla_adapters.zenvia.wire import parse_event
from perla_core.kernel.errors import PerlaError
from perla_core.messaging import (
    InboundFile,
    InboundLocation,
    InboundMessageEvent,
    InboundText,
    InboundUnsupported,
    InvalidWebhookEvent,
    MessageStatus,
    StatusCause,
    StatusEvent,
    UnknownEventType,
)

INBOUND: dict[str, Any] = {
    "id": "3fcdb9f9-a44d-4bb2-944c-84cc104e2e9d",
    "timestamp": "2024-07-10T14:02:11.585Z",
    "type": "MESSAGE",
    "subscriptionId": "5d0f95c8-2430-4337-8077-df9c5a751354",
    "channel": "whatsapp",
    "direction": "IN",
    "message": {
        "id": "32f878df-7e22-4f76-a220-c9b9960f8f92",
        "from": "5511988887777",
        "to": "5511999990000",
        "direction": "IN",
        "channel": "whatsapp",
        "timestamp": "2024-07-10T14:02:10Z",
        "visitor": {"name": "Ana Souza", "firstName": "Ana", "lastName": "Souza"},
        "contents": [{"type": "text", "text": "Quanto custa o plano pro?"}],
    },
}

STATUS: dict[str, Any] = {
    "id": "65690785-99d3-45a4-8d76-3c04529b795c",
    "timestamp": "2024-07-10T14:03:45.896Z",
    "type": "MESSAGE_STATUS",
    "subscriptionId": "6a3e7add-258d-4571-b0bd-2bf25c6cd5af",
    "channel": "whatsapp",
    "messageId": "7391518c-e719-468c-812a-ab00a8b442e4",
    "contentIndex": 0,
    "message": {
        "id": "7391518c-e719-468c-812a-ab00a8b442e4",
        "externalId": "react-2024-07-c1",
        "contentIndex": 0,
        "direction": "OUT",
        "from": "5511999990000",
        "to": "5511988887777",
    },
    "messageStatus": {
        "timestamp": "2024-07-10T11:03:44-03:00",
        "code": "READ",
        "description": "The message has been read by the recipient",
    },
}


def changed(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    copied = copy.deepcopy(body)
    copied.update(changes)
    return copied


def test_an_incoming_text_becomes_an_inbound_message_event() -> None:
    event = parse_event(INBOUND)

    assert event == InboundMessageEvent(
        event_id="3fcdb9f9-a44d-4bb2-944c-84cc104e2e9d",
        occurred_at=datetime(2024, 7, 10, 14, 2, 11, 585000, tzinfo=UTC),
        provider_message_id="32f878df-7e22-4f76-a220-c9b9960f8f92",
        from_="5511988887777",
        to="5511999990000",
        contents=(InboundText("Quanto custa o plano pro?"),),
        sent_at=datetime(2024, 7, 10, 14, 2, 10, tzinfo=UTC),
        visitor_name="Ana Souza",
    )


def test_a_button_reply_keeps_the_payload_and_the_quoted_message() -> None:
    body = copy.deepcopy(INBOUND)
    body["message"]["idRef"] = "7391518c"
    body["message"]["contents"] = [
        {"type": "text", "text": "Sim, quero", "payload": "yes_proposal"},
        {"type": "file", "fileUrl": "https://x/y.jpg", "fileMimeType": "image/jpeg"},
        {"type": "location", "latitude": -23.5, "longitude": -46},
        {"type": "contacts", "contacts": []},
    ]

    event = parse_event(body)

    assert isinstance(event, InboundMessageEvent)
    assert event.reply_to == "7391518c"
    assert event.contents == (
        InboundText("Sim, quero", "yes_proposal"),
        InboundFile("https://x/y.jpg", "image/jpeg"),
        InboundLocation(-23.5, -46.0),
        InboundUnsupported("contacts"),
    )


def test_a_status_reads_the_nested_message_id_and_perlas_external_id() -> None:
    event = parse_event(STATUS)

    assert isinstance(event, StatusEvent)
    assert event.provider_message_id == "7391518c-e719-468c-812a-ab00a8b442e4"
    assert event.external_id == "react-2024-07-c1"
    assert (event.code, event.status) == ("READ", MessageStatus.READ)
    assert event.status_at == datetime(2024, 7, 10, 11, 3, 44, tzinfo=timezone(timedelta(hours=-3)))


def test_a_status_with_only_the_deprecated_top_level_message_id_is_read_too() -> None:
    body = changed(STATUS)
    del body["message"]

    event = parse_event(body)

    assert isinstance(event, StatusEvent)
    assert event.provider_message_id == "7391518c-e719-468c-812a-ab00a8b442e4"
    assert event.external_id is None


def test_the_nested_id_wins_over_the_deprecated_one() -> None:
    event = parse_event(changed(STATUS, messageId="old-id"))

    assert isinstance(event, StatusEvent)
    assert event.provider_message_id == "7391518c-e719-468c-812a-ab00a8b442e4"


def test_a_failure_carries_its_causes_and_maps_to_failed() -> None:
    body = copy.deepcopy(STATUS)
    body["messageStatus"] = {
        "timestamp": "2024-07-10T14:03:44+00:00",
        "code": "NOT_DELIVERED",
        "causes": [{"channelErrorCode": 131047, "reason": "re-engagement", "details": "24h"}],
    }

    event = parse_event(body)

    assert isinstance(event, StatusEvent)
    assert event.status is MessageStatus.FAILED
    assert event.causes == (StatusCause("re-engagement", "131047", "24h"),)


def test_a_status_code_that_is_not_a_delivery_step_is_kept_without_a_status() -> None:
    body = copy.deepcopy(STATUS)
    body["messageStatus"]["code"] = "CLICKED"

    event = parse_event(body)

    assert isinstance(event, StatusEvent)
    assert (event.code, event.status) == ("CLICKED", None)


@pytest.mark.parametrize("kind", ["CONVERSATION_STATUS", "CONTACT", "message"])
def test_an_unknown_event_type_is_a_typed_error_naming_it(kind: str) -> None:
    with pytest.raises(UnknownEventType) as caught:
        parse_event(changed(STATUS, type=kind))

    assert caught.value.event_type == kind
    assert caught.value.field == "type"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([], None),
        ({"type": "MESSAGE_STATUS"}, "id"),
        (changed(STATUS, timestamp="yesterday"), "timestamp"),
        (changed(STATUS, timestamp="2024-07-10T14:03:45"), "timestamp"),
        ({k: v for k, v in STATUS.items() if k not in ("message", "messageId")}, "message.id"),
        (changed(STATUS, messageStatus="READ"), "messageStatus"),
        (changed(STATUS, message=[]), "message"),
        (
            changed(INBOUND, message={"id": "x", "from": "1", "to": "2", "contents": []}),
            "message.contents",
        ),
        (
            changed(
                INBOUND,
                message={
                    "id": "x",
                    "from": 1,
                    "to": "2",
                    "contents": [{"type": "text", "text": "a"}],
                },
            ),
            "message.from",
        ),
        (
            changed(
                INBOUND, message={"id": "x", "from": "1", "to": "2", "contents": [{"type": "text"}]}
            ),
            "message.contents[0].text",
        ),
    ],
)
def test_a_malformed_event_is_refused_naming_the_member(body: Any, field: str | None) -> None:
    with pytest.raises(InvalidWebhookEvent) as caught:
        parse_event(body)

    assert caught.value.field == field


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)
KEYS = st.sampled_from(
    ["id", "timestamp", "type", "message", "messageId", "messageStatus", "contents", "code"]
)
EVENTISH = st.fixed_dictionaries(
    {"type": st.sampled_from(["MESSAGE", "MESSAGE_STATUS", "OTHER"])},
    optional={
        "id": JSON | st.text(min_size=1),
        "timestamp": JSON | st.just("2024-07-10T14:02:11.585Z"),
        "message": JSON | st.dictionaries(KEYS, JSON, max_size=6),
        "messageId": JSON,
        "messageStatus": JSON | st.dictionaries(KEYS, JSON, max_size=4),
    },
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(JSON, EVENTISH))
def test_arbitrary_json_never_raises_anything_but_perlas_typed_errors(body: Any) -> None:
    with contextlib.suppress(PerlaError):
        parse_event(body)


@pytest.mark.parametrize("latitude", [10**400, float("inf"), "12.5", True])
def test_a_location_needs_finite_numbers(latitude: Any) -> None:
    body = copy.deepcopy(INBOUND)
    body["message"]["contents"] = [{"type": "location", "latitude": latitude, "longitude": 1}]

    with pytest.raises(InvalidWebhookEvent) as caught:
        parse_event(body)

    assert caught.value.field == "message.contents[0].latitude"
