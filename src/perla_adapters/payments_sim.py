"""A payment provider's side of ``POST /webhooks/payments``, for the demo and tests.

It signs a payment notice as a provider would (HMAC-SHA256 of the raw body with the shared
secret, in ``X-Perla-Signature: sha256=<hex>``) and posts it over real HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from perla_core.orders.signing import SIGNATURE_HEADER, signature_of


def notify_payment(
    webhook_url: str, secret: str, payment: Mapping[str, Any], *, timeout: float = 10.0
) -> tuple[int, Any]:
    """Post ``payment`` (``payment_id``, ``order_number``, ``amount``, ``currency`` ...)
    signed with ``secret``; returns the status code and the decoded JSON answer."""
    body = json.dumps(dict(payment)).encode()
    response = httpx.post(
        webhook_url,
        content=body,
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature_of(secret, body)},
        timeout=timeout,
    )
    return response.status_code, response.json()
