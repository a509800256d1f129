"""The hotel directory: suppliers' hotel records, indexed by the blocks matching looks in."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from perla_core.hotels.index import BlockKey, IndexedHotel
from perla_core.hotels.model import HotelRecord


class HotelDirectory(Protocol):
    """Hotel records from suppliers' data (Dome's suppliers, imports), one per ``ref``.

    Each record is filed under the blocks :meth:`IndexedHotel.of` computes; :meth:`candidates`
    returns the records filed under any of the blocks asked for, each once, and nothing else,
    so a match scores only those. Adding a record whose ``ref`` is already there replaces it
    (and its blocks). Not transactional: a directory is rebuilt or appended to by imports.
    """

    def add_many(self, records: Iterable[HotelRecord]) -> int:
        """Index and store ``records``; returns how many were stored."""
        ...

    def get(self, ref: str) -> HotelRecord | None: ...

    def candidates(self, blocks: Iterable[BlockKey]) -> list[IndexedHotel]:
        """The records filed under any of ``blocks``, each once, in a stable order."""
        ...

    def __iter__(self) -> Iterator[IndexedHotel]:
        """Every record (the naive baseline and the duplicates pass read them all)."""
        ...

    def __len__(self) -> int: ...
