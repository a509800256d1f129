"""Dome's promises, kept by every adapter: in memory, and over HTTP against the simulator.

The HTTP adapter talks to the Dome simulator over a real loopback socket (one server per
module, reset before each test).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from tests.support.servers import SimulatorControl, running_server

from perla_adapters.dome import HttpDomeGateway
from perla_adapters.dome.simulator import create_dome_simulator
from perla_adapters.memory.dome import InMemoryDome
from perla_core.gateways.dome import (
    DomeAddress,
    DomeContact,
    DomeCustomerRequest,
    DomeGateway,
    DomeSupplierRequest,
)
from perla_core.gateways.errors import (
    ExternalConflict,
    ExternalNotFound,
    ExternalRejected,
    ExternalUnavailable,
)
from perla_core.kernel.errors import InvalidValue

API_KEY = "dome-test-key"


def a_customer(**changes: Any) -> DomeCustomerRequest:
    request = DomeCustomerRequest(
        external_ref=f"client-{secrets.token_hex(4)}",
        legal_name="Viajes Ñandú S.L.",
        trade_name="Viajes Ñandú",
        tax_id=f"B{secrets.randbelow(10**8):08d}",
        tax_country="ES",
        country="ES",
        email="admin@nandu.es",
        billing_address=DomeAddress("Calle Mayor 1", "Madrid", "28013", "ES", region="Madrid"),
        business_type="travel_agency",
        phone="+34911234567",
        contacts=(DomeContact("administration", "Lucía Pérez", email="lucia@nandu.es"),),
    )
    return attrs.evolve(request, **changes)


def a_supplier(**changes: Any) -> DomeSupplierRequest:
    request = DomeSupplierRequest(
        external_ref=f"supplier-request-{secrets.token_hex(4)}",
        legal_name="Hoteles del Sol S.A.",
        trade_name="Hotel Sol Playa",
        tax_id=f"A{secrets.randbelow(10**8):08d}",
        tax_country="ES",
        country="ES",
        email="reservas@solplaya.es",
        address=DomeAddress("Paseo Marítimo 3", "Málaga", "29016", "ES"),
        iban="ES9121000418450200051332",
        bic="CAIXESBBXXX",
        account_holder="Hoteles del Sol S.A.",
        phone="+34952123456",
    )
    return attrs.evolve(request, **changes)


def a_key() -> str:
    return f"dome.create:{secrets.token_hex(8)}"


class DomeGatewayContract:
    """Every DomeGateway adapter passes these; subclasses provide ``dome`` and the counts."""

    @pytest.fixture
    def dome(self) -> DomeGateway:
        raise NotImplementedError

    def customers_with_ref(self, external_ref: str) -> int:
        raise NotImplementedError

    def suppliers_with_ref(self, external_ref: str) -> int:
        raise NotImplementedError

    # --- customers ---------------------------------------------------------------------

    def test_a_new_customer_gets_a_dome_code_and_reads_back_the_same(
        self, dome: DomeGateway
    ) -> None:
        request = a_customer()

        customer = dome.create_customer(request, a_key())

        assert customer.code
        assert customer.status == "active"
        assert customer.created_at.tzinfo is not None
        assert (customer.external_ref, customer.legal_name, customer.tax_id) == (
            request.external_ref,
            "Viajes Ñandú S.L.",
            request.tax_id,
        )
        assert dome.get_customer(customer.code) == customer

    def test_repeating_a_create_with_the_same_key_returns_the_first_customer_and_creates_no_other(
        self, dome: DomeGateway
    ) -> None:
        request, key = a_customer(), a_key()

        first = dome.create_customer(request, key)
        again = dome.create_customer(request, key)

        assert again == first
        assert self.customers_with_ref(request.external_ref) == 1

    def test_the_same_key_with_a_different_customer_is_refused_as_a_conflict(
        self, dome: DomeGateway
    ) -> None:
        key = a_key()
        dome.create_customer(a_customer(), key)

        with pytest.raises(ExternalConflict) as caught:
            dome.create_customer(a_customer(), key)

        assert caught.value.reason == "idempotency_key_reused"
        assert caught.value.system == "dome"

    def test_a_second_customer_with_a_tax_id_dome_already_has_is_refused_naming_the_existing_code(
        self, dome: DomeGateway
    ) -> None:
        first = dome.create_customer(a_customer(), a_key())

        with pytest.raises(ExternalConflict) as caught:
            dome.create_customer(a_customer(tax_id=first.tax_id), a_key())

        assert caught.value.reason == "duplicate_customer"
        assert caught.value.existing_id == first.code

    def test_invalid_customer_data_is_rejected_naming_every_bad_field(
        self, dome: DomeGateway
    ) -> None:
        request = a_customer(
            legal_name=" ",
            email="not-an-email",
            phone="911 23 45 67",
            billing_address=DomeAddress("Calle Mayor 1", "Madrid", "28013", "Spain"),
            contacts=(DomeContact("billing", "Ana", email="ana@"),),
        )

        with pytest.raises(ExternalRejected) as caught:
            dome.create_customer(request, a_key())

        assert caught.value.fields == [
            "legal_name",
            "email",
            "phone",
            "billing_address.country",
            "contacts[0].email",
        ]
        assert caught.value.field == "legal_name"
        assert not caught.value.retryable
        assert self.customers_with_ref(request.external_ref) == 0

    def test_a_rejected_create_is_not_remembered_so_the_corrected_request_can_reuse_its_key(
        self, dome: DomeGateway
    ) -> None:
        key, good = a_key(), a_customer()
        with pytest.raises(ExternalRejected):
            dome.create_customer(attrs.evolve(good, email="nope"), key)

        customer = dome.create_customer(good, key)

        assert customer.email == "admin@nandu.es"

    def test_an_unknown_customer_code_is_not_found(self, dome: DomeGateway) -> None:
        with pytest.raises(ExternalNotFound) as caught:
            dome.get_customer("C999999")

        assert caught.value.kind == "customer"
        assert caught.value.ident == "C999999"

    @pytest.mark.parametrize("key", ["", "has spaces", "x" * 256, "clé"])
    def test_a_missing_or_malformed_idempotency_key_is_refused_before_anything_is_sent(
        self, dome: DomeGateway, key: str
    ) -> None:
        request = a_customer()

        with pytest.raises(InvalidValue) as caught:
            dome.create_customer(request, key)

        assert caught.value.field == "idempotency_key"
        assert self.customers_with_ref(request.external_ref) == 0

    # --- suppliers ---------------------------------------------------------------------

    def test_a_new_supplier_gets_a_dome_code_and_reads_back_the_same(
        self, dome: DomeGateway
    ) -> None:
        request = a_supplier()

        supplier = dome.create_supplier(request, a_key())

        assert supplier.code
        assert supplier.kind == "hotel"
        assert supplier.address == request.address
        assert dome.get_supplier(supplier.code) == supplier

    def test_repeating_a_supplier_create_with_the_same_key_creates_no_other(
        self, dome: DomeGateway
    ) -> None:
        request, key = a_supplier(), a_key()

        first = dome.create_supplier(request, key)

        assert dome.create_supplier(request, key) == first
        assert self.suppliers_with_ref(request.external_ref) == 1

    def test_a_supplier_with_an_invalid_iban_or_bic_is_rejected_naming_them(
        self, dome: DomeGateway
    ) -> None:
        with pytest.raises(ExternalRejected) as caught:
            dome.create_supplier(a_supplier(iban="ES9121000418450200051333", bic="CAIX"), a_key())

        assert caught.value.fields == ["iban", "bic"]

    def test_a_second_supplier_with_the_same_tax_id_is_refused_naming_the_existing_code(
        self, dome: DomeGateway
    ) -> None:
        first = dome.create_supplier(a_supplier(), a_key())

        with pytest.raises(ExternalConflict) as caught:
            dome.create_supplier(a_supplier(tax_id=first.tax_id), a_key())

        assert caught.value.reason == "duplicate_supplier"
        assert caught.value.existing_id == first.code

    def test_an_unknown_supplier_code_is_not_found(self, dome: DomeGateway) -> None:
        with pytest.raises(ExternalNotFound):
            dome.get_supplier("S999999")


class TestInMemoryDome(DomeGatewayContract):
    @pytest.fixture
    def dome(self) -> DomeGateway:
        self.memory = InMemoryDome()
        return self.memory

    def customers_with_ref(self, external_ref: str) -> int:
        return sum(1 for c in self.memory.customers if c.external_ref == external_ref)

    def suppliers_with_ref(self, external_ref: str) -> int:
        return sum(1 for s in self.memory.suppliers if s.external_ref == external_ref)

    def test_a_create_whose_answer_was_lost_is_found_again_by_retrying_with_its_key(self) -> None:
        dome, request, key = InMemoryDome(), a_customer(), a_key()
        dome.fail_next(1, after_effect=True)

        with pytest.raises(ExternalUnavailable):
            dome.create_customer(request, key)
        customer = dome.create_customer(request, key)

        assert [c.code for c in dome.customers] == [customer.code]
        assert [c.outcome for c in dome.calls] == ["external_unavailable", "replayed"]

    def test_failures_can_be_aimed_at_one_operation(self) -> None:
        dome = InMemoryDome()
        dome.fail_next(1, ExternalUnavailable("dome", "maintenance"), operation="customers.get")
        customer = dome.create_customer(a_customer(), a_key())

        with pytest.raises(ExternalUnavailable, match="maintenance"):
            dome.get_customer(customer.code)
        assert dome.get_customer(customer.code) == customer


@pytest.fixture(scope="module")
def dome_simulator() -> Iterator[str]:
    with running_server(create_dome_simulator(api_key=API_KEY)) as url:
        yield url


class TestHttpDomeAgainstTheSimulator(DomeGatewayContract):
    @pytest.fixture
    def dome(self, dome_simulator: str) -> Iterator[DomeGateway]:
        self.control = SimulatorControl(dome_simulator)
        self.control.reset()
        gateway = HttpDomeGateway(dome_simulator, API_KEY, timeout=5, backoff=0.001)
        yield gateway
        gateway.close()

    def customers_with_ref(self, external_ref: str) -> int:
        return sum(
            1 for c in self.control.records("customers") if c["external_ref"] == external_ref
        )

    def suppliers_with_ref(self, external_ref: str) -> int:
        return sum(
            1 for s in self.control.records("suppliers") if s["external_ref"] == external_ref
        )

    def test_a_customer_travels_as_the_documented_json_with_its_idempotency_key(
        self, dome: DomeGateway
    ) -> None:
        request = a_customer(external_ref="0190f6c2-7b1e-7a51-9c1a-2f4d5e6a7b8c")

        dome.create_customer(request, "dome.create_customer:0190f6c2")

        [sent] = self.control.requests("POST", "/api/v1/customers")
        assert sent["idempotency_key"] == "dome.create_customer:0190f6c2"
        assert sent["body"] == {
            "external_ref": "0190f6c2-7b1e-7a51-9c1a-2f4d5e6a7b8c",
            "legal_name": "Viajes Ñandú S.L.",
            "trade_name": "Viajes Ñandú",
            "tax_id": request.tax_id,
            "tax_country": "ES",
            "country": "ES",
            "email": "admin@nandu.es",
            "billing_address": {
                "line1": "Calle Mayor 1",
                "city": "Madrid",
                "postal_code": "28013",
                "country": "ES",
                "line2": None,
                "region": "Madrid",
            },
            "business_type": "travel_agency",
            "phone": "+34911234567",
            "currency": "EUR",
            "contacts": [
                {
                    "role": "administration",
                    "name": "Lucía Pérez",
                    "email": "lucia@nandu.es",
                    "phone": None,
                }
            ],
        }
