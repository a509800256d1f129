"""A hotel of the directory the assistant's tests find (a confident match by name and city)."""

from __future__ import annotations

from perla_core.hotels.model import HotelRecord

ARTS = HotelRecord.parse(
    ref="dome:ES-08-0001",
    source="dome",
    name="Hotel Arts Barcelona",
    country="ES",
    city="Barcelona",
    address="Carrer de la Marina 19-21",
    postal_code="08005",
    latitude=41.3865,
    longitude=2.1963,
    phone="+34 932 211 000",
    stars=5,
    email="reservas@hotelarts.es",
)
