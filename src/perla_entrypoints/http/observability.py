"""Request ids, the access log and ``GET /metrics``.

Every HTTP request gets an id: the caller's ``X-Request-ID`` when it is sane (1 to 128
letters, digits, ``.``, ``_``, ``:`` or ``-``), otherwise a new one. It comes back in the
response's ``X-Request-ID``, is bound to structlog's contextvars (``request_id``) for the
request, and becomes the correlation id of the work the request does: the outbox messages its
transaction writes carry it, so the worker delivering them, and the Zenvia message or e-mail
it sends, log with the same ``correlation_id`` (see ``perla_entrypoints.logging``). One
``http.request`` line per request logs the method, route template, status and duration.

``GET /metrics`` answers Prometheus' text format (``perla_entrypoints.metrics``); it needs no
API key and is left out of the OpenAPI schema, so it must not be reachable from the public
internet (block it at the proxy or scrape on an internal address). ``PERLA_METRICS_ENABLED=
false`` removes it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Final
from uuid import uuid4

import structlog
from litestar import Litestar, Response, get
from litestar.enums import ScopeType
from litestar.handlers import HTTPRouteHandler
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import generate_latest

from perla_adapters.memory.operations import memory_figures
from perla_adapters.sql.operations import sql_figures
from perla_core.metrics.stored import StoredFigures
from perla_entrypoints.container import Container, MemoryStorage, SqlStorage, settings_of
from perla_entrypoints.logging import bound_correlation
from perla_entrypoints.metrics import EMAIL_HANDLERS, HttpMetrics, build_metrics

REQUEST_ID_HEADER: Final = "X-Request-ID"
METRICS_PATH: Final = "/metrics"
_SANE_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_HEADER_KEY: Final = REQUEST_ID_HEADER.lower().encode("latin-1")
PROMETHEUS_TEXT: Final = "text/plain; version=0.0.4"
"""The text format every Prometheus reads (Litestar adds ``charset=utf-8``)."""

log = structlog.get_logger("perla.http")


def request_id_of(given: str | None) -> str:
    """The caller's request id if it is sane, else a new one (32 hex digits)."""
    if given is not None and _SANE_ID.fullmatch(given):
        return given
    return uuid4().hex


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def observability_middleware(metrics: HttpMetrics | None) -> Callable[[ASGIApp], ASGIApp]:
    """The ASGI middleware giving each request its id, its access log line and, with
    ``metrics``, its count and duration by route template."""

    def wrap(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            request_id = request_id_of(_header(scope, _HEADER_KEY))
            status = 500
            started = time.perf_counter()

            async def send_with_id(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                    headers = [
                        (k, v) for k, v in message.get("headers", ()) if k.lower() != _HEADER_KEY
                    ]
                    headers.append((_HEADER_KEY, request_id.encode("latin-1")))
                    message["headers"] = headers
                await send(message)

            with (
                bound_correlation(request_id),
                structlog.contextvars.bound_contextvars(request_id=request_id),
            ):
                try:
                    await app(scope, receive, send_with_id)
                finally:
                    seconds = time.perf_counter() - started
                    method = str(scope.get("method", ""))
                    route = str(scope.get("path_template") or "unmatched")
                    if metrics is not None:
                        metrics.observe(method, route, status, seconds)
                    log.info(
                        "http.request",
                        method=method,
                        route=route,
                        status=status,
                        duration_ms=round(seconds * 1000, 2),
                    )

        return middleware

    return wrap


def stored_figures_reader(container: Container) -> Callable[[], StoredFigures]:
    """Reads the stored figures from the container's storage (built on the first scrape)."""

    def read() -> StoredFigures:
        storage = container.storage()
        if isinstance(storage, SqlStorage):
            return sql_figures(storage.engine, EMAIL_HANDLERS)
        if isinstance(storage, MemoryStorage):
            return memory_figures(storage.store, EMAIL_HANDLERS)
        raise TypeError(f"no stored figures for {type(storage).__name__}")

    return read


def metrics_route(metrics: HttpMetrics) -> HTTPRouteHandler:
    """``GET /metrics``: the registry in Prometheus' text format (no auth, not in the schema)."""

    @get(METRICS_PATH, include_in_schema=False, sync_to_thread=True, security=[])
    def scrape_metrics() -> Response[bytes]:
        return Response(generate_latest(metrics.registry), media_type=PROMETHEUS_TEXT)

    return scrape_metrics


def observability(
    container: Container,
) -> tuple[list[HTTPRouteHandler], Callable[[Litestar], Litestar]]:
    """The app's ``/metrics`` route (unless ``metrics_enabled`` is off) and what wraps the
    built app in the request-id middleware, counting into the same fresh registry.

    The middleware wraps the whole app (as Litestar's own OpenTelemetry middleware does), not
    a route's stack, so unknown paths (404) and refused methods (405) get an id, a log line
    and a count too (under the route ``unmatched``)."""
    metrics = (
        build_metrics(stored_figures_reader(container), lambda: container.clock().now())
        if settings_of(container).metrics_enabled
        else None
    )

    def observe(app: Litestar) -> Litestar:
        app.asgi_handler = observability_middleware(metrics)(app.asgi_handler)
        return app

    return ([metrics_route(metrics)] if metrics is not None else []), observe
