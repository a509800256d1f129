"""The HTTP surface's defences that are not a route's own: limits, headers and CORS.

- **Rate limits per API key** on ``/api/v1`` (``api_rate_limit`` per
  ``api_rate_window_seconds``), counted after the key is authenticated (a forged key cannot
  spend another's allowance; it gets 401 before it is counted), keyed by the key's public
  prefix, never the key.
- **Rate limits per source** on the webhooks (``zenvia_webhook_rate_limit``,
  ``payments_webhook_rate_limit`` per ``webhook_rate_window_seconds``), keyed by the client's IP
  as the web form is (``trusted_proxies`` decides whether ``X-Forwarded-For`` is believed).
  Every limit uses the container's :class:`~perla_entrypoints.http.ratelimit.RateLimiter`
  (in-process, or shared through Redis) and refuses with 429 problem details and
  ``Retry-After``; a limit of 0 turns it off.
- **Security headers** on every response, errors included (a ``before_send`` hook, so even a
  404 for an unknown path or a 500 carries them): ``X-Content-Type-Options: nosniff``,
  ``Referrer-Policy: no-referrer``, ``X-Frame-Options: DENY`` and, on ``/api/v1``,
  ``Cache-Control: no-store``. A header a route set itself (the activity page's
  ``Content-Security-Policy``, a document's ``Cache-Control``) is kept.
- **CORS** only for the origins in ``cors_origins`` (Litestar's ``CORSConfig``); with none
  configured no CORS header is ever sent.
"""

from __future__ import annotations

from typing import Any, Final

from litestar import Router
from litestar.config.cors import CORSConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.types import Guard, Message, Scope

from perla_entrypoints.container import Container, settings_of
from perla_entrypoints.http.auth import bearer_token
from perla_entrypoints.http.ratelimit import client_ip_behind, rate_limited
from perla_entrypoints.settings import Settings

API_PREFIX: Final = "/api/"
Headers = tuple[tuple[str, str], ...]
SECURITY_HEADERS: Final[Headers] = (
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
)
API_HEADERS: Final[Headers] = (("cache-control", "no-store"),)
CORS_EXPOSED: Final = ["ETag", "Location", "Retry-After"]


def _listed(text: str) -> list[str]:
    return [entry.strip() for entry in text.split(",") if entry.strip()]


def api_key_prefix(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The API key's public prefix (``perla_<prefix>_<secret>``), as a rate-limit key.

    Only called after the key was authenticated, so the prefix names a real, active key.
    """
    token = bearer_token(connection.headers.get("authorization"))
    parts = token.split("_", 2)
    return parts[1] if len(parts) == 3 else "unknown"


def api_rate_limit(container: Container) -> list[Guard]:
    """The guard limiting each API key (none when ``api_rate_limit`` is 0); put it after the
    API-key guard. The limiter is asked for on each request (overrides stay effective)."""
    settings = settings_of(container)
    if settings.api_rate_limit <= 0:
        return []
    return [
        rate_limited(
            container.rate_limiter,
            name="api",
            limit=settings.api_rate_limit,
            window_seconds=settings.api_rate_window_seconds,
            key_of=api_key_prefix,
        )
    ]


def per_source(container: Container, router: Router, *, scope: str, limit: int) -> Router:
    """``router`` behind a limit of ``limit`` requests per client IP per
    ``webhook_rate_window_seconds`` (``router`` itself when ``limit`` is 0)."""
    if limit <= 0:
        return router
    settings = settings_of(container)
    guard = rate_limited(
        container.rate_limiter,
        name=scope,
        limit=limit,
        window_seconds=settings.webhook_rate_window_seconds,
        key_of=client_ip_behind(_listed(settings.trusted_proxies)),
    )
    return Router(path="/", route_handlers=[router], guards=[guard])


def zenvia_webhook_limited(container: Container, router: Router) -> Router:
    """Zenvia's webhook limited per source (``zenvia_webhook_rate_limit``)."""
    limit = settings_of(container).zenvia_webhook_rate_limit
    return per_source(container, router, scope="zenvia_webhook", limit=limit)


def payments_webhook_limited(container: Container, router: Router) -> Router:
    """The payments webhook limited per source (``payments_webhook_rate_limit``)."""
    limit = settings_of(container).payments_webhook_rate_limit
    return per_source(container, router, scope="payments_webhook", limit=limit)


async def security_headers(message: Message, scope: Scope) -> None:
    """A ``before_send`` hook: the security headers on every HTTP response start, without
    replacing one the route set itself."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    wanted: Headers = SECURITY_HEADERS
    if str(scope.get("path", "")).startswith(API_PREFIX):
        wanted = wanted + API_HEADERS
    for name, value in wanted:
        if name not in headers:
            headers[name] = value


def cors_config(settings: Settings) -> CORSConfig | None:
    """CORS for the configured origins only, or ``None`` (no CORS headers) without any."""
    origins = _listed(settings.cors_origins)
    if not origins:
        return None
    return CORSConfig(
        allow_origins=origins,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type"],
        expose_headers=CORS_EXPOSED,
        allow_credentials=False,
        max_age=600,
    )
