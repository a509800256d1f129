"""Bulk imports of suppliers' hotel data, and the record each one leaves behind.

An import reads rows (CSV or JSON, see :mod:`.files`), turns each into a
:class:`~perla_core.hotels.model.HotelRecord`, stores the good ones in the directory in
batches, keeps going past a bad row (reported with its line and every invalid field), and ends
with a pass that reports likely duplicates already inside the directory. Its
:class:`HotelImport` is saved through the :class:`HotelImportLog` port as it goes, so its
status can be read while it runs (``GET /api/v1/hotels/imports/{id}``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from enum import StrEnum
from typing import Final, Protocol, runtime_checkable
from uuid import UUID

import attrs

from perla_core.hotels.files import RawRow, country_of
from perla_core.hotels.index import BlockKey, IndexedHotel, city_block, pairing_blocks
from perla_core.hotels.matching import likely_duplicates
from perla_core.hotels.model import HotelQuery, HotelRecord
from perla_core.hotels.normalise import (
    KIND_WORDS,
    NAME_STOPWORDS,
    city_key,
    normalise_name,
    words_of,
)
from perla_core.hotels.ports import HotelDirectory
from perla_core.kernel.errors import InvalidInput, InvalidValue, invalid
from perla_core.kernel.ports import Clock, IdGenerator
from perla_core.kernel.text import fold

MAX_REPORTED: Final = 1000  # rejected rows and duplicate pairs kept in an import's report


class ImportStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


@attrs.frozen
class RejectedRow:
    """A row the import refused: its line in the file (a CSV's header is line 1; a JSON
    array's first object is row 1), its ref if it had one, and every ``(field, message)``."""

    line: int
    ref: str | None
    errors: tuple[tuple[str, str], ...]


@attrs.frozen
class DuplicatePair:
    """Two directory records that look like one hotel, how much (0..100) and why."""

    ref: str
    other_ref: str
    score: float
    reasons: tuple[str, ...]


@attrs.define(kw_only=True)
class HotelImport:
    """One import run: what file, by whom, how far it got and what it found.

    ``rejected`` and ``duplicates`` keep the first :data:`MAX_REPORTED` of each;
    ``rows_rejected`` and ``duplicates_found`` count them all.
    """

    id: UUID
    source: str
    file_name: str
    started_at: datetime
    started_by: str
    status: ImportStatus = ImportStatus.RUNNING
    finished_at: datetime | None = None
    rows_read: int = 0
    rows_stored: int = 0
    rows_rejected: int = 0
    rejected: list[RejectedRow] = attrs.field(factory=list)
    duplicates_found: int = 0
    duplicates: list[DuplicatePair] = attrs.field(factory=list)
    error: str | None = None


class HotelImportLog(Protocol):
    """Where import runs are kept (newest first when listed)."""

    def save(self, entry: HotelImport) -> None:
        """Insert the run, or replace the one with its id."""
        ...

    def get(self, import_id: UUID) -> HotelImport | None: ...

    def recent(self, limit: int = 20) -> list[HotelImport]:
        """The latest runs, newest ``started_at`` first."""
        ...


# --- the import ---------------------------------------------------------------------------

_SLUG: Final = re.compile(r"[a-z0-9]+")
_CANDIDATE_CHUNK: Final = 500  # blocks asked of the directory at once


def default_source(file_name: str) -> str:
    """``import:<the file's name without folders or extension>``, folded:
    ``/tmp/Hoteles Sevilla 2024.csv`` -> ``import:hoteles-sevilla-2024``."""
    base = re.split(r"[\\/]", file_name)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base[1:] else base
    return "import:" + ("-".join(_SLUG.findall(fold(stem))) or "file")


def _generated_ref(fields: dict[str, str | None]) -> str:
    """A ref for a row without one that stays the same when the file is imported again: a
    short hash of its folded name, address, city and country."""
    key = "|".join(fold(fields.get(f) or "") for f in ("name", "address", "city", "country"))
    return hashlib.sha256(key.encode(errors="surrogatepass")).hexdigest()[:12]


class _Rows:
    """Turns rows into records for one run, noting what it refuses and every ref it saw."""

    def __init__(self, run: HotelImport, source: str, default_country: str | None) -> None:
        self.run = run
        self.source = source
        self.default_country = default_country
        self.lines: dict[str, int] = {}  # ref -> the line that brought it

    def record_of(self, row: RawRow) -> HotelRecord | None:
        fields: dict[str, str | None] = {"name": None, "country": None}
        fields.update((k, v) for k, v in row.fields.items() if k != "ref")
        if self.default_country and not fields.get("country"):
            fields["country"] = self.default_country
        own = row.ref
        ref = f"{self.source}:{own if own else _generated_ref(fields)}"
        errors = list(row.problems)
        record: HotelRecord | None = None
        if not errors:
            try:
                record = HotelRecord.parse(ref=ref, source=self.source, **fields)
            except InvalidInput as error:
                errors.extend((e.field or "row", e.message) for e in error.errors)
            except InvalidValue as error:
                errors.append((error.field or "row", error.message))
        if record is not None and ref in self.lines:
            same = "has this ref" if own else "describes the same hotel (name, address, city)"
            errors.append(("ref", f"duplicate ref in this file: line {self.lines[ref]} {same}"))
            record = None
        if record is None:
            self.run.rows_rejected += 1
            if len(self.run.rejected) < MAX_REPORTED:
                self.run.rejected.append(RejectedRow(row.line, own, tuple(errors)))
            return None
        self.lines[ref] = row.line
        return record


def import_hotels(
    rows: Iterable[RawRow],
    directory: HotelDirectory,
    log: HotelImportLog,
    *,
    clock: Clock,
    ids: IdGenerator,
    source: str,
    file_name: str,
    actor: str,
    batch_size: int = 2000,
    progress: Callable[[int], None] | None = None,
    find_duplicates: bool = True,
    default_country: str | None = None,
    run: HotelImport | None = None,
) -> HotelImport:
    """Import a supplier's rows (see :mod:`.files`) into the directory as ``source``'s
    records, and return the run's report.

    Each row becomes the record ``<source>:<its ref>`` (rows without one get a ref hashed
    from their name, address, city and country, so importing a file again replaces its
    records instead of duplicating them); ``default_country`` fills rows that name none. A
    row that does not make a valid record, or repeats a ref seen earlier in the file, is
    rejected with every ``(field, message)`` and the import goes on. Records are stored
    ``batch_size`` rows at a time; the run (``run``, when the caller recorded it already,
    else a new one started by ``actor``) is saved when it starts and after every batch, and
    ``progress`` is told how many rows were read. Then, unless ``find_duplicates`` is false,
    the likely duplicates involving this import's records are looked for in the whole
    directory. The run ends ``completed``; if the directory raises it ends ``failed`` with
    the error, and the error is raised again.
    """
    if batch_size < 1:
        raise InvalidValue("must be at least 1", field="batch_size")
    if run is None:
        run = HotelImport(
            id=ids.new_id(),
            source=source,
            file_name=file_name,
            started_at=clock.now(),
            started_by=actor,
        )
    log.save(run)
    reader = _Rows(run, source, default_country)
    pairing: set[BlockKey] = set()
    try:
        batch: list[HotelRecord] = []
        read = 0
        for row in rows:
            record = reader.record_of(row)
            if record is not None:
                batch.append(record)
            read += 1
            if read == batch_size:
                _store(run, batch, directory, pairing if find_duplicates else None)
                _saved(run, read, log, progress)
                batch, read = [], 0
        if read:
            _store(run, batch, directory, pairing if find_duplicates else None)
            _saved(run, read, log, progress)
        if find_duplicates:
            pairs = _duplicates_of(set(reader.lines), pairing, directory)
            run.duplicates_found = len(pairs)
            run.duplicates = pairs[:MAX_REPORTED]
    except Exception as error:
        run.status = ImportStatus.FAILED
        run.error = f"{type(error).__name__}: {error}"
        run.finished_at = clock.now()
        log.save(run)
        raise
    run.status = ImportStatus.COMPLETED
    run.finished_at = clock.now()
    log.save(run)
    return run


def _store(
    run: HotelImport,
    batch: list[HotelRecord],
    directory: HotelDirectory,
    pairing: set[BlockKey] | None,
) -> None:
    if batch:
        run.rows_stored += directory.add_many(batch)
    if pairing is not None:
        for record in batch:
            pairing.update(pairing_blocks(IndexedHotel.of(record).blocks))


def _saved(
    run: HotelImport, read: int, log: HotelImportLog, progress: Callable[[int], None] | None
) -> None:
    run.rows_read += read
    log.save(run)
    if progress is not None:
        progress(run.rows_read)


# --- the duplicates pass ------------------------------------------------------------------


class _Neighbourhood:
    """The directory's records sharing a pairing block with an import's records, as a
    read-only directory: what :func:`likely_duplicates` needs to find every pair involving
    the import without reading the rest of the directory."""

    def __init__(self, hotels: Iterable[IndexedHotel]) -> None:
        self._hotels = {hotel.ref: hotel for hotel in hotels}
        self._blocks: dict[BlockKey, list[IndexedHotel]] = {}
        for hotel in self._hotels.values():
            for key in hotel.blocks:
                self._blocks.setdefault(key, []).append(hotel)

    def add_many(self, records: Iterable[HotelRecord]) -> int:  # noqa: ARG002 - the port's
        raise TypeError("an import's neighbourhood is read-only")

    def get(self, ref: str) -> HotelRecord | None:
        hotel = self._hotels.get(ref)
        return None if hotel is None else hotel.record

    def candidates(self, blocks: Iterable[BlockKey]) -> list[IndexedHotel]:
        found: dict[str, IndexedHotel] = {}
        for key in blocks:
            for hotel in self._blocks.get(key, ()):
                found.setdefault(hotel.ref, hotel)
        return list(found.values())

    def __iter__(self) -> Iterator[IndexedHotel]:
        return iter(list(self._hotels.values()))

    def __len__(self) -> int:
        return len(self._hotels)


def _duplicates_of(
    refs: set[str], pairing: set[BlockKey], directory: HotelDirectory
) -> list[DuplicatePair]:
    """The likely duplicates (as :func:`likely_duplicates` finds them over the whole
    directory) of which at least one record is in ``refs``, this import's record first."""
    keys = sorted(pairing)
    pool: dict[str, IndexedHotel] = {}
    for start in range(0, len(keys), _CANDIDATE_CHUNK):
        for hotel in directory.candidates(keys[start : start + _CANDIDATE_CHUNK]):
            pool.setdefault(hotel.ref, hotel)
    pairs: list[DuplicatePair] = []
    for found in likely_duplicates(_Neighbourhood(pool.values())):
        a, b = found.a.ref, found.b.ref
        if a not in refs and b not in refs:
            continue
        first, other = (a, b) if a in refs else (b, a)
        pairs.append(DuplicatePair(first, other, found.score, found.reasons))
    return pairs


# --- one-line lookups ---------------------------------------------------------------------

_COORDINATES: Final = re.compile(r"^\s*(-?\d{1,2}\.\d+)\s*[,;\s]\s*(-?\d{1,3}\.\d+)\s*$")
_PHONE_LIKE: Final = re.compile(r"^\s*(?:\+|00)?[\d\s().\-/]+$")
_PHONE_DIGITS: Final = 6
_CITY_WORDS: Final = (3, 2, 1)
_FILLER: Final = frozenset(KIND_WORDS) | NAME_STOPWORDS


@runtime_checkable
class _BlockCounter(Protocol):
    def block_size(self, key: BlockKey) -> int: ...


def known_city(directory: HotelDirectory) -> Callable[[str], bool]:
    """Whether the directory holds a hotel in a city of that name (any spelling
    :func:`city_key` folds to it: ``Seville`` is ``Sevilla``)."""
    seen: dict[str, bool] = {}

    def is_known(text: str) -> bool:
        key = city_key(text)
        if not key:
            return False
        if key not in seen:
            block = city_block(key)
            if isinstance(directory, _BlockCounter):
                seen[key] = directory.block_size(block) > 0
            else:
                seen[key] = bool(directory.candidates([block]))
        return seen[key]

    return is_known


def _says_nothing(name: str) -> bool:
    """``NH Collection``, ``Hotel``: only a chain's and common words, no name of its own."""
    chain = normalise_name(name).chain
    own = set(words_of([chain])) if chain else set()
    return all(word in own or word in _FILLER for word in words_of([name]))


def free_text_fields(
    text: str, *, is_known_city: Callable[[str], bool], default_country: str | None = None
) -> dict[str, str]:
    """The fields a one-line description gives (see :func:`parse_free_text`), as strings."""
    line = " ".join(text.split())
    if not line:
        raise invalid({"text": "describe the hotel: a name and its city, a phone or coordinates"})
    fields: dict[str, str] = {}
    point = _COORDINATES.match(line)
    parts = [part.strip() for part in line.split(",") if part.strip()]
    if point:
        fields["latitude"], fields["longitude"] = point.group(1), point.group(2)
    elif _PHONE_LIKE.match(line) and sum(c.isdigit() for c in line) >= _PHONE_DIGITS:
        fields["phone"] = line
    elif len(parts) > 1:
        country = country_of(parts[-1])
        if country is not None:
            fields["country"] = country
            parts = parts[:-1]
        fields["name"] = parts[0]
        if len(parts) > 1:
            fields["city"] = parts[-1]
        if len(parts) > 2:
            fields["address"] = ", ".join(parts[1:-1])
    else:
        fields.update(_name_and_city(line, is_known_city))
    if default_country and "country" not in fields:
        fields["country"] = default_country
    return fields


def _name_and_city(line: str, is_known_city: Callable[[str], bool]) -> dict[str, str]:
    words = line.split()
    fields: dict[str, str] = {}
    last = words[-1]
    if len(words) > 2 and len(last) == 2 and last.isupper() and country_of(last):
        fields["country"] = country_of(last) or last
        words = words[:-1]
    for size in _CITY_WORDS:
        if len(words) > size and is_known_city(" ".join(words[-size:])):
            fields["city"] = " ".join(words[-size:])
            name = " ".join(words[:-size])
            fields["name"] = " ".join(words) if _says_nothing(name) else name
            return fields
    fields["name"] = " ".join(words)
    return fields


def parse_free_text(
    text: str, *, is_known_city: Callable[[str], bool], default_country: str | None = None
) -> HotelQuery:
    """A query from the one line an agent types:

    - ``"NH Collection Sevilla, Sevilla"``, ``"Alfonso XIII, Sevilla, ES"``: commas split the
      name, the city and, when the last part is one (``ES``, ``Portugal``), the country; parts
      between the name and the city are its address;
    - ``"hotel inglaterra sevilla"``: without commas, the last one to three words become the
      city when ``is_known_city`` knows them (see :func:`known_city`); a trailing ISO code
      (``ES``) is the country; when what is left is only a chain's or common words (``NH
      Collection Sevilla``) the city's words stay in the name too;
    - ``"+34 954 22 71 30"`` is a phone, ``"37.38,-5.99"`` coordinates.

    ``default_country`` is the country when the text names none (and the phone's region).
    Raises :class:`InvalidInput` when the text does not say where to look (a name with
    neither a known city nor a country, say).
    """
    return HotelQuery.parse(
        **free_text_fields(text, is_known_city=is_known_city, default_country=default_country)
    )
