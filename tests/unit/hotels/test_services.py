"""The directory's use cases: roles, one-line queries refined by fields, Dome syncs recorded as
import runs (incremental from the last one), and what a record pre-fills."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tests.unit.hotels.builders import NH_TRIANA, SEVILLA_CENTRO, a_record
from tests.unit.hotels.test_sources import an_existing_hotel

from perla_adapters.memory import FixedClock, SequentialIds
from perla_adapters.memory.dome import InMemoryDome
from perla_adapters.memory.hotels import InMemoryHotelDirectory, InMemoryHotelImportLog
from perla_core.access.model import Actor, Role
from perla_core.gateways.errors import ExternalUnavailable
from perla_core.hotels import services
from perla_core.hotels.imports import ImportStatus
from perla_core.kernel.errors import InvalidInput, InvalidValue, NotFound, PermissionDenied

AGENT = Actor("ana@perlatours.com", Role.AGENT)
READER = Actor("lector@perlatours.com", Role.READONLY)
JAN_2 = datetime(2026, 1, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def directory() -> InMemoryHotelDirectory:
    return InMemoryHotelDirectory([a_record(SEVILLA_CENTRO), a_record(NH_TRIANA)])


def test_a_reader_may_match_and_read_but_the_limit_is_bounded(
    directory: InMemoryHotelDirectory,
) -> None:
    query = services.query_of("Hotel Sevilla Centro, Sevilla", {}, directory)
    result = services.match_hotel(query, directory, READER)
    assert result.best is not None
    assert result.best.ref == "dome:41-0001"
    assert services.get_hotel("dome:41-0001", directory, READER).name == result.best.record.name
    with pytest.raises(InvalidValue) as bounded:
        services.match_hotel(query, directory, READER, limit=0)
    assert bounded.value.field == "limit"
    with pytest.raises(NotFound):
        services.get_hotel("dome:none", directory, READER)


def test_fields_given_with_a_text_refine_it(directory: InMemoryHotelDirectory) -> None:
    query = services.query_of("Sevilla Centro", {"city": "Sevilla", "country": None}, directory)
    assert (query.name, query.city) == ("Sevilla Centro", "Sevilla")
    with pytest.raises(InvalidInput):
        services.query_of(None, {"name": "Hotel Sol"}, directory)


def test_a_record_pre_fills_only_what_it_knows() -> None:
    fields = services.prefill_fields(a_record(NH_TRIANA))
    assert fields["name"] == "NH Sevilla Triana" or fields["name"]
    assert fields["country"] == "ES"
    assert fields["phone"].startswith("+34")
    assert all(value is not None for value in fields.values())
    assert "iban" not in fields


def test_a_dome_sync_is_recorded_and_the_next_reads_only_what_changed_since() -> None:
    dome, directory, log = InMemoryDome(), InMemoryHotelDirectory(), InMemoryHotelImportLog()
    clock, ids = FixedClock(JAN_2), SequentialIds()
    dome.seed_suppliers(an_existing_hotel(n, updated_at=JAN_2 - timedelta(days=1)) for n in (1, 2))

    first = services.sync_hotels_from_dome(dome, directory, log, clock=clock, ids=ids, actor=AGENT)
    assert (first.status, first.rows_read, first.rows_stored) == (ImportStatus.COMPLETED, 2, 2)
    assert first.source == "dome"

    clock.advance(timedelta(hours=1))
    dome.seed_suppliers([an_existing_hotel(3, updated_at=JAN_2 + timedelta(minutes=30))])
    second = services.sync_hotels_from_dome(dome, directory, log, clock=clock, ids=ids, actor=AGENT)
    assert (second.rows_read, second.rows_stored) == (1, 1)
    assert len(directory) == 3
    full = services.sync_hotels_from_dome(
        dome, directory, log, clock=clock, ids=ids, actor=AGENT, full=True
    )
    assert full.rows_read == 3
    assert [run.id for run in log.recent()] == [full.id, second.id, first.id]


def test_a_failed_dome_sync_is_recorded_as_failed_and_the_next_starts_from_the_last_good_one() -> (
    None
):
    dome, directory, log = InMemoryDome(), InMemoryHotelDirectory(), InMemoryHotelImportLog()
    clock, ids = FixedClock(JAN_2), SequentialIds()
    dome.seed_suppliers([an_existing_hotel(1, updated_at=JAN_2 - timedelta(days=3))])
    dome.fail_next(1, ExternalUnavailable("dome", "down"), operation="suppliers.list")
    with pytest.raises(ExternalUnavailable):
        services.sync_hotels_from_dome(dome, directory, log, clock=clock, ids=ids, actor=AGENT)
    failed = log.recent()[0]
    assert failed.status is ImportStatus.FAILED
    assert failed.error
    again = services.sync_hotels_from_dome(dome, directory, log, clock=clock, ids=ids, actor=AGENT)
    assert again.rows_stored == 1


def test_a_reader_cannot_sync_or_import(directory: InMemoryHotelDirectory) -> None:
    log = InMemoryHotelImportLog()
    with pytest.raises(PermissionDenied):
        services.sync_hotels_from_dome(
            InMemoryDome(), directory, log, clock=FixedClock(), ids=SequentialIds(), actor=READER
        )
    with pytest.raises(PermissionDenied):
        services.start_hotel_import(
            b"name;city;country\nHotel Sol;Sevilla;ES\n",
            directory,
            log,
            clock=FixedClock(),
            ids=SequentialIds(),
            actor=READER,
            file_name="x.csv",
        )
    assert log.recent() == []


def test_an_accepted_file_is_recorded_running_then_imported_by_its_job(
    directory: InMemoryHotelDirectory,
) -> None:
    log = InMemoryHotelImportLog()
    job = services.start_hotel_import(
        "nombre;ciudad;país\nHotel Giralda;Sevilla;España\n;Sevilla;ES\n".encode("cp1252"),
        directory,
        log,
        clock=FixedClock(),
        ids=SequentialIds(),
        actor=AGENT,
        file_name="giralda.csv",
    )
    running = log.get(job.run.id)
    assert running is not None
    assert running.status is ImportStatus.RUNNING
    done = job()
    assert (done.status, done.rows_stored, done.rows_rejected) == (ImportStatus.COMPLETED, 1, 1)
    assert log.get(job.run.id) == done
    assert len(directory) == 3
