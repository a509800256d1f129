"""The Messenger's promises, kept by every adapter: in memory, and ``ZenviaMessenger`` over HTTP
against the Zenvia double (one server per module, reset before each test).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar, Request, post
from tests.support.servers import SimulatorControl, running_server

from perla_adapters.memory import FixedClock
from perla_adapters.memory.messaging import InMemoryMessenger
from perla_adapters.zenvia import ZenviaMessenger, parse_event
from perla_adapters.zenvia.simulator import create_zenvia_simulator
from perla_core.gateways.errors import (
    ExternalAuthenticationFailed,
    ExternalProtocolError,
    ExternalRejected,
    ExternalUnavailable,
)
from perla_core.kernel.errors import InvalidValue
from perla_core.messaging import (
    Button,
    ButtonsMessage,
    InboundMessageEvent,
    InboundText,
    ListMessage,
    ListRow,
    ListSection,
    MessageStatus,
    Messenger,
    OutsideWindow,
    StatusEvent,
    TemplateMessage,
    TextMessage,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TOKEN = "zenvia-test-token"
SENDER = "5511999990000"
CONTACT = "5511988887777"


def an_id() -> str:
    return f"perla-msg-{secrets.token_hex(6)}"


class MessengerContract:
    """Every Messenger adapter passes these; subclasses provide ``messenger`` and the hooks."""

    @pytest.fixture
    def messenger(self) -> Messenger:
        raise NotImplementedError

    def sent_count(self) -> int:
        """How many messages reached the provider."""
        raise NotImplementedError

    def go_down(self) -> None:
        """Make the provider unavailable for the next send, retries included."""
        raise NotImplementedError

    def test_a_text_inside_the_window_is_accepted_with_the_providers_id_and_perlas_own(
        self, messenger: Messenger
    ) -> None:
        external_id = an_id()

        sent = messenger.send(
            TextMessage("Oi Ana!"),
            to=f"+{CONTACT}",
            from_=SENDER,
            external_id=external_id,
            last_inbound_at=NOW - timedelta(hours=2),
        )

        assert sent.provider_id
        assert (sent.external_id, sent.to, sent.from_) == (external_id, CONTACT, SENDER)
        assert self.sent_count() == 1

    @pytest.mark.parametrize(
        "last_inbound_at", [None, NOW - timedelta(hours=24), NOW - timedelta(days=3)]
    )
    def test_a_free_form_message_outside_the_window_is_refused_before_it_leaves(
        self, messenger: Messenger, last_inbound_at: datetime | None
    ) -> None:
        message = ButtonsMessage("¿Te envío la propuesta?", [Button("yes", "Sí")])

        with pytest.raises(OutsideWindow) as caught:
            messenger.send(
                message,
                to=CONTACT,
                from_=SENDER,
                external_id=an_id(),
                last_inbound_at=last_inbound_at,
            )

        assert caught.value.field == "last_inbound_at"
        assert self.sent_count() == 0

    def test_a_template_goes_out_even_to_a_contact_who_never_wrote(
        self, messenger: Messenger
    ) -> None:
        template = TemplateMessage("c2c3e42d", {"name": "Ana", "product": "Plano Pro"})

        sent = messenger.send(template, to=CONTACT, from_=SENDER, external_id=an_id())

        assert sent.provider_id
        assert self.sent_count() == 1

    def test_a_list_one_second_before_the_window_closes_is_accepted(
        self, messenger: Messenger
    ) -> None:
        message = ListMessage("Elige", "Ver", [ListSection("Planes", [ListRow("pro", "Pro")])])

        messenger.send(
            message,
            to=CONTACT,
            from_=SENDER,
            external_id=an_id(),
            last_inbound_at=NOW - timedelta(hours=24) + timedelta(seconds=1),
        )

        assert self.sent_count() == 1

    @pytest.mark.parametrize(
        ("field", "changes"),
        [("to", {"to": " "}), ("from_", {"from_": ""}), ("external_id", {"external_id": ""})],
    )
    def test_a_blank_address_or_external_id_is_refused_naming_it(
        self, messenger: Messenger, field: str, changes: dict[str, Any]
    ) -> None:
        arguments: dict[str, Any] = {
            "to": CONTACT,
            "from_": SENDER,
            "external_id": an_id(),
            "last_inbound_at": NOW,
        } | changes

        with pytest.raises(InvalidValue) as caught:
            messenger.send(TextMessage("hola"), **arguments)

        assert caught.value.field == field
        assert self.sent_count() == 0

    def test_a_message_over_whatsapps_limits_cannot_even_be_built(self) -> None:
        with pytest.raises(InvalidValue) as caught:
            ButtonsMessage("Elige", [Button(str(i), f"Opción {i}") for i in range(4)])

        assert caught.value.field == "buttons"

    def test_an_outage_is_a_retryable_typed_error(self, messenger: Messenger) -> None:
        self.go_down()

        with pytest.raises(ExternalUnavailable) as caught:
            messenger.send(
                TextMessage("hola"),
                to=CONTACT,
                from_=SENDER,
                external_id=an_id(),
                last_inbound_at=NOW,
            )

        assert caught.value.retryable
        assert caught.value.system == "zenvia"


class TestInMemoryMessenger(MessengerContract):
    @pytest.fixture
    def messenger(self) -> Messenger:
        self.memory = InMemoryMessenger(FixedClock(NOW))
        return self.memory

    def sent_count(self) -> int:
        return len(self.memory.sent)

    def go_down(self) -> None:
        self.memory.fail_next()

    def test_a_failure_after_the_effect_keeps_the_message_as_sent(
        self, messenger: Messenger
    ) -> None:
        self.memory.fail_next(after_effect=True)

        with pytest.raises(ExternalUnavailable):
            messenger.send(
                TextMessage("hola"),
                to=CONTACT,
                from_=SENDER,
                external_id=an_id(),
                last_inbound_at=NOW,
            )

        assert self.memory.messages_to(CONTACT) == [TextMessage("hola")]


@pytest.fixture(scope="module")
def zenvia_double() -> Iterator[str]:
    with running_server(create_zenvia_simulator(api_key=TOKEN)) as url:
        yield url


class TestZenviaMessengerAgainstTheDouble(MessengerContract):
    @pytest.fixture
    def messenger(self, zenvia_double: str) -> Iterator[Messenger]:
        self.control = SimulatorControl(zenvia_double)
        self.control.reset()
        self.waits: list[float] = []
        self.zenvia = self.messenger_with(zenvia_double, TOKEN)
        yield self.zenvia
        self.zenvia.close()

    @pytest.fixture(autouse=True)
    def _ready(self, messenger: Messenger) -> None:
        """Every test here needs the double reset and ``self.zenvia``."""

    def messenger_with(self, base_url: str, token: str, **options: Any) -> ZenviaMessenger:
        settings: dict[str, Any] = {"timeout": 5, "backoff": 0.001, "retries": 2} | options
        return ZenviaMessenger(
            token,
            FixedClock(NOW),
            base_url=f"{base_url}/v2",
            sleep=self.waits.append,
            **settings,
        )

    def sent_count(self) -> int:
        return len(self.control.state()["messages"])

    def sends(self) -> list[dict[str, Any]]:
        return self.control.requests("POST", "/v2/channels/whatsapp/messages")

    def go_down(self) -> None:
        self.control.fault(status=503, count=3)

    def send_text(self) -> Any:
        return self.zenvia.send(
            TextMessage("hola"), to=CONTACT, from_=SENDER, external_id=an_id(), last_inbound_at=NOW
        )

    def test_the_token_goes_in_x_api_token_and_a_wrong_one_is_authentication_failed(
        self, zenvia_double: str
    ) -> None:
        wrong = self.messenger_with(zenvia_double, "not-the-token")

        with pytest.raises(ExternalAuthenticationFailed) as caught:
            wrong.send(
                TextMessage("hola"),
                to=CONTACT,
                from_=SENDER,
                external_id=an_id(),
                last_inbound_at=NOW,
            )

        wrong.close()
        assert caught.value.remote_code == "AUTHENTICATION_ERROR"
        assert len(self.sends()) == 1

    @pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
    def test_a_transient_failure_is_retried_and_the_message_goes_out_once(
        self, status: int
    ) -> None:
        self.control.fault(status=status)

        sent = self.send_text()

        assert [r["status"] for r in self.sends()] == [status, 200]
        assert [m["id"] for m in self.control.state()["messages"]] == [sent.provider_id]

    def test_a_429_waits_what_retry_after_asks(self) -> None:
        self.control.fault(status=429, retry_after=2)

        self.send_text()

        assert self.waits == [2.0]

    def test_a_retry_after_longer_than_the_inline_limit_is_raised_at_once_for_the_outbox(
        self,
    ) -> None:
        self.control.fault(status=429, retry_after=120)

        with pytest.raises(ExternalUnavailable) as caught:
            self.send_text()

        assert caught.value.retry_after == 120
        assert len(self.sends()) == 1

    def test_a_slow_answer_is_a_timeout_that_is_retried(self, zenvia_double: str) -> None:
        self.control.fault(delay_ms=400)
        quick = self.messenger_with(zenvia_double, TOKEN, timeout=0.1)

        quick.send(
            TextMessage("hola"), to=CONTACT, from_=SENDER, external_id=an_id(), last_inbound_at=NOW
        )

        quick.close()
        assert len(self.waits) == 1

    def test_a_persistent_outage_gives_up_after_the_retries(self) -> None:
        self.control.fault(status=500, count=10)

        with pytest.raises(ExternalUnavailable) as caught:
            self.send_text()

        assert caught.value.attempts == 3
        assert caught.value.remote_status == 500
        assert len(self.sends()) == 3

    def test_a_validation_error_is_rejected_naming_zenvias_path_and_never_retried(
        self,
    ) -> None:
        body = {
            "code": "VALIDATION_ERROR",
            "message": "Validation error",
            "details": [{"code": "LENGTH", "path": "contents.0.text", "message": "too long"}],
        }
        self.control.fault(status=400, body=body)

        with pytest.raises(ExternalRejected) as caught:
            self.send_text()

        assert caught.value.fields == ["contents.0.text"]
        assert caught.value.remote_code == "VALIDATION_ERROR"
        assert not caught.value.retryable
        assert len(self.sends()) == 1

    def test_an_answer_that_is_not_json_is_a_protocol_error(self) -> None:
        self.control.fault(garbage=True)

        with pytest.raises(ExternalProtocolError):
            self.send_text()

    def test_the_double_refuses_what_zenvia_refuses_with_zenvias_error_body(
        self, zenvia_double: str
    ) -> None:
        answer = httpx.post(
            f"{zenvia_double}/v2/channels/whatsapp/messages",
            headers={"X-API-TOKEN": TOKEN},
            json={"from": SENDER, "to": CONTACT, "contents": [{"type": "text", "text": ""}]},
        )

        assert answer.status_code == 400
        assert answer.json()["code"] == "VALIDATION_ERROR"
        assert [d["path"] for d in answer.json()["details"]] == ["contents.0.text"]


# --- events the double emits ------------------------------------------------------------------


@pytest.fixture(scope="module")
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, Any], dict[str, str]]]]]:
    received: list[tuple[dict[str, Any], dict[str, str]]] = []

    @post("/webhooks/zenvia", status_code=200)
    async def hook(request: Request[Any, Any, Any]) -> None:
        received.append((await request.json(), dict(request.headers)))

    with running_server(Litestar([hook])) as url:
        yield f"{url}/webhooks/zenvia", received


def test_the_double_emits_status_events_with_both_id_forms_and_the_static_headers(
    zenvia_double: str, receiver: tuple[str, list[tuple[dict[str, Any], dict[str, str]]]]
) -> None:
    url, received = receiver
    received.clear()
    control = SimulatorControl(zenvia_double)
    control.reset()
    control._call("POST", "/_sim/webhook", {"url": url, "headers": {"X-Perla-Secret": "s3"}})
    zenvia = ZenviaMessenger(TOKEN, FixedClock(NOW), base_url=f"{zenvia_double}/v2")
    sent = zenvia.send(
        TextMessage("hola"), to=CONTACT, from_=SENDER, external_id="perla-1", last_inbound_at=NOW
    )
    zenvia.close()

    answer = control._call(
        "POST",
        "/_sim/emit",
        {
            "events": [
                {"type": "MESSAGE_STATUS", "messageId": sent.provider_id, "code": "READ"},
                {
                    "type": "MESSAGE_STATUS",
                    "messageId": sent.provider_id,
                    "code": "DELIVERED",
                    "form": "top_level",
                },
                {
                    "type": "MESSAGE",
                    "from": CONTACT,
                    "to": SENDER,
                    "text": "Sí",
                    "payload": "yes",
                    "idRef": sent.provider_id,
                },
            ]
        },
    )

    assert [d["status"] for d in answer["delivered"]] == [200, 200, 200]
    assert all(headers.get("x-perla-secret") == "s3" for _, headers in received)
    read, delivered, reply = (parse_event(body) for body, _ in received)
    assert isinstance(read, StatusEvent)
    assert isinstance(delivered, StatusEvent)
    assert (read.provider_message_id, read.external_id, read.status) == (
        sent.provider_id,
        "perla-1",
        MessageStatus.READ,
    )
    assert received[0][0]["messageId"] == sent.provider_id
    assert (delivered.provider_message_id, delivered.external_id) == (sent.provider_id, None)
    assert isinstance(reply, InboundMessageEvent)
    assert reply.contents == (InboundText("Sí", "yes"),)
    assert reply.reply_to == sent.provider_id


def test_perla_simulate_zenvia_serves_the_double() -> None:
    from perla_adapters.simulators import DEFAULT_PORTS, create_simulator  # noqa: PLC0415

    app = create_simulator("zenvia", api_key=TOKEN)

    assert DEFAULT_PORTS["zenvia"] == 8103
    assert "/v2/channels/whatsapp/messages" in {route.path for route in app.routes}
