"""Rate limits per API key on ``/api/v1`` and per source on the webhooks, and request size
limits: 429 and 413 as problem details, each limit counted apart, a source behind a trusted
proxy told apart by ``X-Forwarded-For`` and a source elsewhere not by what it writes there."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest
from litestar import Litestar, Router
from litestar.enums import ScopeType
from litestar.testing import TestClient
from litestar.types import Receive, Scope, Send
from tests.security.conftest import Built, key_of

from perla_core.access.model import Role
from perla_entrypoints.container import build_container
from perla_entrypoints.http import create_app
from perla_entrypoints.http.security import api_rate_limit, per_source

Json = dict[str, Any]
ProblemCheck = Callable[..., Json]

ZENVIA = "/webhooks/zenvia"
PAYMENTS = "/webhooks/payments"
LEADS = "/api/v1/leads"
LIMITS: Json = {
    "api_rate_limit": 3,
    "api_rate_window_seconds": 60,
    "zenvia_webhook_rate_limit": 2,
    "payments_webhook_rate_limit": 2,
    "webhook_rate_window_seconds": 60,
    "zenvia_webhook_secret": "zenvia-shared-secret",
    "payments_webhook_secret": "payments-shared-secret",
    "trusted_proxies": "10.0.0.0/8",
    "max_body_bytes": 4096,
    "webhook_max_bytes": 1024,
}


class FromAddress:
    """The app as seen from ``address`` (Litestar's test client always says ``testclient``)."""

    def __init__(self, app: Litestar) -> None:
        self.app = app
        self.address = "203.0.113.7"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            scope["client"] = (self.address, 50000)
        await self.app(scope, receive, send)


Peer = tuple[FromAddress, TestClient[Litestar]]


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Built, FromAddress]]:
    """One app with small limits for the module; each test uses its own keys and addresses."""
    data = tmp_path_factory.mktemp("limits")
    container = build_container(database_url="memory://", data_dir=str(data), **LIMITS)
    container.storage().migrate()
    peer = FromAddress(create_app(container))
    with TestClient(cast("Litestar", peer)) as client:
        yield (container, client), peer
    container.storage().close()


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_each_api_key_has_its_own_allowance_then_429_with_retry_after(
    limited: tuple[Built, FromAddress], assert_problem: ProblemCheck
) -> None:
    (container, client), _ = limited
    first, second = key_of(container, Role.AGENT, "first"), key_of(container, Role.READONLY)
    for _ in range(3):
        assert client.get(LEADS, headers=_bearer(first)).status_code == 200
    refused = client.get(LEADS, headers=_bearer(first))
    problem = assert_problem(refused, 429, "rate_limited")
    assert (problem["scope"], problem["limit"], problem["window_seconds"]) == ("api", 3, 60)
    assert 1 <= int(refused.headers["retry-after"]) <= 20  # one request back every 20 s
    assert problem["retry_after"] == int(refused.headers["retry-after"])
    # refused writes count too, but another key is untouched
    assert client.get(LEADS, headers=_bearer(second)).status_code == 200
    # the key is never the limiter's key: only its public prefix names the bucket
    assert first.split("_", 2)[2] not in refused.text


def test_a_forged_key_is_refused_before_it_could_spend_a_real_keys_allowance(
    limited: tuple[Built, FromAddress], assert_problem: ProblemCheck
) -> None:
    (container, client), _ = limited
    real = key_of(container, Role.AGENT, "victim")
    forged = _bearer(f"perla_{real.split('_')[1]}_{'A' * 43}")
    for _ in range(5):
        assert_problem(client.get(LEADS, headers=forged), 401, "unauthenticated")
    assert client.get(LEADS, headers=_bearer(real)).status_code == 200


@pytest.mark.parametrize(
    ("path", "headers"),
    [(ZENVIA, {"X-Perla-Webhook-Secret": "wrong"}), (PAYMENTS, {"X-Perla-Signature": "x"})],
)
def test_a_flood_on_a_webhook_from_one_source_is_refused_per_source(
    limited: tuple[Built, FromAddress],
    assert_problem: ProblemCheck,
    path: str,
    headers: dict[str, str],
) -> None:
    (_, client), peer = limited
    peer.address = "198.51.100.10" if path == ZENVIA else "198.51.100.20"
    for _ in range(2):
        assert_problem(client.post(path, content=b"{}", headers=headers), 401, "unauthenticated")
    # a spoofed X-Forwarded-For from a peer that is not a trusted proxy changes nothing
    spoofed = {**headers, "X-Forwarded-For": "192.0.2.99"}
    refused = client.post(path, content=b"{}", headers=spoofed)
    problem = assert_problem(refused, 429, "rate_limited")
    assert problem["scope"] == ("zenvia_webhook" if path == ZENVIA else "payments_webhook")
    assert 1 <= int(refused.headers["retry-after"]) <= 30
    # another source, and the other webhook from the same source, keep their allowance
    peer.address = "198.51.100.30" if path == ZENVIA else "198.51.100.40"
    assert client.post(path, content=b"{}", headers=headers).status_code == 401
    other = PAYMENTS if path == ZENVIA else ZENVIA
    peer.address = "198.51.100.10" if path == ZENVIA else "198.51.100.20"
    assert client.post(other, content=b"{}").status_code == 401


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_allowance(
    limited: tuple[Built, FromAddress], assert_problem: ProblemCheck
) -> None:
    (_, client), peer = limited
    peer.address = "10.1.2.3"  # the load balancer, in PERLA_TRUSTED_PROXIES
    flooding = {"X-Forwarded-For": "192.0.2.1"}
    for _ in range(2):
        assert client.post(ZENVIA, content=b"{}", headers=flooding).status_code == 401
    assert_problem(client.post(ZENVIA, content=b"{}", headers=flooding), 429, "rate_limited")
    # the client cannot escape by prepending hops: the proxy appended the real one last
    prepended = {"X-Forwarded-For": "203.0.113.50, 192.0.2.1"}
    assert client.post(ZENVIA, content=b"{}", headers=prepended).status_code == 429
    assert (
        client.post(ZENVIA, content=b"{}", headers={"X-Forwarded-For": "192.0.2.2"}).status_code
        == 401
    )


def test_a_limit_of_zero_turns_it_off() -> None:
    off = build_container(database_url="memory://", api_rate_limit=0)
    assert api_rate_limit(off) == []
    webhooks = Router(path="/", route_handlers=[])
    assert per_source(off, webhooks, scope="zenvia_webhook", limit=0) is webhooks
    assert per_source(off, webhooks, scope="zenvia_webhook", limit=5) is not webhooks
    assert len(api_rate_limit(build_container(database_url="memory://"))) == 1


def test_a_body_over_max_body_bytes_is_a_413_problem_on_the_api(
    limited: tuple[Built, FromAddress], assert_problem: ProblemCheck
) -> None:
    (container, client), _ = limited
    agent = _bearer(key_of(container, Role.AGENT, "big bodies"))
    fits = client.post(LEADS, content=b'{"notes": "' + b"x" * 4000 + b'"}', headers=agent)
    assert fits.status_code == 400, fits.text  # read and refused for what it says, not its size
    too_big = client.post(LEADS, content=b'{"notes": "' + b"x" * 4100 + b'"}', headers=agent)
    assert_problem(too_big, 413, "payload_too_large")


@pytest.mark.parametrize("path", [ZENVIA, PAYMENTS])
def test_webhooks_keep_their_own_smaller_limit(
    limited: tuple[Built, FromAddress], assert_problem: ProblemCheck, path: str
) -> None:
    (_, client), peer = limited
    peer.address = "198.51.100.77" if path == ZENVIA else "198.51.100.78"
    body = b'{"x": "' + b"y" * 2000 + b'"}'  # under the API's 4 KiB, over the webhooks' 1 KiB
    signed = {"X-Perla-Webhook-Secret": LIMITS["zenvia_webhook_secret"]}
    assert_problem(client.post(path, content=body, headers=signed), 413, "payload_too_large")
