"""Commands speak primitives; parse_details turns them into value objects and reports every
invalid field at once."""

from __future__ import annotations

from uuid import UUID

import pytest

from perla_core.kernel.errors import InvalidInput
from perla_core.kernel.values import Email, Phone, TaxId
from perla_core.onboarding.commands import (
    KEEP,
    AddressInput,
    ContactInput,
    UpdateDetails,
    parse_details,
)
from perla_core.onboarding.model import Address, BusinessType, Contact, ContactRole


def fields_of(error: InvalidInput) -> list[str | None]:
    return [e.field for e in error.errors]


def test_valid_details_become_value_objects() -> None:
    details = parse_details(
        {
            "country": "es",
            "trade_name": "  Viajes Ñandú ",
            "legal_name": "Viajes Ñandú S.L.",
            "tax_id": "ESB58378431",
            "email": "Reservas@Nandu.ES",
            "phone": "943 71 19 52",
            "business_type": "travel_agency",
            "markets": ["es", "PT"],
            "addresses": [
                AddressInput("Gran Vía 1", "Madrid", "28013", "es", default_billing=True)
            ],
            "contacts": [ContactInput("billing", "Lucía Pérez", phone="600 00 00 00")],
        }
    )
    assert details == {
        "country": "ES",
        "trade_name": "Viajes Ñandú",
        "legal_name": "Viajes Ñandú S.L.",
        "tax_id": TaxId("ES", "B58378431"),
        "email": Email("Reservas@nandu.es"),
        "phone": Phone("+34943711952"),
        "business_type": BusinessType.TRAVEL_AGENCY,
        "markets": ("ES", "PT"),
        "addresses": (Address("Gran Vía 1", "Madrid", "28013", "ES", default_billing=True),),
        "contacts": (Contact(ContactRole.BILLING, "Lucía Pérez", phone=Phone("+34600000000")),),
    }


def test_every_invalid_field_is_reported_at_once_with_its_name() -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_details(
            {
                "country": "ES",
                "trade_name": "   ",
                "legal_name": "x" * 201,
                "tax_id": "B58378432",
                "email": "reservas@@nandu",
                "phone": "12345",
                "business_type": "bank",
                "markets": ["ES", "Narnia"],
                "website": 42,
                "addresses": [
                    AddressInput("Gran Vía 1", "Madrid", "28013", "ES"),
                    AddressInput("Calle Mayor 2", "Sevilla", "", "ES"),
                    AddressInput("Rua Augusta 3", "Lisboa", "1100-048", "Portugal"),
                ],
                "contacts": [
                    ContactInput("boss", "Lucía Pérez"),
                    ContactInput("billing", "Juan", email="juan@"),
                ],
            }
        )
    error = raised.value
    assert sorted(str(f) for f in fields_of(error)) == sorted(
        [
            "trade_name",
            "legal_name",
            "website",
            "tax_id",
            "email",
            "phone",
            "business_type",
            "markets",
            "addresses[1].postal_code",
            "addresses[2].country",
            "contacts[0].role",
            "contacts[1].email",
        ]
    )
    assert error.code == "invalid_input"
    assert all(e.code == "invalid_value" for e in error.errors)


def test_the_first_invalid_field_of_an_address_is_named_with_its_position() -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_details({"addresses": [AddressInput("", "Madrid", "28013", "ES")]})
    assert fields_of(raised.value) == ["addresses[0].line1"]
    assert raised.value.field == "addresses[0].line1"


def test_a_tax_id_is_checked_against_the_country_given_with_it() -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_details({"country": "ES", "tax_id": "20-26756539-3"})
    assert fields_of(raised.value) == ["tax_id"]
    assert parse_details({"country": "AR", "tax_id": "20-26756539-3"})["tax_id"] == TaxId(
        "AR", "20267565393"
    )


def test_a_tax_id_without_any_country_is_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_details({"tax_id": "B58378431"})
    assert fields_of(raised.value) == ["tax_id"]


def test_an_invalid_country_is_reported_along_with_the_tax_id_it_leaves_unchecked() -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_details({"country": "Spain", "tax_id": "B58378431"})
    assert fields_of(raised.value) == ["country", "tax_id"]


def test_the_country_hint_of_the_stored_record_is_used_for_tax_ids_and_phones() -> None:
    details = parse_details({"tax_id": "B58378431", "phone": "943711952"}, country_hint="ES")
    assert details == {"tax_id": TaxId("ES", "B58378431"), "phone": Phone("+34943711952")}


def test_markets_are_de_duplicated_keeping_their_order() -> None:
    details = parse_details({"markets": ["es", "AR", " ES ", "pt", "ar"]})
    assert details["markets"] == ("ES", "AR", "PT")


@pytest.mark.parametrize("field", ["tax_id", "email", "phone"])
@pytest.mark.parametrize("empty", [None, ""])
def test_an_empty_tax_id_email_or_phone_clears_it(field: str, empty: str | None) -> None:
    assert parse_details({field: empty}, country_hint="ES") == {field: None}


def test_blank_optional_text_clears_it_but_a_trade_name_is_required() -> None:
    assert parse_details({"notes": "   ", "legal_name": None}) == {
        "notes": None,
        "legal_name": None,
    }
    with pytest.raises(InvalidInput) as raised:
        parse_details({"trade_name": None})
    assert fields_of(raised.value) == ["trade_name"]


def test_fields_not_given_are_not_parsed_at_all() -> None:
    assert parse_details({}) == {}


# --- UpdateDetails: KEEP leaves a field alone, None clears it --------------------------------


def test_an_update_carries_only_the_fields_not_kept() -> None:
    update = UpdateDetails(
        client_id=UUID(int=1), expected_version=3, email=None, notes="call after 10"
    )
    assert update.changes() == {"email": None, "notes": "call after 10"}


def test_an_update_that_keeps_everything_changes_nothing() -> None:
    update = UpdateDetails(client_id=UUID(int=1))
    assert update.changes() == {}
    assert update.trade_name is KEEP


def test_an_update_to_empty_lists_is_a_change_not_a_keep() -> None:
    update = UpdateDetails(client_id=UUID(int=1), markets=(), contacts=())
    assert update.changes() == {"markets": (), "contacts": ()}
