"""Rate limits for public routes (the guests' web form now, webhooks later).

A :class:`RateLimiter` counts hits per key and answers a :class:`RateDecision`:
:class:`MemoryRateLimiter` within one process (the embedded default), :class:`RedisRateLimiter`
shared by every process behind the same Redis. :func:`rate_limited` makes a route guard of one
that refuses with :class:`RateLimited` (``429 Too Many Requests`` as a problem, with
``Retry-After``), keyed by :func:`client_ip`.

Both limiters implement GCRA, the generic cell rate algorithm: a bucket of ``limit`` requests
that refills one request every ``window_seconds / limit``. A client may send ``limit``
requests at once, then one more each ``window_seconds / limit``; after ``window_seconds`` of
silence it has its whole allowance back. The state is one number per key (when its bucket is
full again), so memory does not grow with the limit, a refused hit changes nothing (knocking
does not push the wait further), and the Redis version is one small script, run atomically in
one round trip.

When Redis does not answer, :class:`RedisRateLimiter` **fails closed**: it raises
:class:`RateLimiterUnavailable`, an :class:`ExternalUnavailable` that the problem table
already answers with ``503`` and ``Retry-After``. Failing open would hand anyone an unlimited
form (and the mail and storage behind it) whenever Redis is down, or made to be; a guest told
to retry in a few seconds loses little. A deployment that would rather keep the form up can
give it a ``fallback`` (a :class:`MemoryRateLimiter`): limits then hold per process until
Redis answers again.
"""

from __future__ import annotations

import functools
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import TYPE_CHECKING, Any, Final, Protocol

import anyio.to_thread
import attrs
import structlog
from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.status_codes import HTTP_429_TOO_MANY_REQUESTS
from litestar.types import Guard

from perla_core.gateways.errors import ExternalUnavailable
from perla_core.kernel.errors import PerlaError

if TYPE_CHECKING:
    from redis import Redis

REDIS_PREFIX: Final = "perla:rl:"
MAX_KEYS: Final = 100_000
"""Keys a :class:`MemoryRateLimiter` remembers before it forgets the least recently hit."""
REDIS_TIMEOUT_SECONDS: Final = 0.5
_TOLERANCE: Final = 1e-6  # float sums of window / limit must not refuse a hit that is on time

log = structlog.get_logger("perla.http.ratelimit")

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network
KeyOf = Callable[[ASGIConnection[Any, Any, Any, Any]], str]
"""Who the client of a request is, as a rate-limit key."""


@attrs.frozen
class RateDecision:
    """The answer to one hit: let it through or not, how many more would be let through now,
    and, when refused, the seconds until one would be (0 when allowed)."""

    allowed: bool
    remaining: int
    retry_after: float


class RateLimiter(Protocol):
    """Counts hits per key: at most ``limit`` at once, refilled at ``limit`` per
    ``window_seconds``. A refused hit is not counted. Thread-safe; raises
    :class:`RateLimiterUnavailable` when its store does not answer, and ``ValueError`` for a
    limit below 1 or a window that is not a positive number."""

    def hit(self, key: str, *, limit: int, window_seconds: float) -> RateDecision: ...


class RateLimited(PerlaError):
    """Too many requests from one client; ``retry_after`` whole seconds to wait.

    ``scope`` names the limit that was hit (``web_form``).
    """

    code = "rate_limited"
    title = "Too many requests"

    def __init__(
        self,
        retry_after: float,
        scope: str,
        *,
        limit: int | None = None,
        window_seconds: float | None = None,
    ) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        self.scope = scope
        details: dict[str, Any] = {"scope": scope, "retry_after": self.retry_after}
        allowance = ""
        if limit is not None:
            details.update(limit=limit, window_seconds=window_seconds)
            allowance = f"at most {limit} every {window_seconds:g} seconds; "
        super().__init__(
            f"too many requests: {allowance}try again in {self.retry_after} seconds", **details
        )


class RateLimiterUnavailable(ExternalUnavailable):
    """The limiter's store (Redis) did not answer: the request is refused, not let through."""

    code = "rate_limiter_unavailable"
    title = "Rate limiter unavailable"

    def __init__(
        self, message: str = "the rate limiter is not answering; try again shortly"
    ) -> None:
        super().__init__("rate_limiter", message, retry_after=5)


def too_many_requests(
    request: Request[Any, Any, Any], exc: RateLimited
) -> Response[dict[str, Any]]:
    """The problem table's entry for :class:`RateLimited`: 429 with ``Retry-After``."""
    # problems.py imports this module for its table, so this one reaches back at call time
    from perla_entrypoints.http.problems import domain_error  # noqa: PLC0415

    response = domain_error(HTTP_429_TOO_MANY_REQUESTS)(request, exc)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _check(limit: int, window_seconds: float) -> None:
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    if not window_seconds > 0 or math.isinf(window_seconds):
        raise ValueError(f"window_seconds must be a positive number, not {window_seconds}")


def _gcra(
    full_at: float, now: float, limit: int, window_seconds: float
) -> tuple[RateDecision, float]:
    """The decision for a hit at ``now`` on a bucket full again at ``full_at``, and when it
    is full again after this hit (unchanged when refused)."""
    interval = window_seconds / limit
    after = max(full_at, now) + interval
    wait = after - window_seconds - now
    if wait > _TOLERANCE:
        return RateDecision(allowed=False, remaining=0, retry_after=wait), full_at
    remaining = int((window_seconds - (after - now)) / interval + _TOLERANCE)
    return RateDecision(allowed=True, remaining=max(0, remaining), retry_after=0.0), after


class MemoryRateLimiter:
    """Limits within one process: the embedded default, and the tests' limiter.

    A key whose bucket is full again is forgotten (the same as never seen), so memory holds
    only keys hit within their window, and at most ``max_keys``: past that the key hit least
    recently is forgotten early (it gets a full bucket back), so a flood of new addresses
    cannot exhaust memory.
    """

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, max_keys: int = MAX_KEYS
    ) -> None:
        self._clock = clock
        self._max_keys = max_keys
        self._full_at: OrderedDict[str, float] = OrderedDict()  # least recently hit first
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """How many keys are remembered."""
        return len(self._full_at)

    def hit(self, key: str, *, limit: int, window_seconds: float) -> RateDecision:
        _check(limit, window_seconds)
        with self._lock:
            now = self._clock()
            self._forget_full(now)
            decision, full_at = _gcra(self._full_at.get(key, now), now, limit, window_seconds)
            if decision.allowed:
                self._full_at[key] = full_at
                self._full_at.move_to_end(key)
                while len(self._full_at) > self._max_keys:
                    self._full_at.popitem(last=False)
            return decision

    def _forget_full(self, now: float) -> None:
        while self._full_at:
            key, full_at = next(iter(self._full_at.items()))
            if full_at > now:
                return
            del self._full_at[key]


_GCRA_SCRIPT: Final = """
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local tolerance = tonumber(ARGV[4])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local interval = window / limit
local full_at = tonumber(redis.call('GET', KEYS[1])) or now
local after = math.max(full_at, now) + interval
local wait = after - window - now
if wait > tolerance then
  return {0, 0, tostring(wait)}
end
local ttl = math.max(1, math.ceil((after - now) * 1000))
redis.call('SET', KEYS[1], string.format('%.6f', after), 'PX', ttl)
return {1, math.max(0, math.floor((window - (after - now)) / interval + tolerance)), '0'}
"""
"""GCRA as :func:`_gcra`; the key expires when its bucket is full again. ``now`` is Redis's
own clock unless the caller gives one, so every process agrees on the time."""


class RedisRateLimiter:
    """Limits shared by every process on the same Redis: one script call per hit.

    ``client`` is a ``redis.Redis`` or a URL (``redis://host:6379/0``; short timeouts, as a
    guard waits on them; connects on the first hit). Keys are ``<prefix><key>``
    (``perla:rl:web_form:203.0.113.7``) and expire once their bucket is full again. When
    Redis fails, a hit raises :class:`RateLimiterUnavailable` (fails closed) or, if one is
    given, asks ``fallback`` instead. ``clock`` replaces Redis's time (tests).
    """

    def __init__(
        self,
        client: Redis | str,
        prefix: str = REDIS_PREFIX,
        *,
        fallback: RateLimiter | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        from redis import Redis  # noqa: PLC0415 - the redis extra is optional
        from redis.exceptions import RedisError  # noqa: PLC0415

        if isinstance(client, str):
            timeout = REDIS_TIMEOUT_SECONDS
            client = Redis.from_url(client, socket_timeout=timeout, socket_connect_timeout=timeout)
        self.prefix = prefix
        self._script = client.register_script(_GCRA_SCRIPT)
        self._errors = RedisError
        self._fallback = fallback
        self._clock = clock

    def hit(self, key: str, *, limit: int, window_seconds: float) -> RateDecision:
        _check(limit, window_seconds)
        now = "" if self._clock is None else repr(float(self._clock()))
        args: list[str | int] = [limit, repr(float(window_seconds)), now, repr(_TOLERANCE)]
        try:
            allowed, remaining, wait = self._script(keys=[self.prefix + key], args=args)
        except self._errors as exc:
            if self._fallback is None:
                raise RateLimiterUnavailable from exc
            log.warning("rate_limiter_fallback", error=f"{type(exc).__name__}: {exc}")
            return self._fallback.hit(key, limit=limit, window_seconds=window_seconds)
        return RateDecision(
            allowed=bool(allowed), remaining=int(remaining), retry_after=float(wait)
        )


# --- who is asking --------------------------------------------------------------------------


def client_ip(
    connection: ASGIConnection[Any, Any, Any, Any],
    trusted_proxies: Iterable[IPNetwork | str] = (),
) -> str:
    """The client's address, as a rate-limit key.

    The peer's address, unless the peer is one of ``trusted_proxies`` (addresses or
    networks): then the ``X-Forwarded-For`` hops are read from the right (each appended by the
    proxy it reached) and the first that is not a trusted proxy is the client; whatever is left
    of it the client wrote itself, and is ignored. IPv6 clients are keyed by their /64 (what
    one subscriber is given), IPv4-mapped addresses as IPv4. A peer that is not an IP address
    (a Unix socket, a test client) is keyed as it is named.
    """
    host = connection.client.host if connection.client is not None else ""
    peer = _ip(host)
    if peer is None:
        return host or "unknown"
    trusted = _networks(trusted_proxies)
    if trusted and _within(peer, trusted):
        hops = ",".join(connection.headers.getall("x-forwarded-for", [])).split(",")
        for hop in reversed(hops):
            address = _ip(hop)
            if address is None:
                break
            peer = address
            if not _within(address, trusted):
                break
    return _key(peer)


def client_ip_behind(proxies: Iterable[str]) -> KeyOf:
    """:func:`client_ip` trusting ``proxies`` (``10.0.0.0/8``, ``192.0.2.10``); a malformed
    entry raises ``ValueError`` here, at start-up, rather than on a request."""
    networks = _networks(proxies)
    return functools.partial(client_ip, trusted_proxies=networks)


def _networks(entries: Iterable[IPNetwork | str]) -> tuple[IPNetwork, ...]:
    return tuple(
        e if isinstance(e, IPv4Network | IPv6Network) else ip_network(e.strip(), strict=False)
        for e in entries
    )


def _ip(text: str) -> IPAddress | None:
    text = text.strip()
    if text.startswith("["):  # [2001:db8::1]:443
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # 192.0.2.1:443
        text = text.partition(":")[0]
    try:
        address = ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _within(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address in network for network in networks)


def _key(address: IPAddress) -> str:
    if isinstance(address, IPv6Address):
        return str(IPv6Network((address, 64), strict=False))
    return str(address)


# --- the guard ------------------------------------------------------------------------------


def rate_limited(
    limiter_provider: Callable[[], RateLimiter],
    *,
    name: str,
    limit: int,
    window_seconds: float,
    key_of: KeyOf = client_ip,
) -> Guard:
    """A route guard letting ``limit`` requests per ``window_seconds`` through per client.

    ``name`` keeps routes' counts apart (``web_form``); ``key_of`` says who the client is
    (:func:`client_ip`, or :func:`client_ip_behind` behind a proxy). A refusal raises
    :class:`RateLimited`. The limiter is asked for on each request (a container's provider
    builds it on first use) and called in a worker thread, as Redis is a network call.
    """
    _check(limit, window_seconds)

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        key = f"{name}:{key_of(connection)}"

        def hit() -> RateDecision:
            return limiter_provider().hit(key, limit=limit, window_seconds=window_seconds)

        decision = await anyio.to_thread.run_sync(hit)
        if not decision.allowed:
            raise RateLimited(
                decision.retry_after, name, limit=limit, window_seconds=window_seconds
            )

    guard.__name__ = f"rate_limited_{name}"
    return guard


def rate_limit_guard(
    limiter: RateLimiter,
    *,
    limit: int,
    window_seconds: float,
    scope: str,
    trusted_proxies: Iterable[str] = (),
) -> Guard:
    """:func:`rate_limited` over one limiter, ``scope`` naming the limit, keyed by
    :func:`client_ip` trusting ``trusted_proxies``."""
    return rate_limited(
        lambda: limiter,
        name=scope,
        limit=limit,
        window_seconds=window_seconds,
        key_of=client_ip_behind(trusted_proxies),
    )
