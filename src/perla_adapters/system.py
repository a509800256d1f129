"""The real clock, identifiers and secrets."""

from __future__ import annotations

import os
import secrets
import threading
import time
from datetime import UTC, datetime
from uuid import UUID


class SystemClock:
    """Wall-clock time, timezone-aware UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class Uuid7Ids:
    """RFC 9562 UUIDv7, strictly increasing within this generator.

    Time-ordered, so new rows land at the end of the primary-key index, and ids made in the
    same millisecond still sort in creation order (RFC 9562 section 6.2, method 2: the random
    bits of a repeated millisecond are the previous id's plus one), which keeps the outbox's
    order of events within one commit.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def new_id(self) -> UUID:
        ms = time.time_ns() // 1_000_000
        rand = int.from_bytes(os.urandom(10), "big")
        value = (ms & ((1 << 48) - 1)) << 80
        value |= 0x7 << 76
        value |= ((rand >> 62) & 0xFFF) << 64
        value |= 0b10 << 62
        value |= rand & ((1 << 62) - 1)
        with self._lock:
            if value <= self._last:
                value = _bump(self._last)
            self._last = value
        return UUID(int=value)


def _bump(previous: int) -> int:
    """The next UUIDv7 after ``previous``: +1 in the 74 counter bits, skipping fixed bits."""
    candidate = previous + 1
    if candidate & (1 << 62):  # carried out of the 62 low bits into the variant field
        candidate = ((previous >> 64) + 1) << 64 | (0b10 << 62)
    if (candidate >> 76) & 0xF != 0x7:  # carried into the version field: next millisecond
        candidate = (((previous >> 80) + 1) << 80) | (0x7 << 76) | (0b10 << 62)
    return candidate


class TokenSecrets:
    """URL-safe secrets from the operating system's CSPRNG."""

    def new_secret(self, nbytes: int = 32) -> str:
        return secrets.token_urlsafe(nbytes)
