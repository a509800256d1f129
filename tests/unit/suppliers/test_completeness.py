"""The completeness check lists exactly what the Suppliers team still needs, by section; the
request is draft until nothing is missing, and ready then. Observations flag what is unusual
without stopping it."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import pytest
from tests.unit.suppliers.fakes import AGENT, LATER, a_request, complete_input

from perla_core.kernel.errors import InvalidInput
from perla_core.kernel.values import TaxId
from perla_core.suppliers.commands import HotelContactInput
from perla_core.suppliers.fields import Section
from perla_core.suppliers.model import SupplierRequestStatus
from perla_core.suppliers.values import ContractType, Iban, VatRegime


def test_a_request_with_only_a_name_lacks_every_required_field_by_section() -> None:
    request = a_request({"name": "Hotel Playa Victoria"})

    assert request.status is SupplierRequestStatus.DRAFT
    assert request.missing() == {
        Section.IDENTITY: (
            "stars",
            "address",
            "city",
            "postal_code",
            "country",
            "coordinates",
            "phone",
            "email",
        ),
        Section.ADMINISTRATIVE: ("legal_name", "tax_id"),
        Section.FISCAL: ("vat_regime",),
        Section.BANKING: ("iban", "bic", "account_holder"),
        Section.COMMERCIAL: (
            "contract_type",
            "payment_terms",
            "release_days",
            "cancellation_policy",
            "contacts.reservations",
            "contacts.accounting",
        ),
    }


def test_a_complete_request_is_ready_and_misses_nothing() -> None:
    request = a_request()

    assert request.missing() == {}
    assert request.is_complete
    assert request.status is SupplierRequestStatus.READY


def test_chain_and_website_are_optional() -> None:
    request = a_request(complete_input(chain=None, website=None))

    assert request.missing() == {}


@pytest.mark.parametrize(
    ("field", "section"),
    [
        ("stars", Section.IDENTITY),
        ("postal_code", Section.IDENTITY),
        ("phone", Section.IDENTITY),
        ("legal_name", Section.ADMINISTRATIVE),
        ("tax_id", Section.ADMINISTRATIVE),
        ("vat_regime", Section.FISCAL),
        ("iban", Section.BANKING),
        ("bic", Section.BANKING),
        ("account_holder", Section.BANKING),
        ("payment_terms", Section.COMMERCIAL),
        ("release_days", Section.COMMERCIAL),
        ("cancellation_policy", Section.COMMERCIAL),
    ],
)
def test_each_missing_field_is_named_in_its_section(field: str, section: Section) -> None:
    request = a_request(complete_input(**{field: None}))

    assert request.missing() == {section: (field,)}
    assert request.status is SupplierRequestStatus.DRAFT


def test_missing_coordinates_are_named_once() -> None:
    request = a_request(complete_input(latitude=None, longitude=None))

    assert request.missing() == {Section.IDENTITY: ("coordinates",)}


def test_zero_release_days_is_a_value_not_a_gap() -> None:
    assert a_request(complete_input(release_days=0)).missing() == {}


def test_the_rate_needed_follows_the_contract_type() -> None:
    commission = a_request(complete_input(commission_pct=None))
    net = a_request(complete_input(contract_type="net", commission_pct=None))
    net_with_markup = a_request(
        complete_input(contract_type="net", commission_pct=None, markup_pct="22.5")
    )
    unknown = a_request(complete_input(contract_type=None, commission_pct=None))

    assert commission.missing() == {Section.COMMERCIAL: ("commission_pct",)}
    assert net.missing() == {Section.COMMERCIAL: ("markup_pct",)}
    assert net_with_markup.missing() == {}
    assert net_with_markup.markup_pct == Decimal("22.50")
    assert unknown.missing() == {Section.COMMERCIAL: ("contract_type",)}


def test_a_rate_that_does_not_match_the_contract_type_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        a_request(complete_input(contract_type="net", markup_pct="20"))

    assert [e.field for e in refused.value.errors] == ["commission_pct"]


def test_contacts_are_needed_for_reservations_and_accounting() -> None:
    only_manager = [HotelContactInput("general_manager", "Marta Gil", email="direccion@hotel.es")]

    request = a_request(complete_input(contacts=only_manager))

    assert request.missing() == {
        Section.COMMERCIAL: ("contacts.reservations", "contacts.accounting")
    }


def test_a_spanish_postal_code_must_name_a_province() -> None:
    with pytest.raises(InvalidInput) as refused:
        a_request(complete_input(postal_code="99001"))

    assert [e.field for e in refused.value.errors] == ["postal_code"]
    lisbon = complete_input(
        country="PT", postal_code="1100-148", phone="+351 213 400 000", tax_id_country="ES"
    )
    assert a_request(lisbon).postal_code == "1100-148"


def test_completeness_carries_the_missing_fields_flat_and_by_section() -> None:
    completeness = a_request(complete_input(iban=None, stars=None)).completeness()

    assert not completeness.complete
    assert completeness.missing_fields == ("stars", "iban")
    assert completeness.status is SupplierRequestStatus.DRAFT


def test_an_edit_that_completes_a_draft_makes_it_ready_and_one_that_empties_it_draft() -> None:
    request = a_request(complete_input(iban=None))
    request.events.clear()

    request.change_details({"iban": Iban("ES9121000418450200051332")}, now=LATER, actor=AGENT)
    assert request.completeness().status is SupplierRequestStatus.READY

    request.change_details({"vat_regime": None}, now=LATER, actor=AGENT)
    assert request.status is SupplierRequestStatus.DRAFT
    assert request.missing() == {Section.FISCAL: ("vat_regime",)}


# --- observations -------------------------------------------------------------------------------


def codes(request_fields: Mapping[str, object]) -> list[str]:
    return [o.code for o in a_request(complete_input(**request_fields)).observations()]


def test_a_usual_request_has_no_observations() -> None:
    assert codes({}) == []


def test_an_iban_of_another_country_is_allowed_but_noted() -> None:
    request = a_request(complete_input(iban="PT50 0002 0123 1234 5678 9015 4", bic="BCOMPTPL"))

    assert request.missing() == {}
    (observation,) = request.observations()
    assert observation.code == "iban_country_differs"
    assert observation.field == "iban"
    assert "PT" in observation.message
    assert "está en ES" in observation.message


def test_a_bic_of_another_country_than_the_iban_is_noted() -> None:
    assert codes({"bic": "BCOMPTPL"}) == ["bic_country_differs"]


def test_a_tax_id_of_another_country_is_noted() -> None:
    assert codes({"tax_id": "501964843", "tax_id_country": "PT", "vat_regime": "non_resident"}) == [
        "tax_id_country_differs"
    ]


def test_an_account_holder_other_than_the_company_is_noted() -> None:
    assert codes({"account_holder": "Juan Palafox Gómez"}) == ["account_holder_differs"]


def test_a_canary_islands_hotel_is_expected_under_igic() -> None:
    canary = {"postal_code": "35001", "city": "Las Palmas de Gran Canaria"}

    assert codes(canary) == ["canary_islands_igic"]
    assert codes({**canary, "vat_regime": "igic"}) == []
    assert codes({"vat_regime": "igic"}) == ["igic_outside_canary_islands"]


def test_values_are_typed_in_the_aggregate() -> None:
    request = a_request()

    assert request.tax_id == TaxId("ES", "B58378431")
    assert request.vat_regime is VatRegime.GENERAL
    assert request.contract_type is ContractType.COMMISSION
