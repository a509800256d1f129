"""Bulk imports of suppliers' hotel files: good rows are stored in batches, a bad row is reported
with its line and every invalid field and the import goes on, a ref repeated in the file is
refused, importing the same file again replaces instead of duplicating, the run can be read
while it runs and ends failed when the directory breaks, and the duplicates pass reports the
likely duplicates this import brought. And one-line lookups ("hotel inglaterra sevilla")."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from bench.hotel_data import generate
from tests.unit.hotels.builders import MADRID_SOL, SEVILLA_CENTRO, a_record

from perla_adapters.memory.clock import FixedClock, SequentialIds
from perla_adapters.memory.hotels import InMemoryHotelDirectory, InMemoryHotelImportLog
from perla_core.hotels.files import RawRow, read_csv
from perla_core.hotels.imports import (
    MAX_REPORTED,
    DuplicatePair,
    HotelImport,
    ImportStatus,
    RejectedRow,
    default_source,
    free_text_fields,
    import_hotels,
    known_city,
    parse_free_text,
)
from perla_core.hotels.index import BlockKey, IndexedHotel
from perla_core.hotels.matching import HotelMatcher, MatchOutcome, likely_duplicates
from perla_core.hotels.model import HotelRecord
from perla_core.kernel.errors import InvalidInput, InvalidValue
from perla_core.kernel.values import Phone

SOURCE = "import:test"
HEADER = "ref;nombre;direccion;ciudad;cp;pais;latitud;longitud;telefono;email\n"
INGLATERRA = (
    "41-1;Hotel Inglaterra;Plaza Nueva, 7;Sevilla;41001;España;37,3886;-5,9953;954 22 49 70;"
)
ALFONSO = (
    "41-2;Hotel Alfonso XIII;Calle San Fernando, 2;Sevilla;41004;ES;37.3822;-5.9931;"
    "+34 954 91 70 00;reservas@alfonsoxiii.es"
)
BAD = "41-3;Hostal Malo;;Sevilla;;;norte;-5.99;;correo@"
TRIANA = "41-4;Hotel Triana;Calle Betis, 10;Sevilla;41010;ES;;;954 33 12 08;"


def rows_of(*lines: str, header: str = HEADER) -> list[RawRow]:
    return list(read_csv(io.StringIO(header + "".join(f"{line}\n" for line in lines))))


class Setup:
    def __init__(self, directory: Any = None) -> None:
        self.directory = directory if directory is not None else InMemoryHotelDirectory()
        self.log = InMemoryHotelImportLog()
        self.clock = FixedClock()
        self.ids = SequentialIds()

    def run(self, rows: Iterable[RawRow], **options: Any) -> HotelImport:
        settings: dict[str, Any] = {
            "source": SOURCE,
            "file_name": "test.csv",
            "actor": "ana@perlatours.com",
            **options,
        }
        return import_hotels(
            rows, self.directory, self.log, clock=self.clock, ids=self.ids, **settings
        )


# --- rows into records ----------------------------------------------------------------------


def test_a_spanish_file_is_stored_as_the_sources_records() -> None:
    setup = Setup()
    run = setup.run(rows_of(INGLATERRA, ALFONSO))
    assert (run.rows_read, run.rows_stored, run.rows_rejected) == (2, 2, 0)
    assert run.status is ImportStatus.COMPLETED
    assert (run.source, run.file_name, run.started_by) == (SOURCE, "test.csv", "ana@perlatours.com")
    assert run.finished_at == setup.clock.now()
    record = setup.directory.get("import:test:41-1")
    assert record is not None
    assert (record.name, record.country, record.source) == ("Hotel Inglaterra", "ES", SOURCE)
    assert (record.latitude, record.longitude) == (37.3886, -5.9953)
    assert record.phone == Phone("+34954224970")
    assert record.address == "Plaza Nueva, 7"
    assert setup.log.get(run.id) == run


def test_a_bad_row_is_rejected_with_its_line_and_every_invalid_field_and_the_import_goes_on() -> (
    None
):
    setup = Setup()
    run = setup.run(rows_of(INGLATERRA, BAD, ALFONSO))
    assert (run.rows_read, run.rows_stored, run.rows_rejected) == (3, 2, 1)
    (rejected,) = run.rejected
    assert rejected.line == 3
    assert rejected.ref == "41-3"
    assert {field for field, _ in rejected.errors} == {"country", "latitude", "email"}
    assert dict(rejected.errors)["country"] == "is required"
    assert setup.directory.get("import:test:41-2") is not None
    assert setup.directory.get("import:test:41-3") is None


def test_a_row_the_reader_could_not_read_is_rejected_with_the_readers_problem() -> None:
    setup = Setup()
    rows = [RawRow(7, {"name": "Hotel Sol"}, (("row", "is not an object (found a string)"),))]
    run = setup.run(rows)
    assert run.rejected == [RejectedRow(7, None, (("row", "is not an object (found a string)"),))]
    assert len(setup.directory) == 0


def test_a_ref_repeated_in_the_file_is_rejected_the_second_time() -> None:
    setup = Setup()
    run = setup.run(rows_of(INGLATERRA, INGLATERRA.replace("Hotel Inglaterra", "Otro"), ALFONSO))
    assert (run.rows_stored, run.rows_rejected) == (2, 1)
    assert run.rejected == [
        RejectedRow(3, "41-1", (("ref", "duplicate ref in this file: line 2 has this ref"),))
    ]
    stored = setup.directory.get("import:test:41-1")
    assert stored is not None
    assert stored.name == "Hotel Inglaterra"


def test_a_row_rejected_first_does_not_make_its_ref_a_duplicate() -> None:
    setup = Setup()
    run = setup.run(rows_of(BAD, BAD.replace(";;;norte;", ";;ES;37.39;").replace("correo@", "")))
    assert (run.rows_stored, run.rows_rejected) == (1, 1)
    assert run.rejected[0].line == 2


def test_importing_the_same_file_again_replaces_its_records_whether_rows_have_refs_or_not() -> None:
    without_refs = "nombre;direccion;ciudad;pais\n"
    lines = [
        "Hotel Inglaterra;Plaza Nueva, 7;Sevilla;ES",
        "Hotel Triana;Calle Betis, 10;Sevilla;ES",
    ]
    setup = Setup()
    setup.run(rows_of(INGLATERRA, ALFONSO))
    first = setup.run(rows_of(*lines, header=without_refs))
    refs = sorted(hotel.ref for hotel in setup.directory)
    second = setup.run(rows_of(*lines, header=without_refs))
    again = setup.run(rows_of(INGLATERRA, ALFONSO))
    assert (first.rows_stored, second.rows_stored, again.rows_stored) == (2, 2, 2)
    assert len(setup.directory) == 4
    assert sorted(hotel.ref for hotel in setup.directory) == refs
    generated = [ref for ref in refs if ref not in ("import:test:41-1", "import:test:41-2")]
    assert len(generated) == 2
    assert all(ref.startswith("import:test:") and len(ref) == len(SOURCE) + 13 for ref in generated)


def test_two_rows_without_refs_describing_one_hotel_are_a_duplicate_in_the_file() -> None:
    setup = Setup()
    line = "HOTEL INGLATERRA;Plaza Nueva, 7;Sevilla;ES"
    run = setup.run(rows_of(line, line.title(), header="nombre;direccion;ciudad;pais\n"))
    assert run.rows_stored == 1
    assert run.rejected[0].errors == (
        (
            "ref",
            "duplicate ref in this file: line 2 describes the same hotel (name, address, city)",
        ),
    )


def test_a_default_country_fills_rows_that_name_none() -> None:
    setup = Setup()
    run = setup.run(
        rows_of("1;Hotel Sol;;Málaga", header="id;name;address;city\n"), default_country="ES"
    )
    assert run.rows_stored == 1
    record = setup.directory.get("import:test:1")
    assert record is not None
    assert record.country == "ES"


def test_the_report_keeps_the_first_rejected_rows_and_counts_them_all() -> None:
    setup = Setup()
    rows = [RawRow(n, {"name": f"Hotel {n}"}) for n in range(2, MAX_REPORTED + 7)]
    run = setup.run(rows, batch_size=300)
    assert run.rows_rejected == MAX_REPORTED + 5
    assert len(run.rejected) == MAX_REPORTED
    assert run.rejected[0] == RejectedRow(2, None, (("country", "is required"),))


def test_a_batch_size_under_one_is_refused() -> None:
    with pytest.raises(InvalidValue) as caught:
        Setup().run([], batch_size=0)
    assert caught.value.field == "batch_size"


def test_an_empty_file_completes_with_nothing_stored() -> None:
    run = Setup().run([])
    assert (run.status, run.rows_read, run.rows_stored) == (ImportStatus.COMPLETED, 0, 0)


def test_the_callers_run_is_the_one_recorded() -> None:
    setup = Setup()
    started = HotelImport(
        id=setup.ids.new_id(),
        source=SOURCE,
        file_name="upload.csv",
        started_at=setup.clock.now(),
        started_by="api",
    )
    run = setup.run(rows_of(INGLATERRA), run=started)
    assert run is started
    assert setup.log.recent() == [run]


@pytest.mark.parametrize(
    ("file_name", "source"),
    [
        ("hotels.csv", "import:hotels"),
        ("/home/ana/Hoteles Sevilla 2024.csv", "import:hoteles-sevilla-2024"),
        ("C:\\Users\\ana\\Proveedor Ñandú.JSON", "import:proveedor-nandu"),
        (".csv", "import:csv"),
        ("", "import:file"),
    ],
)
def test_the_default_source_is_the_files_name(file_name: str, source: str) -> None:
    assert default_source(file_name) == source


# --- batches, progress and failures ---------------------------------------------------------


class RecordingDirectory(InMemoryHotelDirectory):
    """Fails the ``fail_on``-th call to add_many, when told to."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.batches: list[int] = []
        self._fail_on: int | None = None
        super().__init__()
        self.batches.clear()
        self._fail_on = fail_on

    def add_many(self, records: Iterable[HotelRecord]) -> int:
        batch = list(records)
        if self._fail_on is not None and len(self.batches) + 1 == self._fail_on:
            raise ConnectionError("the database went away")
        self.batches.append(len(batch))
        return super().add_many(batch)


def test_records_are_stored_in_batches_and_progress_and_status_are_visible_while_it_runs() -> None:
    directory = RecordingDirectory()
    setup = Setup(directory)
    seen: list[tuple[int, ImportStatus, int, int]] = []

    def progress(read: int) -> None:
        (current,) = setup.log.recent()
        seen.append((read, current.status, current.rows_read, current.rows_stored))

    run = setup.run(
        rows_of(INGLATERRA, BAD, ALFONSO, TRIANA, TRIANA), batch_size=2, progress=progress
    )
    assert directory.batches == [1, 2]  # the last batch stored nothing: not called
    assert seen == [
        (2, ImportStatus.RUNNING, 2, 1),
        (4, ImportStatus.RUNNING, 4, 3),
        (5, ImportStatus.RUNNING, 5, 3),
    ]
    assert (run.rows_read, run.rows_stored, run.rows_rejected) == (5, 3, 2)
    assert setup.log.get(run.id) == run


def test_when_the_directory_fails_the_run_is_saved_as_failed_and_the_error_raised() -> None:
    setup = Setup(RecordingDirectory(fail_on=2))
    with pytest.raises(ConnectionError):
        setup.run(rows_of(INGLATERRA, ALFONSO, TRIANA), batch_size=1)
    (run,) = setup.log.recent()
    assert run.status is ImportStatus.FAILED
    assert run.error == "ConnectionError: the database went away"
    assert (run.rows_read, run.rows_stored) == (1, 1)
    assert run.finished_at == setup.clock.now()


# --- the duplicates pass --------------------------------------------------------------------

CENTRO_AGAIN = (
    "C-1;SEVILLA CENTRO HOTEL;C/ Sierpes nº 12;Seville;41004;ES;37.39252;-5.99458;954227130;"
)


def test_the_duplicates_pass_reports_this_imports_records_against_the_whole_directory() -> None:
    dome_centro = a_record(SEVILLA_CENTRO)
    hotelbeds_centro = a_record(SEVILLA_CENTRO, ref="hotelbeds:1", source="hotelbeds")
    setup = Setup(InMemoryHotelDirectory([dome_centro, hotelbeds_centro, a_record(MADRID_SOL)]))
    run = setup.run(rows_of(CENTRO_AGAIN, ALFONSO))
    found = {(pair.ref, pair.other_ref) for pair in run.duplicates}
    assert found == {("import:test:C-1", "dome:41-0001"), ("import:test:C-1", "hotelbeds:1")}
    assert run.duplicates_found == 2
    pair = run.duplicates[0]
    assert pair.score >= 90
    assert any("same phone" in reason for reason in pair.reasons)


def test_the_duplicates_pass_can_be_skipped() -> None:
    setup = Setup(InMemoryHotelDirectory([a_record(SEVILLA_CENTRO)]))
    run = setup.run(rows_of(CENTRO_AGAIN), find_duplicates=False)
    assert (run.duplicates_found, run.duplicates) == (0, [])


def test_two_rows_of_one_hotel_in_the_same_file_are_a_pair() -> None:
    setup = Setup()
    run = setup.run(rows_of(CENTRO_AGAIN, CENTRO_AGAIN.replace("C-1", "C-2")))
    assert [(p.ref, p.other_ref) for p in run.duplicates] == [
        ("import:test:C-1", "import:test:C-2")
    ]


class CountingDirectory(InMemoryHotelDirectory):
    def __init__(self, records: Iterable[HotelRecord]) -> None:
        super().__init__(records)
        self.iterated = 0

    def __iter__(self) -> Iterator[IndexedHotel]:
        self.iterated += 1
        return super().__iter__()

    def candidates(self, blocks: Iterable[BlockKey]) -> list[IndexedHotel]:
        return super().candidates(list(blocks))


def test_the_pass_finds_what_likely_duplicates_would_without_reading_the_whole_directory() -> None:
    data = generate(seed=11, size=1500, positives=0, negatives=0, duplicate_rate=0.3)
    records = []
    for row in data.rows:
        try:
            records.append(HotelRecord.parse(**row))
        except InvalidInput:
            continue
    before, imported = records[::2], records[1::2]
    directory = CountingDirectory(before)
    setup = Setup(directory)
    rows = [
        RawRow(n, {k: v for k, v in row.items() if k != "source"})
        for n, row in enumerate(data.rows[1::2], 2)
    ]
    run = setup.run(rows, source="import")
    assert run.rows_stored == len(imported)
    refs = {f"import:{row['ref']}" for row in data.rows[1::2]}
    expected = {
        frozenset((d.a.ref, d.b.ref))
        for d in likely_duplicates(directory)
        if d.a.ref in refs or d.b.ref in refs
    }
    assert len(expected) > 20
    assert {frozenset((p.ref, p.other_ref)) for p in run.duplicates} == expected
    assert run.duplicates_found == len(expected)
    assert all(p.ref in refs for p in run.duplicates)
    assert directory.iterated == 1  # only the check above read the whole directory
    scores = [p.score for p in run.duplicates]
    assert scores == sorted(scores, reverse=True)
    assert isinstance(run.duplicates[0], DuplicatePair)


# --- one-line lookups -----------------------------------------------------------------------

INGLATERRA_RECORD: dict[str, Any] = {
    **SEVILLA_CENTRO,
    "ref": "dome:41-0100",
    "name": "Hotel Inglaterra",
    "address": "Plaza Nueva, 7",
    "postal_code": "41001",
    "latitude": 37.38860,
    "longitude": -5.99530,
    "phone": "+34 954 22 49 70",
    "email": "",
    "website": "",
}
NH_COLLECTION: dict[str, Any] = {
    **SEVILLA_CENTRO,
    "ref": "dome:41-0200",
    "name": "NH Collection Sevilla",
    "chain": "NH",
    "address": "Avenida Diego Martínez Barrio, 8",
    "postal_code": "41013",
    "latitude": 37.37520,
    "longitude": -5.97980,
    "phone": "+34 954 54 85 00",
    "email": "",
    "website": "",
}
PALMA: dict[str, Any] = {
    **SEVILLA_CENTRO,
    "ref": "dome:07-0001",
    "name": "Hotel Almudaina",
    "city": "Palma de Mallorca",
    "address": "Avenida Jaume III, 9",
    "postal_code": "07012",
    "latitude": 39.57110,
    "longitude": 2.64390,
    "phone": "+34 971 72 73 40",
}


def seville() -> InMemoryHotelDirectory:
    return InMemoryHotelDirectory(
        [
            a_record(SEVILLA_CENTRO),
            a_record(INGLATERRA_RECORD),
            a_record(NH_COLLECTION),
            a_record(MADRID_SOL),
            a_record(PALMA),
        ]
    )


def fields(text: str, default_country: str | None = None) -> dict[str, str]:
    return free_text_fields(
        text, is_known_city=known_city(seville()), default_country=default_country
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NH Collection Sevilla, Sevilla", {"name": "NH Collection Sevilla", "city": "Sevilla"}),
        ("hotel inglaterra sevilla", {"name": "hotel inglaterra", "city": "sevilla"}),
        ("Hotel Inglaterra Seville", {"name": "Hotel Inglaterra", "city": "Seville"}),
        (
            "Alfonso XIII, Sevilla, ES",
            {"name": "Alfonso XIII", "city": "Sevilla", "country": "ES"},
        ),
        ("Alfonso XIII Sevilla ES", {"name": "Alfonso XIII", "city": "Sevilla", "country": "ES"}),
        (
            "Hotel Avenida Palace, Lisboa, Portugal",
            {"name": "Hotel Avenida Palace", "city": "Lisboa", "country": "PT"},
        ),
        (
            "Hotel Sevilla Centro, Calle Sierpes 12, Sevilla",
            {"name": "Hotel Sevilla Centro", "address": "Calle Sierpes 12", "city": "Sevilla"},
        ),
        ("Inglaterra, ES", {"name": "Inglaterra", "country": "ES"}),
        ("NH Collection Sevilla", {"name": "NH Collection Sevilla", "city": "Sevilla"}),
        (
            "hotel almudaina palma de mallorca",
            {"name": "hotel almudaina", "city": "palma de mallorca"},
        ),
        ("+34 954 22 71 30", {"phone": "+34 954 22 71 30"}),
        ("37.38,-5.99", {"latitude": "37.38", "longitude": "-5.99"}),
        ("37.3886 -5.9953", {"latitude": "37.3886", "longitude": "-5.9953"}),
        ("hotel inglaterra cuenca", {"name": "hotel inglaterra cuenca"}),
    ],
)
def test_a_one_line_description_is_split_into_fields(text: str, expected: dict[str, str]) -> None:
    assert fields(text) == expected


def test_the_default_country_is_the_country_when_the_text_names_none() -> None:
    assert fields("hotel inglaterra", "ES") == {"name": "hotel inglaterra", "country": "ES"}
    assert fields("Hotel Sol, Lisboa, PT", "ES")["country"] == "PT"


def test_a_one_line_phone_is_read_in_the_default_countrys_numbering() -> None:
    query = parse_free_text("954 22 71 30", is_known_city=lambda _: False, default_country="ES")
    assert query.phone == Phone("+34954227130")


@pytest.mark.parametrize(("text", "field"), [("hotel inglaterra", "city"), ("   ", "text")])
def test_a_description_that_does_not_say_where_to_look_is_refused(text: str, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_free_text(text, is_known_city=known_city(seville()))
    assert caught.value.field == field


def test_known_city_asks_the_directory_in_any_spelling_of_the_city() -> None:
    is_known = known_city(seville())
    assert is_known("Sevilla")
    assert is_known("SEVILLE")
    assert is_known("palma de mallorca")
    assert not is_known("Cuenca")
    assert not is_known("")


def test_known_city_works_on_a_directory_that_cannot_count_a_block() -> None:
    class Plain:
        def __init__(self) -> None:
            self.inner = seville()

        def candidates(self, blocks: Iterable[BlockKey]) -> list[IndexedHotel]:
            return self.inner.candidates(blocks)

    is_known = known_city(Plain())  # type: ignore[arg-type]  # only candidates is needed
    assert is_known("Sevilla")
    assert not is_known("Cuenca")


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("hotel inglaterra sevilla", "dome:41-0100"),
        ("NH Collection Sevilla, Sevilla", "dome:41-0200"),
        ("NH Collection Sevilla", "dome:41-0200"),
        ("+34 954 22 49 70", "dome:41-0100"),
        ("37.38861,-5.99531", "dome:41-0100"),
    ],
)
def test_a_one_line_description_finds_its_hotel_confidently(text: str, ref: str) -> None:
    directory = seville()
    query = parse_free_text(text, is_known_city=known_city(directory))
    result = HotelMatcher(directory).match(query)
    assert result.outcome is MatchOutcome.CONFIDENT, result.explanation
    assert result.best is not None
    assert result.best.ref == ref
