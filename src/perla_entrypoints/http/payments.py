"""The payment provider's webhook: ``POST /webhooks/payments``, outside the API-key guard.

The provider signs the raw body with HMAC-SHA256 and the shared secret
``payments_webhook_secret`` and sends ``X-Perla-Signature: sha256=<hex>``; perla recomputes it
over the bytes received and compares in constant time. Missing or wrong: 401 and nothing
recorded (the secret and the signature are never logged). With no secret configured the route
answers 503 (perla never accepts payments nobody can authenticate).

The body is JSON: ``payment_id``, ``order_number`` or ``order_id``, ``amount`` (decimal text or
number, read exactly), ``currency``, ``method`` and ``paid_at`` (ISO 8601 with an offset). The
payment is recorded with :func:`perla_core.orders.sales.record_payment`, idempotent on
``payment_id``: the same payment again answers 200 with the same payment (``duplicate``).
See ``docs/orders.md`` for a signing example.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any, Final
from uuid import UUID

import structlog
from litestar import Request, Router, post
from litestar.params import RawBody
from litestar.status_codes import HTTP_200_OK

from perla_core.access.model import SYSTEM
from perla_core.gateways.errors import ExternalUnavailable
from perla_core.kernel.errors import InvalidValue, Unauthenticated
from perla_core.orders import sales
from perla_core.orders.model import PaymentChannel
from perla_core.orders.signing import SIGNATURE_HEADER, signature_matches
from perla_entrypoints.container import Container, settings_of
from perla_entrypoints.http.dependencies import ClockDep, NewUow
from perla_entrypoints.http.openapi import doc, responses
from perla_entrypoints.http.orders import PaymentOut

PAYMENTS_WEBHOOK: Final = "/webhooks/payments"
PAYMENTS_ACTOR: Final = SYSTEM.name

log = structlog.get_logger("perla.http.payments")


class PaymentsWebhookNotConfigured(ExternalUnavailable):
    """No secret is configured, so no payment can be authenticated: 503."""

    code = "webhook_not_configured"
    title = "Webhook not configured"

    def __init__(self) -> None:
        super().__init__(
            "payments_webhook",
            "the payments webhook is not configured (PERLA_PAYMENTS_WEBHOOK_SECRET)",
            retry_after=60,
        )


def check_signature(secret: str | None, header: str | None, body: bytes) -> None:
    """:class:`Unauthenticated` unless ``header`` is the HMAC-SHA256 of ``body``."""
    if secret is None:
        raise PaymentsWebhookNotConfigured
    if not signature_matches(secret, header, body):
        raise Unauthenticated(f"missing or wrong {SIGNATURE_HEADER} header")


def _text(data: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None:
        if required:
            raise InvalidValue("is required", field=name)
        return None
    if not isinstance(value, str):
        raise InvalidValue("must be text", field=name)
    return value


def _amount(value: object) -> str | Decimal | int:
    if isinstance(value, bool) or not isinstance(value, str | Decimal | int):
        raise InvalidValue("must be a decimal amount such as 1250.50", field="amount")
    return value


def _paid_at(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidValue("must be an ISO 8601 date-time", field="paid_at") from None
    if moment.utcoffset() is None:
        raise InvalidValue("needs a UTC offset", field="paid_at")
    return moment


def _order_ref(data: dict[str, Any]) -> tuple[UUID | None, int | None]:
    raw_id, number = data.get("order_id"), data.get("order_number")
    order_id = None
    if raw_id is not None:
        try:
            order_id = UUID(str(raw_id))
        except ValueError:
            raise InvalidValue("is not an order id", field="order_id") from None
    if number is not None:
        if isinstance(number, str) and number.strip().isdigit():
            number = int(number)
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise InvalidValue("must be a whole number", field="order_number")
    if order_id is None and number is None:
        raise InvalidValue("give order_number or order_id", field="order_number")
    return order_id, number


def payment_webhook_routes(container: Container) -> Router:
    """``POST /webhooks/payments``, signed with ``payments_webhook_secret``."""
    settings = settings_of(container)

    @post(
        PAYMENTS_WEBHOOK,
        operation_id="receivePayment",
        summary="Receive a payment from the provider (HMAC-SHA256 signature; no API key)",
        description=doc(sales.record_payment),
        tags=["webhooks"],
        security=[],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        request_max_body_size=settings.webhook_max_bytes,
        responses=responses(400, 401, 404, 409, 413, 422, 503),
    )
    def receive_payment(
        request: Request[Any, Any, Any], body: RawBody, uows: NewUow, clock: ClockDep
    ) -> PaymentOut:
        check_signature(
            settings.payments_webhook_secret, request.headers.get(SIGNATURE_HEADER), body
        )
        try:
            data = json.loads(body, parse_float=Decimal)
        except (ValueError, UnicodeDecodeError):
            raise InvalidValue("the body is not JSON", field="body") from None
        if not isinstance(data, dict):
            raise InvalidValue("the body must be a JSON object", field="body")
        order_id, number = _order_ref(data)
        result = sales.record_payment(
            uows(),
            clock,
            SYSTEM,
            payment_id=_text(data, "payment_id") or "",
            amount=_amount(data.get("amount")),
            currency=_text(data, "currency") or "",
            order_id=order_id,
            order_number=number,
            method=_text(data, "method", required=False),
            paid_at=_paid_at(_text(data, "paid_at", required=False)),
            channel=PaymentChannel.WEBHOOK,
        )
        log.info(
            "payments.received",
            payment_id=result.payment.payment_id,
            order_number=result.order_number,
            duplicate=result.duplicate,
            status=result.status.value,
        )
        return PaymentOut.of(result)

    return Router(path="/", route_handlers=[receive_payment])
