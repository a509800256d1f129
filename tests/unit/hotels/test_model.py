"""A supplier's hotel record and a partial description are validated where they are built:
coordinates in range and in pairs, phones in E.164 read with the country as default region,
every invalid field of a row reported at once."""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.hotels.builders import SEVILLA_CENTRO, a_query, a_record

from perla_core.hotels.model import HotelQuery, HotelRecord
from perla_core.kernel.errors import InvalidInput, InvalidValue
from perla_core.kernel.values import Phone


def test_a_supplier_row_becomes_a_record_with_its_phone_in_e164() -> None:
    record = a_record(phone="954 22 71 30", latitude="37,3925", stars="***")
    assert record.phone == Phone("+34954227130")
    assert record.latitude == pytest.approx(37.3925)
    assert record.stars == 3
    assert record.country == "ES"
    assert record.website == "https://www.hotelsevillacentro.es"
    assert record.chain is None  # blank is missing


@pytest.mark.parametrize(
    ("latitude", "longitude", "field"),
    [(91.0, -5.99, "latitude"), (-90.5, -5.99, "latitude"), (37.39, 180.5, "longitude")],
)
def test_coordinates_out_of_range_are_refused_naming_latitude_or_longitude(
    latitude: float, longitude: float, field: str
) -> None:
    with pytest.raises(InvalidValue) as refused:
        HotelQuery(name="Hotel Sevilla Centro", latitude=latitude, longitude=longitude)
    assert refused.value.field == field
    with pytest.raises(InvalidValue) as refused:
        HotelRecord(
            ref="x:1",
            source="x",
            name="Hotel Sevilla Centro",
            country="ES",
            latitude=latitude,
            longitude=longitude,
        )
    assert refused.value.field == field


def test_a_row_with_coordinates_out_of_range_is_rejected_naming_them() -> None:
    with pytest.raises(InvalidInput) as rejected:
        a_record(latitude="137.39", longitude="-185.99")
    assert [e.field for e in rejected.value.errors] == ["latitude", "longitude"]


def test_a_latitude_without_a_longitude_is_refused() -> None:
    with pytest.raises(InvalidValue) as refused:
        HotelQuery(name="Hotel Sevilla Centro", city="Sevilla", latitude=37.39)
    assert refused.value.field == "longitude"


def test_coordinates_of_zero_zero_are_read_as_unknown() -> None:
    record = a_record(latitude="0", longitude="0.0")
    assert record.latitude is None
    assert not record.has_coordinates


def test_every_invalid_field_of_a_row_is_reported_at_once() -> None:
    row: dict[str, Any] = {
        **SEVILLA_CENTRO,
        "name": " ",
        "country": "Spain",
        "latitude": "north",
        "phone": "12",
        "stars": "seven",
        "email": "reservas@",
    }
    with pytest.raises(InvalidInput) as rejected:
        HotelRecord.parse(**row)
    assert {e.field for e in rejected.value.errors} == {
        "name",
        "country",
        "latitude",
        "phone",
        "stars",
        "email",
    }


@pytest.mark.parametrize("phone", ["+34 954 22 71 30", "0034954227130", "954227130"])
def test_phone_formats_read_with_the_country_are_the_same_number(phone: str) -> None:
    query = a_query(name="Hotel Sevilla Centro", city="Sevilla", country="ES", phone=phone)
    assert query.phone == Phone("+34954227130")


def test_a_national_phone_without_a_country_is_refused_naming_the_phone() -> None:
    with pytest.raises(InvalidInput) as refused:
        a_query(name="Hotel Sevilla Centro", city="Sevilla", phone="954227130")
    assert refused.value.field == "phone"


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "Hotel Sevilla Centro", "city": "Sevilla"},
        {"name": "Hotel Sevilla Centro", "country": "ES"},
        {"address": "Calle Sierpes 12", "city": "Sevilla"},
        {"latitude": "37.3925", "longitude": "-5.9946"},
        {"phone": "+34 954 22 71 30"},
    ],
)
def test_a_query_may_be_any_part_of_a_description_that_says_where_to_look(
    fields: dict[str, str],
) -> None:
    a_query(**fields)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"city": "Sevilla", "country": "ES"}, "name"),
        ({"name": "Hotel Sevilla Centro"}, "city"),
        ({"address": "Calle Sierpes 12", "country": "ES"}, "city"),
    ],
)
def test_a_query_that_cannot_be_looked_for_says_what_is_missing(
    fields: dict[str, str], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        a_query(**fields)
    assert refused.value.field == field
