"""The hotel directory and the log of hotel imports in SQL (SQLite, PostgreSQL).

Each :class:`HotelRecord` is a row of ``hotel_records``, one column per field (the phone in
E.164, the e-mail as its address, coordinates as doubles), and each block it is filed under a
``(ref, block)`` row of ``hotel_blocks``. Matching needs each candidate's
:class:`IndexedHotel`, whose profile costs far more to compute than its row to read, so the
directory keeps the latest ones in a bounded LRU cache. A row carries a digest of its fields
(``content_hash``) and a cached profile is used only while the row's digest is the one it was
computed from: a record replaced by another process is never scored stale.

Import runs are rows of ``hotel_imports``; their rejected rows and duplicate pairs are JSON
arrays.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from hashlib import blake2b
from itertools import islice
from typing import Any, Final
from uuid import UUID

from sqlalchemy import Engine, bindparam, delete, func, insert, select, update

from perla_adapters.sql.serialization import converter
from perla_adapters.sql.tables import hotel_blocks, hotel_imports, hotel_records
from perla_core.hotels.imports import DuplicatePair, HotelImport, ImportStatus, RejectedRow
from perla_core.hotels.index import BlockKey, IndexedHotel
from perla_core.hotels.model import HotelRecord
from perla_core.kernel.values import Email, Phone

WRITE_CHUNK: Final = 2_000  # records per transaction in add_many
READ_BATCH: Final = 2_000  # records per query when reading the whole directory
DEFAULT_CACHE_SIZE: Final = 50_000  # profiles kept in memory (about 2.5 kB each)

_r = hotel_records.c
_COLUMNS: Final = (
    _r.ref,
    _r.content_hash,
    _r.source,
    _r.name,
    _r.country,
    _r.city,
    _r.address,
    _r.postal_code,
    _r.chain,
    _r.latitude,
    _r.longitude,
    _r.phone,
    _r.stars,
    _r.email,
    _r.website,
)
# One statement each, built once: a match runs one of them per call.
_CANDIDATES: Final = (
    select(*_COLUMNS)
    .where(
        _r.ref.in_(
            select(hotel_blocks.c.ref).where(
                hotel_blocks.c.block.in_(bindparam("blocks", expanding=True))
            )
        )
    )
    .order_by(_r.ref)
)
_BY_REF: Final = select(*_COLUMNS).where(_r.ref == bindparam("ref"))
_PAGE: Final = (
    select(*_COLUMNS).where(_r.ref > bindparam("after")).order_by(_r.ref).limit(bindparam("batch"))
)
_COUNT: Final = select(func.count()).select_from(hotel_records)
_BLOCK_SIZE: Final = (
    select(func.count()).select_from(hotel_blocks).where(hotel_blocks.c.block == bindparam("block"))
)
_DELETE_BLOCKS: Final = delete(hotel_blocks).where(
    hotel_blocks.c.ref.in_(bindparam("refs", expanding=True))
)
_DELETE_RECORDS: Final = delete(hotel_records).where(_r.ref.in_(bindparam("refs", expanding=True)))


def content_hash(record: HotelRecord) -> int:
    """A 64-bit digest of every field of ``record``, the same in every process."""
    fields = (
        record.ref,
        record.source,
        record.name,
        record.country,
        record.city,
        record.address,
        record.postal_code,
        record.chain,
        None if record.latitude is None else repr(record.latitude),
        None if record.longitude is None else repr(record.longitude),
        None if record.phone is None else record.phone.e164,
        None if record.stars is None else str(record.stars),
        None if record.email is None else record.email.value,
        record.website,
    )
    text = "\x1f".join("\x00" if field is None else field for field in fields)
    digest = blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def hotel_record_to_row(record: HotelRecord) -> dict[str, Any]:
    """Every column of ``hotel_records``."""
    return {
        "ref": record.ref,
        "content_hash": content_hash(record),
        "source": record.source,
        "name": record.name,
        "country": record.country,
        "city": record.city,
        "address": record.address,
        "postal_code": record.postal_code,
        "chain": record.chain,
        "latitude": record.latitude,
        "longitude": record.longitude,
        "phone": None if record.phone is None else record.phone.e164,
        "stars": record.stars,
        "email": None if record.email is None else record.email.value,
        "website": record.website,
    }


def hotel_record_from_row(row: Sequence[Any]) -> HotelRecord:
    """A record from a row of :data:`_COLUMNS` (in their order)."""
    (
        ref, _hash, source, name, country, city, address, postal_code, chain,
        latitude, longitude, phone, stars, email, website,
    ) = row  # fmt: skip
    return HotelRecord(
        ref=ref,
        source=source,
        name=name,
        country=country,
        city=city,
        address=address,
        postal_code=postal_code,
        chain=chain,
        latitude=latitude,
        longitude=longitude,
        phone=None if phone is None else Phone(phone),
        stars=stars,
        email=None if email is None else Email(email),
        website=website,
    )


class _Profiles:
    """The :class:`IndexedHotel` of the latest records read, by ref, with the content hash
    each was computed from; at most ``size`` of them, the least recently used dropped first.
    Shared by the threads using one directory."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._hotels: OrderedDict[str, tuple[int, IndexedHotel]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._hotels)

    def of(self, rows: Sequence[Sequence[Any]], *, keep: bool = True) -> list[IndexedHotel]:
        """The indexed hotel of each row, in order: cached when its hash is the row's, built
        otherwise (and kept, unless ``keep`` is false: a pass over the whole directory would
        only push out what matching uses)."""
        found: list[IndexedHotel | None] = []
        with self._lock:
            hotels = self._hotels
            for row in rows:
                cached = hotels.get(row[0])
                if cached is not None and cached[0] == row[1]:
                    hotels.move_to_end(row[0])
                    found.append(cached[1])
                else:
                    found.append(None)
        built: list[tuple[str, int, IndexedHotel]] = []
        out: list[IndexedHotel] = []
        for row, known in zip(rows, found, strict=True):
            if known is None:
                hotel = IndexedHotel.of(hotel_record_from_row(row))
                built.append((row[0], row[1], hotel))
                out.append(hotel)
            else:
                out.append(known)
        if keep and built and self._size > 0:
            with self._lock:
                hotels = self._hotels
                for ref, digest, hotel in built:
                    hotels[ref] = (digest, hotel)
                    hotels.move_to_end(ref)
                while len(hotels) > self._size:
                    hotels.popitem(last=False)
        return out

    def forget(self, refs: Iterable[str]) -> None:
        with self._lock:
            for ref in refs:
                self._hotels.pop(ref, None)


class SqlHotelDirectory:
    """The :class:`~perla_core.hotels.ports.HotelDirectory` in ``hotel_records`` and
    ``hotel_blocks``.

    ``add_many`` writes a transaction per ``write_chunk`` records (a record's old row and
    blocks are deleted, the new ones inserted with executemany); ``candidates`` is one query;
    iterating reads ``read_batch`` records per query, in the order of their refs, each in a
    short transaction of its own. Up to ``cache_size`` profiles are kept in memory between
    calls.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        cache_size: int = DEFAULT_CACHE_SIZE,
        write_chunk: int = WRITE_CHUNK,
        read_batch: int = READ_BATCH,
    ) -> None:
        self._engine = engine
        self._profiles = _Profiles(cache_size)
        self._write_chunk = write_chunk
        self._read_batch = read_batch

    @property
    def cached(self) -> int:
        """How many profiles are in memory."""
        return len(self._profiles)

    def add_many(self, records: Iterable[HotelRecord]) -> int:
        stored = 0
        pending = iter(records)
        while chunk := list(islice(pending, self._write_chunk)):
            # A ref twice in a chunk: the last one wins, as when they are stored one by one.
            self._store(list({record.ref: record for record in chunk}.values()))
            stored += len(chunk)
        return stored

    def _store(self, records: list[HotelRecord]) -> None:
        refs = [record.ref for record in records]
        record_rows = [hotel_record_to_row(record) for record in records]
        block_rows = [
            {"ref": record.ref, "block": block}
            for record in records
            for block in dict.fromkeys(IndexedHotel.of(record).blocks)
        ]
        with self._engine.begin() as connection:
            connection.execute(_DELETE_BLOCKS, {"refs": refs})
            connection.execute(_DELETE_RECORDS, {"refs": refs})
            connection.execute(insert(hotel_records), record_rows)
            if block_rows:
                connection.execute(insert(hotel_blocks), block_rows)
        self._profiles.forget(refs)

    def get(self, ref: str) -> HotelRecord | None:
        with self._engine.connect() as connection:
            row = connection.execute(_BY_REF, {"ref": ref}).first()
        return None if row is None else hotel_record_from_row(row)

    def candidates(self, blocks: Iterable[BlockKey]) -> list[IndexedHotel]:
        keys = list(dict.fromkeys(blocks))
        if not keys:
            return []
        with self._engine.connect() as connection:
            rows = connection.execute(_CANDIDATES, {"blocks": keys}).all()
        return self._profiles.of(rows)

    def block_size(self, key: BlockKey) -> int:
        """How many records are filed under ``key`` (counted in the index, none read)."""
        with self._engine.connect() as connection:
            return int(connection.execute(_BLOCK_SIZE, {"block": key}).scalar_one())

    def __iter__(self) -> Iterator[IndexedHotel]:
        after = ""  # every ref is longer
        while True:
            with self._engine.connect() as connection:
                rows = connection.execute(_PAGE, {"after": after, "batch": self._read_batch}).all()
            yield from self._profiles.of(rows, keep=False)
            if len(rows) < self._read_batch:
                return
            after = rows[-1][0]

    def __len__(self) -> int:
        with self._engine.connect() as connection:
            return int(connection.execute(_COUNT).scalar_one())


# --- import runs ---------------------------------------------------------------------------


def hotel_import_to_row(entry: HotelImport) -> dict[str, Any]:
    """Every column of ``hotel_imports``."""
    return {
        "id": entry.id,
        "source": entry.source,
        "file_name": entry.file_name,
        "started_at": entry.started_at,
        "started_by": entry.started_by,
        "status": entry.status.value,
        "finished_at": entry.finished_at,
        "rows_read": entry.rows_read,
        "rows_stored": entry.rows_stored,
        "rows_rejected": entry.rows_rejected,
        "rejected": converter.unstructure(entry.rejected, list[RejectedRow]),
        "duplicates_found": entry.duplicates_found,
        "duplicates": converter.unstructure(entry.duplicates, list[DuplicatePair]),
        "error": entry.error,
    }


def hotel_import_from_row(row: Any) -> HotelImport:
    return HotelImport(
        id=row["id"],
        source=row["source"],
        file_name=row["file_name"],
        started_at=row["started_at"],
        started_by=row["started_by"],
        status=ImportStatus(row["status"]),
        finished_at=row["finished_at"],
        rows_read=row["rows_read"],
        rows_stored=row["rows_stored"],
        rows_rejected=row["rows_rejected"],
        rejected=converter.structure(row["rejected"], list[RejectedRow]),
        duplicates_found=row["duplicates_found"],
        duplicates=converter.structure(row["duplicates"], list[DuplicatePair]),
        error=row["error"],
    )


class SqlHotelImportLog:
    """The :class:`~perla_core.hotels.imports.HotelImportLog` in ``hotel_imports``; each
    ``save`` is a transaction of its own."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def save(self, entry: HotelImport) -> None:
        row = hotel_import_to_row(entry)
        values = {name: value for name, value in row.items() if name != "id"}
        with self._engine.begin() as connection:
            replaced = connection.execute(
                update(hotel_imports).where(hotel_imports.c.id == entry.id).values(values)
            )
            if replaced.rowcount == 0:
                connection.execute(insert(hotel_imports).values(row))

    def get(self, import_id: UUID) -> HotelImport | None:
        with self._engine.connect() as connection:
            row = (
                connection.execute(select(hotel_imports).where(hotel_imports.c.id == import_id))
                .mappings()
                .first()
            )
        return None if row is None else hotel_import_from_row(row)

    def recent(self, limit: int = 20) -> list[HotelImport]:
        query = (
            select(hotel_imports)
            .order_by(hotel_imports.c.started_at.desc(), hotel_imports.c.id.desc())
            .limit(limit)
        )
        with self._engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [hotel_import_from_row(row) for row in rows]
