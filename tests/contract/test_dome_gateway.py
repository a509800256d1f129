"""Dome's promises, kept by every adapter: in memory, and over HTTP against the simulator.

The HTTP adapter talks to the Dome simulator over a real loopback socket (one server per
module, reset before each test).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import httpx
import pytest
from tests.support.servers import SimulatorControl, running_server

from perla_adapters.dome import HttpDomeGateway
from perla_adapters.dome.simulator import create_dome_simulator
from perla_adapters.http_support import wire_converter
from perla_adapters.memory.dome import ExistingSupplier, InMemoryDome
from perla_core.gateways.dome import (
    DomeAddress,
    DomeContact,
    DomeCustomerRequest,
    DomeGateway,
    DomeOrderLine,
    DomeOrderRequest,
    DomeSupplier,
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


def an_order(**changes: Any) -> DomeOrderRequest:
    """A confirmed order of 2 cameras (21 % VAT) and a disk (10.5 %) with its pre-invoice."""
    request = DomeOrderRequest(
        external_ref=f"order-{secrets.token_hex(4)}",
        order_number=str(secrets.randbelow(10**6) + 1),
        currency="ARS",
        lines=(
            DomeOrderLine("Cámara domo", 2, "10000.00", "21.00", "20000.00", sku="CAM-1"),
            DomeOrderLine("Disco 2 TB", 1, "50000.00", "10.50", "47500.00", "5.00", "DISK-2"),
        ),
        net_total="67500.00",
        vat_total="9187.50",
        total="76687.50",
        pre_invoice_series="PF-0001",
        pre_invoice_number=12,
        customer_tax_id="20123456786",
        customer_tax_country="AR",
        installments=3,
    )
    return attrs.evolve(request, **changes)


def a_key() -> str:
    return f"dome.create:{secrets.token_hex(8)}"


JAN_1 = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)


def an_existing_hotel(**changes: Any) -> ExistingSupplier:
    """A hotel supplier Dome already held before perla (seeded, not created through the port)."""
    hotel = ExistingSupplier(
        legal_name="Hoteles del Sur S.L.",
        trade_name="Hotel Alameda",
        tax_id=f"B{secrets.randbelow(10**8):08d}",
        tax_country="ES",
        country="ES",
        email="reservas@alameda.es",
        address=DomeAddress("Alameda de Hércules 20", "Sevilla", "41002", "ES"),
        phone="+34954000000",
        updated_at=JAN_1,
    )
    return attrs.evolve(hotel, **changes)


def codes(suppliers: Sequence[DomeSupplier]) -> list[str]:
    return [s.code for s in suppliers]


def every_page(
    dome: DomeGateway, cursor: str | None = None, **filters: Any
) -> list[list[DomeSupplier]]:
    pages = []
    while True:
        page = dome.list_suppliers(cursor=cursor, **filters)
        pages.append(list(page.items))
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


class DomeGatewayContract:
    """Every DomeGateway adapter passes these; subclasses provide ``dome`` and the counts."""

    @pytest.fixture
    def dome(self) -> DomeGateway:
        raise NotImplementedError

    def customers_with_ref(self, external_ref: str) -> int:
        raise NotImplementedError

    def suppliers_with_ref(self, external_ref: str) -> int:
        raise NotImplementedError

    def seed(self, suppliers: Sequence[ExistingSupplier]) -> list[str]:
        """Put suppliers Dome already had into it; their codes."""
        raise NotImplementedError

    def listings_asked(self) -> int:
        """How many supplier listings reached Dome."""
        raise NotImplementedError

    def orders_with_ref(self, external_ref: str) -> int:
        raise NotImplementedError

    # --- orders (issue 8) ---------------------------------------------------------------

    def test_an_order_is_recorded_once_per_key_and_the_same_key_answers_the_same_record(
        self, dome: DomeGateway
    ) -> None:
        request, key = an_order(), a_key()

        record = dome.record_order(request, key)
        again = dome.record_order(request, key)

        assert again == record
        assert record.reference
        assert (record.external_ref, record.order_number, record.total, record.status) == (
            request.external_ref, request.order_number, "76687.50", "recorded",
        )  # fmt: skip
        assert record.recorded_at.tzinfo is not None
        assert self.orders_with_ref(request.external_ref) == 1
        with pytest.raises(ExternalConflict) as caught:
            dome.record_order(an_order(), key)
        assert caught.value.reason == "idempotency_key_reused"

    def test_an_order_whose_totals_do_not_add_up_or_without_customer_is_rejected(
        self, dome: DomeGateway
    ) -> None:
        with pytest.raises(ExternalRejected) as totals:
            dome.record_order(an_order(net_total="67000.00", total="76187.50"), a_key())
        with pytest.raises(ExternalRejected) as nobody:
            dome.record_order(an_order(customer_tax_id=None, lines=()), a_key())
        with pytest.raises(ExternalRejected) as unknown:
            dome.record_order(an_order(customer_code="C999999"), a_key())

        assert totals.value.fields == ["net_total"]
        assert set(nobody.value.fields) >= {"customer_code", "lines"}
        assert unknown.value.fields == ["customer_code"]

    def test_an_order_of_a_known_customer_is_recorded_by_its_code(self, dome: DomeGateway) -> None:
        customer = dome.create_customer(a_customer(), a_key())

        record = dome.record_order(
            an_order(customer_code=customer.code, customer_tax_id=None), a_key()
        )

        assert record.status == "recorded"

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

    def test_a_hotel_supplier_keeps_its_chain_stars_coordinates_and_website(
        self, dome: DomeGateway
    ) -> None:
        request = a_supplier(
            chain="Sol Hotels",
            stars=4,
            latitude=36.7131,
            longitude=-4.4353,
            website="https://solplaya.es",
        )

        supplier = dome.create_supplier(request, a_key())

        assert (supplier.chain, supplier.stars, supplier.latitude, supplier.longitude) == (
            "Sol Hotels",
            4,
            36.7131,
            -4.4353,
        )
        assert supplier.website == "https://solplaya.es"
        assert supplier.updated_at == supplier.created_at
        assert dome.get_supplier(supplier.code) == supplier

    def test_a_supplier_with_out_of_range_stars_or_half_its_coordinates_is_rejected(
        self, dome: DomeGateway
    ) -> None:
        with pytest.raises(ExternalRejected) as caught:
            dome.create_supplier(a_supplier(stars=6, latitude=37.4), a_key())

        assert caught.value.fields == ["stars", "longitude"]

    # --- the supplier listing ------------------------------------------------------------

    def test_paging_with_a_small_limit_lists_every_hotel_exactly_once_in_order_of_change(
        self, dome: DomeGateway
    ) -> None:
        seeded = self.seed(
            [an_existing_hotel(updated_at=JAN_1 + timedelta(hours=h % 3)) for h in range(5)]
        )
        created = [dome.create_supplier(a_supplier(), a_key()).code for _ in range(2)]

        pages = every_page(dome, limit=3)

        assert [len(p) for p in pages] == [3, 3, 1]
        listed = [s for page in pages for s in page]
        assert sorted(codes(listed)) == sorted(seeded + created)
        assert [(s.updated_at, s.code) for s in listed] == sorted(
            (s.updated_at, s.code) for s in listed
        )

    def test_a_listing_that_ends_exactly_at_the_end_of_a_page_has_no_next_cursor(
        self, dome: DomeGateway
    ) -> None:
        self.seed([an_existing_hotel() for _ in range(4)])

        first = dome.list_suppliers(limit=2)
        second = dome.list_suppliers(limit=2, cursor=first.next_cursor)

        assert first.next_cursor is not None
        assert (len(second.items), second.next_cursor) == (2, None)

    def test_only_hotels_are_listed_unless_every_kind_is_asked_for(self, dome: DomeGateway) -> None:
        [hotel, transfer] = self.seed([an_existing_hotel(), an_existing_hotel(kind="transfer")])

        assert codes(dome.list_suppliers().items) == [hotel]
        assert sorted(codes(dome.list_suppliers(kind=None).items)) == sorted([hotel, transfer])
        assert codes(dome.list_suppliers(kind="transfer").items) == [transfer]

    def test_the_listing_filters_by_the_address_country_and_by_city_ignoring_accents_and_case(
        self, dome: DomeGateway
    ) -> None:
        in_malaga = DomeAddress("Paseo Marítimo 3", "Málaga", "29016", "ES")
        in_porto = DomeAddress("Rua das Flores 1", "Porto", "4050-262", "PT")
        [malaga, upper, porto, _sevilla] = self.seed(
            [
                an_existing_hotel(address=in_malaga),
                an_existing_hotel(address=attrs.evolve(in_malaga, city="MALAGA")),
                an_existing_hotel(address=in_porto, country="PT", tax_country="PT"),
                an_existing_hotel(),
            ]
        )

        assert codes(dome.list_suppliers(country="PT").items) == [porto]
        assert sorted(codes(dome.list_suppliers(city="malaga").items)) == sorted([malaga, upper])
        assert sorted(codes(dome.list_suppliers(city=" Málaga", country="ES").items)) == sorted(
            [malaga, upper]
        )
        assert codes(dome.list_suppliers(city="Malaga", country="PT").items) == []

    def test_updated_since_lists_the_suppliers_changed_at_or_after_it(
        self, dome: DomeGateway
    ) -> None:
        [_old, at, later] = self.seed(
            [
                an_existing_hotel(updated_at=JAN_1),
                an_existing_hotel(updated_at=JAN_1 + timedelta(days=1)),
                an_existing_hotel(updated_at=JAN_1 + timedelta(days=2, microseconds=5)),
            ]
        )

        page = dome.list_suppliers(updated_since=JAN_1 + timedelta(days=1))

        assert codes(page.items) == [at, later]
        assert page.items[1].updated_at == JAN_1 + timedelta(days=2, microseconds=5)

    def test_a_supplier_changed_while_someone_pages_moves_to_the_end_and_none_is_missed(
        self, dome: DomeGateway
    ) -> None:
        hotels = [an_existing_hotel(updated_at=JAN_1 + timedelta(minutes=m)) for m in range(4)]
        seeded = self.seed(hotels)
        first = dome.list_suppliers(limit=2)
        self.seed([attrs.evolve(hotels[0], code=seeded[0], updated_at=JAN_1 + timedelta(days=1))])

        rest = every_page(dome, limit=2, cursor=first.next_cursor)

        assert codes(first.items) == seeded[:2]
        assert [codes(p) for p in rest] == [seeded[2:], [seeded[0]]]

    @pytest.mark.parametrize("limit", [0, 501, -1])
    def test_a_limit_outside_1_to_500_is_refused_before_anything_is_sent(
        self, dome: DomeGateway, limit: int
    ) -> None:
        with pytest.raises(InvalidValue) as caught:
            dome.list_suppliers(limit=limit)

        assert caught.value.field == "limit"
        assert self.listings_asked() == 0

    def test_a_naive_updated_since_is_refused_before_anything_is_sent(
        self, dome: DomeGateway
    ) -> None:
        with pytest.raises(InvalidValue) as caught:
            dome.list_suppliers(updated_since=datetime(2026, 1, 1))  # noqa: DTZ001 - the point

        assert caught.value.field == "updated_since"
        assert self.listings_asked() == 0

    def test_a_cursor_dome_never_gave_or_a_country_that_is_no_code_is_rejected(
        self, dome: DomeGateway
    ) -> None:
        with pytest.raises(ExternalRejected) as cursor:
            dome.list_suppliers(cursor="not-a-cursor")
        with pytest.raises(ExternalRejected) as country:
            dome.list_suppliers(country="Spain")

        assert (cursor.value.fields, country.value.fields) == (["cursor"], ["country"])


class TestInMemoryDome(DomeGatewayContract):
    @pytest.fixture
    def dome(self) -> DomeGateway:
        self.memory = InMemoryDome()
        return self.memory

    def customers_with_ref(self, external_ref: str) -> int:
        return sum(1 for c in self.memory.customers if c.external_ref == external_ref)

    def suppliers_with_ref(self, external_ref: str) -> int:
        return sum(1 for s in self.memory.suppliers if s.external_ref == external_ref)

    def seed(self, suppliers: Sequence[ExistingSupplier]) -> list[str]:
        return codes(self.memory.seed_suppliers(suppliers))

    def listings_asked(self) -> int:
        return sum(1 for c in self.memory.calls if c.operation == "suppliers.list")

    def orders_with_ref(self, external_ref: str) -> int:
        return sum(1 for o in self.memory.orders if o.external_ref == external_ref)

    def test_a_listing_can_be_made_to_fail_like_any_other_call(self) -> None:
        dome = InMemoryDome()
        dome.fail_next(1, operation="suppliers.list")

        with pytest.raises(ExternalUnavailable):
            dome.list_suppliers()
        assert dome.list_suppliers().items == ()

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

    def seed(self, suppliers: Sequence[ExistingSupplier]) -> list[str]:
        body = wire_converter().unstructure(list(suppliers))
        response = httpx.post(f"{self.control.base_url}/_sim/suppliers", json=body, timeout=5)
        response.raise_for_status()
        seeded: list[str] = response.json()["codes"]
        return seeded

    def listings_asked(self) -> int:
        return sum(1 for r in self.control.requests("GET") if r["path"] == "/api/v1/suppliers")

    def orders_with_ref(self, external_ref: str) -> int:
        return sum(1 for o in self.control.records("orders") if o["external_ref"] == external_ref)

    def test_a_listing_answered_503_is_retried_and_the_page_comes_back_whole(
        self, dome: DomeGateway
    ) -> None:
        [code] = self.seed([an_existing_hotel()])
        self.control.fault(status=503, count=2, method="GET", path_prefix="/api/v1/suppliers")

        page = dome.list_suppliers()

        assert codes(page.items) == [code]
        statuses = [r["status"] for r in self.control.requests("GET", "/api/v1/suppliers")]
        assert statuses == [503, 503, 200]

    def test_the_listing_asks_with_the_documented_query_parameters(
        self, dome_simulator: str
    ) -> None:
        asked: list[httpx.URL] = []

        class Recording(httpx.HTTPTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                asked.append(request.url)
                return super().handle_request(request)

        dome = HttpDomeGateway(dome_simulator, API_KEY, transport=Recording())
        dome.list_suppliers(country="ES", city="Málaga", updated_since=JAN_1, limit=50)
        with pytest.raises(ExternalRejected):
            dome.list_suppliers(kind=None, cursor="abc_-")
        dome.close()

        assert [(url.path, dict(url.params)) for url in asked] == [
            (
                "/api/v1/suppliers",
                {
                    "kind": "hotel",
                    "country": "ES",
                    "city": "Málaga",
                    "updated_since": "2026-01-01T08:00:00Z",
                    "limit": "50",
                },
            ),
            ("/api/v1/suppliers", {"cursor": "abc_-", "limit": "200"}),
        ]

    def test_seeding_thousands_of_hotels_at_once_lists_them_all(self, dome: DomeGateway) -> None:
        seeded = self.seed([an_existing_hotel() for _ in range(2000)])

        listed = [s for page in every_page(dome, limit=500) for s in page]

        assert len(seeded) == len(set(seeded)) == 2000
        assert sorted(codes(listed)) == sorted(seeded)

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
