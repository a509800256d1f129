"""The hotel directory's use cases: look a hotel up, match a description, and turn a
directory record into what a supplier request can be pre-filled with.

Reading the directory needs :attr:`Permission.READ`, like every read in perla; the directory
itself is not transactional (see :class:`~perla_core.hotels.ports.HotelDirectory`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import attrs

from perla_core.access.model import Actor, Permission
from perla_core.gateways.dome import DomeGateway
from perla_core.hotels.files import read_rows
from perla_core.hotels.imports import (
    HotelImport,
    HotelImportLog,
    ImportStatus,
    RejectedRow,
    default_source,
    free_text_fields,
    import_hotels,
    known_city,
)
from perla_core.hotels.matching import HotelMatcher, MatchResult
from perla_core.hotels.model import HotelQuery, HotelRecord
from perla_core.hotels.ports import HotelDirectory
from perla_core.hotels.sources import sync_directory_from_dome
from perla_core.kernel.errors import InvalidValue, NotFound
from perla_core.kernel.ports import Clock, IdGenerator
from perla_core.kernel.text import decode_file

MAX_CANDIDATES = 20


def match_hotel(
    query: HotelQuery, directory: HotelDirectory, actor: Actor, *, limit: int = 5
) -> MatchResult:
    """The directory's best candidates for ``query``, with the outcome and its reasons."""
    actor.require(Permission.READ)
    if not 1 <= limit <= MAX_CANDIDATES:
        raise InvalidValue(f"must be between 1 and {MAX_CANDIDATES}", field="limit")
    return HotelMatcher(directory).match(query, limit=limit)


def get_hotel(ref: str, directory: HotelDirectory, actor: Actor) -> HotelRecord:
    """The directory's record ``ref``; :class:`NotFound` otherwise."""
    actor.require(Permission.READ)
    record = directory.get(ref)
    if record is None:
        raise NotFound("hotel", ref)
    return record


def prefill_fields(record: HotelRecord) -> dict[str, Any]:
    """A directory record as a supplier request's input fields (primitives, blanks left out):
    what :meth:`SupplierRequest.prefill_from` fills a request's empty fields with."""
    fields: dict[str, Any] = {
        "name": record.name,
        "chain": record.chain,
        "stars": record.stars,
        "address": record.address,
        "city": record.city,
        "postal_code": record.postal_code,
        "country": record.country,
        "latitude": record.latitude,
        "longitude": record.longitude,
        "phone": record.phone.e164 if record.phone else None,
        "email": str(record.email) if record.email else None,
        "website": record.website,
    }
    return {k: v for k, v in fields.items() if v is not None}


def query_of(text: str | None, fields: Mapping[str, Any], directory: HotelDirectory) -> HotelQuery:
    """A query from a one-line ``text`` ("NH Triana, Sevilla"; cities the directory knows
    are recognised at its end), from separate ``fields``, or both: a field given overrides
    what the text said. Raises :class:`InvalidInput` naming what is wrong or missing."""
    given = {k: v for k, v in fields.items() if v is not None and str(v).strip()}
    if text is None or not text.strip():
        return HotelQuery.parse(**given)
    country = given.get("country")
    parsed = free_text_fields(
        text,
        is_known_city=known_city(directory),
        default_country=None if country is None else str(country),
    )
    return HotelQuery.parse(**{**parsed, **given})


def directory_status(
    directory: HotelDirectory, imports: HotelImportLog, actor: Actor, *, limit: int = 20
) -> tuple[int, list[HotelImport]]:
    """How many records the directory holds, and its latest import runs (newest first)."""
    actor.require(Permission.READ)
    return len(directory), imports.recent(limit)


def get_hotel_import(import_id: UUID, imports: HotelImportLog, actor: Actor) -> HotelImport:
    """An import run, with its progress or its report; :class:`NotFound` otherwise."""
    actor.require(Permission.READ)
    run = imports.get(import_id)
    if run is None:
        raise NotFound("hotel import", import_id)
    return run


@attrs.define
class ImportJob:
    """An import accepted and recorded as running; calling it does the work (in the
    background, after the answer has gone)."""

    run: HotelImport
    _work: Callable[[], HotelImport]

    def __call__(self) -> HotelImport:
        return self._work()


def start_hotel_import(
    data: bytes,
    directory: HotelDirectory,
    imports: HotelImportLog,
    *,
    clock: Clock,
    ids: IdGenerator,
    actor: Actor,
    file_name: str,
    source: str | None = None,
) -> ImportJob:
    """Accept a CSV or JSON file of suppliers' hotels (UTF-8, or Windows-1252 as older
    Spanish exports are): the file is read and checked now (a malformed file is
    :class:`InvalidInput` on ``file``, and nothing is recorded), the run is recorded as running,
    and the returned job imports its rows. A bad row never stops the import; it is reported."""
    actor.require(Permission.WRITE_COMMERCIAL)
    text = decode_file(data)
    rows = list(read_rows(text, file_name))
    run = HotelImport(
        id=ids.new_id(),
        source=source or default_source(file_name),
        file_name=file_name,
        started_at=clock.now(),
        started_by=actor.name,
    )
    imports.save(run)

    def work() -> HotelImport:
        return import_hotels(
            rows,
            directory,
            imports,
            clock=clock,
            ids=ids,
            source=run.source,
            file_name=file_name,
            actor=actor.name,
            run=run,
        )

    return ImportJob(run, work)


DOME_SOURCE = "dome"
DOME_SYNC_MARGIN = timedelta(minutes=5)
"""How far before the last sync's start the next one reads again (clocks differ)."""


def sync_hotels_from_dome(
    gateway: DomeGateway,
    directory: HotelDirectory,
    imports: HotelImportLog,
    *,
    clock: Clock,
    ids: IdGenerator,
    actor: Actor,
    full: bool = False,
) -> HotelImport:
    """File Dome's hotel suppliers in the directory, recorded as an import run of source
    ``dome``: only the suppliers changed since the last completed sync began (less
    :data:`DOME_SYNC_MARGIN`), or all of them with ``full``. Suppliers whose data is not a
    valid record are reported as rejected rows (by their Dome code); Dome being unreachable
    leaves the run failed, and the next sync starts again from the same point."""
    actor.require(Permission.WRITE_COMMERCIAL)
    since = None if full else _last_dome_sync(imports)
    run = HotelImport(
        id=ids.new_id(),
        source=DOME_SOURCE,
        file_name="Dome suppliers",
        started_at=clock.now(),
        started_by=actor.name,
    )
    imports.save(run)
    try:
        report = sync_directory_from_dome(gateway, directory, updated_since=since)
    except Exception as error:
        run.status = ImportStatus.FAILED
        run.error = f"{type(error).__name__}: {error}"
        run.finished_at = clock.now()
        imports.save(run)
        raise
    run.rows_read = report.suppliers_read
    run.rows_stored = report.records_stored
    run.rows_rejected = report.suppliers_skipped
    run.rejected = [
        RejectedRow(
            line=number,
            ref=f"{DOME_SOURCE}:{skipped.code}",
            errors=skipped.errors,
        )
        for number, skipped in enumerate(report.skipped, start=1)
    ]
    run.status = ImportStatus.COMPLETED
    run.finished_at = clock.now()
    imports.save(run)
    return run


def _last_dome_sync(imports: HotelImportLog) -> datetime | None:
    for run in imports.recent(50):
        if run.source == DOME_SOURCE and run.status is ImportStatus.COMPLETED:
            return run.started_at - DOME_SYNC_MARGIN
    return None
