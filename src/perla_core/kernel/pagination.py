"""Pages of results."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, TypeVar

import attrs

from perla_core.kernel.errors import InvalidValue

T = TypeVar("T")

MAX_LIMIT = 200
MAX_OFFSET = 1_000_000_000
"""The largest offset (PostgreSQL casts OFFSET to a 32-bit integer)."""


def _limit(value: int) -> int:
    if not 1 <= value <= MAX_LIMIT:
        raise InvalidValue(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    return value


def _offset(value: int) -> int:
    if value < 0:
        raise InvalidValue("offset cannot be negative", field="offset")
    if value > MAX_OFFSET:
        raise InvalidValue(f"offset must be at most {MAX_OFFSET}", field="offset")
    return value


@attrs.frozen
class PageRequest:
    limit: int = attrs.field(default=50, validator=lambda _i, _a, v: _limit(v))
    offset: int = attrs.field(default=0, validator=lambda _i, _a, v: _offset(v))


@attrs.frozen
class Page(Generic[T]):
    """``items`` of a result of ``total`` rows, starting at ``offset``."""

    items: Sequence[T]
    total: int
    limit: int
    offset: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.items) < self.total
