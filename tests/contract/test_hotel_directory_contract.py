"""The hotel directory's and the hotel import log's promises, kept by every adapter (memory,
SQLite, PostgreSQL).

The directory: records by ref, each filed under its blocks, candidates only from the blocks
asked for and each once, a record added again replacing the old one and its blocks, records
coming back exactly. The SQL directory also reads candidates in one query, streams the whole
directory in batches and never serves a profile computed from a record since replaced, even
by another process. The import log: a run saved, replaced and read back field by field (its
rejected rows and duplicate pairs included), the latest runs newest first.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Engine, event
from tests.unit.hotels.builders import (
    MADRID_SOL,
    NH_TRIANA,
    SEVILLA_CENTRO,
    SEVILLA_CONGRESOS,
    a_record,
)

from perla_adapters.memory import InMemoryHotelDirectory, InMemoryHotelImportLog
from perla_adapters.sql import SqlHotelDirectory, SqlHotelImportLog
from perla_core.hotels.imports import (
    DuplicatePair,
    HotelImport,
    HotelImportLog,
    ImportStatus,
    RejectedRow,
)
from perla_core.hotels.index import IndexedHotel, city_block, geo_cell
from perla_core.hotels.matching import HotelMatcher, MatchOutcome
from perla_core.hotels.model import HotelQuery, HotelRecord
from perla_core.hotels.ports import HotelDirectory
from perla_core.kernel.values import Email, Phone

SEVILLE = ("dome:41-0001", "dome:41-0002", "hotelbeds:88123")


def filled(directory: HotelDirectory) -> HotelDirectory:
    added = directory.add_many(
        a_record(r) for r in (SEVILLA_CENTRO, SEVILLA_CONGRESOS, NH_TRIANA, MADRID_SOL)
    )
    assert added == 4
    return directory


def every_field() -> HotelRecord:
    """A record with every field, accents, and coordinates that only a double keeps."""
    return HotelRecord(
        ref="w2m:FR-75-Ω1",
        source="w2m",
        name="Hôtel du Louvre Opéra",
        country="FR",
        city="Paris",
        address="1 Place André Malraux",
        postal_code="75001",
        chain="Hyatt",
        latitude=48.863_517_283_946_11,
        longitude=2.335_012_345_678_901_3,
        phone=Phone("+33144581038"),
        stars=5,
        email=Email("Reservations.Louvre@hyatt.com"),
        website="https://www.hyatt.com/fr-FR/hotel/france/hotel-du-louvre/parhl",
    )


def fewest_fields() -> HotelRecord:
    return HotelRecord(ref="import:1", source="import", name="Pensión Lola", country="ES")


class HotelDirectoryContract:
    """Subclass with a ``directory`` fixture giving an empty adapter."""

    @pytest.fixture
    def directory(self) -> HotelDirectory:
        raise NotImplementedError

    def test_records_are_found_by_ref(self, directory: HotelDirectory) -> None:
        filled(directory)
        record = directory.get("hotelbeds:88123")
        assert record == a_record(NH_TRIANA)
        assert directory.get("dome:nope") is None
        assert len(directory) == 4

    def test_candidates_come_only_from_the_blocks_asked_for_and_each_once(
        self, directory: HotelDirectory
    ) -> None:
        filled(directory)
        centro = IndexedHotel.of(a_record(SEVILLA_CENTRO))
        found = directory.candidates([*centro.blocks, *centro.blocks])
        refs = [h.ref for h in found]
        assert sorted(refs) == sorted(set(refs))
        assert "dome:28-0001" not in refs
        assert refs.count("dome:41-0001") == 1
        assert directory.candidates(["p:+34000000000", "g:0:0"]) == []
        assert directory.candidates([]) == []

    def test_candidates_come_in_a_stable_order_with_their_profiles(
        self, directory: HotelDirectory
    ) -> None:
        filled(directory)
        blocks = [city_block("sevilla"), city_block("madrid")]
        first = directory.candidates(blocks)
        assert [h.ref for h in directory.candidates(blocks)] == [h.ref for h in first]
        assert all(h == IndexedHotel.of(h.record) for h in first)

    def test_a_citys_block_holds_its_hotels(self, directory: HotelDirectory) -> None:
        filled(directory)
        refs = {h.ref for h in directory.candidates([city_block("sevilla")])}
        assert refs == set(SEVILLE)

    def test_a_record_added_again_replaces_the_old_one_and_its_blocks(
        self, directory: HotelDirectory
    ) -> None:
        filled(directory)
        moved = a_record(SEVILLA_CENTRO, name="Hotel Giralda", latitude=37.41, longitude=-5.97)
        assert directory.add_many([moved]) == 1
        assert len(directory) == 4
        assert directory.get("dome:41-0001") == moved
        old_cell = geo_cell(37.3925, -5.9946)
        assert all(h.ref != "dome:41-0001" for h in directory.candidates([old_cell]))
        [found] = directory.candidates([geo_cell(37.41, -5.97)])
        assert found.record == moved
        assert found.profile.name == "giralda"

    def test_of_one_ref_added_twice_in_one_call_the_last_is_kept(
        self, directory: HotelDirectory
    ) -> None:
        first = a_record(SEVILLA_CENTRO)
        last = a_record(SEVILLA_CENTRO, name="Hotel Giralda")
        assert directory.add_many([first, a_record(NH_TRIANA), last]) == 3
        assert len(directory) == 2
        assert directory.get(first.ref) == last
        assert directory.candidates([f"t:ES:{w}" for w in ("centro", "giralda")]) == [
            IndexedHotel.of(last)
        ]

    @pytest.mark.parametrize("record", [every_field(), fewest_fields()], ids=["every", "fewest"])
    def test_a_record_comes_back_exactly(
        self, directory: HotelDirectory, record: HotelRecord
    ) -> None:
        directory.add_many([record])
        hotel = IndexedHotel.of(record)

        [candidate] = directory.candidates(hotel.blocks)
        [listed] = list(directory)
        for loaded in (directory.get(record.ref), candidate.record, listed.record):
            assert loaded == record
            assert loaded is not None
            assert type(loaded.latitude) is type(record.latitude)
            assert type(loaded.phone) is type(record.phone)
            assert type(loaded.email) is type(record.email)
        assert candidate == listed == hotel

    def test_every_record_can_be_read_back(self, directory: HotelDirectory) -> None:
        filled(directory)
        refs = [h.ref for h in directory]
        assert sorted(refs) == sorted([*SEVILLE, "dome:28-0001"])

    def test_an_empty_directory_has_nothing(self, directory: HotelDirectory) -> None:
        assert len(directory) == 0
        assert list(directory) == []
        assert directory.add_many([]) == 0

    def test_a_matcher_works_over_it(self, directory: HotelDirectory) -> None:
        result = HotelMatcher(filled(directory)).match(
            HotelQuery.parse(name="NH Triana", city="Sevilla", country="ES", phone="954331208")
        )
        assert result.outcome is MatchOutcome.CONFIDENT
        assert result.best is not None
        assert result.best.ref == "hotelbeds:88123"

    def test_a_name_and_a_country_are_enough_to_look_for_a_hotel(
        self, directory: HotelDirectory
    ) -> None:
        result = HotelMatcher(filled(directory)).match(
            HotelQuery.parse(name="Hostal Puerta del Sol", country="ES")
        )
        assert result.best is not None
        assert result.best.ref == "dome:28-0001"


class TestInMemoryHotelDirectory(HotelDirectoryContract):
    @pytest.fixture
    def directory(self) -> HotelDirectory:
        return InMemoryHotelDirectory()


def _numbered(n: int, city: str = "Sevilla") -> HotelRecord:
    return a_record(SEVILLA_CENTRO, ref=f"dome:{n:05d}", name=f"Hotel Número {n}", city=city)


@pytest.fixture
def statements(sql_engine: Engine) -> Iterator[list[str]]:
    """The SQL statements the engine runs while the test does."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(sql_engine, "before_cursor_execute", record)
    yield seen
    event.remove(sql_engine, "before_cursor_execute", record)


class TestSqlHotelDirectory(HotelDirectoryContract):
    @pytest.fixture
    def directory(self, sql_engine: Engine) -> HotelDirectory:
        return SqlHotelDirectory(sql_engine)

    def test_candidates_are_read_in_one_query(
        self, sql_engine: Engine, statements: list[str]
    ) -> None:
        directory = filled(SqlHotelDirectory(sql_engine))
        statements.clear()
        found = directory.candidates([city_block("sevilla"), city_block("madrid")])
        assert len(found) == 4
        assert len(statements) == 1

    def test_records_are_written_in_chunks_and_read_in_batches(self, sql_engine: Engine) -> None:
        directory = SqlHotelDirectory(sql_engine, write_chunk=3, read_batch=2)
        records = [_numbered(n) for n in range(7)]
        replaced = a_record(SEVILLA_CENTRO, ref="dome:00001", name="Hotel Giralda")

        assert directory.add_many(iter([*records, replaced])) == 8

        assert len(directory) == 7
        assert [h.record for h in directory] == [records[0], replaced, *records[2:]]
        assert {h.ref for h in directory.candidates([city_block("sevilla")])} == {
            r.ref for r in records
        }

    def test_a_record_replaced_by_another_process_is_never_scored_stale(
        self, sql_engine: Engine
    ) -> None:
        here = SqlHotelDirectory(sql_engine)
        filled(here)
        elsewhere = SqlHotelDirectory(sql_engine)
        sevilla = [city_block("sevilla")]
        before = {h.ref: h for h in here.candidates(sevilla)}
        assert here.cached == 3

        moved = a_record(SEVILLA_CENTRO, name="Hotel Giralda", latitude=37.41, longitude=-5.97)
        elsewhere.add_many([moved])

        after = {h.ref: h for h in here.candidates(sevilla)}
        assert after["dome:41-0001"] == IndexedHotel.of(moved)
        assert after["dome:41-0002"] is before["dome:41-0002"]  # unchanged: still cached

    def test_a_blocks_size_is_counted_without_reading_its_records(
        self, sql_engine: Engine, statements: list[str]
    ) -> None:
        directory = SqlHotelDirectory(sql_engine)
        memory = InMemoryHotelDirectory()
        for each in (directory, memory):
            filled(each)
        statements.clear()

        for key in (city_block("sevilla"), city_block("madrid"), "g:0:0"):
            assert directory.block_size(key) == memory.block_size(key)
        assert len(statements) == 3
        assert directory.cached == 0

    def test_the_profiles_kept_in_memory_are_bounded(self, sql_engine: Engine) -> None:
        directory = SqlHotelDirectory(sql_engine, cache_size=2)
        directory.add_many(_numbered(n) for n in range(5))

        assert len(directory.candidates([city_block("sevilla")])) == 5
        assert directory.cached == 2
        assert len(list(directory)) == 5
        assert directory.cached == 2


# --- the import log -----------------------------------------------------------------------

STARTED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
MADRID_TIME = timezone(timedelta(hours=1))


def a_run(
    started_at: datetime = STARTED, import_id: UUID | None = None, **changes: Any
) -> HotelImport:
    return HotelImport(
        id=import_id or uuid4(),
        source="hotelbeds",
        file_name="hotelbeds-2026-03.csv",
        started_at=started_at,
        started_by="ana.agent",
        **changes,
    )


def a_finished_run() -> HotelImport:
    """A run with every field filled: rejected rows with and without a ref, several errors
    each, accents; duplicate pairs with fractional scores."""
    return a_run(
        started_at=datetime(2026, 3, 2, 10, 30, tzinfo=MADRID_TIME),
        status=ImportStatus.COMPLETED,
        finished_at=datetime(2026, 3, 2, 9, 41, 7, 123456, tzinfo=UTC),
        rows_read=1204,
        rows_stored=1201,
        rows_rejected=3,
        rejected=[
            RejectedRow(
                line=2,
                ref="hotelbeds:1",
                errors=(("phone", "'12' is not a valid phone number"), ("stars", "'7' no")),
            ),
            RejectedRow(line=17, ref=None, errors=(("ref", "is required"),)),
            RejectedRow(line=903, ref="hotelbeds:Ñ", errors=(("country", "'España' is not…"),)),
        ],
        duplicates_found=2,
        duplicates=[
            DuplicatePair(
                ref="hotelbeds:1",
                other_ref="dome:41-0001",
                score=97.3,
                reasons=("name 100 (same)", "phone: same", "distance 12 m"),
            ),
            DuplicatePair(ref="a", other_ref="b", score=90.04999999999998, reasons=()),
        ],
        error=None,
    )


class HotelImportLogContract:
    """Subclass with a ``log`` fixture giving an empty adapter."""

    @pytest.fixture
    def log(self) -> HotelImportLog:
        raise NotImplementedError

    def test_a_saved_run_comes_back_field_by_field(self, log: HotelImportLog) -> None:
        run = a_finished_run()
        log.save(run)

        loaded = log.get(run.id)

        assert loaded == run
        assert loaded is not None
        assert loaded is not run
        for moment in (loaded.started_at, loaded.finished_at):
            assert moment is not None
            assert moment.utcoffset() is not None
        assert loaded.rejected[0].errors == (
            ("phone", "'12' is not a valid phone number"),
            ("stars", "'7' no"),
        )
        assert loaded.duplicates[1].score == 90.04999999999998
        assert log.get(uuid4()) is None

    def test_saving_a_run_again_replaces_it(self, log: HotelImportLog) -> None:
        run = a_run()
        log.save(run)
        run.rows_read = 10
        assert log.get(run.id) == a_run(import_id=run.id)  # nothing changes until saved

        failed = a_run(
            import_id=run.id,
            status=ImportStatus.FAILED,
            finished_at=STARTED + timedelta(minutes=1),
            rows_read=10,
            rejected=[RejectedRow(line=3, ref=None, errors=(("name", "is required"),))],
            error="the file is not UTF-8 after line 10",
        )
        log.save(failed)

        assert log.get(run.id) == failed
        assert log.recent() == [failed]

    def test_the_latest_runs_come_newest_first(self, log: HotelImportLog) -> None:
        runs = [a_run(started_at=STARTED + timedelta(hours=h)) for h in (2, 0, 3, 1)]
        for run in runs:
            log.save(run)

        recent = log.recent()

        assert [r.started_at for r in recent] == [
            STARTED + timedelta(hours=h) for h in (3, 2, 1, 0)
        ]
        assert [r.id for r in log.recent(limit=2)] == [runs[2].id, runs[0].id]
        assert log.recent(limit=0) == []

    def test_an_empty_log_has_no_runs(self, log: HotelImportLog) -> None:
        assert log.recent() == []


class TestInMemoryHotelImportLog(HotelImportLogContract):
    @pytest.fixture
    def log(self) -> HotelImportLog:
        return InMemoryHotelImportLog()


class TestSqlHotelImportLog(HotelImportLogContract):
    @pytest.fixture
    def log(self, sql_engine: Engine) -> HotelImportLog:
        return SqlHotelImportLog(sql_engine)
