"""Changing a party's record names the changed fields (never their values) and leaves the
record as it was when the change is invalid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from perla_core.kernel.errors import InvalidValue
from perla_core.kernel.values import Email, Phone, TaxId
from perla_core.onboarding.events import DetailsChanged
from perla_core.onboarding.model import (
    Address,
    BusinessType,
    Client,
    Contact,
    ContactRole,
)

NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=2)
ACTOR = "ana.agent"
CLIENT_ID = UUID(int=11)
BILLING = Address("Gran Vía 1", "Madrid", "28013", "ES", default_billing=True)


def lead() -> Client:
    party = Client.register_lead(
        client_id=CLIENT_ID,
        trade_name="Viajes Ñandú",
        country="ES",
        now=NOW,
        actor=ACTOR,
        legal_name="Viajes Ñandú S.L.",
        tax_id=TaxId.parse("B58378431", "ES"),
        email=Email.parse("reservas@nandu.es"),
        phone=Phone.parse("+34943711952"),
        business_type=BusinessType.TRAVEL_AGENCY,
        addresses=(BILLING,),
    )
    party.events.clear()
    return party


def client() -> Client:
    party = lead()
    party.mark_contacted(now=NOW, actor=ACTOR)
    party.convert(now=NOW, actor=ACTOR)
    party.events.clear()
    return party


def record_of(party: Client) -> dict[str, Any]:
    return {
        name: getattr(party, name)
        for name in (
            "trade_name",
            "legal_name",
            "tax_id",
            "country",
            "email",
            "phone",
            "website",
            "business_type",
            "markets",
            "source",
            "sales_owner",
            "notes",
            "addresses",
            "contacts",
            "updated_at",
            "version",
            "phase",
            "lead_status",
            "client_status",
        )
    }


def test_a_change_records_only_the_names_of_the_fields_that_changed() -> None:
    party = lead()
    new_email = Email.parse("direccion@nandu.es")
    party.change_details(
        {"trade_name": "Viajes Ñandú", "email": new_email, "notes": "prefers mornings"},
        now=LATER,
        actor=ACTOR,
    )
    assert party.email == new_email
    assert party.notes == "prefers mornings"
    assert party.updated_at == LATER
    assert party.events == [DetailsChanged(CLIENT_ID, LATER, ACTOR, ("email", "notes"))]


def test_the_details_changed_event_never_carries_the_values() -> None:
    party = lead()
    party.change_details(
        {"email": Email.parse("secreto@nandu.es"), "notes": "confidential"}, now=LATER, actor=ACTOR
    )
    (event,) = party.events
    assert "secreto" not in repr(event)
    assert "confidential" not in repr(event)


def test_a_change_to_the_same_values_records_nothing() -> None:
    party = lead()
    party.change_details(
        {"trade_name": "Viajes Ñandú", "addresses": (BILLING,)}, now=LATER, actor=ACTOR
    )
    assert party.events == []
    assert party.updated_at == NOW


def test_two_default_billing_addresses_are_refused_and_the_record_is_untouched() -> None:
    party = lead()
    before = record_of(party)
    second = Address("Calle Mayor 2", "Sevilla", "41001", "ES", default_billing=True)
    with pytest.raises(InvalidValue) as raised:
        party.change_details(
            {"addresses": (BILLING, second), "notes": "moved"}, now=LATER, actor=ACTOR
        )
    assert raised.value.field == "addresses"
    assert record_of(party) == before
    assert party.events == []


def test_two_default_shipping_addresses_are_refused() -> None:
    party = lead()
    a = Address("Gran Vía 1", "Madrid", "28013", "ES", default_shipping=True)
    b = Address("Calle Mayor 2", "Sevilla", "41001", "ES", default_shipping=True)
    with pytest.raises(InvalidValue) as raised:
        party.change_details({"addresses": (a, b)}, now=LATER, actor=ACTOR)
    assert raised.value.field == "addresses"
    assert party.addresses == (BILLING,)


def test_a_tax_id_of_another_country_is_refused_and_the_record_is_untouched() -> None:
    party = lead()
    before = record_of(party)
    with pytest.raises(InvalidValue) as raised:
        party.change_details({"tax_id": TaxId.parse("20-26756539-3", "AR")}, now=LATER, actor=ACTOR)
    assert raised.value.field == "tax_id"
    assert record_of(party) == before
    assert party.events == []


def test_moving_the_party_to_the_country_of_its_new_tax_id_is_accepted() -> None:
    party = lead()
    party.change_details(
        {"country": "AR", "tax_id": TaxId.parse("20-26756539-3", "AR")}, now=LATER, actor=ACTOR
    )
    assert party.country == "AR"
    assert party.events == [DetailsChanged(CLIENT_ID, LATER, ACTOR, ("tax_id", "country"))]


def test_removing_every_way_to_reach_the_party_is_refused() -> None:
    party = lead()
    before = record_of(party)
    with pytest.raises(InvalidValue) as raised:
        party.change_details({"email": None, "phone": None}, now=LATER, actor=ACTOR)
    assert raised.value.field == "email"
    assert record_of(party) == before


def test_a_contact_person_is_enough_to_reach_the_party() -> None:
    party = lead()
    contact = Contact(ContactRole.ADMINISTRATION, "Lucía Pérez", Email.parse("lucia@nandu.es"))
    party.change_details(
        {"email": None, "phone": None, "contacts": (contact,)}, now=LATER, actor=ACTOR
    )
    assert party.contacts == (contact,)
    assert party.email is None


def test_a_blank_trade_name_is_refused() -> None:
    party = lead()
    with pytest.raises(InvalidValue) as raised:
        party.change_details({"trade_name": "   "}, now=LATER, actor=ACTOR)
    assert raised.value.field == "trade_name"
    assert party.trade_name == "Viajes Ñandú"


def test_a_field_that_is_not_editable_is_refused() -> None:
    party = lead()
    with pytest.raises(InvalidValue) as raised:
        party.change_details({"version": 99, "notes": "x"}, now=LATER, actor=ACTOR)
    assert raised.value.field == "version"
    assert party.version == 0
    assert party.notes is None


def test_a_lead_may_drop_its_tax_id_but_a_client_may_not() -> None:
    party = lead()
    party.change_details({"tax_id": None}, now=LATER, actor=ACTOR)
    assert party.tax_id is None

    converted = client()
    with pytest.raises(InvalidValue) as raised:
        converted.change_details({"tax_id": None}, now=LATER, actor=ACTOR)
    assert raised.value.field == "tax_id"
    assert converted.tax_id == TaxId.parse("B58378431", "ES")


def test_a_clients_details_can_be_changed_too() -> None:
    converted = client()
    converted.change_details({"website": "https://nandu.es"}, now=LATER, actor=ACTOR)
    assert converted.website == "https://nandu.es"
    assert converted.events == [DetailsChanged(CLIENT_ID, LATER, ACTOR, ("website",))]


def test_the_shipping_address_defaults_to_the_billing_one() -> None:
    party = lead()
    assert party.billing_address == BILLING
    assert party.shipping_address == BILLING
    shipping = Address("Almacén 3", "Getafe", "28901", "ES", default_shipping=True)
    party.change_details({"addresses": (BILLING, shipping)}, now=LATER, actor=ACTOR)
    assert party.shipping_address == shipping
