"""Tax ids, e-mail addresses, E.164 phones and country codes are validated and normalised."""

from __future__ import annotations

import pytest

from perla_core.kernel.errors import InvalidValue
from perla_core.kernel.values import Email, Phone, TaxId, country_code

# --- tax ids --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "kind", "number"),
    [
        ("12345678Z", "NIF of a person (DNI)", "12345678Z"),
        ("12345678-z", "NIF with a dash, lower case", "12345678Z"),
        ("X1234567L", "NIE of a foreign resident", "X1234567L"),
        ("B58378431", "CIF of a company", "B58378431"),
        ("B-58378431", "CIF with a dash", "B58378431"),
        ("A58818501", "CIF of a public limited company", "A58818501"),
    ],
)
def test_a_valid_spanish_tax_id_is_kept_in_its_compact_form(
    raw: str, kind: str, number: str
) -> None:
    tax_id = TaxId.parse(raw, "ES")
    assert (tax_id.country, tax_id.number) == ("ES", number), kind
    assert str(tax_id) == number


@pytest.mark.parametrize("raw", ["ESB58378431", "es B-58378431", "ES12345678Z"])
def test_the_eu_vat_prefix_es_is_stripped_from_a_spanish_tax_id(raw: str) -> None:
    tax_id = TaxId.parse(raw, "es")
    assert tax_id.country == "ES"
    assert not tax_id.number.startswith("ES")


def test_a_vat_number_with_and_without_its_prefix_is_the_same_tax_id() -> None:
    assert TaxId.parse("ESB58378431", "ES") == TaxId.parse("B58378431", "ES")


@pytest.mark.parametrize(
    "raw",
    ["12345678A", "X1234567A", "B58378432", "1234", "ZZZZZZZZZ", ""],
)
def test_an_invalid_spanish_tax_id_is_refused_as_a_nif_cif_or_nie(raw: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        TaxId.parse(raw, "ES")
    assert raised.value.field == "tax_id"
    assert "NIF/CIF/NIE" in raised.value.message


@pytest.mark.parametrize("raw", ["20-26756539-3", "20267565393", " 20 26756539 3 "])
def test_an_argentine_cuit_is_accepted_with_or_without_dashes(raw: str) -> None:
    tax_id = TaxId.parse(raw, "AR")
    assert (tax_id.country, tax_id.number) == ("AR", "20267565393")


def test_an_argentine_cuit_is_displayed_with_its_dashes() -> None:
    assert TaxId.parse("20267565393", "AR").display == "20-26756539-3"


def test_a_spanish_tax_id_is_displayed_in_its_compact_form() -> None:
    assert TaxId.parse("B-58378431", "ES").display == "B58378431"


@pytest.mark.parametrize("raw", ["20-26756539-4", "2026756539", "B58378431"])
def test_an_invalid_cuit_is_refused_as_a_cuit(raw: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        TaxId.parse(raw, "AR")
    assert raised.value.field == "tax_id"
    assert "CUIT" in raised.value.message


def test_a_tax_id_of_another_country_does_not_validate_in_this_one() -> None:
    with pytest.raises(InvalidValue) as raised:
        TaxId.parse("20-26756539-3", "ES")
    assert raised.value.field == "tax_id"
    with pytest.raises(InvalidValue):
        TaxId.parse("ESB58378431", "AR")


def test_a_tax_id_needs_a_real_country() -> None:
    with pytest.raises(InvalidValue) as raised:
        TaxId.parse("B58378431", "XX")
    assert raised.value.field == "country"


def test_the_field_named_in_a_tax_id_error_can_be_chosen_by_the_caller() -> None:
    with pytest.raises(InvalidValue) as raised:
        TaxId.parse("nope", "ES", field="supplier_tax_id")
    assert raised.value.field == "supplier_tax_id"


# --- e-mail ---------------------------------------------------------------------------------


def test_an_email_keeps_its_local_part_and_lower_cases_its_domain() -> None:
    email = Email.parse("  Ana.Garcia+b2b@Viajes-Nandu.ES ")
    assert email.value == "Ana.Garcia+b2b@viajes-nandu.es"
    assert str(email) == email.value


@pytest.mark.parametrize(
    "raw",
    [
        "no-at-sign",
        "ana@",
        "@viajes.es",
        "ana@viajes",
        "ana..garcia@viajes.es",
        "ana garcia@viajes.es",
        "ana@-viajes.es",
        "a" * 65 + "@viajes.es",
        "ana@" + "a" * 250 + ".es",
    ],
)
def test_an_invalid_email_is_refused_naming_the_field(raw: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        Email.parse(raw, field="contacts[0].email")
    assert raised.value.field == "contacts[0].email"


# --- phones ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("943 71 19 52", "ES", "+34943711952"),
        ("+34 943 71 19 52", None, "+34943711952"),
        ("0034 943711952", "ES", "+34943711952"),
        ("011 15 1234-5678", "AR", "+5491112345678"),
        ("+54 9 11 1234-5678", None, "+5491112345678"),
        ("+54 9 11 1234-5678", "ES", "+5491112345678"),
    ],
)
def test_a_phone_is_normalised_to_e164_using_the_default_region(
    raw: str, region: str | None, e164: str
) -> None:
    phone = Phone.parse(raw, default_region=region)
    assert phone.e164 == e164
    assert str(phone) == e164


def test_a_phone_without_country_prefix_or_region_asks_for_the_prefix() -> None:
    with pytest.raises(InvalidValue) as raised:
        Phone.parse("943 71 19 52")
    assert raised.value.field == "phone"
    assert "+34" in raised.value.message


@pytest.mark.parametrize(
    ("raw", "region"),
    [("12345", "ES"), ("+34 123", None), ("not a phone", "ES"), ("+99 123456789", None)],
)
def test_an_invalid_phone_number_is_refused(raw: str, region: str | None) -> None:
    with pytest.raises(InvalidValue) as raised:
        Phone.parse(raw, default_region=region)
    assert raised.value.field == "phone"


# --- countries ------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "code"), [("es", "ES"), (" AR ", "AR"), ("Pt", "PT")])
def test_a_country_code_is_normalised_to_iso_3166_alpha_2(raw: str, code: str) -> None:
    assert country_code(raw) == code


@pytest.mark.parametrize("raw", ["ESP", "XX", "", "E", "Spain", "001"])
def test_an_unknown_country_code_is_refused_naming_the_field(raw: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        country_code(raw, field="markets")
    assert raised.value.field == "markets"
