"""A confident hotel match fills what the request lacks, and never overwrites what the agent
wrote; another supplier's bad data is skipped and reported, never blocking."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.unit.suppliers.fakes import AGENT, LATER, REQUEST_ID, a_request, complete_input

from perla_core.kernel.values import Email, Phone
from perla_core.suppliers.events import SupplierRequestUpdated
from perla_core.suppliers.model import SupplierRequest, SupplierRequestStatus
from perla_core.suppliers.values import Coordinates

DIRECTORY_RECORD: dict[str, Any] = {
    "name": "H. Playa Victoria Cadiz",
    "chain": "Palafox",
    "stars": "4",
    "address": "Glorieta Ing. La Cierva, 4",
    "city": "Cadiz",
    "postal_code": "11010",
    "country": "es",
    "latitude": 36.51722,
    "longitude": -6.28139,
    "phone": "+34 956 205 100",
    "website": "https://www.palafoxhoteles.com/playa-victoria",
}


def partial() -> SupplierRequest:
    request = a_request({"name": "Hotel Playa Victoria", "city": "Cádiz", "stars": 5})
    request.events.clear()
    return request


def test_prefill_fills_only_the_empty_fields() -> None:
    request = partial()

    outcome = request.prefill_from(DIRECTORY_RECORD, now=LATER, actor=AGENT, hotel_ref="dir:81")

    assert outcome.filled == (
        "chain",
        "address",
        "postal_code",
        "country",
        "coordinates",
        "phone",
        "website",
        "matched_hotel_ref",
    )
    assert sorted(outcome.kept) == ["city", "name", "stars"]
    assert (request.name, request.city, request.stars) == ("Hotel Playa Victoria", "Cádiz", 5)
    assert request.chain == "Palafox"
    assert request.coordinates == Coordinates(Decimal("36.517220"), Decimal("-6.281390"))
    assert request.phone == Phone("+34956205100")
    assert request.matched_hotel_ref == "dir:81"
    (event,) = request.events
    assert event == SupplierRequestUpdated(
        REQUEST_ID, LATER, AGENT, outcome.filled, "draft", "prefill"
    )


def test_prefill_never_overwrites_a_complete_request() -> None:
    request = a_request()
    request.events.clear()
    before = request.details()

    outcome = request.prefill_from(
        {**DIRECTORY_RECORD, "iban": "ES7921000813610123456789", "release_days": 0},
        now=LATER,
        actor=AGENT,
    )

    assert outcome.filled == ()
    assert request.details() == before
    assert request.events == []
    assert request.status is SupplierRequestStatus.READY


def test_bad_values_in_the_record_are_skipped_and_reported() -> None:
    request = partial()

    outcome = request.prefill_from(
        {"phone": "12", "email": "not-an-email", "latitude": 123, "longitude": 5, "chain": "NH"},
        now=LATER,
        actor=AGENT,
    )

    assert outcome.filled == ("chain",)
    assert set(outcome.invalid) == {"phone", "email", "latitude"}
    assert request.phone is None
    assert request.coordinates is None


def test_a_record_value_that_clashes_with_the_request_is_skipped() -> None:
    request = a_request(complete_input(commission_pct=None))
    request.events.clear()

    outcome = request.prefill_from({"markup_pct": "20"}, now=LATER, actor=AGENT)

    assert outcome.filled == ()
    assert "markup_pct" in outcome.invalid
    assert request.markup_pct is None


def test_keys_that_are_not_request_fields_are_ignored_and_listed() -> None:
    outcome = partial().prefill_from(
        {"source": "dome", "score": 0.97, "chain": "Palafox"}, now=LATER, actor=AGENT
    )

    assert outcome.ignored == ("source", "score")
    assert outcome.filled == ("chain",)


def test_blank_record_values_are_neither_filled_nor_kept() -> None:
    outcome = partial().prefill_from(
        {"chain": "", "city": None, "address": "  "}, now=LATER, actor=AGENT
    )

    assert (outcome.filled, outcome.kept, dict(outcome.invalid)) == ((), (), {})


def test_a_request_already_matched_keeps_its_hotel_ref() -> None:
    request = a_request({"name": "Hotel Playa Victoria"}, matched_hotel_ref="dir:81")

    outcome = request.prefill_from({"chain": "Palafox"}, now=LATER, actor=AGENT, hotel_ref="dir:99")

    assert request.matched_hotel_ref == "dir:81"
    assert "matched_hotel_ref" in outcome.kept


def test_prefill_that_completes_a_request_makes_it_ready() -> None:
    request = a_request(complete_input(phone=None, latitude=None, longitude=None))
    assert request.completeness().status is SupplierRequestStatus.DRAFT

    request.prefill_from(DIRECTORY_RECORD, now=LATER, actor=AGENT)

    assert request.status is SupplierRequestStatus.READY


def test_contacts_are_filled_only_when_the_request_has_none() -> None:
    request = partial()

    first = request.prefill_from(
        {"contacts": [{"role": "reservations", "name": "Ana", "email": "a@hotel.es"}]},
        now=LATER,
        actor=AGENT,
    )
    again = request.prefill_from(
        {"contacts": [{"role": "accounting", "name": "Eva", "email": "e@hotel.es"}]},
        now=LATER,
        actor=AGENT,
    )

    assert first.filled == ("contacts",)
    assert again.kept == ("contacts",)
    assert [c.name for c in request.contacts] == ["Ana"]


def test_a_directory_record_may_hold_value_objects_and_its_own_keys() -> None:
    request = partial()

    outcome = request.prefill_from(
        {
            "ref": "dome:ES-11-0042",
            "source": "dome",
            "country": "ES",
            "phone": Phone("+34956205100"),
            "email": Email("reservas@palafoxhoteles.com"),
            "latitude": 36.51722,
            "longitude": -6.28139,
        },
        now=LATER,
        actor=AGENT,
    )

    assert outcome.filled == ("country", "coordinates", "phone", "email")
    assert outcome.ignored == ("ref", "source")
    assert request.phone == Phone("+34956205100")
    assert request.email == Email("reservas@palafoxhoteles.com")
