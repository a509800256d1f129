"""The hotel directory in memory (records by ref and the blocking index in dictionaries) and
the log of hotel imports."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from uuid import UUID

from perla_adapters.memory.store import copy_of
from perla_core.hotels.imports import HotelImport
from perla_core.hotels.index import BlockKey, IndexedHotel
from perla_core.hotels.model import HotelRecord


class InMemoryHotelDirectory:
    """Records by ``ref``, and for each block the records filed under it (in the order they
    were added). Replacing a record takes it out of its old blocks first."""

    def __init__(self, records: Iterable[HotelRecord] = ()) -> None:
        self._hotels: dict[str, IndexedHotel] = {}
        self._blocks: dict[BlockKey, list[IndexedHotel]] = {}
        self.add_many(records)

    def add_many(self, records: Iterable[HotelRecord]) -> int:
        hotels = self._hotels
        blocks = self._blocks
        added = 0
        for record in records:
            hotel = IndexedHotel.of(record)
            old = hotels.get(record.ref)
            if old is not None:
                for key in old.blocks:
                    blocks[key].remove(old)
            hotels[record.ref] = hotel
            for key in hotel.blocks:
                bucket = blocks.get(key)
                if bucket is None:
                    blocks[key] = [hotel]
                else:
                    bucket.append(hotel)
            added += 1
        return added

    def get(self, ref: str) -> HotelRecord | None:
        hotel = self._hotels.get(ref)
        return None if hotel is None else hotel.record

    def candidates(self, blocks: Iterable[BlockKey]) -> list[IndexedHotel]:
        found: dict[str, IndexedHotel] = {}
        index = self._blocks
        for key in blocks:
            for hotel in index.get(key, ()):
                found.setdefault(hotel.record.ref, hotel)
        return list(found.values())

    def block_size(self, key: BlockKey) -> int:
        return len(self._blocks.get(key, ()))

    def __iter__(self) -> Iterator[IndexedHotel]:
        return iter(list(self._hotels.values()))

    def __len__(self) -> int:
        return len(self._hotels)


class InMemoryHotelImportLog:
    """Import runs by id; what is saved or read is a copy, as with a table."""

    def __init__(self) -> None:
        self._runs: dict[UUID, HotelImport] = {}
        self._lock = threading.Lock()

    def save(self, entry: HotelImport) -> None:
        with self._lock:
            self._runs[entry.id] = copy_of(entry)

    def get(self, import_id: UUID) -> HotelImport | None:
        with self._lock:
            run = self._runs.get(import_id)
            return None if run is None else copy_of(run)

    def recent(self, limit: int = 20) -> list[HotelImport]:
        with self._lock:
            runs = sorted(self._runs.values(), key=lambda r: (r.started_at, r.id), reverse=True)
            return [copy_of(run) for run in runs[:limit]]
