"""A clock you move by hand and identifiers you can predict."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from uuid import UUID


class FixedClock:
    """Stands still until :meth:`advance` or :meth:`set` moves it."""

    def __init__(self, now: datetime | None = None) -> None:
        self._now = now or datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, now: datetime) -> None:
        self._now = now


class SequentialIds:
    """UUIDs 00000000-0000-7000-8000-000000000001, ...002, ... in order."""

    def __init__(self, start: int = 1) -> None:
        self._counter = itertools.count(start)

    def new_id(self) -> UUID:
        n = next(self._counter)
        return UUID(f"00000000-0000-7000-8000-{n:012x}")


class StaticSecrets:
    """Predictable secrets for tests: ``secret-1``, ``secret-2`` ..."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def new_secret(self, nbytes: int = 32) -> str:
        return f"secret{next(self._counter)}x{nbytes}"
