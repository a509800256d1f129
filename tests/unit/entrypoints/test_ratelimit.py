"""Rate limits on public routes: the memory limiter, who the client is, and the guard."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from litestar import Litestar, post
from litestar.connection import ASGIConnection
from litestar.testing import TestClient
from tests.unit.entrypoints.ratelimit_contract import FakeClock, RateLimiterContract

from perla_entrypoints.http.problems import EXCEPTION_HANDLERS, PROBLEM_JSON
from perla_entrypoints.http.ratelimit import (
    KeyOf,
    MemoryRateLimiter,
    RateDecision,
    RateLimited,
    RateLimiter,
    RateLimiterUnavailable,
    client_ip,
    client_ip_behind,
    rate_limit_guard,
    rate_limited,
    too_many_requests,
)


class TestMemoryRateLimiter(RateLimiterContract):
    @pytest.fixture
    def limiter(self, clock: FakeClock) -> MemoryRateLimiter:
        return MemoryRateLimiter(clock=clock)


def test_keys_whose_bucket_is_full_again_are_forgotten() -> None:
    clock = FakeClock()
    limiter = MemoryRateLimiter(clock=clock)
    for n in range(100):
        limiter.hit(f"guest_form:198.51.100.{n}", limit=5, window_seconds=60)
    assert len(limiter) == 100

    clock.advance(60 / 5)  # one hit each: full again after one interval
    limiter.hit("guest_form:203.0.113.1", limit=5, window_seconds=60)

    assert len(limiter) == 1


def test_past_max_keys_the_least_recently_hit_key_is_forgotten_first() -> None:
    clock = FakeClock()
    limiter = MemoryRateLimiter(max_keys=3, clock=clock)
    for key in ("a", "b", "c"):
        limiter.hit(key, limit=1, window_seconds=60)
    assert not limiter.hit("a", limit=1, window_seconds=60).allowed  # refused: still first

    limiter.hit("d", limit=1, window_seconds=60)

    assert len(limiter) == 3
    assert limiter.hit("a", limit=1, window_seconds=60).allowed  # forgotten: a full bucket
    assert not limiter.hit("d", limit=1, window_seconds=60).allowed


def test_many_threads_hitting_at_once_are_let_through_exactly_the_limit() -> None:
    limiter = MemoryRateLimiter(clock=FakeClock())
    threads, hits_each, limit = 32, 50, 500
    start = threading.Barrier(threads)
    allowed: list[int] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        start.wait()
        mine = 0
        for _ in range(hits_each):
            mine += limiter.hit("shared", limit=limit, window_seconds=60).allowed
            limiter.hit(f"own:{n}", limit=10, window_seconds=60)
        with lock:
            allowed.append(mine)

    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert sum(allowed) == limit
    assert len(limiter) == threads + 1


# --- who the client is ----------------------------------------------------------------------


def connection(peer: str, *forwarded_for: str) -> ASGIConnection[Any, Any, Any, Any]:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded_for]
    scope: Any = {"type": "http", "client": (peer, 50000), "headers": headers}
    return ASGIConnection(scope)


BEHIND_PROXIES = client_ip_behind(["10.0.0.0/8", "2001:db8:ffff::1"])


def test_the_peer_address_is_the_client_and_a_forwarded_for_from_it_is_ignored() -> None:
    assert client_ip(connection("203.0.113.7")) == "203.0.113.7"
    assert client_ip(connection("203.0.113.7", "198.51.100.1")) == "203.0.113.7"
    assert BEHIND_PROXIES(connection("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_behind_a_trusted_proxy_the_nearest_untrusted_forwarded_hop_is_the_client() -> None:
    assert BEHIND_PROXIES(connection("10.0.0.1", "203.0.113.7")) == "203.0.113.7"
    assert BEHIND_PROXIES(connection("10.0.0.1", "203.0.113.7, 10.1.2.3")) == "203.0.113.7"
    spoofed = connection("10.0.0.1", "1.1.1.1, 203.0.113.7")  # the client wrote 1.1.1.1
    assert BEHIND_PROXIES(spoofed) == "203.0.113.7"
    two_headers = connection("10.0.0.1", "1.1.1.1", "203.0.113.7:5123")
    assert BEHIND_PROXIES(two_headers) == "203.0.113.7"
    assert BEHIND_PROXIES(connection("2001:db8:ffff::1", "[2001:db8:1:2::9]:443")) == (
        "2001:db8:1:2::/64"
    )


def test_a_garbled_hop_stops_the_walk_at_the_proxy_that_reported_it() -> None:
    assert BEHIND_PROXIES(connection("10.0.0.1", "203.0.113.7, unknown, 10.0.0.2")) == "10.0.0.2"
    assert BEHIND_PROXIES(connection("10.0.0.1")) == "10.0.0.1"


def test_ipv6_clients_are_keyed_by_their_64_and_mapped_ipv4_as_ipv4() -> None:
    first = client_ip(connection("2001:db8:1:2::1"))
    assert first == "2001:db8:1:2::/64"
    assert client_ip(connection("2001:db8:1:2:ffff::9")) == first
    assert client_ip(connection("2001:db8:1:3::1")) != first
    assert client_ip(connection("::ffff:203.0.113.7")) == "203.0.113.7"


def test_a_peer_that_is_not_an_address_is_keyed_by_its_name() -> None:
    assert client_ip(connection("testclient")) == "testclient"


def test_a_malformed_trusted_proxy_is_refused_when_configured() -> None:
    with pytest.raises(ValueError, match="does not appear to be"):
        client_ip_behind(["10.0.0.0/8", "proxy.internal"])


# --- the guard ------------------------------------------------------------------------------


class DownLimiter:
    """A limiter whose store does not answer."""

    def hit(self, key: str, *, limit: int, window_seconds: float) -> RateDecision:  # noqa: ARG002 - the port's signature
        raise RateLimiterUnavailable


def by_header(conn: ASGIConnection[Any, Any, Any, Any]) -> str:
    return conn.headers.get("x-test-client", "anonymous")


def guest_form_app(limiter: RateLimiter, *, key_of: KeyOf = by_header) -> Litestar:
    guard = rate_limited(
        lambda: limiter, name="guest_form", limit=2, window_seconds=60, key_of=key_of
    )

    @post("/public/inquiries", guards=[guard], sync_to_thread=False)
    def submit() -> dict[str, str]:
        return {"status": "received"}

    handlers = {**EXCEPTION_HANDLERS, RateLimited: too_many_requests}
    return Litestar([submit], exception_handlers=handlers)


def test_the_guard_answers_429_with_retry_after_and_a_problem_once_the_limit_is_spent() -> None:
    clock = FakeClock()
    with TestClient(guest_form_app(MemoryRateLimiter(clock=clock))) as client:
        statuses = [client.post("/public/inquiries").status_code for _ in range(2)]
        clock.advance(10)
        refused = client.post("/public/inquiries")

    assert statuses == [201, 201]
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "20"
    assert refused.headers["content-type"].startswith(PROBLEM_JSON)
    assert refused.json() == {
        "type": "urn:perla:problem:rate_limited",
        "title": "Too many requests",
        "status": 429,
        "detail": "too many requests: at most 2 every 60 seconds; try again in 20 seconds",
        "instance": "/public/inquiries",
        "code": "rate_limited",
        "errors": [],
        "scope": "guest_form",
        "retry_after": 20,
        "limit": 2,
        "window_seconds": 60,
    }


def test_the_guard_counts_each_client_apart() -> None:
    with TestClient(guest_form_app(MemoryRateLimiter(clock=FakeClock()))) as client:
        for _ in range(2):
            client.post("/public/inquiries", headers={"x-test-client": "ana"})
        ana = client.post("/public/inquiries", headers={"x-test-client": "ana"})
        luis = client.post("/public/inquiries", headers={"x-test-client": "luis"})

    assert (ana.status_code, luis.status_code) == (429, 201)


def test_the_guard_keys_by_the_peer_address_by_default() -> None:
    app = guest_form_app(MemoryRateLimiter(clock=FakeClock()), key_of=client_ip)
    with TestClient(app) as client:
        codes = [
            client.post("/public/inquiries", headers={"x-forwarded-for": f"198.51.100.{n}"})
            for n in range(3)
        ]

    assert [r.status_code for r in codes] == [201, 201, 429]  # a forged header changes nothing


def test_when_the_limiter_is_down_the_form_is_refused_with_503_not_let_through() -> None:
    with TestClient(guest_form_app(DownLimiter())) as client:
        response = client.post("/public/inquiries")

    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json()["code"] == "rate_limiter_unavailable"
    assert response.json()["detail"] == "the rate limiter is not answering; try again shortly"


def test_the_scope_style_guard_limits_by_peer_address_under_its_scope() -> None:
    guard = rate_limit_guard(
        MemoryRateLimiter(clock=FakeClock()), limit=1, window_seconds=60, scope="web_form"
    )

    @post("/public/v1/inquiries", guards=[guard], sync_to_thread=False)
    def submit() -> None:
        return None

    handlers = {**EXCEPTION_HANDLERS, RateLimited: too_many_requests}
    with TestClient(Litestar([submit], exception_handlers=handlers)) as client:
        first = client.post("/public/v1/inquiries")
        second = client.post("/public/v1/inquiries")

    assert (first.status_code, second.status_code) == (201, 429)
    assert second.json()["scope"] == "web_form"
    assert second.headers["retry-after"] == "60"
