"""The hotel directory's promises, as a contract every adapter runs: records by ref, each record
filed under its blocks, candidates only from the blocks asked for and each once, a record
added again replacing the old one and its blocks."""

from __future__ import annotations

import pytest
from tests.unit.hotels.builders import (
    MADRID_SOL,
    NH_TRIANA,
    SEVILLA_CENTRO,
    SEVILLA_CONGRESOS,
    a_record,
)

from perla_adapters.memory.hotels import InMemoryHotelDirectory
from perla_core.hotels.index import IndexedHotel, city_block, geo_cell
from perla_core.hotels.matching import HotelMatcher, MatchOutcome
from perla_core.hotels.model import HotelQuery
from perla_core.hotels.ports import HotelDirectory


class HotelDirectoryContract:
    """Subclass with ``directory()`` returning an empty adapter."""

    def directory(self) -> HotelDirectory:
        raise NotImplementedError

    def filled(self) -> HotelDirectory:
        directory = self.directory()
        added = directory.add_many(
            a_record(r) for r in (SEVILLA_CENTRO, SEVILLA_CONGRESOS, NH_TRIANA, MADRID_SOL)
        )
        assert added == 4
        return directory

    def test_records_are_found_by_ref(self) -> None:
        directory = self.filled()
        record = directory.get("hotelbeds:88123")
        assert record == a_record(NH_TRIANA)
        assert directory.get("dome:nope") is None
        assert len(directory) == 4

    def test_candidates_come_only_from_the_blocks_asked_for_and_each_once(self) -> None:
        directory = self.filled()
        centro = IndexedHotel.of(a_record(SEVILLA_CENTRO))
        found = directory.candidates([*centro.blocks, *centro.blocks])
        refs = [h.ref for h in found]
        assert sorted(refs) == sorted(set(refs))
        assert "dome:28-0001" not in refs
        assert refs.count("dome:41-0001") == 1
        assert directory.candidates(["p:+34000000000", "g:0:0"]) == []

    def test_a_citys_block_holds_its_hotels(self) -> None:
        directory = self.filled()
        refs = {h.ref for h in directory.candidates([city_block("sevilla")])}
        assert refs == {"dome:41-0001", "dome:41-0002", "hotelbeds:88123"}

    def test_a_record_added_again_replaces_the_old_one_and_its_blocks(self) -> None:
        directory = self.filled()
        moved = a_record(SEVILLA_CENTRO, name="Hotel Giralda", latitude=37.41, longitude=-5.97)
        directory.add_many([moved])
        assert len(directory) == 4
        assert directory.get("dome:41-0001") == moved
        old_cell = geo_cell(37.3925, -5.9946)
        assert all(h.ref != "dome:41-0001" for h in directory.candidates([old_cell]))
        assert [h.ref for h in directory.candidates([geo_cell(37.41, -5.97)])] == ["dome:41-0001"]

    def test_every_record_can_be_read_back(self) -> None:
        directory = self.filled()
        assert {h.ref for h in directory} == {
            "dome:41-0001",
            "dome:41-0002",
            "hotelbeds:88123",
            "dome:28-0001",
        }

    def test_a_matcher_works_over_it(self) -> None:
        result = HotelMatcher(self.filled()).match(
            HotelQuery.parse(name="NH Triana", city="Sevilla", country="ES", phone="954331208")
        )
        assert result.outcome is MatchOutcome.CONFIDENT
        assert result.best is not None
        assert result.best.ref == "hotelbeds:88123"

    def test_a_name_and_a_country_are_enough_to_look_for_a_hotel(self) -> None:
        result = HotelMatcher(self.filled()).match(
            HotelQuery.parse(name="Hostal Puerta del Sol", country="ES")
        )
        assert result.best is not None
        assert result.best.ref == "dome:28-0001"


class TestInMemoryHotelDirectory(HotelDirectoryContract):
    def directory(self) -> HotelDirectory:
        return InMemoryHotelDirectory()


@pytest.mark.parametrize("records", [0, 1])
def test_a_memory_directory_can_start_from_records(records: int) -> None:
    directory = InMemoryHotelDirectory([a_record(SEVILLA_CENTRO)] * records)
    assert len(directory) == records
