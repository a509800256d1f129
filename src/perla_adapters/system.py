"""The real clock, identifiers and secrets."""

from __future__ import annotations

import os
import secrets
import time
from datetime import UTC, datetime
from uuid import UUID


class SystemClock:
    """Wall-clock time, timezone-aware UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class Uuid7Ids:
    """RFC 9562 UUIDv7: time-ordered, so new rows land at the end of the primary-key index."""

    def new_id(self) -> UUID:
        ms = time.time_ns() // 1_000_000
        rand = int.from_bytes(os.urandom(10), "big")
        value = (ms & ((1 << 48) - 1)) << 80
        value |= 0x7 << 76
        value |= ((rand >> 62) & 0xFFF) << 64
        value |= 0b10 << 62
        value |= rand & ((1 << 62) - 1)
        return UUID(int=value)


class TokenSecrets:
    """URL-safe secrets from the operating system's CSPRNG."""

    def new_secret(self, nbytes: int = 32) -> str:
        return secrets.token_urlsafe(nbytes)
