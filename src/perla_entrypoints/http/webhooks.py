"""Zenvia's webhook: ``POST /webhooks/zenvia``, outside the API-key guard.

Zenvia documents no signature on its event POSTs; the subscription sends static headers
(``webhook.headers``), so perla checks a shared secret there: ``zenvia_webhook_secret`` in
the ``zenvia_webhook_header`` header, compared in constant time. Missing or wrong: 401 and
nothing stored. With no secret configured the route refuses everything with 503 (perla
never accepts events nobody can authenticate, and never invents a secret).

The route answers fast (Zenvia times out after 5 s, then retries): it stores the event
(:func:`~perla_core.conversations.accept_event`, one transaction), enqueues the
contact's conversation for the workers and answers ``202`` with ``accepted``,
``duplicate`` (the event id was seen: nothing stored) or ``ignored`` (an event type perla
does not handle; answered 2xx so Zenvia does not retry it for 15 minutes). A body that is not
JSON or not a readable event is 400 naming the field; one over ``webhook_max_bytes`` is 413.
"""

from __future__ import annotations

import hmac
import json
from typing import Annotated, Any, Literal

import structlog
from litestar import Router, post
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.params import RawBody
from litestar.status_codes import HTTP_202_ACCEPTED
from litestar.types import Guard
from msgspec import Meta, Struct

from perla_adapters.zenvia.wire import parse_event
from perla_core.conversations import accept_event
from perla_core.gateways.errors import ExternalUnavailable
from perla_core.kernel.errors import Unauthenticated
from perla_core.messaging import InvalidWebhookEvent, UnknownEventType
from perla_entrypoints.container import Container, settings_of
from perla_entrypoints.http.dependencies import ClockDep, IdsDep, NewUow
from perla_entrypoints.http.openapi import doc, responses
from perla_entrypoints.workers import CONVERSATION_TASK, register_actors

ZENVIA_WEBHOOK = "/webhooks/zenvia"

log = structlog.get_logger("perla.http.webhooks")


class WebhookNotConfigured(ExternalUnavailable):
    """No webhook secret is configured, so no event can be authenticated: 503."""

    code = "webhook_not_configured"
    title = "Webhook not configured"

    def __init__(self) -> None:
        super().__init__(
            "zenvia_webhook",
            "the Zenvia webhook is not configured (PERLA_ZENVIA_WEBHOOK_SECRET)",
            retry_after=60,
        )


def webhook_secret_guard(secret: str | None, header: str) -> Guard:
    """Refuse a request whose ``header`` is not ``secret`` (before its body is read)."""
    expected = secret.encode() if secret else None

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if expected is None:
            raise WebhookNotConfigured
        given = connection.headers.get(header, "").encode()
        if not hmac.compare_digest(given, expected):
            raise Unauthenticated(f"missing or wrong {header} header")

    return guard


class WebhookReceipt(Struct, kw_only=True):
    """What perla did with the event."""

    status: Annotated[
        Literal["accepted", "duplicate", "ignored"],
        Meta(
            description="accepted (stored, the bot will answer), duplicate (seen before, "
            "nothing stored) or ignored (an event type perla does not handle)"
        ),
    ]


def webhook_routes(container: Container) -> Router:
    """The Zenvia webhook, guarded by the shared secret; it enqueues on the container's queue."""
    settings = settings_of(container)

    def enqueue(contact: str) -> None:
        try:
            register_actors(container)  # once per broker: declares the actor's queue
            container.task_queue().enqueue(CONVERSATION_TASK, contact=contact)
        except Exception as exc:  # noqa: BLE001 - the scheduler's sweep enqueues it again
            log.warning("webhooks.enqueue_failed", error=f"{type(exc).__name__}: {exc}")

    @post(
        ZENVIA_WEBHOOK,
        operation_id="receiveZenviaEvent",
        summary="Receive a WhatsApp event from Zenvia (shared-secret header; no API key)",
        description=doc(accept_event),
        tags=["webhooks"],
        security=[],
        sync_to_thread=True,
        status_code=HTTP_202_ACCEPTED,
        request_max_body_size=settings.webhook_max_bytes,
        responses=responses(400, 401, 413, 503),
    )
    def receive_zenvia_event(
        body: RawBody, uows: NewUow, clock: ClockDep, ids: IdsDep
    ) -> WebhookReceipt:
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise InvalidWebhookEvent("the body is not JSON") from None
        try:
            event = parse_event(data)
        except UnknownEventType as exc:
            log.info("webhooks.ignored", event_type=exc.event_type)
            return WebhookReceipt(status="ignored")
        accepted = accept_event(event, uows(), clock, ids)
        if not accepted.new:
            return WebhookReceipt(status="duplicate")
        if accepted.contact is not None:
            enqueue(accepted.contact)
        return WebhookReceipt(status="accepted")

    guard = webhook_secret_guard(settings.zenvia_webhook_secret, settings.zenvia_webhook_header)
    return Router(path="/", route_handlers=[receive_zenvia_event], guards=[guard])
