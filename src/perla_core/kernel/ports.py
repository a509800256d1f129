"""Ports every area shares: time and identifiers come from outside the core."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID


class Clock(Protocol):
    """The current time. Always timezone-aware UTC."""

    def now(self) -> datetime: ...


class IdGenerator(Protocol):
    """New unique identifiers (time-ordered where the adapter can, for index locality)."""

    def new_id(self) -> UUID: ...


class SecretGenerator(Protocol):
    """Cryptographically strong random secrets, URL-safe text."""

    def new_secret(self, nbytes: int = 32) -> str: ...
