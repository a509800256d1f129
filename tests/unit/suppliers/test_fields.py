"""Primitives become the request's values; every bad field is named, all of them at once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from tests.unit.suppliers.fakes import REQUEST_ID, complete_input

from perla_core.kernel.errors import InvalidInput
from perla_core.kernel.values import Email, Phone, TaxId
from perla_core.suppliers.commands import HotelContactInput, UpdateSupplierRequest
from perla_core.suppliers.fields import parse_fields
from perla_core.suppliers.values import (
    Bic,
    ContactRole,
    ContractType,
    Coordinates,
    HotelContact,
    Iban,
    PaymentBasis,
    PaymentTerms,
    VatRegime,
)


def refused_fields(raw: dict[str, Any], country: str | None = None) -> list[str | None]:
    with pytest.raises(InvalidInput) as refused:
        parse_fields(raw, country=country)
    return [e.field for e in refused.value.errors]


def test_a_complete_description_becomes_value_objects() -> None:
    values = parse_fields(complete_input(country="es"), country=None)

    assert values["country"] == "ES"
    assert values["coordinates"] == Coordinates(Decimal("36.517220"), Decimal("-6.281390"))
    assert values["phone"] == Phone("+34956205100")
    assert values["email"] == Email("reservas@palafoxhoteles.com")
    assert values["website"] == "https://www.palafoxhoteles.com"
    assert values["tax_id"] == TaxId("ES", "B58378431")
    assert values["vat_regime"] is VatRegime.GENERAL
    assert values["iban"] == Iban("ES9121000418450200051332")
    assert values["bic"] == Bic("CAIXESBBXXX")
    assert values["contract_type"] is ContractType.COMMISSION
    assert values["commission_pct"] == Decimal("15.00")
    assert str(values["commission_pct"]) == "15.00"
    assert values["payment_terms"] == PaymentTerms(PaymentBasis.AFTER_INVOICE, 30)
    assert values["release_days"] == 7
    assert values["contacts"] == (
        HotelContact(ContactRole.RESERVATIONS, "Lucía Pérez", Email("reservas@palafoxhoteles.com")),
        HotelContact(ContactRole.ACCOUNTING, "Íñigo Sáez", phone=Phone("+34956205101")),
    )


def test_every_invalid_field_is_reported_at_once_with_its_name() -> None:
    fields = refused_fields(
        complete_input(
            iban="ES91 2100 0418 4502 0005 1333",
            bic="CAIX1SBB",
            tax_id="B58378432",
            phone="12",
            email="reservas@",
            latitude="91",
            longitude="-181",
            stars=6,
            release_days=400,
            commission_pct="101",
            vat_regime="iva_super_reducido",
        )
    )

    assert sorted(str(f) for f in fields) == sorted(
        [
            "iban",
            "bic",
            "tax_id",
            "phone",
            "email",
            "latitude",
            "longitude",
            "stars",
            "release_days",
            "commission_pct",
            "vat_regime",
        ]
    )


@pytest.mark.parametrize(
    ("iban", "reason"),
    [
        ("ES91 2100 0418 4502 0005 1333", "check digits"),
        ("ES91 2100 0418 4502 0005 13", "check digits"),
        ("XX91 2100 0418 4502 0005 1332", "check digits"),
        ("ES91-2100-!!", "malformed"),
    ],
)
def test_an_invalid_iban_is_refused_saying_why(iban: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_fields({"iban": iban}, country="ES")

    (error,) = refused.value.errors
    assert error.field == "iban"
    assert reason in error.message


def test_an_iban_is_kept_compact_and_shown_in_groups_of_four() -> None:
    iban = Iban.parse("es91 2100 0418 4502 0005 1332")

    assert iban.value == "ES9121000418450200051332"
    assert iban.country == "ES"
    assert iban.display == "ES91 2100 0418 4502 0005 1332"


@pytest.mark.parametrize("bic", ["CAIX1SBB", "CAIXQQBB", "CAIXESBBXX", "CAIX"])
def test_an_invalid_bic_is_refused(bic: str) -> None:
    assert refused_fields({"bic": bic}) == ["bic"]


def test_a_bic_of_eight_characters_is_accepted_and_upper_cased() -> None:
    assert Bic.parse("caix es bb") == Bic("CAIXESBB")
    assert Bic.parse("CAIXESBB").country == "ES"


def test_a_tax_id_is_checked_against_the_hotels_country() -> None:
    assert refused_fields({"tax_id": "B58378432"}, country="ES") == ["tax_id"]
    assert parse_fields({"tax_id": "ESB58378431"}, country="ES")["tax_id"] == TaxId(
        "ES", "B58378431"
    )


def test_a_tax_id_of_another_country_is_read_with_tax_id_country() -> None:
    values = parse_fields({"tax_id": "PT 501 964 843", "tax_id_country": "pt"}, country="ES")

    assert values["tax_id"] == TaxId("PT", "501964843")


def test_a_tax_id_needs_a_country_to_be_checked() -> None:
    assert refused_fields({"tax_id": "B58378431"}) == ["tax_id"]
    assert refused_fields({"tax_id_country": "PT"}, country="ES") == ["tax_id_country"]


def test_a_phone_without_prefix_is_read_in_the_hotels_country() -> None:
    assert parse_fields({"phone": "956 20 51 00"}, country="ES")["phone"] == Phone("+34956205100")
    assert parse_fields({"phone": "+351 213 400 000"}, country="ES")["phone"] == Phone(
        "+351213400000"
    )
    assert refused_fields({"phone": "956 20 51 00"}) == ["phone"]


@pytest.mark.parametrize(
    ("latitude", "longitude", "bad"),
    [
        ("90.5", "0", ["latitude"]),
        ("0", "180.01", ["longitude"]),
        (-91, 200, ["latitude", "longitude"]),
        ("36.5", None, ["longitude"]),
        (None, "-6.2", ["latitude"]),
        ("norte", "-6.2", ["latitude"]),
        (float("nan"), "-6.2", ["latitude"]),
        (True, "-6.2", ["latitude"]),
    ],
)
def test_coordinates_out_of_range_or_half_given_are_refused_by_name(
    latitude: object, longitude: object, bad: list[str]
) -> None:
    assert refused_fields({"latitude": latitude, "longitude": longitude}) == bad


def test_coordinates_are_kept_to_six_decimals_floats_included() -> None:
    values = parse_fields({"latitude": 36.5172204, "longitude": -6.28139}, country=None)

    assert values["coordinates"] == Coordinates(Decimal("36.517220"), Decimal("-6.281390"))
    assert parse_fields({"latitude": None, "longitude": None}, country=None) == {
        "coordinates": None
    }


@pytest.mark.parametrize(
    ("given", "kept"),
    [("12,5", "12.50"), ("12.5 %", "12.50"), (0, "0.00"), (Decimal("100"), "100.00")],
)
def test_percentages_accept_spanish_commas_and_keep_two_decimals(given: object, kept: str) -> None:
    assert str(parse_fields({"markup_pct": given}, country=None)["markup_pct"]) == kept


@pytest.mark.parametrize("given", [12.5, "-1", "100.01", "12.345", "doce"])
def test_invalid_percentages_are_refused(given: object) -> None:
    assert refused_fields({"commission_pct": given}) == ["commission_pct"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("stars", 0),
        ("stars", True),
        ("stars", "cuatro"),
        ("release_days", -1),
        ("release_days", 366),
        ("website", "ftp://hotel.es"),
        ("website", "hotel"),
        ("website", "https://user@hotel.es"),
        ("name", "Hotel\nPlaya"),
        ("name", ""),
        ("email", "reservas@hotel"),
        ("country", "España"),
        ("contract_type", "allotment"),
    ],
)
def test_each_malformed_field_is_named(field: str, value: object) -> None:
    assert refused_fields({field: value}, country="ES") == [field]


def test_payment_terms_come_as_an_input_a_mapping_or_text() -> None:
    terms = PaymentTerms(PaymentBasis.AFTER_CHECK_OUT, 15)

    assert PaymentTerms.parse({"basis": "after_check_out", "days": 15}) == terms
    assert PaymentTerms.parse("after_check_out:15") == terms
    assert PaymentTerms.parse("prepayment") == PaymentTerms(PaymentBasis.PREPAYMENT, 0)
    assert refused_fields({"payment_terms": {"basis": "cash", "days": 999}}) == [
        "payment_terms.basis",
        "payment_terms.days",
    ]


def test_each_bad_contact_is_named_by_position_and_part() -> None:
    contacts = [
        HotelContactInput("reservations", "Lucía Pérez", email="reservas@hotel.es"),
        HotelContactInput("housekeeping", "", email="nope"),
        HotelContactInput("accounting", "Íñigo Sáez"),
    ]

    assert refused_fields({"contacts": contacts}, country="ES") == [
        "contacts[1].role",
        "contacts[1].name",
        "contacts[1].email",
        "contacts[2].email",
    ]


def test_an_unknown_field_is_refused_by_name() -> None:
    assert refused_fields({"name": "Hotel", "rooms": 120}) == ["rooms"]


def test_an_update_names_only_the_fields_it_changes() -> None:
    command = UpdateSupplierRequest(REQUEST_ID, stars=5, chain=None)

    assert command.changes() == {"stars": 5, "chain": None}
    assert parse_fields(command.changes(), country="ES") == {"stars": 5, "chain": None}
