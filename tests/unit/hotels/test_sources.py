"""Dome's hotel suppliers become the directory's records: the mapping and the sync."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest

from perla_adapters.memory.dome import ExistingSupplier, InMemoryDome
from perla_adapters.memory.hotels import InMemoryHotelDirectory
from perla_core.gateways.dome import DomeAddress, DomeSupplier, DomeSupplierPage
from perla_core.gateways.errors import ExternalUnavailable
from perla_core.hotels.sources import (
    SkippedSupplier,
    record_of_dome_supplier,
    sync_directory_from_dome,
)
from perla_core.kernel.errors import InvalidInput, InvalidValue
from perla_core.kernel.values import Email, Phone

JAN_1 = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
CALLE_SIERPES = DomeAddress("Calle Sierpes 12", "Sevilla", "41004", "ES", line2="2º")


def a_dome_hotel(**changes: Any) -> DomeSupplier:
    supplier = DomeSupplier(
        code="S000041",
        external_ref=None,
        kind="hotel",
        legal_name="Explotaciones Sierpes S.L.",
        trade_name="Hotel Sevilla Centro",
        tax_id="B41000001",
        tax_country="ES",
        country="ES",
        email="reservas@hotelsevillacentro.es",
        address=CALLE_SIERPES,
        phone="954 22 71 30",
        status="active",
        created_at=JAN_1,
        chain="Sercotel",
        stars=3,
        latitude=37.3925,
        longitude=-5.9946,
        website="https://www.hotelsevillacentro.es",
    )
    return attrs.evolve(supplier, **changes)


def an_existing_hotel(n: int, **changes: Any) -> ExistingSupplier:
    hotel = ExistingSupplier(
        code=f"S{n:06d}",
        legal_name=f"Hotel {n} S.L.",
        trade_name=f"Hotel Número {n}",
        tax_id=f"B{n:08d}",
        tax_country="ES",
        country="ES",
        email=f"reservas@hotel{n}.es",
        address=DomeAddress(f"Calle Mayor {n}", "Madrid", "28013", "ES"),
        phone="+34911234567",
        updated_at=JAN_1 + timedelta(minutes=n),
    )
    return attrs.evolve(hotel, **changes)


@pytest.fixture
def dome() -> InMemoryDome:
    return InMemoryDome()


@pytest.fixture
def directory() -> InMemoryHotelDirectory:
    return InMemoryHotelDirectory()


# --- the mapping -----------------------------------------------------------------------------


def test_a_dome_hotel_supplier_becomes_the_record_dome_code_named_by_its_trade_name() -> None:
    record = record_of_dome_supplier(a_dome_hotel())

    assert (record.ref, record.source, record.name) == (
        "dome:S000041",
        "dome",
        "Hotel Sevilla Centro",
    )
    assert (record.address, record.city, record.postal_code, record.country) == (
        "Calle Sierpes 12, 2º",
        "Sevilla",
        "41004",
        "ES",
    )
    assert record.phone == Phone("+34954227130")
    assert record.email == Email("reservas@hotelsevillacentro.es")
    assert (record.chain, record.stars, record.latitude, record.longitude) == (
        "Sercotel",
        3,
        37.3925,
        -5.9946,
    )
    assert record.website == "https://www.hotelsevillacentro.es"


def test_a_supplier_without_hotel_details_is_still_a_record_located_by_its_address() -> None:
    supplier = a_dome_hotel(
        chain=None, stars=None, latitude=None, longitude=None, website=None, phone=None, email=""
    )

    record = record_of_dome_supplier(supplier)

    assert (record.chain, record.stars, record.latitude, record.phone, record.email) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert record.city == "Sevilla"


def test_the_hotel_is_in_its_address_country_or_the_suppliers_when_the_address_has_none() -> None:
    in_lisbon = DomeAddress("Rua Augusta 1", "Lisboa", "1100-048", "PT")

    assert record_of_dome_supplier(a_dome_hotel(address=in_lisbon, phone=None)).country == "PT"
    no_country = attrs.evolve(CALLE_SIERPES, country=" ")
    assert record_of_dome_supplier(a_dome_hotel(address=no_country)).country == "ES"


def test_a_supplier_whose_data_is_no_valid_record_is_refused_naming_every_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        record_of_dome_supplier(a_dome_hotel(trade_name=" ", stars=9, email="nope"))

    assert sorted(e.field or "" for e in caught.value.errors) == ["email", "name", "stars"]


# --- the sync --------------------------------------------------------------------------------


def test_a_sync_pages_through_every_hotel_supplier_and_files_each_in_the_directory(
    dome: InMemoryDome, directory: InMemoryHotelDirectory
) -> None:
    dome.seed_suppliers([an_existing_hotel(n) for n in range(1, 8)])
    dome.seed_suppliers([an_existing_hotel(99, kind="transfer")])

    report = sync_directory_from_dome(dome, directory, page_size=3)

    assert (report.pages, report.suppliers_read, report.records_stored) == (3, 7, 7)
    assert (report.suppliers_skipped, report.skipped) == (0, ())
    assert sorted(h.record.ref for h in directory) == [f"dome:S{n:06d}" for n in range(1, 8)]
    assert directory.get("dome:S000099") is None
    assert report.newest_updated_at == JAN_1 + timedelta(minutes=7)
    assert [c.outcome for c in dome.calls] == ["ok"] * 3


def test_a_supplier_whose_data_makes_no_record_is_skipped_and_reported_with_its_dome_fields(
    dome: InMemoryDome, directory: InMemoryHotelDirectory
) -> None:
    bad_address = DomeAddress("Calle Mayor 2", "Madrid", "28013", "Spain")
    dome.seed_suppliers(
        [
            an_existing_hotel(1),
            an_existing_hotel(2, address=bad_address, trade_name=""),
            an_existing_hotel(3, latitude=40.4, longitude=None),
        ]
    )

    report = sync_directory_from_dome(dome, directory, page_size=2)

    assert (report.suppliers_read, report.records_stored, report.suppliers_skipped) == (3, 1, 2)
    assert [s.code for s in report.skipped] == ["S000002", "S000003"]
    assert [field for field, _ in report.skipped[0].errors] == ["trade_name", "address.country"]
    assert report.skipped[1] == SkippedSupplier(
        "S000003", (("longitude", "coordinates need both a latitude and a longitude"),)
    )
    assert [h.record.ref for h in directory] == ["dome:S000001"]
    assert report.newest_updated_at == JAN_1 + timedelta(minutes=3)


def test_an_incremental_sync_reads_only_what_changed_since_the_last_one(
    dome: InMemoryDome, directory: InMemoryHotelDirectory
) -> None:
    dome.seed_suppliers([an_existing_hotel(n) for n in range(1, 6)])
    first = sync_directory_from_dome(dome, directory, page_size=2)
    later = JAN_1 + timedelta(days=1)
    dome.seed_suppliers(
        [
            an_existing_hotel(2, trade_name="Hotel Número Dos", updated_at=later),
            an_existing_hotel(6, updated_at=later),
        ]
    )

    second = sync_directory_from_dome(
        dome, directory, updated_since=first.next_updated_since, page_size=2
    )

    assert first.next_updated_since == JAN_1 + timedelta(minutes=5)
    # at or after: the newest supplier of the last sync is read again, never missed
    assert (second.suppliers_read, second.records_stored) == (3, 3)
    assert second.next_updated_since == later
    assert len(directory) == 6
    record = directory.get("dome:S000002")
    assert record is not None
    assert record.name == "Hotel Número Dos"


def test_a_sync_with_nothing_new_keeps_the_updated_since_it_was_given(
    dome: InMemoryDome, directory: InMemoryHotelDirectory
) -> None:
    since = JAN_1 + timedelta(days=30)
    dome.seed_suppliers([an_existing_hotel(1)])

    report = sync_directory_from_dome(dome, directory, updated_since=since)

    assert (report.pages, report.suppliers_read, report.newest_updated_at) == (1, 0, None)
    assert report.next_updated_since == since
    assert len(directory) == 0


def test_a_sync_can_be_limited_to_one_country(
    dome: InMemoryDome, directory: InMemoryHotelDirectory
) -> None:
    porto = DomeAddress("Rua das Flores 1", "Porto", "4050-262", "PT")
    dome.seed_suppliers(
        [an_existing_hotel(1), an_existing_hotel(2, address=porto, phone="+351222000000")]
    )

    report = sync_directory_from_dome(dome, directory, country="PT")

    assert report.records_stored == 1
    assert [h.record.ref for h in directory] == ["dome:S000002"]


class DomeDownAfterOnePage(InMemoryDome):
    """Answers the first listing, then is down for the next one."""

    def __init__(self) -> None:
        super().__init__()
        self.answered = False

    def list_suppliers(self, **filters: Any) -> DomeSupplierPage:
        page = super().list_suppliers(**filters)
        if not self.answered:
            self.answered = True
            self.fail_next(1, operation="suppliers.list")
        return page


def test_pages_stored_before_dome_failed_stay_and_the_same_sync_again_completes_them(
    directory: InMemoryHotelDirectory,
) -> None:
    dome = DomeDownAfterOnePage()
    dome.seed_suppliers([an_existing_hotel(n) for n in range(1, 6)])
    with pytest.raises(ExternalUnavailable):
        sync_directory_from_dome(dome, directory, page_size=2)
    assert sorted(h.record.ref for h in directory) == ["dome:S000001", "dome:S000002"]

    report = sync_directory_from_dome(dome, directory, page_size=2)

    assert report.records_stored == len(directory) == 5


def test_a_page_size_dome_does_not_allow_is_refused(
    dome: InMemoryDome, directory: InMemoryHotelDirectory
) -> None:
    with pytest.raises(InvalidValue) as caught:
        sync_directory_from_dome(dome, directory, page_size=1000)

    assert caught.value.field == "limit"
