"""Find the right hotel among suppliers' data, with a score and its reasons: a confident match,
one to review, or a new hotel; near-namesakes in the same city are never confident; a match
only scores the candidates of its blocks."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from bench.hotel_data import generate
from bench.hotel_matching import parse_rows, query_of
from tests.unit.hotels.builders import (
    MADRID_SOL,
    NH_TRIANA,
    SEVILLA_CENTRO,
    SEVILLA_CONGRESOS,
    a_directory,
    a_query,
    a_record,
)

from perla_adapters.memory.hotels import InMemoryHotelDirectory
from perla_core.hotels.index import BlockKey, IndexedHotel
from perla_core.hotels.matching import (
    CONFIDENT_SCORE,
    HotelMatcher,
    MatchOutcome,
    MatchResult,
    likely_duplicates,
    match_naively,
)


def seville() -> InMemoryHotelDirectory:
    return a_directory(
        a_record(SEVILLA_CENTRO),
        a_record(SEVILLA_CONGRESOS),
        a_record(NH_TRIANA),
        a_record(MADRID_SOL),
    )


def match(directory: InMemoryHotelDirectory, **fields: str) -> MatchResult:
    return HotelMatcher(directory).match(a_query(**fields))


def reasons(result: MatchResult) -> str:
    assert result.best is not None
    return "; ".join(result.best.reasons)


# --- outcomes -------------------------------------------------------------------------------


def test_another_suppliers_description_of_the_hotel_is_a_confident_match() -> None:
    result = match(
        seville(),
        name="SEVILLA CENTRO HOTEL",
        address="C/ Sierpes nº 12",
        city="Seville",
        country="ES",
        latitude="37.39262",
        longitude="-5.99448",
        phone="954227130",
    )
    assert result.outcome is MatchOutcome.CONFIDENT
    assert result.best is not None
    assert result.best.ref == "dome:41-0001"
    assert result.best.score >= CONFIDENT_SCORE
    assert result.explanation == "the best scores 100 (>= 90) and no other hotel comes close"


def test_a_partial_name_and_a_city_are_a_confident_match_when_no_other_hotel_comes_close() -> None:
    result = match(seville(), name="Hotel Sevila Centro", city="Sevilla")
    assert result.outcome is MatchOutcome.CONFIDENT
    assert result.best is not None
    assert result.best.ref == "dome:41-0001"


def test_a_weak_resemblance_needs_review() -> None:
    result = match(seville(), name="Sevilla Plaza Centro Suites Deluxe", city="Sevilla")
    assert result.outcome is MatchOutcome.NEEDS_REVIEW
    assert "under 90" in result.explanation


def test_a_hotel_no_supplier_lists_is_a_new_hotel() -> None:
    result = match(
        seville(),
        name="Pensión Doña Lola",
        address="Calle Betis 31",
        city="Sevilla",
        country="ES",
        phone="954 11 22 33",
    )
    assert result.outcome is MatchOutcome.NEW_HOTEL
    assert "nothing scores 60" in result.explanation


def test_an_empty_directory_finds_a_new_hotel() -> None:
    result = match(a_directory(), name="Hotel Sevilla Centro", city="Sevilla")
    assert result.outcome is MatchOutcome.NEW_HOTEL
    assert result.candidates == ()


# --- near-namesakes -----------------------------------------------------------------------------


def test_a_near_namesake_in_the_same_city_is_not_a_confident_match() -> None:
    only_centro = a_directory(a_record(SEVILLA_CENTRO))
    result = match(
        only_centro,
        name="Hotel Sevilla Congresos",
        address="Avenida Kansas City 3",
        city="Sevilla",
        country="ES",
        latitude="37.3956",
        longitude="-5.9606",
        phone="+34 954 58 41 17",
    )
    assert result.outcome is MatchOutcome.NEW_HOTEL


def test_a_near_namesake_named_alone_is_not_a_confident_match() -> None:
    only_centro = a_directory(a_record(SEVILLA_CENTRO))
    result = match(only_centro, name="Hotel Sevilla Congresos", city="Sevilla")
    assert result.outcome is MatchOutcome.NEEDS_REVIEW


def test_between_near_namesakes_the_one_described_is_the_confident_match() -> None:
    result = match(
        seville(), name="Sevilla Congresos", city="Sevilla", country="ES", phone="954584117"
    )
    assert result.outcome is MatchOutcome.CONFIDENT
    assert result.best is not None
    assert result.best.ref == "dome:41-0002"


def test_a_near_namesake_on_the_same_street_a_few_doors_away_is_not_confident() -> None:
    only_centro = a_directory(a_record(SEVILLA_CENTRO))
    result = match(
        only_centro,
        name="Hotel Sevilla Centro II",
        address="Calle Sierpes 20",
        city="Sevilla",
        country="ES",
        latitude="37.3931",
        longitude="-5.9943",
        phone="+34 954 21 00 99",
    )
    assert result.outcome is not MatchOutcome.CONFIDENT


def test_a_hostal_is_not_the_hotel_of_the_same_name() -> None:
    only_centro = a_directory(a_record(SEVILLA_CENTRO))
    result = match(only_centro, name="Hostal Sevilla Centro", city="Sevilla")
    assert result.outcome is MatchOutcome.NEEDS_REVIEW
    assert "a hotel, not a hostal" in reasons(result)


def test_two_hotels_of_the_same_name_and_nothing_else_to_tell_them_apart_need_review() -> None:
    directory = a_directory(
        a_record(SEVILLA_CENTRO),
        a_record(
            SEVILLA_CENTRO,
            ref="w2m:9",
            name="Apartamentos Sevilla Centro",
            address="Calle Feria 80",
            latitude="37.4001",
            longitude="-5.9890",
            phone="954 90 10 10",
        ),
    )
    result = match(directory, name="Sevilla Centro", city="Sevilla")
    assert result.outcome is MatchOutcome.NEEDS_REVIEW
    assert "is another hotel" in result.explanation


def test_the_same_hotel_listed_by_two_suppliers_does_not_stand_in_the_way() -> None:
    directory = a_directory(
        a_record(SEVILLA_CENTRO),
        a_record(
            SEVILLA_CENTRO,
            ref="w2m:41-77",
            source="w2m",
            name="SEVILLA CENTRO",
            address="C/ Sierpes 12",
            phone="0034954227130",
            latitude="37.39255",
        ),
    )
    result = match(directory, name="Hotel Sevilla Centro", city="Sevilla")
    assert result.outcome is MatchOutcome.CONFIDENT
    runner_up = result.candidates[1]
    assert runner_up.ref in {"dome:41-0001", "w2m:41-77"}
    assert any("the same hotel as" in r for r in runner_up.reasons)


def test_a_namesake_without_the_querys_phone_does_not_stand_in_the_way() -> None:
    directory = a_directory(
        a_record(SEVILLA_CENTRO),
        a_record(
            SEVILLA_CENTRO,
            ref="w2m:9",
            name="Sevilla Centro",
            address="Calle Feria 80",
            phone="",
            latitude="",
            longitude="",
        ),
    )
    result = match(
        directory, name="Sevilla Centro", city="Sevilla", country="ES", phone="954 22 71 30"
    )
    assert result.outcome is MatchOutcome.CONFIDENT
    assert result.best is not None
    assert result.best.ref == "dome:41-0001"
    assert "another hotel, without the query's phone" in result.candidates[1].reasons


# --- reasons ---------------------------------------------------------------------------------


def test_each_signal_gives_its_reason() -> None:
    result = match(
        seville(),
        name="NH Collection Sevilla Triana",
        address="Calle San Jacinto 44",
        city="Sevilla",
        postal_code="41010",
        country="ES",
        latitude="37.3879",
        longitude="-6.0038",
        phone="+34 954 33 12 08",
        chain="NH Hoteles",
    )
    said = reasons(result)
    assert "name 100 after normalisation" in said
    assert "address 100: street 100, same number 44" in said
    assert "411 m away" in said
    assert "same phone +34954331208" in said
    assert "same chain NH" in said
    assert "same postal code 41010" in said


def test_disagreements_give_their_reasons_too() -> None:
    directory = a_directory(a_record(NH_TRIANA))
    result = match(
        directory,
        name="Meliá Sevilla Triana",
        address="Calle San Jacinto 60",
        city="Sevilla",
        postal_code="41011",
        country="ES",
        phone="+34 954 00 00 01",
    )
    said = reasons(result)
    assert "different chain (Meliá vs NH)" in said
    assert "different number (60 vs 44)" in said
    assert "different phone (+34954000001 vs +34954331208)" in said
    assert "different postal code (41011 vs 41010)" in said


def test_a_name_is_compared_after_normalisation_and_says_so() -> None:
    result = match(seville(), name="Hotel Sevila Centro", city="Sevilla")
    assert "after normalisation ('sevila centro' vs 'sevilla centro')" in reasons(result)


@pytest.mark.parametrize("phone", ["+34 954 22 71 30", "0034954227130", "954227130"])
def test_the_same_phone_in_any_format_matches(phone: str) -> None:
    result = match(seville(), phone=phone, country="ES")
    assert result.outcome is MatchOutcome.CONFIDENT
    assert result.best is not None
    assert result.best.ref == "dome:41-0001"
    assert reasons(result) == "same phone +34954227130"


def test_a_candidate_found_by_its_phone_in_another_city_says_so() -> None:
    result = match(
        seville(), name="Hostal Puerta del Sol", city="Toledo", country="ES", phone="915 21 06 43"
    )
    assert "in another city (madrid)" in reasons(result)


# --- blocking ---------------------------------------------------------------------------------


class RecordingDirectory(InMemoryHotelDirectory):
    """The memory directory, remembering which records it handed out as candidates."""

    def __init__(self, directory: InMemoryHotelDirectory) -> None:
        super().__init__(h.record for h in directory)
        self.handed_out: set[str] = set()
        self.asked: list[BlockKey] = []

    def candidates(self, blocks: Iterable[BlockKey]) -> list[IndexedHotel]:
        keys = list(blocks)
        self.asked.extend(keys)
        found = super().candidates(keys)
        self.handed_out.update(h.ref for h in found)
        return found


def test_a_match_scores_only_the_candidates_of_its_blocks() -> None:
    directory = RecordingDirectory(seville())
    result = HotelMatcher(directory).match(a_query(name="Hotel Sevilla Centro", city="Sevilla"))
    assert result.scored == len(directory.handed_out)
    assert "dome:28-0001" not in directory.handed_out  # Madrid is never looked at
    assert {c.ref for c in result.candidates} <= directory.handed_out
    assert not any(key.startswith("c:") for key in directory.asked)


def test_a_query_with_coordinates_looks_in_the_cells_around_its_point() -> None:
    directory = RecordingDirectory(seville())
    result = HotelMatcher(directory).match(a_query(latitude="37.39252", longitude="-5.99458"))
    assert result.best is not None
    assert result.best.ref == "dome:41-0001"
    assert sum(key.startswith("g:") for key in directory.asked) == 9
    assert directory.handed_out == {"dome:41-0001"}  # the others are more than 500 m away


def test_a_name_that_finds_nothing_widens_to_its_city_when_there_is_no_point_or_phone() -> None:
    directory = RecordingDirectory(seville())
    result = HotelMatcher(directory).match(
        a_query(name="Hotel Giralda", address="Calle Sierpes 12", city="Sevilla", country="ES")
    )
    assert "c:sevilla" in directory.asked
    assert "dome:28-0001" not in directory.handed_out
    assert result.best is not None
    assert result.best.ref == "dome:41-0001"  # found by its address
    assert result.outcome is not MatchOutcome.CONFIDENT


def test_the_blocked_matcher_finds_what_scoring_every_record_finds() -> None:
    data = generate(seed=11, size=3_000, positives=40, negatives=20)
    records, rejected = parse_rows(data)
    assert rejected == []
    directory = InMemoryHotelDirectory(records)
    hotels = list(directory)
    matcher = HotelMatcher(directory)
    for labelled in data.queries:
        query = query_of(labelled)
        blocked, naive = matcher.match(query), match_naively(hotels, query)
        assert blocked.outcome == naive.outcome, labelled
        if blocked.outcome is MatchOutcome.CONFIDENT:
            assert blocked.best == naive.best
        assert blocked.scored < len(directory) / 10


# --- duplicates ------------------------------------------------------------------------------


def test_likely_duplicates_pair_the_same_hotel_listed_twice_and_not_its_namesakes() -> None:
    directory = seville()
    directory.add_many(
        [
            a_record(
                SEVILLA_CENTRO,
                ref="w2m:41-77",
                source="w2m",
                name="Sevilla Centro",
                address="C/ Sierpes, nº 12",
                phone="954 22 71 30",
                latitude="37.39256",
            ),
        ]
    )
    duplicates = likely_duplicates(directory)
    assert [(d.a.ref, d.b.ref) for d in duplicates] == [("dome:41-0001", "w2m:41-77")]
    [pair] = duplicates
    assert pair.score >= CONFIDENT_SCORE
    assert "same phone +34954227130" in pair.reasons


def test_adding_a_record_again_replaces_it_and_its_blocks() -> None:
    directory = seville()
    directory.add_many(
        [
            a_record(
                SEVILLA_CENTRO, name="Hotel Giralda Centro", latitude="37.4100", longitude="-5.9700"
            )
        ]
    )
    assert len(directory) == 4
    record = directory.get("dome:41-0001")
    assert record is not None
    assert record.name == "Hotel Giralda Centro"
    result = HotelMatcher(directory).match(a_query(latitude="37.39250", longitude="-5.99460"))
    assert all(c.ref != "dome:41-0001" for c in result.candidates)
