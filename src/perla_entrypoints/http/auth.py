"""API keys on the HTTP API: ``Authorization: Bearer <key>`` resolved to an :class:`Actor`.

A router guard resolves the key (through a short in-process cache keyed by the key's SHA-256,
so the key itself is never kept or logged) and puts the actor in the request scope. Route
guards refuse a role early (before the body is read); the services check it again.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import Any

import anyio.to_thread
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from perla_core.access.model import Actor, Permission
from perla_core.access.services import authenticate
from perla_core.kernel.errors import Unauthenticated
from perla_core.uow import UnitOfWork

MAX_CACHED_KEYS = 10_000


class ActorCache:
    """Actors by the SHA-256 of their key, for ``ttl`` seconds (0 disables the cache).

    Only successful checks are kept, so unknown keys cannot fill it. Revoking a key through
    this process clears it at once; other processes see the revocation within ``ttl``.
    """

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._entries: dict[str, tuple[Actor, float]] = {}
        self._lock = threading.Lock()

    def get(self, fingerprint: str) -> Actor | None:
        entry = self._entries.get(fingerprint)
        if entry is None:
            return None
        actor, expires = entry
        if expires <= self._clock():
            self._entries.pop(fingerprint, None)
            return None
        return actor

    def put(self, fingerprint: str, actor: Actor) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._entries) >= MAX_CACHED_KEYS:
                self._entries.clear()
            self._entries[fingerprint] = (actor, self._clock() + self.ttl)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def bearer_token(header: str | None) -> str:
    if not header:
        raise Unauthenticated("send the API key as 'Authorization: Bearer <key>'")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <key>'")
    return token.strip()


def api_key_guard(cache: ActorCache, new_uow: Callable[[], UnitOfWork]) -> Guard:
    """A guard that authenticates the request and stores its actor in ``scope["user"]``."""

    async def require_api_key(
        connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
    ) -> None:
        token = bearer_token(connection.headers.get("authorization"))
        fingerprint = hashlib.sha256(token.encode()).hexdigest()
        actor = cache.get(fingerprint)
        if actor is None:
            actor = await anyio.to_thread.run_sync(authenticate, token, new_uow())
            cache.put(fingerprint, actor)
        connection.scope["user"] = actor

    return require_api_key


def actor_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor:
    actor = connection.scope.get("user")
    if not isinstance(actor, Actor):
        raise Unauthenticated("send the API key as 'Authorization: Bearer <key>'")
    return actor


def requires(permission: Permission) -> Guard:
    """A route guard refusing actors without ``permission`` before the body is read."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        actor_of(connection).require(permission)

    guard.__name__ = f"requires_{permission.value}"
    return guard


CAN_WRITE = requires(Permission.WRITE_COMMERCIAL)
CAN_ADMINISTER = requires(Permission.ADMINISTER)
