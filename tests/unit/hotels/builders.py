"""Real-looking hotels of Seville for the matching tests."""

from __future__ import annotations

from typing import Any

from perla_adapters.memory.hotels import InMemoryHotelDirectory
from perla_core.hotels.model import HotelQuery, HotelRecord

SEVILLA_CENTRO: dict[str, Any] = {
    "ref": "dome:41-0001",
    "source": "dome",
    "name": "Hotel Sevilla Centro",
    "chain": "",
    "address": "Calle Sierpes, 12",
    "city": "Sevilla",
    "postal_code": "41004",
    "country": "ES",
    "latitude": 37.39250,
    "longitude": -5.99460,
    "phone": "+34 954 22 71 30",
    "stars": "3",
    "email": "reservas@hotelsevillacentro.es",
    "website": "https://www.hotelsevillacentro.es",
}
SEVILLA_CONGRESOS: dict[str, Any] = {
    **SEVILLA_CENTRO,
    "ref": "dome:41-0002",
    "name": "Hotel Sevilla Congresos",
    "address": "Avenida Kansas City, 3",
    "postal_code": "41007",
    "latitude": 37.39560,
    "longitude": -5.96060,
    "phone": "+34 954 58 41 17",
    "email": "info@sevillacongresos.es",
    "website": "",
}
NH_TRIANA: dict[str, Any] = {
    **SEVILLA_CENTRO,
    "ref": "hotelbeds:88123",
    "source": "hotelbeds",
    "name": "NH Sevilla Triana",
    "chain": "NH Hotel Group",
    "address": "Calle San Jacinto, 44",
    "postal_code": "41010",
    "latitude": 37.38420,
    "longitude": -6.00380,
    "phone": "954 33 12 08",
    "stars": "4",
    "email": "",
    "website": "",
}
MADRID_SOL: dict[str, Any] = {
    **SEVILLA_CENTRO,
    "ref": "dome:28-0001",
    "name": "Hostal Puerta del Sol",
    "address": "Calle Arenal, 4",
    "city": "Madrid",
    "postal_code": "28013",
    "latitude": 40.41690,
    "longitude": -3.70580,
    "phone": "+34 915 21 06 43",
    "email": "",
    "website": "",
}


def a_record(base: dict[str, Any] = SEVILLA_CENTRO, **changes: Any) -> HotelRecord:
    return HotelRecord.parse(**{**base, **changes})


def a_directory(*records: HotelRecord) -> InMemoryHotelDirectory:
    return InMemoryHotelDirectory(records)


def a_query(**fields: Any) -> HotelQuery:
    return HotelQuery.parse(**fields)
