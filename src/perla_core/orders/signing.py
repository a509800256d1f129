"""The payments webhook's signature: HMAC-SHA256 of the raw body with the shared secret.

A provider sends ``X-Perla-Signature: sha256=<hex>``; perla recomputes it over the bytes it
received (the route) and the demo's provider double signs with the same function."""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

SIGNATURE_HEADER: Final = "X-Perla-Signature"


def signature_of(secret: str, body: bytes) -> str:
    """The header value a provider sends for ``body``: ``sha256=<hex>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(secret: str, header: str | None, body: bytes) -> bool:
    """Whether ``header`` is the signature of ``body`` (compared in constant time)."""
    expected = signature_of(secret, body).encode()
    return hmac.compare_digest((header or "").strip().encode(), expected)
