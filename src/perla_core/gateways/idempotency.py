"""Idempotency keys: how a create survives retries without creating twice.

A key names *one intended effect* ("create the Dome customer of client 0190…"), so derive it
from the aggregate and the step, never from the attempt: :func:`idempotency_key` gives
``dome.create_customer:0190…``. Store it with the pending step (the outbox does) so a retry
after a crash sends the same key. The remote system answers a repeated key with the first
answer; the same key with a different body is refused as a conflict.
"""

from __future__ import annotations

import hashlib

from perla_core.kernel.errors import InvalidValue

MAX_KEY_LENGTH = 255


def check_idempotency_key(key: str) -> str:
    """``key`` if it is 1..255 visible ASCII characters; otherwise :class:`InvalidValue`."""
    if not key:
        raise InvalidValue("an idempotency key is required", field="idempotency_key")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidValue(
            f"an idempotency key has at most {MAX_KEY_LENGTH} characters", field="idempotency_key"
        )
    if not all("!" <= ch <= "~" for ch in key):
        raise InvalidValue(
            "an idempotency key is visible ASCII without spaces", field="idempotency_key"
        )
    return key


def idempotency_key(operation: str, *parts: object) -> str:
    """A stable key for ``operation`` on ``parts``: ``operation:part1:part2``.

    Too long a key is shortened to the operation and a SHA-256 of the parts, still stable.
    """
    key = ":".join([operation, *(str(p) for p in parts)]).replace(" ", "_")
    if len(key) > MAX_KEY_LENGTH or not all("!" <= ch <= "~" for ch in key):
        digest = hashlib.sha256(key.encode()).hexdigest()
        key = f"{operation[:150].encode('ascii', 'replace').decode()}:{digest}".replace(" ", "_")
    return check_idempotency_key(key)
