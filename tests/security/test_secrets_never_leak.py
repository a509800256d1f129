"""Secrets never reach a log line or an answer, save the one answer that shows each once.

One scenario with every kind of secret perla holds set to a string the test knows: API keys
(one created through the API), a credential's secret (issued, then rotated), the SMTP password,
the Zenvia token and webhook secret, the payment provider's secret, the Anthropic key (its API
pointed at a closed port, so calls fail and are logged), Dome's and PerlaHub's keys and the
signing secrets of document links and staff sessions. The scenario sends wrong webhook
secrets, a forged API key, an assistant turn whose model call fails and a request that ends in
a 500, with structlog writing JSON at DEBUG into a buffer; then every log line (structlog's,
the standard library's, stdout and stderr) and every response (body and headers) is searched
for every secret.
"""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import structlog
from dependency_injector import providers
from litestar import Litestar
from litestar.testing import TestClient

from perla_entrypoints.container import Container, build_container, settings_of
from perla_entrypoints.logging import configure_logging

Json = dict[str, Any]


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


SECRETS: dict[str, Any] = {
    "smtp_password": "smtp-pw-7c1e0b5f9a",
    "zenvia_api_token": "zenvia-token-52d8e61c0b",
    "zenvia_webhook_secret": "zenvia-hook-9f03a7be44",
    "payments_webhook_secret": "payments-hook-1a2b3c4d5e",
    "anthropic_api_key": "sk-ant-api03-test-6e5d4c3b2a",
    "dome_api_key": "dome-key-0b9a8c7d6e",
    "perlahub_api_key": "perlahub-key-5f4e3d2c1b",
    "documents_link_secret": "doc-link-secret-a1b2c3d4e5",
    "dashboard_session_secret": "session-secret-f6e5d4c3b2",
}
WRONG = {"zenvia": "zenvia-hook-WRONG-11aa22bb", "payments": "sha256=" + "ab" * 32}


class BrokenClock:
    def now(self) -> datetime:
        raise RuntimeError("clock exploded")


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    """The e2e fixtures' container, with every secret set and Anthropic unreachable."""
    built = build_container(
        database_url="memory://",
        data_dir=str(tmp_path),
        anthropic_base_url=f"http://127.0.0.1:{_closed_port()}",
        anthropic_timeout_seconds=2.0,
        assistant_timeout_seconds=2.0,
        smtp_username="perla",
        **SECRETS,
    )
    built.storage().migrate()
    yield built
    built.storage().close()


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """structlog writing JSON at DEBUG into a buffer; the previous set-up restored after."""
    saved = structlog.get_config()
    buffer = io.StringIO()
    configure_logging("DEBUG", "json", stream=buffer)
    yield buffer
    structlog.configure(**saved)


class Recorder:
    """Every response of the scenario, and the ones allowed to show a given secret."""

    def __init__(self, client: TestClient[Litestar]) -> None:
        self.client = client
        self.seen: list[tuple[str, Any]] = []

    def __call__(self, method: str, path: str, *, shows: str = "", **kwargs: Any) -> Any:
        response = self.client.request(method, path, **kwargs)
        self.seen.append((shows, response))
        return response


def _texts(response: Any) -> str:
    return f"{response.text}\n{json.dumps(dict(response.headers))}"


def test_no_secret_is_logged_or_answered_except_once_where_it_is_issued(
    container: Container,
    client: TestClient[Litestar],
    admin: dict[str, str],
    agent: dict[str, str],
    issued_credential: Json,
    lead_payload: Callable[..., Json],
    json_logs: io.StringIO,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    call = Recorder(client)
    secrets = dict(SECRETS)
    secrets["admin key"] = admin["Authorization"].removeprefix("Bearer ")
    secrets["agent key"] = agent["Authorization"].removeprefix("Bearer ")
    secrets["issued credential"] = issued_credential["secret"]

    # an API key created through the API: shown in that answer, nowhere else
    created = call(
        "POST",
        "/api/v1/api-keys",
        shows="new key",
        headers=admin,
        json={"name": "CRM sync", "role": "readonly"},
    )
    assert created.status_code == 201, created.text
    secrets["new key"] = created.json()["key"]
    new_key = {"Authorization": f"Bearer {secrets['new key']}"}
    assert call("GET", "/api/v1/leads", headers=new_key).status_code == 200
    assert call("GET", "/api/v1/api-keys", headers=admin).status_code == 200
    prefix = secrets["new key"].split("_")[1]
    secrets["forged key"] = f"perla_{prefix}_{'Z' * 43}"
    forged = {"Authorization": f"Bearer {secrets['forged key']}"}
    assert call("GET", "/api/v1/leads", headers=forged).status_code == 401

    # a credential's secret: shown when issued (the fixture) and when rotated, then never
    credential = f"/api/v1/credentials/{issued_credential['id']}"
    rotated = call("POST", f"{credential}/rotate-secret", shows="rotated", headers=agent)
    assert rotated.status_code == 200, rotated.text
    secrets["rotated"] = rotated.json()["secret"]
    assert call("GET", credential, headers=agent).status_code == 200
    owner = issued_credential["client_id"]
    assert call("GET", f"/api/v1/clients/{owner}/credentials", headers=agent).status_code == 200
    assert call("GET", f"/api/v1/clients/{owner}/activity", headers=agent).status_code == 200

    # webhooks with wrong secrets
    zenvia = {"X-Perla-Webhook-Secret": WRONG["zenvia"]}
    assert call("POST", "/webhooks/zenvia", headers=zenvia, json={"id": "x"}).status_code == 401
    signed = {"X-Perla-Signature": WRONG["payments"]}
    assert call("POST", "/webhooks/payments", headers=signed, json={}).status_code == 401

    # an assistant turn whose model (Anthropic, unreachable) fails
    started = call("POST", "/api/v1/assistant/conversations", headers=agent, json={})
    assert started.status_code == 201, started.text
    turn = f"/api/v1/assistant/conversations/{started.json()['id']}/messages"
    failed_turn = call("POST", turn, headers=agent, json={"text": "lista los leads"})
    assert failed_turn.status_code == 200, failed_turn.text
    assert "no está disponible" in failed_turn.json()["reply"]  # the model call failed

    # an unexpected error: a generic 500, logged with its traceback
    with container.clock.override(providers.Object(BrokenClock())):
        crashed = call("POST", "/api/v1/leads", headers=agent, json=lead_payload())
    assert crashed.status_code == 500

    # the settings as perla prints them
    structlog.get_logger("perla.test").info("settings", **settings_of(container).redacted())

    logged = "\n".join([json_logs.getvalue(), caplog.text, *capsys.readouterr()])
    lines = [json.loads(line) for line in json_logs.getvalue().splitlines() if line]
    assert len(lines) > len(call.seen)  # structlog wrote JSON here: a line per request, more
    assert "clock exploded" in json_logs.getvalue()  # the 500 was logged, traceback and all
    assert "RuntimeError" in json_logs.getvalue()
    leaks = [name for name, value in secrets.items() if value in logged]
    leaks += [f"wrong {name} secret" for name, value in WRONG.items() if value in logged]
    for shows, response in call.seen:
        text = _texts(response)
        leaks += [
            f"{name} in {response.request.method} {response.request.url.path}"
            for name, value in secrets.items()
            if value in text and name != shows
        ]
    assert not leaks, leaks
    # the two answers that show a secret show exactly their own
    assert secrets["new key"] in _texts(created)
    assert secrets["rotated"] in _texts(rotated)
    assert rotated.headers["cache-control"] == "no-store"


def test_every_secret_setting_of_the_scenario_is_masked_when_settings_are_shown(
    container: Container,
) -> None:
    shown = settings_of(container).redacted()
    assert {name: shown[name] for name in SECRETS} == dict.fromkeys(SECRETS, "***")
    assert not [name for name, value in SECRETS.items() if value in json.dumps(shown)]
